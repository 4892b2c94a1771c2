//! Why a change to the routing table was refused. The table is unchanged after every error.

use core::fmt;

use smoltcp::wire::Ipv4Cidr;

use super::entry::RouteId;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteError {
    /// `dst-address` has bits set past its prefix length (`10.0.0.1/24`).
    HostBitsSet { dst: Ipv4Cidr },
    /// A static route's `distance` is outside `1..=255` (0 belongs to connected routes).
    DistanceOutOfRange { distance: u8 },
    /// A unicast static route without any gateway.
    NoGateway,
    /// More gateways than one route may have.
    TooManyGateways { given: usize, max: usize },
    /// The configured route limit is reached.
    TableFull { limit: usize },
    /// No route has this id.
    NoSuchRoute(RouteId),
    /// The route is dynamic (connected) and cannot be changed through `/ip route`.
    DynamicRoute(RouteId),
    /// The route is not a connected route (for `remove_connected`).
    NotConnected(RouteId),
    /// Every route id has been handed out (after 2^32 - 1 additions).
    IdsExhausted,
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            RouteError::HostBitsSet { dst } => {
                write!(
                    f,
                    "invalid value for argument dst-address: {dst} has host bits set"
                )
            }
            RouteError::DistanceOutOfRange { distance } => {
                write!(f, "value of distance out of range (1..255): {distance}")
            }
            RouteError::NoGateway => f.write_str("gateway not specified"),
            RouteError::TooManyGateways { given, max } => {
                write!(f, "too many gateways ({given}, at most {max})")
            }
            RouteError::TableFull { limit } => write!(f, "route table full (limit {limit} routes)"),
            RouteError::NoSuchRoute(_) => f.write_str("no such item"),
            RouteError::DynamicRoute(_) => f.write_str("can not change dynamic route"),
            RouteError::NotConnected(id) => write!(f, "route {id} is not a connected route"),
            RouteError::IdsExhausted => f.write_str("out of route ids"),
        }
    }
}

impl core::error::Error for RouteError {}
