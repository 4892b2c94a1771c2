//! Power cuts: a `save` (and an `erase`) interrupted at every byte, and with every subset of the writes a
//! disk cache may lose, must leave a disk on which `load` returns exactly the old or exactly the new
//! configuration.
//!
//! Two simulated disks over [`RamDisk`]:
//! * [`PowerCut`] applies writes sector by sector in request order until a byte budget runs out; the
//!   sector being written then is torn (its first — or last — bytes new, the rest old) and every later
//!   request fails, as after a power cut.
//! * [`WriteCache`] keeps writes in a volatile cache until `flush`; the power fails at the k-th sector
//!   write, and the disk then holds what was flushed plus any subset of the cached sectors, one of them
//!   possibly torn (the device may have written them in any order).

use alloc::vec::Vec;

use drivers::block::{BlockDevice, BlockError, RamDisk, SECTOR_SIZE};

use super::*;

const SECTORS: usize = 64;

fn payload(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 7) as u8).wrapping_add(seed))
        .collect()
}

#[derive(Clone, Copy, Debug)]
enum Tear {
    /// The first bytes of the sector are new.
    Head,
    /// The last bytes of the sector are new.
    Tail,
}

struct PowerCut {
    disk: RamDisk,
    budget: usize,
    tear: Tear,
    dead: bool,
    written: usize,
}

impl PowerCut {
    fn new(disk: RamDisk, budget: usize, tear: Tear) -> Self {
        Self {
            disk,
            budget,
            tear,
            dead: false,
            written: 0,
        }
    }
}

impl BlockDevice for PowerCut {
    fn sector_count(&self) -> u64 {
        self.disk.sector_count()
    }

    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        if self.dead {
            return Err(BlockError::Io);
        }
        self.disk.read(lba, buf)
    }

    fn write(&mut self, lba: u64, buf: &[u8]) -> Result<(), BlockError> {
        if self.dead {
            return Err(BlockError::Io);
        }
        for (i, new) in buf.chunks(SECTOR_SIZE).enumerate() {
            let lba = lba + i as u64;
            if self.budget >= SECTOR_SIZE {
                self.disk.write(lba, new)?;
                self.budget -= SECTOR_SIZE;
                self.written += SECTOR_SIZE;
                continue;
            }
            let mut sector = [0u8; SECTOR_SIZE];
            self.disk.read(lba, &mut sector)?;
            let range = match self.tear {
                Tear::Head => 0..self.budget,
                Tear::Tail => SECTOR_SIZE - self.budget..SECTOR_SIZE,
            };
            sector[range.clone()].copy_from_slice(&new[range]);
            self.disk.write(lba, &sector)?;
            self.dead = true;
            return Err(BlockError::Io);
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        if self.dead {
            return Err(BlockError::Io);
        }
        self.disk.flush()
    }
}

/// What `load` returned, reduced to the payload.
fn loaded_payload(disk: RamDisk) -> Option<Vec<u8>> {
    match ConfigStore::new(disk).unwrap().load() {
        Ok(loaded) => loaded.map(|l| l.payload),
        Err(error) => panic!("load failed after a power cut: {error}"),
    }
}

/// Cuts the power at every byte of `operation` on `base`, both tear directions; `old` / `new` are the
/// configurations before and after. Returns the total bytes the operation writes.
fn cut_at_every_byte(
    base: &RamDisk,
    old: Option<&[u8]>,
    new: Option<&[u8]>,
    operation: impl Fn(&mut ConfigStore<PowerCut>) -> Result<(), StoreError>,
) -> usize {
    let mut complete =
        ConfigStore::new(PowerCut::new(base.clone(), usize::MAX, Tear::Head)).unwrap();
    operation(&mut complete).unwrap();
    let total = complete.into_inner().written;
    for tear in [Tear::Head, Tear::Tail] {
        let mut seen_new = false;
        for budget in 0..=total {
            let mut store = ConfigStore::new(PowerCut::new(base.clone(), budget, tear)).unwrap();
            let result = operation(&mut store);
            assert_eq!(
                result.is_ok(),
                budget == total,
                "budget {budget} of {total}"
            );
            let survived = loaded_payload(store.into_inner().disk);
            let is_new = survived.as_deref() == new;
            assert!(
                is_new || survived.as_deref() == old,
                "{tear:?} cut after {budget} of {total} bytes: loaded {:?}",
                survived.map(|p| p.len())
            );
            if matches!(tear, Tear::Head) {
                assert!(
                    is_new || !seen_new || old == new,
                    "old came back after new at budget {budget}"
                );
            }
            seen_new |= is_new;
        }
        assert!(seen_new, "the completed operation left the new state");
    }
    total
}

fn saved(configs: &[&[u8]]) -> RamDisk {
    let mut store = ConfigStore::new(RamDisk::new(SECTORS)).unwrap();
    for config in configs {
        store.save(config).unwrap();
    }
    store.into_inner()
}

#[test]
fn first_save_cut_at_every_byte() {
    let new = payload(3000, 1);
    let total = cut_at_every_byte(&RamDisk::new(SECTORS), None, Some(&new), |store| {
        store.save(&new).map(|_| ())
    });
    assert_eq!(total, (6 + 1 + 1) * SECTOR_SIZE, "payload, header, label");
}

#[test]
fn save_over_two_generations_cut_at_every_byte() {
    let (first, second) = (payload(2500, 2), payload(2000, 3));
    let base = saved(&[&first, &second]);
    let new = payload(3000, 4);
    cut_at_every_byte(&base, Some(&second), Some(&new), |store| {
        store.save(&new).map(|_| ())
    });
    // The same configuration saved again is still that configuration at every byte.
    cut_at_every_byte(&base, Some(&second), Some(&second), |store| {
        store.save(&second).map(|_| ())
    });
}

#[test]
fn save_over_a_damaged_newer_slot_cut_at_every_byte() {
    let (first, second) = (payload(2500, 5), payload(2000, 6));
    let mut bytes = saved(&[&first, &second]).as_bytes().to_vec();
    bytes[(36 + 1) * SECTOR_SIZE + 100] ^= 0x08; // slot B's payload: generation 2 no longer loads
    let base = RamDisk::from_image(bytes);
    let new = payload(3000, 7);
    let total = cut_at_every_byte(&base, Some(&first), Some(&new), |store| {
        store.save(&new).map(|_| ())
    });
    assert_eq!(
        total,
        (1 + 6 + 1) * SECTOR_SIZE,
        "blank header, payload, header"
    );
}

#[test]
fn erase_cut_at_every_byte() {
    let (first, second) = (payload(100, 8), payload(200, 9));
    let base = saved(&[&first, &second]);
    cut_at_every_byte(&base, Some(&second), None, ConfigStore::erase);
}

/// A disk with a volatile write cache that loses power at the `limit`-th sector write.
struct WriteCache {
    durable: RamDisk,
    cached: Vec<(u64, [u8; SECTOR_SIZE])>,
    limit: usize,
    writes: usize,
    dead: bool,
}

impl WriteCache {
    fn new(durable: RamDisk, limit: usize) -> Self {
        Self {
            durable,
            cached: Vec::new(),
            limit,
            writes: 0,
            dead: false,
        }
    }
}

impl BlockDevice for WriteCache {
    fn sector_count(&self) -> u64 {
        self.durable.sector_count()
    }

    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        if self.dead {
            return Err(BlockError::Io);
        }
        self.durable.read(lba, buf)?;
        for (i, out) in buf.chunks_mut(SECTOR_SIZE).enumerate() {
            let lba = lba + i as u64;
            if let Some((_, sector)) = self.cached.iter().rev().find(|(l, _)| *l == lba) {
                out.copy_from_slice(sector);
            }
        }
        Ok(())
    }

    fn write(&mut self, lba: u64, buf: &[u8]) -> Result<(), BlockError> {
        drivers::block::check_request(lba, buf.len(), self.sector_count())?;
        for (i, new) in buf.chunks(SECTOR_SIZE).enumerate() {
            if self.dead || self.writes == self.limit {
                self.dead = true;
                return Err(BlockError::Io);
            }
            let mut sector = [0u8; SECTOR_SIZE];
            sector.copy_from_slice(new);
            self.cached.push((lba + i as u64, sector));
            self.writes += 1;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        if self.dead {
            return Err(BlockError::Io);
        }
        for (lba, sector) in self.cached.drain(..) {
            self.durable.write(lba, &sector)?;
        }
        Ok(())
    }
}

/// Loses power at every sector write of `operation`, and for each point tries every subset of the
/// cached sectors reaching the disk, with none or one of them torn.
fn lose_the_cache_at_every_write(
    base: &RamDisk,
    old: Option<&[u8]>,
    new: Option<&[u8]>,
    operation: impl Fn(&mut ConfigStore<WriteCache>) -> Result<(), StoreError>,
) {
    let mut complete = ConfigStore::new(WriteCache::new(base.clone(), usize::MAX)).unwrap();
    operation(&mut complete).unwrap();
    let total = complete.into_inner().writes;
    let mut checked = 0;
    for limit in 0..=total {
        let mut store = ConfigStore::new(WriteCache::new(base.clone(), limit)).unwrap();
        let result = operation(&mut store);
        let cache = store.into_inner();
        if limit == total {
            assert!(result.is_ok());
        }
        let pending = cache.cached.len();
        assert!(pending <= 10, "cache window of {pending} sectors");
        for subset in 0u32..1 << pending {
            let reached: Vec<_> = (0..pending)
                .filter(|i| subset & (1 << i) != 0)
                .filter_map(|i| cache.cached.get(i))
                .collect();
            // None torn, or each one of the sectors that reached the disk torn at a few points.
            let tears = core::iter::once(None)
                .chain((0..reached.len()).flat_map(|i| [1, 40, 300].map(|at| Some((i, at)))));
            for tear in tears {
                let mut disk = cache.durable.clone();
                for (i, (lba, sector)) in reached.iter().enumerate() {
                    let mut bytes = *sector;
                    if let Some((torn, at)) = tear
                        && torn == i
                    {
                        disk.read(*lba, &mut bytes).unwrap();
                        bytes[..at].copy_from_slice(&sector[..at]);
                    }
                    disk.write(*lba, &bytes).unwrap();
                }
                let survived = loaded_payload(disk);
                assert!(
                    survived.as_deref() == old || survived.as_deref() == new,
                    "power lost at write {limit} of {total}, subset {subset:#b}, tear {tear:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > total, "only {checked} disks checked");
}

#[test]
fn first_save_with_a_lost_write_cache() {
    let new = payload(3000, 10);
    lose_the_cache_at_every_write(&RamDisk::new(SECTORS), None, Some(&new), |store| {
        store.save(&new).map(|_| ())
    });
}

#[test]
fn save_over_two_generations_with_a_lost_write_cache() {
    let (first, second) = (payload(2500, 11), payload(2000, 12));
    let base = saved(&[&first, &second]);
    let new = payload(3000, 13);
    lose_the_cache_at_every_write(&base, Some(&second), Some(&new), |store| {
        store.save(&new).map(|_| ())
    });
}

#[test]
fn save_over_a_damaged_newer_slot_with_a_lost_write_cache() {
    let (first, second) = (payload(2500, 14), payload(2000, 15));
    let mut bytes = saved(&[&first, &second]).as_bytes().to_vec();
    bytes[(36 + 1) * SECTOR_SIZE] ^= 0x80;
    let new = payload(3000, 16);
    lose_the_cache_at_every_write(
        &RamDisk::from_image(bytes),
        Some(&first),
        Some(&new),
        |store| store.save(&new).map(|_| ()),
    );
}

#[test]
fn erase_with_a_lost_write_cache() {
    let (first, second) = (payload(100, 17), payload(200, 18));
    let base = saved(&[&first, &second]);
    lose_the_cache_at_every_write(&base, Some(&second), None, ConfigStore::erase);
}
