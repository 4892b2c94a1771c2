//! Memory shared with devices (descriptor rings, packet buffers), behind a trait so drivers stay safe code.
//!
//! The kernel implements [`DmaAllocator`] with physically contiguous frames from its frame allocator and
//! [`DmaRegion`] with volatile accesses through the physical-memory window; the host tests use
//! [`fake::VecDma`], plain heap memory whose "physical" addresses are invented and stable.
//!
//! Ordering: x86 keeps stores in program order (TSO), so the only thing a driver must prevent is the
//! *compiler* moving a buffer or descriptor write past the register write that hands it to the device.
//! Drivers call `core::sync::atomic::fence(Ordering::SeqCst)` before every doorbell and after reading a
//! descriptor's done bit, before reading what the device wrote.

/// A physically contiguous, zero-initialised region shared with a device. Integers are little-endian.
pub trait DmaRegion {
    /// Physical (bus) address of byte 0, what the device is told.
    fn phys(&self) -> u64;
    /// Length in bytes.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Volatile reads and writes of naturally aligned integers at `offset`. Out-of-range or misaligned
    /// offsets read 0 and ignore writes (a driver bug, never memory unsafety).
    fn read_u16(&self, offset: usize) -> u16;
    fn read_u32(&self, offset: usize) -> u32;
    fn read_u64(&self, offset: usize) -> u64;
    fn write_u16(&mut self, offset: usize, value: u16);
    fn write_u32(&mut self, offset: usize, value: u32);
    fn write_u64(&mut self, offset: usize, value: u64);
    /// Lends bytes `start..start + len` (clamped to the region) to `f`, for payloads the device is not
    /// touching right now (a received frame after its descriptor's done bit was seen).
    fn with_bytes(&self, start: usize, len: usize, f: &mut dyn FnMut(&[u8]));
    /// Copies `data` to `offset` (clamped to the region); returns how many bytes were written.
    fn write_bytes(&mut self, offset: usize, data: &[u8]) -> usize;
}

/// Hands out DMA regions. Regions are released when dropped.
pub trait DmaAllocator {
    type Region: DmaRegion;
    /// A zeroed region of at least `bytes` bytes, aligned to 4096, or `None` when memory is exhausted.
    fn allocate(&mut self, bytes: usize) -> Option<Self::Region>;
}

/// A heap-backed implementation for host tests (and fake devices that "DMA" by reading the region).
pub mod fake {
    use alloc::rc::Rc;
    use alloc::vec;
    use alloc::vec::Vec;
    use core::cell::RefCell;

    use super::{DmaAllocator, DmaRegion};

    /// One region: its invented physical address and its bytes. The memory is shared (`Rc`) so that a fake
    /// device reads and writes the same bytes the driver sees, as real DMA would.
    #[derive(Clone, Debug)]
    pub struct VecRegion {
        phys: u64,
        memory: Rc<RefCell<Vec<u8>>>,
    }

    impl VecRegion {
        /// The shared memory, as the fake device sees it.
        pub fn memory(&self) -> Rc<RefCell<Vec<u8>>> {
            Rc::clone(&self.memory)
        }
    }

    impl DmaRegion for VecRegion {
        fn phys(&self) -> u64 {
            self.phys
        }
        fn len(&self) -> usize {
            self.memory.borrow().len()
        }
        fn read_u16(&self, offset: usize) -> u16 {
            read::<2>(&self.memory.borrow(), offset).map_or(0, u16::from_le_bytes)
        }
        fn read_u32(&self, offset: usize) -> u32 {
            read::<4>(&self.memory.borrow(), offset).map_or(0, u32::from_le_bytes)
        }
        fn read_u64(&self, offset: usize) -> u64 {
            read::<8>(&self.memory.borrow(), offset).map_or(0, u64::from_le_bytes)
        }
        fn write_u16(&mut self, offset: usize, value: u16) {
            write(&mut self.memory.borrow_mut(), offset, &value.to_le_bytes());
        }
        fn write_u32(&mut self, offset: usize, value: u32) {
            write(&mut self.memory.borrow_mut(), offset, &value.to_le_bytes());
        }
        fn write_u64(&mut self, offset: usize, value: u64) {
            write(&mut self.memory.borrow_mut(), offset, &value.to_le_bytes());
        }
        fn with_bytes(&self, start: usize, len: usize, f: &mut dyn FnMut(&[u8])) {
            let memory = self.memory.borrow();
            let start = start.min(memory.len());
            let end = start.saturating_add(len).min(memory.len());
            f(&memory[start..end]);
        }
        fn write_bytes(&mut self, offset: usize, data: &[u8]) -> usize {
            let mut memory = self.memory.borrow_mut();
            let start = offset.min(memory.len());
            let end = start.saturating_add(data.len()).min(memory.len());
            let n = end - start;
            memory[start..end].copy_from_slice(&data[..n]);
            n
        }
    }

    fn read<const N: usize>(memory: &[u8], offset: usize) -> Option<[u8; N]> {
        if !offset.is_multiple_of(N) {
            return None;
        }
        memory.get(offset..offset.checked_add(N)?)?.try_into().ok()
    }

    fn write(memory: &mut [u8], offset: usize, bytes: &[u8]) {
        if !offset.is_multiple_of(bytes.len()) {
            return;
        }
        if let Some(end) = offset.checked_add(bytes.len())
            && let Some(target) = memory.get_mut(offset..end)
        {
            target.copy_from_slice(bytes);
        }
    }

    /// Allocates [`VecRegion`]s at invented, page-aligned, never-reused physical addresses; can be told to
    /// fail after a number of allocations to test out-of-memory paths.
    #[derive(Debug)]
    pub struct VecDma {
        next_phys: u64,
        /// Allocations left before `allocate` starts failing (`None`: unlimited).
        pub budget: Option<usize>,
        /// Every region handed out, so a fake device can find memory by physical address.
        pub regions: Vec<VecRegion>,
    }

    impl Default for VecDma {
        fn default() -> Self {
            Self {
                next_phys: 0x10_0000,
                budget: None,
                regions: Vec::new(),
            }
        }
    }

    impl DmaAllocator for VecDma {
        type Region = VecRegion;
        fn allocate(&mut self, bytes: usize) -> Option<VecRegion> {
            if let Some(budget) = self.budget.as_mut() {
                *budget = budget.checked_sub(1)?;
            }
            let rounded = bytes.max(1).div_ceil(4096) * 4096;
            let phys = self.next_phys;
            self.next_phys = phys + rounded as u64 + 4096;
            let region = VecRegion {
                phys,
                memory: Rc::new(RefCell::new(vec![0; bytes])),
            };
            self.regions.push(region.clone());
            Some(region)
        }
    }
}
