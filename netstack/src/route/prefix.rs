//! An IPv4 prefix as the routing table stores it: the network number as a host-order `u32` and a length
//! in `0..=32`, with the host bits guaranteed zero.
//!
//! All bit arithmetic of the table lives here, written with checked shifts so that no length (even one that
//! could never be constructed) can make it panic.

use core::fmt;

use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

/// Longest IPv4 prefix length.
pub const MAX_PREFIX_LEN: u8 = 32;

/// A network prefix `network/len` with no host bits set (a route's `dst-address`).
///
/// Ordered by network number, then length, so that every prefix inside a range of addresses sits in one
/// contiguous range of an ordered set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Prefix {
    network: u32,
    len: u8,
}

impl Prefix {
    /// The default route `0.0.0.0/0`.
    pub const DEFAULT: Prefix = Prefix { network: 0, len: 0 };

    /// The prefix of `cidr`, or `None` when its host bits are not zero (`10.0.0.1/24`).
    pub fn from_cidr(cidr: Ipv4Cidr) -> Option<Prefix> {
        let prefix = Prefix::covering(cidr.address().to_bits(), cidr.prefix_len())?;
        (prefix.network == cidr.address().to_bits()).then_some(prefix)
    }

    /// The prefix of length `len` that contains `address` (host bits cleared); `None` when `len > 32`.
    pub fn covering(address: u32, len: u8) -> Option<Prefix> {
        (len <= MAX_PREFIX_LEN).then(|| Prefix {
            network: address & netmask(len),
            len,
        })
    }

    /// The host route `address/32`.
    #[cfg(test)]
    pub fn host(address: u32) -> Prefix {
        Prefix {
            network: address,
            len: MAX_PREFIX_LEN,
        }
    }

    pub fn network(self) -> u32 {
        self.network
    }

    pub fn len(self) -> u8 {
        self.len
    }

    /// Back to the smoltcp type.
    pub fn to_cidr(self) -> Ipv4Cidr {
        // `len <= 32` by construction, so `Ipv4Cidr::new` cannot hit its assertion.
        Ipv4Cidr::new(
            Ipv4Address::from_bits(self.network),
            self.len.min(MAX_PREFIX_LEN),
        )
    }

    /// The lowest and the highest address inside the prefix.
    pub fn first_last(self) -> (u32, u32) {
        (self.network, self.network | !netmask(self.len))
    }

    /// `address` lies inside this prefix.
    #[cfg(test)]
    pub fn contains(self, address: u32) -> bool {
        address & netmask(self.len) == self.network
    }

    /// Number of leading bits that `self` and `other` share, at most the shorter of the two lengths.
    pub fn common_len(self, other: Prefix) -> u8 {
        let differing = (self.network ^ other.network).leading_zeros();
        let shared = u8::try_from(differing).unwrap_or(MAX_PREFIX_LEN);
        shared.min(self.len).min(other.len)
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}/{}", Ipv4Address::from_bits(self.network), self.len)
    }
}

/// The netmask of a `len`-bit prefix as a host-order `u32`; all ones beyond 32.
pub fn netmask(len: u8) -> u32 {
    let host_bits = u32::from(MAX_PREFIX_LEN.saturating_sub(len));
    u32::MAX.checked_shl(host_bits).unwrap_or(0)
}

/// Bit `position` of `address`, counting from the most significant bit (0) to the least (31); 0 or 1.
/// Positions past 31 read as 0.
pub fn bit_at(address: u32, position: u8) -> usize {
    match 31u32.checked_sub(u32::from(position)) {
        Some(shift) => ((address >> shift) & 1) as usize,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(a: [u8; 4], len: u8) -> Ipv4Cidr {
        Ipv4Cidr::new(Ipv4Address::from(a), len)
    }

    #[test]
    fn host_bits_are_rejected() {
        assert!(Prefix::from_cidr(cidr([10, 0, 0, 1], 24)).is_none());
        assert!(Prefix::from_cidr(cidr([10, 0, 0, 0], 24)).is_some());
        assert!(Prefix::from_cidr(cidr([10, 0, 0, 1], 32)).is_some());
        assert_eq!(
            Prefix::from_cidr(cidr([0, 0, 0, 0], 0)),
            Some(Prefix::DEFAULT)
        );
        assert!(Prefix::from_cidr(cidr([1, 0, 0, 0], 0)).is_none());
    }

    #[test]
    fn masks_and_bits() {
        assert_eq!(netmask(0), 0);
        assert_eq!(netmask(1), 0x8000_0000);
        assert_eq!(netmask(24), 0xffff_ff00);
        assert_eq!(netmask(32), u32::MAX);
        assert_eq!(netmask(200), u32::MAX);
        assert_eq!(bit_at(0x8000_0000, 0), 1);
        assert_eq!(bit_at(0x8000_0000, 1), 0);
        assert_eq!(bit_at(1, 31), 1);
        assert_eq!(bit_at(u32::MAX, 32), 0);
        assert!(Prefix::covering(0, 33).is_none());
    }

    #[test]
    fn containment_and_common_length() {
        let p = Prefix::covering(0x0a00_0000, 8).unwrap();
        assert!(p.contains(0x0aff_ffff));
        assert!(!p.contains(0x0b00_0000));
        assert_eq!(p.first_last(), (0x0a00_0000, 0x0aff_ffff));
        assert_eq!(Prefix::DEFAULT.first_last(), (0, u32::MAX));
        let q = Prefix::covering(0x0a01_0000, 16).unwrap();
        assert_eq!(p.common_len(q), 8);
        assert_eq!(q.common_len(Prefix::host(0x0a01_0203)), 16);
        assert_eq!(Prefix::host(1).common_len(Prefix::host(1)), 32);
        assert_eq!(q.to_string(), "10.1.0.0/16");
    }
}
