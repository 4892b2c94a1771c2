//! Arbitrary bytes (as lossy UTF-8) into the script parser and the console's incompleteness check, which must
//! never panic or overflow the stack. Run: `cd config/fuzz && cargo fuzz run script`. The corpus in
//! `corpus/script` is replayed by `cargo test -p config` (tests/script_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    let parsed = config::script::parse(&source);
    let incomplete = config::script::is_incomplete(&source);
    // An input that parses is never reported as incomplete unless it ends in a line continuation.
    if parsed.is_ok() && incomplete {
        assert!(
            source
                .trim_end_matches([' ', '\t', '\r', '\n'])
                .ends_with('\\')
        );
    }
});
