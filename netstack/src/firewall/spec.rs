//! The config-facing description of firewall rules: [`RuleSpec`], plain data with values already typed
//! (the config layer parses RouterOS syntax such as `dst-port=53,8000-8080` into these types).
//!
//! A spec names things (chains, interfaces, interface lists, address lists, marks) by their names;
//! [`super::compile()`] resolves the names once and produces the compiled, name-free rule set. Nothing here
//! is evaluated per packet.

use alloc::string::String;
use alloc::vec::Vec;

use smoltcp::wire::{EthernetAddress, Ipv4Address, Ipv4Cidr};

use crate::Duration;
use crate::flow::ConnState;
use crate::icmp_error::IcmpErrorKind;

/// Stable identity of a rule (the config's `*ID`); counters follow it across recompiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(pub u32);

/// The four firewall menus (`/ip firewall filter|nat|mangle|raw`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Table {
    Filter,
    Nat,
    Mangle,
    Raw,
}

/// The built-in chains (netfilter hooks), over all tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinChain {
    Prerouting,
    Input,
    Forward,
    Output,
    Postrouting,
    SrcNat,
    DstNat,
}

impl BuiltinChain {
    pub const ALL: [BuiltinChain; 7] = [
        BuiltinChain::Prerouting,
        BuiltinChain::Input,
        BuiltinChain::Forward,
        BuiltinChain::Output,
        BuiltinChain::Postrouting,
        BuiltinChain::SrcNat,
        BuiltinChain::DstNat,
    ];

    /// The RouterOS chain name (`chain=forward`).
    pub fn name(self) -> &'static str {
        match self {
            BuiltinChain::Prerouting => "prerouting",
            BuiltinChain::Input => "input",
            BuiltinChain::Forward => "forward",
            BuiltinChain::Output => "output",
            BuiltinChain::Postrouting => "postrouting",
            BuiltinChain::SrcNat => "srcnat",
            BuiltinChain::DstNat => "dstnat",
        }
    }

    pub fn from_name(name: &str) -> Option<BuiltinChain> {
        BuiltinChain::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether the packet has an in-interface / out-interface at this hook (netfilter refuses `-o` in
    /// PREROUTING/INPUT and `-i` in OUTPUT/POSTROUTING).
    pub fn has_in_interface(self) -> bool {
        !matches!(
            self,
            BuiltinChain::Output | BuiltinChain::Postrouting | BuiltinChain::SrcNat
        )
    }

    pub fn has_out_interface(self) -> bool {
        !matches!(
            self,
            BuiltinChain::Prerouting | BuiltinChain::Input | BuiltinChain::DstNat
        )
    }
}

impl Table {
    /// The built-in chains of this table (RouterOS / netfilter).
    pub fn builtin_chains(self) -> &'static [BuiltinChain] {
        use BuiltinChain::*;
        match self {
            Table::Filter => &[Input, Forward, Output],
            Table::Nat => &[SrcNat, DstNat],
            Table::Mangle => &[Prerouting, Input, Forward, Output, Postrouting],
            Table::Raw => &[Prerouting, Output],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Table::Filter => "filter",
            Table::Nat => "nat",
            Table::Mangle => "mangle",
            Table::Raw => "raw",
        }
    }
}

/// An inclusive IPv4 address range; a single address and a CIDR prefix are ranges too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AddrRange {
    pub start: Ipv4Address,
    pub end: Ipv4Address,
}

impl AddrRange {
    pub fn single(a: Ipv4Address) -> Self {
        AddrRange { start: a, end: a }
    }

    /// `a.b.c.d/n` (host bits ignored, as RouterOS normalises `192.168.88.1/24` to the network).
    pub fn prefix(cidr: Ipv4Cidr) -> Self {
        let net = u32::from(cidr.address()) & prefix_mask(cidr.prefix_len());
        let end = net | !prefix_mask(cidr.prefix_len());
        AddrRange {
            start: Ipv4Address::from(net),
            end: Ipv4Address::from(end),
        }
    }

    /// `a.b.c.d-e.f.g.h`; the ends are put in order.
    pub fn range(a: Ipv4Address, b: Ipv4Address) -> Self {
        AddrRange {
            start: a.min(b),
            end: a.max(b),
        }
    }

    pub fn contains(&self, a: Ipv4Address) -> bool {
        self.start <= a && a <= self.end
    }
}

/// Netmask for a prefix length (lengths above 32 are treated as 32).
pub fn prefix_mask(len: u8) -> u32 {
    match len {
        0 => 0,
        l if l >= 32 => u32::MAX,
        l => u32::MAX << (32 - u32::from(l)),
    }
}

/// An inclusive port range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PortRange {
    pub start: u16,
    pub end: u16,
}

impl PortRange {
    pub fn single(p: u16) -> Self {
        PortRange { start: p, end: p }
    }

    pub fn new(a: u16, b: u16) -> Self {
        PortRange {
            start: a.min(b),
            end: a.max(b),
        }
    }

    pub fn contains(&self, p: u16) -> bool {
        self.start <= p && p <= self.end
    }
}

/// An inclusive range of a numeric value (`packet-size=0-500`, `tcp-mss=1400-1500`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ValueRange {
    pub min: u32,
    pub max: u32,
}

impl ValueRange {
    pub fn new(a: u32, b: u32) -> Self {
        ValueRange {
            min: a.min(b),
            max: a.max(b),
        }
    }

    pub fn contains(&self, v: u32) -> bool {
        self.min <= v && v <= self.max
    }
}

/// `src-address-type` / `dst-address-type` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressType {
    Unicast,
    Local,
    Broadcast,
    Multicast,
}

/// `ttl=equal:N|greater-than:N|less-than:N|not-equal:N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TtlMatch {
    Equal(u8),
    NotEqual(u8),
    GreaterThan(u8),
    LessThan(u8),
}

/// `limit=count[/time],burst:mode` and `dst-limit` rate: what counts, per how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitMode {
    /// Count packets (the default).
    Packet,
    /// Count bits (`:bit`): `count` and `burst` are bits.
    Bit,
}

/// A token-bucket rate: `count` units per `period`, holding at most `burst` units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateSpec {
    pub count: u64,
    pub period: Duration,
    pub burst: u64,
    pub mode: LimitMode,
}

/// Which fields key a `dst-limit` bucket (RouterOS `mode`, netfilter `--hashlimit-mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DstLimitMode {
    DstAddress,
    DstAddressAndPort,
    SrcAndDstAddress,
    SrcAndDstAddressAndPort,
    AddressesAndDstPort,
}

/// `dst-limit=count[/time],burst,mode[/expire]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DstLimitSpec {
    pub rate: RateSpec,
    pub mode: DstLimitMode,
    /// Idle time after which a bucket is forgotten (RouterOS default 10m).
    pub expire: Duration,
}

/// Fields hashed by `per-connection-classifier`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PccKind {
    SrcAddress,
    DstAddress,
    BothAddresses,
    SrcPort,
    DstPort,
    BothPorts,
    SrcAddressAndPort,
    DstAddressAndPort,
    BothAddressesAndPorts,
}

/// One matcher of a rule, with its value. Negation is carried by [`MatcherSpec::negate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Match {
    SrcAddress(AddrRange),
    DstAddress(AddrRange),
    SrcAddressList(String),
    DstAddressList(String),
    SrcAddressType(AddressType),
    DstAddressType(AddressType),
    /// IP protocol number (see [`super::protocol_number`] for names).
    Protocol(u8),
    SrcPort(Vec<PortRange>),
    DstPort(Vec<PortRange>),
    /// `port=`: either port in the list.
    Port(Vec<PortRange>),
    InInterface(String),
    OutInterface(String),
    InInterfaceList(String),
    OutInterfaceList(String),
    /// `connection-state=established,related`: any of them.
    ConnectionState(Vec<ConnState>),
    /// `connection-nat-state=srcnat,dstnat`: any of them.
    ConnectionNatState {
        srcnat: bool,
        dstnat: bool,
    },
    /// Mark names; `no-mark` matches unmarked.
    ConnectionMark(String),
    PacketMark(String),
    RoutingMark(String),
    /// `tcp-flags=syn,!ack`: flags in `set` must be set, flags in `unset` must be clear (bits of
    /// [`super::facts::tcp_flag`]).
    TcpFlags {
        set: u8,
        unset: u8,
    },
    TcpMss(ValueRange),
    /// `icmp-options=type[:code]`.
    IcmpOptions {
        icmp_type: u8,
        code: Option<u8>,
    },
    Ttl(TtlMatch),
    /// `dscp=0..63`.
    Dscp(u8),
    PacketSize(ValueRange),
    /// `connection-bytes=min-max`: bytes the connection carried so far (both directions); `max` 0 means
    /// no upper bound, as RouterOS writes `500000-0`.
    ConnectionBytes {
        min: u64,
        max: u64,
    },
    /// `ipsec-policy=in|out,ipsec|none`: whether the packet matched an IPsec policy. The appliance has
    /// no IPsec, so `none` always matches and `ipsec` never does.
    IpsecPolicy {
        inbound: bool,
        ipsec: bool,
    },
    /// `fragment=yes` (use `negate` for `fragment=no`).
    Fragment,
    Limit(RateSpec),
    DstLimit(DstLimitSpec),
    /// `nth=every,nth`: the `nth` of every `every` packets (1 ≤ nth ≤ every).
    Nth {
        every: u32,
        nth: u32,
    },
    /// `random=1..99` percent.
    Random(u8),
    /// `connection-limit=N,mask`: more than N connections from the source's /mask.
    ConnectionLimit {
        limit: u32,
        prefix_len: u8,
    },
    /// `connection-rate=min-max` in bits per second.
    ConnectionRate(ValueRange),
    SrcMacAddress(EthernetAddress),
    /// `content=`: the payload contains these bytes.
    Content(Vec<u8>),
    /// `per-connection-classifier=kind:every/remainder`.
    PerConnectionClassifier {
        kind: PccKind,
        every: u32,
        remainder: u32,
    },
}

/// A matcher with its `!`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatcherSpec {
    pub negate: bool,
    pub matcher: Match,
}

impl From<Match> for MatcherSpec {
    fn from(matcher: Match) -> Self {
        MatcherSpec {
            negate: false,
            matcher,
        }
    }
}

/// `reject-with=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RejectWith {
    Icmp(IcmpErrorKind),
    TcpReset,
}

impl Default for RejectWith {
    /// RouterOS's default, `icmp-network-unreachable`.
    fn default() -> Self {
        RejectWith::Icmp(IcmpErrorKind::NetUnreachable)
    }
}

/// `address-list-timeout=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ListTimeout {
    /// Dynamic entry without expiry (RouterOS default): gone on reboot, no timeout.
    #[default]
    NoneDynamic,
    /// A static entry (kept in the config).
    NoneStatic,
    /// Dynamic entry removed after this long.
    After(Duration),
}

/// `new-ttl=set:N|increment:N|decrement:N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TtlChange {
    Set(u8),
    Increment(u8),
    Decrement(u8),
}

/// `new-mss=N|clamp-to-pmtu`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MssChange {
    Set(u16),
    ClampToPmtu,
}

/// A rule's `action=` with its parameters.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum ActionSpec {
    /// Also the action of a rule without `action=`.
    #[default]
    Accept,
    Drop,
    Reject(RejectWith),
    Tarpit,
    Jump(String),
    Return,
    Passthrough,
    Log,
    AddSrcToAddressList {
        list: String,
        timeout: ListTimeout,
    },
    AddDstToAddressList {
        list: String,
        timeout: ListTimeout,
    },
    FasttrackConnection,
    // nat
    SrcNat {
        to_addresses: Option<AddrRange>,
        to_ports: Option<PortRange>,
    },
    Masquerade {
        to_ports: Option<PortRange>,
    },
    DstNat {
        to_addresses: Option<AddrRange>,
        to_ports: Option<PortRange>,
    },
    Redirect {
        to_ports: Option<PortRange>,
    },
    Netmap {
        to_addresses: Ipv4Cidr,
        to_ports: Option<PortRange>,
    },
    Same {
        to_addresses: AddrRange,
        to_ports: Option<PortRange>,
    },
    // mangle
    MarkConnection(String),
    MarkPacket(String),
    /// `set-priority=0..63`.
    SetPriority(u8),
    MarkRouting(String),
    ChangeMss(MssChange),
    ChangeTtl(TtlChange),
    ChangeDscp(u8),
    ClearDf,
    StripIpv4Options,
    // raw
    NoTrack,
}

impl ActionSpec {
    /// The RouterOS name (`src-nat`), for errors and logs.
    pub fn name(&self) -> &'static str {
        match self {
            ActionSpec::Accept => "accept",
            ActionSpec::Drop => "drop",
            ActionSpec::Reject(_) => "reject",
            ActionSpec::Tarpit => "tarpit",
            ActionSpec::Jump(_) => "jump",
            ActionSpec::Return => "return",
            ActionSpec::Passthrough => "passthrough",
            ActionSpec::Log => "log",
            ActionSpec::AddSrcToAddressList { .. } => "add-src-to-address-list",
            ActionSpec::AddDstToAddressList { .. } => "add-dst-to-address-list",
            ActionSpec::FasttrackConnection => "fasttrack-connection",
            ActionSpec::SrcNat { .. } => "src-nat",
            ActionSpec::Masquerade { .. } => "masquerade",
            ActionSpec::DstNat { .. } => "dst-nat",
            ActionSpec::Redirect { .. } => "redirect",
            ActionSpec::Netmap { .. } => "netmap",
            ActionSpec::Same { .. } => "same",
            ActionSpec::MarkConnection(_) => "mark-connection",
            ActionSpec::MarkPacket(_) => "mark-packet",
            ActionSpec::SetPriority(_) => "set-priority",
            ActionSpec::MarkRouting(_) => "mark-routing",
            ActionSpec::ChangeMss(_) => "change-mss",
            ActionSpec::ChangeTtl(_) => "change-ttl",
            ActionSpec::ChangeDscp(_) => "change-dscp",
            ActionSpec::ClearDf => "clear-df",
            ActionSpec::StripIpv4Options => "strip-ipv4-options",
            ActionSpec::NoTrack => "notrack",
        }
    }
}

/// One rule as configured (`/ip firewall filter add chain=forward action=drop ...`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSpec {
    pub id: RuleId,
    pub chain: String,
    pub matchers: Vec<MatcherSpec>,
    pub action: ActionSpec,
    /// `passthrough=` of mangle actions (default yes): continue the chain after the action.
    pub passthrough: bool,
    pub disabled: bool,
    pub comment: Option<String>,
    /// `log=yes`: log every packet the rule matches, then apply the action.
    pub log: bool,
    pub log_prefix: String,
}

impl RuleSpec {
    /// An enabled rule with no matchers and action accept in `chain`.
    pub fn new(id: u32, chain: &str) -> Self {
        RuleSpec {
            id: RuleId(id),
            chain: String::from(chain),
            matchers: Vec::new(),
            action: ActionSpec::Accept,
            passthrough: true,
            disabled: false,
            comment: None,
            log: false,
            log_prefix: String::new(),
        }
    }

    /// Builder: adds a matcher.
    pub fn with(mut self, matcher: Match) -> Self {
        self.matchers.push(matcher.into());
        self
    }

    /// Builder: adds a negated matcher (`!`).
    pub fn without(mut self, matcher: Match) -> Self {
        self.matchers.push(MatcherSpec {
            negate: true,
            matcher,
        });
        self
    }

    /// Builder: sets the action.
    pub fn action(mut self, action: ActionSpec) -> Self {
        self.action = action;
        self
    }
}
