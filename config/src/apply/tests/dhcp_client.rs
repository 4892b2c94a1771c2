//! A DHCP client's lease in the running engine: the dynamic address and routes it adds, what print
//! shows of them, that applying the configuration leaves them alone, masquerade following the address,
//! and what `/ip dhcp-client print` shows.

use alloc::string::String;
use alloc::vec::Vec;

use netstack::dhcp_client::{ClasslessRoute, Lease, State};
use netstack::{Duration, Instant};
use smoltcp::wire::{EthernetAddress, Ipv4Address, Ipv4Cidr};

use super::frames::{SYN, header, ip, tcp};
use super::*;
use crate::apply::dhcp_client::{
    ClientSettings, DefaultRoute, install, lease_routes, settings, status, uninstall,
};
use crate::apply::{apply, dynamic_items};

/// The SOHO configuration with `/ip dhcp-client add interface=ether1` instead of the static WAN
/// address and default route.
fn soho_dhcp() -> Config {
    let mut config = soho();
    let wan = find(&config, "ip/address", "address", "198.51.100.2/24").id;
    config.remove(menu("ip/address"), wan).unwrap();
    let route = config.items(menu("ip/route"))[0].id;
    config.remove(menu("ip/route"), route).unwrap();
    add(&mut config, "ip/dhcp-client", &[("interface", "ether1")]);
    config
}

fn lease(address: Ipv4Address, now: Instant) -> Lease {
    let at = |secs| now + Duration::from_secs(secs);
    Lease {
        address: Ipv4Cidr::new(address, 24),
        router: Some(ip(198, 51, 100, 1)),
        classless_routes: None,
        dns_servers: alloc::vec![ip(198, 51, 100, 1), ip(9, 9, 9, 9)],
        server: ip(198, 51, 100, 1),
        server_mac: EthernetAddress([2, 0, 0, 0, 0, 1]),
        lease_time: Duration::from_secs(120),
        acquired: now,
        renew_at: at(60),
        rebind_at: at(105),
        expires_at: at(120),
    }
}

fn client_settings(config: &Config, router: &Router) -> ClientSettings {
    let client = &config.items(menu("ip/dhcp-client"))[0];
    settings(
        config,
        menu("ip/dhcp-client"),
        client,
        router.engine.interfaces(),
    )
    .expect("enabled, on ether1")
}

fn shown(config: &Config, router: &Router, path: &str, props: &[&str]) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = dynamic_items(config, &router.engine, menu(path), router.now)
        .iter()
        .map(|i| {
            props
                .iter()
                .map(|p| String::from(i.get(p).unwrap_or("")))
                .collect()
        })
        .collect();
    rows.sort();
    rows
}

fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|s| String::from(*s)).collect())
        .collect()
}

#[test]
fn a_lease_adds_a_dynamic_address_and_default_route_that_apply_leaves_alone() {
    let now = Instant::from_secs(1);
    let config = soho_dhcp();
    let mut engine = fresh_engine(now);
    apply(&config, &mut engine, now).unwrap();
    let mut router = router(engine, now);
    let settings = client_settings(&config, &router);
    assert_eq!(settings.add_default_route, DefaultRoute::Yes);
    assert_eq!(settings.distance, 1);
    let installed = install(
        &mut router.engine,
        &settings,
        &lease(ip(198, 51, 100, 50), now),
    );
    assert!(installed.refused.is_empty());
    router.drain(0);

    let addresses = shown(
        &config,
        &router,
        "ip/address",
        &["address", "interface", "dynamic"],
    );
    assert_eq!(
        addresses,
        strings(&[&["198.51.100.50/24", "ether1", "yes"]])
    );
    let routes = shown(
        &config,
        &router,
        "ip/route",
        &["dst-address", "gateway", "distance", "active", "dhcp"],
    );
    assert!(routes.contains(&strings(&[&["0.0.0.0/0", "198.51.100.1", "1", "yes", "yes"]])[0]));
    assert!(
        routes
            .iter()
            .any(|r| r[0] == "198.51.100.0/24" && r[1] == "ether1"),
        "the lease's connected route: {routes:?}"
    );

    // A configuration change is applied around them.
    let mut config = config;
    add(
        &mut config,
        "ip/firewall/address-list",
        &[("list", "x"), ("address", "10.9.9.9")],
    );
    apply(&config, &mut router.engine, now).unwrap();
    assert_eq!(
        shown(&config, &router, "ip/address", &["address"]),
        strings(&[&["198.51.100.50/24"]])
    );

    // The LAN host reaches the WAN host masqueraded to the leased address.
    let lan_host = ip(192, 168, 88, LAN_HOST);
    let out = router.send(
        1,
        &tcp(lan_host, ip(198, 51, 100, 1), (40000, 80), SYN, 1, 0),
        0,
    );
    assert_eq!(out.len(), 1);
    assert_eq!(header(&out[0]).0, ip(198, 51, 100, 50));
    assert_eq!(router.engine.hooks().conntrack().len(), 1);

    // The lease ends: address and route go, and the masqueraded connection with them.
    uninstall(&mut router.engine, &installed);
    assert!(shown(&config, &router, "ip/address", &["address"]).is_empty());
    assert!(
        router
            .engine
            .routes()
            .iter()
            .all(|r| !r.flags.dhcp && r.dst.network() != Ipv4Cidr::new(ip(198, 51, 100, 0), 24))
    );
    assert_eq!(router.engine.hooks().conntrack().len(), 0, "flushed");
}

#[test]
fn a_disabled_wan_address_drops_the_connections_masqueraded_to_it() {
    let now = Instant::from_secs(1);
    let mut config = soho();
    let mut engine = fresh_engine(now);
    apply(&config, &mut engine, now).unwrap();
    let mut router = router(engine, now);
    let lan_host = ip(192, 168, 88, LAN_HOST);
    let out = router.send(
        1,
        &tcp(lan_host, ip(198, 51, 100, 1), (40000, 80), SYN, 1, 0),
        0,
    );
    assert_eq!(header(&out[0]).0, ip(198, 51, 100, 2));
    assert_eq!(router.engine.hooks().conntrack().len(), 1);
    let wan = find(&config, "ip/address", "address", "198.51.100.2/24").id;
    set(&mut config, "ip/address", wan, &[("disabled", "yes")]);
    apply(&config, &mut router.engine, now).unwrap();
    assert_eq!(router.engine.hooks().conntrack().len(), 0);
}

#[test]
fn add_default_route_and_distance_decide_the_routes() {
    let now = Instant::from_secs(1);
    let mut with_121 = lease(ip(198, 51, 100, 50), now);
    with_121.classless_routes = Some(alloc::vec![
        ClasslessRoute {
            destination: Ipv4Cidr::new(Ipv4Address::UNSPECIFIED, 0),
            router: ip(198, 51, 100, 254),
        },
        ClasslessRoute {
            destination: Ipv4Cidr::new(ip(10, 0, 0, 0), 8),
            router: Ipv4Address::UNSPECIFIED,
        },
    ]);
    let plain = lease(ip(198, 51, 100, 50), now);
    let interface = netstack::interface::InterfaceId(0);
    let settings = |add_default_route, distance| ClientSettings {
        interface,
        add_default_route,
        distance,
        use_peer_dns: true,
    };
    let render = |routes: Vec<netstack::route::StaticRoute>| -> Vec<String> {
        routes
            .iter()
            .map(|r| {
                let gateways = match &r.target {
                    netstack::route::RouteTarget::Gateways(g) => g
                        .iter()
                        .map(|g| g.render(|_| "ether1"))
                        .collect::<Vec<_>>()
                        .join(","),
                    _ => String::new(),
                };
                alloc::format!("{} {} {}", r.dst, gateways, r.distance)
            })
            .collect()
    };
    // yes: option 121 wins over option 3.
    assert_eq!(
        render(lease_routes(&settings(DefaultRoute::Yes, 5), &with_121)),
        ["0.0.0.0/0 198.51.100.254 5", "10.0.0.0/8 ether1 5"]
    );
    assert_eq!(
        render(lease_routes(&settings(DefaultRoute::Yes, 1), &plain)),
        ["0.0.0.0/0 198.51.100.1 1"]
    );
    // special-classless: option 121's routes and the default route via option 3.
    assert_eq!(
        render(lease_routes(
            &settings(DefaultRoute::SpecialClassless, 1),
            &with_121
        )),
        ["10.0.0.0/8 ether1 1", "0.0.0.0/0 198.51.100.1 1"]
    );
    assert!(lease_routes(&settings(DefaultRoute::No, 1), &with_121).is_empty());
}

#[test]
fn settings_follow_the_item() {
    let now = Instant::from_secs(1);
    let mut config = soho_dhcp();
    let mut engine = fresh_engine(now);
    apply(&config, &mut engine, now).unwrap();
    let id = config.items(menu("ip/dhcp-client"))[0].id;
    set(
        &mut config,
        "ip/dhcp-client",
        id,
        &[
            ("add-default-route", "special-classless"),
            ("default-route-distance", "7"),
            ("use-peer-dns", "no"),
        ],
    );
    let item = &config.items(menu("ip/dhcp-client"))[0];
    let got = settings(&config, menu("ip/dhcp-client"), item, engine.interfaces()).unwrap();
    assert_eq!(got.add_default_route, DefaultRoute::SpecialClassless);
    assert_eq!(got.distance, 7);
    assert!(!got.use_peer_dns);
    set(&mut config, "ip/dhcp-client", id, &[("disabled", "yes")]);
    let item = &config.items(menu("ip/dhcp-client"))[0];
    assert_eq!(
        settings(&config, menu("ip/dhcp-client"), item, engine.interfaces()),
        None
    );
}

#[test]
fn print_shows_status_address_gateway_dns_and_expiry() {
    let now = Instant::from_secs(1);
    let values = status(
        Some(State::Bound),
        Some(&lease(ip(198, 51, 100, 50), now)),
        now + Duration::from_millis(30_500),
    );
    let get = |name| {
        values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("status"), Some("bound"));
    assert_eq!(get("address"), Some("198.51.100.50/24"));
    assert_eq!(get("gateway"), Some("198.51.100.1"));
    assert_eq!(get("primary-dns"), Some("198.51.100.1"));
    assert_eq!(get("secondary-dns"), Some("9.9.9.9"));
    assert_eq!(get("dhcp-server"), Some("198.51.100.1"));
    assert_eq!(get("expires-after"), Some("1m29s"));
    let searching = status(Some(State::Selecting), None, now);
    assert_eq!(searching, [("status", String::from("searching..."))]);
    assert_eq!(status(None, None, now)[0].1, "stopped");
}
