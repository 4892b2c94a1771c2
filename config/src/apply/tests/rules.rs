//! Firewall items → `RuleSpec`: every matcher and action parameter, negation, invalid (dangling)
//! references, and the jump to a chain without rules.

use alloc::string::{String, ToString};
use alloc::vec;

use netstack::Duration;
use netstack::firewall::spec::{
    ActionSpec, AddrRange, AddressType, DstLimitMode, LimitMode, ListTimeout, Match, MatcherSpec,
    MssChange, PccKind, PortRange, RejectWith, TtlChange, TtlMatch, ValueRange,
};
use netstack::flow::ConnState;
use netstack::icmp_error::IcmpErrorKind;
use smoltcp::wire::{EthernetAddress, Ipv4Cidr};

use super::frames::ip;
use super::*;
use crate::apply::{check, rule_spec};

/// The spec of a rule added to `path` with `pairs` (on top of the SOHO configuration).
fn spec_of(path: &str, pairs: &[(&str, &str)]) -> netstack::firewall::RuleSpec {
    let mut config = soho();
    let id = add(&mut config, path, pairs);
    let menu = menu(path);
    let item = config.item(menu, id).unwrap();
    check(&config, menu, item).expect("the rule passes check");
    rule_spec(&config, menu, item).expect("translates")
}

fn plain(m: Match) -> MatcherSpec {
    m.into()
}

fn negated(m: Match) -> MatcherSpec {
    MatcherSpec {
        negate: true,
        matcher: m,
    }
}

#[test]
fn address_and_port_matchers() {
    let spec = spec_of(
        "ip/firewall/filter",
        &[
            ("chain", "forward"),
            ("src-address", "10.0.0.0/8"),
            ("dst-address", "!192.168.88.10-192.168.88.20"),
            ("src-address-list", "trusted"),
            ("dst-address-list", "!blocked"),
            ("src-address-type", "unicast"),
            ("dst-address-type", "!local"),
            ("protocol", "tcp"),
            ("src-port", "1024-65535"),
            ("dst-port", "22,80,8000-8080"),
        ],
    );
    assert_eq!(spec.chain, "forward");
    assert_eq!(spec.action, ActionSpec::Accept);
    assert_eq!(
        spec.matchers,
        vec![
            plain(Match::SrcAddress(AddrRange::prefix(Ipv4Cidr::new(
                ip(10, 0, 0, 0),
                8
            )))),
            negated(Match::DstAddress(AddrRange::range(
                ip(192, 168, 88, 10),
                ip(192, 168, 88, 20)
            ))),
            plain(Match::SrcAddressList("trusted".into())),
            negated(Match::DstAddressList("blocked".into())),
            plain(Match::SrcAddressType(AddressType::Unicast)),
            negated(Match::DstAddressType(AddressType::Local)),
            plain(Match::Protocol(6)),
            plain(Match::SrcPort(vec![PortRange::new(1024, 65535)])),
            plain(Match::DstPort(vec![
                PortRange::single(22),
                PortRange::single(80),
                PortRange::new(8000, 8080)
            ])),
        ]
    );
}

#[test]
fn interface_and_state_matchers() {
    let spec = spec_of(
        "ip/firewall/filter",
        &[
            ("chain", "forward"),
            ("in-interface", "ether2"),
            ("out-interface", "!ether1"),
            ("in-interface-list", "LAN"),
            ("out-interface-list", "!static"),
            ("connection-state", "new,untracked"),
            ("connection-nat-state", "srcnat,dstnat"),
            ("connection-mark", "web"),
            ("packet-mark", "!no-mark"),
            ("routing-mark", "vpn"),
        ],
    );
    assert_eq!(
        spec.matchers,
        vec![
            plain(Match::InInterface("ether2".into())),
            negated(Match::OutInterface("ether1".into())),
            plain(Match::InInterfaceList("LAN".into())),
            negated(Match::OutInterfaceList("static".into())),
            plain(Match::ConnectionState(vec![
                ConnState::New,
                ConnState::Untracked
            ])),
            plain(Match::ConnectionNatState {
                srcnat: true,
                dstnat: true
            }),
            plain(Match::ConnectionMark("web".into())),
            negated(Match::PacketMark("no-mark".into())),
            plain(Match::RoutingMark("vpn".into())),
        ]
    );
}

#[test]
fn packet_matchers() {
    let spec = spec_of(
        "ip/firewall/mangle",
        &[
            ("chain", "forward"),
            ("protocol", "tcp"),
            ("tcp-flags", "syn,!ack"),
            ("tcp-mss", "1400-1500"),
            ("ttl", "less-than:5"),
            ("dscp", "46"),
            ("packet-size", "!0-100"),
            ("fragment", "no"),
            ("src-mac-address", "02:00:00:00:00:0a"),
            ("content", "GET"),
            ("ipsec-policy", "in,none"),
        ],
    );
    assert_eq!(
        spec.matchers,
        vec![
            plain(Match::Protocol(6)),
            plain(Match::TcpFlags {
                set: 0x02,
                unset: 0x10
            }),
            plain(Match::TcpMss(ValueRange::new(1400, 1500))),
            plain(Match::Ttl(TtlMatch::LessThan(5))),
            plain(Match::Dscp(46)),
            negated(Match::PacketSize(ValueRange::new(0, 100))),
            plain(Match::IpsecPolicy {
                inbound: true,
                ipsec: false
            }),
            negated(Match::Fragment),
            plain(Match::SrcMacAddress(EthernetAddress([2, 0, 0, 0, 0, 10]))),
            plain(Match::Content(b"GET".to_vec())),
        ]
    );
    // `tcp-flags=!syn` negates the flag, not the matcher.
    let spec = spec_of(
        "ip/firewall/filter",
        &[
            ("chain", "input"),
            ("protocol", "tcp"),
            ("tcp-flags", "!syn"),
        ],
    );
    assert_eq!(
        spec.matchers[1],
        plain(Match::TcpFlags {
            set: 0,
            unset: 0x02
        })
    );
}

#[test]
fn stateful_matchers() {
    let spec = spec_of(
        "ip/firewall/filter",
        &[
            ("chain", "input"),
            ("protocol", "icmp"),
            ("icmp-options", "8:0"),
            ("connection-bytes", "500000-0"),
            ("connection-limit", "10,32"),
            ("connection-rate", "0-100k"),
            ("limit", "50/5s,2:packet"),
            ("dst-limit", "10,20,dst-address/1m"),
            ("nth", "3,1"),
            ("random", "25"),
            ("per-connection-classifier", "both-addresses:2/1"),
        ],
    );
    let kinds: alloc::vec::Vec<String> = spec
        .matchers
        .iter()
        .map(|m| alloc::format!("{:?}", m.matcher))
        .collect();
    assert_eq!(spec.matchers.len(), 10, "{kinds:?}");
    assert!(spec.matchers.contains(&plain(Match::IcmpOptions {
        icmp_type: 8,
        code: Some(0)
    })));
    assert!(spec.matchers.contains(&plain(Match::ConnectionBytes {
        min: 500_000,
        max: 0
    })));
    assert!(spec.matchers.contains(&plain(Match::ConnectionLimit {
        limit: 10,
        prefix_len: 32
    })));
    assert!(
        spec.matchers
            .contains(&plain(Match::ConnectionRate(ValueRange::new(0, 100_000))))
    );
    assert!(
        spec.matchers
            .contains(&plain(Match::Limit(netstack::firewall::spec::RateSpec {
                count: 50,
                period: Duration::from_secs(5),
                burst: 2,
                mode: LimitMode::Packet
            })))
    );
    assert!(spec.matchers.iter().any(|m| matches!(
        &m.matcher,
        Match::DstLimit(d) if d.mode == DstLimitMode::DstAddress && d.expire == Duration::from_secs(60)
    )));
    assert!(
        spec.matchers
            .contains(&plain(Match::Nth { every: 3, nth: 1 }))
    );
    assert!(spec.matchers.contains(&plain(Match::Random(25))));
    assert!(
        spec.matchers
            .contains(&plain(Match::PerConnectionClassifier {
                kind: PccKind::BothAddresses,
                every: 2,
                remainder: 1
            }))
    );
}

#[test]
fn filter_actions_with_parameters() {
    let action = |pairs: &[(&str, &str)]| {
        let mut all = vec![("chain", "forward")];
        all.extend_from_slice(pairs);
        spec_of("ip/firewall/filter", &all).action
    };
    assert_eq!(action(&[("action", "drop")]), ActionSpec::Drop);
    assert_eq!(
        action(&[("action", "reject")]),
        ActionSpec::Reject(RejectWith::Icmp(IcmpErrorKind::NetUnreachable))
    );
    assert_eq!(
        action(&[
            ("action", "reject"),
            ("protocol", "tcp"),
            ("reject-with", "tcp-reset")
        ]),
        ActionSpec::Reject(RejectWith::TcpReset)
    );
    assert_eq!(
        action(&[
            ("action", "add-src-to-address-list"),
            ("address-list", "scanners"),
            ("address-list-timeout", "1d")
        ]),
        ActionSpec::AddSrcToAddressList {
            list: "scanners".into(),
            timeout: ListTimeout::After(Duration::from_secs(86_400))
        }
    );
    assert_eq!(
        action(&[
            ("action", "add-dst-to-address-list"),
            ("address-list", "seen")
        ]),
        ActionSpec::AddDstToAddressList {
            list: "seen".into(),
            timeout: ListTimeout::NoneDynamic
        }
    );
    assert_eq!(
        action(&[("action", "fasttrack-connection")]),
        ActionSpec::FasttrackConnection
    );
    // A jump to a chain that has rules stays a jump; to one without rules it is a passthrough.
    let mut config = soho();
    let jump = add(
        &mut config,
        "ip/firewall/filter",
        &[
            ("chain", "forward"),
            ("action", "jump"),
            ("jump-target", "ddos"),
        ],
    );
    let filter = menu("ip/firewall/filter");
    let spec = |config: &Config| rule_spec(config, filter, config.item(filter, jump).unwrap());
    assert_eq!(spec(&config).unwrap().action, ActionSpec::Passthrough);
    add(
        &mut config,
        "ip/firewall/filter",
        &[("chain", "ddos"), ("action", "return")],
    );
    assert_eq!(
        spec(&config).unwrap().action,
        ActionSpec::Jump("ddos".into())
    );
}

#[test]
fn nat_and_mangle_actions() {
    let nat = |pairs: &[(&str, &str)]| spec_of("ip/firewall/nat", pairs).action;
    assert_eq!(
        nat(&[
            ("chain", "dstnat"),
            ("action", "dst-nat"),
            ("protocol", "tcp"),
            ("dst-port", "8080"),
            ("to-addresses", "192.168.88.10"),
            ("to-ports", "80")
        ]),
        ActionSpec::DstNat {
            to_addresses: Some(AddrRange::single(ip(192, 168, 88, 10))),
            to_ports: Some(PortRange::single(80))
        }
    );
    assert_eq!(
        nat(&[
            ("chain", "srcnat"),
            ("action", "src-nat"),
            ("to-addresses", "198.51.100.2")
        ]),
        ActionSpec::SrcNat {
            to_addresses: Some(AddrRange::single(ip(198, 51, 100, 2))),
            to_ports: None
        }
    );
    assert_eq!(
        nat(&[
            ("chain", "srcnat"),
            ("action", "netmap"),
            ("to-addresses", "203.0.113.0/24")
        ]),
        ActionSpec::Netmap {
            to_addresses: Ipv4Cidr::new(ip(203, 0, 113, 0), 24),
            to_ports: None
        }
    );
    assert_eq!(
        nat(&[
            ("chain", "dstnat"),
            ("action", "redirect"),
            ("protocol", "udp"),
            ("to-ports", "53")
        ]),
        ActionSpec::Redirect {
            to_ports: Some(PortRange::single(53))
        }
    );
    let mangle = |pairs: &[(&str, &str)]| spec_of("ip/firewall/mangle", pairs);
    let spec = mangle(&[
        ("chain", "prerouting"),
        ("action", "mark-connection"),
        ("new-connection-mark", "web"),
        ("passthrough", "no"),
    ]);
    assert_eq!(spec.action, ActionSpec::MarkConnection("web".into()));
    assert!(!spec.passthrough);
    assert_eq!(
        mangle(&[
            ("chain", "forward"),
            ("action", "change-mss"),
            ("protocol", "tcp"),
            ("tcp-flags", "syn"),
            ("new-mss", "clamp-to-pmtu")
        ])
        .action,
        ActionSpec::ChangeMss(MssChange::ClampToPmtu)
    );
    assert_eq!(
        mangle(&[
            ("chain", "postrouting"),
            ("action", "change-ttl"),
            ("new-ttl", "set:64")
        ])
        .action,
        ActionSpec::ChangeTtl(TtlChange::Set(64))
    );
    assert_eq!(
        spec_of(
            "ip/firewall/raw",
            &[("chain", "prerouting"), ("action", "notrack")]
        )
        .action,
        ActionSpec::NoTrack
    );
}

#[test]
fn common_properties() {
    let spec = spec_of(
        "ip/firewall/filter",
        &[
            ("chain", "input"),
            ("action", "drop"),
            ("log", "yes"),
            ("log-prefix", "DROP"),
            ("comment", "no strangers"),
            ("disabled", "yes"),
        ],
    );
    assert!(spec.log && spec.disabled);
    assert_eq!(spec.log_prefix, "DROP");
    assert_eq!(spec.comment.as_deref(), Some("no strangers"));
}

#[test]
fn missing_parameters_are_refused_in_routeros_words() {
    let mut config = soho();
    for (path, pairs, message) in [
        (
            "ip/firewall/filter",
            &[("chain", "input"), ("action", "add-src-to-address-list")][..],
            "failure: address-list not specified",
        ),
        (
            "ip/firewall/nat",
            &[("chain", "srcnat"), ("action", "src-nat")][..],
            "failure: to-addresses not specified",
        ),
        (
            "ip/firewall/mangle",
            &[("chain", "forward"), ("action", "mark-packet")][..],
            "failure: new-packet-mark not specified",
        ),
        (
            "ip/firewall/filter",
            &[("chain", "forward"), ("to-addresses", "10.0.0.1")][..],
            "failure: to-addresses can be used only with action src-nat, dst-nat, netmap or same",
        ),
        (
            "ip/firewall/filter",
            &[("chain", "input"), ("limit", "fast")][..],
            "invalid value for argument limit",
        ),
        (
            "ip/firewall/filter",
            &[
                ("chain", "input"),
                ("action", "jump"),
                ("jump-target", "input"),
            ][..],
            "failure: can not jump to built-in chain input",
        ),
        (
            "ip/firewall/filter",
            &[("chain", "output"), ("in-interface", "ether1")][..],
            "failure: in-interface can not be used in chain output",
        ),
    ] {
        let id = add(&mut config, path, pairs);
        let menu = menu(path);
        let result =
            check(&config, menu, config.item(menu, id).unwrap()).map_err(|e| e.to_string());
        assert_eq!(result, Err(String::from(message)), "{pairs:?}");
        config.remove(menu, id).unwrap();
    }
}

#[test]
fn dangling_references_make_the_rule_invalid() {
    let mut config = soho();
    let id = add(
        &mut config,
        "ip/firewall/filter",
        &[
            ("chain", "forward"),
            ("action", "drop"),
            ("in-interface-list", "WAN"),
        ],
    );
    let lists = menu("interface/list");
    let wan = find(&config, "interface/list", "name", "WAN").id;
    config.remove(lists, wan).unwrap();
    let filter = menu("ip/firewall/filter");
    let spec = rule_spec(&config, filter, config.item(filter, id).unwrap()).unwrap();
    assert!(spec.disabled, "invalid rules are skipped");
    assert!(spec.matchers.is_empty(), "without the dangling matcher");
    // The configuration still applies (the defconf rule naming WAN is invalid too).
    let now = netstack::Instant::from_secs(1);
    let mut engine = fresh_engine(now);
    crate::apply::apply(&config, &mut engine, now).expect("applies");
    let values = crate::apply::status(&config, &engine, filter, config.item(filter, id).unwrap());
    assert!(values.contains(&("invalid", String::from("yes"))));
}
