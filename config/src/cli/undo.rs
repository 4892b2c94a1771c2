//! The history of committed changes, for `/undo` and `/redo` (and later safe mode): each entry keeps the
//! configuration as it was before a command, so undoing restores it whole, and the state it replaced
//! goes on the redo stack. A new change clears the redo stack, as in RouterOS. At most
//! [`UndoLog::CAPACITY`] entries are kept; the oldest are forgotten first.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::model::Config;

#[derive(Clone, Debug, Default)]
pub struct UndoLog {
    undo: VecDeque<Config>,
    redo: Vec<Config>,
}

impl UndoLog {
    pub const CAPACITY: usize = 32;

    /// Records that a command changed the configuration from `before`.
    pub fn record(&mut self, before: Config) {
        if self.undo.len() >= Self::CAPACITY {
            self.undo.pop_front();
        }
        self.undo.push_back(before);
        self.redo.clear();
    }

    /// Restores the configuration before the last change; false when there is none.
    pub fn undo(&mut self, config: &mut Config) -> bool {
        let Some(before) = self.undo.pop_back() else {
            return false;
        };
        let now = core::mem::replace(config, before);
        self.redo.push(now);
        true
    }

    /// Re-applies the last undone change; false when there is none.
    pub fn redo(&mut self, config: &mut Config) -> bool {
        let Some(after) = self.redo.pop() else {
            return false;
        };
        let now = core::mem::replace(config, after);
        self.undo.push_back(now);
        true
    }
}
