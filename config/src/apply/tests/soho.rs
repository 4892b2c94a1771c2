//! The SOHO router of `netstack::factory`, built as configuration: same rules, same engine state, same
//! packets out.

use alloc::vec::Vec;

use netstack::factory;
use netstack::firewall::defconf;
use netstack::firewall::spec::{RuleSpec, Table};
use netstack::interface::InterfaceId;
use netstack::{EngineConfig, Instant};
use smoltcp::wire::IpProtocol;

use super::frames::{ACK, Router, SYN, header, icmp_type, ip, ping, tcp, tcp_ports};
use super::*;
use crate::apply::rule_spec;

/// A rule with its matchers in a fixed order (the configuration lists them in menu order, defconf in
/// the order it was written; the compiler sorts them anyway).
fn normalised(mut spec: RuleSpec) -> RuleSpec {
    spec.matchers.sort_by_key(|m| alloc::format!("{m:?}"));
    spec
}

#[test]
fn configured_rules_are_defconfs() {
    let config = soho();
    for (path, expected) in [
        ("ip/firewall/filter", defconf::filter(0)),
        ("ip/firewall/nat", defconf::nat(0)),
    ] {
        let menu = menu(path);
        let items = config.items(menu);
        assert_eq!(items.len(), expected.len(), "{path}");
        for (item, expected) in items.iter().zip(expected) {
            let spec = rule_spec(&config, menu, item).expect("translates");
            assert_eq!(spec.id.0, item.id, "the rule id is the *ID");
            let expected = RuleSpec {
                id: spec.id,
                ..expected
            };
            assert_eq!(
                normalised(spec),
                normalised(expected),
                "{path} *{:X}",
                item.id
            );
        }
    }
}

#[test]
fn engine_state_is_the_factory_engines() {
    let now = Instant::from_secs(1);
    let (_, configured) = soho_router();
    let factory = factory::build(&[WAN_MAC, LAN_MAC], EngineConfig::default(), SEED, now).unwrap();
    let names = |e: &netstack::Engine<netstack::firewall::Firewall>| -> Vec<_> {
        e.interfaces().iter().map(|(_, i)| i.name.clone()).collect()
    };
    assert_eq!(names(&configured.engine), names(&factory));
    let addresses = |e: &netstack::Engine<netstack::firewall::Firewall>| -> Vec<_> {
        let mut all: Vec<_> = e
            .addresses()
            .iter()
            .map(|a| (a.cidr, a.interface))
            .collect();
        all.sort();
        all
    };
    assert_eq!(addresses(&configured.engine), addresses(&factory));
    // Ids differ (the factory adds the default route between the addresses): compare as sets.
    let routes = |e: &netstack::Engine<netstack::firewall::Firewall>| -> Vec<_> {
        let mut all: Vec<_> = e
            .routes()
            .iter()
            .map(|r| alloc::format!("{} {:?} {} {:?}", r.dst, r.gateways, r.distance, r.flags))
            .collect();
        all.sort();
        all
    };
    assert_eq!(routes(&configured.engine), routes(&factory));
    for (list, member) in [("WAN", 0), ("LAN", 1)] {
        for e in [&configured.engine, &factory] {
            let id = e.interface_lists().by_name(list).unwrap();
            assert!(e.interface_lists().contains(id, InterfaceId(member)));
            assert!(!e.interface_lists().contains(id, InterfaceId(1 - member)));
        }
    }
    for table in [Table::Filter, Table::Nat] {
        assert_eq!(
            configured.engine.hooks().rules(table).len(),
            factory.hooks().rules(table).len()
        );
    }
}

/// Runs the same exchanges through a router and returns everything it sent, in order.
fn exchanges(router: &mut Router) -> Vec<Vec<Vec<u8>>> {
    let lan_host = ip(192, 168, 88, LAN_HOST);
    let wan_host = ip(198, 51, 100, 1);
    let synack = tcp(
        wan_host,
        ip(198, 51, 100, 2),
        (80, 40000),
        SYN | ACK,
        500,
        2,
    );
    alloc::vec![
        // A LAN host pings the router: answered on the LAN.
        router.send(1, &ping(lan_host, ip(192, 168, 88, 1), 1), 1),
        // The WAN host pings the WAN address: defconf accepts ICMP on input.
        router.send(0, &ping(wan_host, ip(198, 51, 100, 2), 2), 0),
        // A LAN host opens a connection out: masqueraded on the WAN.
        router.send(1, &tcp(lan_host, wan_host, (40000, 80), SYN, 1, 0), 0),
        // Its answer comes back to the LAN host.
        router.send(0, &synack, 1),
        // A WAN host opens a connection in: dropped, nothing leaves anywhere.
        router.send(0, &tcp(wan_host, lan_host, (5555, 22), SYN, 1, 0), 1),
        router.drain(0),
    ]
}

#[test]
fn packets_fare_as_through_the_factory_engine() {
    let now = Instant::from_secs(1);
    let (_, mut configured) = soho_router();
    let factory = factory::build(&[WAN_MAC, LAN_MAC], EngineConfig::default(), SEED, now).unwrap();
    let mut reference = super::router(factory, now);

    let got = exchanges(&mut configured);
    assert_eq!(
        got,
        exchanges(&mut reference),
        "byte for byte what the factory engine sends"
    );

    let [to_lan, to_wan, syn_out, syn_ack_in, intruder, wan_rest] = got.as_slice() else {
        panic!("six exchanges");
    };
    assert_eq!(to_lan.len(), 1);
    assert_eq!(icmp_type(&to_lan[0]), 0, "echo reply to the LAN host");
    assert_eq!(to_wan.len(), 1);
    assert_eq!(header(&to_wan[0]).1, ip(198, 51, 100, 1));
    assert_eq!(syn_out.len(), 1);
    assert_eq!(
        header(&syn_out[0]),
        (ip(198, 51, 100, 2), ip(198, 51, 100, 1), IpProtocol::Tcp),
        "masqueraded to the WAN address"
    );
    assert_eq!(tcp_ports(&syn_out[0]), (40000, 80, SYN));
    assert_eq!(syn_ack_in.len(), 1);
    assert_eq!(
        header(&syn_ack_in[0]).1,
        ip(192, 168, 88, LAN_HOST),
        "un-NATed"
    );
    assert!(intruder.is_empty(), "WAN-initiated connection dropped");
    assert!(wan_rest.is_empty(), "and not answered");
}
