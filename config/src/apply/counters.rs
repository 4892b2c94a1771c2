//! `reset-counters` and `reset-counters-all` (routeros-reference.md §2, §4): the counters live in the
//! running engine, so resetting them changes the engine and never the configuration.
//!
//! | menu | what is zeroed |
//! |---|---|
//! | `/ip firewall filter\|nat\|mangle\|raw` | the rules' `packets` and `bytes`; in `filter` also the fasttrack dummy rule's (all, or when named) |
//! | `/interface`, `/interface ethernet` | the engine's counters of each named interface (received, sent, dropped) |
//! | `/ipv6 firewall filter\|nat\|mangle\|raw` | nothing: the rules are not in the engine (IPv6 is not forwarded yet), so they count nothing |
//!
//! The NIC's own counters are not the engine's to reset; [`reset_counters`] says which interfaces it
//! reset so the caller can restart those it keeps beside them.

use alloc::vec::Vec;

use netstack::firewall::spec::{RuleId, Table};
use netstack::interface::{InterfaceCounters, InterfaceId};

use super::FirewallEngine;
use super::dynamic::FASTTRACK_DUMMY_ID;
use super::interfaces::nic;
use super::rules::table_of;
use crate::model::schema::MenuKind;
use crate::model::{Config, MenuDef, ModelError};

/// Zeroes the counters of the items `ids` of `menu` (every item's with `None`, as
/// `reset-counters-all`) and returns the engine interfaces whose counters were reset. Every ID must
/// name an item of the menu (configured, or the fasttrack dummy rule while it is shown), else nothing
/// is reset and the error is `no such item`; a menu without counters is `bad command name`.
pub fn reset_counters(
    config: &Config,
    engine: &mut FirewallEngine,
    menu: &MenuDef,
    ids: Option<&[u32]>,
) -> Result<Vec<InterfaceId>, ModelError> {
    if let Some(table) = table_of(menu) {
        reset_rules(config, engine, menu, table, ids)?;
        return Ok(Vec::new());
    }
    if menu.storage.starts_with("ipv6/firewall/") && menu.kind == MenuKind::Ordered {
        return Ok(Vec::new());
    }
    if menu.storage != "interface" {
        return Err(ModelError::BadCommand);
    }
    let items = config.items(menu);
    let chosen: Vec<&crate::model::Item> = match ids {
        None => items.iter().collect(),
        Some(ids) => ids
            .iter()
            .map(|id| items.iter().find(|i| i.id == *id))
            .collect::<Option<_>>()
            .ok_or(ModelError::NoSuchItem)?,
    };
    let mut reset = Vec::new();
    for id in chosen.into_iter().filter_map(nic) {
        if let Some(interface) = engine.interface_mut(id) {
            interface.counters = InterfaceCounters::default();
            reset.push(id);
        }
    }
    Ok(reset)
}

fn reset_rules(
    config: &Config,
    engine: &mut FirewallEngine,
    menu: &MenuDef,
    table: Table,
    ids: Option<&[u32]>,
) -> Result<(), ModelError> {
    let firewall = engine.hooks_mut();
    let dummy_shown =
        table == Table::Filter && (firewall.stats().fasttracked > 0 || firewall.fasttrack_used());
    let Some(ids) = ids else {
        firewall.reset_counters(table, None);
        if table == Table::Filter {
            firewall.reset_fasttrack_counters();
        }
        return Ok(());
    };
    let is_dummy = |id: u32| dummy_shown && id == FASTTRACK_DUMMY_ID;
    if ids
        .iter()
        .any(|id| config.item(menu, *id).is_none() && !is_dummy(*id))
    {
        return Err(ModelError::NoSuchItem);
    }
    // A rule's `RuleId` is its item's `*ID` (see `rules`).
    let rules: Vec<RuleId> = ids.iter().map(|id| RuleId(*id)).collect();
    firewall.reset_counters(table, Some(&rules));
    if ids.iter().any(|id| is_dummy(*id)) {
        firewall.reset_fasttrack_counters();
    }
    Ok(())
}
