//! Syntax errors, printed the way RouterOS prints them: `syntax error (line 1 column 7)`.

use core::fmt;

use super::ast::Pos;

/// Why a script could not be parsed, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where the problem is: the offending character, or the opening quote / bracket that was never closed.
    pub pos: Pos,
    /// What the problem is.
    pub kind: SyntaxErrorKind,
}

/// The kinds of syntax error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// Something that does not fit the grammar here (prints `syntax error`, as RouterOS does).
    SyntaxError,
    /// A `"` with no closing `"`; the position is the opening quote.
    UnterminatedString,
    /// A `]`, `)` or `}` that closes nothing or the wrong thing (at that character), or an opening `[`, `(`, `{`
    /// never closed (at the opening character).
    UnbalancedBracket,
    /// Brackets, braces, parentheses and prefix operators nested deeper than [`MAX_DEPTH`](super::MAX_DEPTH).
    TooDeep,
    /// The source is longer than [`MAX_SOURCE_LEN`](super::MAX_SOURCE_LEN) bytes.
    TooLong,
}

impl SyntaxErrorKind {
    /// The message before the position.
    pub const fn message(self) -> &'static str {
        match self {
            SyntaxErrorKind::SyntaxError => "syntax error",
            SyntaxErrorKind::UnterminatedString => "unterminated string",
            SyntaxErrorKind::UnbalancedBracket => "unbalanced brackets",
            SyntaxErrorKind::TooDeep => "nesting too deep",
            SyntaxErrorKind::TooLong => "script too long",
        }
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (line {} column {})",
            self.kind.message(),
            self.pos.line,
            self.pos.column
        )
    }
}

impl core::error::Error for SyntaxError {}

/// A syntax error as the parser raises it internally: the error, plus whether it only happened because the input
/// ended while a quote, bracket or expression was still open (the console then reads another line instead of
/// reporting it; see [`is_incomplete`](super::is_incomplete)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Failure {
    pub(super) error: SyntaxError,
    pub(super) incomplete: bool,
}

impl Failure {
    pub(super) const fn new(kind: SyntaxErrorKind, pos: Pos, incomplete: bool) -> Self {
        Failure {
            error: SyntaxError { pos, kind },
            incomplete,
        }
    }

    /// A plain `syntax error` at `pos` that more input would not fix.
    pub(super) const fn syntax(pos: Pos) -> Self {
        Failure::new(SyntaxErrorKind::SyntaxError, pos, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn prints_like_routeros() {
        let error = SyntaxError {
            pos: Pos::new(1, 7),
            kind: SyntaxErrorKind::SyntaxError,
        };
        assert_eq!(error.to_string(), "syntax error (line 1 column 7)");
        let error = SyntaxError {
            pos: Pos::new(3, 12),
            kind: SyntaxErrorKind::UnterminatedString,
        };
        assert_eq!(error.to_string(), "unterminated string (line 3 column 12)");
    }
}
