//! The mangle actions that rewrite packet bytes in place: `change-ttl`, `change-dscp`, `clear-df`,
//! `change-mss`, `strip-ipv4-options`.
//!
//! Each takes the IP packet (`l3`, from the IPv4 header) and returns whether it changed anything. The
//! IPv4 header checksum is patched incrementally (RFC 1624 eqn. 3, [`crate::checksum::update_u16`]);
//! `change-mss` patches the TCP checksum the same way (the MSS option is covered by it, RFC 9293 §3.1).
//! `strip-ipv4-options` changes the header length, so it recomputes the header checksum; the TCP/UDP
//! checksums do not cover IP options and stay valid. All functions refuse (return false, bytes untouched)
//! on anything that is not a well-formed IPv4 header of the length it claims; none can panic.

use crate::checksum::{internet_checksum, update_u16};

use super::facts::{PROTO_TCP, tcp_mss_option};
use super::spec::TtlChange;

/// IPv4 header length when `l3` holds a complete header, else None.
fn header_len(l3: &[u8]) -> Option<usize> {
    let ver_ihl = *l3.first()?;
    let ihl = usize::from(ver_ihl & 0x0F) * 4;
    (ver_ihl >> 4 == 4 && ihl >= 20 && l3.len() >= ihl).then_some(ihl)
}

fn word(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Writes a 16-bit word of a buffer whose checksum word is at `csum_at`, patching it (RFC 1624).
fn set_word(b: &mut [u8], at: usize, new: u16, csum_at: usize) -> Option<()> {
    let old = word(b, at)?;
    let csum = word(b, csum_at)?;
    b.get_mut(at..at + 2)?.copy_from_slice(&new.to_be_bytes());
    let patched = update_u16(csum, old, new);
    b.get_mut(csum_at..csum_at + 2)?
        .copy_from_slice(&patched.to_be_bytes());
    Some(())
}

/// `change-ttl`: set, increment or decrement (saturating at 0 and 255, as netfilter's `TTL` target).
pub fn change_ttl(l3: &mut [u8], change: TtlChange) -> bool {
    if header_len(l3).is_none() {
        return false;
    }
    let Some(w) = word(l3, 8) else { return false };
    let [ttl, proto] = w.to_be_bytes();
    let new = match change {
        TtlChange::Set(v) => v,
        TtlChange::Increment(v) => ttl.saturating_add(v),
        TtlChange::Decrement(v) => ttl.saturating_sub(v),
    };
    new != ttl && set_word(l3, 8, u16::from_be_bytes([new, proto]), 10).is_some()
}

/// `change-dscp`: sets the upper six bits of the TOS byte, keeping ECN (netfilter `DSCP` target).
pub fn change_dscp(l3: &mut [u8], dscp: u8) -> bool {
    if header_len(l3).is_none() {
        return false;
    }
    let Some(w) = word(l3, 0) else { return false };
    let [vihl, tos] = w.to_be_bytes();
    let new_tos = (dscp << 2) | (tos & 0x03);
    new_tos != tos && set_word(l3, 0, u16::from_be_bytes([vihl, new_tos]), 10).is_some()
}

/// `clear-df`: clears the don't-fragment flag.
pub fn clear_df(l3: &mut [u8]) -> bool {
    if header_len(l3).is_none() {
        return false;
    }
    let Some(w) = word(l3, 6) else { return false };
    w & 0x4000 != 0 && set_word(l3, 6, w & !0x4000, 10).is_some()
}

/// `change-mss`: lowers the MSS option of a TCP SYN to `new_mss` (netfilter `TCPMSS --set-mss`, which
/// never raises an MSS). Packets without the option are left alone (netfilter would insert one; not
/// done here). Only first fragments carry the TCP header.
pub fn change_mss(l3: &mut [u8], new_mss: u16) -> bool {
    let Some(ihl) = header_len(l3) else {
        return false;
    };
    let (Some(frag), Some(proto)) = (word(l3, 6), l3.get(9).copied()) else {
        return false;
    };
    if proto != PROTO_TCP || frag & 0x1FFF != 0 {
        return false;
    }
    let Some(total) = word(l3, 2) else {
        return false;
    };
    let end = usize::from(total).min(l3.len());
    let Some(tcp) = l3.get_mut(ihl..end) else {
        return false;
    };
    let Some(&off) = tcp.get(12) else {
        return false;
    };
    let data_off = usize::from(off >> 4) * 4;
    if data_off < 20 || tcp.len() < data_off || tcp.get(13).is_none_or(|f| f & 0x02 == 0) {
        return false;
    }
    let Some((at, mss)) = tcp_mss_option(tcp.get(20..data_off).unwrap_or(&[])) else {
        return false;
    };
    if mss <= new_mss {
        return false;
    }
    // The option's value is at 20 + at + 2 within the TCP header; it may sit at an odd offset, so patch
    // the checksum over the 16-bit words it touches.
    let value_at = 20 + at + 2;
    patch_unaligned(tcp, value_at, &new_mss.to_be_bytes(), 16).is_some()
}

/// Writes `bytes` at `at` and fixes the checksum at `csum_at` word by word (handles odd offsets).
fn patch_unaligned(b: &mut [u8], at: usize, bytes: &[u8], csum_at: usize) -> Option<()> {
    let first = at & !1;
    let last = (at + bytes.len() + 1) & !1;
    let mut csum = word(b, csum_at)?;
    let mut old = [0u16; 4];
    for (i, w) in (first..last).step_by(2).enumerate() {
        *old.get_mut(i)? = word(b, w)?;
    }
    b.get_mut(at..at + bytes.len())?.copy_from_slice(bytes);
    for (i, w) in (first..last).step_by(2).enumerate() {
        csum = update_u16(csum, *old.get(i)?, word(b, w)?);
    }
    b.get_mut(csum_at..csum_at + 2)?
        .copy_from_slice(&csum.to_be_bytes());
    Some(())
}

/// `strip-ipv4-options`: removes IP options, moving the payload up. Returns the number of bytes removed
/// (0 when there were none); the caller shortens the buffer (`Packet::truncate_l3`) to the new total
/// length, which this writes into the header.
pub fn strip_options(l3: &mut [u8]) -> usize {
    let Some(ihl) = header_len(l3) else { return 0 };
    let Some(total) = word(l3, 2) else { return 0 };
    let total = usize::from(total);
    if ihl == 20 || total < ihl || total > l3.len() {
        return 0;
    }
    let removed = ihl - 20;
    l3.copy_within(ihl..total, 20);
    let new_total = (total - removed) as u16;
    l3[0] = 0x45;
    l3[2..4].copy_from_slice(&new_total.to_be_bytes());
    l3[10..12].copy_from_slice(&[0, 0]);
    let c = internet_checksum(&l3[..20]);
    l3[10..12].copy_from_slice(&c.to_be_bytes());
    removed
}
