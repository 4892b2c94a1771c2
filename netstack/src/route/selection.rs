//! Route selection among the routes to one prefix (RFC 1812 §5.2.4.3 steps after the longest match, in the
//! RouterOS variant).
//!
//! RFC 1812 §5.2.4.3 first keeps the routes with the longest matching prefix (done by the trie, per prefix),
//! then lets the route's origin and metric decide. RouterOS decides by `distance` only:
//! - a route takes part only when it is enabled and usable: a unicast route needs at least one reachable
//!   gateway, a blackhole / unreachable / prohibit route is always usable;
//! - the lowest distance among usable routes wins (connected routes have distance 0, statics 1..=255), so
//!   when the preferred route loses its gateway, the next distance takes over (failover);
//! - several winners at equal distance: their reachable gateways together form one ECMP group. If the oldest
//!   winner (lowest id) is a blackhole / unreachable / prohibit route, it alone decides;
//! - among connected routes to the same prefix only the oldest usable one counts (RouterOS marks a second
//!   address of the same subnet on another interface invalid) — it is also the one gateway addresses
//!   resolve through.

use alloc::vec::Vec;

use smoltcp::wire::Ipv4Address;

use super::entry::{RouteId, RouteKind};
use super::forwarding::{FibEntry, FibHop};
use super::gateway::ResolvedGateway;
use crate::interface::InterfaceId;

/// Most next hops in one ECMP group; later ones (by route id, then gateway order) are left out.
pub const MAX_ECMP_NEXT_HOPS: usize = 32;

/// One route to the prefix, as selection sees it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Candidate<'a> {
    pub id: RouteId,
    pub distance: u8,
    pub kind: RouteKind,
    pub connected: bool,
    pub disabled: bool,
    pub resolved: &'a [ResolvedGateway],
}

impl Candidate<'_> {
    fn usable(&self) -> bool {
        !self.disabled && (self.kind != RouteKind::Unicast || !self.resolved.is_empty())
    }
}

/// The connected route that gateway addresses inside the prefix resolve through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ConnectedHop {
    pub interface: InterfaceId,
    pub pref_src: Option<Ipv4Address>,
    pub route: RouteId,
}

/// The outcome of selection for one prefix.
#[derive(Debug, Default)]
pub(super) struct Selection {
    /// What lookups of the prefix answer; `None` when no route is usable.
    pub fib: Option<FibEntry>,
    /// The connected route of the prefix, when one is usable.
    pub connected: Option<ConnectedHop>,
    /// The routes that contribute to `fib` (flag A).
    pub active: Vec<RouteId>,
    /// `fib` has more than one next hop (flag +).
    pub ecmp: bool,
}

/// Selects among `candidates` (all routes with the same dst-address, any order).
pub(super) fn select(candidates: &[Candidate]) -> Selection {
    let connected = candidates
        .iter()
        .filter(|c| c.connected && c.usable())
        .min_by_key(|c| c.id)
        .and_then(|c| {
            let first = c.resolved.first()?;
            Some(ConnectedHop {
                interface: first.immediate.interface,
                pref_src: first.pref_src,
                route: c.id,
            })
        });
    // Connected routes other than the chosen one do not take part.
    let takes_part = |c: &&Candidate| {
        c.usable() && (!c.connected || connected.is_some_and(|chosen| chosen.route == c.id))
    };
    let Some(best) = candidates
        .iter()
        .filter(takes_part)
        .map(|c| c.distance)
        .min()
    else {
        return Selection {
            connected,
            ..Selection::default()
        };
    };
    let mut winners: Vec<&Candidate> = candidates
        .iter()
        .filter(takes_part)
        .filter(|c| c.distance == best)
        .collect();
    winners.sort_by_key(|c| c.id);
    let Some(first) = winners.first() else {
        return Selection {
            connected,
            ..Selection::default()
        };
    };
    if first.kind != RouteKind::Unicast {
        return Selection {
            fib: Some(FibEntry::Reject(first.kind)),
            connected,
            active: alloc::vec![first.id],
            ecmp: false,
        };
    }
    let mut hops: Vec<FibHop> = Vec::new();
    let mut active = Vec::new();
    for winner in winners.iter().filter(|c| c.kind == RouteKind::Unicast) {
        let mut contributed = false;
        for resolved in winner.resolved {
            let hop = FibHop {
                interface: resolved.immediate.interface,
                gateway: resolved.immediate.address,
                pref_src: resolved.pref_src,
                route: winner.id,
            };
            // The same neighbour twice would only skew the spread; it counts once.
            let duplicate = hops
                .iter()
                .any(|h| h.interface == hop.interface && h.gateway == hop.gateway);
            if !duplicate && hops.len() < MAX_ECMP_NEXT_HOPS {
                hops.push(hop);
                contributed = true;
            }
        }
        if contributed {
            active.push(winner.id);
        }
    }
    let ecmp = hops.len() > 1;
    Selection {
        fib: FibEntry::unicast(hops),
        connected,
        active,
        ecmp,
    }
}
