//! The router's own ICMP tools: echo requests sent through routing and the answers that belong to the
//! tools (echo replies with their identifier, errors quoting their probes) taken aside, everything
//! else left to the router's stack.

mod common;

use common::*;
use netstack::conntrack::ConntrackSettings;
use netstack::engine::{EchoProbe, ProbeError, TOOL_REPLY_QUEUE_LEN, ToolReply, ToolReplyKind};
use netstack::firewall::spec::{AddrRange, Table};
use netstack::firewall::{ActionSpec, Firewall, Match, RuleSpec};
use netstack::interface::InterfaceId;
use netstack::route::{Gateway, RouteId, StaticRoute};
use netstack::{Duration, Engine, EngineConfig, Instant};
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    ArpOperation, EthernetAddress, Icmpv4Packet, Icmpv4Repr, IpProtocol, Ipv4Address, Ipv4Cidr,
};

const WAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x01]);
const LAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x02]);
const IDENT: u16 = 0x5150;

/// ether1 (WAN) 10.0.0.1/24 with a default route via 10.0.0.2, ether2 (LAN) 192.168.88.1/24.
struct Net {
    engine: Engine,
    wan: InterfaceId,
    lan: InterfaceId,
    default: RouteId,
    now: Instant,
}

impl Net {
    fn new() -> Self {
        let now = Instant::from_secs(1000);
        let mut engine = Engine::new(EngineConfig::default(), now);
        let wan = engine.add_interface("ether1", WAN_MAC).unwrap();
        let lan = engine.add_interface("ether2", LAN_MAC).unwrap();
        engine
            .add_address(Ipv4Cidr::new(ip(10, 0, 0, 1), 24), wan)
            .unwrap();
        engine
            .add_address(Ipv4Cidr::new(ip(192, 168, 88, 1), 24), lan)
            .unwrap();
        let default = engine
            .routes_mut()
            .add_static(StaticRoute::via(
                Ipv4Cidr::new(Ipv4Address::UNSPECIFIED, 0),
                &[Gateway::Address(ip(10, 0, 0, 2))],
            ))
            .unwrap();
        let mut net = Self {
            engine,
            wan,
            lan,
            default,
            now,
        };
        net.sent(wan);
        net.sent(lan);
        net
    }

    fn sent(&mut self, interface: InterfaceId) -> Vec<Sent> {
        let mut frames = Vec::new();
        self.engine.transmit(interface, |frame| {
            frames.push(parse(frame));
            true
        });
        frames
    }

    /// The host answers an ARP request so the router knows it.
    fn introduce(&mut self, interface: InterfaceId, host_mac: EthernetAddress, host: Ipv4Address) {
        let router = match interface == self.lan {
            true => ip(192, 168, 88, 1),
            false => ip(10, 0, 0, 1),
        };
        let frame = arp_frame(ArpOperation::Request, host_mac, host, BROADCAST, router);
        self.engine.receive(interface, &frame, self.now);
        self.sent(interface);
    }

    fn ping(&mut self, dst: Ipv4Address, ttl: u8, seq: u16) -> Result<(), ProbeError> {
        let probe = EchoProbe {
            dst,
            src: None,
            size: 56,
            ttl,
            ident: IDENT,
            seq,
        };
        self.engine.send_echo(&probe, self.now)
    }

    fn replies(&mut self) -> Vec<ToolReply> {
        core::iter::from_fn(|| self.engine.take_tool_reply()).collect()
    }
}

/// The one IPv4 packet sent on an interface.
fn single_ipv4(frames: Vec<Sent>) -> Vec<u8> {
    match frames.as_slice() {
        [Sent::Ipv4 { ip, .. }] => ip.clone(),
        other => panic!("expected one IPv4 frame, got {other:?}"),
    }
}

fn echo_reply(src: Ipv4Address, dst: Ipv4Address, ident: u16, seq_no: u16, data: &[u8]) -> Vec<u8> {
    let repr = Icmpv4Repr::EchoReply {
        ident,
        seq_no,
        data,
    };
    let mut icmp = vec![0u8; repr.buffer_len()];
    repr.emit(
        &mut Icmpv4Packet::new_unchecked(&mut icmp),
        &ChecksumCapabilities::default(),
    );
    ipv4(src, dst, IpProtocol::Icmp, 64, false, &icmp)
}

/// An ICMP error of `kind`/`code` from `from` quoting the first 28 bytes of `offending`.
fn icmp_error(from: Ipv4Address, to: Ipv4Address, kind: u8, code: u8, offending: &[u8]) -> Vec<u8> {
    let mut icmp = vec![kind, code, 0, 0, 0, 0, 0, 0];
    icmp.extend_from_slice(&offending[..28]);
    let sum = netstack::checksum::internet_checksum(&icmp);
    icmp[2..4].copy_from_slice(&sum.to_be_bytes());
    ipv4(from, to, IpProtocol::Icmp, 63, false, &icmp)
}

#[test]
fn a_ping_to_a_lan_host_goes_out_from_the_interface_address_and_its_reply_is_the_tools() {
    let mut net = Net::new();
    let host = ip(192, 168, 88, 10);
    net.introduce(net.lan, mac(10), host);

    net.ping(host, 255, 0).unwrap();
    let request = single_ipv4(net.sent(net.lan));
    let header = ipv4_header(&request);
    assert_eq!(
        (header.src_addr, header.dst_addr, header.hop_limit),
        (ip(192, 168, 88, 1), host, 255)
    );
    assert_eq!(request.len(), 56, "size is the whole IP packet");
    let (kind, code, rest, data) = icmp_of(&request);
    assert_eq!((kind, code, rest), (8, 0, u32::from(IDENT) << 16));

    let reply = echo_reply(host, ip(192, 168, 88, 1), IDENT, 0, &data);
    net.engine
        .receive(net.lan, &ipv4_frame(mac(10), LAN_MAC, &reply), net.now);
    assert_eq!(
        net.replies(),
        vec![ToolReply {
            kind: ToolReplyKind::Echo,
            from: host,
            ident: IDENT,
            seq: 0,
            ttl: 64,
            size: 56,
            at: net.now,
        }]
    );
    assert_eq!(net.engine.stats().delivered_local, 0, "not the stack's");
}

#[test]
fn an_unanswered_ping_leaves_nothing_and_an_unresolvable_host_reports_host_unreachable() {
    let mut net = Net::new();
    net.ping(ip(192, 168, 88, 99), 64, 7).unwrap();
    // ARP asks three times, once a second (RFC 1122), then the router reports host unreachable to the
    // sender — itself.
    for _ in 0..2 {
        net.now += Duration::from_millis(1000);
        net.engine.poll(net.now);
        assert_eq!(net.replies(), vec![], "nothing yet: a timeout for the tool");
    }
    for _ in 0..3 {
        net.now += Duration::from_millis(1000);
        net.engine.poll(net.now);
    }
    let replies = net.replies();
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(replies[0].kind, ToolReplyKind::Unreachable(1));
    assert_eq!(replies[0].from, ip(192, 168, 88, 1));
    assert_eq!(replies[0].seq, 7);
}

#[test]
fn a_probe_whose_ttl_runs_out_gets_the_hops_time_exceeded() {
    let mut net = Net::new();
    net.introduce(net.wan, mac(2), ip(10, 0, 0, 2));
    net.ping(ip(203, 0, 113, 5), 1, 3).unwrap();
    let probe = single_ipv4(net.sent(net.wan));
    assert_eq!(ipv4_header(&probe).src_addr, ip(10, 0, 0, 1));
    assert_eq!(ipv4_header(&probe).hop_limit, 1);

    let error = icmp_error(ip(10, 0, 0, 2), ip(10, 0, 0, 1), 11, 0, &probe);
    net.engine
        .receive(net.wan, &ipv4_frame(mac(2), WAN_MAC, &error), net.now);
    let replies = net.replies();
    assert_eq!(replies.len(), 1);
    assert_eq!(
        (replies[0].kind, replies[0].from, replies[0].seq),
        (ToolReplyKind::TimeExceeded, ip(10, 0, 0, 2), 3)
    );
}

#[test]
fn replies_with_a_foreign_ident_and_errors_about_other_packets_go_to_the_stack() {
    let mut net = Net::new();
    let host = ip(192, 168, 88, 10);
    net.introduce(net.lan, mac(10), host);
    net.ping(host, 64, 0).unwrap();
    net.sent(net.lan);

    let foreign = echo_reply(host, ip(192, 168, 88, 1), IDENT + 1, 0, b"x");
    net.engine
        .receive(net.lan, &ipv4_frame(mac(10), LAN_MAC, &foreign), net.now);
    // An error quoting a packet the router did not send.
    let other = echo_request(host, ip(10, 9, 9, 9), 1, IDENT, 0);
    let error = icmp_error(host, ip(192, 168, 88, 1), 11, 0, &other);
    net.engine
        .receive(net.lan, &ipv4_frame(mac(10), LAN_MAC, &error), net.now);

    assert_eq!(net.replies(), vec![]);
    assert_eq!(net.engine.stats().delivered_local, 2);

    // Once the tool is done, its own ident is no longer taken either.
    net.engine.forget_tool_ident(IDENT);
    let late = echo_reply(host, ip(192, 168, 88, 1), IDENT, 0, b"x");
    net.engine
        .receive(net.lan, &ipv4_frame(mac(10), LAN_MAC, &late), net.now);
    assert_eq!(net.replies(), vec![]);
}

#[test]
fn the_reply_queue_is_bounded_and_counts_what_it_drops() {
    let mut net = Net::new();
    let host = ip(192, 168, 88, 10);
    net.introduce(net.lan, mac(10), host);
    net.ping(host, 64, 0).unwrap();
    let reply = echo_reply(host, ip(192, 168, 88, 1), IDENT, 0, b"x");
    for _ in 0..TOOL_REPLY_QUEUE_LEN + 3 {
        net.engine
            .receive(net.lan, &ipv4_frame(mac(10), LAN_MAC, &reply), net.now);
    }
    assert_eq!(net.replies().len(), TOOL_REPLY_QUEUE_LEN);
    assert_eq!(net.engine.tool_replies_dropped(), 3);
}

#[test]
fn the_router_answers_a_ping_of_its_own_address() {
    let mut net = Net::new();
    net.ping(ip(10, 0, 0, 1), 64, 1).unwrap();
    let replies = net.replies();
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(
        (replies[0].kind, replies[0].from, replies[0].size),
        (ToolReplyKind::Echo, ip(10, 0, 0, 1), 56)
    );
}

#[test]
fn bad_probes_are_refused() {
    let mut net = Net::new();
    net.engine.routes_mut().remove(net.default).unwrap();
    assert_eq!(
        net.ping(ip(203, 0, 113, 5), 64, 0),
        Err(ProbeError::NoRoute)
    );
    let foreign_source = EchoProbe {
        dst: ip(192, 168, 88, 10),
        src: Some(ip(192, 168, 88, 7)),
        size: 56,
        ttl: 64,
        ident: IDENT,
        seq: 0,
    };
    assert_eq!(
        net.engine.send_echo(&foreign_source, net.now),
        Err(ProbeError::NoSourceAddress)
    );
    let too_small = EchoProbe {
        size: 27,
        src: None,
        ..foreign_source
    };
    assert_eq!(
        net.engine.send_echo(&too_small, net.now),
        Err(ProbeError::Invalid)
    );
    // A source of the router's own, on another interface, is used as given.
    let wan_source = EchoProbe {
        src: Some(ip(10, 0, 0, 1)),
        ..foreign_source
    };
    net.engine.send_echo(&wan_source, net.now).unwrap();
}

/// The SOHO firewall around the tools: the defconf filter with masquerade out of ether1 (WAN), and
/// an output rule dropping ICMP to 192.168.88.20.
fn soho_firewall() -> (Engine<Firewall>, InterfaceId, InterfaceId, Instant) {
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
        .add_static_arp(wan, ip(10, 0, 0, 2), mac(2), now)
        .unwrap();
    for host in [10, 20] {
        engine
            .add_static_arp(lan, ip(192, 168, 88, host), mac(host), now)
            .unwrap();
    }
    let mut filter = netstack::firewall::defconf::filter(1);
    filter.push(
        RuleSpec::new(50, "output")
            .with(Match::Protocol(1))
            .with(Match::DstAddress(AddrRange::single(ip(192, 168, 88, 20))))
            .action(ActionSpec::Drop),
    );
    let nat = [RuleSpec::new(60, "srcnat")
        .with(Match::OutInterfaceList("WAN".into()))
        .action(ActionSpec::Masquerade { to_ports: None })];
    let (interfaces, lists) = (
        engine.interfaces().clone(),
        engine.interface_lists().clone(),
    );
    let hooks = engine.hooks_mut();
    hooks
        .set_rules(Table::Filter, &filter, &interfaces, &lists)
        .unwrap();
    hooks
        .set_rules(Table::Nat, &nat, &interfaces, &lists)
        .unwrap();
    (engine, wan, lan, now)
}

#[test]
fn through_the_soho_firewall_the_output_chain_sees_probes_and_wan_replies_come_back() {
    let (mut engine, wan, lan, now) = soho_firewall();
    let drain = |engine: &mut Engine<Firewall>, interface| {
        let mut frames = Vec::new();
        engine.transmit(interface, |frame| {
            frames.push(parse(frame));
            true
        });
        frames
    };
    drain(&mut engine, wan);
    drain(&mut engine, lan);
    let probe = EchoProbe {
        dst: ip(192, 168, 88, 20),
        src: None,
        size: 56,
        ttl: 64,
        ident: IDENT,
        seq: 0,
    };
    // Dropped by the output chain: sent as far as the engine knows, and nothing leaves.
    engine.send_echo(&probe, now).unwrap();
    assert!(drain(&mut engine, lan).is_empty());

    // To the WAN host: the reply passes the input chain as an established connection, although
    // the defconf filter drops everything else from the WAN.
    let wan_probe = EchoProbe {
        dst: ip(10, 0, 0, 2),
        seq: 1,
        ..probe
    };
    engine.send_echo(&wan_probe, now).unwrap();
    let request = single_ipv4(drain(&mut engine, wan));
    let (_, _, rest, data) = icmp_of(&request);
    let ident = (rest >> 16) as u16;
    let reply = echo_reply(ip(10, 0, 0, 2), ip(10, 0, 0, 1), ident, 1, &data);
    engine.receive(wan, &ipv4_frame(mac(2), WAN_MAC, &reply), now);
    let got: Vec<ToolReply> = core::iter::from_fn(|| engine.take_tool_reply()).collect();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].from, got[0].seq), (ip(10, 0, 0, 2), 1));
}
