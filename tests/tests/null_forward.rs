//! The null forwarder (kernel feature `null-forward`, image `appliance-null-forward.img`) between two real
//! Linux hosts on one subnet: frames cross from ether2 to ether1 and back with only their MACs rewritten.
//! This is the ceiling the router's datapath is measured against; the test proves it forwards and prints
//! the ping RTT and TCP throughput it reaches, for virtio-net and e1000.
//!
//! Needs root, QEMU, iproute2, ping and iperf3 (see `tests::netns`); skips with a reason otherwise.

use std::time::Duration;

use tests::netns::{self, Network};
use tests::*;

const SHORT: Duration = Duration::from_secs(30);
/// The subnet both hosts share through the forwarder (next to their router-test addresses).
const LAN_SIDE: &str = "10.77.0.1";
const WAN_SIDE: &str = "10.77.0.2";

fn forwards(test: &str, nic: NicModel) {
    let Some(network) = Network::create_or_skip(test, &["ping", "iperf3", "ss"]) else {
        return;
    };
    let mut config = network.qemu_config(config(KernelFlavor::NullForward, Firmware::Bios));
    config.nic_model = nic;
    let vm = boot_until(&config, "null forwarder ready");
    let (lan, wan) = (network.lan(), network.wan());
    lan.run_ok(
        &[
            "ip",
            "addr",
            "add",
            &format!("{LAN_SIDE}/24"),
            "dev",
            "eth0",
        ],
        SHORT,
    );
    wan.run_ok(
        &[
            "ip",
            "addr",
            "add",
            &format!("{WAN_SIDE}/24"),
            "dev",
            "eth0",
        ],
        SHORT,
    );

    let ping = lan.run(
        &["ping", "-c", "5", "-i", "0.2", "-W", "5", WAN_SIDE],
        SHORT,
    );
    assert!(
        ping.success(),
        "{nic:?}: no ping through the null forwarder: {ping}\n--- console ---\n{}",
        vm.output()
    );
    if let Some((min, avg, max)) = netns::ping_rtt(&ping.stdout) {
        println!("{nic:?} null forwarder: ping rtt min/avg/max {min}/{avg}/{max} ms");
    }

    let mut server = wan.spawn(&["iperf3", "-s", "-1", "-B", WAN_SIDE, "-p", "5202"]);
    wan.wait_listening(5202, SHORT)
        .unwrap_or_else(|e| panic!("iperf3 server: {e}\n{}", server.output()));
    let client = lan.run(
        &[
            "iperf3",
            "-c",
            WAN_SIDE,
            "-p",
            "5202",
            "-n",
            "20M",
            "--connect-timeout",
            "10000",
        ],
        Duration::from_secs(180),
    );
    assert!(
        client.success(),
        "{nic:?}: iperf3 through the null forwarder failed: {client}\n{}",
        server.output()
    );
    for line in client
        .stdout
        .lines()
        .filter(|l| l.contains("sender") || l.contains("receiver"))
    {
        println!("{nic:?} null forwarder: {}", line.trim());
    }
    let _ = server.running();
}

#[test]
fn virtio_net_null_forwarder_carries_traffic() {
    forwards(
        "virtio_net_null_forwarder_carries_traffic",
        NicModel::VirtioNet,
    );
}

#[test]
fn e1000_null_forwarder_carries_traffic() {
    forwards("e1000_null_forwarder_carries_traffic", NicModel::E1000);
}
