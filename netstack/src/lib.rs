//! The packet engine: ingress validation, raw, connection tracking, mangle, NAT, filter, routing, queues and
//! egress, as small stages with explicit verdicts and counters (see `../shared/design.md` §2).
//!
//! Host-testable: `no_std` + `alloc`, no `unsafe`; the kernel feeds it frames, the time (`now`) and a seeded
//! RNG, and takes frames back to transmit.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod address;
pub mod checksum;
pub mod engine;
pub mod fragment;
pub mod hooks;
pub mod icmp_error;
pub mod interface;
pub mod local;
pub mod neighbor;
pub mod packet;
pub mod rate_limit;
pub mod route;
pub mod stage;
pub mod trace;
pub mod verdict;

pub use engine::{Engine, EngineConfig, EngineStats};
pub use smoltcp::time::{Duration, Instant};
