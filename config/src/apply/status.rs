//! What the running engine says about a configured item, for `print`: the read-only properties and
//! flags RouterOS shows beside the configured values. Values are canonical (`yes`/`no`, decimal
//! counters, `0C:00:6E:34:39:00`), and only properties and flag properties the menu defines are
//! returned, so every front end can show them as it shows stored values.
//!
//! | menu | properties |
//! |---|---|
//! | `/interface`, `/interface ethernet` | `running` (link up and enabled), `mac-address`, `orig-mac-address` (when not stored) |
//! | `/ip address` | `invalid` (interface has no NIC or is disabled), `network` (when not stored) |
//! | `/ip route` | `active` (selected for forwarding), `static` |
//! | `/ip firewall filter\|nat\|mangle\|raw` | `bytes`, `packets`, `invalid` |
//! | `/ip firewall connection tracking` | `total-entries` |

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::FirewallEngine;
use super::interfaces::{nic, referenced};
use super::routes::engine_route;
use super::rules::{is_invalid, rule_id, table_of};
use crate::model::{Config, Item, MenuDef};
use crate::value::format_mac;

fn yes_no(b: bool) -> String {
    String::from(if b { "yes" } else { "no" })
}

/// Whether `menu` shows property `name` (a property or the property behind a flag).
pub(super) fn shown(menu: &MenuDef, name: &str) -> bool {
    menu.prop(name).is_some() || menu.flags.iter().any(|f| f.property == name)
}

/// See [`super::status`].
pub(super) fn status(
    config: &Config,
    engine: &FirewallEngine,
    menu: &MenuDef,
    item: &Item,
) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    match menu.storage {
        "interface" => {
            let interface = nic(item).and_then(|id| engine.interfaces().get(id));
            out.push((
                "running",
                yes_no(interface.is_some_and(|i| i.running && !i.disabled)),
            ));
            if let Some(interface) = interface {
                for name in ["mac-address", "orig-mac-address"] {
                    if item.get(name).is_none() {
                        out.push((name, format_mac(interface.mac)));
                    }
                }
            }
        }
        "ip/address" => {
            let on = item
                .get("interface")
                .and_then(|i| referenced(config, i, engine.interfaces()));
            let enabled =
                on.is_some_and(|id| engine.interfaces().get(id).is_some_and(|i| !i.disabled));
            out.push(("invalid", yes_no(!enabled)));
            if item.get("network").is_none()
                && let Some(cidr) = item
                    .get("address")
                    .and_then(crate::value::parse_ipv4_prefix)
            {
                out.push(("network", format!("{}", cidr.network().address())));
            }
        }
        "ip/route" => {
            let route = engine_route(config, menu, item, engine);
            out.push(("active", yes_no(route.is_some_and(|r| r.flags.active))));
            out.push(("static", yes_no(true)));
        }
        "ip/firewall/connection/tracking" => {
            out.push((
                "total-entries",
                format!("{}", engine.hooks().conntrack().len()),
            ));
        }
        _ => {
            if let Some(table) = table_of(menu) {
                let counters = engine.hooks().rules(table).rule_counters(rule_id(item));
                let (bytes, packets) = counters.map_or((0, 0), |c| (c.bytes, c.packets));
                out.push(("bytes", format!("{bytes}")));
                out.push(("packets", format!("{packets}")));
                let invalid = is_invalid(config, item, engine.interfaces());
                out.push(("invalid", yes_no(invalid)));
            }
        }
    }
    out.retain(|(name, _)| shown(menu, name));
    out
}
