//! Queued packets handed back to the engine: released (neighbour resolved) or unresolved (dropped).

use alloc::vec::Vec;

use smoltcp::wire::{EthernetAddress, Ipv4Address};

use crate::interface::InterfaceId;

/// Packets that waited for `ip` on `iface`, now resolved to `mac`: send them, in order.
#[derive(Debug, PartialEq, Eq)]
pub struct Released<P> {
    pub iface: InterfaceId,
    pub ip: Ipv4Address,
    pub mac: EthernetAddress,
    /// Oldest first.
    pub packets: Vec<P>,
}

/// Packets dropped because `ip` on `iface` could not be resolved. The engine may answer each with an
/// ICMP destination unreachable, code 1 "host unreachable" (RFC 792), rate-limited on its side.
#[derive(Debug, PartialEq, Eq)]
pub struct Unresolved<P> {
    pub iface: InterfaceId,
    pub ip: Ipv4Address,
    /// Oldest first.
    pub packets: Vec<P>,
}
