//! Compiling the object model into the running packet engine.
//!
//! [`apply`] makes a [`netstack::Engine`] match a [`Config`]: interface names, MTUs, ARP modes and
//! states; interface lists and their members; static addresses (each with its connected route); static
//! routes; static ARP entries; the raw, mangle, nat and filter rules; static address-list entries;
//! connection-tracking settings and the `/ip settings` the engine has (ARP timeout, neighbour table
//! size). It is what the kernel's hand-built factory configuration (`netstack::factory`) becomes once
//! the configuration is data.
//!
//! # Guarantees
//!
//! * **Atomic from the user's view.** Everything that can fail — a bad value, a rule the compiler
//!   refuses, a table that would overflow — is found while planning, against copies of the tables as
//!   they will be; only then is the engine touched. On `Err` the engine is unchanged.
//! * **By difference.** Each table is reconciled against what the engine holds: unchanged addresses,
//!   routes, ARP entries and list entries are not touched, so connections (conntrack, NAT mappings),
//!   neighbour caches and masqueraded flows survive unrelated changes. Rules are recompiled on every
//!   apply and keep their counters by `*ID`.
//! * **Total.** No configuration makes any function here panic; recursion (interface-list includes) is
//!   bounded; every loop is over items the configuration holds.
//!
//! # Limits
//!
//! * Apply owns the engine's addresses, static routes, static ARP entries and static address-list
//!   entries: one the configuration does not hold is removed. The DHCP client's dynamic address and
//!   routes (`dhcp_client`) are not the configuration's and apply leaves them alone; whatever else adds
//!   its own (a rule with `address-list-timeout=none-static`) must also put it into the configuration,
//!   as RouterOS saves such entries, or it is gone at the next apply.
//! * Stored but not used by the engine: `/ip address network=`, `/ip arp published=`, `/ip route
//!   check-gateway|scope|target-scope|suppress-hw-offload`, `timeout=` of a stored address-list entry
//!   (the console adds an entry with a timeout to the engine as a dynamic one, see
//!   `dynamic_entries`; one stored all the same stays static), most of `/ip settings` (see
//!   `settings`), rule `hw-offload`.
//! * Stored, checked (`ipv6`) and not used at all: every `/ipv6` menu. The engine does not forward
//!   IPv6 yet — it counts IPv6 frames and drops them — so apply never reads these menus, and changing
//!   them leaves the engine as it was.
//!
//! # Files
//!
//! | file | idea |
//! |---|---|
//! | `props` | one item's properties, read as typed values; references resolved |
//! | `interfaces` | `/interface` ↔ engine interfaces (`default-name=etherN` is NIC N), interface lists |
//! | `addresses` | `/ip address` → engine addresses |
//! | `routes` | `/ip route` → static routes; `gateway=` syntax |
//! | `arp` | `/ip arp` → static neighbour entries |
//! | `rules`, `rule_values` | firewall items → `RuleSpec`; the text syntaxes of rule properties |
//! | `firewall` | the four tables: dry-run compile, then swap in |
//! | `address_lists` | `/ip firewall address-list` → static entries |
//! | `settings` | connection tracking and `/ip settings` |
//! | `status`, `dynamic` | what `print` adds from the running engine |
//! | `dhcp_client` | `/ip dhcp-client`: a lease's dynamic address and routes, what `print` shows of a client |
//! | `dynamic_entries` | address-list entries with `timeout=`: added to and removed from the engine only |
//! | `connections` | `/ip firewall connection`: the connection table as items, in pages |
//! | `counters` | `reset-counters`: rule and interface counters zeroed in the engine |
//! | `system` | NIC and service items the system owns |
//! | `ipv6` | the `/ipv6` menus' checks (they are not applied) |

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use netstack::firewall::Firewall;
use netstack::{Engine, Instant};
use smoltcp::wire::EthernetAddress;

use crate::model::{Config, Item, MenuDef, ModelError};

mod address_lists;
mod addresses;
mod arp;
mod connections;
mod counters;
pub mod dhcp_client;
pub mod dhcp_server;
pub mod dns;
mod dynamic;
mod dynamic_entries;
mod firewall;
mod interfaces;
mod ipv6;
mod props;
mod routes;
mod rule_values;
mod rules;
pub mod services;
mod settings;
mod status;
mod system;

#[cfg(test)]
mod tests;

pub use connections::{connection, connection_page, remove_connection};
pub use counters::reset_counters;
pub use dynamic::FIRST_DYNAMIC_ID;
pub use dynamic_entries::{add_dynamic, is_dynamic, remove_dynamic};
pub use interfaces::MAX_LIST_NESTING;

/// The engine the appliance runs: netstack with the stateful firewall at its hooks.
pub type FirewallEngine = Engine<Firewall>;

/// Why [`apply`] refused a configuration: the menu and item it is about, and RouterOS's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyError {
    /// The menu's path (`ip/firewall/filter`).
    pub menu: &'static str,
    /// The item's `*ID`, when one item is at fault.
    pub id: Option<u32>,
    /// The message without the `failure: ` prefix.
    pub message: String,
}

impl ApplyError {
    fn new(menu: &MenuDef, id: Option<u32>, message: impl Into<String>) -> Self {
        ApplyError {
            menu: menu.path,
            id,
            message: message.into(),
        }
    }

    /// An error about one item, from the model's wording.
    fn model(menu: &MenuDef, id: Option<u32>, error: &ModelError) -> Self {
        let text = error.to_string();
        let message = text.strip_prefix("failure: ").unwrap_or(&text);
        ApplyError::new(menu, id, message)
    }
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "failure: {}", self.message)
    }
}

/// Semantic check of one item beyond its value syntax, run by the CLI after every `add`/`set` so a bad
/// item is refused on its own line:
///
/// * firewall rules must translate to a rule the engine compiles on its own (action parameters present
///   and belonging to the action, known protocol, ports only with a port protocol, values in range, the
///   action allowed in the table and chain);
/// * routes need a gateway unless `blackhole=yes`, in RouterOS's syntax (`10.0.0.1`, `ether1`,
///   `10.0.0.1%ether1`, comma separated) naming existing interfaces, and only the `main` table;
/// * addresses must be usable as interface addresses; ARP entries need a unicast address and MAC;
///   interfaces an `arp=` mode the engine has;
/// * the `/ipv6` menus what `ipv6` checks (they are stored only).
///
/// What needs the whole configuration (jump loops, table sizes) is found by [`apply`].
pub fn check(config: &Config, menu: &MenuDef, item: &Item) -> Result<(), ModelError> {
    match menu.storage {
        "interface" => interfaces::check(menu, item),
        "ip/address" => addresses::check(menu, item),
        "ip/route" => routes::check(config, menu, item),
        "ip/arp" => arp::check(menu, item),
        _ if ipv6::is_ipv6(menu) => ipv6::check(menu, item),
        _ => match rules::table_of(menu) {
            Some(table) => {
                let spec = rules::translate(config, menu, item)?;
                rules::check_alone(table, &spec)
                    .map_err(|e| ModelError::Failure(rules::compile_message(&e)))
            }
            None => Ok(()),
        },
    }
}

/// A firewall item as the engine's [`RuleSpec`](netstack::firewall::RuleSpec); its `RuleId` is the
/// item's `*ID`, so counters follow the rule. A rule whose interface or list reference is dangling comes
/// back disabled, without that matcher (RouterOS's invalid rule).
pub fn rule_spec(
    config: &Config,
    menu: &MenuDef,
    item: &Item,
) -> Result<netstack::firewall::RuleSpec, ModelError> {
    rules::translate(config, menu, item)
}

/// Makes `engine` match `config` (see the module documentation): plans every table against copies,
/// then changes the engine by difference. On `Err` the engine is unchanged.
pub fn apply(config: &Config, engine: &mut FirewallEngine, now: Instant) -> Result<(), ApplyError> {
    // Plan: nothing below touches the engine.
    let interfaces = interfaces::InterfacePlan::new(config, engine)?;
    let lists = interfaces::build_lists(config, &interfaces.table);
    let addresses = addresses::AddressPlan::new(config, engine, &interfaces.table)?;
    let routes = routes::RoutePlan::new(config, engine, &interfaces.table)?;
    let arp = arp::ArpPlan::new(config, engine, &interfaces.table, now)?;
    let address_lists = address_lists::AddressListPlan::new(config, engine)?;
    let firewall = firewall::FirewallPlan::new(config, engine, &interfaces.table, &lists)?;
    if !address_lists.fits_lists(engine, &firewall.new_list_names) {
        return Err(ApplyError {
            menu: "ip/firewall/address-list",
            id: None,
            message: String::from("too many address lists"),
        });
    }
    let settings = settings::SettingsPlan::new(config, engine)?;

    // Commit. The plans were checked against the engine's limits, so these steps succeed; an error
    // would mean a limit this module does not know of, and is reported rather than hidden.
    interfaces.commit(engine, now);
    *engine.interface_lists_mut() = lists.clone();
    addresses.commit(engine)?;
    routes.commit(engine)?;
    arp.commit(engine, now)?;
    address_lists.commit(engine, now)?;
    firewall.commit(engine.hooks_mut(), &interfaces.table, &lists)?;
    settings.commit(engine, now);
    Ok(())
}

/// Read-only properties the running engine reports for a configured item, for `print`: interfaces
/// `running` and (when not stored) `mac-address`; firewall rules `bytes`, `packets`, `invalid`; routes
/// `active`; addresses `invalid` (interface without NIC or disabled) and `network`; connection tracking
/// `total-entries`. Values are canonical; only properties (and flag properties) of `menu` appear.
pub fn status(
    config: &Config,
    engine: &FirewallEngine,
    menu: &MenuDef,
    item: &Item,
) -> Vec<(&'static str, String)> {
    status::status(config, engine, menu, item)
}

/// Items the system creates that are not in the configuration, as RouterOS shows them with the `D`
/// flag: connected routes, learned ARP entries, dynamic address-list entries and the FastTrack dummy
/// filter rule. IDs are at or above [`FIRST_DYNAMIC_ID`], distinct, and stable while the entry exists.
pub fn dynamic_items(
    config: &Config,
    engine: &FirewallEngine,
    menu: &MenuDef,
    now: Instant,
) -> Vec<Item> {
    dynamic::dynamic_items(config, engine, menu, now)
}

/// Adds the items the system owns when they are missing: one `/interface` item per NIC (`default-name`
/// and `name` `etherN` in bus order, `mac-address`, refreshed when the NIC's MAC changed) and the
/// `/ip service` items. Used at boot and by `reset-configuration`.
pub fn ensure_system_items(config: &mut Config, macs: &[EthernetAddress]) {
    system::ensure(config, macs);
}
