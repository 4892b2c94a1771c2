//! Compiling the [`RuleSpec`]s of one table into a [`CompiledRuleSet`]: names resolved to ids once,
//! values validated, jump targets bound to chain indices, jump graphs checked.
//!
//! # Checks (errors are RouterOS-like, carry the offending rule's id)
//!
//! - unknown interface / interface list: `input does not match any value of interface` (… `interface-list`);
//! - unknown `jump-target`, a jump to a built-in chain (netfilter forbids it), jump loops (netfilter
//!   refuses them at load time with `ELOOP`) and jump nesting deeper than [`MAX_JUMP_DEPTH`];
//! - actions outside their table (`masquerade` in `filter`) or built-in chain (`src-nat` in `dstnat`);
//! - `in-interface` where packets have none (output, postrouting, srcnat) and `out-interface` where they
//!   have none yet (prerouting, input, dstnat), as netfilter refuses `-i`/`-o` there;
//! - port matchers without `protocol=tcp|udp|...`, `tcp-flags`/`tcp-mss` without `protocol=tcp`;
//! - out-of-range values (`random=0`, `nth=2,3`, `dscp=64`, ...).
//!
//! Compiling never touches the running set: the engine swaps the result in whole (and carries the
//! counters over with [`CompiledRuleSet::inherit_counters`]) or keeps the old set on error.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use hashbrown::HashMap;

use super::address_list::{AddressListId, AddressLists};
use super::facts::PROTO_TCP;
use super::marks::MarkNames;
use super::matcher::{Cond, InterfaceSet, Matcher, has_ports, state_bit};
use super::rate::{DstLimitTable, RateBucket};
use super::ruleset::{Action, Chain, CompiledRule, CompiledRuleSet, MAX_JUMP_DEPTH, RuleCounters};
use super::spec::{
    ActionSpec, BuiltinChain, ListTimeout, Match, MatcherSpec, RuleId, RuleSpec, Table,
};
use super::verdict::NatAction;
use crate::interface::{InterfaceId, InterfaceLists, InterfaceTable, ListId};
use crate::packet::Mark;

/// Most rules in one table, and most chains (indices are `u16`).
pub const MAX_RULES: usize = 65_535;
/// Longest `content=` string.
pub const MAX_CONTENT_LEN: usize = 1024;

/// Turns the names in rule specs into ids.
pub trait Resolver {
    fn interface(&self, name: &str) -> Option<InterfaceId>;
    /// The members of an interface list (`all` included), resolved now.
    fn interface_list(&self, name: &str) -> Option<InterfaceSet>;
    /// Interns a mark name (`no-mark` is 0). None when the interner is full.
    fn mark(&mut self, name: &str) -> Option<Mark>;
    /// The id of an address list, creating it if needed. None when there are too many lists.
    fn address_list(&mut self, name: &str) -> Option<AddressListId>;
}

/// A [`Resolver`] over the engine's tables.
pub struct TableResolver<'a> {
    pub interfaces: &'a InterfaceTable,
    pub lists: &'a InterfaceLists,
    pub marks: &'a mut MarkNames,
    pub address_lists: &'a mut AddressLists,
}

/// The interfaces of list `name` as a rule matches them (`all` matches every interface, present and
/// future); `None` when no such list exists. Every [`Resolver`] over live tables answers with this.
pub fn interface_set(
    interfaces: &InterfaceTable,
    lists: &InterfaceLists,
    name: &str,
) -> Option<InterfaceSet> {
    match lists.by_name(name)? {
        ListId::All => Some(InterfaceSet::All),
        list => Some(InterfaceSet::Members(
            interfaces
                .iter()
                .map(|(id, _)| id)
                .filter(|&id| lists.contains(list, id))
                .collect(),
        )),
    }
}

impl Resolver for TableResolver<'_> {
    fn interface(&self, name: &str) -> Option<InterfaceId> {
        self.interfaces.by_name(name)
    }

    fn interface_list(&self, name: &str) -> Option<InterfaceSet> {
        interface_set(self.interfaces, self.lists, name)
    }

    fn mark(&mut self, name: &str) -> Option<Mark> {
        self.marks.intern(name)
    }

    fn address_list(&mut self, name: &str) -> Option<AddressListId> {
        self.address_lists.list_id(name).ok()
    }
}

/// Why a table did not compile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompileErrorKind {
    UnknownInterface(String),
    UnknownInterfaceList(String),
    UnknownChain(String),
    JumpToBuiltin(String),
    JumpLoop(String),
    JumpTooDeep(String),
    ActionNotInTable {
        action: &'static str,
        table: &'static str,
    },
    ActionNotInChain {
        action: &'static str,
        chain: &'static str,
    },
    MatcherNotInChain {
        matcher: &'static str,
        chain: &'static str,
    },
    NeedsProtocol {
        matcher: &'static str,
        protocols: &'static str,
    },
    InvalidValue {
        property: &'static str,
    },
    TooManyNames,
    TooManyRules,
}

/// A compile error and the rule it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    pub rule: Option<RuleId>,
    pub kind: CompileErrorKind,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use CompileErrorKind::*;
        match &self.kind {
            UnknownInterface(_) => write!(f, "input does not match any value of interface"),
            UnknownInterfaceList(_) => {
                write!(f, "input does not match any value of interface-list")
            }
            UnknownChain(c) => write!(f, "input does not match any value of jump-target ({c})"),
            JumpToBuiltin(c) => write!(f, "can not jump to built-in chain {c}"),
            JumpLoop(c) => write!(f, "jump loop through chain {c}"),
            JumpTooDeep(c) => write!(f, "jumps nested deeper than {MAX_JUMP_DEPTH} at chain {c}"),
            ActionNotInTable { action, table } => {
                write!(f, "action {action} is not valid in {table}")
            }
            ActionNotInChain { action, chain } => {
                write!(f, "action {action} is not valid in chain {chain}")
            }
            MatcherNotInChain { matcher, chain } => {
                write!(f, "{matcher} can not be used in chain {chain}")
            }
            NeedsProtocol { matcher, protocols } => {
                write!(f, "{matcher} can be used only with protocol {protocols}")
            }
            InvalidValue { property } => write!(f, "value of {property} out of range"),
            TooManyNames => write!(f, "too many names"),
            TooManyRules => write!(f, "too many rules"),
        }
    }
}

fn names<T>(rule: RuleId, o: Option<T>) -> Result<T, CompileError> {
    o.ok_or(err(rule, CompileErrorKind::TooManyNames))
}

fn err(rule: RuleId, kind: CompileErrorKind) -> CompileError {
    CompileError {
        rule: Some(rule),
        kind,
    }
}

fn action_in_table(action: &ActionSpec, table: Table) -> bool {
    use ActionSpec::*;
    match action {
        Accept
        | Jump(_)
        | Return
        | Passthrough
        | Log
        | AddSrcToAddressList { .. }
        | AddDstToAddressList { .. } => true,
        Drop => table != Table::Nat,
        Reject(_) | Tarpit => table == Table::Filter,
        FasttrackConnection => matches!(table, Table::Filter | Table::Mangle),
        SrcNat { .. }
        | Masquerade { .. }
        | DstNat { .. }
        | Redirect { .. }
        | Netmap { .. }
        | Same { .. } => table == Table::Nat,
        MarkConnection(_) | MarkPacket(_) | MarkRouting(_) | SetPriority(_) | ChangeMss(_)
        | ChangeTtl(_) | ChangeDscp(_) | ClearDf | StripIpv4Options => table == Table::Mangle,
        NoTrack => table == Table::Raw,
    }
}

/// The built-in chain an action is tied to, if any.
fn action_chain(action: &ActionSpec) -> Option<BuiltinChain> {
    match action {
        ActionSpec::SrcNat { .. } | ActionSpec::Masquerade { .. } => Some(BuiltinChain::SrcNat),
        ActionSpec::DstNat { .. } | ActionSpec::Redirect { .. } => Some(BuiltinChain::DstNat),
        _ => None,
    }
}

fn matcher_name(m: &Match) -> &'static str {
    match m {
        Match::InInterface(_) => "in-interface",
        Match::InInterfaceList(_) => "in-interface-list",
        Match::OutInterface(_) => "out-interface",
        Match::OutInterfaceList(_) => "out-interface-list",
        Match::SrcPort(_) => "src-port",
        Match::DstPort(_) => "dst-port",
        Match::Port(_) => "port",
        Match::TcpFlags { .. } => "tcp-flags",
        Match::TcpMss(_) => "tcp-mss",
        _ => "matcher",
    }
}

struct Compiler<'r> {
    resolver: &'r mut dyn Resolver,
}

impl Compiler<'_> {
    fn matcher(&mut self, rule: &RuleSpec, spec: &MatcherSpec) -> Result<Matcher, CompileError> {
        let id = rule.id;
        let invalid = |property| err(id, CompileErrorKind::InvalidValue { property });
        let mark = |c: &mut Self, name: &str| {
            c.resolver
                .mark(name)
                .ok_or(err(id, CompileErrorKind::TooManyNames))
        };
        let list = |c: &mut Self, name: &str| {
            c.resolver
                .address_list(name)
                .ok_or(err(id, CompileErrorKind::TooManyNames))
        };
        let iface = |c: &Self, name: &str| {
            c.resolver
                .interface(name)
                .ok_or_else(|| err(id, CompileErrorKind::UnknownInterface(name.to_string())))
        };
        let iface_list = |c: &Self, name: &str| {
            c.resolver
                .interface_list(name)
                .ok_or_else(|| err(id, CompileErrorKind::UnknownInterfaceList(name.to_string())))
        };
        let cond = match &spec.matcher {
            Match::SrcAddress(r) => Cond::SrcAddress(*r),
            Match::DstAddress(r) => Cond::DstAddress(*r),
            Match::SrcAddressList(n) => Cond::SrcAddressList(list(self, n)?),
            Match::DstAddressList(n) => Cond::DstAddressList(list(self, n)?),
            Match::SrcAddressType(t) => Cond::SrcAddressType(*t),
            Match::DstAddressType(t) => Cond::DstAddressType(*t),
            Match::Protocol(p) => Cond::Protocol(*p),
            Match::SrcPort(l) => Cond::SrcPort(l.clone()),
            Match::DstPort(l) => Cond::DstPort(l.clone()),
            Match::Port(l) => Cond::Port(l.clone()),
            Match::InInterface(n) => Cond::InInterface(iface(self, n)?),
            Match::OutInterface(n) => Cond::OutInterface(iface(self, n)?),
            Match::InInterfaceList(n) => Cond::InInterfaceList(iface_list(self, n)?),
            Match::OutInterfaceList(n) => Cond::OutInterfaceList(iface_list(self, n)?),
            Match::ConnectionState(states) => {
                if states.is_empty() {
                    return Err(invalid("connection-state"));
                }
                Cond::ConnectionState(states.iter().fold(0, |m, s| m | state_bit(*s)))
            }
            Match::ConnectionNatState { srcnat, dstnat } => Cond::ConnectionNatState {
                srcnat: *srcnat,
                dstnat: *dstnat,
            },
            Match::ConnectionMark(n) => Cond::ConnectionMark(mark(self, n)?),
            Match::PacketMark(n) => Cond::PacketMark(mark(self, n)?),
            Match::RoutingMark(n) => Cond::RoutingMark(mark(self, n)?),
            Match::TcpFlags { set, unset } => {
                if set & unset != 0 {
                    return Err(invalid("tcp-flags"));
                }
                Cond::TcpFlags {
                    set: *set,
                    unset: *unset,
                }
            }
            Match::TcpMss(r) => Cond::TcpMss(*r),
            Match::IcmpOptions { icmp_type, code } => Cond::IcmpOptions {
                icmp_type: *icmp_type,
                code: *code,
            },
            Match::Ttl(t) => Cond::Ttl(*t),
            Match::Dscp(d) if *d <= 63 => Cond::Dscp(*d),
            Match::Dscp(_) => return Err(invalid("dscp")),
            Match::PacketSize(r) => Cond::PacketSize(*r),
            Match::Fragment => Cond::Fragment,
            Match::ConnectionBytes { min, max } => Cond::ConnectionBytes {
                min: *min,
                max: *max,
            },
            Match::IpsecPolicy { ipsec, .. } => Cond::NoIpsec(!*ipsec),
            Match::Limit(r) if r.count > 0 => Cond::Limit(RateBucket::new(r)),
            Match::Limit(_) => return Err(invalid("limit")),
            Match::DstLimit(d) if d.rate.count > 0 => {
                Cond::DstLimit(Box::new(DstLimitTable::new(*d)))
            }
            Match::DstLimit(_) => return Err(invalid("dst-limit")),
            Match::Nth { every, nth } if *every >= 1 && (1..=*every).contains(nth) => Cond::Nth {
                every: *every,
                nth: *nth,
                seen: 0,
            },
            Match::Nth { .. } => return Err(invalid("nth")),
            Match::Random(p) if (1..=99).contains(p) => Cond::Random(*p),
            Match::Random(_) => return Err(invalid("random")),
            Match::ConnectionLimit { limit, prefix_len } if *prefix_len <= 32 => {
                Cond::ConnectionLimit {
                    limit: *limit,
                    prefix_len: *prefix_len,
                }
            }
            Match::ConnectionLimit { .. } => return Err(invalid("connection-limit")),
            Match::ConnectionRate(r) => Cond::ConnectionRate {
                range: *r,
                table: Box::default(),
            },
            Match::SrcMacAddress(m) => Cond::SrcMac(*m),
            Match::Content(c) if c.len() <= MAX_CONTENT_LEN => Cond::Content(c.clone()),
            Match::Content(_) => return Err(invalid("content")),
            Match::PerConnectionClassifier {
                kind,
                every,
                remainder,
            } if *every >= 1 && remainder < every => Cond::Pcc {
                kind: *kind,
                every: *every,
                remainder: *remainder,
            },
            Match::PerConnectionClassifier { .. } => {
                return Err(invalid("per-connection-classifier"));
            }
        };
        Ok(Matcher {
            negate: spec.negate,
            cond,
        })
    }

    fn check_protocol_needs(rule: &RuleSpec) -> Result<(), CompileError> {
        let protocol = rule.matchers.iter().find_map(|m| match m.matcher {
            Match::Protocol(p) if !m.negate => Some(p),
            _ => None,
        });
        for m in &rule.matchers {
            let name = matcher_name(&m.matcher);
            match m.matcher {
                Match::SrcPort(_) | Match::DstPort(_) | Match::Port(_)
                    if !protocol.is_some_and(has_ports) =>
                {
                    return Err(err(
                        rule.id,
                        CompileErrorKind::NeedsProtocol {
                            matcher: name,
                            protocols: "tcp, udp, udp-lite, dccp, sctp",
                        },
                    ));
                }
                Match::TcpFlags { .. } | Match::TcpMss(_) if protocol != Some(PROTO_TCP) => {
                    return Err(err(
                        rule.id,
                        CompileErrorKind::NeedsProtocol {
                            matcher: name,
                            protocols: "tcp",
                        },
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn check_chain(rule: &RuleSpec, chain: Option<BuiltinChain>) -> Result<(), CompileError> {
        let Some(chain) = chain else { return Ok(()) };
        for m in &rule.matchers {
            let bad = match m.matcher {
                Match::InInterface(_) | Match::InInterfaceList(_) => !chain.has_in_interface(),
                Match::OutInterface(_) | Match::OutInterfaceList(_) => !chain.has_out_interface(),
                _ => false,
            };
            if bad {
                return Err(err(
                    rule.id,
                    CompileErrorKind::MatcherNotInChain {
                        matcher: matcher_name(&m.matcher),
                        chain: chain.name(),
                    },
                ));
            }
        }
        if let Some(required) = action_chain(&rule.action)
            && required != chain
        {
            return Err(err(
                rule.id,
                CompileErrorKind::ActionNotInChain {
                    action: rule.action.name(),
                    chain: chain.name(),
                },
            ));
        }
        Ok(())
    }

    fn action(
        &mut self,
        rule: &RuleSpec,
        chain_index: &HashMap<&str, u16>,
        table: Table,
    ) -> Result<Action, CompileError> {
        let id = rule.id;
        if !action_in_table(&rule.action, table) {
            return Err(err(
                id,
                CompileErrorKind::ActionNotInTable {
                    action: rule.action.name(),
                    table: table.name(),
                },
            ));
        }
        let list_timeout = |t: &ListTimeout| match *t {
            ListTimeout::NoneDynamic => (true, None),
            ListTimeout::NoneStatic => (false, None),
            ListTimeout::After(d) => (true, Some(d)),
        };
        Ok(match &rule.action {
            ActionSpec::Accept => Action::Accept,
            ActionSpec::Drop => Action::Drop,
            ActionSpec::Reject(w) => Action::Reject(*w),
            ActionSpec::Tarpit => Action::Tarpit,
            ActionSpec::Jump(target) => {
                if table
                    .builtin_chains()
                    .iter()
                    .any(|c| c.name() == target.as_str())
                {
                    return Err(err(id, CompileErrorKind::JumpToBuiltin(target.clone())));
                }
                let Some(&index) = chain_index.get(target.as_str()) else {
                    return Err(err(id, CompileErrorKind::UnknownChain(target.clone())));
                };
                Action::Jump(index)
            }
            ActionSpec::Return => Action::Return,
            ActionSpec::Passthrough => Action::Passthrough,
            ActionSpec::Log => Action::Log,
            ActionSpec::AddSrcToAddressList { list, timeout }
            | ActionSpec::AddDstToAddressList { list, timeout } => {
                let (dynamic, timeout) = list_timeout(timeout);
                Action::AddToList {
                    src: matches!(rule.action, ActionSpec::AddSrcToAddressList { .. }),
                    list: names(id, self.resolver.address_list(list))?,
                    dynamic,
                    timeout,
                }
            }
            ActionSpec::FasttrackConnection => Action::Fasttrack,
            ActionSpec::SrcNat {
                to_addresses,
                to_ports,
            } => match to_addresses {
                Some(a) => Action::Nat(NatAction::SrcNat {
                    to_addresses: *a,
                    to_ports: *to_ports,
                }),
                None => {
                    return Err(err(
                        id,
                        CompileErrorKind::InvalidValue {
                            property: "to-addresses",
                        },
                    ));
                }
            },
            ActionSpec::Masquerade { to_ports } => Action::Nat(NatAction::Masquerade {
                to_ports: *to_ports,
            }),
            ActionSpec::DstNat {
                to_addresses,
                to_ports,
            } => {
                if to_addresses.is_none() && to_ports.is_none() {
                    return Err(err(
                        id,
                        CompileErrorKind::InvalidValue {
                            property: "to-addresses",
                        },
                    ));
                }
                Action::Nat(NatAction::DstNat {
                    to_addresses: *to_addresses,
                    to_ports: *to_ports,
                })
            }
            ActionSpec::Redirect { to_ports } => Action::Nat(NatAction::Redirect {
                to_ports: *to_ports,
            }),
            ActionSpec::Netmap {
                to_addresses,
                to_ports,
            } => Action::Nat(NatAction::Netmap {
                to_prefix: *to_addresses,
                to_ports: *to_ports,
            }),
            ActionSpec::Same {
                to_addresses,
                to_ports,
            } => Action::Nat(NatAction::Same {
                to_addresses: *to_addresses,
                to_ports: *to_ports,
            }),
            ActionSpec::MarkConnection(n) => {
                Action::MarkConnection(names(id, self.resolver.mark(n))?)
            }
            ActionSpec::MarkPacket(n) => Action::MarkPacket(names(id, self.resolver.mark(n))?),
            ActionSpec::SetPriority(p) => Action::SetPriority(*p),
            ActionSpec::MarkRouting(n) => Action::MarkRouting(names(id, self.resolver.mark(n))?),
            ActionSpec::ChangeMss(m) => Action::ChangeMss(*m),
            ActionSpec::ChangeTtl(t) => Action::ChangeTtl(*t),
            ActionSpec::ChangeDscp(d) if *d <= 63 => Action::ChangeDscp(*d),
            ActionSpec::ChangeDscp(_) => {
                return Err(err(
                    id,
                    CompileErrorKind::InvalidValue {
                        property: "new-dscp",
                    },
                ));
            }
            ActionSpec::ClearDf => Action::ClearDf,
            ActionSpec::StripIpv4Options => Action::StripIpv4Options,
            ActionSpec::NoTrack => Action::NoTrack,
        })
    }
}

/// Compiles the rules of one table (in order). See the module docs for what is checked.
pub fn compile(
    table: Table,
    specs: &[RuleSpec],
    resolver: &mut dyn Resolver,
) -> Result<CompiledRuleSet, CompileError> {
    if specs.len() > MAX_RULES {
        return Err(CompileError {
            rule: None,
            kind: CompileErrorKind::TooManyRules,
        });
    }
    // Chains: the table's built-ins first, then user chains in order of first appearance.
    let mut chain_names: Vec<&str> = table.builtin_chains().iter().map(|c| c.name()).collect();
    for spec in specs {
        if !chain_names.contains(&spec.chain.as_str()) {
            chain_names.push(spec.chain.as_str());
        }
    }
    let chain_index: HashMap<&str, u16> = chain_names
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, i as u16))
        .collect();
    let mut chains: Vec<Chain> = chain_names
        .iter()
        .map(|n| Chain {
            name: String::from(*n),
            rules: Vec::new(),
        })
        .collect();

    let mut compiler = Compiler { resolver };
    for spec in specs {
        let builtin = table
            .builtin_chains()
            .iter()
            .copied()
            .find(|c| c.name() == spec.chain);
        Compiler::check_protocol_needs(spec)?;
        Compiler::check_chain(spec, builtin)?;
        let mut matchers = spec
            .matchers
            .iter()
            .map(|m| compiler.matcher(spec, m))
            .collect::<Result<Vec<_>, _>>()?;
        // Stateless first; stable, so the configured order is kept within each group.
        matchers.sort_by_key(|m| m.cond.is_stateful());
        let action = compiler.action(spec, &chain_index, table)?;
        let chain = chain_index.get(spec.chain.as_str()).copied().unwrap_or(0);
        chains[usize::from(chain)].rules.push(CompiledRule {
            id: spec.id,
            disabled: spec.disabled,
            matchers,
            action,
            passthrough: spec.passthrough,
            log_prefix: spec.log.then(|| spec.log_prefix.clone()),
            counters: RuleCounters::default(),
        });
    }
    check_jump_graph(&chains)?;
    let mut builtin = [None; 7];
    for (i, c) in BuiltinChain::ALL.iter().enumerate() {
        builtin[i] = table
            .builtin_chains()
            .contains(c)
            .then(|| chain_index.get(c.name()).copied())
            .flatten();
    }
    Ok(CompiledRuleSet::new(table, chains, builtin))
}

/// Rejects loops and nesting deeper than [`MAX_JUMP_DEPTH`] among enabled jump rules.
fn check_jump_graph(chains: &[Chain]) -> Result<(), CompileError> {
    // depth[c]: longest jump nesting below chain c, once known. Iterative DFS with colours.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        White,
        Grey,
        Black,
    }
    let n = chains.len();
    let mut colour = alloc::vec![Mark::White; n];
    let mut depth = alloc::vec![0usize; n];
    let adjacency: Vec<Vec<(RuleId, usize)>> = chains
        .iter()
        .map(|chain| {
            chain
                .rules
                .iter()
                .filter(|r| !r.disabled)
                .filter_map(|r| match r.action {
                    Action::Jump(t) => Some((r.id, usize::from(t))),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let targets = |c: usize| adjacency[c].iter().copied();
    for root in 0..n {
        if colour[root] != Mark::White {
            continue;
        }
        // Stack of (chain, index of next jump to follow).
        let mut stack: Vec<(usize, usize)> = alloc::vec![(root, 0)];
        colour[root] = Mark::Grey;
        while let Some(&mut (c, ref mut next)) = stack.last_mut() {
            if let Some((rule, t)) = adjacency[c].get(*next).copied() {
                *next += 1;
                match colour[t] {
                    Mark::Grey => {
                        return Err(err(
                            rule,
                            CompileErrorKind::JumpLoop(chains[t].name.clone()),
                        ));
                    }
                    Mark::White => {
                        colour[t] = Mark::Grey;
                        stack.push((t, 0));
                    }
                    Mark::Black => {}
                }
            } else {
                let d = targets(c).map(|(_, t)| depth[t] + 1).max().unwrap_or(0);
                if d > MAX_JUMP_DEPTH {
                    return Err(CompileError {
                        rule: None,
                        kind: CompileErrorKind::JumpTooDeep(chains[c].name.clone()),
                    });
                }
                depth[c] = d;
                colour[c] = Mark::Black;
                stack.pop();
            }
        }
    }
    Ok(())
}
