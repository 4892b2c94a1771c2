//! Where-expressions: the condition after `where` in `print where ...`, `find where ...`, `export where ...`.
//!
//! A term is `prop=value`, `prop!=value`, `prop<value`, `prop>value`, `prop<=value`, `prop>=value`,
//! `prop~"regex"`, `prop in 10.0.0.0/8`, or a bare `prop` (true when that boolean property or flag is set:
//! `dynamic`, `disabled`). Terms combine with `!`/`not`, parentheses, `and`/`&&` and `or`/`||`, where `and` binds
//! tighter than `or` (RouterOS manual, "print ... where"). Blanks around comparison operators are allowed; values
//! are unquoted text, quoted strings, `$variables`, `[...]` or `(...)`, or those written next to each other.
//!
//! The expression runs to the end of the command; line ends count as blanks only inside parentheses.

use alloc::boxed::Box;
use alloc::string::String;

use super::ast::{BinaryOp, Expr, UnaryOp};
use super::error::Failure;
use super::expr::{
    Tree, checked_height, comparison_operator, logical_operator, take_not, tree_from_parts,
};
use super::lexer::{BareContext, PartsBuilder, is_name_char, skip_blanks};
use super::parse::Parser;

impl Parser<'_> {
    /// Parses the expression after a `where` word, up to the end of the command (not consumed).
    pub(super) fn parse_where(&mut self) -> Result<Expr, Failure> {
        let tree = self.where_chain(BinaryOp::Or, false)?;
        skip_blanks(&mut self.cursor, false);
        match self.cursor.peek() {
            None | Some('\n' | ';' | '#' | ']' | ')' | '}') => Ok(tree.expr),
            Some(_) => Err(self.unexpected()),
        }
    }

    /// Terms joined by `op` (`Or` over `And` chains, `And` over unary terms). `nested` is set inside
    /// parentheses, where line ends are blanks.
    fn where_chain(&mut self, op: BinaryOp, nested: bool) -> Result<Tree, Failure> {
        let mut left = self.where_operand_of(op, nested)?;
        loop {
            let mut lookahead = self.cursor.clone();
            skip_blanks(&mut lookahead, nested);
            match logical_operator(&lookahead) {
                Some((found, length)) if found == op => {
                    self.cursor = lookahead;
                    let pos = self.cursor.pos();
                    self.cursor.bump_n(length);
                    let right = self.where_operand_of(op, nested)?;
                    left = Tree::binary(op, left, right, pos)?;
                }
                _ => return Ok(left),
            }
        }
    }

    fn where_operand_of(&mut self, op: BinaryOp, nested: bool) -> Result<Tree, Failure> {
        if op == BinaryOp::Or {
            self.where_chain(BinaryOp::And, nested)
        } else {
            self.where_unary(nested)
        }
    }

    /// `!term`, `not term`, or a term.
    fn where_unary(&mut self, nested: bool) -> Result<Tree, Failure> {
        skip_blanks(&mut self.cursor, nested);
        let pos = self.cursor.pos();
        if !take_not(&mut self.cursor) {
            return self.where_term(nested);
        }
        self.enter(pos)?;
        let operand = self.where_unary(nested)?;
        self.leave();
        Tree::unary(UnaryOp::Not, operand, pos)
    }

    /// `( expr )`, `prop op value` or `prop`.
    fn where_term(&mut self, nested: bool) -> Result<Tree, Failure> {
        if self.cursor.peek() == Some('(') {
            return self.bracketed(')', |parser| parser.where_chain(BinaryOp::Or, true));
        }
        let pos = self.cursor.pos();
        let mut property = String::new();
        while let Some(c) = self.cursor.peek().filter(|&c| is_name_char(c)) {
            self.cursor.bump();
            property.push(c);
        }
        if property.is_empty() {
            return Err(self.unexpected());
        }
        let mut lookahead = self.cursor.clone();
        skip_blanks(&mut lookahead, nested);
        let Some((op, length)) = comparison_operator(&lookahead) else {
            return Ok(Tree::leaf(Expr::Property(property)));
        };
        self.cursor = lookahead;
        self.cursor.bump_n(length);
        skip_blanks(&mut self.cursor, nested);
        let value = self.where_value()?;
        let height = checked_height(value.height, pos)?;
        Ok(Tree {
            expr: Expr::Compare {
                property,
                op,
                value: Box::new(value.expr),
            },
            height,
        })
    }

    /// The value compared with: one word's worth of parts.
    fn where_value(&mut self) -> Result<Tree, Failure> {
        let pos = self.cursor.pos();
        let mut builder = PartsBuilder::new();
        self.parse_value_parts(&mut builder, BareContext::WhereValue)?;
        if builder.is_empty() {
            return Err(self.unexpected());
        }
        tree_from_parts(builder.finish(), pos)
    }
}
