//! One `/ip dhcp-server`: answers its interface's clients from a pool and static leases (RFC 2131 §4.3).
//!
//! * DISCOVER → OFFER of, in this order: the client's static lease, the address it holds or was
//!   offered, the address it asks for (option 50) when that is in the pool and free, the highest free
//!   pool address. The offered address is held for [`OFFER_HOLD`]. With `address-pool=static-only`
//!   ([`ServerConfig::pool`] `None`) only static leases are offered.
//! * REQUEST (§4.3.2): *selecting* (server identifier present) binds the offered address when the
//!   identifier is ours and drops the offer when the client chose another server; *init-reboot*
//!   (requested address, no ciaddr) and *renewing*/*rebinding* (ciaddr) confirm the client's own lease,
//!   or a free pool address it already uses. What cannot be confirmed gets a NAK when the server is
//!   `authoritative`, silence otherwise (§4.3.2: a server with no record of the client stays silent).
//! * DECLINE (§4.3.3) ends the lease and keeps the address out of use for [`DECLINE_HOLD`]; RELEASE
//!   (§4.3.4) ends it; INFORM (§4.3.5) gets an ACK with the network's options and no lease.
//! * A free address is one in the pool that no other client's lease, offer or static lease holds, that
//!   was not declined lately, and that [`AddressCheck`] does not report in use (the router's own
//!   addresses, an ARP entry with another MAC address).
//!
//! Replies go (§4.1): a NAK to the broadcast address; to ciaddr when the client has one; to the
//! broadcast address when the client set the broadcast bit; else to yiaddr at the client's MAC address.
//! Relayed requests (giaddr set) are not answered: the server serves the link it is on.
//!
//! Bounds: leases that are not static are at most the pool's size and [`MAX_LEASES`]; declined
//! addresses at most [`MAX_DECLINED`]; events waiting to be logged at most [`MAX_EVENTS`] (older ones
//! are dropped). A search for a free address looks at no more than [`MAX_PROBES`] pool addresses.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;

use smoltcp::wire::{DhcpMessageType, EthernetAddress, Ipv4Address, Ipv4Cidr};

use super::lease::{Lease, LeaseStatus, LeaseTable};
use super::message::{self, ReplyOptions, Request};
use super::pool::Pool;
use crate::{Duration, Instant};

/// How long an offered address is kept for the client that was offered it.
pub const OFFER_HOLD: Duration = Duration::from_secs(30);
/// A lease that never expires: option 51's 0xffffffff (RFC 2131 §3.3, infinity), about 136 years.
pub const INFINITE_LEASE: Duration = Duration::from_secs(u32::MAX as u64);
/// How long a declined address (RFC 2131 §4.3.3: in use by someone else) is not offered.
pub const DECLINE_HOLD: Duration = Duration::from_secs(10 * 60);
/// Most leases (other than static ones) one server keeps.
pub const MAX_LEASES: usize = 4096;
/// Most declined addresses remembered; past it the one held the shortest is forgotten.
pub const MAX_DECLINED: usize = 256;
/// Most lease events kept until [`Server::take_events`].
pub const MAX_EVENTS: usize = 64;
/// Most pool addresses one search for a free address looks at.
pub const MAX_PROBES: usize = 2 * MAX_LEASES + MAX_DECLINED + 1024;

/// Whether something other than this server's leases uses an address: the router itself, or a host
/// the router's ARP table knows with another MAC address.
pub trait AddressCheck {
    fn in_use(&self, address: Ipv4Address, mac: EthernetAddress) -> bool;
}

impl<F: Fn(Ipv4Address, EthernetAddress) -> bool> AddressCheck for F {
    fn in_use(&self, address: Ipv4Address, mac: EthernetAddress) -> bool {
        self(address, mac)
    }
}

/// A configured lease: `address` always goes to `mac`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticLease {
    pub mac: EthernetAddress,
    pub address: Ipv4Address,
    pub lease_time: Option<Duration>,
}

/// What one server is configured to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    pub name: String,
    /// The router's address on the served interface: the replies' source and server identifier.
    pub server_address: Ipv4Address,
    /// The network of that address: requests for addresses outside it are on the wrong network.
    pub network: Ipv4Cidr,
    /// `None`: `address-pool=static-only`.
    pub pool: Option<Pool>,
    pub lease_time: Duration,
    pub authoritative: bool,
    /// The options of the matching `/ip dhcp-server network` (the lease time is set per reply).
    pub options: ReplyOptions,
    pub static_leases: Vec<StaticLease>,
}

/// A datagram to send to a client (from port 67 to port 68).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub src_ip: Ipv4Address,
    pub dst_ip: Ipv4Address,
    /// The client's MAC address, or the broadcast address.
    pub link_dst: EthernetAddress,
    pub payload: Vec<u8>,
}

/// A change for the log (`dhcp,info`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Assigned {
        address: Ipv4Address,
        mac: EthernetAddress,
        host_name: Option<String>,
    },
    Deassigned {
        address: Ipv4Address,
        mac: EthernetAddress,
        host_name: Option<String>,
    },
}

/// What the server counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerStats {
    pub malformed: u64,
    pub ignored: u64,
    pub offers: u64,
    pub acks: u64,
    pub naks: u64,
    /// DISCOVERs that found no free address.
    pub exhausted: u64,
}

/// A lease kept across restarts: a bound dynamic lease with the time it has left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptLease {
    pub mac: EthernetAddress,
    pub address: Ipv4Address,
    pub host_name: Option<String>,
    pub remaining: Duration,
}

pub struct Server {
    config: ServerConfig,
    leases: LeaseTable,
    declined: BTreeMap<u32, Instant>,
    events: VecDeque<Event>,
    stats: ServerStats,
    /// A lease was made or ended since the last [`Server::take_changes`].
    bindings_changed: bool,
    /// A lease was renewed since then.
    renewed: bool,
}

impl Server {
    pub fn new(config: ServerConfig) -> Self {
        let mut server = Self {
            config,
            leases: LeaseTable::default(),
            declined: BTreeMap::new(),
            events: VecDeque::new(),
            stats: ServerStats::default(),
            bindings_changed: false,
            renewed: false,
        };
        server.load_static_leases();
        server
    }

    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    pub fn stats(&self) -> &ServerStats {
        &self.stats
    }

    /// Takes a changed configuration: static leases follow it (keeping the state of those unchanged; a
    /// dynamic lease a new static lease names by MAC and address — `make-static` — becomes it, bound
    /// as it was), and dynamic leases stay while their address is still in the pool.
    pub fn reconfigure(&mut self, config: ServerConfig) {
        self.config = config;
        let pool = self.config.pool.clone();
        let statics = self.config.static_leases.clone();
        for s in &statics {
            if let Some(lease) = self.leases.get_mut(s.mac)
                && !lease.is_static
                && lease.address == s.address
            {
                lease.is_static = true;
                lease.lease_time = s.lease_time;
            }
        }
        self.leases.retain(|l| {
            if l.is_static {
                statics
                    .iter()
                    .any(|s| s.mac == l.mac && s.address == l.address)
            } else {
                pool.as_ref().is_some_and(|p| p.contains(l.address))
                    && !statics
                        .iter()
                        .any(|s| s.mac == l.mac || s.address == l.address)
            }
        });
        self.load_static_leases();
        self.bindings_changed = true;
    }

    /// Static leases of the configuration not in the table yet, `Waiting`.
    fn load_static_leases(&mut self) {
        for s in self.config.static_leases.clone() {
            if self.leases.get(s.mac).is_some_and(|l| l.is_static) {
                // Two static leases for one MAC address: the first wins.
                continue;
            }
            if self.leases.holder(s.address).is_some_and(|l| l.is_static) {
                continue;
            }
            self.leases.insert(Lease {
                mac: s.mac,
                address: s.address,
                host_name: None,
                status: LeaseStatus::Waiting,
                expires: Instant::ZERO,
                last_seen: None,
                is_static: true,
                lease_time: s.lease_time,
            });
        }
    }

    /// The leases, in address order, as they stand at `now` (lapsed offers and expired bindings are
    /// gone once [`Server::poll`] ran).
    pub fn leases(&self) -> impl Iterator<Item = &Lease> + '_ {
        self.leases.iter()
    }

    /// Lease events since the last call, oldest first.
    pub fn take_events(&mut self) -> Vec<Event> {
        self.events.drain(..).collect()
    }

    /// (a lease was made or ended, a lease was renewed) since the last call.
    pub fn take_changes(&mut self) -> (bool, bool) {
        let changes = (self.bindings_changed, self.renewed);
        self.bindings_changed = false;
        self.renewed = false;
        changes
    }

    fn event(&mut self, event: Event) {
        if self.events.len() >= MAX_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }

    /// Ends lapsed offers, expired bindings and declines held long enough.
    pub fn poll(&mut self, now: Instant) {
        let ended: Vec<EthernetAddress> = self
            .leases
            .iter()
            .filter(|l| l.status != LeaseStatus::Waiting && l.expires <= now)
            .map(|l| l.mac)
            .collect();
        for mac in ended {
            self.end_lease(mac);
        }
        self.declined.retain(|_, until| *until > now);
    }

    /// The lease of `mac` ends: a dynamic one goes, a static one waits.
    fn end_lease(&mut self, mac: EthernetAddress) {
        let Some(lease) = self.leases.get_mut(mac) else {
            return;
        };
        let was_bound = lease.status == LeaseStatus::Bound;
        let (address, host_name) = (lease.address, lease.host_name.clone());
        if lease.is_static {
            lease.status = LeaseStatus::Waiting;
        } else {
            self.leases.remove(mac);
        }
        if was_bound {
            self.bindings_changed = true;
            self.event(Event::Deassigned {
                address,
                mac,
                host_name,
            });
        }
    }

    /// `/ip dhcp-server lease remove` of a dynamic lease; whether there was one.
    pub fn remove_dynamic(&mut self, mac: EthernetAddress) -> bool {
        if !self.leases.get(mac).is_some_and(|l| !l.is_static) {
            return false;
        }
        self.end_lease(mac);
        self.leases.remove(mac);
        self.bindings_changed = true;
        true
    }

    /// Bound dynamic leases and their time left, to keep across a restart.
    pub fn kept_leases(&self, now: Instant) -> Vec<KeptLease> {
        self.leases
            .iter()
            .filter(|l| !l.is_static && l.status == LeaseStatus::Bound && l.expires > now)
            .map(|l| KeptLease {
                mac: l.mac,
                address: l.address,
                host_name: l.host_name.clone(),
                remaining: l.expires - now,
            })
            .collect()
    }

    /// Takes back leases kept across a restart: those whose address is in the pool and not taken by
    /// a static lease or another client, within the bounds.
    pub fn restore(&mut self, kept: &[KeptLease], now: Instant) {
        for k in kept {
            let in_pool = self
                .config
                .pool
                .as_ref()
                .is_some_and(|p| p.contains(k.address));
            if !in_pool
                || k.remaining == Duration::ZERO
                || self.leases.get(k.mac).is_some()
                || self.leases.holder(k.address).is_some()
                || !self.room_for_one_more()
            {
                continue;
            }
            self.leases.insert(Lease {
                mac: k.mac,
                address: k.address,
                host_name: k.host_name.clone(),
                status: LeaseStatus::Bound,
                expires: now + k.remaining,
                last_seen: None,
                is_static: false,
                lease_time: None,
            });
        }
    }

    fn room_for_one_more(&self) -> bool {
        let size = self.config.pool.as_ref().map_or(0, Pool::size);
        let dynamic = self.leases.dynamic_len() as u64;
        dynamic < size && dynamic < MAX_LEASES as u64
    }

    /// Answers one datagram a client sent to port 67, if it gets an answer.
    pub fn handle(
        &mut self,
        payload: &[u8],
        now: Instant,
        check: &dyn AddressCheck,
    ) -> Option<Reply> {
        let request = match message::parse(payload) {
            Ok(request) => request,
            Err(_) => {
                self.stats.malformed += 1;
                return None;
            }
        };
        if request.giaddr != Ipv4Address::UNSPECIFIED || request.chaddr.is_multicast() {
            self.stats.ignored += 1;
            return None;
        }
        self.poll(now);
        let reply = match request.kind {
            DhcpMessageType::Discover => self.discover(&request, now, check),
            DhcpMessageType::Request => self.request(&request, now, check),
            DhcpMessageType::Decline => self.decline(&request, now),
            DhcpMessageType::Release => self.release(&request),
            DhcpMessageType::Inform => self.inform(&request),
            _ => None,
        };
        if reply.is_none() {
            self.stats.ignored += 1;
        }
        reply
    }

    fn static_for(&self, mac: EthernetAddress) -> Option<&StaticLease> {
        self.config.static_leases.iter().find(|s| s.mac == mac)
    }

    /// Whether `address` may be given to `mac` from the pool (see the module docs).
    fn free_for(
        &self,
        address: Ipv4Address,
        mac: EthernetAddress,
        now: Instant,
        check: &dyn AddressCheck,
    ) -> bool {
        let Some(pool) = &self.config.pool else {
            return false;
        };
        let network = self.config.network;
        pool.contains(address)
            && network.contains_addr(&address)
            && address != network.network().address()
            && Some(address) != network.broadcast()
            && address != self.config.server_address
            && self.leases.holder(address).is_none_or(|l| l.mac == mac)
            && !self
                .config
                .static_leases
                .iter()
                .any(|s| s.address == address && s.mac != mac)
            && self
                .declined
                .get(&address.to_bits())
                .is_none_or(|until| *until <= now)
            && !check.in_use(address, mac)
    }

    /// The address to offer `request`'s client (module docs, DISCOVER).
    fn choose(
        &mut self,
        request: &Request,
        now: Instant,
        check: &dyn AddressCheck,
    ) -> Option<Ipv4Address> {
        let mac = request.chaddr;
        if let Some(s) = self.static_for(mac) {
            return Some(s.address);
        }
        if let Some(lease) = self.leases.get(mac)
            && self.free_for(lease.address, mac, now, check)
        {
            return Some(lease.address);
        }
        if let Some(wanted) = request.requested_ip
            && self.free_for(wanted, mac, now, check)
        {
            return Some(wanted);
        }
        let pool = self.config.pool.clone()?;
        pool.candidates()
            .take(MAX_PROBES)
            .find(|&a| self.free_for(a, mac, now, check))
    }

    /// The lease time of `mac`'s leases: its static lease's own, else the server's; 0 (RouterOS's
    /// `lease-time=0s`, a lease that never expires) is [`INFINITE_LEASE`].
    fn lease_time_for(&self, mac: EthernetAddress) -> Duration {
        let time = self
            .static_for(mac)
            .and_then(|s| s.lease_time)
            .unwrap_or(self.config.lease_time);
        if time == Duration::ZERO {
            INFINITE_LEASE
        } else {
            time
        }
    }

    fn options(&self, lease_time: Option<Duration>) -> ReplyOptions {
        let mut options = self.config.options.clone();
        if options.subnet_mask.is_none() {
            options.subnet_mask = Some(self.config.network.netmask());
        }
        options.lease_seconds =
            lease_time.map(|t| u32::try_from(t.secs()).unwrap_or(u32::MAX).max(1));
        options
    }

    fn discover(
        &mut self,
        request: &Request,
        now: Instant,
        check: &dyn AddressCheck,
    ) -> Option<Reply> {
        let mac = request.chaddr;
        let Some(address) = self.choose(request, now, check) else {
            self.stats.exhausted += 1;
            return None;
        };
        let is_static = self.static_for(mac).is_some();
        let existing = self
            .leases
            .get(mac)
            .filter(|l| l.address == address)
            .cloned();
        if existing.is_none() && !is_static && !self.room_for_one_more() {
            self.stats.exhausted += 1;
            return None;
        }
        let host_name = request
            .host_name
            .clone()
            .or_else(|| existing.as_ref().and_then(|l| l.host_name.clone()));
        match existing {
            // A bound client that asks again keeps its binding until it requests (RFC 2131 §4.3.1).
            Some(mut lease) => {
                if lease.status != LeaseStatus::Bound {
                    lease.status = LeaseStatus::Offered;
                    lease.expires = now + OFFER_HOLD;
                }
                lease.host_name = host_name;
                lease.last_seen = Some(now);
                self.leases.insert(lease);
            }
            None => {
                if self
                    .leases
                    .get(mac)
                    .is_some_and(|l| l.status == LeaseStatus::Bound)
                {
                    self.end_lease(mac);
                }
                self.leases.insert(Lease {
                    mac,
                    address,
                    host_name,
                    status: LeaseStatus::Offered,
                    expires: now + OFFER_HOLD,
                    last_seen: Some(now),
                    is_static,
                    lease_time: self.static_for(mac).and_then(|s| s.lease_time),
                });
            }
        }
        self.stats.offers += 1;
        let options = self.options(Some(self.lease_time_for(mac)));
        Some(self.reply(request, DhcpMessageType::Offer, address, &options))
    }

    fn request(
        &mut self,
        request: &Request,
        now: Instant,
        check: &dyn AddressCheck,
    ) -> Option<Reply> {
        let mac = request.chaddr;
        let ours = self.config.server_address;
        if let Some(server_id) = request.server_id {
            // SELECTING.
            if server_id != ours {
                // The client took another server's offer: ours is free again.
                if self
                    .leases
                    .get(mac)
                    .is_some_and(|l| l.status == LeaseStatus::Offered)
                {
                    self.end_lease(mac);
                }
                return None;
            }
            let wanted = request.requested_ip?;
            let offered = self
                .leases
                .get(mac)
                .is_some_and(|l| l.address == wanted && l.status != LeaseStatus::Waiting);
            if offered {
                return Some(self.bind(request, wanted, now));
            }
            return Some(self.nak(request));
        }
        // INIT-REBOOT names the address in option 50; RENEWING and REBINDING in ciaddr.
        let address = match (request.requested_ip, request.ciaddr) {
            (Some(wanted), Ipv4Address::UNSPECIFIED) => wanted,
            (_, ciaddr) if ciaddr != Ipv4Address::UNSPECIFIED => ciaddr,
            _ => return None,
        };
        let known = self.leases.get(mac).is_some_and(|l| l.address == address)
            || self.static_for(mac).is_some_and(|s| s.address == address);
        let static_elsewhere = self.static_for(mac).is_some_and(|s| s.address != address);
        if known || (!static_elsewhere && self.free_for(address, mac, now, check)) {
            if !known && !self.room_for_one_more() {
                return self.refuse(request);
            }
            return Some(self.bind(request, address, now));
        }
        // Another client's address, one outside the pool or on the wrong network (RFC 2131 §4.3.2).
        self.refuse(request)
    }

    /// What an authoritative server says to a request it cannot confirm: NAK; others stay silent.
    fn refuse(&mut self, request: &Request) -> Option<Reply> {
        self.config.authoritative.then(|| self.nak(request))
    }

    fn bind(&mut self, request: &Request, address: Ipv4Address, now: Instant) -> Reply {
        let mac = request.chaddr;
        let lease_time = self.lease_time_for(mac);
        let previous = self.leases.get(mac).cloned();
        let was_bound = previous
            .as_ref()
            .is_some_and(|l| l.status == LeaseStatus::Bound && l.address == address);
        if previous.as_ref().is_some_and(|l| l.address != address) {
            self.end_lease(mac);
        }
        let host_name = request
            .host_name
            .clone()
            .or_else(|| previous.as_ref().and_then(|l| l.host_name.clone()));
        self.leases.insert(Lease {
            mac,
            address,
            host_name: host_name.clone(),
            status: LeaseStatus::Bound,
            expires: now + lease_time,
            last_seen: Some(now),
            is_static: self.static_for(mac).is_some_and(|s| s.address == address),
            lease_time: self.static_for(mac).and_then(|s| s.lease_time),
        });
        self.declined.remove(&address.to_bits());
        if was_bound {
            self.renewed = true;
        } else {
            self.bindings_changed = true;
            self.event(Event::Assigned {
                address,
                mac,
                host_name,
            });
        }
        self.stats.acks += 1;
        let options = self.options(Some(lease_time));
        self.reply(request, DhcpMessageType::Ack, address, &options)
    }

    fn nak(&mut self, request: &Request) -> Reply {
        self.stats.naks += 1;
        self.reply(
            request,
            DhcpMessageType::Nak,
            Ipv4Address::UNSPECIFIED,
            &ReplyOptions::default(),
        )
    }

    fn decline(&mut self, request: &Request, now: Instant) -> Option<Reply> {
        if request
            .server_id
            .is_some_and(|s| s != self.config.server_address)
        {
            return None;
        }
        let address = request.requested_ip?;
        let mac = request.chaddr;
        if !self.leases.get(mac).is_some_and(|l| l.address == address) {
            return None;
        }
        self.end_lease(mac);
        if self.declined.len() >= MAX_DECLINED
            && let Some((&soonest, _)) = self.declined.iter().min_by_key(|(_, until)| **until)
        {
            self.declined.remove(&soonest);
        }
        self.declined.insert(address.to_bits(), now + DECLINE_HOLD);
        None
    }

    fn release(&mut self, request: &Request) -> Option<Reply> {
        let mac = request.chaddr;
        if self
            .leases
            .get(mac)
            .is_some_and(|l| l.address == request.ciaddr && l.status == LeaseStatus::Bound)
        {
            self.end_lease(mac);
        }
        None
    }

    fn inform(&mut self, request: &Request) -> Option<Reply> {
        if !self.config.network.contains_addr(&request.ciaddr) {
            return None;
        }
        self.stats.acks += 1;
        let options = self.options(None);
        Some(self.reply(
            request,
            DhcpMessageType::Ack,
            Ipv4Address::UNSPECIFIED,
            &options,
        ))
    }

    /// The reply datagram, addressed as RFC 2131 §4.1 says (module docs).
    fn reply(
        &self,
        request: &Request,
        kind: DhcpMessageType,
        yiaddr: Ipv4Address,
        options: &ReplyOptions,
    ) -> Reply {
        let broadcast = (Ipv4Address::BROADCAST, EthernetAddress::BROADCAST);
        let (dst_ip, link_dst) = if kind == DhcpMessageType::Nak {
            broadcast
        } else if request.ciaddr != Ipv4Address::UNSPECIFIED {
            (request.ciaddr, request.chaddr)
        } else if request.broadcast {
            broadcast
        } else {
            (yiaddr, request.chaddr)
        };
        Reply {
            src_ip: self.config.server_address,
            dst_ip,
            link_dst,
            payload: message::build(request, kind, yiaddr, self.config.server_address, options),
        }
    }
}
