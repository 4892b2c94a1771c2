//! The router's DNS cache and forwarder (`/ip dns`) between real hosts: `dnsmasq` on the WAN host is
//! the ISP's DNS server for `wan.test`, `dig` on the LAN host asks the appliance.
//!
//! One boot of the SOHO router (`tests/fixtures/soho.rsc`, defconf input filter) checks in sequence:
//! port 53 refuses while `allow-remote-requests=no` (ICMP port unreachable: dig says "connection
//! refused"); after `/ip dns set servers=198.51.100.1 allow-remote-requests=yes` the LAN host gets
//! `wan.test` through the appliance; a second query is answered from the cache (dnsmasq sees one
//! query, `/ip dns cache print` lists the name); `dig +tcp` gets it over TCP; a static entry and a
//! static CNAME answer; `:resolve` works on the console and says RouterOS's words for a name that
//! does not exist; `/ip dns cache flush` empties the cache; and the WAN host gets no answer (the
//! defconf filter drops input from the WAN).
//!
//! Needs root, QEMU, iproute2, `dnsmasq` and `dig`; without them the test prints why it skipped.

use std::time::Duration;

use tests::netns::{Background, LAN_ROUTER, Network, WAN_HOST, WAN_ROUTER};
use tests::*;

const TOOLS: &[&str] = &["dnsmasq", "dig"];
const DIG_TIMEOUT: Duration = Duration::from_secs(20);

/// The ISP's DNS server on the WAN host: `wan.test` (and its subdomains) is 198.51.100.1 for 5
/// minutes, everything else does not exist, every query is logged to its output.
fn start_dnsmasq(network: &Network) -> Background {
    let wan_host = WAN_HOST.to_string();
    let mut dnsmasq = network.wan().spawn(&[
        "dnsmasq",
        "--keep-in-foreground",
        "--conf-file=/dev/null",
        "--no-resolv",
        "--no-hosts",
        "--pid-file=",
        "--user=root",
        "--bind-interfaces",
        &format!("--listen-address={wan_host}"),
        "--address=/wan.test/198.51.100.1",
        // Its own names' TTL is 0 by default, which a cache must not keep.
        "--local-ttl=300",
        "--address=/#/",
        "--log-queries",
        "--log-facility=-",
    ]);
    dnsmasq
        .wait_for("started", Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("dnsmasq did not start: {e}"));
    dnsmasq
}

/// `dig` in `host`'s namespace, short output; the output whatever happened.
fn dig(host: &tests::netns::Host, args: &[&str]) -> String {
    let mut all = vec!["dig", "+time=2", "+tries=2"];
    all.extend_from_slice(args);
    let output = host.run(&all, DIG_TIMEOUT);
    format!("{}{}", output.stdout, output.stderr)
}

/// How many queries for `wan.test` dnsmasq has seen.
fn upstream_queries(dnsmasq: &Background) -> usize {
    dnsmasq
        .output()
        .lines()
        .filter(|l| l.contains("query[A] wan.test"))
        .count()
}

#[test]
fn dns_cache_and_forwarder_between_real_hosts() {
    let test = "dns_cache_and_forwarder_between_real_hosts";
    let Some(network) = Network::create_or_skip(test, TOOLS) else {
        return;
    };
    let dnsmasq = start_dnsmasq(&network);
    let config = network.qemu_config(soho_config(Firmware::Bios));
    let mut vm = boot_and_login(&config);
    let router = format!("@{LAN_ROUTER}");
    let transcript = |vm: &Vm| vm.output();

    // allow-remote-requests=no (the default): port 53 is closed, smoltcp answers port unreachable.
    let refused = dig(network.lan(), &[&router, "wan.test", "+short"]);
    assert!(
        refused.contains("refused"),
        "{refused}\n{}",
        transcript(&vm)
    );

    for line in [
        "/ip dns set servers=198.51.100.1 allow-remote-requests=yes",
        "/ip dns static add name=router.lan address=192.168.88.1",
        "/ip dns static add name=alias.lan type=CNAME cname=wan.test",
    ] {
        let out = run_command(&mut vm, line);
        assert!(
            !out.contains("failure") && !out.contains("bad"),
            "{line}: {out}"
        );
    }

    let first = dig(network.lan(), &[&router, "wan.test", "+short"]);
    assert_eq!(first.trim(), "198.51.100.1", "{first}\n{}", transcript(&vm));
    assert_eq!(upstream_queries(&dnsmasq), 1, "{}", dnsmasq.output());

    // From the cache: dnsmasq is not asked again.
    let second = dig(network.lan(), &[&router, "wan.test"]);
    assert!(
        second.contains("198.51.100.1") && second.contains("status: NOERROR"),
        "{second}"
    );
    assert_eq!(upstream_queries(&dnsmasq), 1, "{}", dnsmasq.output());
    let cache = run_command(&mut vm, "/ip dns cache print");
    assert!(
        cache.contains("wan.test") && cache.contains("198.51.100.1"),
        "{cache}"
    );
    let settings = run_command(&mut vm, "/ip dns print");
    assert_eq!(
        property(&settings, "servers"),
        Some("198.51.100.1"),
        "{settings}"
    );
    assert_eq!(
        property(&settings, "allow-remote-requests"),
        Some("yes"),
        "{settings}"
    );
    assert!(property(&settings, "cache-used").is_some(), "{settings}");

    // Over TCP.
    let tcp = dig(network.lan(), &[&router, "+tcp", "wan.test", "+short"]);
    assert_eq!(tcp.trim(), "198.51.100.1", "{tcp}\n{}", transcript(&vm));

    // Static entries: an address, and a CNAME whose target comes from upstream (cached).
    let static_a = dig(network.lan(), &[&router, "router.lan", "+short"]);
    assert_eq!(static_a.trim(), "192.168.88.1", "{static_a}");
    let alias = dig(network.lan(), &[&router, "alias.lan", "+short"]);
    assert_eq!(alias.trim(), "wan.test.\n198.51.100.1", "{alias}");

    // A name the ISP's server does not know.
    let missing = dig(network.lan(), &[&router, "nope.example"]);
    assert!(missing.contains("status: NXDOMAIN"), "{missing}");

    // The router itself.
    let resolved = run_command(&mut vm, ":put [:resolve router.lan]");
    assert!(resolved.contains("192.168.88.1"), "{resolved}");
    let resolved = run_command(&mut vm, ":put [:resolve wan.test]");
    assert!(resolved.contains("198.51.100.1"), "{resolved}");
    let failed = run_command(&mut vm, ":resolve nope.example");
    assert!(
        failed.contains("failure: dns name does not exist"),
        "{failed}"
    );

    run_command(&mut vm, "/ip dns cache flush");
    let cache = run_command(&mut vm, "/ip dns cache print");
    assert!(!cache.contains("wan.test"), "{cache}");

    // From the WAN: the defconf filter drops input that does not come from the LAN.
    let wan = dig(
        network.wan(),
        &[&format!("@{WAN_ROUTER}"), "wan.test", "+short"],
    );
    assert!(
        wan.contains("timed out") || wan.contains("no servers could be reached"),
        "{wan}"
    );
    drop(vm);
}
