//! The four rule tables as one step of [`super::apply`]: every rule translated ([`super::rules`]),
//! rules naming interfaces that have no NIC made invalid, each table compiled against the interface
//! table and lists *as they will be* before anything in the engine changes, then swapped in whole with
//! [`Firewall::set_rules`], which carries each rule's counters over by its `*ID`.
//!
//! Every apply recompiles all four tables (interface lists are resolved into member sets at compile
//! time, so a membership change needs it anyway). Counters survive; the state of rate matchers
//! (`limit`, `dst-limit`, `nth`, `connection-rate`) starts afresh, as after any rule change on RouterOS.

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

use netstack::firewall::spec::{ActionSpec, Match, RuleSpec, Table};
use netstack::firewall::{AddressListId, Firewall, InterfaceSet, MarkNames, Resolver, compile};
use netstack::interface::{InterfaceId, InterfaceLists, InterfaceTable};

use super::rules::{RULE_MENUS, compile_message, table_of, translate_with};
use super::{ApplyError, FirewallEngine};
use crate::model::Config;
use crate::model::menus;

/// Resolves names against the planned tables without touching the engine: marks are interned in a
/// copy, address lists only counted (the caller checks the engine can hold the new ones).
struct DryRun<'a> {
    interfaces: &'a InterfaceTable,
    lists: &'a InterfaceLists,
    marks: MarkNames,
}

impl Resolver for DryRun<'_> {
    fn interface(&self, name: &str) -> Option<InterfaceId> {
        self.interfaces.by_name(name)
    }

    fn interface_list(&self, name: &str) -> Option<InterfaceSet> {
        netstack::firewall::compile::interface_set(self.interfaces, self.lists, name)
    }

    fn mark(&mut self, name: &str) -> Option<netstack::packet::Mark> {
        self.marks.intern(name)
    }

    fn address_list(&mut self, _name: &str) -> Option<AddressListId> {
        Some(AddressListId(0))
    }
}

/// A rule made invalid by a missing interface: disabled, without the matcher (so it still compiles).
fn drop_missing_interfaces(spec: &mut RuleSpec, interfaces: &InterfaceTable) -> bool {
    let before = spec.matchers.len();
    spec.matchers.retain(|m| match &m.matcher {
        Match::InInterface(name) | Match::OutInterface(name) => interfaces.by_name(name).is_some(),
        _ => true,
    });
    let invalid = spec.matchers.len() != before;
    if invalid {
        spec.disabled = true;
    }
    invalid
}

/// The address-list names a rule uses.
fn list_names(spec: &RuleSpec) -> impl Iterator<Item = &str> {
    let matched = spec.matchers.iter().filter_map(|m| match &m.matcher {
        Match::SrcAddressList(name) | Match::DstAddressList(name) => Some(name.as_str()),
        _ => None,
    });
    let action = match &spec.action {
        ActionSpec::AddSrcToAddressList { list, .. }
        | ActionSpec::AddDstToAddressList { list, .. } => Some(list.as_str()),
        _ => None,
    };
    matched.chain(action)
}

/// The compiled-and-checked rule specs of the four tables.
pub(super) struct FirewallPlan {
    tables: Vec<(Table, &'static str, Vec<RuleSpec>)>,
    /// Address-list names the rules use that the engine does not know yet.
    pub new_list_names: BTreeSet<String>,
}

impl FirewallPlan {
    pub fn new(
        config: &Config,
        engine: &FirewallEngine,
        interfaces: &InterfaceTable,
        lists: &InterfaceLists,
    ) -> Result<Self, ApplyError> {
        let known = &engine.hooks().state().address_lists;
        let mut plan = FirewallPlan {
            tables: Vec::new(),
            new_list_names: BTreeSet::new(),
        };
        let mut resolver = DryRun {
            interfaces,
            lists,
            marks: engine.hooks().marks().clone(),
        };
        for path in RULE_MENUS {
            let Some(menu) = menus::menu(path) else {
                continue;
            };
            let Some(table) = table_of(menu) else {
                continue;
            };
            let items = config.items(menu);
            let chains: BTreeSet<&str> = items.iter().filter_map(|i| i.get("chain")).collect();
            let has_rules = |chain: &str| chains.contains(chain);
            let mut specs = Vec::new();
            for item in items {
                let mut spec = translate_with(config, menu, item, &has_rules)
                    .map_err(|e| ApplyError::model(menu, Some(item.id), &e))?;
                drop_missing_interfaces(&mut spec, interfaces);
                for name in list_names(&spec) {
                    if known.find(name).is_none() {
                        plan.new_list_names.insert(String::from(name));
                    }
                }
                specs.push(spec);
            }
            compile(table, &specs, &mut resolver).map_err(|e| ApplyError {
                menu: menu.path,
                id: e.rule.map(|r| r.0),
                message: compile_message(&e),
            })?;
            plan.tables.push((table, menu.path, specs));
        }
        Ok(plan)
    }

    /// Swaps the four tables in. They compiled against the same tables in the dry run, so an error
    /// here means the engine's name tables filled up in between (a bug), and is reported as such.
    pub fn commit(
        &self,
        firewall: &mut Firewall,
        interfaces: &InterfaceTable,
        lists: &InterfaceLists,
    ) -> Result<(), ApplyError> {
        for (table, menu, specs) in &self.tables {
            firewall
                .set_rules(*table, specs, interfaces, lists)
                .map_err(|e| ApplyError {
                    menu,
                    id: e.rule.map(|r| r.0),
                    message: compile_message(&e),
                })?;
        }
        Ok(())
    }
}
