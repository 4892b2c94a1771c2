//! The stateful firewall at the engine's hook points: connection tracking, the raw/mangle/filter chains
//! and NAT, in RouterOS's packet flow (`routeros-reference.md` §1; the netfilter hooks underneath).
//!
//! | hook point | what happens here |
//! |---|---|
//! | raw prerouting / output | `raw` chain; `notrack` makes the packet `untracked` |
//! | conntrack / conntrack-output | [`Conntrack::process`]: state, direction, marks; a full table drops new flows |
//! | mangle (every chain) | `mangle` chain; marks go into `Meta` and the connection |
//! | dstnat | a new connection runs the `dstnat` chain (dst-nat, redirect, netmap); every packet of a NATed connection gets its destination rewritten |
//! | filter input / forward / output | `filter` chain; `fasttrack-connection` marks established/related TCP/UDP |
//! | srcnat | a new connection runs the `srcnat` chain (src-nat, masquerade, netmap); source rewrite |
//! | filter input (end) and queue | the connection of a first packet is confirmed: only packets that got through create entries |
//!
//! NAT rules are consulted only for a connection's first packet; later packets follow the mapping stored
//! as the connection's reply tuple. FastTracked connections skip mangle and filter (NAT and tracking still
//! apply). A packet dropped after conntrack made it a tentative entry discards that entry. Rule sets are
//! replaced whole (`set_rules`): a compile error keeps the old set, counters carry over, conntrack state
//! is untouched.
//!
//! `reject-with=tcp-reset` and `tarpit` answer through the engine (`Next::AnswerTcp`). The fasttrack dummy
//! rule's counters are [`FirewallStats::fasttracked`]/`fasttracked_bytes`, for `print` to show. Fragments reach these hooks
//! reassembled (the engine's defrag stage runs first because `wants_whole_datagrams` is true).

use alloc::vec::Vec;

use smoltcp::wire::{EthernetAddress, Ipv4Address};

use super::compile::{CompileError, TableResolver, compile};
use super::facts::PacketFacts;
use super::marks::MarkNames;
use super::ruleset::CompiledRuleSet;
use super::spec::{BuiltinChain, RejectWith, RuleId, RuleSpec, Table};
use super::state::{ConnectionCounter, EngineHost, Env, RuntimeState};
use super::verdict::{ChainVerdict, NatAction, Outcome};
use crate::Instant;
use crate::conntrack::FastFlow;
use crate::conntrack::{Conntrack, ConntrackSettings};
use crate::flow::ConnState;
use crate::hooks::{FastPath, HookContext, HookPoint, Hooks};
use crate::interface::{InterfaceLists, InterfaceTable};
use crate::nat::{self, AddrRange, Manip};
use crate::packet::Packet;
use crate::prng::Prng;
use crate::verdict::{DropReason, Next, TcpAnswer};

/// Counters of the firewall's own decisions (rule counters live in the rule sets).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FirewallStats {
    /// New connections refused because the connection table was full.
    pub table_full: u64,
    /// NAT set-ups that failed (no free port in the range) and dropped the packet.
    pub nat_failures: u64,
    /// First packets dropped because their connection clashed with another at confirmation.
    pub clashes: u64,
    /// Packets (and their bytes) that skipped mangle/filter because their connection is fasttracked: the
    /// counters of RouterOS's dynamic "special dummy rule to show fasttrack counters".
    pub fasttracked: u64,
    pub fasttracked_bytes: u64,
}

/// Conntrack, NAT and the four rule tables.
pub struct Firewall {
    conntrack: Conntrack,
    raw: CompiledRuleSet,
    mangle: CompiledRuleSet,
    nat: CompiledRuleSet,
    filter: CompiledRuleSet,
    state: RuntimeState,
    marks: MarkNames,
    rng: Prng,
    stats: FirewallStats,
    /// Which tables hold rules (filter, nat, mangle, raw), kept by `set_rules` so the packet path does not
    /// count rules.
    has_rules: [bool; 4],
    /// Some connection was FastTracked at some time (sticky): until then the fast path does not look
    /// packets up, so a firewall without FastTrack pays nothing for it.
    fasttrack_used: bool,
}

/// `connection-limit` asks how many connections a source has; answered by walking the table, which only
/// rules with that matcher pay for.
struct TableCounter<'a>(&'a Conntrack, Instant);

impl ConnectionCounter for TableCounter<'_> {
    fn connections_from(&self, addr: Ipv4Address, prefix_len: u8) -> u32 {
        let mask = u32::MAX
            .checked_shl(32 - u32::from(prefix_len.min(32)))
            .unwrap_or(0);
        let wanted = addr.to_bits() & mask;
        let count = self
            .0
            .iter(self.1)
            .filter(|c| c.original.src.to_bits() & mask == wanted)
            .count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }
}

impl Firewall {
    pub fn new(settings: ConntrackSettings, seed: u64) -> Self {
        Self {
            conntrack: Conntrack::new(settings, seed),
            raw: CompiledRuleSet::empty(Table::Raw),
            mangle: CompiledRuleSet::empty(Table::Mangle),
            nat: CompiledRuleSet::empty(Table::Nat),
            filter: CompiledRuleSet::empty(Table::Filter),
            state: RuntimeState::new(seed ^ 0x5A5A_5A5A),
            marks: MarkNames::default(),
            rng: Prng::new(seed.rotate_left(17)),
            stats: FirewallStats::default(),
            has_rules: [false; 4],
            fasttrack_used: false,
        }
    }

    /// Replaces the rules of `table` atomically; on a compile error the old rules stay.
    pub fn set_rules(
        &mut self,
        table: Table,
        specs: &[RuleSpec],
        interfaces: &InterfaceTable,
        lists: &InterfaceLists,
    ) -> Result<(), CompileError> {
        let mut resolver = TableResolver {
            interfaces,
            lists,
            marks: &mut self.marks,
            address_lists: &mut self.state.address_lists,
        };
        let mut compiled = compile(table, specs, &mut resolver)?;
        let has_rules = !compiled.is_empty();
        let slot = self.table_mut(table);
        compiled.inherit_counters(slot);
        *slot = compiled;
        self.has_rules[table_index(table)] = has_rules;
        Ok(())
    }

    fn table_mut(&mut self, table: Table) -> &mut CompiledRuleSet {
        match table {
            Table::Filter => &mut self.filter,
            Table::Nat => &mut self.nat,
            Table::Mangle => &mut self.mangle,
            Table::Raw => &mut self.raw,
        }
    }

    pub fn rules(&self, table: Table) -> &CompiledRuleSet {
        match table {
            Table::Filter => &self.filter,
            Table::Nat => &self.nat,
            Table::Mangle => &self.mangle,
            Table::Raw => &self.raw,
        }
    }

    pub fn conntrack(&self) -> &Conntrack {
        &self.conntrack
    }

    pub fn conntrack_mut(&mut self) -> &mut Conntrack {
        &mut self.conntrack
    }

    /// Address lists and the log ring.
    pub fn state(&self) -> &RuntimeState {
        &self.state
    }

    pub fn state_mut(&mut self) -> &mut RuntimeState {
        &mut self.state
    }

    pub fn marks(&self) -> &MarkNames {
        &self.marks
    }

    pub fn stats(&self) -> &FirewallStats {
        &self.stats
    }

    /// `reset-counters` (`rules`: those rules; `None`: `reset-counters-all`) of `table`; the packet
    /// and byte counters start again from zero. Ids that name no rule are ignored.
    pub fn reset_counters(&mut self, table: Table, rules: Option<&[RuleId]>) {
        let set = self.table_mut(table);
        match rules {
            None => set.reset_counters(),
            Some(ids) => {
                for id in ids {
                    set.reset_rule_counters(*id);
                }
            }
        }
    }

    /// Zeroes [`FirewallStats::fasttracked`] and `fasttracked_bytes`, the counters of RouterOS's
    /// "special dummy rule to show fasttrack counters".
    pub fn reset_fasttrack_counters(&mut self) {
        self.stats.fasttracked = 0;
        self.stats.fasttracked_bytes = 0;
    }

    /// Whether any connection was ever FastTracked (RouterOS then shows the fasttrack dummy rule).
    pub fn fasttrack_used(&self) -> bool {
        self.fasttrack_used
    }

    fn any_rules(&self) -> bool {
        self.has_rules.contains(&true)
    }

    fn has_rules(&self, table: Table) -> bool {
        self.has_rules[table_index(table)]
    }

    /// Runs `chain` of `table` on the packet.
    fn run_chain(
        &mut self,
        table: Table,
        chain: BuiltinChain,
        packet: &mut Packet,
        context: &HookContext<'_>,
        now: Instant,
    ) -> Option<Outcome> {
        let src_mac = source_mac(packet);
        let facts = PacketFacts::parse(packet.l3(), &packet.meta, packet.meta.conn, src_mac)?;
        let host = EngineHost {
            addresses: context.addresses,
            interfaces: context.interfaces,
        };
        let counter = TableCounter(&self.conntrack, now);
        let env = Env {
            host: &host,
            connections: &counter,
        };
        let rules = match table {
            Table::Filter => &mut self.filter,
            Table::Nat => &mut self.nat,
            Table::Mangle => &mut self.mangle,
            Table::Raw => &mut self.raw,
        };
        let outcome = rules.run(chain, &facts, packet, &mut self.state, env, now);
        self.apply_effects(packet, &outcome);
        if outcome.effects.clamp_mss_to_pmtu {
            clamp_mss_to_pmtu(packet, context);
        }
        Some(outcome)
    }

    /// Stores marks and the fasttrack request on the connection.
    fn apply_effects(&mut self, packet: &mut Packet, outcome: &Outcome) {
        let tcp_or_udp = is_tcp_or_udp(packet.l3());
        let Some(conn) = packet.meta.conn.as_mut() else {
            return;
        };
        let Some(id) = conn.id else { return };
        if let Some(mark) = outcome.effects.connection_mark {
            self.conntrack.set_mark(id, mark);
            conn.mark = mark;
        }
        let fasttrackable = matches!(conn.state, ConnState::Established | ConnState::Related);
        if outcome.effects.fasttrack && fasttrackable && tcp_or_udp {
            self.conntrack.set_fasttrack(id);
            self.fasttrack_used = true;
            conn.fasttrack = true;
        }
    }

    /// Maps a filter/mangle/raw verdict to the engine's, discarding the tentative connection of a packet
    /// that does not get through.
    fn verdict(&mut self, packet: &mut Packet, verdict: ChainVerdict) -> Next {
        let next = match verdict {
            ChainVerdict::Accept | ChainVerdict::Nat(_) | ChainVerdict::NoTrack => Next::Continue,
            ChainVerdict::Drop => Next::Drop(DropReason::Filtered),
            ChainVerdict::Tarpit => Next::AnswerTcp(DropReason::Filtered, TcpAnswer::Tarpit),
            ChainVerdict::Reject(RejectWith::TcpReset) => {
                Next::AnswerTcp(DropReason::Filtered, TcpAnswer::Reset)
            }
            ChainVerdict::Reject(RejectWith::Icmp(kind)) => {
                Next::Reject(DropReason::Filtered, kind)
            }
        };
        if next != Next::Continue {
            self.discard_tentative(packet);
        }
        next
    }

    fn discard_tentative(&mut self, packet: &mut Packet) {
        if packet.meta.conn_tentative
            && let Some(id) = packet.meta.conn.and_then(|c| c.id)
        {
            self.conntrack.discard(id);
            packet.meta.conn_tentative = false;
        }
    }

    fn is_fasttracked(packet: &Packet) -> bool {
        packet
            .meta
            .conn
            .is_some_and(|c| c.fasttrack && c.state == ConnState::Established)
    }

    fn filter_or_mangle(
        &mut self,
        table: Table,
        chain: BuiltinChain,
        packet: &mut Packet,
        context: &HookContext<'_>,
        now: Instant,
    ) -> Next {
        // FastTracked packets never get here: the engine skips mangle and filter for them
        // (`Meta::fasttracked`, set in `track`).
        // An empty table accepts with no effects: skip parsing the packet for it.
        if !self.has_rules(table) {
            return Next::Continue;
        }
        match self.run_chain(table, chain, packet, context, now) {
            Some(outcome) => self.verdict(packet, outcome.verdict),
            // Not parsable as IPv4 (the engine validated it, so this does not happen): let it pass.
            None => Next::Continue,
        }
    }

    fn raw(
        &mut self,
        chain: BuiltinChain,
        packet: &mut Packet,
        context: &HookContext<'_>,
        now: Instant,
    ) -> Next {
        if !self.has_rules(Table::Raw) {
            return Next::Continue;
        }
        match self
            .run_chain(Table::Raw, chain, packet, context, now)
            .map(|o| o.verdict)
        {
            Some(ChainVerdict::NoTrack) => {
                packet.meta.conn = Some(self.conntrack.untracked());
                Next::Continue
            }
            Some(verdict) => self.verdict(packet, verdict),
            None => Next::Continue,
        }
    }

    fn track(&mut self, packet: &mut Packet, now: Instant) -> Next {
        if packet
            .meta
            .conn
            .is_some_and(|c| c.state == ConnState::Untracked)
        {
            return Next::Continue;
        }
        if !self.conntrack.settings().enabled.active(self.any_rules()) {
            packet.meta.conn = None;
            return Next::Continue;
        }
        let verify = packet.meta.offload.checksum_needs_verification();
        let tracked = self.conntrack.process_checked(packet.l3(), verify, now);
        if tracked.table_full {
            self.stats.table_full = self.stats.table_full.saturating_add(1);
            return Next::Drop(DropReason::Filtered);
        }
        packet.meta.conn = Some(tracked.facts);
        packet.meta.conn_tentative = tracked.tentative;
        packet.meta.connection_mark = tracked.facts.mark;
        packet.meta.fasttracked = Self::is_fasttracked(packet);
        Next::Continue
    }

    /// Rewrites the half `manip` of a packet of a NATed connection (no-op for others).
    fn rewrite(&mut self, packet: &mut Packet, manip: Manip) {
        let Some(conn) = packet.meta.conn else { return };
        // Only the halves a mapping changed need work: the destination of original-direction packets
        // of a dst-NATed connection and of reply-direction packets of a src-NATed one; the source the
        // other way round.
        let original = conn.direction == crate::flow::Direction::Original;
        let needed = match manip {
            Manip::Dst => (original && conn.dstnat) || (!original && conn.srcnat),
            Manip::Src => (original && conn.srcnat) || (!original && conn.dstnat),
            Manip::Both => conn.srcnat || conn.dstnat,
        };
        if !needed {
            return;
        }
        let Some(id) = conn.id else { return };
        let Some(tuples) = self.conntrack.tuples(id) else {
            return;
        };
        let rewrite = if packet.meta.offload.is_partial() {
            nat::rewrite_partial
        } else {
            nat::rewrite
        };
        let _ = rewrite(packet.l3_mut(), &tuples, conn.direction, manip);
    }

    fn is_new(packet: &Packet) -> bool {
        packet.meta.conn_tentative && packet.meta.conn.is_some_and(|c| c.state == ConnState::New)
    }

    /// The dstnat (`Manip::Dst`, prerouting) and srcnat (`Manip::Src`, postrouting) hooks: a new
    /// connection consults the NAT chain once to get its mapping; every packet of a NATed connection then
    /// has that half rewritten.
    fn nat_hook(
        &mut self,
        chain: BuiltinChain,
        manip: Manip,
        packet: &mut Packet,
        context: &HookContext<'_>,
        now: Instant,
    ) -> Next {
        if Self::is_new(packet)
            && self.has_rules(Table::Nat)
            && let Some(outcome) = self.run_chain(Table::Nat, chain, packet, context, now)
            && let ChainVerdict::Nat(action) = outcome.verdict
            && !self.set_up_nat(packet, action, context)
        {
            self.discard_tentative(packet);
            return Next::Drop(DropReason::Filtered);
        }
        self.rewrite(packet, manip);
        Next::Continue
    }

    /// Gives the new connection its mapping; false when none could be made (no free port, no address).
    fn set_up_nat(
        &mut self,
        packet: &mut Packet,
        action: NatAction,
        context: &HookContext<'_>,
    ) -> bool {
        let Some(id) = packet.meta.conn.and_then(|c| c.id) else {
            return false;
        };
        let ct = &mut self.conntrack;
        let rng = &mut self.rng;
        let result = match action {
            NatAction::SrcNat {
                to_addresses,
                to_ports,
            }
            | NatAction::Same {
                to_addresses,
                to_ports,
            } => nat::apply_src_nat(ct, id, to_addresses, to_ports, rng),
            NatAction::Masquerade { to_ports } => {
                let out = packet.meta.out_interface;
                let dst = ct.tuples(id).map(|t| t[0].dst);
                let address = match (packet.meta.pref_src, out, dst) {
                    (Some(src), _, _) => Some(src),
                    (None, Some(out), Some(dst)) => context.addresses.source_for(out, dst),
                    _ => None,
                };
                match address {
                    Some(address) => nat::masquerade(ct, id, address, to_ports, rng),
                    None => return false,
                }
            }
            NatAction::DstNat {
                to_addresses,
                to_ports,
            } => {
                let Some(original) = ct.tuples(id).map(|t| t[0]) else {
                    return false;
                };
                let to_addresses = to_addresses.unwrap_or(AddrRange::single(original.dst));
                nat::apply_dst_nat(ct, id, to_addresses, to_ports, rng)
            }
            NatAction::Redirect { to_ports } => {
                let Some(original) = ct.tuples(id).map(|t| t[0]) else {
                    return false;
                };
                let router = packet
                    .meta
                    .in_interface
                    .and_then(|i| context.addresses.source_for(i, original.src));
                match router {
                    Some(address) => nat::redirect(ct, id, address, to_ports, rng),
                    None => return false,
                }
            }
            NatAction::Netmap { to_prefix, .. } => {
                let (prefix, len) = (to_prefix.address(), to_prefix.prefix_len());
                if packet.meta.out_interface.is_some() {
                    nat::netmap_src(ct, id, prefix, len, rng)
                } else {
                    nat::netmap_dst(ct, id, prefix, len, rng)
                }
            }
        };
        match result {
            Ok(_) => {
                if let Some(conn) = packet.meta.conn.as_mut() {
                    conn.srcnat |= matches!(
                        action,
                        NatAction::SrcNat { .. }
                            | NatAction::Masquerade { .. }
                            | NatAction::Same { .. }
                    );
                    conn.dstnat |= matches!(
                        action,
                        NatAction::DstNat { .. } | NatAction::Redirect { .. }
                    );
                }
                true
            }
            Err(_) => {
                self.stats.nat_failures = self.stats.nat_failures.saturating_add(1);
                false
            }
        }
    }

    /// Confirms the connection of a first packet that made it through.
    fn confirm(&mut self, packet: &mut Packet) -> Next {
        if !packet.meta.conn_tentative {
            return Next::Continue;
        }
        packet.meta.conn_tentative = false;
        let Some(id) = packet.meta.conn.and_then(|c| c.id) else {
            return Next::Continue;
        };
        match self.conntrack.confirm(id) {
            Ok(()) => Next::Continue,
            Err(crate::conntrack::ConfirmError::Clash) => {
                self.stats.clashes = self.stats.clashes.saturating_add(1);
                Next::Drop(DropReason::Filtered)
            }
            // Counted by conntrack; dropped like a flow that finds the table full.
            Err(crate::conntrack::ConfirmError::NoMemory) => {
                self.stats.table_full = self.stats.table_full.saturating_add(1);
                Next::Drop(DropReason::Filtered)
            }
            Err(_) => Next::Continue,
        }
    }

    /// [`Hooks::fast_path`]: with no raw rules (which FastTracked packets do not skip) and tracking on,
    /// a packet conntrack would count as an established FastTracked one (`Conntrack::fast_lookup`)
    /// passes raw, conntrack, mangle, dstnat, filter, srcnat and queue with nothing but tracking, NAT
    /// and the fasttrack counters happening to it.
    fn fast_path_lookup(&self, packet: &Packet, now: Instant) -> Option<FastPath> {
        if !self.fasttrack_used
            || packet.meta.conn.is_some()
            || self.has_rules(Table::Raw)
            || !self.conntrack.settings().enabled.active(self.any_rules())
        {
            return None;
        }
        let l3 = packet.l3();
        let flow = self.conntrack.fast_lookup(l3, now)?;
        let c = self.conntrack.conn(flow.id)?;
        // The dstnat hook rewrites the destination of original packets of a dst-NATed connection and
        // of reply packets of a src-NATed one (see `rewrite`), towards the other direction's source.
        let (original, reply) = (&c.tuples[0], &c.tuples[1]);
        let dst = match flow.direction {
            crate::flow::Direction::Original if c.has(crate::conntrack::status::DSTNAT) => {
                reply.src
            }
            crate::flow::Direction::Reply if c.has(crate::conntrack::status::SRCNAT) => {
                original.src
            }
            _ => crate::conntrack::parse::addr(l3, 16)?,
        };
        Some(FastPath {
            dst,
            conn: flow.id,
            direction: flow.direction,
        })
    }

    /// [`Hooks::fast_path_commit`]: what `track`, the dstnat hook and the srcnat hook do to a packet of
    /// a FastTracked connection.
    fn fast_path_apply(&mut self, packet: &mut Packet, fast: &FastPath, now: Instant) {
        let ip_len = u16::try_from(packet.l3().len()).unwrap_or(u16::MAX);
        let flow = FastFlow {
            id: fast.conn,
            direction: fast.direction,
        };
        let Some(facts) = self.conntrack.fast_account(flow, ip_len, now) else {
            return;
        };
        packet.meta.conn = Some(facts);
        packet.meta.conn_tentative = false;
        packet.meta.connection_mark = facts.mark;
        packet.meta.fasttracked = Self::is_fasttracked(packet);
        self.rewrite(packet, Manip::Dst);
        self.stats.fasttracked = self.stats.fasttracked.saturating_add(1);
        self.stats.fasttracked_bytes = self
            .stats
            .fasttracked_bytes
            .saturating_add(packet.l3().len() as u64);
        self.rewrite(packet, Manip::Src);
    }

    /// Removes masqueraded connections that use `address` (it went away or changed).
    pub fn flush_masquerade(&mut self, address: Ipv4Address) -> usize {
        nat::flush_masquerade(&mut self.conntrack, address)
    }

    /// `/ip firewall connection print`, one row per connection.
    pub fn connections(&self, now: Instant) -> Vec<crate::conntrack::ConnView> {
        self.conntrack.iter(now).collect()
    }
}

impl Hooks for Firewall {
    fn run(
        &mut self,
        point: HookPoint,
        packet: &mut Packet,
        context: &HookContext<'_>,
        now: Instant,
    ) -> Next {
        match point {
            HookPoint::RawPrerouting => self.raw(BuiltinChain::Prerouting, packet, context, now),
            HookPoint::RawOutput => self.raw(BuiltinChain::Output, packet, context, now),
            HookPoint::Conntrack | HookPoint::ConntrackOutput => self.track(packet, now),
            HookPoint::ManglePrerouting => self.filter_or_mangle(
                Table::Mangle,
                BuiltinChain::Prerouting,
                packet,
                context,
                now,
            ),
            HookPoint::MangleInput => {
                self.filter_or_mangle(Table::Mangle, BuiltinChain::Input, packet, context, now)
            }
            HookPoint::MangleForward => {
                self.filter_or_mangle(Table::Mangle, BuiltinChain::Forward, packet, context, now)
            }
            HookPoint::MangleOutput => {
                self.filter_or_mangle(Table::Mangle, BuiltinChain::Output, packet, context, now)
            }
            HookPoint::ManglePostrouting => self.filter_or_mangle(
                Table::Mangle,
                BuiltinChain::Postrouting,
                packet,
                context,
                now,
            ),
            HookPoint::DstNat => {
                self.nat_hook(BuiltinChain::DstNat, Manip::Dst, packet, context, now)
            }
            HookPoint::FilterInput => {
                match self.filter_or_mangle(
                    Table::Filter,
                    BuiltinChain::Input,
                    packet,
                    context,
                    now,
                ) {
                    Next::Continue => self.confirm(packet),
                    other => other,
                }
            }
            HookPoint::FilterForward => {
                self.filter_or_mangle(Table::Filter, BuiltinChain::Forward, packet, context, now)
            }
            HookPoint::FilterOutput => {
                self.filter_or_mangle(Table::Filter, BuiltinChain::Output, packet, context, now)
            }
            HookPoint::SrcNat => {
                if packet.meta.fasttracked {
                    // Counted once per packet, on RouterOS's dummy rule (forward chain).
                    self.stats.fasttracked = self.stats.fasttracked.saturating_add(1);
                    let bytes = packet.l3().len() as u64;
                    self.stats.fasttracked_bytes =
                        self.stats.fasttracked_bytes.saturating_add(bytes);
                }
                self.nat_hook(BuiltinChain::SrcNat, Manip::Src, packet, context, now)
            }
            HookPoint::Queue => self.confirm(packet),
        }
    }

    fn wants_whole_datagrams(&self) -> bool {
        true
    }

    fn poll(&mut self, now: Instant) {
        self.conntrack.poll(now);
        self.state.address_lists.expire(now);
    }

    fn restore_pre_nat(&mut self, l3: &mut [u8], conn: Option<crate::flow::ConnFacts>) {
        let Some(conn) = conn.filter(|c| c.srcnat || c.dstnat) else {
            return;
        };
        let Some(tuples) = conn.id.and_then(|id| self.conntrack.tuples(id)) else {
            return;
        };
        // `nat::rewrite` turns a packet travelling in `dir` into the inverse of the other direction's
        // tuple; asking it to treat the packet as travelling the other way, with this direction's tuple
        // inverted in the table, yields this direction's tuple itself: the packet as it arrived.
        let (this, other) = match conn.direction {
            crate::flow::Direction::Original => (0, crate::flow::Direction::Reply),
            crate::flow::Direction::Reply => (1, crate::flow::Direction::Original),
        };
        let mut table = tuples;
        table[this] = tuples[this].inverted();
        let _ = nat::rewrite(l3, &table, other, Manip::Both);
    }

    fn address_removed(&mut self, address: Ipv4Address) {
        self.flush_masquerade(address);
    }

    fn fast_path(&mut self, packet: &Packet, now: Instant) -> Option<FastPath> {
        self.fast_path_lookup(packet, now)
    }

    fn fast_path_commit(&mut self, packet: &mut Packet, fast: &FastPath, now: Instant) {
        self.fast_path_apply(packet, fast, now);
    }
}

fn table_index(table: Table) -> usize {
    match table {
        Table::Filter => 0,
        Table::Nat => 1,
        Table::Mangle => 2,
        Table::Raw => 3,
    }
}

/// `change-mss=clamp-to-pmtu`: lowers the MSS option of a SYN to the outgoing interface's MTU minus the
/// IPv4 and TCP headers (40 bytes), as netfilter's TCPMSS `--clamp-mss-to-pmtu` does.
fn clamp_mss_to_pmtu(packet: &mut Packet, context: &HookContext<'_>) {
    let Some(mtu) = packet
        .meta
        .out_interface
        .and_then(|i| context.interfaces.get(i))
        .map(|i| i.mtu)
    else {
        return;
    };
    crate::offload::complete_packet(packet);
    let _ = super::mangle::change_mss(packet.l3_mut(), mtu.saturating_sub(40));
}

/// The Ethernet source of a received frame (for `src-mac-address`).
fn source_mac(packet: &Packet) -> Option<EthernetAddress> {
    packet.meta.in_interface?;
    let start = packet.meta.l3_offset.checked_sub(14)?;
    let bytes = packet.data().get(start + 6..start + 12)?;
    Some(EthernetAddress::from_bytes(bytes))
}

fn is_tcp_or_udp(l3: &[u8]) -> bool {
    matches!(l3.get(9), Some(6) | Some(17))
}
