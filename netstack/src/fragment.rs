//! IPv4 fragmentation on the forwarding path (RFC 791 §2.3 "Fragmentation", §3.2 "An Example
//! Fragmentation Procedure"; RFC 1812 §4.2.2.7 and §5.2.6).
//!
//! [`fragment`] splits one datagram that is larger than the egress MTU into fragments, building each one
//! in a caller-provided scratch buffer and handing it to an `emit` callback (which copies it into a
//! transmit buffer). The router never reassembles in transit (RFC 1812 §5.2.6); it only splits.
//!
//! # What it guarantees
//!
//! - No panics on any input, no allocation, no `unsafe`. The datagram is parsed with smoltcp's checked
//!   [`Ipv4Packet::new_checked`] plus version/IHL checks, and options are walked with bounds checks.
//! - All-or-nothing: every check (header, options, DF, MTU, scratch size, offset range) happens before
//!   the first fragment is emitted, so on `Err` nothing was emitted.
//! - A datagram whose Total Length already fits the MTU is emitted once, unchanged (DF is irrelevant
//!   then), and the count is 1. Bytes past Total Length (link padding) are never emitted.
//! - Fragments (RFC 791 §3.2 procedure):
//!   - every fragment's payload except the last is a multiple of 8 bytes, as large as the MTU allows;
//!   - the first fragment carries the original header with all options; later fragments carry only the
//!     options whose *copied* flag (type bit 7) is set, in order, padded with zero bytes (End of Option
//!     List) to a 4-byte boundary — so later fragments may have a smaller IHL and carry more payload;
//!   - Identification, TOS, TTL, protocol and addresses are kept; DF is clear (we refuse DF datagrams)
//!     and the reserved flag bit is cleared, as Linux does;
//!   - fragment offsets are relative to the original datagram's own offset, and MF is set on all but
//!     the last fragment, which keeps the original's MF (fragmenting a fragment, RFC 791 §3.2);
//!   - Total Length and the header checksum (RFC 1071) are recomputed for every fragment.
//! - TTL is not touched: decrement it ([`crate::checksum::decrement_ttl`]) before fragmenting.
//!
//! # When it refuses ([`FragmentError`])
//!
//! `mtu < 68` (RFC 791 §3.2: every module must pass 68-byte datagrams unfragmented), a malformed datagram
//! or option list, DF set (the caller sends ICMP "fragmentation needed" with the next-hop MTU, RFC 1191
//! §4 / RFC 1812 §5.2.7.1), a header too large to leave 8 payload bytes, a scratch buffer shorter than
//! `min(mtu, total length)`, or a fragment offset that would not fit the 13-bit field.

use smoltcp::wire::Ipv4Packet;

use crate::checksum::internet_checksum;

/// The smallest MTU an IPv4 link may have (RFC 791 §3.2: "Every internet module must be able to forward a
/// datagram of 68 octets without further fragmentation").
pub const MIN_IPV4_MTU: u16 = 68;

/// Length of an IPv4 header without options.
const BASE_HEADER_LEN: usize = 20;
/// Largest IPv4 header (IHL 15).
const MAX_HEADER_LEN: usize = 60;
/// Flag bits in the flags/fragment-offset word (RFC 791 §3.1).
const FLAG_DF: u16 = 0x4000;
const FLAG_MF: u16 = 0x2000;
const OFFSET_MASK: u16 = 0x1FFF;
/// Option types with fixed length 1 (RFC 791 §3.1 "Options").
const OPT_END: u8 = 0;
const OPT_NOP: u8 = 1;
/// The "copied" flag in an option type octet (RFC 791 §3.1).
const OPT_COPIED: u8 = 0x80;

/// Why a datagram was not fragmented. Nothing was emitted in any of these cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FragmentError {
    /// `mtu` is below [`MIN_IPV4_MTU`].
    MtuTooSmall,
    /// Not a well-formed IPv4 datagram: shorter than 20 bytes, version ≠ 4, IHL < 5, IHL or Total Length
    /// beyond the buffer, or Total Length < IHL.
    Malformed,
    /// The option list is malformed: an option's length octet is missing, below 2, or runs past the header.
    MalformedOptions,
    /// DF is set and the datagram does not fit: the caller sends ICMP Destination Unreachable, code 4
    /// (fragmentation needed) with `mtu` as the next-hop MTU.
    DontFragment,
    /// The header leaves less than 8 payload bytes within the MTU (cannot happen with a valid header and
    /// `mtu >= 68`; kept as a guard).
    HeaderTooLarge,
    /// `scratch` is shorter than `min(mtu, total length)`.
    ScratchTooSmall,
    /// A fragment's offset would exceed the 13-bit field (the datagram would reassemble past 64 KiB).
    OffsetOverflow,
}

/// The header used for the second and later fragments: the base header followed by the copied options,
/// zero-padded to a multiple of 4 bytes.
struct LaterHeader {
    bytes: [u8; MAX_HEADER_LEN],
    len: usize,
}

/// Walk the option list (RFC 791 §3.1: a single type octet for End of Option List and No Operation;
/// otherwise type, length — counting type and length octets — and data) and collect the options with
/// the copied flag set after `base`.
fn later_header(base: &[u8], options: &[u8]) -> Result<LaterHeader, FragmentError> {
    let mut bytes = [0u8; MAX_HEADER_LEN];
    let base_dst = bytes
        .get_mut(..BASE_HEADER_LEN)
        .ok_or(FragmentError::Malformed)?;
    base_dst.copy_from_slice(
        base.get(..BASE_HEADER_LEN)
            .ok_or(FragmentError::Malformed)?,
    );
    let mut len = BASE_HEADER_LEN;
    let mut i = 0;
    while let Some(&opt_type) = options.get(i) {
        match opt_type {
            // End of Option List: the rest is padding.
            OPT_END => break,
            // No Operation: not copied (copied bit is 0).
            OPT_NOP => i += 1,
            _ => {
                let opt_len =
                    usize::from(*options.get(i + 1).ok_or(FragmentError::MalformedOptions)?);
                if opt_len < 2 {
                    return Err(FragmentError::MalformedOptions);
                }
                let opt = options
                    .get(i..i + opt_len)
                    .ok_or(FragmentError::MalformedOptions)?;
                if opt_type & OPT_COPIED != 0 {
                    // Copied options never exceed the original option area, so this always fits.
                    let dst = bytes
                        .get_mut(len..len + opt_len)
                        .ok_or(FragmentError::MalformedOptions)?;
                    dst.copy_from_slice(opt);
                    len += opt_len;
                }
                i += opt_len;
            }
        }
    }
    // Pad with End of Option List octets (already zero) to a 32-bit boundary, and set IHL to match.
    let len = len.next_multiple_of(4);
    if let Some(ver_ihl) = bytes.first_mut() {
        *ver_ihl = 0x40 | (len / 4) as u8; // len <= 60, so IHL <= 15
    }
    Ok(LaterHeader { bytes, len })
}

/// Fragment `packet` (starting at its IPv4 header) for a link of `mtu` bytes, calling `emit` with each
/// fragment in order, built in `scratch` (at least `min(mtu, total length)` bytes; a reusable
/// `mtu`-sized buffer works). Returns the number of fragments emitted. See the module docs.
pub fn fragment(
    packet: &[u8],
    mtu: u16,
    scratch: &mut [u8],
    mut emit: impl FnMut(&[u8]),
) -> Result<usize, FragmentError> {
    if mtu < MIN_IPV4_MTU {
        return Err(FragmentError::MtuTooSmall);
    }
    let mtu = usize::from(mtu);
    let ip = Ipv4Packet::new_checked(packet).map_err(|_| FragmentError::Malformed)?;
    let ihl = usize::from(ip.header_len());
    if ip.version() != 4 || ihl < BASE_HEADER_LEN {
        return Err(FragmentError::Malformed);
    }
    let total_len = usize::from(ip.total_len());
    // new_checked guarantees ihl <= total_len <= packet.len().
    let datagram = packet.get(..total_len).ok_or(FragmentError::Malformed)?;
    if total_len <= mtu {
        emit(datagram);
        return Ok(1);
    }

    let header = datagram.get(..ihl).ok_or(FragmentError::Malformed)?;
    let payload = datagram.get(ihl..).ok_or(FragmentError::Malformed)?;
    let flags_offset = match header.get(6..8) {
        Some(&[hi, lo]) => u16::from_be_bytes([hi, lo]),
        _ => return Err(FragmentError::Malformed),
    };
    if flags_offset & FLAG_DF != 0 {
        return Err(FragmentError::DontFragment);
    }
    let original_mf = flags_offset & FLAG_MF != 0;
    let original_offset = usize::from(flags_offset & OFFSET_MASK); // in 8-byte units

    let options = header
        .get(BASE_HEADER_LEN..)
        .ok_or(FragmentError::Malformed)?;
    let later = later_header(header, options)?;
    let later_hdr = later
        .bytes
        .get(..later.len)
        .ok_or(FragmentError::MalformedOptions)?;

    // Payload per fragment: as much as fits, rounded down to 8 bytes (RFC 791 §3.2, "NFB").
    let first_chunk = (mtu - ihl) & !7; // ihl <= 60 < 68 <= mtu
    let later_chunk = (mtu - later.len) & !7;
    if first_chunk == 0 || later_chunk == 0 {
        return Err(FragmentError::HeaderTooLarge);
    }
    if scratch.len() < mtu.min(total_len) {
        return Err(FragmentError::ScratchTooSmall);
    }
    // The last fragment starts at the highest offset; check it fits the 13-bit field before emitting
    // anything. total_len > mtu implies payload.len() > first_chunk, so there are at least two fragments.
    let after_first = payload.len().saturating_sub(first_chunk);
    let last_start = first_chunk + after_first.saturating_sub(1) / later_chunk * later_chunk;
    if original_offset + last_start / 8 > usize::from(OFFSET_MASK) {
        return Err(FragmentError::OffsetOverflow);
    }

    let mut start = 0;
    let mut count = 0;
    while start < payload.len() {
        let (hdr, chunk) = if start == 0 {
            (header, first_chunk)
        } else {
            (later_hdr, later_chunk)
        };
        let end = payload.len().min(start + chunk);
        let data = payload.get(start..end).ok_or(FragmentError::Malformed)?;
        let is_last = end == payload.len();
        let frag_len = hdr.len() + data.len();

        let frag = scratch
            .get_mut(..frag_len)
            .ok_or(FragmentError::ScratchTooSmall)?;
        let (frag_hdr, frag_data) = frag
            .split_at_mut_checked(hdr.len())
            .ok_or(FragmentError::ScratchTooSmall)?;
        frag_hdr.copy_from_slice(hdr);
        frag_data.copy_from_slice(data);

        // Offsets are in 8-byte units; `start` is a multiple of 8 and the range was checked above.
        let offset = (original_offset + start / 8) as u16 & OFFSET_MASK;
        let mf = if !is_last || original_mf { FLAG_MF } else { 0 };
        let total = u16::try_from(frag_len).map_err(|_| FragmentError::Malformed)?;
        set_bytes(frag_hdr, 2, &total.to_be_bytes());
        set_bytes(frag_hdr, 6, &(mf | offset).to_be_bytes());
        set_bytes(frag_hdr, 10, &[0, 0]);
        let sum = internet_checksum(frag_hdr);
        set_bytes(frag_hdr, 10, &sum.to_be_bytes());

        emit(frag);
        count += 1;
        start = end;
    }
    Ok(count)
}

/// Write `bytes` at `at` in `buf` if it fits (it always does for the fixed header offsets used here).
fn set_bytes(buf: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = buf.get_mut(at..at + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::tests::Rng;
    use crate::checksum::verify;
    use alloc::vec;
    use alloc::vec::Vec;

    /// Build a datagram: IPv4 header with `options` (padded to 4 bytes), given flags/offset word and payload.
    fn datagram(options: &[u8], flags_offset: u16, payload: &[u8]) -> Vec<u8> {
        let opt_len = options.len().next_multiple_of(4);
        let ihl = 20 + opt_len;
        let total = ihl + payload.len();
        let mut p = vec![0u8; total];
        p[0] = 0x40 | (ihl / 4) as u8;
        p[1] = 0x28;
        p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
        p[4..6].copy_from_slice(&0xABCDu16.to_be_bytes());
        p[6..8].copy_from_slice(&flags_offset.to_be_bytes());
        p[8] = 17;
        p[9] = 17;
        p[12..16].copy_from_slice(&[10, 0, 0, 1]);
        p[16..20].copy_from_slice(&[192, 0, 2, 7]);
        p[20..20 + options.len()].copy_from_slice(options);
        p[ihl..].copy_from_slice(payload);
        let c = internet_checksum(&p[..ihl]);
        p[10..12].copy_from_slice(&c.to_be_bytes());
        p
    }

    fn payload(len: usize, seed: u64) -> Vec<u8> {
        let mut rng = Rng::new(seed);
        (0..len).map(|_| rng.next_u64() as u8).collect()
    }

    fn run(packet: &[u8], mtu: u16) -> Result<Vec<Vec<u8>>, FragmentError> {
        let mut scratch = vec![0u8; usize::from(mtu)];
        let mut frags = Vec::new();
        let n = fragment(packet, mtu, &mut scratch, |f| frags.push(f.to_vec()))?;
        assert_eq!(n, frags.len());
        Ok(frags)
    }

    /// Test-only reassembler (RFC 815 in miniature): checks each fragment's invariants against the
    /// original and rebuilds the datagram. Returns the reassembled datagram (first fragment's header).
    fn reassemble(original: &[u8], frags: &[Vec<u8>], mtu: u16) -> Vec<u8> {
        let orig = Ipv4Packet::new_checked(original).unwrap();
        let orig_ihl = usize::from(orig.header_len());
        let orig_word = u16::from_be_bytes([original[6], original[7]]);
        let base = usize::from(orig_word & OFFSET_MASK) * 8;
        let mut data = vec![None::<u8>; usize::from(orig.total_len()) - orig_ihl];
        for (i, f) in frags.iter().enumerate() {
            assert!(
                f.len() <= usize::from(mtu),
                "fragment {i} is {} > mtu {mtu}",
                f.len()
            );
            let p = Ipv4Packet::new_checked(&f[..]).unwrap();
            assert_eq!(usize::from(p.total_len()), f.len());
            assert!(
                verify(&f[..usize::from(p.header_len())]),
                "checksum of fragment {i}"
            );
            assert_eq!(p.ident(), orig.ident());
            assert_eq!(p.src_addr(), orig.src_addr());
            assert_eq!(p.dst_addr(), orig.dst_addr());
            assert_eq!(p.next_header(), orig.next_header());
            assert_eq!(p.hop_limit(), orig.hop_limit());
            assert_eq!(f[1], original[1], "TOS");
            assert!(!p.dont_frag());
            assert_eq!(f[6] & 0x80, 0, "reserved flag");
            let last = i + 1 == frags.len();
            assert_eq!(
                p.more_frags(),
                !last || orig.more_frags(),
                "MF of fragment {i}"
            );
            let off = usize::from(p.frag_offset());
            assert!(off >= base);
            let pl = p.payload();
            if !last {
                assert_eq!(pl.len() % 8, 0);
            }
            if i == 0 {
                assert_eq!(off, base);
                assert_eq!(
                    &f[20..usize::from(p.header_len())],
                    &original[20..orig_ihl],
                    "first keeps options"
                );
            }
            for (j, &b) in pl.iter().enumerate() {
                let slot = &mut data[off - base + j];
                assert!(slot.is_none(), "overlap");
                *slot = Some(b);
            }
        }
        let mut out = frags[0]
            [..usize::from(Ipv4Packet::new_checked(&frags[0][..]).unwrap().header_len())]
            .to_vec();
        out.extend(data.iter().map(|b| b.expect("hole")));
        out
    }

    fn assert_roundtrip(original: &[u8], mtu: u16) -> Vec<Vec<u8>> {
        let frags = run(original, mtu).unwrap();
        let back = reassemble(original, &frags, mtu);
        let ihl = usize::from(original[0] & 0xF) * 4;
        assert_eq!(&back[ihl..], &original[ihl..], "payload");
        assert_eq!(back.len(), original.len());
        // Header equal apart from total length, flags/offset and checksum.
        assert_eq!(&back[..2], &original[..2]);
        assert_eq!(&back[4..6], &original[4..6]);
        assert_eq!(&back[8..10], &original[8..10]);
        assert_eq!(&back[12..ihl], &original[12..ihl]);
        frags
    }

    #[test]
    fn fits_is_emitted_unchanged() {
        let p = datagram(&[], FLAG_DF, &payload(1480, 1));
        let frags = run(&p, 1500).unwrap();
        assert_eq!(frags, vec![p.clone()]);
        // Link padding is dropped.
        let mut padded = datagram(&[], 0, &payload(20, 2));
        let want = padded.clone();
        padded.extend_from_slice(&[0; 6]);
        assert_eq!(run(&padded, 1500).unwrap(), vec![want]);
    }

    #[test]
    fn classic_1500_to_576() {
        let p = datagram(&[], 0, &payload(1480, 3));
        let frags = assert_roundtrip(&p, 576);
        let lens: Vec<usize> = frags.iter().map(Vec::len).collect();
        // 556 payload bytes max -> 552 (multiple of 8): 552 + 552 + 376.
        assert_eq!(lens, vec![572, 572, 396]);
        let offsets: Vec<u16> = frags
            .iter()
            .map(|f| u16::from_be_bytes([f[6], f[7]]))
            .collect();
        assert_eq!(offsets, vec![0x2000, 0x2000 | 69, 138]);
    }

    /// 40 bytes of options: Timestamp (0x44, not copied, 28 bytes), Security (0x82, copied, 11 bytes), EOL.
    const TS_AND_SECURITY: [u8; 40] = {
        let mut o = [0u8; 40];
        o[0] = 0x44;
        o[1] = 28;
        o[2] = 5;
        o[28] = 0x82;
        o[29] = 11;
        o[30] = 0xF1;
        o
    };

    #[test]
    fn many_sizes_and_mtus_roundtrip() {
        let mut rng = Rng::new(791);
        let option_sets: [&[u8]; 5] = [
            &[],
            &[0x94, 0x04, 0x00, 0x00],             // router alert (copied)
            &[0x07, 0x07, 0x04, 0, 0, 0, 0, 0x01], // record route (not copied), NOP
            &[0x83, 0x0B, 0x04, 10, 0, 0, 1, 10, 0, 0, 2, 0x01, 0x00], // LSRR (copied), NOP, EOL
            &TS_AND_SECURITY,
        ];
        for case in 0..3_000u64 {
            let opts = option_sets[rng.below(option_sets.len())];
            let len = rng.below(4000);
            let mtu = (68 + rng.below(1500)) as u16;
            let (off, mf) = match case % 4 {
                0 => (0u16, 0u16),
                1 => (rng.below(1000) as u16, FLAG_MF),
                2 => (rng.below(1000) as u16, 0),
                _ => (0, FLAG_MF),
            };
            let p = datagram(opts, mf | off, &payload(len, case));
            assert_eq!(
                usize::from(p[0] & 0xF) * 4,
                20 + opts.len().next_multiple_of(4)
            );
            let frags = assert_roundtrip(&p, mtu);
            if opts.len() == 40 && frags.len() > 1 {
                assert_eq!(frags[1][0], 0x48);
                assert_eq!(&frags[1][20..32], &TS_AND_SECURITY[28..40]);
            }
            if p.len() > usize::from(mtu) {
                assert!(frags.len() >= 2);
            }
        }
    }

    #[test]
    fn every_mtu_for_one_packet() {
        let opts = [
            0x83, 0x07, 0x04, 10, 0, 0, 1, 0x07, 0x07, 0x04, 0, 0, 0, 0, 0x01, 0x00,
        ];
        let p = datagram(&opts, 0, &payload(2000, 9));
        for mtu in 68..=2040u16 {
            assert_roundtrip(&p, mtu);
        }
        // Largest header (IHL 15) at the smallest MTU: 8 payload bytes per first fragment.
        let big_opts = [
            0x82u8, 40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let p = datagram(&big_opts, 0, &payload(100, 10));
        let frags = assert_roundtrip(&p, 68);
        assert_eq!(frags[0].len(), 68);
        assert_eq!(frags.len(), 13); // 100 bytes / 8 per fragment (copied 40-byte option each time)
    }

    #[test]
    fn options_copy_rules() {
        // NOP, LSRR (0x83, copied), RR (0x07, not copied), Router Alert (0x94, copied), EOL padding.
        let opts = [
            0x01, 0x83, 0x07, 0x04, 10, 0, 0, 1, 0x07, 0x07, 0x04, 0, 0, 0, 0, 0x94, 0x04, 0x00,
            0x00, 0x00,
        ];
        let p = datagram(&opts, 0, &payload(200, 4));
        assert_eq!(p[0], 0x4A);
        let frags = assert_roundtrip(&p, 100);
        assert_eq!(
            &frags[0][..40],
            &{
                let mut h = p[..40].to_vec();
                h[2..4].copy_from_slice(&(frags[0].len() as u16).to_be_bytes());
                h[6] = 0x20;
                h[10..12].copy_from_slice(&frags[0][10..12]);
                h
            }[..]
        );
        for f in &frags[1..] {
            assert_eq!(f[0], 0x48, "IHL 8: 11 bytes of copied options padded to 12");
            assert_eq!(
                &f[20..32],
                &[0x83, 0x07, 0x04, 10, 0, 0, 1, 0x94, 0x04, 0x00, 0x00, 0x00]
            );
        }
        // Only non-copied options: later fragments have a bare 20-byte header.
        let p = datagram(&[0x07, 0x07, 0x04, 0, 0, 0, 0, 0x01], 0, &payload(200, 5));
        let frags = assert_roundtrip(&p, 100);
        for f in &frags[1..] {
            assert_eq!(f[0], 0x45);
        }
        // Garbage after EOL is padding and ignored.
        let p = datagram(&[0x00, 0x00, 0xFF, 0x01], 0, &payload(200, 6));
        let frags = assert_roundtrip(&p, 100);
        assert_eq!(frags[1][0], 0x45);
    }

    #[test]
    fn fragmenting_a_fragment() {
        // A middle fragment (MF set, offset 100 units = 800 bytes): all outputs keep MF, offsets from 100.
        let p = datagram(&[], FLAG_MF | 100, &payload(1000, 7));
        let frags = assert_roundtrip(&p, 300);
        for f in &frags {
            assert_eq!(f[6] & 0x20, 0x20);
        }
        assert_eq!(
            u16::from_be_bytes([frags[0][6], frags[0][7]]) & OFFSET_MASK,
            100
        );
        assert_eq!(
            u16::from_be_bytes([frags[1][6], frags[1][7]]) & OFFSET_MASK,
            100 + 280 / 8
        );
        // The last fragment of a datagram: only the new last fragment has MF clear.
        let p = datagram(&[], 100, &payload(1000, 8));
        let frags = assert_roundtrip(&p, 300);
        let last = frags.last().unwrap();
        assert_eq!(last[6] & 0x20, 0);
        assert!(frags[..frags.len() - 1].iter().all(|f| f[6] & 0x20 != 0));
    }

    #[test]
    fn refusals() {
        let p = datagram(&[], FLAG_DF, &payload(1000, 11));
        assert_eq!(run(&p, 576), Err(FragmentError::DontFragment));
        let p = datagram(&[], 0, &payload(1000, 11));
        for mtu in [0u16, 1, 20, 67] {
            let mut scratch = [0u8; 100];
            assert_eq!(
                fragment(&p, mtu, &mut scratch, |_| panic!()),
                Err(FragmentError::MtuTooSmall)
            );
        }
        let mut scratch = [0u8; 575];
        assert_eq!(
            fragment(&p, 576, &mut scratch, |_| panic!()),
            Err(FragmentError::ScratchTooSmall)
        );
        // Scratch only needs min(mtu, total length).
        let small = datagram(&[], 0, &payload(40, 1));
        let mut scratch = [0u8; 60];
        assert_eq!(fragment(&small, 1500, &mut scratch, |_| ()), Ok(1));
        // Offsets past 13 bits.
        let p = datagram(&[], OFFSET_MASK - 10, &payload(1000, 12));
        assert_eq!(run(&p, 576), Err(FragmentError::OffsetOverflow));
        let p = datagram(&[], OFFSET_MASK - 69, &payload(1000, 12)); // last starts at +69 units: fits
        assert_roundtrip(&p, 576);
        let p = datagram(&[], OFFSET_MASK - 68, &payload(1000, 12));
        assert_eq!(run(&p, 576), Err(FragmentError::OffsetOverflow));
    }

    #[test]
    fn malformed_options() {
        let bad: [&[u8]; 6] = [
            &[0x83],                         // length octet missing
            &[0x01, 0x01, 0x01, 0x83],       // ditto, after NOPs
            &[0x83, 0x00, 0, 0],             // length 0
            &[0x07, 0x01, 0, 0],             // length 1
            &[0x83, 0x09, 0, 0, 0, 0, 0, 0], // runs past the header
            &[0x44, 0xFF, 0, 0],
        ];
        for opts in bad {
            let p = datagram(opts, 0, &payload(500, 13));
            assert_eq!(
                run(&p, 100),
                Err(FragmentError::MalformedOptions),
                "{opts:?}"
            );
        }
    }

    #[test]
    fn malformed_headers() {
        let p = datagram(&[], 0, &payload(500, 14));
        for len in 0..p.len() {
            assert_eq!(
                run(&p[..len], 100),
                Err(FragmentError::Malformed),
                "len {len}"
            );
        }
        let mut q = p.clone();
        q[0] = 0x65;
        assert_eq!(run(&q, 100), Err(FragmentError::Malformed));
        for ihl in 0..5 {
            q[0] = 0x40 | ihl;
            assert_eq!(run(&q, 100), Err(FragmentError::Malformed));
        }
        let mut q = p.clone();
        q[2..4].copy_from_slice(&10u16.to_be_bytes());
        assert_eq!(run(&q, 100), Err(FragmentError::Malformed));
    }

    /// Random garbage and mutated datagrams, random MTUs and scratch sizes: never panics; when it
    /// succeeds the fragments are well-formed and reassemble to the input.
    #[test]
    fn fuzz_never_panics() {
        let mut rng = Rng::new(0xF4A6);
        let mut scratch = vec![0u8; 2000];
        for case in 0..20_000u64 {
            let mut p = if case % 3 == 0 {
                payload(rng.below(200), case)
            } else {
                let opts: Vec<u8> = (0..rng.below(41)).map(|_| rng.next_u64() as u8).collect();
                datagram(
                    &opts,
                    (rng.u16() & OFFSET_MASK) | (rng.u16() & FLAG_MF),
                    &payload(rng.below(1500), case),
                )
            };
            if case % 4 == 0 && !p.is_empty() {
                let i = rng.below(p.len());
                p[i] = rng.next_u64() as u8;
            }
            let mtu = rng.below(1600) as u16;
            let size = rng.below(scratch.len());
            let mut frags = Vec::new();
            if let Ok(n) = fragment(&p, mtu, &mut scratch[..size], |f| frags.push(f.to_vec())) {
                assert_eq!(n, frags.len());
                let total = usize::from(u16::from_be_bytes([p[2], p[3]]));
                let original = &p[..total];
                if n > 1 {
                    let back = reassemble(original, &frags, mtu);
                    assert_eq!(back.len(), original.len());
                } else {
                    assert_eq!(frags[0], original);
                }
            }
        }
    }
}
