//! Arbitrary frames and clock steps into a configured engine (see `netstack::fuzz_harness` for the input
//! format). Run: `cd netstack/fuzz && cargo fuzz run engine`. The corpus in `corpus/engine` is replayed by
//! `cargo test -p netstack` (tests/fuzz_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netstack::fuzz_harness::run(data));
