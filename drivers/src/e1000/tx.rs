//! The transmit ring: descriptors the driver fills, each with its own 2 KiB buffer (§3.4).
//!
//! Frames are copied into the buffer of descriptor `tail` and queued; [`doorbell`](TxRing::doorbell)
//! returns the TDT value that hands everything queued so far to the device. Every descriptor asks for a
//! status report (RS), and [`reclaim`](TxRing::reclaim) frees descriptors in order, from `clean` up to the
//! last doorbell, while their DD bit is set. The driver never reads TDH, so a wild head value cannot
//! confuse it; a descriptor the device marks done early is just reclaimed early.

use core::sync::atomic::{Ordering, fence};

use super::buffers::{BUFFER_BYTES, PacketBuffers};
use super::descriptor::{
    self, DESCRIPTOR_BYTES, TXD_CMD_EOP, TXD_CMD_IFCS, TXD_CMD_RS, TXD_STAT_DD, TXD_STAT_EC,
    TXD_STAT_LC,
};
use crate::dma::{DmaAllocator, DmaRegion};
use crate::net::{NetCounters, TxError};

/// Largest frame accepted for transmission, without FCS: 1500 bytes of payload, Ethernet header and one
/// VLAN tag (the device appends the FCS, RCTL.LPE-style jumbo frames are not supported).
pub const MAX_TX_FRAME: usize = 1518;
const _: () = assert!(MAX_TX_FRAME <= BUFFER_BYTES);

pub struct TxRing<D> {
    descriptors: D,
    buffers: PacketBuffers<D>,
    /// Next descriptor to fill.
    tail: usize,
    /// TDT as last written: descriptors before it belong to the device until reclaimed.
    notified: usize,
    /// Oldest descriptor not yet reclaimed.
    clean: usize,
}

impl<D: DmaRegion> TxRing<D> {
    /// Allocates `size` descriptors (a multiple of 8) and their buffers.
    pub fn allocate(dma: &mut impl DmaAllocator<Region = D>, size: usize) -> Option<Self> {
        let descriptors = dma.allocate(size * DESCRIPTOR_BYTES)?;
        if descriptors.len() < size * DESCRIPTOR_BYTES {
            return None;
        }
        let buffers = PacketBuffers::allocate(dma, size)?;
        Some(Self {
            descriptors,
            buffers,
            tail: 0,
            notified: 0,
            clean: 0,
        })
    }

    pub fn size(&self) -> usize {
        self.buffers.count()
    }

    /// Physical address of the descriptor array (TDBAL/TDBAH).
    pub fn phys(&self) -> u64 {
        self.descriptors.phys()
    }

    /// Ring length in bytes (TDLEN).
    pub fn bytes(&self) -> u32 {
        (self.size() * DESCRIPTOR_BYTES) as u32
    }

    /// Descriptors filled and not yet reclaimed.
    pub fn in_use(&self) -> usize {
        (self.tail + self.size() - self.clean) % self.size()
    }

    /// One descriptor always stays empty: TDH == TDT means "nothing to send" to the device.
    fn is_full(&self) -> bool {
        self.in_use() == self.size() - 1
    }

    /// Copies `frame` into the next buffer and fills its descriptor. On error nothing was consumed.
    pub fn push(&mut self, frame: &[u8], counters: &mut NetCounters) -> Result<(), TxError> {
        if frame.is_empty() || frame.len() > MAX_TX_FRAME {
            return Err(TxError::BadLength);
        }
        if self.is_full() {
            self.reclaim(counters);
            if self.is_full() {
                counters.tx_ring_full += 1;
                return Err(TxError::RingFull);
            }
        }
        let index = self.tail;
        if self.buffers.write(index, frame) != frame.len() {
            return Err(TxError::Device);
        }
        let phys = self.buffers.phys(index);
        // `frame.len() <= MAX_TX_FRAME` fits in the 16-bit length field.
        let command = TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS;
        descriptor::tx_fill(
            &mut self.descriptors,
            index,
            phys,
            frame.len() as u16,
            command,
        );
        self.tail = (index + 1) % self.size();
        counters.tx_packets += 1;
        counters.tx_bytes += frame.len() as u64;
        Ok(())
    }

    /// Frames were queued since the last doorbell.
    pub fn needs_doorbell(&self) -> bool {
        self.tail != self.notified
    }

    /// Marks everything queued as handed over; returns the value for TDT.
    pub fn doorbell(&mut self) -> u32 {
        self.notified = self.tail;
        self.tail as u32
    }

    /// Frees, in order, descriptors the device has marked done; counts failed transmissions. Returns how
    /// many were freed (at most one ring's worth).
    pub fn reclaim(&mut self, counters: &mut NetCounters) -> usize {
        let mut freed = 0;
        while self.clean != self.notified {
            let status = descriptor::tx_status(&self.descriptors, self.clean);
            if status & TXD_STAT_DD == 0 {
                break;
            }
            fence(Ordering::SeqCst);
            if status & (TXD_STAT_EC | TXD_STAT_LC) != 0 {
                counters.tx_errors += 1;
            }
            descriptor::tx_clear(&mut self.descriptors, self.clean);
            self.clean = (self.clean + 1) % self.size();
            freed += 1;
        }
        freed
    }
}
