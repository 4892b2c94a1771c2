//! IPv6 configuration typed at a running SOHO router: accepted and stored, and the engine exactly as it
//! was before — the engine does not forward IPv6 yet, so apply leaves the `/ipv6` menus out of it.

use super::console::Console;
use super::frames::{ip, ping};
use super::properties::snapshot;
use super::*;

/// A line for every `/ipv6` menu, on the router's own interfaces.
const IPV6_LINES: &[&str] = &[
    "/ipv6 settings set accept-router-advertisements=yes",
    "/ipv6 pool add name=pd prefix=2001:db8:100::/56 prefix-length=64",
    "/ipv6 dhcp-client add interface=ether1 request=prefix pool-name=pd",
    "/ipv6 address add address=2001:db8:1::2/64 interface=ether1",
    "/ipv6 address add from-pool=pd interface=ether2 eui-64=yes",
    "/ipv6 route add gateway=fe80::1%ether1",
    "/ipv6 nd add interface=ether2 ra-interval=30s-1m other-configuration=yes",
    "/ipv6 nd prefix add interface=ether2 prefix=2001:db8:100::/64",
    "/ipv6 firewall address-list add list=bad_ipv6 address=::ffff:0.0.0.0/96",
    "/ipv6 firewall filter add chain=input action=accept protocol=icmpv6",
    "/ipv6 firewall filter add chain=forward action=drop in-interface-list=WAN connection-state=new",
    "/ipv6 firewall nat add chain=srcnat action=masquerade out-interface-list=WAN",
    "/ipv6 firewall mangle add chain=forward action=change-mss new-mss=clamp-to-pmtu protocol=tcp tcp-flags=syn",
    "/ipv6 firewall raw add chain=prerouting action=drop src-address-list=bad_ipv6",
];

#[test]
fn ipv6_configuration_leaves_the_engine_as_it_was() {
    let mut c = Console::new();
    let before = snapshot(c.router());
    for line in IPV6_LINES {
        assert_eq!(c.run(line), "", "{line}");
    }
    assert_eq!(snapshot(c.router()), before);
    // Nothing running reports on the IPv6 items, and the system adds none of its own.
    let mut stored = 0;
    for menu in menus::MENUS.iter().filter(|m| m.path.starts_with("ipv6/")) {
        for item in c.config.items(menu) {
            stored += 1;
            let status = crate::apply::status(&c.config, &c.system.router.engine, menu, item);
            assert_eq!(status, Vec::new(), "{}", menu.path);
        }
        let engine = &c.system.router.engine;
        let dynamic = crate::apply::dynamic_items(&c.config, engine, menu, c.system.router.now);
        assert!(dynamic.is_empty(), "{}", menu.path);
    }
    assert_eq!(stored, IPV6_LINES.len());
    // Changing and removing them changes nothing either; the rules have no counters to reset.
    for line in [
        "/interface ethernet set ether1 name=wan",
        "/ipv6 firewall filter disable [ find ]",
        "/ipv6 firewall filter reset-counters-all",
        "/interface ethernet set wan name=ether1",
        "/ipv6 firewall filter remove [ find ]",
        "/ipv6 route remove [ find ]",
    ] {
        assert_eq!(c.run(line), "", "{line}");
    }
    assert_eq!(snapshot(c.router()), before);
    // The router still forwards IPv4: the LAN host's ping reaches the WAN host, masqueraded.
    let out = c.router().send(
        1,
        &ping(ip(192, 168, 88, LAN_HOST), ip(198, 51, 100, 1), 7),
        0,
    );
    assert_eq!(out.len(), 1);
    assert_eq!(
        super::frames::header(&out[0]).0,
        ip(198, 51, 100, 2),
        "masqueraded to the WAN address"
    );
}
