//! Resolving for sending: queueing, retries, failure and hold-down, expiry and revalidation, ARP modes.

use alloc::vec;

use super::*;
use crate::Duration;
use crate::neighbor::{
    ArpRequest, ArpStatus, EnqueueResult, NeighborStatus, PollOutput, QueueDropReason, Released,
    Resolution, Unresolved,
};

const BROADCAST_REQUEST: ArpRequest = ArpRequest {
    iface: ETHER1,
    target_ip: HOST_IP,
    unicast_to: None,
};

fn enqueue(cache: &mut NeighborCache<u32>, packet: u32, now: Instant) -> EnqueueResult<u32> {
    cache.enqueue(ETHER1, HOST_IP, packet, ArpMode::Enabled, now)
}

fn nothing() -> PollOutput<u32> {
    PollOutput::default()
}

fn requests(n: usize) -> PollOutput<u32> {
    PollOutput {
        requests: vec![BROADCAST_REQUEST; n],
        failed: vec![],
    }
}

#[test]
fn neighbor_full_resolution_releases_in_order() {
    let mut cache = cache();
    assert_eq!(
        cache.resolve(ETHER1, HOST_IP, ArpMode::Enabled, at(0)),
        Resolution::Unknown
    );
    assert_eq!(
        enqueue(&mut cache, 1, at(0)),
        EnqueueResult::Queued {
            request: Some(BROADCAST_REQUEST),
            dropped: None
        }
    );
    assert_eq!(
        enqueue(&mut cache, 2, at(10)),
        EnqueueResult::Queued {
            request: None,
            dropped: None
        }
    );
    assert_eq!(
        cache.resolve(ETHER1, HOST_IP, ArpMode::Enabled, at(10)),
        Resolution::Unknown
    );
    assert_eq!(cache.queued_packets(), 2);
    assert_eq!(
        cache.entry(ETHER1, HOST_IP, at(10)).map(|v| v.status),
        Some(NeighborStatus::Incomplete)
    );

    let outcome = receive(&mut cache, &host_reply(), ArpMode::Enabled, at(200));
    assert_eq!(outcome.status, ArpStatus::Accepted);
    assert_eq!(outcome.reply, None);
    assert_eq!(
        outcome.released,
        Some(Released {
            iface: ETHER1,
            ip: HOST_IP,
            mac: HOST_MAC,
            packets: vec![1, 2]
        })
    );
    assert_eq!(cache.queued_packets(), 0);
    assert_eq!(
        cache.resolve(ETHER1, HOST_IP, ArpMode::Enabled, at(200)),
        Resolution::Known(HOST_MAC)
    );
    assert_eq!(
        enqueue(&mut cache, 3, at(300)),
        EnqueueResult::Resolved(HOST_MAC, 3)
    );
    // Same address on another interface is another neighbour.
    assert_eq!(
        cache.resolve(ETHER2, HOST_IP, ArpMode::Enabled, at(300)),
        Resolution::Unknown
    );

    let counters = cache.counters();
    assert_eq!(counters.requests_sent, 1);
    assert_eq!(counters.entries_learned, 1);
    assert_eq!(cache.poll(at(900)), nothing(), "no retry once resolved");
}

#[test]
fn neighbor_queue_overflow_drops_oldest() {
    let mut cache = cache();
    for packet in 1..=3 {
        assert!(matches!(
            enqueue(&mut cache, packet, at(0)),
            EnqueueResult::Queued { dropped: None, .. }
        ));
    }
    assert_eq!(
        enqueue(&mut cache, 4, at(0)),
        EnqueueResult::Queued {
            request: None,
            dropped: Some(1)
        }
    );
    assert_eq!(
        enqueue(&mut cache, 5, at(0)),
        EnqueueResult::Queued {
            request: None,
            dropped: Some(2)
        }
    );
    assert_eq!(cache.queued_packets(), 3);
    assert_eq!(cache.counters().queue_drops, 2);
    let outcome = receive(&mut cache, &host_reply(), ArpMode::Enabled, at(5));
    assert_eq!(outcome.released.map(|r| r.packets), Some(vec![3, 4, 5]));
}

#[test]
fn neighbor_total_queue_bound() {
    let config = NeighborConfig {
        max_queued: 2,
        ..NeighborConfig::default()
    };
    let mut cache = NeighborCache::<u32>::new(config);
    assert!(matches!(
        enqueue(&mut cache, 1, at(0)),
        EnqueueResult::Queued { dropped: None, .. }
    ));
    assert!(matches!(
        cache.enqueue(ETHER1, OTHER_IP, 2, ArpMode::Enabled, at(0)),
        EnqueueResult::Queued { dropped: None, .. }
    ));
    // Total full: a neighbour with packets rotates its own queue ...
    assert_eq!(
        enqueue(&mut cache, 3, at(0)),
        EnqueueResult::Queued {
            request: None,
            dropped: Some(1)
        }
    );
    // ... a new one still gets its request out, but cannot keep the packet.
    let third = Ipv4Address::new(192, 168, 88, 30);
    assert_eq!(
        cache.enqueue(ETHER1, third, 4, ArpMode::Enabled, at(0)),
        EnqueueResult::Queued {
            request: Some(ArpRequest {
                iface: ETHER1,
                target_ip: third,
                unicast_to: None
            }),
            dropped: Some(4)
        }
    );
    assert_eq!(cache.queued_packets(), 2);
    assert_eq!(cache.counters().queue_drops, 2);
}

#[test]
fn neighbor_retries_every_second_then_fails() {
    let mut cache = cache();
    assert!(matches!(
        enqueue(&mut cache, 1, at(0)),
        EnqueueResult::Queued {
            request: Some(_),
            ..
        }
    ));
    assert!(matches!(
        enqueue(&mut cache, 2, at(100)),
        EnqueueResult::Queued { request: None, .. }
    ));
    assert_eq!(cache.poll_at(), Some(at(1000)));
    assert_eq!(cache.poll(at(999)), nothing());
    assert_eq!(cache.poll(at(1000)), requests(1));
    assert_eq!(cache.poll(at(1500)), nothing());
    assert_eq!(cache.poll(at(2000)), requests(1));
    assert_eq!(cache.poll(at(2999)), nothing());
    assert_eq!(
        cache.poll(at(3000)),
        PollOutput {
            requests: vec![],
            failed: vec![Unresolved {
                iface: ETHER1,
                ip: HOST_IP,
                packets: vec![1, 2]
            }]
        }
    );
    let counters = cache.counters();
    assert_eq!(counters.requests_sent, 3);
    assert_eq!(counters.resolution_failures, 1);
    assert_eq!(counters.unresolved_drops, 2);
    assert_eq!(cache.queued_packets(), 0);
    assert_eq!(
        cache.entry(ETHER1, HOST_IP, at(3000)).map(|v| v.status),
        Some(NeighborStatus::Failed)
    );
    assert_eq!(
        cache.resolve(ETHER1, HOST_IP, ArpMode::Enabled, at(3000)),
        Resolution::Unknown
    );
}

#[test]
fn neighbor_failed_hold_down_suppresses_requests() {
    let mut cache = cache();
    let _ = enqueue(&mut cache, 1, at(0));
    let _ = cache.poll(at(1000));
    let _ = cache.poll(at(2000));
    assert_eq!(cache.poll(at(3000)).failed.len(), 1);

    // A scan hitting the failed address: every packet dropped at once, no request goes out.
    for (i, ms) in (3000..8000).step_by(250).enumerate() {
        let packet = 100 + u32::try_from(i).unwrap();
        assert_eq!(
            enqueue(&mut cache, packet, at(ms)),
            EnqueueResult::Dropped(packet, QueueDropReason::Failed)
        );
        assert_eq!(cache.poll(at(ms)), nothing());
    }
    assert_eq!(cache.counters().requests_sent, 3);

    // Hold-down (5 s) over: the entry goes, the next packet resolves afresh.
    assert_eq!(cache.poll(at(8000)), nothing());
    assert!(cache.is_empty());
    assert!(matches!(
        enqueue(&mut cache, 7, at(8000)),
        EnqueueResult::Queued {
            request: Some(_),
            ..
        }
    ));
    assert_eq!(cache.counters().requests_sent, 4);
}

#[test]
fn neighbor_late_reply_revives_failed_entry() {
    let mut cache = cache();
    let _ = enqueue(&mut cache, 1, at(0));
    for ms in [1000, 2000, 3000] {
        let _ = cache.poll(at(ms));
    }
    let outcome = receive(&mut cache, &host_reply(), ArpMode::Enabled, at(3500));
    assert_eq!(outcome.released, None, "the packets were already dropped");
    assert_eq!(
        cache.resolve(ETHER1, HOST_IP, ArpMode::Enabled, at(3500)),
        Resolution::Known(HOST_MAC)
    );
    assert_eq!(cache.counters().entries_learned, 1);
}

#[test]
fn neighbor_expiry_after_arp_timeout_and_revalidation() {
    let mut cache = cache();
    let _ = enqueue(&mut cache, 1, at(0));
    let _ = receive(&mut cache, &host_reply(), ArpMode::Enabled, at(0));
    let view = cache.entry(ETHER1, HOST_IP, at(10_000)).unwrap();
    assert_eq!(view.status, NeighborStatus::Reachable);
    assert_eq!(view.expires_in, Some(Duration::from_secs(20)));
    assert_eq!(cache.poll(at(29_999)), nothing());

    // arp-timeout (30 s) over: stale, still used, and using it sends a unicast probe.
    assert_eq!(cache.poll(at(30_000)), nothing());
    assert_eq!(
        cache.entry(ETHER1, HOST_IP, at(30_000)).unwrap().status,
        NeighborStatus::Stale
    );
    assert_eq!(
        cache.resolve(ETHER1, HOST_IP, ArpMode::Enabled, at(31_000)),
        Resolution::Known(HOST_MAC)
    );
    assert_eq!(
        cache.entry(ETHER1, HOST_IP, at(31_000)).unwrap().status,
        NeighborStatus::Probe
    );
    assert_eq!(
        cache.poll(at(31_000)),
        PollOutput {
            requests: vec![ArpRequest {
                iface: ETHER1,
                target_ip: HOST_IP,
                unicast_to: Some(HOST_MAC)
            }],
            failed: vec![]
        }
    );
    // The answer makes it reachable for another arp-timeout.
    let _ = receive(&mut cache, &host_reply(), ArpMode::Enabled, at(31_100));
    assert_eq!(
        cache.entry(ETHER1, HOST_IP, at(31_100)).unwrap().status,
        NeighborStatus::Reachable
    );
    assert_eq!(cache.poll(at(61_099)), nothing());
    assert_eq!(
        cache.counters().entries_learned,
        1,
        "a refresh is not a new entry"
    );
}

#[test]
fn neighbor_unused_stale_entry_is_removed() {
    let mut cache = cache();
    let _ = receive(
        &mut cache,
        &arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, OUR_IP),
        ArpMode::Enabled,
        at(0),
    );
    assert_eq!(cache.len(), 1);
    let _ = cache.poll(at(30_000));
    assert_eq!(cache.poll_at(), Some(at(90_000)));
    let _ = cache.poll(at(89_999));
    assert_eq!(cache.len(), 1);
    let _ = cache.poll(at(90_000));
    assert!(cache.is_empty());
}

#[test]
fn neighbor_expired_entry_used_without_poll_is_revalidated() {
    let mut cache = cache();
    let _ = receive(
        &mut cache,
        &arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, OUR_IP),
        ArpMode::Enabled,
        at(0),
    );
    // No poll for a long time: the entry is still used, and revalidated.
    assert_eq!(
        enqueue(&mut cache, 9, at(500_000)),
        EnqueueResult::Resolved(HOST_MAC, 9)
    );
    let out = cache.poll(at(500_000));
    assert_eq!(
        out.requests,
        vec![ArpRequest {
            iface: ETHER1,
            target_ip: HOST_IP,
            unicast_to: Some(HOST_MAC)
        }]
    );
}

#[test]
fn neighbor_failed_revalidation() {
    let mut cache = cache();
    let _ = receive(
        &mut cache,
        &arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, OUR_IP),
        ArpMode::Enabled,
        at(0),
    );
    assert_eq!(
        cache.resolve(ETHER1, HOST_IP, ArpMode::Enabled, at(40_000)),
        Resolution::Known(HOST_MAC)
    );
    // Unicast first, then broadcast in case the host changed MAC silently.
    let first = cache.poll(at(40_000)).requests;
    assert_eq!(
        first,
        vec![ArpRequest {
            iface: ETHER1,
            target_ip: HOST_IP,
            unicast_to: Some(HOST_MAC)
        }]
    );
    assert_eq!(cache.poll(at(41_000)), requests(1));
    assert_eq!(cache.poll(at(42_000)), requests(1));
    assert_eq!(
        cache.resolve(ETHER1, HOST_IP, ArpMode::Enabled, at(42_500)),
        Resolution::Known(HOST_MAC)
    );
    assert_eq!(cache.poll(at(43_000)), nothing());
    assert_eq!(
        cache.resolve(ETHER1, HOST_IP, ArpMode::Enabled, at(43_000)),
        Resolution::Unknown
    );
    assert_eq!(cache.counters().resolution_failures, 1);
    assert_eq!(
        enqueue(&mut cache, 5, at(43_000)),
        EnqueueResult::Dropped(5, QueueDropReason::Failed)
    );
}

#[test]
fn neighbor_disabled_and_reply_only_do_not_resolve() {
    for mode in [ArpMode::Disabled, ArpMode::ReplyOnly] {
        let mut cache = cache();
        assert_eq!(
            cache.enqueue(ETHER1, HOST_IP, 1, mode, at(0)),
            EnqueueResult::Dropped(1, QueueDropReason::ResolutionDisabled)
        );
        assert!(cache.is_empty());
        assert_eq!(cache.counters().requests_sent, 0);

        // Static entries are used in every mode.
        assert_eq!(
            cache.add_static(ETHER1, OTHER_IP, OTHER_MAC, at(0)),
            Ok(None)
        );
        assert_eq!(
            cache.resolve(ETHER1, OTHER_IP, mode, at(0)),
            Resolution::Known(OTHER_MAC)
        );
        assert_eq!(
            cache.enqueue(ETHER1, OTHER_IP, 2, mode, at(0)),
            EnqueueResult::Resolved(OTHER_MAC, 2)
        );

        // A dynamic entry left over from `arp=enabled` is not used.
        let _ = receive(
            &mut cache,
            &arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, OUR_IP),
            ArpMode::Enabled,
            at(0),
        );
        assert_eq!(
            cache.resolve(ETHER1, HOST_IP, ArpMode::Enabled, at(0)),
            Resolution::Known(HOST_MAC)
        );
        assert_eq!(
            cache.resolve(ETHER1, HOST_IP, mode, at(0)),
            Resolution::Unknown
        );
    }
}

#[test]
fn neighbor_does_not_resolve_non_unicast_addresses() {
    let mut cache = cache();
    for ip in [
        UNSPECIFIED,
        Ipv4Address::BROADCAST,
        Ipv4Address::new(224, 0, 0, 5),
        Ipv4Address::new(127, 0, 0, 1),
    ] {
        assert_eq!(
            cache.enqueue(ETHER1, ip, 1, ArpMode::Enabled, at(0)),
            EnqueueResult::Dropped(1, QueueDropReason::NotResolvable)
        );
    }
    assert!(cache.is_empty());
}

#[test]
fn neighbor_poll_at_tracks_earliest_event() {
    let mut cache = cache();
    assert_eq!(cache.poll_at(), None);
    assert_eq!(
        cache.add_static(ETHER1, OTHER_IP, OTHER_MAC, at(0)),
        Ok(None)
    );
    assert_eq!(cache.poll_at(), None, "static entries have no timers");
    let _ = enqueue(&mut cache, 1, at(500));
    assert_eq!(cache.poll_at(), Some(at(1500)));
}
