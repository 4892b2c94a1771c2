//! `/ip dhcp-client renew ITEMS` and `release ITEMS` (routeros-reference.md §5): a bound client
//! renews its lease at once (one that is not bound starts over); release gives the lease back to the
//! server and the client discovers again. The clients belong to the running system
//! ([`SystemControl::dhcp_client_command`]); the configuration does not change.
//!
//! [`SystemControl::dhcp_client_command`]: crate::shell::SystemControl::dhcp_client_command

use super::eval::Args;
use super::val::Val;
use super::{CliError, Env};
use crate::model::MenuDef;

/// The menu whose items take `renew` and `release`.
pub(super) const PATH: &str = "ip/dhcp-client";

impl Env<'_> {
    /// `renew ITEMS` / `release ITEMS` of `/ip dhcp-client`.
    pub(super) fn dhcp_client_command(
        &mut self,
        menu: &'static MenuDef,
        command: &str,
        mut args: Args,
    ) -> Result<Val, CliError> {
        let ids = self.targets(menu, &mut args)?;
        let rows = self.rows(menu);
        if ids.iter().any(|id| rows.iter().all(|row| row.id != *id)) {
            return Err(CliError::plain("no such item"));
        }
        args.leftover()?;
        self.system
            .dhcp_client_command(&ids, command)
            .map_err(CliError::plain)?;
        Ok(Val::Nothing)
    }
}
