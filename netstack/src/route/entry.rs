//! What a route is, as configured (`/ip route add ...`) and as `print` shows it.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

use super::gateway::{Gateway, ImmediateGateway, ResolvedGateway};

/// Stable identity of a route for its whole life (RouterOS `.id`, printed `*1A`). Ids are handed out in
/// increasing order and never reused, so ordering by id is ordering by age.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RouteId(pub u32);

impl RouteId {
    pub(super) const MIN: RouteId = RouteId(0);
    pub(super) const MAX: RouteId = RouteId(u32::MAX);
}

impl fmt::Display for RouteId {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "*{:X}", self.0)
    }
}

/// What a route does with the packets it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RouteKind {
    /// Forward through one of the gateways.
    Unicast,
    /// `blackhole`: drop silently.
    Blackhole,
    /// `type=unreachable`: drop and answer ICMP destination unreachable (network unreachable).
    Unreachable,
    /// `type=prohibit`: drop and answer ICMP destination unreachable (communication administratively
    /// prohibited).
    Prohibit,
}

/// The `gateway=` / `blackhole` part of a static route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteTarget {
    /// One or more gateways; several reachable ones at the winning distance give ECMP.
    Gateways(Vec<Gateway>),
    Blackhole,
    Unreachable,
    Prohibit,
}

impl RouteTarget {
    pub fn kind(&self) -> RouteKind {
        match self {
            RouteTarget::Gateways(_) => RouteKind::Unicast,
            RouteTarget::Blackhole => RouteKind::Blackhole,
            RouteTarget::Unreachable => RouteKind::Unreachable,
            RouteTarget::Prohibit => RouteKind::Prohibit,
        }
    }
}

/// A static route as `/ip route add` configures it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticRoute {
    /// `dst-address`; host bits must be zero.
    pub dst: Ipv4Cidr,
    pub target: RouteTarget,
    /// `distance`, 1..=255 (RouterOS default 1).
    pub distance: u8,
    /// `pref-src`: source address for packets the router itself sends along this route.
    pub pref_src: Option<Ipv4Address>,
    pub disabled: bool,
}

impl StaticRoute {
    /// `dst-address=dst gateway=g1,g2,...` with the defaults (distance 1, enabled).
    pub fn via(dst: Ipv4Cidr, gateways: &[Gateway]) -> Self {
        Self::with_target(dst, RouteTarget::Gateways(gateways.to_vec()))
    }

    /// `dst-address=dst blackhole`.
    pub fn blackhole(dst: Ipv4Cidr) -> Self {
        Self::with_target(dst, RouteTarget::Blackhole)
    }

    pub fn with_target(dst: Ipv4Cidr, target: RouteTarget) -> Self {
        Self {
            dst,
            target,
            distance: 1,
            pref_src: None,
            disabled: false,
        }
    }

    /// The same route with another `distance`.
    pub fn distance(self, distance: u8) -> Self {
        Self { distance, ..self }
    }

    /// The same route with `disabled=yes|no`.
    pub fn disabled(self, disabled: bool) -> Self {
        Self { disabled, ..self }
    }

    /// The same route with a `pref-src`.
    pub fn pref_src(self, pref_src: Ipv4Address) -> Self {
        Self {
            pref_src: Some(pref_src),
            ..self
        }
    }
}

/// The flags column of `/ip route print` (RouterOS v7 legend: D dynamic; X disabled, I inactive, A active;
/// c connect, s static, d dhcp; + ECMP; B blackhole).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RouteFlags {
    /// D: made by the router (connected routes).
    pub dynamic: bool,
    /// X: `disabled=yes`.
    pub disabled: bool,
    /// I: enabled but unusable (no reachable gateway, interface down).
    pub inactive: bool,
    /// A: selected for forwarding.
    pub active: bool,
    /// c: connected route of an interface address.
    pub connected: bool,
    /// s: static route.
    pub static_route: bool,
    /// d: added by a DHCP client.
    pub dhcp: bool,
    /// +: active together with other next hops (ECMP).
    pub ecmp: bool,
    /// B: blackhole route.
    pub blackhole: bool,
    /// U (RouterOS v6 legend): unreachable route.
    pub unreachable: bool,
    /// P (RouterOS v6 legend): prohibit route.
    pub prohibit: bool,
}

impl RouteFlags {
    /// The letters RouterOS prints, e.g. `DAc`, `As+`, `Xs`, `IsB`.
    pub fn letters(&self) -> String {
        let table = [
            (self.dynamic, 'D'),
            (self.disabled, 'X'),
            (self.inactive, 'I'),
            (self.active, 'A'),
            (self.connected, 'c'),
            (self.static_route, 's'),
            (self.dhcp, 'd'),
            (self.ecmp, '+'),
            (self.blackhole, 'B'),
            (self.unreachable, 'U'),
            (self.prohibit, 'P'),
        ];
        table
            .iter()
            .filter(|(set, _)| *set)
            .map(|(_, letter)| *letter)
            .collect()
    }
}

/// One route as `/ip route print detail` shows it.
#[derive(Clone, Copy, Debug)]
pub struct RouteEntry<'a> {
    pub id: RouteId,
    pub dst: Ipv4Cidr,
    /// The configured gateways (a connected route shows its interface).
    pub gateways: &'a [Gateway],
    pub distance: u8,
    pub kind: RouteKind,
    pub pref_src: Option<Ipv4Address>,
    pub flags: RouteFlags,
    pub(super) resolved: &'a [ResolvedGateway],
}

impl<'a> RouteEntry<'a> {
    /// The reachable gateways, resolved (`immediate-gw`), in the order they were configured.
    pub fn immediate_gateways(&self) -> impl Iterator<Item = ImmediateGateway> + 'a {
        self.resolved.iter().map(|resolved| resolved.immediate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_print_in_routeros_order() {
        let connected = RouteFlags {
            dynamic: true,
            active: true,
            connected: true,
            ..Default::default()
        };
        assert_eq!(connected.letters(), "DAc");
        let ecmp = RouteFlags {
            active: true,
            static_route: true,
            ecmp: true,
            ..Default::default()
        };
        assert_eq!(ecmp.letters(), "As+");
        let off = RouteFlags {
            disabled: true,
            static_route: true,
            blackhole: true,
            ..Default::default()
        };
        assert_eq!(off.letters(), "XsB");
        let dhcp = RouteFlags {
            dynamic: true,
            active: true,
            dhcp: true,
            ..Default::default()
        };
        assert_eq!(dhcp.letters(), "DAd");
        assert_eq!(RouteId(26).to_string(), "*1A");
    }
}
