//! The router's DHCP server (`/ip dhcp-server`, RFC 2131 with the options of RFC 2132): pools
//! ([`pool`]), leases ([`lease`]), the messages ([`message`]) and one server's decisions ([`server`]).
//!
//! A server works on the payloads of UDP datagrams to port 67 and answers with datagrams to port 68;
//! [`service`] carries them over the engine's link datagram path, which gives the interface a
//! broadcast came in on and sends out of one interface without routing or ARP. Time is an input, so
//! every exchange runs in host tests with a fake clock. No input panics it (fuzzed:
//! `netstack/fuzz`, target `dhcp_server`, corpus replayed by `cargo test`), and every table it keeps
//! is bounded ([`server`]).

pub mod check;
pub mod lease;
pub mod message;
pub mod pool;
pub mod server;
pub mod service;

#[cfg(test)]
mod tests;

pub use check::EngineCheck;
pub use lease::{Lease, LeaseStatus};
pub use message::ReplyOptions;
pub use pool::Pool;
pub use server::{
    AddressCheck, Event, KeptLease, Reply, Server, ServerConfig, ServerStats, StaticLease,
};
pub use service::{DhcpServers, ServiceStats};

/// Runs one fuzz input through a server with a small pool and a static lease: the input is cut into
/// datagrams at each 0xFF 0xFE pair, each handled at a later second. Shared by the fuzz target and the
/// test that replays its corpus.
pub fn fuzz_run(data: &[u8]) {
    use alloc::vec::Vec;
    use smoltcp::wire::{EthernetAddress, Ipv4Address, Ipv4Cidr};
    let a = |d| Ipv4Address::new(192, 168, 88, d);
    let mut server = Server::new(ServerConfig {
        name: alloc::string::String::from("fuzz"),
        server_address: a(1),
        network: Ipv4Cidr::new(a(0), 24),
        pool: Some(Pool::new(&[(a(250), a(254))])),
        lease_time: crate::Duration::from_secs(600),
        authoritative: true,
        options: ReplyOptions {
            routers: alloc::vec![a(1)],
            dns_servers: alloc::vec![a(1)],
            domain: Some(alloc::string::String::from("lan")),
            ..ReplyOptions::default()
        },
        static_leases: alloc::vec![StaticLease {
            mac: EthernetAddress([2, 0, 0, 0, 0, 1]),
            address: a(20),
            lease_time: None,
        }],
    });
    let taken = |address: Ipv4Address, _mac: EthernetAddress| address == a(253);
    let mut parts: Vec<&[u8]> = Vec::new();
    let mut rest = data;
    while let Some(at) = rest.windows(2).position(|w| w == [0xFF, 0xFE]) {
        parts.push(&rest[..at]);
        rest = &rest[at + 2..];
    }
    parts.push(rest);
    for (second, part) in parts.iter().take(64).enumerate() {
        let now = crate::Instant::from_secs(second as i64 * 7);
        if let Some(reply) = server.handle(part, now, &taken) {
            assert!(reply.payload.len() >= 300 && reply.payload.len() < 1024);
        }
        server.poll(now);
        assert!(
            server.leases().count() <= 6,
            "pool of five and one static lease"
        );
    }
}
