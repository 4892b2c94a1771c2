//! Device logic for the appliance kernel, kept generic over small hardware-access traits.
//!
//! Everything in this crate is plain, host-testable code: it never touches ports or physical memory itself.
//! The kernel implements the access traits ([`pci::ConfigSpace`] for PCI configuration mechanism #1,
//! [`acpi::PhysicalMemory`] for reading firmware tables) and hands them in; the unit tests hand in fakes.
//!
//! * [`pci`] — bus enumeration, BAR decoding/sizing, command-register helpers and boot-log formatting.
//! * [`acpi`] — the ACPI facts needed to power the machine off (S5) and reset it.
//!
//! * [`net`] — the `NetDevice` trait every NIC driver implements for the datapath.
//! * [`virtio_net`] — virtio-net over `virtio-drivers`' split virtqueues, with checksum and TCP
//!   segmentation offload; the one module allowed `unsafe` (the crate's buffer-lending contract).
//! * [`dma`] — memory shared with devices, behind a trait (the kernel's frames; a heap fake in tests).
//! * [`block`] — disks for the config partition: `BlockDevice`, ATA PIO and virtio-blk drivers, MBR partitions.
//! * [`e1000`] — Intel 82540EM (QEMU `-device e1000`) NIC driver over a register trait, with a fake device.
//! * [`rtc`] — the MC146818 real-time clock's date and time over a CMOS register trait.
//!
//! Guarantee shared by all modules: nothing read from hardware or firmware tables can make this code panic or
//! loop forever; malformed input yields an error (or is skipped), never undefined behaviour — the crate denies
//! `unsafe` everywhere but `virtio_net`.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod acpi;
pub mod block;
pub mod dma;
pub mod e1000;
pub mod net;
pub mod pci;
pub mod rtc;
pub mod virtio_net;
