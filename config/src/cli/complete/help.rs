//! What `?` prints: child menus and commands with their descriptions, a command's arguments with their
//! value syntax, an argument's syntax and choices.

use super::*;

/// The scripting commands the interpreter runs, with what they do.
pub(super) const SCRIPTING: &[(&str, &str)] = &[
    (":delay", "wait for a time"),
    (":do", "run a block, with on-error= for errors"),
    (":error", "stop the script with a message"),
    (":foreach", "run a block for every element of a list"),
    (":global", "declare a global variable"),
    (":if", "run a block when a condition holds"),
    (":len", "the length of a string or list"),
    (":local", "declare a local variable"),
    (":log", "write a message to the log"),
    (":put", "print a value"),
    (":set", "change a variable"),
    (":tostr", "a value as a string"),
];

pub(super) fn scripting_help() -> Vec<String> {
    let mut out = alloc::vec![String::from("Scripting commands"), String::new()];
    out.extend(
        SCRIPTING
            .iter()
            .map(|(name, what)| format!("{name} -- {what}")),
    );
    out
}

/// One-line descriptions of the menus, by path.
pub(super) const MENU_HELP: &[(&str, &str)] = &[
    ("", "Change to a menu or run a command"),
    ("file", "Files on the configuration partition"),
    ("interface", "Network interfaces"),
    ("interface/ethernet", "Ethernet interfaces"),
    ("interface/list", "Interface lists"),
    ("interface/list/member", "Members of interface lists"),
    ("ip", "IP settings and services"),
    ("ip/address", "IP address management"),
    ("ip/arp", "ARP entries"),
    ("ip/dhcp-client", "DHCP clients"),
    ("ip/dhcp-server", "DHCP servers"),
    ("ip/dhcp-server/lease", "DHCP leases"),
    (
        "ip/dhcp-server/network",
        "Networks the DHCP servers hand out",
    ),
    ("ip/dns", "DNS client and cache"),
    ("ip/dns/static", "Static DNS entries"),
    ("ip/dns/cache", "Answers the DNS resolver has cached"),
    (
        "ip/firewall",
        "Firewall tables, NAT and connection tracking",
    ),
    ("ip/firewall/address-list", "Firewall address lists"),
    ("ip/firewall/connection", "Connection tracking"),
    (
        "ip/firewall/connection/tracking",
        "Connection tracking settings",
    ),
    ("ip/firewall/filter", "Firewall filter rules"),
    ("ip/firewall/mangle", "Firewall mangle rules"),
    ("ip/firewall/nat", "Network address translation rules"),
    (
        "ip/firewall/raw",
        "Firewall rules before connection tracking",
    ),
    ("ip/pool", "IP address pools"),
    ("ip/route", "Routes"),
    ("ip/service", "Management services"),
    ("ip/settings", "IP stack settings"),
    (
        "ipv6",
        "IPv6 settings and services (stored; IPv6 is not forwarded yet)",
    ),
    ("ipv6/address", "IPv6 address management"),
    ("ipv6/dhcp-client", "DHCPv6 clients"),
    ("ipv6/firewall", "IPv6 firewall tables and NAT"),
    ("ipv6/firewall/address-list", "IPv6 firewall address lists"),
    ("ipv6/firewall/filter", "IPv6 firewall filter rules"),
    ("ipv6/firewall/mangle", "IPv6 firewall mangle rules"),
    (
        "ipv6/firewall/nat",
        "IPv6 network address translation rules",
    ),
    (
        "ipv6/firewall/raw",
        "IPv6 firewall rules before connection tracking",
    ),
    ("ipv6/nd", "Router advertisements (neighbor discovery)"),
    ("ipv6/nd/prefix", "Prefixes router advertisements carry"),
    (
        "ipv6/nd/prefix/default",
        "Lifetimes of prefixes made from addresses",
    ),
    ("ipv6/pool", "IPv6 prefix pools"),
    ("ipv6/route", "IPv6 routes"),
    ("ipv6/settings", "IPv6 stack settings"),
    ("log", "System log"),
    ("system", "System settings and commands"),
    ("system/clock", "Date, time and time zone"),
    ("system/clock/manual", "Manual time zone settings"),
    ("system/identity", "The router's name"),
    ("system/note", "Note shown at login"),
    ("system/package", "Installed software packages"),
    ("system/resource", "CPU, memory and disk use"),
    ("system/routerboard", "Board and firmware information"),
    ("system/scheduler", "Scheduled scripts"),
    ("system/script", "Scripts"),
    ("tool", "Network diagnostic tools"),
    ("user", "Users"),
    ("user/group", "User groups and their policies"),
];

/// One-line descriptions of the commands, by name.
pub(super) const COMMAND_HELP: &[(&str, &str)] = &[
    ("add", "Create a new item"),
    ("comment", "Set the comment of items"),
    ("disable", "Disable items"),
    ("enable", "Enable items"),
    (
        "export",
        "Print or save an export script that can be used to restore configuration",
    ),
    ("find", "Find items by value"),
    ("flush", "Forget every cached entry"),
    ("get", "Get the value of an item's property"),
    ("import", "Run a configuration script from a file"),
    ("make-static", "Make dynamic leases static"),
    ("monitor-traffic", "Show the traffic rates of interfaces"),
    ("move", "Move items before another item"),
    ("password", "Change the password of the logged-in user"),
    ("ping", "Send ICMP echo requests to a host"),
    ("print", "Print values of item properties"),
    ("quit", "Log out of the console"),
    ("reboot", "Restart the router"),
    ("redo", "Redo the last undone change"),
    ("release", "Give the DHCP lease back and ask for a new one"),
    ("remove", "Remove items"),
    ("renew", "Renew the DHCP lease now"),
    ("reset-configuration", "Return to the default configuration"),
    ("reset-counters", "Reset the counters of items"),
    ("reset-counters-all", "Reset the counters of every item"),
    ("run", "Run a script"),
    ("set", "Change item properties"),
    ("shutdown", "Power the router off"),
    ("traceroute", "Show the routers on the way to a host"),
    ("undo", "Undo the last change"),
];

pub(super) fn lookup(table: &[(&str, &'static str)], key: &str) -> &'static str {
    table.iter().find(|(k, _)| *k == key).map_or("", |(_, v)| v)
}

pub(super) fn join(path: &str, word: &str) -> String {
    if path.is_empty() {
        String::from(word)
    } else {
        format!("{path}/{word}")
    }
}

/// `?` at a menu or command word: help for the menu or command the word names, else the menu's
/// entries that start with it (all of them when none does).
pub(super) fn path_help(path: &str, segment: &str) -> Vec<String> {
    let commands = commands_at(path);
    let children = menus::children(path);
    if !segment.is_empty() {
        if let Some(command) = commands.iter().find(|c| **c == segment) {
            return command_help(path, command, "");
        }
        if let Some(child) = children.iter().find(|c| **c == segment) {
            return menu_help(&join(path, child), "");
        }
        let mut found = commands
            .iter()
            .map(|c| (c, true))
            .chain(children.iter().map(|m| (m, false)))
            .filter(|(w, _)| w.starts_with(segment));
        match (found.next(), found.next()) {
            (Some((command, true)), None) => return command_help(path, command, ""),
            (Some((child, false)), None) => return menu_help(&join(path, child), ""),
            (Some(_), Some(_)) => return menu_help(path, segment),
            _ => {}
        }
    }
    menu_help(path, "")
}

/// A menu's description, then its child menus (with a `/`) and commands, those starting with `filter`.
pub(super) fn menu_help(path: &str, filter: &str) -> Vec<String> {
    let mut out = alloc::vec![String::from(lookup(MENU_HELP, path)), String::new()];
    if !path.is_empty() && filter.is_empty() {
        let parent = match path.rfind('/') {
            Some(at) => path.get(..at).unwrap_or(""),
            None => "root",
        };
        out.push(format!(".. -- go up to {parent}"));
    }
    let mut entries: Vec<(String, &str)> = menus::children(path)
        .into_iter()
        .map(|child| (format!("{child}/"), lookup(MENU_HELP, &join(path, child))))
        .chain(
            commands_at(path)
                .into_iter()
                .map(|c| (String::from(c), lookup(COMMAND_HELP, c))),
        )
        .filter(|(name, _)| name.starts_with(filter))
        .collect();
    entries.sort();
    out.extend(
        entries
            .into_iter()
            .map(|(name, what)| format!("{name} -- {what}")),
    );
    out
}

/// A command's description, then its arguments (those starting with `filter`) with their syntax.
pub(super) fn command_help(path: &str, command: &str, filter: &str) -> Vec<String> {
    let menu = menus::menu(path);
    let spec = spec(menu, path, command);
    let mut out = alloc::vec![String::from(lookup(COMMAND_HELP, command)), String::new()];
    if spec.items && "numbers".starts_with(filter) {
        out.push(String::from(
            "numbers -- items: numbers from print, names, *IDs or [ find ... ]",
        ));
    }
    for arg in spec.args.iter().filter(|a| a.name.starts_with(filter)) {
        out.push(format!("{} -- {}", arg.name, arg_syntax(arg)));
    }
    out
}

/// `?` among a command's arguments.
pub(super) fn argument_help(
    config: &Config,
    path: &str,
    command: &str,
    before: &[&str],
    word: &str,
) -> Vec<String> {
    let menu = menus::menu(path);
    let spec = spec(menu, path, command);
    let in_where = before.contains(&"where");
    let (name, has_value) = match word.split_once('=') {
        Some((name, _)) => (name.trim_end_matches(['!', '<', '>', '~']), true),
        None => (word.strip_prefix('!').unwrap_or(word), false),
    };
    if in_where || word.starts_with('!') {
        let Some(menu) = menu else {
            return Vec::new();
        };
        return match menu.resolve_prop(name) {
            Ok(prop) if has_value || !name.is_empty() => {
                value_help(config, Some(menu), &Arg::prop(prop))
            }
            _ => {
                let mut out = alloc::vec![String::from("Properties"), String::new()];
                out.extend(
                    menu.props
                        .iter()
                        .filter(|p| p.name.starts_with(name))
                        .map(|p| format!("{} -- {}", p.name, arg_syntax(&Arg::prop(p)))),
                );
                out
            }
        };
    }
    if name.is_empty() {
        return command_help(path, command, "");
    }
    match find_arg(&spec, name) {
        Some(arg) => value_help(config, menu, arg),
        _ if has_value => Vec::new(),
        _ if spec.args.iter().any(|a| a.name.starts_with(name)) => {
            command_help(path, command, name)
        }
        _ => command_help(path, command, ""),
    }
}

/// `name=?`: the syntax of the value, then the choices when they are a finite set.
pub(super) fn value_help(
    config: &Config,
    menu: Option<&'static MenuDef>,
    arg: &Arg,
) -> Vec<String> {
    let mut out = alloc::vec![format!("{} ::= {}", arg.name, value_syntax(arg))];
    let choices = match arg.kind {
        ArgKind::Prop(prop) => match prop.ty {
            PropType::Value(ValueType::Bool) => Vec::new(),
            _ => prop_choices(config, menu, prop),
        },
        ArgKind::Item => item_names(config, menu),
        ArgKind::PropName => menu
            .map_or(&[][..], |m| m.props)
            .iter()
            .map(|p| String::from(p.name))
            .collect(),
        ArgKind::YesNo | ArgKind::Text(_) | ArgKind::Flag => Vec::new(),
    };
    let mut choices = choices;
    choices.truncate(MAX_CANDIDATES);
    out.extend(
        columns(&choices, SCREEN_WIDTH - 2)
            .into_iter()
            .map(|line| format!("  {line}")),
    );
    out
}

/// The syntax of an argument's value, in full (for `name=?`).
pub(super) fn value_syntax(arg: &Arg) -> String {
    match arg.kind {
        ArgKind::Prop(prop) => {
            let syntax = match prop.ty {
                PropType::Value(ValueType::Enum(_)) => String::from("one of"),
                PropType::Value(ValueType::EnumSet(_)) => String::from("comma list of"),
                PropType::Value(ValueType::FlagSet(_)) => {
                    String::from("comma list of, each may be negated with !")
                }
                PropType::Value(ty) => type_syntax(ty),
                PropType::Ref { menu, .. } => reference_syntax(menu),
            };
            if prop.negatable {
                format!("[!]{syntax}")
            } else {
                syntax
            }
        }
        ArgKind::Item => String::from("item: number from print, name or *ID"),
        ArgKind::YesNo => String::from("yes | no"),
        ArgKind::PropName => String::from("property name"),
        ArgKind::Text(syntax) => String::from(syntax),
        ArgKind::Flag => String::from(arg.help),
    }
}

/// The syntax of an argument, short, for the argument list of a command.
pub(super) fn arg_syntax(arg: &Arg) -> String {
    let ArgKind::Prop(prop) = arg.kind else {
        return String::from(arg.help);
    };
    let syntax = match prop.ty {
        PropType::Value(
            ValueType::Enum(list) | ValueType::EnumSet(list) | ValueType::FlagSet(list),
        ) => {
            let mut joined = list.join(" | ");
            if joined.len() > 60 {
                let cut = joined.get(..57).and_then(|s| s.rfind(' ')).unwrap_or(0);
                joined.truncate(cut);
                joined.push_str(" ...");
            }
            joined
        }
        PropType::Value(ty) => type_syntax(ty),
        PropType::Ref { menu, .. } => reference_syntax(menu),
    };
    if prop.negatable {
        format!("[!]{syntax}")
    } else {
        syntax
    }
}

pub(super) fn reference_syntax(menu: &str) -> String {
    let shown = menus::menu(menu).map_or_else(|| format!("/{menu}"), |m| m.display_path());
    format!("name of an item of {shown}")
}

/// How a value of `ty` is written (routeros-reference.md §6, value syntax).
pub(super) fn type_syntax(ty: ValueType) -> String {
    if let ValueType::Integer { min, max } = ty {
        return format!("integer {min}..{max}");
    }
    if let ValueType::Either { word, other } = ty {
        return format!("{word} | {}", type_syntax(*other));
    }
    if let ValueType::Interval { low, high } = ty {
        return format!(
            "time[-time]: min {}s..{}s, max {}s..{}s",
            low.0, low.1, high.0, high.1
        );
    }
    String::from(match ty {
        ValueType::Text => "text (in quotes when it holds blanks)",
        ValueType::Name => "name",
        ValueType::Bool => "yes | no",
        ValueType::Integer { .. } => "integer",
        ValueType::Duration => "time: 1w2d3h4m5s, hh:mm:ss or seconds",
        ValueType::TimeOfDay => "time of day: hh:mm:ss",
        ValueType::Ipv4Address => "A.B.C.D",
        ValueType::Ipv4Prefix => "A.B.C.D/M (address and prefix length)",
        ValueType::Ipv4Network => "A.B.C.D/M (network)",
        ValueType::Ipv4Match => "A.B.C.D, A.B.C.D/M or A.B.C.D-A.B.C.D",
        ValueType::Ipv4RangeList => "A.B.C.D-A.B.C.D[,...]",
        ValueType::Ipv4List => "A.B.C.D[,A.B.C.D...]",
        ValueType::Ipv6Address => "IPv6 address (2001:db8::1)",
        ValueType::Ipv6Prefix => "IPv6 address/length (2001:db8::1/64)",
        ValueType::Ipv6Network => "IPv6 prefix (2001:db8::/32)",
        ValueType::Ipv6Match => "IPv6 address, prefix or range (2001:db8::1-2001:db8::9)",
        ValueType::Ipv6List => "IPv6 address[,IPv6 address...]",
        ValueType::MacAddress => "XX:XX:XX:XX:XX:XX",
        ValueType::PortList => "port[-port][,...]",
        ValueType::Enum(_) => "one of",
        ValueType::EnumSet(_) => "comma list of",
        ValueType::FlagSet(_) => "comma list of, each may be negated with !",
        ValueType::Rate => "bits per second, with k, M or G (10M)",
        ValueType::Interval { .. } => "time[-time]",
        ValueType::Either { word, .. } => word,
    })
}
