//! Sending: forwarding (TTL), postrouting hooks, MTU and fragmentation, neighbour resolution and the
//! per-interface transmit queues.

use alloc::vec::Vec;

use smoltcp::wire::{EthernetAddress, EthernetProtocol, Ipv4Address};

use super::stats::bump;
use super::{Engine, TxFrame};
use crate::Instant;
use crate::checksum::{self, TtlError};
use crate::fragment::{self, FragmentError};
use crate::hooks::{HookPoint, Hooks};
use crate::icmp_error::IcmpErrorKind;
use crate::interface::InterfaceId;
use crate::neighbor::{ArpRequest, EnqueueResult, QueueDropReason, build_gratuitous};
use crate::offload::{self, FrameOffload, Offload, OffloadCaps};
use crate::packet::{ETHERNET_HEADROOM, Packet};
use crate::trace::{Stage, TraceVerdict};
use crate::verdict::DropReason;

impl<H: Hooks> Engine<H> {
    /// Forwards a routed packet (RFC 1812 §5.3.1): TTL, forward hooks, postrouting.
    pub(super) fn forward(&mut self, mut packet: Packet, now: Instant) {
        match checksum::decrement_ttl(packet.l3_mut()) {
            Ok(_) => {}
            Err(TtlError::Expired { .. }) => {
                return self.reject(
                    packet,
                    Stage::Forward,
                    DropReason::TtlExceeded,
                    IcmpErrorKind::TtlExceeded,
                    now,
                );
            }
            Err(TtlError::Malformed) => {
                return self.drop_packet(packet, DropReason::MalformedIpv4, now);
            }
        }
        if !self.run_hooks(&HookPoint::FORWARD, &mut packet, now) {
            return;
        }
        bump(&mut self.stats.forwarded);
        self.trace_packet(&packet, Stage::Forward, TraceVerdict::Continue, now);
        self.postrouting(packet, now);
    }

    /// Postrouting hooks, then the outgoing interface's MTU: fragments packets without DF that are too
    /// big, refuses those with DF (Fragmentation Needed with the next-hop MTU, RFC 1191 §4).
    pub(super) fn postrouting(&mut self, mut packet: Packet, now: Instant) {
        if !self.run_hooks(&HookPoint::POSTROUTING, &mut packet, now) {
            return;
        }
        let Some(out) = packet.meta.out_interface else {
            return self.drop_packet(packet, DropReason::NoRoute, now);
        };
        let mtu = match self.interfaces.get(out) {
            Some(interface) if interface.is_up() => interface.mtu,
            _ => return self.drop_packet(packet, DropReason::OutInterfaceDown, now),
        };
        // A reassembled datagram leaves in fragments no larger than the ones it came in (Linux
        // `frag_max_size`), so reassembly never makes a path's packets bigger.
        let mtu = match packet.meta.max_fragment_len {
            0 => mtu,
            largest => mtu.min(largest),
        };
        self.fit_and_send(packet, mtu, now);
    }

    /// Sends a packet that fits `mtu`; fragments one that does not (completing a partial checksum
    /// first: fragments cannot have one) or refuses it when it has DF. A super-frame whose segments do
    /// not fit is refused the same way, or cut into segments that are fitted one by one.
    fn fit_and_send(&mut self, mut packet: Packet, mtu: u16, now: Instant) {
        if offload::wire_len(packet.l3(), &packet.meta.offload) <= usize::from(mtu) {
            return self.resolve_and_send(packet, now);
        }
        if packet.meta.offload.is_super_frame() {
            let dont_fragment = packet.l3().get(6).is_some_and(|flags| flags & 0x40 != 0);
            if dont_fragment {
                return self.reject(
                    packet,
                    Stage::Fragment,
                    DropReason::FragmentationNeeded,
                    IcmpErrorKind::FragmentationNeeded { next_hop_mtu: mtu },
                    now,
                );
            }
            for segment in self.segment(packet, now) {
                self.fit_and_send(segment, mtu, now);
            }
            return;
        }
        self.complete_checksum(&mut packet);
        self.fragment_and_send(packet, mtu, now);
    }

    /// Completes a packet's partial transport checksum in software, counted.
    pub(super) fn complete_checksum(&mut self, packet: &mut Packet) {
        if offload::complete_packet(packet) {
            bump(&mut self.stats.checksums_completed);
        }
    }

    /// Cuts a super-frame into its segments (complete packets with the same annotations, no offload
    /// left); segments that get no buffer are dropped (`NoBuffer`), a super-frame that cannot be cut
    /// is dropped (`BadOffload`).
    pub(super) fn segment(&mut self, packet: Packet, now: Instant) -> Vec<Packet> {
        let mut out = Vec::new();
        let Some(segments) = offload::Segments::new(packet.l3(), packet.meta.offload.segment_size)
        else {
            self.drop_packet(packet, DropReason::BadOffload, now);
            return out;
        };
        bump(&mut self.stats.super_frames_segmented);
        let meta = crate::packet::Meta {
            l3_offset: ETHERNET_HEADROOM,
            l4_offset: packet
                .meta
                .l4_offset
                .map(|l4| l4 - packet.meta.l3_offset + ETHERNET_HEADROOM),
            offload: Offload::default(),
            ..packet.meta
        };
        for index in 0..segments.count() {
            let Some(mut buffer) = self.take_buffer() else {
                self.drops.count(DropReason::NoBuffer);
                continue;
            };
            buffer.clear();
            buffer.resize(ETHERNET_HEADROOM, 0);
            if !segments.write(index, &mut buffer) {
                self.recycle(buffer);
                continue;
            }
            let mut segment = Packet::from_ip_with_headroom(buffer);
            segment.meta = meta;
            bump(&mut self.stats.segments_made);
            out.push(segment);
        }
        self.recycle(packet.into_buffer());
        out
    }

    fn fragment_and_send(&mut self, packet: Packet, mtu: u16, now: Instant) {
        let mut fragments = alloc::vec::Vec::new();
        let result = fragment::fragment(packet.l3(), mtu, &mut self.fragment_scratch, |bytes| {
            fragments.push(alloc::vec::Vec::from(bytes));
        });
        match result {
            Ok(_) => {
                let meta = packet.meta;
                self.recycle(packet.into_buffer());
                for bytes in fragments {
                    let Some(buffer) = self.take_buffer() else {
                        self.drops.count(DropReason::NoBuffer);
                        continue;
                    };
                    let mut fragment = Packet::from_ip(buffer, &bytes);
                    fragment.meta = crate::packet::Meta {
                        l3_offset: ETHERNET_HEADROOM,
                        ..meta
                    };
                    bump(&mut self.stats.fragments);
                    self.resolve_and_send(fragment, now);
                }
            }
            Err(FragmentError::DontFragment) => self.reject(
                packet,
                Stage::Fragment,
                DropReason::FragmentationNeeded,
                IcmpErrorKind::FragmentationNeeded { next_hop_mtu: mtu },
                now,
            ),
            Err(_) => self.drop_packet(packet, DropReason::FragmentationFailed, now),
        }
    }

    /// Finds the next hop's MAC (queueing the packet while ARP resolves it) and sends.
    pub(super) fn resolve_and_send(&mut self, packet: Packet, now: Instant) {
        let (Some(out), Some(next_hop)) = (packet.meta.out_interface, packet.meta.next_hop) else {
            return self.drop_packet(packet, DropReason::NoRoute, now);
        };
        let mode = self.interfaces.get(out).map(|i| i.arp).unwrap_or_default();
        match self.neighbors.enqueue(out, next_hop, packet, mode, now) {
            EnqueueResult::Resolved(mac, packet) => self.transmit_to(packet, mac, now),
            EnqueueResult::Queued { request, dropped } => {
                if let Some(request) = request {
                    self.send_arp_request(request);
                }
                if let Some(dropped) = dropped {
                    self.drop_packet(dropped, DropReason::NeighborQueueFull, now);
                }
            }
            EnqueueResult::Dropped(packet, QueueDropReason::TableFull) => {
                self.drop_packet(packet, DropReason::NeighborQueueFull, now)
            }
            EnqueueResult::Dropped(packet, _) => self.reject(
                packet,
                Stage::Neighbor,
                DropReason::NeighborUnreachable,
                IcmpErrorKind::HostUnreachable,
                now,
            ),
        }
    }

    /// Puts the Ethernet header in front of the packet and queues the frame on its outgoing interface,
    /// leaving to the NIC only the offload work it can do (the engine segments and completes the rest).
    pub(super) fn transmit_to(
        &mut self,
        mut packet: Packet,
        dst_mac: EthernetAddress,
        now: Instant,
    ) {
        let Some(out) = packet.meta.out_interface else {
            return self.drop_packet(packet, DropReason::NoRoute, now);
        };
        let Some((src_mac, caps)) = self
            .interfaces
            .get(out)
            .filter(|i| i.is_up())
            .map(|i| (i.mac, i.offload))
        else {
            return self.drop_packet(packet, DropReason::OutInterfaceDown, now);
        };
        let Some(frame_offload) = self.egress_offload(&mut packet, caps) else {
            for segment in self.segment(packet, now) {
                self.transmit_to(segment, dst_mac, now);
            }
            return;
        };
        let mut header = [0u8; 14];
        header[..6].copy_from_slice(&dst_mac.0);
        header[6..12].copy_from_slice(&src_mac.0);
        header[12..].copy_from_slice(&u16::from(EthernetProtocol::Ipv4).to_be_bytes());
        let Some(len) = packet.frame_with_header(&header).map(<[u8]>::len) else {
            return self.drop_packet(packet, DropReason::MalformedFrame, now);
        };
        self.trace_packet(&packet, Stage::Egress, TraceVerdict::Sent(out), now);
        let start = packet.meta.l3_offset - 14;
        self.enqueue_frame(
            out,
            TxFrame {
                buffer: packet.into_buffer(),
                start,
                offload: frame_offload,
            },
            len,
        );
    }

    /// What the NIC of a port with `caps` is to finish for `packet`; the engine completes a partial
    /// checksum the port cannot. None: a super-frame the port cannot segment (the caller segments it).
    fn egress_offload(&mut self, packet: &mut Packet, caps: OffloadCaps) -> Option<FrameOffload> {
        let offload = packet.meta.offload;
        if offload.is_super_frame() {
            return match caps.tcp4_segmentation {
                true => {
                    offload::prepare_tso(packet.l3_mut(), ETHERNET_HEADROOM, offload.segment_size)
                }
                false => None,
            };
        }
        if offload.is_partial()
            && caps.checksum
            && let Some(frame) = offload::partial_frame_offload(packet.l3(), ETHERNET_HEADROOM)
        {
            return Some(frame);
        }
        self.complete_checksum(packet);
        Some(FrameOffload::NONE)
    }

    /// Queues a finished frame; counts it as a tx drop when the queue is full.
    pub(super) fn enqueue_frame(&mut self, out: InterfaceId, frame: TxFrame, len: usize) {
        let limit = self.config.tx_queue_len;
        let (Some(queue), Some(interface)) = (
            self.tx.get_mut(usize::from(out.0)),
            self.interfaces.get_mut(out),
        ) else {
            return self.recycle(frame.buffer);
        };
        if queue.len() >= limit {
            interface.counters.tx_drops = interface.counters.tx_drops.saturating_add(1);
            self.drops.count(DropReason::TxQueueFull);
            return self.recycle(frame.buffer);
        }
        interface.counters.tx_packets = interface.counters.tx_packets.saturating_add(1);
        interface.counters.tx_bytes = interface.counters.tx_bytes.saturating_add(len as u64);
        queue.push_back(frame);
        bump(&mut self.stats.transmitted);
    }

    /// Builds an ARP frame with `build` into a fresh buffer and queues it on `interface`.
    pub(super) fn send_arp(
        &mut self,
        interface: InterfaceId,
        build: impl FnOnce(&mut [u8]) -> Option<usize>,
    ) {
        let Some(mut buffer) = self.take_buffer() else {
            self.drops.count(DropReason::NoBuffer);
            return;
        };
        buffer.clear();
        buffer.resize(64, 0);
        match build(&mut buffer) {
            Some(len) => {
                buffer.truncate(len);
                let frame = TxFrame {
                    buffer,
                    start: 0,
                    offload: FrameOffload::NONE,
                };
                self.enqueue_frame(interface, frame, len);
            }
            None => self.recycle(buffer),
        }
    }

    pub(super) fn send_arp_request(&mut self, request: ArpRequest) {
        let Some(mac) = self.interfaces.get(request.iface).map(|i| i.mac) else {
            return;
        };
        let Some(source) = self.addresses.source_for(request.iface, request.target_ip) else {
            return;
        };
        self.send_arp(request.iface, |out| request.emit(mac, source, out));
    }

    pub(super) fn send_gratuitous(&mut self, interface: InterfaceId, address: Ipv4Address) {
        let Some(mac) = self.interfaces.get(interface).map(|i| i.mac) else {
            return;
        };
        self.send_arp(interface, |out| build_gratuitous(mac, address, out));
    }

    /// The source address for a packet the router originates towards `dst` out of `out`.
    pub(super) fn source_address(
        &self,
        out: InterfaceId,
        dst: Ipv4Address,
        pref_src: Option<Ipv4Address>,
    ) -> Option<Ipv4Address> {
        pref_src.or_else(|| self.addresses.source_for(out, dst))
    }
}
