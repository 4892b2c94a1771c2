//! Virtual memory: the bootloader's page tables, the physical-memory window, frames and the kernel heap.
//!
//! The bootloader maps all physical memory at `physical_memory_offset`, so a physical address `p` is readable
//! at `offset + p` (DMA buffers, ACPI tables, page tables). The window covers at least the first 4 GiB, so
//! most device registers are reachable through it too; registers above it are mapped on demand into a
//! top-level (PML4) slot of their own ([`map_mmio`]).
//!
//! The heap is one physically contiguous run of frames used through the window, so any heap address
//! translates to a physical one by subtracting the offset ([`virt_to_phys`]): packet buffers on the heap can
//! be handed to devices directly (virtio queues). Its size is half the usable RAM (at least 4 MiB, at most
//! 1 GiB, at most the largest contiguous run); the rest stays as frames for DMA rings and page tables.

use bootloader_api::info::MemoryRegion;
use linked_list_allocator::LockedHeap;
use spin::Mutex;
use x86_64::registers::control::Cr3;
use x86_64::structures::paging::{
    Mapper, OffsetPageTable, Page, PageTable, PageTableFlags, Size4KiB,
};
use x86_64::{PhysAddr, VirtAddr};

use crate::frame_allocator::Frames;

#[global_allocator]
static HEAP: LockedHeap = LockedHeap::empty();

pub static FRAMES: Mutex<Option<Frames>> = Mutex::new(None);
static MAPPER: Mutex<Option<OffsetPageTable<'static>>> = Mutex::new(None);
/// Next free virtual address in the MMIO slot, and its end.
static MMIO_NEXT: Mutex<(u64, u64)> = Mutex::new((0, 0));
/// The bootloader maps at least this much physical memory (bootloader 0.11: "always cover the first 4 GiB").
const MIN_WINDOW: u64 = 1 << 32;
static PHYS_OFFSET: spin::Once<u64> = spin::Once::new();
static PHYS_WINDOW_END: spin::Once<u64> = spin::Once::new();

const MIN_HEAP: u64 = 4 << 20;
const MAX_HEAP: u64 = 1 << 30;

/// What `init` set up, for the boot log and `/system resource`.
pub struct MemoryInfo {
    pub usable_bytes: u64,
    pub heap_start: u64,
    pub heap_bytes: u64,
}

#[derive(Debug)]
pub enum MemoryError {
    NoPhysicalMapping,
    NoFreeTopLevelSlot,
    OutOfFrames,
}

/// Sets up the frame allocator and maps and initialises the heap.
pub fn init(
    phys_offset: Option<u64>,
    regions: &'static [MemoryRegion],
) -> Result<MemoryInfo, MemoryError> {
    let offset = phys_offset.ok_or(MemoryError::NoPhysicalMapping)?;
    PHYS_OFFSET.call_once(|| offset);
    PHYS_WINDOW_END.call_once(|| regions.iter().map(|r| r.end).max().unwrap_or(0));
    let (level_4, _) = Cr3::read();
    let table_ptr = (offset + level_4.start_address().as_u64()) as *mut PageTable;
    // SAFETY: the bootloader mapped all physical memory at `offset`, CR3 points at the live level-4 table,
    // and this is the only reference to it we ever create (kept in MAPPER).
    let level_4_table = unsafe { &mut *table_ptr };
    let mmio_slot = (1..256)
        .find(|&i| level_4_table[i].is_unused())
        .ok_or(MemoryError::NoFreeTopLevelSlot)?;
    // SAFETY: as above; `offset` is the bootloader's physical-memory window.
    let mapper = unsafe { OffsetPageTable::new(level_4_table, VirtAddr::new(offset)) };

    let mut frames = Frames::new(regions);
    let usable_bytes = frames.total_bytes();
    let two_mib = (2 << 20) - 1;
    let heap_bytes = ((usable_bytes / 2).clamp(MIN_HEAP, MAX_HEAP) & !two_mib)
        .min(frames.largest_run_bytes().saturating_sub(1 << 20) & !two_mib);
    if heap_bytes < MIN_HEAP {
        return Err(MemoryError::OutOfFrames);
    }
    let heap_frame = frames
        .allocate_contiguous(heap_bytes / 4096)
        .ok_or(MemoryError::OutOfFrames)?;
    let heap_start = offset + heap_frame.start_address().as_u64();
    // SAFETY: the frames were just taken from the allocator for the heap alone, and the window maps them
    // writable at `heap_start`.
    unsafe { HEAP.lock().init(heap_start as *mut u8, heap_bytes as usize) };
    frames.heap_ready();
    *FRAMES.lock() = Some(frames);
    *MAPPER.lock() = Some(mapper);
    let mmio_base = (mmio_slot as u64) << 39;
    *MMIO_NEXT.lock() = (mmio_base, mmio_base + (1 << 39));
    Ok(MemoryInfo {
        usable_bytes,
        heap_start,
        heap_bytes,
    })
}

/// The virtual address at which physical address `phys` is readable.
pub fn phys_to_virt(phys: PhysAddr) -> VirtAddr {
    VirtAddr::new(PHYS_OFFSET.get().copied().unwrap_or(0) + phys.as_u64())
}

/// End of the physical range the bootloader mapped (the highest memory-map address, at least 4 GiB).
pub fn phys_window_end() -> u64 {
    PHYS_WINDOW_END.get().copied().unwrap_or(0).max(MIN_WINDOW)
}

/// The physical address behind `virt`: direct for the window (heap, DMA memory), through the page tables
/// otherwise (the kernel's stack and statics). `None` if unmapped.
pub fn virt_to_phys(virt: VirtAddr) -> Option<PhysAddr> {
    let offset = PHYS_OFFSET.get().copied()?;
    let v = virt.as_u64();
    if v >= offset && v - offset < phys_window_end() {
        return Some(PhysAddr::new(v - offset));
    }
    use x86_64::structures::paging::Translate;
    MAPPER.lock().as_ref()?.translate_addr(virt)
}

/// A virtual address at which the device registers at `phys..phys + size` can be accessed: the window if
/// it covers them, otherwise fresh uncached mappings in the MMIO slot. `None` if mapping failed.
pub fn map_mmio(phys: PhysAddr, size: u64) -> Option<VirtAddr> {
    let end = phys.as_u64().checked_add(size)?;
    if end <= phys_window_end() {
        return Some(phys_to_virt(phys));
    }
    let first = phys.align_down(4096u64).as_u64();
    let pages = (end - first).div_ceil(4096);
    let mut next = MMIO_NEXT.lock();
    let base = next.0;
    let limit = base.checked_add(pages * 4096)?;
    if limit > next.1 {
        return None;
    }
    let mut mapper = MAPPER.lock();
    let mapper = mapper.as_mut()?;
    let mut frames = FRAMES.lock();
    let frames = frames.as_mut()?;
    let flags = PageTableFlags::PRESENT
        | PageTableFlags::WRITABLE
        | PageTableFlags::NO_CACHE
        | PageTableFlags::WRITE_THROUGH
        | PageTableFlags::NO_EXECUTE;
    for i in 0..pages {
        let page = Page::<Size4KiB>::containing_address(VirtAddr::new(base + i * 4096));
        let frame = x86_64::structures::paging::PhysFrame::containing_address(PhysAddr::new(
            first + i * 4096,
        ));
        // SAFETY: the page lies in the MMIO slot, which nothing else maps, and the frame is device memory
        // the PCI BAR assigned to the device being set up (not RAM the allocator hands out).
        unsafe { mapper.map_to(page, frame, flags, frames) }
            .ok()?
            .flush();
    }
    next.0 = limit;
    Some(VirtAddr::new(base + (phys.as_u64() - first)))
}

/// Free bytes: heap not in use plus frames not handed out (the heap's own frames count as handed out).
pub fn free_bytes() -> u64 {
    let heap_free = HEAP.lock().free() as u64;
    let frames_free = FRAMES.lock().as_ref().map_or(0, Frames::free_bytes);
    heap_free + frames_free
}

/// Usable RAM in the memory map.
pub fn total_bytes() -> u64 {
    FRAMES.lock().as_ref().map_or(0, Frames::total_bytes)
}

/// Bytes of heap in use (tests use this to check that memory is given back).
#[cfg_attr(not(feature = "ktest"), allow(dead_code))]
pub fn heap_used() -> usize {
    HEAP.lock().used()
}
