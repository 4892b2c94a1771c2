//! Discovery of every PCI function reachable from the host bridge(s).
//!
//! Algorithm (the usual recursive scan, made iterative):
//! * If 00:00.0 is a multi-function device, each of its functions is a separate host controller and function *n*
//!   is responsible for bus *n*; otherwise there is one host controller and the scan starts at bus 0.
//! * For each of the 32 device slots of a bus, function 0 is probed; if it is absent the whole device is
//!   absent (PCI 3.0 §6.2.1: every device implements function 0). If its header type has bit 7 set, functions
//!   1..7 are probed too.
//! * Every PCI-to-PCI bridge (class 06.04/06.09 with a type 1 header) queues its secondary bus
//!   (PCI-to-PCI Bridge Architecture Spec 1.2 §3.2.5.4).
//!
//! Guarantees: each bus number is scanned at most once (a bitmap of visited buses), so a garbled configuration —
//! a bridge whose secondary bus is 0, its own bus, or any bus already scanned — cannot cause a loop, and the total
//! work is bounded by 256 buses × 32 devices × 8 functions. The worklist replaces recursion, so stack use is
//! constant no matter how deep the bridge hierarchy is. Results are sorted by bus, device, function.

use alloc::vec::Vec;

use super::PciAddress;
use super::address::{DEVICES_PER_BUS, FUNCTIONS_PER_DEVICE};
use super::config::{ConfigSpace, HEADER_MULTI_FUNCTION, HEADER_TYPE, VENDOR_ID};
use super::device::{PciDevice, read_function, secondary_bus, vendor_absent};

/// Set of bus numbers, one bit per bus.
struct BusSet([u64; 4]);

impl BusSet {
    /// Inserts `bus`; returns true if it was not yet present.
    fn insert(&mut self, bus: u8) -> bool {
        let word = &mut self.0[usize::from(bus >> 6)];
        let bit = 1u64 << (bus & 63);
        let fresh = *word & bit == 0;
        *word |= bit;
        fresh
    }
}

/// Finds every present function, in bus/device/function order, with BARs sized.
pub fn enumerate(cs: &mut impl ConfigSpace) -> Vec<PciDevice> {
    let mut visited = BusSet([0; 4]);
    let mut pending: Vec<u8> = Vec::new();
    let mut found = Vec::new();

    for bus in root_buses(cs) {
        if visited.insert(bus) {
            pending.push(bus);
        }
    }

    // Each bus enters `pending` at most once (guarded by `visited`), so this runs at most 256 times.
    while let Some(bus) = pending.pop() {
        for device in 0..DEVICES_PER_BUS {
            scan_device(cs, bus, device, &mut found, &mut |secondary| {
                if visited.insert(secondary) {
                    pending.push(secondary);
                }
            });
        }
    }

    found.sort_by_key(|d: &PciDevice| d.address);
    found
}

/// The buses directly behind host controllers: `[0]`, or one per present function of a multi-function 00:00.
fn root_buses(cs: &mut impl ConfigSpace) -> Vec<u8> {
    let host = PciAddress {
        bus: 0,
        device: 0,
        function: 0,
    };
    let header_type = cs.read8(host, HEADER_TYPE);
    if vendor_absent(cs.read16(host, VENDOR_ID)) || header_type & HEADER_MULTI_FUNCTION == 0 {
        return alloc::vec![0];
    }
    (0..FUNCTIONS_PER_DEVICE)
        .filter(|&function| {
            !vendor_absent(cs.read16(
                PciAddress {
                    bus: 0,
                    device: 0,
                    function,
                },
                VENDOR_ID,
            ))
        })
        .collect()
}

/// Probes all functions of one device slot, collecting them and reporting bridges' secondary buses.
fn scan_device(
    cs: &mut impl ConfigSpace,
    bus: u8,
    device: u8,
    found: &mut Vec<PciDevice>,
    on_bridge: &mut impl FnMut(u8),
) {
    let Some(function0) = read_function(
        cs,
        PciAddress {
            bus,
            device,
            function: 0,
        },
    ) else {
        return;
    };
    let functions = if function0.is_multi_function() {
        FUNCTIONS_PER_DEVICE
    } else {
        1
    };
    record(cs, function0, found, on_bridge);
    for function in 1..functions {
        if let Some(f) = read_function(
            cs,
            PciAddress {
                bus,
                device,
                function,
            },
        ) {
            record(cs, f, found, on_bridge);
        }
    }
}

fn record(
    cs: &mut impl ConfigSpace,
    device: PciDevice,
    found: &mut Vec<PciDevice>,
    on_bridge: &mut impl FnMut(u8),
) {
    if let Some(secondary) = secondary_bus(cs, &device) {
        on_bridge(secondary);
    }
    found.push(device);
}
