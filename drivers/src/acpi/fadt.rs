//! Fixed ACPI Description Table, signature "FACP" (ACPI 6.x §5.2.9): the fields needed for S5 power-off,
//! reset and the legacy→ACPI mode switch.
//!
//! Register selection follows §5.2.9: an `X_` Generic Address field that is present (the table is long enough)
//! and non-zero supersedes the 32-bit legacy field; otherwise the legacy field, which always names a system-I/O
//! port, is used. Only system-I/O PM1 control blocks are usable here; one in any other address space is reported
//! as [`AcpiError::UnsupportedAddressSpace`].
//!
//! Guarantees: the table must be at least the ACPI 1.0 size ([`MIN_FADT_LEN`]); fields beyond the table's Length
//! are treated as absent, never read out of bounds.

use super::AcpiError;
use super::bytes::{u8_at, u16_at, u32_at, u64_at};
use super::gas::{AddressSpace, GenericAddress};
use super::power::ResetRegister;

// Byte offsets of FADT fields (§5.2.9, "FADT Format" table).
const DSDT: usize = 40;
const SCI_INT: usize = 46;
const SMI_CMD: usize = 48;
const ACPI_ENABLE: usize = 52;
const PM1A_CNT_BLK: usize = 64;
const PM1B_CNT_BLK: usize = 68;
const FLAGS: usize = 112;
const RESET_REG: usize = 116;
const RESET_VALUE: usize = 128;
const X_DSDT: usize = 140;
const X_PM1A_CNT_BLK: usize = 172;
const X_PM1B_CNT_BLK: usize = 184;

/// Length of the ACPI 1.0 FADT (through the Flags field); anything shorter is malformed.
pub const MIN_FADT_LEN: usize = 116;

/// Fixed Feature Flags bit 10, RESET_REG_SUP: the RESET_REG/RESET_VALUE fields are valid (§5.2.9, "Fixed ACPI
/// Description Table Fixed Feature Flags" table).
pub const FLAG_RESET_REG_SUP: u32 = 1 << 10;

/// The FADT facts this crate uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fadt {
    /// Physical address of the DSDT (X_DSDT when present and non-zero, else DSDT).
    pub dsdt: u64,
    pub sci_int: u16,
    pub smi_cmd: u32,
    pub acpi_enable: u8,
    pub pm1a_cnt: Option<u16>,
    pub pm1b_cnt: Option<u16>,
    pub flags: u32,
    pub reset: Option<ResetRegister>,
}

/// Extracts the FADT facts from a validated FADT (`table` includes the 36-byte header).
pub fn parse_fadt(table: &[u8]) -> Result<Fadt, AcpiError> {
    if table.len() < MIN_FADT_LEN {
        return Err(AcpiError::FadtTooShort {
            length: u32::try_from(table.len()).unwrap_or(u32::MAX),
        });
    }
    let flags = u32_at(table, FLAGS).unwrap_or(0);

    let x_dsdt = u64_at(table, X_DSDT).unwrap_or(0);
    let dsdt = if x_dsdt != 0 {
        x_dsdt
    } else {
        u64::from(u32_at(table, DSDT).unwrap_or(0))
    };
    if dsdt == 0 {
        return Err(AcpiError::NoDsdt);
    }

    Ok(Fadt {
        dsdt,
        sci_int: u16_at(table, SCI_INT).unwrap_or(0),
        smi_cmd: u32_at(table, SMI_CMD).unwrap_or(0),
        acpi_enable: u8_at(table, ACPI_ENABLE).unwrap_or(0),
        pm1a_cnt: io_register(table, PM1A_CNT_BLK, X_PM1A_CNT_BLK, "PM1a_CNT_BLK")?,
        pm1b_cnt: io_register(table, PM1B_CNT_BLK, X_PM1B_CNT_BLK, "PM1b_CNT_BLK")?,
        flags,
        reset: reset_register(table, flags),
    })
}

/// Chooses between the X_ GAS and the legacy 32-bit port field of one register block.
fn io_register(
    table: &[u8],
    legacy: usize,
    extended: usize,
    name: &'static str,
) -> Result<Option<u16>, AcpiError> {
    if let Some(gas) = GenericAddress::parse(table, extended)
        && gas.address != 0
    {
        if gas.space != AddressSpace::SystemIo {
            return Err(AcpiError::UnsupportedAddressSpace {
                register: name,
                space: gas.space,
            });
        }
        return port(gas.address, name).map(Some);
    }
    match u32_at(table, legacy).unwrap_or(0) {
        0 => Ok(None),
        address => port(u64::from(address), name).map(Some),
    }
}

fn port(address: u64, register: &'static str) -> Result<u16, AcpiError> {
    u16::try_from(address).map_err(|_| AcpiError::PortOutOfRange { register, address })
}

/// RESET_REG + RESET_VALUE, only when RESET_REG_SUP is set, the fields exist, and the address is non-zero.
fn reset_register(table: &[u8], flags: u32) -> Option<ResetRegister> {
    if flags & FLAG_RESET_REG_SUP == 0 {
        return None;
    }
    let gas = GenericAddress::parse(table, RESET_REG)?;
    let value = u8_at(table, RESET_VALUE)?;
    (gas.address != 0).then_some(ResetRegister {
        space: gas.space,
        address: gas.address,
        value,
    })
}
