//! The packet engine of the appliance: a `no_std` + `alloc` library without `unsafe` that decides the fate
//! of every packet, host-testable with literal frames and a fake clock.
//!
//! # Packet flow
//!
//! [`Engine::receive`] takes a frame from an interface; stages run in RouterOS's order (see
//! `routeros-reference.md` §1), each with one job and an explicit verdict ([`verdict::Next`]):
//!
//! | stage | module | job | drops (each counted by [`verdict::DropReason`]) |
//! |---|---|---|---|
//! | ethernet | [`stage::ethernet`] | MAC filter, ethertype demux, 802.1Q recognised | runts, foreign unicast, VLAN, IPv6, unknown types |
//! | arp | [`neighbor`] | answer for our addresses (and proxy), learn, release waiting packets | malformed ARP |
//! | ipv4 ingress | [`stage::ipv4_ingress`] | RFC 1812 §5.2.2 header checks, martian sources, flow hash | malformed, bad checksum, martian |
//! | defrag | [`reassembly`] | with the stateful firewall: hold fragments until the datagram is whole | overlaps, oversize, tiny fragments |
//! | prerouting hooks | [`hooks`], [`firewall::Firewall`] | raw, connection tracking ([`conntrack`]), mangle, dst-nat ([`nat`]) | what the rules drop, invalid, table full |
//! | routing decision | [`engine`] | ours/broadcast → local; else longest match in [`route`] | no route, blackhole, unreachable, not forwardable |
//! | input hooks → local | [`hooks`], [`local`] | mangle/filter input, then the router's smoltcp stack | filtered, queue full |
//! | forward | [`engine`], [`checksum`] | TTL decrement (RFC 1624 incremental checksum), mangle/filter forward ([`firewall`]) | TTL exceeded, filtered |
//! | postrouting | [`engine`], [`fragment`] | mangle postrouting, src-nat, conntrack confirmation; MTU: fragment or Frag Needed | DF over MTU |
//! | neighbour | [`neighbor`] | next-hop MAC, bounded queue while ARP resolves | unresolved, queue full |
//! | egress | [`engine`] | Ethernet header in place, per-interface tx queue | tx queue full |
//!
//! Frames from NICs that offload ([`offload`]) may carry a partial transport checksum or be 64 KiB TCP
//! super-frames; they travel the stages whole and are completed or segmented in software only where a
//! port, the router's own stack or fragmentation needs it.
//!
//! Packets the router sends itself (its stack's replies, ICMP errors from [`icmp_error`], rate-limited
//! by [`rate_limit`]) are routed and pass the output and postrouting hooks. [`trace`] records what each
//! stage did with selected packets.
//!
//! # Guarantees
//!
//! No input makes the engine panic (fuzzed: `netstack/fuzz`, corpus replayed by `cargo test`). Every
//! table and queue is bounded. Time is an input (`now`) and randomness a seed. Forwarding to a resolved
//! neighbour does not allocate once warm (tests/no_alloc.rs).

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod address;
pub mod checksum;
pub mod conntrack;
pub mod dhcp_client;
pub mod dhcp_server;
pub mod dns;
pub mod engine;
pub mod factory;
pub mod firewall;
pub mod flow;
pub mod fragment;
pub mod fuzz_harness;
pub mod hooks;
pub mod http;
pub mod icmp_error;
pub mod interface;
pub mod local;
pub mod nat;
pub mod neighbor;
pub mod offload;
pub mod packet;
pub mod prng;
pub mod rate_limit;
pub mod reassembly;
pub mod route;
pub mod stage;
pub mod tcp_answer;
pub mod trace;
pub mod verdict;

pub use engine::{Engine, EngineConfig, EngineStats};
pub use smoltcp::time::{Duration, Instant};
