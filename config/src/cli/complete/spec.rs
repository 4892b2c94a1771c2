//! What a command takes: its arguments and their kinds, from the object model (a menu's writable
//! properties for `add`/`set`, print and export modifiers) and from the commands the CLI knows besides.

use super::*;

/// The kind of value an argument takes.
#[derive(Clone, Copy, Debug)]
pub(super) enum ArgKind {
    /// A property of the menu: its type says the syntax and the choices.
    Prop(&'static PropDef),
    /// Items of the command's menu.
    Item,
    /// `yes` or `no`.
    YesNo,
    /// A property name of the menu (`get 0 value-name=`).
    PropName,
    /// Free text with this syntax.
    Text(&'static str),
    /// A modifier word without a value (`detail`).
    Flag,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Arg {
    pub(super) name: &'static str,
    pub(super) kind: ArgKind,
    /// For everything but properties, whose type says it.
    pub(super) help: &'static str,
}

impl Arg {
    pub(super) const fn new(name: &'static str, kind: ArgKind, help: &'static str) -> Self {
        Arg { name, kind, help }
    }

    pub(super) fn prop(prop: &'static PropDef) -> Self {
        Arg::new(prop.name, ArgKind::Prop(prop), "")
    }
}

/// A command's arguments.
pub(super) struct Spec {
    /// Its first unnamed argument names items of the menu (`set ether1 ...`).
    pub(super) items: bool,
    /// The unnamed argument after the items is a property name (`get ether1 mtu`).
    pub(super) property_name: bool,
    pub(super) args: Vec<Arg>,
}

pub(super) const PRINT_FLAGS: &[(&str, &str)] = &[
    ("as-value", "print the items as an array of values"),
    ("brief", "print in columns"),
    ("count-only", "print only how many items there are"),
    ("detail", "print every property of every item"),
    ("show-ids", "print *IDs instead of numbers"),
    ("stats", "print statistics"),
    ("terse", "print one line per item, for scripts"),
    ("where", "print only the items that match an expression"),
    ("without-paging", "print everything at once"),
];

pub(super) const EXPORT_FLAGS: &[(&str, &str)] = &[
    (
        "compact",
        "only values that differ from the defaults (the default)",
    ),
    (
        "hide-sensitive",
        "leave out passwords and keys (the default)",
    ),
    ("show-sensitive", "include passwords and keys"),
    ("terse", "the full menu path on every line"),
    ("verbose", "include default values"),
];

/// The arguments of `/ping`, `/tool traceroute` and `/interface monitor-traffic` (`cli::tools`).
pub(super) fn tool_args(command: &str) -> Vec<Arg> {
    let text = |name, syntax, help| Arg::new(name, ArgKind::Text(syntax), help);
    if command == "monitor-traffic" {
        return alloc::vec![
            text(
                "interface",
                "names",
                "interfaces to watch, separated by commas"
            ),
            text("interval", "time", "time between samples"),
            Arg::new("once", ArgKind::Flag, "print one sample and stop"),
        ];
    }
    let mut args = alloc::vec![
        text("address", "IP address", "address to send to"),
        text(
            "count",
            "integer",
            "probes to send (per hop for traceroute)"
        ),
        text("size", "28..1500", "size of the whole IP packet"),
        text("src-address", "IP address", "address to send from"),
    ];
    match command {
        "ping" => args.extend([
            text("interval", "10ms..5s", "time between probes"),
            text("ttl", "1..255", "time to live of the probes"),
        ]),
        _ => args.extend([
            text("max-hops", "1..255", "the farthest hop to probe"),
            text("timeout", "time", "how long to wait for each answer"),
        ]),
    }
    args
}

pub(super) fn spec(menu: Option<&'static MenuDef>, path: &str, command: &str) -> Spec {
    let props: &'static [PropDef] = menu.map_or(&[], |m| m.props);
    let kind = menu.map(|m| m.kind);
    let singleton = kind == Some(MenuKind::Singleton);
    let writable = || props.iter().filter(|p| p.is_writable()).map(Arg::prop);
    let flags = |list: &[(&'static str, &'static str)]| {
        list.iter()
            .map(|&(name, help)| Arg::new(name, ArgKind::Flag, help))
            .collect::<Vec<_>>()
    };
    let mut spec = Spec {
        items: false,
        property_name: false,
        args: Vec::new(),
    };
    match (path, command) {
        ("", "import") => {
            spec.args = alloc::vec![
                Arg::new(
                    "file-name",
                    ArgKind::Text("file name"),
                    "script file to run"
                ),
                Arg::new(
                    "verbose",
                    ArgKind::YesNo,
                    "report every line and go on after errors"
                ),
                Arg::new(
                    "dry-run",
                    ArgKind::Flag,
                    "check the script without changing anything"
                ),
            ];
        }
        ("system", "reset-configuration") => {
            spec.args = alloc::vec![
                Arg::new(
                    "no-defaults",
                    ArgKind::YesNo,
                    "start from an empty configuration"
                ),
                Arg::new("skip-backup", ArgKind::YesNo, "do not keep a backup"),
                Arg::new("keep-users", ArgKind::YesNo, "keep the users"),
            ];
        }
        ("", "ping") | ("tool", "traceroute") | ("interface", "monitor-traffic") => {
            spec.args = tool_args(command);
        }
        (_, "print") if menu.is_some() => {
            spec.args = flags(PRINT_FLAGS);
            spec.args.push(Arg::new(
                "interval",
                ArgKind::Text("time"),
                "print again at this interval",
            ));
            spec.args.push(Arg::new(
                "file",
                ArgKind::Text("file name"),
                "print into a file",
            ));
        }
        (_, "print") => spec.args = flags(&PRINT_FLAGS[8..]),
        (_, "export") => {
            spec.args = flags(EXPORT_FLAGS);
            spec.args.push(Arg::new(
                "file",
                ArgKind::Text("file name"),
                "write the export into NAME.rsc",
            ));
        }
        (_, "add") => {
            spec.args = writable().collect();
            spec.args.push(Arg::new(
                "copy-from",
                ArgKind::Item,
                "item whose values the new one starts from",
            ));
            if kind == Some(MenuKind::Ordered) {
                spec.args.push(Arg::new(
                    "place-before",
                    ArgKind::Item,
                    "item the new one goes before",
                ));
            }
        }
        (_, "set") => {
            spec.items = !singleton;
            spec.args = writable().collect();
        }
        (_, "remove" | "enable" | "disable" | "reset-counters" | "run" | "renew" | "release") => {
            spec.items = true
        }
        (_, "comment") => {
            spec.items = true;
            spec.args = alloc::vec![Arg::new(
                "comment",
                ArgKind::Text("text"),
                "short description of the items"
            )];
        }
        (_, "move") => {
            spec.items = true;
            spec.args = alloc::vec![Arg::new(
                "destination",
                ArgKind::Item,
                "item the moved ones go before"
            )];
        }
        (_, "get") => {
            spec.items = !singleton;
            spec.property_name = true;
            spec.args = alloc::vec![Arg::new(
                "value-name",
                ArgKind::PropName,
                "property whose value to return"
            )];
        }
        (_, "find") => {
            spec.args = props.iter().map(Arg::prop).collect();
            spec.args.push(Arg::new(
                "where",
                ArgKind::Flag,
                "find the items that match an expression",
            ));
        }
        _ => {}
    }
    spec.args.sort_by_key(|a| a.name);
    spec
}

/// The argument `name` names, exactly or as an unambiguous abbreviation.
pub(super) fn find_arg<'s>(spec: &'s Spec, name: &str) -> Option<&'s Arg> {
    if let Some(exact) = spec.args.iter().find(|a| a.name == name) {
        return Some(exact);
    }
    let mut found = spec.args.iter().filter(|a| a.name.starts_with(name));
    match (found.next(), found.next()) {
        (Some(only), None) if !name.is_empty() => Some(only),
        _ => None,
    }
}

/// How many unnamed values (item references, property names) `before` already holds.
pub(super) fn unnamed_count(spec: &Spec, before: &[&str]) -> usize {
    before
        .iter()
        .filter(|w| {
            !w.contains('=')
                && !w.starts_with('!')
                && !spec
                    .args
                    .iter()
                    .any(|a| matches!(a.kind, ArgKind::Flag) && a.name == **w)
        })
        .count()
}
