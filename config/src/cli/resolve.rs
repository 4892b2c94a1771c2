//! Resolving a command's leading words to a menu path and a command (routeros-reference.md §6): `/`
//! starts at the root, `..` goes up, words may be joined with `/` (`/ip/firewall/filter/add`) or separated
//! by spaces, and any word may be abbreviated while it stays unambiguous among the menus and commands
//! where it stands (`/ip ad pr`).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::CliError;
use crate::model::menus;
use crate::model::schema::MenuKind;
use crate::script::{Pos, Word, WordKind};

/// What a command's words resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The menu path the command runs in.
    pub path: String,
    /// The command word (full, not abbreviated); `None`: the words only named a path (enter it).
    pub command: Option<&'static str>,
    /// Index of the first argument word.
    pub args_from: usize,
}

/// The commands a node offers, besides its child menus.
pub fn commands_at(path: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    match (path, menus::menu(path)) {
        // The running connection table: nothing to add or set (routeros-reference.md §3).
        (super::connections::PATH, _) => {
            out.extend_from_slice(&["export", "find", "get", "print", "remove"])
        }
        // What the resolver cached: listed and flushed, nothing configured.
        ("ip/dns/cache", _) => out.extend_from_slice(&["find", "flush", "get", "print"]),
        // The installed packages: listed, and switched on and off (see `package`).
        (super::package::PATH, _) => {
            out.extend_from_slice(&["disable", "enable", "export", "find", "get", "print"])
        }
        (_, Some(menu)) => out.extend_from_slice(match menu.kind {
            MenuKind::List => &[
                "add", "comment", "disable", "enable", "export", "find", "get", "print", "remove",
                "set",
            ][..],
            // The firewall rule menus, whose rules count packets and bytes.
            MenuKind::Ordered => &[
                "add",
                "comment",
                "disable",
                "enable",
                "export",
                "find",
                "get",
                "move",
                "print",
                "remove",
                "reset-counters",
                "reset-counters-all",
                "set",
            ][..],
            MenuKind::Singleton => &["export", "get", "print", "set"][..],
            MenuKind::Fixed => &[
                "comment", "disable", "enable", "export", "find", "get", "print", "set",
            ][..],
        }),
        (_, None) => out.push("export"),
    }
    match path {
        "" => out.extend_from_slice(&["import", "password", "ping", "quit", "redo", "undo"]),
        "tool" => out.push("traceroute"),
        "system" => out.extend_from_slice(&["reboot", "reset-configuration", "shutdown"]),
        "system/resource" | "log" | "file" => out.push("print"),
        "ip/dhcp-server/lease" => out.push("make-static"),
        "ip/dhcp-client" => out.extend_from_slice(&["release", "renew"]),
        "system/script" => out.push("run"),
        // Interfaces count traffic (`/interface print stats`).
        "interface" => out.extend_from_slice(&["monitor-traffic", "reset-counters"]),
        "interface/ethernet" => out.push("reset-counters"),
        _ => {}
    }
    if path == "file" {
        out.push("remove");
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn join(path: &str, word: &str) -> String {
    if path.is_empty() {
        String::from(word)
    } else {
        format!("{path}/{word}")
    }
}

fn parent(path: &str) -> String {
    match path.rfind('/') {
        Some(at) => String::from(&path[..at]),
        None => String::new(),
    }
}

/// One step: `word` at `path` is a child menu or a command, exactly or as an unambiguous prefix.
enum Step {
    Menu(&'static str),
    Command(&'static str),
}

fn step(path: &str, word: &str, pos: Pos) -> Result<Step, CliError> {
    let children = menus::children(path);
    let commands = commands_at(path);
    if let Some(c) = commands.iter().find(|c| **c == word) {
        return Ok(Step::Command(c));
    }
    if let Some(m) = children.iter().find(|m| **m == word) {
        return Ok(Step::Menu(m));
    }
    let mut found = children
        .iter()
        .map(|m| Step::Menu(m))
        .chain(commands.iter().map(|c| Step::Command(c)))
        .filter(|s| match s {
            Step::Menu(m) => m.starts_with(word),
            Step::Command(c) => c.starts_with(word),
        });
    match (found.next(), found.next()) {
        (Some(only), None) if !word.is_empty() => Ok(only),
        _ => Err(CliError::at(format!("bad command name {word}"), pos)),
    }
}

/// Resolves the path and command of `words`, starting from `current`.
pub fn resolve(current: &str, words: &[Word]) -> Result<Resolved, CliError> {
    let mut path = String::from(current);
    for (index, word) in words.iter().enumerate() {
        let WordKind::Bare(text) = &word.kind else {
            // A value where a path or command was expected.
            return Err(CliError::at("expected command name", word.pos));
        };
        if text.starts_with('/') {
            path.clear();
        }
        let mut column = word.pos.column;
        let segments: Vec<&str> = text.split('/').collect();
        for (n, segment) in segments.iter().enumerate() {
            let pos = Pos {
                line: word.pos.line,
                column,
            };
            column = column.saturating_add(segment.chars().count() as u32 + 1);
            match *segment {
                "" => continue,
                ".." => path = parent(&path),
                _ => match step(&path, segment, pos)? {
                    Step::Menu(m) => path = join(&path, m),
                    Step::Command(c) => {
                        if segments[n + 1..].iter().any(|s| !s.is_empty()) {
                            return Err(CliError::at(
                                "expected end of command",
                                Pos {
                                    line: word.pos.line,
                                    column,
                                },
                            ));
                        }
                        return Ok(Resolved {
                            path,
                            command: Some(c),
                            args_from: index + 1,
                        });
                    }
                },
            }
        }
    }
    Ok(Resolved {
        path,
        command: None,
        args_from: words.len(),
    })
}
