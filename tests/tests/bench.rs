//! The benchmark harness itself works (`bench --quick` on a subset of devices): it boots them, measures,
//! and writes a table and a JSON report with a figure for every metric. Figures are printed, never
//! asserted: this checks the harness, not the speed.
//!
//! Needs root, QEMU, iproute2, ping, iperf3 and nft (see `tests::netns`); skips with a reason otherwise.

use std::process::Command;

use tests::netns;

#[test]
fn quick_bench_reports_every_metric_of_every_scenario_for_the_devices_that_run_it() {
    let tools = ["ping", "iperf3", "ss", "nft"];
    if let Some(reason) = netns::skip_reason(&tools) {
        println!("SKIPPED quick bench: {reason}");
        return;
    }
    let json_path =
        std::env::temp_dir().join(format!("appliance-bench-{}.json", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args([
            "--quick",
            "--devices",
            "appliance,null-forwarder,host-kernel",
            // The engine micro-benchmarks have their own test (`bench_engine.rs`).
            "--no-engine",
            "--json",
        ])
        .arg(&json_path)
        .output()
        .expect("bench runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    let report = std::fs::read_to_string(&json_path);
    let _ = std::fs::remove_file(&json_path);
    assert!(output.status.success(), "bench failed:\n{stdout}\n{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&report.expect("the JSON report was written")).expect("valid JSON");
    let virtio = &report["VirtioNet"];
    let metrics = virtio["metrics"].as_array().expect("metrics");
    for metric in metrics {
        let key = metric["key"].as_str().unwrap_or("?");
        // Which devices take part in the metric's scenario: the null forwarder only in the SOHO one
        // (it has no firewall to configure), the host kernel in all but the table fill.
        let devices: &[&str] = if key.starts_with("conntrack_") || key == "udp64_pps_full_table" {
            &["appliance"]
        } else if key == "udp64_pps_plain" || key == "udp64_pps_1000_rules" {
            &["appliance", "host-kernel"]
        } else if key == "boot_ms" || key == "image_kib" {
            // Boot time and image size do not exist for the host kernel.
            &["appliance", "null-forwarder"]
        } else {
            &["appliance", "null-forwarder", "host-kernel"]
        };
        for device in devices {
            let value = &metric["values"][device];
            assert!(
                value["median"].as_f64().is_some_and(|m| m > 0.0),
                "{key} on {device} has no figure: {value}\n{stdout}\n{stderr}"
            );
        }
        if devices.contains(&"null-forwarder") {
            assert!(
                metric["ratios"]["appliance/null-forwarder"]
                    .as_f64()
                    .is_some(),
                "{key}: no appliance/null-forwarder ratio\n{stdout}"
            );
        }
    }
    let within = virtio["within"].as_array().expect("within-device ratios");
    assert_eq!(within.len(), 3, "{stdout}");
    for ratio in within {
        assert!(
            ratio["ratios"]["appliance"]
                .as_f64()
                .is_some_and(|r| r > 0.0),
            "no appliance figure for {}\n{stdout}",
            ratio["label"]
        );
    }
    for key in [
        "udp64_pps_1_flow",
        "udp64_pps_plain",
        "udp64_pps_1000_rules",
        "conntrack_connections",
        "conntrack_bytes_per_connection",
        "udp64_pps_full_table",
        "tcp_mbps_1_stream",
        "new_connections_per_s",
        "latency_idle_p50_ms",
    ] {
        assert!(
            metrics.iter().any(|m| m["key"] == key),
            "{key} missing\n{stdout}"
        );
    }
}
