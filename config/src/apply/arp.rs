//! `/ip arp` items → the engine's static neighbour entries, reconciled by (interface, address): an entry
//! that stays is not touched, one whose MAC changed is replaced, dynamic entries are left alone (adding
//! a static entry takes over a dynamic one for the same address and releases its waiting packets).
//!
//! Disabled items and items whose interface has no NIC are not in the engine. `published=yes` (answer
//! ARP for the address) has no engine counterpart yet: such entries are used for sending only.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use netstack::Instant;
use netstack::interface::{InterfaceId, InterfaceTable};
use netstack::neighbor::NeighborStatus;
use smoltcp::wire::{EthernetAddress, Ipv4Address};

use super::interfaces::referenced;
use super::props::{Props, invalid};
use super::{ApplyError, FirewallEngine};
use crate::model::menus;
use crate::model::{Config, Item, MenuDef, ModelError};
use crate::value;

/// The address and MAC of an item, checked as the neighbour cache checks them (a unicast neighbour
/// address; a unicast, non-zero MAC).
fn entry(menu: &MenuDef, item: &Item) -> Result<(Ipv4Address, EthernetAddress), ModelError> {
    let props = Props::new(menu, item);
    let text = props.get("address").unwrap_or("");
    let address = value::parse_ipv4(text)
        .filter(|a| {
            !(a.is_unspecified() || a.is_broadcast() || a.is_multicast() || a.is_loopback())
        })
        .ok_or_else(|| invalid("address", text))?;
    let text = props.get("mac-address").unwrap_or("");
    let mac = value::parse_mac(text)
        .filter(|m| m.is_unicast() && *m != EthernetAddress([0; 6]))
        .ok_or_else(|| invalid("mac-address", text))?;
    Ok((address, mac))
}

/// Checks one `/ip arp` item (run on `add`/`set`).
pub(super) fn check(menu: &MenuDef, item: &Item) -> Result<(), ModelError> {
    entry(menu, item).map(|_| ())
}

type Key = (InterfaceId, Ipv4Address);

/// The static-entry changes that make the engine's static ARP entries the configured ones.
pub(super) struct ArpPlan {
    remove: Vec<Key>,
    add: Vec<(u32, Key, EthernetAddress)>,
}

impl ArpPlan {
    pub fn new(
        config: &Config,
        engine: &FirewallEngine,
        table: &InterfaceTable,
        now: Instant,
    ) -> Result<Self, ApplyError> {
        let mut statics: BTreeMap<Key, EthernetAddress> = BTreeMap::new();
        let mut pinned = 0usize;
        for view in engine.neighbors().entries(now) {
            match view.status {
                NeighborStatus::Permanent => {
                    if let Some(mac) = view.mac_address {
                        statics.insert((view.interface, view.address), mac);
                    }
                    pinned += 1;
                }
                NeighborStatus::Incomplete => pinned += 1,
                _ => {}
            }
        }
        let mut plan = ArpPlan {
            remove: Vec::new(),
            add: Vec::new(),
        };
        let mut wanted: BTreeMap<Key, ()> = BTreeMap::new();
        if let Some(menu) = menus::menu("ip/arp") {
            for item in config.items(menu) {
                if Props::new(menu, item).flag("disabled") {
                    continue;
                }
                let (address, mac) =
                    entry(menu, item).map_err(|e| ApplyError::model(menu, Some(item.id), &e))?;
                let Some(interface) = item
                    .get("interface")
                    .and_then(|i| referenced(config, i, table))
                else {
                    continue;
                };
                let key = (interface, address);
                if wanted.insert(key, ()).is_some() {
                    return Err(ApplyError::new(
                        menu,
                        Some(item.id),
                        "already have such entry",
                    ));
                }
                match statics.remove(&key) {
                    Some(current) if current == mac => {}
                    Some(_) => {
                        plan.remove.push(key);
                        plan.add.push((item.id, key, mac));
                    }
                    None => plan.add.push((item.id, key, mac)),
                }
            }
            plan.remove.extend(statics.into_keys());
            let after = pinned
                .saturating_sub(plan.remove.len())
                .saturating_add(plan.add.len());
            if after > engine.neighbors().config().max_entries {
                return Err(ApplyError::new(menu, None, "ARP table is full"));
            }
        } else {
            plan.remove.extend(statics.into_keys());
        }
        Ok(plan)
    }

    pub fn commit(&self, engine: &mut FirewallEngine, now: Instant) -> Result<(), ApplyError> {
        for (interface, address) in &self.remove {
            let _ = engine.remove_static_arp(*interface, *address);
        }
        for (item, (interface, address), mac) in &self.add {
            engine
                .add_static_arp(*interface, *address, *mac, now)
                .map_err(|e| ApplyError {
                    menu: "ip/arp",
                    id: Some(*item),
                    message: alloc::format!("can not add ARP entry ({e:?})"),
                })?;
        }
        Ok(())
    }
}
