//! `/ip route` items → the engine's static routes, reconciled by content.
//!
//! A route's `gateway=` is a comma list (ECMP) of addresses (`10.0.0.1`, resolved through connected
//! routes), interfaces (`ether1`, on-link) and `address%interface`, as RouterOS takes it, with the
//! interfaces stored as `*ID` references (`crate::model::gateway`), so a renamed interface keeps its
//! routes and their engine routes (which name the NIC, not the name); `blackhole=yes` needs no gateway. Only the `main` routing table exists; `check-gateway`, `scope`,
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

use super::interfaces::nic;
use super::props::{Props, failure, invalid};
use super::{ApplyError, FirewallEngine};
use crate::model::gateway::{self, GatewayElement};
use crate::model::menus;
use crate::model::{Config, Item, MenuDef, ModelError, parse_id};
use crate::value;

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
        let elements = gateway::parse(text).ok_or_else(|| invalid("gateway", text))?;
        let mut gateways = Vec::new();
        for element in elements {
            // The interface is stored as `*ID` (a configuration from before references were stored
            // may hold its name); one that is gone makes the route invalid.
            let interface = |reference: &str| -> Result<Option<InterfaceId>, ModelError> {
                let item = match menus::menu("interface")
                    .and_then(|menu| config.find_by_key(menu, reference))
                {
                    Some(item) => item,
                    None if parse_id(reference).is_some() => return Ok(None),
                    None => return Err(invalid("gateway", text)),
                };
                Ok(nic(item).filter(|id| table.is_none_or(|t| t.get(*id).is_some())))
            };
            gateways.push(match element {
                GatewayElement::Address(address) => Gateway::Address(address),
                GatewayElement::Interface(name) => match interface(name)? {
                    Some(id) => Gateway::Interface(id),
                    None => return Ok(None),
                },
                GatewayElement::AddressOnInterface(address, name) => match interface(name)? {
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
