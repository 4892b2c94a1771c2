//! Arbitrary bytes as what a peer sends on one HTTP connection, fed whole, byte by byte and in
//! pieces (see `netstack::http::fuzz_input`). Run: `cd netstack/fuzz && cargo fuzz run http`. The
//! corpus in `corpus/http` is replayed by `cargo test -p netstack` (tests/http_fuzz_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netstack::http::fuzz_input::run(data));
