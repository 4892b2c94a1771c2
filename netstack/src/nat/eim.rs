//! Endpoint-independent mapping for UDP source NAT (RFC 4787 REQ-1, "endpoint-independent mapping"):
//! while any connection uses the mapping of an internal `address:port`, new connections from it to
//! other destinations reuse the same external `address:port` (when that reply tuple is free).
//!
//! Bounded: an entry exists only while at least one connection holds a reference (status bit
//! `EIM`), and is released when that connection is removed, so there are never more entries than
//! connections.

use hashbrown::HashMap;
use smoltcp::wire::Ipv4Address;

use crate::conntrack::entry::Conn;

/// (protocol, internal address, internal port).
pub(crate) type EimKey = (u8, Ipv4Address, u16);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EimMapping {
    pub external: Ipv4Address,
    pub port: u16,
    pub refs: u32,
}

#[derive(Default, Debug)]
pub struct EimTable {
    map: HashMap<EimKey, EimMapping>,
}

impl EimTable {
    pub(crate) fn key_of(conn: &Conn) -> EimKey {
        let o = &conn.tuples[0];
        (o.protocol, o.src, o.src_port)
    }

    pub(crate) fn get(&self, key: &EimKey) -> Option<EimMapping> {
        self.map.get(key).copied()
    }

    /// Takes a reference on the mapping `key -> external:port` (creating it). `false` when a new
    /// mapping cannot be stored because the heap is short: the connection then goes without one.
    pub(crate) fn acquire(&mut self, key: EimKey, external: Ipv4Address, port: u16) -> bool {
        if !self.map.contains_key(&key) && self.map.try_reserve(1).is_err() {
            return false;
        }
        let e = self.map.entry(key).or_insert(EimMapping {
            external,
            port,
            refs: 0,
        });
        if e.external == external && e.port == port {
            e.refs = e.refs.saturating_add(1);
        }
        true
    }

    /// Drops the reference `conn` held.
    pub(crate) fn release(&mut self, conn: &Conn) {
        let key = Self::key_of(conn);
        if let Some(e) = self.map.get_mut(&key) {
            e.refs = e.refs.saturating_sub(1);
            if e.refs == 0 {
                self.map.remove(&key);
            }
        }
    }

    /// Number of live mappings.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}
