//! One benchmark run: for each NIC model, `rounds` rounds in which, for each [`Scenario`], every device
//! under test that can run it in turn (appliance, Linux VM, null forwarder, host kernel, then again…)
//! boots in a fresh copy of the topology configured for the scenario and goes through the scenario's
//! measurements; then, once per VM, the smallest RAM it forwards with. Interleaving the devices inside
//! each round spreads the machine's noise over all of them; the report gives min/median/max over the
//! rounds.
//!
//! The SOHO scenario takes every traffic metric; the others take the 64-byte UDP rate that shows what
//! they change (no firewall, 1000 more rules, a full connection table) plus, for the last, the table's
//! size and memory. The report's within-device ratios compare them with the SOHO figure.

use std::time::{Duration, Instant};

use qemu_runner::NicModel;

use super::conntrack;
use super::dut::{self, Assets, Device, Running};
use super::load::{self, Tool};
use super::report::{Better, Metric, Report, WithinDevice};
use super::scenario::Scenario;
use crate::netns::WAN_HOST;

pub const BOOT: Metric = Metric {
    key: "boot_ms",
    label: "boot to ready",
    unit: "ms",
    better: Better::Lower,
};
pub const IMAGE: Metric = Metric {
    key: "image_kib",
    label: "image size",
    unit: "KiB",
    better: Better::Lower,
};
pub const MIN_RAM: Metric = Metric {
    key: "min_ram_mib",
    label: "least RAM that boots and forwards",
    unit: "MiB",
    better: Better::Lower,
};
pub const UDP_1: Metric = Metric {
    key: "udp64_pps_1_flow",
    label: "64 B UDP delivered, firewall+NAT, 1 flow",
    unit: "pkt/s",
    better: Better::Higher,
};
pub const UDP_10K: Metric = Metric {
    key: "udp64_pps_10k_flows",
    label: "64 B UDP delivered, firewall+NAT, 10k flows",
    unit: "pkt/s",
    better: Better::Higher,
};
pub const TCP_1: Metric = Metric {
    key: "tcp_mbps_1_stream",
    label: "TCP throughput, 1 stream",
    unit: "Mbit/s",
    better: Better::Higher,
};
pub const TCP_4: Metric = Metric {
    key: "tcp_mbps_4_streams",
    label: "TCP throughput, 4 streams",
    unit: "Mbit/s",
    better: Better::Higher,
};
pub const LATENCY_IDLE_P50: Metric = Metric {
    key: "latency_idle_p50_ms",
    label: "ping through, idle, p50",
    unit: "ms",
    better: Better::Lower,
};
pub const LATENCY_IDLE_P99: Metric = Metric {
    key: "latency_idle_p99_ms",
    label: "ping through, idle, p99",
    unit: "ms",
    better: Better::Lower,
};
pub const LATENCY_LOAD_P50: Metric = Metric {
    key: "latency_load_p50_ms",
    label: "ping through, under TCP load, p50",
    unit: "ms",
    better: Better::Lower,
};
pub const LATENCY_LOAD_P99: Metric = Metric {
    key: "latency_load_p99_ms",
    label: "ping through, under TCP load, p99",
    unit: "ms",
    better: Better::Lower,
};
pub const NEW_CONNECTIONS: Metric = Metric {
    key: "new_connections_per_s",
    label: "new TCP connections through NAT",
    unit: "conn/s",
    better: Better::Higher,
};
pub const UDP_PLAIN: Metric = Metric {
    key: "udp64_pps_plain",
    label: "64 B UDP delivered, no firewall or NAT, 1 flow",
    unit: "pkt/s",
    better: Better::Higher,
};
pub const UDP_RULES: Metric = Metric {
    key: "udp64_pps_1000_rules",
    label: "64 B UDP delivered, firewall+NAT + 1000 non-matching rules, 1 flow",
    unit: "pkt/s",
    better: Better::Higher,
};
pub const CT_CONNECTIONS: Metric = Metric {
    key: "conntrack_connections",
    label: "connections tracked after the fill",
    unit: "conn",
    better: Better::Higher,
};
pub const CT_BYTES: Metric = Metric {
    key: "conntrack_bytes_per_connection",
    label: "memory per tracked connection, full table",
    unit: "B",
    better: Better::Lower,
};
pub const UDP_CT: Metric = Metric {
    key: "udp64_pps_full_table",
    label: "64 B UDP delivered, firewall+NAT, full connection table, 1 flow",
    unit: "pkt/s",
    better: Better::Higher,
};

/// The ratios the report gives inside each device: what a scenario costs against the SOHO figure.
pub const WITHIN: [WithinDevice; 3] = [
    WithinDevice {
        label: "firewall+NAT / plain forwarding, 64 B UDP",
        numerator: UDP_1.key,
        denominator: UDP_PLAIN.key,
    },
    WithinDevice {
        label: "1000 extra rules / defconf rules, 64 B UDP",
        numerator: UDP_RULES.key,
        denominator: UDP_1.key,
    },
    WithinDevice {
        label: "full connection table / defconf, 64 B UDP",
        numerator: UDP_CT.key,
        denominator: UDP_1.key,
    },
];

/// Connections the full run fills the table with: the "conntrack at 1M entries".
pub const FULL_TABLE: u32 = 1_000_000;
/// Connections the quick run fills the table with.
pub const QUICK_TABLE: u32 = 20_000;

/// What to run.
#[derive(Clone, Debug)]
pub struct Plan {
    pub devices: Vec<Device>,
    /// What the devices are configured for, in the order each round runs them.
    pub scenarios: Vec<Scenario>,
    /// RAM of every VM in [`Scenario::Conntrack`] (the table needs more than the rest).
    pub conntrack_memory_mib: u32,
    /// [`Scenario::Conntrack`] runs in the first this many rounds only (a fill takes a minute or two).
    pub conntrack_rounds: u32,
    pub nics: Vec<NicModel>,
    pub rounds: u32,
    /// Length of each throughput measurement.
    pub duration: Duration,
    /// Ping samples per latency measurement.
    pub ping_samples: u32,
    pub memory_mib: u32,
    /// Bisect the least RAM each VM forwards with (several boots per VM).
    pub min_ram: bool,
    /// Run the engine's micro-benchmarks on the host ([`super::engine`]), and how: quick or normal.
    pub engine: bool,
    pub engine_quick: bool,
}

impl Plan {
    /// The full suite: both NIC models, three rounds, 5 s measurements.
    pub fn full() -> Self {
        Self {
            devices: Device::DEFAULT.to_vec(),
            scenarios: vec![
                Scenario::Soho,
                Scenario::Plain,
                Scenario::ExtraRules,
                Scenario::Conntrack(FULL_TABLE),
            ],
            conntrack_memory_mib: 1024,
            conntrack_rounds: 1,
            nics: vec![NicModel::VirtioNet, NicModel::E1000],
            rounds: 3,
            duration: Duration::from_secs(5),
            ping_samples: 200,
            memory_mib: 128,
            min_ram: true,
            engine: true,
            engine_quick: false,
        }
    }

    /// A smoke run that shows the harness works: one round of short measurements, a small table fill,
    /// no RAM bisection.
    pub fn quick() -> Self {
        Self {
            scenarios: vec![
                Scenario::Soho,
                Scenario::Plain,
                Scenario::ExtraRules,
                Scenario::Conntrack(QUICK_TABLE),
            ],
            conntrack_memory_mib: 256,
            nics: vec![NicModel::VirtioNet],
            rounds: 1,
            duration: Duration::from_secs(1),
            ping_samples: 20,
            min_ram: false,
            engine_quick: true,
            ..Self::full()
        }
    }
}

/// Runs `plan` and returns one report per NIC model. `log` gets a line per step as it happens.
pub fn run(
    plan: &Plan,
    tool: &Tool,
    assets: &Assets,
    log: &mut dyn FnMut(String),
) -> Vec<(NicModel, Report)> {
    let mut reports = Vec::new();
    for &nic in &plan.nics {
        let mut report = Report::default();
        report.within = WITHIN.to_vec();
        report.context.push(("nic".into(), format!("{nic:?}")));
        report
            .context
            .push(("rounds".into(), plan.rounds.to_string()));
        report.context.push((
            "accelerator".into(),
            format!("{:?}", qemu_runner::detect_accel()),
        ));
        report
            .context
            .push(("memory_mib".into(), plan.memory_mib.to_string()));
        report.context.push((
            "measurement_s".into(),
            plan.duration.as_secs_f64().to_string(),
        ));
        for &device in &plan.devices {
            report.add_dut(device.name());
            if let Some(bytes) = assets.image_bytes(device) {
                report.record(IMAGE, device.name(), bytes as f64 / 1024.0);
            }
        }
        // Filling a table takes minutes and measures the table, not the NIC: once, with the first model.
        let scenarios: Vec<Scenario> = plan
            .scenarios
            .iter()
            .copied()
            .filter(|s| !matches!(s, Scenario::Conntrack(_)) || Some(&nic) == plan.nics.first())
            .collect();
        for round in 1..=plan.rounds {
            for &scenario in &scenarios {
                if matches!(scenario, Scenario::Conntrack(_)) && round > plan.conntrack_rounds {
                    continue;
                }
                for &device in plan.devices.iter().filter(|&&d| scenario.runs_on(d)) {
                    let started = Instant::now();
                    log(format!(
                        "{nic:?} round {round}/{}, {}: {}",
                        plan.rounds,
                        scenario.name(),
                        device.name()
                    ));
                    let memory = match scenario {
                        Scenario::Conntrack(_) => plan.conntrack_memory_mib,
                        _ => plan.memory_mib,
                    };
                    let boot_metric = match scenario {
                        Scenario::Soho => BOOT,
                        Scenario::Plain => UDP_PLAIN,
                        Scenario::ExtraRules => UDP_RULES,
                        Scenario::Conntrack(_) => UDP_CT,
                    };
                    match dut::start(device, scenario, nic, memory, assets, dut::BOOT_TIMEOUT) {
                        Ok(mut running) => {
                            measure(plan, tool, &mut running, &mut report, log);
                        }
                        Err(e) => {
                            log(format!("  cannot start: {e}"));
                            report.record_failure(boot_metric, device.name(), first_line(&e));
                        }
                    }
                    log(format!(
                        "  {} done in {:.0?}",
                        device.name(),
                        started.elapsed()
                    ));
                }
            }
        }
        if plan.min_ram {
            for &device in plan.devices.iter().filter(|d| d.is_vm()) {
                // Too little RAM can hang a boot silently (the BIOS loader stage), so every failing step
                // costs its whole timeout: allow ten times the device's slowest boot of the rounds.
                let slowest = report
                    .summary(BOOT.key, device.name())
                    .map_or(60.0, |s| s.max / 1000.0);
                let boot_timeout = Duration::from_secs_f64((slowest * 10.0).clamp(15.0, 90.0));
                // The rounds showed that `memory_mib` works (or recorded why not): a device that booted in
                // them is not booted with it again.
                let high = plan.memory_mib.max(16);
                let high_works = report.summary(BOOT.key, device.name()).is_some();
                // Below 16 MiB not even the bootloader of either kernel starts (it halts, or hangs until the
                // timeout): bisecting from there would only spend a boot.
                let range = (16, high);
                match dut::min_memory(device, nic, assets, range, high_works, boot_timeout, log) {
                    Some(mib) => report.record(MIN_RAM, device.name(), f64::from(mib)),
                    None => report.record_failure(
                        MIN_RAM,
                        device.name(),
                        format!("does not forward with {high} MiB"),
                    ),
                }
            }
        }
        reports.push((nic, report));
    }
    reports
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").to_string()
}

/// The scenario's measurements on one running device; failures are recorded, not fatal.
fn measure(
    plan: &Plan,
    tool: &Tool,
    running: &mut Running,
    report: &mut Report,
    log: &mut dyn FnMut(String),
) {
    let udp = |running: &Running| {
        let (lan, wan) = (running.network.lan(), running.network.wan());
        load::udp_pps(tool, lan, wan, 1, plan.duration).map(|r| r.delivered_pps)
    };
    let name = running.device.name();
    match running.scenario {
        Scenario::Soho => measure_soho(plan, tool, running, report, log),
        Scenario::Plain => {
            let result = udp(running);
            note(running, report, log, UDP_PLAIN, result);
        }
        Scenario::ExtraRules => {
            let result = udp(running);
            note(running, report, log, UDP_RULES, result);
        }
        Scenario::Conntrack(connections) => {
            match conntrack::fill(running, tool, connections, log) {
                Ok(filled) => {
                    log(format!(
                        "  filled in {:.0} s ({} sweeps)",
                        filled.seconds, filled.sweeps
                    ));
                    report.record(CT_CONNECTIONS, name, filled.connections as f64);
                    let per_connection = filled
                        .bytes_per_connection()
                        .ok_or_else(|| "the table stayed empty".to_string());
                    note(running, report, log, CT_BYTES, per_connection);
                    let result = udp(running);
                    note(running, report, log, UDP_CT, result);
                }
                Err(e) => {
                    for metric in [CT_CONNECTIONS, CT_BYTES, UDP_CT] {
                        note(running, report, log, metric, Err(e.clone()));
                    }
                }
            }
        }
    }
}

/// Records `result` for `metric` on the running device, and logs it (with the console's end on failure).
fn note(
    running: &Running,
    report: &mut Report,
    log: &mut dyn FnMut(String),
    metric: Metric,
    result: Result<f64, String>,
) {
    let name = running.device.name();
    match result {
        Ok(value) => {
            log(format!("  {}: {value:.3} {}", metric.key, metric.unit));
            report.record(metric, name, value);
        }
        Err(e) => {
            log(format!(
                "  {}: failed: {e}{}",
                metric.key,
                running.console_tail()
            ));
            report.record_failure(metric, name, first_line(&e));
        }
    }
}

/// Every traffic measurement of the SOHO scenario.
fn measure_soho(
    plan: &Plan,
    tool: &Tool,
    running: &Running,
    report: &mut Report,
    log: &mut dyn FnMut(String),
) {
    let (lan, wan) = (running.network.lan(), running.network.wan());
    let mut note = |report: &mut Report, metric: Metric, result: Result<f64, String>| {
        note(running, report, log, metric, result)
    };
    if let Some(boot) = running.boot {
        note(report, BOOT, Ok(boot.as_secs_f64() * 1000.0));
    }
    for (metric, flows) in [(UDP_1, 1), (UDP_10K, 10_000)] {
        let result = load::udp_pps(tool, lan, wan, flows, plan.duration);
        note(report, metric, result.map(|r| r.delivered_pps));
        // A flood can leave the device's queues full for a moment; let it drain before the next test.
        let _ = running.wait_forwarding(Duration::from_secs(10));
    }
    for (metric, streams) in [(TCP_1, 1), (TCP_4, 4)] {
        let result = load::tcp_throughput(lan, wan, streams, plan.duration);
        note(report, metric, result.map(|bps| bps / 1e6));
    }
    let target = WAN_HOST.to_string();
    for (under_load, p50, p99) in [
        (false, LATENCY_IDLE_P50, LATENCY_IDLE_P99),
        (true, LATENCY_LOAD_P50, LATENCY_LOAD_P99),
    ] {
        match load::latency(lan, wan, &target, plan.ping_samples, under_load) {
            Ok(latency) => {
                note(report, p50, Ok(latency.p50_ms));
                note(report, p99, Ok(latency.p99_ms));
            }
            Err(e) => {
                note(report, p50, Err(e.clone()));
                note(report, p99, Err(e));
            }
        }
    }
    let rate = load::connection_rate(tool, lan, wan, plan.duration);
    let failures = rate.as_ref().ok().filter(|r| r.failed > 0).map(|r| {
        format!(
            "  ({} of {} connections failed; first: {})",
            r.failed,
            r.failed + r.connected,
            r.first_error.as_deref().unwrap_or("?")
        )
    });
    note(report, NEW_CONNECTIONS, rate.map(|r| r.per_second));
    if let Some(failures) = failures {
        log(failures);
    }
}
