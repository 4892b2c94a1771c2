//! IPv4 fragment reassembly in front of connection tracking, as Linux's `nf_defrag_ipv4` does
//! (RFC 791 §3.2 "An Example Reassembly Procedure"; RFC 1812 §5.2.6; RFC 815 for the hole bookkeeping).
//!
//! A router does not reassemble datagrams in transit (RFC 1812 §5.2.6), but a stateful firewall must see
//! whole datagrams: Linux reassembles before conntrack and, on output, refragments a forwarded datagram to
//! the size of the largest fragment it was built from ([`Reassembly::Complete::max_fragment_len`], Linux's
//! `frag_max_size`; see [`crate::fragment`]).
//!
//! [`Reassembler::push`] takes one IPv4 packet. A packet that is not a fragment (MF clear and offset 0) is
//! [`Reassembly::NotFragment`]; a fragment is held ([`Reassembly::Pending`]) until its datagram is whole,
//! then the datagram is appended to the caller's buffer ([`Reassembly::Complete`]), or the fragment is
//! refused ([`Reassembly::Dropped`]). Datagrams are keyed by (source, destination, protocol,
//! identification) (RFC 791 §3.2). [`Reassembler::poll`] expires datagrams that were not completed within
//! the timeout; those whose first fragment had arrived are reported ([`Reassembler::drain_expired`]) so the
//! engine may send ICMP Time Exceeded, code 1 "fragment reassembly time exceeded" (RFC 792; Linux does so
//! only for datagrams addressed to the router itself when defragmenting for conntrack).
//!
//! # What it guarantees
//!
//! - No panics on any input, no `unsafe`: every header field is read with bounds checks, arithmetic on
//!   offsets cannot overflow (at most 65528 + 65535), and ranges are taken with `get`.
//! - Bounded memory ([`ReassemblyConfig`]): at most `max_datagrams` datagrams in progress and at most
//!   `max_bytes` buffered, where each stored fragment costs its payload plus [`FRAGMENT_OVERHEAD`] (so a
//!   flood of 8-byte fragments is charged fairly, as Linux charges `truesize`), and the first fragment's
//!   header is charged too. When a new datagram or a new fragment does not fit, the *oldest* datagram in
//!   progress (by first arrival) is evicted and counted; a fragment that does not fit even when its own
//!   datagram is the only one left drops that datagram ([`ReassemblyDrop::MemoryLimit`]). Fragments are
//!   stored as they arrive (a sorted, non-overlapping list, i.e. RFC 815's holes are the gaps between
//!   them), so a fragment at a high offset does not reserve the bytes before it. Expiry reports are at
//!   most `max_expired_reports` (further ones are not kept; the timeouts are still counted).
//! - Timeout: a datagram is dropped `timeout` after its first fragment arrived (30 s by default, Linux
//!   `ipfrag_time`); the timer is not restarted by later fragments (Linux). Expiry happens in
//!   [`Reassembler::poll`] and also at the start of every `push` that carries a fragment, so a stale
//!   datagram never absorbs new fragments. A clock that goes backwards expires nothing.
//! - The reassembled datagram is the first fragment's header (with its options, TTL and TOS) with Total
//!   Length set, MF cleared, offset 0, the reserved bit cleared, DF set only if the largest fragment carried
//!   DF (Linux `max_df_size == max_size`), ECN merged per RFC 3168 §5.3 (any CE → CE), and the header
//!   checksum recomputed (RFC 1071), followed by the payloads in offset order. Bytes past a fragment's
//!   Total Length (link padding) are ignored; the header checksum of fragments is not re-verified (the
//!   ingress stage did it, RFC 1812 §5.2.2).
//!
//! # What it drops ([`ReassemblyDrop`])
//!
//! - Tiny-fragment attack (RFC 1858 §3.2, RFC 3128): a TCP fragment at offset 1 (8 bytes) would rewrite
//!   the TCP flags of the first fragment; the fragment is dropped (the datagram is kept, and times out if
//!   it cannot complete).
//! - Overlapping fragments (RFC 1858 §4, RFC 3128, RFC 5722 for IPv6, Linux since 4.19/2018 "FragmentSmack"):
//!   a fragment that partially overlaps what was received, or that lies within received data but carries
//!   different bytes, drops the whole datagram. An exact or contained duplicate with identical bytes is
//!   ignored (Linux ignores contained duplicates without comparing; we compare, so a forged "duplicate"
//!   cannot go unnoticed).
//! - Inconsistent lengths (Linux counts these as overlaps too): a last fragment that ends before data
//!   already received or disagrees with an earlier last fragment, a fragment past a known end, or a
//!   fragment without payload, drop the datagram. A non-last fragment whose payload is not a multiple of 8
//!   is trimmed to a multiple of 8, as Linux does.
//! - Oversize ("ping of death", RFC 791 §3.1 Total Length is 16 bits): a fragment that would make the
//!   datagram longer than 65535 bytes (first header + payload; 20 bytes assumed until the first fragment
//!   is seen) drops the datagram.
//! - ECN: a datagram mixing Not-ECT with ECT/CE fragments is dropped on completion (RFC 3168 §5.3, Linux
//!   `ip_frag_ecn_table`).
//! - A packet whose header cannot be parsed (version, IHL, Total Length) is [`ReassemblyDrop::Malformed`].
//!
//! Not done (Linux specific tuning): `ipfrag_max_dist` disorder detection.

use alloc::vec::Vec;

use crate::checksum::internet_checksum;
use crate::{Duration, Instant};

/// Largest IPv4 datagram (RFC 791 §3.1: Total Length is 16 bits).
pub const MAX_DATAGRAM_LEN: usize = 65535;
/// Bytes charged per stored fragment on top of its payload (bookkeeping and allocator overhead).
pub const FRAGMENT_OVERHEAD: usize = 64;
/// Default reassembly timeout (Linux `ipfrag_time`, 30 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

const MIN_HEADER_LEN: usize = 20;
const FLAG_DF: u16 = 0x4000;
const FLAG_MF: u16 = 0x2000;
const OFFSET_MASK: u16 = 0x1FFF;
const PROTO_TCP: u8 = 6;
/// ECN codepoints in the low two bits of the TOS octet (RFC 3168 §5).
const ECN_MASK: u8 = 0x03;
const ECN_NOT_ECT: u8 = 0;
const ECN_CE: u8 = 0x03;

/// Limits of a [`Reassembler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReassemblyConfig {
    /// Datagrams in progress at once (default 64). 0 refuses every fragment.
    pub max_datagrams: usize,
    /// Bytes buffered across all datagrams (default 256 KiB, Linux `ipfrag_high_thresh` scaled down);
    /// each fragment costs its payload plus [`FRAGMENT_OVERHEAD`].
    pub max_bytes: usize,
    /// Time from a datagram's first fragment to its expiry (default [`DEFAULT_TIMEOUT`]).
    pub timeout: Duration,
    /// Expired datagrams kept for [`Reassembler::drain_expired`] (default 8).
    pub max_expired_reports: usize,
}

impl Default for ReassemblyConfig {
    fn default() -> Self {
        Self {
            max_datagrams: 64,
            max_bytes: 256 * 1024,
            timeout: DEFAULT_TIMEOUT,
            max_expired_reports: 8,
        }
    }
}

/// What [`Reassembler::push`] did with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reassembly {
    /// Not a fragment (MF clear, offset 0): use the packet as it is. Nothing was buffered.
    NotFragment,
    /// The datagram is complete and was appended to `out`.
    Complete {
        /// Total Length of the largest fragment it was built from: refragment forwarded datagrams to at
        /// most this size (Linux `frag_max_size`).
        max_fragment_len: u16,
    },
    /// The fragment is held until the rest of its datagram arrives (or it was an identical duplicate).
    Pending,
    /// The fragment was refused; for most reasons its whole datagram was discarded (see the module docs).
    Dropped(ReassemblyDrop),
}

/// Why a fragment was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReassemblyDrop {
    /// Unparseable IPv4 header (version, IHL, Total Length). Nothing else was touched.
    Malformed,
    /// A TCP fragment at offset 1 (RFC 1858 §3.2). Only this fragment is dropped.
    TinyFragment,
    /// The datagram would exceed 65535 bytes; the datagram is discarded.
    Oversize,
    /// Partial overlap, or overlap with different data; the datagram is discarded.
    Overlap,
    /// Inconsistent end (two different last fragments, data past the end) or an empty fragment; the
    /// datagram is discarded.
    BadLength,
    /// Not-ECT fragments mixed with ECT/CE ones (RFC 3168 §5.3); the datagram is discarded.
    EcnConflict,
    /// The fragment does not fit the memory limits even after evicting every other datagram (or
    /// `max_datagrams` is 0); its datagram is discarded.
    MemoryLimit,
}

/// Counters (monotonic, except `pending` and `buffered_bytes`, which are the current state).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReassemblyStats {
    /// Fragments pushed (packets with MF set or a non-zero offset).
    pub fragments: u64,
    /// Datagrams completed.
    pub reassembled: u64,
    /// Datagrams in progress now.
    pub pending: usize,
    /// Bytes charged now (see [`ReassemblyConfig::max_bytes`]).
    pub buffered_bytes: usize,
    /// Datagrams expired by the timeout.
    pub timeouts: u64,
    /// Datagrams discarded for overlapping fragments.
    pub overlaps: u64,
    /// Datagrams evicted to make room for others.
    pub evictions: u64,
    /// Datagrams (or lone fragments) discarded for exceeding 65535 bytes.
    pub oversize: u64,
    /// TCP fragments at offset 1 dropped.
    pub tiny: u64,
    /// Identical duplicate fragments ignored.
    pub duplicates: u64,
    /// Datagrams discarded for inconsistent lengths or empty fragments.
    pub bad_length: u64,
    /// Datagrams discarded for an ECN conflict.
    pub ecn_conflicts: u64,
    /// Datagrams discarded because they alone exceed the memory limits.
    pub memory_limit: u64,
    /// Packets whose header could not be parsed.
    pub malformed: u64,
}

/// A datagram that timed out after its first fragment arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiredDatagram {
    /// The first fragment (offset 0) as received: header with options, then its payload (for a non-last
    /// fragment, trimmed to a multiple of 8 bytes). Quote it in ICMP Time Exceeded, code 1.
    pub first_fragment: Vec<u8>,
}

/// Identifies the datagram a fragment belongs to (RFC 791 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    src: [u8; 4],
    dst: [u8; 4],
    protocol: u8,
    id: u16,
}

/// A received fragment's payload at its byte offset in the datagram.
struct Fragment {
    offset: usize,
    data: Vec<u8>,
}

impl Fragment {
    fn end(&self) -> usize {
        self.offset.saturating_add(self.data.len())
    }
}

struct Datagram {
    key: Key,
    /// Arrival of the first fragment (expiry).
    created: Instant,
    /// Creation order (eviction picks the smallest).
    seq: u64,
    /// Sorted by offset, non-overlapping, none empty.
    fragments: Vec<Fragment>,
    /// Header of the offset-0 fragment, as received.
    first_header: Option<Vec<u8>>,
    /// Payload bytes received (no overlaps are stored, so this equals the covered length).
    received: usize,
    /// Payload length, once the last fragment (MF clear) arrived.
    total: Option<usize>,
    /// Highest end of any fragment.
    max_end: usize,
    /// Bytes charged to the memory budget.
    charged: usize,
    max_fragment_len: usize,
    max_df_fragment_len: usize,
    /// Bit `1 << codepoint` for each ECN codepoint seen.
    ecn_seen: u8,
}

/// A parsed fragment (borrowing the packet).
struct Parsed<'a> {
    key: Key,
    header: &'a [u8],
    payload: &'a [u8],
    tos: u8,
    mf: bool,
    df: bool,
    offset_units: u16,
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    match bytes.get(at..at.checked_add(2)?) {
        Some(&[hi, lo]) => Some(u16::from_be_bytes([hi, lo])),
        _ => None,
    }
}

fn addr(bytes: &[u8], at: usize) -> Option<[u8; 4]> {
    match bytes.get(at..at.checked_add(4)?) {
        Some(&[a, b, c, d]) => Some([a, b, c, d]),
        _ => None,
    }
}

fn parse(l3: &[u8]) -> Option<Parsed<'_>> {
    let ver_ihl = *l3.first()?;
    let ihl = usize::from(ver_ihl & 0x0F) * 4;
    if ver_ihl >> 4 != 4 || ihl < MIN_HEADER_LEN {
        return None;
    }
    let total = usize::from(be16(l3, 2)?);
    if total < ihl {
        return None;
    }
    let datagram = l3.get(..total)?;
    let header = datagram.get(..ihl)?;
    let payload = datagram.get(ihl..)?;
    let flags_offset = be16(header, 6)?;
    Some(Parsed {
        key: Key {
            src: addr(header, 12)?,
            dst: addr(header, 16)?,
            protocol: *header.get(9)?,
            id: be16(header, 4)?,
        },
        header,
        payload,
        tos: *header.get(1)?,
        mf: flags_offset & FLAG_MF != 0,
        df: flags_offset & FLAG_DF != 0,
        offset_units: flags_offset & OFFSET_MASK,
    })
}

/// Where a new fragment `[offset, offset + payload.len())` goes among the received ones.
enum Placement {
    /// No overlap: insert at this index.
    Insert(usize),
    /// Entirely within received data, with identical bytes.
    Duplicate,
    /// Partial overlap or different bytes.
    Overlap,
}

fn place(fragments: &[Fragment], offset: usize, payload: &[u8]) -> Placement {
    let end = offset.saturating_add(payload.len());
    // Ends are increasing (sorted, non-overlapping), so this is a valid partition.
    let first = fragments.partition_point(|f| f.end() <= offset);
    let mut pos = offset;
    let mut overlapped = false;
    for f in fragments.get(first..).unwrap_or(&[]) {
        if f.offset >= end || pos >= end {
            break;
        }
        overlapped = true;
        if f.offset > pos {
            // A gap in the received data: the new fragment adds bytes and overlaps others.
            return Placement::Overlap;
        }
        let stop = end.min(f.end());
        let new = pos
            .checked_sub(offset)
            .zip(stop.checked_sub(offset))
            .and_then(|(a, b)| payload.get(a..b));
        let old = pos
            .checked_sub(f.offset)
            .zip(stop.checked_sub(f.offset))
            .and_then(|(a, b)| f.data.get(a..b));
        match (new, old) {
            (Some(a), Some(b)) if a == b => {}
            _ => return Placement::Overlap,
        }
        pos = stop;
    }
    if !overlapped {
        Placement::Insert(first)
    } else if pos >= end {
        Placement::Duplicate
    } else {
        Placement::Overlap
    }
}

fn set_bytes(buf: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = at
        .checked_add(bytes.len())
        .and_then(|end| buf.get_mut(at..end))
    {
        dst.copy_from_slice(bytes);
    }
}

/// IPv4 fragment reassembly with bounded memory. See the module docs.
pub struct Reassembler {
    config: ReassemblyConfig,
    datagrams: Vec<Datagram>,
    buffered: usize,
    next_seq: u64,
    stats: ReassemblyStats,
    expired: Vec<ExpiredDatagram>,
}

impl Reassembler {
    pub fn new(config: ReassemblyConfig) -> Self {
        Self {
            config,
            datagrams: Vec::new(),
            buffered: 0,
            next_seq: 0,
            stats: ReassemblyStats::default(),
            expired: Vec::new(),
        }
    }

    pub fn config(&self) -> &ReassemblyConfig {
        &self.config
    }

    /// Counters, with the current `pending` and `buffered_bytes`.
    pub fn stats(&self) -> ReassemblyStats {
        ReassemblyStats {
            pending: self.datagrams.len(),
            buffered_bytes: self.buffered,
            ..self.stats
        }
    }

    /// Datagrams in progress.
    pub fn pending(&self) -> usize {
        self.datagrams.len()
    }

    /// Bytes charged to the memory budget.
    pub fn buffered_bytes(&self) -> usize {
        self.buffered
    }

    /// Discards every datagram in progress and every expiry report (counters are kept).
    pub fn clear(&mut self) {
        self.datagrams.clear();
        self.buffered = 0;
        self.expired.clear();
    }

    /// Takes one IPv4 packet (`l3` starts at its header; bytes past Total Length are ignored). On
    /// [`Reassembly::Complete`] the whole datagram is appended to `out`; otherwise `out` is untouched.
    pub fn push(&mut self, l3: &[u8], now: Instant, out: &mut Vec<u8>) -> Reassembly {
        let Some(frag) = parse(l3) else {
            self.stats.malformed += 1;
            return Reassembly::Dropped(ReassemblyDrop::Malformed);
        };
        if !frag.mf && frag.offset_units == 0 {
            return Reassembly::NotFragment;
        }
        self.expire(now);
        self.stats.fragments += 1;
        match self.insert(&frag, now) {
            Ok(idx) => self.try_complete(idx, out),
            Err(result) => result,
        }
    }

    /// Expires datagrams older than the timeout; returns how many.
    pub fn poll(&mut self, now: Instant) -> usize {
        self.expire(now)
    }

    /// The datagrams that expired with their first fragment present, oldest first (at most
    /// `max_expired_reports` are kept between drains).
    pub fn drain_expired(&mut self) -> alloc::vec::Drain<'_, ExpiredDatagram> {
        self.expired.drain(..)
    }

    fn expire(&mut self, now: Instant) -> usize {
        let timeout = self.config.timeout.total_micros();
        let mut count = 0;
        let mut i = 0;
        while let Some(dg) = self.datagrams.get(i) {
            let elapsed = now.total_micros().saturating_sub(dg.created.total_micros());
            if u64::try_from(elapsed).is_ok_and(|e| e >= timeout) {
                if let Some(dg) = self.remove(i) {
                    count += 1;
                    self.stats.timeouts += 1;
                    self.report_expired(dg);
                }
            } else {
                i += 1;
            }
        }
        count
    }

    fn report_expired(&mut self, dg: Datagram) {
        if self.expired.len() >= self.config.max_expired_reports {
            return;
        }
        let Some(mut first_fragment) = dg.first_header else {
            return;
        };
        if let Some(f) = dg.fragments.first().filter(|f| f.offset == 0) {
            first_fragment.extend_from_slice(&f.data);
        }
        self.expired.push(ExpiredDatagram { first_fragment });
    }

    fn position(&self, key: &Key) -> Option<usize> {
        self.datagrams.iter().position(|d| d.key == *key)
    }

    fn remove(&mut self, idx: usize) -> Option<Datagram> {
        if idx >= self.datagrams.len() {
            return None;
        }
        let dg = self.datagrams.swap_remove(idx);
        self.buffered = self.buffered.saturating_sub(dg.charged);
        Some(dg)
    }

    fn remove_key(&mut self, key: &Key) {
        if let Some(i) = self.position(key) {
            self.remove(i);
        }
    }

    /// Evicts the oldest datagram other than `keep`; false if there is none.
    fn evict_oldest(&mut self, keep: Option<&Key>) -> bool {
        let oldest = self
            .datagrams
            .iter()
            .enumerate()
            .filter(|(_, d)| keep != Some(&d.key))
            .min_by_key(|(_, d)| d.seq)
            .map(|(i, _)| i);
        match oldest.and_then(|i| self.remove(i)) {
            Some(_) => {
                self.stats.evictions += 1;
                true
            }
            None => false,
        }
    }

    /// Stores the fragment; returns the index of its datagram, or the result to return.
    fn insert(&mut self, frag: &Parsed<'_>, now: Instant) -> Result<usize, Reassembly> {
        let key = frag.key;
        if frag.key.protocol == PROTO_TCP && frag.offset_units == 1 {
            self.stats.tiny += 1;
            return Err(Reassembly::Dropped(ReassemblyDrop::TinyFragment));
        }
        let offset = usize::from(frag.offset_units) * 8;
        // Non-last fragments carry multiples of 8 bytes; Linux trims the excess.
        let payload = if frag.mf {
            frag.payload
                .get(..frag.payload.len() & !7)
                .unwrap_or_default()
        } else {
            frag.payload
        };
        let end = offset.saturating_add(payload.len());
        struct Existing {
            first_header_len: Option<usize>,
            max_end: usize,
            total: Option<usize>,
            placement: Placement,
        }
        let existing = self
            .position(&key)
            .and_then(|i| self.datagrams.get(i))
            .map(|d| Existing {
                first_header_len: d.first_header.as_ref().map(Vec::len),
                max_end: d.max_end,
                total: d.total,
                placement: place(&d.fragments, offset, payload),
            });

        let discard = |this: &mut Self, reason: ReassemblyDrop| {
            this.remove_key(&key);
            let counter = match reason {
                ReassemblyDrop::Oversize => &mut this.stats.oversize,
                ReassemblyDrop::Overlap => &mut this.stats.overlaps,
                ReassemblyDrop::EcnConflict => &mut this.stats.ecn_conflicts,
                ReassemblyDrop::MemoryLimit => &mut this.stats.memory_limit,
                ReassemblyDrop::Malformed => &mut this.stats.malformed,
                ReassemblyDrop::TinyFragment => &mut this.stats.tiny,
                ReassemblyDrop::BadLength => &mut this.stats.bad_length,
            };
            *counter += 1;
            Err(Reassembly::Dropped(reason))
        };

        if payload.is_empty() {
            return discard(self, ReassemblyDrop::BadLength);
        }
        let first_header_len = existing.as_ref().and_then(|e| e.first_header_len);
        let header_len = match first_header_len {
            Some(len) => len,
            None if offset == 0 => frag.header.len(),
            None => MIN_HEADER_LEN,
        };
        let max_end = end.max(existing.as_ref().map_or(0, |e| e.max_end));
        if header_len.saturating_add(max_end) > MAX_DATAGRAM_LEN {
            return discard(self, ReassemblyDrop::Oversize);
        }
        if let Some(e) = &existing {
            let bad = if frag.mf {
                e.total.is_some_and(|t| end > t)
            } else {
                end < e.max_end || e.total.is_some_and(|t| t != end)
            };
            if bad {
                return discard(self, ReassemblyDrop::BadLength);
            }
            match e.placement {
                Placement::Insert(_) => {}
                Placement::Duplicate => {
                    self.stats.duplicates += 1;
                    return Err(Reassembly::Pending);
                }
                Placement::Overlap => return discard(self, ReassemblyDrop::Overlap),
            }
        }

        // Room for the datagram, then for the bytes.
        if existing.is_none() {
            if self.config.max_datagrams == 0 {
                return discard(self, ReassemblyDrop::MemoryLimit);
            }
            while self.datagrams.len() >= self.config.max_datagrams {
                if !self.evict_oldest(None) {
                    break;
                }
            }
        }
        let header_charge = if offset == 0 && first_header_len.is_none() {
            frag.header.len()
        } else {
            0
        };
        let charge = payload
            .len()
            .saturating_add(FRAGMENT_OVERHEAD)
            .saturating_add(header_charge);
        while self.buffered.saturating_add(charge) > self.config.max_bytes {
            if !self.evict_oldest(Some(&key)) {
                return discard(self, ReassemblyDrop::MemoryLimit);
            }
        }

        let idx = match self.position(&key) {
            Some(i) => i,
            None => {
                self.datagrams.push(Datagram {
                    key,
                    created: now,
                    seq: self.next_seq,
                    fragments: Vec::new(),
                    first_header: None,
                    received: 0,
                    total: None,
                    max_end: 0,
                    charged: 0,
                    max_fragment_len: 0,
                    max_df_fragment_len: 0,
                    ecn_seen: 0,
                });
                self.next_seq = self.next_seq.wrapping_add(1);
                self.datagrams.len() - 1
            }
        };
        let Some(d) = self.datagrams.get_mut(idx) else {
            return discard(self, ReassemblyDrop::MemoryLimit);
        };
        // Evictions only touched other datagrams, so the placement computed above still holds; recompute
        // it (cheap) rather than carry an index across the mutation.
        let Placement::Insert(at) = place(&d.fragments, offset, payload) else {
            return discard(self, ReassemblyDrop::Overlap);
        };
        d.fragments.insert(
            at,
            Fragment {
                offset,
                data: payload.to_vec(),
            },
        );
        if header_charge > 0 {
            d.first_header = Some(frag.header.to_vec());
        }
        d.received = d.received.saturating_add(payload.len());
        d.max_end = max_end;
        if !frag.mf {
            d.total = Some(end);
        }
        d.charged = d.charged.saturating_add(charge);
        let frag_len = frag.header.len().saturating_add(payload.len());
        d.max_fragment_len = d.max_fragment_len.max(frag_len);
        if frag.df {
            d.max_df_fragment_len = d.max_df_fragment_len.max(frag_len);
        }
        d.ecn_seen |= 1 << (frag.tos & ECN_MASK);
        self.buffered = self.buffered.saturating_add(charge);
        Ok(idx)
    }

    /// If the datagram at `idx` is whole, appends it to `out` and forgets it.
    fn try_complete(&mut self, idx: usize, out: &mut Vec<u8>) -> Reassembly {
        let whole = self
            .datagrams
            .get(idx)
            .is_some_and(|d| d.first_header.is_some() && d.total.is_some_and(|t| t == d.received));
        if !whole {
            return Reassembly::Pending;
        }
        let Some(d) = self.remove(idx) else {
            return Reassembly::Pending;
        };
        // RFC 3168 §5.3 / Linux ip_frag_ecn_table.
        let not_ect = 1u8 << ECN_NOT_ECT;
        if d.ecn_seen & not_ect != 0 && d.ecn_seen != not_ect {
            self.stats.ecn_conflicts += 1;
            return Reassembly::Dropped(ReassemblyDrop::EcnConflict);
        }
        let ce = d.ecn_seen & (1 << ECN_CE) != 0;
        let (Some(mut header), Some(payload_len)) = (d.first_header, d.total) else {
            return Reassembly::Pending;
        };
        let (Ok(total_len), Ok(max_fragment_len)) = (
            u16::try_from(header.len().saturating_add(payload_len)),
            u16::try_from(d.max_fragment_len),
        ) else {
            self.stats.oversize += 1;
            return Reassembly::Dropped(ReassemblyDrop::Oversize);
        };
        set_bytes(&mut header, 2, &total_len.to_be_bytes());
        let flags = if d.max_df_fragment_len == d.max_fragment_len {
            FLAG_DF
        } else {
            0
        };
        set_bytes(&mut header, 6, &flags.to_be_bytes());
        if ce && let Some(tos) = header.get_mut(1) {
            *tos |= ECN_CE;
        }
        set_bytes(&mut header, 10, &[0, 0]);
        let sum = internet_checksum(&header);
        set_bytes(&mut header, 10, &sum.to_be_bytes());

        out.reserve(usize::from(total_len));
        out.extend_from_slice(&header);
        for f in &d.fragments {
            out.extend_from_slice(&f.data);
        }
        self.stats.reassembled += 1;
        Reassembly::Complete { max_fragment_len }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::tests::Rng;
    use crate::checksum::verify;
    use crate::fragment::fragment;
    use alloc::vec;

    const UDP: u8 = 17;
    const TCP: u8 = 6;

    fn t(ms: i64) -> Instant {
        Instant::from_millis(ms)
    }

    fn checksum(p: &mut [u8], ihl: usize) {
        p[10..12].copy_from_slice(&[0, 0]);
        let c = internet_checksum(&p[..ihl]);
        p[10..12].copy_from_slice(&c.to_be_bytes());
    }

    /// A packet with the given header fields; `options` padded with zeros to 4 bytes.
    #[allow(clippy::too_many_arguments)]
    fn packet(
        src: u8,
        protocol: u8,
        id: u16,
        tos: u8,
        flags_offset: u16,
        options: &[u8],
        payload: &[u8],
    ) -> Vec<u8> {
        let ihl = 20 + options.len().next_multiple_of(4);
        let total = ihl + payload.len();
        let mut p = vec![0u8; total];
        p[0] = 0x40 | (ihl / 4) as u8;
        p[1] = tos;
        p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
        p[4..6].copy_from_slice(&id.to_be_bytes());
        p[6..8].copy_from_slice(&flags_offset.to_be_bytes());
        p[8] = 64;
        p[9] = protocol;
        p[12..16].copy_from_slice(&[10, 0, 0, src]);
        p[16..20].copy_from_slice(&[192, 0, 2, 1]);
        p[20..20 + options.len()].copy_from_slice(options);
        p[ihl..].copy_from_slice(payload);
        checksum(&mut p, ihl);
        p
    }

    /// A fragment of a UDP datagram from 10.0.0.1 with id 7: offset in 8-byte units.
    fn frag(offset_units: u16, mf: bool, payload: &[u8]) -> Vec<u8> {
        let fo = offset_units | if mf { FLAG_MF } else { 0 };
        packet(1, UDP, 7, 0, fo, &[], payload)
    }

    fn bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
        (0..n).map(|_| rng.next_u64() as u8).collect()
    }

    /// Random well-formed options: NOP, Router Alert (copied), a non-copied timestamp-like option.
    fn options(rng: &mut Rng) -> Vec<u8> {
        let mut o = Vec::new();
        for _ in 0..rng.below(8) {
            let opt: &[u8] = match rng.below(3) {
                0 => &[1],
                1 => &[0x94, 4, 0, 0],
                _ => &[0x44, 8, 5, 0, 1, 2, 3, 4],
            };
            if o.len() + opt.len() <= 40 {
                o.extend_from_slice(opt);
            }
        }
        o
    }

    fn split(datagram: &[u8], mtu: u16) -> Vec<Vec<u8>> {
        let mut scratch = vec![0u8; usize::from(mtu)];
        let mut frags = Vec::new();
        fragment(datagram, mtu, &mut scratch, |f| frags.push(f.to_vec())).unwrap();
        frags
    }

    fn shuffle<T>(rng: &mut Rng, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, rng.below(i + 1));
        }
    }

    /// Accounting invariants that must hold after every operation.
    fn check_invariants(r: &Reassembler) {
        let charged: usize = r.datagrams.iter().map(|d| d.charged).sum();
        assert_eq!(r.buffered, charged);
        assert!(r.buffered <= r.config.max_bytes);
        assert!(r.datagrams.len() <= r.config.max_datagrams);
        assert!(r.expired.len() <= r.config.max_expired_reports);
        for d in &r.datagrams {
            let mut prev_end = 0;
            let mut sum = 0;
            for f in &d.fragments {
                assert!(f.offset >= prev_end && !f.data.is_empty());
                prev_end = f.end();
                sum += f.data.len();
            }
            assert_eq!(sum, d.received);
            assert!(d.max_end >= prev_end);
            if let Some(t) = d.total {
                assert_eq!(t, d.max_end);
            }
        }
    }

    fn random_size(rng: &mut Rng, case: usize, max: usize) -> usize {
        match case % 5 {
            0 => max,
            1 => 1 + rng.below(100),
            2 => 1 + rng.below(3000),
            3 => 1 + rng.below(20_000),
            _ => 1 + rng.below(max),
        }
    }

    /// In-order, reverse and shuffled fragments (with identical duplicates) give back the datagram.
    #[test]
    fn prop_reassembles_any_order() {
        let mut rng = Rng::new(0x791);
        let mut r = Reassembler::new(ReassemblyConfig::default());
        let (mut completed, mut whole) = (0, 0);
        for case in 0..600 {
            let opts = if case % 2 == 0 {
                options(&mut rng)
            } else {
                Vec::new()
            };
            let ihl = 20 + opts.len().next_multiple_of(4);
            let len = random_size(&mut rng, case, MAX_DATAGRAM_LEN - ihl);
            let proto = if opts.is_empty() && case % 4 == 1 {
                TCP
            } else {
                UDP
            };
            let tos = (rng.below(64) as u8) << 2;
            let original = packet(3, proto, case as u16, tos, 0, &opts, &bytes(&mut rng, len));
            let mtu = match case % 3 {
                0 => 68 + rng.below(100) as u16,
                1 => 576 + rng.below(1000) as u16,
                _ => 68 + rng.below(9000) as u16,
            };
            let frags = split(&original, mtu);
            let mut order: Vec<usize> = (0..frags.len()).collect();
            match case % 3 {
                0 => {}
                1 => order.reverse(),
                _ => shuffle(&mut rng, &mut order),
            }
            // Identical duplicates anywhere before the completing fragment.
            for _ in 0..rng.below(4) {
                if order.len() > 1 {
                    let dup = order[rng.below(order.len() - 1)];
                    let at = rng.below(order.len());
                    order.insert(at, dup);
                }
            }
            let now = t(case as i64);
            let mut out = vec![0xEE; 3]; // push appends
            for (n, &i) in order.iter().enumerate() {
                let res = r.push(&frags[i], now, &mut out);
                check_invariants(&r);
                if frags.len() == 1 {
                    assert_eq!(res, Reassembly::NotFragment);
                    whole += 1;
                } else if n + 1 < order.len() {
                    assert_eq!(res, Reassembly::Pending, "case {case} step {n}");
                } else {
                    let max = frags.iter().map(Vec::len).max().unwrap() as u16;
                    assert_eq!(
                        res,
                        Reassembly::Complete {
                            max_fragment_len: max
                        }
                    );
                    assert_eq!(&out[..3], &[0xEE; 3]);
                    assert_eq!(out[3..], original[..], "case {case} len {len} mtu {mtu}");
                    completed += 1;
                }
            }
            assert_eq!(r.pending(), 0);
            assert_eq!(r.buffered_bytes(), 0);
        }
        let s = r.stats();
        assert_eq!(s.reassembled, completed);
        assert_eq!(completed + whole, 600);
        assert!(completed > 400, "{completed}");
        assert_eq!(
            s.overlaps + s.evictions + s.bad_length + s.oversize + s.tiny,
            0
        );
    }

    /// Fragments of several datagrams (distinct by id, source or protocol) interleaved at random.
    #[test]
    fn interleaved_datagrams() {
        let mut rng = Rng::new(0x1D);
        for round in 0..50 {
            let mut r = Reassembler::new(ReassemblyConfig::default());
            let mut originals = Vec::new();
            let mut all = Vec::new();
            for k in 0..12u16 {
                // Same id 100 for k < 4, told apart by source and protocol.
                let (src, proto, id) = match k {
                    0 => (1, UDP, 100),
                    1 => (2, UDP, 100),
                    2 => (1, 47, 100),
                    3 => (1, TCP, 100),
                    _ => (1, UDP, k),
                };
                let len = 100 + rng.below(4000);
                let d = packet(src, proto, id, 0, 0, &[], &bytes(&mut rng, len));
                for f in split(&d, 68 + rng.below(1400) as u16) {
                    all.push((originals.len(), f));
                }
                originals.push(d);
            }
            shuffle(&mut rng, &mut all);
            let mut done = vec![false; originals.len()];
            for (which, f) in &all {
                let mut out = Vec::new();
                match r.push(f, t(round), &mut out) {
                    Reassembly::Pending => assert!(out.is_empty()),
                    Reassembly::NotFragment => {
                        // The datagram fit the MTU.
                        assert_eq!(*f, originals[*which]);
                        done[*which] = true;
                    }
                    Reassembly::Complete { .. } => {
                        assert_eq!(out, originals[*which]);
                        assert!(!done[*which]);
                        done[*which] = true;
                    }
                    other => panic!("{other:?}"),
                }
                check_invariants(&r);
            }
            assert!(done.iter().all(|&d| d));
            assert_eq!(r.pending(), 0);
        }
    }

    #[test]
    fn not_a_fragment_is_untouched() {
        let mut r = Reassembler::new(ReassemblyConfig::default());
        let mut out = Vec::new();
        // DF set, MF clear, offset 0: not a fragment.
        let p = packet(1, UDP, 1, 0, FLAG_DF, &[], &[1, 2, 3]);
        assert_eq!(r.push(&p, t(0), &mut out), Reassembly::NotFragment);
        assert!(out.is_empty());
        assert_eq!(r.stats(), ReassemblyStats::default());
    }

    #[test]
    fn overlaps_drop_the_datagram() {
        let a: Vec<u8> = (0..16).collect();
        let mut out = Vec::new();
        let mut r = Reassembler::new(ReassemblyConfig::default());

        // Contained overlap with different data.
        assert_eq!(
            r.push(&frag(0, true, &a), t(0), &mut out),
            Reassembly::Pending
        );
        let mut b = a[8..16].to_vec();
        b[3] ^= 1;
        assert_eq!(
            r.push(&frag(1, true, &b), t(0), &mut out),
            Reassembly::Dropped(ReassemblyDrop::Overlap)
        );
        assert_eq!(r.pending(), 0);
        assert_eq!(r.buffered_bytes(), 0);

        // Partial overlap, even with identical bytes in the overlapping part (Linux).
        assert_eq!(
            r.push(&frag(0, true, &a), t(0), &mut out),
            Reassembly::Pending
        );
        let mut c = a[8..16].to_vec();
        c.extend_from_slice(&[0xAA; 8]);
        assert_eq!(
            r.push(&frag(1, true, &c), t(0), &mut out),
            Reassembly::Dropped(ReassemblyDrop::Overlap)
        );
        // Overlap at the front of an existing fragment.
        assert_eq!(
            r.push(&frag(2, true, &a), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(
            r.push(&frag(1, true, &a), t(0), &mut out),
            Reassembly::Dropped(ReassemblyDrop::Overlap)
        );
        // Spanning a gap between two fragments.
        assert_eq!(
            r.push(&frag(0, true, &a[..8]), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(
            r.push(&frag(2, true, &a[..8]), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(
            r.push(&frag(0, true, &[0; 24]), t(0), &mut out),
            Reassembly::Dropped(ReassemblyDrop::Overlap)
        );
        assert_eq!(r.stats().overlaps, 4);
        assert_eq!(r.pending(), 0);

        // Identical duplicates, exact, contained, and spanning contiguous fragments, are ignored.
        assert_eq!(
            r.push(&frag(0, true, &a), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(
            r.push(&frag(2, true, &a), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(
            r.push(&frag(0, true, &a), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(
            r.push(&frag(1, true, &a[8..]), t(0), &mut out),
            Reassembly::Pending
        );
        let mut span = a[8..].to_vec();
        span.extend_from_slice(&a[..8]);
        assert_eq!(
            r.push(&frag(1, true, &span), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(r.stats().duplicates, 3);
        let charged = r.buffered_bytes();
        assert_eq!(charged, 20 + 32 + 2 * FRAGMENT_OVERHEAD);
        assert_eq!(
            r.push(&frag(4, false, &[9, 9]), t(0), &mut out),
            Reassembly::Complete {
                max_fragment_len: 36
            }
        );
        let mut expected = a.clone();
        expected.extend_from_slice(&a);
        expected.extend_from_slice(&[9, 9]);
        assert_eq!(out[20..], expected[..]);
        assert_eq!(u16::from_be_bytes([out[2], out[3]]), 54);
        assert_eq!(u16::from_be_bytes([out[6], out[7]]), 0);
        assert!(verify(&out[..20]));
    }

    #[test]
    fn oversize_is_dropped() {
        let mut out = Vec::new();
        let mut r = Reassembler::new(ReassemblyConfig::default());
        // A lone last fragment ending at 65512 + 24 > 65535 - 20.
        assert_eq!(
            r.push(&frag(8189, false, &[0; 24]), t(0), &mut out),
            Reassembly::Dropped(ReassemblyDrop::Oversize)
        );
        assert_eq!(r.pending(), 0);
        // Exactly 65535 is fine (payload 65515 = 65512 + 3).
        assert_eq!(
            r.push(&frag(8189, false, &[0; 3]), t(0), &mut out),
            Reassembly::Pending
        );
        // One byte more on a datagram in progress ("ping of death") discards it.
        assert_eq!(
            r.push(&frag(0, true, &[0; 8]), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(
            r.push(&frag(8189, false, &[0; 4]), t(0), &mut out),
            Reassembly::Dropped(ReassemblyDrop::Oversize)
        );
        assert_eq!(r.pending(), 0);
        // The first fragment's options count: with IHL 24 the same end no longer fits.
        assert_eq!(
            r.push(&frag(8189, false, &[0; 3]), t(0), &mut out),
            Reassembly::Pending
        );
        let first = packet(1, UDP, 7, 0, FLAG_MF, &[1, 1, 1, 1], &[0; 8]);
        assert_eq!(
            r.push(&first, t(0), &mut out),
            Reassembly::Dropped(ReassemblyDrop::Oversize)
        );
        assert_eq!(r.stats().oversize, 3);
        assert_eq!((r.pending(), r.buffered_bytes()), (0, 0));
        assert!(out.is_empty());
    }

    #[test]
    fn largest_datagram_reassembles() {
        let mut rng = Rng::new(65535);
        let original = packet(1, UDP, 9, 0, 0, &[], &bytes(&mut rng, 65515));
        let mut frags = split(&original, 68);
        frags.reverse();
        let mut r = Reassembler::new(ReassemblyConfig::default());
        let mut out = Vec::new();
        let mut last = Reassembly::Pending;
        for f in &frags {
            last = r.push(f, t(0), &mut out);
        }
        assert_eq!(
            last,
            Reassembly::Complete {
                max_fragment_len: 68
            }
        );
        assert_eq!(out, original);
    }

    #[test]
    fn tiny_tcp_fragment_is_dropped() {
        let mut out = Vec::new();
        let mut r = Reassembler::new(ReassemblyConfig::default());
        let tcp = |fo: u16, p: &[u8]| packet(1, TCP, 5, 0, fo, &[], p);
        assert_eq!(
            r.push(&tcp(FLAG_MF, &[0; 8]), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(
            r.push(&tcp(1, &[0xFF; 12]), t(0), &mut out),
            Reassembly::Dropped(ReassemblyDrop::TinyFragment)
        );
        assert_eq!(r.stats().tiny, 1);
        // The datagram is kept; offset 2 and beyond are fine.
        assert_eq!(r.pending(), 1);
        assert_eq!(
            r.push(&tcp(FLAG_MF | 2, &[0; 8]), t(0), &mut out),
            Reassembly::Pending
        );
        // UDP at offset 1 is fine.
        assert_eq!(
            r.push(&frag(1, false, &[0; 4]), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(
            r.push(&frag(0, true, &[0; 8]), t(0), &mut out),
            Reassembly::Complete {
                max_fragment_len: 28
            }
        );
    }

    #[test]
    fn inconsistent_lengths() {
        let mut out = Vec::new();
        let mut r = Reassembler::new(ReassemblyConfig::default());
        let bad = Reassembly::Dropped(ReassemblyDrop::BadLength);
        // Two last fragments with different ends.
        assert_eq!(
            r.push(&frag(2, false, &[1; 5]), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(r.push(&frag(3, false, &[1; 5]), t(0), &mut out), bad);
        // A non-last fragment past the known end.
        assert_eq!(
            r.push(&frag(2, false, &[1; 5]), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(r.push(&frag(3, true, &[1; 8]), t(0), &mut out), bad);
        // A last fragment ending before data already received.
        assert_eq!(
            r.push(&frag(4, true, &[1; 8]), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(r.push(&frag(2, false, &[1; 8]), t(0), &mut out), bad);
        // A non-last fragment with fewer than 8 bytes is empty once trimmed; a last one with none.
        assert_eq!(r.push(&frag(0, true, &[1; 7]), t(0), &mut out), bad);
        assert_eq!(r.push(&frag(5, false, &[]), t(0), &mut out), bad);
        assert_eq!(r.stats().bad_length, 5);
        assert_eq!((r.pending(), r.buffered_bytes()), (0, 0));
        // Non-last payloads are trimmed to a multiple of 8.
        assert_eq!(
            r.push(&frag(0, true, &[1; 13]), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(
            r.push(&frag(1, false, &[2; 2]), t(0), &mut out),
            Reassembly::Complete {
                max_fragment_len: 28
            }
        );
        assert_eq!(out[20..], [1, 1, 1, 1, 1, 1, 1, 1, 2, 2]);
    }

    #[test]
    fn ecn_and_df() {
        let mut out = Vec::new();
        let mut r = Reassembler::new(ReassemblyConfig::default());
        let f = |tos: u8, fo: u16, p: &[u8]| packet(1, UDP, 3, tos, fo, &[], p);
        // ECT(0) + CE -> CE; DF on the largest fragment -> DF.
        assert_eq!(
            r.push(&f(0xB8 | 2, FLAG_MF | FLAG_DF, &[0; 16]), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(
            r.push(&f(0xB8 | 3, 2, &[0; 4]), t(0), &mut out),
            Reassembly::Complete {
                max_fragment_len: 36
            }
        );
        assert_eq!(out[1], 0xBB);
        assert_eq!(u16::from_be_bytes([out[6], out[7]]), FLAG_DF);
        assert!(verify(&out[..20]));
        // DF only on a smaller fragment -> no DF. Reserved bit cleared.
        out.clear();
        assert_eq!(
            r.push(&f(0, FLAG_MF | 0x8000, &[0; 16]), t(0), &mut out),
            Reassembly::Pending
        );
        assert!(matches!(
            r.push(&f(0, FLAG_DF | 2, &[0; 4]), t(0), &mut out),
            Reassembly::Complete { .. }
        ));
        assert_eq!(u16::from_be_bytes([out[6], out[7]]), 0);
        // Not-ECT mixed with CE.
        out.clear();
        assert_eq!(
            r.push(&f(0, FLAG_MF, &[0; 16]), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(
            r.push(&f(3, 2, &[0; 4]), t(0), &mut out),
            Reassembly::Dropped(ReassemblyDrop::EcnConflict)
        );
        assert!(out.is_empty());
        assert_eq!(
            (r.pending(), r.buffered_bytes(), r.stats().ecn_conflicts),
            (0, 0, 1)
        );
    }

    #[test]
    fn timeouts_with_a_fake_clock() {
        let mut out = Vec::new();
        let mut r = Reassembler::new(ReassemblyConfig::default());
        let first = packet(1, UDP, 1, 0, FLAG_MF, &[0x94, 4, 0, 0], &[5; 16]);
        assert_eq!(r.push(&first, t(0), &mut out), Reassembly::Pending);
        // Another datagram (id 7), without its first fragment.
        assert_eq!(
            r.push(&frag(3, false, &[1]), t(10_000), &mut out),
            Reassembly::Pending
        );
        assert_eq!(r.poll(t(29_999)), 0);
        assert_eq!(
            r.poll(t(-1_000_000)),
            0,
            "a clock going backwards expires nothing"
        );
        // Later fragments do not restart the timer.
        let middle = packet(1, UDP, 1, 0, FLAG_MF | 2, &[], &[1; 8]);
        assert_eq!(r.push(&middle, t(29_000), &mut out), Reassembly::Pending);
        assert_eq!(r.poll(t(30_000)), 1);
        let reports: Vec<_> = r.drain_expired().collect();
        assert_eq!(
            reports,
            vec![ExpiredDatagram {
                first_fragment: first.clone()
            }]
        );
        // Without its first fragment, a datagram expires silently.
        assert_eq!(r.poll(t(40_000)), 1);
        assert_eq!(r.drain_expired().count(), 0);
        assert_eq!(r.stats().timeouts, 2);
        assert_eq!((r.pending(), r.buffered_bytes()), (0, 0));

        // A stale datagram does not absorb a late fragment (expiry also runs in push).
        assert_eq!(
            r.push(&frag(0, true, &[0; 8]), t(50_000), &mut out),
            Reassembly::Pending
        );
        assert_eq!(
            r.push(&frag(1, false, &[0; 8]), t(80_000), &mut out),
            Reassembly::Pending
        );
        assert_eq!(r.stats().timeouts, 3);
        assert_eq!(r.pending(), 1);

        // Reports are bounded.
        let mut r = Reassembler::new(ReassemblyConfig {
            max_expired_reports: 2,
            timeout: Duration::from_secs(1),
            ..ReassemblyConfig::default()
        });
        for id in 0..5 {
            let p = packet(1, UDP, id, 0, FLAG_MF, &[], &[0; 8]);
            assert_eq!(r.push(&p, t(0), &mut out), Reassembly::Pending);
        }
        assert_eq!(r.poll(t(1000)), 5);
        assert_eq!(r.drain_expired().count(), 2);
        check_invariants(&r);
    }

    #[test]
    fn datagram_limit_evicts_the_oldest() {
        let mut out = Vec::new();
        let mut r = Reassembler::new(ReassemblyConfig {
            max_datagrams: 4,
            ..ReassemblyConfig::default()
        });
        let part = |id: u16, fo: u16| packet(1, UDP, id, 0, fo, &[], &[id as u8; 8]);
        for id in 0..5 {
            assert_eq!(
                r.push(&part(id, FLAG_MF), t(i64::from(id)), &mut out),
                Reassembly::Pending
            );
            check_invariants(&r);
        }
        assert_eq!((r.pending(), r.stats().evictions), (4, 1));
        // Datagram 0 was evicted: its second half starts a new one (which evicts datagram 1).
        assert_eq!(r.push(&part(0, 1), t(9), &mut out), Reassembly::Pending);
        assert_eq!(r.stats().evictions, 2);
        for id in 2..5 {
            assert!(matches!(
                r.push(&part(id, 1), t(9), &mut out),
                Reassembly::Complete { .. }
            ));
        }
        assert_eq!(r.stats().reassembled, 3);

        let mut r = Reassembler::new(ReassemblyConfig {
            max_datagrams: 0,
            ..ReassemblyConfig::default()
        });
        assert_eq!(
            r.push(&part(1, FLAG_MF), t(0), &mut out),
            Reassembly::Dropped(ReassemblyDrop::MemoryLimit)
        );
        check_invariants(&r);
    }

    #[test]
    fn byte_limit_evicts_the_oldest() {
        let mut out = Vec::new();
        let budget = 3 * (1000 + 20 + FRAGMENT_OVERHEAD);
        let mut r = Reassembler::new(ReassemblyConfig {
            max_bytes: budget,
            ..ReassemblyConfig::default()
        });
        let part = |id: u16, fo: u16, n: usize| packet(1, UDP, id, 0, fo, &[], &vec![id as u8; n]);
        for id in 0..3 {
            assert_eq!(
                r.push(&part(id, FLAG_MF, 1000), t(0), &mut out),
                Reassembly::Pending
            );
        }
        assert_eq!(r.buffered_bytes(), budget);
        // One more byte-carrying fragment evicts datagram 0, the oldest.
        assert_eq!(
            r.push(&part(3, FLAG_MF | 250, 8), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!((r.pending(), r.stats().evictions), (3, 1));
        check_invariants(&r);
        // A fragment of a datagram in progress evicts the others, not its own.
        assert_eq!(
            r.push(&part(3, FLAG_MF, 1000), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(
            r.push(&part(3, FLAG_MF | 125, 1000), t(0), &mut out),
            Reassembly::Pending
        );
        assert_eq!(r.pending(), 1);
        assert_eq!(r.stats().evictions, 3);
        check_invariants(&r);
        // A datagram that alone exceeds the budget is dropped.
        assert_eq!(
            r.push(&part(3, FLAG_MF | 251, 1000), t(0), &mut out),
            Reassembly::Dropped(ReassemblyDrop::MemoryLimit)
        );
        assert_eq!(
            (r.pending(), r.buffered_bytes(), r.stats().memory_limit),
            (0, 0, 1)
        );
        assert!(out.is_empty());
    }

    /// A flood of random fragments under tight limits: never panics, accounting always holds, and every
    /// completed datagram is a well-formed header followed by the promised number of bytes.
    #[test]
    fn prop_random_fragments_keep_invariants() {
        let mut rng = Rng::new(0xF1A6);
        let mut r = Reassembler::new(ReassemblyConfig {
            max_datagrams: 5,
            max_bytes: 6000,
            timeout: Duration::from_millis(500),
            max_expired_reports: 3,
        });
        let mut now = 0i64;
        let mut completed = 0;
        for _ in 0..200_000 {
            now += rng.below(20) as i64;
            let units = match rng.below(4) {
                0 => rng.below(8192) as u16,
                _ => rng.below(12) as u16,
            };
            let mut fo = units;
            if rng.below(3) != 0 {
                fo |= FLAG_MF;
            }
            if rng.below(8) == 0 {
                fo |= FLAG_DF;
            }
            let len = if rng.below(2) == 0 {
                8 * rng.below(4)
            } else {
                rng.below(40)
            };
            let payload: Vec<u8> = (0..len).map(|_| rng.below(2) as u8).collect();
            let p = packet(
                1 + rng.below(2) as u8,
                [UDP, TCP][rng.below(2)],
                rng.below(3) as u16,
                rng.below(4) as u8,
                fo,
                &[1; 4][..4 * rng.below(2)],
                &payload,
            );
            let mut out = Vec::new();
            match r.push(&p, t(now), &mut out) {
                Reassembly::Complete { max_fragment_len } => {
                    completed += 1;
                    let ihl = usize::from(out[0] & 0x0F) * 4;
                    assert_eq!(usize::from(u16::from_be_bytes([out[2], out[3]])), out.len());
                    assert!(verify(&out[..ihl]));
                    assert_eq!(u16::from_be_bytes([out[6], out[7]]) & !FLAG_DF, 0);
                    assert!(usize::from(max_fragment_len) <= out.len());
                }
                Reassembly::NotFragment => assert_eq!(fo & (FLAG_MF | OFFSET_MASK), 0),
                _ => assert!(out.is_empty()),
            }
            if rng.below(50) == 0 {
                r.poll(t(now));
                let _ = r.drain_expired().count();
            }
            check_invariants(&r);
        }
        let s = r.stats();
        assert!(completed > 20, "{s:?}");
        assert!(
            s.overlaps > 0 && s.evictions > 0 && s.timeouts > 0 && s.bad_length > 0,
            "{s:?}"
        );
    }

    /// Truncated, corrupted and random inputs never panic.
    #[test]
    fn hostile_inputs_never_panic() {
        let mut rng = Rng::new(0xBAD);
        let mut r = Reassembler::new(ReassemblyConfig {
            max_bytes: 20_000,
            ..ReassemblyConfig::default()
        });
        let mut out = Vec::new();
        let original = packet(1, UDP, 2, 0, 0, &[0x94, 4, 0, 0], &bytes(&mut rng, 3000));
        let frags = split(&original, 576);
        for f in &frags {
            for cut in 0..f.len() {
                let _ = r.push(&f[..cut], t(0), &mut out);
                check_invariants(&r);
            }
        }
        for case in 0..100_000 {
            let mut p = if case % 2 == 0 {
                frags[rng.below(frags.len())].clone()
            } else {
                let n = rng.below(80);
                bytes(&mut rng, n)
            };
            for _ in 0..rng.below(4) {
                if !p.is_empty() {
                    let at = rng.below(p.len().min(24));
                    p[at] = rng.next_u64() as u8;
                }
            }
            if case % 3 == 0 && !p.is_empty() {
                p[0] = 0x40 | (p[0] & 0x0F);
            }
            let cut = rng.below(p.len() + 1);
            let _ = r.push(&p[..cut], t(case), &mut out);
            check_invariants(&r);
        }
        r.poll(Instant::from_micros(i64::MAX));
        r.poll(Instant::from_micros(i64::MIN));
        check_invariants(&r);
    }
}
