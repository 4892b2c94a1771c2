//! Drives a configured engine with arbitrary bytes: shared by the `cargo fuzz` target
//! (`netstack/fuzz`) and by the test that replays its corpus, so every input the fuzzer found
//! interesting stays a regression test.
//!
//! Input format (every byte string is valid): a sequence of records. A record starts with an opcode
//! byte: `op % 8 == 0` advances the clock by `next byte × 10 ms` and runs the timers; `op % 8 == 4`
//! replaces the firewall's rule sets with one of four configurations chosen by the next byte (the SOHO
//! set, no rules, filter only, NAT only) while connections stay; otherwise the next two bytes (little
//! endian) give a length, and that many following bytes (or what is left) are received as a frame on
//! interface `op % 3`. After each record every interface's queue is drained like a driver would,
//! checking that each frame is at least an Ethernet header long.
//!
//! Every input runs through two engines in lock step: one with the FastTrack fast path and one with
//! [`FullPathOnly`] (every packet on the full path). After each record their transmitted frames,
//! engine, drop, interface, firewall and conntrack counters and connection tables must be equal: the
//! fast path is an optimisation, never a behaviour.
//!
//! The engine has three interfaces (WAN 10.0.0.1/24, LAN 192.168.88.1/24, a /30 link), a default route, an
//! ECMP route, a blackhole, a static ARP entry and a small MTU on one interface, and the stateful firewall
//! with the SOHO rule set (defconf filter, masquerade to the WAN, a port forward), so inputs reach ARP,
//! local delivery, forwarding, fragmentation, ICMP errors, connection tracking and NAT.

use smoltcp::wire::{EthernetAddress, Ipv4Address, Ipv4Cidr};

use alloc::vec;
use alloc::vec::Vec;

use crate::conntrack::ConntrackSettings;
use crate::engine::{Engine, EngineConfig, EngineStats};
use crate::firewall::spec::{AddrRange, PortRange, Table};
use crate::firewall::{ActionSpec, Firewall, Match, RuleSpec};
use crate::hooks::{FullPathOnly, Hooks};
use crate::interface::InterfaceId;
use crate::route::{Gateway, StaticRoute};
use crate::{Duration, Instant};

/// Runs one fuzz input; panics only if the engine breaks one of its guarantees or the fast path and the
/// full path disagree.
pub fn run(data: &[u8]) {
    let mut now = Instant::from_secs(1);
    let mut fast = configured_engine::<Firewall>(now);
    let mut full = configured_engine::<FullPathOnly<Firewall>>(now);
    let mut rest = data;
    let mut records = 0;
    while let Some((&op, tail)) = rest.split_first() {
        records += 1;
        if records > 4096 {
            break;
        }
        if op % 8 == 0 {
            let (&step, tail) = tail.split_first().unwrap_or((&1, &[]));
            now += Duration::from_millis(u64::from(step) * 10);
            fast.poll(now);
            full.poll(now);
            rest = tail;
        } else if op % 8 == 4 {
            let (&choice, tail) = tail.split_first().unwrap_or((&0, &[]));
            install_rules(&mut fast, choice);
            install_rules(&mut full, choice);
            rest = tail;
        } else {
            let (len, tail) = match tail {
                [a, b, tail @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), tail),
                _ => (tail.len(), &[][..]),
            };
            let (frame, tail) = tail.split_at(len.min(tail.len()));
            fast.receive(InterfaceId(u16::from(op % 3)), frame, now);
            full.receive(InterfaceId(u16::from(op % 3)), frame, now);
            rest = tail;
        }
        for interface in 0..3 {
            let (sent_fast, sent_full) = (
                drain(&mut fast, InterfaceId(interface)),
                drain(&mut full, InterfaceId(interface)),
            );
            assert_eq!(sent_fast, sent_full, "frames sent on interface {interface}");
        }
        assert_same(&fast, &full, now);
    }
}

/// The frames queued on `interface`, taken off like a driver would.
fn drain<H: Hooks>(engine: &mut Engine<H>, interface: InterfaceId) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    engine.transmit(interface, |frame| {
        assert!(
            frame.len() >= 14,
            "engine queued a {}-byte frame",
            frame.len()
        );
        frames.push(frame.to_vec());
        true
    });
    frames
}

/// Everything a user can read about the two engines is equal.
fn assert_same(fast: &Engine<Firewall>, full: &Engine<FullPathOnly<Firewall>>, now: Instant) {
    let fast_stats = EngineStats {
        fast_forwarded: 0,
        ..*fast.stats()
    };
    assert_eq!(&fast_stats, full.stats(), "engine stats");
    assert_eq!(fast.drops(), full.drops(), "drop counters");
    for ((_, a), (_, b)) in fast.interfaces().iter().zip(full.interfaces().iter()) {
        assert_eq!(a.counters, b.counters, "counters of {}", a.name);
    }
    let (a, b) = (fast.hooks(), &full.hooks().0);
    assert_eq!(a.stats(), b.stats(), "firewall stats");
    assert_eq!(
        a.conntrack().stats(),
        b.conntrack().stats(),
        "conntrack stats"
    );
    assert_eq!(a.connections(now), b.connections(now), "connections");
}

/// The engine's firewall, whichever way it is wrapped.
trait Harnessed: Hooks {
    fn wrap(firewall: Firewall) -> Self;
    fn firewall_mut(&mut self) -> &mut Firewall;
}

impl Harnessed for Firewall {
    fn wrap(firewall: Firewall) -> Self {
        firewall
    }
    fn firewall_mut(&mut self) -> &mut Firewall {
        self
    }
}

impl Harnessed for FullPathOnly<Firewall> {
    fn wrap(firewall: Firewall) -> Self {
        FullPathOnly(firewall)
    }
    fn firewall_mut(&mut self) -> &mut Firewall {
        &mut self.0
    }
}

fn cidr(a: [u8; 4], len: u8) -> Ipv4Cidr {
    Ipv4Cidr::new(Ipv4Address::from(a), len)
}

/// The rule sets `op % 8 == 4` switches between.
fn install_rules<H: Harnessed>(engine: &mut Engine<H>, choice: u8) {
    let (filter, nat) = match choice % 4 {
        0 => (soho_filter(), soho_nat()),
        1 => (Vec::new(), Vec::new()),
        2 => (soho_filter(), Vec::new()),
        _ => (Vec::new(), soho_nat()),
    };
    let (interfaces, lists) = (
        engine.interfaces().clone(),
        engine.interface_lists().clone(),
    );
    let firewall = engine.hooks_mut().firewall_mut();
    let _ = firewall.set_rules(Table::Filter, &filter, &interfaces, &lists);
    let _ = firewall.set_rules(Table::Nat, &nat, &interfaces, &lists);
}

fn soho_filter() -> Vec<RuleSpec> {
    crate::firewall::defconf::filter(1)
}

fn soho_nat() -> Vec<RuleSpec> {
    let mut rules = crate::firewall::defconf::nat(20);
    rules.push(
        RuleSpec::new(21, "dstnat")
            .with(Match::InInterfaceList("WAN".into()))
            .with(Match::Protocol(6))
            .with(Match::DstPort(vec![PortRange::single(8080)]))
            .action(ActionSpec::DstNat {
                to_addresses: Some(AddrRange::single(Ipv4Address::new(192, 168, 88, 10))),
                to_ports: Some(PortRange::single(80)),
            }),
    );
    rules
}

fn configured_engine<H: Harnessed>(now: Instant) -> Engine<H> {
    let config = EngineConfig {
        max_buffers: 256,
        ..EngineConfig::default()
    };
    let settings = ConntrackSettings {
        max_entries: 512,
        ..ConntrackSettings::default()
    };
    let mut engine = Engine::with_hooks(config, H::wrap(Firewall::new(settings, 7)), now);
    let wan = engine
        .add_interface("ether1", EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 1]))
        .expect("fresh table");
    let lan = engine
        .add_interface("ether2", EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 2]))
        .expect("fresh table");
    let link = engine
        .add_interface("ether3", EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 3]))
        .expect("fresh table");
    let _ = engine.add_address(cidr([10, 0, 0, 1], 24), wan);
    let _ = engine.add_address(cidr([192, 168, 88, 1], 24), lan);
    let _ = engine.add_address(cidr([172, 31, 0, 1], 30), link);
    if let Some(interface) = engine.interface_mut(link) {
        interface.mtu = 576;
    }
    let routes = engine.routes_mut();
    let _ = routes.add_static(StaticRoute::via(
        cidr([0, 0, 0, 0], 0),
        &[Gateway::Address(Ipv4Address::new(10, 0, 0, 2))],
    ));
    let _ = routes.add_static(StaticRoute::via(
        cidr([172, 16, 0, 0], 16),
        &[
            Gateway::Address(Ipv4Address::new(10, 0, 0, 2)),
            Gateway::Address(Ipv4Address::new(172, 31, 0, 2)),
        ],
    ));
    let _ = routes.add_static(StaticRoute::blackhole(cidr([203, 0, 113, 0], 24)));
    let _ = engine.add_static_arp(
        link,
        Ipv4Address::new(172, 31, 0, 2),
        EthernetAddress([2, 0, 0, 0, 0, 0x31]),
        now,
    );
    let lists = engine.interface_lists_mut();
    if let (Some(wan_list), Some(lan_list)) = (lists.add("WAN"), lists.add("LAN")) {
        lists.add_member(wan_list, wan);
        lists.add_member(lan_list, lan);
    }
    install_rules(&mut engine, 0);
    let lists = engine.interface_lists_mut();
    if let (Some(wan_list), Some(lan_list)) = (lists.add("WAN"), lists.add("LAN")) {
        lists.add_member(wan_list, wan);
        lists.add_member(lan_list, lan);
    }
    install_rules(&mut engine, 0);
    for interface in [wan, lan, link] {
        engine.transmit(interface, |_| true);
    }
    engine
}

#[cfg(test)]
mod tests {
    #[test]
    fn trivial_inputs() {
        super::run(&[]);
        super::run(&[0]);
        super::run(&[1, 0xFF, 0xFF]);
        super::run(&[
            2, 14, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4, 5, 6, 0x08, 0x06,
        ]);
    }
}
