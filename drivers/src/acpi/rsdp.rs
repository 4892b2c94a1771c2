//! Root System Description Pointer (ACPI 6.x §5.2.5).
//!
//! Layout (§5.2.5.3): Signature "RSD PTR " (8), Checksum (1, over bytes 0..20), OEMID (6), Revision (1),
//! RsdtAddress (4) — that is the whole ACPI 1.0 structure (Revision 0). Revision 2 and later append Length (4),
//! XsdtAddress (8), Extended Checksum (1, over all Length bytes) and 3 reserved bytes.
//!
//! Guarantees: the 1.0 checksum is always verified; for Revision ≥ 2 the Length must be 36..=[`MAX_RSDP_LEN`]
//! and the extended checksum is verified too. The root table chosen is the XSDT when Revision ≥ 2 and
//! XsdtAddress is non-zero (§5.2.5.3: an ACPI 2.0+ OS uses the XSDT), otherwise the RSDT.

use super::AcpiError;
use super::bytes::{u8_at, u32_at, u64_at};
use super::checksum;
use super::memory::{PhysicalMemory, read_array, read_vec};
use super::sdt::Signature;

const SIGNATURE: &[u8; 8] = b"RSD PTR ";
/// Size of the ACPI 1.0 structure covered by the first checksum.
const V1_LEN: usize = 20;
/// Size of the ACPI 2.0+ structure.
const V2_LEN: usize = 36;
/// Upper bound on an ACPI 2.0+ RSDP's Length field (the structure is 36 bytes today; allow growth).
pub const MAX_RSDP_LEN: u32 = 4096;

/// The parts of the RSDP this crate uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rsdp {
    pub revision: u8,
    pub rsdt_address: u32,
    /// XsdtAddress for Revision ≥ 2, `None` for ACPI 1.0.
    pub xsdt_address: Option<u64>,
}

impl Rsdp {
    /// The root table to walk: `(address, RSDT or XSDT signature)`.
    pub fn root_table(&self) -> (u64, Signature) {
        match self.xsdt_address {
            Some(xsdt) if xsdt != 0 => (xsdt, Signature::XSDT),
            _ => (u64::from(self.rsdt_address), Signature::RSDT),
        }
    }
}

/// Reads and validates the RSDP at `address`.
pub fn read_rsdp(mem: &impl PhysicalMemory, address: u64) -> Result<Rsdp, AcpiError> {
    let v1: [u8; V1_LEN] = read_array(mem, address)?;
    if v1.get(..8) != Some(&SIGNATURE[..]) {
        return Err(AcpiError::BadRsdpSignature { address });
    }
    if !checksum::is_valid(&v1) {
        return Err(AcpiError::BadRsdpChecksum { address });
    }
    let revision = u8_at(&v1, 15).unwrap_or(0);
    let rsdt_address = u32_at(&v1, 16).unwrap_or(0);
    if revision < 2 {
        return Ok(Rsdp {
            revision,
            rsdt_address,
            xsdt_address: None,
        });
    }

    let v2: [u8; V2_LEN] = read_array(mem, address)?;
    let length = u32_at(&v2, 20).unwrap_or(0);
    if !(V2_LEN as u32..=MAX_RSDP_LEN).contains(&length) {
        return Err(AcpiError::BadRsdpLength { address, length });
    }
    let whole = if length as usize == V2_LEN {
        v2.to_vec()
    } else {
        read_vec(mem, address, length as usize)?
    };
    if !checksum::is_valid(&whole) {
        return Err(AcpiError::BadRsdpExtendedChecksum { address });
    }
    Ok(Rsdp {
        revision,
        rsdt_address,
        xsdt_address: u64_at(&v2, 24),
    })
}
