//! `/log print` and `:log`: the router's log as RouterOS shows it (the `/log` page of the RouterOS
//! manual). The entries come from the system ([`SystemControl::log_entries`]), never from the
//! configuration, so nothing here is stored, exported or undone.
//!
//! `print` writes one line per entry, oldest first: its time, its topics and its message, separated by
//! a space —
//!
//! ```text
//! jan/02 23:59:58 system,info default configuration
//! 00:00:05 script,info hello from a script
//! ```
//!
//! — the time as `hh:mm:ss` for an entry written today, `mmm/dd hh:mm:ss` for an earlier day of this
//! year and `mmm/dd/yyyy hh:mm:ss` before that, on the router's clock
//! ([`SystemControl::clock_seconds`]). `where` filters on `time`, `topics` and `message` (`where
//! topics~"script"`), `count-only` prints how many entries match, `as-value` returns their `*ID`s, and
//! `without-paging` is accepted (the console never pages). `follow` prints the matching entries and
//! then each new one until Ctrl-C or `q`, `follow-only` only the new ones, and `interval=` prints
//! again every interval — live views of the console ([`super::live`]); in a script they print once.
//! `file=NAME` writes the lines to `NAME.txt` instead. `follow` goes with none of `count-only`,
//! `as-value`, `interval=` and `file=`.
//!
//! `:log info|warning|error|debug "message"` (or `message=`) writes an entry with the topics
//! `script,info`, `script,warning`, … as a script's log line does in RouterOS.
//!
//! [`SystemControl::log_entries`]: crate::shell::SystemControl::log_entries
//! [`SystemControl::clock_seconds`]: crate::shell::SystemControl::clock_seconds

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::eval::Args;
use super::items::Row;
use super::val::Val;
use super::{CliError, Env};
use crate::clock::{self, Date};
use crate::log_memory::LogEntry;
use crate::model::schema::{MenuDef, MenuKind, PrintStyle, PropDef};
use crate::script::{Expr, Pos};
use crate::value::ValueType;

/// The properties of a log entry, for `where` (the menu is not in the object model: `/log` holds
/// no configuration).
pub(crate) static LOG: MenuDef = MenuDef {
    path: "log",
    kind: MenuKind::List,
    storage: "log",
    props: &[
        PropDef::new("time", ValueType::Text).read_only(),
        PropDef::new("topics", ValueType::Text).read_only(),
        PropDef::new("message", ValueType::Text).read_only(),
    ],
    key: None,
    unique: &[],
    print: PrintStyle::Columns(&["time", "topics", "message"]),
    flags: &[],
};

/// The severities `:log` writes, each a topic of its own.
const LEVELS: [&str; 4] = ["debug", "error", "info", "warning"];

impl Env<'_> {
    /// `/log print [follow|follow-only] [count-only] [as-value] [interval=] [file=] [where ...]`.
    pub(super) fn log_print(
        &mut self,
        mut args: Args,
        condition: Option<&Expr>,
    ) -> Result<Val, CliError> {
        let follow = args.flag("follow");
        let follow_only = args.flag("follow-only");
        let count_only = args.flag("count-only");
        let as_value = args.flag("as-value");
        args.flag("without-paging");
        let file = args.take("file").map(|v| v.to_text());
        let interval = super::live::take_interval(&mut args)?;
        args.leftover()?;
        if follow || follow_only {
            super::follow::refuse_with(
                !follow,
                count_only,
                as_value,
                interval.is_some(),
                file.is_some(),
            )?;
            return self.log_follow(follow_only, condition);
        }
        self.print_live_or_to_file(interval, file, |env| {
            env.log_print_once(count_only, as_value, condition)
        })
    }

    /// `follow` and `follow-only`: on the console, a request for the live view; in its step, the
    /// entries that came after the newest one it saw; in a script, the entries there are
    /// (`follow`) or none (`follow-only`).
    fn log_follow(&mut self, only: bool, condition: Option<&Expr>) -> Result<Val, CliError> {
        if self.may_go_live() {
            self.live_request = Some(super::live::Request::FollowLog { only });
            return Ok(Val::Nothing);
        }
        let after = match self.live_step {
            Some(super::live::Step::Follow { after }) => after,
            _ if only => return Ok(Val::Nothing),
            _ => None,
        };
        let now = self.system.clock_seconds();
        let entries = self.system.log_entries();
        let newest = entries.last().map(|entry| entry.id).or(after);
        for entry in entries {
            // Serial-number order (RFC 1982): the numbering wraps after 2^32 - 1 entries.
            let new = after.is_none_or(|after| (entry.id.wrapping_sub(after) as i32) > 0);
            if !new {
                continue;
            }
            let row = log_row(&entry, now);
            if self.satisfies(&LOG, &row, condition, &[])? {
                let _ = write!(self.out, "{}\r\n", log_line(&row, &entry));
            }
        }
        if let Some(super::live::Step::Follow { after }) = &mut self.live_step {
            *after = newest;
        }
        Ok(Val::Nothing)
    }

    /// One `/log print`, `count-only` or `as-value`.
    fn log_print_once(
        &mut self,
        count_only: bool,
        as_value: bool,
        condition: Option<&Expr>,
    ) -> Result<Val, CliError> {
        let now = self.system.clock_seconds();
        let mut matching: Vec<(u32, String)> = Vec::new();
        for entry in self.system.log_entries() {
            let row = log_row(&entry, now);
            if self.satisfies(&LOG, &row, condition, &[])? {
                matching.push((entry.id, log_line(&row, &entry)));
            }
        }
        if count_only {
            let _ = write!(self.out, "{}\r\n", matching.len());
            return Ok(Val::Num(i64::try_from(matching.len()).unwrap_or(i64::MAX)));
        }
        if as_value {
            return Ok(Val::Array(
                matching.into_iter().map(|(id, _)| Val::Id(id)).collect(),
            ));
        }
        for (_, line) in matching {
            let _ = write!(self.out, "{line}\r\n");
        }
        Ok(Val::Nothing)
    }

    /// `:log LEVEL message`: an entry with the topics `script,LEVEL`.
    pub(super) fn script_log(&mut self, mut args: Args, pos: Pos) -> Result<Val, CliError> {
        if args.unnamed.is_empty() {
            return Err(CliError::at("bad command name log", pos));
        }
        let (word, word_pos) = args.unnamed.remove(0);
        let word = word.to_text();
        // Command words may be abbreviated (`:log warn`); the four levels differ in their first letter.
        let Some(level) = LEVELS
            .iter()
            .find(|level| !word.is_empty() && level.starts_with(word.as_str()))
        else {
            return Err(CliError::at(format!("bad command name {word}"), word_pos));
        };
        let message = match args.take("message") {
            Some(v) => v.to_text(),
            None if !args.unnamed.is_empty() => args.unnamed.remove(0).0.to_text(),
            None => {
                return Err(CliError::at("missing value(s) of argument(s) message", pos));
            }
        };
        args.leftover()?;
        self.system.log(&format!("script,{level}"), &message);
        Ok(Val::Nothing)
    }
}

/// An entry as `print` shows it: time, topics, message.
fn log_line(row: &Row, entry: &LogEntry) -> String {
    format!(
        "{} {} {}",
        row.get("time").unwrap_or(""),
        entry.topics,
        entry.message
    )
}

/// Every entry of the log as rows, oldest first, times as `print` shows them.
pub(crate) fn log_rows(system: &dyn crate::shell::SystemControl) -> Vec<Row> {
    let now = system.clock_seconds();
    system
        .log_entries()
        .iter()
        .map(|entry| log_row(entry, now))
        .collect()
}

/// A log entry as the row `where` sees.
fn log_row(entry: &LogEntry, now: u64) -> Row {
    let mut row = Row {
        id: entry.id,
        dynamic: false,
        values: Default::default(),
        stored: Vec::new(),
    };
    for (name, value) in [
        ("time", format_time(entry.seconds, now)),
        ("topics", entry.topics.clone()),
        ("message", entry.message.clone()),
    ] {
        row.values.insert(name, value);
        row.stored.push(name);
    }
    row
}

/// An entry's time as `/log print` shows it when the clock says `now` (both in seconds since
/// 1970-01-01 00:00:00): `hh:mm:ss` today, `mmm/dd hh:mm:ss` earlier this year, `mmm/dd/yyyy
/// hh:mm:ss` before. An entry stamped after `now` (a clock set back) shows its date as well.
pub fn format_time(at: u64, now: u64) -> String {
    let time = clock::format_time(at);
    if at / clock::SECONDS_PER_DAY == now / clock::SECONDS_PER_DAY {
        return time;
    }
    let date = Date::of_seconds(at);
    let month = clock::month_name(date.month);
    if date.year == Date::of_seconds(now).year {
        format!("{month}/{:02} {time}", date.day)
    } else {
        format!("{month}/{:02}/{} {time}", date.day, date.year)
    }
}

#[cfg(test)]
mod tests {
    //! `/log print` and `:log` on a system whose log is a [`LogMemory`] and whose clock the test sets.

    use super::*;
    use crate::cli::{Mode, Session, run};
    use crate::log_memory::LogMemory;
    use crate::model::Config;
    use crate::resource::ResourceInfo;
    use crate::shell::SystemControl;

    /// A system with a small log and a clock that stands still.
    struct Logging {
        memory: LogMemory<8>,
        now: u64,
    }

    impl SystemControl for Logging {
        fn resource(&self) -> ResourceInfo {
            ResourceInfo::default()
        }
        fn reboot(&mut self) {}
        fn shutdown(&mut self) {}
        fn log(&mut self, topics: &str, message: &str) {
            self.memory.push(self.now, &topics, &message);
        }
        fn log_entries(&self) -> Vec<LogEntry> {
            self.memory.entries()
        }
        fn clock_seconds(&self) -> u64 {
            self.now
        }
    }

    /// Booted at 00:00:00: two kernel lines in the first seconds, the clock at 00:10:00.
    fn booted() -> Logging {
        let mut system = Logging {
            memory: LogMemory::new(),
            now: 600,
        };
        system
            .memory
            .push(0, &"system,info", &"clock: TSC at 2000 MHz");
        system
            .memory
            .push(3, &"interface,warning", &"pci 00:04.0: no driver");
        system
    }

    fn console(system: &mut Logging, line: &str) -> (String, Option<CliError>) {
        let mut out = String::new();
        let result = run(
            line,
            Mode::Interactive,
            &mut Config::new(),
            &mut Session::new(),
            system,
            &mut out,
        );
        (out, result.error)
    }

    fn print(system: &mut Logging, line: &str) -> String {
        let (out, error) = console(system, line);
        assert_eq!(error, None, "{out}");
        out
    }

    #[test]
    fn print_shows_time_topics_and_message_oldest_first() {
        let mut system = booted();
        assert_eq!(
            print(&mut system, "/log print"),
            "00:00:00 system,info clock: TSC at 2000 MHz\r\n\
             00:00:03 interface,warning pci 00:04.0: no driver\r\n"
        );
        // From inside the menu, and without paging, it is the same.
        assert_eq!(
            print(&mut system, "/log\r\nprint without-paging"),
            print(&mut system, "/log print")
        );
    }

    #[test]
    fn script_log_lines_have_script_topics() {
        let mut system = booted();
        print(&mut system, ":log info \"hello from a script\"");
        system.now = 601;
        print(&mut system, ":log warning message=careful");
        print(&mut system, ":log err \"abbreviated\"");
        print(&mut system, ":local n 3; :log debug \"n is $n\"");
        let out = print(&mut system, "/log print where topics~\"script\"");
        assert_eq!(
            out,
            "00:10:00 script,info hello from a script\r\n\
             00:10:01 script,warning careful\r\n\
             00:10:01 script,error abbreviated\r\n\
             00:10:01 script,debug n is 3\r\n"
        );
    }

    #[test]
    fn log_refuses_what_it_cannot_write() {
        let mut system = booted();
        let (out, error) = console(&mut system, ":log loud \"x\"");
        assert!(error.is_some());
        assert_eq!(out, "bad command name loud (line 1 column 6)\r\n");
        let (out, _) = console(&mut system, ":log info");
        assert_eq!(
            out,
            "missing value(s) of argument(s) message (line 1 column 1)\r\n"
        );
        let (out, _) = console(&mut system, ":log info \"x\" extra");
        assert_eq!(out, "expected end of command (line 1 column 15)\r\n");
        assert_eq!(system.memory.len(), 2);
    }

    #[test]
    fn where_count_only_and_as_value() {
        let mut system = booted();
        print(&mut system, ":log info \"link to 192.168.88.1 up\"");
        assert_eq!(
            print(&mut system, "/log print where message~\"192\\\\.168\""),
            "00:10:00 script,info link to 192.168.88.1 up\r\n"
        );
        assert_eq!(
            print(&mut system, "/log print count-only where topics~\"info\""),
            "2\r\n"
        );
        assert_eq!(print(&mut system, "/log print count-only"), "3\r\n");
        assert_eq!(
            print(
                &mut system,
                "/log print where topics~\"warning\" or message~\"TSC\""
            )
            .lines()
            .count(),
            2
        );
        assert_eq!(
            print(&mut system, "/log print where time=\"00:00:03\""),
            "00:00:03 interface,warning pci 00:04.0: no driver\r\n"
        );
        assert_eq!(
            print(
                &mut system,
                ":put [/log print as-value where topics~\"^script\"]"
            ),
            "*3\r\n"
        );
        assert_eq!(
            print(&mut system, "/log print where topics~\"nothing\""),
            ""
        );
    }

    #[test]
    fn follow_leaves_a_live_view_and_unknown_arguments_are_refused() {
        let mut system = booted();
        // On the console `follow` prints nothing itself: the console runs the view (cli::live).
        let mut out = String::new();
        let result = run(
            "/log print follow where topics~\"script\"",
            Mode::Interactive,
            &mut Config::new(),
            &mut Session::new(),
            &mut system,
            &mut out,
        );
        assert_eq!((out.as_str(), result.error), ("", None));
        assert!(result.live.is_some());
        let (out, _) = console(&mut system, "/log print detail");
        assert_eq!(out, "expected end of command (line 1 column 12)\r\n");
    }

    #[test]
    fn a_full_log_prints_its_newest_lines() {
        let mut system = booted();
        for n in 0..20 {
            print(&mut system, &format!(":log info \"line {n}\""));
        }
        let out = print(&mut system, "/log print");
        assert_eq!(out.lines().count(), 8);
        assert!(out.starts_with("00:10:00 script,info line 12\r\n"), "{out}");
        assert!(out.ends_with("00:10:00 script,info line 19\r\n"), "{out}");
    }

    #[test]
    fn times_show_the_date_unless_today() {
        let day = crate::clock::SECONDS_PER_DAY;
        assert_eq!(format_time(3723, 4000), "01:02:03");
        assert_eq!(format_time(3723, day + 5), "jan/01 01:02:03");
        assert_eq!(format_time(day + 59, day + 60), "00:00:59");
        // 1970-03-01: after February of a common year.
        assert_eq!(format_time(59 * day, 100 * day), "mar/01 00:00:00");
        // 1972-02-29 (leap), seen in 1973.
        assert_eq!(format_time(789 * day, 1100 * day), "feb/29/1972 00:00:00");
        // 2000-12-31, the last day of a leap year divisible by 400.
        assert_eq!(
            format_time(11_322 * day, 11_323 * day),
            "dec/31/2000 00:00:00"
        );
        // A clock set back: the entry is in the future, so its date shows.
        assert_eq!(format_time(day, 0), "jan/02 00:00:00");
        // Any time at all formats.
        assert!(format_time(u64::MAX, u64::MAX).contains(':'));
        assert!(!format_time(u64::MAX, 0).is_empty());
    }

    #[test]
    fn dates_match_a_day_by_day_calendar() {
        // Walk the calendar one day at a time across leap years and centuries: the dates log times
        // show come from the clock's arithmetic.
        const DAYS_PER_400_YEARS: i64 = 146_097;
        let is_leap = |year: i64| (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let (mut year, mut month, mut day) = (1970i64, 1u32, 1u32);
        for days in 0..(DAYS_PER_400_YEARS + 800) {
            assert_eq!(
                crate::clock::civil_from_days(days),
                (year, month, day),
                "day {days}"
            );
            let february = if is_leap(year) { 29 } else { 28 };
            let length = [31, february, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month as usize - 1];
            day += 1;
            if day > length {
                day = 1;
                month += 1;
                if month == 13 {
                    month = 1;
                    year += 1;
                }
            }
        }
        assert_eq!(crate::clock::civil_from_days(DAYS_PER_400_YEARS).0, 2370);
    }
}
