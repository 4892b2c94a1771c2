//! The request head: request line and header fields parsed by `httparse`, then checked for what this
//! server needs before it reads a body — the version, `Host`, and above all how the body is framed.
//!
//! Framing (RFC 9112 §6): `Transfer-Encoding` whose final coding is `chunked`, else `Content-Length`,
//! else no body (§6.3). A request that could be framed two ways is refused with 400 so that no proxy
//! in front of the router can read it differently (request smuggling, §11.2): both fields present,
//! `Content-Length` values that differ or are not plain digits, `chunked` applied twice or not last,
//! and `Transfer-Encoding` in an HTTP/1.0 request (§6.1). A coding other than `chunked` is 501 (§6.1:
//! not understood).

use alloc::string::String;
use alloc::vec::Vec;

use smoltcp::wire::IpEndpoint;

use super::request::{Method, Request};
use super::{MAX_BODY_BYTES, MAX_HEAD_BYTES, MAX_HEADERS, target};

/// How the body after the head is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body.
    Empty,
    /// `Content-Length` bytes (at most [`MAX_BODY_BYTES`]).
    Length(usize),
    /// The chunked transfer coding.
    Chunked,
}

/// A parsed and checked head: the request without its body, and how to read on.
#[derive(Debug)]
pub(crate) struct Head {
    pub request: Request,
    pub framing: Framing,
    /// The connection stays open after the answer (RFC 9112 §9.3).
    pub keep_alive: bool,
    /// HTTP/1.0: a kept-alive connection must say so in the answer.
    pub http10: bool,
    /// `Expect: 100-continue` (RFC 9110 §10.1.1).
    pub expect_continue: bool,
}

/// A request the server answers itself, and closes the connection after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub status: u16,
    pub detail: &'static str,
}

impl Refusal {
    pub const fn new(status: u16, detail: &'static str) -> Self {
        Self { status, detail }
    }
}

/// Parses the head at the start of `input`: Ok(None) while it is incomplete, else its length and
/// contents, or why it is refused.
pub(crate) fn parse(input: &[u8], peer: IpEndpoint) -> Result<Option<(usize, Head)>, Refusal> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut fields);
    let length = match parsed.parse(input) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(Refusal::new(431, "too many header fields"));
        }
        Err(httparse::Error::Version) => {
            return Err(Refusal::new(505, "only HTTP/1.0 and HTTP/1.1 are served"));
        }
        Err(_) => return Err(Refusal::new(400, "malformed request head")),
    };
    if length > MAX_HEAD_BYTES {
        return Err(Refusal::new(431, "request head too large"));
    }
    let (Some(method), Some(raw_target), Some(version)) =
        (parsed.method, parsed.path, parsed.version)
    else {
        return Err(Refusal::new(400, "malformed request line"));
    };
    let method = Method::from_token(method);
    let target = target::parse(raw_target, &method).map_err(|detail| Refusal::new(400, detail))?;

    let mut headers = Vec::with_capacity(parsed.headers.len());
    for field in parsed.headers.iter() {
        let value = core::str::from_utf8(field.value)
            .map_err(|_| Refusal::new(400, "header field value is not UTF-8"))?;
        headers.push((
            field.name.to_ascii_lowercase(),
            String::from(value.trim_matches([' ', '\t'])),
        ));
    }
    let http10 = version == 0;

    // RFC 9112 §3.2: exactly one Host in HTTP/1.1, at most one in HTTP/1.0.
    let hosts = headers.iter().filter(|(n, _)| n == "host").count();
    if hosts > 1 || (!http10 && hosts == 0) {
        return Err(Refusal::new(400, "a request needs exactly one Host field"));
    }

    let framing = framing(&headers, http10)?;
    let connection = list_values(&headers, "connection");
    let has_token = |token: &str| connection.iter().any(|t| t.eq_ignore_ascii_case(token));
    let keep_alive = if http10 {
        has_token("keep-alive") && !has_token("close")
    } else {
        !has_token("close")
    };
    let expect_continue = !http10
        && headers
            .iter()
            .any(|(n, v)| n == "expect" && v.eq_ignore_ascii_case("100-continue"));

    let request = Request {
        method,
        path: target.path,
        query: target.query,
        headers,
        body: Vec::new(),
        peer,
    };
    Ok(Some((
        length,
        Head {
            request,
            framing,
            keep_alive,
            http10,
            expect_continue,
        },
    )))
}

/// The body's framing from `Transfer-Encoding` and `Content-Length` (module docs).
fn framing(headers: &[(String, String)], http10: bool) -> Result<Framing, Refusal> {
    let codings = list_values(headers, "transfer-encoding");
    let has_length = headers.iter().any(|(n, _)| n == "content-length");
    if headers.iter().any(|(n, _)| n == "transfer-encoding") {
        if http10 {
            return Err(Refusal::new(
                400,
                "Transfer-Encoding in an HTTP/1.0 request",
            ));
        }
        if has_length {
            return Err(Refusal::new(
                400,
                "both Transfer-Encoding and Content-Length",
            ));
        }
        let chunked = codings
            .iter()
            .filter(|c| c.eq_ignore_ascii_case("chunked"))
            .count();
        let last_is_chunked = codings
            .last()
            .is_some_and(|c| c.eq_ignore_ascii_case("chunked"));
        if chunked != 1 || !last_is_chunked {
            return Err(Refusal::new(
                400,
                "chunked must be the final transfer coding, once",
            ));
        }
        if codings.len() > 1 {
            return Err(Refusal::new(
                501,
                "only the chunked transfer coding is supported",
            ));
        }
        return Ok(Framing::Chunked);
    }
    if !has_length {
        return Ok(Framing::Empty);
    }
    // RFC 9110 §8.6: a list of identical values (`42, 42`, or the field repeated) may be taken as one.
    let mut length: Option<u64> = None;
    for value in list_values(headers, "content-length") {
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Refusal::new(400, "invalid Content-Length"));
        }
        let value: u64 = value
            .parse()
            .map_err(|_| Refusal::new(400, "invalid Content-Length"))?;
        if length.is_some_and(|l| l != value) {
            return Err(Refusal::new(400, "differing Content-Length values"));
        }
        length = Some(value);
    }
    match length {
        None => Err(Refusal::new(400, "invalid Content-Length")),
        Some(0) => Ok(Framing::Empty),
        Some(l) if l > MAX_BODY_BYTES as u64 => Err(Refusal::new(413, "request body too large")),
        Some(l) => Ok(Framing::Length(l as usize)),
    }
}

/// The comma-separated elements of every field called `name` (RFC 9110 §5.6.1), trimmed, empty
/// elements kept only when a field is empty (so `Content-Length:` stays invalid).
fn list_values<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    let mut values = Vec::new();
    for (_, value) in headers.iter().filter(|(n, _)| n == name) {
        if value.is_empty() {
            values.push("");
            continue;
        }
        values.extend(
            value
                .split(',')
                .map(|v| v.trim_matches([' ', '\t']))
                .filter(|v| !v.is_empty()),
        );
    }
    values
}
