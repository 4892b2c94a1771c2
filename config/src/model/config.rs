//! The configuration database: for every menu, its items in order, each with a stable `*ID` and the
//! values the user set, in canonical form (see [`crate::value`]). Defaults are not stored: a value that
//! is absent reads as its property's default, so `export` shows only what differs from it.
//!
//! Changes go through [`Config::add`], [`Config::set`], [`Config::remove`] and [`Config::move_before`],
//! which check every value against the menu's [`MenuDef`] and the constraints RouterOS enforces
//! (required properties, unique values, references that resolve) and leave the configuration untouched
//! when they fail. The database is plain data: cloning it is how callers keep a copy to roll back to,
//! and it serialises with serde for the config store.
//!
//! Guarantees: no input panics; at most [`MAX_ITEMS`] items per menu; IDs are never reused within a
//! menu's life (RouterOS `*ID`s are stable for the object's life).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::error::ModelError;
use super::gateway;
use super::menus;
use super::schema::{MenuDef, MenuKind, PropDef, PropType};

/// Most items one menu holds (address lists can be long; everything else stays far below).
pub const MAX_ITEMS: usize = 100_000;

/// Format version of the serialised [`Config`] (the store refuses other versions).
pub const FORMAT_VERSION: u16 = 1;

/// One item of a menu.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// The `*ID` number (printed in hex: `*1F`).
    pub id: u32,
    /// Property name → canonical value, for the properties set on this item.
    pub values: BTreeMap<String, String>,
}

impl Item {
    /// The stored value of `prop`, if set.
    pub fn get(&self, prop: &str) -> Option<&str> {
        self.values.get(prop).map(String::as_str)
    }
}

/// `*1F`, as RouterOS prints IDs.
pub fn format_id(id: u32) -> String {
    format!("*{id:X}")
}

/// Parses `*1F`.
pub fn parse_id(text: &str) -> Option<u32> {
    let hex = text.strip_prefix('*')?;
    if hex.is_empty() || hex.len() > 8 {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
}

/// The items of one storage menu.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub items: Vec<Item>,
    /// The next `*ID` to hand out.
    pub next_id: u32,
}

/// A property change of `add`/`set`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// `name=value`, with the value as the user wrote it.
    Set(&'static PropDef, String),
    /// `!name`: back to the default.
    Unset(&'static PropDef),
}

/// The whole configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    tables: BTreeMap<String, Table>,
}

impl Config {
    /// An empty configuration (no interfaces, everything at its default).
    pub fn new() -> Self {
        Config::default()
    }

    /// The items of `menu`, in order.
    pub fn items(&self, menu: &MenuDef) -> &[Item] {
        self.tables
            .get(menu.storage)
            .map_or(&[], |t| t.items.as_slice())
    }

    /// Makes the items of `menu`'s table (and its next `*ID`) those of `other`.
    pub fn copy_table(&mut self, other: &Config, menu: &MenuDef) {
        match other.tables.get(menu.storage) {
            Some(table) => {
                self.tables
                    .insert(String::from(menu.storage), table.clone());
            }
            None => {
                self.tables.remove(menu.storage);
            }
        }
    }

    /// The item `id` of `menu`.
    pub fn item(&self, menu: &MenuDef, id: u32) -> Option<&Item> {
        self.items(menu).iter().find(|i| i.id == id)
    }

    /// The singleton item of `menu`, if it was ever set.
    pub fn singleton(&self, menu: &MenuDef) -> Option<&Item> {
        self.items(menu).first()
    }

    /// The value of `prop_name` in singleton `menu` (stored or default).
    pub fn singleton_value(&self, menu: &MenuDef, prop_name: &str) -> Option<&str> {
        let prop = menu.prop(prop_name)?;
        self.singleton(menu)
            .and_then(|i| i.get(prop_name))
            .or(prop.default)
    }

    /// Looks an item up by its key (`name`) or `*ID`.
    pub fn find_by_key(&self, menu: &MenuDef, text: &str) -> Option<&Item> {
        if let Some(id) = parse_id(text) {
            return self.item(menu, id);
        }
        let key = menu.key?;
        self.items(menu).iter().find(|i| i.get(key) == Some(text))
    }

    /// How a stored value reads to a user: references show the target's name (`*ID` when the target is
    /// gone), everything else as stored.
    pub fn display(&self, prop: &PropDef, stored: &str) -> String {
        let PropType::Ref { menu, .. } = prop.ty else {
            return String::from(stored);
        };
        if let Some(family) = prop.gateway {
            // Each interface under its name; an address, or what does not parse, as stored.
            return gateway::rewrite(family, stored, |target| {
                Some(self.reference_name(menu, target))
            })
            .unwrap_or_else(|| String::from(stored));
        }
        let (negated, target) = match stored.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, stored),
        };
        let shown = self.reference_name(menu, target);
        if negated { format!("!{shown}") } else { shown }
    }

    /// The name of the item of `menu` a stored reference `target` points at (`target` itself when it
    /// is not a `*ID` or the item is gone).
    fn reference_name(&self, menu: &str, target: &str) -> String {
        match (menus::menu(menu), parse_id(target)) {
            (Some(target_menu), Some(id)) => target_menu
                .key
                .and_then(|key| self.item(target_menu, id)?.get(key))
                .map(String::from),
            _ => None,
        }
        .unwrap_or_else(|| String::from(target))
    }

    /// Whether a stored reference value points at an item that no longer exists.
    pub fn dangling(&self, prop: &PropDef, stored: &str) -> bool {
        let PropType::Ref { menu, .. } = prop.ty else {
            return false;
        };
        let gone = |target: &str| match (menus::menu(menu), parse_id(target)) {
            (Some(target_menu), Some(id)) => self.item(target_menu, id).is_none(),
            _ => false,
        };
        if let Some(family) = prop.gateway {
            return gateway::interfaces(family, stored)
                .is_some_and(|names| names.into_iter().any(gone));
        }
        gone(stored.strip_prefix('!').unwrap_or(stored))
    }

    /// The canonical stored form of `raw` for `prop`.
    pub fn normalize(&self, prop: &'static PropDef, raw: &str) -> Result<String, ModelError> {
        if prop.negatable
            && let Some(rest) = raw.strip_prefix('!')
        {
            return Ok(format!("!{}", self.normalize_plain(prop, rest)?));
        }
        self.normalize_plain(prop, raw)
    }

    fn normalize_plain(&self, prop: &'static PropDef, raw: &str) -> Result<String, ModelError> {
        match prop.ty {
            PropType::Value(ty) => ty.normalize(raw).map_err(|e| ModelError::InvalidValue {
                argument: prop.name,
                reason: e.message,
            }),
            PropType::Ref { menu, builtin } => {
                if builtin.contains(&raw) {
                    return Ok(String::from(raw));
                }
                let reference = |name: &str| {
                    menus::menu(menu)
                        .and_then(|target| self.find_by_key(target, name))
                        .map(|item| format_id(item.id))
                };
                if let Some(family) = prop.gateway {
                    // What is neither an address nor an existing interface is a bad gateway.
                    return gateway::rewrite(family, raw, reference).ok_or_else(|| {
                        ModelError::InvalidValue {
                            argument: prop.name,
                            reason: format!("can not use {raw}"),
                        }
                    });
                }
                reference(raw).ok_or(ModelError::NoSuchValue {
                    argument: prop.name,
                })
            }
        }
    }

    /// `add`: a new item with `changes`, placed before item `place_before` (rule menus) or last.
    /// Returns its ID.
    pub fn add(
        &mut self,
        menu: &'static MenuDef,
        changes: &[Change],
        place_before: Option<u32>,
    ) -> Result<u32, ModelError> {
        let mut item = self.new_item(menu, changes)?;
        self.check_unique(menu, &item)?;
        let table = self.tables.entry(String::from(menu.storage)).or_default();
        if table.items.len() >= MAX_ITEMS {
            return Err(ModelError::Failure(String::from("too many items")));
        }
        let position = match place_before {
            Some(before) => table
                .items
                .iter()
                .position(|i| i.id == before)
                .ok_or(ModelError::NoSuchItem)?,
            None => table.items.len(),
        };
        let id = table.next_id.max(1);
        table.next_id = id
            .checked_add(1)
            .ok_or(ModelError::Failure(String::from("no more item IDs")))?;
        item.id = id;
        table.items.insert(position, item);
        Ok(id)
    }

    /// The item `add` would make of `changes` — values checked and canonical, required properties
    /// present — without adding it (its ID is 0): for an item RouterOS keeps in the running system
    /// rather than the configuration, such as an address-list entry with `timeout=`.
    pub fn new_item(&self, menu: &'static MenuDef, changes: &[Change]) -> Result<Item, ModelError> {
        match menu.kind {
            MenuKind::List | MenuKind::Ordered => {}
            MenuKind::Singleton | MenuKind::Fixed => return Err(ModelError::BadCommand),
        }
        let mut item = Item {
            id: 0,
            values: BTreeMap::new(),
        };
        self.apply_changes(&mut item, changes)?;
        let missing: Vec<&str> = menu
            .props
            .iter()
            .filter(|p| p.required && !item.values.contains_key(p.name))
            .map(|p| p.name)
            .collect();
        if !missing.is_empty() {
            return Err(ModelError::Missing(missing.join(",")));
        }
        Ok(item)
    }

    /// Adds an item the system owns (an ethernet interface, a service), bypassing the user checks on
    /// read-only properties. Returns its ID.
    pub fn add_system_item(
        &mut self,
        menu: &MenuDef,
        values: &[(&str, &str)],
    ) -> Result<u32, ModelError> {
        let table = self.tables.entry(String::from(menu.storage)).or_default();
        if table.items.len() >= MAX_ITEMS {
            return Err(ModelError::Failure(String::from("too many items")));
        }
        let id = table.next_id.max(1);
        table.next_id = id.saturating_add(1);
        table.items.push(Item {
            id,
            values: values
                .iter()
                .map(|(k, v)| (String::from(*k), String::from(*v)))
                .collect(),
        });
        Ok(id)
    }

    /// Sets a value the system owns on item `id` (read-only properties such as `mac-address`).
    pub fn set_system_value(&mut self, menu: &MenuDef, id: u32, prop: &str, value: &str) {
        if let Some(item) = self
            .tables
            .get_mut(menu.storage)
            .and_then(|t| t.items.iter_mut().find(|i| i.id == id))
        {
            item.values.insert(String::from(prop), String::from(value));
        }
    }

    /// `set`: changes item `id` (for a singleton menu `id` is ignored and the one item is created on
    /// first use).
    pub fn set(
        &mut self,
        menu: &'static MenuDef,
        id: u32,
        changes: &[Change],
    ) -> Result<(), ModelError> {
        let mut item = if menu.kind == MenuKind::Singleton {
            self.singleton(menu).cloned().unwrap_or(Item {
                id: 0,
                values: BTreeMap::new(),
            })
        } else {
            self.item(menu, id).cloned().ok_or(ModelError::NoSuchItem)?
        };
        self.apply_changes(&mut item, changes)?;
        if let Some(key) = menu.key
            && menu.prop(key).is_some_and(|p| p.required)
            && !item.values.contains_key(key)
        {
            return Err(ModelError::Missing(String::from(key)));
        }
        self.check_unique(menu, &item)?;
        let table = self.tables.entry(String::from(menu.storage)).or_default();
        match table.items.iter_mut().find(|i| i.id == item.id) {
            Some(slot) => *slot = item,
            None => table.items.push(item),
        }
        Ok(())
    }

    /// `remove`: deletes item `id`. Items the system owns cannot be removed.
    pub fn remove(&mut self, menu: &MenuDef, id: u32) -> Result<(), ModelError> {
        if matches!(menu.kind, MenuKind::Fixed | MenuKind::Singleton) {
            return Err(ModelError::Failure(String::from(
                "can not remove this item",
            )));
        }
        let table = self
            .tables
            .get_mut(menu.storage)
            .ok_or(ModelError::NoSuchItem)?;
        let position = table
            .items
            .iter()
            .position(|i| i.id == id)
            .ok_or(ModelError::NoSuchItem)?;
        table.items.remove(position);
        Ok(())
    }

    /// `move`: puts `ids` (in the given order) before item `destination`, or last without one.
    pub fn move_before(
        &mut self,
        menu: &MenuDef,
        ids: &[u32],
        destination: Option<u32>,
    ) -> Result<(), ModelError> {
        if menu.kind != MenuKind::Ordered && menu.kind != MenuKind::List {
            return Err(ModelError::BadCommand);
        }
        let table = self
            .tables
            .get_mut(menu.storage)
            .ok_or(ModelError::NoSuchItem)?;
        if ids
            .iter()
            .any(|id| !table.items.iter().any(|i| i.id == *id))
            || destination.is_some_and(|d| !table.items.iter().any(|i| i.id == d))
        {
            return Err(ModelError::NoSuchItem);
        }
        if destination.is_some_and(|d| ids.contains(&d)) {
            return Ok(());
        }
        let mut moving = Vec::new();
        for id in ids {
            if let Some(position) = table.items.iter().position(|i| i.id == *id) {
                moving.push(table.items.remove(position));
            }
        }
        let at = destination
            .and_then(|d| table.items.iter().position(|i| i.id == d))
            .unwrap_or(table.items.len());
        for (offset, item) in moving.into_iter().enumerate() {
            table.items.insert(at + offset, item);
        }
        Ok(())
    }

    fn apply_changes(&self, item: &mut Item, changes: &[Change]) -> Result<(), ModelError> {
        for change in changes {
            match change {
                Change::Set(prop, raw) => {
                    if !prop.is_writable() {
                        return Err(ModelError::ReadOnly(prop.name));
                    }
                    let value = self.normalize(prop, raw)?;
                    item.values.insert(String::from(prop.name), value);
                }
                Change::Unset(prop) => {
                    if !prop.is_writable() {
                        return Err(ModelError::ReadOnly(prop.name));
                    }
                    item.values.remove(prop.name);
                }
            }
        }
        Ok(())
    }

    fn check_unique(&self, menu: &MenuDef, item: &Item) -> Result<(), ModelError> {
        for (props, message) in menu.unique {
            let key = |i: &Item| -> Vec<Option<String>> {
                props
                    .iter()
                    .map(|p| {
                        i.get(p)
                            .or_else(|| menu.prop(p).and_then(|d| d.default))
                            .map(|v| v.to_string())
                    })
                    .collect()
            };
            let mine = key(item);
            if mine.iter().all(Option::is_none) {
                continue;
            }
            if self
                .items(menu)
                .iter()
                .any(|other| other.id != item.id && key(other) == mine)
            {
                return Err(ModelError::Failure(String::from(
                    message.strip_prefix("failure: ").unwrap_or(message),
                )));
            }
        }
        Ok(())
    }
}
