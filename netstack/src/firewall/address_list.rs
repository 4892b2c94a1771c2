//! `/ip firewall address-list`: named sets of addresses, prefixes and ranges, with static entries and
//! dynamic entries that may expire (added by `address-list add ... timeout=` or by the
//! `add-src-to-address-list` / `add-dst-to-address-list` actions).
//!
//! # How lookup stays fast
//!
//! Every entry (an address, a CIDR prefix or an `a-b` range) is decomposed into the minimal set of
//! aligned CIDR blocks covering it (at most 62 for a range, one for a prefix). Each list keeps one hash
//! map from `(prefix length, network)` to a reference count, plus a bitmask of the prefix lengths in use.
//! A lookup probes the map once per length in use — one probe for a list of plain addresses, at most 33
//! in the worst case — independent of the number of entries (like netfilter's `hash:net` ipset, which
//! also probes per prefix length in use). Overlapping entries share blocks through the reference count.
//!
//! # Expiry
//!
//! Dynamic entries with a timeout carry a deadline and are queued in a min-heap; [`AddressLists::expire`]
//! (called by the rule engine at the start of every run) pops only what is due, so cost is proportional
//! to what expires, never a scan of the lists. Refreshing an entry's timeout leaves a stale heap item
//! behind; the heap is rebuilt when stale items outnumber live ones, which keeps it bounded.
//!
//! # Bounds
//!
//! The total number of entries over all lists is capped ([`AddressLists::new`]); an add beyond it fails
//! ([`AddressListError::Full`]); the actions then simply do not add (counted in
//! [`AddressLists::dropped_adds`]). The number of lists is capped at [`MAX_LISTS`].

use alloc::collections::BinaryHeap;
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Reverse;

use hashbrown::HashMap;
use smoltcp::wire::Ipv4Address;

use super::spec::{AddrRange, prefix_mask};
use crate::{Duration, Instant};

/// Most lists that can exist (names are interned and never freed).
pub const MAX_LISTS: usize = 4096;
/// Default cap on the total number of entries.
pub const DEFAULT_MAX_ENTRIES: usize = 262_144;

/// Index of a list (stable for the life of the [`AddressLists`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AddressListId(pub u16);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressListError {
    /// RouterOS: `failure: already have such entry`.
    AlreadyExists,
    /// The total entry cap is reached.
    Full,
    /// Too many lists.
    TooManyLists,
    /// No such entry / list.
    NotFound,
}

/// One entry as `print` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressListEntry {
    pub address: AddrRange,
    /// The D flag: added with a timeout or by an action; not saved in the config.
    pub dynamic: bool,
    /// When the entry expires (None: never).
    pub expires_at: Option<Instant>,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    dynamic: bool,
    deadline: Option<i64>,
    /// Bumped on every refresh, so stale heap items are recognised.
    generation: u32,
}

#[derive(Debug)]
struct List {
    name: String,
    entries: HashMap<AddrRange, Entry>,
    /// `(prefix_len, network)` -> how many entries cover this block.
    blocks: HashMap<(u8, u32), u32>,
    /// How many blocks of each prefix length exist.
    len_counts: [u32; 33],
    /// Bit `l` set when `len_counts[l] > 0`.
    len_mask: u64,
}

impl List {
    fn new(name: &str) -> Self {
        List {
            name: String::from(name),
            entries: HashMap::new(),
            blocks: HashMap::new(),
            len_counts: [0; 33],
            len_mask: 0,
        }
    }

    fn contains(&self, addr: u32) -> bool {
        let mut mask = self.len_mask;
        // Longest lengths first: plain addresses (/32) are the common case.
        while mask != 0 {
            let len = 63 - mask.leading_zeros() as u8;
            mask &= !(1u64 << len);
            if self.blocks.contains_key(&(len, addr & prefix_mask(len))) {
                return true;
            }
        }
        false
    }

    fn insert_blocks(&mut self, range: AddrRange) {
        for (len, net) in cidr_blocks(range) {
            let count = self.blocks.entry((len, net)).or_insert(0);
            *count += 1;
            if *count == 1 {
                self.len_counts[usize::from(len)] += 1;
                self.len_mask |= 1 << len;
            }
        }
    }

    fn remove_blocks(&mut self, range: AddrRange) {
        for (len, net) in cidr_blocks(range) {
            if let Some(count) = self.blocks.get_mut(&(len, net)) {
                *count -= 1;
                if *count == 0 {
                    self.blocks.remove(&(len, net));
                    let l = &mut self.len_counts[usize::from(len)];
                    *l = l.saturating_sub(1);
                    if *l == 0 {
                        self.len_mask &= !(1 << len);
                    }
                }
            }
        }
    }
}

/// The minimal aligned CIDR blocks covering an inclusive range, as `(prefix_len, network)`.
pub fn cidr_blocks(range: AddrRange) -> impl Iterator<Item = (u8, u32)> {
    let mut start = u64::from(u32::from(range.start));
    let end = u64::from(u32::from(range.end));
    core::iter::from_fn(move || {
        if start > end {
            return None;
        }
        // Largest block aligned at `start` that does not pass `end`.
        let mut size_log = if start == 0 {
            32
        } else {
            start.trailing_zeros().min(32)
        };
        while start + (1u64 << size_log) - 1 > end {
            size_log -= 1;
        }
        let block = (32 - size_log as u8, start as u32);
        start += 1u64 << size_log;
        Some(block)
    })
}

/// All address lists, with their expiry queue and bounds.
#[derive(Debug)]
pub struct AddressLists {
    lists: Vec<List>,
    by_name: HashMap<String, AddressListId>,
    expiry: BinaryHeap<Reverse<(i64, u16, AddrRange, u32)>>,
    total: usize,
    max_entries: usize,
    dropped_adds: u64,
}

impl Default for AddressLists {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_ENTRIES)
    }
}

impl AddressLists {
    /// Empty lists holding at most `max_entries` entries in total.
    pub fn new(max_entries: usize) -> Self {
        AddressLists {
            lists: Vec::new(),
            by_name: HashMap::new(),
            expiry: BinaryHeap::new(),
            total: 0,
            max_entries,
            dropped_adds: 0,
        }
    }

    /// The id of list `name`, creating it (empty) if needed — rules may name a list before it has entries,
    /// as on RouterOS.
    pub fn list_id(&mut self, name: &str) -> Result<AddressListId, AddressListError> {
        if let Some(&id) = self.by_name.get(name) {
            return Ok(id);
        }
        if self.lists.len() >= MAX_LISTS {
            return Err(AddressListError::TooManyLists);
        }
        let id = AddressListId(self.lists.len() as u16);
        self.lists.push(List::new(name));
        self.by_name.insert(String::from(name), id);
        Ok(id)
    }

    pub fn find(&self, name: &str) -> Option<AddressListId> {
        self.by_name.get(name).copied()
    }

    pub fn name(&self, id: AddressListId) -> Option<&str> {
        self.lists.get(usize::from(id.0)).map(|l| l.name.as_str())
    }

    /// Total entries over all lists.
    pub fn len(&self) -> usize {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Adds made by actions that failed because the cap was reached.
    pub fn dropped_adds(&self) -> u64 {
        self.dropped_adds
    }

    /// `/ip firewall address-list add list= address= [timeout=]`: a static entry, or a dynamic one when a
    /// timeout is given. Fails on a duplicate (same list, same address) like RouterOS.
    pub fn add(
        &mut self,
        list: &str,
        address: AddrRange,
        timeout: Option<Duration>,
        now: Instant,
    ) -> Result<(), AddressListError> {
        let id = self.list_id(list)?;
        if self.lists[usize::from(id.0)].entries.contains_key(&address) {
            return Err(AddressListError::AlreadyExists);
        }
        self.insert(id, address, timeout.is_some(), timeout, now)
    }

    /// What `add-src-to-address-list` / `add-dst-to-address-list` do: add the entry, or refresh the
    /// timeout of an existing dynamic one (a static entry is left alone). False when the cap was hit.
    pub fn add_from_action(
        &mut self,
        id: AddressListId,
        address: Ipv4Address,
        dynamic: bool,
        timeout: Option<Duration>,
        now: Instant,
    ) -> bool {
        let range = AddrRange::single(address);
        let Some(list) = self.lists.get_mut(usize::from(id.0)) else {
            return false;
        };
        if let Some(entry) = list.entries.get_mut(&range) {
            if entry.dynamic {
                entry.generation = entry.generation.wrapping_add(1);
                entry.deadline = timeout.map(|t| deadline(now, t));
                if let Some(d) = entry.deadline {
                    self.expiry
                        .push(Reverse((d, id.0, range, entry.generation)));
                    self.compact_heap();
                }
            }
            return true;
        }
        let ok = self.insert(id, range, dynamic, timeout, now).is_ok();
        if !ok {
            self.dropped_adds += 1;
        }
        ok
    }

    fn insert(
        &mut self,
        id: AddressListId,
        address: AddrRange,
        dynamic: bool,
        timeout: Option<Duration>,
        now: Instant,
    ) -> Result<(), AddressListError> {
        if self.total >= self.max_entries {
            return Err(AddressListError::Full);
        }
        let list = self
            .lists
            .get_mut(usize::from(id.0))
            .ok_or(AddressListError::NotFound)?;
        let deadline = timeout.map(|t| deadline(now, t));
        list.entries.insert(
            address,
            Entry {
                dynamic,
                deadline,
                generation: 0,
            },
        );
        list.insert_blocks(address);
        self.total += 1;
        if let Some(d) = deadline {
            self.expiry.push(Reverse((d, id.0, address, 0)));
            self.compact_heap();
        }
        Ok(())
    }

    /// Removes an entry.
    pub fn remove(&mut self, list: &str, address: AddrRange) -> Result<(), AddressListError> {
        let id = self.find(list).ok_or(AddressListError::NotFound)?;
        self.remove_entry(id, address)
            .then_some(())
            .ok_or(AddressListError::NotFound)
    }

    fn remove_entry(&mut self, id: AddressListId, address: AddrRange) -> bool {
        let Some(list) = self.lists.get_mut(usize::from(id.0)) else {
            return false;
        };
        if list.entries.remove(&address).is_none() {
            return false;
        }
        list.remove_blocks(address);
        self.total -= 1;
        true
    }

    /// Whether `addr` is covered by an entry of list `id`. Entries past their deadline count until
    /// [`AddressLists::expire`] runs (the rule engine runs it before every evaluation).
    pub fn contains(&self, id: AddressListId, addr: Ipv4Address) -> bool {
        self.lists
            .get(usize::from(id.0))
            .is_some_and(|l| l.contains(u32::from(addr)))
    }

    /// Removes the dynamic entries whose deadline is at or before `now`; returns how many.
    pub fn expire(&mut self, now: Instant) -> usize {
        let now = now.total_micros();
        let mut removed = 0;
        while let Some(Reverse((deadline, list, range, generation))) = self.expiry.peek().copied() {
            if deadline > now {
                break;
            }
            self.expiry.pop();
            let id = AddressListId(list);
            let live = self
                .lists
                .get(usize::from(list))
                .and_then(|l| l.entries.get(&range))
                .is_some_and(|e| e.generation == generation && e.deadline == Some(deadline));
            if live && self.remove_entry(id, range) {
                removed += 1;
            }
        }
        removed
    }

    /// The entries of a list (any order).
    pub fn entries(&self, id: AddressListId) -> impl Iterator<Item = AddressListEntry> + '_ {
        self.lists.get(usize::from(id.0)).into_iter().flat_map(|l| {
            l.entries.iter().map(|(range, e)| AddressListEntry {
                address: *range,
                dynamic: e.dynamic,
                expires_at: e.deadline.map(Instant::from_micros),
            })
        })
    }

    /// Every list's id and name.
    pub fn lists(&self) -> impl Iterator<Item = (AddressListId, &str)> {
        self.lists
            .iter()
            .enumerate()
            .map(|(i, l)| (AddressListId(i as u16), l.name.as_str()))
    }

    /// Rebuilds the expiry heap from live entries when stale items dominate.
    fn compact_heap(&mut self) {
        if self.expiry.len() <= 2 * self.total + 1024 {
            return;
        }
        let mut items = Vec::with_capacity(self.total);
        for (i, list) in self.lists.iter().enumerate() {
            for (range, e) in &list.entries {
                if let Some(d) = e.deadline {
                    items.push(Reverse((d, i as u16, *range, e.generation)));
                }
            }
        }
        self.expiry = BinaryHeap::from(items);
    }
}

fn deadline(now: Instant, timeout: Duration) -> i64 {
    now.total_micros()
        .saturating_add(i64::try_from(timeout.total_micros()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::tests::Rng;
    use smoltcp::wire::Ipv4Cidr;

    fn a(x: u32) -> Ipv4Address {
        Ipv4Address::from(x)
    }

    #[test]
    fn cidr_decomposition_covers_exactly() {
        let mut rng = Rng::new(5);
        for _ in 0..2000 {
            let s = rng.u32() >> (rng.below(32) as u32);
            let e = s.saturating_add(rng.u32() >> (rng.below(32) as u32));
            let range = AddrRange::range(a(s), a(e));
            let blocks: Vec<_> = cidr_blocks(range).collect();
            assert!(blocks.len() <= 62);
            let mut next = u64::from(s);
            for (len, net) in blocks {
                assert_eq!(u64::from(net), next);
                assert_eq!(net & !prefix_mask(len), 0, "aligned");
                next += 1u64 << (32 - u32::from(len));
            }
            assert_eq!(next, u64::from(e) + 1);
        }
        assert_eq!(
            cidr_blocks(AddrRange::range(a(0), a(u32::MAX))).collect::<Vec<_>>(),
            [(0, 0)]
        );
    }

    #[test]
    fn static_dynamic_duplicates_and_removal() {
        let mut lists = AddressLists::default();
        let t0 = Instant::from_secs(100);
        let net = AddrRange::prefix(Ipv4Cidr::new(Ipv4Address::new(10, 0, 0, 0), 8));
        lists.add("bad", net, None, t0).unwrap();
        assert_eq!(
            lists.add("bad", net, None, t0),
            Err(AddressListError::AlreadyExists)
        );
        let id = lists.find("bad").unwrap();
        assert!(lists.contains(id, Ipv4Address::new(10, 1, 2, 3)));
        assert!(!lists.contains(id, Ipv4Address::new(11, 0, 0, 0)));
        // Overlapping entries share blocks.
        let r = AddrRange::range(Ipv4Address::new(10, 0, 0, 5), Ipv4Address::new(11, 0, 0, 1));
        lists
            .add("bad", r, Some(Duration::from_secs(10)), t0)
            .unwrap();
        assert!(lists.contains(id, Ipv4Address::new(11, 0, 0, 1)));
        lists.remove("bad", net).unwrap();
        assert!(lists.contains(id, Ipv4Address::new(10, 0, 0, 5)));
        assert!(!lists.contains(id, Ipv4Address::new(10, 0, 0, 4)));
        assert_eq!(lists.expire(Instant::from_secs(109)), 0);
        assert_eq!(lists.expire(Instant::from_secs(110)), 1);
        assert!(!lists.contains(id, Ipv4Address::new(10, 0, 0, 5)));
        assert!(lists.is_empty());
        assert_eq!(lists.remove("bad", net), Err(AddressListError::NotFound));
    }

    #[test]
    fn action_adds_refresh_timeout_and_respect_cap() {
        let mut lists = AddressLists::new(2);
        let id = lists.list_id("scanners").unwrap();
        let t = Duration::from_secs(60);
        assert!(lists.add_from_action(id, a(1), true, Some(t), Instant::from_secs(0)));
        // Refresh at 50s: now expires at 110s.
        assert!(lists.add_from_action(id, a(1), true, Some(t), Instant::from_secs(50)));
        assert_eq!(lists.expire(Instant::from_secs(100)), 0);
        assert!(lists.contains(id, a(1)));
        assert!(lists.add_from_action(id, a(2), true, None, Instant::from_secs(50)));
        assert!(!lists.add_from_action(id, a(3), true, None, Instant::from_secs(50)));
        assert_eq!(lists.dropped_adds(), 1);
        assert_eq!(lists.expire(Instant::from_secs(110)), 1);
        assert!(!lists.contains(id, a(1)));
        assert!(lists.contains(id, a(2)), "no timeout: never expires");
        let e: Vec<_> = lists.entries(id).collect();
        assert_eq!(e.len(), 1);
        assert!(e[0].dynamic && e[0].expires_at.is_none());
    }

    #[test]
    fn heap_stays_bounded_under_refreshes() {
        let mut lists = AddressLists::default();
        let id = lists.list_id("x").unwrap();
        for i in 0..100_000 {
            lists.add_from_action(
                id,
                a(7),
                true,
                Some(Duration::from_secs(5)),
                Instant::from_millis(i),
            );
        }
        assert!(lists.expiry.len() <= 2 * lists.len() + 1025);
        assert_eq!(lists.expire(Instant::from_millis(99_999 + 4_999)), 0);
        assert_eq!(lists.expire(Instant::from_millis(99_999 + 5_000)), 1);
    }

    /// 100k entries of mixed kinds; lookups agree with a naive scan.
    #[test]
    fn hundred_thousand_entries_match_naive_scan() {
        let mut rng = Rng::new(0xA11);
        let mut lists = AddressLists::new(200_000);
        let id = lists.list_id("big").unwrap();
        let mut naive = Vec::new();
        let now = Instant::from_secs(0);
        while naive.len() < 100_000 {
            let base = rng.u32();
            let range = match rng.below(10) {
                0 => AddrRange::prefix(Ipv4Cidr::new(a(base), 8 + rng.below(24) as u8)),
                1 => AddrRange::range(a(base), a(base.saturating_add(rng.u32() >> 12))),
                _ => AddrRange::single(a(base)),
            };
            if lists.add("big", range, None, now).is_ok() {
                naive.push(range);
            }
        }
        assert_eq!(lists.len(), 100_000);
        for i in 0..3000 {
            // Half probes near entries, half random.
            let x = if i % 2 == 0 {
                let r = naive[rng.below(naive.len())];
                u32::from(r.start)
                    .wrapping_add(rng.below(3) as u32)
                    .wrapping_sub(1)
            } else {
                rng.u32()
            };
            let expected = naive.iter().any(|r| r.contains(a(x)));
            assert_eq!(lists.contains(id, a(x)), expected, "{}", a(x));
        }
    }
}
