//! [`CompiledRuleSet`]: the compiled rules of one table and their evaluation.
//!
//! # Semantics (RouterOS = netfilter)
//!
//! - Rules run top-down; disabled rules are skipped; a rule matches when all its matchers do.
//! - On a match the rule's counters grow (packets, and bytes = IP total length), `log=yes` writes a log
//!   line, then the action runs. Terminating actions end the evaluation: `accept`, `drop`, `reject`,
//!   `tarpit`, the NAT actions, `notrack`. Non-terminating ones continue with the next rule: `passthrough`,
//!   `log`, `add-*-to-address-list`, `fasttrack-connection` (it only requests fasttracking; RouterOS
//!   configs always follow it with an identical `accept`), and the mangle actions with `passthrough=yes`
//!   (with `passthrough=no` they end the chain as `accept`).
//! - `jump` enters a user chain; `return` or falling off a user chain's end resumes the caller after the
//!   jump rule. `return` in, or falling off, a built-in chain is the implicit accept (the chain policy).
//! - Marks set by a rule are visible to the following rules (the evaluation keeps a private copy of the
//!   [`PacketFacts`] it updates), and are written to `Packet::meta` and reported in [`Effects`].
//! - Jump nesting is bounded by [`MAX_JUMP_DEPTH`] (compile checks it; the evaluator keeps a fixed-size
//!   stack and ignores a jump past it, never recursing or allocating).
//! - Rules that cannot match a packet are not visited at all: each chain has an index
//!   ([`super::index`]) of its rules by protocol, ports, interfaces and addresses. This changes
//!   nothing observable (verdicts, effects, counters, stateful matchers, logs);
//!   [`CompiledRuleSet::run_sequential`] is the rule-by-rule reference it is tested against.

use alloc::string::String;
use alloc::vec::Vec;

use hashbrown::HashMap;

use super::address_list::AddressListId;
use super::facts::PacketFacts;
use super::index::{ChainIndex, Cursors};
use super::log::format_line;
use super::mangle;
use super::matcher::{MatchCtx, Matcher};
use super::spec::{BuiltinChain, MssChange, RejectWith, RuleId, Table, TtlChange};
use super::state::{Env, RuntimeState};
use super::verdict::{ChainVerdict, Effects, NatAction, Outcome};
use crate::packet::{Mark, Packet};
use crate::{Duration, Instant};

/// Deepest jump nesting (netfilter has no fixed limit but refuses loops; 32 is far beyond real configs).
pub const MAX_JUMP_DEPTH: usize = 32;

/// Packets and bytes a rule matched (`print stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleCounters {
    pub packets: u64,
    pub bytes: u64,
}

#[derive(Clone, Debug)]
pub(crate) enum Action {
    Accept,
    Drop,
    Reject(RejectWith),
    Tarpit,
    Jump(u16),
    Return,
    Passthrough,
    Log,
    AddToList {
        src: bool,
        list: AddressListId,
        dynamic: bool,
        timeout: Option<Duration>,
    },
    Fasttrack,
    Nat(NatAction),
    MarkConnection(Mark),
    MarkPacket(Mark),
    MarkRouting(Mark),
    SetPriority(u8),
    ChangeMss(MssChange),
    ChangeTtl(TtlChange),
    ChangeDscp(u8),
    ClearDf,
    StripIpv4Options,
    NoTrack,
}

#[derive(Clone, Debug)]
pub(crate) struct CompiledRule {
    pub id: RuleId,
    pub disabled: bool,
    pub matchers: Vec<Matcher>,
    pub action: Action,
    pub passthrough: bool,
    /// `Some(prefix)` when `log=yes`.
    pub log_prefix: Option<String>,
    pub counters: RuleCounters,
}

#[derive(Clone, Debug)]
pub(crate) struct Chain {
    pub name: String,
    pub rules: Vec<CompiledRule>,
}

/// The compiled rules of one table; build with [`super::compile()`].
#[derive(Clone, Debug)]
pub struct CompiledRuleSet {
    table: Table,
    chains: Vec<Chain>,
    /// Per chain (same order as `chains`): which rules can match which packets (see [`super::index`]).
    indexes: Vec<ChainIndex>,
    /// Chain index of each [`BuiltinChain`] (in `BuiltinChain::ALL` order) this table has.
    builtin: [Option<u16>; 7],
}

/// Which rules of the current chain are visited next: every rule in order from `next` (the
/// reference evaluation, and chains too small to index), or only the index's candidates. Updated in
/// place when the evaluation enters or resumes a chain.
struct Walk {
    indexed: bool,
    next: usize,
    cursors: Cursors,
}

impl Walk {
    /// Starts walking chain `chain` for `facts` at rule position `from`.
    fn enter(
        &mut self,
        indexes: &[ChainIndex],
        use_index: bool,
        chain: u16,
        facts: &PacketFacts,
        from: usize,
    ) {
        match indexes.get(usize::from(chain)) {
            Some(index) if use_index && !index.scan() => {
                self.indexed = true;
                index.start(&mut self.cursors, facts, from);
            }
            _ => {
                self.indexed = false;
                self.next = from;
            }
        }
    }
}

/// What a rule's action does to the evaluation.
enum Step {
    Next,
    Stop(ChainVerdict),
    Jump(u16),
    Return,
}

impl CompiledRuleSet {
    pub(crate) fn new(table: Table, chains: Vec<Chain>, builtin: [Option<u16>; 7]) -> Self {
        let indexes = chains.iter().map(|c| ChainIndex::build(&c.rules)).collect();
        CompiledRuleSet {
            table,
            chains,
            indexes,
            builtin,
        }
    }

    /// An empty set (everything accepted).
    pub fn empty(table: Table) -> Self {
        let chains = table.builtin_chains().iter().map(|c| Chain {
            name: String::from(c.name()),
            rules: Vec::new(),
        });
        let chains: Vec<Chain> = chains.collect();
        let mut builtin = [None; 7];
        for (i, c) in BuiltinChain::ALL.iter().enumerate() {
            builtin[i] = table
                .builtin_chains()
                .iter()
                .position(|b| b == c)
                .map(|p| p as u16);
        }
        CompiledRuleSet::new(table, chains, builtin)
    }

    pub fn table(&self) -> Table {
        self.table
    }

    /// Number of rules (enabled or not).
    pub fn len(&self) -> usize {
        self.chains.iter().map(|c| c.rules.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn rules(&self) -> impl Iterator<Item = &CompiledRule> {
        self.chains.iter().flat_map(|c| c.rules.iter())
    }

    /// Every rule's counters.
    pub fn counters(&self) -> impl Iterator<Item = (RuleId, RuleCounters)> + '_ {
        self.rules().map(|r| (r.id, r.counters))
    }

    pub fn rule_counters(&self, id: RuleId) -> Option<RuleCounters> {
        self.rules().find(|r| r.id == id).map(|r| r.counters)
    }

    /// `reset-counters` (all rules).
    pub fn reset_counters(&mut self) {
        for c in &mut self.chains {
            for r in &mut c.rules {
                r.counters = RuleCounters::default();
            }
        }
    }

    /// `reset-counters` of one rule; false when no rule has that id.
    pub fn reset_rule_counters(&mut self, id: RuleId) -> bool {
        let mut found = false;
        for r in self.chains.iter_mut().flat_map(|c| c.rules.iter_mut()) {
            if r.id == id {
                r.counters = RuleCounters::default();
                found = true;
            }
        }
        found
    }

    /// Takes over the counters of the rules that still exist (same [`RuleId`]) from the set this one
    /// replaces, so `print stats` survives an edit of the rules.
    pub fn inherit_counters(&mut self, old: &CompiledRuleSet) {
        let previous: HashMap<RuleId, RuleCounters> = old.counters().collect();
        for c in &mut self.chains {
            for r in &mut c.rules {
                if let Some(counters) = previous.get(&r.id) {
                    r.counters = *counters;
                }
            }
        }
    }

    /// Evaluates built-in `chain` for a packet. `facts` must describe `packet` (see
    /// [`PacketFacts::parse`]); mangle actions rewrite `packet` in place and set marks in its `meta`.
    /// A chain this table does not have accepts. Never panics.
    ///
    /// Only the rules the chain's index says can match are visited (see [`super::index`]); the
    /// result, the effects, the counters and every stateful matcher are exactly those of
    /// [`run_sequential`](Self::run_sequential).
    pub fn run(
        &mut self,
        chain: BuiltinChain,
        facts: &PacketFacts,
        packet: &mut Packet,
        state: &mut RuntimeState,
        env: Env<'_>,
        now: Instant,
    ) -> Outcome {
        self.evaluate::<true>(chain, facts, packet, state, env, now)
    }

    /// [`run`](Self::run) visiting every rule in order: the reference the index is tested against.
    pub fn run_sequential(
        &mut self,
        chain: BuiltinChain,
        facts: &PacketFacts,
        packet: &mut Packet,
        state: &mut RuntimeState,
        env: Env<'_>,
        now: Instant,
    ) -> Outcome {
        self.evaluate::<false>(chain, facts, packet, state, env, now)
    }

    /// How many rules of built-in `chain` the index offers `facts` (tests of the index's reach).
    #[cfg(test)]
    pub(crate) fn candidates(&self, chain: BuiltinChain, facts: &PacketFacts) -> usize {
        let Some(Some(c)) = BuiltinChain::ALL
            .iter()
            .position(|b| *b == chain)
            .map(|i| self.builtin[i])
        else {
            return 0;
        };
        let Some(index) = self.indexes.get(usize::from(c)) else {
            return 0;
        };
        if index.scan() {
            return self.chains.get(usize::from(c)).map_or(0, |c| c.rules.len());
        }
        let mut cursors = Cursors::EMPTY;
        index.start(&mut cursors, facts, 0);
        core::iter::from_fn(|| index.next(&mut cursors)).count()
    }

    #[allow(clippy::too_many_arguments)]
    fn evaluate<const INDEXED: bool>(
        &mut self,
        chain: BuiltinChain,
        facts: &PacketFacts,
        packet: &mut Packet,
        state: &mut RuntimeState,
        env: Env<'_>,
        now: Instant,
    ) -> Outcome {
        let mut effects = Effects::default();
        let accept = |effects| Outcome {
            verdict: ChainVerdict::Accept,
            effects,
        };
        let Some(Some(start)) = BuiltinChain::ALL
            .iter()
            .position(|c| *c == chain)
            .map(|i| self.builtin[i])
        else {
            return accept(effects);
        };
        state.address_lists.expire(now);
        // The indexed facts (protocol, ports, addresses, interfaces) never change below, so the
        // candidates computed when a chain is entered stay valid while it runs.
        let mut facts = *facts;
        let mut stack = [(0u16, 0usize); MAX_JUMP_DEPTH];
        let mut depth = 0;
        let mut chain_ix = start;
        let mut walk = Walk {
            indexed: false,
            next: 0,
            cursors: Cursors::EMPTY,
        };
        walk.enter(&self.indexes, INDEXED, chain_ix, &facts, 0);
        loop {
            let Some(Chain { name, rules }) = self.chains.get_mut(usize::from(chain_ix)) else {
                return accept(effects);
            };
            let next = if walk.indexed {
                self.indexes
                    .get(usize::from(chain_ix))
                    .and_then(|index| index.next(&mut walk.cursors))
            } else {
                let this = walk.next;
                walk.next += 1;
                (this < rules.len()).then_some(this)
            };
            let Some((rule_ix, rule)) = next.and_then(|ix| Some((ix + 1, rules.get_mut(ix)?)))
            else {
                // Fell off the end: back to the caller, or the built-in chain's implicit accept.
                if depth == 0 {
                    return accept(effects);
                }
                depth -= 1;
                let resume;
                (chain_ix, resume) = stack[depth];
                walk.enter(&self.indexes, INDEXED, chain_ix, &facts, resume);
                continue;
            };
            if rule.disabled {
                continue;
            }
            let mut ctx = MatchCtx {
                l3: packet.l3(),
                state,
                env,
                now,
            };
            if !rule
                .matchers
                .iter_mut()
                .all(|m| m.matches(&facts, &mut ctx))
            {
                continue;
            }
            rule.counters.packets = rule.counters.packets.saturating_add(1);
            rule.counters.bytes = rule.counters.bytes.saturating_add(u64::from(facts.size));
            if let Some(prefix) = &rule.log_prefix {
                log(state, env, now, prefix, name, &facts);
            }
            let step = apply(
                rule,
                &mut facts,
                packet,
                state,
                env,
                now,
                name,
                &mut effects,
            );
            match step {
                Step::Next => {}
                Step::Stop(verdict) => {
                    effects.decided_by = Some(rule.id);
                    return Outcome { verdict, effects };
                }
                Step::Jump(target) => {
                    if depth < MAX_JUMP_DEPTH {
                        stack[depth] = (chain_ix, rule_ix);
                        depth += 1;
                        chain_ix = target;
                        walk.enter(&self.indexes, INDEXED, chain_ix, &facts, 0);
                    }
                }
                Step::Return => {
                    if depth == 0 {
                        effects.decided_by = Some(rule.id);
                        return accept(effects);
                    }
                    depth -= 1;
                    let resume;
                    (chain_ix, resume) = stack[depth];
                    walk.enter(&self.indexes, INDEXED, chain_ix, &facts, resume);
                }
            }
        }
    }
}

fn log(
    state: &mut RuntimeState,
    env: Env<'_>,
    now: Instant,
    prefix: &str,
    chain: &str,
    facts: &PacketFacts,
) {
    let line = format_line(prefix, chain, facts, &|id| env.host.interface_name(id));
    state.log.push(now, line);
}

/// Runs a matched rule's action.
#[allow(clippy::too_many_arguments)]
fn apply(
    rule: &CompiledRule,
    facts: &mut PacketFacts,
    packet: &mut Packet,
    state: &mut RuntimeState,
    env: Env<'_>,
    now: Instant,
    chain: &str,
    effects: &mut Effects,
) -> Step {
    let modified = |changed: bool, effects: &mut Effects| {
        effects.packet_modified |= changed;
        if rule.passthrough {
            Step::Next
        } else {
            Step::Stop(ChainVerdict::Accept)
        }
    };
    match &rule.action {
        Action::Accept => Step::Stop(ChainVerdict::Accept),
        Action::Drop => Step::Stop(ChainVerdict::Drop),
        Action::Reject(with) => Step::Stop(ChainVerdict::Reject(*with)),
        Action::Tarpit => Step::Stop(ChainVerdict::Tarpit),
        Action::Nat(nat) => Step::Stop(ChainVerdict::Nat(*nat)),
        Action::NoTrack => Step::Stop(ChainVerdict::NoTrack),
        Action::Jump(target) => Step::Jump(*target),
        Action::Return => Step::Return,
        Action::Passthrough => Step::Next,
        Action::Log => {
            // `action=log` uses the rule's log-prefix too.
            if rule.log_prefix.is_none() {
                log(state, env, now, "", chain, facts);
            }
            Step::Next
        }
        Action::AddToList {
            src,
            list,
            dynamic,
            timeout,
        } => {
            let addr = if *src { facts.src } else { facts.dst };
            state
                .address_lists
                .add_from_action(*list, addr, *dynamic, *timeout, now);
            Step::Next
        }
        Action::Fasttrack => {
            effects.fasttrack = true;
            Step::Next
        }
        Action::MarkConnection(m) => {
            facts.connection_mark = *m;
            packet.meta.connection_mark = *m;
            effects.connection_mark = Some(*m);
            modified(false, effects)
        }
        Action::MarkPacket(m) => {
            facts.packet_mark = *m;
            packet.meta.packet_mark = *m;
            effects.packet_mark = Some(*m);
            modified(false, effects)
        }
        Action::SetPriority(p) => {
            packet.meta.priority = (*p).min(63);
            modified(false, effects)
        }
        Action::MarkRouting(m) => {
            facts.routing_mark = *m;
            packet.meta.routing_mark = *m;
            effects.routing_mark = Some(*m);
            modified(false, effects)
        }
        Action::ChangeTtl(change) => {
            let changed = mangle::change_ttl(packet.l3_mut(), *change);
            if let Some(&ttl) = packet.l3().get(8) {
                facts.ttl = ttl;
            }
            modified(changed, effects)
        }
        Action::ChangeDscp(dscp) => {
            let changed = mangle::change_dscp(packet.l3_mut(), *dscp);
            if changed {
                facts.dscp = *dscp;
            }
            modified(changed, effects)
        }
        Action::ClearDf => {
            let changed = mangle::clear_df(packet.l3_mut());
            facts.dont_fragment &= !changed;
            modified(changed, effects)
        }
        Action::ChangeMss(MssChange::Set(mss)) => {
            crate::offload::complete_packet(packet);
            let changed = mangle::change_mss(packet.l3_mut(), *mss);
            if changed {
                facts.tcp_mss = Some(*mss);
            }
            modified(changed, effects)
        }
        Action::ChangeMss(MssChange::ClampToPmtu) => {
            effects.clamp_mss_to_pmtu = true;
            modified(false, effects)
        }
        Action::StripIpv4Options => {
            let removed = mangle::strip_options(packet.l3_mut());
            if removed > 0 {
                let removed16 = removed as u16;
                packet.truncate_l3(usize::from(facts.size.saturating_sub(removed16)));
                packet.meta.l4_offset = packet.meta.l4_offset.map(|o| o.saturating_sub(removed));
                facts.size = facts.size.saturating_sub(removed16);
                facts.header_len = 20;
                facts.l4_offset = facts.l4_offset.map(|o| o.saturating_sub(removed16));
                facts.payload_start = facts.payload_start.saturating_sub(removed16);
                facts.payload_end = facts.payload_end.saturating_sub(removed16);
            }
            modified(removed > 0, effects)
        }
    }
}
