//! Reading ACPI tables through the physical-memory window, for `drivers::acpi`.

use drivers::acpi::PhysicalMemory;
use x86_64::PhysAddr;

use crate::memory;

/// Physical memory as the bootloader mapped it. Reads are limited to the mapped window so a garbled table
/// pointer cannot fault.
pub struct MappedPhysicalMemory;

impl PhysicalMemory for MappedPhysicalMemory {
    fn read(&self, phys_addr: u64, buf: &mut [u8]) -> bool {
        let Some(end) = phys_addr.checked_add(buf.len() as u64) else {
            return false;
        };
        if end > memory::phys_window_end() {
            return false;
        }
        let src = memory::phys_to_virt(PhysAddr::new(phys_addr)).as_ptr::<u8>();
        // SAFETY: the bootloader maps every physical address below the end of the highest memory-map region
        // (firmware tables included) at the physical-memory offset; the range was bounds-checked above and `buf` is a
        // distinct, writable Rust buffer. ACPI tables are plain bytes, read with no side effects.
        unsafe { core::ptr::copy_nonoverlapping(src, buf.as_mut_ptr(), buf.len()) };
        true
    }
}
