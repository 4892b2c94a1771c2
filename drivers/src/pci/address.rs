//! Geographical address of one PCI function (bus, device, function).
//!
//! Guarantees: [`PciAddress::new`] only builds in-range addresses (device < 32, function < 8), and
//! [`PciAddress::config_address`] masks every field, so even a hand-built out-of-range value can never set bits
//! outside its field in the CONFIG_ADDRESS register.

use core::fmt;

/// Number of device slots on one bus (PCI Local Bus Spec 3.0 §3.2.2.3.2: 5-bit device number).
pub const DEVICES_PER_BUS: u8 = 32;
/// Number of functions in one device (PCI 3.0 §3.2.2.3.2: 3-bit function number).
pub const FUNCTIONS_PER_DEVICE: u8 = 8;

/// Bus/device/function of a PCI function. Ordered by bus, then device, then function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PciAddress {
    /// Bus number, 0..=255.
    pub bus: u8,
    /// Device (slot) number, 0..32.
    pub device: u8,
    /// Function number, 0..8.
    pub function: u8,
}

impl PciAddress {
    /// The address `bus:device.function`, or `None` if `device >= 32` or `function >= 8`.
    pub const fn new(bus: u8, device: u8, function: u8) -> Option<Self> {
        if device < DEVICES_PER_BUS && function < FUNCTIONS_PER_DEVICE {
            Some(Self {
                bus,
                device,
                function,
            })
        } else {
            None
        }
    }

    /// The value to write to CONFIG_ADDRESS (I/O port 0xCF8) to access the dword at `offset` of this function with
    /// configuration mechanism #1 (PCI 3.0 §3.2.2.3.2): enable bit 31, bus in 23:16, device in 15:11, function in
    /// 10:8, dword-aligned register number in 7:2; bits 1:0 are zero.
    pub const fn config_address(self, offset: u8) -> u32 {
        0x8000_0000
            | ((self.bus as u32) << 16)
            | (((self.device & 0x1f) as u32) << 11)
            | (((self.function & 0x07) as u32) << 8)
            | ((offset & 0xfc) as u32)
    }
}

/// `bb:dd.f` in lower-case hex, the form `lspci` uses (e.g. `00:03.0`).
impl fmt::Display for PciAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02x}:{:02x}.{:x}",
            self.bus, self.device, self.function
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn display_is_lspci_style() {
        assert_eq!(PciAddress::new(0, 3, 0).unwrap().to_string(), "00:03.0");
        assert_eq!(
            PciAddress::new(0xab, 0x1f, 7).unwrap().to_string(),
            "ab:1f.7"
        );
    }

    #[test]
    fn new_rejects_out_of_range() {
        assert!(PciAddress::new(0, 32, 0).is_none());
        assert!(PciAddress::new(0, 0, 8).is_none());
    }

    #[test]
    fn config_address_layout() {
        let a = PciAddress::new(1, 2, 3).unwrap();
        assert_eq!(a.config_address(0x3e), 0x8001_133c);
        // Out-of-range fields are masked instead of spilling into neighbours.
        let bad = PciAddress {
            bus: 0,
            device: 0xff,
            function: 0xff,
        };
        assert_eq!(bad.config_address(0xff), 0x8000_fffc);
    }
}
