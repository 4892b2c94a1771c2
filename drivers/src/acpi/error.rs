//! Everything that can be wrong with the firmware's ACPI tables, as far as power-off and reset are concerned.
//!
//! Guarantees: each variant carries enough context (address, signature, offending value) for a one-line boot-log
//! message via `Display`.

use core::fmt;

use super::gas::AddressSpace;
use super::sdt::Signature;

/// Why [`discover`](super::discover) failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcpiError {
    /// [`PhysicalMemory::read`](super::PhysicalMemory::read) refused the range (outside RAM / unmapped), or the
    /// range would wrap around the address space.
    Unreadable { address: u64, len: usize },
    /// A buffer of `len` bytes could not be allocated.
    OutOfMemory { len: usize },
    /// The RSDP does not start with `"RSD PTR "` (§5.2.5.3).
    BadRsdpSignature { address: u64 },
    /// The first 20 RSDP bytes do not sum to zero (§5.2.5.3, Checksum).
    BadRsdpChecksum { address: u64 },
    /// An ACPI 2.0+ RSDP's Length field is out of range (§5.2.5.3, Length).
    BadRsdpLength { address: u64, length: u32 },
    /// The whole ACPI 2.0+ RSDP does not sum to zero (§5.2.5.3, Extended Checksum).
    BadRsdpExtendedChecksum { address: u64 },
    /// A pointer led to a table with a different signature.
    BadSignature {
        address: u64,
        expected: Signature,
        found: Signature,
    },
    /// A table's Length is smaller than its header or larger than this crate's bound (§5.2.6).
    BadTableLength { signature: Signature, length: u32 },
    /// The header is readable but the Length bytes it claims are not.
    TableTruncated {
        signature: Signature,
        address: u64,
        length: u32,
    },
    /// A table's bytes do not sum to zero (§5.2.6).
    BadTableChecksum { signature: Signature, address: u64 },
    /// The RSDT/XSDT lists more entries than this crate is willing to walk.
    TooManyEntries { signature: Signature, count: usize },
    /// No FADT ("FACP") in the RSDT/XSDT; `unreadable_entries` counts entries that pointed at unreadable memory
    /// (one of them may have been the FADT).
    NoFadt { unreadable_entries: usize },
    /// The FADT is shorter than the ACPI 1.0 layout (§5.2.9).
    FadtTooShort { length: u32 },
    /// A register needed for power-off lives in an address space this crate cannot drive (only system I/O is).
    UnsupportedAddressSpace {
        register: &'static str,
        space: AddressSpace,
    },
    /// An I/O register address does not fit the 16-bit x86 port space.
    PortOutOfRange {
        register: &'static str,
        address: u64,
    },
    /// Both DSDT and X_DSDT in the FADT are zero.
    NoDsdt,
    /// The DSDT has no `Name(_S5_, Package {...})` definition.
    NoS5,
    /// The `_S5_` package was found but could not be decoded.
    BadS5 { offset: usize, reason: &'static str },
}

impl fmt::Display for AcpiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            AcpiError::Unreadable { address, len } => {
                write!(f, "physical memory {address:#x}+{len:#x} is not readable")
            }
            AcpiError::OutOfMemory { len } => {
                write!(f, "cannot allocate {len} bytes for an ACPI table")
            }
            AcpiError::BadRsdpSignature { address } => {
                write!(f, "no RSDP signature at {address:#x}")
            }
            AcpiError::BadRsdpChecksum { address } => {
                write!(f, "bad RSDP checksum at {address:#x}")
            }
            AcpiError::BadRsdpLength { address, length } => {
                write!(f, "bad RSDP length {length} at {address:#x}")
            }
            AcpiError::BadRsdpExtendedChecksum { address } => {
                write!(f, "bad RSDP extended checksum at {address:#x}")
            }
            AcpiError::BadSignature {
                address,
                expected,
                found,
            } => {
                write!(
                    f,
                    "expected {expected} table at {address:#x}, found \"{found}\""
                )
            }
            AcpiError::BadTableLength { signature, length } => {
                write!(f, "{signature} table has bad length {length}")
            }
            AcpiError::TableTruncated {
                signature,
                address,
                length,
            } => {
                write!(
                    f,
                    "{signature} table at {address:#x} truncated: {length} bytes claimed but not readable"
                )
            }
            AcpiError::BadTableChecksum { signature, address } => {
                write!(f, "bad {signature} table checksum at {address:#x}")
            }
            AcpiError::TooManyEntries { signature, count } => {
                write!(f, "{signature} lists too many tables ({count})")
            }
            AcpiError::NoFadt {
                unreadable_entries: 0,
            } => f.write_str("no FADT (FACP) table"),
            AcpiError::NoFadt { unreadable_entries } => {
                write!(
                    f,
                    "no FADT (FACP) table ({unreadable_entries} root-table entries unreadable)"
                )
            }
            AcpiError::FadtTooShort { length } => write!(f, "FADT too short ({length} bytes)"),
            AcpiError::UnsupportedAddressSpace { register, space } => {
                write!(f, "{register} is in {space}, only system I/O is supported")
            }
            AcpiError::PortOutOfRange { register, address } => {
                write!(
                    f,
                    "{register} address {address:#x} is not a 16-bit I/O port"
                )
            }
            AcpiError::NoDsdt => f.write_str("FADT has no DSDT address"),
            AcpiError::NoS5 => f.write_str("no \\_S5 package in the DSDT"),
            AcpiError::BadS5 { offset, reason } => {
                write!(f, "malformed \\_S5 package at DSDT+{offset:#x}: {reason}")
            }
        }
    }
}
