//! Seed 001's SOHO router end to end: its WAN gets an address, a default route and a DNS server by DHCP
//! from the ISP, its LAN hands out addresses by DHCP and answers DNS, and masquerade takes the LAN out —
//! so a LAN host that starts with nothing gets an address and reaches the WAN's web server by name.
//!
//! The ISP is `dnsmasq` on the WAN host (DHCP for `198.51.100.50-60`, DNS for `wan.test`), next to a
//! web server (`python3 -m http.server`). The image has seed 001's configuration baked in, as the seed
//! means it (the seed's own lines that RouterOS refuses are left out: the `0.0.0.0/0` address and the
//! LAN address typed in the wrong menu; its public DNS servers are unreachable here, so the router uses
//! the ISP's). The LAN host runs busybox `udhcpc`, then `curl http://wan.test:8080/` with a resolver
//! that asks the DNS server the lease named — in a mount namespace of its own (`unshare --mount`), so
//! that no file of the machine changes.
//!
//! Needs root, QEMU, iproute2, `dnsmasq`, `busybox`, `curl`, `python3` and `unshare`; without them the
//! test prints why it skipped.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tests::netns::{Network, WAN_HOST};
use tests::*;

const TOOLS: &[&str] = &["dnsmasq", "busybox", "curl", "python3", "unshare"];

/// Seed 001 (`001_...txt`, "Basic Router Configuration") as it means it.
const SEED_001_RSC: &str = "/interface ethernet
set [ find default-name=ether1 ] name=ether1-wan comment=\"WAN Interface - Connects to Internet\"
set [ find default-name=ether2 ] name=ether2-lan comment=\"LAN Interface - Connects to Local Network\"
/ip dhcp-client
add interface=ether1-wan disabled=no
/ip address
add interface=ether2-lan address=192.168.88.1/24 network=192.168.88.0 comment=\"LAN IP - Gateway for local network\"
/ip firewall nat
add chain=srcnat out-interface=ether1-wan action=masquerade comment=\"NAT for LAN to Internet\"
/ip dns
set allow-remote-requests=yes
/ip pool
add name=dhcp_pool_lan ranges=192.168.88.10-192.168.88.254 comment=\"DHCP Pool for LAN\"
/ip dhcp-server
add name=dhcp_server_lan interface=ether2-lan address-pool=dhcp_pool_lan lease-time=10m disabled=no
/ip dhcp-server network
add address=192.168.88.0/24 gateway=192.168.88.1 dns-server=192.168.88.1 comment=\"DHCP Network for LAN\"
";

/// The appliance image with [`SEED_001_RSC`] baked in, built once per test process.
fn seed_001_image() -> PathBuf {
    static IMAGE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = IMAGE.get_or_init(|| {
        let (base, _) = image(KernelFlavor::Appliance);
        let output = base.with_file_name("appliance-seed-001.img");
        image_builder::bake_config(&base, SEED_001_RSC, &output).map(|_| output)
    });
    match built {
        Ok(path) => path.clone(),
        Err(message) => panic!("baking seed 001 failed: {message}"),
    }
}

#[test]
fn seed_001_gives_a_lan_host_an_address_and_the_wan_by_name() {
    let test = "seed_001_gives_a_lan_host_an_address_and_the_wan_by_name";
    let Some(network) = Network::create_or_skip(test, TOOLS) else {
        return;
    };
    let dir = std::env::temp_dir();
    let id = std::process::id();
    let leases = dir.join(format!("soho-services-{id}.leases"));
    let resolv = dir.join(format!("soho-services-{id}.resolv.conf"));
    let web_root = dir.join(format!("soho-services-{id}-www"));
    let _cleanup = Cleanup(vec![leases.clone(), resolv.clone(), web_root.clone()]);

    // The ISP: DHCP and DNS on the WAN host, and a web server.
    let wan = network.wan();
    let mut dnsmasq = wan.spawn(&[
        "dnsmasq",
        "--keep-in-foreground",
        "--conf-file=/dev/null",
        "--no-resolv",
        "--no-hosts",
        "--pid-file=",
        "--user=root",
        "--interface=eth0",
        "--bind-interfaces",
        "--local-ttl=300",
        "--address=/wan.test/198.51.100.1",
        &format!("--dhcp-leasefile={}", leases.display()),
        "--dhcp-range=198.51.100.50,198.51.100.60,255.255.255.0,10m",
        &format!("--dhcp-option=option:router,{WAN_HOST}"),
        &format!("--dhcp-option=option:dns-server,{WAN_HOST}"),
        "--log-queries",
        "--log-dhcp",
        "--log-facility=-",
    ]);
    dnsmasq
        .wait_for("DHCP, IP range", Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("dnsmasq did not start: {e}"));
    std::fs::create_dir_all(&web_root).unwrap();
    std::fs::write(web_root.join("index.html"), "hello from the WAN\n").unwrap();
    let web = wan.spawn(&[
        "python3",
        "-m",
        "http.server",
        "8080",
        "--bind",
        &WAN_HOST.to_string(),
        "--directory",
        &web_root.to_string_lossy(),
    ]);
    wan.wait_listening(8080, Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("the web server did not start: {e}"));

    let mut config = network.qemu_config(soho_config(Firmware::Bios));
    config.image = seed_001_image();
    let mut vm = boot_and_login(&config);

    // The WAN side: a lease from the ISP.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let detail = run_command(&mut vm, "/ip dhcp-client print detail");
        if detail.contains("status=bound") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the DHCP client did not get bound:\n{detail}\ndnsmasq:\n{}",
            dnsmasq.output()
        );
        std::thread::sleep(Duration::from_secs(1));
    }

    // The LAN side: the host starts without an address and gets one, and the router as its DNS.
    let lan = network.lan();
    let lease = udhcpc::lease(lan, &[]);
    assert!(
        lease.bound(),
        "udhcpc got no lease: {}\nconsole:\n{}",
        lease.client,
        vm.output()
    );
    let address: Ipv4Addr = lease.get("ip").parse().expect("a leased address");
    assert_eq!(address.octets()[..3], [192, 168, 88], "{}", lease.record);
    assert_eq!(lease.get("dns"), "192.168.88.1", "{}", lease.record);

    // By name: the host's resolver asks the router, which asks the ISP's DNS server it learned by DHCP;
    // the page comes through masquerade.
    std::fs::write(&resolv, format!("nameserver {}\n", lease.get("dns"))).unwrap();
    let fetch = lan.run(
        &[
            "unshare",
            "--mount",
            "sh",
            "-c",
            &format!(
                "mount --bind {} /etc/resolv.conf && curl -s --max-time 10 http://wan.test:8080/",
                resolv.display()
            ),
        ],
        Duration::from_secs(20),
    );
    assert!(
        fetch.success() && fetch.stdout.contains("hello from the WAN"),
        "{fetch}\ndnsmasq:\n{}\nconsole:\n{}",
        dnsmasq.output(),
        vm.output()
    );
    assert!(
        dnsmasq.output().contains("query[A] wan.test"),
        "the name was not asked upstream:\n{}",
        dnsmasq.output()
    );
    // The web server saw the router's leased WAN address, not the LAN host's.
    let dns = run_command(&mut vm, "/ip dns print");
    assert!(dns.contains(&WAN_HOST.to_string()), "{dns}");
    let web_log = web.output();
    assert!(
        web_log.contains("198.51.100.5") || web_log.contains("198.51.100.60"),
        "{web_log}"
    );
    assert!(!web_log.contains(&address.to_string()), "{web_log}");
}

/// Removes the test's files when it ends, also when it fails.
struct Cleanup(Vec<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
            let _ = std::fs::remove_dir_all(path);
        }
    }
}
