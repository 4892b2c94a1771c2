//! Traffic generators and the measurements they drive through a device under test (DUT) between the two
//! hosts of [`crate::netns`]: the LAN host (192.168.88.10, default route via the DUT) sends, a server on the
//! WAN host (198.51.100.1) receives. The DUT masquerades LAN → WAN and drops new connections from the WAN,
//! so traffic always starts on the LAN host.
//!
//! * [`udp_pps`]: 64-byte UDP frames in N flows (`udp-flood`); offered is counted on the LAN host's
//!   `eth0`, delivered by an nft counter at the WAN host's ingress, which also drops them there.
//! * [`tcp_throughput`]: iperf3 with N parallel streams; the receiver's bits per second.
//! * [`latency`]: ping every 10 ms, idle or beside one iperf3 stream; percentiles of the replies' `time=`.
//! * [`connections_per_second`]: `tcp-connect-rate` against a `tcp-accept` server; connections completed
//!   per second.
//!
//! # The generators and [`Tool`]
//!
//! The UDP flood and the TCP connection loop are Rust code ([`tool_main`]) that has to run *inside* a
//! host's namespace, so it runs as a process: `ip netns exec NS env VAR=… PROGRAM ARGS…`. [`Tool`] says
//! how to start that process; `env` (which `exec`s) keeps the PID the one [`Background`] kills.
//!
//! * A benchmark binary calls [`tool_main`] first thing in `main` with its arguments after the program
//!   name, and exits with the code it returns when it returns `Some`; it then measures with
//!   [`Tool::current_exe`], which runs `BINARY udp-flood …` and so on.
//!
//!   ```no_run
//!   use tests::bench::load::{self, Tool};
//!
//!   // First thing in the benchmark binary's `main`:
//!   let args: Vec<String> = std::env::args().skip(1).collect();
//!   if let Some(code) = load::tool_main(&args) {
//!       std::process::exit(code);
//!   }
//!   let tool = Tool::current_exe().expect("the running executable");
//!   // … build the network, boot the DUT, then e.g. load::udp_pps(&tool, lan, wan, 1, duration)
//!   ```
//!
//! * A libtest binary (an integration test) cannot take extra arguments: its argument parser would take
//!   them for test filters. It has a test, say `tool_entry`, that calls [`tool_main_from_env`] and exits
//!   with the code it returns; [`Tool::libtest`] runs `TEST_BINARY tool_entry --exact --nocapture -q` with
//!   the subcommand in the environment variable [`TOOL_ARGS_ENV`]. Without that variable the test does
//!   nothing and passes.
//!
//! A tool prints one JSON object as the last line of its stdout (anything before it, such as libtest's
//! "running 1 test", is ignored).
//!
//! # Guarantees
//!
//! * Traffic stays inside the namespaces: the UDP flood sends only to the address it is given (an IPv4
//!   literal), and the measurements only ever give it the WAN host's address.
//! * Everything a measurement starts is stopped before it returns, also on error: servers and load
//!   generators are [`Background`] processes killed when dropped; nft tables and sysctls a measurement
//!   changes are removed or restored by guards.
//! * Every wait is bounded: each command has a timeout of the measured duration plus a margin
//!   ([`MARGIN`]), and waiting for servers is bounded too.
//! * Failures come back as `Err` with what the tools printed; nothing here panics on a tool's output.
//! * Ports: TCP 5301–5303 on the WAN host, UDP [`UDP_PORT`] and up (one per flow); none of the other
//!   tests use them.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::netns::{Background, CommandOutput, HOST_INTERFACE, Host, WAN_HOST};

/// The environment variable that carries a tool subcommand to a libtest binary ([`Tool::libtest`]),
/// its words separated by spaces.
pub const TOOL_ARGS_ENV: &str = "LOAD_TOOL_ARGS";
/// UDP payload bytes that make 64-byte Ethernet frames: 14 (Ethernet) + 20 (IPv4) + 8 (UDP) + 18 + 4 (FCS).
pub const UDP_PAYLOAD: usize = 18;
/// The first UDP destination port of the flood; flow `i` goes to `UDP_PORT + i`.
pub const UDP_PORT: u16 = 9000;
/// The most flows [`udp_pps`] accepts (ports `UDP_PORT..=65535`).
pub const MAX_FLOWS: u32 = 65535 - UDP_PORT as u32 + 1;
/// iperf3 ports on the WAN host: throughput, the load beside the latency pings.
pub const IPERF_PORT: u16 = 5301;
pub const IPERF_LOAD_PORT: u16 = 5302;
/// The `tcp-accept` server's port on the WAN host.
pub const ACCEPT_PORT: u16 = 5303;
/// Seconds between latency pings (ping's `-i`; below 0.2 it needs root).
pub const PING_INTERVAL: f64 = 0.01;
/// Added to every command's expected duration to make its timeout.
pub const MARGIN: Duration = Duration::from_secs(30);
/// How long a single connection attempt of `tcp-connect-rate` may take (connect, then the server's close).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long packets still queued in the DUT get to arrive after the flood stops, before counting.
const SETTLE: Duration = Duration::from_millis(300);
/// The nft table [`udp_pps`] adds on the WAN host.
const SINK_TABLE: &str = "load_udp_sink";
/// The nft table [`udp_fill`] adds on the WAN host.
const FILL_SINK_TABLE: &str = "load_fill_sink";
/// The ephemeral port range [`connections_per_second`] gives the LAN host.
const WIDE_PORT_RANGE: &str = "1024 65535";

// ---------------------------------------------------------------------------------------------------
// The tools (run inside a namespace).

/// Runs a tool subcommand when `args` (the arguments after the program name) name one:
///
/// * `udp-flood DST PORT FLOWS SECONDS PAYLOAD`: one UDP socket sends `PAYLOAD`-byte datagrams (18 makes
///   64-byte Ethernet frames) to `DST` (an IPv4 address), destination ports `PORT..PORT+FLOWS` in turn, as
///   fast as it can for `SECONDS`; prints `{"sent", "errors", "seconds", "first_error"}`.
/// * `tcp-accept ADDR PORT`: listens on `ADDR:PORT`, prints `{"listening": "ADDR:PORT"}`, then accepts
///   and closes each connection at once, until killed.
/// * `tcp-connect-rate ADDR PORT SECONDS`: for `SECONDS`, one connection after another: connect, wait for
///   the server to close, close; prints `{"connected", "failed", "seconds", "first_error"}`.
/// * `udp-fill DST FLOWS RATE PAYLOAD`: one datagram per flow of [`fill_flow`] `0..FLOWS` to `DST`, at most
///   `RATE` per second; prints `{"sent", "errors", "seconds", "first_error"}`.
///
/// Returns the exit code (0 done, 1 failed, 2 bad arguments; the reason on stderr), or `None` when `args`
/// are not a tool subcommand.
pub fn tool_main(args: &[String]) -> Option<i32> {
    let (command, rest) = args.split_first()?;
    let result = match command.as_str() {
        "udp-flood" => udp_flood(rest),
        "tcp-accept" => tcp_accept(rest),
        "tcp-connect-rate" => tcp_connect_rate(rest),
        "udp-fill" => udp_fill_tool(rest),
        _ => return None,
    };
    Some(match result {
        Ok(report) => {
            let mut stdout = std::io::stdout().lock();
            // Written to the stream itself, not through `println!`, which libtest may capture.
            match writeln!(stdout, "{report}").and_then(|()| stdout.flush()) {
                Ok(()) => 0,
                Err(_) => 1,
            }
        }
        Err(ToolError::Usage(message)) => {
            eprintln!("{command}: {message}\nusage: {}", usage(command));
            2
        }
        Err(ToolError::Failed(message)) => {
            eprintln!("{command}: {message}");
            1
        }
    })
}

/// [`tool_main`] on the subcommand in [`TOOL_ARGS_ENV`]; `None` when the variable is not set.
pub fn tool_main_from_env() -> Option<i32> {
    let words = std::env::var(TOOL_ARGS_ENV).ok()?;
    let args: Vec<String> = words.split_whitespace().map(str::to_owned).collect();
    Some(tool_main(&args).unwrap_or_else(|| {
        eprintln!("{TOOL_ARGS_ENV}={words:?} is not a tool subcommand");
        2
    }))
}

fn usage(command: &str) -> &'static str {
    match command {
        "udp-flood" => "udp-flood DST PORT FLOWS SECONDS PAYLOAD",
        "tcp-accept" => "tcp-accept ADDR PORT",
        "udp-fill" => "udp-fill DST FLOWS RATE PAYLOAD",
        _ => "tcp-connect-rate ADDR PORT SECONDS",
    }
}

enum ToolError {
    Usage(String),
    Failed(String),
}

fn arg<T: std::str::FromStr>(args: &[String], index: usize, name: &str) -> Result<T, ToolError> {
    let text = args
        .get(index)
        .ok_or_else(|| ToolError::Usage(format!("{name} is missing")))?;
    text.parse()
        .map_err(|_| ToolError::Usage(format!("{name} {text:?} is not valid")))
}

fn arg_count(args: &[String], count: usize) -> Result<(), ToolError> {
    if args.len() == count {
        Ok(())
    } else {
        Err(ToolError::Usage(format!(
            "expected {count} arguments, got {}",
            args.len()
        )))
    }
}

fn seconds_arg(args: &[String], index: usize) -> Result<Duration, ToolError> {
    let seconds: f64 = arg(args, index, "SECONDS")?;
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| ToolError::Usage(format!("SECONDS {seconds} is not a positive duration")))
}

fn udp_flood(args: &[String]) -> Result<Value, ToolError> {
    arg_count(args, 5)?;
    let destination: Ipv4Addr = arg(args, 0, "DST")?;
    let port: u16 = arg(args, 1, "PORT")?;
    let flows: u32 = arg(args, 2, "FLOWS")?;
    let duration = seconds_arg(args, 3)?;
    let payload: usize = arg(args, 4, "PAYLOAD")?;
    if flows == 0 || u32::from(port) + flows - 1 > 65535 {
        return Err(ToolError::Usage(format!(
            "FLOWS {flows} from PORT {port} leaves the port range"
        )));
    }
    if payload > 1472 {
        return Err(ToolError::Usage(format!(
            "PAYLOAD {payload} does not fit a 1500-byte MTU"
        )));
    }
    let targets: Vec<SocketAddr> = (0..flows)
        .map(|i| SocketAddr::V4(SocketAddrV4::new(destination, port + i as u16)))
        .collect();
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .map_err(|e| ToolError::Failed(format!("cannot open a UDP socket: {e}")))?;
    let data = vec![0u8; payload];
    let (mut sent, mut errors) = (0u64, 0u64);
    let mut first_error: Option<String> = None;
    let started = Instant::now();
    // The clock is read every 256 datagrams.
    for (attempt, target) in targets.iter().cycle().enumerate() {
        if attempt.is_multiple_of(256) && started.elapsed() >= duration {
            break;
        }
        match socket.send_to(&data, target) {
            Ok(_) => sent += 1,
            Err(e) => {
                // ENOBUFS / EAGAIN when a queue is full: the offered load is what got through.
                errors += 1;
                first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    if sent == 0 {
        return Err(ToolError::Failed(format!(
            "no datagram could be sent in {seconds:.1} s ({errors} errors, first: {})",
            first_error.unwrap_or_default()
        )));
    }
    Ok(json!({ "sent": sent, "errors": errors, "seconds": seconds, "first_error": first_error }))
}

/// The first source port of [`udp_fill`]'s flows on the LAN host (below Linux's ephemeral range, so no
/// other socket there has it).
pub const FILL_SOURCE_PORT: u16 = 20_000;
/// The most flows [`udp_fill`] makes (75 source ports).
pub const MAX_FILL_FLOWS: u32 = 4 << 20;

/// Flow `i` of a fill: (source port, destination port). Destination ports run through
/// `UDP_PORT..=65535` for each source port in turn, so flows `0..n` are `n` distinct connections.
pub fn fill_flow(i: u32) -> (u16, u16) {
    let source = u32::from(FILL_SOURCE_PORT) + i / MAX_FLOWS;
    let destination = u32::from(UDP_PORT) + i % MAX_FLOWS;
    (
        u16::try_from(source).unwrap_or(u16::MAX),
        u16::try_from(destination).unwrap_or(u16::MAX),
    )
}

fn udp_fill_tool(args: &[String]) -> Result<Value, ToolError> {
    arg_count(args, 4)?;
    let destination: Ipv4Addr = arg(args, 0, "DST")?;
    let flows: u32 = arg(args, 1, "FLOWS")?;
    let rate: u32 = arg(args, 2, "RATE")?;
    let payload: usize = arg(args, 3, "PAYLOAD")?;
    if flows == 0 || flows > MAX_FILL_FLOWS {
        return Err(ToolError::Usage(format!(
            "FLOWS must be 1..={MAX_FILL_FLOWS}, not {flows}"
        )));
    }
    if rate == 0 || payload > 1472 {
        return Err(ToolError::Usage(format!(
            "RATE {rate} must be positive and PAYLOAD {payload} fit a 1500-byte MTU"
        )));
    }
    let sockets: Vec<UdpSocket> = (0..flows.div_ceil(MAX_FLOWS))
        .map(|k| {
            let port = FILL_SOURCE_PORT + k as u16;
            UdpSocket::bind((Ipv4Addr::UNSPECIFIED, port))
                .map_err(|e| ToolError::Failed(format!("cannot bind UDP port {port}: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let data = vec![0u8; payload];
    let (mut sent, mut errors) = (0u64, 0u64);
    let mut first_error: Option<String> = None;
    let started = Instant::now();
    for i in 0..flows {
        // Paced in batches of 64: sleep until the batch is due.
        if i % 64 == 0 {
            let due = Duration::from_secs_f64(f64::from(i) / f64::from(rate));
            if let Some(ahead) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(ahead);
            }
        }
        let (source, port) = fill_flow(i);
        let socket = &sockets[usize::from(source - FILL_SOURCE_PORT)];
        match socket.send_to(&data, SocketAddrV4::new(destination, port)) {
            Ok(_) => sent += 1,
            Err(e) => {
                errors += 1;
                first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(json!({ "sent": sent, "errors": errors, "seconds": seconds, "first_error": first_error }))
}

fn tcp_accept(args: &[String]) -> Result<Value, ToolError> {
    arg_count(args, 2)?;
    let address: Ipv4Addr = arg(args, 0, "ADDR")?;
    let port: u16 = arg(args, 1, "PORT")?;
    let listener = TcpListener::bind((address, port))
        .map_err(|e| ToolError::Failed(format!("cannot listen on {address}:{port}: {e}")))?;
    {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(
            stdout,
            "{}",
            json!({ "listening": format!("{address}:{port}") })
        );
        let _ = stdout.flush();
    }
    loop {
        match listener.accept() {
            // Dropping the stream closes it: the server closes first and keeps the TIME_WAIT.
            Ok((stream, _)) => drop(stream),
            // Out of descriptors or memory for a moment: let the closes catch up.
            Err(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    }
}

fn tcp_connect_rate(args: &[String]) -> Result<Value, ToolError> {
    arg_count(args, 3)?;
    let address: Ipv4Addr = arg(args, 0, "ADDR")?;
    let port: u16 = arg(args, 1, "PORT")?;
    let duration = seconds_arg(args, 2)?;
    let server = SocketAddr::V4(SocketAddrV4::new(address, port));
    let (mut connected, mut failed) = (0u64, 0u64);
    let mut first_error: Option<String> = None;
    let started = Instant::now();
    while started.elapsed() < duration {
        match connect_once(server) {
            Ok(()) => connected += 1,
            Err(e) => {
                failed += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(json!({
        "connected": connected, "failed": failed, "seconds": seconds, "first_error": first_error
    }))
}

/// One connection: connect, wait for the server's FIN, close (so the client never holds a TIME_WAIT).
fn connect_once(server: SocketAddr) -> Result<(), String> {
    let mut stream = TcpStream::connect_timeout(&server, CONNECT_TIMEOUT)
        .map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(CONNECT_TIMEOUT))
        .map_err(|e| format!("set_read_timeout: {e}"))?;
    let mut byte = [0u8; 1];
    loop {
        match stream.read(&mut byte) {
            Ok(0) => return Ok(()),
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("waiting for the server's close: {e}")),
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Starting tools in a namespace.

/// How to run [`tool_main`]'s subcommands as a process in a namespace: `env ENV… PROGRAM ARGS…` followed
/// by the subcommand, or, with `args_env` set, the subcommand in that environment variable instead.
#[derive(Clone, Debug)]
pub struct Tool {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Pass the subcommand (words joined by spaces) in this environment variable rather than as
    /// arguments; see [`Tool::libtest`].
    pub args_env: Option<String>,
}

impl Tool {
    /// `PROGRAM SUBCOMMAND …`: a binary whose `main` hands its arguments to [`tool_main`] first.
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            args_env: None,
        }
    }

    /// The running executable, as [`Tool::new`]: for a benchmark binary that calls [`tool_main`] first.
    pub fn current_exe() -> Result<Self, String> {
        let program = std::env::current_exe()
            .map_err(|e| format!("cannot find the running executable: {e}"))?;
        Ok(Self::new(program))
    }

    /// A libtest binary whose test `test` calls [`tool_main_from_env`] and exits with its code: runs
    /// `PROGRAM TEST --exact --nocapture -q` with the subcommand in [`TOOL_ARGS_ENV`].
    pub fn libtest(program: impl Into<PathBuf>, test: &str) -> Self {
        Self {
            program: program.into(),
            args: [test, "--exact", "--nocapture", "-q"]
                .map(str::to_owned)
                .to_vec(),
            env: Vec::new(),
            args_env: Some(TOOL_ARGS_ENV.to_owned()),
        }
    }

    /// The command line that runs `subcommand` (to follow `ip netns exec NS`).
    pub fn command(&self, subcommand: &[&str]) -> Vec<String> {
        let mut command = vec!["env".to_owned()];
        command.extend(self.env.iter().map(|(k, v)| format!("{k}={v}")));
        if let Some(variable) = &self.args_env {
            command.push(format!("{variable}={}", subcommand.join(" ")));
        }
        command.push(self.program.to_string_lossy().into_owned());
        command.extend(self.args.iter().cloned());
        if self.args_env.is_none() {
            command.extend(subcommand.iter().map(|s| (*s).to_owned()));
        }
        command
    }

    /// Runs `subcommand` on `host` until it ends (killed after `timeout`) and returns its JSON report.
    fn run(&self, host: &Host, subcommand: &[&str], timeout: Duration) -> Result<Value, String> {
        let command = self.command(subcommand);
        let output = host.run(&as_strs(&command), timeout);
        if !output.success() {
            return Err(format!(
                "{} failed in {}: {output}",
                subcommand[0],
                host.namespace()
            ));
        }
        parse_tool_report(&output.stdout).map_err(|e| format!("{e}: {output}"))
    }

    /// Starts `subcommand` on `host` in the background.
    fn spawn(&self, host: &Host, subcommand: &[&str]) -> Background {
        host.spawn(&as_strs(&self.command(subcommand)))
    }
}

fn as_strs(strings: &[String]) -> Vec<&str> {
    strings.iter().map(String::as_str).collect()
}

/// The JSON object on the last line of a tool's stdout that holds one.
pub fn parse_tool_report(stdout: &str) -> Result<Value, String> {
    let line = stdout
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('{'))
        .ok_or("the tool printed no JSON report")?;
    serde_json::from_str(line).map_err(|e| format!("the tool's report {line:?} is not JSON: {e}"))
}

fn report_u64(report: &Value, key: &str) -> Result<u64, String> {
    report[key]
        .as_u64()
        .ok_or_else(|| format!("the tool's report {report} has no count {key:?}"))
}

fn report_seconds(report: &Value) -> Result<f64, String> {
    report["seconds"]
        .as_f64()
        .filter(|s| *s > 0.0)
        .ok_or_else(|| format!("the tool's report {report} has no positive \"seconds\""))
}

fn ensure_ran(output: &CommandOutput, what: &str, host: &Host) -> Result<(), String> {
    if output.success() {
        Ok(())
    } else {
        Err(format!("{what} failed in {}: {output}", host.namespace()))
    }
}

/// Whole seconds covering `duration`, at least one (iperf3's `-t` takes an integer).
fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs_f64().ceil().max(1.0) as u64
}

/// Waits until the LAN host reaches the WAN host through the DUT (which also resolves its ARP entries).
fn reach_wan(lan: &Host) -> Result<(), String> {
    let wan = WAN_HOST.to_string();
    let output = lan.run(&["ping", "-n", "-c", "1", "-w", "20", &wan], MARGIN);
    ensure_ran(&output, "a ping from the LAN host to the WAN host", lan)
}

fn interface_counter(host: &Host, counter: &str) -> Result<u64, String> {
    let path = format!("/sys/class/net/{HOST_INTERFACE}/statistics/{counter}");
    let output = host.run(&["cat", &path], MARGIN);
    ensure_ran(&output, "reading an interface counter", host)?;
    output
        .stdout
        .trim()
        .parse()
        .map_err(|_| format!("{path} in {} is not a number: {output}", host.namespace()))
}

// ---------------------------------------------------------------------------------------------------
// Guards for what measurements change.

/// An nft table on a host, deleted when dropped.
struct NftTable<'a> {
    host: &'a Host,
    family: &'static str,
    name: &'static str,
}

impl<'a> NftTable<'a> {
    /// Replaces table `family name` on `host` with `body` (the lines inside `table … { }`).
    fn add(
        host: &'a Host,
        family: &'static str,
        name: &'static str,
        body: &str,
    ) -> Result<Self, String> {
        // Declaring the table first makes the delete succeed whether or not a leftover exists; nft
        // applies the whole script as one transaction.
        let script = format!(
            "table {family} {name} {{\n}}\ndelete table {family} {name}\n\
             table {family} {name} {{\n{body}\n}}\n"
        );
        let output = host.run(&["nft", &script], MARGIN);
        ensure_ran(&output, "adding an nft table", host)?;
        Ok(Self { host, family, name })
    }

    /// The sum of the packet counters of the table's rules.
    fn packets(&self) -> Result<u64, String> {
        let output = self.host.run(
            &["nft", "-j", "list", "table", self.family, self.name],
            MARGIN,
        );
        ensure_ran(&output, "reading nft counters", self.host)?;
        parse_nft_packets(&output.stdout)
            .ok_or_else(|| format!("no counters in `nft -j list table`: {output}"))
    }
}

impl Drop for NftTable<'_> {
    fn drop(&mut self) {
        let output = self
            .host
            .run(&["nft", "delete", "table", self.family, self.name], MARGIN);
        if !output.success() {
            eprintln!("load: cannot remove nft table {}: {output}", self.name);
        }
    }
}

/// The sum of the `counter` packets in `nft -j list …` output; `None` when it holds no counter.
pub fn parse_nft_packets(json: &str) -> Option<u64> {
    let value: Value = serde_json::from_str(json).ok()?;
    let counters: Vec<u64> = value["nftables"]
        .as_array()?
        .iter()
        .filter_map(|item| item["rule"]["expr"].as_array())
        .flatten()
        .filter_map(|expr| expr["counter"]["packets"].as_u64())
        .collect();
    (!counters.is_empty()).then(|| counters.iter().sum())
}

/// A sysctl file in a host's namespace, set for a while and restored when dropped.
struct Sysctl<'a> {
    host: &'a Host,
    path: &'static str,
    old: String,
}

impl<'a> Sysctl<'a> {
    fn set(host: &'a Host, path: &'static str, value: &str) -> Result<Self, String> {
        let read = host.run(&["cat", path], MARGIN);
        ensure_ran(&read, "reading a sysctl", host)?;
        let guard = Self {
            host,
            path,
            old: read.stdout.trim().to_owned(),
        };
        guard.write(value)?;
        Ok(guard)
    }

    fn write(&self, value: &str) -> Result<(), String> {
        let script = format!("echo '{value}' > {}", self.path);
        let output = self.host.run(&["sh", "-c", &script], MARGIN);
        ensure_ran(&output, "setting a sysctl", self.host)
    }
}

impl Drop for Sysctl<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.write(&self.old.clone()) {
            eprintln!("load: cannot restore {}: {e}", self.path);
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// The measurements.

/// What [`udp_pps`] saw, per second of the flood.
#[derive(Clone, Debug, PartialEq)]
pub struct UdpResult {
    /// Frames that left the LAN host's interface (its `tx_packets`).
    pub offered_pps: f64,
    /// Flood datagrams that reached the WAN host's interface (an nft counter at its ingress).
    pub delivered_pps: f64,
    /// Datagrams the generator's socket accepted (at least `offered_pps`; more when the LAN host's own
    /// interface dropped some).
    pub generated_pps: f64,
    /// How long the flood ran.
    pub seconds: f64,
}

/// 64-byte UDP frames from the LAN host to the WAN host (198.51.100.1) through the DUT for `duration`, in
/// `flows` flows (destination ports [`UDP_PORT`]`..+flows`). Offered: the LAN host's `eth0` tx counter.
/// Delivered: a counter on an nft rule at the WAN host's ingress, which drops the datagrams there, before
/// any socket, so the WAN host sends nothing back (no ICMP port unreachable); unlike the interface's
/// rx counter it counts the flood's datagrams only (no ARP or IPv6 neighbour discovery). Packets still
/// queued in the DUT get 300 ms to arrive before the counters are read.
pub fn udp_pps(
    tool: &Tool,
    lan: &Host,
    wan: &Host,
    flows: u32,
    duration: Duration,
) -> Result<UdpResult, String> {
    if flows == 0 || flows > MAX_FLOWS {
        return Err(format!("flows must be 1..={MAX_FLOWS}, not {flows}"));
    }
    let last_port = u32::from(UDP_PORT) + flows - 1;
    let sink = udp_sink(wan, SINK_TABLE, last_port)?;
    reach_wan(lan)?;
    let offered_before = interface_counter(lan, "tx_packets")?;
    let delivered_before = sink.packets()?;
    let (destination, port) = (WAN_HOST.to_string(), UDP_PORT.to_string());
    let (flows_arg, seconds_arg) = (flows.to_string(), duration.as_secs_f64().to_string());
    let payload = UDP_PAYLOAD.to_string();
    let report = tool.run(
        lan,
        &[
            "udp-flood",
            &destination,
            &port,
            &flows_arg,
            &seconds_arg,
            &payload,
        ],
        duration + MARGIN,
    )?;
    std::thread::sleep(SETTLE);
    let offered = interface_counter(lan, "tx_packets")?.saturating_sub(offered_before);
    let delivered = sink.packets()?.saturating_sub(delivered_before);
    let seconds = report_seconds(&report)?;
    let sent = report_u64(&report, "sent")?;
    Ok(UdpResult {
        offered_pps: offered as f64 / seconds,
        delivered_pps: delivered as f64 / seconds,
        generated_pps: sent as f64 / seconds,
        seconds,
    })
}

/// An nft table `name` on the WAN host that counts and drops UDP to ports `UDP_PORT..=last_port` at its
/// ingress, before any socket, so nothing answers the generators' datagrams.
fn udp_sink<'a>(wan: &'a Host, name: &'static str, last_port: u32) -> Result<NftTable<'a>, String> {
    NftTable::add(
        wan,
        "netdev",
        name,
        &format!(
            "chain ingress {{\n\
             type filter hook ingress device \"{HOST_INTERFACE}\" priority 0;\n\
             meta protocol ip udp dport {UDP_PORT}-{last_port} counter drop\n\
             }}"
        ),
    )
}

/// What one [`udp_fill`] sweep did.
#[derive(Clone, Debug, PartialEq)]
pub struct FillResult {
    /// Datagrams the generator's sockets accepted.
    pub sent: u64,
    /// Flood datagrams that reached the WAN host.
    pub delivered: u64,
    pub seconds: f64,
}

/// One sweep over the flows `0..flows` of [`fill_flow`] from the LAN host to the WAN host through the DUT,
/// one 64-byte frame each, at most `rate` per second: each flow the DUT forwards is a connection in its
/// table. The WAN host counts and drops them at its ingress, as in [`udp_pps`], so nothing answers.
pub fn udp_fill(
    tool: &Tool,
    lan: &Host,
    wan: &Host,
    flows: u32,
    rate: u32,
) -> Result<FillResult, String> {
    let sink = udp_sink(wan, FILL_SINK_TABLE, 65535)?;
    reach_wan(lan)?;
    let (destination, flows_arg, rate_arg) =
        (WAN_HOST.to_string(), flows.to_string(), rate.to_string());
    let payload = UDP_PAYLOAD.to_string();
    let expected = Duration::from_secs_f64(f64::from(flows) / f64::from(rate.max(1)));
    let report = tool.run(
        lan,
        &["udp-fill", &destination, &flows_arg, &rate_arg, &payload],
        expected + MARGIN,
    )?;
    std::thread::sleep(SETTLE);
    Ok(FillResult {
        sent: report_u64(&report, "sent")?,
        delivered: sink.packets()?,
        seconds: report_seconds(&report)?,
    })
}

/// iperf3 TCP from the LAN host to a server on the WAN host (198.51.100.1, port [`IPERF_PORT`]) with
/// `streams` parallel streams for `duration` (whole seconds, at least one): the received bits per second
/// (`end.sum_received`).
pub fn tcp_throughput(
    lan: &Host,
    wan: &Host,
    streams: u32,
    duration: Duration,
) -> Result<f64, String> {
    if !(1..=128).contains(&streams) {
        return Err(format!("streams must be 1..=128, not {streams}"));
    }
    let seconds = whole_seconds(duration);
    let server = iperf3_server(wan, IPERF_PORT)?;
    let (destination, port) = (WAN_HOST.to_string(), IPERF_PORT.to_string());
    let (time, parallel) = (seconds.to_string(), streams.to_string());
    let client = lan.run(
        &[
            "iperf3",
            "-c",
            &destination,
            "-p",
            &port,
            "-t",
            &time,
            "-P",
            &parallel,
            "-J",
            "--connect-timeout",
            "10000",
        ],
        Duration::from_secs(seconds) + MARGIN,
    );
    let failed = |why: String| {
        format!(
            "iperf3 LAN -> WAN: {why}\n{client}--- server ---\n{}",
            server.output()
        )
    };
    if !client.success() {
        return Err(failed("the client failed".into()));
    }
    parse_iperf3_received(&client.stdout).map_err(failed)
}

/// Starts an iperf3 server for one test on the WAN host and waits until it listens.
fn iperf3_server(wan: &Host, port: u16) -> Result<Background, String> {
    let destination = WAN_HOST.to_string();
    let port_arg = port.to_string();
    let server = wan.spawn(&[
        "iperf3",
        "-s",
        "-1",
        "--forceflush",
        "-B",
        &destination,
        "-p",
        &port_arg,
    ]);
    match wan.wait_listening(port, MARGIN) {
        Ok(()) => Ok(server),
        Err(e) => Err(format!(
            "the iperf3 server did not start: {e}\n{}",
            server.output()
        )),
    }
}

/// `end.sum_received.bits_per_second` from `iperf3 -J` output, or the error iperf3 reported.
pub fn parse_iperf3_received(json: &str) -> Result<f64, String> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| format!("iperf3's output is not JSON: {e}"))?;
    if let Some(error) = value["error"].as_str() {
        return Err(format!("iperf3 reported: {error}"));
    }
    value["end"]["sum_received"]["bits_per_second"]
        .as_f64()
        .ok_or_else(|| "iperf3's JSON has no end.sum_received.bits_per_second".into())
}

/// Ping round trips from [`latency`].
#[derive(Clone, Debug, PartialEq)]
pub struct Latency {
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Echo requests without a reply.
    pub lost: u32,
    /// Echo requests sent.
    pub samples: u32,
}

/// `samples` pings every [`PING_INTERVAL`] from the LAN host to `target`, each reply's round trip taken
/// from its `time=` line: idle, or (`under_load`) while one iperf3 TCP stream runs from the LAN host to the
/// WAN host (port [`IPERF_LOAD_PORT`]), started a second before the first ping so its window has opened.
pub fn latency(
    lan: &Host,
    wan: &Host,
    target: &str,
    samples: u32,
    under_load: bool,
) -> Result<Latency, String> {
    if samples == 0 {
        return Err("samples must be at least 1".into());
    }
    let pinging = Duration::from_secs_f64(f64::from(samples) * PING_INTERVAL);
    // Drops in reverse order: the client before the server.
    let mut load: Option<(Background, Background)> = None;
    if under_load {
        let server = iperf3_server(wan, IPERF_LOAD_PORT)?;
        let (destination, port) = (WAN_HOST.to_string(), IPERF_LOAD_PORT.to_string());
        let time = (whole_seconds(pinging) + MARGIN.as_secs()).to_string();
        let mut client = lan.spawn(&[
            "iperf3",
            "-c",
            &destination,
            "-p",
            &port,
            "-t",
            &time,
            "--forceflush",
            "--connect-timeout",
            "10000",
        ]);
        if let Err(e) = client.wait_for("connected to", MARGIN) {
            return Err(format!(
                "the load did not start: {e}\n--- server ---\n{}",
                server.output()
            ));
        }
        std::thread::sleep(Duration::from_secs(1));
        load = Some((server, client));
    }
    let (count, interval) = (samples.to_string(), PING_INTERVAL.to_string());
    let output = lan.run(
        &[
            "ping", "-n", "-i", &interval, "-c", &count, "-W", "2", target,
        ],
        pinging + MARGIN,
    );
    if let Some((server, mut client)) = load
        && !client.running()
    {
        return Err(format!(
            "the iperf3 load ended before the pings did:\n{}--- server ---\n{}",
            client.output(),
            server.output()
        ));
    }
    if output.timed_out() {
        return Err(format!("ping did not finish: {output}"));
    }
    let mut times = parse_ping_times(&output.stdout);
    let (sent, received) = crate::netns::ping_counts(&output.stdout)
        .ok_or_else(|| format!("ping printed no summary: {output}"))?;
    if times.is_empty() {
        return Err(format!("no ping to {target} was answered: {output}"));
    }
    times.sort_by(f64::total_cmp);
    Ok(Latency {
        p50_ms: percentile(&times, 50.0).unwrap_or(f64::NAN),
        p99_ms: percentile(&times, 99.0).unwrap_or(f64::NAN),
        lost: sent.saturating_sub(received),
        samples: sent,
    })
}

/// The round trips (ms) of ping's reply lines (`64 bytes from …: icmp_seq=1 ttl=63 time=0.123 ms`), in
/// order; duplicates (`DUP!`) are left out.
pub fn parse_ping_times(output: &str) -> Vec<f64> {
    output
        .lines()
        .filter(|line| line.contains("icmp_seq=") && !line.contains("DUP!"))
        .filter_map(|line| {
            let (_, rest) = line.split_once(" time")?;
            let value = rest.strip_prefix(['=', '<'])?;
            value.split_whitespace().next()?.parse().ok()
        })
        .collect()
}

/// What [`connection_rate`] saw.
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectionRate {
    /// Completed connections per second.
    pub per_second: f64,
    pub connected: u64,
    /// Attempts that failed or timed out ([`CONNECT_TIMEOUT`]).
    pub failed: u64,
    pub first_error: Option<String>,
    pub seconds: f64,
}

/// New TCP connections per second through the DUT: see [`connection_rate`].
pub fn connections_per_second(
    tool: &Tool,
    lan: &Host,
    wan: &Host,
    duration: Duration,
) -> Result<f64, String> {
    connection_rate(tool, lan, wan, duration).map(|rate| rate.per_second)
}

/// One connection after another from the LAN host to a `tcp-accept` server on the WAN host (port
/// [`ACCEPT_PORT`]) for `duration`; each is complete once the server's close arrives. The server closes
/// first, so the TIME_WAIT states stay on the WAN host and the LAN host's ports are free again at once;
/// its ephemeral port range is widened to 1024–65535 for the run anyway. `Err` when no connection
/// completed.
pub fn connection_rate(
    tool: &Tool,
    lan: &Host,
    wan: &Host,
    duration: Duration,
) -> Result<ConnectionRate, String> {
    let _ports = Sysctl::set(
        lan,
        "/proc/sys/net/ipv4/ip_local_port_range",
        WIDE_PORT_RANGE,
    )?;
    let (destination, port) = (WAN_HOST.to_string(), ACCEPT_PORT.to_string());
    let server = tool.spawn(wan, &["tcp-accept", &destination, &port]);
    if let Err(e) = wan.wait_listening(ACCEPT_PORT, MARGIN) {
        return Err(format!(
            "tcp-accept did not start: {e}\n{}",
            server.output()
        ));
    }
    let seconds = duration.as_secs_f64().to_string();
    let report = tool
        .run(
            lan,
            &["tcp-connect-rate", &destination, &port, &seconds],
            duration + MARGIN,
        )
        .map_err(|e| format!("{e}\n--- tcp-accept ---\n{}", server.output()))?;
    let rate = ConnectionRate {
        connected: report_u64(&report, "connected")?,
        failed: report_u64(&report, "failed")?,
        first_error: report["first_error"].as_str().map(str::to_owned),
        seconds: report_seconds(&report)?,
        per_second: 0.0,
    };
    if rate.connected == 0 {
        return Err(format!(
            "no connection completed: {report}\n--- tcp-accept ---\n{}",
            server.output()
        ));
    }
    Ok(ConnectionRate {
        per_second: rate.connected as f64 / rate.seconds,
        ..rate
    })
}

/// The nearest-rank `p`-th percentile (0–100) of `sorted` (ascending): the smallest value with at least
/// `p` % of the values at or below it. `None` when `sorted` is empty or `p` is outside 0–100.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=100.0).contains(&p) {
        return None;
    }
    // p * n first: exact for whole percentages, so 99 % of 100 values is rank 99, not 100.
    let rank = (p * sorted.len() as f64 / 100.0).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}
