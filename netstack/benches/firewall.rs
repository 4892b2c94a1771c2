//! Firewall rule evaluation cost: nanoseconds per packet through `filter forward` with 1, 100 and 1000
//! non-matching rules in front of the final accept (linear scan, as netfilter's iptables), plus the
//! defconf-style established fast path. A plain `harness = false` main timed with `std::time::Instant`.
//! Run: `cargo bench -p netstack --bench firewall`.

use std::hint::black_box;
use std::time::Instant as StdInstant;

use netstack::Instant;
use netstack::firewall::{
    ActionSpec, AddrRange, BuiltinChain, Env, MarkNames, Match, PacketFacts, RuleSpec,
    RuntimeState, Table, TableResolver, compile,
};
use netstack::flow::{ConnFacts, ConnState, Direction};
use netstack::interface::{InterfaceLists, InterfaceTable};
use netstack::packet::Packet;
use smoltcp::wire::Ipv4Address;

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

fn bench(name: &str, rules: usize) {
    let interfaces = InterfaceTable::new();
    let lists = InterfaceLists::new();
    let mut marks = MarkNames::new();
    let mut state = RuntimeState::new(1);
    let mut specs: Vec<RuleSpec> = (0..rules)
        .map(|i| {
            RuleSpec::new(i as u32, "forward")
                .with(Match::SrcAddress(AddrRange::single(Ipv4Address::from(
                    0x0A00_0000 + i as u32,
                ))))
                .action(ActionSpec::Drop)
        })
        .collect();
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
    };
    let facts = PacketFacts::parse(p.l3(), &p.meta, Some(conn), None).expect("parses");
    let start = StdInstant::now();
    for _ in 0..PACKETS {
        let out = set.run(
            BuiltinChain::Forward,
            black_box(&facts),
            &mut p,
            &mut state,
            Env::none(),
            Instant::ZERO,
        );
        black_box(out);
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(PACKETS);
    println!("{name:<40} {ns:>10.1} ns/packet");
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
    bench("1 rule (accept)", 0);
    bench("100 non-matching rules + accept", 100);
    bench("1000 non-matching rules + accept", 1000);
}
