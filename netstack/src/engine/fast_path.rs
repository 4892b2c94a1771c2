//! The FastTrack fast path (Linux's flowtable, RouterOS's FastTrack): a received packet of a
//! FastTracked connection goes from IPv4 ingress straight to the neighbour stage.
//!
//! The full path runs such a packet through the prerouting hooks, the routing decision, TTL, the
//! (skipped) forward hooks, the postrouting hooks and the MTU check, paying a hook dispatch, a parse
//! and a connection lookup per hook point. Here the hooks are asked once ([`Hooks::fast_path`],
//! read-only) whether the packet is one they would only track, NAT and count; the engine then makes
//! the same routing decision on the post-NAT destination ([`Engine::input_route`]) and checks what
//! could make the full path do anything but forward it unchanged — TTL about to expire, a packet
//! larger than the outgoing MTU, an interface down, local delivery, any refusal by routing, a traced
//! or link-broadcast packet, a reassembled datagram. Any of those sends the packet down the full path
//! untouched, which produces its ICMP error, fragments, drop counter or trace records as before. Only
//! then do the hooks commit ([`Hooks::fast_path_commit`]: connection counters and timeout, NAT, the
//! fasttrack counters), the TTL is decremented and the packet joins the full path at neighbour
//! resolution, so neighbour state, queues and interface counters behave as for any forwarded packet.
//!
//! Nothing is cached between packets: every routing, address, interface, neighbour, rule or
//! connection change applies to the next packet as it does on the full path, with no invalidation to
//! get wrong.
//!
//! Measured (`cargo bench -p netstack --bench stateful -- --quick --only fasttrack` under callgrind,
//! `Engine::receive` + `Engine::transmit` per packet): an established masqueraded TCP flow with 20
//! filter rules and FastTrack, 2910 → 2107 instructions per packet (~175 → ~145 ns). What remains is
//! mostly shared with plain forwarding (~1260 instructions: copy-in, IPv4 validation, routing,
//! neighbour lookup, egress) plus the tuple parse and table lookup (~300) and the NAT rewrite (~240).
//! A firewall that never FastTracked a connection skips the lookup here, so connections without
//! FastTrack pay nothing for it.

use super::Engine;
use super::input::InputRoute;
use super::stats::bump;
use crate::Instant;
use crate::checksum::{self, TtlError};
use crate::hooks::Hooks;
use crate::offload;
use crate::packet::Packet;
use crate::verdict::DropReason;

impl<H: Hooks> Engine<H> {
    /// Forwards `packet` on the fast path when the hooks and the engine agree it may; otherwise gives it
    /// back unchanged for the full path.
    pub(super) fn fast_forward(&mut self, mut packet: Packet, now: Instant) -> Option<Packet> {
        let meta = &packet.meta;
        if meta.traced || meta.link_broadcast || meta.max_fragment_len != 0 {
            return Some(packet);
        }
        // TTL 0 or 1: the full path answers with Time Exceeded.
        if packet.l3().get(8).is_none_or(|&ttl| ttl <= 1) {
            return Some(packet);
        }
        let Some(fast) = self.hooks.fast_path(&packet, now) else {
            return Some(packet);
        };
        let InputRoute::Forward {
            interface,
            next_hop,
            pref_src,
        } = self.input_route(fast.dst, false, packet.meta.flow_hash)
        else {
            return Some(packet);
        };
        let fits = self.interfaces.get(interface).is_some_and(|i| {
            i.is_up() && offload::wire_len(packet.l3(), &packet.meta.offload) <= usize::from(i.mtu)
        });
        if !fits {
            return Some(packet);
        }
        self.hooks.fast_path_commit(&mut packet, &fast, now);
        match checksum::decrement_ttl(packet.l3_mut()) {
            Ok(_) => {}
            // Checked above; the header was validated at ingress.
            Err(TtlError::Expired { .. } | TtlError::Malformed) => {
                self.drop_packet(packet, DropReason::MalformedIpv4, now);
                return None;
            }
        }
        packet.meta.out_interface = Some(interface);
        packet.meta.next_hop = Some(next_hop);
        packet.meta.pref_src = pref_src;
        bump(&mut self.stats.forwarded);
        bump(&mut self.stats.fast_forwarded);
        self.resolve_and_send(packet, now);
        None
    }
}
