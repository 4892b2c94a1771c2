//! Per-chain rule index: chain evaluation visits only the rules that *can* match a packet.
//!
//! # Idea
//!
//! Every rule is a conjunction, so each of its non-negated conditions is necessary for a match. At
//! compile time each enabled rule gets **one** index dimension, taken from one of its non-negated,
//! exact-ish conditions, and is filed under that dimension's key value(s):
//!
//! | dimension | condition(s) | keys |
//! |---|---|---|
//! | protocol | `protocol=P` | `P` |
//! | dst-port / src-port | `protocol=P` + `dst-port=`/`src-port=` list of ≤ [`MAX_PORT_KEYS`] ports | `(P, port)` each |
//! | in / out interface | `in-interface=`, `in-interface-list=` of ≤ [`MAX_IF_KEYS`] members (out alike) | interface id each |
//! | src / dst address | `src-address=`/`dst-address=` range that is ≤ [`MAX_ADDR_PREFIXES`] CIDR blocks | `(len, network)` each |
//!
//! A rule without such a condition goes to the chain's *wildcard* list. The keys of one rule in its
//! dimension are disjoint (distinct ports, interfaces, or non-overlapping blocks), so a packet — which
//! has exactly one value per dimension — finds a rule in at most one list. The candidates for a packet
//! are the union of the wildcard list and the lists under the packet's own values (one probe per
//! dimension in use, one per prefix length in use for addresses); all lists are sorted by rule position
//! and merged on the fly (`Cursors`, a fixed array: no allocation). A rule that is not a candidate has
//! a failing stateless condition, so sequential evaluation would have rejected it without touching any
//! state (stateless conditions are evaluated before stateful ones, and stateless ones are pure): counters,
//! `nth`, `limit`, `random` and the PRNG see exactly the same evaluations, in the same order.
//!
//! The indexed facts (protocol, ports, addresses, interfaces) are never changed by an action during
//! evaluation (actions change marks, TTL, DSCP, DF, MSS and IP options only), so the candidate lists
//! computed when a chain is entered stay valid; returning from a jump recomputes them from the resume
//! position.
//!
//! Choice of dimension: the one minimising Σ over the rule's keys of (rules sharing that key × breadth
//! weight), i.e. the expected size of the lists the rule sits in. Address dimensions use at most
//! [`MAX_PREFIX_LENS`] distinct prefix lengths each (bounded probes); chains with fewer than
//! [`MIN_INDEXED_RULES`] enabled rules are scanned. Memory is O(rules × 16) positions.

use alloc::vec::Vec;

use hashbrown::HashMap;

use super::address_list::cidr_blocks;
use super::facts::PacketFacts;
use super::matcher::{Cond, InterfaceSet};
use super::ruleset::CompiledRule;
use super::spec::{AddrRange, PortRange, prefix_mask};

/// Most ports a port condition may expand to and still be indexed.
pub const MAX_PORT_KEYS: u32 = 16;
/// Most members an interface list may have and still be indexed.
pub const MAX_IF_KEYS: usize = 8;
/// Most CIDR blocks an address range may split into and still be indexed.
pub const MAX_ADDR_PREFIXES: usize = 4;
/// Most distinct prefix lengths per address dimension (each one costs a probe per packet).
pub const MAX_PREFIX_LENS: usize = 4;
/// Chains with fewer enabled rules are scanned in order (cheaper than probing).
pub const MIN_INDEXED_RULES: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dim {
    Protocol = 0,
    DstPort = 1,
    SrcPort = 2,
    InIf = 3,
    OutIf = 4,
    SrcAddr = 5,
    DstAddr = 6,
}

const DIMS: usize = 7;
/// Tie-break order: the most selective dimensions first.
const PREFERENCE: [Dim; DIMS] = [
    Dim::DstPort,
    Dim::SrcAddr,
    Dim::DstAddr,
    Dim::SrcPort,
    Dim::InIf,
    Dim::OutIf,
    Dim::Protocol,
];

/// Candidate lists a packet can draw from: the wildcard list, protocol, dst-port, src-port, in, out,
/// and one per prefix length of each address dimension.
pub const MAX_CURSORS: usize = 6 + 2 * MAX_PREFIX_LENS;

fn key(dim: Dim, len: u8, value: u32) -> u64 {
    (dim as u64) << 40 | u64::from(len) << 32 | u64::from(value)
}

/// `(prefix length, value)`; the length is only meaningful for addresses.
type Key = (u8, u32);

/// A list inside [`ChainIndex::positions`]: start and length.
#[derive(Clone, Copy, Debug, Default)]
struct Span {
    start: u32,
    len: u32,
}

/// The index of one chain. Positions are indices into the chain's rules.
#[derive(Clone, Debug, Default)]
pub(crate) struct ChainIndex {
    /// Too few rules to be worth indexing: walk the chain in order.
    scan: bool,
    positions: Vec<u32>,
    wildcard: Span,
    lists: KeyTable,
    /// Bit `d` set when dimension `d` has a list.
    dims: u8,
    src_lens: Vec<u8>,
    dst_lens: Vec<u8>,
}

/// Key → list: open addressing with linear probing, at most half full, Fibonacci hashing (one
/// multiply per probe; deterministic, no seed).
#[derive(Clone, Debug, Default)]
struct KeyTable {
    /// `(key, list)`; [`KeyTable::VACANT`] marks a free slot. Length is a power of two (or 0).
    slots: Vec<(u64, Span)>,
    /// 64 − log2(slots.len()).
    shift: u32,
}

impl KeyTable {
    /// Never a real key (the dimension tag of real keys is < 8).
    const VACANT: u64 = u64::MAX;

    fn new(entries: &[(u64, Span)]) -> KeyTable {
        if entries.is_empty() {
            return KeyTable::default();
        }
        let len = (entries.len() * 2).next_power_of_two();
        let mut t = KeyTable {
            slots: alloc::vec![(Self::VACANT, Span::default()); len],
            shift: 64 - len.trailing_zeros(),
        };
        let mask = len - 1;
        for &(k, span) in entries {
            let mut i = t.home(k);
            while let Some(slot) = t.slots.get_mut(i) {
                if slot.0 == Self::VACANT {
                    *slot = (k, span);
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        t
    }

    #[inline]
    fn home(&self, k: u64) -> usize {
        // `shift` ≥ 1 whenever there are slots (len ≥ 2).
        (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (self.shift & 63)) as usize
    }

    #[inline]
    fn get(&self, k: u64) -> Option<Span> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut i = self.home(k) & mask;
        // At most half full: a vacant slot ends every probe sequence (the bound is belt and braces).
        for _ in 0..self.slots.len() {
            let &(key, span) = self.slots.get(i)?;
            if key == k {
                return Some(span);
            }
            if key == Self::VACANT {
                return None;
            }
            i = (i + 1) & mask;
        }
        None
    }
}

/// Merge state of the candidate lists of one chain for one packet: fixed size, no allocation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cursors {
    /// `(next, end)` offsets into the chain's positions; only non-empty ones are kept.
    spans: [(u32, u32); MAX_CURSORS],
    n: usize,
}

impl Cursors {
    pub(crate) const EMPTY: Cursors = Cursors {
        spans: [(0, 0); MAX_CURSORS],
        n: 0,
    };
}

fn ports(list: &[PortRange]) -> Option<Vec<u16>> {
    let mut total = 0u32;
    for r in list {
        total += u32::from(r.end.saturating_sub(r.start)) + 1;
        if total > MAX_PORT_KEYS {
            return None;
        }
    }
    let mut out: Vec<u16> = list.iter().flat_map(|r| r.start..=r.end).collect();
    out.sort_unstable();
    out.dedup();
    Some(out)
}

/// The CIDR blocks covering exactly `r`, if there are at most [`MAX_ADDR_PREFIXES`].
fn prefixes(r: &AddrRange) -> Option<Vec<Key>> {
    let out: Vec<Key> = cidr_blocks(*r).take(MAX_ADDR_PREFIXES + 1).collect();
    (out.len() <= MAX_ADDR_PREFIXES).then_some(out)
}

fn interfaces(set: &InterfaceSet) -> Option<Vec<u32>> {
    match set {
        InterfaceSet::All => None,
        InterfaceSet::Members(m) if m.len() <= MAX_IF_KEYS => {
            let mut v: Vec<u32> = m.iter().map(|i| u32::from(i.0)).collect();
            v.sort_unstable();
            v.dedup();
            Some(v)
        }
        InterfaceSet::Members(_) => None,
    }
}

/// For each dimension, the keys a rule could be filed under (fewest keys when several conditions
/// qualify). Every key set is a necessary condition of the rule.
fn options(rule: &CompiledRule) -> [Option<Vec<Key>>; DIMS] {
    let mut out: [Option<Vec<Key>>; DIMS] = Default::default();
    let protocol = rule.matchers.iter().find_map(|m| match m.cond {
        Cond::Protocol(p) if !m.negate => Some(p),
        _ => None,
    });
    let mut offer = |dim: Dim, keys: Vec<Key>| {
        let slot = &mut out[dim as usize];
        if slot.as_ref().is_none_or(|k| keys.len() < k.len()) {
            *slot = Some(keys);
        }
    };
    let port_keys = |p: u8, l: &[PortRange]| {
        ports(l).map(|v| {
            v.into_iter()
                .map(|port| (0, u32::from(p) << 16 | u32::from(port)))
                .collect::<Vec<Key>>()
        })
    };
    let if_keys = |s: &InterfaceSet| interfaces(s).map(|v| v.into_iter().map(|i| (0, i)).collect());
    for m in rule.matchers.iter().filter(|m| !m.negate) {
        match &m.cond {
            Cond::Protocol(p) => offer(Dim::Protocol, alloc::vec![(0, u32::from(*p))]),
            Cond::DstPort(l) => {
                if let Some(keys) = protocol.and_then(|p| port_keys(p, l)) {
                    offer(Dim::DstPort, keys);
                }
            }
            Cond::SrcPort(l) => {
                if let Some(keys) = protocol.and_then(|p| port_keys(p, l)) {
                    offer(Dim::SrcPort, keys);
                }
            }
            Cond::InInterface(i) => offer(Dim::InIf, alloc::vec![(0, u32::from(i.0))]),
            Cond::OutInterface(i) => offer(Dim::OutIf, alloc::vec![(0, u32::from(i.0))]),
            Cond::InInterfaceList(s) => {
                if let Some(k) = if_keys(s) {
                    offer(Dim::InIf, k);
                }
            }
            Cond::OutInterfaceList(s) => {
                if let Some(k) = if_keys(s) {
                    offer(Dim::OutIf, k);
                }
            }
            Cond::SrcAddress(r) => {
                if let Some(k) = prefixes(r) {
                    offer(Dim::SrcAddr, k);
                }
            }
            Cond::DstAddress(r) => {
                if let Some(k) = prefixes(r) {
                    offer(Dim::DstAddr, k);
                }
            }
            _ => {}
        }
    }
    out
}

/// How broad one key is (roughly: how many packets carry it), relative to one port.
fn breadth(dim: Dim, len: u8) -> u64 {
    match dim {
        Dim::Protocol => 16,
        Dim::DstPort | Dim::SrcPort => 1,
        Dim::InIf | Dim::OutIf => 4,
        Dim::SrcAddr | Dim::DstAddr if len >= 16 => 1,
        Dim::SrcAddr | Dim::DstAddr => 1 << ((16 - u32::from(len)) / 2),
    }
}

impl ChainIndex {
    /// Builds the index of a chain's rules (disabled rules are left out: they never match).
    pub(crate) fn build(rules: &[CompiledRule]) -> ChainIndex {
        let enabled: Vec<u32> = (0..rules.len())
            .filter(|&i| !rules[i].disabled)
            .map(|i| i as u32)
            .collect();
        if enabled.len() < MIN_INDEXED_RULES {
            return ChainIndex {
                scan: true,
                ..ChainIndex::default()
            };
        }
        let opts: Vec<[Option<Vec<Key>>; DIMS]> = enabled
            .iter()
            .map(|&i| options(&rules[i as usize]))
            .collect();
        let mut popularity: HashMap<u64, u64> = HashMap::new();
        for o in &opts {
            for d in PREFERENCE {
                for &(len, v) in o[d as usize].iter().flatten() {
                    *popularity.entry(key(d, len, v)).or_default() += 1;
                }
            }
        }
        let mut src_lens: Vec<u8> = Vec::new();
        let mut dst_lens: Vec<u8> = Vec::new();
        let mut lists: HashMap<u64, Vec<u32>> = HashMap::new();
        let mut wildcard: Vec<u32> = Vec::new();
        let mut dims = 0u8;
        for (&pos, o) in enabled.iter().zip(&opts) {
            let mut best: Option<(u64, Dim)> = None;
            for d in PREFERENCE {
                let Some(keys) = &o[d as usize] else { continue };
                let lens = match d {
                    Dim::SrcAddr => Some(&src_lens),
                    Dim::DstAddr => Some(&dst_lens),
                    _ => None,
                };
                if let Some(lens) = lens {
                    let mut new: Vec<u8> = keys
                        .iter()
                        .map(|k| k.0)
                        .filter(|l| !lens.contains(l))
                        .collect();
                    new.sort_unstable();
                    new.dedup();
                    if lens.len() + new.len() > MAX_PREFIX_LENS {
                        continue;
                    }
                }
                let cost: u64 = keys
                    .iter()
                    .map(|&(len, v)| {
                        popularity.get(&key(d, len, v)).copied().unwrap_or(1) * breadth(d, len)
                    })
                    .sum();
                if best.is_none_or(|(c, _)| cost < c) {
                    best = Some((cost, d));
                }
            }
            let Some((_, d)) = best else {
                wildcard.push(pos);
                continue;
            };
            dims |= 1 << d as u8;
            for &(len, v) in o[d as usize].iter().flatten() {
                match d {
                    Dim::SrcAddr if !src_lens.contains(&len) => src_lens.push(len),
                    Dim::DstAddr if !dst_lens.contains(&len) => dst_lens.push(len),
                    _ => {}
                }
                lists.entry(key(d, len, v)).or_default().push(pos);
            }
        }
        // Longer prefixes are probed first (no semantic effect; just a stable order).
        src_lens.sort_unstable_by(|a, b| b.cmp(a));
        dst_lens.sort_unstable_by(|a, b| b.cmp(a));
        let mut positions = wildcard;
        let wildcard = Span {
            start: 0,
            len: positions.len() as u32,
        };
        let lists = lists
            .into_iter()
            .map(|(k, list)| {
                let span = Span {
                    start: positions.len() as u32,
                    len: list.len() as u32,
                };
                positions.extend_from_slice(&list);
                (k, span)
            })
            .collect::<Vec<(u64, Span)>>();
        let lists = KeyTable::new(&lists);
        ChainIndex {
            scan: false,
            positions,
            wildcard,
            lists,
            dims,
            src_lens,
            dst_lens,
        }
    }

    /// Whether the chain is better walked rule by rule (see [`MIN_INDEXED_RULES`]).
    pub(crate) fn scan(&self) -> bool {
        self.scan
    }

    /// Points `c` at the candidate lists for a packet, from rule position `from` on (in place:
    /// building and returning a fresh [`Cursors`] costs store-forwarding stalls).
    #[inline]
    pub(crate) fn start(&self, c: &mut Cursors, f: &PacketFacts, from: usize) {
        c.n = 0;
        self.push(c, self.wildcard, from);
        if self.dims == 0 {
            return;
        }
        let has = |d: Dim| self.dims & (1 << d as u8) != 0;
        let probe = |c: &mut Cursors, k: u64| {
            if let Some(span) = self.lists.get(k) {
                self.push(c, span, from);
            }
        };
        let proto = u32::from(f.protocol);
        if has(Dim::Protocol) {
            probe(c, key(Dim::Protocol, 0, proto));
        }
        if has(Dim::DstPort)
            && let Some(p) = f.dst_port
        {
            probe(c, key(Dim::DstPort, 0, proto << 16 | u32::from(p)));
        }
        if has(Dim::SrcPort)
            && let Some(p) = f.src_port
        {
            probe(c, key(Dim::SrcPort, 0, proto << 16 | u32::from(p)));
        }
        if has(Dim::InIf)
            && let Some(i) = f.in_interface
        {
            probe(c, key(Dim::InIf, 0, u32::from(i.0)));
        }
        if has(Dim::OutIf)
            && let Some(i) = f.out_interface
        {
            probe(c, key(Dim::OutIf, 0, u32::from(i.0)));
        }
        let (src, dst) = (u32::from(f.src), u32::from(f.dst));
        for &len in &self.src_lens {
            probe(c, key(Dim::SrcAddr, len, src & prefix_mask(len)));
        }
        for &len in &self.dst_lens {
            probe(c, key(Dim::DstAddr, len, dst & prefix_mask(len)));
        }
    }

    #[inline]
    fn push(&self, c: &mut Cursors, span: Span, from: usize) {
        let (start, end) = (span.start as usize, span.start as usize + span.len as usize);
        let Some(list) = self.positions.get(start..end) else {
            return;
        };
        let skip = list.partition_point(|&p| (p as usize) < from);
        if skip < list.len()
            && let Some(slot) = c.spans.get_mut(c.n)
        {
            *slot = ((start + skip) as u32, end as u32);
            c.n += 1;
        }
    }

    /// The next candidate rule position (ascending), or None when the chain is exhausted.
    #[inline]
    pub(crate) fn next(&self, c: &mut Cursors) -> Option<usize> {
        let at = |i: u32| self.positions.get(i as usize).copied();
        let n = c.n;
        let spans = c.spans.get(..n)?;
        // Whole `(next, end)` pairs are read and written (no partial updates): cheaper to forward.
        let (mut best, mut best_pos, mut best_span) = (0, u32::MAX, (0, 0));
        for (i, &span) in spans.iter().enumerate() {
            let p = at(span.0)?;
            if p < best_pos {
                (best, best_pos, best_span) = (i, p, span);
            }
        }
        let last = spans.last().copied()?;
        let next = best_span.0 + 1;
        let replacement = if next < best_span.1 {
            (next, best_span.1)
        } else {
            c.n = n - 1;
            last
        };
        *c.spans.get_mut(best)? = replacement;
        Some(best_pos as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smoltcp::wire::Ipv4Address;

    fn ip(v: u32) -> Ipv4Address {
        Ipv4Address::from(v)
    }

    #[test]
    fn prefix_split_is_exact() {
        let r = AddrRange::range(ip(0x0A00_0000), ip(0x0A00_00FF));
        assert_eq!(prefixes(&r), Some(alloc::vec![(24, 0x0A00_0000)]));
        let all = AddrRange::range(ip(0), ip(u32::MAX));
        assert_eq!(prefixes(&all), Some(alloc::vec![(0, 0)]));
        let one = AddrRange::single(ip(u32::MAX));
        assert_eq!(prefixes(&one), Some(alloc::vec![(32, u32::MAX)]));
        let r = AddrRange::range(ip(1), ip(6));
        assert_eq!(
            prefixes(&r),
            Some(alloc::vec![(32, 1), (31, 2), (31, 4), (32, 6)])
        );
        assert_eq!(prefixes(&AddrRange::range(ip(1), ip(14))), None);
    }
}
