//! The router's DHCP client (`/ip dhcp-client`, RFC 2131, options RFC 2132 and RFC 3442).
//!
//! [`client`] is the state machine for one interface, [`message`] builds and reads the messages
//! (smoltcp's `DhcpPacket`/`DhcpRepr` wire format), [`classless`] reads option 121. The owner (the
//! kernel) moves datagrams between a client and the engine's link datagram path
//! ([`crate::Engine::take_link_datagram`], [`crate::Engine::send_link_datagram`]) and applies what the
//! client reports (a dynamic address, routes, DNS servers).
//!
//! smoltcp's own DHCPv4 socket is not used: it runs inside a smoltcp `Interface` and configures that
//! interface's addresses itself, while the router's local stack is one AnyIP interface for all ports
//! (it cannot tell which port a broadcast came in on, nor send one out of a chosen port from 0.0.0.0)
//! and addresses belong to the engine, which routes, ARPs and filters for them.

pub mod classless;
pub mod client;
pub mod fuzz_harness;
pub mod message;

pub use classless::ClasslessRoute;
pub use client::{DhcpClient, Event, Lease, LostReason, Output, State, Transmit};
