//! `/ip dns static`: names the router answers itself, before the cache and the upstream servers
//! (RouterOS answers static entries first). An entry is an address (A, or AAAA for an IPv6 address)
//! or a CNAME; a CNAME answers every type and the router then resolves its target (statics, cache,
//! upstream) and puts both in the answer, as a resolver following an alias does (RFC 1034 §4.3.2).

use alloc::vec::Vec;

use smoltcp::wire::Ipv4Address;

use super::message::{CLASS_IN, RData, Record, rtype};
use super::name::Name;

/// Static entries kept (enabled ones; the configuration may hold more).
pub const MAX_STATICS: usize = 4096;

/// What a static entry answers with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaticData {
    A(Ipv4Address),
    Aaaa([u8; 16]),
    Cname(Name),
}

/// One enabled `/ip dns static` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticEntry {
    pub name: Name,
    pub data: StaticData,
    /// Seconds (`ttl`, 1d by default).
    pub ttl: u32,
}

/// What the statics say about a question.
#[derive(Debug, PartialEq, Eq)]
pub enum StaticAnswer {
    /// No static entry for this name and type.
    None,
    /// The records that answer it.
    Records(Vec<Record>),
    /// An alias: its record, and the name to go on with.
    Cname(Record, Name),
}

#[derive(Default)]
pub struct Statics {
    entries: Vec<StaticEntry>,
}

impl Statics {
    /// The entries, at most [`MAX_STATICS`] (the rest are ignored).
    pub fn new(mut entries: Vec<StaticEntry>) -> Self {
        entries.truncate(MAX_STATICS);
        Self { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The static answer for (`name`, `qtype`). Owner names in the records are `name` as asked.
    pub fn lookup(&self, name: &Name, qtype: u16) -> StaticAnswer {
        let record = |rtype, data| Record {
            name: name.clone(),
            rtype,
            class: CLASS_IN,
            ttl: 0,
            data,
        };
        let mut records = Vec::new();
        for entry in self.entries.iter().filter(|e| e.name.eq_ignore_case(name)) {
            match &entry.data {
                StaticData::Cname(target) => {
                    let mut r = record(rtype::CNAME, RData::Cname(target.clone()));
                    r.ttl = entry.ttl;
                    return StaticAnswer::Cname(r, target.clone());
                }
                StaticData::A(a) if qtype == rtype::A => {
                    let mut r = record(rtype::A, RData::A(*a));
                    r.ttl = entry.ttl;
                    records.push(r);
                }
                StaticData::Aaaa(a) if qtype == rtype::AAAA => {
                    let mut r = record(rtype::AAAA, RData::Aaaa(*a));
                    r.ttl = entry.ttl;
                    records.push(r);
                }
                _ => {}
            }
        }
        if records.is_empty() {
            StaticAnswer::None
        } else {
            StaticAnswer::Records(records)
        }
    }
}
