//! The store on a RAM disk: round trips, slot alternation, fallback from every damaged header byte, erase,
//! the order of writes and flushes, and refusals.

use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;

use drivers::block::{BlockDevice, BlockError, RamDisk, SECTOR_SIZE};

use super::*;

/// 64 sectors: R = 8 (baked text 3 KiB), slots of 28 sectors at 8 and 36 (27 payload sectors).
const SECTORS: usize = 64;
const SLOT_A: usize = 8;
const SLOT_B: usize = 36;

fn store() -> ConfigStore<RamDisk> {
    ConfigStore::new(RamDisk::new(SECTORS)).unwrap()
}

fn payload(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// The store over a copy of `store`'s disk with `f` applied to the bytes.
fn damaged(store: ConfigStore<RamDisk>, f: impl FnOnce(&mut [u8])) -> ConfigStore<RamDisk> {
    let mut bytes = store.into_inner().as_bytes().to_vec();
    f(&mut bytes);
    ConfigStore::new(RamDisk::from_image(bytes)).unwrap()
}

fn loaded(payload: &[u8], generation: u64, fell_back: bool) -> Option<Loaded> {
    Some(Loaded {
        payload: payload.to_vec(),
        generation,
        fell_back,
    })
}

#[test]
fn a_fresh_disk_holds_nothing() {
    let mut store = store();
    assert_eq!(store.load(), Ok(None));
    assert_eq!(store.baked(), Ok(None));
    assert_eq!(store.inspect(), Ok([SlotState::Empty, SlotState::Empty]));
    assert_eq!(store.max_payload(), 27 * 512);
    assert!(
        store.into_inner().as_bytes().iter().all(|&b| b == 0),
        "reading writes nothing"
    );
}

#[test]
fn save_then_load_round_trips() {
    let mut store = store();
    let config = payload(1000, 1);
    assert_eq!(store.save(&config), Ok(1));
    assert_eq!(store.load(), Ok(loaded(&config, 1, false)));
    // A second store over the same disk (a reboot) reads the same.
    let mut again = ConfigStore::new(store.into_inner()).unwrap();
    assert_eq!(again.load(), Ok(loaded(&config, 1, false)));
}

#[test]
fn empty_and_largest_payloads_round_trip() {
    let mut store = store();
    assert_eq!(store.save(&[]), Ok(1));
    assert_eq!(store.load(), Ok(loaded(&[], 1, false)));
    let largest = payload(store.max_payload(), 2);
    assert_eq!(store.save(&largest), Ok(2));
    assert_eq!(store.load(), Ok(loaded(&largest, 2, false)));
}

#[test]
fn saves_alternate_slots_with_increasing_generations() {
    let mut store = store();
    let configs: Vec<Vec<u8>> = (0..5).map(|i| payload(300 + i * 100, i as u8)).collect();
    for (i, config) in configs.iter().enumerate() {
        assert_eq!(store.save(config), Ok(i as u64 + 1));
        assert_eq!(store.load(), Ok(loaded(config, i as u64 + 1, false)));
    }
    // Generation 5 went to A (1, 3, 5), 4 to B.
    let [a, b] = store.inspect().unwrap();
    assert_eq!(
        a,
        SlotState::Valid {
            generation: 5,
            payload: configs[4].clone()
        }
    );
    assert_eq!(
        b,
        SlotState::Valid {
            generation: 4,
            payload: configs[3].clone()
        }
    );
    let bytes = store.into_inner().as_bytes().to_vec();
    assert_eq!(&bytes[SLOT_A * 512..SLOT_A * 512 + 8], b"APPLSLOT");
    assert_eq!(&bytes[SLOT_B * 512..SLOT_B * 512 + 8], b"APPLSLOT");
    assert_eq!(
        &bytes[SLOT_A * 512 + 10..SLOT_A * 512 + 18],
        &5u64.to_le_bytes()
    );
    assert_eq!(
        &bytes[(SLOT_A + 1) * 512..(SLOT_A + 1) * 512 + 700],
        &configs[4][..]
    );
    assert_eq!(&bytes[..8], b"APPLCFG\0", "the first save wrote the label");
}

/// Slot A holds generation 1 (`OLD`), slot B generation 2 (`NEW`).
fn two_generations() -> (ConfigStore<RamDisk>, Vec<u8>, Vec<u8>) {
    let mut store = store();
    let old = payload(700, 10);
    let new = payload(900, 20);
    store.save(&old).unwrap();
    store.save(&new).unwrap();
    (store, old, new)
}

#[test]
fn every_damaged_byte_of_the_newest_header_falls_back_to_the_older_slot() {
    let (store, old, new) = two_generations();
    let image = store.into_inner().as_bytes().to_vec();
    // The sealed slot header covers bytes 0..30 of its sector; the rest is ignored.
    for byte in 0..SECTOR_SIZE {
        let mut store = damaged(
            ConfigStore::new(RamDisk::from_image(image.clone())).unwrap(),
            |b| b[SLOT_B * 512 + byte] ^= 0x10,
        );
        let expected = if byte < 30 {
            loaded(&old, 1, true)
        } else {
            loaded(&new, 2, false)
        };
        assert_eq!(store.load(), Ok(expected), "byte {byte} of the header");
    }
}

#[test]
fn damaged_payload_falls_back_to_the_older_slot() {
    let (store, old, _) = two_generations();
    let image = store.into_inner().as_bytes().to_vec();
    let payload_start = (SLOT_B + 1) * 512;
    for offset in [0, 1, 255, 511, 512, 899] {
        let mut bytes = image.clone();
        bytes[payload_start + offset] ^= 0x01;
        let mut store = ConfigStore::new(RamDisk::from_image(bytes)).unwrap();
        assert_eq!(
            store.load(),
            Ok(loaded(&old, 1, true)),
            "payload byte {offset}"
        );
        assert_eq!(
            store.inspect().unwrap()[1],
            SlotState::Damaged {
                generation: Some(2),
                damage: Damage::PayloadChecksum
            }
        );
    }
    // Padding after the payload's last byte is not part of it.
    let mut bytes = image;
    bytes[payload_start + 900] = 0xEE;
    let mut store = ConfigStore::new(RamDisk::from_image(bytes)).unwrap();
    assert_eq!(store.load().unwrap().unwrap().generation, 2);
}

#[test]
fn a_damaged_older_slot_is_no_fallback() {
    let (store, _, new) = two_generations();
    let mut store = damaged(store, |b| b[(SLOT_A + 1) * 512] ^= 0xFF);
    assert_eq!(store.load(), Ok(loaded(&new, 2, false)));
}

#[test]
fn both_slots_damaged_is_no_configuration() {
    let (store, _, _) = two_generations();
    let mut store = damaged(store, |b| {
        b[SLOT_A * 512 + 12] ^= 1;
        b[(SLOT_B + 1) * 512] ^= 1;
    });
    assert_eq!(store.load(), Ok(None));
    assert_eq!(
        store.inspect(),
        Ok([
            SlotState::Damaged {
                generation: None,
                damage: Damage::HeaderChecksum
            },
            SlotState::Damaged {
                generation: Some(2),
                damage: Damage::PayloadChecksum
            }
        ])
    );
}

#[test]
fn saving_after_a_fallback_overwrites_the_damaged_slot_above_its_generation() {
    // B claims generation 2 but its payload is damaged: A (1) loads; the next save goes to B as 3.
    let (store, old, _) = two_generations();
    let mut store = damaged(store, |b| b[(SLOT_B + 1) * 512 + 3] ^= 0x40);
    assert_eq!(store.load(), Ok(loaded(&old, 1, true)));
    let next = payload(50, 30);
    assert_eq!(store.save(&next), Ok(3));
    assert_eq!(store.load(), Ok(loaded(&next, 3, false)));
    assert_eq!(store.inspect().unwrap()[0].generation(), Some(1), "A kept");
}

#[test]
fn erase_leaves_nothing_and_generations_restart() {
    let (mut store, _, _) = two_generations();
    assert_eq!(store.erase(), Ok(()));
    assert_eq!(store.load(), Ok(None));
    assert_eq!(store.inspect(), Ok([SlotState::Empty, SlotState::Empty]));
    let config = payload(10, 40);
    assert_eq!(store.save(&config), Ok(1));
    assert_eq!(store.load(), Ok(loaded(&config, 1, false)));
}

#[test]
fn too_large_a_payload_is_refused_before_writing() {
    let mut store = store();
    let max = store.max_payload();
    assert_eq!(
        store.save(&payload(max + 1, 0)),
        Err(StoreError::TooLarge { len: max + 1, max })
    );
    assert!(store.into_inner().as_bytes().iter().all(|&b| b == 0));
}

#[test]
fn too_small_a_partition_is_refused() {
    assert!(matches!(
        ConfigStore::new(RamDisk::new(31)),
        Err(StoreError::TooSmall {
            sectors: 31,
            min: 32
        })
    ));
    assert!(ConfigStore::new(RamDisk::new(32)).is_ok());
}

#[test]
fn a_partition_of_a_newer_layout_is_left_alone() {
    let mut disk = RamDisk::new(SECTORS);
    disk.write(0, &header::seal(b"APPLCFG\0", 2, &[])).unwrap();
    let before = disk.clone();
    let mut store = ConfigStore::new(disk).unwrap();
    let refused = StoreError::UnsupportedLayout { version: 2 };
    assert_eq!(store.load(), Err(refused.clone()));
    assert_eq!(store.save(b"x"), Err(refused.clone()));
    assert_eq!(store.erase(), Err(refused.clone()));
    assert_eq!(store.baked(), Err(refused));
    assert_eq!(store.into_inner(), before, "nothing written");
}

#[test]
fn foreign_bytes_are_not_formatted_until_the_first_save() {
    let mut disk = RamDisk::new(SECTORS);
    disk.write(0, &[0x5A; SECTOR_SIZE]).unwrap();
    let mut store = ConfigStore::new(disk).unwrap();
    assert_eq!(store.load(), Err(StoreError::NotFormatted));
    assert_eq!(store.save(b"/system identity"), Ok(1));
    assert_eq!(store.load(), Ok(loaded(b"/system identity", 1, false)));
    assert_eq!(&store.into_inner().as_bytes()[..8], b"APPLCFG\0");
}

/// A RAM disk that records requests and can fail reads of chosen sectors.
#[derive(Clone)]
struct Recorder {
    disk: RamDisk,
    log: Vec<Request>,
    unreadable: Vec<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Request {
    Write { lba: u64, sectors: usize },
    Flush,
}

impl Recorder {
    fn new() -> Self {
        Self {
            disk: RamDisk::new(SECTORS),
            log: Vec::new(),
            unreadable: Vec::new(),
        }
    }
}

impl BlockDevice for Recorder {
    fn sector_count(&self) -> u64 {
        self.disk.sector_count()
    }

    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        let end = lba + (buf.len() / SECTOR_SIZE) as u64;
        if self.unreadable.iter().any(|s| (lba..end).contains(s)) {
            return Err(BlockError::Io);
        }
        self.disk.read(lba, buf)
    }

    fn write(&mut self, lba: u64, buf: &[u8]) -> Result<(), BlockError> {
        self.log.push(Request::Write {
            lba,
            sectors: buf.len() / SECTOR_SIZE,
        });
        self.disk.write(lba, buf)
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        self.log.push(Request::Flush);
        self.disk.flush()
    }
}

use Request::{Flush, Write};

#[test]
fn save_writes_payload_then_flush_then_header_then_flush() {
    let mut store = ConfigStore::new(Recorder::new()).unwrap();
    // 16 sectors go in one request, the 17th (partial) in another.
    store.save(&payload(16 * 512 + 1, 0)).unwrap();
    store.save(&payload(100, 1)).unwrap();
    let log = store.into_inner().log;
    assert_eq!(
        log,
        vec![
            Write {
                lba: 9,
                sectors: 16
            },
            Write {
                lba: 25,
                sectors: 1
            },
            Flush,
            Write { lba: 8, sectors: 1 },
            Flush,
            Write { lba: 0, sectors: 1 },
            Flush,
            // Second save: slot B, and the label is already there.
            Write {
                lba: 37,
                sectors: 1
            },
            Flush,
            Write {
                lba: 36,
                sectors: 1
            },
            Flush,
        ]
    );
}

#[test]
fn erase_clears_the_older_slot_first() {
    let mut store = ConfigStore::new(Recorder::new()).unwrap();
    store.save(b"one").unwrap();
    store.save(b"two").unwrap(); // newest in B
    let mut recorder = store.into_inner();
    recorder.log.clear();
    let mut store = ConfigStore::new(recorder).unwrap();
    store.erase().unwrap();
    assert_eq!(
        store.into_inner().log,
        vec![
            Write { lba: 8, sectors: 1 },
            Flush,
            Write {
                lba: 36,
                sectors: 1
            },
            Flush
        ]
    );
}

#[test]
fn a_damaged_target_slot_is_blanked_before_its_payload_is_written() {
    let mut store = ConfigStore::new(Recorder::new()).unwrap();
    store.save(b"one").unwrap();
    store.save(b"two").unwrap();
    let mut recorder = store.into_inner();
    let mut sector = [0u8; SECTOR_SIZE];
    recorder.disk.read(37, &mut sector).unwrap();
    sector[0] ^= 1;
    recorder.disk.write(37, &sector).unwrap();
    recorder.log.clear();
    let mut store = ConfigStore::new(recorder).unwrap();
    assert_eq!(store.save(b"three"), Ok(3));
    assert_eq!(
        store.into_inner().log,
        vec![
            Write {
                lba: 36,
                sectors: 1
            },
            Flush,
            Write {
                lba: 37,
                sectors: 1
            },
            Flush,
            Write {
                lba: 36,
                sectors: 1
            },
            Flush
        ]
    );
}

#[test]
fn an_unreadable_slot_falls_back_and_two_are_a_device_error() {
    let mut store = ConfigStore::new(Recorder::new()).unwrap();
    store.save(b"one").unwrap();
    store.save(b"two").unwrap();
    let mut recorder = store.into_inner();
    recorder.unreadable = vec![37];
    let mut store = ConfigStore::new(recorder).unwrap();
    assert_eq!(store.load(), Ok(loaded(b"one", 1, true)));
    let mut recorder = store.into_inner();
    recorder.unreadable = vec![8, 36];
    let mut store = ConfigStore::new(recorder).unwrap();
    assert_eq!(store.load(), Err(StoreError::Device(BlockError::Io)));
}

#[test]
fn an_unreadable_label_hides_no_slot_but_is_no_fresh_disk_either() {
    let mut recorder = Recorder::new();
    recorder.unreadable = vec![0];
    let mut store = ConfigStore::new(recorder).unwrap();
    assert_eq!(store.load(), Err(StoreError::Device(BlockError::Io)));
    assert_eq!(store.save(b"one"), Ok(1));
    assert_eq!(store.load(), Ok(loaded(b"one", 1, false)));
}

#[test]
fn errors_read_like_routeros() {
    assert_eq!(
        StoreError::TooLarge {
            len: 70000,
            max: 65536
        }
        .to_string(),
        "configuration too large (70000 bytes, max 65536)"
    );
    assert_eq!(
        StoreError::TooSmall {
            sectors: 16,
            min: 32
        }
        .to_string(),
        "config partition too small (8 KiB, need at least 16 KiB)"
    );
    assert_eq!(
        StoreError::NotFormatted.to_string(),
        "config partition not formatted"
    );
    assert_eq!(
        StoreError::BakedDamaged(Damage::PayloadChecksum).to_string(),
        "baked configuration damaged: checksum mismatch"
    );
    assert_eq!(
        StoreError::Device(BlockError::Io).to_string(),
        "config disk failure: I/O error"
    );
    assert_eq!(
        StoreError::WrongVersion {
            expected: 2,
            found: 1
        }
        .to_string(),
        "saved configuration has format version 1, expected 2"
    );
}
