//! Engine-wide counters: how many packets took each path.

/// Packet counts per path (drops are counted by reason in `DropCounters`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Frames handed to `receive`.
    pub received: u64,
    /// ARP packets processed.
    pub arp: u64,
    /// IPv6 frames seen (counted and dropped until IPv6 forwarding exists).
    pub ipv6: u64,
    /// IPv4 packets routed to another host.
    pub forwarded: u64,
    /// Of `forwarded`, those that took the FastTrack fast path (`engine::fast_path`).
    pub fast_forwarded: u64,
    /// IPv4 packets delivered to the router's own stack.
    pub delivered_local: u64,
    /// IPv4 packets the router originated (its stack's replies, ICMP errors).
    pub originated: u64,
    /// Frames queued for transmission.
    pub transmitted: u64,
    /// Datagrams reassembled from fragments (before connection tracking).
    pub reassembled: u64,
    /// Fragments made from packets larger than the outgoing MTU.
    pub fragments: u64,
    /// ICMP errors sent, suppressed by RFC 1812 rules, and held back by the rate limit.
    pub icmp_errors_sent: u64,
    pub icmp_errors_suppressed: u64,
    pub icmp_errors_rate_limited: u64,
    /// TCP super-frames received from NICs that offload segmentation (each counts once above).
    pub super_frames: u64,
    /// Super-frames the engine cut into segments itself (the port could not, or the router's own stack
    /// or an MTU needed them), and the segments that made.
    pub super_frames_segmented: u64,
    pub segments_made: u64,
    /// Partial checksums the engine completed itself.
    pub checksums_completed: u64,
    /// DHCP datagrams taken off the link and queued for the router's DHCP services, and datagrams
    /// those services sent out of an interface directly (`Engine::send_link_datagram`).
    pub link_datagrams_received: u64,
    pub link_datagrams_sent: u64,
}

/// Adds one, saturating (counters never wrap or panic).
pub(super) fn bump(counter: &mut u64) {
    *counter = counter.saturating_add(1);
}
