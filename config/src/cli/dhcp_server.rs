//! `/ip dhcp-server lease make-static ITEMS`: a dynamic lease becomes a configured one with its
//! address, MAC address and server (routeros-reference.md §5). The running server keeps the client's
//! binding when it takes the new configuration (`netstack::dhcp_server::Server::reconfigure`), and the
//! dynamic item is gone from `print`. A configured lease is left as it is.

use alloc::vec::Vec;

use super::eval::Args;
use super::val::Val;
use super::{CliError, Env};
use crate::model::{Change, MenuDef};

/// The menu whose items take `make-static`.
pub(super) const PATH: &str = "ip/dhcp-server/lease";

impl Env<'_> {
    pub(super) fn make_static(
        &mut self,
        menu: &'static MenuDef,
        mut args: Args,
    ) -> Result<Val, CliError> {
        let ids = self.targets(menu, &mut args)?;
        args.leftover()?;
        let rows = self.rows(menu);
        let mut chosen = Vec::new();
        for id in ids {
            let row = rows
                .iter()
                .find(|row| row.id == id)
                .ok_or_else(|| CliError::plain("no such item"))?;
            if row.dynamic {
                chosen.push(row.clone());
            }
        }
        for row in chosen {
            let mut changes = Vec::new();
            for name in ["address", "mac-address", "server"] {
                if let (Some(prop), Some(value)) = (menu.prop(name), row.get(name)) {
                    changes.push(Change::Set(prop, alloc::string::String::from(value)));
                }
            }
            self.config.add(menu, &changes, None)?;
        }
        Ok(Val::Nothing)
    }
}
