//! The `log` backend: every record goes to the serial console, stamped with seconds since kernel entry.

use log::{Level, LevelFilter, Metadata, Record};

use crate::clock;

struct SerialLogger;

static LOGGER: SerialLogger = SerialLogger;

impl log::Log for SerialLogger {
    fn enabled(&self, _metadata: &Metadata) -> bool {
        true
    }

    fn log(&self, record: &Record) {
        let micros = clock::now().as_nanos() / 1_000;
        let level = match record.level() {
            Level::Error => "error",
            Level::Warn => "warning",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace => "trace",
        };
        crate::println!(
            "[{:5}.{:06}] {}: {}: {}",
            micros / 1_000_000,
            micros % 1_000_000,
            level,
            record.target().rsplit("::").next().unwrap_or(""),
            record.args()
        );
    }

    fn flush(&self) {}
}

/// Installs the logger (info and above).
pub fn init() {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(LevelFilter::Info);
}
