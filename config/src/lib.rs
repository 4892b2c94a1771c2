//! Configuration of the appliance, RouterOS style: the object model, its language, and its storage.
//!
//! | module | idea |
//! |---|---|
//! | [`model`] | menus and properties defined once; the [`model::Config`] database of items with `*ID`s |
//! | [`value`] | property value syntaxes, canonical forms, typed parsers, export quoting |
//! | [`script`] | the RouterOS script/CLI language parsed into a syntax tree with line/column positions |
//! | [`cli`] | the interpreter: menus, commands, `print`, `export`/`import`, scripting, undo/redo |
//! | [`apply`] | the configuration compiled into the running packet engine, and what the engine reports back |
//! | [`log_memory`] | the bounded in-memory log `/log print` shows, filled without allocating |
//! | [`store`] | the config partition: two-slot power-safe store and the baked-in configuration |
//! | [`shell`] | the serial console: line editor, prompt, confirmations, around the interpreter |
//! | [`login`] | the console's login and password dialogs; users' passwords stored as salted hashes |
//! | [`safe_mode`] | RouterOS safe mode: a console session's changes undone unless it releases them |
//! | [`clock`] | the router's calendar: dates and times of day, their RouterOS forms, the time zone |
//! | [`scheduler`] | `/system scheduler`: which items are due, running them, scripts' run counters |
//!
//! The kernel feeds console bytes to a [`Shell`] together with the live [`model::Config`] and a
//! [`SystemControl`] that applies configurations to the engine and answers questions about the system.
//!
//! Everything here is `no_std` (with `alloc`), free of `unsafe`, and total: no input makes it panic.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod apply;
pub mod boot;
pub mod cli;
pub mod clock;
pub mod history;
pub mod interface;
pub mod key;
pub mod line_editor;
pub mod log_memory;
pub mod login;
pub mod model;
pub mod property_list;
pub mod resource;
pub mod rest;
pub mod safe_mode;
pub mod scheduler;
pub mod script;
pub mod shell;
pub mod store;
pub mod table;
pub mod value;

pub use interface::InterfaceInfo;
pub use resource::ResourceInfo;
pub use shell::{Shell, SystemControl};
