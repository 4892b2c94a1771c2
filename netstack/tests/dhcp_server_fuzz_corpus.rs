//! Replays every input of the DHCP server fuzz corpus (`fuzz/corpus/dhcp_server`), so what the fuzzer
//! once found stays tested without running the fuzzer.

#[test]
fn dhcp_server_fuzz_corpus_replays_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/dhcp_server");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz corpus directory") {
        let path = entry.unwrap().path();
        netstack::dhcp_server::fuzz_run(&std::fs::read(&path).unwrap());
        count += 1;
    }
    assert!(count >= 8, "corpus has only {count} inputs");
}
