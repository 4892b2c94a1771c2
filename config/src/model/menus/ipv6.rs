//! `/ipv6 address|route|pool|settings|nd|nd prefix|dhcp-client` and `/ipv6 firewall
//! filter|nat|mangle|raw|address-list` (routeros-reference.md §2, §4), with RouterOS v7's property
//! names and defaults.
//!
//! **Stored only.** The packet engine does not forward IPv6 yet: it counts IPv6 frames and drops them.
//! These menus accept, check, store, print and export what users paste (real configurations carry
//! `/ipv6` sections, and refusing them would lose the rest of an import), and [`crate::apply`] leaves
//! them out of the engine. Nothing here is running, so nothing claims to be: no address is shown with
//! a link-local companion, no route is active, a DHCPv6 client has no status, no pool is made by a
//! client.
//!
//! Choices where the appliance differs from, or has to guess at, RouterOS:
//! * RouterOS keeps a built-in `/ipv6 nd` item `interface=all` (flag `*`) that advertises on every
//!   interface. This appliance sends no router advertisements, so the list starts empty and says so;
//!   `set [ find default=yes ] ...` from a RouterOS export matches no item and changes nothing.
//! * `from-pool=` names a pool rather than pointing at an `/ipv6 pool` item: the pool is usually made
//!   at run time by a DHCPv6 client's `pool-name=`, which the configuration cannot point at.
//! * `/ipv6 dhcp-client pool-prefix-length=` is also accepted as `pool-length=`, the spelling guides
//!   use (it is exported under its v7 name).
//! * The firewall rule menus have the IPv4 menus' properties ([`super::firewall::rule_props!`]) with
//!   IPv6 addresses, `hop-limit` for `ttl`, `to-address` for `to-addresses`, ICMPv6 `reject-with`
//!   errors and `headers` for `fragment` ([`IPV6`]). Protocol `icmpv6` (also `ipv6-icmp`) is ICMPv6.

use super::firewall::{RULE_FLAGS, RuleFamily, address_list, rule_props};
use super::ip::{FLAG_ACTIVE, FLAG_CONNECT, FLAG_STATIC};
use crate::model::schema::{
    FLAG_DISABLED, FLAG_DYNAMIC, FLAG_INVALID, MenuDef, MenuKind, PrintStyle, PropDef,
};
use crate::value::ValueType;

pub static ADDRESS: MenuDef = MenuDef {
    path: "ipv6/address",
    kind: MenuKind::List,
    storage: "ipv6/address",
    props: &[
        // With `from-pool`, the address's host part (`::1/64`) within the pool's prefix; one of the
        // two is needed (checked in `crate::apply`).
        PropDef::new("address", ValueType::Ipv6Prefix),
        PropDef::new("from-pool", ValueType::Name),
        PropDef::reference("interface", "interface").required(),
        PropDef::new("eui-64", ValueType::Bool).default("no"),
        PropDef::new("advertise", ValueType::Bool).default("yes"),
        PropDef::new("no-dad", ValueType::Bool).default("no"),
        PropDef::new("disabled", ValueType::Bool).default("no"),
        PropDef::new("comment", ValueType::Text),
    ],
    key: None,
    unique: &[(
        &["address", "from-pool", "interface"],
        "failure: already have such address",
    )],
    print: PrintStyle::Columns(&["address", "from-pool", "interface", "advertise"]),
    flags: &[FLAG_DISABLED, FLAG_INVALID, FLAG_DYNAMIC],
};

pub static ROUTE: MenuDef = MenuDef {
    path: "ipv6/route",
    kind: MenuKind::List,
    storage: "ipv6/route",
    props: &[
        PropDef::new("dst-address", ValueType::Ipv6Network).default("::/0"),
        // Interfaces are references, so a route follows its interface's renames, as in `/ip route`.
        PropDef::ipv6_gateways("gateway", "interface"),
        PropDef::new("distance", ValueType::Integer { min: 1, max: 255 }).default("1"),
        PropDef::new("routing-table", ValueType::Name).default("main"),
        PropDef::new("check-gateway", ValueType::Enum(&["bfd", "none", "ping"])),
        PropDef::new("blackhole", ValueType::Bool).default("no"),
        PropDef::new("scope", ValueType::Integer { min: 0, max: 255 }).default("30"),
        PropDef::new("target-scope", ValueType::Integer { min: 0, max: 255 }).default("10"),
        PropDef::new("disabled", ValueType::Bool).default("no"),
        PropDef::new("comment", ValueType::Text),
        PropDef::new("active", ValueType::Bool).read_only(),
        PropDef::new("connect", ValueType::Bool).read_only(),
        PropDef::new("static", ValueType::Bool).read_only(),
    ],
    key: None,
    unique: &[],
    print: PrintStyle::Columns(&["dst-address", "gateway", "distance"]),
    flags: &[
        FLAG_DYNAMIC,
        FLAG_DISABLED,
        FLAG_ACTIVE,
        FLAG_CONNECT,
        FLAG_STATIC,
    ],
};

pub static POOL: MenuDef = MenuDef {
    path: "ipv6/pool",
    kind: MenuKind::List,
    storage: "ipv6/pool",
    props: &[
        PropDef::new("name", ValueType::Name).required(),
        PropDef::new("prefix", ValueType::Ipv6Network).required(),
        // The length of the prefixes handed out; not shorter than `prefix` (checked in `crate::apply`).
        PropDef::new("prefix-length", ValueType::Integer { min: 1, max: 128 }).required(),
        PropDef::new("comment", ValueType::Text),
    ],
    key: Some("name"),
    unique: &[(&["name"], "failure: pool with such name already exists")],
    print: PrintStyle::Columns(&["name", "prefix", "prefix-length"]),
    flags: &[FLAG_DYNAMIC],
};

pub static SETTINGS: MenuDef = MenuDef {
    path: "ipv6/settings",
    kind: MenuKind::Singleton,
    storage: "ipv6/settings",
    props: &[
        PropDef::new("disable-ipv6", ValueType::Bool).default("no"),
        PropDef::new("forward", ValueType::Bool).default("yes"),
        PropDef::new(
            "accept-redirects",
            ValueType::Enum(&["no", "yes-if-forwarding-disabled"]),
        )
        .default("yes-if-forwarding-disabled"),
        PropDef::new(
            "accept-router-advertisements",
            ValueType::Enum(&["no", "yes", "yes-if-forwarding-disabled"]),
        )
        .default("yes-if-forwarding-disabled"),
        PropDef::new(
            "max-neighbor-entries",
            ValueType::Integer {
                min: 0,
                max: 1 << 20,
            },
        )
        .default("8192"),
        PropDef::new(
            "multipath-hash-policy",
            ValueType::Enum(&["l3", "l3-inner", "l4"]),
        )
        .default("l3"),
    ],
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: &[],
};

/// `unspecified` or a time (`reachable-time`, `retransmit-interval`).
const UNSPECIFIED_TIME: ValueType = ValueType::Either {
    word: "unspecified",
    other: &ValueType::Duration,
};

/// Router advertisement settings per interface (RFC 4861 §6.2.1).
pub static ND: MenuDef = MenuDef {
    path: "ipv6/nd",
    kind: MenuKind::List,
    storage: "ipv6/nd",
    props: &[
        PropDef::reference("interface", "interface")
            .builtin(&["all"])
            .required(),
        // MinRtrAdvInterval-MaxRtrAdvInterval: 3 s..1250 s and 4 s..1800 s.
        PropDef::new(
            "ra-interval",
            ValueType::Interval {
                low: (3, 1250),
                high: (4, 1800),
            },
        )
        .default("3m20s-10m"),
        PropDef::new("ra-delay", ValueType::Duration).default("3s"),
        PropDef::new(
            "mtu",
            ValueType::Either {
                word: "unspecified",
                other: &ValueType::Integer {
                    min: 0,
                    max: u32::MAX as i64,
                },
            },
        )
        .default("unspecified"),
        PropDef::new("reachable-time", UNSPECIFIED_TIME).default("unspecified"),
        PropDef::new("retransmit-interval", UNSPECIFIED_TIME).default("unspecified"),
        PropDef::new(
            "ra-lifetime",
            ValueType::Either {
                word: "none",
                other: &ValueType::Duration,
            },
        )
        .default("30m"),
        PropDef::new("ra-preference", ValueType::Enum(&["high", "low", "medium"]))
            .default("medium"),
        PropDef::new(
            "hop-limit",
            ValueType::Either {
                word: "unspecified",
                other: &ValueType::Integer { min: 0, max: 255 },
            },
        )
        .default("unspecified"),
        PropDef::new("advertise-mac-address", ValueType::Bool).default("yes"),
        PropDef::new("advertise-dns", ValueType::Enum(&["no", "self", "yes"])).default("yes"),
        PropDef::new("dns", ValueType::Ipv6List),
        PropDef::new("managed-address-configuration", ValueType::Bool).default("no"),
        PropDef::new("other-configuration", ValueType::Bool).default("no"),
        PropDef::new("disabled", ValueType::Bool).default("no"),
        PropDef::new("comment", ValueType::Text),
    ],
    key: None,
    unique: &[(
        &["interface"],
        "failure: entry for this interface already exists",
    )],
    print: PrintStyle::Properties,
    flags: &[FLAG_DISABLED, FLAG_INVALID],
};

/// `infinity` or a time (prefix lifetimes, RFC 4861 §4.6.2).
const LIFETIME: ValueType = ValueType::Either {
    word: "infinity",
    other: &ValueType::Duration,
};

/// Prefixes router advertisements carry for stateless autoconfiguration (RFC 4862).
pub static ND_PREFIX: MenuDef = MenuDef {
    path: "ipv6/nd/prefix",
    kind: MenuKind::List,
    storage: "ipv6/nd/prefix",
    props: &[
        PropDef::new(
            "prefix",
            ValueType::Either {
                word: "none",
                other: &ValueType::Ipv6Network,
            },
        ),
        PropDef::reference("interface", "interface").required(),
        PropDef::reference("6to4-interface", "interface")
            .builtin(&["none"])
            .default("none"),
        PropDef::new("on-link", ValueType::Bool).default("yes"),
        PropDef::new("autonomous", ValueType::Bool).default("yes"),
        PropDef::new("valid-lifetime", LIFETIME).default("4w2d"),
        PropDef::new("preferred-lifetime", LIFETIME).default("1w"),
        PropDef::new("disabled", ValueType::Bool).default("no"),
        PropDef::new("comment", ValueType::Text),
    ],
    key: None,
    unique: &[],
    print: PrintStyle::Columns(&[
        "prefix",
        "interface",
        "valid-lifetime",
        "preferred-lifetime",
    ]),
    flags: &[FLAG_DISABLED, FLAG_INVALID, FLAG_DYNAMIC],
};

/// What advertised prefixes made from addresses get.
pub static ND_PREFIX_DEFAULT: MenuDef = MenuDef {
    path: "ipv6/nd/prefix/default",
    kind: MenuKind::Singleton,
    storage: "ipv6/nd/prefix/default",
    props: &[
        PropDef::new("autonomous", ValueType::Bool).default("yes"),
        PropDef::new("valid-lifetime", LIFETIME).default("4w2d"),
        PropDef::new("preferred-lifetime", LIFETIME).default("1w"),
    ],
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: &[],
};

pub static DHCP_CLIENT: MenuDef = MenuDef {
    path: "ipv6/dhcp-client",
    kind: MenuKind::List,
    storage: "ipv6/dhcp-client",
    props: &[
        PropDef::reference("interface", "interface").required(),
        PropDef::new("request", ValueType::EnumSet(&["address", "prefix"])),
        // The pool a delegated prefix goes into, split into prefixes of `pool-prefix-length`.
        PropDef::new("pool-name", ValueType::Name),
        PropDef::new(
            "pool-prefix-length",
            ValueType::Integer { min: 0, max: 128 },
        )
        .default("64")
        .alias("pool-length"),
        PropDef::new("prefix-hint", ValueType::Ipv6Network).default("::/0"),
        PropDef::new("add-default-route", ValueType::Bool).default("no"),
        PropDef::new(
            "default-route-distance",
            ValueType::Integer { min: 0, max: 255 },
        )
        .default("1"),
        PropDef::new("use-peer-dns", ValueType::Bool).default("yes"),
        PropDef::new("rapid-commit", ValueType::Bool).default("yes"),
        PropDef::new("allow-reconfigure", ValueType::Bool).default("no"),
        PropDef::new("use-interface-duid", ValueType::Bool).default("no"),
        PropDef::new("disabled", ValueType::Bool).default("no"),
        PropDef::new("comment", ValueType::Text),
        PropDef::new("status", ValueType::Name).read_only(),
        PropDef::new("prefix", ValueType::Text).read_only(),
        PropDef::new("address", ValueType::Text).read_only(),
    ],
    key: None,
    unique: &[(
        &["interface"],
        "failure: dhcp-client already exists on this interface",
    )],
    print: PrintStyle::Columns(&["interface", "request", "pool-name", "status", "prefix"]),
    flags: &[FLAG_DISABLED, FLAG_INVALID],
};

/// The errors an IPv6 `action=reject` sends (ICMPv6 destination unreachable codes, RFC 4443 §3.1,
/// and parameter problems, and a TCP reset).
const REJECT_WITH_ICMPV6: &[&str] = &[
    "icmp-address-unreachable",
    "icmp-admin-prohibited",
    "icmp-err-src-routing-header",
    "icmp-headers-too-long",
    "icmp-no-route",
    "icmp-not-neighbour",
    "icmp-port-unreachable",
    "tcp-reset",
];

/// What the IPv6 rule menus have instead of the IPv4 ones' properties.
pub(super) const IPV6: RuleFamily = RuleFamily {
    address: ValueType::Ipv6Match,
    to_addresses: "to-address",
    hop_limit: "hop-limit",
    new_hop_limit: "new-hop-limit",
    reject_with: REJECT_WITH_ICMPV6,
    fragment: PropDef::new("headers", ValueType::Text).negatable(),
};

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
    "src-nat",
];
const MANGLE_ACTIONS: &[&str] = &[
    "accept",
    "add-dst-to-address-list",
    "add-src-to-address-list",
    "change-dscp",
    "change-hop-limit",
    "change-mss",
    "jump",
    "log",
    "mark-connection",
    "mark-packet",
    "mark-routing",
    "passthrough",
    "return",
    "set-priority",
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

pub static FILTER: MenuDef = MenuDef {
    path: "ipv6/firewall/filter",
    kind: MenuKind::Ordered,
    storage: "ipv6/firewall/filter",
    props: rule_props!(FILTER_ACTIONS, IPV6),
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: RULE_FLAGS,
};

pub static NAT: MenuDef = MenuDef {
    path: "ipv6/firewall/nat",
    kind: MenuKind::Ordered,
    storage: "ipv6/firewall/nat",
    props: rule_props!(NAT_ACTIONS, IPV6),
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: RULE_FLAGS,
};

pub static MANGLE: MenuDef = MenuDef {
    path: "ipv6/firewall/mangle",
    kind: MenuKind::Ordered,
    storage: "ipv6/firewall/mangle",
    props: rule_props!(MANGLE_ACTIONS, IPV6),
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: RULE_FLAGS,
};

pub static RAW: MenuDef = MenuDef {
    path: "ipv6/firewall/raw",
    kind: MenuKind::Ordered,
    storage: "ipv6/firewall/raw",
    props: rule_props!(RAW_ACTIONS, IPV6),
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: RULE_FLAGS,
};

pub static ADDRESS_LIST: MenuDef = address_list!("ipv6/firewall/address-list", IPV6);
