//! Every menu the appliance knows, as static [`MenuDef`]s, and lookups by path.
//!
//! The definitions follow RouterOS v7's property names and defaults (routeros-reference.md §4–§6). Menus
//! whose service a later milestone builds (DHCP, DNS, scripts) already accept and store their
//! configuration, so a pasted configuration is never refused for them.

mod firewall;
mod interface;
mod ip;
mod services;
mod system;

use super::schema::MenuDef;

pub use services::SERVICES;

/// All menus, in the order `export` writes them: a menu comes after the menus its references point
/// into, so importing an export recreates every reference.
pub static MENUS: &[&MenuDef] = &[
    &interface::ETHERNET,
    &interface::INTERFACE,
    &interface::LIST,
    &interface::LIST_MEMBER,
    &services::POOL,
    &services::DHCP_SERVER,
    &ip::ADDRESS,
    &ip::ARP,
    &services::DHCP_CLIENT,
    &services::DHCP_SERVER_LEASE,
    &services::DHCP_SERVER_NETWORK,
    &services::DNS,
    &services::DNS_STATIC,
    &firewall::ADDRESS_LIST,
    &firewall::FILTER,
    &firewall::MANGLE,
    &firewall::NAT,
    &firewall::RAW,
    &firewall::CONNECTION,
    &firewall::CONNECTION_TRACKING,
    &ip::ROUTE,
    &services::SERVICE,
    &ip::SETTINGS,
    &system::CLOCK,
    &system::IDENTITY,
    &system::NOTE,
    &system::ROUTERBOARD,
    &system::SCHEDULER,
    &system::SCRIPT,
    &system::USER,
];

/// The menu at `path` (`ip/firewall/filter`).
pub fn menu(path: &str) -> Option<&'static MenuDef> {
    MENUS.iter().copied().find(|m| m.path == path)
}

/// Whether `path` is a menu or a directory of menus (`ip`, `ip/firewall`).
pub fn is_node(path: &str) -> bool {
    path.is_empty() || MENUS.iter().any(|m| is_prefix(path, m.path)) || extra_node(path)
}

/// Directories that hold only commands (not item menus): `/system` holds `reboot`, `/ip/firewall/connection`
/// holds `tracking`.
fn extra_node(path: &str) -> bool {
    matches!(path, "system" | "system/resource" | "file" | "log")
}

/// The child words of the node at `path`, sorted and without duplicates.
pub fn children(path: &str) -> alloc::vec::Vec<&'static str> {
    let mut out: alloc::vec::Vec<&'static str> = MENUS
        .iter()
        .filter_map(|m| child_word(path, m.path))
        .chain(
            ["system", "system/resource", "file", "log"]
                .into_iter()
                .filter_map(|p| child_word(path, p)),
        )
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn is_prefix(prefix: &str, path: &str) -> bool {
    path == prefix
        || (path.len() > prefix.len()
            && path.starts_with(prefix)
            && path.as_bytes().get(prefix.len()) == Some(&b'/'))
}

fn child_word(parent: &str, path: &'static str) -> Option<&'static str> {
    let rest = if parent.is_empty() {
        path
    } else if is_prefix(parent, path) && path.len() > parent.len() {
        path.get(parent.len() + 1..)?
    } else {
        return None;
    };
    rest.split('/').next().filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_menu_is_found_and_nodes_are_known() {
        for menu_def in MENUS {
            assert_eq!(menu(menu_def.path).map(|m| m.path), Some(menu_def.path));
            assert!(
                super::super::menus::menu(menu_def.storage).is_some(),
                "{}",
                menu_def.path
            );
        }
        assert!(is_node("ip"));
        assert!(is_node("ip/firewall"));
        assert!(is_node("ip/firewall/connection"));
        assert!(!is_node("ip/fire"));
        assert!(!is_node("nonsense"));
        assert_eq!(
            children("ip/firewall"),
            [
                "address-list",
                "connection",
                "filter",
                "mangle",
                "nat",
                "raw"
            ]
        );
        assert!(children("").contains(&"interface"));
        assert!(children("").contains(&"system"));
    }

    #[test]
    fn properties_are_unique_and_defaults_are_canonical() {
        for menu_def in MENUS {
            for (i, p) in menu_def.props.iter().enumerate() {
                assert!(
                    menu_def.props[i + 1..].iter().all(|q| q.name != p.name),
                    "{} {}",
                    menu_def.path,
                    p.name
                );
                if let (Some(default), super::super::schema::PropType::Value(ty)) =
                    (p.default, p.ty)
                {
                    assert_eq!(
                        ty.normalize(default).as_deref(),
                        Ok(default),
                        "{} {}",
                        menu_def.path,
                        p.name
                    );
                }
            }
            if let Some(key) = menu_def.key {
                assert!(menu_def.prop(key).is_some(), "{}", menu_def.path);
            }
        }
    }
}
