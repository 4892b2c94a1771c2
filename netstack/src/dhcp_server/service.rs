//! The router's DHCP servers on the engine: each `/ip dhcp-server` serves the interface it is
//! configured on, taking the datagrams to port 67 that came in there off the engine's link datagram
//! path and sending its replies out of that interface (to the client's MAC address or the broadcast
//! address, without routing or ARP: the client has no address yet).
//!
//! Datagrams to port 67 on an interface without an enabled server are taken and dropped (counted), so
//! they never hold up the queue the DHCP client shares. A changed configuration keeps each server's
//! leases (by server name, [`Server::reconfigure`]).

use alloc::vec::Vec;

use super::check::EngineCheck;
use super::server::{Server, ServerConfig};
use crate::Instant;
use crate::engine::{DHCP_CLIENT_PORT, DHCP_SERVER_PORT, Engine};
use crate::hooks::Hooks;
use crate::interface::InterfaceId;

/// Most datagrams handled per [`DhcpServers::run`], so a flood cannot hold up the main loop.
pub const RUN_BUDGET: usize = 32;

/// What the servers counted besides each server's own counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServiceStats {
    /// Datagrams to port 67 on an interface without an enabled server.
    pub no_server: u64,
    /// Replies the engine could not send (interface down, no buffer).
    pub send_failed: u64,
}

/// The enabled servers, by interface.
#[derive(Default)]
pub struct DhcpServers {
    servers: Vec<(InterfaceId, Server)>,
    stats: ServiceStats,
}

impl DhcpServers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the configured servers (`(interface, configuration)`): a server whose name stays keeps
    /// its leases, one gone is dropped with its leases, a new one starts empty.
    pub fn configure(&mut self, configs: Vec<(InterfaceId, ServerConfig)>) {
        let mut old = core::mem::take(&mut self.servers);
        for (interface, config) in configs {
            let server = match old.iter().position(|(_, s)| s.config().name == config.name) {
                Some(at) => {
                    let (_, mut server) = old.swap_remove(at);
                    if *server.config() != config {
                        server.reconfigure(config);
                    }
                    server
                }
                None => Server::new(config),
            };
            self.servers.push((interface, server));
        }
    }

    pub fn servers(&self) -> impl Iterator<Item = &Server> + '_ {
        self.servers.iter().map(|(_, s)| s)
    }

    pub fn servers_mut(&mut self) -> impl Iterator<Item = &mut Server> + '_ {
        self.servers.iter_mut().map(|(_, s)| s)
    }

    pub fn stats(&self) -> &ServiceStats {
        &self.stats
    }

    /// Answers the datagrams to port 67 waiting in `engine` (at most [`RUN_BUDGET`]) and ends lapsed
    /// offers and expired leases. Returns whether a datagram was handled.
    pub fn run<H: Hooks>(&mut self, engine: &mut Engine<H>, now: Instant) -> bool {
        let mut handled = false;
        for _ in 0..RUN_BUDGET {
            let Some(datagram) = engine.take_link_datagram_to(DHCP_SERVER_PORT) else {
                break;
            };
            handled = true;
            let Some((_, server)) = self
                .servers
                .iter_mut()
                .find(|(interface, _)| *interface == datagram.interface)
            else {
                self.stats.no_server += 1;
                continue;
            };
            let check = EngineCheck {
                engine,
                interface: datagram.interface,
                now,
            };
            let Some(reply) = server.handle(&datagram.payload, now, &check) else {
                continue;
            };
            let sent = engine.send_link_datagram(
                datagram.interface,
                reply.link_dst,
                reply.src_ip,
                reply.dst_ip,
                DHCP_SERVER_PORT,
                DHCP_CLIENT_PORT,
                &reply.payload,
                now,
            );
            if sent.is_err() {
                self.stats.send_failed += 1;
            }
        }
        for (_, server) in &mut self.servers {
            server.poll(now);
        }
        handled
    }
}
