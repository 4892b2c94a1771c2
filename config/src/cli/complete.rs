//! Tab completion and `?` help on the console (routeros-reference.md §6: "Tab completes; `?` shows help").
//!
//! Both read the line up to the cursor the way the interpreter will read it: the command the cursor is
//! in (after the last `;` or newline, or inside the innermost open `[ ... ]` or `{ ... }`; a `[ ... ]`
//! runs in the menu of the command around it), that command's path and command words resolved as
//! `resolve` resolves them (`/`, `..`, abbreviations), and the word under the cursor. What can stand
//! there comes from the object model: the child menus and commands of a menu, a command's arguments (a
//! menu's writable properties for `add` and `set`, `print` modifiers, ...), the items a command works
//! on, and the values of a property whose type is a finite set: `yes`/`no`, enumerations, the names of
//! the items a reference points to (`interface=eth` → `ether1`), the chains and protocols RouterOS
//! knows, names already used in the menu (`chain=`, address lists).
//!
//! * [`complete`] gives what Tab inserts: the rest of the only candidate and what follows it (a space
//!   after a menu, command, item or value, `=` after an argument name, `/` after a menu in a `/`-joined
//!   path, nothing after an element of a comma list), or, when several candidates remain, the rest of
//!   their common prefix; and the candidates, for the console to list on a second Tab.
//! * [`help`] gives the lines `?` prints: at a menu its child menus and commands, after a command its
//!   arguments with their value syntax, after `name=` that argument's syntax and choices.
//! * [`in_quotes`] tells whether the cursor is inside a quoted string, where Tab completes nothing and
//!   `?` is a character like any other.
//!
//! Guarantees: pure functions of the configuration, the current menu and the text; total on any text
//! (unbalanced quotes and brackets, any Unicode); at most [`MAX_CANDIDATES`] candidates and
//! [`MAX_NESTING`] levels of brackets are looked at.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::resolve::{commands_at, resolve};
use crate::model::schema::{MenuKind, PropType};
use crate::model::{Config, MenuDef, PropDef, menus};
use crate::script::{Pos, Word, WordKind};
use crate::value::ValueType;

/// Most candidates one completion or help listing gathers (a menu may hold up to
/// [`crate::model::config::MAX_ITEMS`] items; nobody reads a listing of more).
pub const MAX_CANDIDATES: usize = 256;

/// Deepest bracket nesting followed to find the cursor's command; deeper text completes nothing.
pub const MAX_NESTING: usize = 32;

/// Width of the console the listings are laid out for.
pub const SCREEN_WIDTH: usize = 80;

/// What Tab does at the cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completion {
    /// Text to insert at the cursor (empty: nothing to add).
    pub insert: String,
    /// Every candidate for the word under the cursor, sorted; more than one means the word stays
    /// ambiguous and a second Tab lists them.
    pub candidates: Vec<String>,
}

/// Tab at the end of `before_cursor` (the line up to the cursor), in menu `current` (`ip/address`).
pub fn complete(config: &Config, current: &str, before_cursor: &str) -> Completion {
    let text = join_continuations(before_cursor);
    let Some(place) = place(current, &text) else {
        return Completion::default();
    };
    let (prefix, candidates) = candidates(config, &place);
    finish(prefix, candidates)
}

/// The lines `?` prints at the end of `before_cursor`, in menu `current`; empty when the line is
/// already wrong there (an unknown menu), inside an expression or inside quotes.
pub fn help(config: &Config, current: &str, before_cursor: &str) -> Vec<String> {
    let text = join_continuations(before_cursor);
    match place(current, &text) {
        None => Vec::new(),
        Some(Place::Scripting { .. }) => scripting_help(),
        Some(Place::Path { path, segment, .. }) => path_help(&path, segment),
        Some(Place::Argument {
            path,
            command,
            before,
            word,
        }) => argument_help(config, &path, command, &before, word),
    }
}

/// Whether the end of `before_cursor` is inside a `"..."` string.
pub fn in_quotes(before_cursor: &str) -> bool {
    let mut quoted = false;
    let mut escaped = false;
    for c in before_cursor.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        }
    }
    quoted
}

/// `words` laid out in columns across `width` characters, row by row (the order reads left to right),
/// each line without trailing spaces.
pub fn columns(words: &[String], width: usize) -> Vec<String> {
    let widest = words.iter().map(|w| w.chars().count()).max().unwrap_or(0);
    let column = widest.saturating_add(2);
    let per_line = (width / column.max(1)).max(1);
    words
        .chunks(per_line)
        .map(|row| {
            let mut line = String::new();
            for word in row {
                line.push_str(word);
                for _ in word.chars().count()..column {
                    line.push(' ');
                }
            }
            String::from(line.trim_end())
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------
// Where the cursor stands

/// The word under the cursor and what it can be.
#[derive(Debug)]
enum Place<'a> {
    /// A `:command` of the scripting language.
    Scripting { word: &'a str },
    /// A menu or command at `path`: `segment` is the word's text after its last `/`; `slash` when the
    /// word joins menus with `/` (`/ip/fi`), so a completed menu is followed by `/`.
    Path {
        path: String,
        segment: &'a str,
        slash: bool,
    },
    /// An argument of `command` in `path`, after the argument words `before`.
    Argument {
        path: String,
        command: &'static str,
        before: Vec<&'a str>,
        word: &'a str,
    },
}

/// Finds the cursor's command and word; `None` inside quotes or an expression, after a `:command` word,
/// or when the words before the cursor do not resolve.
fn place<'a>(current: &str, text: &'a str) -> Option<Place<'a>> {
    let (path, command_text) = innermost_command(current, text)?;
    let words = split_words(command_text);
    let (&word, before) = words.split_last()?;
    if before.is_empty() && word.starts_with(':') {
        return Some(Place::Scripting { word });
    }
    if before.first().is_some_and(|w| w.starts_with(':')) {
        return None;
    }
    let resolved = resolve(&path, &bare_words(before)).ok()?;
    if let Some(command) = resolved.command {
        return Some(Place::Argument {
            path: resolved.path,
            command,
            before: before.get(resolved.args_from..)?.to_vec(),
            word,
        });
    }
    let (head, segment) = match word.rfind('/') {
        Some(at) => (word.get(..=at)?, word.get(at + 1..)?),
        None => ("", word),
    };
    let path = if head.is_empty() {
        resolved.path
    } else {
        let inner = resolve(&resolved.path, &bare_words(&[head])).ok()?;
        if inner.command.is_some() {
            return None;
        }
        inner.path
    };
    if !menus::is_node(&path) {
        return None;
    }
    Some(Place::Path {
        path,
        segment,
        slash: !head.is_empty() && head != "/",
    })
}

/// `text` without its line continuations, as the parser reads it: a `\` right before a line end, the
/// line end and the blanks that start the next line are left out, in words and between them alike.
fn join_continuations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'\r') {
            chars.next();
        }
        match chars.peek() {
            Some('\n') => {
                chars.next();
                while chars.next_if(|c| matches!(c, ' ' | '\t')).is_some() {}
            }
            // An escape: the pair stays as it is.
            Some(&next) => {
                out.push(c);
                out.push(next);
                chars.next();
            }
            None => out.push(c),
        }
    }
    out
}

/// Words as the resolver takes them (positions do not matter here).
fn bare_words(words: &[&str]) -> Vec<Word> {
    words
        .iter()
        .map(|w| Word {
            kind: WordKind::Bare(String::from(*w)),
            pos: Pos { line: 1, column: 1 },
        })
        .collect()
}

/// The menu and the text (up to the cursor) of the command the cursor is in.
fn innermost_command<'a>(current: &str, text: &'a str) -> Option<(String, &'a str)> {
    /// One open bracket (or the whole line): its kind, where its current command starts, and the text of
    /// the command around it up to the bracket (for `[`, whose command runs in that command's menu).
    struct Level {
        open: char,
        start: usize,
        outer: (usize, usize),
    }
    let mut levels = alloc::vec![Level {
        open: ' ',
        start: 0,
        outer: (0, 0),
    }];
    let mut quoted = false;
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if c == '\\' {
            escaped = true;
            continue;
        }
        if quoted {
            quoted = c != '"';
            continue;
        }
        let depth = levels.len();
        let top = levels.last_mut()?;
        match c {
            '"' => quoted = true,
            ';' | '\n' | '\r' if top.open != '(' => top.start = at + c.len_utf8(),
            '[' | '{' | '(' => {
                if depth >= MAX_NESTING {
                    return None;
                }
                let outer = (top.start, at);
                levels.push(Level {
                    open: c,
                    start: at + c.len_utf8(),
                    outer,
                });
            }
            ']' | '}' | ')' if levels.len() > 1 => {
                levels.pop();
            }
            _ => {}
        }
    }
    let top = levels.last()?;
    if quoted || top.open == '(' {
        return None;
    }
    let mut path = String::from(current);
    for level in &levels[1..] {
        if level.open == '[' {
            let words = split_words(text.get(level.outer.0..level.outer.1)?);
            let words = words.get(..words.len().saturating_sub(1)).unwrap_or(&[]);
            if let Ok(resolved) = resolve(&path, &bare_words(words)) {
                path = resolved.path;
            }
        }
    }
    Some((path, text.get(top.start..)?))
}

/// The words of a command's text, split at blanks outside quotes and brackets; the last word is the one
/// under the cursor (empty after a blank).
fn split_words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut depth = 0u32;
    let mut quoted = false;
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        let blank = !quoted && depth == 0 && matches!(c, ' ' | '\t' | '\n' | '\r');
        if escaped {
            // An escaped character is part of the word (continuations are gone already).
            escaped = false;
            continue;
        }
        if blank {
            if let Some(s) = start.take() {
                words.push(text.get(s..at).unwrap_or(""));
            }
            continue;
        }
        start.get_or_insert(at);
        match c {
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            '[' | '{' | '(' if !quoted => depth = depth.saturating_add(1),
            ']' | '}' | ')' if !quoted => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    words.push(start.and_then(|s| text.get(s..)).unwrap_or(""));
    words
}

// ---------------------------------------------------------------------------------------------------
// What a command takes

/// The kind of value an argument takes.
#[derive(Clone, Copy, Debug)]
enum ArgKind {
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
struct Arg {
    name: &'static str,
    kind: ArgKind,
    /// For everything but properties, whose type says it.
    help: &'static str,
}

impl Arg {
    const fn new(name: &'static str, kind: ArgKind, help: &'static str) -> Self {
        Arg { name, kind, help }
    }

    fn prop(prop: &'static PropDef) -> Self {
        Arg::new(prop.name, ArgKind::Prop(prop), "")
    }
}

/// A command's arguments.
struct Spec {
    /// Its first unnamed argument names items of the menu (`set ether1 ...`).
    items: bool,
    /// The unnamed argument after the items is a property name (`get ether1 mtu`).
    property_name: bool,
    args: Vec<Arg>,
}

const PRINT_FLAGS: &[(&str, &str)] = &[
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

const EXPORT_FLAGS: &[(&str, &str)] = &[
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
fn tool_args(command: &str) -> Vec<Arg> {
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

fn spec(menu: Option<&'static MenuDef>, path: &str, command: &str) -> Spec {
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
fn find_arg<'s>(spec: &'s Spec, name: &str) -> Option<&'s Arg> {
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
fn unnamed_count(spec: &Spec, before: &[&str]) -> usize {
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

// ---------------------------------------------------------------------------------------------------
// Candidates

/// One thing the word may become, and what follows it once completed.
#[derive(Clone, Debug)]
struct Candidate {
    text: String,
    suffix: &'static str,
}

impl Candidate {
    fn new(text: &str, suffix: &'static str) -> Self {
        Candidate {
            text: String::from(text),
            suffix,
        }
    }
}

/// Picks the candidates that start with `prefix` and works out what to insert.
fn finish(prefix: &str, mut all: Vec<Candidate>) -> Completion {
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
fn candidates<'a>(config: &Config, place: &Place<'a>) -> (&'a str, Vec<Candidate>) {
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

fn argument_candidates<'a>(
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
fn value_candidates<'a>(
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

fn yes_no() -> Vec<String> {
    alloc::vec![String::from("no"), String::from("yes")]
}

/// The names of the items of `menu` (by its key property), in order, at most [`MAX_CANDIDATES`].
fn item_names(config: &Config, menu: Option<&'static MenuDef>) -> Vec<String> {
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
fn used_values(config: &Config, menu: &MenuDef, prop: &str) -> Vec<String> {
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
fn prop_choices(
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
fn known_names(path: &str, prop: &str) -> &'static [&'static str] {
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
const PROTOCOLS: &[&str] = &[
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

// ---------------------------------------------------------------------------------------------------
// Help

/// The scripting commands the interpreter runs, with what they do.
const SCRIPTING: &[(&str, &str)] = &[
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

fn scripting_help() -> Vec<String> {
    let mut out = alloc::vec![String::from("Scripting commands"), String::new()];
    out.extend(
        SCRIPTING
            .iter()
            .map(|(name, what)| format!("{name} -- {what}")),
    );
    out
}

/// One-line descriptions of the menus, by path.
const MENU_HELP: &[(&str, &str)] = &[
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
];

/// One-line descriptions of the commands, by name.
const COMMAND_HELP: &[(&str, &str)] = &[
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

fn lookup(table: &[(&str, &'static str)], key: &str) -> &'static str {
    table.iter().find(|(k, _)| *k == key).map_or("", |(_, v)| v)
}

fn join(path: &str, word: &str) -> String {
    if path.is_empty() {
        String::from(word)
    } else {
        format!("{path}/{word}")
    }
}

/// `?` at a menu or command word: help for the menu or command the word names, else the menu's
/// entries that start with it (all of them when none does).
fn path_help(path: &str, segment: &str) -> Vec<String> {
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
fn menu_help(path: &str, filter: &str) -> Vec<String> {
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
fn command_help(path: &str, command: &str, filter: &str) -> Vec<String> {
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
fn argument_help(
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
fn value_help(config: &Config, menu: Option<&'static MenuDef>, arg: &Arg) -> Vec<String> {
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
fn value_syntax(arg: &Arg) -> String {
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
fn arg_syntax(arg: &Arg) -> String {
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

fn reference_syntax(menu: &str) -> String {
    let shown = menus::menu(menu).map_or_else(|| format!("/{menu}"), |m| m.display_path());
    format!("name of an item of {shown}")
}

/// How a value of `ty` is written (routeros-reference.md §6, value syntax).
fn type_syntax(ty: ValueType) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Change;
    use proptest::prelude::*;

    /// Two ethernet ports as the system creates them, an address list and a rule in a chain of its own.
    fn config() -> Config {
        let mut config = Config::new();
        let ethernet = menus::menu("interface/ethernet").unwrap();
        for name in ["ether1", "ether2"] {
            config
                .add_system_item(ethernet, &[("name", name), ("default-name", name)])
                .unwrap();
        }
        let add = |config: &mut Config, path: &str, values: &[(&str, &str)]| {
            let menu = menus::menu(path).unwrap();
            let changes: Vec<Change> = values
                .iter()
                .map(|(p, v)| Change::Set(menu.prop(p).unwrap(), String::from(*v)))
                .collect();
            config.add(menu, &changes, None).unwrap();
        };
        add(
            &mut config,
            "ip/firewall/address-list",
            &[("list", "blocked"), ("address", "10.9.9.9")],
        );
        add(
            &mut config,
            "ip/firewall/filter",
            &[("chain", "from-lan"), ("action", "accept")],
        );
        config
    }

    /// What Tab inserts after `text` typed at `current`, and the candidates.
    fn tab(current: &str, text: &str) -> (String, Vec<String>) {
        let c = complete(&config(), current, text);
        (c.insert, c.candidates)
    }

    fn inserts(current: &str, text: &str) -> String {
        tab(current, text).0
    }

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| String::from(*w)).collect()
    }

    #[test]
    fn menu_and_command_words_complete_with_a_space() {
        assert_eq!(inserts("", "/ip fi"), "rewall ");
        assert_eq!(inserts("", "/ip firewall f"), "ilter ");
        assert_eq!(inserts("", "/ip address pr"), "int ");
        assert_eq!(inserts("", "/sys"), "tem ");
        // Complete already: only the separator.
        assert_eq!(inserts("", "/ip address"), " ");
        // Relative to the current menu, and through `..`.
        assert_eq!(inserts("ip", "addr"), "ess ");
        assert_eq!(inserts("ip/firewall", ".. addr"), "ess ");
        // Abbreviated words before the cursor resolve as the interpreter resolves them.
        assert_eq!(inserts("", "/ip fire fil ad"), "d ");
    }

    #[test]
    fn slash_joined_paths_complete_menus_with_a_slash() {
        assert_eq!(inserts("", "/ip/fi"), "rewall/");
        assert_eq!(inserts("", "/ip/firewall/fil"), "ter/");
        assert_eq!(inserts("", "/ip/address/pr"), "int ");
        // A lone leading `/` is the root, not a joined path.
        assert_eq!(inserts("ip", "/i"), "");
        // `/ip` is a whole word, and the start of `/ipv6` too: both are offered.
        assert_eq!(tab("ip", "/ip"), (String::new(), strings(&["ip", "ipv6"])));
        assert_eq!(inserts("ip", "/ipv"), "6 ");
    }

    #[test]
    fn an_ambiguous_word_completes_the_common_prefix_and_lists_the_candidates() {
        assert_eq!(
            tab("", "/ip d"),
            (
                String::new(),
                strings(&["dhcp-client", "dhcp-server", "dns"])
            )
        );
        assert_eq!(
            tab("", "/ip dh"),
            (
                String::from("cp-"),
                strings(&["dhcp-client", "dhcp-server"])
            )
        );
        // An empty word lists everything there: child menus and commands together.
        let (insert, all) = tab("", "/ip firewall ");
        assert_eq!(insert, "");
        for word in ["address-list", "filter", "nat", "export", "connection"] {
            assert!(all.iter().any(|c| c == word), "{word} in {all:?}");
        }
    }

    #[test]
    fn nothing_to_complete_after_an_unknown_word() {
        assert_eq!(tab("", "/nonsense pr"), (String::new(), Vec::new()));
        assert_eq!(tab("", "/ip zz"), (String::new(), Vec::new()));
        assert_eq!(tab("", "/ip address add zz"), (String::new(), Vec::new()));
        assert_eq!(tab("", "/ip address add zz="), (String::new(), Vec::new()));
    }

    #[test]
    fn property_names_complete_with_an_equals_sign() {
        assert_eq!(inserts("", "/ip address add inter"), "face=");
        assert_eq!(inserts("ip/address", "add addr"), "ess=");
        assert_eq!(inserts("", "/ip firewall filter add place"), "-before=");
        assert_eq!(
            tab("", "/ip address add d"),
            (String::from("isabled="), strings(&["disabled"]))
        );
        // Read-only properties are not arguments of `add` or `set`.
        assert_eq!(inserts("", "/interface ethernet set ether1 mac"), "");
        // `!name` unsets a property of `set`.
        assert_eq!(inserts("", "/ip address set 0 !comm"), "ent ");
        // A singleton takes no item: `set` goes straight to its properties.
        assert_eq!(inserts("", "/ip dns set allow"), "-remote-requests=");
        // What was given already is not offered again.
        assert_eq!(inserts("", "/ip address add comment=x co"), "py-from=");
        assert_eq!(inserts("", "/ip address print detail de"), "");
    }

    #[test]
    fn values_complete_from_the_type_and_the_configuration() {
        assert_eq!(
            tab("", "/ip address add interface=eth"),
            (String::from("er"), strings(&["ether1", "ether2"]))
        );
        assert_eq!(inserts("", "/ip address add interface=ether2"), " ");
        // Abbreviated property names find their values too.
        assert_eq!(inserts("", "/ip address add int=ether1"), " ");
        assert_eq!(inserts("", "/ip firewall filter add action=dr"), "op ");
        assert_eq!(inserts("", "/ip address add disabled=y"), "es ");
        assert_eq!(
            tab("", "/ip address add disabled="),
            (String::new(), strings(&["no", "yes"]))
        );
        // Negated references.
        assert_eq!(
            inserts("", "/ip firewall filter add in-interface=!ether1"),
            " "
        );
        // Interface lists: the built-in ones.
        assert_eq!(
            inserts("", "/ip firewall filter add in-interface-list=no"),
            "ne "
        );
        // An element of a comma list completes without a space, so the list can go on.
        assert_eq!(
            inserts(
                "",
                "/ip firewall filter add connection-state=established,rel"
            ),
            "ated"
        );
        assert_eq!(
            inserts("", "/ip firewall filter add tcp-flags=syn,!ac"),
            "k"
        );
        // Built-in chains and the chains rules already use; protocols; address lists in use.
        assert_eq!(
            tab("", "/ip firewall filter add chain=f"),
            (String::new(), strings(&["forward", "from-lan"]))
        );
        assert_eq!(inserts("", "/ip firewall nat add chain=src"), "nat ");
        assert_eq!(inserts("", "/ip firewall filter add protocol=ic"), "mp");
        assert_eq!(
            inserts("", "/ip firewall filter add src-address-list=bl"),
            "ocked "
        );
        // Open syntaxes have nothing to offer.
        assert_eq!(
            tab("", "/ip address add address=1"),
            (String::new(), Vec::new())
        );
    }

    #[test]
    fn items_complete_by_name_where_a_command_takes_them() {
        assert_eq!(
            tab("", "/interface set eth"),
            (String::from("er"), strings(&["ether1", "ether2"]))
        );
        assert_eq!(inserts("", "/interface disable ether1"), " ");
        // Once the item is there, the rest are properties.
        assert_eq!(
            tab("", "/interface set ether1 eth"),
            (String::new(), Vec::new())
        );
        // `get ITEM` is followed by a property name.
        assert_eq!(inserts("", "/interface get ether1 mt"), "u ");
        assert_eq!(inserts("", "/system identity get na"), "me ");
        assert_eq!(inserts("", "/interface get ether1 value-name=mt"), "u ");
    }

    #[test]
    fn print_and_export_modifiers() {
        assert_eq!(inserts("", "/ip address print det"), "ail ");
        assert_eq!(inserts("", "/ip address print count"), "-only ");
        assert_eq!(inserts("", "/export verb"), "ose ");
        assert_eq!(inserts("", "/ip address export fi"), "le=");
        assert_eq!(inserts("", "/system resource print with"), "out-paging ");
    }

    #[test]
    fn where_expressions_complete_properties_and_their_values() {
        assert_eq!(inserts("", "/ip address print where interf"), "ace");
        assert_eq!(
            inserts("", "/ip address print where interface=ether1 and dis"),
            "abled"
        );
        assert_eq!(
            tab("", "/ip address print where interface=eth").1,
            strings(&["ether1", "ether2"])
        );
        assert_eq!(inserts("", "/interface print where name!=ether"), "");
        assert_eq!(
            tab("", "/interface print where name!=ether").1,
            strings(&["ether1", "ether2"])
        );
    }

    #[test]
    fn substitutions_and_blocks_complete_their_own_commands() {
        // `[ ... ]` runs in the menu of the command around it.
        assert_eq!(
            tab("", "/ip address set [find interface=eth").1,
            strings(&["ether1", "ether2"])
        );
        assert_eq!(inserts("", "/interface set [ fi"), "nd ");
        // After a closed substitution, the command around it goes on.
        assert_eq!(inserts("", "/ip address set [find] comm"), "ent=");
        assert_eq!(inserts("", ":if (true) do={/ip addr"), "ess ");
        assert_eq!(inserts("", "/ip address print; /ip rou"), "te ");
        assert_eq!(inserts("", "/ip address print\n/sys"), "tem ");
        // A line continued with `\` is one command.
        assert_eq!(inserts("", "/ip address add \\\ninter"), "face=");
        assert_eq!(inserts("", "/interface set \\\neth"), "er");
        assert_eq!(inserts("", "/interface set et\\\n    her1 mt"), "u=");
        assert_eq!(inserts("", "/interface set et\\\n    her2"), " ");
        // Scripting commands.
        assert_eq!(inserts("", ":fore"), "ach ");
        assert_eq!(tab("", ":put ab"), (String::new(), Vec::new()));
    }

    #[test]
    fn quotes_and_expressions_complete_nothing() {
        assert!(in_quotes("add comment=\"abc"));
        assert!(!in_quotes("add comment=\"abc\" "));
        assert!(in_quotes("add comment=\"a\\\"b"));
        assert!(!in_quotes("add comment=\"a\\\\\""));
        assert_eq!(
            tab("", "/ip address add comment=\"inter"),
            (String::new(), Vec::new())
        );
        assert_eq!(tab("", ":if (tr"), (String::new(), Vec::new()));
        assert_eq!(tab("", "$ab"), (String::new(), Vec::new()));
    }

    #[test]
    fn columns_fill_the_screen_row_by_row() {
        let words = strings(&["dhcp-client", "dhcp-server", "dns"]);
        assert_eq!(columns(&words, 80), ["dhcp-client  dhcp-server  dns"]);
        assert_eq!(columns(&words, 28), ["dhcp-client  dhcp-server", "dns"]);
        // A word wider than the screen still gets a line of its own.
        assert_eq!(columns(&words, 3), ["dhcp-client", "dhcp-server", "dns"]);
        assert!(columns(&[], 80).is_empty());
    }

    fn help_text(current: &str, text: &str) -> String {
        help(&config(), current, text).join("\n")
    }

    #[test]
    fn help_at_a_menu_lists_its_menus_and_commands() {
        let root = help_text("", "");
        assert!(
            root.starts_with("Change to a menu or run a command\n\n"),
            "{root}"
        );
        assert!(
            root.contains("\nip/ -- IP settings and services\n"),
            "{root}"
        );
        assert!(
            root.contains("\nexport -- Print or save an export script"),
            "{root}"
        );
        assert!(!root.contains(".. --"), "{root}");
        let ip = help_text("", "/ip ");
        assert!(
            ip.starts_with("IP settings and services\n\n.. -- go up to root\n"),
            "{ip}"
        );
        assert!(ip.contains("\naddress/ -- IP address management\n"), "{ip}");
        assert_eq!(help_text("ip", ""), ip);
        let filter = help_text("", "/ip/firewall/filter/");
        assert!(filter.contains(".. -- go up to ip/firewall"), "{filter}");
        assert!(
            filter.contains("\nmove -- Move items before another item"),
            "{filter}"
        );
        // A word that names one menu or command: its help; an ambiguous one: the matching entries.
        assert_eq!(help_text("", "/ip address"), help_text("", "/ip address "));
        assert_eq!(help_text("", "/ip ad"), help_text("", "/ip address "));
        let d = help_text("", "/ip d");
        assert_eq!(
            d,
            "IP settings and services\n\ndhcp-client/ -- DHCP clients\n\
             dhcp-server/ -- DHCP servers\ndns/ -- DNS client and cache"
        );
        assert!(help_text("", "/ip zz").contains("address/ --"));
        assert!(help_text("", ":").contains(":foreach -- "));
    }

    #[test]
    fn help_after_a_command_lists_its_arguments() {
        let add = help_text("", "/ip address add ");
        assert_eq!(
            add,
            "Create a new item\n\n\
             address -- A.B.C.D/M (address and prefix length)\n\
             comment -- text (in quotes when it holds blanks)\n\
             copy-from -- item whose values the new one starts from\n\
             disabled -- yes | no\n\
             interface -- name of an item of /interface\n\
             network -- A.B.C.D"
        );
        let set = help_text("", "/interface set ");
        assert!(set.contains("\nnumbers -- items: "), "{set}");
        assert!(set.contains("\nmtu -- integer 68..9000"), "{set}");
        let filter = help_text("", "/ip firewall filter add ");
        assert!(
            filter.contains("\nin-interface -- [!]name of an item of /interface\n"),
            "{filter}"
        );
        assert!(
            filter.contains("\naction -- accept | add-dst-to-address-list"),
            "{filter}"
        );
        let print = help_text("", "/ip address print ");
        assert!(
            print.contains("\ndetail -- print every property of every item"),
            "{print}"
        );
        // A partial argument name shows the arguments it starts.
        assert_eq!(
            help_text("", "/ip address add co"),
            "Create a new item\n\n\
             comment -- text (in quotes when it holds blanks)\n\
             copy-from -- item whose values the new one starts from"
        );
    }

    #[test]
    fn help_after_name_equals_shows_the_value_syntax_and_choices() {
        assert_eq!(
            help_text("", "/ip address add interface="),
            "interface ::= name of an item of /interface\n  ether1  ether2"
        );
        assert_eq!(
            help_text("", "/ip address add disabled="),
            "disabled ::= yes | no"
        );
        assert_eq!(
            help_text("", "/ip address add address=10.0"),
            "address ::= A.B.C.D/M (address and prefix length)"
        );
        let action = help_text("", "/ip firewall nat add action=");
        assert!(
            action.starts_with("action ::= one of\n  accept "),
            "{action}"
        );
        assert!(action.contains(" masquerade "), "{action}");
        // The argument name alone, without `=`, shows the same.
        assert_eq!(
            help_text("", "/ip address add disabled"),
            "disabled ::= yes | no"
        );
        assert_eq!(
            help_text("", "/ip address print where interface="),
            "interface ::= name of an item of /interface\n  ether1  ether2"
        );
        assert_eq!(help_text("", "/ip address add zz="), "");
    }

    #[test]
    fn help_where_completion_cannot_go() {
        assert_eq!(help_text("", "/nonsense "), "");
        assert_eq!(help_text("", ":if ("), "");
    }

    #[test]
    fn protocol_names_are_the_ones_rules_accept() {
        for name in PROTOCOLS {
            assert!(
                netstack::firewall::protocol_number(name).is_some(),
                "{name}"
            );
        }
    }

    #[test]
    fn every_menu_and_command_has_a_description() {
        let mut paths = alloc::vec![String::new()];
        let mut at = 0;
        while let Some(path) = paths.get(at).cloned() {
            assert!(!lookup(MENU_HELP, &path).is_empty(), "menu {path:?}");
            for command in commands_at(&path) {
                assert!(
                    !lookup(COMMAND_HELP, command).is_empty(),
                    "{path} {command}"
                );
            }
            for child in menus::children(&path) {
                paths.push(join(&path, child));
            }
            at += 1;
        }
    }

    /// Text that looks like console input: CLI words, quotes, brackets, escapes, separators.
    fn console_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("/ip"),
            Just("/ip/firewall/"),
            Just(" address"),
            Just(" add"),
            Just(" set"),
            Just(" print"),
            Just(" where"),
            Just(" interface="),
            Just("chain="),
            Just("ether"),
            Just("!"),
            Just(","),
            Just("="),
            Just(" "),
            Just("\""),
            Just("\\"),
            Just("["),
            Just("]"),
            Just("{"),
            Just("}"),
            Just("("),
            Just(")"),
            Just(";"),
            Just("\n"),
            Just(".."),
            Just(":"),
            Just("$"),
            Just("?"),
            Just("é"),
        ];
        prop_oneof![
            proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat()),
            any::<String>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn any_text_at_any_cursor_is_answered_without_panicking(
            text in console_text(),
            cursor in 0usize..200,
            current in prop_oneof![Just(""), Just("ip"), Just("ip/firewall/filter"), Just("nonsense")],
        ) {
            let config = config();
            let mut cut = cursor.min(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let before = &text[..cut];
            let completion = complete(&config, current, before);
            prop_assert!(completion.candidates.len() <= MAX_CANDIDATES);
            // Tab on an ambiguous word goes as far as the candidates agree: a second Tab adds nothing and
            // offers the same candidates.
            if completion.candidates.len() > 1 {
                let again = complete(&config, current, &format!("{before}{}", completion.insert));
                prop_assert_eq!(again.insert, "");
                prop_assert_eq!(again.candidates, completion.candidates);
            }
            let _ = help(&config, current, before);
            let _ = in_quotes(before);
        }
    }
}
