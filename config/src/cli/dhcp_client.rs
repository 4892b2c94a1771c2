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

#[cfg(test)]
mod tests {
    use alloc::string::String;
    use alloc::vec::Vec;

    use crate::cli::{Mode, Session, run};
    use crate::model::{Config, Item, MenuDef, menus};
    use crate::resource::ResourceInfo;
    use crate::shell::SystemControl;

    /// A system with a client bound on ether1 that records the commands it is given.
    #[derive(Default)]
    struct Clients {
        commands: Vec<(Vec<u32>, String)>,
    }

    impl SystemControl for Clients {
        fn resource(&self) -> ResourceInfo {
            ResourceInfo::default()
        }
        fn reboot(&mut self) {}
        fn shutdown(&mut self) {}
        fn status(
            &self,
            _config: &Config,
            menu: &MenuDef,
            _item: &Item,
        ) -> Vec<(&'static str, String)> {
            if menu.path != super::PATH {
                return Vec::new();
            }
            alloc::vec![
                ("status", String::from("bound")),
                ("address", String::from("198.51.100.50/24")),
                ("gateway", String::from("198.51.100.1")),
                ("primary-dns", String::from("198.51.100.1")),
                ("dhcp-server", String::from("198.51.100.1")),
                ("expires-after", String::from("1m30s")),
            ]
        }
        fn dhcp_client_command(&mut self, ids: &[u32], command: &str) -> Result<(), String> {
            self.commands.push((ids.to_vec(), String::from(command)));
            Ok(())
        }
    }

    fn console(system: &mut Clients, config: &mut Config, line: &str) -> String {
        let mut out = String::new();
        let mut session = Session::new();
        run(
            line,
            Mode::Interactive,
            config,
            &mut session,
            system,
            &mut out,
        );
        out
    }

    fn with_client() -> Config {
        let mut config = Config::new();
        let ethernet = menus::menu("interface/ethernet").unwrap();
        config
            .add_system_item(
                ethernet,
                &[
                    ("default-name", "ether1"),
                    ("name", "ether1"),
                    ("mac-address", "0C:00:6E:34:39:00"),
                ],
            )
            .unwrap();
        let mut system = Clients::default();
        console(
            &mut system,
            &mut config,
            "/ip dhcp-client add interface=ether1",
        );
        config
    }

    #[test]
    fn print_shows_the_running_clients_values() {
        let mut config = with_client();
        let mut system = Clients::default();
        let print = console(&mut system, &mut config, "/ip dhcp-client print");
        assert!(print.contains("ether1"), "{print}");
        assert!(print.contains("bound"), "{print}");
        assert!(print.contains("198.51.100.50/24"), "{print}");
        let detail = console(&mut system, &mut config, "/ip dhcp-client print detail");
        for expected in [
            "gateway=198.51.100.1",
            "primary-dns=198.51.100.1",
            "dhcp-server=198.51.100.1",
            "expires-after=1m30s",
        ] {
            assert!(detail.contains(expected), "{expected} in {detail}");
        }
    }

    #[test]
    fn renew_and_release_reach_the_system() {
        let mut config = with_client();
        let id = config.items(menus::menu(super::PATH).unwrap())[0].id;
        let mut system = Clients::default();
        let mut session = Session::new();
        let mut type_line = |system: &mut Clients, config: &mut Config, line: &str| {
            let mut out = String::new();
            run(
                line,
                Mode::Interactive,
                config,
                &mut session,
                system,
                &mut out,
            );
            out
        };
        // Numbers come from the last print, as on RouterOS.
        type_line(&mut system, &mut config, "/ip dhcp-client print");
        assert_eq!(
            type_line(&mut system, &mut config, "/ip dhcp-client renew 0"),
            ""
        );
        assert_eq!(
            type_line(&mut system, &mut config, "/ip dhcp-client release [find]"),
            ""
        );
        assert_eq!(
            system.commands,
            [
                (alloc::vec![id], String::from("renew")),
                (alloc::vec![id], String::from("release"))
            ]
        );
        let missing = type_line(&mut system, &mut config, "/ip dhcp-client renew 5");
        assert!(missing.contains("no such item"), "{missing}");
        assert_eq!(system.commands.len(), 2);
        // Other menus do not have them.
        let elsewhere = type_line(&mut system, &mut config, "/ip address renew 0");
        assert!(elsewhere.contains("bad command name"), "{elsewhere}");
    }
}
