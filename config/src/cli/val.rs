//! Values of the script language at run time: what a command returns (`[find]` gives item IDs, `get` a
//! string) and what variables hold. RouterOS scripts are loosely typed; everything converts to text the way
//! `:put` prints it.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::model::format_id;
use crate::script::Script;

/// A run-time value.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Val {
    /// No value (`:put [/ip address add ...]` of a command that returns nothing).
    #[default]
    Nothing,
    Str(String),
    Num(i64),
    Bool(bool),
    /// An item `*ID` of a menu.
    Id(u32),
    Array(Vec<Val>),
    /// A `{ ... }` block, run by `:if`, `:do`, `:foreach`.
    Code(Script),
}

impl Val {
    /// The text `:put` prints and a property receives.
    pub fn to_text(&self) -> String {
        match self {
            Val::Nothing => String::new(),
            Val::Str(s) => s.clone(),
            Val::Num(n) => format!("{n}"),
            Val::Bool(true) => String::from("true"),
            Val::Bool(false) => String::from("false"),
            Val::Id(id) => format_id(*id),
            Val::Array(items) => {
                let parts: Vec<String> = items.iter().map(Val::to_text).collect();
                parts.join(";")
            }
            // A block given as a value (`source={...}`, `on-event={...}`) is kept as its text.
            Val::Code(script) => {
                let lines: Vec<&str> = script.commands.iter().map(|c| c.text.as_str()).collect();
                lines.join("\n")
            }
        }
    }

    /// Truth for `:if` and `where`: booleans, `yes`/`true`, non-zero numbers.
    pub fn truthy(&self) -> bool {
        match self {
            Val::Bool(b) => *b,
            Val::Num(n) => *n != 0,
            Val::Str(s) => matches!(s.as_str(), "true" | "yes"),
            Val::Array(items) => !items.is_empty(),
            Val::Id(_) | Val::Code(_) => true,
            Val::Nothing => false,
        }
    }

    /// The item IDs this value names, if it is made of IDs.
    pub fn ids(&self) -> Option<Vec<u32>> {
        match self {
            Val::Id(id) => Some(alloc::vec![*id]),
            Val::Array(items) => items
                .iter()
                .map(|v| match v {
                    Val::Id(id) => Some(*id),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }
}
