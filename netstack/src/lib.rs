//! The packet engine: ingress validation, raw, connection tracking, mangle, NAT, filter, routing, queues and
//! egress, as small stages with explicit verdicts and counters (see `../shared/design.md` §2).
//!
//! Host-testable: `no_std` + `alloc`, no `unsafe`; the kernel feeds it packets, a clock and a seeded RNG.
//! The crate is a placeholder in the foundation milestone; the engine core is the next milestone.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
