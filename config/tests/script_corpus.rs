//! Replays every input of the script fuzz corpus (`fuzz/corpus/script`): parsing and the console's
//! incompleteness check must return on each of them, whatever the verdict, so what the fuzzer once found stays
//! tested without running the fuzzer. The seed inputs taken from real configurations must also parse.

#[test]
fn script_fuzz_corpus_replays_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/script");
    let mut count = 0;
    let mut parsed = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz corpus directory") {
        let path = entry.expect("corpus entry").path();
        let bytes = std::fs::read(&path).expect("corpus file");
        let source = String::from_utf8_lossy(&bytes);
        let result = config::script::parse(&source);
        config::script::is_incomplete(&source);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        // The seeds come from the project's SOHO guides; all but the one using shell `$(...)` syntax are valid.
        if name.starts_with("seed") && !name.contains("error") {
            assert!(result.is_ok(), "{name}: {result:?}");
        }
        parsed += usize::from(result.is_ok());
        count += 1;
    }
    assert!(count >= 12, "corpus has only {count} inputs");
    assert!(parsed >= 12, "only {parsed} corpus inputs parse");
}
