//! The FastTrack fast path (`engine::fast_path`) against the full path: two engines with the same SOHO
//! configuration, one with the fast path and one with `FullPathOnly`, get the same frames and the same
//! configuration changes; everything they send and count must be equal, and the fast one must really
//! have used the fast path where it may. The changes are the ones a cached forwarding decision would
//! have to notice: routes, neighbour MACs, rules, connection removal, address removal (masquerade),
//! MTU, interface state, TTL, TCP FIN/RST and timeouts.

mod common;

use common::*;
use netstack::conntrack::ConntrackSettings;
use netstack::firewall::spec::Table;
use netstack::firewall::{ActionSpec, Firewall, Match, RuleSpec};
use netstack::hooks::{FullPathOnly, Hooks};
use netstack::interface::InterfaceId;
use netstack::route::{Gateway, StaticRoute};
use netstack::{Duration, Engine, EngineConfig, EngineStats, Instant};
use smoltcp::wire::{EthernetAddress, Ipv4Address, Ipv4Cidr};

const WAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x01]);
const LAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x02]);
const WAN: InterfaceId = InterfaceId(0);
const LAN: InterfaceId = InterfaceId(1);
const CLIENT: [u8; 4] = [192, 168, 88, 10];
const SERVER: [u8; 4] = [93, 184, 216, 34];
const PUBLIC: [u8; 4] = [10, 0, 0, 1];

trait Harnessed: Hooks {
    fn wrap(firewall: Firewall) -> Self;
    fn firewall(&self) -> &Firewall;
    fn firewall_mut(&mut self) -> &mut Firewall;
}

impl Harnessed for Firewall {
    fn wrap(firewall: Firewall) -> Self {
        firewall
    }
    fn firewall(&self) -> &Firewall {
        self
    }
    fn firewall_mut(&mut self) -> &mut Firewall {
        self
    }
}

impl Harnessed for FullPathOnly<Firewall> {
    fn wrap(firewall: Firewall) -> Self {
        FullPathOnly(firewall)
    }
    fn firewall(&self) -> &Firewall {
        &self.0
    }
    fn firewall_mut(&mut self) -> &mut Firewall {
        &mut self.0
    }
}

fn a(octets: [u8; 4]) -> Ipv4Address {
    Ipv4Address::from(octets)
}

/// The SOHO router: defconf filter (with FastTrack), masquerade out of the WAN.
fn soho<H: Harnessed>(now: Instant) -> Engine<H> {
    let firewall = H::wrap(Firewall::new(ConntrackSettings::default(), 42));
    let mut engine = Engine::with_hooks(EngineConfig::default(), firewall, now);
    assert_eq!(engine.add_interface("ether1", WAN_MAC), Some(WAN));
    assert_eq!(engine.add_interface("ether2", LAN_MAC), Some(LAN));
    engine.add_interface("ether3", mac(0x33)).unwrap();
    let lists = engine.interface_lists_mut();
    let (wan_list, lan_list) = (lists.add("WAN").unwrap(), lists.add("LAN").unwrap());
    lists.add_member(wan_list, WAN);
    lists.add_member(lan_list, LAN);
    engine
        .add_address(Ipv4Cidr::new(a(PUBLIC), 24), WAN)
        .unwrap();
    engine
        .add_address(Ipv4Cidr::new(ip(192, 168, 88, 1), 24), LAN)
        .unwrap();
    engine
        .add_address(Ipv4Cidr::new(ip(172, 31, 0, 1), 30), InterfaceId(2))
        .unwrap();
    engine
        .routes_mut()
        .add_static(StaticRoute::via(
            Ipv4Cidr::new(ip(0, 0, 0, 0), 0),
            &[Gateway::Address(ip(10, 0, 0, 2))],
        ))
        .unwrap();
    engine
        .add_static_arp(WAN, ip(10, 0, 0, 2), mac(2), now)
        .unwrap();
    engine
        .add_static_arp(InterfaceId(2), ip(172, 31, 0, 2), mac(0x31), now)
        .unwrap();
    engine.add_static_arp(LAN, a(CLIENT), mac(10), now).unwrap();
    set_rules(
        &mut engine,
        &netstack::firewall::defconf::filter(1),
        Table::Filter,
    );
    let masquerade = [RuleSpec::new(20, "srcnat")
        .with(Match::OutInterfaceList("WAN".into()))
        .action(ActionSpec::Masquerade { to_ports: None })];
    set_rules(&mut engine, &masquerade, Table::Nat);
    for interface in 0..3 {
        engine.transmit(InterfaceId(interface), |_| true);
    }
    engine
}

fn set_rules<H: Harnessed>(engine: &mut Engine<H>, rules: &[RuleSpec], table: Table) {
    let (interfaces, lists) = (
        engine.interfaces().clone(),
        engine.interface_lists().clone(),
    );
    engine
        .hooks_mut()
        .firewall_mut()
        .set_rules(table, rules, &interfaces, &lists)
        .unwrap();
}

/// Both engines, fed alike.
struct Twin {
    fast: Engine<Firewall>,
    full: Engine<FullPathOnly<Firewall>>,
    now: Instant,
}

/// Applies the same change to both engines.
macro_rules! both {
    ($twin:expr, |$e:ident| $body:expr) => {{
        let $e = &mut $twin.fast;
        $body;
        let $e = &mut $twin.full;
        $body;
    }};
}

impl Twin {
    fn new() -> Self {
        let now = Instant::from_secs(100);
        Self {
            fast: soho(now),
            full: soho(now),
            now,
        }
    }

    /// Receives `ip_packet` on `interface` in both; returns the frames each interface sent (equal in
    /// both) and how many packets took the fast path.
    fn receive(&mut self, interface: InterfaceId, ip_packet: &[u8]) -> (Vec<Vec<u8>>, u64) {
        let peer = if interface == LAN { mac(10) } else { mac(2) };
        let own = if interface == LAN { LAN_MAC } else { WAN_MAC };
        let frame = ipv4_frame(peer, own, ip_packet);
        let before = self.fast.stats().fast_forwarded;
        let now = self.now;
        both!(self, |e| e.receive(interface, &frame, now));
        let sent = self.compare();
        (sent, self.fast.stats().fast_forwarded - before)
    }

    fn out(&mut self, ip_packet: &[u8]) -> (Vec<Vec<u8>>, u64) {
        self.receive(LAN, ip_packet)
    }

    fn back(&mut self, ip_packet: &[u8]) -> (Vec<Vec<u8>>, u64) {
        self.receive(WAN, ip_packet)
    }

    /// Drains both engines' queues and checks that they sent and count the same.
    fn compare(&mut self) -> Vec<Vec<u8>> {
        let mut all = Vec::new();
        for interface in 0..3 {
            let (mut fast, mut full) = (Vec::new(), Vec::new());
            self.fast.transmit(InterfaceId(interface), |f| {
                fast.push(f.to_vec());
                true
            });
            self.full.transmit(InterfaceId(interface), |f| {
                full.push(f.to_vec());
                true
            });
            assert_eq!(fast, full, "frames sent on interface {interface}");
            all.extend(fast);
        }
        let stats = EngineStats {
            fast_forwarded: 0,
            ..*self.fast.stats()
        };
        assert_eq!(&stats, self.full.stats());
        assert_eq!(self.fast.drops(), self.full.drops());
        for ((_, x), (_, y)) in self
            .fast
            .interfaces()
            .iter()
            .zip(self.full.interfaces().iter())
        {
            assert_eq!(x.counters, y.counters, "counters of {}", x.name);
        }
        let (x, y) = (self.fast.hooks().firewall(), self.full.hooks().firewall());
        assert_eq!(x.stats(), y.stats());
        assert_eq!(x.conntrack().stats(), y.conntrack().stats());
        assert_eq!(x.connections(self.now), y.connections(self.now));
        for table in [Table::Filter, Table::Nat, Table::Raw, Table::Mangle] {
            let counters = |f: &Firewall| f.rules(table).counters().collect::<Vec<_>>();
            assert_eq!(counters(x), counters(y), "{table:?} rule counters");
        }
        all
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        let now = self.now;
        both!(self, |e| e.poll(now));
        self.compare();
    }

    /// A masqueraded TCP connection client:port → server:80, established and FastTracked.
    fn established(&mut self, port: u16) {
        self.out(&tcp(a(CLIENT), a(SERVER), port, 80, SYN, 1000, 0));
        self.back(&tcp(a(SERVER), a(PUBLIC), 80, port, SYN | ACK, 5000, 1001));
        // The first ACK is established and runs into the fasttrack rule.
        self.out(&tcp(a(CLIENT), a(SERVER), port, 80, ACK, 1001, 5001));
        let (sent, fast) = self.out(&tcp(a(CLIENT), a(SERVER), port, 80, ACK, 1001, 5001));
        assert_eq!((sent.len(), fast), (1, 1), "FastTracked by now");
    }
}

fn tcp(
    src: Ipv4Address,
    dst: Ipv4Address,
    sport: u16,
    dport: u16,
    flags: u8,
    seq: u32,
    ack: u32,
) -> Vec<u8> {
    tcp_with_ttl(src, dst, sport, dport, flags, seq, ack, 64)
}

#[allow(clippy::too_many_arguments)]
fn tcp_with_ttl(
    src: Ipv4Address,
    dst: Ipv4Address,
    sport: u16,
    dport: u16,
    flags: u8,
    seq: u32,
    ack: u32,
    ttl: u8,
) -> Vec<u8> {
    let segment = tcp_payload(src, dst, sport, dport, flags, seq, ack, b"data");
    ipv4(
        src,
        dst,
        smoltcp::wire::IpProtocol::Tcp,
        ttl,
        true,
        &segment,
    )
}

fn destination_mac(frame: &[u8]) -> EthernetAddress {
    EthernetAddress::from_bytes(&frame[..6])
}

#[test]
fn both_directions_take_the_fast_path_with_the_same_result() {
    let mut t = Twin::new();
    t.established(40000);
    for _ in 0..3 {
        let (sent, fast) = t.out(&tcp(a(CLIENT), a(SERVER), 40000, 80, ACK | PSH, 1005, 5001));
        assert_eq!((sent.len(), fast), (1, 1));
        let (sent, fast) = t.back(&tcp(a(SERVER), a(PUBLIC), 80, 40000, ACK, 5001, 1009));
        assert_eq!((sent.len(), fast), (1, 1));
        assert_eq!(destination_mac(&sent[0]), mac(10));
    }
    let conn = &t.fast.hooks().connections(t.now)[0];
    assert!(conn.fasttrack);
    assert_eq!((conn.orig_packets, conn.repl_packets), (6, 4));
}

#[test]
fn udp_flows_take_the_fast_path() {
    let mut t = Twin::new();
    let datagram = |src, dst, sport, dport| {
        ipv4(
            src,
            dst,
            smoltcp::wire::IpProtocol::Udp,
            64,
            false,
            &udp_payload(src, dst, sport, dport, b"q"),
        )
    };
    t.out(&datagram(a(CLIENT), a(SERVER), 5353, 53));
    t.back(&datagram(a(SERVER), a(PUBLIC), 53, 5353));
    t.out(&datagram(a(CLIENT), a(SERVER), 5353, 53));
    let (sent, fast) = t.out(&datagram(a(CLIENT), a(SERVER), 5353, 53));
    assert_eq!((sent.len(), fast), (1, 1));
    let (sent, fast) = t.back(&datagram(a(SERVER), a(PUBLIC), 53, 5353));
    assert_eq!((sent.len(), fast), (1, 1));
}

#[test]
fn fin_rst_syn_and_expiring_ttl_take_the_full_path() {
    let mut t = Twin::new();
    t.established(40000);
    let (sent, fast) = t.out(&tcp_with_ttl(
        a(CLIENT),
        a(SERVER),
        40000,
        80,
        ACK,
        1005,
        5001,
        1,
    ));
    assert_eq!(fast, 0);
    assert_eq!(sent.len(), 1, "Time Exceeded to the client");
    assert_eq!(destination_mac(&sent[0]), mac(10));
    let (_, fast) = t.out(&tcp(a(CLIENT), a(SERVER), 40000, 80, FIN | ACK, 1005, 5001));
    assert_eq!(fast, 0, "FIN moves the state machine");
    let (_, fast) = t.back(&tcp(a(SERVER), a(PUBLIC), 80, 40000, FIN | ACK, 5001, 1006));
    assert_eq!(fast, 0);
    let (_, fast) = t.out(&tcp(a(CLIENT), a(SERVER), 40000, 80, ACK, 1006, 5002));
    assert_eq!(fast, 0, "no longer established");
    t.established(40001);
    let (_, fast) = t.back(&tcp(a(SERVER), a(PUBLIC), 80, 40001, RST, 5001, 0));
    assert_eq!(fast, 0);
    t.out(&tcp(a(CLIENT), a(SERVER), 40001, 80, ACK, 1005, 5001));
}

#[test]
fn route_change_applies_to_the_next_packet() {
    let mut t = Twin::new();
    t.established(40000);
    let to_server = StaticRoute::via(
        Ipv4Cidr::new(a(SERVER), 32),
        &[Gateway::Address(ip(172, 31, 0, 2))],
    );
    let mut ids = Vec::new();
    both!(t, |e| ids
        .push(e.routes_mut().add_static(to_server.clone()).unwrap()));
    let (sent, fast) = t.out(&tcp(a(CLIENT), a(SERVER), 40000, 80, ACK, 1005, 5001));
    assert_eq!((sent.len(), fast), (1, 1));
    assert_eq!(destination_mac(&sent[0]), mac(0x31), "out of ether3 now");
    let blackhole = StaticRoute::blackhole(Ipv4Cidr::new(a(SERVER), 32));
    let (fast_id, full_id) = (ids[0], ids[1]);
    t.fast
        .routes_mut()
        .update_static(fast_id, blackhole.clone())
        .unwrap();
    t.full
        .routes_mut()
        .update_static(full_id, blackhole)
        .unwrap();
    let (sent, fast) = t.out(&tcp(a(CLIENT), a(SERVER), 40000, 80, ACK, 1005, 5001));
    assert_eq!((sent.len(), fast), (0, 0), "blackholed");
    t.fast.routes_mut().remove(fast_id).unwrap();
    t.full.routes_mut().remove(full_id).unwrap();
    let (sent, fast) = t.out(&tcp(a(CLIENT), a(SERVER), 40000, 80, ACK, 1005, 5001));
    assert_eq!((sent.len(), fast), (1, 1));
    assert_eq!(
        destination_mac(&sent[0]),
        mac(2),
        "back to the default route"
    );
}

#[test]
fn neighbour_mac_change_applies_to_the_next_packet() {
    let mut t = Twin::new();
    t.established(40000);
    let now = t.now;
    both!(t, |e| e.remove_static_arp(WAN, ip(10, 0, 0, 2)).unwrap());
    both!(t, |e| e
        .add_static_arp(WAN, ip(10, 0, 0, 2), mac(0x77), now)
        .unwrap());
    let (sent, fast) = t.out(&tcp(a(CLIENT), a(SERVER), 40000, 80, ACK, 1005, 5001));
    assert_eq!((sent.len(), fast), (1, 1));
    assert_eq!(destination_mac(&sent[0]), mac(0x77));
    // No entry at all: the packet waits for ARP like any other.
    both!(t, |e| e.remove_static_arp(WAN, ip(10, 0, 0, 2)).unwrap());
    let (sent, _) = t.out(&tcp(a(CLIENT), a(SERVER), 40000, 80, ACK, 1005, 5001));
    assert_eq!(sent.len(), 1, "an ARP request");
    assert_eq!(destination_mac(&sent[0]), EthernetAddress([0xFF; 6]));
}

#[test]
fn rule_changes_apply_to_the_next_packet() {
    let mut t = Twin::new();
    t.established(40000);
    // Filter rules do not see FastTracked packets, on either path.
    let drop_all = [RuleSpec::new(90, "forward").action(ActionSpec::Drop)];
    both!(t, |e| set_rules(e, &drop_all, Table::Filter));
    let (sent, fast) = t.out(&tcp(a(CLIENT), a(SERVER), 40000, 80, ACK, 1005, 5001));
    assert_eq!((sent.len(), fast), (1, 1));
    // Raw rules do.
    let raw_drop = [RuleSpec::new(91, "prerouting")
        .with(Match::Protocol(6))
        .action(ActionSpec::Drop)];
    both!(t, |e| set_rules(e, &raw_drop, Table::Raw));
    let (sent, fast) = t.out(&tcp(a(CLIENT), a(SERVER), 40000, 80, ACK, 1005, 5001));
    assert_eq!((sent.len(), fast), (0, 0));
    both!(t, |e| set_rules(e, &[], Table::Raw));
    let (sent, fast) = t.out(&tcp(a(CLIENT), a(SERVER), 40000, 80, ACK, 1005, 5001));
    assert_eq!((sent.len(), fast), (1, 1));
}

#[test]
fn removed_and_expired_connections_are_not_fast_forwarded() {
    let mut t = Twin::new();
    t.established(40000);
    let id = t.fast.hooks().connections(t.now)[0].id;
    both!(t, |e| assert!(
        e.hooks_mut().firewall_mut().conntrack_mut().remove(id)
    ));
    let (_, fast) = t.out(&tcp(a(CLIENT), a(SERVER), 40000, 80, ACK, 1005, 5001));
    assert_eq!(fast, 0);
    t.established(40001);
    t.advance(Duration::from_secs(86_401));
    let (_, fast) = t.out(&tcp(a(CLIENT), a(SERVER), 40001, 80, ACK, 1005, 5001));
    assert_eq!(fast, 0, "expired");
}

#[test]
fn removing_the_masquerade_address_stops_the_flow() {
    let mut t = Twin::new();
    t.established(40000);
    let id = t
        .fast
        .addresses()
        .iter()
        .find(|x| x.address() == a(PUBLIC))
        .unwrap()
        .id;
    both!(t, |e| assert!(e.remove_address(id)));
    assert!(t.fast.hooks().connections(t.now).is_empty());
    let (_, fast) = t.out(&tcp(a(CLIENT), a(SERVER), 40000, 80, ACK, 1005, 5001));
    assert_eq!(fast, 0);
}

#[test]
fn mtu_and_interface_state_are_checked_per_packet() {
    let mut t = Twin::new();
    t.established(40000);
    both!(t, |e| e.interface_mut(WAN).unwrap().mtu = 576);
    let segment = tcp_payload(a(CLIENT), a(SERVER), 40000, 80, ACK, 1005, 5001, &[7; 1000]);
    let big = ipv4(
        a(CLIENT),
        a(SERVER),
        smoltcp::wire::IpProtocol::Tcp,
        64,
        true,
        &segment,
    );
    let (sent, fast) = t.out(&big);
    assert_eq!(fast, 0);
    // Refused with Fragmentation Needed on both paths, after srcnat: the error undoes the masquerade, so
    // it goes back to the client and quotes the packet as the client sent it.
    assert_eq!(sent.len(), 1);
    let Sent::Ipv4 { ip: error, .. } = parse(&sent[0]) else {
        panic!("an IPv4 ICMP error");
    };
    assert_eq!(ipv4_header(&error).dst_addr, a(CLIENT));
    let (ty, code, _, quote) = icmp_of(&error);
    assert_eq!((ty, code), (3, 4), "fragmentation needed");
    assert_eq!(
        &quote[12..16],
        &a(CLIENT).octets()[..],
        "the quote has the client's own address"
    );
    let big = ipv4(
        a(CLIENT),
        a(SERVER),
        smoltcp::wire::IpProtocol::Tcp,
        64,
        false,
        &segment,
    );
    let (sent, fast) = t.out(&big);
    assert_eq!((sent.len(), fast), (2, 0), "fragmented");
    both!(t, |e| e.interface_mut(WAN).unwrap().mtu = 1500);
    let now = t.now;
    both!(t, |e| e.set_running(WAN, false, now));
    let (sent, fast) = t.out(&tcp(a(CLIENT), a(SERVER), 40000, 80, ACK, 1005, 5001));
    assert_eq!(fast, 0);
    assert_eq!(
        sent.len(),
        1,
        "no route while the WAN is down: Net Unreachable"
    );
    both!(t, |e| e.set_running(WAN, true, now));
    t.compare();
    let (sent, fast) = t.out(&tcp(a(CLIENT), a(SERVER), 40000, 80, ACK, 1005, 5001));
    assert_eq!((sent.len(), fast), (1, 1));
}
