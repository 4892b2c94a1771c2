//! System Description Table header and whole-table reads (ACPI 6.x §5.2.6).
//!
//! Every table starts with a 36-byte header: Signature (4), Length (4, whole table including header),
//! Revision (1), Checksum (1), OEMID (6), OEM Table ID (8), OEM Revision (4), Creator ID (4), Creator Revision (4).
//!
//! Guarantees: [`read_table`] returns a table only if its signature is the expected one, its Length is at least
//! the header size and at most [`MAX_TABLE_LEN`], all Length bytes are readable and they checksum to zero.

use alloc::vec::Vec;
use core::fmt;

use super::AcpiError;
use super::bytes::{u8_at, u32_at};
use super::checksum;
use super::memory::{PhysicalMemory, read_array, read_vec};

/// Size of the common header.
pub const HEADER_LEN: usize = 36;
/// Largest table this crate will read (bounds the DSDT, the largest table it needs).
pub const MAX_TABLE_LEN: usize = 1 << 20;

/// A 4-byte table signature such as `FACP`; displays non-printable bytes as `\xNN`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature(pub [u8; 4]);

impl Signature {
    pub const RSDT: Signature = Signature(*b"RSDT");
    pub const XSDT: Signature = Signature(*b"XSDT");
    pub const FADT: Signature = Signature(*b"FACP");
    pub const DSDT: Signature = Signature(*b"DSDT");
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in &self.0 {
            if b.is_ascii_graphic() || b == b' ' {
                write!(f, "{}", char::from(b))?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

/// The header fields this crate uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SdtHeader {
    pub signature: Signature,
    pub length: u32,
    pub revision: u8,
}

/// Parses the header fields out of the first [`HEADER_LEN`] bytes.
fn parse_header(bytes: &[u8; HEADER_LEN]) -> SdtHeader {
    let signature = Signature([bytes[0], bytes[1], bytes[2], bytes[3]]);
    SdtHeader {
        signature,
        length: u32_at(bytes, 4).unwrap_or(0),
        revision: u8_at(bytes, 8).unwrap_or(0),
    }
}

/// Reads just the header at `address` (no validation beyond readability).
pub fn read_header(mem: &impl PhysicalMemory, address: u64) -> Result<SdtHeader, AcpiError> {
    read_array::<HEADER_LEN>(mem, address).map(|b| parse_header(&b))
}

/// Reads and validates the whole table at `address`, which must carry `expected` as its signature.
pub fn read_table(
    mem: &impl PhysicalMemory,
    address: u64,
    expected: Signature,
) -> Result<Vec<u8>, AcpiError> {
    let header = read_header(mem, address)?;
    if header.signature != expected {
        return Err(AcpiError::BadSignature {
            address,
            expected,
            found: header.signature,
        });
    }
    let length = header.length;
    let len = usize::try_from(length).unwrap_or(usize::MAX);
    if !(HEADER_LEN..=MAX_TABLE_LEN).contains(&len) {
        return Err(AcpiError::BadTableLength {
            signature: expected,
            length,
        });
    }
    let table = read_vec(mem, address, len).map_err(|e| match e {
        AcpiError::Unreadable { .. } => AcpiError::TableTruncated {
            signature: expected,
            address,
            length,
        },
        other => other,
    })?;
    if !checksum::is_valid(&table) {
        return Err(AcpiError::BadTableChecksum {
            signature: expected,
            address,
        });
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn signature_display_escapes() {
        assert_eq!(Signature(*b"FACP").to_string(), "FACP");
        assert_eq!(Signature([b'A', 0, 0xff, b' ']).to_string(), "A\\x00\\xff ");
    }
}
