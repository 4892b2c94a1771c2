//! Arbitrary bytes as a DNS message, a client's query and an upstream reply (see
//! `netstack::dns::fuzz_input`). Run: `cd netstack/fuzz && cargo fuzz run dns`. The corpus in
//! `corpus/dns` is replayed by `cargo test -p netstack` (tests/dns_fuzz_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netstack::dns::fuzz_input::run(data));
