//! What a stage decides about a packet, and the drop counters.
//!
//! Every stage returns a [`Next`]; the engine moves the packet on accordingly. Drops carry a
//! [`DropReason`], and the engine counts every drop by reason ([`DropCounters`]), so `print stats`-style
//! views can say exactly where traffic disappears.

use crate::icmp_error::IcmpErrorKind;

/// A stage's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Go on to the next stage.
    Continue,
    /// Addressed to the router: go to the input path.
    Local,
    /// Discard silently (counted under the reason).
    Drop(DropReason),
    /// Discard and answer the sender with this ICMP error (rate-limited, and suppressed where RFC 1812
    /// forbids it).
    Reject(DropReason, IcmpErrorKind),
    /// Discard and answer a TCP segment on behalf of its destination: a reset (`reject-with=tcp-reset`)
    /// or a zero-window tarpit answer (`action=tarpit`); rate-limited like ICMP errors; other protocols
    /// are just dropped.
    AnswerTcp(DropReason, TcpAnswer),
}

/// The TCP answer of [`Next::AnswerTcp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpAnswer {
    Reset,
    Tarpit,
}

/// Why a packet was dropped. Each has its own counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum DropReason {
    /// Frame shorter than an Ethernet header or otherwise unparsable at L2.
    MalformedFrame,
    /// Unicast frame for another MAC address.
    NotOurMac,
    /// Ethertype the engine does not handle.
    UnknownEthertype,
    /// 802.1Q-tagged frame, and no VLAN interface for the tag.
    UnknownVlan,
    /// IPv6 frame (forwarding IPv6 comes later).
    Ipv6NotSupported,
    /// ARP packet that could not be parsed or was not Ethernet/IPv4.
    MalformedArp,
    /// IPv4 header failed RFC 1812 §5.2.2 checks: too short, version, IHL, total length.
    MalformedIpv4,
    /// IPv4 header checksum wrong.
    BadChecksum,
    /// Source address that may not appear on the wire (RFC 1812 §5.3.7: 0/8 except as DHCP source,
    /// 127/8, multicast, 240/4, limited broadcast).
    MartianSource,
    /// Destination address that is never forwarded (0/8, 127/8, class E).
    MartianDestination,
    /// Came in on an interface that is disabled or down.
    InterfaceDown,
    /// TTL would reach zero (Time Exceeded sent where allowed).
    TtlExceeded,
    /// No route to the destination.
    NoRoute,
    /// Route of type blackhole.
    Blackhole,
    /// Route of type unreachable / prohibit.
    RouteUnreachable,
    /// Too big for the outgoing MTU with DF set (Fragmentation Needed sent).
    FragmentationNeeded,
    /// Fragmenting failed (bad options, MTU below 68).
    FragmentationFailed,
    /// Link-layer broadcast, multicast or directed broadcast: not forwarded (RFC 1812 §5.3.5).
    NotForwardable,
    /// Next hop did not answer ARP.
    NeighborUnreachable,
    /// The neighbour's queue of packets waiting for ARP was full.
    NeighborQueueFull,
    /// Packet for the router that its own stack does not take (no listener, protocol unknown).
    LocalUndeliverable,
    /// Outgoing interface disabled or down.
    OutInterfaceDown,
    /// The transmit queue of the outgoing interface was full.
    TxQueueFull,
    /// A hook (firewall, NAT) dropped it.
    Filtered,
    /// The engine's buffer pool was empty (load shedding).
    NoBuffer,
    /// A fragment was refused by reassembly (overlap, oversize, tiny fragment, memory limit).
    Reassembly,
    /// The NIC's offload claim did not fit the packet (a partial checksum outside it, a super-frame
    /// that is not TCP/IPv4), or a super-frame could not be segmented.
    BadOffload,
    /// A DHCP datagram for the router found the link datagram queue full (its DHCP services are not
    /// keeping up).
    LinkQueueFull,
}

impl DropReason {
    /// Every reason, in counter order.
    pub const ALL: [DropReason; 28] = [
        DropReason::MalformedFrame,
        DropReason::NotOurMac,
        DropReason::UnknownEthertype,
        DropReason::UnknownVlan,
        DropReason::Ipv6NotSupported,
        DropReason::MalformedArp,
        DropReason::MalformedIpv4,
        DropReason::BadChecksum,
        DropReason::MartianSource,
        DropReason::MartianDestination,
        DropReason::InterfaceDown,
        DropReason::TtlExceeded,
        DropReason::NoRoute,
        DropReason::Blackhole,
        DropReason::RouteUnreachable,
        DropReason::FragmentationNeeded,
        DropReason::FragmentationFailed,
        DropReason::NotForwardable,
        DropReason::NeighborUnreachable,
        DropReason::NeighborQueueFull,
        DropReason::LocalUndeliverable,
        DropReason::OutInterfaceDown,
        DropReason::TxQueueFull,
        DropReason::Filtered,
        DropReason::NoBuffer,
        DropReason::Reassembly,
        DropReason::BadOffload,
        DropReason::LinkQueueFull,
    ];

    /// A short name for counters and traces (`malformed-ipv4`).
    pub fn name(self) -> &'static str {
        match self {
            DropReason::MalformedFrame => "malformed-frame",
            DropReason::NotOurMac => "not-our-mac",
            DropReason::UnknownEthertype => "unknown-ethertype",
            DropReason::UnknownVlan => "unknown-vlan",
            DropReason::Ipv6NotSupported => "ipv6-not-supported",
            DropReason::MalformedArp => "malformed-arp",
            DropReason::MalformedIpv4 => "malformed-ipv4",
            DropReason::BadChecksum => "bad-checksum",
            DropReason::MartianSource => "martian-source",
            DropReason::MartianDestination => "martian-destination",
            DropReason::InterfaceDown => "interface-down",
            DropReason::TtlExceeded => "ttl-exceeded",
            DropReason::NoRoute => "no-route",
            DropReason::Blackhole => "blackhole",
            DropReason::RouteUnreachable => "route-unreachable",
            DropReason::FragmentationNeeded => "fragmentation-needed",
            DropReason::FragmentationFailed => "fragmentation-failed",
            DropReason::NotForwardable => "not-forwardable",
            DropReason::NeighborUnreachable => "neighbor-unreachable",
            DropReason::NeighborQueueFull => "neighbor-queue-full",
            DropReason::LocalUndeliverable => "local-undeliverable",
            DropReason::OutInterfaceDown => "out-interface-down",
            DropReason::TxQueueFull => "tx-queue-full",
            DropReason::Filtered => "filtered",
            DropReason::NoBuffer => "no-buffer",
            DropReason::Reassembly => "reassembly",
            DropReason::BadOffload => "bad-offload",
            DropReason::LinkQueueFull => "link-queue-full",
        }
    }
}

/// Drops counted by reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DropCounters {
    counts: [u64; 32],
}

impl DropCounters {
    pub fn count(&mut self, reason: DropReason) {
        let slot = &mut self.counts[reason as usize];
        *slot = slot.saturating_add(1);
    }

    pub fn get(&self, reason: DropReason) -> u64 {
        self.counts[reason as usize]
    }

    /// Reasons with a non-zero count.
    pub fn nonzero(&self) -> impl Iterator<Item = (DropReason, u64)> + '_ {
        DropReason::ALL
            .iter()
            .map(|&r| (r, self.get(r)))
            .filter(|&(_, n)| n > 0)
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}
