//! Walking the root table — RSDT (ACPI 6.x §5.2.7, 32-bit entries) or XSDT (§5.2.8, 64-bit entries) — to find a
//! table by signature.
//!
//! Guarantees: the root table itself is fully validated ([`read_table`]); at most [`MAX_ROOT_ENTRIES`] entries are
//! examined; entries that are zero or point at unreadable memory are skipped (and counted) rather than trusted;
//! the matching table is fully validated before it is returned. Trailing bytes that do not form a whole entry are
//! ignored.

use alloc::vec::Vec;

use super::AcpiError;
use super::bytes::{u32_at, u64_at};
use super::memory::PhysicalMemory;
use super::sdt::{HEADER_LEN, Signature, read_header, read_table};

/// Most root-table entries this crate will look at (real firmware lists a few dozen).
pub const MAX_ROOT_ENTRIES: usize = 1024;

/// Result of a root-table search.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The validated table bytes.
    Found(Vec<u8>),
    /// Not listed; `unreadable` entries could not be inspected.
    Missing { unreadable: usize },
}

/// Looks for the first table with `wanted` signature in the root table at `root` (`root_sig` is RSDT or XSDT).
pub fn find_table(
    mem: &impl PhysicalMemory,
    root: u64,
    root_sig: Signature,
    wanted: Signature,
) -> Result<Lookup, AcpiError> {
    let table = read_table(mem, root, root_sig)?;
    let entry_len = if root_sig == Signature::XSDT { 8 } else { 4 };
    let body = table.get(HEADER_LEN..).unwrap_or(&[]);
    let count = body.len() / entry_len;
    if count > MAX_ROOT_ENTRIES {
        return Err(AcpiError::TooManyEntries {
            signature: root_sig,
            count,
        });
    }

    let mut unreadable = 0;
    for index in 0..count {
        let offset = index * entry_len;
        let entry = if entry_len == 8 {
            u64_at(body, offset)
        } else {
            u32_at(body, offset).map(u64::from)
        };
        let Some(address) = entry.filter(|&a| a != 0) else {
            continue;
        };
        match read_header(mem, address) {
            Ok(header) if header.signature == wanted => {
                return read_table(mem, address, wanted).map(Lookup::Found);
            }
            Ok(_) => {}
            Err(_) => unreadable += 1,
        }
    }
    Ok(Lookup::Missing { unreadable })
}
