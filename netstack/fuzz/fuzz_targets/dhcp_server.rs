//! Arbitrary client datagrams into a DHCP server (see `netstack::dhcp_server::fuzz_run` for the input
//! format). Run: `cd netstack/fuzz && cargo fuzz run dhcp_server`. The corpus in `corpus/dhcp_server`
//! is replayed by `cargo test -p netstack` (tests/dhcp_server_fuzz_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netstack::dhcp_server::fuzz_run(data));
