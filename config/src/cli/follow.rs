//! `print follow` and `print follow-only` in item menus (`/ip address print follow`, `/ip firewall
//! filter print follow where chain=input`, `/interface print follow`): on the console, the items
//! that are added, changed or removed, as it happens, until Ctrl-C or `q` ([`super::live`] runs the
//! view and calls the command again about once a second, [`FOLLOW_ITEMS_CHECK_MS`]).
//!
//! What is printed, in the menu's own layout (columns, property lists, `detail`, `terse`, `stats`,
//! `show-ids` as the same `print` would show them):
//!
//! * `follow` first prints the matching items as `print` does; `follow-only` prints nothing then.
//! * Each check prints, under what is already on the screen, every matching item that is new or
//!   whose printed values changed since the last check (its row again), then every item that went
//!   away — removed, or no longer matching `where` — as it was last printed, with `-` in place of
//!   its number (`-*1F` with `show-ids`).
//! * Numbers do not move while the view runs, as RouterOS keeps a print's numbers until the next
//!   print: the items of the first check keep theirs, an added item takes the next one, and later
//!   commands (`remove 3`) use these numbers; a removed item's number names nothing. RouterOS v7 prints a changed item's
//!   row again in the same way; the manual does not say how the console marks a removed one (its
//!   API marks it `.dead`), so `-` is this console's choice. The legend and header lines are not
//!   repeated. A check with no change prints nothing.
//! * `where` is evaluated again at every check, against the values of that moment.
//!
//! In a script, an import or a substitution, `follow` prints once and `follow-only` prints
//! nothing, as `/log print follow` does. A singleton menu and the connection table refuse follow.
//!
//! Bounds: the view remembers at most [`MAX_FOLLOWED`] items (the first ones in print order), as
//! they were printed; items after those are printed by `follow` at first but not followed.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use super::items::Row;
use super::live::{Request, Step};
use super::print::PrintOptions;
use super::val::Val;
use super::{CliError, Env};
use crate::model::format_id;
use crate::model::schema::MenuDef;
use crate::script::Expr;

/// How often a following view checks its items.
pub const FOLLOW_ITEMS_CHECK_MS: u64 = 1000;
/// Most items one view remembers.
pub const MAX_FOLLOWED: usize = 1024;

/// Most items a view numbers (the numbers of the first check and of the items added since).
pub const MAX_NUMBERED: usize = 4 * MAX_FOLLOWED;

/// What a following view remembers between checks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Followed {
    /// `follow-only`: the first check prints nothing.
    pub only: bool,
    /// The items as last printed, by `*ID`; `None` before the first check.
    seen: Option<BTreeMap<u32, Row>>,
    /// The `*ID` each number stands for: the items of the first check in print order, then each
    /// item as it was added. Numbers do not move while the view runs, as RouterOS numbers stay
    /// until the next print.
    numbers: Vec<u32>,
}

impl Followed {
    pub fn new(only: bool) -> Self {
        Followed {
            only,
            seen: None,
            numbers: Vec::new(),
        }
    }

    /// The items of `rows` (the first [`MAX_FOLLOWED`]) that are new or changed against `seen`,
    /// then those of `seen` that are gone, each with the label it is printed under; new items get
    /// the next numbers.
    fn changes(
        &mut self,
        seen: &BTreeMap<u32, Row>,
        rows: &[Row],
        show_ids: bool,
    ) -> (Vec<String>, Vec<Row>) {
        let followed = rows.get(..MAX_FOLLOWED).unwrap_or(rows);
        let now: BTreeSet<u32> = followed.iter().map(|row| row.id).collect();
        let index: BTreeMap<u32, usize> = self
            .numbers
            .iter()
            .enumerate()
            .map(|(number, id)| (*id, number))
            .collect();
        let mut labels = Vec::new();
        let mut changed = Vec::new();
        for row in followed {
            if seen.get(&row.id) == Some(row) {
                continue;
            }
            let number = match index.get(&row.id) {
                Some(number) => Some(*number),
                None if self.numbers.len() < MAX_NUMBERED => {
                    self.numbers.push(row.id);
                    Some(self.numbers.len() - 1)
                }
                None => None,
            };
            labels.push(match number {
                Some(number) if !show_ids => alloc::format!("{number}"),
                _ => format_id(row.id),
            });
            changed.push(row.clone());
        }
        for (id, row) in seen {
            if now.contains(id) {
                continue;
            }
            labels.push(if show_ids {
                alloc::format!("-{}", format_id(*id))
            } else {
                String::from("-")
            });
            changed.push(row.clone());
        }
        (labels, changed)
    }
}

/// `follow`/`follow-only` (`only`) with a modifier that makes no sense with them: RouterOS's
/// `failure: follow cannot be used with count-only` (the first one given, in this order).
pub(super) fn refuse_with(
    only: bool,
    count_only: bool,
    as_value: bool,
    interval: bool,
    file: bool,
) -> Result<(), CliError> {
    let name = if only { "follow-only" } else { "follow" };
    let other = [
        (count_only, "count-only"),
        (as_value, "as-value"),
        (interval, "interval"),
        (file, "file"),
    ]
    .into_iter()
    .find_map(|(given, other)| given.then_some(other));
    match other {
        Some(other) => Err(CliError::plain(alloc::format!(
            "failure: {name} cannot be used with {other}"
        ))),
        None => Ok(()),
    }
}

impl Env<'_> {
    /// `print follow|follow-only` of an item menu: on the console a request for the live view; in
    /// its step, what changed since the last check; in a script, one print (`follow`) or nothing.
    pub(super) fn follow_items(
        &mut self,
        menu: &'static MenuDef,
        options: PrintOptions,
        condition: Option<&Expr>,
        only: bool,
    ) -> Result<Val, CliError> {
        if self.may_go_live() {
            self.live_request = Some(Request::FollowItems { only });
            return Ok(Val::Nothing);
        }
        let followed = match &mut self.live_step {
            Some(Step::FollowItems(followed)) => core::mem::take(followed),
            _ if only => return Ok(Val::Nothing),
            _ => return self.print_once(menu, options, condition),
        };
        let result = self.follow_check(menu, options, condition, followed);
        let (result, followed) = match result {
            Ok(followed) => (Ok(Val::Nothing), followed),
            Err((error, followed)) => (Err(error), followed),
        };
        if let Some(Step::FollowItems(slot)) = &mut self.live_step {
            *slot = followed;
        }
        result
    }

    /// One check: prints what changed since `followed` and returns what is seen now.
    fn follow_check(
        &mut self,
        menu: &'static MenuDef,
        options: PrintOptions,
        condition: Option<&Expr>,
        mut followed: Followed,
    ) -> Result<Followed, (CliError, Followed)> {
        let rows = match self.select(menu, condition, &[]) {
            Ok(rows) => rows,
            Err(error) => return Err((error, followed)),
        };
        match followed.seen.take() {
            None => {
                if !followed.only {
                    self.show_rows(menu, &rows, options);
                }
                followed.numbers = rows.iter().take(MAX_NUMBERED).map(|row| row.id).collect();
            }
            Some(seen) => {
                let (labels, changed) = followed.changes(&seen, &rows, options.show_ids);
                if !changed.is_empty() {
                    let ((), text) = self.captured(|env| {
                        env.show_rows_labelled(menu, &changed, options, Some(&labels));
                    });
                    let _ = self.out.write_str(without_headers(&text));
                }
            }
        }
        // Later commands name items by the numbers the view showed.
        self.session
            .numbers
            .insert(menu.path, followed.numbers.clone());
        followed.seen = Some(
            rows.into_iter()
                .take(MAX_FOLLOWED)
                .map(|row| (row.id, row))
                .collect(),
        );
        Ok(followed)
    }
}

/// `text` without the legend and header lines a print starts with (`Flags:`, `Columns:`, `#`).
fn without_headers(text: &str) -> &str {
    let mut rest = text;
    while rest.starts_with("Flags: ")
        || rest.starts_with("Columns: ")
        || rest.trim_start_matches(' ').starts_with('#')
    {
        match rest.find('\n') {
            Some(end) => rest = &rest[end + 1..],
            None => return "",
        }
    }
    rest
}

#[cfg(test)]
mod tests;
