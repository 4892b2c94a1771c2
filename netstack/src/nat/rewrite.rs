//! Rewriting packets of a NATed connection (Linux `nf_nat_ipv4_manip_pkt`, `nf_nat_icmp_reply_translation`).
//!
//! A packet travelling in direction `d` of a connection with tuples `[original, reply]` is rewritten
//! towards `target = tuples[!d].inverted()`: [`Manip::Src`] sets its source address/port (or ICMP
//! identifier) from the target, [`Manip::Dst`] its destination. The dst-nat hook (prerouting) applies
//! `Dst`, the src-nat hook (postrouting) `Src`, as netfilter does; [`Manip::Both`] does both at once.
//!
//! ICMP errors relating to a connection (RFC 792 / RFC 5508 §4): the outer header is rewritten as a
//! packet of direction `d` would be (the outer source only when the error came from the endpoint the
//! connection knows, not from a router on the path), and the quoted packet — which travelled in the
//! opposite direction — gets the opposite manipulation: `Dst` rewrites the quoted *source*, `Src` the
//! quoted *destination*. The quoted IP header checksum, the quoted transport checksum when it is
//! inside the quote, and the ICMP checksum are all updated.
//!
//! Checksums: IPv4 header (RFC 791) and TCP/UDP (pseudo-header included) are updated incrementally with
//! RFC 1624 eqn. 3 ([`crate::checksum`]); a partial TCP/UDP checksum left to a NIC ([`rewrite_partial`])
//! is updated as the pseudo-header sum it is. A UDP checksum of 0 (none, RFC 768) stays 0; an updated UDP
//! checksum that comes out as 0 is sent as 0xFFFF. A wrong checksum stays wrong by the same amount.
//!
//! Total: lengths are checked before anything is written; a packet too short for the fields that must
//! change is refused unmodified.

use smoltcp::wire::Ipv4Address;

use crate::checksum::{ones_complement_add, ones_complement_sum, update_u16, update_u32};
use crate::conntrack::entry::other;
use crate::conntrack::parse::{icmp_is_error, ipv4};
use crate::conntrack::proto;
use crate::flow::{Direction, Tuple};

/// Which half of the packet to translate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Manip {
    /// Source address/port (src-nat hook, postrouting).
    Src,
    /// Destination address/port (dst-nat hook, prerouting).
    Dst,
    Both,
}

impl Manip {
    fn src(self) -> bool {
        matches!(self, Manip::Src | Manip::Both)
    }
    fn dst(self) -> bool {
        matches!(self, Manip::Dst | Manip::Both)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RewriteError {
    /// Not a well-formed IPv4 packet, or too short for the fields to rewrite. Nothing was changed.
    Malformed,
}

fn get16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([
        *b.get(at)?,
        *b.get(at.checked_add(1)?)?,
    ]))
}

fn put16(b: &mut [u8], at: usize, v: u16) {
    if let Some(s) = b.get_mut(at..at.saturating_add(2)) {
        s.copy_from_slice(&v.to_be_bytes());
    }
}

fn get32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    if let Some(s) = b.get_mut(at..at.saturating_add(4)) {
        s.copy_from_slice(&v.to_be_bytes());
    }
}

/// Where the transport checksum of a packet/quote sits, and whether it covers a pseudo-header.
#[derive(Clone, Copy)]
struct L4Sum {
    at: usize,
    pseudo: bool,
    udp: bool,
    /// The field holds a partial checksum: the pseudo-header sum, uncomplemented ([`crate::offload`]).
    partial: bool,
}

/// Replace the address at `addr_at` (IP header at `ip`), fixing the IP header checksum and, if
/// present, the transport checksum (pseudo-header).
fn set_addr(b: &mut [u8], ip: usize, addr_at: usize, new: Ipv4Address, l4: Option<L4Sum>) {
    let Some(old) = get32(b, addr_at) else { return };
    let new = new.to_bits();
    if old == new {
        return;
    }
    put32(b, addr_at, new);
    if let Some(c) = get16(b, ip + 10) {
        put16(b, ip + 10, update_u32(c, old, new));
    }
    match l4 {
        // A sum moves with the data, S' = S + ~m + m'; that is RFC 1624 eqn. 3 applied to ~S.
        Some(l4) if l4.pseudo && l4.partial => {
            if let Some(c) = get16(b, l4.at) {
                put16(b, l4.at, !update_u32(!c, old, new));
            }
        }
        Some(l4) if l4.pseudo => fix_l4(b, l4, |c| update_u32(c, old, new)),
        _ => {}
    }
}

fn fix_l4(b: &mut [u8], l4: L4Sum, f: impl Fn(u16) -> u16) {
    let Some(c) = get16(b, l4.at) else { return };
    if l4.udp && c == 0 {
        return; // RFC 768: no checksum.
    }
    let mut n = f(c);
    if l4.udp && n == 0 {
        n = 0xFFFF;
    }
    put16(b, l4.at, n);
}

/// Replace the 16-bit port/identifier at `at`, fixing the transport checksum.
fn set_port(b: &mut [u8], at: usize, new: u16, l4: Option<L4Sum>) {
    let Some(old) = get16(b, at) else { return };
    if old == new {
        return;
    }
    put16(b, at, new);
    // A partial checksum is finished over the transport header later, ports included: nothing to fix.
    if let Some(l4) = l4.filter(|l4| !l4.partial) {
        fix_l4(b, l4, |c| update_u16(c, old, new));
    }
}

/// Transport layout of a packet (or quote) at `l4` with `avail` bytes: (src port, dst port / id
/// offsets, checksum), or None when the needed bytes are not there.
fn layout(
    protocol: u8,
    l4: usize,
    avail: usize,
    quoted: bool,
) -> Option<(usize, usize, Option<L4Sum>)> {
    match protocol {
        proto::TCP => {
            // A full header holds the checksum at +16; a quote may stop after the ports (RFC 792: 8 bytes).
            let need = if quoted { 4 } else { 18 };
            (avail >= need).then_some((
                l4,
                l4 + 2,
                (avail >= 18).then_some(L4Sum {
                    at: l4 + 16,
                    pseudo: true,
                    udp: false,
                    partial: false,
                }),
            ))
        }
        proto::UDP => (avail >= 8).then_some((
            l4,
            l4 + 2,
            Some(L4Sum {
                at: l4 + 6,
                pseudo: true,
                udp: true,
                partial: false,
            }),
        )),
        proto::ICMP => (avail >= 8).then_some((
            l4 + 4,
            l4 + 4,
            Some(L4Sum {
                at: l4 + 2,
                pseudo: false,
                udp: false,
                partial: false,
            }),
        )),
        _ => None,
    }
}

/// Rewrites `l3` (an IPv4 packet of the connection with `tuples`, travelling in `dir`). Returns whether
/// anything changed.
pub fn rewrite(
    l3: &mut [u8],
    tuples: &[Tuple; 2],
    dir: Direction,
    manip: Manip,
) -> Result<bool, RewriteError> {
    rewrite_with(l3, tuples, dir, manip, false)
}

/// [`rewrite`] for a TCP/UDP packet whose transport checksum field holds a partial checksum (the
/// pseudo-header sum a NIC will complete, [`crate::offload`]): an address change moves that sum the
/// way the pseudo-header moved; a port change needs nothing, as the NIC sums the header it finds.
pub fn rewrite_partial(
    l3: &mut [u8],
    tuples: &[Tuple; 2],
    dir: Direction,
    manip: Manip,
) -> Result<bool, RewriteError> {
    rewrite_with(l3, tuples, dir, manip, true)
}

fn rewrite_with(
    l3: &mut [u8],
    tuples: &[Tuple; 2],
    dir: Direction,
    manip: Manip,
    partial: bool,
) -> Result<bool, RewriteError> {
    let (ihl, total, first_frag, protocol) = {
        let ip = ipv4(l3).ok_or(RewriteError::Malformed)?;
        (ip.ihl, ip.datagram.len(), ip.frag_offset == 0, ip.protocol)
    };
    let target = tuples[match other(dir) {
        Direction::Original => 0,
        Direction::Reply => 1,
    }]
    .inverted();
    let current = match dir {
        Direction::Original => tuples[0],
        Direction::Reply => tuples[1],
    };
    let buf = l3.get_mut(..total).ok_or(RewriteError::Malformed)?;
    let avail = total - ihl;
    if protocol == proto::ICMP && first_frag {
        let ty = *buf.get(ihl).ok_or(RewriteError::Malformed)?;
        if icmp_is_error(ty) {
            // Only this path reports a change by comparing sums; plain packets compare fields below.
            let before_sum = ones_complement_sum(buf.get(..ihl).unwrap_or(&[]));
            rewrite_icmp_error(buf, ihl, &current, &target, manip)?;
            return Ok(changed(buf, ihl, before_sum));
        }
    }
    let lay = if first_frag && has_l4(protocol) {
        Some(layout(protocol, ihl, avail, false).ok_or(RewriteError::Malformed)?)
    } else {
        None
    };
    let sum = lay.and_then(|(_, _, s)| s).map(|s| L4Sum {
        partial: partial && s.pseudo,
        ..s
    });
    let mut any = false;
    if manip.src() {
        any |= get32(buf, 12) != Some(target.src.to_bits());
        set_addr(buf, 0, 12, target.src, sum);
        if let Some((sp, _, _)) = lay {
            any |= get16(buf, sp) != Some(target.src_port);
            set_port(buf, sp, target.src_port, sum);
        }
    }
    if manip.dst() {
        any |= get32(buf, 16) != Some(target.dst.to_bits());
        set_addr(buf, 0, 16, target.dst, sum);
        if let Some((_, dp, _)) = lay {
            any |= get16(buf, dp) != Some(target.dst_port);
            set_port(buf, dp, target.dst_port, sum);
        }
    }
    Ok(any)
}

fn has_l4(protocol: u8) -> bool {
    matches!(protocol, proto::TCP | proto::UDP | proto::ICMP)
}

/// ICMP-error path: whether the outer header changed (its ones' complement sum moved). Changes only
/// inside the quote are not reported.
fn changed(buf: &[u8], ihl: usize, before: u16) -> bool {
    ones_complement_sum(buf.get(..ihl).unwrap_or(&[])) != before
}

/// Largest quoted region that can change: a 60-byte inner header plus 18 transport bytes (TCP checksum).
const QUOTE_REGION: usize = 80;

fn rewrite_icmp_error(
    buf: &mut [u8],
    ihl: usize,
    current: &Tuple,
    target: &Tuple,
    manip: Manip,
) -> Result<(), RewriteError> {
    let inner = ihl + 8;
    let quote_len = buf
        .len()
        .checked_sub(inner)
        .ok_or(RewriteError::Malformed)?;
    let ver_ihl = *buf.get(inner).ok_or(RewriteError::Malformed)?;
    let iihl = usize::from(ver_ihl & 0x0F) * 4;
    if ver_ihl >> 4 != 4 || iihl < 20 || quote_len < iihl {
        return Err(RewriteError::Malformed);
    }
    let iproto = *buf.get(inner + 9).ok_or(RewriteError::Malformed)?;
    let il4 = inner + iihl;
    let lay = if has_l4(iproto) {
        layout(iproto, il4, quote_len - iihl, true)
    } else {
        None
    };
    let isum = lay.and_then(|(_, _, s)| s);
    // Snapshot the region of the quote we may change, for the ICMP checksum (RFC 1624 over a region).
    let region_end = buf.len().min(inner + iihl + 20).min(inner + QUOTE_REGION);
    let mut old = [0u8; QUOTE_REGION];
    let region_len = region_end - inner;
    if let (Some(dst), Some(src)) = (old.get_mut(..region_len), buf.get(inner..region_end)) {
        dst.copy_from_slice(src);
    }
    let old_sum = ones_complement_sum(old.get(..region_len).unwrap_or(&[]));

    let outer_src = get32(buf, 12);
    let outer_dst = get32(buf, 16);
    if manip.dst() {
        // Outer destination as for a normal packet of this direction; quoted source reversed.
        if outer_dst == Some(current.dst.to_bits()) {
            set_addr(buf, 0, 16, target.dst, None);
        }
        set_addr(buf, inner, inner + 12, target.dst, isum);
        if let Some((sp, _, _)) = lay {
            set_port(buf, sp, target.dst_port, isum);
        }
    }
    if manip.src() {
        // The outer source only when the error came from the connection's endpoint itself.
        if outer_src == Some(current.src.to_bits()) {
            set_addr(buf, 0, 12, target.src, None);
        }
        set_addr(buf, inner, inner + 16, target.src, isum);
        if let Some((_, dp, _)) = lay {
            set_port(buf, dp, target.src_port, isum);
        }
    }
    let new_sum = ones_complement_sum(buf.get(inner..region_end).unwrap_or(&[]));
    if old_sum != new_sum
        && let Some(c) = get16(buf, ihl + 2)
    {
        // HC' = ~(~HC + ~old + new) (RFC 1624 eqn. 3 generalised to a region).
        let n = !ones_complement_add(ones_complement_add(!c, !old_sum), new_sum);
        put16(buf, ihl + 2, n);
    }
    Ok(())
}
