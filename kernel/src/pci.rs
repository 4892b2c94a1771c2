//! PCI configuration access mechanism #1 (PCI Local Bus Spec 3.0 §3.2.2.3.2): address to port 0xCF8,
//! data at port 0xCFC. This is the only hardware-touching part of PCI; enumeration lives in `drivers::pci`.

use drivers::pci::{ConfigSpace, PciAddress};
use virtio_drivers::transport::pci::bus::DeviceFunction;
use x86_64::instructions::port::Port;

pub struct PortConfigSpace;

fn config_address(addr: PciAddress, offset: u8) -> u32 {
    0x8000_0000
        | (u32::from(addr.bus) << 16)
        | (u32::from(addr.device & 0x1F) << 11)
        | (u32::from(addr.function & 0x07) << 8)
        | u32::from(offset & 0xFC)
}

impl ConfigSpace for PortConfigSpace {
    fn read32(&mut self, addr: PciAddress, offset: u8) -> u32 {
        // SAFETY: 0xCF8/0xCFC are the host bridge's configuration ports; the address selects one dword of one
        // function's configuration header and reading it has no side effects on standard registers.
        unsafe {
            Port::<u32>::new(0xCF8).write(config_address(addr, offset));
            Port::<u32>::new(0xCFC).read()
        }
    }

    fn write32(&mut self, addr: PciAddress, offset: u8, value: u32) {
        // SAFETY: as for `read32`; callers (drivers::pci) only write BARs while sizing them, with decoding
        // disabled, and the command register, restoring what they changed.
        unsafe {
            Port::<u32>::new(0xCF8).write(config_address(addr, offset));
            Port::<u32>::new(0xCFC).write(value);
        }
    }
}

/// The same mechanism for `virtio-drivers`' PCI transport, which reads virtio capabilities and BARs itself.
impl virtio_drivers::transport::pci::bus::ConfigurationAccess for PortConfigSpace {
    fn read_word(&self, function: DeviceFunction, register_offset: u8) -> u32 {
        PortConfigSpace.read32(to_address(function), register_offset)
    }

    fn write_word(&mut self, function: DeviceFunction, register_offset: u8, data: u32) {
        self.write32(to_address(function), register_offset, data)
    }

    unsafe fn unsafe_clone(&self) -> Self {
        PortConfigSpace
    }
}

fn to_address(function: DeviceFunction) -> PciAddress {
    PciAddress {
        bus: function.bus,
        device: function.device,
        function: function.function,
    }
}

/// `virtio-drivers`' name for a function.
pub fn device_function(addr: PciAddress) -> DeviceFunction {
    DeviceFunction {
        bus: addr.bus,
        device: addr.device,
        function: addr.function,
    }
}
