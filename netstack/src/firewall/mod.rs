//! The firewall rule engine: `/ip firewall filter`, `nat`, `mangle` and `raw` rules, compiled once per
//! change and evaluated per packet at the hook points (see `routeros-reference.md` §1–§2; where RouterOS
//! is vague, netfilter's behaviour is the reference).
//!
//! # Pieces
//!
//! | file | idea |
//! |---|---|
//! | [`spec`] | [`RuleSpec`]: rules as configured, typed, names unresolved |
//! | [`compile`](mod@compile) | [`compile()`]: specs of one table → [`CompiledRuleSet`], RouterOS-like errors |
//! | [`ruleset`] | chain evaluation: first terminating action wins, jump/return, counters |
//! | [`index`] | per-chain rule index: evaluation visits only the rules that can match the packet |
//! | [`matcher`] | compiled matchers, integer comparisons only |
//! | [`facts`] | [`PacketFacts`]: everything matchers need, parsed once per packet per hook |
//! | [`verdict`] | [`ChainVerdict`], [`NatAction`], [`Effects`] returned to the engine |
//! | [`mangle`] | in-place rewrites (TTL, DSCP, DF, MSS, IP options) with checksum fix-up |
//! | [`address_list`] | `/ip firewall address-list`, fast lookup, dynamic expiry |
//! | [`rate`] | `limit`, `dst-limit`, `connection-rate` state |
//! | [`marks`] | mark names ⇄ `u32` ids |
//! | [`log`] | bounded log ring of `log` lines |
//! | [`state`] | [`RuntimeState`] (lists, log, PRNG) and [`Env`] (questions to the engine) |
//!
//! # Using it
//!
//! ```text
//! let mut resolver = TableResolver { interfaces, lists, marks: &mut marks, address_lists: &mut state.address_lists };
//! let mut filter = compile(Table::Filter, &specs, &mut resolver)?;   // on error: keep the old set
//! filter.inherit_counters(&old_filter);                              // then swap it in whole
//! let facts = PacketFacts::parse(packet.l3(), &packet.meta, conn, src_mac)?;
//! let outcome = filter.run(BuiltinChain::Forward, &facts, &mut packet, &mut state, env, now);
//! ```
//!
//! # Guarantees
//!
//! `no_std` + `alloc`, no `unsafe`, no panics on any packet or rule. Time is an input; `random` draws from
//! the seeded PRNG in [`RuntimeState`]. Every table is bounded: address-list entries (total cap), mark
//! names, `dst-limit` buckets and `connection-rate` entries per rule, the log ring, jump nesting.
//! Evaluation allocates nothing except when a log line is written or an address-list/`dst-limit`
//! entry is created.

pub mod address_list;
pub mod compile;
pub mod defconf;
pub mod facts;
pub mod hook;
pub mod index;
pub mod log;
pub mod mangle;
pub mod marks;
pub mod matcher;
pub mod rate;
pub mod ruleset;
pub mod spec;
pub mod state;
pub mod verdict;

#[cfg(test)]
mod tests;

pub use address_list::{AddressListError, AddressListId, AddressLists};
pub use compile::{CompileError, CompileErrorKind, Resolver, TableResolver, compile};
pub use facts::PacketFacts;
pub use hook::{Firewall, FirewallStats};
pub use marks::MarkNames;
pub use matcher::InterfaceSet;
pub use ruleset::{CompiledRuleSet, RuleCounters};
pub use spec::*;
pub use state::{ConnectionCounter, Env, HostInfo, NoEnv, RuntimeState};
pub use verdict::{ChainVerdict, Effects, NatAction, Outcome};

/// IP protocol number of a RouterOS protocol name (`/etc/protocols` names RouterOS accepts), or of a
/// decimal number.
pub fn protocol_number(name: &str) -> Option<u8> {
    Some(match name {
        "icmp" => 1,
        "igmp" => 2,
        "ggp" => 3,
        "ip-encap" => 4,
        "st" => 5,
        "tcp" => 6,
        "egp" => 8,
        "pup" => 12,
        "udp" => 17,
        "hmp" => 20,
        "xns-idp" => 22,
        "rdp" => 27,
        "iso-tp4" => 29,
        "dccp" => 33,
        "xtp" => 36,
        "ddp" => 37,
        "idpr-cmtp" => 38,
        "ipv6" => 41,
        "ipv6-route" => 43,
        "ipv6-frag" => 44,
        "idrp" => 45,
        "rsvp" => 46,
        "gre" => 47,
        "ipsec-esp" => 50,
        "ipsec-ah" => 51,
        "icmpv6" => 58,
        "ipv6-nonxt" => 59,
        "ipv6-opts" => 60,
        "rspf" => 73,
        "vmtp" => 81,
        "ospf" => 89,
        "ipip" => 94,
        "etherip" => 97,
        "encap" => 98,
        "pim" => 103,
        "vrrp" => 112,
        "l2tp" => 115,
        "sctp" => 132,
        "udp-lite" => 136,
        _ => return name.parse().ok(),
    })
}
