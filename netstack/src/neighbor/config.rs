//! Tunables of the neighbour cache (`/ip settings arp-timeout` and the limits behind it).

use crate::Duration;

/// Settings of a [`NeighborCache`](super::NeighborCache). `Default` gives the RouterOS-like values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeighborConfig {
    /// How long a confirmed entry is `reachable` before it goes `stale` (`/ip settings arp-timeout`, 30 s).
    pub arp_timeout: Duration,
    /// How long an unused `stale` entry is kept before removal (60 s, like Linux `gc_stale_time`).
    pub stale_timeout: Duration,
    /// Interval between ARP requests for one destination (1 s; RFC 1122 §2.3.2.1 asks for at most one
    /// request per second per destination).
    pub retransmit_interval: Duration,
    /// Requests sent per resolution before giving up (3). Values below 1 act as 1.
    pub max_requests: u8,
    /// How long a `failed` entry suppresses new requests and drops packets for its address (5 s).
    pub failed_hold: Duration,
    /// Packets queued per unresolved neighbour (3); when full the oldest is dropped. 0 disables queueing
    /// (RFC 1122 §2.3.2.2 says SHOULD keep at least one).
    pub queue_len: usize,
    /// Packets queued over all neighbours (256); beyond it the packet being queued is dropped.
    pub max_queued: usize,
    /// Entries in the table, static ones included (4096).
    pub max_entries: usize,
}

impl NeighborConfig {
    /// `max_requests`, at least one.
    pub(super) fn requests(&self) -> u8 {
        self.max_requests.max(1)
    }
}

impl Default for NeighborConfig {
    fn default() -> Self {
        Self {
            arp_timeout: Duration::from_secs(30),
            stale_timeout: Duration::from_secs(60),
            retransmit_interval: Duration::from_secs(1),
            max_requests: 3,
            failed_hold: Duration::from_secs(5),
            queue_len: 3,
            max_queued: 256,
            max_entries: 4096,
        }
    }
}
