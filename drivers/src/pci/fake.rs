//! Test double for [`ConfigSpace`]: a map of functions, each a 64-dword register file with per-bit write masks,
//! so BAR sizing behaves like hardware (writing all-ones reads back the size mask, writing the original restores
//! it) and Status behaves as RW1C. It also records protocol violations (a BAR holding all-ones while the function
//! decodes) and counts accesses so tests can check termination bounds.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::{ConfigSpace, PciAddress};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeFunction {
    pub regs: [u32; 64],
    pub writable: [u32; 64],
}

impl FakeFunction {
    pub fn new(vendor: u16, device: u16, class: u8, subclass: u8, prog_if: u8) -> Self {
        let mut regs = [0u32; 64];
        let mut writable = [0u32; 64];
        regs[0] = u32::from(vendor) | (u32::from(device) << 16);
        regs[2] = 0x01
            | (u32::from(prog_if) << 8)
            | (u32::from(subclass) << 16)
            | (u32::from(class) << 24);
        regs[1] = 0x0000_0007; // I/O + memory decoding + bus master, as firmware leaves them
        writable[1] = 0x0000_07ff;
        writable[15] = 0x0000_00ff; // interrupt line
        Self { regs, writable }
    }

    pub fn header(mut self, header_type: u8) -> Self {
        self.regs[3] = (self.regs[3] & !0x00ff_0000) | (u32::from(header_type) << 16);
        self
    }

    pub fn command(mut self, command: u16) -> Self {
        self.regs[1] = (self.regs[1] & 0xffff_0000) | u32::from(command);
        self
    }

    pub fn status(mut self, status: u16) -> Self {
        self.regs[1] = (self.regs[1] & 0x0000_ffff) | (u32::from(status) << 16);
        self
    }

    pub fn irq(mut self, line: u8, pin: u8) -> Self {
        self.regs[15] = u32::from(line) | (u32::from(pin) << 8);
        self
    }

    /// Type 1 header bus numbers: primary, secondary, subordinate.
    pub fn buses(mut self, primary: u8, secondary: u8, subordinate: u8) -> Self {
        self.regs[6] =
            u32::from(primary) | (u32::from(secondary) << 8) | (u32::from(subordinate) << 16);
        self
    }

    pub fn raw_bar(mut self, index: usize, value: u32, writable: u32) -> Self {
        self.regs[4 + index] = value;
        self.writable[4 + index] = writable;
        self
    }

    /// I/O BAR decoding 16 address bits (upper half reads back zero when sized, like many real devices).
    pub fn io_bar(self, index: usize, port: u32, size: u32) -> Self {
        self.raw_bar(index, port | 1, 0x0000_ffff & !(size - 1) & !0x3)
    }

    pub fn mem32_bar(self, index: usize, address: u32, size: u32, prefetchable: bool) -> Self {
        let flags = if prefetchable { 0x8 } else { 0 };
        self.raw_bar(index, address | flags, !(size - 1) & !0xf)
    }

    pub fn mem64_bar(self, index: usize, address: u64, size: u64, prefetchable: bool) -> Self {
        let flags = 0x4 | if prefetchable { 0x8 } else { 0 };
        let mask = !(size - 1);
        self.raw_bar(index, (address as u32 & !0xf) | flags, mask as u32 & !0xf)
            .raw_bar(index + 1, (address >> 32) as u32, (mask >> 32) as u32)
    }
}

#[derive(Default)]
pub struct FakePci {
    pub functions: BTreeMap<PciAddress, FakeFunction>,
    pub violations: Vec<String>,
    pub accesses: usize,
}

impl FakePci {
    pub fn with(mut self, bus: u8, device: u8, function: u8, f: FakeFunction) -> Self {
        self.functions
            .insert(PciAddress::new(bus, device, function).unwrap(), f);
        self
    }
}

impl ConfigSpace for FakePci {
    fn read32(&mut self, addr: PciAddress, offset: u8) -> u32 {
        assert_eq!(offset % 4, 0, "unaligned config read");
        self.accesses += 1;
        match self.functions.get(&addr) {
            Some(f) => f.regs[usize::from(offset / 4)],
            None => u32::MAX,
        }
    }

    fn write32(&mut self, addr: PciAddress, offset: u8, value: u32) {
        assert_eq!(offset % 4, 0, "unaligned config write");
        self.accesses += 1;
        let Some(f) = self.functions.get_mut(&addr) else {
            return;
        };
        let i = usize::from(offset / 4);
        if (4..=9).contains(&i) && value == u32::MAX && f.writable[i] != 0 && f.regs[1] & 0x3 != 0 {
            self.violations.push(alloc::format!(
                "{addr} BAR{} sized while decoding is on",
                i - 4
            ));
        }
        if i == 1 {
            // Command: plain RW bits; Status: RW1C (writing 1 clears, 0 leaves alone).
            let status = (f.regs[1] >> 16) & !(value >> 16);
            let command = (f.regs[1] & 0xffff & !f.writable[1]) | (value & f.writable[1] & 0xffff);
            f.regs[1] = (status << 16) | command;
        } else {
            f.regs[i] = (f.regs[i] & !f.writable[i]) | (value & f.writable[i]);
        }
    }
}
