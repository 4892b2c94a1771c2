//! Replays every input of the HTTP fuzz corpus (`fuzz/corpus/http`): the seeds (requests of every
//! method, keep-alive and pipelined, chunked with trailers, `Expect: 100-continue`, smuggling
//! attempts, oversized heads, bad escapes, other versions) and whatever the fuzzer added.

#[test]
fn http_fuzz_corpus_replays_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/http");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz corpus directory") {
        let path = entry.unwrap().path();
        netstack::http::fuzz_input::run(&std::fs::read(&path).unwrap());
        count += 1;
    }
    assert!(count >= 10, "corpus has only {count} inputs");
}
