//! Reading one item's properties as the engine needs them: the stored value or the property's default,
//! parsed with the typed parsers of [`crate::value`], and references resolved to the items they point at.
//!
//! Values in the configuration are canonical (the model checked them on `add`/`set`), so a parse failure
//! here means a configuration restored from elsewhere or a bug; it is reported as
//! `invalid value for argument X`, never a panic.

use alloc::string::{String, ToString};

use crate::model::menus;
use crate::model::{Config, Item, MenuDef, ModelError, parse_id};
use crate::value;

/// The properties of one item of `menu`.
#[derive(Clone, Copy)]
pub(super) struct Props<'a> {
    pub menu: &'a MenuDef,
    pub item: &'a Item,
}

impl<'a> Props<'a> {
    pub fn new(menu: &'a MenuDef, item: &'a Item) -> Self {
        Props { menu, item }
    }

    /// The stored value of `name`, or its default.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.item
            .get(name)
            .or_else(|| self.menu.prop(name).and_then(|p| p.default))
    }

    /// Whether the boolean `name` reads `yes` (absent and malformed read as `no`).
    pub fn flag(&self, name: &str) -> bool {
        self.get(name).and_then(value::parse_bool) == Some(true)
    }

    /// `name` parsed with `parse`; `Ok(None)` when it is not set and has no default.
    pub fn parsed<T>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<Option<T>, ModelError> {
        match self.get(name) {
            None => Ok(None),
            Some(text) => parse(text).map(Some).ok_or_else(|| invalid(name, text)),
        }
    }

    /// An integer property within `min..=max`, as `T`.
    pub fn integer<T: TryFrom<i64>>(&self, name: &'static str) -> Result<Option<T>, ModelError> {
        self.parsed(name, |text| {
            value::parse_integer(text).and_then(|n| T::try_from(n).ok())
        })
    }
}

/// `invalid value for argument NAME`, with the offending text as the reason.
pub(super) fn invalid(argument: &'static str, text: &str) -> ModelError {
    let mut reason = String::from("can not use ");
    // Reasons are for `verbose` reports; a few dozen characters identify the value.
    reason.extend(text.chars().take(64));
    ModelError::InvalidValue { argument, reason }
}

/// `failure: MESSAGE`.
pub(super) fn failure(message: &str) -> ModelError {
    ModelError::Failure(message.to_string())
}

/// What a stored reference points at.
pub(super) enum Target<'a> {
    /// An item of the target menu.
    Item(&'a Item),
    /// One of the menu's built-in names (`all`), stored as written.
    Builtin(&'a str),
    /// The item is gone (it was removed after the reference was made).
    Dangling,
}

/// Resolves a stored reference value (`*2`, without its `!`) to an item of `target_menu`.
pub(super) fn resolve<'a>(config: &'a Config, target_menu: &str, stored: &'a str) -> Target<'a> {
    let Some(id) = parse_id(stored) else {
        return Target::Builtin(stored);
    };
    match menus::menu(target_menu).and_then(|m| config.item(m, id)) {
        Some(item) => Target::Item(item),
        None => Target::Dangling,
    }
}

/// Splits a leading `!` (negation) off a stored value.
pub(super) fn negation(stored: &str) -> (bool, &str) {
    match stored.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, stored),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Change;

    #[test]
    fn stored_values_win_over_defaults_and_references_resolve() {
        let mut config = Config::new();
        let interface = menus::menu("interface").unwrap();
        config
            .add_system_item(interface, &[("name", "ether1"), ("default-name", "ether1")])
            .unwrap();
        let item = config.items(interface).first().unwrap().clone();
        let props = Props::new(interface, &item);
        assert_eq!(props.get("name"), Some("ether1"));
        assert_eq!(props.get("mtu"), Some("1500"));
        assert_eq!(props.integer::<u16>("mtu"), Ok(Some(1500)));
        assert_eq!(props.integer::<u8>("mtu"), Err(invalid("mtu", "1500")));
        assert!(!props.flag("disabled"));
        assert_eq!(props.get("comment"), None);

        let address = menus::menu("ip/address").unwrap();
        let prop = |name| address.prop(name).unwrap();
        let id = config
            .add(
                address,
                &[
                    Change::Set(prop("address"), "10.0.0.1/24".into()),
                    Change::Set(prop("interface"), "ether1".into()),
                ],
                None,
            )
            .unwrap();
        let stored = config.item(address, id).unwrap().get("interface").unwrap();
        assert!(
            matches!(resolve(&config, "interface", stored), Target::Item(i) if i.id == item.id)
        );
        assert!(matches!(
            resolve(&config, "interface", "*99"),
            Target::Dangling
        ));
        assert!(matches!(
            resolve(&config, "interface/list", "all"),
            Target::Builtin("all")
        ));
        assert_eq!(negation("!*2"), (true, "*2"));
        assert_eq!(negation("*2"), (false, "*2"));
    }
}
