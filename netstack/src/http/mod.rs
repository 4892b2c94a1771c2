//! The HTTP/1.1 server transport (RFC 9112 message syntax, RFC 9110 semantics) on the router's own TCP
//! stack, for the REST API of the `www` service (`/ip service`).
//!
//! The layer turns bytes from smoltcp TCP sockets into [`Request`]s and [`Response`]s back into bytes.
//! What a request means is not its business: every well-formed request, whatever its method or path,
//! goes to the caller through [`HttpServer::take_request`], and the caller answers it with
//! [`HttpServer::respond`].
//!
//! # Layers
//!
//! - `head`: the request line and header fields, parsed by `httparse`, checked for the framing rules
//!   that keep request smuggling out (RFC 9112 §6.1, §6.3), with the request-target split and
//!   percent-decoded by `target`.
//! - `chunked`: the chunked transfer coding (RFC 9112 §7.1), chunk sizes parsed by `httparse`.
//! - `response`: status line, header fields and body of an answer.
//! - `connection`: one connection as a pure state machine fed byte slices and a clock, so every rule
//!   below is tested without sockets; `server`: the sockets, the allow-list and the settings.
//!
//! # Guarantees
//!
//! - Partial input anywhere (a head split over many segments, a body arriving byte by byte) is
//!   buffered until it is whole; bytes of a pipelined request wait for the answer to the one before.
//! - One request at a time per connection: the next is handed out only after the previous one was
//!   answered, so answers go back in order (RFC 9112 §9.3.2).
//! - Keep-alive by default for HTTP/1.1, `Connection: close` honoured; HTTP/1.0 closes unless it asked
//!   for `keep-alive` (RFC 9112 §9.3). `Expect: 100-continue` gets `100 Continue` before the body is
//!   read (RFC 9110 §10.1.1).
//! - Bounded: [`MAX_HEAD_BYTES`] of head (431), [`MAX_HEADERS`] header fields (431),
//!   [`MAX_BODY_BYTES`] of body (413), [`MAX_CONNECTIONS`] connections, [`MAX_RESPONSE_BODY_BYTES`] of
//!   answer; per connection one request and at most two answers queued.
//! - Timed: a request must be whole within [`REQUEST_TIMEOUT`] of its first byte (408: slowloris); a
//!   new connection that sends nothing for [`REQUEST_TIMEOUT`] and a kept-alive one idle for
//!   [`IDLE_TIMEOUT`] are closed; an answer the peer does not take for [`SEND_TIMEOUT`] aborts the
//!   connection.
//! - An HTTP/1.1 request needs exactly one `Host` field (RFC 9112 §3.2). The caller's answer has no
//!   deadline here: the connection waits for it (a command may run long; the peer may give up).
//! - Access: with `enabled == false` no socket listens (SYNs get RST); a source outside
//!   [`ServerSettings::allowed`] is reset at its SYN (see `server`).
//! - Errors the server answers itself close the connection: 400 (malformed head, target, escapes,
//!   chunks or framing), 408, 413, 431, 501 (a transfer coding other than chunked), 505 (not
//!   HTTP/1.x).
//! - No input panics (fuzzed: the `http` target in `netstack/fuzz`, its corpus replayed by
//!   `cargo test`); no `unsafe`.

mod chunked;
mod connection;
pub mod fuzz_input;
mod head;
mod request;
mod response;
mod server;
mod target;

#[cfg(test)]
mod tests;

pub use request::{Method, Request};
pub use response::{Response, reason};
pub use server::{ConnectionId, HttpServer, ServerSettings};

use crate::Duration;

/// Longest request head (request line and header fields, up to the empty line); longer is 431
/// (RFC 6585 §5).
pub const MAX_HEAD_BYTES: usize = 8 * 1024;
/// Most header fields in a request (chunked trailers are skipped and count as head bytes instead);
/// more is 431.
pub const MAX_HEADERS: usize = 32;
/// Longest request body (after chunked decoding); longer is 413 and the connection closes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Connections served at once: one listening TCP socket each. While all are busy no socket listens,
/// so smoltcp answers further SYNs with RST: the client learns at once that it was refused (instead
/// of a connection that hangs until a slot frees), and a refused connection costs the router nothing.
pub const MAX_CONNECTIONS: usize = 8;
/// Longest body of an answer; a longer one is replaced by a 500 (the body is moved into the
/// connection, not copied).
pub const MAX_RESPONSE_BODY_BYTES: usize = 8 * 1024 * 1024;
/// From the first byte of a request to its last (and from a connection's start to its first byte).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// A kept-alive connection without a request for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// An answer of which the peer acknowledges nothing for this long aborts the connection.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// After everything was sent and acknowledged on a connection being closed, how long the peer has to
/// close its side before the connection is aborted (the peer reads the answer meanwhile; aborting
/// at once could make its stack drop unread data).
pub const LINGER_TIMEOUT: Duration = Duration::from_secs(5);
