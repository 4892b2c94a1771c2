//! Line discipline for the serial console: collects typed bytes into a line with a cursor, echoing as an
//! ANSI terminal expects.
//!
//! [`LineEditor::feed`] takes one byte at a time, edits the line at the cursor and writes the echo that
//! makes the screen show it. The keys (decoded by [`crate::key`]), as on RouterOS's console and readline:
//!
//! | key | effect |
//! |---|---|
//! | printable ASCII | inserted at the cursor; once the line holds `max_len` characters it is dropped and BEL (0x07) rung |
//! | Left / Ctrl-B, Right / Ctrl-F | cursor one character left / right |
//! | Home / Ctrl-A, End / Ctrl-E | cursor to the start / end of the line |
//! | Backspace (0x08, 0x7f) | erases the character before the cursor |
//! | Delete (`ESC [ 3 ~`) | erases the character under the cursor |
//! | Ctrl-D | erases the character under the cursor; on an empty line yields [`LineEvent::EndOfInput`] (RouterOS ends the session) |
//! | Ctrl-K | erases from the cursor to the end of the line |
//! | Ctrl-U | erases from the start of the line to the cursor (the whole line when the cursor is at the end) |
//! | Ctrl-W | erases the word before the cursor: the spaces just before it, then the non-spaces before those |
//! | Up, Down | replace the line with older / newer history ([`History`]), the cursor at its end |
//! | Enter (CR, LF or CR LF) | echoes `"\r\n"` and yields [`LineEvent::Line`] with the whole line, wherever the cursor is |
//! | Ctrl-C | moves to the end of the line, echoes `"^C\r\n"`, drops the line and yields [`LineEvent::Cancelled`] |
//! | Ctrl-X, F4 | yield [`LineEvent::SafeMode`], the line untouched (RouterOS toggles safe mode) |
//! | Tab, `?` | yield [`LineEvent::Complete`] / [`LineEvent::Help`] without touching the line: the shell looks at [`LineEditor::before_cursor`] and puts text in at the cursor with [`LineEditor::insert_str`] (a `?` inside a quoted string is inserted that way too) |
//!
//! Every other escape sequence, control byte and non-ASCII byte is consumed and ignored.
//!
//! The echo redraws only what changed, using nothing but printable characters, BS (0x08, one column left),
//! `ESC [ n D` (n columns left) and `ESC [ K` (erase to the end of the screen line): moving right rewrites the
//! characters passed over; an insertion writes the rest of the line and moves back over it; an erasure moves
//! to where the text went, rewrites the rest of the line, blanks the columns it no longer covers (one space, or
//! `ESC [ K` for more) and moves back to the cursor. The echo assumes the prompt and line fit on one screen
//! row: a terminal does not move left across a wrapped row, so on a line longer than the screen the cursor
//! shown can be off (the text kept is right either way).
//!
//! Guarantees: no input byte sequence panics; the line only ever holds printable ASCII and never more than
//! `max_len` characters, and the cursor is always within it; memory is bounded by `max_len` times the history
//! capacity. Errors from the echo writer are ignored: what the user typed is processed the same whether or
//! not the echo got through.

use alloc::string::String;
use core::fmt::Write;

use crate::history::History;
use crate::key::{Key, KeyDecoder};

/// Rung when a character does not fit in the line.
const BELL: &str = "\x07";
/// Moves the cursor one column left (BS).
const LEFT_ONE: &str = "\x08";
/// Erases from the cursor to the end of the screen line (ECMA-48 EL, parameter 0).
const ERASE_TO_END: &str = "\x1b[K";

/// What a byte completed, if anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineEvent {
    /// Enter was pressed; the text of the line, without the line ending.
    Line(String),
    /// Ctrl-C was pressed; the line was discarded.
    Cancelled,
    /// Tab was pressed: complete the word before the cursor.
    Complete,
    /// `?` was pressed: show help for the cursor's position.
    Help,
    /// Ctrl-D on an empty line: the user leaves the session.
    EndOfInput,
    /// Ctrl-X or F4: take or release safe mode.
    SafeMode,
}

/// A single-line editor with a cursor and history, fed one byte at a time.
#[derive(Clone, Debug)]
pub struct LineEditor {
    keys: KeyDecoder,
    /// Printable ASCII only, so every byte index is a character boundary and a screen column.
    line: String,
    /// Position of the cursor in `line`, `0..=line.len()`.
    cursor: usize,
    max_len: usize,
    history: History,
}

impl LineEditor {
    /// An empty editor whose lines hold at most `max_len` characters.
    pub fn new(max_len: usize) -> Self {
        Self {
            keys: KeyDecoder::new(),
            line: String::new(),
            cursor: 0,
            max_len,
            history: History::new(),
        }
    }

    /// The line typed so far.
    pub fn line(&self) -> &str {
        &self.line
    }

    /// Where the cursor is: the number of characters before it.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The part of the line before the cursor, what Tab and `?` look at.
    pub fn before_cursor(&self) -> &str {
        self.line.get(..self.cursor).unwrap_or(&self.line)
    }

    /// Forgets the history (a new session starts with none).
    pub fn forget_history(&mut self) {
        self.history = History::new();
    }

    /// The most characters a line can hold.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Processes one input byte, writing its echo to `echo`; returns the event it completed, if any.
    pub fn feed(&mut self, byte: u8, echo: &mut dyn Write) -> Option<LineEvent> {
        let key = self.keys.feed(byte)?;
        self.apply(key, echo)
    }

    /// Decodes one input byte as a single key press without editing the line, for prompts that wait for one key
    /// (such as `[y/N]`). Shares the decoder with [`feed`](Self::feed), so the LF of a CR LF that ended the
    /// previous line and the tail of an escape sequence are absorbed here rather than taken as an answer.
    pub fn read_key(&mut self, byte: u8) -> Option<Key> {
        self.keys.feed(byte)
    }

    /// Writes the whole line and puts the screen cursor back on the editor's cursor; for redrawing the
    /// line after a prompt, once something else was printed.
    pub fn redraw(&self, echo: &mut dyn Write) {
        let _ = echo.write_str(&self.line);
        move_left(echo, self.line.len() - self.cursor);
    }

    /// Carries out one key press on the line.
    fn apply(&mut self, key: Key, echo: &mut dyn Write) -> Option<LineEvent> {
        match key {
            Key::Char(b'?') => return Some(LineEvent::Help),
            Key::Tab => return Some(LineEvent::Complete),
            Key::Char(character) => {
                self.insert_str(char::from(character).encode_utf8(&mut [0; 4]), echo)
            }
            Key::Left => {
                if self.cursor > 0 {
                    self.cursor -= 1;
                    let _ = echo.write_str(LEFT_ONE);
                }
            }
            Key::Right => {
                if let Some(passed) = self.line.get(self.cursor..self.cursor + 1) {
                    let _ = echo.write_str(passed);
                    self.cursor += 1;
                }
            }
            Key::Home => {
                move_left(echo, self.cursor);
                self.cursor = 0;
            }
            Key::End => self.move_to_end(echo),
            Key::Backspace => {
                if self.cursor > 0 {
                    self.erase(self.cursor - 1, self.cursor, echo);
                }
            }
            Key::Delete => self.erase_under_cursor(echo),
            Key::EndOfInput => {
                if self.line.is_empty() {
                    return Some(LineEvent::EndOfInput);
                }
                self.erase_under_cursor(echo);
            }
            Key::SafeMode => return Some(LineEvent::SafeMode),
            Key::KillToEnd => self.erase(self.cursor, self.line.len(), echo),
            Key::KillToStart => self.erase(0, self.cursor, echo),
            Key::KillWord => self.erase(self.word_start(), self.cursor, echo),
            Key::Enter => {
                let _ = echo.write_str("\r\n");
                let line = core::mem::take(&mut self.line);
                self.cursor = 0;
                self.history.record(&line);
                return Some(LineEvent::Line(line));
            }
            Key::Interrupt => {
                self.move_to_end(echo);
                let _ = echo.write_str("^C\r\n");
                self.line.clear();
                self.cursor = 0;
                self.history.stop_browsing();
                return Some(LineEvent::Cancelled);
            }
            Key::Up => {
                if let Some(older) = self.history.older(&self.line) {
                    let older = String::from(older);
                    self.replace_line(older, echo);
                }
            }
            Key::Down => {
                if let Some(newer) = self.history.newer() {
                    let newer = String::from(newer);
                    self.replace_line(newer, echo);
                }
            }
            Key::Other => {}
        }
        None
    }

    /// Inserts `text` at the cursor as if typed, echoing it, the cursor after it: printable ASCII only (other
    /// characters are left out), up to the line's limit (the bell rings for each character that does not
    /// fit).
    pub fn insert_str(&mut self, text: &str, echo: &mut dyn Write) {
        let room = self.max_len.saturating_sub(self.line.len());
        let mut printable = text.chars().filter(|c| matches!(c, ' '..='~'));
        let fitting: String = printable.by_ref().take(room).collect();
        let dropped = printable.count();
        if !fitting.is_empty() {
            let at = self.cursor;
            self.line.insert_str(at, &fitting);
            self.cursor += fitting.len();
            let _ = echo.write_str(&self.line[at..]);
            move_left(echo, self.line.len() - self.cursor);
        }
        for _ in 0..dropped {
            let _ = echo.write_str(BELL);
        }
    }

    /// Moves the cursor to the end of the line, rewriting the characters it passes.
    fn move_to_end(&mut self, echo: &mut dyn Write) {
        let _ = echo.write_str(&self.line[self.cursor..]);
        self.cursor = self.line.len();
    }

    /// Delete and Ctrl-D: erases the character under the cursor, if there is one.
    fn erase_under_cursor(&mut self, echo: &mut dyn Write) {
        if self.cursor < self.line.len() {
            self.erase(self.cursor, self.cursor + 1, echo);
        }
    }

    /// Where the word before the cursor starts (Ctrl-W): back over spaces, then over non-spaces.
    fn word_start(&self) -> usize {
        let before = self.line[..self.cursor].trim_end_matches(' ');
        before.trim_end_matches(|c| c != ' ').len()
    }

    /// Erases `from..to` of the line, where the cursor is at `from` or `to`, and leaves the cursor at `from`;
    /// on screen: to `from`, the rest of the line, the freed columns blanked, back to `from`.
    fn erase(&mut self, from: usize, to: usize, echo: &mut dyn Write) {
        if from >= to || to > self.line.len() {
            return;
        }
        move_left(echo, self.cursor.saturating_sub(from));
        self.line.replace_range(from..to, "");
        self.cursor = from;
        let _ = echo.write_str(&self.line[from..]);
        let overshoot = blank(echo, to - from);
        move_left(echo, self.line.len() - from + overshoot);
    }

    /// Replaces the line with `text` (already printable ASCII within bounds, since it was once typed here),
    /// redrawing it, the cursor at its end.
    fn replace_line(&mut self, text: String, echo: &mut dyn Write) {
        move_left(echo, self.cursor);
        let _ = echo.write_str(&text);
        let overshoot = blank(echo, self.line.len().saturating_sub(text.len()));
        move_left(echo, overshoot);
        self.cursor = text.len();
        self.line = text;
    }
}

/// Moves the screen cursor `columns` to the left: BS for one, `ESC [ n D` (ECMA-48 CUB) for more.
fn move_left(echo: &mut dyn Write, columns: usize) {
    match columns {
        0 => {}
        1 => {
            let _ = echo.write_str(LEFT_ONE);
        }
        _ => {
            let _ = write!(echo, "\x1b[{columns}D");
        }
    }
}

/// Blanks the `columns` screen columns from the cursor on, which no longer hold text: one space for one
/// column, `ESC [ K` for more. Returns how far right that left the cursor.
fn blank(echo: &mut dyn Write, columns: usize) -> usize {
    match columns {
        0 => 0,
        1 => {
            let _ = echo.write_str(" ");
            1
        }
        _ => {
            let _ = echo.write_str(ERASE_TO_END);
            0
        }
    }
}

#[cfg(test)]
mod tests;
