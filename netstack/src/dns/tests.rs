//! The forwarder's query and response paths with a fake clock and a fake upstream server, and hostile
//! messages.

use alloc::vec;
use alloc::vec::Vec;

use smoltcp::wire::{IpAddress, IpEndpoint, Ipv4Address};

use super::WireError;
use super::message::{self, CLASS_IN, Header, Message, Question, RData, Record, Soa, rcode, rtype};
use super::name::Name;
use super::resolver::{self, Requester, ResolveError, Resolver, Settings, UpstreamQuery};
use super::statics::{StaticData, StaticEntry};
use crate::{Duration, Instant};

const SERVER1: Ipv4Address = Ipv4Address::new(198, 51, 100, 1);
const SERVER2: Ipv4Address = Ipv4Address::new(198, 51, 100, 2);
const ROUTER: Ipv4Address = Ipv4Address::new(192, 168, 88, 1);

fn client() -> Requester {
    Requester::Udp {
        client: IpEndpoint::new(IpAddress::Ipv4(Ipv4Address::new(192, 168, 88, 2)), 40000),
        local: ROUTER,
    }
}

fn name(text: &str) -> Name {
    Name::from_text(text).unwrap()
}

fn settings() -> Settings {
    Settings {
        servers: vec![SERVER1, SERVER2],
        allow_remote_requests: true,
        ..Settings::default()
    }
}

fn t(secs: u64) -> Instant {
    Instant::from_secs(1000) + Duration::from_secs(secs)
}

fn query(id: u16, qname: &str, qtype: u16) -> Vec<u8> {
    let header = Header {
        id,
        recursion_desired: true,
        ..Header::default()
    };
    let q = Question {
        name: name(qname),
        qtype,
        qclass: CLASS_IN,
    };
    message::build(&header, Some(&q), &[], &[], &[], 65535)
}

fn a(owner: &str, address: [u8; 4], ttl: u32) -> Record {
    Record {
        name: name(owner),
        rtype: rtype::A,
        class: CLASS_IN,
        ttl,
        data: RData::A(Ipv4Address::from(address)),
    }
}

fn cname(owner: &str, target: &str, ttl: u32) -> Record {
    Record {
        name: name(owner),
        rtype: rtype::CNAME,
        class: CLASS_IN,
        ttl,
        data: RData::Cname(name(target)),
    }
}

fn soa(zone: &str, ttl: u32, minimum: u32) -> Record {
    Record {
        name: name(zone),
        rtype: rtype::SOA,
        class: CLASS_IN,
        ttl,
        data: RData::Soa(Soa {
            mname: name("ns.test"),
            rname: name("admin.test"),
            serial: 1,
            refresh: 3600,
            retry: 600,
            expire: 86400,
            minimum,
        }),
    }
}

/// The fake upstream server's reply to `sent`: the same ID and question, with `code`, `answers` and
/// `authority`.
fn reply_to(sent: &UpstreamQuery, code: u8, answers: &[Record], authority: &[Record]) -> Vec<u8> {
    let q = Message::parse(&sent.message).unwrap();
    let header = Header {
        response: true,
        recursion_available: true,
        rcode: code,
        ..q.header
    };
    message::build(&header, q.questions.first(), answers, authority, &[], 65535)
}

fn answer(resolver: &mut Resolver) -> Message {
    let answer = resolver.take_answer().expect("an answer");
    assert_eq!(answer.to, client());
    Message::parse(&answer.message).unwrap()
}

/// A query forwarded to SERVER1 and answered with `answers`.
fn forward_and_answer(
    resolver: &mut Resolver,
    now: Instant,
    qname: &str,
    answers: &[Record],
) -> Message {
    resolver.handle_query(now, client(), &query(0x4242, qname, rtype::A));
    let sent = resolver.take_upstream().expect("forwarded");
    assert_eq!(sent.server, SERVER1);
    resolver.handle_upstream(
        now,
        SERVER1,
        53,
        sent.local_port,
        &reply_to(&sent, rcode::NOERROR, answers, &[]),
    );
    answer(resolver)
}

#[test]
fn cache_miss_forwards_then_hit_answers_with_counted_down_ttl() {
    let mut r = Resolver::new(settings(), 1);
    let first = forward_and_answer(
        &mut r,
        t(0),
        "wan.test",
        &[a("wan.test", [198, 51, 100, 1], 300)],
    );
    assert_eq!(first.header.id, 0x4242, "the client's ID");
    assert!(first.header.response);
    assert_eq!(
        first.questions[0].name,
        name("wan.test"),
        "the client's question"
    );
    assert_eq!(first.answers, [a("wan.test", [198, 51, 100, 1], 300)]);
    assert_eq!(r.stats().forwarded, 1);

    // 100 s later: from the cache, nothing sent upstream, TTL 200.
    r.handle_query(t(100), client(), &query(7, "WAN.test", rtype::A));
    assert!(r.take_upstream().is_none());
    let hit = answer(&mut r);
    assert_eq!(hit.header.id, 7);
    assert_eq!(
        hit.questions[0].name.to_text(),
        "WAN.test",
        "question echoed as asked"
    );
    assert_eq!(hit.answers[0].ttl, 200);
    assert_eq!(
        hit.answers[0].data,
        RData::A(Ipv4Address::new(198, 51, 100, 1))
    );
    assert_eq!(r.stats().cache_hits, 1);

    // At 300 s the entry has expired: asked upstream again.
    r.handle_query(t(300), client(), &query(8, "wan.test", rtype::A));
    assert!(
        r.take_upstream().is_some(),
        "expired entries are not served"
    );
}

#[test]
fn ttl_is_clamped_by_cache_max_ttl() {
    let mut r = Resolver::new(
        Settings {
            cache_max_ttl: 60,
            ..settings()
        },
        1,
    );
    // A TTL with the top bit set counts as zero (RFC 2181 §8): not cached; a huge one is clamped.
    forward_and_answer(
        &mut r,
        t(0),
        "wan.test",
        &[a("wan.test", [1, 2, 3, 4], 0x7FFF_FFFF)],
    );
    assert_eq!(r.cache_lines(t(0))[0].ttl_secs, 60);
    r.handle_query(t(59), client(), &query(1, "wan.test", rtype::A));
    assert_eq!(answer(&mut r).answers[0].ttl, 1);
    r.handle_query(t(60), client(), &query(1, "wan.test", rtype::A));
    assert!(r.take_upstream().is_some(), "gone after cache-max-ttl");

    let mut r = Resolver::new(settings(), 1);
    let huge = a("huge.test", [1, 2, 3, 4], 0x8000_0001);
    let mut bytes = query(1, "huge.test", rtype::A);
    bytes[2] |= 0x80;
    let m = Message::parse(&message::build(
        &Header::read(&bytes).unwrap(),
        None,
        &[huge],
        &[],
        &[],
        512,
    ))
    .unwrap();
    assert_eq!(m.answers[0].ttl, 0, "top bit set reads as zero");
    forward_and_answer(&mut r, t(0), "huge.test", &m.answers);
    assert!(
        r.cache().is_empty(),
        "zero TTL answers are used, not cached"
    );
}

#[test]
fn negative_answers_are_cached_for_the_soa_minimum() {
    let mut r = Resolver::new(settings(), 1);
    r.handle_query(t(0), client(), &query(1, "nope.test", rtype::A));
    let sent = r.take_upstream().unwrap();
    let reply = reply_to(&sent, rcode::NXDOMAIN, &[], &[soa("test", 3600, 30)]);
    r.handle_upstream(t(0), SERVER1, 53, sent.local_port, &reply);
    let m = answer(&mut r);
    assert_eq!(m.header.rcode, rcode::NXDOMAIN);

    // Within min(SOA TTL, minimum) = 30 s: NXDOMAIN from the cache with the SOA.
    r.handle_query(t(29), client(), &query(2, "nope.test", rtype::A));
    assert!(r.take_upstream().is_none());
    let m = answer(&mut r);
    assert_eq!((m.header.id, m.header.rcode), (2, rcode::NXDOMAIN));
    assert_eq!(m.authority[0].rtype, rtype::SOA);
    assert_eq!(m.authority[0].ttl, 1);
    r.handle_query(t(30), client(), &query(3, "nope.test", rtype::A));
    assert!(r.take_upstream().is_some());

    // NODATA (no error, no answer) likewise; without an SOA nothing is cached.
    let mut r = Resolver::new(settings(), 1);
    r.handle_query(t(0), client(), &query(1, "v4only.test", rtype::AAAA));
    let sent = r.take_upstream().unwrap();
    let reply = reply_to(&sent, rcode::NOERROR, &[], &[soa("test", 60, 600)]);
    r.handle_upstream(t(0), SERVER1, 53, sent.local_port, &reply);
    assert_eq!(answer(&mut r).header.rcode, rcode::NOERROR);
    assert_eq!(r.cache_lines(t(0))[0].data, "NODATA");
    assert_eq!(r.cache_lines(t(0))[0].ttl_secs, 60);
    r.handle_query(t(0), client(), &query(1, "nosoa.test", rtype::A));
    let sent = r.take_upstream().unwrap();
    let reply = reply_to(&sent, rcode::NXDOMAIN, &[], &[]);
    r.handle_upstream(t(0), SERVER1, 53, sent.local_port, &reply);
    assert_eq!(r.cache().len(), 1, "an NXDOMAIN without SOA is not cached");
}

#[test]
fn statics_answer_first_and_a_static_cname_target_is_resolved() {
    let mut r = Resolver::new(
        Settings {
            statics: vec![
                StaticEntry {
                    name: name("router.lan"),
                    data: StaticData::A(ROUTER),
                    ttl: 86400,
                },
                StaticEntry {
                    name: name("nas.lan"),
                    data: StaticData::Cname(name("router.lan")),
                    ttl: 3600,
                },
                StaticEntry {
                    name: name("out.lan"),
                    data: StaticData::Cname(name("wan.test")),
                    ttl: 3600,
                },
            ],
            ..settings()
        },
        1,
    );
    r.handle_query(t(0), client(), &query(1, "Router.LAN", rtype::A));
    assert!(r.take_upstream().is_none());
    let m = answer(&mut r);
    assert_eq!(m.answers.len(), 1);
    assert_eq!(
        (m.answers[0].ttl, &m.answers[0].data),
        (86400, &RData::A(ROUTER))
    );

    // A CNAME to another static: both in the answer, nothing forwarded.
    r.handle_query(t(0), client(), &query(2, "nas.lan", rtype::A));
    assert!(r.take_upstream().is_none());
    let m = answer(&mut r);
    assert_eq!(m.answers[0].data, RData::Cname(name("router.lan")));
    assert_eq!(m.answers[1].data, RData::A(ROUTER));

    // A CNAME to a name upstream: the target is asked, the answer is the CNAME and the target's A.
    r.handle_query(t(0), client(), &query(3, "out.lan", rtype::A));
    let sent = r.take_upstream().unwrap();
    let asked = Message::parse(&sent.message).unwrap();
    assert_eq!(asked.questions[0].name, name("wan.test"));
    let reply = reply_to(
        &sent,
        rcode::NOERROR,
        &[a("wan.test", [198, 51, 100, 1], 60)],
        &[],
    );
    r.handle_upstream(t(0), SERVER1, 53, sent.local_port, &reply);
    let m = answer(&mut r);
    assert_eq!(m.header.id, 3);
    assert_eq!(m.questions[0].name, name("out.lan"));
    assert_eq!(m.answers[0].data, RData::Cname(name("wan.test")));
    assert_eq!(
        m.answers[1].data,
        RData::A(Ipv4Address::new(198, 51, 100, 1))
    );

    // Other types of a static A name go upstream.
    r.handle_query(t(0), client(), &query(4, "router.lan", rtype::AAAA));
    assert!(r.take_upstream().is_some());
}

#[test]
fn replies_with_wrong_id_server_port_or_question_are_ignored() {
    let mut r = Resolver::new(settings(), 1);
    r.handle_query(t(0), client(), &query(1, "wan.test", rtype::A));
    let sent = r.take_upstream().unwrap();
    let good = reply_to(
        &sent,
        rcode::NOERROR,
        &[a("wan.test", [1, 1, 1, 1], 60)],
        &[],
    );
    let mut wrong_id = good.clone();
    wrong_id[0] ^= 0xFF;
    r.handle_upstream(t(0), SERVER1, 53, sent.local_port, &wrong_id);
    r.handle_upstream(t(0), SERVER2, 53, sent.local_port, &good);
    r.handle_upstream(t(0), SERVER1, 5353, sent.local_port, &good);
    r.handle_upstream(t(0), SERVER1, 53, sent.local_port ^ 1, &good);
    let other = Message::parse(&sent.message).unwrap();
    let other_q = Question {
        name: name("evil.test"),
        ..other.questions[0].clone()
    };
    let h = Header {
        response: true,
        ..other.header
    };
    let wrong_question = message::build(
        &h,
        Some(&other_q),
        &[a("evil.test", [6, 6, 6, 6], 60)],
        &[],
        &[],
        512,
    );
    r.handle_upstream(t(0), SERVER1, 53, sent.local_port, &wrong_question);
    assert!(r.take_answer().is_none());
    assert_eq!(r.stats().mismatched, 5);
    assert!(r.cache().is_empty());
    r.handle_upstream(t(0), SERVER1, 53, sent.local_port, &good);
    assert_eq!(
        answer(&mut r).answers[0].data,
        RData::A(Ipv4Address::new(1, 1, 1, 1))
    );
}

#[test]
fn a_silent_server_hands_the_query_to_the_next_then_servfail() {
    let mut r = Resolver::new(settings(), 1);
    r.handle_query(t(0), client(), &query(9, "wan.test", rtype::A));
    let first = r.take_upstream().unwrap();
    assert_eq!(first.server, SERVER1);
    r.poll(t(1));
    assert!(
        r.take_upstream().is_none(),
        "not yet: query-server-timeout is 2s"
    );
    r.poll(t(2));
    let second = r.take_upstream().unwrap();
    assert_eq!(second.server, SERVER2);
    let (id1, id2) = (
        Header::read(&first.message).unwrap().id,
        Header::read(&second.message).unwrap().id,
    );
    assert!(
        id1 != id2 || first.local_port != second.local_port,
        "a fresh ID and port"
    );
    // The late answer of the first server no longer counts; the second's does.
    let late = reply_to(
        &first,
        rcode::NOERROR,
        &[a("wan.test", [6, 6, 6, 6], 60)],
        &[],
    );
    r.handle_upstream(t(2), SERVER1, 53, first.local_port, &late);
    assert!(r.take_answer().is_none());
    let good = reply_to(
        &second,
        rcode::NOERROR,
        &[a("wan.test", [1, 2, 3, 4], 60)],
        &[],
    );
    r.handle_upstream(t(3), SERVER2, 53, second.local_port, &good);
    assert_eq!(
        answer(&mut r).answers[0].data,
        RData::A(Ipv4Address::new(1, 2, 3, 4))
    );

    // SERVFAIL from a server also moves on; after query-total-timeout the client gets SERVFAIL.
    r.handle_query(t(10), client(), &query(10, "down.test", rtype::A));
    let q = r.take_upstream().unwrap();
    r.handle_upstream(
        t(10),
        SERVER1,
        53,
        q.local_port,
        &reply_to(&q, rcode::SERVFAIL, &[], &[]),
    );
    assert_eq!(r.take_upstream().unwrap().server, SERVER2);
    for s in 11..=20 {
        r.poll(t(s));
    }
    let m = answer(&mut r);
    assert_eq!((m.header.id, m.header.rcode), (10, rcode::SERVFAIL));
    assert_eq!(r.outstanding(), 0);

    // Failures are logged, but not once per retry.
    let mut lines = 0;
    while r.take_log().is_some() {
        lines += 1;
    }
    assert!((1..=2).contains(&lines), "{lines} log lines");

    while r.take_upstream().is_some() {}

    // When every server refuses, the client hears REFUSED at once, after one question to each.
    r.handle_query(t(30), client(), &query(11, "refused.test", rtype::AAAA));
    for server in [SERVER1, SERVER2] {
        let q = r.take_upstream().unwrap();
        assert_eq!(q.server, server);
        r.handle_upstream(
            t(30),
            server,
            53,
            q.local_port,
            &reply_to(&q, rcode::REFUSED, &[], &[]),
        );
    }
    assert!(r.take_upstream().is_none(), "no server is asked again");
    let m = answer(&mut r);
    assert_eq!((m.header.id, m.header.rcode), (11, rcode::REFUSED));
    assert_eq!(r.outstanding(), 0);
}

#[test]
fn outstanding_queries_are_bounded() {
    let mut r = Resolver::new(
        Settings {
            max_concurrent_queries: 3,
            ..settings()
        },
        1,
    );
    for i in 0..5 {
        r.handle_query(
            t(0),
            client(),
            &query(i, &alloc::format!("n{i}.test"), rtype::A),
        );
    }
    assert_eq!(r.outstanding(), 3);
    assert_eq!(r.stats().dropped_outstanding, 2);
    let ports: Vec<u16> = r.upstream_ports().collect();
    assert!(ports.iter().all(|p| *p >= 49152));
    assert!(
        ports[0] != ports[1] && ports[1] != ports[2],
        "distinct random ports"
    );
}

#[test]
fn no_servers_and_malformed_queries_get_error_answers() {
    let mut r = Resolver::new(Settings::default(), 1);
    r.handle_query(t(0), client(), &query(5, "wan.test", rtype::A));
    assert_eq!(answer(&mut r).header.rcode, rcode::SERVFAIL);
    // A header and a cut question: FORMERR with the ID.
    let mut cut = query(6, "wan.test", rtype::A);
    cut.truncate(16);
    r.handle_query(t(0), client(), &cut);
    let m = answer(&mut r);
    assert_eq!((m.header.id, m.header.rcode), (6, rcode::FORMERR));
    // Shorter than a header, or a response: no answer at all.
    r.handle_query(t(0), client(), &[1, 2, 3]);
    let mut response = query(7, "wan.test", rtype::A);
    response[2] |= 0x80;
    r.handle_query(t(0), client(), &response);
    assert!(r.take_answer().is_none());
}

#[test]
fn resolve_for_the_router_itself() {
    let mut r = Resolver::new(settings(), 1);
    let token = r.resolve(t(0), "wan.test").unwrap();
    let sent = r.take_upstream().unwrap();
    r.handle_upstream(
        t(0),
        SERVER1,
        53,
        sent.local_port,
        &reply_to(
            &sent,
            rcode::NOERROR,
            &[a("wan.test", [198, 51, 100, 1], 60)],
            &[],
        ),
    );
    let ans = r.take_answer().unwrap();
    assert_eq!(ans.to, Requester::Local { token });
    assert_eq!(
        resolver::address_of(&ans.message),
        Ok(Ipv4Address::new(198, 51, 100, 1))
    );

    r.resolve(t(0), "nope.test").unwrap();
    let sent = r.take_upstream().unwrap();
    r.handle_upstream(
        t(0),
        SERVER1,
        53,
        sent.local_port,
        &reply_to(&sent, rcode::NXDOMAIN, &[], &[]),
    );
    let ans = r.take_answer().unwrap();
    assert_eq!(
        resolver::address_of(&ans.message),
        Err(ResolveError::NameDoesNotExist)
    );
    assert_eq!(
        alloc::format!("{}", ResolveError::NameDoesNotExist),
        "failure: dns name does not exist"
    );
    assert_eq!(r.resolve(t(0), "a..b"), Err(ResolveError::BadName));
}

#[test]
fn big_answers_are_truncated_for_udp_clients() {
    let mut r = Resolver::new(settings(), 1);
    let many: Vec<Record> = (0..40).map(|i| a("big.test", [10, 0, 0, i], 300)).collect();
    // 40 A records of "big.test" take 40 * 26 bytes: over 512.
    let m = forward_and_answer(&mut r, t(0), "big.test", &many);
    assert!(m.header.truncated);
    assert!(m.answers.is_empty());
    assert_eq!(m.questions.len(), 1);
    // The same over TCP from the cache: whole.
    let tcp = Requester::Tcp {
        slot: 0,
        generation: 1,
    };
    r.handle_query(t(1), tcp, &query(2, "big.test", rtype::A));
    let ans = r.take_answer().unwrap();
    let m = Message::parse(&ans.message).unwrap();
    assert!(!m.header.truncated);
    assert_eq!(m.answers.len(), 40);
}

#[test]
fn cache_size_bounds_memory_and_evicts_the_soonest_expiring() {
    let mut r = Resolver::new(
        Settings {
            cache_size_kib: 1,
            ..settings()
        },
        1,
    );
    for i in 0..20u8 {
        let qname = alloc::format!("host{i}.test");
        forward_and_answer(
            &mut r,
            t(0),
            &qname,
            &[a(&qname, [10, 0, 0, i], 100 + u32::from(i))],
        );
        assert!(r.cache().used_bytes() <= 1024);
    }
    assert!(r.cache().len() < 20, "{} entries in 1 KiB", r.cache().len());
    // The ones that expire last stayed.
    let names: Vec<_> = r.cache_lines(t(0)).into_iter().map(|l| l.name).collect();
    assert!(names.contains(&alloc::string::String::from("host19.test")));
    assert!(!names.contains(&alloc::string::String::from("host0.test")));
    r.flush_cache();
    assert_eq!(r.cache().used_bytes(), 0);
}

#[test]
fn hostile_messages_are_refused_without_panicking() {
    let header = |qd: u16, an: u16| {
        let mut h = vec![0x12, 0x34, 0x81, 0x80];
        for c in [qd, an, 0, 0] {
            h.extend_from_slice(&c.to_be_bytes());
        }
        h
    };
    // Huge counts with nothing behind them.
    let mut m = header(1, 0xFFFF);
    m.extend_from_slice(b"\x00\x00\x01\x00\x01");
    assert_eq!(Message::parse(&m), Err(WireError::Truncated));
    assert_eq!(
        Message::parse(&header(2, 0)),
        Err(WireError::TooManyRecords)
    );
    // A compression loop in the question.
    let mut m = header(1, 0);
    m.extend_from_slice(b"\xC0\x0C\x00\x01\x00\x01");
    assert_eq!(Message::parse(&m), Err(WireError::BadPointer));
    // An answer whose name points forward, and one pointing past the end.
    for pointer in [[0xC0, 0x30], [0xCF, 0xFF]] {
        let mut m = header(0, 1);
        m.extend_from_slice(&pointer);
        m.extend_from_slice(b"\x00\x01\x00\x01\x00\x00\x00\x3C\x00\x04\x01\x02\x03\x04");
        assert_eq!(Message::parse(&m), Err(WireError::BadPointer));
    }
    // An A record with 3 bytes of data; a CNAME whose name runs past its data.
    let mut m = header(0, 1);
    m.extend_from_slice(b"\x00\x00\x01\x00\x01\x00\x00\x00\x3C\x00\x03\x01\x02\x03");
    assert_eq!(Message::parse(&m), Err(WireError::BadRdata));
    let mut m = header(0, 1);
    m.extend_from_slice(b"\x00\x00\x05\x00\x01\x00\x00\x00\x3C\x00\x01\x01a\x00");
    assert_eq!(Message::parse(&m), Err(WireError::BadRdata));
    // A label over 63 bytes and a name over 255 in a query: FORMERR, not a panic.
    let mut r = Resolver::new(settings(), 1);
    let mut m = header(1, 0);
    m[2] = 0x01;
    m.push(64);
    m.extend_from_slice(&[b'a'; 64]);
    m.extend_from_slice(b"\x00\x00\x01\x00\x01");
    r.handle_query(t(0), client(), &m);
    assert_eq!(answer(&mut r).header.rcode, rcode::FORMERR);
    let mut m = header(1, 0);
    m[2] = 0x01;
    for _ in 0..5 {
        m.push(63);
        m.extend_from_slice(&[b'a'; 63]);
    }
    m.extend_from_slice(b"\x00\x00\x01\x00\x01");
    r.handle_query(t(0), client(), &m);
    assert_eq!(answer(&mut r).header.rcode, rcode::FORMERR);
    // Every prefix of a valid reply parses or fails cleanly.
    let full = message::build(
        &Header::read(&header(1, 2)).unwrap(),
        Some(&Question {
            name: name("wan.test"),
            qtype: rtype::A,
            qclass: CLASS_IN,
        }),
        &[cname("wan.test", "x.test", 5), a("x.test", [1, 2, 3, 4], 5)],
        &[soa("test", 5, 5)],
        &[],
        512,
    );
    assert!(Message::parse(&full).is_ok());
    for len in 0..full.len() {
        assert!(Message::parse(&full[..len]).is_err(), "prefix {len}");
    }
}
