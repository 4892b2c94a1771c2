//! The RouterOS command interpreter: runs parsed scripts ([`crate::script`]) against the object model
//! ([`crate::model`]) and the running system ([`SystemControl`]).
//!
//! A console line or an imported file is parsed whole, then run command by command. Each command's words
//! are resolved against the menu tree: path words (absolute `/ip/address`, relative `firewall filter`,
//! `..`, unambiguous abbreviations such as `/ip ad pr`) move through menus, the first word that names a
//! command of the menu reached is the command, the rest are its arguments. A path alone enters that menu
//! (the prompt follows). Commands that change the configuration work on the live [`Config`]; after each
//! one the interpreter asks the system to apply it, and on refusal restores the copy it took before the
//! command, so a failed command changes nothing ([`run`] in `batch` mode applies once at the end instead,
//! for imports). Every committed command is recorded for `/undo` and `/redo`.
//!
//! Guarantees: total on every input (errors are printed RouterOS style, never panics); nested
//! substitutions and blocks are bounded by [`MAX_DEPTH`]; loops by [`MAX_STEPS`].

pub mod call;
mod clock;
mod commands;
pub mod complete;
mod connections;
mod counters;
mod dhcp_client;
mod dhcp_server;
mod dry_run;
mod eval;
mod export;
mod files;
mod follow;
mod items;
pub mod live;
mod log;
mod monitor_traffic;
mod package;
mod ping;
mod print;
mod resolve;
mod schedule;
mod script_run;
mod tools;
mod traceroute;
pub mod undo;
pub mod val;

#[cfg(test)]
mod tests;

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

use crate::model::Config;
use crate::script::{self, Pos, Script};
use crate::shell::SystemControl;

pub use items::Row;
pub use live::Live;
pub use undo::UndoLog;
pub use val::Val;

/// Deepest nesting of `[...]` substitutions and `{...}` blocks at run time.
pub const MAX_DEPTH: u32 = 16;
/// Most commands one script run may execute (loops included).
pub const MAX_STEPS: u32 = 1_000_000;

/// Why a command failed. Shown as RouterOS shows it: the message, with `(line L column C)` for errors
/// about the command's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CliError {
    pub message: String,
    pub pos: Option<Pos>,
    /// The changes made before the error stay (an import stops at its first error but keeps the
    /// lines before it, as RouterOS does).
    pub keep_changes: bool,
}

impl CliError {
    pub fn at(message: impl Into<String>, pos: Pos) -> Self {
        CliError {
            message: message.into(),
            pos: Some(pos),
            keep_changes: false,
        }
    }

    pub fn plain(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            pos: None,
            keep_changes: false,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(pos) => write!(
                f,
                "{} (line {} column {})",
                self.message, pos.line, pos.column
            ),
            None => f.write_str(&self.message),
        }
    }
}

impl From<crate::model::ModelError> for CliError {
    fn from(e: crate::model::ModelError) -> Self {
        CliError::plain(format!("{e}"))
    }
}

/// Something the console must do with the user after the command: confirm it before it happens, or
/// (`Quit`, `ChangePassword`) leave the command line for the login or the `/password` dialog
/// ([`crate::login`]), which ask no `[y/N]` question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingAction {
    Reboot,
    Shutdown,
    /// `/system reset-configuration`: `no_defaults` (`no-defaults=yes`) leaves an empty configuration;
    /// `keep_users` (`keep-users=yes`) keeps `/user` (names, groups and passwords) as it was.
    ResetConfiguration {
        no_defaults: bool,
        keep_users: bool,
    },
    /// `/quit`: end the session, back to the login prompt.
    Quit,
    /// `/password` without arguments: ask for the old and new passwords without echoing them.
    ChangePassword,
}

impl PendingAction {
    /// The question RouterOS asks.
    pub fn question(self) -> &'static str {
        match self {
            Self::Reboot => "Reboot, yes? [y/N]: ",
            Self::Shutdown => "Shutdown, yes? [y/N]: ",
            Self::ResetConfiguration { .. } => "Dangerous! Reset anyway? [y/N]: ",
            Self::Quit | Self::ChangePassword => "",
        }
    }

    /// What RouterOS prints once the user said yes.
    pub fn announcement(self) -> &'static str {
        match self {
            Self::Reboot => "system will reboot shortly",
            Self::Shutdown => "system will shutdown shortly",
            Self::ResetConfiguration { .. } => "system configuration will be reset",
            Self::Quit | Self::ChangePassword => "",
        }
    }
}

/// A console session's state: where the user is, the numbering of the last `print` of each menu, global
/// variables, the undo log, and who is logged in.
#[derive(Clone, Debug, Default)]
pub struct Session {
    /// The current menu, `ip/firewall/filter`; empty at the root.
    pub path: String,
    /// Menu path → the item IDs the last `print` numbered 0, 1, 2, …
    numbers: BTreeMap<&'static str, Vec<u32>>,
    globals: BTreeMap<String, Val>,
    pub undo: UndoLog,
    /// Who logged in (`/password` changes this user's password); empty for scripts run without a
    /// login (the boot script, the build-time check).
    pub user: String,
}

impl Session {
    pub fn new() -> Self {
        Session::default()
    }

    /// `/ip/firewall/filter` for the prompt (empty at the root).
    pub fn prompt_path(&self) -> String {
        if self.path.is_empty() {
            String::new()
        } else {
            format!("/{}", self.path)
        }
    }
}

/// How a script runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Console: every changing command is applied and committed on its own.
    Interactive,
    /// Import / baked config: changes are applied once at the end; the first error stops the script.
    Batch,
    /// Import with `dry-run`: nothing is applied or committed, and the running system is not
    /// changed (`cli::dry_run`).
    DryRun,
}

/// The result of running a script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunResult {
    /// The value of the last command (what `[ ... ]` would give).
    pub value: Val,
    /// An action to confirm with the user (console only).
    pub pending: Option<PendingAction>,
    /// A live view the console runs next (`print interval=`, `/log print follow`); the rest of the
    /// line did not run.
    pub live: Option<Live>,
    /// The first error, already printed.
    pub error: Option<CliError>,
}

/// Everything a running command can reach.
pub(crate) struct Env<'a> {
    pub config: &'a mut Config,
    pub system: &'a mut dyn SystemControl,
    pub out: &'a mut dyn Write,
    pub session: &'a mut Session,
    pub mode: Mode,
    /// Local variable scopes, innermost last.
    pub locals: Vec<BTreeMap<String, Val>>,
    pub depth: u32,
    pub steps: u32,
    pub pending: Option<PendingAction>,
    /// Set by `/undo` and `/redo`, which must not be recorded as changes themselves.
    pub undoing: bool,
    /// Set when the console runs the command again for its live view ([`live`]).
    pub live_step: Option<live::Step>,
    /// A live view the command asks for ([`Env::may_go_live`]).
    pub live_request: Option<live::Request>,
    /// The live view made of that request: the line stops there.
    pub live: Option<Live>,
    /// Run for an API ([`call`]): nobody watches a live view, so the commands that would open one
    /// (`/ping`, `/tool traceroute`) run to the end as in a script.
    pub api: bool,
    /// What a tool run for an API found, one property list per row (`/ping`'s replies), for the API
    /// to return as objects.
    pub records: Vec<Record>,
}

/// One row of a tool's results as properties (`seq`, `host`, `time`, ...).
pub type Record = Vec<(&'static str, String)>;

impl<'a> Env<'a> {
    /// A command environment at the top level: one empty local scope, nothing pending, no live view.
    pub(crate) fn new(
        config: &'a mut Config,
        system: &'a mut dyn SystemControl,
        out: &'a mut dyn Write,
        session: &'a mut Session,
        mode: Mode,
    ) -> Self {
        Env {
            config,
            system,
            out,
            session,
            mode,
            locals: alloc::vec![BTreeMap::new()],
            depth: 0,
            steps: 0,
            pending: None,
            undoing: false,
            live_step: None,
            live_request: None,
            live: None,
            api: false,
            records: Vec::new(),
        }
    }
}

/// Parses and runs `source` (a console line or a whole file). Errors are printed to `out` as RouterOS
/// prints them and returned in [`RunResult::error`]; a syntax error runs nothing.
pub fn run(
    source: &str,
    mode: Mode,
    config: &mut Config,
    session: &mut Session,
    system: &mut dyn SystemControl,
    out: &mut dyn Write,
) -> RunResult {
    let script = match script::parse(source) {
        Ok(script) => script,
        Err(e) => {
            let error = CliError::at(kind_message(&e), e.pos);
            let _ = write!(out, "{error}\r\n");
            return RunResult {
                error: Some(error),
                ..RunResult::default()
            };
        }
    };
    let before = (mode != Mode::Interactive).then(|| config.clone());
    // A dry run reaches the system only through `DryRunSystem`, which changes nothing.
    let mut dry;
    let system: &mut dyn SystemControl = if mode == Mode::DryRun {
        dry = dry_run::DryRunSystem::new(system);
        &mut dry
    } else {
        system
    };
    let mut env = Env::new(config, system, out, session, mode);
    let outcome = env.run_script(&script);
    let mut result = RunResult {
        pending: env.pending,
        live: env.live.take(),
        ..RunResult::default()
    };
    match outcome {
        Ok(value) => result.value = value,
        Err(error) => {
            let _ = write!(env.out, "{error}\r\n");
            result.error = Some(error);
        }
    }
    if let Some(before) = before {
        let changed = *env.config != before;
        if mode == Mode::DryRun {
            *env.config = before;
        } else if changed {
            if let Err(message) = env.system.apply(env.config) {
                let error = CliError::plain(message);
                let _ = write!(env.out, "{error}\r\n");
                *env.config = before.clone();
                result.error.get_or_insert(error);
            } else {
                env.session.undo.record(before);
            }
        }
    }
    result
}

fn kind_message(e: &script::SyntaxError) -> &'static str {
    match e.kind {
        script::SyntaxErrorKind::UnterminatedString => "syntax error",
        script::SyntaxErrorKind::UnbalancedBracket => "syntax error",
        script::SyntaxErrorKind::TooDeep => "syntax error (too deep)",
        script::SyntaxErrorKind::TooLong => "syntax error (too long)",
        script::SyntaxErrorKind::SyntaxError => "syntax error",
    }
}

impl Env<'_> {
    /// Runs every command of `script`; the value of the last one is the script's value.
    pub fn run_script(&mut self, script: &Script) -> Result<Val, CliError> {
        let mut last = Val::Nothing;
        for command in &script.commands {
            self.steps = self.steps.saturating_add(1);
            if self.steps > MAX_STEPS {
                return Err(CliError::plain("script runs too long"));
            }
            last = match self.run_command(command) {
                Ok(value) => value,
                // A script's errors say which line failed (the console's do not need to).
                Err(mut e) if self.mode != Mode::Interactive && e.pos.is_none() => {
                    e.pos = Some(command.pos);
                    return Err(e);
                }
                Err(e) => return Err(e),
            };
            // A live view has the console until the user ends it, and that ends the line.
            if self.live.is_some() {
                break;
            }
        }
        Ok(last)
    }

    /// Runs one command; in interactive mode a changing command is applied (or rolled back) here.
    fn run_command(&mut self, command: &script::Command) -> Result<Val, CliError> {
        if self.mode != Mode::Interactive || self.depth > 0 {
            return self.dispatch(command);
        }
        let before = self.config.clone();
        self.undoing = false;
        let outcome = self.dispatch(command);
        if let Some(request) = self.live_request.take()
            && outcome.is_ok()
        {
            self.live = Some(Live::new(
                request,
                command.clone(),
                self.session.path.clone(),
            ));
        }
        if let Err(e) = &outcome
            && !e.keep_changes
        {
            *self.config = before;
            return outcome;
        }
        // `/undo` and `/redo` apply and keep their own history.
        if *self.config != before && !self.undoing {
            if let Err(message) = self.system.apply(self.config) {
                *self.config = before;
                return Err(CliError::plain(message));
            }
            self.session.undo.record(before);
        }
        outcome
    }

    /// Looks a variable up, innermost scope first.
    pub fn variable(&self, name: &str) -> Option<&Val> {
        self.locals
            .iter()
            .rev()
            .find_map(|scope| scope.get(name))
            .or_else(|| self.session.globals.get(name))
    }

    /// Runs a nested script (`[ ... ]`, `{ ... }`) one level deeper.
    pub fn nested(&mut self, script: &Script) -> Result<Val, CliError> {
        if self.depth >= MAX_DEPTH {
            return Err(CliError::plain("script nesting too deep"));
        }
        self.depth += 1;
        let saved = self.session.path.clone();
        let result = self.run_script(script);
        self.session.path = saved;
        self.depth -= 1;
        result
    }

    /// Runs `f` with what it prints going to a string instead of the console (`print file=`);
    /// returns its result and the text.
    pub(crate) fn captured<T>(&mut self, f: impl FnOnce(&mut Env<'_>) -> T) -> (T, String) {
        let mut text = String::new();
        let mut inner = Env {
            locals: core::mem::take(&mut self.locals),
            depth: self.depth,
            steps: self.steps,
            live_step: self.live_step.take(),
            api: self.api,
            ..Env::new(
                &mut *self.config,
                &mut *self.system,
                &mut text,
                &mut *self.session,
                self.mode,
            )
        };
        let result = f(&mut inner);
        self.locals = core::mem::take(&mut inner.locals);
        self.steps = inner.steps;
        self.live_step = inner.live_step.take();
        drop(inner);
        (result, text)
    }
}
