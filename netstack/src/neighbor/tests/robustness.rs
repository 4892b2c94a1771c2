//! Hostile input never panics and never breaks the bounds: every truncation of a valid payload, random
//! garbage, random mutations of valid payloads, extreme times.

use super::*;
use crate::neighbor::{ArpStatus, EnqueueResult};

/// xorshift64*: deterministic, good enough to spray bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).unwrap()).unwrap()
    }
}

const MODES: [ArpMode; 4] = [
    ArpMode::Enabled,
    ArpMode::Disabled,
    ArpMode::ReplyOnly,
    ArpMode::ProxyArp,
];

#[test]
fn neighbor_every_truncation_is_malformed() {
    let valid = arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, OUR_IP);
    let mut cache = cache();
    for len in 0..valid.len() {
        let outcome = cache.process(
            ETHER1,
            &valid[..len],
            OURS,
            ArpMode::ProxyArp,
            |_| true,
            at(0),
        );
        assert_eq!(outcome.status, ArpStatus::Malformed, "length {len}");
        assert_eq!(outcome.reply, None);
    }
    assert_eq!(cache.counters().malformed, 28);
    assert!(cache.is_empty());
    assert_eq!(
        receive(&mut cache, &valid, ArpMode::Enabled, at(0)).status,
        ArpStatus::Accepted
    );
}

#[test]
fn neighbor_random_garbage_never_panics() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let config = NeighborConfig {
        max_entries: 64,
        ..NeighborConfig::default()
    };
    let mut cache = NeighborCache::<u32>::new(config);
    let mut buf = [0u8; 96];
    for round in 0..20_000u32 {
        let len = rng.below(buf.len() + 1);
        for byte in &mut buf[..len] {
            *byte = rng.byte();
        }
        // Make a fair share look like Ethernet/IPv4 ARP so the deeper paths are reached.
        if len >= 8 && rng.below(2) == 0 {
            buf[..6].copy_from_slice(&[0x00, 0x01, 0x08, 0x00, 0x06, 0x04]);
            buf[6] = 0;
            buf[7] = u8::try_from(rng.below(4)).unwrap();
        }
        let mode = MODES[rng.below(MODES.len())];
        let now = at(i64::from(round) * 10);
        let outcome = cache.process(
            ETHER1,
            &buf[..len],
            OURS,
            mode,
            |ip| ip.octets()[3] & 1 == 1,
            now,
        );
        if let Some(reply) = outcome.reply {
            let mut frame = [0u8; 42];
            assert_eq!(reply.emit(OUR_MAC, &mut frame), Some(42));
        }
        if round % 7 == 0 {
            let _ = cache.poll(now);
        }
        assert!(cache.len() <= 64);
    }
    // The deep paths were reached, not only the length check.
    let counters = cache.counters();
    assert!(
        counters.malformed > 0 && counters.ignored > 0 && counters.proxy_replies_sent > 0,
        "{counters:?}"
    );
}

#[test]
fn neighbor_mutated_payloads_never_panic() {
    let mut rng = Rng(42);
    let mut cache = cache();
    let bases = [
        arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, OUR_IP),
        arp(REPLY, HOST_MAC, HOST_IP, OUR_MAC, OUR_IP),
        arp(REQUEST, HOST_MAC, UNSPECIFIED, ZERO_MAC, OUR_IP),
    ];
    for round in 0..10_000 {
        let mut payload = bases[rng.below(bases.len())];
        for _ in 0..=rng.below(3) {
            payload[rng.below(payload.len())] = rng.byte();
        }
        let len = if rng.below(4) == 0 {
            rng.below(payload.len() + 1)
        } else {
            payload.len()
        };
        let _ = cache.enqueue(
            ETHER1,
            HOST_IP,
            round,
            ArpMode::Enabled,
            at(i64::from(round)),
        );
        let outcome = receive(
            &mut cache,
            &payload[..len],
            ArpMode::Enabled,
            at(i64::from(round)),
        );
        if let Some(released) = outcome.released {
            assert!(!released.packets.is_empty() && released.packets.len() <= 3);
        }
        let _ = cache.poll(at(i64::from(round)));
        assert!(cache.queued_packets() <= 256);
    }
}

#[test]
fn neighbor_extreme_times_never_panic() {
    let mut cache = cache();
    let end = Instant::from_micros(i64::MAX - 10);
    let start = Instant::from_micros(i64::MIN);
    for now in [start, at(0), end] {
        let _ = cache.enqueue(ETHER1, HOST_IP, 1, ArpMode::Enabled, now);
        let _ = receive(
            &mut cache,
            &arp(REQUEST, OTHER_MAC, OTHER_IP, ZERO_MAC, OUR_IP),
            ArpMode::Enabled,
            now,
        );
        let _ = cache.resolve(ETHER1, OTHER_IP, ArpMode::Enabled, now);
        let _ = cache.poll(now);
        let _ = cache.poll_at();
        let _ = cache.entries(now).count();
    }
    // Time going backwards does not break anything either.
    let _ = cache.poll(at(0));
    assert!(matches!(
        cache.enqueue(ETHER1, OTHER_IP, 2, ArpMode::Enabled, at(0)),
        EnqueueResult::Resolved(_, 2) | EnqueueResult::Dropped(..) | EnqueueResult::Queued { .. }
    ));
}
