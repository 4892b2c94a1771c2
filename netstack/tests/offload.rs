//! Checksum and segmentation offload (`netstack::offload`) through the factory SOHO router: frames
//! from an offloading NIC (partial checksums, TCP super-frames, device-verified checksums) go through
//! masquerade and leave either with the offload kept for a port that can finish it or finished in
//! software. Every frame that leaves is checked the way the receiving host would check it, with
//! checksums computed here from scratch (not with the engine's code): IPv4 header checksum, TCP/UDP
//! checksum over the pseudo-header, addresses and ports as NAT makes them, payload bytes intact and in
//! order.

mod common;

use common::*;
use netstack::factory::{self, LAN_ADDRESS, WAN_ADDRESS, WAN_GATEWAY};
use netstack::firewall::Firewall;
use netstack::interface::InterfaceId;
use netstack::offload::{FrameOffload, OffloadCaps, PartialChecksum};
use netstack::verdict::DropReason;
use netstack::{Duration, Engine, EngineConfig, EngineStats, Instant};
use smoltcp::wire::{EthernetAddress, IpProtocol, Ipv4Address};

const WAN: InterfaceId = InterfaceId(0);
const LAN: InterfaceId = InterfaceId(1);
const WAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0, 0, 1]);
const LAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0, 0, 2]);
const CLIENT_MAC_LAST: u8 = 10;
const GATEWAY_MAC_LAST: u8 = 1;
const CLIENT: Ipv4Address = Ipv4Address::new(192, 168, 88, 10);
/// Another LAN host, whose flows make masquerade give `CLIENT` other ports.
const NEIGHBOUR: Ipv4Address = Ipv4Address::new(192, 168, 88, 11);
/// A host beyond the WAN gateway.
const SERVER: Ipv4Address = Ipv4Address::new(203, 0, 113, 80);
const MSS: u16 = 1448;
/// Payload of the super-frames: ceil(20000 / 1448) = 14 segments, the last one short.
const SUPER_PAYLOAD: usize = 20_000;
const SEGMENTS: usize = SUPER_PAYLOAD.div_ceil(MSS as usize);

const TCP: u8 = 6;
const UDP: u8 = 17;

const NO_CAPS: OffloadCaps = OffloadCaps {
    checksum: false,
    tcp4_segmentation: false,
};
const CSUM_CAPS: OffloadCaps = OffloadCaps {
    checksum: true,
    tcp4_segmentation: false,
};
const ALL_CAPS: OffloadCaps = OffloadCaps {
    checksum: true,
    tcp4_segmentation: true,
};

// ---- checksums, computed here from scratch ---------------------------------------------------------

/// The 32-bit sum of `data` as big-endian 16-bit words (an odd last byte padded with zero).
fn sum_words(data: &[u8]) -> u32 {
    data.chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)])))
        .sum()
}

/// Folds a 32-bit sum into 16 bits with end-around carry.
fn fold(mut sum: u32) -> u16 {
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    sum as u16
}

fn ihl(ip: &[u8]) -> usize {
    usize::from(ip[0] & 0x0F) * 4
}

/// The IPv4 pseudo-header (RFC 9293 §3.1, RFC 768) of `ip`'s transport segment, unfolded.
fn pseudo_header(ip: &[u8]) -> u32 {
    let l4_len = ip.len() - ihl(ip);
    sum_words(&ip[12..20]) + u32::from(ip[9]) + l4_len as u32
}

fn ip_header_valid(ip: &[u8]) -> bool {
    fold(sum_words(&ip[..ihl(ip)])) == 0xFFFF
}

/// What a receiver's check of the TCP/UDP checksum sums to: 0xFFFF when the checksum is right; a
/// wrong checksum leaves a different residue.
fn transport_residue(ip: &[u8]) -> u16 {
    fold(pseudo_header(ip) + sum_words(&ip[ihl(ip)..]))
}

fn transport_checksum_valid(ip: &[u8]) -> bool {
    transport_residue(ip) == 0xFFFF
}

fn checksum_at(ip: &[u8]) -> usize {
    ihl(ip) + if ip[9] == TCP { 16 } else { 6 }
}

fn checksum_field(ip: &[u8]) -> u16 {
    let at = checksum_at(ip);
    u16::from_be_bytes([ip[at], ip[at + 1]])
}

/// What a sender with checksum offload leaves in the field: the pseudo-header sum, uncomplemented.
fn make_partial(ip: &mut [u8]) {
    let at = checksum_at(ip);
    let sum = fold(pseudo_header(ip));
    ip[at..at + 2].copy_from_slice(&sum.to_be_bytes());
}

/// What a NIC does with a partial checksum: sum from `start` to the end of the frame, complement, store
/// at `start + offset`.
fn complete_partial(frame: &mut [u8], partial: PartialChecksum) {
    let (start, field) = (
        usize::from(partial.start),
        usize::from(partial.start) + usize::from(partial.offset),
    );
    let mut checksum = !fold(sum_words(&frame[start..]));
    if frame[23] == UDP && checksum == 0 {
        checksum = 0xFFFF;
    }
    frame[field..field + 2].copy_from_slice(&checksum.to_be_bytes());
}

fn partial_offload(protocol: u8) -> FrameOffload {
    FrameOffload {
        partial_checksum: Some(PartialChecksum {
            start: 34,
            offset: if protocol == TCP { 16 } else { 6 },
        }),
        ..FrameOffload::NONE
    }
}

fn super_offload(mss: u16) -> FrameOffload {
    FrameOffload {
        tcp_segment_size: Some(mss),
        ..partial_offload(TCP)
    }
}

fn verified_offload() -> FrameOffload {
    FrameOffload {
        checksum_valid: true,
        ..FrameOffload::NONE
    }
}

// ---- packets ------------------------------------------------------------------------------------

/// Bytes that betray reordering, loss or duplication (not periodic in any segment size).
fn pattern(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_right(13) as u8 ^ salt)
        .collect()
}

/// A TCP/IPv4 packet with a complete checksum.
#[allow(clippy::too_many_arguments)] // one argument per header field a test sets
fn tcp_packet(
    src: Ipv4Address,
    dst: Ipv4Address,
    sport: u16,
    dport: u16,
    flags: u8,
    seq: u32,
    ack: u32,
    df: bool,
    data: &[u8],
) -> Vec<u8> {
    let segment = tcp_payload(src, dst, sport, dport, flags, seq, ack, data);
    ipv4(src, dst, IpProtocol::Tcp, 64, df, &segment)
}

/// A UDP/IPv4 packet with a complete checksum.
fn udp_packet(src: Ipv4Address, dst: Ipv4Address, sport: u16, dport: u16, data: &[u8]) -> Vec<u8> {
    let datagram = udp_payload(src, dst, sport, dport, data);
    ipv4(src, dst, IpProtocol::Udp, 64, false, &datagram)
}

struct Tcp<'a> {
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &'a [u8],
}

fn tcp_of_ip(ip: &[u8]) -> Tcp<'_> {
    assert_eq!(ip[9], TCP, "a TCP segment");
    let l4 = &ip[ihl(ip)..];
    let be32 = |at: usize| u32::from_be_bytes(l4[at..at + 4].try_into().unwrap());
    Tcp {
        sport: u16::from_be_bytes([l4[0], l4[1]]),
        dport: u16::from_be_bytes([l4[2], l4[3]]),
        seq: be32(4),
        ack: be32(8),
        flags: l4[13],
        payload: &l4[usize::from(l4[12] >> 4) * 4..],
    }
}

/// (source port, destination port, payload) of a UDP datagram.
fn udp_of_ip(ip: &[u8]) -> (u16, u16, &[u8]) {
    assert_eq!(ip[9], UDP, "a UDP datagram");
    let l4 = &ip[ihl(ip)..];
    assert_eq!(usize::from(u16::from_be_bytes([l4[4], l4[5]])), l4.len());
    (
        u16::from_be_bytes([l4[0], l4[1]]),
        u16::from_be_bytes([l4[2], l4[3]]),
        &l4[8..],
    )
}

fn src_of(ip: &[u8]) -> Ipv4Address {
    Ipv4Address::from([ip[12], ip[13], ip[14], ip[15]])
}

fn dst_of(ip: &[u8]) -> Ipv4Address {
    Ipv4Address::from([ip[16], ip[17], ip[18], ip[19]])
}

/// A frame the engine handed to a port's driver, with what the NIC is to finish.
#[derive(Debug)]
struct Out {
    frame: Vec<u8>,
    offload: FrameOffload,
}

impl Out {
    /// The IPv4 packet, after checking the Ethernet header and the IPv4 header checksum.
    fn ip(&self) -> &[u8] {
        assert_eq!(&self.frame[12..14], &[0x08, 0x00], "an IPv4 frame");
        let ip = &self.frame[14..];
        let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
        assert!(total <= ip.len(), "the frame holds the whole packet");
        let ip = &ip[..total];
        assert!(ip_header_valid(ip), "IPv4 header checksum");
        ip
    }

    /// The IPv4 packet with the partial checksum completed as the NIC would complete it.
    fn completed_ip(&self) -> Vec<u8> {
        let partial = self.offload.partial_checksum.expect("a partial checksum");
        let mut frame = self.frame.clone();
        complete_partial(&mut frame, partial);
        let total = usize::from(u16::from_be_bytes([frame[16], frame[17]]));
        frame[14..14 + total].to_vec()
    }
}

// ---- the router ---------------------------------------------------------------------------------

struct Router {
    engine: Engine<Firewall>,
    now: Instant,
}

/// A TCP connection from the LAN client to the server, masqueraded.
#[derive(Clone, Copy, Debug)]
struct Conn {
    sport: u16,
    dport: u16,
    /// The port masquerade gave the client on the WAN.
    public_port: u16,
    /// Next sequence number of the client and of the server.
    client_seq: u32,
    server_seq: u32,
}

impl Router {
    fn new() -> Self {
        Self::with_config(EngineConfig::default())
    }

    /// The factory SOHO router with the client and the WAN gateway already in its ARP table.
    fn with_config(config: EngineConfig) -> Self {
        let now = Instant::from_secs(1);
        let mut engine = factory::build(&[WAN_MAC, LAN_MAC], config, 7, now)
            .expect("factory configuration applies");
        engine
            .add_static_arp(WAN, WAN_GATEWAY, mac(GATEWAY_MAC_LAST), now)
            .unwrap();
        engine
            .add_static_arp(LAN, CLIENT, mac(CLIENT_MAC_LAST), now)
            .unwrap();
        let mut router = Self { engine, now };
        router.take(WAN);
        router.take(LAN);
        router
    }

    fn set_caps(&mut self, interface: InterfaceId, caps: OffloadCaps) {
        self.engine.interface_mut(interface).unwrap().offload = caps;
    }

    fn stats(&self) -> EngineStats {
        *self.engine.stats()
    }

    fn drops(&self, reason: DropReason) -> u64 {
        self.engine.drops().get(reason)
    }

    /// Receives an IPv4 packet from the client (on the LAN) or from the server (on the WAN).
    fn receive(&mut self, interface: InterfaceId, ip_packet: &[u8], offload: FrameOffload) {
        let frame = if interface == LAN {
            ipv4_frame(mac(CLIENT_MAC_LAST), LAN_MAC, ip_packet)
        } else {
            ipv4_frame(mac(GATEWAY_MAC_LAST), WAN_MAC, ip_packet)
        };
        self.engine
            .receive_offloaded(interface, &frame, &offload, self.now);
    }

    /// Everything queued on `interface`, taken off as a driver would.
    fn take(&mut self, interface: InterfaceId) -> Vec<Out> {
        let mut out = Vec::new();
        self.engine.transmit_offloaded(interface, |frame, offload| {
            out.push(Out {
                frame: frame.to_vec(),
                offload: *offload,
            });
            true
        });
        let own = if interface == WAN { WAN_MAC } else { LAN_MAC };
        let peer = if interface == WAN {
            mac(GATEWAY_MAC_LAST)
        } else {
            mac(CLIENT_MAC_LAST)
        };
        for sent in &out {
            if sent.frame[12..14] == [0x08, 0x00] {
                assert_eq!(&sent.frame[0..6], &peer.0, "to the next hop's MAC");
                assert_eq!(&sent.frame[6..12], &own.0, "from the port's MAC");
            }
        }
        out
    }

    /// The one IPv4 frame that left `interface` (panics when it is not exactly one).
    fn take_one(&mut self, interface: InterfaceId) -> Out {
        let mut out = self.take(interface);
        assert_eq!(
            out.len(),
            1,
            "one frame on {interface:?}: {out:?}, drops {:?}",
            self.engine.drops().nonzero().collect::<Vec<_>>()
        );
        out.pop().unwrap()
    }

    /// SYN and SYN-ACK between the client and the server through masquerade; with `finish`, also the
    /// client's ACK (the connection is then established and FastTracked by defconf).
    fn connect(&mut self, sport: u16, dport: u16, finish: bool) -> Conn {
        let (client_isn, server_isn) = (1_000_000u32, 3_000_000_000u32);
        let syn = tcp_packet(CLIENT, SERVER, sport, dport, SYN, client_isn, 0, true, b"");
        self.receive(LAN, &syn, FrameOffload::NONE);
        let out = self.take_one(WAN);
        let public_port = tcp_of_ip(out.ip()).sport;
        assert_eq!(src_of(out.ip()), WAN_ADDRESS.address(), "SYN masqueraded");
        let syn_ack = tcp_packet(
            SERVER,
            WAN_ADDRESS.address(),
            dport,
            public_port,
            SYN | ACK,
            server_isn,
            client_isn + 1,
            true,
            b"",
        );
        self.receive(WAN, &syn_ack, FrameOffload::NONE);
        let out = self.take_one(LAN);
        assert_eq!(tcp_of_ip(out.ip()).dport, sport, "SYN-ACK de-NATed");
        let conn = Conn {
            sport,
            dport,
            public_port,
            client_seq: client_isn + 1,
            server_seq: server_isn + 1,
        };
        if finish {
            let ack = self.client_segment(&conn, ACK, true, b"");
            self.receive(LAN, &ack, FrameOffload::NONE);
            self.take_one(WAN);
        }
        conn
    }

    /// A segment from the client on `conn` (complete checksum) at its next sequence number.
    fn client_segment(&self, conn: &Conn, flags: u8, df: bool, data: &[u8]) -> Vec<u8> {
        tcp_packet(
            CLIENT,
            SERVER,
            conn.sport,
            conn.dport,
            flags,
            conn.client_seq,
            conn.server_seq,
            df,
            data,
        )
    }

    /// A segment from the server on `conn`, addressed to the router's WAN address and public port.
    fn server_segment(&self, conn: &Conn, flags: u8, data: &[u8]) -> Vec<u8> {
        tcp_packet(
            SERVER,
            WAN_ADDRESS.address(),
            conn.dport,
            conn.public_port,
            flags,
            conn.server_seq,
            conn.client_seq,
            true,
            data,
        )
    }

    /// Makes `NEIGHBOUR` use `sport` towards the server's `dport` first, so that masquerade must give
    /// the client's flow from the same port another public port (and NAT rewrites ports too).
    fn occupy(&mut self, protocol: u8, sport: u16, dport: u16) {
        let ip = match protocol {
            TCP => tcp_packet(NEIGHBOUR, SERVER, sport, dport, SYN, 9, 0, true, b""),
            _ => udp_packet(NEIGHBOUR, SERVER, sport, dport, b"first"),
        };
        self.receive(LAN, &ip, FrameOffload::NONE);
        let out = self.take_one(WAN);
        let public_port = u16::from_be_bytes([out.ip()[20], out.ip()[21]]);
        assert_eq!(public_port, sport, "the first flow keeps its port");
    }

    fn advance(&mut self, millis: u64) {
        self.now += Duration::from_millis(millis);
        self.engine.poll(self.now);
    }
}

/// Checks that `segments` are what a receiver of a `SUPER_PAYLOAD`-byte super-frame sent as `conn`
/// wants to see: each within the MTU with valid checksums, from `src`:`sport` to `dst`:`dport`, sequence
/// numbers consecutive from `seq`, ACK on all, PSH only on the last, and the payloads joined equal to
/// `payload`.
#[allow(clippy::too_many_arguments)] // the four-tuple, where it starts, and what it carries
fn check_segments(
    segments: &[Out],
    src: Ipv4Address,
    sport: u16,
    dst: Ipv4Address,
    dport: u16,
    seq: u32,
    ack: u32,
    payload: &[u8],
) {
    assert_eq!(
        segments.len(),
        SEGMENTS,
        "ceil({SUPER_PAYLOAD} / {MSS}) segments"
    );
    let mut joined = Vec::new();
    for (i, out) in segments.iter().enumerate() {
        assert_eq!(
            out.offload,
            FrameOffload::NONE,
            "segment {i} needs nothing from the NIC"
        );
        let ip = out.ip();
        assert!(
            ip.len() <= 1500,
            "segment {i}: {} bytes over the MTU",
            ip.len()
        );
        assert!(out.frame.len() <= 1514);
        assert!(transport_checksum_valid(ip), "segment {i}: TCP checksum");
        assert_eq!(
            (src_of(ip), dst_of(ip)),
            (src, dst),
            "segment {i}: addresses"
        );
        let tcp = tcp_of_ip(ip);
        assert_eq!((tcp.sport, tcp.dport), (sport, dport), "segment {i}: ports");
        assert_eq!(
            tcp.seq,
            seq.wrapping_add(joined.len() as u32),
            "segment {i}: sequence number"
        );
        assert_eq!(tcp.ack, ack, "segment {i}: acknowledgment number");
        let last = i + 1 == segments.len();
        assert_eq!(tcp.flags & ACK, ACK, "segment {i}: ACK");
        assert_eq!(
            tcp.flags & PSH != 0,
            last,
            "segment {i}: PSH on the last only"
        );
        let expected = if last {
            SUPER_PAYLOAD - (SEGMENTS - 1) * usize::from(MSS)
        } else {
            usize::from(MSS)
        };
        assert_eq!(tcp.payload.len(), expected, "segment {i}: payload length");
        assert_eq!(ip[8], 63, "segment {i}: TTL decremented once");
        joined.extend_from_slice(tcp.payload);
    }
    assert!(
        joined == payload,
        "the segments' payloads joined are the super-frame's"
    );
}

// ---- 1. software segmentation -------------------------------------------------------------------

/// A super-frame from the client through masquerade to a WAN port without offload, and one from the
/// server back through de-NAT to a LAN port without offload, leave as MSS-sized segments. With
/// `fast`, the connection is FastTracked before the super-frames come (they take the fast path);
/// otherwise the client's super-frame is the handshake's final ACK and goes the full path.
fn super_frame_is_segmented_for_a_port_without_offload(fast: bool) {
    let mut router = Router::new();
    let conn = router.connect(40000, 443, fast);
    let before = router.stats();

    let payload = pattern(SUPER_PAYLOAD, 0x5A);
    let mut upload = router.client_segment(&conn, ACK | PSH, true, &payload);
    make_partial(&mut upload);
    assert_eq!(upload.len(), 20 + 20 + SUPER_PAYLOAD);
    router.receive(LAN, &upload, super_offload(MSS));
    let segments = router.take(WAN);
    check_segments(
        &segments,
        WAN_ADDRESS.address(),
        conn.public_port,
        SERVER,
        conn.dport,
        conn.client_seq,
        conn.server_seq,
        &payload,
    );
    let after = router.stats();
    assert_eq!(after.super_frames - before.super_frames, 1);
    assert_eq!(
        after.super_frames_segmented - before.super_frames_segmented,
        1
    );
    assert_eq!(after.segments_made - before.segments_made, SEGMENTS as u64);
    assert_eq!(
        after.fast_forwarded - before.fast_forwarded,
        u64::from(fast),
        "the path the super-frame took"
    );

    // The download direction: de-NAT of the destination, then segmentation for the LAN port.
    let conn = Conn {
        client_seq: conn.client_seq + SUPER_PAYLOAD as u32,
        ..conn
    };
    let payload = pattern(SUPER_PAYLOAD, 0xA5);
    let mut download = router.server_segment(&conn, ACK | PSH, &payload);
    make_partial(&mut download);
    router.receive(WAN, &download, super_offload(MSS));
    let segments = router.take(LAN);
    check_segments(
        &segments,
        SERVER,
        conn.dport,
        CLIENT,
        conn.sport,
        conn.server_seq,
        conn.client_seq,
        &payload,
    );
    let end = router.stats();
    assert_eq!(end.super_frames - before.super_frames, 2);
    assert_eq!(
        end.super_frames_segmented - before.super_frames_segmented,
        2
    );
    assert_eq!(
        end.segments_made - before.segments_made,
        2 * SEGMENTS as u64
    );
    assert_eq!(
        end.fast_forwarded - after.fast_forwarded,
        1,
        "the reply makes the connection FastTracked if it was not"
    );
}

#[test]
fn super_frames_are_segmented_for_a_port_without_offload_on_the_fast_path() {
    super_frame_is_segmented_for_a_port_without_offload(true);
}

#[test]
fn super_frames_are_segmented_for_a_port_without_offload_on_the_full_path() {
    super_frame_is_segmented_for_a_port_without_offload(false);
}

/// A port that completes checksums but cannot segment gets complete segments too.
#[test]
fn super_frames_are_segmented_for_a_port_with_checksum_offload_only() {
    let mut router = Router::new();
    router.set_caps(WAN, CSUM_CAPS);
    let conn = router.connect(40001, 443, true);
    let payload = pattern(SUPER_PAYLOAD, 1);
    let mut upload = router.client_segment(&conn, ACK | PSH, true, &payload);
    make_partial(&mut upload);
    router.receive(LAN, &upload, super_offload(MSS));
    let segments = router.take(WAN);
    check_segments(
        &segments,
        WAN_ADDRESS.address(),
        conn.public_port,
        SERVER,
        conn.dport,
        conn.client_seq,
        conn.server_seq,
        &payload,
    );
}

// ---- 2. segmentation left to the port -----------------------------------------------------------

/// A super-frame to a port that segments in hardware leaves whole, NATed, with the offload the NIC
/// needs; what the NIC computes from it is the super-frame's real checksum. Both directions.
#[test]
fn super_frames_leave_whole_for_a_port_that_segments() {
    let mut router = Router::new();
    router.set_caps(WAN, ALL_CAPS);
    router.set_caps(LAN, ALL_CAPS);
    router.occupy(TCP, 40002, 443);
    let conn = router.connect(40002, 443, true);
    assert_ne!(
        conn.public_port, conn.sport,
        "masquerade rewrites the port too"
    );
    let before = router.stats();
    let tso = FrameOffload {
        partial_checksum: Some(PartialChecksum {
            start: 34,
            offset: 16,
        }),
        tcp_segment_size: Some(MSS),
        checksum_valid: false,
    };

    let payload = pattern(SUPER_PAYLOAD, 2);
    let mut upload = router.client_segment(&conn, ACK | PSH, true, &payload);
    make_partial(&mut upload);
    router.receive(LAN, &upload, super_offload(MSS));
    let out = router.take_one(WAN);
    assert_eq!(out.offload, tso);
    let ip = out.ip();
    assert_eq!(ip.len(), upload.len(), "the whole super-frame");
    assert_eq!((src_of(ip), dst_of(ip)), (WAN_ADDRESS.address(), SERVER));
    let tcp = tcp_of_ip(ip);
    assert_eq!((tcp.sport, tcp.dport), (conn.public_port, conn.dport));
    assert_eq!((tcp.seq, tcp.ack), (conn.client_seq, conn.server_seq));
    assert_eq!(tcp.flags, ACK | PSH);
    assert!(tcp.payload == payload.as_slice(), "payload intact");
    assert_eq!(
        checksum_field(ip),
        fold(pseudo_header(ip)),
        "the pseudo-header sum of the NATed super-frame"
    );
    assert!(
        transport_checksum_valid(&out.completed_ip()),
        "what the NIC completes is the TCP checksum"
    );

    let conn = Conn {
        client_seq: conn.client_seq + SUPER_PAYLOAD as u32,
        ..conn
    };
    let payload = pattern(SUPER_PAYLOAD, 3);
    let mut download = router.server_segment(&conn, ACK | PSH, &payload);
    make_partial(&mut download);
    router.receive(WAN, &download, super_offload(MSS));
    let out = router.take_one(LAN);
    assert_eq!(out.offload, tso);
    let ip = out.ip();
    assert_eq!((src_of(ip), dst_of(ip)), (SERVER, CLIENT), "de-NATed");
    let tcp = tcp_of_ip(ip);
    assert_eq!((tcp.sport, tcp.dport), (conn.dport, conn.sport));
    assert!(tcp.payload == payload.as_slice(), "payload intact");
    assert!(transport_checksum_valid(&out.completed_ip()));

    let after = router.stats();
    assert_eq!(after.super_frames - before.super_frames, 2);
    assert_eq!(after.super_frames_segmented, before.super_frames_segmented);
    assert_eq!(after.segments_made, before.segments_made);
}

// ---- 3. partial checksums through NAT -----------------------------------------------------------

/// Sends a small partial-checksum packet (`ip`, as its sender made it) in on `from`, with the egress
/// port `to` set to `caps`, and checks what leaves: partial with the pseudo-header sum of the NATed
/// addresses for a port that completes checksums, complete and valid otherwise. Returns the packet as
/// a receiver gets it (checksum completed).
fn forward_partial(
    router: &mut Router,
    from: InterfaceId,
    to: InterfaceId,
    caps: OffloadCaps,
    ip: &[u8],
) -> Vec<u8> {
    router.set_caps(to, caps);
    let protocol = ip[9];
    let mut partial = ip.to_vec();
    make_partial(&mut partial);
    let completed_before = router.stats().checksums_completed;
    router.receive(from, &partial, partial_offload(protocol));
    let out = router.take_one(to);
    let completed = router.stats().checksums_completed - completed_before;
    let received = if caps.checksum {
        assert_eq!(out.offload, partial_offload(protocol), "left to the NIC");
        assert_eq!(
            checksum_field(out.ip()),
            fold(pseudo_header(out.ip())),
            "the pseudo-header sum of the translated addresses"
        );
        assert_eq!(completed, 0);
        out.completed_ip()
    } else {
        assert_eq!(
            out.offload,
            FrameOffload::NONE,
            "nothing left to a NIC that cannot"
        );
        assert_eq!(completed, 1, "the engine completed the checksum");
        out.ip().to_vec()
    };
    assert!(ip_header_valid(&received));
    assert!(
        transport_checksum_valid(&received),
        "{} checksum of a packet to {to:?} with {caps:?}",
        if protocol == TCP { "TCP" } else { "UDP" }
    );
    received
}

#[test]
fn partial_udp_checksums_through_nat_are_kept_or_completed_per_port() {
    let mut router = Router::new();
    let (sport, dport) = (5353, 53);
    router.occupy(UDP, sport, dport);
    let mut public_port = None;
    for round in 0..2 {
        let fast_before = router.stats().fast_forwarded;
        for caps in [CSUM_CAPS, NO_CAPS] {
            let data = pattern(100 + round, 7);
            let query = udp_packet(CLIENT, SERVER, sport, dport, &data);
            let out = forward_partial(&mut router, LAN, WAN, caps, &query);
            assert_eq!(
                (src_of(&out), dst_of(&out)),
                (WAN_ADDRESS.address(), SERVER)
            );
            let (out_sport, out_dport, out_data) = udp_of_ip(&out);
            assert_eq!(out_dport, dport);
            assert_eq!(*public_port.get_or_insert(out_sport), out_sport);
            assert_ne!(out_sport, sport, "masquerade rewrites the port too");
            assert_eq!(out_data, data.as_slice());
        }
        for caps in [CSUM_CAPS, NO_CAPS] {
            let data = pattern(200 + round, 8);
            let public = public_port.unwrap();
            let answer = udp_packet(SERVER, WAN_ADDRESS.address(), dport, public, &data);
            let out = forward_partial(&mut router, WAN, LAN, caps, &answer);
            assert_eq!((src_of(&out), dst_of(&out)), (SERVER, CLIENT), "de-NATed");
            assert_eq!(udp_of_ip(&out), (dport, sport, data.as_slice()));
        }
        if round == 1 {
            assert_eq!(
                router.stats().fast_forwarded - fast_before,
                4,
                "the second round takes the fast path"
            );
        }
    }
}

#[test]
fn partial_tcp_checksums_through_nat_are_kept_or_completed_per_port() {
    let mut router = Router::new();
    router.occupy(TCP, 40003, 80);
    let mut conn = router.connect(40003, 80, true);
    assert_ne!(
        conn.public_port, conn.sport,
        "masquerade rewrites the port too"
    );
    for round in 0..2 {
        let fast_before = router.stats().fast_forwarded;
        for caps in [CSUM_CAPS, NO_CAPS] {
            let data = pattern(300 + round, 9);
            let segment = router.client_segment(&conn, ACK | PSH, true, &data);
            let out = forward_partial(&mut router, LAN, WAN, caps, &segment);
            assert_eq!(
                (src_of(&out), dst_of(&out)),
                (WAN_ADDRESS.address(), SERVER)
            );
            let tcp = tcp_of_ip(&out);
            assert_eq!((tcp.sport, tcp.dport), (conn.public_port, conn.dport));
            assert_eq!((tcp.seq, tcp.flags), (conn.client_seq, ACK | PSH));
            assert_eq!(tcp.payload, data.as_slice());
            conn.client_seq += data.len() as u32;
        }
        for caps in [CSUM_CAPS, NO_CAPS] {
            let data = pattern(400 + round, 10);
            let segment = router.server_segment(&conn, ACK | PSH, &data);
            let out = forward_partial(&mut router, WAN, LAN, caps, &segment);
            assert_eq!((src_of(&out), dst_of(&out)), (SERVER, CLIENT), "de-NATed");
            let tcp = tcp_of_ip(&out);
            assert_eq!((tcp.sport, tcp.dport), (conn.dport, conn.sport));
            assert_eq!((tcp.seq, tcp.ack), (conn.server_seq, conn.client_seq));
            assert_eq!(tcp.payload, data.as_slice());
            conn.server_seq += data.len() as u32;
        }
        assert_eq!(
            router.stats().fast_forwarded - fast_before,
            4,
            "FastTracked after the handshake"
        );
    }
}

// ---- 4. conntrack does not judge a partial checksum ---------------------------------------------

/// The same bytes — a checksum field holding only the pseudo-header sum — are an invalid packet
/// (dropped by defconf's `drop invalid`) when the NIC says nothing, and a good one when the NIC says
/// the checksum is partial.
#[test]
fn conntrack_judges_a_wrong_checksum_but_not_a_partial_one() {
    let mut router = Router::new();
    let udp = udp_packet(CLIENT, SERVER, 6000, 53, b"which checksum?");
    let syn = tcp_packet(CLIENT, SERVER, 40004, 22, SYN, 77, 0, true, b"");
    for original in [udp, syn] {
        let mut bytes = original.clone();
        make_partial(&mut bytes);
        assert!(
            !transport_checksum_valid(&bytes),
            "a wrong checksum to a receiver"
        );
        let invalid_before = router.engine.hooks().conntrack().stats().invalid;
        let filtered_before = router.drops(DropReason::Filtered);

        router.receive(LAN, &bytes, FrameOffload::NONE);
        assert!(
            router.take(WAN).is_empty(),
            "a wrong checksum does not leave"
        );
        assert_eq!(
            router.engine.hooks().conntrack().stats().invalid - invalid_before,
            1,
            "conntrack counts it invalid"
        );
        assert_eq!(router.drops(DropReason::Filtered) - filtered_before, 1);

        router.receive(LAN, &bytes, partial_offload(original[9]));
        let out = router.take_one(WAN);
        assert!(
            transport_checksum_valid(out.ip()),
            "completed on the way out"
        );
        assert_eq!(
            router.engine.hooks().conntrack().stats().invalid - invalid_before,
            1,
            "the partial one is not invalid"
        );
        let data_at = if original[9] == TCP { 20 + 20 } else { 20 + 8 };
        assert_eq!(out.ip()[data_at..], original[data_at..], "payload intact");
    }
}

// ---- 5. a super-frame to the router itself ------------------------------------------------------

/// A super-frame to a service on the router reaches its socket as MSS-sized segments, all of its bytes
/// in order, and the router acknowledges all of them; a partial checksum is completed before the
/// router's stack (which checks checksums) sees the segment.
#[test]
fn a_super_frame_to_the_router_reaches_its_stack_as_segments() {
    use smoltcp::socket::tcp;
    let mut router = Router::new();
    let socket = tcp::Socket::new(
        tcp::SocketBuffer::new(vec![0; 65535]),
        tcp::SocketBuffer::new(vec![0; 1024]),
    );
    let handle = router.engine.local_stack().sockets().add(socket);
    router
        .engine
        .local_stack()
        .sockets()
        .get_mut::<tcp::Socket>(handle)
        .listen(8000)
        .unwrap();
    let me = LAN_ADDRESS.address();
    let (sport, isn) = (41000, 5_000_000u32);

    let syn = tcp_packet(CLIENT, me, sport, 8000, SYN, isn, 0, true, b"");
    router.receive(LAN, &syn, FrameOffload::NONE);
    let out = router.take_one(LAN);
    assert!(transport_checksum_valid(out.ip()));
    let syn_ack = tcp_of_ip(out.ip());
    assert_eq!(syn_ack.flags & (SYN | ACK), SYN | ACK);
    assert_eq!(syn_ack.ack, isn + 1);
    let router_seq = syn_ack.seq.wrapping_add(1);
    let ack = tcp_packet(CLIENT, me, sport, 8000, ACK, isn + 1, router_seq, true, b"");
    router.receive(LAN, &ack, FrameOffload::NONE);
    router.take(LAN);

    let before = router.stats();
    let payload = pattern(SUPER_PAYLOAD, 11);
    let mut upload = tcp_packet(
        CLIENT,
        me,
        sport,
        8000,
        ACK | PSH,
        isn + 1,
        router_seq,
        true,
        &payload,
    );
    make_partial(&mut upload);
    router.receive(LAN, &upload, super_offload(MSS));
    let after = router.stats();
    assert_eq!(after.super_frames - before.super_frames, 1);
    assert_eq!(
        after.super_frames_segmented - before.super_frames_segmented,
        1
    );
    assert_eq!(after.segments_made - before.segments_made, SEGMENTS as u64);
    assert_eq!(
        after.delivered_local - before.delivered_local,
        SEGMENTS as u64,
        "every segment delivered: {:?}",
        router.engine.drops().nonzero().collect::<Vec<_>>()
    );

    let mut received = vec![0; 2 * SUPER_PAYLOAD];
    let n = router
        .engine
        .local_stack()
        .sockets()
        .get_mut::<tcp::Socket>(handle)
        .recv_slice(&mut received)
        .unwrap();
    assert_eq!(n, SUPER_PAYLOAD, "the service got every byte");
    assert!(received[..n] == payload[..], "in order");

    // The router's acknowledgments (immediate or delayed) end at the last byte.
    let mut acked = Vec::new();
    for _ in 0..5 {
        acked.extend(router.take(LAN).iter().map(|out| {
            assert!(transport_checksum_valid(out.ip()));
            tcp_of_ip(out.ip()).ack
        }));
        router.advance(100);
    }
    assert_eq!(
        acked.iter().max(),
        Some(&(isn + 1 + SUPER_PAYLOAD as u32)),
        "acknowledgments {acked:?}"
    );

    // A small segment with a partial checksum is completed before the stack sees it.
    let more = pattern(100, 17);
    let mut small = tcp_packet(
        CLIENT,
        me,
        sport,
        8000,
        ACK | PSH,
        isn + 1 + SUPER_PAYLOAD as u32,
        router_seq,
        true,
        &more,
    );
    make_partial(&mut small);
    let before = router.stats();
    router.receive(LAN, &small, partial_offload(TCP));
    let after = router.stats();
    assert_eq!(after.checksums_completed - before.checksums_completed, 1);
    assert_eq!(after.delivered_local - before.delivered_local, 1);
    let n = router
        .engine
        .local_stack()
        .sockets()
        .get_mut::<tcp::Socket>(handle)
        .recv_slice(&mut received)
        .unwrap();
    assert!(
        received[..n] == more[..],
        "the service got the small segment"
    );
}

// ---- 6. super-frames and the egress MTU ---------------------------------------------------------

/// With DF, a super-frame whose segments do not fit the egress MTU is refused with Fragmentation
/// Needed naming the MTU (RFC 1191); without DF it is segmented and each segment fragmented.
#[test]
fn super_frames_over_the_egress_mtu_are_refused_with_df_and_fragmented_without() {
    let mut router = Router::new();
    let conn = router.connect(40005, 443, true);
    router.engine.interface_mut(WAN).unwrap().mtu = 1000;
    let payload = pattern(SUPER_PAYLOAD, 12);

    let mut with_df = router.client_segment(&conn, ACK | PSH, true, &payload);
    make_partial(&mut with_df);
    let needed_before = router.drops(DropReason::FragmentationNeeded);
    router.receive(LAN, &with_df, super_offload(MSS));
    assert!(router.take(WAN).is_empty(), "nothing leaves on the WAN");
    assert_eq!(
        router.drops(DropReason::FragmentationNeeded) - needed_before,
        1
    );
    let error = router.take_one(LAN);
    let error = error.ip();
    assert_eq!(
        (src_of(error), dst_of(error)),
        (LAN_ADDRESS.address(), CLIENT),
        "to the sender, from the router's address on its side"
    );
    let (icmp_type, code, rest, quote) = icmp_of(error);
    assert_eq!((icmp_type, code), (3, 4), "fragmentation needed");
    assert_eq!(rest & 0xFFFF, 1000, "next-hop MTU");
    assert_eq!(
        (src_of(&quote), dst_of(&quote)),
        (CLIENT, SERVER),
        "the quote is the packet as the client sent it"
    );
    assert_eq!(
        quote[20..24],
        [
            conn.sport.to_be_bytes()[0],
            conn.sport.to_be_bytes()[1],
            conn.dport.to_be_bytes()[0],
            conn.dport.to_be_bytes()[1]
        ]
    );

    let before = router.stats();
    let mut without_df = router.client_segment(&conn, ACK | PSH, false, &payload);
    make_partial(&mut without_df);
    router.receive(LAN, &without_df, super_offload(MSS));
    let fragments = router.take(WAN);
    // A receiver reassembles the fragments of each segment (same identification) and checks it.
    // Per identification: (offset, more fragments, bytes) of each fragment.
    type Pieces = Vec<(usize, bool, Vec<u8>)>;
    let mut datagrams: Vec<(u16, Pieces)> = Vec::new();
    for out in &fragments {
        assert_eq!(out.offload, FrameOffload::NONE);
        let ip = out.ip();
        assert!(
            ip.len() <= 1000,
            "fragment of {} bytes over the MTU",
            ip.len()
        );
        assert_eq!((src_of(ip), dst_of(ip)), (WAN_ADDRESS.address(), SERVER));
        let id = u16::from_be_bytes([ip[4], ip[5]]);
        let flags_offset = u16::from_be_bytes([ip[6], ip[7]]);
        let piece = (
            usize::from(flags_offset & 0x1FFF) * 8,
            flags_offset & 0x2000 != 0,
            ip[ihl(ip)..].to_vec(),
        );
        match datagrams.iter_mut().find(|(other, _)| *other == id) {
            Some((_, pieces)) => pieces.push(piece),
            None => datagrams.push((id, vec![piece])),
        }
    }
    let mut segments = Vec::new();
    for (id, mut pieces) in datagrams {
        pieces.sort_by_key(|piece| piece.0);
        assert!(pieces.len() >= 2, "segment {id:#x} needed fragmenting");
        let mut l4 = Vec::new();
        for (i, (offset, more, bytes)) in pieces.iter().enumerate() {
            assert_eq!(*offset, l4.len(), "fragments of {id:#x} are contiguous");
            assert_eq!(*more, i + 1 < pieces.len(), "MF on all but the last");
            l4.extend_from_slice(bytes);
        }
        let ip = ipv4(
            WAN_ADDRESS.address(),
            SERVER,
            IpProtocol::Tcp,
            63,
            false,
            &l4,
        );
        segments.push(Out {
            frame: [&[0u8; 12][..], &[0x08, 0x00], &ip].concat(),
            offload: FrameOffload::NONE,
        });
    }
    segments.sort_by_key(|out| tcp_of_ip(out.ip()).seq.wrapping_sub(conn.client_seq));
    check_segments(
        &segments,
        WAN_ADDRESS.address(),
        conn.public_port,
        SERVER,
        conn.dport,
        conn.client_seq,
        conn.server_seq,
        &payload,
    );
    let after = router.stats();
    assert_eq!(after.segments_made - before.segments_made, SEGMENTS as u64);
    assert_eq!(after.fragments - before.fragments, fragments.len() as u64);
}

/// A partial checksum cannot travel in fragments: a datagram too big for the port is completed, then
/// fragmented, even for a port that could complete checksums.
#[test]
fn partial_checksums_are_completed_before_fragmenting() {
    let mut router = Router::new();
    router.set_caps(WAN, ALL_CAPS);
    router.engine.interface_mut(WAN).unwrap().mtu = 1000;
    let data = pattern(1400, 18);
    let mut datagram = udp_packet(CLIENT, SERVER, 7004, 4000, &data);
    make_partial(&mut datagram);
    let before = router.stats();
    router.receive(LAN, &datagram, partial_offload(UDP));
    let fragments = router.take(WAN);
    assert_eq!(fragments.len(), 2);
    let mut l4 = Vec::new();
    for out in &fragments {
        assert_eq!(
            out.offload,
            FrameOffload::NONE,
            "fragments ask nothing of the NIC"
        );
        let ip = out.ip();
        assert!(ip.len() <= 1000);
        assert_eq!(
            usize::from(u16::from_be_bytes([ip[6], ip[7]]) & 0x1FFF) * 8,
            l4.len()
        );
        l4.extend_from_slice(&ip[ihl(ip)..]);
    }
    let whole = ipv4(
        WAN_ADDRESS.address(),
        SERVER,
        IpProtocol::Udp,
        63,
        false,
        &l4,
    );
    assert!(
        transport_checksum_valid(&whole),
        "the reassembled datagram's UDP checksum"
    );
    assert_eq!(udp_of_ip(&whole).2, data.as_slice());
    assert_eq!(
        router.stats().checksums_completed - before.checksums_completed,
        1
    );
}

// ---- 7. bad offload claims ----------------------------------------------------------------------

/// Claims that do not fit the packet are dropped as `BadOffload` with nothing sent; the super-frame
/// buffers of dropped claims come back (with a budget of one super-frame, a good one passes after).
#[test]
fn bad_offload_claims_are_dropped() {
    let mut router = Router::with_config(EngineConfig {
        max_super_frames: 1,
        ..EngineConfig::default()
    });
    let conn = router.connect(40006, 443, true);
    let small_tcp = router.client_segment(&conn, ACK | PSH, true, b"0123456789");
    let small_udp = udp_packet(CLIENT, SERVER, 7000, 53, b"query");
    let big_udp = udp_packet(CLIENT, SERVER, 7001, 9, &pattern(SUPER_PAYLOAD, 13));
    let past_end = |offset: usize| FrameOffload {
        partial_checksum: Some(PartialChecksum {
            start: 34,
            offset: offset as u16,
        }),
        ..FrameOffload::NONE
    };
    let claims: Vec<(&str, Vec<u8>, FrameOffload)> = vec![
        (
            "checksum field past the end",
            small_tcp.clone(),
            past_end(small_tcp.len() - 20 - 1),
        ),
        (
            "checksum offset 0xFFFF",
            small_udp.clone(),
            past_end(0xFFFF),
        ),
        (
            "checksum start past the frame",
            small_udp.clone(),
            FrameOffload {
                partial_checksum: Some(PartialChecksum {
                    start: (14 + small_udp.len() + 10) as u16,
                    offset: 6,
                }),
                ..FrameOffload::NONE
            },
        ),
        (
            "checksum start before the IPv4 header",
            small_udp.clone(),
            FrameOffload {
                partial_checksum: Some(PartialChecksum {
                    start: 10,
                    offset: 30,
                }),
                ..FrameOffload::NONE
            },
        ),
        (
            "super-frame claim on a small UDP packet",
            small_udp.clone(),
            FrameOffload {
                tcp_segment_size: Some(MSS),
                ..FrameOffload::NONE
            },
        ),
        (
            "super-frame claim on a 20 kB UDP packet",
            big_udp.clone(),
            FrameOffload {
                tcp_segment_size: Some(MSS),
                ..FrameOffload::NONE
            },
        ),
        (
            "super-frame claim on a 20 kB UDP packet, partial",
            big_udp.clone(),
            FrameOffload {
                tcp_segment_size: Some(MSS),
                ..partial_offload(UDP)
            },
        ),
        (
            "segment size zero",
            router.client_segment(&conn, ACK | PSH, true, &pattern(SUPER_PAYLOAD, 14)),
            FrameOffload {
                tcp_segment_size: Some(0),
                ..partial_offload(TCP)
            },
        ),
    ];
    for (what, ip, claim) in claims {
        let bad_before = router.drops(DropReason::BadOffload);
        let stats_before = router.stats();
        router.receive(LAN, &ip, claim);
        assert_eq!(
            router.drops(DropReason::BadOffload) - bad_before,
            1,
            "{what}"
        );
        assert!(
            router.take(WAN).is_empty(),
            "{what}: nothing leaves on the WAN"
        );
        assert!(router.take(LAN).is_empty(), "{what}: nothing goes back");
        assert_eq!(
            router.stats().super_frames,
            stats_before.super_frames,
            "{what}"
        );
    }

    let payload = pattern(SUPER_PAYLOAD, 15);
    let mut good = router.client_segment(&conn, ACK | PSH, true, &payload);
    make_partial(&mut good);
    router.receive(LAN, &good, super_offload(MSS));
    assert_eq!(
        router.take(WAN).len(),
        SEGMENTS,
        "the super-frame buffer is free again: {:?}",
        router.engine.drops().nonzero().collect::<Vec<_>>()
    );
}

// ---- 8. the super-frame budget ------------------------------------------------------------------

/// Super-frames waiting whole in a port's queue hold their buffers: beyond `max_super_frames` a new
/// one is dropped (`NoBuffer`) until the port takes the queued ones.
#[test]
fn super_frames_beyond_the_budget_are_dropped_until_buffers_return() {
    let mut router = Router::with_config(EngineConfig {
        max_super_frames: 2,
        ..EngineConfig::default()
    });
    router.set_caps(WAN, ALL_CAPS);
    let mut conn = router.connect(40007, 443, true);
    let super_frame = |conn: &mut Conn, salt: u8| {
        let mut ip = router.client_segment(conn, ACK | PSH, true, &pattern(SUPER_PAYLOAD, salt));
        make_partial(&mut ip);
        conn.client_seq += SUPER_PAYLOAD as u32;
        ip
    };
    let frames: Vec<Vec<u8>> = (0..4).map(|salt| super_frame(&mut conn, salt)).collect();

    for frame in &frames[..3] {
        router.receive(LAN, frame, super_offload(MSS));
    }
    // The device is full: nothing is taken.
    let offered = router.engine.transmit_offloaded(WAN, |_, _| false);
    assert_eq!(offered, 0);
    assert_eq!(router.engine.tx_pending(WAN), 2, "two super-frames wait");
    assert_eq!(
        router.drops(DropReason::NoBuffer),
        1,
        "the third was dropped"
    );
    assert_eq!(router.stats().super_frames, 2);

    let sent = router.take(WAN);
    assert_eq!(sent.len(), 2);
    for (out, original) in sent.iter().zip(&frames) {
        assert_eq!(out.offload.tcp_segment_size, Some(MSS));
        assert_eq!(tcp_of_ip(out.ip()).payload, &original[40..]);
    }
    // The server acknowledges what it got, so the rest is within its window.
    let acked = Conn {
        client_seq: conn.client_seq - 2 * SUPER_PAYLOAD as u32,
        ..conn
    };
    let ack = router.server_segment(&acked, ACK, b"");
    router.receive(WAN, &ack, FrameOffload::NONE);
    router.take_one(LAN);

    // Buffers are back: the sender's retransmission of the third, and the fourth, pass.
    for frame in &frames[2..] {
        router.receive(LAN, frame, super_offload(MSS));
    }
    let sent = router.take(WAN);
    assert_eq!(sent.len(), 2);
    assert_eq!(router.drops(DropReason::NoBuffer), 1);
    for (out, original) in sent.iter().zip(&frames[2..]) {
        assert_eq!(tcp_of_ip(out.ip()).payload, &original[40..]);
        assert!(transport_checksum_valid(&out.completed_ip()));
    }
}

// ---- 9. device-verified checksums ---------------------------------------------------------------

/// A checksum the NIC verified is carried as it is: through NAT it is updated, not recomputed, so a
/// right one stays right and leaves with nothing asked of the port (even one that could complete
/// checksums), and conntrack does not judge it again.
#[test]
fn verified_checksums_are_forwarded_intact() {
    let mut router = Router::new();
    router.set_caps(WAN, ALL_CAPS);
    let conn = router.connect(40008, 443, true);
    let data = pattern(500, 16);
    let tcp = router.client_segment(&conn, ACK | PSH, true, &data);
    let udp = udp_packet(CLIENT, SERVER, 7002, 123, &data);
    for original in [tcp, udp] {
        let before = router.stats();
        router.receive(LAN, &original, verified_offload());
        let out = router.take_one(WAN);
        assert_eq!(out.offload, FrameOffload::NONE);
        let ip = out.ip();
        assert_eq!(src_of(ip), WAN_ADDRESS.address());
        assert!(transport_checksum_valid(ip), "checksum valid after NAT");
        assert_eq!(
            ip[ihl(ip) + 2..ihl(ip) + 4],
            original[22..24],
            "destination port"
        );
        let data_at = if ip[9] == TCP { 20 + 20 } else { 20 + 8 };
        assert_eq!(ip[data_at..], original[data_at..], "payload intact");
        assert_eq!(
            router.stats().checksums_completed,
            before.checksums_completed
        );
    }

    // What the device vouched for is not judged again: a datagram whose checksum is off by some amount
    // leaves off by the same amount (the engine neither recomputes nor drops it).
    let mut wrong = udp_packet(CLIENT, SERVER, 7003, 123, &data);
    let at = checksum_at(&wrong);
    wrong[at] ^= 0x10;
    let residue = transport_residue(&wrong);
    assert_ne!(residue, 0xFFFF);
    let invalid_before = router.engine.hooks().conntrack().stats().invalid;
    router.receive(LAN, &wrong, verified_offload());
    let out = router.take_one(WAN);
    assert_eq!(
        router.engine.hooks().conntrack().stats().invalid,
        invalid_before
    );
    assert_eq!(
        transport_residue(out.ip()),
        residue,
        "the checksum is carried, not rewritten"
    );
}
