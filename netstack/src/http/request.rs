//! A request as the server hands it out: method, decoded path and query, header fields, body and the
//! peer that sent it.

use alloc::string::String;
use alloc::vec::Vec;

use smoltcp::wire::IpEndpoint;

/// The request method (RFC 9110 §9). Method names are case-sensitive (§9.1): `get` is `Other("get")`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
    Other(String),
}

impl Method {
    /// The method named by a request line's token.
    pub fn from_token(token: &str) -> Self {
        match token {
            "GET" => Self::Get,
            "HEAD" => Self::Head,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "PATCH" => Self::Patch,
            "DELETE" => Self::Delete,
            "OPTIONS" => Self::Options,
            other => Self::Other(String::from(other)),
        }
    }

    /// The token as it appears in a request line.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Options => "OPTIONS",
            Self::Other(token) => token,
        }
    }
}

/// One complete request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// Percent-decoded path without the query (`/rest/ip/address/*1`); invalid UTF-8 or `%` escapes
    /// are answered with 400 before a request is handed out. `*` for `OPTIONS *`.
    pub path: String,
    /// The query's `name=value` pairs in order, percent-decoded (`+` stays `+`); a pair without `=`
    /// has "".
    pub query: Vec<(String, String)>,
    /// Header names lower-cased, values as text (trimmed), in the order received.
    pub headers: Vec<(String, String)>,
    /// The body, after chunked decoding (trailer fields are skipped).
    pub body: Vec<u8>,
    /// Who sent it.
    pub peer: IpEndpoint,
}

impl Request {
    /// The value of the first header field called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
