//! Commands given as parts instead of text, for front ends that are not a console (the REST API,
//! [`crate::rest`]): a menu path, a command name and `name=value` arguments, each taken literally —
//! nothing in them is parsed as script syntax, so no value can smuggle a variable, a `[...]`
//! substitution or a second command in. The command runs exactly as the same line typed on the console
//! would (one apply per changing command, rolled back when the system refuses it), so every menu the
//! CLI has is reachable this way without code of its own.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use super::items::Row;
use super::resolve::commands_at;
use super::{CliError, Env, Mode, PendingAction, Session, Val};
use crate::model::Config;
use crate::model::schema::MenuDef;
use crate::script::{Command, Part, Pos, Value, Word, WordKind};
use crate::shell::SystemControl;

/// One command: `path` (`ip/address`, empty at the root), `command` (`add`), then the arguments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Call {
    pub path: String,
    pub command: String,
    /// Unnamed arguments, in order (`/ping 10.0.0.1`, `remove *3`).
    pub unnamed: Vec<String>,
    /// `name=value` arguments, in order.
    pub named: Vec<(String, String)>,
}

/// What a call gave back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallResult {
    /// The command's value (`add` gives the new item's `*ID`, `get` the value).
    pub value: Val,
    /// What it printed (`export`).
    pub printed: String,
    /// An action the caller must carry out after answering (`/system reboot`).
    pub pending: Option<PendingAction>,
    /// A tool's rows as properties (`/ping`'s replies).
    pub records: Vec<super::Record>,
}

/// The commands `path` offers (`add`, `print`, …; `ping` at the root).
pub fn commands(path: &str) -> Vec<&'static str> {
    commands_at(path)
}

/// Runs `call` against the live configuration as the console would run the same command.
pub fn call(
    call: &Call,
    config: &mut Config,
    session: &mut Session,
    system: &mut dyn SystemControl,
) -> Result<CallResult, CliError> {
    let pos = Pos::new(1, 1);
    let literal = |text: &str| Value::Parts(alloc::vec![Part::Literal(String::from(text))]);
    let mut words = alloc::vec![Word {
        kind: WordKind::Bare(if call.path.is_empty() {
            format!("/{}", call.command)
        } else {
            format!("/{}/{}", call.path, call.command)
        }),
        pos,
    }];
    words.extend(call.unnamed.iter().map(|value| Word {
        kind: WordKind::Value(literal(value)),
        pos,
    }));
    words.extend(call.named.iter().map(|(name, value)| Word {
        kind: WordKind::Arg {
            name: name.clone(),
            value: literal(value),
        },
        pos,
    }));
    let command = Command {
        words,
        pos,
        where_: None,
        text: String::new(),
    };
    let mut printed = String::new();
    let saved_path = core::mem::take(&mut session.path);
    let mut env = Env {
        api: true,
        ..Env::new(config, system, &mut printed, session, Mode::Interactive)
    };
    let outcome = env.run_command(&command);
    let pending = env.pending.take();
    let records = core::mem::take(&mut env.records);
    env.session.path = saved_path;
    let value = outcome?;
    Ok(CallResult {
        value,
        printed,
        pending,
        records,
    })
}

/// The rows of `menu` as `print` sees them: configured items, then the running system's.
pub fn rows(
    menu: &'static MenuDef,
    config: &mut Config,
    system: &mut dyn SystemControl,
) -> Vec<Row> {
    reading(config, system, |env| env.rows(menu))
}

/// The one row of a singleton menu, as `print` shows it (defaults before any `set`).
pub fn singleton_row(
    menu: &'static MenuDef,
    config: &mut Config,
    system: &mut dyn SystemControl,
) -> Row {
    reading(config, system, |env| env.singleton_row(menu))
}

/// The running connection table (`/ip firewall connection`) as rows, at most `max` of them (the
/// table may hold a million), read in pages.
pub fn connection_rows(
    menu: &'static MenuDef,
    config: &mut Config,
    system: &mut dyn SystemControl,
    max: usize,
) -> Vec<Row> {
    let mut rows = Vec::new();
    reading(config, system, |env| {
        let _ = env.each_connection(menu, None, &[], &[], &mut |row| {
            rows.push(row);
            rows.len() < max
        });
    });
    rows
}

/// `/log` as a menu: its entries are no configuration, so the menu is not in the object model.
pub fn log_menu() -> &'static MenuDef {
    &super::log::LOG
}

/// The log's entries as rows, oldest first.
pub fn log_rows(system: &dyn SystemControl) -> Vec<Row> {
    super::log::log_rows(system)
}

/// Runs `f` on an environment that prints nowhere and has a session of its own.
fn reading<T>(
    config: &mut Config,
    system: &mut dyn SystemControl,
    f: impl FnOnce(&mut Env<'_>) -> T,
) -> T {
    let mut session = Session::new();
    let mut sink = Discard;
    let mut env = Env {
        api: true,
        ..Env::new(config, system, &mut sink, &mut session, Mode::Interactive)
    };
    f(&mut env)
}

/// Output nobody reads.
struct Discard;

impl Write for Discard {
    fn write_str(&mut self, _: &str) -> core::fmt::Result {
        Ok(())
    }
}
