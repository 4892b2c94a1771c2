//! Packet tracing: what each stage decided about selected packets, and why.
//!
//! Tracing is off until a [`TraceFilter`] is set; ingress then marks matching packets (`Meta::traced`) and
//! every stage that handles a marked packet records one [`TraceRecord`]: when, where, which stage, the
//! verdict, and the packet's addresses. Records go into a fixed-size ring (oldest overwritten), allocated
//! when tracing is enabled, so tracing never allocates per packet and never grows without bound.

use alloc::vec::Vec;

use smoltcp::wire::{IpProtocol, Ipv4Address};

use crate::Instant;
use crate::interface::InterfaceId;
use crate::verdict::DropReason;

/// Which packets to trace. Every set field must match.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceFilter {
    /// Received on this interface.
    pub interface: Option<InterfaceId>,
    /// Source or destination address.
    pub address: Option<Ipv4Address>,
}

impl TraceFilter {
    pub fn matches(
        &self,
        interface: Option<InterfaceId>,
        src: Ipv4Address,
        dst: Ipv4Address,
    ) -> bool {
        self.interface.is_none_or(|i| interface == Some(i))
            && self.address.is_none_or(|a| a == src || a == dst)
    }
}

/// The stages of the packet path, as they appear in traces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Ingress,
    Ipv4Ingress,
    Arp,
    Hook(crate::hooks::HookPoint),
    Routing,
    Forward,
    LocalDelivery,
    LocalOutput,
    Fragment,
    Neighbor,
    Egress,
    /// Where a packet was discarded; its verdict's reason says which stage refused it.
    Discard,
}

/// What the stage did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceVerdict {
    Continue,
    Local,
    Drop(DropReason),
    Reject(DropReason),
    /// Routed out of this interface to this next hop.
    Routed(InterfaceId, Ipv4Address),
    /// Waiting for ARP resolution of the next hop.
    Queued,
    /// Handed to the interface for transmission.
    Sent(InterfaceId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceRecord {
    pub time: Instant,
    pub interface: Option<InterfaceId>,
    pub stage: Stage,
    pub verdict: TraceVerdict,
    pub src: Ipv4Address,
    pub dst: Ipv4Address,
    pub protocol: IpProtocol,
}

/// The trace ring.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    filter: Option<TraceFilter>,
    records: Vec<TraceRecord>,
    capacity: usize,
    /// Index of the oldest record once the ring is full.
    next: usize,
}

impl Trace {
    /// Starts tracing packets matching `filter`, keeping the last `capacity` records (clears old ones).
    pub fn enable(&mut self, filter: TraceFilter, capacity: usize) {
        self.filter = Some(filter);
        self.capacity = capacity.clamp(1, 65_536);
        self.records = Vec::with_capacity(self.capacity);
        self.next = 0;
    }

    pub fn disable(&mut self) {
        self.filter = None;
    }

    pub fn filter(&self) -> Option<&TraceFilter> {
        self.filter.as_ref()
    }

    pub fn record(&mut self, record: TraceRecord) {
        if self.filter.is_none() {
            return;
        }
        if self.records.len() < self.capacity {
            self.records.push(record);
        } else if let Some(slot) = self.records.get_mut(self.next) {
            *slot = record;
            self.next = (self.next + 1) % self.capacity;
        }
    }

    /// Records, oldest first.
    pub fn records(&self) -> impl Iterator<Item = &TraceRecord> {
        let (newer, older) = self.records.split_at(self.next.min(self.records.len()));
        older.iter().chain(newer.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: u8) -> TraceRecord {
        TraceRecord {
            time: Instant::from_millis(i64::from(n)),
            interface: None,
            stage: Stage::Ingress,
            verdict: TraceVerdict::Continue,
            src: Ipv4Address::new(10, 0, 0, n),
            dst: Ipv4Address::new(10, 0, 1, n),
            protocol: IpProtocol::Udp,
        }
    }

    #[test]
    fn ring_keeps_the_newest_in_order() {
        let mut trace = Trace::default();
        trace.record(record(0));
        assert_eq!(trace.records().count(), 0, "disabled trace records nothing");
        trace.enable(TraceFilter::default(), 3);
        for n in 1..=5 {
            trace.record(record(n));
        }
        let kept: Vec<u8> = trace.records().map(|r| r.src.octets()[3]).collect();
        assert_eq!(kept, [3, 4, 5]);
    }

    #[test]
    fn filter_matches_interface_and_address() {
        let filter = TraceFilter {
            interface: Some(InterfaceId(1)),
            address: Some(Ipv4Address::new(1, 1, 1, 1)),
        };
        let a = Ipv4Address::new(1, 1, 1, 1);
        let b = Ipv4Address::new(2, 2, 2, 2);
        assert!(filter.matches(Some(InterfaceId(1)), a, b));
        assert!(filter.matches(Some(InterfaceId(1)), b, a));
        assert!(!filter.matches(Some(InterfaceId(2)), a, b));
        assert!(!filter.matches(Some(InterfaceId(1)), b, b));
        assert!(TraceFilter::default().matches(None, b, b));
    }
}
