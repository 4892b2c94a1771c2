//! The client state machine of RFC 2131 §4.4 (figure 5), for one interface.
//!
//! ```text
//! stopped ─start→ SELECTING ─offer→ REQUESTING ─ack→ BOUND ─T1→ RENEWING ─T2→ REBINDING ─expiry→ SELECTING
//!                     ↑ (no answer, NAK) ────────────┘        ack ↩ BOUND ←──────── ack ┘
//! ```
//!
//! The client is driven from outside: [`DhcpClient::poll`] at [`DhcpClient::poll_at`],
//! [`DhcpClient::receive`] for each datagram to port 68 on its interface, [`DhcpClient::renew`] and
//! [`DhcpClient::release`] for the console's commands. Each returns an [`Output`]: at most one datagram
//! to send (from port 68 to 67, with the link-layer destination to send it to) and at most one
//! [`Event`] (a lease to apply, renewed, or gone). Time is an input and randomness a seed.
//!
//! What it guarantees: only answers with the current transaction id and our hardware address count;
//! an offer or ack without a server identifier, without a lease time, with a zero lease time, or with an
//! address that cannot be a host's is ignored; T1 and T2 default to 1/2 and 7/8 of the lease and are
//! kept in order (RFC 2131 §4.4.5); retransmissions while selecting and requesting back off from 4 s
//! doubling to 64 s, each randomized by ±1 s (§4.1); a REQUEST after an offer that gets no answer in
//! four tries starts over; while renewing and rebinding a REQUEST is repeated after half the time left
//! (to T2, to the lease's end), at least 60 s apart (§4.4.5); a NAK starts over (§3.1 step 5, §4.4.5).
//! INIT-REBOOT is not used: a restarted router discovers again, as RouterOS does.

use alloc::string::String;
use alloc::vec::Vec;

use smoltcp::wire::{DhcpMessageType, EthernetAddress, Ipv4Address, Ipv4Cidr};

use super::classless::ClasslessRoute;
use super::message::{ClientMessage, MAX_HOST_NAME, ServerMessage};
use crate::prng::Prng;
use crate::{Duration, Instant};

/// Where the client is in RFC 2131's state diagram (INIT is folded into SELECTING: the DISCOVER goes out
/// as the client enters it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Stopped,
    Selecting,
    Requesting,
    Bound,
    Renewing,
    Rebinding,
}

impl State {
    /// The `status` RouterOS prints for it.
    pub fn status(self) -> &'static str {
        match self {
            State::Stopped => "stopped",
            State::Selecting => "searching...",
            State::Requesting => "requesting...",
            State::Bound => "bound",
            State::Renewing => "renewing...",
            State::Rebinding => "rebinding...",
        }
    }
}

/// An address lease and what came with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The address with the subnet mask's prefix (/32 when the server sent no usable mask).
    pub address: Ipv4Cidr,
    /// Option 3's first router.
    pub router: Option<Ipv4Address>,
    /// Option 121's routes when the server sent it; they win over option 3 (RFC 3442 §1).
    pub classless_routes: Option<Vec<ClasslessRoute>>,
    pub dns_servers: Vec<Ipv4Address>,
    /// The server identifier (renewals go to it) and the MAC address its ack came from.
    pub server: Ipv4Address,
    pub server_mac: EthernetAddress,
    pub lease_time: Duration,
    /// When the ack came, T1, T2 and the end of the lease.
    pub acquired: Instant,
    pub renew_at: Instant,
    pub rebind_at: Instant,
    pub expires_at: Instant,
}

impl Lease {
    /// The default gateway: option 121's route to 0.0.0.0/0 when option 121 came, else option 3.
    pub fn gateway(&self) -> Option<Ipv4Address> {
        match &self.classless_routes {
            Some(routes) => routes
                .iter()
                .find(|r| r.destination.prefix_len() == 0 && !r.router.is_unspecified())
                .map(|r| r.router),
            None => self.router,
        }
    }

    /// Time left until the lease ends.
    pub fn expires_after(&self, now: Instant) -> Duration {
        remaining(now, self.expires_at)
    }
}

/// A datagram for the client to send, from port 68 to port 67.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// The link-layer destination: broadcast, or the server's MAC address when renewing.
    pub link_dst: EthernetAddress,
    pub src_ip: Ipv4Address,
    pub dst_ip: Ipv4Address,
    pub payload: Vec<u8>,
}

/// Why a lease went away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LostReason {
    Expired,
    Nak,
    Released,
}

/// What the owner of the client is to do with the interface's configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A new lease (or one with a different address): apply it, replacing any previous one.
    Bound(Lease),
    /// The same address again, with a new lease time and maybe new options: apply it.
    Renewed(Lease),
    /// The lease is gone: remove its address, routes and DNS servers.
    Lost(LostReason),
}

/// What one call produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    pub transmit: Option<Transmit>,
    pub event: Option<Event>,
}

/// Requests sent after an offer before starting over.
const MAX_REQUESTS: u32 = 4;
/// The least time between requests while renewing or rebinding (RFC 2131 §4.4.5).
const MIN_RENEW_INTERVAL: Duration = Duration::from_secs(60);

/// A DHCP client for one interface.
#[derive(Debug)]
pub struct DhcpClient {
    mac: EthernetAddress,
    host_name: Option<String>,
    rng: Prng,
    state: State,
    xid: u32,
    /// The address and server of the offer being requested.
    offer: Option<(Ipv4Address, Ipv4Address)>,
    lease: Option<Lease>,
    /// When to send next (a retransmission, or the next renewal request).
    next_send: Instant,
    sent: u32,
}

impl DhcpClient {
    /// A stopped client for the interface with address `mac`; `seed` drives transaction ids and the
    /// randomized backoff.
    pub fn new(mac: EthernetAddress, seed: u64) -> Self {
        Self {
            mac,
            host_name: None,
            rng: Prng::new(
                seed ^ u64::from_be_bytes([
                    0, 0, mac.0[0], mac.0[1], mac.0[2], mac.0[3], mac.0[4], mac.0[5],
                ]),
            ),
            state: State::Stopped,
            xid: 0,
            offer: None,
            lease: None,
            next_send: Instant::ZERO,
            sent: 0,
        }
    }

    /// The host name sent in option 12 (cut to [`MAX_HOST_NAME`] bytes at a character boundary).
    pub fn set_host_name(&mut self, name: Option<&str>) {
        self.host_name = name.map(|n| {
            let mut end = n.len().min(MAX_HOST_NAME);
            while !n.is_char_boundary(end) {
                end -= 1;
            }
            String::from(&n[..end])
        });
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn lease(&self) -> Option<&Lease> {
        self.lease.as_ref()
    }

    /// Starts discovering (a stopped client; a running one is left as it is).
    pub fn start(&mut self, now: Instant) -> Output {
        if self.state != State::Stopped {
            return Output::default();
        }
        self.restart(now);
        self.poll(now)
    }

    /// `/ip dhcp-client renew`: a bound client renews at once; any other starts over.
    pub fn renew(&mut self, now: Instant) -> Output {
        match self.state {
            State::Bound | State::Renewing | State::Rebinding => {
                self.state = State::Renewing;
                self.new_xid();
                self.next_send = now;
                self.poll(now)
            }
            _ => {
                self.restart(now);
                self.poll(now)
            }
        }
    }

    /// `/ip dhcp-client release`, disable or remove: a RELEASE to the server when there is a lease
    /// (RFC 2131 §4.4.6), the lease lost, and the client stopped.
    pub fn release(&mut self, _now: Instant) -> Output {
        self.state = State::Stopped;
        self.offer = None;
        let Some(lease) = self.lease.take() else {
            return Output::default();
        };
        self.new_xid();
        let payload = self.message(
            DhcpMessageType::Release,
            lease.address.address(),
            None,
            Some(lease.server),
        );
        Output {
            transmit: Some(Transmit {
                link_dst: lease.server_mac,
                src_ip: lease.address.address(),
                dst_ip: lease.server,
                payload,
            }),
            event: Some(Event::Lost(LostReason::Released)),
        }
    }

    /// When [`DhcpClient::poll`] has something to do next.
    pub fn poll_at(&self) -> Option<Instant> {
        let lease = self.lease.as_ref();
        match self.state {
            State::Stopped => None,
            State::Selecting | State::Requesting => Some(self.next_send),
            State::Bound => lease.map(|l| l.renew_at),
            State::Renewing => lease.map(|l| self.next_send.min(l.rebind_at)),
            State::Rebinding => lease.map(|l| self.next_send.min(l.expires_at)),
        }
    }

    /// Runs the timers: retransmissions, T1, T2 and the lease's end.
    pub fn poll(&mut self, now: Instant) -> Output {
        let mut out = Output::default();
        // State changes by time come first (at most bound → renewing → rebinding → expired).
        if let Some(lease) = &self.lease {
            let (renew_at, rebind_at, expires_at) =
                (lease.renew_at, lease.rebind_at, lease.expires_at);
            if self.state == State::Bound && now >= renew_at {
                self.state = State::Renewing;
                self.new_xid();
                self.next_send = now;
            }
            if self.state == State::Renewing && now >= rebind_at {
                self.state = State::Rebinding;
                self.new_xid();
                self.next_send = now;
            }
            if self.state == State::Rebinding && now >= expires_at {
                self.lease = None;
                self.restart(now);
                out.event = Some(Event::Lost(LostReason::Expired));
            }
        }
        if now < self.next_send {
            return out;
        }
        out.transmit = match self.state {
            State::Stopped | State::Bound => None,
            State::Selecting => {
                self.next_send = self.backoff(now);
                let payload = self.message(
                    DhcpMessageType::Discover,
                    Ipv4Address::UNSPECIFIED,
                    None,
                    None,
                );
                Some(broadcast(Ipv4Address::UNSPECIFIED, payload))
            }
            State::Requesting => match self.offer {
                Some((address, server)) if self.sent < MAX_REQUESTS => {
                    self.next_send = self.backoff(now);
                    let payload = self.message(
                        DhcpMessageType::Request,
                        Ipv4Address::UNSPECIFIED,
                        Some(address),
                        Some(server),
                    );
                    Some(broadcast(Ipv4Address::UNSPECIFIED, payload))
                }
                _ => {
                    self.restart(now);
                    return self.poll(now);
                }
            },
            State::Renewing | State::Rebinding => {
                let Some(lease) = &self.lease else {
                    self.restart(now);
                    return self.poll(now);
                };
                let (address, server, server_mac) =
                    (lease.address.address(), lease.server, lease.server_mac);
                let until = match self.state {
                    State::Renewing => lease.rebind_at,
                    _ => lease.expires_at,
                };
                let half = Duration::from_micros(remaining(now, until).total_micros() / 2);
                self.next_send = deadline(now, half.max(MIN_RENEW_INTERVAL)).min(until);
                // ciaddr set, no requested address or server id (RFC 2131 §4.3.2, table 5).
                let payload = self.message(DhcpMessageType::Request, address, None, None);
                Some(match self.state {
                    State::Renewing => Transmit {
                        link_dst: server_mac,
                        src_ip: address,
                        dst_ip: server,
                        payload,
                    },
                    _ => broadcast(address, payload),
                })
            }
        };
        out
    }

    /// A datagram that came to port 68 on the client's interface from `src_mac`.
    pub fn receive(&mut self, payload: &[u8], src_mac: EthernetAddress, now: Instant) -> Output {
        let mut out = Output::default();
        let Some(message) = ServerMessage::parse(payload) else {
            return out;
        };
        if message.xid != self.xid || message.client_mac != self.mac || self.state == State::Stopped
        {
            return out;
        }
        match (self.state, message.kind) {
            (State::Selecting, DhcpMessageType::Offer) => {
                if let (Some(server), true) = (message.server_id, usable_lease(&message)) {
                    // The first acceptable offer is taken (RFC 2131 §4.4.1 lets the client choose).
                    self.offer = Some((message.your_ip, server));
                    self.state = State::Requesting;
                    self.sent = 0;
                    self.next_send = now;
                    out.transmit = self.poll(now).transmit;
                }
            }
            (State::Requesting, DhcpMessageType::Ack) => {
                let Some((address, server)) = self.offer else {
                    return out;
                };
                if message.your_ip == address
                    && message.server_id == Some(server)
                    && let Some(lease) = make_lease(&message, server, src_mac, now)
                {
                    self.bind(lease.clone());
                    out.event = Some(Event::Bound(lease));
                }
            }
            (State::Requesting, DhcpMessageType::Nak) => {
                if self.offer.map(|(_, server)| Some(server)) == Some(message.server_id) {
                    self.restart(now);
                    out.transmit = self.poll(now).transmit;
                }
            }
            (State::Renewing | State::Rebinding, DhcpMessageType::Ack) => {
                let Some(current) = self.lease.as_ref() else {
                    return out;
                };
                let same_server = message.server_id == Some(current.server);
                // Renewing talks to the lease's server; while rebinding any server may answer.
                if self.state == State::Renewing && !same_server {
                    return out;
                }
                let Some(server) = message.server_id else {
                    return out;
                };
                let same_address = message.your_ip == current.address.address();
                if let Some(lease) = make_lease(&message, server, src_mac, now) {
                    self.bind(lease.clone());
                    out.event = Some(match same_address {
                        true => Event::Renewed(lease),
                        false => Event::Bound(lease),
                    });
                }
            }
            (State::Renewing | State::Rebinding, DhcpMessageType::Nak) => {
                self.lease = None;
                self.restart(now);
                out.event = Some(Event::Lost(LostReason::Nak));
                out.transmit = self.poll(now).transmit;
            }
            _ => {}
        }
        out
    }

    fn bind(&mut self, lease: Lease) {
        self.lease = Some(lease);
        self.state = State::Bound;
        self.offer = None;
        self.sent = 0;
    }

    /// Back to SELECTING with a new transaction, the DISCOVER due at once.
    fn restart(&mut self, now: Instant) {
        self.state = State::Selecting;
        self.offer = None;
        self.sent = 0;
        self.next_send = now;
        self.new_xid();
    }

    fn new_xid(&mut self) {
        self.xid = self.rng.next_u32();
    }

    /// The next retransmission: 4 s doubling up to 64 s, ±1 s (RFC 2131 §4.1); counts the send.
    fn backoff(&mut self, now: Instant) -> Instant {
        let base_ms = 4000u64 << self.sent.min(4);
        self.sent = self.sent.saturating_add(1);
        let jitter = u64::from(self.rng.below(2001));
        deadline(now, Duration::from_millis(base_ms + jitter - 1000))
    }

    fn message(
        &self,
        kind: DhcpMessageType,
        client_ip: Ipv4Address,
        requested_ip: Option<Ipv4Address>,
        server_id: Option<Ipv4Address>,
    ) -> Vec<u8> {
        ClientMessage {
            kind,
            xid: self.xid,
            mac: self.mac,
            client_ip,
            requested_ip,
            server_id,
            host_name: self.host_name.as_deref(),
        }
        .build()
    }
}

fn broadcast(src_ip: Ipv4Address, payload: Vec<u8>) -> Transmit {
    Transmit {
        link_dst: EthernetAddress::BROADCAST,
        src_ip,
        dst_ip: Ipv4Address::BROADCAST,
        payload,
    }
}

/// An address a host may have, and a non-zero lease time.
fn usable_lease(message: &ServerMessage) -> bool {
    let address = message.your_ip;
    let [first, ..] = address.octets();
    let host = !(address.is_unspecified()
        || address.is_broadcast()
        || address.is_multicast()
        || address.is_loopback()
        || first == 0
        || first >= 240);
    host && message.lease_time.is_some_and(|t| t > 0)
}

/// The lease an ack gives, with T1 and T2 in order (RFC 2131 §4.4.5); None when it gives none.
fn make_lease(
    message: &ServerMessage,
    server: Ipv4Address,
    server_mac: EthernetAddress,
    now: Instant,
) -> Option<Lease> {
    if !usable_lease(message) {
        return None;
    }
    let lease_secs = u64::from(message.lease_time?);
    let t1_default = lease_secs / 2;
    let t2_default = lease_secs * 7 / 8;
    let t2 = message
        .rebind_time
        .map(u64::from)
        .filter(|&t2| t2 > 0 && t2 < lease_secs)
        .unwrap_or(t2_default);
    let t1 = message
        .renew_time
        .map(u64::from)
        .filter(|&t1| t1 > 0 && t1 <= t2)
        .unwrap_or(t1_default.min(t2));
    let prefix = message
        .subnet_mask
        .and_then(|mask| Ipv4Cidr::from_netmask(message.your_ip, mask).ok())
        .map(|c| c.prefix_len())
        .filter(|&len| len > 0)
        .unwrap_or(32);
    Some(Lease {
        address: Ipv4Cidr::new(message.your_ip, prefix),
        router: message.router.filter(|r| !r.is_unspecified()),
        classless_routes: message.classless_routes.clone(),
        dns_servers: message.dns_servers.clone(),
        server,
        server_mac,
        lease_time: Duration::from_secs(lease_secs),
        acquired: now,
        renew_at: deadline(now, Duration::from_secs(t1)),
        rebind_at: deadline(now, Duration::from_secs(t2)),
        expires_at: deadline(now, Duration::from_secs(lease_secs)),
    })
}

/// `now + after`, saturating.
fn deadline(now: Instant, after: Duration) -> Instant {
    Instant::from_micros(
        now.total_micros()
            .saturating_add(after.total_micros().min(i64::MAX as u64) as i64),
    )
}

/// `until - now`, zero when past.
fn remaining(now: Instant, until: Instant) -> Duration {
    Duration::from_micros(
        until
            .total_micros()
            .saturating_sub(now.total_micros())
            .max(0) as u64,
    )
}
