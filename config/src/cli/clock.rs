//! `/system clock` as RouterOS v7.16 shows it: `print` and `get` give the running clock's `time`
//! (`09:15:42`) and `date` (`2026-11-22`, the ISO form of v7.10 and later) with the time zone settings,
//! `gmt-offset` (`+00:00`) and `dst-active` (`no`); `set time=HH:MM:SS` and `set date=YYYY-MM-DD`
//! (also `nov/22/2026`) move the clock through [`SystemControl::set_clock`], the other properties are
//! configuration. `print interval=` and `file=` work as in other menus. `/system clock manual set
//! time-zone=+HH:MM` checks the offset (`crate::clock`).
//!
//! The clock shows local time: what [`SystemControl::clock_seconds`] reads, UTC plus
//! [`crate::clock::gmt_offset`] on the appliance. A dry run does not move it (`super::dry_run`).
//!
//! [`SystemControl::set_clock`]: crate::shell::SystemControl::set_clock
//! [`SystemControl::clock_seconds`]: crate::shell::SystemControl::clock_seconds

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::eval::Args;
use super::print::PrintOptions;
use super::val::Val;
use super::{CliError, Env};
use crate::clock::{self, SECONDS_PER_DAY};
use crate::model::Change;
use crate::model::schema::MenuDef;

/// The clock's menu path.
const CLOCK: &str = "system/clock";
/// The manual time zone's menu path.
const MANUAL: &str = "system/clock/manual";

/// Whether [`Env::clock_command`] runs `command` in the menu at `path` (the generic menu code runs
/// the others: `export`, `print` and `get` of `/system clock manual`).
pub(super) fn handles(path: &str, command: &str) -> bool {
    matches!(
        (path, command),
        (CLOCK, "print" | "get" | "set") | (MANUAL, "set")
    )
}

impl Env<'_> {
    /// `print`, `get` and `set` of `/system clock`, `set` of `/system clock manual` (see
    /// [`handles`]).
    pub(super) fn clock_command(
        &mut self,
        menu: &'static MenuDef,
        name: &str,
        args: Args,
    ) -> Result<Val, CliError> {
        match (menu.path, name) {
            (CLOCK, "print") => self.clock_print(menu, args),
            (CLOCK, "get") => self.clock_get(menu, args),
            (CLOCK, "set") => self.clock_set(menu, args),
            (MANUAL, "set") => self.clock_manual_set(menu, args),
            _ => Err(CliError::plain("bad command name")),
        }
    }

    /// Every property of `/system clock` with its value now, in the order RouterOS prints them.
    fn clock_values(&self, menu: &'static MenuDef) -> Vec<(&'static str, String)> {
        let now = self.system.clock_seconds();
        menu.props
            .iter()
            .map(|prop| {
                let value = match prop.name {
                    "time" => clock::format_time(now),
                    "date" => clock::format_date(now),
                    "gmt-offset" => clock::format_gmt_offset(clock::gmt_offset(self.config)),
                    // No daylight saving rules are kept (crate::clock).
                    "dst-active" => String::from("no"),
                    name => String::from(self.config.singleton_value(menu, name).unwrap_or("")),
                };
                (prop.name, value)
            })
            .collect()
    }

    /// `print`, also `interval=` (the clock ticking on the console) and `file=`, as other prints.
    fn clock_print(&mut self, menu: &'static MenuDef, mut args: Args) -> Result<Val, CliError> {
        let file = args.take("file").map(|v| v.to_text());
        let interval = super::live::take_interval(&mut args)?;
        let options = PrintOptions::take(&mut args)?;
        self.print_live_or_to_file(interval, file, |env| {
            if !options.as_value {
                let values = env.clock_values(menu);
                let pairs: Vec<(&str, &str)> =
                    values.iter().map(|(n, v)| (*n, v.as_str())).collect();
                let _ = crate::property_list::write_property_list(env.out, &pairs);
            }
            Ok(Val::Nothing)
        })
    }

    fn clock_get(&mut self, menu: &'static MenuDef, mut args: Args) -> Result<Val, CliError> {
        let name = match args.take("value-name") {
            Some(v) => Some(v.to_text()),
            None if !args.unnamed.is_empty() => Some(args.unnamed.remove(0).0.to_text()),
            None => None,
        };
        args.leftover()?;
        let Some(name) = name else {
            return Ok(Val::Nothing);
        };
        let prop = menu
            .resolve_prop(&name)
            .map_err(|_| CliError::plain("no such property"))?;
        let value = self
            .clock_values(menu)
            .into_iter()
            .find(|(n, _)| *n == prop.name)
            .map(|(_, v)| v)
            .unwrap_or_default();
        Ok(Val::Str(value))
    }

    /// `set time= date=` moves the clock (the part not given stays), the rest is configuration; all
    /// values are checked before anything changes.
    fn clock_set(&mut self, menu: &'static MenuDef, mut args: Args) -> Result<Val, CliError> {
        let mut time = None;
        let mut date = None;
        let mut changes = Vec::new();
        for (name, value, pos) in core::mem::take(&mut args.named) {
            let prop = menu
                .resolve_prop(&name)
                .map_err(|_| CliError::at("expected end of command", pos))?;
            let text = value.to_text();
            match prop.name {
                "time" => {
                    let seconds = clock::parse_time(&text)
                        .ok_or_else(|| CliError::plain("invalid value for argument time"))?;
                    time = Some(u64::from(seconds));
                }
                "date" => {
                    let day = clock::parse_date(&text)
                        .ok_or_else(|| CliError::plain("invalid value for argument date"))?;
                    date = Some(day.seconds());
                }
                _ => changes.push(Change::Set(prop, text)),
            }
        }
        for (name, pos) in core::mem::take(&mut args.unset) {
            let prop = menu
                .resolve_prop(&name)
                .map_err(|_| CliError::at("expected end of command", pos))?;
            changes.push(Change::Unset(prop));
        }
        args.leftover()?;
        if !changes.is_empty() {
            self.config.set(menu, 0, &changes)?;
        }
        if time.is_some() || date.is_some() {
            let now = self.system.clock_seconds();
            let day = date.unwrap_or(now - now % SECONDS_PER_DAY);
            let time = time.unwrap_or(now % SECONDS_PER_DAY);
            self.system.set_clock(day.saturating_add(time));
        }
        Ok(Val::Nothing)
    }

    /// `/system clock manual set time-zone=+HH:MM`: the offset must be one (at most 14 hours).
    fn clock_manual_set(
        &mut self,
        menu: &'static MenuDef,
        mut args: Args,
    ) -> Result<Val, CliError> {
        let mut changes = Vec::new();
        for (name, value, pos) in core::mem::take(&mut args.named) {
            let prop = menu
                .resolve_prop(&name)
                .map_err(|_| CliError::at("expected end of command", pos))?;
            let text = value.to_text();
            let offset = clock::parse_gmt_offset(&text).ok_or_else(|| {
                CliError::plain(format!("invalid value for argument {}", prop.name))
            })?;
            changes.push(Change::Set(prop, clock::format_gmt_offset(offset)));
        }
        for (name, pos) in core::mem::take(&mut args.unset) {
            let prop = menu
                .resolve_prop(&name)
                .map_err(|_| CliError::at("expected end of command", pos))?;
            changes.push(Change::Unset(prop));
        }
        args.leftover()?;
        self.config.set(menu, 0, &changes)?;
        Ok(Val::Nothing)
    }
}

#[cfg(test)]
mod tests;
