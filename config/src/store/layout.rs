//! Where things live on the config partition, derived from its size alone (so no damaged byte can move
//! them), and the partition label in sector 0 that names the layout version.
//!
//! `R = T / 8` sectors at the start (label, baked-config header, baked text), then two slots of
//! `S = (T − R) / 2` sectors each; `T` is the partition's size capped at [`MAX_SECTORS`]. The label is
//! informative: slots and the baked header identify themselves, so a torn or missing label hides
//! nothing; only a sound label of *another* layout version stops the store.

use drivers::block::SECTOR_SIZE;

use super::error::StoreError;
use super::header;

/// The smallest partition the store accepts: 32 sectors (16 KiB): 1 KiB of baked text, slots of 13
/// payload sectors (6.5 KiB). The image builder's partition is 4 MiB.
pub const MIN_SECTORS: u64 = 32;
/// Sectors beyond this (32 MiB) are not used, which bounds every buffer the store allocates.
pub const MAX_SECTORS: u64 = 1 << 16;
/// The layout described in the module documentation.
pub const LAYOUT_VERSION: u16 = 1;

pub(super) const LABEL_LBA: u64 = 0;
const LABEL_MAGIC: [u8; 8] = *b"APPLCFG\0";
const BAKED_HEADER_LBA: u64 = 1;
const BAKED_TEXT_LBA: u64 = 2;
const SECTOR: u64 = SECTOR_SIZE as u64;

/// One of the two slots that hold the saved configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    A,
    B,
}

impl Slot {
    pub const BOTH: [Slot; 2] = [Slot::A, Slot::B];

    pub fn other(self) -> Slot {
        match self {
            Slot::A => Slot::B,
            Slot::B => Slot::A,
        }
    }

    pub(super) fn index(self) -> usize {
        match self {
            Slot::A => 0,
            Slot::B => 1,
        }
    }
}

/// The regions of one config partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// `R`: label, baked header and baked text.
    reserved: u64,
    /// `S`: one slot, header sector included.
    slot_sectors: u64,
}

impl Layout {
    /// The layout of a partition of `sectors` sectors; refuses one smaller than [`MIN_SECTORS`].
    pub fn for_sectors(sectors: u64) -> Result<Self, StoreError> {
        if sectors < MIN_SECTORS {
            return Err(StoreError::TooSmall {
                sectors,
                min: MIN_SECTORS,
            });
        }
        let used = sectors.min(MAX_SECTORS);
        let reserved = used / 8;
        Ok(Self {
            reserved,
            slot_sectors: used.saturating_sub(reserved) / 2,
        })
    }

    /// Sectors the layout occupies (the rest of a larger partition is unused).
    pub fn used_sectors(&self) -> u64 {
        self.reserved + 2 * self.slot_sectors
    }

    /// The longest baked `.rsc` text, in bytes.
    pub fn baked_capacity(&self) -> usize {
        bytes(self.reserved.saturating_sub(BAKED_TEXT_LBA))
    }

    /// The longest payload a slot holds, in bytes.
    pub fn max_payload(&self) -> usize {
        bytes(self.slot_sectors.saturating_sub(1))
    }

    pub(super) fn baked_header_lba(&self) -> u64 {
        BAKED_HEADER_LBA
    }

    pub(super) fn baked_text_lba(&self) -> u64 {
        BAKED_TEXT_LBA
    }

    pub(super) fn slot_header_lba(&self, slot: Slot) -> u64 {
        self.reserved + self.slot_sectors * slot.index() as u64
    }

    pub(super) fn slot_payload_lba(&self, slot: Slot) -> u64 {
        self.slot_header_lba(slot) + 1
    }
}

/// `sectors` sectors in bytes (small by construction: at most [`MAX_SECTORS`]).
fn bytes(sectors: u64) -> usize {
    usize::try_from(sectors.saturating_mul(SECTOR)).unwrap_or(usize::MAX)
}

/// What sector 0 says about the partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LabelState {
    /// Our label, this layout version.
    Ours,
    /// All zero: nothing was ever written (the image builder's zeroed partition).
    Blank,
    /// Our label with another layout version.
    Other { version: u16 },
    /// Anything else: torn, damaged or never ours.
    Foreign,
    /// The disk failed to read sector 0.
    Unreadable(drivers::block::BlockError),
}

/// The label sector of this layout version.
pub(super) fn label_sector() -> [u8; SECTOR_SIZE] {
    header::seal(&LABEL_MAGIC, LAYOUT_VERSION, &[])
}

pub(super) fn parse_label(sector: &[u8; SECTOR_SIZE]) -> LabelState {
    match header::open::<0>(sector, &LABEL_MAGIC, LAYOUT_VERSION) {
        Ok(Some(_)) => LabelState::Ours,
        Ok(None) => LabelState::Blank,
        Err(super::Damage::UnknownVersion(version)) => LabelState::Other { version },
        Err(_) => LabelState::Foreign,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_image_builders_partition() {
        let layout = Layout::for_sectors(8192).unwrap();
        assert_eq!(layout.slot_header_lba(Slot::A), 1024);
        assert_eq!(layout.slot_header_lba(Slot::B), 1024 + 3584);
        assert_eq!(layout.slot_payload_lba(Slot::B), 1024 + 3584 + 1);
        assert_eq!(layout.used_sectors(), 8192);
        assert_eq!(layout.baked_capacity(), 1022 * 512);
        assert_eq!(layout.max_payload(), 3583 * 512);
    }

    #[test]
    fn smallest_partition_and_odd_sizes() {
        assert_eq!(
            Layout::for_sectors(31),
            Err(StoreError::TooSmall {
                sectors: 31,
                min: 32
            })
        );
        let small = Layout::for_sectors(32).unwrap();
        assert_eq!(small.slot_header_lba(Slot::A), 4);
        assert_eq!(small.slot_header_lba(Slot::B), 18);
        assert_eq!(small.baked_capacity(), 1024);
        assert_eq!(small.max_payload(), 13 * 512);
        let odd = Layout::for_sectors(101).unwrap();
        assert_eq!(odd.slot_header_lba(Slot::B), 12 + 44);
        assert_eq!(odd.used_sectors(), 100, "the last odd sector is unused");
    }

    #[test]
    fn huge_partitions_use_only_the_first_32_mib() {
        let layout = Layout::for_sectors(u64::MAX).unwrap();
        assert_eq!(layout, Layout::for_sectors(MAX_SECTORS).unwrap());
        assert!(layout.used_sectors() <= MAX_SECTORS);
    }

    #[test]
    fn label_states() {
        let label = label_sector();
        assert_eq!(&label[..10], b"APPLCFG\0\x01\x00");
        assert_eq!(parse_label(&label), LabelState::Ours);
        assert_eq!(parse_label(&[0; SECTOR_SIZE]), LabelState::Blank);
        let newer = header::seal(&LABEL_MAGIC, 2, &[]);
        assert_eq!(parse_label(&newer), LabelState::Other { version: 2 });
        let mut torn = label;
        torn[3] = 0;
        assert_eq!(parse_label(&torn), LabelState::Foreign);
    }
}
