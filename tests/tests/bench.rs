//! The benchmark harness itself works (`bench --quick` on a subset of devices): it boots them, measures,
//! and writes a table and a JSON report with a figure for every metric. Figures are printed, never
//! asserted: this checks the harness, not the speed.
//!
//! Needs root, QEMU, iproute2, ping, iperf3 and nft (see `tests::netns`); skips with a reason otherwise.

use std::process::Command;

use tests::netns;

#[test]
fn quick_bench_reports_every_metric_for_the_appliance_and_the_null_forwarder() {
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
        for device in ["appliance", "null-forwarder", "host-kernel"] {
            let value = &metric["values"][device];
            // Boot time and image size do not exist for the host kernel.
            if device == "host-kernel" && (key == "boot_ms" || key == "image_kib") {
                continue;
            }
            assert!(
                value["median"].as_f64().is_some_and(|m| m > 0.0),
                "{key} on {device} has no figure: {value}\n{stdout}\n{stderr}"
            );
        }
        assert!(
            metric["ratios"]["appliance/null-forwarder"]
                .as_f64()
                .is_some(),
            "{key}: no appliance/null-forwarder ratio\n{stdout}"
        );
    }
    for key in [
        "udp64_pps_1_flow",
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
