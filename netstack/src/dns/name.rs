//! Domain names on the wire (RFC 1035 §3.1, §4.1.4): reading a possibly compressed name out of a
//! message, and the uncompressed form the router keeps and writes.
//!
//! Guarantees, whatever the bytes: a label is at most 63 bytes and a name at most 255 bytes in wire
//! form (RFC 1035 §2.3.4); label types 0x40 and 0x80 (RFC 6891 §5 retired them) are refused; a
//! compression pointer must point *before* the label that holds it — RFC 1035 §4.1.4 speaks of a
//! "prior occurrence" — so pointers can never loop, and at most [`MAX_POINTERS`] are followed anyway.
//! Reading never panics and never reads outside the message.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::WireError;

/// Longest name in wire form, length bytes and the root's zero included (RFC 1035 §2.3.4).
pub const MAX_NAME_LEN: usize = 255;
/// Longest label (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;
/// Compression pointers followed while reading one name. Backward-only pointers already rule out
/// loops; this bounds the work of a chain of them.
pub const MAX_POINTERS: usize = 32;

/// A domain name in uncompressed wire form (labels with their length bytes, ending in the root's
/// zero). The case of the letters is kept as received: a reply echoes the client's question byte for
/// byte (RFC 1035 §7.3 answers are matched by their question); [`Name::lowercase`] gives the form the
/// cache is keyed by, as names compare without regard to ASCII case (RFC 4343).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(Vec<u8>);

impl Name {
    /// The root name (`.`).
    pub fn root() -> Self {
        Name(alloc::vec![0])
    }

    /// A name from its text form (`wan.test` or `wan.test.`; empty or `.` is the root). Labels are
    /// 1..=63 bytes, the name at most 255 in wire form; `\.` and `\DDD` escapes are not taken.
    pub fn from_text(text: &str) -> Result<Self, WireError> {
        let text = text.strip_suffix('.').unwrap_or(text);
        let mut wire = Vec::with_capacity(text.len() + 2);
        if !text.is_empty() {
            for label in text.split('.') {
                if label.is_empty() || label.len() > MAX_LABEL_LEN {
                    return Err(WireError::BadLabel);
                }
                wire.push(label.len() as u8);
                wire.extend_from_slice(label.as_bytes());
            }
        }
        wire.push(0);
        if wire.len() > MAX_NAME_LEN {
            return Err(WireError::NameTooLong);
        }
        Ok(Name(wire))
    }

    /// Reads the name that starts at `at` in `message`, following compression pointers. Returns the
    /// name and the offset just after it in place (after the first pointer, if any).
    pub fn read(message: &[u8], at: usize) -> Result<(Name, usize), WireError> {
        let mut wire = Vec::new();
        let mut pos = at;
        // Where reading continues in place after the name; set by the first pointer.
        let mut end = None;
        let mut pointers = 0;
        loop {
            let &len = message.get(pos).ok_or(WireError::Truncated)?;
            match len & 0xC0 {
                0x00 => {
                    let len = usize::from(len);
                    if wire.len() + 1 + len > MAX_NAME_LEN {
                        return Err(WireError::NameTooLong);
                    }
                    if len == 0 {
                        wire.push(0);
                        return Ok((Name(wire), end.unwrap_or(pos + 1)));
                    }
                    let label = message
                        .get(pos + 1..pos + 1 + len)
                        .ok_or(WireError::Truncated)?;
                    wire.push(len as u8);
                    wire.extend_from_slice(label);
                    pos += 1 + len;
                }
                0xC0 => {
                    let &low = message.get(pos + 1).ok_or(WireError::Truncated)?;
                    let target = (usize::from(len & 0x3F) << 8) | usize::from(low);
                    // Only backwards: to a prior occurrence (RFC 1035 §4.1.4). This also refuses a
                    // pointer to itself and every loop.
                    if target >= pos {
                        return Err(WireError::BadPointer);
                    }
                    pointers += 1;
                    if pointers > MAX_POINTERS {
                        return Err(WireError::BadPointer);
                    }
                    end.get_or_insert(pos + 2);
                    pos = target;
                }
                // 0x40 (extended label types) and 0x80 (reserved).
                _ => return Err(WireError::BadLabel),
            }
        }
    }

    /// The uncompressed wire form.
    pub fn wire(&self) -> &[u8] {
        &self.0
    }

    /// The same name with ASCII letters in lower case (the cache's key).
    pub fn lowercase(&self) -> Name {
        Name(self.0.to_ascii_lowercase())
    }

    /// Whether both are the same name, ASCII case aside (RFC 4343).
    pub fn eq_ignore_case(&self, other: &Name) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }

    /// The labels, first to last (the root's empty label left out).
    pub fn labels(&self) -> impl Iterator<Item = &[u8]> {
        let mut rest = &self.0[..];
        core::iter::from_fn(move || {
            let (&len, tail) = rest.split_first()?;
            let label = tail.get(..usize::from(len))?;
            if label.is_empty() {
                return None;
            }
            rest = &tail[label.len()..];
            Some(label)
        })
    }

    /// The dotted text form (`wan.test`; the root is empty), bytes other than letters, digits, `-`
    /// and `_` written as `\DDD` and a dot inside a label as `\.` (RFC 4343 §2.1).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (index, label) in self.labels().enumerate() {
            if index > 0 {
                out.push('.');
            }
            for &byte in label {
                match byte {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'*' => {
                        out.push(char::from(byte))
                    }
                    b'.' => out.push_str("\\."),
                    _ => {
                        let _ = fmt::write(&mut out, format_args!("\\{byte:03}"));
                    }
                }
            }
        }
        out
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({})", self.to_text())
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip_and_limits() {
        let name = Name::from_text("Wan.Test.").unwrap();
        assert_eq!(name.wire(), b"\x03Wan\x04Test\x00");
        assert_eq!(name.to_text(), "Wan.Test");
        assert_eq!(name.lowercase().to_text(), "wan.test");
        assert!(name.eq_ignore_case(&Name::from_text("wan.test").unwrap()));
        assert_eq!(Name::from_text("").unwrap(), Name::root());
        assert_eq!(Name::from_text("a..b"), Err(WireError::BadLabel));
        let long_label = "a".repeat(64);
        assert_eq!(Name::from_text(&long_label), Err(WireError::BadLabel));
        assert!(Name::from_text(&"a".repeat(63)).is_ok());
        // 127 labels of one letter: 254 bytes with the root; one more label is 256.
        let max = ["a"; 127].join(".");
        assert_eq!(Name::from_text(&max).unwrap().wire().len(), 255);
        let over = ["a"; 128].join(".");
        assert_eq!(Name::from_text(&over), Err(WireError::NameTooLong));
    }

    #[test]
    fn reads_plain_and_compressed_names() {
        // "wan.test" at 0, then "www" + pointer to 0 at 10.
        let msg = b"\x03wan\x04test\x00\x03www\xC0\x00rest";
        let (name, next) = Name::read(msg, 0).unwrap();
        assert_eq!((name.to_text().as_str(), next), ("wan.test", 10));
        let (name, next) = Name::read(msg, 10).unwrap();
        assert_eq!((name.to_text().as_str(), next), ("www.wan.test", 16));
    }

    #[test]
    fn hostile_names_are_refused() {
        // A pointer to itself, a forward pointer, a two-pointer loop, a pointer out of range.
        assert_eq!(Name::read(b"\xC0\x00", 0), Err(WireError::BadPointer));
        assert_eq!(Name::read(b"\xC0\x02\x00", 0), Err(WireError::BadPointer));
        assert_eq!(
            Name::read(b"\x01a\xC0\x04\xC0\x00", 4),
            Err(WireError::BadPointer),
            "a loop through an earlier pointer"
        );
        assert_eq!(Name::read(b"\x00\xC0\xFF", 1), Err(WireError::BadPointer));
        // A label longer than 63 (0x40 is an extended label type), a cut label, a cut pointer.
        assert_eq!(Name::read(b"\x40aaaa", 0), Err(WireError::BadLabel));
        assert_eq!(Name::read(b"\x05ab", 0), Err(WireError::Truncated));
        assert_eq!(Name::read(b"\x01a\xC0", 0), Err(WireError::Truncated));
        assert_eq!(Name::read(b"", 0), Err(WireError::Truncated));
        // Over 255 bytes through pointers: each step adds a 63-byte label before pointing back.
        let mut msg = Vec::new();
        msg.push(63);
        msg.extend_from_slice(&[b'x'; 63]);
        msg.push(0);
        let mut previous = 0;
        for _ in 0..5 {
            let start = msg.len();
            msg.push(63);
            msg.extend_from_slice(&[b'y'; 63]);
            msg.extend_from_slice(&[0xC0 | (previous >> 8) as u8, previous as u8]);
            previous = start;
        }
        let last = previous;
        assert_eq!(Name::read(&msg, last), Err(WireError::NameTooLong));
    }
}
