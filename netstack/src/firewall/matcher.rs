//! Compiled matchers: typed conditions evaluated against [`PacketFacts`] with integer comparisons only.
//!
//! Each RouterOS matcher (`src-address`, `dst-port`, `connection-state`, ...) compiles into one
//! `Cond`; a rule matches when all its conditions hold, each possibly negated (`!`). Stateless
//! conditions are evaluated first and stateful ones (`limit`, `dst-limit`, `nth`, `random`,
//! `connection-limit`, `connection-rate`) last, so that a packet only spends tokens or advances
//! counters when everything else matched — as in netfilter, where matches run in rule order and users
//! put `limit` last. Semantics follow netfilter's matches (cited per variant).

use alloc::boxed::Box;
use alloc::vec::Vec;

use smoltcp::wire::{EthernetAddress, Ipv4Address};

use super::address_list::AddressListId;
use super::facts::{PROTO_TCP, PROTO_UDP, PacketFacts};
use super::rate::{ConnRateTable, DstLimitTable, RateBucket};
use super::spec::{AddrRange, AddressType, PccKind, PortRange, TtlMatch, ValueRange, prefix_mask};
use super::state::{Env, RuntimeState};
use crate::Instant;
use crate::flow::ConnState;
use crate::interface::InterfaceId;
use crate::packet::Mark;

/// A set of interfaces: `all`, or the members of a list resolved at compile time (sorted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InterfaceSet {
    All,
    Members(Vec<InterfaceId>),
}

impl InterfaceSet {
    pub fn contains(&self, id: InterfaceId) -> bool {
        match self {
            InterfaceSet::All => true,
            InterfaceSet::Members(m) => m.binary_search(&id).is_ok(),
        }
    }
}

/// Bit of a [`ConnState`] in a state set.
pub(crate) fn state_bit(s: ConnState) -> u8 {
    match s {
        ConnState::New => 1,
        ConnState::Established => 2,
        ConnState::Related => 4,
        ConnState::Invalid => 8,
        ConnState::Untracked => 16,
    }
}

/// One compiled condition.
#[derive(Clone, Debug)]
pub(crate) enum Cond {
    SrcAddress(AddrRange),
    DstAddress(AddrRange),
    SrcAddressList(AddressListId),
    DstAddressList(AddressListId),
    SrcAddressType(AddressType),
    DstAddressType(AddressType),
    Protocol(u8),
    SrcPort(Vec<PortRange>),
    DstPort(Vec<PortRange>),
    Port(Vec<PortRange>),
    InInterface(InterfaceId),
    OutInterface(InterfaceId),
    InInterfaceList(InterfaceSet),
    OutInterfaceList(InterfaceSet),
    /// Bitmask of [`state_bit`]s.
    ConnectionState(u8),
    ConnectionNatState {
        srcnat: bool,
        dstnat: bool,
    },
    ConnectionMark(Mark),
    PacketMark(Mark),
    RoutingMark(Mark),
    TcpFlags {
        set: u8,
        unset: u8,
    },
    TcpMss(ValueRange),
    IcmpOptions {
        icmp_type: u8,
        code: Option<u8>,
    },
    Ttl(TtlMatch),
    Dscp(u8),
    PacketSize(ValueRange),
    Fragment,
    /// `connection-bytes` (max 0: unbounded).
    ConnectionBytes {
        min: u64,
        max: u64,
    },
    /// `ipsec-policy`: true matches packets without IPsec (all of them here).
    NoIpsec(bool),
    SrcMac(EthernetAddress),
    Content(Vec<u8>),
    Pcc {
        kind: PccKind,
        every: u32,
        remainder: u32,
    },
    // Stateful: keep these after the stateless ones (see the module docs).
    ConnectionLimit {
        limit: u32,
        prefix_len: u8,
    },
    ConnectionRate {
        range: ValueRange,
        table: Box<ConnRateTable>,
    },
    Nth {
        every: u32,
        nth: u32,
        seen: u32,
    },
    Random(u8),
    Limit(RateBucket),
    DstLimit(Box<DstLimitTable>),
}

impl Cond {
    /// Whether evaluating this condition changes state (tokens, counters, the PRNG).
    pub(crate) fn is_stateful(&self) -> bool {
        matches!(
            self,
            Cond::ConnectionLimit { .. }
                | Cond::ConnectionRate { .. }
                | Cond::Nth { .. }
                | Cond::Random(_)
                | Cond::Limit(_)
                | Cond::DstLimit(_)
        )
    }
}

/// A condition with its negation.
#[derive(Clone, Debug)]
pub(crate) struct Matcher {
    pub negate: bool,
    pub cond: Cond,
}

/// What a condition may look at besides the facts.
pub(crate) struct MatchCtx<'a> {
    pub l3: &'a [u8],
    pub state: &'a mut RuntimeState,
    pub env: Env<'a>,
    pub now: Instant,
}

impl Matcher {
    pub(crate) fn matches(&mut self, f: &PacketFacts, ctx: &mut MatchCtx<'_>) -> bool {
        self.cond.eval(f, ctx) != self.negate
    }
}

fn in_ports(list: &[PortRange], port: Option<u16>) -> bool {
    port.is_some_and(|p| list.iter().any(|r| r.start <= p && p <= r.end))
}

fn address_type(t: AddressType, a: Ipv4Address, env: &Env<'_>) -> bool {
    let local = a.is_loopback() || env.host.is_local(a);
    let broadcast = a.is_broadcast() || env.host.is_directed_broadcast(a);
    match t {
        AddressType::Local => local,
        AddressType::Broadcast => broadcast,
        AddressType::Multicast => a.is_multicast(),
        AddressType::Unicast => !local && !broadcast && !a.is_multicast() && !a.is_unspecified(),
    }
}

/// A 32-bit mix of up to four words (the 64-bit finaliser of MurmurHash3 over a folded state).
fn mix(words: [u32; 4]) -> u32 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for w in words {
        h ^= u64::from(w);
        h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        h ^= h >> 33;
    }
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    (h ^ (h >> 33)) as u32
}

fn pcc_hash(kind: PccKind, f: &PacketFacts) -> u32 {
    let (s, sp, d, dp) = f.original_direction();
    let (s, d, sp, dp) = (u32::from(s), u32::from(d), u32::from(sp), u32::from(dp));
    let words = match kind {
        PccKind::SrcAddress => [s, 0, 0, 0],
        PccKind::DstAddress => [0, d, 0, 0],
        PccKind::BothAddresses => [s, d, 0, 0],
        PccKind::SrcPort => [0, 0, sp, 0],
        PccKind::DstPort => [0, 0, 0, dp],
        PccKind::BothPorts => [0, 0, sp, dp],
        PccKind::SrcAddressAndPort => [s, 0, sp, 0],
        PccKind::DstAddressAndPort => [0, d, 0, dp],
        PccKind::BothAddressesAndPorts => [s, d, sp, dp],
    };
    mix(words)
}

impl Cond {
    fn eval(&mut self, f: &PacketFacts, ctx: &mut MatchCtx<'_>) -> bool {
        match self {
            Cond::SrcAddress(r) => r.contains(f.src),
            Cond::DstAddress(r) => r.contains(f.dst),
            Cond::SrcAddressList(id) => ctx.state.address_lists.contains(*id, f.src),
            Cond::DstAddressList(id) => ctx.state.address_lists.contains(*id, f.dst),
            Cond::SrcAddressType(t) => address_type(*t, f.src, &ctx.env),
            Cond::DstAddressType(t) => address_type(*t, f.dst, &ctx.env),
            Cond::Protocol(p) => f.protocol == *p,
            Cond::SrcPort(l) => in_ports(l, f.src_port),
            Cond::DstPort(l) => in_ports(l, f.dst_port),
            Cond::Port(l) => in_ports(l, f.src_port) || in_ports(l, f.dst_port),
            Cond::InInterface(i) => f.in_interface == Some(*i),
            Cond::OutInterface(i) => f.out_interface == Some(*i),
            Cond::InInterfaceList(s) => f.in_interface.is_some_and(|i| s.contains(i)),
            Cond::OutInterfaceList(s) => f.out_interface.is_some_and(|i| s.contains(i)),
            Cond::ConnectionState(mask) => state_bit(f.conn_state()) & *mask != 0,
            Cond::ConnectionNatState { srcnat, dstnat } => f
                .conn
                .is_some_and(|c| (*srcnat && c.srcnat) || (*dstnat && c.dstnat)),
            Cond::ConnectionMark(m) => f.connection_mark == *m,
            Cond::PacketMark(m) => f.packet_mark == *m,
            Cond::RoutingMark(m) => f.routing_mark == *m,
            // xt_tcp `--tcp-flags mask comp`: (flags & mask) == comp, with mask = set|unset, comp = set.
            Cond::TcpFlags { set, unset } => {
                f.tcp_flags.is_some_and(|fl| fl & (*set | *unset) == *set)
            }
            // xt_tcpmss: only packets carrying an MSS option match.
            Cond::TcpMss(r) => f.tcp_mss.is_some_and(|m| r.contains(u32::from(m))),
            Cond::IcmpOptions { icmp_type, code } => f
                .icmp
                .is_some_and(|(t, c)| t == *icmp_type && code.is_none_or(|code| code == c)),
            Cond::Ttl(t) => match *t {
                TtlMatch::Equal(v) => f.ttl == v,
                TtlMatch::NotEqual(v) => f.ttl != v,
                TtlMatch::GreaterThan(v) => f.ttl > v,
                TtlMatch::LessThan(v) => f.ttl < v,
            },
            Cond::Dscp(d) => f.dscp == *d,
            Cond::PacketSize(r) => r.contains(u32::from(f.size)),
            Cond::Fragment => f.fragment,
            Cond::ConnectionBytes { min, max } => f
                .conn
                .is_some_and(|c| c.bytes >= *min && (*max == 0 || c.bytes <= *max)),
            Cond::NoIpsec(none) => *none,
            Cond::SrcMac(m) => f.src_mac == Some(*m),
            Cond::Content(needle) => {
                let payload = ctx
                    .l3
                    .get(usize::from(f.payload_start)..usize::from(f.payload_end))
                    .unwrap_or(&[]);
                needle.is_empty()
                    || payload
                        .windows(needle.len())
                        .any(|w| w == needle.as_slice())
            }
            Cond::Pcc {
                kind,
                every,
                remainder,
            } => *every != 0 && pcc_hash(*kind, f) % *every == *remainder,
            // xt_connlimit `--connlimit-above N --connlimit-mask M`.
            Cond::ConnectionLimit { limit, prefix_len } => {
                let net = Ipv4Address::from(u32::from(f.src) & prefix_mask(*prefix_len));
                ctx.env.connections.connections_from(net, *prefix_len) > *limit
            }
            Cond::ConnectionRate { range, table } => match f.conn.and_then(|c| c.id) {
                Some(id) => table
                    .observe(id, f.size, ctx.now)
                    .is_some_and(|bps| range.contains(u32::try_from(bps).unwrap_or(u32::MAX))),
                None => false,
            },
            // xt_statistic nth mode: the `nth` of every `every` packets reaching this condition.
            Cond::Nth { every, nth, seen } => {
                let every = (*every).max(1);
                let hit = *seen % every == nth.saturating_sub(1);
                *seen = (*seen + 1) % every;
                hit
            }
            Cond::Random(pct) => ctx.state.rng.below(100) < u32::from(*pct),
            Cond::Limit(bucket) => bucket.allow(ctx.now, f.size),
            Cond::DstLimit(table) => table.allow(f, ctx.now),
        }
    }
}

/// The protocols whose ports `src-port`/`dst-port`/`port` may be used with (RouterOS requires
/// `protocol=tcp|udp|...` for port matchers; netfilter needs `-p tcp|udp|sctp|dccp|udplite`).
pub(crate) fn has_ports(proto: u8) -> bool {
    matches!(proto, PROTO_TCP | PROTO_UDP | 33 | 132 | 136)
}
