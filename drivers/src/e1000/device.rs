//! The driver: bring-up following the manual's initialization order (§14.3 general configuration, §14.4
//! receive, §14.5 transmit) and the [`NetDevice`] datapath over one receive and one transmit ring.

use core::sync::atomic::{Ordering, fence};

use super::mac;
use super::registers::*;
use super::rx::RxRing;
use super::tx::TxRing;
use crate::dma::{DmaAllocator, DmaRegion};
use crate::net::{FrameOffload, Interrupt, NetCounters, NetDevice, TxError};

/// Receive descriptors (and 2 KiB buffers); RDLEN must be a multiple of 128 bytes (8 descriptors).
pub const RX_RING_SIZE: usize = 256;
/// Transmit descriptors (and 2 KiB buffers); 255 frames can be in flight.
pub const TX_RING_SIZE: usize = 256;
const _: () = assert!(RX_RING_SIZE >= 8 && RX_RING_SIZE.is_multiple_of(8) && RX_RING_SIZE <= 65536);
const _: () = assert!(TX_RING_SIZE >= 8 && TX_RING_SIZE.is_multiple_of(8) && TX_RING_SIZE <= 65536);

/// CTRL reads waiting for CTRL.RST to clear after a global reset.
pub const RESET_POLLS: u32 = 100_000;

/// Interrupt causes the driver enables: a frame arrived, frames were lost, buffers are running low, the
/// link changed. Transmit completions are reclaimed from `flush`, never by interrupt.
pub const INTERRUPTS: u32 = INT_RXT0 | INT_RXO | INT_RXDMT0 | INT_LSC;

/// Why [`E1000::new`] failed. The device is left reset, with interrupts masked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum E1000Error {
    /// CTRL.RST did not clear within [`RESET_POLLS`] reads (device absent or BAR0 not mapped).
    ResetTimeout,
    /// Neither the EEPROM nor RAL0/RAH0 hold a usable station address.
    NoMacAddress,
    /// The DMA allocator could not supply the rings or buffers.
    OutOfDmaMemory,
}

impl core::fmt::Display for E1000Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::ResetTimeout => "e1000: device reset did not complete",
            Self::NoMacAddress => "e1000: no valid MAC address in EEPROM or RAL0/RAH0",
            Self::OutOfDmaMemory => "e1000: out of DMA memory for rings and buffers",
        })
    }
}

/// An Intel 82540EM (QEMU `-device e1000`) behind register access `R`, with rings in DMA regions `D`.
pub struct E1000<R, D> {
    regs: R,
    mac: [u8; 6],
    rx: RxRing<D>,
    tx: TxRing<D>,
    counters: NetCounters,
}

impl<R: Registers, D: DmaRegion> E1000<R, D> {
    /// Resets the device, reads its MAC address, sets up both rings and enables receive and transmit
    /// with interrupts masked (see [`NetDevice::set_interrupts`]). The kernel must have enabled memory
    /// decoding and bus mastering in the PCI command register first.
    pub fn new(mut regs: R, dma: &mut impl DmaAllocator<Region = D>) -> Result<Self, E1000Error> {
        // §14.3 / §13.4.1: mask interrupts, global reset, mask again (reset re-enables nothing, but a
        // pending cause from before must not fire once the kernel unmasks the line).
        regs.write(IMC, u32::MAX);
        let ctrl = regs.read(CTRL);
        regs.write(CTRL, ctrl | CTRL_RST);
        if !(0..RESET_POLLS).any(|_| regs.read(CTRL) & CTRL_RST == 0) {
            return Err(E1000Error::ResetTimeout);
        }
        regs.write(IMC, u32::MAX);
        regs.read(ICR);

        let mac = mac::read_mac(&mut regs).ok_or(E1000Error::NoMacAddress)?;
        let rx = RxRing::allocate(dma, RX_RING_SIZE).ok_or(E1000Error::OutOfDmaMemory)?;
        let tx = TxRing::allocate(dma, TX_RING_SIZE).ok_or(E1000Error::OutOfDmaMemory)?;

        // §14.3: link set-up for the internal copper PHY: auto-negotiated speed and duplex.
        let ctrl = regs.read(CTRL)
            & !(CTRL_ILOS | CTRL_FRCSPD | CTRL_FRCDPLX | CTRL_VME | CTRL_PHY_RST | CTRL_RST);
        regs.write(CTRL, ctrl | CTRL_SLU | CTRL_ASDE);

        // §14.4: station address, empty multicast table, ring, then the receiver.
        mac::program_receive_address(&mut regs, mac);
        for entry in 0..MTA_ENTRIES {
            regs.write(MTA + entry * 4, 0);
        }
        regs.write(RDBAL, rx.phys() as u32);
        regs.write(RDBAH, (rx.phys() >> 32) as u32);
        regs.write(RDLEN, rx.bytes());
        regs.write(RDH, 0);
        regs.write(RDT, rx.tail());
        regs.write(RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC | RCTL_BSIZE_2048);

        // §14.5: ring, then the transmitter (full duplex collision distance) and the IEEE inter-packet gap.
        regs.write(TDBAL, tx.phys() as u32);
        regs.write(TDBAH, (tx.phys() >> 32) as u32);
        regs.write(TDLEN, tx.bytes());
        regs.write(TDH, 0);
        regs.write(TDT, 0);
        regs.write(
            TCTL,
            TCTL_EN
                | TCTL_PSP
                | (TCTL_CT_RECOMMENDED << TCTL_CT_SHIFT)
                | (TCTL_COLD_FULL_DUPLEX << TCTL_COLD_SHIFT),
        );
        regs.write(TIPG, TIPG_COPPER);

        Ok(Self {
            regs,
            mac,
            rx,
            tx,
            counters: NetCounters::default(),
        })
    }

    /// Accepts every unicast (bridging, packet capture) and/or every multicast frame (IPv6 neighbour
    /// discovery, routing protocols) besides the station address and broadcast.
    pub fn set_promiscuous(&mut self, unicast: bool, multicast: bool) {
        let mut rctl = self.regs.read(RCTL) & !(RCTL_UPE | RCTL_MPE);
        if unicast {
            rctl |= RCTL_UPE;
        }
        if multicast {
            rctl |= RCTL_MPE;
        }
        self.regs.write(RCTL, rctl);
    }

    /// Adds the device's Missed Packets Count (clear-on-read) to `rx_dropped`.
    fn collect_missed(&mut self) {
        self.counters.rx_dropped += u64::from(self.regs.read(MPC));
    }
}

impl<R: Registers, D: DmaRegion> NetDevice for E1000<R, D> {
    /// Unicast promiscuous (RCTL.UPE); multicast keeps its own setting.
    fn set_promiscuous(&mut self, enabled: bool) -> bool {
        let multicast = self.regs.read(RCTL) & RCTL_MPE != 0;
        E1000::set_promiscuous(self, enabled, multicast);
        true
    }

    fn mac(&self) -> [u8; 6] {
        self.mac
    }

    fn link_up(&mut self) -> bool {
        self.regs.read(STATUS) & STATUS_LU != 0
    }

    /// Reads the missed-packet counter when the batch used the whole budget (the load at which the
    /// device runs out of buffers) so that `rx_dropped` stays current while interrupts are off.
    fn receive(&mut self, budget: usize, deliver: &mut dyn FnMut(&[u8], &FrameOffload)) -> usize {
        let batch = self.rx.receive(
            budget,
            &mut |frame| deliver(frame, &FrameOffload::NONE),
            &mut self.counters,
        );
        if batch.recycled > 0 {
            // Re-armed descriptors must be in memory before the device may fetch them.
            fence(Ordering::SeqCst);
            self.regs.write(RDT, self.rx.tail());
        }
        if budget > 0 && batch.delivered == budget {
            self.collect_missed();
        }
        batch.delivered
    }

    fn transmit(&mut self, frame: &[u8]) -> Result<(), TxError> {
        self.tx.push(frame, &mut self.counters)
    }

    fn flush(&mut self) {
        if self.tx.needs_doorbell() {
            // Buffers and descriptors must be in memory before the device sees the new tail.
            fence(Ordering::SeqCst);
            let tail = self.tx.doorbell();
            self.regs.write(TDT, tail);
        }
        self.tx.reclaim(&mut self.counters);
    }

    fn set_interrupts(&mut self, enabled: bool) {
        if enabled {
            self.regs.write(IMS, INTERRUPTS);
        } else {
            self.regs.write(IMC, u32::MAX);
        }
    }

    /// Reading ICR acknowledges every pending cause (§13.4.17). The 82540EM has no "interrupt asserted"
    /// bit, so it was raised when one of the causes the driver enables was pending.
    fn ack_interrupt(&mut self) -> Interrupt {
        let causes = self.regs.read(ICR);
        if causes & INT_RXO != 0 {
            self.collect_missed();
        }
        Interrupt {
            raised: causes & INTERRUPTS != 0,
            link_changed: causes & INT_LSC != 0,
        }
    }

    fn rx_pending(&mut self) -> bool {
        self.rx.pending()
    }

    fn counters(&self) -> NetCounters {
        self.counters
    }
}
