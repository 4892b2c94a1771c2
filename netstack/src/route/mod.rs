//! The IPv4 routing table (RouterOS `/ip route`, main table) and the forwarding lookup of the engine.
//!
//! # What it does
//! - Holds **connected** routes (dynamic, flags `DAc`, distance 0, one per interface address, added and
//!   removed by the address module through [`RouteTable::add_connected`] / [`RouteTable::remove_connected`])
//!   and **static** routes (`/ip route add`: dst-address, one or more gateways, distance 1..=255, blackhole /
//!   unreachable / prohibit, pref-src, disabled), each with a stable [`RouteId`].
//! - Tracks which interfaces are up (plain facts given by [`RouteTable::set_interface_up`], so the table is
//!   testable on its own) and from that which routes are active: a connected route while its interface is
//!   up; a static route while one of its gateways is reachable — a gateway address through an active
//!   connected route (RouterOS default `target-scope=10`; statics do not resolve through statics), a
//!   gateway interface or `address%interface` while the interface is up.
//! - Selects per dst-address the lowest distance among usable routes; equal distance with several reachable
//!   gateways is ECMP (`selection.rs`).
//! - Answers [`RouteTable::lookup`]: the longest matching prefix with a selected route (RFC 1812 §5.2.4.3),
//!   and within an ECMP group the next hop chosen by the flow hash (RFC 2992 hash-threshold), so a flow
//!   keeps its path.
//! - Shows routes for `/ip route print` ([`RouteTable::iter`]): dst, gateways, distance, kind, flags and
//!   `immediate-gw`.
//!
//! # Data structure and costs
//! Lookups go through the FIB index (`fib_index.rs`), which holds the precomputed forwarding entry of every
//! prefix that has a selected route: the top 16 bits of the destination index a table of 2^16 slots; each
//! slot has the root of a small path-compressed binary trie (`trie.rs`) of the prefixes longer than /16
//! inside it, and the longest prefix of length ≤ 16 covering it (short prefixes expanded over the slots
//! they cover). A lookup is one slot read plus a walk of that slot's trie (a node or two in practice, at
//! most 17), so its cost does not grow with the table: a linear scan would compare against every route per
//! packet, and a plain binary trie over 100k random prefixes is ~17 cache misses deep. A hash table per
//! prefix length was not chosen: up to 33 probes per miss and a hasher on the fast path. Lookups never
//! allocate. Measured (release, `benches/route_lookup.rs`): ~9 ns with 1 and 1k routes, ~35 ns with 100k
//! random prefixes; building the 100k table route by route takes ~0.2 s.
//!
//! A change (add/remove/enable/disable a route, an interface going up or down) re-evaluates only the
//! affected routes and prefixes, found through ordered indices (by dst-address, by gateway address, by
//! interface): O(log n) plus the routes to the same prefix and the statics whose gateway lies in a changed
//! connected prefix (`table.rs`).
//!
//! # Guarantees
//! - No panics on any input; no `unsafe`; all growth bounded by the route limit ([`DEFAULT_ROUTE_LIMIT`],
//!   configurable with [`RouteTable::with_limit`]) and [`MAX_GATEWAYS_PER_ROUTE`] / [`MAX_ECMP_NEXT_HOPS`].
//! - After every change, lookups and `print` reflect it; a refused change leaves the table as it was.
//! - `dst-address` with host bits set is refused ([`RouteError::HostBitsSet`]), as is a static distance of 0.
//! - Memory: the FIB's first level is 512 KiB, allocated with the first active route; tries take under two
//!   16-byte nodes per prefix; each route keeps its gateways and resolved next hops.
//! - Cost of a change grows with the number of routes to the *same* dst-address (they are re-selected
//!   together); thousands of routes to one prefix make each change to that prefix proportionally slower.
//!
//! # Not modelled
//! Routing tables other than `main`, routing marks and rules, `scope` / `target-scope` other than the
//! defaults (no recursive resolution through static routes), `check-gateway`.

mod entry;
mod error;
mod fib_index;
mod forwarding;
mod gateway;
mod prefix;
mod selection;
mod table;
mod trie;

#[cfg(test)]
mod tests;

pub use entry::{RouteEntry, RouteFlags, RouteId, RouteKind, RouteTarget, StaticRoute};
pub use error::RouteError;
pub use forwarding::Forwarding;
pub use gateway::{Gateway, ImmediateGateway};
pub use selection::MAX_ECMP_NEXT_HOPS;
pub use table::{DEFAULT_ROUTE_LIMIT, MAX_GATEWAYS_PER_ROUTE, MAX_ROUTE_LIMIT, RouteTable};
