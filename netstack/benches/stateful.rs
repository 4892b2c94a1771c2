//! The stateful engine's costs, each as ns per packet (or per connection) measured in one run:
//! - an established, masqueraded TCP flow LAN→WAN through the defconf filter plus 11 non-matching rules
//!   (20 filter rules), with FastTrack on (defconf) and off;
//! - new-connection setup (conntrack entry, NAT port, confirmation) per SYN;
//! - connection-table lookup cost with 1k and 1M connections, and bytes per connection.
//!
//! A plain `harness = false` main timed with `std::time::Instant`. Run:
//! `cargo bench -p netstack --bench stateful` (`-- --quick` for a short run).
//!
//! `-- --only CASE` (fasttrack, plain, new, lookup) runs one case, and for the first three adds a line
//! `ns_per_packet=…` for programs to read; `--packets N` sets the packet (connection, lookup) count. Each case's timed loop
//! is a function named `counted_…`, so that `valgrind --tool=callgrind --toggle-collect='*::counted_*'`
//! counts the instructions of that loop alone, not of building the engine and the frames
//! (`tests/src/bench/engine.rs` does this for the benchmark report).

use std::hint::black_box;
use std::time::{Duration as ClockDuration, Instant as Clock};

use netstack::conntrack::{Conntrack, ConntrackSettings};
use netstack::firewall::spec::{PortRange, Table};
use netstack::firewall::{ActionSpec, Firewall, Match, RuleSpec, defconf};
use netstack::interface::InterfaceId;
use netstack::route::{Gateway, StaticRoute};
use netstack::{Duration, Engine, EngineConfig, Instant};
use smoltcp::wire::{EthernetAddress, Ipv4Address, Ipv4Cidr, TcpPacket};

const WAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 1]);
const LAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 2]);
const HOST_MAC: EthernetAddress = EthernetAddress([2, 0, 0, 0, 0, 0x0A]);
const SYN: u8 = 0x02;
const ACK: u8 = 0x10;

fn checksum(bytes: &[u8]) -> u16 {
    let mut sum = 0u32;
    for chunk in bytes.chunks(2) {
        sum += u32::from(u16::from_be_bytes([chunk[0], *chunk.get(1).unwrap_or(&0)]));
    }
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

/// An IPv4/TCP packet (no payload beyond `data`).
#[allow(clippy::too_many_arguments)]
fn tcp(
    src: Ipv4Address,
    dst: Ipv4Address,
    sport: u16,
    dport: u16,
    flags: u8,
    seq: u32,
    ack: u32,
    data: &[u8],
) -> Vec<u8> {
    let mut segment = vec![0u8; 20 + data.len()];
    segment[0..2].copy_from_slice(&sport.to_be_bytes());
    segment[2..4].copy_from_slice(&dport.to_be_bytes());
    segment[4..8].copy_from_slice(&seq.to_be_bytes());
    segment[8..12].copy_from_slice(&ack.to_be_bytes());
    segment[12] = 5 << 4;
    segment[13] = flags;
    segment[14..16].copy_from_slice(&64240u16.to_be_bytes());
    segment[20..].copy_from_slice(data);
    TcpPacket::new_unchecked(&mut segment).fill_checksum(&src.into(), &dst.into());
    let mut ip = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0];
    ip[2..4].copy_from_slice(&((20 + segment.len()) as u16).to_be_bytes());
    ip.extend_from_slice(&src.octets());
    ip.extend_from_slice(&dst.octets());
    let sum = checksum(&ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    ip.extend_from_slice(&segment);
    ip
}

fn frame(dst_mac: EthernetAddress, src_mac: EthernetAddress, ip: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(14 + ip.len());
    bytes.extend_from_slice(&dst_mac.0);
    bytes.extend_from_slice(&src_mac.0);
    bytes.extend_from_slice(&[0x08, 0x00]);
    bytes.extend_from_slice(ip);
    bytes
}

/// RouterOS's defconf filter with eleven rules an established web flow does not match ahead of its
/// forward rules (20 rules in all), and without the FastTrack rule when `fasttrack` is off.
fn filter(fasttrack: bool) -> Vec<RuleSpec> {
    let mut rules: Vec<RuleSpec> = defconf::filter(1)
        .into_iter()
        .filter(|rule| fasttrack || rule.action != ActionSpec::FasttrackConnection)
        .collect();
    let first_forward = rules
        .iter()
        .position(|rule| rule.chain == "forward")
        .unwrap_or(rules.len());
    let non_matching = (0..11u16).map(|i| {
        RuleSpec::new(100 + u32::from(i), "forward")
            .with(Match::Protocol(6))
            .with(Match::DstPort(vec![PortRange::single(6000 + i)]))
            .action(ActionSpec::Drop)
    });
    rules.splice(first_forward..first_forward, non_matching);
    rules
}

struct Soho {
    engine: Engine<Firewall>,
    wan: InterfaceId,
    lan: InterfaceId,
}

fn soho(fasttrack: bool, max_entries: u32) -> Soho {
    let now = Instant::from_secs(1);
    let settings = ConntrackSettings {
        max_entries,
        ..ConntrackSettings::default()
    };
    let mut engine = Engine::with_hooks(EngineConfig::default(), Firewall::new(settings, 1), now);
    let wan = engine.add_interface("ether1", WAN_MAC).unwrap();
    let lan = engine.add_interface("ether2", LAN_MAC).unwrap();
    let lists = engine.interface_lists_mut();
    let (w, l) = (lists.add("WAN").unwrap(), lists.add("LAN").unwrap());
    lists.add_member(w, wan);
    lists.add_member(l, lan);
    engine
        .add_address(Ipv4Cidr::new(Ipv4Address::new(10, 0, 0, 1), 24), wan)
        .unwrap();
    engine
        .add_address(Ipv4Cidr::new(Ipv4Address::new(192, 168, 88, 1), 24), lan)
        .unwrap();
    engine
        .routes_mut()
        .add_static(StaticRoute::via(
            Ipv4Cidr::new(Ipv4Address::UNSPECIFIED, 0),
            &[Gateway::Address(Ipv4Address::new(10, 0, 0, 2))],
        ))
        .unwrap();
    engine
        .add_static_arp(
            wan,
            Ipv4Address::new(10, 0, 0, 2),
            EthernetAddress([2, 0, 0, 0, 0, 2]),
            now,
        )
        .unwrap();
    engine
        .add_static_arp(lan, Ipv4Address::new(192, 168, 88, 10), HOST_MAC, now)
        .unwrap();
    let (interfaces, lists) = (
        engine.interfaces().clone(),
        engine.interface_lists().clone(),
    );
    let masquerade = [RuleSpec::new(20, "srcnat")
        .with(Match::OutInterfaceList("WAN".into()))
        .action(ActionSpec::Masquerade { to_ports: None })];
    engine
        .hooks_mut()
        .set_rules(Table::Filter, &filter(fasttrack), &interfaces, &lists)
        .unwrap();
    engine
        .hooks_mut()
        .set_rules(Table::Nat, &masquerade, &interfaces, &lists)
        .unwrap();
    engine.transmit(wan, |_| true);
    engine.transmit(lan, |_| true);
    Soho { engine, wan, lan }
}

fn established_flow(fasttrack: bool, packets: usize) -> f64 {
    let mut s = soho(fasttrack, 65_536);
    let now = Instant::from_secs(2);
    let (client, server, public) = (
        Ipv4Address::new(192, 168, 88, 10),
        Ipv4Address::new(93, 184, 216, 34),
        Ipv4Address::new(10, 0, 0, 1),
    );
    s.engine.receive(
        s.lan,
        &frame(
            LAN_MAC,
            HOST_MAC,
            &tcp(client, server, 40000, 443, SYN, 100, 0, b""),
        ),
        now,
    );
    s.engine.transmit(s.wan, |_| true);
    s.engine.receive(
        s.wan,
        &frame(
            WAN_MAC,
            EthernetAddress([2, 0, 0, 0, 0, 2]),
            &tcp(server, public, 443, 40000, SYN | ACK, 900, 101, b""),
        ),
        now,
    );
    s.engine.transmit(s.lan, |_| true);
    let data = frame(
        LAN_MAC,
        HOST_MAC,
        &tcp(client, server, 40000, 443, ACK, 101, 901, &[0x42; 6]),
    );
    for _ in 0..1000 {
        s.engine.receive(s.lan, &data, now);
        s.engine.transmit(s.wan, |f| !black_box(f).is_empty());
    }
    let ns = counted_established(&mut s, &data, packets, now).as_nanos() as f64 / packets as f64;
    assert!(
        s.engine.stats().forwarded as usize > packets,
        "flow was not forwarded"
    );
    ns
}

/// The timed loop of [`established_flow`]: `packets` copies of `data` in on the LAN, out on the WAN.
#[inline(never)]
fn counted_established(s: &mut Soho, data: &[u8], packets: usize, now: Instant) -> ClockDuration {
    let start = Clock::now();
    for _ in 0..packets {
        s.engine.receive(s.lan, data, now);
        s.engine.transmit(s.wan, |f| !black_box(f).is_empty());
    }
    start.elapsed()
}

fn new_connections(count: usize) -> f64 {
    let mut s = soho(true, 1 << 20);
    let now = Instant::from_secs(2);
    // One public address gives ~64k ports per server endpoint, so spread the connections over servers.
    let frames: Vec<Vec<u8>> = (0..count)
        .map(|i| {
            let client = Ipv4Address::new(192, 168, 88, 10 + (i / 50_000) as u8);
            let server = Ipv4Address::new(93, 184, (i / 50_000) as u8, 34);
            let port = 1024 + (i % 50_000) as u16;
            frame(
                LAN_MAC,
                HOST_MAC,
                &tcp(client, server, port, 443, SYN, 1, 0, b""),
            )
        })
        .collect();
    let ns = counted_new_connections(&mut s, &frames, now).as_nanos() as f64 / count as f64;
    let made = s.engine.hooks().conntrack().len();
    assert!(
        made >= count * 9 / 10,
        "only {made} of {count} connections created: {:?}",
        s.engine.hooks().stats()
    );
    ns
}

/// The timed loop of [`new_connections`]: each SYN in on the LAN, out on the WAN, the clock advancing 1 ms
/// every 4096 connections.
#[inline(never)]
fn counted_new_connections(s: &mut Soho, frames: &[Vec<u8>], mut now: Instant) -> ClockDuration {
    let start = Clock::now();
    for (i, f) in frames.iter().enumerate() {
        s.engine.receive(s.lan, f, now);
        s.engine.transmit(s.wan, |f| !black_box(f).is_empty());
        if i % 4096 == 0 {
            now += Duration::from_millis(1);
        }
    }
    start.elapsed()
}

/// ns per `Conntrack::process` of an established packet, with `connections` in the table.
fn lookup(connections: usize, lookups: usize) -> (f64, usize) {
    let settings = ConntrackSettings {
        max_entries: (connections + 1024) as u32,
        ..ConntrackSettings::default()
    };
    let mut ct = Conntrack::new(settings, 3);
    let now = Instant::from_secs(1);
    let server = Ipv4Address::new(93, 184, 216, 34);
    let client = |i: usize| Ipv4Address::new(10, (i >> 16) as u8, (i >> 8) as u8, i as u8);
    for i in 0..connections {
        let packet = tcp(
            client(i / 50_000),
            server,
            1024 + (i % 50_000) as u16,
            443,
            ACK,
            1,
            1,
            b"",
        );
        let tracked = ct.process(&packet, now);
        if let (true, Some(id)) = (tracked.tentative, tracked.facts.id) {
            let _ = ct.confirm(id);
        }
    }
    let probes: Vec<Vec<u8>> = (0..4096)
        .map(|k| {
            let i = (k * 7919) % connections;
            tcp(
                client(i / 50_000),
                server,
                1024 + (i % 50_000) as u16,
                443,
                ACK,
                1,
                1,
                b"",
            )
        })
        .collect();
    let elapsed = counted_lookups(&mut ct, &probes, lookups, now);
    (elapsed.as_nanos() as f64 / lookups as f64, ct.len())
}

/// The timed loop of [`lookup`]: `lookups` established packets, cycling through `probes`.
#[inline(never)]
fn counted_lookups(
    ct: &mut Conntrack,
    probes: &[Vec<u8>],
    lookups: usize,
    now: Instant,
) -> ClockDuration {
    let start = Clock::now();
    for k in 0..lookups {
        black_box(ct.process(&probes[k % probes.len()], now));
    }
    start.elapsed()
}

/// The value following `--name` on the command line, if any; exits with a message if it is not a
/// positive number.
fn count_option(args: &[String], name: &str) -> Option<usize> {
    let value = args
        .iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))?;
    match value.parse() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            eprintln!("{name} wants a positive number, not {value:?}");
            std::process::exit(2)
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    // `--only CASE` (fasttrack, plain, new, lookup) runs one case, e.g. under
    // `valgrind --tool=callgrind` to count instructions per packet.
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str);
    let wanted = |case: &str| only.is_none_or(|o| o == case);
    let chosen = count_option(&args, "--packets");
    // With one case chosen, its figure is also printed alone on a line for programs to read (the lookup
    // case gives two figures, so only its human lines).
    let result = |ns: f64| {
        if only.is_some() {
            println!("ns_per_packet={ns}");
        }
        ns
    };
    let packets = chosen.unwrap_or(if quick { 20_000 } else { 1_000_000 });
    println!("established masqueraded TCP flow, 20 filter rules:");
    if wanted("fasttrack") {
        println!(
            "  with FastTrack:    {:>7.1} ns/packet",
            result(established_flow(true, packets))
        );
    }
    if wanted("plain") {
        println!(
            "  without FastTrack: {:>7.1} ns/packet",
            result(established_flow(false, packets))
        );
    }
    let connections = chosen.unwrap_or(if quick { 5_000 } else { 200_000 });
    if wanted("new") {
        println!(
            "new connection setup (SYN, conntrack + masquerade + confirm): {:>7.1} ns/connection",
            result(new_connections(connections))
        );
    }
    if wanted("lookup") {
        let lookups = chosen.unwrap_or(if quick { 50_000 } else { 2_000_000 });
        for size in [1_000, if quick { 20_000 } else { 1_000_000 }] {
            let (ns, len) = lookup(size, lookups);
            println!("conntrack lookup+update with {len:>8} connections: {ns:>6.1} ns/packet");
        }
    }
    if only.is_none() {
        let ct = Conntrack::new(ConntrackSettings::default(), 0);
        println!(
            "memory per connection (entry + both index entries): {} bytes",
            ct.bytes_per_connection()
        );
    }
}
