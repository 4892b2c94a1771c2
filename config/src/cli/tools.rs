//! The console's network tools — `/ping` ([`super::ping`]), `/tool traceroute`
//! ([`super::traceroute`]) and `/interface monitor-traffic` ([`super::monitor_traffic`]) — as
//! commands and as live views.
//!
//! On the console (at the top of an interactive line) a tool asks for a live view
//! ([`super::live`]) holding its running state ([`ToolView`]); the console drives it from
//! `Shell::poll` until it ends by itself (`count=` reached, the destination found) or the user
//! presses Ctrl-C or `q`. `/ping` prints rows as answers come; traceroute and monitor-traffic redraw
//! their table in place (VT100 CUU and ED, line wrapping off while they run, as `print interval=`
//! does) under a `-- [Q quit|C-c quit]` line.
//!
//! In a script, an import or a `[ ... ]` substitution there is no one to press Ctrl-C: the tool
//! runs to its end while [`SystemControl::wait_ms`] lets time pass (the kernel keeps the network
//! running meanwhile), bounded by the longest the tool can take, and prints what it found (inside a
//! `[ ... ]` too, as every command there prints). `/ping` without `count=` would never end and is
//! refused there. The value of `/ping` is the number of answers received.
//!
//! [`SystemControl::wait_ms`]: crate::shell::SystemControl::wait_ms

use core::fmt::Write;

use netstack::engine::ToolReplyKind;
use smoltcp::wire::Ipv4Address;

use super::eval::Args;
use super::live::Request;
use super::monitor_traffic::MonitorTraffic;
use super::ping::Ping;
use super::traceroute::Traceroute;
use super::val::Val;
use super::{CliError, Env};
use crate::shell::SystemControl;

/// How long a script's tool waits between steps.
const SCRIPT_STEP_MS: u64 = 10;
/// Longest a tool may run for an API (RouterOS closes the session after 60 s).
const API_COMMAND_LIMIT_US: u64 = 60_000_000;

/// The line under a redrawn view, as `print interval=` writes it.
const STATUS: &str = "-- [Q quit|C-c quit]";
const ERASE_LINE: &str = "\r\x1b[K";
const ERASE_BELOW: &str = "\x1b[J";
const WRAP_OFF: &str = "\x1b[?7l";
const WRAP_ON: &str = "\x1b[?7h";

/// A running tool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ToolView {
    Ping(Ping),
    /// `rows`: lines the last drawing printed.
    Traceroute {
        trace: Traceroute,
        rows: usize,
    },
    Monitor {
        monitor: MonitorTraffic,
        rows: usize,
    },
}

impl ToolView {
    /// Starts the tool on the console. False when it is already over.
    pub fn start(&mut self, out: &mut dyn Write, system: &mut dyn SystemControl) -> bool {
        match self {
            ToolView::Ping(ping) => ping.start(out, system),
            ToolView::Traceroute { .. } | ToolView::Monitor { .. } => {
                let _ = out.write_str(WRAP_OFF);
                self.tick(out, system)
            }
        }
    }

    /// Moves the tool on; false once it ended by itself (what it printed stays, the prompt follows).
    pub fn tick(&mut self, out: &mut dyn Write, system: &mut dyn SystemControl) -> bool {
        match self {
            ToolView::Ping(ping) => ping.step(out, system),
            ToolView::Traceroute { trace, rows } => {
                let (running, changed) = trace.step(system);
                if changed || !running {
                    redraw(out, rows, &trace.table(), running);
                }
                running
            }
            ToolView::Monitor { monitor, rows } => {
                if monitor.step(system) {
                    redraw(out, rows, &monitor.text(), true);
                }
                true
            }
        }
    }

    /// Ctrl-C or `q`: `/ping` prints its totals; a redrawn view leaves its last drawing.
    pub fn end(&self, out: &mut dyn Write) {
        match self {
            ToolView::Ping(ping) => ping.end(out),
            ToolView::Traceroute { .. } | ToolView::Monitor { .. } => {
                let _ = write!(out, "{ERASE_LINE}{WRAP_ON}");
            }
        }
    }
}

/// Draws `text` over the last drawing (`rows` lines up), with the status line under it while the
/// view runs; the last drawing gives the terminal its line wrapping back.
fn redraw(out: &mut dyn Write, rows: &mut usize, text: &str, running: bool) {
    let _ = out.write_str("\r");
    if *rows > 0 {
        let _ = write!(out, "\x1b[{rows}A");
    }
    let _ = out.write_str(ERASE_BELOW);
    let _ = out.write_str(text);
    *rows = text.matches('\n').count();
    match running {
        true => {
            let _ = out.write_str(STATUS);
        }
        false => {
            let _ = out.write_str(WRAP_ON);
        }
    }
}

impl Env<'_> {
    /// `/ping`.
    pub(super) fn ping(&mut self, mut args: Args) -> Result<Val, CliError> {
        let ident = self.tool_ident();
        let mut ping = Ping::from_args(&mut args, ident)?;
        if self.may_go_live() {
            self.live_request = Some(Request::Tool(ToolView::Ping(ping)));
            return Ok(Val::Nothing);
        }
        if ping.endless() {
            return Err(CliError::plain("failure: ping needs count= in a script"));
        }
        // An API waits for the whole run; RouterOS ends a command past 60 s with `Session closed`.
        if self.api {
            if ping.duration_us() > API_COMMAND_LIMIT_US {
                return Err(CliError::plain("Session closed"));
            }
            ping.keep_records();
        }
        let out: &mut dyn Write = &mut *self.out;
        let mut running = ping.start(out, &mut *self.system);
        let mut budget = ping.duration_us() / 1000 / SCRIPT_STEP_MS + 100;
        while running {
            running = ping.step(out, &mut *self.system);
            budget = budget.saturating_sub(1);
            if budget == 0 {
                ping.end(out);
                break;
            }
            self.system.wait_ms(SCRIPT_STEP_MS);
        }
        self.records = ping.take_records();
        Ok(Val::Num(i64::from(ping.received())))
    }

    /// `/tool traceroute`.
    pub(super) fn traceroute(&mut self, mut args: Args) -> Result<Val, CliError> {
        let ident = self.tool_ident();
        let mut trace = Traceroute::from_args(&mut args, ident)?;
        if self.may_go_live() {
            let view = ToolView::Traceroute { trace, rows: 0 };
            self.live_request = Some(Request::Tool(view));
            return Ok(Val::Nothing);
        }
        let mut budget = trace.duration_us() / 1000 / SCRIPT_STEP_MS + 100;
        // An API waits for the whole run, at most RouterOS's 60 s.
        if self.api {
            budget = budget.min(API_COMMAND_LIMIT_US / 1000 / SCRIPT_STEP_MS);
        }
        let mut running = true;
        while running && budget > 0 {
            running = trace.step(&mut *self.system).0;
            budget -= 1;
            self.system.wait_ms(SCRIPT_STEP_MS);
        }
        if self.api && running {
            return Err(CliError::plain("Session closed"));
        }
        let _ = self.out.write_str(&trace.table());
        Ok(Val::Nothing)
    }

    /// `/interface monitor-traffic`.
    pub(super) fn monitor_traffic(&mut self, mut args: Args) -> Result<Val, CliError> {
        let mut monitor = MonitorTraffic::from_args(&mut args, &*self.system)?;
        if self.may_go_live() && !monitor.once() {
            let view = ToolView::Monitor { monitor, rows: 0 };
            self.live_request = Some(Request::Tool(view));
            return Ok(Val::Nothing);
        }
        // One sample: the counters now and one interval later.
        monitor.step(&*self.system);
        let mut budget = monitor.interval_ms() / SCRIPT_STEP_MS + 100;
        while !monitor.measured() && budget > 0 {
            budget -= 1;
            self.system.wait_ms(SCRIPT_STEP_MS);
            monitor.step(&*self.system);
        }
        let _ = self.out.write_str(&monitor.text());
        if self.api {
            self.records = monitor.records();
        }
        Ok(Val::Nothing)
    }

    /// An ICMP identifier for one run of a tool, different between runs.
    fn tool_ident(&mut self) -> u16 {
        let mixed = self.system.entropy() ^ self.system.now_us();
        (mixed ^ (mixed >> 16) ^ (mixed >> 32)) as u16
    }
}

/// The destination: `address=` or the first unnamed argument, an IPv4 address (names are not
/// looked up).
pub(super) fn address_arg(args: &mut Args, name: &str) -> Result<Ipv4Address, CliError> {
    let value = match args.take(name) {
        Some(value) => value,
        None if !args.unnamed.is_empty() => args.unnamed.remove(0).0,
        None => {
            return Err(CliError::plain(alloc::format!(
                "missing value for argument {name}"
            )));
        }
    };
    value
        .to_text()
        .parse::<Ipv4Address>()
        .map_err(|_| CliError::plain(alloc::format!("invalid value for argument {name}")))
}

/// A whole number within `min..=max`, RouterOS's errors otherwise.
pub(super) fn number_arg(
    args: &mut Args,
    name: &str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, CliError> {
    let Some(value) = args.take(name) else {
        return Ok(None);
    };
    let number = value
        .to_text()
        .parse::<u64>()
        .map_err(|_| CliError::plain(alloc::format!("invalid value for argument {name}")))?;
    if !(min..=max).contains(&number) {
        return Err(CliError::plain(alloc::format!(
            "value of {name} out of range ({min}..{max})"
        )));
    }
    Ok(Some(number))
}

/// A time within `min_us..=max_us`, in microseconds.
pub(super) fn duration_arg(
    args: &mut Args,
    name: &str,
    min_us: u64,
    max_us: u64,
) -> Result<Option<u64>, CliError> {
    let Some(value) = args.take(name) else {
        return Ok(None);
    };
    let us = crate::value::parse_duration(&value.to_text())
        .ok_or_else(|| CliError::plain(alloc::format!("invalid value for argument {name}")))?
        .total_micros();
    if !(min_us..=max_us).contains(&us) {
        let range = alloc::format!(
            "{}..{}",
            super::ping::time(min_us),
            super::ping::time(max_us)
        );
        return Err(CliError::plain(alloc::format!(
            "value of {name} out of range ({range})"
        )));
    }
    Ok(Some(us))
}

/// The STATUS of an ICMP error about a probe.
pub(super) fn status_of(kind: ToolReplyKind) -> &'static str {
    match kind {
        ToolReplyKind::Echo => "",
        ToolReplyKind::TimeExceeded => "TTL exceeded",
        ToolReplyKind::Unreachable(0) => "net unreachable",
        ToolReplyKind::Unreachable(1) => "host unreachable",
        ToolReplyKind::Unreachable(2) => "protocol unreachable",
        ToolReplyKind::Unreachable(3) => "port unreachable",
        ToolReplyKind::Unreachable(4) => "fragmentation needed",
        ToolReplyKind::Unreachable(9 | 10 | 13) => "administratively prohibited",
        ToolReplyKind::Unreachable(_) => "destination unreachable",
    }
}

#[cfg(test)]
mod tests;
