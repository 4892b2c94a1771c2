//! `/ip firewall filter|nat|mangle|raw`, `address-list`, `connection` and `connection tracking`
//! (routeros-reference.md §2–§3). The four rule menus share one property set; which `action`s a menu
//! takes differs. Properties whose syntax is richer than a value type (`limit=`, `icmp-options=`, ...) are
//! stored as text and checked when the rules are compiled for the engine (`crate::apply`), which runs for
//! every change, so a bad value is refused at once all the same.
//!
//! The `/ipv6 firewall` rule menus ([`super::ipv6`]) have the same properties but for what a
//! [`RuleFamily`] says differs; [`rule_props!`] writes both families' lists from the one definition.

use crate::model::schema::{
    FLAG_DISABLED, FLAG_DYNAMIC, FLAG_INVALID, FlagDef, MenuDef, MenuKind, PrintStyle, PropDef,
};
use crate::value::ValueType;

pub(super) const CONNECTION_STATES: &[&str] =
    &["established", "invalid", "new", "related", "untracked"];
pub(super) const TCP_FLAGS: &[&str] = &["ack", "cwr", "ece", "fin", "psh", "rst", "syn", "urg"];
pub(super) const ADDRESS_TYPES: &[&str] = &["broadcast", "local", "multicast", "unicast"];
const REJECT_WITH_ICMP: &[&str] = &[
    "icmp-admin-prohibited",
    "icmp-host-prohibited",
    "icmp-host-unreachable",
    "icmp-net-prohibited",
    "icmp-network-unreachable",
    "icmp-port-unreachable",
    "icmp-protocol-unreachable",
    "tcp-reset",
];

/// What differs between the IPv4 and the IPv6 rule menus' properties; the rest is the same.
pub(super) struct RuleFamily {
    /// The syntax of `src-address`, `dst-address` and the NAT target address.
    pub address: ValueType,
    /// The NAT target address: `to-addresses` (IPv4), `to-address` (IPv6).
    pub to_addresses: &'static str,
    /// The hop count matcher and its mangle action's parameter: `ttl`/`new-ttl` (IPv4),
    /// `hop-limit`/`new-hop-limit` (IPv6).
    pub hop_limit: &'static str,
    pub new_hop_limit: &'static str,
    /// The errors `action=reject` sends (ICMP or ICMPv6, and `tcp-reset`).
    pub reject_with: &'static [&'static str],
    /// The fragment matcher: `fragment=yes|no` (IPv4), the extension headers `headers=` (IPv6).
    pub fragment: PropDef,
}

pub(super) const IPV4: RuleFamily = RuleFamily {
    address: ValueType::Ipv4Match,
    to_addresses: "to-addresses",
    hop_limit: "ttl",
    new_hop_limit: "new-ttl",
    reject_with: REJECT_WITH_ICMP,
    fragment: PropDef::new("fragment", ValueType::Bool).negatable(),
};

/// A property of every rule menu of `$family` (a [`RuleFamily`]), in the order RouterOS lists them.
macro_rules! rule_props {
    ($actions:expr, $family:expr) => {
        &[
            PropDef::new("chain", ValueType::Name).required(),
            PropDef::new("action", ValueType::Enum($actions)).default("accept"),
            PropDef::new("src-address", $family.address).negatable(),
            PropDef::new("dst-address", $family.address).negatable(),
            PropDef::new("src-address-list", ValueType::Name).negatable(),
            PropDef::new("dst-address-list", ValueType::Name).negatable(),
            PropDef::new(
                "src-address-type",
                ValueType::Enum($crate::model::menus::firewall::ADDRESS_TYPES),
            )
            .negatable(),
            PropDef::new(
                "dst-address-type",
                ValueType::Enum($crate::model::menus::firewall::ADDRESS_TYPES),
            )
            .negatable(),
            PropDef::new("protocol", ValueType::Name).negatable(),
            PropDef::new("src-port", ValueType::PortList).negatable(),
            PropDef::new("dst-port", ValueType::PortList).negatable(),
            PropDef::new("port", ValueType::PortList).negatable(),
            PropDef::reference("in-interface", "interface").negatable(),
            PropDef::reference("out-interface", "interface").negatable(),
            PropDef::reference("in-interface-list", "interface/list")
                .builtin($crate::model::menus::interface::BUILTIN_LISTS)
                .negatable(),
            PropDef::reference("out-interface-list", "interface/list")
                .builtin($crate::model::menus::interface::BUILTIN_LISTS)
                .negatable(),
            PropDef::new(
                "connection-state",
                ValueType::EnumSet($crate::model::menus::firewall::CONNECTION_STATES),
            )
            .negatable(),
            PropDef::new(
                "connection-nat-state",
                ValueType::EnumSet(&["dstnat", "srcnat"]),
            )
            .negatable(),
            PropDef::new("connection-mark", ValueType::Name).negatable(),
            PropDef::new("packet-mark", ValueType::Name).negatable(),
            PropDef::new("routing-mark", ValueType::Name).negatable(),
            PropDef::new(
                "tcp-flags",
                ValueType::FlagSet($crate::model::menus::firewall::TCP_FLAGS),
            )
            .negatable(),
            PropDef::new("tcp-mss", ValueType::Text).negatable(),
            PropDef::new("icmp-options", ValueType::Text).negatable(),
            PropDef::new($family.hop_limit, ValueType::Text).negatable(),
            PropDef::new("dscp", ValueType::Integer { min: 0, max: 63 }).negatable(),
            PropDef::new("packet-size", ValueType::Text).negatable(),
            PropDef::new("connection-bytes", ValueType::Text).negatable(),
            PropDef::new("connection-limit", ValueType::Text).negatable(),
            PropDef::new("connection-rate", ValueType::Text).negatable(),
            PropDef::new("ipsec-policy", ValueType::Text).negatable(),
            $family.fragment,
            PropDef::new("limit", ValueType::Text).negatable(),
            PropDef::new("dst-limit", ValueType::Text).negatable(),
            PropDef::new("nth", ValueType::Text).negatable(),
            PropDef::new("random", ValueType::Integer { min: 1, max: 99 }).negatable(),
            PropDef::new("src-mac-address", ValueType::MacAddress).negatable(),
            PropDef::new("content", ValueType::Text).negatable(),
            PropDef::new("per-connection-classifier", ValueType::Text).negatable(),
            PropDef::new("jump-target", ValueType::Name),
            PropDef::new("reject-with", ValueType::Enum($family.reject_with)),
            PropDef::new("address-list", ValueType::Name),
            PropDef::new("address-list-timeout", ValueType::Text),
            PropDef::new($family.to_addresses, $family.address),
            PropDef::new("to-ports", ValueType::PortList),
            PropDef::new("new-connection-mark", ValueType::Name),
            PropDef::new("new-packet-mark", ValueType::Name),
            PropDef::new("new-routing-mark", ValueType::Name),
            PropDef::new("new-priority", ValueType::Integer { min: 0, max: 63 }),
            PropDef::new($family.new_hop_limit, ValueType::Text),
            PropDef::new("new-dscp", ValueType::Integer { min: 0, max: 63 }),
            PropDef::new("new-mss", ValueType::Text),
            PropDef::new("passthrough", ValueType::Bool),
            PropDef::new("hw-offload", ValueType::Bool),
            PropDef::new("log", ValueType::Bool).default("no"),
            PropDef::new("log-prefix", ValueType::Text).default(""),
            PropDef::new("disabled", ValueType::Bool).default("no"),
            PropDef::new("comment", ValueType::Text),
            PropDef::new(
                "bytes",
                ValueType::Integer {
                    min: 0,
                    max: i64::MAX,
                },
            )
            .read_only(),
            PropDef::new(
                "packets",
                ValueType::Integer {
                    min: 0,
                    max: i64::MAX,
                },
            )
            .read_only(),
            PropDef::new("invalid", ValueType::Bool).read_only(),
        ]
    };
}
pub(super) use rule_props;

const FILTER_ACTIONS: &[&str] = &[
    "accept",
    "add-dst-to-address-list",
    "add-src-to-address-list",
    "drop",
    "fasttrack-connection",
    "jump",
    "log",
    "passthrough",
    "reject",
    "return",
    "tarpit",
];
const NAT_ACTIONS: &[&str] = &[
    "accept",
    "add-dst-to-address-list",
    "add-src-to-address-list",
    "dst-nat",
    "jump",
    "log",
    "masquerade",
    "netmap",
    "passthrough",
    "redirect",
    "return",
    "same",
    "src-nat",
];
const MANGLE_ACTIONS: &[&str] = &[
    "accept",
    "add-dst-to-address-list",
    "add-src-to-address-list",
    "change-dscp",
    "change-mss",
    "change-ttl",
    "clear-df",
    "fasttrack-connection",
    "jump",
    "log",
    "mark-connection",
    "mark-packet",
    "mark-routing",
    "passthrough",
    "return",
    "set-priority",
    "strip-ipv4-options",
];
const RAW_ACTIONS: &[&str] = &[
    "accept",
    "add-dst-to-address-list",
    "add-src-to-address-list",
    "drop",
    "jump",
    "log",
    "notrack",
    "passthrough",
    "return",
];

pub(super) const RULE_FLAGS: &[FlagDef] = &[FLAG_DISABLED, FLAG_INVALID, FLAG_DYNAMIC];

pub static FILTER: MenuDef = MenuDef {
    path: "ip/firewall/filter",
    kind: MenuKind::Ordered,
    storage: "ip/firewall/filter",
    props: rule_props!(FILTER_ACTIONS, IPV4),
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: RULE_FLAGS,
};

pub static NAT: MenuDef = MenuDef {
    path: "ip/firewall/nat",
    kind: MenuKind::Ordered,
    storage: "ip/firewall/nat",
    props: rule_props!(NAT_ACTIONS, IPV4),
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: RULE_FLAGS,
};

pub static MANGLE: MenuDef = MenuDef {
    path: "ip/firewall/mangle",
    kind: MenuKind::Ordered,
    storage: "ip/firewall/mangle",
    props: rule_props!(MANGLE_ACTIONS, IPV4),
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: RULE_FLAGS,
};

pub static RAW: MenuDef = MenuDef {
    path: "ip/firewall/raw",
    kind: MenuKind::Ordered,
    storage: "ip/firewall/raw",
    props: rule_props!(RAW_ACTIONS, IPV4),
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: RULE_FLAGS,
};

/// An address-list menu whose addresses are of `$family` (a [`RuleFamily`]).
macro_rules! address_list {
    ($path:literal, $family:expr) => {
        MenuDef {
            path: $path,
            kind: MenuKind::List,
            storage: $path,
            props: &[
                PropDef::new("list", ValueType::Name).required(),
                PropDef::new("address", $family.address).required(),
                PropDef::new("timeout", ValueType::Duration),
                PropDef::new("disabled", ValueType::Bool).default("no"),
                PropDef::new("comment", ValueType::Text),
            ],
            key: None,
            unique: &[(&["list", "address"], "failure: already have such entry")],
            // `timeout` is the time a dynamic entry has left.
            print: PrintStyle::Columns(&["list", "address", "timeout"]),
            flags: &[FLAG_DISABLED, FLAG_DYNAMIC],
        }
    };
}
pub(super) use address_list;

pub static ADDRESS_LIST: MenuDef = address_list!("ip/firewall/address-list", IPV4);

/// A counter of a connection (read-only).
const fn counter(name: &'static str) -> PropDef {
    PropDef::new(
        name,
        ValueType::Integer {
            min: 0,
            max: i64::MAX,
        },
    )
    .read_only()
}

/// A yes/no state of a connection behind one of its flags (read-only).
const fn state(name: &'static str) -> PropDef {
    PropDef::new(name, ValueType::Bool).read_only()
}

/// `/ip firewall connection`: the running connection table. Nothing here is configuration: the items
/// come from the engine (`crate::apply::connection_page`), are never stored or exported, and can only
/// be printed, found and removed. Addresses carry the port (`192.168.88.10:51234`) for protocols with
/// ports; the flags are those of v7 that this connection tracker has (no helpers, so never `E`
/// expected; entries go at once, so never `D` dying).
pub static CONNECTION: MenuDef = MenuDef {
    path: "ip/firewall/connection",
    kind: MenuKind::List,
    storage: "ip/firewall/connection",
    props: &[
        PropDef::new("protocol", ValueType::Text).read_only(),
        PropDef::new("src-address", ValueType::Text).read_only(),
        PropDef::new("dst-address", ValueType::Text).read_only(),
        PropDef::new("reply-src-address", ValueType::Text).read_only(),
        PropDef::new("reply-dst-address", ValueType::Text).read_only(),
        PropDef::new("icmp-id", ValueType::Integer { min: 0, max: 65535 }).read_only(),
        PropDef::new("tcp-state", ValueType::Text).read_only(),
        PropDef::new("timeout", ValueType::Duration).read_only(),
        PropDef::new("connection-mark", ValueType::Text).read_only(),
        counter("orig-packets"),
        counter("orig-bytes"),
        counter("repl-packets"),
        counter("repl-bytes"),
        state("seen-reply"),
        state("assured"),
        state("confirmed"),
        state("fasttrack"),
        state("srcnat"),
        state("dstnat"),
    ],
    key: None,
    unique: &[],
    print: PrintStyle::Columns(&[
        "protocol",
        "src-address",
        "dst-address",
        "tcp-state",
        "timeout",
    ]),
    flags: &[
        FlagDef {
            letter: 'S',
            name: "seen-reply",
            property: "seen-reply",
            joins: false,
        },
        FlagDef {
            letter: 'A',
            name: "assured",
            property: "assured",
            joins: false,
        },
        FlagDef {
            letter: 'C',
            name: "confirmed",
            property: "confirmed",
            joins: false,
        },
        FlagDef {
            letter: 'F',
            name: "fasttrack",
            property: "fasttrack",
            joins: false,
        },
        FlagDef {
            letter: 's',
            name: "srcnat",
            property: "srcnat",
            joins: false,
        },
        FlagDef {
            letter: 'd',
            name: "dstnat",
            property: "dstnat",
            joins: false,
        },
    ],
};

pub static CONNECTION_TRACKING: MenuDef = MenuDef {
    path: "ip/firewall/connection/tracking",
    kind: MenuKind::Singleton,
    storage: "ip/firewall/connection/tracking",
    props: &[
        PropDef::new("enabled", ValueType::Enum(&["auto", "no", "yes"])).default("auto"),
        PropDef::new("loose-tcp-tracking", ValueType::Bool).default("yes"),
        PropDef::new("tcp-syn-sent-timeout", ValueType::Duration).default("5s"),
        PropDef::new("tcp-syn-received-timeout", ValueType::Duration).default("5s"),
        PropDef::new("tcp-established-timeout", ValueType::Duration).default("1d"),
        PropDef::new("tcp-fin-wait-timeout", ValueType::Duration).default("10s"),
        PropDef::new("tcp-close-wait-timeout", ValueType::Duration).default("10s"),
        PropDef::new("tcp-last-ack-timeout", ValueType::Duration).default("10s"),
        PropDef::new("tcp-time-wait-timeout", ValueType::Duration).default("10s"),
        PropDef::new("tcp-close-timeout", ValueType::Duration).default("10s"),
        PropDef::new("tcp-max-retrans-timeout", ValueType::Duration).default("5m"),
        PropDef::new("tcp-unacked-timeout", ValueType::Duration).default("5m"),
        PropDef::new("udp-timeout", ValueType::Duration).default("30s"),
        PropDef::new("udp-stream-timeout", ValueType::Duration).default("3m"),
        PropDef::new("icmp-timeout", ValueType::Duration).default("10s"),
        PropDef::new("generic-timeout", ValueType::Duration).default("10m"),
        PropDef::new(
            "max-entries",
            ValueType::Integer {
                min: 1,
                max: 1 << 20,
            },
        ),
        PropDef::new("tcp-syncookie", ValueType::Bool).default("no"),
        PropDef::new(
            "total-entries",
            ValueType::Integer {
                min: 0,
                max: i64::MAX,
            },
        )
        .read_only(),
    ],
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: &[],
};
