//! Receiving ARP: answering, learning policy, proxy ARP, modes, probes, conflicts, malformed input.

use super::*;
use crate::neighbor::{ArpReply, ArpStatus, NeighborStatus, Resolution};

const REPLY_TO_HOST: ArpReply = ArpReply {
    iface: ETHER1,
    sender_ip: OUR_IP,
    target_mac: HOST_MAC,
    target_ip: HOST_IP,
    proxy: false,
};

fn known(cache: &mut NeighborCache<u32>, ip: Ipv4Address) -> Option<EthernetAddress> {
    match cache.resolve(ETHER1, ip, ArpMode::Enabled, at(1)) {
        Resolution::Known(mac) => Some(mac),
        Resolution::Unknown => None,
    }
}

#[test]
fn neighbor_answers_request_for_our_address() {
    let mut cache = cache();
    let request = arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, OUR_IP);
    let outcome = receive(&mut cache, &request, ArpMode::Enabled, at(0));
    assert_eq!(outcome.status, ArpStatus::Accepted);
    assert_eq!(outcome.reply, Some(REPLY_TO_HOST));
    assert_eq!(outcome.released, None);
    // The requester is about to talk to us: learned (RFC 826).
    assert_eq!(known(&mut cache, HOST_IP), Some(HOST_MAC));
    assert_eq!(cache.counters().replies_sent, 1);
    assert_eq!(cache.counters().entries_learned, 1);

    // Ethernet minimum-size padding after the ARP payload is fine.
    let mut padded = [0u8; 46];
    padded[..28].copy_from_slice(&request);
    assert_eq!(
        receive(&mut cache, &padded, ArpMode::Enabled, at(0)).reply,
        Some(REPLY_TO_HOST)
    );

    // With several addresses on the interface, each is answered for.
    let second = Ipv4Address::new(10, 0, 0, 1);
    let request = arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, second);
    let outcome = cache.process(
        ETHER1,
        &request,
        &[OUR_IP, second],
        ArpMode::Enabled,
        no_proxy,
        at(0),
    );
    assert_eq!(outcome.reply.map(|r| r.sender_ip), Some(second));
}

#[test]
fn neighbor_ignores_requests_for_others() {
    let mut cache = cache();
    let outcome = receive(
        &mut cache,
        &arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, OTHER_IP),
        ArpMode::Enabled,
        at(0),
    );
    assert_eq!(outcome.status, ArpStatus::Accepted);
    assert_eq!(outcome.reply, None);
    // Not for us: not learned, so random broadcasts cannot fill the table.
    assert!(cache.is_empty());
    // An unsolicited reply is not learned either.
    let _ = receive(&mut cache, &host_reply(), ArpMode::Enabled, at(0));
    assert!(cache.is_empty());
    // A reply is never answered.
    assert_eq!(
        receive(
            &mut cache,
            &arp(REPLY, HOST_MAC, HOST_IP, ZERO_MAC, OUR_IP),
            ArpMode::Enabled,
            at(0)
        )
        .reply,
        None
    );
    assert_eq!(cache.counters().replies_sent, 0);
}

#[test]
fn neighbor_merge_updates_existing_entries() {
    let mut cache = cache();
    let _ = receive(
        &mut cache,
        &arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, OUR_IP),
        ArpMode::Enabled,
        at(0),
    );
    // Any ARP from a known sender updates it (RFC 826 merge), here a request for someone else with a new MAC.
    let _ = receive(
        &mut cache,
        &arp(REQUEST, OTHER_MAC, HOST_IP, ZERO_MAC, OTHER_IP),
        ArpMode::Enabled,
        at(0),
    );
    assert_eq!(known(&mut cache, HOST_IP), Some(OTHER_MAC));
    // A gratuitous ARP (RFC 5944 §4.6) moves it back; one from an unknown host creates nothing.
    let _ = receive(
        &mut cache,
        &arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, HOST_IP),
        ArpMode::Enabled,
        at(0),
    );
    assert_eq!(known(&mut cache, HOST_IP), Some(HOST_MAC));
    let outcome = receive(
        &mut cache,
        &arp(REQUEST, OTHER_MAC, OTHER_IP, ZERO_MAC, OTHER_IP),
        ArpMode::Enabled,
        at(0),
    );
    assert_eq!(outcome.reply, None);
    assert_eq!(cache.len(), 1);
}

#[test]
fn neighbor_static_entry_not_overwritten_by_wire() {
    let mut cache = cache();
    assert_eq!(cache.add_static(ETHER1, HOST_IP, HOST_MAC, at(0)), Ok(None));
    for payload in [
        arp(REPLY, OTHER_MAC, HOST_IP, OUR_MAC, OUR_IP),
        arp(REQUEST, OTHER_MAC, HOST_IP, ZERO_MAC, OUR_IP),
        arp(REQUEST, OTHER_MAC, HOST_IP, ZERO_MAC, HOST_IP),
    ] {
        let _ = receive(&mut cache, &payload, ArpMode::Enabled, at(0));
    }
    assert_eq!(known(&mut cache, HOST_IP), Some(HOST_MAC));
    assert_eq!(
        cache.entry(ETHER1, HOST_IP, at(0)).unwrap().status,
        NeighborStatus::Permanent
    );
    assert_eq!(cache.counters().entries_learned, 0);
}

#[test]
fn neighbor_proxy_arp() {
    let mut cache = cache();
    let remote = Ipv4Address::new(10, 1, 1, 5);
    let routed_elsewhere = |ip: Ipv4Address| ip == remote;
    let request = arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, remote);

    let outcome = cache.process(
        ETHER1,
        &request,
        OURS,
        ArpMode::ProxyArp,
        routed_elsewhere,
        at(0),
    );
    assert_eq!(
        outcome.reply,
        Some(ArpReply {
            iface: ETHER1,
            sender_ip: remote,
            target_mac: HOST_MAC,
            target_ip: HOST_IP,
            proxy: true
        })
    );
    assert_eq!(cache.counters().proxy_replies_sent, 1);
    assert!(cache.is_empty(), "proxying does not learn the requester");

    // Not routed elsewhere: no answer. Not in proxy-arp mode: no answer.
    let other = arp(
        REQUEST,
        HOST_MAC,
        HOST_IP,
        ZERO_MAC,
        Ipv4Address::new(10, 1, 1, 6),
    );
    assert_eq!(
        cache
            .process(
                ETHER1,
                &other,
                OURS,
                ArpMode::ProxyArp,
                routed_elsewhere,
                at(0)
            )
            .reply,
        None
    );
    assert_eq!(
        cache
            .process(
                ETHER1,
                &request,
                OURS,
                ArpMode::Enabled,
                routed_elsewhere,
                at(0)
            )
            .reply,
        None
    );
    // Never for probes, gratuitous requests, or broadcast targets (even if the route check would say yes).
    let probe = arp(REQUEST, HOST_MAC, UNSPECIFIED, ZERO_MAC, remote);
    let gratuitous = arp(REQUEST, HOST_MAC, remote, ZERO_MAC, remote);
    let broadcast = arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, Ipv4Address::BROADCAST);
    for payload in [probe, gratuitous, broadcast] {
        assert_eq!(
            cache
                .process(ETHER1, &payload, OURS, ArpMode::ProxyArp, |_| true, at(0))
                .reply,
            None
        );
    }
    // Our own addresses are still answered normally.
    let ours = arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, OUR_IP);
    assert_eq!(
        cache
            .process(ETHER1, &ours, OURS, ArpMode::ProxyArp, |_| false, at(0))
            .reply,
        Some(REPLY_TO_HOST)
    );
    assert_eq!(cache.counters().replies_sent, 2);
    assert_eq!(cache.counters().proxy_replies_sent, 1);
}

#[test]
fn neighbor_disabled_neither_answers_nor_learns() {
    let mut cache = cache();
    let _ = cache.enqueue(ETHER1, HOST_IP, 1, ArpMode::Enabled, at(0));
    for payload in [
        arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, OUR_IP),
        host_reply(),
    ] {
        let outcome = receive(&mut cache, &payload, ArpMode::Disabled, at(0));
        assert_eq!(
            outcome,
            ArpOutcome {
                status: ArpStatus::Ignored,
                reply: None,
                released: None
            }
        );
    }
    assert_eq!(cache.counters().ignored, 2);
    assert_eq!(
        cache.entry(ETHER1, HOST_IP, at(0)).unwrap().status,
        NeighborStatus::Incomplete
    );
}

#[test]
fn neighbor_reply_only_answers_without_learning() {
    let mut cache = cache();
    let outcome = receive(
        &mut cache,
        &arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, OUR_IP),
        ArpMode::ReplyOnly,
        at(0),
    );
    assert_eq!(outcome.reply, Some(REPLY_TO_HOST));
    assert!(cache.is_empty());
    let _ = receive(&mut cache, &host_reply(), ArpMode::ReplyOnly, at(0));
    assert!(cache.is_empty());
}

#[test]
fn neighbor_probe_answered_not_learned() {
    let mut cache = cache();
    // RFC 5227 probe for our address: sender 0.0.0.0. We defend it; the reply goes to the prober's MAC.
    let probe = arp(REQUEST, HOST_MAC, UNSPECIFIED, ZERO_MAC, OUR_IP);
    let outcome = receive(&mut cache, &probe, ArpMode::Enabled, at(0));
    assert_eq!(outcome.status, ArpStatus::Accepted);
    assert_eq!(
        outcome.reply,
        Some(ArpReply {
            iface: ETHER1,
            sender_ip: OUR_IP,
            target_mac: HOST_MAC,
            target_ip: UNSPECIFIED,
            proxy: false
        })
    );
    assert!(cache.is_empty());
    // A probe for someone else's address: neither answered nor learned.
    let probe = arp(REQUEST, HOST_MAC, UNSPECIFIED, ZERO_MAC, OTHER_IP);
    assert_eq!(
        receive(&mut cache, &probe, ArpMode::Enabled, at(0)).reply,
        None
    );
    assert!(cache.is_empty());
}

#[test]
fn neighbor_conflict_counted() {
    let mut cache = cache();
    for payload in [
        arp(REQUEST, HOST_MAC, OUR_IP, ZERO_MAC, OUR_IP), // someone announces our address
        arp(REPLY, HOST_MAC, OUR_IP, OUR_MAC, OUR_IP),
        arp(REQUEST, HOST_MAC, OUR_IP, ZERO_MAC, OTHER_IP),
    ] {
        let outcome = receive(&mut cache, &payload, ArpMode::Enabled, at(0));
        assert_eq!(
            outcome.status,
            ArpStatus::Conflict {
                address: OUR_IP,
                mac: HOST_MAC
            }
        );
        assert_eq!(outcome.reply, None);
    }
    assert_eq!(cache.counters().conflicts, 3);
    assert!(cache.is_empty());
}

#[test]
fn neighbor_request_from_incomplete_neighbor_releases_packets() {
    let mut cache = cache();
    let _ = cache.enqueue(ETHER1, HOST_IP, 7, ArpMode::Enabled, at(0));
    // Before its reply, the host asks for us: that resolves it too.
    let outcome = receive(
        &mut cache,
        &arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, OUR_IP),
        ArpMode::Enabled,
        at(5),
    );
    assert_eq!(outcome.reply, Some(REPLY_TO_HOST));
    assert_eq!(
        outcome.released.map(|r| (r.mac, r.packets)),
        Some((HOST_MAC, alloc::vec![7]))
    );
}

#[test]
fn neighbor_rejects_malformed_arp() {
    let valid = arp(REQUEST, HOST_MAC, HOST_IP, ZERO_MAC, OUR_IP);
    let mut cases = alloc::vec::Vec::new();
    let mut token_ring = valid;
    token_ring[1] = 6; // hardware type IEEE 802
    cases.push(token_ring);
    let mut ipv6 = valid;
    ipv6[2..4].copy_from_slice(&[0x86, 0xdd]);
    cases.push(ipv6);
    let mut hlen = valid;
    hlen[4] = 8;
    cases.push(hlen);
    let mut plen = valid;
    plen[5] = 16;
    cases.push(plen);
    let mut rarp = valid;
    rarp[7] = 3; // RARP request
    cases.push(rarp);
    cases.push(arp(
        REQUEST,
        EthernetAddress::BROADCAST,
        HOST_IP,
        ZERO_MAC,
        OUR_IP,
    ));
    cases.push(arp(
        REQUEST,
        EthernetAddress([0x01, 0x00, 0x5e, 0, 0, 1]),
        HOST_IP,
        ZERO_MAC,
        OUR_IP,
    ));
    cases.push(arp(REQUEST, ZERO_MAC, HOST_IP, ZERO_MAC, OUR_IP));
    cases.push(arp(
        REQUEST,
        HOST_MAC,
        Ipv4Address::BROADCAST,
        ZERO_MAC,
        OUR_IP,
    ));
    cases.push(arp(
        REQUEST,
        HOST_MAC,
        Ipv4Address::new(224, 0, 0, 1),
        ZERO_MAC,
        OUR_IP,
    ));

    let mut cache = cache();
    for (i, payload) in cases.iter().enumerate() {
        let outcome = receive(&mut cache, payload, ArpMode::Enabled, at(0));
        assert_eq!(
            outcome,
            ArpOutcome {
                status: ArpStatus::Malformed,
                reply: None,
                released: None
            },
            "case {i}"
        );
    }
    assert_eq!(
        cache.counters().malformed,
        u64::try_from(cases.len()).unwrap()
    );
    assert!(cache.is_empty());
}
