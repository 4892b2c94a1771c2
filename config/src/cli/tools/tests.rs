//! The tools as a console user sees them: literal keys into the shell and the exact bytes it writes,
//! on a fake network whose answers and time the test controls.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use netstack::Instant;
use netstack::engine::{EchoProbe, ToolReply, ToolReplyKind};
use smoltcp::wire::Ipv4Address;

use crate::interface::InterfaceInfo;
use crate::model::Config;
use crate::resource::ResourceInfo;
use crate::shell::{Shell, SystemControl};

const PROMPT: &str = "[admin@MikroTik] > ";
const HEADER: &str =
    "  SEQ HOST                                     SIZE TTL TIME       STATUS\r\n";
const WRAP_ON: &str = "\x1b[?7h";

fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Address {
    Ipv4Address::new(a, b, c, d)
}

/// A network of routers in a line towards every destination: a probe whose TTL is at most the
/// number of routers dies at one of them (time exceeded); the others reach the destination, which
/// answers unless its sequence number is lost. Every answer takes `rtt_us`. Interface counters grow
/// with time: ether1 receives 3 packets of 125 bytes a second, ether2 sends one of 90.
struct Network {
    now_us: u64,
    routers: Vec<Ipv4Address>,
    lost: Vec<u16>,
    rtt_us: u64,
    in_flight: Vec<ToolReply>,
    sent: Vec<EchoProbe>,
}

impl SystemControl for Network {
    fn resource(&self) -> ResourceInfo {
        ResourceInfo::default()
    }
    fn reboot(&mut self) {}
    fn shutdown(&mut self) {}
    fn uptime_ms(&self) -> u64 {
        self.now_us / 1000
    }
    fn now_us(&self) -> u64 {
        self.now_us
    }
    fn wait_ms(&mut self, ms: u64) {
        self.now_us += ms * 1000;
    }
    fn send_echo(&mut self, probe: &EchoProbe) -> Result<(), String> {
        if probe.dst == ip(203, 0, 113, 99) {
            return Err(String::from("no route to host"));
        }
        self.sent.push(*probe);
        let at = Instant::from_micros((self.now_us + self.rtt_us) as i64);
        let reply = |kind, from, size| ToolReply {
            kind,
            from,
            ident: probe.ident,
            seq: probe.seq,
            ttl: 64,
            size,
            at,
        };
        let hops = self.routers.len();
        if usize::from(probe.ttl) <= hops {
            let from = self.routers[usize::from(probe.ttl) - 1];
            self.in_flight
                .push(reply(ToolReplyKind::TimeExceeded, from, 56));
        } else if !self.lost.contains(&probe.seq) {
            self.in_flight
                .push(reply(ToolReplyKind::Echo, probe.dst, probe.size));
        }
        Ok(())
    }
    fn take_tool_replies(&mut self) -> Vec<ToolReply> {
        let now = self.now_us as i64;
        let (due, later) = self
            .in_flight
            .drain(..)
            .partition(|r| r.at.total_micros() <= now);
        self.in_flight = later;
        due
    }
    fn interfaces(&self) -> Vec<InterfaceInfo> {
        let seconds_x1000 = self.now_us / 1000;
        alloc::vec![
            InterfaceInfo {
                name: String::from("ether1"),
                running: true,
                rx_packet: seconds_x1000 * 3 / 1000,
                rx_byte: seconds_x1000 * 3 * 125 / 1000,
                ..InterfaceInfo::default()
            },
            InterfaceInfo {
                name: String::from("ether2"),
                running: true,
                tx_packet: seconds_x1000 / 1000,
                tx_byte: seconds_x1000 * 90 / 1000,
                ..InterfaceInfo::default()
            },
        ]
    }
}

struct Console {
    shell: Shell,
    system: Network,
    config: Config,
}

impl Console {
    fn new() -> Self {
        Console {
            shell: Shell::new(),
            system: Network {
                now_us: 10_000_000,
                routers: Vec::new(),
                lost: Vec::new(),
                rtt_us: 512,
                in_flight: Vec::new(),
                sent: Vec::new(),
            },
            config: Config::new(),
        }
    }

    fn keys(&mut self, keys: &str) -> String {
        let mut out = String::new();
        for &byte in keys.as_bytes() {
            self.shell
                .feed(byte, &mut out, &mut self.system, &mut self.config);
        }
        out
    }

    /// Lets `ms` pass, polling every 10 ms as the kernel's tick does.
    fn wait(&mut self, ms: u64) -> String {
        let mut out = String::new();
        for _ in 0..ms / 10 {
            self.system.now_us += 10_000;
            self.shell
                .poll(&mut out, &mut self.system, &mut self.config);
        }
        out
    }
}

#[test]
fn ping_prints_a_reply_a_timeout_and_the_totals() {
    let mut console = Console::new();
    console.system.lost = alloc::vec![1];
    let line = "/ping 192.168.88.10 count=2\r";
    let out = console.keys(line);
    assert_eq!(out, format!("/ping 192.168.88.10 count=2\r\n{HEADER}"));
    let out = console.wait(2500);
    assert_eq!(
        out,
        concat!(
            "    0 192.168.88.10                              56  64 0ms512us\r\n",
            "    1 192.168.88.10                                                timeout\r\n",
            "    sent=2 received=1 packet-loss=50% min-rtt=512us avg-rtt=512us max-rtt=512us\r\n",
            "[admin@MikroTik] > ",
        )
    );
    // One probe a second, 56 bytes, TTL 255, sequence numbers from 0.
    let sent = &console.system.sent;
    assert_eq!(sent.len(), 2);
    assert_eq!((sent[0].size, sent[0].ttl, sent[0].seq), (56, 255, 0));
    assert_eq!(sent[1].seq, 1);
    assert_eq!(sent[0].ident, sent[1].ident);
    // Over: nothing more goes out.
    console.wait(3000);
    assert_eq!(console.system.sent.len(), 2);
}

#[test]
fn ping_without_count_runs_until_ctrl_c_and_then_prints_the_totals() {
    let mut console = Console::new();
    console.system.rtt_us = 12_617;
    console.keys("/ping address=192.168.88.10 interval=500ms size=100 ttl=9\r");
    let out = console.wait(1200);
    assert_eq!(out.matches("  100  64 12ms617us\r\n").count(), 3, "{out:?}");
    assert_eq!(console.keys("a"), "", "other keys do nothing");
    let out = console.keys("\x03");
    assert_eq!(
        out,
        format!(
            "    sent=3 received=3 packet-loss=0% min-rtt=12ms617us avg-rtt=12ms617us \
             max-rtt=12ms617us\r\n{PROMPT}"
        )
    );
    let probe = console.system.sent[0];
    assert_eq!((probe.size, probe.ttl), (100, 9));
}

#[test]
fn ping_that_cannot_send_says_why_in_status() {
    let mut console = Console::new();
    let out = console.keys("/ping 203.0.113.99 count=1\r");
    assert_eq!(
        out,
        format!(
            concat!(
                "/ping 203.0.113.99 count=1\r\n{}",
                "    0 203.0.113.99                                                 no route to host\r\n",
                "    sent=1 received=0 packet-loss=100%\r\n",
                "[admin@MikroTik] > ",
            ),
            HEADER
        )
    );
}

#[test]
fn ping_in_a_script_runs_to_the_end_and_gives_the_number_received() {
    let mut console = Console::new();
    console.system.lost = alloc::vec![2];
    let out = console.keys(":put [/ping 192.168.88.10 count=4]\r");
    // The rows print as every command inside `[ ... ]` prints; the value is the number received.
    assert!(out.contains("    2 192.168.88.10        "), "{out:?}");
    assert!(out.contains("timeout\r\n    3 192.168.88.10"), "{out:?}");
    assert!(
        out.ends_with(&format!(
            "packet-loss=25% min-rtt=512us avg-rtt=512us max-rtt=512us\r\n3\r\n{PROMPT}"
        )),
        "{out:?}"
    );
    assert_eq!(console.system.sent.len(), 4);
    let out = console.keys(":put [/ping 192.168.88.10]\r");
    assert!(
        out.contains("failure: ping needs count= in a script"),
        "{out:?}"
    );
}

#[test]
fn ping_arguments_are_checked() {
    let mut console = Console::new();
    for (line, error) in [
        ("/ping", "missing value for argument address"),
        ("/ping 300.1.1.1", "invalid value for argument address"),
        (
            "/ping 10.0.0.1 size=20",
            "value of size out of range (28..1500)",
        ),
        ("/ping 10.0.0.1 ttl=0", "value of ttl out of range (1..255)"),
        (
            "/ping 10.0.0.1 interval=1ms",
            "value of interval out of range (10ms..5s)",
        ),
        ("/ping 10.0.0.1 flood=yes", "expected end of command"),
    ] {
        let out = console.keys(&format!("{line}\r"));
        assert!(out.contains(error), "{line}: {out:?}");
        assert!(out.ends_with(PROMPT), "{line}: {out:?}");
    }
    assert!(console.system.sent.is_empty());
}

const TRACE: &str = concat!(
    "Columns: ADDRESS, LOSS, SENT, LAST, AVG, BEST, WORST, STD-DEV, STATUS\r\n",
    "# ADDRESS       LOSS  SENT  LAST   AVG  BEST  WORST  STD-DEV  STATUS\r\n",
    "1 10.0.0.2      0%       2  0.5ms  0.5  0.5   0.5    0.0            \r\n",
    "2 10.0.1.1      0%       2  0.5ms  0.5  0.5   0.5    0.0            \r\n",
    "3 198.51.100.1  0%       2  0.5ms  0.5  0.5   0.5    0.0            \r\n",
);

#[test]
fn traceroute_redraws_its_rows_and_ends_at_the_destination() {
    let mut console = Console::new();
    console.system.routers = alloc::vec![ip(10, 0, 0, 2), ip(10, 0, 1, 1)];
    let out = console.keys("/tool traceroute 198.51.100.1 count=2\r");
    assert!(
        out.starts_with("/tool traceroute 198.51.100.1 count=2\r\n\x1b[?7l"),
        "{out:?}"
    );
    let out = console.wait(100);
    // The last drawing is the whole table, the terminal's wrapping back, then the prompt.
    let last = out.rsplit("\x1b[J").next().unwrap();
    assert_eq!(last, format!("{TRACE}{WRAP_ON}{PROMPT}"));
    let ttls: Vec<u8> = console.system.sent.iter().map(|p| p.ttl).collect();
    assert_eq!(ttls, [1, 1, 2, 2, 3, 3]);
}

#[test]
fn traceroute_shows_timeouts_and_stops_at_max_hops() {
    let mut console = Console::new();
    console.system.routers = alloc::vec![ip(10, 0, 0, 2)];
    // The destination never answers (every sequence number is lost).
    console.system.lost = (0..100).collect();
    console.keys("/tool traceroute 198.51.100.1 count=1 max-hops=3 timeout=200ms\r");
    let out = console.wait(1000);
    let last = out.rsplit("\x1b[J").next().unwrap();
    assert_eq!(
        last,
        format!(
            concat!(
                "Columns: ADDRESS, LOSS, SENT, LAST, AVG, BEST, WORST, STD-DEV, STATUS\r\n",
                "# ADDRESS   LOSS  SENT  LAST     AVG  BEST  WORST  STD-DEV  STATUS\r\n",
                "1 10.0.0.2  0%       1  0.5ms    0.5  0.5   0.5    0.0            \r\n",
                "2           100%     1  timeout                                   \r\n",
                "3           100%     1  timeout                                   \r\n",
                "{}{}",
            ),
            WRAP_ON, PROMPT
        )
    );
}

#[test]
fn traceroute_in_a_script_prints_the_table_once() {
    let mut console = Console::new();
    console.system.routers = alloc::vec![ip(10, 0, 0, 2), ip(10, 0, 1, 1)];
    let line = "/tool traceroute 198.51.100.1 count=2; :put done\r";
    let out = console.keys(line);
    // On the console the view takes the line; in a script it runs to its end.
    assert!(!out[line.len()..].contains("done"), "{out:?}");
    console.wait(100);
    let out = console.keys(":do { /tool traceroute 198.51.100.1 count=2; :put done }\r");
    assert_eq!(
        out,
        format!(
            ":do {{ /tool traceroute 198.51.100.1 count=2; :put done }}\r\n{TRACE}done\r\n{PROMPT}"
        )
    );
}

#[test]
fn monitor_traffic_once_shows_rates_between_two_samples() {
    let mut console = Console::new();
    let out = console.keys("/interface monitor-traffic ether1,ether2 once\r");
    assert_eq!(
        out,
        concat!(
            "/interface monitor-traffic ether1,ether2 once\r\n",
            "                     name:  ether1   ether2\r\n",
            "    rx-packets-per-second:        3       0\r\n",
            "       rx-bits-per-second:  3.0kbps    0bps\r\n",
            "      rx-drops-per-second:        0       0\r\n",
            "     rx-errors-per-second:        0       0\r\n",
            "    tx-packets-per-second:        0       1\r\n",
            "       tx-bits-per-second:     0bps  720bps\r\n",
            "      tx-drops-per-second:        0       0\r\n",
            "tx-queue-drops-per-second:        0       0\r\n",
            "     tx-errors-per-second:        0       0\r\n",
            "[admin@MikroTik] > ",
        )
    );
    let out = console.keys("/interface monitor-traffic ether9 once\r");
    assert!(
        out.contains("input does not match any value of interface"),
        "{out:?}"
    );
}

#[test]
fn monitor_traffic_redraws_every_interval_until_q() {
    let mut console = Console::new();
    let out = console.keys("/interface monitor-traffic ether1\r");
    assert!(
        out.contains("rx-packets-per-second:       0\r\n"),
        "{out:?}"
    );
    assert!(out.ends_with("-- [Q quit|C-c quit]"), "{out:?}");
    let out = console.wait(1000);
    assert!(out.starts_with("\r\x1b[10A\x1b[J"), "{out:?}");
    assert!(
        out.contains("rx-packets-per-second:        3\r\n"),
        "{out:?}"
    );
    assert!(out.contains("rx-bits-per-second:  3.0kbps\r\n"), "{out:?}");
    assert_eq!(console.keys("q"), format!("\r\x1b[K{WRAP_ON}{PROMPT}"));
}

#[test]
fn tab_and_help_know_the_tools() {
    let mut console = Console::new();
    assert!(console.keys("/tool tr\t").ends_with("aceroute "));
    console.keys("\x03");
    assert!(console.keys("/interface monitor\t").ends_with("-traffic "));
    console.keys("\x03");
    let help = console.keys("/ping ?");
    assert!(help.contains("src-address"), "{help:?}");
    assert!(help.contains("interval"), "{help:?}");
}
