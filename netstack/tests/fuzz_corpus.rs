//! Replays every input of the engine fuzz corpus (`fuzz/corpus/engine`), so what the fuzzer once found
//! stays tested without running the fuzzer.

#[test]
fn engine_fuzz_corpus_replays_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/engine");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz corpus directory") {
        let path = entry.unwrap().path();
        netstack::fuzz_harness::run(&std::fs::read(&path).unwrap());
        count += 1;
    }
    assert!(count >= 8, "corpus has only {count} inputs");
}

/// The DHCP client's corpus (`fuzz/corpus/dhcp_client`), through `dhcp_client::fuzz_harness`.
#[test]
fn dhcp_client_fuzz_corpus_replays_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/dhcp_client");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz corpus directory") {
        let path = entry.unwrap().path();
        netstack::dhcp_client::fuzz_harness::run(&std::fs::read(&path).unwrap());
        count += 1;
    }
    assert!(count >= 8, "corpus has only {count} inputs");
}
