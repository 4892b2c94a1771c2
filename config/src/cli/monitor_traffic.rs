//! `/interface monitor-traffic ether1[,ether2]`: each interface's receive and transmit rates over
//! the last interval, from the counters `/interface print stats` shows
//! ([`SystemControl::interfaces`]), several interfaces side by side as RouterOS prints them:
//!
//! ```text
//!                      name:  ether1   ether2
//!     rx-packets-per-second:        3       0
//!        rx-bits-per-second:  3.0kbps    0bps
//!       rx-drops-per-second:        0       0
//!      rx-errors-per-second:        0       0
//!     tx-packets-per-second:        0       1
//!        tx-bits-per-second:     0bps  720bps
//!       tx-drops-per-second:        0       0
//! tx-queue-drops-per-second:        0       0
//!      tx-errors-per-second:        0       0
//! ```
//!
//! Rates are per second over the interval between two samples (`interval`, 1s); bits per second in
//! `bps`, `kbps`, `Mbps`, `Gbps` (powers of 1000, one decimal above `bps`). On the console the rates
//! are redrawn every interval ([`super::tools`]) until Ctrl-C or `q`; `once` (and a script) prints
//! one sample, taken one interval after the first. The fast-path (`fp-`) rows of RouterOS are left
//! out: this router has no separate fast path to count.
//!
//! [`SystemControl::interfaces`]: crate::shell::SystemControl::interfaces

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::CliError;
use super::eval::Args;
use super::tools::duration_arg;
use crate::interface::InterfaceInfo;
use crate::shell::SystemControl;

/// Interfaces one command may watch.
const MAX_INTERFACES: usize = 16;

/// The rows, in RouterOS's order: the name and what each one measures.
const ROWS: [(&str, Rate); 9] = [
    ("rx-packets-per-second", Rate::Count(|i| i.rx_packet)),
    ("rx-bits-per-second", Rate::Bits(|i| i.rx_byte)),
    ("rx-drops-per-second", Rate::Count(|i| i.rx_drop)),
    ("rx-errors-per-second", Rate::Count(|i| i.rx_error)),
    ("tx-packets-per-second", Rate::Count(|i| i.tx_packet)),
    ("tx-bits-per-second", Rate::Bits(|i| i.tx_byte)),
    ("tx-drops-per-second", Rate::Count(|i| i.tx_drop)),
    (
        "tx-queue-drops-per-second",
        Rate::Count(|i| i.tx_queue_drop),
    ),
    ("tx-errors-per-second", Rate::Count(|i| i.tx_error)),
];

/// How a row's value comes from a counter.
#[derive(Clone, Copy)]
enum Rate {
    /// Per second, as a number.
    Count(fn(&InterfaceInfo) -> u64),
    /// A byte counter shown as bits per second.
    Bits(fn(&InterfaceInfo) -> u64),
}

/// A running `/interface monitor-traffic`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonitorTraffic {
    names: Vec<String>,
    interval_ms: u64,
    once: bool,
    /// The last sample: when (ms) and each interface's counters.
    sample: Option<(u64, Vec<InterfaceInfo>)>,
    /// The rates of the last interval (one column per interface); None before the second sample.
    rates: Option<Vec<[u64; 9]>>,
    due_ms: u64,
}

impl MonitorTraffic {
    pub fn from_args(args: &mut Args, system: &dyn SystemControl) -> Result<Self, CliError> {
        let value = match args.take("interface") {
            Some(value) => value,
            None if !args.unnamed.is_empty() => args.unnamed.remove(0).0,
            None => return Err(CliError::plain("missing value for argument interface")),
        };
        let once = args.flag("once");
        let interval_ms =
            duration_arg(args, "interval", 100_000, 3_600_000_000)?.map_or(1000, |us| us / 1000);
        args.leftover()?;
        let known = system.interfaces();
        let mut names: Vec<String> = Vec::new();
        for name in value.to_text().split(',').filter(|n| !n.is_empty()) {
            if !known.iter().any(|i| i.name == name) {
                return Err(CliError::plain(
                    "input does not match any value of interface",
                ));
            }
            if names.len() < MAX_INTERFACES {
                names.push(String::from(name));
            }
        }
        if names.is_empty() {
            return Err(CliError::plain("missing value for argument interface"));
        }
        Ok(MonitorTraffic {
            names,
            interval_ms,
            once,
            sample: None,
            rates: None,
            due_ms: 0,
        })
    }

    /// `once`: one sample and done.
    pub fn once(&self) -> bool {
        self.once
    }

    pub fn interval_ms(&self) -> u64 {
        self.interval_ms
    }

    /// Takes a sample when one is due; true when the rates changed.
    pub fn step(&mut self, system: &dyn SystemControl) -> bool {
        let now = system.uptime_ms();
        if self.sample.is_some() && now < self.due_ms {
            return false;
        }
        let all = system.interfaces();
        let current: Vec<InterfaceInfo> = self
            .names
            .iter()
            .map(|name| {
                all.iter()
                    .find(|i| i.name == *name)
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        if let Some((then, before)) = &self.sample {
            let elapsed = now.saturating_sub(*then).max(1);
            let rates = before
                .iter()
                .zip(&current)
                .map(|(old, new)| {
                    ROWS.map(|(_, rate)| {
                        let (delta, factor) = match rate {
                            Rate::Count(counter) => (counter(new).saturating_sub(counter(old)), 1),
                            Rate::Bits(counter) => (counter(new).saturating_sub(counter(old)), 8),
                        };
                        delta.saturating_mul(factor).saturating_mul(1000) / elapsed
                    })
                })
                .collect();
            self.rates = Some(rates);
        }
        self.sample = Some((now, current));
        self.due_ms = now.saturating_add(self.interval_ms);
        true
    }

    /// Whether a rate has been measured (two samples taken).
    pub fn measured(&self) -> bool {
        self.rates.is_some()
    }

    /// One record per interface for an API: `name` and each rate as a plain number (bits, not
    /// `2.1kbps`), as RouterOS's API returns them; zeros before the second sample.
    pub fn records(&self) -> Vec<super::Record> {
        self.names
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let rates = self.rates.as_ref().and_then(|r| r.get(index));
                let mut record = alloc::vec![("name", name.clone())];
                for (row, (label, _)) in ROWS.iter().enumerate() {
                    record.push((*label, format!("{}", rates.map_or(0, |r| r[row]))));
                }
                record
            })
            .collect()
    }

    /// The rates as RouterOS lists them (zeros before the second sample).
    pub fn text(&self) -> String {
        let label_width = ROWS.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        let columns: Vec<Vec<String>> = self
            .names
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let rates = self.rates.as_ref().and_then(|r| r.get(index));
                let mut column = alloc::vec![name.clone()];
                for (row, (_, rate)) in ROWS.iter().enumerate() {
                    let value = rates.map_or(0, |r| r[row]);
                    column.push(match rate {
                        Rate::Count(_) => format!("{value}"),
                        Rate::Bits(_) => bits(value),
                    });
                }
                column
            })
            .collect();
        let widths: Vec<usize> = columns
            .iter()
            .map(|c| c.iter().map(String::len).max().unwrap_or(0))
            .collect();
        let mut text = String::new();
        let labels = core::iter::once("name").chain(ROWS.iter().map(|(n, _)| *n));
        for (line, label) in labels.enumerate() {
            text.push_str(&format!("{label:>label_width$}:"));
            for (column, width) in columns.iter().zip(&widths) {
                let cell = column.get(line).map_or("", String::as_str);
                // Names are text (left), rates numbers (right), as RouterOS aligns them.
                match line {
                    0 => text.push_str(&format!("  {cell:<width$}")),
                    _ => text.push_str(&format!("  {cell:>width$}")),
                }
            }
            let trimmed = text.trim_end().len();
            text.truncate(trimmed);
            text.push_str("\r\n");
        }
        text
    }
}

/// Bits per second as RouterOS shows them: `720bps`, `2.1kbps`, `94.3Mbps`, `1.0Gbps`.
pub fn bits(per_second: u64) -> String {
    const UNITS: [(u64, &str); 3] = [
        (1_000_000_000, "Gbps"),
        (1_000_000, "Mbps"),
        (1_000, "kbps"),
    ];
    for (size, unit) in UNITS {
        if per_second >= size {
            let tenths = per_second / (size / 10);
            return format!("{}.{}{unit}", tenths / 10, tenths % 10);
        }
    }
    format!("{per_second}bps")
}

#[cfg(test)]
mod tests {
    use super::bits;

    #[test]
    fn bit_rates_have_units() {
        assert_eq!(bits(0), "0bps");
        assert_eq!(bits(720), "720bps");
        assert_eq!(bits(2_150), "2.1kbps");
        assert_eq!(bits(94_360_000), "94.3Mbps");
        assert_eq!(bits(1_000_000_000), "1.0Gbps");
    }
}
