//! What evaluating a chain returns: a [`ChainVerdict`] (the decision) and [`Effects`] (what the rules
//! did on the way that the engine must apply to conntrack or know about).

use smoltcp::wire::Ipv4Cidr;

use super::spec::{AddrRange, PortRange, RejectWith, RuleId};
use crate::packet::Mark;

/// The NAT mapping a `nat` rule requests. The engine applies it through conntrack/NAT on the first
/// packet of a connection (RouterOS consults NAT rules only then).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatAction {
    /// `src-nat to-addresses= [to-ports=]`.
    SrcNat {
        to_addresses: AddrRange,
        to_ports: Option<PortRange>,
    },
    /// `masquerade [to-ports=]`: src-nat to the out-interface's address.
    Masquerade { to_ports: Option<PortRange> },
    /// `dst-nat [to-addresses=] [to-ports=]` (at least one is given).
    DstNat {
        to_addresses: Option<AddrRange>,
        to_ports: Option<PortRange>,
    },
    /// `redirect [to-ports=]`: dst-nat to the router itself (the in-interface's address).
    Redirect { to_ports: Option<PortRange> },
    /// `netmap to-addresses=PREFIX`: 1:1 map keeping the host bits (in srcnat: of the source; in dstnat:
    /// of the destination).
    Netmap {
        to_prefix: Ipv4Cidr,
        to_ports: Option<PortRange>,
    },
    /// `same`: like src-nat/dst-nat, but a client always gets the same address from the range.
    Same {
        to_addresses: AddrRange,
        to_ports: Option<PortRange>,
    },
}

/// The decision of a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainVerdict {
    /// `accept`, or the chain fell off its end (implicit accept). In `nat`: no NAT for this connection.
    Accept,
    Drop,
    /// Drop and answer with an ICMP error or a TCP reset.
    Reject(RejectWith),
    /// `tarpit`: hold the TCP connection (answer SYN with a zero-window SYN-ACK).
    Tarpit,
    /// A `nat` rule requested a mapping.
    Nat(NatAction),
    /// `raw` `notrack`: accept and exempt from connection tracking (state `untracked`).
    NoTrack,
}

/// Side effects of the rules that matched, for the engine to apply (marks are also already written into
/// `Packet::meta`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// `mark-connection`: store this connection mark in the conntrack entry.
    pub connection_mark: Option<Mark>,
    /// `mark-packet` (already in `meta.packet_mark`).
    pub packet_mark: Option<Mark>,
    /// `mark-routing` (already in `meta.routing_mark`): route by this table.
    pub routing_mark: Option<Mark>,
    /// `fasttrack-connection` matched: fasttrack the connection if it is established/related TCP/UDP.
    pub fasttrack: bool,
    /// `change-mss=clamp-to-pmtu` matched: the engine clamps the MSS to the route's MTU − 40.
    pub clamp_mss_to_pmtu: bool,
    /// Packet bytes were rewritten by a mangle action (IP checksum already fixed).
    pub packet_modified: bool,
    /// The rule whose action decided the verdict (None: implicit accept).
    pub decided_by: Option<RuleId>,
}

/// Verdict plus effects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub verdict: ChainVerdict,
    pub effects: Effects,
}
