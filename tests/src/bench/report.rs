//! The benchmark report: every sample of every metric for every device under test, summarised as
//! min/median/max, with the ratios appliance/Linux VM and appliance/null forwarder taken from medians
//! measured in the same run. Printed as a table and written as JSON.
//!
//! Nothing here judges a figure: a ratio is reported with the metric's direction (higher or lower is
//! better) so that a reader can tell a win from a loss.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

/// Which way a metric improves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
}

impl Better {
    fn name(self) -> &'static str {
        match self {
            Better::Higher => "higher",
            Better::Lower => "lower",
        }
    }
}

/// A metric's identity: a stable key for JSON, a label for the table, its unit and direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metric {
    pub key: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub better: Better,
}

/// A ratio of two metrics' medians on the same device, e.g. stateful over plain forwarding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WithinDevice {
    pub label: &'static str,
    pub numerator: &'static str,
    pub denominator: &'static str,
}

/// min / median / max of a metric's samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

impl Summary {
    /// `None` for no samples. The median of an even count is the mean of the middle two.
    pub fn of(samples: &[f64]) -> Option<Self> {
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|s| s.is_finite()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Some(Self {
            min: sorted[0],
            median,
            max: sorted[n - 1],
        })
    }
}

/// Samples by metric, then by device under test (both in the order first recorded).
#[derive(Default)]
pub struct Report {
    metrics: Vec<Metric>,
    duts: Vec<String>,
    samples: BTreeMap<(usize, usize), Vec<f64>>,
    /// Why a measurement is missing or failed, by (metric, device).
    failures: BTreeMap<(usize, usize), Vec<String>>,
    /// Free-form facts about the run (machine, accelerator, rounds, versions).
    pub context: Vec<(String, String)>,
    /// Ratios inside each device, printed after the table.
    pub within: Vec<WithinDevice>,
}

/// The device the ratios put in the numerator.
pub const APPLIANCE: &str = "appliance";
/// The devices the ratios divide by.
pub const LINUX_VM: &str = "linux-vm";
pub const NULL_FORWARDER: &str = "null-forwarder";

impl Report {
    fn metric_index(&mut self, metric: Metric) -> usize {
        match self.metrics.iter().position(|m| m.key == metric.key) {
            Some(index) => index,
            None => {
                self.metrics.push(metric);
                self.metrics.len() - 1
            }
        }
    }

    fn dut_index(&mut self, dut: &str) -> usize {
        match self.duts.iter().position(|d| d == dut) {
            Some(index) => index,
            None => {
                self.duts.push(dut.to_string());
                self.duts.len() - 1
            }
        }
    }

    /// Declares a device so that it gets a column even if all its measurements fail.
    pub fn add_dut(&mut self, dut: &str) {
        self.dut_index(dut);
    }

    pub fn record(&mut self, metric: Metric, dut: &str, value: f64) {
        let key = (self.metric_index(metric), self.dut_index(dut));
        self.samples.entry(key).or_default().push(value);
    }

    pub fn record_failure(&mut self, metric: Metric, dut: &str, why: impl Into<String>) {
        let key = (self.metric_index(metric), self.dut_index(dut));
        self.failures.entry(key).or_default().push(why.into());
    }

    /// The (metric, device) key of recorded samples and failures.
    fn key(&self, metric_key: &str, dut: &str) -> Option<(usize, usize)> {
        let m = self.metrics.iter().position(|m| m.key == metric_key)?;
        let d = self.duts.iter().position(|x| x == dut)?;
        Some((m, d))
    }

    pub fn summary(&self, metric_key: &str, dut: &str) -> Option<Summary> {
        Summary::of(self.samples.get(&self.key(metric_key, dut)?)?)
    }

    /// appliance median / `baseline` median.
    pub fn ratio(&self, metric_key: &str, baseline: &str) -> Option<f64> {
        let ours = self.summary(metric_key, APPLIANCE)?.median;
        let theirs = self.summary(metric_key, baseline)?.median;
        (theirs != 0.0).then(|| ours / theirs)
    }

    /// `within.numerator` median / `within.denominator` median on `dut`.
    pub fn within_ratio(&self, within: &WithinDevice, dut: &str) -> Option<f64> {
        let numerator = self.summary(within.numerator, dut)?.median;
        let denominator = self.summary(within.denominator, dut)?.median;
        (denominator != 0.0).then(|| numerator / denominator)
    }

    /// The table: one row per metric, one column per device (median, and min–max when they differ),
    /// then the two ratios; then the within-device ratios, one row each, one column per device.
    pub fn table(&self) -> String {
        let mut header = vec!["metric".to_string()];
        header.extend(self.duts.iter().cloned());
        header.push(format!("{APPLIANCE}/{LINUX_VM}"));
        header.push(format!("{APPLIANCE}/{NULL_FORWARDER}"));
        let mut rows = vec![header];
        for metric in &self.metrics {
            let mut row = vec![format!(
                "{} ({}, {} is better)",
                metric.label,
                metric.unit,
                metric.better.name()
            )];
            for dut in &self.duts {
                let cell = match self.summary(metric.key, dut) {
                    Some(s) if s.min == s.max => format_value(s.median),
                    Some(s) => format!(
                        "{} [{}–{}]",
                        format_value(s.median),
                        format_value(s.min),
                        format_value(s.max)
                    ),
                    None if self.has_failure(metric.key, dut) => "failed".into(),
                    None => "-".into(),
                };
                row.push(cell);
            }
            for baseline in [LINUX_VM, NULL_FORWARDER] {
                row.push(match self.ratio(metric.key, baseline) {
                    Some(r) => format!("{r:.2}"),
                    None => "-".into(),
                });
            }
            rows.push(row);
        }
        let mut out = aligned(&rows);
        if !self.within.is_empty() {
            let mut header = vec!["within each device (median / median)".to_string()];
            header.extend(self.duts.iter().cloned());
            let mut rows = vec![header];
            for within in &self.within {
                let mut row = vec![within.label.to_string()];
                for dut in &self.duts {
                    row.push(match self.within_ratio(within, dut) {
                        Some(r) => format!("{r:.2}"),
                        None => "-".into(),
                    });
                }
                rows.push(row);
            }
            out.push('\n');
            out.push_str(&aligned(&rows));
        }
        let failures = self.failure_lines();
        if !failures.is_empty() {
            out.push_str("\nfailed measurements:\n");
            for line in failures {
                let _ = writeln!(out, "  {line}");
            }
        }
        out
    }

    fn has_failure(&self, metric_key: &str, dut: &str) -> bool {
        self.key(metric_key, dut)
            .is_some_and(|key| self.failures.contains_key(&key))
    }

    fn failure_lines(&self) -> Vec<String> {
        self.failures
            .iter()
            .flat_map(|(&(m, d), whys)| {
                whys.iter()
                    .map(move |why| format!("{} on {}: {why}", self.metrics[m].key, self.duts[d]))
            })
            .collect()
    }

    pub fn json(&self) -> Value {
        let metrics: Vec<Value> = self
            .metrics
            .iter()
            .enumerate()
            .map(|(m, metric)| {
                let mut values = serde_json::Map::new();
                for (d, dut) in self.duts.iter().enumerate() {
                    let samples = self.samples.get(&(m, d)).cloned().unwrap_or_default();
                    let summary = Summary::of(&samples);
                    values.insert(
                        dut.clone(),
                        json!({
                            "samples": samples,
                            "min": summary.map(|s| s.min),
                            "median": summary.map(|s| s.median),
                            "max": summary.map(|s| s.max),
                            "failures": self.failures.get(&(m, d)).cloned().unwrap_or_default(),
                        }),
                    );
                }
                json!({
                    "key": metric.key,
                    "label": metric.label,
                    "unit": metric.unit,
                    "better": metric.better.name(),
                    "values": values,
                    "ratios": {
                        format!("{APPLIANCE}/{LINUX_VM}"): self.ratio(metric.key, LINUX_VM),
                        format!("{APPLIANCE}/{NULL_FORWARDER}"): self.ratio(metric.key, NULL_FORWARDER),
                    },
                })
            })
            .collect();
        let context: serde_json::Map<String, Value> = self
            .context
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let within: Vec<Value> = self
            .within
            .iter()
            .map(|within| {
                let ratios: serde_json::Map<String, Value> = self
                    .duts
                    .iter()
                    .map(|dut| (dut.clone(), json!(self.within_ratio(within, dut))))
                    .collect();
                json!({
                    "label": within.label,
                    "numerator": within.numerator,
                    "denominator": within.denominator,
                    "ratios": ratios,
                })
            })
            .collect();
        json!({ "context": context, "devices": self.duts, "metrics": metrics, "within": within })
    }
}

/// `rows` as text columns: the first left-aligned, the rest right-aligned, a rule under the header row.
fn aligned(rows: &[Vec<String>]) -> String {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c == 0 {
                let _ = write!(out, "{cell}{}", " ".repeat(pad));
            } else {
                let _ = write!(out, "  {}{cell}", " ".repeat(pad));
            }
        }
        out.push('\n');
        if i == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * (columns - 1);
            out.push_str(&"-".repeat(total));
            out.push('\n');
        }
    }
    out
}

/// Three significant digits, no exponent for the magnitudes this report sees.
fn format_value(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 100.0 || value == value.trunc() {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PPS: Metric = Metric {
        key: "pps",
        label: "64 B UDP",
        unit: "pkt/s",
        better: Better::Higher,
    };
    const BOOT: Metric = Metric {
        key: "boot",
        label: "boot",
        unit: "ms",
        better: Better::Lower,
    };

    #[test]
    fn summary_takes_min_median_max() {
        assert_eq!(Summary::of(&[]), None);
        let s = Summary::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.min, s.median, s.max), (1.0, 2.0, 3.0));
        assert_eq!(Summary::of(&[4.0, 1.0, 2.0, 3.0]).unwrap().median, 2.5);
        assert_eq!(Summary::of(&[f64::NAN, 5.0]).unwrap().median, 5.0);
    }

    #[test]
    fn ratios_divide_appliance_medians_by_the_baselines() {
        let mut report = Report::default();
        for v in [300.0, 100.0, 200.0] {
            report.record(PPS, APPLIANCE, v);
        }
        report.record(PPS, LINUX_VM, 50.0);
        report.record(PPS, NULL_FORWARDER, 400.0);
        report.record(BOOT, APPLIANCE, 1500.0);
        assert_eq!(report.ratio("pps", LINUX_VM), Some(4.0));
        assert_eq!(report.ratio("pps", NULL_FORWARDER), Some(0.5));
        assert_eq!(report.ratio("boot", LINUX_VM), None, "no Linux sample");
        report.record(BOOT, LINUX_VM, 0.0);
        assert_eq!(report.ratio("boot", LINUX_VM), None, "no division by zero");
    }

    #[test]
    fn within_device_ratios_divide_medians_of_one_device() {
        const PLAIN: Metric = Metric {
            key: "plain",
            label: "plain",
            unit: "pkt/s",
            better: Better::Higher,
        };
        let mut report = Report {
            within: vec![WithinDevice {
                label: "stateful / plain",
                numerator: "pps",
                denominator: "plain",
            }],
            ..Report::default()
        };
        report.record(PPS, APPLIANCE, 90.0);
        report.record(PLAIN, APPLIANCE, 100.0);
        report.record(PPS, LINUX_VM, 30.0);
        report.record(PLAIN, NULL_FORWARDER, 0.0);
        report.record(PPS, NULL_FORWARDER, 10.0);
        let within = report.within[0];
        assert_eq!(report.within_ratio(&within, APPLIANCE), Some(0.9));
        assert_eq!(
            report.within_ratio(&within, LINUX_VM),
            None,
            "no plain figure"
        );
        assert_eq!(
            report.within_ratio(&within, NULL_FORWARDER),
            None,
            "no division by zero"
        );
        let table = report.table();
        let row = table
            .lines()
            .find(|l| l.starts_with("stateful / plain"))
            .expect(&table);
        assert_eq!(
            row.split_whitespace().skip(3).collect::<Vec<_>>(),
            ["0.90", "-", "-"]
        );
        let json = report.json();
        assert_eq!(json["within"][0]["ratios"][APPLIANCE], 0.9);
        assert!(json["within"][0]["ratios"][LINUX_VM].is_null());
    }

    #[test]
    fn table_and_json_show_every_device_and_failure() {
        let mut report = Report::default();
        report.add_dut("host-kernel");
        report.record(PPS, APPLIANCE, 100.0);
        report.record(PPS, APPLIANCE, 120.0);
        report.record(PPS, LINUX_VM, 50.0);
        report.record_failure(BOOT, LINUX_VM, "no ready line within 60 s");
        let table = report.table();
        assert!(
            table.contains("64 B UDP (pkt/s, higher is better)"),
            "{table}"
        );
        assert!(table.contains("110 [100–120]"), "{table}");
        assert!(table.contains("2.20"), "{table}");
        assert!(table.contains("host-kernel"), "{table}");
        assert!(table.contains("failed"), "{table}");
        assert!(
            table.contains("boot on linux-vm: no ready line within 60 s"),
            "{table}"
        );

        let json = report.json();
        assert_eq!(json["devices"][0], "host-kernel");
        let pps = &json["metrics"][0];
        assert_eq!(pps["key"], "pps");
        assert_eq!(pps["values"][APPLIANCE]["median"], 110.0);
        assert_eq!(pps["ratios"]["appliance/linux-vm"], 2.2);
        assert_eq!(
            json["metrics"][1]["values"][LINUX_VM]["failures"][0],
            "no ready line within 60 s"
        );
    }
}
