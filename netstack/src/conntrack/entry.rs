//! One connection-table entry (`Conn`) and its read-only view for `/ip firewall connection print`
//! ([`ConnView`]). The entry is kept compact (see [`super`] for the measured size): tuples, counters,
//! a deadline, status bits, and the TCP tracking state of both directions.

use alloc::string::String;
use smoltcp::time::Duration;

use crate::flow::{Direction, Tuple};

use super::tcp::{TcpState, TcpTrack};

/// Status bits of an entry (netfilter `IPS_*`, RouterOS flag letters in [`ConnView::flag_letters`]).
pub mod status {
    /// Slot holds a connection.
    pub const LIVE: u16 = 1 << 0;
    /// In the hash index (netfilter `IPS_CONFIRMED`).
    pub const CONFIRMED: u16 = 1 << 1;
    /// A packet in the reply direction was seen (`IPS_SEEN_REPLY`).
    pub const SEEN_REPLY: u16 = 1 << 2;
    /// Never evicted when the table is full (`IPS_ASSURED`).
    pub const ASSURED: u16 = 1 << 3;
    /// `fasttrack-connection` applied.
    pub const FASTTRACK: u16 = 1 << 4;
    /// Source NAT applied (`IPS_SRC_NAT`).
    pub const SRCNAT: u16 = 1 << 5;
    /// Destination NAT applied (`IPS_DST_NAT`).
    pub const DSTNAT: u16 = 1 << 6;
    /// Source NAT came from `masquerade` (flushed when the interface address goes away).
    pub const MASQUERADE: u16 = 1 << 7;
    /// Holds a reference on an endpoint-independent mapping (see `nat::eim`).
    pub const EIM: u16 = 1 << 8;
    /// FastTracked segments passed without window tracking since the last tracked one, so the recorded
    /// windows are stale: the next tracked segment re-learns them (Linux `flow_offload_fixup_tcp`).
    pub const WINDOWS_STALE: u16 = 1 << 9;
}

/// One connection. `tuples[0]` is the original direction, `tuples[1]` the reply direction (the inverted
/// original, with NAT's rewrite applied).
#[derive(Clone, Debug)]
pub(crate) struct Conn {
    pub tuples: [Tuple; 2],
    pub status: u16,
    /// Generation of the slot, so a stale [`crate::flow::ConnId`] never names a reused slot.
    pub generation: u16,
    pub mark: u32,
    /// Absolute expiry time in milliseconds of [`crate::Instant`].
    pub deadline_ms: i64,
    pub packets: [u32; 2],
    pub bytes: [u64; 2],
    /// TCP tracking state (unused for other protocols).
    pub tcp: TcpTrack,
}

impl Conn {
    pub(crate) fn empty() -> Self {
        let t = Tuple {
            src: smoltcp::wire::Ipv4Address::UNSPECIFIED,
            dst: smoltcp::wire::Ipv4Address::UNSPECIFIED,
            src_port: 0,
            dst_port: 0,
            protocol: 0,
        };
        Conn {
            tuples: [t, t],
            status: 0,
            generation: 0,
            mark: 0,
            deadline_ms: 0,
            packets: [0; 2],
            bytes: [0; 2],
            tcp: TcpTrack::default(),
        }
    }

    pub(crate) fn has(&self, bit: u16) -> bool {
        self.status & bit != 0
    }

    pub(crate) fn tuple(&self, dir: Direction) -> &Tuple {
        &self.tuples[dir_index(dir)]
    }
}

pub(crate) const fn dir_index(dir: Direction) -> usize {
    match dir {
        Direction::Original => 0,
        Direction::Reply => 1,
    }
}

pub(crate) const fn other(dir: Direction) -> Direction {
    match dir {
        Direction::Original => Direction::Reply,
        Direction::Reply => Direction::Original,
    }
}

/// What `/ip firewall connection print detail` shows about one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnView {
    pub id: crate::flow::ConnId,
    /// IP protocol number.
    pub protocol: u8,
    /// Original direction: `src-address`, `dst-address` (with ports).
    pub original: Tuple,
    /// Reply direction after NAT: `reply-src-address`, `reply-dst-address`.
    pub reply: Tuple,
    /// `tcp-state` (TCP only).
    pub tcp_state: Option<TcpState>,
    /// Time left before expiry.
    pub timeout: Duration,
    pub orig_packets: u32,
    pub orig_bytes: u64,
    pub repl_packets: u32,
    pub repl_bytes: u64,
    pub seen_reply: bool,
    pub assured: bool,
    pub confirmed: bool,
    pub fasttrack: bool,
    pub srcnat: bool,
    pub dstnat: bool,
    /// `connection-mark` (0 = none).
    pub mark: u32,
}

impl ConnView {
    /// RouterOS flag letters in print order: `E` expected (never: no helpers), `S` seen-reply,
    /// `A` assured, `C` confirmed, `D` dying (never: entries are removed at once), `F` fasttrack,
    /// `s` srcnat, `d` dstnat.
    pub fn flag_letters(&self) -> String {
        let mut s = String::new();
        for (on, c) in [
            (self.seen_reply, 'S'),
            (self.assured, 'A'),
            (self.confirmed, 'C'),
            (self.fasttrack, 'F'),
            (self.srcnat, 's'),
            (self.dstnat, 'd'),
        ] {
            if on {
                s.push(c);
            }
        }
        s
    }
}
