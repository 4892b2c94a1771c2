//! The RouterOS script and console language: from console input or a `.rsc` file to a syntax tree.
//!
//! [`parse`] knows RouterOS lexical and structural syntax only (RouterOS manual, "Scripting"; reference §6):
//! commands separated by line ends or `;`, `\` continuing a line, `#` comments, words (`name=value`, `!name`,
//! unquoted text, quoted strings with escapes and `$variable` interpolation, `[...]` command substitution,
//! `(...)` expressions, `{...}` blocks, `$variables`, and concatenations of these), and the where-expression that
//! follows a `where` word. It knows nothing about menus: whether `ip` is a menu, `add` a command or `do` a
//! parameter of `:if` is decided later by the interpreter against the object model, which also gives the
//! scripting commands (`:local`, `:if`, `:foreach`, ...) their meaning.
//!
//! Commands and words carry their 1-based line and column (columns count characters), and errors print as
//! RouterOS prints them: `syntax error (line 3 column 12)`.
//!
//! Guarantees: total on every input (never panics); input longer than [`MAX_SOURCE_LEN`] bytes is refused;
//! brackets, parentheses and prefix operators nest at most [`MAX_DEPTH`] deep and an expression is at most
//! [`MAX_EXPR_HEIGHT`] operators tall, so neither parsing nor walking the tree recurses without bound. Memory is
//! linear in the input (each command also keeps a copy of its source text).

mod ast;
mod cursor;
mod error;
mod expr;
mod lexer;
mod parse;
mod where_clause;

#[cfg(test)]
mod tests;

pub use ast::{BinaryOp, Command, Expr, Part, Pos, Script, UnaryOp, Value, Word, WordKind};
pub use error::{SyntaxError, SyntaxErrorKind};

use error::Failure;
use parse::Parser;

/// The longest source [`parse`] accepts, in bytes (1 MiB; a large export is a few hundred KiB).
pub const MAX_SOURCE_LEN: usize = 1 << 20;

/// How deep `[...]`, `{...}`, `(...)` and prefix operators (`!`, `-`, `not`) may nest.
pub const MAX_DEPTH: u32 = 32;

/// How tall one expression tree may be, counted in operators (a chain `a . b . c` is two tall).
pub const MAX_EXPR_HEIGHT: u32 = 64;

/// Parses a script: a `.rsc` file, or one console command (possibly several lines long).
pub fn parse(source: &str) -> Result<Script, SyntaxError> {
    run(source).0.map_err(|failure| failure.error)
}

/// Whether console input is incomplete — a quote, bracket, brace or parenthesis still open, or a trailing `\` —
/// so that the console reads a continuation line instead of running it. Input that is complete but wrong is not
/// incomplete: running it reports the error.
pub fn is_incomplete(source: &str) -> bool {
    match run(source) {
        (Ok(_), continued) => continued,
        (Err(failure), _) => failure.incomplete,
    }
}

/// Parses `source`; also says whether it ended in a line continuation.
fn run(source: &str) -> (Result<Script, Failure>, bool) {
    if source.len() > MAX_SOURCE_LEN {
        let failure = Failure::new(SyntaxErrorKind::TooLong, Pos::new(1, 1), false);
        return (Err(failure), false);
    }
    let mut parser = Parser::new(source);
    let result = parser.parse_script(None);
    (result, parser.cursor.continued_at_eof())
}
