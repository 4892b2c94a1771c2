//! The prefix index of the FIB: longest-prefix match (RFC 1812 §5.2.4.3) with a direct-indexed first level.
//!
//! A single path-compressed trie over 100k random prefixes is ~17 nodes deep, and each node is a likely
//! cache miss. Like DIR-24-8 / Linux's level-compressed `fib_trie`, but with a small fixed table, the
//! top 16 bits of the address index a table of 2^16 slots (512 KiB, allocated with the first entry); each
//! slot holds
//! - the root of its own small trie of the prefixes longer than /16 that fall inside it, and
//! - the node of the longest prefix of length ≤ 16 covering the whole slot (controlled prefix expansion of
//!   the short prefixes, which live in one separate trie).
//!
//! A lookup reads one slot, walks the slot's trie (usually a node or two; at most 17), and falls back to
//! the slot's short match: O(1) in the number of routes and never more than 18 node reads. No allocation.
//!
//! Updates: a prefix longer than /16 touches only its slot's trie. A prefix of length `l ≤ 16` also updates
//! the 2^(16-l) slots it covers (65536 for the default route, 256 for a /8, 1 for a /16) — a bounded cost
//! paid on changes, not on lookups.

use alloc::vec;
use alloc::vec::Vec;

use super::prefix::Prefix;
use super::trie::{NIL, TrieArena};

/// Address bits that index the first level.
const SLOT_BITS: u8 = 16;
/// Slots of the first level.
const SLOTS: usize = 1 << SLOT_BITS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slot {
    /// Root of the trie of prefixes longer than /16 inside this slot.
    long_root: u32,
    /// Node (in `short`) of the longest prefix of length ≤ 16 covering the slot.
    short_best: u32,
}

impl Slot {
    const EMPTY: Slot = Slot {
        long_root: NIL,
        short_best: NIL,
    };
}

/// See the module documentation.
#[derive(Clone, Debug)]
pub struct FibIndex<T> {
    short: TrieArena<T>,
    short_root: u32,
    long: TrieArena<T>,
    /// Empty until the first insertion, then exactly `SLOTS` long.
    slots: Vec<Slot>,
}

impl<T> Default for FibIndex<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The slot of `address`.
fn slot_of(address: u32) -> usize {
    (address >> (32 - u32::from(SLOT_BITS))) as usize
}

/// The slots covered by a prefix of length ≤ 16 (first, number).
fn covered_slots(prefix: Prefix) -> (usize, usize) {
    let span = SLOT_BITS.saturating_sub(prefix.len());
    (
        slot_of(prefix.network()),
        1usize.checked_shl(u32::from(span)).unwrap_or(SLOTS),
    )
}

impl<T> FibIndex<T> {
    pub const fn new() -> Self {
        Self {
            short: TrieArena::new(),
            short_root: NIL,
            long: TrieArena::new(),
            slots: Vec::new(),
        }
    }

    /// Number of prefixes holding a value.
    pub fn len(&self) -> usize {
        self.short.len().saturating_add(self.long.len())
    }

    /// The value of the longest stored prefix containing `address`.
    pub fn longest_match(&self, address: u32) -> Option<&T> {
        let slot = self.slots.get(slot_of(address))?;
        match self.long.longest_match(slot.long_root, address) {
            Some(index) => self.long.value(index),
            None => self.short.value(slot.short_best),
        }
    }

    /// The value stored for exactly `prefix`.
    #[cfg(test)]
    pub fn get(&self, prefix: Prefix) -> Option<&T> {
        if prefix.len() > SLOT_BITS {
            self.long
                .get(self.slots.get(slot_of(prefix.network()))?.long_root, prefix)
        } else {
            self.short.get(self.short_root, prefix)
        }
    }

    /// Stores `value` for `prefix`; returns the value it replaces (`Err`: arena exhausted, value handed
    /// back, index unchanged).
    pub fn insert(&mut self, prefix: Prefix, value: T) -> Result<Option<T>, T> {
        if self.slots.is_empty() {
            self.slots = vec![Slot::EMPTY; SLOTS];
        }
        if prefix.len() > SLOT_BITS {
            let Some(slot) = self.slots.get_mut(slot_of(prefix.network())) else {
                return Err(value);
            };
            return self
                .long
                .insert(&mut slot.long_root, prefix, value)
                .map(|(_, previous)| previous);
        }
        let (index, previous) = self.short.insert(&mut self.short_root, prefix, value)?;
        if previous.is_none() {
            // The new prefix becomes the short match of every covered slot whose match is shorter.
            let (first, count) = covered_slots(prefix);
            let end = first.saturating_add(count);
            let short = &self.short;
            for slot in self.slots.get_mut(first..end).unwrap_or_default() {
                let shorter = short
                    .prefix(slot.short_best)
                    .is_none_or(|best| best.len() < prefix.len());
                if shorter {
                    slot.short_best = index;
                }
            }
        }
        Ok(previous)
    }

    /// Removes the value stored for exactly `prefix`.
    pub fn remove(&mut self, prefix: Prefix) -> Option<T> {
        if prefix.len() > SLOT_BITS {
            let slot = self.slots.get_mut(slot_of(prefix.network()))?;
            return self
                .long
                .remove(&mut slot.long_root, prefix)
                .map(|(_, value)| value);
        }
        let (index, value) = self.short.remove(&mut self.short_root, prefix)?;
        // Slots that matched the removed prefix fall back to the next shorter one.
        let (first, count) = covered_slots(prefix);
        let end = first.saturating_add(count);
        let (short, root) = (&self.short, self.short_root);
        for (number, slot) in self.slots.iter_mut().enumerate().take(end).skip(first) {
            if slot.short_best == index {
                let address = u32::try_from(number).unwrap_or(0) << (32 - u32::from(SLOT_BITS));
                slot.short_best = short.longest_match(root, address).unwrap_or(NIL);
            }
        }
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u32 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
        }
    }

    fn naive(reference: &BTreeMap<Prefix, u32>, address: u32) -> Option<u32> {
        reference
            .iter()
            .filter(|(prefix, _)| prefix.contains(address))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, value)| *value)
    }

    #[test]
    fn random_changes_match_a_linear_scan() {
        let mut rng = Rng(0x0dd_ba11_5eed);
        let mut index = FibIndex::new();
        let mut reference = BTreeMap::new();
        assert_eq!(index.longest_match(0), None);
        for round in 0..5000u32 {
            // Addresses from a few /12s so that short and long prefixes nest across slot boundaries.
            let address = (rng.next() & 0x3010_0000) | (rng.next() & 0x000f_ffff);
            let prefix = Prefix::covering(address, (rng.next() % 33) as u8).unwrap();
            if rng.next().is_multiple_of(3) {
                assert_eq!(index.remove(prefix), reference.remove(&prefix));
            } else {
                assert_eq!(
                    index.insert(prefix, round),
                    Ok(reference.insert(prefix, round))
                );
            }
            assert_eq!(index.len(), reference.len());
            assert_eq!(index.get(prefix), reference.get(&prefix));
            for _ in 0..4 {
                let probe = (rng.next() & 0x3010_0000) | (rng.next() & 0x000f_ffff);
                assert_eq!(
                    index.longest_match(probe).copied(),
                    naive(&reference, probe),
                    "{probe:#x}"
                );
            }
        }
    }

    #[test]
    fn default_route_covers_every_slot_until_removed() {
        let mut index = FibIndex::new();
        index.insert(Prefix::DEFAULT, 0).unwrap();
        index
            .insert(Prefix::covering(0x0a00_0000, 8).unwrap(), 8)
            .unwrap();
        index
            .insert(Prefix::covering(0x0a01_0200, 24).unwrap(), 24)
            .unwrap();
        assert_eq!(index.longest_match(u32::MAX), Some(&0));
        assert_eq!(index.longest_match(0x0a01_0203), Some(&24));
        assert_eq!(index.longest_match(0x0a01_0303), Some(&8));
        assert_eq!(
            index.remove(Prefix::covering(0x0a00_0000, 8).unwrap()),
            Some(8)
        );
        assert_eq!(index.longest_match(0x0a01_0303), Some(&0));
        assert_eq!(index.remove(Prefix::DEFAULT), Some(0));
        assert_eq!(index.longest_match(0x0a01_0303), None);
        assert_eq!(index.longest_match(0x0a01_0203), Some(&24));
        assert_eq!(index.remove(Prefix::DEFAULT), None);
    }
}
