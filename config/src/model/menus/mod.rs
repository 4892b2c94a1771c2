//! Every menu the appliance knows, as static [`MenuDef`]s, and lookups by path.
//!
//! The definitions follow RouterOS v7's property names and defaults (routeros-reference.md §4–§6). Menus
//! whose service a later milestone builds (DHCP, DNS, scripts) already accept and store their
//! configuration, so a pasted configuration is never refused for them; so do the `/ipv6` menus, whose
//! packets the engine does not forward yet (see the `ipv6` module).

mod firewall;
mod interface;
mod ip;
mod ipv6;
mod package;
mod services;
mod system;

use super::schema::MenuDef;

pub use package::{SYSTEM_PACKAGE, installed as installed_package};
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
    &services::DNS_CACHE,
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
    &ipv6::POOL,
    &ipv6::ADDRESS,
    &ipv6::DHCP_CLIENT,
    &ipv6::ADDRESS_LIST,
    &ipv6::FILTER,
    &ipv6::MANGLE,
    &ipv6::NAT,
    &ipv6::RAW,
    &ipv6::ND,
    &ipv6::ND_PREFIX,
    &ipv6::ND_PREFIX_DEFAULT,
    &ipv6::ROUTE,
    &ipv6::SETTINGS,
    &system::CLOCK,
    &system::CLOCK_MANUAL,
    &system::IDENTITY,
    &system::NOTE,
    &package::PACKAGE,
    &system::ROUTERBOARD,
    &system::SCHEDULER,
    &system::SCRIPT,
    &system::USER_GROUP,
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
    matches!(path, "system" | "system/resource" | "file" | "log" | "tool")
}

/// The child words of the node at `path`, sorted and without duplicates.
pub fn children(path: &str) -> alloc::vec::Vec<&'static str> {
    let mut out: alloc::vec::Vec<&'static str> = MENUS
        .iter()
        .filter_map(|m| child_word(path, m.path))
        .chain(
            ["system", "system/resource", "file", "log", "tool"]
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
        assert_eq!(
            children("ipv6"),
            [
                "address",
                "dhcp-client",
                "firewall",
                "nd",
                "pool",
                "route",
                "settings"
            ]
        );
        assert_eq!(
            children("ipv6/firewall"),
            ["address-list", "filter", "mangle", "nat", "raw"]
        );
        assert!(children("system").contains(&"package"));
    }

    /// The IPv6 rule menus are the IPv4 ones, property for property, but for the properties a
    /// `RuleFamily` says differ.
    #[test]
    fn ipv6_rule_menus_derive_from_the_ipv4_ones() {
        const DIFFERING: &[(&str, &str)] = &[
            ("action", "action"),
            ("src-address", "src-address"),
            ("dst-address", "dst-address"),
            ("ttl", "hop-limit"),
            ("fragment", "headers"),
            ("reject-with", "reject-with"),
            ("to-addresses", "to-address"),
            ("new-ttl", "new-hop-limit"),
        ];
        for table in ["filter", "nat", "mangle", "raw"] {
            let v4 = menu(&alloc::format!("ip/firewall/{table}")).unwrap();
            let v6 = menu(&alloc::format!("ipv6/firewall/{table}")).unwrap();
            assert_eq!(v4.props.len(), v6.props.len(), "{table}");
            for (a, b) in v4.props.iter().zip(v6.props) {
                assert!(
                    a == b || DIFFERING.contains(&(a.name, b.name)),
                    "{table} {}",
                    a.name
                );
            }
        }
        use crate::value::ValueType;
        let filter = menu("ipv6/firewall/filter").unwrap();
        assert_eq!(
            filter.prop("src-address").map(|p| p.ty),
            Some(super::super::schema::PropType::Value(ValueType::Ipv6Match))
        );
        assert!(filter.prop("src-address").unwrap().negatable);
        let list = menu("ipv6/firewall/address-list").unwrap();
        assert_eq!(
            list.prop("address").map(|p| p.ty),
            Some(super::super::schema::PropType::Value(ValueType::Ipv6Match))
        );
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
