//! Every exchange of RFC 2131 §4.3 between clients and one server, on a fake clock.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use smoltcp::wire::{
    DhcpMessageType, DhcpOption, DhcpPacket, DhcpRepr, EthernetAddress, Ipv4Address, Ipv4Cidr,
};

use super::*;
use crate::{Duration, Instant};

fn a(d: u8) -> Ipv4Address {
    Ipv4Address::new(192, 168, 88, d)
}

fn mac(n: u8) -> EthernetAddress {
    EthernetAddress([0x02, 0, 0, 0, 0, n])
}

fn at(secs: i64) -> Instant {
    Instant::from_secs(secs)
}

/// Seed 001's LAN server: pool .10-.254, 10 minute leases, gateway and DNS .1.
fn config() -> ServerConfig {
    ServerConfig {
        name: String::from("dhcp_server_lan"),
        server_address: a(1),
        network: Ipv4Cidr::new(a(0), 24),
        pool: Some(Pool::new(&[(a(10), a(254))])),
        lease_time: Duration::from_secs(600),
        authoritative: true,
        options: ReplyOptions {
            routers: vec![a(1)],
            dns_servers: vec![a(1), Ipv4Address::new(9, 9, 9, 9)],
            domain: Some(String::from("lan.example")),
            ntp_servers: vec![a(2)],
            ..ReplyOptions::default()
        },
        static_leases: Vec::new(),
    }
}

fn nothing_in_use(_: Ipv4Address, _: EthernetAddress) -> bool {
    false
}

/// A client message as smoltcp's DHCP client would write it.
struct Msg {
    kind: DhcpMessageType,
    mac: EthernetAddress,
    ciaddr: Ipv4Address,
    requested: Option<Ipv4Address>,
    server_id: Option<Ipv4Address>,
    broadcast: bool,
    host_name: Option<&'static str>,
}

fn msg(kind: DhcpMessageType, mac: EthernetAddress) -> Msg {
    Msg {
        kind,
        mac,
        ciaddr: Ipv4Address::UNSPECIFIED,
        requested: None,
        server_id: None,
        broadcast: false,
        host_name: None,
    }
}

impl Msg {
    fn requested(mut self, address: Ipv4Address) -> Self {
        self.requested = Some(address);
        self
    }
    fn server(mut self, address: Ipv4Address) -> Self {
        self.server_id = Some(address);
        self
    }
    fn ciaddr(mut self, address: Ipv4Address) -> Self {
        self.ciaddr = address;
        self
    }
    fn broadcast(mut self) -> Self {
        self.broadcast = true;
        self
    }
    fn host(mut self, name: &'static str) -> Self {
        self.host_name = Some(name);
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let host = self.host_name.map(|h| DhcpOption {
            kind: 12,
            data: h.as_bytes(),
        });
        let extra: Vec<DhcpOption> = host.into_iter().collect();
        let repr = DhcpRepr {
            message_type: self.kind,
            transaction_id: 0x1234_5678,
            secs: 0,
            client_hardware_address: self.mac,
            client_ip: self.ciaddr,
            your_ip: Ipv4Address::UNSPECIFIED,
            server_ip: Ipv4Address::UNSPECIFIED,
            router: None,
            subnet_mask: None,
            relay_agent_ip: Ipv4Address::UNSPECIFIED,
            broadcast: self.broadcast,
            requested_ip: self.requested,
            client_identifier: Some(self.mac),
            server_identifier: self.server_id,
            parameter_request_list: Some(&[1, 3, 6, 15, 42]),
            dns_servers: None,
            max_size: None,
            lease_duration: None,
            renew_duration: None,
            rebind_duration: None,
            additional_options: &extra,
        };
        let mut bytes = vec![0; repr.buffer_len()];
        repr.emit(&mut DhcpPacket::new_unchecked(&mut bytes[..]))
            .unwrap();
        bytes
    }
}

/// What a reply said.
#[derive(Debug)]
struct Answer {
    kind: DhcpMessageType,
    yiaddr: Ipv4Address,
    ciaddr: Ipv4Address,
    dst_ip: Ipv4Address,
    link_dst: EthernetAddress,
    server_id: Option<Ipv4Address>,
    lease: Option<u32>,
    t1: Option<u32>,
    t2: Option<u32>,
    mask: Option<Ipv4Address>,
    routers: Vec<Ipv4Address>,
    dns: Vec<Ipv4Address>,
    ntp: Vec<Ipv4Address>,
    domain: Option<String>,
    broadcast_flag: bool,
}

fn addresses(data: &[u8]) -> Vec<Ipv4Address> {
    let (quads, _) = data.as_chunks::<4>();
    quads.iter().map(|&q| Ipv4Address::from(q)).collect()
}

fn read(reply: &Reply) -> Answer {
    let packet = DhcpPacket::new_checked(&reply.payload[..]).unwrap();
    let repr = DhcpRepr::parse(&packet).unwrap();
    let mut answer = Answer {
        kind: repr.message_type,
        yiaddr: repr.your_ip,
        ciaddr: repr.client_ip,
        dst_ip: reply.dst_ip,
        link_dst: reply.link_dst,
        server_id: repr.server_identifier,
        lease: repr.lease_duration,
        t1: repr.renew_duration,
        t2: repr.rebind_duration,
        mask: repr.subnet_mask,
        routers: Vec::new(),
        dns: Vec::new(),
        ntp: Vec::new(),
        domain: None,
        broadcast_flag: repr.broadcast,
    };
    assert_eq!(reply.src_ip, a(1), "replies come from the server's address");
    assert!(reply.payload.len() >= 300, "BOOTP minimum length");
    for option in packet.options() {
        match option.kind {
            3 => answer.routers = addresses(option.data),
            6 => answer.dns = addresses(option.data),
            42 => answer.ntp = addresses(option.data),
            15 => answer.domain = Some(String::from_utf8(option.data.to_vec()).unwrap()),
            _ => {}
        }
    }
    answer
}

fn send(server: &mut Server, m: Msg, now: Instant) -> Option<Answer> {
    server
        .handle(&m.bytes(), now, &nothing_in_use)
        .as_ref()
        .map(read)
}

/// DISCOVER, OFFER, REQUEST, ACK for `client`: the bound address.
fn bind(server: &mut Server, client: EthernetAddress, now: Instant) -> Ipv4Address {
    let offer = send(server, msg(DhcpMessageType::Discover, client), now).expect("an offer");
    assert_eq!(offer.kind, DhcpMessageType::Offer);
    let ack = send(
        server,
        msg(DhcpMessageType::Request, client)
            .requested(offer.yiaddr)
            .server(a(1)),
        now,
    )
    .expect("an ack");
    assert_eq!(ack.kind, DhcpMessageType::Ack);
    assert_eq!(ack.yiaddr, offer.yiaddr);
    ack.yiaddr
}

fn status(server: &Server, client: EthernetAddress) -> Option<LeaseStatus> {
    server.leases().find(|l| l.mac == client).map(|l| l.status)
}

#[test]
fn discover_offer_request_ack_with_the_networks_options() {
    let mut server = Server::new(config());
    let offer = send(
        &mut server,
        msg(DhcpMessageType::Discover, mac(1)).host("laptop"),
        at(0),
    )
    .unwrap();
    assert_eq!(offer.kind, DhcpMessageType::Offer);
    assert_eq!(
        offer.yiaddr,
        a(254),
        "RouterOS hands out from the top of the pool"
    );
    assert_eq!(offer.server_id, Some(a(1)));
    assert_eq!(offer.lease, Some(600));
    assert_eq!((offer.t1, offer.t2), (Some(300), Some(525)));
    assert_eq!(offer.mask, Some(Ipv4Address::new(255, 255, 255, 0)));
    assert_eq!(offer.routers, [a(1)]);
    assert_eq!(offer.dns, [a(1), Ipv4Address::new(9, 9, 9, 9)]);
    assert_eq!(offer.ntp, [a(2)]);
    assert_eq!(offer.domain.as_deref(), Some("lan.example"));
    // No broadcast bit, no ciaddr: unicast to yiaddr at the client's MAC address.
    assert_eq!((offer.dst_ip, offer.link_dst), (a(254), mac(1)));
    assert_eq!(status(&server, mac(1)), Some(LeaseStatus::Offered));

    let ack = send(
        &mut server,
        msg(DhcpMessageType::Request, mac(1))
            .requested(a(254))
            .server(a(1))
            .broadcast(),
        at(1),
    )
    .unwrap();
    assert_eq!(ack.kind, DhcpMessageType::Ack);
    assert_eq!(ack.yiaddr, a(254));
    assert!(ack.broadcast_flag);
    assert_eq!(
        (ack.dst_ip, ack.link_dst),
        (Ipv4Address::BROADCAST, EthernetAddress::BROADCAST),
        "the broadcast bit asks for a broadcast reply"
    );
    let lease = server.leases().next().unwrap();
    assert_eq!(lease.status, LeaseStatus::Bound);
    assert_eq!(lease.host_name.as_deref(), Some("laptop"));
    assert_eq!(lease.expires, at(601));
    assert_eq!(
        server.take_events(),
        [Event::Assigned {
            address: a(254),
            mac: mac(1),
            host_name: Some(String::from("laptop"))
        }]
    );
    assert_eq!(server.take_changes(), (true, false));
    // The next client gets the next address down.
    assert_eq!(bind(&mut server, mac(2), at(2)), a(253));
}

#[test]
fn a_requested_address_is_honoured_when_free_and_in_the_pool() {
    let mut server = Server::new(config());
    let offer = send(
        &mut server,
        msg(DhcpMessageType::Discover, mac(1)).requested(a(50)),
        at(0),
    )
    .unwrap();
    assert_eq!(offer.yiaddr, a(50));
    for outside in [a(5), Ipv4Address::new(10, 0, 0, 5), a(1), a(255)] {
        let offer = send(
            &mut server,
            msg(DhcpMessageType::Discover, mac(2)).requested(outside),
            at(0),
        )
        .unwrap();
        assert_eq!(offer.yiaddr, a(254), "{outside} is not in the pool");
    }
    // Held for client 1, so not given to client 3.
    let offer = send(
        &mut server,
        msg(DhcpMessageType::Discover, mac(3)).requested(a(50)),
        at(1),
    )
    .unwrap();
    assert_ne!(offer.yiaddr, a(50));
}

#[test]
fn an_offer_is_held_briefly_then_given_to_others() {
    let mut server = Server::new(config());
    let first = send(&mut server, msg(DhcpMessageType::Discover, mac(1)), at(0)).unwrap();
    let second = send(&mut server, msg(DhcpMessageType::Discover, mac(2)), at(1)).unwrap();
    assert_ne!(first.yiaddr, second.yiaddr);
    server.poll(at(31));
    assert_eq!(status(&server, mac(1)), None, "lapsed after 30 s");
    let third = send(&mut server, msg(DhcpMessageType::Discover, mac(3)), at(40)).unwrap();
    assert_eq!(third.yiaddr, first.yiaddr);
}

#[test]
fn renewing_and_rebinding_extend_the_lease() {
    let mut server = Server::new(config());
    let address = bind(&mut server, mac(1), at(0));
    server.take_changes();
    server.take_events();
    // RENEWING at T1: unicast, ciaddr set, no server id, no requested address.
    let ack = send(
        &mut server,
        msg(DhcpMessageType::Request, mac(1)).ciaddr(address),
        at(300),
    )
    .unwrap();
    assert_eq!(ack.kind, DhcpMessageType::Ack);
    assert_eq!((ack.yiaddr, ack.ciaddr), (address, address));
    assert_eq!(
        (ack.dst_ip, ack.link_dst),
        (address, mac(1)),
        "unicast to ciaddr"
    );
    assert_eq!(server.leases().next().unwrap().expires, at(900));
    assert_eq!(
        server.take_changes(),
        (false, true),
        "a renewal is no new binding"
    );
    assert!(server.take_events().is_empty());
    // REBINDING at T2: broadcast, same fields.
    let ack = send(
        &mut server,
        msg(DhcpMessageType::Request, mac(1))
            .ciaddr(address)
            .broadcast(),
        at(825),
    )
    .unwrap();
    assert_eq!(ack.kind, DhcpMessageType::Ack);
    assert_eq!(ack.dst_ip, address, "ciaddr wins over the broadcast bit");
    assert_eq!(server.leases().next().unwrap().expires, at(1425));
}

#[test]
fn an_expired_lease_is_ended_and_its_address_reused() {
    let mut server = Server::new(config());
    let address = bind(&mut server, mac(1), at(0));
    server.take_events();
    server.poll(at(599));
    assert_eq!(status(&server, mac(1)), Some(LeaseStatus::Bound));
    server.poll(at(600));
    assert_eq!(status(&server, mac(1)), None);
    assert_eq!(
        server.take_events(),
        [Event::Deassigned {
            address,
            mac: mac(1),
            host_name: None
        }]
    );
    assert_eq!(bind(&mut server, mac(2), at(601)), address);
    // The old client's renewal now names another client's address.
    let nak = send(
        &mut server,
        msg(DhcpMessageType::Request, mac(1)).ciaddr(address),
        at(602),
    )
    .unwrap();
    assert_eq!(nak.kind, DhcpMessageType::Nak);
    assert_eq!(
        (nak.dst_ip, nak.link_dst),
        (Ipv4Address::BROADCAST, EthernetAddress::BROADCAST)
    );
    assert_eq!(nak.yiaddr, Ipv4Address::UNSPECIFIED);
}

#[test]
fn init_reboot_confirms_the_clients_lease_and_naks_a_foreign_address() {
    let mut server = Server::new(config());
    let address = bind(&mut server, mac(1), at(0));
    let ack = send(
        &mut server,
        msg(DhcpMessageType::Request, mac(1)).requested(address),
        at(10),
    )
    .unwrap();
    assert_eq!(ack.kind, DhcpMessageType::Ack);
    let foreign = Ipv4Address::new(10, 1, 1, 7);
    let nak = send(
        &mut server,
        msg(DhcpMessageType::Request, mac(2)).requested(foreign),
        at(10),
    )
    .unwrap();
    assert_eq!(nak.kind, DhcpMessageType::Nak);
    assert_eq!(nak.server_id, Some(a(1)));
    // Another client's address is as foreign.
    let nak = send(
        &mut server,
        msg(DhcpMessageType::Request, mac(2)).requested(address),
        at(10),
    )
    .unwrap();
    assert_eq!(nak.kind, DhcpMessageType::Nak);
}

#[test]
fn a_server_that_is_not_authoritative_stays_silent() {
    let mut server = Server::new(ServerConfig {
        authoritative: false,
        ..config()
    });
    let foreign = Ipv4Address::new(10, 1, 1, 7);
    for m in [
        msg(DhcpMessageType::Request, mac(2)).requested(foreign),
        msg(DhcpMessageType::Request, mac(2)).ciaddr(foreign),
    ] {
        assert!(send(&mut server, m, at(0)).is_none());
    }
    assert_eq!(server.stats().naks, 0);
}

#[test]
fn selecting_another_server_frees_the_offer_and_a_wrong_address_is_naked() {
    let mut server = Server::new(config());
    let offer = send(&mut server, msg(DhcpMessageType::Discover, mac(1)), at(0)).unwrap();
    let silent = send(
        &mut server,
        msg(DhcpMessageType::Request, mac(1))
            .requested(Ipv4Address::new(10, 0, 0, 9))
            .server(Ipv4Address::new(10, 0, 0, 1)),
        at(1),
    );
    assert!(silent.is_none());
    assert_eq!(status(&server, mac(1)), None, "offer withdrawn");
    let again = send(&mut server, msg(DhcpMessageType::Discover, mac(1)), at(2)).unwrap();
    assert_eq!(again.yiaddr, offer.yiaddr);
    let nak = send(
        &mut server,
        msg(DhcpMessageType::Request, mac(1))
            .requested(a(77))
            .server(a(1)),
        at(3),
    )
    .unwrap();
    assert_eq!(nak.kind, DhcpMessageType::Nak, "not what was offered");
}

#[test]
fn decline_keeps_the_address_out_of_use_for_a_while() {
    let mut server = Server::new(config());
    let address = bind(&mut server, mac(1), at(0));
    let answer = send(
        &mut server,
        msg(DhcpMessageType::Decline, mac(1))
            .requested(address)
            .server(a(1)),
        at(1),
    );
    assert!(answer.is_none(), "DECLINE gets no reply");
    assert_eq!(status(&server, mac(1)), None);
    let next = send(&mut server, msg(DhcpMessageType::Discover, mac(1)), at(2)).unwrap();
    assert_ne!(next.yiaddr, address);
    let other = send(
        &mut server,
        msg(DhcpMessageType::Discover, mac(2)).requested(address),
        at(3),
    )
    .unwrap();
    assert_ne!(other.yiaddr, address);
    // After the hold it is handed out again.
    let later = send(
        &mut server,
        msg(DhcpMessageType::Discover, mac(3)).requested(address),
        at(1 + 601),
    )
    .unwrap();
    assert_eq!(later.yiaddr, address);
}

#[test]
fn release_ends_the_lease_at_once() {
    let mut server = Server::new(config());
    let address = bind(&mut server, mac(1), at(0));
    server.take_events();
    // A release naming an address the client does not hold changes nothing.
    send(
        &mut server,
        msg(DhcpMessageType::Release, mac(1)).ciaddr(a(9)),
        at(1),
    );
    assert_eq!(status(&server, mac(1)), Some(LeaseStatus::Bound));
    assert!(
        send(
            &mut server,
            msg(DhcpMessageType::Release, mac(1))
                .ciaddr(address)
                .server(a(1)),
            at(2)
        )
        .is_none()
    );
    assert_eq!(status(&server, mac(1)), None);
    assert_eq!(server.take_events().len(), 1);
    assert_eq!(bind(&mut server, mac(2), at(3)), address);
}

#[test]
fn inform_gets_the_options_without_a_lease() {
    let mut server = Server::new(config());
    let ack = send(
        &mut server,
        msg(DhcpMessageType::Inform, mac(1)).ciaddr(a(5)),
        at(0),
    )
    .unwrap();
    assert_eq!(ack.kind, DhcpMessageType::Ack);
    assert_eq!(ack.yiaddr, Ipv4Address::UNSPECIFIED);
    assert_eq!(ack.lease, None, "RFC 2131 §4.3.5: no lease time");
    assert_eq!(ack.routers, [a(1)]);
    assert_eq!((ack.dst_ip, ack.link_dst), (a(5), mac(1)));
    assert_eq!(server.leases().count(), 0);
    let elsewhere = send(
        &mut server,
        msg(DhcpMessageType::Inform, mac(1)).ciaddr(Ipv4Address::new(10, 0, 0, 5)),
        at(0),
    );
    assert!(elsewhere.is_none());
}

#[test]
fn a_static_lease_wins_and_is_never_given_to_another_mac() {
    let statics = vec![StaticLease {
        mac: mac(7),
        address: a(254),
        lease_time: Some(Duration::from_secs(3600)),
    }];
    let mut server = Server::new(ServerConfig {
        static_leases: statics,
        ..config()
    });
    assert_eq!(status(&server, mac(7)), Some(LeaseStatus::Waiting));
    // Another client asking for it gets the next address.
    let offer = send(
        &mut server,
        msg(DhcpMessageType::Discover, mac(1)).requested(a(254)),
        at(0),
    )
    .unwrap();
    assert_eq!(offer.yiaddr, a(253));
    // Its owner gets it whatever it asks for, with the lease's own lease time.
    let offer = send(
        &mut server,
        msg(DhcpMessageType::Discover, mac(7)).requested(a(100)),
        at(0),
    )
    .unwrap();
    assert_eq!((offer.yiaddr, offer.lease), (a(254), Some(3600)));
    assert_eq!(bind(&mut server, mac(7), at(1)), a(254));
    let lease = server.leases().find(|l| l.mac == mac(7)).unwrap();
    assert!(lease.is_static && lease.status == LeaseStatus::Bound);
    // Released, it waits instead of going away.
    send(
        &mut server,
        msg(DhcpMessageType::Release, mac(7)).ciaddr(a(254)),
        at(2),
    );
    assert_eq!(status(&server, mac(7)), Some(LeaseStatus::Waiting));
    assert!(
        server.kept_leases(at(2)).is_empty(),
        "static leases are configuration"
    );
}

#[test]
fn make_static_keeps_the_binding_and_a_removed_static_lease_goes() {
    let mut server = Server::new(config());
    let address = bind(&mut server, mac(1), at(0));
    server.take_events();
    let mut made_static = config();
    made_static.static_leases = vec![StaticLease {
        mac: mac(1),
        address,
        lease_time: None,
    }];
    server.reconfigure(made_static);
    let lease = server.leases().next().unwrap();
    assert!(lease.is_static && lease.status == LeaseStatus::Bound);
    assert!(server.take_events().is_empty(), "still the same binding");
    assert!(server.kept_leases(at(1)).is_empty());
    server.reconfigure(config());
    assert_eq!(server.leases().count(), 0);
}

#[test]
fn a_lease_time_of_zero_never_expires() {
    let mut server = Server::new(ServerConfig {
        static_leases: vec![StaticLease {
            mac: mac(7),
            address: a(30),
            lease_time: Some(Duration::ZERO),
        }],
        ..config()
    });
    let offer = send(&mut server, msg(DhcpMessageType::Discover, mac(7)), at(0)).unwrap();
    assert_eq!(offer.lease, Some(u32::MAX), "infinity");
    bind(&mut server, mac(7), at(0));
    server.poll(at(10 * 365 * 86400));
    assert_eq!(status(&server, mac(7)), Some(LeaseStatus::Bound));
}

#[test]
fn static_only_offers_static_leases_only() {
    let mut server = Server::new(ServerConfig {
        pool: None,
        static_leases: vec![StaticLease {
            mac: mac(7),
            address: a(30),
            lease_time: None,
        }],
        ..config()
    });
    assert!(send(&mut server, msg(DhcpMessageType::Discover, mac(1)), at(0)).is_none());
    assert_eq!(bind(&mut server, mac(7), at(0)), a(30));
}

#[test]
fn an_exhausted_pool_offers_nothing() {
    let mut server = Server::new(ServerConfig {
        pool: Some(Pool::new(&[(a(10), a(11))])),
        ..config()
    });
    bind(&mut server, mac(1), at(0));
    bind(&mut server, mac(2), at(0));
    assert!(send(&mut server, msg(DhcpMessageType::Discover, mac(3)), at(1)).is_none());
    assert_eq!(server.stats().exhausted, 1);
    assert_eq!(server.leases().count(), 2, "at most the pool's size");
}

#[test]
fn addresses_in_use_by_others_are_skipped() {
    let mut server = Server::new(config());
    // .254 is in the ARP table with another MAC address; .253 is the router's.
    let in_use = |address: Ipv4Address, who: EthernetAddress| {
        (address == a(254) && who != mac(9)) || address == a(253)
    };
    let discover = msg(DhcpMessageType::Discover, mac(1)).requested(a(254));
    let offer = read(&server.handle(&discover.bytes(), at(0), &in_use).unwrap());
    assert_eq!(offer.yiaddr, a(252));
    // The MAC address the ARP table saw on .254 may have it.
    let discover = msg(DhcpMessageType::Discover, mac(9));
    let offer = read(&server.handle(&discover.bytes(), at(0), &in_use).unwrap());
    assert_eq!(offer.yiaddr, a(254));
}

#[test]
fn the_engines_arp_table_and_own_addresses_count_as_in_use() {
    use crate::engine::Engine;
    let mut engine = Engine::new(crate::EngineConfig::default(), at(0));
    let lan = engine.add_interface("ether2", mac(100)).unwrap();
    engine.add_address(Ipv4Cidr::new(a(1), 24), lan).unwrap();
    engine.add_static_arp(lan, a(200), mac(50), at(0)).unwrap();
    let check = EngineCheck {
        engine: &engine,
        interface: lan,
        now: at(0),
    };
    assert!(check.in_use(a(1), mac(1)), "the router's own address");
    assert!(check.in_use(a(200), mac(1)), "known with another MAC");
    assert!(!check.in_use(a(200), mac(50)), "the host the ARP table saw");
    assert!(!check.in_use(a(201), mac(1)));
}

#[test]
fn leases_kept_across_a_restart_come_back_with_their_time_left() {
    let mut server = Server::new(config());
    let address = bind(&mut server, mac(1), at(0));
    send(&mut server, msg(DhcpMessageType::Discover, mac(2)), at(0));
    let kept = server.kept_leases(at(100));
    assert_eq!(kept.len(), 1, "offers are not kept");
    assert_eq!(kept[0].remaining, Duration::from_secs(500));
    let mut restarted = Server::new(config());
    restarted.restore(&kept, at(5));
    let lease = restarted.leases().next().unwrap();
    assert_eq!((lease.address, lease.status), (address, LeaseStatus::Bound));
    assert_eq!(lease.expires, at(505));
    // A renewal after the restart is acknowledged.
    let ack = send(
        &mut restarted,
        msg(DhcpMessageType::Request, mac(1)).ciaddr(address),
        at(300),
    )
    .unwrap();
    assert_eq!(ack.kind, DhcpMessageType::Ack);
}

#[test]
fn removing_a_dynamic_lease_frees_its_address() {
    let mut server = Server::new(config());
    let address = bind(&mut server, mac(1), at(0));
    assert!(server.remove_dynamic(mac(1)));
    assert!(!server.remove_dynamic(mac(1)));
    assert_eq!(bind(&mut server, mac(2), at(1)), address);
}

#[test]
fn hostile_inputs_are_refused_without_panic() {
    let mut server = Server::new(config());
    let good = msg(DhcpMessageType::Discover, mac(1)).host("x").bytes();
    // Truncated at every length.
    for len in 0..good.len() {
        let _ = server.handle(&good[..len], at(0), &nothing_in_use);
    }
    assert!(server.stats().malformed >= 240);
    // A reply (op 2) is no request.
    let mut wrong_op = good.clone();
    wrong_op[0] = 2;
    assert!(server.handle(&wrong_op, at(0), &nothing_in_use).is_none());
    // chaddr lengths beyond Ethernet's, up to 255.
    for hlen in [0u8, 7, 16, 17, 255] {
        let mut m = good.clone();
        m[2] = hlen;
        assert!(server.handle(&m, at(0), &nothing_in_use).is_none());
    }
    // An option whose length runs past the end, and one 255 bytes long of host name.
    let mut huge = good[..240].to_vec();
    huge.extend_from_slice(&[53, 1, 1, 12, 255, b'a', b'b']);
    let _ = server.handle(&huge, at(0), &nothing_in_use);
    let mut long_name = good[..240].to_vec();
    long_name.extend_from_slice(&[53, 1, 1, 12, 255]);
    long_name.extend(core::iter::repeat_n(b'n', 255));
    long_name.push(255);
    let offer = read(&server.handle(&long_name, at(0), &nothing_in_use).unwrap());
    assert_eq!(offer.kind, DhcpMessageType::Offer);
    let lease = server.leases().next().unwrap();
    assert_eq!(lease.host_name.as_ref().map(String::len), Some(63));
    // No message type, an unknown one, a relayed one.
    let mut no_type = good[..240].to_vec();
    no_type.push(255);
    assert!(server.handle(&no_type, at(0), &nothing_in_use).is_none());
    let mut unknown = good[..240].to_vec();
    unknown.extend_from_slice(&[53, 1, 200, 255]);
    assert!(server.handle(&unknown, at(0), &nothing_in_use).is_none());
    let mut relayed = good.clone();
    relayed[24..28].copy_from_slice(&[10, 0, 0, 1]);
    assert!(server.handle(&relayed, at(0), &nothing_in_use).is_none());
}

#[test]
fn fuzz_corpus_style_inputs_run() {
    let mut input = msg(DhcpMessageType::Discover, mac(3)).bytes();
    input.extend_from_slice(&[0xFF, 0xFE]);
    input.extend(
        msg(DhcpMessageType::Request, mac(3))
            .requested(a(254))
            .server(a(1))
            .bytes(),
    );
    fuzz_run(&input);
    fuzz_run(&[]);
    fuzz_run(&[0xFF, 0xFE, 0xFF, 0xFE]);
}
