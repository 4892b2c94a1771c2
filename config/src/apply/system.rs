//! The items the system owns: one `/interface` item per NIC and the `/ip service` list. They exist
//! because hardware and services do, so they are created at boot (and by `reset-configuration`) when
//! missing, never by the user. A configuration without users gets the default `admin`
//! ([`crate::login::ensure_default_user`]).
//!
//! A NIC is known by its bus position: the Nth NIC is `default-name=etherN` (RouterOS's naming). Its
//! `mac-address` is refreshed from the hardware on every boot, so a configuration moved to other
//! hardware (or a VM whose NICs got new MACs) keeps its interface names and references.

use alloc::format;
use alloc::string::String;

use smoltcp::wire::EthernetAddress;

use super::interfaces::interface_menu;
use crate::model::menus;
use crate::model::{Config, MenuDef};
use crate::value::format_mac;

/// `/ip service` items with their default ports, in RouterOS's order (routeros-reference.md §5).
const SERVICES: [(&str, &str); 8] = [
    ("telnet", "23"),
    ("ftp", "21"),
    ("www", "80"),
    ("ssh", "22"),
    ("www-ssl", "443"),
    ("api", "8728"),
    ("winbox", "8291"),
    ("api-ssl", "8729"),
];

/// Most names tried for a NIC whose `etherN` is taken by a renamed interface (`etherN-2`, ...).
const NAME_ATTEMPTS: usize = 64;

/// See [`super::ensure_system_items`].
pub(super) fn ensure(config: &mut Config, macs: &[EthernetAddress]) {
    if let Some(menu) = interface_menu() {
        for (index, mac) in macs.iter().enumerate() {
            ensure_nic(config, menu, index, *mac);
        }
    }
    if let Some(menu) = menus::menu("ip/service") {
        for (name, port) in SERVICES {
            if !config
                .items(menu)
                .iter()
                .any(|i| i.get("name") == Some(name))
            {
                let _ = config.add_system_item(menu, &[("name", name), ("port", port)]);
            }
        }
    }
    crate::login::ensure_default_user(config);
}

fn ensure_nic(config: &mut Config, menu: &MenuDef, index: usize, mac: EthernetAddress) {
    let Some(number) = index.checked_add(1) else {
        return;
    };
    let default_name = format!("ether{number}");
    let mac = format_mac(mac);
    let existing = config
        .items(menu)
        .iter()
        .find(|i| i.get("default-name") == Some(default_name.as_str()))
        .map(|i| (i.id, i.get("mac-address") == Some(mac.as_str())));
    match existing {
        Some((_, true)) => {}
        Some((id, false)) => {
            config.set_system_value(menu, id, "mac-address", &mac);
            config.set_system_value(menu, id, "orig-mac-address", &mac);
        }
        None => {
            let Some(name) = free_name(config, menu, &default_name) else {
                return;
            };
            let _ = config.add_system_item(
                menu,
                &[
                    ("name", &name),
                    ("default-name", &default_name),
                    ("mac-address", &mac),
                    ("orig-mac-address", &mac),
                ],
            );
        }
    }
}

/// `wanted`, or `wanted-2`, `wanted-3`, ... when another interface was renamed to it.
fn free_name(config: &Config, menu: &MenuDef, wanted: &str) -> Option<String> {
    let taken = |name: &str| {
        config
            .items(menu)
            .iter()
            .any(|i| i.get("name") == Some(name))
    };
    if !taken(wanted) {
        return Some(String::from(wanted));
    }
    (2..NAME_ATTEMPTS)
        .map(|n| format!("{wanted}-{n}"))
        .find(|name| !taken(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Change;

    const MAC1: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0, 0, 1]);
    const MAC2: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0, 0, 2]);

    fn interfaces(config: &Config) -> alloc::vec::Vec<(u32, String, String, String)> {
        let menu = interface_menu().unwrap();
        config
            .items(menu)
            .iter()
            .map(|i| {
                let get = |name| String::from(i.get(name).unwrap_or("-"));
                (i.id, get("name"), get("default-name"), get("mac-address"))
            })
            .collect()
    }

    #[test]
    fn nics_and_services_are_added_once() {
        let mut config = Config::new();
        ensure(&mut config, &[MAC1, MAC2]);
        let first = interfaces(&config);
        assert_eq!(
            first,
            [
                (
                    1,
                    "ether1".into(),
                    "ether1".into(),
                    "52:54:00:00:00:01".into()
                ),
                (
                    2,
                    "ether2".into(),
                    "ether2".into(),
                    "52:54:00:00:00:02".into()
                ),
            ]
        );
        let services = menus::menu("ip/service").unwrap();
        let names: alloc::vec::Vec<_> = config
            .items(services)
            .iter()
            .map(|i| (i.get("name").unwrap(), i.get("port").unwrap()))
            .collect();
        assert_eq!(names.len(), 8);
        assert_eq!(names[3], ("ssh", "22"));
        let before = config.clone();
        ensure(&mut config, &[MAC1, MAC2]);
        assert_eq!(config, before, "nothing to add the second time");
    }

    #[test]
    fn renamed_interfaces_keep_their_nic_and_new_macs_are_taken() {
        let mut config = Config::new();
        ensure(&mut config, &[MAC1]);
        let menu = interface_menu().unwrap();
        // The user calls ether1 "ether2"; then a second NIC appears and ether1's MAC changes.
        config
            .set(
                menu,
                1,
                &[Change::Set(menu.prop("name").unwrap(), "ether2".into())],
            )
            .unwrap();
        ensure(&mut config, &[MAC2, MAC1]);
        assert_eq!(
            interfaces(&config),
            [
                (
                    1,
                    "ether2".into(),
                    "ether1".into(),
                    "52:54:00:00:00:02".into()
                ),
                (
                    2,
                    "ether2-2".into(),
                    "ether2".into(),
                    "52:54:00:00:00:01".into()
                ),
            ]
        );
    }
}
