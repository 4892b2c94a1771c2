//! Static entries, removal/flush, the table bound and eviction, `/ip arp print`.

use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::Duration;
use crate::neighbor::{
    EnqueueResult, NeighborStatus, NeighborView, QueueDropReason, Released, Resolution,
    StaticEntryError, Unresolved,
};

/// 10.0.0.`n`.
fn host(n: u8) -> Ipv4Address {
    Ipv4Address::new(10, 0, 0, n)
}

fn host_mac(n: u8) -> EthernetAddress {
    EthernetAddress([0x00, 0x0c, 0x29, 0x00, 0x00, n])
}

/// Learns 10.0.0.`n` on ether1 by a request for our address.
fn learn(cache: &mut NeighborCache<u32>, n: u8, now: Instant) {
    let payload = arp(REQUEST, host_mac(n), host(n), ZERO_MAC, OUR_IP);
    assert!(
        receive(cache, &payload, ArpMode::Enabled, now)
            .reply
            .is_some()
    );
}

fn small_cache(max_entries: usize) -> NeighborCache<u32> {
    NeighborCache::new(NeighborConfig {
        max_entries,
        ..NeighborConfig::default()
    })
}

#[test]
fn neighbor_static_entries_api() {
    let mut cache = cache();
    assert_eq!(cache.add_static(ETHER1, HOST_IP, HOST_MAC, at(0)), Ok(None));
    assert_eq!(
        cache.add_static(ETHER1, HOST_IP, OTHER_MAC, at(0)),
        Err(StaticEntryError::AlreadyExists)
    );
    assert_eq!(
        cache.add_static(ETHER2, HOST_IP, OTHER_MAC, at(0)),
        Ok(None),
        "other interface"
    );
    assert_eq!(
        cache.add_static(ETHER1, OTHER_IP, EthernetAddress::BROADCAST, at(0)),
        Err(StaticEntryError::InvalidMac)
    );
    assert_eq!(
        cache.add_static(ETHER1, OTHER_IP, ZERO_MAC, at(0)),
        Err(StaticEntryError::InvalidMac)
    );
    assert_eq!(
        cache.add_static(ETHER1, Ipv4Address::BROADCAST, HOST_MAC, at(0)),
        Err(StaticEntryError::InvalidAddress)
    );
    assert_eq!(
        cache.add_static(ETHER1, UNSPECIFIED, HOST_MAC, at(0)),
        Err(StaticEntryError::InvalidAddress)
    );

    // Never expires.
    assert_eq!(
        cache.poll(at(10_000_000)),
        crate::neighbor::PollOutput::default()
    );
    assert_eq!(
        cache.resolve(ETHER1, HOST_IP, ArpMode::Enabled, at(10_000_000)),
        Resolution::Known(HOST_MAC)
    );

    // remove_static only removes static entries.
    learn(&mut cache, 1, at(0));
    assert_eq!(
        cache.remove_static(ETHER1, host(1)),
        Err(StaticEntryError::NotFound)
    );
    assert_eq!(cache.remove_static(ETHER1, HOST_IP), Ok(()));
    assert_eq!(
        cache.remove_static(ETHER1, HOST_IP),
        Err(StaticEntryError::NotFound)
    );
    assert_eq!(
        cache.resolve(ETHER1, HOST_IP, ArpMode::Enabled, at(0)),
        Resolution::Unknown
    );
}

#[test]
fn neighbor_static_replaces_dynamic_and_releases_queue() {
    let mut cache = cache();
    let _ = cache.enqueue(ETHER1, HOST_IP, 1, ArpMode::Enabled, at(0));
    let _ = cache.enqueue(ETHER1, HOST_IP, 2, ArpMode::Enabled, at(0));
    assert_eq!(
        cache.add_static(ETHER1, HOST_IP, HOST_MAC, at(1)),
        Ok(Some(Released {
            iface: ETHER1,
            ip: HOST_IP,
            mac: HOST_MAC,
            packets: vec![1, 2]
        }))
    );
    assert_eq!(cache.queued_packets(), 0);
    assert_eq!(
        cache.poll(at(5000)),
        crate::neighbor::PollOutput::default(),
        "no more retries"
    );
    // Over a learned entry: replaced, nothing to release.
    learn(&mut cache, 1, at(0));
    assert_eq!(
        cache.add_static(ETHER1, host(1), OTHER_MAC, at(0)),
        Ok(None)
    );
    assert_eq!(
        cache.resolve(ETHER1, host(1), ArpMode::Enabled, at(0)),
        Resolution::Known(OTHER_MAC)
    );
}

#[test]
fn neighbor_flush_dynamic_and_remove() {
    let mut cache = cache();
    assert_eq!(cache.add_static(ETHER1, HOST_IP, HOST_MAC, at(0)), Ok(None));
    learn(&mut cache, 1, at(0));
    let _ = cache.enqueue(ETHER1, host(2), 20, ArpMode::Enabled, at(0));
    let _ = cache.enqueue(ETHER2, host(3), 30, ArpMode::Enabled, at(0));

    let dropped = cache.flush_dynamic(ETHER1);
    assert_eq!(
        dropped,
        vec![Unresolved {
            iface: ETHER1,
            ip: host(2),
            packets: vec![20]
        }]
    );
    let left: Vec<(InterfaceId, Ipv4Address)> = cache
        .entries(at(0))
        .map(|v| (v.interface, v.address))
        .collect();
    assert_eq!(left, vec![(ETHER1, HOST_IP), (ETHER2, host(3))]);
    assert_eq!(cache.queued_packets(), 1);

    assert_eq!(cache.remove(ETHER2, host(3)), Some(vec![30]));
    assert_eq!(cache.remove(ETHER1, HOST_IP), Some(vec![]));
    assert_eq!(cache.remove(ETHER1, HOST_IP), None);
    assert!(cache.is_empty());
    assert_eq!(cache.queued_packets(), 0);
}

#[test]
fn neighbor_table_bound_evicts_oldest() {
    let mut cache = small_cache(3);
    learn(&mut cache, 1, at(0));
    learn(&mut cache, 2, at(100));
    learn(&mut cache, 3, at(200));
    learn(&mut cache, 4, at(300));
    assert_eq!(cache.len(), 3);
    assert_eq!(
        cache.entry(ETHER1, host(1), at(300)),
        None,
        "the oldest went"
    );
    assert_eq!(cache.counters().evictions, 1);

    // A refreshed entry is younger: 10.0.0.2 is the oldest now ... unless refreshed.
    learn(&mut cache, 2, at(400));
    let _ = cache.enqueue(ETHER1, host(5), 5, ArpMode::Enabled, at(500));
    assert_eq!(cache.entry(ETHER1, host(3), at(500)), None);
    assert!(cache.entry(ETHER1, host(2), at(500)).is_some());
    assert_eq!(cache.len(), 3);
}

#[test]
fn neighbor_eviction_prefers_failed_then_stale() {
    let mut cache = small_cache(3);
    learn(&mut cache, 1, at(0)); // oldest, but reachable
    learn(&mut cache, 2, at(25_000)); // stale by t = 55 s
    let _ = cache.enqueue(ETHER1, host(3), 3, ArpMode::Enabled, at(50_000));
    for ms in [51_000, 52_000, 53_000] {
        let _ = cache.poll(at(ms)); // 10.0.0.3 fails at 53 s
    }
    learn(&mut cache, 1, at(54_000)); // refresh 10.0.0.1

    learn(&mut cache, 4, at(55_000));
    assert_eq!(
        cache.entry(ETHER1, host(3), at(55_000)),
        None,
        "failed entry evicted first"
    );
    learn(&mut cache, 5, at(56_000));
    assert_eq!(
        cache.entry(ETHER1, host(2), at(56_000)),
        None,
        "then the stale one"
    );
    assert!(cache.entry(ETHER1, host(1), at(56_000)).is_some());
}

#[test]
fn neighbor_table_full_of_pinned_entries_refuses() {
    let mut cache = small_cache(2);
    assert_eq!(
        cache.add_static(ETHER1, host(1), host_mac(1), at(0)),
        Ok(None)
    );
    let _ = cache.enqueue(ETHER1, host(2), 2, ArpMode::Enabled, at(0));
    // Static and incomplete entries are never evicted.
    assert_eq!(
        cache.enqueue(ETHER1, host(3), 3, ArpMode::Enabled, at(0)),
        EnqueueResult::Dropped(3, QueueDropReason::TableFull)
    );
    assert_eq!(
        cache.add_static(ETHER1, host(4), host_mac(4), at(0)),
        Err(StaticEntryError::TableFull)
    );
    let outcome = receive(
        &mut cache,
        &arp(REQUEST, host_mac(5), host(5), ZERO_MAC, OUR_IP),
        ArpMode::Enabled,
        at(0),
    );
    assert!(outcome.reply.is_some(), "still answered, just not learned");
    assert_eq!(cache.len(), 2);
    assert_eq!(cache.counters().table_full, 3);
    assert_eq!(cache.counters().evictions, 0);
}

#[test]
fn neighbor_shrinking_bound_evicts() {
    let mut cache = small_cache(10);
    for n in 1..=5 {
        learn(&mut cache, n, at(i64::from(n)));
    }
    cache.set_config(
        NeighborConfig {
            max_entries: 2,
            ..NeighborConfig::default()
        },
        at(10),
    );
    let left: Vec<Ipv4Address> = cache.entries(at(10)).map(|v| v.address).collect();
    assert_eq!(left, vec![host(4), host(5)]);
}

#[test]
fn neighbor_print_view() {
    let mut cache = cache();
    assert_eq!(cache.add_static(ETHER1, HOST_IP, HOST_MAC, at(0)), Ok(None));
    learn(&mut cache, 1, at(0));
    let _ = cache.enqueue(ETHER1, host(2), 2, ArpMode::Enabled, at(0));
    let rows: Vec<NeighborView> = cache.entries(at(10_000)).collect();
    assert_eq!(
        rows,
        vec![
            NeighborView {
                interface: ETHER1,
                address: host(1),
                mac_address: Some(host_mac(1)),
                status: NeighborStatus::Reachable,
                queued: 0,
                expires_in: Some(Duration::from_secs(20)),
            },
            NeighborView {
                interface: ETHER1,
                address: host(2),
                mac_address: None,
                status: NeighborStatus::Incomplete,
                queued: 1,
                expires_in: Some(Duration::ZERO),
            },
            NeighborView {
                interface: ETHER1,
                address: HOST_IP,
                mac_address: Some(HOST_MAC),
                status: NeighborStatus::Permanent,
                queued: 0,
                expires_in: None,
            },
        ]
    );
    let flags: Vec<alloc::string::String> =
        rows.iter().map(|row| row.flags().to_string()).collect();
    assert_eq!(flags, vec!["DC", "D", "C"]);
}
