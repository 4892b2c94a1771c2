//! The router's DHCP client (`/ip dhcp-client`) against a real ISP: `dnsmasq` on the WAN host hands out
//! 198.51.100.50-60 for 2 minutes with itself as router and DNS server.
//!
//! One boot of the SOHO router with `/ip dhcp-client add interface=ether1` in place of the static WAN
//! address and default route checks in sequence: the client gets bound (`print` shows `bound` and the
//! address; `print detail` the gateway, DNS server, DHCP server and time left); the lease's address is
//! a dynamic address (`D`) and its default route a dynamic DHCP route (`DAd`) in `/ip route print`; the
//! LAN host reaches the WAN host through masquerade; `/ip dns print` has the ISP's DNS server among its
//! `dynamic-servers` (`use-peer-dns=yes`); `/export` holds the client and not the lease;
//! at T1 (1 minute into the 2-minute lease) the client renews: dnsmasq acknowledges a second
//! request, `expires-after` goes back up and the log says so; and disabled, the client releases the
//! lease (dnsmasq sees the DHCPRELEASE) and its address and route go.
//!
//! Needs root, QEMU, iproute2, `ping` and `dnsmasq`; without them the test prints why it skipped.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tests::netns::{Background, LAN_HOST, Network, WAN_HOST};
use tests::*;

const TOOLS: &[&str] = &["dnsmasq", "ping"];

/// The SOHO router (`tests/fixtures/soho.rsc`) with a DHCP client on ether1 instead of the static WAN
/// address and default route.
fn soho_dhcp_rsc() -> String {
    let mut rsc = String::new();
    for line in SOHO_RSC.lines() {
        match line {
            "add address=198.51.100.2/24 interface=ether1"
            | "/ip route"
            | "add gateway=198.51.100.1" => {}
            _ => {
                rsc.push_str(line);
                rsc.push('\n');
            }
        }
    }
    assert!(
        !rsc.contains("address=198.51.100.2"),
        "the static WAN address went"
    );
    rsc.push_str("/ip dhcp-client\nadd interface=ether1\n");
    rsc
}

/// The appliance image with [`soho_dhcp_rsc`] baked in, built once per test process.
fn soho_dhcp_image() -> PathBuf {
    static IMAGE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = IMAGE.get_or_init(|| {
        let (base, _) = image(KernelFlavor::Appliance);
        let output = base.with_file_name("appliance-soho-dhcp.img");
        image_builder::bake_config(&base, &soho_dhcp_rsc(), &output).map(|_| output)
    });
    match built {
        Ok(path) => path.clone(),
        Err(message) => panic!("baking the DHCP-client configuration failed: {message}"),
    }
}

/// The ISP's DHCP server on the WAN host, logging every message to its output.
fn start_dnsmasq(network: &Network) -> Background {
    let leases =
        std::env::temp_dir().join(format!("dhcp-client-test-{}.leases", std::process::id()));
    let _ = std::fs::remove_file(&leases);
    let mut dnsmasq = network.wan().spawn(&[
        "dnsmasq",
        "--keep-in-foreground",
        "--conf-file=/dev/null",
        "--no-resolv",
        "--no-hosts",
        "--pid-file=",
        "--user=root",
        "--port=0",
        "--interface=eth0",
        "--bind-interfaces",
        &format!("--dhcp-leasefile={}", leases.display()),
        "--dhcp-range=198.51.100.50,198.51.100.60,255.255.255.0,2m",
        &format!("--dhcp-option=option:router,{WAN_HOST}"),
        &format!("--dhcp-option=option:dns-server,{WAN_HOST}"),
        "--log-dhcp",
        "--log-facility=-",
    ]);
    dnsmasq
        .wait_for("DHCP, IP range", Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("dnsmasq did not start: {e}"));
    dnsmasq
}

/// How many DHCPACKs dnsmasq sent.
fn acks(dnsmasq: &Background) -> usize {
    dnsmasq
        .output()
        .lines()
        .filter(|l| l.contains("DHCPACK("))
        .count()
}

/// Polls `/ip dhcp-client print detail` until it shows `status=bound`, or panics after `timeout`.
fn wait_bound(vm: &mut Vm, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let detail = run_command(vm, "/ip dhcp-client print detail");
        if detail.contains("status=bound") {
            return detail;
        }
        if Instant::now() >= deadline {
            panic!(
                "the DHCP client did not get bound; console:\n{}",
                vm.output()
            );
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// The value of `name=` in a `print detail` listing.
fn detail_value<'a>(detail: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=");
    detail
        .split_whitespace()
        .find_map(|word| word.strip_prefix(key.as_str()))
        .map(|value| value.trim_matches('"'))
}

#[test]
fn dhcp_client_gets_a_lease_routes_through_it_and_renews() {
    let test = "dhcp_client_gets_a_lease_routes_through_it_and_renews";
    let Some(network) = Network::create_or_skip(test, TOOLS) else {
        return;
    };
    let dnsmasq = start_dnsmasq(&network);
    let mut config = network.qemu_config(soho_config(Firmware::Bios));
    config.image = soho_dhcp_image();
    let mut vm = boot_and_login(&config);
    let transcript = |vm: &Vm, dnsmasq: &Background| {
        format!("console:\n{}\ndnsmasq:\n{}", vm.output(), dnsmasq.output())
    };

    // Bound, with what the ISP handed out.
    let detail = wait_bound(&mut vm, Duration::from_secs(30));
    let bound_at = Instant::now();
    let address = detail_value(&detail, "address")
        .unwrap_or_else(|| panic!("no address in {detail}"))
        .to_string();
    assert!(
        address.starts_with("198.51.100.5") || address.starts_with("198.51.100.60"),
        "{detail}"
    );
    assert!(address.ends_with("/24"), "{detail}");
    assert_eq!(
        detail_value(&detail, "gateway"),
        Some("198.51.100.1"),
        "{detail}"
    );
    assert_eq!(
        detail_value(&detail, "primary-dns"),
        Some("198.51.100.1"),
        "{detail}"
    );
    assert_eq!(
        detail_value(&detail, "dhcp-server"),
        Some("198.51.100.1"),
        "{detail}"
    );
    let left = detail_value(&detail, "expires-after")
        .and_then(parse_duration)
        .unwrap_or_else(|| panic!("no expires-after in {detail}"));
    assert!((90..=120).contains(&left), "{detail}");
    let print = run_command(&mut vm, "/ip dhcp-client print");
    assert!(
        print.contains("ether1") && print.contains("bound"),
        "{print}"
    );
    assert!(print.contains(&address), "{print}");

    // A dynamic address and a dynamic DHCP default route.
    let addresses = run_command(&mut vm, "/ip address print");
    let lease_line = addresses
        .lines()
        .find(|l| l.contains(&address))
        .unwrap_or_else(|| panic!("no lease address in {addresses}"));
    assert!(lease_line.contains(" D "), "{addresses}");
    let routes = run_command(&mut vm, "/ip route print");
    let default = routes
        .lines()
        .find(|l| l.contains("0.0.0.0/0"))
        .unwrap_or_else(|| panic!("no default route in {routes}"));
    // Dynamic, active, from DHCP: `DAd`, as RouterOS v7 prints it (d shares its place with c and s).
    assert!(
        default.contains("DAd 0.0.0.0/0") && default.contains("198.51.100.1"),
        "{routes}"
    );

    // The LAN host reaches the WAN host, masqueraded to the leased address.
    let ping = network.lan().run(
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
    assert!(ping.success(), "{ping}\n{}", transcript(&vm, &dnsmasq));
    let conntrack = run_command(&mut vm, "/ip firewall connection print detail");
    assert!(conntrack.contains(&LAN_HOST.to_string()), "{conntrack}");

    // use-peer-dns=yes: the ISP's DNS server is the resolver's dynamic server.
    let dns = run_command(&mut vm, "/ip dns print");
    assert_eq!(
        property(&dns, "dynamic-servers"),
        Some("198.51.100.1"),
        "{dns}"
    );

    // The configuration holds the client, not the lease.
    let export = run_command(&mut vm, "/export");
    assert!(export.contains("add interface=ether1"), "{export}");
    assert!(
        !export.contains(address.split('/').next().unwrap()),
        "{export}"
    );

    // T1 is 1 minute into the 2-minute lease: a second ACK, and the time left goes back up.
    let first_acks = acks(&dnsmasq);
    let deadline = bound_at + Duration::from_secs(80);
    while acks(&dnsmasq) <= first_acks {
        assert!(
            Instant::now() < deadline,
            "no renewal within 80 s; {}",
            transcript(&vm, &dnsmasq)
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    let detail = wait_bound(&mut vm, Duration::from_secs(10));
    assert_eq!(
        detail_value(&detail, "address"),
        Some(address.as_str()),
        "{detail}"
    );
    let left = detail_value(&detail, "expires-after")
        .and_then(parse_duration)
        .unwrap_or(0);
    assert!(left > 100, "expires-after did not go back up: {detail}");
    let log = run_command(&mut vm, "/log print");
    let ip = address.split('/').next().unwrap();
    assert!(
        log.contains(&format!("dhcp-client on ether1 got IP address {ip}")),
        "{log}"
    );
    assert!(log.contains("renewed"), "{log}");
    // The renewal went to the server directly (RFC 2131 §4.4.5: unicast while renewing).
    assert!(
        dnsmasq
            .output()
            .lines()
            .any(|l| l.contains("DHCPREQUEST(eth0) ") && l.contains(ip)),
        "{}",
        dnsmasq.output()
    );

    // Disabled, the client gives the lease back at once: dnsmasq sees the release, the address and
    // the route are gone.
    run_command(&mut vm, "/ip dhcp-client disable [find]");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !dnsmasq.output().contains("DHCPRELEASE(eth0)") {
        assert!(
            Instant::now() < deadline,
            "no release; {}",
            transcript(&vm, &dnsmasq)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let addresses = run_command(&mut vm, "/ip address print");
    assert!(!addresses.contains(ip), "{addresses}");
    let routes = run_command(&mut vm, "/ip route print");
    assert!(!routes.contains("0.0.0.0/0"), "{routes}");
    let print = run_command(&mut vm, "/ip dhcp-client print");
    assert!(print.contains("stopped"), "{print}");
}
