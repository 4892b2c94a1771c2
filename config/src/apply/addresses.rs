//! `/ip address` items → the engine's addresses (each with its connected route, which the engine makes
//! and removes with the address), reconciled by content: an address that stays keeps its engine entry,
//! so its connected route and the connections masqueraded to it survive unrelated changes; a removed
//! address takes its connected route and its masqueraded connections with it, as on RouterOS.
//!
//! Disabled items and items whose interface has no NIC are not in the engine (RouterOS shows them with
//! the `X` and `I` flags). `network=` is not used: the engine derives the network from the prefix.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use netstack::address::{AddressId, MAX_ADDRESSES};
use netstack::interface::{InterfaceId, InterfaceTable};
use smoltcp::wire::Ipv4Cidr;

use super::interfaces::referenced;
use super::props::{Props, invalid};
use super::{ApplyError, FirewallEngine};
use crate::model::menus;
use crate::model::{Config, Item, MenuDef, ModelError};
use crate::value;

/// Whether `cidr` can be an interface address: the rule of `netstack::address` (not 0.0.0.0, multicast,
/// broadcast, loopback or class E, and not the network or broadcast address of its own subnet, except
/// on /31 and /32 links, RFC 3021).
pub(super) fn is_assignable(cidr: Ipv4Cidr) -> bool {
    let address = cidr.address();
    let [first, ..] = address.octets();
    if address.is_unspecified()
        || address.is_multicast()
        || address.is_broadcast()
        || first == 127
        || first >= 240
    {
        return false;
    }
    if cidr.prefix_len() < 31 {
        return address != cidr.network().address() && Some(address) != cidr.broadcast();
    }
    cidr.prefix_len() <= 32
}

/// The address of an item, checked.
fn address(menu: &MenuDef, item: &Item) -> Result<Ipv4Cidr, ModelError> {
    let props = Props::new(menu, item);
    let text = props.get("address").unwrap_or("");
    let cidr = value::parse_ipv4_prefix(text).ok_or_else(|| invalid("address", text))?;
    if is_assignable(cidr) {
        Ok(cidr)
    } else {
        Err(invalid("address", text))
    }
}

/// Checks one `/ip address` item (run on `add`/`set`).
pub(super) fn check(menu: &MenuDef, item: &Item) -> Result<(), ModelError> {
    address(menu, item).map(|_| ())
}

/// The engine interface an address item is on, when it is in effect (enabled, NIC present).
pub(super) fn effective(
    config: &Config,
    menu: &MenuDef,
    item: &Item,
    table: &InterfaceTable,
) -> Option<(Ipv4Cidr, InterfaceId)> {
    if Props::new(menu, item).flag("disabled") {
        return None;
    }
    let interface = referenced(config, item.get("interface")?, table)?;
    Some((address(menu, item).ok()?, interface))
}

type Key = (u32, u8, InterfaceId);

fn key(cidr: Ipv4Cidr, interface: InterfaceId) -> Key {
    (cidr.address().to_bits(), cidr.prefix_len(), interface)
}

/// The address changes that make the engine's addresses the configured ones.
pub(super) struct AddressPlan {
    remove: Vec<AddressId>,
    enable: Vec<AddressId>,
    add: Vec<(u32, Ipv4Cidr, InterfaceId)>,
}

impl AddressPlan {
    pub fn new(
        config: &Config,
        engine: &FirewallEngine,
        table: &InterfaceTable,
    ) -> Result<Self, ApplyError> {
        let mut present: BTreeMap<Key, (AddressId, bool)> = engine
            .addresses()
            .iter()
            // A DHCP client's lease is not the configuration's (`dhcp_client`).
            .filter(|a| !a.dynamic)
            .map(|a| (key(a.cidr, a.interface), (a.id, a.disabled)))
            .collect();
        let mut plan = AddressPlan {
            remove: Vec::new(),
            enable: Vec::new(),
            add: Vec::new(),
        };
        let mut wanted = 0usize;
        if let Some(menu) = menus::menu("ip/address") {
            let mut seen = BTreeMap::new();
            for item in config.items(menu) {
                if !Props::new(menu, item).flag("disabled") {
                    address(menu, item).map_err(|e| ApplyError::model(menu, Some(item.id), &e))?;
                }
                let Some((cidr, interface)) = effective(config, menu, item, table) else {
                    continue;
                };
                if seen.insert(key(cidr, interface), item.id).is_some() {
                    return Err(ApplyError::new(
                        menu,
                        Some(item.id),
                        "already have such address",
                    ));
                }
                wanted += 1;
                match present.remove(&key(cidr, interface)) {
                    Some((id, true)) => plan.enable.push(id),
                    Some((_, false)) => {}
                    None => plan.add.push((item.id, cidr, interface)),
                }
            }
            if wanted > MAX_ADDRESSES {
                return Err(ApplyError::new(menu, None, "address table is full"));
            }
        }
        plan.remove = present.into_values().map(|(id, _)| id).collect();
        Ok(plan)
    }

    /// Removes first (freeing table room), then enables and adds.
    pub fn commit(&self, engine: &mut FirewallEngine) -> Result<(), ApplyError> {
        for id in &self.remove {
            engine.remove_address(*id);
        }
        for id in &self.enable {
            engine.set_address_disabled(*id, false);
        }
        for (item, cidr, interface) in &self.add {
            engine
                .add_address(*cidr, *interface)
                .map_err(|e| ApplyError {
                    menu: "ip/address",
                    id: Some(*item),
                    message: alloc::format!("{e}"),
                })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smoltcp::wire::Ipv4Address;

    #[test]
    fn assignable_addresses() {
        let cidr = |a, b, c, d, len| Ipv4Cidr::new(Ipv4Address::new(a, b, c, d), len);
        assert!(is_assignable(cidr(192, 168, 88, 1, 24)));
        assert!(is_assignable(cidr(10, 0, 0, 0, 31)));
        assert!(is_assignable(cidr(10, 0, 0, 5, 32)));
        assert!(!is_assignable(cidr(192, 168, 88, 0, 24)), "network address");
        assert!(
            !is_assignable(cidr(192, 168, 88, 255, 24)),
            "broadcast address"
        );
        assert!(!is_assignable(cidr(127, 0, 0, 1, 8)));
        assert!(!is_assignable(cidr(224, 0, 0, 1, 4)));
        assert!(!is_assignable(cidr(0, 0, 0, 0, 0)));
        assert!(!is_assignable(cidr(255, 255, 255, 255, 32)));
    }
}
