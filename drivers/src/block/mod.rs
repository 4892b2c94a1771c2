//! Block devices: the disk that holds the config partition, whatever controller it sits behind.
//!
//! Everything above this module (the config store) sees one trait, [`BlockDevice`]: a run of 512-byte
//! sectors addressed by LBA, read and written in whole sectors, with an explicit [`BlockDevice::flush`]
//! that returns only once earlier writes are on stable storage. Two drivers implement it:
//!
//! * [`AtaDisk`] — legacy IDE/ATA in PIO mode, what plain `qemu -drive file=img,format=raw` attaches
//!   (primary channel, ports 0x1F0–0x1F7 and 0x3F6); the kernel supplies port I/O through [`AtaPorts`].
//! * [`VirtioBlock`] — virtio-blk through the `virtio-drivers` crate (`-drive if=virtio`).
//!
//! [`PartitionTable`] reads the MBR in sector 0 and [`Partition`] confines a device to one partition, so
//! the store can only ever touch the 0xDA config partition the image builder created.
//! [`RamDisk`] is a memory-backed device for host tests of code layered on top.
//!
//! Guarantees: a request is checked before any hardware is touched (buffer a non-zero multiple of
//! [`SECTOR_SIZE`], every sector inside the device); whatever a device answers, the drivers return a
//! [`BlockError`] instead of panicking, and every wait on hardware is a bounded loop.
//!
//! Files: `ata` (PIO driver and its port trait), `fake_ata` (protocol-checking fake disk, tests only),
//! `partition` (MBR parsing and the partition view), `virtio_blk`, `ram`, `tests`.

// No exception here to the crate's `deny(unsafe_code)`: nothing in block devices needs it.
#![forbid(unsafe_code)]

mod ata;
mod partition;
mod ram;
mod virtio_blk;

#[cfg(test)]
mod fake_ata;
#[cfg(test)]
mod tests;

use core::fmt;

pub use ata::{
    AtaDisk, AtaDrive, AtaIdentity, AtaPorts, AtaRegister, DEFAULT_POLL_LIMIT,
    PRIMARY_COMMAND_BASE, PRIMARY_CONTROL_BASE, SECONDARY_COMMAND_BASE, SECONDARY_CONTROL_BASE,
};
pub use partition::{CONFIG_PARTITION_TYPE, MbrEntry, Partition, PartitionError, PartitionTable};
pub use ram::RamDisk;
pub use virtio_blk::VirtioBlock;

/// Bytes per sector. Every device here uses 512-byte logical sectors (ATA, virtio-blk's `SECTOR_SIZE`).
pub const SECTOR_SIZE: usize = 512;

/// Why a block request failed. Nothing was transferred past the first failing sector; a failed write may
/// have changed any of its sectors (as with real disks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockError {
    /// The request covers sectors `lba..lba + sectors`, which is not inside `0..capacity`.
    OutOfRange {
        lba: u64,
        sectors: u64,
        capacity: u64,
    },
    /// The buffer is empty or not a multiple of [`SECTOR_SIZE`] bytes (its length is given).
    BadBufferLength(usize),
    /// The device reported an error: its Status and Error registers (ATA bit layout; see the `ata` module).
    DeviceError { status: u8, error: u8 },
    /// The device stayed busy (or never asked for data) for longer than the driver's poll bound.
    Timeout,
    /// No device answers at this address (floating bus, empty drive position).
    NotPresent,
    /// A device answers but cannot be driven here (ATAPI, no LBA addressing, request type it rejects).
    Unsupported,
    /// The device is write-protected.
    ReadOnly,
    /// The device reported an I/O error without further detail (virtio-blk `VIRTIO_BLK_S_IOERR`).
    Io,
    /// The device or its transport broke the protocol (no data request where one must come, malformed
    /// IDENTIFY data, a virtqueue answer for another request, no DMA memory).
    Protocol,
}

impl fmt::Display for BlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::OutOfRange {
                lba,
                sectors,
                capacity,
            } => write!(
                f,
                "sectors {lba}..{} out of range (device has {capacity})",
                lba.saturating_add(sectors)
            ),
            Self::BadBufferLength(len) => write!(
                f,
                "buffer of {len} bytes is not a non-zero multiple of {SECTOR_SIZE}"
            ),
            Self::DeviceError { status, error } => {
                write!(f, "device error (status {status:#04x}, error {error:#04x}")?;
                for (bit, name) in ATA_ERROR_BITS {
                    if error & bit != 0 {
                        write!(f, " {name}")?;
                    }
                }
                f.write_str(")")
            }
            Self::Timeout => f.write_str("device timed out"),
            Self::NotPresent => f.write_str("no device present"),
            Self::Unsupported => f.write_str("device or request not supported"),
            Self::ReadOnly => f.write_str("device is read-only"),
            Self::Io => f.write_str("I/O error"),
            Self::Protocol => f.write_str("device protocol violation"),
        }
    }
}

/// ATA Error register bits by name (ATA/ATAPI-6 §7, Error register), for `DeviceError`'s Display.
const ATA_ERROR_BITS: [(u8, &str); 7] = [
    (0x80, "ICRC"),
    (0x40, "UNC"),
    (0x20, "MC"),
    (0x10, "IDNF"),
    (0x08, "MCR"),
    (0x04, "ABRT"),
    (0x02, "NM"),
];

/// A disk of 512-byte sectors.
///
/// Buffers are any non-zero multiple of [`SECTOR_SIZE`]; `read`/`write` transfer `buf.len() / 512`
/// consecutive sectors starting at `lba`. A write may sit in a device cache until [`flush`] returns `Ok`.
///
/// [`flush`]: BlockDevice::flush
pub trait BlockDevice {
    /// Number of addressable sectors; valid LBAs are `0..sector_count()`.
    fn sector_count(&self) -> u64;

    /// Reads sectors `lba..lba + buf.len() / 512` into `buf`.
    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), BlockError>;

    /// Writes `buf` to sectors `lba..lba + buf.len() / 512`.
    fn write(&mut self, lba: u64, buf: &[u8]) -> Result<(), BlockError>;

    /// Returns once every completed write is on stable storage.
    fn flush(&mut self) -> Result<(), BlockError>;
}

/// A boxed device (the kernel keeps whichever disk it found as `Box<dyn BlockDevice>`).
impl<D: BlockDevice + ?Sized> BlockDevice for alloc::boxed::Box<D> {
    fn sector_count(&self) -> u64 {
        (**self).sector_count()
    }

    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        (**self).read(lba, buf)
    }

    fn write(&mut self, lba: u64, buf: &[u8]) -> Result<(), BlockError> {
        (**self).write(lba, buf)
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        (**self).flush()
    }
}

impl<D: BlockDevice + ?Sized> BlockDevice for &mut D {
    fn sector_count(&self) -> u64 {
        (**self).sector_count()
    }

    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        (**self).read(lba, buf)
    }

    fn write(&mut self, lba: u64, buf: &[u8]) -> Result<(), BlockError> {
        (**self).write(lba, buf)
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        (**self).flush()
    }
}

/// Checks a request of `len` bytes at `lba` against a device of `capacity` sectors; returns its sector count.
pub fn check_request(lba: u64, len: usize, capacity: u64) -> Result<u64, BlockError> {
    if len == 0 || !len.is_multiple_of(SECTOR_SIZE) {
        return Err(BlockError::BadBufferLength(len));
    }
    let sectors = (len / SECTOR_SIZE) as u64;
    match lba.checked_add(sectors) {
        Some(end) if end <= capacity => Ok(sectors),
        _ => Err(BlockError::OutOfRange {
            lba,
            sectors,
            capacity,
        }),
    }
}

/// A constructor's refusal that hands back what it was given (the ports, the device), so the caller can
/// try another drive position or give the device to something else.
pub struct Refused<T, E = BlockError> {
    pub error: E,
    pub returned: T,
}

impl<T, E: fmt::Debug> fmt::Debug for Refused<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refused")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<T, E: fmt::Display> fmt::Display for Refused<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}
