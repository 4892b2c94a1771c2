//! Memory shared with devices: the kernel's implementation of `virtio_drivers::Hal` and of the drivers
//! crate's `DmaAllocator`/`DmaRegion`.
//!
//! DMA memory is physically contiguous runs of frames from the frame allocator, zeroed and used through the
//! bootloader's physical-memory window, so the CPU and the device see the same bytes at `phys` and
//! `phys_to_virt(phys)`. The heap is contiguous too (see `memory`), so buffers on it are shared with virtio
//! devices in place: `share` only translates the address. There is no IOMMU and the machine is cache-
//! coherent (x86), so sharing needs no copies or cache maintenance.

use core::ptr::NonNull;

use drivers::dma::{DmaAllocator, DmaRegion};
use virtio_drivers::{BufferDirection, Hal, PhysAddr as VirtioPhysAddr};
use x86_64::structures::paging::{FrameDeallocator, PhysFrame};
use x86_64::{PhysAddr, VirtAddr};

use crate::memory;

const PAGE: usize = 4096;

/// `pages` zeroed, physically contiguous frames; `None` when memory is exhausted.
fn allocate_frames(pages: usize) -> Option<PhysAddr> {
    let frame = memory::FRAMES
        .lock()
        .as_mut()?
        .allocate_contiguous(pages as u64)?;
    let start = frame.start_address();
    let virt = memory::phys_to_virt(start).as_mut_ptr::<u8>();
    // SAFETY: the run was just handed out by the frame allocator, so nothing else uses it, and the window
    // maps all `pages * PAGE` bytes writable at `virt`.
    unsafe { core::ptr::write_bytes(virt, 0, pages * PAGE) };
    Some(start)
}

fn free_frames(start: PhysAddr, pages: usize) {
    let mut frames = memory::FRAMES.lock();
    let Some(frames) = frames.as_mut() else {
        return;
    };
    for i in 0..pages as u64 {
        let frame = PhysFrame::containing_address(start + i * PAGE as u64);
        // SAFETY: the caller owned the run since `allocate_frames` and no device uses it any more.
        unsafe { frames.deallocate_frame(frame) };
    }
}

/// The kernel's `virtio_drivers::Hal`.
pub struct KernelHal;

// SAFETY: `dma_alloc` returns zeroed, contiguous, exclusively owned memory whose virtual and physical
// addresses correspond; `mmio_phys_to_virt` maps device registers; `share` returns the physical address of
// memory that is contiguous (heap or window) — see the module docs.
unsafe impl Hal for KernelHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (VirtioPhysAddr, NonNull<u8>) {
        match allocate_frames(pages) {
            Some(phys) => {
                let virt = memory::phys_to_virt(phys).as_mut_ptr::<u8>();
                (
                    phys.as_u64(),
                    NonNull::new(virt).unwrap_or(NonNull::dangling()),
                )
            }
            // virtio-drivers treats a zero physical address as failure of the queue setup.
            None => (0, NonNull::dangling()),
        }
    }

    unsafe fn dma_dealloc(paddr: VirtioPhysAddr, _vaddr: NonNull<u8>, pages: usize) -> i32 {
        free_frames(PhysAddr::new(paddr), pages);
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: VirtioPhysAddr, size: usize) -> NonNull<u8> {
        let virt = memory::map_mmio(PhysAddr::new(paddr), size as u64)
            .unwrap_or_else(|| panic!("cannot map device registers at {paddr:#x}"));
        NonNull::new(virt.as_mut_ptr()).unwrap_or(NonNull::dangling())
    }

    unsafe fn share(buffer: NonNull<[u8]>, _direction: BufferDirection) -> VirtioPhysAddr {
        let virt = VirtAddr::from_ptr(buffer.as_ptr() as *const u8);
        let phys = memory::virt_to_phys(virt)
            .unwrap_or_else(|| panic!("DMA buffer at {:#x} is not mapped", virt.as_u64()));
        // Outside the window (the stack) a buffer is only contiguous within its page.
        let len = buffer.len() as u64;
        let in_window = memory::virt_to_phys(virt + len.saturating_sub(1))
            .is_some_and(|end| end.as_u64() == phys.as_u64() + len.saturating_sub(1));
        assert!(
            in_window || len == 0,
            "DMA buffer is not physically contiguous"
        );
        phys.as_u64()
    }

    unsafe fn unshare(_paddr: VirtioPhysAddr, _buffer: NonNull<[u8]>, _direction: BufferDirection) {
    }
}

/// A DMA region for the drivers crate: owns its frames and frees them when dropped.
pub struct KernelRegion {
    phys: PhysAddr,
    virt: *mut u8,
    len: usize,
    pages: usize,
}

// SAFETY: the region exclusively owns its frames; moving it to another context moves that ownership.
unsafe impl Send for KernelRegion {}

impl KernelRegion {
    /// A pointer to a naturally aligned `T` at `offset`, or `None` if it does not fit or is misaligned.
    fn field<T>(&self, offset: usize) -> Option<*mut T> {
        let size = core::mem::size_of::<T>();
        if !offset.is_multiple_of(size) || offset.checked_add(size)? > self.len {
            return None;
        }
        // SAFETY: `offset + size <= len`, so the result stays inside the region's allocation.
        Some(unsafe { self.virt.add(offset) }.cast::<T>())
    }
}

impl DmaRegion for KernelRegion {
    fn phys(&self) -> u64 {
        self.phys.as_u64()
    }

    fn len(&self) -> usize {
        self.len
    }

    fn read_u16(&self, offset: usize) -> u16 {
        // SAFETY: `field` checked bounds and alignment; volatile because the device writes this memory.
        self.field::<u16>(offset)
            .map_or(0, |p| u16::from_le(unsafe { p.read_volatile() }))
    }

    fn read_u32(&self, offset: usize) -> u32 {
        // SAFETY: as for `read_u16`.
        self.field::<u32>(offset)
            .map_or(0, |p| u32::from_le(unsafe { p.read_volatile() }))
    }

    fn read_u64(&self, offset: usize) -> u64 {
        // SAFETY: as for `read_u16`.
        self.field::<u64>(offset)
            .map_or(0, |p| u64::from_le(unsafe { p.read_volatile() }))
    }

    fn write_u16(&mut self, offset: usize, value: u16) {
        if let Some(p) = self.field::<u16>(offset) {
            // SAFETY: `field` checked bounds and alignment; volatile because the device reads it.
            unsafe { p.write_volatile(value.to_le()) }
        }
    }

    fn write_u32(&mut self, offset: usize, value: u32) {
        if let Some(p) = self.field::<u32>(offset) {
            // SAFETY: as for `write_u16`.
            unsafe { p.write_volatile(value.to_le()) }
        }
    }

    fn write_u64(&mut self, offset: usize, value: u64) {
        if let Some(p) = self.field::<u64>(offset) {
            // SAFETY: as for `write_u16`.
            unsafe { p.write_volatile(value.to_le()) }
        }
    }

    fn with_bytes(&self, start: usize, len: usize, f: &mut dyn FnMut(&[u8])) {
        let start = start.min(self.len);
        let len = len.min(self.len - start);
        // SAFETY: the range lies inside the region; the driver calls this only for bytes the device has
        // finished writing (after seeing the descriptor's done bit), so nothing writes them meanwhile.
        let bytes = unsafe { core::slice::from_raw_parts(self.virt.add(start), len) };
        f(bytes)
    }

    fn write_bytes(&mut self, offset: usize, data: &[u8]) -> usize {
        let start = offset.min(self.len);
        let n = data.len().min(self.len - start);
        // SAFETY: the range lies inside the region, which we own; the device does not read it until the
        // driver hands the descriptor over (after a fence).
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), self.virt.add(start), n) };
        n
    }
}

impl Drop for KernelRegion {
    fn drop(&mut self) {
        free_frames(self.phys, self.pages);
    }
}

/// Allocates [`KernelRegion`]s from the frame allocator.
pub struct KernelDma;

impl DmaAllocator for KernelDma {
    type Region = KernelRegion;

    fn allocate(&mut self, bytes: usize) -> Option<KernelRegion> {
        let pages = bytes.max(1).div_ceil(PAGE);
        let phys = allocate_frames(pages)?;
        Some(KernelRegion {
            phys,
            virt: memory::phys_to_virt(phys).as_mut_ptr(),
            len: bytes,
            pages,
        })
    }
}
