//! One discovered PCI function: the identification fields of its configuration header plus its decoded BARs.
//!
//! Guarantees: [`read_function`] returns `None` for an absent function (vendor ID 0xFFFF — what a master abort
//! reads as, PCI 3.0 §6.2.1 — or the never-assigned 0x0000) and otherwise a fully populated [`PciDevice`], whatever
//! values the header holds.

use super::PciAddress;
use super::bar::{Bar, MAX_BARS, bar_count, probe_bars};
use super::config::{
    CLASS, ConfigSpace, HEADER_LAYOUT_BRIDGE, HEADER_MULTI_FUNCTION, HEADER_TYPE, INTERRUPT_LINE,
    INTERRUPT_PIN, PROG_IF, REVISION_ID, SECONDARY_BUS, SUBCLASS, VENDOR_ID,
};

/// Base class 0x06: bridge device.
pub const CLASS_BRIDGE: u8 = 0x06;
/// Bridge subclass 0x00: host bridge.
pub const SUBCLASS_HOST_BRIDGE: u8 = 0x00;
/// Bridge subclass 0x04: PCI-to-PCI bridge.
pub const SUBCLASS_PCI_BRIDGE: u8 = 0x04;
/// Bridge subclass 0x09: semi-transparent PCI-to-PCI bridge (same type 1 header).
pub const SUBCLASS_SEMI_TRANSPARENT_BRIDGE: u8 = 0x09;

/// A present PCI function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PciDevice {
    pub address: PciAddress,
    pub vendor_id: u16,
    pub device_id: u16,
    /// Base class code.
    pub class: u8,
    pub subclass: u8,
    pub prog_if: u8,
    pub revision: u8,
    /// Raw header type byte, including the multi-function bit 7.
    pub header_type: u8,
    /// IRQ line the firmware routed INTx# to (0xFF = unknown / not connected).
    pub interrupt_line: u8,
    /// 0 = no INTx# pin, 1..=4 = INTA#..INTD#.
    pub interrupt_pin: u8,
    /// BARs by slot; the slot after a [`Bar::Memory64`] is `None` because it holds the upper address half.
    pub bars: [Option<Bar>; MAX_BARS],
}

impl PciDevice {
    /// Header layout (header type bits 6:0).
    pub fn header_layout(&self) -> u8 {
        self.header_type & !HEADER_MULTI_FUNCTION
    }

    /// Whether the header-type multi-function bit is set (meaningful on function 0).
    pub fn is_multi_function(&self) -> bool {
        self.header_type & HEADER_MULTI_FUNCTION != 0
    }

    /// Whether this is a host bridge (class 06.00).
    pub fn is_host_bridge(&self) -> bool {
        self.class == CLASS_BRIDGE && self.subclass == SUBCLASS_HOST_BRIDGE
    }

    /// Whether this is a PCI-to-PCI bridge with a type 1 header, i.e. whether it has a secondary bus to scan
    /// (PCI-to-PCI Bridge Architecture Spec 1.2 §3.2).
    pub fn is_pci_bridge(&self) -> bool {
        self.class == CLASS_BRIDGE
            && matches!(
                self.subclass,
                SUBCLASS_PCI_BRIDGE | SUBCLASS_SEMI_TRANSPARENT_BRIDGE
            )
            && self.header_layout() == HEADER_LAYOUT_BRIDGE
    }

    /// Iterates over the implemented BARs as `(slot, bar)`.
    pub fn bars(&self) -> impl Iterator<Item = (usize, Bar)> + '_ {
        self.bars
            .iter()
            .enumerate()
            .filter_map(|(i, b)| b.map(|b| (i, b)))
    }
}

/// Whether a vendor ID read from config space means "no function here".
pub fn vendor_absent(vendor_id: u16) -> bool {
    vendor_id == 0xffff || vendor_id == 0x0000
}

/// Reads the header of `addr` and sizes its BARs; `None` if no function answers there.
pub fn read_function(cs: &mut impl ConfigSpace, addr: PciAddress) -> Option<PciDevice> {
    let id = cs.read32(addr, VENDOR_ID);
    let vendor_id = id as u16;
    if vendor_absent(vendor_id) {
        return None;
    }
    let header_type = cs.read8(addr, HEADER_TYPE);
    let mut device = PciDevice {
        address: addr,
        vendor_id,
        device_id: (id >> 16) as u16,
        class: cs.read8(addr, CLASS),
        subclass: cs.read8(addr, SUBCLASS),
        prog_if: cs.read8(addr, PROG_IF),
        revision: cs.read8(addr, REVISION_ID),
        header_type,
        interrupt_line: cs.read8(addr, INTERRUPT_LINE),
        interrupt_pin: cs.read8(addr, INTERRUPT_PIN),
        bars: [None; MAX_BARS],
    };
    let count = bar_count(device.header_layout());
    device.bars = probe_bars(cs, addr, count, !device.is_host_bridge());
    Some(device)
}

/// The secondary bus number of a PCI-to-PCI bridge (type 1 header offset 0x19), `None` for other functions.
pub fn secondary_bus(cs: &mut impl ConfigSpace, device: &PciDevice) -> Option<u8> {
    device
        .is_pci_bridge()
        .then(|| cs.read8(device.address, SECONDARY_BUS))
}
