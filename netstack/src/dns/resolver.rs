//! The forwarder: answers a query from the statics, then the cache, else asks the upstream servers
//! and answers (and caches) what they say. It owns no sockets: queries come in as bytes with who
//! asked ([`Requester`]), and what is to be sent comes out of two queues ([`Resolver::take_upstream`],
//! [`Resolver::take_answer`]), so every path is testable with a fake clock and a fake upstream.
//!
//! Upstream queries (RFC 5452 §9, against spoofed answers): each gets a random transaction ID and a
//! random source port from the seeded generator, and a reply counts only if it comes from the server
//! asked, from port 53, to that port, with that ID and the same question; anything else is ignored
//! (counted). A server that does not answer within `query-server-timeout` (2s) or answers SERVFAIL,
//! REFUSED or NOTIMP makes the query go to the next server, until `query-total-timeout` (10s), when
//! the client gets SERVFAIL — RouterOS's two timeouts. Once every server has answered the query with
//! such an error, the client gets the last one at once: asking again could only repeat it (and a
//! server that refuses a name at once would otherwise be asked in a tight loop until the total
//! timeout). At most `max-concurrent-queries` (100) are
//! outstanding; queries beyond are dropped and counted. The reply keeps the client's ID and
//! question; a plain forward relays the server's reply as it came (ID swapped), anything combined
//! (a static CNAME, the cache) is written anew.
//!
//! `/log` lines (topic `dns`) report upstream failures at most once every [`LOG_INTERVAL_SECS`], the
//! rest counted into the next line, never one per query.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use smoltcp::wire::{IpEndpoint, Ipv4Address};

use super::cache::{Cache, CacheLine, Hit};
use super::message::{
    self, CLASS_IN, CLASSIC_UDP_LEN, Header, MAX_MESSAGE_LEN, Message, Question, RData, Record,
    rcode, rtype,
};
use super::name::Name;
use super::statics::{StaticAnswer, StaticEntry, Statics};
use crate::prng::Prng;
use crate::{Duration, Instant};

/// Aliases followed through the statics for one question.
pub const MAX_CNAME_CHAIN: usize = 8;
/// Answers and upstream queries waiting to be sent.
pub const QUEUE_LIMIT: usize = 256;
/// Log lines waiting to be taken.
const LOG_LIMIT: usize = 8;
/// Shortest time between two `dns` log lines.
pub const LOG_INTERVAL_SECS: u64 = 10;
/// The port upstream servers answer from.
pub const DNS_PORT: u16 = 53;
/// Source ports of upstream queries are drawn from the dynamic range (RFC 6335 §6).
const PORT_BASE: u16 = 49152;

/// `/ip dns` as the resolver uses it (RouterOS's defaults in [`Settings::default`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub servers: Vec<Ipv4Address>,
    pub allow_remote_requests: bool,
    /// `cache-size`, KiB.
    pub cache_size_kib: u32,
    /// `cache-max-ttl`, seconds.
    pub cache_max_ttl: u32,
    pub server_timeout: Duration,
    pub total_timeout: Duration,
    pub max_concurrent_queries: usize,
    /// `max-udp-packet-size`: the most the router asks for and answers with over UDP (EDNS).
    pub max_udp_packet_size: u16,
    pub statics: Vec<StaticEntry>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            servers: Vec::new(),
            allow_remote_requests: false,
            cache_size_kib: 2048,
            cache_max_ttl: 7 * 24 * 3600,
            server_timeout: Duration::from_secs(2),
            total_timeout: Duration::from_secs(10),
            max_concurrent_queries: 100,
            max_udp_packet_size: 4096,
            statics: Vec::new(),
        }
    }
}

/// Who asked, so the answer finds its way back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requester {
    /// A UDP client, and the router's address it asked (the reply comes from there).
    Udp {
        client: IpEndpoint,
        local: Ipv4Address,
    },
    /// A TCP connection: its slot and which connection in that slot.
    Tcp { slot: u16, generation: u32 },
    /// The router itself (`:resolve`).
    Local { token: u32 },
}

/// An answer to send to a requester.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub to: Requester,
    pub message: Vec<u8>,
}

/// A query to send to an upstream server (port 53) from `local_port`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpstreamQuery {
    pub server: Ipv4Address,
    pub local_port: u16,
    pub message: Vec<u8>,
}

/// Why `:resolve` has no address, in RouterOS's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResolveError {
    NameDoesNotExist,
    ServerFailure,
    NoAddress,
    BadName,
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResolveError::NameDoesNotExist => "failure: dns name does not exist",
            ResolveError::ServerFailure => "failure: dns server failure",
            ResolveError::NoAddress => "failure: dns name exists, but no appropriate record",
            ResolveError::BadName => "failure: invalid domain name",
        })
    }
}

/// The first address in an answer for `:resolve` (following CNAMEs is the server's and the
/// statics' job: the A record is in the same answer), or why there is none.
pub fn address_of(answer: &[u8]) -> Result<Ipv4Address, ResolveError> {
    let message = Message::parse(answer).map_err(|_| ResolveError::ServerFailure)?;
    match message.header.rcode {
        rcode::NOERROR => message
            .answers
            .iter()
            .find_map(|r| match r.data {
                RData::A(a) => Some(a),
                _ => None,
            })
            .ok_or(ResolveError::NoAddress),
        rcode::NXDOMAIN => Err(ResolveError::NameDoesNotExist),
        _ => Err(ResolveError::ServerFailure),
    }
}

/// Counters (for tests and for the record).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub queries: u64,
    pub malformed: u64,
    pub static_answers: u64,
    pub cache_hits: u64,
    pub forwarded: u64,
    pub upstream_replies: u64,
    /// Replies that matched no outstanding query (wrong server, port, ID or question).
    pub mismatched: u64,
    /// Queries dropped because `max-concurrent-queries` were outstanding.
    pub dropped_outstanding: u64,
    /// Answers or upstream queries dropped because their queue was full.
    pub dropped_queue: u64,
    pub server_timeouts: u64,
    pub server_failures: u64,
}

/// A query waiting for an upstream server.
struct Pending {
    to: Requester,
    client: Header,
    client_question: Question,
    client_edns: bool,
    limit: usize,
    /// Static CNAME records that lead to `question`.
    prefix: Vec<Record>,
    question: Question,
    upstream_id: u16,
    local_port: u16,
    server: Ipv4Address,
    server_index: usize,
    /// How many times a server answered this query with an error (SERVFAIL, REFUSED, ...).
    error_answers: usize,
    started: Instant,
    sent: Instant,
}

/// The forwarder (module docs).
pub struct Resolver {
    settings: Settings,
    dynamic_servers: Vec<Ipv4Address>,
    statics: Statics,
    cache: Cache,
    pending: Vec<Pending>,
    answers: VecDeque<Answer>,
    upstream: VecDeque<UpstreamQuery>,
    rng: Prng,
    stats: Stats,
    log: VecDeque<String>,
    last_log: Option<Instant>,
    suppressed: u32,
    next_token: u32,
}

impl Resolver {
    pub fn new(settings: Settings, seed: u64) -> Self {
        let cache = Cache::new(cache_bytes(&settings), settings.cache_max_ttl);
        let statics = Statics::new(settings.statics.clone());
        Self {
            settings,
            dynamic_servers: Vec::new(),
            statics,
            cache,
            pending: Vec::new(),
            answers: VecDeque::new(),
            upstream: VecDeque::new(),
            rng: Prng::new(seed),
            stats: Stats::default(),
            log: VecDeque::new(),
            last_log: None,
            suppressed: 0,
            next_token: 0,
        }
    }

    /// New settings, taking effect at once: the cache keeps what fits, outstanding queries go on.
    pub fn configure(&mut self, settings: Settings) {
        self.cache
            .set_limits(cache_bytes(&settings), settings.cache_max_ttl);
        self.statics = Statics::new(settings.statics.clone());
        self.settings = settings;
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Servers learnt from the DHCP client (`use-peer-dns`), asked after the configured ones.
    pub fn set_dynamic_servers(&mut self, servers: &[Ipv4Address]) {
        self.dynamic_servers = servers.iter().take(8).copied().collect();
    }

    pub fn dynamic_servers(&self) -> &[Ipv4Address] {
        &self.dynamic_servers
    }

    /// The servers in the order they are asked: configured, then dynamic, each once.
    pub fn servers(&self) -> Vec<Ipv4Address> {
        let mut all: Vec<Ipv4Address> = Vec::new();
        for s in self.settings.servers.iter().chain(&self.dynamic_servers) {
            if !all.contains(s) {
                all.push(*s);
            }
        }
        all
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    pub fn cache_lines(&self, now: Instant) -> Vec<CacheLine> {
        self.cache.lines(now)
    }

    /// `/ip dns cache flush`.
    pub fn flush_cache(&mut self) {
        self.cache.flush();
    }

    /// Queries waiting for a server.
    pub fn outstanding(&self) -> usize {
        self.pending.len()
    }

    /// Source ports of outstanding upstream queries (the sockets that must stay open).
    pub fn upstream_ports(&self) -> impl Iterator<Item = u16> + '_ {
        self.pending.iter().map(|p| p.local_port)
    }

    pub fn take_upstream(&mut self) -> Option<UpstreamQuery> {
        self.upstream.pop_front()
    }

    pub fn take_answer(&mut self) -> Option<Answer> {
        self.answers.pop_front()
    }

    /// A `dns` log line, if one is due.
    pub fn take_log(&mut self) -> Option<String> {
        self.log.pop_front()
    }

    /// Starts `:resolve NAME` for the router itself; its answer comes out of
    /// [`Resolver::take_answer`] for `Requester::Local { token }` (read it with [`address_of`]).
    pub fn resolve(&mut self, now: Instant, name: &str) -> Result<u32, ResolveError> {
        let name = Name::from_text(name).map_err(|_| ResolveError::BadName)?;
        self.next_token = self.next_token.wrapping_add(1);
        let token = self.next_token;
        let header = Header {
            recursion_desired: true,
            ..Header::default()
        };
        let question = Question {
            name,
            qtype: rtype::A,
            qclass: CLASS_IN,
        };
        self.answer_question(
            now,
            Requester::Local { token },
            header,
            question,
            false,
            MAX_MESSAGE_LEN,
        );
        Ok(token)
    }

    /// A query from a client (UDP or TCP) or the router.
    pub fn handle_query(&mut self, now: Instant, to: Requester, bytes: &[u8]) {
        self.stats.queries += 1;
        let message = match Message::parse(bytes) {
            Ok(m) => m,
            Err(_) => {
                self.stats.malformed += 1;
                // RFC 1035 §4.1.1: FORMERR when the header at least is there and is a query.
                if let Some(header) = Header::read(bytes).filter(|h| !h.response) {
                    self.reply(
                        to,
                        &header,
                        None,
                        rcode::FORMERR,
                        &[],
                        &[],
                        false,
                        CLASSIC_UDP_LEN,
                    );
                }
                return;
            }
        };
        let header = message.header;
        if header.response {
            self.stats.malformed += 1;
            return;
        }
        let edns = message.edns_payload_size();
        let limit = match to {
            // RFC 6891 §6.2.5: a payload size under 512 counts as 512.
            Requester::Udp { .. } => edns.map_or(CLASSIC_UDP_LEN, |size| {
                usize::from(size.min(self.settings.max_udp_packet_size)).max(CLASSIC_UDP_LEN)
            }),
            _ => MAX_MESSAGE_LEN,
        };
        let Some(question) = message.questions.into_iter().next() else {
            self.reply(to, &header, None, rcode::FORMERR, &[], &[], false, limit);
            return;
        };
        if header.opcode != 0 || question.qclass != CLASS_IN {
            self.reply(
                to,
                &header,
                Some(&question),
                rcode::NOTIMP,
                &[],
                &[],
                edns.is_some(),
                limit,
            );
            return;
        }
        self.answer_question(now, to, header, question, edns.is_some(), limit);
    }

    /// Statics, then the cache, else upstream.
    fn answer_question(
        &mut self,
        now: Instant,
        to: Requester,
        header: Header,
        question: Question,
        edns: bool,
        limit: usize,
    ) {
        let mut prefix: Vec<Record> = Vec::new();
        let mut name = question.name.clone();
        let mut aliases = 0;
        loop {
            match self.statics.lookup(&name, question.qtype) {
                StaticAnswer::Records(records) => {
                    self.stats.static_answers += 1;
                    prefix.extend(records);
                    let q = Some(&question);
                    return self.reply(to, &header, q, rcode::NOERROR, &prefix, &[], edns, limit);
                }
                StaticAnswer::Cname(record, target) => {
                    prefix.push(record);
                    aliases += 1;
                    if question.qtype == rtype::CNAME {
                        self.stats.static_answers += 1;
                        let q = Some(&question);
                        return self.reply(
                            to,
                            &header,
                            q,
                            rcode::NOERROR,
                            &prefix,
                            &[],
                            edns,
                            limit,
                        );
                    }
                    if aliases > MAX_CNAME_CHAIN {
                        let q = Some(&question);
                        return self.reply(to, &header, q, rcode::SERVFAIL, &[], &[], edns, limit);
                    }
                    name = target;
                }
                StaticAnswer::None => break,
            }
        }
        match self.cache.lookup(&name, question.qtype, now) {
            Some(Hit::Answer(records)) => {
                self.stats.cache_hits += 1;
                prefix.extend(records);
                let q = Some(&question);
                self.reply(to, &header, q, rcode::NOERROR, &prefix, &[], edns, limit)
            }
            Some(Hit::Negative { rcode: code, soa }) => {
                self.stats.cache_hits += 1;
                let q = Some(&question);
                self.reply(to, &header, q, code, &prefix, &[soa], edns, limit)
            }
            None => self.forward(now, to, header, question, name, prefix, edns, limit),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn forward(
        &mut self,
        now: Instant,
        to: Requester,
        client: Header,
        client_question: Question,
        name: Name,
        prefix: Vec<Record>,
        edns: bool,
        limit: usize,
    ) {
        let servers = self.servers();
        let Some(&server) = servers.first() else {
            self.note(now, String::from("no servers configured"));
            let q = Some(&client_question);
            return self.reply(to, &client, q, rcode::SERVFAIL, &[], &[], edns, limit);
        };
        if self.pending.len() >= self.settings.max_concurrent_queries {
            self.stats.dropped_outstanding += 1;
            return;
        }
        let question = Question {
            name,
            qtype: client_question.qtype,
            qclass: CLASS_IN,
        };
        let mut pending = Pending {
            to,
            client,
            client_question,
            client_edns: edns,
            limit,
            prefix,
            question,
            upstream_id: 0,
            local_port: 0,
            server,
            server_index: 0,
            error_answers: 0,
            started: now,
            sent: now,
        };
        self.send(&mut pending, now);
        self.stats.forwarded += 1;
        self.pending.push(pending);
    }

    /// Sends (again) to `pending.server` with a fresh ID and source port.
    fn send(&mut self, pending: &mut Pending, now: Instant) {
        pending.upstream_id = (self.rng.next_u32() & 0xFFFF) as u16;
        pending.local_port = self.free_port();
        pending.sent = now;
        let header = Header {
            id: pending.upstream_id,
            recursion_desired: true,
            ..Header::default()
        };
        let opt = [message::opt_record(self.settings.max_udp_packet_size)];
        let additional: &[Record] = if pending.client_edns { &opt } else { &[] };
        let bytes = message::build(
            &header,
            Some(&pending.question),
            &[],
            &[],
            additional,
            MAX_MESSAGE_LEN,
        );
        if self.upstream.len() >= QUEUE_LIMIT {
            self.stats.dropped_queue += 1;
            return;
        }
        self.upstream.push_back(UpstreamQuery {
            server: pending.server,
            local_port: pending.local_port,
            message: bytes,
        });
    }

    /// A random port in 49152..=65535 no outstanding query uses.
    fn free_port(&mut self) -> u16 {
        let span = u32::from(u16::MAX - PORT_BASE) + 1;
        let mut port = PORT_BASE;
        for _ in 0..16 {
            port = PORT_BASE + self.rng.below(span) as u16;
            if !self.pending.iter().any(|p| p.local_port == port) {
                break;
            }
        }
        port
    }

    /// A datagram from `server`:`server_port` to the router's `local_port`.
    pub fn handle_upstream(
        &mut self,
        now: Instant,
        server: Ipv4Address,
        server_port: u16,
        local_port: u16,
        bytes: &[u8],
    ) {
        let Some(index) = self.pending.iter().position(|p| {
            p.local_port == local_port && p.server == server && server_port == DNS_PORT
        }) else {
            self.stats.mismatched += 1;
            return;
        };
        let Ok(reply) = Message::parse(bytes) else {
            self.stats.mismatched += 1;
            return;
        };
        let p = &self.pending[index];
        let same_question = reply
            .questions
            .first()
            .is_some_and(|q| q.matches(&p.question));
        if !reply.header.response || reply.header.id != p.upstream_id || !same_question {
            self.stats.mismatched += 1;
            return;
        }
        self.stats.upstream_replies += 1;
        match reply.header.rcode {
            rcode::NOERROR | rcode::NXDOMAIN => {
                let pending = self.pending.swap_remove(index);
                self.complete(now, pending, &reply, bytes);
            }
            code => {
                self.stats.server_failures += 1;
                let text = alloc::format!("server {server} answered with error {code}");
                self.note(now, text);
                let servers = self.servers().len();
                let p = &mut self.pending[index];
                p.error_answers += 1;
                if p.error_answers >= servers {
                    // Every server said no: the client hears it now.
                    let p = self.pending.swap_remove(index);
                    let q = Some(&p.client_question);
                    let (h, edns, limit) = (p.client, p.client_edns, p.limit);
                    return self.reply(p.to, &h, q, code, &[], &[], edns, limit);
                }
                self.next_server(index, now);
            }
        }
    }

    /// Caches what a server answered and answers the client.
    fn complete(&mut self, now: Instant, p: Pending, reply: &Message, bytes: &[u8]) {
        let code = reply.header.rcode;
        let soa = reply.authority.iter().find(|r| r.rtype == rtype::SOA);
        // A truncated reply is incomplete (RFC 2181 §9): passed on, never cached.
        if !reply.header.truncated {
            let (name, qtype) = (&p.question.name, p.question.qtype);
            if code == rcode::NOERROR && !reply.answers.is_empty() {
                self.cache.insert_answer(name, qtype, &reply.answers, now);
            } else if let Some(soa) = soa {
                self.cache.insert_negative(name, qtype, code, soa, now);
            }
        }
        let has_opt = reply.edns_payload_size().is_some();
        if p.prefix.is_empty() && bytes.len() <= p.limit && (p.client_edns || !has_opt) {
            // A plain forward: the server's reply as it came, with the client's ID and flags.
            let mut relayed = bytes.to_vec();
            relayed[..2].copy_from_slice(&p.client.id.to_be_bytes());
            if !p.client.recursion_desired {
                relayed[2] &= !0x01;
            }
            return self.push_answer(p.to, relayed);
        }
        let mut answers = p.prefix;
        answers.extend(reply.answers.iter().cloned());
        let header = Header {
            truncated: reply.header.truncated,
            ..p.client
        };
        let q = Some(&p.client_question);
        self.reply(
            p.to,
            &header,
            q,
            code,
            &answers,
            &reply.authority,
            p.client_edns,
            p.limit,
        );
    }

    /// The next server for the query at `index`, or SERVFAIL when the total timeout has passed.
    fn next_server(&mut self, index: usize, now: Instant) {
        let servers = self.servers();
        let total = self.settings.total_timeout;
        let Some(p) = self.pending.get_mut(index) else {
            return;
        };
        if servers.is_empty() || now >= p.started + total {
            let p = self.pending.swap_remove(index);
            let q = Some(&p.client_question);
            let (h, edns, limit) = (p.client, p.client_edns, p.limit);
            return self.reply(p.to, &h, q, rcode::SERVFAIL, &[], &[], edns, limit);
        }
        p.server_index = (p.server_index + 1) % servers.len();
        p.server = servers[p.server_index];
        let mut p = self.pending.swap_remove(index);
        self.send(&mut p, now);
        self.pending.push(p);
    }

    /// Timers: a server that did not answer in time hands the query to the next; past the total
    /// timeout the client gets SERVFAIL. Also drops expired cache entries.
    pub fn poll(&mut self, now: Instant) {
        self.cache.purge_expired(now);
        // The ports of the queries due, found again one by one: handing one on reorders the list.
        let (server_timeout, total_timeout) =
            (self.settings.server_timeout, self.settings.total_timeout);
        let due: Vec<u16> = self
            .pending
            .iter()
            .filter(|p| now >= p.sent + server_timeout || now >= p.started + total_timeout)
            .map(|p| p.local_port)
            .collect();
        for port in due {
            let Some(index) = self.pending.iter().position(|p| p.local_port == port) else {
                continue;
            };
            self.stats.server_timeouts += 1;
            let text = alloc::format!("server {} did not answer", self.pending[index].server);
            self.note(now, text);
            self.next_server(index, now);
        }
    }

    /// When [`Resolver::poll`] has work next.
    pub fn poll_at(&self) -> Option<Instant> {
        self.pending
            .iter()
            .map(|p| {
                (p.sent + self.settings.server_timeout).min(p.started + self.settings.total_timeout)
            })
            .min()
    }

    #[allow(clippy::too_many_arguments)]
    fn reply(
        &mut self,
        to: Requester,
        client: &Header,
        question: Option<&Question>,
        code: u8,
        answers: &[Record],
        authority: &[Record],
        edns: bool,
        limit: usize,
    ) {
        let header = Header {
            response: true,
            authoritative: false,
            recursion_available: true,
            rcode: code,
            ..*client
        };
        let opt = [message::opt_record(self.settings.max_udp_packet_size)];
        let additional: &[Record] = if edns { &opt } else { &[] };
        let bytes = message::build(&header, question, answers, authority, additional, limit);
        self.push_answer(to, bytes);
    }

    fn push_answer(&mut self, to: Requester, message: Vec<u8>) {
        if self.answers.len() >= QUEUE_LIMIT {
            self.stats.dropped_queue += 1;
            return;
        }
        self.answers.push_back(Answer { to, message });
    }

    /// Records a log line unless one was logged within [`LOG_INTERVAL_SECS`] (then it is counted
    /// into the next).
    fn note(&mut self, now: Instant, text: String) {
        let due = self
            .last_log
            .is_none_or(|at| now >= at + Duration::from_secs(LOG_INTERVAL_SECS));
        if !due || self.log.len() >= LOG_LIMIT {
            self.suppressed = self.suppressed.saturating_add(1);
            return;
        }
        self.last_log = Some(now);
        let line = if self.suppressed > 0 {
            alloc::format!("{text} ({} more not shown)", self.suppressed)
        } else {
            text
        };
        self.suppressed = 0;
        self.log.push_back(line);
    }
}

fn cache_bytes(settings: &Settings) -> usize {
    (settings.cache_size_kib as usize).saturating_mul(1024)
}
