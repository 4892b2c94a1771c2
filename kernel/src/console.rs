//! The serial console: feeds received bytes to the RouterOS shell (`config::Shell`), which starts at the
//! login prompt, and answers its questions about the system with live facts from the kernel.
//!
//! It also runs `/system scheduler` (`config::scheduler`) on the configuration it edits, once a
//! second, with a session of its own; the run counters live in [`Kernel`].

use alloc::string::String;
use core::fmt;

use alloc::vec::Vec;

use config::cli::{PendingAction, Session};
use config::log_memory::LogEntry;
use config::model::{Config, Item, MenuDef};
use config::rest::Rest;
use config::scheduler::{self, Now, Runs};
use config::{InterfaceInfo, ResourceInfo, Shell, SystemControl};
use drivers::net::NetCounters;

use crate::configuration::Configuration;

use crate::datapath::Datapath;
use crate::{clock, cpu, logger, memory, power, rest, serial, storage};

/// REST requests answered per console poll.
const REST_REQUESTS_PER_POLL: usize = 4;
/// How long after answering `POST /rest/system/reboot` the router reboots (the answer leaves first).
const REST_ACTION_DELAY_MS: u64 = 1000;

/// The appliance's version as `/system resource print` shows it.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (development)");

/// How long the console may stay without a key press while safe mode is taken before it counts as
/// gone and safe mode's changes are undone. RouterOS undoes them when the session's TCP connection
/// times out, after 9 minutes; a serial line cannot hang up, so silence stands in for it.
const SAFE_MODE_IDLE_MS: u64 = 9 * 60 * 1000;

/// The kernel's answers to the shell.
pub struct Kernel {
    cpu_name: String,
    /// Safe mode is taken: configurations are applied but not stored.
    safe_mode: bool,
    /// When the console last received a byte, in milliseconds on the monotonic clock.
    last_input_ms: u64,
    /// Each port's NIC counters at its last `/interface reset-counters`, by position in
    /// [`Datapath::stats`]: the drivers count from boot, so `print stats` shows what was counted since.
    /// (The engine's own counters are reset in the engine.)
    baselines: Vec<Option<NicBaseline>>,
    /// Scripts' and scheduler items' run counters, and what the scheduler remembers.
    runs: Runs,
}

/// The NIC counters of one port when they were last reset.
#[derive(Clone, Copy, Default)]
struct NicBaseline {
    device: NetCounters,
    tx_dropped: u64,
}

impl NicBaseline {
    /// `counters` minus this baseline, field by field (never below zero).
    fn since(&self, counters: &NetCounters) -> NetCounters {
        let base = &self.device;
        NetCounters {
            rx_packets: counters.rx_packets.saturating_sub(base.rx_packets),
            rx_bytes: counters.rx_bytes.saturating_sub(base.rx_bytes),
            rx_errors: counters.rx_errors.saturating_sub(base.rx_errors),
            rx_dropped: counters.rx_dropped.saturating_sub(base.rx_dropped),
            tx_packets: counters.tx_packets.saturating_sub(base.tx_packets),
            tx_bytes: counters.tx_bytes.saturating_sub(base.tx_bytes),
            tx_errors: counters.tx_errors.saturating_sub(base.tx_errors),
            tx_ring_full: counters.tx_ring_full.saturating_sub(base.tx_ring_full),
        }
    }
}

impl Kernel {
    pub fn new() -> Self {
        Self {
            cpu_name: cpu::brand(),
            safe_mode: false,
            last_input_ms: 0,
            baselines: Vec::new(),
            runs: Runs::new(),
        }
    }
}

/// Now on the router's clock and on the time since boot, for the scheduler.
fn scheduler_now() -> Now {
    Now {
        wall: clock::wall_seconds(),
        uptime: clock::now().as_millis() / 1000,
    }
}

impl SystemControl for Kernel {
    fn resource(&self) -> ResourceInfo {
        ResourceInfo {
            uptime_ms: clock::now().as_millis(),
            version: String::from(VERSION),
            build_time: String::from(option_env!("APPLIANCE_BUILD_TIME").unwrap_or("unknown")),
            free_memory: memory::free_bytes(),
            total_memory: memory::total_bytes(),
            cpu: self.cpu_name.clone(),
            cpu_count: 1,
            cpu_frequency_mhz: u32::try_from(clock::tsc_hz() / 1_000_000).unwrap_or(u32::MAX),
            cpu_load_percent: cpu::load_percent(),
            // The config partition is the appliance's only storage; nothing is stored on it yet.
            free_hdd_space: storage::config_bytes(),
            total_hdd_space: storage::config_bytes(),
            architecture_name: String::from("x86_64"),
            board_name: String::from("CHR"),
            platform: String::from("MikroTik"),
        }
    }

    fn reboot(&mut self) {
        power::reboot()
    }

    fn shutdown(&mut self) {
        power::shutdown();
        crate::println!("failure: shutdown is not supported on this machine");
    }
}

/// Console output for the shell.
struct Output;

impl fmt::Write for Output {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        serial::write_fmt(format_args!("{s}"));
        Ok(())
    }
}

/// The console session: one shell on COM1.
pub struct Console {
    shell: Shell,
    kernel: Kernel,
    /// The configuration the console edits; what was last applied and saved is in `Configuration`.
    config: Config,
    /// The session scheduled scripts run in (their globals, their menu).
    scheduler: Session,
    /// The second since boot the scheduler last ran in.
    scheduled_at: Option<u64>,
    /// The REST API, answering the `www` service's requests on this same configuration.
    rest: Rest,
    /// A reboot or shutdown asked over REST, carried out at this time (ms since boot), once its
    /// answer had time to leave.
    after_rest: Option<(u64, PendingAction)>,
}

impl Console {
    pub fn new(configuration: &Configuration) -> Self {
        let config = configuration.saved.config.clone();
        clock::set_gmt_offset(config::clock::gmt_offset(&config));
        Self {
            shell: Shell::at_login(),
            kernel: Kernel::new(),
            config,
            scheduler: Session::new(),
            scheduled_at: None,
            rest: Rest::new(),
            after_rest: None,
        }
    }

    /// Prints the first prompt: the login prompt (config::login).
    pub fn start(&mut self) {
        self.shell.start(&mut Output, &self.config);
    }

    /// Handles every byte received so far (after moving the firewall's new log lines into the log
    /// `/log print` reads), then lets the shell update a live view (`print interval=`, `/log print
    /// follow`), then runs the scheduler items due, at most once a second. The main loop calls this on
    /// every pass, and a pass follows every interrupt — at least the timer's [`clock::TICK_HZ`] a
    /// second — so a view is updated within 10 ms of being due.
    pub fn poll(&mut self, datapath: &mut Datapath, configuration: &mut Configuration) {
        logger::collect_firewall(&mut datapath.engine_mut().hooks_mut().state_mut().log);
        while let Some(byte) = serial::read_byte() {
            self.kernel.last_input_ms = clock::now().as_millis();
            let mut kernel = KernelView {
                kernel: &mut self.kernel,
                datapath: &mut *datapath,
                configuration: &mut *configuration,
            };
            self.shell
                .feed(byte, &mut Output, &mut kernel, &mut self.config);
        }
        let mut kernel = KernelView {
            kernel: &mut self.kernel,
            datapath: &mut *datapath,
            configuration: &mut *configuration,
        };
        self.shell.poll(&mut Output, &mut kernel, &mut self.config);
        let now = scheduler_now();
        if self.scheduled_at != Some(now.uptime) {
            self.scheduled_at = Some(now.uptime);
            scheduler::run_due(&mut self.config, &mut self.scheduler, &mut kernel, now);
        }
        self.serve_rest(datapath, configuration);
    }

    /// Answers the REST requests the `www` service has read ([`REST_REQUESTS_PER_POLL`] at most, so
    /// the console stays responsive), on the configuration the console edits: a change over REST is
    /// applied, saved and seen on the console at once.
    fn serve_rest(&mut self, datapath: &mut Datapath, configuration: &mut Configuration) {
        let now_ms = clock::now().as_millis();
        if let Some((at, action)) = self.after_rest
            && now_ms >= at
        {
            self.after_rest = None;
            match action {
                PendingAction::Shutdown => self.kernel.shutdown(),
                _ => self.kernel.reboot(),
            }
        }
        for _ in 0..REST_REQUESTS_PER_POLL {
            let Some((id, request)) = datapath.www_mut().take_request() else {
                break;
            };
            let mut kernel = KernelView {
                kernel: &mut self.kernel,
                datapath: &mut *datapath,
                configuration: &mut *configuration,
            };
            let response = self.rest.handle(
                &rest::request(&request),
                &mut self.config,
                &mut kernel,
                now_ms,
            );
            if let Some(action @ (PendingAction::Reboot | PendingAction::Shutdown)) = response.after
            {
                self.after_rest = Some((now_ms + REST_ACTION_DELAY_MS, action));
            }
            datapath.www_mut().respond(id, rest::response(response));
        }
    }
}

/// The kernel's answers plus the live datapath and configuration store, for one console byte.
struct KernelView<'a> {
    kernel: &'a mut Kernel,
    datapath: &'a mut Datapath,
    configuration: &'a mut Configuration,
}

impl SystemControl for KernelView<'_> {
    fn resource(&self) -> ResourceInfo {
        self.kernel.resource()
    }

    fn reboot(&mut self) {
        self.kernel.reboot()
    }

    fn shutdown(&mut self) {
        self.kernel.shutdown()
    }

    fn apply(&mut self, config: &Config) -> Result<(), String> {
        self.datapath.apply(config)?;
        clock::set_gmt_offset(config::clock::gmt_offset(config));
        // In safe mode the stored configuration stays the one from before it (config::safe_mode).
        if self.kernel.safe_mode {
            return Ok(());
        }
        self.configuration.saved.config = config.clone();
        if let Err(message) = self.configuration.save() {
            log::warn!("{message}");
        }
        Ok(())
    }

    fn initial_configuration(&self, no_defaults: bool) -> Option<Config> {
        Some(self.configuration.initial(no_defaults))
    }

    fn status(&self, config: &Config, menu: &MenuDef, item: &Item) -> Vec<(&'static str, String)> {
        let mut values = config::apply::status(config, self.datapath.engine(), menu, item);
        if menu.storage == "ip/dhcp-client" {
            values.extend(self.datapath.dhcp_client_status(item.id));
        }
        if menu.storage == config::apply::dhcp_server::LEASE_MENU {
            let (servers, now) = (self.datapath.dhcp_server().servers(), self.datapath.now());
            values.extend(config::apply::dhcp_server::lease_status(
                menu, item, servers, now,
            ));
        }
        if menu.storage == "ip/dns" {
            values.extend(self.datapath.dns().status());
        }
        if menu.storage == "interface" {
            let mtu = item.get("mtu").unwrap_or("1500");
            values.push(("actual-mtu", String::from(mtu)));
            let l2mtu = mtu.parse::<u32>().map_or(1514, |m| m + 14);
            values.push(("l2mtu", alloc::format!("{l2mtu}")));
        }
        values.extend(self.kernel.runs.status(menu, item, scheduler_now()));
        values
    }

    fn dynamic_items(&self, config: &Config, menu: &MenuDef) -> Vec<Item> {
        if menu.path == "ip/dns/cache" {
            return self.datapath.dns().cache_items(self.datapath.now());
        }
        if menu.storage == config::apply::dhcp_server::LEASE_MENU {
            let (servers, now) = (self.datapath.dhcp_server().servers(), self.datapath.now());
            return config::apply::dhcp_server::lease_items(menu, servers, now);
        }
        config::apply::dynamic_items(config, self.datapath.engine(), menu, self.datapath.now())
    }

    fn add_dynamic(&mut self, menu: &MenuDef, item: &Item) -> Result<Option<u32>, String> {
        let now = self.datapath.now();
        config::apply::add_dynamic(self.datapath.engine_mut(), menu, item, now)
            .map(Some)
            .map_err(|e| alloc::format!("{e}"))
    }

    fn remove_dynamic(&mut self, config: &Config, menu: &MenuDef, id: u32) -> Result<(), String> {
        let now = self.datapath.now();
        if menu.storage == config::apply::dhcp_server::LEASE_MENU {
            let servers = self.datapath.dhcp_server_mut().servers_mut();
            return match config::apply::dhcp_server::remove_lease(servers, id) {
                true => Ok(()),
                false => Err(String::from("no such item")),
            };
        }
        config::apply::remove_dynamic(config, self.datapath.engine_mut(), menu, id, now)
            .map_err(|e| alloc::format!("{e}"))
    }

    /// Waits for the answer, running the datapath meanwhile (the console is busy, as RouterOS's is
    /// until `:resolve` returns), at most the resolver's total timeout and a second.
    fn resolve(&mut self, name: &str) -> Result<String, String> {
        let now = self.datapath.now();
        let dns = self.datapath.dns_mut();
        let token = dns
            .start_resolve(now, name)
            .map_err(|e| alloc::format!("{e}"))?;
        let deadline = clock::now().as_millis() + dns.total_timeout_ms() + 1000;
        loop {
            self.datapath.run();
            if let Some(result) = self.datapath.dns_mut().take_resolved(token) {
                return result
                    .map(|address| alloc::format!("{address}"))
                    .map_err(|e| alloc::format!("{e}"));
            }
            if clock::now().as_millis() > deadline {
                return Err(String::from("failure: dns server failure"));
            }
            crate::idle(|| self.datapath.has_work());
        }
    }

    fn flush_dns_cache(&mut self) {
        self.datapath.dns_mut().flush();
    }

    fn safe_mode(&mut self, taken: bool) {
        self.kernel.safe_mode = taken;
    }

    fn console_gone(&self) -> bool {
        clock::now()
            .as_millis()
            .saturating_sub(self.kernel.last_input_ms)
            >= SAFE_MODE_IDLE_MS
    }

    fn dhcp_client_command(&mut self, ids: &[u32], command: &str) -> Result<(), String> {
        self.datapath.dhcp_client_command(ids, command)
    }

    fn log(&mut self, topics: &str, message: &str) {
        logger::remember(topics, &message);
    }

    fn log_entries(&self) -> Vec<LogEntry> {
        logger::entries()
    }

    fn uptime_ms(&self) -> u64 {
        clock::now().as_millis()
    }

    fn clock_seconds(&self) -> u64 {
        clock::wall_seconds()
    }

    fn set_clock(&mut self, seconds: u64) {
        clock::set_wall_seconds(seconds);
    }

    fn runs(&mut self) -> Option<&mut Runs> {
        Some(&mut self.kernel.runs)
    }

    fn entropy(&self) -> u64 {
        // Password salts: the TSC differs between calls (keys arrive at unpredictable cycles) and
        // between machines.
        clock::rdtsc()
    }

    fn files(&self) -> Vec<(String, usize)> {
        self.configuration
            .saved
            .files
            .iter()
            .map(|(name, text)| (name.clone(), text.len()))
            .collect()
    }

    fn read_file(&self, name: &str) -> Option<String> {
        self.configuration.saved.files.get(name).cloned()
    }

    fn write_file(&mut self, name: &str, contents: &str) -> Result<(), String> {
        self.configuration.saved.write_file(name, contents)?;
        self.configuration.save()
    }

    fn remove_file(&mut self, name: &str) -> Result<(), String> {
        if self.configuration.saved.files.remove(name).is_none() {
            return Err(String::from("no such item"));
        }
        self.configuration.save()
    }

    fn interfaces(&self) -> Vec<InterfaceInfo> {
        self.datapath
            .stats()
            .into_iter()
            .enumerate()
            .map(|(port, s)| {
                let base = self
                    .kernel
                    .baselines
                    .get(port)
                    .copied()
                    .flatten()
                    .unwrap_or_default();
                let device = base.since(&s.device);
                InterfaceInfo {
                    name: s.name,
                    running: s.running,
                    disabled: s.disabled,
                    rx_byte: device.rx_bytes,
                    tx_byte: device.tx_bytes,
                    rx_packet: device.rx_packets,
                    tx_packet: device.tx_packets,
                    rx_drop: device.rx_dropped.saturating_add(s.engine_rx_drops),
                    tx_drop: s.tx_dropped.saturating_sub(base.tx_dropped),
                    tx_queue_drop: s.tx_queue_drops,
                    rx_error: device.rx_errors,
                    tx_error: device.tx_errors,
                }
            })
            .collect()
    }

    fn send_echo(&mut self, probe: &netstack::engine::EchoProbe) -> Result<(), String> {
        let now = self.datapath.now();
        self.datapath
            .engine_mut()
            .send_echo(probe, now)
            .map_err(|e| alloc::format!("{e}"))
    }

    fn take_tool_replies(&mut self) -> Vec<netstack::engine::ToolReply> {
        let engine = self.datapath.engine_mut();
        core::iter::from_fn(|| engine.take_tool_reply()).collect()
    }

    fn now_us(&self) -> u64 {
        u64::try_from(self.datapath.now().total_micros()).unwrap_or(0)
    }

    /// A script waiting for a tool: the datapath runs (and the CPU halts when it has nothing to do)
    /// until the time is up; console input waits in the serial buffer meanwhile.
    fn wait_ms(&mut self, ms: u64) {
        let until = clock::now().as_millis().saturating_add(ms);
        while clock::now().as_millis() < until {
            if !self.datapath.run() {
                crate::idle(|| self.datapath.has_work());
            }
        }
    }

    fn connections(&self, menu: &MenuDef, from: u32, max: usize) -> (Vec<Item>, Option<u32>) {
        config::apply::connection_page(self.datapath.engine(), menu, from, max, self.datapath.now())
    }

    fn connection(&self, menu: &MenuDef, id: u32) -> Option<Item> {
        config::apply::connection(self.datapath.engine(), menu, id, self.datapath.now())
    }

    fn connection_count(&self) -> usize {
        self.datapath.engine().hooks().conntrack().len()
    }

    fn remove_connection(&mut self, id: u32) -> bool {
        config::apply::remove_connection(self.datapath.engine_mut(), id)
    }

    fn reset_counters(
        &mut self,
        config: &Config,
        menu: &MenuDef,
        ids: Option<&[u32]>,
    ) -> Result<(), String> {
        let reset = config::apply::reset_counters(config, self.datapath.engine_mut(), menu, ids)
            .map_err(|e| alloc::format!("{e}"))?;
        // The engine zeroed its counters of these interfaces; the NICs' restart from now.
        let engine = self.datapath.engine();
        let names: Vec<&str> = reset
            .iter()
            .filter_map(|id| engine.interfaces().get(*id).map(|i| i.name.as_str()))
            .collect();
        for (port, stats) in self.datapath.stats().iter().enumerate() {
            if !names.contains(&stats.name.as_str()) {
                continue;
            }
            if self.kernel.baselines.len() <= port {
                self.kernel.baselines.resize(port + 1, None);
            }
            if let Some(slot) = self.kernel.baselines.get_mut(port) {
                *slot = Some(NicBaseline {
                    device: stats.device,
                    tx_dropped: stats.tx_dropped,
                });
            }
        }
        Ok(())
    }
}
