//! The appliance as a router between two real Linux hosts (see `tests::netns` for the layout): ping, NAT
//! (masquerade), the default firewall, a bulk transfer, ICMP errors and idling, with virtio-net and e1000.
//!
//! One VM per (NIC model, firmware) combination runs all its checks in sequence, which keeps the suite's
//! time down (each boot costs seconds under TCG). Every failure message carries the appliance's console
//! transcript. Figures (RTTs, throughput, idle CPU) are printed; run with `--nocapture` to see them.
//!
//! The appliance runs its factory configuration (`netstack::factory`): ether1 on 198.51.100.2/24 with a
//! default route via the WAN host 198.51.100.1, ether2 on 192.168.88.1/24, masquerade towards the WAN
//! and the default firewall. (Once the RouterOS CLI exists, tests will configure it at the console.)
//!
//! Needs root, QEMU, iproute2 (`ip`, `ss`), iputils `ping`, `curl`, `python3` and `iperf3`; without them
//! each test prints why it skipped and passes.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tests::netns::{self, Background, Host, Network};
use tests::*;

/// Client tools the checks use, besides `ip` and QEMU.
const TOOLS: &[&str] = &["ping", "curl", "python3", "iperf3", "ss"];
const HTTP_PORT: u16 = 8080;
const LAN_HTTP_PORT: u16 = 8081;
const IPERF_PORT: u16 = 5201;
const STREAM_PORT: u16 = 5301;
/// Bytes each intact-stream check moves.
const STREAM_BYTES: usize = 16 << 20;
const ECHO_PORT: u16 = 5302;
/// Datagrams the ring-wrap check gets echoed back: more than the 65536 steps of a virtqueue's 16-bit
/// ring indices, in every ring of both NICs.
const ECHOES: usize = 70_000;
/// A UDP echo server (`serve ADDRESS PORT`) and a client (`client ADDRESS PORT COUNT`) that keeps 32
/// datagrams in flight until COUNT echoes came back (or 120 s passed) and prints how many did.
const ECHO_SCRIPT: &str = r#"
import socket, sys, time
role, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if role == "serve":
    s.bind((host, port))
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(data, peer)
count, got, deadline = int(sys.argv[4]), 0, time.time() + 120
s.connect((host, port))
s.settimeout(0.05)
while got < count and time.time() < deadline:
    try:
        for _ in range(32):
            s.send(b"echo")
    except OSError:
        time.sleep(0.05)
    for _ in range(32):
        try:
            s.recv(2048)
            got += 1
        except socket.timeout:
            break
print("echoed", got, flush=True)
"#;
/// One end of a TCP stream of `size` pseudo-random bytes (seeded by the port): `serve-send`,
/// `serve-receive` (listen, then send or receive) or `send`, `receive` (connect). Each end prints the
/// SHA-256 and length of what it sent or received once the stream is over.
const STREAM_SCRIPT: &str = r#"
import hashlib, random, socket, sys
role, host, port, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if role.startswith("serve-"):
    listener = socket.create_server((host, port))
    conn, _ = listener.accept()
else:
    conn = socket.create_connection((host, port), timeout=60)
conn.settimeout(120)
if role.endswith("send"):
    data = random.Random(port).randbytes(size)
    conn.sendall(data)
    conn.shutdown(socket.SHUT_WR)
    while conn.recv(65536):
        pass
    print(hashlib.sha256(data).hexdigest(), len(data), flush=True)
else:
    digest, count = hashlib.sha256(), 0
    while chunk := conn.recv(65536):
        digest.update(chunk)
        count += len(chunk)
    conn.close()
    print(digest.hexdigest(), count, flush=True)
"#;
/// Bytes the bulk transfer moves.
const BULK: &str = "20M";
/// How long the idle-CPU measurement lasts, and the bound on QEMU's CPU use over it (share of one core).
const IDLE_WINDOW: Duration = Duration::from_secs(10);
const IDLE_CPU_BOUND: f64 = 0.30;
const SHORT: Duration = Duration::from_secs(30);

/// The router under test between the two hosts: the booted appliance, or (to check the checks) Linux
/// itself routing in the switch namespace. Fields drop in order: QEMU before the network.
struct Bench {
    label: String,
    vm: Option<Vm>,
    network: Network,
}

impl Bench {
    /// Builds the network and boots the appliance in it with `nic` and `firmware`. `None` when the test
    /// is skipped.
    fn start(test: &str, nic: NicModel, firmware: Firmware) -> Option<Self> {
        Self::start_with(test, &[nic, nic], firmware)
    }

    /// As [`Bench::start`] with a model per NIC (`ether1`, `ether2`).
    fn start_with(test: &str, nics: &[NicModel], firmware: Firmware) -> Option<Self> {
        let network = Network::create_or_skip(test, TOOLS)?;
        let mut config = network.qemu_config(soho_config(firmware));
        config.nic_models = nics.to_vec();
        let vm = boot_and_login(&config);
        let label = match nics {
            [a, b] if a == b => format!("{a:?}/{firmware:?}"),
            _ => format!("{nics:?}/{firmware:?}"),
        };
        println!(
            "{label}: booted to the prompt in {} ms",
            vm.elapsed().as_millis()
        );
        // The factory configuration (netstack::factory) already has ether1 on 198.51.100.2/24 with the
        // default route via the WAN host, ether2 on 192.168.88.1/24, masquerade and the defconf filter.
        Some(Self {
            label,
            vm: Some(vm),
            network,
        })
    }

    /// The same network with Linux routing in the switch namespace in the appliance's place: the
    /// appliance's addresses and MACs on the bridges, forwarding on, and an nftables ruleset like the
    /// factory default (masquerade towards the WAN, drop new connections from it). The checks must pass
    /// against it, which shows that they test what they claim with the tools as installed.
    fn linux_router(test: &str) -> Option<Self> {
        let tools: Vec<&str> = TOOLS.iter().copied().chain(["nft"]).collect();
        let network = Network::create_or_skip(test, &tools)?;
        if let Err(e) = network.route_with_host_kernel(true) {
            panic!("{e}");
        }
        Some(Self {
            label: "Linux router".into(),
            vm: None,
            network,
        })
    }

    /// What the router printed: the appliance's console transcript.
    fn transcript(&self) -> String {
        match &self.vm {
            Some(vm) => vm.output(),
            None => "(Linux router in the switch namespace; no console)".into(),
        }
    }

    fn lan(&self) -> &Host {
        self.network.lan()
    }

    fn wan(&self) -> &Host {
        self.network.wan()
    }

    /// Panics with `message` and the console transcript unless `ok`.
    fn check(&self, ok: bool, message: impl FnOnce() -> String) {
        if !ok {
            panic!(
                "{}: {}\n--- appliance console ---\n{}\n--- end of console ---",
                self.label,
                message(),
                self.transcript()
            );
        }
    }

    /// `host` pings `target`: waits up to 20 s for the first answer (ARP, links coming up), then sends
    /// five and expects at most one lost. Prints the RTTs.
    fn ping(&self, from: &str, host: &Host, target: &str) {
        let started = Instant::now();
        let first = host.run(&["ping", "-c", "1", "-w", "20", target], SHORT);
        self.check(first.success(), || {
            format!("{from} host: no answer from {target}: {first}")
        });
        let first_answer = started.elapsed();
        let output = host.run(&["ping", "-c", "5", "-i", "0.2", "-W", "2", target], SHORT);
        let counts = netns::ping_counts(&output.stdout);
        self.check(
            output.success() && counts.is_some_and(|(sent, got)| got + 1 >= sent),
            || format!("{from} host: pinging {target} lost packets: {output}"),
        );
        let (min, avg, max) = netns::ping_rtt(&output.stdout).unwrap_or_default();
        println!(
            "{}: {from} host -> {target}: first answer after {} ms; rtt min/avg/max {min:.3}/{avg:.3}/{max:.3} ms",
            self.label,
            first_answer.as_millis()
        );
    }

    /// `host`'s neighbour entry for `address` has `mac` (the appliance answered ARP).
    fn expect_neighbour(&self, from: &str, host: &Host, address: &str, mac: &str) {
        let neighbours = host.run(&["ip", "neigh", "show", address], SHORT);
        self.check(neighbours.stdout.contains(mac), || {
            format!("{from} host: {address} is not at {mac}: {neighbours}")
        });
    }

    fn pings_both_sides(&self) {
        self.ping("LAN", self.lan(), "192.168.88.1");
        self.expect_neighbour("LAN", self.lan(), "192.168.88.1", netns::ETHER2_MAC);
        self.ping("WAN", self.wan(), "198.51.100.2");
        self.expect_neighbour("WAN", self.wan(), "198.51.100.2", netns::ETHER1_MAC);
    }

    /// Starts `python3 -m http.server` on `host` at `address:port`, serving `dir`.
    fn http_server(&self, host: &Host, address: &str, port: u16, dir: &Served) -> Background {
        let port_text = port.to_string();
        let directory = dir.0.to_string_lossy().into_owned();
        let server = host.spawn(&[
            "python3",
            "-u",
            "-m",
            "http.server",
            &port_text,
            "--bind",
            address,
            "--directory",
            &directory,
        ]);
        let listening = host.wait_listening(port, SHORT);
        self.check(listening.is_ok(), || {
            format!(
                "HTTP server did not start: {listening:?}\n{}",
                server.output()
            )
        });
        server
    }

    /// The LAN host fetches a page from the WAN host, which has no route back to the LAN: it works only
    /// through masquerade, and the server sees the appliance's WAN address as the client.
    fn lan_reaches_wan_through_masquerade(&self) {
        let served = Served::new("masquerade");
        let mut server = self.http_server(self.wan(), "198.51.100.1", HTTP_PORT, &served);
        let url = format!("http://198.51.100.1:{HTTP_PORT}/{}", Served::FILE);
        let started = Instant::now();
        let fetch = self
            .lan()
            .run(&["curl", "-sS", "--max-time", "20", &url], SHORT);
        self.check(fetch.success() && fetch.stdout == served.1, || {
            format!(
                "LAN host could not fetch {url} through the appliance: {fetch}\nserver log:\n{}",
                server.output()
            )
        });
        let logged = server.wait_for("\"GET /", SHORT);
        let log = server.output();
        self.check(logged.is_ok() && log.contains("198.51.100.2 - -"), || {
            format!("the WAN server did not see 198.51.100.2 as the client:\n{log}")
        });
        self.check(!log.contains("192.168.88.10"), || {
            format!("the LAN address leaked to the WAN:\n{log}")
        });
        println!(
            "{}: LAN -> WAN HTTP through masquerade in {} ms; server log: {}",
            self.label,
            started.elapsed().as_millis(),
            log.lines().find(|l| l.contains("GET")).unwrap_or("").trim()
        );
    }

    /// The WAN host, given a route to the LAN for this check only, cannot open a connection to the LAN
    /// host: the default firewall drops it silently (no reset, no ICMP error), so the client times out.
    fn wan_cannot_connect_to_lan(&self) {
        let served = Served::new("firewall");
        let mut server = self.http_server(self.lan(), "192.168.88.10", LAN_HTTP_PORT, &served);
        let url = format!("http://192.168.88.10:{LAN_HTTP_PORT}/{}", Served::FILE);
        // The server answers on its own segment.
        let local = self
            .lan()
            .run(&["curl", "-sS", "--max-time", "10", &url], SHORT);
        self.check(local.success(), || {
            format!("the LAN server does not answer locally: {local}")
        });
        let requests_before = server.output().matches("\"GET /").count();

        let route = [
            "ip",
            "route",
            "add",
            "192.168.88.0/24",
            "via",
            "198.51.100.2",
        ];
        self.wan().run_ok(&route, SHORT);
        let attempt = self.wan().run(
            &[
                "curl",
                "-sS",
                "--connect-timeout",
                "5",
                "--max-time",
                "8",
                &url,
            ],
            SHORT,
        );
        let _ = self.wan().run(
            &[
                "ip",
                "route",
                "del",
                "192.168.88.0/24",
                "via",
                "198.51.100.2",
            ],
            SHORT,
        );
        // curl: 28 = timed out; 7 = refused (a reset) or unreachable (an ICMP error); 0 = got through.
        self.check(attempt.code() == Some(28), || {
            format!(
                "a connection from the WAN host to the LAN host was not silently dropped \
                 (curl exit 28 expected; 7 means a reset or ICMP error, 0 that it got through): {attempt}"
            )
        });
        let _ = server.wait_for("\"GET /", Duration::from_millis(200));
        let log = server.output();
        self.check(log.matches("\"GET /").count() == requests_before, || {
            format!("the LAN server saw a request from the WAN:\n{log}")
        });
        println!(
            "{}: WAN -> LAN connection dropped (curl timed out after {} ms)",
            self.label,
            attempt.elapsed.as_millis()
        );
    }

    /// iperf3 moves `BULK` bytes from the LAN host to a server on the WAN host; prints the throughput.
    fn bulk_transfer(&self) {
        let port = IPERF_PORT.to_string();
        let mut server = self.wan().spawn(&[
            "iperf3",
            "-s",
            "-1",
            "--forceflush",
            "-B",
            "198.51.100.1",
            "-p",
            &port,
        ]);
        let listening = self.wan().wait_listening(IPERF_PORT, SHORT);
        self.check(listening.is_ok(), || {
            format!(
                "iperf3 server did not start: {listening:?}\n{}",
                server.output()
            )
        });
        let client = self.lan().run(
            &[
                "iperf3",
                "-c",
                "198.51.100.1",
                "-p",
                &port,
                "-n",
                BULK,
                "--connect-timeout",
                "10000",
            ],
            Duration::from_secs(180),
        );
        self.check(client.success(), || {
            format!(
                "iperf3 -n {BULK} LAN -> WAN failed: {client}\nserver:\n{}",
                server.output()
            )
        });
        let accepted = server.wait_for("Accepted connection from 198.51.100.2", SHORT);
        self.check(accepted.is_ok(), || {
            format!("the iperf3 server did not see 198.51.100.2: {accepted:?}")
        });
        let summary = |role: &str| {
            client
                .stdout
                .lines()
                .find(|l| l.trim_end().ends_with(role))
                .unwrap_or("(none)")
                .trim()
                .to_owned()
        };
        println!(
            "{}: iperf3 -n {BULK} LAN -> WAN in {:.1} s\n  {}\n  {}",
            self.label,
            client.elapsed.as_secs_f64(),
            summary("sender"),
            summary("receiver")
        );
    }

    /// A ping with TTL 1 expires at the appliance, which says so from its LAN address.
    fn ttl_exceeded(&self) {
        let output = self.lan().run(
            &["ping", "-c", "1", "-t", "1", "-W", "5", "198.51.100.1"],
            SHORT,
        );
        self.check(
            output
                .stdout
                .contains("From 192.168.88.1 icmp_seq=1 Time to live exceeded"),
            || format!("no Time Exceeded from 192.168.88.1: {output}"),
        );
        println!(
            "{}: TTL 1 -> Time to live exceeded from 192.168.88.1",
            self.label
        );
    }

    /// A ping to a WAN address nobody has: the appliance's ARP gives up and it answers Host Unreachable.
    fn host_unreachable(&self) {
        let output = self
            .lan()
            .run(&["ping", "-c", "1", "-W", "15", "198.51.100.99"], SHORT);
        self.check(
            output
                .stdout
                .contains("From 192.168.88.1 icmp_seq=1 Destination Host Unreachable"),
            || format!("no Host Unreachable from 192.168.88.1: {output}"),
        );
        println!(
            "{}: 198.51.100.99 -> Destination Host Unreachable from 192.168.88.1 after {} ms",
            self.label,
            output.elapsed.as_millis()
        );
    }

    /// After traffic stops QEMU uses little host CPU: the kernel halts when idle.
    fn idles(&self) {
        let Some(vm) = &self.vm else { return };
        std::thread::sleep(Duration::from_secs(1));
        let pid = vm.pid();
        let before = netns::cpu_time(pid);
        let started = Instant::now();
        std::thread::sleep(IDLE_WINDOW);
        let after = netns::cpu_time(pid);
        let (Some(before), Some(after)) = (before, after) else {
            return self.check(false, || format!("cannot read /proc/{pid}/stat"));
        };
        let share = (after - before).as_secs_f64() / started.elapsed().as_secs_f64();
        println!(
            "{}: idle QEMU used {:.1}% of one core over {:.1} s",
            self.label,
            share * 100.0,
            started.elapsed().as_secs_f64()
        );
        self.check(share < IDLE_CPU_BOUND, || {
            format!(
                "idle QEMU used {:.1}% of a core (bound {:.0}%)",
                share * 100.0,
                IDLE_CPU_BOUND * 100.0
            )
        });
    }
}

/// A directory with one file for an HTTP server to serve, removed when dropped.
struct Served(PathBuf, String);

impl Served {
    const FILE: &str = "hello.txt";

    fn new(purpose: &str) -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("appliance-http-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let body = format!("{purpose} {} {n}\n", std::process::id());
        std::fs::write(dir.join(Self::FILE), &body).unwrap();
        Self(dir, body)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Bench {
    /// `/interface print stats` on the console lists ether1 and ether2 running, with traffic counted.
    fn interface_stats_count_traffic(&mut self) {
        let Some(vm) = self.vm.as_mut() else { return };
        let answer = run_command(vm, "/interface print stats");
        for (index, name) in [(0, "ether1"), (1, "ether2")] {
            let row = answer
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{index} R {name}")));
            let counted = row.is_some_and(|r| {
                r.split_once(name)
                    .is_some_and(|(_, counters)| counters.chars().any(|c| ('1'..='9').contains(&c)))
            });
            self.check(counted, || {
                format!("`/interface print stats` shows no running {name} with traffic:\n{answer}")
            });
        }
        println!("{}: /interface print stats\n{answer}", self.label);
    }
}

impl Bench {
    /// Whether `/interface print` marks `name` running (the R flag).
    fn running(&mut self, name: &str) -> bool {
        let Some(vm) = self.vm.as_mut() else {
            return true;
        };
        let answer = run_command(vm, "/interface print");
        answer.lines().any(|line| {
            let mut words = line.split_whitespace();
            words.next().is_some_and(|n| n.parse::<u32>().is_ok())
                && words.next() == Some("R")
                && words.next() == Some(name)
        })
    }

    /// Polls `/interface print` until `name`'s running flag is `want` (a link change is seen at the
    /// device's interrupt, so well within the bound).
    fn wait_running(&mut self, name: &str, want: bool) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.running(name) != want {
            if Instant::now() >= deadline {
                let state = if want { "running" } else { "not running" };
                let Some(vm) = self.vm.as_mut() else { return };
                let answer = run_command(vm, "/interface print");
                self.check(false, || {
                    format!(
                        "{name} did not become {state} within 5 s of the cable change:\n{answer}"
                    )
                });
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The host on `side` ("WAN" or "LAN").
    fn host(&self, side: &str) -> &Host {
        if side == "WAN" {
            self.wan()
        } else {
            self.lan()
        }
    }

    /// Plugs `name`'s cable in or pulls it (QEMU's `set_link`) and waits until `/interface print` agrees.
    fn set_link(&mut self, name: &str, up: bool) {
        let Some(vm) = self.vm.as_ref() else { return };
        let command = format!("set_link {name} {}", if up { "on" } else { "off" });
        let answer = vm.monitor(&command);
        self.check(answer.as_ref().is_ok_and(|a| a.is_empty()), || {
            format!("QEMU monitor refused `{command}`: {answer:?}")
        });
        self.wait_running(name, up);
    }

    /// Pulls each cable with QEMU's `set_link` and puts it back: the interface stops running, the host
    /// on that side loses the router, and both come back with the link.
    fn link_follows_the_cable(&mut self) {
        for (name, side, address) in [
            ("ether1", "WAN", "198.51.100.2"),
            ("ether2", "LAN", "192.168.88.1"),
        ] {
            self.set_link(name, false);
            let lost = self
                .host(side)
                .run(&["ping", "-c", "2", "-i", "0.2", "-W", "1", address], SHORT);
            self.check(!lost.success(), || {
                format!("{side} host still reaches {address} with {name}'s cable pulled: {lost}")
            });
            self.set_link(name, true);
            self.ping(side, self.host(side), address);
            println!("{}: {name} went down and up with its cable", self.label);
        }
    }
}

impl Bench {
    /// 70 000 datagrams are echoed through the router, so every ring index of both NICs wraps around,
    /// and the router still forwards afterwards (a driver that rang the device's doorbell only when a
    /// batch ended past its event index without wrapping stalled here for good).
    fn survives_ring_wrap(&self) {
        let port = ECHO_PORT.to_string();
        let _server =
            self.wan()
                .spawn(&["python3", "-c", ECHO_SCRIPT, "serve", "198.51.100.1", &port]);
        std::thread::sleep(Duration::from_millis(500));
        let count = ECHOES.to_string();
        let started = Instant::now();
        let client = self.lan().run(
            &[
                "python3",
                "-c",
                ECHO_SCRIPT,
                "client",
                "198.51.100.1",
                &port,
                &count,
            ],
            Duration::from_secs(150),
        );
        let echoed: usize = client
            .stdout
            .trim()
            .strip_prefix("echoed ")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        self.check(echoed >= ECHOES, || {
            format!("only {echoed} of {ECHOES} datagrams came back through the router: {client}")
        });
        println!(
            "{}: {echoed} datagrams echoed through the router in {:.1} s",
            self.label,
            started.elapsed().as_secs_f64()
        );
        self.ping("LAN", self.lan(), "198.51.100.1");
    }

    /// A 16 MiB TCP stream crosses the router intact: the LAN host uploads to the WAN host
    /// (`upload`), or downloads from it, and both ends hash the same bytes. With offloading NICs this
    /// is where super-frames are carried whole, segmented in software or completed.
    fn stream_is_intact(&self, upload: bool) {
        let size = STREAM_BYTES.to_string();
        let port = STREAM_PORT.to_string();
        let (server_role, client_role, direction) = match upload {
            true => ("serve-receive", "send", "LAN -> WAN"),
            false => ("serve-send", "receive", "WAN -> LAN"),
        };
        let mut server = self.wan().spawn(&[
            "python3",
            "-c",
            STREAM_SCRIPT,
            server_role,
            "198.51.100.1",
            &port,
            &size,
        ]);
        let listening = self.wan().wait_listening(STREAM_PORT, SHORT);
        self.check(listening.is_ok(), || {
            format!(
                "stream server did not start: {listening:?}
{}",
                server.output()
            )
        });
        let started = Instant::now();
        let client = self.lan().run(
            &[
                "python3",
                "-c",
                STREAM_SCRIPT,
                client_role,
                "198.51.100.1",
                &port,
                &size,
            ],
            Duration::from_secs(180),
        );
        let elapsed = started.elapsed();
        let line = client.stdout.trim().to_string();
        self.check(
            client.success() && line.ends_with(&format!(" {size}")),
            || {
                format!(
                    "{direction} stream failed: {client}
server:
{}",
                    server.output()
                )
            },
        );
        let same = server.wait_for(&line, SHORT);
        self.check(same.is_ok(), || {
            format!(
                "{direction} stream arrived changed: the client reported `{line}`, the server:
{}",
                server.output()
            )
        });
        println!(
            "{}: {direction} stream of {STREAM_BYTES} bytes intact in {:.2} s",
            self.label,
            elapsed.as_secs_f64()
        );
    }

    /// Packet and byte counters of `name` from `/interface print stats`: (rx bytes, tx bytes,
    /// rx packets, tx packets).
    fn counters(&mut self, name: &str) -> Option<(u64, u64, u64, u64)> {
        let vm = self.vm.as_mut()?;
        let answer = run_command(vm, "/interface print stats");
        let row = answer
            .lines()
            .find(|l| l.split_whitespace().nth(2) == Some(name))?;
        // Columns are two or more spaces apart; digits are grouped with single spaces.
        let (_, rest) = row.split_once(name)?;
        let numbers: Vec<u64> = rest
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .filter_map(|c| c.replace(' ', "").parse().ok())
            .collect();
        match numbers[..] {
            [rx_bytes, tx_bytes, rx_packets, tx_packets, ..] => {
                Some((rx_bytes, tx_bytes, rx_packets, tx_packets))
            }
            _ => None,
        }
    }

    /// The average frame `lan_port` received, and `wan_port` sent, after the transfers: above an
    /// Ethernet MTU's 1514 bytes when super-frames crossed whole (`whole`), at most that when the WAN
    /// port had to take them in segments.
    fn super_frames_crossed(&mut self, lan_port: &str, wan_port: &str, whole_out: bool) {
        let (Some(lan), Some(wan)) = (self.counters(lan_port), self.counters(wan_port)) else {
            if self.vm.is_some() {
                self.check(false, || {
                    String::from("cannot read `/interface print stats`")
                });
            }
            return;
        };
        let received = lan.0 as f64 / lan.2.max(1) as f64;
        let sent = wan.1 as f64 / wan.3.max(1) as f64;
        println!(
            "{}: average frame received on {lan_port} {received:.0} bytes, sent on {wan_port} {sent:.0} bytes",
            self.label
        );
        self.check(received > 1514.0, || {
            format!("{lan_port} received no super-frames (average frame {received:.0} bytes)")
        });
        self.check((sent > 1514.0) == whole_out, || {
            format!("{wan_port} sent frames of {sent:.0} bytes on average; super-frames whole: {whole_out}")
        });
    }
}

/// Every check on one router.
fn routes_between_the_hosts(mut bench: Bench, started: Instant) {
    bench.pings_both_sides();
    bench.lan_reaches_wan_through_masquerade();
    bench.wan_cannot_connect_to_lan();
    bench.bulk_transfer();
    bench.stream_is_intact(true);
    bench.stream_is_intact(false);
    bench.survives_ring_wrap();
    bench.ttl_exceeded();
    bench.host_unreachable();
    bench.idles();
    bench.interface_stats_count_traffic();
    println!(
        "{}: all checks in {:.1} s",
        bench.label,
        started.elapsed().as_secs_f64()
    );
}

/// The checks themselves, against Linux routing like the appliance should (no VM, a few seconds).
#[test]
fn checks_pass_against_a_linux_router() {
    let started = Instant::now();
    if let Some(bench) = Bench::linux_router("checks_pass_against_a_linux_router") {
        routes_between_the_hosts(bench, started);
    }
}

#[test]
fn virtio_net_routes_nats_filters_and_idles() {
    let started = Instant::now();
    let test = "virtio_net_routes_nats_filters_and_idles";
    if let Some(mut bench) = Bench::start(test, NicModel::VirtioNet, Firmware::Bios) {
        let log = bench.transcript();
        bench.check(log.contains("offload checksum, tcp segmentation"), || {
            format!("virtio-net should offload checksums and TCP segmentation:\n{log}")
        });
        // Super-frames from the LAN host leave through the WAN port whole (QEMU segments them).
        bench.stream_is_intact(true);
        bench.super_frames_crossed("ether2", "ether1", true);
        routes_between_the_hosts(bench, started);
    }
}

#[test]
fn e1000_routes_nats_filters_and_idles() {
    let started = Instant::now();
    let test = "e1000_routes_nats_filters_and_idles";
    if let Some(bench) = Bench::start(test, NicModel::E1000, Firmware::Bios) {
        routes_between_the_hosts(bench, started);
    }
}

#[test]
fn virtio_net_under_uefi_answers_ping() {
    let test = "virtio_net_under_uefi_answers_ping";
    let Some(bench) = Bench::start(test, NicModel::VirtioNet, Firmware::Uefi) else {
        return;
    };
    bench.pings_both_sides();
}

/// ether1 an e1000 and ether2 a virtio-net NIC in one machine: names follow PCI order, traffic crosses
/// between the two drivers, and each driver reports its link going down and up.
#[test]
fn mixed_e1000_and_virtio_net_route_between_each_other() {
    let test = "mixed_e1000_and_virtio_net_route_between_each_other";
    let nics = [NicModel::E1000, NicModel::VirtioNet];
    let Some(mut bench) = Bench::start_with(test, &nics, Firmware::Bios) else {
        return;
    };
    let log = bench.transcript();
    bench.check(
        log.contains("ether1: e1000 at") && log.contains("ether2: virtio-net at"),
        || format!("ether1 should be the e1000 and ether2 the virtio-net NIC:\n{log}"),
    );
    bench.pings_both_sides();
    bench.lan_reaches_wan_through_masquerade();
    // Super-frames from the virtio LAN port are cut into segments for the e1000 WAN port, whose host
    // checks every checksum; the way back carries plain frames into an offloading port.
    bench.stream_is_intact(true);
    bench.stream_is_intact(false);
    bench.super_frames_crossed("ether2", "ether1", false);
    bench.interface_stats_count_traffic();
    bench.link_follows_the_cable();
}
