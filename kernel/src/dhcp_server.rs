//! `/ip dhcp-server` on the appliance: the servers of `netstack::dhcp_server` built from the
//! configuration (`config::apply::dhcp_server`), fed from the engine's link datagram path every
//! datapath round, their lease events logged (`dhcp,info`, RouterOS's `NAME assigned ADDRESS for MAC
//! HOST` / `deassigned`), and their dynamic leases kept across reboots.
//!
//! Saving: dynamic leases are saved with the configuration ([`config::boot::Saved::dhcp_leases`],
//! expiry on the router's clock since the monotonic clock restarts at boot), not on every change:
//! [`SAVE_BINDINGS_MS`] after a lease was made or ended, [`SAVE_RENEWALS_MS`] after a renewal alone.
//! A power cut therefore loses at most the last 5 s of new leases (their clients keep their addresses
//! and are confirmed when they renew, as the addresses are free in the pool) and up to 5 minutes of
//! renewals (a lease then comes back with an earlier expiry; its client renews before it anyway).
//! Leases of a server that is not running at boot are forgotten at the next save.

use alloc::format;
use alloc::vec::Vec;

use config::boot::{MAX_SAVED_LEASES, SavedLease};
use config::model::Config;
use netstack::dhcp_server::{DhcpServers, Event, KeptLease};
use netstack::firewall::Firewall;
use netstack::{Duration, Engine, Instant};
use smoltcp::wire::{EthernetAddress, Ipv4Address};

use crate::{clock, logger};

/// Delay before saving after a lease was made or ended.
pub const SAVE_BINDINGS_MS: u64 = 5_000;
/// Delay before saving after renewals only.
pub const SAVE_RENEWALS_MS: u64 = 5 * 60_000;

/// The running servers and what is waiting to be saved.
pub struct DhcpServer {
    servers: DhcpServers,
    /// When the first unsaved lease was made or ended (ms on the engine's clock).
    bindings_changed_at: Option<i64>,
    /// When the first unsaved renewal happened.
    renewed_at: Option<i64>,
}

impl DhcpServer {
    /// No servers until [`DhcpServer::configure`].
    pub fn new() -> Self {
        Self {
            servers: DhcpServers::new(),
            bindings_changed_at: None,
            renewed_at: None,
        }
    }

    pub fn servers(&self) -> &DhcpServers {
        &self.servers
    }

    pub fn servers_mut(&mut self) -> &mut DhcpServers {
        &mut self.servers
    }

    /// Makes the servers match `config` on `engine`'s interfaces and addresses.
    pub fn configure(&mut self, config: &Config, engine: &Engine<Firewall>) {
        self.servers
            .configure(config::apply::dhcp_server::servers(config, engine));
    }

    /// Gives the running servers back the leases saved before the reboot (by server name, those not
    /// expired on the router's clock).
    pub fn restore(&mut self, saved: &[SavedLease], now: Instant) {
        let wall = clock::wall_seconds();
        for server in self.servers.servers_mut() {
            let kept: Vec<KeptLease> = saved
                .iter()
                .take(MAX_SAVED_LEASES)
                .filter(|l| l.server == server.config().name && l.expires > wall)
                .map(|l| KeptLease {
                    mac: EthernetAddress(l.mac),
                    address: Ipv4Address::from(l.address),
                    host_name: l.host_name.clone(),
                    remaining: Duration::from_secs(l.expires - wall),
                })
                .collect();
            server.restore(&kept, now);
            // Taking them back is no change to save.
            server.take_changes();
        }
    }

    /// One round: answers waiting requests, logs lease events, notes what needs saving. Returns
    /// whether a request was handled.
    pub fn run(&mut self, engine: &mut Engine<Firewall>, now: Instant) -> bool {
        let handled = self.servers.run(engine, now);
        for server in self.servers.servers_mut() {
            for event in server.take_events() {
                let name = &server.config().name;
                let (verb, address, mac, host) = match &event {
                    Event::Assigned {
                        address,
                        mac,
                        host_name,
                    } => ("assigned", address, mac, host_name),
                    Event::Deassigned {
                        address,
                        mac,
                        host_name,
                    } => ("deassigned", address, mac, host_name),
                };
                let mac = config::value::format_mac(*mac);
                let host = host.as_deref().map(|h| format!(" {h}")).unwrap_or_default();
                logger::remember(
                    "dhcp,info",
                    &format_args!("{name} {verb} {address} for {mac}{host}"),
                );
            }
            let (bindings, renewed) = server.take_changes();
            if bindings {
                self.bindings_changed_at.get_or_insert(now.total_millis());
            }
            if renewed {
                self.renewed_at.get_or_insert(now.total_millis());
            }
        }
        handled
    }

    /// The dynamic leases to save, when saving is due (module docs); `None` otherwise.
    pub fn due_save(&mut self, now: Instant) -> Option<Vec<SavedLease>> {
        let at = now.total_millis();
        let due = |since: Option<i64>, delay: u64| {
            since.is_some_and(|t| at.saturating_sub(t) >= delay as i64)
        };
        if !due(self.bindings_changed_at, SAVE_BINDINGS_MS)
            && !due(self.renewed_at, SAVE_RENEWALS_MS)
        {
            return None;
        }
        self.bindings_changed_at = None;
        self.renewed_at = None;
        let wall = clock::wall_seconds();
        let mut leases = Vec::new();
        for server in self.servers.servers() {
            for kept in server.kept_leases(now) {
                leases.push(SavedLease {
                    server: server.config().name.clone(),
                    mac: kept.mac.0,
                    address: kept.address.octets(),
                    host_name: kept.host_name,
                    expires: wall.saturating_add(kept.remaining.secs()),
                });
            }
        }
        leases.truncate(MAX_SAVED_LEASES);
        Some(leases)
    }
}

/// At boot: the leases saved before the reboot go back to their servers.
pub fn restore(
    datapath: &mut crate::datapath::Datapath,
    configuration: &crate::configuration::Configuration,
) {
    let now = datapath.now();
    datapath
        .dhcp_server_mut()
        .restore(&configuration.saved.dhcp_leases, now);
}

/// Saves the leases with the configuration when due (called from the main loop).
pub fn persist(
    datapath: &mut crate::datapath::Datapath,
    configuration: &mut crate::configuration::Configuration,
) {
    let now = datapath.now();
    let Some(leases) = datapath.dhcp_server_mut().due_save(now) else {
        return;
    };
    if configuration.saved.dhcp_leases == leases {
        return;
    }
    configuration.saved.dhcp_leases = leases;
    if let Err(message) = configuration.save() {
        log::warn!("dhcp-server: leases not saved: {message}");
    }
}
