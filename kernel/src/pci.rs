//! PCI configuration access mechanism #1 (PCI Local Bus Spec 3.0 §3.2.2.3.2): address to port 0xCF8,
//! data at port 0xCFC. This is the only hardware-touching part of PCI; enumeration lives in `drivers::pci`.
//! Also the two steps every driver start shares: enabling a function ([`enable`]) and opening the virtio
//! transport on it ([`virtio_transport`]).

use alloc::format;
use alloc::string::String;

use drivers::pci::{ConfigSpace, PciAddress, PciDevice};
use virtio_drivers::transport::pci::PciTransport;
use virtio_drivers::transport::pci::bus::{DeviceFunction, PciRoot};
use x86_64::instructions::port::Port;

use crate::dma::KernelHal;

/// virtio's PCI vendor ID (virtio 1.2 §4.1.2).
pub const VIRTIO_VENDOR: u16 = 0x1AF4;

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

/// Lets `device` decode its I/O and memory BARs and master the bus (DMA), before a driver starts it
/// (PCI 3.0 §6.2.2).
pub fn enable(device: &PciDevice) {
    let mut config = PortConfigSpace;
    drivers::pci::enable_io_space(&mut config, device.address);
    drivers::pci::enable_memory_space(&mut config, device.address);
    drivers::pci::enable_bus_master(&mut config, device.address);
}

/// Enables `device` and opens `virtio-drivers`' PCI transport on it (modern capabilities, BARs as the
/// firmware assigned them), for any virtio device driver.
pub fn virtio_transport(device: &PciDevice) -> Result<PciTransport, String> {
    enable(device);
    let mut root = PciRoot::new(PortConfigSpace);
    PciTransport::new::<KernelHal, _>(&mut root, device_function(device.address))
        .map_err(|e| format!("virtio transport: {e}"))
}

/// `virtio-drivers`' name for a function.
fn device_function(addr: PciAddress) -> DeviceFunction {
    DeviceFunction {
        bus: addr.bus,
        device: addr.device,
        function: addr.function,
    }
}
