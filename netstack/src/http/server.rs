//! The server on the router's own stack: [`MAX_CONNECTIONS`] smoltcp TCP sockets listening on the
//! `www` port, each serving one [`Connection`] at a time.
//!
//! `enabled == false` (or port 0) means no socket at all, so smoltcp answers SYNs with RST, as for any
//! closed port (connections open when the service is disabled are dropped; their next segment gets
//! RST). While every socket is busy none listens, so further SYNs get RST too (see
//! [`MAX_CONNECTIONS`]). A connection from a source outside every prefix of `allowed` is aborted as
//! soon as its SYN arrives (RouterOS `/ip service address=`), before any request is read; so is an
//! open connection whose source a new allow-list leaves out. A new port closes the open connections
//! (RST) and the sockets listen on the new one. A closed connection's socket listens again at once,
//! without waiting out TIME-WAIT (it is aborted instead; the peer closed or acknowledged everything).

use alloc::vec;
use alloc::vec::Vec;

use smoltcp::iface::{SocketHandle, SocketSet};
use smoltcp::socket::tcp;
use smoltcp::wire::{IpAddress, Ipv4Cidr};

use super::MAX_CONNECTIONS;
use super::connection::{Connection, Verdict};
use super::request::Request;
use super::response::Response;
use crate::hooks::Hooks;
use crate::{Engine, Instant};

/// Receive buffer of each socket (the peer's window).
const RECEIVE_BUFFER: usize = 8 * 1024;
/// Send buffer of each socket.
const SEND_BUFFER: usize = 16 * 1024;

/// What `/ip service` says about `www`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerSettings {
    pub enabled: bool,
    pub port: u16,
    /// Source prefixes allowed to connect (RouterOS `/ip service address=`); empty: everyone.
    pub allowed: Vec<Ipv4Cidr>,
}

impl ServerSettings {
    /// Whether a connection from `peer` may be served.
    pub fn allows(&self, peer: IpAddress) -> bool {
        if self.allowed.is_empty() {
            return true;
        }
        match peer {
            IpAddress::Ipv4(address) => self.allowed.iter().any(|p| p.contains_addr(&address)),
            // The allow-list holds IPv4 prefixes only.
            IpAddress::Ipv6(_) => false,
        }
    }

    /// The port to listen on, if any.
    fn listen_port(&self) -> Option<u16> {
        (self.enabled && self.port != 0).then_some(self.port)
    }
}

/// Which connection a request came from. A connection's slot is reused by later connections; the
/// generation tells them apart, so an answer to one that is gone is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionId {
    slot: u16,
    generation: u32,
}

/// One socket and the connection it serves.
struct Slot {
    handle: SocketHandle,
    /// The generation of the connection served now (or last).
    generation: u32,
    connection: Option<Connection>,
}

/// The HTTP server (module docs).
pub struct HttpServer {
    settings: ServerSettings,
    /// The port the sockets listen on (None: no sockets).
    port: Option<u16>,
    slots: Vec<Slot>,
    /// Where [`HttpServer::take_request`] looks first, so busy connections take turns.
    next_slot: usize,
    /// Counts connections, so that no two share a [`ConnectionId`] (even across re-created sockets).
    generations: u32,
    /// The clock of the last poll.
    now: Instant,
    /// Answers were queued since the last poll, or sockets wait to listen: poll again at once.
    work_pending: bool,
}

impl HttpServer {
    /// A server that opens its sockets at the first poll.
    pub fn new(settings: ServerSettings) -> Self {
        Self {
            settings,
            port: None,
            slots: Vec::new(),
            next_slot: 0,
            generations: 0,
            now: Instant::ZERO,
            work_pending: false,
        }
    }

    /// New settings; sockets open/close/re-listen on the new port at the next poll (open connections
    /// on the old port are closed).
    pub fn configure(&mut self, settings: ServerSettings) {
        self.settings = settings;
        self.work_pending = true;
    }

    pub fn settings(&self) -> &ServerSettings {
        &self.settings
    }

    /// Connections open now.
    pub fn connections(&self) -> usize {
        self.slots.iter().filter(|s| s.connection.is_some()).count()
    }

    /// Accepts, reads and parses requests, writes queued responses, runs timeouts.
    pub fn poll<H: Hooks>(&mut self, engine: &mut Engine<H>, now: Instant) {
        self.now = now;
        self.work_pending = false;
        let sockets = engine.local_stack().sockets();
        self.open_or_close(sockets);
        let Some(port) = self.port else {
            return;
        };
        for slot in &mut self.slots {
            let socket = sockets.get_mut::<tcp::Socket>(slot.handle);
            match socket.state() {
                tcp::State::Listen => {}
                tcp::State::Closed => {
                    slot.connection = None;
                    // An aborted socket keeps its peer until smoltcp sent the RST; listening
                    // before that would forget it.
                    if socket.remote_endpoint().is_none() {
                        let _ = socket.listen(port);
                    } else {
                        self.work_pending = true;
                    }
                }
                tcp::State::TimeWait => {
                    slot.connection = None;
                    socket.abort();
                    self.work_pending = true;
                }
                _ => {
                    if slot.connection.is_none() {
                        self.generations = self.generations.wrapping_add(1);
                        slot.generation = self.generations;
                    }
                    Self::serve(slot, socket, &self.settings, now)
                }
            }
        }
    }

    /// Opens the sockets when enabled, removes them when not, and re-listens on a new port.
    fn open_or_close(&mut self, sockets: &mut SocketSet<'static>) {
        let wanted = self.settings.listen_port();
        if wanted == self.port {
            return;
        }
        match wanted {
            None => {
                for slot in self.slots.drain(..) {
                    sockets.get_mut::<tcp::Socket>(slot.handle).abort();
                    sockets.remove(slot.handle);
                }
            }
            Some(port) => {
                if self.slots.is_empty() {
                    for _ in 0..MAX_CONNECTIONS {
                        let socket = tcp::Socket::new(
                            tcp::SocketBuffer::new(vec![0; RECEIVE_BUFFER]),
                            tcp::SocketBuffer::new(vec![0; SEND_BUFFER]),
                        );
                        self.slots.push(Slot {
                            handle: sockets.add(socket),
                            generation: 0,
                            connection: None,
                        });
                    }
                }
                for slot in &mut self.slots {
                    slot.connection = None;
                    let socket = sockets.get_mut::<tcp::Socket>(slot.handle);
                    socket.abort();
                    if socket.remote_endpoint().is_none() {
                        let _ = socket.listen(port);
                    }
                }
            }
        }
        self.port = wanted;
    }

    /// Moves bytes between a busy socket and its connection and runs the connection's timers.
    fn serve(slot: &mut Slot, socket: &mut tcp::Socket, settings: &ServerSettings, now: Instant) {
        let Some(peer) = socket.remote_endpoint() else {
            return;
        };
        if !settings.allows(peer.addr) {
            slot.connection = None;
            socket.abort();
            return;
        }
        let connection = slot
            .connection
            .get_or_insert_with(|| Connection::new(peer, now));
        while socket.can_recv() {
            let used = socket
                .recv(|data| {
                    let used = connection.receive(data, now);
                    (used, used)
                })
                .unwrap_or(0);
            if used == 0 {
                break;
            }
        }
        if socket.state() == tcp::State::CloseWait && socket.recv_queue() == 0 {
            connection.end_of_input();
        }
        let verdict = connection.poll(now);
        if verdict == Verdict::Abort {
            slot.connection = None;
            socket.abort();
            return;
        }
        Self::write(connection, socket, now);
        // Again, now that the output went into the socket: close once everything is written.
        if connection.poll(now) == Verdict::Close {
            socket.close();
        }
    }

    /// Writes queued output into the socket as far as it has room.
    fn write(connection: &mut Connection, socket: &mut tcp::Socket, now: Instant) {
        while socket.can_send() {
            let Some(bytes) = connection.output() else {
                break;
            };
            match socket.send_slice(bytes) {
                Ok(0) | Err(_) => break,
                Ok(written) => connection.output_written(written, now),
            }
        }
        connection.set_in_flight(socket.send_queue(), now);
    }

    /// The next complete request (one at a time per connection: the next request of a keep-alive or
    /// pipelined connection is handed out only after this one was responded to).
    pub fn take_request(&mut self) -> Option<(ConnectionId, Request)> {
        let count = self.slots.len();
        for step in 0..count {
            let index = (self.next_slot + step) % count;
            let slot = &mut self.slots[index];
            if let Some(request) = slot.connection.as_mut().and_then(|c| c.take_request()) {
                self.next_slot = (index + 1) % count;
                let id = ConnectionId {
                    slot: index as u16,
                    generation: slot.generation,
                };
                return Some((id, request));
            }
        }
        None
    }

    /// The answer to a request; ignored when that connection is gone. HEAD gets headers only.
    pub fn respond(&mut self, id: ConnectionId, response: Response) {
        let Some(slot) = self.slots.get_mut(usize::from(id.slot)) else {
            return;
        };
        if slot.generation != id.generation {
            return;
        }
        if let Some(connection) = slot.connection.as_mut() {
            connection.respond(response);
            self.work_pending = true;
        }
    }

    /// When poll() has timers to run (or, right after [`HttpServer::respond`] or
    /// [`HttpServer::configure`], work to do at once).
    pub fn poll_at(&self) -> Option<Instant> {
        let mut at = self.work_pending.then_some(self.now);
        for connection in self.slots.iter().filter_map(|s| s.connection.as_ref()) {
            if let Some(when) = connection.poll_at() {
                at = Some(at.map_or(when, |a| a.min(when)));
            }
        }
        at
    }
}
