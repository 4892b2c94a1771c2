//! Arbitrary bytes as authenticated REST requests against a small router (config::rest::fuzz_input):
//! every answer has a valid status and a JSON body, and nothing panics. Run:
//! `cd config/fuzz && cargo fuzz run rest`. The corpus in `corpus/rest` is replayed by
//! `cargo test -p config` (tests/rest_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    config::rest::fuzz_input::run(data);
});
