//! One neighbour entry: its state machine and how it looks in `/ip arp print`.

use alloc::collections::VecDeque;
use core::fmt;

use smoltcp::wire::{EthernetAddress, Ipv4Address};

use super::config::NeighborConfig;
use super::time::{deadline, remaining};
use crate::interface::InterfaceId;
use crate::{Duration, Instant};

/// The state of an entry. Only `Incomplete` holds packets.
pub(super) enum State<P> {
    /// Request(s) sent, no answer yet; packets wait in `queue`.
    Incomplete {
        requests: u8,
        next_request: Instant,
        queue: VecDeque<P>,
    },
    /// Confirmed by the wire; usable until `expires` (arp-timeout).
    Reachable {
        mac: EthernetAddress,
        expires: Instant,
    },
    /// Past arp-timeout and not used since; still usable, removed at `remove_at`.
    Stale {
        mac: EthernetAddress,
        remove_at: Instant,
    },
    /// Stale but in use: being revalidated (RFC 1122 §2.3.2.1), still usable meanwhile.
    Probe {
        mac: EthernetAddress,
        requests: u8,
        next_request: Instant,
    },
    /// No answer: requests are suppressed and packets dropped until `until`, then the entry goes.
    Failed { until: Instant },
    /// `/ip arp add`: never expires, never changed by the wire.
    Static { mac: EthernetAddress },
}

pub(super) struct Entry<P> {
    pub(super) state: State<P>,
    /// When the entry was created or last confirmed by the wire (eviction picks the oldest).
    pub(super) updated: Instant,
}

impl<P> Entry<P> {
    pub(super) fn new(state: State<P>, now: Instant) -> Self {
        Self {
            state,
            updated: now,
        }
    }

    pub(super) fn is_static(&self) -> bool {
        matches!(self.state, State::Static { .. })
    }

    /// The MAC to send to now, or `None` when unresolved. Using an entry past its arp-timeout starts a
    /// revalidation (`Probe`; the request goes out on the next poll) while the old MAC stays in use.
    pub(super) fn use_for_send(&mut self, now: Instant) -> Option<EthernetAddress> {
        match self.state {
            State::Static { mac } | State::Probe { mac, .. } => Some(mac),
            State::Reachable { mac, expires } if now < expires => Some(mac),
            State::Reachable { mac, .. } | State::Stale { mac, .. } => {
                self.state = State::Probe {
                    mac,
                    requests: 0,
                    next_request: now,
                };
                Some(mac)
            }
            State::Incomplete { .. } | State::Failed { .. } => None,
        }
    }

    /// Confirms `mac` from the wire (RFC 826 merge). Static entries are left alone. Returns the packets
    /// that waited for it (empty unless it was incomplete) and whether the entry became complete now.
    pub(super) fn confirm(
        &mut self,
        mac: EthernetAddress,
        now: Instant,
        config: &NeighborConfig,
    ) -> Option<(VecDeque<P>, bool)> {
        let newly_complete = matches!(self.state, State::Incomplete { .. } | State::Failed { .. });
        let reachable = State::Reachable {
            mac,
            expires: deadline(now, config.arp_timeout),
        };
        match core::mem::replace(&mut self.state, reachable) {
            State::Static { mac } => {
                self.state = State::Static { mac };
                None
            }
            State::Incomplete { queue, .. } => {
                self.updated = now;
                Some((queue, newly_complete))
            }
            _ => {
                self.updated = now;
                Some((VecDeque::new(), newly_complete))
            }
        }
    }

    /// Eviction preference, smallest first; `None` for entries that must not be evicted (static ones and
    /// incomplete ones, which hold packets and are bounded by the retry limit anyway).
    pub(super) fn eviction_rank(&self, now: Instant) -> Option<(u8, Instant)> {
        let class = match self.state {
            State::Static { .. } | State::Incomplete { .. } => return None,
            State::Failed { .. } => 0,
            State::Stale { .. } => 1,
            State::Reachable { expires, .. } if now >= expires => 1,
            State::Reachable { .. } | State::Probe { .. } => 2,
        };
        Some((class, self.updated))
    }

    /// When this entry next needs `poll`.
    pub(super) fn next_event(&self) -> Option<Instant> {
        match self.state {
            State::Incomplete { next_request, .. } | State::Probe { next_request, .. } => {
                Some(next_request)
            }
            State::Reachable { expires, .. } => Some(expires),
            State::Stale { remove_at, .. } => Some(remove_at),
            State::Failed { until } => Some(until),
            State::Static { .. } => None,
        }
    }

    pub(super) fn view(
        &self,
        interface: InterfaceId,
        address: Ipv4Address,
        now: Instant,
    ) -> NeighborView {
        let (mac_address, status) = match self.state {
            State::Incomplete { .. } => (None, NeighborStatus::Incomplete),
            State::Reachable { mac, expires } if now < expires => {
                (Some(mac), NeighborStatus::Reachable)
            }
            State::Reachable { mac, .. } | State::Stale { mac, .. } => {
                (Some(mac), NeighborStatus::Stale)
            }
            State::Probe { mac, .. } => (Some(mac), NeighborStatus::Probe),
            State::Failed { .. } => (None, NeighborStatus::Failed),
            State::Static { mac } => (Some(mac), NeighborStatus::Permanent),
        };
        let queued = match &self.state {
            State::Incomplete { queue, .. } => queue.len(),
            _ => 0,
        };
        NeighborView {
            interface,
            address,
            mac_address,
            status,
            queued,
            expires_in: self.next_event().map(|at| remaining(now, at)),
        }
    }
}

/// `status` column of `/ip arp print` (RouterOS v7 names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NeighborStatus {
    /// Resolving: request sent, packets queued.
    Incomplete,
    /// Confirmed within arp-timeout.
    Reachable,
    /// Past arp-timeout; still used, revalidated on use.
    Stale,
    /// Being revalidated.
    Probe,
    /// No answer; in hold-down.
    Failed,
    /// Static entry.
    Permanent,
}

/// One row of `/ip arp print`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeighborView {
    pub interface: InterfaceId,
    pub address: Ipv4Address,
    /// `None` while incomplete or failed.
    pub mac_address: Option<EthernetAddress>,
    pub status: NeighborStatus,
    /// Packets waiting for the resolution.
    pub queued: usize,
    /// Time to the entry's next transition (retry, expiry, removal); `None` for static entries.
    pub expires_in: Option<Duration>,
}

impl NeighborView {
    /// The flag column.
    pub fn flags(&self) -> NeighborFlags {
        NeighborFlags {
            dynamic: self.status != NeighborStatus::Permanent,
            complete: self.mac_address.is_some(),
        }
    }
}

/// RouterOS `/ip arp print` flags this cache can have: `D` dynamic, `C` complete. (`P` published, `H` DHCP,
/// `I` invalid and `X` disabled belong to the configuration layer.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeighborFlags {
    pub dynamic: bool,
    pub complete: bool,
}

impl fmt::Display for NeighborFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dynamic {
            f.write_str("D")?;
        }
        if self.complete {
            f.write_str("C")?;
        }
        Ok(())
    }
}

/// Whether `ip` may be a neighbour's unicast address (resolved or learned).
pub(super) fn is_neighbor_address(ip: Ipv4Address) -> bool {
    !(ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || ip.is_loopback())
}
