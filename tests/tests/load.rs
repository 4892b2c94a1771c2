//! The benchmark measurements (`tests::bench::load`) against Linux itself routing in the switch namespace
//! (the appliance's addresses on the bridges, forwarding on, masquerade towards the WAN and new
//! connections from it dropped, as in `network.rs`), each run once briefly with its figures printed (run
//! with `--nocapture`); plus host tests of the parsers and the percentile helper.
//!
//! The UDP flood and the TCP connection loop run as this test binary itself, re-executed inside a host's
//! namespace: see [`tool_entry`] and `load::Tool::libtest`.
//!
//! Needs root, iproute2 (`ip`, `ss`), `nft`, iputils `ping` and `iperf3` (and QEMU on `PATH`, which the
//! network harness checks for although nothing here boots a VM); without them the test prints why it
//! skipped and passes.

use std::time::{Duration, Instant};

use tests::bench::load::{self, Tool};
use tests::netns::{self, Network};

const TOOLS: &[&str] = &["ping", "iperf3", "ss", "nft", "env"];
const SHORT: Duration = Duration::from_secs(30);
const RUN: Duration = Duration::from_secs(2);

/// The tools' entry point when this binary is re-executed as one (`LOAD_TOOL_ARGS` set); otherwise a
/// test that does nothing.
#[test]
fn tool_entry() {
    if let Some(code) = load::tool_main_from_env() {
        std::process::exit(code);
    }
}

/// Linux routing in the switch namespace in the appliance's place (`Network::route_with_host_kernel`).
/// `None` when the test is skipped.
fn linux_router(test: &str) -> Option<Network> {
    let network = Network::create_or_skip(test, TOOLS)?;
    if let Err(e) = network.route_with_host_kernel(true) {
        panic!("{e}");
    }
    Some(network)
}

#[test]
fn measurements_through_a_linux_router() {
    let started = Instant::now();
    let Some(network) = linux_router("measurements_through_a_linux_router") else {
        return;
    };
    let (lan, wan) = (network.lan(), network.wan());
    let exe = std::env::current_exe().expect("the test binary's path");
    let tool = Tool::libtest(exe, "tool_entry");
    // Bad parameters are errors, before anything starts.
    assert!(load::udp_pps(&tool, lan, wan, 0, RUN).is_err());
    assert!(load::tcp_throughput(lan, wan, 0, RUN).is_err());
    assert!(load::latency(lan, wan, "198.51.100.1", 0, false).is_err());

    for flows in [1, 64] {
        let udp = load::udp_pps(&tool, lan, wan, flows, RUN).unwrap_or_else(|e| panic!("{e}"));
        println!(
            "UDP 64-byte frames, {flows} flow(s): offered {:.0} pps, delivered {:.0} pps \
             (generated {:.0} pps over {:.2} s)",
            udp.offered_pps, udp.delivered_pps, udp.generated_pps, udp.seconds
        );
        assert!(udp.delivered_pps > 0.0, "nothing delivered: {udp:?}");
        assert!(
            udp.delivered_pps <= udp.offered_pps,
            "more delivered than offered: {udp:?}"
        );
        assert!(
            udp.offered_pps <= udp.generated_pps * 1.01,
            "more offered than generated: {udp:?}"
        );
    }
    // The sink table is gone again.
    let tables = wan.run_ok(&["nft", "list", "tables"], SHORT);
    assert!(!tables.contains("load_udp_sink"), "left behind: {tables}");

    let bps = load::tcp_throughput(lan, wan, 2, RUN).unwrap_or_else(|e| panic!("{e}"));
    println!("TCP, 2 streams: {:.1} Mbit/s", bps / 1e6);
    assert!(bps > 0.0);

    for under_load in [false, true] {
        let latency = load::latency(lan, wan, "198.51.100.1", 100, under_load)
            .unwrap_or_else(|e| panic!("{e}"));
        println!(
            "ping {}: p50 {:.3} ms, p99 {:.3} ms, {} of {} lost",
            if under_load { "under load" } else { "idle" },
            latency.p50_ms,
            latency.p99_ms,
            latency.lost,
            latency.samples
        );
        assert!(
            latency.p50_ms > 0.0 && latency.p50_ms <= latency.p99_ms,
            "{latency:?}"
        );
        assert_eq!(latency.samples, 100, "{latency:?}");
        assert!(latency.lost < latency.samples, "{latency:?}");
    }

    let ports_before = lan.run_ok(&["cat", "/proc/sys/net/ipv4/ip_local_port_range"], SHORT);
    let rate = load::connection_rate(&tool, lan, wan, RUN).unwrap_or_else(|e| panic!("{e}"));
    println!(
        "TCP connections: {:.0} per second ({} completed, {} failed{})",
        rate.per_second,
        rate.connected,
        rate.failed,
        rate.first_error
            .as_deref()
            .map(|e| format!(", first: {e}"))
            .unwrap_or_default()
    );
    assert!(rate.per_second > 0.0, "{rate:?}");
    let ports_after = lan.run_ok(&["cat", "/proc/sys/net/ipv4/ip_local_port_range"], SHORT);
    assert_eq!(ports_before, ports_after, "the port range was not restored");
    // The tcp-accept server is gone with its handle.
    let listening = wan.run(&["ss", "-Hltn", "sport = :5303"], SHORT);
    assert!(listening.stdout.trim().is_empty(), "{listening}");

    println!(
        "all measurements in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn percentile_is_nearest_rank() {
    let values: Vec<f64> = (1..=100).map(f64::from).collect();
    assert_eq!(load::percentile(&values, 50.0), Some(50.0));
    assert_eq!(load::percentile(&values, 99.0), Some(99.0));
    assert_eq!(load::percentile(&values, 100.0), Some(100.0));
    assert_eq!(load::percentile(&values, 0.0), Some(1.0));
    assert_eq!(load::percentile(&values, 0.5), Some(1.0));
    assert_eq!(load::percentile(&[3.0, 5.0, 7.0], 50.0), Some(5.0));
    assert_eq!(load::percentile(&[3.0, 5.0, 7.0, 9.0], 50.0), Some(5.0));
    assert_eq!(load::percentile(&[3.0, 5.0, 7.0, 9.0], 75.1), Some(9.0));
    assert_eq!(load::percentile(&[4.0], 99.0), Some(4.0));
    assert_eq!(load::percentile(&[], 50.0), None);
    assert_eq!(load::percentile(&values, 100.1), None);
    assert_eq!(load::percentile(&values, -1.0), None);
    assert_eq!(load::percentile(&values, f64::NAN), None);
}

#[test]
fn parses_ping_reply_lines() {
    let output = "PING 198.51.100.1 (198.51.100.1) 56(84) bytes of data.\n\
                  64 bytes from 198.51.100.1: icmp_seq=1 ttl=63 time=0.412 ms\n\
                  64 bytes from 198.51.100.1: icmp_seq=2 ttl=63 time=12.5 ms\n\
                  64 bytes from 198.51.100.1: icmp_seq=2 ttl=63 time=13.0 ms (DUP!)\n\
                  From 192.168.88.1 icmp_seq=3 Destination Host Unreachable\n\
                  64 bytes from 198.51.100.1: icmp_seq=4 ttl=63 time<1 ms\n\
                  \n\
                  --- 198.51.100.1 ping statistics ---\n\
                  4 packets transmitted, 3 received, +1 duplicates, 25% packet loss, time 30ms\n\
                  rtt min/avg/max/mdev = 0.412/4.637/12.500/5.600 ms\n";
    assert_eq!(load::parse_ping_times(output), vec![0.412, 12.5, 1.0]);
    assert_eq!(netns::ping_counts(output), Some((4, 3)));
    assert!(load::parse_ping_times("no replies\n").is_empty());
}

#[test]
fn parses_iperf3_json() {
    let good = r#"{"start": {}, "intervals": [],
        "end": {"sum_sent": {"bits_per_second": 9.5e8}, "sum_received": {"bits_per_second": 9.25e8}}}"#;
    assert_eq!(load::parse_iperf3_received(good), Ok(9.25e8));
    let failed = r#"{"start": {}, "intervals": [], "end": {},
        "error": "unable to connect to server: Connection refused"}"#;
    let error = load::parse_iperf3_received(failed).unwrap_err();
    assert!(error.contains("Connection refused"), "{error}");
    assert!(load::parse_iperf3_received("iperf3: error").is_err());
    assert!(load::parse_iperf3_received(r#"{"end": {}}"#).is_err());
}

#[test]
fn parses_tool_reports_and_nft_counters() {
    let stdout = "\nrunning 1 test\n{\"sent\": 12, \"errors\": 0, \"seconds\": 1.5}\n";
    let report = load::parse_tool_report(stdout).expect("a report");
    assert_eq!(report["sent"].as_u64(), Some(12));
    assert!(load::parse_tool_report("running 1 test\n").is_err());
    assert!(load::parse_tool_report("{not json\n").is_err());

    let nft = r#"{"nftables": [{"metainfo": {"version": "1.0.6"}},
        {"table": {"family": "netdev", "name": "load_udp_sink", "handle": 1}},
        {"chain": {"family": "netdev", "table": "load_udp_sink", "name": "ingress", "handle": 1}},
        {"rule": {"family": "netdev", "table": "load_udp_sink", "chain": "ingress", "handle": 2,
          "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}},
                    "right": {"range": [9000, 9015]}}},
                   {"counter": {"packets": 1234, "bytes": 56}}, {"drop": null}]}}]}"#;
    assert_eq!(load::parse_nft_packets(nft), Some(1234));
    assert_eq!(load::parse_nft_packets(r#"{"nftables": []}"#), None);
    assert_eq!(load::parse_nft_packets("garbage"), None);
}

#[test]
fn tools_reject_bad_arguments_and_build_their_command_lines() {
    let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(load::tool_main(&words("something-else 1 2")), None);
    assert_eq!(load::tool_main(&[]), None);
    assert_eq!(
        load::tool_main(&words("udp-flood example.com 9000 1 1 18")),
        Some(2)
    );
    assert_eq!(
        load::tool_main(&words("udp-flood 127.0.0.1 65535 2 1 18")),
        Some(2)
    );
    assert_eq!(
        load::tool_main(&words("tcp-connect-rate 127.0.0.1 5303")),
        Some(2)
    );
    assert_eq!(
        load::tool_main(&words("tcp-connect-rate 127.0.0.1 5303 0")),
        Some(2)
    );

    let bench = Tool::new("bench");
    assert_eq!(
        bench.command(&["tcp-accept", "198.51.100.1", "5303"]),
        words("env bench tcp-accept 198.51.100.1 5303")
    );
    let test = Tool::libtest("load-test", "tool_entry");
    assert_eq!(
        test.command(&["tcp-accept", "198.51.100.1", "5303"]),
        vec![
            "env",
            "LOAD_TOOL_ARGS=tcp-accept 198.51.100.1 5303",
            "load-test",
            "tool_entry",
            "--exact",
            "--nocapture",
            "-q"
        ]
    );
}
