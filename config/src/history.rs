//! Command history for the console line editor: the lines entered earlier, recalled with Up and Down.
//!
//! Guarantees:
//! * at most [`History::CAPACITY`] lines are kept; the oldest is dropped first;
//! * empty lines are never stored, and a line equal to the newest stored one is not stored again;
//! * while browsing, the line that was being typed before the first Up (the draft) is kept and comes back when
//!   Down moves past the newest entry.

use alloc::collections::VecDeque;
use alloc::string::String;

/// Bounded list of entered lines plus the position of an ongoing Up/Down walk through it.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Oldest first.
    entries: VecDeque<String>,
    /// Index into `entries` of the line shown while browsing; `None` when not browsing.
    cursor: Option<usize>,
    /// What was typed before browsing started.
    draft: String,
}

impl History {
    /// How many lines are remembered.
    pub const CAPACITY: usize = 32;

    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored lines.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no line is stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Stores an entered line (subject to the rules in the module docs) and ends any browsing.
    pub fn record(&mut self, line: &str) {
        self.stop_browsing();
        if line.is_empty() || self.entries.back().is_some_and(|newest| newest == line) {
            return;
        }
        if self.entries.len() >= Self::CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(String::from(line));
    }

    /// Ends browsing and forgets the draft.
    pub fn stop_browsing(&mut self) {
        self.cursor = None;
        self.draft.clear();
    }

    /// Up: the next older line, or `None` when there is nothing older. `current` is the line being edited; it
    /// becomes the draft when browsing starts.
    pub fn older(&mut self, current: &str) -> Option<&str> {
        let target = match self.cursor {
            None => {
                let newest = self.entries.len().checked_sub(1)?;
                self.draft = String::from(current);
                newest
            }
            Some(position) => position.checked_sub(1)?,
        };
        self.cursor = Some(target);
        self.entries.get(target).map(String::as_str)
    }

    /// Down: the next newer line, the draft after the newest line, or `None` when not browsing.
    pub fn newer(&mut self) -> Option<&str> {
        let position = self.cursor?;
        let target = position.saturating_add(1);
        if target < self.entries.len() {
            self.cursor = Some(target);
            self.entries.get(target).map(String::as_str)
        } else {
            self.cursor = None;
            Some(self.draft.as_str())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn walks_back_and_forth_and_restores_the_draft() {
        let mut history = History::new();
        history.record("one");
        history.record("two");
        assert_eq!(history.older("typing"), Some("two"));
        assert_eq!(history.older("two"), Some("one"));
        assert_eq!(history.older("one"), None);
        assert_eq!(history.newer(), Some("two"));
        assert_eq!(history.newer(), Some("typing"));
        assert_eq!(history.newer(), None);
    }

    #[test]
    fn skips_empty_lines_and_consecutive_duplicates() {
        let mut history = History::new();
        for line in ["", "a", "a", "b", "a"] {
            history.record(line);
        }
        assert_eq!(history.len(), 3);
        assert_eq!(history.older(""), Some("a"));
        assert_eq!(history.older(""), Some("b"));
        assert_eq!(history.older(""), Some("a"));
    }

    #[test]
    fn keeps_only_the_newest_lines() {
        let mut history = History::new();
        for n in 0..100 {
            history.record(&format!("line {n}"));
        }
        assert_eq!(history.len(), History::CAPACITY);
        let mut oldest = None;
        while let Some(line) = history.older("") {
            oldest = Some(String::from(line));
        }
        assert_eq!(oldest.as_deref(), Some("line 68"));
    }

    #[test]
    fn empty_history_has_nothing_to_recall() {
        let mut history = History::new();
        assert!(history.is_empty());
        assert_eq!(history.older("x"), None);
        assert_eq!(history.newer(), None);
    }
}
