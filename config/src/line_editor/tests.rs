//! Tests of the line editor: literal echoes for each key, and a property test that for any key sequence the
//! editor's line and cursor equal a simple model's, and that replaying the echo through a small terminal
//! emulator shows exactly that line with the cursor in the right column.

use alloc::string::String;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::*;

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

/// An editor holding `text` with the cursor `left` characters from its end.
fn editor_at(text: &str, left: usize) -> LineEditor {
    let mut editor = LineEditor::new(80);
    type_bytes(&mut editor, text.as_bytes());
    type_bytes(&mut editor, &b"\x1b[D".repeat(left));
    assert_eq!(editor.cursor(), text.len() - left);
    editor
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
    // With the cursor inside the line, ^C goes after the whole line instead of over its end.
    let mut editor = editor_at("abc", 2);
    let (echo, events) = type_bytes(&mut editor, b"\x03");
    assert_eq!(echo, "bc^C\r\n");
    assert_eq!(
        (events, editor.cursor()),
        (alloc::vec![LineEvent::Cancelled], 0)
    );
}

#[test]
fn ctrl_u_erases_the_whole_line_from_its_end() {
    let mut editor = LineEditor::new(80);
    let (echo, events) = type_bytes(&mut editor, b"ab\x15c\r");
    assert_eq!(echo, "ab\x1b[2D\x1b[Kc\r\n");
    assert_eq!(events, [line("c")]);
}

#[test]
fn left_right_home_and_end_move_without_changing_the_line() {
    let mut editor = LineEditor::new(80);
    type_bytes(&mut editor, b"abcd");
    let (echo, _) = type_bytes(&mut editor, b"\x1b[D\x1bOD\x02");
    assert_eq!((echo.as_str(), editor.cursor()), ("\x08\x08\x08", 1));
    // Right rewrites the character it passes over.
    let (echo, _) = type_bytes(&mut editor, b"\x1b[C\x06");
    assert_eq!((echo.as_str(), editor.cursor()), ("bc", 3));
    let (echo, _) = type_bytes(&mut editor, b"\x01");
    assert_eq!((echo.as_str(), editor.cursor()), ("\x1b[3D", 0));
    // Nothing further left of the start, nor right of the end.
    let (echo, _) = type_bytes(&mut editor, b"\x1b[D\x1b[H\x1b[1~");
    assert_eq!((echo.as_str(), editor.cursor()), ("", 0));
    let (echo, _) = type_bytes(&mut editor, b"\x05");
    assert_eq!((echo.as_str(), editor.cursor()), ("abcd", 4));
    let (echo, _) = type_bytes(&mut editor, b"\x1b[C\x1b[F\x1b[4~");
    assert_eq!((echo.as_str(), editor.cursor()), ("", 4));
    assert_eq!(editor.line(), "abcd");
}

#[test]
fn typing_inside_the_line_inserts_and_redraws_the_rest() {
    let mut editor = editor_at("/system print", 6);
    let (echo, _) = type_bytes(&mut editor, b" identity");
    assert_eq!(editor.line(), "/system identity print");
    // Each character shifts the rest right: write it and the rest, then back over the rest.
    assert!(echo.starts_with("  print\x1b[6Di print\x1b[6D"), "{echo:?}");
    let (_, events) = type_bytes(&mut editor, b"\r");
    assert_eq!(events, [line("/system identity print")]);
    // Before the last character the way back is one BS.
    let mut editor = editor_at("ac", 1);
    let (echo, _) = type_bytes(&mut editor, b"b");
    assert_eq!((echo.as_str(), editor.line()), ("bc\x08", "abc"));
}

#[test]
fn backspace_and_delete_inside_the_line() {
    let mut editor = editor_at("abcd", 2);
    let (echo, _) = type_bytes(&mut editor, b"\x7f");
    assert_eq!(
        (echo.as_str(), editor.line(), editor.cursor()),
        ("\x08cd \x1b[3D", "acd", 1)
    );
    let (echo, _) = type_bytes(&mut editor, b"\x1b[3~");
    assert_eq!(
        (echo.as_str(), editor.line(), editor.cursor()),
        ("d \x1b[2D", "ad", 1)
    );
    // Ctrl-D deletes under the cursor too; at the end of the line there is nothing under it.
    let (echo, _) = type_bytes(&mut editor, b"\x04\x04");
    assert_eq!((echo.as_str(), editor.line()), (" \x08", "a"));
    // On an empty line Delete does nothing and Ctrl-D says the user leaves, echoing nothing.
    let mut editor = LineEditor::new(80);
    let (echo, events) = type_bytes(&mut editor, b"\x1b[3~\x04");
    assert_eq!(
        (echo.as_str(), events, editor.line()),
        ("", alloc::vec![LineEvent::EndOfInput], "")
    );
}

#[test]
fn ctrl_x_and_f4_ask_for_safe_mode_and_keep_the_line() {
    let mut editor = editor_at("/ip address", 3);
    let (echo, events) = type_bytes(&mut editor, b"\x18\x1bOS");
    assert_eq!(
        (echo.as_str(), events, editor.line(), editor.cursor()),
        (
            "",
            alloc::vec![LineEvent::SafeMode, LineEvent::SafeMode],
            "/ip address",
            8
        )
    );
}

#[test]
fn kills_erase_around_the_cursor() {
    let mut editor = editor_at("/ip address print", 5);
    let (echo, _) = type_bytes(&mut editor, b"\x0b");
    assert_eq!((echo.as_str(), editor.line()), ("\x1b[K", "/ip address "));
    let mut editor = editor_at("/ip address print", 5);
    let (echo, _) = type_bytes(&mut editor, b"\x15");
    assert_eq!(
        (echo.as_str(), editor.line(), editor.cursor()),
        ("\x1b[12Dprint\x1b[K\x1b[5D", "print", 0)
    );
    // Ctrl-W takes the spaces before the cursor and the word before them.
    let mut editor = editor_at("/ip address  print", 5);
    let (echo, _) = type_bytes(&mut editor, b"\x17");
    assert_eq!(
        (echo.as_str(), editor.line(), editor.cursor()),
        ("\x1b[9Dprint\x1b[K\x1b[5D", "/ip print", 4)
    );
    let (_, _) = type_bytes(&mut editor, b"\x17\x17");
    assert_eq!((editor.line(), editor.cursor()), ("print", 0));
}

#[test]
fn up_and_down_recall_history_with_redraw() {
    let mut editor = LineEditor::new(80);
    type_bytes(&mut editor, b"first\rsecond\r");
    let (echo, _) = type_bytes(&mut editor, b"xy\x1b[A");
    assert_eq!(echo, "xy\x1b[2Dsecond");
    assert_eq!((editor.line(), editor.cursor()), ("second", 6));
    // A shorter line blanks what is left of the longer one.
    let (echo, _) = type_bytes(&mut editor, b"\x1bOA");
    assert_eq!(echo, "\x1b[6Dfirst \x08");
    // Nothing older: line and screen stay as they are.
    let (echo, _) = type_bytes(&mut editor, b"\x1b[A");
    assert_eq!((echo.as_str(), editor.line()), ("", "first"));
    let (_, _) = type_bytes(&mut editor, b"\x1b[B");
    assert_eq!(editor.line(), "second");
    // Down past the newest entry brings back what was being typed.
    let (echo, _) = type_bytes(&mut editor, b"\x1b[B");
    assert_eq!(echo, "\x1b[6Dxy\x1b[K");
    let (_, events) = type_bytes(&mut editor, b"\x1b[A\r");
    assert_eq!(events, [line("second")]);
    // From the middle of a line, the recalled line replaces all of it and the cursor is at its end.
    let mut editor = LineEditor::new(80);
    type_bytes(&mut editor, b"ab\rwxyz\x1b[D\x1b[D");
    let (echo, _) = type_bytes(&mut editor, b"\x1b[A");
    assert_eq!((echo.as_str(), editor.cursor()), ("\x1b[2Dab\x1b[K", 2));
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
    // A full line takes nothing in the middle either.
    let mut editor = LineEditor::new(3);
    type_bytes(&mut editor, b"abc\x1b[D");
    let (echo, _) = type_bytes(&mut editor, b"x");
    assert_eq!((echo.as_str(), editor.line()), ("\x07", "abc"));
}

#[test]
fn unused_escape_sequences_and_other_bytes_are_not_inserted() {
    let mut editor = LineEditor::new(80);
    let (echo, events) = type_bytes(&mut editor, b"a\x1b[2~\x1bOPb\x00\x80\xffc\x1b[200~d\x0c\r");
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

#[test]
fn insertion_and_redraw_at_a_cursor_inside_the_line() {
    let mut editor = editor_at("/ip addr print", 6);
    assert_eq!(editor.before_cursor(), "/ip addr");
    let mut echo = String::new();
    editor.insert_str("ess", &mut echo);
    assert_eq!(echo, "ess print\x1b[6D");
    assert_eq!(
        (editor.line(), editor.before_cursor()),
        ("/ip address print", "/ip address")
    );
    let mut echo = String::new();
    editor.redraw(&mut echo);
    assert_eq!(echo, "/ip address print\x1b[6D");
}

/// Checks the invariants that must hold after any input.
fn assert_sane(editor: &LineEditor) {
    assert!(editor.line().len() <= editor.max_len());
    assert!(editor.cursor() <= editor.line().len());
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
        // Bias towards the interesting bytes so history, escapes and editing keys get exercised.
        let byte = match (state >> 24) % 8 {
            0 => [
                0x1b, b'[', b'A', b'B', b'C', b'D', b'O', b'\r', b'\n', 0x7f, b'3', b'~', 0x01,
                0x17,
            ][((state >> 8) % 14) as usize],
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

/// The part of a terminal the echo may use: printable characters, BS, CR, LF, BEL, `ESC [ n A|B|C|D`,
/// `ESC [ K` and `ESC [ J`. Anything else in the echo fails the test, and so does moving the cursor off the
/// rows written so far or past the right margin. Without a width the rows are endless; with one, it wraps as
/// a VT100 with auto-wrap does: a character written in the last column leaves the cursor there, "pending",
/// and the next printable character goes to the start of the next row (any other control clears that).
struct Terminal {
    rows: Vec<Vec<char>>,
    /// The cursor.
    row: usize,
    column: usize,
    width: Option<usize>,
    pending_wrap: bool,
}

impl Terminal {
    fn new() -> Self {
        Self::with_width(None)
    }

    fn with_width(width: Option<usize>) -> Self {
        Self {
            rows: alloc::vec![Vec::new()],
            row: 0,
            column: 0,
            width,
            pending_wrap: false,
        }
    }

    /// What row `back` rows above the last one shows, without trailing blanks.
    fn text(&self, back: usize) -> String {
        self.row_text(self.rows.len() - 1 - back)
    }

    fn row_text(&self, row: usize) -> String {
        visible(&self.rows[row].iter().collect::<String>())
    }

    fn down(&mut self) {
        self.row += 1;
        if self.row == self.rows.len() {
            self.rows.push(Vec::new());
        }
    }

    fn play(&mut self, output: &str) {
        let mut chars = output.chars();
        while let Some(c) = chars.next() {
            if c != '\x07' && !matches!(c, ' '..='~') {
                self.pending_wrap = false;
            }
            match c {
                ' '..='~' => {
                    if core::mem::take(&mut self.pending_wrap) {
                        self.down();
                        self.column = 0;
                    }
                    let (row, column) = (self.row, self.column);
                    let cells = &mut self.rows[row];
                    if cells.len() <= column {
                        cells.resize(column + 1, ' ');
                    }
                    cells[column] = c;
                    if self.width == Some(column + 1) {
                        self.pending_wrap = true;
                    } else {
                        self.column += 1;
                    }
                }
                '\x08' => self.column = self.column.saturating_sub(1),
                '\r' => self.column = 0,
                '\n' => self.down(),
                '\x07' => {}
                '\x1b' => {
                    assert_eq!(chars.next(), Some('['), "only CSI sequences in {output:?}");
                    let mut count = String::new();
                    let final_char = loop {
                        match chars.next() {
                            Some(digit @ '0'..='9') => count.push(digit),
                            Some(other) => break other,
                            None => panic!("unfinished sequence in {output:?}"),
                        }
                    };
                    let n: usize = if count.is_empty() {
                        1
                    } else {
                        count.parse().unwrap()
                    };
                    match final_char {
                        'A' => {
                            assert!(n <= self.row, "up past the top in {output:?}");
                            self.row -= n;
                        }
                        'B' => {
                            // A terminal does not scroll for this: the rows must be there already.
                            assert!(
                                self.row + n < self.rows.len(),
                                "down past the text in {output:?}"
                            );
                            self.row += n;
                        }
                        'D' => self.column = self.column.saturating_sub(n),
                        'C' => {
                            self.column += n;
                            if let Some(width) = self.width {
                                assert!(self.column < width, "right past the margin in {output:?}");
                            }
                        }
                        'K' | 'J' => {
                            assert!(count.is_empty(), "only ESC [ {final_char} in {output:?}");
                            let (row, column) = (self.row, self.column);
                            self.rows[row].truncate(column);
                            if final_char == 'J' {
                                for below in &mut self.rows[row + 1..] {
                                    below.clear();
                                }
                            }
                        }
                        other => panic!("unexpected ESC [ {count}{other} in {output:?}"),
                    }
                }
                other => panic!("unexpected {other:?} in {output:?}"),
            }
        }
    }

    /// Checks that the rows from `start` on show `text` (a prompt and a line) wrapped at the width, and
    /// nothing after it; returns the row and column where `text`'s character `index` is (or goes).
    fn shows(&self, start: usize, text: &str, index: usize) -> Result<(usize, usize), String> {
        let width = self.width.unwrap_or(usize::MAX);
        let chars: Vec<char> = text.chars().collect();
        let mut expected: Vec<String> = chars
            .chunks(width)
            .map(|chunk| visible(&chunk.iter().collect::<String>()))
            .collect();
        if chars.len().is_multiple_of(width) {
            // Text that ends at the margin has the cursor on the next row.
            expected.push(String::new());
        }
        for row in start..self.rows.len() {
            let want = expected.get(row - start).cloned().unwrap_or_default();
            if self.row_text(row) != want {
                return Err(alloc::format!(
                    "row {} shows {:?}, not {want:?} (all rows: {:?})",
                    row - start,
                    self.row_text(row),
                    self.rows
                ));
            }
        }
        Ok((start + index / width, index % width))
    }
}

#[test]
fn the_test_terminal_follows_the_sequences() {
    let mut terminal = Terminal::new();
    terminal.play("abcdef\x1b[4DX\x1b[K\x08\x08Y\x1b[2C\x07");
    assert_eq!(
        (terminal.text(0), terminal.column),
        (String::from("aYX"), 4)
    );
    terminal.play("\rZ\r\nnext");
    assert_eq!(
        (terminal.text(1).as_str(), terminal.text(0).as_str()),
        ("ZYX", "next")
    );
}

#[test]
fn the_test_terminal_wraps_as_a_vt100() {
    let mut terminal = Terminal::with_width(Some(4));
    terminal.play("abcd");
    assert_eq!(
        (terminal.row, terminal.column, terminal.pending_wrap),
        (0, 3, true)
    );
    terminal.play("ef\x1b[A\x08X\x1b[B\x1b[J");
    assert_eq!(
        (terminal.row_text(0), terminal.row_text(1), terminal.column),
        (String::from("aXcd"), String::from("ef"), 2)
    );
    terminal.play("\x1b[A\x1b[J");
    assert_eq!(
        (terminal.row_text(0), terminal.row_text(1)),
        (String::from("aX"), String::new())
    );
}

/// How `text` looks on a terminal row: trailing spaces cannot be told from blank columns.
fn visible(text: &str) -> String {
    String::from(text.trim_end_matches(' '))
}

/// What a step of the property test does.
#[derive(Clone, Debug)]
enum Step {
    /// Types these bytes, which make up the key named.
    Key(Key, &'static [u8]),
    /// Types a printable character.
    Char(u8),
    /// The shell inserts this text at the cursor (as a Tab completion does).
    Insert(String),
    /// The shell prints something on new lines and redraws the line (as `?` help does).
    Redraw,
}

/// Every key the editor handles, in each encoding a terminal may send it.
const KEYS: &[(Key, &[u8])] = &[
    (Key::Left, b"\x1b[D"),
    (Key::Left, b"\x1bOD"),
    (Key::Left, b"\x02"),
    (Key::Right, b"\x1b[C"),
    (Key::Right, b"\x1bOC"),
    (Key::Right, b"\x06"),
    (Key::Home, b"\x01"),
    (Key::Home, b"\x1b[H"),
    (Key::Home, b"\x1b[1~"),
    (Key::Home, b"\x1bOH"),
    (Key::End, b"\x05"),
    (Key::End, b"\x1b[F"),
    (Key::End, b"\x1b[4~"),
    (Key::End, b"\x1bOF"),
    (Key::Backspace, b"\x7f"),
    (Key::Backspace, b"\x08"),
    (Key::Delete, b"\x1b[3~"),
    (Key::EndOfInput, b"\x04"),
    (Key::SafeMode, b"\x18"),
    (Key::KillToEnd, b"\x0b"),
    (Key::KillToStart, b"\x15"),
    (Key::KillWord, b"\x17"),
    (Key::Up, b"\x1b[A"),
    (Key::Down, b"\x1b[B"),
    // A lone CR is left out: a LF in the next step would join it as CR LF, one Enter.
    (Key::Enter, b"\r\n"),
    (Key::Enter, b"\n"),
    (Key::Interrupt, b"\x03"),
    (Key::Tab, b"\t"),
    (Key::Other, b"\x1b[2~"),
    (Key::Other, b"\x1bOP"),
];

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => prop::sample::select(&b"abc -/=?"[..]).prop_map(Step::Char),
        8 => prop::sample::select(KEYS).prop_map(|(key, bytes)| Step::Key(key, bytes)),
        1 => "[a-c =?\x07\u{e9}]{0,6}".prop_map(Step::Insert),
        1 => Just(Step::Redraw),
    ]
}

/// The editor's expected state, kept the plainest way: characters in a vector and an index.
struct Model {
    line: Vec<char>,
    cursor: usize,
    max_len: usize,
    /// Entered lines, oldest first, and the Up/Down walk: the position shown and the line typed before it.
    history: Vec<String>,
    browsing: Option<usize>,
    draft: String,
}

impl Model {
    fn text(&self) -> String {
        self.line.iter().collect()
    }

    fn replace(&mut self, text: String) {
        self.line = text.chars().collect();
        self.cursor = self.line.len();
    }

    fn delete(&mut self, from: usize, to: usize) {
        self.line.drain(from..to);
        self.cursor = from;
    }

    fn insert(&mut self, c: char) {
        if self.line.len() < self.max_len {
            self.line.insert(self.cursor, c);
            self.cursor += 1;
        }
    }

    /// Applies a key press; returns the event the editor must report.
    fn key(&mut self, key: Key) -> Option<LineEvent> {
        let len = self.line.len();
        match key {
            Key::Left => self.cursor = self.cursor.saturating_sub(1),
            Key::Right => self.cursor = (self.cursor + 1).min(len),
            Key::Home => self.cursor = 0,
            Key::End => self.cursor = len,
            Key::Backspace if self.cursor > 0 => self.delete(self.cursor - 1, self.cursor),
            Key::Delete | Key::EndOfInput if self.cursor < len => {
                self.delete(self.cursor, self.cursor + 1)
            }
            Key::KillToEnd => self.delete(self.cursor, len),
            Key::KillToStart => self.delete(0, self.cursor),
            Key::KillWord => {
                let mut start = self.cursor;
                while start > 0 && self.line[start - 1] == ' ' {
                    start -= 1;
                }
                while start > 0 && self.line[start - 1] != ' ' {
                    start -= 1;
                }
                self.delete(start, self.cursor);
            }
            Key::Up => {
                let target = match self.browsing {
                    None if !self.history.is_empty() => {
                        self.draft = self.text();
                        Some(self.history.len() - 1)
                    }
                    Some(position) if position > 0 => Some(position - 1),
                    _ => None,
                };
                if let Some(target) = target {
                    self.browsing = Some(target);
                    self.replace(self.history[target].clone());
                }
            }
            Key::Down => {
                if let Some(position) = self.browsing {
                    if position + 1 < self.history.len() {
                        self.browsing = Some(position + 1);
                        self.replace(self.history[position + 1].clone());
                    } else {
                        self.browsing = None;
                        let draft = core::mem::take(&mut self.draft);
                        self.replace(draft);
                    }
                }
            }
            Key::Enter => {
                let text = self.text();
                self.browsing = None;
                self.draft.clear();
                if !text.is_empty() && self.history.last() != Some(&text) {
                    self.history.push(text.clone());
                    if self.history.len() > History::CAPACITY {
                        self.history.remove(0);
                    }
                }
                self.replace(String::new());
                return Some(LineEvent::Line(text));
            }
            Key::Interrupt => {
                self.browsing = None;
                self.draft.clear();
                self.replace(String::new());
                return Some(LineEvent::Cancelled);
            }
            Key::Tab => return Some(LineEvent::Complete),
            Key::EndOfInput if len == 0 => return Some(LineEvent::EndOfInput),
            Key::SafeMode => return Some(LineEvent::SafeMode),
            _ => {}
        }
        None
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, .. ProptestConfig::default() })]

    /// For any key sequence the editor holds the model's line and cursor, and its echo, replayed on a
    /// terminal after a prompt of `origin` columns, shows exactly the prompt and that line (an Enter or
    /// Ctrl-C leaves them on the rows above) with the cursor in the right place: on one endless row while the
    /// screen's width is unknown, wrapped over as many rows as it takes when the width is known.
    #[test]
    fn the_echo_shows_the_line_and_cursor_of_the_model(
        max_len in 0usize..40,
        width in prop::option::of(4usize..12),
        origin in 0usize..14,
        steps in proptest::collection::vec(step(), 0..80),
    ) {
        let mut editor = LineEditor::new(max_len);
        editor.set_width(width);
        let mut model = Model {
            line: Vec::new(),
            cursor: 0,
            max_len,
            history: Vec::new(),
            browsing: None,
            draft: String::new(),
        };
        let prompt = " ".repeat(origin);
        let mut terminal = Terminal::with_width(width);
        // Where the prompt of the line being edited starts.
        let mut start = 0;
        let mut echo = prompt.clone();
        editor.start_line(origin, &mut echo);
        terminal.play(&echo);
        for step in steps {
            let before = model.text();
            let mut echo = String::new();
            let (events, expected) = match &step {
                Step::Key(key, bytes) => {
                    let events: Vec<_> =
                        bytes.iter().filter_map(|&b| editor.feed(b, &mut echo)).collect();
                    (events, model.key(*key))
                }
                Step::Char(c) => {
                    let events: Vec<_> = editor.feed(*c, &mut echo).into_iter().collect();
                    if *c == b'?' {
                        (events, Some(LineEvent::Help))
                    } else {
                        model.insert(char::from(*c));
                        (events, None)
                    }
                }
                Step::Insert(text) => {
                    editor.insert_str(text, &mut echo);
                    for c in text.chars().filter(|c| matches!(c, ' '..='~')) {
                        model.insert(c);
                    }
                    (Vec::new(), None)
                }
                Step::Redraw => {
                    // As the shell does for `?` help: under the line, then the prompt and the line again.
                    editor.park(&mut echo);
                    echo.push_str("\r\nhlp\r\n");
                    (Vec::new(), None)
                }
            };
            prop_assert_eq!(&events, &expected.clone().into_iter().collect::<Vec<_>>(), "{:?}", step);
            prop_assert_eq!(editor.line(), model.text(), "{:?}", step);
            prop_assert_eq!(editor.cursor(), model.cursor, "{:?}", step);
            assert_sane(&editor);
            terminal.play(&echo);

            let new_line = matches!(
                expected,
                Some(LineEvent::Line(_) | LineEvent::Cancelled)
            ) || matches!(step, Step::Redraw);
            if new_line {
                // The finished line stays above; output and the next prompt start on the row after it.
                let finished = match &expected {
                    Some(LineEvent::Cancelled) => alloc::format!("{prompt}{before}^C"),
                    _ => alloc::format!("{prompt}{before}"),
                };
                // Below the line: nothing, or the help text on the row above the cursor's.
                let below = usize::from(matches!(step, Step::Redraw));
                let shown: String = (start..terminal.row - below)
                    .map(|row| {
                        let mut text: String = terminal.rows[row].iter().collect();
                        if let Some(width) = width {
                            while text.chars().count() < width {
                                text.push(' ');
                            }
                        }
                        text
                    })
                    .collect();
                prop_assert_eq!(visible(&shown), visible(&finished), "{:?} echoed {:?}", step, echo);
                prop_assert_eq!(terminal.column, 0, "{:?} echoed {:?}", step, echo);
                if matches!(step, Step::Redraw) {
                    prop_assert_eq!(terminal.row_text(terminal.row - 1), "hlp");
                }
                start = terminal.row;
                let mut echo = prompt.clone();
                editor.start_line(origin, &mut echo);
                if matches!(step, Step::Redraw) {
                    editor.redraw(&mut echo);
                }
                terminal.play(&echo);
            }
            let shown = terminal.shows(start, &alloc::format!("{prompt}{}", model.text()), origin + model.cursor);
            let (row, column) = match shown {
                Ok(place) => place,
                Err(message) => return Err(TestCaseError::fail(alloc::format!("{step:?} echoed {echo:?}: {message}"))),
            };
            prop_assert_eq!((terminal.row, terminal.column), (row, column), "{:?} echoed {:?}", step, echo);
            prop_assert!(!terminal.pending_wrap, "{:?} left a pending wrap: {:?}", step, echo);
        }
    }
}

#[test]
fn a_known_width_wraps_the_line_and_moves_between_rows() {
    let mut editor = LineEditor::new(80);
    editor.set_width(Some(10));
    let mut echo = String::new();
    // A six-column prompt; typing "abcd" fills its row, so the cursor goes to the next one.
    editor.start_line(6, &mut echo);
    assert_eq!(echo, "");
    let (echo, _) = type_bytes(&mut editor, b"abcd");
    assert_eq!(echo, "abcd\r\n");
    let (echo, _) = type_bytes(&mut editor, b"ef");
    assert_eq!(echo, "ef");
    // Left over the row boundary: up one row, then right to the last column.
    let (echo, _) = type_bytes(&mut editor, b"\x1b[D\x1b[D\x1b[D");
    assert_eq!(echo, "\x08\r\x1b[1A\x1b[9C");
    // Backspace there: the rest moves left (back across the boundary), what it no longer covers is
    // cleared, and the cursor goes back up.
    let (echo, _) = type_bytes(&mut editor, b"\x7f");
    assert_eq!(echo, "\x08def\x1b[J\x1b[1A\x1b[7C");
    // Enter goes under the whole line first.
    let (echo, events) = type_bytes(&mut editor, b"\r");
    assert_eq!(echo, "\x1b[1B\x1b[7D\r\n");
    assert_eq!(events, [line("abdef")]);
    // A prompt that ends at the margin starts the line on the next row.
    let mut echo = String::new();
    editor.start_line(20, &mut echo);
    assert_eq!(echo, "\r\n");
}

#[test]
fn a_cursor_position_report_sets_a_plausible_width() {
    let mut editor = LineEditor::new(80);
    assert_eq!(editor.width(), None);
    // Shift-F3 arrives as `ESC [ 1 ; 2 R`: no width.
    let (echo, events) = type_bytes(&mut editor, b"\x1b[1;2R");
    assert_eq!((echo.as_str(), events.len(), editor.width()), ("", 0, None));
    type_bytes(&mut editor, b"\x1b[24;132R");
    assert_eq!(editor.width(), Some(132));
    assert_eq!(editor.line(), "");
}
