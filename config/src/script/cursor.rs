//! A read position in the source that knows its line and column, and RouterOS line continuations.
//!
//! Lines end at `\n` (a `\r` before it is an ordinary blank, so CRLF files read like LF files). Columns count
//! characters, 1-based, as RouterOS reports them. A backslash right before the end of a line continues the line:
//! the backslash, the line end and the blanks that start the next line are dropped, in and between words and
//! inside quoted strings alike (RouterOS exports wrap long lines as ` \` + newline + four spaces, even inside a
//! quoted value). Every method is total: at the end of input `peek` is `None` and `bump` does nothing.

use super::ast::Pos;

#[derive(Clone, Debug)]
pub(super) struct Cursor<'a> {
    source: &'a str,
    /// Byte offset of the next character; always on a character boundary of `source`.
    offset: usize,
    line: u32,
    column: u32,
    /// Byte offset just past the last character that was not a blank, line end or line continuation.
    token_end: usize,
    /// Whether a line continuation ran into the end of the input (the console keeps reading).
    continued_at_eof: bool,
}

impl<'a> Cursor<'a> {
    /// A cursor at line 1, column 1 of `source`; a leading byte-order mark (some editors save one) is skipped.
    pub(super) fn new(source: &'a str) -> Self {
        let offset = if source.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        Cursor {
            source,
            offset,
            line: 1,
            column: 1,
            token_end: offset,
            continued_at_eof: false,
        }
    }

    /// The source from the next character on.
    pub(super) fn rest(&self) -> &'a str {
        self.source.get(self.offset..).unwrap_or("")
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// The character after the next one.
    pub(super) fn peek_second(&self) -> Option<char> {
        let mut chars = self.rest().chars();
        chars.next();
        chars.next()
    }

    pub(super) fn starts_with(&self, text: &str) -> bool {
        self.rest().starts_with(text)
    }

    pub(super) fn at_eof(&self) -> bool {
        self.rest().is_empty()
    }

    /// Where the next character is.
    pub(super) fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    pub(super) fn offset(&self) -> usize {
        self.offset
    }

    pub(super) fn token_end(&self) -> usize {
        self.token_end
    }

    pub(super) fn continued_at_eof(&self) -> bool {
        self.continued_at_eof
    }

    /// The source between two offsets taken from this cursor (empty if they do not delimit text).
    pub(super) fn text(&self, from: usize, to: usize) -> &'a str {
        self.source.get(from..to).unwrap_or("")
    }

    /// Moves past the next character and returns it; it counts as part of a token unless it is blank.
    pub(super) fn bump(&mut self) -> Option<char> {
        let c = self.advance()?;
        if !matches!(c, ' ' | '\t' | '\r' | '\n') {
            self.token_end = self.offset;
        }
        Some(c)
    }

    /// Moves past `count` characters (ones already looked at).
    pub(super) fn bump_n(&mut self, count: usize) {
        for _ in 0..count {
            self.bump();
        }
    }

    /// Moves past the next character without counting it as part of a token (comments, continuations).
    pub(super) fn skip(&mut self) -> Option<char> {
        self.advance()
    }

    fn advance(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.offset = self.offset.saturating_add(c.len_utf8());
        if c == '\n' {
            self.line = self.line.saturating_add(1);
            self.column = 1;
        } else {
            self.column = self.column.saturating_add(1);
        }
        Some(c)
    }

    /// Whether a line continuation starts here: `\` followed by the end of the line (or of the input).
    pub(super) fn at_continuation(&self) -> bool {
        let mut chars = self.rest().chars();
        if chars.next() != Some('\\') {
            return false;
        }
        match chars.next() {
            None | Some('\n') => true,
            Some('\r') => chars.next() == Some('\n'),
            Some(_) => false,
        }
    }

    /// Drops a line continuation (`\`, the line end, the next line's leading blanks) if one starts here.
    pub(super) fn skip_continuation(&mut self) -> bool {
        if !self.at_continuation() {
            return false;
        }
        self.skip();
        if self.peek() == Some('\r') {
            self.skip();
        }
        if self.peek() == Some('\n') {
            self.skip();
        }
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.skip();
        }
        if self.at_eof() {
            self.continued_at_eof = true;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_lines_restart() {
        let mut cursor = Cursor::new("aé\n\tb");
        assert_eq!(cursor.pos(), Pos::new(1, 1));
        cursor.bump();
        cursor.bump();
        assert_eq!(cursor.pos(), Pos::new(1, 3));
        cursor.bump();
        assert_eq!(cursor.pos(), Pos::new(2, 1));
        cursor.bump();
        assert_eq!((cursor.pos(), cursor.peek()), (Pos::new(2, 2), Some('b')));
        cursor.bump();
        assert_eq!(
            (cursor.bump(), cursor.peek(), cursor.at_eof()),
            (None, None, true)
        );
    }

    #[test]
    fn continuation_drops_backslash_line_end_and_indent() {
        let mut cursor = Cursor::new("\\\r\n    x");
        assert!(cursor.skip_continuation());
        assert_eq!((cursor.peek(), cursor.pos()), (Some('x'), Pos::new(2, 5)));
        assert_eq!(cursor.token_end(), 0);
        assert!(!cursor.continued_at_eof());

        let mut cursor = Cursor::new("\\x");
        assert!(!cursor.skip_continuation());
        assert_eq!(cursor.peek(), Some('\\'));

        let mut cursor = Cursor::new("\\\n  ");
        assert!(cursor.skip_continuation());
        assert!(cursor.continued_at_eof());
    }

    #[test]
    fn byte_order_mark_is_not_a_column() {
        let cursor = Cursor::new("\u{feff}/ip");
        assert_eq!((cursor.peek(), cursor.pos()), (Some('/'), Pos::new(1, 1)));
    }
}
