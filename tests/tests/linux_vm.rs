//! The baseline Linux router VM (`tests::bench::linux_vm`) routes like the appliance's factory
//! configuration: booted with virtio-net between the two namespace hosts with the SOHO rules, it answers
//! ping on both sides, forwards LAN → WAN and masquerades behind 198.51.100.2.
//!
//! Needs root, QEMU, iproute2 (`ip`, `ss`), iputils `ping`, `curl` and `python3`, and skips with the
//! reason otherwise. Building the VM the first time needs apt and a reachable Debian registry; without
//! them the test fails saying so (the VM is built from Debian packages only). Prints the boot time to the
//! ready line and the image size.

use std::time::Duration;

use tests::bench::linux_vm::{
    LINUX_READY, LinuxRules, build_linux_router_vm, image_bytes, linux_vm_config,
};
use tests::netns::{self, Network};
use tests::*;

const SHORT: Duration = Duration::from_secs(30);
const HTTP_PORT: u16 = 8090;
/// The memory the benchmarks give both VMs (the appliance's default).
const MEMORY_MIB: u32 = 128;

#[test]
fn linux_router_vm_routes_like_the_soho_config() {
    let test = "linux_router_vm_routes_like_the_soho_config";
    let Some(network) = Network::create_or_skip(test, &["ping", "curl", "python3", "ss"]) else {
        return;
    };
    let files =
        build_linux_router_vm().unwrap_or_else(|e| panic!("cannot build the Linux router VM: {e}"));
    println!(
        "Linux router VM: kernel {}, kernel + initramfs {} bytes ({} + {})",
        files.kernel_version,
        image_bytes(&files),
        files.kernel.display(),
        files.initrd.display()
    );
    let mut config = network.qemu_config(linux_vm_config(&files, LinuxRules::Soho, MEMORY_MIB));
    config.nic_model = NicModel::VirtioNet;
    let mut vm = boot_until(&config, LINUX_READY);
    println!(
        "Linux router VM: {LINUX_READY} after {:.1} s (accelerator {})",
        vm.elapsed().as_secs_f64(),
        qemu_runner::detect_accel().qemu_name()
    );
    let (lan, wan) = (network.lan(), network.wan());

    // The router answers on both sides (defconf accepts ICMP on input from anywhere) and forwards.
    for (host, side, target) in [
        (lan, "LAN", "192.168.88.1"),
        (wan, "WAN", "198.51.100.2"),
        (lan, "LAN", "198.51.100.1"),
    ] {
        let ping = host.run(&["ping", "-c", "3", "-i", "0.2", "-W", "5", target], SHORT);
        assert!(
            ping.success(),
            "{side} host cannot ping {target}: {ping}\n--- console ---\n{}",
            vm.output()
        );
        if let Some((_, avg, _)) = netns::ping_rtt(&ping.stdout) {
            println!("Linux router VM: {side} host -> {target}: rtt avg {avg} ms");
        }
    }

    // LAN → WAN TCP through the VM: the WAN server (which has no route to the LAN) sees the router's
    // WAN address, so the VM masquerades.
    let port = HTTP_PORT.to_string();
    let mut server = wan.spawn(&[
        "python3",
        "-u",
        "-m",
        "http.server",
        &port,
        "--bind",
        "198.51.100.1",
        "--directory",
        "/",
    ]);
    wan.wait_listening(HTTP_PORT, SHORT)
        .unwrap_or_else(|e| panic!("HTTP server: {e}\n{}", server.output()));
    let url = format!("http://198.51.100.1:{HTTP_PORT}/");
    let fetch = lan.run(
        &["curl", "-sS", "-o", "/dev/null", "--max-time", "20", &url],
        SHORT,
    );
    assert!(
        fetch.success(),
        "LAN host cannot fetch {url} through the VM: {fetch}\nserver log:\n{}\n--- console ---\n{}",
        server.output(),
        vm.output()
    );
    server
        .wait_for("\"GET /", SHORT)
        .unwrap_or_else(|e| panic!("{e}"));
    let log = server.output();
    assert!(
        log.contains("198.51.100.2 - -") && !log.contains("192.168.88.10"),
        "the WAN server did not see the router's address 198.51.100.2 as the client:\n{log}"
    );

    // The rules are the ones the VM says it loaded (the console shell answers after the ready line).
    vm.send("nft list chain ip appliance postrouting; echo listed-$((6 * 7))\n")
        .unwrap_or_else(|e| panic!("cannot type on the console: {e}"));
    let listing = vm
        .wait_for("listed-42", SHORT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        listing.contains("oifname \"eth0\" masquerade"),
        "no masquerade rule in the VM:\n{listing}"
    );
}
