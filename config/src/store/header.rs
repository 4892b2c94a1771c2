//! Sealed header sectors: the one shape every header on the config partition has (label, baked config,
//! slots), so that one check decides whether a sector is blank, damaged or trustworthy.
//!
//! ```text
//! bytes 0..8        magic (says what the sector is)
//! bytes 8..10       format version, u16 LE
//! bytes 10..10+N    fields (N bytes, fixed per header kind)
//! bytes 10+N..14+N  CRC32 (IEEE, crc32fast) of bytes 0..10+N, u32 LE
//! rest              zero
//! ```
//!
//! A torn write leaves a mix of old and new bytes; the CRC over the whole header (magic included) makes
//! any such mix fail unless it equals the old or the new header entirely (up to CRC32's 2^-32 chance).
//! The version is checked only after the CRC, so a version number reported back was really written.

use drivers::block::SECTOR_SIZE;

use super::error::Damage;

/// The largest fields block a header carries.
pub(super) const MAX_FIELDS: usize = 64;

const VERSION_AT: usize = 8;
const FIELDS_AT: usize = 10;

/// A header sector with `magic`, `version` and `fields`.
pub(super) fn seal<const N: usize>(
    magic: &[u8; 8],
    version: u16,
    fields: &[u8; N],
) -> [u8; SECTOR_SIZE] {
    const { assert!(N <= MAX_FIELDS) };
    let mut sector = [0u8; SECTOR_SIZE];
    put(&mut sector, 0, magic);
    put(&mut sector, VERSION_AT, &version.to_le_bytes());
    put(&mut sector, FIELDS_AT, fields);
    let crc = crc32fast::hash(sector.get(..FIELDS_AT + N).unwrap_or_default());
    put(&mut sector, FIELDS_AT + N, &crc.to_le_bytes());
    sector
}

/// Opens a header sector: `Ok(None)` if the sector is blank (all zero), `Ok(Some(fields))` if it is a
/// sound header of this kind and version, else what is wrong with it.
pub(super) fn open<const N: usize>(
    sector: &[u8; SECTOR_SIZE],
    magic: &[u8; 8],
    version: u16,
) -> Result<Option<[u8; N]>, Damage> {
    const { assert!(N <= MAX_FIELDS) };
    if sector.iter().all(|&b| b == 0) {
        return Ok(None);
    }
    if sector.get(..8) != Some(magic.as_slice()) {
        return Err(Damage::BadMagic);
    }
    let covered = sector.get(..FIELDS_AT + N).unwrap_or_default();
    if crc32fast::hash(covered) != le_u32(sector, FIELDS_AT + N) {
        return Err(Damage::HeaderChecksum);
    }
    let found = le_u16(sector, VERSION_AT);
    if found != version {
        return Err(Damage::UnknownVersion(found));
    }
    let mut fields = [0u8; N];
    if let Some(bytes) = sector.get(FIELDS_AT..FIELDS_AT + N) {
        fields.copy_from_slice(bytes);
    }
    Ok(Some(fields))
}

/// Copies `value` to `bytes[at..]` if it fits (callers use constant offsets that do).
pub(super) fn put(bytes: &mut [u8], at: usize, value: &[u8]) {
    if let Some(target) = at
        .checked_add(value.len())
        .and_then(|end| bytes.get_mut(at..end))
    {
        target.copy_from_slice(value);
    }
}

/// The `M` bytes at `at`, zeros where `bytes` ends.
fn array_at<const M: usize>(bytes: &[u8], at: usize) -> [u8; M] {
    let mut out = [0u8; M];
    for (o, b) in out.iter_mut().zip(bytes.iter().skip(at)) {
        *o = *b;
    }
    out
}

pub(super) fn le_u16(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(array_at(bytes, at))
}

pub(super) fn le_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(array_at(bytes, at))
}

pub(super) fn le_u64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(array_at(bytes, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAGIC: [u8; 8] = *b"TESTHDR\0";

    #[test]
    fn sealed_header_has_the_documented_bytes() {
        let sector = seal(&MAGIC, 3, &[0xAA, 0xBB]);
        assert_eq!(&sector[..12], b"TESTHDR\0\x03\x00\xAA\xBB");
        let crc = crc32fast::hash(&sector[..12]).to_le_bytes();
        assert_eq!(&sector[12..16], &crc);
        assert!(sector[16..].iter().all(|&b| b == 0));
        assert_eq!(open::<2>(&sector, &MAGIC, 3), Ok(Some([0xAA, 0xBB])));
    }

    #[test]
    fn blank_sector_is_not_damage() {
        assert_eq!(open::<2>(&[0; SECTOR_SIZE], &MAGIC, 3), Ok(None));
    }

    #[test]
    fn every_flipped_bit_of_a_header_is_detected() {
        let sector = seal(&MAGIC, 3, &[1, 2, 3, 4, 5, 6]);
        for byte in 0..20 {
            for bit in 0..8 {
                let mut damaged = sector;
                damaged[byte] ^= 1 << bit;
                let opened = open::<6>(&damaged, &MAGIC, 3);
                assert!(opened.is_err(), "byte {byte} bit {bit}: {opened:?}");
            }
        }
    }

    #[test]
    fn damage_is_named() {
        let sector = seal(&MAGIC, 3, &[7]);
        assert_eq!(open::<1>(&sector, b"OTHERHDR", 3), Err(Damage::BadMagic));
        assert_eq!(
            open::<1>(&sector, &MAGIC, 4),
            Err(Damage::UnknownVersion(3))
        );
        let mut torn = sector;
        torn[10] = 8;
        assert_eq!(open::<1>(&torn, &MAGIC, 3), Err(Damage::HeaderChecksum));
    }

    #[test]
    fn fields_read_little_endian_and_zero_past_the_end() {
        let bytes = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08];
        assert_eq!(le_u16(&bytes, 0), 0x0201);
        assert_eq!(le_u32(&bytes, 4), 0x0807_0605);
        assert_eq!(le_u64(&bytes, 0), 0x0807_0605_0403_0201);
        assert_eq!(le_u32(&bytes, 6), 0x0000_0807);
        assert_eq!(le_u16(&bytes, usize::MAX), 0);
        let mut out = [0u8; 4];
        put(&mut out, 2, &[9, 9, 9]);
        assert_eq!(out, [0; 4], "a value that does not fit is not written");
        put(&mut out, 1, &[9, 9]);
        assert_eq!(out, [0, 9, 9, 0]);
    }
}
