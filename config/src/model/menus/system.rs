//! `/system identity|clock|clock manual|note|routerboard|script|scheduler`, `/user` and `/user group`
//! (routeros-reference.md §5).
//!
//! The clock's `time`, `date`, `gmt-offset` and `dst-active` are the running clock's, never stored
//! (`crate::clock`; `set time=`/`date=` moves the clock). Scripts run with `/system script run` and
//! from the scheduler (`crate::scheduler`); their `run-count`, `last-started` and `next-run` are the
//! running system's counters, which a restart clears, as on RouterOS.

use crate::model::schema::{FLAG_DISABLED, MenuDef, MenuKind, PrintStyle, PropDef};
use crate::value::ValueType;

pub static IDENTITY: MenuDef = MenuDef {
    path: "system/identity",
    kind: MenuKind::Singleton,
    storage: "system/identity",
    props: &[PropDef::new("name", ValueType::Name).default("MikroTik")],
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: &[],
};

pub static CLOCK: MenuDef = MenuDef {
    path: "system/clock",
    kind: MenuKind::Singleton,
    storage: "system/clock",
    // In the order RouterOS v7 prints them. `time` and `date` are set through the running clock.
    props: &[
        PropDef::new("time", ValueType::TimeOfDay),
        PropDef::new("date", ValueType::Name),
        PropDef::new("time-zone-autodetect", ValueType::Bool).default("yes"),
        PropDef::new("time-zone-name", ValueType::Name).default("manual"),
        PropDef::new("gmt-offset", ValueType::Name).read_only(),
        PropDef::new("dst-active", ValueType::Bool).read_only(),
    ],
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: &[],
};

/// `/system clock manual`: the offset from UTC while the time zone name is `manual` (daylight saving
/// rules are not kept: `crate::clock`).
pub static CLOCK_MANUAL: MenuDef = MenuDef {
    path: "system/clock/manual",
    kind: MenuKind::Singleton,
    storage: "system/clock/manual",
    props: &[PropDef::new("time-zone", ValueType::Name).default("+00:00")],
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: &[],
};

pub static NOTE: MenuDef = MenuDef {
    path: "system/note",
    kind: MenuKind::Singleton,
    storage: "system/note",
    props: &[
        PropDef::new("note", ValueType::Text).default(""),
        PropDef::new("show-at-login", ValueType::Bool).default("yes"),
    ],
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: &[],
};

/// `/system routerboard`: what a RouterBOARD reports about its board and firmware. The appliance is a
/// Cloud Hosted Router, which is no RouterBOARD: it says so and names its board `CHR` (as `/system
/// resource` does), and has no serial number or firmware fields to show. Nothing here can be set.
pub static ROUTERBOARD: MenuDef = MenuDef {
    path: "system/routerboard",
    kind: MenuKind::Singleton,
    storage: "system/routerboard",
    props: &[
        PropDef::new("routerboard", ValueType::Bool)
            .default("no")
            .read_only(),
        PropDef::new("board-name", ValueType::Name)
            .default("CHR")
            .read_only(),
        PropDef::new("model", ValueType::Name)
            .default("CHR")
            .read_only(),
    ],
    key: None,
    unique: &[],
    print: PrintStyle::Properties,
    flags: &[],
};

const POLICIES: &[&str] = &[
    "api",
    "ftp",
    "local",
    "password",
    "policy",
    "read",
    "reboot",
    "rest-api",
    "romon",
    "sensitive",
    "sniff",
    "ssh",
    "telnet",
    "test",
    "web",
    "winbox",
    "write",
];

pub static SCRIPT: MenuDef = MenuDef {
    path: "system/script",
    kind: MenuKind::List,
    storage: "system/script",
    props: &[
        PropDef::new("name", ValueType::Name).required(),
        PropDef::new("source", ValueType::Text).default(""),
        PropDef::new("owner", ValueType::Name).default("admin"),
        PropDef::new("policy", ValueType::EnumSet(POLICIES)),
        PropDef::new("dont-require-permissions", ValueType::Bool).default("no"),
        PropDef::new(
            "run-count",
            ValueType::Integer {
                min: 0,
                max: i64::MAX,
            },
        )
        .default("0")
        .read_only(),
        PropDef::new("last-started", ValueType::Name).read_only(),
        PropDef::new("comment", ValueType::Text),
    ],
    key: Some("name"),
    unique: &[(&["name"], "failure: script with such name already exists")],
    print: PrintStyle::Properties,
    flags: &[],
};

pub static SCHEDULER: MenuDef = MenuDef {
    path: "system/scheduler",
    kind: MenuKind::List,
    storage: "system/scheduler",
    props: &[
        PropDef::new("name", ValueType::Name).required(),
        // Filled in with the clock's date and time when `add` leaves them out (crate::scheduler).
        PropDef::new("start-date", ValueType::Name),
        PropDef::new("start-time", ValueType::Name),
        PropDef::new("interval", ValueType::Duration).default("0s"),
        PropDef::new("on-event", ValueType::Text).default(""),
        PropDef::new("policy", ValueType::EnumSet(POLICIES)),
        PropDef::new("disabled", ValueType::Bool).default("no"),
        PropDef::new(
            "run-count",
            ValueType::Integer {
                min: 0,
                max: i64::MAX,
            },
        )
        .default("0")
        .read_only(),
        PropDef::new("next-run", ValueType::Name).read_only(),
        PropDef::new("comment", ValueType::Text),
    ],
    key: Some("name"),
    unique: &[(&["name"], "failure: item with such name already exists")],
    print: PrintStyle::Columns(&[
        "name",
        "start-date",
        "start-time",
        "interval",
        "on-event",
        "run-count",
    ]),
    flags: &[FLAG_DISABLED],
};

/// `/user group`: the three groups RouterOS always has, `read`, `write` and `full`, which the system adds
/// (`crate::login::group`) and nobody can add to or remove (a `Fixed` menu). Their `name` and `policy`
/// are the system's, as RouterOS 7 ships them; `skin` and `comment` are the user's. RouterOS prints
/// groups as property lists (`0 name="read" policy=local,telnet,... skin=default`).
pub static USER_GROUP: MenuDef = MenuDef {
    path: "user/group",
    kind: MenuKind::Fixed,
    storage: "user/group",
    props: &[
        PropDef::new("name", ValueType::Name).read_only(),
        PropDef::new("policy", ValueType::FlagSet(POLICIES)).read_only(),
        PropDef::new("skin", ValueType::Enum(&["default"])).default("default"),
        PropDef::new("comment", ValueType::Text),
    ],
    key: Some("name"),
    unique: &[],
    print: PrintStyle::Properties,
    flags: &[],
};

pub static USER: MenuDef = MenuDef {
    path: "user",
    kind: MenuKind::List,
    storage: "user",
    props: &[
        PropDef::new("name", ValueType::Name).required(),
        PropDef::new("group", ValueType::Enum(&["full", "read", "write"])).default("full"),
        PropDef::new("password", ValueType::Text),
        PropDef::new("address", ValueType::Ipv4RangeList).empty_unsets(),
        PropDef::new("disabled", ValueType::Bool).default("no"),
        PropDef::new("comment", ValueType::Text),
    ],
    key: Some("name"),
    unique: &[(&["name"], "failure: user with the same name already exists")],
    print: PrintStyle::Columns(&["name", "group", "address"]),
    flags: &[FLAG_DISABLED],
};
