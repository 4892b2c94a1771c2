//! The SOHO configuration users run (defconf filter, masquerade to the WAN, a port forward, hairpin) as
//! rule sets on the engine, with whole TCP/UDP/ICMP conversations pushed through it.

mod common;

use common::*;
use netstack::conntrack::ConntrackSettings;
use netstack::firewall::spec::{AddrRange, PortRange, Table};
use netstack::firewall::{ActionSpec, Firewall, Match, RuleSpec};
use netstack::flow::ConnState;
use netstack::interface::InterfaceId;
use netstack::route::{Gateway, StaticRoute};
use netstack::verdict::DropReason;
use netstack::{Engine, EngineConfig, Instant};
use smoltcp::wire::{EthernetAddress, IpProtocol, Ipv4Cidr};

const WAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x01]);
const LAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x02]);

/// ether1 WAN 10.0.0.1/24 (ISP gateway 10.0.0.2, default route), ether2 LAN 192.168.88.1/24; lists WAN
/// and LAN; the defconf filter, masquerade out of WAN, TCP 8080 on the WAN forwarded to
/// 192.168.88.10:80, and the hairpin masquerade for it.
struct Soho {
    engine: Engine<Firewall>,
    wan: InterfaceId,
    lan: InterfaceId,
    now: Instant,
}

fn rule(id: u32, chain: &str) -> RuleSpec {
    RuleSpec::new(id, chain)
}

fn defconf_filter() -> Vec<RuleSpec> {
    netstack::firewall::defconf::filter(1)
}

fn nat_rules() -> Vec<RuleSpec> {
    vec![
        rule(20, "srcnat")
            .with(Match::OutInterfaceList("WAN".into()))
            .action(ActionSpec::Masquerade { to_ports: None }),
        rule(21, "dstnat")
            .with(Match::InInterfaceList("WAN".into()))
            .with(Match::Protocol(6))
            .with(Match::DstPort(vec![PortRange::single(8080)]))
            .action(ActionSpec::DstNat {
                to_addresses: Some(AddrRange::single(ip(192, 168, 88, 10))),
                to_ports: Some(PortRange::single(80)),
            }),
        // Hairpin: LAN clients reaching the forwarded port through the WAN address.
        rule(22, "dstnat")
            .with(Match::SrcAddress(AddrRange::prefix(Ipv4Cidr::new(
                ip(192, 168, 88, 0),
                24,
            ))))
            .with(Match::DstAddress(AddrRange::single(ip(10, 0, 0, 1))))
            .with(Match::Protocol(6))
            .with(Match::DstPort(vec![PortRange::single(8080)]))
            .action(ActionSpec::DstNat {
                to_addresses: Some(AddrRange::single(ip(192, 168, 88, 10))),
                to_ports: Some(PortRange::single(80)),
            }),
        rule(23, "srcnat")
            .with(Match::SrcAddress(AddrRange::prefix(Ipv4Cidr::new(
                ip(192, 168, 88, 0),
                24,
            ))))
            .with(Match::DstAddress(AddrRange::single(ip(192, 168, 88, 10))))
            .with(Match::OutInterface("ether2".into()))
            .action(ActionSpec::Masquerade { to_ports: None }),
    ]
}

impl Soho {
    fn new() -> Self {
        Self::with(
            &defconf_filter(),
            &nat_rules(),
            &[],
            Gateway::Address(ip(10, 0, 0, 2)),
        )
    }

    /// The SOHO topology with the given rule sets and default gateway.
    fn with(
        filter: &[RuleSpec],
        nat: &[RuleSpec],
        mangle: &[RuleSpec],
        default_gateway: Gateway,
    ) -> Self {
        let now = Instant::from_secs(100);
        let firewall = Firewall::new(ConntrackSettings::default(), 42);
        let mut engine = Engine::with_hooks(EngineConfig::default(), firewall, now);
        let wan = engine.add_interface("ether1", WAN_MAC).unwrap();
        let lan = engine.add_interface("ether2", LAN_MAC).unwrap();
        let lists = engine.interface_lists_mut();
        let (wan_list, lan_list) = (lists.add("WAN").unwrap(), lists.add("LAN").unwrap());
        lists.add_member(wan_list, wan);
        lists.add_member(lan_list, lan);
        engine
            .add_address(Ipv4Cidr::new(ip(10, 0, 0, 1), 24), wan)
            .unwrap();
        engine
            .add_address(Ipv4Cidr::new(ip(192, 168, 88, 1), 24), lan)
            .unwrap();
        engine
            .routes_mut()
            .add_static(StaticRoute::via(
                Ipv4Cidr::new(ip(0, 0, 0, 0), 0),
                &[default_gateway],
            ))
            .unwrap();
        engine
            .add_static_arp(wan, ip(10, 0, 0, 2), mac(2), now)
            .unwrap();
        for host in [10, 20] {
            engine
                .add_static_arp(lan, ip(192, 168, 88, host), mac(host), now)
                .unwrap();
        }
        let (interfaces, lists) = (
            engine.interfaces().clone(),
            engine.interface_lists().clone(),
        );
        let firewall = engine.hooks_mut();
        firewall
            .set_rules(Table::Filter, filter, &interfaces, &lists)
            .unwrap();
        firewall
            .set_rules(Table::Nat, nat, &interfaces, &lists)
            .unwrap();
        firewall
            .set_rules(Table::Mangle, mangle, &interfaces, &lists)
            .unwrap();
        let mut soho = Self {
            engine,
            wan,
            lan,
            now,
        };
        soho.sent(wan);
        soho.sent(lan);
        soho
    }

    fn sent(&mut self, interface: InterfaceId) -> Vec<Vec<u8>> {
        let mut packets = Vec::new();
        self.engine.transmit(interface, |frame| {
            if let Sent::Ipv4 { ip, .. } = parse(frame) {
                packets.push(ip);
            }
            true
        });
        packets
    }

    fn send_from_lan(&mut self, host: u8, ip_packet: &[u8]) {
        self.engine.receive(
            self.lan,
            &ipv4_frame(mac(host), LAN_MAC, ip_packet),
            self.now,
        );
    }

    fn send_from_wan(&mut self, ip_packet: &[u8]) {
        self.engine
            .receive(self.wan, &ipv4_frame(mac(2), WAN_MAC, ip_packet), self.now);
    }

    fn one(&mut self, interface: InterfaceId) -> Vec<u8> {
        let mut packets = self.sent(interface);
        assert_eq!(
            packets.len(),
            1,
            "expected one packet out of {interface:?}, got {}",
            packets.len()
        );
        packets.remove(0)
    }
}

fn tcp(
    src: smoltcp::wire::Ipv4Address,
    dst: smoltcp::wire::Ipv4Address,
    sport: u16,
    dport: u16,
    flags: u8,
    seq: u32,
    ack: u32,
) -> Vec<u8> {
    ipv4(
        src,
        dst,
        IpProtocol::Tcp,
        64,
        false,
        &tcp_payload(src, dst, sport, dport, flags, seq, ack, b""),
    )
}

#[test]
fn lan_connection_is_masqueraded_and_replies_are_restored() {
    let mut soho = Soho::new();
    let (client, server) = (ip(192, 168, 88, 10), ip(93, 184, 216, 34));
    soho.send_from_lan(10, &tcp(client, server, 40000, 80, SYN, 1000, 0));
    let syn = soho.one(soho.wan);
    assert_eq!(
        (ipv4_header(&syn).src_addr, ipv4_header(&syn).dst_addr),
        (ip(10, 0, 0, 1), server)
    );
    let (sport, dport, flags) = tcp_of(&syn);
    assert_eq!(
        (sport, dport, flags),
        (40000, 80, SYN),
        "port kept when free"
    );

    soho.send_from_wan(&tcp(
        server,
        ip(10, 0, 0, 1),
        80,
        sport,
        SYN | ACK,
        5000,
        1001,
    ));
    let syn_ack = soho.one(soho.lan);
    assert_eq!(ipv4_header(&syn_ack).dst_addr, client);
    assert_eq!(tcp_of(&syn_ack), (80, 40000, SYN | ACK));

    soho.send_from_lan(10, &tcp(client, server, 40000, 80, ACK, 1001, 5001));
    assert_eq!(ipv4_header(&soho.one(soho.wan)).src_addr, ip(10, 0, 0, 1));
    let connections = soho.engine.hooks().connections(soho.now);
    assert_eq!(connections.len(), 1);
    assert_eq!(connections[0].reply.dst, ip(10, 0, 0, 1));
}

#[test]
fn connections_from_the_wan_are_dropped_and_the_router_is_closed_to_it() {
    let mut soho = Soho::new();
    soho.send_from_wan(&tcp(
        ip(10, 0, 0, 2),
        ip(192, 168, 88, 10),
        5555,
        22,
        SYN,
        1,
        0,
    ));
    assert!(soho.sent(soho.lan).is_empty());
    soho.send_from_wan(&tcp(ip(10, 0, 0, 2), ip(10, 0, 0, 1), 5555, 22, SYN, 1, 0));
    assert!(
        soho.sent(soho.wan).is_empty(),
        "no RST from a router closed to the WAN"
    );
    assert_eq!(soho.engine.drops().get(DropReason::Filtered), 2);
    assert!(
        soho.engine.hooks().connections(soho.now).is_empty(),
        "dropped first packets leave no connection"
    );
    // Ping is allowed from anywhere by defconf.
    soho.send_from_wan(&echo_request(ip(10, 0, 0, 2), ip(10, 0, 0, 1), 64, 9, 1));
    assert_eq!(icmp_of(&soho.one(soho.wan)).0, 0);
}

#[test]
fn port_forward_reaches_the_lan_server_and_replies_leave_from_the_wan_address() {
    let mut soho = Soho::new();
    let outside = ip(10, 0, 0, 2);
    soho.send_from_wan(&tcp(outside, ip(10, 0, 0, 1), 6000, 8080, SYN, 1, 0));
    let syn = soho.one(soho.lan);
    assert_eq!(ipv4_header(&syn).dst_addr, ip(192, 168, 88, 10));
    assert_eq!(tcp_of(&syn), (6000, 80, SYN));
    soho.send_from_lan(
        10,
        &tcp(ip(192, 168, 88, 10), outside, 80, 6000, SYN | ACK, 9, 2),
    );
    let reply = soho.one(soho.wan);
    assert_eq!(ipv4_header(&reply).src_addr, ip(10, 0, 0, 1));
    assert_eq!(tcp_of(&reply), (8080, 6000, SYN | ACK));
}

#[test]
fn invalid_packets_are_dropped() {
    let mut soho = Soho::new();
    soho.send_from_lan(
        10,
        &tcp(
            ip(192, 168, 88, 10),
            ip(1, 1, 1, 1),
            40001,
            443,
            SYN | FIN,
            1,
            0,
        ),
    );
    assert!(soho.sent(soho.wan).is_empty());
    assert_eq!(soho.engine.drops().get(DropReason::Filtered), 1);
}

#[test]
fn icmp_errors_about_a_masqueraded_flow_are_translated_back() {
    let mut soho = Soho::new();
    let (client, server) = (ip(192, 168, 88, 10), ip(198, 51, 100, 7));
    let udp = udp_payload(client, server, 33000, 53, b"query");
    soho.send_from_lan(10, &ipv4(client, server, IpProtocol::Udp, 64, false, &udp));
    let out = soho.one(soho.wan);
    let (nat_port, _) = udp_of(&out);
    // The ISP's router says the port is unreachable, quoting the translated datagram.
    let mut error = vec![3u8, 3, 0, 0, 0, 0, 0, 0];
    error.extend_from_slice(&out);
    let sum = netstack::checksum::internet_checksum(&error);
    error[2..4].copy_from_slice(&sum.to_be_bytes());
    soho.send_from_wan(&ipv4(
        ip(10, 0, 0, 2),
        ip(10, 0, 0, 1),
        IpProtocol::Icmp,
        64,
        false,
        &error,
    ));
    let back = soho.one(soho.lan);
    assert_eq!(ipv4_header(&back).dst_addr, client);
    let (icmp_type, code, _, quoted) = icmp_of(&back);
    assert_eq!((icmp_type, code), (3, 3));
    assert_eq!(
        ipv4_header(&quoted).src_addr,
        client,
        "inner source restored"
    );
    assert_eq!(u16::from_be_bytes([quoted[20], quoted[21]]), 33000);
    assert_eq!(nat_port, 33000);
}

#[test]
fn hairpin_nat_lets_lan_clients_use_the_public_address() {
    let mut soho = Soho::new();
    let client = ip(192, 168, 88, 20);
    soho.send_from_lan(20, &tcp(client, ip(10, 0, 0, 1), 41000, 8080, SYN, 1, 0));
    let syn = soho.one(soho.lan);
    let header = ipv4_header(&syn);
    assert_eq!(
        (header.src_addr, header.dst_addr),
        (ip(192, 168, 88, 1), ip(192, 168, 88, 10))
    );
    let (sport, dport, _) = tcp_of(&syn);
    assert_eq!(dport, 80);
    soho.send_from_lan(
        10,
        &tcp(
            ip(192, 168, 88, 10),
            ip(192, 168, 88, 1),
            80,
            sport,
            SYN | ACK,
            7,
            2,
        ),
    );
    let reply = soho.one(soho.lan);
    let header = ipv4_header(&reply);
    assert_eq!(
        (header.src_addr, header.dst_addr),
        (ip(10, 0, 0, 1), client)
    );
    assert_eq!(tcp_of(&reply), (8080, 41000, SYN | ACK));
}

#[test]
fn established_connections_are_fasttracked() {
    let mut soho = Soho::new();
    let (client, server) = (ip(192, 168, 88, 10), ip(93, 184, 216, 34));
    soho.send_from_lan(10, &tcp(client, server, 40000, 80, SYN, 1000, 0));
    soho.sent(soho.wan);
    soho.send_from_wan(&tcp(
        server,
        ip(10, 0, 0, 1),
        80,
        40000,
        SYN | ACK,
        5000,
        1001,
    ));
    soho.sent(soho.lan);
    for _ in 0..5 {
        soho.send_from_lan(10, &tcp(client, server, 40000, 80, ACK, 1001, 5001));
        assert_eq!(
            ipv4_header(&soho.one(soho.wan)).src_addr,
            ip(10, 0, 0, 1),
            "NAT still applies"
        );
    }
    assert!(soho.engine.hooks().stats().fasttracked > 0);
    // FastTracked segments skip window tracking ("conntrack processing beyond the lookup"): a segment
    // far outside the window still passes, where the full path would call it invalid and drop it.
    soho.send_from_lan(10, &tcp(client, server, 40000, 80, ACK, 0x8000_0000, 5001));
    assert_eq!(soho.sent(soho.wan).len(), 1);
    // Nor is the TCP checksum verified for them (the end host drops a corrupt segment); before
    // FastTrack the same segment is invalid (see `invalid_packets_are_dropped`).
    let mut corrupt = tcp(client, server, 40000, 80, ACK, 1001, 5001);
    corrupt[36] ^= 0xFF;
    soho.send_from_lan(10, &corrupt);
    assert_eq!(soho.sent(soho.wan).len(), 1);
    let connection = &soho.engine.hooks().connections(soho.now)[0];
    assert!(
        connection.flag_letters().contains('F'),
        "flags {}",
        connection.flag_letters()
    );
}

#[test]
fn removing_the_wan_address_flushes_masqueraded_connections() {
    let mut soho = Soho::new();
    soho.send_from_lan(
        10,
        &tcp(
            ip(192, 168, 88, 10),
            ip(93, 184, 216, 34),
            40000,
            80,
            SYN,
            1,
            0,
        ),
    );
    soho.sent(soho.wan);
    assert_eq!(soho.engine.hooks().connections(soho.now).len(), 1);
    let wan_address = soho
        .engine
        .addresses()
        .iter()
        .find(|a| a.interface == soho.wan)
        .unwrap()
        .id;
    soho.engine.remove_address(wan_address);
    assert!(soho.engine.hooks().connections(soho.now).is_empty());
}

/// Seed 000 (SOHO packet flow): its filter, masquerade and web-traffic mangle rules, verbatim in meaning.
#[test]
fn seed_000_packet_flow_rules() {
    use ConnState::*;
    let wan = || "ether1".to_string();
    let filter = vec![
        rule(1, "forward").with(Match::ConnectionState(vec![Established, Related])),
        rule(2, "forward")
            .with(Match::ConnectionState(vec![Invalid]))
            .action(ActionSpec::Drop),
        rule(3, "forward")
            .with(Match::InInterface(wan()))
            .without(Match::OutInterface(wan()))
            .with(Match::ConnectionState(vec![New]))
            .action(ActionSpec::Drop),
        RuleSpec {
            disabled: true,
            ..rule(4, "input")
                .with(Match::Protocol(6))
                .with(Match::DstPort(vec![PortRange::single(8291)]))
                .with(Match::InInterface(wan()))
        },
        rule(5, "input").with(Match::Protocol(1)),
        rule(6, "input")
            .with(Match::InInterface(wan()))
            .action(ActionSpec::Drop),
        rule(7, "output"),
    ];
    let nat = vec![
        rule(10, "srcnat")
            .with(Match::OutInterface(wan()))
            .action(ActionSpec::Masquerade { to_ports: None }),
    ];
    let mangle = vec![
        rule(20, "forward")
            .with(Match::Protocol(6))
            .with(Match::DstPort(vec![
                PortRange::single(80),
                PortRange::single(443),
            ]))
            .action(ActionSpec::MarkPacket("low-priority".into())),
    ];
    let mut soho = Soho::with(&filter, &nat, &mangle, Gateway::Address(ip(10, 0, 0, 2)));
    let (client, server) = (ip(192, 168, 88, 10), ip(93, 184, 216, 34));
    soho.send_from_lan(10, &tcp(client, server, 40000, 443, SYN, 1, 0));
    assert_eq!(ipv4_header(&soho.one(soho.wan)).src_addr, ip(10, 0, 0, 1));
    soho.send_from_wan(&tcp(server, ip(10, 0, 0, 1), 443, 40000, SYN | ACK, 1, 2));
    assert_eq!(ipv4_header(&soho.one(soho.lan)).dst_addr, client);
    let web = soho
        .engine
        .hooks()
        .rules(Table::Mangle)
        .rule_counters(netstack::firewall::spec::RuleId(20))
        .expect("mangle rule counters");
    // Only the request carries dst-port 443; the reply (src-port 443) is not marked by this rule.
    assert_eq!(web.packets, 1);
    // Winbox from the WAN stays closed (its accept rule is disabled); ping answers.
    soho.send_from_wan(&tcp(
        ip(10, 0, 0, 2),
        ip(10, 0, 0, 1),
        5000,
        8291,
        SYN,
        1,
        0,
    ));
    assert!(soho.sent(soho.wan).is_empty());
    soho.send_from_wan(&echo_request(ip(10, 0, 0, 2), ip(10, 0, 0, 1), 64, 1, 1));
    assert_eq!(icmp_of(&soho.one(soho.wan)).0, 0);
    // New connections from the WAN towards the LAN are dropped.
    soho.send_from_wan(&tcp(ip(10, 0, 0, 2), client, 5000, 22, SYN, 1, 0));
    assert!(soho.sent(soho.lan).is_empty());
}

/// Seed 001 (routing with masquerade): the default route names the WAN interface as its gateway, so every
/// destination is resolved on-link (the ISP answers ARP for it), and traffic is masqueraded.
#[test]
fn seed_001_interface_gateway_with_masquerade() {
    let nat = vec![
        rule(10, "srcnat")
            .with(Match::OutInterface("ether1".into()))
            .action(ActionSpec::Masquerade { to_ports: None }),
    ];
    let mut soho = Soho::with(&[], &nat, &[], Gateway::Interface(InterfaceId(0)));
    let server = ip(8, 8, 8, 8);
    soho.send_from_lan(
        10,
        &ipv4(
            ip(192, 168, 88, 10),
            server,
            IpProtocol::Udp,
            64,
            false,
            &udp_payload(ip(192, 168, 88, 10), server, 34000, 53, b"q"),
        ),
    );
    // The router asks for 8.8.8.8 itself on the WAN; the ISP's router answers for it (proxy ARP).
    let mut asked = false;
    soho.engine.transmit(soho.wan, |frame| {
        asked |= matches!(parse(frame), Sent::Arp { repr: smoltcp::wire::ArpRepr::EthernetIpv4 { target_protocol_addr, .. }, .. } if target_protocol_addr == server);
        true
    });
    assert!(asked, "on-link resolution of the destination");
    soho.engine.receive(
        soho.wan,
        &arp_frame(
            smoltcp::wire::ArpOperation::Reply,
            mac(2),
            server,
            WAN_MAC,
            ip(10, 0, 0, 1),
        ),
        soho.now,
    );
    let out = soho.one(soho.wan);
    assert_eq!(
        (ipv4_header(&out).src_addr, ipv4_header(&out).dst_addr),
        (ip(10, 0, 0, 1), server)
    );
    assert_eq!(udp_of(&out).0, 34000);
}

#[test]
fn reject_with_tcp_reset_answers_for_the_destination() {
    use netstack::firewall::spec::RejectWith;
    let filter = vec![
        rule(1, "forward")
            .with(Match::Protocol(6))
            .with(Match::DstPort(vec![PortRange::single(25)]))
            .action(ActionSpec::Reject(RejectWith::TcpReset)),
    ];
    let mut soho = Soho::with(
        &filter,
        &nat_rules(),
        &[],
        Gateway::Address(ip(10, 0, 0, 2)),
    );
    let (client, mail) = (ip(192, 168, 88, 10), ip(198, 51, 100, 25));
    soho.send_from_lan(10, &tcp(client, mail, 40002, 25, SYN, 7000, 0));
    assert!(soho.sent(soho.wan).is_empty());
    let reset = soho.one(soho.lan);
    let header = ipv4_header(&reset);
    assert_eq!((header.src_addr, header.dst_addr), (mail, client));
    assert_eq!(tcp_of(&reset), (25, 40002, RST | ACK));
    assert_eq!(
        u32::from_be_bytes([reset[28], reset[29], reset[30], reset[31]]),
        7001,
        "acknowledges the SYN"
    );
    // The segment itself is dropped and counted.
    assert_eq!(soho.engine.drops().get(DropReason::Filtered), 1);
}

/// Fragments are reassembled before connection tracking (netfilter's defrag), translated as one
/// datagram, and leave refragmented no larger than they came in.
#[test]
fn fragmented_datagrams_are_reassembled_natted_and_refragmented() {
    let mut soho = Soho::new();
    let (client, server) = (ip(192, 168, 88, 10), ip(198, 51, 100, 7));
    let data: Vec<u8> = (0..2000u32).map(|i| i as u8).collect();
    let udp = udp_payload(client, server, 35000, 4500, &data);
    let datagram = ipv4(client, server, IpProtocol::Udp, 64, false, &udp);
    let mut fragments = Vec::new();
    let mut scratch = vec![0u8; 1500];
    netstack::fragment::fragment(&datagram, 1500, &mut scratch, |f| {
        fragments.push(f.to_vec())
    })
    .unwrap();
    assert_eq!(fragments.len(), 2);
    // Last fragment first: nothing may leave until the datagram is whole.
    soho.send_from_lan(10, &fragments[1]);
    assert!(soho.sent(soho.wan).is_empty());
    soho.send_from_lan(10, &fragments[0]);
    let out = soho.sent(soho.wan);
    assert_eq!(out.len(), 2, "refragmented at the size it came in");
    let mut reassembled = vec![0u8; udp.len()];
    for fragment in &out {
        assert!(fragment.len() <= 1500);
        let packet = smoltcp::wire::Ipv4Packet::new_checked(&fragment[..]).unwrap();
        assert_eq!(packet.src_addr(), ip(10, 0, 0, 1), "masqueraded");
        let offset = usize::from(packet.frag_offset());
        reassembled[offset..offset + packet.payload().len()].copy_from_slice(packet.payload());
    }
    let whole = ipv4(
        ip(10, 0, 0, 1),
        server,
        IpProtocol::Udp,
        63,
        false,
        &reassembled,
    );
    assert_eq!(
        udp_of(&whole),
        (35000, 4500),
        "UDP checksum valid after NAT"
    );
    assert_eq!(&reassembled[8..], &data[..]);
    assert_eq!(soho.engine.stats().reassembled, 1);
}

#[test]
fn change_mss_clamps_syns_to_the_outgoing_mtu_and_fasttrack_is_counted() {
    use netstack::firewall::spec::MssChange;
    let mangle = vec![
        rule(30, "forward")
            .with(Match::Protocol(6))
            .with(Match::TcpFlags { set: SYN, unset: 0 })
            .action(ActionSpec::ChangeMss(MssChange::ClampToPmtu)),
    ];
    let mut soho = Soho::with(
        &defconf_filter(),
        &nat_rules(),
        &mangle,
        Gateway::Address(ip(10, 0, 0, 2)),
    );
    soho.engine.interface_mut(soho.wan).unwrap().mtu = 1400;
    let (client, server) = (ip(192, 168, 88, 10), ip(93, 184, 216, 34));
    // A SYN announcing MSS 1460 (option kind 2, length 4).
    let mut syn = tcp_payload(client, server, 40100, 443, SYN, 1, 0, &[2, 4, 0x05, 0xB4]);
    syn[12] = 6 << 4;
    syn[16..18].copy_from_slice(&[0, 0]);
    smoltcp::wire::TcpPacket::new_unchecked(&mut syn).fill_checksum(&client.into(), &server.into());
    soho.send_from_lan(10, &ipv4(client, server, IpProtocol::Tcp, 64, false, &syn));
    let out = soho.one(soho.wan);
    tcp_of(&out);
    assert_eq!(
        u16::from_be_bytes([out[42], out[43]]),
        1360,
        "MSS clamped to MTU 1400 - 40"
    );

    soho.send_from_wan(&tcp(server, ip(10, 0, 0, 1), 443, 40100, SYN | ACK, 9, 2));
    soho.sent(soho.lan);
    for _ in 0..3 {
        soho.send_from_lan(10, &tcp(client, server, 40100, 443, ACK, 2, 10));
        soho.sent(soho.wan);
    }
    let stats = *soho.engine.hooks().stats();
    // The SYN-ACK made the connection established and fasttracked; the three ACKs (40 bytes) skipped
    // the filter and count on the dummy rule.
    assert_eq!(
        (stats.fasttracked, stats.fasttracked_bytes),
        (3, 120),
        "{stats:?}"
    );
}

#[test]
fn tarpit_answers_syns_with_a_zero_window() {
    let filter = vec![
        rule(1, "input")
            .with(Match::Protocol(6))
            .with(Match::DstPort(vec![PortRange::single(23)]))
            .action(ActionSpec::Tarpit),
    ];
    let mut soho = Soho::with(&filter, &[], &[], Gateway::Address(ip(10, 0, 0, 2)));
    soho.send_from_wan(&tcp(ip(10, 0, 0, 2), ip(10, 0, 0, 1), 5000, 23, SYN, 77, 0));
    let answer = soho.one(soho.wan);
    assert_eq!(tcp_of(&answer), (23, 5000, SYN | ACK));
    assert_eq!(
        u16::from_be_bytes([answer[34], answer[35]]),
        0,
        "zero window"
    );
    assert!(
        soho.engine.hooks().connections(soho.now).is_empty(),
        "the tarpit keeps no state"
    );
}

#[test]
fn incomplete_datagrams_to_the_router_expire_with_time_exceeded() {
    let mut soho = Soho::new();
    let data = vec![7u8; 3000];
    let sender = ip(10, 0, 0, 2);
    let udp = udp_payload(sender, ip(10, 0, 0, 1), 5000, 5001, &data);
    let datagram = ipv4(sender, ip(10, 0, 0, 1), IpProtocol::Udp, 64, false, &udp);
    let mut fragments = Vec::new();
    let mut scratch = vec![0u8; 1500];
    netstack::fragment::fragment(&datagram, 1500, &mut scratch, |f| {
        fragments.push(f.to_vec())
    })
    .unwrap();
    soho.send_from_wan(&fragments[0]);
    assert!(soho.sent(soho.wan).is_empty());
    soho.now += netstack::Duration::from_secs(31);
    soho.engine.poll(soho.now);
    let error = soho.one(soho.wan);
    let (icmp_type, code, _, quoted) = icmp_of(&error);
    assert_eq!(
        (icmp_type, code),
        (11, 1),
        "fragment reassembly time exceeded"
    );
    assert_eq!(ipv4_header(&error).dst_addr, sender);
    assert_eq!(
        &quoted[..20],
        &fragments[0][..20],
        "quotes the first fragment"
    );
}
