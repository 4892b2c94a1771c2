//! RouterOS safe mode on the console: changes made while it is taken are undone if the session ends
//! without releasing it.
//!
//! What RouterOS does (manual, "Command Line Interface", Safe Mode), and what this does alike:
//! * Ctrl-X (or F4) takes safe mode: `[Safe Mode taken]`, and the prompt ends in `<SAFE>` instead of
//!   `>` (`[admin@MikroTik] /ip/route<SAFE> `, at the root `[admin@MikroTik] <SAFE> `). Ctrl-X again
//!   releases it keeping the changes: `[Safe Mode released]`.
//! * Ctrl-D on an empty line leaves undoing every change made since safe mode was taken; `/quit`
//!   leaves keeping them. A session cut off (RouterOS: its TCP connection timed out) undoes them too:
//!   the console asks [`SystemControl::console_gone`] while safe mode is taken.
//! * RouterOS's history holds up to 100 actions; once safe mode holds more, it is released and nothing
//!   is undone. Here likewise: the change after [`MAX_CHANGES`] releases it, with
//!   [`TOO_MANY_CHANGES`] (RouterOS's exact words for this are not documented).
//! * Safe mode does not cover what needs a restart (`/system reset-configuration`): the console releases
//!   it first.
//! * `/undo` and `/redo` work inside safe mode; undoing it forgets the undo entries of its changes, as
//!   RouterOS drops the floating-undo actions it undid.
//!
//! Safe mode keeps the configuration from when it was taken and goes back to it whole: changes,
//! `/undo`s and `/redo`s in between all count as what is undone. Going back, and releasing, go through
//! [`SystemControl::apply`] like every change, so the running engine follows. While safe mode is taken
//! the system does not store configurations ([`SystemControl::safe_mode`]); the stored one stays the
//! one from before, so a restart in safe mode — a reboot, a power cut — comes back without its changes,
//! as a session that ends abnormally. Releasing applies the configuration again, which stores it.
//!
//! Guarantees: at most one configuration is kept besides the running one; nothing is undone unless the
//! user pressed Ctrl-D or the system said the console is gone; if the system refuses to go back (or to
//! store on release), safe mode stays taken and the configuration stays as it was.

use alloc::string::String;

use crate::cli::UndoLog;
use crate::model::Config;
use crate::shell::SystemControl;

/// Most changes safe mode holds; one more releases it, keeping them all. RouterOS: "history keeps
/// up to 100 most recent actions".
pub const MAX_CHANGES: u64 = 100;

/// Printed when Ctrl-X takes safe mode.
pub const TAKEN: &str = "[Safe Mode taken]";
/// Printed when Ctrl-X (or a command that safe mode does not cover) releases it.
pub const RELEASED: &str = "[Safe Mode released]";
/// Printed when safe mode is released because it holds too many changes.
pub const TOO_MANY_CHANGES: &str = "[Safe Mode released: more than 100 changes, they stay]";
/// Printed when safe mode's changes were undone (Ctrl-D, the console gone).
pub const UNDONE: &str = "[Safe Mode released: its changes were undone]";

/// A console session's safe mode: taken or not, and what going back needs.
#[derive(Clone, Debug, Default)]
pub struct SafeMode {
    taken: Option<Taken>,
}

/// What taking safe mode noted.
#[derive(Clone, Debug)]
struct Taken {
    /// The configuration when safe mode was taken.
    before: Config,
    /// The undo log's number of the first change made in safe mode.
    first_change: u64,
    /// Undoing after [`SystemControl::console_gone`] failed; not tried again on its own.
    hang_up_failed: bool,
}

impl SafeMode {
    /// Whether safe mode is taken (the prompt says `<SAFE>`).
    pub fn is_taken(&self) -> bool {
        self.taken.is_some()
    }

    /// How many changes safe mode holds (0 when not taken).
    pub fn changes(&self, undo: &UndoLog) -> u64 {
        self.taken.as_ref().map_or(0, |taken| {
            undo.recorded().saturating_sub(taken.first_change)
        })
    }

    /// Ctrl-X: takes safe mode, or releases it keeping the changes. Returns the line to print.
    pub fn toggle(
        &mut self,
        config: &Config,
        undo: &UndoLog,
        system: &mut dyn SystemControl,
    ) -> String {
        if self.is_taken() {
            return self.release(config, system).unwrap_or_default();
        }
        system.safe_mode(true);
        self.taken = Some(Taken {
            before: config.clone(),
            first_change: undo.recorded(),
            hang_up_failed: false,
        });
        String::from(TAKEN)
    }

    /// Ends safe mode keeping its changes (Ctrl-X, `/quit`, a command safe mode does not cover): the
    /// configuration is applied again, so the system stores it. Returns the line to print; `None` when
    /// safe mode was not taken.
    pub fn release(&mut self, config: &Config, system: &mut dyn SystemControl) -> Option<String> {
        self.taken.as_ref()?;
        system.safe_mode(false);
        if let Err(message) = system.apply(config) {
            system.safe_mode(true);
            return Some(message);
        }
        self.taken = None;
        Some(String::from(RELEASED))
    }

    /// Ends safe mode undoing its changes (Ctrl-D on an empty line): the configuration goes back to
    /// what it was when safe mode was taken, in the model and in the running system, and the undo log
    /// forgets those changes. Returns the line to print; `None` when safe mode was not taken.
    pub fn undo(
        &mut self,
        config: &mut Config,
        undo: &mut UndoLog,
        system: &mut dyn SystemControl,
    ) -> Option<String> {
        let taken = self.taken.as_ref()?;
        system.safe_mode(false);
        if let Err(message) = system.apply(&taken.before) {
            system.safe_mode(true);
            return Some(message);
        }
        undo.forget_since(taken.first_change);
        let taken = self.taken.take()?;
        *config = taken.before;
        Some(String::from(UNDONE))
    }

    /// The console is gone ([`SystemControl::console_gone`]): undoes safe mode's changes, once — if the
    /// system refuses, the next call does nothing until the user ends safe mode. Returns the line to
    /// print; `None` when there was nothing to do.
    pub fn hang_up(
        &mut self,
        config: &mut Config,
        undo: &mut UndoLog,
        system: &mut dyn SystemControl,
    ) -> Option<String> {
        if self.taken.as_ref()?.hang_up_failed {
            return None;
        }
        let line = self.undo(config, undo, system);
        if let Some(taken) = self.taken.as_mut() {
            taken.hang_up_failed = true;
        }
        line
    }

    /// After a command line: releases safe mode, keeping everything, once it holds more than
    /// [`MAX_CHANGES`] changes. Returns the line to print.
    pub fn check_size(
        &mut self,
        config: &Config,
        undo: &UndoLog,
        system: &mut dyn SystemControl,
    ) -> Option<String> {
        if self.changes(undo) <= MAX_CHANGES {
            return None;
        }
        self.release(config, system)
            .map(|line| match line.as_str() {
                RELEASED => String::from(TOO_MANY_CHANGES),
                _ => line,
            })
    }
}

#[cfg(test)]
mod tests;
