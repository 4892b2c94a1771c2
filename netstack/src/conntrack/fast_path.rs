//! The table's part of the FastTrack fast path (`engine::fast_path`): recognising a packet that
//! [`Conntrack::process`] would only count, and counting it.
//!
//! [`Conntrack::fast_lookup`] accepts exactly the packets for which `process` would take its FastTrack
//! branch and report the connection `established` with the FastTrack mark: a well-formed, unfragmented
//! TCP segment with none of SYN, FIN or RST (and flags Linux's `tcp_valid_flags` allows) on a
//! connection in TCP state `established`, or a UDP datagram; the connection confirmed, not expired,
//! FastTracked, and either the packet in the reply direction or a reply already seen. Everything else
//! returns `None` and goes down the full path, which is also where expired entries are removed. It
//! changes nothing, so the caller may still decide on the full path afterwards.
//!
//! [`Conntrack::fast_account`] then does what `process` would have done to the entry: the timeout
//! refresh (`tcp-established-timeout`; UDP as in `process`), packet and byte counters of the direction,
//! the seen-reply and assured bits, and for TCP the mark that the windows went stale.

use smoltcp::time::Instant;

use super::entry::dir_index;
use super::parse::{self, PlainL4};
use super::{Conntrack, TcpState, deadline, index, ms, status};
use crate::flow::{ConnFacts, ConnId, ConnState, Direction};

/// A packet [`Conntrack::fast_lookup`] accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FastFlow {
    pub id: ConnId,
    pub direction: Direction,
}

impl Conntrack {
    /// See the module docs. Read-only.
    pub(crate) fn fast_lookup(&self, l3: &[u8], now: Instant) -> Option<FastFlow> {
        let plain = parse::plain(l3)?;
        let (slot, direction) = index::find(&self.index, &self.slots, &self.keys, &plain.tuple)?;
        let c = self.slots.get(slot as usize)?;
        let established = direction == Direction::Reply || c.has(status::SEEN_REPLY);
        let usable = c.deadline_ms > ms(now)
            && c.has(status::FASTTRACK)
            && established
            && match plain.l4 {
                PlainL4::Tcp => c.tcp.state == TcpState::Established,
                PlainL4::Udp => true,
            };
        usable.then(|| FastFlow {
            id: self.id_of(slot),
            direction,
        })
    }

    /// Counts a packet of `ip_len` bytes that [`Conntrack::fast_lookup`] accepted (with no change to
    /// the table since) and returns what `process` would have said about it.
    pub(crate) fn fast_account(
        &mut self,
        flow: FastFlow,
        ip_len: u16,
        now: Instant,
    ) -> Option<ConnFacts> {
        let slot = self.slot_of(flow.id)?;
        let settings = &self.settings;
        let c = self.slots.get_mut(slot as usize)?;
        let seen_reply = c.has(status::SEEN_REPLY);
        let timeout = if c.tuples[0].protocol == parse::PROTO_TCP {
            c.status |= status::WINDOWS_STALE;
            settings.tcp_established_timeout
        } else if seen_reply {
            c.status |= status::ASSURED;
            settings.udp_stream_timeout
        } else {
            settings.udp_timeout
        };
        c.deadline_ms = deadline(now, timeout);
        let d = dir_index(flow.direction);
        if let Some(n) = c.packets.get_mut(d) {
            *n = n.saturating_add(1);
        }
        if let Some(b) = c.bytes.get_mut(d) {
            *b = b.saturating_add(u64::from(ip_len));
        }
        if flow.direction == Direction::Reply {
            c.status |= status::SEEN_REPLY;
        }
        Some(self.facts(slot, ConnState::Established, flow.direction))
    }
}
