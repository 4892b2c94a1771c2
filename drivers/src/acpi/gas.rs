//! Generic Address Structure (ACPI 6.x §5.2.3.2): a 12-byte register locator — Address Space ID (1),
//! Register Bit Width (1), Register Bit Offset (1), Access Size (1), Address (8).
//!
//! Guarantees: parsing never fails on content (unknown space IDs are kept as [`AddressSpace::Other`]); it only
//! needs the 12 bytes to be inside the table.

use core::fmt;

use super::bytes::{u8_at, u64_at};

/// Address Space ID (ACPI 6.x §5.2.3.2, table "Generic Address Structure").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressSpace {
    /// 0x00: system memory (MMIO).
    SystemMemory,
    /// 0x01: system I/O ports.
    SystemIo,
    /// 0x02: PCI configuration space (segment 0, bus 0).
    PciConfig,
    /// 0x03: embedded controller.
    EmbeddedController,
    /// 0x04: SMBus.
    SmBus,
    /// 0x7F: functional fixed hardware.
    FunctionalFixedHardware,
    /// Anything else (reserved, OEM, or newer spaces this crate does not use).
    Other(u8),
}

impl From<u8> for AddressSpace {
    fn from(id: u8) -> Self {
        match id {
            0x00 => AddressSpace::SystemMemory,
            0x01 => AddressSpace::SystemIo,
            0x02 => AddressSpace::PciConfig,
            0x03 => AddressSpace::EmbeddedController,
            0x04 => AddressSpace::SmBus,
            0x7f => AddressSpace::FunctionalFixedHardware,
            other => AddressSpace::Other(other),
        }
    }
}

impl fmt::Display for AddressSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressSpace::SystemMemory => f.write_str("system memory"),
            AddressSpace::SystemIo => f.write_str("system I/O"),
            AddressSpace::PciConfig => f.write_str("PCI configuration space"),
            AddressSpace::EmbeddedController => f.write_str("embedded controller"),
            AddressSpace::SmBus => f.write_str("SMBus"),
            AddressSpace::FunctionalFixedHardware => f.write_str("functional fixed hardware"),
            AddressSpace::Other(id) => write!(f, "address space {id:#04x}"),
        }
    }
}

/// A decoded Generic Address Structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenericAddress {
    pub space: AddressSpace,
    pub bit_width: u8,
    pub bit_offset: u8,
    pub access_size: u8,
    /// 0 means "register not present".
    pub address: u64,
}

impl GenericAddress {
    /// Parses the structure at `offset` of `table`; `None` if it does not fit.
    pub fn parse(table: &[u8], offset: usize) -> Option<Self> {
        Some(Self {
            space: AddressSpace::from(u8_at(table, offset)?),
            bit_width: u8_at(table, offset.checked_add(1)?)?,
            bit_offset: u8_at(table, offset.checked_add(2)?)?,
            access_size: u8_at(table, offset.checked_add(3)?)?,
            address: u64_at(table, offset.checked_add(4)?)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_io_gas() {
        let b = [0xaa, 0x01, 0x08, 0x00, 0x01, 0xf9, 0x0c, 0, 0, 0, 0, 0, 0];
        let g = GenericAddress::parse(&b, 1).unwrap();
        assert_eq!(
            g,
            GenericAddress {
                space: AddressSpace::SystemIo,
                bit_width: 8,
                bit_offset: 0,
                access_size: 1,
                address: 0xcf9
            }
        );
        assert_eq!(GenericAddress::parse(&b, 2), None);
        assert_eq!(AddressSpace::from(0x42), AddressSpace::Other(0x42));
    }
}
