//! The router's DNS cache and forwarder (`/ip dns`, routeros-reference.md §5), on the router's own
//! stack.
//!
//! | file | job |
//! |---|---|
//! | [`name`] | domain names: compressed names read with loop and length limits |
//! | [`message`] | messages: header, question, records; reading and writing with truncation |
//! | [`cache`] | answers and negative answers by (name, type), TTLs counted down, bounded in bytes |
//! | [`statics`] | `/ip dns static` entries, answered first |
//! | [`resolver`] | the forwarder: statics, then cache, else upstream servers with retries |
//! | [`tcp_framing`] | DNS over TCP's two-byte length prefix (RFC 1035 §4.2.2), across partial reads |
//! | [`service`] | the resolver on smoltcp sockets: UDP and TCP 53 for clients, UDP to upstream servers |
//! | [`fuzz_input`] | arbitrary bytes through the parser and the resolver (the fuzz target and its corpus) |
//!
//! The wire code is written here rather than taken from a crate: the `simple-dns` crate has a
//! `no_std` + `alloc` mode, but the forwarder needs only a small subset (one question, A/AAAA/CNAME and
//! the SOA of negative answers) with limits of its own — backward-only compression pointers, counts
//! checked against the bytes before allocating, a cap on records — that are easier to state and test
//! in two short files than to establish for a general parser.
//!
//! Time is an input (`now`), randomness a seed (transaction IDs and source ports), and every queue and
//! table is bounded; nothing here panics on what comes from the wire.

pub mod cache;
pub mod fuzz_input;
pub mod message;
pub mod name;
pub mod resolver;
pub mod service;
pub mod statics;
pub mod tcp_framing;

#[cfg(test)]
mod tests;

pub use cache::{Cache, CacheLine};
pub use resolver::{Requester, ResolveError, Resolver, Settings};
pub use service::DnsService;
pub use statics::{StaticData, StaticEntry};

/// Why bytes are not a DNS message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireError {
    /// The message ends inside a field.
    Truncated,
    /// A label over 63 bytes or of a retired type (0x40, 0x80), or an empty label in text.
    BadLabel,
    /// A name over 255 bytes.
    NameTooLong,
    /// A compression pointer that does not point back to a prior occurrence, or too many of them.
    BadPointer,
    /// More questions or records than the router reads.
    TooManyRecords,
    /// Record data whose length does not fit its type.
    BadRdata,
    /// Longer than any DNS message.
    TooLong,
}
