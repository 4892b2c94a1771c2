//! The link datagram path: DHCP datagrams taken off the link with their interface and MAC address
//! (never reaching the router's stack or the forward path), and datagrams sent out of one chosen
//! interface from any address to any MAC address.

mod common;

use common::*;
use netstack::engine::{LINK_QUEUE_LEN, LinkDatagram, LinkSendError};
use netstack::interface::InterfaceId;
use netstack::verdict::DropReason;
use netstack::{Engine, EngineConfig, Instant};
use smoltcp::socket::udp;
use smoltcp::wire::{EthernetAddress, IpProtocol, Ipv4Address, Ipv4Cidr, Ipv4Packet, UdpPacket};

const WAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x01]);
const LAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x02]);

struct Net {
    engine: Engine,
    wan: InterfaceId,
    lan: InterfaceId,
    now: Instant,
}

impl Net {
    /// ether1 (WAN) without an address (a DHCP client would get one), ether2 (LAN) 192.168.88.1/24.
    fn new() -> Self {
        let now = Instant::from_secs(1000);
        let mut engine = Engine::new(EngineConfig::default(), now);
        let wan = engine.add_interface("ether1", WAN_MAC).unwrap();
        let lan = engine.add_interface("ether2", LAN_MAC).unwrap();
        engine
            .add_address(Ipv4Cidr::new(ip(192, 168, 88, 1), 24), lan)
            .unwrap();
        let mut net = Self {
            engine,
            wan,
            lan,
            now,
        };
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
}

/// A UDP frame with the given ports.
fn dhcp_frame(
    src_mac: EthernetAddress,
    dst_mac: EthernetAddress,
    src: Ipv4Address,
    dst: Ipv4Address,
    ports: (u16, u16),
    data: &[u8],
) -> Vec<u8> {
    let udp = udp_payload(src, dst, ports.0, ports.1, data);
    ipv4_frame(
        src_mac,
        dst_mac,
        &ipv4(src, dst, IpProtocol::Udp, 64, false, &udp),
    )
}

fn discover_from(host: EthernetAddress) -> Vec<u8> {
    dhcp_frame(
        host,
        BROADCAST,
        Ipv4Address::UNSPECIFIED,
        Ipv4Address::BROADCAST,
        (68, 67),
        b"DHCPDISCOVER",
    )
}

fn bound_udp_socket(engine: &mut Engine, port: u16) -> smoltcp::iface::SocketHandle {
    let socket = udp::Socket::new(
        udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 4], vec![0; 2048]),
        udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 4], vec![0; 2048]),
    );
    let handle = engine.local_stack().sockets().add(socket);
    engine
        .local_stack()
        .sockets()
        .get_mut::<udp::Socket>(handle)
        .bind(port)
        .unwrap();
    handle
}

#[test]
fn a_broadcast_discover_is_queued_with_its_interface_and_mac_and_goes_nowhere_else() {
    let mut net = Net::new();
    let socket = bound_udp_socket(&mut net.engine, 67);
    net.engine
        .receive(net.lan, &discover_from(mac(10)), net.now);

    let datagram = net.engine.take_link_datagram().expect("queued");
    assert_eq!(
        datagram,
        LinkDatagram {
            interface: net.lan,
            src_mac: mac(10),
            link_broadcast: true,
            src_ip: Ipv4Address::UNSPECIFIED,
            dst_ip: Ipv4Address::BROADCAST,
            src_port: 68,
            dst_port: 67,
            payload: b"DHCPDISCOVER".to_vec(),
        }
    );
    assert_eq!(net.engine.take_link_datagram(), None);
    // Not the router's stack, not forwarded, nothing sent, nothing dropped.
    let stack_got = net
        .engine
        .local_stack()
        .sockets()
        .get_mut::<udp::Socket>(socket)
        .recv()
        .is_ok();
    assert!(!stack_got);
    assert_eq!(net.engine.stats().delivered_local, 0);
    assert_eq!(net.engine.stats().forwarded, 0);
    assert_eq!(net.engine.stats().link_datagrams_received, 1);
    assert!(net.sent(net.lan).is_empty() && net.sent(net.wan).is_empty());
    assert_eq!(net.engine.drops().total(), 0);
}

#[test]
fn an_offer_unicast_to_the_offered_address_reaches_the_client_side() {
    let mut net = Net::new();
    // RFC 2131 §4.1: a server may unicast the offer to the address it offers, to the client's MAC.
    net.engine.receive(
        net.wan,
        &dhcp_frame(
            mac(1),
            WAN_MAC,
            ip(198, 51, 100, 1),
            ip(198, 51, 100, 50),
            (67, 68),
            b"DHCPOFFER",
        ),
        net.now,
    );
    let datagram = net.engine.take_link_datagram().expect("queued");
    assert_eq!(datagram.interface, net.wan);
    assert_eq!(datagram.src_mac, mac(1));
    assert!(!datagram.link_broadcast);
    assert_eq!(datagram.dst_ip, ip(198, 51, 100, 50));
    assert_eq!(net.engine.stats().forwarded, 0);
}

#[test]
fn a_full_queue_drops_and_counts() {
    let mut net = Net::new();
    for _ in 0..LINK_QUEUE_LEN + 3 {
        net.engine
            .receive(net.lan, &discover_from(mac(10)), net.now);
    }
    assert_eq!(net.engine.drops().get(DropReason::LinkQueueFull), 3);
    let mut taken = 0;
    while net.engine.take_link_datagram().is_some() {
        taken += 1;
    }
    assert_eq!(taken, LINK_QUEUE_LEN);
    // Room again once taken.
    net.engine
        .receive(net.lan, &discover_from(mac(10)), net.now);
    assert!(net.engine.take_link_datagram().is_some());
}

#[test]
fn a_datagram_with_a_wrong_udp_checksum_is_dropped() {
    let mut net = Net::new();
    let mut frame = discover_from(mac(10));
    let last = frame.len() - 1;
    frame[last] ^= 0xFF;
    net.engine.receive(net.lan, &frame, net.now);
    assert_eq!(net.engine.take_link_datagram(), None);
    assert_eq!(net.engine.drops().get(DropReason::BadChecksum), 1);
}

#[test]
fn other_udp_still_goes_to_the_routers_stack_and_server_port_traffic_through_is_forwarded() {
    let mut net = Net::new();
    let socket = bound_udp_socket(&mut net.engine, 5001);
    net.engine.receive(
        net.lan,
        &dhcp_frame(
            mac(10),
            LAN_MAC,
            ip(192, 168, 88, 10),
            ip(192, 168, 88, 1),
            (40000, 5001),
            b"hello",
        ),
        net.now,
    );
    assert_eq!(net.engine.take_link_datagram(), None);
    let (data, _) = net
        .engine
        .local_stack()
        .sockets()
        .get_mut::<udp::Socket>(socket)
        .recv()
        .expect("the stack got it");
    assert_eq!(data, b"hello");

    // A relay's unicast to a server beyond the router (port 67, not to the router) is routed as usual.
    net.engine
        .add_address(Ipv4Cidr::new(ip(10, 0, 0, 1), 24), net.wan)
        .unwrap();
    net.sent(net.wan);
    net.engine.receive(
        net.lan,
        &dhcp_frame(
            mac(10),
            LAN_MAC,
            ip(192, 168, 88, 10),
            ip(10, 0, 0, 2),
            (67, 67),
            b"relayed",
        ),
        net.now,
    );
    assert_eq!(net.engine.take_link_datagram(), None);
    assert_eq!(net.engine.stats().forwarded, 1);
}

#[test]
fn a_broadcast_from_0_0_0_0_leaves_exactly_out_of_the_chosen_interface() {
    let mut net = Net::new();
    let before = net
        .engine
        .interfaces()
        .get(net.wan)
        .unwrap()
        .counters
        .tx_packets;
    net.engine
        .send_link_datagram(
            net.wan,
            BROADCAST,
            Ipv4Address::UNSPECIFIED,
            Ipv4Address::BROADCAST,
            68,
            67,
            b"DHCPDISCOVER",
            net.now,
        )
        .unwrap();
    assert!(net.sent(net.lan).is_empty(), "only the chosen interface");
    let frames = net.sent(net.wan);
    let [
        Sent::Ipv4 {
            l2_src,
            l2_dst,
            ip: bytes,
        },
    ] = frames.as_slice()
    else {
        panic!("expected one IPv4 frame, got {frames:?}");
    };
    assert_eq!((*l2_src, *l2_dst), (WAN_MAC, BROADCAST));
    let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
    assert!(packet.verify_checksum());
    assert_eq!(packet.src_addr(), Ipv4Address::UNSPECIFIED);
    assert_eq!(packet.dst_addr(), Ipv4Address::BROADCAST);
    assert_eq!(packet.hop_limit(), 64);
    assert_eq!(packet.next_header(), IpProtocol::Udp);
    let udp = UdpPacket::new_checked(packet.payload()).unwrap();
    assert_ne!(udp.checksum(), 0);
    assert!(udp.verify_checksum(&packet.src_addr().into(), &packet.dst_addr().into()));
    assert_eq!((udp.src_port(), udp.dst_port()), (68, 67));
    assert_eq!(udp.payload(), b"DHCPDISCOVER");
    let counters = net.engine.interfaces().get(net.wan).unwrap().counters;
    assert_eq!(counters.tx_packets, before + 1);
    assert_eq!(net.engine.stats().link_datagrams_sent, 1);
}

#[test]
fn a_unicast_to_a_mac_without_an_arp_entry_and_refusals() {
    let mut net = Net::new();
    net.engine
        .send_link_datagram(
            net.lan,
            mac(10),
            ip(192, 168, 88, 1),
            ip(192, 168, 88, 20),
            67,
            68,
            b"DHCPOFFER",
            net.now,
        )
        .unwrap();
    let frames = net.sent(net.lan);
    assert!(
        matches!(frames.as_slice(), [Sent::Ipv4 { l2_dst, .. }] if *l2_dst == mac(10)),
        "no ARP first: {frames:?}"
    );
    net.engine.set_disabled(net.wan, true, net.now);
    let down = net.engine.send_link_datagram(
        net.wan,
        BROADCAST,
        Ipv4Address::UNSPECIFIED,
        Ipv4Address::BROADCAST,
        68,
        67,
        b"x",
        net.now,
    );
    assert_eq!(down, Err(LinkSendError::InterfaceDown));
    let big = net.engine.send_link_datagram(
        net.lan,
        BROADCAST,
        Ipv4Address::UNSPECIFIED,
        Ipv4Address::BROADCAST,
        68,
        67,
        &[0; 1500],
        net.now,
    );
    assert_eq!(big, Err(LinkSendError::TooBig));
}
