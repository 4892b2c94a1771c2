//! `reset-counters ITEMS` and `reset-counters-all` (routeros-reference.md §2, §4): the firewall rule
//! menus zero their rules' `packets` and `bytes`, `/interface` and `/interface ethernet` their traffic
//! counters. The counters belong to the running system ([`SystemControl::reset_counters`]); the
//! configuration does not change, so nothing is saved or undone.
//!
//! [`SystemControl::reset_counters`]: crate::shell::SystemControl::reset_counters

use super::eval::Args;
use super::val::Val;
use super::{CliError, Env};
use crate::model::MenuDef;

impl Env<'_> {
    /// `reset-counters ITEMS` (`all`: `reset-counters-all`, every item of the menu).
    pub(super) fn reset_counters(
        &mut self,
        menu: &'static MenuDef,
        mut args: Args,
        all: bool,
    ) -> Result<Val, CliError> {
        let ids = if all {
            None
        } else {
            let ids = self.targets(menu, &mut args)?;
            // Every item must be one the menu shows (a stale number or `*ID` is refused whole).
            let rows = self.rows(menu);
            if ids.iter().any(|id| rows.iter().all(|row| row.id != *id)) {
                return Err(CliError::plain("no such item"));
            }
            Some(ids)
        };
        args.leftover()?;
        self.system
            .reset_counters(self.config, menu, ids.as_deref())
            .map_err(CliError::plain)?;
        Ok(Val::Nothing)
    }
}
