//! One HTTP/1.1 connection as a pure state machine: bytes in ([`Connection::receive`]), requests out
//! ([`Connection::take_request`]), answers in ([`Connection::respond`]), bytes out
//! ([`Connection::output`]), and a clock ([`Connection::poll`]) that says whether the socket stays
//! open, is closed (FIN once everything is written) or aborted (RST). It owns no socket, so every
//! rule of the module docs is tested with byte slices and a fake `now`.
//!
//! Phases: reading a head, reading a body (by length or chunked), waiting for the answer to the
//! request handed out, and closing. While a request waits for its answer the connection takes no
//! bytes ([`Connection::receive`] returns 0), so a pipelined request stays in the socket's buffer and
//! the peer's window closes: the input is bounded by [`MAX_HEAD_BYTES`] buffered here plus the
//! socket. While closing, whatever arrives is read and discarded, so the peer can finish sending the
//! body of a refused request and still read the answer.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use smoltcp::wire::IpEndpoint;

use super::chunked::ChunkedDecoder;
use super::head::{self, Framing, Head, Refusal};
use super::request::{Method, Request};
use super::response::{self, Response};
use super::{
    IDLE_TIMEOUT, LINGER_TIMEOUT, MAX_BODY_BYTES, MAX_HEAD_BYTES, REQUEST_TIMEOUT, SEND_TIMEOUT,
};
use crate::Instant;

/// What the socket of a connection should do after [`Connection::poll`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Keep going.
    Open,
    /// Everything is written: close the sending side (FIN after the queued bytes).
    Close,
    /// Abort (RST) at once.
    Abort,
}

/// Where the connection is.
#[derive(Debug)]
enum Phase {
    /// Waiting for or reading a request head.
    Head,
    /// Reading a body of known length.
    Body { head: Head, remaining: usize },
    /// Reading a chunked body.
    Chunked { head: Head, decoder: ChunkedDecoder },
    /// A request is complete (in `ready` until taken) and waits for its answer.
    Answering(AnswerFraming),
    /// No more requests: the output is sent, then the connection closes.
    Closing,
}

/// What the answer to the request being served needs to know about it.
#[derive(Clone, Copy, Debug)]
struct AnswerFraming {
    head_only: bool,
    keep_alive: bool,
    http10: bool,
}

/// One connection (module docs).
#[derive(Debug)]
pub struct Connection {
    peer: IpEndpoint,
    phase: Phase,
    /// Bytes received and not yet used (an incomplete head or chunk line, pipelined requests); at
    /// most [`MAX_HEAD_BYTES`].
    input: Vec<u8>,
    /// How much of `input` the last parse of an incomplete head saw: it is parsed again only once a
    /// line ends after that (or the input is full or over), so a head arriving byte by byte costs one
    /// parse per line instead of one per byte.
    head_seen: usize,
    /// The complete request, until taken.
    ready: Option<Request>,
    /// Bytes to write: answer heads and bodies, in order; `output_offset` of the first are written.
    output: VecDeque<Vec<u8>>,
    output_offset: usize,
    /// The clock as of the last call that gave it.
    now: Instant,
    /// When the first byte of the request being read arrived.
    request_started: Option<Instant>,
    /// The last byte received or sent.
    last_activity: Instant,
    /// The last time the peer took some of the output (or output was queued while none was).
    last_send_progress: Instant,
    /// Bytes written to the socket that the peer has not acknowledged yet.
    in_flight: usize,
    /// Requests completed on this connection.
    served: u32,
    /// The peer sent FIN and everything before it was received.
    input_ended: bool,
    aborted: bool,
}

impl Connection {
    /// A connection from `peer` accepted at `now`.
    pub fn new(peer: IpEndpoint, now: Instant) -> Self {
        Self {
            peer,
            phase: Phase::Head,
            input: Vec::new(),
            head_seen: 0,
            ready: None,
            output: VecDeque::new(),
            output_offset: 0,
            now,
            request_started: None,
            last_activity: now,
            last_send_progress: now,
            in_flight: 0,
            served: 0,
            input_ended: false,
            aborted: false,
        }
    }

    /// Takes bytes from the peer: how many of `data` were used. The rest must be offered again later
    /// (they are a pipelined request, which waits for the answer to the current one).
    pub fn receive(&mut self, data: &[u8], now: Instant) -> usize {
        self.now = now;
        if self.aborted || data.is_empty() {
            return 0;
        }
        if matches!(self.phase, Phase::Closing) {
            // Discarded: the peer may still be sending a body we refused.
            self.last_activity = now;
            return data.len();
        }
        let mut used = 0;
        while used < data.len() && self.reading() {
            let room = MAX_HEAD_BYTES - self.input.len();
            if room == 0 {
                break;
            }
            let take = room.min(data.len() - used);
            self.input.extend_from_slice(&data[used..used + take]);
            used += take;
            self.last_activity = now;
            if self.request_started.is_none() {
                self.request_started = Some(now);
            }
            self.advance();
        }
        used
    }

    /// The peer closed its sending side: no request after those already received will come.
    pub fn end_of_input(&mut self) {
        if !self.input_ended {
            self.input_ended = true;
            self.advance();
        }
    }

    /// The complete request, once (module docs: one at a time). Held back while more than one answer's
    /// worth of output is unsent, so a peer that pipelines requests without reading answers does not
    /// make the output grow.
    pub fn take_request(&mut self) -> Option<Request> {
        if self.output.len() > 2 {
            return None;
        }
        self.ready.take()
    }

    /// The answer to the request handed out; ignored when there is none.
    pub fn respond(&mut self, response: Response) {
        let Phase::Answering(answer) = self.phase else {
            return;
        };
        if self.ready.is_some() {
            return;
        }
        // After the peer's FIN, requests it pipelined before it are still answered.
        let close = !answer.keep_alive
            || response.asks_close()
            || (self.input_ended && self.input.is_empty());
        let framing = response::Framing {
            head_only: answer.head_only,
            close,
            announce_keep_alive: answer.http10 && !close,
        };
        self.queue_answer(response, framing);
        if close {
            self.phase = Phase::Closing;
            self.input.clear();
        } else {
            self.head_seen = 0;
            self.phase = Phase::Head;
            self.request_started = (!self.input.is_empty()).then_some(self.now);
            self.advance();
        }
    }

    /// The next bytes to write to the socket, if any.
    pub fn output(&self) -> Option<&[u8]> {
        self.output
            .front()
            .map(|front| &front[self.output_offset..])
    }

    /// `written` bytes of [`Connection::output`] went into the socket.
    pub fn output_written(&mut self, written: usize, now: Instant) {
        self.now = now;
        if written == 0 {
            return;
        }
        let Some(front) = self.output.front() else {
            return;
        };
        self.output_offset += written;
        if self.output_offset >= front.len() {
            self.output.pop_front();
            self.output_offset = 0;
        }
        self.in_flight += written;
        self.last_activity = now;
    }

    /// How many written bytes the socket still holds (sent but not acknowledged, or not sent yet);
    /// fewer than before is progress.
    pub fn set_in_flight(&mut self, in_flight: usize, now: Instant) {
        if in_flight < self.in_flight {
            self.last_send_progress = now;
            self.last_activity = now;
        }
        self.in_flight = in_flight;
    }

    /// Runs the timers: 408 for a request not complete within [`REQUEST_TIMEOUT`], a quiet close
    /// after [`REQUEST_TIMEOUT`] without a first request or [`IDLE_TIMEOUT`] between requests, an
    /// abort when the peer took nothing for [`SEND_TIMEOUT`] or did not close within
    /// [`LINGER_TIMEOUT`] of the end; then what the socket should do.
    pub fn poll(&mut self, now: Instant) -> Verdict {
        self.now = now;
        if self.aborted {
            return Verdict::Abort;
        }
        let sending = self.sending();
        if sending && now >= self.last_send_progress + SEND_TIMEOUT {
            self.aborted = true;
            return Verdict::Abort;
        }
        if self.reading() {
            if let Some(started) = self.request_started {
                if now >= started + REQUEST_TIMEOUT {
                    self.refuse(Refusal::new(408, "request not received in time"));
                }
            } else if !sending {
                let limit = if self.served == 0 {
                    REQUEST_TIMEOUT
                } else {
                    IDLE_TIMEOUT
                };
                if now >= self.last_activity + limit {
                    self.close();
                }
            }
        }
        if matches!(self.phase, Phase::Closing) && !self.sending() {
            if now >= self.last_send_progress + LINGER_TIMEOUT {
                self.aborted = true;
                return Verdict::Abort;
            }
            return Verdict::Close;
        }
        Verdict::Open
    }

    /// When [`Connection::poll`] has a timer to run, if ever.
    pub fn poll_at(&self) -> Option<Instant> {
        if self.aborted {
            return Some(self.now);
        }
        let sending = self
            .sending()
            .then_some(self.last_send_progress + SEND_TIMEOUT);
        let other = if matches!(self.phase, Phase::Closing) {
            if sending.is_some() {
                None
            } else {
                Some(self.last_send_progress + LINGER_TIMEOUT)
            }
        } else if !self.reading() {
            None
        } else if let Some(started) = self.request_started {
            Some(started + REQUEST_TIMEOUT)
        } else if sending.is_some() {
            None
        } else if self.served == 0 {
            Some(self.last_activity + REQUEST_TIMEOUT)
        } else {
            Some(self.last_activity + IDLE_TIMEOUT)
        };
        match (sending, other) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether bytes are still to be written or acknowledged.
    fn sending(&self) -> bool {
        !self.output.is_empty() || self.in_flight > 0
    }

    /// Whether the connection takes input for a request now.
    fn reading(&self) -> bool {
        matches!(
            self.phase,
            Phase::Head | Phase::Body { .. } | Phase::Chunked { .. }
        )
    }

    /// Parses what the input holds as far as it goes.
    fn advance(&mut self) {
        loop {
            let phase = core::mem::replace(&mut self.phase, Phase::Closing);
            let next = match phase {
                Phase::Head => {
                    // RFC 9112 §2.2: empty lines before a request line are ignored (some clients
                    // send CRLF after a body); they do not start a request or its timer.
                    let blank = self
                        .input
                        .iter()
                        .take_while(|&&b| b == b'\r' || b == b'\n')
                        .count();
                    if blank > 0 {
                        self.input.drain(..blank);
                        self.head_seen = 0;
                        if self.input.is_empty() {
                            self.request_started = None;
                        }
                    }
                    let new_line =
                        self.input[self.head_seen.min(self.input.len())..].contains(&b'\n');
                    let first = self.head_seen == 0;
                    let full = self.input.len() >= MAX_HEAD_BYTES;
                    if self.input.is_empty() || !(first || new_line || full || self.input_ended) {
                        self.phase = Phase::Head;
                        break;
                    }
                    self.head_seen = self.input.len();
                    match head::parse(&self.input, self.peer) {
                        Ok(Some((length, head))) => {
                            self.input.drain(..length);
                            self.head_seen = 0;
                            self.start_body(head)
                        }
                        Ok(None) if self.input.len() >= MAX_HEAD_BYTES => {
                            self.refuse(Refusal::new(431, "request head too large"));
                            break;
                        }
                        Ok(None) => {
                            self.phase = Phase::Head;
                            break;
                        }
                        Err(refusal) => {
                            self.refuse(refusal);
                            break;
                        }
                    }
                }
                Phase::Body {
                    mut head,
                    remaining,
                } => {
                    let take = remaining.min(self.input.len());
                    head.request.body.extend_from_slice(&self.input[..take]);
                    self.input.drain(..take);
                    if remaining == take {
                        self.complete(head)
                    } else {
                        self.phase = Phase::Body {
                            head,
                            remaining: remaining - take,
                        };
                        break;
                    }
                }
                Phase::Chunked {
                    mut head,
                    mut decoder,
                } => match decoder.feed(&self.input, &mut head.request.body) {
                    Ok((used, done)) => {
                        self.input.drain(..used);
                        if done {
                            self.complete(head)
                        } else {
                            self.phase = Phase::Chunked { head, decoder };
                            break;
                        }
                    }
                    Err(refusal) => {
                        self.refuse(refusal);
                        break;
                    }
                },
                other => {
                    self.phase = other;
                    break;
                }
            };
            self.phase = next;
        }
        if self.input_ended && self.reading() {
            // Nothing more will come: an incomplete request never completes.
            self.close();
        }
    }

    /// After a head: the phase that reads its body (or the complete request).
    fn start_body(&mut self, head: Head) -> Phase {
        let body_pending = match head.framing {
            Framing::Empty => return self.complete(head),
            Framing::Length(length) => self.input.len() < length,
            Framing::Chunked => self.input.is_empty(),
        };
        // RFC 9110 §10.1.1: the client waits for this before it sends the body (curl, for bodies
        // over 1 KiB); no need once the body has started arriving.
        if head.expect_continue && body_pending {
            self.queue(b"HTTP/1.1 100 Continue\r\n\r\n".to_vec());
        }
        match head.framing {
            Framing::Length(remaining) => Phase::Body { head, remaining },
            _ => Phase::Chunked {
                head,
                decoder: ChunkedDecoder::new(),
            },
        }
    }

    /// A whole request: handed out, and its answer awaited.
    fn complete(&mut self, head: Head) -> Phase {
        debug_assert!(head.request.body.len() <= MAX_BODY_BYTES);
        self.request_started = None;
        self.served = self.served.saturating_add(1);
        let answer = AnswerFraming {
            head_only: head.request.method == Method::Head,
            keep_alive: head.keep_alive,
            http10: head.http10,
        };
        self.ready = Some(head.request);
        Phase::Answering(answer)
    }

    /// Answers a request the server refuses itself, and closes after.
    fn refuse(&mut self, refusal: Refusal) {
        let framing = response::Framing {
            head_only: false,
            close: true,
            announce_keep_alive: false,
        };
        self.queue_answer(Response::text(refusal.status, refusal.detail), framing);
        self.ready = None;
        self.input.clear();
        self.phase = Phase::Closing;
    }

    /// Closes without an answer.
    fn close(&mut self) {
        self.ready = None;
        self.input.clear();
        self.phase = Phase::Closing;
        if !self.sending() {
            self.last_send_progress = self.now;
        }
    }

    fn queue_answer(&mut self, response: Response, framing: response::Framing) {
        let (head, body) = response::serialize(response, framing);
        self.queue(head);
        self.queue(body);
    }

    fn queue(&mut self, bytes: Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        if !self.sending() {
            self.last_send_progress = self.now;
        }
        self.output.push_back(bytes);
    }
}
