//! Building the ICMPv4 error messages a router originates: Time Exceeded and Destination Unreachable
//! (RFC 792; RFC 1812 §4.3.2; RFC 1191 §4 for "fragmentation needed").
//!
//! [`build_icmp_error`] takes the offending datagram (starting at its IPv4 header, exactly as the engine
//! holds it) and writes a complete IPv4 packet (IPv4 header + ICMP message) into a caller-provided buffer,
//! or returns why the error must not be sent ([`Suppressed`]).
//!
//! # What it guarantees
//!
//! - No panics on any input, no allocation, no `unsafe`. The offending packet is parsed with smoltcp's
//!   checked [`Ipv4Packet::new_checked`] plus version/IHL checks; a truncated or malformed packet is simply
//!   refused ([`Suppressed::Malformed`]). Its header checksum is *not* re-verified: that is the ingress
//!   stage's job (RFC 1812 §5.2.2).
//! - The output is a valid datagram: version 4, IHL 5 (no options), DF clear, identification from
//!   [`ErrorContext::ident`], TTL [`ERROR_TTL`] (64), protocol 1, correct IPv4 header and ICMP checksums,
//!   source = the `src` passed in (RFC 1812 §4.3.2.4: the address of the interface the error leaves
//!   from — chosen by the caller), destination = the offending packet's source.
//! - TOS: precedence 6 ("internetwork control", RFC 1812 §4.3.2.5) OR-ed with the original's RFC 1349
//!   TOS bits, as Linux (and therefore RouterOS) does. Linux's mask `0x1E` predates ECN and also copies
//!   the ECT(0) bit; we clear both ECN bits (RFC 3168 §5: ECT only on ECN-capable transports), so the
//!   mask applied is `0x1C`.
//! - Quoted data (RFC 792 "Internet Header + 64 bits of Original Data Datagram"; RFC 1812 §4.3.2.3): we
//!   quote as much of the offending datagram (header with options, then payload) as fits without the whole
//!   error packet exceeding [`MAX_ERROR_PACKET_LEN`] = 576 bytes, as RFC 1812 §4.3.2.3 recommends and
//!   Linux does. Bytes past the offending header's Total Length (link-layer padding) are never quoted.
//!   If `out` is smaller than that, the quote is shortened to fit, but never below the RFC 792 minimum
//!   (the whole header + 8 payload bytes, or the whole datagram if shorter); below that,
//!   [`Suppressed::BufferTooSmall`]. A 576-byte buffer always suffices.
//! - Quoted bytes are copied verbatim: the caller decides whether the TTL in the quote is the received one
//!   (Time Exceeded: [`crate::checksum::decrement_ttl`] leaves the header untouched when it refuses).
//!
//! # When it refuses (RFC 1812 §4.3.2.7, RFC 1122 §3.2.2)
//!
//! In this order, the first matching reason is returned:
//! 1. [`Suppressed::Malformed`]: shorter than 20 bytes, version ≠ 4, IHL < 5, IHL or Total Length beyond
//!    the buffer, Total Length < IHL, or an ICMP datagram too short to hold its type byte.
//! 2. [`Suppressed::InvalidSource`]: the source does not define a single host — `0.0.0.0/8` ("this
//!    network", never a valid destination per RFC 1122 §3.2.1.3), `127.0.0.0/8` loopback, `224.0.0.0/4`
//!    multicast, `240.0.0.0/4` class E including `255.255.255.255`. (Directed-broadcast sources are martians
//!    the ingress stage drops; this function cannot know subnet masks.)
//! 3. [`Suppressed::BroadcastDestination`]: the destination is `255.255.255.255`, multicast, or the caller
//!    says it is a directed (subnet) broadcast ([`ErrorContext::directed_broadcast`]).
//! 4. [`Suppressed::LinkBroadcast`]: the frame arrived as a link-layer broadcast/multicast
//!    ([`ErrorContext::link_broadcast`]).
//! 5. [`Suppressed::NonInitialFragment`]: fragment offset ≠ 0.
//! 6. [`Suppressed::IcmpError`]: the datagram is itself an ICMP error — types 3, 4, 5, 11, 12 — or an ICMP
//!    type above 18 (unknown types are assumed to be errors, as Linux does). Queries (echo, timestamp,
//!    ...) do get errors.
//! 7. [`Suppressed::BufferTooSmall`]: see above.
//!
//! Rate limiting (RFC 1812 §4.3.2.8) is separate: see [`crate::rate_limit`].

use smoltcp::wire::{IpProtocol, Ipv4Address, Ipv4Packet};

use crate::checksum::internet_checksum;

/// Maximum size of an ICMP error datagram we build (RFC 1812 §4.3.2.3: "as much of the original datagram
/// as possible without the length of the ICMP datagram exceeding 576 bytes").
pub const MAX_ERROR_PACKET_LEN: usize = 576;

/// TTL of the error datagrams we originate (Linux's default `ip_default_ttl`, as RouterOS).
pub const ERROR_TTL: u8 = 64;

/// Length of the IPv4 header we emit (no options).
const IP_HEADER_LEN: usize = 20;
/// Length of the ICMP error header: type, code, checksum, 4 bytes unused / next-hop MTU (RFC 792).
const ICMP_HEADER_LEN: usize = 8;
/// Payload bytes RFC 792 requires to be quoted after the original header.
const MIN_QUOTED_PAYLOAD: usize = 8;
/// IPv4 TOS precedence 6, "internetwork control" (RFC 791 §3.1, RFC 1812 §4.3.2.5).
const TOS_PREC_INTERNETWORK_CONTROL: u8 = 0xC0;
/// The RFC 1349 TOS bits that lie in the DSCP field (Linux `IPTOS_TOS_MASK` = `0x1E` minus the ECN bit).
const TOS_MASK: u8 = 0x1C;

/// ICMP message types (RFC 792).
const ICMP_DEST_UNREACHABLE: u8 = 3;
const ICMP_TIME_EXCEEDED: u8 = 11;

/// The ICMP error to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IcmpErrorKind {
    /// Time Exceeded, code 0: TTL exceeded in transit (RFC 792; RFC 1812 §5.3.1).
    TtlExceeded,
    /// Time Exceeded, code 1: fragment reassembly time exceeded (RFC 792; sent only when the first
    /// fragment had arrived, quoting it).
    ReassemblyTimeExceeded,
    /// Destination Unreachable, code 0: no route (RFC 1812 §5.2.7.1). `reject-with=icmp-network-unreachable`.
    NetUnreachable,
    /// Destination Unreachable, code 1: no ARP reply etc. `reject-with=icmp-host-unreachable`.
    HostUnreachable,
    /// Destination Unreachable, code 2. `reject-with=icmp-protocol-unreachable`.
    ProtocolUnreachable,
    /// Destination Unreachable, code 3. `reject-with=icmp-port-unreachable`.
    PortUnreachable,
    /// Destination Unreachable, code 4: fragmentation needed and DF set, with the next-hop MTU in the low
    /// 16 bits of the second header word (RFC 1191 §4; RFC 1812 §4.3.2.3 / §5.2.7.1).
    FragmentationNeeded {
        /// MTU of the next-hop link.
        next_hop_mtu: u16,
    },
    /// Destination Unreachable, code 9: network administratively prohibited (RFC 1122 §3.2.2.1).
    /// `reject-with=icmp-net-prohibited`.
    NetProhibited,
    /// Destination Unreachable, code 10: host administratively prohibited. `reject-with=icmp-host-prohibited`.
    HostProhibited,
    /// Destination Unreachable, code 13: communication administratively prohibited (RFC 1812 §5.2.7.1).
    /// `reject-with=icmp-admin-prohibited`.
    AdminProhibited,
}

impl IcmpErrorKind {
    /// ICMP type field.
    pub const fn icmp_type(self) -> u8 {
        match self {
            IcmpErrorKind::TtlExceeded | IcmpErrorKind::ReassemblyTimeExceeded => {
                ICMP_TIME_EXCEEDED
            }
            _ => ICMP_DEST_UNREACHABLE,
        }
    }

    /// ICMP code field.
    pub const fn code(self) -> u8 {
        match self {
            IcmpErrorKind::TtlExceeded => 0,
            IcmpErrorKind::ReassemblyTimeExceeded => 1,
            IcmpErrorKind::NetUnreachable => 0,
            IcmpErrorKind::HostUnreachable => 1,
            IcmpErrorKind::ProtocolUnreachable => 2,
            IcmpErrorKind::PortUnreachable => 3,
            IcmpErrorKind::FragmentationNeeded { .. } => 4,
            IcmpErrorKind::NetProhibited => 9,
            IcmpErrorKind::HostProhibited => 10,
            IcmpErrorKind::AdminProhibited => 13,
        }
    }

    /// Bytes 4..8 of the ICMP header: zero ("unused", RFC 792) except for fragmentation needed, where
    /// the low 16 bits carry the next-hop MTU (RFC 1191 §4).
    const fn rest_of_header(self) -> [u8; 4] {
        match self {
            IcmpErrorKind::FragmentationNeeded { next_hop_mtu } => {
                let m = next_hop_mtu.to_be_bytes();
                [0, 0, m[0], m[1]]
            }
            _ => [0; 4],
        }
    }
}

/// What the engine knows about the offending packet beyond its bytes, plus the identification to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ErrorContext {
    /// The frame was received as a link-layer broadcast or multicast (RFC 1812 §4.3.2.7).
    pub link_broadcast: bool,
    /// The destination is a directed (subnet) broadcast address of a network the router knows
    /// (RFC 1812 §4.3.2.7 "a datagram destined to an IP broadcast ... address").
    pub directed_broadcast: bool,
    /// IPv4 Identification of the error datagram (the engine's ID counter / RNG; RFC 6864).
    pub ident: u16,
}

/// Why no ICMP error was built. See the module docs for the exact rules and their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suppressed {
    /// The offending packet is truncated or not a well-formed IPv4 datagram.
    Malformed,
    /// The offending source is not a unicast host address (RFC 1812 §4.3.2.7, RFC 1122 §3.2.2).
    InvalidSource,
    /// The offending destination is a broadcast or multicast address.
    BroadcastDestination,
    /// The offending frame was a link-layer broadcast or multicast.
    LinkBroadcast,
    /// The offending datagram is a non-initial fragment.
    NonInitialFragment,
    /// The offending datagram is an ICMP error message (or an unknown ICMP type).
    IcmpError,
    /// `out` cannot hold even the minimum RFC 792 error message.
    BufferTooSmall,
}

/// Whether `addr`, as a *source*, defines a single host (RFC 1812 §4.3.2.7, RFC 1122 §3.2.1.3).
fn is_unicast_host_source(addr: Ipv4Address) -> bool {
    let first = addr.octets()[0];
    !(first == 0 || addr.is_loopback() || addr.is_multicast() || first >= 240)
}

/// ICMP types that are error messages (RFC 792, RFC 1122 §3.2.2): Destination Unreachable (3), Source
/// Quench (4), Redirect (5), Time Exceeded (11), Parameter Problem (12). Types above 18 (`NR_ICMP_TYPES`
/// in Linux) are unknown and treated as errors, as Linux's `icmp_send` does.
const fn is_icmp_error_type(t: u8) -> bool {
    matches!(t, 3 | 4 | 5 | 11 | 12) || t > 18
}

/// Build the ICMP error `kind` about `offending` into `out`; returns the length of the complete IPv4
/// datagram written to `out[..len]`, or why the error must not be sent. See the module docs.
///
/// `offending` starts at the IPv4 header; bytes past its Total Length are ignored. `src` is the router
/// address the error is sent from.
pub fn build_icmp_error(
    offending: &[u8],
    kind: IcmpErrorKind,
    src: Ipv4Address,
    ctx: &ErrorContext,
    out: &mut [u8],
) -> Result<usize, Suppressed> {
    // --- Parse and validate the offending datagram (checked: never indexes past the buffer). ---
    let ip = Ipv4Packet::new_checked(offending).map_err(|_| Suppressed::Malformed)?;
    let ihl = usize::from(ip.header_len());
    if ip.version() != 4 || ihl < IP_HEADER_LEN {
        return Err(Suppressed::Malformed);
    }
    let total_len = usize::from(ip.total_len());

    // --- RFC 1812 §4.3.2.7 / RFC 1122 §3.2.2: when an error MUST NOT be sent. ---
    let orig_src = ip.src_addr();
    let orig_dst = ip.dst_addr();
    if !is_unicast_host_source(orig_src) {
        return Err(Suppressed::InvalidSource);
    }
    if orig_dst.is_broadcast() || orig_dst.is_multicast() || ctx.directed_broadcast {
        return Err(Suppressed::BroadcastDestination);
    }
    if ctx.link_broadcast {
        return Err(Suppressed::LinkBroadcast);
    }
    if ip.frag_offset() != 0 {
        return Err(Suppressed::NonInitialFragment);
    }
    if ip.next_header() == IpProtocol::Icmp {
        // check_len guaranteed ihl <= total_len <= offending.len(); the type byte is the first payload byte.
        match ip.payload().first() {
            None => return Err(Suppressed::Malformed),
            Some(&t) if is_icmp_error_type(t) => return Err(Suppressed::IcmpError),
            Some(_) => {}
        }
    }

    // --- Size the quote (RFC 792 minimum, RFC 1812 §4.3.2.3 maximum of 576 bytes total). ---
    let overhead = IP_HEADER_LEN + ICMP_HEADER_LEN;
    let min_quote = total_len.min(ihl + MIN_QUOTED_PAYLOAD);
    let quote_len = total_len
        .min(MAX_ERROR_PACKET_LEN - overhead)
        .min(out.len().saturating_sub(overhead));
    if quote_len < min_quote {
        return Err(Suppressed::BufferTooSmall);
    }
    let quote = offending.get(..quote_len).ok_or(Suppressed::Malformed)?;
    let len = overhead + quote_len; // <= 576, fits u16
    let out = out.get_mut(..len).ok_or(Suppressed::BufferTooSmall)?;
    let (ip_hdr, icmp) = out
        .split_at_mut_checked(IP_HEADER_LEN)
        .ok_or(Suppressed::BufferTooSmall)?;

    // --- ICMP message (RFC 792): type, code, checksum, rest-of-header, quote. ---
    let (icmp_hdr, icmp_data) = icmp
        .split_at_mut_checked(ICMP_HEADER_LEN)
        .ok_or(Suppressed::BufferTooSmall)?;
    let rest = kind.rest_of_header();
    icmp_hdr.copy_from_slice(&[
        kind.icmp_type(),
        kind.code(),
        0,
        0,
        rest[0],
        rest[1],
        rest[2],
        rest[3],
    ]);
    icmp_data.copy_from_slice(quote);
    let icmp_sum = internet_checksum(icmp).to_be_bytes();
    if let Some(c) = icmp.get_mut(2..4) {
        c.copy_from_slice(&icmp_sum);
    }

    // --- IPv4 header (RFC 791 §3.1). ---
    let tos = TOS_PREC_INTERNETWORK_CONTROL | ((ip.dscp() << 2) & TOS_MASK);
    let total = u16::try_from(len)
        .map_err(|_| Suppressed::BufferTooSmall)?
        .to_be_bytes();
    let id = ctx.ident.to_be_bytes();
    let s = src.octets();
    let d = orig_src.octets();
    ip_hdr.copy_from_slice(&[
        0x45, // version 4, IHL 5
        tos,
        total[0],
        total[1],
        id[0],
        id[1],
        0x00, // flags: DF clear, MF clear; fragment offset 0
        0x00,
        ERROR_TTL,
        u8::from(IpProtocol::Icmp),
        0x00, // checksum, filled below
        0x00,
        s[0],
        s[1],
        s[2],
        s[3],
        d[0],
        d[1],
        d[2],
        d[3],
    ]);
    let ip_sum = internet_checksum(ip_hdr).to_be_bytes();
    if let Some(c) = ip_hdr.get_mut(10..12) {
        c.copy_from_slice(&ip_sum);
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::tests::Rng;
    use smoltcp::phy::ChecksumCapabilities;
    use smoltcp::wire::{
        Icmpv4DstUnreachable, Icmpv4Message, Icmpv4Packet, Icmpv4Repr, Icmpv4TimeExceeded, Ipv4Repr,
    };

    const ROUTER: Ipv4Address = Ipv4Address::new(192, 168, 88, 1);

    /// UDP 192.168.88.10:5353 -> 10.0.0.1:53, TTL 63, ID 0x1c46, DF, payload "hello router!!!!".
    const UDP: [u8; 44] = [
        0x45, 0x00, 0x00, 0x2c, 0x1c, 0x46, 0x40, 0x00, 0x3f, 0x11, 0xfc, 0xc7, 0xc0, 0xa8, 0x58,
        0x0a, 0x0a, 0x00, 0x00, 0x01, 0x14, 0xe9, 0x00, 0x35, 0x00, 0x18, 0xf4, 0x61, 0x68, 0x65,
        0x6c, 0x6c, 0x6f, 0x20, 0x72, 0x6f, 0x75, 0x74, 0x65, 0x72, 0x21, 0x21, 0x21, 0x21,
    ];

    /// TCP SYN 192.168.88.20:40000 -> 93.184.216.34:443 with MSS option; TOS 0x2e, TTL 127, DF,
    /// ID 0xbeef, one IP option (Router Alert, 94 04 00 00), so IHL = 6.
    const TCP: [u8; 48] = [
        0x46, 0x2e, 0x00, 0x30, 0xbe, 0xef, 0x40, 0x00, 0x7f, 0x06, 0x59, 0x0e, 0xc0, 0xa8, 0x58,
        0x14, 0x5d, 0xb8, 0xd8, 0x22, 0x94, 0x04, 0x00, 0x00, 0x9c, 0x40, 0x01, 0xbb, 0x01, 0x02,
        0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x60, 0x02, 0xfa, 0xf0, 0xac, 0x9c, 0x00, 0x00, 0x02,
        0x04, 0x05, 0xb4,
    ];

    /// Port unreachable for `UDP` from 192.168.88.1 with ident 0x1234, computed independently.
    const UDP_PORT_UNREACH: [u8; 72] = [
        0x45, 0xc0, 0x00, 0x48, 0x12, 0x34, 0x00, 0x00, 0x40, 0x01, 0x36, 0x65, 0xc0, 0xa8, 0x58,
        0x01, 0xc0, 0xa8, 0x58, 0x0a, 0x03, 0x03, 0x1f, 0xda, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00,
        0x00, 0x2c, 0x1c, 0x46, 0x40, 0x00, 0x3f, 0x11, 0xfc, 0xc7, 0xc0, 0xa8, 0x58, 0x0a, 0x0a,
        0x00, 0x00, 0x01, 0x14, 0xe9, 0x00, 0x35, 0x00, 0x18, 0xf4, 0x61, 0x68, 0x65, 0x6c, 0x6c,
        0x6f, 0x20, 0x72, 0x6f, 0x75, 0x74, 0x65, 0x72, 0x21, 0x21, 0x21, 0x21,
    ];

    /// Fragmentation needed (MTU 1400) for `TCP` from 192.168.88.1 with ident 0, computed independently.
    const TCP_FRAG_NEEDED: [u8; 76] = [
        0x45, 0xcc, 0x00, 0x4c, 0x00, 0x00, 0x00, 0x00, 0x40, 0x01, 0x48, 0x7f, 0xc0, 0xa8, 0x58,
        0x01, 0xc0, 0xa8, 0x58, 0x14, 0x03, 0x04, 0x46, 0x3a, 0x00, 0x00, 0x05, 0x78, 0x46, 0x2e,
        0x00, 0x30, 0xbe, 0xef, 0x40, 0x00, 0x7f, 0x06, 0x59, 0x0e, 0xc0, 0xa8, 0x58, 0x14, 0x5d,
        0xb8, 0xd8, 0x22, 0x94, 0x04, 0x00, 0x00, 0x9c, 0x40, 0x01, 0xbb, 0x01, 0x02, 0x03, 0x04,
        0x00, 0x00, 0x00, 0x00, 0x60, 0x02, 0xfa, 0xf0, 0xac, 0x9c, 0x00, 0x00, 0x02, 0x04, 0x05,
        0xb4,
    ];

    const ALL_KINDS: [IcmpErrorKind; 9] = [
        IcmpErrorKind::TtlExceeded,
        IcmpErrorKind::NetUnreachable,
        IcmpErrorKind::HostUnreachable,
        IcmpErrorKind::ProtocolUnreachable,
        IcmpErrorKind::PortUnreachable,
        IcmpErrorKind::FragmentationNeeded { next_hop_mtu: 1400 },
        IcmpErrorKind::NetProhibited,
        IcmpErrorKind::HostProhibited,
        IcmpErrorKind::AdminProhibited,
    ];

    fn build(offending: &[u8], kind: IcmpErrorKind) -> Result<alloc::vec::Vec<u8>, Suppressed> {
        build_ctx(offending, kind, &ErrorContext::default())
    }

    fn build_ctx(
        offending: &[u8],
        kind: IcmpErrorKind,
        ctx: &ErrorContext,
    ) -> Result<alloc::vec::Vec<u8>, Suppressed> {
        let mut out = [0u8; MAX_ERROR_PACKET_LEN];
        let n = build_icmp_error(offending, kind, ROUTER, ctx, &mut out)?;
        Ok(out[..n].to_vec())
    }

    /// Recompute and set an IPv4 header checksum (for packets edited in tests).
    fn fix_ip_checksum(p: &mut [u8]) {
        let ihl = usize::from(p[0] & 0x0F) * 4;
        p[10] = 0;
        p[11] = 0;
        let c = internet_checksum(&p[..ihl]);
        p[10..12].copy_from_slice(&c.to_be_bytes());
    }

    #[test]
    fn udp_port_unreachable_matches_literal() {
        let ctx = ErrorContext {
            ident: 0x1234,
            ..Default::default()
        };
        let got = build_ctx(&UDP, IcmpErrorKind::PortUnreachable, &ctx).unwrap();
        assert_eq!(got, UDP_PORT_UNREACH);
    }

    #[test]
    fn tcp_frag_needed_matches_literal() {
        let got = build(
            &TCP,
            IcmpErrorKind::FragmentationNeeded { next_hop_mtu: 1400 },
        )
        .unwrap();
        assert_eq!(got, TCP_FRAG_NEEDED);
    }

    /// Every kind, for both samples: parse back with smoltcp (checksums verified) and check the quote.
    #[test]
    fn every_kind_parses_back_with_smoltcp() {
        let caps = ChecksumCapabilities::default(); // verifies checksums on rx
        for sample in [&UDP[..], &TCP[..]] {
            let orig = Ipv4Packet::new_checked(sample).unwrap();
            for kind in ALL_KINDS {
                let bytes = build(sample, kind).unwrap();
                assert_eq!(bytes.len(), 28 + sample.len());

                let ip = Ipv4Packet::new_checked(&bytes[..]).unwrap();
                assert!(ip.verify_checksum());
                let repr = Ipv4Repr::parse(&ip, &caps).unwrap();
                assert_eq!(repr.src_addr, ROUTER);
                assert_eq!(repr.dst_addr, orig.src_addr());
                assert_eq!(repr.next_header, IpProtocol::Icmp);
                assert_eq!(repr.hop_limit, 64);
                assert!(!ip.dont_frag() && !ip.more_frags() && ip.frag_offset() == 0);
                assert_eq!(ip.header_len(), 20);
                assert_eq!(usize::from(ip.total_len()), bytes.len());

                let icmp = Icmpv4Packet::new_checked(ip.payload()).unwrap();
                assert!(icmp.verify_checksum());
                assert_eq!(u8::from(icmp.msg_type()), kind.icmp_type());
                assert_eq!(icmp.msg_code(), kind.code());
                let rest = &ip.payload()[4..8];
                match kind {
                    IcmpErrorKind::FragmentationNeeded { next_hop_mtu } => {
                        assert_eq!(rest, [0, 0, (next_hop_mtu >> 8) as u8, next_hop_mtu as u8])
                    }
                    _ => assert_eq!(rest, [0, 0, 0, 0]),
                }
                // The whole offending datagram is quoted verbatim (it is short).
                assert_eq!(icmp.data(), sample);

                let parsed = Icmpv4Repr::parse(&icmp, &caps).unwrap();
                match (kind, parsed) {
                    (
                        IcmpErrorKind::TtlExceeded,
                        Icmpv4Repr::TimeExceeded {
                            reason,
                            header,
                            data,
                        },
                    ) => {
                        assert_eq!(reason, Icmpv4TimeExceeded::TtlExpired);
                        assert_eq!(header.src_addr, orig.src_addr());
                        assert_eq!(header.dst_addr, orig.dst_addr());
                        assert_eq!(data, orig.payload());
                    }
                    (
                        _,
                        Icmpv4Repr::DstUnreachable {
                            reason,
                            header,
                            data,
                        },
                    ) => {
                        assert_eq!(u8::from(reason), kind.code());
                        assert_eq!(header.next_header, orig.next_header());
                        assert_eq!(data, orig.payload());
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
    }

    #[test]
    fn kind_codes() {
        use Icmpv4DstUnreachable as D;
        let expect = [
            (IcmpErrorKind::NetUnreachable, D::NetUnreachable),
            (IcmpErrorKind::HostUnreachable, D::HostUnreachable),
            (IcmpErrorKind::ProtocolUnreachable, D::ProtoUnreachable),
            (IcmpErrorKind::PortUnreachable, D::PortUnreachable),
            (
                IcmpErrorKind::FragmentationNeeded { next_hop_mtu: 0 },
                D::FragRequired,
            ),
            (IcmpErrorKind::NetProhibited, D::NetProhibited),
            (IcmpErrorKind::HostProhibited, D::HostProhibited),
            (IcmpErrorKind::AdminProhibited, D::CommProhibited),
        ];
        for (k, d) in expect {
            assert_eq!(k.icmp_type(), u8::from(Icmpv4Message::DstUnreachable));
            assert_eq!(k.code(), u8::from(d));
        }
        assert_eq!(
            IcmpErrorKind::TtlExceeded.icmp_type(),
            u8::from(Icmpv4Message::TimeExceeded)
        );
        assert_eq!(
            IcmpErrorKind::TtlExceeded.code(),
            u8::from(Icmpv4TimeExceeded::TtlExpired)
        );
    }

    #[test]
    fn tos_gets_internetwork_control_precedence() {
        assert_eq!(build(&UDP, IcmpErrorKind::NetUnreachable).unwrap()[1], 0xC0);
        // TCP sample has TOS 0x2e: TOS bits 0x0c kept, ECN bits (0x02) dropped.
        assert_eq!(build(&TCP, IcmpErrorKind::NetUnreachable).unwrap()[1], 0xCC);
        let mut p = UDP;
        p[1] = 0xFF;
        fix_ip_checksum(&mut p);
        assert_eq!(build(&p, IcmpErrorKind::NetUnreachable).unwrap()[1], 0xDC);
    }

    /// A large datagram: quote truncated so the error is exactly 576 bytes (RFC 1812 §4.3.2.3).
    #[test]
    fn large_datagram_quote_is_capped_at_576() {
        let mut p = alloc::vec![0u8; 1500];
        p[..UDP.len()].copy_from_slice(&UDP);
        for (i, b) in p.iter_mut().enumerate().skip(UDP.len()) {
            *b = i as u8;
        }
        p[2..4].copy_from_slice(&1500u16.to_be_bytes());
        fix_ip_checksum(&mut p);
        let e = build(
            &p,
            IcmpErrorKind::FragmentationNeeded { next_hop_mtu: 1280 },
        )
        .unwrap();
        assert_eq!(e.len(), MAX_ERROR_PACKET_LEN);
        let ip = Ipv4Packet::new_checked(&e[..]).unwrap();
        assert!(ip.verify_checksum());
        let icmp = Icmpv4Packet::new_checked(ip.payload()).unwrap();
        assert!(icmp.verify_checksum());
        assert_eq!(icmp.data(), &p[..548]);
    }

    /// Link-layer padding past Total Length is never quoted.
    #[test]
    fn trailing_padding_is_not_quoted() {
        let mut p = UDP.to_vec();
        p.extend_from_slice(&[0xEE; 18]);
        assert_eq!(
            build(&p, IcmpErrorKind::PortUnreachable).unwrap(),
            build(&UDP, IcmpErrorKind::PortUnreachable).unwrap()
        );
    }

    /// Short buffers: shrink the quote down to the RFC 792 minimum, then refuse; never panic.
    #[test]
    fn output_buffer_sizes() {
        let mut p = alloc::vec![0u8; 1000];
        p[..TCP.len()].copy_from_slice(&TCP);
        p[2..4].copy_from_slice(&1000u16.to_be_bytes());
        fix_ip_checksum(&mut p);
        let min = 28 + 24 + 8; // our headers + offending header with options + 8 bytes
        for size in 0..700 {
            let mut out = alloc::vec![0xAAu8; size];
            let r = build_icmp_error(
                &p,
                IcmpErrorKind::HostUnreachable,
                ROUTER,
                &ErrorContext::default(),
                &mut out,
            );
            if size < min {
                assert_eq!(r, Err(Suppressed::BufferTooSmall), "size {size}");
            } else {
                let n = r.unwrap();
                assert_eq!(n, size.min(576));
                let ip = Ipv4Packet::new_checked(&out[..n]).unwrap();
                assert!(ip.verify_checksum());
                let icmp = Icmpv4Packet::new_checked(ip.payload()).unwrap();
                assert!(icmp.verify_checksum());
                assert_eq!(icmp.data(), &p[..n - 28]);
            }
        }
        // A datagram shorter than header + 8 is quoted whole, and needs only that much room.
        let mut tiny = UDP[..24].to_vec();
        tiny[2..4].copy_from_slice(&24u16.to_be_bytes());
        fix_ip_checksum(&mut tiny);
        let mut out = [0u8; 52];
        assert_eq!(
            build_icmp_error(
                &tiny,
                IcmpErrorKind::PortUnreachable,
                ROUTER,
                &ErrorContext::default(),
                &mut out
            ),
            Ok(52)
        );
        let mut out = [0u8; 51];
        assert_eq!(
            build_icmp_error(
                &tiny,
                IcmpErrorKind::PortUnreachable,
                ROUTER,
                &ErrorContext::default(),
                &mut out
            ),
            Err(Suppressed::BufferTooSmall)
        );
    }

    fn with_src(src: [u8; 4]) -> [u8; 44] {
        let mut p = UDP;
        p[12..16].copy_from_slice(&src);
        fix_ip_checksum(&mut p);
        p
    }

    fn with_dst(dst: [u8; 4]) -> [u8; 44] {
        let mut p = UDP;
        p[16..20].copy_from_slice(&dst);
        fix_ip_checksum(&mut p);
        p
    }

    #[test]
    fn suppress_invalid_sources() {
        for src in [
            [0, 0, 0, 0],
            [0, 1, 2, 3],
            [127, 0, 0, 1],
            [127, 255, 255, 254],
            [224, 0, 0, 1],
            [239, 255, 255, 250],
            [240, 0, 0, 1],
            [255, 255, 255, 255],
        ] {
            assert_eq!(
                build(&with_src(src), IcmpErrorKind::PortUnreachable),
                Err(Suppressed::InvalidSource),
                "{src:?}"
            );
        }
        for src in [
            [1, 0, 0, 0],
            [10, 1, 2, 3],
            [126, 255, 255, 255],
            [128, 0, 0, 1],
            [223, 255, 255, 255],
        ] {
            assert!(
                build(&with_src(src), IcmpErrorKind::PortUnreachable).is_ok(),
                "{src:?}"
            );
        }
    }

    #[test]
    fn suppress_broadcast_and_multicast_destinations() {
        for dst in [[255, 255, 255, 255], [224, 0, 0, 5], [239, 1, 2, 3]] {
            assert_eq!(
                build(&with_dst(dst), IcmpErrorKind::TtlExceeded),
                Err(Suppressed::BroadcastDestination),
                "{dst:?}"
            );
        }
        let ctx = ErrorContext {
            directed_broadcast: true,
            ..Default::default()
        };
        assert_eq!(
            build_ctx(&UDP, IcmpErrorKind::TtlExceeded, &ctx),
            Err(Suppressed::BroadcastDestination)
        );
    }

    #[test]
    fn suppress_link_broadcast() {
        let ctx = ErrorContext {
            link_broadcast: true,
            ..Default::default()
        };
        assert_eq!(
            build_ctx(&UDP, IcmpErrorKind::HostUnreachable, &ctx),
            Err(Suppressed::LinkBroadcast)
        );
        assert_eq!(
            build_ctx(&TCP, IcmpErrorKind::HostUnreachable, &ctx),
            Err(Suppressed::LinkBroadcast)
        );
    }

    #[test]
    fn suppress_non_initial_fragments_only() {
        let mut p = UDP;
        p[6] = 0x20; // MF, offset 0x0001 (8 bytes)
        p[7] = 0x01;
        fix_ip_checksum(&mut p);
        assert_eq!(
            build(&p, IcmpErrorKind::TtlExceeded),
            Err(Suppressed::NonInitialFragment)
        );
        p[6] = 0x00; // last fragment, offset 185*8
        p[7] = 185;
        fix_ip_checksum(&mut p);
        assert_eq!(
            build(&p, IcmpErrorKind::TtlExceeded),
            Err(Suppressed::NonInitialFragment)
        );
        // First fragment (MF set, offset 0) does get an error.
        p[6] = 0x20;
        p[7] = 0x00;
        fix_ip_checksum(&mut p);
        assert!(build(&p, IcmpErrorKind::TtlExceeded).is_ok());
    }

    fn icmp_packet(icmp_type: u8, code: u8) -> [u8; 36] {
        let mut p = [0u8; 36];
        p[..20].copy_from_slice(&UDP[..20]);
        p[2..4].copy_from_slice(&36u16.to_be_bytes());
        p[9] = 1;
        p[20] = icmp_type;
        p[21] = code;
        let c = internet_checksum(&p[20..]);
        p[22..24].copy_from_slice(&c.to_be_bytes());
        fix_ip_checksum(&mut p);
        p
    }

    #[test]
    fn suppress_icmp_errors_but_not_queries() {
        for t in [3u8, 4, 5, 11, 12, 19, 40, 255] {
            assert_eq!(
                build(&icmp_packet(t, 0), IcmpErrorKind::TtlExceeded),
                Err(Suppressed::IcmpError),
                "type {t}"
            );
        }
        for t in [0u8, 8, 9, 10, 13, 14, 15, 16, 17, 18] {
            let e = build(&icmp_packet(t, 0), IcmpErrorKind::TtlExceeded).unwrap();
            assert_eq!(&e[28..], &icmp_packet(t, 0)[..], "type {t}");
        }
        // ICMP with no room for even a type byte: malformed.
        let mut p = [0u8; 20];
        p.copy_from_slice(&UDP[..20]);
        p[2..4].copy_from_slice(&20u16.to_be_bytes());
        p[9] = 1;
        fix_ip_checksum(&mut p);
        assert_eq!(
            build(&p, IcmpErrorKind::TtlExceeded),
            Err(Suppressed::Malformed)
        );
        // A non-ICMP datagram with an empty payload is fine.
        p[9] = 17;
        fix_ip_checksum(&mut p);
        assert_eq!(
            build(&p, IcmpErrorKind::TtlExceeded).map(|e| e.len()),
            Ok(48)
        );
    }

    #[test]
    fn suppress_malformed_headers() {
        // Version 6.
        let mut p = UDP;
        p[0] = 0x65;
        assert_eq!(
            build(&p, IcmpErrorKind::PortUnreachable),
            Err(Suppressed::Malformed)
        );
        // IHL < 5.
        for ihl in 0..5u8 {
            p[0] = 0x40 | ihl;
            assert_eq!(
                build(&p, IcmpErrorKind::PortUnreachable),
                Err(Suppressed::Malformed),
                "ihl {ihl}"
            );
        }
        // IHL past the buffer / past Total Length.
        p[0] = 0x4F;
        assert_eq!(
            build(&p, IcmpErrorKind::PortUnreachable),
            Err(Suppressed::Malformed)
        );
        // Total Length past the buffer.
        let mut p = UDP;
        p[2..4].copy_from_slice(&45u16.to_be_bytes());
        assert_eq!(
            build(&p, IcmpErrorKind::PortUnreachable),
            Err(Suppressed::Malformed)
        );
        // Total Length smaller than the header.
        p[2..4].copy_from_slice(&19u16.to_be_bytes());
        assert_eq!(
            build(&p, IcmpErrorKind::PortUnreachable),
            Err(Suppressed::Malformed)
        );
    }

    /// Every truncation of both samples is refused as malformed, never a panic.
    #[test]
    fn truncated_inputs_never_panic() {
        for sample in [
            &UDP[..],
            &TCP[..],
            &icmp_packet(8, 0)[..],
            &icmp_packet(3, 3)[..],
        ] {
            for len in 0..sample.len() {
                for kind in ALL_KINDS {
                    assert_eq!(
                        build(&sample[..len], kind),
                        Err(Suppressed::Malformed),
                        "len {len}"
                    );
                }
            }
        }
    }

    /// Random garbage and random mutations of valid packets, with random output buffer sizes: no panics,
    /// and whatever is produced is a valid ICMP error datagram.
    #[test]
    fn fuzz_never_panics_and_output_is_valid() {
        let mut rng = Rng::new(0x792);
        let mut out = [0u8; 700];
        for case in 0..50_000 {
            let mut p: alloc::vec::Vec<u8> = match case % 3 {
                0 => (0..rng.below(80)).map(|_| rng.next_u64() as u8).collect(),
                1 => UDP.to_vec(),
                _ => TCP.to_vec(),
            };
            for _ in 0..rng.below(4) {
                if !p.is_empty() {
                    let i = rng.below(p.len());
                    p[i] = rng.next_u64() as u8;
                }
            }
            if case % 5 == 0 {
                p.truncate(rng.below(p.len() + 1));
            }
            let kind = ALL_KINDS[rng.below(ALL_KINDS.len())];
            let ctx = ErrorContext {
                ident: rng.u16(),
                ..Default::default()
            };
            let size = rng.below(out.len());
            if let Ok(n) = build_icmp_error(&p, kind, ROUTER, &ctx, &mut out[..size]) {
                assert!(n <= size && n <= MAX_ERROR_PACKET_LEN);
                let ip = Ipv4Packet::new_checked(&out[..n]).unwrap();
                assert!(ip.verify_checksum());
                let icmp = Icmpv4Packet::new_checked(ip.payload()).unwrap();
                assert!(icmp.verify_checksum());
                assert_eq!(icmp.data(), &p[..n - 28]);
            }
        }
    }
}
