//! The object model: every menu of the configuration ([`menus`]), described once ([`schema`]), and the
//! database of their items ([`config::Config`]). The CLI, `export`/`import`, the persistent store and the
//! REST API are views on it; [`crate::apply`] turns it into the running engine's tables.
//!
//! `no_std` + `alloc`, no `unsafe`, no panics on any input.

pub mod config;
pub mod error;
pub mod gateway;
pub mod menus;
pub mod schema;

pub use config::{Change, Config, Item, format_id, parse_id};
pub use error::ModelError;
pub use schema::{MenuDef, MenuKind, PropDef, PropType};
