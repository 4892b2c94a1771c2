//! The physical frame allocator: hands out 4 KiB frames of RAM the firmware reported usable.
//!
//! Frames come from the bootloader's memory map in order, a bump pointer per region, so contiguous runs
//! (DMA rings) are cheap; frames handed back go onto a free list that later single-frame requests reuse.
//! Physical page 0 is never handed out. The allocator never gives out a frame twice: `tests` in `ktest`
//! check distinctness, alignment and that every frame lies in a usable region.

use alloc::vec::Vec;

use bootloader_api::info::{MemoryRegion, MemoryRegionKind};
use x86_64::PhysAddr;
use x86_64::structures::paging::{FrameAllocator, FrameDeallocator, PhysFrame, Size4KiB};

const FRAME_SIZE: u64 = 4096;

pub struct Frames {
    regions: &'static [MemoryRegion],
    /// Index of the region the bump pointer is in.
    region: usize,
    /// Next never-used frame address in `regions[region]`.
    next: u64,
    /// Frames given back; empty until the heap exists (pushing needs it).
    free: Vec<PhysFrame>,
    /// Runs left behind before the heap existed (a contiguous request skipped the rest of a region); they
    /// join `free` in `heap_ready`. Few: one per region skipped.
    early_retired: [(u64, u64); 8],
    early_retired_len: usize,
    heap_ready: bool,
    total_bytes: u64,
    allocated: u64,
}

fn usable(region: &MemoryRegion) -> bool {
    region.kind == MemoryRegionKind::Usable
}

fn align_up(value: u64) -> u64 {
    value.div_ceil(FRAME_SIZE) * FRAME_SIZE
}

impl Frames {
    pub fn new(regions: &'static [MemoryRegion]) -> Self {
        let total_bytes = regions
            .iter()
            .filter(|r| usable(r))
            .map(|r| r.end.saturating_sub(align_up(r.start)) & !(FRAME_SIZE - 1))
            .sum();
        let mut frames = Self {
            regions,
            region: 0,
            next: 0,
            free: Vec::new(),
            early_retired: [(0, 0); 8],
            early_retired_len: 0,
            heap_ready: false,
            total_bytes,
            allocated: 0,
        };
        frames.enter_region(0);
        frames
    }

    /// Moves the bump pointer to the first usable region at or after `index`.
    fn enter_region(&mut self, index: usize) {
        self.region = index;
        while let Some(region) = self.regions.get(self.region) {
            if usable(region) {
                self.next = align_up(region.start.max(FRAME_SIZE));
                return;
            }
            self.region += 1;
        }
    }

    /// Marks the heap usable, so freed frames can be kept on the free list.
    pub fn heap_ready(&mut self) {
        self.heap_ready = true;
        for index in 0..self.early_retired_len {
            let (mut start, end) = self.early_retired[index];
            while start + FRAME_SIZE <= end {
                if let Ok(frame) = PhysFrame::from_start_address(PhysAddr::new(start)) {
                    self.free.push(frame);
                }
                start += FRAME_SIZE;
            }
        }
        self.early_retired_len = 0;
    }

    /// The largest run of frames a single `allocate_contiguous` could still return, in bytes.
    pub fn largest_run_bytes(&self) -> u64 {
        self.regions
            .iter()
            .enumerate()
            .skip(self.region)
            .filter(|(_, r)| usable(r))
            .map(|(i, r)| {
                let start = if i == self.region {
                    self.next
                } else {
                    align_up(r.start.max(FRAME_SIZE))
                };
                r.end.saturating_sub(start) & !(FRAME_SIZE - 1)
            })
            .max()
            .unwrap_or(0)
    }

    /// Bytes of usable RAM in the memory map.
    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    /// Bytes not handed out (never used plus freed).
    pub fn free_bytes(&self) -> u64 {
        self.total_bytes.saturating_sub(self.allocated * FRAME_SIZE)
    }

    /// Allocates `count` physically contiguous frames and returns the first. A single frame may come
    /// from the free list (frames given back, and the rest of regions the bump pointer left behind);
    /// longer runs only from never-used memory.
    pub fn allocate_contiguous(&mut self, count: u64) -> Option<PhysFrame> {
        if count == 1 {
            return self.allocate_frame();
        }
        self.bump(count)
    }

    /// Takes `count` frames from the bump pointer, moving on to the next region when this one is too
    /// short (its rest goes to single frames).
    fn bump(&mut self, count: u64) -> Option<PhysFrame> {
        if count == 0 {
            return None;
        }
        let bytes = count.checked_mul(FRAME_SIZE)?;
        loop {
            let region = self.regions.get(self.region)?;
            if let Some(end) = self.next.checked_add(bytes)
                && end <= region.end
            {
                let start = self.next;
                self.next = end;
                self.allocated += count;
                return PhysFrame::from_start_address(PhysAddr::new(start)).ok();
            }
            // Not enough room left here: keep the remainder for single frames, move on.
            self.retire_rest_of_region();
            self.enter_region(self.region + 1);
        }
    }

    fn retire_rest_of_region(&mut self) {
        let Some(region) = self.regions.get(self.region) else {
            return;
        };
        if !self.heap_ready {
            if self.next + FRAME_SIZE <= region.end
                && self.early_retired_len < self.early_retired.len()
            {
                self.early_retired[self.early_retired_len] = (self.next, region.end);
                self.early_retired_len += 1;
            }
            return;
        }
        while self.heap_ready && self.next + FRAME_SIZE <= region.end {
            if let Ok(frame) = PhysFrame::from_start_address(PhysAddr::new(self.next)) {
                self.free.push(frame);
            }
            self.next += FRAME_SIZE;
        }
    }
}

// SAFETY: every frame returned is usable RAM per the firmware's memory map, aligned, and handed out once:
// bump pointers only move forward and the free list only holds frames given back by their owner.
unsafe impl FrameAllocator<Size4KiB> for Frames {
    fn allocate_frame(&mut self) -> Option<PhysFrame<Size4KiB>> {
        if let Some(frame) = self.free.pop() {
            self.allocated += 1;
            return Some(frame);
        }
        self.bump(1)
    }
}

impl FrameDeallocator<Size4KiB> for Frames {
    /// Takes a frame back. Before the heap exists the frame is leaked (nothing frees that early).
    unsafe fn deallocate_frame(&mut self, frame: PhysFrame<Size4KiB>) {
        if self.heap_ready {
            self.free.push(frame);
            self.allocated = self.allocated.saturating_sub(1);
        }
    }
}
