//! Test doubles: a sparse physical address space made of separately placed byte regions (a read succeeds only
//! if it falls entirely inside one region), and builders for RSDP/SDT/FADT images with correct checksums.

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;

use super::PhysicalMemory;

#[derive(Clone, Default)]
pub struct FakeMemory {
    pub regions: BTreeMap<u64, Vec<u8>>,
}

impl FakeMemory {
    pub fn place(&mut self, address: u64, bytes: Vec<u8>) -> &mut Self {
        self.regions.insert(address, bytes);
        self
    }
}

impl PhysicalMemory for FakeMemory {
    fn read(&self, phys_addr: u64, buf: &mut [u8]) -> bool {
        let Some((&base, region)) = self.regions.range(..=phys_addr).next_back() else {
            return false;
        };
        let Ok(start) = usize::try_from(phys_addr - base) else {
            return false;
        };
        let Some(src) = start
            .checked_add(buf.len())
            .and_then(|end| region.get(start..end))
        else {
            return false;
        };
        buf.copy_from_slice(src);
        true
    }
}

/// Sets `bytes[at]` so that the whole slice sums to zero.
pub fn fix_checksum(bytes: &mut [u8], at: usize) {
    bytes[at] = 0;
    let sum = bytes.iter().fold(0u8, |s, &b| s.wrapping_add(b));
    bytes[at] = 0u8.wrapping_sub(sum);
}

/// A description table with a QEMU-style header around `body`.
pub fn table(signature: &[u8; 4], revision: u8, body: &[u8]) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(signature);
    t.extend_from_slice(&((36 + body.len()) as u32).to_le_bytes());
    t.push(revision);
    t.push(0);
    t.extend_from_slice(b"BOCHS ");
    t.extend_from_slice(b"BXPC    ");
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(b"BXPC");
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(body);
    fix_checksum(&mut t, 9);
    t
}

pub fn rsdt(entries: &[u32]) -> Vec<u8> {
    let body: Vec<u8> = entries.iter().flat_map(|e| e.to_le_bytes()).collect();
    table(b"RSDT", 1, &body)
}

pub fn xsdt(entries: &[u64]) -> Vec<u8> {
    let body: Vec<u8> = entries.iter().flat_map(|e| e.to_le_bytes()).collect();
    table(b"XSDT", 1, &body)
}

pub fn rsdp_v1(rsdt: u32) -> Vec<u8> {
    let mut r = Vec::new();
    r.extend_from_slice(b"RSD PTR ");
    r.push(0);
    r.extend_from_slice(b"BOCHS ");
    r.push(0);
    r.extend_from_slice(&rsdt.to_le_bytes());
    fix_checksum(&mut r, 8);
    r
}

pub fn rsdp_v2(rsdt: u32, xsdt: u64) -> Vec<u8> {
    let mut r = rsdp_v1(rsdt);
    r[15] = 2;
    fix_checksum(&mut r, 8);
    r.extend_from_slice(&36u32.to_le_bytes());
    r.extend_from_slice(&xsdt.to_le_bytes());
    r.extend_from_slice(&[0, 0, 0, 0]);
    fix_checksum(&mut r, 32);
    r
}

/// DSDT with the given AML body.
pub fn dsdt(aml: &[u8]) -> Vec<u8> {
    table(b"DSDT", 1, aml)
}

/// FADT image of `len` bytes (header included); set fields, then `build` fixes the checksum.
pub struct FadtBuilder(pub Vec<u8>);

impl FadtBuilder {
    pub fn new(len: usize, revision: u8) -> Self {
        Self(table(b"FACP", revision, &vec![0; len - 36]))
    }
    pub fn bytes(mut self, offset: usize, value: &[u8]) -> Self {
        self.0[offset..offset + value.len()].copy_from_slice(value);
        self
    }
    pub fn u8(self, offset: usize, v: u8) -> Self {
        self.bytes(offset, &[v])
    }
    pub fn u16(self, offset: usize, v: u16) -> Self {
        self.bytes(offset, &v.to_le_bytes())
    }
    pub fn u32(self, offset: usize, v: u32) -> Self {
        self.bytes(offset, &v.to_le_bytes())
    }
    pub fn u64(self, offset: usize, v: u64) -> Self {
        self.bytes(offset, &v.to_le_bytes())
    }
    /// Generic Address Structure: space, bit width, bit offset, access size, address.
    pub fn gas(self, offset: usize, space: u8, width: u8, address: u64) -> Self {
        self.bytes(offset, &[space, width, 0, 0])
            .u64(offset + 4, address)
    }
    pub fn build(mut self) -> Vec<u8> {
        fix_checksum(&mut self.0, 9);
        self.0
    }
}
