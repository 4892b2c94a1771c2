//! TCP segments the router sends on behalf of the host a segment was for: the reset of
//! `reject-with=tcp-reset` and the zero-window answers of `action=tarpit`.
//!
//! Both impersonate the destination: addresses and ports swapped, IPv4 TTL 64 with DF.
//! - Reset (RFC 9293 §3.10.7.1, "reset generation" for a segment arriving at a closed connection; Linux
//!   `nf_send_reset`): if the offending segment carries ACK, the reset's sequence number is that
//!   acknowledgment number; otherwise the reset has sequence 0 and acknowledges the segment (its sequence
//!   number plus its length, SYN and FIN counting one each).
//! - Tarpit (the xtables-addons TARPIT target): a SYN is answered with SYN-ACK advertising a zero window,
//!   so the client holds the connection open but cannot send; later segments get a zero-window ACK; FIN
//!   and RST get nothing, so the client's resources stay tied up until it times out.
//!
//! Nothing is sent for a reset, for a non-first fragment, for broadcast/multicast addresses, or for
//! anything that is not a well-formed TCP segment.

use smoltcp::wire::{IpProtocol, Ipv4Address, Ipv4Packet, TcpPacket};

use crate::checksum::internet_checksum;

/// Length of an answer: a 20-byte IPv4 header and a 20-byte TCP header.
pub const ANSWER_LEN: usize = 40;

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;

/// The fields of an offending segment that answers depend on.
struct Offending {
    src: Ipv4Address,
    dst: Ipv4Address,
    src_port: u16,
    dst_port: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    /// Sequence space the segment occupies (data, plus one each for SYN and FIN).
    len: u32,
}

fn offending(packet: &[u8]) -> Option<Offending> {
    let ip = Ipv4Packet::new_checked(packet).ok()?;
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
    let data_len = ip
        .payload()
        .len()
        .checked_sub(usize::from(tcp.header_len()))?;
    let len =
        u32::try_from(data_len).ok()? + u32::from(flags & SYN != 0) + u32::from(flags & FIN != 0);
    Some(Offending {
        src,
        dst,
        src_port: tcp.src_port(),
        dst_port: tcp.dst_port(),
        seq: tcp.seq_number().0 as u32,
        ack: tcp.ack_number().0 as u32,
        flags,
        len,
    })
}

/// Writes the answer to `o` with the given sequence/acknowledgment numbers, flags and window.
fn answer(
    o: &Offending,
    seq: u32,
    ack: u32,
    flags: u8,
    window: u16,
    out: &mut [u8],
) -> Option<usize> {
    let out = out.get_mut(..ANSWER_LEN)?;
    out.fill(0);
    // IPv4 header (RFC 791): version 4, IHL 5, total length 40, DF, TTL 64, TCP.
    out[0] = 0x45;
    out[2..4].copy_from_slice(&(ANSWER_LEN as u16).to_be_bytes());
    out[6] = 0x40;
    out[8] = 64;
    out[9] = 6;
    out[12..16].copy_from_slice(&o.dst.octets());
    out[16..20].copy_from_slice(&o.src.octets());
    let header_sum = internet_checksum(&out[..20]);
    out[10..12].copy_from_slice(&header_sum.to_be_bytes());
    let tcp_out = &mut out[20..];
    tcp_out[0..2].copy_from_slice(&o.dst_port.to_be_bytes());
    tcp_out[2..4].copy_from_slice(&o.src_port.to_be_bytes());
    tcp_out[4..8].copy_from_slice(&seq.to_be_bytes());
    tcp_out[8..12].copy_from_slice(&ack.to_be_bytes());
    tcp_out[12] = 5 << 4;
    tcp_out[13] = flags;
    tcp_out[14..16].copy_from_slice(&window.to_be_bytes());
    TcpPacket::new_unchecked(tcp_out).fill_checksum(&o.dst.into(), &o.src.into());
    Some(ANSWER_LEN)
}

/// Writes the reset answering `offending` (an IPv4 packet) into `out`; returns its length, or None when no
/// reset is due (see the module docs) or `out` is shorter than [`ANSWER_LEN`].
pub fn build_tcp_reset(offending_packet: &[u8], out: &mut [u8]) -> Option<usize> {
    let o = offending(offending_packet)?;
    if o.flags & RST != 0 {
        return None;
    }
    if o.flags & ACK != 0 {
        answer(&o, o.ack, 0, RST, 0, out)
    } else {
        answer(&o, 0, o.seq.wrapping_add(o.len), RST | ACK, 0, out)
    }
}

/// Writes the tarpit's zero-window answer to `offending` into `out`; None when the segment gets no
/// answer (FIN, RST, not TCP; see the module docs). The SYN-ACK's sequence number is derived from the
/// segment, so repeated SYNs get the same answer without the router keeping state.
pub fn build_tarpit(offending_packet: &[u8], out: &mut [u8]) -> Option<usize> {
    let o = offending(offending_packet)?;
    if o.flags & (RST | FIN) != 0 {
        return None;
    }
    if o.flags & SYN != 0 {
        let cookie = o.seq.rotate_left(13) ^ u32::from(o.src_port) ^ (u32::from(o.dst_port) << 16);
        answer(&o, cookie, o.seq.wrapping_add(1), SYN | ACK, 0, out)
    } else {
        answer(&o, o.ack, o.seq.wrapping_add(o.len), ACK, 0, out)
    }
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
    fn tarpit_holds_connections_with_a_zero_window() {
        let mut out = [0u8; 64];
        let len = build_tarpit(&segment(SYN, 1000, 0, b""), &mut out).unwrap();
        let (src, _, sport, dport, _, ack, flags) = parse(&out[..len]);
        assert_eq!(
            (src, sport, dport, ack, flags),
            (Ipv4Address::new(1, 1, 1, 1), 443, 40000, 1001, SYN | ACK)
        );
        assert_eq!(u16::from_be_bytes([out[34], out[35]]), 0, "zero window");
        let again = build_tarpit(&segment(SYN, 1000, 0, b""), &mut [0u8; 64]).map(|_| ());
        assert_eq!(again, Some(()));
        let len = build_tarpit(&segment(ACK, 1001, 4242, b"data"), &mut out).unwrap();
        let (.., seq, ack, flags) = parse(&out[..len]);
        assert_eq!((seq, ack, flags), (4242, 1005, ACK));
        assert_eq!(build_tarpit(&segment(FIN | ACK, 1, 1, b""), &mut out), None);
        assert_eq!(build_tarpit(&segment(RST, 1, 1, b""), &mut out), None);
    }

    #[test]
    fn no_reset_for_resets_udp_fragments_or_garbage() {
        let mut out = [0u8; 64];
        assert_eq!(build_tcp_reset(&segment(RST, 1, 0, b""), &mut out), None);
        let mut udp = segment(SYN, 1, 0, b"");
        udp[9] = 17;
        assert_eq!(build_tcp_reset(&udp, &mut out), None);
        assert_eq!(
            build_tcp_reset(&segment(SYN, 1, 0, b""), &mut [0u8; ANSWER_LEN - 1]),
            None
        );
        let good = segment(SYN, 1, 0, b"xyz");
        for len in 0..good.len() {
            let _ = build_tcp_reset(&good[..len], &mut out);
            let _ = build_tarpit(&good[..len], &mut out);
        }
    }
}
