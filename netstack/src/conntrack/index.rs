//! The tuple index: a `hashbrown::HashTable<u32>` whose entries are `slot << 1 | direction`, two per
//! confirmed connection (original and reply tuple). The tuples themselves live in the slab entry, so an
//! index entry costs 4 bytes plus hashbrown's 1 control byte — the same map as a
//! `HashMap<Tuple, (ConnId, Direction)>` at a quarter of the memory (reported in [`super`]).
//!
//! Hashing is keyed by a seed (a folded-multiply hash in the style of wyhash/foldhash), so remote hosts
//! cannot aim tuples at one bucket chain without knowing the seed.

use hashbrown::HashTable;

use crate::flow::{Direction, Tuple};

use super::entry::Conn;

#[inline]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    (r as u64) ^ ((r >> 64) as u64)
}

/// Keyed hash of a tuple.
#[inline]
pub(crate) fn hash_tuple(keys: &[u64; 2], t: &Tuple) -> u64 {
    let a = u64::from(t.src.to_bits()) << 32 | u64::from(t.dst.to_bits());
    let b = u64::from(t.src_port) << 32 | u64::from(t.dst_port) << 8 | u64::from(t.protocol);
    let h = folded_multiply(a ^ keys[0], b ^ keys[1] ^ 0x243F_6A88_85A3_08D3);
    folded_multiply(h ^ keys[1], 0x9E37_79B9_7F4A_7C15 ^ keys[0])
}

#[inline]
pub(crate) fn encode(slot: u32, dir: Direction) -> u32 {
    slot << 1
        | match dir {
            Direction::Original => 0,
            Direction::Reply => 1,
        }
}

#[inline]
pub(crate) fn decode(v: u32) -> (u32, Direction) {
    (
        v >> 1,
        if v & 1 == 0 {
            Direction::Original
        } else {
            Direction::Reply
        },
    )
}

#[inline]
fn tuple_of(slots: &[Conn], v: u32) -> Option<&Tuple> {
    let (slot, dir) = decode(v);
    slots.get(slot as usize).map(|c| c.tuple(dir))
}

pub(crate) fn find(
    index: &HashTable<u32>,
    slots: &[Conn],
    keys: &[u64; 2],
    t: &Tuple,
) -> Option<(u32, Direction)> {
    index
        .find(hash_tuple(keys, t), |&v| tuple_of(slots, v) == Some(t))
        .map(|&v| decode(v))
}

/// Makes room for `additional` more entries; `false` when the heap cannot give it. Inserting after a
/// successful reservation never allocates, so a short heap refuses a connection instead of halting.
pub(crate) fn try_reserve(
    index: &mut HashTable<u32>,
    slots: &[Conn],
    keys: &[u64; 2],
    additional: usize,
) -> bool {
    index
        .try_reserve(additional, |&v| {
            tuple_of(slots, v).map_or(0, |t| hash_tuple(keys, t))
        })
        .is_ok()
}

/// Inserts `slot`'s tuple for `dir` (the caller checked it is absent).
pub(crate) fn insert(
    index: &mut HashTable<u32>,
    slots: &[Conn],
    keys: &[u64; 2],
    slot: u32,
    dir: Direction,
) {
    let Some(t) = slots.get(slot as usize).map(|c| *c.tuple(dir)) else {
        return;
    };
    index.insert_unique(hash_tuple(keys, &t), encode(slot, dir), |&v| {
        tuple_of(slots, v).map_or(0, |t| hash_tuple(keys, t))
    });
}

/// Removes the entry for `slot`/`dir` whose tuple is `t`.
pub(crate) fn remove(
    index: &mut HashTable<u32>,
    keys: &[u64; 2],
    t: &Tuple,
    slot: u32,
    dir: Direction,
) {
    let want = encode(slot, dir);
    if let Ok(e) = index.find_entry(hash_tuple(keys, t), |&v| v == want) {
        e.remove();
    }
}

/// Estimated bytes per index entry at the current load (buckets × (4 + 1 control byte) / entries).
pub(crate) fn bytes_per_entry(index: &HashTable<u32>) -> usize {
    let buckets = index.capacity().saturating_mul(8) / 7;
    (buckets.saturating_mul(5))
        .checked_div(index.len())
        .unwrap_or(0)
}
