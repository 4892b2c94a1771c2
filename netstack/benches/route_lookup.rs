//! Routing table lookup cost: nanoseconds per `RouteTable::lookup` with 1, 1k and 100k routes, plus the cost
//! of building the 100k-route table one route at a time.
//!
//! A plain `harness = false` main timed with `std::time::Instant` (no bench framework needed). Destinations
//! are random addresses, half of them inside configured prefixes, precomputed so that only the lookup is
//! timed. Run: `cargo bench -p netstack --bench route_lookup`.

use std::hint::black_box;
use std::time::Instant;

use netstack::interface::InterfaceId;
use netstack::route::{Forwarding, Gateway, RouteTable, StaticRoute};
use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

const LOOKUPS: u32 = 4_000_000;
const DESTINATIONS: usize = 1 << 16;

/// xorshift64*: deterministic test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
    }
}

/// A table with two connected LANs and `routes` static routes to random prefixes (/8../32) over four
/// gateways; also returns the prefixes.
fn build(routes: usize, rng: &mut Rng) -> (RouteTable, Vec<Ipv4Cidr>) {
    let mut table = RouteTable::new();
    let lans = [(InterfaceId(0), [10, 0, 1]), (InterfaceId(1), [10, 0, 2])];
    for (interface, [a, b, c]) in lans {
        table.set_interface_up(interface, true);
        let network = Ipv4Cidr::new(Ipv4Address::new(a, b, c, 0), 24);
        table
            .add_connected(network, interface, Ipv4Address::new(a, b, c, 1))
            .expect("connected route");
    }
    let gateways =
        [[10, 0, 1, 2], [10, 0, 1, 3], [10, 0, 2, 2], [10, 0, 2, 3]].map(Ipv4Address::from);
    let mut prefixes = Vec::with_capacity(routes);
    while prefixes.len() < routes {
        let len = if prefixes.is_empty() {
            0
        } else {
            8 + (rng.next() % 25) as u8
        };
        let dst = Ipv4Cidr::new(Ipv4Address::from_bits(rng.next()), len).network();
        let gateway = Gateway::Address(gateways[(rng.next() % 4) as usize]);
        table
            .add_static(StaticRoute::via(dst, &[gateway]))
            .expect("static route");
        prefixes.push(dst);
    }
    (table, prefixes)
}

fn destinations(prefixes: &[Ipv4Cidr], rng: &mut Rng) -> Vec<Ipv4Address> {
    (0..DESTINATIONS)
        .map(|i| {
            let random = rng.next();
            if i % 2 == 0 {
                return Ipv4Address::from_bits(random);
            }
            let prefix = prefixes[rng.next() as usize % prefixes.len()];
            let host_mask = u32::MAX
                .checked_shr(u32::from(prefix.prefix_len()))
                .unwrap_or(0);
            Ipv4Address::from_bits(prefix.address().to_bits() | (random & host_mask))
        })
        .collect()
}

fn measure(table: &RouteTable, destinations: &[Ipv4Address]) -> (f64, u32) {
    let mut forwarded = 0u32;
    let start = Instant::now();
    for i in 0..LOOKUPS {
        let dst = destinations[i as usize % destinations.len()];
        if let Some(Forwarding::Unicast { .. }) = black_box(table.lookup(black_box(dst), i)) {
            forwarded += 1;
        }
    }
    let elapsed = start.elapsed();
    (elapsed.as_nanos() as f64 / f64::from(LOOKUPS), forwarded)
}

fn main() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for routes in [1usize, 1_000, 100_000] {
        let start = Instant::now();
        let (table, prefixes) = build(routes, &mut rng);
        let built = start.elapsed();
        let destinations = destinations(&prefixes, &mut rng);
        measure(&table, &destinations); // warm-up
        let (ns, forwarded) = measure(&table, &destinations);
        println!(
            "route_lookup: {routes:>7} static routes (+2 connected): {ns:6.1} ns/lookup ({forwarded} of {LOOKUPS} forwarded); \
             table built in {:.1} ms ({:.2} us/route)",
            built.as_secs_f64() * 1e3,
            built.as_secs_f64() * 1e6 / routes as f64,
        );
    }
}
