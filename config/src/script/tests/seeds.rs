//! The RouterOS code blocks of the project's seed documents (`../shared/seeds/*.txt`, fenced as ```` ```routeros
//! ````) parse; the one written with shell-style `$(...)` (seed 001) fails at that `$`.

use alloc::string::String;
use alloc::vec::Vec;

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

fn seed_blocks() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/seeds");
    let mut found = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("the seed documents at ../shared/seeds")
        .map(|entry| entry.expect("seed entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let document = std::fs::read_to_string(&path).expect("seed text");
        let name: String = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .into();
        for block in routeros_blocks(&document) {
            found.push((name.clone(), block));
        }
    }
    found
}

#[test]
fn seed_code_blocks_parse() {
    let blocks = seed_blocks();
    assert!(
        blocks.len() >= 13,
        "found only {} routeros blocks",
        blocks.len()
    );
    let mut failures = 0;
    for (name, block) in &blocks {
        match parse(block) {
            Ok(script) => assert!(
                !script.commands.is_empty(),
                "{name}: no commands in {block}"
            ),
            Err(error) if block.contains("$(") => {
                // `/export file=router_backup_$(/system clock get date ...)`: not RouterOS syntax.
                assert!(name.starts_with("001"), "{name}");
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

#[test]
fn seed_script_sources_parse_as_scripts() {
    // Seed 002 stores a script as an exported, line-wrapped quoted string; seed 000 as a `{...}` block.
    let blocks = seed_blocks();
    let (_, wrapped) = blocks
        .iter()
        .find(|(_, b)| b.contains("source=\"# Script"))
        .expect("seed 002 script");
    let script = parse(wrapped).expect("parses");
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

    let (_, block) = blocks
        .iter()
        .find(|(_, b)| b.contains("source={"))
        .expect("seed 000 script");
    let script = parse(block).expect("parses");
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
