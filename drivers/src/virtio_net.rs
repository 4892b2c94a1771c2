//! virtio-net (virtio 1.2 §5.1) as a [`NetDevice`], driving `virtio-drivers`' split virtqueues itself so
//! that it can negotiate checksum and segmentation offload.
//!
//! Features (§5.1.3), each taken only when the device offers it:
//! * `MAC`, `STATUS` (link state from the configuration's `status`, §5.1.4; a configuration-change
//!   interrupt — QEMU's `set_link` — is reported as a link change), `VERSION_1`, `RING_EVENT_IDX`;
//! * `GUEST_CSUM` + `GUEST_TSO4` + `MRG_RXBUF`: the device may hand over frames whose TCP/UDP checksum
//!   is partial (`NEEDS_CSUM`) or already checked (`DATA_VALID`), and TCP/IPv4 super-frames of up to
//!   64 KiB (`GSO_TCPV4`) spread over several 2 KiB receive buffers (§5.1.6.3.2, `num_buffers`). The
//!   driver joins such a frame into one buffer and reports what the header said as a [`FrameOffload`].
//!   Without `MRG_RXBUF` super-frames would need 64 KiB receive buffers, so `GUEST_TSO4` is then
//!   declined;
//! * `CSUM` + `HOST_TSO4`: the engine may send frames with a partial checksum or whole super-frames,
//!   which the device (QEMU, the host kernel) completes and segments ([`OffloadCaps`]).
//!
//! This is what lets a Linux host behind the router push 64 KiB TCP segments through it in one
//! engine pass each, instead of ~45 (see `netstack::offload`). Receive-side offload alone would not pay:
//! frames leaving through a port that cannot offload are completed or segmented in software.
//!
//! Buffers live on the heap (the kernel's `Hal` shares them with the device in place) and are owned here
//! for their whole life: every buffer given to a queue is kept in a slot indexed by the token (head
//! descriptor) the queue returned and handed back to `pop_used` unchanged, as the crate's safety contract
//! requires. This is why this module, alone in the crate with the register modules, uses `unsafe`.
//!
//! Nothing the device writes can make the driver panic: used lengths are clamped to the buffer, a header
//! that names more buffers than have arrived, a frame longer than 64 KiB or an unknown segmentation type
//! is counted as an error and the buffers are reused. Memory is bounded: one receive ring of small
//! buffers, one 64 KiB assembly buffer, and at most [`TX_IN_FLIGHT_BYTES`] of transmissions in flight.
#![allow(unsafe_code)]

use alloc::vec;
use alloc::vec::Vec;

use virtio_drivers::Hal;
use virtio_drivers::queue::VirtQueue;
use virtio_drivers::transport::{DeviceStatus, InterruptStatus, Transport};

use crate::net::{
    FrameOffload, Interrupt, NetCounters, NetDevice, OffloadCaps, PartialChecksum, TxError,
};

/// Descriptors per queue (QEMU's virtio-net default queue size).
pub const QUEUE_SIZE: usize = 256;
const RECEIVE_QUEUE: u16 = 0;
const TRANSMIT_QUEUE: u16 = 1;
/// Receive buffer size: a header and a full 1518-byte frame fit one; super-frames span several.
const RX_BUFFER_LEN: usize = 2048;
/// Largest frame the device may deliver with `GUEST_TSO4` (§5.1.6.3.1: 65562-byte buffers without
/// `MRG_RXBUF`, less the 12-byte header): a VLAN-tagged Ethernet header and a 64 KiB IPv4 packet.
const MAX_RX_FRAME: usize = 65550;
/// Largest frame sent without segmentation offload: a jumbo frame, as the engine's buffers hold.
const MAX_PLAIN_TX_FRAME: usize = 9018;
/// Largest super-frame sent (an Ethernet header and a 64 KiB IPv4 packet).
const MAX_SUPER_TX_FRAME: usize = 14 + 65535;
/// Bytes of transmit buffers the device may hold at once; beyond it `transmit` reports a full ring.
pub const TX_IN_FLIGHT_BYTES: usize = 1 << 20;
/// Transmit buffers larger than a plain frame kept for reuse.
const TX_LARGE_KEPT: usize = 4;

/// Feature bits (§5.1.3, §6).
mod feature {
    pub const CSUM: u64 = 1 << 0;
    pub const GUEST_CSUM: u64 = 1 << 1;
    pub const MAC: u64 = 1 << 5;
    pub const GUEST_TSO4: u64 = 1 << 7;
    pub const HOST_TSO4: u64 = 1 << 11;
    pub const MRG_RXBUF: u64 = 1 << 15;
    pub const STATUS: u64 = 1 << 16;
    pub const RING_EVENT_IDX: u64 = 1 << 29;
    pub const VERSION_1: u64 = 1 << 32;
}

/// `struct virtio_net_hdr` (§5.1.6): flags, GSO type, and the offsets the offloads need.
mod header {
    /// `flags`: the checksum from `csum_start` on is left to the receiver.
    pub const NEEDS_CSUM: u8 = 1;
    /// `flags`: the device checked the checksum.
    pub const DATA_VALID: u8 = 2;
    pub const GSO_NONE: u8 = 0;
    pub const GSO_TCPV4: u8 = 1;
    pub const GSO_ECN: u8 = 0x80;
    /// Size with `num_buffers` (VERSION_1 or MRG_RXBUF), and without (legacy).
    pub const LEN: usize = 12;
    pub const LEGACY_LEN: usize = 10;
}

/// Offsets in the configuration space (§5.1.4): `mac[6]`, then `status`.
const CONFIG_MAC: usize = 0;
const CONFIG_STATUS: usize = 6;
/// VIRTIO_NET_S_LINK_UP in `status`.
const STATUS_LINK_UP: u16 = 1;

/// Why a virtio-net device could not be brought up.
#[derive(Debug)]
pub enum VirtioNetError {
    /// The device did not accept the feature set (§3.1.1 step 6).
    FeaturesRefused,
    Queue(virtio_drivers::Error),
}

impl core::fmt::Display for VirtioNetError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::FeaturesRefused => write!(f, "virtio-net: the device refused the features"),
            Self::Queue(e) => write!(f, "virtio-net: {e}"),
        }
    }
}

/// The features to ask for out of those `offered`, keeping each offload with what it depends on
/// (§5.1.3.1: `GUEST_TSO4` needs `GUEST_CSUM`, `HOST_TSO4` needs `CSUM`; 2 KiB receive buffers need
/// `MRG_RXBUF` for super-frames).
fn wanted_features(offered: u64) -> u64 {
    use feature::*;
    let mut wanted = offered
        & (MAC
            | STATUS
            | VERSION_1
            | RING_EVENT_IDX
            | CSUM
            | GUEST_CSUM
            | GUEST_TSO4
            | HOST_TSO4
            | MRG_RXBUF);
    if wanted & GUEST_CSUM == 0 || wanted & MRG_RXBUF == 0 {
        wanted &= !GUEST_TSO4;
    }
    if wanted & CSUM == 0 {
        wanted &= !HOST_TSO4;
    }
    wanted
}

pub struct VirtioNet<H: Hal, T: Transport> {
    transport: T,
    rx: VirtQueue<H, QUEUE_SIZE>,
    tx: VirtQueue<H, QUEUE_SIZE>,
    features: u64,
    header_len: usize,
    /// Receive buffers the device holds, by token.
    rx_posted: Vec<Option<Vec<u8>>>,
    /// The device asked to be notified of a receive buffer posted since it was last notified.
    rx_notify: bool,
    /// A frame spread over several receive buffers, joined.
    assembly: Vec<u8>,
    /// Transmissions in flight, by token: the buffer (header + frame).
    tx_posted: Vec<Option<Vec<u8>>>,
    tx_in_flight: usize,
    /// The device asked to be notified of a frame queued since it was last notified.
    ///
    /// Both flags are gathered after every single `add`: `VirtQueue::should_notify` compares the
    /// 16-bit ring indices without wrapping, so asked once after a batch that crossed the wrap it
    /// says no while the device waits for a doorbell (the ring then stalls for good); asked after each
    /// add it sees the index pass the device's event index one step at a time (virtio 1.2 §2.7.10).
    tx_notify: bool,
    /// Transmit buffers ready for reuse: plain-frame sized, and a few large ones.
    tx_free: Vec<Vec<u8>>,
    tx_free_large: Vec<Vec<u8>>,
    mac: [u8; 6],
    counters: NetCounters,
}

impl<H: Hal, T: Transport> VirtioNet<H, T> {
    /// Initialises the device (§3.1.1), sets up both queues and posts a receive buffer in every
    /// receive descriptor.
    pub fn new(mut transport: T) -> Result<Self, VirtioNetError> {
        let handshake = DeviceStatus::ACKNOWLEDGE | DeviceStatus::DRIVER;
        transport.set_status(DeviceStatus::empty());
        transport.set_status(handshake);
        let features = wanted_features(transport.read_device_features());
        transport.write_driver_features(features);
        transport.set_status(handshake | DeviceStatus::FEATURES_OK);
        if !transport.get_status().contains(DeviceStatus::FEATURES_OK) {
            transport.set_status(DeviceStatus::FAILED);
            return Err(VirtioNetError::FeaturesRefused);
        }
        transport.set_guest_page_size(virtio_drivers::PAGE_SIZE as u32);
        let mac = match features & feature::MAC {
            0 => [0x52, 0x54, 0, 0, 0, 0],
            _ => transport
                .read_config_space::<[u8; 6]>(CONFIG_MAC)
                .map_err(VirtioNetError::Queue)?,
        };
        let event_idx = features & feature::RING_EVENT_IDX != 0;
        let rx = VirtQueue::new(&mut transport, RECEIVE_QUEUE, false, event_idx)
            .map_err(VirtioNetError::Queue)?;
        let tx = VirtQueue::new(&mut transport, TRANSMIT_QUEUE, false, event_idx)
            .map_err(VirtioNetError::Queue)?;
        transport.finish_init();
        let header_len = match features & (feature::VERSION_1 | feature::MRG_RXBUF) {
            0 => header::LEGACY_LEN,
            _ => header::LEN,
        };
        let mut device = Self {
            transport,
            rx,
            tx,
            features,
            header_len,
            rx_posted: (0..QUEUE_SIZE).map(|_| None).collect(),
            rx_notify: false,
            assembly: Vec::new(),
            tx_posted: (0..QUEUE_SIZE).map(|_| None).collect(),
            tx_in_flight: 0,
            tx_notify: false,
            tx_free: Vec::new(),
            tx_free_large: Vec::new(),
            mac,
            counters: NetCounters::default(),
        };
        for _ in 0..QUEUE_SIZE {
            device
                .post_rx(vec![0; RX_BUFFER_LEN])
                .map_err(VirtioNetError::Queue)?;
        }
        device.notify_rx();
        Ok(device)
    }

    fn has(&self, bit: u64) -> bool {
        self.features & bit != 0
    }

    /// Gives `buffer` to the device for reception and remembers it under its token.
    fn post_rx(&mut self, mut buffer: Vec<u8>) -> Result<(), virtio_drivers::Error> {
        // SAFETY: the buffer is moved into `rx_posted` right below and not touched until `pop_used`
        // returns it (`take_rx`); a Vec's heap storage does not move when the Vec is moved, and its
        // length is never changed while posted.
        let token = unsafe { self.rx.add(&[], &mut [&mut buffer[..]])? };
        self.rx_notify |= self.rx.should_notify();
        match self.rx_posted.get_mut(usize::from(token)) {
            Some(slot @ None) => {
                *slot = Some(buffer);
                Ok(())
            }
            // The queue handed out a token we already hold: the ring is corrupt. Keeping the buffer alive
            // (leaking it) is the only safe option, as the device may still write into it.
            _ => {
                core::mem::forget(buffer);
                Err(virtio_drivers::Error::WrongToken)
            }
        }
    }

    fn notify_rx(&mut self) {
        if core::mem::take(&mut self.rx_notify) {
            self.transport.notify(RECEIVE_QUEUE);
        }
    }

    /// Takes the next used receive buffer back from the device: the buffer and the bytes written.
    fn take_rx(&mut self) -> Option<(Vec<u8>, usize)> {
        let token = self.rx.peek_used()?;
        let Some(mut buffer) = self
            .rx_posted
            .get_mut(usize::from(token))
            .and_then(Option::take)
        else {
            self.counters.rx_errors += 1;
            return None;
        };
        // SAFETY: `buffer` is the one passed to `add` when it returned `token`, unchanged.
        match unsafe { self.rx.pop_used(token, &[], &mut [&mut buffer[..]]) } {
            Ok(written) => {
                let written = (written as usize).min(buffer.len());
                Some((buffer, written))
            }
            Err(_) => {
                // The queue did not release the descriptor; keep the buffer alive with it.
                core::mem::forget(buffer);
                self.counters.rx_errors += 1;
                None
            }
        }
    }

    /// Reposts a receive buffer; a failure is counted (the ring shrinks by one).
    fn recycle_rx(&mut self, buffer: Vec<u8>) {
        if self.post_rx(buffer).is_err() {
            self.counters.rx_errors += 1;
        }
    }

    /// Takes back every transmit buffer the device has finished with.
    fn reclaim_tx(&mut self) {
        while let Some(token) = self.tx.peek_used() {
            let Some(buffer) = self
                .tx_posted
                .get_mut(usize::from(token))
                .and_then(Option::take)
            else {
                // A completion for nothing we sent: the device is broken. Stop reclaiming; nothing is lost
                // but transmit capacity.
                self.counters.tx_errors += 1;
                return;
            };
            // SAFETY: `buffer` is the one passed to `add` when it returned `token`, unchanged.
            match unsafe { self.tx.pop_used(token, &[&buffer[..]], &mut []) } {
                Ok(_) => {
                    self.tx_in_flight = self.tx_in_flight.saturating_sub(buffer.capacity());
                    if buffer.capacity() <= MAX_PLAIN_TX_FRAME + header::LEN {
                        self.tx_free.push(buffer);
                    } else if self.tx_free_large.len() < TX_LARGE_KEPT {
                        self.tx_free_large.push(buffer);
                    }
                }
                Err(_) => {
                    self.counters.tx_errors += 1;
                    core::mem::forget(buffer);
                    return;
                }
            }
        }
    }

    /// The receive offload facts of a header, or None when it announces something not negotiated.
    fn rx_offload(&self, hdr: &[u8]) -> Option<FrameOffload> {
        let (flags, gso_type) = (*hdr.first()?, *hdr.get(1)?);
        let word = |at: usize| Some(u16::from_le_bytes([*hdr.get(at)?, *hdr.get(at + 1)?]));
        let mut offload = FrameOffload::NONE;
        if flags & header::NEEDS_CSUM != 0 {
            offload.partial_checksum = Some(PartialChecksum {
                start: word(6)?,
                offset: word(8)?,
            });
        } else if flags & header::DATA_VALID != 0 {
            offload.checksum_valid = true;
        }
        match gso_type & !header::GSO_ECN {
            header::GSO_NONE => {}
            header::GSO_TCPV4 if self.has(feature::GUEST_TSO4) => {
                offload.tcp_segment_size = Some(word(4)?);
            }
            _ => return None,
        }
        Some(offload)
    }

    /// The header for a frame to send, or None when it asks for an offload not negotiated.
    fn tx_header(&self, frame: &[u8], offload: &FrameOffload) -> Option<[u8; header::LEN]> {
        let mut hdr = [0u8; header::LEN];
        if let Some(partial) = offload.partial_checksum {
            if !self.has(feature::CSUM) {
                return None;
            }
            hdr[0] = header::NEEDS_CSUM;
            hdr[6..8].copy_from_slice(&partial.start.to_le_bytes());
            hdr[8..10].copy_from_slice(&partial.offset.to_le_bytes());
        }
        if let Some(size) = offload.tcp_segment_size {
            let partial = offload.partial_checksum?;
            if !self.has(feature::HOST_TSO4) || size == 0 {
                return None;
            }
            // Headers up to the end of the TCP header (its data offset), a hint for the device.
            let tcp = usize::from(partial.start);
            let tcp_len = usize::from(*frame.get(tcp + 12)? >> 4) * 4;
            let headers = u16::try_from(tcp + tcp_len).ok()?;
            hdr[1] = header::GSO_TCPV4;
            hdr[2..4].copy_from_slice(&headers.to_le_bytes());
            hdr[4..6].copy_from_slice(&size.to_le_bytes());
        }
        Some(hdr)
    }
}

impl<H: Hal, T: Transport> NetDevice for VirtioNet<H, T> {
    fn mac(&self) -> [u8; 6] {
        self.mac
    }

    /// §5.1.4.2: without VIRTIO_NET_F_STATUS the driver must assume the link is up. A status that cannot
    /// be read counts as down: nothing would get through such a device anyway.
    fn link_up(&mut self) -> bool {
        if !self.has(feature::STATUS) {
            return true;
        }
        self.transport
            .read_config_space::<u16>(CONFIG_STATUS)
            .is_ok_and(|status| status & STATUS_LINK_UP != 0)
    }

    fn offload_caps(&self) -> OffloadCaps {
        OffloadCaps {
            checksum: self.has(feature::CSUM),
            tcp4_segmentation: self.has(feature::HOST_TSO4),
        }
    }

    fn receive(&mut self, budget: usize, deliver: &mut dyn FnMut(&[u8], &FrameOffload)) -> usize {
        let mut delivered = 0;
        while delivered < budget {
            let Some((buffer, written)) = self.take_rx() else {
                break;
            };
            let header_len = self.header_len;
            let hdr = buffer.get(..header_len.min(written)).unwrap_or(&[]);
            let buffers = match self.has(feature::MRG_RXBUF) {
                true => hdr
                    .get(10..12)
                    .map_or(1, |n| usize::from(u16::from_le_bytes([n[0], n[1]])).max(1)),
                false => 1,
            };
            let offload = self.rx_offload(hdr).filter(|_| written >= header_len + 14);
            if buffers == 1 {
                match (offload, buffer.get(header_len..written)) {
                    (Some(offload), Some(frame)) => {
                        self.counters.rx_packets += 1;
                        self.counters.rx_bytes += frame.len() as u64;
                        deliver(frame, &offload);
                        delivered += 1;
                    }
                    _ => self.counters.rx_errors += 1,
                }
                self.recycle_rx(buffer);
                continue;
            }
            // §5.1.6.4.2: a frame in `buffers` buffers, all used together.
            let mut assembly = core::mem::take(&mut self.assembly);
            assembly.clear();
            assembly.extend_from_slice(buffer.get(header_len..written).unwrap_or(&[]));
            self.recycle_rx(buffer);
            let mut whole = buffers <= QUEUE_SIZE;
            for _ in 1..buffers.min(QUEUE_SIZE) {
                let Some((more, written)) = self.take_rx() else {
                    whole = false;
                    break;
                };
                let part = more.get(..written).unwrap_or(&[]);
                if assembly.len() + part.len() <= MAX_RX_FRAME {
                    assembly.extend_from_slice(part);
                } else {
                    whole = false;
                }
                self.recycle_rx(more);
            }
            match offload {
                Some(offload) if whole => {
                    self.counters.rx_packets += 1;
                    self.counters.rx_bytes += assembly.len() as u64;
                    deliver(&assembly, &offload);
                    delivered += 1;
                }
                _ => self.counters.rx_errors += 1,
            }
            self.assembly = assembly;
        }
        self.notify_rx();
        delivered
    }

    fn transmit(&mut self, frame: &[u8]) -> Result<(), TxError> {
        self.transmit_offloaded(frame, &FrameOffload::NONE)
    }

    fn transmit_offloaded(&mut self, frame: &[u8], offload: &FrameOffload) -> Result<(), TxError> {
        let max = match offload.tcp_segment_size {
            Some(_) => MAX_SUPER_TX_FRAME,
            None => MAX_PLAIN_TX_FRAME,
        };
        if frame.is_empty() || frame.len() > max {
            return Err(TxError::BadLength);
        }
        let hdr = self.tx_header(frame, offload).ok_or(TxError::Unsupported)?;
        let total = self.header_len + frame.len();
        if self.tx.available_desc() == 0 || self.tx_in_flight + total > TX_IN_FLIGHT_BYTES {
            self.reclaim_tx();
            if self.tx.available_desc() == 0 || self.tx_in_flight + total > TX_IN_FLIGHT_BYTES {
                self.counters.tx_ring_full += 1;
                return Err(TxError::RingFull);
            }
        }
        let reuse = match total > MAX_PLAIN_TX_FRAME + header::LEN {
            true => self.tx_free_large.pop(),
            false => self.tx_free.pop(),
        };
        let mut buffer = reuse.unwrap_or_else(|| {
            Vec::with_capacity(match total > RX_BUFFER_LEN {
                true => MAX_SUPER_TX_FRAME + header::LEN,
                false => RX_BUFFER_LEN,
            })
        });
        buffer.clear();
        buffer.extend_from_slice(hdr.get(..self.header_len).unwrap_or(&hdr));
        buffer.extend_from_slice(frame);
        // SAFETY: the buffer is moved into `tx_posted` below and neither touched nor resized until
        // `pop_used` gives it back in `reclaim_tx`.
        let token = match unsafe { self.tx.add(&[&buffer[..]], &mut []) } {
            Ok(token) => token,
            Err(virtio_drivers::Error::QueueFull) => {
                self.tx_free.push(buffer);
                self.counters.tx_ring_full += 1;
                return Err(TxError::RingFull);
            }
            Err(_) => {
                self.tx_free.push(buffer);
                return Err(TxError::Device);
            }
        };
        self.tx_in_flight += buffer.capacity();
        match self.tx_posted.get_mut(usize::from(token)) {
            Some(slot @ None) => *slot = Some(buffer),
            _ => {
                core::mem::forget(buffer);
                self.counters.tx_errors += 1;
                return Err(TxError::Device);
            }
        }
        self.tx_notify |= self.tx.should_notify();
        self.counters.tx_packets += 1;
        self.counters.tx_bytes += frame.len() as u64;
        Ok(())
    }

    fn flush(&mut self) {
        // One doorbell for everything queued since the last flush, if the device asked for one while
        // they were queued (`tx_notify`).
        if core::mem::take(&mut self.tx_notify) {
            self.transport.notify(TRANSMIT_QUEUE);
        }
        self.reclaim_tx();
    }

    fn set_interrupts(&mut self, enabled: bool) {
        self.rx.set_dev_notify(enabled);
        self.tx.set_dev_notify(enabled);
    }

    fn ack_interrupt(&mut self) -> Interrupt {
        let status = self.transport.ack_interrupt();
        Interrupt {
            raised: status != InterruptStatus::empty(),
            link_changed: status.contains(InterruptStatus::DEVICE_CONFIGURATION_INTERRUPT),
        }
    }

    fn rx_pending(&mut self) -> bool {
        self.rx.can_pop()
    }

    fn counters(&self) -> NetCounters {
        self.counters
    }
}

#[cfg(test)]
mod tests {
    use super::feature::*;
    use super::wanted_features;

    #[test]
    fn offloads_are_taken_only_with_what_they_depend_on() {
        let all = CSUM | GUEST_CSUM | MAC | GUEST_TSO4 | HOST_TSO4 | MRG_RXBUF | STATUS | VERSION_1;
        assert_eq!(wanted_features(all | (1 << 17)), all, "no control queue");
        assert_eq!(wanted_features(all & !MRG_RXBUF) & GUEST_TSO4, 0);
        assert_eq!(wanted_features(all & !GUEST_CSUM) & GUEST_TSO4, 0);
        assert_eq!(wanted_features(all & !CSUM) & HOST_TSO4, 0);
        assert_eq!(wanted_features(MAC), MAC);
    }
}
