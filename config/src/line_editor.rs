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
//! The echo redraws only what changed: an insertion writes the rest of the line and moves back over it; an
//! erasure moves to where the text went, rewrites the rest of the line, blanks what it no longer covers and
//! moves back to the cursor. How it moves depends on whether the screen's width is known:
//!
//! * **Unknown width** (until the terminal answers the console's cursor position request, see
//!   [`Key::CursorReport`]): the prompt and line are taken to fit on one screen row. The echo uses only
//!   printable characters, BS (0x08, one column left), `ESC [ n D` (n columns left) and `ESC [ K` (erase to the
//!   end of the row); moving right rewrites the characters passed over. On a line longer than the screen the
//!   cursor shown can then be off, since a terminal does not move left across a wrapped row (the text kept is
//!   right either way).
//! * **Known width** ([`LineEditor::set_width`]): the line wraps onto as many rows as it needs after a prompt
//!   of [`LineEditor::start_line`] columns, and the cursor moves between rows with `ESC [ n A` / `ESC [ n B`
//!   (up / down), `ESC [ n C` / `ESC [ n D` (right / left) and CR. Text that ends exactly at the right margin
//!   leaves a VT100 in its "pending wrap" state (the cursor still on the last column); the echo follows it with
//!   CR LF so the cursor is where the next character goes, as linenoise does. Blanking uses `ESC [ J` (erase to
//!   the end of the screen), which also clears rows a shortened line no longer reaches. Enter, Ctrl-C and
//!   [`LineEditor::park`] first move to the end of the line, so what follows is printed under all of it.
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
/// Erases from the cursor to the end of the screen (ECMA-48 ED, parameter 0).
const ERASE_BELOW: &str = "\x1b[J";
/// Screen widths a cursor position report may set; a narrower "report" is more likely a modified F3
/// (`ESC [ 1 ; 2 R`), and a wider one is no screen.
const WIDTHS: core::ops::RangeInclusive<u16> = 20..=1000;

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
    /// Columns of the screen, once known; `None`: the line is taken never to wrap.
    width: Option<usize>,
    /// Columns the prompt before the line takes.
    origin: usize,
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
            width: None,
            origin: 0,
        }
    }

    /// The screen's width in columns, if known.
    pub fn width(&self) -> Option<usize> {
        self.width
    }

    /// Sets the screen's width (`None`: unknown, so the line is taken never to wrap); zero counts as
    /// unknown.
    pub fn set_width(&mut self, width: Option<usize>) {
        self.width = width.filter(|&w| w > 0);
    }

    /// Takes a cursor position report: after the console moved the cursor as far right as it goes and
    /// asked where it is, the column is the screen's width. Reports of a column outside 20..=1000 are ignored.
    pub fn cursor_report(&mut self, column: u16) {
        if WIDTHS.contains(&column) {
            self.width = Some(usize::from(column));
        }
    }

    /// A new line starts after a prompt of `prompt_columns` columns, just written. When the width is known
    /// and the prompt ended exactly at the right margin, moves to the start of the next row (see the
    /// module docs).
    pub fn start_line(&mut self, prompt_columns: usize, echo: &mut dyn Write) {
        self.origin = prompt_columns;
        if let Some(width) = self.width
            && prompt_columns > 0
            && prompt_columns.is_multiple_of(width)
        {
            let _ = echo.write_str("\r\n");
        }
    }

    /// Moves the screen cursor to the end of the line without moving the editor's cursor, so that output
    /// can start on the row after it; the shell then prints, writes the prompt and calls
    /// [`redraw`](Self::redraw). Does nothing while the width is unknown (the line is one row).
    pub fn park(&self, echo: &mut dyn Write) {
        if self.width.is_some() {
            self.goto(echo, self.cursor, self.line.len());
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
        self.write_from(echo, 0);
        self.goto(echo, self.line.len(), self.cursor);
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
                    self.goto(echo, self.cursor, self.cursor - 1);
                    self.cursor -= 1;
                }
            }
            Key::Right => {
                if self.cursor < self.line.len() {
                    self.goto(echo, self.cursor, self.cursor + 1);
                    self.cursor += 1;
                }
            }
            Key::Home => {
                self.goto(echo, self.cursor, 0);
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
                // Output goes under the whole line: past its end, on a new row unless the end
                // already starts one.
                self.park(echo);
                if !self.at_row_start(self.line.len()) {
                    let _ = echo.write_str("\r\n");
                }
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
            Key::CursorReport { column, .. } => self.cursor_report(column),
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
            self.write_from(echo, at);
            self.goto(echo, self.line.len(), self.cursor);
        }
        for _ in 0..dropped {
            let _ = echo.write_str(BELL);
        }
    }

    /// Moves the cursor to the end of the line, rewriting the characters it passes.
    fn move_to_end(&mut self, echo: &mut dyn Write) {
        self.goto(echo, self.cursor, self.line.len());
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
        self.goto(echo, self.cursor, from);
        self.line.replace_range(from..to, "");
        self.cursor = from;
        self.write_from(echo, from);
        let overshoot = self.blank(echo, to - from);
        self.goto(echo, self.line.len() + overshoot, from);
    }

    /// Replaces the line with `text` (already printable ASCII within bounds, since it was once typed here),
    /// redrawing it, the cursor at its end.
    fn replace_line(&mut self, text: String, echo: &mut dyn Write) {
        self.goto(echo, self.cursor, 0);
        let freed = self.line.len().saturating_sub(text.len());
        self.line = text;
        self.cursor = self.line.len();
        self.write_from(echo, 0);
        let overshoot = self.blank(echo, freed);
        self.goto(echo, self.line.len() + overshoot, self.cursor);
    }

    /// The screen row (counted from the prompt's) and column of the position before line index `index`.
    fn screen_position(&self, index: usize, width: usize) -> (usize, usize) {
        let at = self.origin + index;
        (at / width, at % width)
    }

    /// Whether the position before line index `index` is the first column of a row below the prompt's
    /// first, which the echo reached with CR LF after text that ended at the right margin.
    fn at_row_start(&self, index: usize) -> bool {
        self.width
            .is_some_and(|w| self.origin + index > 0 && (self.origin + index).is_multiple_of(w))
    }

    /// Moves the screen cursor from before line index `from` to before `to`, both within the line as the
    /// screen shows it. Unknown width: BS or `ESC [ n D` to the left, rewriting the characters passed to
    /// the right (`from..to` must then be text of the line).
    fn goto(&self, echo: &mut dyn Write, from: usize, to: usize) {
        let Some(width) = self.width else {
            if to < from {
                move_left(echo, from - to);
            } else {
                let _ = echo.write_str(self.line.get(from..to).unwrap_or(""));
            }
            return;
        };
        let (from_row, from_column) = self.screen_position(from, width);
        let (to_row, to_column) = self.screen_position(to, width);
        if to_row < from_row {
            let _ = write!(echo, "\x1b[{}A", from_row - to_row);
        } else if to_row > from_row {
            let _ = write!(echo, "\x1b[{}B", to_row - from_row);
        }
        if to_column < from_column {
            if to_column == 0 {
                let _ = echo.write_str("\r");
            } else {
                move_left(echo, from_column - to_column);
            }
        } else if to_column > from_column {
            let _ = write!(echo, "\x1b[{}C", to_column - from_column);
        }
    }

    /// Writes the line from index `from` (where the screen cursor is) to its end, and leaves the screen
    /// cursor before the end: past text that filled a row to the margin, at the start of the next row.
    fn write_from(&self, echo: &mut dyn Write, from: usize) {
        let text = self.line.get(from..).unwrap_or("");
        let _ = echo.write_str(text);
        if !text.is_empty() && self.at_row_start(self.line.len()) {
            let _ = echo.write_str("\r\n");
        }
    }

    /// Blanks the `columns` screen columns from the cursor (at the end of the line) on, which no longer
    /// hold text. Returns how many columns right of the line's end that left the screen cursor.
    fn blank(&self, echo: &mut dyn Write, columns: usize) -> usize {
        if columns == 0 {
            return 0;
        }
        if self.width.is_some() {
            let _ = echo.write_str(ERASE_BELOW);
            return 0;
        }
        blank_row(echo, columns)
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

/// Blanks the `columns` screen columns of the row from the cursor on, which no longer hold text: one space
/// for one column, `ESC [ K` for more. Returns how far right that left the cursor.
fn blank_row(echo: &mut dyn Write, columns: usize) -> usize {
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
