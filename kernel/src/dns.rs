//! The router's DNS cache and forwarder (`/ip dns`) in the running system: netstack's
//! [`DnsService`] on the engine's local stack, configured from `/ip dns` and `/ip dns static` on
//! every apply (without restarting: the cache keeps what fits), polled every datapath round with the
//! engine's `now` ([`crate::datapath::Datapath::run`]). Upstream failures go to `/log` under
//! `dns,warning`, at most one line every few seconds (netstack's resolver decides).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use config::apply::dns as apply;
use config::model::{Config, Item};
use netstack::dns::{DnsService, ResolveError};
use netstack::firewall::Firewall;
use netstack::{Engine, Instant};
use smoltcp::wire::Ipv4Address;

use crate::logger;

pub struct Dns {
    service: DnsService,
}

impl Dns {
    /// `seed` gives the upstream queries' IDs and source ports.
    pub fn new(config: &Config, seed: u64) -> Self {
        Self {
            service: DnsService::new(apply::dns_settings(config), seed),
        }
    }

    /// Takes the settings of `config` at once.
    pub fn configure(&mut self, config: &Config) {
        self.service.configure(apply::dns_settings(config));
    }

    /// Serves clients and upstream replies, runs the timers, logs failures.
    pub fn poll(&mut self, engine: &mut Engine<Firewall>, now: Instant) {
        self.service.poll(engine, now);
        while let Some(line) = self.service.resolver_mut().take_log() {
            logger::remember("dns,warning", &line);
        }
    }

    /// DNS servers learnt by the DHCP client (`use-peer-dns=yes`): `dynamic-servers`.
    pub fn set_dynamic_servers(&mut self, servers: &[Ipv4Address]) {
        self.service.resolver_mut().set_dynamic_servers(servers);
    }

    /// The read-only values of `/ip dns print`.
    pub fn status(&self) -> Vec<(&'static str, String)> {
        let resolver = self.service.resolver();
        let dynamic: Vec<String> = resolver
            .dynamic_servers()
            .iter()
            .map(|s| format!("{s}"))
            .collect();
        let used_kib = resolver.cache().used_bytes().div_ceil(1024);
        alloc::vec![
            ("dynamic-servers", dynamic.join(",")),
            ("cache-used", format!("{used_kib}")),
        ]
    }

    /// `/ip dns cache print`.
    pub fn cache_items(&self, now: Instant) -> Vec<Item> {
        apply::cache_items(&self.service.resolver().cache_lines(now), 1)
    }

    /// `/ip dns cache flush`.
    pub fn flush(&mut self) {
        self.service.resolver_mut().flush_cache();
    }

    /// Starts `:resolve NAME`.
    pub fn start_resolve(&mut self, now: Instant, name: &str) -> Result<u32, ResolveError> {
        self.service.start_resolve(now, name)
    }

    /// The result of the `:resolve` with this token, once there is one.
    pub fn take_resolved(&mut self, token: u32) -> Option<Result<Ipv4Address, ResolveError>> {
        self.service.take_resolved(token)
    }

    /// How long a `:resolve` may take: the resolver's total timeout.
    pub fn total_timeout_ms(&self) -> u64 {
        self.service
            .resolver()
            .settings()
            .total_timeout
            .total_millis()
    }
}
