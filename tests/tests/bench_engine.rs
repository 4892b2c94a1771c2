//! The engine micro-benchmarks reach the report (`tests::bench::engine`, quick setting): the netstack
//! benches build, run natively and under callgrind, and every case has its ns/packet samples and an
//! instruction count. Figures are printed, never compared with a bound: this checks the measurement, not
//! the speed.
//!
//! Needs `valgrind`; skips with a reason without it.

use std::process::Command;

use tests::bench::engine;
use tests::bench::report::APPLIANCE;

const CASES: [&str; 4] = [
    "established_nat",
    "established_nat_no_fasttrack",
    "new_connection",
    "forwarding",
];

#[test]
fn quick_engine_bench_reports_ns_and_instructions_for_every_case() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        println!("SKIPPED engine bench: valgrind is not installed");
        return;
    }
    let report = engine::measure(true, &mut |line| println!("{line}")).expect("engine bench runs");
    println!("{}", report.table());
    let json = report.json();
    assert_eq!(json["devices"][0], APPLIANCE);
    for case in CASES {
        for (suffix, samples) in [("ns", 3), ("instructions", 1)] {
            let key = format!("engine_{case}_{suffix}");
            let values = report.summary(&key, APPLIANCE);
            assert!(
                values.is_some_and(|s| s.min > 0.0 && s.max.is_finite()),
                "{key} has no figure: {values:?}"
            );
            let metric = json["metrics"]
                .as_array()
                .and_then(|metrics| metrics.iter().find(|m| m["key"] == key.as_str()))
                .unwrap_or_else(|| panic!("{key} is not in the JSON"));
            assert_eq!(
                metric["values"][APPLIANCE]["samples"]
                    .as_array()
                    .map(Vec::len),
                Some(samples),
                "{key}: {metric}"
            );
        }
    }
    let context: Vec<&str> = report.context.iter().map(|(k, _)| k.as_str()).collect();
    assert!(context.contains(&"engine_valgrind"), "{context:?}");
}
