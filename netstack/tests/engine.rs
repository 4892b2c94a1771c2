//! Whole-engine scenarios: literal frames from a LAN host and a WAN host through the engine, with a fake
//! clock, checking what comes out of each interface.

mod common;

use common::*;
use netstack::interface::InterfaceId;
use netstack::route::{Gateway, StaticRoute};
use netstack::trace::{Stage, TraceFilter, TraceVerdict};
use netstack::verdict::DropReason;
use netstack::{Duration, Engine, EngineConfig, Instant};
use smoltcp::wire::{ArpOperation, ArpRepr, EthernetAddress, IpProtocol, Ipv4Cidr, Ipv4Packet};

const WAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x01]);
const LAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x02]);

/// ether1 (WAN) 10.0.0.1/24, ether2 (LAN) 192.168.88.1/24; hosts: LAN 192.168.88.10, WAN 10.0.0.2.
struct Net {
    engine: Engine,
    wan: InterfaceId,
    lan: InterfaceId,
    now: Instant,
}

fn cidr(a: u8, b: u8, c: u8, d: u8, len: u8) -> Ipv4Cidr {
    Ipv4Cidr::new(ip(a, b, c, d), len)
}

impl Net {
    fn new() -> Self {
        let now = Instant::from_secs(1000);
        let mut engine = Engine::new(EngineConfig::default(), now);
        let wan = engine.add_interface("ether1", WAN_MAC).unwrap();
        let lan = engine.add_interface("ether2", LAN_MAC).unwrap();
        engine.add_address(cidr(10, 0, 0, 1, 24), wan).unwrap();
        engine.add_address(cidr(192, 168, 88, 1, 24), lan).unwrap();
        let mut net = Self {
            engine,
            wan,
            lan,
            now,
        };
        // Gratuitous ARP announcements of both addresses.
        assert!(matches!(net.sent(wan).as_slice(), [Sent::Arp { .. }]));
        assert!(matches!(net.sent(lan).as_slice(), [Sent::Arp { .. }]));
        net
    }

    fn receive(&mut self, interface: InterfaceId, frame: &[u8]) {
        self.engine.receive(interface, frame, self.now);
    }

    /// Frames the engine queued on `interface`, parsed.
    fn sent(&mut self, interface: InterfaceId) -> Vec<Sent> {
        let mut frames = Vec::new();
        self.engine.transmit(interface, |frame| {
            frames.push(parse(frame));
            true
        });
        frames
    }

    fn advance(&mut self, millis: u64) {
        self.now += Duration::from_millis(millis);
        self.engine.poll(self.now);
    }

    /// A host asks the router for its address, so the router learns the host (and the host the router).
    fn introduce(
        &mut self,
        interface: InterfaceId,
        host_mac: EthernetAddress,
        host_ip: smoltcp::wire::Ipv4Address,
        router_ip: smoltcp::wire::Ipv4Address,
    ) {
        self.receive(
            interface,
            &arp_frame(
                ArpOperation::Request,
                host_mac,
                host_ip,
                BROADCAST,
                router_ip,
            ),
        );
        match self.sent(interface).as_slice() {
            [
                Sent::Arp {
                    repr:
                        ArpRepr::EthernetIpv4 {
                            operation: ArpOperation::Reply,
                            source_protocol_addr,
                            ..
                        },
                    l2_dst,
                },
            ] => {
                assert_eq!(*source_protocol_addr, router_ip);
                assert_eq!(*l2_dst, host_mac);
            }
            other => panic!("expected one ARP reply, got {other:?}"),
        }
    }

    fn introduce_both(&mut self) {
        self.introduce(self.lan, mac(10), ip(192, 168, 88, 10), ip(192, 168, 88, 1));
        self.introduce(self.wan, mac(2), ip(10, 0, 0, 2), ip(10, 0, 0, 1));
    }
}

fn single_ipv4(frames: Vec<Sent>) -> (EthernetAddress, Vec<u8>) {
    match frames.as_slice() {
        [Sent::Ipv4 { l2_dst, ip, .. }] => (*l2_dst, ip.clone()),
        other => panic!("expected one IPv4 frame, got {other:?}"),
    }
}

#[test]
fn lan_host_reaches_wan_host_after_arp_resolution() {
    let mut net = Net::new();
    let frame = udp_frame(
        mac(10),
        LAN_MAC,
        ip(192, 168, 88, 10),
        ip(10, 0, 0, 2),
        64,
        b"hello",
    );
    net.receive(net.lan, &frame);
    // The router does not know 10.0.0.2 yet: it asks, holding the packet.
    let request = net.sent(net.wan);
    match request.as_slice() {
        [
            Sent::Arp {
                l2_dst,
                repr:
                    ArpRepr::EthernetIpv4 {
                        operation: ArpOperation::Request,
                        source_protocol_addr,
                        target_protocol_addr,
                        ..
                    },
            },
        ] => {
            assert_eq!(*l2_dst, BROADCAST);
            assert_eq!(*source_protocol_addr, ip(10, 0, 0, 1));
            assert_eq!(*target_protocol_addr, ip(10, 0, 0, 2));
        }
        other => panic!("expected an ARP request, got {other:?}"),
    }
    net.receive(
        net.wan,
        &arp_frame(
            ArpOperation::Reply,
            mac(2),
            ip(10, 0, 0, 2),
            WAN_MAC,
            ip(10, 0, 0, 1),
        ),
    );
    let (l2_dst, forwarded) = single_ipv4(net.sent(net.wan));
    assert_eq!(l2_dst, mac(2));
    let header = ipv4_header(&forwarded);
    assert_eq!(header.hop_limit, 63, "TTL decremented");
    assert_eq!(
        (header.src_addr, header.dst_addr),
        (ip(192, 168, 88, 10), ip(10, 0, 0, 2))
    );
    assert!(forwarded.ends_with(b"hello"));
    // The next packet goes out at once.
    net.receive(net.lan, &frame);
    assert_eq!(single_ipv4(net.sent(net.wan)).0, mac(2));
    assert_eq!(net.engine.stats().forwarded, 2);
    let lan = net.engine.interfaces().get(net.lan).unwrap().counters;
    assert_eq!(lan.rx_packets, 2);
    let wan = net.engine.interfaces().get(net.wan).unwrap().counters;
    assert_eq!(
        wan.tx_packets, 4,
        "announcement, request, two forwarded packets"
    );
}

#[test]
fn ttl_expiry_answers_time_exceeded() {
    let mut net = Net::new();
    net.introduce_both();
    net.receive(
        net.lan,
        &udp_frame(
            mac(10),
            LAN_MAC,
            ip(192, 168, 88, 10),
            ip(10, 0, 0, 2),
            1,
            b"x",
        ),
    );
    assert!(net.sent(net.wan).is_empty());
    let (l2_dst, error) = single_ipv4(net.sent(net.lan));
    assert_eq!(l2_dst, mac(10));
    let header = ipv4_header(&error);
    assert_eq!(
        (header.src_addr, header.dst_addr),
        (ip(192, 168, 88, 1), ip(192, 168, 88, 10))
    );
    let (icmp_type, code, _, quoted) = icmp_of(&error);
    assert_eq!((icmp_type, code), (11, 0));
    assert_eq!(ipv4_header(&quoted).dst_addr, ip(10, 0, 0, 2));
    assert_eq!(ipv4_header(&quoted).hop_limit, 1, "quoted as received");
    assert_eq!(net.engine.drops().get(DropReason::TtlExceeded), 1);
}

#[test]
fn no_route_answers_network_unreachable_and_default_route_forwards() {
    let mut net = Net::new();
    net.introduce_both();
    let frame = udp_frame(
        mac(10),
        LAN_MAC,
        ip(192, 168, 88, 10),
        ip(8, 8, 8, 8),
        64,
        b"dns?",
    );
    net.receive(net.lan, &frame);
    let (_, error) = single_ipv4(net.sent(net.lan));
    assert_eq!((icmp_of(&error).0, icmp_of(&error).1), (3, 0));
    assert_eq!(net.engine.drops().get(DropReason::NoRoute), 1);

    net.engine
        .routes_mut()
        .add_static(StaticRoute::via(
            cidr(0, 0, 0, 0, 0),
            &[Gateway::Address(ip(10, 0, 0, 2))],
        ))
        .unwrap();
    net.receive(net.lan, &frame);
    let (l2_dst, forwarded) = single_ipv4(net.sent(net.wan));
    assert_eq!(l2_dst, mac(2));
    assert_eq!(ipv4_header(&forwarded).dst_addr, ip(8, 8, 8, 8));
}

#[test]
fn blackhole_drops_silently() {
    let mut net = Net::new();
    net.introduce_both();
    net.engine
        .routes_mut()
        .add_static(StaticRoute::blackhole(cidr(203, 0, 113, 0, 24)))
        .unwrap();
    net.receive(
        net.lan,
        &udp_frame(
            mac(10),
            LAN_MAC,
            ip(192, 168, 88, 10),
            ip(203, 0, 113, 5),
            64,
            b"x",
        ),
    );
    assert!(net.sent(net.lan).is_empty() && net.sent(net.wan).is_empty());
    assert_eq!(net.engine.drops().get(DropReason::Blackhole), 1);
}

#[test]
fn dont_fragment_over_mtu_answers_fragmentation_needed_and_others_are_fragmented() {
    let mut net = Net::new();
    net.introduce_both();
    net.engine.interface_mut(net.wan).unwrap().mtu = 576;
    let payload = vec![0xAB; 1000];
    let udp = udp_payload(ip(192, 168, 88, 10), ip(10, 0, 0, 2), 40000, 5001, &payload);
    let with_df = ipv4(
        ip(192, 168, 88, 10),
        ip(10, 0, 0, 2),
        IpProtocol::Udp,
        64,
        true,
        &udp,
    );
    net.receive(net.lan, &ipv4_frame(mac(10), LAN_MAC, &with_df));
    assert!(net.sent(net.wan).is_empty());
    let (_, error) = single_ipv4(net.sent(net.lan));
    let (icmp_type, code, rest, _) = icmp_of(&error);
    assert_eq!((icmp_type, code), (3, 4));
    assert_eq!(rest & 0xFFFF, 576, "next-hop MTU (RFC 1191)");

    let without_df = ipv4(
        ip(192, 168, 88, 10),
        ip(10, 0, 0, 2),
        IpProtocol::Udp,
        64,
        false,
        &udp,
    );
    net.receive(net.lan, &ipv4_frame(mac(10), LAN_MAC, &without_df));
    let fragments: Vec<Vec<u8>> = net
        .sent(net.wan)
        .into_iter()
        .map(|s| match s {
            Sent::Ipv4 { ip, .. } => ip,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(fragments.len(), 2);
    let mut reassembled = vec![0u8; 1008];
    for fragment in &fragments {
        assert!(fragment.len() <= 576);
        let packet = Ipv4Packet::new_checked(&fragment[..]).unwrap();
        assert_eq!(packet.hop_limit(), 63);
        let offset = usize::from(packet.frag_offset());
        reassembled[offset..offset + packet.payload().len()].copy_from_slice(packet.payload());
    }
    assert_eq!(reassembled, udp);
    assert_eq!(net.engine.stats().fragments, 2);
}

#[test]
fn router_answers_ping_on_all_its_addresses() {
    let mut net = Net::new();
    net.introduce_both();
    for (target, ident) in [(ip(192, 168, 88, 1), 1), (ip(10, 0, 0, 1), 2)] {
        let request = echo_request(ip(192, 168, 88, 10), target, 64, ident, 7);
        net.receive(net.lan, &ipv4_frame(mac(10), LAN_MAC, &request));
        let (l2_dst, reply) = single_ipv4(net.sent(net.lan));
        assert_eq!(l2_dst, mac(10));
        let header = ipv4_header(&reply);
        assert_eq!(
            (header.src_addr, header.dst_addr),
            (target, ip(192, 168, 88, 10))
        );
        let (icmp_type, code, rest, _) = icmp_of(&reply);
        assert_eq!(
            (icmp_type, code, rest),
            (0, 0, (u32::from(ident) << 16) | 7)
        );
    }
    assert_eq!(net.engine.stats().delivered_local, 2);
}

#[test]
fn closed_udp_port_on_the_router_answers_port_unreachable() {
    let mut net = Net::new();
    net.introduce_both();
    net.receive(
        net.lan,
        &udp_frame(
            mac(10),
            LAN_MAC,
            ip(192, 168, 88, 10),
            ip(192, 168, 88, 1),
            64,
            b"?",
        ),
    );
    let (_, error) = single_ipv4(net.sent(net.lan));
    assert_eq!((icmp_of(&error).0, icmp_of(&error).1), (3, 3));
}

#[test]
fn malformed_headers_are_dropped_and_counted() {
    let mut net = Net::new();
    net.introduce_both();
    let good = ipv4(
        ip(192, 168, 88, 10),
        ip(10, 0, 0, 2),
        IpProtocol::Udp,
        64,
        false,
        &[0; 8],
    );
    let mut bad_checksum = good.clone();
    bad_checksum[10] ^= 0x55;
    let mut bad_version = good.clone();
    bad_version[0] = 0x65;
    let mut bad_length = good.clone();
    bad_length[2..4].copy_from_slice(&2000u16.to_be_bytes());
    for packet in [
        &bad_checksum,
        &bad_version,
        &bad_length,
        &good[..10].to_vec(),
    ] {
        net.receive(net.lan, &ipv4_frame(mac(10), LAN_MAC, packet));
    }
    net.receive(net.lan, &[0u8; 10]);
    assert!(net.sent(net.wan).is_empty() && net.sent(net.lan).is_empty());
    let drops = net.engine.drops();
    assert_eq!(drops.get(DropReason::BadChecksum), 1);
    assert_eq!(drops.get(DropReason::MalformedIpv4), 3);
    assert_eq!(drops.get(DropReason::MalformedFrame), 1);
    assert_eq!(
        net.engine
            .interfaces()
            .get(net.lan)
            .unwrap()
            .counters
            .rx_drops,
        5
    );
}

#[test]
fn ecmp_spreads_flows_and_keeps_each_flow_on_one_path() {
    let mut net = Net::new();
    net.introduce_both();
    net.introduce(net.wan, mac(3), ip(10, 0, 0, 3), ip(10, 0, 0, 1));
    let routes = net.engine.routes_mut();
    routes
        .add_static(StaticRoute::via(
            cidr(172, 16, 0, 0, 16),
            &[
                Gateway::Address(ip(10, 0, 0, 2)),
                Gateway::Address(ip(10, 0, 0, 3)),
            ],
        ))
        .unwrap();
    let mut per_gateway = [0u32; 2];
    for flow in 0..200u16 {
        let udp = udp_payload(
            ip(192, 168, 88, 10),
            ip(172, 16, 1, 1),
            10_000 + flow,
            53,
            b"q",
        );
        let packet = ipv4(
            ip(192, 168, 88, 10),
            ip(172, 16, 1, 1),
            IpProtocol::Udp,
            64,
            false,
            &udp,
        );
        let mut seen = None;
        for _ in 0..3 {
            net.receive(net.lan, &ipv4_frame(mac(10), LAN_MAC, &packet));
            let (l2_dst, _) = single_ipv4(net.sent(net.wan));
            assert!(
                seen.is_none() || seen == Some(l2_dst),
                "flow {flow} changed path"
            );
            seen = Some(l2_dst);
        }
        per_gateway[usize::from(seen == Some(mac(3)))] += 1;
    }
    assert!(
        per_gateway.iter().all(|&n| n > 60),
        "uneven ECMP split {per_gateway:?}"
    );
}

#[test]
fn route_changes_apply_while_traffic_flows() {
    let mut net = Net::new();
    net.introduce_both();
    let dst = ip(172, 16, 5, 5);
    let frame = udp_frame(mac(10), LAN_MAC, ip(192, 168, 88, 10), dst, 64, b"x");
    let id = net
        .engine
        .routes_mut()
        .add_static(StaticRoute::via(
            cidr(172, 16, 0, 0, 16),
            &[Gateway::Address(ip(10, 0, 0, 2))],
        ))
        .unwrap();
    net.receive(net.lan, &frame);
    assert_eq!(single_ipv4(net.sent(net.wan)).0, mac(2));
    net.engine.routes_mut().remove(id).unwrap();
    net.receive(net.lan, &frame);
    assert!(net.sent(net.wan).is_empty());
    assert_eq!(icmp_of(&single_ipv4(net.sent(net.lan)).1).0, 3);
    // A more specific route with a gateway that is not reachable stays inactive; the /16 takes over again.
    net.engine
        .routes_mut()
        .add_static(StaticRoute::via(
            cidr(172, 16, 5, 0, 24),
            &[Gateway::Address(ip(10, 9, 9, 9))],
        ))
        .unwrap();
    net.engine
        .routes_mut()
        .add_static(StaticRoute::via(
            cidr(172, 16, 0, 0, 16),
            &[Gateway::Address(ip(10, 0, 0, 2))],
        ))
        .unwrap();
    net.receive(net.lan, &frame);
    assert_eq!(single_ipv4(net.sent(net.wan)).0, mac(2));
    // Taking the WAN interface down makes the route inactive.
    net.engine.set_running(net.wan, false, net.now);
    net.receive(net.lan, &frame);
    assert!(net.sent(net.wan).is_empty());
    assert_eq!(net.engine.drops().get(DropReason::NoRoute), 2);
}

#[test]
fn broadcasts_are_not_forwarded() {
    let mut net = Net::new();
    net.introduce_both();
    // Directed broadcast of the WAN subnet from the LAN: delivered to the router, never forwarded.
    net.receive(
        net.lan,
        &udp_frame(
            mac(10),
            LAN_MAC,
            ip(192, 168, 88, 10),
            ip(10, 0, 0, 255),
            64,
            b"x",
        ),
    );
    // A unicast IP packet inside a link-layer broadcast.
    net.receive(
        net.lan,
        &udp_frame(
            mac(10),
            BROADCAST,
            ip(192, 168, 88, 10),
            ip(10, 0, 0, 2),
            64,
            b"x",
        ),
    );
    assert!(net.sent(net.wan).is_empty());
    assert_eq!(net.engine.drops().get(DropReason::NotForwardable), 1);
}

#[test]
fn unresolvable_next_hop_answers_host_unreachable_after_retries() {
    let mut net = Net::new();
    net.introduce(net.lan, mac(10), ip(192, 168, 88, 10), ip(192, 168, 88, 1));
    net.receive(
        net.lan,
        &udp_frame(
            mac(10),
            LAN_MAC,
            ip(192, 168, 88, 10),
            ip(10, 0, 0, 99),
            64,
            b"x",
        ),
    );
    let mut requests = net.sent(net.wan).len();
    for _ in 0..5 {
        net.advance(1000);
        requests += net.sent(net.wan).len();
    }
    assert_eq!(requests, 3, "RFC 1122: bounded retries, one per second");
    let (_, error) = single_ipv4(net.sent(net.lan));
    assert_eq!((icmp_of(&error).0, icmp_of(&error).1), (3, 1));
    assert_eq!(net.engine.drops().get(DropReason::NeighborUnreachable), 1);
}

#[test]
fn ipv6_vlan_and_foreign_frames_are_counted() {
    let mut net = Net::new();
    let mut ipv6 = udp_frame(
        mac(10),
        LAN_MAC,
        ip(192, 168, 88, 10),
        ip(10, 0, 0, 2),
        64,
        b"x",
    );
    ipv6[12..14].copy_from_slice(&[0x86, 0xDD]);
    net.receive(net.lan, &ipv6);
    let mut tagged = udp_frame(
        mac(10),
        LAN_MAC,
        ip(192, 168, 88, 10),
        ip(10, 0, 0, 2),
        64,
        b"x",
    );
    tagged.splice(12..12, [0x81, 0x00, 0x00, 0x0A]);
    net.receive(net.lan, &tagged);
    net.receive(
        net.lan,
        &udp_frame(
            mac(10),
            mac(77),
            ip(192, 168, 88, 10),
            ip(10, 0, 0, 2),
            64,
            b"x",
        ),
    );
    let drops = net.engine.drops();
    assert_eq!(drops.get(DropReason::Ipv6NotSupported), 1);
    assert_eq!(drops.get(DropReason::UnknownVlan), 1);
    assert_eq!(drops.get(DropReason::NotOurMac), 1);
    assert_eq!(net.engine.stats().ipv6, 1);
}

#[test]
fn trace_records_each_stage_of_a_traced_flow() {
    let mut net = Net::new();
    net.introduce_both();
    net.engine.enable_trace(
        TraceFilter {
            interface: None,
            address: Some(ip(10, 0, 0, 2)),
        },
        64,
    );
    net.receive(
        net.lan,
        &udp_frame(
            mac(10),
            LAN_MAC,
            ip(192, 168, 88, 10),
            ip(10, 0, 0, 2),
            64,
            b"x",
        ),
    );
    net.receive(
        net.lan,
        &udp_frame(
            mac(10),
            LAN_MAC,
            ip(192, 168, 88, 10),
            ip(10, 0, 0, 3),
            64,
            b"not traced",
        ),
    );
    let stages: Vec<(Stage, TraceVerdict)> = net
        .engine
        .trace()
        .records()
        .map(|r| (r.stage, r.verdict))
        .collect();
    assert_eq!(
        stages,
        [
            (Stage::Ipv4Ingress, TraceVerdict::Continue),
            (
                Stage::Routing,
                TraceVerdict::Routed(net.wan, ip(10, 0, 0, 2))
            ),
            (Stage::Forward, TraceVerdict::Continue),
            (Stage::Egress, TraceVerdict::Sent(net.wan)),
        ]
    );
}

#[test]
fn buffer_exhaustion_sheds_load_instead_of_growing() {
    let now = Instant::from_secs(1);
    let config = EngineConfig {
        max_buffers: 8,
        ..EngineConfig::default()
    };
    let mut engine = Engine::new(config, now);
    let lan = engine.add_interface("ether2", LAN_MAC).unwrap();
    let wan = engine.add_interface("ether1", WAN_MAC).unwrap();
    engine.add_address(cidr(192, 168, 88, 1, 24), lan).unwrap();
    engine.add_address(cidr(10, 0, 0, 1, 24), wan).unwrap();
    engine
        .add_static_arp(wan, ip(10, 0, 0, 2), mac(2), now)
        .unwrap();
    // Nobody drains the tx queues: after 8 buffers, packets are dropped and counted, not queued.
    for _ in 0..50 {
        engine.receive(
            lan,
            &udp_frame(
                mac(10),
                LAN_MAC,
                ip(192, 168, 88, 10),
                ip(10, 0, 0, 2),
                64,
                b"x",
            ),
            now,
        );
    }
    assert!(engine.tx_pending(wan) <= 8);
    assert!(engine.drops().get(DropReason::NoBuffer) >= 40);
    engine.transmit(wan, |_| true);
    engine.receive(
        lan,
        &udp_frame(
            mac(10),
            LAN_MAC,
            ip(192, 168, 88, 10),
            ip(10, 0, 0, 2),
            64,
            b"x",
        ),
        now,
    );
    assert_eq!(
        engine.tx_pending(wan),
        1,
        "buffers came back after transmission"
    );
}

#[test]
fn unknown_protocol_to_the_router_answers_protocol_unreachable() {
    let mut net = Net::new();
    net.introduce_both();
    let packet = ipv4(
        ip(192, 168, 88, 10),
        ip(192, 168, 88, 1),
        IpProtocol::Unknown(99),
        64,
        false,
        b"????????",
    );
    net.receive(net.lan, &ipv4_frame(mac(10), LAN_MAC, &packet));
    let (_, error) = single_ipv4(net.sent(net.lan));
    assert_eq!((icmp_of(&error).0, icmp_of(&error).1), (3, 2));
}

#[test]
fn icmp_errors_are_rate_limited() {
    let mut net = Net::new();
    net.introduce_both();
    let expired = udp_frame(
        mac(10),
        LAN_MAC,
        ip(192, 168, 88, 10),
        ip(10, 0, 0, 2),
        1,
        b"x",
    );
    for _ in 0..200 {
        net.receive(net.lan, &expired);
    }
    let sent = net.sent(net.lan).len() as u64;
    let stats = *net.engine.stats();
    assert_eq!(stats.icmp_errors_sent, sent);
    assert!(
        (40..=60).contains(&sent),
        "{sent} errors for 200 packets in one instant (burst is 50)"
    );
    assert_eq!(stats.icmp_errors_sent + stats.icmp_errors_rate_limited, 200);
    // Tokens come back with time.
    net.advance(100);
    net.receive(net.lan, &expired);
    assert_eq!(net.sent(net.lan).len(), 1);
}

#[test]
fn services_open_sockets_on_the_local_stack() {
    use smoltcp::socket::udp;
    let mut net = Net::new();
    net.introduce_both();
    let socket = udp::Socket::new(
        udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 4], vec![0; 2048]),
        udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 4], vec![0; 2048]),
    );
    let handle = net.engine.local_stack().sockets().add(socket);
    net.engine
        .local_stack()
        .sockets()
        .get_mut::<udp::Socket>(handle)
        .bind(5001)
        .unwrap();
    // The harness's UDP frames go to port 5001.
    net.receive(
        net.lan,
        &udp_frame(
            mac(10),
            LAN_MAC,
            ip(192, 168, 88, 10),
            ip(192, 168, 88, 1),
            64,
            b"ping",
        ),
    );
    let socket = net
        .engine
        .local_stack()
        .sockets()
        .get_mut::<udp::Socket>(handle);
    let (data, meta) = socket.recv().expect("datagram for the service");
    assert_eq!(data, b"ping");
    // A reply with the request's metadata leaves from the address the request came to.
    socket.send_slice(b"pong", meta).unwrap();
    net.advance(1);
    let (l2_dst, reply) = single_ipv4(net.sent(net.lan));
    assert_eq!(l2_dst, mac(10));
    let header = ipv4_header(&reply);
    assert_eq!(
        (header.src_addr, header.dst_addr),
        (ip(192, 168, 88, 1), ip(192, 168, 88, 10))
    );
    assert!(reply.ends_with(b"pong"));

    // Sending somewhere new: the engine names the right source; without one smoltcp still uses a router
    // address, never loopback.
    assert_eq!(
        net.engine.source_address_for(ip(10, 0, 0, 2)),
        Some(ip(10, 0, 0, 1))
    );
    assert_eq!(
        net.engine.source_address_for(ip(8, 8, 8, 8)),
        None,
        "no default route"
    );
    let socket = net
        .engine
        .local_stack()
        .sockets()
        .get_mut::<udp::Socket>(handle);
    socket.send_slice(b"hello", (ip(10, 0, 0, 2), 9)).unwrap();
    net.advance(1);
    let (_, datagram) = single_ipv4(net.sent(net.wan));
    assert_ne!(ipv4_header(&datagram).src_addr, ip(127, 0, 0, 1));
}

/// Found by the fuzzer: the router's own reply to a host whose ARP resolution failed (hold-down) needs an
/// ICMP error while the local stack's output is being sent; that nesting must not disturb either path.
#[test]
fn router_reply_to_a_host_in_arp_hold_down_is_dropped_cleanly() {
    let mut net = Net::new();
    let probe = udp_frame(
        mac(10),
        LAN_MAC,
        ip(192, 168, 88, 10),
        ip(192, 168, 88, 1),
        64,
        b"?",
    );
    net.receive(net.lan, &probe);
    // The port-unreachable reply waits for ARP, which the silent host never answers.
    for _ in 0..4 {
        net.advance(1000);
    }
    assert!(
        net.sent(net.lan)
            .iter()
            .all(|f| matches!(f, Sent::Arp { .. }))
    );
    let failed_before = net.engine.drops().get(DropReason::NeighborUnreachable);
    net.receive(net.lan, &probe);
    assert!(
        net.sent(net.lan).is_empty(),
        "no ARP storm during hold-down"
    );
    assert_eq!(
        net.engine.drops().get(DropReason::NeighborUnreachable),
        failed_before + 1
    );
}

#[test]
fn connected_routes_follow_addresses() {
    let mut net = Net::new();
    net.introduce_both();
    let to_wan_host = udp_frame(
        mac(10),
        LAN_MAC,
        ip(192, 168, 88, 10),
        ip(10, 0, 0, 2),
        64,
        b"x",
    );
    let wan_address = net
        .engine
        .addresses()
        .iter()
        .find(|a| a.interface == net.wan)
        .unwrap()
        .id;
    let connected = |net: &Net| {
        net.engine
            .routes()
            .iter()
            .filter(|r| r.flags.connected)
            .count()
    };
    assert_eq!(connected(&net), 2);

    net.engine.set_address_disabled(wan_address, true);
    assert_eq!(connected(&net), 1);
    net.receive(net.lan, &to_wan_host);
    assert!(
        net.sent(net.wan).is_empty(),
        "no route once the address is disabled"
    );
    assert_eq!(net.engine.drops().get(DropReason::NoRoute), 1);

    net.engine.set_address_disabled(wan_address, false);
    assert!(
        matches!(net.sent(net.wan).as_slice(), [Sent::Arp { .. }]),
        "re-enabled address is announced"
    );
    net.receive(net.lan, &to_wan_host);
    assert_eq!(single_ipv4(net.sent(net.wan)).0, mac(2));

    assert!(net.engine.remove_address(wan_address));
    assert_eq!(connected(&net), 1);
    assert!(!net.engine.addresses().is_local(ip(10, 0, 0, 1)));
    net.receive(net.lan, &to_wan_host);
    assert!(net.sent(net.wan).is_empty());
}

#[test]
fn trace_records_a_refused_packet_once_at_the_stage_that_refused_it() {
    let mut net = Net::new();
    net.introduce_both();
    net.engine.enable_trace(
        TraceFilter {
            interface: None,
            address: Some(ip(10, 0, 0, 2)),
        },
        64,
    );
    net.receive(
        net.lan,
        &udp_frame(
            mac(10),
            LAN_MAC,
            ip(192, 168, 88, 10),
            ip(10, 0, 0, 2),
            1,
            b"x",
        ),
    );
    let truncated = udp_frame(
        mac(10),
        LAN_MAC,
        ip(192, 168, 88, 10),
        ip(10, 0, 0, 2),
        64,
        &[],
    );
    net.receive(net.lan, &truncated[..30]);
    let stages: Vec<(Stage, TraceVerdict)> = net
        .engine
        .trace()
        .records()
        .map(|r| (r.stage, r.verdict))
        .collect();
    assert_eq!(
        stages,
        [
            (Stage::Ipv4Ingress, TraceVerdict::Continue),
            (
                Stage::Routing,
                TraceVerdict::Routed(net.wan, ip(10, 0, 0, 2))
            ),
            (
                Stage::Forward,
                TraceVerdict::Reject(DropReason::TtlExceeded)
            ),
        ],
        "the TTL rejection is recorded once; the malformed packet is not traced (the filter needs its header)"
    );
}

/// `/ip settings set arp-timeout=`: a learned neighbour goes stale after the configured time instead of
/// the default 30 s, and a smaller table bound evicts learned entries at once.
#[test]
fn neighbor_settings_change_at_run_time() {
    use netstack::neighbor::{NeighborConfig, NeighborStatus};
    let mut net = Net::new();
    net.introduce_both();
    let config = NeighborConfig {
        arp_timeout: Duration::from_secs(5),
        ..NeighborConfig::default()
    };
    net.engine.set_neighbor_config(config, net.now);
    assert_eq!(
        net.engine.neighbors().config().arp_timeout,
        Duration::from_secs(5)
    );
    let lan_host = ip(192, 168, 88, 10);
    // Learned before the change with the old timeout; confirmed again now, it takes the new one.
    net.introduce(net.lan, mac(10), lan_host, ip(192, 168, 88, 1));
    net.advance(6_000);
    let status = |net: &Net| {
        net.engine
            .neighbors()
            .entry(net.lan, lan_host, net.now)
            .map(|e| e.status)
    };
    assert_eq!(status(&net), Some(NeighborStatus::Stale));
    net.engine.set_neighbor_config(
        NeighborConfig {
            max_entries: 1,
            ..config
        },
        net.now,
    );
    assert_eq!(net.engine.neighbors().len(), 1, "evicted down to the bound");
}
