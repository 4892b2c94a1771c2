//! The `gateway=` syntax of `/ip route` (routeros-reference.md §4): a comma list (several gateways make
//! an ECMP route) whose elements are an address (`10.0.0.1`, reached through a connected route), an
//! interface (`ether1`, the destination is on that link) or an address through an interface
//! (`10.0.0.1%ether1`).
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

use smoltcp::wire::Ipv4Address;

use crate::value;

/// Most gateways of one route (the engine's limit).
pub const MAX_GATEWAYS: usize = netstack::route::MAX_GATEWAYS_PER_ROUTE;

/// One element of a gateway list; the interface as written or stored (a name or a `*ID`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GatewayElement<'a> {
    Address(Ipv4Address),
    Interface(&'a str),
    AddressOnInterface(Ipv4Address, &'a str),
}

impl<'a> GatewayElement<'a> {
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

/// Splits and parses a gateway list; `None` when an element is malformed (empty, a broken address,
/// `%` without an interface) or there are more than [`MAX_GATEWAYS`].
pub fn parse(text: &str) -> Option<Vec<GatewayElement<'_>>> {
    let mut elements = Vec::new();
    for element in text.split(',') {
        if elements.len() >= MAX_GATEWAYS {
            return None;
        }
        elements.push(match element.split_once('%') {
            Some((address, interface)) if !interface.is_empty() => {
                GatewayElement::AddressOnInterface(value::parse_ipv4(address)?, interface)
            }
            Some(_) => return None,
            None => match value::parse_ipv4(element) {
                Some(address) => GatewayElement::Address(address),
                // A name, but not something that only looks like a broken address.
                None if !element.is_empty()
                    && !element.bytes().all(|b| b.is_ascii_digit() || b == b'.') =>
                {
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
pub fn format(
    elements: &[GatewayElement<'_>],
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
}
