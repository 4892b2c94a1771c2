//! The ACPI table checksum: all bytes of the structure, including the checksum byte, sum to zero modulo 256
//! (ACPI 6.x §5.2.5.3 for the RSDP, §5.2.6 for every description-table header).
//!
//! Guarantees: wrapping arithmetic only; any input length is fine.

/// Whether `bytes` sums to zero modulo 256.
pub(crate) fn is_valid(bytes: &[u8]) -> bool {
    bytes.iter().fold(0u8, |sum, &b| sum.wrapping_add(b)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn sums() {
        assert!(super::is_valid(&[]));
        assert!(super::is_valid(&[0x10, 0xf0]));
        assert!(!super::is_valid(&[0x10, 0xef]));
    }
}
