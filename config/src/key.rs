//! Key decoding for the serial console: turns the raw byte stream a terminal sends into keys.
//!
//! A terminal sends one byte for most keys, but Enter may arrive as CR, LF or the pair CR LF, and cursor keys
//! arrive as ANSI escape sequences (`ESC [ … final` or `ESC O x`). [`KeyDecoder`] folds all of that into one
//! [`Key`] per key press so that both the line editor and single-key prompts (such as `[y/N]`) see the same keys.
//!
//! The keys, as xterm, VT100-style and Linux-console terminals send them (ECMA-48 control sequences):
//!
//! | key | bytes |
//! |---|---|
//! | Left, Right, Up, Down | `ESC [ D`, `ESC [ C`, `ESC [ A`, `ESC [ B`, or `ESC O` + the same letter (application mode); parameters such as Ctrl's `1;5` are ignored |
//! | Home | `ESC [ H`, `ESC O H`, `ESC [ 1 ~`, `ESC [ 7 ~`; and Ctrl-A |
//! | End | `ESC [ F`, `ESC O F`, `ESC [ 4 ~`, `ESC [ 8 ~`; and Ctrl-E |
//! | Delete | `ESC [ 3 ~` |
//! | Ctrl-B, Ctrl-F | reported as Left and Right (Emacs-style keys, as in RouterOS and readline) |
//! | Ctrl-D, Ctrl-K, Ctrl-U, Ctrl-W | [`Key::EndOfInput`], [`Key::KillToEnd`], [`Key::KillToStart`], [`Key::KillWord`] |
//! | Ctrl-X, F4 (`ESC O S`, `ESC [ 14 ~`) | [`Key::SafeMode`]: RouterOS's "toggle safe mode" key |
//!
//! The terminal's answer to a cursor position request (`ESC [ 6 n`, ECMA-48 DSR) comes in on the same stream as
//! `ESC [ row ; column R` (CPR) and is reported as [`Key::CursorReport`]; the console asks for it to learn how
//! wide the screen is (see [`crate::line_editor`]). xterm sends a modified F3 the same way (`ESC [ 1 ; 2 R` is
//! Shift-F3), so a report only tells a width when its column is a plausible screen width.
//!
//! Guarantees:
//! * every byte value is accepted in every state; nothing panics, and the only thing kept of an escape
//!   sequence is its first two numeric parameters (saturating), so memory use is constant no matter how long a
//!   sequence claims to be;
//! * a CR immediately followed by LF yields exactly one [`Key::Enter`] (a lone CR or a lone LF yields one too;
//!   LF followed by CR is two presses);
//! * bytes that belong to an escape sequence never come out as [`Key::Char`];
//! * a control byte that interrupts an unfinished escape sequence abandons the sequence and is decoded as
//!   itself, so Enter and Ctrl-C keep working after a stray ESC.

/// Byte sent by the Enter key on most terminals.
const CR: u8 = b'\r';
/// Byte sent by Enter on some terminals, and the second half of CR LF.
const LF: u8 = b'\n';
/// Starts every escape sequence.
const ESC: u8 = 0x1b;
/// Ctrl-H, sent as Backspace by some terminals.
const BS: u8 = 0x08;
/// Sent as Backspace by most modern terminals.
const DEL: u8 = 0x7f;
/// Tab.
const HT: u8 = 0x09;

/// The byte a terminal sends for Ctrl and `letter` (ASCII upper case): the letter's code minus 0x40.
const fn ctrl(letter: u8) -> u8 {
    letter - 0x40
}
const CTRL_A: u8 = ctrl(b'A');
const CTRL_B: u8 = ctrl(b'B');
const CTRL_C: u8 = ctrl(b'C');
const CTRL_D: u8 = ctrl(b'D');
const CTRL_E: u8 = ctrl(b'E');
const CTRL_F: u8 = ctrl(b'F');
const CTRL_K: u8 = ctrl(b'K');
const CTRL_U: u8 = ctrl(b'U');
const CTRL_W: u8 = ctrl(b'W');
const CTRL_X: u8 = ctrl(b'X');

/// One key press, as far as the console cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A printable ASCII character (0x20..=0x7e).
    Char(u8),
    /// Enter: CR, LF or CR LF.
    Enter,
    /// Backspace or DEL: erase the character before the cursor.
    Backspace,
    /// The Delete key (`ESC [ 3 ~`): erase the character under the cursor.
    Delete,
    /// Ctrl-D: erase the character under the cursor; on an empty line RouterOS logs out instead.
    EndOfInput,
    /// Ctrl-C: abandon the current input.
    Interrupt,
    /// Cursor left, or Ctrl-B.
    Left,
    /// Cursor right, or Ctrl-F.
    Right,
    /// Home, or Ctrl-A: to the start of the line.
    Home,
    /// End, or Ctrl-E: to the end of the line.
    End,
    /// Ctrl-K: erase from the cursor to the end of the line.
    KillToEnd,
    /// Ctrl-U: erase from the start of the line to the cursor.
    KillToStart,
    /// Ctrl-W: erase the word before the cursor.
    KillWord,
    /// Tab: complete the word before the cursor.
    Tab,
    /// Ctrl-X or F4: take or release RouterOS safe mode.
    SafeMode,
    /// Cursor up (`ESC [ A` or `ESC O A`): recall older history.
    Up,
    /// Cursor down (`ESC [ B` or `ESC O B`): recall newer history.
    Down,
    /// The terminal reports where its cursor is (`ESC [ row ; column R`), both counted from 1.
    CursorReport { row: u16, column: u16 },
    /// Any other key: another control byte, a non-ASCII byte or an escape sequence the console does not use.
    Other,
}

/// Where the decoder is inside a multi-byte input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Between keys.
    Ground,
    /// After ESC.
    Escape,
    /// Inside `ESC [`, waiting for the final byte.
    ControlSequence,
    /// After `ESC O`, waiting for the one byte that names the key.
    SingleShift,
}

/// Decodes console bytes into [`Key`]s, one byte at a time.
#[derive(Clone, Debug)]
pub struct KeyDecoder {
    state: State,
    /// The previous byte was a CR that was reported as Enter; a LF right now belongs to it.
    after_cr: bool,
    /// Inside `ESC [`: the first numeric parameter so far (the `3` of `ESC [ 3 ~`), saturating.
    parameter: u16,
    /// Inside `ESC [`: the second numeric parameter so far (the `80` of `ESC [ 24 ; 80 R`), saturating.
    second: u16,
    /// Inside `ESC [`: which parameter digits go to: 0 the first, 1 the second, 2 none (a third parameter,
    /// or an intermediate byte other than `;` came).
    parameter_index: u8,
}

impl Default for KeyDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyDecoder {
    /// A decoder between keys.
    pub const fn new() -> Self {
        Self {
            state: State::Ground,
            after_cr: false,
            parameter: 0,
            second: 0,
            parameter_index: 0,
        }
    }

    /// Takes the next byte; returns the key it completes, or `None` while a key is still being assembled (or
    /// when the byte is the LF half of a CR LF already reported as Enter).
    pub fn feed(&mut self, byte: u8) -> Option<Key> {
        let after_cr = core::mem::replace(&mut self.after_cr, false);
        match self.state {
            State::Ground => {
                if after_cr && byte == LF {
                    None
                } else {
                    self.ground(byte)
                }
            }
            State::Escape => match byte {
                b'[' => {
                    self.state = State::ControlSequence;
                    self.parameter = 0;
                    self.second = 0;
                    self.parameter_index = 0;
                    None
                }
                b'O' => {
                    self.state = State::SingleShift;
                    None
                }
                ESC => None,
                0x20..=0x7e => {
                    // A two-byte sequence such as Alt+key: consumed whole.
                    self.state = State::Ground;
                    Some(Key::Other)
                }
                _ => self.abandon_sequence(byte),
            },
            State::ControlSequence => match byte {
                b'0'..=b'9' => {
                    let digit = u16::from(byte - b'0');
                    let accumulate = |value: u16| value.saturating_mul(10).saturating_add(digit);
                    match self.parameter_index {
                        0 => self.parameter = accumulate(self.parameter),
                        1 => self.second = accumulate(self.second),
                        _ => {}
                    }
                    None
                }
                b';' => {
                    self.parameter_index = self.parameter_index.saturating_add(1).min(2);
                    None
                }
                // Other parameter and intermediate bytes: no more digits are kept.
                0x20..=0x3f => {
                    self.parameter_index = 2;
                    None
                }
                0x40..=0x7e => {
                    self.state = State::Ground;
                    Some(match byte {
                        b'~' => editing_key(self.parameter),
                        b'R' if self.parameter_index == 1 => Key::CursorReport {
                            row: self.parameter,
                            column: self.second,
                        },
                        _ => cursor_key(byte),
                    })
                }
                _ => self.abandon_sequence(byte),
            },
            State::SingleShift => match byte {
                // VT100's PF4, xterm's F4.
                b'S' => {
                    self.state = State::Ground;
                    Some(Key::SafeMode)
                }
                0x20..=0x7e => {
                    self.state = State::Ground;
                    Some(cursor_key(byte))
                }
                _ => self.abandon_sequence(byte),
            },
        }
    }

    /// Drops an unfinished escape sequence and decodes `byte` as if it had arrived between keys.
    fn abandon_sequence(&mut self, byte: u8) -> Option<Key> {
        self.state = State::Ground;
        self.ground(byte)
    }

    /// Decodes a byte that arrives between keys.
    fn ground(&mut self, byte: u8) -> Option<Key> {
        Some(match byte {
            ESC => {
                self.state = State::Escape;
                return None;
            }
            CR => {
                self.after_cr = true;
                Key::Enter
            }
            LF => Key::Enter,
            BS | DEL => Key::Backspace,
            HT => Key::Tab,
            0x20..=0x7e => Key::Char(byte),
            CTRL_A => Key::Home,
            CTRL_B => Key::Left,
            CTRL_C => Key::Interrupt,
            CTRL_D => Key::EndOfInput,
            CTRL_E => Key::End,
            CTRL_F => Key::Right,
            CTRL_K => Key::KillToEnd,
            CTRL_U => Key::KillToStart,
            CTRL_W => Key::KillWord,
            CTRL_X => Key::SafeMode,
            _ => Key::Other,
        })
    }
}

/// The key named by the final byte of `ESC [ …` (other than `~`) or `ESC O x`.
fn cursor_key(final_byte: u8) -> Key {
    match final_byte {
        b'A' => Key::Up,
        b'B' => Key::Down,
        b'C' => Key::Right,
        b'D' => Key::Left,
        b'H' => Key::Home,
        b'F' => Key::End,
        _ => Key::Other,
    }
}

/// The key named by `ESC [ n ~` (VT220 editing keys; 7 and 8 are rxvt's Home and End, 14 its F4).
fn editing_key(parameter: u16) -> Key {
    match parameter {
        1 | 7 => Key::Home,
        3 => Key::Delete,
        4 | 8 => Key::End,
        14 => Key::SafeMode,
        _ => Key::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn keys(bytes: &[u8]) -> Vec<Key> {
        let mut decoder = KeyDecoder::new();
        bytes.iter().filter_map(|&b| decoder.feed(b)).collect()
    }

    #[test]
    fn cursor_position_reports_carry_row_and_column() {
        assert_eq!(
            keys(b"\x1b[24;80R\x1b[1;132Rx"),
            [
                Key::CursorReport {
                    row: 24,
                    column: 80
                },
                Key::CursorReport {
                    row: 1,
                    column: 132
                },
                Key::Char(b'x')
            ]
        );
        // Without a second parameter, or with a third, it is no report.
        assert_eq!(keys(b"\x1b[5R\x1b[1;2;3R"), [Key::Other, Key::Other]);
        // Huge numbers saturate.
        assert_eq!(
            keys(b"\x1b[99999999;99999999R"),
            [Key::CursorReport {
                row: u16::MAX,
                column: u16::MAX
            }]
        );
    }

    #[test]
    fn printable_bytes_are_characters() {
        assert_eq!(
            keys(b"a ~"),
            [Key::Char(b'a'), Key::Char(b' '), Key::Char(b'~')]
        );
    }

    #[test]
    fn cr_lf_is_one_enter_but_each_alone_is_one_too() {
        assert_eq!(keys(b"\r\n"), [Key::Enter]);
        assert_eq!(keys(b"\r"), [Key::Enter]);
        assert_eq!(keys(b"\n"), [Key::Enter]);
        assert_eq!(keys(b"\r\r\n"), [Key::Enter, Key::Enter]);
        assert_eq!(keys(b"\n\r"), [Key::Enter, Key::Enter]);
        assert_eq!(keys(b"\n\n"), [Key::Enter, Key::Enter]);
        assert_eq!(keys(b"\rx\n"), [Key::Enter, Key::Char(b'x'), Key::Enter]);
    }

    #[test]
    fn editing_controls() {
        assert_eq!(
            keys(&[0x08, 0x7f, 0x03, 0x15, 0x0b, 0x17, 0x04]),
            [
                Key::Backspace,
                Key::Backspace,
                Key::Interrupt,
                Key::KillToStart,
                Key::KillToEnd,
                Key::KillWord,
                Key::EndOfInput,
            ]
        );
    }

    #[test]
    fn emacs_movement_controls_are_the_cursor_keys() {
        // Ctrl-A, Ctrl-E, Ctrl-B, Ctrl-F.
        assert_eq!(
            keys(&[0x01, 0x05, 0x02, 0x06]),
            [Key::Home, Key::End, Key::Left, Key::Right]
        );
    }

    #[test]
    fn arrows_in_both_encodings() {
        assert_eq!(
            keys(b"\x1b[A\x1b[B\x1bOA\x1bOB\x1b[C\x1b[D\x1bOC\x1bOD"),
            [
                Key::Up,
                Key::Down,
                Key::Up,
                Key::Down,
                Key::Right,
                Key::Left,
                Key::Right,
                Key::Left
            ]
        );
        // Modified arrows carry parameters; they still move.
        assert_eq!(keys(b"\x1b[1;5A\x1b[1;5D"), [Key::Up, Key::Left]);
    }

    #[test]
    fn home_end_and_delete_in_every_encoding() {
        assert_eq!(keys(b"\x1b[H\x1bOH\x1b[1~\x1b[7~"), [Key::Home; 4]);
        assert_eq!(keys(b"\x1b[F\x1bOF\x1b[4~\x1b[8~"), [Key::End; 4]);
        assert_eq!(keys(b"\x1b[3~\x1b[3;5~"), [Key::Delete; 2]);
        // Only the first parameter names the key.
        assert_eq!(
            keys(b"\x1b[5;3~\x1b[13~\x1b[03~"),
            [Key::Other, Key::Other, Key::Delete]
        );
    }

    #[test]
    fn other_sequences_never_produce_characters() {
        assert_eq!(
            keys(b"\x1b[2~\x1b[200~\x1b[201~\x1bOP\x1bx\x1b[Z\x1b[?3~"),
            [Key::Other; 7]
        );
    }

    #[test]
    fn a_control_byte_abandons_an_unfinished_sequence() {
        assert_eq!(keys(b"\x1b\r"), [Key::Enter]);
        assert_eq!(keys(b"\x1b[12\x03"), [Key::Interrupt]);
        assert_eq!(keys(b"\x1bO\n"), [Key::Enter]);
        assert_eq!(keys(b"\x1b\x1b[A"), [Key::Up]);
    }

    #[test]
    fn an_endless_parameter_run_is_absorbed_without_growth() {
        let mut decoder = KeyDecoder::new();
        assert_eq!(decoder.feed(ESC), None);
        assert_eq!(decoder.feed(b'['), None);
        for _ in 0..100_000 {
            assert_eq!(decoder.feed(b'9'), None);
        }
        assert_eq!(decoder.feed(b'B'), Some(Key::Down));
        assert_eq!(decoder.feed(b'z'), Some(Key::Char(b'z')));
        // A huge parameter saturates instead of overflowing, and names no key.
        for &byte in b"\x1b[" {
            assert_eq!(decoder.feed(byte), None);
        }
        for _ in 0..100_000 {
            assert_eq!(decoder.feed(b'3'), None);
        }
        assert_eq!(decoder.feed(b'~'), Some(Key::Other));
    }

    #[test]
    fn non_ascii_and_other_controls_are_other() {
        assert_eq!(keys(&[0x00, 0x0c, 0x19, 0x80, 0xff]), [Key::Other; 5]);
    }

    #[test]
    fn ctrl_x_and_f4_toggle_safe_mode() {
        assert_eq!(keys(b"\x18\x1bOS\x1b[14~"), [Key::SafeMode; 3]);
        // F3 and the other SS3 function keys stay unused.
        assert_eq!(keys(b"\x1b[13~\x1bOR"), [Key::Other; 2]);
    }

    #[test]
    fn tab_is_a_key_of_its_own_and_ends_an_unfinished_sequence() {
        assert_eq!(keys(b"a\t"), [Key::Char(b'a'), Key::Tab]);
        assert_eq!(keys(b"\x1b[1\t"), [Key::Tab]);
    }
}
