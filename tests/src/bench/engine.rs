//! The packet engine's micro-benchmarks in the report: nanoseconds and instructions per packet for the
//! established NAT path (FastTrack on, as in defconf, and off), new-connection setup and plain forwarding,
//! measured on the host from the `netstack` benches (`netstack/benches/{stateful,forwarding}.rs`).
//!
//! * ns/packet: each case runs alone (`--only CASE` / `--routes 1`, `--packets N`) several times, the cases
//!   interleaved, and every run is one sample; the bench times only its packet loop.
//! * instructions/packet: the same case under `valgrind --tool=callgrind`, counting only the bench's timed
//!   loop (`--toggle-collect` on its `counted_…` function), at two packet counts; the difference of the
//!   totals divided by the difference of the counts cancels what does not grow with the count (warm-up,
//!   the clock reads around the loop). Instruction counts do not depend on the machine's load, so one
//!   sample each is enough, where times need the spread of several.
//!
//! The figures belong to the appliance's engine, so they go in the [`APPLIANCE`] column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::report::{APPLIANCE, Better, Metric, Report};

/// One engine benchmark case: which bench runs it, with which arguments, and its two metrics.
struct Case {
    /// Short name for logs and the context entries.
    name: &'static str,
    /// The `netstack` bench target.
    bench: &'static str,
    /// Arguments choosing the case (before `--packets N`).
    args: &'static [&'static str],
    ns: Metric,
    instructions: Metric,
    /// Packets per native run, quick and normal.
    packets: [u64; 2],
    /// The two packet counts of the callgrind runs, quick and normal.
    counted: [(u64, u64); 2],
}

const fn metric(key: &'static str, label: &'static str, unit: &'static str) -> Metric {
    Metric {
        key,
        label,
        unit,
        better: Better::Lower,
    }
}

/// The cases, in the order of the report. Native counts are the benches' own defaults (`--quick` and
/// normal); callgrind counts are smaller, callgrind running the code some 50 times slower.
const CASES: [Case; 4] = [
    Case {
        name: "established_nat",
        bench: "stateful",
        args: &["--only", "fasttrack"],
        ns: metric(
            "engine_established_nat_ns",
            "engine: established NAT flow, FastTrack",
            "ns/packet",
        ),
        instructions: metric(
            "engine_established_nat_instructions",
            "engine: established NAT flow, FastTrack",
            "instructions/packet",
        ),
        packets: [20_000, 1_000_000],
        counted: [(2_000, 4_000), (50_000, 100_000)],
    },
    Case {
        name: "established_nat_no_fasttrack",
        bench: "stateful",
        args: &["--only", "plain"],
        ns: metric(
            "engine_established_nat_no_fasttrack_ns",
            "engine: established NAT flow, no FastTrack",
            "ns/packet",
        ),
        instructions: metric(
            "engine_established_nat_no_fasttrack_instructions",
            "engine: established NAT flow, no FastTrack",
            "instructions/packet",
        ),
        packets: [20_000, 1_000_000],
        counted: [(2_000, 4_000), (50_000, 100_000)],
    },
    Case {
        name: "new_connection",
        bench: "stateful",
        args: &["--only", "new"],
        ns: metric(
            "engine_new_connection_ns",
            "engine: new connection setup (SYN, conntrack+NAT)",
            "ns/connection",
        ),
        instructions: metric(
            "engine_new_connection_instructions",
            "engine: new connection setup (SYN, conntrack+NAT)",
            "instructions/connection",
        ),
        packets: [5_000, 200_000],
        counted: [(1_000, 2_000), (100_000, 200_000)],
    },
    Case {
        name: "forwarding",
        bench: "forwarding",
        args: &["--routes", "1"],
        ns: metric(
            "engine_forwarding_ns",
            "engine: plain forwarding, 1 route",
            "ns/packet",
        ),
        instructions: metric(
            "engine_forwarding_instructions",
            "engine: plain forwarding, 1 route",
            "instructions/packet",
        ),
        packets: [20_000, 2_000_000],
        counted: [(2_000, 4_000), (50_000, 100_000)],
    },
];

/// Native runs per case, quick and normal.
const RUNS: [usize; 2] = [3, 5];

/// The callgrind pattern naming the benches' timed loops (see `netstack/benches/stateful.rs`).
const COUNTED_LOOP: &str = "*::counted_*";

/// Measures every case: ns/packet over several interleaved native runs, instructions/packet from two
/// callgrind runs. `quick` uses the benches' short packet counts. Needs `valgrind` on `PATH`.
pub fn measure(quick: bool, log: &mut dyn FnMut(String)) -> Result<Report, String> {
    let mode = usize::from(!quick);
    let valgrind = valgrind_version()?;
    log("engine: building the netstack benches (release)".into());
    let executables = build_benches()?;
    let executable = |case: &Case| {
        executables
            .get(case.bench)
            .ok_or_else(|| format!("cargo built no `{}` bench", case.bench))
    };
    let mut report = Report::default();
    report.add_dut(APPLIANCE);

    // Times: the cases interleaved, so that the machine's noise spreads over all of them.
    for run in 1..=RUNS[mode] {
        for case in &CASES {
            let ns = run_native(executable(case)?, case, case.packets[mode])?;
            log(format!(
                "engine: {} run {run}/{}: {ns:.1} {}",
                case.name, RUNS[mode], case.ns.unit
            ));
            report.record(case.ns, APPLIANCE, ns);
        }
    }

    // Instructions: the difference between two counts.
    for case in &CASES {
        let (few, more) = case.counted[mode];
        let first = run_callgrind(executable(case)?, case, few)?;
        let second = run_callgrind(executable(case)?, case, more)?;
        let per_packet = per_packet((few, first), (more, second))?;
        log(format!(
            "engine: {}: {per_packet:.1} {} (callgrind, {few} and {more} packets)",
            case.name, case.instructions.unit
        ));
        report.record(case.instructions, APPLIANCE, per_packet);
    }

    let list = |what: &dyn Fn(&Case) -> String| {
        CASES
            .iter()
            .map(|case| format!("{} {}", case.name, what(case)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    report.context.push(("engine_valgrind".into(), valgrind));
    report
        .context
        .push(("engine_native_runs".into(), RUNS[mode].to_string()));
    report.context.push((
        "engine_native_packets".into(),
        list(&|case| case.packets[mode].to_string()),
    ));
    report.context.push((
        "engine_callgrind_packets".into(),
        list(&|case| format!("{}/{}", case.counted[mode].0, case.counted[mode].1)),
    ));
    report.context.push((
        "engine_instructions".into(),
        format!(
            "callgrind --toggle-collect='{COUNTED_LOOP}' (the timed loop only), \
             (total at the larger count - total at the smaller) / (difference of the counts)"
        ),
    ));
    Ok(report)
}

/// `valgrind --version`, or why valgrind cannot run.
fn valgrind_version() -> Result<String, String> {
    let output = Command::new("valgrind")
        .arg("--version")
        .output()
        .map_err(|e| {
            format!(
                "valgrind is needed to count instructions per packet (Debian package `valgrind`): \
                 cannot run it: {e}"
            )
        })?;
    if !output.status.success() {
        return Err(format!("`valgrind --version` failed ({})", output.status));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Builds the `stateful` and `forwarding` benches in the bench (release) profile and returns their
/// executables by bench name, as cargo reports them.
fn build_benches() -> Result<BTreeMap<String, PathBuf>, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(&root)
        .args([
            "bench",
            "-p",
            "netstack",
            "--no-run",
            "--message-format=json",
        ])
        .args(["--bench", "stateful", "--bench", "forwarding"])
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "building the netstack benches failed ({}):\n{}",
            output.status,
            tail(&String::from_utf8_lossy(&output.stderr), 20)
        ));
    }
    Ok(bench_executables(&String::from_utf8_lossy(&output.stdout)))
}

/// The executables of the bench targets in cargo's `--message-format=json` output, by target name.
/// Lines that are not JSON or not a bench's artifact are skipped.
fn bench_executables(messages: &str) -> BTreeMap<String, PathBuf> {
    let mut found = BTreeMap::new();
    for line in messages.lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let target = &message["target"];
        let is_bench = target["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|k| k == "bench"));
        if message["reason"] != "compiler-artifact" || !is_bench {
            continue;
        }
        if let (Some(name), Some(executable)) =
            (target["name"].as_str(), message["executable"].as_str())
        {
            found.insert(name.to_string(), PathBuf::from(executable));
        }
    }
    found
}

/// One native run of `case` over `packets` packets: the ns/packet it prints.
fn run_native(executable: &Path, case: &Case, packets: u64) -> Result<f64, String> {
    let output = Command::new(executable)
        .args(case.args)
        .args(["--packets", &packets.to_string()])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", executable.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "the {} bench failed ({}):\n{stdout}{}",
            case.name,
            output.status,
            tail(&String::from_utf8_lossy(&output.stderr), 20)
        ));
    }
    ns_per_packet(&stdout).map_err(|e| format!("{}: {e}", case.name))
}

/// The value of the bench's `ns_per_packet=…` line.
fn ns_per_packet(stdout: &str) -> Result<f64, String> {
    let value = stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("ns_per_packet="))
        .ok_or_else(|| format!("no ns_per_packet= line in the bench's output:\n{stdout}"))?;
    match value.trim().parse::<f64>() {
        Ok(ns) if ns.is_finite() && ns > 0.0 => Ok(ns),
        _ => Err(format!("ns_per_packet={value} is not a positive number")),
    }
}

/// The callgrind output file of one run; removed when dropped, also when the run fails.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// One run of `case` over `packets` packets under callgrind: the instructions of its timed loop.
fn run_callgrind(executable: &Path, case: &Case, packets: u64) -> Result<u64, String> {
    let out = TempFile(std::env::temp_dir().join(format!(
        "engine-bench-{}-{}-{packets}.callgrind",
        std::process::id(),
        case.name
    )));
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--collect-atstart=no"])
        .arg(format!("--toggle-collect={COUNTED_LOOP}"))
        .arg(format!("--callgrind-out-file={}", out.0.display()))
        .arg(executable)
        .args(case.args)
        .args(["--packets", &packets.to_string()])
        .output()
        .map_err(|e| format!("cannot run valgrind: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "the {} bench under callgrind failed ({}):\n{}",
            case.name,
            output.status,
            tail(&String::from_utf8_lossy(&output.stderr), 20)
        ));
    }
    let text = std::fs::read_to_string(&out.0)
        .map_err(|e| format!("cannot read callgrind's output {}: {e}", out.0.display()))?;
    let total = callgrind_total(&text).map_err(|e| format!("{}: {e}", case.name))?;
    if total == 0 {
        return Err(format!(
            "{}: callgrind counted no instructions: no function matching {COUNTED_LOOP} ran",
            case.name
        ));
    }
    Ok(total)
}

/// The total instruction count (`Ir`) in a callgrind output file: the `summary:` line of each part (the
/// `totals:` line where a part has no summary), summed over the parts. The columns are those the
/// `events:` line names; `Ir` is looked up there.
fn callgrind_total(text: &str) -> Result<u64, String> {
    let mut column = None;
    let mut total: Option<u64> = None;
    let mut part_counted = false;
    for line in text.lines() {
        if let Some(events) = line.strip_prefix("events:") {
            column = Some(
                events
                    .split_whitespace()
                    .position(|event| event == "Ir")
                    .ok_or_else(|| format!("callgrind counted no Ir event: {line}"))?,
            );
        } else if line.starts_with("part:") {
            part_counted = false;
        } else if let Some(costs) = line
            .strip_prefix("summary:")
            .or_else(|| line.strip_prefix("totals:").filter(|_| !part_counted))
        {
            let column = column.ok_or("callgrind's costs come before its events: line")?;
            let value = costs
                .split_whitespace()
                .nth(column)
                .ok_or_else(|| format!("no Ir column in {line:?}"))?;
            let value: u64 = value
                .parse()
                .map_err(|_| format!("not an instruction count in {line:?}"))?;
            total = Some(
                total
                    .unwrap_or(0)
                    .checked_add(value)
                    .ok_or("instruction count overflows")?,
            );
            part_counted = true;
        }
    }
    total.ok_or_else(|| "no summary: or totals: line in callgrind's output".into())
}

/// Instructions per packet from (packets, total instructions) at two counts: the difference of the
/// totals over the difference of the counts, so that what does not depend on the count cancels.
fn per_packet(first: (u64, u64), second: (u64, u64)) -> Result<f64, String> {
    let ((few, low), (more, high)) = if first.0 <= second.0 {
        (first, second)
    } else {
        (second, first)
    };
    if few == more {
        return Err(format!("both callgrind runs counted {few} packets"));
    }
    if high < low {
        return Err(format!(
            "{more} packets took fewer instructions ({high}) than {few} packets ({low})"
        ));
    }
    Ok((high - low) as f64 / (more - few) as f64)
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALLGRIND: &str = "# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 12340
cmd:  forwarding --routes 1 --packets 10000
part: 1

desc: I1 cache: 
desc: Trigger: Program termination

positions: line
events: Ir
summary: 16535200


ob=(3) /usr/lib/x86_64-linux-gnu/libc.so.6
fn=(806) (below main)
calls=1 0 
58 16535200

totals: 16535200
";

    #[test]
    fn callgrind_total_reads_the_summary_line() {
        assert_eq!(callgrind_total(CALLGRIND), Ok(16_535_200));
    }

    #[test]
    fn callgrind_total_takes_the_ir_column_and_sums_parts() {
        let text = "events: Dr Ir Dw\nsummary: 5 100 7\ntotals: 5 100 7\n\
                    part: 2\nevents: Dr Ir Dw\nsummary: 1 20 1\n";
        assert_eq!(callgrind_total(text), Ok(120));
        // A part without a summary line counts its totals line, once.
        assert_eq!(
            callgrind_total("events: Ir\ntotals: 42\npart: 2\ntotals: 8\n"),
            Ok(50)
        );
    }

    #[test]
    fn callgrind_total_refuses_broken_output() {
        assert!(callgrind_total("").is_err(), "no summary");
        assert!(callgrind_total("summary: 12\n").is_err(), "no events line");
        assert!(
            callgrind_total("events: Dr\nsummary: 12\n").is_err(),
            "no Ir"
        );
        assert!(callgrind_total("events: Ir\nsummary: many\n").is_err());
        assert!(callgrind_total("events: Dr Ir\nsummary: 12\n").is_err());
        assert!(
            callgrind_total("events: Ir\nsummary: 18446744073709551615\npart: 2\nsummary: 1\n")
                .is_err(),
            "overflow"
        );
    }

    #[test]
    fn per_packet_cancels_what_does_not_grow_with_the_count() {
        // 50_000 instructions of setup, 1_500 per packet.
        let at = |packets: u64| (packets, 50_000 + 1_500 * packets);
        assert_eq!(per_packet(at(2_000), at(4_000)), Ok(1_500.0));
        assert_eq!(
            per_packet(at(4_000), at(2_000)),
            Ok(1_500.0),
            "either order"
        );
        assert_eq!(per_packet((1, 10), (3, 15)), Ok(2.5));
        assert!(per_packet(at(2_000), at(2_000)).is_err());
        assert!(per_packet((1, 100), (2, 50)).is_err());
    }

    #[test]
    fn ns_per_packet_reads_the_machine_line() {
        let out = "established masqueraded TCP flow, 20 filter rules:\nns_per_packet=186.93753\n  \
                   with FastTrack:      186.9 ns/packet\n";
        assert_eq!(ns_per_packet(out), Ok(186.93753));
        assert!(ns_per_packet("  with FastTrack: 186.9 ns/packet\n").is_err());
        assert!(ns_per_packet("ns_per_packet=NaN\n").is_err());
        assert!(ns_per_packet("ns_per_packet=-3\n").is_err());
    }

    #[test]
    fn bench_executables_come_from_cargo_artifact_messages() {
        let messages = r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"netstack"},"executable":null}
not json
{"reason":"compiler-artifact","target":{"kind":["bench"],"name":"stateful"},"executable":"/t/stateful-1"}
{"reason":"compiler-artifact","target":{"kind":["bench"],"name":"forwarding"},"executable":"/t/forwarding-2"}
{"reason":"build-finished","success":true}"#;
        let found = bench_executables(messages);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found["stateful"], PathBuf::from("/t/stateful-1"));
        assert_eq!(found["forwarding"], PathBuf::from("/t/forwarding-2"));
    }
}
