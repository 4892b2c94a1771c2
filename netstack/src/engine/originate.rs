//! Packets the router sends itself: what its stack emits, and ICMP errors (RFC 1812 §4.3.2).

use smoltcp::wire::Ipv4Packet;

use super::Engine;
use super::stats::bump;
use crate::Instant;
use crate::hooks::{HookPoint, Hooks};
use crate::icmp_error::{self, ErrorContext, IcmpErrorKind, MAX_ERROR_PACKET_LEN};
use crate::packet::Packet;
use crate::route::Forwarding;
use crate::stage::ipv4_ingress;
use crate::tcp_answer;
use crate::trace::{Stage, TraceVerdict};
use crate::verdict::{DropReason, TcpAnswer};

/// Packets taken from the local stack per call, so one call stays bounded.
const LOCAL_OUTPUT_BUDGET: usize = 256;

impl<H: Hooks> Engine<H> {
    /// Lets the local stack run and sends what it produced.
    pub(super) fn run_local_stack(&mut self, now: Instant) {
        self.local.poll(now);
        let mut bytes = core::mem::take(&mut self.local_scratch);
        for _ in 0..LOCAL_OUTPUT_BUDGET {
            if !self.local.take_outgoing(&mut bytes) {
                break;
            }
            let Some(buffer) = self.take_buffer() else {
                self.drops.count(DropReason::NoBuffer);
                continue;
            };
            let packet = Packet::from_ip(buffer, &bytes);
            self.originate(packet, now);
        }
        self.local_scratch = bytes;
    }

    /// Routes a packet the router made: to itself (loopback), or out through output and postrouting.
    pub(super) fn originate(&mut self, mut packet: Packet, now: Instant) {
        bump(&mut self.stats.originated);
        let Ok(ip) = Ipv4Packet::new_checked(packet.l3()) else {
            return self.drop_packet(packet, DropReason::MalformedIpv4, now);
        };
        let (src, dst, protocol) = (ip.src_addr(), ip.dst_addr(), ip.next_header());
        packet.meta.flow_hash = ipv4_ingress::flow_hash(src, dst, protocol, 0);
        if self.addresses.is_local(dst) {
            // To ourselves: straight back into the stack (it is polled again by the caller's next run),
            // or to the tools when it answers a ping of the router's own address (`tools`).
            if self.take_for_tools(packet.l3(), now) {
                return self.recycle(packet.into_buffer());
            }
            let delivered = self.local.deliver(packet.l3());
            if !delivered {
                return self.drop_packet(packet, DropReason::LocalUndeliverable, now);
            }
            return self.recycle(packet.into_buffer());
        }
        match self.routes.lookup(dst, packet.meta.flow_hash) {
            Some(Forwarding::Unicast {
                interface,
                next_hop,
                pref_src,
                ..
            }) => {
                packet.meta.out_interface = Some(interface);
                packet.meta.next_hop = Some(next_hop);
                packet.meta.pref_src = pref_src;
            }
            Some(Forwarding::Blackhole) => {
                return self.drop_packet(packet, DropReason::Blackhole, now);
            }
            Some(_) => return self.drop_packet(packet, DropReason::RouteUnreachable, now),
            None => return self.drop_packet(packet, DropReason::NoRoute, now),
        }
        self.trace_packet(&packet, Stage::LocalOutput, TraceVerdict::Continue, now);
        if !self.run_hooks(&HookPoint::OUTPUT, &mut packet, now) {
            return;
        }
        self.postrouting(packet, now);
    }

    /// Drops `packet` and tells its sender why with an ICMP error — unless RFC 1812 §4.3.2.7 forbids an
    /// error about this packet or the rate limit (§4.3.2.8) holds it back.
    /// `stage` is the stage that refused the packet, for the trace.
    pub(super) fn reject(
        &mut self,
        packet: Packet,
        stage: Stage,
        reason: DropReason,
        kind: IcmpErrorKind,
        now: Instant,
    ) {
        self.trace_packet(&packet, stage, TraceVerdict::Reject(reason), now);
        self.send_icmp_error(&packet, kind, now);
        self.discard(packet, reason);
    }

    /// Drops a TCP segment and answers it on behalf of its destination (`reject-with=tcp-reset`,
    /// `tarpit`), within the same rate limit as ICMP errors.
    pub(super) fn answer_tcp(
        &mut self,
        packet: Packet,
        reason: DropReason,
        answer: TcpAnswer,
        now: Instant,
    ) {
        let mut bytes = [0u8; tcp_answer::ANSWER_LEN];
        let built = match answer {
            TcpAnswer::Reset => tcp_answer::build_tcp_reset(packet.l3(), &mut bytes),
            TcpAnswer::Tarpit => tcp_answer::build_tarpit(packet.l3(), &mut bytes),
        };
        if let Some(len) = built
            && self.icmp_limit.allow(now)
            && let Some(buffer) = self.take_buffer()
        {
            let reply = Packet::from_ip(buffer, &bytes[..len]);
            self.originate(reply, now);
        }
        // run_hooks traced the decision.
        self.discard(packet, reason);
    }

    pub(super) fn send_icmp_error(
        &mut self,
        offending: &Packet,
        kind: IcmpErrorKind,
        now: Instant,
    ) {
        // The error is about the packet as its sender sent it: undo any NAT already applied (a copy, on
        // this rare path only), so it goes back to the sender and quotes what the sender knows.
        let mut quoted = core::mem::take(&mut self.quote_scratch);
        quoted.clear();
        quoted.extend_from_slice(offending.l3());
        self.hooks.restore_pre_nat(&mut quoted, offending.meta.conn);
        self.send_icmp_error_about(offending, &quoted, kind, now);
        self.quote_scratch = quoted;
    }

    fn send_icmp_error_about(
        &mut self,
        offending: &Packet,
        quoted: &[u8],
        kind: IcmpErrorKind,
        now: Instant,
    ) {
        let Ok(ip) = Ipv4Packet::new_checked(quoted) else {
            return;
        };
        let (src, dst) = (ip.src_addr(), ip.dst_addr());
        // The error leaves towards the offender; its source is our address on the interface the offending
        // packet came in on (RFC 1812 §4.3.2.4), or the route's preferred source for our own packets.
        let source = match offending.meta.in_interface {
            Some(interface) => self.addresses.source_for(interface, src),
            None => self.source_address_for(src),
        };
        let Some(source) = source else { return };
        let context = ErrorContext {
            link_broadcast: offending.meta.link_broadcast,
            directed_broadcast: self.addresses.is_directed_broadcast(dst),
            ident: self.icmp_ident,
        };
        let out = &mut self.icmp_scratch;
        out.resize(MAX_ERROR_PACKET_LEN, 0);
        let Ok(len) = icmp_error::build_icmp_error(quoted, kind, source, &context, out) else {
            bump(&mut self.stats.icmp_errors_suppressed);
            return;
        };
        if !self.icmp_limit.allow(now) {
            bump(&mut self.stats.icmp_errors_rate_limited);
            return;
        }
        self.icmp_ident = self.icmp_ident.wrapping_add(1);
        let buffer = self.take_buffer();
        let error = self.icmp_scratch.get(..len).unwrap_or(&[]);
        let packet = buffer.map(|b| Packet::from_ip(b, error));
        let Some(packet) = packet else {
            self.drops.count(DropReason::NoBuffer);
            return;
        };
        bump(&mut self.stats.icmp_errors_sent);
        self.originate(packet, now);
    }
}
