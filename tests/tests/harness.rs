//! The network-test harness itself (`tests::netns`), checked without relying on the appliance's datapath:
//! the namespaces, bridges, taps and veth pairs exist and are wired, nothing lands in the root namespace,
//! QEMU boots inside the switch namespace with its NICs on the taps, and everything is gone after the
//! `Network` drops, also when the test panics, and after a run that died without cleaning up.

use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tests::netns::{self, Network};
use tests::*;

const SHORT: Duration = Duration::from_secs(20);

/// Interface names in the root namespace.
fn root_links() -> String {
    let mut command = Command::new("ip");
    command.args(["-o", "link", "show"]);
    let output = netns::run_with_timeout(command, SHORT);
    assert!(output.success(), "{output}");
    output.stdout
}

/// Asserts that none of `namespaces` exists and no interface of `interfaces` is in the root namespace.
fn assert_gone(namespaces: &[String], interfaces: &[String]) {
    let existing = netns::namespaces();
    for namespace in namespaces {
        assert!(
            !existing.contains(namespace),
            "namespace {namespace} left behind; existing: {existing:?}"
        );
    }
    let links = root_links();
    for interface in interfaces {
        assert!(
            !links.contains(interface.as_str()),
            "interface {interface} in the root namespace:\n{links}"
        );
    }
}

fn names(network: &Network) -> (Vec<String>, Vec<String>) {
    (
        network.namespaces().map(str::to_owned).to_vec(),
        network
            .interfaces()
            .into_iter()
            .map(str::to_owned)
            .collect(),
    )
}

/// Ports of `bridge` in the switch namespace.
fn bridge_ports(network: &Network, bridge: &str) -> String {
    let output = network.run_in_switch(&["ip", "-o", "link", "show", "master", bridge], SHORT);
    assert!(output.success(), "{output}");
    output.stdout
}

#[test]
fn hosts_reach_the_switch_through_their_bridges_and_everything_is_removed() {
    let Some(network) = Network::create_or_skip(
        "hosts_reach_the_switch_through_their_bridges_and_everything_is_removed",
        &["ping"],
    ) else {
        return;
    };
    let (namespaces, interfaces) = names(&network);
    let existing = netns::namespaces();
    for namespace in &namespaces {
        assert!(
            existing.contains(namespace),
            "{namespace} missing: {existing:?}"
        );
    }
    // Nothing in the root namespace.
    let links = root_links();
    for interface in &interfaces {
        assert!(
            !links.contains(interface.as_str()),
            "{interface} in root:\n{links}"
        );
    }
    // Each bridge holds its tap and its host's veth end.
    let [wan_bridge, lan_bridge] = network.bridges();
    let [wan_tap, lan_tap] = network.taps();
    let [wan_veth, lan_veth] = network.veths();
    for (bridge, ports) in [
        (wan_bridge, [wan_tap, wan_veth]),
        (lan_bridge, [lan_tap, lan_veth]),
    ] {
        let listing = bridge_ports(&network, bridge);
        for port in ports {
            assert!(
                listing.contains(&format!(" {port}:")) || listing.contains(&format!(" {port}@")),
                "{port} is not a port of {bridge}:\n{listing}"
            );
        }
    }
    // The hosts' addresses and routes.
    let lan_routes = network.lan().run_ok(&["ip", "route", "show"], SHORT);
    assert!(
        lan_routes.contains("default via 192.168.88.1 dev eth0"),
        "{lan_routes}"
    );
    let lan_addresses = network
        .lan()
        .run_ok(&["ip", "-o", "addr", "show", "dev", "eth0"], SHORT);
    assert!(
        lan_addresses.contains("192.168.88.10/24"),
        "{lan_addresses}"
    );
    let wan_addresses = network
        .wan()
        .run_ok(&["ip", "-o", "addr", "show", "dev", "eth0"], SHORT);
    assert!(wan_addresses.contains("198.51.100.1/24"), "{wan_addresses}");
    let wan_to_lan = network
        .wan()
        .run(&["ip", "route", "get", "192.168.88.10"], SHORT);
    assert!(
        !wan_to_lan.success(),
        "the WAN host has a route to the LAN: {wan_to_lan}"
    );
    for host in [network.lan(), network.wan()] {
        let lo = host.run_ok(&["ip", "-o", "link", "show", "lo"], SHORT);
        assert!(
            lo.contains("UP"),
            "loopback down in {}: {lo}",
            host.namespace()
        );
    }

    // Scratch addresses on the switch-side bridges stand in for the appliance: each host reaches its own
    // bridge (ARP + ICMP through the veth pair), and neither reaches the other side.
    for (bridge, scratch) in [
        (lan_bridge, "192.168.88.254/24"),
        (wan_bridge, "198.51.100.254/24"),
    ] {
        let output = network.run_in_switch(&["ip", "addr", "add", scratch, "dev", bridge], SHORT);
        assert!(output.success(), "{output}");
    }
    let started = Instant::now();
    let lan_ping = network.lan().run(
        &["ping", "-c", "2", "-i", "0.2", "-W", "2", "192.168.88.254"],
        SHORT,
    );
    assert!(lan_ping.success(), "{lan_ping}");
    let wan_ping = network.wan().run(
        &["ping", "-c", "2", "-i", "0.2", "-W", "2", "198.51.100.254"],
        SHORT,
    );
    assert!(wan_ping.success(), "{wan_ping}");
    println!(
        "LAN and WAN hosts ping their bridges (rtt min/avg/max ms: {:?}, {:?}) in {:?}",
        netns::ping_rtt(&lan_ping.stdout),
        netns::ping_rtt(&wan_ping.stdout),
        started.elapsed()
    );
    let across = network
        .lan()
        .run(&["ping", "-c", "1", "-W", "1", "198.51.100.254"], SHORT);
    assert!(
        !across.success(),
        "the switch routes between the sides: {across}"
    );

    let started = Instant::now();
    drop(network);
    println!("teardown took {:?}", started.elapsed());
    assert_gone(&namespaces, &interfaces);
}

#[test]
fn qemu_runs_in_the_switch_namespace_on_the_taps() {
    for nic in [NicModel::VirtioNet, NicModel::E1000] {
        let Some(network) =
            Network::create_or_skip("qemu_runs_in_the_switch_namespace_on_the_taps", &[])
        else {
            return;
        };
        let (namespaces, interfaces) = names(&network);
        let mut config = network.qemu_config(config(KernelFlavor::Appliance, Firmware::Bios));
        config.nic_model = nic;
        let vm = boot_until(&config, LOGIN_PROMPT);
        println!(
            "{nic:?}: QEMU in {} reached the prompt after {} ms",
            network.switch(),
            vm.elapsed().as_millis()
        );
        let pid = vm.pid();

        // `ip netns exec` execs QEMU, so the child we hold (and kill on drop) is QEMU itself.
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap();
        assert!(
            comm.starts_with("qemu-system"),
            "child {pid} is {comm:?}, not QEMU"
        );
        let mut identify = Command::new("ip");
        identify.args(["netns", "identify", &pid.to_string()]);
        let identify = netns::run_with_timeout(identify, SHORT);
        assert_eq!(identify.stdout.trim(), network.switch(), "{identify}");

        // QEMU holds both taps open: they have carrier and are forwarding bridge ports.
        for tap in network.taps() {
            let output = network.run_in_switch(&["ip", "-o", "link", "show", tap], SHORT);
            assert!(output.success(), "{output}");
            assert!(
                output.stdout.contains("state UP") && !output.stdout.contains("NO-CARRIER"),
                "{tap} has no carrier with QEMU attached:\n{}\n{}",
                output.stdout,
                vm.output()
            );
        }
        let command_line = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
        let command_line = String::from_utf8_lossy(&command_line).replace('\0', " ");
        for tap in network.taps() {
            assert!(
                command_line.contains(&format!("ifname={tap},")),
                "{command_line}"
            );
        }

        drop(vm);
        assert!(!netns::process_alive(pid), "QEMU {pid} survived its Vm");
        // Without QEMU the taps lose carrier again.
        let output = network.run_in_switch(&["ip", "-o", "link", "show", network.taps()[0]], SHORT);
        assert!(output.stdout.contains("NO-CARRIER"), "{output}");
        drop(network);
        assert_gone(&namespaces, &interfaces);
    }
}

#[test]
fn a_panicking_test_leaves_nothing_behind() {
    if let Some(reason) = netns::skip_reason(&["sleep"]) {
        println!("SKIPPED a_panicking_test_leaves_nothing_behind: {reason}");
        return;
    }
    // What the doomed test built, recorded as it goes: namespaces, interfaces, server and QEMU PIDs.
    type Built = (Vec<String>, Vec<String>, u32, Option<u32>);
    let built: Mutex<Option<Built>> = Mutex::new(None);
    let result = std::panic::catch_unwind(|| {
        let network = Network::create().unwrap();
        let mut server = network.lan().spawn(&["sleep", "600"]);
        assert!(server.running());
        let (namespaces, interfaces) = names(&network);
        *built.lock().unwrap() = Some((namespaces, interfaces, server.pid(), None));
        // QEMU started in the switch namespace, not waited for.
        let vm = Vm::start(&network.qemu_config(config(KernelFlavor::Appliance, Firmware::Bios)))
            .unwrap_or_else(|e| panic!("{e}"));
        built.lock().unwrap().as_mut().unwrap().3 = Some(vm.pid());
        panic!("deliberate panic inside a network test");
    });
    assert!(result.is_err());
    let (namespaces, interfaces, server, qemu) =
        built.into_inner().unwrap().expect("the network was built");
    assert!(
        !netns::process_alive(server),
        "background server {server} survived the panic"
    );
    let qemu = qemu.expect("QEMU was started");
    assert!(
        !netns::process_alive(qemu),
        "QEMU {qemu} survived the panic"
    );
    assert_gone(&namespaces, &interfaces);
}

#[test]
fn leftovers_of_a_dead_run_are_removed() {
    if let Some(reason) = netns::skip_reason(&["true"]) {
        println!("SKIPPED leftovers_of_a_dead_run_are_removed: {reason}");
        return;
    }
    // A PID that no longer exists: a child that has exited and been reaped.
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    assert!(!netns::process_alive(dead));
    let stale = format!("{}{dead}-0-sw", netns::NAMESPACE_PREFIX);
    let tap = format!("tw-{dead}-0");
    for args in [
        vec!["netns", "add", stale.as_str()],
        vec![
            "-n",
            stale.as_str(),
            "tuntap",
            "add",
            "dev",
            tap.as_str(),
            "mode",
            "tap",
        ],
    ] {
        let mut command = Command::new("ip");
        command.args(&args);
        let output = netns::run_with_timeout(command, SHORT);
        assert!(output.success(), "{output}");
    }
    // A namespace of this (live) process with the same prefix must survive the sweep.
    let live = Network::create().unwrap();
    let removed = netns::remove_stale();
    // Another test of this process may have swept it first (the first `Network::create` does).
    assert!(
        removed.is_empty() || removed.contains(&stale),
        "{removed:?}"
    );
    assert_gone(&[stale], &[tap]);
    let existing = netns::namespaces();
    for namespace in live.namespaces() {
        assert!(
            existing.iter().any(|ns| ns == namespace),
            "{namespace} of a live run was removed"
        );
    }
}
