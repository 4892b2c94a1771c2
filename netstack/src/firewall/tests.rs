//! Scenario tests of the rule engine: compile errors, every matcher (with negation), chain semantics,
//! the RouterOS defconf filter, counters across recompiles, stateful matchers with a seed, mangle
//! rewrites, and parser robustness. Unit tests of single pieces live beside them.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use smoltcp::wire::{EthernetAddress, Ipv4Address, Ipv4Cidr};

use super::facts::tcp_flag::{ACK, SYN};
use super::*;
use crate::checksum::tests::Rng;
use crate::checksum::{internet_checksum, ones_complement_sum, verify};
use crate::flow::{ConnFacts, ConnId, ConnState, Direction};
use crate::icmp_error::IcmpErrorKind;
use crate::interface::{Interface, InterfaceId, InterfaceLists, InterfaceTable};
use crate::packet::{Meta, Packet};
use crate::{Duration, Instant};

const WAN: InterfaceId = InterfaceId(0);
const LAN: InterfaceId = InterfaceId(1);
const MAC: EthernetAddress = EthernetAddress([2, 0, 0, 0, 0, 1]);

fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Address {
    Ipv4Address::new(a, b, c, d)
}

/// ether1 (WAN list), ether2 and ether3 (LAN list), plus the shared state.
struct World {
    interfaces: InterfaceTable,
    lists: InterfaceLists,
    marks: MarkNames,
    state: RuntimeState,
}

impl World {
    fn new() -> Self {
        let mut interfaces = InterfaceTable::new();
        for n in ["ether1", "ether2", "ether3"] {
            interfaces.add(Interface::new(n, MAC)).unwrap();
        }
        let mut lists = InterfaceLists::new();
        let wan = lists.add("WAN").unwrap();
        let lan = lists.add("LAN").unwrap();
        lists.add_member(wan, InterfaceId(0));
        lists.add_member(lan, InterfaceId(1));
        lists.add_member(lan, InterfaceId(2));
        World {
            interfaces,
            lists,
            marks: MarkNames::new(),
            state: RuntimeState::new(42),
        }
    }

    fn compile(
        &mut self,
        table: Table,
        specs: &[RuleSpec],
    ) -> Result<CompiledRuleSet, CompileError> {
        let mut r = TableResolver {
            interfaces: &self.interfaces,
            lists: &self.lists,
            marks: &mut self.marks,
            address_lists: &mut self.state.address_lists,
        };
        compile(table, specs, &mut r)
    }

    fn run(
        &mut self,
        set: &mut CompiledRuleSet,
        chain: BuiltinChain,
        p: &mut TestPacket,
        now: Instant,
    ) -> Outcome {
        let facts = p.facts();
        set.run(
            chain,
            &facts,
            &mut p.packet,
            &mut self.state,
            Env::none(),
            now,
        )
    }
}

/// Builds an IPv4 packet with a correct header checksum (and TCP/UDP checksum).
fn ipv4(proto: u8, src: Ipv4Address, dst: Ipv4Address, options: &[u8], l4: &[u8]) -> Vec<u8> {
    let ihl = 20 + options.len();
    let total = ihl + l4.len();
    let mut p = vec![0u8; total];
    p[0] = 0x40 | (ihl / 4) as u8;
    p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    p[6] = 0x40; // DF
    p[8] = 64;
    p[9] = proto;
    p[12..16].copy_from_slice(&src.octets());
    p[16..20].copy_from_slice(&dst.octets());
    p[20..ihl].copy_from_slice(options);
    p[ihl..].copy_from_slice(l4);
    let c = internet_checksum(&p[..ihl]);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    if proto == 6 || proto == 17 {
        let at = ihl + if proto == 6 { 16 } else { 6 };
        let c = !l4_sum(&p);
        p[at..at + 2].copy_from_slice(&c.to_be_bytes());
    }
    p
}

/// One's-complement sum of the TCP/UDP pseudo-header and segment (RFC 9293 §3.1).
fn l4_sum(p: &[u8]) -> u16 {
    let ihl = usize::from(p[0] & 0xF) * 4;
    let seg = &p[ihl..];
    let mut pseudo = Vec::new();
    pseudo.extend_from_slice(&p[12..20]);
    pseudo.extend_from_slice(&[0, p[9]]);
    pseudo.extend_from_slice(&(seg.len() as u16).to_be_bytes());
    pseudo.extend_from_slice(seg);
    ones_complement_sum(&pseudo)
}

fn tcp_segment(sport: u16, dport: u16, flags: u8, options: &[u8], payload: &[u8]) -> Vec<u8> {
    let hl = 20 + options.len();
    let mut t = vec![0u8; hl];
    t[0..2].copy_from_slice(&sport.to_be_bytes());
    t[2..4].copy_from_slice(&dport.to_be_bytes());
    t[12] = ((hl / 4) as u8) << 4;
    t[13] = flags;
    t[14] = 0xFF;
    t[20..].copy_from_slice(options);
    t.extend_from_slice(payload);
    t
}

fn udp_datagram(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = vec![0u8; 8];
    u[0..2].copy_from_slice(&sport.to_be_bytes());
    u[2..4].copy_from_slice(&dport.to_be_bytes());
    u[4..6].copy_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    u.extend_from_slice(payload);
    u
}

struct TestPacket {
    packet: Packet,
    conn: Option<ConnFacts>,
    mac: Option<EthernetAddress>,
}

impl TestPacket {
    fn new(bytes: &[u8]) -> Self {
        let mut packet = Packet::from_ip(Vec::new(), bytes);
        packet.meta.in_interface = Some(LAN);
        packet.meta.out_interface = Some(WAN);
        TestPacket {
            packet,
            conn: Some(conn(ConnState::New)),
            mac: Some(MAC),
        }
    }

    fn tcp(src: Ipv4Address, sport: u16, dst: Ipv4Address, dport: u16, flags: u8) -> Self {
        Self::new(&ipv4(
            6,
            src,
            dst,
            &[],
            &tcp_segment(sport, dport, flags, &[], &[]),
        ))
    }

    fn udp(src: Ipv4Address, sport: u16, dst: Ipv4Address, dport: u16, payload: &[u8]) -> Self {
        Self::new(&ipv4(
            17,
            src,
            dst,
            &[],
            &udp_datagram(sport, dport, payload),
        ))
    }

    fn icmp(src: Ipv4Address, dst: Ipv4Address, t: u8, c: u8) -> Self {
        Self::new(&ipv4(1, src, dst, &[], &[t, c, 0, 0, 0, 1, 0, 1]))
    }

    fn web() -> Self {
        Self::tcp(ip(192, 168, 88, 10), 40000, ip(1, 1, 1, 1), 443, SYN)
    }

    fn via(mut self, i: Option<InterfaceId>, o: Option<InterfaceId>) -> Self {
        self.packet.meta.in_interface = i;
        self.packet.meta.out_interface = o;
        self
    }

    fn state(mut self, s: ConnState) -> Self {
        self.conn = Some(conn(s));
        self
    }

    fn facts(&self) -> PacketFacts {
        PacketFacts::parse(self.packet.l3(), &self.packet.meta, self.conn, self.mac).unwrap()
    }
}

fn conn(state: ConnState) -> ConnFacts {
    ConnFacts {
        id: Some(ConnId(7)),
        state,
        direction: Direction::Original,
        srcnat: false,
        dstnat: false,
        mark: 0,
        fasttrack: false,
        bytes: 5_000,
    }
}

fn rule(id: u32, chain: &str) -> RuleSpec {
    RuleSpec::new(id, chain)
}

fn drop_if(m: Match) -> Vec<RuleSpec> {
    vec![rule(1, "forward").with(m).action(ActionSpec::Drop)]
}

fn verdict(w: &mut World, specs: &[RuleSpec], p: &mut TestPacket) -> ChainVerdict {
    let mut set = w.compile(Table::Filter, specs).unwrap();
    w.run(&mut set, BuiltinChain::Forward, p, Instant::from_secs(1))
        .verdict
}

fn compile_err(specs: &[RuleSpec], table: Table) -> CompileErrorKind {
    World::new().compile(table, specs).unwrap_err().kind
}

fn ports(list: &[(u16, u16)]) -> Vec<PortRange> {
    list.iter().map(|&(a, b)| PortRange::new(a, b)).collect()
}

// ---------------------------------------------------------------------------------------------------
// Compile errors

#[test]
fn compile_errors_are_routeros_like() {
    let unknown_if = drop_if(Match::InInterface("ether9".into()));
    let e = World::new()
        .compile(Table::Filter, &unknown_if)
        .unwrap_err();
    assert_eq!(e.rule, Some(RuleId(1)));
    assert_eq!(
        alloc::format!("{e}"),
        "input does not match any value of interface"
    );
    assert_eq!(
        compile_err(
            &drop_if(Match::OutInterfaceList("DMZ".into())),
            Table::Filter
        ),
        CompileErrorKind::UnknownInterfaceList("DMZ".into())
    );
    let jump = |target: &str| rule(1, "forward").action(ActionSpec::Jump(target.into()));
    assert_eq!(
        compile_err(&[jump("nowhere")], Table::Filter),
        CompileErrorKind::UnknownChain("nowhere".into())
    );
    assert_eq!(
        compile_err(&[jump("input")], Table::Filter),
        CompileErrorKind::JumpToBuiltin("input".into())
    );
    // a -> b -> a
    let looped = [
        jump("a"),
        rule(2, "a").action(ActionSpec::Jump("b".into())),
        rule(3, "b").action(ActionSpec::Jump("a".into())),
    ];
    assert!(matches!(
        compile_err(&looped, Table::Filter),
        CompileErrorKind::JumpLoop(_)
    ));
    // Self-loop.
    assert!(matches!(
        compile_err(
            &[rule(2, "a").action(ActionSpec::Jump("a".into()))],
            Table::Filter
        ),
        CompileErrorKind::JumpLoop(_)
    ));
    // A disabled jump does not make a loop.
    let mut ok = looped.clone();
    ok[2].disabled = true;
    assert!(World::new().compile(Table::Filter, &ok).is_ok());
    // Too deep: c0 -> c1 -> ... -> c40.
    let mut deep = vec![rule(0, "forward").action(ActionSpec::Jump("c0".into()))];
    for i in 0..40 {
        deep.push(
            rule(i + 1, &alloc::format!("c{i}"))
                .action(ActionSpec::Jump(alloc::format!("c{}", i + 1))),
        );
    }
    deep.push(rule(99, "c40"));
    assert!(matches!(
        compile_err(&deep, Table::Filter),
        CompileErrorKind::JumpTooDeep(_)
    ));

    let masq = rule(1, "srcnat").action(ActionSpec::Masquerade { to_ports: None });
    assert_eq!(
        compile_err(core::slice::from_ref(&masq), Table::Filter),
        CompileErrorKind::ActionNotInTable {
            action: "masquerade",
            table: "filter"
        }
    );
    let mut in_dstnat = masq;
    in_dstnat.chain = "dstnat".into();
    assert_eq!(
        compile_err(&[in_dstnat], Table::Nat),
        CompileErrorKind::ActionNotInChain {
            action: "masquerade",
            chain: "dstnat"
        }
    );
    let out_in_input = rule(1, "input").with(Match::OutInterface("ether1".into()));
    assert!(matches!(
        compile_err(&[out_in_input], Table::Filter),
        CompileErrorKind::MatcherNotInChain { .. }
    ));
    assert!(matches!(
        compile_err(&drop_if(Match::DstPort(ports(&[(80, 80)]))), Table::Filter),
        CompileErrorKind::NeedsProtocol {
            matcher: "dst-port",
            ..
        }
    ));
    let flags_udp = rule(1, "forward")
        .with(Match::Protocol(17))
        .with(Match::TcpFlags { set: SYN, unset: 0 });
    assert!(matches!(
        compile_err(&[flags_udp], Table::Filter),
        CompileErrorKind::NeedsProtocol { .. }
    ));
    for bad in [
        Match::Random(0),
        Match::Random(100),
        Match::Nth { every: 2, nth: 3 },
        Match::Dscp(64),
    ] {
        assert!(matches!(
            compile_err(&drop_if(bad), Table::Filter),
            CompileErrorKind::InvalidValue { .. }
        ));
    }
    let notrack_filter = rule(1, "forward").action(ActionSpec::NoTrack);
    assert!(matches!(
        compile_err(&[notrack_filter], Table::Filter),
        CompileErrorKind::ActionNotInTable { .. }
    ));
}

// ---------------------------------------------------------------------------------------------------
// Matchers: each matches, does not match, and negates.

fn check(m: Match, hit: &mut TestPacket, miss: &mut TestPacket) {
    let mut w = World::new();
    let tcp_needed = matches!(m, Match::TcpFlags { .. } | Match::TcpMss(_));
    let port_needed = matches!(m, Match::SrcPort(_) | Match::DstPort(_) | Match::Port(_));
    let with_proto = |r: RuleSpec| {
        if tcp_needed || port_needed {
            r.with(Match::Protocol(hit.facts().protocol))
        } else {
            r
        }
    };
    let pos = [with_proto(rule(1, "forward").with(m.clone())).action(ActionSpec::Drop)];
    let neg = [with_proto(rule(1, "forward").without(m.clone())).action(ActionSpec::Drop)];
    assert_eq!(
        verdict(&mut w, &pos, hit),
        ChainVerdict::Drop,
        "{m:?} should match"
    );
    assert_eq!(
        verdict(&mut w, &pos, miss),
        ChainVerdict::Accept,
        "{m:?} should not match"
    );
    assert_eq!(
        verdict(&mut w, &neg, hit),
        ChainVerdict::Accept,
        "!{m:?} should not match"
    );
    assert_eq!(
        verdict(&mut w, &neg, miss),
        ChainVerdict::Drop,
        "!{m:?} should match"
    );
}

#[test]
fn address_and_protocol_matchers() {
    let net = AddrRange::prefix(Ipv4Cidr::new(ip(192, 168, 88, 1), 24));
    let web = TestPacket::web;
    let other = || TestPacket::tcp(ip(10, 0, 0, 1), 1, ip(8, 8, 8, 8), 53, SYN);
    check(Match::SrcAddress(net), &mut web(), &mut other());
    check(
        Match::DstAddress(AddrRange::single(ip(1, 1, 1, 1))),
        &mut web(),
        &mut other(),
    );
    check(
        Match::DstAddress(AddrRange::range(ip(1, 1, 1, 0), ip(1, 1, 1, 5))),
        &mut web(),
        &mut other(),
    );
    check(
        Match::Protocol(6),
        &mut web(),
        &mut TestPacket::udp(ip(1, 2, 3, 4), 1, ip(5, 6, 7, 8), 2, b""),
    );
    check(
        Match::DstAddressType(AddressType::Broadcast),
        &mut TestPacket::udp(ip(10, 0, 0, 1), 68, ip(255, 255, 255, 255), 67, b""),
        &mut web(),
    );
    check(
        Match::DstAddressType(AddressType::Multicast),
        &mut TestPacket::udp(ip(10, 0, 0, 1), 1, ip(224, 0, 0, 5), 1, b""),
        &mut web(),
    );
    check(
        Match::DstAddressType(AddressType::Unicast),
        &mut web(),
        &mut TestPacket::udp(ip(10, 0, 0, 1), 1, ip(224, 0, 0, 5), 1, b""),
    );
    check(
        Match::DstAddressType(AddressType::Local),
        &mut TestPacket::udp(ip(10, 0, 0, 1), 1, ip(127, 0, 0, 1), 1, b""),
        &mut web(),
    );
    assert_eq!(protocol_number("ospf"), Some(89));
    assert_eq!(protocol_number("gre"), Some(47));
    assert_eq!(protocol_number("132"), Some(132));
    assert_eq!(protocol_number("bogus"), None);
}

#[test]
fn local_address_type_asks_the_host() {
    struct Host;
    impl HostInfo for Host {
        fn is_local(&self, a: Ipv4Address) -> bool {
            a == ip(192, 168, 88, 1)
        }
        fn is_directed_broadcast(&self, a: Ipv4Address) -> bool {
            a == ip(192, 168, 88, 255)
        }
    }
    let mut w = World::new();
    let specs = drop_if(Match::DstAddressType(AddressType::Local));
    let mut set = w.compile(Table::Filter, &specs).unwrap();
    let env = Env {
        host: &Host,
        connections: &NoEnv,
    };
    let mut run = |dst| {
        let mut p = TestPacket::udp(ip(192, 168, 88, 10), 1, dst, 53, b"");
        let f = p.facts();
        set.run(
            BuiltinChain::Forward,
            &f,
            &mut p.packet,
            &mut w.state,
            env,
            Instant::ZERO,
        )
        .verdict
    };
    assert_eq!(run(ip(192, 168, 88, 1)), ChainVerdict::Drop);
    assert_eq!(run(ip(192, 168, 88, 2)), ChainVerdict::Accept);
}

#[test]
fn port_matchers() {
    let list = ports(&[(53, 53), (67, 67), (8000, 8080)]);
    let udp = |s, d| TestPacket::udp(ip(10, 0, 0, 1), s, ip(10, 0, 0, 2), d, b"");
    check(
        Match::DstPort(list.clone()),
        &mut udp(1000, 8080),
        &mut udp(8080, 8081),
    );
    check(
        Match::SrcPort(list.clone()),
        &mut udp(53, 1),
        &mut udp(1, 53),
    );
    check(Match::Port(list.clone()), &mut udp(1, 8000), &mut udp(1, 2));
    check(Match::Port(list), &mut udp(67, 2), &mut udp(1, 2));
}

#[test]
fn interface_matchers() {
    let p = |i, o| TestPacket::web().via(i, o);
    check(
        Match::InInterface("ether2".into()),
        &mut p(Some(LAN), Some(WAN)),
        &mut p(Some(WAN), Some(LAN)),
    );
    check(
        Match::OutInterface("ether1".into()),
        &mut p(Some(LAN), Some(WAN)),
        &mut p(Some(WAN), Some(LAN)),
    );
    check(
        Match::InInterfaceList("LAN".into()),
        &mut p(Some(InterfaceId(2)), Some(WAN)),
        &mut p(Some(WAN), Some(LAN)),
    );
    check(
        Match::OutInterfaceList("WAN".into()),
        &mut p(Some(LAN), Some(WAN)),
        &mut p(Some(WAN), Some(LAN)),
    );
    check(
        Match::InInterfaceList("all".into()),
        &mut p(Some(LAN), Some(WAN)),
        &mut p(None, Some(WAN)),
    );
}

#[test]
fn connection_matchers() {
    let s = |st| TestPacket::web().state(st);
    let states = vec![ConnState::Established, ConnState::Related];
    check(
        Match::ConnectionState(states.clone()),
        &mut s(ConnState::Related),
        &mut s(ConnState::New),
    );
    check(
        Match::ConnectionState(vec![ConnState::Untracked]),
        &mut s(ConnState::Untracked),
        &mut s(ConnState::Invalid),
    );
    // No conntrack facts: invalid, as netfilter.
    let mut none = TestPacket::web();
    none.conn = None;
    check(
        Match::ConnectionState(vec![ConnState::Invalid]),
        &mut none,
        &mut s(ConnState::New),
    );
    let mut dnat = s(ConnState::New);
    dnat.conn.as_mut().unwrap().dstnat = true;
    check(
        Match::ConnectionNatState {
            srcnat: false,
            dstnat: true,
        },
        &mut dnat,
        &mut s(ConnState::New),
    );
}

#[test]
fn mark_matchers_and_no_mark() {
    let mut w = World::new();
    let web = w.marks.intern("web").unwrap();
    let marked = |conn_mark, packet_mark, routing_mark| {
        let mut p = TestPacket::web();
        p.conn.as_mut().unwrap().mark = conn_mark;
        p.packet.meta.packet_mark = packet_mark;
        p.packet.meta.routing_mark = routing_mark;
        p
    };
    for (m, hit) in [
        (Match::ConnectionMark("web".into()), marked(web, 0, 0)),
        (Match::PacketMark("web".into()), marked(0, web, 0)),
        (Match::RoutingMark("web".into()), marked(0, 0, web)),
    ] {
        let specs = drop_if(m);
        let mut hit = hit;
        assert_eq!(verdict(&mut w, &specs, &mut hit), ChainVerdict::Drop);
        assert_eq!(
            verdict(&mut w, &specs, &mut marked(0, 0, 0)),
            ChainVerdict::Accept
        );
    }
    let no_mark = drop_if(Match::ConnectionMark("no-mark".into()));
    assert_eq!(
        verdict(&mut w, &no_mark, &mut marked(0, 0, 0)),
        ChainVerdict::Drop
    );
    assert_eq!(
        verdict(&mut w, &no_mark, &mut marked(web, 0, 0)),
        ChainVerdict::Accept
    );
}

#[test]
fn tcp_and_icmp_matchers() {
    let tcp = |flags| TestPacket::tcp(ip(10, 0, 0, 1), 1, ip(10, 0, 0, 2), 2, flags);
    // syn,!ack
    check(
        Match::TcpFlags {
            set: SYN,
            unset: ACK,
        },
        &mut tcp(SYN),
        &mut tcp(SYN | ACK),
    );
    let mss = |v: u16| {
        let [a, b] = v.to_be_bytes();
        TestPacket::new(&ipv4(
            6,
            ip(10, 0, 0, 1),
            ip(10, 0, 0, 2),
            &[],
            &tcp_segment(1, 2, SYN, &[1, 2, 4, a, b, 0, 0, 0], &[]),
        ))
    };
    check(
        Match::TcpMss(ValueRange::new(1400, 1500)),
        &mut mss(1460),
        &mut mss(536),
    );
    let icmp = |t, c| TestPacket::icmp(ip(10, 0, 0, 1), ip(10, 0, 0, 2), t, c);
    check(
        Match::IcmpOptions {
            icmp_type: 8,
            code: Some(0),
        },
        &mut icmp(8, 0),
        &mut icmp(0, 0),
    );
    check(
        Match::IcmpOptions {
            icmp_type: 3,
            code: None,
        },
        &mut icmp(3, 4),
        &mut icmp(11, 0),
    );
    check(
        Match::IcmpOptions {
            icmp_type: 3,
            code: Some(4),
        },
        &mut icmp(3, 4),
        &mut icmp(3, 3),
    );
}

#[test]
fn header_field_matchers() {
    let with = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = ipv4(
            17,
            ip(10, 0, 0, 1),
            ip(10, 0, 0, 2),
            &[],
            &udp_datagram(1, 2, &[0; 100]),
        );
        f(&mut b);
        TestPacket::new(&b)
    };
    let ttl = |t| with(&move |b: &mut Vec<u8>| b[8] = t);
    check(Match::Ttl(TtlMatch::Equal(1)), &mut ttl(1), &mut ttl(2));
    check(
        Match::Ttl(TtlMatch::GreaterThan(10)),
        &mut ttl(11),
        &mut ttl(10),
    );
    check(
        Match::Ttl(TtlMatch::LessThan(10)),
        &mut ttl(9),
        &mut ttl(10),
    );
    check(
        Match::Ttl(TtlMatch::NotEqual(10)),
        &mut ttl(9),
        &mut ttl(10),
    );
    let dscp = |d: u8| with(&move |b: &mut Vec<u8>| b[1] = d << 2 | 1);
    check(Match::Dscp(46), &mut dscp(46), &mut dscp(0));
    // 20 + 8 + 100 = 128 bytes.
    check(
        Match::PacketSize(ValueRange::new(100, 128)),
        &mut ttl(5),
        &mut TestPacket::web(),
    );
    let frag = |off: u16| {
        with(&move |b: &mut Vec<u8>| b[6..8].copy_from_slice(&(0x2000 | off).to_be_bytes()))
    };
    check(Match::Fragment, &mut frag(100), &mut frag(0));
    let mut other_mac = TestPacket::web();
    other_mac.mac = Some(EthernetAddress([2, 0, 0, 0, 0, 9]));
    check(
        Match::SrcMacAddress(MAC),
        &mut TestPacket::web(),
        &mut other_mac,
    );
    // The test connection has carried 5000 bytes; `max` 0 means no upper bound.
    let established = || TestPacket::web().state(ConnState::Established);
    let small = || {
        let mut p = TestPacket::web().state(ConnState::Established);
        if let Some(c) = p.conn.as_mut() {
            c.bytes = 100;
        }
        p
    };
    check(
        Match::ConnectionBytes { min: 1_000, max: 0 },
        &mut established(),
        &mut small(),
    );
    check(
        Match::ConnectionBytes { min: 0, max: 4_999 },
        &mut small(),
        &mut established(),
    );
    let udp = |p: &[u8]| TestPacket::udp(ip(10, 0, 0, 1), 1, ip(10, 0, 0, 2), 2, p);
    check(
        Match::Content(b"BitTorrent".to_vec()),
        &mut udp(b"\x13BitTorrent protocol"),
        &mut udp(b"BitTorren"),
    );
}

#[test]
fn ipsec_policy_matches_none_because_there_is_no_ipsec() {
    let now = Instant::from_secs(1);
    for (ipsec, expected) in [(false, ChainVerdict::Drop), (true, ChainVerdict::Accept)] {
        let mut w = World::new();
        let rules = [rule(1, "forward")
            .with(Match::IpsecPolicy {
                inbound: true,
                ipsec,
            })
            .action(ActionSpec::Drop)];
        let mut set = w.compile(Table::Filter, &rules).unwrap();
        let outcome = w.run(&mut set, BuiltinChain::Forward, &mut TestPacket::web(), now);
        assert_eq!(
            outcome.verdict,
            expected,
            "ipsec-policy=in,{}",
            if ipsec { "ipsec" } else { "none" }
        );
    }
}

#[test]
fn set_priority_sets_the_packet_priority_and_continues() {
    let now = Instant::from_secs(1);
    let mut w = World::new();
    let rules = [
        rule(1, "forward").action(ActionSpec::SetPriority(5)),
        rule(2, "forward").action(ActionSpec::MarkPacket("after".into())),
    ];
    let mut set = w.compile(Table::Mangle, &rules).unwrap();
    let mut packet = TestPacket::web();
    let outcome = w.run(&mut set, BuiltinChain::Forward, &mut packet, now);
    assert_eq!(outcome.verdict, ChainVerdict::Accept);
    assert_eq!(packet.packet.meta.priority, 5);
    assert_ne!(
        packet.packet.meta.packet_mark, 0,
        "evaluation went on after set-priority"
    );
}

#[test]
fn address_list_matchers_and_actions() {
    let mut w = World::new();
    w.state
        .address_lists
        .add(
            "blocked",
            AddrRange::prefix(Ipv4Cidr::new(ip(10, 0, 0, 0), 8)),
            None,
            Instant::ZERO,
        )
        .unwrap();
    let specs = [
        rule(1, "forward")
            .with(Match::SrcAddressList("blocked".into()))
            .action(ActionSpec::Drop),
        rule(2, "forward")
            .with(Match::DstAddressList("seen".into()))
            .action(ActionSpec::Reject(RejectWith::TcpReset)),
        rule(3, "forward").action(ActionSpec::AddDstToAddressList {
            list: "seen".into(),
            timeout: ListTimeout::After(Duration::from_secs(60)),
        }),
    ];
    let mut set = w.compile(Table::Filter, &specs).unwrap();
    let mut from_blocked = TestPacket::tcp(ip(10, 9, 9, 9), 1, ip(1, 1, 1, 1), 80, SYN);
    assert_eq!(
        w.run(
            &mut set,
            BuiltinChain::Forward,
            &mut from_blocked,
            Instant::ZERO
        )
        .verdict,
        ChainVerdict::Drop
    );
    let t0 = Instant::from_secs(10);
    assert_eq!(
        w.run(&mut set, BuiltinChain::Forward, &mut TestPacket::web(), t0)
            .verdict,
        ChainVerdict::Accept
    );
    // Now 1.1.1.1 is on `seen` for 60 s.
    let r = w.run(
        &mut set,
        BuiltinChain::Forward,
        &mut TestPacket::web(),
        t0 + Duration::from_secs(59),
    );
    assert_eq!(r.verdict, ChainVerdict::Reject(RejectWith::TcpReset));
    assert_eq!(r.effects.decided_by, Some(RuleId(2)));
    let r = w.run(
        &mut set,
        BuiltinChain::Forward,
        &mut TestPacket::web(),
        t0 + Duration::from_secs(60),
    );
    assert_eq!(r.verdict, ChainVerdict::Accept, "expired");
}

#[test]
fn connection_limit_asks_the_counter() {
    struct Conns;
    impl ConnectionCounter for Conns {
        fn connections_from(&self, addr: Ipv4Address, prefix_len: u8) -> u32 {
            assert_eq!(prefix_len, 24);
            if addr == ip(192, 168, 88, 0) { 100 } else { 3 }
        }
    }
    let mut w = World::new();
    let specs = [rule(1, "forward")
        .with(Match::Protocol(6))
        .with(Match::ConnectionLimit {
            limit: 50,
            prefix_len: 24,
        })
        .action(ActionSpec::Drop)];
    let mut set = w.compile(Table::Filter, &specs).unwrap();
    let env = Env {
        host: &NoEnv,
        connections: &Conns,
    };
    for (src, expected) in [
        (ip(192, 168, 88, 7), ChainVerdict::Drop),
        (ip(10, 0, 0, 1), ChainVerdict::Accept),
    ] {
        let mut p = TestPacket::tcp(src, 1, ip(1, 1, 1, 1), 80, SYN);
        let f = p.facts();
        assert_eq!(
            set.run(
                BuiltinChain::Forward,
                &f,
                &mut p.packet,
                &mut w.state,
                env,
                Instant::ZERO
            )
            .verdict,
            expected
        );
    }
}

#[test]
fn per_connection_classifier_splits_and_is_symmetric() {
    let mut w = World::new();
    let specs = |r| {
        vec![
            rule(1, "forward")
                .with(Match::PerConnectionClassifier {
                    kind: PccKind::BothAddressesAndPorts,
                    every: 3,
                    remainder: r,
                })
                .action(ActionSpec::Drop),
        ]
    };
    let mut sets: Vec<_> = (0..3)
        .map(|r| w.compile(Table::Filter, &specs(r)).unwrap())
        .collect();
    let mut counts = [0; 3];
    for port in 1000..1300 {
        let mut hits = 0;
        for (r, set) in sets.iter_mut().enumerate() {
            let mut p = TestPacket::tcp(ip(192, 168, 88, 10), port, ip(1, 1, 1, 1), 443, SYN);
            let original = w
                .run(set, BuiltinChain::Forward, &mut p, Instant::ZERO)
                .verdict;
            // The reply direction classifies the same.
            let mut reply =
                TestPacket::tcp(ip(1, 1, 1, 1), 443, ip(192, 168, 88, 10), port, SYN | ACK);
            reply.conn.as_mut().unwrap().direction = Direction::Reply;
            assert_eq!(
                w.run(set, BuiltinChain::Forward, &mut reply, Instant::ZERO)
                    .verdict,
                original
            );
            if original == ChainVerdict::Drop {
                hits += 1;
                counts[r] += 1;
            }
        }
        assert_eq!(hits, 1, "exactly one class per connection");
    }
    assert!(counts.iter().all(|&c| c > 60), "{counts:?}");
}

// ---------------------------------------------------------------------------------------------------
// Stateful matchers: deterministic given time and seed.

#[test]
fn limit_nth_random_dst_limit_are_deterministic() {
    let mut w = World::new();
    // limit=2/1s,3:packet — only counts packets that matched the rest of the rule (udp).
    let limit = RateSpec {
        count: 2,
        period: Duration::from_secs(1),
        burst: 3,
        mode: LimitMode::Packet,
    };
    let specs = [rule(1, "forward")
        .with(Match::Limit(limit))
        .with(Match::Protocol(17))
        .action(ActionSpec::Drop)];
    let mut set = w.compile(Table::Filter, &specs).unwrap();
    let t = Instant::from_secs(5);
    for _ in 0..10 {
        assert_eq!(
            w.run(&mut set, BuiltinChain::Forward, &mut TestPacket::web(), t)
                .verdict,
            ChainVerdict::Accept
        );
    }
    let udp = || TestPacket::udp(ip(10, 0, 0, 1), 1, ip(10, 0, 0, 2), 2, b"");
    let drops = |w: &mut World, set: &mut CompiledRuleSet, n, t| {
        (0..n)
            .filter(|_| {
                w.run(set, BuiltinChain::Forward, &mut udp(), t).verdict == ChainVerdict::Drop
            })
            .count()
    };
    assert_eq!(
        drops(&mut w, &mut set, 10, t),
        3,
        "burst, untouched by tcp packets"
    );
    assert_eq!(
        drops(&mut w, &mut set, 10, t + Duration::from_millis(500)),
        1
    );

    // nth=3,2: packets 2, 5, 8, ...
    let specs = drop_if(Match::Nth { every: 3, nth: 2 });
    let mut set = w.compile(Table::Filter, &specs).unwrap();
    let pattern: Vec<bool> = (0..9)
        .map(|_| {
            w.run(&mut set, BuiltinChain::Forward, &mut TestPacket::web(), t)
                .verdict
                == ChainVerdict::Drop
        })
        .collect();
    assert_eq!(
        pattern,
        [false, true, false, false, true, false, false, true, false]
    );

    // random=30: same seed, same sequence; roughly 30%.
    let run_random = |seed| {
        let mut w = World::new();
        w.state.rng = state::Prng::new(seed);
        let mut set = w
            .compile(Table::Filter, &drop_if(Match::Random(30)))
            .unwrap();
        (0..1000)
            .map(|_| {
                w.run(&mut set, BuiltinChain::Forward, &mut TestPacket::web(), t)
                    .verdict
                    == ChainVerdict::Drop
            })
            .collect::<Vec<_>>()
    };
    let a = run_random(1);
    assert_eq!(a, run_random(1));
    assert_ne!(a, run_random(2));
    let hits = a.iter().filter(|&&x| x).count();
    assert!((240..360).contains(&hits), "{hits}");

    // dst-limit=1/1s,1,dst-address: one bucket per destination.
    let spec = DstLimitSpec {
        rate: RateSpec {
            count: 1,
            period: Duration::from_secs(1),
            burst: 1,
            mode: LimitMode::Packet,
        },
        mode: DstLimitMode::DstAddress,
        expire: Duration::from_secs(60),
    };
    let mut set = w
        .compile(Table::Filter, &drop_if(Match::DstLimit(spec)))
        .unwrap();
    let to = |d| TestPacket::udp(ip(10, 0, 0, 1), 1, ip(10, 0, 1, d), 2, b"");
    for d in 0..5 {
        assert_eq!(
            w.run(&mut set, BuiltinChain::Forward, &mut to(d), t)
                .verdict,
            ChainVerdict::Drop
        );
        assert_eq!(
            w.run(&mut set, BuiltinChain::Forward, &mut to(d), t)
                .verdict,
            ChainVerdict::Accept
        );
    }
    assert_eq!(
        w.run(
            &mut set,
            BuiltinChain::Forward,
            &mut to(0),
            t + Duration::from_secs(1)
        )
        .verdict,
        ChainVerdict::Drop
    );
}

#[test]
fn dst_limit_table_is_bounded() {
    let spec = DstLimitSpec {
        rate: RateSpec {
            count: 1,
            period: Duration::from_secs(1),
            burst: 1,
            mode: LimitMode::Packet,
        },
        mode: DstLimitMode::DstAddress,
        expire: Duration::from_secs(10),
    };
    let mut table = rate::DstLimitTable::with_capacity(spec, 4);
    let f = |d: u8| TestPacket::udp(ip(10, 0, 0, 1), 1, ip(10, 0, 1, d), 2, b"").facts();
    for d in 0..4 {
        assert!(table.allow(&f(d), Instant::from_secs(0)));
    }
    assert!(
        !table.allow(&f(9), Instant::from_secs(1)),
        "full: over the limit"
    );
    assert!(
        table.allow(&f(9), Instant::from_secs(11)),
        "old entries expired"
    );
    assert!(table.len() <= 4);
}

// ---------------------------------------------------------------------------------------------------
// Chain semantics

#[test]
fn first_terminating_action_wins_and_disabled_rules_are_skipped() {
    let mut w = World::new();
    let mut disabled = rule(1, "forward").action(ActionSpec::Drop);
    disabled.disabled = true;
    let specs = [
        disabled,
        rule(2, "forward").action(ActionSpec::Passthrough),
        rule(3, "forward").action(ActionSpec::Log),
        rule(4, "forward")
            .with(Match::Protocol(6))
            .action(ActionSpec::Reject(RejectWith::Icmp(
                IcmpErrorKind::AdminProhibited,
            ))),
        rule(5, "forward").action(ActionSpec::Drop),
    ];
    let mut set = w.compile(Table::Filter, &specs).unwrap();
    let out = w.run(
        &mut set,
        BuiltinChain::Forward,
        &mut TestPacket::web(),
        Instant::ZERO,
    );
    assert_eq!(
        out.verdict,
        ChainVerdict::Reject(RejectWith::Icmp(IcmpErrorKind::AdminProhibited))
    );
    assert_eq!(out.effects.decided_by, Some(RuleId(4)));
    let udp = &mut TestPacket::udp(ip(10, 0, 0, 1), 1, ip(10, 0, 0, 2), 2, b"");
    assert_eq!(
        w.run(&mut set, BuiltinChain::Forward, udp, Instant::ZERO)
            .verdict,
        ChainVerdict::Drop
    );
    let c = |id| set.rule_counters(RuleId(id)).unwrap().packets;
    assert_eq!((c(1), c(2), c(3), c(4), c(5)), (0, 2, 2, 1, 1));
    assert_eq!(set.rule_counters(RuleId(4)).unwrap().bytes, 40);
    assert_eq!(w.state.log.len(), 2);
    // Chains the table does not have, or empty built-ins, accept.
    assert_eq!(
        w.run(
            &mut set,
            BuiltinChain::Input,
            &mut TestPacket::web(),
            Instant::ZERO
        )
        .verdict,
        ChainVerdict::Accept
    );
    assert_eq!(
        w.run(
            &mut set,
            BuiltinChain::SrcNat,
            &mut TestPacket::web(),
            Instant::ZERO
        )
        .verdict,
        ChainVerdict::Accept
    );
}

#[test]
fn jump_return_and_fall_through() {
    let mut w = World::new();
    let specs = [
        rule(1, "forward").action(ActionSpec::Jump("a".into())),
        rule(2, "forward")
            .with(Match::Protocol(17))
            .action(ActionSpec::Drop),
        rule(3, "a")
            .with(Match::Protocol(1))
            .action(ActionSpec::Return),
        rule(4, "a").action(ActionSpec::Jump("b".into())),
        rule(5, "a")
            .with(Match::Protocol(6))
            .action(ActionSpec::Drop),
        rule(6, "b")
            .with(Match::Protocol(6))
            .with(Match::DstPort(ports(&[(22, 22)])))
            .action(ActionSpec::Accept),
        rule(7, "b").action(ActionSpec::Return),
        rule(8, "b").action(ActionSpec::Drop),
    ];
    let mut set = w.compile(Table::Filter, &specs).unwrap();
    let mut go = |p: &mut TestPacket| {
        w.run(&mut set, BuiltinChain::Forward, p, Instant::ZERO)
            .verdict
    };
    // ssh: accepted inside b.
    assert_eq!(
        go(&mut TestPacket::tcp(
            ip(10, 0, 0, 1),
            1,
            ip(10, 0, 0, 2),
            22,
            SYN
        )),
        ChainVerdict::Accept
    );
    // other tcp: b returns (rule 8 unreached), a drops.
    assert_eq!(go(&mut TestPacket::web()), ChainVerdict::Drop);
    // udp: a falls off its end back to forward, rule 2 drops.
    assert_eq!(
        go(&mut TestPacket::udp(
            ip(10, 0, 0, 1),
            1,
            ip(10, 0, 0, 2),
            2,
            b""
        )),
        ChainVerdict::Drop
    );
    // icmp: returns early from a; forward falls off: implicit accept.
    let out = w.run(
        &mut set,
        BuiltinChain::Forward,
        &mut TestPacket::icmp(ip(1, 1, 1, 1), ip(2, 2, 2, 2), 8, 0),
        Instant::ZERO,
    );
    assert_eq!(out.verdict, ChainVerdict::Accept);
    assert_eq!(out.effects.decided_by, None);
    assert_eq!(set.rule_counters(RuleId(8)).unwrap().packets, 0);
}

#[test]
fn return_in_builtin_chain_accepts() {
    let mut w = World::new();
    let specs = [
        rule(1, "input").action(ActionSpec::Return),
        rule(2, "input").action(ActionSpec::Drop),
    ];
    let mut set = w.compile(Table::Filter, &specs).unwrap();
    let mut p = TestPacket::web().via(Some(LAN), None);
    assert_eq!(
        w.run(&mut set, BuiltinChain::Input, &mut p, Instant::ZERO)
            .verdict,
        ChainVerdict::Accept
    );
}

#[test]
fn mangle_marks_passthrough_and_later_rules_see_marks() {
    let mut w = World::new();
    let mut no_pass = rule(4, "prerouting")
        .with(Match::PacketMark("web".into()))
        .action(ActionSpec::MarkRouting("isp2".into()));
    no_pass.passthrough = false;
    let specs = [
        rule(1, "prerouting")
            .with(Match::Protocol(6))
            .with(Match::ConnectionState(vec![ConnState::New]))
            .action(ActionSpec::MarkConnection("web-conn".into())),
        rule(2, "prerouting")
            .with(Match::ConnectionMark("web-conn".into()))
            .action(ActionSpec::MarkPacket("web".into())),
        rule(3, "prerouting")
            .with(Match::ConnectionMark("no-mark".into()))
            .action(ActionSpec::Drop),
        no_pass,
        rule(5, "prerouting").action(ActionSpec::Drop),
    ];
    let mut set = w.compile(Table::Mangle, &specs).unwrap();
    let mut p = TestPacket::web().via(Some(LAN), None);
    let out = w.run(&mut set, BuiltinChain::Prerouting, &mut p, Instant::ZERO);
    assert_eq!(
        out.verdict,
        ChainVerdict::Accept,
        "passthrough=no stops as accept"
    );
    let m = |n| w.marks.get(n).unwrap();
    assert_eq!(out.effects.connection_mark, Some(m("web-conn")));
    assert_eq!(out.effects.packet_mark, Some(m("web")));
    assert_eq!(out.effects.routing_mark, Some(m("isp2")));
    assert_eq!(out.effects.decided_by, Some(RuleId(4)));
    assert_eq!(p.packet.meta.packet_mark, m("web"));
    assert_eq!(p.packet.meta.routing_mark, m("isp2"));
    assert_eq!(p.packet.meta.connection_mark, m("web-conn"));
    // UDP: not marked, rule 3 drops.
    let mut udp = TestPacket::udp(ip(10, 0, 0, 1), 1, ip(10, 0, 0, 2), 2, b"");
    assert_eq!(
        w.run(&mut set, BuiltinChain::Prerouting, &mut udp, Instant::ZERO)
            .verdict,
        ChainVerdict::Drop
    );
}

#[test]
fn nat_and_raw_verdicts() {
    let mut w = World::new();
    let to = AddrRange::single(ip(192, 168, 88, 2));
    let specs = [
        rule(1, "srcnat")
            .with(Match::OutInterfaceList("WAN".into()))
            .action(ActionSpec::Masquerade { to_ports: None }),
        rule(2, "dstnat")
            .with(Match::Protocol(6))
            .with(Match::InInterface("ether1".into()))
            .with(Match::DstPort(ports(&[(8080, 8080)])))
            .action(ActionSpec::DstNat {
                to_addresses: Some(to),
                to_ports: Some(PortRange::single(80)),
            }),
        rule(3, "dstnat")
            .with(Match::Protocol(17))
            .action(ActionSpec::Accept),
    ];
    let mut nat = w.compile(Table::Nat, &specs).unwrap();
    let out = w.run(
        &mut nat,
        BuiltinChain::SrcNat,
        &mut TestPacket::web(),
        Instant::ZERO,
    );
    assert_eq!(
        out.verdict,
        ChainVerdict::Nat(NatAction::Masquerade { to_ports: None })
    );
    let mut inbound =
        TestPacket::tcp(ip(8, 8, 8, 8), 5000, ip(203, 0, 113, 1), 8080, SYN).via(Some(WAN), None);
    assert_eq!(
        w.run(&mut nat, BuiltinChain::DstNat, &mut inbound, Instant::ZERO)
            .verdict,
        ChainVerdict::Nat(NatAction::DstNat {
            to_addresses: Some(to),
            to_ports: Some(PortRange::single(80))
        })
    );
    let raw_specs = [rule(1, "prerouting")
        .with(Match::Protocol(17))
        .action(ActionSpec::NoTrack)];
    let mut raw = w.compile(Table::Raw, &raw_specs).unwrap();
    let mut udp = TestPacket::udp(ip(10, 0, 0, 1), 1, ip(10, 0, 0, 2), 53, b"");
    assert_eq!(
        w.run(&mut raw, BuiltinChain::Prerouting, &mut udp, Instant::ZERO)
            .verdict,
        ChainVerdict::NoTrack
    );
}

/// The RouterOS defconf filter (routeros-reference.md §2), rule ids 1..=9.
fn defconf() -> Vec<RuleSpec> {
    super::defconf::filter(1)
}

#[test]
fn defconf_filter() {
    let mut w = World::new();
    let mut set = w.compile(Table::Filter, &defconf()).unwrap();
    let now = Instant::from_secs(1);
    let fwd =
        |w: &mut World, p: &mut TestPacket| w.run(&mut set.clone(), BuiltinChain::Forward, p, now);
    let lan_out = || TestPacket::web().via(Some(LAN), Some(WAN));
    let wan_in = || {
        TestPacket::tcp(ip(8, 8, 8, 8), 1234, ip(192, 168, 88, 10), 22, SYN)
            .via(Some(WAN), Some(LAN))
    };

    let est = fwd(&mut w, &mut lan_out().state(ConnState::Established));
    assert_eq!(est.verdict, ChainVerdict::Accept);
    assert!(est.effects.fasttrack, "fasttrack requested");
    assert_eq!(est.effects.decided_by, Some(RuleId(7)));
    assert_eq!(
        fwd(&mut w, &mut lan_out().state(ConnState::Invalid)).verdict,
        ChainVerdict::Drop
    );
    let new_out = fwd(&mut w, &mut lan_out());
    assert_eq!(new_out.verdict, ChainVerdict::Accept);
    assert!(!new_out.effects.fasttrack);
    assert_eq!(
        fwd(&mut w, &mut wan_in()).verdict,
        ChainVerdict::Drop,
        "new from WAN dropped"
    );
    let mut port_forwarded = wan_in();
    port_forwarded.conn.as_mut().unwrap().dstnat = true;
    assert_eq!(
        fwd(&mut w, &mut port_forwarded).verdict,
        ChainVerdict::Accept,
        "dst-nat'ed new from WAN passes"
    );

    let mut input = |p: &mut TestPacket| w.run(&mut set, BuiltinChain::Input, p, now).verdict;
    let to_router =
        |i| TestPacket::tcp(ip(8, 8, 8, 8), 1234, ip(203, 0, 113, 1), 8291, SYN).via(Some(i), None);
    assert_eq!(
        input(&mut to_router(WAN)),
        ChainVerdict::Drop,
        "winbox from WAN"
    );
    assert_eq!(
        input(&mut to_router(LAN)),
        ChainVerdict::Accept,
        "winbox from LAN"
    );
    assert_eq!(
        input(&mut to_router(WAN).state(ConnState::Established)),
        ChainVerdict::Accept
    );
    assert_eq!(
        input(&mut TestPacket::icmp(ip(8, 8, 8, 8), ip(203, 0, 113, 1), 8, 0).via(Some(WAN), None)),
        ChainVerdict::Accept
    );
    assert_eq!(
        input(&mut to_router(LAN).state(ConnState::Invalid)),
        ChainVerdict::Drop
    );
}

#[test]
fn counters_survive_recompile() {
    let mut w = World::new();
    let mut set = w.compile(Table::Filter, &defconf()).unwrap();
    for _ in 0..3 {
        w.run(
            &mut set,
            BuiltinChain::Forward,
            &mut TestPacket::web().state(ConnState::Invalid),
            Instant::ZERO,
        );
    }
    assert_eq!(
        set.rule_counters(RuleId(8)),
        Some(RuleCounters {
            packets: 3,
            bytes: 120
        })
    );
    // Edit: drop rule 6, insert a new rule 10 in front; rule 8 keeps its counters.
    let mut specs = defconf();
    specs.retain(|r| r.id != RuleId(6));
    specs.insert(5, rule(10, "forward").with(Match::Protocol(47)));
    let mut new = w.compile(Table::Filter, &specs).unwrap();
    new.inherit_counters(&set);
    set = new;
    assert_eq!(set.rule_counters(RuleId(8)).unwrap().packets, 3);
    assert_eq!(set.rule_counters(RuleId(10)).unwrap().packets, 0);
    assert_eq!(set.rule_counters(RuleId(6)), None);
    set.reset_counters();
    assert_eq!(set.rule_counters(RuleId(8)).unwrap().packets, 0);
}

#[test]
fn one_rules_counters_reset_alone() {
    let mut w = World::new();
    let mut set = w.compile(Table::Filter, &defconf()).unwrap();
    let mut packets = [
        TestPacket::web().state(ConnState::Invalid),
        TestPacket::web().state(ConnState::Established),
    ];
    for packet in &mut packets {
        w.run(&mut set, BuiltinChain::Forward, packet, Instant::ZERO);
    }
    let counted: Vec<(RuleId, RuleCounters)> =
        set.counters().filter(|(_, c)| c.packets > 0).collect();
    assert!(counted.len() >= 2, "{counted:?}");
    let (reset, kept) = (counted[0].0, counted[1]);
    assert!(set.reset_rule_counters(reset));
    assert_eq!(set.rule_counters(reset), Some(RuleCounters::default()));
    assert_eq!(
        set.rule_counters(kept.0),
        Some(kept.1),
        "other rules keep theirs"
    );
    assert!(!set.reset_rule_counters(RuleId(999)), "no such rule");
}

// ---------------------------------------------------------------------------------------------------
// Logging

#[test]
fn log_lines_look_like_routeros() {
    struct Names;
    impl HostInfo for Names {
        fn is_local(&self, _: Ipv4Address) -> bool {
            false
        }
        fn is_directed_broadcast(&self, _: Ipv4Address) -> bool {
            false
        }
        fn interface_name(&self, id: InterfaceId) -> Option<String> {
            Some(alloc::format!("ether{}", id.0 + 1))
        }
    }
    let mut w = World::new();
    let mut r = rule(1, "forward").action(ActionSpec::Drop);
    r.log = true;
    r.log_prefix = "DROP".into();
    let mut set = w.compile(Table::Filter, &[r]).unwrap();
    let mut p = TestPacket::web();
    let f = p.facts();
    let env = Env {
        host: &Names,
        connections: &NoEnv,
    };
    set.run(
        BuiltinChain::Forward,
        &f,
        &mut p.packet,
        &mut w.state,
        env,
        Instant::from_secs(3),
    );
    let line = w.state.log.lines().next().unwrap();
    assert_eq!(
        line.text,
        "DROP forward: in:ether2 out:ether1, connection-state:new src-mac 02:00:00:00:00:01, proto TCP (SYN), \
         192.168.88.10:40000->1.1.1.1:443, len 40"
    );
    assert_eq!(line.time, Instant::from_secs(3));
}

// ---------------------------------------------------------------------------------------------------
// Mangle rewrites keep checksums valid.

fn header_ok(l3: &[u8]) -> bool {
    verify(&l3[..usize::from(l3[0] & 0xF) * 4])
}

#[test]
fn mangle_rewrites_keep_checksums_valid() {
    let mut w = World::new();
    let mut rng = Rng::new(99);
    let mut mss = rule(5, "forward")
        .with(Match::Protocol(6))
        .action(ActionSpec::ChangeMss(MssChange::Set(1360)));
    mss.passthrough = true;
    let specs = [
        rule(1, "forward").action(ActionSpec::ChangeTtl(TtlChange::Decrement(3))),
        rule(2, "forward").action(ActionSpec::ChangeDscp(46)),
        rule(3, "forward").action(ActionSpec::ClearDf),
        rule(4, "forward")
            .with(Match::Ttl(TtlMatch::Equal(61)))
            .with(Match::Dscp(46))
            .action(ActionSpec::Passthrough),
        mss,
        rule(6, "forward")
            .with(Match::Protocol(6))
            .with(Match::TcpMss(ValueRange::new(1360, 1360)))
            .action(ActionSpec::StripIpv4Options),
        rule(7, "forward")
            .with(Match::Content(b"hello".to_vec()))
            .action(ActionSpec::Passthrough),
    ];
    let mut set = w.compile(Table::Mangle, &specs).unwrap();
    for case in 0..200 {
        // Random TCP SYNs with the MSS option at various (odd/even) positions and random IP options.
        let pad = rng.below(4);
        let mut opts = vec![1u8; pad];
        let mss_v = 1300 + rng.below(300) as u16;
        opts.extend_from_slice(&[2, 4]);
        opts.extend_from_slice(&mss_v.to_be_bytes());
        while !opts.len().is_multiple_of(4) {
            opts.push(0);
        }
        let ip_opts: Vec<u8> = if case % 2 == 0 {
            vec![1, 1, 1, 0]
        } else {
            vec![]
        };
        let seg = tcp_segment(rng.u16(), 443, SYN, &opts, b"hello");
        let mut bytes = ipv4(6, ip(10, 0, 0, 1), ip(10, 0, 0, 2), &ip_opts, &seg);
        bytes[1] = 0x01; // ECN bit kept by change-dscp
        let c = internet_checksum(&{
            let mut h = bytes[..20 + ip_opts.len()].to_vec();
            h[10] = 0;
            h[11] = 0;
            h
        });
        bytes[10..12].copy_from_slice(&c.to_be_bytes());
        let mut p = TestPacket::new(&bytes);
        let out = w.run(&mut set, BuiltinChain::Forward, &mut p, Instant::ZERO);
        assert_eq!(out.verdict, ChainVerdict::Accept);
        assert!(out.effects.packet_modified);
        let l3 = p.packet.l3();
        assert!(header_ok(l3), "case {case}");
        assert_eq!(l4_sum(l3), 0xFFFF, "TCP checksum case {case}");
        assert_eq!(l3[8], 61);
        assert_eq!(l3[1], 46 << 2 | 1);
        assert_eq!(l3[6] & 0x40, 0);
        let f = p.facts();
        assert_eq!(f.tcp_mss, Some(mss_v.min(1360)));
        assert_eq!(
            set.rule_counters(RuleId(4)).unwrap().packets,
            case + 1,
            "later rules see the rewrite"
        );
        if mss_v > 1360 {
            assert_eq!(f.header_len, 20, "options stripped");
            assert_eq!(usize::from(f.size), l3.len());
        }
        assert_eq!(
            set.rule_counters(RuleId(7)).unwrap().packets,
            case + 1,
            "payload still found after strip"
        );
    }
}

// ---------------------------------------------------------------------------------------------------
// Robustness

#[test]
fn parse_never_panics_on_truncation_or_garbage() {
    let meta = Meta::default();
    let samples = [
        ipv4(
            6,
            ip(1, 2, 3, 4),
            ip(5, 6, 7, 8),
            &[1, 1, 1, 0],
            &tcp_segment(1, 2, SYN, &[2, 4, 5, 0xb4], b"data"),
        ),
        ipv4(
            17,
            ip(1, 2, 3, 4),
            ip(5, 6, 7, 8),
            &[],
            &udp_datagram(1, 2, b"x"),
        ),
        ipv4(
            1,
            ip(1, 2, 3, 4),
            ip(5, 6, 7, 8),
            &[],
            &[8, 0, 0, 0, 0, 0, 0, 0],
        ),
    ];
    for s in &samples {
        for len in 0..=s.len() {
            let f = PacketFacts::parse(&s[..len], &meta, None, None);
            assert_eq!(f.is_none(), len < usize::from(s[0] & 0xF) * 4, "len {len}");
            if let Some(f) = f {
                assert!(f.payload_start <= f.payload_end && usize::from(f.payload_end) <= len);
            }
        }
    }
    let mut w = World::new();
    let everything = [
        rule(1, "forward")
            .with(Match::Content(b"ab".to_vec()))
            .action(ActionSpec::Log),
        rule(2, "forward")
            .with(Match::Protocol(6))
            .with(Match::TcpFlags { set: SYN, unset: 0 })
            .action(ActionSpec::ChangeMss(MssChange::Set(500))),
        rule(3, "forward").action(ActionSpec::ChangeTtl(TtlChange::Increment(1))),
        rule(4, "forward").action(ActionSpec::StripIpv4Options),
        rule(5, "forward").action(ActionSpec::ClearDf),
    ];
    let mut set = w.compile(Table::Mangle, &everything).unwrap();
    let mut rng = Rng::new(1);
    for _ in 0..20_000 {
        let len = rng.below(80);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        if let Some(b) = bytes.first_mut() {
            *b = 0x40 | (*b & 0x0F);
        }
        if bytes.len() > 9 && rng.below(2) == 0 {
            bytes[9] = [1, 6, 17][rng.below(3)];
        }
        let mut p = TestPacket::new(&bytes);
        if let Some(f) = PacketFacts::parse(p.packet.l3(), &p.packet.meta, None, None) {
            set.run(
                BuiltinChain::Forward,
                &f,
                &mut p.packet,
                &mut w.state,
                Env::none(),
                Instant::ZERO,
            );
        }
        let _ = PacketFacts::parse(&bytes, &meta, Some(conn(ConnState::New)), Some(MAC));
    }
}

#[test]
fn address_list_lookup_via_rules_with_many_entries() {
    let mut w = World::new();
    let mut rng = Rng::new(3);
    let mut members = Vec::new();
    for _ in 0..20_000 {
        let a = Ipv4Address::from(rng.u32());
        if w.state
            .address_lists
            .add("big", AddrRange::single(a), None, Instant::ZERO)
            .is_ok()
        {
            members.push(a);
        }
    }
    let mut set = w
        .compile(Table::Filter, &drop_if(Match::SrcAddressList("big".into())))
        .unwrap();
    for (i, a) in members.iter().enumerate().take(500) {
        let mut p = TestPacket::udp(*a, 1, ip(1, 1, 1, 1), 2, b"");
        assert_eq!(
            w.run(&mut set, BuiltinChain::Forward, &mut p, Instant::ZERO)
                .verdict,
            ChainVerdict::Drop,
            "{i}"
        );
    }
}

// ---------------------------------------------------------------------------------------------------
// The rule index: indexed evaluation is sequential evaluation, only faster.

const PORT_POOL: [u16; 10] = [22, 53, 80, 443, 8080, 1000, 1001, 1002, 1003, 40000];
const BASES: [[u8; 3]; 5] = [
    [10, 0, 0],
    [10, 0, 1],
    [192, 168, 88],
    [1, 1, 1],
    [172, 16, 0],
];

fn random_addr(r: &mut Rng) -> Ipv4Address {
    if r.below(10) == 0 {
        return Ipv4Address::from(r.u32());
    }
    let [a, b, c] = BASES[r.below(BASES.len())];
    ip(a, b, c, r.below(8) as u8)
}

fn random_port(r: &mut Rng) -> u16 {
    if r.below(5) == 0 {
        r.u16()
    } else {
        PORT_POOL[r.below(PORT_POOL.len())]
    }
}

fn random_ports(r: &mut Rng) -> Vec<PortRange> {
    (0..1 + r.below(3))
        .map(|_| match r.below(6) {
            0 => {
                let p = random_port(r);
                PortRange::new(p, p.saturating_add(r.below(20) as u16))
            }
            1 => PortRange::new(1000, 2000),
            _ => PortRange::single(random_port(r)),
        })
        .collect()
}

fn random_range(r: &mut Rng) -> AddrRange {
    let a = random_addr(r);
    match r.below(4) {
        0 | 1 => AddrRange::single(a),
        2 => {
            let len = [0, 8, 16, 24, 28, 29, 30, 31, 32][r.below(9)];
            AddrRange::prefix(Ipv4Cidr::new(a, len))
        }
        _ => AddrRange::range(a, random_addr(r)),
    }
}

fn random_rule(r: &mut Rng, id: u32, table: Table) -> RuleSpec {
    let chain = match r.below(20) {
        0..=11 => "forward",
        12..=16 => "u1",
        _ => "u2",
    };
    let mut spec = rule(id, chain);
    let add = |spec: RuleSpec, r: &mut Rng, m: Match| {
        if r.below(5) == 0 {
            spec.without(m)
        } else {
            spec.with(m)
        }
    };
    // Protocol (and what needs it) first.
    if r.below(3) != 0 {
        let proto = [6, 17, 1, 47][r.below(4)];
        if r.below(6) == 0 {
            spec = spec.without(Match::Protocol(proto));
        } else {
            spec = spec.with(Match::Protocol(proto));
            if proto == 6 || proto == 17 {
                if r.below(3) != 0 {
                    let m = Match::DstPort(random_ports(r));
                    spec = add(spec, r, m);
                }
                if r.below(5) == 0 {
                    let m = Match::SrcPort(random_ports(r));
                    spec = add(spec, r, m);
                }
                if r.below(8) == 0 {
                    let m = Match::Port(random_ports(r));
                    spec = add(spec, r, m);
                }
            }
            if proto == 6 && r.below(5) == 0 {
                spec = add(
                    spec,
                    r,
                    Match::TcpFlags {
                        set: SYN,
                        unset: ACK,
                    },
                );
            }
        }
    }
    for _ in 0..r.below(4) {
        let iface = ["ether1", "ether2", "ether3"][r.below(3)];
        let list = ["WAN", "LAN", "all"][r.below(3)];
        let mark = ["m1", "m2", "no-mark"][r.below(3)];
        let m = match r.below(14) {
            0 | 1 => Match::SrcAddress(random_range(r)),
            2 | 3 => Match::DstAddress(random_range(r)),
            4 => Match::InInterface(iface.into()),
            5 => Match::InInterfaceList(list.into()),
            6 => Match::OutInterface(iface.into()),
            7 => Match::OutInterfaceList(list.into()),
            8 => Match::ConnectionState(vec![[ConnState::New, ConnState::Established][r.below(2)]]),
            9 => Match::PacketMark(mark.into()),
            10 => Match::Nth {
                every: 3,
                nth: 1 + r.below(3) as u32,
            },
            11 => Match::Random(1 + r.below(99) as u8),
            12 => Match::Limit(RateSpec {
                count: 1 + r.below(3) as u64,
                period: Duration::from_secs(1),
                burst: 2,
                mode: LimitMode::Packet,
            }),
            _ => Match::SrcAddressList("bad".into()),
        };
        spec = add(spec, r, m);
    }
    let target = match chain {
        "forward" => ["u1", "u2"][r.below(2)],
        "u1" => "u2",
        _ => "",
    };
    let action = match r.below(13) {
        0 | 1 => ActionSpec::Accept,
        2 | 3 => ActionSpec::Drop,
        4 | 5 if !target.is_empty() => ActionSpec::Jump(target.into()),
        6 => ActionSpec::Return,
        7 => ActionSpec::Passthrough,
        8 => ActionSpec::Log,
        9 => ActionSpec::AddSrcToAddressList {
            list: "bad".into(),
            timeout: ListTimeout::After(Duration::from_secs(2)),
        },
        _ if table == Table::Mangle => match r.below(4) {
            0 => ActionSpec::MarkPacket(["m1", "m2"][r.below(2)].into()),
            1 => ActionSpec::MarkConnection("m1".into()),
            2 => ActionSpec::ChangeTtl(TtlChange::Decrement(1)),
            _ => ActionSpec::ChangeDscp(r.below(64) as u8),
        },
        _ => [
            ActionSpec::Reject(RejectWith::TcpReset),
            ActionSpec::Tarpit,
            ActionSpec::FasttrackConnection,
        ][r.below(3)]
        .clone(),
    };
    spec = spec.action(action);
    spec.passthrough = r.below(2) == 0;
    spec.disabled = r.below(10) == 0;
    spec.log = r.below(20) == 0;
    spec
}

fn random_packet(r: &mut Rng) -> TestPacket {
    let (src, dst) = (random_addr(r), random_addr(r));
    let (sport, dport) = (random_port(r), random_port(r));
    let p = match r.below(5) {
        0 | 1 => TestPacket::tcp(src, sport, dst, dport, [SYN, ACK, SYN | ACK][r.below(3)]),
        2 => TestPacket::udp(src, sport, dst, dport, b"x"),
        3 => TestPacket::icmp(src, dst, 8, 0),
        _ => TestPacket::new(&ipv4(47, src, dst, &[], &[0; 8])),
    };
    let iface = |r: &mut Rng| [None, Some(WAN), Some(LAN), Some(InterfaceId(2))][r.below(4)];
    let (i, o) = (iface(r), iface(r));
    let state = [ConnState::New, ConnState::Established, ConnState::Invalid][r.below(3)];
    p.via(i, o).state(state)
}

#[test]
fn indexed_evaluation_equals_sequential_evaluation() {
    let mut r = Rng::new(0x1D3);
    let mut compiled = 0;
    let mut matched = 0u64;
    for case in 0..300 {
        let table = if case % 2 == 0 {
            Table::Filter
        } else {
            Table::Mangle
        };
        let n = 1 + r.below(if case % 5 == 0 { 400 } else { 80 });
        let specs: Vec<RuleSpec> = (0..n)
            .map(|i| random_rule(&mut r, i as u32, table))
            .collect();
        let (mut wi, mut ws) = (World::new(), World::new());
        let (Ok(mut indexed), Ok(mut sequential)) =
            (wi.compile(table, &specs), ws.compile(table, &specs))
        else {
            continue; // e.g. a jump to a chain that got no rules
        };
        compiled += 1;
        let bad = wi.state.address_lists.list_id("bad").unwrap();
        for k in 0..150u64 {
            let now = Instant::from_millis(k as i64 * 97);
            let seed = r.next_u64();
            let (mut pi, mut ps) = (
                random_packet(&mut Rng::new(seed)),
                random_packet(&mut Rng::new(seed)),
            );
            let facts = pi.facts();
            let oi = indexed.run(
                BuiltinChain::Forward,
                &facts,
                &mut pi.packet,
                &mut wi.state,
                Env::none(),
                now,
            );
            let os = sequential.run_sequential(
                BuiltinChain::Forward,
                &facts,
                &mut ps.packet,
                &mut ws.state,
                Env::none(),
                now,
            );
            assert_eq!(oi, os, "case {case} packet {k}");
            assert_eq!(pi.packet.l3(), ps.packet.l3(), "case {case} packet {k}");
            assert_eq!(pi.packet.meta, ps.packet.meta, "case {case} packet {k}");
            let ci: Vec<_> = indexed.counters().collect();
            let cs: Vec<_> = sequential.counters().collect();
            assert_eq!(ci, cs, "case {case} packet {k}");
            matched += u64::from(oi.effects.decided_by.is_some());
        }
        let (li, ls): (Vec<_>, Vec<_>) = (
            wi.state.log.lines().collect(),
            ws.state.log.lines().collect(),
        );
        assert_eq!(li, ls, "case {case}");
        let entries = |w: &World| {
            let mut v: Vec<_> = w
                .state
                .address_lists
                .entries(bad)
                .map(|e| (e.address.start, e.address.end, e.dynamic, e.expires_at))
                .collect();
            v.sort();
            v
        };
        assert_eq!(entries(&wi), entries(&ws), "case {case}");
        assert_eq!(wi.state.rng.below(1 << 30), ws.state.rng.below(1 << 30));
    }
    assert!(compiled >= 150, "only {compiled} rule sets compiled");
    assert!(matched > 10_000, "only {matched} decided packets");
}

#[test]
fn index_offers_only_rules_that_can_match() {
    let mut w = World::new();
    let mut specs: Vec<RuleSpec> = (0..1000u32)
        .map(|i| {
            rule(i, "forward")
                .with(Match::Protocol(6))
                .with(Match::DstPort(ports(&[(1000 + i as u16, 1000 + i as u16)])))
                .action(ActionSpec::Drop)
        })
        .collect();
    specs.extend((0..1000u32).map(|i| {
        rule(2000 + i, "forward")
            .with(Match::SrcAddress(AddrRange::single(Ipv4Address::from(
                0x0A00_0000 + i,
            ))))
            .action(ActionSpec::Drop)
    }));
    specs.push(rule(5000, "forward").with(Match::InInterface("ether3".into())));
    specs.push(rule(5001, "forward").without(Match::Protocol(6)));
    specs.push(rule(9999, "forward"));
    let set = w.compile(Table::Filter, &specs).unwrap();
    // Port 443 from 192.168.88.10 via ether2: only the negated rule and the catch-all remain.
    assert_eq!(
        set.candidates(BuiltinChain::Forward, &TestPacket::web().facts()),
        2
    );
    // Port 1005 from 10.0.0.7 via ether3: its port rule, its address rule, the interface rule, + 2.
    let p = TestPacket::tcp(Ipv4Address::from(0x0A00_0007), 1, ip(1, 1, 1, 1), 1005, SYN)
        .via(Some(InterfaceId(2)), Some(WAN));
    assert_eq!(set.candidates(BuiltinChain::Forward, &p.facts()), 5);
}
