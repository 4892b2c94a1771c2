//! The resolver on the router's own stack: smoltcp sockets for clients (UDP 53 and a few TCP 53
//! connections) and for upstream queries (one UDP socket per outstanding query, on its random port).
//!
//! With `allow-remote-requests=no` the port-53 sockets do not exist, so smoltcp refuses UDP with ICMP
//! port unreachable and TCP with RST, while the router itself still resolves (`:resolve`). With
//! `yes` they answer on every address of the router; which clients get that far is the input
//! filter's decision (RouterOS: the defconf filter drops what comes from the WAN).
//!
//! TCP: [`TCP_CONNECTIONS`] connections at once (each socket listens again once its connection is
//! over); a connection quiet for [`TCP_IDLE_SECS`] is aborted (RFC 7766 §6.2.3 asks servers to time
//! out idle connections); a query longer than [`TCP_QUERY_LIMIT`] ends the connection; several queries
//! may follow each other on one connection and their answers go back as they come (RFC 7766 §6.2.1.1).
//!
//! Upstream queries leave from the address the router would use towards the server
//! ([`Engine::source_address_for`]), so they pass the output chain and src-nat like any packet the
//! router sends.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec;
use alloc::vec::Vec;

use smoltcp::iface::{SocketHandle, SocketSet};
use smoltcp::socket::{tcp, udp};
use smoltcp::wire::{IpAddress, IpEndpoint, Ipv4Address};

use super::message::MAX_MESSAGE_LEN;
use super::resolver::{self, DNS_PORT, Requester, ResolveError, Resolver, Settings};
use super::tcp_framing::{self, Framed, TcpFraming};
use crate::hooks::Hooks;
use crate::{Duration, Engine, Instant};

/// TCP connections served at once.
pub const TCP_CONNECTIONS: usize = 4;
/// A TCP connection without traffic for this long is aborted.
pub const TCP_IDLE_SECS: u64 = 10;
/// Longest query taken over TCP.
pub const TCP_QUERY_LIMIT: usize = 4096;
/// Client datagrams and upstream replies taken per poll (the rest wait in their sockets).
const RECEIVE_BUDGET: usize = 64;
/// `:resolve` results kept until asked for.
const RESULTS_LIMIT: usize = 16;

/// One TCP 53 socket and the connection it serves.
struct TcpSlot {
    handle: SocketHandle,
    framing: TcpFraming,
    /// Which connection this slot serves now (answers to an earlier one are dropped).
    generation: u32,
    last_activity: Instant,
    /// Framed answers not yet taken by the socket.
    out: VecDeque<u8>,
}

/// The DNS service (module docs).
pub struct DnsService {
    resolver: Resolver,
    udp: Option<SocketHandle>,
    tcp: Vec<TcpSlot>,
    upstream: BTreeMap<u16, SocketHandle>,
    results: VecDeque<(u32, Result<Ipv4Address, ResolveError>)>,
}

impl DnsService {
    /// `seed` gives the transaction IDs and source ports (pass a per-boot random value).
    pub fn new(settings: Settings, seed: u64) -> Self {
        Self {
            resolver: Resolver::new(settings, seed),
            udp: None,
            tcp: Vec::new(),
            upstream: BTreeMap::new(),
            results: VecDeque::new(),
        }
    }

    /// New settings, applied at once; the port-53 sockets open or close at the next poll.
    pub fn configure(&mut self, settings: Settings) {
        self.resolver.configure(settings);
    }

    pub fn resolver(&self) -> &Resolver {
        &self.resolver
    }

    pub fn resolver_mut(&mut self) -> &mut Resolver {
        &mut self.resolver
    }

    /// Starts `:resolve NAME`; the result comes from [`DnsService::take_resolved`] after polls.
    pub fn start_resolve(&mut self, now: Instant, name: &str) -> Result<u32, ResolveError> {
        self.resolver.resolve(now, name)
    }

    /// The result of a `:resolve` started with this token, once there is one.
    pub fn take_resolved(&mut self, token: u32) -> Option<Result<Ipv4Address, ResolveError>> {
        let at = self.results.iter().position(|(t, _)| *t == token)?;
        self.results.remove(at).map(|(_, r)| r)
    }

    /// When [`DnsService::poll`] has timers to run (besides traffic, which the engine signals).
    pub fn poll_at(&self) -> Option<Instant> {
        self.resolver.poll_at()
    }

    /// Serves clients, runs the resolver's timers and exchanges datagrams with upstream servers.
    pub fn poll<H: Hooks>(&mut self, engine: &mut Engine<H>, now: Instant) {
        let allow = self.resolver.settings().allow_remote_requests;
        let sockets = engine.local_stack().sockets();
        self.open_or_close(sockets, allow);
        self.receive_clients(sockets, now);
        self.receive_upstream(sockets, now);
        self.resolver.poll(now);
        while let Some(query) = self.resolver.take_upstream() {
            let source = engine.source_address_for(query.server);
            self.send_upstream(engine.local_stack().sockets(), query, source);
        }
        let sockets = engine.local_stack().sockets();
        while let Some(answer) = self.resolver.take_answer() {
            self.deliver(sockets, answer);
        }
        self.serve_tcp_output(sockets, now);
        self.close_unused_upstream(sockets);
    }

    fn open_or_close(&mut self, sockets: &mut SocketSet<'static>, allow: bool) {
        if allow && self.udp.is_none() {
            let mut socket = udp::Socket::new(
                udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 32], vec![0; 32 * 512]),
                udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 32], vec![0; 32 * 1024]),
            );
            if socket.bind(DNS_PORT).is_ok() {
                self.udp = Some(sockets.add(socket));
            }
        }
        if !allow && let Some(handle) = self.udp.take() {
            sockets.remove(handle);
        }
        if allow && self.tcp.is_empty() {
            for _ in 0..TCP_CONNECTIONS {
                let socket = tcp::Socket::new(
                    tcp::SocketBuffer::new(vec![0; 4096]),
                    tcp::SocketBuffer::new(vec![0; 16384]),
                );
                self.tcp.push(TcpSlot {
                    handle: sockets.add(socket),
                    framing: TcpFraming::new(TCP_QUERY_LIMIT),
                    generation: 0,
                    last_activity: Instant::ZERO,
                    out: VecDeque::new(),
                });
            }
        }
        if !allow {
            for slot in self.tcp.drain(..) {
                sockets.get_mut::<tcp::Socket>(slot.handle).abort();
                sockets.remove(slot.handle);
            }
        }
    }

    fn receive_clients(&mut self, sockets: &mut SocketSet<'static>, now: Instant) {
        if let Some(handle) = self.udp {
            let socket = sockets.get_mut::<udp::Socket>(handle);
            for _ in 0..RECEIVE_BUDGET {
                let Ok((bytes, meta)) = socket.recv() else {
                    break;
                };
                let local = match meta.local_address {
                    Some(IpAddress::Ipv4(a)) => a,
                    _ => continue,
                };
                let to = Requester::Udp {
                    client: meta.endpoint,
                    local,
                };
                self.resolver.handle_query(now, to, bytes);
            }
        }
        for (index, slot) in self.tcp.iter_mut().enumerate() {
            let socket = sockets.get_mut::<tcp::Socket>(slot.handle);
            match socket.state() {
                tcp::State::Closed | tcp::State::TimeWait => {
                    if socket.state() == tcp::State::Closed && socket.listen(DNS_PORT).is_ok() {
                        slot.generation = slot.generation.wrapping_add(1);
                        slot.framing.reset();
                        slot.out.clear();
                        slot.last_activity = now;
                    }
                    continue;
                }
                tcp::State::Listen | tcp::State::SynReceived => {
                    slot.last_activity = now;
                    continue;
                }
                _ => {}
            }
            let mut buffer = [0u8; 512];
            while socket.can_recv() {
                let want = slot.framing.wanted().min(buffer.len());
                if want == 0 {
                    break;
                }
                let Ok(n) = socket.recv_slice(&mut buffer[..want]) else {
                    break;
                };
                if n == 0 {
                    break;
                }
                slot.last_activity = now;
                slot.framing.push(&buffer[..n]);
                match slot.framing.take_message() {
                    Framed::Message(query) => {
                        let to = Requester::Tcp {
                            slot: index as u16,
                            generation: slot.generation,
                        };
                        self.resolver.handle_query(now, to, &query);
                    }
                    Framed::Incomplete => {}
                    Framed::Invalid => {
                        socket.abort();
                        break;
                    }
                }
            }
            if now >= slot.last_activity + Duration::from_secs(TCP_IDLE_SECS) {
                socket.abort();
            }
        }
    }

    fn receive_upstream(&mut self, sockets: &mut SocketSet<'static>, now: Instant) {
        for (&port, &handle) in &self.upstream {
            let socket = sockets.get_mut::<udp::Socket>(handle);
            for _ in 0..RECEIVE_BUDGET {
                let Ok((bytes, meta)) = socket.recv() else {
                    break;
                };
                let IpAddress::Ipv4(server) = meta.endpoint.addr else {
                    continue;
                };
                self.resolver
                    .handle_upstream(now, server, meta.endpoint.port, port, bytes);
            }
        }
    }

    fn send_upstream(
        &mut self,
        sockets: &mut SocketSet<'static>,
        query: resolver::UpstreamQuery,
        source: Option<Ipv4Address>,
    ) {
        let handle = match self.upstream.get(&query.local_port) {
            Some(&handle) => handle,
            None => {
                let mut socket = udp::Socket::new(
                    udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 4], vec![0; 8192]),
                    udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 2], vec![0; 1024]),
                );
                if socket.bind(query.local_port).is_err() {
                    return;
                }
                let handle = sockets.add(socket);
                self.upstream.insert(query.local_port, handle);
                handle
            }
        };
        let meta = udp::UdpMetadata {
            endpoint: IpEndpoint::new(IpAddress::Ipv4(query.server), DNS_PORT),
            local_address: source.map(IpAddress::Ipv4),
            meta: Default::default(),
        };
        // A full socket loses the query; the resolver's timer sends it again.
        let _ = sockets
            .get_mut::<udp::Socket>(handle)
            .send_slice(&query.message, meta);
    }

    fn deliver(&mut self, sockets: &mut SocketSet<'static>, answer: resolver::Answer) {
        match answer.to {
            Requester::Udp { client, local } => {
                let Some(handle) = self.udp else {
                    return;
                };
                let meta = udp::UdpMetadata {
                    endpoint: client,
                    local_address: Some(IpAddress::Ipv4(local)),
                    meta: Default::default(),
                };
                let _ = sockets
                    .get_mut::<udp::Socket>(handle)
                    .send_slice(&answer.message, meta);
            }
            Requester::Tcp { slot, generation } => {
                if let Some(slot) = self.tcp.get_mut(usize::from(slot))
                    && slot.generation == generation
                    && slot.out.len() + answer.message.len() <= 2 * (MAX_MESSAGE_LEN + 2)
                {
                    slot.out.extend(tcp_framing::frame(&answer.message));
                }
            }
            Requester::Local { token } => {
                if self.results.len() >= RESULTS_LIMIT {
                    self.results.pop_front();
                }
                self.results
                    .push_back((token, resolver::address_of(&answer.message)));
            }
        }
    }

    /// Moves framed answers into the TCP sockets; a connection the client closed is closed once
    /// everything is sent.
    fn serve_tcp_output(&mut self, sockets: &mut SocketSet<'static>, now: Instant) {
        for slot in &mut self.tcp {
            let socket = sockets.get_mut::<tcp::Socket>(slot.handle);
            while !slot.out.is_empty() && socket.can_send() {
                let (front, _) = slot.out.as_slices();
                match socket.send_slice(front) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        slot.out.drain(..n);
                        slot.last_activity = now;
                    }
                }
            }
            if socket.state() == tcp::State::CloseWait && slot.out.is_empty() {
                socket.close();
            }
        }
    }

    /// Removes the sockets of upstream queries that are over.
    fn close_unused_upstream(&mut self, sockets: &mut SocketSet<'static>) {
        let live: Vec<u16> = self.resolver.upstream_ports().collect();
        self.upstream.retain(|port, handle| {
            let keep = live.contains(port);
            if !keep {
                sockets.remove(*handle);
            }
            keep
        });
    }
}
