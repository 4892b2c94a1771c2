//! The syntax tree of a RouterOS script: what [`parse`](super::parse) produces and the interpreter walks.
//!
//! The tree is purely syntactic. Whether `ip` names a menu, `add` a command or `do` a parameter of `:if` is decided
//! later against the object model; here a command is only a list of words. Commands and words carry the 1-based
//! line and column (in characters) where they start, so that errors found later still read
//! `... (line 3 column 12)` as RouterOS prints them.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

/// A place in the source: 1-based line and 1-based column, columns counted in characters (a tab is one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl Pos {
    /// The position at `line`, `column` (both 1-based).
    pub const fn new(line: u32, column: u32) -> Self {
        Pos { line, column }
    }
}

/// A sequence of commands: a whole `.rsc` file, a console line, or the inside of `[...]` / `{...}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Script {
    /// The commands in source order; empty lines, lone `;` and comments leave no command.
    pub commands: Vec<Command>,
}

/// One command: the words between two separators (newline or `;`), plus its `where` expression if it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The words before `where` (the `where` word itself is not kept: `where_` says it was there).
    pub words: Vec<Word>,
    /// Where the command's first word starts.
    pub pos: Pos,
    /// The expression after a `where` word (`print where disabled`, `find where name=ether1`).
    pub where_: Option<Expr>,
    /// The command's source text from its first to its last character, line continuations included as typed
    /// (for `/import verbose=yes` reports and for scripts stored from a `{...}` block).
    pub text: String,
}

/// One word of a command and where it starts (for an argument, where its name starts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// What the word is.
    pub kind: WordKind,
    /// Where the word starts.
    pub pos: Pos,
}

/// The kinds of word RouterOS distinguishes by syntax alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WordKind {
    /// An unquoted word with nothing to evaluate in it: a path (`/ip/firewall/filter`, `..`), a command or
    /// parameter name, an item reference (`*1F`, `0,1,2`). The text is as typed (escapes outside quotes, which are
    /// rare, are resolved; abbreviations are not expanded).
    Bare(String),
    /// `name=value`, with no spaces around `=`; the name as typed (it may be abbreviated).
    Arg {
        /// The text before the first `=`.
        name: String,
        /// The value after it; `name=` has the empty literal as value.
        value: Value,
    },
    /// `!name`: unsets the property (`set 0 !comment`).
    Unset(String),
    /// Any other word: a quoted string, `[...]`, `(...)`, `{...}`, `$var`, or a concatenation such as `abc$x`.
    Value(Value),
}

/// A value to be evaluated by the interpreter: the concatenation of its parts.
///
/// Adjacent literal text is merged into one [`Part::Literal`]; a value always has at least one part (the empty
/// quoted string `""` is one empty literal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// The parts, in source order, whose text values are concatenated.
    Parts(Vec<Part>),
}

impl Value {
    /// The parts of the value.
    pub fn parts(&self) -> &[Part] {
        match self {
            Value::Parts(parts) => parts,
        }
    }

    /// The text of the value when it is one literal (no variable, substitution, expression or block to evaluate).
    pub fn as_literal(&self) -> Option<&str> {
        match self.parts() {
            [Part::Literal(text)] => Some(text),
            _ => None,
        }
    }
}

/// One piece of a [`Value`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Unquoted text, or quoted text with its escapes resolved.
    Literal(String),
    /// `$name` (or `$"any name"`), outside or inside quotes.
    Variable(String),
    /// `[ ... ]`: run the nested script and use its result.
    Substitution(Script),
    /// `( ... )`: evaluate the expression.
    Expr(Expr),
    /// `{ ... }`: a nested script kept for later (`do={...}`, `on-error={...}`, `source={...}`) or an array.
    Block(Script),
}

/// An expression: the inside of `( ... )`, or the condition after `where`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// A number, quoted string or bare word (`5`, `"a b"`, `1.2.3.4`, `yes`), escapes resolved.
    Literal(String),
    /// `$name`.
    Variable(String),
    /// `[ ... ]`.
    Substitution(Script),
    /// `{ ... }`: a block, or an array such as `{1;2;3}`.
    Block(Script),
    /// `!x`, `not x`, `-x`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// What it applies to.
        operand: Box<Expr>,
    },
    /// `left op right`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The left operand.
        left: Box<Expr>,
        /// The right operand.
        right: Box<Expr>,
    },
    /// A bare property name in a where-expression: true when that boolean property or flag is set (`dynamic`).
    Property(String),
    /// A where-expression term `prop op value` (`name=ether1`, `address in 10.0.0.0/8`).
    Compare {
        /// The property name as typed.
        property: String,
        /// One of `Eq`, `Ne`, `Lt`, `Gt`, `Le`, `Ge`, `Match`, `In`.
        op: BinaryOp,
        /// What the property is compared with.
        value: Box<Expr>,
    },
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `!` or `not`.
    Not,
    /// `-`.
    Negate,
}

/// Infix operators, listed from the loosest binding to the tightest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `||` or `or`.
    Or,
    /// `&&` or `and`.
    And,
    /// `=`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `>`.
    Gt,
    /// `<=`.
    Le,
    /// `>=`.
    Ge,
    /// `~`: regular-expression match.
    Match,
    /// `in`: containment (an address in a prefix, an element in an array).
    In,
    /// `.`: string concatenation.
    Concat,
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
}

impl BinaryOp {
    /// Binding strength, higher binds tighter: `||` < `&&` < comparisons < `.` < `+ -` < `* /`.
    pub const fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Gt
            | BinaryOp::Le
            | BinaryOp::Ge
            | BinaryOp::Match
            | BinaryOp::In => 3,
            BinaryOp::Concat => 4,
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Mul | BinaryOp::Div => 6,
        }
    }

    /// The operator as RouterOS writes it (the symbolic form where there are two).
    pub const fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Gt => ">",
            BinaryOp::Le => "<=",
            BinaryOp::Ge => ">=",
            BinaryOp::Match => "~",
            BinaryOp::In => "in",
            BinaryOp::Concat => ".",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }
}
