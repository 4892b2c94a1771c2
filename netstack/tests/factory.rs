//! The configuration the appliance boots with (`netstack::factory`), driven like the network tests drive the
//! booted image: hosts that resolve the router with ARP, ping it, and connect through it.

mod common;

use common::*;
use netstack::factory::{self, LAN_ADDRESS, WAN_ADDRESS, WAN_GATEWAY};
use netstack::firewall::Firewall;
use netstack::interface::InterfaceId;
use netstack::{Engine, EngineConfig, Instant};
use smoltcp::wire::{ArpOperation, ArpRepr, EthernetAddress, IpProtocol};

const WAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0, 0, 1]);
const LAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0, 0, 2]);
const LAN_HOST: u8 = 10;
const WAN_HOST: u8 = 1;

struct Router {
    engine: Engine<Firewall>,
    now: Instant,
}

impl Router {
    fn new() -> Self {
        let now = Instant::from_secs(1);
        let engine = factory::build(&[WAN_MAC, LAN_MAC], EngineConfig::default(), 7, now)
            .expect("factory configuration applies");
        Self { engine, now }
    }

    fn sent(&mut self, interface: u16) -> Vec<Sent> {
        let mut out = Vec::new();
        self.engine.transmit(InterfaceId(interface), |frame| {
            out.push(parse(frame));
            true
        });
        out
    }

    /// Delivers `ip_packet` from a host on `interface`, answering the router's ARP question for `host_ip`
    /// with `host_mac` when it asks, and returns the IPv4 packets it sent out of `out`.
    fn exchange(
        &mut self,
        interface: u16,
        host_mac: EthernetAddress,
        ip_packet: &[u8],
        out: u16,
    ) -> Vec<Vec<u8>> {
        let router_mac = if interface == 0 { WAN_MAC } else { LAN_MAC };
        self.engine.receive(
            InterfaceId(interface),
            &ipv4_frame(host_mac, router_mac, ip_packet),
            self.now,
        );
        let mut packets = Vec::new();
        for _ in 0..3 {
            let mut answered = false;
            for sent in self.sent(out) {
                match sent {
                    Sent::Arp {
                        repr:
                            ArpRepr::EthernetIpv4 {
                                operation: ArpOperation::Request,
                                source_protocol_addr,
                                target_protocol_addr,
                                ..
                            },
                        ..
                    } => {
                        let peer_mac = if out == 0 {
                            mac(WAN_HOST)
                        } else {
                            mac(LAN_HOST)
                        };
                        let own = if out == 0 { WAN_MAC } else { LAN_MAC };
                        let reply = arp_frame(
                            ArpOperation::Reply,
                            peer_mac,
                            target_protocol_addr,
                            own,
                            source_protocol_addr,
                        );
                        self.engine.receive(InterfaceId(out), &reply, self.now);
                        answered = true;
                    }
                    Sent::Ipv4 { ip, .. } => packets.push(ip),
                    _ => {}
                }
            }
            if !answered {
                break;
            }
        }
        packets
    }
}

#[test]
fn lan_host_pings_the_router_and_wan_host_pings_its_wan_address() {
    let mut router = Router::new();
    let lan_host = ip(192, 168, 88, LAN_HOST);
    let replies = router.exchange(
        1,
        mac(LAN_HOST),
        &echo_request(lan_host, LAN_ADDRESS.address(), 64, 1, 1),
        1,
    );
    assert_eq!(replies.len(), 1, "one echo reply on the LAN");
    assert_eq!(icmp_of(&replies[0]).0, 0, "echo reply");

    let replies = router.exchange(
        0,
        mac(WAN_HOST),
        &echo_request(WAN_GATEWAY, WAN_ADDRESS.address(), 64, 1, 1),
        0,
    );
    assert_eq!(
        replies.len(),
        1,
        "defconf accepts ICMP on input from anywhere"
    );
    assert_eq!(ipv4_header(&replies[0]).dst_addr, WAN_GATEWAY);
}

#[test]
fn lan_connections_leave_masqueraded_and_wan_connections_are_dropped() {
    let mut router = Router::new();
    let (client, server) = (ip(192, 168, 88, LAN_HOST), WAN_GATEWAY);
    let syn = ipv4(
        client,
        server,
        IpProtocol::Tcp,
        64,
        false,
        &tcp_payload(client, server, 40000, 80, SYN, 1, 0, b""),
    );
    let out = router.exchange(1, mac(LAN_HOST), &syn, 0);
    assert_eq!(out.len(), 1, "the SYN leaves on the WAN");
    assert_eq!(
        ipv4_header(&out[0]).src_addr,
        WAN_ADDRESS.address(),
        "masqueraded"
    );
    assert_eq!(ipv4_header(&out[0]).hop_limit, 63);

    let intruder = ipv4(
        server,
        client,
        IpProtocol::Tcp,
        64,
        false,
        &tcp_payload(server, client, 5555, 22, SYN, 1, 0, b""),
    );
    assert!(
        router.exchange(0, mac(WAN_HOST), &intruder, 1).is_empty(),
        "WAN-initiated connection dropped"
    );
    let answers: Vec<_> = router
        .sent(0)
        .into_iter()
        .filter(|sent| matches!(sent, Sent::Ipv4 { .. }))
        .collect();
    assert!(answers.is_empty(), "and not answered with a reset: {answers:?}");
}

#[test]
fn only_ether1_and_ether2_are_configured() {
    let now = Instant::from_secs(1);
    let third = EthernetAddress([0x52, 0x54, 0, 0, 0, 3]);
    let engine =
        factory::build(&[WAN_MAC, LAN_MAC, third], EngineConfig::default(), 7, now).unwrap();
    let names: Vec<_> = engine
        .interfaces()
        .iter()
        .map(|(_, i)| i.name.clone())
        .collect();
    assert_eq!(names, ["ether1", "ether2", "ether3"]);
    assert_eq!(engine.addresses().iter().count(), 2);
    let single = factory::build(&[WAN_MAC], EngineConfig::default(), 7, now).unwrap();
    assert_eq!(single.addresses().iter().count(), 1);
}
