//! Script structure: separators, line continuations, comments, multi-line blocks, line endings, command text.

use alloc::vec;

use super::helpers::*;
use crate::script::{Part, parse};

#[test]
fn newlines_and_semicolons_separate_commands() {
    assert_eq!(
        parse("a; b\nc x=1").expect("parses"),
        script(vec![
            command(vec![bare("a", 1, 1)], 1, 1, "a"),
            command(vec![bare("b", 1, 4)], 1, 4, "b"),
            command(
                vec![bare("c", 2, 1), arg("x", vec![lit("1")], 2, 3)],
                2,
                1,
                "c x=1"
            ),
        ])
    );
}

#[test]
fn empty_lines_separators_and_comments_leave_no_command() {
    assert_eq!(parse("").expect("parses"), script(vec![]));
    assert_eq!(
        parse("\n\n ;; \t\n# only a comment\n   # indented\n").expect("parses"),
        script(vec![])
    );
}

#[test]
fn comment_starts_only_at_a_word() {
    assert_eq!(
        parse("# header\nadd comment=a#b x=1 # trailing \\\nnext").expect("parses"),
        script(vec![
            command(
                vec![
                    bare("add", 2, 1),
                    arg("comment", vec![lit("a#b")], 2, 5),
                    arg("x", vec![lit("1")], 2, 17)
                ],
                2,
                1,
                "add comment=a#b x=1",
            ),
            command(vec![bare("next", 3, 1)], 3, 1, "next"),
        ])
    );
}

#[test]
fn backslash_continues_a_command_on_the_next_line() {
    let source = "add chain=forward \\\n    action=accept";
    assert_eq!(
        parse(source).expect("parses"),
        script(vec![command(
            vec![
                bare("add", 1, 1),
                arg("chain", vec![lit("forward")], 1, 5),
                arg("action", vec![lit("accept")], 2, 5)
            ],
            1,
            1,
            source,
        )])
    );
    // Inside a word the continuation joins the two halves.
    assert_eq!(
        words("add comm\\\n    ent=x"),
        vec![bare("add", 1, 1), arg("comment", vec![lit("x")], 1, 5)]
    );
}

#[test]
fn quoted_strings_wrap_like_routeros_exports() {
    // Seed 002: a script source exported with `\r\` + newline + indent + `\n`.
    let source = "add name=x source=\"# first\\r\\\n    \\n:put \\\"\\$y\\\"\\r\\\n    \\n\"";
    assert_eq!(
        words(source),
        vec![
            bare("add", 1, 1),
            arg("name", vec![lit("x")], 1, 5),
            arg("source", vec![lit("# first\r\n:put \"$y\"\r\n")], 1, 12),
        ]
    );
}

#[test]
fn crlf_line_ends_read_like_lf() {
    assert_eq!(
        parse("add a=1\r\nadd b=\"x\"\r\n").expect("parses"),
        script(vec![
            command(
                vec![bare("add", 1, 1), arg("a", vec![lit("1")], 1, 5)],
                1,
                1,
                "add a=1"
            ),
            command(
                vec![bare("add", 2, 1), arg("b", vec![lit("x")], 2, 5)],
                2,
                1,
                "add b=\"x\""
            ),
        ])
    );
    assert_eq!(words("a \\\r\n  b"), vec![bare("a", 1, 1), bare("b", 2, 3)]);
}

#[test]
fn blocks_span_lines() {
    let source = "/system script add name=x source={\n    :log info \"a\"\n\n    # note }\n    :put 1\n}\n/next";
    let block = script(vec![
        command(
            vec![
                bare(":log", 2, 5),
                bare("info", 2, 10),
                value(vec![lit("a")], 2, 15),
            ],
            2,
            5,
            ":log info \"a\"",
        ),
        command(vec![bare(":put", 5, 5), bare("1", 5, 10)], 5, 5, ":put 1"),
    ]);
    let parsed = parse(source).expect("parses");
    assert_eq!(parsed.commands.len(), 2);
    assert_eq!(
        parsed.commands[0].words,
        vec![
            bare("/system", 1, 1),
            bare("script", 1, 9),
            bare("add", 1, 16),
            arg("name", vec![lit("x")], 1, 20),
            arg("source", vec![Part::Block(block)], 1, 27),
        ]
    );
    assert_eq!(
        parsed.commands[0].text,
        source.strip_suffix("\n/next").expect("suffix")
    );
    assert_eq!(parsed.commands[1].pos, pos(7, 1));
}

#[test]
fn substitutions_hold_several_commands() {
    let inner = script(vec![
        command(vec![bare("a", 1, 8)], 1, 8, "a"),
        command(vec![bare("b", 2, 1)], 2, 1, "b"),
    ]);
    assert_eq!(
        words(":put [ a;\nb ]"),
        vec![
            bare(":put", 1, 1),
            value(vec![Part::Substitution(inner)], 1, 6)
        ]
    );
}

#[test]
fn tabs_are_blanks_and_columns_count_characters() {
    assert_eq!(words("a\tb"), vec![bare("a", 1, 1), bare("b", 1, 3)]);
    assert_eq!(
        words("set comment=\"é€\" x=1"),
        vec![
            bare("set", 1, 1),
            arg("comment", vec![lit("é€")], 1, 5),
            arg("x", vec![lit("1")], 1, 18)
        ]
    );
}
