//! Where-expressions after `print`, `find`, `export`.

use alloc::vec;

use super::helpers::*;
use crate::script::BinaryOp::*;
use crate::script::{Expr, Part, SyntaxErrorKind};

#[test]
fn bare_property() {
    let command = one("/ip address print where dynamic");
    assert_eq!(
        command.words,
        vec![
            bare("/ip", 1, 1),
            bare("address", 1, 5),
            bare("print", 1, 13)
        ]
    );
    assert_eq!(command.where_, Some(e_prop("dynamic")));
    assert_eq!(command.text, "/ip address print where dynamic");
}

#[test]
fn comparisons() {
    for (source, op, value) in [
        ("print where name=ether1", Eq, "ether1"),
        ("print where name!=ether1", Ne, "ether1"),
        ("print where mtu<1500", Lt, "1500"),
        ("print where mtu>1500", Gt, "1500"),
        ("print where mtu<=1500", Le, "1500"),
        ("print where mtu>=1500", Ge, "1500"),
        ("print where name~\"^eth\"", Match, "^eth"),
        ("print where address in 10.0.0.0/8", In, "10.0.0.0/8"),
        ("print where name = \"ether1\"", Eq, "ether1"),
    ] {
        let property = if op == In {
            "address"
        } else if matches!(op, Eq | Ne | Match) {
            "name"
        } else {
            "mtu"
        };
        assert_eq!(
            where_of(source),
            cmp(property, op, e_lit(value)),
            "{source}"
        );
    }
}

#[test]
fn and_binds_tighter_than_or() {
    assert_eq!(
        where_of("print where !disabled and interface=ether1 or comment~\"x\""),
        bin(
            Or,
            bin(
                And,
                not(e_prop("disabled")),
                cmp("interface", Eq, e_lit("ether1"))
            ),
            cmp("comment", Match, e_lit("x"))
        )
    );
    assert_eq!(
        where_of("print where a=1||b=2&&c=3"),
        bin(
            Or,
            cmp("a", Eq, e_lit("1")),
            bin(And, cmp("b", Eq, e_lit("2")), cmp("c", Eq, e_lit("3")))
        )
    );
}

#[test]
fn parentheses_and_not() {
    assert_eq!(
        where_of("print where (a=1 || b!=2) && not running"),
        bin(
            And,
            bin(Or, cmp("a", Eq, e_lit("1")), cmp("b", Ne, e_lit("2"))),
            not(e_prop("running"))
        )
    );
    assert_eq!(where_of("print where !(dynamic)"), not(e_prop("dynamic")));
    assert_eq!(
        where_of("print where (a=1 or\n  b=2)"),
        bin(Or, cmp("a", Eq, e_lit("1")), cmp("b", Eq, e_lit("2")))
    );
}

#[test]
fn values_may_be_variables_substitutions_and_concatenations() {
    assert_eq!(
        where_of("print where address=$a"),
        cmp("address", Eq, e_var("a"))
    );
    assert_eq!(
        where_of("print where name=[/system identity get name]"),
        cmp(
            "name",
            Eq,
            Expr::Substitution(script(vec![command(
                vec![
                    bare("/system", 1, 19),
                    bare("identity", 1, 27),
                    bare("get", 1, 36),
                    bare("name", 1, 40)
                ],
                1,
                19,
                "/system identity get name"
            )]))
        )
    );
    assert_eq!(
        where_of("print where name=\"a$x\""),
        cmp("name", Eq, bin(Concat, e_lit("a"), e_var("x")))
    );
    assert_eq!(
        where_of("print where .id=*1F"),
        cmp(".id", Eq, e_lit("*1F"))
    );
    assert_eq!(
        where_of("print where mtu=(1000 + 500)"),
        cmp("mtu", Eq, bin(Add, e_lit("1000"), e_lit("500")))
    );
}

#[test]
fn find_where_inside_a_substitution() {
    let words = words("remove [find where comment=\"x\" and dynamic]");
    let [_, word] = words.as_slice() else {
        panic!("{words:?}")
    };
    let crate::script::WordKind::Value(value) = &word.kind else {
        panic!("{word:?}")
    };
    let [Part::Substitution(inner)] = value.parts() else {
        panic!("{value:?}")
    };
    assert_eq!(inner.commands[0].words, vec![bare("find", 1, 9)]);
    assert_eq!(
        inner.commands[0].where_,
        Some(bin(And, cmp("comment", Eq, e_lit("x")), e_prop("dynamic")))
    );
    assert_eq!(
        inner.commands[0].text,
        "find where comment=\"x\" and dynamic"
    );
}

#[test]
fn where_ends_with_the_command() {
    let parsed =
        crate::script::parse("print where a=1; print where b # note\nprint").expect("parses");
    let wheres: alloc::vec::Vec<_> = parsed.commands.iter().map(|c| c.where_.clone()).collect();
    assert_eq!(
        wheres,
        vec![Some(cmp("a", Eq, e_lit("1"))), Some(e_prop("b")), None]
    );
    assert_eq!(parsed.commands[1].text, "print where b");
}

#[test]
fn where_errors() {
    assert_eq!(
        error("print where"),
        (pos(1, 12), SyntaxErrorKind::SyntaxError)
    );
    assert_eq!(
        error("print where a=1 b"),
        (pos(1, 17), SyntaxErrorKind::SyntaxError)
    );
    assert_eq!(
        error("print where a="),
        (pos(1, 15), SyntaxErrorKind::SyntaxError)
    );
    assert_eq!(
        error("print where a and"),
        (pos(1, 18), SyntaxErrorKind::SyntaxError)
    );
    assert_eq!(
        error("print where (a"),
        (pos(1, 13), SyntaxErrorKind::UnbalancedBracket)
    );
    assert_eq!(
        error("print where a)"),
        (pos(1, 14), SyntaxErrorKind::UnbalancedBracket)
    );
}
