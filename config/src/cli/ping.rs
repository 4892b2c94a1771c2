//! `/ping ADDRESS`: ICMP echo requests from the router (netstack's tools), one every `interval`, each
//! answered by a row as RouterOS v7 prints it, and the totals at the end.
//!
//! ```text
//!   SEQ HOST                                     SIZE TTL TIME       STATUS
//!     0 192.168.88.10                              56  64 0ms512us
//!     1 192.168.88.10                                                timeout
//!     sent=2 received=1 packet-loss=50% min-rtt=512us avg-rtt=512us max-rtt=512us
//! ```
//!
//! Arguments (the RouterOS manual's `/ping`): the address (or `address=`), `count` (none or 0: until
//! Ctrl-C), `size` — the whole IP packet, 56 by default — `interval` (1s, 10ms..5s), `src-address`,
//! `ttl` (255). SIZE and TTL are the answer's; a probe unanswered after [`TIMEOUT_US`] is a
//! `timeout` row; an ICMP error about it is a row from the router that sent it with the error as
//! STATUS (`TTL exceeded`, `host unreachable`, ...) and does not count as received. Every 20 rows the
//! totals so far and the header are printed again, as RouterOS does. The times are microseconds on the
//! engine's clock (TIME `0ms512us`, totals as RouterOS prints times: `512us`, `12ms617us`).
//!
//! On the console it is a live view ([`super::live`]); Ctrl-C or `q` ends it with the totals. In a
//! script it runs to the end (so `count=` is needed) while the system lets time pass, and its value is
//! the number of answers received (`:put [/ping 192.168.88.10 count=3]` prints `3`).

use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use netstack::engine::{EchoProbe, MAX_ECHO_SIZE, MIN_ECHO_SIZE, ToolReply, ToolReplyKind};
use smoltcp::wire::Ipv4Address;

use super::CliError;
use super::eval::Args;
use super::tools::{address_arg, duration_arg, number_arg, status_of};
use crate::shell::SystemControl;

/// How long a probe waits for its answer.
pub const TIMEOUT_US: u64 = 1_000_000;
/// Rows between repeated headers.
const ROWS_PER_PAGE: u32 = 20;
/// Probes waiting for their answer at once (with a short interval, older ones time out first).
const MAX_PENDING: usize = 64;

const HEADER: &str = "  SEQ HOST                                     SIZE TTL TIME       STATUS";

/// A running `/ping`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ping {
    probe: EchoProbe,
    /// None: until stopped.
    count: Option<u32>,
    interval_us: u64,
    sent: u32,
    received: u32,
    rtt_min: u64,
    rtt_max: u64,
    rtt_sum: u64,
    rows: u32,
    next_send_us: u64,
    /// (sequence number, sent at) of probes not answered yet, oldest first.
    pending: VecDeque<(u16, u64)>,
    /// Each row as properties, for an API ([`Ping::keep_records`]); at most [`MAX_RECORDS`].
    records: Option<Vec<super::Record>>,
}

/// Rows kept for an API.
const MAX_RECORDS: usize = 1000;

impl Ping {
    /// Reads `/ping`'s arguments; `ident` tells this run's answers from others'.
    pub fn from_args(args: &mut Args, ident: u16) -> Result<Self, CliError> {
        let dst = address_arg(args, "address")?;
        let count = number_arg(args, "count", 0, u32::MAX.into())?.map(|n| n as u32);
        let size = number_arg(args, "size", MIN_ECHO_SIZE.into(), MAX_ECHO_SIZE.into())?
            .map_or(56, |n| n as u16);
        let ttl = number_arg(args, "ttl", 1, 255)?.map_or(255, |n| n as u8);
        let interval_us = duration_arg(args, "interval", 10_000, 5_000_000)?.unwrap_or(1_000_000);
        let src = match args.take("src-address") {
            Some(value) => Some(
                value
                    .to_text()
                    .parse::<Ipv4Address>()
                    .map_err(|_| CliError::plain("invalid value for argument src-address"))?,
            ),
            None => None,
        };
        args.leftover()?;
        Ok(Ping {
            probe: EchoProbe {
                dst,
                src,
                size,
                ttl,
                ident,
                seq: 0,
            },
            count: count.filter(|&n| n > 0),
            interval_us,
            sent: 0,
            received: 0,
            rtt_min: u64::MAX,
            rtt_max: 0,
            rtt_sum: 0,
            rows: 0,
            next_send_us: 0,
            pending: VecDeque::new(),
            records: None,
        })
    }

    /// Keeps every row as properties too, as RouterOS's API returns them: `seq`, `host`, `size`,
    /// `ttl`, `time` (or `status`), and the totals so far (`sent`, `received`, `packet-loss`,
    /// `min-rtt`, `avg-rtt`, `max-rtt`).
    pub fn keep_records(&mut self) {
        self.records = Some(Vec::new());
    }

    /// The rows kept since [`Ping::keep_records`].
    pub fn take_records(&mut self) -> Vec<super::Record> {
        self.records.take().unwrap_or_default()
    }

    /// Whether it runs until stopped.
    pub fn endless(&self) -> bool {
        self.count.is_none()
    }

    /// The longest it can run, in microseconds (for a script's wait).
    pub fn duration_us(&self) -> u64 {
        let count = u64::from(self.count.unwrap_or(1));
        count
            .saturating_mul(self.interval_us)
            .saturating_add(TIMEOUT_US)
    }

    /// Answers received.
    pub fn received(&self) -> u32 {
        self.received
    }

    /// Prints the header and sends the first probe; false when that was all (it could not be sent
    /// and it was the only one).
    pub fn start(&mut self, out: &mut dyn Write, system: &mut dyn SystemControl) -> bool {
        let _ = write!(out, "{HEADER}\r\n");
        self.next_send_us = system.now_us();
        self.step(out, system)
    }

    /// Takes the answers, times out what waited too long and sends when due; false once the last
    /// probe is done (the totals are printed then).
    pub fn step(&mut self, out: &mut dyn Write, system: &mut dyn SystemControl) -> bool {
        for reply in system.take_tool_replies() {
            if reply.ident == self.probe.ident {
                self.answer(&reply, out);
            }
        }
        let now = system.now_us();
        while let Some(&(seq, sent_at)) = self.pending.front()
            && now.saturating_sub(sent_at) >= TIMEOUT_US
        {
            self.pending.pop_front();
            let host = format!("{}", self.dst());
            self.row(out, seq, [&host, "", "", "", "timeout"]);
        }
        let more = self.count.is_none_or(|count| self.sent < count);
        if more && now >= self.next_send_us {
            self.send(out, system, now);
        }
        let done = !self.count.is_none_or(|count| self.sent < count) && self.pending.is_empty();
        if done {
            self.summary(out);
        }
        !done
    }

    /// Ctrl-C: the totals so far.
    pub fn end(&self, out: &mut dyn Write) {
        self.summary(out);
    }

    fn dst(&self) -> Ipv4Address {
        self.probe.dst
    }

    fn send(&mut self, out: &mut dyn Write, system: &mut dyn SystemControl, now: u64) {
        let seq = self.probe.seq;
        let result = system.send_echo(&self.probe);
        self.probe.seq = seq.wrapping_add(1);
        self.sent = self.sent.saturating_add(1);
        self.next_send_us = now.saturating_add(self.interval_us);
        match result {
            Ok(()) => {
                if self.pending.len() >= MAX_PENDING {
                    self.pending.pop_front();
                }
                self.pending.push_back((seq, now));
            }
            Err(status) => {
                let host = format!("{}", self.dst());
                self.row(out, seq, [&host, "", "", "", &status]);
            }
        }
    }

    fn answer(&mut self, reply: &ToolReply, out: &mut dyn Write) {
        let Some(at) = self.pending.iter().position(|(seq, _)| *seq == reply.seq) else {
            return;
        };
        let Some((seq, sent_at)) = self.pending.remove(at) else {
            return;
        };
        let rtt = u64::try_from(reply.at.total_micros())
            .unwrap_or(0)
            .saturating_sub(sent_at);
        let status = match reply.kind {
            ToolReplyKind::Echo => {
                self.received = self.received.saturating_add(1);
                self.rtt_min = self.rtt_min.min(rtt);
                self.rtt_max = self.rtt_max.max(rtt);
                self.rtt_sum = self.rtt_sum.saturating_add(rtt);
                ""
            }
            kind => status_of(kind),
        };
        let (host, size, ttl) = (
            format!("{}", reply.from),
            format!("{}", reply.size),
            format!("{}", reply.ttl),
        );
        self.row(out, seq, [&host, &size, &ttl, &row_time(rtt), status]);
    }

    /// One row: `[host, size, ttl, time, status]` under the header (and as a record for an API).
    fn row(&mut self, out: &mut dyn Write, seq: u16, cells: [&str; 5]) {
        if self.rows > 0 && self.rows.is_multiple_of(ROWS_PER_PAGE) {
            self.summary(out);
            let _ = write!(out, "\r\n{HEADER}\r\n");
        }
        self.rows += 1;
        let [host, size, ttl, time, status] = cells;
        let text = format!("{host:<40} {size:>4} {ttl:>3} {time:<10} {status}");
        let _ = write!(out, "{seq:>5} {}\r\n", text.trim_end());
        let totals = self.totals();
        if let Some(records) = self.records.as_mut().filter(|r| r.len() < MAX_RECORDS) {
            let mut record = alloc::vec![("seq", format!("{seq}")), ("host", String::from(host))];
            for (name, value) in [
                ("size", size),
                ("ttl", ttl),
                ("time", time),
                ("status", status),
            ] {
                if !value.is_empty() {
                    record.push((name, String::from(value)));
                }
            }
            record.extend(totals);
            records.push(record);
        }
    }

    /// `sent`, `received`, `packet-loss` and the round-trip times so far, as the summary shows them.
    fn totals(&self) -> super::Record {
        let lost = self.sent.saturating_sub(self.received);
        let loss = match self.sent {
            0 => 0,
            sent => u64::from(lost) * 100 / u64::from(sent),
        };
        let mut totals = alloc::vec![
            ("sent", format!("{}", self.sent)),
            ("received", format!("{}", self.received)),
            ("packet-loss", format!("{loss}")),
        ];
        if self.received > 0 {
            let avg = self.rtt_sum / u64::from(self.received);
            totals.push(("min-rtt", time(self.rtt_min)));
            totals.push(("avg-rtt", time(avg)));
            totals.push(("max-rtt", time(self.rtt_max)));
        }
        totals
    }

    fn summary(&self, out: &mut dyn Write) {
        let _ = out.write_str("   ");
        for (name, value) in self.totals() {
            let unit = if name == "packet-loss" { "%" } else { "" };
            let _ = write!(out, " {name}={value}{unit}");
        }
        let _ = out.write_str("\r\n");
    }
}

/// A round-trip time as RouterOS prints times: `512us`, `12ms617us`, `1s3ms`.
pub fn time(us: u64) -> String {
    crate::value::format_duration(netstack::Duration::from_micros(us))
}

/// A round-trip time in the TIME column: always with its milliseconds (`0ms512us`).
fn row_time(us: u64) -> String {
    match us {
        0 => String::from("0ms"),
        1..1000 => format!("0ms{us}us"),
        _ => time(us),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_routeros_prints_them() {
        assert_eq!(row_time(512), "0ms512us");
        assert_eq!(row_time(12_617), "12ms617us");
        assert_eq!(row_time(3_000), "3ms");
        assert_eq!(time(512), "512us");
        assert_eq!(row_time(0), "0ms");
    }
}
