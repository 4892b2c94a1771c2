//! The monotonic clock: the CPU's time-stamp counter, calibrated against the PIT at boot; and the
//! router's clock (`/system clock`, log stamps, export headers) counted on it.
//!
//! `now()` never goes backwards on one CPU (the appliance runs on one). The TSC rate is measured over three
//! 10 ms PIT intervals and the median taken, which rejects an interval stretched by the host descheduling a
//! TCG vCPU. The periodic timer interrupt (`TICK_HZ`) only wakes the main loop; time itself comes from the TSC.
//!
//! The router's clock is the real-time clock's UTC reading at boot (`rtc`, [`start_wall`]) plus the
//! monotonic time since, shown as local time: plus the configured offset from UTC
//! ([`set_gmt_offset`], `config::clock::gmt_offset`). `/system clock set` moves it
//! ([`set_wall_seconds`]) until the next boot; the real-time clock itself is never written. Without a
//! readable real-time clock it starts at 1970-01-01 00:00:00, as a CHR without NTP shows it.

use core::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::pit;

/// Frequency of the periodic timer interrupt.
pub const TICK_HZ: u32 = 100;

static TSC_HZ: AtomicU64 = AtomicU64::new(0);
static TSC_AT_ENTRY: AtomicU64 = AtomicU64::new(0);
static TICKS: AtomicU64 = AtomicU64::new(0);

/// Reads the time-stamp counter.
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC only reads a counter; it is available on every x86_64 CPU.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Records the TSC at kernel entry; boot time and uptime count from here.
pub fn mark_entry() {
    TSC_AT_ENTRY.store(rdtsc(), Ordering::Relaxed);
}

/// Measures the TSC frequency. Needs no interrupts; call early in boot.
pub fn calibrate() -> u64 {
    const INTERVAL_TICKS: u16 = (pit::FREQUENCY_HZ / 100) as u16; // 10 ms
    let mut samples = [0u64; 3];
    for sample in samples.iter_mut() {
        let mut start = 0;
        pit::one_shot(INTERVAL_TICKS, || start = rdtsc());
        let cycles = rdtsc().saturating_sub(start);
        *sample = cycles.saturating_mul(u64::from(pit::FREQUENCY_HZ)) / u64::from(INTERVAL_TICKS);
    }
    samples.sort_unstable();
    let hz = samples[1].max(1);
    TSC_HZ.store(hz, Ordering::Relaxed);
    hz
}

/// The calibrated TSC frequency in Hz (0 before `calibrate`).
pub fn tsc_hz() -> u64 {
    TSC_HZ.load(Ordering::Relaxed)
}

/// A point on the monotonic clock, in nanoseconds since kernel entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant(u64);

impl Instant {
    pub fn as_nanos(self) -> u64 {
        self.0
    }

    pub fn as_millis(self) -> u64 {
        self.0 / 1_000_000
    }
}

/// Converts TSC cycles to nanoseconds without overflow for any realistic uptime.
pub fn cycles_to_nanos(cycles: u64) -> u64 {
    let hz = tsc_hz().max(1);
    ((u128::from(cycles) * 1_000_000_000) / u128::from(hz)).min(u128::from(u64::MAX)) as u64
}

/// Now, on the monotonic clock.
pub fn now() -> Instant {
    let cycles = rdtsc().saturating_sub(TSC_AT_ENTRY.load(Ordering::Relaxed));
    Instant(cycles_to_nanos(cycles))
}

/// The router's clock (UTC) at kernel entry, in milliseconds since 1970-01-01 00:00:00.
static UTC_AT_ENTRY_MS: AtomicI64 = AtomicI64::new(0);
/// How far local time is ahead of UTC, in seconds.
static GMT_OFFSET: AtomicI64 = AtomicI64::new(0);

/// Starts the router's clock: it reads `utc_seconds` (since 1970-01-01 00:00:00 UTC) now.
pub fn start_wall(utc_seconds: u64) {
    let ms = i64::try_from(utc_seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
    UTC_AT_ENTRY_MS.store(ms.saturating_sub(uptime_ms()), Ordering::Relaxed);
}

/// Local time is `seconds` ahead of UTC from now on (negative: behind).
pub fn set_gmt_offset(seconds: i64) {
    GMT_OFFSET.store(seconds, Ordering::Relaxed);
}

/// The router's clock (local time) reads `local_seconds` now.
pub fn set_wall_seconds(local_seconds: u64) {
    let local_ms = i64::try_from(local_seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
    let offset_ms = GMT_OFFSET.load(Ordering::Relaxed).saturating_mul(1000);
    UTC_AT_ENTRY_MS.store(
        local_ms
            .saturating_sub(offset_ms)
            .saturating_sub(uptime_ms()),
        Ordering::Relaxed,
    );
}

/// The router's clock (local time) when the monotonic clock read `uptime_ms`, in seconds since
/// 1970-01-01 00:00:00 (never before it).
pub fn wall_seconds_at(uptime_ms: u64) -> u64 {
    let uptime = i64::try_from(uptime_ms).unwrap_or(i64::MAX);
    let offset_ms = GMT_OFFSET.load(Ordering::Relaxed).saturating_mul(1000);
    let ms = UTC_AT_ENTRY_MS
        .load(Ordering::Relaxed)
        .saturating_add(uptime)
        .saturating_add(offset_ms);
    u64::try_from(ms).unwrap_or(0) / 1000
}

/// The router's clock now (local time), in seconds since 1970-01-01 00:00:00.
pub fn wall_seconds() -> u64 {
    wall_seconds_at(now().as_millis())
}

fn uptime_ms() -> i64 {
    i64::try_from(now().as_millis()).unwrap_or(i64::MAX)
}

/// Called by the timer interrupt handler.
pub fn on_tick() {
    TICKS.fetch_add(1, Ordering::Relaxed);
}

/// Timer interrupts seen since they were enabled.
#[cfg_attr(not(feature = "ktest"), allow(dead_code))]
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// Starts the periodic timer interrupt.
pub fn start_timer() {
    pit::start_periodic(TICK_HZ);
}
