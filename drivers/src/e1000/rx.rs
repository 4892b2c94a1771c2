//! The receive ring: descriptors the device fills, each with its own 2 KiB buffer (§3.2.6).
//!
//! The device owns descriptors from RDH up to RDT - 1; software owns the rest. The driver never reads RDH:
//! it walks from `next` while descriptors carry DD, hands each good frame to the datapath, re-arms the
//! descriptor with the same buffer and, once per batch, moves RDT to the descriptor just before `next`
//! (keeping the one-descriptor gap that tells a full ring from an empty one). Whatever the device writes
//! into a descriptor only selects between "deliver these bytes of our own buffer" and "count an error".

use core::sync::atomic::{Ordering, fence};

use super::buffers::{BUFFER_BYTES, PacketBuffers};
use super::descriptor::{self, DESCRIPTOR_BYTES, RXD_ERR_FRAME, RXD_STAT_DD, RXD_STAT_EOP};
use crate::dma::{DmaAllocator, DmaRegion};
use crate::net::NetCounters;

/// Shortest frame worth delivering: an Ethernet header (the device pads runts to 60 bytes anyway).
pub const MIN_FRAME: usize = 14;

/// What one [`RxRing::receive`] call did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RxBatch {
    /// Frames handed to the datapath.
    pub delivered: usize,
    /// Descriptors given back to the device (delivered, erroneous and dropped fragments).
    pub recycled: usize,
}

pub struct RxRing<D> {
    descriptors: D,
    buffers: PacketBuffers<D>,
    /// Next descriptor to look at (the oldest one the device may have written back).
    next: usize,
    /// Inside a frame that spans descriptors (no EOP yet): drop descriptors until the one with EOP.
    discarding: bool,
}

impl<D: DmaRegion> RxRing<D> {
    /// Allocates `size` descriptors (a multiple of 8, so RDLEN is a multiple of 128 bytes) and their
    /// buffers, all armed.
    pub fn allocate(dma: &mut impl DmaAllocator<Region = D>, size: usize) -> Option<Self> {
        let mut descriptors = dma.allocate(size * DESCRIPTOR_BYTES)?;
        if descriptors.len() < size * DESCRIPTOR_BYTES {
            return None;
        }
        let buffers = PacketBuffers::allocate(dma, size)?;
        for index in 0..size {
            descriptor::rx_arm(&mut descriptors, index, buffers.phys(index));
        }
        Some(Self {
            descriptors,
            buffers,
            next: 0,
            discarding: false,
        })
    }

    pub fn size(&self) -> usize {
        self.buffers.count()
    }

    /// Physical address of the descriptor array (RDBAL/RDBAH).
    pub fn phys(&self) -> u64 {
        self.descriptors.phys()
    }

    /// Ring length in bytes (RDLEN).
    pub fn bytes(&self) -> u32 {
        (self.size() * DESCRIPTOR_BYTES) as u32
    }

    /// The RDT value that gives the device every descriptor software is not holding.
    pub fn tail(&self) -> u32 {
        ((self.next + self.size() - 1) % self.size()) as u32
    }

    /// Whether the next descriptor has been written back.
    pub fn pending(&self) -> bool {
        descriptor::rx_status(&self.descriptors, self.next) & RXD_STAT_DD != 0
    }

    /// Delivers up to `budget` frames and recycles their descriptors, looking at no more than one ring's
    /// worth of descriptors per call. The caller moves RDT to [`tail`](Self::tail) if anything was recycled.
    pub fn receive(
        &mut self,
        budget: usize,
        deliver: &mut dyn FnMut(&[u8]),
        counters: &mut NetCounters,
    ) -> RxBatch {
        let mut batch = RxBatch::default();
        while batch.delivered < budget && batch.recycled < self.size() {
            let index = self.next;
            let status = descriptor::rx_status(&self.descriptors, index);
            if status & RXD_STAT_DD == 0 {
                break;
            }
            // The device wrote status last; what it wrote before must not be read ahead of it.
            fence(Ordering::SeqCst);
            let length = usize::from(descriptor::rx_length(&self.descriptors, index));
            let errors = descriptor::rx_errors(&self.descriptors, index);
            let end_of_packet = status & RXD_STAT_EOP != 0;
            if self.discarding {
                // The rest of a frame already counted as an error.
                self.discarding = !end_of_packet;
            } else if !end_of_packet {
                // A frame larger than one buffer (we never enable long packets): drop all its pieces.
                self.discarding = true;
                counters.rx_errors += 1;
            } else if errors & RXD_ERR_FRAME != 0 || !(MIN_FRAME..=BUFFER_BYTES).contains(&length) {
                counters.rx_errors += 1;
            } else {
                self.buffers.with_bytes(index, length, deliver);
                counters.rx_packets += 1;
                counters.rx_bytes += length as u64;
                batch.delivered += 1;
            }
            descriptor::rx_arm(&mut self.descriptors, index, self.buffers.phys(index));
            self.next = (index + 1) % self.size();
            batch.recycled += 1;
        }
        batch
    }
}
