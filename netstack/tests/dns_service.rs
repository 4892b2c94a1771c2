//! The DNS service on the engine's local stack: literal UDP frames from a LAN host to the router's
//! port 53 and from an upstream server, with a fake clock — a static answer, a forwarded query and its
//! relayed answer, and port 53 closed (ICMP port unreachable) while remote requests are not allowed.
mod common;

use common::*;
use netstack::dns::message::{self, CLASS_IN, Header, Message, Question, RData, rtype};
use netstack::dns::name::Name;
use netstack::dns::{DnsService, Settings, StaticData, StaticEntry};
use netstack::interface::InterfaceId;
use netstack::{Duration, Engine, EngineConfig, Instant};
use smoltcp::wire::{EthernetAddress, IpProtocol, Ipv4Cidr};

const WAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x01]);
const LAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x02]);

/// ether1 (WAN) 10.0.0.1/24 with the upstream server 10.0.0.2, ether2 (LAN) 192.168.88.1/24 with the
/// client 192.168.88.10; both hosts in the ARP table.
struct Net {
    engine: Engine,
    dns: DnsService,
    wan: InterfaceId,
    lan: InterfaceId,
    now: Instant,
}

impl Net {
    fn new(allow_remote_requests: bool) -> Self {
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
        engine
            .add_static_arp(wan, ip(10, 0, 0, 2), mac(2), now)
            .unwrap();
        engine
            .add_static_arp(lan, ip(192, 168, 88, 10), mac(10), now)
            .unwrap();
        let settings = Settings {
            servers: vec![ip(10, 0, 0, 2)],
            allow_remote_requests,
            statics: vec![StaticEntry {
                name: Name::from_text("router.lan").unwrap(),
                data: StaticData::A(ip(192, 168, 88, 1)),
                ttl: 86400,
            }],
            ..Settings::default()
        };
        let mut net = Self {
            engine,
            dns: DnsService::new(settings, 42),
            wan,
            lan,
            now,
        };
        net.step();
        net.sent(wan);
        net.sent(lan);
        net
    }

    /// One round of the main loop: the service, then the engine's timers.
    fn step(&mut self) {
        self.now += Duration::from_millis(10);
        self.dns.poll(&mut self.engine, self.now);
        self.engine.poll(self.now);
    }

    fn sent(&mut self, interface: InterfaceId) -> Vec<Sent> {
        let mut frames = Vec::new();
        self.engine.transmit(interface, |frame| {
            frames.push(parse(frame));
            true
        });
        frames
    }

    /// The one UDP datagram sent on `interface`: (source, source port, destination port, payload).
    fn sent_udp(
        &mut self,
        interface: InterfaceId,
    ) -> (smoltcp::wire::Ipv4Address, u16, u16, Vec<u8>) {
        let frames = self.sent(interface);
        let [Sent::Ipv4 { ip, .. }] = frames.as_slice() else {
            panic!("expected one IPv4 frame, got {frames:?}");
        };
        let header = ipv4_header(ip);
        assert_eq!(header.next_header, IpProtocol::Udp, "{header:?}");
        let (src_port, dst_port) = udp_of(ip);
        (header.src_addr, src_port, dst_port, ip[28..].to_vec())
    }

    fn udp_in(
        &mut self,
        interface: InterfaceId,
        from: (smoltcp::wire::Ipv4Address, EthernetAddress, u16),
        to: (smoltcp::wire::Ipv4Address, u16),
        data: &[u8],
    ) {
        let router_mac = if interface == self.lan {
            LAN_MAC
        } else {
            WAN_MAC
        };
        let udp = udp_payload(from.0, to.0, from.2, to.1, data);
        let packet = ipv4(from.0, to.0, IpProtocol::Udp, 64, false, &udp);
        self.engine.receive(
            interface,
            &ipv4_frame(from.1, router_mac, &packet),
            self.now,
        );
    }

    fn client_query(&mut self, id: u16, qname: &str) {
        let header = Header {
            id,
            recursion_desired: true,
            ..Header::default()
        };
        let question = Question {
            name: Name::from_text(qname).unwrap(),
            qtype: rtype::A,
            qclass: CLASS_IN,
        };
        let query = message::build(&header, Some(&question), &[], &[], &[], 512);
        let lan = self.lan;
        self.udp_in(
            lan,
            (ip(192, 168, 88, 10), mac(10), 40000),
            (ip(192, 168, 88, 1), 53),
            &query,
        );
    }
}

#[test]
fn a_static_name_is_answered_from_port_53_of_the_address_asked() {
    let mut net = Net::new(true);
    net.client_query(0x1111, "router.lan");
    net.step();
    let (src, src_port, dst_port, payload) = net.sent_udp(net.lan);
    assert_eq!((src, src_port, dst_port), (ip(192, 168, 88, 1), 53, 40000));
    let answer = Message::parse(&payload).unwrap();
    assert_eq!(answer.header.id, 0x1111);
    assert_eq!(answer.answers[0].data, RData::A(ip(192, 168, 88, 1)));
}

#[test]
fn a_query_is_forwarded_from_the_wan_address_and_the_reply_relayed() {
    let mut net = Net::new(true);
    net.client_query(0x2222, "wan.test");
    net.step();
    let (src, port, dst_port, upstream) = net.sent_udp(net.wan);
    assert_eq!(
        (src, dst_port),
        (ip(10, 0, 0, 1), 53),
        "from the router's WAN address"
    );
    assert!(port >= 49152);
    let asked = Message::parse(&upstream).unwrap();
    let reply = message::build(
        &Header {
            response: true,
            recursion_available: true,
            ..asked.header
        },
        asked.questions.first(),
        &[message::Record {
            name: Name::from_text("wan.test").unwrap(),
            rtype: rtype::A,
            class: CLASS_IN,
            ttl: 300,
            data: RData::A(ip(10, 0, 0, 2)),
        }],
        &[],
        &[],
        512,
    );
    let wan = net.wan;
    net.udp_in(
        wan,
        (ip(10, 0, 0, 2), mac(2), 53),
        (ip(10, 0, 0, 1), port),
        &reply,
    );
    net.step();
    let (_, _, dst_port, payload) = net.sent_udp(net.lan);
    assert_eq!(dst_port, 40000);
    let answer = Message::parse(&payload).unwrap();
    assert_eq!(answer.header.id, 0x2222, "the client's ID");
    assert_eq!(answer.answers[0].data, RData::A(ip(10, 0, 0, 2)));
    // The upstream socket is gone once the query is over: another reply is refused by smoltcp.
    net.udp_in(
        wan,
        (ip(10, 0, 0, 2), mac(2), 53),
        (ip(10, 0, 0, 1), port),
        &reply,
    );
    net.step();
    let frames = net.sent(wan);
    let [Sent::Ipv4 { ip: error, .. }] = frames.as_slice() else {
        panic!("{frames:?}");
    };
    assert_eq!((icmp_of(error).0, icmp_of(error).1), (3, 3));
}

#[test]
fn port_53_is_closed_without_remote_requests_but_the_router_still_resolves() {
    let mut net = Net::new(false);
    net.client_query(0x3333, "router.lan");
    net.step();
    let frames = net.sent(net.lan);
    let [Sent::Ipv4 { ip: error, .. }] = frames.as_slice() else {
        panic!("{frames:?}");
    };
    assert_eq!(
        (icmp_of(error).0, icmp_of(error).1),
        (3, 3),
        "port unreachable"
    );
    let token = net.dns.start_resolve(net.now, "router.lan").unwrap();
    net.step();
    assert_eq!(net.dns.take_resolved(token), Some(Ok(ip(192, 168, 88, 1))));
}
