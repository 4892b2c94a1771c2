//! The connection state machine fed literal bytes with a fake clock: parsing, framing, limits,
//! keep-alive, pipelining, timeouts and the errors the server answers itself.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use smoltcp::wire::{IpAddress, IpEndpoint, Ipv4Address};

use super::connection::{Connection, Verdict};
use super::*;
use crate::{Duration, Instant};

const START: Instant = Instant::from_millis_const(1_000_000);

fn peer() -> IpEndpoint {
    IpEndpoint::new(IpAddress::Ipv4(Ipv4Address::new(192, 168, 88, 10)), 40000)
}

/// A connection with a clock and a peer that reads and acknowledges everything at once.
struct Client {
    connection: Connection,
    now: Instant,
}

impl Client {
    fn new() -> Self {
        Self {
            connection: Connection::new(peer(), START),
            now: START,
        }
    }

    /// Offers `bytes`: how many were taken.
    fn send(&mut self, bytes: &[u8]) -> usize {
        self.connection.receive(bytes, self.now)
    }

    /// Offers `bytes`, which must all be taken.
    fn send_all(&mut self, bytes: &[u8]) {
        assert_eq!(self.send(bytes), bytes.len());
    }

    /// Everything the server wrote, as the peer reads it (written, sent and acknowledged).
    fn read(&mut self) -> String {
        let mut out = Vec::new();
        while let Some(bytes) = self.connection.output() {
            let bytes = bytes.to_vec();
            out.extend_from_slice(&bytes);
            self.connection.output_written(bytes.len(), self.now);
        }
        self.connection.set_in_flight(0, self.now);
        String::from_utf8(out).unwrap()
    }

    fn request(&mut self) -> Request {
        self.connection.take_request().expect("a complete request")
    }

    fn no_request(&mut self) {
        assert!(self.connection.take_request().is_none());
    }

    /// Answers the request handed out with 200 and `body`, and reads the answer.
    fn answer(&mut self, body: &str) -> String {
        self.connection
            .respond(Response::new(200, "text/plain", body.as_bytes().to_vec()));
        self.read()
    }

    fn wait(&mut self, millis: u64) -> Verdict {
        self.now += Duration::from_millis(millis);
        self.connection.poll(self.now)
    }

    fn verdict(&mut self) -> Verdict {
        self.connection.poll(self.now)
    }
}

fn ok(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        body
    )
}

/// The status code of the (first) answer in `wire`.
fn status_of(wire: &str) -> u16 {
    wire.get(9..12)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an answer: {wire:?}"))
}

/// A request answered by the server itself: its status, and that the connection closes after it.
fn refused(bytes: &[u8]) -> u16 {
    let mut client = Client::new();
    client.send(bytes);
    client.no_request();
    let wire = client.read();
    assert!(wire.contains("\r\nConnection: close\r\n"), "{wire:?}");
    assert_eq!(client.verdict(), Verdict::Close, "{wire:?}");
    status_of(&wire)
}

const GET: &[u8] = b"GET /rest/ip/address?interface=ether2&.proplist=address HTTP/1.1\r\n\
Host: 192.168.88.1\r\nAuthorization: Basic YWRtaW46\r\nX-Spaces:   padded value \t\r\n\r\n";

#[test]
fn a_get_is_parsed_into_its_parts() {
    let mut client = Client::new();
    client.send_all(GET);
    let request = client.request();
    assert_eq!(request.method, Method::Get);
    assert_eq!(request.path, "/rest/ip/address");
    assert_eq!(
        request.query,
        vec![
            ("interface".to_string(), "ether2".to_string()),
            (".proplist".to_string(), "address".to_string())
        ]
    );
    assert_eq!(request.header("authorization"), Some("Basic YWRtaW46"));
    assert_eq!(request.header("AUTHORIZATION"), Some("Basic YWRtaW46"));
    assert_eq!(request.header("x-spaces"), Some("padded value"));
    assert_eq!(
        request.headers[0],
        ("host".to_string(), "192.168.88.1".to_string())
    );
    assert!(request.body.is_empty());
    assert_eq!(request.peer, peer());
    client.no_request();
    assert_eq!(client.answer("[]"), ok("[]"));
    assert_eq!(
        client.verdict(),
        Verdict::Open,
        "HTTP/1.1 keeps the connection"
    );
}

#[test]
fn every_method_is_handed_out() {
    for (token, method) in [
        ("GET", Method::Get),
        ("HEAD", Method::Head),
        ("POST", Method::Post),
        ("PUT", Method::Put),
        ("PATCH", Method::Patch),
        ("DELETE", Method::Delete),
        ("OPTIONS", Method::Options),
        ("PROPFIND", Method::Other("PROPFIND".into())),
        ("get", Method::Other("get".into())),
    ] {
        let mut client = Client::new();
        client.send_all(format!("{token} / HTTP/1.1\r\nHost: r\r\n\r\n").as_bytes());
        assert_eq!(client.request().method, method);
        assert_eq!(method.as_str(), token);
    }
}

#[test]
fn a_head_split_anywhere_gives_the_same_request() {
    for split in 0..=GET.len() {
        let mut client = Client::new();
        client.send_all(&GET[..split]);
        if split < GET.len() {
            client.no_request();
        }
        client.send_all(&GET[split..]);
        let request = client.request();
        assert_eq!(request.path, "/rest/ip/address", "split at {split}");
        assert_eq!(request.headers.len(), 3);
    }
    let mut client = Client::new();
    for byte in GET {
        client.send_all(&[*byte]);
    }
    assert_eq!(client.request().header("x-spaces"), Some("padded value"));
}

#[test]
fn a_body_by_length_arrives_byte_by_byte() {
    let body = br#"{"address":"192.168.88.2/24","interface":"ether2"}"#;
    let head = format!(
        "PUT /rest/ip/address HTTP/1.1\r\nHost: r\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut client = Client::new();
    client.send_all(head.as_bytes());
    for byte in body {
        client.no_request();
        client.send_all(&[*byte]);
    }
    let request = client.request();
    assert_eq!(request.method, Method::Put);
    assert_eq!(request.body, body);
    assert_eq!(client.read(), "", "no 100 Continue unasked");
}

#[test]
fn a_chunked_body_split_at_every_byte() {
    let wire =
        b"POST /rest/ip/address/print HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: chunked\r\n\r\n\
7\r\n{\".prop\r\n12;ext=1\r\nlist\":[\"address\"]}\r\n0\r\nX-Checksum: 1\r\n\r\n";
    for split in 0..=wire.len() {
        let mut client = Client::new();
        client.send_all(&wire[..split]);
        client.send_all(&wire[split..]);
        let request = client.request();
        assert_eq!(
            request.body, br#"{".proplist":["address"]}"#,
            "split at {split}"
        );
        assert!(
            request.header("x-checksum").is_none(),
            "trailers are skipped"
        );
    }
}

#[test]
fn pipelined_requests_are_handed_out_one_at_a_time_and_answered_in_order() {
    let mut client = Client::new();
    let wire = b"GET /a HTTP/1.1\r\nHost: r\r\n\r\nGET /b HTTP/1.1\r\nHost: r\r\n\r\nGET /c HT";
    client.send_all(wire);
    assert_eq!(client.request().path, "/a");
    client.no_request();
    assert_eq!(client.answer("a"), ok("a"));
    assert_eq!(client.request().path, "/b");
    client.no_request();
    let rest = b"TP/1.1\r\nHost: r\r\n\r\n";
    assert_eq!(
        client.send(rest),
        0,
        "waits in the socket while /b is answered"
    );
    assert_eq!(client.answer("b"), ok("b"));
    client.no_request();
    client.send_all(rest);
    assert_eq!(client.request().path, "/c");
}

#[test]
fn bytes_after_a_complete_request_wait_in_the_socket() {
    let mut client = Client::new();
    let mut wire = b"GET /a HTTP/1.1\r\nHost: r\r\n\r\n".to_vec();
    let first = wire.len();
    for i in 0..1000 {
        wire.extend_from_slice(format!("GET /{i} HTTP/1.1\r\nHost: r\r\n\r\n").as_bytes());
    }
    let taken = client.send(&wire);
    assert!(taken < wire.len(), "not everything is buffered");
    assert!(taken <= first + MAX_HEAD_BYTES, "took {taken}");
    assert_eq!(
        client.send(&wire[taken..]),
        0,
        "nothing more until answered"
    );
    client.request();
    client.answer("");
    assert_eq!(client.request().path, "/0");
}

#[test]
fn answers_stop_being_queued_when_the_peer_does_not_read_them() {
    let mut client = Client::new();
    let wire = b"GET /a HTTP/1.1\r\nHost: r\r\n\r\n".repeat(10);
    client.send(&wire);
    let mut answered = 0;
    while let Some(_request) = client.connection.take_request() {
        client
            .connection
            .respond(Response::new(200, "", vec![b'x'; 1000]));
        answered += 1;
    }
    assert_eq!(answered, 2, "two answers queued, the third request waits");
    client.read();
    assert!(client.connection.take_request().is_some());
}

#[test]
fn connection_close_and_http10_close_after_the_answer() {
    let mut client = Client::new();
    client.send_all(b"GET / HTTP/1.1\r\nHost: r\r\nConnection: Keep-Alive, Close\r\n\r\n");
    client.request();
    let wire = client.answer("x");
    assert!(
        wire.ends_with("Content-Length: 1\r\nConnection: close\r\n\r\nx"),
        "{wire:?}"
    );
    assert_eq!(client.verdict(), Verdict::Close);
    assert_eq!(client.send(b"GET / HTTP/1.1\r\n"), 16, "discarded");
    client.no_request();

    let mut client = Client::new();
    client.send_all(b"GET / HTTP/1.0\r\n\r\n");
    client.request();
    assert!(client.answer("x").contains("Connection: close\r\n"));
    assert_eq!(client.verdict(), Verdict::Close);
}

#[test]
fn http10_keep_alive_is_kept_and_announced() {
    let mut client = Client::new();
    client.send_all(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    client.request();
    assert!(client.answer("x").contains("Connection: keep-alive\r\n"));
    assert_eq!(client.verdict(), Verdict::Open);
    client.send_all(b"GET /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_eq!(client.request().path, "/2");
}

#[test]
fn the_caller_can_close_after_an_answer() {
    let mut client = Client::new();
    client.send_all(b"GET / HTTP/1.1\r\nHost: r\r\n\r\n");
    client.request();
    client
        .connection
        .respond(Response::new(401, "", vec![]).with_header("Connection", "close"));
    assert!(client.read().contains("Connection: close\r\n"));
    assert_eq!(client.verdict(), Verdict::Close);
}

#[test]
fn head_gets_the_fields_of_get_without_the_body() {
    let mut client = Client::new();
    client.send_all(b"HEAD /rest/system/resource HTTP/1.1\r\nHost: r\r\n\r\n");
    assert_eq!(client.request().method, Method::Head);
    assert_eq!(
        client.answer("{\"uptime\":\"1m\"}"),
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 15\r\n\r\n"
    );
    client.send_all(b"GET / HTTP/1.1\r\nHost: r\r\n\r\n");
    assert_eq!(client.request().method, Method::Get, "still in step");
}

#[test]
fn an_answer_without_a_request_is_ignored() {
    let mut client = Client::new();
    client.connection.respond(Response::new(200, "", vec![]));
    assert_eq!(client.read(), "");
    client.send_all(b"GET / HTTP/1.1\r\nHost: r\r\n\r\n");
    // Not taken yet: no answer either.
    client.connection.respond(Response::new(200, "", vec![]));
    assert_eq!(client.read(), "");
    client.request();
    client.answer("");
    client.connection.respond(Response::new(200, "", vec![]));
    assert_eq!(
        client.read(),
        "",
        "a second answer to one request is ignored"
    );
}

#[test]
fn leading_empty_lines_are_ignored() {
    // RFC 9112 §2.2: some clients send CRLF after a POST body.
    let mut client = Client::new();
    client.send_all(b"\r\n\r\nGET / HTTP/1.1\r\nHost: r\r\n\r\n");
    assert_eq!(client.request().path, "/");
}

#[test]
fn expect_100_continue_is_answered_before_the_body() {
    let mut client = Client::new();
    client.send_all(
        b"POST /rest/execute HTTP/1.1\r\nHost: r\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n",
    );
    assert_eq!(client.read(), "HTTP/1.1 100 Continue\r\n\r\n");
    client.no_request();
    client.send_all(b"body");
    assert_eq!(client.request().body, b"body");
    assert_eq!(client.answer("ok"), ok("ok"));

    // Not when the body came with the head, and not for a body that is refused anyway.
    let mut client = Client::new();
    client.send_all(
        b"POST / HTTP/1.1\r\nHost: r\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody",
    );
    assert_eq!(client.read(), "");
    assert_eq!(client.request().body, b"body");
    let big = format!(
        "POST / HTTP/1.1\r\nHost: r\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        MAX_BODY_BYTES + 1
    );
    assert_eq!(refused(big.as_bytes()), 413);

    let mut client = Client::new();
    client.send_all(
        b"PUT / HTTP/1.1\r\nHost: r\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    assert_eq!(client.read(), "HTTP/1.1 100 Continue\r\n\r\n");
}

#[test]
fn malformed_heads_are_400() {
    for bad in [
        &b"GET\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost r\r\n\r\n",
        b"GET / HTTP/1.1\r\nHo st: r\r\n\r\n",
        b"GET / HTTP/1.1 extra\r\nHost: r\r\n\r\n",
        b"GET  / HTTP/1.1\r\nHost: r\r\n\r\n",
        b"GET / HTTP/1.1\rHost: r\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        b"GET /a%zz HTTP/1.1\r\nHost: r\r\n\r\n",
        b"GET /%C3%28 HTTP/1.1\r\nHost: r\r\n\r\n",
        b"GET /?q=%FF HTTP/1.1\r\nHost: r\r\n\r\n",
        b"GET router:80 HTTP/1.1\r\nHost: r\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: r\r\nX: \xff\xfe\r\n\r\n",
    ] {
        assert_eq!(refused(bad), 400, "{:?}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn other_versions_are_505() {
    for bad in [
        &b"GET / HTTP/2.0\r\nHost: r\r\n\r\n"[..],
        b"GET / HTTP/1.2\r\nHost: r\r\n\r\n",
        b"GET / HTTP/3\r\n\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    ] {
        assert_eq!(refused(bad), 505, "{:?}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn a_head_up_to_the_limit_is_read_and_one_byte_more_is_431() {
    let fill = |total: usize| {
        let start = "GET / HTTP/1.1\r\nHost: r\r\nX-Fill: ";
        let mut head = String::from(start);
        head.push_str(&"a".repeat(total - start.len() - 4));
        head.push_str("\r\n\r\n");
        assert_eq!(head.len(), total);
        head.into_bytes()
    };
    let mut client = Client::new();
    client.send_all(&fill(MAX_HEAD_BYTES));
    assert_eq!(
        client.request().header("x-fill").unwrap().len(),
        MAX_HEAD_BYTES - 37
    );
    assert_eq!(refused(&fill(MAX_HEAD_BYTES + 1)), 431);
    // A head that never ends.
    assert_eq!(
        refused(&[b'a'; MAX_HEAD_BYTES * 2]),
        431,
        "a method that never ends"
    );
    let mut endless = b"GET / HTTP/1.1\r\n".to_vec();
    endless.extend(core::iter::repeat_n(b'a', MAX_HEAD_BYTES));
    assert_eq!(refused(&endless), 431);
}

#[test]
fn more_than_32_header_fields_is_431() {
    let head = |fields: usize| {
        let mut head = String::from("GET / HTTP/1.1\r\nHost: r\r\n");
        for i in 1..fields {
            head.push_str(&format!("X-{i}: {i}\r\n"));
        }
        head.push_str("\r\n");
        head.into_bytes()
    };
    let mut client = Client::new();
    client.send_all(&head(MAX_HEADERS));
    assert_eq!(client.request().headers.len(), MAX_HEADERS);
    assert_eq!(refused(&head(MAX_HEADERS + 1)), 431);
}

#[test]
fn bodies_over_the_limit_are_413_and_the_rest_is_discarded() {
    let head = format!(
        "PUT / HTTP/1.1\r\nHost: r\r\nContent-Length: {}\r\n\r\n",
        MAX_BODY_BYTES + 1
    );
    let mut client = Client::new();
    client.send_all(head.as_bytes());
    assert_eq!(status_of(&client.read()), 413);
    // The body the client sends anyway is read and dropped while the answer goes out.
    assert_eq!(client.send(&[b'x'; 4096]), 4096);
    client.no_request();
    assert_eq!(client.verdict(), Verdict::Close);

    let mut wire = b"PUT / HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..=MAX_BODY_BYTES / 1000 {
        wire.extend_from_slice(format!("3e8\r\n{}\r\n", "y".repeat(1000)).as_bytes());
    }
    assert_eq!(refused(&wire), 413);

    // Exactly the limit is fine.
    let mut client = Client::new();
    let head = format!(
        "PUT / HTTP/1.1\r\nHost: r\r\nContent-Length: {}\r\n\r\n",
        MAX_BODY_BYTES
    );
    client.send_all(head.as_bytes());
    for _ in 0..MAX_BODY_BYTES / 1024 {
        client.send_all(&[b'z'; 1024]);
    }
    assert_eq!(client.request().body.len(), MAX_BODY_BYTES);
}

#[test]
fn ambiguous_framing_is_refused() {
    for (bad, status) in [
        (&b"POST / HTTP/1.1\r\nHost: r\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"[..], 400),
        (b"POST / HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: r\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: r\r\nContent-Length: 3, 4\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: r\r\nContent-Length: +3\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: r\r\nContent-Length: 0x3\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: r\r\nContent-Length:\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: r\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: identity\r\n\r\n", 400),
        (b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        (b"POST / HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    ] {
        assert_eq!(refused(bad), status, "{:?}", String::from_utf8_lossy(bad));
    }
    // The same length twice is one length (RFC 9110 §8.6).
    let mut client = Client::new();
    client.send_all(
        b"POST / HTTP/1.1\r\nHost: r\r\nContent-Length: 2\r\nContent-Length: 2, 2\r\n\r\nokGET",
    );
    assert_eq!(client.request().body, b"ok");
    let mut client = Client::new();
    client.send_all(
        b"POST / HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    );
    assert_eq!(client.request().body, b"ok");
}

#[test]
fn a_request_slower_than_10_s_from_its_first_byte_is_408() {
    let mut client = Client::new();
    client.wait(5000);
    // One byte a second: each arrives well within any idle limit, the request as a whole does not.
    let mut verdict = Verdict::Open;
    for (i, byte) in GET.iter().enumerate().take(11) {
        client.send_all(&[*byte]);
        verdict = client.wait(1000);
        if i < 9 {
            assert_eq!(client.read(), "", "byte {i}");
        }
    }
    let wire = client.read();
    assert_eq!(status_of(&wire), 408, "{wire:?}");
    assert!(wire.contains("Connection: close"));
    assert_eq!(verdict, Verdict::Open, "408 written first");
    assert_eq!(client.verdict(), Verdict::Close);

    // A body that trickles in counts from the head's first byte too.
    let mut client = Client::new();
    client.send_all(b"PUT / HTTP/1.1\r\nHost: r\r\nContent-Length: 100\r\n\r\n");
    for _ in 0..9 {
        client.send_all(b"x");
        assert_eq!(client.wait(1000), Verdict::Open);
    }
    client.wait(1000);
    assert_eq!(status_of(&client.read()), 408);
}

#[test]
fn a_silent_new_connection_closes_after_10_s_and_an_idle_one_after_30_s() {
    let mut client = Client::new();
    assert_eq!(client.wait(9_999), Verdict::Open);
    assert_eq!(client.wait(1), Verdict::Close);
    assert_eq!(client.read(), "", "closed without an answer");

    let mut client = Client::new();
    client.send_all(b"GET / HTTP/1.1\r\nHost: r\r\n\r\n");
    client.request();
    client.wait(20_000);
    client.answer("");
    assert_eq!(client.wait(29_999), Verdict::Open, "kept alive");
    assert_eq!(client.wait(1), Verdict::Close);
    assert_eq!(client.read(), "");
    client.no_request();
}

#[test]
fn the_answer_itself_has_no_deadline() {
    let mut client = Client::new();
    client.send_all(b"POST /rest/ping HTTP/1.1\r\nHost: r\r\n\r\n");
    client.request();
    assert_eq!(
        client.wait(120_000),
        Verdict::Open,
        "the caller takes its time"
    );
    assert_eq!(client.answer("pong"), ok("pong"));
}

#[test]
fn an_answer_the_peer_does_not_take_for_30_s_aborts() {
    let mut client = Client::new();
    client.send_all(b"GET / HTTP/1.1\r\nHost: r\r\n\r\n");
    client.request();
    client
        .connection
        .respond(Response::new(200, "", vec![b'x'; 100_000]));
    // The socket takes 16 KiB and the peer acknowledges it slowly: each bit of progress restarts
    // the clock.
    let mut in_flight = 0;
    for _ in 0..3 {
        while in_flight < 16384 {
            let chunk = client
                .connection
                .output()
                .unwrap()
                .len()
                .min(16384 - in_flight);
            client.connection.output_written(chunk, client.now);
            in_flight += chunk;
        }
        client.connection.set_in_flight(in_flight, client.now);
        assert_eq!(client.wait(29_000), Verdict::Open);
        in_flight -= 1000;
        client.connection.set_in_flight(in_flight, client.now);
    }
    assert_eq!(client.wait(29_999), Verdict::Open);
    assert_eq!(client.wait(1), Verdict::Abort);
    assert_eq!(client.verdict(), Verdict::Abort);
}

#[test]
fn a_peer_that_does_not_close_after_the_end_is_aborted() {
    let mut client = Client::new();
    client.send_all(b"GET / HTTP/1.0\r\n\r\n");
    client.request();
    client.answer("bye");
    assert_eq!(client.verdict(), Verdict::Close);
    assert_eq!(
        client.wait(LINGER_TIMEOUT.total_millis() - 1),
        Verdict::Close
    );
    assert_eq!(client.wait(1), Verdict::Abort);
}

#[test]
fn the_peer_closing_its_side_ends_the_connection_after_the_answer() {
    let mut client = Client::new();
    client.send_all(b"GET /a HTTP/1.1\r\nHost: r\r\n\r\nGET /b HTTP/1.1\r\nHost: r\r\n\r\n");
    client.connection.end_of_input();
    client.request();
    assert!(
        !client.answer("a").contains("Connection: close"),
        "/b follows"
    );
    assert_eq!(client.request().path, "/b");
    assert!(client.answer("b").contains("Connection: close"));
    assert_eq!(client.verdict(), Verdict::Close);

    // An incomplete request never completes.
    let mut client = Client::new();
    client.send_all(b"GET / HTTP/1.1\r\nHo");
    client.connection.end_of_input();
    assert_eq!(client.verdict(), Verdict::Close);
    assert_eq!(client.read(), "");
}

#[test]
fn poll_at_names_the_next_deadline() {
    let mut client = Client::new();
    assert_eq!(client.connection.poll_at(), Some(START + REQUEST_TIMEOUT));
    client.wait(2000);
    client.send_all(b"GET / HTTP/1.1\r\n");
    assert_eq!(
        client.connection.poll_at(),
        Some(START + Duration::from_secs(2) + REQUEST_TIMEOUT)
    );
    client.send_all(b"Host: r\r\n\r\n");
    client.request();
    assert_eq!(client.connection.poll_at(), None, "waiting for the caller");
    client.connection.respond(Response::new(200, "", vec![]));
    assert_eq!(client.connection.poll_at(), Some(client.now + SEND_TIMEOUT));
    client.read();
    assert_eq!(client.connection.poll_at(), Some(client.now + IDLE_TIMEOUT));
}

#[test]
fn a_malformed_line_is_refused_when_it_ends_or_the_input_does() {
    let mut client = Client::new();
    client.send_all(b"GET / HTTP/1.1\r\n");
    for byte in b"Ho st: r" {
        client.send_all(&[*byte]);
    }
    client.send_all(b"\r\n");
    assert_eq!(status_of(&client.read()), 400);

    let mut client = Client::new();
    client.send_all(b"GET / HTTP/1.1\r\n");
    client.send_all(b"Ho st");
    assert_eq!(client.read(), "");
    client.connection.end_of_input();
    assert_eq!(status_of(&client.read()), 400);
}

#[test]
fn empty_lines_between_requests_do_not_start_the_request_timer() {
    let mut client = Client::new();
    client.send_all(b"POST / HTTP/1.1\r\nHost: r\r\nContent-Length: 1\r\n\r\nx\r\n");
    client.request();
    client.answer("");
    client.send_all(b"\r\n");
    assert_eq!(client.wait(20_000), Verdict::Open, "no 408");
    assert_eq!(client.read(), "");
    assert_eq!(client.wait(10_000), Verdict::Close, "idle");
    assert_eq!(client.read(), "");
}
