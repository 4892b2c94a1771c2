//! Property tests: no input makes the parser panic, and simple generated commands parse back to their words.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use proptest::prelude::*;

use crate::script::{Part, Value, WordKind, is_incomplete, parse};

/// A word of a generated simple command, and how it is written.
#[derive(Clone, Debug)]
enum Generated {
    Bare(String),
    Arg(String, String),
    QuotedArg(String, String),
    Unset(String),
    Variable(String),
}

fn quote(text: &str) -> String {
    let mut quoted = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '$' => quoted.push_str("\\$"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

impl Generated {
    fn written(&self) -> String {
        match self {
            Generated::Bare(text) => text.clone(),
            Generated::Arg(name, value) => format!("{name}={value}"),
            Generated::QuotedArg(name, value) => format!("{name}={}", quote(value)),
            Generated::Unset(name) => format!("!{name}"),
            Generated::Variable(name) => format!("${name}"),
        }
    }

    fn expected(&self) -> WordKind {
        let literal = |text: &String| Value::Parts(alloc::vec![Part::Literal(text.clone())]);
        match self {
            Generated::Bare(text) => WordKind::Bare(text.clone()),
            Generated::Arg(name, value) | Generated::QuotedArg(name, value) => WordKind::Arg {
                name: name.clone(),
                value: literal(value),
            },
            Generated::Unset(name) => WordKind::Unset(name.clone()),
            Generated::Variable(name) => {
                WordKind::Value(Value::Parts(alloc::vec![Part::Variable(name.clone())]))
            }
        }
    }
}

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,12}"
}

fn generated_word() -> impl Strategy<Value = Generated> {
    prop_oneof![
        "[a-zA-Z0-9/.*,:_@%+-][a-zA-Z0-9/.*,:_@%+!#=-]{0,12}"
            .prop_filter("not a where", |w| w != "where" && !w.contains('='))
            .prop_map(Generated::Bare),
        (name(), "[a-zA-Z0-9/.*,:_@%+!#=-]{0,12}").prop_map(|(n, v)| Generated::Arg(n, v)),
        (name(), any::<String>()).prop_map(|(n, v)| Generated::QuotedArg(n, v)),
        name().prop_map(Generated::Unset),
        "[a-zA-Z0-9_]{1,8}".prop_map(Generated::Variable),
    ]
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(source in any::<String>()) {
        let _ = parse(&source);
        let _ = is_incomplete(&source);
    }

    #[test]
    fn script_like_text_never_panics(source in r#"[a-z0-9 =!$"\\\[\](){}#;:.,/*~<>&|+\n\t-]{0,80}"#) {
        let _ = parse(&source);
        let _ = is_incomplete(&source);
    }

    #[test]
    fn simple_commands_round_trip(
        words in proptest::collection::vec(generated_word(), 1..8),
        blanks in proptest::collection::vec("[ \t]{1,3}", 8),
    ) {
        let mut source = String::new();
        for (i, word) in words.iter().enumerate() {
            if i > 0 {
                source.push_str(&blanks[i]);
            }
            source.push_str(&word.written());
        }
        let script = parse(&source).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(script.commands.len(), 1);
        let command = &script.commands[0];
        let parsed: Vec<WordKind> = command.words.iter().map(|w| w.kind.clone()).collect();
        let expected: Vec<WordKind> = words.iter().map(Generated::expected).collect();
        prop_assert_eq!(parsed, expected);
        prop_assert_eq!(&command.text, &source);
        prop_assert!(!is_incomplete(&source));
    }
}
