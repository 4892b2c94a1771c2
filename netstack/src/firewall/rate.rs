//! Rate state of the `limit`, `dst-limit` and `connection-rate` matchers.
//!
//! - [`RateBucket`]: netfilter's `xt_limit` token bucket, generalised to a per-packet cost so the
//!   RouterOS `:bit` mode (cost = packet bits) works too. It starts full (netfilter: "the burst is
//!   available at start"), earns `count` units per `period`, holds at most `burst` units, and a packet
//!   matches while it can pay. Exact integer arithmetic (units are scaled by the period in µs, in
//!   `u128`), saturating, and time going backwards earns nothing. (`crate::rate_limit::TokenBucket` has
//!   a fixed cost of one token, hence this separate type.)
//! - [`DstLimitTable`]: netfilter's `hashlimit`: one bucket per key (destination, or a mode-dependent
//!   combination of addresses and ports), forgotten after `expire` idle time, at most
//!   [`DST_LIMIT_MAX_ENTRIES`] keys per rule. When the table is full and nothing has expired, a packet
//!   with a new key does not match (it is over the limit), as hashlimit refuses to allocate then.
//! - [`ConnRateTable`]: per-connection throughput for `connection-rate`, measured in one-second windows,
//!   bounded to [`CONN_RATE_MAX_ENTRIES`] connections with idle expiry.

use hashbrown::HashMap;

use super::facts::PacketFacts;
use super::spec::{DstLimitMode, DstLimitSpec, LimitMode, RateSpec};
use crate::Instant;
use crate::flow::ConnId;

/// Most buckets one `dst-limit` rule keeps (netfilter `hashlimit-htable-max` default order).
pub const DST_LIMIT_MAX_ENTRIES: usize = 8192;
/// Most connections one `connection-rate` rule tracks.
pub const CONN_RATE_MAX_ENTRIES: usize = 16_384;
/// A connection not seen for this long is forgotten by `connection-rate` state.
const CONN_RATE_IDLE_US: i64 = 60_000_000;

/// A token bucket with per-packet cost (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateBucket {
    credit: u128,
    capacity: u128,
    /// Units one token costs: the period in µs.
    unit: u128,
    /// Units earned per µs: the count.
    gain: u128,
    mode: LimitMode,
    last: Option<i64>,
}

impl RateBucket {
    pub fn new(spec: &RateSpec) -> Self {
        let unit = u128::from(spec.period.total_micros().max(1));
        let tokens = match spec.mode {
            LimitMode::Packet => spec.burst.max(1),
            // At least one period's worth of bits, so a full-size packet can ever pass.
            LimitMode::Bit => spec.burst.max(spec.count),
        };
        let capacity = u128::from(tokens).saturating_mul(unit);
        RateBucket {
            credit: capacity,
            capacity,
            unit,
            gain: u128::from(spec.count),
            mode: spec.mode,
            last: None,
        }
    }

    /// Refills for the time since the last call and takes this packet's cost if available.
    pub fn allow(&mut self, now: Instant, packet_len: u16) -> bool {
        let now = now.total_micros();
        if let Some(last) = self.last {
            let elapsed = u128::try_from(now.saturating_sub(last)).unwrap_or(0);
            self.credit = self
                .credit
                .saturating_add(elapsed.saturating_mul(self.gain))
                .min(self.capacity);
        }
        // Re-anchors on a clock that went backwards, too (it earned nothing above).
        self.last = Some(now);
        let tokens = match self.mode {
            LimitMode::Packet => 1,
            LimitMode::Bit => u128::from(packet_len) * 8,
        };
        let cost = tokens.saturating_mul(self.unit);
        if self.credit >= cost {
            self.credit -= cost;
            true
        } else {
            false
        }
    }
}

type DstKey = (u32, u32, u16, u16);

/// Per-key buckets of one `dst-limit` rule.
#[derive(Clone, Debug)]
pub struct DstLimitTable {
    spec: DstLimitSpec,
    buckets: HashMap<DstKey, (RateBucket, i64)>,
    max_entries: usize,
}

impl DstLimitTable {
    pub fn new(spec: DstLimitSpec) -> Self {
        Self::with_capacity(spec, DST_LIMIT_MAX_ENTRIES)
    }

    pub fn with_capacity(spec: DstLimitSpec, max_entries: usize) -> Self {
        DstLimitTable {
            spec,
            buckets: HashMap::new(),
            max_entries,
        }
    }

    fn key(&self, f: &PacketFacts) -> DstKey {
        let (s, d) = (u32::from(f.src), u32::from(f.dst));
        let (sp, dp) = (f.src_port.unwrap_or(0), f.dst_port.unwrap_or(0));
        match self.spec.mode {
            DstLimitMode::DstAddress => (0, d, 0, 0),
            DstLimitMode::DstAddressAndPort => (0, d, 0, dp),
            DstLimitMode::SrcAndDstAddress => (s, d, 0, 0),
            DstLimitMode::SrcAndDstAddressAndPort => (s, d, sp, dp),
            DstLimitMode::AddressesAndDstPort => (s, d, 0, dp),
        }
    }

    /// Whether the packet is within its key's rate.
    pub fn allow(&mut self, f: &PacketFacts, now: Instant) -> bool {
        let key = self.key(f);
        let t = now.total_micros();
        if !self.buckets.contains_key(&key) && self.buckets.len() >= self.max_entries {
            let expire = i64::try_from(self.spec.expire.total_micros()).unwrap_or(i64::MAX);
            self.buckets
                .retain(|_, (_, seen)| t.saturating_sub(*seen) < expire);
            if self.buckets.len() >= self.max_entries {
                return false;
            }
        }
        let spec = self.spec.rate;
        let (bucket, seen) = self
            .buckets
            .entry(key)
            .or_insert_with(|| (RateBucket::new(&spec), t));
        *seen = t;
        bucket.allow(now, f.size)
    }

    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

#[derive(Clone, Copy, Debug)]
struct ConnRate {
    window_start: i64,
    window_bytes: u64,
    rate_bps: u64,
    last_seen: i64,
}

/// Per-connection throughput for one `connection-rate` rule.
#[derive(Clone, Debug, Default)]
pub struct ConnRateTable {
    conns: HashMap<ConnId, ConnRate>,
}

impl ConnRateTable {
    /// Accounts the packet and returns the connection's rate in bits/s: the rate over the last complete
    /// one-second window (0 during the first second). None when the table is full of live connections.
    pub fn observe(&mut self, conn: ConnId, bytes: u16, now: Instant) -> Option<u64> {
        let t = now.total_micros();
        if !self.conns.contains_key(&conn) && self.conns.len() >= CONN_RATE_MAX_ENTRIES {
            self.conns
                .retain(|_, c| t.saturating_sub(c.last_seen) < CONN_RATE_IDLE_US);
            if self.conns.len() >= CONN_RATE_MAX_ENTRIES {
                return None;
            }
        }
        let c = self.conns.entry(conn).or_insert(ConnRate {
            window_start: t,
            window_bytes: 0,
            rate_bps: 0,
            last_seen: t,
        });
        let elapsed = t.saturating_sub(c.window_start);
        if elapsed >= 1_000_000 {
            let us = u64::try_from(elapsed).unwrap_or(u64::MAX);
            c.rate_bps = c.window_bytes.saturating_mul(8).saturating_mul(1_000_000) / us;
            c.window_start = t;
            c.window_bytes = 0;
        } else if elapsed < 0 {
            c.window_start = t;
        }
        c.window_bytes = c.window_bytes.saturating_add(u64::from(bytes));
        c.last_seen = t;
        Some(c.rate_bps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Duration;

    fn spec(count: u64, period_s: u64, burst: u64) -> RateSpec {
        RateSpec {
            count,
            period: Duration::from_secs(period_s),
            burst,
            mode: LimitMode::Packet,
        }
    }

    #[test]
    fn bucket_burst_then_rate() {
        // 10 per second, burst 5.
        let mut b = RateBucket::new(&spec(10, 1, 5));
        let t0 = Instant::from_secs(10);
        let passed = (0..20).filter(|_| b.allow(t0, 100)).count();
        assert_eq!(passed, 5);
        // 100 ms earns exactly one packet.
        assert!(b.allow(t0 + Duration::from_millis(100), 100));
        assert!(!b.allow(t0 + Duration::from_millis(100), 100));
        // Long idle saturates at the burst.
        let t1 = t0 + Duration::from_secs(3600);
        assert_eq!((0..20).filter(|_| b.allow(t1, 100)).count(), 5);
        // Time going backwards earns nothing and does not panic.
        assert!(!b.allow(Instant::from_secs(-5), 100));
        assert!(!b.allow(Instant::from_micros(i64::MIN), 100));
        let _ = b.allow(Instant::from_micros(i64::MAX), 100);
    }

    #[test]
    fn bucket_bit_mode() {
        // 8000 bits per second: one 1000-byte packet per second.
        let mut b = RateBucket::new(&RateSpec {
            count: 8000,
            period: Duration::from_secs(1),
            burst: 0,
            mode: LimitMode::Bit,
        });
        let t = Instant::from_secs(0);
        assert!(b.allow(t, 1000));
        assert!(!b.allow(t, 1000));
        assert!(b.allow(t + Duration::from_secs(1), 1000));
    }

    #[test]
    fn conn_rate_windows() {
        let mut t = ConnRateTable::default();
        let c = ConnId(1);
        assert_eq!(t.observe(c, 1000, Instant::from_secs(0)), Some(0));
        assert_eq!(t.observe(c, 1000, Instant::from_millis(500)), Some(0));
        // 2000 bytes in the first 1 s window = 16000 bit/s.
        assert_eq!(t.observe(c, 10, Instant::from_secs(1)), Some(16_000));
    }
}
