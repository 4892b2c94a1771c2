//! IPv4 ingress validation (RFC 1812 §5.2.2 and §5.3.7).
//!
//! Contract: on `Ok`, the packet holds a well-formed IPv4 header — at least 20 bytes, version 4, IHL ≥ 5,
//! header length ≤ total length ≤ bytes received, correct header checksum — any Ethernet padding after the
//! total length is cut off, `Meta::l4_offset` points at the transport header unless the packet is a
//! non-first fragment, and `Meta::flow_hash` is set from addresses, protocol and (when present) ports.
//! Martian sources are refused (RFC 1812 §5.3.7): 127/8, multicast, class E and the limited broadcast; a
//! source of 0.0.0.0 is accepted only towards the limited broadcast (DHCP clients, RFC 2131 §4.1), which
//! the engine delivers locally. Options are recognised (kept, not interpreted); fragments are recognised
//! (`is_fragment`) and forwarded as they are.

use smoltcp::wire::{IpProtocol, Ipv4Address, Ipv4Packet};

use crate::checksum;
use crate::packet::Packet;
use crate::verdict::DropReason;

/// Validates the IPv4 header; see the module docs.
pub fn validate(packet: &mut Packet) -> Result<(), DropReason> {
    let l3 = packet.l3();
    if l3.len() < 20 {
        return Err(DropReason::MalformedIpv4);
    }
    let version = l3[0] >> 4;
    let header_len = usize::from(l3[0] & 0x0F) * 4;
    let total_len = usize::from(u16::from_be_bytes([l3[2], l3[3]]));
    if version != 4 || header_len < 20 || total_len < header_len || total_len > l3.len() {
        return Err(DropReason::MalformedIpv4);
    }
    if !checksum::verify(&l3[..header_len]) {
        return Err(DropReason::BadChecksum);
    }
    packet.truncate_l3(total_len);
    let ip = Ipv4Packet::new_unchecked(packet.l3());
    let (src, dst) = (ip.src_addr(), ip.dst_addr());
    if is_martian_source(src, dst) {
        return Err(DropReason::MartianSource);
    }
    let protocol = ip.next_header();
    let first_fragment = ip.frag_offset() == 0;
    let l4_offset = packet.meta.l3_offset + header_len;
    packet.meta.l4_offset = first_fragment.then_some(l4_offset);
    let ports = if first_fragment && matches!(protocol, IpProtocol::Tcp | IpProtocol::Udp) {
        packet
            .data()
            .get(l4_offset..l4_offset + 4)
            .map(|p| u32::from_be_bytes([p[0], p[1], p[2], p[3]]))
    } else {
        None
    };
    packet.meta.flow_hash = flow_hash(src, dst, protocol, ports.unwrap_or(0));
    Ok(())
}

/// Whether the packet is a fragment (MF set or non-zero offset).
pub fn is_fragment(ip: &Ipv4Packet<&[u8]>) -> bool {
    ip.more_frags() || ip.frag_offset() != 0
}

fn is_martian_source(src: Ipv4Address, dst: Ipv4Address) -> bool {
    let [first, ..] = src.octets();
    if src.is_unspecified() {
        return !dst.is_broadcast();
    }
    first == 127 || src.is_multicast() || src.is_broadcast() || first >= 240
}

/// A cheap mix of the flow's identity (addresses, protocol, ports) used to keep a flow on one ECMP path:
/// two multiply-xorshift rounds over the fields packed into 64-bit words (the SplitMix64 finaliser).
pub fn flow_hash(src: Ipv4Address, dst: Ipv4Address, protocol: IpProtocol, ports: u32) -> u32 {
    let addresses = (u64::from(src.to_bits()) << 32) | u64::from(dst.to_bits());
    let rest = (u64::from(ports) << 8) | u64::from(u8::from(protocol));
    let mut h = addresses ^ rest.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (h ^ (h >> 31)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interface::InterfaceId;
    use alloc::vec::Vec;

    /// A 28-byte UDP packet 192.168.88.10:1234 -> 10.0.0.2:53, TTL 64, correct checksum.
    fn udp_packet() -> Vec<u8> {
        let mut p = alloc::vec![
            0x45, 0x00, 0x00, 0x1C, 0x12, 0x34, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 192, 168, 88,
            10, 10, 0, 0, 2, 0x04, 0xD2, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
        ];
        let sum = checksum::internet_checksum(&p[..20]);
        p[10..12].copy_from_slice(&sum.to_be_bytes());
        p
    }

    fn packet(ip: &[u8]) -> Packet {
        Packet::from_ip(Vec::new(), ip)
    }

    #[test]
    fn accepts_a_valid_header_and_trims_padding() {
        let mut bytes = udp_packet();
        bytes.extend_from_slice(&[0; 18]); // Ethernet padding to 60 bytes
        let mut p = packet(&bytes);
        assert_eq!(validate(&mut p), Ok(()));
        assert_eq!(p.l3().len(), 28);
        assert_eq!(p.meta.l4_offset, Some(p.meta.l3_offset + 20));
        assert_ne!(p.meta.flow_hash, 0);
    }

    #[test]
    fn rfc1812_checks() {
        let good = udp_packet();
        let mut short = packet(&good[..19]);
        assert_eq!(validate(&mut short), Err(DropReason::MalformedIpv4));
        let mut v6 = good.clone();
        v6[0] = 0x65;
        assert_eq!(validate(&mut packet(&v6)), Err(DropReason::MalformedIpv4));
        let mut ihl = good.clone();
        ihl[0] = 0x44;
        assert_eq!(validate(&mut packet(&ihl)), Err(DropReason::MalformedIpv4));
        let mut long = good.clone();
        long[3] = 0x40; // total length 64 > 28 received
        assert_eq!(validate(&mut packet(&long)), Err(DropReason::MalformedIpv4));
        let mut small_total = good.clone();
        small_total[3] = 0x10; // total length 16 < header length
        assert_eq!(
            validate(&mut packet(&small_total)),
            Err(DropReason::MalformedIpv4)
        );
        let mut bad_sum = good.clone();
        bad_sum[10] ^= 0xFF;
        assert_eq!(
            validate(&mut packet(&bad_sum)),
            Err(DropReason::BadChecksum)
        );
    }

    fn with_addresses(src: [u8; 4], dst: [u8; 4]) -> Packet {
        let mut bytes = udp_packet();
        bytes[12..16].copy_from_slice(&src);
        bytes[16..20].copy_from_slice(&dst);
        bytes[10..12].copy_from_slice(&[0, 0]);
        let sum = checksum::internet_checksum(&bytes[..20]);
        bytes[10..12].copy_from_slice(&sum.to_be_bytes());
        packet(&bytes)
    }

    #[test]
    fn martian_sources_are_refused() {
        for src in [
            [127, 0, 0, 1],
            [224, 0, 0, 5],
            [255, 255, 255, 255],
            [240, 1, 2, 3],
            [0, 0, 0, 0],
        ] {
            assert_eq!(
                validate(&mut with_addresses(src, [10, 0, 0, 2])),
                Err(DropReason::MartianSource),
                "{src:?}"
            );
        }
        // A DHCP client's DISCOVER comes from 0.0.0.0 to the limited broadcast.
        assert_eq!(
            validate(&mut with_addresses([0, 0, 0, 0], [255, 255, 255, 255])),
            Ok(())
        );
    }

    #[test]
    fn non_first_fragments_have_no_transport_header() {
        let mut bytes = udp_packet();
        bytes[6..8].copy_from_slice(&[0x00, 0x10]); // offset 16 * 8 bytes
        bytes[10..12].copy_from_slice(&[0, 0]);
        let sum = checksum::internet_checksum(&bytes[..20]);
        bytes[10..12].copy_from_slice(&sum.to_be_bytes());
        let mut p = packet(&bytes);
        assert_eq!(validate(&mut p), Ok(()));
        assert_eq!(p.meta.l4_offset, None);
        assert!(is_fragment(&Ipv4Packet::new_unchecked(p.l3())));
    }

    #[test]
    fn every_truncation_and_random_header_is_handled() {
        let good = udp_packet();
        for len in 0..good.len() {
            let _ = validate(&mut packet(&good[..len]));
        }
        let mut state: u32 = 7;
        for _ in 0..20_000 {
            let bytes: Vec<u8> = (0..40)
                .map(|_| {
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    (state >> 16) as u8
                })
                .collect();
            let _ = validate(&mut packet(&bytes));
        }
        let _ = InterfaceId(0);
    }
}
