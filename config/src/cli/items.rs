//! The items a command sees and how it names them: rows of a menu (configured items, then the dynamic ones
//! the system reports) with every property's value as `print` shows it; item references (print numbers,
//! names, `*ID`s, comma lists, `[find ...]` results); and `where` conditions over rows.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::val::Val;
use super::{CliError, Env};
use crate::model::schema::{MenuDef, PropType};
use crate::model::{Item, parse_id};
use crate::script::{BinaryOp, Expr, UnaryOp};

/// One item as the user sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub id: u32,
    pub dynamic: bool,
    /// Property → value as shown (references by name, defaults filled in, read-only values from the
    /// running system).
    pub values: BTreeMap<&'static str, String>,
    /// Properties stored on the item (the rest show defaults).
    pub stored: Vec<&'static str>,
}

impl Row {
    pub fn get(&self, prop: &str) -> Option<&str> {
        self.values.get(prop).map(String::as_str)
    }

    /// Whether the boolean property (or flag) `prop` is set.
    pub fn is(&self, prop: &str) -> bool {
        match prop {
            "dynamic" => self.dynamic,
            _ => matches!(self.get(prop), Some("yes" | "true")),
        }
    }
}

impl Env<'_> {
    /// The rows of `menu`: configured items in order, then dynamic ones (`/system package` has the
    /// running system's package instead, see `package`).
    pub fn rows(&self, menu: &'static MenuDef) -> Vec<Row> {
        let mut rows = Vec::new();
        if let Some(item) = self.package(menu) {
            rows.push(self.row(menu, &item, false));
        }
        for item in self.config.items(menu) {
            rows.push(self.row(menu, item, false));
        }
        for item in self.system.dynamic_items(self.config, menu) {
            rows.push(self.row(menu, &item, true));
        }
        rows
    }

    fn row(&self, menu: &'static MenuDef, item: &Item, dynamic: bool) -> Row {
        let mut values = BTreeMap::new();
        let mut stored = Vec::new();
        // A user's password hash is not shown, nor matched by `where` (crate::login).
        for prop in menu
            .props
            .iter()
            .filter(|p| !crate::login::is_password(menu, p))
        {
            if let Some(v) = item.get(prop.name) {
                stored.push(prop.name);
                values.insert(prop.name, self.config.display(prop, v));
            } else if let Some(default) = prop.default {
                values.insert(prop.name, String::from(default));
            }
        }
        if !dynamic {
            for (name, value) in self.system.status(self.config, menu, item) {
                if let Some(prop) = menu.prop(name) {
                    values.insert(prop.name, value);
                }
            }
        }
        // A reference whose target is gone makes the item invalid, as in RouterOS.
        if menu.prop("invalid").is_some() || menu.flags.iter().any(|f| f.property == "invalid") {
            let dangling = menu.props.iter().any(|p| {
                matches!(p.ty, PropType::Ref { .. })
                    && item.get(p.name).is_some_and(|v| self.config.dangling(p, v))
            });
            if dangling {
                values.insert("invalid", String::from("yes"));
            }
        }
        Row {
            id: item.id,
            dynamic,
            values,
            stored,
        }
    }

    /// The item IDs an item reference names: `0,1`, `*1F`, `ether1`, a `[find]` result.
    pub fn item_ids(&self, menu: &'static MenuDef, reference: &Val) -> Result<Vec<u32>, CliError> {
        if let Some(ids) = reference.ids() {
            return Ok(ids);
        }
        let text = reference.to_text();
        let mut ids = Vec::new();
        for part in text.split([',', ';']).filter(|p| !p.is_empty()) {
            ids.push(self.item_id(menu, part)?);
        }
        if ids.is_empty() {
            return Err(CliError::plain("no such item"));
        }
        Ok(ids)
    }

    fn item_id(&self, menu: &'static MenuDef, part: &str) -> Result<u32, CliError> {
        if let Some(id) = parse_id(part) {
            return Ok(id);
        }
        if part.bytes().all(|b| b.is_ascii_digit()) {
            let number: usize = part.parse().map_err(|_| CliError::plain("no such item"))?;
            return self
                .session
                .numbers
                .get(menu.path)
                .and_then(|ids| ids.get(number))
                .copied()
                .ok_or_else(|| CliError::plain("no such item"));
        }
        if let Some(key) = menu.key
            && let Some(row) = self
                .rows(menu)
                .into_iter()
                .find(|r| r.get(key) == Some(part))
        {
            return Ok(row.id);
        }
        Err(CliError::plain("no such item"))
    }

    /// Whether `row` satisfies a `where` expression.
    pub fn matches(
        &mut self,
        menu: &'static MenuDef,
        row: &Row,
        expr: &Expr,
    ) -> Result<bool, CliError> {
        Ok(match expr {
            Expr::Property(name) => {
                let prop = resolve_name(menu, name);
                row.is(prop)
            }
            Expr::Unary {
                op: UnaryOp::Not,
                operand,
            } => !self.matches(menu, row, operand)?,
            Expr::Binary {
                op: BinaryOp::And,
                left,
                right,
            } => self.matches(menu, row, left)? && self.matches(menu, row, right)?,
            Expr::Binary {
                op: BinaryOp::Or,
                left,
                right,
            } => self.matches(menu, row, left)? || self.matches(menu, row, right)?,
            Expr::Compare {
                property,
                op,
                value,
            } => {
                let wanted = self.expr(value)?.to_text();
                let prop_name = resolve_name(menu, property);
                let have = row.get(prop_name).unwrap_or("");
                compare(menu, prop_name, *op, have, &wanted)
            }
            other => self.expr(other)?.truthy(),
        })
    }

    /// The rows of `menu` that satisfy `condition` (all without one).
    pub fn select(
        &mut self,
        menu: &'static MenuDef,
        condition: Option<&Expr>,
        equal: &[(String, String)],
    ) -> Result<Vec<Row>, CliError> {
        let mut out = Vec::new();
        for row in self.rows(menu) {
            if self.satisfies(menu, &row, condition, equal)? {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// Whether `row` has every `name=value` of `equal` and satisfies `condition`.
    pub fn satisfies(
        &mut self,
        menu: &'static MenuDef,
        row: &Row,
        condition: Option<&Expr>,
        equal: &[(String, String)],
    ) -> Result<bool, CliError> {
        for (name, wanted) in equal {
            let prop = resolve_name(menu, name);
            if !compare(
                menu,
                prop,
                BinaryOp::Eq,
                row.get(prop).unwrap_or(""),
                wanted,
            ) {
                return Ok(false);
            }
        }
        match condition {
            Some(expr) => self.matches(menu, row, expr),
            None => Ok(true),
        }
    }
}

/// A property name as typed in a condition, resolved through abbreviations (kept as typed when unknown).
fn resolve_name<'a>(menu: &'static MenuDef, name: &'a str) -> &'a str {
    match menu.resolve_prop(name) {
        Ok(prop) => prop.name,
        Err(_) => name,
    }
}

/// `have op wanted` for property `prop`: numbers, durations and addresses compare by value; `~` is a
/// regular expression; `in` is prefix containment.
fn compare(menu: &MenuDef, prop: &str, op: BinaryOp, have: &str, wanted: &str) -> bool {
    let ty = menu.prop(prop).and_then(|p| match p.ty {
        PropType::Value(ty) => Some(ty),
        PropType::Ref { .. } => None,
    });
    match op {
        BinaryOp::Eq | BinaryOp::Ne => {
            let canonical = ty
                .and_then(|t| t.normalize(wanted).ok())
                .unwrap_or_else(|| String::from(wanted));
            (have == canonical || have == wanted) == (op == BinaryOp::Eq)
        }
        BinaryOp::Lt | BinaryOp::Gt | BinaryOp::Le | BinaryOp::Ge => {
            let ordering = ty
                .and_then(|t| t.compare(have, wanted))
                .unwrap_or_else(|| have.cmp(wanted));
            use core::cmp::Ordering::*;
            matches!(
                (op, ordering),
                (BinaryOp::Lt, Less)
                    | (BinaryOp::Gt, Greater)
                    | (BinaryOp::Le, Less | Equal)
                    | (BinaryOp::Ge, Greater | Equal)
            )
        }
        BinaryOp::Match => regex_match(wanted, have),
        BinaryOp::In => crate::value::ipv4_contains(wanted, have)
            .or_else(|| crate::value::ipv6_contains(wanted, have))
            .unwrap_or(false),
        _ => false,
    }
}

/// Most steps one regular-expression match may take (backtracking is bounded).
const REGEX_BUDGET: u32 = 100_000;

/// Whether `text` contains a match of `pattern` (POSIX extended subset RouterOS users write: literals,
/// `.`, `*`, `+`, `?`, `^`, `$`, `[...]` classes with ranges and `^` negation, `\` escapes).
pub fn regex_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let mut budget = REGEX_BUDGET;
    if let Some(rest) = pattern.strip_prefix(&['^']) {
        return match_here(rest, &text, &mut budget);
    }
    (0..=text.len()).any(|start| match_here(&pattern, &text[start..], &mut budget))
}

/// Whether a character matches one pattern element.
type CharTest<'a> = Box<dyn Fn(char) -> bool + 'a>;

/// One pattern element and how long it is in the pattern.
fn element(pattern: &[char]) -> Option<(usize, CharTest<'_>)> {
    match pattern.first()? {
        '.' => Some((1, Box::new(|_| true))),
        '\\' => {
            let c = *pattern.get(1)?;
            Some((2, Box::new(move |x| x == c)))
        }
        '[' => {
            let end = pattern.iter().skip(2).position(|c| *c == ']')? + 2;
            let body = &pattern[1..end];
            let (negated, body) = match body.split_first() {
                Some(('^', rest)) => (true, rest),
                _ => (false, body),
            };
            Some((
                end + 1,
                Box::new(move |x| {
                    let mut i = 0;
                    let mut hit = false;
                    while i < body.len() {
                        if i + 2 < body.len() && body[i + 1] == '-' {
                            hit |= body[i] <= x && x <= body[i + 2];
                            i += 3;
                        } else {
                            hit |= body[i] == x;
                            i += 1;
                        }
                    }
                    hit != negated
                }),
            ))
        }
        c => {
            let c = *c;
            Some((1, Box::new(move |x| x == c)))
        }
    }
}

fn match_here(pattern: &[char], text: &[char], budget: &mut u32) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    if pattern.is_empty() {
        return true;
    }
    if pattern == ['$'] {
        return text.is_empty();
    }
    let Some((len, accepts)) = element(pattern) else {
        return false;
    };
    let rest = &pattern[len..];
    match rest.first() {
        Some(q @ ('*' | '+' | '?')) => {
            let after = &rest[1..];
            let min = usize::from(*q == '+');
            let max = if *q == '?' { 1 } else { text.len() };
            let mut count = 0;
            while count < max && count < text.len() && accepts(text[count]) {
                count += 1;
            }
            (min..=count)
                .rev()
                .any(|n| match_here(after, &text[n..], budget))
        }
        _ => match text.first() {
            Some(c) if accepts(*c) => match_here(rest, &text[1..], budget),
            _ => false,
        },
    }
}

/// For `find` without `where`: the `name=value` arguments, as equality conditions.
pub fn equalities(named: &[(String, Val, crate::script::Pos)]) -> Vec<(String, String)> {
    named
        .iter()
        .map(|(n, v, _)| (n.clone(), v.to_text()))
        .collect()
}
