//! Drives the store with arbitrary bytes as a whole partition image: shared by the `cargo fuzz` target
//! (`config/fuzz`, target `store`) and the test that replays its corpus (`tests/store_corpus.rs`).
//!
//! The input is the partition image itself, zero-padded to [`MIN_SECTORS`] sectors and cut at
//! [`MAX_IMAGE_BYTES`]. On it the harness runs [`ConfigStore::load`], [`ConfigStore::baked`],
//! [`ConfigStore::inspect`] and [`decode`] (of the loaded payload and of the raw input), which must not
//! panic whatever the bytes, and then checks the store's promises on that damaged disk:
//!
//! * `load` agrees with `inspect`: it returns the valid slot with the highest generation;
//! * after a successful `save` of a slice of the input, `load` returns exactly that slice and
//!   generation, and `baked` answers as before (saving never touches the baked region);
//! * after `erase`, `load` finds nothing;
//! * after `write_baked` of a UTF-8 slice of the input, `baked` returns it.
//!
//! Panics only when one of these promises is broken.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use drivers::block::{RamDisk, SECTOR_SIZE};
use serde::Deserialize;

use super::{ConfigStore, MIN_SECTORS, SlotState, StoreError, decode, write_baked};

/// The largest image the harness uses (the image builder's partition size).
pub const MAX_IMAGE_BYTES: usize = 4 << 20;

/// A stand-in for the object model's saved form, for [`decode`] to chew on: strings, sequences, maps,
/// options, enums and integers of every width.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // read only by Debug; the point is decoding into it
struct FuzzConfig {
    identity: String,
    items: Vec<(u32, String, Option<u16>, bool)>,
    properties: BTreeMap<String, FuzzValue>,
    counters: [u64; 2],
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
enum FuzzValue {
    Text(String),
    Number(i64),
    List(Vec<u8>),
    Flag,
}

/// Runs one fuzz input.
pub fn run(data: &[u8]) {
    let data = data.get(..MAX_IMAGE_BYTES).unwrap_or(data);
    let mut image = data.to_vec();
    let min = MIN_SECTORS as usize * SECTOR_SIZE;
    if image.len() < min {
        image.resize(min, 0);
    }
    let Ok(mut store) = ConfigStore::new(RamDisk::from_image(image)) else {
        panic!("a partition of at least MIN_SECTORS sectors is accepted");
    };

    let loaded = store.load();
    let baked = store.baked();
    let states = store.inspect();
    let _ = decode::<FuzzConfig>(1, data);
    if let Ok(Some(loaded)) = &loaded {
        let _ = decode::<FuzzConfig>(1, &loaded.payload);
        let Ok(states) = &states else {
            panic!("inspect failed where load succeeded: {states:?}");
        };
        let best = states
            .iter()
            .filter_map(|state| match state {
                SlotState::Valid {
                    generation,
                    payload,
                } => Some((*generation, payload)),
                _ => None,
            })
            .max_by_key(|(generation, _)| *generation);
        assert_eq!(
            best,
            Some((loaded.generation, &loaded.payload)),
            "load returned another slot than the newest valid one"
        );
    }
    if let Err(StoreError::UnsupportedLayout { .. }) = loaded {
        assert!(
            matches!(store.save(b"x"), Err(StoreError::UnsupportedLayout { .. })),
            "a partition of an unknown layout must not be written"
        );
        return;
    }

    let payload = data.get(..store.max_payload().min(2048)).unwrap_or(data);
    let saved = match store.save(payload) {
        Ok(generation) => {
            let Ok(Some(after)) = store.load() else {
                panic!("nothing loads after a successful save");
            };
            assert_eq!(
                after.payload, payload,
                "a different payload loads after save"
            );
            assert_eq!(after.generation, generation);
            assert_eq!(store.baked(), baked, "saving changed the baked config");
            true
        }
        // Only a forged header with generation u64::MAX leads here.
        Err(StoreError::GenerationExhausted) => false,
        Err(error) => panic!("save failed on a working disk: {error}"),
    };
    if let Err(error) = store.erase() {
        panic!("erase failed on a working disk: {error}");
    }
    match store.load() {
        Ok(None) => {}
        // Not formatted only if the save that would have formatted the partition did not happen.
        Err(StoreError::NotFormatted) if !saved => {}
        other => panic!("after erase, load gave {other:?}"),
    }

    let text = data.get(..data.len().min(store.layout().baked_capacity()));
    if let Some(text) = text.and_then(|t| core::str::from_utf8(t).ok()) {
        let mut disk = store.into_inner();
        if let Err(error) = write_baked(&mut disk, text) {
            panic!("write_baked failed on a working disk: {error}");
        }
        let Ok(mut store) = ConfigStore::new(disk) else {
            panic!("the store refused its own disk");
        };
        let back = store.baked();
        assert!(
            matches!(&back, Ok(Some(t)) if t == text),
            "baked {back:?} instead of the text written"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stand_in_model_decodes_from_its_postcard_form() {
        // identity "R", one item (7, "e1", Some(1500), true), {"mtu": Number(-1)}, counters [1, 2].
        let bytes = [
            1, 0, // version
            1, b'R', // identity
            1, 7, 2, b'e', b'1', 1, 0xDC, 0x0B, 1, // items
            1, 3, b'm', b't', b'u', 1, 1, // properties: Number(zigzag -1 = 1)
            1, 2, // counters
        ];
        let decoded = decode::<FuzzConfig>(1, &bytes).unwrap();
        assert_eq!(
            alloc::format!("{decoded:?}"),
            "FuzzConfig { identity: \"R\", items: [(7, \"e1\", Some(1500), true)], \
             properties: {\"mtu\": Number(-1)}, counters: [1, 2] }"
        );
    }

    #[test]
    fn short_inputs_and_noise_keep_the_promises() {
        run(&[]);
        run(&[0xFF; 100]);
        let noise: alloc::vec::Vec<u8> = (0..20_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        run(&noise);
    }
}
