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

/// The part of a terminal the echo may use: one row per line, printable characters, BS, CR, LF, BEL,
/// `ESC [ n D`, `ESC [ n C` and `ESC [ K`. Anything else in the echo fails the test.
struct Terminal {
    /// Every row written so far; the last is the one the cursor is on.
    rows: Vec<Vec<char>>,
    column: usize,
}

impl Terminal {
    fn new() -> Self {
        Self {
            rows: alloc::vec![Vec::new()],
            column: 0,
        }
    }

    fn row(&mut self) -> &mut Vec<char> {
        self.rows.last_mut().expect("a terminal has a row")
    }

    /// What row `back` rows above the cursor's shows, without trailing blanks.
    fn text(&self, back: usize) -> String {
        let row = &self.rows[self.rows.len() - 1 - back];
        visible(&row.iter().collect::<String>())
    }

    fn play(&mut self, output: &str) {
        let mut chars = output.chars();
        while let Some(c) = chars.next() {
            match c {
                ' '..='~' => {
                    let column = self.column;
                    let row = self.row();
                    if row.len() <= column {
                        row.resize(column + 1, ' ');
                    }
                    row[column] = c;
                    self.column += 1;
                }
                '\x08' => self.column = self.column.saturating_sub(1),
                '\r' => self.column = 0,
                '\n' => self.rows.push(Vec::new()),
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
                        'D' => self.column = self.column.saturating_sub(n),
                        'C' => self.column += n,
                        'K' => {
                            assert!(count.is_empty(), "only ESC [ K in {output:?}");
                            let column = self.column;
                            self.row().truncate(column);
                        }
                        other => panic!("unexpected ESC [ {count}{other} in {output:?}"),
                    }
                }
                other => panic!("unexpected {other:?} in {output:?}"),
            }
        }
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
    /// terminal, shows exactly that line (an Enter or Ctrl-C leaves it on the row above) with the cursor
    /// in the right column.
    #[test]
    fn the_echo_shows_the_line_and_cursor_of_the_model(
        max_len in 0usize..12,
        steps in proptest::collection::vec(step(), 0..80),
    ) {
        let mut editor = LineEditor::new(max_len);
        let mut model = Model {
            line: Vec::new(),
            cursor: 0,
            max_len,
            history: Vec::new(),
            browsing: None,
            draft: String::new(),
        };
        let mut terminal = Terminal::new();
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
                    echo.push_str("\r\nhelp text\r\n");
                    editor.redraw(&mut echo);
                    (Vec::new(), None)
                }
            };
            prop_assert_eq!(events, expected.clone().into_iter().collect::<Vec<_>>(), "{:?}", step);
            prop_assert_eq!(editor.line(), model.text(), "{:?}", step);
            prop_assert_eq!(editor.cursor(), model.cursor, "{:?}", step);
            assert_sane(&editor);

            terminal.play(&echo);
            let expected_row = visible(&model.text());
            prop_assert_eq!(terminal.text(0), expected_row, "{:?} echoed {:?}", step, echo);
            prop_assert_eq!(terminal.column, model.cursor, "{:?} echoed {:?}", step, echo);
            match expected {
                Some(LineEvent::Line(_)) => {
                    prop_assert_eq!(terminal.text(1), visible(&before));
                }
                Some(LineEvent::Cancelled) => {
                    prop_assert_eq!(terminal.text(1), before + "^C");
                }
                _ => {}
            }
        }
    }
}
