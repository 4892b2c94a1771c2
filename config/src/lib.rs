//! Configuration of the appliance, RouterOS style.
//!
//! This crate will hold the RouterOS object model and the RouterOS console language. Today it holds the
//! serial-console front end: a [`Shell`] that owns a line editor and passes each complete line to a command
//! interpreter, which knows `/system resource print`, `/system reboot`, `/system shutdown`, `/interface print`
//! (also `stats`) and `/interface ethernet print`. The kernel feeds it console bytes and provides the system
//! through [`SystemControl`].
//!
//! Everything here is `no_std` (with `alloc`), free of `unsafe`, and total: no input byte sequence makes it panic.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod apply;
pub mod command;
pub mod history;
pub mod interface;
pub mod key;
pub mod line_editor;
pub mod model;
pub mod property_list;
pub mod resource;
pub mod script;
pub mod shell;
pub mod store;
pub mod table;
pub mod value;
pub mod words;

pub use interface::InterfaceInfo;
pub use resource::ResourceInfo;
pub use shell::{Shell, SystemControl};
