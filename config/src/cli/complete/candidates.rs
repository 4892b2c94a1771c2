//! The candidates for the word under the cursor: menus, commands, argument names, items and the values
//! of finite types, and what Tab inserts for them.

use super::*;

/// One thing the word may become, and what follows it once completed.
#[derive(Clone, Debug)]
pub(super) struct Candidate {
    pub(super) text: String,
    pub(super) suffix: &'static str,
}

impl Candidate {
    pub(super) fn new(text: &str, suffix: &'static str) -> Self {
        Candidate {
            text: String::from(text),
            suffix,
        }
    }
}

/// Picks the candidates that start with `prefix` and works out what to insert.
pub(super) fn finish(prefix: &str, mut all: Vec<Candidate>) -> Completion {
    all.retain(|c| c.text.starts_with(prefix));
    all.sort_by(|a, b| a.text.cmp(&b.text));
    all.dedup_by(|a, b| a.text == b.text);
    all.truncate(MAX_CANDIDATES);
    let insert = match all.as_slice() {
        [] => String::new(),
        [only] => format!(
            "{}{}",
            only.text.get(prefix.len()..).unwrap_or(""),
            only.suffix
        ),
        [first, rest @ ..] => {
            let mut common = first.text.as_str();
            for other in rest {
                let shared = common
                    .char_indices()
                    .zip(other.text.chars())
                    .find(|((_, a), b)| a != b)
                    .map_or(common.len().min(other.text.len()), |((at, _), _)| at);
                common = common.get(..shared).unwrap_or("");
            }
            String::from(common.get(prefix.len()..).unwrap_or(""))
        }
    };
    Completion {
        insert,
        candidates: all.into_iter().map(|c| c.text).collect(),
    }
}

/// The part of the word being completed and what it may become.
pub(super) fn candidates<'a>(config: &Config, place: &Place<'a>) -> (&'a str, Vec<Candidate>) {
    match place {
        Place::Scripting { word } => (
            word,
            SCRIPTING
                .iter()
                .map(|(name, _)| Candidate::new(name, " "))
                .collect(),
        ),
        Place::Path {
            path,
            segment,
            slash,
        } => {
            let after_menu = if *slash { "/" } else { " " };
            let mut out: Vec<Candidate> = commands_at(path)
                .into_iter()
                .map(|c| Candidate::new(c, " "))
                .collect();
            out.extend(
                menus::children(path)
                    .into_iter()
                    .map(|m| Candidate::new(m, after_menu)),
            );
            (segment, out)
        }
        Place::Argument {
            path,
            command,
            before,
            word,
        } => argument_candidates(config, path, command, before, word),
    }
}

pub(super) fn argument_candidates<'a>(
    config: &Config,
    path: &str,
    command: &str,
    before: &[&str],
    word: &'a str,
) -> (&'a str, Vec<Candidate>) {
    let menu = menus::menu(path);
    let spec = spec(menu, path, command);
    let in_where = before.contains(&"where");
    let props: &'static [PropDef] = menu.map_or(&[], |m| m.props);
    if let Some((name, value)) = word.split_once('=') {
        let kind = if in_where {
            let name = name.trim_end_matches(['!', '<', '>', '~']);
            menu.and_then(|m| m.resolve_prop(name).ok())
                .map(ArgKind::Prop)
        } else {
            find_arg(&spec, name).map(|a| a.kind)
        };
        return match kind {
            Some(kind) => value_candidates(config, menu, kind, value),
            None => (value, Vec::new()),
        };
    }
    if in_where {
        return (
            word,
            props.iter().map(|p| Candidate::new(p.name, "")).collect(),
        );
    }
    if let Some(name) = word.strip_prefix('!') {
        // `!name` sets a property back to its default.
        let unset = if command == "set" { props } else { &[] };
        return (
            name,
            unset
                .iter()
                .filter(|p| p.is_writable())
                .map(|p| Candidate::new(p.name, " "))
                .collect(),
        );
    }
    // An argument already given is not offered again.
    let given = |name: &str| {
        before
            .iter()
            .any(|w| *w == name || w.split_once('=').is_some_and(|(n, _)| n == name))
    };
    let mut out: Vec<Candidate> = spec
        .args
        .iter()
        .filter(|a| !given(a.name))
        .map(|a| {
            let suffix = if matches!(a.kind, ArgKind::Flag) {
                " "
            } else {
                "="
            };
            Candidate::new(a.name, suffix)
        })
        .collect();
    let unnamed = unnamed_count(&spec, before);
    let items_given = usize::from(spec.items);
    if spec.items && unnamed == 0 {
        out.extend(
            item_names(config, menu)
                .iter()
                .map(|n| Candidate::new(n, " ")),
        );
    } else if spec.property_name && unnamed == items_given {
        out.extend(props.iter().map(|p| Candidate::new(p.name, " ")));
    }
    (word, out)
}

/// The values `typed` (what follows `name=`) may become.
pub(super) fn value_candidates<'a>(
    config: &Config,
    menu: Option<&'static MenuDef>,
    kind: ArgKind,
    typed: &'a str,
) -> (&'a str, Vec<Candidate>) {
    let choices =
        |names: Vec<String>, suffix| names.iter().map(|n| Candidate::new(n, suffix)).collect();
    match kind {
        ArgKind::Prop(prop) => {
            let typed = match typed.strip_prefix('!') {
                Some(rest) if prop.negatable => rest,
                _ => typed,
            };
            let (element, list) = match prop.ty {
                PropType::Value(ValueType::EnumSet(_) | ValueType::FlagSet(_)) => {
                    let element = typed.rsplit(',').next().unwrap_or("");
                    (element.strip_prefix('!').unwrap_or(element), true)
                }
                _ => (typed, false),
            };
            let suffix = if list { "" } else { " " };
            (element, choices(prop_choices(config, menu, prop), suffix))
        }
        ArgKind::Item => (typed, choices(item_names(config, menu), " ")),
        ArgKind::YesNo => (typed, choices(yes_no(), " ")),
        ArgKind::PropName => (
            typed,
            menu.map_or(&[][..], |m| m.props)
                .iter()
                .map(|p| Candidate::new(p.name, " "))
                .collect(),
        ),
        ArgKind::Text(_) | ArgKind::Flag => (typed, Vec::new()),
    }
}

pub(super) fn yes_no() -> Vec<String> {
    alloc::vec![String::from("no"), String::from("yes")]
}

/// The names of the items of `menu` (by its key property), in order, at most [`MAX_CANDIDATES`].
pub(super) fn item_names(config: &Config, menu: Option<&'static MenuDef>) -> Vec<String> {
    let Some(menu) = menu else {
        return Vec::new();
    };
    let Some(key) = menu.key else {
        return Vec::new();
    };
    config
        .items(menu)
        .iter()
        .filter_map(|item| item.get(key))
        .take(MAX_CANDIDATES)
        .map(String::from)
        .collect()
}

/// Distinct values of property `prop` among the items of `menu`, at most [`MAX_CANDIDATES`].
pub(super) fn used_values(config: &Config, menu: &MenuDef, prop: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in config.items(menu) {
        if out.len() >= MAX_CANDIDATES {
            break;
        }
        if let Some(value) = item.get(prop)
            && !out.iter().any(|v| v == value)
        {
            out.push(String::from(value));
        }
    }
    out
}

/// The finite set of values `prop` takes (empty when its syntax is open, like an address).
pub(super) fn prop_choices(
    config: &Config,
    menu: Option<&'static MenuDef>,
    prop: &'static PropDef,
) -> Vec<String> {
    let words = |list: &[&str]| list.iter().map(|w| String::from(*w)).collect::<Vec<_>>();
    match prop.ty {
        PropType::Value(ValueType::Bool) => yes_no(),
        PropType::Value(
            ValueType::Enum(list) | ValueType::EnumSet(list) | ValueType::FlagSet(list),
        ) => words(list),
        PropType::Ref {
            menu: target,
            builtin,
        } => {
            let mut out = item_names(config, menus::menu(target));
            out.extend(words(builtin));
            out
        }
        PropType::Value(ValueType::Either { word, .. }) => words(&[word]),
        PropType::Value(ValueType::Name) => {
            let path = menu.map_or("", |m| m.path);
            let mut out = words(known_names(path, prop.name));
            match prop.name {
                "src-address-list" | "dst-address-list" | "address-list" => {
                    let family = path.split('/').next().unwrap_or("ip");
                    if let Some(lists) = menus::menu(&format!("{family}/firewall/address-list")) {
                        out.extend(used_values(config, lists, "list"));
                    }
                }
                _ => {
                    if let Some(menu) = menu {
                        out.extend(used_values(config, menu, prop.name));
                    }
                }
            }
            out
        }
        PropType::Value(_) => Vec::new(),
    }
}

/// Names RouterOS knows for a name-typed property before any item uses them: the built-in chains of
/// each firewall table (routeros-reference.md §2) and the protocol names rules accept.
pub(super) fn known_names(path: &str, prop: &str) -> &'static [&'static str] {
    match (path, prop) {
        ("ip/firewall/filter", "chain") => &["forward", "input", "output"],
        ("ip/firewall/nat", "chain") => &["dstnat", "srcnat"],
        ("ip/firewall/mangle", "chain") => {
            &["forward", "input", "output", "postrouting", "prerouting"]
        }
        ("ip/firewall/raw", "chain") => &["output", "prerouting"],
        ("ipv6/firewall/filter", "chain") => &["forward", "input", "output"],
        ("ipv6/firewall/nat", "chain") => &["dstnat", "srcnat"],
        ("ipv6/firewall/mangle", "chain") => {
            &["forward", "input", "output", "postrouting", "prerouting"]
        }
        ("ipv6/firewall/raw", "chain") => &["output", "prerouting"],
        (_, "protocol") => PROTOCOLS,
        _ => &[],
    }
}

/// Protocol names `protocol=` accepts (the `/etc/protocols` names RouterOS lists).
pub(super) const PROTOCOLS: &[&str] = &[
    "dccp",
    "ddp",
    "egp",
    "encap",
    "etherip",
    "ggp",
    "gre",
    "hmp",
    "icmp",
    "icmpv6",
    "idpr-cmtp",
    "idrp",
    "igmp",
    "ip-encap",
    "ipip",
    "ipsec-ah",
    "ipsec-esp",
    "ipv6",
    "ipv6-frag",
    "ipv6-nonxt",
    "ipv6-opts",
    "ipv6-route",
    "iso-tp4",
    "l2tp",
    "ospf",
    "pim",
    "pup",
    "rdp",
    "rspf",
    "rsvp",
    "sctp",
    "st",
    "tcp",
    "udp",
    "udp-lite",
    "vmtp",
    "vrrp",
    "xns-idp",
    "xtp",
];
