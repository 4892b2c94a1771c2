//! Routes whose `gateway=` names an interface, typed at the console of the SOHO router: the interface is
//! kept as a reference, so after `/interface set ether1 name=ether1-wan` `print` and `export` show the
//! new name, the engine keeps the same routes and forwards through them, and the export imports back
//! to the same routes.

use alloc::string::String;
use alloc::vec::Vec;

use super::console::{Console, EngineSystem};
use super::frames::{header, ip, ping};
use super::*;
use crate::cli::{self, Mode, Session};

/// The engine's static routes: (id, destination, gateways).
fn engine_routes(console: &Console) -> Vec<String> {
    console
        .system
        .router
        .engine
        .routes()
        .iter()
        .filter(|r| r.flags.static_route)
        .map(|r| alloc::format!("{:?} {} {:?}", r.id, r.dst, r.gateways))
        .collect()
}

/// A ping from the LAN host to `dst`: the packet that left the WAN port, if any.
fn forwarded(console: &mut Console, dst: smoltcp::wire::Ipv4Address) -> Vec<Vec<u8>> {
    let lan_host = ip(192, 168, 88, LAN_HOST);
    console.router().send(1, &ping(lan_host, dst, 9), 0)
}

#[test]
fn interface_gateways_follow_a_rename() {
    let mut console = Console::new();
    assert_eq!(
        console.run("/ip route add dst-address=203.0.113.0/24 gateway=ether1"),
        ""
    );
    assert_eq!(
        console.run("/ip route add dst-address=192.0.2.0/24 gateway=198.51.100.1%ether1"),
        ""
    );
    // Stored as references to the interface item, the address as written.
    let ether1 = find(&console.config, "interface", "name", "ether1").id;
    let stored: Vec<_> = console
        .config
        .items(menu("ip/route"))
        .iter()
        .filter_map(|i| i.get("gateway"))
        .map(String::from)
        .collect();
    assert_eq!(
        stored,
        [
            String::from("198.51.100.1"),
            alloc::format!("*{ether1:X}"),
            alloc::format!("198.51.100.1%*{ether1:X}")
        ]
    );
    let routes_before = engine_routes(&console);
    assert_eq!(routes_before.len(), 3);

    assert_eq!(console.run("/interface set ether1 name=ether1-wan"), "");
    assert_eq!(
        console.run("/ip route print where static"),
        "Flags: A - ACTIVE; s - STATIC\r\n\
         Columns: DST-ADDRESS, GATEWAY, DISTANCE\r\n\
         #    DST-ADDRESS     GATEWAY                  DISTANCE\r\n\
         0 As 0.0.0.0/0       198.51.100.1                    1\r\n\
         1 As 203.0.113.0/24  ether1-wan                      1\r\n\
         2 As 192.0.2.0/24    198.51.100.1%ether1-wan         1\r\n"
    );
    assert_eq!(
        console.run(":put [/ip route get [find dst-address=203.0.113.0/24] gateway]"),
        "ether1-wan\r\n"
    );
    let export = console.run("/ip route export");
    assert!(
        export.contains(
            "/ip route\r\n\
             add gateway=198.51.100.1\r\n\
             add dst-address=203.0.113.0/24 gateway=ether1-wan\r\n\
             add dst-address=192.0.2.0/24 gateway=198.51.100.1%ether1-wan\r\n"
        ),
        "{export}"
    );
    // The rename changed no engine route, and both routes still lead out of the WAN port.
    assert_eq!(engine_routes(&console), routes_before);
    // The on-link destination answers ARP itself.
    console.router().hosts[0].1 = ip(203, 0, 113, 5);
    let out = forwarded(&mut console, ip(203, 0, 113, 5));
    assert_eq!(out.len(), 1, "on-link route via ether1-wan");
    assert_eq!(header(&out[0]).1, ip(203, 0, 113, 5));
    console.router().hosts[0].1 = ip(198, 51, 100, 1);
    let out = forwarded(&mut console, ip(192, 0, 2, 7));
    assert_eq!(out.len(), 1, "route via 198.51.100.1%ether1-wan");
    assert_eq!(header(&out[0]).1, ip(192, 0, 2, 7));

    // A gateway naming no interface is refused, and the name now in use works.
    assert_eq!(
        console.run("/ip route add dst-address=10.9.0.0/16 gateway=ether1"),
        "invalid value for argument gateway\r\n"
    );
    assert_eq!(
        console.run("/ip route add dst-address=10.9.0.0/16 gateway=ether1-wan"),
        ""
    );

    // The whole export imports back to the same routes.
    let exported = console.run("/export").replace("\r\n", "\n");
    let now = console.system.router.now;
    let mut imported = Config::new();
    ensure_system_items(&mut imported, &[WAN_MAC, LAN_MAC]);
    let mut system = EngineSystem {
        router: router(fresh_engine(now), now),
    };
    let mut out = String::new();
    let result = cli::run(
        &exported,
        Mode::Batch,
        &mut imported,
        &mut Session::new(),
        &mut system,
        &mut out,
    );
    assert_eq!(result.error, None, "{out}\n{exported}");
    for path in ["interface", "ip/route"] {
        assert_eq!(
            imported.items(menu(path)),
            console.config.items(menu(path)),
            "{exported}"
        );
    }
    let mut again = String::new();
    cli::run(
        "/ip route export",
        Mode::Interactive,
        &mut imported,
        &mut Session::new(),
        &mut system,
        &mut again,
    );
    assert_eq!(again, console.run("/ip route export"));
}
