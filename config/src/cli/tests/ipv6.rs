//! `/ipv6` menus and `/system package` as a console user sees them: what is accepted, refused with
//! which words, printed and exported. The menus are stored only (the engine does not forward IPv6),
//! so everything here is the model and the interpreter; `crate::apply`'s tests show the engine does
//! not change.

use super::*;
use crate::cli::complete;

/// The IPv6 part of a SOHO guide as users paste it, one command per line (the last two lines are the
/// guide's static alternative).
const SEED: &[(&str, &str)] = &[
    // RouterOS v7 has IPv6 built in: there is no package `ipv6` to enable.
    ("/system package enable ipv6", "no such item\r\n"),
    (
        "/interface ethernet set ether1 name=wan comment=\"WAN Interface\"",
        "",
    ),
    (
        "/ipv6 dhcp-client add interface=wan request=prefix pool-name=ipv6_pool_lan pool-length=64 comment=\"DHCPv6 Client\"",
        "",
    ),
    (
        "/interface ethernet set ether2 name=lan comment=\"LAN Interface\"",
        "",
    ),
    (
        "/ipv6 address add from-pool=ipv6_pool_lan interface=lan eui-64=yes comment=\"LAN IPv6 Address from Delegated Prefix (EUI-64)\"",
        "",
    ),
    (
        "/ipv6 nd add interface=lan ra-interval=10s managed-address-configuration=no other-configuration=no comment=\"RA for LAN\"",
        "",
    ),
    (
        "/ipv6 firewall filter add chain=forward action=accept connection-state=established,related comment=\"Allow Established/Related IPv6 Forward\"",
        "",
    ),
    (
        "/ipv6 firewall filter add chain=forward action=accept src-address=2001:db8:2::/64 out-interface=wan comment=\"Allow LAN -> WAN IPv6 Forward\"",
        "",
    ),
    (
        "/ipv6 firewall filter add chain=forward action=drop in-interface=wan comment=\"Drop all other WAN -> LAN IPv6 Forward\"",
        "",
    ),
    ("# commented alternatives in the same document:", ""),
    (
        "/ipv6 address add address=2001:db8:1::2/64 interface=wan comment=\"Static WAN IPv6 Address\"",
        "",
    ),
    (
        "/ipv6 route add dst-address=::/0 gateway=2001:db8:1::1 comment=\"Default IPv6 Route\"",
        "",
    ),
];

/// The export of the seed, after its header: defaults left out (`pool-length=64`, `dst-address=::/0`,
/// the `no` flags of the RA), `pool-length` under its v7 name when it is not the default.
const SEED_EXPORT: &str = "\
/interface ethernet\r\n\
set [ find default-name=ether1 ] comment=\"WAN Interface\" name=wan\r\n\
set [ find default-name=ether2 ] comment=\"LAN Interface\" name=lan\r\n\
/ipv6 address\r\n\
add comment=\"LAN IPv6 Address from Delegated Prefix (EUI-64)\" eui-64=yes \\\r\n    \
from-pool=ipv6_pool_lan interface=lan\r\n\
add address=2001:db8:1::2/64 comment=\"Static WAN IPv6 Address\" interface=wan\r\n\
/ipv6 dhcp-client\r\n\
add comment=\"DHCPv6 Client\" interface=wan pool-name=ipv6_pool_lan request=prefix\r\n\
/ipv6 firewall filter\r\n\
add action=accept chain=forward \\\r\n    \
comment=\"Allow Established/Related IPv6 Forward\" \\\r\n    \
connection-state=established,related\r\n\
add action=accept chain=forward comment=\"Allow LAN -> WAN IPv6 Forward\" \\\r\n    \
out-interface=wan src-address=2001:db8:2::/64\r\n\
add action=drop chain=forward \\\r\n    \
comment=\"Drop all other WAN -> LAN IPv6 Forward\" in-interface=wan\r\n\
/ipv6 nd\r\n\
add comment=\"RA for LAN\" interface=lan ra-interval=10s\r\n\
/ipv6 route\r\n\
add comment=\"Default IPv6 Route\" gateway=2001:db8:1::1\r\n";

/// An export without its `#` header lines.
fn body(export: &str) -> String {
    export
        .split_inclusive("\r\n")
        .filter(|line| !line.starts_with('#'))
        .collect()
}

#[test]
fn the_seed_pasted_line_by_line_is_stored_and_exported() {
    let mut c = Console::new();
    for (line, expected) in SEED {
        assert_eq!(c.run(line), *expected, "{line}");
    }
    assert_eq!(body(&c.run("/export")), SEED_EXPORT);
    // The export reads back as the same configuration (values typed at their defaults aside).
    c.run("/export file=seed");
    let mut fresh = Console::new();
    fresh.system.files = c.system.files.clone();
    assert_eq!(
        fresh.run("/import seed.rsc"),
        "Script file loaded and executed successfully\r\n"
    );
    assert_eq!(body(&fresh.run("/export")), SEED_EXPORT);
    // A pool length other than the default is exported under its v7 name.
    c.run("/ipv6 dhcp-client set [ find ] pool-length=56");
    let export = c.run("/ipv6 dhcp-client export");
    assert!(export.contains(" pool-prefix-length=56"), "{export}");
    assert!(!export.contains("pool-length"), "{export}");
}

#[test]
fn system_package_lists_routeros_at_the_running_version() {
    let mut c = Console::new();
    assert_eq!(
        c.run("/system package print"),
        "Columns: NAME, VERSION, BUILD-TIME\r\n\
         # NAME      VERSION  BUILD-TIME\r\n\
         0 routeros  7.16               \r\n"
    );
    assert_eq!(
        c.run(":put [/system package get routeros version]"),
        "7.16\r\n"
    );
    assert_eq!(
        c.run(":put [/system package find where name=routeros]"),
        "*1\r\n"
    );
    assert_eq!(c.run("/system package enable ipv6"), "no such item\r\n");
    assert_eq!(c.run("/system package disable ipv6"), "no such item\r\n");
    for line in [
        "/system package disable routeros",
        "/system package enable routeros",
        "/system package disable 0",
    ] {
        assert_eq!(
            c.run(line),
            "failure: can not enable or disable system package routeros\r\n",
            "{line}"
        );
    }
    // `[ find ]` that finds nothing switches nothing.
    assert_eq!(c.run("/system package enable [ find name=ipv6 ]"), "");
    // Nothing in the list can be set, added or removed; none of it is configuration.
    assert_eq!(
        c.run("/system package set routeros disabled=yes"),
        "bad command name set (line 1 column 17)\r\n"
    );
    assert_eq!(
        c.run("/system package remove routeros"),
        "bad command name remove (line 1 column 17)\r\n"
    );
    assert!(!c.run("/export verbose").contains("package"));
    assert_eq!(c.config, two_ports());
}

#[test]
fn ipv6_addresses_print_export_and_refuse_like_routeros() {
    let mut c = Console::new();
    assert_eq!(
        c.run("/ipv6 address add address=2001:DB8:0:1::1/64 interface=ether2 comment=LAN"),
        ""
    );
    assert_eq!(
        c.run("/ipv6 address add address=::1/64 from-pool=isp interface=ether2 advertise=no"),
        ""
    );
    assert_eq!(
        c.run("/ipv6 address add address=fd00::1 interface=ether1 disabled=yes"),
        ""
    );
    assert_eq!(
        c.run("/ipv6 address print"),
        "Flags: X - DISABLED\r\n\
         Columns: ADDRESS, FROM-POOL, INTERFACE, ADVERTISE\r\n\
         #   ADDRESS             FROM-POOL  INTERFACE  ADVERTISE\r\n\
         ;;; LAN\r\n\
         0   2001:db8:0:1::1/64             ether2     yes      \r\n\
         1   ::1/64              isp        ether2     no       \r\n\
         2 X fd00::1/128                    ether1     yes      \r\n"
    );
    for (line, error) in [
        (
            "/ipv6 address add address=2001:db8:0:1::1/64 interface=ether2",
            "failure: already have such address",
        ),
        (
            "/ipv6 address add address=2001:db8::g/64 interface=ether2",
            "invalid value for argument address",
        ),
        (
            "/ipv6 address add address=192.168.88.1/24 interface=ether2",
            "invalid value for argument address",
        ),
        (
            "/ipv6 address add address=2001:db8::1/129 interface=ether2",
            "invalid value for argument address",
        ),
        (
            "/ipv6 address add address=2001:db8::1/64 interface=ether9",
            "input does not match any value of interface",
        ),
        (
            "/ipv6 address add interface=ether2 eui-64=yes",
            "missing value(s) of argument(s) address",
        ),
        (
            "/ipv6 address add address=2001:db8::1/64",
            "missing value(s) of argument(s) interface",
        ),
    ] {
        assert_eq!(c.run(line), format!("{error}\r\n"), "{line}");
    }
    assert_eq!(
        c.config.items(menus::menu("ipv6/address").unwrap()).len(),
        3
    );
    // References follow a renamed interface; set and remove work by number.
    c.run("/interface ethernet set ether2 name=lan");
    c.run("/ipv6 address set 1 advertise=yes eui-64=yes");
    c.run("/ipv6 address remove 2");
    assert_eq!(
        body(&c.run("/ipv6 address export")),
        "/ipv6 address\r\n\
         add address=2001:db8:0:1::1/64 comment=LAN interface=lan\r\n\
         add address=::1/64 eui-64=yes from-pool=isp interface=lan\r\n"
    );
    assert_eq!(
        c.run(":put [/ipv6 address get [find from-pool=isp] address]"),
        "::1/64\r\n"
    );
    assert_eq!(
        c.run("/ipv6 address print count-only where address in 2001:db8::/32"),
        "1\r\n"
    );
}

#[test]
fn ipv6_routes_take_ipv6_gateways_and_follow_interfaces() {
    let mut c = Console::new();
    for line in [
        "/ipv6 route add gateway=2001:db8:1::1",
        "/ipv6 route add dst-address=2001:db8:5::7/48 gateway=fe80::1%ether1 distance=5",
        "/ipv6 route add dst-address=2001:db8:6::/48 gateway=ether2,fe80::2%ether2",
        "/ipv6 route add dst-address=64:ff9b::/96 blackhole=yes comment=\"no NAT64\"",
    ] {
        assert_eq!(c.run(line), "", "{line}");
    }
    c.run("/interface ethernet set ether1 name=wan");
    assert_eq!(
        c.run("/ipv6 route print"),
        "Columns: DST-ADDRESS, GATEWAY, DISTANCE\r\n\
         # DST-ADDRESS      GATEWAY                DISTANCE\r\n\
         0 ::/0             2001:db8:1::1                 1\r\n\
         1 2001:db8:5::/48  fe80::1%wan                   5\r\n\
         2 2001:db8:6::/48  ether2,fe80::2%ether2         1\r\n\
         ;;; no NAT64\r\n\
         3 64:ff9b::/96                                   1\r\n"
    );
    assert_eq!(
        body(&c.run("/ipv6 route export")),
        "/ipv6 route\r\n\
         add gateway=2001:db8:1::1\r\n\
         add distance=5 dst-address=2001:db8:5::/48 gateway=fe80::1%wan\r\n\
         add dst-address=2001:db8:6::/48 gateway=ether2,fe80::2%ether2\r\n\
         add blackhole=yes comment=\"no NAT64\" dst-address=64:ff9b::/96\r\n"
    );
    for (line, error) in [
        (
            "/ipv6 route add gateway=192.168.88.1",
            "invalid value for argument gateway",
        ),
        (
            "/ipv6 route add gateway=fe80::1%ether9",
            "invalid value for argument gateway",
        ),
        (
            "/ipv6 route add gateway=2001:db8::g",
            "invalid value for argument gateway",
        ),
        (
            "/ipv6 route add dst-address=2001:db8::/48",
            "failure: gateway not specified",
        ),
        (
            "/ipv6 route add dst-address=10.0.0.0/8 gateway=2001:db8::1",
            "invalid value for argument dst-address",
        ),
        (
            "/ipv6 route add gateway=2001:db8::1 distance=0",
            "invalid value for argument distance",
        ),
    ] {
        assert_eq!(c.run(line), format!("{error}\r\n"), "{line}");
    }
    // And the IPv4 routes take no IPv6 gateway.
    assert_eq!(
        c.run("/ip route add gateway=2001:db8::1"),
        "invalid value for argument gateway\r\n"
    );
}

#[test]
fn router_advertisements_and_their_prefixes() {
    let mut c = Console::new();
    for line in [
        "/ipv6 nd add interface=ether2 ra-interval=200s-600s mtu=1480 hop-limit=64 ra-lifetime=none dns=2001:DB8::53",
        "/ipv6 nd add interface=all disabled=yes",
        // A RouterOS export sets the default item, which this router does not have.
        "/ipv6 nd set [ find default=yes ] advertise-dns=no",
        "/ipv6 nd prefix add interface=ether2 prefix=2001:db8:0:2::1/64 valid-lifetime=infinity",
        "/ipv6 nd prefix default set preferred-lifetime=2d",
    ] {
        assert_eq!(c.run(line), "", "{line}");
    }
    assert_eq!(
        c.run("/ipv6 nd print"),
        "Flags: X - disabled, I - invalid\r\n \
         0   interface=ether2 ra-interval=3m20s-10m mtu=1480 ra-lifetime=none\r\n     \
         hop-limit=64 dns=2001:db8::53\r\n \
         1 X interface=all\r\n"
    );
    assert_eq!(
        c.run("/ipv6 nd prefix print"),
        "Columns: PREFIX, INTERFACE, VALID-LIFETIME, PREFERRED-LIFETIME\r\n\
         # PREFIX             INTERFACE  VALID-LIFETIME  PREFERRED-LIFETIME\r\n\
         0 2001:db8:0:2::/64  ether2     infinity        1w                \r\n"
    );
    assert_eq!(
        body(&c.run("/ipv6 nd export")),
        "/ipv6 nd\r\n\
         add dns=2001:db8::53 hop-limit=64 interface=ether2 mtu=1480 ra-lifetime=none\r\n\
         add disabled=yes interface=all\r\n\
         /ipv6 nd prefix\r\n\
         add interface=ether2 prefix=2001:db8:0:2::/64 valid-lifetime=infinity\r\n\
         /ipv6 nd prefix default\r\n\
         set preferred-lifetime=2d\r\n"
    );
    for (line, error) in [
        (
            "/ipv6 nd add interface=ether2",
            "failure: entry for this interface already exists",
        ),
        (
            "/ipv6 nd set 0 ra-interval=2s-10s",
            "invalid value for argument ra-interval",
        ),
        (
            "/ipv6 nd set 0 ra-interval=10s-31m",
            "invalid value for argument ra-interval",
        ),
        (
            "/ipv6 nd set 0 ra-interval=10m-3m",
            "invalid value for argument ra-interval",
        ),
        (
            "/ipv6 nd set 0 hop-limit=256",
            "invalid value for argument hop-limit",
        ),
        ("/ipv6 nd set 0 mtu=none", "invalid value for argument mtu"),
        (
            "/ipv6 nd set 0 ra-lifetime=unspecified",
            "invalid value for argument ra-lifetime",
        ),
        (
            "/ipv6 nd add interface=ether9",
            "input does not match any value of interface",
        ),
        (
            "/ipv6 nd prefix add prefix=2001:db8::/64",
            "missing value(s) of argument(s) interface",
        ),
    ] {
        assert_eq!(c.run(line), format!("{error}\r\n"), "{line}");
    }
    // Back to the defaults with `!`.
    c.run("/ipv6 nd set 0 !mtu !hop-limit !ra-interval !ra-lifetime !dns");
    assert_eq!(c.run(":put [/ipv6 nd get 0 ra-interval]"), "3m20s-10m\r\n");
    assert_eq!(c.run(":put [/ipv6 nd get 0 mtu]"), "unspecified\r\n");
}

#[test]
fn dhcpv6_clients_pools_and_settings() {
    let mut c = Console::new();
    for line in [
        "/ipv6 pool add name=pd prefix=2001:db8:7500::1/40 prefix-length=48",
        "/ipv6 dhcp-client add interface=ether1 request=prefix,address pool-name=pd pool-prefix-length=48 add-default-route=yes",
        "/ipv6 settings set accept-router-advertisements=yes max-neighbor-entries=1024",
    ] {
        assert_eq!(c.run(line), "", "{line}");
    }
    assert_eq!(
        c.run("/ipv6 pool print"),
        "Columns: NAME, PREFIX, PREFIX-LENGTH\r\n\
         # NAME  PREFIX              PREFIX-LENGTH\r\n\
         0 pd    2001:db8:7500::/40             48\r\n"
    );
    assert_eq!(
        body(&c.run("/ipv6 export")),
        "/ipv6 pool\r\n\
         add name=pd prefix=2001:db8:7500::/40 prefix-length=48\r\n\
         /ipv6 dhcp-client\r\n\
         add add-default-route=yes interface=ether1 pool-name=pd pool-prefix-length=48 \\\r\n    \
         request=prefix,address\r\n\
         /ipv6 settings\r\n\
         set accept-router-advertisements=yes max-neighbor-entries=1024\r\n"
    );
    assert!(
        c.run("/ipv6 settings print")
            .contains("accept-router-advertisements: yes\r\n")
    );
    for (line, error) in [
        (
            "/ipv6 pool add name=pd prefix=2001:db8:8000::/40 prefix-length=48",
            "failure: pool with such name already exists",
        ),
        (
            "/ipv6 pool add name=short prefix=2001:db8::/48 prefix-length=40",
            "invalid value for argument prefix-length",
        ),
        (
            "/ipv6 pool add name=bad prefix=10.0.0.0/8 prefix-length=64",
            "invalid value for argument prefix",
        ),
        (
            "/ipv6 dhcp-client add interface=ether1 request=prefix",
            "failure: dhcp-client already exists on this interface",
        ),
        (
            "/ipv6 dhcp-client add interface=ether2 request=everything",
            "invalid value for argument request",
        ),
        (
            "/ipv6 dhcp-client add interface=ether2 pool-length=129",
            "invalid value for argument pool-prefix-length",
        ),
        (
            "/ipv6 settings set forward=maybe",
            "invalid value for argument forward",
        ),
        (
            "/ipv6 settings set accept-redirects=yes",
            "invalid value for argument accept-redirects",
        ),
    ] {
        assert_eq!(c.run(line), format!("{error}\r\n"), "{line}");
    }
    // `pool-length` is another name for `pool-prefix-length`, exactly; abbreviations of it are not.
    assert_eq!(c.run("/ipv6 dhcp-client set [ find ] pool-length=56"), "");
    assert_eq!(
        c.run(":put [/ipv6 dhcp-client get [ find ] pool-prefix-length]"),
        "56\r\n"
    );
    assert_eq!(
        c.run("/ipv6 dhcp-client set [ find ] pool-len=56"),
        "expected end of command (line 1 column 32)\r\n"
    );
    // A pool is named, not referenced: an address may come from a pool a client makes later.
    assert_eq!(
        c.run("/ipv6 address add from-pool=not-yet interface=ether2 eui-64=yes"),
        ""
    );
}

#[test]
fn ipv6_firewall_rules_have_the_ipv4_properties_with_ipv6_values() {
    let mut c = Console::new();
    for line in [
        "/ipv6 firewall address-list add list=bad_ipv6 address=::1 comment=\"defconf: lo\"",
        "/ipv6 firewall address-list add list=bad_ipv6 address=fec0::/10",
        "/ipv6 firewall address-list add list=bad_ipv6 address=::ffff:0.0.0.0/96",
        "/ipv6 firewall address-list add list=ranged address=2001:db8::9-2001:db8::1",
        "/ipv6 firewall filter add chain=input action=accept protocol=icmpv6",
        "/ipv6 firewall filter add chain=input action=accept protocol=udp dst-port=546 src-address=fe80::/10 hop-limit=equal:255 limit=10,5:packet",
        "/ipv6 firewall filter add chain=forward action=drop src-address-list=bad_ipv6 dst-address=!2001:db8::/32 in-interface=!ether2",
        "/ipv6 firewall filter add chain=forward action=reject reject-with=icmp-no-route protocol=ipv6-icmp icmp-options=1:0",
        "/ipv6 firewall filter add chain=input action=jump jump-target=icmp6 place-before=*1",
        "/ipv6 firewall nat add chain=dstnat action=dst-nat protocol=tcp dst-port=443 to-address=fded::4443/128 to-ports=443",
        "/ipv6 firewall nat add chain=srcnat action=masquerade out-interface=ether1",
        "/ipv6 firewall mangle add chain=forward action=change-mss new-mss=clamp-to-pmtu protocol=tcp tcp-flags=syn",
        "/ipv6 firewall mangle add chain=prerouting action=change-hop-limit new-hop-limit=increment:1",
        "/ipv6 firewall raw add chain=prerouting action=notrack dst-address=ff02::/16",
    ] {
        assert_eq!(c.run(line), "", "{line}");
    }
    assert_eq!(
        c.run("/ipv6 firewall filter print"),
        "Flags: X - disabled, I - invalid; D - dynamic\r\n \
         0    chain=input action=jump jump-target=icmp6\r\n \
         1    chain=input action=accept protocol=icmpv6\r\n \
         2    chain=input action=accept src-address=fe80::/10 protocol=udp dst-port=546\r\n      \
         hop-limit=equal:255 limit=10,5:packet\r\n \
         3    chain=forward action=drop dst-address=!2001:db8::/32\r\n      \
         src-address-list=bad_ipv6 in-interface=!ether2\r\n \
         4    chain=forward action=reject protocol=ipv6-icmp icmp-options=1:0\r\n      \
         reject-with=icmp-no-route\r\n"
    );
    assert_eq!(
        body(&c.run("/ipv6 firewall address-list export")),
        "/ipv6 firewall address-list\r\n\
         add address=::1/128 comment=\"defconf: lo\" list=bad_ipv6\r\n\
         add address=fec0::/10 list=bad_ipv6\r\n\
         add address=::ffff:0.0.0.0/96 list=bad_ipv6\r\n\
         add address=2001:db8::1-2001:db8::9 list=ranged\r\n"
    );
    assert_eq!(
        body(&c.run("/ipv6 firewall nat export")),
        "/ipv6 firewall nat\r\n\
         add action=dst-nat chain=dstnat dst-port=443 protocol=tcp \\\r\n    \
         to-address=fded::4443/128 to-ports=443\r\n\
         add action=masquerade chain=srcnat out-interface=ether1\r\n"
    );
    assert_eq!(
        c.run("/ipv6 firewall address-list print count-only where address in fec0::/8"),
        "1\r\n"
    );
    // A rule on a removed... renamed interface follows it, as IPv4 rules do.
    c.run("/interface ethernet set ether2 name=lan");
    assert!(
        c.run("/ipv6 firewall filter print")
            .contains("in-interface=!lan")
    );
    // The counters are nobody's yet: resetting them is no error.
    assert_eq!(c.run("/ipv6 firewall filter reset-counters 0"), "");
    assert_eq!(c.run("/ipv6 firewall filter reset-counters-all"), "");
    for (line, error) in [
        (
            "/ipv6 firewall filter add chain=input src-address=192.168.88.0/24",
            "invalid value for argument src-address",
        ),
        (
            "/ipv6 firewall filter add chain=input action=tarpit",
            "invalid value for argument action",
        ),
        (
            "/ipv6 firewall filter add chain=input ttl=equal:1",
            "expected end of command (line 1 column 39)",
        ),
        (
            "/ipv6 firewall filter add chain=input action=jump",
            "failure: jump-target not specified",
        ),
        (
            "/ipv6 firewall filter add chain=input action=reject reject-with=icmp-host-prohibited",
            "invalid value for argument reject-with",
        ),
        (
            "/ipv6 firewall filter add chain=input protocol=bogus",
            "invalid value for argument protocol",
        ),
        (
            "/ipv6 firewall filter add chain=input hop-limit=255",
            "invalid value for argument hop-limit",
        ),
        (
            "/ipv6 firewall filter add chain=input limit=fast",
            "invalid value for argument limit",
        ),
        (
            "/ipv6 firewall filter add chain=input connection-limit=10,129",
            "invalid value for argument connection-limit",
        ),
        (
            "/ipv6 firewall filter add chain=input action=add-src-to-address-list",
            "failure: address-list not specified",
        ),
        (
            "/ipv6 firewall nat add chain=srcnat action=src-nat",
            "failure: to-address not specified",
        ),
        (
            "/ipv6 firewall nat add chain=dstnat action=dst-nat to-address=fded::1 to-ports=80",
            "failure: to-ports can be used only with protocol tcp, udp, udp-lite, dccp, sctp",
        ),
        (
            "/ipv6 firewall nat add chain=srcnat action=masquerade to-address=fded::1",
            "failure: to-address can be used only with action src-nat, dst-nat or netmap",
        ),
        (
            "/ipv6 firewall mangle add chain=forward action=change-ttl new-ttl=set:1",
            "expected end of command (line 1 column 59)",
        ),
        (
            "/ipv6 firewall mangle add chain=forward action=change-hop-limit",
            "failure: new-hop-limit not specified",
        ),
        (
            "/ipv6 firewall raw add chain=prerouting action=strip-ipv4-options",
            "invalid value for argument action",
        ),
        (
            "/ipv6 firewall address-list add list=bad_ipv6 address=fec0::/10",
            "failure: already have such entry",
        ),
        (
            "/ipv6 firewall address-list add list=x address=10.0.0.0/8",
            "invalid value for argument address",
        ),
    ] {
        assert_eq!(c.run(line), format!("{error}\r\n"), "{line}");
    }
    assert_eq!(
        c.config
            .items(menus::menu("ipv6/firewall/filter").unwrap())
            .len(),
        5
    );
}

#[test]
fn tab_and_help_come_from_the_model() {
    let c = Console::new();
    let tab = |current: &str, text: &str| complete::complete(&c.config, current, text);
    assert_eq!(tab("", "/ipv").insert, "6 ");
    assert_eq!(tab("ipv6", "fi").insert, "rewall ");
    assert_eq!(
        tab("ipv6/firewall/filter", "add chain=").candidates,
        ["forward", "input", "output"]
    );
    assert_eq!(tab("ipv6/nd", "add mtu=un").insert, "specified ");
    assert_eq!(
        tab("ipv6/dhcp-client", "add request=").candidates,
        ["address", "prefix"]
    );
    assert_eq!(
        tab("ipv6/address", "add interface=ether").candidates,
        ["ether1", "ether2"]
    );
    assert_eq!(tab("system/package", "en").insert, "able ");
    let help = complete::help(&c.config, "ipv6/nd", "add ra-interval=").join("\n");
    assert!(help.contains("time[-time]"), "{help}");
    let help = complete::help(&c.config, "ipv6/route", "add dst-address=").join("\n");
    assert!(help.contains("IPv6 prefix"), "{help}");
    let help = complete::help(&c.config, "", "/ipv6 ").join("\n");
    assert!(help.contains("firewall"), "{help}");
}
