//! `( ... )` expressions: operands, precedence, associativity, literals that contain operator characters.

use alloc::vec;

use super::helpers::*;
use crate::script::BinaryOp::*;
use crate::script::{Expr, SyntaxErrorKind, UnaryOp};

fn negate(operand: Expr) -> Expr {
    Expr::Unary {
        op: UnaryOp::Negate,
        operand: alloc::boxed::Box::new(operand),
    }
}

#[test]
fn arithmetic_precedence_and_left_associativity() {
    assert_eq!(
        expr(":put (1 + 2 * 3)"),
        bin(Add, e_lit("1"), bin(Mul, e_lit("2"), e_lit("3")))
    );
    assert_eq!(
        expr(":put (1 - 2 - 3)"),
        bin(Sub, bin(Sub, e_lit("1"), e_lit("2")), e_lit("3"))
    );
    assert_eq!(
        expr(":put ((1 + 2) * 3)"),
        bin(Mul, bin(Add, e_lit("1"), e_lit("2")), e_lit("3"))
    );
    assert_eq!(
        expr(":put (8 / -2)"),
        bin(Div, e_lit("8"), negate(e_lit("2")))
    );
}

#[test]
fn logic_binds_looser_than_comparison() {
    assert_eq!(
        expr(":put (!$a && $b = 1 || $c ~ \"x\")"),
        bin(
            Or,
            bin(And, not(e_var("a")), bin(Eq, e_var("b"), e_lit("1"))),
            bin(Match, e_var("c"), e_lit("x"))
        )
    );
    assert_eq!(
        expr(":put (not $a and $b != 1 or $c <= 2)"),
        bin(
            Or,
            bin(And, not(e_var("a")), bin(Ne, e_var("b"), e_lit("1"))),
            bin(Le, e_var("c"), e_lit("2"))
        )
    );
    assert_eq!(expr(":put ($a>=1)"), bin(Ge, e_var("a"), e_lit("1")));
    assert_eq!(expr(":put ($a<1)"), bin(Lt, e_var("a"), e_lit("1")));
}

#[test]
fn concatenation_sits_between_comparison_and_arithmetic() {
    assert_eq!(
        expr(":put (\"n=\" . $i + 1 = \"n=2\")"),
        bin(
            Eq,
            bin(Concat, e_lit("n="), bin(Add, e_var("i"), e_lit("1"))),
            e_lit("n=2")
        )
    );
    assert_eq!(
        expr(":put (\"backup-\" . [:put x] . \".rsc\")"),
        bin(
            Concat,
            bin(
                Concat,
                e_lit("backup-"),
                Expr::Substitution(script(vec![command(
                    vec![bare(":put", 1, 20), bare("x", 1, 25)],
                    1,
                    20,
                    ":put x"
                )]))
            ),
            e_lit(".rsc")
        )
    );
}

#[test]
fn literals_keep_addresses_prefixes_times_and_ids_whole() {
    assert_eq!(expr(":put (1.2.3.4)"), e_lit("1.2.3.4"));
    assert_eq!(expr(":put (10.0.0.0/8)"), e_lit("10.0.0.0/8"));
    assert_eq!(expr(":put (00:10:00)"), e_lit("00:10:00"));
    assert_eq!(expr(":put (ether1-wan)"), e_lit("ether1-wan"));
    assert_eq!(expr(":put (*1F)"), e_lit("*1F"));
    assert_eq!(expr(":put (yes)"), e_lit("yes"));
    assert_eq!(expr(":put (\\$x)"), e_lit("$x"));
    // After a plain number, or next to a variable, `-` `/` `*` are operators.
    assert_eq!(expr(":put (10-2)"), bin(Sub, e_lit("10"), e_lit("2")));
    assert_eq!(expr(":put (10/2)"), bin(Div, e_lit("10"), e_lit("2")));
    assert_eq!(expr(":put (2*3)"), bin(Mul, e_lit("2"), e_lit("3")));
    assert_eq!(expr(":put ($i-1)"), bin(Sub, e_var("i"), e_lit("1")));
    assert_eq!(expr(":put ($a.$b)"), bin(Concat, e_var("a"), e_var("b")));
}

#[test]
fn in_operator_and_arrays() {
    assert_eq!(
        expr(":put ($ip in 10.0.0.0/8)"),
        bin(In, e_var("ip"), e_lit("10.0.0.0/8"))
    );
    assert_eq!(
        expr(":put (2 in {1;2})"),
        bin(
            In,
            e_lit("2"),
            Expr::Block(script(vec![
                command(vec![bare("1", 1, 13)], 1, 13, "1"),
                command(vec![bare("2", 1, 15)], 1, 15, "2"),
            ]))
        )
    );
    // `in` must be a whole word.
    assert_eq!(
        error(":put ($a inx)"),
        (pos(1, 10), SyntaxErrorKind::SyntaxError)
    );
}

#[test]
fn quoted_strings_in_expressions_concatenate_their_parts() {
    assert_eq!(expr(":put (\"a$x\")"), bin(Concat, e_lit("a"), e_var("x")));
    assert_eq!(expr(":put (\"\")"), e_lit(""));
}

#[test]
fn line_ends_inside_parentheses_are_blanks() {
    assert_eq!(expr(":put (1 +\n   2\n)"), bin(Add, e_lit("1"), e_lit("2")));
}

#[test]
fn expression_errors() {
    assert_eq!(
        error(":put (1 2)"),
        (pos(1, 9), SyntaxErrorKind::SyntaxError)
    );
    assert_eq!(error(":put ()"), (pos(1, 7), SyntaxErrorKind::SyntaxError));
    assert_eq!(
        error(":put (1 +)"),
        (pos(1, 10), SyntaxErrorKind::SyntaxError)
    );
    assert_eq!(
        error(":put (1 ]"),
        (pos(1, 9), SyntaxErrorKind::UnbalancedBracket)
    );
    assert_eq!(
        error(":put (1"),
        (pos(1, 6), SyntaxErrorKind::UnbalancedBracket)
    );
    assert_eq!(
        error(":put (1 & 2)"),
        (pos(1, 9), SyntaxErrorKind::SyntaxError)
    );
}
