//! The forwarding information base entry of a prefix and the answer a lookup gives the engine.
//!
//! The FIB entry is precomputed when the table changes, so a lookup only picks one next hop: no
//! allocation, no route scan.
//!
//! ECMP next hop choice follows the hash-threshold method (RFC 2992): the flow hash is mixed (so that a
//! weak caller hash such as consecutive numbers still spreads) and its position in `0..2^32` chooses one of
//! `n` equal regions. Equal hashes always choose the same next hop while the set of next hops is unchanged,
//! so a flow sticks to one path; when a next hop is added or removed, hash-threshold moves fewer flows than
//! modulo-N.

use alloc::boxed::Box;

use smoltcp::wire::Ipv4Address;

use super::entry::{RouteId, RouteKind};
use crate::interface::InterfaceId;

/// What to do with a packet to some destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forwarding {
    /// Send it out of `interface` to the neighbour `next_hop` (the gateway, or the destination itself when
    /// on-link).
    Unicast {
        interface: InterfaceId,
        next_hop: Ipv4Address,
        /// Source address for packets the router originates along this route (`pref-src`).
        pref_src: Option<Ipv4Address>,
        /// The route that was used.
        route: RouteId,
    },
    /// Drop silently.
    Blackhole,
    /// Drop and answer ICMP destination unreachable, code 0 (network unreachable; RFC 792, RFC 1812 §5.2.7.1).
    Unreachable,
    /// Drop and answer ICMP destination unreachable, code 13 (communication administratively prohibited;
    /// RFC 1812 §5.2.7.1).
    Prohibit,
}

/// One next hop in a FIB entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct FibHop {
    pub interface: InterfaceId,
    /// `None`: on-link, the packet's destination is the next hop.
    pub gateway: Option<Ipv4Address>,
    pub pref_src: Option<Ipv4Address>,
    pub route: RouteId,
}

impl FibHop {
    fn forward(&self, dst: Ipv4Address) -> Forwarding {
        Forwarding::Unicast {
            interface: self.interface,
            next_hop: self.gateway.unwrap_or(dst),
            pref_src: self.pref_src,
            route: self.route,
        }
    }
}

/// The selected way to forward to one prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum FibEntry {
    Single(FibHop),
    /// Two or more equal-cost next hops (never empty nor single; see `FibEntry::unicast`).
    Ecmp(Box<[FibHop]>),
    Reject(RouteKind),
}

impl FibEntry {
    /// The entry for a non-empty list of next hops; `None` for an empty one.
    pub fn unicast(hops: alloc::vec::Vec<FibHop>) -> Option<FibEntry> {
        match hops.as_slice() {
            [] => None,
            [single] => Some(FibEntry::Single(*single)),
            _ => Some(FibEntry::Ecmp(hops.into_boxed_slice())),
        }
    }

    /// The forwarding decision for a packet to `dst` of the flow hashed to `flow_hash`.
    pub fn forward(&self, dst: Ipv4Address, flow_hash: u32) -> Option<Forwarding> {
        match self {
            FibEntry::Single(hop) => Some(hop.forward(dst)),
            FibEntry::Ecmp(hops) => {
                Some(hops.get(ecmp_choice(flow_hash, hops.len()))?.forward(dst))
            }
            FibEntry::Reject(RouteKind::Blackhole) => Some(Forwarding::Blackhole),
            FibEntry::Reject(RouteKind::Unreachable) => Some(Forwarding::Unreachable),
            FibEntry::Reject(RouteKind::Prohibit) => Some(Forwarding::Prohibit),
            FibEntry::Reject(RouteKind::Unicast) => None,
        }
    }
}

/// Hash-threshold choice of one of `count` next hops (RFC 2992); always `< count` when `count > 0`.
pub(super) fn ecmp_choice(flow_hash: u32, count: usize) -> usize {
    let region = (u64::from(mix(flow_hash)) * count as u64) >> 32;
    usize::try_from(region).unwrap_or(0)
}

/// The murmur3 32-bit finaliser: every input bit affects every output bit.
fn mix(mut hash: u32) -> u32 {
    hash ^= hash >> 16;
    hash = hash.wrapping_mul(0x85eb_ca6b);
    hash ^= hash >> 13;
    hash = hash.wrapping_mul(0xc2b2_ae35);
    hash ^ (hash >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choice_is_in_range_and_spreads_consecutive_hashes() {
        for count in 1..=8usize {
            let mut seen = [0u32; 8];
            for hash in 0..8000u32 {
                let choice = ecmp_choice(hash, count);
                assert!(choice < count);
                seen[choice] += 1;
            }
            let expected = 8000 / count as u32;
            for &n in &seen[..count] {
                assert!(
                    n > expected * 8 / 10 && n < expected * 12 / 10,
                    "{count}: {seen:?}"
                );
            }
        }
        assert_eq!(ecmp_choice(u32::MAX, 0), 0);
        assert_eq!(ecmp_choice(u32::MAX, 3), ecmp_choice(u32::MAX, 3));
    }
}
