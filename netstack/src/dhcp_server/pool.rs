//! `/ip pool`: the address ranges a DHCP server hands out from.
//!
//! RouterOS gives out a pool's addresses from the top down (a fresh SOHO router's first client gets
//! 192.168.88.254 from 192.168.88.10-192.168.88.254), so [`Pool::candidates`] walks the ranges last to
//! first, each from its highest address. The walk is lazy: it costs one step per address looked at,
//! never the pool's size up front.

use alloc::vec::Vec;

use smoltcp::wire::Ipv4Address;

/// Most ranges a pool keeps; more are ignored (a RouterOS pool of a few ranges is usual).
pub const MAX_RANGES: usize = 64;

/// Address ranges, each `first..=last`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pool {
    ranges: Vec<(u32, u32)>,
}

impl Pool {
    /// A pool of `ranges` (`first..=last`); a range given backwards is turned round.
    pub fn new(ranges: &[(Ipv4Address, Ipv4Address)]) -> Self {
        let ranges = ranges
            .iter()
            .take(MAX_RANGES)
            .map(|(a, b)| {
                let (a, b) = (a.to_bits(), b.to_bits());
                (a.min(b), a.max(b))
            })
            .collect();
        Self { ranges }
    }

    pub fn contains(&self, address: Ipv4Address) -> bool {
        let a = address.to_bits();
        self.ranges
            .iter()
            .any(|&(first, last)| first <= a && a <= last)
    }

    /// How many addresses the pool holds (ranges that overlap are counted twice).
    pub fn size(&self) -> u64 {
        self.ranges
            .iter()
            .map(|&(first, last)| u64::from(last - first) + 1)
            .sum()
    }

    /// The pool's addresses in the order they are handed out: the last range first, each from its top.
    pub fn candidates(&self) -> impl Iterator<Item = Ipv4Address> + '_ {
        self.ranges
            .iter()
            .rev()
            .flat_map(|&(first, last)| (first..=last).rev().map(Ipv4Address::from_bits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(d: u8) -> Ipv4Address {
        Ipv4Address::new(192, 168, 88, d)
    }

    #[test]
    fn hands_out_from_the_top_down() {
        let pool = Pool::new(&[(a(10), a(12)), (a(250), a(254))]);
        let first: Vec<_> = pool.candidates().take(6).collect();
        assert_eq!(first, [a(254), a(253), a(252), a(251), a(250), a(12)]);
        assert_eq!(pool.size(), 8);
        assert!(pool.contains(a(11)) && !pool.contains(a(13)) && !pool.contains(a(255)));
    }

    #[test]
    fn backwards_and_whole_space_ranges_do_not_overflow() {
        let pool = Pool::new(&[(a(20), a(10))]);
        assert!(pool.contains(a(15)));
        let all = Pool::new(&[(Ipv4Address::UNSPECIFIED, Ipv4Address::BROADCAST)]);
        assert_eq!(all.size(), 1 << 32);
        assert_eq!(all.candidates().next(), Some(Ipv4Address::BROADCAST));
    }
}
