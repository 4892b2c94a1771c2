//! Behaviour tests of the routing table: RouterOS semantics scenario by scenario, then longest-prefix match
//! against independent reference implementations on random tables.

use std::collections::{BTreeSet, HashMap};
use std::vec::Vec;

use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

use super::*;
use crate::interface::InterfaceId;

const ETHER1: InterfaceId = InterfaceId(0);
const ETHER2: InterfaceId = InterfaceId(1);
const ETHER3: InterfaceId = InterfaceId(2);

fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Address {
    Ipv4Address::new(a, b, c, d)
}

fn net(a: u8, b: u8, c: u8, d: u8, len: u8) -> Ipv4Cidr {
    Ipv4Cidr::new(ip(a, b, c, d), len)
}

fn via(address: Ipv4Address) -> Gateway {
    Gateway::Address(address)
}

/// The (interface, next hop) of a unicast answer.
fn hop(forwarding: Option<Forwarding>) -> Option<(InterfaceId, Ipv4Address)> {
    match forwarding? {
        Forwarding::Unicast {
            interface,
            next_hop,
            ..
        } => Some((interface, next_hop)),
        _ => None,
    }
}

/// ether1 10.0.1.1/24 and ether2 10.0.2.1/24, both up.
fn two_lans() -> (RouteTable, RouteId, RouteId) {
    let mut table = RouteTable::new();
    table.set_interface_up(ETHER1, true);
    table.set_interface_up(ETHER2, true);
    let lan1 = table
        .add_connected(net(10, 0, 1, 0, 24), ETHER1, ip(10, 0, 1, 1))
        .unwrap();
    let lan2 = table
        .add_connected(net(10, 0, 2, 0, 24), ETHER2, ip(10, 0, 2, 1))
        .unwrap();
    (table, lan1, lan2)
}

/// xorshift64*: small deterministic generator for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
    }

    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
}

// ---- connected routes ---------------------------------------------------------------------------------

#[test]
fn connected_route_follows_the_address_and_the_interface() {
    let mut table = RouteTable::new();
    table.set_interface_up(ETHER1, true);
    assert_eq!(table.lookup(ip(192, 168, 88, 10), 0), None);

    let id = table
        .add_connected(net(192, 168, 88, 0, 24), ETHER1, ip(192, 168, 88, 1))
        .unwrap();
    assert_eq!(
        table.lookup(ip(192, 168, 88, 10), 0),
        Some(Forwarding::Unicast {
            interface: ETHER1,
            next_hop: ip(192, 168, 88, 10),
            pref_src: Some(ip(192, 168, 88, 1)),
            route: id,
        })
    );
    let entry = table.get(id).unwrap();
    assert_eq!(entry.flags.letters(), "DAc");
    assert_eq!(entry.distance, 0);
    assert_eq!(entry.gateways, &[Gateway::Interface(ETHER1)]);
    assert_eq!(
        table.find_connected(net(192, 168, 88, 0, 24), ETHER1),
        Some(id)
    );
    assert_eq!(table.find_connected(net(192, 168, 88, 0, 24), ETHER2), None);

    table.set_interface_up(ETHER1, false);
    assert_eq!(table.lookup(ip(192, 168, 88, 10), 0), None);
    assert_eq!(table.get(id).unwrap().flags.letters(), "DIc");
    table.set_interface_up(ETHER1, true);
    assert_eq!(
        hop(table.lookup(ip(192, 168, 88, 10), 0)),
        Some((ETHER1, ip(192, 168, 88, 10)))
    );

    table.remove_connected(id).unwrap();
    assert_eq!(table.lookup(ip(192, 168, 88, 10), 0), None);
    assert!(table.is_empty());
    assert_eq!(table.forwarding_prefixes(), 0);
    assert_eq!(table.remove_connected(id), Err(RouteError::NoSuchRoute(id)));
}

#[test]
fn interfaces_start_down_until_told_otherwise() {
    let mut table = RouteTable::new();
    let id = table
        .add_connected(net(10, 0, 0, 0, 8), ETHER1, ip(10, 0, 0, 1))
        .unwrap();
    assert_eq!(table.lookup(ip(10, 1, 1, 1), 0), None);
    assert!(!table.get(id).unwrap().flags.active);
    let mut interfaces = crate::interface::InterfaceTable::new();
    let ether1 = interfaces
        .add(crate::interface::Interface::new(
            "ether1",
            smoltcp::wire::EthernetAddress([2, 0, 0, 0, 0, 1]),
        ))
        .unwrap();
    assert_eq!(ether1, ETHER1);
    table.sync_interfaces(&interfaces);
    assert_eq!(
        hop(table.lookup(ip(10, 1, 1, 1), 0)),
        Some((ETHER1, ip(10, 1, 1, 1)))
    );
}

#[test]
fn same_subnet_on_two_interfaces_uses_the_older_address() {
    let mut table = RouteTable::new();
    table.set_interface_up(ETHER1, true);
    table.set_interface_up(ETHER2, true);
    let first = table
        .add_connected(net(10, 0, 0, 0, 24), ETHER1, ip(10, 0, 0, 1))
        .unwrap();
    let second = table
        .add_connected(net(10, 0, 0, 0, 24), ETHER2, ip(10, 0, 0, 2))
        .unwrap();
    assert_eq!(hop(table.lookup(ip(10, 0, 0, 9), 7)).unwrap().0, ETHER1);
    assert!(table.get(first).unwrap().flags.active);
    assert!(!table.get(second).unwrap().flags.active);
    table.set_interface_up(ETHER1, false);
    assert_eq!(hop(table.lookup(ip(10, 0, 0, 9), 7)).unwrap().0, ETHER2);
    assert_eq!(
        table.connected_interface(ip(10, 0, 0, 9)),
        Some((ETHER2, Some(ip(10, 0, 0, 2))))
    );
}

// ---- static routes through gateways ---------------------------------------------------------------------

#[test]
fn static_route_is_active_only_while_a_connected_route_covers_its_gateway() {
    let mut table = RouteTable::new();
    let default = table
        .add_static(StaticRoute::via(
            net(0, 0, 0, 0, 0),
            &[via(ip(10, 0, 1, 254))],
        ))
        .unwrap();
    // No connected route yet: inactive.
    assert_eq!(table.lookup(ip(8, 8, 8, 8), 0), None);
    assert_eq!(table.get(default).unwrap().flags.letters(), "Is");
    assert_eq!(table.get(default).unwrap().immediate_gateways().count(), 0);

    table.set_interface_up(ETHER1, true);
    let lan = table
        .add_connected(net(10, 0, 1, 0, 24), ETHER1, ip(10, 0, 1, 1))
        .unwrap();
    assert_eq!(
        table.lookup(ip(8, 8, 8, 8), 99),
        Some(Forwarding::Unicast {
            interface: ETHER1,
            next_hop: ip(10, 0, 1, 254),
            pref_src: Some(ip(10, 0, 1, 1)),
            route: default,
        })
    );
    let entry = table.get(default).unwrap();
    assert_eq!(entry.flags.letters(), "As");
    let immediate: Vec<_> = entry.immediate_gateways().collect();
    assert_eq!(
        immediate,
        [ImmediateGateway {
            interface: ETHER1,
            address: Some(ip(10, 0, 1, 254))
        }]
    );
    assert_eq!(immediate[0].render("ether1"), "10.0.1.254%ether1");

    // Interface down: the connected route goes inactive and the static with it.
    table.set_interface_up(ETHER1, false);
    assert_eq!(table.lookup(ip(8, 8, 8, 8), 0), None);
    assert!(!table.get(default).unwrap().flags.active);
    table.set_interface_up(ETHER1, true);
    assert_eq!(
        hop(table.lookup(ip(8, 8, 8, 8), 0)),
        Some((ETHER1, ip(10, 0, 1, 254)))
    );

    // Address removed: same.
    table.remove_connected(lan).unwrap();
    assert_eq!(table.lookup(ip(8, 8, 8, 8), 0), None);
    assert_eq!(table.get(default).unwrap().flags.letters(), "Is");
}

#[test]
fn gateway_resolves_through_the_longest_connected_prefix() {
    let mut table = RouteTable::new();
    table.set_interface_up(ETHER1, true);
    table.set_interface_up(ETHER2, true);
    table
        .add_connected(net(10, 0, 0, 0, 16), ETHER1, ip(10, 0, 0, 1))
        .unwrap();
    let route = table
        .add_static(StaticRoute::via(
            net(172, 16, 0, 0, 12),
            &[via(ip(10, 0, 5, 1))],
        ))
        .unwrap();
    assert_eq!(
        hop(table.lookup(ip(172, 16, 1, 1), 0)),
        Some((ETHER1, ip(10, 0, 5, 1)))
    );
    let narrow = table
        .add_connected(net(10, 0, 5, 0, 24), ETHER2, ip(10, 0, 5, 2))
        .unwrap();
    assert_eq!(
        hop(table.lookup(ip(172, 16, 1, 1), 0)),
        Some((ETHER2, ip(10, 0, 5, 1)))
    );
    assert!(matches!(
        table.lookup(ip(172, 16, 1, 1), 0),
        Some(Forwarding::Unicast { pref_src: Some(src), route: r, .. }) if src == ip(10, 0, 5, 2) && r == route
    ));
    table.remove_connected(narrow).unwrap();
    assert_eq!(
        hop(table.lookup(ip(172, 16, 1, 1), 0)),
        Some((ETHER1, ip(10, 0, 5, 1)))
    );
}

#[test]
fn statics_do_not_resolve_through_statics() {
    let (mut table, _, _) = two_lans();
    // 192.168.50.0/24 is reachable through a static route, not a connected one.
    table
        .add_static(StaticRoute::via(
            net(192, 168, 50, 0, 24),
            &[via(ip(10, 0, 1, 2))],
        ))
        .unwrap();
    let recursive = table
        .add_static(StaticRoute::via(
            net(172, 20, 0, 0, 16),
            &[via(ip(192, 168, 50, 1))],
        ))
        .unwrap();
    assert_eq!(table.lookup(ip(172, 20, 0, 1), 0), None);
    assert_eq!(table.get(recursive).unwrap().flags.letters(), "Is");
}

#[test]
fn explicit_pref_src_wins_over_the_connected_address() {
    let (mut table, _, _) = two_lans();
    let route =
        StaticRoute::via(net(0, 0, 0, 0, 0), &[via(ip(10, 0, 1, 254))]).pref_src(ip(10, 0, 2, 1));
    table.add_static(route).unwrap();
    assert!(matches!(
        table.lookup(ip(1, 1, 1, 1), 0),
        Some(Forwarding::Unicast { pref_src: Some(src), .. }) if src == ip(10, 0, 2, 1)
    ));
}

// ---- distance ---------------------------------------------------------------------------------------------

#[test]
fn lowest_distance_wins_and_fails_over() {
    let (mut table, _, _) = two_lans();
    let main = table
        .add_static(StaticRoute::via(
            net(0, 0, 0, 0, 0),
            &[via(ip(10, 0, 1, 254))],
        ))
        .unwrap();
    let backup = table
        .add_static(StaticRoute::via(net(0, 0, 0, 0, 0), &[via(ip(10, 0, 2, 254))]).distance(2))
        .unwrap();
    assert_eq!(
        hop(table.lookup(ip(9, 9, 9, 9), 1)),
        Some((ETHER1, ip(10, 0, 1, 254)))
    );
    assert_eq!(table.get(main).unwrap().flags.letters(), "As");
    assert_eq!(table.get(backup).unwrap().flags.letters(), "s");

    // The main gateway's interface goes down: the backup takes over, and gives way again afterwards.
    table.set_interface_up(ETHER1, false);
    assert_eq!(
        hop(table.lookup(ip(9, 9, 9, 9), 1)),
        Some((ETHER2, ip(10, 0, 2, 254)))
    );
    assert_eq!(table.get(main).unwrap().flags.letters(), "Is");
    assert_eq!(table.get(backup).unwrap().flags.letters(), "As");
    table.set_interface_up(ETHER1, true);
    assert_eq!(
        hop(table.lookup(ip(9, 9, 9, 9), 1)),
        Some((ETHER1, ip(10, 0, 1, 254)))
    );

    // Disabling the main route fails over too.
    table.disable(main).unwrap();
    assert_eq!(
        hop(table.lookup(ip(9, 9, 9, 9), 1)),
        Some((ETHER2, ip(10, 0, 2, 254)))
    );
    assert_eq!(table.get(main).unwrap().flags.letters(), "Xs");
    table.enable(main).unwrap();
    assert_eq!(
        hop(table.lookup(ip(9, 9, 9, 9), 1)),
        Some((ETHER1, ip(10, 0, 1, 254)))
    );

    // Raising its distance above the backup's makes the backup win.
    table
        .update_static(
            main,
            StaticRoute::via(net(0, 0, 0, 0, 0), &[via(ip(10, 0, 1, 254))]).distance(3),
        )
        .unwrap();
    assert_eq!(
        hop(table.lookup(ip(9, 9, 9, 9), 1)),
        Some((ETHER2, ip(10, 0, 2, 254)))
    );
    assert_eq!(table.get(main).unwrap().distance, 3);
}

#[test]
fn connected_route_beats_a_static_to_the_same_prefix() {
    let (mut table, lan1, _) = two_lans();
    let shadow = table
        .add_static(StaticRoute::via(
            net(10, 0, 1, 0, 24),
            &[via(ip(10, 0, 2, 9))],
        ))
        .unwrap();
    assert_eq!(
        hop(table.lookup(ip(10, 0, 1, 7), 0)),
        Some((ETHER1, ip(10, 0, 1, 7)))
    );
    assert!(!table.get(shadow).unwrap().flags.active);
    table.remove_connected(lan1).unwrap();
    assert_eq!(
        hop(table.lookup(ip(10, 0, 1, 7), 0)),
        Some((ETHER2, ip(10, 0, 2, 9)))
    );
}

// ---- route kinds ------------------------------------------------------------------------------------------

#[test]
fn blackhole_unreachable_and_prohibit() {
    let (mut table, _, _) = two_lans();
    table
        .add_static(StaticRoute::via(
            net(0, 0, 0, 0, 0),
            &[via(ip(10, 0, 1, 254))],
        ))
        .unwrap();
    let hole = table
        .add_static(StaticRoute::blackhole(net(192, 168, 0, 0, 16)))
        .unwrap();
    table
        .add_static(StaticRoute::with_target(
            net(192, 168, 1, 0, 24),
            RouteTarget::Unreachable,
        ))
        .unwrap();
    table
        .add_static(StaticRoute::with_target(
            net(192, 168, 2, 0, 24),
            RouteTarget::Prohibit,
        ))
        .unwrap();
    assert_eq!(
        table.lookup(ip(192, 168, 9, 9), 0),
        Some(Forwarding::Blackhole)
    );
    assert_eq!(
        table.lookup(ip(192, 168, 1, 9), 0),
        Some(Forwarding::Unreachable)
    );
    assert_eq!(
        table.lookup(ip(192, 168, 2, 9), 0),
        Some(Forwarding::Prohibit)
    );
    assert_eq!(
        hop(table.lookup(ip(192, 169, 0, 1), 0)),
        Some((ETHER1, ip(10, 0, 1, 254)))
    );
    // A blackhole needs no gateway, so it is active with every interface down.
    table.set_interface_up(ETHER1, false);
    table.set_interface_up(ETHER2, false);
    assert_eq!(
        table.lookup(ip(192, 168, 9, 9), 0),
        Some(Forwarding::Blackhole)
    );
    assert_eq!(table.lookup(ip(8, 8, 8, 8), 0), None);
    let entry = table.get(hole).unwrap();
    assert_eq!(entry.kind, RouteKind::Blackhole);
    assert_eq!(entry.flags.letters(), "AsB");
    assert!(entry.gateways.is_empty());
    table.remove(hole).unwrap();
    assert_eq!(table.lookup(ip(192, 168, 9, 9), 0), None);
}

#[test]
fn blackhole_as_a_floating_route() {
    // A common RouterOS idiom: blackhole at a high distance as a fallback when the gateway is down.
    let (mut table, _, _) = two_lans();
    let dst = net(203, 0, 113, 0, 24);
    table
        .add_static(StaticRoute::via(dst, &[via(ip(10, 0, 1, 254))]))
        .unwrap();
    table
        .add_static(StaticRoute::blackhole(dst).distance(250))
        .unwrap();
    assert_eq!(
        hop(table.lookup(ip(203, 0, 113, 1), 0)),
        Some((ETHER1, ip(10, 0, 1, 254)))
    );
    table.set_interface_up(ETHER1, false);
    assert_eq!(
        table.lookup(ip(203, 0, 113, 1), 0),
        Some(Forwarding::Blackhole)
    );
}

#[test]
fn disabled_route_is_ignored() {
    let (mut table, _, _) = two_lans();
    let route = StaticRoute::via(net(172, 16, 0, 0, 16), &[via(ip(10, 0, 1, 9))]).disabled(true);
    let id = table.add_static(route).unwrap();
    assert_eq!(table.lookup(ip(172, 16, 0, 1), 0), None);
    assert_eq!(table.get(id).unwrap().flags.letters(), "Xs");
    table.enable(id).unwrap();
    assert_eq!(
        hop(table.lookup(ip(172, 16, 0, 1), 0)),
        Some((ETHER1, ip(10, 0, 1, 9)))
    );
    table.set_disabled(id, true).unwrap();
    table.set_disabled(id, true).unwrap();
    assert_eq!(table.lookup(ip(172, 16, 0, 1), 0), None);
    let hole = table
        .add_static(StaticRoute::blackhole(net(172, 17, 0, 0, 16)).disabled(true))
        .unwrap();
    assert_eq!(table.lookup(ip(172, 17, 0, 1), 0), None);
    table.enable(hole).unwrap();
    assert_eq!(
        table.lookup(ip(172, 17, 0, 1), 0),
        Some(Forwarding::Blackhole)
    );
}

#[test]
fn gateway_as_interface_and_address_on_interface() {
    let mut table = RouteTable::new();
    let on_link = table
        .add_static(StaticRoute::via(
            net(100, 64, 0, 0, 10),
            &[Gateway::Interface(ETHER3)],
        ))
        .unwrap();
    let pinned = table
        .add_static(StaticRoute::via(
            net(198, 51, 100, 0, 24),
            &[Gateway::AddressOnInterface(ip(169, 254, 0, 1), ETHER3)],
        ))
        .unwrap();
    assert_eq!(table.lookup(ip(100, 64, 1, 2), 0), None);
    assert_eq!(table.lookup(ip(198, 51, 100, 7), 0), None);
    table.set_interface_up(ETHER3, true);
    // On-link: the destination is the next hop; no connected route needed for `address%interface`.
    assert_eq!(
        hop(table.lookup(ip(100, 64, 1, 2), 0)),
        Some((ETHER3, ip(100, 64, 1, 2)))
    );
    assert_eq!(
        hop(table.lookup(ip(198, 51, 100, 7), 0)),
        Some((ETHER3, ip(169, 254, 0, 1)))
    );
    let name = |_: InterfaceId| "ether3";
    let entry = table.get(on_link).unwrap();
    assert_eq!(entry.gateways[0].render(name), "ether3");
    assert_eq!(
        entry.immediate_gateways().next().unwrap().render("ether3"),
        "ether3"
    );
    let entry = table.get(pinned).unwrap();
    assert_eq!(entry.gateways[0].render(name), "169.254.0.1%ether3");
    assert_eq!(
        entry.immediate_gateways().next().unwrap().render("ether3"),
        "169.254.0.1%ether3"
    );
    table.set_interface_up(ETHER3, false);
    assert_eq!(table.lookup(ip(100, 64, 1, 2), 0), None);
    assert_eq!(table.lookup(ip(198, 51, 100, 7), 0), None);
}

// ---- ECMP -------------------------------------------------------------------------------------------------

/// How often each next hop is chosen over `flows` consecutive flow hashes.
fn spread(table: &RouteTable, dst: Ipv4Address, flows: u32) -> HashMap<Ipv4Address, u32> {
    let mut counts = HashMap::new();
    for flow in 0..flows {
        let (_, next_hop) = hop(table.lookup(dst, flow)).unwrap();
        *counts.entry(next_hop).or_insert(0) += 1;
    }
    counts
}

fn assert_even(counts: &HashMap<Ipv4Address, u32>, ways: u32, flows: u32) {
    assert_eq!(counts.len() as u32, ways, "{counts:?}");
    let fair = flows / ways;
    for &n in counts.values() {
        assert!(
            n > fair * 85 / 100 && n < fair * 115 / 100,
            "uneven: {counts:?}"
        );
    }
}

#[test]
fn ecmp_over_two_gateways_of_one_route() {
    let (mut table, _, _) = two_lans();
    let id = table
        .add_static(StaticRoute::via(
            net(0, 0, 0, 0, 0),
            &[via(ip(10, 0, 1, 254)), via(ip(10, 0, 2, 254))],
        ))
        .unwrap();
    assert_eq!(table.get(id).unwrap().flags.letters(), "As+");
    let counts = spread(&table, ip(8, 8, 8, 8), 10_000);
    assert_even(&counts, 2, 10_000);
    // Sticky: the same hash always picks the same gateway, whatever the destination under the route.
    for flow in [0u32, 1, 12345, u32::MAX] {
        let first = hop(table.lookup(ip(8, 8, 8, 8), flow));
        for _ in 0..10 {
            assert_eq!(hop(table.lookup(ip(8, 8, 8, 8), flow)), first);
        }
        assert_eq!(
            hop(table.lookup(ip(1, 2, 3, 4), flow)).map(|h| h.1),
            first.map(|h| h.1)
        );
    }
    // One gateway unreachable: everything goes to the other, and the + flag goes.
    table.set_interface_up(ETHER2, false);
    assert_eq!(spread(&table, ip(8, 8, 8, 8), 1000).len(), 1);
    assert_eq!(table.get(id).unwrap().flags.letters(), "As");
}

#[test]
fn ecmp_over_three_gateways_of_two_routes() {
    let (mut table, _, _) = two_lans();
    let dst = net(0, 0, 0, 0, 0);
    let a = table
        .add_static(StaticRoute::via(dst, &[via(ip(10, 0, 1, 254))]))
        .unwrap();
    let b = table
        .add_static(StaticRoute::via(
            dst,
            &[via(ip(10, 0, 2, 253)), via(ip(10, 0, 2, 254))],
        ))
        .unwrap();
    // A higher distance does not join the group.
    table
        .add_static(StaticRoute::via(dst, &[via(ip(10, 0, 1, 99))]).distance(5))
        .unwrap();
    let counts = spread(&table, ip(8, 8, 4, 4), 30_000);
    assert_even(&counts, 3, 30_000);
    assert!(table.get(a).unwrap().flags.ecmp && table.get(b).unwrap().flags.ecmp);
    // The route field tells which route carried the packet.
    for flow in 0..100 {
        let Some(Forwarding::Unicast {
            next_hop, route, ..
        }) = table.lookup(ip(8, 8, 4, 4), flow)
        else {
            panic!("no route");
        };
        assert_eq!(route, if next_hop == ip(10, 0, 1, 254) { a } else { b });
    }
    table.remove(a).unwrap();
    assert_even(&spread(&table, ip(8, 8, 4, 4), 10_000), 2, 10_000);
}

#[test]
fn duplicate_gateways_count_once() {
    let (mut table, _, _) = two_lans();
    let dst = net(0, 0, 0, 0, 0);
    table
        .add_static(StaticRoute::via(
            dst,
            &[via(ip(10, 0, 1, 254)), via(ip(10, 0, 1, 254))],
        ))
        .unwrap();
    table
        .add_static(StaticRoute::via(
            dst,
            &[via(ip(10, 0, 1, 254)), via(ip(10, 0, 2, 254))],
        ))
        .unwrap();
    assert_even(&spread(&table, ip(8, 8, 8, 8), 10_000), 2, 10_000);
}

// ---- changes between lookups ------------------------------------------------------------------------------

#[test]
fn routes_added_and_removed_between_lookups() {
    let (mut table, _, _) = two_lans();
    let dst = ip(172, 16, 5, 5);
    assert_eq!(table.lookup(dst, 0), None);
    let wide = table
        .add_static(StaticRoute::via(
            net(172, 16, 0, 0, 12),
            &[via(ip(10, 0, 1, 2))],
        ))
        .unwrap();
    assert_eq!(hop(table.lookup(dst, 0)), Some((ETHER1, ip(10, 0, 1, 2))));
    let narrow = table
        .add_static(StaticRoute::via(
            net(172, 16, 5, 0, 24),
            &[via(ip(10, 0, 2, 2))],
        ))
        .unwrap();
    assert_eq!(hop(table.lookup(dst, 0)), Some((ETHER2, ip(10, 0, 2, 2))));
    let host = table
        .add_static(StaticRoute::via(
            net(172, 16, 5, 5, 32),
            &[via(ip(10, 0, 1, 3))],
        ))
        .unwrap();
    assert_eq!(hop(table.lookup(dst, 0)), Some((ETHER1, ip(10, 0, 1, 3))));
    assert_eq!(
        hop(table.lookup(ip(172, 16, 5, 6), 0)),
        Some((ETHER2, ip(10, 0, 2, 2)))
    );
    table.remove(narrow).unwrap();
    assert_eq!(
        hop(table.lookup(ip(172, 16, 5, 6), 0)),
        Some((ETHER1, ip(10, 0, 1, 2)))
    );
    table.remove(host).unwrap();
    assert_eq!(hop(table.lookup(dst, 0)), Some((ETHER1, ip(10, 0, 1, 2))));
    // Moving the route to another dst-address keeps its id.
    table
        .update_static(
            wide,
            StaticRoute::via(net(172, 17, 0, 0, 16), &[via(ip(10, 0, 1, 2))]),
        )
        .unwrap();
    assert_eq!(table.lookup(dst, 0), None);
    assert_eq!(
        hop(table.lookup(ip(172, 17, 0, 1), 0)),
        Some((ETHER1, ip(10, 0, 1, 2)))
    );
    assert_eq!(table.get(wide).unwrap().dst, net(172, 17, 0, 0, 16));
    table.remove(wide).unwrap();
    assert_eq!(table.len(), 2);
    assert_eq!(table.forwarding_prefixes(), 2);
    assert_eq!(table.remove(wide), Err(RouteError::NoSuchRoute(wide)));
}

#[test]
fn default_route_and_host_routes() {
    let (mut table, _, _) = two_lans();
    table
        .add_static(StaticRoute::via(
            net(0, 0, 0, 0, 0),
            &[via(ip(10, 0, 1, 254))],
        ))
        .unwrap();
    table
        .add_static(StaticRoute::via(
            net(255, 255, 255, 255, 32),
            &[via(ip(10, 0, 2, 1))],
        ))
        .unwrap();
    table
        .add_static(StaticRoute::via(
            net(0, 0, 0, 0, 32),
            &[via(ip(10, 0, 2, 2))],
        ))
        .unwrap();
    table
        .add_static(StaticRoute::via(
            net(1, 2, 3, 4, 32),
            &[via(ip(10, 0, 2, 3))],
        ))
        .unwrap();
    assert_eq!(
        hop(table.lookup(ip(255, 255, 255, 255), 0)),
        Some((ETHER2, ip(10, 0, 2, 1)))
    );
    assert_eq!(
        hop(table.lookup(ip(0, 0, 0, 0), 0)),
        Some((ETHER2, ip(10, 0, 2, 2)))
    );
    assert_eq!(
        hop(table.lookup(ip(1, 2, 3, 4), 0)),
        Some((ETHER2, ip(10, 0, 2, 3)))
    );
    for address in [
        ip(1, 2, 3, 5),
        ip(1, 2, 3, 3),
        ip(255, 255, 255, 254),
        ip(0, 0, 0, 1),
        ip(128, 0, 0, 0),
    ] {
        assert_eq!(
            hop(table.lookup(address, 0)),
            Some((ETHER1, ip(10, 0, 1, 254))),
            "{address}"
        );
    }
}

// ---- refused changes ----------------------------------------------------------------------------------------

#[test]
fn invalid_routes_are_refused_and_leave_the_table_unchanged() {
    let (mut table, lan1, _) = two_lans();
    let bad = net(10, 9, 0, 1, 24);
    assert_eq!(
        table.add_static(StaticRoute::via(bad, &[via(ip(10, 0, 1, 2))])),
        Err(RouteError::HostBitsSet { dst: bad })
    );
    assert_eq!(
        table.add_connected(bad, ETHER1, ip(10, 9, 0, 1)),
        Err(RouteError::HostBitsSet { dst: bad })
    );
    assert_eq!(
        table.add_static(StaticRoute::via(net(0, 0, 0, 0, 0), &[via(ip(10, 0, 1, 2))]).distance(0)),
        Err(RouteError::DistanceOutOfRange { distance: 0 })
    );
    assert_eq!(
        table.add_static(StaticRoute::via(net(0, 0, 0, 0, 0), &[])),
        Err(RouteError::NoGateway)
    );
    let many = vec![via(ip(10, 0, 1, 2)); MAX_GATEWAYS_PER_ROUTE + 1];
    assert!(matches!(
        table.add_static(StaticRoute::via(net(0, 0, 0, 0, 0), &many)),
        Err(RouteError::TooManyGateways { .. })
    ));
    assert_eq!(table.remove(lan1), Err(RouteError::DynamicRoute(lan1)));
    assert_eq!(table.disable(lan1), Err(RouteError::DynamicRoute(lan1)));
    assert_eq!(
        table.remove(RouteId(999)),
        Err(RouteError::NoSuchRoute(RouteId(999)))
    );
    let id = table
        .add_static(StaticRoute::via(
            net(0, 0, 0, 0, 0),
            &[via(ip(10, 0, 1, 2))],
        ))
        .unwrap();
    assert_eq!(
        table.update_static(id, StaticRoute::via(bad, &[via(ip(10, 0, 1, 2))])),
        Err(RouteError::HostBitsSet { dst: bad })
    );
    assert_eq!(
        table.remove_connected(id),
        Err(RouteError::NotConnected(id))
    );
    assert_eq!(table.len(), 3);
    assert_eq!(
        hop(table.lookup(ip(8, 8, 8, 8), 0)),
        Some((ETHER1, ip(10, 0, 1, 2)))
    );
    assert_eq!(RouteError::NoSuchRoute(id).to_string(), "no such item");
    assert_eq!(
        RouteError::HostBitsSet { dst: bad }.to_string(),
        "invalid value for argument dst-address: 10.9.0.1/24 has host bits set"
    );
}

#[test]
fn route_limit_is_enforced() {
    let mut table = RouteTable::with_limit(3);
    assert_eq!(table.limit(), 3);
    table.set_interface_up(ETHER1, true);
    table
        .add_connected(net(10, 0, 0, 0, 24), ETHER1, ip(10, 0, 0, 1))
        .unwrap();
    let a = table
        .add_static(StaticRoute::blackhole(net(10, 1, 0, 0, 16)))
        .unwrap();
    table
        .add_static(StaticRoute::blackhole(net(10, 2, 0, 0, 16)))
        .unwrap();
    assert_eq!(
        table.add_static(StaticRoute::blackhole(net(10, 3, 0, 0, 16))),
        Err(RouteError::TableFull { limit: 3 })
    );
    assert_eq!(
        table.add_connected(net(10, 4, 0, 0, 24), ETHER1, ip(10, 4, 0, 1)),
        Err(RouteError::TableFull { limit: 3 })
    );
    assert_eq!(table.lookup(ip(10, 3, 0, 1), 0), None);
    table.remove(a).unwrap();
    let b = table
        .add_static(StaticRoute::blackhole(net(10, 3, 0, 0, 16)))
        .unwrap();
    // Ids are never reused.
    assert!(b > a);
    assert_eq!(RouteTable::with_limit(usize::MAX).limit(), MAX_ROUTE_LIMIT);
}

#[test]
fn print_lists_routes_in_id_order_with_flags() {
    let (mut table, _, _) = two_lans();
    table
        .add_static(StaticRoute::via(
            net(0, 0, 0, 0, 0),
            &[via(ip(10, 0, 1, 254)), via(ip(10, 0, 3, 1))],
        ))
        .unwrap();
    table
        .add_static(StaticRoute::blackhole(net(192, 168, 0, 0, 16)).disabled(true))
        .unwrap();
    let lines: Vec<String> = table
        .iter()
        .map(|entry| {
            let gateways: Vec<String> = entry
                .gateways
                .iter()
                .map(|g| g.render(|i: InterfaceId| format!("ether{}", i.0 + 1)))
                .collect();
            let immediate: Vec<String> = entry
                .immediate_gateways()
                .map(|g| g.render(&format!("ether{}", g.interface.0 + 1)))
                .collect();
            format!(
                "{} {} {} {} {} {}",
                entry.id,
                entry.flags.letters(),
                entry.dst,
                gateways.join(","),
                immediate.join(","),
                entry.distance
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            "*1 DAc 10.0.1.0/24 ether1 ether1 0",
            "*2 DAc 10.0.2.0/24 ether2 ether2 0",
            // 10.0.3.1 is not covered by a connected route: the route is active through its other gateway.
            "*3 As 0.0.0.0/0 10.0.1.254,10.0.3.1 10.0.1.254%ether1 1",
            "*4 XsB 192.168.0.0/16   1",
        ]
    );
}

// ---- longest-prefix match against references ---------------------------------------------------------------

/// A route as the naive reference sees it.
#[derive(Clone, Debug)]
struct Reference {
    id: RouteId,
    dst: Ipv4Cidr,
    distance: u8,
    /// `None`: blackhole. Otherwise the gateway address.
    gateway: Option<Ipv4Address>,
    disabled: bool,
}

/// The allowed answers for `dst`, computed by scanning every route: `None` = no route, `Some(None)` =
/// blackhole, `Some(Some(set))` = one of these (interface, next hop).
fn naive_lookup(
    connected: &[(Ipv4Cidr, InterfaceId, bool)],
    statics: &[Reference],
    dst: Ipv4Address,
) -> Option<Option<BTreeSet<(InterfaceId, Ipv4Address)>>> {
    let connected_of = |address: Ipv4Address| {
        connected
            .iter()
            .filter(|(cidr, _, up)| *up && cidr.contains_addr(&address))
            .max_by_key(|(cidr, _, _)| cidr.prefix_len())
            .map(|(_, interface, _)| *interface)
    };
    // (prefix length, distance, id, answer) of every usable matching route.
    let mut usable = Vec::new();
    for (cidr, interface, up) in connected {
        if *up && cidr.contains_addr(&dst) {
            usable.push((cidr.prefix_len(), 0u8, RouteId(0), Some((*interface, dst))));
        }
    }
    for route in statics {
        if route.disabled || !route.dst.contains_addr(&dst) {
            continue;
        }
        match route.gateway {
            None => usable.push((route.dst.prefix_len(), route.distance, route.id, None)),
            Some(gateway) => {
                if let Some(interface) = connected_of(gateway) {
                    usable.push((
                        route.dst.prefix_len(),
                        route.distance,
                        route.id,
                        Some((interface, gateway)),
                    ));
                }
            }
        }
    }
    let longest = usable.iter().map(|u| u.0).max()?;
    usable.retain(|u| u.0 == longest);
    let best = usable.iter().map(|u| u.1).min()?;
    usable.retain(|u| u.1 == best);
    usable.sort_by_key(|u| u.2);
    let oldest = usable.first()?;
    if oldest.3.is_none() {
        return Some(None);
    }
    Some(Some(usable.iter().filter_map(|u| u.3).collect()))
}

fn check(
    table: &RouteTable,
    dst: Ipv4Address,
    flow: u32,
    expected: Option<Option<BTreeSet<(InterfaceId, Ipv4Address)>>>,
) {
    let got = table.lookup(dst, flow);
    match (&expected, got) {
        (None, None) | (Some(None), Some(Forwarding::Blackhole)) => {}
        (
            Some(Some(allowed)),
            Some(Forwarding::Unicast {
                interface,
                next_hop,
                ..
            }),
        ) => {
            assert!(
                allowed.contains(&(interface, next_hop)),
                "{dst}: {got:?} not in {allowed:?}"
            );
        }
        _ => panic!("{dst}: expected {expected:?}, got {got:?}"),
    }
}

/// A random address biased so that random prefixes nest and overlap.
fn clustered_address(rng: &mut Rng) -> u32 {
    let high = [0x0a00_0000u32, 0xac10_0000, 0xc0a8_0000, 0xc000_0000][rng.below(4) as usize];
    high | (rng.next() & 0x000f_ffff)
}

#[test]
fn random_tables_match_a_linear_scan() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for round in 0..6 {
        let mut table = RouteTable::new();
        let connected = [
            (net(10, 0, 1, 0, 24), ETHER1, true),
            (net(10, 0, 2, 0, 24), ETHER2, true),
            (net(10, 0, 3, 0, 24), ETHER3, false),
        ];
        for (cidr, interface, up) in connected {
            table.set_interface_up(interface, up);
            table
                .add_connected(cidr, interface, cidr.address())
                .unwrap();
        }
        let mut statics = Vec::new();
        for n in 0..400u32 {
            let len = rng.below(33) as u8;
            let dst =
                Ipv4Cidr::new(Ipv4Address::from_bits(clustered_address(&mut rng)), len).network();
            let gateway = match rng.below(8) {
                0 => None,
                k => Some(ip(10, 0, (k % 3) as u8 + 1, (n % 250) as u8 + 2)),
            };
            let target = match gateway {
                None => RouteTarget::Blackhole,
                Some(address) => RouteTarget::Gateways(vec![via(address)]),
            };
            let distance = rng.below(3) as u8 + 1;
            let disabled = rng.below(10) == 0;
            let route = StaticRoute::with_target(dst, target)
                .distance(distance)
                .disabled(disabled);
            let id = table.add_static(route).unwrap();
            statics.push(Reference {
                id,
                dst,
                distance,
                gateway,
                disabled,
            });
        }
        // Remove a few, so that removal is covered by the comparison too.
        for _ in 0..40 {
            let victim = statics.swap_remove(rng.below(statics.len() as u32) as usize);
            table.remove(victim.id).unwrap();
        }
        for probe in 0..3000u32 {
            let dst = Ipv4Address::from_bits(if probe % 2 == 0 {
                clustered_address(&mut rng)
            } else {
                // Inside (or at the edge of) an existing route.
                let route = &statics[rng.below(statics.len() as u32) as usize];
                let host = !crate::route::prefix::netmask(route.dst.prefix_len());
                route.dst.address().to_bits() | (rng.next() & host)
            });
            check(
                &table,
                dst,
                rng.next(),
                naive_lookup(&connected, &statics, dst),
            );
        }
        assert_eq!(table.len(), 3 + statics.len(), "round {round}");
    }
}

#[test]
fn hundred_thousand_routes_match_a_per_length_hash_reference() {
    let mut rng = Rng(0xfeed_beef_cafe_f00d);
    let (mut table, _, _) = two_lans();
    let gateways = [
        ip(10, 0, 1, 2),
        ip(10, 0, 1, 3),
        ip(10, 0, 2, 2),
        ip(10, 0, 2, 3),
    ];
    // Reference: one hash map per prefix length, probed from /32 down (a different algorithm from the
    // trie). Value: the allowed next hops of that prefix (several routes to one prefix form ECMP).
    let mut by_length: Vec<HashMap<u32, BTreeSet<(InterfaceId, Ipv4Address)>>> =
        vec![HashMap::new(); 33];
    for _ in 0..100_000 {
        let len = 8 + rng.below(25) as u8;
        let dst = Ipv4Cidr::new(Ipv4Address::from_bits(rng.next()), len).network();
        let gateway = gateways[rng.below(4) as usize];
        table
            .add_static(StaticRoute::via(dst, &[via(gateway)]))
            .unwrap();
        let interface = if gateway.octets()[2] == 1 {
            ETHER1
        } else {
            ETHER2
        };
        by_length[usize::from(len)]
            .entry(dst.address().to_bits())
            .or_default()
            .insert((interface, gateway));
    }
    for (cidr, interface) in [
        (net(10, 0, 1, 0, 24), ETHER1),
        (net(10, 0, 2, 0, 24), ETHER2),
    ] {
        // Connected routes beat statics to the same prefix (distance 0).
        let mut only = BTreeSet::new();
        only.insert((interface, Ipv4Address::UNSPECIFIED));
        by_length[24].insert(cidr.address().to_bits(), only);
    }
    assert_eq!(table.len(), 100_002);
    let reference = |dst: Ipv4Address| {
        (0..=32u8).rev().find_map(|len| {
            let key = dst.to_bits() & crate::route::prefix::netmask(len);
            by_length[usize::from(len)].get(&key)
        })
    };
    for _ in 0..20_000 {
        let dst = Ipv4Address::from_bits(rng.next());
        let flow = rng.next();
        match (reference(dst), table.lookup(dst, flow)) {
            (None, None) => {}
            (
                Some(allowed),
                Some(Forwarding::Unicast {
                    interface,
                    next_hop,
                    ..
                }),
            ) => {
                let on_link =
                    allowed.contains(&(interface, Ipv4Address::UNSPECIFIED)) && next_hop == dst;
                assert!(on_link || allowed.contains(&(interface, next_hop)), "{dst}");
            }
            (expected, got) => panic!("{dst}: expected {expected:?}, got {got:?}"),
        }
    }
    // Losing a gateway's interface re-evaluates every route behind it.
    table.set_interface_up(ETHER2, false);
    for _ in 0..2_000 {
        if let Some(Forwarding::Unicast { interface, .. }) =
            table.lookup(Ipv4Address::from_bits(rng.next()), 0)
        {
            assert_eq!(interface, ETHER1);
        }
    }
}
