//! Finding and starting the network cards: every PCI network controller the kernel has a driver for, in
//! PCI bus order, becomes `ether1..N` (as on CHR), whatever mix of virtio-net and e1000 it is.
//!
//! Drivers: virtio-net (`drivers::virtio_net`, over virtio-drivers' PCI transport) and the Intel 82540EM
//! (`drivers::e1000`, registers in BAR0 through `mmio`).
//!
//! Starting a device enables its I/O and memory decoding and bus mastering (PCI 3.0 §6.2.2), hands it to
//! its driver, and registers its INTx line with the interrupt controller. A device that fails to start is
//! logged and skipped; it never stops the boot.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use drivers::e1000::{self, E1000};
use drivers::net::NetDevice;
use drivers::pci::Bar;
use drivers::pci::PciDevice;
use drivers::virtio_net::VirtioNet;
use virtio_drivers::transport::pci::PciTransport;

use crate::dma::{KernelDma, KernelHal};
use crate::mmio::MmioRegisters;
use crate::pci::{self, VIRTIO_VENDOR};

/// PCI class 02h: network controller.
const CLASS_NETWORK: u8 = 0x02;
/// virtio's network device IDs: transitional (0x1000) and modern (0x1041) (virtio 1.2 §4.1.2.1).
const VIRTIO_NET_IDS: [u16; 2] = [0x1000, 0x1041];

/// A started NIC.
pub struct Nic {
    /// `ether1`, `ether2`, …
    pub name: String,
    /// The legacy interrupt line, if the firmware routed one and the kernel could enable it.
    pub irq: Option<u8>,
    pub device: Box<dyn NetDevice>,
}

/// Starts every supported NIC among `devices` (in the order given, which is PCI bus order).
pub fn probe(devices: &[PciDevice]) -> Vec<Nic> {
    let mut nics = Vec::new();
    for device in devices.iter().filter(|d| d.class == CLASS_NETWORK) {
        let started = match (device.vendor_id, device.device_id) {
            (VIRTIO_VENDOR, id) if VIRTIO_NET_IDS.contains(&id) => {
                start_virtio(device).map(|d| ("virtio-net", d))
            }
            (e1000::VENDOR_ID, e1000::DEVICE_ID) => start_e1000(device).map(|d| ("e1000", d)),
            (vendor, id) => Err(format!(
                "no driver for network controller {vendor:04x}:{id:04x}"
            )),
        };
        match started {
            Ok((driver, net_device)) => {
                let name = format!("ether{}", nics.len() + 1);
                let irq = match device.interrupt_line {
                    line if device.interrupt_pin != 0
                        && crate::interrupts::enable_device_irq(line) =>
                    {
                        Some(line)
                    }
                    _ => None,
                };
                let mac = net_device.mac();
                let caps = net_device.offload_caps();
                let offload = match (caps.checksum, caps.tcp4_segmentation) {
                    (true, true) => "checksum, tcp segmentation",
                    (true, false) => "checksum",
                    _ => "none",
                };
                log::info!(
                    "{name}: {driver} at {}, mac {:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}, irq {}, offload {offload}",
                    device.address,
                    mac[0],
                    mac[1],
                    mac[2],
                    mac[3],
                    mac[4],
                    mac[5],
                    irq.map_or(String::from("none (polled)"), |l| format!("{l}")),
                );
                nics.push(Nic {
                    name,
                    irq,
                    device: net_device,
                });
            }
            Err(error) => log::warn!("pci {}: {error}", device.address),
        }
    }
    nics
}

fn start_virtio(device: &PciDevice) -> Result<Box<dyn NetDevice>, String> {
    let transport = pci::virtio_transport(device)?;
    let net = VirtioNet::<KernelHal, PciTransport>::new(transport).map_err(|e| format!("{e}"))?;
    Ok(Box::new(net))
}

fn start_e1000(device: &PciDevice) -> Result<Box<dyn NetDevice>, String> {
    let registers = match device.bars.first().copied().flatten() {
        Some(bar @ (Bar::Memory32 { .. } | Bar::Memory64 { .. }))
            if bar.address() != 0 && bar.size() >= e1000::BAR0_BYTES as u64 =>
        {
            MmioRegisters::map(bar.address(), e1000::BAR0_BYTES)
                .ok_or_else(|| String::from("e1000: cannot map BAR0"))?
        }
        other => return Err(format!("e1000: BAR0 is not a usable memory BAR: {other:?}")),
    };
    pci::enable(device);
    let nic = E1000::new(registers, &mut KernelDma).map_err(|e| format!("e1000: {e}"))?;
    Ok(Box::new(nic))
}

/// What [`acknowledge_interrupts`] found.
#[derive(Clone, Copy, Default)]
pub struct Acknowledged {
    /// The lines that fired, for [`crate::interrupts::unmask_device_irqs`] once the NICs were polled.
    pub lines: u16,
    /// Some NIC reported a link change.
    pub link_changed: bool,
}

/// Takes the device interrupt lines that fired (the handler left them masked) and has every NIC on one
/// of them acknowledge its interrupt.
pub fn acknowledge_interrupts<'a>(nics: impl IntoIterator<Item = &'a mut Nic>) -> Acknowledged {
    let lines = crate::interrupts::take_pending_device_irqs();
    let mut acknowledged = Acknowledged {
        lines,
        link_changed: false,
    };
    if lines != 0 {
        for nic in nics {
            if nic.irq.is_some_and(|line| lines & (1 << line) != 0) {
                acknowledged.link_changed |= nic.device.ack_interrupt().link_changed;
            }
        }
    }
    acknowledged
}
