//! The router's own tools on the booted SOHO appliance between real Linux hosts (see `tests::netns`):
//! `/ping` to the LAN host and to the WAN host, `/tool traceroute` to the WAN host, and
//! `/interface monitor-traffic` counting the LAN host's pings. One boot for all of them.
//!
//! Needs root, QEMU, iproute2 and iputils `ping`; without them the test prints why it skipped and
//! passes.

use std::time::Duration;

use tests::netns::Network;
use tests::*;

#[test]
fn ping_traceroute_and_monitor_traffic_from_the_console() {
    let Some(network) = Network::create_or_skip("tools", &["ping"]) else {
        return;
    };
    let config = network.qemu_config(soho_config(Firmware::Bios));
    let mut vm = boot_and_login(&config);

    let out = run_command(&mut vm, "/ping 192.168.88.10 count=3");
    assert!(
        out.contains("sent=3 received=3 packet-loss=0%"),
        "LAN ping:\n{out}"
    );
    // Rows from the LAN host with Linux's TTL of 64 and the default size of 56.
    assert!(
        out.contains("    2 192.168.88.10                              56  64 "),
        "LAN ping:\n{out}"
    );

    let out = run_command(&mut vm, "/ping 198.51.100.1 count=2");
    assert!(out.contains("sent=2 received=2"), "WAN ping:\n{out}");

    // The WAN host is the first hop and the destination.
    let out = run_command(&mut vm, "/tool traceroute 198.51.100.1 count=2");
    let last = out.rsplit("\x1b[J").next().unwrap_or(&out);
    assert!(
        last.lines().any(|l| l.starts_with("1 198.51.100.1  0%")),
        "traceroute:\n{out}"
    );
    assert!(!last.contains("\n2 "), "one hop only:\n{out}");

    // The LAN host pings the router five times a second while the router counts.
    let pinger = network
        .lan()
        .spawn(&["ping", "-i", "0.2", "-c", "50", "192.168.88.1"]);
    std::thread::sleep(Duration::from_secs(1));
    let out = run_command(&mut vm, "/interface monitor-traffic ether2 once");
    drop(pinger);
    let rate = property(&out, "rx-packets-per-second")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("monitor-traffic:\n{out}"));
    assert!(rate > 0, "no packets counted:\n{out}");
    assert!(
        property(&out, "rx-bits-per-second").is_some_and(|v| v.ends_with("bps") && v != "0bps"),
        "monitor-traffic:\n{out}"
    );
}
