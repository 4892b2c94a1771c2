//! Real Linux hosts on both sides of the appliance, each in a network namespace of its own.
//!
//! ```text
//!   WAN host namespace              switch namespace                     LAN host namespace
//!   eth0 198.51.100.1/24 ==veth== vw-ID --+                +-- vl-ID ==veth== eth0 192.168.88.10/24
//!   (no route to the LAN)          bw-ID bridge       bl-ID bridge        (default via 192.168.88.1)
//!                                  tw-ID tap --+      +-- tl-ID tap
//!                                              |      |
//!                                     QEMU: ether1    ether2   (the appliance, run in the switch namespace)
//! ```
//!
//! Guarantees:
//! - nothing is created in the root namespace: the bridges, taps and switch-side veth ends live in the
//!   switch namespace, and QEMU runs there (`QemuConfig::netns`) so it can open the taps;
//! - names are unique per test process and network (`appliance-test-PID-N-{sw,lan,wan}`, interfaces
//!   `XX-PID-N`, at most 15 characters), so parallel tests and parallel test processes never collide;
//! - `Network` removes everything it created when dropped, also when the test panics: it kills every
//!   process still inside its namespaces (QEMU, servers) and deletes the links and namespaces;
//! - the first `Network` of a process removes the leftovers of earlier runs that were killed before they
//!   could clean up (namespaces with this prefix whose PID no longer exists);
//! - every command has a hard timeout; a failed command reports what it printed.
//!
//! The switch is a plain learning bridge: no STP (ports forward at once), no multicast snooping, and no
//! IPv6 link-local addresses of its own (`addrgenmode none`), so it never talks on the segments it joins.

use std::fmt;
use std::io::Read;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use qemu_runner::{NetBackend, QemuConfig};

/// Every namespace this harness creates starts with this.
pub const NAMESPACE_PREFIX: &str = "appliance-test-";

/// The LAN host's address (`/24`) and its default gateway, the appliance's ether2.
pub const LAN_HOST: Ipv4Addr = Ipv4Addr::new(192, 168, 88, 10);
pub const LAN_ROUTER: Ipv4Addr = Ipv4Addr::new(192, 168, 88, 1);
/// The WAN host's address (`/24`; the appliance's upstream gateway) and the appliance's ether1 address.
pub const WAN_HOST: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);
pub const WAN_ROUTER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);
/// The MACs QEMU gives ether1 and ether2 (see `qemu_runner::QemuConfig::command`).
pub const ETHER1_MAC: &str = "52:54:00:12:34:01";
pub const ETHER2_MAC: &str = "52:54:00:12:34:02";
/// The interface name of the veth end inside each host namespace.
pub const HOST_INTERFACE: &str = "eth0";

/// Upper bound for one setup or teardown command.
const IP_TIMEOUT: Duration = Duration::from_secs(20);

/// Serialises creating and removing networks within this process (`ip netns add` mounts and makes
/// `/run/netns` shared the first time; parallel first calls are best avoided).
static SETUP: Mutex<()> = Mutex::new(());

/// Why the network tests cannot run here, or `None` when they can: they need root, `ip`, QEMU, the tun
/// device and the client `tools` on `PATH`.
pub fn skip_reason(tools: &[&str]) -> Option<String> {
    if !is_root() {
        return Some("not running as root (network namespaces and taps need it)".into());
    }
    if !Path::new("/dev/net/tun").exists() {
        return Some("/dev/net/tun is missing (tap devices need it)".into());
    }
    let mut missing: Vec<&str> = ["ip", "kill", qemu_runner::QEMU]
        .iter()
        .chain(tools)
        .copied()
        .filter(|tool| !on_path(tool))
        .collect();
    missing.dedup();
    (!missing.is_empty()).then(|| {
        format!(
            "missing on PATH: {} (see the README, \"Network tests\")",
            missing.join(", ")
        )
    })
}

fn is_root() -> bool {
    // The effective UID is the second number of the `Uid:` line.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("Uid:"))?;
            Some(line.split_whitespace().nth(2)? == "0")
        })
        .unwrap_or(false)
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path)
            .any(|dir| std::fs::metadata(dir.join(tool)).is_ok_and(|m| m.is_file()))
    })
}

/// What a command did: its exit status (`None` when it was killed at its timeout) and output.
#[derive(Debug)]
pub struct CommandOutput {
    pub command: String,
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl CommandOutput {
    pub fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    pub fn timed_out(&self) -> bool {
        self.status.is_none()
    }

    /// The exit code; `None` when it timed out or died from a signal.
    pub fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }
}

impl fmt::Display for CommandOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.status {
            Some(status) => status.to_string(),
            None => "killed at its timeout".into(),
        };
        write!(
            f,
            "`{}`: {status} after {:.1} s\n--- stdout ---\n{}--- stderr ---\n{}",
            self.command,
            self.elapsed.as_secs_f64(),
            self.stdout,
            self.stderr
        )
    }
}

/// Runs `command` with its output captured, killing it after `timeout`.
pub fn run_with_timeout(mut command: Command, timeout: Duration) -> CommandOutput {
    let description = describe(&command);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            return CommandOutput {
                command: description,
                status: None,
                stdout: String::new(),
                stderr: format!("cannot start: {e}\n"),
                elapsed: started.elapsed(),
            };
        }
    };
    let stdout = collect(child.stdout.take().expect("piped"));
    let stderr = collect(child.stderr.take().expect("piped"));
    let deadline = started + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let elapsed = started.elapsed();
    CommandOutput {
        command: description,
        status,
        stdout: finish(stdout, status.is_some()),
        stderr: finish(stderr, status.is_some()),
        elapsed,
    }
}

type Collected = (Arc<Mutex<Vec<u8>>>, JoinHandle<()>);

fn collect(pipe: impl Read + Send + 'static) -> Collected {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let reader = collect_into(pipe, Arc::clone(&buffer));
    (buffer, reader)
}

/// Appends everything read from `pipe` to `buffer`, on a thread of its own.
fn collect_into(
    mut pipe: impl Read + Send + 'static,
    buffer: Arc<Mutex<Vec<u8>>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = pipe.read(&mut chunk) {
            buffer.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    })
}

/// The collected text. The reader is joined only when the process exited on its own: a killed
/// command's grandchildren may still hold the pipe open.
fn finish((buffer, reader): Collected, exited: bool) -> String {
    if exited {
        let _ = reader.join();
    } else {
        std::thread::sleep(Duration::from_millis(50));
    }
    String::from_utf8_lossy(&buffer.lock().unwrap()).into_owned()
}

fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `ip ARGS`, failing with its output unless it succeeds.
fn ip(args: &[&str]) -> Result<(), String> {
    let mut command = Command::new("ip");
    command.args(args);
    let output = run_with_timeout(command, IP_TIMEOUT);
    if output.success() {
        Ok(())
    } else {
        Err(output.to_string())
    }
}

/// Runs `args` inside namespace `namespace` (`ip netns exec NS ARGS`) with a timeout.
pub fn run_in(namespace: &str, args: &[&str], timeout: Duration) -> CommandOutput {
    let mut command = Command::new("ip");
    command.args(["netns", "exec", namespace]).args(args);
    run_with_timeout(command, timeout)
}

/// Names of the existing network namespaces.
pub fn namespaces() -> Vec<String> {
    let mut command = Command::new("ip");
    command.args(["netns", "list"]);
    let output = run_with_timeout(command, IP_TIMEOUT);
    // Lines look like `name (id: 3)` or `name`.
    output
        .stdout
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// PIDs of the processes inside `namespace`.
fn pids_in(namespace: &str) -> Vec<u32> {
    let mut command = Command::new("ip");
    command.args(["netns", "pids", namespace]);
    let output = run_with_timeout(command, IP_TIMEOUT);
    output
        .stdout
        .split_whitespace()
        .filter_map(|pid| pid.parse().ok())
        .collect()
}

/// Whether `pid` is a live (not zombie) process.
pub fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// Kills every process inside `namespace` (only ever the harness's own namespaces) and waits a little for
/// them to go.
fn kill_processes_in(namespace: &str) {
    let pids = pids_in(namespace);
    if pids.is_empty() {
        return;
    }
    let mut command = Command::new("kill");
    command.arg("-KILL").args(pids.iter().map(u32::to_string));
    let _ = run_with_timeout(command, IP_TIMEOUT);
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|&pid| process_alive(pid)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The PID a harness namespace name belongs to (`appliance-test-PID-N-role`).
fn owner_pid(namespace: &str) -> Option<u32> {
    namespace
        .strip_prefix(NAMESPACE_PREFIX)?
        .split('-')
        .next()?
        .parse()
        .ok()
}

/// Removes the namespaces of earlier test processes that died before cleaning up (and anything still
/// running in them). Returns the names removed. Namespaces of live processes are left alone.
pub fn remove_stale() -> Vec<String> {
    let _guard = SETUP.lock().unwrap_or_else(|e| e.into_inner());
    let stale: Vec<String> = namespaces()
        .into_iter()
        .filter(|ns| owner_pid(ns).is_some_and(|pid| !process_alive(pid)))
        .collect();
    for namespace in &stale {
        kill_processes_in(namespace);
        if let Err(e) = ip(&["netns", "del", namespace]) {
            eprintln!("netns: cannot remove stale namespace {namespace}: {e}");
        }
    }
    if !stale.is_empty() {
        eprintln!("netns: removed stale namespaces {stale:?}");
    }
    stale
}

/// A Linux host in a namespace of its own, joined to one side of the appliance.
#[derive(Debug)]
pub struct Host {
    namespace: String,
}

impl Host {
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Runs `args` in this host's namespace, killed after `timeout`.
    pub fn run(&self, args: &[&str], timeout: Duration) -> CommandOutput {
        run_in(&self.namespace, args, timeout)
    }

    /// Runs `args` and returns its stdout, panicking with its output unless it succeeds.
    pub fn run_ok(&self, args: &[&str], timeout: Duration) -> String {
        let output = self.run(args, timeout);
        assert!(output.success(), "in {}: {output}", self.namespace);
        output.stdout
    }

    /// Starts `args` in the background in this host's namespace; it is killed when the handle drops.
    pub fn spawn(&self, args: &[&str]) -> Background {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.namespace]).args(args);
        Background::start(command)
    }

    /// Waits until something in this namespace listens on TCP `port` (`ss`, from iproute2).
    pub fn wait_listening(&self, port: u16, timeout: Duration) -> Result<(), String> {
        let filter = format!("sport = :{port}");
        let deadline = Instant::now() + timeout;
        loop {
            let output = self.run(&["ss", "-Hltn", &filter], IP_TIMEOUT);
            if output.success() && !output.stdout.trim().is_empty() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "nothing listens on TCP port {port} in {} after {timeout:?}; last check: {output}",
                    self.namespace
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A process running in the background (a server), its stdout and stderr recorded together; killed and
/// reaped when dropped.
pub struct Background {
    command: String,
    child: Child,
    output: Arc<Mutex<Vec<u8>>>,
}

impl Background {
    fn start(mut command: Command) -> Self {
        let description = describe(&command);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{description}`: {e}"));
        // One transcript in arrival order. The readers are never joined: a killed server's children may
        // keep the pipes open; the threads end when the last holder goes.
        let output = Arc::new(Mutex::new(Vec::new()));
        collect_into(child.stdout.take().expect("piped"), Arc::clone(&output));
        collect_into(child.stderr.take().expect("piped"), Arc::clone(&output));
        Self {
            command: description,
            child,
            output,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Everything it printed so far (stdout and stderr, lossy UTF-8).
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Waits until `text` appears in its output.
    pub fn wait_for(&mut self, text: &str, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.output().contains(text) {
                return Ok(());
            }
            if !self.running() || Instant::now() >= deadline {
                // One last look: the text may have arrived with the exit.
                std::thread::sleep(Duration::from_millis(50));
                if self.output().contains(text) {
                    return Ok(());
                }
                let running = self.running();
                return Err(format!(
                    "`{}` did not print {text:?} (running: {running}); its output:\n{}",
                    self.command,
                    self.output()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The switch namespace, a host on each side, and the taps QEMU plugs ether1 and ether2 into.
#[derive(Debug)]
pub struct Network {
    switch: String,
    lan: Host,
    wan: Host,
    wan_bridge: String,
    lan_bridge: String,
    wan_tap: String,
    lan_tap: String,
    wan_veth: String,
    lan_veth: String,
}

impl Network {
    /// Builds the network, or returns `None` after printing why the test is skipped (not root, or a
    /// tool missing: `ip`, QEMU and the client `tools`).
    pub fn create_or_skip(test: &str, tools: &[&str]) -> Option<Self> {
        if let Some(reason) = skip_reason(tools) {
            println!("SKIPPED {test}: {reason}");
            return None;
        }
        Some(Self::create().unwrap_or_else(|e| panic!("cannot build the test network: {e}")))
    }

    /// Builds the network (needs root). On failure whatever was built is removed again.
    pub fn create() -> Result<Self, String> {
        static SWEEP: Once = Once::new();
        SWEEP.call_once(|| {
            remove_stale();
        });
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let id = format!(
            "{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let interface = |kind: &str| {
            let name = format!("{kind}-{id}");
            assert!(name.len() <= 15, "interface name {name} is too long");
            name
        };
        let network = Self {
            switch: format!("{NAMESPACE_PREFIX}{id}-sw"),
            lan: Host {
                namespace: format!("{NAMESPACE_PREFIX}{id}-lan"),
            },
            wan: Host {
                namespace: format!("{NAMESPACE_PREFIX}{id}-wan"),
            },
            wan_bridge: interface("bw"),
            lan_bridge: interface("bl"),
            wan_tap: interface("tw"),
            lan_tap: interface("tl"),
            wan_veth: interface("vw"),
            lan_veth: interface("vl"),
        };
        let _guard = SETUP.lock().unwrap_or_else(|e| e.into_inner());
        // On error `network` is dropped here, which removes what was built.
        network.build()?;
        Ok(network)
    }

    fn build(&self) -> Result<(), String> {
        let sw = self.switch.as_str();
        for namespace in self.namespaces() {
            ip(&["netns", "add", namespace])?;
            ip(&["-n", namespace, "link", "set", "lo", "up"])?;
        }
        let sides = [
            (&self.wan_bridge, &self.wan_tap, &self.wan_veth, &self.wan),
            (&self.lan_bridge, &self.lan_tap, &self.lan_veth, &self.lan),
        ];
        for (bridge, tap, veth, host) in sides {
            ip(&[
                "-n",
                sw,
                "link",
                "add",
                bridge,
                "type",
                "bridge",
                "stp_state",
                "0",
                "mcast_snooping",
                "0",
            ])?;
            ip(&["-n", sw, "tuntap", "add", "dev", tap, "mode", "tap"])?;
            ip(&[
                "-n",
                sw,
                "link",
                "add",
                veth,
                "type",
                "veth",
                "peer",
                "name",
                HOST_INTERFACE,
                "netns",
                &host.namespace,
            ])?;
            for link in [bridge, tap, veth] {
                ip(&["-n", sw, "link", "set", link, "addrgenmode", "none"])?;
            }
            for port in [tap, veth] {
                ip(&["-n", sw, "link", "set", port, "master", bridge])?;
            }
            for link in [bridge, tap, veth] {
                ip(&["-n", sw, "link", "set", link, "up"])?;
            }
        }
        let hosts = [
            (&self.wan, format!("{WAN_HOST}/24"), None),
            (&self.lan, format!("{LAN_HOST}/24"), Some(LAN_ROUTER)),
        ];
        for (host, address, gateway) in hosts {
            let ns = host.namespace.as_str();
            ip(&["-n", ns, "addr", "add", &address, "dev", HOST_INTERFACE])?;
            ip(&["-n", ns, "link", "set", HOST_INTERFACE, "up"])?;
            if let Some(gateway) = gateway {
                let gateway = gateway.to_string();
                ip(&["-n", ns, "route", "add", "default", "via", &gateway])?;
            }
        }
        Ok(())
    }

    /// The switch, LAN and WAN namespace names.
    pub fn namespaces(&self) -> [&str; 3] {
        [&self.switch, &self.lan.namespace, &self.wan.namespace]
    }

    /// The namespace holding the bridges and taps, where QEMU runs.
    pub fn switch(&self) -> &str {
        &self.switch
    }

    /// The host on the LAN side: 192.168.88.10/24, default route via 192.168.88.1.
    pub fn lan(&self) -> &Host {
        &self.lan
    }

    /// The host on the WAN side: 198.51.100.1/24, no route to the LAN.
    pub fn wan(&self) -> &Host {
        &self.wan
    }

    /// The tap ether1 (WAN) is plugged into, and the one of ether2 (LAN).
    pub fn taps(&self) -> [&str; 2] {
        [&self.wan_tap, &self.lan_tap]
    }

    /// The WAN and LAN bridges in the switch namespace.
    pub fn bridges(&self) -> [&str; 2] {
        [&self.wan_bridge, &self.lan_bridge]
    }

    /// The switch-side ends of the WAN and LAN hosts' veth pairs.
    pub fn veths(&self) -> [&str; 2] {
        [&self.wan_veth, &self.lan_veth]
    }

    /// Every interface name the harness created (all inside its namespaces).
    pub fn interfaces(&self) -> Vec<&str> {
        [self.bridges(), self.taps(), self.veths()].concat()
    }

    /// Runs `args` in the switch namespace.
    pub fn run_in_switch(&self, args: &[&str], timeout: Duration) -> CommandOutput {
        run_in(&self.switch, args, timeout)
    }

    /// `config` with QEMU started in the switch namespace and ether1/ether2 on the WAN/LAN taps.
    pub fn qemu_config(&self, mut config: QemuConfig) -> QemuConfig {
        config.netns = Some(self.switch.clone());
        config.nics = vec![
            NetBackend::Tap(self.wan_tap.clone()),
            NetBackend::Tap(self.lan_tap.clone()),
        ];
        config
    }

    /// Makes the host kernel route in the switch namespace in the appliance's place: the appliance's
    /// addresses and MACs on the bridges, forwarding on, and (with `firewall`) an nftables ruleset like
    /// the factory default: masquerade towards the WAN, established/related accepted, invalid dropped,
    /// new connections from the WAN dropped. Needs `nft` for the ruleset.
    pub fn route_with_host_kernel(&self, firewall: bool) -> Result<(), String> {
        self.route_with_host_kernel_rules(firewall.then_some(&[]))
    }

    /// [`route_with_host_kernel`](Self::route_with_host_kernel) with the ruleset's forward chain led by
    /// `extra_forward_rules` (nft statements such as `ip saddr 10.0.0.1 drop`); `None`: no ruleset.
    pub fn route_with_host_kernel_rules(
        &self,
        extra_forward_rules: Option<&[String]>,
    ) -> Result<(), String> {
        let [wan, lan] = self.bridges();
        let switch = |args: &[&str]| {
            let output = self.run_in_switch(args, IP_TIMEOUT);
            if output.success() {
                Ok(())
            } else {
                Err(format!("host-kernel router setup: {output}"))
            }
        };
        for (bridge, mac, address) in [
            (wan, ETHER1_MAC, format!("{WAN_ROUTER}/24")),
            (lan, ETHER2_MAC, format!("{LAN_ROUTER}/24")),
        ] {
            switch(&["ip", "link", "set", bridge, "address", mac])?;
            switch(&["ip", "addr", "add", &address, "dev", bridge])?;
        }
        switch(&[
            "ip",
            "route",
            "add",
            "default",
            "via",
            &WAN_HOST.to_string(),
        ])?;
        switch(&["sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"])?;
        // ICMP errors from the address of the interface they leave by, towards the sender (RFC 1812
        // 4.3.2.4), as the appliance does; Linux otherwise sends Host Unreachable from the address of the
        // interface whose ARP failed.
        switch(&[
            "sh",
            "-c",
            "echo 1 > /proc/sys/net/ipv4/icmp_errors_use_inbound_ifaddr",
        ])?;
        if let Some(extra) = extra_forward_rules {
            let extra: String = extra.iter().map(|rule| format!("{rule};\n")).collect();
            let ruleset = format!(
                "table ip appliance {{\n\
                 chain forward {{ type filter hook forward priority 0; policy accept;\n\
                 {extra}\
                 ct state established,related accept; ct state invalid drop; iifname \"{wan}\" drop; }}\n\
                 chain postrouting {{ type nat hook postrouting priority 100; oifname \"{wan}\" masquerade; }}\n\
                 }}\n"
            );
            switch(&["nft", &ruleset])?;
        }
        Ok(())
    }

    fn teardown(&self) {
        let _guard = SETUP.lock().unwrap_or_else(|e| e.into_inner());
        // QEMU (normally already gone with its `Vm`) and servers that outlived their handles.
        for namespace in self.namespaces() {
            kill_processes_in(namespace);
        }
        // Deleting a veth end removes its peer in the host namespace too.
        for link in self.interfaces() {
            let _ = ip(&["-n", &self.switch, "link", "del", link]);
        }
        let existing = namespaces();
        for namespace in self.namespaces() {
            if existing.iter().any(|ns| ns == namespace)
                && let Err(e) = ip(&["netns", "del", namespace])
            {
                eprintln!("netns: cannot remove {namespace}: {e}");
            }
        }
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        self.teardown();
    }
}

/// A process's CPU time so far (user + system, all threads), from `/proc/PID/stat`.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name: state is field 3, utime 14 and stime 15 (proc(5)).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let ticks = utime + stime;
    let hz = clock_ticks_per_second();
    Some(Duration::from_secs(ticks / hz) + Duration::from_nanos((ticks % hz) * 1_000_000_000 / hz))
}

fn clock_ticks_per_second() -> u64 {
    static HZ: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *HZ.get_or_init(|| {
        let mut command = Command::new("getconf");
        command.arg("CLK_TCK");
        run_with_timeout(command, IP_TIMEOUT)
            .stdout
            .trim()
            .parse()
            .unwrap_or(100)
    })
}

/// Round-trip times from ping's summary (`rtt min/avg/max/mdev = 0.1/0.2/0.3/0.0 ms`), in ms.
pub fn ping_rtt(output: &str) -> Option<(f64, f64, f64)> {
    let line = output.lines().find(|l| l.contains("min/avg/max"))?;
    let values = line.split_once(" = ")?.1.split_whitespace().next()?;
    let mut numbers = values.split('/').map(|v| v.parse::<f64>().ok());
    Some((numbers.next()??, numbers.next()??, numbers.next()??))
}

/// Transmitted and received counts from ping's summary (`5 packets transmitted, 5 received, ...`).
pub fn ping_counts(output: &str) -> Option<(u32, u32)> {
    let line = output.lines().find(|l| l.contains("packets transmitted"))?;
    let mut numbers = line
        .split(',')
        .filter_map(|part| part.split_whitespace().next()?.parse::<u32>().ok());
    Some((numbers.next()?, numbers.next()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ping_summaries() {
        let output = "--- 192.168.88.1 ping statistics ---\n\
                      5 packets transmitted, 4 received, 20% packet loss, time 803ms\n\
                      rtt min/avg/max/mdev = 0.412/1.005/2.250/0.700 ms\n";
        assert_eq!(ping_rtt(output), Some((0.412, 1.005, 2.25)));
        assert_eq!(ping_counts(output), Some((5, 4)));
        let errors = "1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n";
        assert_eq!(ping_counts(errors), Some((1, 0)));
        assert_eq!(ping_rtt(errors), None);
    }

    #[test]
    fn namespace_owner_is_parsed() {
        assert_eq!(owner_pid("appliance-test-4242-7-sw"), Some(4242));
        assert_eq!(owner_pid("appliance-test-x-sw"), None);
        assert_eq!(owner_pid("other-4242-7-sw"), None);
    }

    #[test]
    fn own_process_is_alive_and_cpu_time_reads() {
        assert!(process_alive(std::process::id()));
        assert!(cpu_time(std::process::id()).is_some());
    }
}
