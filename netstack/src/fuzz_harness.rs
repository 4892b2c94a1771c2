//! Drives a configured engine with arbitrary bytes: shared by the `cargo fuzz` target
//! (`netstack/fuzz`) and by the test that replays its corpus, so every input the fuzzer found
//! interesting stays a regression test.
//!
//! Input format (every byte string is valid): a sequence of records. A record starts with an opcode
//! byte: `op % 8 == 0` advances the clock by `next byte × 10 ms` and runs the timers; otherwise the next
//! two bytes (little endian) give a length, and that many following bytes (or what is left) are received
//! as a frame on interface `op % 3`. After each record every interface's queue is drained like a driver
//! would, checking that each frame is at least an Ethernet header long.
//!
//! The engine has three interfaces (WAN 10.0.0.1/24, LAN 192.168.88.1/24, a /30 link), a default route, an
//! ECMP route, a blackhole, a static ARP entry and a small MTU on one interface, so inputs reach ARP,
//! local delivery, forwarding, fragmentation and ICMP errors.

use smoltcp::wire::{EthernetAddress, Ipv4Address, Ipv4Cidr};

use crate::engine::{Engine, EngineConfig};
use crate::interface::InterfaceId;
use crate::route::{Gateway, StaticRoute};
use crate::{Duration, Instant};

/// Runs one fuzz input; panics only if the engine breaks one of its guarantees.
pub fn run(data: &[u8]) {
    let mut now = Instant::from_secs(1);
    let mut engine = configured_engine(now);
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
            engine.poll(now);
            rest = tail;
        } else {
            let (len, tail) = match tail {
                [a, b, tail @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), tail),
                _ => (tail.len(), &[][..]),
            };
            let (frame, tail) = tail.split_at(len.min(tail.len()));
            engine.receive(InterfaceId(u16::from(op % 3)), frame, now);
            rest = tail;
        }
        for interface in 0..3 {
            engine.transmit(InterfaceId(interface), |frame| {
                assert!(
                    frame.len() >= 14,
                    "engine queued a {}-byte frame",
                    frame.len()
                );
                true
            });
        }
    }
}

fn cidr(a: [u8; 4], len: u8) -> Ipv4Cidr {
    Ipv4Cidr::new(Ipv4Address::from(a), len)
}

fn configured_engine(now: Instant) -> Engine {
    let mut engine = Engine::new(
        EngineConfig {
            max_buffers: 256,
            ..EngineConfig::default()
        },
        now,
    );
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
