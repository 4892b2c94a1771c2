//! Parsing an IPv4 packet into its conntrack [`Tuple`] and the per-protocol facts tracking needs
//! (netfilter `nf_ct_get_tuple` plus the protocols' `error` callbacks).
//!
//! Total over any input: every read is checked, lengths come from the IPv4 Total Length (link padding
//! ignored), nothing panics. Refusals are [`ParseError`]s, which conntrack reports as `invalid`.

use smoltcp::wire::Ipv4Address;

use crate::checksum::{ones_complement_add, ones_complement_sum};
use crate::flow::Tuple;

pub(crate) const PROTO_ICMP: u8 = 1;
pub(crate) const PROTO_TCP: u8 = 6;
pub(crate) const PROTO_UDP: u8 = 17;

/// TCP flag bits (RFC 9293 §3.1; ECE/CWR from RFC 3168).
pub mod tcp_flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;
}

/// Why a packet cannot be tracked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Not IPv4, bad IHL/Total Length, or a transport header cut short.
    Malformed,
    /// A non-first fragment: no transport header. Linux reassembles before conntrack; the engine must
    /// do the same for fragments to be tracked.
    Fragment,
    /// TCP/UDP/ICMP checksum wrong (only when `verify_checksums`).
    BadChecksum,
    /// TCP flag combination Linux's `tcp_valid_flags` rejects.
    BadTcpFlags,
    /// ICMP type that is neither a query/reply nor an error we relate (or an error quoting an error).
    BadIcmp,
}

/// The TCP header fields tracking uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TcpSeg {
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
    /// Payload bytes (IP total length - IP header - TCP header).
    pub payload_len: u32,
    /// Window scale option (RFC 7323 §2), clamped to 14.
    pub wscale: Option<u8>,
    pub sack_perm: bool,
}

impl TcpSeg {
    /// Sequence number just past this segment (Linux `segment_seq_plus_len`: SYN and FIN count).
    pub fn end(&self) -> u32 {
        let mut end = self.seq.wrapping_add(self.payload_len);
        if self.flags & tcp_flags::SYN != 0 {
            end = end.wrapping_add(1);
        }
        if self.flags & tcp_flags::FIN != 0 {
            end = end.wrapping_add(1);
        }
        end
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum L4 {
    Tcp(TcpSeg),
    Udp,
    /// ICMP query (echo, timestamp, information, address mask); `request` for the types that may
    /// start a connection (Linux `icmp_new` `valid_new[]`).
    IcmpQuery {
        request: bool,
    },
    /// ICMP error (types 3, 4, 5, 11, 12) quoting a packet whose tuple is `inner`.
    IcmpError {
        inner: Tuple,
    },
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub tuple: Tuple,
    pub l4: L4,
    /// IPv4 Total Length (what the byte counters add).
    pub ip_len: u16,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([
        *b.get(at)?,
        *b.get(at.checked_add(1)?)?,
    ]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *b.get(at)?,
        *b.get(at.checked_add(1)?)?,
        *b.get(at.checked_add(2)?)?,
        *b.get(at.checked_add(3)?)?,
    ]))
}

pub(crate) fn addr(b: &[u8], at: usize) -> Option<Ipv4Address> {
    be32(b, at).map(Ipv4Address::from_bits)
}

/// IPv4 header facts: header length, the datagram (bounded by Total Length), fragment offset, MF.
pub(crate) struct Ipv4Hdr<'a> {
    pub ihl: usize,
    pub datagram: &'a [u8],
    pub frag_offset: u16,
    pub more_fragments: bool,
    pub protocol: u8,
    pub src: Ipv4Address,
    pub dst: Ipv4Address,
}

/// Checks version, IHL and Total Length against the buffer.
pub(crate) fn ipv4(l3: &[u8]) -> Option<Ipv4Hdr<'_>> {
    let ver_ihl = *l3.first()?;
    let ihl = usize::from(ver_ihl & 0x0F) * 4;
    if ver_ihl >> 4 != 4 || ihl < 20 {
        return None;
    }
    let total = usize::from(be16(l3, 2)?);
    if total < ihl || total > l3.len() {
        return None;
    }
    let frag = be16(l3, 6)?;
    Some(Ipv4Hdr {
        ihl,
        datagram: l3.get(..total)?,
        frag_offset: frag & 0x1FFF,
        more_fragments: frag & 0x2000 != 0,
        protocol: *l3.get(9)?,
        src: addr(l3, 12)?,
        dst: addr(l3, 16)?,
    })
}

/// Ones' complement sum of the TCP/UDP pseudo-header (RFC 9293 §3.1, RFC 768).
pub(crate) fn pseudo_header_sum(src: Ipv4Address, dst: Ipv4Address, protocol: u8, len: u16) -> u16 {
    let s = src.to_bits();
    let d = dst.to_bits();
    let mut sum = ones_complement_add((s >> 16) as u16, s as u16);
    sum = ones_complement_add(sum, (d >> 16) as u16);
    sum = ones_complement_add(sum, d as u16);
    sum = ones_complement_add(sum, u16::from(protocol));
    ones_complement_add(sum, len)
}

/// ICMP query types: (request, reply) pairs (RFC 792, RFC 950).
const ICMP_QUERY_PAIRS: [(u8, u8); 4] = [(8, 0), (13, 14), (15, 16), (17, 18)];

pub(crate) fn icmp_is_error(ty: u8) -> bool {
    matches!(ty, 3 | 4 | 5 | 11 | 12)
}

fn icmp_query(ty: u8) -> Option<bool> {
    ICMP_QUERY_PAIRS.iter().find_map(|&(req, rep)| {
        if ty == req {
            Some(true)
        } else if ty == rep {
            Some(false)
        } else {
            None
        }
    })
}

/// Linux `tcp_valid_flags`: the combinations allowed after masking PSH, ECE and CWR.
pub(crate) fn tcp_flags_valid(flags: u8) -> bool {
    use tcp_flags::*;
    let f = flags & !(PSH | ECE | CWR);
    matches!(f, x if x == SYN
        || x == SYN | URG
        || x == SYN | ACK
        || x == RST
        || x == RST | ACK
        || x == FIN | ACK
        || x == FIN | ACK | URG
        || x == ACK
        || x == ACK | URG)
}

fn tcp_options(opts: &[u8]) -> (Option<u8>, bool) {
    let (mut wscale, mut sack) = (None, false);
    let mut i = 0usize;
    while let Some(&kind) = opts.get(i) {
        match kind {
            0 => break,
            1 => i += 1,
            _ => {
                let Some(&len) = opts.get(i + 1) else { break };
                let len = usize::from(len);
                if len < 2 || i + len > opts.len() {
                    break;
                }
                if kind == 3 && len == 3 {
                    // RFC 7323 §2.3: shift counts above 14 are treated as 14.
                    wscale = opts.get(i + 2).map(|&s| s.min(14));
                } else if kind == 4 && len == 2 {
                    sack = true;
                }
                i += len;
            }
        }
    }
    (wscale, sack)
}

/// The tuple of a quoted (inner) packet of an ICMP error: needs the inner IP header and the first
/// 8 transport bytes (RFC 792). The inner Total Length is not checked (the quote is truncated).
fn inner_tuple(quote: &[u8]) -> Result<Tuple, ParseError> {
    let ver_ihl = *quote.first().ok_or(ParseError::Malformed)?;
    let ihl = usize::from(ver_ihl & 0x0F) * 4;
    if ver_ihl >> 4 != 4 || ihl < 20 {
        return Err(ParseError::Malformed);
    }
    let protocol = *quote.get(9).ok_or(ParseError::Malformed)?;
    let src = addr(quote, 12).ok_or(ParseError::Malformed)?;
    let dst = addr(quote, 16).ok_or(ParseError::Malformed)?;
    let frag = be16(quote, 6).ok_or(ParseError::Malformed)?;
    let (src_port, dst_port) = if frag & 0x1FFF != 0 {
        return Err(ParseError::Malformed);
    } else {
        match protocol {
            PROTO_TCP | PROTO_UDP => (
                be16(quote, ihl).ok_or(ParseError::Malformed)?,
                be16(quote, ihl + 2).ok_or(ParseError::Malformed)?,
            ),
            PROTO_ICMP => {
                let ty = *quote.get(ihl).ok_or(ParseError::Malformed)?;
                if icmp_query(ty).is_none() {
                    // Linux: an error about an error (or an unknown type) is not related.
                    return Err(ParseError::BadIcmp);
                }
                let id = be16(quote, ihl + 4).ok_or(ParseError::Malformed)?;
                (id, id)
            }
            _ => (0, 0),
        }
    };
    Ok(Tuple {
        src,
        dst,
        src_port,
        dst_port,
        protocol,
    })
}

/// Verifies the transport checksum of `l3` (TCP, UDP unless it carries none, ICMP) as `parse` does with
/// `verify_checksums`; fragments are not checked. Split out so that FastTracked packets can skip it.
pub(crate) fn verify_checksum(l3: &[u8]) -> Result<(), ParseError> {
    let ip = ipv4(l3).ok_or(ParseError::Malformed)?;
    if ip.frag_offset != 0 || ip.more_fragments {
        return Ok(());
    }
    let l4 = ip.datagram.get(ip.ihl..).ok_or(ParseError::Malformed)?;
    let l4_len = u16::try_from(l4.len()).map_err(|_| ParseError::Malformed)?;
    let valid = match ip.protocol {
        PROTO_TCP => {
            ones_complement_add(
                pseudo_header_sum(ip.src, ip.dst, PROTO_TCP, l4_len),
                ones_complement_sum(l4),
            ) == 0xFFFF
        }
        PROTO_UDP => {
            be16(l4, 6).ok_or(ParseError::Malformed)? == 0
                || ones_complement_add(
                    pseudo_header_sum(ip.src, ip.dst, PROTO_UDP, l4_len),
                    ones_complement_sum(l4),
                ) == 0xFFFF
        }
        PROTO_ICMP => ones_complement_sum(l4) == 0xFFFF,
        _ => true,
    };
    if valid {
        Ok(())
    } else {
        Err(ParseError::BadChecksum)
    }
}

/// Transport of a packet [`plain`] accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PlainL4 {
    Tcp,
    Udp,
}

/// A packet [`plain`] accepted: its tuple and transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Plain {
    pub tuple: Tuple,
    pub l4: PlainL4,
}

/// The tuple of an unfragmented TCP segment without SYN, FIN or RST, or of a UDP datagram, when `parse`
/// would accept the packet too (same header checks, same TCP flag rule; checksums not verified).
/// `None` for anything else. What the FastTrack fast path recognises its packets by.
pub(crate) fn plain(l3: &[u8]) -> Option<Plain> {
    let ip = ipv4(l3)?;
    if ip.frag_offset != 0 || ip.more_fragments {
        return None;
    }
    let l4 = ip.datagram.get(ip.ihl..)?;
    let kind = match ip.protocol {
        PROTO_TCP => {
            let doff = usize::from(*l4.get(12)? >> 4) * 4;
            let flags = *l4.get(13)?;
            if doff < 20 || doff > l4.len() || !tcp_flags_valid(flags) {
                return None;
            }
            if flags & (tcp_flags::SYN | tcp_flags::FIN | tcp_flags::RST) != 0 {
                return None;
            }
            PlainL4::Tcp
        }
        PROTO_UDP if l4.len() >= 8 => PlainL4::Udp,
        _ => return None,
    };
    Some(Plain {
        tuple: Tuple {
            src: ip.src,
            dst: ip.dst,
            src_port: be16(l4, 0)?,
            dst_port: be16(l4, 2)?,
            protocol: ip.protocol,
        },
        l4: kind,
    })
}

/// Parses `l3` (an IPv4 packet) for tracking.
pub(crate) fn parse(l3: &[u8], verify_checksums: bool) -> Result<Parsed, ParseError> {
    let ip = ipv4(l3).ok_or(ParseError::Malformed)?;
    if ip.frag_offset != 0 {
        return Err(ParseError::Fragment);
    }
    let l4 = ip.datagram.get(ip.ihl..).ok_or(ParseError::Malformed)?;
    let l4_len = u16::try_from(l4.len()).map_err(|_| ParseError::Malformed)?;
    // A first fragment carries only part of the transport data: its checksum cannot be verified here.
    let check = verify_checksums && !ip.more_fragments;
    let ip_len = u16::try_from(ip.datagram.len()).map_err(|_| ParseError::Malformed)?;
    let mut tuple = Tuple {
        src: ip.src,
        dst: ip.dst,
        src_port: 0,
        dst_port: 0,
        protocol: ip.protocol,
    };
    let l4info = match ip.protocol {
        PROTO_TCP => {
            let doff = usize::from(*l4.get(12).ok_or(ParseError::Malformed)? >> 4) * 4;
            if doff < 20 || doff > l4.len() {
                return Err(ParseError::Malformed);
            }
            let flags = *l4.get(13).ok_or(ParseError::Malformed)?;
            if !tcp_flags_valid(flags) {
                return Err(ParseError::BadTcpFlags);
            }
            if check {
                let sum = ones_complement_add(
                    pseudo_header_sum(ip.src, ip.dst, PROTO_TCP, l4_len),
                    ones_complement_sum(l4),
                );
                if sum != 0xFFFF {
                    return Err(ParseError::BadChecksum);
                }
            }
            tuple.src_port = be16(l4, 0).ok_or(ParseError::Malformed)?;
            tuple.dst_port = be16(l4, 2).ok_or(ParseError::Malformed)?;
            let (wscale, sack_perm) = tcp_options(l4.get(20..doff).unwrap_or(&[]));
            L4::Tcp(TcpSeg {
                seq: be32(l4, 4).ok_or(ParseError::Malformed)?,
                ack: be32(l4, 8).ok_or(ParseError::Malformed)?,
                flags,
                window: be16(l4, 14).ok_or(ParseError::Malformed)?,
                payload_len: u32::from(l4_len) - doff as u32,
                wscale,
                sack_perm,
            })
        }
        PROTO_UDP => {
            if l4.len() < 8 {
                return Err(ParseError::Malformed);
            }
            let csum = be16(l4, 6).ok_or(ParseError::Malformed)?;
            // RFC 768: checksum 0 = none transmitted.
            if check && csum != 0 {
                let sum = ones_complement_add(
                    pseudo_header_sum(ip.src, ip.dst, PROTO_UDP, l4_len),
                    ones_complement_sum(l4),
                );
                if sum != 0xFFFF {
                    return Err(ParseError::BadChecksum);
                }
            }
            tuple.src_port = be16(l4, 0).ok_or(ParseError::Malformed)?;
            tuple.dst_port = be16(l4, 2).ok_or(ParseError::Malformed)?;
            L4::Udp
        }
        PROTO_ICMP => {
            if l4.len() < 8 {
                return Err(ParseError::Malformed);
            }
            if check && ones_complement_sum(l4) != 0xFFFF {
                return Err(ParseError::BadChecksum);
            }
            let ty = *l4.first().ok_or(ParseError::Malformed)?;
            if let Some(request) = icmp_query(ty) {
                let id = be16(l4, 4).ok_or(ParseError::Malformed)?;
                tuple.src_port = id;
                tuple.dst_port = id;
                L4::IcmpQuery { request }
            } else if icmp_is_error(ty) {
                L4::IcmpError {
                    inner: inner_tuple(l4.get(8..).unwrap_or(&[]))?,
                }
            } else {
                return Err(ParseError::BadIcmp);
            }
        }
        _ => L4::Other,
    };
    Ok(Parsed {
        tuple,
        l4: l4info,
        ip_len,
    })
}
