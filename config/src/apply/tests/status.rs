//! `status` and `dynamic_items`: what `print` shows from the running engine.

use alloc::string::String;
use alloc::vec::Vec;

use netstack::Duration;

use super::frames::{ip, ping};
use super::*;
use crate::apply::{FIRST_DYNAMIC_ID, apply, dynamic_items, status};

fn get<'a>(values: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
    values
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn connected_routes_appear_as_dynamic_routes() {
    let (mut config, mut router) = soho_router();
    let route = menu("ip/route");
    let dynamic = dynamic_items(&config, &router.engine, route, router.now);
    let mut shown: Vec<_> = dynamic
        .iter()
        .map(|i| {
            (
                i.get("dst-address").unwrap_or(""),
                i.get("gateway").unwrap_or(""),
                i.get("distance").unwrap_or(""),
                i.get("active").unwrap_or(""),
                i.get("connect").unwrap_or(""),
                i.get("dynamic").unwrap_or(""),
            )
        })
        .collect();
    shown.sort();
    assert_eq!(
        shown,
        [
            ("192.168.88.0/24", "ether2", "0", "yes", "yes", "yes"),
            ("198.51.100.0/24", "ether1", "0", "yes", "yes", "yes"),
        ]
    );
    assert!(dynamic.iter().all(|i| i.id >= FIRST_DYNAMIC_ID));
    let ids: Vec<u32> = dynamic.iter().map(|i| i.id).collect();

    // The configured default route is active and static.
    let default_route = &config.items(route)[0];
    let values = status(&config, &router.engine, route, default_route);
    assert_eq!(get(&values, "active"), Some("yes"));
    assert_eq!(get(&values, "static"), Some("yes"));

    // Renamed, the connected route shows the new name and keeps its ID.
    let ether1 = find(&config, "interface", "name", "ether1").id;
    set(&mut config, "interface", ether1, &[("name", "wan")]);
    apply(&config, &mut router.engine, router.now).unwrap();
    let again = dynamic_items(&config, &router.engine, route, router.now);
    let wan = again
        .iter()
        .find(|i| i.get("dst-address") == Some("198.51.100.0/24"))
        .unwrap();
    assert_eq!(wan.get("gateway"), Some("wan"));
    assert_eq!(again.iter().map(|i| i.id).collect::<Vec<_>>(), ids);

    // Without its gateway's subnet the default route is inactive.
    let wan_address = find(&config, "ip/address", "address", "198.51.100.2/24").id;
    config.remove(menu("ip/address"), wan_address).unwrap();
    apply(&config, &mut router.engine, router.now).unwrap();
    let values = status(&config, &router.engine, route, &config.items(route)[0]);
    assert_eq!(get(&values, "active"), Some("no"));
}

#[test]
fn rule_counters_grow_with_traffic() {
    let (config, mut router) = soho_router();
    let filter = menu("ip/firewall/filter");
    let icmp_rule = find(&config, "ip/firewall/filter", "protocol", "icmp").clone();
    let packets = |router: &super::frames::Router| {
        let values = status(&config, &router.engine, filter, &icmp_rule);
        (
            String::from(get(&values, "packets").unwrap()),
            String::from(get(&values, "bytes").unwrap()),
            String::from(get(&values, "invalid").unwrap()),
        )
    };
    assert_eq!(packets(&router), ("0".into(), "0".into(), "no".into()));
    let request = ping(ip(192, 168, 88, LAN_HOST), ip(192, 168, 88, 1), 1);
    assert_eq!(router.send(1, &request, 1).len(), 1);
    let bytes = alloc::format!("{}", request.len());
    assert_eq!(packets(&router), ("1".into(), bytes, "no".into()));
    // A new ping (another ident is another connection) is new again and counted again.
    assert_eq!(
        router
            .send(
                1,
                &ping(ip(192, 168, 88, LAN_HOST), ip(192, 168, 88, 1), 2),
                1
            )
            .len(),
        1
    );
    assert_eq!(packets(&router).0, "2");
}

#[test]
fn interfaces_addresses_and_tracking_report_their_state() {
    let (mut config, mut router) = soho_router();
    let interface = menu("interface");
    let ether2 = find(&config, "interface", "name", "ether2").clone();
    let values = status(&config, &router.engine, interface, &ether2);
    assert_eq!(get(&values, "running"), Some("yes"));
    // The MAC is stored by ensure_system_items, so it is not repeated.
    assert_eq!(get(&values, "mac-address"), None);
    assert_eq!(ether2.get("mac-address"), Some("52:54:00:00:00:02"));

    let address = menu("ip/address");
    let lan = find(&config, "ip/address", "address", "192.168.88.1/24").clone();
    let values = status(&config, &router.engine, address, &lan);
    assert_eq!(get(&values, "invalid"), Some("no"));
    assert_eq!(get(&values, "network"), Some("192.168.88.0"));

    set(&mut config, "interface", ether2.id, &[("disabled", "yes")]);
    apply(&config, &mut router.engine, router.now).unwrap();
    let ether2 = config.item(interface, ether2.id).unwrap();
    assert_eq!(
        get(
            &status(&config, &router.engine, interface, ether2),
            "running"
        ),
        Some("no")
    );
    assert_eq!(
        get(&status(&config, &router.engine, address, &lan), "invalid"),
        Some("yes")
    );

    let tracking = menu("ip/firewall/connection/tracking");
    let empty = Item {
        id: 0,
        values: Default::default(),
    };
    assert_eq!(
        status(&config, &router.engine, tracking, &empty),
        [("total-entries", String::from("0"))]
    );
}

#[test]
fn learned_neighbours_and_list_entries_are_dynamic_items() {
    let (mut config, mut router) = soho_router();
    // Rules that put pingers on a list for an hour.
    add(
        &mut config,
        "ip/firewall/filter",
        &[
            ("chain", "input"),
            ("action", "add-src-to-address-list"),
            ("protocol", "icmp"),
            ("address-list", "pingers"),
            ("address-list-timeout", "1h"),
        ],
    );
    let menu_filter = menu("ip/firewall/filter");
    let last = config.items(menu_filter).last().unwrap().id;
    let first = config.items(menu_filter)[0].id;
    config
        .move_before(menu_filter, &[last], Some(first))
        .unwrap();
    apply(&config, &mut router.engine, router.now).unwrap();
    let lan_host = ip(192, 168, 88, LAN_HOST);
    assert_eq!(
        router
            .send(1, &ping(lan_host, ip(192, 168, 88, 1), 1), 1)
            .len(),
        1
    );

    let arp = dynamic_items(&config, &router.engine, menu("ip/arp"), router.now);
    let learned: Vec<_> = arp
        .iter()
        .map(|i| {
            (
                i.get("address").unwrap_or(""),
                i.get("mac-address").unwrap_or(""),
                i.get("interface").unwrap_or(""),
            )
        })
        .collect();
    assert!(
        learned.contains(&("192.168.88.10", "02:00:00:00:00:0A", "ether2")),
        "{learned:?}"
    );

    router.now += Duration::from_secs(60);
    let list = dynamic_items(
        &config,
        &router.engine,
        menu("ip/firewall/address-list"),
        router.now,
    );
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].get("list"), Some("pingers"));
    assert_eq!(list[0].get("address"), Some("192.168.88.10"));
    assert_eq!(list[0].get("timeout"), Some("59m"));
    assert_eq!(list[0].get("dynamic"), Some("yes"));
    assert!(list[0].id >= FIRST_DYNAMIC_ID);
}
