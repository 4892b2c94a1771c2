//! The router's DHCP clients (`/ip dhcp-client`) in the running system: one
//! [`netstack::dhcp_client::DhcpClient`] per enabled item, fed from the engine's link datagram path
//! (port 68) and polled from the main loop through [`crate::datapath::Datapath::run`].
//!
//! A client's lease goes into the engine through `config::apply::dhcp_client` (a dynamic address, its
//! routes) and out again when it ends, is released or the item goes; its DNS servers are collected for
//! the DNS service ([`DhcpClients::take_peer_dns`]). Configuration changes take effect at once
//! ([`DhcpClients::configure`]): a new item starts discovering, a removed or disabled one releases
//! its lease, one moved to another interface starts over there, and other changes (routes, distance)
//! are applied to the lease it holds. Events are logged under `dhcp,info` as RouterOS words them
//! (`dhcp-client on ether1 got IP address 198.51.100.50`).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use config::apply::dhcp_client::{self as apply, ClientSettings, Installed};
use config::model::{Config, menus};
use netstack::dhcp_client::{DhcpClient, Event, Lease, LostReason, Output};
use netstack::engine::{DHCP_CLIENT_PORT, DHCP_SERVER_PORT, LinkDatagram};
use netstack::firewall::Firewall;
use netstack::{Engine, Instant};
use smoltcp::wire::Ipv4Address;

use crate::logger;

/// One running client.
struct Running {
    settings: ClientSettings,
    client: DhcpClient,
    installed: Installed,
}

/// The running DHCP clients, by the `*ID` of their `/ip dhcp-client` item.
pub struct DhcpClients {
    clients: BTreeMap<u32, Running>,
    seed: u64,
    host_name: Option<String>,
    /// The peer DNS servers changed since [`DhcpClients::take_peer_dns`] last ran.
    dns_changed: bool,
}

impl DhcpClients {
    pub fn new(seed: u64) -> Self {
        Self {
            clients: BTreeMap::new(),
            seed,
            host_name: None,
            dns_changed: false,
        }
    }

    /// Makes the running clients match `config` (see the module docs).
    pub fn configure(&mut self, config: &Config, engine: &mut Engine<Firewall>, now: Instant) {
        let Some(menu) = menus::menu("ip/dhcp-client") else {
            return;
        };
        // RouterOS sends the system identity as the host name (option 12).
        self.host_name = menus::menu("system/identity")
            .and_then(|identity| config.singleton_value(identity, "name"))
            .or(Some("MikroTik"))
            .map(String::from);
        let wanted: BTreeMap<u32, ClientSettings> = config
            .items(menu)
            .iter()
            .filter_map(|item| {
                apply::settings(config, menu, item, engine.interfaces()).map(|s| (item.id, s))
            })
            .collect();
        let gone: Vec<u32> = self
            .clients
            .iter()
            .filter(|(id, running)| {
                wanted
                    .get(id)
                    .is_none_or(|s| s.interface != running.settings.interface)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in gone {
            if let Some(mut running) = self.clients.remove(&id) {
                let output = running.client.release(now);
                self.handle(engine, &mut running, output, now);
            }
        }
        for (id, settings) in wanted {
            match self.clients.get_mut(&id) {
                Some(running) if running.settings == settings => {
                    running.client.set_host_name(self.host_name.as_deref());
                }
                Some(running) => {
                    // Same interface, other routes or distance: the lease stays, its routes change.
                    running.settings = settings;
                    if let Some(lease) = running.client.lease().cloned() {
                        Self::replace_routes(engine, running, &lease);
                    }
                    self.dns_changed = true;
                }
                None => {
                    let mac = engine
                        .interfaces()
                        .get(settings.interface)
                        .map(|i| i.mac)
                        .unwrap_or_default();
                    self.seed = self.seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
                    let mut client = DhcpClient::new(mac, self.seed);
                    client.set_host_name(self.host_name.as_deref());
                    let mut running = Running {
                        settings,
                        client,
                        installed: Installed::default(),
                    };
                    let output = running.client.start(now);
                    self.handle(engine, &mut running, output, now);
                    self.clients.insert(id, running);
                }
            }
        }
    }

    /// A datagram from the link datagram path; those to the client port go to the interface's client.
    pub fn receive(
        &mut self,
        engine: &mut Engine<Firewall>,
        datagram: &LinkDatagram,
        now: Instant,
    ) {
        if datagram.dst_port != DHCP_CLIENT_PORT || datagram.src_port != DHCP_SERVER_PORT {
            return;
        }
        let Some(id) = self
            .clients
            .iter()
            .find(|(_, r)| r.settings.interface == datagram.interface)
            .map(|(id, _)| *id)
        else {
            return;
        };
        if let Some(mut running) = self.clients.remove(&id) {
            let output = running
                .client
                .receive(&datagram.payload, datagram.src_mac, now);
            self.handle(engine, &mut running, output, now);
            self.clients.insert(id, running);
        }
    }

    /// Runs the clients' timers that are due.
    pub fn poll(&mut self, engine: &mut Engine<Firewall>, now: Instant) {
        let due: Vec<u32> = self
            .clients
            .iter()
            .filter(|(_, r)| r.client.poll_at().is_some_and(|at| at <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            if let Some(mut running) = self.clients.remove(&id) {
                let output = running.client.poll(now);
                self.handle(engine, &mut running, output, now);
                self.clients.insert(id, running);
            }
        }
    }

    /// `/ip dhcp-client renew|release` of the clients `ids`.
    pub fn command(
        &mut self,
        engine: &mut Engine<Firewall>,
        ids: &[u32],
        command: &str,
        now: Instant,
    ) -> Result<(), String> {
        for id in ids {
            let Some(mut running) = self.clients.remove(id) else {
                continue;
            };
            let output = match command {
                "release" => {
                    // RouterOS: release the lease and start over.
                    let released = running.client.release(now);
                    self.handle(engine, &mut running, released, now);
                    running.client.start(now)
                }
                _ => running.client.renew(now),
            };
            self.handle(engine, &mut running, output, now);
            self.clients.insert(*id, running);
        }
        Ok(())
    }

    /// What `print` shows of the client of item `id`.
    pub fn status(&self, id: u32, now: Instant) -> Vec<(&'static str, String)> {
        let running = self.clients.get(&id);
        apply::status(
            running.map(|r| r.client.state()),
            running.and_then(|r| r.client.lease()),
            now,
        )
    }

    /// The DNS servers of the leases of clients with `use-peer-dns=yes`, when they changed since the
    /// last call (the DNS service's dynamic servers).
    pub fn take_peer_dns(&mut self) -> Option<Vec<Ipv4Address>> {
        if !core::mem::take(&mut self.dns_changed) {
            return None;
        }
        let mut servers: Vec<Ipv4Address> = Vec::new();
        for running in self.clients.values() {
            if !running.settings.use_peer_dns {
                continue;
            }
            for server in running.client.lease().map_or(&[][..], |l| &l.dns_servers) {
                if !servers.contains(server) {
                    servers.push(*server);
                }
            }
        }
        Some(servers)
    }

    /// Sends what a client produced and applies its event.
    fn handle(
        &mut self,
        engine: &mut Engine<Firewall>,
        running: &mut Running,
        output: Output,
        now: Instant,
    ) {
        let interface = running.settings.interface;
        let name = engine
            .interfaces()
            .get(interface)
            .map_or_else(String::new, |i| i.name.clone());
        if let Some(event) = output.event {
            match event {
                Event::Bound(lease) => {
                    apply::uninstall(engine, &running.installed);
                    running.installed = apply::install(engine, &running.settings, &lease);
                    for refused in &running.installed.refused {
                        log(&format!("dhcp-client on {name}: {refused}"));
                    }
                    log(&format!(
                        "dhcp-client on {name} got IP address {}",
                        lease.address.address()
                    ));
                    self.dns_changed = true;
                }
                Event::Renewed(lease) => {
                    Self::replace_routes(engine, running, &lease);
                    log(&format!(
                        "dhcp-client on {name} renewed IP address {}",
                        lease.address.address()
                    ));
                    self.dns_changed = true;
                }
                Event::Lost(reason) => {
                    let address = running
                        .installed
                        .address
                        .and_then(|id| engine.addresses().get(id))
                        .map_or_else(String::new, |a| format!(" {}", a.address()));
                    apply::uninstall(engine, &running.installed);
                    running.installed = Installed::default();
                    let why = match reason {
                        LostReason::Expired => "lease expired",
                        LostReason::Nak => "received NAK",
                        LostReason::Released => "released",
                    };
                    log(&format!(
                        "dhcp-client on {name} lost IP address{address} - {why}"
                    ));
                    self.dns_changed = true;
                }
            }
        }
        if let Some(transmit) = output.transmit {
            // A port that is down sends nothing; the client tries again on its own schedule.
            let _ = engine.send_link_datagram(
                interface,
                transmit.link_dst,
                transmit.src_ip,
                transmit.dst_ip,
                DHCP_CLIENT_PORT,
                DHCP_SERVER_PORT,
                &transmit.payload,
                now,
            );
        }
    }

    /// Puts the routes `lease` gives under the client's settings in place of those it had, when they
    /// differ (the address, and the connections masqueraded to it, stay).
    fn replace_routes(engine: &mut Engine<Firewall>, running: &mut Running, lease: &Lease) {
        let wanted = apply::lease_routes(&running.settings, lease);
        let current: Vec<_> = running
            .installed
            .routes
            .iter()
            .filter_map(|id| engine.routes().get(*id))
            .map(|r| (r.dst, r.gateways.to_vec(), r.distance))
            .collect();
        let same = wanted.len() == current.len()
            && wanted.iter().zip(&current).all(|(w, c)| {
                let gateways = match &w.target {
                    netstack::route::RouteTarget::Gateways(g) => g.clone(),
                    _ => Vec::new(),
                };
                (w.dst, gateways, w.distance) == *c
            });
        if same {
            return;
        }
        for id in core::mem::take(&mut running.installed.routes) {
            let _ = engine.routes_mut().remove_dhcp(id);
        }
        for route in wanted {
            if let Ok(id) = engine.routes_mut().add_dhcp(route) {
                running.installed.routes.push(id);
            }
        }
    }
}

fn log(message: &str) {
    logger::remember("dhcp,info", &message);
}
