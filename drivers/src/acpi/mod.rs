//! ACPI: just enough table parsing to power the machine off (S5) and reset it, without an AML interpreter.
//!
//! Path: RSDP (ACPI 6.x §5.2.5) → RSDT/XSDT (§5.2.7/§5.2.8) → FADT "FACP" (§5.2.9) → DSDT (§5.2.11.1) →
//! `\_S5` package (§7.4.2, found by a byte scan, see [`find_s5`]). The kernel provides [`PhysicalMemory`] and
//! the RSDP address from the bootloader; [`discover`] returns a [`PowerControl`] whose
//! [`shutdown_writes`](PowerControl::shutdown_writes) are the port writes for soft-off.
//!
//! Guarantees: all reads go through [`PhysicalMemory`] with bounded lengths; every table is checked (signature,
//! length, checksum); every field access is bounds-checked. Malformed or malicious tables yield an
//! [`AcpiError`], never a panic or an unbounded loop.
//!
//! Files: `memory` (trait), `bytes` (LE fields), `checksum`, `error`, `rsdp`, `sdt` (header + table read),
//! `root` (RSDT/XSDT walk), `gas` (Generic Address Structure), `fadt`, `s5` (AML scan), `power` (result and
//! register values), `discover` (the pipeline).

mod bytes;
mod checksum;
mod discover;
mod error;
mod fadt;
mod gas;
mod memory;
mod power;
mod root;
mod rsdp;
mod s5;
mod sdt;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;

pub use discover::discover;
pub use error::AcpiError;
pub use fadt::{FLAG_RESET_REG_SUP, Fadt, MIN_FADT_LEN, parse_fadt};
pub use gas::{AddressSpace, GenericAddress};
pub use memory::PhysicalMemory;
pub use power::{
    PowerControl, ResetRegister, SCI_EN, SLP_EN, SLP_TYP_MASK, SLP_TYP_SHIFT, needs_enable,
    sleep_control_value,
};
pub use root::MAX_ROOT_ENTRIES;
pub use rsdp::{MAX_RSDP_LEN, Rsdp, read_rsdp};
pub use s5::{SleepTypes, find_s5};
pub use sdt::{HEADER_LEN, MAX_TABLE_LEN, SdtHeader, Signature};
