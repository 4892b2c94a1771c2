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
    assert!(
        answers.is_empty(),
        "and not answered with a reset: {answers:?}"
    );
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

/// An IPv4 packet (DF set, as Linux sends TCP) carrying a TCP segment with a window and options.
#[allow(clippy::too_many_arguments)]
fn tcp_with_options(
    src: smoltcp::wire::Ipv4Address,
    dst: smoltcp::wire::Ipv4Address,
    sport: u16,
    dport: u16,
    flags: u8,
    seq: u32,
    ack: u32,
    window: u16,
    options: &[u8],
    data: &[u8],
) -> Vec<u8> {
    let segment = tcp_payload_with_options(
        src, dst, sport, dport, flags, seq, ack, window, options, data,
    );
    ipv4(src, dst, IpProtocol::Tcp, 64, true, &segment)
}

const PSH: u8 = 0x08;
const FIN: u8 = 0x01;

/// What curl and `python3 -m http.server` do through the booted appliance: a short HTTP exchange whose
/// response ends with data and FIN in one segment, with window scaling and timestamps on both sides.
#[test]
fn http_exchange_with_fin_carrying_data_reaches_the_client() {
    let mut router = Router::new();
    let (client, server) = (ip(192, 168, 88, LAN_HOST), WAN_GATEWAY);
    let wan = WAN_ADDRESS.address();
    let syn_options = [
        2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 10,
    ];
    let ts = [1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 1];
    let (c_isn, s_isn) = (1_519_546_421u32, 4_223_637_834u32);
    let lan_to_wan = |router: &mut Router, flags, seq, ack, window, options: &[u8], data: &[u8]| {
        let packet = tcp_with_options(
            client, server, 47956, 8080, flags, seq, ack, window, options, data,
        );
        router.exchange(1, mac(LAN_HOST), &packet, 0)
    };
    let wan_to_lan = |router: &mut Router, flags, seq, ack, window, options: &[u8], data: &[u8]| {
        let packet = tcp_with_options(
            server, wan, 8080, 47956, flags, seq, ack, window, options, data,
        );
        router.exchange(0, mac(WAN_HOST), &packet, 1)
    };
    assert_eq!(
        lan_to_wan(&mut router, SYN, c_isn, 0, 64240, &syn_options, b"").len(),
        1
    );
    assert_eq!(
        wan_to_lan(
            &mut router,
            SYN | ACK,
            s_isn,
            c_isn + 1,
            65160,
            &syn_options,
            b""
        )
        .len(),
        1
    );
    assert_eq!(
        lan_to_wan(&mut router, ACK, c_isn + 1, s_isn + 1, 63, &ts, b"").len(),
        1
    );
    assert_eq!(
        lan_to_wan(
            &mut router,
            ACK | PSH,
            c_isn + 1,
            s_isn + 1,
            63,
            &ts,
            &[b'G'; 81]
        )
        .len(),
        1
    );
    assert_eq!(
        wan_to_lan(&mut router, ACK, s_isn + 1, c_isn + 82, 64, &ts, b"").len(),
        1
    );
    assert_eq!(
        wan_to_lan(
            &mut router,
            ACK | PSH,
            s_isn + 1,
            c_isn + 82,
            64,
            &ts,
            &[b'H'; 155]
        )
        .len(),
        1
    );
    let last = wan_to_lan(
        &mut router,
        ACK | PSH | FIN,
        s_isn + 156,
        c_isn + 82,
        64,
        &ts,
        &[b'B'; 392],
    );
    assert_eq!(
        last.len(),
        1,
        "the response body with FIN reaches the client: {:?}",
        router.engine.drops()
    );
}

/// A LAN host pings a WAN address nobody answers ARP for: after the ARP retries the router answers
/// Destination Host Unreachable from its LAN address, driven only by `poll_at`/`poll` as the kernel does.
#[test]
fn unanswered_arp_gives_host_unreachable_when_polled_as_the_kernel_does() {
    let mut router = Router::new();
    let lan_host = ip(192, 168, 88, LAN_HOST);
    let nobody = ip(198, 51, 100, 99);
    // The router learns the LAN host from its ARP request first, as on a real segment.
    let request = arp_frame(
        ArpOperation::Request,
        mac(LAN_HOST),
        lan_host,
        LAN_MAC,
        LAN_ADDRESS.address(),
    );
    router.engine.receive(InterfaceId(1), &request, router.now);
    router.sent(1);
    router.engine.receive(
        InterfaceId(1),
        &ipv4_frame(
            mac(LAN_HOST),
            LAN_MAC,
            &echo_request(lan_host, nobody, 64, 9, 1),
        ),
        router.now,
    );
    let mut unreachable = None;
    for _ in 0..200 {
        router.now += netstack::Duration::from_millis(100);
        if router
            .engine
            .poll_at(router.now)
            .is_some_and(|at| at <= router.now)
        {
            router.engine.poll(router.now);
        }
        router.sent(0);
        if let Some(ip) = router.sent(1).into_iter().find_map(|s| match s {
            Sent::Ipv4 { ip, .. } => Some(ip),
            _ => None,
        }) {
            unreachable = Some(ip);
            break;
        }
    }
    let ip = unreachable.expect("an ICMP error reaches the LAN host");
    assert_eq!(ipv4_header(&ip).src_addr, LAN_ADDRESS.address());
    assert_eq!(icmp_of(&ip).0, 3, "destination unreachable");
    assert_eq!(icmp_of(&ip).1, 1, "host unreachable");
}
