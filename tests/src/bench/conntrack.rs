//! The "conntrack at 1M entries" measurement: fill a device's connection table through its firewall and
//! NAT with that many one-way UDP connections ([`load::udp_fill`]), then report how many it holds, the
//! memory they took, and the 64-byte UDP rate it still delivers.
//!
//! Both routers are asked on their serial consoles, the way their users would ask:
//!
//! | | appliance (RouterOS CLI) | Linux VM (busybox shell) |
//! |---|---|---|
//! | free memory | `/system resource print`: `free-memory` | `MemFree` in `/proc/meminfo` |
//! | connections | `/ip firewall connection tracking print`: `total-entries` | `nf_conntrack_count` |
//! | table size, UDP timeout | `… tracking set max-entries= udp-timeout=` | `nf_conntrack_max`, `hashsize`, `nf_conntrack_udp_timeout` |
//!
//! Free memory is read before the table is sized, so what sizing allocates (Linux's hash buckets) counts
//! as the table's memory on both. The UDP timeout is raised to [`UDP_TIMEOUT`] so that no connection
//! expires while the table fills (unanswered UDP lives 30 s by default on both).

use std::time::{Duration, Instant};

use qemu_runner::Vm;

use super::dut::{Device, Running};
use super::load::{self, Tool};

/// Connections that the fill keeps alive for at least this long.
pub const UDP_TIMEOUT: Duration = Duration::from_secs(600);
/// Datagrams per second of the first two sweeps; the third (if the second still left gaps) goes at half.
/// What a first sweep misses is mostly lost while a table grows (the appliance's slab and index
/// reallocate as they double, Linux's not at all once sized), so the second sweep — over a table of
/// the right size, whose known flows cost only a lookup — need not be slower.
pub const FILL_RATE: u32 = 25_000;
/// Sweeps at most; the fill stops once the table holds [`FILLED`] of the wanted connections.
const SWEEPS: u32 = 3;
/// The share of the wanted connections that counts as filled.
const FILLED: f64 = 0.99;
/// Longest wait for a console command.
const CONSOLE_TIMEOUT: Duration = Duration::from_secs(60);

/// What the fill achieved.
#[derive(Clone, Debug, PartialEq)]
pub struct Filled {
    /// Connections the table holds after the fill.
    pub connections: u64,
    /// Memory the table took: free memory before sizing minus free memory after the fill.
    pub bytes: u64,
    pub sweeps: u32,
    pub seconds: f64,
}

impl Filled {
    pub fn bytes_per_connection(&self) -> Option<f64> {
        (self.connections > 0).then(|| self.bytes as f64 / self.connections as f64)
    }
}

/// Fills `running`'s connection table with `connections` connections (see the module docs).
pub fn fill(
    running: &mut Running,
    tool: &Tool,
    connections: u32,
    log: &mut dyn FnMut(String),
) -> Result<Filled, String> {
    let started = Instant::now();
    let before = free_memory(running)?;
    size_table(running, table_size(connections))?;
    let mut sweeps = 0;
    let mut tracked = 0;
    while sweeps < SWEEPS {
        let rate = if sweeps < 2 { FILL_RATE } else { FILL_RATE / 2 };
        sweeps += 1;
        let sweep = load::udp_fill(
            tool,
            running.network.lan(),
            running.network.wan(),
            connections,
            rate,
        )?;
        tracked = tracked_connections(running)?;
        log(format!(
            "  fill sweep {sweeps} at {rate}/s: {} sent, {} delivered in {:.1} s; {tracked} connections",
            sweep.sent, sweep.delivered, sweep.seconds
        ));
        if tracked as f64 >= f64::from(connections) * FILLED {
            break;
        }
    }
    let after = free_memory(running)?;
    Ok(Filled {
        connections: tracked,
        bytes: before.saturating_sub(after),
        sweeps,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The table size for `connections`: the next power of two, at least 64k (the size both run with
/// otherwise).
pub fn table_size(connections: u32) -> u32 {
    connections.max(1 << 16).next_power_of_two()
}

/// Free memory in bytes.
fn free_memory(running: &mut Running) -> Result<u64, String> {
    match running.device {
        Device::Appliance => {
            let output = appliance_command(running, "/system resource print")?;
            let value = crate::property(&output, "free-memory")
                .ok_or_else(|| format!("no free-memory in: {output}"))?;
            crate::parse_size(value)
                .map(|bytes| bytes as u64)
                .ok_or_else(|| format!("free-memory {value:?} is not a size"))
        }
        _ => {
            let output = linux_command(running, "grep MemFree /proc/meminfo")?;
            parse_meminfo_kib(&output, "MemFree")
                .map(|kib| kib * 1024)
                .ok_or_else(|| format!("no MemFree in: {output}"))
        }
    }
}

/// Connections in the table.
fn tracked_connections(running: &mut Running) -> Result<u64, String> {
    match running.device {
        Device::Appliance => {
            let output = appliance_command(running, "/ip firewall connection tracking print")?;
            let value = crate::property(&output, "total-entries")
                .ok_or_else(|| format!("no total-entries in: {output}"))?;
            value
                .parse()
                .map_err(|_| format!("total-entries {value:?} is not a number"))
        }
        _ => {
            let output = linux_command(
                running,
                "echo count=$(cat /proc/sys/net/netfilter/nf_conntrack_count)",
            )?;
            output
                .lines()
                .find_map(|line| line.trim().strip_prefix("count="))
                .and_then(|count| count.trim().parse().ok())
                .ok_or_else(|| format!("no connection count in: {output}"))
        }
    }
}

/// Makes room for `entries` connections and raises the UDP timeout.
fn size_table(running: &mut Running, entries: u32) -> Result<(), String> {
    let timeout = UDP_TIMEOUT.as_secs();
    match running.device {
        Device::Appliance => {
            let line = format!(
                "/ip firewall connection tracking set max-entries={entries} udp-timeout={timeout}s"
            );
            let output = appliance_command(running, &line)?;
            // `set` prints nothing when it works; RouterOS's errors start with these words.
            let errors = [
                "failure",
                "invalid",
                "bad command",
                "syntax error",
                "expected",
            ];
            if errors.iter().any(|e| output.contains(e)) {
                Err(format!("{line}: {output}"))
            } else {
                Ok(())
            }
        }
        _ => {
            // One hash bucket per entry, as the kernel sizes them for the default maximum.
            let script = format!(
                "echo {entries} > /sys/module/nf_conntrack/parameters/hashsize && \
                 echo {entries} > /proc/sys/net/netfilter/nf_conntrack_max && \
                 echo {timeout} > /proc/sys/net/netfilter/nf_conntrack_udp_timeout && echo sized=ok"
            );
            let output = linux_command(running, &script)?;
            if output.lines().any(|l| l.trim() == "sized=ok") {
                Ok(())
            } else {
                Err(format!("sizing the connection table: {output}"))
            }
        }
    }
}

fn console(running: &mut Running) -> Result<&mut Vm, String> {
    let name = running.device.name();
    running
        .vm
        .as_mut()
        .ok_or_else(|| format!("{name} has no console"))
}

/// Types `line` on the appliance's console and returns what it printed up to the next prompt.
fn appliance_command(running: &mut Running, line: &str) -> Result<String, String> {
    let vm = console(running)?;
    vm.send(&format!("{line}\r"))
        .map_err(|e| format!("cannot type on the console: {e}"))?;
    vm.wait_for(crate::PROMPT, CONSOLE_TIMEOUT)
        .map_err(|e| e.to_string())
}

/// Runs `command` in the Linux VM's console shell and returns its output. The end is marked by a line
/// the shell computes (`@@42@@`), which the echo of the typed command does not contain.
fn linux_command(running: &mut Running, command: &str) -> Result<String, String> {
    const END: &str = "@@42@@";
    let vm = console(running)?;
    vm.send(&format!("{command}; echo @@$((40 + 2))@@\n"))
        .map_err(|e| format!("cannot type on the console: {e}"))?;
    vm.wait_for(END, CONSOLE_TIMEOUT).map_err(|e| e.to_string())
}

/// The value in kB of `key` in `/proc/meminfo` text (`MemFree:   123456 kB`).
pub fn parse_meminfo_kib(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix(key)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_values_parse() {
        let text = "grep MemFree /proc/meminfo\r\nMemFree:          812344 kB\r\n";
        assert_eq!(parse_meminfo_kib(text, "MemFree"), Some(812_344));
        assert_eq!(parse_meminfo_kib(text, "MemTotal"), None);
        assert_eq!(parse_meminfo_kib("MemFree: lots", "MemFree"), None);
    }

    #[test]
    fn table_sizes_are_powers_of_two_with_room() {
        assert_eq!(table_size(1_000_000), 1 << 20);
        assert_eq!(table_size(10_000), 1 << 16);
        assert_eq!(table_size(1 << 20), 1 << 20);
    }

    #[test]
    fn bytes_per_connection_needs_connections() {
        let filled = Filled {
            connections: 4,
            bytes: 1000,
            sweeps: 1,
            seconds: 1.0,
        };
        assert_eq!(filled.bytes_per_connection(), Some(250.0));
        let empty = Filled {
            connections: 0,
            ..filled
        };
        assert_eq!(empty.bytes_per_connection(), None);
    }
}
