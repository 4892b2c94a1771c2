//! Reading physical memory through the kernel-supplied [`PhysicalMemory`] trait.
//!
//! Guarantees: a refused read or an address range that would wrap past 2^64 becomes
//! [`AcpiError::Unreadable`]; buffers are allocated fallibly, so a huge length becomes
//! [`AcpiError::OutOfMemory`] instead of an allocation abort. Callers bound every length before calling.

use alloc::vec::Vec;

use super::AcpiError;

/// Read-only access to physical memory, implemented by the kernel (through its physical-memory mapping) and by
/// test fakes.
pub trait PhysicalMemory {
    /// Fills `buf` with the bytes at `phys_addr ..`; returns false — leaving `buf` unspecified — if any part of
    /// the range is outside RAM/firmware memory or not mapped.
    fn read(&self, phys_addr: u64, buf: &mut [u8]) -> bool;
}

/// Reads a fixed-size structure.
pub(crate) fn read_array<const N: usize>(
    mem: &impl PhysicalMemory,
    address: u64,
) -> Result<[u8; N], AcpiError> {
    let mut buf = [0u8; N];
    read_into(mem, address, &mut buf)?;
    Ok(buf)
}

/// Reads `len` bytes into a new vector.
pub(crate) fn read_vec(
    mem: &impl PhysicalMemory,
    address: u64,
    len: usize,
) -> Result<Vec<u8>, AcpiError> {
    let mut buf = Vec::new();
    buf.try_reserve_exact(len)
        .map_err(|_| AcpiError::OutOfMemory { len })?;
    buf.resize(len, 0);
    read_into(mem, address, &mut buf)?;
    Ok(buf)
}

fn read_into(mem: &impl PhysicalMemory, address: u64, buf: &mut [u8]) -> Result<(), AcpiError> {
    let len = buf.len();
    let wraps = u64::try_from(len)
        .ok()
        .and_then(|l| address.checked_add(l))
        .is_none();
    if wraps || !mem.read(address, buf) {
        return Err(AcpiError::Unreadable { address, len });
    }
    Ok(())
}
