//! `/ip dhcp-client`, `/ip pool`, `/ip dhcp-server` (+ `network`, `lease`), `/ip dns` (+ `static`) and
//! `/ip service` (routeros-reference.md §5). The services themselves come with a later milestone; their
//! configuration is accepted, checked and stored now.

use crate::model::schema::{
    FLAG_DISABLED, FLAG_DYNAMIC, FLAG_INVALID, MenuDef, MenuKind, PrintStyle, PropDef,
};
use crate::value::ValueType;

pub static DHCP_CLIENT: MenuDef = MenuDef {
    path: "ip/dhcp-client",
    kind: MenuKind::List,
    storage: "ip/dhcp-client",
    props: &[
        PropDef::reference("interface", "interface").required(),
        PropDef::new(
            "add-default-route",
            ValueType::Enum(&["no", "special-classless", "yes"]),
        )
        .default("yes"),
        PropDef::new(
            "default-route-distance",
            ValueType::Integer { min: 0, max: 255 },
        )
        .default("1"),
        PropDef::new("use-peer-dns", ValueType::Bool).default("yes"),
        PropDef::new("use-peer-ntp", ValueType::Bool).default("yes"),
        PropDef::new("disabled", ValueType::Bool).default("no"),
        PropDef::new("comment", ValueType::Text),
        PropDef::new("status", ValueType::Name).read_only(),
        PropDef::new("address", ValueType::Ipv4Prefix).read_only(),
        PropDef::new("gateway", ValueType::Ipv4Address).read_only(),
        PropDef::new("primary-dns", ValueType::Ipv4Address).read_only(),
        PropDef::new("secondary-dns", ValueType::Ipv4Address).read_only(),
        PropDef::new("expires-after", ValueType::Duration).read_only(),
        PropDef::new("dhcp-server", ValueType::Ipv4Address).read_only(),
    ],
    key: None,
    unique: &[(
        &["interface"],
        "failure: dhcp-client already exists on this interface",
    )],
    print: PrintStyle::Columns(&[
        "interface",
        "use-peer-dns",
        "add-default-route",
        "status",
        "address",
    ]),
    flags: &[FLAG_DISABLED, FLAG_INVALID],
};

pub static POOL: MenuDef = MenuDef {
    path: "ip/pool",
    kind: MenuKind::List,
    storage: "ip/pool",
    props: &[
        PropDef::new("name", ValueType::Name).required(),
        PropDef::new("ranges", ValueType::Ipv4RangeList).required(),
        PropDef::reference("next-pool", "ip/pool").builtin(&["none"]),
        PropDef::new("comment", ValueType::Text),
    ],
    key: Some("name"),
    unique: &[(&["name"], "failure: pool with such name already exists")],
    print: PrintStyle::Columns(&["name", "ranges"]),
    flags: &[],
};

pub static DHCP_SERVER: MenuDef = MenuDef {
    path: "ip/dhcp-server",
    kind: MenuKind::List,
    storage: "ip/dhcp-server",
    props: &[
        PropDef::new("name", ValueType::Name).required(),
        PropDef::reference("interface", "interface").required(),
        PropDef::reference("address-pool", "ip/pool")
            .builtin(&["static-only"])
            .default("static-only"),
        PropDef::new("lease-time", ValueType::Duration).default("30m"),
        PropDef::new(
            "authoritative",
            ValueType::Enum(&["after-10sec-delay", "after-2sec-delay", "no", "yes"]),
        )
        .default("yes"),
        PropDef::new("add-arp", ValueType::Bool).default("no"),
        PropDef::new("disabled", ValueType::Bool).default("no"),
        PropDef::new("comment", ValueType::Text),
    ],
    key: Some("name"),
    unique: &[
        (&["name"], "failure: server with such name already exists"),
        (
            &["interface"],
            "failure: server for this interface already exists",
        ),
    ],
    print: PrintStyle::Columns(&["name", "interface", "address-pool", "lease-time"]),
    flags: &[FLAG_DISABLED, FLAG_INVALID],
};

pub static DHCP_SERVER_NETWORK: MenuDef = MenuDef {
    path: "ip/dhcp-server/network",
    kind: MenuKind::List,
    storage: "ip/dhcp-server/network",
    props: &[
        PropDef::new("address", ValueType::Ipv4Network).required(),
        PropDef::new("gateway", ValueType::Ipv4List),
        PropDef::new("dns-server", ValueType::Ipv4List),
        PropDef::new("domain", ValueType::Text),
        PropDef::new("netmask", ValueType::Integer { min: 0, max: 32 }),
        PropDef::new("ntp-server", ValueType::Ipv4List),
        PropDef::new("comment", ValueType::Text),
    ],
    key: None,
    unique: &[(
        &["address"],
        "failure: network with such address already exists",
    )],
    print: PrintStyle::Columns(&["address", "gateway", "dns-server"]),
    flags: &[FLAG_DYNAMIC],
};

pub static DHCP_SERVER_LEASE: MenuDef = MenuDef {
    path: "ip/dhcp-server/lease",
    kind: MenuKind::List,
    storage: "ip/dhcp-server/lease",
    props: &[
        PropDef::new("address", ValueType::Ipv4Address).required(),
        PropDef::new("mac-address", ValueType::MacAddress),
        PropDef::new("client-id", ValueType::Text),
        PropDef::reference("server", "ip/dhcp-server")
            .builtin(&["all"])
            .default("all"),
        PropDef::new("lease-time", ValueType::Duration),
        PropDef::new("disabled", ValueType::Bool).default("no"),
        PropDef::new("comment", ValueType::Text),
        PropDef::new("status", ValueType::Name).read_only(),
        PropDef::new("host-name", ValueType::Text).read_only(),
        PropDef::new("expires-after", ValueType::Duration).read_only(),
        PropDef::new("last-seen", ValueType::Duration).read_only(),
    ],
    key: None,
    unique: &[(
        &["address", "server"],
        "failure: lease for this address already exists",
    )],
    print: PrintStyle::Columns(&[
        "address",
        "mac-address",
        "host-name",
        "server",
        "status",
        "last-seen",
    ]),
    flags: &[FLAG_DISABLED, FLAG_DYNAMIC],
};

pub static DNS: MenuDef = MenuDef {
    path: "ip/dns",
    kind: MenuKind::Singleton,
    storage: "ip/dns",
    props: &[
        PropDef::new("servers", ValueType::Ipv4List).default(""),
        PropDef::new("dynamic-servers", ValueType::Ipv4List).read_only(),
        PropDef::new("allow-remote-requests", ValueType::Bool).default("no"),
        PropDef::new(
            "max-udp-packet-size",
            ValueType::Integer {
                min: 50,
                max: 65507,
            },
        )
        .default("4096"),
        PropDef::new("query-server-timeout", ValueType::Duration).default("2s"),
        PropDef::new("query-total-timeout", ValueType::Duration).default("10s"),
        PropDef::new(
            "max-concurrent-queries",
            ValueType::Integer { min: 1, max: 1000 },
        )
        .default("100"),
        PropDef::new(
            "cache-size",
            ValueType::Integer {
                min: 64,
                max: 1 << 20,
            },
        )
        .default("2048"),
        PropDef::new("cache-max-ttl", ValueType::Duration).default("1w"),
        PropDef::new(
            "cache-used",
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

pub static DNS_STATIC: MenuDef = MenuDef {
    path: "ip/dns/static",
    kind: MenuKind::List,
    storage: "ip/dns/static",
    props: &[
        PropDef::new("name", ValueType::Name).required(),
        PropDef::new(
            "type",
            ValueType::Enum(&["A", "CNAME", "FWD", "MX", "NS", "NXDOMAIN", "SRV", "TXT"]),
        )
        .default("A"),
        PropDef::new("address", ValueType::Ipv4Address),
        PropDef::new("cname", ValueType::Name),
        PropDef::new("text", ValueType::Text),
        PropDef::new("ttl", ValueType::Duration).default("1d"),
        PropDef::new("disabled", ValueType::Bool).default("no"),
        PropDef::new("comment", ValueType::Text),
    ],
    key: None,
    unique: &[],
    print: PrintStyle::Columns(&["name", "type", "address", "ttl"]),
    flags: &[FLAG_DISABLED, FLAG_DYNAMIC],
};

/// `/ip dns cache`: what the running resolver has cached, one line per record (negative answers as
/// `NXDOMAIN`/`NODATA`), listed by the system ([`crate::SystemControl::dynamic_items`]); nothing is
/// configured here. `flush` empties it.
pub static DNS_CACHE: MenuDef = MenuDef {
    path: "ip/dns/cache",
    kind: MenuKind::List,
    storage: "ip/dns/cache",
    props: &[
        PropDef::new("name", ValueType::Text).read_only(),
        PropDef::new("type", ValueType::Text).read_only(),
        PropDef::new("data", ValueType::Text).read_only(),
        PropDef::new("ttl", ValueType::Duration).read_only(),
    ],
    key: None,
    unique: &[],
    print: PrintStyle::Columns(&["name", "type", "data", "ttl"]),
    flags: &[],
};

/// The services `/ip service print` lists, with their default ports, in RouterOS's order.
pub const SERVICES: &[(&str, u16)] = &[
    ("telnet", 23),
    ("ftp", 21),
    ("www", 80),
    ("ssh", 22),
    ("www-ssl", 443),
    ("api", 8728),
    ("winbox", 8291),
    ("api-ssl", 8729),
];

pub static SERVICE: MenuDef = MenuDef {
    path: "ip/service",
    kind: MenuKind::Fixed,
    storage: "ip/service",
    props: &[
        PropDef::new("name", ValueType::Name).read_only(),
        PropDef::new("port", ValueType::Integer { min: 1, max: 65535 }),
        PropDef::new("address", ValueType::Ipv4RangeList).empty_unsets(),
        PropDef::new("certificate", ValueType::Text).default("none"),
        PropDef::new("disabled", ValueType::Bool).default("no"),
    ],
    key: Some("name"),
    unique: &[],
    print: PrintStyle::Columns(&["name", "port", "address", "certificate"]),
    flags: &[FLAG_DISABLED],
};
