//! `/ip dhcp-client` in the running engine: what an item asks for, what a bound lease puts into the
//! engine, and what `print` shows of a client (routeros-reference.md §4-§5).
//!
//! A lease gives a dynamic address on the client's interface (`D` in `/ip address print`, never saved
//! or exported) and, with `add-default-route`, dynamic routes (`DAd` in `/ip route print`) at
//! `default-route-distance`: with `yes` option 121's routes when the server sent them (RFC 3442: they
//! win over option 3), else a default route via option 3's router; with `special-classless` option
//! 121's routes and the default route via option 3's router; with `no` none. Apply leaves these alone
//! (they are not the configuration's); [`uninstall`] takes them away when the lease ends, and removing
//! the address forgets the connections masqueraded to it (`Engine::remove_address`), as RouterOS does
//! when an address goes away.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use netstack::address::AddressId;
use netstack::dhcp_client::{Lease, State};
use netstack::interface::{InterfaceId, InterfaceTable};
use netstack::route::{Gateway, RouteId, StaticRoute};
use netstack::{Duration, Instant};
use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

use super::FirewallEngine;
use super::interfaces::referenced;
use super::props::Props;
use crate::model::{Config, Item, MenuDef};
use crate::value::format_duration;

/// `add-default-route=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultRoute {
    No,
    Yes,
    SpecialClassless,
}

/// What one enabled `/ip dhcp-client` item asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientSettings {
    pub interface: InterfaceId,
    pub add_default_route: DefaultRoute,
    /// `default-route-distance` (0 is taken as 1: a route's distance is 1-255).
    pub distance: u8,
    pub use_peer_dns: bool,
}

/// The settings of `item`; None when it is disabled or its interface is not in the engine.
pub fn settings(
    config: &Config,
    menu: &MenuDef,
    item: &Item,
    table: &InterfaceTable,
) -> Option<ClientSettings> {
    let props = Props::new(menu, item);
    if props.flag("disabled") {
        return None;
    }
    let interface = referenced(config, item.get("interface")?, table)?;
    let add_default_route = match item.get("add-default-route").unwrap_or("yes") {
        "no" => DefaultRoute::No,
        "special-classless" => DefaultRoute::SpecialClassless,
        _ => DefaultRoute::Yes,
    };
    let distance = item
        .get("default-route-distance")
        .and_then(|d| d.parse::<u8>().ok())
        .unwrap_or(1)
        .max(1);
    Some(ClientSettings {
        interface,
        add_default_route,
        distance,
        use_peer_dns: item.get("use-peer-dns") != Some("no"),
    })
}

/// What a lease put into the engine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Installed {
    pub address: Option<AddressId>,
    pub routes: Vec<RouteId>,
    /// What the engine refused, in words for the log.
    pub refused: Vec<String>,
}

/// The routes a lease gives under `settings` (see the module docs).
pub fn lease_routes(settings: &ClientSettings, lease: &Lease) -> Vec<StaticRoute> {
    let interface = settings.interface;
    let via = |dst: Ipv4Cidr, router: Ipv4Address| {
        // RFC 3442 §3: a router of 0.0.0.0 means the destination is on the link.
        let gateway = match router.is_unspecified() {
            true => Gateway::Interface(interface),
            false => Gateway::Address(router),
        };
        StaticRoute::via(dst, &[gateway]).distance(settings.distance)
    };
    let default = Ipv4Cidr::new(Ipv4Address::UNSPECIFIED, 0);
    let option3 = lease.router.map(|router| via(default, router));
    let classless = lease
        .classless_routes
        .as_ref()
        .map(|routes| routes.iter().map(|r| via(r.destination, r.router)));
    match settings.add_default_route {
        DefaultRoute::No => Vec::new(),
        DefaultRoute::Yes => match classless {
            Some(routes) => routes.collect(),
            None => option3.into_iter().collect(),
        },
        DefaultRoute::SpecialClassless => {
            let has_option3 = option3.is_some();
            classless
                .into_iter()
                .flatten()
                .filter(|r| r.dst.prefix_len() > 0 || !has_option3)
                .chain(option3)
                .collect()
        }
    }
}

/// Puts a lease into the engine: its address and routes. What the engine refuses (the same address
/// configured statically, a full table) is left out and told in [`Installed::refused`].
pub fn install(engine: &mut FirewallEngine, settings: &ClientSettings, lease: &Lease) -> Installed {
    let mut installed = Installed::default();
    match engine.add_dynamic_address(lease.address, settings.interface) {
        Ok(id) => installed.address = Some(id),
        Err(error) => installed
            .refused
            .push(format!("address {}: {error}", lease.address)),
    }
    for route in lease_routes(settings, lease) {
        let dst = route.dst;
        match engine.routes_mut().add_dhcp(route) {
            Ok(id) => installed.routes.push(id),
            Err(error) => installed.refused.push(format!("route to {dst}: {error}")),
        }
    }
    installed
}

/// Takes what [`install`] put in out of the engine again.
pub fn uninstall(engine: &mut FirewallEngine, installed: &Installed) {
    for id in &installed.routes {
        let _ = engine.routes_mut().remove_dhcp(*id);
    }
    if let Some(id) = installed.address {
        engine.remove_address(id);
    }
}

/// The read-only values `print` shows for a client: `status`, and with a lease `address`, `gateway`,
/// `primary-dns`, `secondary-dns`, `dhcp-server` and `expires-after`.
pub fn status(
    state: Option<State>,
    lease: Option<&Lease>,
    now: Instant,
) -> Vec<(&'static str, String)> {
    let state = state.unwrap_or(State::Stopped);
    let mut out = alloc::vec![("status", String::from(state.status()))];
    let Some(lease) = lease else {
        return out;
    };
    out.push(("address", format!("{}", lease.address)));
    if let Some(gateway) = lease.gateway() {
        out.push(("gateway", format!("{gateway}")));
    }
    for (name, server) in ["primary-dns", "secondary-dns"]
        .into_iter()
        .zip(&lease.dns_servers)
    {
        out.push((name, format!("{server}")));
    }
    out.push(("dhcp-server", format!("{}", lease.server)));
    // Whole seconds, as RouterOS prints it.
    let left = lease.expires_after(now);
    out.push((
        "expires-after",
        format_duration(Duration::from_secs(left.secs())),
    ));
    out
}
