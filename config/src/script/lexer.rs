//! The lexical atoms of RouterOS scripts: blanks and comments, unquoted text, quoted strings with their escapes,
//! and `$variable` references, assembled into the [`Part`]s of a value.
//!
//! What the RouterOS manual ("Scripting", "Language constructs") specifies and this implements:
//! * words are separated by spaces and tabs; `#` at the start of a word comments out the rest of the line;
//! * `"..."` quotes text; inside it `\"` `\\` `\n` `\r` `\t` `\$` `\?` `\_` (space) `\a` `\b` `\f` `\v` and `\XX`
//!   (two upper-case hex digits: one byte; consecutive bytes form UTF-8, invalid UTF-8 becomes U+FFFD) are
//!   escapes, any other escaped character stands for itself, and `$name` is replaced by the variable's value;
//! * variable names are letters, digits and `_` (`$backupFile`), or anything quoted (`$"my-var"`);
//! * outside quotes a backslash escapes the next character the same way (`file=\$name` is the text `$name`).

use alloc::string::String;
use alloc::vec::Vec;

use super::ast::Part;
use super::cursor::Cursor;
use super::error::{Failure, SyntaxErrorKind};

/// Collects the parts of one value, merging adjacent literal text and decoding it from bytes at the end, so that
/// `\D0\9F` escapes spread over adjacent pieces still form one UTF-8 character.
#[derive(Debug, Default)]
pub(super) struct PartsBuilder {
    parts: Vec<Part>,
    /// Literal text not yet pushed as a part; `Some(empty)` is an empty literal (`""`).
    pending: Option<Vec<u8>>,
    /// Whether anything other than unquoted text was added.
    evaluated: bool,
}

impl PartsBuilder {
    pub(super) fn new() -> Self {
        PartsBuilder::default()
    }

    pub(super) fn push_char(&mut self, c: char) {
        let mut buffer = [0u8; 4];
        self.pending
            .get_or_insert_with(Vec::new)
            .extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
    }

    pub(super) fn push_byte(&mut self, byte: u8) {
        self.pending.get_or_insert_with(Vec::new).push(byte);
    }

    /// Records that a literal is present even if it stays empty (`""`, `name=`).
    pub(super) fn touch_literal(&mut self) {
        self.pending.get_or_insert_with(Vec::new);
    }

    /// Adds a non-literal part (or a literal that must stay separate).
    pub(super) fn push_part(&mut self, part: Part) {
        self.flush();
        self.evaluated = true;
        self.parts.push(part);
    }

    /// Marks the value as more than unquoted text (a quoted string was added).
    pub(super) fn mark_evaluated(&mut self) {
        self.evaluated = true;
    }

    /// Whether nothing at all was added.
    pub(super) fn is_empty(&self) -> bool {
        self.parts.is_empty() && self.pending.is_none()
    }

    /// Whether literal text is pending (used to tell `name=` from a word starting with `=`).
    pub(super) fn has_text(&self) -> bool {
        self.pending.as_ref().is_some_and(|bytes| !bytes.is_empty())
    }

    /// The text when only unquoted text was added (the word is bare), else `None`.
    pub(super) fn bare_text(&self) -> Option<String> {
        match (&self.pending, self.evaluated, self.parts.is_empty()) {
            (Some(bytes), false, true) => Some(String::from_utf8_lossy(bytes).into_owned()),
            _ => None,
        }
    }

    /// Takes the pending literal text out (empty if none).
    pub(super) fn take_text(&mut self) -> String {
        self.pending
            .take()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }

    fn flush(&mut self) {
        if let Some(bytes) = self.pending.take()
            && !bytes.is_empty()
        {
            self.parts
                .push(Part::Literal(String::from_utf8_lossy(&bytes).into_owned()));
        }
    }

    /// The parts; a lone empty literal survives (`""` is one part), otherwise empty literals are dropped.
    pub(super) fn finish(mut self) -> Vec<Part> {
        if self.parts.is_empty() {
            if let Some(bytes) = self.pending.take() {
                self.parts
                    .push(Part::Literal(String::from_utf8_lossy(&bytes).into_owned()));
            }
        } else {
            self.flush();
        }
        self.parts
    }
}

/// Where unquoted text is being read; decides which characters end it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BareContext {
    /// The start of a command word: an unescaped `=` after some text ends a parameter name.
    Name,
    /// A word or parameter value.
    Value,
    /// A value in a where-expression: `&&` and `||` also end it (`where name=a&&disabled`).
    WhereValue,
}

/// Blanks between words: spaces, tabs, carriage returns and line continuations.
pub(super) fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r')
}

/// Skips blanks and line continuations, and line ends too when `newlines` is set.
pub(super) fn skip_blanks(cursor: &mut Cursor<'_>, newlines: bool) {
    loop {
        match cursor.peek() {
            Some(c) if is_blank(c) || (newlines && c == '\n') => {
                cursor.bump();
            }
            Some('\\') if cursor.skip_continuation() => {}
            _ => return,
        }
    }
}

/// Skips a `#` comment up to (not including) the end of its line.
pub(super) fn skip_comment(cursor: &mut Cursor<'_>) {
    while cursor.peek().is_some_and(|c| c != '\n') {
        cursor.skip();
    }
}

/// Characters of a variable name written without quotes.
pub(super) fn is_variable_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Characters of a property name or keyword (`dst-address`, `.id`, `and`).
pub(super) fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Whether the keyword `word` (`and`, `or`, `not`, `in`) starts here as a whole word.
pub(super) fn at_keyword(cursor: &Cursor<'_>, word: &str) -> bool {
    let rest = cursor.rest();
    rest.starts_with(word)
        && !rest
            .get(word.len()..)
            .and_then(|after| after.chars().next())
            .is_some_and(is_name_char)
}

/// Whether unquoted text ends before the next character.
fn ends_bare(cursor: &Cursor<'_>, context: BareContext) -> bool {
    match cursor.peek() {
        None => true,
        Some(' ' | '\t' | '\r' | '\n' | ';' | ']' | ')' | '}' | '"' | '$' | '[' | '(' | '{') => {
            true
        }
        Some(c @ ('&' | '|')) => {
            context == BareContext::WhereValue && cursor.peek_second() == Some(c)
        }
        Some(_) => false,
    }
}

/// Reads unquoted text into `builder`, resolving escapes and joining continued lines. Returns whether it stopped
/// at (and consumed) the `=` that ends a parameter name (only in [`BareContext::Name`]).
pub(super) fn scan_bare(
    cursor: &mut Cursor<'_>,
    builder: &mut PartsBuilder,
    context: BareContext,
) -> bool {
    while !ends_bare(cursor, context) {
        match cursor.peek() {
            Some('\\') => {
                if !cursor.skip_continuation() {
                    cursor.bump();
                    scan_escape(cursor, builder);
                }
            }
            Some('=') if context == BareContext::Name && builder.has_text() => {
                cursor.bump();
                return true;
            }
            Some(c) => {
                cursor.bump();
                builder.push_char(c);
            }
            None => break,
        }
    }
    false
}

fn upper_hex_digit(c: char) -> Option<u8> {
    match c {
        '0'..='9' | 'A'..='F' => c.to_digit(16).and_then(|d| u8::try_from(d).ok()),
        _ => None,
    }
}

/// Resolves the escape after a backslash (already consumed) into `builder`. RouterOS wants upper-case hex digits in
/// `\XX`, which keeps `\a` `\b` `\f` (lower case) unambiguous.
pub(super) fn scan_escape(cursor: &mut Cursor<'_>, builder: &mut PartsBuilder) {
    let Some(c) = cursor.peek() else { return };
    let high = upper_hex_digit(c);
    let low = cursor.peek_second().and_then(upper_hex_digit);
    if let (Some(high), Some(low)) = (high, low) {
        cursor.bump_n(2);
        builder.push_byte((high << 4) | low);
        return;
    }
    cursor.bump();
    builder.push_char(match c {
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        '_' => ' ',
        'a' => '\u{07}',
        'b' => '\u{08}',
        'f' => '\u{0c}',
        'v' => '\u{0b}',
        other => other,
    });
}

/// Reads a quoted string (the cursor is at its `"`) into `builder`; with `interpolate`, `$name` inside it becomes
/// a [`Part::Variable`]. An unclosed quote is reported at the opening quote.
pub(super) fn scan_quoted(
    cursor: &mut Cursor<'_>,
    builder: &mut PartsBuilder,
    interpolate: bool,
) -> Result<(), Failure> {
    let open = cursor.pos();
    let unterminated = Failure::new(SyntaxErrorKind::UnterminatedString, open, true);
    cursor.bump();
    builder.mark_evaluated();
    builder.touch_literal();
    loop {
        match cursor.peek() {
            None => return Err(unterminated),
            Some('"') => {
                cursor.bump();
                return Ok(());
            }
            Some('\\') => {
                if !cursor.skip_continuation() {
                    cursor.bump();
                    if cursor.at_eof() {
                        return Err(unterminated);
                    }
                    scan_escape(cursor, builder);
                }
            }
            Some('$') if interpolate && cursor.peek_second().is_some_and(is_variable_name_char) => {
                cursor.bump();
                let name = scan_variable_name(cursor);
                builder.push_part(Part::Variable(name));
            }
            Some(c) => {
                cursor.bump();
                builder.push_char(c);
            }
        }
    }
}

fn scan_variable_name(cursor: &mut Cursor<'_>) -> String {
    let mut name = String::new();
    while let Some(c) = cursor.peek().filter(|&c| is_variable_name_char(c)) {
        cursor.bump();
        name.push(c);
    }
    name
}

/// Reads `$name` or `$"name"` (the cursor is at `$`) and returns the name. A `$` followed by anything else is a
/// syntax error at the `$`.
pub(super) fn scan_variable(cursor: &mut Cursor<'_>) -> Result<String, Failure> {
    let dollar = cursor.pos();
    cursor.bump();
    match cursor.peek() {
        Some('"') => {
            let mut builder = PartsBuilder::new();
            scan_quoted(cursor, &mut builder, false)?;
            let name = builder.take_text();
            if name.is_empty() {
                Err(Failure::syntax(dollar))
            } else {
                Ok(name)
            }
        }
        Some(c) if is_variable_name_char(c) => Ok(scan_variable_name(cursor)),
        _ => Err(Failure::syntax(dollar)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::ast::Pos;
    use alloc::string::ToString;
    use alloc::vec;

    fn quoted(source: &str) -> Result<Vec<Part>, Failure> {
        let mut cursor = Cursor::new(source);
        let mut builder = PartsBuilder::new();
        scan_quoted(&mut cursor, &mut builder, true)?;
        Ok(builder.finish())
    }

    fn literal(text: &str) -> Part {
        Part::Literal(text.to_string())
    }

    #[test]
    fn escapes_resolve() {
        assert_eq!(
            quoted(r#""\"\\\n\r\t\$\?\_\a\b\f\v\q""#),
            Ok(vec![literal("\"\\\n\r\t$? \u{7}\u{8}\u{c}\u{b}q")])
        );
    }

    #[test]
    fn hex_escapes_form_utf8_and_bad_bytes_become_replacement_characters() {
        assert_eq!(quoted(r#""\D0\9F\41""#), Ok(vec![literal("ПA")]));
        assert_eq!(quoted(r#""x\FFy""#), Ok(vec![literal("x\u{fffd}y")]));
        // Lower-case digits are not hex: `\d0` is `d` then `0`.
        assert_eq!(quoted(r#""\d0""#), Ok(vec![literal("d0")]));
    }

    #[test]
    fn variables_interpolate() {
        assert_eq!(
            quoted(r#""a$x b""#),
            Ok(vec![
                literal("a"),
                Part::Variable("x".to_string()),
                literal(" b")
            ])
        );
        assert_eq!(quoted(r#""$x""#), Ok(vec![Part::Variable("x".to_string())]));
        // A `$` not followed by a name is text; `\$` is always text.
        assert_eq!(quoted(r#""5$ \$y""#), Ok(vec![literal("5$ $y")]));
        assert_eq!(quoted(r#""""#), Ok(vec![literal("")]));
    }

    #[test]
    fn continued_lines_join_without_their_indent() {
        assert_eq!(quoted("\"ab\\\r\n    \\ncd\""), Ok(vec![literal("ab\ncd")]));
    }

    #[test]
    fn unterminated_quote_points_at_the_quote() {
        let error = quoted("\"abc").map_err(|f| (f.error.pos, f.error.kind, f.incomplete));
        assert_eq!(
            error,
            Err((Pos::new(1, 1), SyntaxErrorKind::UnterminatedString, true))
        );
        let error = quoted("\"abc\\").map_err(|f| f.error.kind);
        assert_eq!(error, Err(SyntaxErrorKind::UnterminatedString));
    }

    #[test]
    fn variable_names() {
        let mut cursor = Cursor::new("$backup_file.rsc");
        assert_eq!(scan_variable(&mut cursor), Ok("backup_file".to_string()));
        assert_eq!(cursor.peek(), Some('.'));
        let mut cursor = Cursor::new(r#"$"my-var"x"#);
        assert_eq!(scan_variable(&mut cursor), Ok("my-var".to_string()));
        let mut cursor = Cursor::new("$(x)");
        assert_eq!(
            scan_variable(&mut cursor),
            Err(Failure::syntax(Pos::new(1, 1)))
        );
    }

    #[test]
    fn bare_text_stops_at_name_equals_and_where_operators() {
        let mut cursor = Cursor::new("chain=forward");
        let mut builder = PartsBuilder::new();
        assert!(scan_bare(&mut cursor, &mut builder, BareContext::Name));
        assert_eq!(builder.take_text(), "chain");
        assert!(!scan_bare(&mut cursor, &mut builder, BareContext::Name));
        assert_eq!(builder.take_text(), "forward");

        let mut cursor = Cursor::new("a&b&&c");
        let mut builder = PartsBuilder::new();
        scan_bare(&mut cursor, &mut builder, BareContext::WhereValue);
        assert_eq!(
            (builder.take_text(), cursor.rest()),
            ("a&b".to_string(), "&&c")
        );
    }

    #[test]
    fn keywords_are_whole_words() {
        assert!(at_keyword(&Cursor::new("and x"), "and"));
        assert!(at_keyword(&Cursor::new("in"), "in"));
        assert!(!at_keyword(&Cursor::new("interface"), "in"));
        assert!(!at_keyword(&Cursor::new("or-x"), "or"));
    }
}
