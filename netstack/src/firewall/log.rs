//! The firewall log: a bounded ring of the lines written by `action=log` and `log=yes` rules, kept in
//! memory for `/log print` (RouterOS's default `memory` logging action, topic `firewall,info`, keeps the
//! last 1000 lines; so do we by default).
//!
//! Lines look like RouterOS's:
//!
//! ```text
//! PREFIX forward: in:ether2 out:ether1, connection-state:new src-mac 02:00:00:00:00:01, proto TCP (SYN), 192.168.88.10:40000->1.1.1.1:443, len 60
//! ```
//!
//! Formatting happens only when a log rule matches; the ring never grows beyond its capacity (the
//! oldest line is dropped, and counted).

use alloc::collections::VecDeque;
use alloc::string::String;
use core::fmt::Write;

use super::facts::{PROTO_ICMP, PROTO_TCP, PROTO_UDP, PacketFacts, tcp_flag};
use crate::Instant;
use crate::flow::ConnState;
use crate::interface::InterfaceId;

/// RouterOS's default number of lines kept in memory.
pub const DEFAULT_LOG_LINES: usize = 1000;

/// One logged line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub time: Instant,
    /// The whole message, prefix included.
    pub text: String,
}

/// The bounded log ring.
#[derive(Clone, Debug)]
pub struct LogRing {
    lines: VecDeque<LogLine>,
    capacity: usize,
    dropped: u64,
}

impl Default for LogRing {
    fn default() -> Self {
        Self::new(DEFAULT_LOG_LINES)
    }
}

impl LogRing {
    pub fn new(capacity: usize) -> Self {
        LogRing {
            lines: VecDeque::new(),
            capacity,
            dropped: 0,
        }
    }

    pub fn push(&mut self, time: Instant, text: String) {
        if self.capacity == 0 {
            self.dropped += 1;
            return;
        }
        while self.lines.len() >= self.capacity {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(LogLine { time, text });
    }

    /// Oldest first.
    pub fn lines(&self) -> impl Iterator<Item = &LogLine> {
        self.lines.iter()
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Lines pushed out of the ring since it was created.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn clear(&mut self) {
        self.lines.clear();
    }
}

/// Formats the RouterOS-style summary of a packet. `interface_name` turns ids into names.
pub fn format_line(
    prefix: &str,
    chain: &str,
    facts: &PacketFacts,
    interface_name: &dyn Fn(InterfaceId) -> Option<String>,
) -> String {
    let mut s = String::new();
    if !prefix.is_empty() {
        let _ = write!(s, "{prefix} ");
    }
    let name = |i: Option<InterfaceId>| match i {
        Some(id) => interface_name(id).unwrap_or_else(|| alloc::format!("*{}", id.0)),
        None => String::from("(unknown 0)"),
    };
    let _ = write!(
        s,
        "{chain}: in:{} out:{}, ",
        name(facts.in_interface),
        name(facts.out_interface)
    );
    if let Some(conn) = facts.conn {
        let state = match conn.state {
            ConnState::New => "new",
            ConnState::Established => "established",
            ConnState::Related => "related",
            ConnState::Invalid => "invalid",
            ConnState::Untracked => "untracked",
        };
        let _ = write!(s, "connection-state:{state} ");
    }
    if let Some(mac) = facts.src_mac {
        let m = mac.0;
        let _ = write!(
            s,
            "src-mac {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}, ",
            m[0], m[1], m[2], m[3], m[4], m[5]
        );
    }
    let _ = match facts.protocol {
        PROTO_TCP => write!(s, "proto TCP"),
        PROTO_UDP => write!(s, "proto UDP"),
        PROTO_ICMP => write!(s, "proto ICMP"),
        p => write!(s, "proto {p}"),
    };
    if let Some(flags) = facts.tcp_flags {
        s.push_str(" (");
        let mut first = true;
        for (bit, n) in [
            (tcp_flag::SYN, "SYN"),
            (tcp_flag::ACK, "ACK"),
            (tcp_flag::FIN, "FIN"),
            (tcp_flag::RST, "RST"),
            (tcp_flag::PSH, "PSH"),
            (tcp_flag::URG, "URG"),
            (tcp_flag::ECE, "ECE"),
            (tcp_flag::CWR, "CWR"),
        ] {
            if flags & bit != 0 {
                if !first {
                    s.push(',');
                }
                s.push_str(n);
                first = false;
            }
        }
        s.push(')');
    }
    if let Some((t, c)) = facts.icmp {
        let _ = write!(s, " (type {t}, code {c})");
    }
    match (facts.src_port, facts.dst_port) {
        (Some(sp), Some(dp)) => {
            let _ = write!(s, ", {}:{sp}->{}:{dp}", facts.src, facts.dst);
        }
        _ => {
            let _ = write!(s, ", {}->{}", facts.src, facts.dst);
        }
    }
    let _ = write!(s, ", len {}", facts.size);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_is_bounded() {
        let mut ring = LogRing::new(3);
        for i in 0..5 {
            ring.push(Instant::from_secs(i), alloc::format!("l{i}"));
        }
        assert_eq!(ring.len(), 3);
        assert_eq!(ring.dropped(), 2);
        assert_eq!(ring.lines().next().unwrap().text, "l2");
    }
}
