//! The live datapath: NICs → packet engine → NICs, driven from the main loop.
//!
//! One [`Datapath::run`] round receives up to [`RX_BUDGET`] frames from each NIC in turn (so one busy
//! interface cannot starve the others, and the console is served between rounds), runs the engine's
//! timers (ARP retries, reassembly, the router's own sockets; conntrack expires lazily on lookup), and
//! drains each interface's transmit queue into its NIC with one flush per round. Frames the NIC cannot take
//! stay queued in the engine (bounded there) and go out in a later round.
//!
//! Interrupts follow NAPI's idea: a NIC's INTx line is masked by the interrupt handler, the next round
//! acknowledges the devices and polls them, and the line is unmasked afterwards. When nothing is left to
//! do, the main loop halts until the next interrupt or the 100 Hz tick.

use alloc::vec::Vec;

use config::model::Config;
use drivers::net::{FrameOffload, NetCounters, PartialChecksum, TxError};
use netstack::conntrack::ConntrackSettings;
use netstack::firewall::Firewall;
use netstack::http::HttpServer;
use netstack::interface::InterfaceId;
use netstack::{Engine, EngineConfig, Instant};
use smoltcp::wire::EthernetAddress;

use crate::dhcp_client::DhcpClients;
use crate::dhcp_server::DhcpServer;
use crate::dns::Dns;
use crate::nic::{self, Nic};
use crate::{clock, interrupts};

/// Frames taken from one NIC per round.
pub const RX_BUDGET: usize = 64;
/// How often link state is read from the NICs besides when one reports a link change (a safety net for
/// devices or lines that miss the interrupt).
const LINK_POLL_MS: u64 = 1000;

pub struct Datapath {
    engine: Engine<Firewall>,
    ports: Vec<Port>,
    next_link_poll_ms: u64,
    /// `/ip dhcp-client`: fed from the engine's link datagram path, polled every round.
    dhcp_clients: DhcpClients,
    /// `/ip dns`: the cache and forwarder on the engine's local stack, polled every round.
    dns: Dns,
    /// `/ip dhcp-server`: fed from the engine's link datagram path (port 67), polled every round.
    dhcp_server: DhcpServer,
    /// `/ip service www`: the HTTP server of the REST API on the engine's local stack, polled every
    /// round; the console answers its requests (`console::Console::serve_rest`).
    www: HttpServer,
}

/// A NIC and the engine interface it carries.
struct Port {
    nic: Nic,
    interface: InterfaceId,
    /// Frames the engine queued that the NIC refused for a reason other than a full ring (dropped).
    tx_dropped: u64,
}

/// The engine's notion of now.
fn engine_now() -> Instant {
    Instant::from_micros((clock::now().as_nanos() / 1000) as i64)
}

/// What `/interface print stats` shows for one interface.
pub struct InterfaceStats {
    pub name: alloc::string::String,
    pub disabled: bool,
    pub running: bool,
    pub device: NetCounters,
    /// Frames the NIC refused outright (dropped).
    pub tx_dropped: u64,
    /// The engine's counters: frames dropped on receive (malformed, filtered at L2) and because the
    /// interface's transmit queue was full (RouterOS's tx-queue-drop).
    pub engine_rx_drops: u64,
    pub tx_queue_drops: u64,
}

/// The offload facts of a received frame, from the driver's terms into the engine's (the same fields:
/// neither crate depends on the other).
fn to_engine(offload: &FrameOffload) -> netstack::offload::FrameOffload {
    netstack::offload::FrameOffload {
        partial_checksum: offload
            .partial_checksum
            .map(|p| netstack::offload::PartialChecksum {
                start: p.start,
                offset: p.offset,
            }),
        checksum_valid: offload.checksum_valid,
        tcp_segment_size: offload.tcp_segment_size,
    }
}

/// What the engine asks a NIC to finish for a frame, in the driver's terms.
fn to_device(offload: &netstack::offload::FrameOffload) -> FrameOffload {
    FrameOffload {
        partial_checksum: offload.partial_checksum.map(|p| PartialChecksum {
            start: p.start,
            offset: p.offset,
        }),
        checksum_valid: offload.checksum_valid,
        tcp_segment_size: offload.tcp_segment_size,
    }
}

impl Datapath {
    /// An engine with one interface per NIC (`ether1..N`), configured by `config`. A configuration the
    /// engine refuses is logged and leaves the interfaces unconfigured.
    pub fn new(nics: Vec<Nic>, config: &Config) -> Self {
        let now = engine_now();
        let firewall = Firewall::new(ConntrackSettings::default(), clock::rdtsc());
        let mut engine = Engine::with_hooks(EngineConfig::default(), firewall, now);
        let mut ids: Vec<InterfaceId> = Vec::new();
        for (index, nic) in nics.iter().enumerate() {
            let name = alloc::format!("ether{}", index + 1);
            match engine.add_interface(&name, EthernetAddress(nic.device.mac())) {
                Some(id) => ids.push(id),
                None => log::warn!("{name}: the engine's interface table is full"),
            }
        }
        if let Err(error) = config::apply::apply(config, &mut engine, now) {
            log::error!("the configuration could not be applied: {error}");
        }
        let ports = nics
            .into_iter()
            .zip(ids)
            .map(|(mut nic, interface)| {
                // Interrupts stay on: the handler masks the line while a round polls (module docs).
                nic.device.set_interrupts(true);
                let caps = nic.device.offload_caps();
                if let Some(port) = engine.interface_mut(interface) {
                    port.offload = netstack::offload::OffloadCaps {
                        checksum: caps.checksum,
                        tcp4_segmentation: caps.tcp4_segmentation,
                    };
                }
                Port {
                    nic,
                    interface,
                    tx_dropped: 0,
                }
            })
            .collect();
        let mut datapath = Self {
            engine,
            ports,
            next_link_poll_ms: 0,
            dhcp_server: DhcpServer::new(),
            dhcp_clients: DhcpClients::new(clock::rdtsc()),
            dns: Dns::new(config, clock::rdtsc().rotate_left(17)),
            www: HttpServer::new(config::apply::services::www_settings(config)),
        };
        datapath.poll_links(now);
        datapath
            .dhcp_clients
            .configure(config, &mut datapath.engine, now);
        datapath.dhcp_server.configure(config, &datapath.engine);
        datapath
    }

    /// Makes the engine match `config` (atomic: on error nothing changed).
    pub fn apply(&mut self, config: &Config) -> Result<(), alloc::string::String> {
        let now = engine_now();
        config::apply::apply(config, &mut self.engine, now).map_err(|e| alloc::format!("{e}"))?;
        self.dhcp_server.configure(config, &self.engine);
        self.dhcp_clients.configure(config, &mut self.engine, now);
        self.dns.configure(config);
        self.www
            .configure(config::apply::services::www_settings(config));
        Ok(())
    }

    /// The HTTP server, for the REST API's requests and answers.
    pub fn www_mut(&mut self) -> &mut HttpServer {
        &mut self.www
    }

    /// The DHCP servers, for `/ip dhcp-server lease print`.
    pub fn dhcp_server(&self) -> &DhcpServer {
        &self.dhcp_server
    }

    /// The DHCP servers, for lease `remove`, restoring and saving leases.
    pub fn dhcp_server_mut(&mut self) -> &mut DhcpServer {
        &mut self.dhcp_server
    }

    /// `/ip dhcp-client renew|release`.
    pub fn dhcp_client_command(
        &mut self,
        ids: &[u32],
        command: &str,
    ) -> Result<(), alloc::string::String> {
        self.dhcp_clients
            .command(&mut self.engine, ids, command, engine_now())
    }

    /// What `/ip dhcp-client print` shows of the client of item `id`.
    pub fn dhcp_client_status(&self, id: u32) -> Vec<(&'static str, alloc::string::String)> {
        self.dhcp_clients.status(id, engine_now())
    }

    /// The DHCP clients' peer DNS servers when they changed, for the DNS service's
    /// `dynamic-servers` (`use-peer-dns=yes`); taken every round.
    pub fn take_peer_dns(&mut self) -> Option<Vec<smoltcp::wire::Ipv4Address>> {
        self.dhcp_clients.take_peer_dns()
    }

    /// The engine, for what `print` reports.
    pub fn engine(&self) -> &Engine<Firewall> {
        &self.engine
    }

    /// The engine, for what the console changes outside the configuration (removing a connection,
    /// resetting counters).
    pub fn engine_mut(&mut self) -> &mut Engine<Firewall> {
        &mut self.engine
    }

    /// The DNS service, for what `/ip dns` reports.
    pub fn dns(&self) -> &Dns {
        &self.dns
    }

    /// The DNS service, for `:resolve`, `cache flush` and peer DNS servers.
    pub fn dns_mut(&mut self) -> &mut Dns {
        &mut self.dns
    }

    /// The engine's notion of now.
    pub fn now(&self) -> Instant {
        engine_now()
    }

    fn poll_links(&mut self, now: Instant) {
        for port in &mut self.ports {
            let up = port.nic.device.link_up();
            self.engine.set_running(port.interface, up, now);
        }
    }

    /// One round of work; returns whether any frame moved.
    pub fn run(&mut self) -> bool {
        let now = engine_now();
        let acknowledged = nic::acknowledge_interrupts(self.ports.iter_mut().map(|p| &mut p.nic));

        let mut moved = 0;
        let engine = &mut self.engine;
        for port in &mut self.ports {
            let id = port.interface;
            moved += port.nic.device.receive(RX_BUDGET, &mut |frame, offload| {
                engine.receive_offloaded(id, frame, &to_engine(offload), now)
            });
        }

        let now_ms = clock::now().as_millis();
        if acknowledged.link_changed || now_ms >= self.next_link_poll_ms {
            self.next_link_poll_ms = now_ms + LINK_POLL_MS;
            self.poll_links(now);
        }
        // Before the engine's timers, so what the service queued in its sockets leaves this round.
        self.dns.poll(&mut self.engine, now);
        self.www.poll(&mut self.engine, now);
        if self.engine.poll_at(now).is_some_and(|at| at <= now) {
            self.engine.poll(now);
        }
        // Port 67 to the servers first: the clients' loop below takes what is left.
        let served = self.dhcp_server.run(&mut self.engine, now);
        // DHCP below the firewall (netstack's link datagram path): port 68 to the clients (port 67
        // is the DHCP server's to take).
        while let Some(datagram) = self
            .engine
            .take_link_datagram_to(netstack::engine::DHCP_CLIENT_PORT)
        {
            self.dhcp_clients.receive(&mut self.engine, &datagram, now);
        }
        self.dhcp_clients.poll(&mut self.engine, now);
        // `use-peer-dns=yes`: the servers the clients learnt are the resolver's dynamic-servers.
        if let Some(servers) = self.take_peer_dns() {
            self.dns.set_dynamic_servers(&servers);
        }
        if served {
            moved += 1;
        }

        for port in &mut self.ports {
            if self.engine.tx_pending(port.interface) == 0 {
                continue;
            }
            let (device, dropped) = (&mut port.nic.device, &mut port.tx_dropped);
            moved += self
                .engine
                .transmit_offloaded(port.interface, |frame, offload| {
                    match device.transmit_offloaded(frame, &to_device(offload)) {
                        Ok(()) => true,
                        Err(TxError::RingFull) => false,
                        // Not sendable at all (too long for the device, an offload it does not do,
                        // device broken): drop it, counted.
                        Err(TxError::BadLength | TxError::Unsupported | TxError::Device) => {
                            *dropped += 1;
                            true
                        }
                    }
                });
            device.flush();
        }

        if acknowledged.lines != 0 {
            interrupts::unmask_device_irqs(acknowledged.lines);
        }
        moved > 0
    }

    /// Whether a round would find work now (checked with interrupts off before halting).
    pub fn has_work(&mut self) -> bool {
        let engine = &self.engine;
        interrupts::device_irq_pending()
            || self
                .ports
                .iter_mut()
                .any(|port| engine.tx_pending(port.interface) > 0 || port.nic.device.rx_pending())
    }

    pub fn stats(&self) -> Vec<InterfaceStats> {
        self.ports
            .iter()
            .map(|port| {
                let interfaces = self.engine.interfaces();
                let interface = interfaces.get(port.interface);
                InterfaceStats {
                    // The configured name (`/interface set ether1 name=wan`), not the NIC's default name.
                    name: interface.map_or_else(|| port.nic.name.clone(), |i| i.name.clone()),
                    disabled: interface.is_some_and(|i| i.disabled),
                    running: interfaces.is_up(port.interface),
                    device: port.nic.device.counters(),
                    tx_dropped: port.tx_dropped,
                    engine_rx_drops: interface.map_or(0, |i| i.counters.rx_drops),
                    tx_queue_drops: interface.map_or(0, |i| i.counters.tx_drops),
                }
            })
            .collect()
    }
}
