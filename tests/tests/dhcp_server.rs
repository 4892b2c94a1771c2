//! The router's DHCP server (`/ip dhcp-server`) with a real client: busybox `udhcpc` on the LAN host.
//!
//! One boot of the SOHO router with seed 001's LAN server (`dhcp_pool_lan` 192.168.88.10-254,
//! `dhcp_server_lan` on ether2 with 10 minute leases, the network's gateway and DNS server
//! 192.168.88.1) checks in sequence: the LAN host, its static address taken away, gets a lease from
//! the pool with the router and DNS options of the network (recorded by udhcpc's script); `/ip
//! dhcp-server lease print` shows its MAC address bound, dynamic, with its host name; the log says
//! `dhcp_server_lan assigned`; the host reaches the WAN host through masquerade from its leased
//! address; and after a reboot (once the lease was saved) the lease is still listed.
//!
//! Needs root, QEMU, iproute2, `ping` and `busybox` (with `udhcpc`); without them the test prints why
//! it skipped.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use tests::netns::{HOST_INTERFACE, Network, WAN_HOST};
use tests::*;

const TOOLS: &[&str] = &["busybox", "ping"];

/// Seed 001's LAN DHCP server.
const SERVER_RSC: &str = "/ip pool
add name=dhcp_pool_lan ranges=192.168.88.10-192.168.88.254
/ip dhcp-server
add name=dhcp_server_lan interface=ether2 address-pool=dhcp_pool_lan lease-time=10m
/ip dhcp-server network
add address=192.168.88.0/24 gateway=192.168.88.1 dns-server=192.168.88.1
";

/// The SOHO router with seed 001's DHCP server baked in, built once per test process.
fn soho_server_image() -> PathBuf {
    static IMAGE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = IMAGE.get_or_init(|| {
        let (base, _) = image(KernelFlavor::Appliance);
        let output = base.with_file_name("appliance-soho-dhcp-server.img");
        let rsc = format!("{SOHO_RSC}{SERVER_RSC}");
        image_builder::bake_config(&base, &rsc, &output).map(|_| output)
    });
    match built {
        Ok(path) => path.clone(),
        Err(message) => panic!("baking the DHCP-server configuration failed: {message}"),
    }
}

/// The lease print's line for `mac`, or panics with the listing.
fn lease_line(listing: &str, mac: &str) -> String {
    listing
        .lines()
        .find(|l| l.contains(mac))
        .unwrap_or_else(|| panic!("no lease for {mac}:\n{listing}"))
        .to_string()
}

#[test]
fn a_lan_client_gets_a_lease_with_the_networks_options_that_survives_a_reboot() {
    let test = "a_lan_client_gets_a_lease_with_the_networks_options_that_survives_a_reboot";
    let Some(network) = Network::create_or_skip(test, TOOLS) else {
        return;
    };
    let mut config = network.qemu_config(soho_config(Firmware::Bios));
    config.image = soho_server_image();
    // The overlay keeps the guest's writes across its reboot, for the life of this QEMU process.
    config.snapshot = true;
    let mut vm = boot_and_login(&config);

    let lan = network.lan();
    let mac = lan
        .run_ok(
            &["cat", &format!("/sys/class/net/{HOST_INTERFACE}/address")],
            Duration::from_secs(5),
        )
        .trim()
        .to_uppercase();
    // No static address any more: only DHCP gives the host one.
    let lease = udhcpc::lease(lan, &["-x", "hostname:lanhost"]);
    assert!(
        lease.bound(),
        "udhcpc got no lease: {}\nconsole:\n{}",
        lease.client,
        vm.output()
    );

    // An address of the pool, with the network's options.
    let address: Ipv4Addr = lease.get("ip").parse().unwrap();
    let [a, b, c, d] = address.octets();
    assert!(
        [a, b, c] == [192, 168, 88] && (10..=254).contains(&d),
        "{}",
        lease.record
    );
    assert_eq!(lease.get("subnet"), "255.255.255.0", "{}", lease.record);
    assert_eq!(lease.get("router"), "192.168.88.1", "{}", lease.record);
    assert_eq!(lease.get("dns"), "192.168.88.1", "{}", lease.record);
    assert_eq!(lease.get("serverid"), "192.168.88.1", "{}", lease.record);
    assert_eq!(lease.get("lease"), "600", "{}", lease.record);

    // The router lists the lease: dynamic, bound, with the host's name.
    let listing = run_command(&mut vm, "/ip dhcp-server lease print");
    let line = lease_line(&listing, &mac);
    for word in [
        "D",
        &address.to_string(),
        "lanhost",
        "dhcp_server_lan",
        "bound",
    ] {
        assert!(
            line.split_whitespace().any(|w| w == word),
            "{word} missing: {listing}"
        );
    }
    let detail = run_command(&mut vm, "/ip dhcp-server lease print detail");
    let left = property_value(&detail, "expires-after")
        .and_then(parse_duration)
        .unwrap_or_else(|| panic!("no expires-after: {detail}"));
    assert!((500..=600).contains(&left), "{detail}");
    let log = run_command(&mut vm, "/log print");
    assert!(
        log.contains(&format!(
            "dhcp_server_lan assigned {address} for {mac} lanhost"
        )),
        "{log}"
    );

    // Through masquerade to the WAN host from the leased address.
    let ping = lan.run(
        &[
            "ping",
            "-c",
            "3",
            "-i",
            "0.2",
            "-W",
            "2",
            &WAN_HOST.to_string(),
        ],
        Duration::from_secs(20),
    );
    assert!(ping.success(), "{ping}\nconsole:\n{}", vm.output());
    let connections = run_command(&mut vm, "/ip firewall connection print detail");
    assert!(connections.contains(&address.to_string()), "{connections}");

    // Saved 5 s after it was made; after a reboot it is still there.
    std::thread::sleep(Duration::from_secs(7));
    reboot_and_login(&mut vm, "booted in");
    let listing = run_command(&mut vm, "/ip dhcp-server lease print");
    let line = lease_line(&listing, &mac);
    assert!(
        line.contains(&address.to_string()) && line.contains("bound"),
        "{listing}"
    );
}

/// The value of `name=` in a `print detail` listing.
fn property_value<'a>(detail: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=");
    detail
        .split_whitespace()
        .find_map(|word| word.strip_prefix(key.as_str()))
        .map(|value| value.trim_matches('"'))
}
