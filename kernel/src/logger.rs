//! The `log` backend and the router's log.
//!
//! Every record goes to the serial console, stamped with seconds since kernel entry, and into the log
//! kept in memory for `/log print` ([`config::log_memory::LogMemory`]: RouterOS's default `memory`
//! action, the last 1000 entries). The memory log also receives the console's `:log` lines
//! ([`remember`]) and the firewall's `log` lines ([`collect_firewall`]); those are not echoed on the
//! console, as RouterOS echoes only `critical` lines there by default.
//!
//! Topics are a facility and a severity, as in RouterOS. The facility comes from the module that
//! logged (the record's target):
//!
//! | module | topics |
//! |---|---|
//! | `nic` (network devices found, link state) | `interface,…` |
//! | `storage`, `ata` (disks, the config partition) | `disk,…` |
//! | everything else (boot, configuration, console, power) | `system,…` |
//! | firewall rules with `log=yes` / `action=log` | `firewall,info` |
//! | `:log LEVEL` in scripts and on the console | `script,LEVEL` |
//!
//! and the severity from the record's level: error → `error`, warn → `warning`, info → `info`, debug and
//! trace → `debug` (only info and above are recorded, as RouterOS's default rules keep `info`, `warning`,
//! `error` and `critical`). Entries are stamped with [`clock::wall_seconds`], the clock `/system clock`
//! and export headers show.
//!
//! The memory log is a fixed-size static: recording never allocates (the logger runs before the heap
//! exists) and a flood of messages only pushes old entries out. Its lock is taken with interrupts
//! disabled, and the logger only tries it, so a record logged while the lock is held (by a fault or
//! panic report) goes to the console alone instead of deadlocking.

use alloc::vec::Vec;
use core::fmt;

use config::log_memory::{LogEntry, LogMemory};
use log::{Level, LevelFilter, Metadata, Record};
use netstack::firewall::log::LogRing;
use spin::Mutex;
use x86_64::instructions::interrupts;

use crate::clock;

struct Logger;

static LOGGER: Logger = Logger;

/// The log `/log print` shows.
static MEMORY: Mutex<LogMemory> = Mutex::new(LogMemory::new());

impl log::Log for Logger {
    fn enabled(&self, _metadata: &Metadata) -> bool {
        true
    }

    fn log(&self, record: &Record) {
        let micros = clock::now().as_nanos() / 1_000;
        let severity = severity(record.level());
        let module = record.target().rsplit("::").next().unwrap_or("");
        crate::println!(
            "[{:5}.{:06}] {}: {}: {}",
            micros / 1_000_000,
            micros % 1_000_000,
            severity,
            module,
            record.args()
        );
        let topics = format_args!("{},{severity}", facility(module));
        interrupts::without_interrupts(|| {
            if let Some(mut memory) = MEMORY.try_lock() {
                memory.push(clock::wall_seconds(), &topics, record.args());
            }
        });
    }

    fn flush(&self) {}
}

/// The RouterOS severity topic of a level.
fn severity(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warn => "warning",
        Level::Info => "info",
        Level::Debug | Level::Trace => "debug",
    }
}

/// The RouterOS facility topic of the kernel module that logged (see the module docs).
fn facility(module: &str) -> &'static str {
    match module {
        "nic" => "interface",
        "storage" | "ata" => "disk",
        _ => "system",
    }
}

/// Installs the logger (info and above).
pub fn init() {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(LevelFilter::Info);
}

/// Adds a line to the memory log only (`:log` from the console), stamped now.
pub fn remember(topics: &str, message: &dyn fmt::Display) {
    interrupts::without_interrupts(|| {
        MEMORY.lock().push(clock::wall_seconds(), &topics, message);
    });
}

/// Moves the lines the firewall's `log` rules wrote since the last call into the memory log, with
/// the time each was written. Called from the main loop; costs one check when there are none.
pub fn collect_firewall(lines: &mut LogRing) {
    if lines.is_empty() {
        return;
    }
    interrupts::without_interrupts(|| {
        let mut memory = MEMORY.lock();
        for line in lines.lines() {
            // The engine stamps lines on the monotonic clock; the log shows the router's clock.
            let uptime_ms = u64::try_from(line.time.total_millis()).unwrap_or(0);
            let seconds = clock::wall_seconds_at(uptime_ms);
            memory.push(seconds, &"firewall,info", &line.text.as_str());
        }
    });
    lines.clear();
}

/// The memory log, oldest first.
pub fn entries() -> Vec<LogEntry> {
    interrupts::without_interrupts(|| MEMORY.lock().entries())
}
