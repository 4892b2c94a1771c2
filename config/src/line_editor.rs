//! Line discipline for the serial console: collects typed bytes into a line, echoing as a terminal expects.
//!
//! [`LineEditor::feed`] takes one byte at a time and writes the echo for it. Behaviour:
//! * printable ASCII is appended and echoed; once the line holds `max_len` characters further characters are
//!   dropped and BEL (0x07) is echoed instead;
//! * Backspace (0x08) and DEL (0x7f) erase the last character, echoing `"\x08 \x08"` (nothing on an empty line);
//! * Ctrl-U erases the whole line the same way;
//! * Enter (CR, LF or CR LF, counted once) echoes `"\r\n"` and yields [`LineEvent::Line`];
//! * Ctrl-C echoes `"^C\r\n"`, drops the line and yields [`LineEvent::Cancelled`];
//! * Up and Down (ANSI cursor keys) replace the line with older / newer history entries, erasing the old text
//!   and echoing the new; the history keeps the last [`History::CAPACITY`] non-empty lines, without consecutive
//!   duplicates;
//! * Tab yields [`LineEvent::Complete`] and `?` yields [`LineEvent::Help`], neither touching the line: the
//!   shell completes the word or prints help and puts text in with [`LineEditor::insert_str`] (a `?`
//!   inside a quoted string is inserted that way too);
//! * every other escape sequence, control byte and non-ASCII byte is consumed and ignored.
//!
//! Guarantees: no input byte sequence panics; the line only ever holds printable ASCII and never more than
//! `max_len` characters; memory is bounded by `max_len` times the history capacity. Errors from the echo
//! writer are ignored: what the user typed is processed the same whether or not the echo got through.

use alloc::string::String;
use core::fmt::Write;

use crate::history::History;
use crate::key::{Key, KeyDecoder};

/// Rung when a character does not fit in the line.
const BELL: &str = "\x07";
/// Moves back over one character, blanks it and moves back again.
const ERASE_ONE: &str = "\x08 \x08";

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
}

/// A single-line editor with history, fed one byte at a time.
#[derive(Clone, Debug)]
pub struct LineEditor {
    keys: KeyDecoder,
    line: String,
    max_len: usize,
    history: History,
}

impl LineEditor {
    /// An empty editor whose lines hold at most `max_len` characters.
    pub fn new(max_len: usize) -> Self {
        Self {
            keys: KeyDecoder::new(),
            line: String::new(),
            max_len,
            history: History::new(),
        }
    }

    /// The line typed so far.
    pub fn line(&self) -> &str {
        &self.line
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

    /// Carries out one key press on the line.
    fn apply(&mut self, key: Key, echo: &mut dyn Write) -> Option<LineEvent> {
        match key {
            Key::Char(b'?') => return Some(LineEvent::Help),
            Key::Tab => return Some(LineEvent::Complete),
            Key::Char(character) => self.insert(character, echo),
            Key::Backspace => {
                if self.line.pop().is_some() {
                    let _ = echo.write_str(ERASE_ONE);
                }
            }
            Key::KillLine => self.erase_line(echo),
            Key::Enter => {
                let _ = echo.write_str("\r\n");
                let line = core::mem::take(&mut self.line);
                self.history.record(&line);
                return Some(LineEvent::Line(line));
            }
            Key::Interrupt => {
                let _ = echo.write_str("^C\r\n");
                self.line.clear();
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

    /// Inserts `text` at the cursor as if typed, echoing it: printable ASCII only (other characters are
    /// left out), up to the line's limit (the bell rings for each character that does not fit).
    pub fn insert_str(&mut self, text: &str, echo: &mut dyn Write) {
        for byte in text.bytes().filter(|b| (0x20..=0x7e).contains(b)) {
            self.insert(byte, echo);
        }
    }

    /// Appends a printable character if it fits, ringing the bell if it does not.
    fn insert(&mut self, character: u8, echo: &mut dyn Write) {
        if self.line.len() < self.max_len {
            self.line.push(char::from(character));
            let _ = echo.write_char(char::from(character));
        } else {
            let _ = echo.write_str(BELL);
        }
    }

    /// Erases the whole line on screen and in the buffer.
    fn erase_line(&mut self, echo: &mut dyn Write) {
        for _ in 0..self.line.len() {
            let _ = echo.write_str(ERASE_ONE);
        }
        self.line.clear();
    }

    /// Replaces the line with `text` (already printable ASCII within bounds, since it was once typed here),
    /// redrawing it.
    fn replace_line(&mut self, text: String, echo: &mut dyn Write) {
        self.erase_line(echo);
        let _ = echo.write_str(&text);
        self.line = text;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// Feeds `bytes`, returning the echo and the events produced.
    fn type_bytes(editor: &mut LineEditor, bytes: &[u8]) -> (String, Vec<LineEvent>) {
        let mut echo = String::new();
        let events = bytes
            .iter()
            .filter_map(|&b| editor.feed(b, &mut echo))
            .collect();
        (echo, events)
    }

    fn line(text: &str) -> LineEvent {
        LineEvent::Line(String::from(text))
    }

    #[test]
    fn echoes_typed_text_and_returns_the_line_on_enter() {
        let mut editor = LineEditor::new(80);
        let (echo, events) = type_bytes(&mut editor, b"/system print\r");
        assert_eq!(echo, "/system print\r\n");
        assert_eq!(events, [line("/system print")]);
        assert_eq!(editor.line(), "");
    }

    #[test]
    fn backspace_and_del_erase_and_nothing_happens_on_an_empty_line() {
        let mut editor = LineEditor::new(80);
        let (echo, events) = type_bytes(&mut editor, b"ab\x08c\x7f\x7f\x7f\x08d\n");
        assert_eq!(echo, "ab\x08 \x08c\x08 \x08\x08 \x08d\r\n");
        assert_eq!(events, [line("d")]);
    }

    #[test]
    fn cr_lf_counts_as_one_enter() {
        let mut editor = LineEditor::new(80);
        let (echo, events) = type_bytes(&mut editor, b"a\r\nb\r\n\r\n");
        assert_eq!(events, [line("a"), line("b"), line("")]);
        assert_eq!(echo, "a\r\nb\r\n\r\n");
        let (_, events) = type_bytes(&mut editor, b"x\ny\rz\r\r");
        assert_eq!(events, [line("x"), line("y"), line("z"), line("")]);
    }

    #[test]
    fn ctrl_c_cancels_the_line() {
        let mut editor = LineEditor::new(80);
        let (echo, events) = type_bytes(&mut editor, b"abc\x03");
        assert_eq!(echo, "abc^C\r\n");
        assert_eq!(events, [LineEvent::Cancelled]);
        assert_eq!(editor.line(), "");
        // A cancelled line is not history.
        let (echo, _) = type_bytes(&mut editor, b"\x1b[A");
        assert_eq!(echo, "");
    }

    #[test]
    fn ctrl_u_erases_the_whole_line() {
        let mut editor = LineEditor::new(80);
        let (echo, events) = type_bytes(&mut editor, b"ab\x15c\r");
        assert_eq!(echo, "ab\x08 \x08\x08 \x08c\r\n");
        assert_eq!(events, [line("c")]);
    }

    #[test]
    fn up_and_down_recall_history_with_redraw() {
        let mut editor = LineEditor::new(80);
        type_bytes(&mut editor, b"first\rsecond\r");
        let (echo, _) = type_bytes(&mut editor, b"xy\x1b[A");
        assert_eq!(echo, "xy\x08 \x08\x08 \x08second");
        assert_eq!(editor.line(), "second");
        let (echo, _) = type_bytes(&mut editor, b"\x1bOA");
        assert_eq!(echo, "\x08 \x08".repeat(6) + "first");
        // Nothing older: line and screen stay as they are.
        let (echo, _) = type_bytes(&mut editor, b"\x1b[A");
        assert_eq!((echo.as_str(), editor.line()), ("", "first"));
        let (_, _) = type_bytes(&mut editor, b"\x1b[B");
        assert_eq!(editor.line(), "second");
        // Down past the newest entry brings back what was being typed.
        let (echo, _) = type_bytes(&mut editor, b"\x1b[B");
        assert_eq!(echo, "\x08 \x08".repeat(6) + "xy");
        let (_, events) = type_bytes(&mut editor, b"\x1b[A\r");
        assert_eq!(events, [line("second")]);
    }

    #[test]
    fn history_skips_empty_lines_and_consecutive_duplicates() {
        let mut editor = LineEditor::new(80);
        type_bytes(&mut editor, b"a\r\rb\rb\r\r");
        type_bytes(&mut editor, b"\x1b[A\x1b[A\x1b[A");
        assert_eq!(editor.line(), "a");
    }

    #[test]
    fn overflow_is_dropped_with_a_bell() {
        let mut editor = LineEditor::new(3);
        let (echo, events) = type_bytes(&mut editor, b"abcde\x08f\r");
        assert_eq!(echo, "abc\x07\x07\x08 \x08f\r\n");
        assert_eq!(events, [line("abf")]);
        let mut editor = LineEditor::new(0);
        let (echo, events) = type_bytes(&mut editor, b"a\r");
        assert_eq!((echo.as_str(), events), ("\x07\r\n", alloc::vec![line("")]));
    }

    #[test]
    fn escape_sequences_and_other_bytes_are_not_inserted() {
        let mut editor = LineEditor::new(80);
        let (echo, events) = type_bytes(
            &mut editor,
            b"a\x1b[C\x1b[3~\x1bOPb\x00\x80\xffc\x1b[200~d\r",
        );
        assert_eq!(echo, "abcd\r\n");
        assert_eq!(events, [line("abcd")]);
    }

    #[test]
    fn tab_and_question_mark_are_left_to_the_shell() {
        let mut editor = LineEditor::new(8);
        let (echo, events) = type_bytes(&mut editor, b"ab\t?");
        assert_eq!(echo, "ab");
        assert_eq!(events, [LineEvent::Complete, LineEvent::Help]);
        assert_eq!(editor.line(), "ab");
        let mut echo = String::new();
        editor.insert_str("c?\x07d\u{e9}efghij", &mut echo);
        assert_eq!(editor.line(), "abc?defg");
        assert_eq!(echo, "c?defg\x07\x07\x07");
    }

    /// Checks the invariants that must hold after any input.
    fn assert_sane(editor: &LineEditor) {
        assert!(editor.line().len() <= editor.max_len());
        assert!(editor.line().bytes().all(|b| (0x20..=0x7e).contains(&b)));
    }

    #[test]
    fn every_byte_value_is_safe() {
        let mut editor = LineEditor::new(16);
        let mut echo = String::new();
        for round in 0..4 {
            for byte in 0..=255u8 {
                let byte = if round % 2 == 0 { byte } else { 255 - byte };
                editor.feed(byte, &mut echo);
                assert_sane(&editor);
            }
        }
    }

    #[test]
    fn pseudo_random_byte_soup_is_safe() {
        let mut editor = LineEditor::new(40);
        let mut echo = String::new();
        let mut state: u32 = 0x1234_5678;
        let mut lines = 0usize;
        for _ in 0..100_000 {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            // Bias towards the interesting bytes so history and escapes get exercised.
            let byte = match (state >> 24) % 8 {
                0 => {
                    [0x1b, b'[', b'A', b'B', b'O', b'\r', b'\n', 0x7f][((state >> 8) % 8) as usize]
                }
                _ => (state >> 16) as u8,
            };
            if let Some(LineEvent::Line(text)) = editor.feed(byte, &mut echo) {
                assert!(text.len() <= 40);
                lines += 1;
            }
            assert_sane(&editor);
            if echo.len() > 1 << 16 {
                echo.clear();
            }
        }
        assert!(lines > 0);
    }
}
