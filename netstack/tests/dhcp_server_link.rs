//! The DHCP server on the engine: a client's broadcast DISCOVER and REQUEST on ether2 are answered out
//! of ether2 (and nowhere else), the client's datagrams to port 68 stay queued for the DHCP client,
//! and a server stays silent on an interface it does not serve.

mod common;

use common::*;
use netstack::dhcp_server::{DhcpServers, Pool, ReplyOptions, ServerConfig};
use netstack::interface::InterfaceId;
use netstack::{Duration, Engine, EngineConfig, Instant};
use smoltcp::wire::{
    DhcpMessageType, DhcpPacket, DhcpRepr, EthernetAddress, IpProtocol, Ipv4Address, Ipv4Cidr,
    Ipv4Packet, UdpPacket,
};

const WAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x01]);
const LAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x02]);

fn lan_ip(d: u8) -> Ipv4Address {
    ip(192, 168, 88, d)
}

struct Net {
    engine: Engine,
    wan: InterfaceId,
    lan: InterfaceId,
    servers: DhcpServers,
    now: Instant,
}

impl Net {
    fn new() -> Self {
        let now = Instant::from_secs(1000);
        let mut engine = Engine::new(EngineConfig::default(), now);
        let wan = engine.add_interface("ether1", WAN_MAC).unwrap();
        let lan = engine.add_interface("ether2", LAN_MAC).unwrap();
        engine
            .add_address(Ipv4Cidr::new(lan_ip(1), 24), lan)
            .unwrap();
        engine
            .add_address(Ipv4Cidr::new(ip(198, 51, 100, 2), 24), wan)
            .unwrap();
        let mut servers = DhcpServers::new();
        servers.configure(vec![(
            lan,
            ServerConfig {
                name: "dhcp_server_lan".into(),
                server_address: lan_ip(1),
                network: Ipv4Cidr::new(lan_ip(0), 24),
                pool: Some(Pool::new(&[(lan_ip(10), lan_ip(254))])),
                lease_time: Duration::from_secs(600),
                authoritative: true,
                options: ReplyOptions {
                    routers: vec![lan_ip(1)],
                    dns_servers: vec![lan_ip(1)],
                    ..ReplyOptions::default()
                },
                static_leases: Vec::new(),
            },
        )]);
        let mut net = Self {
            engine,
            wan,
            lan,
            servers,
            now,
        };
        net.sent(lan);
        net.sent(wan);
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

fn client_message(
    kind: DhcpMessageType,
    client: EthernetAddress,
    requested: Option<Ipv4Address>,
) -> Vec<u8> {
    let repr = DhcpRepr {
        message_type: kind,
        transaction_id: 0xabcd,
        secs: 0,
        client_hardware_address: client,
        client_ip: Ipv4Address::UNSPECIFIED,
        your_ip: Ipv4Address::UNSPECIFIED,
        server_ip: Ipv4Address::UNSPECIFIED,
        router: None,
        subnet_mask: None,
        relay_agent_ip: Ipv4Address::UNSPECIFIED,
        broadcast: false,
        requested_ip: requested,
        client_identifier: None,
        server_identifier: requested.map(|_| lan_ip(1)),
        parameter_request_list: None,
        dns_servers: None,
        max_size: None,
        lease_duration: None,
        renew_duration: None,
        rebind_duration: None,
        additional_options: &[],
    };
    let mut bytes = vec![0; repr.buffer_len()];
    repr.emit(&mut DhcpPacket::new_unchecked(&mut bytes[..]))
        .unwrap();
    let udp = udp_payload(
        Ipv4Address::UNSPECIFIED,
        Ipv4Address::BROADCAST,
        68,
        67,
        &bytes,
    );
    ipv4_frame(
        client,
        BROADCAST,
        &ipv4(
            Ipv4Address::UNSPECIFIED,
            Ipv4Address::BROADCAST,
            IpProtocol::Udp,
            64,
            false,
            &udp,
        ),
    )
}

/// The one DHCP reply sent: (link destination, IP destination, the DHCP message).
fn reply(sent: &[Sent]) -> (EthernetAddress, Ipv4Address, Vec<u8>) {
    assert_eq!(sent.len(), 1, "{sent:?}");
    let Sent::Ipv4 { l2_src, l2_dst, ip } = &sent[0] else {
        panic!("not IPv4: {sent:?}");
    };
    assert_eq!(*l2_src, LAN_MAC);
    assert_eq!(udp_of(ip), (67, 68));
    let packet = Ipv4Packet::new_checked(&ip[..]).unwrap();
    assert_eq!(packet.src_addr(), lan_ip(1));
    let udp = UdpPacket::new_checked(packet.payload()).unwrap();
    (*l2_dst, packet.dst_addr(), udp.payload().to_vec())
}

#[test]
fn a_client_on_the_served_interface_gets_an_offer_and_an_ack_out_of_that_interface() {
    let mut net = Net::new();
    let client = mac(10);
    let discover = client_message(DhcpMessageType::Discover, client, None);
    net.engine.receive(net.lan, &discover, net.now);
    assert!(net.servers.run(&mut net.engine, net.now));
    assert!(net.sent(net.wan).is_empty(), "nothing out of the WAN port");
    let (l2_dst, dst, payload) = reply(&net.sent(net.lan));
    assert_eq!((l2_dst, dst), (client, lan_ip(254)));
    let packet = DhcpPacket::new_checked(&payload[..]).unwrap();
    let offer = DhcpRepr::parse(&packet).unwrap();
    assert_eq!(offer.message_type, DhcpMessageType::Offer);
    assert_eq!(offer.your_ip, lan_ip(254));
    assert_eq!(offer.router, Some(lan_ip(1)));

    let request = client_message(DhcpMessageType::Request, client, Some(lan_ip(254)));
    net.engine.receive(net.lan, &request, net.now);
    net.servers.run(&mut net.engine, net.now);
    let (_, _, payload) = reply(&net.sent(net.lan));
    let packet = DhcpPacket::new_checked(&payload[..]).unwrap();
    let ack = DhcpRepr::parse(&packet).unwrap();
    assert_eq!(ack.message_type, DhcpMessageType::Ack);
    assert_eq!(ack.lease_duration, Some(600));
    let lease = net
        .servers
        .servers()
        .next()
        .unwrap()
        .leases()
        .next()
        .unwrap();
    assert_eq!((lease.mac, lease.address), (client, lan_ip(254)));
}

#[test]
fn no_server_on_the_wan_and_the_clients_port_is_left_alone() {
    let mut net = Net::new();
    let discover = client_message(DhcpMessageType::Discover, mac(20), None);
    net.engine.receive(net.wan, &discover, net.now);
    // A datagram to port 68 (an offer for the router's own DHCP client) waits for the client.
    let offer = udp_payload(
        ip(198, 51, 100, 1),
        Ipv4Address::BROADCAST,
        67,
        68,
        b"offer",
    );
    let frame = ipv4_frame(
        mac(30),
        BROADCAST,
        &ipv4(
            ip(198, 51, 100, 1),
            Ipv4Address::BROADCAST,
            IpProtocol::Udp,
            64,
            false,
            &offer,
        ),
    );
    net.engine.receive(net.wan, &frame, net.now);
    net.servers.run(&mut net.engine, net.now);
    assert!(net.sent(net.wan).is_empty() && net.sent(net.lan).is_empty());
    assert_eq!(net.servers.stats().no_server, 1);
    let left = net
        .engine
        .take_link_datagram()
        .expect("the client's datagram stays");
    assert_eq!(left.dst_port, 68);
    assert!(net.engine.take_link_datagram().is_none());
}

#[test]
fn a_reconfigured_server_keeps_its_leases_and_a_removed_one_goes_silent() {
    let mut net = Net::new();
    let client = mac(10);
    for kind in [DhcpMessageType::Discover, DhcpMessageType::Request] {
        let requested = (kind == DhcpMessageType::Request).then(|| lan_ip(254));
        let frame = client_message(kind, client, requested);
        net.engine.receive(net.lan, &frame, net.now);
        net.servers.run(&mut net.engine, net.now);
        net.sent(net.lan);
    }
    let mut config = net.servers.servers().next().unwrap().config().clone();
    config.lease_time = Duration::from_secs(1200);
    net.servers.configure(vec![(net.lan, config)]);
    assert_eq!(net.servers.servers().next().unwrap().leases().count(), 1);
    net.servers.configure(Vec::new());
    let discover = client_message(DhcpMessageType::Discover, mac(11), None);
    net.engine.receive(net.lan, &discover, net.now);
    net.servers.run(&mut net.engine, net.now);
    assert!(
        net.sent(net.lan).is_empty(),
        "a disabled or removed server is silent"
    );
}
