//! `/ip pool`, `/ip dhcp-server`, `network` and `lease` turned into running servers: seed 001's LAN
//! server, options from the network, the DNS fallback, static leases, disabled servers, and what
//! `/ip dhcp-server lease print` shows of the leases.

use alloc::string::String;
use alloc::vec::Vec;

use netstack::dhcp_server::{DhcpServers, LeaseStatus};
use netstack::{Duration, Instant};
use smoltcp::wire::{DhcpMessageType, DhcpPacket, DhcpRepr, EthernetAddress, Ipv4Address};

use super::*;
use crate::apply::apply;
use crate::apply::dhcp_server::{lease_id, lease_items, lease_status, remove_lease, servers};

fn lan(d: u8) -> Ipv4Address {
    Ipv4Address::new(192, 168, 88, d)
}

/// The SOHO router with seed 001's LAN DHCP server.
fn soho_server() -> Config {
    let mut config = soho();
    add(
        &mut config,
        "ip/pool",
        &[
            ("name", "dhcp_pool_lan"),
            ("ranges", "192.168.88.10-192.168.88.254"),
        ],
    );
    add(
        &mut config,
        "ip/dhcp-server",
        &[
            ("name", "dhcp_server_lan"),
            ("interface", "ether2"),
            ("address-pool", "dhcp_pool_lan"),
            ("lease-time", "10m"),
        ],
    );
    add(
        &mut config,
        "ip/dhcp-server/network",
        &[
            ("address", "192.168.88.0/24"),
            ("gateway", "192.168.88.1"),
            ("dns-server", "192.168.88.1"),
            ("domain", "lan"),
            ("ntp-server", "192.168.88.1"),
        ],
    );
    config
}

fn engine_for(config: &Config) -> FirewallEngine {
    let now = Instant::from_secs(1);
    let mut engine = fresh_engine(now);
    apply(config, &mut engine, now).unwrap();
    engine
}

use crate::apply::FirewallEngine;

#[test]
fn seed_001s_server_serves_ether2_with_the_networks_options() {
    let config = soho_server();
    let engine = engine_for(&config);
    let running = servers(&config, &engine);
    assert_eq!(running.len(), 1);
    let (interface, server) = &running[0];
    assert_eq!(engine.interfaces().get(*interface).unwrap().name, "ether2");
    assert_eq!(server.name, "dhcp_server_lan");
    assert_eq!(server.server_address, lan(1));
    assert_eq!(server.lease_time, Duration::from_secs(600));
    assert!(server.authoritative);
    let pool = server.pool.as_ref().unwrap();
    assert!(pool.contains(lan(10)) && pool.contains(lan(254)) && !pool.contains(lan(9)));
    assert_eq!(server.options.routers, [lan(1)]);
    assert_eq!(server.options.dns_servers, [lan(1)]);
    assert_eq!(server.options.ntp_servers, [lan(1)]);
    assert_eq!(server.options.domain.as_deref(), Some("lan"));
    assert_eq!(
        server.options.subnet_mask,
        Some(Ipv4Address::new(255, 255, 255, 0))
    );
}

#[test]
fn without_dns_server_clients_get_the_router_when_it_answers_dns() {
    let mut config = soho_server();
    let network = config.items(menu("ip/dhcp-server/network"))[0].id;
    config
        .set(
            menu("ip/dhcp-server/network"),
            network,
            &[Change::Unset(
                menu("ip/dhcp-server/network").prop("dns-server").unwrap(),
            )],
        )
        .unwrap();
    let dns = menu("ip/dns");
    let set_dns = |config: &mut Config, pairs: &[(&str, &str)]| {
        let id = config.singleton(dns).map_or(0, |i| i.id);
        config.set(dns, id, &changes(dns, pairs)).unwrap();
    };
    set_dns(&mut config, &[("servers", "9.9.9.9")]);
    let engine = engine_for(&config);
    assert_eq!(
        servers(&config, &engine)[0].1.options.dns_servers,
        [Ipv4Address::new(9, 9, 9, 9)],
        "the router's DNS servers"
    );
    set_dns(&mut config, &[("allow-remote-requests", "yes")]);
    assert_eq!(
        servers(&config, &engine)[0].1.options.dns_servers,
        [lan(1)],
        "the router answers DNS itself"
    );
}

#[test]
fn disabled_servers_and_servers_without_an_address_do_not_run() {
    let mut config = soho_server();
    let id = config.items(menu("ip/dhcp-server"))[0].id;
    set(&mut config, "ip/dhcp-server", id, &[("disabled", "yes")]);
    assert!(servers(&config, &engine_for(&config)).is_empty());
    set(&mut config, "ip/dhcp-server", id, &[("disabled", "no")]);
    // A second server on ether1's address is fine; one on an interface without one is not run.
    let mut other = soho_server();
    let address = find(&other, "ip/address", "address", "192.168.88.1/24").id;
    other.remove(menu("ip/address"), address).unwrap();
    assert!(servers(&other, &engine_for(&other)).is_empty());
}

#[test]
fn static_leases_and_static_only() {
    let mut config = soho_server();
    add(
        &mut config,
        "ip/dhcp-server/lease",
        &[
            ("address", "192.168.88.50"),
            ("mac-address", "02:00:00:00:00:07"),
            ("server", "dhcp_server_lan"),
        ],
    );
    add(
        &mut config,
        "ip/dhcp-server/lease",
        &[
            ("address", "192.168.88.51"),
            ("mac-address", "02:00:00:00:00:08"),
        ],
    );
    // Outside the server's network: not its lease.
    add(
        &mut config,
        "ip/dhcp-server/lease",
        &[
            ("address", "10.0.0.5"),
            ("mac-address", "02:00:00:00:00:09"),
        ],
    );
    let id = config.items(menu("ip/dhcp-server"))[0].id;
    set(
        &mut config,
        "ip/dhcp-server",
        id,
        &[("address-pool", "static-only")],
    );
    let engine = engine_for(&config);
    let running = servers(&config, &engine);
    let server = &running[0].1;
    assert!(server.pool.is_none());
    let statics: Vec<(u8, u8)> = server
        .static_leases
        .iter()
        .map(|s| (s.mac.0[5], s.address.octets()[3]))
        .collect();
    assert_eq!(statics, [(7, 50), (8, 51)]);
}

/// A UDP datagram from 0.0.0.0:68 to 255.255.255.255:67 in a broadcast frame from `mac`.
fn broadcast_from(mac: EthernetAddress, payload: &[u8]) -> Vec<u8> {
    use smoltcp::phy::ChecksumCapabilities;
    use smoltcp::wire::{
        EthernetFrame, EthernetProtocol, IpProtocol, Ipv4Packet, Ipv4Repr, UdpPacket, UdpRepr,
    };
    let (src, dst) = (Ipv4Address::UNSPECIFIED, Ipv4Address::BROADCAST);
    let udp = UdpRepr {
        src_port: 68,
        dst_port: 67,
    };
    let ip = Ipv4Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: IpProtocol::Udp,
        payload_len: udp.header_len() + payload.len(),
        hop_limit: 64,
    };
    let mut frame = alloc::vec![0; 14 + ip.buffer_len() + ip.payload_len];
    let mut eth = EthernetFrame::new_unchecked(&mut frame[..]);
    eth.set_src_addr(mac);
    eth.set_dst_addr(EthernetAddress::BROADCAST);
    eth.set_ethertype(EthernetProtocol::Ipv4);
    let caps = ChecksumCapabilities::default();
    let mut packet = Ipv4Packet::new_unchecked(eth.payload_mut());
    ip.emit(&mut packet, &caps);
    let mut datagram = UdpPacket::new_unchecked(packet.payload_mut());
    udp.emit(
        &mut datagram,
        &src.into(),
        &dst.into(),
        payload.len(),
        |out| out.copy_from_slice(payload),
        &caps,
    );
    frame
}

/// A DISCOVER and REQUEST from `mac` through the service.
fn bind(
    servers: &mut DhcpServers,
    engine: &mut FirewallEngine,
    mac: EthernetAddress,
    now: Instant,
) {
    let lan_port = engine
        .interfaces()
        .iter()
        .find(|(_, i)| i.name == "ether2")
        .unwrap()
        .0;
    let mut requested = None;
    for kind in [DhcpMessageType::Discover, DhcpMessageType::Request] {
        let repr = DhcpRepr {
            message_type: kind,
            transaction_id: 1,
            secs: 0,
            client_hardware_address: mac,
            client_ip: Ipv4Address::UNSPECIFIED,
            your_ip: Ipv4Address::UNSPECIFIED,
            server_ip: Ipv4Address::UNSPECIFIED,
            router: None,
            subnet_mask: None,
            relay_agent_ip: Ipv4Address::UNSPECIFIED,
            broadcast: false,
            requested_ip: requested,
            client_identifier: None,
            server_identifier: requested.map(|_| lan(1)),
            parameter_request_list: None,
            dns_servers: None,
            max_size: None,
            lease_duration: None,
            renew_duration: None,
            rebind_duration: None,
            additional_options: &[],
        };
        let mut bytes = alloc::vec![0; repr.buffer_len()];
        repr.emit(&mut DhcpPacket::new_unchecked(&mut bytes[..]))
            .unwrap();
        let frame = broadcast_from(mac, &bytes);
        engine.receive(lan_port, &frame, now);
        servers.run(engine, now);
        requested = Some(lan(254));
    }
}

#[test]
fn lease_print_shows_dynamic_leases_and_the_state_of_static_ones() {
    let mut config = soho_server();
    add(
        &mut config,
        "ip/dhcp-server/lease",
        &[
            ("address", "192.168.88.50"),
            ("mac-address", "02:00:00:00:00:07"),
        ],
    );
    let mut engine = engine_for(&config);
    let mut running = DhcpServers::new();
    running.configure(servers(&config, &engine));
    let now = Instant::from_secs(100);
    let client = EthernetAddress([2, 0, 0, 0, 0, 1]);
    bind(&mut running, &mut engine, client, now);
    let lease_menu = menu("ip/dhcp-server/lease");
    let later = now + Duration::from_secs(60);
    let items = lease_items(lease_menu, &running, later);
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item.id, lease_id("dhcp_server_lan", client));
    assert!(item.id >= crate::apply::FIRST_DYNAMIC_ID);
    for (prop, value) in [
        ("address", "192.168.88.254"),
        ("mac-address", "02:00:00:00:00:01"),
        ("server", "dhcp_server_lan"),
        ("status", "bound"),
        ("expires-after", "9m"),
        ("last-seen", "1m"),
        ("dynamic", "yes"),
    ] {
        assert_eq!(item.get(prop), Some(value), "{prop}");
    }
    let static_item = &config.items(lease_menu)[0];
    let status = lease_status(lease_menu, static_item, &running, later);
    assert_eq!(status, [("status", String::from("waiting"))]);
    assert!(remove_lease(&mut running, item.id));
    assert!(lease_items(lease_menu, &running, later).is_empty());
    assert!(!remove_lease(&mut running, item.id));
    let _ = LeaseStatus::Bound;
}

/// The kernel's `SystemControl` as far as leases go: an engine and its DHCP servers.
struct LeaseSystem {
    engine: FirewallEngine,
    servers: DhcpServers,
    now: Instant,
}

impl crate::shell::SystemControl for LeaseSystem {
    fn resource(&self) -> crate::resource::ResourceInfo {
        crate::resource::ResourceInfo::default()
    }
    fn reboot(&mut self) {}
    fn shutdown(&mut self) {}
    fn apply(&mut self, config: &Config) -> Result<(), String> {
        apply(config, &mut self.engine, self.now).map_err(|e| alloc::format!("{e}"))?;
        self.servers.configure(servers(config, &self.engine));
        Ok(())
    }
    fn status(&self, _: &Config, menu: &MenuDef, item: &Item) -> Vec<(&'static str, String)> {
        match menu.storage {
            "ip/dhcp-server/lease" => lease_status(menu, item, &self.servers, self.now),
            _ => Vec::new(),
        }
    }
    fn dynamic_items(&self, _: &Config, menu: &MenuDef) -> Vec<Item> {
        match menu.storage {
            "ip/dhcp-server/lease" => lease_items(menu, &self.servers, self.now),
            _ => Vec::new(),
        }
    }
    fn remove_dynamic(&mut self, _: &Config, _: &MenuDef, id: u32) -> Result<(), String> {
        remove_lease(&mut self.servers, id)
            .then_some(())
            .ok_or_else(|| String::from("no such item"))
    }
}

fn run(
    config: &mut Config,
    session: &mut crate::cli::Session,
    system: &mut LeaseSystem,
    line: &str,
) -> String {
    let mut out = String::new();
    let result = crate::cli::run(
        line,
        crate::cli::Mode::Interactive,
        config,
        session,
        system,
        &mut out,
    );
    assert!(result.error.is_none(), "{line}: {:?}\n{out}", result.error);
    out
}

#[test]
fn lease_print_make_static_and_remove_on_the_console() {
    let mut config = soho_server();
    let mut engine = engine_for(&config);
    let mut running = DhcpServers::new();
    running.configure(servers(&config, &engine));
    let now = Instant::from_secs(100);
    bind(
        &mut running,
        &mut engine,
        EthernetAddress([2, 0, 0, 0, 0, 1]),
        now,
    );
    bind(
        &mut running,
        &mut engine,
        EthernetAddress([2, 0, 0, 0, 0, 2]),
        now,
    );
    let mut system = LeaseSystem {
        engine,
        servers: running,
        // Times are shown in whole seconds.
        now: now + Duration::from_millis(5_250),
    };
    let mut session = crate::cli::Session::new();
    let printed = run(
        &mut config,
        &mut session,
        &mut system,
        "/ip dhcp-server lease print",
    );
    assert!(
        printed.contains("ADDRESS")
            && printed.contains("MAC-ADDRESS")
            && printed.contains("LAST-SEEN"),
        "{printed}"
    );
    let row = printed
        .lines()
        .find(|l| l.contains("192.168.88.254"))
        .expect(&printed);
    for word in ["D", "02:00:00:00:00:01", "dhcp_server_lan", "bound", "5s"] {
        assert!(row.split_whitespace().any(|w| w == word), "{word} in {row}");
    }
    let detail = run(
        &mut config,
        &mut session,
        &mut system,
        "/ip dhcp-server lease print detail",
    );
    assert!(detail.contains("expires-after=9m54s"), "{detail}");

    run(
        &mut config,
        &mut session,
        &mut system,
        "/ip dhcp-server lease make-static [find where mac-address=02:00:00:00:00:01]",
    );
    use crate::shell::SystemControl;
    system.apply(&config).unwrap();
    let statics = config.items(menu("ip/dhcp-server/lease"));
    assert_eq!(statics.len(), 1);
    let exported = run(
        &mut config,
        &mut session,
        &mut system,
        "/ip dhcp-server lease export",
    );
    assert!(
        exported.contains(
            "add address=192.168.88.254 mac-address=02:00:00:00:00:01 server=dhcp_server_lan"
        ),
        "{exported}"
    );
    let printed = run(
        &mut config,
        &mut session,
        &mut system,
        "/ip dhcp-server lease print",
    );
    let row = printed
        .lines()
        .find(|l| l.contains("192.168.88.254"))
        .expect(&printed);
    assert!(
        row.contains("bound") && !row.split_whitespace().any(|w| w == "D"),
        "{row}"
    );

    run(
        &mut config,
        &mut session,
        &mut system,
        "/ip dhcp-server lease remove [find where dynamic]",
    );
    assert!(lease_items(menu("ip/dhcp-server/lease"), &system.servers, system.now).is_empty());
}
