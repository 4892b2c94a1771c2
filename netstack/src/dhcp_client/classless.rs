//! The Classless Static Route option (RFC 3442, option 121): destinations with any prefix length and
//! their routers, which a client uses instead of the Router option when a server sends both.
//!
//! Each route is a width (0-32), the significant octets of the destination (width rounded up to whole
//! octets) and a router address. An option that does not parse exactly (a width over 32, a route cut
//! short) is ignored as a whole (RFC 3442 §3 leaves a client nothing sensible to do with half a table).

use alloc::vec::Vec;

use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

/// Routes kept from one option (the option holds at most 255 bytes, so at most 51 routes).
pub const MAX_ROUTES: usize = 16;

/// One route of option 121.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClasslessRoute {
    /// The destination, host bits cleared.
    pub destination: Ipv4Cidr,
    /// The router; 0.0.0.0 means the destination is on the link (RFC 3442 §3).
    pub router: Ipv4Address,
}

/// The routes of an option 121 payload; None when it is malformed.
pub fn parse(mut data: &[u8]) -> Option<Vec<ClasslessRoute>> {
    let mut routes = Vec::new();
    while let Some((&width, rest)) = data.split_first() {
        if width > 32 {
            return None;
        }
        let significant = usize::from(width).div_ceil(8);
        let destination = rest.get(..significant)?;
        let router = rest.get(significant..significant + 4)?;
        data = &rest[significant + 4..];
        let mut octets = [0u8; 4];
        octets[..significant].copy_from_slice(destination);
        let destination = Ipv4Cidr::new(Ipv4Address::from_octets(octets), width).network();
        if routes.len() < MAX_ROUTES
            && let Some(router) = super::message::address(router)
        {
            routes.push(ClasslessRoute {
                destination,
                router,
            });
        }
    }
    Some(routes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(a: u8, b: u8, c: u8, d: u8, len: u8) -> Ipv4Cidr {
        Ipv4Cidr::new(Ipv4Address::new(a, b, c, d), len)
    }

    #[test]
    fn rfc3442_examples() {
        // 0/0 via 10.0.0.1, 10/8 via 10.0.0.2, 10.17/16 via 10.0.0.3, 192.168.1.0/24 via 0.0.0.0.
        let data = [
            0, 10, 0, 0, 1, //
            8, 10, 10, 0, 0, 2, //
            16, 10, 17, 10, 0, 0, 3, //
            24, 192, 168, 1, 0, 0, 0, 0,
        ];
        let routes = parse(&data).unwrap();
        let expect = [
            (cidr(0, 0, 0, 0, 0), Ipv4Address::new(10, 0, 0, 1)),
            (cidr(10, 0, 0, 0, 8), Ipv4Address::new(10, 0, 0, 2)),
            (cidr(10, 17, 0, 0, 16), Ipv4Address::new(10, 0, 0, 3)),
            (cidr(192, 168, 1, 0, 24), Ipv4Address::UNSPECIFIED),
        ];
        assert_eq!(routes.len(), expect.len());
        for (route, (destination, router)) in routes.iter().zip(expect) {
            assert_eq!(route.destination, destination);
            assert_eq!(route.router, router);
        }
    }

    #[test]
    fn host_bits_are_cleared_and_32_bit_routes_work() {
        let routes = parse(&[25, 10, 0, 0, 0xFF, 1, 2, 3, 4, 32, 9, 9, 9, 9, 1, 2, 3, 4]).unwrap();
        assert_eq!(routes[0].destination, cidr(10, 0, 0, 128, 25));
        assert_eq!(routes[1].destination, cidr(9, 9, 9, 9, 32));
    }

    #[test]
    fn malformed_options_are_refused_whole() {
        assert_eq!(parse(&[33, 1, 2, 3, 4, 5, 1, 2, 3, 4]), None);
        assert_eq!(parse(&[24, 10, 0, 0, 1, 2, 3]), None, "router cut short");
        assert_eq!(parse(&[0, 1, 2, 3, 4, 8]), None, "second route cut short");
        assert_eq!(parse(&[]), Some(Vec::new()));
    }

    #[test]
    fn at_most_max_routes_are_kept() {
        let data: Vec<u8> = (0..40).flat_map(|i| [8, i, 1, 2, 3, 4]).collect();
        assert_eq!(parse(&data).unwrap().len(), MAX_ROUTES);
    }
}
