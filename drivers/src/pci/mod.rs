//! PCI: enumeration of the configuration-space hierarchy and the per-function facts drivers need.
//!
//! The kernel supplies raw configuration-space access through [`ConfigSpace`] (mechanism #1, ports 0xCF8/0xCFC,
//! PCI Local Bus Spec 3.0 §3.2.2.3.2); everything else — walking buses and bridges, sizing BARs, flipping
//! Command bits, naming devices for the boot log — is here and runs unchanged against test fakes.
//!
//! Guarantees: no panics and no unbounded loops whatever the hardware answers (see [`enumerate`] and
//! [`probe_bars`] for the exact bounds); all config writes are undone except the explicit `enable_*` calls.
//!
//! Files: `address` (bus:dev.fn), `config` (trait, offsets, narrow reads), `bar` (BAR decode/size), `device`
//! (one function's header), `enumerate` (bus scan), `command` (enable bits), `names` + `display` (boot log).

mod address;
mod bar;
mod command;
mod config;
mod device;
mod display;
mod enumerate;
mod names;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;

pub use address::{DEVICES_PER_BUS, FUNCTIONS_PER_DEVICE, PciAddress};
pub use bar::{Bar, MAX_BARS, bar_count, probe_bars};
pub use command::{
    COMMAND_BUS_MASTER, COMMAND_INTX_DISABLE, COMMAND_IO_SPACE, COMMAND_MEMORY_SPACE,
    enable_bus_master, enable_io_space, enable_memory_space, update_command,
};
pub use config::{ConfigSpace, write_command};
pub use device::{PciDevice, read_function, secondary_bus};
pub use enumerate::enumerate;
pub use names::{class_name, device_name};

/// Configuration-header register offsets and header-type constants.
pub mod regs {
    pub use super::config::{
        BAR0, CLASS, COMMAND, DEVICE_ID, HEADER_LAYOUT_BRIDGE, HEADER_LAYOUT_CARDBUS,
        HEADER_LAYOUT_DEVICE, HEADER_MULTI_FUNCTION, HEADER_TYPE, INTERRUPT_LINE, INTERRUPT_PIN,
        PROG_IF, REVISION_ID, SECONDARY_BUS, STATUS, SUBCLASS, VENDOR_ID,
    };
    pub use super::device::{
        CLASS_BRIDGE, SUBCLASS_HOST_BRIDGE, SUBCLASS_PCI_BRIDGE, SUBCLASS_SEMI_TRANSPARENT_BRIDGE,
    };
}
