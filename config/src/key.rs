//! Key decoding for the serial console: turns the raw byte stream a terminal sends into keys.
//!
//! A terminal sends one byte for most keys, but Enter may arrive as CR, LF or the pair CR LF, and cursor keys
//! arrive as ANSI escape sequences (`ESC [ … final` or `ESC O x`). [`KeyDecoder`] folds all of that into one
//! [`Key`] per key press so that both the line editor and single-key prompts (such as `[y/N]`) see the same keys.
//!
//! Guarantees:
//! * every byte value is accepted in every state; nothing panics and nothing is buffered, so memory use is
//!   constant no matter how long an escape sequence claims to be;
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
/// Ctrl-C.
const ETX: u8 = 0x03;
/// Ctrl-U.
const NAK: u8 = 0x15;
/// Tab.
const HT: u8 = 0x09;

/// One key press, as far as the console cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A printable ASCII character (0x20..=0x7e).
    Char(u8),
    /// Enter: CR, LF or CR LF.
    Enter,
    /// Backspace or DEL: erase the character before the cursor.
    Backspace,
    /// Ctrl-C: abandon the current input.
    Interrupt,
    /// Ctrl-U: erase the whole line.
    KillLine,
    /// Tab: complete the word before the cursor.
    Tab,
    /// Cursor up (`ESC [ A` or `ESC O A`): recall older history.
    Up,
    /// Cursor down (`ESC [ B` or `ESC O B`): recall newer history.
    Down,
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
                // Parameter and intermediate bytes: nothing stored, so any number of them is harmless.
                0x20..=0x3f => None,
                0x40..=0x7e => {
                    self.state = State::Ground;
                    Some(cursor_key(byte))
                }
                _ => self.abandon_sequence(byte),
            },
            State::SingleShift => match byte {
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
            ETX => Key::Interrupt,
            NAK => Key::KillLine,
            HT => Key::Tab,
            0x20..=0x7e => Key::Char(byte),
            _ => Key::Other,
        })
    }
}

/// The key named by the final byte of `ESC [ …` or `ESC O x`.
fn cursor_key(final_byte: u8) -> Key {
    match final_byte {
        b'A' => Key::Up,
        b'B' => Key::Down,
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
            keys(&[0x08, 0x7f, 0x03, 0x15]),
            [
                Key::Backspace,
                Key::Backspace,
                Key::Interrupt,
                Key::KillLine
            ]
        );
    }

    #[test]
    fn arrows_in_both_encodings() {
        assert_eq!(
            keys(b"\x1b[A\x1b[B\x1bOA\x1bOB"),
            [Key::Up, Key::Down, Key::Up, Key::Down]
        );
        // Modified arrows carry parameters; they still move through history.
        assert_eq!(keys(b"\x1b[1;5A"), [Key::Up]);
    }

    #[test]
    fn other_sequences_never_produce_characters() {
        assert_eq!(
            keys(b"\x1b[C\x1b[D\x1b[3~\x1b[200~\x1bOP\x1bx"),
            [Key::Other; 6]
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
    }

    #[test]
    fn non_ascii_and_other_controls_are_other() {
        assert_eq!(keys(&[0x00, 0x0b, 0x80, 0xff]), [Key::Other; 4]);
    }

    #[test]
    fn tab_is_a_key_of_its_own_and_ends_an_unfinished_sequence() {
        assert_eq!(keys(b"a\t"), [Key::Char(b'a'), Key::Tab]);
        assert_eq!(keys(b"\x1b[1\t"), [Key::Tab]);
    }
}
