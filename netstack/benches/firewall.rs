//! Firewall rule evaluation cost: nanoseconds per packet through `filter forward` with 1, 100 and 1000
//! non-matching rules in front of the final accept, for rule sets whose rules differ by dst-port, by
//! src-address, or a mix (dst-port / src-address / dst-address /24), with the rule index (`run`) and
//! without it (`run_sequential`, the linear scan of iptables), and the ratio 1000/1 rules.
//! A plain `harness = false` main timed with `std::time::Instant` (best of 5 rounds).
//! Run: `cargo bench -p netstack --bench firewall`.

use std::hint::black_box;
use std::time::Instant as StdInstant;

use netstack::Instant;
use netstack::firewall::{
    ActionSpec, AddrRange, BuiltinChain, Env, MarkNames, Match, PacketFacts, PortRange, RuleSpec,
    RuntimeState, Table, TableResolver, compile,
};
use netstack::flow::{ConnFacts, ConnState, Direction};
use netstack::interface::{InterfaceLists, InterfaceTable};
use netstack::packet::Packet;
use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

const PACKETS: u32 = 200_000;

fn packet() -> Packet {
    let mut p = vec![0u8; 40];
    p[0] = 0x45;
    p[3] = 40;
    p[8] = 64;
    p[9] = 6;
    p[12..16].copy_from_slice(&[192, 168, 88, 10]);
    p[16..20].copy_from_slice(&[1, 1, 1, 1]);
    p[20..22].copy_from_slice(&40000u16.to_be_bytes());
    p[22..24].copy_from_slice(&443u16.to_be_bytes());
    p[32] = 0x50;
    p[33] = 0x10;
    Packet::from_ip(Vec::new(), &p)
}

#[derive(Clone, Copy)]
enum Kind {
    DstPort,
    SrcAddress,
    Mixed,
}

/// Rule `i` of a set: none matches the bench packet (tcp 192.168.88.10:40000 → 1.1.1.1:443).
fn non_matching(kind: Kind, i: usize) -> RuleSpec {
    let spec = RuleSpec::new(i as u32, "forward").action(ActionSpec::Drop);
    let dst_port = |spec: RuleSpec| {
        spec.with(Match::Protocol(6))
            .with(Match::DstPort(vec![PortRange::single(1000 + i as u16)]))
    };
    let src = |spec: RuleSpec| {
        spec.with(Match::SrcAddress(AddrRange::single(Ipv4Address::from(
            0x0A00_0000 + i as u32,
        ))))
    };
    match (kind, i % 3) {
        (Kind::DstPort, _) | (Kind::Mixed, 0) => dst_port(spec),
        (Kind::SrcAddress, _) | (Kind::Mixed, 1) => src(spec),
        (Kind::Mixed, _) => spec.with(Match::DstAddress(AddrRange::prefix(Ipv4Cidr::new(
            Ipv4Address::from(0xC633_0000 + ((i as u32) << 8)),
            24,
        )))),
    }
}

/// Best-of-5 ns/packet.
fn bench(kind: Kind, rules: usize, indexed: bool) -> f64 {
    let interfaces = InterfaceTable::new();
    let lists = InterfaceLists::new();
    let mut marks = MarkNames::new();
    let mut state = RuntimeState::new(1);
    let mut specs: Vec<RuleSpec> = (0..rules).map(|i| non_matching(kind, i)).collect();
    specs.push(RuleSpec::new(u32::MAX, "forward"));
    let mut resolver = TableResolver {
        interfaces: &interfaces,
        lists: &lists,
        marks: &mut marks,
        address_lists: &mut state.address_lists,
    };
    let mut set = compile(Table::Filter, &specs, &mut resolver).expect("compiles");
    let mut p = packet();
    let conn = ConnFacts {
        id: None,
        state: ConnState::Established,
        direction: Direction::Original,
        srcnat: false,
        dstnat: false,
        mark: 0,
        fasttrack: false,
        bytes: 0,
    };
    let facts = PacketFacts::parse(p.l3(), &p.meta, Some(conn), None).expect("parses");
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = StdInstant::now();
        for _ in 0..PACKETS {
            let out = if indexed {
                set.run(
                    BuiltinChain::Forward,
                    black_box(&facts),
                    &mut p,
                    &mut state,
                    Env::none(),
                    Instant::ZERO,
                )
            } else {
                set.run_sequential(
                    BuiltinChain::Forward,
                    black_box(&facts),
                    &mut p,
                    &mut state,
                    Env::none(),
                    Instant::ZERO,
                )
            };
            assert_eq!(out.effects.decided_by.map(|r| r.0), Some(u32::MAX));
            black_box(out);
        }
        best = best.min(start.elapsed().as_nanos() as f64 / f64::from(PACKETS));
    }
    best
}

fn main() {
    let p = packet();
    let start = StdInstant::now();
    for _ in 0..PACKETS {
        black_box(PacketFacts::parse(black_box(p.l3()), &p.meta, None, None));
    }
    println!(
        "{:<40} {:>10.1} ns/packet",
        "PacketFacts::parse",
        start.elapsed().as_nanos() as f64 / f64::from(PACKETS)
    );
    black_box(bench(Kind::DstPort, 1, true)); // warm-up (CPU clock, caches)
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>10}",
        "non-matching rules (ns/pkt)", "1", "100", "1000", "1000/1"
    );
    for (name, kind) in [
        ("dst-port", Kind::DstPort),
        ("src-address", Kind::SrcAddress),
        ("mixed", Kind::Mixed),
    ] {
        for indexed in [true, false] {
            let ns: Vec<f64> = [1, 100, 1000]
                .iter()
                .map(|&n| bench(kind, n, indexed))
                .collect();
            let label = format!("{name} {}", if indexed { "indexed" } else { "sequential" });
            println!(
                "{label:<28} {:>9.1} {:>9.1} {:>9.1} {:>10.2}",
                ns[0],
                ns[1],
                ns[2],
                ns[2] / ns[0]
            );
        }
    }
}
