//! The log kept in memory for `/log print`: RouterOS's `memory` logging action, which by default keeps
//! the last 1000 lines (`/system logging action`, `memory-lines=1000`).
//!
//! [`LogMemory`] is a ring of fixed-size slots built without allocating, so the kernel can hold it in a
//! static and fill it from its logger before the heap exists and under memory pressure. Each entry keeps
//! the time it was written (seconds on the router's clock, counted from 1970-01-01 00:00:00), its topics
//! (`system,info`) and its message.
//!
//! Guarantees: [`LogMemory::push`] never allocates, never panics and takes bounded time and space
//! whatever it is given — a message longer than [`MAX_MESSAGE_BYTES`] (topics longer than
//! [`MAX_TOPICS_BYTES`]) is cut at the last whole character that fits, control characters (a line break
//! would break `/log print` into lines that are not entries) become spaces, and the oldest entry gives
//! way once the ring is full. Entries get `*ID`s counting up from `*1`, as RouterOS numbers its log.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

/// Entries kept: RouterOS's default `memory-lines`.
pub const MEMORY_LINES: usize = 1000;
/// Longest message kept, in bytes of UTF-8. A firewall `log` line with a prefix is about 200.
pub const MAX_MESSAGE_BYTES: usize = 512;
/// Longest topics list kept, in bytes (`system,error,critical` is 21).
pub const MAX_TOPICS_BYTES: usize = 40;

/// One entry, as `/log print` reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// The entry's `*ID`.
    pub id: u32,
    /// When it was written: seconds since 1970-01-01 00:00:00 on the router's clock.
    pub seconds: u64,
    /// Comma-separated topics, facility first and severity last (`script,info`).
    pub topics: String,
    pub message: String,
}

/// The bounded in-memory log: the newest `N` entries.
#[derive(Clone, Debug)]
pub struct LogMemory<const N: usize = MEMORY_LINES> {
    slots: [Slot; N],
    /// Index of the oldest entry.
    head: usize,
    /// Entries held (at most `N`).
    len: usize,
    /// The `*ID` of the next entry.
    next_id: u32,
    /// Entries pushed out by newer ones (or refused by a ring of no slots).
    dropped: u64,
}

impl<const N: usize> Default for LogMemory<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> LogMemory<N> {
    /// An empty log; `const`, so a static can hold it.
    pub const fn new() -> Self {
        LogMemory {
            slots: [Slot::EMPTY; N],
            head: 0,
            len: 0,
            next_id: 1,
            dropped: 0,
        }
    }

    /// Adds an entry written at `seconds` (see [`LogEntry::seconds`]), dropping the oldest when full.
    /// `topics` and `message` are formatted straight into the slot (see the module docs for what is
    /// kept), so a caller can build them with `format_args!` without allocating.
    pub fn push(&mut self, seconds: u64, topics: &dyn fmt::Display, message: &dyn fmt::Display) {
        if N == 0 {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        let index = if self.len < N {
            self.len += 1;
            (self.head + self.len - 1) % N
        } else {
            let oldest = self.head;
            self.head = (self.head + 1) % N;
            self.dropped = self.dropped.saturating_add(1);
            oldest
        };
        let id = self.next_id;
        // `*0` is not an ID; after 2^32 - 1 entries the numbering starts again at `*1`.
        self.next_id = self.next_id.checked_add(1).unwrap_or(1);
        if let Some(slot) = self.slots.get_mut(index) {
            slot.id = id;
            slot.seconds = seconds;
            slot.topics.set(topics);
            slot.message.set(message);
        }
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> Vec<LogEntry> {
        let mut out = Vec::with_capacity(self.len);
        for n in 0..self.len {
            if let Some(slot) = self.slots.get((self.head + n) % N.max(1)) {
                out.push(LogEntry {
                    id: slot.id,
                    seconds: slot.seconds,
                    topics: String::from(slot.topics.as_str()),
                    message: String::from(slot.message.as_str()),
                });
            }
        }
        out
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Entries pushed out of the ring since it was made.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// One entry's storage.
#[derive(Clone, Copy, Debug)]
struct Slot {
    id: u32,
    seconds: u64,
    topics: Text<MAX_TOPICS_BYTES>,
    message: Text<MAX_MESSAGE_BYTES>,
}

impl Slot {
    const EMPTY: Slot = Slot {
        id: 0,
        seconds: 0,
        topics: Text::EMPTY,
        message: Text::EMPTY,
    };
}

/// Text of at most `N` bytes, always valid UTF-8.
#[derive(Clone, Copy, Debug)]
struct Text<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Text<N> {
    const EMPTY: Self = Text {
        bytes: [0; N],
        len: 0,
    };

    /// Replaces the text with `value` as the module docs say (cut to fit, control characters as spaces).
    fn set(&mut self, value: &dyn fmt::Display) {
        self.len = 0;
        // `Full` stops the formatting once nothing more fits; the text written so far stays.
        let _ = write!(self, "{value}");
    }

    fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..self.len).unwrap_or(&[]);
        // Only whole characters are ever stored, so this is always the whole text.
        core::str::from_utf8(bytes).unwrap_or("")
    }
}

impl<const N: usize> Write for Text<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            let c = if c.is_control() { ' ' } else { c };
            let mut buffer = [0u8; 4];
            let encoded = c.encode_utf8(&mut buffer).as_bytes();
            let end = self.len + encoded.len();
            let Some(room) = self.bytes.get_mut(self.len..end) else {
                return Err(fmt::Error);
            };
            room.copy_from_slice(encoded);
            self.len = end;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::boxed::Box;
    use alloc::format;

    fn messages<const N: usize>(log: &LogMemory<N>) -> Vec<String> {
        log.entries().into_iter().map(|e| e.message).collect()
    }

    #[test]
    fn keeps_entries_oldest_first_with_time_topics_and_ids() {
        let mut log = LogMemory::<4>::new();
        log.push(7, &"system,info", &"router rebooted");
        log.push(
            9,
            &format_args!("script,{}", "info"),
            &format_args!("hello {}", 42),
        );
        assert_eq!(
            log.entries(),
            [
                LogEntry {
                    id: 1,
                    seconds: 7,
                    topics: String::from("system,info"),
                    message: String::from("router rebooted"),
                },
                LogEntry {
                    id: 2,
                    seconds: 9,
                    topics: String::from("script,info"),
                    message: String::from("hello 42"),
                },
            ]
        );
    }

    #[test]
    fn a_full_ring_drops_the_oldest() {
        let mut log = LogMemory::<3>::new();
        for n in 0..5 {
            log.push(n, &"system,info", &n);
        }
        assert_eq!(messages(&log), ["2", "3", "4"]);
        assert_eq!(log.entries()[0].id, 3);
        assert_eq!(log.len(), 3);
        assert_eq!(log.dropped(), 2);
    }

    #[test]
    fn a_flood_keeps_the_last_thousand_and_never_grows() {
        let mut log: Box<LogMemory> = Box::default();
        let long = "x".repeat(10 * MAX_MESSAGE_BYTES);
        for n in 0..100_000u64 {
            log.push(n, &"firewall,info", &format_args!("{n} {long}"));
        }
        let entries = log.entries();
        assert_eq!(entries.len(), MEMORY_LINES);
        assert_eq!(entries[0].seconds, 100_000 - MEMORY_LINES as u64);
        assert!(entries.iter().all(|e| e.message.len() == MAX_MESSAGE_BYTES));
        assert!(entries[MEMORY_LINES - 1].message.starts_with("99999 xxx"));
        assert_eq!(log.dropped(), 100_000 - MEMORY_LINES as u64);
    }

    #[test]
    fn long_text_is_cut_at_a_whole_character() {
        let mut log = LogMemory::<1>::new();
        // Three-byte characters: 512 is not a multiple of 3.
        let wide = "€".repeat(MAX_MESSAGE_BYTES);
        log.push(0, &"t".repeat(100), &wide);
        let entry = &log.entries()[0];
        assert_eq!(entry.message, "€".repeat(MAX_MESSAGE_BYTES / 3));
        assert_eq!(entry.topics, "t".repeat(MAX_TOPICS_BYTES));
    }

    #[test]
    fn line_breaks_and_control_characters_become_spaces() {
        let mut log = LogMemory::<1>::new();
        log.push(0, &"script,info", &"two\r\nlines\x1b[2J");
        assert_eq!(messages(&log), ["two  lines [2J"]);
    }

    #[test]
    fn a_ring_without_slots_keeps_nothing() {
        let mut log = LogMemory::<0>::new();
        log.push(0, &"system,info", &"lost");
        assert!(log.is_empty());
        assert_eq!(log.entries(), []);
        assert_eq!(log.dropped(), 1);
    }

    #[test]
    fn ids_never_become_zero() {
        let mut log = LogMemory::<2>::new();
        log.next_id = u32::MAX;
        log.push(0, &"a", &"last");
        log.push(0, &"a", &"first again");
        let ids: Vec<u32> = log.entries().iter().map(|e| e.id).collect();
        assert_eq!(ids, [u32::MAX, 1]);
        assert_eq!(format!("{}", log.len()), "2");
    }
}
