//! One slot of the saved configuration: a sealed header sector (generation, payload length, payload CRC32)
//! followed by the payload sectors, and the judgement of what a slot holds.
//!
//! A slot is [`SlotState::Valid`] only if its header is sound, its length fits the slot and the payload
//! read back has the header's CRC. Reading is bounded by the layout whatever the header says.

use alloc::collections::TryReserveError;
use alloc::vec::Vec;

use drivers::block::{BlockDevice, SECTOR_SIZE};

use super::error::{Damage, StoreError};
use super::header;
use super::layout::{Layout, Slot};

/// The slot header format described in the module documentation.
pub const SLOT_FORMAT_VERSION: u16 = 1;

const SLOT_MAGIC: [u8; 8] = *b"APPLSLOT";
/// generation u64, payload length u32, payload CRC32 u32.
const FIELDS: usize = 16;

/// Bytes per device request for payloads (bounds the stack buffer; small requests suit PIO disks).
const CHUNK_BYTES: usize = 16 * SECTOR_SIZE;

/// What one slot holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotState {
    /// A blank header sector: never written, or erased.
    Empty,
    /// A configuration that passed every check.
    Valid { generation: u64, payload: Vec<u8> },
    /// Something that failed a check; `generation` is known when the header itself was sound.
    Damaged {
        generation: Option<u64>,
        damage: Damage,
    },
}

impl SlotState {
    /// The generation, if the header could be read.
    pub fn generation(&self) -> Option<u64> {
        match self {
            SlotState::Empty => None,
            SlotState::Valid { generation, .. } => Some(*generation),
            SlotState::Damaged { generation, .. } => *generation,
        }
    }
}

/// The fields of a slot header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct SlotHeader {
    pub generation: u64,
    pub len: u32,
    pub crc: u32,
}

impl SlotHeader {
    pub fn new(generation: u64, payload: &[u8]) -> Result<Self, StoreError> {
        let len = u32::try_from(payload.len()).map_err(|_| StoreError::TooLarge {
            len: payload.len(),
            max: u32::MAX as usize,
        })?;
        Ok(Self {
            generation,
            len,
            crc: crc32fast::hash(payload),
        })
    }

    pub fn seal(&self) -> [u8; SECTOR_SIZE] {
        let mut fields = [0u8; FIELDS];
        header::put(&mut fields, 0, &self.generation.to_le_bytes());
        header::put(&mut fields, 8, &self.len.to_le_bytes());
        header::put(&mut fields, 12, &self.crc.to_le_bytes());
        header::seal(&SLOT_MAGIC, SLOT_FORMAT_VERSION, &fields)
    }

    /// `Ok(None)` for a blank sector.
    pub fn open(sector: &[u8; SECTOR_SIZE]) -> Result<Option<Self>, Damage> {
        Ok(
            header::open::<FIELDS>(sector, &SLOT_MAGIC, SLOT_FORMAT_VERSION)?.map(|fields| Self {
                generation: header::le_u64(&fields, 0),
                len: header::le_u32(&fields, 8),
                crc: header::le_u32(&fields, 12),
            }),
        )
    }
}

/// Reads and judges `slot`. Never fails: an unreadable slot is [`Damage::Unreadable`].
pub(super) fn read<D: BlockDevice>(device: &mut D, layout: &Layout, slot: Slot) -> SlotState {
    let mut sector = [0u8; SECTOR_SIZE];
    if let Err(error) = device.read(layout.slot_header_lba(slot), &mut sector) {
        return SlotState::Damaged {
            generation: None,
            damage: Damage::Unreadable(error),
        };
    }
    let header = match SlotHeader::open(&sector) {
        Ok(Some(header)) => header,
        Ok(None) => return SlotState::Empty,
        Err(damage) => {
            return SlotState::Damaged {
                generation: None,
                damage,
            };
        }
    };
    let damaged = |damage| SlotState::Damaged {
        generation: Some(header.generation),
        damage,
    };
    let max = layout.max_payload();
    let len = match usize::try_from(header.len) {
        Ok(len) if len <= max => len,
        _ => {
            return damaged(Damage::LengthOutOfRange {
                len: header.len,
                max,
            });
        }
    };
    let payload = match read_payload(device, layout.slot_payload_lba(slot), len) {
        Ok(Ok(payload)) => payload,
        Ok(Err(_)) => return damaged(Damage::NoMemory),
        Err(error) => return damaged(Damage::Unreadable(error)),
    };
    if crc32fast::hash(&payload) != header.crc {
        return damaged(Damage::PayloadChecksum);
    }
    SlotState::Valid {
        generation: header.generation,
        payload,
    }
}

/// Reads `len` bytes from the sectors starting at `lba` (the caller has bounded `len` by the region).
/// The outer error is the device's, the inner one a failed allocation.
pub(super) fn read_payload<D: BlockDevice>(
    device: &mut D,
    lba: u64,
    len: usize,
) -> Result<Result<Vec<u8>, TryReserveError>, drivers::block::BlockError> {
    let padded = len.div_ceil(SECTOR_SIZE).saturating_mul(SECTOR_SIZE);
    let mut payload = Vec::new();
    if let Err(error) = payload.try_reserve_exact(padded) {
        return Ok(Err(error));
    }
    payload.resize(padded, 0);
    let mut lba = lba;
    for chunk in payload.chunks_mut(CHUNK_BYTES) {
        device.read(lba, chunk)?;
        lba = lba.saturating_add((chunk.len() / SECTOR_SIZE) as u64);
    }
    payload.truncate(len);
    Ok(Ok(payload))
}

/// Writes `payload` into the sectors from `lba` on, the last sector zero-padded.
pub(super) fn write_payload<D: BlockDevice>(
    device: &mut D,
    lba: u64,
    payload: &[u8],
) -> Result<(), StoreError> {
    let whole = payload.len() - payload.len() % SECTOR_SIZE;
    let (body, tail) = payload.split_at_checked(whole).unwrap_or((payload, &[]));
    let mut lba = lba;
    for chunk in body.chunks(CHUNK_BYTES) {
        device.write(lba, chunk)?;
        lba = lba.saturating_add((chunk.len() / SECTOR_SIZE) as u64);
    }
    if !tail.is_empty() {
        let mut sector = [0u8; SECTOR_SIZE];
        header::put(&mut sector, 0, tail);
        device.write(lba, &sector)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use drivers::block::RamDisk;

    use super::*;

    #[test]
    fn header_bytes_are_as_documented() {
        let header = SlotHeader {
            generation: 0x0102_0304_0506_0708,
            len: 0x1122_3344,
            crc: 0xAABB_CCDD,
        };
        let sector = header.seal();
        assert_eq!(&sector[..8], b"APPLSLOT");
        assert_eq!(&sector[8..10], &[1, 0]);
        assert_eq!(&sector[10..18], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(&sector[18..22], &[0x44, 0x33, 0x22, 0x11]);
        assert_eq!(&sector[22..26], &[0xDD, 0xCC, 0xBB, 0xAA]);
        assert_eq!(
            &sector[26..30],
            &crc32fast::hash(&sector[..26]).to_le_bytes()
        );
        assert_eq!(SlotHeader::open(&sector), Ok(Some(header)));
    }

    #[test]
    fn payload_round_trips_across_chunks_with_a_partial_last_sector() {
        let layout = Layout::for_sectors(256).unwrap();
        let mut disk = RamDisk::new(256);
        let payload: Vec<u8> = (0..CHUNK_BYTES + 700).map(|i| (i % 251) as u8).collect();
        let lba = layout.slot_payload_lba(Slot::A);
        write_payload(&mut disk, lba, &payload).unwrap();
        let back = read_payload(&mut disk, lba, payload.len())
            .unwrap()
            .unwrap();
        assert_eq!(back, payload);
        let end = (lba as usize + 18) * SECTOR_SIZE;
        assert!(
            disk.as_bytes()[end - 512 + 188..end]
                .iter()
                .all(|&b| b == 0),
            "the last sector is zero-padded"
        );
    }

    #[test]
    fn a_length_beyond_the_slot_is_damage_not_a_read() {
        let layout = Layout::for_sectors(32).unwrap();
        let mut disk = RamDisk::new(32);
        let header = SlotHeader {
            generation: 9,
            len: u32::MAX,
            crc: 0,
        };
        disk.write(layout.slot_header_lba(Slot::B), &header.seal())
            .unwrap();
        assert_eq!(
            read(&mut disk, &layout, Slot::B),
            SlotState::Damaged {
                generation: Some(9),
                damage: Damage::LengthOutOfRange {
                    len: u32::MAX,
                    max: 13 * 512
                }
            }
        );
        assert_eq!(read(&mut disk, &layout, Slot::A), SlotState::Empty);
    }
}
