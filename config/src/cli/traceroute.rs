//! `/tool traceroute ADDRESS`: the routers on the way to an address, found by ICMP echo requests
//! with TTLs 1, 2, 3, ... (RouterOS's default `protocol=icmp`); each router where a probe's TTL runs
//! out answers with time exceeded (RFC 792, RFC 1812 §5.3.1), the destination with an echo reply.
//!
//! ```text
//! Columns: ADDRESS, LOSS, SENT, LAST, AVG, BEST, WORST, STD-DEV, STATUS
//! # ADDRESS       LOSS  SENT  LAST   AVG  BEST  WORST  STD-DEV  STATUS
//! 1 10.0.0.2      0%       3  0.5ms  0.5  0.4   0.6    0.1
//! 2 198.51.100.1  0%       3  1.2ms  1.1  1.0   1.2    0.1
//! ```
//!
//! Each hop gets `count` probes (3), one at a time, each waiting up to `timeout` (1s) for its answer;
//! LAST is the last probe's time (or `timeout`), AVG/BEST/WORST/STD-DEV are milliseconds over the
//! answered ones, LOSS the share unanswered. It stops after the hop where the destination answered,
//! where a router said it is unreachable (STATUS names it), or at `max-hops` (30). On the console the
//! table is redrawn in place as answers come ([`super::tools`]); in a script it runs to the end and
//! prints the table once.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use netstack::engine::{EchoProbe, MAX_ECHO_SIZE, MIN_ECHO_SIZE, ToolReplyKind};
use smoltcp::wire::Ipv4Address;

use super::CliError;
use super::eval::Args;
use super::tools::{address_arg, duration_arg, number_arg, status_of};
use crate::shell::SystemControl;
use crate::table::{Align, Column, Row, write_table};

const COLUMNS: [Column<'static>; 9] = [
    Column {
        header: "ADDRESS",
        align: Align::Left,
    },
    Column {
        header: "LOSS",
        align: Align::Left,
    },
    Column {
        header: "SENT",
        align: Align::Right,
    },
    Column {
        header: "LAST",
        align: Align::Left,
    },
    Column {
        header: "AVG",
        align: Align::Left,
    },
    Column {
        header: "BEST",
        align: Align::Left,
    },
    Column {
        header: "WORST",
        align: Align::Left,
    },
    Column {
        header: "STD-DEV",
        align: Align::Left,
    },
    Column {
        header: "STATUS",
        align: Align::Left,
    },
];

/// One hop (one TTL).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Hop {
    /// Who answered last.
    address: Option<Ipv4Address>,
    sent: u32,
    received: u32,
    /// The last probe's round trip; None: it timed out.
    last_us: Option<u64>,
    sum_us: u64,
    /// Sum of squares, for the standard deviation.
    sum_sq: u128,
    best_us: u64,
    worst_us: u64,
    status: String,
}

/// A running `/tool traceroute`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Traceroute {
    dst: Ipv4Address,
    src: Option<Ipv4Address>,
    size: u16,
    count: u32,
    max_hops: u8,
    timeout_us: u64,
    ident: u16,
    seq: u16,
    hops: Vec<Hop>,
    /// The probe waiting for its answer: (sequence number, sent at).
    waiting: Option<(u16, u64)>,
    /// The destination answered, or a router said it cannot be reached: no further hops.
    last_hop: bool,
}

impl Traceroute {
    pub fn from_args(args: &mut Args, ident: u16) -> Result<Self, CliError> {
        let dst = address_arg(args, "address")?;
        let count = number_arg(args, "count", 1, 100)?.map_or(3, |n| n as u32);
        let max_hops = number_arg(args, "max-hops", 1, 255)?.map_or(30, |n| n as u8);
        let timeout_us = duration_arg(args, "timeout", 10_000, 8_000_000)?.unwrap_or(1_000_000);
        let size = number_arg(args, "size", MIN_ECHO_SIZE.into(), MAX_ECHO_SIZE.into())?
            .map_or(56, |n| n as u16);
        let src = match args.take("src-address") {
            Some(value) => Some(
                value
                    .to_text()
                    .parse::<Ipv4Address>()
                    .map_err(|_| CliError::plain("invalid value for argument src-address"))?,
            ),
            None => None,
        };
        // RouterOS's other choices: the only protocol here is ICMP, and names are not looked up.
        if let Some(protocol) = args.take("protocol")
            && protocol.to_text() != "icmp"
        {
            return Err(CliError::plain("invalid value for argument protocol"));
        }
        if let Some(use_dns) = args.take("use-dns")
            && use_dns.to_text() != "no"
        {
            return Err(CliError::plain("invalid value for argument use-dns"));
        }
        args.leftover()?;
        Ok(Traceroute {
            dst,
            src,
            size,
            count,
            max_hops,
            timeout_us,
            ident,
            seq: 0,
            hops: Vec::new(),
            waiting: None,
            last_hop: false,
        })
    }

    /// The longest it can run, in microseconds (for a script's wait).
    pub fn duration_us(&self) -> u64 {
        u64::from(self.max_hops)
            .saturating_mul(u64::from(self.count))
            .saturating_mul(self.timeout_us)
    }

    /// Takes answers, times out the waiting probe and sends the next; returns (still running,
    /// something changed).
    pub fn step(&mut self, system: &mut dyn SystemControl) -> (bool, bool) {
        let mut changed = false;
        for reply in system.take_tool_replies() {
            let Some((seq, sent_at)) = self.waiting else {
                continue;
            };
            if reply.ident != self.ident || reply.seq != seq {
                continue;
            }
            let rtt = u64::try_from(reply.at.total_micros())
                .unwrap_or(0)
                .saturating_sub(sent_at);
            let Some(hop) = self.hops.last_mut() else {
                continue;
            };
            hop.address = Some(reply.from);
            hop.received += 1;
            hop.last_us = Some(rtt);
            hop.sum_us = hop.sum_us.saturating_add(rtt);
            hop.sum_sq = hop.sum_sq.saturating_add(u128::from(rtt) * u128::from(rtt));
            hop.best_us = if hop.received == 1 {
                rtt
            } else {
                hop.best_us.min(rtt)
            };
            hop.worst_us = hop.worst_us.max(rtt);
            match reply.kind {
                ToolReplyKind::Echo if reply.from == self.dst => self.last_hop = true,
                ToolReplyKind::Echo | ToolReplyKind::TimeExceeded => {}
                kind => {
                    hop.status = String::from(status_of(kind));
                    self.last_hop = true;
                }
            }
            self.waiting = None;
            changed = true;
        }
        let now = system.now_us();
        if let Some((_, sent_at)) = self.waiting
            && now.saturating_sub(sent_at) >= self.timeout_us
        {
            if let Some(hop) = self.hops.last_mut() {
                hop.last_us = None;
            }
            self.waiting = None;
            changed = true;
        }
        if self.waiting.is_some() {
            return (true, changed);
        }
        let hop_done = self.hops.last().is_none_or(|hop| hop.sent >= self.count);
        if hop_done {
            if self.last_hop || self.hops.len() >= usize::from(self.max_hops) {
                return (false, true);
            }
            self.hops.push(Hop::default());
        }
        self.send(system, now);
        (true, true)
    }

    fn send(&mut self, system: &mut dyn SystemControl, now: u64) {
        let ttl = u8::try_from(self.hops.len()).unwrap_or(u8::MAX);
        let probe = EchoProbe {
            dst: self.dst,
            src: self.src,
            size: self.size,
            ttl,
            ident: self.ident,
            seq: self.seq,
        };
        let Some(hop) = self.hops.last_mut() else {
            return;
        };
        hop.sent += 1;
        match system.send_echo(&probe) {
            Ok(()) => self.waiting = Some((self.seq, now)),
            Err(status) => {
                // Nothing can go out (no route): that is the answer, for every probe of the hop.
                hop.status = status;
                hop.sent = self.count;
                self.last_hop = true;
            }
        }
        self.seq = self.seq.wrapping_add(1);
    }

    /// The table as it stands.
    pub fn table(&self) -> String {
        let rows: Vec<Row> = self
            .hops
            .iter()
            .enumerate()
            .map(|(index, hop)| Row {
                label: Some(format!("{}", index + 1)),
                cells: cells(hop),
                ..Row::default()
            })
            .collect();
        let mut text = String::new();
        let _ = write_table(&mut text, &[], &COLUMNS, &rows);
        text
    }
}

fn cells(hop: &Hop) -> Vec<String> {
    let loss = match hop.sent {
        0 => 0,
        sent => u64::from(sent - hop.received.min(sent)) * 100 / u64::from(sent),
    };
    let mut cells = alloc::vec![
        hop.address.map(|a| format!("{a}")).unwrap_or_default(),
        format!("{loss}%"),
        format!("{}", hop.sent),
        match hop.last_us {
            Some(us) => format!("{}ms", millis(us)),
            None if hop.sent > 0 && hop.status.is_empty() => String::from("timeout"),
            None => String::new(),
        },
    ];
    if hop.received > 0 {
        let n = u64::from(hop.received);
        let mean = hop.sum_us / n;
        let variance =
            (hop.sum_sq / u128::from(n)).saturating_sub(u128::from(mean) * u128::from(mean));
        let deviation = u64::try_from(variance.isqrt()).unwrap_or(u64::MAX);
        cells.extend([
            millis(mean),
            millis(hop.best_us),
            millis(hop.worst_us),
            millis(deviation),
        ]);
    } else {
        cells.extend([String::new(), String::new(), String::new(), String::new()]);
    }
    cells.push(hop.status.clone());
    cells
}

/// Microseconds as milliseconds with one decimal, as the table shows them (`0.5`, `12.3`).
fn millis(us: u64) -> String {
    let tenths = us.saturating_add(50) / 100;
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::millis;

    #[test]
    fn milliseconds_have_one_decimal() {
        assert_eq!(millis(512), "0.5");
        assert_eq!(millis(12_349), "12.3");
        assert_eq!(millis(0), "0.0");
    }
}
