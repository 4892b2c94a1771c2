//! DNS messages (RFC 1035 §4.1): header, questions and resource records, read from and written to
//! bytes.
//!
//! Reading checks every count against the bytes that are there before allocating (a question takes at
//! least 5 bytes, a record at least 11), takes one question at most and [`MAX_RECORDS`] records in
//! all, and decodes the record data the router uses — A, AAAA, and the names inside CNAME, NS, PTR,
//! MX and SOA (which may be compressed, RFC 1035 §4.1.4) — keeping other types' data as bytes. TTLs
//! with the top bit set count as zero (RFC 2181 §8). Writing emits names uncompressed and never more
//! than the limit it is given: what does not fit is left out with TC set (RFC 1035 §4.1.1, RFC 2181
//! §9).

use alloc::vec::Vec;

use smoltcp::wire::Ipv4Address;

use super::WireError;
use super::name::Name;

/// Resource record types the router knows (RFC 1035 §3.2.2, RFC 3596, RFC 6891).
pub mod rtype {
    pub const A: u16 = 1;
    pub const NS: u16 = 2;
    pub const CNAME: u16 = 5;
    pub const SOA: u16 = 6;
    pub const PTR: u16 = 12;
    pub const MX: u16 = 15;
    pub const TXT: u16 = 16;
    pub const AAAA: u16 = 28;
    pub const OPT: u16 = 41;
}

/// Response codes (RFC 1035 §4.1.1).
pub mod rcode {
    pub const NOERROR: u8 = 0;
    pub const FORMERR: u8 = 1;
    pub const SERVFAIL: u8 = 2;
    pub const NXDOMAIN: u8 = 3;
    pub const NOTIMP: u8 = 4;
    pub const REFUSED: u8 = 5;
}

/// The Internet class.
pub const CLASS_IN: u16 = 1;
/// Header length.
pub const HEADER_LEN: usize = 12;
/// Records read from one message, all sections together.
pub const MAX_RECORDS: usize = 128;
/// Largest DNS message (TCP's two-byte length, RFC 1035 §4.2.2).
pub const MAX_MESSAGE_LEN: usize = 65535;
/// A UDP message's limit without EDNS (RFC 1035 §4.2.1).
pub const CLASSIC_UDP_LEN: usize = 512;

/// The fixed header (RFC 1035 §4.1.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    pub id: u16,
    /// A response (QR).
    pub response: bool,
    pub opcode: u8,
    pub authoritative: bool,
    pub truncated: bool,
    pub recursion_desired: bool,
    pub recursion_available: bool,
    pub rcode: u8,
}

impl Header {
    /// Reads the header; `None` when fewer than 12 bytes.
    pub fn read(message: &[u8]) -> Option<Header> {
        let bytes = message.get(..HEADER_LEN)?;
        let flags = u16::from_be_bytes([bytes[2], bytes[3]]);
        Some(Header {
            id: u16::from_be_bytes([bytes[0], bytes[1]]),
            response: flags & 0x8000 != 0,
            opcode: ((flags >> 11) & 0xF) as u8,
            authoritative: flags & 0x0400 != 0,
            truncated: flags & 0x0200 != 0,
            recursion_desired: flags & 0x0100 != 0,
            recursion_available: flags & 0x0080 != 0,
            rcode: (flags & 0xF) as u8,
        })
    }

    fn flags(&self) -> u16 {
        (u16::from(self.response) << 15)
            | (u16::from(self.opcode & 0xF) << 11)
            | (u16::from(self.authoritative) << 10)
            | (u16::from(self.truncated) << 9)
            | (u16::from(self.recursion_desired) << 8)
            | (u16::from(self.recursion_available) << 7)
            | u16::from(self.rcode & 0xF)
    }
}

/// A question (RFC 1035 §4.1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub name: Name,
    pub qtype: u16,
    pub qclass: u16,
}

impl Question {
    /// Same name (ASCII case aside), type and class: how a reply is matched to its query.
    pub fn matches(&self, other: &Question) -> bool {
        self.qtype == other.qtype
            && self.qclass == other.qclass
            && self.name.eq_ignore_case(&other.name)
    }
}

/// The SOA record's data (RFC 1035 §3.3.13); `minimum` bounds negative caching (RFC 2308 §4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Soa {
    pub mname: Name,
    pub rname: Name,
    pub serial: u32,
    pub refresh: u32,
    pub retry: u32,
    pub expire: u32,
    pub minimum: u32,
}

/// Record data, decoded for the types whose data holds names (so they can be written elsewhere).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RData {
    A(Ipv4Address),
    Aaaa([u8; 16]),
    Cname(Name),
    Ns(Name),
    Ptr(Name),
    Mx {
        preference: u16,
        exchange: Name,
    },
    Soa(Soa),
    /// Any other type (TXT among them): the bytes as received.
    Other(Vec<u8>),
}

/// A resource record (RFC 1035 §4.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub name: Name,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    pub data: RData,
}

impl Record {
    /// Whether this record's data can be written into another message as it is: decoded types, and
    /// TXT (no names inside). Other types may carry compressed names (RFC 3597 §4), so they are
    /// relayed in their own message but not cached.
    pub fn portable(&self) -> bool {
        !matches!(self.data, RData::Other(_)) || self.rtype == rtype::TXT
    }

    /// Bytes the record takes in memory beyond its struct (names and data).
    pub fn heap_len(&self) -> usize {
        self.name.wire().len()
            + match &self.data {
                RData::A(_) | RData::Aaaa(_) => 0,
                RData::Cname(n) | RData::Ns(n) | RData::Ptr(n) => n.wire().len(),
                RData::Mx { exchange, .. } => exchange.wire().len(),
                RData::Soa(soa) => soa.mname.wire().len() + soa.rname.wire().len(),
                RData::Other(bytes) => bytes.len(),
            }
    }
}

/// A whole message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    pub header: Header,
    pub questions: Vec<Question>,
    pub answers: Vec<Record>,
    pub authority: Vec<Record>,
    pub additional: Vec<Record>,
}

/// Reads big-endian integers with bounds checks.
fn u16_at(message: &[u8], at: usize) -> Result<u16, WireError> {
    let b = message.get(at..at + 2).ok_or(WireError::Truncated)?;
    Ok(u16::from_be_bytes([b[0], b[1]]))
}

fn u32_at(message: &[u8], at: usize) -> Result<u32, WireError> {
    let b = message.get(at..at + 4).ok_or(WireError::Truncated)?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

impl Message {
    /// Reads a message. Errors name what was wrong; nothing panics.
    pub fn parse(message: &[u8]) -> Result<Message, WireError> {
        if message.len() > MAX_MESSAGE_LEN {
            return Err(WireError::TooLong);
        }
        let header = Header::read(message).ok_or(WireError::Truncated)?;
        let counts = [4, 6, 8, 10].map(|at| usize::from(u16_at(message, at).unwrap_or(0)));
        let [qd, an, ns, ar] = counts;
        if qd > 1 {
            return Err(WireError::TooManyRecords);
        }
        let available = message.len() - HEADER_LEN;
        // Each question takes 5 bytes at least, each record 11: counts the bytes cannot hold are lies.
        if qd * 5 + (an + ns + ar) * 11 > available {
            return Err(WireError::Truncated);
        }
        if an + ns + ar > MAX_RECORDS {
            return Err(WireError::TooManyRecords);
        }
        let mut pos = HEADER_LEN;
        let mut questions = Vec::with_capacity(qd);
        for _ in 0..qd {
            let (name, next) = Name::read(message, pos)?;
            questions.push(Question {
                name,
                qtype: u16_at(message, next)?,
                qclass: u16_at(message, next + 2)?,
            });
            pos = next + 4;
        }
        let mut sections = [
            Vec::with_capacity(an),
            Vec::with_capacity(ns),
            Vec::with_capacity(ar),
        ];
        for (section, count) in sections.iter_mut().zip([an, ns, ar]) {
            for _ in 0..count {
                let (record, next) = read_record(message, pos)?;
                section.push(record);
                pos = next;
            }
        }
        let [answers, authority, additional] = sections;
        Ok(Message {
            header,
            questions,
            answers,
            authority,
            additional,
        })
    }

    /// The EDNS OPT record's UDP payload size (RFC 6891 §6.1.2), if the message has one.
    pub fn edns_payload_size(&self) -> Option<u16> {
        self.additional
            .iter()
            .find(|r| r.rtype == rtype::OPT && r.name == Name::root())
            .map(|r| r.class)
    }
}

/// Reads one record at `at`; returns it and the offset after it.
fn read_record(message: &[u8], at: usize) -> Result<(Record, usize), WireError> {
    let (name, pos) = Name::read(message, at)?;
    let rtype = u16_at(message, pos)?;
    let class = u16_at(message, pos + 2)?;
    let raw_ttl = u32_at(message, pos + 4)?;
    // RFC 2181 §8: a TTL with the most significant bit set is treated as zero.
    let ttl = if raw_ttl > i32::MAX as u32 {
        0
    } else {
        raw_ttl
    };
    let len = usize::from(u16_at(message, pos + 8)?);
    let start = pos + 10;
    let end = start + len;
    let rdata = message.get(start..end).ok_or(WireError::Truncated)?;
    // A name inside the data must end exactly where the data does (pointers may lead anywhere before).
    let name_in = |at: usize| -> Result<(Name, usize), WireError> {
        let (name, next) = Name::read(message, at)?;
        if next > end {
            return Err(WireError::BadRdata);
        }
        Ok((name, next))
    };
    let whole = |name: Name, next: usize| {
        if next == end {
            Ok(name)
        } else {
            Err(WireError::BadRdata)
        }
    };
    let data = match rtype {
        rtype::A if class == CLASS_IN => {
            let b: [u8; 4] = rdata.try_into().map_err(|_| WireError::BadRdata)?;
            RData::A(Ipv4Address::from(b))
        }
        rtype::AAAA if class == CLASS_IN => {
            RData::Aaaa(rdata.try_into().map_err(|_| WireError::BadRdata)?)
        }
        rtype::CNAME | rtype::NS | rtype::PTR => {
            let (target, next) = name_in(start)?;
            let target = whole(target, next)?;
            match rtype {
                rtype::CNAME => RData::Cname(target),
                rtype::NS => RData::Ns(target),
                _ => RData::Ptr(target),
            }
        }
        rtype::MX => {
            let preference = u16_at(rdata, 0).map_err(|_| WireError::BadRdata)?;
            let (exchange, next) = name_in(start + 2)?;
            RData::Mx {
                preference,
                exchange: whole(exchange, next)?,
            }
        }
        rtype::SOA => {
            let (mname, next) = name_in(start)?;
            let (rname, next) = name_in(next)?;
            if end.checked_sub(next) != Some(20) {
                return Err(WireError::BadRdata);
            }
            let n = |i: usize| u32_at(message, next + 4 * i);
            RData::Soa(Soa {
                mname,
                rname,
                serial: n(0)?,
                refresh: n(1)?,
                retry: n(2)?,
                expire: n(3)?,
                minimum: n(4)?,
            })
        }
        _ => RData::Other(rdata.to_vec()),
    };
    Ok((
        Record {
            name,
            rtype,
            class,
            ttl,
            data,
        },
        end,
    ))
}

/// Writes a message of at most `limit` bytes (at least a header and the question). Records that do
/// not fit are all left out and TC is set, so a client knows to ask again over TCP.
pub fn build(
    header: &Header,
    question: Option<&Question>,
    answers: &[Record],
    authority: &[Record],
    additional: &[Record],
    limit: usize,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(CLASSIC_UDP_LEN);
    let counts = [answers.len(), authority.len(), additional.len()];
    write_header(&mut out, header, question.is_some(), counts);
    if let Some(q) = question {
        out.extend_from_slice(q.name.wire());
        out.extend_from_slice(&q.qtype.to_be_bytes());
        out.extend_from_slice(&q.qclass.to_be_bytes());
    }
    let question_end = out.len();
    for record in answers.iter().chain(authority).chain(additional) {
        write_record(&mut out, record);
    }
    if out.len() > limit.min(MAX_MESSAGE_LEN) {
        out.truncate(question_end);
        let truncated = Header {
            truncated: true,
            ..*header
        };
        let mut head = Vec::with_capacity(HEADER_LEN);
        write_header(&mut head, &truncated, question.is_some(), [0, 0, 0]);
        out[..HEADER_LEN].copy_from_slice(&head);
    }
    out
}

fn write_header(out: &mut Vec<u8>, header: &Header, question: bool, counts: [usize; 3]) {
    out.extend_from_slice(&header.id.to_be_bytes());
    out.extend_from_slice(&header.flags().to_be_bytes());
    out.extend_from_slice(&u16::from(question).to_be_bytes());
    for count in counts {
        out.extend_from_slice(&(count.min(usize::from(u16::MAX)) as u16).to_be_bytes());
    }
}

fn write_record(out: &mut Vec<u8>, record: &Record) {
    out.extend_from_slice(record.name.wire());
    out.extend_from_slice(&record.rtype.to_be_bytes());
    out.extend_from_slice(&record.class.to_be_bytes());
    out.extend_from_slice(&record.ttl.to_be_bytes());
    let len_at = out.len();
    out.extend_from_slice(&[0, 0]);
    match &record.data {
        RData::A(address) => out.extend_from_slice(&address.octets()),
        RData::Aaaa(address) => out.extend_from_slice(address),
        RData::Cname(n) | RData::Ns(n) | RData::Ptr(n) => out.extend_from_slice(n.wire()),
        RData::Mx {
            preference,
            exchange,
        } => {
            out.extend_from_slice(&preference.to_be_bytes());
            out.extend_from_slice(exchange.wire());
        }
        RData::Soa(soa) => {
            out.extend_from_slice(soa.mname.wire());
            out.extend_from_slice(soa.rname.wire());
            for n in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] {
                out.extend_from_slice(&n.to_be_bytes());
            }
        }
        RData::Other(bytes) => out.extend_from_slice(bytes),
    }
    let len = (out.len() - len_at - 2).min(usize::from(u16::MAX)) as u16;
    out[len_at..len_at + 2].copy_from_slice(&len.to_be_bytes());
}

/// The EDNS OPT pseudo-record advertising `payload` bytes of UDP (RFC 6891 §6.1.2).
pub fn opt_record(payload: u16) -> Record {
    Record {
        name: Name::root(),
        rtype: rtype::OPT,
        class: payload,
        ttl: 0,
        data: RData::Other(Vec::new()),
    }
}
