//! Boot-log formatting of PCI functions and BARs, e.g.
//! `00:03.0 1af4:1000 class 02.00.00 Ethernet controller [virtio-net] irq 11 BAR0 io 0xc040/32 BAR4 mem64 0xfe000000/16K pref`.
//!
//! Guarantees: one line, no trailing newline; every value is printed (unknown names are just left out), so
//! garbage from hardware is visible rather than hidden.

use core::fmt;

use super::bar::Bar;
use super::device::PciDevice;
use super::names::{class_name, device_name};

/// Sizes in the largest binary unit that divides them exactly: `32`, `4K`, `16M`, `2G`.
struct Size(u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(u64, &str); 4] = [
            (1 << 40, "T"),
            (1 << 30, "G"),
            (1 << 20, "M"),
            (1 << 10, "K"),
        ];
        for (unit, suffix) in UNITS {
            if self.0 >= unit && self.0.is_multiple_of(unit) {
                return write!(f, "{}{}", self.0 / unit, suffix);
            }
        }
        write!(f, "{}", self.0)
    }
}

/// `io 0xc040/32`, `mem32 0xfebf1000/4K`, `mem64 0xfe000000/16K pref`.
impl fmt::Display for Bar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Bar::Io { .. } => "io",
            Bar::Memory32 { .. } => "mem32",
            Bar::Memory64 { .. } => "mem64",
        };
        write!(f, "{} {:#x}/{}", kind, self.address(), Size(self.size()))?;
        if self.is_prefetchable() {
            f.write_str(" pref")?;
        }
        Ok(())
    }
}

impl fmt::Display for PciDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:04x}:{:04x} class {:02x}.{:02x}.{:02x}",
            self.address, self.vendor_id, self.device_id, self.class, self.subclass, self.prog_if
        )?;
        if let Some(name) = class_name(self.class, self.subclass) {
            write!(f, " {name}")?;
        }
        if let Some(name) = device_name(self.vendor_id, self.device_id) {
            write!(f, " [{name}]")?;
        }
        // PCI 3.0 §6.2.4: pin 0 = no INTx#; line 0xFF = not connected / unknown on x86.
        if self.interrupt_pin != 0 && self.interrupt_line != 0xff {
            write!(f, " irq {}", self.interrupt_line)?;
        }
        for (slot, bar) in self.bars() {
            write!(f, " BAR{slot} {bar}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pci::PciAddress;
    use alloc::string::ToString;

    #[test]
    fn sizes() {
        assert_eq!(Size(32).to_string(), "32");
        assert_eq!(Size(4096).to_string(), "4K");
        assert_eq!(Size(0x4000).to_string(), "16K");
        assert_eq!(Size(16 << 20).to_string(), "16M");
        assert_eq!(Size(1 << 63).to_string(), "8388608T");
        assert_eq!(Size(1536).to_string(), "1536");
    }

    #[test]
    fn example_line() {
        let d = PciDevice {
            address: PciAddress::new(0, 3, 0).unwrap(),
            vendor_id: 0x1af4,
            device_id: 0x1000,
            class: 0x02,
            subclass: 0x00,
            prog_if: 0x00,
            revision: 0,
            header_type: 0,
            interrupt_line: 11,
            interrupt_pin: 1,
            bars: [
                Some(Bar::Io {
                    port: 0xc040,
                    size: 32,
                }),
                Some(Bar::Memory32 {
                    address: 0xfebf_1000,
                    size: 4096,
                    prefetchable: false,
                }),
                None,
                None,
                Some(Bar::Memory64 {
                    address: 0xfe00_0000,
                    size: 0x4000,
                    prefetchable: true,
                }),
                None,
            ],
        };
        assert_eq!(
            d.to_string(),
            "00:03.0 1af4:1000 class 02.00.00 Ethernet controller [virtio-net] irq 11 \
             BAR0 io 0xc040/32 BAR1 mem32 0xfebf1000/4K BAR4 mem64 0xfe000000/16K pref"
        );
    }

    #[test]
    fn unknown_device_without_irq() {
        let d = PciDevice {
            address: PciAddress::new(0x12, 0x1f, 7).unwrap(),
            vendor_id: 0xabcd,
            device_id: 0x0001,
            class: 0x42,
            subclass: 0x42,
            prog_if: 0x42,
            revision: 0,
            header_type: 0,
            interrupt_line: 0xff,
            interrupt_pin: 1,
            bars: [None; 6],
        };
        assert_eq!(d.to_string(), "12:1f.7 abcd:0001 class 42.42.42");
    }
}
