//! The MBR partition table in sector 0, and a view of a device confined to one partition.
//!
//! Layout (the classic PC MBR, as the image builder writes it): four 16-byte entries at byte 446 — status
//! (0x80 active, 0x00 inactive), CHS first sector, type, CHS last sector, first LBA (u32 LE), sector count
//! (u32 LE) — then the signature 0x55 0xAA at bytes 510–511. CHS fields are ignored (LBA only).
//!
//! A table is accepted only if every used entry (type ≠ 0) is sane: status 0x00 or 0x80 (the check Linux
//! uses to tell an MBR from a boot sector), a non-zero length, not covering sector 0, ending inside the
//! disk, and not overlapping another entry. Anything else is a [`PartitionError`], so a damaged disk can
//! never send the config store's writes outside its partition.

use core::fmt;

use super::{BlockDevice, BlockError, Refused, SECTOR_SIZE, check_request};

/// Partition type of the config partition ("non-FS data"; image builder's `CONFIG_PARTITION_TYPE`).
pub const CONFIG_PARTITION_TYPE: u8 = 0xDA;

const TABLE_OFFSET: usize = 446;
const ENTRY_SIZE: usize = 16;
const ENTRIES: usize = 4;
const SIGNATURE: [u8; 2] = [0x55, 0xAA];

/// One used primary partition entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MbrEntry {
    /// Position in the table, 0–3.
    pub index: usize,
    pub bootable: bool,
    /// Partition type (0x0C FAT32 LBA, 0xDA config, ...).
    pub kind: u8,
    pub first_lba: u32,
    pub sectors: u32,
}

impl MbrEntry {
    /// One past the last sector.
    pub fn end_lba(&self) -> u64 {
        u64::from(self.first_lba) + u64::from(self.sectors)
    }
}

/// Why no usable partition was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionError {
    /// Sector 0 could not be read.
    Read(BlockError),
    /// Bytes 510–511 are not 0x55 0xAA.
    NoSignature,
    /// A status byte other than 0x00 / 0x80 (probably not an MBR at all).
    BadStatus { index: usize, status: u8 },
    /// A used entry with zero sectors.
    ZeroLength { index: usize },
    /// An entry starting at sector 0, over the MBR itself.
    OverlapsMbr { index: usize },
    /// An entry ending past the last sector of the disk.
    BeyondDisk { index: usize, end: u64, disk: u64 },
    /// Two entries share sectors.
    Overlapping { first: usize, second: usize },
    /// No entry of this type.
    NotFound { kind: u8 },
    /// More than one entry of this type; which one to use is ambiguous.
    Ambiguous { kind: u8 },
}

impl fmt::Display for PartitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Read(e) => write!(f, "cannot read the partition table: {e}"),
            Self::NoSignature => f.write_str("no MBR signature"),
            Self::BadStatus { index, status } => {
                write!(f, "partition {}: bad status byte {status:#04x}", index + 1)
            }
            Self::ZeroLength { index } => write!(f, "partition {}: zero length", index + 1),
            Self::OverlapsMbr { index } => {
                write!(f, "partition {}: overlaps the MBR", index + 1)
            }
            Self::BeyondDisk { index, end, disk } => write!(
                f,
                "partition {}: ends at sector {end}, beyond the disk ({disk} sectors)",
                index + 1
            ),
            Self::Overlapping { first, second } => {
                write!(f, "partitions {} and {} overlap", first + 1, second + 1)
            }
            Self::NotFound { kind } => write!(f, "no partition of type {kind:#04x}"),
            Self::Ambiguous { kind } => {
                write!(f, "more than one partition of type {kind:#04x}")
            }
        }
    }
}

/// The four primary entries of a validated MBR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionTable {
    entries: [Option<MbrEntry>; ENTRIES],
}

impl PartitionTable {
    /// Parses and validates sector 0 of a disk of `disk_sectors` sectors.
    pub fn parse(sector0: &[u8; SECTOR_SIZE], disk_sectors: u64) -> Result<Self, PartitionError> {
        if sector0[510..512] != SIGNATURE {
            return Err(PartitionError::NoSignature);
        }
        let mut entries = [None; ENTRIES];
        for (index, slot) in entries.iter_mut().enumerate() {
            let start = TABLE_OFFSET + index * ENTRY_SIZE;
            let raw = &sector0[start..start + ENTRY_SIZE];
            let status = raw[0];
            let kind = raw[4];
            if status != 0x00 && status != 0x80 {
                return Err(PartitionError::BadStatus { index, status });
            }
            if kind == 0 {
                continue;
            }
            let u32_at =
                |i: usize| u32::from_le_bytes([raw[i], raw[i + 1], raw[i + 2], raw[i + 3]]);
            let entry = MbrEntry {
                index,
                bootable: status == 0x80,
                kind,
                first_lba: u32_at(8),
                sectors: u32_at(12),
            };
            if entry.sectors == 0 {
                return Err(PartitionError::ZeroLength { index });
            }
            if entry.first_lba == 0 {
                return Err(PartitionError::OverlapsMbr { index });
            }
            if entry.end_lba() > disk_sectors {
                return Err(PartitionError::BeyondDisk {
                    index,
                    end: entry.end_lba(),
                    disk: disk_sectors,
                });
            }
            *slot = Some(entry);
        }
        let used: [Option<MbrEntry>; ENTRIES] = entries;
        for (i, a) in used.iter().enumerate() {
            for b in used.iter().skip(i + 1) {
                if let (Some(a), Some(b)) = (a, b)
                    && u64::from(a.first_lba) < b.end_lba()
                    && u64::from(b.first_lba) < a.end_lba()
                {
                    return Err(PartitionError::Overlapping {
                        first: a.index,
                        second: b.index,
                    });
                }
            }
        }
        Ok(Self { entries })
    }

    /// Reads sector 0 of `device` and parses it.
    pub fn read<D: BlockDevice + ?Sized>(device: &mut D) -> Result<Self, PartitionError> {
        let mut sector0 = [0u8; SECTOR_SIZE];
        device.read(0, &mut sector0).map_err(PartitionError::Read)?;
        Self::parse(&sector0, device.sector_count())
    }

    /// The used entries, in table order.
    pub fn entries(&self) -> impl Iterator<Item = &MbrEntry> {
        self.entries.iter().flatten()
    }

    /// The single entry of type `kind`.
    pub fn find(&self, kind: u8) -> Result<MbrEntry, PartitionError> {
        let mut matches = self.entries().filter(|e| e.kind == kind);
        match (matches.next(), matches.next()) {
            (Some(entry), None) => Ok(*entry),
            (Some(_), Some(_)) => Err(PartitionError::Ambiguous { kind }),
            (None, _) => Err(PartitionError::NotFound { kind }),
        }
    }
}

/// A device seen through one partition: LBA 0 is the partition's first sector, and any access past its
/// end is [`BlockError::OutOfRange`] before the device is touched.
#[derive(Debug)]
pub struct Partition<D: BlockDevice> {
    device: D,
    first_lba: u64,
    sectors: u64,
}

impl<D: BlockDevice> Partition<D> {
    /// Confines `device` to `entry` (which must lie inside the device).
    pub fn new(device: D, entry: &MbrEntry) -> Result<Self, Refused<D, PartitionError>> {
        if entry.sectors == 0 {
            return Err(Refused {
                error: PartitionError::ZeroLength { index: entry.index },
                returned: device,
            });
        }
        if entry.end_lba() > device.sector_count() {
            return Err(Refused {
                error: PartitionError::BeyondDisk {
                    index: entry.index,
                    end: entry.end_lba(),
                    disk: device.sector_count(),
                },
                returned: device,
            });
        }
        Ok(Self {
            device,
            first_lba: u64::from(entry.first_lba),
            sectors: u64::from(entry.sectors),
        })
    }

    /// Reads the MBR of `device` and confines it to the single partition of type `kind`
    /// ([`CONFIG_PARTITION_TYPE`] for the config store).
    pub fn open(mut device: D, kind: u8) -> Result<Self, Refused<D, PartitionError>> {
        match PartitionTable::read(&mut device).and_then(|table| table.find(kind)) {
            Ok(entry) => Self::new(device, &entry),
            Err(error) => Err(Refused {
                error,
                returned: device,
            }),
        }
    }

    /// The partition's first sector on the underlying device.
    pub fn first_lba(&self) -> u64 {
        self.first_lba
    }

    pub fn device(&self) -> &D {
        &self.device
    }

    pub fn into_inner(self) -> D {
        self.device
    }
}

impl<D: BlockDevice> BlockDevice for Partition<D> {
    fn sector_count(&self) -> u64 {
        self.sectors
    }

    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        check_request(lba, buf.len(), self.sectors)?;
        self.device.read(self.first_lba + lba, buf)
    }

    fn write(&mut self, lba: u64, buf: &[u8]) -> Result<(), BlockError> {
        check_request(lba, buf.len(), self.sectors)?;
        self.device.write(self.first_lba + lba, buf)
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        self.device.flush()
    }
}
