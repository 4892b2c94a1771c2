//! A memory-backed [`BlockDevice`], for host tests of whatever is layered on a disk (the config store).
//! It applies the same request checks as the real drivers and counts flushes.

use alloc::vec;
use alloc::vec::Vec;

use super::{BlockDevice, BlockError, SECTOR_SIZE, check_request};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RamDisk {
    bytes: Vec<u8>,
    flushes: u64,
}

impl RamDisk {
    /// A zeroed disk of `sectors` sectors.
    pub fn new(sectors: usize) -> Self {
        Self {
            bytes: vec![0; sectors * SECTOR_SIZE],
            flushes: 0,
        }
    }

    /// A disk holding `image`, zero-padded to whole sectors.
    pub fn from_image(mut image: Vec<u8>) -> Self {
        image.resize(image.len().div_ceil(SECTOR_SIZE) * SECTOR_SIZE, 0);
        Self {
            bytes: image,
            flushes: 0,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn flushes(&self) -> u64 {
        self.flushes
    }

    fn range(&self, lba: u64, len: usize) -> Result<core::ops::Range<usize>, BlockError> {
        check_request(lba, len, self.sector_count())?;
        let start = lba as usize * SECTOR_SIZE;
        Ok(start..start + len)
    }
}

impl BlockDevice for RamDisk {
    fn sector_count(&self) -> u64 {
        (self.bytes.len() / SECTOR_SIZE) as u64
    }

    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        let range = self.range(lba, buf.len())?;
        buf.copy_from_slice(&self.bytes[range]);
        Ok(())
    }

    fn write(&mut self, lba: u64, buf: &[u8]) -> Result<(), BlockError> {
        let range = self.range(lba, buf.len())?;
        self.bytes[range].copy_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        self.flushes += 1;
        Ok(())
    }
}
