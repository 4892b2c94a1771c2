//! An answer and its bytes on the wire: status line, header fields, `Content-Length`, body (RFC 9112
//! §4, §6).
//!
//! The transport owns the framing: `Content-Length`, `Transfer-Encoding` and `Connection` fields the
//! caller gives are replaced by the server's own (a `Connection: close` among them still closes the
//! connection after the answer), and fields whose name is not a token or whose value holds CR, LF or
//! NUL are dropped, so no caller can split an answer in two. An answer to HEAD carries the fields of
//! the body it would have had, without the body (RFC 9110 §9.3.2); 204 and 304 carry neither
//! (RFC 9110 §8.6, §15.3.5, §15.4.5).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::MAX_RESPONSE_BODY_BYTES;

/// An answer to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// 200..=599; anything else is sent as 500.
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// An answer with a `Content-Type` field (none when `content_type` is empty).
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        let mut headers = Vec::new();
        if !content_type.is_empty() {
            headers.push((String::from("Content-Type"), String::from(content_type)));
        }
        Self {
            status,
            headers,
            body,
        }
    }

    /// The same answer with one more header field.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((String::from(name), String::from(value)));
        self
    }

    /// A short plain-text answer: the reason phrase and `detail` (what the server answers itself).
    pub fn text(status: u16, detail: &str) -> Self {
        let body = format!("{} {}: {}\n", status, reason(status), detail);
        Self::new(status, "text/plain; charset=utf-8", body.into_bytes())
    }

    /// Whether the caller asked to close the connection after this answer (`Connection: close`).
    pub(crate) fn asks_close(&self) -> bool {
        self.headers.iter().any(|(name, value)| {
            name.eq_ignore_ascii_case("connection")
                && value
                    .split(',')
                    .any(|token| token.trim().eq_ignore_ascii_case("close"))
        })
    }
}

/// How an answer is sent (from the request it answers and the connection's fate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Framing {
    /// The request was HEAD: header fields only.
    pub head_only: bool,
    /// The connection closes after this answer: `Connection: close`.
    pub close: bool,
    /// An HTTP/1.0 request that asked for keep-alive: `Connection: keep-alive` (HTTP/1.0 closes
    /// otherwise).
    pub announce_keep_alive: bool,
}

/// The answer's head and the body to send after it (empty for HEAD, 204, 304).
pub(crate) fn serialize(response: Response, framing: Framing) -> (Vec<u8>, Vec<u8>) {
    let response = if !(200..=599).contains(&response.status) {
        Response::text(500, "invalid status code in answer")
    } else if response.body.len() > MAX_RESPONSE_BODY_BYTES {
        Response::text(500, "answer too large")
    } else {
        response
    };
    let status = response.status;
    let no_content = status == 204 || status == 304;
    let mut head = format!("HTTP/1.1 {} {}\r\n", status, reason(status)).into_bytes();
    for (name, value) in &response.headers {
        let framing_field = [
            "content-length",
            "transfer-encoding",
            "connection",
            "keep-alive",
        ]
        .iter()
        .any(|f| name.eq_ignore_ascii_case(f));
        if framing_field || !is_token(name) || value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0))
        {
            continue;
        }
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.trim().as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    if !no_content {
        head.extend_from_slice(format!("Content-Length: {}\r\n", response.body.len()).as_bytes());
    }
    if framing.close {
        head.extend_from_slice(b"Connection: close\r\n");
    } else if framing.announce_keep_alive {
        head.extend_from_slice(b"Connection: keep-alive\r\n");
    }
    head.extend_from_slice(b"\r\n");
    let body = if framing.head_only || no_content {
        Vec::new()
    } else {
        response.body
    };
    (head, body)
}

/// A token (RFC 9110 §5.6.2): what a field name must be.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The reason phrase of a status code (RFC 9110 §15, RFC 6585); "" for codes without one here.
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        417 => "Expectation Failed",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    const KEEP: Framing = Framing {
        head_only: false,
        close: false,
        announce_keep_alive: false,
    };

    fn wire(response: Response, framing: Framing) -> String {
        let (head, body) = serialize(response, framing);
        String::from_utf8([head, body].concat()).unwrap()
    }

    #[test]
    fn an_answer_has_status_fields_length_and_body() {
        let response = Response::new(200, "application/json", b"[]".to_vec())
            .with_header("WWW-Authenticate", "Basic realm=\"\"");
        assert_eq!(
            wire(response, KEEP),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
             WWW-Authenticate: Basic realm=\"\"\r\nContent-Length: 2\r\n\r\n[]"
        );
    }

    #[test]
    fn closing_and_keep_alive_are_announced() {
        let closing = Framing {
            close: true,
            ..KEEP
        };
        assert!(
            wire(Response::new(404, "", vec![]), closing).ends_with(
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        );
        let http10 = Framing {
            announce_keep_alive: true,
            ..KEEP
        };
        assert!(
            wire(Response::new(200, "", vec![]), http10).contains("Connection: keep-alive\r\n")
        );
    }

    #[test]
    fn head_keeps_the_length_without_the_body() {
        let head_only = Framing {
            head_only: true,
            ..KEEP
        };
        assert_eq!(
            wire(
                Response::new(200, "text/plain", b"hello".to_vec()),
                head_only
            ),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n"
        );
    }

    #[test]
    fn no_content_has_no_length_and_no_body() {
        assert_eq!(
            wire(Response::new(204, "", b"ignored".to_vec()), KEEP),
            "HTTP/1.1 204 No Content\r\n\r\n"
        );
    }

    #[test]
    fn framing_fields_and_injections_are_dropped() {
        let response = Response::new(200, "", b"ok".to_vec())
            .with_header("Content-Length", "99")
            .with_header("transfer-encoding", "chunked")
            .with_header("X-Split", "a\r\n\r\nHTTP/1.1 200 OK")
            .with_header("Bad Name", "x")
            .with_header("Connection", "close");
        let text = wire(response.clone(), KEEP);
        assert_eq!(text, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assert!(response.asks_close());
    }

    #[test]
    fn bad_status_codes_and_huge_bodies_become_500() {
        assert!(wire(Response::new(99, "", vec![]), KEEP).starts_with("HTTP/1.1 500 "));
        assert!(wire(Response::new(600, "", vec![]), KEEP).starts_with("HTTP/1.1 500 "));
        let huge = Response::new(200, "", vec![0; MAX_RESPONSE_BODY_BYTES + 1]);
        assert!(wire(huge, KEEP).starts_with("HTTP/1.1 500 "));
    }

    #[test]
    fn every_status_the_api_uses_has_a_reason() {
        for status in [
            200, 201, 204, 400, 401, 403, 404, 405, 406, 408, 411, 413, 415, 429, 431, 500, 501,
            503, 505,
        ] {
            assert!(!reason(status).is_empty(), "{status}");
        }
        assert_eq!(reason(413), "Content Too Large");
        assert_eq!(Response::text(408, "x").status.to_string(), "408");
    }
}
