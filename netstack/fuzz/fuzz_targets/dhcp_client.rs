//! Arbitrary server messages, clock steps and commands into a DHCP client (see
//! `netstack::dhcp_client::fuzz_harness` for the input format). Run: `cd netstack/fuzz && cargo fuzz run
//! dhcp_client`. The corpus in `corpus/dhcp_client` is replayed by `cargo test -p netstack`
//! (tests/fuzz_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netstack::dhcp_client::fuzz_harness::run(data));
