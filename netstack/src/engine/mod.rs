//! The engine: interfaces, addresses, routes, neighbours, the router's own stack and the hook points,
//! strung together in RouterOS's packet flow.
//!
//! ```text
//! receive ─ ethernet ─┬─ ARP ─ neighbor (answer, learn, release waiting packets)
//!                     └─ IPv4 ─ ipv4_ingress ─ [prerouting hooks] ─ routing decision
//!   ipv4_ingress ─ UDP to DHCP ports ─ link datagram queue (DHCP client and server, below the firewall)
//!   routing decision ─┬─ local ─ [input hooks] ─ local stack (smoltcp) ─ replies ─ originate
//!                     └─ forward ─ TTL ─ [forward hooks] ─ postrouting
//!   originate ─ routing ─ [output hooks] ─ postrouting
//!   postrouting ─ [postrouting hooks] ─ MTU/fragment ─ neighbor (ARP) ─ egress (tx queue)
//! ```
//!
//! Guarantees: no input frame makes the engine panic; every table and queue is bounded (buffer pool, tx
//! queues, neighbour queues, local stack queues, trace ring); every packet that does not leave is counted
//! under a [`DropReason`]; time is an input (`now`) and nothing is read from a clock; forwarding a packet
//! to a resolved neighbour does not allocate once the pool is warm (buffers move from the rx path to the
//! tx queue and come back through [`Engine::transmit`]). ICMP errors are rate-limited by a token bucket
//! and suppressed where RFC 1812 §4.3.2.7 forbids them.

mod fast_path;
mod input;
mod link_datagrams;
mod originate;
mod output;
mod stats;
mod tools;

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use hashbrown::HashMap;
use smoltcp::wire::{EthernetAddress, IpProtocol, Ipv4Address, Ipv4Cidr, Ipv4Packet};

pub use self::link_datagrams::{
    DHCP_CLIENT_PORT, DHCP_SERVER_PORT, LINK_QUEUE_LEN, LinkDatagram, LinkSendError,
};
pub use self::stats::EngineStats;
pub use self::tools::{
    EchoProbe, MAX_ECHO_SIZE, MAX_TOOL_IDENTS, MIN_ECHO_SIZE, ProbeError, TOOL_REPLY_QUEUE_LEN,
    ToolReply, ToolReplyKind,
};
use crate::Instant;
use crate::address::{AddressError, AddressId, AddressTable};
use crate::hooks::{Hooks, NoHooks};
use crate::interface::{Interface, InterfaceId, InterfaceLists, InterfaceTable};
use crate::local::LocalStack;
use crate::neighbor::{NeighborCache, NeighborConfig, Released, StaticEntryError};
use crate::offload::FrameOffload;
use crate::packet::{MAX_FRAME, Packet};
use crate::rate_limit::TokenBucket;
use crate::reassembly::{Reassembler, ReassemblyConfig};
use crate::route::{RouteId, RouteTable};
use crate::trace::{Stage, Trace, TraceFilter, TraceRecord, TraceVerdict};
use crate::verdict::{DropCounters, DropReason};

/// Sizes of the engine's bounded resources.
#[derive(Clone, Copy, Debug)]
pub struct EngineConfig {
    /// Packet buffers kept for reuse; beyond it freed buffers are released to the allocator.
    pub pool_buffers: usize,
    /// Packet buffers alive at once (in queues and in flight); beyond it new packets are dropped
    /// (`NoBuffer`), so memory pressure sheds load instead of growing the heap.
    pub max_buffers: usize,
    /// Frames waiting for transmission per interface.
    pub tx_queue_len: usize,
    /// TCP super-frames (up to 64 KiB each, from NICs that offload segmentation) alive at once; beyond
    /// it a received super-frame is dropped (`NoBuffer`). Bounds their memory apart from `max_buffers`.
    pub max_super_frames: usize,
    /// Seed for the local stack (TCP sequence numbers, ephemeral ports).
    pub seed: u64,
    pub neighbor: NeighborConfig,
    /// ICMP errors per second over all destinations, and the burst (RFC 1812 §4.3.2.8).
    pub icmp_errors_per_sec: u32,
    pub icmp_error_burst: u32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            pool_buffers: 512,
            max_buffers: 4096,
            tx_queue_len: 256,
            max_super_frames: 32,
            seed: 0x5eed,
            neighbor: NeighborConfig::default(),
            icmp_errors_per_sec: crate::rate_limit::GLOBAL_RATE_PER_SEC,
            icmp_error_burst: crate::rate_limit::GLOBAL_BURST,
        }
    }
}

/// A frame waiting for transmission: the buffer, where in it the frame starts, and what the NIC is
/// to finish (only what the interface's [`crate::offload::OffloadCaps`] allow).
struct TxFrame {
    buffer: Vec<u8>,
    start: usize,
    offload: FrameOffload,
}

/// Capacity of a super-frame buffer: an Ethernet header and the largest IPv4 packet, rounded up to a
/// size no buffer reaches by growing (`Vec` doubles from 2 KiB, and no frame or reassembled datagram
/// needs this much), so that `recycle` can tell super-frame buffers from the rest by capacity alone.
const SUPER_BUFFER: usize = 65536 + 256;
/// Super-frame buffers kept for reuse.
const SUPER_POOL: usize = 8;

pub struct Engine<H: Hooks = NoHooks> {
    config: EngineConfig,
    interfaces: InterfaceTable,
    lists: InterfaceLists,
    addresses: AddressTable,
    /// The connected route made for each address.
    connected: HashMap<AddressId, RouteId>,
    routes: RouteTable,
    neighbors: NeighborCache<Packet>,
    local: LocalStack,
    hooks: H,
    icmp_limit: TokenBucket,
    drops: DropCounters,
    stats: EngineStats,
    trace: Trace,
    pool: Vec<Vec<u8>>,
    buffers_in_use: usize,
    super_pool: Vec<Vec<u8>>,
    super_buffers_in_use: usize,
    tx: Vec<VecDeque<TxFrame>>,
    /// Scratch space, one per section that needs it, so that a path that re-enters another (the local
    /// stack's output needing an ICMP error, say) never finds its buffer taken.
    icmp_scratch: Vec<u8>,
    /// Copy of a packet an ICMP error is about, with NAT undone (see `send_icmp_error`).
    quote_scratch: Vec<u8>,
    fragment_scratch: Vec<u8>,
    local_scratch: Vec<u8>,
    /// Our addresses on one interface, for ARP (reused).
    ours: Vec<Ipv4Address>,
    icmp_ident: u16,
    /// Fragments held until their datagram is whole (only when the hooks want whole datagrams).
    reassembler: Reassembler,
    /// DHCP datagrams taken off the link for the router's DHCP client and server (`link_datagrams`).
    link_datagrams: VecDeque<LinkDatagram>,
    /// The ping and traceroute tools' watched identifiers and answers (`tools`).
    tools: tools::Tools,
}

impl Engine<NoHooks> {
    /// An engine with no firewall hooks.
    pub fn new(config: EngineConfig, now: Instant) -> Self {
        Self::with_hooks(config, NoHooks, now)
    }
}

impl<H: Hooks> Engine<H> {
    pub fn with_hooks(config: EngineConfig, hooks: H, now: Instant) -> Self {
        Self {
            config,
            interfaces: InterfaceTable::new(),
            lists: InterfaceLists::new(),
            addresses: AddressTable::new(),
            connected: HashMap::new(),
            routes: RouteTable::new(),
            neighbors: NeighborCache::new(config.neighbor),
            local: LocalStack::new(now, config.seed),
            hooks,
            icmp_limit: TokenBucket::new(config.icmp_errors_per_sec, config.icmp_error_burst),
            drops: DropCounters::default(),
            stats: EngineStats::default(),
            trace: Trace::default(),
            pool: Vec::new(),
            buffers_in_use: 0,
            super_pool: Vec::new(),
            super_buffers_in_use: 0,
            tx: Vec::new(),
            icmp_scratch: alloc::vec![0; crate::icmp_error::MAX_ERROR_PACKET_LEN],
            quote_scratch: Vec::new(),
            fragment_scratch: alloc::vec![0; MAX_FRAME],
            local_scratch: Vec::with_capacity(MAX_FRAME),
            ours: Vec::new(),
            icmp_ident: 0,
            reassembler: Reassembler::new(ReassemblyConfig::default()),
            link_datagrams: VecDeque::new(),
            tools: tools::Tools::default(),
        }
    }

    // ---- configuration -------------------------------------------------------------------------

    /// Adds an interface (`ether1`...); None when the name is taken.
    pub fn add_interface(&mut self, name: &str, mac: EthernetAddress) -> Option<InterfaceId> {
        let id = self.interfaces.add(Interface::new(name, mac))?;
        self.tx
            .push(VecDeque::with_capacity(self.config.tx_queue_len));
        self.routes.set_interface_up(id, true);
        Some(id)
    }

    pub fn interfaces(&self) -> &InterfaceTable {
        &self.interfaces
    }

    pub fn interface_lists(&self) -> &InterfaceLists {
        &self.lists
    }

    pub fn interface_lists_mut(&mut self) -> &mut InterfaceLists {
        &mut self.lists
    }

    /// Sets the link state (the driver's view) of an interface.
    pub fn set_running(&mut self, id: InterfaceId, running: bool, now: Instant) {
        if let Some(interface) = self.interfaces.get_mut(id) {
            interface.running = running;
        }
        self.interface_changed(id, now);
    }

    /// `disabled=yes|no` of an interface.
    pub fn set_disabled(&mut self, id: InterfaceId, disabled: bool, now: Instant) {
        if let Some(interface) = self.interfaces.get_mut(id) {
            interface.disabled = disabled;
        }
        self.interface_changed(id, now);
    }

    /// MTU and ARP mode changes.
    pub fn interface_mut(&mut self, id: InterfaceId) -> Option<&mut Interface> {
        self.interfaces.get_mut(id)
    }

    fn interface_changed(&mut self, id: InterfaceId, now: Instant) {
        let up = self.interfaces.is_up(id);
        self.routes.set_interface_up(id, up);
        if !up {
            for unresolved in self.neighbors.flush_dynamic(id) {
                for packet in unresolved.packets {
                    self.drop_packet(packet, DropReason::OutInterfaceDown, now);
                }
            }
            if let Some(queue) = self.tx.get_mut(usize::from(id.0)) {
                let dropped: Vec<TxFrame> = queue.drain(..).collect();
                for frame in dropped {
                    self.drops.count(DropReason::OutInterfaceDown);
                    self.recycle(frame.buffer);
                }
            }
        } else {
            self.announce_addresses(id);
        }
    }

    /// `/ip address add address=A/N interface=I`: adds the address, its connected route, and announces it
    /// with a gratuitous ARP.
    pub fn add_address(
        &mut self,
        cidr: Ipv4Cidr,
        interface: InterfaceId,
    ) -> Result<AddressId, AddressError> {
        self.add_address_entry(cidr, interface, false)
    }

    /// An address the router adds itself (a DHCP client's lease; `D` in `/ip address print`), with
    /// its connected route and announcement as [`Engine::add_address`]; configuration changes leave it
    /// alone, [`Engine::remove_address`] takes it away.
    pub fn add_dynamic_address(
        &mut self,
        cidr: Ipv4Cidr,
        interface: InterfaceId,
    ) -> Result<AddressId, AddressError> {
        self.add_address_entry(cidr, interface, true)
    }

    fn add_address_entry(
        &mut self,
        cidr: Ipv4Cidr,
        interface: InterfaceId,
        dynamic: bool,
    ) -> Result<AddressId, AddressError> {
        if self.interfaces.get(interface).is_none() {
            return Err(AddressError::InvalidAddress);
        }
        let entry = match dynamic {
            true => self.addresses.add_dynamic(cidr, interface)?,
            false => self.addresses.add(cidr, interface)?,
        };
        if let Ok(route) = self
            .routes
            .add_connected(entry.network(), interface, entry.address())
        {
            self.connected.insert(entry.id, route);
        }
        self.refresh_local_addresses();
        if self.interfaces.is_up(interface) {
            self.send_gratuitous(interface, entry.address());
        }
        Ok(entry.id)
    }

    /// `/ip address remove`: the connected route goes with it, and connections masqueraded to the
    /// address are forgotten (RouterOS drops them when the address goes away).
    pub fn remove_address(&mut self, id: AddressId) -> bool {
        let Some(entry) = self.addresses.remove(id) else {
            return false;
        };
        self.hooks.address_removed(entry.address());
        if let Some(route) = self.connected.remove(&id) {
            let _ = self.routes.remove_connected(route);
        }
        self.refresh_local_addresses();
        true
    }

    /// `/ip address disable|enable`: a disabled address is not ours and has no connected route.
    pub fn set_address_disabled(&mut self, id: AddressId, disabled: bool) -> bool {
        let Some(entry) = self.addresses.set_disabled(id, disabled) else {
            return false;
        };
        if let Some(route) = self.connected.remove(&id) {
            let _ = self.routes.remove_connected(route);
        }
        if !disabled
            && let Ok(route) =
                self.routes
                    .add_connected(entry.network(), entry.interface, entry.address())
        {
            self.connected.insert(id, route);
        }
        self.refresh_local_addresses();
        if !disabled && self.interfaces.is_up(entry.interface) {
            self.send_gratuitous(entry.interface, entry.address());
        }
        true
    }

    pub fn addresses(&self) -> &AddressTable {
        &self.addresses
    }

    fn refresh_local_addresses(&mut self) {
        let cidrs: Vec<Ipv4Cidr> = self
            .addresses
            .iter()
            .filter(|a| !a.disabled)
            .map(|a| a.cidr)
            .collect();
        self.local.set_addresses(&cidrs);
    }

    fn announce_addresses(&mut self, interface: InterfaceId) {
        let addresses: Vec<Ipv4Address> = self
            .addresses
            .on_interface(interface)
            .map(|a| a.address())
            .collect();
        for address in addresses {
            self.send_gratuitous(interface, address);
        }
    }

    /// Static routes (`/ip route`); connected routes are managed through addresses.
    pub fn routes(&self) -> &RouteTable {
        &self.routes
    }

    pub fn routes_mut(&mut self) -> &mut RouteTable {
        &mut self.routes
    }

    pub fn neighbors(&self) -> &NeighborCache<Packet> {
        &self.neighbors
    }

    /// `/ip settings set arp-timeout=... max-neighbor-entries=...`: new timeouts apply from each entry's
    /// next transition; a smaller `max_entries` evicts evictable entries at once (static and incomplete
    /// ones stay), see [`NeighborCache::set_config`]. Queued packets are never dropped by this call.
    pub fn set_neighbor_config(&mut self, config: NeighborConfig, now: Instant) {
        self.neighbors.set_config(config, now);
    }

    /// `/ip arp add`: packets waiting for that address leave at once.
    pub fn add_static_arp(
        &mut self,
        interface: InterfaceId,
        address: Ipv4Address,
        mac: EthernetAddress,
        now: Instant,
    ) -> Result<(), StaticEntryError> {
        if let Some(released) = self.neighbors.add_static(interface, address, mac, now)? {
            self.send_released(released, now);
        }
        Ok(())
    }

    pub fn remove_static_arp(
        &mut self,
        interface: InterfaceId,
        address: Ipv4Address,
    ) -> Result<(), StaticEntryError> {
        self.neighbors.remove_static(interface, address)
    }

    /// The address the router sends from towards `dst`: the route's `pref-src`, else the outgoing
    /// interface's address in `dst`'s subnet, else its first address (what a service binds to before it
    /// connects somewhere).
    pub fn source_address_for(&self, dst: Ipv4Address) -> Option<Ipv4Address> {
        match self.routes.lookup(dst, 0)? {
            crate::route::Forwarding::Unicast {
                interface,
                pref_src,
                ..
            } => self.source_address(interface, dst, pref_src),
            _ => None,
        }
    }

    /// The router's own stack, for services to open sockets on.
    pub fn local_stack(&mut self) -> &mut LocalStack {
        &mut self.local
    }

    pub fn hooks(&self) -> &H {
        &self.hooks
    }

    pub fn hooks_mut(&mut self) -> &mut H {
        &mut self.hooks
    }

    // ---- observation ---------------------------------------------------------------------------

    pub fn drops(&self) -> &DropCounters {
        &self.drops
    }

    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    /// Starts tracing packets that match `filter`, keeping the last `capacity` records.
    pub fn enable_trace(&mut self, filter: TraceFilter, capacity: usize) {
        self.trace.enable(filter, capacity);
    }

    pub fn disable_trace(&mut self) {
        self.trace.disable();
    }

    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Fragment reassembly counters.
    pub fn reassembly(&self) -> &Reassembler {
        &self.reassembler
    }

    // ---- time ----------------------------------------------------------------------------------

    /// Runs timers: ARP retries and expiry (failed resolutions answer their packets' senders with host
    /// unreachable), and the local stack. Call at least every [`Engine::poll_at`].
    pub fn poll(&mut self, now: Instant) {
        let output = self.neighbors.poll(now);
        for request in output.requests {
            self.send_arp_request(request);
        }
        for unresolved in output.failed {
            for packet in unresolved.packets {
                self.reject(
                    packet,
                    Stage::Neighbor,
                    DropReason::NeighborUnreachable,
                    crate::icmp_error::IcmpErrorKind::HostUnreachable,
                    now,
                );
            }
        }
        self.hooks.poll(now);
        // Datagrams whose fragments stopped coming are discarded (RFC 791 reassembly timer); for those
        // addressed to the router whose first fragment arrived, the sender gets Time Exceeded code 1
        // quoting it (RFC 792; Linux answers only for local destinations too).
        self.reassembler.poll(now);
        {
            let expired: Vec<Vec<u8>> = self
                .reassembler
                .drain_expired()
                .map(|e| e.first_fragment)
                .collect();
            for first_fragment in expired {
                let to_us = Ipv4Packet::new_checked(&first_fragment[..])
                    .is_ok_and(|ip| self.addresses.is_local(ip.dst_addr()));
                if to_us && let Some(buffer) = self.take_buffer() {
                    let offending = Packet::from_ip(buffer, &first_fragment);
                    self.send_icmp_error(
                        &offending,
                        crate::icmp_error::IcmpErrorKind::ReassemblyTimeExceeded,
                        now,
                    );
                    self.recycle(offending.into_buffer());
                }
            }
        }
        self.run_local_stack(now);
    }

    /// When `poll` should run next.
    pub fn poll_at(&mut self, now: Instant) -> Option<Instant> {
        let neighbor = self.neighbors.poll_at();
        let local = self.local.poll_at(now);
        match (neighbor, local) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ---- transmission --------------------------------------------------------------------------

    /// Hands queued frames of `interface` to `send`, oldest first, until the queue is empty or `send`
    /// returns false (device full: that frame stays queued). Returns how many were sent.
    ///
    /// For interfaces without offload capabilities (the default): their frames never ask for any. A
    /// driver of a port with capabilities must use [`Engine::transmit_offloaded`], or frames would
    /// leave with their offload work undone (checked in debug builds).
    pub fn transmit(
        &mut self,
        interface: InterfaceId,
        mut send: impl FnMut(&[u8]) -> bool,
    ) -> usize {
        self.transmit_offloaded(interface, |frame, offload| {
            debug_assert_eq!(
                *offload,
                FrameOffload::NONE,
                "offloaded frame given to `transmit`"
            );
            send(frame)
        })
    }

    /// [`Engine::transmit`], with what the NIC is to finish for each frame (partial checksum, TCP
    /// segmentation), within the interface's [`crate::offload::OffloadCaps`].
    pub fn transmit_offloaded(
        &mut self,
        interface: InterfaceId,
        mut send: impl FnMut(&[u8], &FrameOffload) -> bool,
    ) -> usize {
        let mut sent = 0;
        while let Some(frame) = self
            .tx
            .get_mut(usize::from(interface.0))
            .and_then(VecDeque::pop_front)
        {
            let bytes = frame.buffer.get(frame.start..).unwrap_or(&[]);
            if !send(bytes, &frame.offload) {
                if let Some(queue) = self.tx.get_mut(usize::from(interface.0)) {
                    queue.push_front(frame);
                }
                break;
            }
            sent += 1;
            self.recycle(frame.buffer);
        }
        sent
    }

    /// Frames waiting on `interface`.
    pub fn tx_pending(&self, interface: InterfaceId) -> usize {
        self.tx
            .get(usize::from(interface.0))
            .map_or(0, VecDeque::len)
    }

    // ---- buffers -------------------------------------------------------------------------------

    fn take_buffer(&mut self) -> Option<Vec<u8>> {
        if self.buffers_in_use >= self.config.max_buffers {
            return None;
        }
        self.buffers_in_use += 1;
        Some(self.pool.pop().unwrap_or_else(|| Vec::with_capacity(2048)))
    }

    /// A buffer for a received super-frame, within `max_super_frames`.
    fn take_super_buffer(&mut self) -> Option<Vec<u8>> {
        if self.super_buffers_in_use >= self.config.max_super_frames
            || self.buffers_in_use >= self.config.max_buffers
        {
            return None;
        }
        self.super_buffers_in_use += 1;
        self.buffers_in_use += 1;
        Some(
            self.super_pool
                .pop()
                .unwrap_or_else(|| Vec::with_capacity(SUPER_BUFFER)),
        )
    }

    fn recycle(&mut self, buffer: Vec<u8>) {
        self.buffers_in_use = self.buffers_in_use.saturating_sub(1);
        if buffer.capacity() == SUPER_BUFFER {
            self.super_buffers_in_use = self.super_buffers_in_use.saturating_sub(1);
            if self.super_pool.len() < SUPER_POOL {
                self.super_pool.push(buffer);
            }
            return;
        }
        // Buffers that grew for a reassembled datagram go back to the allocator, not the pool.
        if self.pool.len() < self.config.pool_buffers && buffer.capacity() <= 16 * 1024 {
            self.pool.push(buffer);
        }
    }

    /// Counts a drop and takes the buffer back.
    fn drop_packet(&mut self, packet: Packet, reason: DropReason, now: Instant) {
        self.trace_packet(&packet, Stage::Discard, TraceVerdict::Drop(reason), now);
        self.discard(packet, reason);
    }

    /// Counts a drop and takes the buffer back, for callers that already traced the decision.
    fn discard(&mut self, packet: Packet, reason: DropReason) {
        self.drops.count(reason);
        if let Some(interface) = packet
            .meta
            .in_interface
            .and_then(|i| self.interfaces.get_mut(i))
        {
            interface.counters.rx_drops = interface.counters.rx_drops.saturating_add(1);
        }
        self.recycle(packet.into_buffer());
    }

    fn trace_packet(&mut self, packet: &Packet, stage: Stage, verdict: TraceVerdict, now: Instant) {
        if !packet.meta.traced {
            return;
        }
        let (src, dst, protocol) = match Ipv4Packet::new_checked(packet.l3()) {
            Ok(ip) => (ip.src_addr(), ip.dst_addr(), ip.next_header()),
            Err(_) => (
                Ipv4Address::UNSPECIFIED,
                Ipv4Address::UNSPECIFIED,
                IpProtocol::Unknown(0),
            ),
        };
        self.trace.record(TraceRecord {
            time: now,
            interface: packet.meta.in_interface,
            stage,
            verdict,
            src,
            dst,
            protocol,
        });
    }

    fn send_released(&mut self, released: Released<Packet>, now: Instant) {
        for packet in released.packets {
            self.transmit_to(packet, released.mac, now);
        }
    }
}
