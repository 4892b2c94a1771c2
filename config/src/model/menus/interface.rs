//! `/interface`, `/interface ethernet`, `/interface list` and `/interface list member`
//! (routeros-reference.md §4). Ethernet interfaces exist because NICs do: the system creates one item per
//! NIC (`default-name=etherN`, in PCI bus order); users rename and tune them but cannot add or remove them.

use crate::model::schema::{
    FLAG_DISABLED, FLAG_DYNAMIC, FLAG_RUNNING, MenuDef, MenuKind, PrintStyle, PropDef,
};
use crate::value::ValueType;

const ARP_MODES: &[&str] = &[
    "disabled",
    "enabled",
    "local-proxy-arp",
    "proxy-arp",
    "reply-only",
];

/// The properties `/interface` and `/interface ethernet` share (one set of items).
const ETHERNET_PROPS: &[PropDef] = &[
    PropDef::new("name", ValueType::Name).required(),
    PropDef::new("default-name", ValueType::Name).read_only(),
    PropDef::new("type", ValueType::Name)
        .read_only()
        .default("ether"),
    PropDef::new("mtu", ValueType::Integer { min: 68, max: 9000 }).default("1500"),
    PropDef::new("actual-mtu", ValueType::Integer { min: 0, max: 65535 }).read_only(),
    PropDef::new("l2mtu", ValueType::Integer { min: 0, max: 65535 }).read_only(),
    PropDef::new("mac-address", ValueType::MacAddress).read_only(),
    PropDef::new("orig-mac-address", ValueType::MacAddress).read_only(),
    PropDef::new("arp", ValueType::Enum(ARP_MODES)).default("enabled"),
    PropDef::new("arp-timeout", ValueType::Text).default("auto"),
    PropDef::new("disabled", ValueType::Bool).default("no"),
    PropDef::new("running", ValueType::Bool).read_only(),
    PropDef::new("comment", ValueType::Text),
];

pub static INTERFACE: MenuDef = MenuDef {
    path: "interface",
    kind: MenuKind::Fixed,
    storage: "interface",
    props: ETHERNET_PROPS,
    key: Some("name"),
    unique: &[(&["name"], "failure: already have interface with such name")],
    print: PrintStyle::Columns(&["name", "type", "actual-mtu", "l2mtu", "mac-address"]),
    flags: &[FLAG_DISABLED, FLAG_RUNNING],
};

pub static ETHERNET: MenuDef = MenuDef {
    path: "interface/ethernet",
    kind: MenuKind::Fixed,
    storage: "interface",
    props: ETHERNET_PROPS,
    key: Some("name"),
    unique: &[(&["name"], "failure: already have interface with such name")],
    print: PrintStyle::Columns(&["name", "mtu", "mac-address", "arp"]),
    flags: &[FLAG_DISABLED, FLAG_RUNNING],
};

/// `all`, `none`, `dynamic` and `static` are RouterOS's built-in lists.
pub const BUILTIN_LISTS: &[&str] = &["all", "dynamic", "none", "static"];

pub static LIST: MenuDef = MenuDef {
    path: "interface/list",
    kind: MenuKind::List,
    storage: "interface/list",
    props: &[
        PropDef::new("name", ValueType::Name).required(),
        PropDef::reference("include", "interface/list").builtin(BUILTIN_LISTS),
        PropDef::reference("exclude", "interface/list").builtin(BUILTIN_LISTS),
        PropDef::new("comment", ValueType::Text),
    ],
    key: Some("name"),
    unique: &[(
        &["name"],
        "failure: already have interface list with such name",
    )],
    print: PrintStyle::Columns(&["name", "include", "exclude"]),
    flags: &[FLAG_DYNAMIC],
};

pub static LIST_MEMBER: MenuDef = MenuDef {
    path: "interface/list/member",
    kind: MenuKind::List,
    storage: "interface/list/member",
    props: &[
        PropDef::reference("list", "interface/list").required(),
        PropDef::reference("interface", "interface").required(),
        PropDef::new("disabled", ValueType::Bool).default("no"),
        PropDef::new("comment", ValueType::Text),
    ],
    key: None,
    unique: &[(&["list", "interface"], "failure: already have such entry")],
    print: PrintStyle::Columns(&["list", "interface"]),
    flags: &[FLAG_DISABLED, FLAG_DYNAMIC],
};
