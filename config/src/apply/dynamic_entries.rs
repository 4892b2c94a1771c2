//! Items the console adds to the running system instead of the configuration: on RouterOS
//! `/ip firewall address-list add list=x address=1.2.3.4 timeout=1h` makes a dynamic entry (flag `D`)
//! that is not saved, not exported, and gone when its timeout passes; `print` shows the time left
//! (routeros-reference.md §3). Such an entry lives in the engine's address lists only, with its
//! deadline; [`super::dynamic_items`] shows it, and `remove` takes it out of the engine.
//!
//! [`super::apply`] never removes dynamic entries, so a configuration change leaves them alone; a
//! static entry configured later for the same address replaces the dynamic one, as a rule-added entry.
//! The engine keeps no comment for an entry, so a `comment=` given with `timeout=` is not kept.

use alloc::string::String;

use netstack::Instant;
use netstack::firewall::address_list::AddressListError;

use super::FirewallEngine;
use super::dynamic::{dynamic_items, list_entry_id};
use super::props::{Props, failure, invalid};
use crate::model::{Config, Item, MenuDef, ModelError};
use crate::value;

/// The menu whose timed entries are dynamic.
const ADDRESS_LIST: &str = "ip/firewall/address-list";

/// Whether `add` of `item` (the values the model checked) makes a dynamic item rather than a
/// configured one: an address-list entry with `timeout=`.
pub fn is_dynamic(menu: &MenuDef, item: &Item) -> bool {
    menu.storage == ADDRESS_LIST && item.get("timeout").is_some()
}

/// Adds `item` (see [`is_dynamic`]) to the engine as a dynamic entry expiring `timeout` after `now`,
/// and returns the `*ID` `print` shows it under. Fails, changing nothing, on an entry of that list
/// and address that already exists (`already have such entry`), a disabled entry (dynamic entries
/// are not disabled) and full tables.
pub fn add_dynamic(
    engine: &mut FirewallEngine,
    menu: &MenuDef,
    item: &Item,
    now: Instant,
) -> Result<u32, ModelError> {
    if !is_dynamic(menu, item) {
        return Err(ModelError::BadCommand);
    }
    let props = Props::new(menu, item);
    if props.flag("disabled") {
        return Err(failure("can not disable dynamic entry"));
    }
    let list = props
        .get("list")
        .ok_or_else(|| ModelError::Missing(String::from("list")))?;
    let range = props
        .parsed("address", value::parse_ipv4_match)?
        .ok_or_else(|| ModelError::Missing(String::from("address")))?;
    let timeout = props
        .parsed("timeout", value::parse_duration)?
        .ok_or_else(|| invalid("timeout", ""))?;
    let lists = &mut engine.hooks_mut().state_mut().address_lists;
    // An entry past its timeout is gone (print no longer shows it), so it does not block a new one.
    lists.expire(now);
    lists
        .add(list, range, Some(timeout), now)
        .map_err(|e| match e {
            AddressListError::AlreadyExists => failure("already have such entry"),
            AddressListError::Full => failure("address list is full"),
            AddressListError::TooManyLists => failure("too many address lists"),
            AddressListError::NotFound => ModelError::NoSuchItem,
        })?;
    Ok(list_entry_id(list, range))
}

/// `remove` of the dynamic item `id` of `menu`: an address-list entry (added with `timeout=` or by
/// a rule) leaves the engine. `no such item` for any other ID, and in menus whose dynamic items
/// belong to the system (connected routes, learned neighbours).
pub fn remove_dynamic(
    config: &Config,
    engine: &mut FirewallEngine,
    menu: &MenuDef,
    id: u32,
    now: Instant,
) -> Result<(), ModelError> {
    if menu.storage != ADDRESS_LIST {
        return Err(ModelError::NoSuchItem);
    }
    let shown = dynamic_items(config, engine, menu, now);
    let item = shown
        .iter()
        .find(|i| i.id == id)
        .ok_or(ModelError::NoSuchItem)?;
    let props = Props::new(menu, item);
    let (Some(list), Some(range)) = (
        props.get("list"),
        props.parsed("address", value::parse_ipv4_match)?,
    ) else {
        return Err(ModelError::NoSuchItem);
    };
    engine
        .hooks_mut()
        .state_mut()
        .address_lists
        .remove(list, range)
        .map_err(|_| ModelError::NoSuchItem)
}
