//! Null-forwarder mode (kernel feature `null-forward`): every frame received on `ether1` is sent out of
//! `ether2` and vice versa (and likewise for ether3/ether4, …), with only the MAC addresses rewritten — no
//! parsing, lookups, tracking or firewall. It measures what the drivers, the virtual NICs and QEMU can
//! carry, the ceiling the real datapath is compared against in benchmarks.
//!
//! The source MAC becomes the sending NIC's own; the destination becomes the last source MAC seen on
//! the sending side (the host there), or broadcast until one was seen. Frames the sending NIC cannot
//! take are dropped and counted, as a real forwarder under overload would. What the receiving NIC left
//! undone (a partial checksum, a TCP super-frame from virtio-net's offloads) is passed on for the sending
//! NIC to finish; one that cannot (an e1000 across from a virtio-net) drops such frames.

use alloc::vec;
use alloc::vec::Vec;

use drivers::net::FrameOffload;

use crate::nic::Nic;
use crate::{clock, interrupts};

/// Frames taken from one NIC per round.
const RX_BUDGET: usize = 64;
/// How often the counters are logged while traffic flows.
const REPORT_MS: u64 = 10_000;

pub fn run(mut nics: Vec<Nic>) -> ! {
    for pair in nics.chunks(2) {
        if let [a, b] = pair {
            log::info!("null forwarder: {} <-> {}", a.name, b.name);
        }
    }
    crate::println!("null forwarder ready");
    for nic in &mut nics {
        nic.device.set_interrupts(true);
        // Hosts address each other's MACs (learned from ARP payloads), not the forwarder's.
        nic.device.set_promiscuous(true);
    }
    let mut peers: Vec<Option<[u8; 6]>> = vec![None; nics.len()];
    let mut dropped: Vec<u64> = vec![0; nics.len()];
    let mut forwarded: u64 = 0;
    let mut next_report = clock::now().as_millis() + REPORT_MS;
    // Room for a TCP super-frame from a NIC that offloads segmentation.
    let mut scratch = vec![0u8; 65550];
    loop {
        let fired = crate::nic::acknowledge_interrupts(&mut nics).lines;
        let mut moved = 0;
        for pair in 0..nics.len() / 2 {
            for index in [2 * pair, 2 * pair + 1] {
                let (left, right) = nics.split_at_mut(2 * pair + 1);
                let (a, b) = (&mut left[2 * pair], &mut right[0]);
                let (from, to) = if index == 2 * pair { (a, b) } else { (b, a) };
                let out_index = index ^ 1;
                let destination = peers[out_index].unwrap_or([0xFF; 6]);
                let source = to.device.mac();
                let mut learned = None;
                let mut refused = 0;
                moved += from.device.receive(RX_BUDGET, &mut |frame, offload| {
                    let Some(out) = scratch.get_mut(..frame.len()) else {
                        refused += 1;
                        return;
                    };
                    out.copy_from_slice(frame);
                    if let Some(src) = frame.get(6..12) {
                        let mut mac = [0u8; 6];
                        mac.copy_from_slice(src);
                        learned = Some(mac);
                    }
                    if let Some(dst) = out.get_mut(0..6) {
                        dst.copy_from_slice(&destination);
                    }
                    if let Some(src) = out.get_mut(6..12) {
                        src.copy_from_slice(&source);
                    }
                    // Offload work passes through to the other NIC, which refuses what it cannot do.
                    let offload = FrameOffload {
                        checksum_valid: false,
                        ..*offload
                    };
                    if to.device.transmit_offloaded(out, &offload).is_err() {
                        refused += 1;
                    }
                });
                to.device.flush();
                if let Some(mac) = learned {
                    peers[index] = Some(mac);
                }
                dropped[out_index] += refused;
            }
        }
        forwarded += moved as u64;
        if fired != 0 {
            interrupts::unmask_device_irqs(fired);
        }
        let now_ms = clock::now().as_millis();
        if now_ms >= next_report && moved > 0 {
            next_report = now_ms + REPORT_MS;
            log::info!("null forwarder: {forwarded} frames forwarded, dropped per NIC {dropped:?}");
        }
        if moved == 0 {
            crate::idle(|| {
                interrupts::device_irq_pending() || nics.iter_mut().any(|n| n.device.rx_pending())
            });
        }
    }
}
