//! Token-bucket rate limiting for the ICMP errors the router originates (RFC 1812 §4.3.2.8: "a router
//! MUST ... limit the rate at which it originates ICMP error messages"; RFC 1122 §3.2.2).
//!
//! [`TokenBucket`] is the limiter; [`IcmpRateMask`] says which ICMP types/codes it applies to. The engine
//! owns the buckets (one global, and/or a bounded table of per-destination buckets) and asks
//! [`TokenBucket::allow`] before sending each error built by [`crate::icmp_error`].
//!
//! # Defaults, and how they map to RouterOS / Linux
//!
//! RouterOS exposes Linux's per-destination limiter as `/ip settings icmp-rate-limit=10` (milliseconds
//! between errors to one destination; Linux's `net.ipv4.icmp_ratelimit`, whose Linux default is 1000) and
//! `icmp-rate-mask=0x1818` (Linux `net.ipv4.icmp_ratemask`: types 3, 4, 11, 12). Linux's per-destination
//! limiter is a token bucket that earns one token per `icmp_ratelimit` and holds at most 6
//! (`XRLIM_BURST_FACTOR`); on top of it Linux has a global bucket of `icmp_msgs_per_sec=1000`,
//! `icmp_msgs_burst=50`. So:
//!
//! - per destination: [`TokenBucket::from_interval`]`(`[`DEFAULT_ICMP_RATE_LIMIT`]` /* 10 ms */,`
//!   [`PER_DESTINATION_BURST`]` /* 6 */)` — i.e. 100 errors/s sustained, bursts of 6;
//! - global: [`TokenBucket::new`]`(`[`GLOBAL_RATE_PER_SEC`]` /* 1000 */, `[`GLOBAL_BURST`]` /* 50 */)`;
//! - which messages: [`IcmpRateMask::DEFAULT`] (`0x1818`); "fragmentation needed" is never limited, so
//!   path-MTU discovery keeps working (as in Linux's `icmpv4_mask_allow`).
//!
//! # Guarantees
//!
//! - Exact integer arithmetic, no drift: credit is kept in fixed-point units (a token costs `cost` units,
//!   each elapsed microsecond earns `gain` units), so fractional refills accumulate precisely.
//! - No overflow and no panic for any `now`: elapsed time is computed with saturating arithmetic and
//!   credit saturates at the burst, even after a very long idle period or `Instant`s at `i64` extremes.
//! - Time going backwards earns nothing; the bucket re-anchors at the earlier time (so a clock that
//!   jumps back does not starve the limiter until it catches up). It never reads a clock: `now` is input.
//! - A new bucket starts full (`burst` tokens); the first call only anchors the clock.

use crate::{Duration, Instant};

/// RouterOS `/ip settings icmp-rate-limit` default: 10 ms between ICMP errors to one destination.
pub const DEFAULT_ICMP_RATE_LIMIT: Duration = Duration::from_millis(10);
/// Per-destination burst: Linux `XRLIM_BURST_FACTOR` (the bucket holds 6 intervals' worth).
pub const PER_DESTINATION_BURST: u32 = 6;
/// Linux `net.ipv4.icmp_msgs_per_sec` default: the global limit on ICMP errors sent per second.
pub const GLOBAL_RATE_PER_SEC: u32 = 1000;
/// Linux `net.ipv4.icmp_msgs_burst` default.
pub const GLOBAL_BURST: u32 = 50;

/// Fixed-point units per token for [`TokenBucket::new`]: one microsecond at 1 token/s.
const MICROS_PER_SEC: u64 = 1_000_000;

/// A token bucket driven by caller-supplied time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenBucket {
    /// Current credit in fixed-point units, `<= capacity`.
    credit: u64,
    /// Maximum credit: `burst * cost`.
    capacity: u64,
    /// Units one token costs.
    cost: u64,
    /// Units earned per elapsed microsecond.
    gain: u64,
    /// Time of the last refill, in microseconds; `None` until the first call.
    last: Option<i64>,
}

impl TokenBucket {
    /// A bucket refilling at `rate_per_sec` tokens per second, holding at most `burst` tokens, starting
    /// full. `rate_per_sec == 0` never refills (only the initial burst passes); `burst == 0` never allows.
    pub const fn new(rate_per_sec: u32, burst: u32) -> Self {
        let cost = MICROS_PER_SEC;
        let capacity = (burst as u64).saturating_mul(cost);
        TokenBucket {
            credit: capacity,
            capacity,
            cost,
            gain: rate_per_sec as u64,
            last: None,
        }
    }

    /// A bucket earning one token per `interval` (RouterOS `icmp-rate-limit`, Linux `icmp_ratelimit`),
    /// holding at most `burst` tokens, starting full. A zero interval means "no limit": every call is
    /// allowed (as `icmp-rate-limit=0` disables limiting).
    pub const fn from_interval(interval: Duration, burst: u32) -> Self {
        let cost = interval.total_micros();
        let capacity = (burst as u64).saturating_mul(cost);
        TokenBucket {
            credit: capacity,
            capacity,
            cost,
            gain: 1,
            last: None,
        }
    }

    /// The per-destination default: one error per 10 ms, burst 6 (see the module docs).
    pub const fn per_destination_default() -> Self {
        Self::from_interval(DEFAULT_ICMP_RATE_LIMIT, PER_DESTINATION_BURST)
    }

    /// The global default: 1000 errors per second, burst 50 (see the module docs).
    pub const fn global_default() -> Self {
        Self::new(GLOBAL_RATE_PER_SEC, GLOBAL_BURST)
    }

    /// Refill for the time elapsed since the last call, then take one token if there is one.
    /// Returns whether the message may be sent.
    pub fn allow(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.credit >= self.cost {
            self.credit -= self.cost;
            true
        } else {
            false
        }
    }

    /// Whole tokens available as of the last call (before any refill for time since then);
    /// `u32::MAX` for an unlimited bucket.
    pub fn tokens(&self) -> u32 {
        match self.credit.checked_div(self.cost) {
            Some(t) => u32::try_from(t).unwrap_or(u32::MAX),
            None => u32::MAX,
        }
    }

    fn refill(&mut self, now: Instant) {
        let now = now.total_micros();
        if let Some(last) = self.last {
            // Saturating: i64 extremes cannot overflow; negative (time went backwards) earns nothing.
            let elapsed = u64::try_from(now.saturating_sub(last)).unwrap_or(0);
            let earned = elapsed.saturating_mul(self.gain);
            self.credit = self.credit.saturating_add(earned).min(self.capacity);
        }
        self.last = Some(now);
    }
}

/// Which ICMP messages are rate limited: bit `t` set limits type `t` (Linux `icmp_ratemask`, RouterOS
/// `/ip settings icmp-rate-mask`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IcmpRateMask(pub u32);

impl IcmpRateMask {
    /// `0x1818`: Destination Unreachable (3), Source Quench (4), Time Exceeded (11), Parameter Problem (12).
    pub const DEFAULT: IcmpRateMask = IcmpRateMask(0x1818);

    /// Whether a message of this type/code is subject to rate limiting. As Linux's `icmpv4_mask_allow`:
    /// types above 18 and "fragmentation needed" (3/4, needed by path-MTU discovery, RFC 1191) never are.
    pub const fn limits(self, icmp_type: u8, code: u8) -> bool {
        if icmp_type > 18 || (icmp_type == 3 && code == 4) {
            return false;
        }
        self.0 & (1 << icmp_type) != 0
    }
}

impl Default for IcmpRateMask {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(t: i64) -> Instant {
        Instant::from_micros(t)
    }

    fn drain(b: &mut TokenBucket, now: Instant) -> u32 {
        let mut n = 0;
        while b.allow(now) {
            n += 1;
            assert!(n <= 1_000_000, "unbounded");
        }
        n
    }

    #[test]
    fn starts_full_then_refills_at_rate() {
        let mut b = TokenBucket::new(1000, 50);
        assert_eq!(b.tokens(), 50);
        assert_eq!(drain(&mut b, us(0)), 50);
        assert!(!b.allow(us(999)));
        assert!(b.allow(us(1000)));
        assert!(!b.allow(us(1000)));
        // Fractional accumulation: two half-token steps make one token.
        assert!(!b.allow(us(1500)));
        assert!(b.allow(us(2000)));
    }

    #[test]
    fn caps_at_burst_after_long_idle() {
        let mut b = TokenBucket::new(1000, 50);
        drain(&mut b, us(0));
        assert_eq!(drain(&mut b, us(3_600_000_000)), 50);
        // Extreme idle: the whole i64 range.
        let mut b = TokenBucket::new(u32::MAX, u32::MAX);
        assert!(b.allow(Instant::from_micros(i64::MIN)));
        assert!(b.allow(Instant::from_micros(i64::MAX)));
        assert_eq!(b.tokens(), u32::MAX - 1);
        // Capacity saturates at u64::MAX units = exactly one token of u64::MAX us; i64::MAX us earns less.
        let mut b = TokenBucket::from_interval(Duration::from_micros(u64::MAX), u32::MAX);
        assert!(b.allow(Instant::from_micros(i64::MIN)));
        assert!(!b.allow(Instant::from_micros(i64::MAX)));
        assert!(!b.allow(Instant::from_micros(i64::MIN)));
    }

    #[test]
    fn time_going_backwards_earns_nothing_and_reanchors() {
        let mut b = TokenBucket::new(1000, 5);
        assert_eq!(drain(&mut b, us(1_000_000)), 5);
        assert!(!b.allow(us(0)));
        assert!(!b.allow(us(-1_000)));
        // Re-anchored at -1000 us: 2 ms later we have exactly 2 tokens.
        assert_eq!(drain(&mut b, us(1_000)), 2);
        assert!(!b.allow(us(500)));
        // A jump to the far past and back earns at most the burst, never overflows.
        assert!(!b.allow(Instant::from_micros(i64::MIN)));
        assert_eq!(drain(&mut b, us(0)), 5);
    }

    #[test]
    fn sustained_rate_is_exact() {
        // 1000/s with burst 50, polled every 100 us for 10 s: 50 + 10_000 allowed.
        let mut b = TokenBucket::global_default();
        let mut allowed = 0;
        for step in 0..=100_000i64 {
            if b.allow(us(step * 100)) {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 50 + 10_000);
    }

    #[test]
    fn routeros_interval_semantics() {
        // icmp-rate-limit=10 ms, burst 6: a flood polled every 1 ms for 1 s gets 6 + 100.
        let mut b = TokenBucket::per_destination_default();
        let allowed = (0..=1000i64).filter(|ms| b.allow(us(ms * 1000))).count();
        assert_eq!(allowed, 6 + 100);
        // Interval that is not a divisor of a second: 3 ms -> 333.33/s; 3 s gives exactly 1000 more.
        let mut b = TokenBucket::from_interval(Duration::from_millis(3), 1);
        let allowed = (0..=3_000_000i64)
            .step_by(250)
            .filter(|&t| b.allow(us(t)))
            .count();
        assert_eq!(allowed, 1 + 1000);
    }

    #[test]
    fn degenerate_parameters() {
        // Zero interval: unlimited.
        let mut b = TokenBucket::from_interval(Duration::ZERO, 0);
        assert!((0..10_000).all(|_| b.allow(us(0))));
        assert_eq!(b.tokens(), u32::MAX);
        // Zero rate: the initial burst only.
        let mut b = TokenBucket::new(0, 3);
        assert_eq!(drain(&mut b, us(0)), 3);
        assert_eq!(drain(&mut b, us(i64::MAX)), 0);
        // Zero burst: never.
        let mut b = TokenBucket::new(1000, 0);
        assert_eq!(drain(&mut b, us(0)), 0);
        assert_eq!(drain(&mut b, us(10_000_000)), 0);
    }

    #[test]
    fn rate_mask() {
        let m = IcmpRateMask::default();
        for code in [0u8, 1, 2, 3, 13] {
            assert!(m.limits(3, code));
        }
        assert!(!m.limits(3, 4), "PMTU discovery is never limited");
        assert!(m.limits(11, 0));
        assert!(m.limits(12, 0));
        assert!(m.limits(4, 0));
        for t in [0u8, 5, 8, 13, 14, 18, 19, 31, 255] {
            assert!(!m.limits(t, 0), "type {t}");
        }
        assert!(IcmpRateMask(u32::MAX).limits(0, 0));
        assert!(!IcmpRateMask(0).limits(11, 0));
    }
}
