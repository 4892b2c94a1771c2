//! What rule evaluation needs besides the rules and the packet: [`RuntimeState`] (state shared by all
//! tables — address lists, the log ring, the seeded PRNG) and [`Env`] (read-only questions the firewall
//! asks the rest of the engine: which addresses are the router's, how many connections a source has,
//! interface names for log lines).

use alloc::string::String;

use smoltcp::wire::Ipv4Address;

use super::address_list::AddressLists;
use super::log::LogRing;
use crate::address::AddressTable;
use crate::interface::{InterfaceId, InterfaceTable};

/// SplitMix64: a small, seedable, deterministic PRNG (for `random` and nothing security-related).
pub use crate::prng::Prng;

#[derive(Debug)]
pub struct RuntimeState {
    pub address_lists: AddressLists,
    pub log: LogRing,
    pub rng: Prng,
}

impl RuntimeState {
    /// Default bounds (see [`AddressLists`], [`LogRing`]), PRNG seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        RuntimeState {
            address_lists: AddressLists::default(),
            log: LogRing::default(),
            rng: Prng::new(seed),
        }
    }
}

/// Address facts `src-address-type` / `dst-address-type` need (netfilter `addrtype` asks the routing
/// table the same questions).
pub trait HostInfo {
    /// One of the router's own addresses (`local`).
    fn is_local(&self, addr: Ipv4Address) -> bool;
    /// A directed broadcast address of a connected subnet (`broadcast`, besides 255.255.255.255).
    fn is_directed_broadcast(&self, addr: Ipv4Address) -> bool;
    /// An interface's name, for log lines.
    fn interface_name(&self, _id: InterfaceId) -> Option<String> {
        None
    }
}

/// Counts conntrack entries for `connection-limit` (netfilter `connlimit`).
pub trait ConnectionCounter {
    /// Connections whose original source is in `addr/prefix_len`.
    fn connections_from(&self, addr: Ipv4Address, prefix_len: u8) -> u32;
}

/// Knows nothing: no local addresses, no connections. For tests and for tables that need neither.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoEnv;

impl HostInfo for NoEnv {
    fn is_local(&self, _addr: Ipv4Address) -> bool {
        false
    }
    fn is_directed_broadcast(&self, _addr: Ipv4Address) -> bool {
        false
    }
}

impl ConnectionCounter for NoEnv {
    fn connections_from(&self, _addr: Ipv4Address, _prefix_len: u8) -> u32 {
        0
    }
}

impl HostInfo for AddressTable {
    fn is_local(&self, addr: Ipv4Address) -> bool {
        AddressTable::is_local(self, addr)
    }
    fn is_directed_broadcast(&self, addr: Ipv4Address) -> bool {
        AddressTable::is_directed_broadcast(self, addr)
    }
}

/// [`HostInfo`] from the engine's address and interface tables.
#[derive(Clone, Copy)]
pub struct EngineHost<'a> {
    pub addresses: &'a AddressTable,
    pub interfaces: &'a InterfaceTable,
}

impl HostInfo for EngineHost<'_> {
    fn is_local(&self, addr: Ipv4Address) -> bool {
        self.addresses.is_local(addr)
    }
    fn is_directed_broadcast(&self, addr: Ipv4Address) -> bool {
        self.addresses.is_directed_broadcast(addr)
    }
    fn interface_name(&self, id: InterfaceId) -> Option<String> {
        self.interfaces.get(id).map(|i| i.name.clone())
    }
}

/// The read-only environment of one evaluation.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub host: &'a dyn HostInfo,
    pub connections: &'a dyn ConnectionCounter,
}

impl Env<'static> {
    /// An environment that knows nothing (see [`NoEnv`]).
    pub fn none() -> Self {
        Env {
            host: &NoEnv,
            connections: &NoEnv,
        }
    }
}
