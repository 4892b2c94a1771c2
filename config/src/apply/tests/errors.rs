//! Refused configurations: `check` refuses the bad item on its own line, `apply` refuses the whole
//! configuration with the item named, and the engine is left exactly as it was — including the good
//! changes that came with the bad one.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use netstack::firewall::spec::Table;
use netstack::interface::InterfaceId;

use super::frames::{Router, SYN, ip, ping, tcp};
use super::*;
use crate::apply::{ApplyError, apply, check};

/// What a refused apply must not change, observed from outside.
fn observe(router: &mut Router) -> (String, usize, usize, bool, bool) {
    let engine = &router.engine;
    let names = alloc::format!(
        "{:?}",
        engine
            .interfaces()
            .iter()
            .map(|(_, i)| i.name.clone())
            .collect::<Vec<_>>()
    );
    let addresses = engine.addresses().iter().count();
    let rules = engine.hooks().rules(Table::Filter).len();
    let (lan_host, wan_host) = (ip(192, 168, 88, LAN_HOST), ip(198, 51, 100, 1));
    let intruder_dropped = router
        .send(0, &tcp(wan_host, lan_host, (5555, 22), SYN, 1, 0), 1)
        .is_empty();
    let ping_answered = router
        .send(1, &ping(lan_host, ip(192, 168, 88, 1), 9), 1)
        .len()
        == 1;
    (names, addresses, rules, intruder_dropped, ping_answered)
}

/// Adds `rule` to `path` together with harmless changes (a rename and an address), and checks that
/// `check` refuses the rule with `message`, that `apply` refuses the configuration naming the rule,
/// and that the engine saw none of it.
fn refused(path: &str, rule: &[(&str, &str)], message: &str) {
    let (mut config, mut router) = soho_router();
    let before = observe(&mut router);
    assert_eq!(before.1, 2);
    assert!(before.3 && before.4);

    let ether2 = find(&config, "interface", "name", "ether2").id;
    set(&mut config, "interface", ether2, &[("name", "lan")]);
    add(
        &mut config,
        "ip/address",
        &[("address", "10.9.9.1/24"), ("interface", "lan")],
    );
    let id = add(&mut config, path, rule);
    let menu = menu(path);
    let item = config.item(menu, id).unwrap();
    assert_eq!(
        check(&config, menu, item).map_err(|e| e.to_string()),
        Err(String::from(message)),
        "check"
    );
    let error = apply(&config, &mut router.engine, router.now).expect_err("refused");
    assert_eq!(
        error,
        ApplyError {
            menu: menu.path,
            id: Some(id),
            message: String::from(message.strip_prefix("failure: ").unwrap_or(message)),
        }
    );
    assert_eq!(
        error.to_string(),
        alloc::format!("failure: {}", error.message)
    );
    assert_eq!(observe(&mut router), before, "engine unchanged");
    assert_eq!(
        router.engine.interfaces().get(InterfaceId(1)).unwrap().name,
        "ether2"
    );
}

#[test]
fn jump_without_target() {
    refused(
        "ip/firewall/filter",
        &[("chain", "forward"), ("action", "jump")],
        "failure: jump-target not specified",
    );
}

#[test]
fn unknown_protocol() {
    refused(
        "ip/firewall/filter",
        &[("chain", "input"), ("action", "drop"), ("protocol", "tcpp")],
        "invalid value for argument protocol",
    );
}

#[test]
fn to_ports_with_icmp() {
    refused(
        "ip/firewall/nat",
        &[
            ("chain", "dstnat"),
            ("action", "dst-nat"),
            ("protocol", "icmp"),
            ("to-addresses", "192.168.88.10"),
            ("to-ports", "80"),
        ],
        "failure: to-ports can be used only with protocol tcp, udp, udp-lite, dccp, sctp",
    );
}

#[test]
fn action_in_the_wrong_chain() {
    refused(
        "ip/firewall/nat",
        &[("chain", "dstnat"), ("action", "masquerade")],
        "failure: action masquerade is not valid in chain dstnat",
    );
}

#[test]
fn ports_without_protocol() {
    refused(
        "ip/firewall/filter",
        &[("chain", "input"), ("action", "accept"), ("dst-port", "22")],
        "failure: dst-port can be used only with protocol tcp, udp, udp-lite, dccp, sctp",
    );
}

/// A jump loop passes `check` (each rule is fine alone) and is refused by `apply`.
#[test]
fn jump_loop_is_refused_by_apply() {
    let (mut config, mut router) = soho_router();
    let before = observe(&mut router);
    let path = "ip/firewall/filter";
    let a = add(
        &mut config,
        path,
        &[("chain", "a"), ("action", "jump"), ("jump-target", "b")],
    );
    let b = add(
        &mut config,
        path,
        &[("chain", "b"), ("action", "jump"), ("jump-target", "a")],
    );
    for id in [a, b] {
        let item = config.item(menu(path), id).unwrap();
        assert_eq!(check(&config, menu(path), item), Ok(()));
    }
    let error = apply(&config, &mut router.engine, router.now).expect_err("loop");
    assert_eq!(error.menu, path);
    assert!(error.message.starts_with("jump loop"), "{error:?}");
    assert_eq!(observe(&mut router), before);
}

#[test]
fn routes_need_a_gateway_in_routeros_syntax() {
    let mut config = soho();
    let route = menu("ip/route");
    for (pairs, expected) in [
        (
            &[("dst-address", "10.0.0.0/8")][..],
            Err("failure: gateway not specified"),
        ),
        (
            &[("dst-address", "10.0.0.0/8"), ("blackhole", "yes")][..],
            Ok(()),
        ),
        (&[("gateway", "ether2")][..], Ok(())),
        (&[("gateway", "192.168.88.7%ether2")][..], Ok(())),
        (
            &[("gateway", "10.0.0.1"), ("routing-table", "vpn")][..],
            Err("input does not match any value of routing-table"),
        ),
    ] {
        let id = add(&mut config, "ip/route", pairs);
        let item = config.item(route, id).unwrap();
        assert_eq!(
            check(&config, route, item).map_err(|e| e.to_string()),
            expected.map_err(String::from),
            "{pairs:?}"
        );
        config.remove(route, id).unwrap();
    }
    // The model itself refuses what is neither an address nor an interface.
    for gateway in ["ether9", "10.0.0.300", "192.168.88.7%ether9", "ether2,"] {
        assert_eq!(
            config
                .add(route, &changes(route, &[("gateway", gateway)]), None)
                .map_err(|e| e.to_string()),
            Err(String::from("invalid value for argument gateway")),
            "{gateway}"
        );
    }
}

#[test]
fn addresses_arp_and_interfaces_are_checked() {
    let mut config = soho();
    let address = menu("ip/address");
    let id = add(
        &mut config,
        "ip/address",
        &[("address", "192.168.5.0/24"), ("interface", "ether2")],
    );
    let item = config.item(address, id).unwrap();
    assert_eq!(
        check(&config, address, item).map_err(|e| e.to_string()),
        Err(String::from("invalid value for argument address")),
        "the network address is not a host address"
    );
    let arp = menu("ip/arp");
    let id = add(
        &mut config,
        "ip/arp",
        &[
            ("address", "192.168.88.5"),
            ("mac-address", "FF:FF:FF:FF:FF:FF"),
            ("interface", "ether2"),
        ],
    );
    let item = config.item(arp, id).unwrap();
    assert_eq!(
        check(&config, arp, item).map_err(|e| e.to_string()),
        Err(String::from("invalid value for argument mac-address"))
    );
    let interface = menu("interface");
    let ether1 = find(&config, "interface", "name", "ether1").id;
    set(
        &mut config,
        "interface",
        ether1,
        &[("arp", "local-proxy-arp")],
    );
    let item = config.item(interface, ether1).unwrap();
    assert!(check(&config, interface, item).is_err());
}
