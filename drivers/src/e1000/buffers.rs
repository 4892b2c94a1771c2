//! Fixed-size packet buffers for one ring, carved out of page-sized DMA regions.
//!
//! Each descriptor owns buffer `i` for the driver's whole life (no buffer changes hands), so a buffer's
//! physical address is a pure function of its index. Page-sized regions keep the demand on the kernel's
//! frame allocator to single frames: a ring never needs more than 4 KiB of physically contiguous memory.

use alloc::vec::Vec;

use crate::dma::{DmaAllocator, DmaRegion};

/// Bytes per packet buffer: RCTL.BSIZE = 2048 on receive, and any Ethernet frame fits on transmit.
pub const BUFFER_BYTES: usize = 2048;
/// Bytes per DMA region requested from the allocator (one page).
const REGION_BYTES: usize = 4096;
const BUFFERS_PER_REGION: usize = REGION_BYTES / BUFFER_BYTES;

/// `count` buffers of [`BUFFER_BYTES`] each.
pub struct PacketBuffers<D> {
    regions: Vec<D>,
    count: usize,
}

impl<D: DmaRegion> PacketBuffers<D> {
    /// Allocates `count` buffers, or `None` if the allocator runs out (what was allocated is dropped).
    pub fn allocate(dma: &mut impl DmaAllocator<Region = D>, count: usize) -> Option<Self> {
        let region_count = count.div_ceil(BUFFERS_PER_REGION);
        let mut regions = Vec::with_capacity(region_count);
        for _ in 0..region_count {
            let region = dma.allocate(REGION_BYTES)?;
            if region.len() < REGION_BYTES {
                return None;
            }
            regions.push(region);
        }
        Some(Self { regions, count })
    }

    pub fn count(&self) -> usize {
        self.count
    }

    fn locate(&self, index: usize) -> Option<(&D, usize)> {
        if index >= self.count {
            return None;
        }
        let region = self.regions.get(index / BUFFERS_PER_REGION)?;
        Some((region, (index % BUFFERS_PER_REGION) * BUFFER_BYTES))
    }

    /// Physical address of buffer `index` (0 for an index out of range, a driver bug).
    pub fn phys(&self, index: usize) -> u64 {
        self.locate(index)
            .map_or(0, |(region, offset)| region.phys() + offset as u64)
    }

    /// Lends the first `len` bytes of buffer `index` (at most [`BUFFER_BYTES`]) to `f`.
    pub fn with_bytes(&self, index: usize, len: usize, f: &mut dyn FnMut(&[u8])) {
        if let Some((region, offset)) = self.locate(index) {
            region.with_bytes(offset, len.min(BUFFER_BYTES), f);
        }
    }

    /// Copies `data` (truncated to [`BUFFER_BYTES`]) into buffer `index`; returns the bytes written.
    pub fn write(&mut self, index: usize, data: &[u8]) -> usize {
        if index >= self.count {
            return 0;
        }
        let offset = (index % BUFFERS_PER_REGION) * BUFFER_BYTES;
        let data = &data[..data.len().min(BUFFER_BYTES)];
        self.regions
            .get_mut(index / BUFFERS_PER_REGION)
            .map_or(0, |region| region.write_bytes(offset, data))
    }
}
