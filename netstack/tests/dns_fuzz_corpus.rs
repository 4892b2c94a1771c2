//! Replays every input of the DNS fuzz corpus (`fuzz/corpus/dns`): the seeds (queries, replies with
//! compression, CNAME chains, NXDOMAIN with SOA, pointer loops, huge counts and TTLs, long labels) and
//! whatever the fuzzer added.

#[test]
fn dns_fuzz_corpus_replays_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/dns");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz corpus directory") {
        let path = entry.unwrap().path();
        netstack::dns::fuzz_input::run(&std::fs::read(&path).unwrap());
        count += 1;
    }
    assert!(count >= 8, "corpus has only {count} inputs");
}
