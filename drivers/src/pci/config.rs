//! Access to PCI configuration space: the [`ConfigSpace`] trait the kernel implements, the offsets of the
//! header registers this crate uses, and 8/16-bit field reads built on dword reads.
//!
//! Guarantees: every access this crate makes goes through [`ConfigSpace::read32`]/[`ConfigSpace::write32`] with a
//! dword-aligned offset; the narrow helpers only shift and truncate, so they cannot fail or panic whatever the
//! hardware returns.

use super::PciAddress;

/// Raw access to the 256-byte configuration space of every PCI function.
///
/// The kernel implements this with configuration mechanism #1 (PCI Local Bus Spec 3.0 §3.2.2.3.2): write
/// [`PciAddress::config_address`] to port 0xCF8, then read/write the dword at port 0xCFC. Tests implement it
/// with fakes.
///
/// Contract: `offset` is always a multiple of 4 when called from this crate. Reading an absent function must
/// return all-ones (that is what the host bridge does on a master abort, PCI 3.0 §6.1), writes to an absent
/// function must be ignored.
pub trait ConfigSpace {
    /// Reads the dword at `offset` (dword-aligned) of function `addr`.
    fn read32(&mut self, addr: PciAddress, offset: u8) -> u32;
    /// Writes the dword at `offset` (dword-aligned) of function `addr`.
    fn write32(&mut self, addr: PciAddress, offset: u8, value: u32);

    /// Reads the 16-bit field at `offset` (rounded down to a multiple of 2) out of its containing dword.
    fn read16(&mut self, addr: PciAddress, offset: u8) -> u16 {
        let shift = u32::from(offset & 0x2) * 8;
        (self.read32(addr, offset & 0xfc) >> shift) as u16
    }

    /// Reads the 8-bit field at `offset` out of its containing dword.
    fn read8(&mut self, addr: PciAddress, offset: u8) -> u8 {
        let shift = u32::from(offset & 0x3) * 8;
        (self.read32(addr, offset & 0xfc) >> shift) as u8
    }
}

// Offsets in the common part of the configuration header (PCI 3.0 §6.1, figure 6-1) and the type 1 header
// (PCI-to-PCI Bridge Architecture Spec 1.2 §3.2).
/// Vendor ID (16 bits).
pub const VENDOR_ID: u8 = 0x00;
/// Device ID (16 bits).
pub const DEVICE_ID: u8 = 0x02;
/// Command register (16 bits), §6.2.2.
pub const COMMAND: u8 = 0x04;
/// Status register (16 bits, mostly RW1C), §6.2.3.
pub const STATUS: u8 = 0x06;
/// Revision ID (8 bits).
pub const REVISION_ID: u8 = 0x08;
/// Programming interface (8 bits).
pub const PROG_IF: u8 = 0x09;
/// Sub-class code (8 bits).
pub const SUBCLASS: u8 = 0x0a;
/// Base class code (8 bits).
pub const CLASS: u8 = 0x0b;
/// Header type (8 bits); bit 7 = multi-function device, bits 6:0 = layout.
pub const HEADER_TYPE: u8 = 0x0e;
/// First Base Address Register; BAR n is at `BAR0 + 4 * n` (§6.2.5.1).
pub const BAR0: u8 = 0x10;
/// Type 1 header: secondary bus number (8 bits), PCI-to-PCI Bridge spec §3.2.5.4.
pub const SECONDARY_BUS: u8 = 0x19;
/// Interrupt line (8 bits), §6.2.4.
pub const INTERRUPT_LINE: u8 = 0x3c;
/// Interrupt pin (8 bits; 0 = none, 1..=4 = INTA#..INTD#), §6.2.4.
pub const INTERRUPT_PIN: u8 = 0x3d;

/// Header-type bit 7: the device implements more than one function (§6.2.1).
pub const HEADER_MULTI_FUNCTION: u8 = 0x80;
/// Header layout 0: ordinary device, 6 BARs.
pub const HEADER_LAYOUT_DEVICE: u8 = 0x00;
/// Header layout 1: PCI-to-PCI bridge, 2 BARs.
pub const HEADER_LAYOUT_BRIDGE: u8 = 0x01;
/// Header layout 2: CardBus bridge (no BARs decoded by this crate).
pub const HEADER_LAYOUT_CARDBUS: u8 = 0x02;

/// Writes the Command register without disturbing Status.
///
/// Command and Status share a dword. Status bits are either read-only or RW1C ("write 1 to clear",
/// PCI 3.0 §6.2.3), so writing zeros in the upper half leaves Status untouched — whereas a read-modify-write of
/// the whole dword would clear any pending error bits.
pub fn write_command(cs: &mut impl ConfigSpace, addr: PciAddress, command: u16) {
    cs.write32(addr, COMMAND, u32::from(command));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers every read with a fixed dword; records the last write.
    struct Fixed(u32, Option<(u8, u32)>);
    impl ConfigSpace for Fixed {
        fn read32(&mut self, _: PciAddress, offset: u8) -> u32 {
            assert_eq!(offset % 4, 0, "unaligned dword access");
            self.0
        }
        fn write32(&mut self, _: PciAddress, offset: u8, value: u32) {
            self.1 = Some((offset, value));
        }
    }

    #[test]
    fn narrow_reads_pick_the_right_lanes() {
        let a = PciAddress::new(0, 0, 0).unwrap();
        let mut cs = Fixed(0x1122_3344, None);
        assert_eq!(cs.read16(a, 0x00), 0x3344);
        assert_eq!(cs.read16(a, 0x02), 0x1122);
        assert_eq!(cs.read16(a, 0x03), 0x1122);
        assert_eq!(cs.read8(a, 0x3c), 0x44);
        assert_eq!(cs.read8(a, 0x3d), 0x33);
        assert_eq!(cs.read8(a, 0x0e), 0x22);
        assert_eq!(cs.read8(a, 0xff), 0x11);
    }

    #[test]
    fn command_write_leaves_status_alone() {
        let a = PciAddress::new(0, 0, 0).unwrap();
        let mut cs = Fixed(0xffff_ffff, None);
        write_command(&mut cs, a, 0x0007);
        assert_eq!(cs.1, Some((COMMAND, 0x0000_0007)));
    }
}
