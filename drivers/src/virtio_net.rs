//! virtio-net (virtio 1.x §5.1, legacy where QEMU's transitional device needs it) as a [`NetDevice`],
//! on top of the `virtio-drivers` crate's raw, non-blocking queue interface.
//!
//! The crate's safe `VirtIONet` blocks on every transmission until the device has consumed it; this driver
//! keeps a ring's worth of transmissions in flight instead. Buffers live on the heap (the kernel's `Hal`
//! shares them with the device in place) and are owned here for their whole life: every buffer handed
//! to the device is kept in a slot indexed by the token the queue returned, so `*_complete` always gets the
//! same buffer back, as the crate's safety contract requires. This is why this module, alone in the crate,
//! may use `unsafe`.
//!
//! Features are whatever `virtio-drivers` negotiates (MAC, STATUS, EVENT_IDX, INDIRECT_DESC, VERSION_1).
//! The link state comes from the `status` field of the device configuration (§5.1.4), read through a
//! [`SharedTransport`] because the crate keeps the transport; a configuration-change interrupt (QEMU's
//! `set_link`) is reported as a link change.
//!
//! Checksum offload (VIRTIO_NET_F_CSUM, VIRTIO_NET_F_GUEST_CSUM) is deliberately not negotiated, so every
//! frame in either direction carries complete checksums and is at most 1514 bytes:
//! * a forwarded packet's checksums are updated incrementally (RFC 1624) for TTL and NAT, at a cost that
//!   does not depend on its length, so there is nothing left for the device to compute;
//! * receive offload would hand the router frames marked NEEDS_CSUM whose checksum is only partial; each
//!   would have to be completed in software before leaving through any port that cannot offload (e1000),
//!   and conntrack could no longer judge a segment's checksum;
//! * transmit offload would only spare the checksum of the router's own packets (ICMP errors, DNS and DHCP
//!   replies), a handful per second.
//!
//! Offload pays off only together with segmentation offload (64 KiB TSO/GSO frames carried through
//! unsegmented), which `virtio-drivers`' fixed 1536-byte buffers cannot carry.
#![allow(unsafe_code)]

use alloc::vec;
use alloc::vec::Vec;

use virtio_drivers::Hal;
use virtio_drivers::device::net::VirtIONetRaw;
use virtio_drivers::transport::{InterruptStatus, Transport};

use crate::net::{Interrupt, NetCounters, NetDevice, TxError};
use crate::shared_transport::SharedTransport;

/// Descriptors per queue (QEMU's virtio-net default queue size).
pub const QUEUE_SIZE: usize = 256;
/// Receive and transmit buffer size: the virtio-net header (10 or 12 bytes) plus the largest untagged or
/// VLAN-tagged Ethernet frame without FCS (1518), rounded up.
const BUFFER_LEN: usize = 1536;
/// VIRTIO_NET_F_STATUS (§5.1.3): the configuration's `status` field is valid.
const FEATURE_STATUS: u64 = 1 << 16;
/// Offset of `status` in `struct virtio_net_config`, after the 6-byte `mac` (§5.1.4).
const CONFIG_STATUS: usize = 6;
/// VIRTIO_NET_S_LINK_UP in `status`.
const STATUS_LINK_UP: u16 = 1;

/// Why a virtio-net device could not be brought up.
#[derive(Debug)]
pub struct VirtioNetError(pub virtio_drivers::Error);

impl core::fmt::Display for VirtioNetError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "virtio-net: {}", self.0)
    }
}

pub struct VirtioNet<H: Hal, T: Transport> {
    raw: VirtIONetRaw<H, SharedTransport<T>, QUEUE_SIZE>,
    /// The transport `raw` drives, for the configuration fields the crate does not expose.
    config: SharedTransport<T>,
    /// Receive buffers the device holds, by token.
    rx_posted: Vec<Option<Vec<u8>>>,
    /// Transmissions in flight, by token: the buffer (header + frame).
    tx_posted: Vec<Option<Vec<u8>>>,
    /// Transmit buffers ready for reuse.
    tx_free: Vec<Vec<u8>>,
    header_len: usize,
    mac: [u8; 6],
    counters: NetCounters,
}

impl<H: Hal, T: Transport> VirtioNet<H, T> {
    /// Negotiates features, sets up both queues and posts a receive buffer in every receive descriptor.
    pub fn new(transport: T) -> Result<Self, VirtioNetError> {
        let config = SharedTransport::new(transport);
        let raw = VirtIONetRaw::<H, _, QUEUE_SIZE>::new(config.clone()).map_err(VirtioNetError)?;
        let mut probe = [0u8; 16];
        let header_len = raw.fill_buffer_header(&mut probe).map_err(VirtioNetError)?;
        let mut device = Self {
            mac: raw.mac_address(),
            raw,
            config,
            rx_posted: (0..QUEUE_SIZE).map(|_| None).collect(),
            tx_posted: (0..QUEUE_SIZE).map(|_| None).collect(),
            tx_free: Vec::new(),
            header_len,
            counters: NetCounters::default(),
        };
        for _ in 0..QUEUE_SIZE {
            device
                .post_rx(vec![0; BUFFER_LEN])
                .map_err(VirtioNetError)?;
        }
        Ok(device)
    }

    /// Gives `buffer` to the device for reception and remembers it under its token.
    fn post_rx(&mut self, mut buffer: Vec<u8>) -> Result<(), virtio_drivers::Error> {
        // SAFETY: the buffer is moved into `rx_posted` right below and not touched until
        // `receive_complete` returns it; a Vec's heap storage does not move when the Vec is moved.
        let token = unsafe { self.raw.receive_begin(&mut buffer)? };
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

    /// Takes back every transmit buffer the device has finished with.
    fn reclaim_tx(&mut self) {
        while let Some(token) = self.raw.poll_transmit() {
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
            // SAFETY: `buffer` is the one passed to `transmit_begin` when it returned `token`.
            match unsafe { self.raw.transmit_complete(token, &buffer) } {
                Ok(_) => self.tx_free.push(buffer),
                Err(_) => {
                    self.counters.tx_errors += 1;
                    // The queue did not release the descriptor; keep the buffer alive with it.
                    core::mem::forget(buffer);
                    return;
                }
            }
        }
    }
}

impl<H: Hal, T: Transport> NetDevice for VirtioNet<H, T> {
    fn mac(&self) -> [u8; 6] {
        self.mac
    }

    /// §5.1.4.2: without VIRTIO_NET_F_STATUS the driver must assume the link is up. A status that cannot
    /// be read counts as down: nothing would get through such a device anyway.
    fn link_up(&mut self) -> bool {
        if self.config.driver_features() & FEATURE_STATUS == 0 {
            return true;
        }
        self.config
            .read_config_space::<u16>(CONFIG_STATUS)
            .is_ok_and(|status| status & STATUS_LINK_UP != 0)
    }

    fn receive(&mut self, budget: usize, deliver: &mut dyn FnMut(&[u8])) -> usize {
        let mut delivered = 0;
        while delivered < budget {
            let Some(token) = self.raw.poll_receive() else {
                break;
            };
            let Some(mut buffer) = self
                .rx_posted
                .get_mut(usize::from(token))
                .and_then(Option::take)
            else {
                self.counters.rx_errors += 1;
                break;
            };
            // SAFETY: `buffer` is the one passed to `receive_begin` when it returned `token`.
            match unsafe { self.raw.receive_complete(token, &mut buffer) } {
                Ok((header_len, frame_len)) => {
                    match buffer.get(header_len..header_len.saturating_add(frame_len)) {
                        Some(frame) if frame_len >= 14 => {
                            self.counters.rx_packets += 1;
                            self.counters.rx_bytes += frame_len as u64;
                            deliver(frame);
                            delivered += 1;
                        }
                        _ => self.counters.rx_errors += 1,
                    }
                }
                Err(_) => self.counters.rx_errors += 1,
            }
            if self.post_rx(buffer).is_err() {
                self.counters.rx_errors += 1;
                break;
            }
        }
        delivered
    }

    fn transmit(&mut self, frame: &[u8]) -> Result<(), TxError> {
        if frame.is_empty() || frame.len() + self.header_len > BUFFER_LEN {
            return Err(TxError::BadLength);
        }
        if !self.raw.can_send() {
            self.reclaim_tx();
            if !self.raw.can_send() {
                self.counters.tx_ring_full += 1;
                return Err(TxError::RingFull);
            }
        }
        let mut buffer = self.tx_free.pop().unwrap_or_else(|| vec![0; BUFFER_LEN]);
        let total = self.header_len + frame.len();
        buffer.resize(total, 0);
        if self.raw.fill_buffer_header(&mut buffer).is_err() {
            self.tx_free.push(buffer);
            return Err(TxError::Device);
        }
        buffer[self.header_len..total].copy_from_slice(frame);
        // SAFETY: the buffer is moved into `tx_posted` below and untouched until `transmit_complete`.
        let token = match unsafe { self.raw.transmit_begin(&buffer) } {
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
        match self.tx_posted.get_mut(usize::from(token)) {
            Some(slot @ None) => *slot = Some(buffer),
            _ => {
                core::mem::forget(buffer);
                self.counters.tx_errors += 1;
                return Err(TxError::Device);
            }
        }
        self.counters.tx_packets += 1;
        self.counters.tx_bytes += frame.len() as u64;
        Ok(())
    }

    fn flush(&mut self) {
        // `transmit_begin` already notified the device when its event index asked for it (EVENT_IDX
        // suppresses the rest); what is left is taking finished buffers back.
        self.reclaim_tx();
    }

    fn set_interrupts(&mut self, enabled: bool) {
        if enabled {
            self.raw.enable_interrupts();
        } else {
            self.raw.disable_interrupts();
        }
    }

    fn ack_interrupt(&mut self) -> Interrupt {
        let status = self.raw.ack_interrupt();
        Interrupt {
            raised: status != InterruptStatus::empty(),
            link_changed: status.contains(InterruptStatus::DEVICE_CONFIGURATION_INTERRUPT),
        }
    }

    fn rx_pending(&mut self) -> bool {
        self.raw.poll_receive().is_some()
    }

    fn counters(&self) -> NetCounters {
        self.counters
    }
}
