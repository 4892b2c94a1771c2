//! The `gateway=` syntax of `/ip route` and `/ipv6 route` (routeros-reference.md §4): a comma list
//! (several gateways make an ECMP route) whose elements are an address (`10.0.0.1`, reached through a
//! connected route), an interface (`ether1`, the destination is on that link) or an address through an
//! interface (`10.0.0.1%ether1`; for IPv6 usually a link-local one, `fe80::1%ether1`). The addresses
//! are of the route's [`Family`]: the syntax is the same for both, only the address differs
//! ([`GatewayAddress`]).
//!
//! The configuration keeps the interface of an element as a reference, like every reference (see
//! [`super::schema::PropType::Ref`]): typed `ether1`, stored `*1`, shown under the interface's current
//! name, so `/interface set ether1 name=wan` leaves the route pointing at the same interface, as on
//! RouterOS. Addresses are stored in their canonical form. [`crate::apply`] turns the elements into the
//! engine's gateways.
//!
//! Guarantees: no input panics; at most [`MAX_GATEWAYS`] elements are parsed.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::Ipv6Addr;

use smoltcp::wire::Ipv4Address;

use crate::value;

/// Most gateways of one route (the engine's limit).
pub const MAX_GATEWAYS: usize = netstack::route::MAX_GATEWAYS_PER_ROUTE;

/// Which addresses a gateway list holds: `/ip route` IPv4 ones, `/ipv6 route` IPv6 ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Ipv4,
    Ipv6,
}

/// The address of one gateway family.
pub trait GatewayAddress: Copy + fmt::Display {
    /// The address `text` is, if it is one.
    fn parse(text: &str) -> Option<Self>;
    /// Whether `text`, which is no address, only looks like a broken one (`10.0.0.256`,
    /// `2001:db8::g1`): refused, rather than taken for an interface name.
    fn looks_like_one(text: &str) -> bool;
}

impl GatewayAddress for Ipv4Address {
    fn parse(text: &str) -> Option<Self> {
        value::parse_ipv4(text)
    }

    fn looks_like_one(text: &str) -> bool {
        text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    }
}

impl GatewayAddress for Ipv6Addr {
    fn parse(text: &str) -> Option<Self> {
        value::parse_ipv6(text)
    }

    /// Every IPv6 address has a `:`, and interface names do not.
    fn looks_like_one(text: &str) -> bool {
        text.contains(':')
    }
}

/// One element of a gateway list; the interface as written or stored (a name or a `*ID`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GatewayElement<'a, A = Ipv4Address> {
    Address(A),
    Interface(&'a str),
    AddressOnInterface(A, &'a str),
}

impl<'a, A> GatewayElement<'a, A> {
    /// The interface the element names, if any.
    pub fn interface(&self) -> Option<&'a str> {
        match *self {
            GatewayElement::Address(_) => None,
            GatewayElement::Interface(name) | GatewayElement::AddressOnInterface(_, name) => {
                Some(name)
            }
        }
    }
}

/// Splits and parses an IPv4 gateway list (see [`parse_as`]).
pub fn parse(text: &str) -> Option<Vec<GatewayElement<'_>>> {
    parse_as::<Ipv4Address>(text)
}

/// Splits and parses a gateway list of addresses `A`; `None` when an element is malformed (empty, a
/// broken address, `%` without an interface) or there are more than [`MAX_GATEWAYS`].
pub fn parse_as<A: GatewayAddress>(text: &str) -> Option<Vec<GatewayElement<'_, A>>> {
    let mut elements = Vec::new();
    for element in text.split(',') {
        if elements.len() >= MAX_GATEWAYS {
            return None;
        }
        elements.push(match element.split_once('%') {
            Some((address, interface)) if !interface.is_empty() => {
                GatewayElement::AddressOnInterface(A::parse(address)?, interface)
            }
            Some(_) => return None,
            None => match A::parse(element) {
                Some(address) => GatewayElement::Address(address),
                // A name, but not something that only looks like a broken address.
                None if !element.is_empty() && !A::looks_like_one(element) => {
                    GatewayElement::Interface(element)
                }
                None => return None,
            },
        });
    }
    Some(elements)
}

/// Writes `elements` back as a gateway list, each interface replaced by what `interface` makes of it
/// (its `*ID` to store it, its name to show it); `None` when `interface` refuses one.
pub fn format<A: GatewayAddress>(
    elements: &[GatewayElement<'_, A>],
    mut interface: impl FnMut(&str) -> Option<String>,
) -> Option<String> {
    let mut out = String::new();
    for element in elements {
        if !out.is_empty() {
            out.push(',');
        }
        match *element {
            GatewayElement::Address(address) => out.push_str(&format!("{address}")),
            GatewayElement::Interface(name) => out.push_str(&interface(name)?),
            GatewayElement::AddressOnInterface(address, name) => {
                out.push_str(&format!("{address}%{}", interface(name)?));
            }
        }
    }
    Some(out)
}

/// Parses `text` as a gateway list of `family` and writes it back with every interface replaced by
/// what `interface` makes of it (see [`format()`]): how the configuration stores and shows a list.
pub fn rewrite(
    family: Family,
    text: &str,
    interface: impl FnMut(&str) -> Option<String>,
) -> Option<String> {
    match family {
        Family::Ipv4 => format(&parse_as::<Ipv4Address>(text)?, interface),
        Family::Ipv6 => format(&parse_as::<Ipv6Addr>(text)?, interface),
    }
}

/// The interfaces (names or `*ID`s) a gateway list of `family` names; `None` when it does not parse.
pub fn interfaces(family: Family, text: &str) -> Option<Vec<&str>> {
    fn of<A: GatewayAddress>(text: &str) -> Option<Vec<&str>> {
        Some(
            parse_as::<A>(text)?
                .iter()
                .filter_map(GatewayElement::interface)
                .collect(),
        )
    }
    match family {
        Family::Ipv4 => of::<Ipv4Address>(text),
        Family::Ipv6 => of::<Ipv6Addr>(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_and_lists() {
        let a = Ipv4Address::new(10, 0, 0, 1);
        assert_eq!(
            parse("10.0.0.1"),
            Some(alloc::vec![GatewayElement::Address(a)])
        );
        assert_eq!(
            parse("ether1,10.0.0.1%wan"),
            Some(alloc::vec![
                GatewayElement::Interface("ether1"),
                GatewayElement::AddressOnInterface(a, "wan")
            ])
        );
        for bad in [
            "",
            "10.0.0.256",
            "10.0.0.1%",
            "x%ether1",
            "1.2.3",
            "ether1,",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        let many = alloc::vec!["10.0.0.1"; MAX_GATEWAYS + 1].join(",");
        assert_eq!(parse(&many), None);
        let most = alloc::vec!["10.0.0.1"; MAX_GATEWAYS].join(",");
        assert_eq!(parse(&most).map(|e| e.len()), Some(MAX_GATEWAYS));
    }

    #[test]
    fn format_rewrites_only_the_interfaces() {
        let elements = parse("010.0.0.1,ether1,10.0.0.2%ether2").unwrap();
        let ids = |name: &str| match name {
            "ether1" => Some(String::from("*1")),
            "ether2" => Some(String::from("*2")),
            _ => None,
        };
        assert_eq!(
            format(&elements, ids).as_deref(),
            Some("10.0.0.1,*1,10.0.0.2%*2")
        );
        let unknown = parse("10.0.0.2%ether9").unwrap();
        assert_eq!(format(&unknown, ids), None);
    }

    #[test]
    fn ipv6_gateways() {
        let ids = |name: &str| (name == "ether1").then(|| String::from("*1"));
        assert_eq!(
            rewrite(Family::Ipv6, "2001:DB8:1::1", ids).as_deref(),
            Some("2001:db8:1::1")
        );
        assert_eq!(
            rewrite(Family::Ipv6, "fe80::1%ether1,ether1", ids).as_deref(),
            Some("fe80::1%*1,*1")
        );
        assert_eq!(
            interfaces(Family::Ipv6, "fe80::1%*1,2001:db8::1,*2"),
            Some(alloc::vec!["*1", "*2"])
        );
        // Each family takes only its own addresses: an IPv4 address in an IPv6 list is a name that
        // names no interface, and the other way round.
        assert_eq!(rewrite(Family::Ipv6, "10.0.0.1", ids), None);
        assert_eq!(rewrite(Family::Ipv4, "2001:db8::1", ids), None);
        for bad in ["", "2001:db8::g1", "fe80::1%", "1::2::3", "::1,"] {
            assert_eq!(parse_as::<Ipv6Addr>(bad), None, "{bad}");
        }
        // A name that is no address stays a name.
        assert_eq!(
            parse_as::<Ipv6Addr>("cafe"),
            Some(alloc::vec![GatewayElement::Interface("cafe")])
        );
    }
}
