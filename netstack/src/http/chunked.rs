//! The chunked transfer coding of a request body (RFC 9112 §7.1), decoded as it arrives.
//!
//! Each chunk is a size line (hex digits, optional extensions, which are ignored: §7.1.1) parsed by
//! `httparse::parse_chunk_size`, the data, and CRLF; a zero size ends the body, followed by trailer
//! fields, which are skipped (§7.1.2: a server may discard them) up to the empty line. Bounded: the
//! decoded body by [`MAX_BODY_BYTES`] (413), a size line by [`MAX_CHUNK_LINE_BYTES`] (400), the
//! trailer section by [`MAX_HEAD_BYTES`] (431).

use alloc::vec::Vec;

use super::head::Refusal;
use super::{MAX_BODY_BYTES, MAX_HEAD_BYTES};

/// Longest chunk size line, extensions included.
pub(crate) const MAX_CHUNK_LINE_BYTES: usize = 1024;

const MALFORMED: Refusal = Refusal::new(400, "malformed chunked body");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Before a chunk size line.
    Size,
    /// Inside a chunk's data, with this many bytes to go.
    Data(u64),
    /// After a chunk's data: its CRLF.
    DataEnd,
    /// After the last chunk: trailer lines until an empty one.
    Trailers,
    Done,
}

/// The decoder of one chunked body.
#[derive(Debug)]
pub(crate) struct ChunkedDecoder {
    state: State,
    trailer_bytes: usize,
}

impl ChunkedDecoder {
    pub fn new() -> Self {
        Self {
            state: State::Size,
            trailer_bytes: 0,
        }
    }

    /// Decodes from `input`, appending data to `body`: how many bytes of `input` were used and
    /// whether the body is complete (the rest of `input` then belongs to the next request). Bytes
    /// not used are an incomplete line; pass them again with more.
    pub fn feed(&mut self, input: &[u8], body: &mut Vec<u8>) -> Result<(usize, bool), Refusal> {
        let mut used = 0;
        loop {
            let rest = &input[used..];
            match self.state {
                State::Done => return Ok((used, true)),
                State::Size => {
                    let Some(&first) = rest.first() else {
                        break;
                    };
                    // httparse reads an empty size as zero; the grammar wants a digit (1*HEXDIG).
                    if !first.is_ascii_hexdigit() {
                        return Err(MALFORMED);
                    }
                    match httparse::parse_chunk_size(rest) {
                        Ok(httparse::Status::Complete((length, size))) => {
                            if length > MAX_CHUNK_LINE_BYTES {
                                return Err(MALFORMED);
                            }
                            used += length;
                            let room = (MAX_BODY_BYTES - body.len().min(MAX_BODY_BYTES)) as u64;
                            self.state = if size == 0 {
                                State::Trailers
                            } else if size > room {
                                return Err(Refusal::new(413, "request body too large"));
                            } else {
                                State::Data(size)
                            };
                        }
                        Ok(httparse::Status::Partial) => {
                            if rest.len() >= MAX_CHUNK_LINE_BYTES {
                                return Err(MALFORMED);
                            }
                            break;
                        }
                        Err(_) => return Err(MALFORMED),
                    }
                }
                State::Data(remaining) => {
                    if rest.is_empty() {
                        break;
                    }
                    let take = rest
                        .len()
                        .min(usize::try_from(remaining).unwrap_or(usize::MAX));
                    body.extend_from_slice(&rest[..take]);
                    used += take;
                    let left = remaining - take as u64;
                    self.state = if left == 0 {
                        State::DataEnd
                    } else {
                        State::Data(left)
                    };
                }
                State::DataEnd => match rest {
                    [b'\r', b'\n', ..] => {
                        used += 2;
                        self.state = State::Size;
                    }
                    [] | [b'\r'] => break,
                    _ => return Err(MALFORMED),
                },
                State::Trailers => {
                    let Some(end) = rest.iter().position(|&b| b == b'\n') else {
                        if self.trailer_bytes + rest.len() >= MAX_HEAD_BYTES {
                            return Err(Refusal::new(431, "trailer section too large"));
                        }
                        break;
                    };
                    let line = &rest[..end];
                    used += end + 1;
                    if line.is_empty() || line == b"\r" {
                        self.state = State::Done;
                    } else {
                        self.trailer_bytes += end + 1;
                        if self.trailer_bytes >= MAX_HEAD_BYTES {
                            return Err(Refusal::new(431, "trailer section too large"));
                        }
                    }
                }
            }
        }
        Ok((used, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// Feeds `input` in pieces of `step` bytes the way the connection does (unused bytes again with
    /// the next piece): the body, and the bytes after it, or the refusal.
    fn decode(input: &[u8], step: usize) -> Result<(Vec<u8>, Vec<u8>), Refusal> {
        let mut decoder = ChunkedDecoder::new();
        let mut body = Vec::new();
        let mut buffer = Vec::new();
        let mut fed = 0;
        while fed < input.len() {
            let end = (fed + step).min(input.len());
            buffer.extend_from_slice(&input[fed..end]);
            fed = end;
            let (used, done) = decoder.feed(&buffer, &mut body)?;
            buffer.drain(..used);
            if done {
                buffer.extend_from_slice(&input[fed..]);
                return Ok((body, buffer));
            }
        }
        Err(Refusal::new(0, "incomplete"))
    }

    #[test]
    fn chunks_with_extensions_and_trailers_decode_at_every_split() {
        let input = b"4;name=value\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\nGET";
        for step in 1..input.len() {
            let (body, rest) = decode(input, step).unwrap();
            assert_eq!(body, b"Wikipedia in\r\n\r\nchunks.", "step {step}");
            assert_eq!(rest, b"GET", "step {step}");
        }
    }

    #[test]
    fn upper_case_sizes_and_an_empty_body() {
        assert_eq!(
            decode(b"A\r\n0123456789\r\n0\r\n\r\n", 100).unwrap().0,
            b"0123456789"
        );
        assert_eq!(decode(b"0\r\n\r\n", 1).unwrap().0, b"");
    }

    #[test]
    fn malformed_chunks_are_refused() {
        for bad in [
            &b"\r\n\r\n"[..],
            b"x\r\n",
            b" 4\r\nWiki\r\n0\r\n\r\n",
            b"4\r\nWikiXX0\r\n\r\n",
            b"4\nWiki\r\n0\r\n\r\n",
            b"-1\r\n",
            b"fffffffffffffffff\r\n",
        ] {
            assert_eq!(decode(bad, 100).unwrap_err().status, 400, "{bad:?}");
        }
        let long_line = vec![b'1'; 1]
            .into_iter()
            .chain(core::iter::once(b';'))
            .chain(core::iter::repeat_n(b'a', MAX_CHUNK_LINE_BYTES))
            .collect::<Vec<u8>>();
        assert_eq!(decode(&long_line, 7).unwrap_err().status, 400);
    }

    #[test]
    fn a_body_over_the_limit_is_413_before_its_data_arrives() {
        let mut decoder = ChunkedDecoder::new();
        let mut body = Vec::new();
        let size = alloc::format!("{:x}\r\n", MAX_BODY_BYTES + 1);
        assert_eq!(
            decoder.feed(size.as_bytes(), &mut body).unwrap_err().status,
            413
        );
        // Many small chunks add up as well.
        let mut decoder = ChunkedDecoder::new();
        let chunk = alloc::format!("{:x}\r\n{}\r\n", 1000, "a".repeat(1000));
        let mut refused = None;
        for _ in 0..70 {
            if let Err(e) = decoder.feed(chunk.as_bytes(), &mut body) {
                refused = Some(e.status);
                break;
            }
        }
        assert_eq!(refused, Some(413));
        assert!(body.len() <= MAX_BODY_BYTES);
    }

    #[test]
    fn an_endless_trailer_section_is_431() {
        let mut input = b"0\r\n".to_vec();
        for _ in 0..1000 {
            input.extend_from_slice(b"X-Trailer: aaaaaaaaaaaaaaaa\r\n");
        }
        assert_eq!(decode(&input, 512).unwrap_err().status, 431);
        let mut endless_line = b"0\r\nX: ".to_vec();
        endless_line.extend(core::iter::repeat_n(b'a', MAX_HEAD_BYTES));
        assert_eq!(decode(&endless_line, 512).unwrap_err().status, 431);
    }
}
