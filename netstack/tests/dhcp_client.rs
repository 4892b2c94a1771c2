//! The DHCP client against a fake server and a fake clock: every exchange of RFC 2131 §3.1 and §4.4
//! (offer → request → ack, renewal at T1, rebinding at T2, expiry, NAK, release), option 121 over
//! option 3, the retransmission backoff, and hostile answers.

use netstack::dhcp_client::message::option;
use netstack::dhcp_client::{DhcpClient, Event, Lease, LostReason, Output, State, Transmit};
use netstack::{Duration, Instant};
use smoltcp::wire::{
    DhcpMessageType, DhcpOption, DhcpPacket, DhcpRepr, EthernetAddress, Ipv4Address, Ipv4Cidr,
};

const MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x01]);
const SERVER_MAC: EthernetAddress = EthernetAddress([0x02, 0, 0, 0, 0, 1]);
const OTHER_SERVER_MAC: EthernetAddress = EthernetAddress([0x02, 0, 0, 0, 0, 2]);
const SERVER: Ipv4Address = Ipv4Address::new(198, 51, 100, 1);
const OTHER_SERVER: Ipv4Address = Ipv4Address::new(198, 51, 100, 2);
const OFFERED: Ipv4Address = Ipv4Address::new(198, 51, 100, 50);
const LEASE_SECS: u32 = 120;

/// What a server puts in an answer.
#[derive(Clone)]
struct Answer {
    kind: DhcpMessageType,
    xid: u32,
    mac: EthernetAddress,
    your_ip: Ipv4Address,
    server_id: Option<Ipv4Address>,
    lease: Option<u32>,
    router: Option<Ipv4Address>,
    extra: Vec<(u8, Vec<u8>)>,
}

impl Answer {
    fn new(kind: DhcpMessageType, xid: u32) -> Self {
        Self {
            kind,
            xid,
            mac: MAC,
            your_ip: OFFERED,
            server_id: Some(SERVER),
            lease: Some(LEASE_SECS),
            router: Some(SERVER),
            extra: vec![(option::DNS_SERVER, vec![198, 51, 100, 1, 9, 9, 9, 9])],
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let extra: Vec<DhcpOption<'_>> = self
            .extra
            .iter()
            .map(|(kind, data)| DhcpOption { kind: *kind, data })
            .collect();
        let nak = self.kind == DhcpMessageType::Nak;
        let repr = DhcpRepr {
            message_type: self.kind,
            transaction_id: self.xid,
            secs: 0,
            client_hardware_address: self.mac,
            client_ip: Ipv4Address::UNSPECIFIED,
            your_ip: if nak {
                Ipv4Address::UNSPECIFIED
            } else {
                self.your_ip
            },
            server_ip: Ipv4Address::UNSPECIFIED,
            router: self.router.filter(|_| !nak),
            subnet_mask: (!nak).then_some(Ipv4Address::new(255, 255, 255, 0)),
            relay_agent_ip: Ipv4Address::UNSPECIFIED,
            broadcast: false,
            requested_ip: None,
            client_identifier: None,
            server_identifier: self.server_id,
            parameter_request_list: None,
            dns_servers: None,
            max_size: None,
            lease_duration: self.lease.filter(|_| !nak),
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

/// A message the client sent, read back.
struct Sent {
    transmit: Transmit,
    kind: DhcpMessageType,
    xid: u32,
    client_ip: Ipv4Address,
    requested_ip: Option<Ipv4Address>,
    server_id: Option<Ipv4Address>,
    client_id: Option<Vec<u8>>,
    requested_options: Vec<u8>,
}

fn read(transmit: Transmit) -> Sent {
    let packet = DhcpPacket::new_checked(&transmit.payload[..]).unwrap();
    let repr = DhcpRepr::parse(&packet).unwrap();
    assert_eq!(repr.client_hardware_address, MAC);
    let client_id = packet
        .options()
        .find(|o| o.kind == 61)
        .map(|o| o.data.to_vec());
    let sent = Sent {
        kind: repr.message_type,
        xid: repr.transaction_id,
        client_ip: repr.client_ip,
        requested_ip: repr.requested_ip,
        server_id: repr.server_identifier,
        client_id,
        requested_options: repr.parameter_request_list.unwrap_or(&[]).to_vec(),
        transmit: transmit.clone(),
    };
    assert!(transmit.payload.len() >= 300, "BOOTP minimum size");
    sent
}

fn sent(output: &Output) -> Sent {
    read(output.transmit.clone().expect("the client sent something"))
}

struct Test {
    client: DhcpClient,
    now: Instant,
}

impl Test {
    fn new() -> Self {
        Self {
            client: DhcpClient::new(MAC, 7),
            now: Instant::from_secs(100),
        }
    }

    fn at(&mut self, secs_from_start: f64) -> Output {
        self.now = Instant::from_micros(100_000_000 + (secs_from_start * 1e6) as i64);
        self.client.poll(self.now)
    }

    fn answer(&mut self, answer: &Answer) -> Output {
        self.answer_from(answer, SERVER_MAC)
    }

    fn answer_from(&mut self, answer: &Answer, mac: EthernetAddress) -> Output {
        self.client.receive(&answer.bytes(), mac, self.now)
    }

    /// Discover, offer, request, ack: returns the lease.
    fn bind(&mut self) -> Lease {
        let discover = sent(&self.client.start(self.now));
        let request = sent(&self.answer(&Answer::new(DhcpMessageType::Offer, discover.xid)));
        let out = self.answer(&Answer::new(DhcpMessageType::Ack, request.xid));
        assert!(out.transmit.is_none());
        match out.event {
            Some(Event::Bound(lease)) => lease,
            other => panic!("expected a lease, got {other:?}"),
        }
    }
}

fn secs_between(a: Instant, b: Instant) -> f64 {
    (b.total_micros() - a.total_micros()) as f64 / 1e6
}

#[test]
fn discover_offer_request_ack_binds_the_lease() {
    let mut t = Test::new();
    assert_eq!(t.client.state().status(), "stopped");
    let discover = sent(&t.client.start(t.now));
    assert_eq!(discover.kind, DhcpMessageType::Discover);
    assert_eq!(discover.transmit.link_dst, EthernetAddress::BROADCAST);
    assert_eq!(discover.transmit.src_ip, Ipv4Address::UNSPECIFIED);
    assert_eq!(discover.transmit.dst_ip, Ipv4Address::BROADCAST);
    // Client identifier 01 + MAC, as RouterOS sends it; option 121 is asked for.
    assert_eq!(
        discover.client_id.as_deref(),
        Some(&[1, 0x52, 0x54, 0, 0x12, 0x34, 0x01][..])
    );
    for wanted in [1, 3, 6, 121] {
        assert!(discover.requested_options.contains(&wanted));
    }
    assert_eq!(t.client.state().status(), "searching...");

    let request = sent(&t.answer(&Answer::new(DhcpMessageType::Offer, discover.xid)));
    assert_eq!(request.kind, DhcpMessageType::Request);
    assert_eq!(request.xid, discover.xid, "the same transaction");
    assert_eq!(request.requested_ip, Some(OFFERED));
    assert_eq!(request.server_id, Some(SERVER));
    assert_eq!(request.client_ip, Ipv4Address::UNSPECIFIED);
    assert_eq!(request.transmit.link_dst, EthernetAddress::BROADCAST);
    assert_eq!(request.transmit.src_ip, Ipv4Address::UNSPECIFIED);
    assert_eq!(t.client.state().status(), "requesting...");

    let out = t.answer(&Answer::new(DhcpMessageType::Ack, request.xid));
    let Some(Event::Bound(lease)) = out.event else {
        panic!("no lease: {out:?}");
    };
    assert_eq!(lease.address, Ipv4Cidr::new(OFFERED, 24));
    assert_eq!(lease.gateway(), Some(SERVER));
    assert_eq!(
        lease.dns_servers,
        vec![SERVER, Ipv4Address::new(9, 9, 9, 9)]
    );
    assert_eq!((lease.server, lease.server_mac), (SERVER, SERVER_MAC));
    assert_eq!(lease.expires_after(t.now), Duration::from_secs(120));
    assert_eq!(secs_between(t.now, lease.renew_at), 60.0, "T1 = lease/2");
    assert_eq!(
        secs_between(t.now, lease.rebind_at),
        105.0,
        "T2 = 7/8 lease"
    );
    assert_eq!(t.client.state(), State::Bound);
    assert_eq!(t.client.poll_at(), Some(lease.renew_at));
}

#[test]
fn renews_at_t1_unicast_to_the_server() {
    let mut t = Test::new();
    t.bind();
    assert!(t.at(59.9).transmit.is_none());
    let out = t.at(60.0);
    let renew = sent(&out);
    assert_eq!(t.client.state().status(), "renewing...");
    assert_eq!(renew.kind, DhcpMessageType::Request);
    assert_eq!(renew.client_ip, OFFERED, "ciaddr set");
    assert_eq!(renew.requested_ip, None);
    assert_eq!(renew.server_id, None);
    assert_eq!(
        (
            renew.transmit.link_dst,
            renew.transmit.src_ip,
            renew.transmit.dst_ip
        ),
        (SERVER_MAC, OFFERED, SERVER)
    );
    let out = t.answer(&Answer::new(DhcpMessageType::Ack, renew.xid));
    let Some(Event::Renewed(lease)) = out.event else {
        panic!("not renewed: {out:?}");
    };
    assert_eq!(lease.expires_after(t.now), Duration::from_secs(120));
    assert_eq!(t.client.state(), State::Bound);
    // The next renewal is T1 after this ack.
    assert!(t.at(119.9).transmit.is_none());
    assert!(t.at(120.0).transmit.is_some());
}

#[test]
fn rebinds_at_t2_by_broadcast_and_any_server_may_answer() {
    let mut t = Test::new();
    t.bind();
    let first = sent(&t.at(60.0));
    // Renewal retransmits no sooner than 60 s (RFC 2131 §4.4.5): T2 comes first here.
    assert!(t.at(104.9).transmit.is_none());
    let rebind = sent(&t.at(105.0));
    assert_eq!(t.client.state().status(), "rebinding...");
    assert_ne!(rebind.xid, first.xid);
    assert_eq!(rebind.client_ip, OFFERED);
    assert_eq!(
        (
            rebind.transmit.link_dst,
            rebind.transmit.src_ip,
            rebind.transmit.dst_ip
        ),
        (EthernetAddress::BROADCAST, OFFERED, Ipv4Address::BROADCAST)
    );
    // An answer to the old renewal transaction does not count.
    assert_eq!(
        t.answer(&Answer::new(DhcpMessageType::Ack, first.xid)),
        Output::default()
    );
    let mut ack = Answer::new(DhcpMessageType::Ack, rebind.xid);
    ack.server_id = Some(OTHER_SERVER);
    let out = t.answer_from(&ack, OTHER_SERVER_MAC);
    let Some(Event::Renewed(lease)) = out.event else {
        panic!("not rebound: {out:?}");
    };
    assert_eq!(
        (lease.server, lease.server_mac),
        (OTHER_SERVER, OTHER_SERVER_MAC)
    );
}

#[test]
fn a_lease_nobody_renews_expires_and_the_client_searches_again() {
    let mut t = Test::new();
    t.bind();
    t.at(60.0);
    t.at(105.0);
    assert!(t.at(119.9).event.is_none());
    let out = t.at(120.0);
    assert_eq!(out.event, Some(Event::Lost(LostReason::Expired)));
    assert_eq!(sent(&out).kind, DhcpMessageType::Discover);
    assert_eq!(t.client.state().status(), "searching...");
    assert!(t.client.lease().is_none());
}

#[test]
fn a_nak_while_requesting_starts_over_and_while_renewing_loses_the_lease() {
    let mut t = Test::new();
    let discover = sent(&t.client.start(t.now));
    let request = sent(&t.answer(&Answer::new(DhcpMessageType::Offer, discover.xid)));
    // A NAK from a server we did not ask is ignored.
    let mut stranger = Answer::new(DhcpMessageType::Nak, request.xid);
    stranger.server_id = Some(OTHER_SERVER);
    assert_eq!(t.answer(&stranger), Output::default());
    let out = t.answer(&Answer::new(DhcpMessageType::Nak, request.xid));
    let again = sent(&out);
    assert_eq!(again.kind, DhcpMessageType::Discover);
    assert_ne!(again.xid, request.xid, "a new transaction");
    assert_eq!(out.event, None, "nothing was bound");

    let mut t = Test::new();
    t.bind();
    let renew = sent(&t.at(60.0));
    let out = t.answer(&Answer::new(DhcpMessageType::Nak, renew.xid));
    assert_eq!(out.event, Some(Event::Lost(LostReason::Nak)));
    assert_eq!(sent(&out).kind, DhcpMessageType::Discover);
}

#[test]
fn release_tells_the_server_and_stops() {
    let mut t = Test::new();
    t.bind();
    let out = t.client.release(t.now);
    assert_eq!(out.event, Some(Event::Lost(LostReason::Released)));
    let release = sent(&out);
    assert_eq!(release.kind, DhcpMessageType::Release);
    assert_eq!(release.client_ip, OFFERED);
    assert_eq!(release.server_id, Some(SERVER));
    assert_eq!(
        (release.transmit.link_dst, release.transmit.dst_ip),
        (SERVER_MAC, SERVER)
    );
    assert_eq!(t.client.state().status(), "stopped");
    assert_eq!(t.client.poll_at(), None);
    assert!(t.at(1000.0).transmit.is_none());
    // Releasing without a lease sends nothing.
    assert_eq!(t.client.release(t.now), Output::default());
    // Started again, it discovers.
    assert_eq!(sent(&t.client.start(t.now)).kind, DhcpMessageType::Discover);
}

#[test]
fn renew_command_renews_a_bound_lease_at_once() {
    let mut t = Test::new();
    t.bind();
    let renew = sent(&t.client.renew(t.now));
    assert_eq!(renew.kind, DhcpMessageType::Request);
    assert_eq!(renew.transmit.dst_ip, SERVER);
}

#[test]
fn option_121_wins_over_option_3() {
    let mut t = Test::new();
    let discover = sent(&t.client.start(t.now));
    let request = sent(&t.answer(&Answer::new(DhcpMessageType::Offer, discover.xid)));
    let mut ack = Answer::new(DhcpMessageType::Ack, request.xid);
    ack.extra.push((
        option::CLASSLESS_ROUTES,
        vec![0, 198, 51, 100, 254, 8, 10, 198, 51, 100, 253],
    ));
    let Some(Event::Bound(lease)) = t.answer(&ack).event else {
        panic!("no lease");
    };
    assert_eq!(lease.router, Some(SERVER));
    assert_eq!(lease.gateway(), Some(Ipv4Address::new(198, 51, 100, 254)));
    let routes = lease.classless_routes.unwrap();
    assert_eq!(routes.len(), 2);
    assert_eq!(
        routes[1].destination,
        Ipv4Cidr::new(Ipv4Address::new(10, 0, 0, 0), 8)
    );
}

#[test]
fn retransmissions_back_off_from_4_to_64_seconds_with_jitter() {
    for seed in 0..20 {
        let mut client = DhcpClient::new(MAC, seed);
        let mut now = Instant::from_secs(10);
        let first = read(client.start(now).transmit.unwrap());
        let mut gaps = Vec::new();
        for _ in 0..7 {
            let at = client.poll_at().unwrap();
            assert!(
                client
                    .poll(at - Duration::from_millis(1))
                    .transmit
                    .is_none()
            );
            let again = read(client.poll(at).transmit.unwrap());
            assert_eq!(again.xid, first.xid);
            gaps.push(secs_between(now, at));
            now = at;
        }
        for (gap, base) in gaps.iter().zip([4.0, 8.0, 16.0, 32.0, 64.0, 64.0, 64.0]) {
            assert!(
                (base - 1.0..=base + 1.0).contains(gap),
                "seed {seed}: {gaps:?}"
            );
        }
    }
}

#[test]
fn an_unanswered_request_starts_over_after_four_tries() {
    let mut t = Test::new();
    let discover = sent(&t.client.start(t.now));
    sent(&t.answer(&Answer::new(DhcpMessageType::Offer, discover.xid)));
    let mut kinds = Vec::new();
    for _ in 0..4 {
        let at = t.client.poll_at().unwrap();
        t.now = at;
        kinds.push(sent(&t.client.poll(at)).kind);
    }
    assert_eq!(
        kinds,
        [
            DhcpMessageType::Request,
            DhcpMessageType::Request,
            DhcpMessageType::Request,
            DhcpMessageType::Discover
        ]
    );
}

#[test]
fn hostile_and_useless_offers_are_ignored() {
    let mut t = Test::new();
    let discover = sent(&t.client.start(t.now));
    let offer = Answer::new(DhcpMessageType::Offer, discover.xid);
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut zero_lease = offer.clone();
    zero_lease.lease = Some(0);
    cases.push(("zero lease", zero_lease.bytes()));
    let mut no_lease = offer.clone();
    no_lease.lease = None;
    cases.push(("no lease time", no_lease.bytes()));
    let mut no_server = offer.clone();
    no_server.server_id = None;
    cases.push(("missing server id", no_server.bytes()));
    let mut wrong_xid = offer.clone();
    wrong_xid.xid ^= 1;
    cases.push(("another transaction", wrong_xid.bytes()));
    let mut wrong_mac = offer.clone();
    wrong_mac.mac = SERVER_MAC;
    cases.push(("another client", wrong_mac.bytes()));
    let mut broadcast = offer.clone();
    broadcast.your_ip = Ipv4Address::BROADCAST;
    cases.push(("broadcast address", broadcast.bytes()));
    let mut loopback = offer.clone();
    loopback.your_ip = Ipv4Address::new(127, 0, 0, 1);
    cases.push(("loopback address", loopback.bytes()));
    cases.push((
        "an ack instead of an offer",
        Answer::new(DhcpMessageType::Ack, discover.xid).bytes(),
    ));
    // Options cut short: the length byte of the last option runs past the end, and the message type
    // and lease time come after it.
    let good = offer.bytes();
    let mut truncated = good[..240].to_vec();
    truncated.extend_from_slice(&[54, 4, 198, 51, 100, 1, 6, 200, 1, 2, 3]);
    cases.push(("truncated options", truncated));
    // Option overload (52): the rest would be in sname/file, which the client does not follow.
    let mut overload = good[..240].to_vec();
    overload.extend_from_slice(&[53, 1, 2, 52, 1, 3, 255]);
    cases.push(("option overload", overload));
    cases.push(("too short", good[..100].to_vec()));
    let mut bad_cookie = good.clone();
    bad_cookie[236] ^= 0xFF;
    cases.push(("bad magic cookie", bad_cookie));
    cases.push(("nothing", Vec::new()));
    for (what, bytes) in &cases {
        let out = t.client.receive(bytes, SERVER_MAC, t.now);
        assert_eq!(out, Output::default(), "{what}");
        assert_eq!(t.client.state(), State::Selecting, "{what}");
    }
    // Every prefix of a good offer is harmless; the whole one is taken.
    for len in 0..good.len() {
        t.client.receive(&good[..len], SERVER_MAC, t.now);
    }
    assert_eq!(t.client.state(), State::Requesting);
}

#[test]
fn an_inconsistent_t1_t2_is_replaced_by_the_defaults() {
    let mut t = Test::new();
    let discover = sent(&t.client.start(t.now));
    let request = sent(&t.answer(&Answer::new(DhcpMessageType::Offer, discover.xid)));
    let mut ack = Answer::new(DhcpMessageType::Ack, request.xid);
    // T1 after T2, T2 after the lease.
    ack.extra.push((58, 100u32.to_be_bytes().to_vec()));
    ack.extra.push((59, 500u32.to_be_bytes().to_vec()));
    let Some(Event::Bound(lease)) = t.answer(&ack).event else {
        panic!("no lease");
    };
    assert_eq!(secs_between(t.now, lease.rebind_at), 105.0);
    assert_eq!(
        secs_between(t.now, lease.renew_at),
        100.0,
        "T1 kept: before T2"
    );
    assert!(lease.renew_at <= lease.rebind_at && lease.rebind_at <= lease.expires_at);
}
