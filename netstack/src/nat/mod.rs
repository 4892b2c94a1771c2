//! Network address translation (`/ip firewall nat`), modelled on Linux `nf_nat`.
//!
//! NAT is a property of a connection: on a connection's first packet the caller (the dst-nat hook in
//! prerouting, the src-nat hook in postrouting) calls a setup function from [`setup`], which chooses
//! the translated address/port and rewrites the connection's *reply tuple* in the conntrack index.
//! Every packet of the connection is then rewritten by [`rewrite()`] from the connection's two tuples:
//! a packet travelling in direction `d` is made to look like the inverse of the other direction's tuple.
//!
//! Guarantees:
//! - No two connections share a reply tuple (the chosen mapping is checked against the index; the port
//!   search is bounded as Linux's `nf_nat_l4proto_unique_tuple`, at most 128+64+32+16 = 240 tries).
//! - The original port is kept when possible; UDP source NAT is endpoint-independent ([`eim`]).
//! - A connection can carry both a destination and a source mapping (hairpin NAT).
//! - Rewriting is total: malformed or truncated packets are refused ([`RewriteError`]) or only partly
//!   rewritten where the data ends inside a quoted packet, never a panic; checksums are updated
//!   incrementally (RFC 1624) and equal a full recomputation (property-tested).

pub mod eim;
pub mod rewrite;
pub mod setup;

#[cfg(test)]
mod tests;

pub use rewrite::{Manip, RewriteError, rewrite, rewrite_partial};
pub use setup::{
    AddrRange, NatError, PortRange, apply_dst_nat, apply_src_nat, flush_masquerade, masquerade,
    netmap_dst, netmap_src, redirect,
};
