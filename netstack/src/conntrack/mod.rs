//! Connection tracking (`/ip firewall connection`), modelled on Linux netfilter's `nf_conntrack`.
//!
//! [`Conntrack::process`] classifies every IPv4 packet as `new`, `established`, `related`, `invalid`
//! (or the caller declares it `untracked` for a raw `notrack`, [`Conntrack::untracked`]) and keeps
//! per-connection state, counters and timeouts.
//!
//! # Lifecycle
//!
//! A packet of an unknown flow gets a *tentative* entry ([`Tracked::tentative`]): it has a
//! [`ConnId`] (so NAT can set its mapping and the firewall can mark it) but is not in the lookup index.
//! The caller [`confirm`](Conntrack::confirm)s it once the packet has passed the last hook (netfilter
//! confirms at the end of postrouting/input), or [`discard`](Conntrack::discard)s it when the packet is
//! dropped — so a packet the filter drops never creates a connection. At most [`MAX_TENTATIVE`]
//! tentative entries exist; creating another frees the oldest one not yet confirmed.
//!
//! # Table layout and memory
//!
//! Entries live in a slab (`Vec<Conn>`) indexed by the slot number; a [`ConnId`] is `generation << 20 |
//! slot` (12-bit generation, so a stale id does not name a reused slot). A `hashbrown::HashTable<u32>`
//! maps each confirmed connection's original and reply tuples to `slot << 1 | direction` (see
//! [`index`]); NAT rewrites the reply tuple and re-indexes it, so return traffic of a NATed connection
//! is found by a plain lookup. Measured (`memory_per_connection` test): a `Conn` is 112 bytes; the two
//! index entries cost 2 × 5 bytes / load factor — 11.4 bytes at hashbrown's 7/8 maximum load, up to
//! 22.9 bytes just after the table doubled — so 123–135 bytes per connection, ~126 on average.
//!
//! # Expiry
//!
//! Every entry has an absolute deadline. Expired entries are (1) removed when a lookup finds them, (2)
//! reclaimed first when the table is full, and (3) swept by [`Conntrack::poll`], which visits at most
//! [`SWEEP_BUDGET`] slots per call from a rotating cursor — bounded work per call, and every slot is
//! visited once every `slots / SWEEP_BUDGET` polls. No per-packet full-table scan exists.
//!
//! # Table full
//!
//! As Linux `early_drop`: when `max-entries` is reached, up to [`EARLY_DROP_SAMPLES`] slots from a
//! random start are examined; an expired entry is reclaimed, else the non-assured entry closest to
//! expiry is evicted. Assured entries are never evicted; with none evictable the new flow is refused
//! ([`Tracked::table_full`], counted) and the caller drops the packet.
//!
//! # Protocols
//!
//! TCP: [`tcp`] (Linux state table and window tracking). UDP: `udp-timeout` until a reply has been
//! seen, then `udp-stream-timeout` and assured from the next packet (Linux `udp_packet`: the first reply
//! itself still gets the unreplied timeout). ICMP: query requests (echo, timestamp, information,
//! address mask) start connections keyed by identifier; replies are established; `icmp-timeout`. ICMP
//! errors (types 3, 4, 5, 11, 12) are related when the inverted quoted tuple matches a connection and
//! the outer destination is that tuple's destination (Linux `icmp_error_message`). Other protocols:
//! ports 0, `generic-timeout`. The ICMP query type is not part of the tuple (Linux includes it): an echo
//! and a timestamp request with the same identifier share an entry.

pub mod entry;
mod fast_path;
pub mod index;
pub mod parse;
pub mod settings;
pub mod tcp;

#[cfg(test)]
pub(crate) mod testpkt;
#[cfg(test)]
mod tests;

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use hashbrown::HashTable;
use smoltcp::time::{Duration, Instant};

use crate::flow::{ConnFacts, ConnId, ConnState, Direction, Tuple};

pub use crate::prng::Prng;
pub use entry::{ConnView, status};
pub use parse::ParseError;
pub use settings::{ConntrackSettings, Enabled, MAX_ENTRIES_LIMIT};
pub use tcp::TcpState;

pub(crate) use fast_path::FastFlow;

use entry::{Conn, dir_index};
use parse::{L4, PROTO_ICMP, PROTO_TCP, PROTO_UDP, tcp_flags};
use tcp::TcpVerdict;

/// Slots [`Conntrack::poll`] examines per call.
pub const SWEEP_BUDGET: usize = 1024;
/// Slots examined when the table is full (Linux looks at 8 entries per bucket chain; slots are cheaper).
pub const EARLY_DROP_SAMPLES: usize = 64;
/// Tentative (unconfirmed) entries kept at most.
pub const MAX_TENTATIVE: usize = 16;

const SLOT_BITS: u32 = 20;
const SLOT_MASK: u32 = (1 << SLOT_BITS) - 1;
const GEN_MASK: u16 = 0x0FFF;

/// Counters of `/ip firewall connection tracking print` and diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConntrackStats {
    /// Connections confirmed into the table.
    pub new: u64,
    /// Packets classified invalid.
    pub invalid: u64,
    /// New flows refused because the table was full and nothing was evictable.
    pub table_full: u64,
    /// Non-assured entries evicted to make room.
    pub evicted: u64,
    /// Entries removed because their timeout passed.
    pub expired: u64,
    /// Packets declared untracked.
    pub untracked: u64,
    /// Confirmations refused because another entry already held a tuple (NAT clash).
    pub clashes: u64,
    /// Times the table or its index could not grow because the heap was short (the flow was refused
    /// as if the table were full).
    pub no_memory: u64,
}

/// The result of [`Conntrack::process`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tracked {
    pub facts: ConnFacts,
    /// `facts.id` is a new, unconfirmed entry: [`Conntrack::confirm`] or [`Conntrack::discard`] it.
    pub tentative: bool,
    /// A new flow was refused because the table is full: drop the packet.
    pub table_full: bool,
    /// Why the packet was invalid before any lookup, if it was.
    pub parse_error: Option<ParseError>,
}

/// Why [`Conntrack::confirm`] refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfirmError {
    /// No such tentative entry (already confirmed, discarded, or freed as the oldest tentative).
    NotTentative,
    /// Another connection already holds the original or reply tuple; the entry was discarded and the
    /// packet should be dropped (Linux `nf_ct_resolve_clash` drops in this case too).
    Clash,
    /// The lookup index could not grow (the heap is short); the entry was discarded and the packet
    /// should be dropped, as when the table is full.
    NoMemory,
}

/// The connection table.
pub struct Conntrack {
    settings: ConntrackSettings,
    slots: Vec<Conn>,
    free: Vec<u32>,
    index: HashTable<u32>,
    keys: [u64; 2],
    live: u32,
    tentative: VecDeque<ConnId>,
    cursor: usize,
    rng: Prng,
    stats: ConntrackStats,
    /// Endpoint-independent NAT mappings (owned here so removal releases them; see `nat::eim`).
    pub(crate) eim: crate::nat::eim::EimTable,
}

fn ms(now: Instant) -> i64 {
    now.total_millis()
}

fn deadline(now: Instant, timeout: Duration) -> i64 {
    ms(now).saturating_add(i64::try_from(timeout.total_millis()).unwrap_or(i64::MAX))
}

impl Conntrack {
    /// An empty table. `seed` keys the index hash and seeds the eviction sampler.
    pub fn new(settings: ConntrackSettings, seed: u64) -> Self {
        let mut rng = Prng::new(seed);
        let keys = [rng.next_u64(), rng.next_u64()];
        let mut ct = Conntrack {
            settings,
            slots: Vec::new(),
            free: Vec::new(),
            index: HashTable::new(),
            keys,
            live: 0,
            tentative: VecDeque::with_capacity(MAX_TENTATIVE),
            cursor: 0,
            rng,
            stats: ConntrackStats::default(),
            eim: crate::nat::eim::EimTable::default(),
        };
        ct.size_index();
        ct
    }

    /// Gives an enlarged table (`max-entries` above the default) its whole index at once, as Linux
    /// sizes its hash buckets from `hashsize` up front: growing a hashbrown table rehashes every entry
    /// in one go, and at a million connections (two million index entries) that stops forwarding for
    /// long enough to overflow the NIC rings (measured: 3.6% of a 25k/s fill of new flows lost on the
    /// way to 1M under TCG). A default-size table grows as it fills, so a small VM pays only for what
    /// it tracks. If the heap cannot give the index now, it grows as needed later.
    fn size_index(&mut self) {
        let max = self.settings.max_entries_clamped();
        if max <= ConntrackSettings::default().max_entries {
            return;
        }
        let wanted = 2 * max as usize;
        let additional = wanted.saturating_sub(self.index.len());
        if self.index.capacity() < wanted {
            let _ = index::try_reserve(&mut self.index, &self.slots, &self.keys, additional);
        }
    }

    /// Entries the index holds without growing (tests).
    pub fn index_capacity(&self) -> usize {
        self.index.capacity()
    }

    pub fn settings(&self) -> &ConntrackSettings {
        &self.settings
    }

    /// `/ip firewall connection tracking set`. New timeouts apply from each connection's next packet;
    /// a lower `max-entries` refuses new flows until the table shrinks below it.
    pub fn set_settings(&mut self, settings: ConntrackSettings) {
        self.settings = settings;
        self.size_index();
    }

    pub fn stats(&self) -> ConntrackStats {
        self.stats
    }

    /// `total-entries`: live entries, tentative ones included.
    pub fn len(&self) -> usize {
        self.live as usize
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Facts for a packet a raw `notrack` rule exempted (connection-state=untracked).
    pub fn untracked(&mut self) -> ConnFacts {
        self.stats.untracked += 1;
        ConnFacts {
            id: None,
            state: ConnState::Untracked,
            direction: Direction::Original,
            srcnat: false,
            dstnat: false,
            mark: 0,
            fasttrack: false,
            bytes: 0,
        }
    }

    fn invalid(&mut self, parse_error: Option<ParseError>) -> Tracked {
        self.stats.invalid += 1;
        Tracked {
            facts: ConnFacts {
                id: None,
                state: ConnState::Invalid,
                direction: Direction::Original,
                srcnat: false,
                dstnat: false,
                mark: 0,
                fasttrack: false,
                bytes: 0,
            },
            tentative: false,
            table_full: false,
            parse_error,
        }
    }

    fn id_of(&self, slot: u32) -> ConnId {
        let g = self
            .slots
            .get(slot as usize)
            .map_or(0, |c| c.generation & GEN_MASK);
        ConnId(u32::from(g) << SLOT_BITS | slot)
    }

    /// Slot of a live connection named by `id` (generation checked).
    fn slot_of(&self, id: ConnId) -> Option<u32> {
        let slot = id.0 & SLOT_MASK;
        let c = self.slots.get(slot as usize)?;
        (c.has(status::LIVE) && u32::from(c.generation & GEN_MASK) == id.0 >> SLOT_BITS)
            .then_some(slot)
    }

    pub(crate) fn conn(&self, id: ConnId) -> Option<&Conn> {
        self.slot_of(id).and_then(|s| self.slots.get(s as usize))
    }

    pub(crate) fn conn_mut(&mut self, id: ConnId) -> Option<&mut Conn> {
        let s = self.slot_of(id)?;
        self.slots.get_mut(s as usize)
    }

    fn facts(&self, slot: u32, state: ConnState, dir: Direction) -> ConnFacts {
        let c = self.slots.get(slot as usize);
        let st = c.map_or(0, |c| c.status);
        ConnFacts {
            id: Some(self.id_of(slot)),
            state,
            direction: dir,
            srcnat: st & status::SRCNAT != 0,
            dstnat: st & status::DSTNAT != 0,
            mark: c.map_or(0, |c| c.mark),
            fasttrack: st & status::FASTTRACK != 0,
            bytes: c.map_or(0, |c| c.bytes[0].saturating_add(c.bytes[1])),
        }
    }

    fn lookup(&mut self, t: &Tuple, now: Instant) -> Option<(u32, Direction)> {
        let (slot, dir) = index::find(&self.index, &self.slots, &self.keys, t)?;
        let expired = self
            .slots
            .get(slot as usize)
            .is_none_or(|c| c.deadline_ms <= ms(now));
        if expired {
            self.remove_slot(slot);
            self.stats.expired += 1;
            return None;
        }
        Some((slot, dir))
    }

    /// Whether some connection's original or reply tuple is `t` (used by NAT to keep reply tuples
    /// unique; expired-but-unswept entries count as in use).
    pub(crate) fn tuple_in_use(&self, t: &Tuple) -> bool {
        index::find(&self.index, &self.slots, &self.keys, t).is_some()
    }

    /// Tracks one IPv4 packet (`l3` starts at the IPv4 header).
    pub fn process(&mut self, l3: &[u8], now: Instant) -> Tracked {
        self.process_checked(l3, true, now)
    }

    /// [`Self::process`], with `verify_checksum` false for a packet whose transport checksum a NIC
    /// verified or left partial ([`crate::offload`]).
    pub fn process_checked(&mut self, l3: &[u8], verify_checksum: bool, now: Instant) -> Tracked {
        let p = match parse::parse(l3, false) {
            Ok(p) => p,
            Err(e) => return self.invalid(Some(e)),
        };
        let found = match p.l4 {
            L4::IcmpError { .. } => None,
            _ => self.lookup(&p.tuple, now),
        };
        // Checksums are verified (Linux nf_conntrack_checksum) except for FastTracked connections, whose
        // packets skip conntrack processing beyond the lookup (routeros-reference.md §1).
        let fasttracked = found
            .and_then(|(slot, _)| self.slots.get(slot as usize))
            .is_some_and(|c| c.has(status::FASTTRACK));
        if self.settings.verify_checksums
            && verify_checksum
            && !fasttracked
            && let Err(e) = parse::verify_checksum(l3)
        {
            return self.invalid(Some(e));
        }
        if let L4::IcmpError { inner } = p.l4 {
            return self.related(&inner, p.tuple.dst, now);
        }
        if let Some((slot, dir)) = found {
            match self.existing(slot, dir, &p, now) {
                Some(t) => return t,
                None => {
                    // TCP reopen: the old entry is gone; track as new.
                    self.remove_slot(slot);
                }
            }
        }
        self.create(&p, now)
    }

    fn related(
        &mut self,
        inner: &Tuple,
        outer_dst: smoltcp::wire::Ipv4Address,
        now: Instant,
    ) -> Tracked {
        // Linux icmp_error_message: look up the inverted quoted tuple; the found direction's tuple must
        // have the outer destination as its destination, else a forged error could reach third hosts.
        let Some((slot, dir)) = self.lookup(&inner.inverted(), now) else {
            return self.invalid(None);
        };
        let ok = self
            .slots
            .get(slot as usize)
            .is_some_and(|c| c.tuple(dir).dst == outer_dst);
        if !ok {
            return self.invalid(None);
        }
        Tracked {
            facts: self.facts(slot, ConnState::Related, dir),
            tentative: false,
            table_full: false,
            parse_error: None,
        }
    }

    /// A packet of a known connection; `None` asks the caller to reopen (remove and create anew).
    fn existing(
        &mut self,
        slot: u32,
        dir: Direction,
        p: &parse::Parsed,
        now: Instant,
    ) -> Option<Tracked> {
        let settings = self.settings;
        let c = self.slots.get_mut(slot as usize)?;
        let seen_reply = c.has(status::SEEN_REPLY);
        let timeout = match p.l4 {
            // FastTrack: an established connection's plain segments skip state and window tracking
            // ("conntrack processing beyond the lookup", routeros-reference.md §1); SYN, FIN and RST
            // still go through the state machine so the connection closes properly.
            L4::Tcp(seg)
                if c.has(status::FASTTRACK)
                    && seg.flags & (tcp_flags::SYN | tcp_flags::FIN | tcp_flags::RST) == 0
                    && c.tcp.state == TcpState::Established =>
            {
                c.status |= status::WINDOWS_STALE;
                settings.tcp_established_timeout
            }
            L4::Tcp(seg) => {
                if c.has(status::WINDOWS_STALE) {
                    c.tcp.forget_windows();
                    c.status &= !status::WINDOWS_STALE;
                }
                let old = c.tcp.state;
                match tcp::tcp_packet(&mut c.tcp, dir, &seg, seen_reply, &settings) {
                    TcpVerdict::Invalid => return Some(self.invalid(None)),
                    TcpVerdict::Reopen => return None,
                    TcpVerdict::Ignore => {
                        let state = if dir == Direction::Reply || seen_reply {
                            ConnState::Established
                        } else {
                            ConnState::New
                        };
                        return Some(Tracked {
                            facts: self.facts(slot, state, dir),
                            tentative: false,
                            table_full: false,
                            parse_error: None,
                        });
                    }
                    TcpVerdict::Kill => {
                        let facts = self.facts(slot, ConnState::Established, dir);
                        self.remove_slot(slot);
                        return Some(Tracked {
                            facts,
                            tentative: false,
                            table_full: false,
                            parse_error: None,
                        });
                    }
                    TcpVerdict::Accept { timeout } => {
                        if seen_reply && tcp::becomes_assured(old, c.tcp.state) {
                            c.status |= status::ASSURED;
                        }
                        timeout
                    }
                }
            }
            L4::Udp => {
                if seen_reply {
                    c.status |= status::ASSURED;
                    settings.udp_stream_timeout
                } else {
                    settings.udp_timeout
                }
            }
            L4::IcmpQuery { request } => {
                // The tuple has no ICMP type: requests belong to the original direction, replies to
                // the reply direction.
                if request != (dir == Direction::Original) {
                    return Some(self.invalid(None));
                }
                settings.icmp_timeout
            }
            L4::Other => {
                if seen_reply {
                    c.status |= status::ASSURED;
                }
                settings.generic_timeout
            }
            L4::IcmpError { .. } => return Some(self.invalid(None)),
        };
        c.deadline_ms = deadline(now, timeout);
        let d = dir_index(dir);
        if let Some(n) = c.packets.get_mut(d) {
            *n = n.saturating_add(1);
        }
        if let Some(b) = c.bytes.get_mut(d) {
            *b = b.saturating_add(u64::from(p.ip_len));
        }
        if dir == Direction::Reply {
            c.status |= status::SEEN_REPLY;
        }
        let state = if dir == Direction::Reply || seen_reply {
            ConnState::Established
        } else {
            ConnState::New
        };
        Some(Tracked {
            facts: self.facts(slot, state, dir),
            tentative: false,
            table_full: false,
            parse_error: None,
        })
    }

    fn create(&mut self, p: &parse::Parsed, now: Instant) -> Tracked {
        let s = &self.settings;
        let (tcp, timeout) = match p.l4 {
            L4::Tcp(seg) => match tcp::tcp_new(&seg, s.loose_tcp_tracking) {
                Some(tr) => (tr, tr.state.timeout(s)),
                None => return self.invalid(None),
            },
            L4::Udp => (tcp::TcpTrack::default(), s.udp_timeout),
            L4::IcmpQuery { request: true } => (tcp::TcpTrack::default(), s.icmp_timeout),
            L4::IcmpQuery { request: false } | L4::IcmpError { .. } => return self.invalid(None),
            L4::Other => (tcp::TcpTrack::default(), s.generic_timeout),
        };
        let Some(slot) = self.alloc(now) else {
            self.stats.table_full += 1;
            let mut t = self.invalid(None);
            self.stats.invalid -= 1;
            t.table_full = true;
            return t;
        };
        let Some(c) = self.slots.get_mut(slot as usize) else {
            return self.invalid(None);
        };
        c.tuples = [p.tuple, p.tuple.inverted()];
        c.status = status::LIVE;
        c.mark = 0;
        c.deadline_ms = deadline(now, timeout);
        c.packets = [1, 0];
        c.bytes = [u64::from(p.ip_len), 0];
        c.tcp = tcp;
        let id = self.id_of(slot);
        if self.tentative.len() >= MAX_TENTATIVE
            && let Some(old) = self.tentative.pop_front()
            && self.conn(old).is_some_and(|c| !c.has(status::CONFIRMED))
        {
            self.discard(old);
        }
        self.tentative.push_back(id);
        Tracked {
            facts: self.facts(slot, ConnState::New, Direction::Original),
            tentative: true,
            table_full: false,
            parse_error: None,
        }
    }

    /// A free slot, evicting if the table is full. `None`: full and nothing evictable.
    fn alloc(&mut self, now: Instant) -> Option<u32> {
        if self.live >= self.settings.max_entries_clamped() && !self.early_drop(now) {
            return None;
        }
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                let s = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|&s| s < MAX_ENTRIES_LIMIT)?;
                // A `max-entries` larger than the heap allows must not end in an allocation failure
                // (which halts the router): growth that fails is a full table. The free list gets room
                // for every slot at the same time, so removing an entry never allocates.
                let free_room = self.slots.len() + 1 - self.free.len();
                if self.slots.try_reserve(1).is_err() || self.free.try_reserve(free_room).is_err() {
                    self.stats.no_memory += 1;
                    return None;
                }
                self.slots.push(Conn::empty());
                s
            }
        };
        self.live += 1;
        Some(slot)
    }

    /// Linux `early_drop`, bounded to [`EARLY_DROP_SAMPLES`] slots.
    fn early_drop(&mut self, now: Instant) -> bool {
        let n = self.slots.len();
        if n == 0 {
            return false;
        }
        let start = self.rng.below(n as u32) as usize;
        let mut victim: Option<(u32, i64)> = None;
        for i in 0..EARLY_DROP_SAMPLES.min(n) {
            let slot = ((start + i) % n) as u32;
            let Some(c) = self.slots.get(slot as usize) else {
                continue;
            };
            if !c.has(status::LIVE) {
                continue;
            }
            if c.deadline_ms <= ms(now) {
                self.remove_slot(slot);
                self.stats.expired += 1;
                return true;
            }
            if !c.has(status::ASSURED) && victim.is_none_or(|(_, d)| c.deadline_ms < d) {
                victim = Some((slot, c.deadline_ms));
            }
        }
        match victim {
            Some((slot, _)) => {
                self.remove_slot(slot);
                self.stats.evicted += 1;
                true
            }
            None => false,
        }
    }

    fn remove_slot(&mut self, slot: u32) {
        let Some(c) = self.slots.get_mut(slot as usize) else {
            return;
        };
        if !c.has(status::LIVE) {
            return;
        }
        let conn = c.clone();
        c.status = 0;
        c.generation = c.generation.wrapping_add(1) & GEN_MASK;
        if conn.has(status::CONFIRMED) {
            for dir in [Direction::Original, Direction::Reply] {
                index::remove(&mut self.index, &self.keys, conn.tuple(dir), slot, dir);
            }
        }
        if conn.has(status::EIM) {
            self.eim.release(&conn);
        }
        self.free.push(slot);
        self.live = self.live.saturating_sub(1);
    }

    /// Confirms a tentative entry: inserts its original and reply tuples into the index.
    pub fn confirm(&mut self, id: ConnId) -> Result<(), ConfirmError> {
        let slot = self.slot_of(id).ok_or(ConfirmError::NotTentative)?;
        let c = self
            .slots
            .get(slot as usize)
            .ok_or(ConfirmError::NotTentative)?;
        if c.has(status::CONFIRMED) {
            return Err(ConfirmError::NotTentative);
        }
        let [o, r] = c.tuples;
        if self.tuple_in_use(&o) || self.tuple_in_use(&r) || o == r {
            self.stats.clashes += 1;
            self.remove_slot(slot);
            return Err(ConfirmError::Clash);
        }
        if !index::try_reserve(&mut self.index, &self.slots, &self.keys, 2) {
            self.stats.no_memory += 1;
            self.remove_slot(slot);
            return Err(ConfirmError::NoMemory);
        }
        if let Some(c) = self.slots.get_mut(slot as usize) {
            c.status |= status::CONFIRMED;
        }
        index::insert(
            &mut self.index,
            &self.slots,
            &self.keys,
            slot,
            Direction::Original,
        );
        index::insert(
            &mut self.index,
            &self.slots,
            &self.keys,
            slot,
            Direction::Reply,
        );
        self.tentative.retain(|&t| t != id);
        self.stats.new += 1;
        Ok(())
    }

    /// Drops a tentative entry (its packet was dropped). No effect on confirmed entries.
    pub fn discard(&mut self, id: ConnId) {
        if let Some(slot) = self.slot_of(id)
            && self
                .slots
                .get(slot as usize)
                .is_some_and(|c| !c.has(status::CONFIRMED))
        {
            self.remove_slot(slot);
            self.tentative.retain(|&t| t != id);
        }
    }

    /// `/ip firewall connection remove`. Returns whether the entry existed.
    pub fn remove(&mut self, id: ConnId) -> bool {
        match self.slot_of(id) {
            Some(slot) => {
                self.remove_slot(slot);
                true
            }
            None => false,
        }
    }

    /// Removes every entry (e.g. conntrack disabled).
    pub fn clear(&mut self) {
        for slot in 0..self.slots.len() as u32 {
            self.remove_slot(slot);
        }
        self.tentative.clear();
    }

    /// Expiry sweep: examines at most [`SWEEP_BUDGET`] slots; returns how many entries expired.
    pub fn poll(&mut self, now: Instant) -> usize {
        let n = self.slots.len();
        if n == 0 {
            return 0;
        }
        let mut expired = 0;
        for _ in 0..SWEEP_BUDGET.min(n) {
            self.cursor = if self.cursor + 1 >= n {
                0
            } else {
                self.cursor + 1
            };
            let slot = self.cursor as u32;
            if self
                .slots
                .get(self.cursor)
                .is_some_and(|c| c.has(status::LIVE) && c.deadline_ms <= ms(now))
            {
                self.remove_slot(slot);
                expired += 1;
            }
        }
        self.stats.expired += expired as u64;
        expired
    }

    /// `connection-mark` (mangle `mark-connection`).
    pub fn set_mark(&mut self, id: ConnId, mark: u32) -> bool {
        self.conn_mut(id).map(|c| c.mark = mark).is_some()
    }

    /// `fasttrack-connection`.
    pub fn set_fasttrack(&mut self, id: ConnId) -> bool {
        self.conn_mut(id)
            .map(|c| c.status |= status::FASTTRACK)
            .is_some()
    }

    /// Original and reply tuples of a connection (what NAT rewriting needs).
    pub fn tuples(&self, id: ConnId) -> Option<[Tuple; 2]> {
        self.conn(id).map(|c| c.tuples)
    }

    fn view(&self, slot: u32, now: Instant) -> Option<ConnView> {
        let c = self
            .slots
            .get(slot as usize)
            .filter(|c| c.has(status::LIVE))?;
        let left = c.deadline_ms.saturating_sub(ms(now)).max(0);
        Some(ConnView {
            id: self.id_of(slot),
            protocol: c.tuples[0].protocol,
            original: c.tuples[0],
            reply: c.tuples[1],
            tcp_state: (c.tuples[0].protocol == PROTO_TCP).then_some(c.tcp.state),
            timeout: Duration::from_millis(left as u64),
            orig_packets: c.packets[0],
            orig_bytes: c.bytes[0],
            repl_packets: c.packets[1],
            repl_bytes: c.bytes[1],
            seen_reply: c.has(status::SEEN_REPLY),
            assured: c.has(status::ASSURED),
            confirmed: c.has(status::CONFIRMED),
            fasttrack: c.has(status::FASTTRACK),
            srcnat: c.has(status::SRCNAT),
            dstnat: c.has(status::DSTNAT),
            mark: c.mark,
        })
    }

    /// One connection as `print` shows it.
    pub fn get(&self, id: ConnId, now: Instant) -> Option<ConnView> {
        self.view(self.slot_of(id)?, now)
    }

    /// Every live entry (tentative ones included, without the C flag), in slot order.
    pub fn iter(&self, now: Instant) -> impl Iterator<Item = ConnView> + '_ {
        self.iter_from(0, now).map(|(_, view)| view)
    }

    /// The live entries at table positions `from` and later, in position order, each with the
    /// position to resume from after it: `/ip firewall connection print` lists a table of any size in
    /// bounded pages this way. Resuming at a returned position neither repeats nor skips an entry of
    /// an unchanged table; a position past the end yields nothing.
    pub fn iter_from(&self, from: u32, now: Instant) -> impl Iterator<Item = (u32, ConnView)> + '_ {
        // Slots are fewer than `MAX_ENTRIES_LIMIT` (2^20), so `slot + 1` cannot overflow.
        (from..self.slots.len() as u32).filter_map(move |s| Some((s + 1, self.view(s, now)?)))
    }

    /// Estimated memory per connection: slab entry plus two index entries at the current load.
    pub fn bytes_per_connection(&self) -> usize {
        core::mem::size_of::<Conn>() + 2 * index::bytes_per_entry(&self.index)
    }

    /// Re-indexes a connection's reply tuple after NAT changed it (`new_reply` must be unused).
    /// `false`: no such connection, or the index could not make room (the heap is short).
    pub(crate) fn set_reply(&mut self, id: ConnId, new_reply: Tuple) -> bool {
        let Some(slot) = self.slot_of(id) else {
            return false;
        };
        if !index::try_reserve(&mut self.index, &self.slots, &self.keys, 1) {
            self.stats.no_memory += 1;
            return false;
        }
        let Some(c) = self.slots.get_mut(slot as usize) else {
            return false;
        };
        let old = c.tuples[1];
        let confirmed = c.has(status::CONFIRMED);
        c.tuples[1] = new_reply;
        if confirmed {
            index::remove(&mut self.index, &self.keys, &old, slot, Direction::Reply);
            index::insert(
                &mut self.index,
                &self.slots,
                &self.keys,
                slot,
                Direction::Reply,
            );
        }
        true
    }

    /// Removes every connection `pred` selects (management operations, e.g. masquerade flush).
    /// Walks the whole table: not for the per-packet path.
    pub(crate) fn remove_where(&mut self, mut pred: impl FnMut(&Conn) -> bool) -> usize {
        let mut n = 0;
        for slot in 0..self.slots.len() as u32 {
            if self
                .slots
                .get(slot as usize)
                .is_some_and(|c| c.has(status::LIVE) && pred(c))
            {
                self.remove_slot(slot);
                n += 1;
            }
        }
        n
    }
}

/// Protocol numbers used across conntrack and NAT.
pub mod proto {
    pub const ICMP: u8 = super::PROTO_ICMP;
    pub const TCP: u8 = super::PROTO_TCP;
    pub const UDP: u8 = super::PROTO_UDP;
}
