//! Replays every input of the REST fuzz corpus (`fuzz/corpus/rest`): each must run to the end with
//! valid answers (config::rest::fuzz_input checks them), so what the fuzzer once found stays tested
//! without running the fuzzer.

#[test]
fn rest_fuzz_corpus_replays_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/rest");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz corpus directory") {
        let path = entry.expect("corpus entry").path();
        let bytes = std::fs::read(&path).expect("corpus file");
        config::rest::fuzz_input::run(&bytes);
        count += 1;
    }
    assert!(count >= 8, "corpus has only {count} inputs");
}
