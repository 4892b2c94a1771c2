//! RouterOS's default configuration ("defconf") firewall, as rule specs: what a SOHO router ships with
//! and what `/system reset-configuration` restores (routeros-reference.md §2). Interfaces are named by
//! the lists `WAN` and `LAN`, which the configuration defines.

use alloc::vec;
use alloc::vec::Vec;

use smoltcp::wire::Ipv4Address;

use super::spec::{ActionSpec, AddrRange, Match, RuleSpec};
use crate::flow::ConnState::{Established, Invalid, New, Related, Untracked};

/// The defconf filter, in order; rule ids start at `first_id`.
///
/// input: accept established,related,untracked; drop invalid; accept ICMP; accept to 127.0.0.1; drop
/// what does not come from `LAN`. forward: fasttrack established,related; accept
/// established,related,untracked; drop invalid; drop new connections from `WAN` that were not
/// dst-NATed.
pub fn filter(first_id: u32) -> Vec<RuleSpec> {
    let accepted = || Match::ConnectionState(vec![Established, Related, Untracked]);
    let rules = [
        RuleSpec::new(0, "input").with(accepted()),
        RuleSpec::new(0, "input")
            .with(Match::ConnectionState(vec![Invalid]))
            .action(ActionSpec::Drop),
        RuleSpec::new(0, "input").with(Match::Protocol(1)),
        RuleSpec::new(0, "input").with(Match::DstAddress(AddrRange::single(Ipv4Address::new(
            127, 0, 0, 1,
        )))),
        RuleSpec::new(0, "input")
            .without(Match::InInterfaceList("LAN".into()))
            .action(ActionSpec::Drop),
        RuleSpec::new(0, "forward")
            .with(Match::ConnectionState(vec![Established, Related]))
            .action(ActionSpec::FasttrackConnection),
        RuleSpec::new(0, "forward").with(accepted()),
        RuleSpec::new(0, "forward")
            .with(Match::ConnectionState(vec![Invalid]))
            .action(ActionSpec::Drop),
        RuleSpec::new(0, "forward")
            .with(Match::ConnectionState(vec![New]))
            .without(Match::ConnectionNatState {
                srcnat: false,
                dstnat: true,
            })
            .with(Match::InInterfaceList("WAN".into()))
            .action(ActionSpec::Drop),
    ];
    number(rules, first_id)
}

/// The defconf NAT: masquerade what leaves through `WAN`.
pub fn nat(first_id: u32) -> Vec<RuleSpec> {
    let rules = [RuleSpec::new(0, "srcnat")
        .with(Match::OutInterfaceList("WAN".into()))
        .action(ActionSpec::Masquerade { to_ports: None })];
    number(rules, first_id)
}

fn number<const N: usize>(rules: [RuleSpec; N], first_id: u32) -> Vec<RuleSpec> {
    rules
        .into_iter()
        .zip(first_id..)
        .map(|(rule, id)| RuleSpec {
            id: super::spec::RuleId(id),
            ..rule
        })
        .collect()
}
