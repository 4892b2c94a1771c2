//! The store fuzz corpus (`fuzz/corpus/store`): every input is replayed through the harness, so what the
//! fuzzer once found stays tested without running it. The `seed-*` inputs are partition images built here
//! (each names the state it puts the store in, checked below); after a format change, rewrite them with
//! `cargo test -p config --test store_corpus -- --ignored`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use config::store::{
    self, ConfigStore, Damage, Loaded, SlotState, StoreError, encode, write_baked,
};
use drivers::block::RamDisk;
use serde::Serialize;

const SECTOR: usize = 512;
/// The smallest partition: label 0, baked header 1, text 2..4, slot A 4..18, slot B 18..32.
const SECTORS: usize = 32;
const SLOT_A: usize = 4;
const SLOT_B: usize = 18;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/store")
}

#[test]
fn store_fuzz_corpus_replays_cleanly() {
    let mut count = 0;
    for entry in std::fs::read_dir(corpus_dir()).expect("store fuzz corpus directory") {
        let path = entry.unwrap().path();
        store::fuzz_harness::run(&std::fs::read(&path).unwrap());
        count += 1;
    }
    assert!(count >= 12, "corpus has only {count} inputs");
}

#[test]
fn seed_inputs_are_up_to_date() {
    for (name, image, _) in seeds() {
        let path = corpus_dir().join(format!("seed-{name}"));
        let stored = std::fs::read(&path).unwrap_or_default();
        assert!(
            stored == image,
            "{} differs from the seed built here; rewrite the seeds (see the module docs)",
            path.display()
        );
    }
}

#[test]
#[ignore = "rewrites the seed inputs of the store fuzz corpus"]
fn write_seed_inputs() {
    std::fs::create_dir_all(corpus_dir()).unwrap();
    for (name, image, _) in seeds() {
        std::fs::write(corpus_dir().join(format!("seed-{name}")), image).unwrap();
    }
}

#[test]
fn seeds_put_the_store_in_the_states_they_are_named_for() {
    for (name, image, expected) in seeds() {
        let mut padded = image.clone();
        padded.resize(padded.len().max(SECTORS * SECTOR), 0);
        let mut store = ConfigStore::new(RamDisk::from_image(padded)).unwrap();
        let got = Outcome {
            load: store.load().map(|l| l.map(summary)),
            baked: store.baked().map(|b| b.map(|text| text.len())),
        };
        assert_eq!(got, expected, "seed {name}");
        store::fuzz_harness::run(&image);
    }
}

#[derive(Debug, PartialEq)]
struct Outcome {
    /// Loaded generation, payload length and whether it fell back.
    load: Result<Option<(u64, usize, bool)>, StoreError>,
    /// Baked text length.
    baked: Result<Option<usize>, StoreError>,
}

fn summary(loaded: Loaded) -> (u64, usize, bool) {
    (loaded.generation, loaded.payload.len(), loaded.fell_back)
}

fn outcome(
    load: Result<Option<(u64, usize, bool)>, StoreError>,
    baked: Result<Option<usize>, StoreError>,
) -> Outcome {
    Outcome { load, baked }
}

/// The shape of the harness's stand-in for the object model (postcard is structural).
#[derive(Serialize)]
struct ModelShape {
    identity: String,
    items: Vec<(u32, String, Option<u16>, bool)>,
    properties: BTreeMap<String, ValueShape>,
    counters: [u64; 2],
}

#[derive(Serialize)]
#[allow(dead_code)]
enum ValueShape {
    Text(String),
    Number(i64),
    List(Vec<u8>),
    Flag,
}

fn model_payload() -> Vec<u8> {
    let mut properties = BTreeMap::new();
    properties.insert("name".to_string(), ValueShape::Text("edge".to_string()));
    properties.insert("mtu".to_string(), ValueShape::Number(1500));
    properties.insert("fast-track".to_string(), ValueShape::Flag);
    let shape = ModelShape {
        identity: "MikroTik".to_string(),
        items: vec![
            (1, "ether1".to_string(), Some(1500), false),
            (2, "ether2".to_string(), None, true),
        ],
        properties,
        counters: [7, u64::MAX],
    };
    encode(1, &shape)
}

fn config_text(n: u8) -> Vec<u8> {
    format!("/system identity set name=router{n}\n/ip address add address=10.0.{n}.1/24 interface=ether2\n")
        .into_bytes()
        .repeat(n as usize + 1)
}

/// A disk after `saves`.
fn saved(sectors: usize, saves: &[&[u8]]) -> Vec<u8> {
    let mut store = ConfigStore::new(RamDisk::new(sectors)).unwrap();
    for payload in saves {
        store.save(payload).unwrap();
    }
    store.into_inner().as_bytes().to_vec()
}

/// A header sector in the documented format: magic, version, fields, CRC32 of all that.
fn seal(magic: &[u8; 8], version: u16, fields: &[u8]) -> Vec<u8> {
    let mut sector = magic.to_vec();
    sector.extend_from_slice(&version.to_le_bytes());
    sector.extend_from_slice(fields);
    let crc = crc32fast::hash(&sector);
    sector.extend_from_slice(&crc.to_le_bytes());
    sector.resize(SECTOR, 0);
    sector
}

fn slot_header(generation: u64, len: u32, crc: u32) -> Vec<u8> {
    let mut fields = generation.to_le_bytes().to_vec();
    fields.extend_from_slice(&len.to_le_bytes());
    fields.extend_from_slice(&crc.to_le_bytes());
    seal(b"APPLSLOT", 1, &fields)
}

fn put(image: &mut Vec<u8>, at: usize, bytes: &[u8]) {
    if image.len() < at + bytes.len() {
        image.resize(at + bytes.len(), 0);
    }
    image[at..at + bytes.len()].copy_from_slice(bytes);
}

/// Cuts trailing zero bytes (the harness pads them back).
fn trimmed(mut image: Vec<u8>) -> Vec<u8> {
    while image.last() == Some(&0) {
        image.pop();
    }
    image
}

/// Pseudo-random bytes (a fixed LCG, so the seed never changes).
fn noise(len: usize, mut state: u32) -> Vec<u8> {
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        })
        .collect()
}

/// Seed inputs: name, partition image, and what the store makes of it.
fn seeds() -> Vec<(&'static str, Vec<u8>, Outcome)> {
    let (one, two) = (config_text(1), config_text(2));
    let script = "/system identity set name=edge\n/interface ethernet set ether1 comment=WAN\n";
    let mut seeds = Vec::new();

    seeds.push(("blank", Vec::new(), outcome(Ok(None), Ok(None))));

    let mut disk = RamDisk::new(SECTORS);
    write_baked(&mut disk, script).unwrap();
    seeds.push((
        "baked",
        disk.as_bytes().to_vec(),
        outcome(Ok(None), Ok(Some(script.len()))),
    ));

    seeds.push((
        "one-slot",
        saved(SECTORS, &[&one]),
        outcome(Ok(Some((1, one.len(), false))), Ok(None)),
    ));

    let two_slots = saved(SECTORS, &[&one, &two]);
    seeds.push((
        "two-slots",
        two_slots.clone(),
        outcome(Ok(Some((2, two.len(), false))), Ok(None)),
    ));

    // The newer header half written over a blank sector: bytes 14.. never arrived.
    let mut torn = two_slots.clone();
    torn[SLOT_B * SECTOR + 14..(SLOT_B + 1) * SECTOR].fill(0);
    seeds.push((
        "torn-newer-header",
        torn,
        outcome(Ok(Some((1, one.len(), true))), Ok(None)),
    ));

    let mut damaged = two_slots.clone();
    damaged[(SLOT_B + 1) * SECTOR + 17] ^= 0x04;
    seeds.push((
        "damaged-newer-payload",
        damaged,
        outcome(Ok(Some((1, one.len(), true))), Ok(None)),
    ));

    // A third save into slot A cut in the middle of its first payload sector.
    let mut cut = two_slots.clone();
    put(&mut cut, (SLOT_A + 1) * SECTOR, &noise(256, 3));
    seeds.push((
        "torn-older-payload",
        cut,
        outcome(Ok(Some((2, two.len(), false))), Ok(None)),
    ));

    let mut newer_layout = two_slots.clone();
    put(&mut newer_layout, 0, &seal(b"APPLCFG\0", 2, &[]));
    let unsupported = StoreError::UnsupportedLayout { version: 2 };
    seeds.push((
        "newer-layout",
        newer_layout,
        outcome(Err(unsupported.clone()), Err(unsupported)),
    ));

    seeds.push((
        "garbage",
        noise(SECTORS * SECTOR, 1),
        outcome(
            Err(StoreError::NotFormatted),
            Err(StoreError::BakedDamaged(Damage::BadMagic)),
        ),
    ));

    let mut foreign_label = two_slots.clone();
    put(&mut foreign_label, 0, &noise(SECTOR, 2));
    seeds.push((
        "foreign-label-with-slots",
        foreign_label,
        outcome(Ok(Some((2, two.len(), false))), Ok(None)),
    ));

    let mut too_long = saved(SECTORS, &[&one]);
    put(
        &mut too_long,
        SLOT_B * SECTOR,
        &slot_header(5, u32::MAX, 0x1234_5678),
    );
    seeds.push((
        "length-out-of-range",
        too_long,
        outcome(Ok(Some((1, one.len(), true))), Ok(None)),
    ));

    let mut last_generation = Vec::new();
    put(
        &mut last_generation,
        SLOT_A * SECTOR,
        &slot_header(u64::MAX, one.len() as u32, crc32fast::hash(&one)),
    );
    put(&mut last_generation, (SLOT_A + 1) * SECTOR, &one);
    seeds.push((
        "generation-max",
        last_generation,
        outcome(Ok(Some((u64::MAX, one.len(), false))), Ok(None)),
    ));

    let mut not_utf8 = Vec::new();
    let text = b"/system identity set name=\xFF\xFE\n";
    let mut fields = (text.len() as u32).to_le_bytes().to_vec();
    fields.extend_from_slice(&crc32fast::hash(text).to_le_bytes());
    put(&mut not_utf8, SECTOR, &seal(b"APPLRSC\0", 1, &fields));
    put(&mut not_utf8, 2 * SECTOR, text);
    seeds.push((
        "baked-not-utf8",
        not_utf8,
        outcome(Ok(None), Err(StoreError::BakedDamaged(Damage::NotUtf8))),
    ));

    let model = model_payload();
    seeds.push((
        "model-payload",
        saved(SECTORS, &[&model]),
        outcome(Ok(Some((1, model.len(), false))), Ok(None)),
    ));

    // 64 sectors: another layout (slots at 8 and 36), baked text and two saves.
    let mut store = ConfigStore::new(RamDisk::new(64)).unwrap();
    store.save(&two).unwrap();
    store.save(&model).unwrap();
    let mut disk = store.into_inner();
    write_baked(&mut disk, script).unwrap();
    let mut larger = disk.as_bytes().to_vec();
    larger.resize(64 * SECTOR, 0);
    // A non-zero last byte (in slot B's unused tail) keeps the trimmed image 64 sectors long.
    put(&mut larger, 64 * SECTOR - 1, &[0xAA]);
    seeds.push((
        "larger-partition",
        larger,
        outcome(Ok(Some((2, model.len(), false))), Ok(Some(script.len()))),
    ));

    seeds
        .into_iter()
        .map(|(name, image, outcome)| (name, trimmed(image), outcome))
        .collect()
}

#[test]
fn the_harness_state_checks_hold_on_the_seed_shapes() {
    // The seeds above must really reach the slot states they are named for.
    let image = seeds()
        .into_iter()
        .find(|(name, _, _)| *name == "length-out-of-range")
        .map(|(_, image, _)| image)
        .unwrap();
    let mut padded = image;
    padded.resize(SECTORS * SECTOR, 0);
    let mut store = ConfigStore::new(RamDisk::from_image(padded)).unwrap();
    let [_, b] = store.inspect().unwrap();
    assert_eq!(
        b,
        SlotState::Damaged {
            generation: Some(5),
            damage: Damage::LengthOutOfRange {
                len: u32::MAX,
                max: 13 * 512
            }
        }
    );
}
