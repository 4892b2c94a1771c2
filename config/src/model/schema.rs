//! How menus are described: a [`MenuDef`] names a menu's path, what kind of items it holds, and its
//! properties ([`PropDef`]) with their value syntax, defaults and access. The definitions are static data
//! (see [`super::menus`]); the CLI, `export`, the store and the REST API all read them, so a property is
//! defined once for every front end.

use super::gateway::Family;
use crate::value::ValueType;

/// What a menu holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MenuKind {
    /// A list of items the user adds and removes (`/ip address`).
    List,
    /// A list whose order matters (firewall rules): `add place-before=`, `move`.
    Ordered,
    /// Exactly one item, set without an item reference (`/ip dns set servers=...`).
    Singleton,
    /// Items that exist because hardware does (`/interface ethernet`): `set` only, no `add`/`remove`.
    Fixed,
}

/// The syntax of a property's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropType {
    /// A plain value, stored in the canonical form of its [`ValueType`].
    Value(ValueType),
    /// A reference to an item of another menu (by its key property on input and output); stored as the
    /// target's `*ID`, so renaming the target (`/interface set ether1 name=wan`) keeps the reference.
    /// `builtin` names are accepted and stored as written (`all`, `none` for interface lists).
    Ref {
        menu: &'static str,
        builtin: &'static [&'static str],
    },
}

/// Who may write a property.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Set by `add`/`set`, stored, exported.
    ReadWrite,
    /// Computed or reported by the running system (`running`, counters); never stored.
    ReadOnly,
}

/// One property of a menu's items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PropDef {
    /// The RouterOS name (`dst-address`).
    pub name: &'static str,
    pub ty: PropType,
    /// The canonical default, shown by `print` and left out of a compact `export`; `None`: unset.
    pub default: Option<&'static str>,
    /// `add` fails without it.
    pub required: bool,
    pub access: Access,
    /// A leading `!` negates the value (firewall matchers: `in-interface=!ether1`).
    pub negatable: bool,
    /// A [`PropType::Ref`] written as a route gateway list ([`super::gateway`]) of this family's
    /// addresses: addresses, references and `address%reference`, comma separated, instead of one name.
    pub gateway: Option<Family>,
    /// Another name the property is accepted under on input (exactly, not abbreviated); it is always
    /// printed and exported under `name`.
    pub alias: Option<&'static str>,
    /// `name=""` sets it back to its default rather than being an invalid value (`/ip service set www
    /// address=""` allows every source again, as in RouterOS).
    pub empty_unsets: bool,
}

impl PropDef {
    /// A writable property without default.
    pub const fn new(name: &'static str, ty: ValueType) -> Self {
        PropDef {
            name,
            ty: PropType::Value(ty),
            default: None,
            required: false,
            access: Access::ReadWrite,
            negatable: false,
            gateway: None,
            alias: None,
            empty_unsets: false,
        }
    }

    /// A writable reference to an item of `menu`.
    pub const fn reference(name: &'static str, menu: &'static str) -> Self {
        PropDef {
            name,
            ty: PropType::Ref { menu, builtin: &[] },
            default: None,
            required: false,
            access: Access::ReadWrite,
            negatable: false,
            gateway: None,
            alias: None,
            empty_unsets: false,
        }
    }

    /// A writable IPv4 route gateway list whose interfaces are references to items of `menu`
    /// (`gateway=10.0.0.1`, `ether1`, `10.0.0.1%ether1`; see [`super::gateway`]).
    pub const fn gateways(name: &'static str, menu: &'static str) -> Self {
        let mut prop = PropDef::reference(name, menu);
        prop.gateway = Some(Family::Ipv4);
        prop
    }

    /// A writable IPv6 route gateway list (`gateway=2001:db8::1`, `ether1`, `fe80::1%ether1`).
    pub const fn ipv6_gateways(name: &'static str, menu: &'static str) -> Self {
        let mut prop = PropDef::reference(name, menu);
        prop.gateway = Some(Family::Ipv6);
        prop
    }

    /// Builder: the default value (canonical).
    pub const fn default(mut self, value: &'static str) -> Self {
        self.default = Some(value);
        self
    }

    /// Builder: required on `add`.
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Builder: read-only (reported by the system).
    pub const fn read_only(mut self) -> Self {
        self.access = Access::ReadOnly;
        self
    }

    /// Builder: accepts `!value`.
    pub const fn negatable(mut self) -> Self {
        self.negatable = true;
        self
    }

    /// Builder: an empty value unsets it (see [`PropDef::empty_unsets`]).
    pub const fn empty_unsets(mut self) -> Self {
        self.empty_unsets = true;
        self
    }

    /// Builder: another name accepted on input (see [`PropDef::alias`]).
    pub const fn alias(mut self, alias: &'static str) -> Self {
        self.alias = Some(alias);
        self
    }

    /// Builder: names accepted besides the referenced items (`all`).
    pub const fn builtin(mut self, names: &'static [&'static str]) -> Self {
        if let PropType::Ref { menu, .. } = self.ty {
            self.ty = PropType::Ref {
                menu,
                builtin: names,
            };
        }
        self
    }

    pub fn is_writable(&self) -> bool {
        self.access == Access::ReadWrite
    }
}

/// How `print` lays a menu out (routeros-reference.md §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrintStyle {
    /// A table with these columns (property names).
    Columns(&'static [&'static str]),
    /// One property list per item (rule menus, and singletons).
    Properties,
}

/// A flag letter shown in `print` and the property that sets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlagDef {
    pub letter: char,
    /// The legend word (`disabled`); the v7 column-print legend shows it upper case.
    pub name: &'static str,
    /// A boolean property (stored or read-only) whose `yes` sets the flag.
    pub property: &'static str,
    /// Shares its place in the flags column with the flag before it in the menu's list, as flags no item
    /// has together do in RouterOS v7 (`X - DISABLED, I - INVALID`; `c - CONNECT, s - STATIC`): the legend
    /// joins them with `, ` instead of `; `.
    pub joins: bool,
}

/// The flags every menu with these properties shows.
pub const FLAG_DISABLED: FlagDef = FlagDef {
    letter: 'X',
    name: "disabled",
    property: "disabled",
    joins: false,
};
pub const FLAG_DYNAMIC: FlagDef = FlagDef {
    letter: 'D',
    name: "dynamic",
    property: "dynamic",
    joins: false,
};
pub const FLAG_INVALID: FlagDef = FlagDef {
    letter: 'I',
    name: "invalid",
    property: "invalid",
    // After `X`: a disabled item is not checked, so it is never also invalid.
    joins: true,
};
pub const FLAG_RUNNING: FlagDef = FlagDef {
    letter: 'R',
    name: "running",
    property: "running",
    joins: false,
};

/// One menu.
#[derive(Clone, Copy, Debug)]
pub struct MenuDef {
    /// Words from the root, `/`-separated, without the leading `/`: `ip/firewall/filter`.
    pub path: &'static str,
    pub kind: MenuKind,
    /// Where the items live: usually `path`; `/interface ethernet` shows the items of `interface`.
    pub storage: &'static str,
    pub props: &'static [PropDef],
    /// The property that names an item (`name`), used by item references and `Ref` properties.
    pub key: Option<&'static str>,
    /// Property sets that must be unique among the items, each with the error RouterOS prints.
    pub unique: &'static [(&'static [&'static str], &'static str)],
    pub print: PrintStyle,
    pub flags: &'static [FlagDef],
}

impl MenuDef {
    /// The property called exactly `name`.
    pub fn prop(&self, name: &str) -> Option<&'static PropDef> {
        self.props.iter().find(|p| p.name == name)
    }

    /// The property `word` names, exactly, by its alias or as an unambiguous abbreviation (RouterOS
    /// accepts `dst-addr=` for `dst-address=`). `Err(true)` when ambiguous, `Err(false)` when unknown.
    pub fn resolve_prop(&self, word: &str) -> Result<&'static PropDef, bool> {
        if let Some(exact) = self.prop(word) {
            return Ok(exact);
        }
        if let Some(aliased) = self.props.iter().find(|p| p.alias == Some(word)) {
            return Ok(aliased);
        }
        let mut found = self.props.iter().filter(|p| p.name.starts_with(word));
        match (found.next(), found.next()) {
            (Some(only), None) if !word.is_empty() => Ok(only),
            (Some(_), Some(_)) => Err(true),
            _ => Err(false),
        }
    }

    /// The words of the path.
    pub fn words(&self) -> impl Iterator<Item = &'static str> {
        self.path.split('/').filter(|w| !w.is_empty())
    }

    /// `/ip firewall filter` (how `export` heads a section).
    pub fn display_path(&self) -> alloc::string::String {
        let mut out = alloc::string::String::new();
        for word in self.words() {
            out.push(if out.is_empty() { '/' } else { ' ' });
            out.push_str(word);
        }
        out
    }
}
