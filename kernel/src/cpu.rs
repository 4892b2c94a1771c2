//! The processor: its name (CPUID brand string) and how busy it is.
//!
//! Load is measured, not guessed: the main loop reports every span it spends halted, and once a second the
//! share of non-halted time over the last second becomes `cpu-load`.

use alloc::string::String;
use core::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use raw_cpuid::CpuId;

use crate::clock;

static IDLE_CYCLES: AtomicU64 = AtomicU64::new(0);
static WINDOW_START_TSC: AtomicU64 = AtomicU64::new(0);
static WINDOW_START_IDLE: AtomicU64 = AtomicU64::new(0);
static LOAD_PERCENT: AtomicU8 = AtomicU8::new(0);

/// The CPU's brand string, or its vendor when it has none (QEMU's TCG CPUs report one).
pub fn brand() -> String {
    let cpuid = CpuId::new();
    if let Some(brand) = cpuid.get_processor_brand_string() {
        return String::from(brand.as_str().trim());
    }
    cpuid
        .get_vendor_info()
        .map(|v| String::from(v.as_str()))
        .unwrap_or_else(|| String::from("unknown"))
}

/// Records `cycles` spent halted.
pub fn add_idle(cycles: u64) {
    IDLE_CYCLES.fetch_add(cycles, Ordering::Relaxed);
}

/// Closes the one-second load window if it is over. Called from the main loop.
pub fn update_load() {
    let now = clock::rdtsc();
    let start = WINDOW_START_TSC.load(Ordering::Relaxed);
    let elapsed = now.saturating_sub(start);
    if elapsed < clock::tsc_hz().max(1) {
        return;
    }
    let idle_now = IDLE_CYCLES.load(Ordering::Relaxed);
    let idle = idle_now
        .saturating_sub(WINDOW_START_IDLE.load(Ordering::Relaxed))
        .min(elapsed);
    let busy_percent = (elapsed - idle).saturating_mul(100) / elapsed.max(1);
    LOAD_PERCENT.store(busy_percent.min(100) as u8, Ordering::Relaxed);
    WINDOW_START_TSC.store(now, Ordering::Relaxed);
    WINDOW_START_IDLE.store(idle_now, Ordering::Relaxed);
}

/// Busy share of the last full second, in percent.
pub fn load_percent() -> u8 {
    LOAD_PERCENT.load(Ordering::Relaxed)
}
