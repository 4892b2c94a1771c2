//! Arbitrary bytes as what a peer sends on one connection: shared by the `http` fuzz target
//! (`netstack/fuzz`) and the test that replays its corpus (`netstack/tests/http_fuzz_corpus.rs`).
//!
//! The bytes are fed to a connection (the state machine of `connection.rs`) whole, one at a time,
//! and in pieces of sizes drawn from the input, each request answered as it is handed out. Besides
//! not panicking, every run must end (the connection closes once the input is over), hand out only
//! requests within the limits, write only answers, and see the same requests and answers however the
//! bytes were split (`100 Continue` aside, which depends on whether the body had arrived). A last run
//! lets the clock advance between pieces, so the timeouts fire in the middle of things.

use alloc::format;
use alloc::vec::Vec;

use smoltcp::wire::{IpAddress, IpEndpoint, Ipv4Address};

use super::connection::{Connection, Verdict};
use super::request::{Method, Request};
use super::response::Response;
use super::{MAX_BODY_BYTES, MAX_HEADERS};
use crate::{Duration, Instant};

const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// Runs one input (module docs); panics only when a guarantee breaks.
pub fn run(data: &[u8]) {
    let whole = drive(data, &mut || usize::MAX, Duration::ZERO);
    let mut bytes = 1;
    let split = drive(data, &mut || bytes, Duration::ZERO);
    assert_eq!(split, whole, "one byte at a time");
    let mut state = seed(data);
    let mut sizes = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        1 + (state % 97) as usize
    };
    let pieces = drive(data, &mut sizes, Duration::ZERO);
    assert_eq!(pieces, whole, "in pieces");
    bytes = 3;
    drive(data, &mut || bytes, Duration::from_millis(900));
}

/// The requests handed out and the bytes written (without `100 Continue`).
type Outcome = (Vec<Request>, Vec<u8>);

/// Feeds `data` in pieces of `size()` bytes, `tick` apart, to a connection and answers it; stops
/// when the connection closes.
fn drive(data: &[u8], size: &mut dyn FnMut() -> usize, tick: Duration) -> Outcome {
    let peer = IpEndpoint::new(IpAddress::Ipv4(Ipv4Address::new(192, 0, 2, 1)), 1234);
    let mut now = Instant::from_secs(1);
    let mut connection = Connection::new(peer, now);
    let mut requests = Vec::new();
    let mut output = Vec::new();
    let mut fed = 0;
    // Each round takes a byte or answers a request, so the rounds are bounded.
    let rounds = 2 * data.len() + 16;
    for _ in 0..rounds {
        while let Some(request) = connection.take_request() {
            check(&request);
            connection.respond(answer(&request));
            requests.push(request);
        }
        while let Some(bytes) = connection.output() {
            let length = bytes.len();
            if bytes != CONTINUE {
                output.extend_from_slice(bytes);
            }
            connection.output_written(length, now);
        }
        connection.set_in_flight(0, now);
        if connection.poll(now) != Verdict::Open {
            assert!(
                output.is_empty() || output.starts_with(b"HTTP/1.1 "),
                "only answers are written"
            );
            return (requests, output);
        }
        if fed < data.len() {
            let end = fed + size().clamp(1, data.len() - fed);
            fed += connection.receive(&data[fed..end], now);
            if fed == data.len() {
                connection.end_of_input();
            }
        } else {
            connection.end_of_input();
        }
        now += tick;
    }
    panic!("the connection did not close after its input ended");
}

/// The limits a request handed out keeps.
fn check(request: &Request) {
    assert!(request.body.len() <= MAX_BODY_BYTES);
    assert!(request.headers.len() <= MAX_HEADERS);
    assert!(
        request
            .headers
            .iter()
            .all(|(name, _)| !name.bytes().any(|b| b.is_ascii_uppercase()))
    );
    assert!(request.path.starts_with('/') || request.path == "*");
}

/// An answer that depends only on the request: 204 to DELETE, else 200 with a summary; those to
/// bodies of 3n+1 bytes ask to close.
fn answer(request: &Request) -> Response {
    let summary = format!(
        "{} {} {} {}",
        request.method.as_str().len(),
        request.path.len(),
        request.query.len(),
        request.body.len()
    );
    let status = if request.method == Method::Delete {
        204
    } else {
        200
    };
    let response = Response::new(status, "text/plain", summary.into_bytes());
    if request.body.len() % 3 == 1 {
        response.with_header("Connection", "close")
    } else {
        response
    }
}

/// A seed for the piece sizes, from the input itself.
fn seed(data: &[u8]) -> u64 {
    data.iter()
        .fold(0x9E37_79B9_7F4A_7C15u64 ^ data.len() as u64, |hash, &b| {
            (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
        })
        | 1
}
