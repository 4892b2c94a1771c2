//! The DNS cache: answers and negative answers by (name, type), counted down on the caller's clock.
//!
//! * **TTL.** Each record keeps its TTL clamped to `cache-max-ttl` (RouterOS, 1w by default); an
//!   entry lives as long as its shortest record, and what it gives back has each TTL reduced by the
//!   time it spent in the cache (RFC 1035 §7.4). Answers with a zero TTL are used once, not stored.
//! * **Negative answers** (NXDOMAIN, and NODATA: no error, no answer) are kept for the SOA record's
//!   TTL or its `minimum`, whichever is smaller (RFC 2308 §5); without an SOA they are not kept
//!   (RFC 2308 §5: "SHOULD NOT be cached").
//! * **Size.** `cache-size` (KiB) bounds an estimate of the memory an entry takes: its structs, its
//!   names and data, and the expiry index's copy of its key ([`Cache::entry_size`]). When an entry
//!   would not fit, expired entries go first, then those that expire soonest ("oldest-expiring"
//!   eviction, like RouterOS's cache which drops what it would drop soonest anyway). An entry larger
//!   than the whole cache is not stored.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;
use core::mem::size_of;

use super::message::{RData, Record, rcode, rtype};
use super::name::Name;
use crate::{Duration, Instant};

/// What the cache is looked up by: the name in lower case and the type asked for.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CacheKey {
    pub name: Name,
    pub qtype: u16,
}

impl CacheKey {
    pub fn new(name: &Name, qtype: u16) -> Self {
        Self {
            name: name.lowercase(),
            qtype,
        }
    }
}

/// What a lookup found, TTLs already counted down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hit {
    /// The answer section for the question.
    Answer(Vec<Record>),
    /// NXDOMAIN (`rcode` 3) or NODATA (`rcode` 0), with the SOA for the authority section.
    Negative { rcode: u8, soa: Record },
}

#[derive(Clone, Debug)]
enum Stored {
    Answer(Vec<Record>),
    Negative { rcode: u8, soa: Record },
}

#[derive(Debug)]
struct Entry {
    stored: Stored,
    stored_at: Instant,
    expires: Instant,
    size: usize,
    seq: u64,
}

/// One line of `/ip dns cache print`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheLine {
    pub name: String,
    pub rtype: String,
    pub data: String,
    pub ttl_secs: u32,
}

/// The cache (module docs).
pub struct Cache {
    entries: BTreeMap<CacheKey, Entry>,
    /// (expiry, insertion sequence) → key: the eviction order.
    by_expiry: BTreeSet<(Instant, u64, CacheKey)>,
    used: usize,
    capacity: usize,
    max_ttl: u32,
    seq: u64,
}

impl Cache {
    /// A cache of at most `capacity` bytes whose records live at most `max_ttl` seconds.
    pub fn new(capacity: usize, max_ttl: u32) -> Self {
        Self {
            entries: BTreeMap::new(),
            by_expiry: BTreeSet::new(),
            used: 0,
            capacity,
            max_ttl,
            seq: 0,
        }
    }

    /// Changes the limits; entries that no longer fit are evicted at once (soonest-expiring first).
    /// TTLs already stored keep their clamp.
    pub fn set_limits(&mut self, capacity: usize, max_ttl: u32) {
        self.capacity = capacity;
        self.max_ttl = max_ttl;
        while self.used > self.capacity && self.evict_one() {}
    }

    /// Bytes used (the estimate of [`Cache::entry_size`] summed).
    pub fn used_bytes(&self) -> usize {
        self.used
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `/ip dns cache flush`.
    pub fn flush(&mut self) {
        self.entries.clear();
        self.by_expiry.clear();
        self.used = 0;
    }

    /// The estimated memory of an entry: the map's key and value, the expiry index's element with its
    /// own copy of the key, every record's struct, and the names and data they hold on the heap.
    pub fn entry_size(key: &CacheKey, stored_records: &[Record]) -> usize {
        let records: usize = stored_records
            .iter()
            .map(|r| size_of::<Record>() + r.heap_len())
            .sum();
        size_of::<CacheKey>()
            + size_of::<Entry>()
            + size_of::<(Instant, u64, CacheKey)>()
            + 2 * key.name.wire().len()
            + records
    }

    /// Stores the answer section for (`name`, `qtype`), TTLs clamped; not stored when empty, when
    /// the shortest TTL is zero, or when a record cannot be written into another message.
    pub fn insert_answer(&mut self, name: &Name, qtype: u16, records: &[Record], now: Instant) {
        if records.is_empty() || !records.iter().all(Record::portable) {
            return;
        }
        let records: Vec<Record> = records
            .iter()
            .map(|r| Record {
                ttl: r.ttl.min(self.max_ttl),
                ..r.clone()
            })
            .collect();
        let ttl = records.iter().map(|r| r.ttl).min().unwrap_or(0);
        self.insert(
            CacheKey::new(name, qtype),
            Stored::Answer(records),
            ttl,
            now,
        );
    }

    /// Stores a negative answer (`rcode` NXDOMAIN or NOERROR for NODATA) for (`name`, `qtype`) for
    /// min(SOA TTL, SOA minimum) (RFC 2308 §5), clamped.
    pub fn insert_negative(
        &mut self,
        name: &Name,
        qtype: u16,
        rcode: u8,
        soa: &Record,
        now: Instant,
    ) {
        let RData::Soa(data) = &soa.data else {
            return;
        };
        let ttl = soa.ttl.min(data.minimum).min(self.max_ttl);
        let soa = Record { ttl, ..soa.clone() };
        self.insert(
            CacheKey::new(name, qtype),
            Stored::Negative { rcode, soa },
            ttl,
            now,
        );
    }

    fn insert(&mut self, key: CacheKey, stored: Stored, ttl: u32, now: Instant) {
        self.remove(&key);
        if ttl == 0 {
            return;
        }
        let size = match &stored {
            Stored::Answer(records) => Self::entry_size(&key, records),
            Stored::Negative { soa, .. } => Self::entry_size(&key, core::slice::from_ref(soa)),
        };
        if size > self.capacity {
            return;
        }
        self.purge_expired(now);
        while self.used + size > self.capacity && self.evict_one() {}
        let expires = now + Duration::from_secs(u64::from(ttl));
        self.seq += 1;
        self.by_expiry.insert((expires, self.seq, key.clone()));
        self.entries.insert(
            key,
            Entry {
                stored,
                stored_at: now,
                expires,
                size,
                seq: self.seq,
            },
        );
        self.used += size;
    }

    /// The entry for (`name`, `qtype`) if it has not expired, TTLs counted down.
    pub fn lookup(&mut self, name: &Name, qtype: u16, now: Instant) -> Option<Hit> {
        let key = CacheKey::new(name, qtype);
        let entry = self.entries.get(&key)?;
        if entry.expires <= now {
            self.remove(&key);
            return None;
        }
        let elapsed = elapsed_secs(entry.stored_at, now);
        let age = |r: &Record| Record {
            ttl: r.ttl.saturating_sub(elapsed),
            ..r.clone()
        };
        Some(match &entry.stored {
            Stored::Answer(records) => Hit::Answer(records.iter().map(age).collect()),
            Stored::Negative { rcode, soa } => Hit::Negative {
                rcode: *rcode,
                soa: age(soa),
            },
        })
    }

    /// Drops every entry that has expired by `now`.
    pub fn purge_expired(&mut self, now: Instant) {
        while let Some((expires, _, key)) = self.by_expiry.first().cloned() {
            if expires > now {
                break;
            }
            self.remove(&key);
        }
    }

    /// Evicts the entry that expires soonest; false when the cache is empty.
    fn evict_one(&mut self) -> bool {
        match self.by_expiry.first().cloned() {
            Some((_, _, key)) => {
                self.remove(&key);
                true
            }
            None => false,
        }
    }

    fn remove(&mut self, key: &CacheKey) {
        if let Some(entry) = self.entries.remove(key) {
            self.by_expiry
                .remove(&(entry.expires, entry.seq, key.clone()));
            self.used -= entry.size;
        }
    }

    /// `/ip dns cache print`: one line per record of every live entry (negative entries show their
    /// type and `NXDOMAIN`/`NODATA`), in name order.
    pub fn lines(&self, now: Instant) -> Vec<CacheLine> {
        let mut lines = Vec::new();
        for (key, entry) in &self.entries {
            if entry.expires <= now {
                continue;
            }
            let elapsed = elapsed_secs(entry.stored_at, now);
            match &entry.stored {
                Stored::Answer(records) => {
                    for r in records {
                        lines.push(CacheLine {
                            name: r.name.lowercase().to_text(),
                            rtype: type_name(r.rtype),
                            data: data_text(&r.data),
                            ttl_secs: r.ttl.saturating_sub(elapsed),
                        });
                    }
                }
                Stored::Negative { rcode: code, soa } => lines.push(CacheLine {
                    name: key.name.to_text(),
                    rtype: type_name(key.qtype),
                    data: String::from(if *code == rcode::NXDOMAIN {
                        "NXDOMAIN"
                    } else {
                        "NODATA"
                    }),
                    ttl_secs: soa.ttl.saturating_sub(elapsed),
                }),
            }
        }
        lines
    }
}

fn elapsed_secs(from: Instant, now: Instant) -> u32 {
    let micros = (now - from).total_micros();
    u32::try_from(micros / 1_000_000).unwrap_or(u32::MAX)
}

/// A type's mnemonic as RouterOS prints it (`A`, `CNAME`), else `TYPE<n>` (RFC 3597 §5).
pub fn type_name(t: u16) -> String {
    let name = match t {
        rtype::A => "A",
        rtype::NS => "NS",
        rtype::CNAME => "CNAME",
        rtype::SOA => "SOA",
        rtype::PTR => "PTR",
        rtype::MX => "MX",
        rtype::TXT => "TXT",
        rtype::AAAA => "AAAA",
        _ => return alloc::format!("TYPE{t}"),
    };
    String::from(name)
}

/// Record data as `/ip dns cache print` shows it.
pub fn data_text(data: &RData) -> String {
    match data {
        RData::A(a) => alloc::format!("{a}"),
        RData::Aaaa(b) => alloc::format!("{}", core::net::Ipv6Addr::from(*b)),
        RData::Cname(n) | RData::Ns(n) | RData::Ptr(n) => n.to_text(),
        RData::Mx {
            preference,
            exchange,
        } => alloc::format!("{preference} {exchange}"),
        RData::Soa(s) => alloc::format!("{} {} {}", s.mname, s.rname, s.serial),
        RData::Other(bytes) => alloc::format!("({} bytes)", bytes.len()),
    }
}
