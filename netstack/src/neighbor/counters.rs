//! Counters of the neighbour cache (all saturating).

/// Event counters of a [`NeighborCache`](super::NeighborCache).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NeighborCounters {
    /// ARP requests handed to the engine to send (first requests, retries and probes).
    pub requests_sent: u64,
    /// ARP replies handed to the engine to send (proxy replies included).
    pub replies_sent: u64,
    /// Of `replies_sent`, those for addresses that are not ours (RFC 1027 proxy ARP).
    pub proxy_replies_sent: u64,
    /// Entries completed from the wire (created, or an incomplete/failed one resolved).
    pub entries_learned: u64,
    /// ARP packets whose sender claims one of our addresses (RFC 5227 §2.4).
    pub conflicts: u64,
    /// ARP payloads that are truncated, not Ethernet/IPv4, of an unknown operation, or with an invalid
    /// sender (broadcast/multicast/zero MAC, broadcast/multicast IP).
    pub malformed: u64,
    /// ARP packets received on an interface with `arp=disabled`.
    pub ignored: u64,
    /// Packets dropped because a neighbour's queue (or the total queue) was full.
    pub queue_drops: u64,
    /// Packets dropped because their neighbour could not be resolved (failed, hold-down, ARP off).
    pub unresolved_drops: u64,
    /// Resolutions (or revalidations) that got no answer.
    pub resolution_failures: u64,
    /// New entries refused because the table was full of static/incomplete entries.
    pub table_full: u64,
    /// Entries evicted to make room for a new one.
    pub evictions: u64,
}

/// `*counter += by`, saturating.
pub(super) fn bump(counter: &mut u64, by: usize) {
    *counter = counter.saturating_add(u64::try_from(by).unwrap_or(u64::MAX));
}
