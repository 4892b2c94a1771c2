//! Short constructors for expected trees, so tests read like the source they parse.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::script::{
    BinaryOp, Command, Expr, Part, Pos, Script, SyntaxErrorKind, UnaryOp, Value, Word, WordKind,
    parse,
};

pub(super) fn pos(line: u32, column: u32) -> Pos {
    Pos::new(line, column)
}

pub(super) fn lit(text: &str) -> Part {
    Part::Literal(text.to_string())
}

pub(super) fn var(name: &str) -> Part {
    Part::Variable(name.to_string())
}

pub(super) fn bare(text: &str, line: u32, column: u32) -> Word {
    Word {
        kind: WordKind::Bare(text.to_string()),
        pos: pos(line, column),
    }
}

pub(super) fn arg(name: &str, parts: Vec<Part>, line: u32, column: u32) -> Word {
    Word {
        kind: WordKind::Arg {
            name: name.to_string(),
            value: Value::Parts(parts),
        },
        pos: pos(line, column),
    }
}

pub(super) fn unset(name: &str, line: u32, column: u32) -> Word {
    Word {
        kind: WordKind::Unset(name.to_string()),
        pos: pos(line, column),
    }
}

pub(super) fn value(parts: Vec<Part>, line: u32, column: u32) -> Word {
    Word {
        kind: WordKind::Value(Value::Parts(parts)),
        pos: pos(line, column),
    }
}

pub(super) fn command(words: Vec<Word>, line: u32, column: u32, text: &str) -> Command {
    Command {
        words,
        pos: pos(line, column),
        where_: None,
        text: text.to_string(),
    }
}

pub(super) fn script(commands: Vec<Command>) -> Script {
    Script { commands }
}

pub(super) fn e_lit(text: &str) -> Expr {
    Expr::Literal(text.to_string())
}

pub(super) fn e_var(name: &str) -> Expr {
    Expr::Variable(name.to_string())
}

pub(super) fn e_prop(name: &str) -> Expr {
    Expr::Property(name.to_string())
}

pub(super) fn bin(op: BinaryOp, left: Expr, right: Expr) -> Expr {
    Expr::Binary {
        op,
        left: Box::new(left),
        right: Box::new(right),
    }
}

pub(super) fn not(operand: Expr) -> Expr {
    Expr::Unary {
        op: UnaryOp::Not,
        operand: Box::new(operand),
    }
}

pub(super) fn cmp(property: &str, op: BinaryOp, value: Expr) -> Expr {
    Expr::Compare {
        property: property.to_string(),
        op,
        value: Box::new(value),
    }
}

/// The only command of `source` (fails the test if there is not exactly one).
pub(super) fn one(source: &str) -> Command {
    let mut commands = parse(source).expect("parses").commands;
    assert_eq!(commands.len(), 1, "one command in {source:?}");
    commands.remove(0)
}

/// The words of the only command of `source`.
pub(super) fn words(source: &str) -> Vec<Word> {
    one(source).words
}

/// The expression of `:put (...)`, the only word after `:put`.
pub(super) fn expr(source: &str) -> Expr {
    let words = words(source);
    match words.as_slice() {
        [
            _,
            Word {
                kind: WordKind::Value(Value::Parts(parts)),
                ..
            },
        ] => match parts.as_slice() {
            [Part::Expr(expr)] => expr.clone(),
            other => panic!("not one expression: {other:?}"),
        },
        other => panic!("not `:put (...)`: {other:?}"),
    }
}

/// The where-expression of the only command of `source`.
pub(super) fn where_of(source: &str) -> Expr {
    one(source).where_.expect("has a where-expression")
}

/// The error `source` gives: position and kind.
pub(super) fn error(source: &str) -> (Pos, SyntaxErrorKind) {
    let error = parse(source).expect_err("fails to parse");
    (error.pos, error.kind)
}

/// `text` repeated `count` times.
pub(super) fn repeat(text: &str, count: usize) -> String {
    text.repeat(count)
}
