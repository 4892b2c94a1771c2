//! Virtual memory: the bootloader's page tables, the physical-memory window, frames and the kernel heap.
//!
//! The bootloader maps all physical memory at `physical_memory_offset`, so a physical address `p` is readable
//! at `offset + p` (DMA buffers, ACPI tables, page tables). The heap is mapped into the first free top-level
//! (PML4) slot, so it cannot collide with anything the bootloader placed; its size is half the usable RAM
//! (at least 4 MiB, at most 1 GiB), the other half stays as frames for DMA and page tables.

use bootloader_api::info::MemoryRegion;
use linked_list_allocator::LockedHeap;
use spin::Mutex;
use x86_64::registers::control::Cr3;
use x86_64::structures::paging::{
    FrameAllocator, Mapper, OffsetPageTable, Page, PageTable, PageTableFlags, Size4KiB,
};
use x86_64::{PhysAddr, VirtAddr};

use crate::frame_allocator::Frames;

#[global_allocator]
static HEAP: LockedHeap = LockedHeap::empty();

pub static FRAMES: Mutex<Option<Frames>> = Mutex::new(None);
static MAPPER: Mutex<Option<OffsetPageTable<'static>>> = Mutex::new(None);
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
    MapFailed,
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
    let slot = (1..256)
        .find(|&i| level_4_table[i].is_unused())
        .ok_or(MemoryError::NoFreeTopLevelSlot)?;
    // SAFETY: as above; `offset` is the bootloader's physical-memory window.
    let mut mapper = unsafe { OffsetPageTable::new(level_4_table, VirtAddr::new(offset)) };

    let mut frames = Frames::new(regions);
    let usable_bytes = frames.total_bytes();
    let heap_bytes = (usable_bytes / 2).clamp(MIN_HEAP, MAX_HEAP) & !((2 << 20) - 1);
    let heap_start = (slot as u64) << 39;
    let start_page = Page::<Size4KiB>::containing_address(VirtAddr::new(heap_start));
    let end_page = Page::containing_address(VirtAddr::new(heap_start + heap_bytes - 1));
    let flags = PageTableFlags::PRESENT | PageTableFlags::WRITABLE;
    for page in Page::range_inclusive(start_page, end_page) {
        let frame = frames.allocate_frame().ok_or(MemoryError::OutOfFrames)?;
        // SAFETY: the page lies in a PML4 slot nothing else uses, and the frame is fresh RAM.
        unsafe { mapper.map_to(page, frame, flags, &mut frames) }
            .map_err(|_| MemoryError::MapFailed)?
            .flush();
    }
    // SAFETY: the range was just mapped writable and is used by nothing but the heap.
    unsafe { HEAP.lock().init(heap_start as *mut u8, heap_bytes as usize) };
    frames.heap_ready();
    *FRAMES.lock() = Some(frames);
    *MAPPER.lock() = Some(mapper);
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

/// End of the physical range the bootloader mapped (the highest memory-map address).
pub fn phys_window_end() -> u64 {
    PHYS_WINDOW_END.get().copied().unwrap_or(0)
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
