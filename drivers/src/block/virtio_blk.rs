//! virtio-blk as a [`BlockDevice`]: a thin layer over `virtio_drivers::device::blk::VirtIOBlk`, which
//! does feature negotiation, the request queue and polling (virtio 1.2 §5.2). This layer adds what the
//! trait promises and the crate does not: requests are checked first (the crate panics on a buffer that is
//! empty or not a multiple of 512 bytes, and leaves range checks to the device), writes to a read-only
//! device (`VIRTIO_BLK_F_RO`) are refused, and errors become [`BlockError`]s.
//!
//! The kernel supplies the `Hal` (DMA memory, address translation; `share` must hand the device
//! physically contiguous memory for each buffer, bouncing if needed) and the transport (PCI).
//!
//! Not host-tested beyond [`map_error`]: virtio-drivers 0.13 keeps its fake transport behind
//! `#[cfg(test)]` inside the crate, and `Hal` is an `unsafe trait`, which this crate cannot implement
//! (`forbid(unsafe_code)`). The kernel's QEMU tests exercise it.

use virtio_drivers::Hal;
use virtio_drivers::device::blk::VirtIOBlk;
use virtio_drivers::transport::Transport;

use super::{BlockDevice, BlockError, check_request};

pub struct VirtioBlock<H: Hal, T: Transport> {
    inner: VirtIOBlk<H, T>,
}

impl<H: Hal, T: Transport> VirtioBlock<H, T> {
    /// Initialises the device behind `transport` (reset, feature negotiation, queue 0).
    pub fn new(transport: T) -> Result<Self, BlockError> {
        VirtIOBlk::new(transport)
            .map(Self::from_driver)
            .map_err(map_error)
    }

    /// Wraps an already initialised driver.
    pub fn from_driver(inner: VirtIOBlk<H, T>) -> Self {
        Self { inner }
    }

    /// The underlying driver (interrupt control, device id).
    pub fn driver(&mut self) -> &mut VirtIOBlk<H, T> {
        &mut self.inner
    }

    pub fn read_only(&self) -> bool {
        self.inner.readonly()
    }

    fn block_id(lba: u64, sectors: u64, capacity: u64) -> Result<usize, BlockError> {
        usize::try_from(lba).map_err(|_| BlockError::OutOfRange {
            lba,
            sectors,
            capacity,
        })
    }
}

impl<H: Hal, T: Transport> BlockDevice for VirtioBlock<H, T> {
    fn sector_count(&self) -> u64 {
        self.inner.capacity()
    }

    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        let capacity = self.inner.capacity();
        let sectors = check_request(lba, buf.len(), capacity)?;
        let block = Self::block_id(lba, sectors, capacity)?;
        self.inner.read_blocks(block, buf).map_err(map_error)
    }

    fn write(&mut self, lba: u64, buf: &[u8]) -> Result<(), BlockError> {
        let capacity = self.inner.capacity();
        let sectors = check_request(lba, buf.len(), capacity)?;
        if self.inner.readonly() {
            return Err(BlockError::ReadOnly);
        }
        let block = Self::block_id(lba, sectors, capacity)?;
        self.inner.write_blocks(block, buf).map_err(map_error)
    }

    /// `VIRTIO_BLK_T_FLUSH` when the device offers `VIRTIO_BLK_F_FLUSH`; without it the device has no
    /// volatile cache (writes are durable on completion, virtio 1.2 §5.2) and this is a no-op.
    fn flush(&mut self) -> Result<(), BlockError> {
        self.inner.flush().map_err(map_error)
    }
}

/// How virtio-drivers' errors map onto the trait's.
pub(super) fn map_error(error: virtio_drivers::Error) -> BlockError {
    use virtio_drivers::Error;
    match error {
        Error::IoError => BlockError::Io,
        Error::Unsupported => BlockError::Unsupported,
        // NotReady: the device completed a request without writing its status byte.
        Error::NotReady
        | Error::InvalidParam
        | Error::QueueFull
        | Error::WrongToken
        | Error::AlreadyUsed
        | Error::DmaError
        | Error::ConfigSpaceTooSmall
        | Error::ConfigSpaceMissing
        | Error::SocketDeviceError(_) => BlockError::Protocol,
    }
}
