//! Arbitrary bytes through the DNS code: shared by the `dns` fuzz target (`netstack/fuzz`) and the
//! test that replays its corpus (`netstack/tests/dns_fuzz_corpus.rs`).
//!
//! The input is read three ways, each of which must not panic: as a message ([`Message::parse`]),
//! whose successful result must survive being written again and read back with the same question;
//! as a client's query to a resolver with a static entry; and as an upstream server's reply to the
//! query that resolver forwarded (its ID and question patched in from the query, so the parser's
//! deeper paths — caching, negative answers, relaying — are reached).

use alloc::vec::Vec;

use smoltcp::wire::{IpAddress, IpEndpoint, Ipv4Address};

use super::message::{self, Message};
use super::name::Name;
use super::resolver::{Requester, Resolver, Settings};
use super::statics::{StaticData, StaticEntry};
use crate::{Duration, Instant};

const SERVER: Ipv4Address = Ipv4Address::new(198, 51, 100, 1);

/// Runs one input (module docs); panics only when a guarantee breaks.
pub fn run(data: &[u8]) {
    if let Ok(parsed) = Message::parse(data) {
        let written = message::build(
            &parsed.header,
            parsed.questions.first(),
            &parsed.answers,
            &parsed.authority,
            &parsed.additional,
            message::MAX_MESSAGE_LEN,
        );
        let again = Message::parse(&written).expect("a written message reads back");
        assert_eq!(again.questions, parsed.questions);
    }

    let mut resolver = resolver();
    let now = Instant::from_secs(1);
    let client = Requester::Udp {
        client: IpEndpoint::new(IpAddress::Ipv4(Ipv4Address::new(192, 168, 88, 2)), 5353),
        local: Ipv4Address::new(192, 168, 88, 1),
    };
    resolver.handle_query(now, client, data);
    while let Some(answer) = resolver.take_answer() {
        assert!(answer.message.len() <= message::MAX_MESSAGE_LEN);
    }

    // The same bytes as the answer to a forwarded query, with its ID and question.
    let query =
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03wan\x04test\x00\x00\x01\x00\x01";
    resolver.handle_query(now, client, query);
    if let Some(sent) = resolver.take_upstream() {
        let mut reply: Vec<u8> = data.to_vec();
        let head = sent.message.len().min(reply.len());
        // ID and question from the query, flags and counts from the input.
        for (i, byte) in sent.message[..head].iter().enumerate() {
            if !(2..12).contains(&i) {
                reply[i] = *byte;
            }
        }
        resolver.handle_upstream(now, SERVER, 53, sent.local_port, &reply);
        resolver.handle_upstream(now, SERVER, 53, sent.local_port, data);
    }
    resolver.poll(now + Duration::from_secs(30));
    while resolver.take_answer().is_some() {}
    resolver.flush_cache();
}

fn resolver() -> Resolver {
    let settings = Settings {
        servers: alloc::vec![SERVER],
        allow_remote_requests: true,
        statics: alloc::vec![StaticEntry {
            name: Name::from_text("router.lan").unwrap_or_else(|_| Name::root()),
            data: StaticData::A(Ipv4Address::new(192, 168, 88, 1)),
            ttl: 86400,
        }],
        ..Settings::default()
    };
    Resolver::new(settings, 7)
}
