//! The history of committed changes, for `/undo`, `/redo` and safe mode: each entry keeps the
//! configuration as it was before a command, so undoing restores it whole, and the state it replaced
//! goes on the redo stack. A new change clears the redo stack, as in RouterOS. At most
//! [`UndoLog::CAPACITY`] entries are kept; the oldest are forgotten first.
//!
//! Every recorded change is numbered in order ([`UndoLog::recorded`] is the number the next one gets),
//! and an entry keeps its change's number through undo and redo. Safe mode ([`crate::safe_mode`]) notes
//! the number when it is taken: the difference is how many changes it holds, and when it unrolls them it
//! forgets their entries ([`UndoLog::forget_since`]), as RouterOS drops the floating-undo actions it undid.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::model::Config;

#[derive(Clone, Debug, Default)]
pub struct UndoLog {
    /// (change number, configuration before that change), oldest first.
    undo: VecDeque<(u64, Config)>,
    /// (change number, configuration after that change), the next to redo last.
    redo: Vec<(u64, Config)>,
    /// How many changes were ever recorded: the number of the next one.
    recorded: u64,
}

impl UndoLog {
    pub const CAPACITY: usize = 32;

    /// Records that a command changed the configuration from `before`.
    pub fn record(&mut self, before: Config) {
        if self.undo.len() >= Self::CAPACITY {
            self.undo.pop_front();
        }
        self.undo.push_back((self.recorded, before));
        self.recorded = self.recorded.saturating_add(1);
        self.redo.clear();
    }

    /// Restores the configuration before the last change; false when there is none.
    pub fn undo(&mut self, config: &mut Config) -> bool {
        let Some((number, before)) = self.undo.pop_back() else {
            return false;
        };
        let now = core::mem::replace(config, before);
        self.redo.push((number, now));
        true
    }

    /// Re-applies the last undone change; false when there is none.
    pub fn redo(&mut self, config: &mut Config) -> bool {
        let Some((number, after)) = self.redo.pop() else {
            return false;
        };
        let now = core::mem::replace(config, after);
        self.undo.push_back((number, now));
        true
    }

    /// How many changes were recorded so far (undo and redo do not count).
    pub fn recorded(&self) -> u64 {
        self.recorded
    }

    /// Forgets the changes numbered `first` and later (the configuration went back to before them),
    /// and everything there was to redo.
    pub fn forget_since(&mut self, first: u64) {
        self.undo.retain(|(number, _)| *number < first);
        self.redo.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Change, menus};
    use alloc::string::String;

    fn identity(name: &str) -> Config {
        let mut config = Config::new();
        let menu = menus::menu("system/identity").unwrap();
        let change = Change::Set(menu.prop("name").unwrap(), String::from(name));
        config.set(menu, 0, &[change]).unwrap();
        config
    }

    #[test]
    fn changes_keep_their_numbers_through_undo_and_redo() {
        let mut log = UndoLog::default();
        let mut config = identity("a");
        for name in ["b", "c", "d"] {
            log.record(core::mem::replace(&mut config, identity(name)));
        }
        assert_eq!(log.recorded(), 3);
        assert!(log.undo(&mut config) && log.redo(&mut config));
        assert_eq!(log.recorded(), 3);
        // Forgetting changes 1 and 2 leaves change 0 to undo, back to `a`, and nothing to redo.
        log.forget_since(1);
        assert!(!log.redo(&mut config));
        assert!(log.undo(&mut config));
        assert_eq!(config, identity("a"));
        assert!(!log.undo(&mut config));
    }
}
