//! `/interface` and `/interface list` (+ `member`) → the engine's interface table and interface lists.
//!
//! A configured interface is tied to its NIC by `default-name=etherN`: the kernel creates the engine's
//! interfaces in PCI bus order as `ether1..N`, so `etherN` is engine interface `N-1`. The user-facing
//! `name` may differ (`/interface set ether1 name=wan`); the engine takes it over, because rule specs name
//! interfaces and the engine resolves those names. Items whose NIC is absent are left out (references to
//! them make rules and addresses invalid, as on RouterOS when hardware disappears).
//!
//! Interface lists are rebuilt whole on every apply (they are a few names and member sets; compiled rules
//! hold resolved member sets, not list ids, and are recompiled by the same apply). A list's members are its
//! enabled `member` items plus, RouterOS-style, the members of its `include` list minus those of its
//! `exclude` list; nesting is followed at most [`MAX_LIST_NESTING`] levels, so a loop of includes ends.
//! The built-in lists `all` and `none` are the engine's; `static` (every interface here, as all are
//! Ethernet ports) and `dynamic` (none) are added as engine lists so rules can name them.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use netstack::Instant;
use netstack::interface::{ArpMode, InterfaceId, InterfaceLists, InterfaceTable};

use super::props::{Props, Target, failure, invalid, resolve};
use super::{ApplyError, FirewallEngine};
use crate::model::menus;
use crate::model::{Config, Item, MenuDef, ModelError};

/// How deep `include`/`exclude` of interface lists are followed.
pub const MAX_LIST_NESTING: usize = 4;

/// The menu of configured interfaces (`/interface` and `/interface ethernet` share its items).
pub(super) fn interface_menu() -> Option<&'static MenuDef> {
    menus::menu("interface")
}

/// The engine interface of a configured one: `default-name=etherN` is engine interface `N-1`.
pub(super) fn nic(item: &Item) -> Option<InterfaceId> {
    let digits = item.get("default-name")?.strip_prefix("ether")?;
    if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number: u16 = digits.parse().ok()?;
    Some(InterfaceId(number.checked_sub(1)?))
}

/// The engine interface a stored `interface=*ID` reference leads to, if the item and its NIC exist in
/// `table`.
pub(super) fn referenced(
    config: &Config,
    stored: &str,
    table: &InterfaceTable,
) -> Option<InterfaceId> {
    match resolve(config, "interface", stored) {
        Target::Item(item) => nic(item).filter(|id| table.get(*id).is_some()),
        Target::Builtin(_) | Target::Dangling => None,
    }
}

/// `arp=` of an interface. `local-proxy-arp` (answer for other hosts of the same segment) has no engine
/// counterpart and is refused rather than silently treated as another mode.
pub(super) fn arp_mode(text: &str) -> Result<ArpMode, ModelError> {
    match text {
        "enabled" => Ok(ArpMode::Enabled),
        "disabled" => Ok(ArpMode::Disabled),
        "reply-only" => Ok(ArpMode::ReplyOnly),
        "proxy-arp" => Ok(ArpMode::ProxyArp),
        "local-proxy-arp" => Err(failure("arp=local-proxy-arp is not supported")),
        other => Err(invalid("arp", other)),
    }
}

/// What one engine interface is to become.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Desired {
    name: String,
    mtu: u16,
    arp: ArpMode,
    disabled: bool,
}

fn desired(menu: &MenuDef, item: &Item) -> Result<Desired, ModelError> {
    let props = Props::new(menu, item);
    let name = props
        .get("name")
        .ok_or_else(|| ModelError::Missing(String::from("name")))?;
    Ok(Desired {
        name: String::from(name),
        mtu: props.integer::<u16>("mtu")?.unwrap_or(1500),
        arp: arp_mode(props.get("arp").unwrap_or("enabled"))?,
        disabled: props.flag("disabled"),
    })
}

/// Checks one `/interface` item (run on `add`/`set`).
pub(super) fn check(menu: &MenuDef, item: &Item) -> Result<(), ModelError> {
    desired(menu, item).map(|_| ())
}

/// The interface table as it will be, and the changes that make the engine's so.
pub(super) struct InterfacePlan {
    /// The engine's table with the configured names, MTUs, ARP modes and states: what rules compile
    /// against before anything is changed.
    pub table: InterfaceTable,
    changes: Vec<(InterfaceId, Desired)>,
}

impl InterfacePlan {
    /// Plans the interfaces; fails (engine untouched) on a bad value or two interfaces with one name.
    pub fn new(config: &Config, engine: &FirewallEngine) -> Result<Self, ApplyError> {
        let mut table = engine.interfaces().clone();
        let mut changes = Vec::new();
        if let Some(menu) = interface_menu() {
            for item in config.items(menu) {
                let Some(id) = nic(item) else { continue };
                let Some(current) = table.get_mut(id) else {
                    continue;
                };
                let want =
                    desired(menu, item).map_err(|e| ApplyError::model(menu, Some(item.id), &e))?;
                let now = Desired {
                    name: current.name.clone(),
                    mtu: current.mtu,
                    arp: current.arp,
                    disabled: current.disabled,
                };
                if now != want {
                    current.name.clone_from(&want.name);
                    current.mtu = want.mtu;
                    current.arp = want.arp;
                    current.disabled = want.disabled;
                    changes.push((id, want));
                }
            }
            let mut seen = BTreeSet::new();
            for (_, interface) in table.iter() {
                if !seen.insert(interface.name.as_str()) {
                    return Err(ApplyError::new(
                        menu,
                        None,
                        format!("already have interface with such name ({})", interface.name),
                    ));
                }
            }
        }
        Ok(InterfacePlan { table, changes })
    }

    /// Renames, re-sizes and enables/disables the engine's interfaces. `disabled` goes through the
    /// engine (routes, neighbours and queues follow it), and only when it changes.
    pub fn commit(&self, engine: &mut FirewallEngine, now: Instant) {
        for (id, want) in &self.changes {
            let disabled_before = engine.interfaces().get(*id).map(|i| i.disabled);
            if let Some(interface) = engine.interface_mut(*id) {
                interface.name.clone_from(&want.name);
                interface.mtu = want.mtu;
                interface.arp = want.arp;
            }
            if disabled_before != Some(want.disabled) {
                engine.set_disabled(*id, want.disabled, now);
            }
        }
    }
}

/// The interface lists for the engine, from `/interface list` and `/interface list member`.
pub(super) fn build_lists(config: &Config, table: &InterfaceTable) -> InterfaceLists {
    let mut lists = InterfaceLists::new();
    let Some(list_menu) = menus::menu("interface/list") else {
        return lists;
    };
    let direct = direct_members(config, table);
    let everything: BTreeSet<InterfaceId> = table.iter().map(|(id, _)| id).collect();
    let items = config.items(list_menu);
    let by_id: BTreeMap<u32, &Item> = items.iter().map(|i| (i.id, i)).collect();
    let context = Nesting {
        config,
        by_id: &by_id,
        direct: &direct,
        everything: &everything,
    };
    for item in items {
        let Some(name) = item.get("name") else {
            continue;
        };
        let Some(list) = lists.add(name) else { break };
        for interface in context.members(item, 0) {
            lists.add_member(list, interface);
        }
    }
    // RouterOS's built-in `static` and `dynamic` lists (`all` and `none` are the engine's own).
    for (builtin, members) in [("static", &everything), ("dynamic", &BTreeSet::new())] {
        if lists.by_name(builtin).is_none()
            && let Some(list) = lists.add(builtin)
        {
            for interface in members {
                lists.add_member(list, *interface);
            }
        }
    }
    lists
}

/// Enabled `member` items, by list item id.
fn direct_members(config: &Config, table: &InterfaceTable) -> BTreeMap<u32, BTreeSet<InterfaceId>> {
    let mut direct: BTreeMap<u32, BTreeSet<InterfaceId>> = BTreeMap::new();
    let Some(member_menu) = menus::menu("interface/list/member") else {
        return direct;
    };
    for member in config.items(member_menu) {
        let props = Props::new(member_menu, member);
        if props.flag("disabled") {
            continue;
        }
        let (Some(list), Some(interface)) = (member.get("list"), member.get("interface")) else {
            continue;
        };
        let Target::Item(list) = resolve(config, "interface/list", list) else {
            continue;
        };
        if let Some(interface) = referenced(config, interface, table) {
            direct.entry(list.id).or_default().insert(interface);
        }
    }
    direct
}

struct Nesting<'a> {
    config: &'a Config,
    by_id: &'a BTreeMap<u32, &'a Item>,
    direct: &'a BTreeMap<u32, BTreeSet<InterfaceId>>,
    everything: &'a BTreeSet<InterfaceId>,
}

impl Nesting<'_> {
    /// Members of `list`: its own, plus those of `include`, minus those of `exclude`. Recursion is
    /// bounded by [`MAX_LIST_NESTING`]; deeper lists (and loops) contribute nothing.
    fn members(&self, list: &Item, depth: usize) -> BTreeSet<InterfaceId> {
        let mut members = self.direct.get(&list.id).cloned().unwrap_or_default();
        if depth >= MAX_LIST_NESTING {
            return members;
        }
        if let Some(include) = list.get("include") {
            members.extend(self.named(include, depth));
        }
        if let Some(exclude) = list.get("exclude") {
            for interface in self.named(exclude, depth) {
                members.remove(&interface);
            }
        }
        members
    }

    fn named(&self, stored: &str, depth: usize) -> BTreeSet<InterfaceId> {
        match resolve(self.config, "interface/list", stored) {
            Target::Builtin("all" | "static") => self.everything.clone(),
            Target::Builtin(_) | Target::Dangling => BTreeSet::new(),
            Target::Item(item) => match self.by_id.get(&item.id) {
                Some(list) => self.members(list, depth + 1),
                None => BTreeSet::new(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Change;
    use netstack::interface::ListId;
    use smoltcp::wire::EthernetAddress;

    fn item(default_name: &str) -> Item {
        Item {
            id: 1,
            values: [(String::from("default-name"), String::from(default_name))]
                .into_iter()
                .collect(),
        }
    }

    #[test]
    fn default_names_give_bus_order() {
        assert_eq!(nic(&item("ether1")), Some(InterfaceId(0)));
        assert_eq!(nic(&item("ether12")), Some(InterfaceId(11)));
        assert_eq!(nic(&item("ether0")), None);
        assert_eq!(nic(&item("ether")), None);
        assert_eq!(nic(&item("ether+1")), None);
        assert_eq!(nic(&item("ether99999999")), None);
        assert_eq!(nic(&item("wlan1")), None);
    }

    #[test]
    fn arp_modes() {
        assert_eq!(arp_mode("reply-only"), Ok(ArpMode::ReplyOnly));
        assert_eq!(arp_mode("proxy-arp"), Ok(ArpMode::ProxyArp));
        assert_eq!(
            arp_mode("local-proxy-arp").unwrap_err().to_string(),
            "failure: arp=local-proxy-arp is not supported"
        );
    }

    /// Lists: direct members, disabled members left out, include/exclude, loops and built-ins.
    #[test]
    fn lists_follow_members_include_and_exclude() {
        let mut config = Config::new();
        let interface = interface_menu().unwrap();
        let mut table = InterfaceTable::new();
        for n in 1..=3 {
            let name = format!("ether{n}");
            config
                .add_system_item(interface, &[("name", &name), ("default-name", &name)])
                .unwrap();
            table
                .add(netstack::interface::Interface::new(
                    &name,
                    EthernetAddress([2, 0, 0, 0, 0, n]),
                ))
                .unwrap();
        }
        let list = menus::menu("interface/list").unwrap();
        let member = menus::menu("interface/list/member").unwrap();
        let set = |menu: &'static MenuDef, pairs: &[(&str, &str)]| -> Vec<Change> {
            pairs
                .iter()
                .map(|(k, v)| Change::Set(menu.prop(k).unwrap(), String::from(*v)))
                .collect()
        };
        config
            .add(list, &set(list, &[("name", "A")]), None)
            .unwrap();
        config
            .add(list, &set(list, &[("name", "B"), ("include", "A")]), None)
            .unwrap();
        config
            .add(
                list,
                &set(list, &[("name", "C"), ("include", "all"), ("exclude", "A")]),
                None,
            )
            .unwrap();
        for (l, i, disabled) in [
            ("A", "ether1", "no"),
            ("A", "ether3", "yes"),
            ("B", "ether2", "no"),
        ] {
            config
                .add(
                    member,
                    &set(
                        member,
                        &[("list", l), ("interface", i), ("disabled", disabled)],
                    ),
                    None,
                )
                .unwrap();
        }
        // A includes B which includes A: the loop ends at the nesting bound.
        let a = config.find_by_key(list, "A").unwrap().id;
        config
            .set(list, a, &set(list, &[("include", "B")]))
            .unwrap();

        let lists = build_lists(&config, &table);
        let members = |name: &str| -> Vec<u16> {
            let id = lists.by_name(name).unwrap();
            (0..4)
                .filter(|i| lists.contains(id, InterfaceId(*i)))
                .collect()
        };
        assert_eq!(members("A"), [0, 1]);
        assert_eq!(members("B"), [0, 1]);
        assert_eq!(members("C"), [2], "all but A's members");
        assert_eq!(members("static"), [0, 1, 2]);
        assert_eq!(members("dynamic"), Vec::<u16>::new());
        assert_eq!(lists.by_name("all"), Some(ListId::All));
    }
}
