//! Scripts, commands and words: the structure of RouterOS console input (manual: "Scripting", "Line structure").
//!
//! A script is commands separated by line ends or `;`. A command is words separated by blanks, up to a line end,
//! `;`, a `#` comment, or the bracket that closes the enclosing `[...]` / `{...}`. A word is `name=value`, `!name`,
//! unquoted text, or a value made of adjacent quoted strings, `$variables`, `[...]`, `(...)`, `{...}` and
//! unquoted text. A `where` word (after the first word) turns the rest of the command into a where-expression.
//!
//! Every nesting level (`[`, `(`, `{`, prefix operators) is counted; beyond [`MAX_DEPTH`] the parser stops with
//! [`SyntaxErrorKind::TooDeep`] instead of recursing further, so hostile input cannot exhaust the stack.

use alloc::string::ToString;
use alloc::vec::Vec;

use super::MAX_DEPTH;
use super::ast::{Command, Part, Pos, Script, Value, Word, WordKind};
use super::cursor::Cursor;
use super::error::{Failure, SyntaxErrorKind};
use super::lexer::{
    BareContext, PartsBuilder, is_blank, scan_bare, scan_quoted, scan_variable, skip_blanks,
    skip_comment,
};

/// The recursive-descent parser; one per [`parse`](super::parse) call.
pub(super) struct Parser<'a> {
    pub(super) cursor: Cursor<'a>,
    /// Current nesting of brackets, braces, parentheses and prefix operators.
    depth: u32,
    /// Brackets, braces and parentheses open right now (an error at the end of input with one open means the
    /// input is incomplete rather than wrong).
    open: u32,
}

impl<'a> Parser<'a> {
    pub(super) fn new(source: &'a str) -> Self {
        Parser {
            cursor: Cursor::new(source),
            depth: 0,
            open: 0,
        }
    }

    /// Enters one nesting level at `pos`, or fails with `TooDeep` there.
    pub(super) fn enter(&mut self, pos: Pos) -> Result<(), Failure> {
        self.depth = self.depth.saturating_add(1);
        if self.depth > MAX_DEPTH {
            return Err(Failure::new(SyntaxErrorKind::TooDeep, pos, false));
        }
        Ok(())
    }

    pub(super) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// A `syntax error` at the next character; incomplete if that is the end of input inside a bracket.
    pub(super) fn unexpected(&self) -> Failure {
        Failure::new(
            SyntaxErrorKind::SyntaxError,
            self.cursor.pos(),
            self.cursor.at_eof() && self.open > 0,
        )
    }

    /// Parses a bracketed construct: the cursor is at the opening bracket; `inner` parses what is inside, then
    /// `close` must follow (blanks and line ends before it are allowed). An opening bracket never closed is reported
    /// at the opening bracket, a wrong closing bracket at itself.
    pub(super) fn bracketed<T>(
        &mut self,
        close: char,
        inner: impl FnOnce(&mut Self) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let open = self.cursor.pos();
        self.cursor.bump();
        self.enter(open)?;
        self.open = self.open.saturating_add(1);
        let value = inner(self)?;
        skip_blanks(&mut self.cursor, true);
        match self.cursor.peek() {
            Some(c) if c == close => {}
            None => return Err(Failure::new(SyntaxErrorKind::UnbalancedBracket, open, true)),
            Some(']' | ')' | '}') => {
                let pos = self.cursor.pos();
                return Err(Failure::new(SyntaxErrorKind::UnbalancedBracket, pos, false));
            }
            Some(_) => return Err(self.unexpected()),
        }
        self.cursor.bump();
        self.open = self.open.saturating_sub(1);
        self.leave();
        Ok(value)
    }

    /// Parses commands up to the end of input (`closer` is `None`) or up to, not including, `closer`.
    pub(super) fn parse_script(&mut self, closer: Option<char>) -> Result<Script, Failure> {
        let mut commands = Vec::new();
        loop {
            self.skip_separators();
            match self.cursor.peek() {
                None => break,
                Some(c) if Some(c) == closer => break,
                Some(']' | ')' | '}') => {
                    return Err(Failure::new(
                        SyntaxErrorKind::UnbalancedBracket,
                        self.cursor.pos(),
                        false,
                    ));
                }
                Some(_) => commands.push(self.parse_command()?),
            }
        }
        Ok(Script { commands })
    }

    /// Skips what separates commands: blanks, line ends, `;`, continuations and comments.
    fn skip_separators(&mut self) {
        loop {
            skip_blanks(&mut self.cursor, true);
            match self.cursor.peek() {
                Some(';') => {
                    self.cursor.bump();
                }
                Some('#') => skip_comment(&mut self.cursor),
                _ => return,
            }
        }
    }

    /// Parses one command; the cursor is at its first word.
    fn parse_command(&mut self) -> Result<Command, Failure> {
        let start = self.cursor.offset();
        let pos = self.cursor.pos();
        let mut words: Vec<Word> = Vec::new();
        let mut where_ = None;
        loop {
            skip_blanks(&mut self.cursor, false);
            match self.cursor.peek() {
                None | Some('\n' | ';' | ']' | ')' | '}') => break,
                Some('#') => {
                    skip_comment(&mut self.cursor);
                    break;
                }
                Some(_) if where_.is_some() => return Err(self.unexpected()),
                Some(_) => {
                    let word = self.parse_word()?;
                    // `print where ...`, `find where ...`: the rest of the command is the condition.
                    if !words.is_empty() && matches!(&word.kind, WordKind::Bare(w) if w == "where")
                    {
                        where_ = Some(self.parse_where()?);
                    } else {
                        words.push(word);
                    }
                }
            }
        }
        let text = self
            .cursor
            .text(start, self.cursor.token_end().max(start))
            .to_string();
        Ok(Command {
            words,
            pos,
            where_,
            text,
        })
    }

    /// Parses one word; the cursor is at its first character.
    fn parse_word(&mut self) -> Result<Word, Failure> {
        let pos = self.cursor.pos();
        let kind = match self.cursor.peek() {
            Some('!') => self.parse_unset(pos)?,
            // `=x`: a value with no name.
            Some('=') => return Err(Failure::syntax(pos)),
            _ => {
                let mut builder = PartsBuilder::new();
                if scan_bare(&mut self.cursor, &mut builder, BareContext::Name) {
                    let name = builder.take_text();
                    let mut value = PartsBuilder::new();
                    value.touch_literal();
                    self.parse_value_parts(&mut value, BareContext::Value)?;
                    WordKind::Arg {
                        name,
                        value: Value::Parts(value.finish()),
                    }
                } else {
                    self.parse_value_parts(&mut builder, BareContext::Value)?;
                    match builder.bare_text() {
                        Some(text) => WordKind::Bare(text),
                        None => WordKind::Value(Value::Parts(builder.finish())),
                    }
                }
            }
        };
        Ok(Word { kind, pos })
    }

    /// `!name` (unset a property); `!` alone or followed by anything but a plain name is a syntax error.
    fn parse_unset(&mut self, pos: Pos) -> Result<WordKind, Failure> {
        self.cursor.bump();
        let mut builder = PartsBuilder::new();
        scan_bare(&mut self.cursor, &mut builder, BareContext::Value);
        let name = builder.take_text();
        if name.is_empty() || name.contains('=') {
            return Err(Failure::syntax(pos));
        }
        if self
            .cursor
            .peek()
            .is_some_and(|c| matches!(c, '"' | '$' | '[' | '(' | '{'))
        {
            return Err(self.unexpected());
        }
        Ok(WordKind::Unset(name))
    }

    /// Adds the parts of a value to `builder` until the end of the word: unquoted text, quoted strings,
    /// `$variables`, `[...]`, `(...)` and `{...}`, written next to each other without blanks.
    pub(super) fn parse_value_parts(
        &mut self,
        builder: &mut PartsBuilder,
        context: BareContext,
    ) -> Result<(), Failure> {
        loop {
            match self.cursor.peek() {
                None => return Ok(()),
                Some(c) if is_blank(c) => return Ok(()),
                Some('\n' | ';' | ']' | ')' | '}') => return Ok(()),
                Some(c @ ('&' | '|'))
                    if context == BareContext::WhereValue
                        && self.cursor.peek_second() == Some(c) =>
                {
                    return Ok(());
                }
                Some('"') => scan_quoted(&mut self.cursor, builder, true)?,
                Some('$') => builder.push_part(Part::Variable(scan_variable(&mut self.cursor)?)),
                Some('[') => builder.push_part(Part::Substitution(self.parse_nested(']')?)),
                Some('{') => builder.push_part(Part::Block(self.parse_nested('}')?)),
                Some('(') => builder.push_part(Part::Expr(self.parse_group()?)),
                Some(_) => {
                    let before = self.cursor.offset();
                    scan_bare(&mut self.cursor, builder, context);
                    if self.cursor.offset() == before {
                        // Nothing consumed: a character no rule takes (cannot happen, but never loop forever).
                        return Err(self.unexpected());
                    }
                }
            }
        }
    }

    /// Parses `[...]` or `{...}` (the cursor is at the opening bracket) into the script inside.
    pub(super) fn parse_nested(&mut self, close: char) -> Result<Script, Failure> {
        self.bracketed(close, |parser| parser.parse_script(Some(close)))
    }
}
