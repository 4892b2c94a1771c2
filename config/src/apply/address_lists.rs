//! `/ip firewall address-list` items → the engine's static address-list entries, reconciled by
//! (list, address): entries that stay are not touched; a configured entry that exists as a dynamic one
//! (added by a rule's `add-src-to-address-list`) becomes static; dynamic entries are otherwise left to
//! their rules and timeouts.
//!
//! A configured item's `timeout=` is not applied: on RouterOS an entry added with a timeout is dynamic
//! and not part of the configuration, so the console adds such an entry to the engine directly
//! (`dynamic_entries`), not to the object model. One stored all the same is kept static here.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use netstack::Instant;
use netstack::firewall::address_list::{DEFAULT_MAX_ENTRIES, MAX_LISTS};
use netstack::firewall::spec::AddrRange;

use super::props::{Props, invalid};
use super::{ApplyError, FirewallEngine};
use crate::model::Config;
use crate::model::menus;
use crate::value;

type Key = (String, (u32, u32));

fn key(list: &str, range: AddrRange) -> Key {
    (
        String::from(list),
        (range.start.to_bits(), range.end.to_bits()),
    )
}

fn range_of(key: &Key) -> AddrRange {
    AddrRange::range(
        smoltcp::wire::Ipv4Address::from_bits(key.1.0),
        smoltcp::wire::Ipv4Address::from_bits(key.1.1),
    )
}

/// The entry changes that make the engine's static address-list entries the configured ones.
pub(super) struct AddressListPlan {
    remove: Vec<Key>,
    /// (item, entry, a dynamic entry of that address is to be replaced).
    add: Vec<(u32, Key, bool)>,
    /// List names the engine does not know yet.
    pub new_names: BTreeSet<String>,
}

impl AddressListPlan {
    pub fn new(config: &Config, engine: &FirewallEngine) -> Result<Self, ApplyError> {
        let lists = &engine.hooks().state().address_lists;
        let mut present: BTreeMap<Key, bool> = BTreeMap::new();
        for (id, name) in lists.lists() {
            for entry in lists.entries(id) {
                present.insert(key(name, entry.address), entry.dynamic);
            }
        }
        let mut plan = AddressListPlan {
            remove: Vec::new(),
            add: Vec::new(),
            new_names: BTreeSet::new(),
        };
        let mut wanted: BTreeSet<Key> = BTreeSet::new();
        let Some(menu) = menus::menu("ip/firewall/address-list") else {
            return Ok(plan);
        };
        for item in config.items(menu) {
            let props = Props::new(menu, item);
            if props.flag("disabled") {
                continue;
            }
            let (Some(list), Some(address)) = (props.get("list"), props.get("address")) else {
                continue;
            };
            let range = value::parse_ipv4_match(address).ok_or_else(|| {
                ApplyError::model(menu, Some(item.id), &invalid("address", address))
            })?;
            let entry = key(list, range);
            if !wanted.insert(entry.clone()) {
                return Err(ApplyError::new(
                    menu,
                    Some(item.id),
                    "already have such entry",
                ));
            }
            match present.remove(&entry) {
                Some(false) => {}
                Some(true) => plan.add.push((item.id, entry, true)),
                None => {
                    if lists.find(list).is_none() {
                        plan.new_names.insert(String::from(list));
                    }
                    plan.add.push((item.id, entry, false))
                }
            }
        }
        plan.remove = present
            .into_iter()
            .filter(|(_, dynamic)| !dynamic)
            .map(|(entry, _)| entry)
            .collect();
        let fresh = plan.add.iter().filter(|(_, _, replaces)| !replaces).count();
        let after = lists
            .len()
            .saturating_sub(plan.remove.len())
            .saturating_add(fresh);
        if after > DEFAULT_MAX_ENTRIES {
            return Err(ApplyError::new(menu, None, "address list is full"));
        }
        Ok(plan)
    }

    /// Whether the engine can hold `extra` more list names besides those of this plan.
    pub fn fits_lists(&self, engine: &FirewallEngine, extra: &BTreeSet<String>) -> bool {
        let lists = &engine.hooks().state().address_lists;
        let known = lists.lists().count();
        let new = self.new_names.union(extra).count();
        known.saturating_add(new) <= MAX_LISTS
    }

    pub fn commit(&self, engine: &mut FirewallEngine, now: Instant) -> Result<(), ApplyError> {
        let lists = &mut engine.hooks_mut().state_mut().address_lists;
        for entry in &self.remove {
            let _ = lists.remove(&entry.0, range_of(entry));
        }
        for (item, entry, replaces) in &self.add {
            if *replaces {
                let _ = lists.remove(&entry.0, range_of(entry));
            }
            lists
                .add(&entry.0, range_of(entry), None, now)
                .map_err(|e| ApplyError {
                    menu: "ip/firewall/address-list",
                    id: Some(*item),
                    message: alloc::format!("can not add address-list entry ({e:?})"),
                })?;
        }
        Ok(())
    }
}
