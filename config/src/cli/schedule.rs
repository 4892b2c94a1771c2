//! `/system scheduler add|set`: `start-date` and `start-time` as RouterOS stores them — an ISO date
//! (`nov/22/2026` is read too) and `hh:mm:ss` or `startup` ([`crate::scheduler::normalize_start`]),
//! anything else `invalid value for argument start-date` — and, as RouterOS does, an `add` that leaves
//! them out gets the clock's date and time now (a `startup` item no date). The generic `add` and `set`
//! then run with the values so rewritten.

use alloc::string::String;

use super::eval::Args;
use super::val::Val;
use super::{CliError, Env};
use crate::model::schema::MenuDef;
use crate::scheduler::{default_start, normalize_start};
use crate::script::Pos;

impl Env<'_> {
    pub(super) fn schedule_args(
        &mut self,
        menu: &'static MenuDef,
        command: &str,
        args: &mut Args,
    ) -> Result<(), CliError> {
        let (mut has_date, mut has_time, mut startup) = (false, false, false);
        for (name, value, _) in args.named.iter_mut() {
            let Ok(prop) = menu.resolve_prop(name) else {
                continue;
            };
            if !matches!(prop.name, "start-date" | "start-time") {
                continue;
            }
            let text = normalize_start(prop.name, &value.to_text()).map_err(CliError::plain)?;
            has_date |= prop.name == "start-date";
            has_time |= prop.name == "start-time";
            startup |= text == "startup";
            *value = Val::Str(text);
        }
        let copies = args.named.iter().any(|(name, _, _)| name == "copy-from");
        if command != "add" || copies {
            return Ok(());
        }
        let (date, time) = default_start(self.system.clock_seconds());
        let pos = Pos::new(1, 1);
        if !has_time {
            args.named
                .push((String::from("start-time"), Val::Str(time), pos));
        }
        if !has_date && !startup {
            args.named
                .push((String::from("start-date"), Val::Str(date), pos));
        }
        Ok(())
    }
}
