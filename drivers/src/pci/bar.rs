//! Base Address Register decoding and sizing (PCI Local Bus Spec 3.0 §6.2.5.1).
//!
//! Sizing works by writing all-ones to a BAR and reading back which address bits stuck: the device hard-wires
//! the bits below its size to zero, so the lowest writable bit is the size. While a BAR holds all-ones it would
//! decode a bogus range, so memory and I/O decoding are switched off in the Command register for the duration
//! (§6.2.5.1, "Implementation note") and the original BAR and Command values are written back afterwards.
//!
//! Guarantees: at most `count` (≤ 6) BAR registers are touched; every BAR that is written is restored; garbage
//! read-backs never panic — they decode to *some* [`Bar`] or to `None` (size 0 = unimplemented, reserved memory
//! type, a 64-bit BAR without room for its upper half, or a low dword reading all-ones, which no real BAR can
//! hold because bit 1 of an I/O BAR and bit 0 of a memory BAR are hard-wired to zero).

use super::PciAddress;
use super::command::{COMMAND_IO_SPACE, COMMAND_MEMORY_SPACE};
use super::config::{
    BAR0, COMMAND, ConfigSpace, HEADER_LAYOUT_BRIDGE, HEADER_LAYOUT_DEVICE, write_command,
};

/// Most BARs any header has (type 0 header, §6.2.5.1).
pub const MAX_BARS: usize = 6;

/// One decoded Base Address Register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bar {
    /// I/O-space BAR (bit 0 = 1): ports `port .. port + size`.
    Io { port: u32, size: u32 },
    /// 32-bit memory BAR (type 00b, or the legacy "below 1 MiB" type 01b).
    Memory32 {
        address: u32,
        size: u32,
        prefetchable: bool,
    },
    /// 64-bit memory BAR (type 10b); it occupies this BAR slot and the next one.
    Memory64 {
        address: u64,
        size: u64,
        prefetchable: bool,
    },
}

impl Bar {
    /// Base address (I/O port or physical memory address).
    pub fn address(&self) -> u64 {
        match *self {
            Bar::Io { port, .. } => u64::from(port),
            Bar::Memory32 { address, .. } => u64::from(address),
            Bar::Memory64 { address, .. } => address,
        }
    }

    /// Size of the decoded range in bytes (always a power of two).
    pub fn size(&self) -> u64 {
        match *self {
            Bar::Io { size, .. } => u64::from(size),
            Bar::Memory32 { size, .. } => u64::from(size),
            Bar::Memory64 { size, .. } => size,
        }
    }

    /// Whether this is an I/O-space BAR.
    pub fn is_io(&self) -> bool {
        matches!(self, Bar::Io { .. })
    }

    /// Whether the memory range is prefetchable (always false for I/O).
    pub fn is_prefetchable(&self) -> bool {
        match *self {
            Bar::Io { .. } => false,
            Bar::Memory32 { prefetchable, .. } | Bar::Memory64 { prefetchable, .. } => prefetchable,
        }
    }
}

/// Number of BARs for a header layout (header type bits 6:0): 6 for type 0, 2 for a type 1 PCI-to-PCI bridge
/// (PCI-to-PCI Bridge spec §3.2.5.1), none for CardBus or unknown layouts.
pub fn bar_count(header_layout: u8) -> usize {
    match header_layout {
        HEADER_LAYOUT_DEVICE => 6,
        HEADER_LAYOUT_BRIDGE => 2,
        _ => 0,
    }
}

// Low-bit encodings of a BAR (§6.2.5.1, figures 6-5 and 6-6).
const BAR_IO: u32 = 0x1;
const IO_ADDRESS_MASK: u32 = !0x3;
const MEM_ADDRESS_MASK: u32 = !0xf;
const MEM_PREFETCHABLE: u32 = 0x8;
const MEM_TYPE_SHIFT: u32 = 1;
const MEM_TYPE_32: u32 = 0b00;
const MEM_TYPE_BELOW_1M: u32 = 0b01;
const MEM_TYPE_64: u32 = 0b10;

/// Reads and sizes the first `count` (clamped to 6) BARs of `addr`.
///
/// If `disable_decode` is true, I/O and memory decoding are switched off in the Command register while BARs hold
/// the all-ones probe pattern and the original Command value is restored at the end. Pass false only for host
/// bridges: some stop forwarding CPU accesses to RAM when memory decoding is turned off (Linux keeps their
/// decoding on for the same reason).
pub fn probe_bars(
    cs: &mut impl ConfigSpace,
    addr: PciAddress,
    count: usize,
    disable_decode: bool,
) -> [Option<Bar>; MAX_BARS] {
    let count = count.min(MAX_BARS);
    let mut bars = [None; MAX_BARS];
    if count == 0 {
        return bars;
    }

    let command = cs.read16(addr, COMMAND);
    let decode = command & (COMMAND_IO_SPACE | COMMAND_MEMORY_SPACE);
    let toggled = disable_decode && decode != 0;
    if toggled {
        write_command(cs, addr, command & !decode);
    }

    let mut index = 0;
    while index < count {
        let (bar, used) = probe_one(cs, addr, index, count);
        if let Some(slot) = bars.get_mut(index) {
            *slot = bar;
        }
        index += used;
    }

    if toggled {
        write_command(cs, addr, command);
    }
    bars
}

/// Decodes BAR `index` (< `count` ≤ 6); returns the BAR and how many slots it used (1, or 2 for 64-bit).
fn probe_one(
    cs: &mut impl ConfigSpace,
    addr: PciAddress,
    index: usize,
    count: usize,
) -> (Option<Bar>, usize) {
    let offset = bar_offset(index);
    let original = cs.read32(addr, offset);
    if original == u32::MAX {
        return (None, 1);
    }

    if original & BAR_IO != 0 {
        // I/O BAR: bits 31:2 are the address; bit 1 is reserved. Devices decoding only 16 address bits read
        // back zeros in 31:16, which the lowest-set-bit rule handles.
        let mask = size_probe(cs, addr, offset, original) & IO_ADDRESS_MASK;
        let bar = lowest_set_bit(u64::from(mask)).map(|size| Bar::Io {
            port: original & IO_ADDRESS_MASK,
            size: size as u32,
        });
        return (bar, 1);
    }

    let prefetchable = original & MEM_PREFETCHABLE != 0;
    match (original >> MEM_TYPE_SHIFT) & 0x3 {
        MEM_TYPE_32 | MEM_TYPE_BELOW_1M => {
            let mask = size_probe(cs, addr, offset, original) & MEM_ADDRESS_MASK;
            let bar = lowest_set_bit(u64::from(mask)).map(|size| Bar::Memory32 {
                address: original & MEM_ADDRESS_MASK,
                size: size as u32,
                prefetchable,
            });
            (bar, 1)
        }
        MEM_TYPE_64 if index + 1 < count => {
            // The next BAR holds address bits 63:32 (§6.2.5.1); size both halves together.
            let high_offset = bar_offset(index + 1);
            let original_high = cs.read32(addr, high_offset);
            cs.write32(addr, offset, u32::MAX);
            cs.write32(addr, high_offset, u32::MAX);
            let low = cs.read32(addr, offset);
            let high = cs.read32(addr, high_offset);
            cs.write32(addr, offset, original);
            cs.write32(addr, high_offset, original_high);

            let mask = (u64::from(high) << 32) | u64::from(low & MEM_ADDRESS_MASK);
            let bar = lowest_set_bit(mask).map(|size| Bar::Memory64 {
                address: (u64::from(original_high) << 32) | u64::from(original & MEM_ADDRESS_MASK),
                size,
                prefetchable,
            });
            (bar, 2)
        }
        // A 64-bit BAR in the last slot has no upper half; type 11b is reserved. Neither is decodable.
        _ => (None, 1),
    }
}

/// Config-space offset of BAR `index` (< 6, so the result is at most 0x24).
fn bar_offset(index: usize) -> u8 {
    BAR0 + 4 * (index.min(MAX_BARS - 1) as u8)
}

/// Writes all-ones, reads back, restores `original`; returns the read-back value.
fn size_probe(cs: &mut impl ConfigSpace, addr: PciAddress, offset: u8, original: u32) -> u32 {
    cs.write32(addr, offset, u32::MAX);
    let readback = cs.read32(addr, offset);
    cs.write32(addr, offset, original);
    readback
}

/// The lowest set bit of `mask` (= the BAR size), or `None` for 0 (= BAR not implemented).
fn lowest_set_bit(mask: u64) -> Option<u64> {
    if mask == 0 {
        None
    } else {
        Some(mask.isolate_lowest_one())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_set_bit_is_size() {
        assert_eq!(lowest_set_bit(0), None);
        assert_eq!(lowest_set_bit(0xffff_ffe0), Some(32));
        assert_eq!(lowest_set_bit(0x0000_ffe0), Some(32));
        assert_eq!(lowest_set_bit(0xffff_ffff_ffff_c000), Some(0x4000));
        assert_eq!(lowest_set_bit(1 << 63), Some(1 << 63));
    }

    #[test]
    fn bar_counts() {
        assert_eq!(bar_count(0), 6);
        assert_eq!(bar_count(1), 2);
        assert_eq!(bar_count(2), 0);
        assert_eq!(bar_count(0x7f), 0);
    }

    #[test]
    fn accessors() {
        let b = Bar::Memory64 {
            address: 0xfe00_0000,
            size: 0x4000,
            prefetchable: true,
        };
        assert_eq!(
            (b.address(), b.size(), b.is_io(), b.is_prefetchable()),
            (0xfe00_0000, 0x4000, false, true)
        );
        let b = Bar::Io {
            port: 0xc040,
            size: 32,
        };
        assert_eq!(
            (b.address(), b.size(), b.is_io(), b.is_prefetchable()),
            (0xc040, 32, true, false)
        );
    }
}
