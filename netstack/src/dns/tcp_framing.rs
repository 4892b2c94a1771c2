//! DNS over TCP (RFC 1035 §4.2.2, RFC 7766 §8): each message is preceded by its length in two bytes.
//! A TCP read may end anywhere — inside the length, inside a message, or several messages in — so
//! bytes are gathered here until a whole message is there. Messages longer than the limit given
//! are refused (the connection is then closed by the caller); what is buffered never exceeds two
//! bytes plus that limit.

use alloc::vec::Vec;

/// What the bytes read so far make.
#[derive(Debug, PartialEq, Eq)]
pub enum Framed {
    /// A whole message.
    Message(Vec<u8>),
    /// Not yet a whole message.
    Incomplete,
    /// A length over the limit (or zero): the stream cannot be trusted any further.
    Invalid,
}

/// The receive side of one DNS-over-TCP connection.
pub struct TcpFraming {
    buffer: Vec<u8>,
    limit: usize,
}

impl TcpFraming {
    /// Messages of at most `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            buffer: Vec::new(),
            limit,
        }
    }

    /// Forgets what was gathered (a new connection).
    pub fn reset(&mut self) {
        self.buffer.clear();
    }

    /// How many more bytes to read before [`TcpFraming::take_message`] can give a message: the caller reads no
    /// more than this, so the buffer stays bounded.
    pub fn wanted(&self) -> usize {
        match self.declared() {
            Some(len) if len == 0 || len > self.limit => 0,
            Some(len) => (2 + len).saturating_sub(self.buffer.len()),
            None => 2 - self.buffer.len(),
        }
    }

    /// Adds bytes read (at most [`TcpFraming::wanted`] are kept).
    pub fn push(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let take = self.wanted().min(rest.len());
            if take == 0 {
                break;
            }
            self.buffer.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
        }
    }

    /// The message gathered, if whole.
    pub fn take_message(&mut self) -> Framed {
        let Some(len) = self.declared() else {
            return Framed::Incomplete;
        };
        if len == 0 || len > self.limit {
            return Framed::Invalid;
        }
        if self.buffer.len() < 2 + len {
            return Framed::Incomplete;
        }
        let message = self.buffer[2..2 + len].to_vec();
        self.buffer.clear();
        Framed::Message(message)
    }

    fn declared(&self) -> Option<usize> {
        match self.buffer.as_slice() {
            [high, low, ..] => Some(usize::from(u16::from_be_bytes([*high, *low]))),
            _ => None,
        }
    }
}

/// `message` with its two-byte length in front (messages over 65535 bytes are not made).
pub fn frame(message: &[u8]) -> Vec<u8> {
    let len = message.len().min(usize::from(u16::MAX));
    let mut out = Vec::with_capacity(len + 2);
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.extend_from_slice(&message[..len]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_split_anywhere_come_out_whole() {
        let mut stream = frame(b"first");
        stream.extend(frame(b"second message"));
        // Every split of the stream into reads of 1..=4 bytes gives the same two messages.
        for chunk in 1..=4 {
            let mut framing = TcpFraming::new(512);
            let mut got = Vec::new();
            let mut rest = &stream[..];
            while !rest.is_empty() {
                let n = framing.wanted().min(chunk).min(rest.len());
                framing.push(&rest[..n]);
                rest = &rest[n..];
                if let Framed::Message(m) = framing.take_message() {
                    got.push(m);
                }
            }
            assert_eq!(
                got,
                [b"first".to_vec(), b"second message".to_vec()],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn wanted_stops_at_the_message_end() {
        let mut framing = TcpFraming::new(512);
        assert_eq!(framing.wanted(), 2);
        framing.push(&[0]);
        assert_eq!(framing.wanted(), 1);
        framing.push(&[3, b'a', b'b', b'c', 0, 9]);
        // Only the declared three bytes were kept; the rest belongs to the next read.
        assert_eq!(framing.wanted(), 0);
        assert_eq!(framing.take_message(), Framed::Message(b"abc".to_vec()));
        assert_eq!(framing.take_message(), Framed::Incomplete);
    }

    #[test]
    fn oversized_or_empty_lengths_are_invalid() {
        let mut framing = TcpFraming::new(512);
        framing.push(&[0x02, 0x01]);
        assert_eq!(framing.take_message(), Framed::Invalid);
        let mut framing = TcpFraming::new(512);
        framing.push(&[0, 0]);
        assert_eq!(framing.take_message(), Framed::Invalid);
    }
}
