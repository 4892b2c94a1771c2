//! `/system scheduler` running scripts, and the counters RouterOS keeps for scheduler items and
//! `/system script`s (`run-count`, `last-started`, `next-run`; a restart clears them).
//!
//! When an item runs (RouterOS's scheduler manual):
//!
//! * `start-date` + `start-time` on the router's clock, then every `interval`; `interval=0s` runs once,
//!   and only if that moment is still ahead when the scheduler first sees the item;
//! * `start-time=startup`: 3 seconds after boot (on the time since boot, whatever the clock says);
//!   with a non-zero interval it does not run at startup but every `interval` after those 3 seconds;
//! * disabled items, and items whose start cannot be read, do not run.
//!
//! [`Runs::due`] decides which items are due: each item remembers when it was last looked at, and is
//! due when one of its run times falls after that and not after now. That is constant work per item
//! (a division finds the first run time after a moment), so a clock set forward by a year runs a
//! missed item once, not once per missed interval, and its next run is the first run time after now;
//! a clock set back runs nothing until the clock reaches the item's next run time again. An item
//! whose schedule changed starts over from now. Items in the configuration when the scheduler first
//! looks count from boot (so a startup item runs even if the first look is late), items added later
//! from the moment they appear. At most [`MAX_RUNS_PER_CALL`] items run per call; the rest stay due.
//!
//! [`run_due`] runs them: `on-event` naming a `/system script` runs that script
//! (`/system script run`), any other text runs as a script itself, as RouterOS does, each in the
//! running configuration (its changes applied and stored as a console command's are) with the
//! scheduler's own session. A failure is logged as `script,error` lines: `executing script NAME from
//! scheduler failed, please check it manually` and the error. Output (`:put`) goes nowhere, as a
//! scheduled script has no console. A scheduled `/system reboot` or `/system shutdown` (on-event
//! text, not inside a script) is carried out.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::cli::{self, PendingAction, Session};
use crate::clock::{self, SECONDS_PER_DAY};
use crate::model::schema::MenuDef;
use crate::model::{Config, Item, menus};
use crate::shell::SystemControl;
use crate::value::parse_duration;

/// Seconds after boot a `start-time=startup` item runs.
pub const STARTUP_DELAY: u64 = 3;
/// Most items [`Runs::due`] returns at once.
pub const MAX_RUNS_PER_CALL: usize = 8;
/// Most items whose counters are kept (scheduler items and scripts, each).
pub const MAX_TRACKED: usize = 1024;

/// Now, on both clocks a schedule may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    /// The router's clock (local time), seconds since 1970-01-01 00:00:00.
    pub wall: u64,
    /// Seconds since boot.
    pub uptime: u64,
}

/// Where an item's run times are counted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// `start-time=startup`: on the time since boot, from [`STARTUP_DELAY`].
    Startup,
    /// A moment on the router's clock.
    At(u64),
}

/// When an item runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub start: Start,
    /// Seconds between runs; 0: once.
    pub interval: u64,
}

impl Schedule {
    /// The schedule of a scheduler item; `None` when it is disabled or its start cannot be read. A
    /// start-time without a start-date starts on 1970-01-01, one left out entirely (a configuration
    /// from before add filled it in) is `startup`.
    pub fn of(item: &Item) -> Option<Schedule> {
        if item.get("disabled") == Some("yes") {
            return None;
        }
        let interval = match item.get("interval") {
            Some(text) => parse_duration(text)?.secs(),
            None => 0,
        };
        let start = match item.get("start-time") {
            None | Some("startup") => Start::Startup,
            Some(time) => {
                let time = u64::from(clock::parse_time(time)?);
                let day = match item.get("start-date") {
                    Some(date) => clock::parse_date(date)?.seconds(),
                    None => 0,
                };
                Start::At(day.saturating_add(time))
            }
        };
        Some(Schedule { start, interval })
    }

    /// The first run time strictly after `after`, on the clock of [`Schedule::start`]; `None` when
    /// there is none.
    pub fn first_after(&self, after: u64) -> Option<u64> {
        let first = match self.start {
            Start::At(at) => at,
            Start::Startup if self.interval == 0 => STARTUP_DELAY,
            Start::Startup => STARTUP_DELAY.checked_add(self.interval)?,
        };
        if first > after {
            return Some(first);
        }
        if self.interval == 0 {
            return None;
        }
        let passed = (after - first) / self.interval + 1;
        passed
            .checked_mul(self.interval)
            .and_then(|offset| first.checked_add(offset))
    }

    /// `now` on this schedule's clock.
    fn clock(&self, now: Now) -> u64 {
        match self.start {
            Start::Startup => now.uptime,
            Start::At(_) => now.wall,
        }
    }

    /// The next run after `since` (on this schedule's clock) as a moment on the router's clock.
    fn next_run(&self, since: u64, now: Now) -> Option<u64> {
        let at = self.first_after(since)?;
        Some(match self.start {
            Start::At(_) => at,
            Start::Startup => now.wall.saturating_add(at.saturating_sub(now.uptime)),
        })
    }
}

/// What the scheduler remembers of one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct EventState {
    /// The schedule last seen (a change starts the item over).
    schedule: Option<Schedule>,
    /// When the item was last looked at.
    checked: Now,
    run_count: u64,
}

/// What is remembered of one script.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ScriptState {
    run_count: u64,
    /// On the router's clock.
    last_started: u64,
}

/// The running system's record of scheduler items and scripts (by `*ID`), kept by the system
/// ([`SystemControl::runs`]).
#[derive(Clone, Debug, Default)]
pub struct Runs {
    /// Whether [`Runs::due`] ran before: on its first call the configuration's items count from boot.
    started: bool,
    events: BTreeMap<u32, EventState>,
    scripts: BTreeMap<u32, ScriptState>,
}

impl Runs {
    pub fn new() -> Self {
        Runs::default()
    }

    /// The scheduler items of `config` due at `now`, in configuration order (at most
    /// [`MAX_RUNS_PER_CALL`]); their runs are counted. See the module docs.
    pub fn due(&mut self, config: &Config, now: Now) -> Vec<u32> {
        let Some(menu) = menus::menu("system/scheduler") else {
            return Vec::new();
        };
        let items = config.items(menu);
        let first_call = !core::mem::replace(&mut self.started, true);
        self.events
            .retain(|id, _| items.iter().any(|item| item.id == *id));
        let mut due = Vec::new();
        for item in items {
            let schedule = Schedule::of(item);
            if !self.events.contains_key(&item.id) {
                if self.events.len() >= MAX_TRACKED {
                    continue;
                }
                let checked = if first_call {
                    Now {
                        wall: now.wall,
                        uptime: 0,
                    }
                } else {
                    now
                };
                let state = EventState {
                    schedule,
                    checked,
                    run_count: 0,
                };
                self.events.insert(item.id, state);
            }
            let Some(state) = self.events.get_mut(&item.id) else {
                continue;
            };
            if state.schedule != schedule {
                state.schedule = schedule;
                state.checked = now;
                continue;
            }
            let Some(schedule) = schedule else {
                state.checked = now;
                continue;
            };
            let (clock_now, since) = (schedule.clock(now), schedule.clock(state.checked));
            let is_due = clock_now >= since
                && schedule
                    .first_after(since)
                    .is_some_and(|at| at <= clock_now);
            if is_due && due.len() >= MAX_RUNS_PER_CALL {
                // Stays due for the next call.
                continue;
            }
            state.checked = now;
            if is_due {
                state.run_count = state.run_count.saturating_add(1);
                due.push(item.id);
            }
        }
        due
    }

    /// A script started (`/system script run`, or through the scheduler) at `wall` on the router's
    /// clock.
    pub fn script_started(&mut self, id: u32, wall: u64) {
        if self.scripts.len() >= MAX_TRACKED && !self.scripts.contains_key(&id) {
            return;
        }
        let state = self.scripts.entry(id).or_default();
        state.run_count = state.run_count.saturating_add(1);
        state.last_started = wall;
    }

    /// The read-only values `print` shows for `item` of `menu` at `now`: a script's `run-count` and
    /// `last-started` (once it ran), a scheduler item's `run-count` and `next-run`.
    pub fn status(&self, menu: &MenuDef, item: &Item, now: Now) -> Vec<(&'static str, String)> {
        let mut values = Vec::new();
        match menu.path {
            "system/script" => {
                if let Some(state) = self.scripts.get(&item.id) {
                    values.push(("run-count", format!("{}", state.run_count)));
                    values.push(("last-started", clock::format_date_time(state.last_started)));
                }
            }
            "system/scheduler" => {
                let state = self.events.get(&item.id);
                let schedule = Schedule::of(item);
                if let Some(state) = state {
                    values.push(("run-count", format!("{}", state.run_count)));
                }
                // An item not looked at yet counts from now.
                let since = match (state, schedule) {
                    (Some(state), Some(s)) if state.schedule == schedule => {
                        s.clock(state.checked).max(s.clock(now))
                    }
                    (_, Some(s)) => s.clock(now),
                    (_, None) => 0,
                };
                if let Some(at) = schedule.and_then(|s| s.next_run(since, now)) {
                    values.push(("next-run", clock::format_date_time(at)));
                }
            }
            _ => {}
        }
        values
    }
}

/// `start-date` and `start-time` as RouterOS stores them: a date in ISO form (`nov/22/2026` is
/// read too), a time as `hh:mm:ss` or `startup`. `Err` names the argument.
pub fn normalize_start(prop: &str, text: &str) -> Result<String, String> {
    let invalid = || format!("invalid value for argument {prop}");
    match prop {
        "start-date" => {
            let date = clock::parse_date(text).ok_or_else(invalid)?;
            Ok(clock::format_date(date.seconds()))
        }
        "start-time" if text == "startup" => Ok(String::from(text)),
        "start-time" => {
            let time = clock::parse_time(text).ok_or_else(invalid)?;
            Ok(clock::format_time(u64::from(time)))
        }
        _ => Ok(String::from(text)),
    }
}

/// The `start-date` and `start-time` an `add` that leaves them out gets: the clock's now, as
/// RouterOS fills them in.
pub fn default_start(wall: u64) -> (String, String) {
    (
        clock::format_date(wall),
        clock::format_time(wall % SECONDS_PER_DAY),
    )
}

/// Output that goes nowhere.
struct Discard;

impl fmt::Write for Discard {
    fn write_str(&mut self, _: &str) -> fmt::Result {
        Ok(())
    }
}

/// Runs the scheduler items due at `now` (see the module docs) with `session`, the scheduler's own;
/// `config` is the running configuration, changed as the scripts change it. Does nothing for a
/// system that keeps no [`Runs`].
pub fn run_due(
    config: &mut Config,
    session: &mut Session,
    system: &mut dyn SystemControl,
    now: Now,
) {
    let Some(runs) = system.runs() else {
        return;
    };
    let due = runs.due(config, now);
    let Some(menu) = menus::menu("system/scheduler") else {
        return;
    };
    let scripts = menus::menu("system/script");
    for id in due {
        // An earlier item may have disabled or removed this one.
        let Some(item) = config.item(menu, id) else {
            continue;
        };
        if item.get("disabled") == Some("yes") {
            continue;
        }
        let name = String::from(item.get("name").unwrap_or(""));
        let on_event = String::from(item.get("on-event").unwrap_or(""));
        let is_script = scripts.is_some_and(|m| config.find_by_key(m, &on_event).is_some());
        let source = if is_script {
            format!("/system script run {}", crate::value::quote(&on_event))
        } else {
            on_event
        };
        session.path.clear();
        let result = cli::run(
            &source,
            cli::Mode::Interactive,
            config,
            session,
            system,
            &mut Discard,
        );
        if let Some(error) = result.error {
            system.log(
                "script,error",
                &format!("executing script {name} from scheduler failed, please check it manually"),
            );
            system.log("script,error", &format!("({name}) {error}"));
        }
        match result.pending {
            Some(PendingAction::Reboot) => system.reboot(),
            Some(PendingAction::Shutdown) => system.shutdown(),
            _ => {}
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
