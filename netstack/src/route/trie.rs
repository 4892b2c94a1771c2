//! Path-compressed binary tries over IPv4 prefixes, answering longest-prefix-match queries
//! (RFC 1812 §5.2.4.3, "longest match").
//!
//! Every node carries one prefix. A node holds a value when that prefix was inserted; a node without a value
//! is a branch node that exists only because two inserted prefixes part ways at its length, so it always has
//! two children. Single-child chains are never kept (path compression), so a trie has fewer than two nodes
//! per stored prefix, and a walk from the root visits at most 33 nodes (one per distinct length on the path)
//! whatever the number of prefixes — lookups cost O(32), not O(n).
//!
//! Nodes of any number of tries live in one [`TrieArena`] and refer to each other by `u32` index; the caller
//! owns each trie's root link, so one arena can hold many small tries (see `fib_index.rs`). A node is 16
//! bytes (four per cache line) and values sit in a parallel vector, read once per lookup. Indices of nodes
//! holding a value are stable until that value is removed. Nothing here indexes with `[]`: a corrupt index
//! ends a walk instead of panicking. Lookups do not allocate.

use alloc::vec::Vec;

use super::prefix::{MAX_PREFIX_LEN, Prefix, bit_at};

/// "No node" in a child or root link.
pub const NIL: u32 = u32::MAX;

/// Longest walk from a root: one node per prefix length 0..=32, plus one.
const MAX_DEPTH: usize = MAX_PREFIX_LEN as usize + 2;

#[derive(Clone, Copy, Debug)]
struct Node {
    network: u32,
    len: u8,
    valued: bool,
    children: [u32; 2],
}

impl Node {
    fn prefix(&self) -> Prefix {
        // `len <= 32` and host bits clear: nodes are built from `Prefix` values only.
        Prefix::covering(self.network, self.len).unwrap_or(Prefix::DEFAULT)
    }

    fn contains(&self, address: u32) -> bool {
        address & super::prefix::netmask(self.len) == self.network
    }
}

/// Storage for the nodes of one or more tries; see the module documentation.
#[derive(Clone, Debug)]
pub struct TrieArena<T> {
    nodes: Vec<Node>,
    values: Vec<Option<T>>,
    free: Vec<u32>,
    count: usize,
}

impl<T> Default for TrieArena<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> TrieArena<T> {
    pub const fn new() -> Self {
        Self {
            nodes: Vec::new(),
            values: Vec::new(),
            free: Vec::new(),
            count: 0,
        }
    }

    /// Number of values stored, in all tries of the arena.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Nodes in use (values plus branch nodes).
    #[cfg(test)]
    pub fn node_count(&self) -> usize {
        self.nodes.len().saturating_sub(self.free.len())
    }

    fn node(&self, index: u32) -> Option<&Node> {
        self.nodes.get(index as usize)
    }

    fn node_mut(&mut self, index: u32) -> Option<&mut Node> {
        self.nodes.get_mut(index as usize)
    }

    /// The value held by node `index`.
    pub fn value(&self, index: u32) -> Option<&T> {
        self.values.get(index as usize)?.as_ref()
    }

    /// The prefix of node `index`.
    pub fn prefix(&self, index: u32) -> Option<Prefix> {
        self.node(index).map(Node::prefix)
    }

    /// The node of the longest prefix holding a value that contains `address`, in the trie at `root`.
    pub fn longest_match(&self, root: u32, address: u32) -> Option<u32> {
        let mut best = None;
        let mut index = root;
        while let Some(node) = self.node(index) {
            if !node.contains(address) {
                break;
            }
            if node.valued {
                best = Some(index);
            }
            if node.len >= MAX_PREFIX_LEN {
                break;
            }
            index = node.children[bit_at(address, node.len)];
        }
        best
    }

    /// The value stored for exactly `prefix` in the trie at `root`.
    pub fn get(&self, root: u32, prefix: Prefix) -> Option<&T> {
        let (path, depth) = self.path_to(root, prefix)?;
        self.value(*path.get(depth.checked_sub(1)?)?)
    }

    /// The walk from `root` to the node carrying exactly `prefix`: the node indices (the last is that node)
    /// and their number.
    fn path_to(&self, root: u32, prefix: Prefix) -> Option<([u32; MAX_DEPTH], usize)> {
        let mut path = [NIL; MAX_DEPTH];
        let mut depth = 0;
        let mut index = root;
        while let Some(node) = self.node(index) {
            *path.get_mut(depth)? = index;
            depth += 1;
            if node.network == prefix.network() && node.len == prefix.len() {
                return Some((path, depth));
            }
            if node.len >= prefix.len() || !node.contains(prefix.network()) {
                return None;
            }
            index = node.children[bit_at(prefix.network(), node.len)];
        }
        None
    }

    /// Stores `value` for `prefix` in the trie at `root`; returns the node now holding it and the value it
    /// replaces. When the arena cannot grow (more than `u32::MAX - 1` nodes, far beyond any route limit) the
    /// value is handed back as `Err` and the trie is unchanged.
    pub fn insert(
        &mut self,
        root: &mut u32,
        prefix: Prefix,
        value: T,
    ) -> Result<(u32, Option<T>), T> {
        // The walk stands on a link: the root link (`parent == NIL`) or child slot `side` of `parent`.
        let mut parent = NIL;
        let mut side = 0usize;
        let mut index = *root;
        // Each step descends to a strictly longer prefix, so MAX_DEPTH steps always suffice.
        for _ in 0..MAX_DEPTH {
            let Some(&node) = self.node(index) else {
                // Empty link: hang a new leaf here.
                let Some(leaf) = self.allocate(prefix) else {
                    return Err(value);
                };
                self.set_link(root, parent, side, leaf);
                return Ok((leaf, self.put(leaf, value)));
            };
            let here = node.prefix();
            let common = prefix.common_len(here);
            if common == here.len() && common == prefix.len() {
                // This very prefix: replace its value (or give a branch node one).
                return Ok((index, self.put(index, value)));
            }
            if common == here.len() {
                // `here` is a proper prefix of the new one: descend.
                parent = index;
                side = bit_at(prefix.network(), here.len());
                index = node.children[side];
                continue;
            }
            if common == prefix.len() {
                // The new prefix is a proper prefix of `here`: it goes in between, `here` below it.
                let Some(middle) = self.allocate(prefix) else {
                    return Err(value);
                };
                self.set_link(root, middle, bit_at(here.network(), common), index);
                self.set_link(root, parent, side, middle);
                return Ok((middle, self.put(middle, value)));
            }
            // They part ways at `common`: a branch node there, with `here` and a new leaf below it.
            let Some(branch_prefix) = Prefix::covering(prefix.network(), common) else {
                return Err(value);
            };
            let Some(branch) = self.allocate(branch_prefix) else {
                return Err(value);
            };
            let Some(leaf) = self.allocate(prefix) else {
                self.release(branch);
                return Err(value);
            };
            self.set_link(root, branch, bit_at(here.network(), common), index);
            self.set_link(root, branch, bit_at(prefix.network(), common), leaf);
            self.set_link(root, parent, side, branch);
            return Ok((leaf, self.put(leaf, value)));
        }
        Err(value)
    }

    /// Removes the value stored for exactly `prefix` from the trie at `root`, pruning nodes no longer needed.
    /// Returns the index the value was held at (free for reuse from now on) and the value.
    pub fn remove(&mut self, root: &mut u32, prefix: Prefix) -> Option<(u32, T)> {
        let (path, depth) = self.path_to(*root, prefix)?;
        let last = depth.checked_sub(1)?;
        let index = *path.get(last)?;
        let value = self.values.get_mut(index as usize)?.take()?;
        if let Some(node) = self.node_mut(index) {
            node.valued = false;
        }
        self.count = self.count.saturating_sub(1);
        // A valueless node with fewer than two children is not needed: splice it out. Removing a leaf can
        // leave its parent a valueless node with one child, so the parent is looked at too; splicing out a
        // one-child node leaves its parent's child count unchanged, which ends the pruning.
        let mut level = last;
        while let Some(current) = path.get(level).copied() {
            let parent = level
                .checked_sub(1)
                .and_then(|up| path.get(up).copied())
                .unwrap_or(NIL);
            let Some(&node) = self.node(current) else {
                break;
            };
            if node.valued {
                break;
            }
            let only_child = match node.children {
                [NIL, NIL] => NIL,
                [child, NIL] | [NIL, child] => child,
                _ => break,
            };
            let side = self.side_of(parent, current);
            self.set_link(root, parent, side, only_child);
            self.release(current);
            if only_child != NIL {
                break;
            }
            let Some(up) = level.checked_sub(1) else {
                break;
            };
            level = up;
        }
        Some((index, value))
    }

    /// Visits every stored prefix and value of every trie, in no particular order.
    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = (Prefix, &T)> + '_ {
        self.nodes
            .iter()
            .zip(&self.values)
            .filter_map(|(node, value)| value.as_ref().map(|value| (node.prefix(), value)))
    }

    /// Sets the value of node `index`, keeping the count of values.
    fn put(&mut self, index: u32, value: T) -> Option<T> {
        let node = self.nodes.get_mut(index as usize)?;
        let slot = self.values.get_mut(index as usize)?;
        node.valued = true;
        let previous = slot.replace(value);
        if previous.is_none() {
            self.count = self.count.saturating_add(1);
        }
        previous
    }

    /// Which child slot of `parent` holds `child` (0 for the root link).
    fn side_of(&self, parent: u32, child: u32) -> usize {
        match self.node(parent) {
            Some(node) if node.children[1] == child => 1,
            _ => 0,
        }
    }

    /// Points child slot `side` of `parent` (or the root link when `parent` is NIL) at `child`.
    fn set_link(&mut self, root: &mut u32, parent: u32, side: usize, child: u32) {
        if parent == NIL {
            *root = child;
        } else if let Some(slot) = self
            .node_mut(parent)
            .and_then(|node| node.children.get_mut(side))
        {
            *slot = child;
        }
    }

    /// Takes a slot for a new valueless node; `None` when the arena is exhausted.
    fn allocate(&mut self, prefix: Prefix) -> Option<u32> {
        let node = Node {
            network: prefix.network(),
            len: prefix.len(),
            valued: false,
            children: [NIL, NIL],
        };
        if let Some(index) = self.free.pop() {
            *self.nodes.get_mut(index as usize)? = node;
            return Some(index);
        }
        let index = u32::try_from(self.nodes.len())
            .ok()
            .filter(|&index| index != NIL)?;
        self.nodes.push(node);
        self.values.push(None);
        Some(index)
    }

    fn release(&mut self, index: u32) {
        if let (Some(node), Some(value)) = (
            self.nodes.get_mut(index as usize),
            self.values.get_mut(index as usize),
        ) {
            node.valued = false;
            node.children = [NIL, NIL];
            *value = None;
            self.free.push(index);
        }
    }
}

/// One trie with its own arena.
#[derive(Clone, Debug)]
pub struct PrefixTrie<T> {
    arena: TrieArena<T>,
    root: u32,
}

impl<T> Default for PrefixTrie<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> PrefixTrie<T> {
    pub const fn new() -> Self {
        Self {
            arena: TrieArena::new(),
            root: NIL,
        }
    }

    /// Number of prefixes holding a value.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.arena.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.arena.len() == 0
    }

    #[cfg(test)]
    pub fn node_count(&self) -> usize {
        self.arena.node_count()
    }

    /// The value stored for exactly `prefix`.
    pub fn get(&self, prefix: Prefix) -> Option<&T> {
        self.arena.get(self.root, prefix)
    }

    /// The value of the longest stored prefix containing `address`, with that prefix.
    pub fn longest_match(&self, address: u32) -> Option<(Prefix, &T)> {
        let index = self.arena.longest_match(self.root, address)?;
        Some((self.arena.prefix(index)?, self.arena.value(index)?))
    }

    /// Stores `value` for `prefix`; returns the value it replaces (`Err`: arena exhausted, value handed back).
    pub fn insert(&mut self, prefix: Prefix, value: T) -> Result<Option<T>, T> {
        self.arena
            .insert(&mut self.root, prefix, value)
            .map(|(_, previous)| previous)
    }

    /// Removes the value stored for exactly `prefix`.
    pub fn remove(&mut self, prefix: Prefix) -> Option<T> {
        self.arena
            .remove(&mut self.root, prefix)
            .map(|(_, value)| value)
    }

    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = (Prefix, &T)> + '_ {
        self.arena.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// xorshift64*: a small deterministic generator for test data.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u32 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
        }
    }

    fn naive(reference: &BTreeMap<Prefix, u32>, address: u32) -> Option<(Prefix, u32)> {
        reference
            .iter()
            .filter(|(prefix, _)| prefix.contains(address))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(prefix, value)| (*prefix, *value))
    }

    #[test]
    fn random_inserts_and_removals_match_a_linear_scan() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut trie = PrefixTrie::new();
        let mut reference = BTreeMap::new();
        for round in 0..4000u32 {
            // Few distinct high bits so that prefixes nest and share paths.
            let address = rng.next() & 0xf0ff_00ff;
            let prefix = Prefix::covering(address, (rng.next() % 33) as u8).unwrap();
            if rng.next().is_multiple_of(3) {
                assert_eq!(trie.remove(prefix), reference.remove(&prefix));
            } else {
                assert_eq!(
                    trie.insert(prefix, round),
                    Ok(reference.insert(prefix, round))
                );
            }
            assert_eq!(trie.len(), reference.len());
            assert!(trie.node_count() <= 2 * trie.len() + 1);
            let probe = rng.next() & 0xf0ff_00ff | (rng.next() & 0x0f00_ff00);
            let found = trie
                .longest_match(probe)
                .map(|(prefix, value)| (prefix, *value));
            assert_eq!(found, naive(&reference, probe), "probe {probe:#x}");
            assert_eq!(trie.get(prefix).copied(), reference.get(&prefix).copied());
        }
        let stored: BTreeMap<Prefix, u32> = trie.iter().map(|(p, v)| (p, *v)).collect();
        assert_eq!(stored, reference);
        for prefix in reference.keys() {
            assert!(trie.remove(*prefix).is_some());
        }
        assert!(trie.is_empty());
        assert_eq!(trie.node_count(), 0);
    }

    #[test]
    fn default_and_host_prefixes() {
        let mut trie = PrefixTrie::new();
        assert_eq!(trie.longest_match(1), None);
        trie.insert(Prefix::DEFAULT, 0).unwrap();
        trie.insert(Prefix::host(u32::MAX), 32).unwrap();
        trie.insert(Prefix::host(0), 320).unwrap();
        assert_eq!(trie.longest_match(u32::MAX).map(|(_, v)| *v), Some(32));
        assert_eq!(trie.longest_match(0).map(|(_, v)| *v), Some(320));
        assert_eq!(trie.longest_match(u32::MAX - 1).map(|(_, v)| *v), Some(0));
        assert_eq!(trie.remove(Prefix::DEFAULT), Some(0));
        assert_eq!(trie.longest_match(u32::MAX - 1), None);
        assert_eq!(trie.insert(Prefix::host(0), 7), Ok(Some(320)));
    }
}
