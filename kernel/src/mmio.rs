//! Device registers in memory space (PCI memory BARs), as the drivers crate's register traits.

use drivers::e1000;
use x86_64::PhysAddr;

use crate::memory;

/// A mapped register block: `len` bytes of device memory at `base`.
pub struct MmioRegisters {
    base: *mut u8,
    len: usize,
}

// SAFETY: the block is device memory owned by one driver; moving the owner between contexts is fine.
unsafe impl Send for MmioRegisters {}

impl MmioRegisters {
    /// Maps `len` bytes of registers at physical `phys` (uncached where the kernel maps them itself).
    pub fn map(phys: u64, len: usize) -> Option<Self> {
        let virt = memory::map_mmio(PhysAddr::new(phys), len as u64)?;
        Some(Self {
            base: virt.as_mut_ptr(),
            len,
        })
    }

    fn register(&self, offset: u32) -> Option<*mut u32> {
        let offset = offset as usize;
        if !offset.is_multiple_of(4) || offset.checked_add(4)? > self.len {
            return None;
        }
        // SAFETY: `offset + 4 <= len`, inside the mapped block.
        Some(unsafe { self.base.add(offset) }.cast::<u32>())
    }
}

impl e1000::Registers for MmioRegisters {
    /// Out-of-range or misaligned offsets read as all ones, like a master abort.
    fn read(&mut self, offset: u32) -> u32 {
        // SAFETY: `register` checked bounds and alignment; registers need volatile 32-bit accesses
        // (8254x SDM §13: "all registers … are 32-bit … accessed as 32-bit").
        self.register(offset)
            .map_or(u32::MAX, |r| unsafe { r.read_volatile() })
    }

    fn write(&mut self, offset: u32, value: u32) {
        if let Some(r) = self.register(offset) {
            // SAFETY: as for `read`.
            unsafe { r.write_volatile(value) }
        }
    }
}
