//! `/ip firewall connection`: `print`, `find`, `get` and `remove` over the running connection table
//! (routeros-reference.md §3). The entries come from the system ([`SystemControl::connections`]),
//! never from the configuration, so nothing here is stored, exported or undone.
//!
//! `print` shows the columns `PROTOCOL, SRC-ADDRESS, DST-ADDRESS, TCP-STATE, TIMEOUT` with the flags
//! `S` seen-reply, `A` assured, `C` confirmed, `F` fasttrack, `s` srcnat, `d` dstnat; `detail` and
//! `terse` add the reply addresses, the counters of both directions and the connection mark;
//! `where`, `count-only`, `as-value` and `show-ids` work as in every menu.
//!
//! # Bounds
//!
//! The table may hold up to 2^20 connections. The interpreter reads it [`PAGE`] entries at a time
//! and keeps only what the command needs:
//!
//! * `print count-only` without `where` asks for the count and lists nothing; with `where` it keeps
//!   one page of rows at a time and a counter;
//! * `print` (plain, `detail`, `terse`) lists and numbers at most [`MAX_LISTED`] connections — one
//!   screenful of a console that cannot page — and ends with a line saying how many more matched; it
//!   stops reading the table once the list is full unless `where` must be counted to the end;
//! * `find` and `print as-value` keep one `*ID` per matching connection, at most the table's size.
//!
//! [`SystemControl::connections`]: crate::shell::SystemControl::connections

use alloc::string::String;
use alloc::vec::Vec;

use super::eval::Args;
use super::items::{Row, equalities};
use super::print::PrintOptions;
use super::val::Val;
use super::{CliError, Env};
use crate::model::{Item, MenuDef};
use crate::script::{Expr, Pos};

/// The menu's path.
pub(super) const PATH: &str = "ip/firewall/connection";
/// Connections read from the system at a time.
pub const PAGE: usize = 256;
/// Most connections one `print` lists.
pub const MAX_LISTED: usize = 1000;

/// A connection item as the row `print` and `where` see.
fn connection_row(menu: &MenuDef, item: &Item) -> Row {
    let mut row = Row {
        id: item.id,
        dynamic: false,
        values: Default::default(),
        stored: Vec::new(),
    };
    for prop in menu.props {
        if let Some(value) = item.get(prop.name) {
            row.values.insert(prop.name, String::from(value));
            row.stored.push(prop.name);
        }
    }
    row
}

impl Env<'_> {
    /// Runs command `name` of the connection menu.
    pub(super) fn connection_command(
        &mut self,
        menu: &'static MenuDef,
        name: &str,
        args: Args,
        condition: Option<&Expr>,
        pos: Pos,
    ) -> Result<Val, CliError> {
        match name {
            "print" => self.print(menu, args, condition),
            "find" => self.find_connections(menu, args, condition),
            "get" => self.get_connection(menu, args),
            "remove" => self.remove_connections(menu, args),
            _ => Err(CliError::at("bad command name", pos)),
        }
    }

    /// Calls `visit` with each connection that has the `equal` values and `flags` and satisfies
    /// `condition`, in table order, until `visit` returns false.
    pub(super) fn each_connection(
        &mut self,
        menu: &'static MenuDef,
        condition: Option<&Expr>,
        equal: &[(String, String)],
        flags: &[String],
        visit: &mut dyn FnMut(Row) -> bool,
    ) -> Result<(), CliError> {
        let mut from = 0;
        loop {
            let (items, next) = self.system.connections(menu, from, PAGE);
            for item in &items {
                let row = connection_row(menu, item);
                if flags.iter().all(|f| row.is(f))
                    && self.satisfies(menu, &row, condition, equal)?
                    && !visit(row)
                {
                    return Ok(());
                }
            }
            match next {
                // Only forward, so a confused system cannot make this loop forever.
                Some(next) if next > from => from = next,
                _ => return Ok(()),
            }
        }
    }

    /// `print` of the connection menu (see the module docs for what it keeps).
    pub(super) fn print_connections(
        &mut self,
        menu: &'static MenuDef,
        options: PrintOptions,
        condition: Option<&Expr>,
    ) -> Result<Val, CliError> {
        if options.count_only && condition.is_none() {
            let count = self.system.connection_count();
            let _ = write!(self.out, "{count}\r\n");
            return Ok(Val::Num(i64::try_from(count).unwrap_or(i64::MAX)));
        }
        let listing = !options.count_only && !options.as_value;
        // Without `where` the count of what is not listed comes from the table's size.
        let stop_when_full = listing && condition.is_none();
        let mut listed: Vec<Row> = Vec::new();
        let mut ids: Vec<Val> = Vec::new();
        let mut matched: usize = 0;
        self.each_connection(menu, condition, &[], &[], &mut |row| {
            if stop_when_full && listed.len() == MAX_LISTED {
                return false;
            }
            matched += 1;
            if options.as_value {
                ids.push(Val::Id(row.id));
            } else if listing && listed.len() < MAX_LISTED {
                listed.push(row);
            }
            true
        })?;
        if options.count_only {
            let _ = write!(self.out, "{matched}\r\n");
            return Ok(Val::Num(i64::try_from(matched).unwrap_or(i64::MAX)));
        }
        if options.as_value {
            return Ok(Val::Array(ids));
        }
        self.session
            .numbers
            .insert(menu.path, listed.iter().map(|r| r.id).collect());
        self.show_rows(menu, &listed, options);
        let total = if stop_when_full {
            self.system.connection_count().max(listed.len())
        } else {
            matched
        };
        let more = total - listed.len();
        if more > 0 {
            let _ = write!(
                self.out,
                "-- {more} more not listed (at most {MAX_LISTED} are): narrow the list with where\r\n"
            );
        }
        Ok(Val::Nothing)
    }

    /// `find [where ...]`: the `*ID`s of the matching connections.
    fn find_connections(
        &mut self,
        menu: &'static MenuDef,
        mut args: Args,
        condition: Option<&Expr>,
    ) -> Result<Val, CliError> {
        let equal = equalities(&args.named);
        args.named.clear();
        // Bare words such as `assured` in `find assured` are flag conditions.
        let flags: Vec<String> = args.unnamed.drain(..).map(|(v, _)| v.to_text()).collect();
        args.leftover()?;
        let mut found = Vec::new();
        self.each_connection(menu, condition, &equal, &flags, &mut |row| {
            found.push(Val::Id(row.id));
            true
        })?;
        Ok(Val::Array(found))
    }

    /// `get ITEM property`.
    fn get_connection(&mut self, menu: &'static MenuDef, mut args: Args) -> Result<Val, CliError> {
        let ids = self.targets(menu, &mut args)?;
        let name = match args.take("value-name") {
            Some(v) => Some(v.to_text()),
            None if !args.unnamed.is_empty() => Some(args.unnamed.remove(0).0.to_text()),
            None => None,
        };
        args.leftover()?;
        let item = ids
            .first()
            .and_then(|id| self.system.connection(menu, *id))
            .ok_or_else(|| CliError::plain("no such item"))?;
        let Some(name) = name else {
            return Ok(Val::Nothing);
        };
        let prop = menu
            .resolve_prop(&name)
            .map_err(|_| CliError::plain("no such property"))?;
        Ok(item
            .get(prop.name)
            .map_or(Val::Nothing, |v| Val::Str(String::from(v))))
    }

    /// `remove ITEMS`: the connections leave the engine's table (their next packet starts a new one).
    fn remove_connections(
        &mut self,
        menu: &'static MenuDef,
        mut args: Args,
    ) -> Result<Val, CliError> {
        let ids = self.targets(menu, &mut args)?;
        args.leftover()?;
        for id in ids {
            if !self.system.remove_connection(id) {
                return Err(CliError::plain("no such item"));
            }
        }
        Ok(Val::Nothing)
    }
}

#[cfg(test)]
mod tests {
    //! The bounds of the module docs, against a table of any size the test makes up.

    use alloc::collections::BTreeMap;
    use alloc::string::ToString;
    use core::cell::Cell;

    use super::*;
    use crate::cli::{Session, run};
    use crate::model::Config;
    use crate::resource::ResourceInfo;
    use crate::shell::SystemControl;

    /// `total` made-up connections (even positions UDP, odd TCP) that counts what it hands out.
    struct Table {
        total: u32,
        /// Connections handed out so far.
        handed_out: Cell<usize>,
        /// The largest page asked for.
        largest_page: Cell<usize>,
        /// Answers every page with this next position (a confused system).
        stuck_at: Option<u32>,
    }

    impl Table {
        fn new(total: u32) -> Self {
            Table {
                total,
                handed_out: Cell::new(0),
                largest_page: Cell::new(0),
                stuck_at: None,
            }
        }

        fn item(position: u32) -> Item {
            let protocol = if position.is_multiple_of(2) {
                "udp"
            } else {
                "tcp"
            };
            let mut values = BTreeMap::new();
            for (name, value) in [
                ("protocol", protocol.to_string()),
                (
                    "src-address",
                    format!(
                        "10.{}.{}.1:{}",
                        position >> 16,
                        (position >> 8) & 0xFF,
                        position & 0xFF
                    ),
                ),
                ("dst-address", "192.0.2.1:53".to_string()),
                ("timeout", "10s".to_string()),
                ("confirmed", "yes".to_string()),
            ] {
                values.insert(name.to_string(), value);
            }
            Item {
                id: position + 1,
                values,
            }
        }
    }

    impl SystemControl for Table {
        fn resource(&self) -> ResourceInfo {
            ResourceInfo::default()
        }
        fn reboot(&mut self) {}
        fn shutdown(&mut self) {}
        fn connections(&self, _menu: &MenuDef, from: u32, max: usize) -> (Vec<Item>, Option<u32>) {
            self.largest_page.set(self.largest_page.get().max(max));
            let end = from.saturating_add(max as u32).min(self.total);
            let items: Vec<Item> = (from..end).map(Table::item).collect();
            self.handed_out.set(self.handed_out.get() + items.len());
            let next = match self.stuck_at {
                Some(at) => Some(at),
                None => (end < self.total).then_some(end),
            };
            (items, next)
        }
        fn connection_count(&self) -> usize {
            self.total as usize
        }
    }

    fn print(table: &mut Table, line: &str) -> String {
        let mut out = String::new();
        let mut config = Config::new();
        let result = run(
            line,
            crate::cli::Mode::Interactive,
            &mut config,
            &mut Session::new(),
            table,
            &mut out,
        );
        assert_eq!(result.error, None, "{out}");
        out
    }

    const TOTAL: u32 = 100_000;

    #[test]
    fn count_only_lists_nothing() {
        let mut table = Table::new(TOTAL);
        let out = print(&mut table, "/ip firewall connection print count-only");
        assert_eq!(out, "100000\r\n");
        assert_eq!(table.handed_out.get(), 0);
    }

    #[test]
    fn counting_with_where_reads_the_table_in_pages() {
        let mut table = Table::new(TOTAL);
        let out = print(
            &mut table,
            "/ip firewall connection print count-only where protocol=udp",
        );
        assert_eq!(out, "50000\r\n");
        assert_eq!(table.handed_out.get(), TOTAL as usize);
        assert_eq!(table.largest_page.get(), PAGE);
    }

    #[test]
    fn print_lists_a_bounded_number_and_says_how_many_more() {
        let mut table = Table::new(TOTAL);
        let out = print(&mut table, "/ip firewall connection print");
        let lines: Vec<&str> = out.split("\r\n").collect();
        // Flags, Columns, the header, the rows, the last line and the empty rest after it.
        assert_eq!(lines.len(), 3 + MAX_LISTED + 2, "{}", lines[..4].join("\n"));
        assert!(lines[3].starts_with("  0 C udp "), "{}", lines[3]);
        assert!(lines[2 + MAX_LISTED].starts_with("999 C tcp "));
        assert_eq!(
            lines[3 + MAX_LISTED],
            "-- 99000 more not listed (at most 1000 are): narrow the list with where"
        );
        // It stopped reading once the list was full.
        assert!(table.handed_out.get() <= MAX_LISTED + PAGE);

        let mut table = Table::new(TOTAL);
        let out = print(
            &mut table,
            "/ip firewall connection print terse where protocol=tcp",
        );
        assert_eq!(out.lines().count(), MAX_LISTED + 1);
        assert!(out.ends_with(
            "-- 49000 more not listed (at most 1000 are): narrow the list with where\r\n"
        ));
        assert_eq!(table.handed_out.get(), TOTAL as usize);
    }

    #[test]
    fn a_table_that_fits_has_no_last_line() {
        let mut table = Table::new(3);
        let out = print(&mut table, "/ip firewall connection print");
        assert_eq!(
            out,
            "Flags: C - CONFIRMED\r\n\
             Columns: PROTOCOL, SRC-ADDRESS, DST-ADDRESS, TCP-STATE, TIMEOUT\r\n\
             #   PROTOCOL  SRC-ADDRESS  DST-ADDRESS   TCP-STATE  TIMEOUT\r\n\
             0 C udp       10.0.0.1:0   192.0.2.1:53             10s    \r\n\
             1 C tcp       10.0.0.1:1   192.0.2.1:53             10s    \r\n\
             2 C udp       10.0.0.1:2   192.0.2.1:53             10s    \r\n"
        );
        let ids = print(&mut table, ":put [/ip firewall connection print as-value]");
        assert_eq!(ids, "*1;*2;*3\r\n");
    }

    #[test]
    fn a_system_whose_pages_do_not_advance_cannot_loop() {
        let mut table = Table::new(TOTAL);
        table.stuck_at = Some(0);
        let out = print(
            &mut table,
            "/ip firewall connection print count-only where confirmed",
        );
        assert_eq!(out, format!("{PAGE}\r\n"));
    }
}
