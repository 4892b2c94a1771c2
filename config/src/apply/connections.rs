//! `/ip firewall connection`: the engine's connection table as items of the connection menu, for
//! `print`, `find`, `get` and `remove` (routeros-reference.md §3).
//!
//! An item's `*ID` is the connection's [`ConnId`], which names that connection for as long as it
//! exists and never a later one in the same slot. Its properties are those `print detail` shows:
//! `protocol` (by name when RouterOS has one), `src-address`/`dst-address` of the original
//! direction and `reply-src-address`/`reply-dst-address` of the reply direction as NAT rewrote it
//! (`address:port` for protocols with ports, the bare address otherwise), `icmp-id` for ICMP,
//! `tcp-state` for TCP, `timeout` (time left), `connection-mark` when set, the packet and byte counters
//! of both directions, and the flag properties (`seen-reply`, `assured`, `confirmed`, `fasttrack`,
//! `srcnat`, `dstnat`). Values are canonical, as for stored items.
//!
//! The table can hold up to 2^20 entries, so it is read in pages ([`connection_page`]): the caller
//! decides how many items it holds at once. Nothing here is stored in the configuration.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use netstack::Instant;
use netstack::conntrack::{ConnView, proto};
use netstack::firewall::protocol_number;
use netstack::flow::{ConnId, Tuple};

use super::FirewallEngine;
use super::status::shown;
use crate::model::{Item, MenuDef};
use crate::value::format_duration;

/// Protocols whose connections are told apart by ports (printed `address:port`).
const PORT_PROTOCOLS: [u8; 5] = [6, 17, 33, 132, 136];

/// Names `print` uses for protocol numbers (the RouterOS protocol names connections commonly have);
/// any other protocol prints as its number.
const PROTOCOL_NAMES: [&str; 20] = [
    "icmp",
    "igmp",
    "ipip",
    "tcp",
    "udp",
    "dccp",
    "ipv6",
    "rsvp",
    "gre",
    "ipsec-esp",
    "ipsec-ah",
    "icmpv6",
    "ospf",
    "etherip",
    "encap",
    "pim",
    "vrrp",
    "l2tp",
    "sctp",
    "udp-lite",
];

/// `tcp`, `udp`, ... or the decimal number.
pub(super) fn protocol_name(number: u8) -> String {
    PROTOCOL_NAMES
        .iter()
        .find(|name| protocol_number(name) == Some(number))
        .map_or_else(|| format!("{number}"), |name| String::from(*name))
}

/// `192.168.88.10:51234`, or the bare address for protocols without ports.
fn endpoint(tuple: &Tuple, source: bool) -> String {
    let (address, port) = if source {
        (tuple.src, tuple.src_port)
    } else {
        (tuple.dst, tuple.dst_port)
    };
    if PORT_PROTOCOLS.contains(&tuple.protocol) {
        format!("{address}:{port}")
    } else {
        format!("{address}")
    }
}

fn yes_no(b: bool) -> String {
    String::from(if b { "yes" } else { "no" })
}

/// One connection as an item of `menu` (only the properties `menu` defines).
fn item(engine: &FirewallEngine, menu: &MenuDef, view: &ConnView) -> Item {
    let mut pairs: Vec<(&str, String)> = alloc::vec![
        ("protocol", protocol_name(view.protocol)),
        ("src-address", endpoint(&view.original, true)),
        ("dst-address", endpoint(&view.original, false)),
        ("reply-src-address", endpoint(&view.reply, true)),
        ("reply-dst-address", endpoint(&view.reply, false)),
        ("timeout", format_duration(view.timeout)),
        ("orig-packets", format!("{}", view.orig_packets)),
        ("orig-bytes", format!("{}", view.orig_bytes)),
        ("repl-packets", format!("{}", view.repl_packets)),
        ("repl-bytes", format!("{}", view.repl_bytes)),
        ("seen-reply", yes_no(view.seen_reply)),
        ("assured", yes_no(view.assured)),
        ("confirmed", yes_no(view.confirmed)),
        ("fasttrack", yes_no(view.fasttrack)),
        ("srcnat", yes_no(view.srcnat)),
        ("dstnat", yes_no(view.dstnat)),
    ];
    if let Some(state) = view.tcp_state {
        pairs.push(("tcp-state", String::from(state.name())));
    }
    if view.protocol == proto::ICMP {
        // The conntrack tuple of an ICMP query carries its identifier as both ports.
        pairs.push(("icmp-id", format!("{}", view.original.src_port)));
    }
    if view.mark != 0 {
        let name = engine.hooks().marks().name(view.mark);
        pairs.push((
            "connection-mark",
            name.map_or_else(|| format!("{}", view.mark), String::from),
        ));
    }
    let values: BTreeMap<String, String> = pairs
        .into_iter()
        .filter(|(name, _)| shown(menu, name))
        .map(|(name, value)| (String::from(name), value))
        .collect();
    Item {
        id: view.id.0,
        values,
    }
}

/// Up to `max` (at least one) connections from table position `from` on, as items of `menu`, and the
/// position the next page starts at (`None`: this page reached the end). Start at position 0. A
/// call walks the table only up to the entry after the last one it returns.
pub fn connection_page(
    engine: &FirewallEngine,
    menu: &MenuDef,
    from: u32,
    max: usize,
    now: Instant,
) -> (Vec<Item>, Option<u32>) {
    let mut entries = engine.hooks().conntrack().iter_from(from, now);
    let mut items = Vec::new();
    let mut resume = from;
    for (after, view) in entries.by_ref().take(max.max(1)) {
        items.push(item(engine, menu, &view));
        resume = after;
    }
    let next = entries.next().is_some().then_some(resume);
    (items, next)
}

/// The connection `*ID` names, as an item of `menu`.
pub fn connection(engine: &FirewallEngine, menu: &MenuDef, id: u32, now: Instant) -> Option<Item> {
    let view = engine.hooks().conntrack().get(ConnId(id), now)?;
    Some(item(engine, menu, &view))
}

/// `/ip firewall connection remove`: drops the connection from the table (its NAT mapping with it);
/// its next packet is tracked as a new connection. False when no connection has that `*ID`.
pub fn remove_connection(engine: &mut FirewallEngine, id: u32) -> bool {
    engine.hooks_mut().conntrack_mut().remove(ConnId(id))
}
