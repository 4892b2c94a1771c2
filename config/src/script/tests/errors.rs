//! Errors: where they point, and the bounds on nesting, expression height and input size.

use alloc::string::ToString;

use super::helpers::*;
use crate::script::{MAX_DEPTH, MAX_EXPR_HEIGHT, MAX_SOURCE_LEN, SyntaxErrorKind, parse};

#[test]
fn unterminated_string_points_at_its_quote() {
    assert_eq!(
        error(":put \"abc"),
        (pos(1, 6), SyntaxErrorKind::UnterminatedString)
    );
    assert_eq!(
        error("/ip address\nadd address=1.2.3.4/24\n:log info \"x\n\n"),
        (pos(3, 11), SyntaxErrorKind::UnterminatedString)
    );
}

#[test]
fn unbalanced_brackets() {
    assert_eq!(
        error(":put abc]"),
        (pos(1, 9), SyntaxErrorKind::UnbalancedBracket)
    );
    assert_eq!(
        error("a\n  ]"),
        (pos(2, 3), SyntaxErrorKind::UnbalancedBracket)
    );
    assert_eq!(
        error(":put [find"),
        (pos(1, 6), SyntaxErrorKind::UnbalancedBracket)
    );
    assert_eq!(
        error(":put [a)"),
        (pos(1, 8), SyntaxErrorKind::UnbalancedBracket)
    );
    assert_eq!(
        error(":if (1) do={\n:put 1\n"),
        (pos(1, 12), SyntaxErrorKind::UnbalancedBracket)
    );
    assert_eq!(error("}"), (pos(1, 1), SyntaxErrorKind::UnbalancedBracket));
}

#[test]
fn errors_print_with_line_and_column() {
    assert_eq!(
        parse("add\n  =x").expect_err("fails").to_string(),
        "syntax error (line 2 column 3)"
    );
}

#[test]
fn nesting_deeper_than_the_bound_is_refused() {
    let depth = MAX_DEPTH as usize;
    let ok = repeat("[", depth) + &repeat("]", depth);
    assert!(parse(&ok).is_ok());
    let deep = repeat("[", depth + 1) + &repeat("]", depth + 1);
    assert_eq!(
        error(&deep),
        (pos(1, MAX_DEPTH + 1), SyntaxErrorKind::TooDeep)
    );
    let parens = ":put ".to_string() + &repeat("(", 1000) + "1" + &repeat(")", 1000);
    assert_eq!(
        error(&parens),
        (pos(1, 6 + MAX_DEPTH), SyntaxErrorKind::TooDeep)
    );
    let nots = ":put (".to_string() + &repeat("!", 1000) + "x)";
    assert_eq!(
        error(&nots),
        (pos(1, 6 + MAX_DEPTH), SyntaxErrorKind::TooDeep)
    );
    let wheres = "print where ".to_string() + &repeat("!", 1000) + "x";
    assert_eq!(
        error(&wheres),
        (pos(1, 13 + MAX_DEPTH), SyntaxErrorKind::TooDeep)
    );
    let blocks = repeat("{", 100_000);
    assert_eq!(
        error(&blocks),
        (pos(1, MAX_DEPTH + 1), SyntaxErrorKind::TooDeep)
    );
}

#[test]
fn operator_chains_taller_than_the_bound_are_refused() {
    let height = MAX_EXPR_HEIGHT as usize;
    // `1+1+...`: n operators make a tree n+1 tall.
    let ok = ":put (1".to_string() + &repeat("+1", height - 1) + ")";
    assert!(parse(&ok).is_ok());
    let tall = ":put (1".to_string() + &repeat("+1", 100_000) + ")";
    // The operator that would make the tree too tall: the `height`-th `+`, at column 8 + 2 * (height - 1).
    assert_eq!(
        error(&tall),
        (
            pos(1, 8 + 2 * (MAX_EXPR_HEIGHT - 1)),
            SyntaxErrorKind::TooDeep
        )
    );
    let ands = "print where a".to_string() + &repeat(" and a", 100_000);
    assert_eq!(error(&ands).1, SyntaxErrorKind::TooDeep);
}

#[test]
fn many_interpolations_stay_shallow() {
    // A quoted string with many variables becomes a balanced concatenation, not a chain.
    let source = ":put (\"".to_string() + &repeat("$x", 50_000) + "\")";
    assert!(parse(&source).is_ok());
    let source = "print where name=\"".to_string() + &repeat("$x-", 50_000) + "\"";
    assert!(parse(&source).is_ok());
}

#[test]
fn oversized_input_is_refused() {
    let source = repeat("a", MAX_SOURCE_LEN + 1);
    assert_eq!(error(&source), (pos(1, 1), SyntaxErrorKind::TooLong));
    assert!(parse(&repeat("a", MAX_SOURCE_LEN)).is_ok());
}

#[test]
fn the_deepest_accepted_tree_fits_a_small_stack() {
    // Nest brackets, groups and operator chains as deep as the bounds allow, then parse, compare, clone and drop
    // the tree on a thread with a 256 KiB stack (the kernel's is 1 MiB).
    let mut source = "1".to_string();
    for _ in 0..(MAX_DEPTH / 2) {
        source = "(1".to_string()
            + &repeat("+1", MAX_EXPR_HEIGHT as usize - 3)
            + "+[:put "
            + &source
            + "])";
    }
    let source = ":put ".to_string() + &source;
    let thread = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let script = parse(&source).expect("parses");
            let copy = script.clone();
            assert_eq!(copy, script);
            drop(copy);
            drop(script);
        });
    thread
        .expect("thread starts")
        .join()
        .expect("no stack overflow");
}
