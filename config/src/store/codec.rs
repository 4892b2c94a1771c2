//! postcard with a format-version prefix: how the object model turns itself into a slot payload and back.
//!
//! Encoding: the version as `u16` little endian, then the value in postcard's wire format (varint
//! integers, length-prefixed sequences and strings, enum variants by index). The version lets a later
//! release recognise (and migrate) a configuration saved by an earlier one instead of misreading it.
//!
//! Decoding is total: wrong version, short input, malformed postcard and trailing bytes are errors, and
//! postcard bounds every allocation by the input it has (serde preallocates cautiously). Types that
//! nest recursively (a `Box` inside itself) nest as deep as the input says; the object model's types
//! do not.

use alloc::vec::Vec;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::StoreError;

/// `value` in postcard behind a `u16` version prefix. Refuses nothing: if the serializer fails (only a
/// hand-written `Serialize` can make it, e.g. a sequence of unknown length) the result is empty, which
/// [`decode`] rejects as [`StoreError::Truncated`], so a failure can never pass for a value.
pub fn encode<T: Serialize>(version: u16, value: &T) -> Vec<u8> {
    postcard::to_extend(value, Vec::from(version.to_le_bytes())).unwrap_or_default()
}

/// The value [`encode`] wrote with the same `version`.
pub fn decode<T: DeserializeOwned>(version: u16, bytes: &[u8]) -> Result<T, StoreError> {
    let (found, body) = match bytes {
        [low, high, body @ ..] => (u16::from_le_bytes([*low, *high]), body),
        _ => return Err(StoreError::Truncated),
    };
    if found != version {
        return Err(StoreError::WrongVersion {
            expected: version,
            found,
        });
    }
    let (value, rest) = postcard::take_from_bytes(body).map_err(StoreError::Decode)?;
    if !rest.is_empty() {
        return Err(StoreError::TrailingBytes { count: rest.len() });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use alloc::string::{String, ToString};
    use alloc::vec;

    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Address {
        address: String,
        interface: String,
        disabled: bool,
        prefix: u8,
        id: u32,
    }

    fn sample() -> Vec<Address> {
        vec![Address {
            address: "192.168.88.1".to_string(),
            interface: "ether2".to_string(),
            disabled: false,
            prefix: 24,
            id: 300,
        }]
    }

    #[test]
    fn encoding_is_version_then_postcard() {
        let bytes = encode(7, &sample());
        let mut expected = vec![7, 0, 1, 12];
        expected.extend_from_slice(b"192.168.88.1");
        expected.push(6);
        expected.extend_from_slice(b"ether2");
        expected.extend_from_slice(&[0, 24, 0xAC, 0x02]);
        assert_eq!(bytes, expected);
        assert_eq!(decode::<Vec<Address>>(7, &bytes), Ok(sample()));
    }

    #[test]
    fn wrong_version_short_input_and_trailing_bytes_are_refused() {
        let mut bytes = encode(1, &sample());
        assert_eq!(
            decode::<Vec<Address>>(2, &bytes),
            Err(StoreError::WrongVersion {
                expected: 2,
                found: 1
            })
        );
        assert_eq!(decode::<u8>(1, &[1]), Err(StoreError::Truncated));
        assert_eq!(decode::<u8>(1, &[]), Err(StoreError::Truncated));
        bytes.push(0);
        assert_eq!(
            decode::<Vec<Address>>(1, &bytes),
            Err(StoreError::TrailingBytes { count: 1 })
        );
    }

    #[test]
    fn malformed_postcard_is_an_error() {
        // A string claiming 100 bytes with 2 present; then a bool that is neither 0 nor 1.
        assert!(matches!(
            decode::<String>(1, &[1, 0, 100, b'a', b'b']),
            Err(StoreError::Decode(_))
        ));
        assert!(matches!(
            decode::<bool>(1, &[1, 0, 2]),
            Err(StoreError::Decode(_))
        ));
        // A sequence claiming 2^63 elements must not allocate for them.
        let huge = [1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F];
        assert!(decode::<Vec<u64>>(1, &huge).is_err());
    }

    #[test]
    fn a_failing_serializer_yields_an_undecodable_empty_encoding() {
        struct Unsized;
        impl Serialize for Unsized {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeSeq;
                s.serialize_seq(None)?.end()
            }
        }
        let bytes = encode(1, &Unsized);
        assert_eq!(bytes, Vec::<u8>::new());
        assert_eq!(decode::<()>(1, &bytes), Err(StoreError::Truncated));
    }
}
