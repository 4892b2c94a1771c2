//! The one entry point the kernel calls: RSDP → RSDT/XSDT → FADT → DSDT → `\_S5`, combined into a
//! [`PowerControl`].
//!
//! Guarantees: every table on the path is validated (signature, length bounds, checksum) before use; the DSDT is
//! read only up to [`MAX_TABLE_LEN`](super::MAX_TABLE_LEN) bytes; any inconsistency is an [`AcpiError`], never a
//! panic.

use super::AcpiError;
use super::fadt::parse_fadt;
use super::memory::PhysicalMemory;
use super::power::PowerControl;
use super::root::{Lookup, find_table};
use super::rsdp::read_rsdp;
use super::s5::find_s5;
use super::sdt::{HEADER_LEN, Signature, read_table};

/// Finds the power-off and reset facts starting from the RSDP at `rsdp_addr` (the bootloader reports it).
pub fn discover(mem: &impl PhysicalMemory, rsdp_addr: u64) -> Result<PowerControl, AcpiError> {
    let rsdp = read_rsdp(mem, rsdp_addr)?;
    let (root, root_sig) = rsdp.root_table();
    let fadt = match find_table(mem, root, root_sig, Signature::FADT)? {
        Lookup::Found(table) => parse_fadt(&table)?,
        Lookup::Missing { unreadable } => {
            return Err(AcpiError::NoFadt {
                unreadable_entries: unreadable,
            });
        }
    };
    let dsdt = read_table(mem, fadt.dsdt, Signature::DSDT)?;
    let sleep = find_s5(dsdt.get(HEADER_LEN..).unwrap_or(&[]))?;

    Ok(PowerControl {
        pm1a_cnt: fadt.pm1a_cnt,
        pm1b_cnt: fadt.pm1b_cnt,
        slp_typ_a: sleep.a,
        slp_typ_b: sleep.b,
        reset: fadt.reset,
        sci_irq: fadt.sci_int,
        smi_cmd: fadt.smi_cmd,
        acpi_enable: fadt.acpi_enable,
    })
}
