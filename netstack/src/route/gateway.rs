//! Gateways of a route (`/ip route gateway=`), as configured and as resolved.
//!
//! RouterOS accepts three gateway forms, and a comma-separated list of them for ECMP:
//! - an IPv4 address (`gateway=10.0.0.1`): reachable when it lies inside an active connected route (the
//!   default `target-scope=10` lets a static route resolve only through connected routes, scope 10); it is
//!   resolved to that route's interface;
//! - an interface (`gateway=ether1`): reachable when the interface is up; the packet's destination is then the
//!   next hop (on-link, e.g. a point-to-point link);
//! - an address on an interface (`gateway=10.0.0.1%ether1`): reachable when the interface is up, without
//!   looking for a connected route (used for gateways outside the interface's subnets, link-local style).
//!
//! The resolved form is what `print` calls `immediate-gw` (`10.0.0.1%ether1`, or `ether1` when on-link).

use alloc::format;
use alloc::string::String;

use smoltcp::wire::Ipv4Address;

use crate::interface::InterfaceId;

/// One configured gateway of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Gateway {
    /// `gateway=10.0.0.1`: resolved through the connected routes.
    Address(Ipv4Address),
    /// `gateway=ether1`: on-link through the interface.
    Interface(InterfaceId),
    /// `gateway=10.0.0.1%ether1`: the address, reached directly through the interface.
    AddressOnInterface(Ipv4Address, InterfaceId),
}

impl Gateway {
    /// The RouterOS text of the gateway, naming interfaces through `name_of`.
    pub fn render<S: AsRef<str>>(&self, name_of: impl Fn(InterfaceId) -> S) -> String {
        match *self {
            Gateway::Address(address) => format!("{address}"),
            Gateway::Interface(interface) => String::from(name_of(interface).as_ref()),
            Gateway::AddressOnInterface(address, interface) => {
                format!("{address}%{}", name_of(interface).as_ref())
            }
        }
    }
}

/// Where a reachable gateway leads right now: the outgoing interface and, unless on-link, the neighbour to
/// send to (RouterOS `immediate-gw`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImmediateGateway {
    pub interface: InterfaceId,
    /// `None` when the destination itself is the next hop (gateway given as an interface, connected route).
    pub address: Option<Ipv4Address>,
}

impl ImmediateGateway {
    /// `10.0.0.1%ether1`, or `ether1` when on-link.
    pub fn render(&self, interface_name: &str) -> String {
        match self.address {
            Some(address) => format!("{address}%{interface_name}"),
            None => String::from(interface_name),
        }
    }
}

/// A reachable gateway of one route, with the source address that goes with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ResolvedGateway {
    pub immediate: ImmediateGateway,
    /// The route's `pref-src`, else the address of the connected route that resolved the gateway.
    pub pref_src: Option<Ipv4Address>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(interface: InterfaceId) -> String {
        format!("ether{}", interface.0 + 1)
    }

    #[test]
    fn renders_like_routeros() {
        let address = Ipv4Address::new(10, 0, 0, 1);
        assert_eq!(Gateway::Address(address).render(name), "10.0.0.1");
        assert_eq!(Gateway::Interface(InterfaceId(0)).render(name), "ether1");
        assert_eq!(
            Gateway::AddressOnInterface(address, InterfaceId(1)).render(name),
            "10.0.0.1%ether2"
        );
        let immediate = ImmediateGateway {
            interface: InterfaceId(0),
            address: Some(address),
        };
        assert_eq!(immediate.render("ether1"), "10.0.0.1%ether1");
        assert_eq!(
            ImmediateGateway {
                address: None,
                ..immediate
            }
            .render("ether1"),
            "ether1"
        );
    }
}
