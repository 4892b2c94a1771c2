//! Words: bare words, `name=value`, `!name`, quoted strings, variables, substitutions, blocks, concatenations.

use alloc::vec;

use super::helpers::*;
use crate::script::{BinaryOp, Part, SyntaxErrorKind, parse};

#[test]
fn bare_words_and_arguments() {
    assert_eq!(
        words("/ip firewall filter add chain=forward action=accept"),
        vec![
            bare("/ip", 1, 1),
            bare("firewall", 1, 5),
            bare("filter", 1, 14),
            bare("add", 1, 21),
            arg("chain", vec![lit("forward")], 1, 25),
            arg("action", vec![lit("accept")], 1, 39),
        ]
    );
}

#[test]
fn paths_ids_and_lists_are_bare() {
    assert_eq!(
        words(".. / *1F 0,1,2 /ip/firewall/filter print"),
        vec![
            bare("..", 1, 1),
            bare("/", 1, 4),
            bare("*1F", 1, 6),
            bare("0,1,2", 1, 10),
            bare("/ip/firewall/filter", 1, 16),
            bare("print", 1, 36),
        ]
    );
}

#[test]
fn unset_is_its_own_kind() {
    assert_eq!(
        words("set 0 !comment"),
        vec![bare("set", 1, 1), bare("0", 1, 5), unset("comment", 1, 7)]
    );
}

#[test]
fn lone_bang_and_leading_equals_are_errors() {
    assert_eq!(error("set 0 !"), (pos(1, 7), SyntaxErrorKind::SyntaxError));
    assert_eq!(
        error("set 0 ! x"),
        (pos(1, 7), SyntaxErrorKind::SyntaxError)
    );
    assert_eq!(error("=x"), (pos(1, 1), SyntaxErrorKind::SyntaxError));
    assert_eq!(error("add =x"), (pos(1, 5), SyntaxErrorKind::SyntaxError));
    assert_eq!(error("set !a=b"), (pos(1, 5), SyntaxErrorKind::SyntaxError));
}

#[test]
fn values_keep_everything_after_the_first_equals() {
    assert_eq!(
        words("add out-interface=!ether1-gateway a=b=c comment="),
        vec![
            bare("add", 1, 1),
            arg("out-interface", vec![lit("!ether1-gateway")], 1, 5),
            arg("a", vec![lit("b=c")], 1, 35),
            arg("comment", vec![lit("")], 1, 41),
        ]
    );
}

#[test]
fn quoted_strings_interpolate_variables() {
    assert_eq!(
        words(r#":put "a$x b""#),
        vec![
            bare(":put", 1, 1),
            value(vec![lit("a"), var("x"), lit(" b")], 1, 6)
        ]
    );
    assert_eq!(
        words(r#"comment="""#),
        vec![arg("comment", vec![lit("")], 1, 1)]
    );
    assert_eq!(
        words(r#"comment="allow \"winbox\"\_now""#),
        vec![arg("comment", vec![lit("allow \"winbox\" now")], 1, 1)]
    );
}

#[test]
fn adjacent_parts_concatenate() {
    assert_eq!(
        words(r#"name=abc$x"def""#),
        vec![arg("name", vec![lit("abc"), var("x"), lit("def")], 1, 1)]
    );
    assert_eq!(
        words(r#"abc"def"ghi"#),
        vec![value(vec![lit("abcdefghi")], 1, 1)]
    );
    assert_eq!(
        words("file=$path.rsc"),
        vec![arg("file", vec![var("path"), lit(".rsc")], 1, 1)]
    );
}

#[test]
fn variables() {
    assert_eq!(
        words(r#":put $x $"my-var""#),
        vec![
            bare(":put", 1, 1),
            value(vec![var("x")], 1, 6),
            value(vec![var("my-var")], 1, 9)
        ]
    );
    assert_eq!(error(":put $"), (pos(1, 6), SyntaxErrorKind::SyntaxError));
    assert_eq!(error(":put $-"), (pos(1, 6), SyntaxErrorKind::SyntaxError));
}

#[test]
fn escapes_outside_quotes() {
    assert_eq!(
        words(r"/export file=\$backup_filename"),
        vec![
            bare("/export", 1, 1),
            arg("file", vec![lit("$backup_filename")], 1, 9)
        ]
    );
    assert_eq!(words(r"a\ b"), vec![bare("a b", 1, 1)]);
}

#[test]
fn substitution() {
    let inner = script(vec![command(
        vec![bare("find", 1, 7), arg("name", vec![lit("ether1")], 1, 12)],
        1,
        7,
        "find name=ether1",
    )]);
    assert_eq!(
        words("set [ find name=ether1 ] name=wan"),
        vec![
            bare("set", 1, 1),
            value(vec![Part::Substitution(inner)], 1, 5),
            arg("name", vec![lit("wan")], 1, 26),
        ]
    );
}

#[test]
fn nested_substitution_with_absolute_path() {
    let inner = script(vec![command(
        vec![
            bare("/system", 1, 7),
            bare("identity", 1, 15),
            bare("get", 1, 24),
            bare("name", 1, 28),
        ],
        1,
        7,
        "/system identity get name",
    )]);
    assert_eq!(
        words(":put [/system identity get name]"),
        vec![
            bare(":put", 1, 1),
            value(vec![Part::Substitution(inner)], 1, 6)
        ]
    );
}

#[test]
fn expression_argument() {
    assert_eq!(
        words("/export file=($path . $name)"),
        vec![
            bare("/export", 1, 1),
            arg(
                "file",
                vec![Part::Expr(bin(
                    BinaryOp::Concat,
                    e_var("path"),
                    e_var("name")
                ))],
                1,
                9
            ),
        ]
    );
}

#[test]
fn scripting_commands_are_ordinary_commands() {
    let put = |text: &str, column: u32| {
        script(vec![command(
            vec![bare(":put", 1, column), bare(text, 1, column + 5)],
            1,
            column,
            &alloc::format!(":put {text}"),
        )])
    };
    assert_eq!(
        words(":if ($x > 1) do={:put yes} else={:put no}"),
        vec![
            bare(":if", 1, 1),
            value(
                vec![Part::Expr(bin(BinaryOp::Gt, e_var("x"), e_lit("1")))],
                1,
                5
            ),
            arg("do", vec![Part::Block(put("yes", 18))], 1, 14),
            arg("else", vec![Part::Block(put("no", 34))], 1, 28),
        ]
    );
    let find = script(vec![command(vec![bare("find", 1, 16)], 1, 16, "find")]);
    let body = script(vec![command(
        vec![bare(":put", 1, 26), value(vec![var("i")], 1, 31)],
        1,
        26,
        ":put $i",
    )]);
    assert_eq!(
        words(":foreach i in=[find] do={:put $i}"),
        vec![
            bare(":foreach", 1, 1),
            bare("i", 1, 10),
            arg("in", vec![Part::Substitution(find)], 1, 12),
            arg("do", vec![Part::Block(body)], 1, 22),
        ]
    );
    assert_eq!(
        words(":do {:put yes} on-error={:put no}"),
        vec![
            bare(":do", 1, 1),
            value(vec![Part::Block(put("yes", 6))], 1, 5),
            arg("on-error", vec![Part::Block(put("no", 26))], 1, 16),
        ]
    );
}

#[test]
fn other_scripting_commands() {
    assert_eq!(
        words(r#":log info "msg""#),
        vec![
            bare(":log", 1, 1),
            bare("info", 1, 6),
            value(vec![lit("msg")], 1, 11)
        ]
    );
    assert_eq!(
        words(":local x 5"),
        vec![bare(":local", 1, 1), bare("x", 1, 8), bare("5", 1, 10)]
    );
    assert_eq!(
        words(":delay 1s"),
        vec![bare(":delay", 1, 1), bare("1s", 1, 8)]
    );
    assert_eq!(words(":return"), vec![bare(":return", 1, 1)]);
}

#[test]
fn arrays_are_blocks() {
    let block = script(vec![
        command(vec![bare("1", 1, 11)], 1, 11, "1"),
        command(vec![bare("2", 1, 13)], 1, 13, "2"),
    ]);
    assert_eq!(
        words(":local a {1;2}"),
        vec![
            bare(":local", 1, 1),
            bare("a", 1, 8),
            value(vec![Part::Block(block)], 1, 10)
        ]
    );
    assert_eq!(
        words("{}"),
        vec![value(vec![Part::Block(script(vec![]))], 1, 1)]
    );
}

#[test]
fn where_is_only_special_after_the_first_word() {
    assert_eq!(words("where"), vec![bare("where", 1, 1)]);
    assert_eq!(
        words("a where=1"),
        vec![bare("a", 1, 1), arg("where", vec![lit("1")], 1, 3)]
    );
}

#[test]
fn value_accessors() {
    let words = words(r#"add a=x b="y$z""#);
    let crate::script::WordKind::Arg { value, .. } = &words[1].kind else {
        panic!()
    };
    assert_eq!(value.as_literal(), Some("x"));
    let crate::script::WordKind::Arg { value, .. } = &words[2].kind else {
        panic!()
    };
    assert_eq!(value.as_literal(), None);
    assert_eq!(value.parts(), &[lit("y"), var("z")]);
    // The block of `source={...}` keeps each command's text, so the script can be stored as text.
    let parsed = parse("add source={\n  :put 1\n  :put $x\n}").expect("parses");
    let crate::script::WordKind::Arg { value, .. } = &parsed.commands[0].words[1].kind else {
        panic!()
    };
    let [Part::Block(block)] = value.parts() else {
        panic!()
    };
    let texts: alloc::vec::Vec<&str> = block.commands.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, [":put 1", ":put $x"]);
    assert!(
        matches!(&parsed.commands[0].words[0].kind, crate::script::WordKind::Bare(w) if w == "add")
    );
}
