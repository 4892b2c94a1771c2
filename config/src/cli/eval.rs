//! Evaluating words and expressions: argument values (`name=abc$x"def"`), `[ ... ]` substitutions,
//! `( ... )` expressions, and `where` conditions over an item's properties.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

use super::val::Val;
use super::{CliError, Env};
use crate::script::{BinaryOp, Expr, Part, UnaryOp, Value};

impl Env<'_> {
    /// The value of an argument word.
    pub fn value(&mut self, value: &Value) -> Result<Val, CliError> {
        let Value::Parts(parts) = value;
        if let [only] = parts.as_slice() {
            return self.part(only);
        }
        let mut text = String::new();
        for part in parts {
            text.push_str(&self.part(part)?.to_text());
        }
        Ok(Val::Str(text))
    }

    fn part(&mut self, part: &Part) -> Result<Val, CliError> {
        match part {
            Part::Literal(text) => Ok(Val::Str(text.clone())),
            Part::Variable(name) => Ok(self.variable(name).cloned().unwrap_or_default()),
            Part::Substitution(script) => self.nested(script),
            Part::Expr(expr) => self.expr(expr),
            Part::Block(script) => Ok(Val::Code(script.clone())),
        }
    }

    /// The value of a `( ... )` expression.
    pub fn expr(&mut self, expr: &Expr) -> Result<Val, CliError> {
        match expr {
            Expr::Literal(text) => Ok(literal(text)),
            Expr::Variable(name) => Ok(self.variable(name).cloned().unwrap_or_default()),
            Expr::Substitution(script) => self.nested(script),
            Expr::Block(script) => Ok(Val::Code(script.clone())),
            Expr::Property(name) => Ok(Val::Str(name.clone())),
            Expr::Unary { op, operand } => {
                let v = self.expr(operand)?;
                Ok(match op {
                    UnaryOp::Not => Val::Bool(!v.truthy()),
                    UnaryOp::Negate => match number(&v) {
                        Some(n) => Val::Num(n.saturating_neg()),
                        None => Val::Nothing,
                    },
                })
            }
            Expr::Binary { op, left, right } => {
                let l = self.expr(left)?;
                // `&&`/`||` short-circuit as in RouterOS.
                match op {
                    BinaryOp::And if !l.truthy() => return Ok(Val::Bool(false)),
                    BinaryOp::Or if l.truthy() => return Ok(Val::Bool(true)),
                    _ => {}
                }
                let r = self.expr(right)?;
                Ok(binary(*op, &l, &r))
            }
            Expr::Compare {
                property,
                op,
                value,
            } => {
                let r = self.expr(value)?;
                Ok(binary(*op, &Val::Str(property.clone()), &r))
            }
        }
    }
}

/// A literal in an expression: numbers become numbers, `true`/`false` booleans, the rest text.
fn literal(text: &str) -> Val {
    if let Ok(n) = text.parse::<i64>() {
        return Val::Num(n);
    }
    match text {
        "true" => Val::Bool(true),
        "false" => Val::Bool(false),
        _ => Val::Str(String::from(text)),
    }
}

fn number(v: &Val) -> Option<i64> {
    match v {
        Val::Num(n) => Some(*n),
        Val::Str(s) => s.parse().ok(),
        Val::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// Applies a binary operator to two run-time values.
pub fn binary(op: BinaryOp, l: &Val, r: &Val) -> Val {
    let numbers = number(l).zip(number(r));
    match op {
        BinaryOp::Concat => Val::Str(format!("{}{}", l.to_text(), r.to_text())),
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
            let Some((a, b)) = numbers else {
                return Val::Nothing;
            };
            match op {
                BinaryOp::Add => Val::Num(a.saturating_add(b)),
                BinaryOp::Sub => Val::Num(a.saturating_sub(b)),
                BinaryOp::Mul => Val::Num(a.saturating_mul(b)),
                _ => a.checked_div(b).map_or(Val::Nothing, Val::Num),
            }
        }
        BinaryOp::And => Val::Bool(l.truthy() && r.truthy()),
        BinaryOp::Or => Val::Bool(l.truthy() || r.truthy()),
        BinaryOp::Eq => Val::Bool(l.to_text() == r.to_text()),
        BinaryOp::Ne => Val::Bool(l.to_text() != r.to_text()),
        BinaryOp::Lt | BinaryOp::Gt | BinaryOp::Le | BinaryOp::Ge => {
            let ordering = match numbers {
                Some((a, b)) => a.cmp(&b),
                None => l.to_text().cmp(&r.to_text()),
            };
            Val::Bool(matches!(
                (op, ordering),
                (BinaryOp::Lt, Ordering::Less)
                    | (BinaryOp::Gt, Ordering::Greater)
                    | (BinaryOp::Le, Ordering::Less | Ordering::Equal)
                    | (BinaryOp::Ge, Ordering::Greater | Ordering::Equal)
            ))
        }
        BinaryOp::Match => Val::Bool(crate::cli::items::regex_match(&r.to_text(), &l.to_text())),
        BinaryOp::In => {
            Val::Bool(crate::value::ipv4_contains(&r.to_text(), &l.to_text()).unwrap_or(false))
        }
    }
}

/// The words of a command after the command word, sorted by kind.
#[derive(Default)]
pub struct Args {
    /// Unnamed values, with where they stand.
    pub unnamed: Vec<(Val, crate::script::Pos)>,
    /// `name=value` (name as typed).
    pub named: Vec<(String, Val, crate::script::Pos)>,
    /// `!name`.
    pub unset: Vec<(String, crate::script::Pos)>,
}

impl Args {
    /// Removes and returns the named argument `name` (exact).
    pub fn take(&mut self, name: &str) -> Option<Val> {
        let at = self.named.iter().position(|(n, _, _)| n == name)?;
        Some(self.named.remove(at).1)
    }

    /// Removes a bare unnamed word equal to `word` (a print modifier such as `detail`).
    pub fn flag(&mut self, word: &str) -> bool {
        match self
            .unnamed
            .iter()
            .position(|(v, _)| matches!(v, Val::Str(s) if s == word))
        {
            Some(at) => {
                self.unnamed.remove(at);
                true
            }
            None => false,
        }
    }

    /// An error for the first argument nobody took.
    pub fn leftover(&self) -> Result<(), CliError> {
        let first = self
            .named
            .iter()
            .map(|(_, _, p)| *p)
            .chain(self.unset.iter().map(|(_, p)| *p))
            .chain(self.unnamed.iter().map(|(_, p)| *p))
            .min_by_key(|p| (p.line, p.column));
        match first {
            Some(pos) => Err(CliError::at("expected end of command", pos)),
            None => Ok(()),
        }
    }
}

impl Env<'_> {
    /// Evaluates the argument words of a command.
    pub fn args(&mut self, words: &[crate::script::Word]) -> Result<Args, CliError> {
        use crate::script::WordKind;
        let mut args = Args::default();
        for word in words {
            match &word.kind {
                WordKind::Bare(text) => args.unnamed.push((Val::Str(text.clone()), word.pos)),
                WordKind::Value(value) => {
                    let v = self.value(value)?;
                    args.unnamed.push((v, word.pos));
                }
                WordKind::Arg { name, value } => {
                    let v = self.value(value)?;
                    args.named.push((name.clone(), v, word.pos));
                }
                WordKind::Unset(name) => args.unset.push((name.clone(), word.pos)),
            }
        }
        Ok(args)
    }
}
