//! `/ip firewall filter|nat|mangle|raw` items → netstack [`RuleSpec`]s.
//!
//! Each set property becomes a matcher (a leading `!` negates it) or a parameter of the action; the
//! rule's `*ID` becomes its [`RuleId`], so the engine carries its counters across recompiles. What a
//! single rule can get wrong is refused here, worded like RouterOS (`failure: jump-target not
//! specified`, `invalid value for argument protocol`, ...): a missing action parameter, a parameter
//! of another action (`to-addresses` outside NAT), `to-ports` without `protocol=tcp|udp`, unparsable
//! text values. What needs the whole table (jump loops, an action in the wrong chain) is found by the
//! netstack compiler: [`check_alone`] runs it on the one rule, [`super::apply`] on whole tables.
//!
//! A rule whose interface or interface-list reference points at a removed item is *invalid* (RouterOS's
//! `I` flag): it is kept, disabled, without that matcher, and [`super::status`] reports `invalid=yes`.
//! A jump to a user chain that has no rules is a jump that returns at once, so it is compiled as
//! `passthrough` (which counts and continues alike); RouterOS accepts such rules, and an export may jump
//! to a chain defined further down.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use netstack::firewall::spec::{
    ActionSpec, AddrRange, Match, MatcherSpec, PortRange, RuleId, RuleSpec, Table,
};
use netstack::firewall::{
    AddressListId, CompileError, InterfaceSet, Resolver, compile, protocol_number,
};
use netstack::flow::ConnState;
use netstack::interface::{InterfaceId, InterfaceTable};

use super::props::{Props, Target, failure, invalid, negation, resolve};
use super::rule_values as text;
use crate::model::{Config, Item, MenuDef, ModelError};
use crate::value;

/// The engine table a rule menu compiles into.
pub(super) fn table_of(menu: &MenuDef) -> Option<Table> {
    match menu.path {
        "ip/firewall/filter" => Some(Table::Filter),
        "ip/firewall/nat" => Some(Table::Nat),
        "ip/firewall/mangle" => Some(Table::Mangle),
        "ip/firewall/raw" => Some(Table::Raw),
        _ => None,
    }
}

/// The four rule menus, in the order apply compiles them.
pub(super) const RULE_MENUS: [&str; 4] = [
    "ip/firewall/raw",
    "ip/firewall/mangle",
    "ip/firewall/nat",
    "ip/firewall/filter",
];

/// Protocols whose packets have ports (netstack's port matchers accept these).
pub(super) const PORT_PROTOCOLS: [u8; 5] = [6, 17, 33, 132, 136];
pub(super) const PORT_PROTOCOL_NAMES: &str = "tcp, udp, udp-lite, dccp, sctp";

/// Translates one rule item of `menu` (looking through the menu for the chain a jump goes to).
pub(super) fn translate(
    config: &Config,
    menu: &MenuDef,
    item: &Item,
) -> Result<RuleSpec, ModelError> {
    translate_with(config, menu, item, &|target| {
        chain_has_rules(config, menu, item, target)
    })
}

/// Translates one rule item of `menu`; `has_rules(chain)` tells whether a chain has any rule. A
/// dangling interface or list reference makes the rule invalid: disabled, without that matcher.
pub(super) fn translate_with(
    config: &Config,
    menu: &MenuDef,
    item: &Item,
    has_rules: &dyn Fn(&str) -> bool,
) -> Result<RuleSpec, ModelError> {
    let table = table_of(menu).ok_or(ModelError::BadCommand)?;
    let props = Props::new(menu, item);
    let chain = props
        .get("chain")
        .ok_or_else(|| ModelError::Missing(String::from("chain")))?;
    let mut spec = RuleSpec::new(item.id, chain);
    let mut invalid_rule = false;
    for prop in menu.props {
        let Some(stored) = item.get(prop.name) else {
            continue;
        };
        match matcher(config, prop.name, stored)? {
            Matcher::None => {}
            Matcher::Some(m) => spec.matchers.push(m),
            Matcher::Dangling => invalid_rule = true,
        }
    }
    spec.action = action(menu, item, table, &spec, has_rules)?;
    spec.passthrough = props.get("passthrough").map_or(Ok(true), |p| {
        value::parse_bool(p).ok_or_else(|| invalid("passthrough", p))
    })?;
    spec.log = props.flag("log");
    spec.log_prefix = String::from(props.get("log-prefix").unwrap_or(""));
    spec.comment = item.get("comment").map(String::from);
    spec.disabled = props.flag("disabled") || invalid_rule;
    Ok(spec)
}

enum Matcher {
    /// Not a matcher property.
    None,
    Some(MatcherSpec),
    /// A reference to a removed item: the rule is invalid.
    Dangling,
}

/// The matcher property `name` with its stored value.
fn matcher(config: &Config, name: &'static str, stored: &str) -> Result<Matcher, ModelError> {
    if name == "tcp-flags" {
        // The `!` belongs to the first flag (RouterOS negates flags one by one).
        let (set, unset) = text::tcp_flags(stored).ok_or_else(|| invalid(name, stored))?;
        return Ok(Matcher::Some(Match::TcpFlags { set, unset }.into()));
    }
    let (negate, raw) = negation(stored);
    let bad = || invalid(name, raw);
    let parsed = |o: Option<Match>| o.ok_or_else(bad);
    let m = match name {
        "src-address" => parsed(value::parse_ipv4_match(raw).map(Match::SrcAddress))?,
        "dst-address" => parsed(value::parse_ipv4_match(raw).map(Match::DstAddress))?,
        "src-address-list" => Match::SrcAddressList(String::from(raw)),
        "dst-address-list" => Match::DstAddressList(String::from(raw)),
        "src-address-type" => parsed(text::address_type(raw).map(Match::SrcAddressType))?,
        "dst-address-type" => parsed(text::address_type(raw).map(Match::DstAddressType))?,
        "protocol" => parsed(protocol_number(raw).map(Match::Protocol))?,
        "src-port" => parsed(value::parse_port_list(raw).map(Match::SrcPort))?,
        "dst-port" => parsed(value::parse_port_list(raw).map(Match::DstPort))?,
        "port" => parsed(value::parse_port_list(raw).map(Match::Port))?,
        "in-interface" | "out-interface" => {
            let Some(interface) = interface_name(config, raw) else {
                return Ok(Matcher::Dangling);
            };
            if name == "in-interface" {
                Match::InInterface(interface)
            } else {
                Match::OutInterface(interface)
            }
        }
        "in-interface-list" | "out-interface-list" => {
            let list = match resolve(config, "interface/list", raw) {
                Target::Item(item) => match item.get("name") {
                    Some(list) => String::from(list),
                    None => return Ok(Matcher::Dangling),
                },
                Target::Builtin(builtin) => String::from(builtin),
                Target::Dangling => return Ok(Matcher::Dangling),
            };
            if name == "in-interface-list" {
                Match::InInterfaceList(list)
            } else {
                Match::OutInterfaceList(list)
            }
        }
        "connection-state" => {
            let states = value::parse_list(raw)
                .into_iter()
                .map(connection_state)
                .collect::<Option<Vec<ConnState>>>();
            parsed(states.filter(|s| !s.is_empty()).map(Match::ConnectionState))?
        }
        "connection-nat-state" => {
            let mut state = (false, false);
            for word in value::parse_list(raw) {
                match word {
                    "srcnat" => state.0 = true,
                    "dstnat" => state.1 = true,
                    _ => return Err(bad()),
                }
            }
            Match::ConnectionNatState {
                srcnat: state.0,
                dstnat: state.1,
            }
        }
        "connection-mark" => Match::ConnectionMark(String::from(raw)),
        "packet-mark" => Match::PacketMark(String::from(raw)),
        "routing-mark" => Match::RoutingMark(String::from(raw)),
        "tcp-mss" => parsed(text::value_range(raw, 65535).map(Match::TcpMss))?,
        "icmp-options" => {
            let (icmp_type, code) = text::icmp_options(raw).ok_or_else(bad)?;
            Match::IcmpOptions { icmp_type, code }
        }
        "ttl" => parsed(text::ttl(raw).map(Match::Ttl))?,
        "dscp" => parsed(
            value::parse_integer(raw)
                .and_then(|d| u8::try_from(d).ok())
                .filter(|d| *d <= 63)
                .map(Match::Dscp),
        )?,
        "packet-size" => parsed(text::value_range(raw, 65535).map(Match::PacketSize))?,
        "connection-bytes" => {
            let (min, max) = text::connection_bytes(raw).ok_or_else(bad)?;
            Match::ConnectionBytes { min, max }
        }
        "connection-limit" => {
            let (limit, prefix_len) = text::connection_limit(raw).ok_or_else(bad)?;
            Match::ConnectionLimit { limit, prefix_len }
        }
        "connection-rate" => parsed(text::connection_rate(raw).map(Match::ConnectionRate))?,
        "ipsec-policy" => {
            let (inbound, ipsec) = text::ipsec_policy(raw).ok_or_else(bad)?;
            Match::IpsecPolicy { inbound, ipsec }
        }
        "fragment" => {
            // `fragment=no` is the negated matcher.
            let yes = value::parse_bool(raw).ok_or_else(bad)?;
            return Ok(Matcher::Some(MatcherSpec {
                negate: negate != !yes,
                matcher: Match::Fragment,
            }));
        }
        "limit" => parsed(text::limit(raw).map(Match::Limit))?,
        "dst-limit" => parsed(text::dst_limit(raw).map(Match::DstLimit))?,
        "nth" => {
            let (every, nth) = text::nth(raw).ok_or_else(bad)?;
            Match::Nth { every, nth }
        }
        "random" => parsed(
            value::parse_integer(raw)
                .and_then(|p| u8::try_from(p).ok())
                .map(Match::Random),
        )?,
        "src-mac-address" => parsed(value::parse_mac(raw).map(Match::SrcMacAddress))?,
        "content" => Match::Content(raw.as_bytes().to_vec()),
        "per-connection-classifier" => {
            let (kind, every, remainder) = text::per_connection_classifier(raw).ok_or_else(bad)?;
            Match::PerConnectionClassifier {
                kind,
                every,
                remainder,
            }
        }
        _ => return Ok(Matcher::None),
    };
    Ok(Matcher::Some(MatcherSpec { negate, matcher: m }))
}

/// Whether a rule is invalid in an engine with interfaces `table` (RouterOS's `I` flag): an interface
/// or interface-list reference points at a removed item, or an interface has no NIC. Reads only the
/// four reference properties, so `print` of a long rule list stays linear.
pub(super) fn is_invalid(config: &Config, item: &Item, table: &InterfaceTable) -> bool {
    let interface_missing = ["in-interface", "out-interface"].iter().any(|name| {
        item.get(name).is_some_and(|stored| {
            interface_name(config, negation(stored).1).is_none_or(|n| table.by_name(&n).is_none())
        })
    });
    let list_missing = ["in-interface-list", "out-interface-list"]
        .iter()
        .any(|name| {
            item.get(name).is_some_and(|stored| {
                matches!(
                    resolve(config, "interface/list", negation(stored).1),
                    Target::Dangling
                )
            })
        });
    interface_missing || list_missing
}

/// The configured name of the interface a stored `*ID` reference points at (`None`: gone).
fn interface_name(config: &Config, stored: &str) -> Option<String> {
    match resolve(config, "interface", stored) {
        Target::Item(item) => item.get("name").map(String::from),
        // Not an `*ID`: a name stored as written (hand-made configurations).
        Target::Builtin(name) => Some(String::from(name)),
        Target::Dangling => None,
    }
}

fn connection_state(word: &str) -> Option<ConnState> {
    Some(match word {
        "established" => ConnState::Established,
        "invalid" => ConnState::Invalid,
        "new" => ConnState::New,
        "related" => ConnState::Related,
        "untracked" => ConnState::Untracked,
        _ => return None,
    })
}

/// `failure: NAME not specified`: an action without its parameter.
pub(super) fn not_specified(name: &str) -> ModelError {
    let mut message = String::from(name);
    message.push_str(" not specified");
    ModelError::Failure(message)
}

/// The action with its parameters, and the checks of parameters against the action.
fn action(
    menu: &MenuDef,
    item: &Item,
    table: Table,
    spec: &RuleSpec,
    has_rules: &dyn Fn(&str) -> bool,
) -> Result<ActionSpec, ModelError> {
    let props = Props::new(menu, item);
    let name = props.get("action").unwrap_or("accept");
    let nat = matches!(name, "src-nat" | "dst-nat" | "netmap" | "same");
    let port_nat = nat || matches!(name, "masquerade" | "redirect");
    if props.get("to-addresses").is_some() && !nat {
        return Err(failure(
            "to-addresses can be used only with action src-nat, dst-nat, netmap or same",
        ));
    }
    let to_ports = match props.get("to-ports") {
        None => None,
        Some(ports) => {
            if !port_nat {
                return Err(failure(
                    "to-ports can be used only with action src-nat, dst-nat, masquerade, redirect, netmap or same",
                ));
            }
            let protocol = spec.matchers.iter().find_map(|m| match m.matcher {
                Match::Protocol(p) if !m.negate => Some(p),
                _ => None,
            });
            if !protocol.is_some_and(|p| PORT_PROTOCOLS.contains(&p)) {
                let mut message = String::from("to-ports can be used only with protocol ");
                message.push_str(PORT_PROTOCOL_NAMES);
                return Err(ModelError::Failure(message));
            }
            Some(single_port_range(ports)?)
        }
    };
    let to_addresses = props.parsed("to-addresses", value::parse_ipv4_match)?;
    let required = |prop: &'static str| props.get(prop).ok_or_else(|| not_specified(prop));
    let list_timeout = || {
        props
            .parsed("address-list-timeout", text::address_list_timeout)
            .map(Option::unwrap_or_default)
    };
    let mark = |prop: &'static str| required(prop).map(String::from);
    Ok(match name {
        "accept" => ActionSpec::Accept,
        "drop" => ActionSpec::Drop,
        "reject" => ActionSpec::Reject(
            props
                .parsed("reject-with", text::reject_with)?
                .unwrap_or_default(),
        ),
        "tarpit" => ActionSpec::Tarpit,
        "jump" => {
            let target = required("jump-target")?;
            let builtin = table.builtin_chains().iter().any(|c| c.name() == target);
            if builtin || has_rules(target) {
                ActionSpec::Jump(String::from(target))
            } else {
                ActionSpec::Passthrough
            }
        }
        "return" => ActionSpec::Return,
        "passthrough" => ActionSpec::Passthrough,
        "log" => ActionSpec::Log,
        "add-src-to-address-list" => ActionSpec::AddSrcToAddressList {
            list: String::from(required("address-list")?),
            timeout: list_timeout()?,
        },
        "add-dst-to-address-list" => ActionSpec::AddDstToAddressList {
            list: String::from(required("address-list")?),
            timeout: list_timeout()?,
        },
        "fasttrack-connection" => ActionSpec::FasttrackConnection,
        "src-nat" => ActionSpec::SrcNat {
            to_addresses: Some(to_addresses.ok_or_else(|| not_specified("to-addresses"))?),
            to_ports,
        },
        "masquerade" => ActionSpec::Masquerade { to_ports },
        "dst-nat" => {
            if to_addresses.is_none() && to_ports.is_none() {
                return Err(not_specified("to-addresses"));
            }
            ActionSpec::DstNat {
                to_addresses,
                to_ports,
            }
        }
        "redirect" => ActionSpec::Redirect { to_ports },
        "netmap" => {
            let text = required("to-addresses")?;
            let prefix = netmap_prefix(text).ok_or_else(|| invalid("to-addresses", text))?;
            ActionSpec::Netmap {
                to_addresses: prefix,
                to_ports,
            }
        }
        "same" => ActionSpec::Same {
            to_addresses: to_addresses.ok_or_else(|| not_specified("to-addresses"))?,
            to_ports,
        },
        "mark-connection" => ActionSpec::MarkConnection(mark("new-connection-mark")?),
        "mark-packet" => ActionSpec::MarkPacket(mark("new-packet-mark")?),
        "mark-routing" => ActionSpec::MarkRouting(mark("new-routing-mark")?),
        "set-priority" => ActionSpec::SetPriority(
            props
                .integer::<u8>("new-priority")?
                .ok_or_else(|| not_specified("new-priority"))?,
        ),
        "change-mss" => ActionSpec::ChangeMss(
            props
                .parsed("new-mss", text::new_mss)?
                .ok_or_else(|| not_specified("new-mss"))?,
        ),
        "change-ttl" => ActionSpec::ChangeTtl(
            props
                .parsed("new-ttl", text::new_ttl)?
                .ok_or_else(|| not_specified("new-ttl"))?,
        ),
        "change-dscp" => ActionSpec::ChangeDscp(
            props
                .integer::<u8>("new-dscp")?
                .ok_or_else(|| not_specified("new-dscp"))?,
        ),
        "clear-df" => ActionSpec::ClearDf,
        "strip-ipv4-options" => ActionSpec::StripIpv4Options,
        "notrack" => ActionSpec::NoTrack,
        other => {
            let mut message = String::from("action ");
            message.push_str(other);
            message.push_str(" is not supported");
            return Err(ModelError::Failure(message));
        }
    })
}

/// `to-ports=` is one port or one range for the engine (`8080`, `10000-20000`).
fn single_port_range(text: &str) -> Result<PortRange, ModelError> {
    match value::parse_port_list(text).as_deref() {
        Some([range]) => Ok(*range),
        _ => Err(invalid("to-ports", text)),
    }
}

/// `netmap to-addresses=` is a prefix: stored as the network (`10.0.0.0/24`) or a single address, or a
/// range that is exactly one prefix.
fn netmap_prefix(text: &str) -> Option<smoltcp::wire::Ipv4Cidr> {
    if text.contains('/') || !text.contains('-') {
        return value::parse_ipv4_prefix(text);
    }
    let range: AddrRange = value::parse_ipv4_match(text)?;
    let size = u32::from(range.end)
        .checked_sub(u32::from(range.start))?
        .checked_add(1)?;
    if !size.is_power_of_two() || u32::from(range.start) % size != 0 {
        return None;
    }
    let len = u8::try_from(32 - size.trailing_zeros()).ok()?;
    Some(smoltcp::wire::Ipv4Cidr::new(range.start, len))
}

/// Whether any rule of `menu` (the item being checked included, which may not be stored yet) is in
/// chain `target`.
fn chain_has_rules(config: &Config, menu: &MenuDef, item: &Item, target: &str) -> bool {
    item.get("chain") == Some(target)
        || config
            .items(menu)
            .iter()
            .any(|other| other.id != item.id && other.get("chain") == Some(target))
}

/// A resolver that accepts every name, for compiling one rule on its own: its interfaces and lists
/// were checked by the model, and what the tables can hold is [`super::apply`]'s business.
struct Permissive;

impl Resolver for Permissive {
    fn interface(&self, _name: &str) -> Option<InterfaceId> {
        Some(InterfaceId(0))
    }

    fn interface_list(&self, _name: &str) -> Option<InterfaceSet> {
        Some(InterfaceSet::All)
    }

    fn mark(&mut self, _name: &str) -> Option<netstack::packet::Mark> {
        Some(1)
    }

    fn address_list(&mut self, _name: &str) -> Option<AddressListId> {
        Some(AddressListId(0))
    }
}

/// Runs the netstack compiler on one rule alone (with its jump target made to exist), so what it
/// refuses in a rule (an action in the wrong table or chain, `in-interface` in output, ports without a
/// port protocol, out-of-range values, a jump to a built-in chain or to its own chain) is refused on the
/// line that adds the rule.
pub(super) fn check_alone(table: Table, spec: &RuleSpec) -> Result<(), CompileError> {
    let mut specs = vec![spec.clone()];
    if let ActionSpec::Jump(target) = &spec.action
        && *target != spec.chain
        && !table.builtin_chains().iter().any(|c| c.name() == target)
    {
        specs.push(RuleSpec::new(spec.id.0, target));
    }
    compile(table, &specs, &mut Permissive).map(|_| ())
}

/// The RouterOS wording of a compile error, without its `failure: ` prefix.
pub(super) fn compile_message(error: &CompileError) -> String {
    error.to_string()
}

/// `RuleId` of a configured rule.
pub(super) fn rule_id(item: &Item) -> RuleId {
    RuleId(item.id)
}
