//! The stateless stages of the packet path. Each stage does one job, reads and writes the packet and its
//! `Meta`, performs no I/O, and returns a verdict; the engine (`crate::engine`) strings them together in
//! RouterOS's order and counts what each one decided.

pub mod ethernet;
pub mod ipv4_ingress;
