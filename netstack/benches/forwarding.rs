//! Plain IPv4 forwarding cost: nanoseconds per 64-byte UDP frame (60 bytes + FCS on the wire) received on
//! the LAN interface, routed, TTL-decremented, resolved (static ARP) and queued on the WAN interface, then
//! taken off the queue like a driver would — with 1, 1k and 100k routes in the table.
//!
//! A plain `harness = false` main timed with `std::time::Instant`; destinations cycle through 1024
//! addresses inside the configured prefixes so lookups do not all hit one cache line. For repeatable
//! figures on a noisy machine count instructions instead:
//! `valgrind --tool=callgrind --toggle-collect='*::counted_*' FORWARDING --quick`, FORWARDING being the
//! executable `cargo bench -p netstack --bench forwarding --no-run` names (the timed loop is
//! `counted_forwarding`; the toggle leaves building the table and frames uncounted).
//! Run: `cargo bench -p netstack --bench forwarding`; `-- --routes N` runs one table size and adds a line
//! `ns_per_packet=…` for programs to read, `--packets N` sets the packet count.

use std::hint::black_box;
use std::time::{Duration, Instant as Clock};

use netstack::interface::InterfaceId;
use netstack::route::{Gateway, StaticRoute};
use netstack::{Engine, EngineConfig, Instant};
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    EthernetAddress, EthernetFrame, EthernetProtocol, EthernetRepr, IpProtocol, Ipv4Address,
    Ipv4Cidr, Ipv4Packet, Ipv4Repr, UdpPacket, UdpRepr,
};

const LAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 2]);
const WAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 1]);
const HOST_MAC: EthernetAddress = EthernetAddress([2, 0, 0, 0, 0, 0x0A]);

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
    }
}

/// A 60-byte Ethernet frame carrying UDP from the LAN host to `dst`.
fn frame(dst: Ipv4Address) -> Vec<u8> {
    let src = Ipv4Address::new(192, 168, 88, 10);
    let payload = [0x42u8; 18];
    let udp = UdpRepr {
        src_port: 40000,
        dst_port: 5001,
    };
    let ip = Ipv4Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: IpProtocol::Udp,
        payload_len: 8 + payload.len(),
        hop_limit: 64,
    };
    let eth = EthernetRepr {
        src_addr: HOST_MAC,
        dst_addr: LAN_MAC,
        ethertype: EthernetProtocol::Ipv4,
    };
    let mut bytes = vec![0u8; 14 + 20 + 8 + payload.len()];
    let mut eth_frame = EthernetFrame::new_unchecked(&mut bytes);
    eth.emit(&mut eth_frame);
    let mut ip_packet = Ipv4Packet::new_unchecked(eth_frame.payload_mut());
    ip.emit(&mut ip_packet, &ChecksumCapabilities::default());
    let mut udp_packet = UdpPacket::new_unchecked(ip_packet.payload_mut());
    udp.emit(
        &mut udp_packet,
        &src.into(),
        &dst.into(),
        payload.len(),
        |b| b.copy_from_slice(&payload),
        &ChecksumCapabilities::default(),
    );
    bytes
}

fn engine_with_routes(routes: usize) -> (Engine, Vec<Vec<u8>>) {
    let now = Instant::from_secs(1);
    let mut engine = Engine::new(EngineConfig::default(), now);
    let wan = engine.add_interface("ether1", WAN_MAC).unwrap();
    let lan = engine.add_interface("ether2", LAN_MAC).unwrap();
    engine
        .add_address(Ipv4Cidr::new(Ipv4Address::new(10, 0, 0, 1), 24), wan)
        .unwrap();
    engine
        .add_address(Ipv4Cidr::new(Ipv4Address::new(192, 168, 88, 1), 24), lan)
        .unwrap();
    engine
        .add_static_arp(
            wan,
            Ipv4Address::new(10, 0, 0, 2),
            EthernetAddress([2, 0, 0, 0, 0, 2]),
            now,
        )
        .unwrap();
    let gateway = [Gateway::Address(Ipv4Address::new(10, 0, 0, 2))];
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut prefixes = Vec::new();
    // The default route, plus random /16../28 prefixes outside the local subnets.
    engine
        .routes_mut()
        .add_static(StaticRoute::via(
            Ipv4Cidr::new(Ipv4Address::UNSPECIFIED, 0),
            &gateway,
        ))
        .unwrap();
    while prefixes.len() + 1 < routes {
        let len = 16 + (rng.next() % 13) as u8;
        let address = Ipv4Address::from_bits(rng.next() & (u32::MAX << (32 - len)));
        let [first, ..] = address.octets();
        if first == 0 || first == 10 || first == 127 || first == 192 || first >= 224 {
            continue;
        }
        if engine
            .routes_mut()
            .add_static(StaticRoute::via(Ipv4Cidr::new(address, len), &gateway))
            .is_ok()
        {
            prefixes.push((address, len));
        }
    }
    let frames = (0..1024)
        .map(|i| {
            let dst = match prefixes.get(i % prefixes.len().max(1)) {
                Some(&(address, len)) => {
                    Ipv4Address::from_bits(address.to_bits() | (rng.next() >> len.min(31)))
                }
                None => Ipv4Address::new(8, 8, (i >> 8) as u8, i as u8),
            };
            frame(dst)
        })
        .collect();
    engine.transmit(wan, |_| true);
    engine.transmit(lan, |_| true);
    (engine, frames)
}

/// The timed loop: `packets` frames (cycling through `frames`) in on `lan`, out on `wan`.
#[inline(never)]
fn counted_forwarding(
    engine: &mut Engine,
    frames: &[Vec<u8>],
    packets: usize,
    (lan, wan): (InterfaceId, InterfaceId),
    now: Instant,
) -> Duration {
    let start = Clock::now();
    for i in 0..packets {
        engine.receive(lan, &frames[i % frames.len()], now);
        engine.transmit(wan, |f| !black_box(f).is_empty());
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
    let packets =
        count_option(&args, "--packets").unwrap_or(if quick { 20_000 } else { 2_000_000 });
    let only = count_option(&args, "--routes");
    println!(
        "plain forwarding of 64-byte UDP frames (receive + route + ARP-resolved egress + dequeue)"
    );
    let sizes = match only {
        Some(routes) => vec![routes],
        None => vec![1, 1_000, 100_000],
    };
    for routes in sizes {
        let (mut engine, frames) = engine_with_routes(routes);
        let (wan, lan) = (InterfaceId(0), InterfaceId(1));
        let now = Instant::from_secs(2);
        // Warm up: fills the buffer pool and the neighbour entry.
        for frame in frames.iter().take(1024) {
            engine.receive(lan, frame, now);
            engine.transmit(wan, |f| !black_box(f).is_empty());
        }
        let elapsed = counted_forwarding(&mut engine, &frames, packets, (lan, wan), now);
        let forwarded = engine.stats().forwarded;
        assert!(
            forwarded as usize >= packets,
            "only {forwarded} of {packets} forwarded"
        );
        let ns = elapsed.as_nanos() as f64 / packets as f64;
        println!(
            "  {routes:>7} routes: {ns:>6.1} ns/packet ({:.2} Mpps on one core)",
            packets as f64 / elapsed.as_secs_f64() / 1e6
        );
        if only.is_some() {
            println!("ns_per_packet={ns}");
        }
    }
}
