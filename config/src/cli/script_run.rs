//! `/system script run`: runs a stored script's `source` (RouterOS: `run NAME`, `run 0`,
//! `run [find name=X]`, `run number=X`).
//!
//! The script runs in the running configuration as a console command does — on the console its
//! changes are applied and stored when it ends, as one change `/undo` takes back — with a local
//! scope of its own (the caller's `:local`s are not seen; globals are shared) and from the root
//! menu. The first error stops it and is reported with its line and column in the script; the
//! changes made before it stay, as RouterOS keeps what a script's earlier commands did. A script
//! that runs scripts (itself included) nests one level deeper each time, bounded by
//! [`super::MAX_DEPTH`] (`script nesting too deep`), and every command counts towards
//! [`super::MAX_STEPS`]. Each run counts in the script's `run-count` and `last-started`
//! ([`crate::scheduler::Runs`]).

use alloc::collections::BTreeMap;
use alloc::string::String;

use super::eval::Args;
use super::val::Val;
use super::{CliError, Env, MAX_DEPTH, MAX_STEPS};
use crate::model::menus;
use crate::script;

impl Env<'_> {
    pub(super) fn script_run(&mut self, mut args: Args) -> Result<Val, CliError> {
        let menu =
            menus::menu("system/script").ok_or_else(|| CliError::plain("bad command name"))?;
        // `number=` is the argument's name in RouterOS; the menus' item argument is `numbers`.
        if let Some(number) = args.take("number") {
            args.named
                .push((String::from("numbers"), number, script::Pos::new(1, 1)));
        }
        let ids = self.targets(menu, &mut args)?;
        args.leftover()?;
        let id = *ids.first().ok_or_else(|| CliError::plain("no such item"))?;
        let source = self
            .config
            .item(menu, id)
            .ok_or_else(|| CliError::plain("no such item"))?
            .get("source")
            .map(String::from)
            .unwrap_or_default();
        if self.depth >= MAX_DEPTH {
            return Err(CliError::plain("script nesting too deep"));
        }
        let now = self.system.clock_seconds();
        if let Some(runs) = self.system.runs() {
            runs.script_started(id, now);
        }
        let parsed = script::parse(&source).map_err(|e| CliError {
            keep_changes: true,
            ..CliError::at("syntax error", e.pos)
        })?;
        let saved_locals = core::mem::replace(&mut self.locals, alloc::vec![BTreeMap::new()]);
        let saved_path = core::mem::take(&mut self.session.path);
        self.depth += 1;
        let result = self.run_source(&parsed);
        self.depth -= 1;
        self.session.path = saved_path;
        self.locals = saved_locals;
        result.map_err(|e| CliError {
            keep_changes: true,
            ..e
        })
    }

    /// The commands of a script, each error located at its command when it says nothing more precise.
    fn run_source(&mut self, parsed: &script::Script) -> Result<Val, CliError> {
        let mut last = Val::Nothing;
        for command in &parsed.commands {
            self.steps = self.steps.saturating_add(1);
            if self.steps > MAX_STEPS {
                return Err(CliError::plain("script runs too long"));
            }
            last = self.dispatch(command).map_err(|mut e| {
                e.pos.get_or_insert(command.pos);
                e
            })?;
        }
        Ok(last)
    }
}

#[cfg(test)]
mod tests;
