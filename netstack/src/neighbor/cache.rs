//! The table itself: lookup and resolution for sending, the per-neighbour packet queue, static entries,
//! the size bound, and introspection.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

use smoltcp::wire::{EthernetAddress, Ipv4Address};

use super::config::NeighborConfig;
use super::counters::{NeighborCounters, bump};
use super::entry::{Entry, NeighborView, State, is_neighbor_address};
use super::frame::ArpRequest;
use super::packets::{Released, Unresolved};
use super::time::deadline;
use crate::Instant;
use crate::interface::{ArpMode, InterfaceId};

/// Table key: a neighbour is an address on one interface.
pub(super) type Key = (InterfaceId, Ipv4Address);

/// The ARP cache. See the [module docs](super) for the model and guarantees.
///
/// A `BTreeMap` keeps lookups `O(log n)` whatever addresses the wire throws at it (no hash flooding) and
/// makes `/ip arp print` come out sorted by interface and address.
pub struct NeighborCache<P> {
    pub(super) config: NeighborConfig,
    pub(super) entries: BTreeMap<Key, Entry<P>>,
    /// Packets in all `Incomplete` queues.
    pub(super) queued: usize,
    pub(super) counters: NeighborCounters,
}

/// Answer of [`NeighborCache::resolve`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Send to this MAC.
    Known(EthernetAddress),
    /// Not resolved (absent, incomplete, failed, or ARP off on the interface): use
    /// [`NeighborCache::enqueue`].
    Unknown,
}

/// Why [`NeighborCache::enqueue`] dropped a packet outright.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueDropReason {
    /// The address recently failed to resolve (hold-down): no new request, the packet is dropped.
    Failed,
    /// `arp=disabled` or `arp=reply-only` and no static entry: the interface does not resolve.
    ResolutionDisabled,
    /// Not a unicast neighbour address (0.0.0.0, broadcast, multicast, loopback).
    NotResolvable,
    /// The table is full of entries that cannot be evicted.
    TableFull,
}

/// Answer of [`NeighborCache::enqueue`].
#[derive(Debug, PartialEq, Eq)]
pub enum EnqueueResult<P> {
    /// Already resolved: send the packet to this MAC now.
    Resolved(EthernetAddress, P),
    /// Queued. `request`: send this ARP request now (first packet for the address). `dropped`: a packet
    /// dropped to respect the queue bounds — the oldest of this neighbour's queue, or this one when the
    /// total bound is reached with an empty queue.
    Queued {
        request: Option<ArpRequest>,
        dropped: Option<P>,
    },
    /// Not queued: the packet is handed back as dropped (the engine may send ICMP host unreachable).
    Dropped(P, QueueDropReason),
}

/// Errors of the static-entry API (the configuration layer turns them into RouterOS messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaticEntryError {
    /// A static entry for this interface and address exists.
    AlreadyExists,
    /// No static entry for this interface and address.
    NotFound,
    /// The address is not a unicast neighbour address.
    InvalidAddress,
    /// The MAC is broadcast, multicast or all-zero.
    InvalidMac,
    /// The table is full of entries that cannot be evicted.
    TableFull,
}

/// A MAC a neighbour may have: unicast and not all-zero.
pub(super) fn is_neighbor_mac(mac: EthernetAddress) -> bool {
    mac.is_unicast() && mac != EthernetAddress([0; 6])
}

/// Whether the interface resolves addresses dynamically (and learns from the wire).
pub(super) fn learns(mode: ArpMode) -> bool {
    matches!(mode, ArpMode::Enabled | ArpMode::ProxyArp)
}

impl<P> Default for NeighborCache<P> {
    fn default() -> Self {
        Self::new(NeighborConfig::default())
    }
}

impl<P> NeighborCache<P> {
    pub fn new(config: NeighborConfig) -> Self {
        Self {
            config,
            entries: BTreeMap::new(),
            queued: 0,
            counters: NeighborCounters::default(),
        }
    }

    pub fn config(&self) -> &NeighborConfig {
        &self.config
    }

    /// Changes the settings. New timeouts apply from the next transition. A smaller `max_entries` evicts
    /// evictable entries at once; static and incomplete entries over the bound stay until removed/failed.
    pub fn set_config(&mut self, config: NeighborConfig, now: Instant) {
        self.config = config;
        while self.entries.len() > self.config.max_entries {
            if !self.evict_one(now) {
                break;
            }
        }
    }

    pub fn counters(&self) -> &NeighborCounters {
        &self.counters
    }

    /// Entries in the table (all states).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Packets waiting for resolutions, over all neighbours.
    pub fn queued_packets(&self) -> usize {
        self.queued
    }

    /// The MAC for `ip` on `iface`, for sending. With `arp=disabled`/`reply-only` only static entries
    /// count. Using an entry past its arp-timeout schedules a revalidation request (sent by the next
    /// [`poll`](Self::poll)) and keeps using the old MAC meanwhile.
    pub fn resolve(
        &mut self,
        iface: InterfaceId,
        ip: Ipv4Address,
        mode: ArpMode,
        now: Instant,
    ) -> Resolution {
        let Some(entry) = self.entries.get_mut(&(iface, ip)) else {
            return Resolution::Unknown;
        };
        if !learns(mode) && !entry.is_static() {
            return Resolution::Unknown;
        }
        match entry.use_for_send(now) {
            Some(mac) => Resolution::Known(mac),
            None => Resolution::Unknown,
        }
    }

    /// Hands a packet for `ip` on `iface` to the cache: returned at once with the MAC when resolved,
    /// otherwise queued (the first packet for an address starts a resolution and returns the request to
    /// send), or dropped (see [`QueueDropReason`]).
    pub fn enqueue(
        &mut self,
        iface: InterfaceId,
        ip: Ipv4Address,
        packet: P,
        mode: ArpMode,
        now: Instant,
    ) -> EnqueueResult<P> {
        let key = (iface, ip);
        let learns = learns(mode);
        if let Some(entry) = self.entries.get_mut(&key)
            && (learns || entry.is_static())
            && let Some(mac) = entry.use_for_send(now)
        {
            return EnqueueResult::Resolved(mac, packet);
        }
        if !learns {
            return self.refuse(packet, QueueDropReason::ResolutionDisabled);
        }
        if !is_neighbor_address(ip) {
            return self.refuse(packet, QueueDropReason::NotResolvable);
        }
        let (queue_len, max_queued) = (self.config.queue_len, self.config.max_queued);
        match self.entries.get_mut(&key).map(|entry| &mut entry.state) {
            Some(State::Incomplete { queue, .. }) => {
                let dropped = push_bounded(queue, packet, queue_len, max_queued, &mut self.queued);
                if dropped.is_some() {
                    bump(&mut self.counters.queue_drops, 1);
                }
                EnqueueResult::Queued {
                    request: None,
                    dropped,
                }
            }
            // Hold-down after a failure: no request (RFC 1122 §2.3.2.1 flooding limit), drop.
            Some(_) => self.refuse(packet, QueueDropReason::Failed),
            None => {
                if !self.make_room(now) {
                    return self.refuse(packet, QueueDropReason::TableFull);
                }
                let mut queue = VecDeque::new();
                let dropped =
                    push_bounded(&mut queue, packet, queue_len, max_queued, &mut self.queued);
                if dropped.is_some() {
                    bump(&mut self.counters.queue_drops, 1);
                }
                let state = State::Incomplete {
                    requests: 1,
                    next_request: deadline(now, self.config.retransmit_interval),
                    queue,
                };
                self.entries.insert(key, Entry::new(state, now));
                bump(&mut self.counters.requests_sent, 1);
                EnqueueResult::Queued {
                    request: Some(ArpRequest {
                        iface,
                        target_ip: ip,
                        unicast_to: None,
                    }),
                    dropped,
                }
            }
        }
    }

    fn refuse(&mut self, packet: P, reason: QueueDropReason) -> EnqueueResult<P> {
        match reason {
            QueueDropReason::TableFull => {}
            _ => bump(&mut self.counters.unresolved_drops, 1),
        }
        EnqueueResult::Dropped(packet, reason)
    }

    /// `/ip arp add address=ip mac-address=mac interface=iface`. Replaces a dynamic entry for the same
    /// address; packets that were waiting for it are released to `mac`.
    pub fn add_static(
        &mut self,
        iface: InterfaceId,
        ip: Ipv4Address,
        mac: EthernetAddress,
        now: Instant,
    ) -> Result<Option<Released<P>>, StaticEntryError> {
        if !is_neighbor_address(ip) {
            return Err(StaticEntryError::InvalidAddress);
        }
        if !is_neighbor_mac(mac) {
            return Err(StaticEntryError::InvalidMac);
        }
        let key = (iface, ip);
        let previous = match self.entries.get(&key) {
            Some(entry) if entry.is_static() => return Err(StaticEntryError::AlreadyExists),
            Some(_) => self.entries.remove(&key),
            None => {
                if !self.make_room(now) {
                    return Err(StaticEntryError::TableFull);
                }
                None
            }
        };
        self.entries
            .insert(key, Entry::new(State::Static { mac }, now));
        let released = previous
            .and_then(|entry| self.take_queue(entry))
            .map(|packets| Released {
                iface,
                ip,
                mac,
                packets,
            });
        Ok(released)
    }

    /// `/ip arp remove` of a static entry. Dynamic entries are not touched.
    pub fn remove_static(
        &mut self,
        iface: InterfaceId,
        ip: Ipv4Address,
    ) -> Result<(), StaticEntryError> {
        match self.entries.get(&(iface, ip)) {
            Some(entry) if entry.is_static() => {
                self.entries.remove(&(iface, ip));
                Ok(())
            }
            _ => Err(StaticEntryError::NotFound),
        }
    }

    /// Removes the entry for `ip` on `iface`, whatever its state. `None` when there was none; otherwise the
    /// packets that were waiting for it (usually none), now dropped.
    pub fn remove(&mut self, iface: InterfaceId, ip: Ipv4Address) -> Option<Vec<P>> {
        let entry = self.entries.remove(&(iface, ip))?;
        Some(self.take_queue(entry).unwrap_or_default())
    }

    /// Removes every dynamic entry of `iface` (interface down, ARP mode changed). Static entries stay.
    /// Returns the packets that were waiting, now dropped.
    pub fn flush_dynamic(&mut self, iface: InterfaceId) -> Vec<Unresolved<P>> {
        let keys: Vec<Key> = self
            .entries
            .iter()
            .filter(|((entry_iface, _), entry)| *entry_iface == iface && !entry.is_static())
            .map(|(key, _)| *key)
            .collect();
        let mut dropped = Vec::new();
        for key in keys {
            if let Some(packets) = self
                .entries
                .remove(&key)
                .and_then(|entry| self.take_queue(entry))
                && !packets.is_empty()
            {
                bump(&mut self.counters.unresolved_drops, packets.len());
                dropped.push(Unresolved {
                    iface: key.0,
                    ip: key.1,
                    packets,
                });
            }
        }
        dropped
    }

    /// The queue of a removed entry (`None` unless it was incomplete), keeping the total count right.
    fn take_queue(&mut self, entry: Entry<P>) -> Option<Vec<P>> {
        match entry.state {
            State::Incomplete { queue, .. } => {
                self.queued = self.queued.saturating_sub(queue.len());
                Some(Vec::from(queue))
            }
            _ => None,
        }
    }

    /// `/ip arp print`: every entry, sorted by interface then address.
    pub fn entries(&self, now: Instant) -> impl Iterator<Item = NeighborView> + '_ {
        self.entries
            .iter()
            .map(move |((iface, ip), entry)| entry.view(*iface, *ip, now))
    }

    /// One entry of `/ip arp print`.
    pub fn entry(&self, iface: InterfaceId, ip: Ipv4Address, now: Instant) -> Option<NeighborView> {
        self.entries
            .get(&(iface, ip))
            .map(|entry| entry.view(iface, ip, now))
    }

    /// Makes room for one more entry: evicts the oldest evictable entry if the table is full. `false` (and
    /// counted) when it is full of static/incomplete entries.
    pub(super) fn make_room(&mut self, now: Instant) -> bool {
        while self.entries.len() >= self.config.max_entries {
            if !self.evict_one(now) {
                bump(&mut self.counters.table_full, 1);
                return false;
            }
        }
        true
    }

    /// Evicts the best candidate: failed entries first, then stale, then reachable, oldest first. Linear in
    /// the table size, and only run when the table is full.
    fn evict_one(&mut self, now: Instant) -> bool {
        let victim = self
            .entries
            .iter()
            .filter_map(|(key, entry)| entry.eviction_rank(now).map(|rank| (rank, *key)))
            .min_by_key(|(rank, _)| *rank)
            .map(|(_, key)| key);
        match victim {
            Some(key) => {
                // Evictable entries hold no packets.
                self.entries.remove(&key);
                bump(&mut self.counters.evictions, 1);
                true
            }
            None => false,
        }
    }
}

/// Appends `packet` to a neighbour's queue within the bounds; returns the packet dropped, if any: the
/// oldest of the queue when it (or the total) is full, or `packet` itself when nothing can be dropped in
/// its favour. RFC 1122 §2.3.2.2: keep at least the latest packet.
pub(super) fn push_bounded<P>(
    queue: &mut VecDeque<P>,
    packet: P,
    queue_len: usize,
    max_queued: usize,
    queued: &mut usize,
) -> Option<P> {
    if queue.len() >= queue_len || *queued >= max_queued {
        return match queue.pop_front() {
            Some(oldest) => {
                queue.push_back(packet);
                Some(oldest)
            }
            None => Some(packet),
        };
    }
    queue.push_back(packet);
    *queued = queued.saturating_add(1);
    None
}
