//! `/system package` at the console: the list is the running system's (its one package, `routeros`,
//! at the version `/system resource` reports), so `print`, `get` and `find` read it from
//! [`SystemControl::resource`] rather than from the configuration; `enable` and `disable` name items
//! as every command does — `enable ipv6`, from v6 guides, finds none and prints `no such item`, as
//! RouterOS v7 does — and refuse to switch the system package (see the menu's documentation in
//! `crate::model::menus`).
//!
//! [`SystemControl::resource`]: crate::shell::SystemControl::resource

use super::eval::Args;
use super::val::Val;
use super::{CliError, Env};
use crate::model::{Item, MenuDef, menus};

/// The menu's path.
pub(super) const PATH: &str = "system/package";

impl Env<'_> {
    /// The installed package, when `menu` is `/system package`.
    pub(super) fn package(&self, menu: &MenuDef) -> Option<Item> {
        (menu.path == PATH).then(|| menus::installed_package(&self.system.resource()))
    }

    /// `enable ITEMS` / `disable ITEMS`: the items must be packages the list shows (`no such item`
    /// otherwise); the one there is, the system package, cannot be switched.
    pub(super) fn package_switch(&mut self, mut args: Args) -> Result<Val, CliError> {
        let Some(menu) = menus::menu(PATH) else {
            return Err(CliError::plain("bad command name"));
        };
        let ids = self.targets(menu, &mut args)?;
        args.leftover()?;
        let rows = self.rows(menu);
        if ids.iter().any(|id| rows.iter().all(|row| row.id != *id)) {
            return Err(CliError::plain("no such item"));
        }
        // `[ find ... ]` that found nothing names no package: nothing to do.
        if ids.is_empty() {
            return Ok(Val::Nothing);
        }
        Err(CliError::plain(
            "failure: can not enable or disable system package routeros",
        ))
    }
}
