//! Building the TCP reset a router sends for `reject-with=tcp-reset` (RFC 9293 §3.10.7.1, "reset
//! generation" for a segment arriving at a closed connection; Linux `nf_send_reset`).
//!
//! The reset impersonates the host the offending segment was for: source and destination addresses and
//! ports swapped. If the offending segment carries ACK, the reset's sequence number is that
//! acknowledgment number; otherwise the reset has sequence 0 and acknowledges the segment (its sequence
//! number plus its length, SYN and FIN counting one each). No reset is sent for a reset, for a non-first
//! fragment, or for anything that is not a well-formed TCP segment.

use smoltcp::wire::{IpProtocol, Ipv4Address, Ipv4Packet, TcpPacket};

use crate::checksum::internet_checksum;

/// Length of the reset packet: a 20-byte IPv4 header and a 20-byte TCP header.
pub const RESET_LEN: usize = 40;

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;

/// Writes the reset answering `offending` (an IPv4 packet) into `out`; returns its length, or None when no
/// reset is due (see the module docs) or `out` is shorter than [`RESET_LEN`].
pub fn build_tcp_reset(offending: &[u8], out: &mut [u8]) -> Option<usize> {
    let ip = Ipv4Packet::new_checked(offending).ok()?;
    if ip.next_header() != IpProtocol::Tcp || ip.frag_offset() != 0 {
        return None;
    }
    let (src, dst): (Ipv4Address, Ipv4Address) = (ip.src_addr(), ip.dst_addr());
    if src.is_broadcast()
        || src.is_multicast()
        || src.is_unspecified()
        || dst.is_multicast()
        || dst.is_broadcast()
    {
        return None;
    }
    let tcp = TcpPacket::new_checked(ip.payload()).ok()?;
    let flags = ip.payload().get(13).copied()?;
    if flags & RST != 0 {
        return None;
    }
    let header_len = usize::from(tcp.header_len());
    let data_len = ip.payload().len().checked_sub(header_len)?;
    let segment_len =
        u32::try_from(data_len).ok()? + u32::from(flags & SYN != 0) + u32::from(flags & FIN != 0);
    let (seq, ack, reset_flags) = if flags & ACK != 0 {
        (tcp.ack_number().0 as u32, 0, RST)
    } else {
        (
            0,
            (tcp.seq_number().0 as u32).wrapping_add(segment_len),
            RST | ACK,
        )
    };
    let out = out.get_mut(..RESET_LEN)?;
    out.fill(0);
    // IPv4 header (RFC 791): version 4, IHL 5, total length 40, DF, TTL 64, TCP.
    out[0] = 0x45;
    out[2..4].copy_from_slice(&(RESET_LEN as u16).to_be_bytes());
    out[6] = 0x40;
    out[8] = 64;
    out[9] = 6;
    out[12..16].copy_from_slice(&dst.octets());
    out[16..20].copy_from_slice(&src.octets());
    let header_sum = internet_checksum(&out[..20]);
    out[10..12].copy_from_slice(&header_sum.to_be_bytes());
    // TCP header.
    let tcp_out = &mut out[20..];
    tcp_out[0..2].copy_from_slice(&tcp.dst_port().to_be_bytes());
    tcp_out[2..4].copy_from_slice(&tcp.src_port().to_be_bytes());
    tcp_out[4..8].copy_from_slice(&seq.to_be_bytes());
    tcp_out[8..12].copy_from_slice(&ack.to_be_bytes());
    tcp_out[12] = 5 << 4;
    tcp_out[13] = reset_flags;
    TcpPacket::new_unchecked(tcp_out).fill_checksum(&dst.into(), &src.into());
    Some(RESET_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn segment(flags: u8, seq: u32, ack: u32, data: &[u8]) -> Vec<u8> {
        let (src, dst) = (
            Ipv4Address::new(192, 168, 88, 10),
            Ipv4Address::new(1, 1, 1, 1),
        );
        let mut tcp = alloc::vec![0u8; 20 + data.len()];
        tcp[0..2].copy_from_slice(&40000u16.to_be_bytes());
        tcp[2..4].copy_from_slice(&443u16.to_be_bytes());
        tcp[4..8].copy_from_slice(&seq.to_be_bytes());
        tcp[8..12].copy_from_slice(&ack.to_be_bytes());
        tcp[12] = 5 << 4;
        tcp[13] = flags;
        tcp[20..].copy_from_slice(data);
        TcpPacket::new_unchecked(&mut tcp).fill_checksum(&src.into(), &dst.into());
        let mut ip = alloc::vec![
            0x45, 0, 0, 0, 0, 0, 0, 0, 64, 6, 0, 0, 192, 168, 88, 10, 1, 1, 1, 1
        ];
        ip[2..4].copy_from_slice(&((20 + tcp.len()) as u16).to_be_bytes());
        let sum = internet_checksum(&ip);
        ip[10..12].copy_from_slice(&sum.to_be_bytes());
        ip.extend_from_slice(&tcp);
        ip
    }

    fn parse(reset: &[u8]) -> (Ipv4Address, Ipv4Address, u16, u16, u32, u32, u8) {
        let ip = Ipv4Packet::new_checked(reset).unwrap();
        assert!(ip.verify_checksum());
        let tcp = TcpPacket::new_checked(ip.payload()).unwrap();
        assert!(tcp.verify_checksum(&ip.src_addr().into(), &ip.dst_addr().into()));
        let flags = ip.payload()[13];
        (
            ip.src_addr(),
            ip.dst_addr(),
            tcp.src_port(),
            tcp.dst_port(),
            tcp.seq_number().0 as u32,
            tcp.ack_number().0 as u32,
            flags,
        )
    }

    #[test]
    fn syn_gets_rst_ack_acknowledging_it() {
        let mut out = [0u8; 64];
        let len = build_tcp_reset(&segment(SYN, 1000, 0, b""), &mut out).unwrap();
        let (src, dst, sport, dport, seq, ack, flags) = parse(&out[..len]);
        assert_eq!(
            (src, dst),
            (
                Ipv4Address::new(1, 1, 1, 1),
                Ipv4Address::new(192, 168, 88, 10)
            )
        );
        assert_eq!((sport, dport), (443, 40000));
        assert_eq!((seq, ack, flags), (0, 1001, RST | ACK));
    }

    #[test]
    fn segment_with_ack_gets_rst_at_its_ack_number() {
        let mut out = [0u8; 64];
        let len = build_tcp_reset(&segment(ACK | 0x08, 5000, 7777, b"hello"), &mut out).unwrap();
        let (.., seq, _, flags) = parse(&out[..len]);
        assert_eq!((seq, flags), (7777, RST));
        let len = build_tcp_reset(&segment(FIN, u32::MAX, 0, b"ab"), &mut out).unwrap();
        let (.., ack, _) = parse(&out[..len]);
        assert_eq!(ack, 2, "sequence space wraps");
    }

    #[test]
    fn no_reset_for_resets_udp_fragments_or_garbage() {
        let mut out = [0u8; 64];
        assert_eq!(build_tcp_reset(&segment(RST, 1, 0, b""), &mut out), None);
        let mut udp = segment(SYN, 1, 0, b"");
        udp[9] = 17;
        assert_eq!(build_tcp_reset(&udp, &mut out), None);
        assert_eq!(
            build_tcp_reset(&segment(SYN, 1, 0, b""), &mut [0u8; 39]),
            None
        );
        let good = segment(SYN, 1, 0, b"xyz");
        for len in 0..good.len() {
            let _ = build_tcp_reset(&good[..len], &mut out);
        }
    }
}
