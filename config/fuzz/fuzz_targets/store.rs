//! Arbitrary bytes as a whole config partition image into the config store: load, baked config, decode,
//! and the store's promises after save / erase / write_baked on that disk (see
//! `config::store::fuzz_harness`). Run: `cd config/fuzz && cargo fuzz run store`. The corpus in
//! `corpus/store` is replayed by `cargo test -p config` (tests/store_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| config::store::fuzz_harness::run(data));
