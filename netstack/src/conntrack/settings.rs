//! `/ip firewall connection tracking` settings: every timeout and limit, with RouterOS v7 defaults
//! (routeros-reference.md §3). Changing them at run time ([`super::Conntrack::set_settings`]) affects
//! the timeout chosen at each connection's next packet, as Linux does with its sysctls.

use smoltcp::time::Duration;

/// Largest `max-entries` RouterOS accepts (and the largest slot index a [`crate::flow::ConnId`] encodes).
pub const MAX_ENTRIES_LIMIT: u32 = 1 << 20;

/// `enabled=auto|yes|no`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Enabled {
    /// On as soon as any firewall rule exists.
    #[default]
    Auto,
    Yes,
    No,
}

impl Enabled {
    /// Whether tracking runs, given whether any firewall (filter/nat/mangle/raw) rule exists.
    pub fn active(self, any_firewall_rule: bool) -> bool {
        match self {
            Enabled::Auto => any_firewall_rule,
            Enabled::Yes => true,
            Enabled::No => false,
        }
    }
}

/// All properties of `/ip firewall connection tracking` (the writable ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConntrackSettings {
    pub enabled: Enabled,
    /// `loose-tcp-tracking` (Linux `nf_conntrack_tcp_loose`): pick up connections mid-stream.
    pub loose_tcp_tracking: bool,
    pub tcp_syn_sent_timeout: Duration,
    pub tcp_syn_received_timeout: Duration,
    pub tcp_established_timeout: Duration,
    pub tcp_fin_wait_timeout: Duration,
    pub tcp_close_wait_timeout: Duration,
    pub tcp_last_ack_timeout: Duration,
    pub tcp_time_wait_timeout: Duration,
    pub tcp_close_timeout: Duration,
    /// Used after 3 retransmissions of the same segment or while the peer advertises a zero window
    /// (Linux `nf_conntrack_tcp_timeout_max_retrans`), when shorter than the state's timeout.
    pub tcp_max_retrans_timeout: Duration,
    /// Used while data is unacknowledged (Linux `nf_conntrack_tcp_timeout_unacknowledged`), when
    /// shorter than the state's timeout.
    pub tcp_unacked_timeout: Duration,
    pub udp_timeout: Duration,
    pub udp_stream_timeout: Duration,
    pub icmp_timeout: Duration,
    pub generic_timeout: Duration,
    /// Table size limit (clamped to [`MAX_ENTRIES_LIMIT`]).
    pub max_entries: u32,
    /// Verify TCP/UDP/ICMP checksums and treat bad ones as invalid (Linux `nf_conntrack_checksum=1`).
    pub verify_checksums: bool,
}

impl Default for ConntrackSettings {
    /// RouterOS v7 documented defaults (reference §3). `max-entries` on RouterOS grows with RAM; the
    /// default here (65536) suits the 256 MB minimum and should be set by the caller from RAM size.
    fn default() -> Self {
        ConntrackSettings {
            enabled: Enabled::Auto,
            loose_tcp_tracking: true,
            tcp_syn_sent_timeout: Duration::from_secs(5),
            tcp_syn_received_timeout: Duration::from_secs(5),
            tcp_established_timeout: Duration::from_secs(86_400),
            tcp_fin_wait_timeout: Duration::from_secs(10),
            tcp_close_wait_timeout: Duration::from_secs(10),
            tcp_last_ack_timeout: Duration::from_secs(10),
            tcp_time_wait_timeout: Duration::from_secs(10),
            tcp_close_timeout: Duration::from_secs(10),
            tcp_max_retrans_timeout: Duration::from_secs(300),
            tcp_unacked_timeout: Duration::from_secs(300),
            udp_timeout: Duration::from_secs(30),
            udp_stream_timeout: Duration::from_secs(180),
            icmp_timeout: Duration::from_secs(10),
            generic_timeout: Duration::from_secs(600),
            max_entries: 65_536,
            verify_checksums: true,
        }
    }
}

impl ConntrackSettings {
    pub(crate) fn max_entries_clamped(&self) -> u32 {
        self.max_entries.min(MAX_ENTRIES_LIMIT)
    }
}
