//! The ARP / IPv4 neighbour cache (RouterOS `/ip arp`).
//!
//! Maps `(interface, IPv4 address)` to an Ethernet address for the engine's egress stage, answers ARP
//! requests for our addresses (and, with `arp=proxy-arp`, for addresses we route elsewhere — RFC 1027), and
//! holds the packets that wait for a resolution.
//!
//! # Model
//!
//! * [`NeighborCache<P>`] is generic over the engine's queued packet type `P`; it never looks inside `P`.
//! * Every call takes `now` ([`crate::Instant`]); the cache never reads a clock. [`NeighborCache::poll`]
//!   must be called regularly (at the latest at [`NeighborCache::poll_at`]) to send retries and expire entries.
//! * The cache never transmits. Whatever must go on the wire is handed back as a value ([`ArpRequest`],
//!   [`ArpReply`]) that the engine turns into a frame with its own MAC/IP ([`ArpRequest::emit`],
//!   [`ArpReply::emit`], or the free builders in [`frame`]).
//! * The interface's `arp=` mode ([`ArpMode`](crate::interface::ArpMode)) is **passed in** by the caller on
//!   every `resolve`/`enqueue`/`process` call rather than stored here: the interface table stays the one
//!   source of truth. When a mode changes to `disabled`/`reply-only`, or the interface goes down, the engine
//!   calls [`NeighborCache::flush_dynamic`].
//!
//! # Entry states (see [`NeighborStatus`])
//!
//! ```text
//!   enqueue (unknown) ──► Incomplete ──reply/request from it──► Reachable ──arp-timeout──► Stale
//!                            │  retry every 1 s, 3 requests          ▲                       │ used for sending
//!                            ▼                                       │ any ARP from it        ▼
//!                          Failed ◄──────── no answer to 3 probes ─── Probe ◄───────────────┘
//!                            │ hold-down (no requests, packets dropped), then removed
//!   add_static ──► Static (never expires, never changed by the wire)
//! ```
//!
//! # Guarantees
//!
//! * Nothing received from the wire can make it panic: ARP payloads are parsed with smoltcp's checked
//!   constructors, anything that is not Ethernet/IPv4 ARP with a sane sender is counted as malformed.
//! * Everything is bounded: the number of entries (`max_entries`, oldest evictable entry evicted, otherwise
//!   refused and counted), the packets queued per neighbour (`queue_len`, oldest dropped — RFC 1122
//!   §2.3.2.2 keeps at least the latest one) and the packets queued in total (`max_queued`).
//! * Requests are rate-limited per destination: at most one per `retransmit_interval`, at most
//!   `max_requests` per resolution, then a hold-down during which no request is sent (RFC 1122 §2.3.2.1).
//! * Random ARP traffic cannot fill the table: new entries are created only by our own resolutions and by
//!   requests that target one of our addresses (RFC 826 merge rule).
//! * Arithmetic on times and counters saturates; it never overflows.

mod cache;
mod config;
mod counters;
mod entry;
pub mod frame;
mod packets;
mod poll;
mod process;
mod time;

#[cfg(test)]
mod tests;

pub use cache::{EnqueueResult, NeighborCache, QueueDropReason, Resolution, StaticEntryError};
pub use config::NeighborConfig;
pub use counters::NeighborCounters;
pub use entry::{NeighborFlags, NeighborStatus, NeighborView};
pub use frame::{
    ARP_FRAME_LEN, ArpReply, ArpRequest, build_gratuitous, build_reply, build_request,
    build_unicast_request,
};
pub use packets::{Released, Unresolved};
pub use poll::PollOutput;
pub use process::{ArpOutcome, ArpStatus};
