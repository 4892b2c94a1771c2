//! The hook points where the firewall plugs into the packet path (RouterOS packet flow).
//!
//! The engine calls [`Hooks::run`] at each [`HookPoint`], in RouterOS's order:
//!
//! ```text
//! forwarded: RawPrerouting → Conntrack → ManglePrerouting → DstNat → [routing] →
//!            MangleForward → FilterForward → ManglePostrouting → SrcNat → Queue → [egress]
//! to router: RawPrerouting → Conntrack → ManglePrerouting → DstNat → [routing] →
//!            MangleInput → FilterInput → [local stack]
//! from router: [local stack] → [routing] → RawOutput → ConntrackOutput → MangleOutput → FilterOutput →
//!            ManglePostrouting → SrcNat → Queue → [egress]
//! ```
//!
//! A hook may rewrite the packet (NAT), set marks and the connection in `Meta`, or return a verdict other
//! than `Continue`. A hook that changes the destination before routing (DstNat) makes the engine route the
//! packet on its new destination. The core engine ships with [`NoHooks`], which lets everything pass; the
//! connection-tracking and firewall milestone implements the trait.

use smoltcp::wire::Ipv4Address;

use crate::Instant;
use crate::address::AddressTable;
use crate::flow::{ConnId, Direction};
use crate::interface::{InterfaceLists, InterfaceTable};
use crate::packet::Packet;
use crate::verdict::Next;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HookPoint {
    RawPrerouting,
    Conntrack,
    ManglePrerouting,
    DstNat,
    MangleInput,
    FilterInput,
    MangleForward,
    FilterForward,
    RawOutput,
    ConntrackOutput,
    MangleOutput,
    FilterOutput,
    ManglePostrouting,
    SrcNat,
    Queue,
}

impl HookPoint {
    /// Prerouting hooks, in order.
    pub const PREROUTING: [HookPoint; 4] = [
        HookPoint::RawPrerouting,
        HookPoint::Conntrack,
        HookPoint::ManglePrerouting,
        HookPoint::DstNat,
    ];
    /// Hooks of packets addressed to the router, after routing.
    pub const INPUT: [HookPoint; 2] = [HookPoint::MangleInput, HookPoint::FilterInput];
    /// Hooks of forwarded packets, after routing.
    pub const FORWARD: [HookPoint; 2] = [HookPoint::MangleForward, HookPoint::FilterForward];
    /// Hooks of packets the router sends, after routing.
    pub const OUTPUT: [HookPoint; 4] = [
        HookPoint::RawOutput,
        HookPoint::ConntrackOutput,
        HookPoint::MangleOutput,
        HookPoint::FilterOutput,
    ];
    /// Postrouting hooks of every packet that leaves, in order.
    pub const POSTROUTING: [HookPoint; 3] = [
        HookPoint::ManglePostrouting,
        HookPoint::SrcNat,
        HookPoint::Queue,
    ];

    /// Mangle and filter points, which FastTracked packets skip.
    pub fn skipped_by_fasttrack(self) -> bool {
        matches!(
            self,
            HookPoint::ManglePrerouting
                | HookPoint::MangleInput
                | HookPoint::MangleForward
                | HookPoint::MangleOutput
                | HookPoint::ManglePostrouting
                | HookPoint::FilterInput
                | HookPoint::FilterForward
                | HookPoint::FilterOutput
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            HookPoint::RawPrerouting => "raw-prerouting",
            HookPoint::Conntrack => "conntrack",
            HookPoint::ManglePrerouting => "mangle-prerouting",
            HookPoint::DstNat => "dstnat",
            HookPoint::MangleInput => "mangle-input",
            HookPoint::FilterInput => "filter-input",
            HookPoint::MangleForward => "mangle-forward",
            HookPoint::FilterForward => "filter-forward",
            HookPoint::RawOutput => "raw-output",
            HookPoint::ConntrackOutput => "conntrack-output",
            HookPoint::MangleOutput => "mangle-output",
            HookPoint::FilterOutput => "filter-output",
            HookPoint::ManglePostrouting => "mangle-postrouting",
            HookPoint::SrcNat => "srcnat",
            HookPoint::Queue => "queue",
        }
    }
}

/// What a hook may consult about the router: its interfaces, interface lists and addresses (masquerade
/// needs the out-interface's address, `dst-address-type=local` the router's addresses).
#[derive(Clone, Copy)]
pub struct HookContext<'a> {
    pub interfaces: &'a InterfaceTable,
    pub lists: &'a InterfaceLists,
    pub addresses: &'a AddressTable,
}

/// The firewall's entry point. Implementations must not panic on any packet.
pub trait Hooks {
    fn run(
        &mut self,
        point: HookPoint,
        packet: &mut Packet,
        context: &HookContext<'_>,
        now: Instant,
    ) -> Next;

    /// Whether the hooks need whole datagrams (connection tracking does: the engine then reassembles
    /// fragments before the prerouting hooks, as netfilter's defrag does, and refragments on output).
    fn wants_whole_datagrams(&self) -> bool {
        false
    }

    /// Timers (connection expiry, address-list timeouts); called from `Engine::poll`.
    fn poll(&mut self, _now: Instant) {}

    /// One of the router's addresses went away or changed (masquerade mappings that use it are flushed).
    fn address_removed(&mut self, _address: smoltcp::wire::Ipv4Address) {}

    /// The FastTrack fast path, first half: whether this received packet (a validated, unfragmented
    /// IPv4 packet) belongs to a FastTracked connection whose packets the hooks would pass through every
    /// hook point unchanged except for tracking, NAT and the fasttrack counters. Must not change any
    /// state: the engine may still send the packet down the full path afterwards. The default (and
    /// [`NoHooks`]) never takes the fast path.
    fn fast_path(&mut self, _packet: &Packet, _now: Instant) -> Option<FastPath> {
        None
    }

    /// The FastTrack fast path, second half, once the engine has found the packet forwardable (route,
    /// TTL, MTU): does what the prerouting, forward and postrouting hooks would have done to it —
    /// connection counters and timeout, NAT of both halves, the fasttrack counters — and sets
    /// `packet.meta` as they would have.
    fn fast_path_commit(&mut self, _packet: &mut Packet, _fast: &FastPath, _now: Instant) {}

    /// Undoes NAT on `l3`, a copy of a packet of connection `conn` that the router is about to answer
    /// with an ICMP error: restores the addresses and ports the packet had when it arrived, so the error
    /// goes to its real sender and quotes what that sender sent (Linux `icmp_ndo_send` does the same for
    /// NATed packets). The default has no NAT to undo.
    fn restore_pre_nat(&mut self, _l3: &mut [u8], _conn: Option<crate::flow::ConnFacts>) {}
}

/// A packet the hooks let take the FastTrack fast path ([`Hooks::fast_path`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FastPath {
    /// The destination the packet has after destination NAT (what routing must look up).
    pub dst: Ipv4Address,
    pub conn: ConnId,
    pub direction: Direction,
}

/// Lets every packet pass unchanged.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoHooks;

impl Hooks for NoHooks {
    fn run(
        &mut self,
        _point: HookPoint,
        _packet: &mut Packet,
        _context: &HookContext<'_>,
        _now: Instant,
    ) -> Next {
        Next::Continue
    }
}

/// `H` with the FastTrack fast path turned off: every packet takes the full path. The reference the
/// fast path is checked against (`fuzz_harness` runs every input through both and compares).
#[derive(Clone, Debug, Default)]
pub struct FullPathOnly<H>(pub H);

impl<H: Hooks> Hooks for FullPathOnly<H> {
    fn run(
        &mut self,
        point: HookPoint,
        packet: &mut Packet,
        context: &HookContext<'_>,
        now: Instant,
    ) -> Next {
        self.0.run(point, packet, context, now)
    }

    fn wants_whole_datagrams(&self) -> bool {
        self.0.wants_whole_datagrams()
    }

    fn poll(&mut self, now: Instant) {
        self.0.poll(now);
    }

    fn restore_pre_nat(&mut self, l3: &mut [u8], conn: Option<crate::flow::ConnFacts>) {
        self.0.restore_pre_nat(l3, conn)
    }

    fn address_removed(&mut self, address: Ipv4Address) {
        self.0.address_removed(address);
    }
}
