//! Receiving: Ethernet demultiplexing, ARP, IPv4 validation, prerouting hooks and the routing decision
//! between local delivery and forwarding.

use smoltcp::wire::{EthernetFrame, Ipv4Address, Ipv4Packet};

use super::Engine;
use super::stats::bump;
use crate::Instant;
use crate::hooks::{HookContext, HookPoint, Hooks};
use crate::icmp_error::IcmpErrorKind;
use crate::interface::InterfaceId;
use crate::neighbor::ArpStatus;
use crate::offload::{self, FrameOffload};
use crate::packet::{ETHERNET_HEADROOM, MAX_FRAME, Packet};
use crate::reassembly::Reassembly;
use crate::route::Forwarding;
use crate::stage::ethernet::{self, Payload};
use crate::stage::ipv4_ingress;
use crate::trace::{Stage, TraceVerdict};
use crate::verdict::{DropReason, Next};

impl<H: Hooks> Engine<H> {
    /// Processes one frame received on `interface`. Frames to send are queued per interface (see
    /// [`Engine::transmit`]).
    pub fn receive(&mut self, interface: InterfaceId, frame: &[u8], now: Instant) {
        self.receive_offloaded(interface, frame, &FrameOffload::NONE, now);
    }

    /// [`Engine::receive`] for a frame whose NIC left work undone or did some already (`offload`: a
    /// partial or verified transport checksum, a TCP super-frame; see [`crate::offload`]).
    pub fn receive_offloaded(
        &mut self,
        interface: InterfaceId,
        frame: &[u8],
        offload: &FrameOffload,
        now: Instant,
    ) {
        bump(&mut self.stats.received);
        let Some(iface) = self.interfaces.get_mut(interface) else {
            return;
        };
        iface.counters.rx_packets = iface.counters.rx_packets.saturating_add(1);
        iface.counters.rx_bytes = iface.counters.rx_bytes.saturating_add(frame.len() as u64);
        if !iface.is_up() {
            iface.counters.rx_drops = iface.counters.rx_drops.saturating_add(1);
            self.drops.count(DropReason::InterfaceDown);
            return;
        }
        let own_mac = iface.mac;
        let super_frame = offload.tcp_segment_size.is_some() && frame.len() > MAX_FRAME;
        let (buffer, max) = match super_frame {
            true => (
                self.take_super_buffer(),
                ETHERNET_HEADROOM + 4 + offload::MAX_SUPER_PACKET,
            ),
            false => (self.take_buffer(), MAX_FRAME),
        };
        let Some(buffer) = buffer else {
            self.drops.count(DropReason::NoBuffer);
            return;
        };
        let mut packet = Packet::from_frame_up_to(buffer, frame, interface, max);
        match ethernet::classify(&mut packet, own_mac) {
            Err(reason) => self.drop_packet(packet, reason, now),
            Ok(Payload::Arp) => self.receive_arp(packet, own_mac, now),
            Ok(Payload::Ipv4) => self.receive_ipv4(packet, offload, now),
            Ok(Payload::Ipv6) => {
                bump(&mut self.stats.ipv6);
                self.drop_packet(packet, DropReason::Ipv6NotSupported, now);
            }
            Ok(Payload::Tagged { .. }) => self.drop_packet(packet, DropReason::UnknownVlan, now),
            Ok(Payload::Other(_)) => self.drop_packet(packet, DropReason::UnknownEthertype, now),
        }
    }

    fn receive_arp(
        &mut self,
        packet: Packet,
        own_mac: smoltcp::wire::EthernetAddress,
        now: Instant,
    ) {
        bump(&mut self.stats.arp);
        let Some(interface) = packet.meta.in_interface else {
            return self.recycle(packet.into_buffer());
        };
        // Our own announcements looped back by a switch are not conflicts.
        if EthernetFrame::new_unchecked(packet.data()).src_addr() == own_mac {
            return self.recycle(packet.into_buffer());
        }
        let mode = self
            .interfaces
            .get(interface)
            .map(|i| i.arp)
            .unwrap_or_default();
        self.ours.clear();
        self.ours
            .extend(self.addresses.on_interface(interface).map(|a| a.address()));
        let routes = &self.routes;
        // Proxy ARP (RFC 1027): answer for addresses we route out of another interface.
        let proxy_check = |ip: Ipv4Address| matches!(routes.lookup(ip, 0), Some(Forwarding::Unicast { interface: out, .. }) if out != interface);
        let outcome =
            self.neighbors
                .process(interface, packet.l3(), &self.ours, mode, proxy_check, now);
        self.recycle(packet.into_buffer());
        match outcome.status {
            ArpStatus::Malformed => self.drops.count(DropReason::MalformedArp),
            ArpStatus::Conflict { address, mac } => {
                log::warn!("arp: {mac} claims our address {address}");
                self.send_gratuitous(interface, address);
            }
            ArpStatus::Accepted | ArpStatus::Ignored => {}
        }
        if let Some(reply) = outcome.reply {
            self.send_arp(reply.iface, |out| reply.emit(own_mac, out));
        }
        if let Some(released) = outcome.released {
            self.send_released(released, now);
        }
    }

    fn receive_ipv4(&mut self, mut packet: Packet, offload: &FrameOffload, now: Instant) {
        if let Err(reason) = ipv4_ingress::validate(&mut packet) {
            return self.drop_packet(packet, reason, now);
        }
        if *offload != FrameOffload::NONE {
            let l3_offset = packet.meta.l3_offset;
            match offload::accept(packet.l3_mut(), l3_offset, offload) {
                Ok(accepted) => packet.meta.offload = accepted,
                Err(_) => return self.drop_packet(packet, DropReason::BadOffload, now),
            }
            if packet.meta.offload.is_super_frame() {
                bump(&mut self.stats.super_frames);
            }
        }
        // DHCP goes to the router's DHCP services below the firewall (see `link_datagrams`).
        let Some(mut packet) = self.divert_link_datagram(packet, now) else {
            return;
        };
        if self.hooks.wants_whole_datagrams()
            && ipv4_ingress::is_fragment(&Ipv4Packet::new_unchecked(packet.l3()))
        {
            match self.reassemble(packet, now) {
                Some(whole) => packet = whole,
                None => return,
            }
        }
        if let Some(filter) = self.trace.filter() {
            let ip = Ipv4Packet::new_unchecked(packet.l3());
            packet.meta.traced =
                filter.matches(packet.meta.in_interface, ip.src_addr(), ip.dst_addr());
        }
        self.trace_packet(&packet, Stage::Ipv4Ingress, TraceVerdict::Continue, now);
        let Some(mut packet) = self.fast_forward(packet, now) else {
            return;
        };
        if !self.run_hooks(&HookPoint::PREROUTING, &mut packet, now) {
            return;
        }
        self.route_input(packet, now);
    }

    /// Defrag (RFC 791 reassembly, as netfilter does before connection tracking): returns the whole
    /// datagram once its last fragment arrived, None while fragments are held or when they were refused.
    fn reassemble(&mut self, fragment: Packet, now: Instant) -> Option<Packet> {
        let Some(mut buffer) = self.take_buffer() else {
            self.drop_packet(fragment, DropReason::NoBuffer, now);
            return None;
        };
        buffer.clear();
        // The Ethernet header of the fragment that completed the datagram stays in front (src-mac rules).
        let l3_offset = fragment.meta.l3_offset;
        match l3_offset
            .checked_sub(ETHERNET_HEADROOM)
            .and_then(|start| fragment.data().get(start..l3_offset))
        {
            Some(header) => buffer.extend_from_slice(header),
            None => buffer.resize(ETHERNET_HEADROOM, 0),
        }
        match self.reassembler.push(fragment.l3(), now, &mut buffer) {
            Reassembly::NotFragment => {
                self.recycle(buffer);
                Some(fragment)
            }
            Reassembly::Complete { max_fragment_len } => {
                let meta = fragment.meta;
                self.recycle(fragment.into_buffer());
                let mut whole = Packet::from_ip_with_headroom(buffer);
                whole.meta.in_interface = meta.in_interface;
                whole.meta.link_broadcast = meta.link_broadcast;
                whole.meta.vlan = meta.vlan;
                whole.meta.max_fragment_len = max_fragment_len;
                if let Err(reason) = ipv4_ingress::validate(&mut whole) {
                    self.drop_packet(whole, reason, now);
                    return None;
                }
                bump(&mut self.stats.reassembled);
                Some(whole)
            }
            Reassembly::Pending => {
                self.recycle(buffer);
                self.recycle(fragment.into_buffer());
                None
            }
            Reassembly::Dropped(_) => {
                self.recycle(buffer);
                self.drop_packet(fragment, DropReason::Reassembly, now);
                None
            }
        }
    }

    /// Runs `points` in order; false when a hook consumed the packet (dropped or rejected it).
    pub(super) fn run_hooks(
        &mut self,
        points: &[HookPoint],
        packet: &mut Packet,
        now: Instant,
    ) -> bool {
        for &point in points {
            if packet.meta.fasttracked && point.skipped_by_fasttrack() {
                continue;
            }
            let context = HookContext {
                interfaces: &self.interfaces,
                lists: &self.lists,
                addresses: &self.addresses,
            };
            match self.hooks.run(point, packet, &context, now) {
                Next::Continue | Next::Local => {}
                Next::Drop(reason) => {
                    self.trace_packet(packet, Stage::Hook(point), TraceVerdict::Drop(reason), now);
                    let taken = core::mem::replace(packet, Packet::placeholder());
                    self.discard(taken, reason);
                    return false;
                }
                Next::Reject(reason, kind) => {
                    let taken = core::mem::replace(packet, Packet::placeholder());
                    self.reject(taken, Stage::Hook(point), reason, kind, now);
                    return false;
                }
                Next::AnswerTcp(reason, answer) => {
                    self.trace_packet(
                        packet,
                        Stage::Hook(point),
                        TraceVerdict::Reject(reason),
                        now,
                    );
                    let taken = core::mem::replace(packet, Packet::placeholder());
                    self.answer_tcp(taken, reason, answer, now);
                    return false;
                }
            }
        }
        true
    }

    /// The routing decision for a received packet (RFC 1812 §5.2.1, §5.3.5): ours → local delivery;
    /// otherwise forward along the route, unless it may not be forwarded.
    fn route_input(&mut self, packet: Packet, now: Instant) {
        let dst = Ipv4Packet::new_unchecked(packet.l3()).dst_addr();
        match self.input_route(dst, packet.meta.link_broadcast, packet.meta.flow_hash) {
            InputRoute::Local => self.deliver_local(packet, now),
            InputRoute::Drop(reason) => self.drop_packet(packet, reason, now),
            InputRoute::Reject(reason, kind) => {
                self.reject(packet, Stage::Routing, reason, kind, now)
            }
            InputRoute::Forward {
                interface,
                next_hop,
                pref_src,
            } => {
                let mut packet = packet;
                packet.meta.out_interface = Some(interface);
                packet.meta.next_hop = Some(next_hop);
                packet.meta.pref_src = pref_src;
                self.trace_packet(
                    &packet,
                    Stage::Routing,
                    TraceVerdict::Routed(interface, next_hop),
                    now,
                );
                self.forward(packet, now);
            }
        }
    }

    /// What [`Engine::route_input`] does with a packet to `dst` (shared with the FastTrack fast path).
    pub(super) fn input_route(
        &self,
        dst: Ipv4Address,
        link_broadcast: bool,
        flow_hash: u32,
    ) -> InputRoute {
        if self.addresses.is_local(dst)
            || dst.is_broadcast()
            || dst.is_multicast()
            || self.addresses.is_directed_broadcast(dst)
        {
            return InputRoute::Local;
        }
        if link_broadcast {
            // RFC 1812 §5.3.5: a unicast IP packet in a link-layer broadcast is not forwarded.
            return InputRoute::Drop(DropReason::NotForwardable);
        }
        if is_martian_destination(dst) {
            return InputRoute::Drop(DropReason::MartianDestination);
        }
        match self.routes.lookup(dst, flow_hash) {
            None => InputRoute::Reject(DropReason::NoRoute, IcmpErrorKind::NetUnreachable),
            Some(Forwarding::Blackhole) => InputRoute::Drop(DropReason::Blackhole),
            Some(Forwarding::Unreachable) => {
                InputRoute::Reject(DropReason::RouteUnreachable, IcmpErrorKind::NetUnreachable)
            }
            Some(Forwarding::Prohibit) => {
                InputRoute::Reject(DropReason::RouteUnreachable, IcmpErrorKind::AdminProhibited)
            }
            Some(Forwarding::Unicast {
                interface,
                next_hop,
                pref_src,
                ..
            }) => InputRoute::Forward {
                interface,
                next_hop,
                pref_src,
            },
        }
    }

    /// Input hooks, then the router's own stack (which gets whole checksums and MTU-sized segments).
    fn deliver_local(&mut self, mut packet: Packet, now: Instant) {
        self.trace_packet(&packet, Stage::LocalDelivery, TraceVerdict::Local, now);
        if !self.run_hooks(&HookPoint::INPUT, &mut packet, now) {
            return;
        }
        if packet.meta.offload.is_super_frame() {
            for segment in self.segment(packet, now) {
                self.deliver_to_stack(segment, now);
            }
            return;
        }
        self.complete_checksum(&mut packet);
        // Answers to `/ping` and `/tool traceroute` go to the tools, not the stack (`tools`).
        if self.take_for_tools(packet.l3(), now) {
            return self.recycle(packet.into_buffer());
        }
        self.deliver_to_stack(packet, now);
    }

    fn deliver_to_stack(&mut self, packet: Packet, now: Instant) {
        if !self.local.deliver(packet.l3()) {
            return self.drop_packet(packet, DropReason::LocalUndeliverable, now);
        }
        bump(&mut self.stats.delivered_local);
        self.recycle(packet.into_buffer());
        self.run_local_stack(now);
    }
}

/// The routing decision for a received packet.
pub(super) enum InputRoute {
    Local,
    Drop(DropReason),
    Reject(DropReason, IcmpErrorKind),
    Forward {
        interface: InterfaceId,
        next_hop: Ipv4Address,
        pref_src: Option<Ipv4Address>,
    },
}

/// Destinations never forwarded (RFC 1812 §5.3.7): 0/8, 127/8 and 240/4.
fn is_martian_destination(dst: Ipv4Address) -> bool {
    let [first, ..] = dst.octets();
    first == 0 || first == 127 || first >= 240
}
