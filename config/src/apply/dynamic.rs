//! Items the system creates that the configuration does not hold, shown by `print` with the `D` flag:
//!
//! * `/ip route`: the connected route of every address (`dst-address` = its network, `gateway` = the
//!   interface's name, `distance=0`, `scope=10`, flags `DAc` while the interface is up), and the
//!   routes of DHCP clients' leases (flags `DAd` while in use);
//! * `/ip address`: DHCP clients' addresses;
//! * `/ip arp`: the neighbours the router learned (`mac-address` absent while unresolved);
//! * `/ip firewall address-list`: entries rules or `add ... timeout=` added (`timeout` = time left, if
//!   any; an entry past its timeout is not shown);
//! * `/ip firewall filter`: RouterOS's "special dummy rule to show fasttrack counters" once any
//!   connection was FastTracked (routeros-reference.md §1), carrying those counters, as
//!   [`FASTTRACK_DUMMY_ID`].
//!
//! IDs start at `0x8000_0000` so they never meet configured items' IDs (handed out from 1 upwards).
//! A connected route's ID follows its engine route id; a neighbour's and a list entry's follow a hash of
//! what identifies them, with the next free ID taken on a collision. Either way an entry keeps its ID
//! for as long as it exists (barring such a collision with a newer entry ordered before it).

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use netstack::Instant;
use netstack::firewall::spec::AddrRange;
use netstack::route::Gateway;

use super::FirewallEngine;
use super::status::shown;
use crate::model::{Config, Item, MenuDef};
use crate::value::{format_duration, format_mac};

/// The first ID of dynamic items.
pub const FIRST_DYNAMIC_ID: u32 = 0x8000_0000;

/// The `*ID` of the fasttrack dummy filter rule (the first dynamic ID of its menu).
pub(super) const FASTTRACK_DUMMY_ID: u32 = FIRST_DYNAMIC_ID;

/// Hands out distinct IDs at or above [`FIRST_DYNAMIC_ID`].
struct Ids {
    used: BTreeSet<u32>,
}

impl Ids {
    /// `wanted` (folded into the dynamic range), or the next free ID after it. At most one probe more
    /// than IDs handed out, so the search always ends.
    fn claim(&mut self, wanted: u64) -> u32 {
        let mut id = FIRST_DYNAMIC_ID | (wanted as u32 & 0x7FFF_FFFF);
        for _ in 0..=self.used.len() {
            if self.used.insert(id) {
                return id;
            }
            id = FIRST_DYNAMIC_ID | (id.wrapping_add(1) & 0x7FFF_FFFF);
        }
        id
    }
}

/// SplitMix64's finaliser: spreads a key over the ID range.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// An item with the properties of `pairs` that `menu` shows, plus `dynamic=yes`.
fn item(menu: &MenuDef, id: u32, pairs: Vec<(&str, String)>) -> Item {
    let mut values = BTreeMap::new();
    values.insert(String::from("dynamic"), String::from("yes"));
    for (name, value) in pairs {
        if shown(menu, name) {
            values.insert(String::from(name), value);
        }
    }
    Item { id, values }
}

fn interface_name(engine: &FirewallEngine, id: netstack::interface::InterfaceId) -> String {
    engine
        .interfaces()
        .get(id)
        .map_or_else(|| format!("*{}", id.0), |i| i.name.clone())
}

/// A firewall address as RouterOS prints it: one address, a prefix when the range is exactly one, or
/// `first-last`.
pub(super) fn format_range(range: AddrRange) -> String {
    let (start, end) = (range.start.to_bits(), range.end.to_bits());
    if start == end {
        return format!("{}", range.start);
    }
    let size = u64::from(end)
        .checked_sub(u64::from(start))
        .map_or(0, |span| span + 1);
    if size.is_power_of_two() && u64::from(start) % size == 0 {
        let len = 64 - size.trailing_zeros() - 32;
        return format!("{}/{len}", range.start);
    }
    format!("{}-{}", range.start, range.end)
}

/// What a dynamic address-list entry's ID is derived from: its list and address.
fn list_entry_key(list: &str, range: AddrRange) -> u64 {
    let mut key = mix(u64::from(range.start.to_bits()) << 32 | u64::from(range.end.to_bits()));
    for byte in list.bytes() {
        key = mix(key ^ u64::from(byte));
    }
    key
}

/// The `*ID` `print` shows the dynamic entry `range` of `list` under (unless its hash collides with
/// an entry ordered before it, see the module documentation).
pub(super) fn list_entry_id(list: &str, range: AddrRange) -> u32 {
    Ids {
        used: BTreeSet::new(),
    }
    .claim(list_entry_key(list, range))
}

/// See [`super::dynamic_items`].
pub(super) fn dynamic_items(
    _config: &Config,
    engine: &FirewallEngine,
    menu: &MenuDef,
    now: Instant,
) -> Vec<Item> {
    let mut ids = Ids {
        used: BTreeSet::new(),
    };
    let mut out = Vec::new();
    match menu.storage {
        "ip/address" => {
            // A DHCP client's lease (`dhcp_client`).
            for address in engine.addresses().iter().filter(|a| a.dynamic) {
                let pairs = alloc::vec![
                    ("address", format!("{}", address.cidr)),
                    ("network", format!("{}", address.network().address())),
                    ("interface", interface_name(engine, address.interface)),
                ];
                out.push(item(menu, ids.claim(mix(u64::from(address.id.0))), pairs));
            }
        }
        "ip/route" => {
            let dynamic = |r: &netstack::route::RouteEntry<'_>| r.flags.connected || r.flags.dhcp;
            for route in engine.routes().iter().filter(dynamic) {
                let gateway = match route.gateways.first() {
                    Some(Gateway::Interface(id)) => interface_name(engine, *id),
                    Some(other) => other.render(|id| interface_name(engine, id)),
                    None => String::new(),
                };
                // A DHCP client's routes: scope 30 as any gateway route; connected routes 10.
                let kind = match route.flags.connected {
                    true => ("connect", "10"),
                    false => ("dhcp", "30"),
                };
                let pairs = alloc::vec![
                    ("dst-address", format!("{}", route.dst)),
                    ("gateway", gateway),
                    ("distance", format!("{}", route.distance)),
                    ("scope", String::from(kind.1)),
                    ("active", String::from(yes_no(route.flags.active))),
                    (kind.0, String::from("yes")),
                ];
                let id = ids.claim(u64::from(route.id.0));
                out.push(item(menu, id, pairs));
            }
        }
        "ip/arp" => {
            for view in engine.neighbors().entries(now) {
                if !view.flags().dynamic {
                    continue;
                }
                let mut pairs = alloc::vec![
                    ("address", format!("{}", view.address)),
                    ("interface", interface_name(engine, view.interface)),
                ];
                if let Some(mac) = view.mac_address {
                    pairs.push(("mac-address", format_mac(mac)));
                }
                let key = (u64::from(view.interface.0) << 32) | u64::from(view.address.to_bits());
                out.push(item(menu, ids.claim(mix(key)), pairs));
            }
        }
        "ip/firewall/address-list" => {
            let lists = &engine.hooks().state().address_lists;
            let mut entries: Vec<(&str, AddrRange, Option<Instant>)> = Vec::new();
            for (list, name) in lists.lists() {
                entries.extend(
                    lists
                        .entries(list)
                        .filter(|e| e.dynamic)
                        .map(|e| (name, e.address, e.expires_at)),
                );
            }
            entries.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
            for (list, range, expires) in entries {
                let mut pairs = alloc::vec![
                    ("list", String::from(list)),
                    ("address", format_range(range)),
                ];
                if let Some(at) = expires {
                    // Past its timeout an entry is gone, though the engine drops it only when its
                    // rules next run.
                    if at <= now {
                        continue;
                    }
                    pairs.push(("timeout", format_duration(at - now)));
                }
                out.push(item(menu, ids.claim(list_entry_key(list, range)), pairs));
            }
        }
        "ip/firewall/filter" => {
            let stats = engine.hooks().stats();
            // Shown from the first FastTracked connection on, also after `reset-counters` zeroed it.
            if stats.fasttracked > 0 || engine.hooks().fasttrack_used() {
                let pairs = alloc::vec![
                    ("chain", String::from("forward")),
                    ("action", String::from("passthrough")),
                    (
                        "comment",
                        String::from("special dummy rule to show fasttrack counters"),
                    ),
                    ("bytes", format!("{}", stats.fasttracked_bytes)),
                    ("packets", format!("{}", stats.fasttracked)),
                ];
                out.push(item(menu, ids.claim(u64::from(FASTTRACK_DUMMY_ID)), pairs));
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use smoltcp::wire::Ipv4Address;

    #[test]
    fn ids_are_distinct_and_in_the_dynamic_range() {
        let mut ids = Ids {
            used: BTreeSet::new(),
        };
        assert_eq!(ids.claim(5), 0x8000_0005);
        assert_eq!(ids.claim(5), 0x8000_0006, "collision takes the next");
        assert_eq!(ids.claim(0x8000_0005), 0x8000_0007, "folded into the range");
        assert_eq!(ids.claim(0x7FFF_FFFF), 0xFFFF_FFFF);
        assert_eq!(
            ids.claim(0x7FFF_FFFF),
            0x8000_0000,
            "wraps within the range"
        );
    }

    #[test]
    fn ranges_print_like_routeros() {
        let a = |d| Ipv4Address::new(10, 0, 0, d);
        assert_eq!(format_range(AddrRange::single(a(1))), "10.0.0.1");
        assert_eq!(format_range(AddrRange::range(a(0), a(255))), "10.0.0.0/24");
        assert_eq!(format_range(AddrRange::range(a(4), a(7))), "10.0.0.4/30");
        assert_eq!(
            format_range(AddrRange::range(a(1), a(7))),
            "10.0.0.1-10.0.0.7"
        );
        assert_eq!(
            format_range(AddrRange::range(
                Ipv4Address::UNSPECIFIED,
                Ipv4Address::BROADCAST
            )),
            "0.0.0.0/0"
        );
    }
}
