//! The Internet checksum: full computation (RFC 1071) and incremental update (RFC 1624), plus the
//! forwarding-path TTL decrement that uses it (RFC 1812 §5.3.1, §5.2.2).
//!
//! # What this module guarantees
//!
//! - Every function is total: no panics on any input (slices of any length, any field values), no
//!   allocation, no `unsafe`.
//! - [`ones_complement_sum`] is the folded 16-bit ones' complement sum of RFC 1071 §1 (big-endian 16-bit
//!   words, an odd trailing byte padded with a zero byte, carries folded back in). It is `0x0000` only when
//!   every byte is zero (end-around-carry addition never produces "+0" from a non-zero operand), and
//!   otherwise in `0x0001..=0xFFFF`. [`internet_checksum`] is its complement: the value written into
//!   IPv4/ICMP/TCP/UDP checksum fields.
//! - [`update_u16`] / [`update_u32`] implement RFC 1624 eqn. 3, `HC' = ~(~HC + ~m + m')`, with
//!   end-around-carry additions. For any data that is not all-zero before *and* after the change (every
//!   IPv4 header qualifies: its version nibble is 4) the result is bit-for-bit what a full recomputation
//!   gives, including the `0x0000`/`0xFFFF` corner cases that RFC 1624 §3-§4 describe (eqn. 2 of RFC 1141
//!   gets them wrong, producing `0xFFFF` where a full recomputation gives `0x0000`). This is property-tested
//!   below against a full recomputation over 100k+ random headers and field changes.
//! - [`decrement_ttl`] either decrements TTL and patches the header checksum, or leaves the buffer
//!   untouched and says why not.
//!
//! A note for TCP/UDP users (NAT): the incremental update works on transport checksums too (they are
//! the same sum over a pseudo-header), but a UDP checksum of `0x0000` means "no checksum" (RFC 768) and
//! must be left alone, and a computed UDP checksum of `0x0000` is transmitted as `0xFFFF`. That policy
//! belongs to the caller, not to this module.

/// Ones' complement addition of two 16-bit words with end-around carry (RFC 1071 §1, "(1) Adjacent
/// octets ... ones' complement sum"). The result is `0` only when both operands are `0`.
#[inline]
pub const fn ones_complement_add(a: u16, b: u16) -> u16 {
    let sum = a as u32 + b as u32;
    // At most one carry out of 16 bits, and adding it back cannot carry again.
    ((sum & 0xFFFF) + (sum >> 16)) as u16
}

/// Fold a wide accumulator of 16-bit words down to 16 bits (RFC 1071 §2(B), "deferred carries").
#[inline]
const fn fold(mut acc: u64) -> u16 {
    while acc > 0xFFFF {
        acc = (acc & 0xFFFF) + (acc >> 16);
    }
    acc as u16
}

/// The folded 16-bit ones' complement sum of `data` (RFC 1071), *without* the final complement.
///
/// Words are big-endian; an odd final byte is treated as the high byte of a word whose low byte is zero
/// (RFC 1071 §4.1). Use this to combine partial sums (e.g. a pseudo-header and a payload) with
/// [`ones_complement_add`] before complementing.
pub fn ones_complement_sum(data: &[u8]) -> u16 {
    // RFC 1071 §2(B): accumulate in a wider register and fold the carries once at the end. A u64 cannot
    // overflow: that would take more than 2^48 words.
    let mut acc: u64 = 0;
    let (words, rest) = data.as_chunks::<2>();
    for &w in words {
        acc += u64::from(u16::from_be_bytes(w));
    }
    if let [last] = *rest {
        acc += u64::from(u16::from_be_bytes([last, 0]));
    }
    fold(acc)
}

/// The Internet checksum of `data` (RFC 1071): the ones' complement of [`ones_complement_sum`].
///
/// To fill a checksum field, zero it first and compute over the covered bytes. To verify, compute over
/// the covered bytes *including* the checksum field; see [`verify`].
#[inline]
pub fn internet_checksum(data: &[u8]) -> u16 {
    !ones_complement_sum(data)
}

/// Whether `data` (checksum field included) carries a valid Internet checksum: its ones' complement sum
/// is `0xFFFF` ("-0"; RFC 1071 §1(3)).
#[inline]
pub fn verify(data: &[u8]) -> bool {
    ones_complement_sum(data) == 0xFFFF
}

/// Incrementally update checksum `checksum` after one 16-bit word of the covered data changed from `old`
/// to `new`: RFC 1624 eqn. 3, `HC' = ~(~HC + ~m + m')`.
///
/// Equal to a full recomputation whenever the covered data is not all-zero before and after the change
/// (see the module docs).
#[inline]
pub const fn update_u16(checksum: u16, old: u16, new: u16) -> u16 {
    !ones_complement_add(ones_complement_add(!checksum, !old), new)
}

/// Incrementally update `checksum` after a 32-bit, 16-bit-aligned field (an IPv4 address, for NAT)
/// changed from `old` to `new`: RFC 1624 eqn. 3 applied to both of its 16-bit words in one sum.
#[inline]
pub const fn update_u32(checksum: u16, old: u32, new: u32) -> u16 {
    let mut sum = !checksum;
    sum = ones_complement_add(sum, !((old >> 16) as u16));
    sum = ones_complement_add(sum, !(old as u16));
    sum = ones_complement_add(sum, (new >> 16) as u16);
    sum = ones_complement_add(sum, new as u16);
    !sum
}

/// Why [`decrement_ttl`] did not forward-decrement a header. The buffer is unchanged in every case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TtlError {
    /// Shorter than 20 bytes, not version 4, IHL below 5, or IHL pointing past the end of the buffer.
    Malformed,
    /// TTL was 0 or 1: the datagram must not be forwarded. The caller discards it and (subject to
    /// [`crate::icmp_error`]'s suppression rules and rate limiting) sends ICMP Time Exceeded, code 0.
    Expired {
        /// The TTL as received.
        ttl: u8,
    },
}

/// Byte offset of the TTL field in an IPv4 header (RFC 791 §3.1); protocol follows it in the same word.
const TTL_OFFSET: usize = 8;
/// Byte offset of the header checksum field (RFC 791 §3.1).
const CHECKSUM_OFFSET: usize = 10;
/// Length of an IPv4 header without options.
const MIN_HEADER_LEN: usize = 20;

/// Decrement the TTL of a datagram being forwarded and patch its header checksum incrementally
/// (RFC 1624 eqn. 3 over the TTL/protocol word). Returns the new TTL.
///
/// `ipv4_header` is the packet starting at its IPv4 header (the whole packet, or at least the whole header).
///
/// When it refuses (RFC 1812 §5.3.1): a router must not discard a packet merely because it arrived with
/// TTL 0 or 1 if it is addressed to the router itself, so call this only once routing has decided to
/// *forward* the packet. If the TTL is 0 or 1 — i.e. it would reach zero — this returns
/// [`TtlError::Expired`] without touching the buffer, so the caller can quote the packet exactly as received
/// in an ICMP Time Exceeded (type 11, code 0) message, unless the destination is multicast (RFC 1812 §5.3.1
/// and the rules in [`crate::icmp_error`]). This matches Linux's `ip_forward` (`ttl <= 1`).
///
/// The stored checksum is not verified here (RFC 1812 §5.2.2 verification is an ingress stage); if it was
/// wrong it stays wrong by the same amount, so a later verification still catches it (RFC 1624 §1).
pub fn decrement_ttl(ipv4_header: &mut [u8]) -> Result<u8, TtlError> {
    let Some(&ver_ihl) = ipv4_header.first() else {
        return Err(TtlError::Malformed);
    };
    let ihl = usize::from(ver_ihl & 0x0F) * 4;
    if ver_ihl >> 4 != 4 || ihl < MIN_HEADER_LEN || ipv4_header.len() < ihl {
        return Err(TtlError::Malformed);
    }
    // ihl >= 20 and len >= ihl, so these exist; still read them without indexing.
    let (Some(&ttl), Some(&proto), Some(&c_hi), Some(&c_lo)) = (
        ipv4_header.get(TTL_OFFSET),
        ipv4_header.get(TTL_OFFSET + 1),
        ipv4_header.get(CHECKSUM_OFFSET),
        ipv4_header.get(CHECKSUM_OFFSET + 1),
    ) else {
        return Err(TtlError::Malformed);
    };
    if ttl <= 1 {
        return Err(TtlError::Expired { ttl });
    }
    let new_ttl = ttl - 1;
    let old_word = u16::from_be_bytes([ttl, proto]);
    let new_word = u16::from_be_bytes([new_ttl, proto]);
    let new_checksum = update_u16(u16::from_be_bytes([c_hi, c_lo]), old_word, new_word);
    if let Some(t) = ipv4_header.get_mut(TTL_OFFSET) {
        *t = new_ttl;
    }
    if let Some(c) = ipv4_header.get_mut(CHECKSUM_OFFSET..CHECKSUM_OFFSET + 2) {
        c.copy_from_slice(&new_checksum.to_be_bytes());
    }
    Ok(new_ttl)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// SplitMix64: a tiny deterministic PRNG so the property tests are reproducible without dependencies.
    pub(crate) struct Rng(u64);
    impl Rng {
        pub(crate) fn new(seed: u64) -> Self {
            Rng(seed)
        }
        pub(crate) fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        pub(crate) fn below(&mut self, n: usize) -> usize {
            (self.next_u64() % n as u64) as usize
        }
        pub(crate) fn u16(&mut self) -> u16 {
            self.next_u64() as u16
        }
        pub(crate) fn u32(&mut self) -> u32 {
            self.next_u64() as u32
        }
    }

    /// Reference checksum: the textbook bit-serial definition (sum words in u32, fold, complement).
    fn reference(data: &[u8]) -> u16 {
        let mut sum: u32 = 0;
        let mut i = 0;
        while i < data.len() {
            let hi = u32::from(data[i]) << 8;
            let lo = data.get(i + 1).map_or(0, |&b| u32::from(b));
            sum += hi | lo;
            while sum > 0xFFFF {
                sum = (sum & 0xFFFF) + (sum >> 16);
            }
            i += 2;
        }
        !(sum as u16)
    }

    fn header_checksum(h: &[u8]) -> u16 {
        let mut tmp = [0u8; 60];
        tmp[..h.len()].copy_from_slice(h);
        tmp[10] = 0;
        tmp[11] = 0;
        internet_checksum(&tmp[..h.len()])
    }

    fn set_checksum(h: &mut [u8]) {
        let c = header_checksum(h);
        h[10..12].copy_from_slice(&c.to_be_bytes());
    }

    fn random_header(rng: &mut Rng) -> ([u8; 60], usize) {
        let mut h = [0u8; 60];
        let ihl = 5 + rng.below(11);
        for b in h.iter_mut().take(ihl * 4) {
            *b = rng.next_u64() as u8;
        }
        h[0] = 0x40 | ihl as u8;
        let len = ihl * 4;
        set_checksum(&mut h[..len]);
        (h, len)
    }

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3 numerical example: words 0001 f203 f4f5 f6f7 sum to 0xddf2 (folded).
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(ones_complement_sum(&data), 0xddf2);
        assert_eq!(internet_checksum(&data), !0xddf2);
    }

    #[test]
    fn known_ipv4_header() {
        // A classic sample header (Wikipedia "IPv4 header checksum"): checksum 0xb861.
        let mut h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(internet_checksum(&h), 0xb861);
        h[10..12].copy_from_slice(&0xb861u16.to_be_bytes());
        assert!(verify(&h));
        assert_eq!(internet_checksum(&h), 0);
    }

    #[test]
    fn odd_lengths_and_empty() {
        assert_eq!(ones_complement_sum(&[]), 0);
        assert_eq!(internet_checksum(&[]), 0xFFFF);
        assert_eq!(ones_complement_sum(&[0xAB]), 0xAB00);
        assert_eq!(ones_complement_sum(&[0xFF, 0xFF]), 0xFFFF);
        assert_eq!(ones_complement_sum(&[0xFF, 0xFF, 0x00, 0x01]), 0x0001);
        let mut rng = Rng::new(7);
        for len in 0..300 {
            let data: alloc::vec::Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            assert_eq!(internet_checksum(&data), reference(&data), "len {len}");
        }
    }

    #[test]
    fn large_buffers_do_not_overflow() {
        let data = alloc::vec![0xFFu8; 1 << 20];
        assert_eq!(ones_complement_sum(&data), 0xFFFF);
        assert_eq!(internet_checksum(&data), reference(&data));
    }

    #[test]
    fn ones_complement_add_never_makes_plus_zero() {
        assert_eq!(ones_complement_add(0, 0), 0);
        assert_eq!(ones_complement_add(0xFFFF, 0x0001), 0x0001);
        assert_eq!(ones_complement_add(0xFFFF, 0xFFFF), 0xFFFF);
        assert_eq!(ones_complement_add(0x8000, 0x7FFF), 0xFFFF);
        assert_eq!(ones_complement_add(0x8000, 0x8000), 0x0001);
    }

    #[test]
    fn rfc1624_section4_example() {
        // RFC 1624 §4: HC = 0xDD2F, m = 0x5555, m' = 0x3285. Eqn. 3 gives 0x0000 (correct); RFC 1141's
        // eqn. 2 would give 0xFFFF.
        assert_eq!(update_u16(0xDD2F, 0x5555, 0x3285), 0x0000);
        // Build data that realises it: words {0xCD7A, m} where sum(0xCD7A + 0x5555) folded = 0x22D0.
        let before = [0xCD, 0x7A, 0x55, 0x55];
        assert_eq!(internet_checksum(&before), 0xDD2F);
        let after = [0xCD, 0x7A, 0x32, 0x85];
        assert_eq!(internet_checksum(&after), 0x0000);
        // And back again: from a 0x0000 checksum.
        assert_eq!(update_u16(0x0000, 0x3285, 0x5555), 0xDD2F);
    }

    #[test]
    fn no_change_is_identity_for_valid_checksums() {
        for hc in [0x0000u16, 0x0001, 0x1234, 0xFFFE] {
            for m in [0x0000u16, 0x0001, 0xFFFF, 0x4500] {
                assert_eq!(update_u16(hc, m, m), hc, "hc {hc:#x} m {m:#x}");
            }
        }
    }

    /// Property: for random headers and random changes of a random 16-bit word, the RFC 1624 incremental
    /// update equals a full recomputation. 200k cases.
    #[test]
    fn prop_update_u16_matches_full_recompute() {
        let mut rng = Rng::new(0x1624);
        for case in 0..200_000 {
            let (mut h, len) = random_header(&mut rng);
            let old_c = u16::from_be_bytes([h[10], h[11]]);
            // Any word except the checksum word (index 5).
            let mut w = rng.below(len / 2);
            if w == 5 {
                w = 4;
            }
            let old = u16::from_be_bytes([h[2 * w], h[2 * w + 1]]);
            let new = match case % 8 {
                0 => 0x0000,
                1 => 0xFFFF,
                2 => old,
                3 => !old,
                _ => rng.u16(),
            };
            // Keep the version nibble so the header is never all-zero (the documented precondition).
            let new = if w == 0 { (new & 0x0FFF) | 0x4000 } else { new };
            h[2 * w..2 * w + 2].copy_from_slice(&new.to_be_bytes());
            let inc = update_u16(old_c, old, new);
            assert_eq!(inc, header_checksum(&h[..len]), "case {case}");
            h[10..12].copy_from_slice(&inc.to_be_bytes());
            assert!(verify(&h[..len]));
        }
    }

    /// Property: 32-bit (address) changes, as NAT will do. 200k cases, on either address field.
    #[test]
    fn prop_update_u32_matches_full_recompute() {
        let mut rng = Rng::new(0xADD2);
        for case in 0..200_000 {
            let (mut h, len) = random_header(&mut rng);
            let old_c = u16::from_be_bytes([h[10], h[11]]);
            let at = if rng.below(2) == 0 { 12 } else { 16 };
            let old = u32::from_be_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
            let new = match case % 6 {
                0 => 0,
                1 => u32::MAX,
                2 => old,
                _ => rng.u32(),
            };
            h[at..at + 4].copy_from_slice(&new.to_be_bytes());
            assert_eq!(
                update_u32(old_c, old, new),
                header_checksum(&h[..len]),
                "case {case}"
            );
        }
    }

    /// RFC 1624 §3-4 corner cases: headers whose checksum is 0x0000 (sum = 0xFFFF) before and/or after
    /// the change, and words flipping between 0x0000 and 0xFFFF (equal mod 0xFFFF, so the checksum must
    /// stay exactly the same). We construct them by solving for the identification word.
    #[test]
    fn prop_corner_cases_zero_checksum() {
        let mut rng = Rng::new(0xC0C0);
        let mut zero_after = 0;
        for case in 0..100_000 {
            let (mut h, len) = random_header(&mut rng);
            let w = [1usize, 3, 4, 6, 7, 8, 9][rng.below(7)];
            // Sometimes start the changed word at 0x0000 / 0xFFFF.
            match case % 4 {
                0 => h[2 * w..2 * w + 2].copy_from_slice(&[0x00, 0x00]),
                1 => h[2 * w..2 * w + 2].copy_from_slice(&[0xFF, 0xFF]),
                _ => {}
            }
            // Solve the identification word (2) so that the checksum is exactly 0x0000: s + !s = 0xFFFF.
            h[4..6].copy_from_slice(&[0, 0]);
            h[10..12].copy_from_slice(&[0, 0]);
            let s = ones_complement_sum(&h[..len]);
            h[4..6].copy_from_slice(&(!s).to_be_bytes());
            let hc = header_checksum(&h[..len]);
            assert_eq!(hc, 0x0000);
            let old = u16::from_be_bytes([h[2 * w], h[2 * w + 1]]);
            let new = match case % 4 {
                0 => 0xFFFF,
                1 => 0x0000,
                2 => !old,
                _ => rng.u16(),
            };
            h[2 * w..2 * w + 2].copy_from_slice(&new.to_be_bytes());
            let full = header_checksum(&h[..len]);
            if full == 0 {
                zero_after += 1;
            }
            assert_eq!(update_u16(hc, old, new), full, "case {case}");
            // The reverse change starting from whatever checksum we got.
            assert_eq!(update_u16(full, new, old), 0x0000, "reverse case {case}");
        }
        // The 0x0000 <-> 0xFFFF flips (half the cases) must keep a 0x0000 checksum.
        assert!(zero_after >= 50_000, "{zero_after}");
    }

    #[test]
    fn ttl_decrement_patches_checksum() {
        let mut h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(decrement_ttl(&mut h), Ok(63));
        assert_eq!(h[8], 63);
        assert!(verify(&h));
        assert_eq!(u16::from_be_bytes([h[10], h[11]]), header_checksum(&h));
    }

    #[test]
    fn ttl_expired_leaves_packet_untouched() {
        for ttl in [0u8, 1] {
            let mut h = [0u8; 20];
            h[0] = 0x45;
            h[8] = ttl;
            h[9] = 6;
            set_checksum(&mut h);
            let before = h;
            assert_eq!(decrement_ttl(&mut h), Err(TtlError::Expired { ttl }));
            assert_eq!(h, before);
        }
        let mut h = [0u8; 20];
        h[0] = 0x45;
        h[8] = 2;
        set_checksum(&mut h);
        assert_eq!(decrement_ttl(&mut h), Ok(1));
        assert!(verify(&h));
    }

    #[test]
    fn ttl_malformed_inputs() {
        let mut buf = [0u8; 64];
        buf[0] = 0x45;
        buf[8] = 64;
        for len in 0..20 {
            let before = buf;
            assert_eq!(
                decrement_ttl(&mut buf[..len]),
                Err(TtlError::Malformed),
                "len {len}"
            );
            assert_eq!(buf, before);
        }
        buf[0] = 0x46; // IHL 6 = 24 bytes
        assert_eq!(decrement_ttl(&mut buf[..23]), Err(TtlError::Malformed));
        assert!(decrement_ttl(&mut buf[..24]).is_ok());
        buf[0] = 0x44; // IHL 4
        assert_eq!(decrement_ttl(&mut buf[..40]), Err(TtlError::Malformed));
        buf[0] = 0x65; // version 6
        assert_eq!(decrement_ttl(&mut buf[..40]), Err(TtlError::Malformed));
    }

    /// Property: TTL decrement on random valid headers always leaves a valid checksum equal to a full
    /// recomputation. 100k cases, all TTLs.
    #[test]
    fn prop_ttl_decrement() {
        let mut rng = Rng::new(0x771);
        for case in 0..100_000 {
            let (mut h, len) = random_header(&mut rng);
            h[8] = (case % 256) as u8;
            set_checksum(&mut h[..len]);
            match decrement_ttl(&mut h[..len]) {
                Ok(t) => {
                    assert_eq!(t, (case % 256) as u8 - 1);
                    assert!(verify(&h[..len]));
                    assert_eq!(
                        u16::from_be_bytes([h[10], h[11]]),
                        header_checksum(&h[..len])
                    );
                }
                Err(TtlError::Expired { ttl }) => assert!(ttl <= 1),
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
    }
}
