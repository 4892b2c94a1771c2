//! `/system package`: the software packages installed (routeros-reference.md §5).
//!
//! RouterOS v7 is one package, `routeros`, with what v6 shipped as separate packages (`ipv6`, `dhcp`,
//! `ppp`, ...) built in; only extras (`container`, `wireless`, ...) are packages of their own. v6
//! guides tell users to run `/system package enable ipv6` (and reboot); on v7 there is no item named
//! `ipv6`, so the command prints `no such item`, and so it does here — IPv6 needs nothing enabled, its
//! menus are always there.
//!
//! The list describes the running software, not configuration: its one item is made from what
//! `/system resource` reports ([`installed`]), never stored or exported, and nothing in it can be set.
//! `enable` and `disable` of `routeros` are refused: the system package cannot be switched off (and is
//! always on).

use alloc::collections::BTreeMap;
use alloc::string::String;

use crate::model::Item;
use crate::model::schema::{FLAG_DISABLED, MenuDef, MenuKind, PrintStyle, PropDef};
use crate::resource::ResourceInfo;
use crate::value::ValueType;

/// The one package of RouterOS v7.
pub const SYSTEM_PACKAGE: &str = "routeros";

pub static PACKAGE: MenuDef = MenuDef {
    path: "system/package",
    kind: MenuKind::Fixed,
    storage: "system/package",
    props: &[
        PropDef::new("name", ValueType::Name).read_only(),
        PropDef::new("version", ValueType::Text).read_only(),
        PropDef::new("build-time", ValueType::Text).read_only(),
        PropDef::new("disabled", ValueType::Bool)
            .default("no")
            .read_only(),
    ],
    key: Some("name"),
    unique: &[],
    print: PrintStyle::Columns(&["name", "version", "build-time"]),
    flags: &[FLAG_DISABLED],
};

/// The installed packages of a system that reports `info`: `routeros` at the running version (`7.16`
/// of `7.16 (stable)`, the channel left out as RouterOS's package list does), built when the system
/// was. Its `*ID` is `*1`.
pub fn installed(info: &ResourceInfo) -> Item {
    let version = info.version.split_whitespace().next().unwrap_or("");
    let mut values = BTreeMap::new();
    values.insert(String::from("name"), String::from(SYSTEM_PACKAGE));
    values.insert(String::from("version"), String::from(version));
    if !info.build_time.is_empty() {
        values.insert(String::from("build-time"), info.build_time.clone());
    }
    Item { id: 1, values }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_package_carries_the_running_version() {
        let info = ResourceInfo {
            version: String::from("7.16 (stable)"),
            build_time: String::from("2024-09-20 13:00:27"),
            ..ResourceInfo::default()
        };
        let item = installed(&info);
        assert_eq!(item.get("name"), Some("routeros"));
        assert_eq!(item.get("version"), Some("7.16"));
        assert_eq!(item.get("build-time"), Some("2024-09-20 13:00:27"));
        let bare = installed(&ResourceInfo::default());
        assert_eq!(bare.get("version"), Some(""));
        assert_eq!(bare.get("build-time"), None);
        assert!(PACKAGE.props.iter().all(|p| !p.is_writable()));
    }
}
