//! Local delivery: the router's own IP stack, a smoltcp `Interface` with `Medium::Ip`.
//!
//! The engine decides what is addressed to the router (after the input hooks) and hands those IP packets to
//! [`LocalStack::deliver`]; smoltcp answers ICMP echo, refuses closed UDP ports with ICMP port
//! unreachable and closed TCP ports with RST, and serves the sockets that services open through
//! [`LocalStack::sockets`]. Everything smoltcp sends comes out of [`LocalStack::take_outgoing`] as IP
//! packets, which the engine routes like any packet the router originates (output hooks, routing,
//! postrouting). The stack runs in AnyIP mode with a default route through its loopback address, so it
//! accepts every destination the engine gives it — the engine, not smoltcp, knows the router's addresses,
//! however many there are. Queues in both directions are bounded.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use smoltcp::iface::{Config, Interface, SocketSet};
use smoltcp::phy::{Device, DeviceCapabilities, Medium, RxToken, TxToken};
use smoltcp::wire::{HardwareAddress, IpCidr, Ipv4Address, Ipv4Cidr};

use crate::Instant;

/// Packets waiting in each direction between the engine and smoltcp.
const QUEUE_LIMIT: usize = 256;
/// Largest IP packet exchanged with the local stack.
const LOCAL_MTU: usize = 1500;
const LOOPBACK: Ipv4Address = Ipv4Address::new(127, 0, 0, 1);

/// The in-memory "device" between the engine and smoltcp.
#[derive(Default)]
struct Pipe {
    to_stack: VecDeque<Vec<u8>>,
    from_stack: VecDeque<Vec<u8>>,
    /// Spare buffers, so steady-state traffic does not allocate.
    spare: Vec<Vec<u8>>,
}

struct PipeRx(Vec<u8>);

struct PipeTx<'a>(&'a mut Pipe);

impl RxToken for PipeRx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl TxToken for PipeTx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut buffer = self.0.spare.pop().unwrap_or_default();
        buffer.clear();
        buffer.resize(len, 0);
        let result = f(&mut buffer);
        if self.0.from_stack.len() < QUEUE_LIMIT {
            self.0.from_stack.push_back(buffer);
        }
        result
    }
}

impl Device for Pipe {
    type RxToken<'a> = PipeRx;
    type TxToken<'a> = PipeTx<'a>;

    fn receive(&mut self, _now: smoltcp::time::Instant) -> Option<(PipeRx, PipeTx<'_>)> {
        let packet = self.to_stack.pop_front()?;
        Some((PipeRx(packet), PipeTx(self)))
    }

    fn transmit(&mut self, _now: smoltcp::time::Instant) -> Option<PipeTx<'_>> {
        (self.from_stack.len() < QUEUE_LIMIT).then_some(PipeTx(self))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ip;
        caps.max_transmission_unit = LOCAL_MTU;
        caps
    }
}

/// The router's own IP stack.
pub struct LocalStack {
    iface: Interface,
    pipe: Pipe,
    sockets: SocketSet<'static>,
}

impl LocalStack {
    /// `seed` randomises TCP initial sequence numbers and ports (pass a per-boot random value).
    pub fn new(now: Instant, seed: u64) -> Self {
        let mut pipe = Pipe::default();
        let mut config = Config::new(HardwareAddress::Ip);
        config.random_seed = seed;
        let mut iface = Interface::new(config, &mut pipe, now);
        iface.update_ip_addrs(|addrs| {
            let _ = addrs.push(IpCidr::Ipv4(Ipv4Cidr::new(LOOPBACK, 8)));
        });
        iface.set_any_ip(true);
        let _ = iface.routes_mut().add_default_ipv4_route(LOOPBACK);
        Self {
            iface,
            pipe,
            sockets: SocketSet::new(Vec::new()),
        }
    }

    /// Tells the stack the router's addresses (at most 7 are kept; packets to any address are accepted
    /// regardless). smoltcp gives a socket that did not choose its local address the *first* address, so
    /// the router's addresses come first and loopback last; services that know better (a reply from the
    /// address a request came to, or [`crate::Engine::source_address_for`]) set the local address
    /// themselves.
    pub fn set_addresses(&mut self, addresses: &[Ipv4Cidr]) {
        self.iface.update_ip_addrs(|addrs| {
            addrs.clear();
            for cidr in addresses.iter().take(addrs.capacity() - 1) {
                let _ = addrs.push(IpCidr::Ipv4(*cidr));
            }
            let _ = addrs.push(IpCidr::Ipv4(Ipv4Cidr::new(LOOPBACK, 8)));
        });
    }

    /// Queues an IP packet addressed to the router. False when the queue is full (the caller counts a drop).
    pub fn deliver(&mut self, ip_packet: &[u8]) -> bool {
        if self.pipe.to_stack.len() >= QUEUE_LIMIT || ip_packet.len() > LOCAL_MTU {
            return false;
        }
        let mut buffer = self.pipe.spare.pop().unwrap_or_default();
        buffer.clear();
        buffer.extend_from_slice(ip_packet);
        self.pipe.to_stack.push_back(buffer);
        true
    }

    /// Lets smoltcp process what was delivered and what its sockets want to send.
    pub fn poll(&mut self, now: Instant) {
        self.iface.poll(now, &mut self.pipe, &mut self.sockets);
    }

    /// When smoltcp next needs `poll` (timers), if ever.
    pub fn poll_at(&mut self, now: Instant) -> Option<Instant> {
        self.iface.poll_at(now, &self.sockets)
    }

    /// Takes the next IP packet the stack sent, copied into `out` (reused storage). False when none.
    pub fn take_outgoing(&mut self, out: &mut Vec<u8>) -> bool {
        let Some(packet) = self.pipe.from_stack.pop_front() else {
            return false;
        };
        out.clear();
        out.extend_from_slice(&packet);
        if self.pipe.spare.len() < QUEUE_LIMIT {
            self.pipe.spare.push(packet);
        }
        true
    }

    /// The sockets services open on the router's stack (UDP for DHCP/DNS, TCP for HTTP, ...).
    pub fn sockets(&mut self) -> &mut SocketSet<'static> {
        &mut self.sockets
    }
}
