//! Applying again after one change: the engine follows the change and keeps everything else —
//! established connections, addresses and routes that stayed, rule counters.

use alloc::vec::Vec;

use netstack::firewall::spec::{RuleId, Table};
use netstack::interface::InterfaceId;
use smoltcp::wire::Ipv4Address;

use super::frames::{ACK, Router, SYN, header, ip, tcp};
use super::*;
use crate::apply::apply;

const CLIENT_PORT: u16 = 40000;

/// Opens LAN host → 198.51.100.1:80 through the router (three-way handshake).
fn connect(router: &mut Router) {
    let (client, server) = (ip(192, 168, 88, LAN_HOST), ip(198, 51, 100, 1));
    assert_eq!(
        router
            .send(1, &tcp(client, server, (CLIENT_PORT, 80), SYN, 1, 0), 0)
            .len(),
        1
    );
    let synack = tcp(
        server,
        ip(198, 51, 100, 2),
        (80, CLIENT_PORT),
        SYN | ACK,
        500,
        2,
    );
    assert_eq!(router.send(0, &synack, 1).len(), 1);
    assert_eq!(
        router
            .send(1, &tcp(client, server, (CLIENT_PORT, 80), ACK, 2, 501), 0)
            .len(),
        1
    );
}

/// One more segment of the connection, both ways; true when both got through.
fn still_flows(router: &mut Router) -> bool {
    let (client, server) = (ip(192, 168, 88, LAN_HOST), ip(198, 51, 100, 1));
    let out = router.send(1, &tcp(client, server, (CLIENT_PORT, 80), ACK, 2, 501), 0);
    let back = router.send(
        0,
        &tcp(server, ip(198, 51, 100, 2), (80, CLIENT_PORT), ACK, 501, 2),
        1,
    );
    out.len() == 1 && back.len() == 1 && header(&back[0]).1 == client
}

fn connections(router: &Router) -> Vec<netstack::conntrack::ConnView> {
    router.engine.hooks().connections(router.now)
}

#[test]
fn renaming_the_wan_interface_keeps_connections_and_lists() {
    let (mut config, mut router) = soho_router();
    connect(&mut router);
    let before = connections(&router);
    assert_eq!(before.len(), 1);

    let ether1 = find(&config, "interface", "name", "ether1").id;
    set(&mut config, "interface", ether1, &[("name", "wan")]);
    apply(&config, &mut router.engine, router.now).expect("applies");

    let engine = &router.engine;
    assert_eq!(engine.interfaces().get(InterfaceId(0)).unwrap().name, "wan");
    assert_eq!(engine.interfaces().by_name("ether1"), None);
    let wan = engine.interface_lists().by_name("WAN").unwrap();
    assert!(
        engine.interface_lists().contains(wan, InterfaceId(0)),
        "membership follows the *ID"
    );
    let after = connections(&router);
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].original, before[0].original, "the same connection");
    assert!(still_flows(&mut router));
}

#[test]
fn removing_an_address_takes_only_its_connected_route() {
    let (mut config, mut router) = soho_router();
    let extra = add(
        &mut config,
        "ip/address",
        &[("address", "10.9.9.1/24"), ("interface", "ether2")],
    );
    apply(&config, &mut router.engine, router.now).expect("applies");
    let ids = |router: &Router| -> Vec<_> {
        router
            .engine
            .addresses()
            .iter()
            .map(|a| (a.id, a.cidr))
            .collect()
    };
    let with_extra = ids(&router);
    assert_eq!(with_extra.len(), 3);
    assert!(router.engine.routes().lookup(ip(10, 9, 9, 7), 0).is_some());
    connect(&mut router);

    config.remove(menu("ip/address"), extra).unwrap();
    apply(&config, &mut router.engine, router.now).expect("applies");
    let remaining = ids(&router);
    assert_eq!(
        remaining,
        with_extra[..2],
        "the other addresses keep their engine entries"
    );
    let connected: Vec<_> = router
        .engine
        .routes()
        .iter()
        .filter(|r| r.flags.connected)
        .map(|r| r.dst)
        .collect();
    assert_eq!(connected.len(), 2);
    assert!(
        router
            .engine
            .routes()
            .lookup(ip(10, 9, 9, 7), 0)
            .is_some_and(|f| matches!(
                f,
                netstack::route::Forwarding::Unicast {
                    interface: InterfaceId(0),
                    ..
                }
            )),
        "10.9.9.0/24 now goes the default way"
    );
    assert!(
        still_flows(&mut router),
        "the masqueraded connection survives"
    );
}

#[test]
fn adding_a_rule_keeps_the_others_counters() {
    let (mut config, mut router) = soho_router();
    connect(&mut router);
    let filter = router.engine.hooks().rules(Table::Filter);
    let counted: Vec<_> = filter.counters().filter(|(_, c)| c.packets > 0).collect();
    assert!(!counted.is_empty(), "the handshake was counted");

    // A new rule in front of the others: `place-before` the first forward rule.
    let first_forward = find(&config, "ip/firewall/filter", "chain", "forward").id;
    let menu = menu("ip/firewall/filter");
    let new = config
        .add(
            menu,
            &changes(
                menu,
                &[
                    ("chain", "forward"),
                    ("action", "accept"),
                    ("protocol", "udp"),
                    ("dst-port", "53"),
                ],
            ),
            Some(first_forward),
        )
        .unwrap();
    apply(&config, &mut router.engine, router.now).expect("applies");

    let filter = router.engine.hooks().rules(Table::Filter);
    for (id, counters) in &counted {
        assert_eq!(filter.rule_counters(*id), Some(*counters), "{id:?}");
    }
    assert_eq!(
        filter.rule_counters(RuleId(new)).map(|c| c.packets),
        Some(0)
    );
    assert_eq!(filter.len(), 10);
    assert!(still_flows(&mut router));
}

#[test]
fn disabling_a_route_switches_it_in_place() {
    let (mut config, mut router) = soho_router();
    let internet = ip(8, 8, 8, 8);
    let default_route = || {
        router
            .engine
            .routes()
            .iter()
            .find(|r| r.flags.static_route)
            .map(|r| (r.id, r.flags.disabled))
    };
    let (id, disabled) = default_route().unwrap();
    assert!(!disabled);
    assert!(router.engine.routes().lookup(internet, 0).is_some());

    let route = config.items(menu("ip/route"))[0].id;
    set(&mut config, "ip/route", route, &[("disabled", "yes")]);
    apply(&config, &mut router.engine, router.now).expect("applies");
    let default_route = || {
        router
            .engine
            .routes()
            .iter()
            .find(|r| r.flags.static_route)
            .map(|r| (r.id, r.flags.disabled))
    };
    assert_eq!(
        default_route(),
        Some((id, true)),
        "same engine route, disabled"
    );
    assert!(router.engine.routes().lookup(internet, 0).is_none());

    set(
        &mut config,
        "ip/route",
        route,
        &[("disabled", "no"), ("distance", "5")],
    );
    apply(&config, &mut router.engine, router.now).expect("applies");
    let statics: Vec<_> = router
        .engine
        .routes()
        .iter()
        .filter(|r| r.flags.static_route)
        .map(|r| (r.distance, r.flags.disabled, r.flags.active))
        .collect();
    assert_eq!(statics, [(5, false, true)], "a changed route is replaced");
    assert!(router.engine.routes().lookup(internet, 0).is_some());
}

#[test]
fn applying_twice_changes_nothing() {
    let (config, mut router) = soho_router();
    connect(&mut router);
    let snapshot = |router: &Router| {
        (
            alloc::format!("{:?}", router.engine.addresses().iter().collect::<Vec<_>>()),
            alloc::format!(
                "{:?}",
                router
                    .engine
                    .routes()
                    .iter()
                    .map(|r| (r.id, r.flags))
                    .collect::<Vec<_>>()
            ),
            alloc::format!("{:?}", connections(router)),
        )
    };
    let before = snapshot(&router);
    apply(&config, &mut router.engine, router.now).expect("applies");
    assert_eq!(snapshot(&router), before);
    assert!(
        router.drain(0).is_empty() && router.drain(1).is_empty(),
        "no gratuitous ARP again"
    );
}

#[test]
fn disabled_members_interfaces_and_static_entries_follow() {
    let (mut config, mut router) = soho_router();
    // A static ARP entry, a static address-list entry and a rule that uses the list.
    let arp = add(
        &mut config,
        "ip/arp",
        &[
            ("address", "192.168.88.20"),
            ("mac-address", "02:00:00:00:00:20"),
            ("interface", "ether2"),
        ],
    );
    add(
        &mut config,
        "ip/firewall/address-list",
        &[("list", "blocked"), ("address", "203.0.113.0/24")],
    );
    add(
        &mut config,
        "ip/firewall/filter",
        &[
            ("chain", "input"),
            ("action", "drop"),
            ("src-address-list", "blocked"),
        ],
    );
    apply(&config, &mut router.engine, router.now).expect("applies");
    let statics = |router: &Router| -> Vec<(Ipv4Address, Option<smoltcp::wire::EthernetAddress>)> {
        router
            .engine
            .neighbors()
            .entries(router.now)
            .filter(|v| !v.flags().dynamic)
            .map(|v| (v.address, v.mac_address))
            .collect()
    };
    assert_eq!(
        statics(&router),
        [(ip(192, 168, 88, 20), Some(frames::host_mac(0x20)))]
    );
    let lists = &router.engine.hooks().state().address_lists;
    let blocked = lists.find("blocked").unwrap();
    assert!(lists.contains(blocked, ip(203, 0, 113, 9)));

    // Change the MAC, disable ether2.
    set(
        &mut config,
        "ip/arp",
        arp,
        &[("mac-address", "02:00:00:00:00:21")],
    );
    let ether2 = find(&config, "interface", "name", "ether2").id;
    set(&mut config, "interface", ether2, &[("disabled", "yes")]);
    apply(&config, &mut router.engine, router.now).expect("applies");
    assert_eq!(
        statics(&router),
        [(ip(192, 168, 88, 20), Some(frames::host_mac(0x21)))]
    );
    assert!(
        router
            .engine
            .interfaces()
            .get(InterfaceId(1))
            .unwrap()
            .disabled
    );
    assert!(
        router
            .engine
            .routes()
            .lookup(ip(192, 168, 88, 7), 0)
            .is_some_and(|f| matches!(
                f,
                netstack::route::Forwarding::Unicast {
                    interface: InterfaceId(0),
                    ..
                }
            )),
        "the LAN's connected route is inactive"
    );

    // Remove the list entry: the list is empty, the rule still compiles.
    let entry = config.items(menu("ip/firewall/address-list"))[0].id;
    config
        .remove(menu("ip/firewall/address-list"), entry)
        .unwrap();
    config.remove(menu("ip/arp"), arp).unwrap();
    apply(&config, &mut router.engine, router.now).expect("applies");
    let lists = &router.engine.hooks().state().address_lists;
    assert!(!lists.contains(blocked, ip(203, 0, 113, 9)));
    assert!(statics(&router).is_empty());
}

#[test]
fn interface_and_engine_settings_are_applied() {
    let (mut config, mut router) = soho_router();
    let ether2 = find(&config, "interface", "name", "ether2").id;
    set(
        &mut config,
        "interface",
        ether2,
        &[("mtu", "1400"), ("arp", "reply-only")],
    );
    let tracking = menu("ip/firewall/connection/tracking");
    config
        .set(
            tracking,
            0,
            &changes(tracking, &[("udp-timeout", "1m"), ("max-entries", "5000")]),
        )
        .unwrap();
    let settings = menu("ip/settings");
    config
        .set(settings, 0, &changes(settings, &[("arp-timeout", "1m30s")]))
        .unwrap();
    apply(&config, &mut router.engine, router.now).expect("applies");

    let lan = router.engine.interfaces().get(InterfaceId(1)).unwrap();
    assert_eq!(lan.mtu, 1400);
    assert_eq!(lan.arp, netstack::interface::ArpMode::ReplyOnly);
    let conntrack = router.engine.hooks().conntrack().settings();
    assert_eq!(conntrack.udp_timeout, netstack::Duration::from_secs(60));
    assert_eq!(conntrack.max_entries, 5000);
    assert_eq!(
        router.engine.neighbors().config().arp_timeout,
        netstack::Duration::from_secs(90)
    );
}

/// An interface item whose NIC is absent (a configuration from a bigger machine): its address and the
/// rules naming it are left out, the rest applies.
#[test]
fn items_of_a_missing_nic_are_left_out() {
    let mut config = soho();
    ensure_system_items(
        &mut config,
        &[
            WAN_MAC,
            LAN_MAC,
            smoltcp::wire::EthernetAddress([0x52, 0x54, 0, 0, 0, 3]),
        ],
    );
    add(
        &mut config,
        "ip/address",
        &[("address", "10.3.3.1/24"), ("interface", "ether3")],
    );
    let rule = add(
        &mut config,
        "ip/firewall/filter",
        &[
            ("chain", "forward"),
            ("action", "drop"),
            ("in-interface", "ether3"),
        ],
    );
    add(
        &mut config,
        "interface/list/member",
        &[("list", "LAN"), ("interface", "ether3")],
    );
    let now = netstack::Instant::from_secs(1);
    let mut engine = fresh_engine(now);
    apply(&config, &mut engine, now).expect("applies without ether3");
    assert_eq!(engine.addresses().iter().count(), 2);
    let filter = menu("ip/firewall/filter");
    let values = crate::apply::status(&config, &engine, filter, config.item(filter, rule).unwrap());
    assert!(values.contains(&("invalid", alloc::string::String::from("yes"))));
    let mut router = super::router(engine, now);
    assert!(still_reaches_the_wan(&mut router), "the LAN still works");
}

fn still_reaches_the_wan(router: &mut Router) -> bool {
    let (client, server) = (ip(192, 168, 88, LAN_HOST), ip(198, 51, 100, 1));
    router
        .send(1, &tcp(client, server, (41000, 443), SYN, 1, 0), 0)
        .len()
        == 1
}

/// A port forward (`dst-nat`) and a list with `include`, end to end.
#[test]
fn port_forward_and_included_lists_carry_traffic() {
    let (mut config, mut router) = soho_router();
    add(
        &mut config,
        "interface/list",
        &[("name", "UPLINKS"), ("include", "WAN")],
    );
    add(
        &mut config,
        "ip/firewall/nat",
        &[
            ("chain", "dstnat"),
            ("action", "dst-nat"),
            ("in-interface-list", "UPLINKS"),
            ("protocol", "tcp"),
            ("dst-port", "8080"),
            ("to-addresses", "192.168.88.10"),
            ("to-ports", "80"),
        ],
    );
    apply(&config, &mut router.engine, router.now).expect("applies");
    let uplinks = router.engine.interface_lists().by_name("UPLINKS").unwrap();
    assert!(
        router
            .engine
            .interface_lists()
            .contains(uplinks, InterfaceId(0))
    );

    let (outside, lan_host) = (ip(198, 51, 100, 1), ip(192, 168, 88, LAN_HOST));
    let syn = tcp(outside, ip(198, 51, 100, 2), (50000, 8080), SYN, 1, 0);
    let inside = router.send(0, &syn, 1);
    assert_eq!(inside.len(), 1, "forwarded to the LAN host");
    assert_eq!(header(&inside[0]).1, lan_host);
    assert_eq!(super::frames::tcp_ports(&inside[0]), (50000, 80, SYN));
    let synack = tcp(lan_host, outside, (80, 50000), SYN | ACK, 9, 2);
    let back = router.send(1, &synack, 0);
    assert_eq!(back.len(), 1);
    assert_eq!(
        header(&back[0]).0,
        ip(198, 51, 100, 2),
        "answers from the WAN address"
    );
    assert_eq!(super::frames::tcp_ports(&back[0]).0, 8080);
}
