//! Expressions in `( ... )`: `(1 + 2)`, `("backup-" . [/system clock get date] . ".rsc")`, `($a < 5 && !$b)`.
//!
//! Operators, loosest first (RouterOS manual, "Operators"): `||` `or`; `&&` `and`; `=` `!=` `<` `>` `<=` `>=` `~`
//! `in`; `.` (concatenation); `+` `-`; `*` `/`; prefix `!` `not` `-`. All binary operators associate to the left.
//! Operands are quoted strings, `$variables`, `[...]`, `(...)`, `{...}` arrays, and unquoted literals.
//!
//! Unquoted literals keep `.`, `:`, `-` and `/` inside them, so `1.2.3.4`, `10.0.0.0/8`, `00:10:00` and
//! `ether1-wan` are single literals; write blanks around `.`, and around `-` or `/` after anything but a plain
//! number, to use them as operators (`$i-1` and `10-2` subtract, `a-b` is one literal). A `*` starting an operand is
//! an item id (`*1F`), elsewhere it multiplies.
//!
//! Every expression tree is at most [`MAX_EXPR_HEIGHT`] operators tall (deeper is [`SyntaxErrorKind::TooDeep`]),
//! so a long chain like `1+1+1+...` cannot make walking or dropping the tree overflow the stack.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::MAX_EXPR_HEIGHT;
use super::ast::{BinaryOp, Expr, Part, Pos, UnaryOp};
use super::cursor::Cursor;
use super::error::{Failure, SyntaxErrorKind};
use super::lexer::{
    PartsBuilder, at_keyword, is_blank, scan_escape, scan_quoted, scan_variable, skip_blanks,
};
use super::parse::Parser;

/// An expression and its height: 1 for an operand, one more than the taller operand for an operator.
pub(super) struct Tree {
    pub(super) expr: Expr,
    pub(super) height: u32,
}

impl Tree {
    pub(super) fn leaf(expr: Expr) -> Self {
        Tree { expr, height: 1 }
    }

    /// `left op right`, or `TooDeep` at `pos` (the operator) if that is too tall.
    pub(super) fn binary(op: BinaryOp, left: Tree, right: Tree, pos: Pos) -> Result<Tree, Failure> {
        let height = checked_height(left.height.max(right.height), pos)?;
        let expr = Expr::Binary {
            op,
            left: Box::new(left.expr),
            right: Box::new(right.expr),
        };
        Ok(Tree { expr, height })
    }

    /// `op operand`, or `TooDeep` at `pos` (the operator).
    pub(super) fn unary(op: UnaryOp, operand: Tree, pos: Pos) -> Result<Tree, Failure> {
        let height = checked_height(operand.height, pos)?;
        Ok(Tree {
            expr: Expr::Unary {
                op,
                operand: Box::new(operand.expr),
            },
            height,
        })
    }
}

/// One more than `below`, if that stays within [`MAX_EXPR_HEIGHT`].
pub(super) fn checked_height(below: u32, pos: Pos) -> Result<u32, Failure> {
    match below.checked_add(1) {
        Some(height) if height <= MAX_EXPR_HEIGHT => Ok(height),
        _ => Err(Failure::new(SyntaxErrorKind::TooDeep, pos, false)),
    }
}

/// The expression for a value made of parts (`"a$x"`, `abc$x`): the parts concatenated. The concatenation tree is
/// balanced (concatenation is associative), so even a string with thousands of `$variables` stays shallow.
pub(super) fn tree_from_parts(parts: Vec<Part>, pos: Pos) -> Result<Tree, Failure> {
    let mut level: Vec<Tree> = parts
        .into_iter()
        .map(|part| match part {
            Part::Literal(text) => Tree::leaf(Expr::Literal(text)),
            Part::Variable(name) => Tree::leaf(Expr::Variable(name)),
            Part::Substitution(script) => Tree::leaf(Expr::Substitution(script)),
            Part::Block(script) => Tree::leaf(Expr::Block(script)),
            Part::Expr(expr) => Tree {
                height: expr_height(&expr),
                expr,
            },
        })
        .collect();
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut trees = level.into_iter();
        while let Some(left) = trees.next() {
            match trees.next() {
                Some(right) => next.push(Tree::binary(BinaryOp::Concat, left, right, pos)?),
                None => next.push(left),
            }
        }
        level = next;
    }
    Ok(level
        .pop()
        .unwrap_or_else(|| Tree::leaf(Expr::Literal(alloc::string::String::new()))))
}

/// The height of an expression built by this parser (so at most [`MAX_EXPR_HEIGHT`], which bounds the recursion).
fn expr_height(expr: &Expr) -> u32 {
    match expr {
        Expr::Unary { operand, .. } => expr_height(operand).saturating_add(1),
        Expr::Binary { left, right, .. } => {
            expr_height(left).max(expr_height(right)).saturating_add(1)
        }
        Expr::Compare { value, .. } => expr_height(value).saturating_add(1),
        _ => 1,
    }
}

/// The comparison operator starting here, with its length in characters: `=` `!=` `<` `>` `<=` `>=` `~` `in`.
pub(super) fn comparison_operator(cursor: &Cursor<'_>) -> Option<(BinaryOp, usize)> {
    const SYMBOLS: [(&str, BinaryOp); 7] = [
        ("!=", BinaryOp::Ne),
        ("<=", BinaryOp::Le),
        (">=", BinaryOp::Ge),
        ("<", BinaryOp::Lt),
        (">", BinaryOp::Gt),
        ("=", BinaryOp::Eq),
        ("~", BinaryOp::Match),
    ];
    for (symbol, op) in SYMBOLS {
        if cursor.starts_with(symbol) {
            return Some((op, symbol.len()));
        }
    }
    at_keyword(cursor, "in").then_some((BinaryOp::In, 2))
}

/// `&&`/`and` or `||`/`or` starting here, with its length.
pub(super) fn logical_operator(cursor: &Cursor<'_>) -> Option<(BinaryOp, usize)> {
    if cursor.starts_with("&&") {
        Some((BinaryOp::And, 2))
    } else if cursor.starts_with("||") {
        Some((BinaryOp::Or, 2))
    } else if at_keyword(cursor, "and") {
        Some((BinaryOp::And, 3))
    } else if at_keyword(cursor, "or") {
        Some((BinaryOp::Or, 2))
    } else {
        None
    }
}

/// Any binary operator starting here, with its length.
fn binary_operator(cursor: &Cursor<'_>) -> Option<(BinaryOp, usize)> {
    const ARITHMETIC: [(char, BinaryOp); 5] = [
        ('.', BinaryOp::Concat),
        ('+', BinaryOp::Add),
        ('-', BinaryOp::Sub),
        ('*', BinaryOp::Mul),
        ('/', BinaryOp::Div),
    ];
    logical_operator(cursor)
        .or_else(|| comparison_operator(cursor))
        .or_else(|| {
            let next = cursor.peek()?;
            ARITHMETIC
                .iter()
                .find(|(symbol, _)| *symbol == next)
                .map(|&(_, op)| (op, 1))
        })
}

/// Consumes a logical negation, `!` (but not `!=`) or `not`, if one starts here.
pub(super) fn take_not(cursor: &mut Cursor<'_>) -> bool {
    if cursor.peek() == Some('!') && cursor.peek_second() != Some('=') {
        cursor.bump();
        true
    } else if at_keyword(cursor, "not") {
        cursor.bump_n(3);
        true
    } else {
        false
    }
}

/// Characters that end an unquoted literal in an expression.
fn ends_literal(c: char) -> bool {
    is_blank(c)
        || matches!(
            c,
            '\n' | '(' | ')' | '[' | ']' | '{' | '}' | '"' | '$' | ';'
        )
        || matches!(c, '=' | '!' | '<' | '>' | '~' | '+' | '*' | '&' | '|')
}

/// Reads an unquoted literal operand (`5`, `1.2.3.4`, `10.0.0.0/8`, `*1F`, `yes`), resolving escapes.
fn scan_literal(cursor: &mut Cursor<'_>) -> alloc::string::String {
    let mut builder = PartsBuilder::new();
    let mut digits_only = true;
    while let Some(c) = cursor.peek() {
        match c {
            '\\' => {
                if !cursor.skip_continuation() {
                    cursor.bump();
                    scan_escape(cursor, &mut builder);
                    digits_only = false;
                }
            }
            // An item id: `*` may start an operand.
            '*' if !builder.has_text() => {
                cursor.bump();
                builder.push_char(c);
                digits_only = false;
            }
            _ if ends_literal(c) => break,
            // `10-2`, `10/2`: after a plain number these are arithmetic.
            '-' | '/' if builder.has_text() && digits_only => break,
            _ => {
                cursor.bump();
                builder.push_char(c);
                digits_only &= c.is_ascii_digit();
            }
        }
    }
    builder.take_text()
}

impl Parser<'_> {
    /// Parses `( expr )`; the cursor is at the `(`. Line ends inside the parentheses are blanks.
    pub(super) fn parse_group(&mut self) -> Result<Expr, Failure> {
        Ok(self.parse_group_tree()?.expr)
    }

    pub(super) fn parse_group_tree(&mut self) -> Result<Tree, Failure> {
        self.bracketed(')', |parser| parser.parse_binary(1))
    }

    /// Precedence climbing: operands joined by operators binding at least as tight as `min_precedence`. The
    /// recursion for right operands is bounded by the number of precedence levels.
    fn parse_binary(&mut self, min_precedence: u8) -> Result<Tree, Failure> {
        let mut left = self.parse_unary()?;
        loop {
            let mut lookahead = self.cursor.clone();
            skip_blanks(&mut lookahead, true);
            let Some((op, length)) = binary_operator(&lookahead) else {
                break;
            };
            if op.precedence() < min_precedence {
                break;
            }
            self.cursor = lookahead;
            let pos = self.cursor.pos();
            self.cursor.bump_n(length);
            let right = self.parse_binary(op.precedence().saturating_add(1))?;
            left = Tree::binary(op, left, right, pos)?;
        }
        Ok(left)
    }

    /// `!x`, `not x`, `-x`, or an operand.
    fn parse_unary(&mut self) -> Result<Tree, Failure> {
        skip_blanks(&mut self.cursor, true);
        let pos = self.cursor.pos();
        let op = match self.cursor.peek() {
            _ if take_not(&mut self.cursor) => UnaryOp::Not,
            Some('-') => {
                self.cursor.bump();
                UnaryOp::Negate
            }
            _ => return self.parse_operand(),
        };
        self.enter(pos)?;
        let operand = self.parse_unary()?;
        self.leave();
        Tree::unary(op, operand, pos)
    }

    /// A literal, quoted string, variable, `[...]`, `{...}` or `(...)`.
    fn parse_operand(&mut self) -> Result<Tree, Failure> {
        let pos = self.cursor.pos();
        match self.cursor.peek() {
            None | Some(')' | ']' | '}' | ';' | '=' | '!' | '<' | '>' | '~' | '+' | '&' | '|') => {
                Err(self.unexpected())
            }
            Some('"') => {
                let mut builder = PartsBuilder::new();
                scan_quoted(&mut self.cursor, &mut builder, true)?;
                tree_from_parts(builder.finish(), pos)
            }
            Some('$') => Ok(Tree::leaf(Expr::Variable(scan_variable(&mut self.cursor)?))),
            Some('[') => Ok(Tree::leaf(Expr::Substitution(self.parse_nested(']')?))),
            Some('{') => Ok(Tree::leaf(Expr::Block(self.parse_nested('}')?))),
            Some('(') => self.parse_group_tree(),
            Some(_) => {
                let text = scan_literal(&mut self.cursor);
                if text.is_empty() {
                    return Err(self.unexpected());
                }
                Ok(Tree::leaf(Expr::Literal(text)))
            }
        }
    }
}
