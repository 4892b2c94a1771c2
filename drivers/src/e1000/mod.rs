//! Intel 82540EM gigabit Ethernet (PCI 8086:100E, QEMU `-device e1000`), legacy descriptors, one queue.
//!
//! The kernel maps BAR0 (memory, [`BAR0_BYTES`]), enables memory decoding and bus mastering in the PCI
//! command register, implements [`Registers`] over that window and calls [`E1000::new`] with its DMA
//! allocator. Everything else — reset, MAC address, rings, the [`NetDevice`](crate::net::NetDevice)
//! datapath — is here and runs unchanged against the `fake::FakeE1000` model in host tests.
//!
//! Guarantees: every wait on the device is bounded ([`RESET_POLLS`], [`mac::EEPROM_POLLS`]) and fails with
//! an error; the driver never reads the head registers and bounds-checks every length the device writes
//! back, so no register or descriptor value can make it panic, loop or touch memory outside its buffers.
//! Costs per batch: one RDT write per `receive` call that consumed descriptors, one TDT write per `flush`
//! with queued frames, no register access per frame.
//!
//! Link changes raise LSC (§13.4.17), which `ack_interrupt` reports so that the datapath reads STATUS.LU
//! at once. QEMU's model holds received frames back for one second after every RCTL write (its
//! `flush_queue_timer`, to let a guest finish setting up); frames are delayed, not lost, but a host that
//! talks to the appliance in its first second after bring-up sees its first ARP answered late.
//!
//! Section numbers cite the "PCI/PCI-X Family of Gigabit Ethernet Controllers Software Developer's
//! Manual" (8254x SDM). Files: `registers` (offsets, bits, access trait), `descriptor` (legacy layouts),
//! `buffers` (packet buffers), `rx` / `tx` (rings), `mac` (station address), `device` (bring-up and
//! datapath), `fake` + `tests` (host model of the device).

#![forbid(unsafe_code)]

mod buffers;
mod descriptor;
mod device;
pub mod mac;
mod registers;
mod rx;
mod tx;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;

pub use buffers::BUFFER_BYTES;
pub use device::{E1000, E1000Error, INTERRUPTS, RESET_POLLS, RX_RING_SIZE, TX_RING_SIZE};
pub use registers::{BAR0_BYTES, Registers};
pub use tx::MAX_TX_FRAME;

/// Register offsets and bit names (8254x SDM chapter 13), for the kernel's boot log and diagnostics.
pub mod regs {
    pub use super::registers::*;
}

/// PCI identity of the 82540EM as QEMU presents it.
pub const VENDOR_ID: u16 = 0x8086;
pub const DEVICE_ID: u16 = 0x100E;
