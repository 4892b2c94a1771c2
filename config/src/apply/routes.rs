//! `/ip route` items → the engine's static routes, reconciled by content.
//!
//! A route's `gateway=` is a comma list (ECMP) of addresses (`10.0.0.1`, resolved through connected
//! routes), interface names (`ether1`, on-link) and `address%interface`, as RouterOS takes it;
//! `blackhole=yes` needs no gateway. Only the `main` routing table exists; `check-gateway`, `scope`,
//! `target-scope` and `suppress-hw-offload` are stored but the engine uses its defaults (see
//! `netstack::route`, "Not modelled").
//!
//! The engine numbers its routes itself, so configured routes are matched to engine routes by what they
//! say (destination, target, distance, pref-src): an unchanged route keeps its engine route, a route that
//! was only disabled or enabled is switched in place, and the rest is removed and added. Routes with the
//! same content are interchangeable, so the matching never misleads.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use netstack::interface::{InterfaceId, InterfaceTable};
use netstack::route::{
    Gateway, MAX_GATEWAYS_PER_ROUTE, RouteEntry, RouteId, RouteKind, RouteTarget, StaticRoute,
};
use smoltcp::wire::Ipv4Cidr;

use super::interfaces::{by_name, nic};
use super::props::{Props, failure, invalid};
use super::{ApplyError, FirewallEngine};
use crate::model::menus;
use crate::model::{Config, Item, MenuDef, ModelError};
use crate::value;

/// One element of `gateway=` as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum GatewayText<'a> {
    Address(smoltcp::wire::Ipv4Address),
    Interface(&'a str),
    AddressOnInterface(smoltcp::wire::Ipv4Address, &'a str),
}

/// Splits and parses `gateway=`: `10.0.0.1`, `ether1`, `10.0.0.1%ether1`, comma separated.
pub(super) fn parse_gateways(text: &str) -> Result<Vec<GatewayText<'_>>, ModelError> {
    let bad = || invalid("gateway", text);
    let mut gateways = Vec::new();
    for element in text.split(',') {
        if gateways.len() >= MAX_GATEWAYS_PER_ROUTE {
            return Err(bad());
        }
        let gateway = match element.split_once('%') {
            Some((address, interface)) if !interface.is_empty() => GatewayText::AddressOnInterface(
                value::parse_ipv4(address).ok_or_else(bad)?,
                interface,
            ),
            Some(_) => return Err(bad()),
            None => match value::parse_ipv4(element) {
                Some(address) => GatewayText::Address(address),
                // A name, but not something that only looks like a broken address.
                None if !element.is_empty()
                    && !element.bytes().all(|b| b.is_ascii_digit() || b == b'.') =>
                {
                    GatewayText::Interface(element)
                }
                None => return Err(bad()),
            },
        };
        gateways.push(gateway);
    }
    Ok(gateways)
}

/// A route as the engine takes it, or `None` when a gateway interface does not exist (in the
/// configuration or as a NIC in `table`): such a route is invalid and stays out of the engine.
pub(super) fn static_route(
    config: &Config,
    menu: &MenuDef,
    item: &Item,
    table: Option<&InterfaceTable>,
) -> Result<Option<StaticRoute>, ModelError> {
    let props = Props::new(menu, item);
    if props.get("routing-table").is_some_and(|t| t != "main") {
        return Err(ModelError::NoSuchValue {
            argument: "routing-table",
        });
    }
    let dst = props
        .parsed("dst-address", value::parse_ipv4_prefix)?
        .unwrap_or(Ipv4Cidr::new(smoltcp::wire::Ipv4Address::UNSPECIFIED, 0));
    if dst.network() != dst {
        return Err(invalid(
            "dst-address",
            props.get("dst-address").unwrap_or(""),
        ));
    }
    let target = if props.flag("blackhole") {
        RouteTarget::Blackhole
    } else {
        let text = props
            .get("gateway")
            .ok_or_else(|| failure("gateway not specified"))?;
        let mut gateways = Vec::new();
        for gateway in parse_gateways(text)? {
            let interface = |name: &str| -> Result<Option<InterfaceId>, ModelError> {
                let item = by_name(config, name).ok_or_else(|| invalid("gateway", text))?;
                Ok(nic(item).filter(|id| table.is_none_or(|t| t.get(*id).is_some())))
            };
            gateways.push(match gateway {
                GatewayText::Address(address) => Gateway::Address(address),
                GatewayText::Interface(name) => match interface(name)? {
                    Some(id) => Gateway::Interface(id),
                    None => return Ok(None),
                },
                GatewayText::AddressOnInterface(address, name) => match interface(name)? {
                    Some(id) => Gateway::AddressOnInterface(address, id),
                    None => return Ok(None),
                },
            });
        }
        RouteTarget::Gateways(gateways)
    };
    let mut route = StaticRoute::with_target(dst, target)
        .distance(props.integer::<u8>("distance")?.unwrap_or(1))
        .disabled(props.flag("disabled"));
    if let Some(pref_src) = props.parsed("pref-src", value::parse_ipv4)? {
        route = route.pref_src(pref_src);
    }
    Ok(Some(route))
}

/// Checks one `/ip route` item (run on `add`/`set`).
pub(super) fn check(config: &Config, menu: &MenuDef, item: &Item) -> Result<(), ModelError> {
    static_route(config, menu, item, None).map(|_| ())
}

/// What makes two routes the same route, `disabled` aside.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct RouteKey {
    dst: (u32, u8),
    kind: u8,
    gateways: Vec<Gateway>,
    distance: u8,
    pref_src: Option<u32>,
}

impl RouteKey {
    pub fn of(route: &StaticRoute) -> Self {
        let (kind, gateways) = match &route.target {
            RouteTarget::Gateways(g) => (0, g.clone()),
            RouteTarget::Blackhole => (1, Vec::new()),
            RouteTarget::Unreachable => (2, Vec::new()),
            RouteTarget::Prohibit => (3, Vec::new()),
        };
        RouteKey {
            dst: (route.dst.address().to_bits(), route.dst.prefix_len()),
            kind,
            gateways,
            distance: route.distance,
            pref_src: route.pref_src.map(|a| a.to_bits()),
        }
    }

    /// The key of an engine route (static or not).
    pub fn of_entry(entry: &RouteEntry<'_>) -> Self {
        let kind = match entry.kind {
            RouteKind::Unicast => 0,
            RouteKind::Blackhole => 1,
            RouteKind::Unreachable => 2,
            RouteKind::Prohibit => 3,
        };
        RouteKey {
            dst: (entry.dst.address().to_bits(), entry.dst.prefix_len()),
            kind,
            gateways: if kind == 0 {
                entry.gateways.to_vec()
            } else {
                Vec::new()
            },
            distance: entry.distance,
            pref_src: entry.pref_src.map(|a| a.to_bits()),
        }
    }
}

/// The engine's static routes by key, each with its id and `disabled`.
pub(super) fn engine_statics(engine: &FirewallEngine) -> BTreeMap<RouteKey, Vec<(RouteId, bool)>> {
    let mut statics: BTreeMap<RouteKey, Vec<(RouteId, bool)>> = BTreeMap::new();
    for entry in engine.routes().iter().filter(|e| e.flags.static_route) {
        statics
            .entry(RouteKey::of_entry(&entry))
            .or_default()
            .push((entry.id, entry.flags.disabled));
    }
    statics
}

/// The route changes that make the engine's static routes the configured ones.
pub(super) struct RoutePlan {
    remove: Vec<RouteId>,
    toggle: Vec<(RouteId, bool)>,
    add: Vec<(u32, StaticRoute)>,
}

impl RoutePlan {
    /// Plans the routes against the interface table as it will be; fails (engine untouched) on a
    /// route the engine cannot take or when the table would overflow.
    pub fn new(
        config: &Config,
        engine: &FirewallEngine,
        table: &InterfaceTable,
    ) -> Result<Self, ApplyError> {
        let mut engine_routes = engine_statics(engine);
        let mut plan = RoutePlan {
            remove: Vec::new(),
            toggle: Vec::new(),
            add: Vec::new(),
        };
        if let Some(menu) = menus::menu("ip/route") {
            for item in config.items(menu) {
                let route = static_route(config, menu, item, Some(table))
                    .map_err(|e| ApplyError::model(menu, Some(item.id), &e))?;
                let Some(route) = route else { continue };
                if let RouteTarget::Gateways(g) = &route.target
                    && (g.is_empty() || g.len() > MAX_GATEWAYS_PER_ROUTE)
                {
                    return Err(ApplyError::new(
                        menu,
                        Some(item.id),
                        "gateway not specified",
                    ));
                }
                let key = RouteKey::of(&route);
                let candidates = engine_routes.get_mut(&key);
                let found = candidates.and_then(|c| {
                    let at = c
                        .iter()
                        .position(|(_, disabled)| *disabled == route.disabled)
                        .or(if c.is_empty() { None } else { Some(0) })?;
                    Some(c.swap_remove(at))
                });
                match found {
                    Some((id, disabled)) if disabled != route.disabled => {
                        plan.toggle.push((id, route.disabled));
                    }
                    Some(_) => {}
                    None => plan.add.push((item.id, route)),
                }
            }
        }
        plan.remove = engine_routes
            .into_values()
            .flatten()
            .map(|(id, _)| id)
            .collect();
        let routes = engine.routes();
        let after = routes
            .len()
            .saturating_sub(plan.remove.len())
            .saturating_add(plan.add.len());
        if after > routes.limit() {
            let menu = menus::menu("ip/route");
            return Err(ApplyError {
                menu: menu.map_or("ip/route", |m| m.path),
                id: None,
                message: String::from("route table full"),
            });
        }
        Ok(plan)
    }

    /// Applies the planned changes. The plan was checked against the engine's limits; an error here
    /// is reported with the route it concerns.
    pub fn commit(&self, engine: &mut FirewallEngine) -> Result<(), ApplyError> {
        let routes = engine.routes_mut();
        for id in &self.remove {
            let _ = routes.remove(*id);
        }
        for (id, disabled) in &self.toggle {
            let _ = routes.set_disabled(*id, *disabled);
        }
        for (item, route) in &self.add {
            routes.add_static(route.clone()).map_err(|e| ApplyError {
                menu: "ip/route",
                id: Some(*item),
                message: alloc::format!("{e}"),
            })?;
        }
        Ok(())
    }
}

/// The engine route a configured route became, if it is in the engine.
pub(super) fn engine_route<'e>(
    config: &Config,
    menu: &MenuDef,
    item: &Item,
    engine: &'e FirewallEngine,
) -> Option<RouteEntry<'e>> {
    let route = static_route(config, menu, item, Some(engine.interfaces())).ok()??;
    let key = RouteKey::of(&route);
    let mut same = engine
        .routes()
        .iter()
        .filter(|e| e.flags.static_route && RouteKey::of_entry(e) == key);
    let first = same.next()?;
    if first.flags.disabled == route.disabled {
        return Some(first);
    }
    same.find(|e| e.flags.disabled == route.disabled)
        .or(Some(first))
}

#[cfg(test)]
mod tests {
    use super::*;
    use smoltcp::wire::Ipv4Address;

    #[test]
    fn gateway_forms() {
        let a = Ipv4Address::new(10, 0, 0, 1);
        assert_eq!(
            parse_gateways("10.0.0.1"),
            Ok(alloc::vec![GatewayText::Address(a)])
        );
        assert_eq!(
            parse_gateways("ether1,10.0.0.1%wan"),
            Ok(alloc::vec![
                GatewayText::Interface("ether1"),
                GatewayText::AddressOnInterface(a, "wan")
            ])
        );
        for bad in [
            "",
            "10.0.0.256",
            "10.0.0.1%",
            "x%ether1",
            "1.2.3",
            "ether1,",
        ] {
            assert_eq!(
                parse_gateways(bad).map_err(|e| e.to_string()),
                Err(String::from("invalid value for argument gateway")),
                "{bad}"
            );
        }
        let many = alloc::vec!["10.0.0.1"; MAX_GATEWAYS_PER_ROUTE + 1].join(",");
        assert!(parse_gateways(&many).is_err());
    }
}
