//! The routing table (`/ip route`, main table): configured routes, their state, and the FIB lookups use.
//!
//! Three layers, kept consistent after every change:
//! 1. the routes themselves (`routes`, by [`RouteId`]) with indices by dst-address, by gateway address and
//!    by interface, so that a change finds the routes it affects without scanning;
//! 2. per route, its reachable gateways resolved to `immediate-gw` (see [`super::gateway`]);
//! 3. per prefix, the selection (see [`super::selection`]), stored in `connected` (a prefix trie of the
//!    active connected route of each prefix, which gateway addresses resolve through) and `fib` (the
//!    [`FibIndex`] of what lookups answer).
//!
//! A change re-evaluates only what it can affect: the changed route and its prefix; for an interface going
//! up or down, the routes naming that interface; and when the connected route of a prefix changes, the
//! static routes whose gateway address lies inside that prefix (found by a range query on the gateway
//! index). Statics never resolve through statics (RouterOS default `target-scope=10` reaches only connected
//! routes), so this second round is the last one. A change costs O(log n + k + g), with k the routes to the
//! same dst-address and g the statics whose gateway lies in a changed connected prefix.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec;
use alloc::vec::Vec;

use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

use super::entry::{RouteEntry, RouteFlags, RouteId, RouteKind, RouteTarget, StaticRoute};
use super::error::RouteError;
use super::fib_index::FibIndex;
use super::forwarding::{FibEntry, Forwarding};
use super::gateway::{Gateway, ImmediateGateway, ResolvedGateway};
use super::prefix::Prefix;
use super::selection::{Candidate, ConnectedHop, select};
use super::trie::PrefixTrie;
use crate::interface::{InterfaceId, InterfaceTable};

/// Route limit of [`RouteTable::new`].
pub const DEFAULT_ROUTE_LIMIT: usize = 1_000_000;
/// Highest limit [`RouteTable::with_limit`] accepts (larger requests are clamped); keeps trie indices far
/// from `u32::MAX`.
pub const MAX_ROUTE_LIMIT: usize = 1 << 24;
/// Most gateways one route may list.
pub const MAX_GATEWAYS_PER_ROUTE: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// Dynamic route of an interface address (flags D, c).
    Connected,
    /// Configured by `/ip route add` (flag s).
    Static,
    /// Added by a DHCP client from its lease (flags D, d): a default route or option 121's routes.
    Dhcp,
}

#[derive(Clone, Debug)]
struct RouteRecord {
    dst: Prefix,
    origin: Origin,
    kind: RouteKind,
    gateways: Vec<Gateway>,
    distance: u8,
    pref_src: Option<Ipv4Address>,
    disabled: bool,
    /// Reachable gateways, resolved; empty when disabled or not unicast.
    resolved: Vec<ResolvedGateway>,
    active: bool,
    ecmp: bool,
}

/// The IPv4 routing table; see the module documentation.
#[derive(Clone, Debug)]
pub struct RouteTable {
    routes: BTreeMap<RouteId, RouteRecord>,
    by_dst: BTreeSet<(Prefix, RouteId)>,
    /// Routes with a `gateway=A.B.C.D` (resolved through connected routes), by host-order address.
    by_gateway: BTreeSet<(u32, RouteId)>,
    /// Routes that depend on an interface's state directly: connected routes, `gateway=ether1` and
    /// `gateway=A.B.C.D%ether1`.
    by_interface: BTreeSet<(InterfaceId, RouteId)>,
    interfaces_up: BTreeSet<InterfaceId>,
    connected: PrefixTrie<ConnectedHop>,
    fib: FibIndex<FibEntry>,
    next_id: u32,
    limit: usize,
}

impl Default for RouteTable {
    fn default() -> Self {
        Self::new()
    }
}

impl RouteTable {
    /// An empty table holding at most [`DEFAULT_ROUTE_LIMIT`] routes. Every interface counts as down until
    /// [`RouteTable::set_interface_up`] says otherwise.
    pub fn new() -> Self {
        Self::with_limit(DEFAULT_ROUTE_LIMIT)
    }

    /// An empty table holding at most `limit` routes (connected and static), clamped to
    /// [`MAX_ROUTE_LIMIT`].
    pub fn with_limit(limit: usize) -> Self {
        Self {
            routes: BTreeMap::new(),
            by_dst: BTreeSet::new(),
            by_gateway: BTreeSet::new(),
            by_interface: BTreeSet::new(),
            interfaces_up: BTreeSet::new(),
            connected: PrefixTrie::new(),
            fib: FibIndex::new(),
            // RouterOS numbers items from *1.
            next_id: 1,
            limit: limit.min(MAX_ROUTE_LIMIT),
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Number of routes (connected and static, enabled or not).
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Number of prefixes that lookups can match (prefixes with a selected route).
    pub fn forwarding_prefixes(&self) -> usize {
        self.fib.len()
    }

    // ---- lookups ------------------------------------------------------------------------------------

    /// How to forward a packet to `dst`: the longest prefix with a selected route wins (RFC 1812 §5.2.4.3);
    /// within an ECMP group, `flow_hash` (a hash of the packet's 5-tuple) picks the next hop, the same one
    /// for the same hash. `None`: no route (the engine answers ICMP network unreachable).
    ///
    /// One first-level slot and at most 17 trie nodes are read whatever the size of the table; nothing is
    /// allocated.
    pub fn lookup(&self, dst: Ipv4Address, flow_hash: u32) -> Option<Forwarding> {
        self.fib
            .longest_match(dst.to_bits())?
            .forward(dst, flow_hash)
    }

    /// The interface and source address of the active connected route covering `address`, the way a
    /// gateway address resolves (also tells the engine whether an address is on-link).
    pub fn connected_interface(
        &self,
        address: Ipv4Address,
    ) -> Option<(InterfaceId, Option<Ipv4Address>)> {
        let (_, hop) = self.connected.longest_match(address.to_bits())?;
        Some((hop.interface, hop.pref_src))
    }

    // ---- interfaces ---------------------------------------------------------------------------------

    pub fn is_interface_up(&self, interface: InterfaceId) -> bool {
        self.interfaces_up.contains(&interface)
    }

    /// Records that `interface` passes traffic (enabled and running) or not, and re-evaluates the routes
    /// that depend on it: its connected routes, routes with it as gateway, and (through the connected
    /// routes) static routes whose gateway address lies in its subnets.
    pub fn set_interface_up(&mut self, interface: InterfaceId, up: bool) {
        let changed = if up {
            self.interfaces_up.insert(interface)
        } else {
            self.interfaces_up.remove(&interface)
        };
        if changed {
            let dependents = self
                .by_interface
                .range((interface, RouteId::MIN)..=(interface, RouteId::MAX))
                .map(|&(_, id)| id)
                .collect();
            self.refresh(dependents, BTreeSet::new());
        }
    }

    /// [`RouteTable::set_interface_up`] for every interface of `interfaces` with its current state.
    pub fn sync_interfaces(&mut self, interfaces: &InterfaceTable) {
        for (id, interface) in interfaces.iter() {
            self.set_interface_up(id, interface.is_up());
        }
    }

    // ---- connected routes ---------------------------------------------------------------------------

    /// Adds the dynamic connected route of an interface address: `network` (the address's network, host
    /// bits zero, e.g. `192.168.88.0/24` for `192.168.88.1/24`) via `interface`, distance 0, `pref-src` =
    /// the address. The route is active while the interface is up. The address module calls this when an
    /// address is added (or enabled) and [`RouteTable::remove_connected`] with the returned id when it goes.
    pub fn add_connected(
        &mut self,
        network: Ipv4Cidr,
        interface: InterfaceId,
        pref_src: Ipv4Address,
    ) -> Result<RouteId, RouteError> {
        let dst = Prefix::from_cidr(network).ok_or(RouteError::HostBitsSet { dst: network })?;
        let record = RouteRecord {
            dst,
            origin: Origin::Connected,
            kind: RouteKind::Unicast,
            gateways: vec![Gateway::Interface(interface)],
            distance: 0,
            pref_src: Some(pref_src),
            disabled: false,
            resolved: Vec::new(),
            active: false,
            ecmp: false,
        };
        self.add_record(record)
    }

    /// Removes a connected route made by [`RouteTable::add_connected`].
    pub fn remove_connected(&mut self, id: RouteId) -> Result<(), RouteError> {
        match self.routes.get(&id) {
            None => Err(RouteError::NoSuchRoute(id)),
            Some(record) if record.origin != Origin::Connected => Err(RouteError::NotConnected(id)),
            Some(_) => {
                self.remove_record(id);
                Ok(())
            }
        }
    }

    /// The connected route for `network` on `interface`, if any (the oldest when there are several).
    pub fn find_connected(&self, network: Ipv4Cidr, interface: InterfaceId) -> Option<RouteId> {
        let dst = Prefix::from_cidr(network)?;
        self.by_dst
            .range((dst, RouteId::MIN)..=(dst, RouteId::MAX))
            .map(|&(_, id)| id)
            .find(|id| {
                self.routes.get(id).is_some_and(|record| {
                    record.origin == Origin::Connected
                        && record.gateways.first() == Some(&Gateway::Interface(interface))
                })
            })
    }

    // ---- static routes ------------------------------------------------------------------------------

    /// `/ip route add`.
    pub fn add_static(&mut self, route: StaticRoute) -> Result<RouteId, RouteError> {
        let record = Self::static_record(route)?;
        self.add_record(record)
    }

    /// `/ip route set`: replaces the configuration of a static route, keeping its id.
    pub fn update_static(&mut self, id: RouteId, route: StaticRoute) -> Result<(), RouteError> {
        self.static_route(id)?;
        let record = Self::static_record(route)?;
        let Some(old) = self.routes.remove(&id) else {
            return Err(RouteError::NoSuchRoute(id));
        };
        self.unindex(id, &old);
        self.index(id, &record);
        self.routes.insert(id, record);
        self.refresh(vec![id], BTreeSet::from([old.dst]));
        Ok(())
    }

    /// `/ip route remove` (static routes only; connected routes go with their address).
    pub fn remove(&mut self, id: RouteId) -> Result<(), RouteError> {
        self.static_route(id)?;
        self.remove_record(id);
        Ok(())
    }

    /// `/ip route disable` / `enable` (static routes only).
    pub fn set_disabled(&mut self, id: RouteId, disabled: bool) -> Result<(), RouteError> {
        self.static_route(id)?;
        if let Some(record) = self.routes.get_mut(&id) {
            if record.disabled == disabled {
                return Ok(());
            }
            record.disabled = disabled;
        }
        self.refresh(vec![id], BTreeSet::new());
        Ok(())
    }

    pub fn disable(&mut self, id: RouteId) -> Result<(), RouteError> {
        self.set_disabled(id, true)
    }

    pub fn enable(&mut self, id: RouteId) -> Result<(), RouteError> {
        self.set_disabled(id, false)
    }

    // ---- DHCP routes ---------------------------------------------------------------------------------

    /// Adds a route a DHCP client's lease gives (flags `D`, `d`); the configuration's static routes
    /// and [`RouteTable::remove`] leave it alone, [`RouteTable::remove_dhcp`] takes it away.
    pub fn add_dhcp(&mut self, route: StaticRoute) -> Result<RouteId, RouteError> {
        let mut record = Self::static_record(route)?;
        record.origin = Origin::Dhcp;
        self.add_record(record)
    }

    /// Removes a route made by [`RouteTable::add_dhcp`].
    pub fn remove_dhcp(&mut self, id: RouteId) -> Result<(), RouteError> {
        match self.routes.get(&id) {
            None => Err(RouteError::NoSuchRoute(id)),
            Some(record) if record.origin != Origin::Dhcp => Err(RouteError::DynamicRoute(id)),
            Some(_) => {
                self.remove_record(id);
                Ok(())
            }
        }
    }

    // ---- introspection ------------------------------------------------------------------------------

    /// One route as `print` shows it.
    pub fn get(&self, id: RouteId) -> Option<RouteEntry<'_>> {
        self.routes.get(&id).map(|record| Self::entry(id, record))
    }

    /// All routes in id order (the order of `/ip route print`).
    pub fn iter(&self) -> impl Iterator<Item = RouteEntry<'_>> + '_ {
        self.routes
            .iter()
            .map(|(&id, record)| Self::entry(id, record))
    }

    fn entry(id: RouteId, record: &RouteRecord) -> RouteEntry<'_> {
        let connected = record.origin == Origin::Connected;
        let usable = record.kind != RouteKind::Unicast || !record.resolved.is_empty();
        RouteEntry {
            id,
            dst: record.dst.to_cidr(),
            gateways: &record.gateways,
            distance: record.distance,
            kind: record.kind,
            pref_src: record.pref_src,
            flags: RouteFlags {
                dynamic: record.origin != Origin::Static,
                disabled: record.disabled,
                inactive: !record.disabled && !usable,
                active: record.active,
                connected,
                static_route: record.origin == Origin::Static,
                dhcp: record.origin == Origin::Dhcp,
                ecmp: record.ecmp,
                blackhole: record.kind == RouteKind::Blackhole,
                unreachable: record.kind == RouteKind::Unreachable,
                prohibit: record.kind == RouteKind::Prohibit,
            },
            resolved: &record.resolved,
        }
    }

    // ---- internals ----------------------------------------------------------------------------------

    fn static_record(route: StaticRoute) -> Result<RouteRecord, RouteError> {
        let dst = Prefix::from_cidr(route.dst).ok_or(RouteError::HostBitsSet { dst: route.dst })?;
        if route.distance == 0 {
            return Err(RouteError::DistanceOutOfRange {
                distance: route.distance,
            });
        }
        let kind = route.target.kind();
        let gateways = match route.target {
            RouteTarget::Gateways(gateways) => gateways,
            RouteTarget::Blackhole | RouteTarget::Unreachable | RouteTarget::Prohibit => Vec::new(),
        };
        if kind == RouteKind::Unicast && gateways.is_empty() {
            return Err(RouteError::NoGateway);
        }
        if gateways.len() > MAX_GATEWAYS_PER_ROUTE {
            return Err(RouteError::TooManyGateways {
                given: gateways.len(),
                max: MAX_GATEWAYS_PER_ROUTE,
            });
        }
        Ok(RouteRecord {
            dst,
            origin: Origin::Static,
            kind,
            gateways,
            distance: route.distance,
            pref_src: route.pref_src,
            disabled: route.disabled,
            resolved: Vec::new(),
            active: false,
            ecmp: false,
        })
    }

    /// Checks that `id` names a static route.
    fn static_route(&self, id: RouteId) -> Result<(), RouteError> {
        match self.routes.get(&id) {
            None => Err(RouteError::NoSuchRoute(id)),
            Some(record) if record.origin != Origin::Static => Err(RouteError::DynamicRoute(id)),
            Some(_) => Ok(()),
        }
    }

    fn add_record(&mut self, record: RouteRecord) -> Result<RouteId, RouteError> {
        if self.routes.len() >= self.limit {
            return Err(RouteError::TableFull { limit: self.limit });
        }
        // `RouteId::MAX` stays unused: it is the upper bound of index range queries.
        if self.next_id == RouteId::MAX.0 {
            return Err(RouteError::IdsExhausted);
        }
        let id = RouteId(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        self.index(id, &record);
        self.routes.insert(id, record);
        self.refresh(vec![id], BTreeSet::new());
        Ok(id)
    }

    fn remove_record(&mut self, id: RouteId) {
        if let Some(record) = self.routes.remove(&id) {
            self.unindex(id, &record);
            self.refresh(Vec::new(), BTreeSet::from([record.dst]));
        }
    }

    fn index(&mut self, id: RouteId, record: &RouteRecord) {
        self.by_dst.insert((record.dst, id));
        for gateway in &record.gateways {
            match *gateway {
                Gateway::Address(address) => {
                    self.by_gateway.insert((address.to_bits(), id));
                }
                Gateway::Interface(interface) | Gateway::AddressOnInterface(_, interface) => {
                    self.by_interface.insert((interface, id));
                }
            }
        }
    }

    fn unindex(&mut self, id: RouteId, record: &RouteRecord) {
        self.by_dst.remove(&(record.dst, id));
        for gateway in &record.gateways {
            match *gateway {
                Gateway::Address(address) => {
                    self.by_gateway.remove(&(address.to_bits(), id));
                }
                Gateway::Interface(interface) | Gateway::AddressOnInterface(_, interface) => {
                    self.by_interface.remove(&(interface, id));
                }
            }
        }
    }

    /// Re-resolves the gateways of `routes`, then re-selects their prefixes and `prefixes`; then does the
    /// same for the statics whose gateway address lies in a prefix whose connected route changed.
    fn refresh(&mut self, routes: Vec<RouteId>, mut prefixes: BTreeSet<Prefix>) {
        for id in routes {
            if let Some(dst) = self.resolve(id) {
                prefixes.insert(dst);
            }
        }
        let changed_connected: Vec<Prefix> = prefixes
            .into_iter()
            .filter(|&prefix| self.reselect(prefix))
            .collect();
        if changed_connected.is_empty() {
            return;
        }
        let mut dependents = BTreeSet::new();
        for prefix in changed_connected {
            let (first, last) = prefix.first_last();
            let inside = self
                .by_gateway
                .range((first, RouteId::MIN)..=(last, RouteId::MAX));
            dependents.extend(inside.map(|&(_, id)| id));
        }
        let mut prefixes = BTreeSet::new();
        for id in dependents {
            if let Some(dst) = self.resolve(id) {
                prefixes.insert(dst);
            }
        }
        for prefix in prefixes {
            // Only statics were re-resolved, and they never change a connected selection: no third round.
            self.reselect(prefix);
        }
    }

    /// Recomputes the reachable gateways of route `id`; returns its dst-address (`None`: no such route).
    fn resolve(&mut self, id: RouteId) -> Option<Prefix> {
        let record = self.routes.get(&id)?;
        let mut resolved = Vec::new();
        if !record.disabled && record.kind == RouteKind::Unicast {
            for gateway in &record.gateways {
                let reachable = match *gateway {
                    Gateway::Address(address) => self
                        .connected
                        .longest_match(address.to_bits())
                        .map(|(_, hop)| ResolvedGateway {
                            immediate: ImmediateGateway {
                                interface: hop.interface,
                                address: Some(address),
                            },
                            pref_src: record.pref_src.or(hop.pref_src),
                        }),
                    Gateway::Interface(interface) => {
                        self.is_interface_up(interface).then_some(ResolvedGateway {
                            immediate: ImmediateGateway {
                                interface,
                                address: None,
                            },
                            pref_src: record.pref_src,
                        })
                    }
                    Gateway::AddressOnInterface(address, interface) => {
                        self.is_interface_up(interface).then_some(ResolvedGateway {
                            immediate: ImmediateGateway {
                                interface,
                                address: Some(address),
                            },
                            pref_src: record.pref_src,
                        })
                    }
                };
                if let Some(reachable) = reachable
                    && !resolved.contains(&reachable)
                {
                    resolved.push(reachable);
                }
            }
        }
        let dst = record.dst;
        if let Some(record) = self.routes.get_mut(&id) {
            record.resolved = resolved;
        }
        Some(dst)
    }

    /// Runs route selection for `prefix` and stores the outcome (route flags, connected trie, FIB). Returns
    /// whether the prefix's connected route changed.
    fn reselect(&mut self, prefix: Prefix) -> bool {
        let ids: Vec<RouteId> = self
            .by_dst
            .range((prefix, RouteId::MIN)..=(prefix, RouteId::MAX))
            .map(|&(_, id)| id)
            .collect();
        let selection = {
            let candidates: Vec<Candidate> = ids
                .iter()
                .filter_map(|&id| {
                    let record = self.routes.get(&id)?;
                    Some(Candidate {
                        id,
                        distance: record.distance,
                        kind: record.kind,
                        connected: record.origin == Origin::Connected,
                        disabled: record.disabled,
                        resolved: &record.resolved,
                    })
                })
                .collect();
            select(&candidates)
        };
        for id in &ids {
            if let Some(record) = self.routes.get_mut(id) {
                record.active = selection.active.binary_search(id).is_ok();
                record.ecmp = record.active && selection.ecmp;
            }
        }
        let connected_changed = self.connected.get(prefix) != selection.connected.as_ref();
        if connected_changed {
            match selection.connected {
                // The route limit keeps the trie far below its node capacity, so insertion cannot fail.
                Some(hop) => {
                    let _ = self.connected.insert(prefix, hop);
                }
                None => {
                    self.connected.remove(prefix);
                }
            }
        }
        match selection.fib {
            Some(entry) => {
                let _ = self.fib.insert(prefix, entry);
            }
            None => {
                self.fib.remove(prefix);
            }
        }
        connected_changed
    }
}
