//! The RouterOS code blocks of the project's seed documents (`../shared/seeds/*.txt`, fenced as ```` ```routeros
//! ````) parse; the one written with shell-style `$(...)` (seed 001) fails at that `$`. The blocks are kept as
//! `seed*.rsc` files of the script fuzz corpus, so these tests run in any checkout; where the seed documents are
//! at hand, the copies are checked against them.

use alloc::string::String;
use alloc::vec::Vec;
use std::path::{Path, PathBuf};

use super::helpers::pos;
use crate::script::{Part, SyntaxErrorKind, WordKind, parse};

/// The ```` ```routeros ```` blocks of one seed document, each with its fence's indentation removed.
fn routeros_blocks(document: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for line in document.lines() {
        let trimmed = line.trim_start();
        match &mut current {
            None if trimmed.starts_with("```routeros") => {
                current = Some((line.len() - trimmed.len(), String::new()));
            }
            Some(_) if line.trim() == "```" => {
                blocks.extend(current.take().map(|(_, text)| text));
            }
            Some((indent, text)) => {
                text.push_str(line.get(*indent..).unwrap_or(line.trim_start()));
                text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

fn sorted_files(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("directory")
        .map(|entry| entry.expect("entry").path())
        .collect();
    paths.sort();
    paths
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .into()
}

/// The seed blocks as kept in the corpus: (file name, text).
fn seed_blocks() -> Vec<(String, String)> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/script");
    sorted_files(&corpus)
        .into_iter()
        .filter(|path| file_name(path).starts_with("seed"))
        .map(|path| {
            (
                file_name(&path),
                std::fs::read_to_string(&path).expect("seed block"),
            )
        })
        .collect()
}

#[test]
fn corpus_copies_match_the_seed_documents() {
    let documents = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/seeds");
    if !documents.is_dir() {
        std::eprintln!(
            "no seed documents at {}: only the corpus copies are tested",
            documents.display()
        );
        return;
    }
    let mut from_documents: Vec<String> = Vec::new();
    for path in sorted_files(&documents) {
        from_documents.extend(routeros_blocks(
            &std::fs::read_to_string(&path).expect("seed text"),
        ));
    }
    let copies: Vec<String> = seed_blocks().into_iter().map(|(_, text)| text).collect();
    assert_eq!(from_documents.len(), copies.len());
    for block in &from_documents {
        assert!(copies.contains(block), "no corpus copy of\n{block}");
    }
}

#[test]
fn seed_code_blocks_parse() {
    let blocks = seed_blocks();
    assert_eq!(blocks.len(), 13);
    let mut failures = 0;
    for (name, block) in &blocks {
        match parse(block) {
            Ok(script) => assert!(!script.commands.is_empty(), "{name}: no commands"),
            Err(error) if block.contains("$(") => {
                // `/export file=router_backup_$(/system clock get date ...)`: not RouterOS syntax.
                assert_eq!(name, "seed001-shell-substitution-error.rsc");
                assert_eq!(
                    (error.pos, error.kind),
                    (pos(2, 28), SyntaxErrorKind::SyntaxError)
                );
                failures += 1;
            }
            Err(error) => panic!("{name}: {error} in\n{block}"),
        }
    }
    assert_eq!(failures, 1);
}

fn seed(name: &str) -> String {
    let (_, text) = seed_blocks()
        .into_iter()
        .find(|(n, _)| n == name)
        .expect("seed block");
    text
}

#[test]
fn seed_script_sources_parse_as_scripts() {
    // Seed 002 stores a script as an exported, line-wrapped quoted string; seed 000 as a `{...}` block.
    let script = parse(&seed("seed002-wrapped-source-string.rsc")).expect("parses");
    let source = script.commands[1]
        .words
        .iter()
        .find_map(|word| match &word.kind {
            WordKind::Arg { name, value } if name == "source" => value.as_literal(),
            _ => None,
        })
        .expect("source=");
    assert!(source.starts_with(
        "# Script to perform daily RouterOS configuration backup\r\n# Set backup filename with date\r\n\
         :local backupFileName (\"backup_\" . [/system clock get date format=yyyy-MM-dd])\r\n\r\n"
    ));
    assert!(
        source.ends_with(":log info \"Daily RouterOS backup completed: $backupFileName.rsc\"\r\n")
    );
    let stored = parse(source).expect("the stored script parses");
    assert_eq!(stored.commands.len(), 3, "{stored:?}");

    let script = parse(&seed("seed000-backup-script-block.rsc")).expect("parses");
    let Some(WordKind::Arg { value, .. }) = script.commands[0].words.last().map(|w| &w.kind) else {
        panic!("no source= in {script:?}")
    };
    let [Part::Block(body)] = value.parts() else {
        panic!("{value:?}")
    };
    let texts: Vec<&str> = body.commands.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            ":local backup_filename (\"backup-\" . [:system clock get date format=yyyy-MM-dd] . \".rsc\")",
            "/export file=\\$backup_filename",
            ":log info (\"Configuration backup created: \" . \\$backup_filename)",
        ]
    );
}
