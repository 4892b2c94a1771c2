//! `/ip address`, `/ip route`, `/ip arp` and `/ip settings` (routeros-reference.md §4).

use crate::model::schema::{
    FLAG_DISABLED, FLAG_DYNAMIC, FLAG_INVALID, FlagDef, MenuDef, MenuKind, PrintStyle, PropDef,
};
use crate::value::ValueType;

pub static ADDRESS: MenuDef = MenuDef {
    path: "ip/address",
    kind: MenuKind::List,
    storage: "ip/address",
    props: &[
        PropDef::new("address", ValueType::Ipv4Prefix).required(),
        PropDef::new("network", ValueType::Ipv4Address),
        PropDef::reference("interface", "interface").required(),
        PropDef::new("disabled", ValueType::Bool).default("no"),
        PropDef::new("comment", ValueType::Text),
    ],
    key: None,
    unique: &[(
        &["address", "interface"],
        "failure: already have such address",
    )],
    print: PrintStyle::Columns(&["address", "network", "interface"]),
    flags: &[FLAG_DISABLED, FLAG_INVALID, FLAG_DYNAMIC],
};

pub(super) const FLAG_ACTIVE: FlagDef = FlagDef {
    letter: 'A',
    name: "active",
    property: "active",
    // After `X`: a disabled route is not active.
    joins: true,
};
pub(super) const FLAG_CONNECT: FlagDef = FlagDef {
    letter: 'c',
    name: "connect",
    property: "connect",
    joins: false,
};
pub(super) const FLAG_STATIC: FlagDef = FlagDef {
    letter: 's',
    name: "static",
    property: "static",
    // A route comes from one place: connected, static or DHCP.
    joins: true,
};

pub(super) const FLAG_DHCP: FlagDef = FlagDef {
    letter: 'd',
    name: "dhcp",
    property: "dhcp",
    joins: true,
};

pub static ROUTE: MenuDef = MenuDef {
    path: "ip/route",
    kind: MenuKind::List,
    storage: "ip/route",
    props: &[
        PropDef::new("dst-address", ValueType::Ipv4Network).default("0.0.0.0/0"),
        // Addresses, interfaces and `address%interface`, comma separated; interfaces are references,
        // so a route follows its interface's renames (`crate::model::gateway`).
        PropDef::gateways("gateway", "interface"),
        PropDef::new("distance", ValueType::Integer { min: 1, max: 255 }).default("1"),
        PropDef::new("routing-table", ValueType::Name).default("main"),
        PropDef::new(
            "check-gateway",
            ValueType::Enum(&["arp", "bfd", "none", "ping"]),
        ),
        PropDef::new("blackhole", ValueType::Bool).default("no"),
        PropDef::new("pref-src", ValueType::Ipv4Address),
        PropDef::new("scope", ValueType::Integer { min: 0, max: 255 }).default("30"),
        PropDef::new("target-scope", ValueType::Integer { min: 0, max: 255 }).default("10"),
        PropDef::new("suppress-hw-offload", ValueType::Bool).default("no"),
        PropDef::new("disabled", ValueType::Bool).default("no"),
        PropDef::new("comment", ValueType::Text),
        PropDef::new("active", ValueType::Bool).read_only(),
        PropDef::new("connect", ValueType::Bool).read_only(),
        PropDef::new("static", ValueType::Bool).read_only(),
        PropDef::new("dhcp", ValueType::Bool).read_only(),
    ],
    key: None,
    unique: &[],
    print: PrintStyle::Columns(&["dst-address", "gateway", "distance"]),
    // RouterOS v7's order: `D - DYNAMIC; X - DISABLED, A - ACTIVE; c - CONNECT, s - STATIC, d - DHCP`.
    flags: &[
        FLAG_DYNAMIC,
        FLAG_DISABLED,
        FLAG_ACTIVE,
        FLAG_CONNECT,
        FLAG_STATIC,
        FLAG_DHCP,
    ],
};

pub static ARP: MenuDef = MenuDef {
    path: "ip/arp",
    kind: MenuKind::List,
    storage: "ip/arp",
    props: &[
        PropDef::new("address", ValueType::Ipv4Address).required(),
        PropDef::new("mac-address", ValueType::MacAddress).required(),
        PropDef::reference("interface", "interface").required(),
        PropDef::new("published", ValueType::Bool).default("no"),
        PropDef::new("disabled", ValueType::Bool).default("no"),
        PropDef::new("comment", ValueType::Text),
    ],
    key: None,
    unique: &[(
        &["address", "interface"],
        "failure: already have such entry",
    )],
    print: PrintStyle::Columns(&["address", "mac-address", "interface"]),
    flags: &[FLAG_DISABLED, FLAG_DYNAMIC],
};

pub static SETTINGS: MenuDef = MenuDef {
    path: "ip/settings",
    kind: MenuKind::Singleton,
    storage: "ip/settings",
    props: &[
        PropDef::new("ip-forward", ValueType::Bool).default("yes"),
        PropDef::new("send-redirects", ValueType::Bool).default("yes"),
        PropDef::new("accept-source-route", ValueType::Bool).default("no"),
        PropDef::new("accept-redirects", ValueType::Bool).default("no"),
        PropDef::new("secure-redirects", ValueType::Bool).default("yes"),
        PropDef::new("rp-filter", ValueType::Enum(&["loose", "no", "strict"])).default("no"),
        PropDef::new("tcp-syncookies", ValueType::Bool).default("no"),
        PropDef::new("allow-fast-path", ValueType::Bool).default("yes"),
        PropDef::new(
            "icmp-rate-limit",
            ValueType::Integer {
                min: 0,
                max: 1_000_000,
            },
        )
        .default("10"),
        PropDef::new("arp-timeout", ValueType::Duration).default("30s"),
        PropDef::new(
            "max-neighbor-entries",
            ValueType::Integer {
                min: 0,
                max: 1 << 20,
            },
        )
        .default("8192"),
    ],
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: &[],
};
