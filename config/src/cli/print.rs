//! `print` in RouterOS v7's layouts (routeros-reference.md §6):
//!
//! * column menus (`/ip address`) as a table with `Flags:` and `Columns:` lines and `;;; comment` lines;
//! * rule menus (`/ip firewall filter`) and `detail` as numbered property lists:
//!   ```text
//!   Flags: X - disabled, I - invalid; D - dynamic
//!    0    chain=forward action=accept connection-state=established,related
//!    1 X  ;;; allow winbox
//!         chain=input action=accept protocol=tcp dst-port=8291
//!   ```
//! * singleton menus (`/ip dns`) as aligned `name: value` lines;
//! * `terse` one line per item, `count-only` the number, `as-value` nothing printed (the rows are the
//!   command's value), `show-ids` `*ID`s instead of numbers, `where` to filter;
//! * `stats`: the rule menus as a table of `CHAIN, ACTION, BYTES, PACKETS` (counters grouped by
//!   three digits, as `/interface print stats`), `/interface` its traffic counters.
//!
//! `interval=TIME` makes it a live view on the console that prints again every interval until
//! Ctrl-C or `q` ([`super::live`]; in a script it prints once); `file=NAME` writes what it would print
//! to the file `NAME.txt` instead of the console. `follow` and `follow-only` print the items that
//! are added, changed or removed as it happens ([`super::follow`]; `/log print`'s are in
//! [`super::log`]). `/system resource print` takes `interval=` and `file=` too.
//!
//! The numbers printed are remembered per menu so later commands can name items by them.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use super::eval::Args;
use super::items::Row;
use super::val::Val;
use super::{CliError, Env};
use crate::interface::format_count;
use crate::model::format_id;
use crate::model::schema::{MenuDef, MenuKind, PrintStyle};
use crate::script::Expr;
use crate::table::{Align, Column, Flag, write_table};
use crate::value::quote;

/// Lines wrap before this column in property-list prints.
const WIDTH: usize = 80;

/// The modifiers of one `print`.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct PrintOptions {
    pub detail: bool,
    pub terse: bool,
    pub count_only: bool,
    pub as_value: bool,
    pub show_ids: bool,
    pub stats: bool,
}

impl PrintOptions {
    /// Takes the modifiers out of `args` (after `interval=` and `file=`, which the caller takes);
    /// anything else is `expected end of command`.
    pub fn take(args: &mut Args) -> Result<Self, CliError> {
        let options = PrintOptions {
            detail: args.flag("detail"),
            terse: args.flag("terse"),
            count_only: args.flag("count-only"),
            as_value: args.flag("as-value"),
            show_ids: args.flag("show-ids"),
            stats: args.flag("stats"),
        };
        args.flag("without-paging");
        args.flag("brief");
        if args.flag("follow") || args.flag("follow-only") {
            return Err(CliError::plain(FOLLOW_REFUSED));
        }
        args.leftover()?;
        Ok(options)
    }
}

/// Why `print follow` is refused where there are no items to follow one by one (a singleton menu
/// such as `/ip dns`, `/system clock`) or they are read in pages (the connection table).
const FOLLOW_REFUSED: &str = "failure: follow is not supported in this menu";

/// The columns of `print stats` in the rule menus (v7).
const RULE_STATS_COLUMNS: [&str; 4] = ["chain", "action", "bytes", "packets"];

impl Env<'_> {
    /// `print` with every modifier, `interval=` and `file=` included.
    pub fn print(
        &mut self,
        menu: &'static MenuDef,
        mut args: Args,
        condition: Option<&Expr>,
    ) -> Result<Val, CliError> {
        let file = args.take("file").map(|v| v.to_text());
        let interval = super::live::take_interval(&mut args)?;
        let follow = args.flag("follow");
        let follow_only = args.flag("follow-only");
        let options = PrintOptions::take(&mut args)?;
        if follow || follow_only {
            super::follow::refuse_with(
                !follow,
                options.count_only,
                options.as_value,
                interval.is_some(),
                file.is_some(),
            )?;
            // A singleton has no items to follow; the connection table is read in pages.
            if menu.kind == MenuKind::Singleton || menu.path == super::connections::PATH {
                return Err(CliError::plain(FOLLOW_REFUSED));
            }
            return self.follow_items(menu, options, condition, follow_only);
        }
        self.print_live_or_to_file(interval, file, |env| {
            env.print_once(menu, options, condition)
        })
    }

    /// `/system resource print [interval=] [file=]`.
    pub(super) fn resource_print(&mut self, mut args: Args) -> Result<Val, CliError> {
        let file = args.take("file").map(|v| v.to_text());
        let interval = super::live::take_interval(&mut args)?;
        args.flag("without-paging");
        args.leftover()?;
        self.print_live_or_to_file(interval, file, |env| {
            let info = env.system.resource();
            let _ = crate::resource::write_print(env.out, &info);
            Ok(Val::Nothing)
        })
    }

    /// Runs `print` (a print without `interval=` and `file=`) as those ask: with `interval=` at the
    /// top of a console line, nothing now but a request for a live view that runs the command again;
    /// with `file=`, into the file `NAME.txt`; otherwise to the console.
    pub(super) fn print_live_or_to_file(
        &mut self,
        interval_ms: Option<u64>,
        file: Option<String>,
        print: impl FnOnce(&mut Env<'_>) -> Result<Val, CliError>,
    ) -> Result<Val, CliError> {
        if let Some(interval_ms) = interval_ms
            && self.may_go_live()
        {
            self.live_request = Some(super::live::Request::Repaint { interval_ms });
            return Ok(Val::Nothing);
        }
        let Some(name) = file else {
            return print(self);
        };
        let (value, text) = self.captured(print);
        let value = value?;
        self.write_text_file(&name, &text)?;
        Ok(value)
    }

    /// The one row of a singleton menu: its item, or its defaults and the running system's values
    /// when nothing was configured yet (`/ip dns` shows `cache-used` before any `set`).
    pub(crate) fn singleton_row(&self, menu: &'static MenuDef) -> Row {
        if let Some(row) = self.rows(menu).into_iter().next() {
            return row;
        }
        let mut values: BTreeMap<&'static str, String> = menu
            .props
            .iter()
            .filter_map(|p| Some((p.name, String::from(p.default?))))
            .collect();
        let empty = crate::model::Item {
            id: 0,
            values: BTreeMap::new(),
        };
        for (name, value) in self.system.status(self.config, menu, &empty) {
            if let Some(prop) = menu.prop(name) {
                values.insert(prop.name, value);
            }
        }
        Row {
            id: 0,
            dynamic: false,
            values,
            stored: Vec::new(),
        }
    }

    /// One `print` of `menu` with `options`.
    pub(super) fn print_once(
        &mut self,
        menu: &'static MenuDef,
        options: PrintOptions,
        condition: Option<&Expr>,
    ) -> Result<Val, CliError> {
        if menu.kind == MenuKind::Singleton {
            let row = self.singleton_row(menu);
            let pairs: Vec<(&str, &str)> = menu
                .props
                .iter()
                .filter_map(|p| Some((p.name, row.get(p.name)?)))
                .collect();
            if !options.as_value {
                let _ = crate::property_list::write_property_list(self.out, &pairs);
            }
            return Ok(Val::Nothing);
        }
        if options.stats && menu.storage == "interface" {
            let interfaces = self.system.interfaces();
            let _ = crate::interface::write_print_stats(self.out, &interfaces);
            return Ok(Val::Nothing);
        }
        if menu.path == super::connections::PATH {
            return self.print_connections(menu, options, condition);
        }

        let rows = self.select(menu, condition, &[])?;
        self.session
            .numbers
            .insert(menu.path, rows.iter().map(|r| r.id).collect());
        if options.count_only {
            let _ = write!(self.out, "{}\r\n", rows.len());
            return Ok(Val::Num(rows.len() as i64));
        }
        if options.as_value {
            return Ok(Val::Array(rows.iter().map(|r| Val::Id(r.id)).collect()));
        }
        self.show_rows(menu, &rows, options);
        Ok(Val::Nothing)
    }

    /// Writes `rows` (numbered from 0 in this order) in the layout `options` ask for: `terse` lines,
    /// `stats` counters, the menu's columns, or property lists (`detail`, rule menus).
    pub(super) fn show_rows(
        &mut self,
        menu: &'static MenuDef,
        rows: &[Row],
        options: PrintOptions,
    ) {
        self.show_rows_labelled(menu, rows, options, None);
    }

    /// [`Env::show_rows`] with `labels[i]` in the `#` column of `rows[i]` instead of its number or
    /// `*ID` (`print follow` shows an item's current number, and `-` for one that went away).
    pub(super) fn show_rows_labelled(
        &mut self,
        menu: &'static MenuDef,
        rows: &[Row],
        options: PrintOptions,
        labels: Option<&[String]>,
    ) {
        let show_ids = options.show_ids;
        let label = |number: usize, row: &Row| {
            if let Some(label) = labels.and_then(|labels| labels.get(number)) {
                label.clone()
            } else if show_ids {
                format_id(row.id)
            } else {
                format!("{number}")
            }
        };
        let column_label =
            |number: usize, row: &Row| (labels.is_some() || show_ids).then(|| label(number, row));
        if options.terse {
            for (number, row) in rows.iter().enumerate() {
                let mut line = format!("{:>2} {}", label(number, row), flag_letters(menu, row));
                for (name, value) in properties(menu, row, true) {
                    line.push(' ');
                    line.push_str(&format!("{name}={}", quote(&value)));
                }
                let _ = write!(self.out, "{}\r\n", line.trim_end());
            }
            return;
        }
        if options.stats && menu.kind == MenuKind::Ordered {
            // Counters in whole units with the digits grouped, as v7's `print stats` shows them.
            let grouped: Vec<Row> = rows
                .iter()
                .map(|row| {
                    let mut row = row.clone();
                    for name in ["bytes", "packets"] {
                        if let Some(value) = row.values.get_mut(name) {
                            *value = value
                                .parse::<u64>()
                                .map_or_else(|_| value.clone(), format_count);
                        }
                    }
                    row
                })
                .collect();
            self.print_columns(menu, &RULE_STATS_COLUMNS, &grouped, &column_label);
            return;
        }
        match (menu.print, options.detail) {
            (PrintStyle::Columns(columns), false) => {
                self.print_columns(menu, columns, rows, &column_label);
            }
            _ => self.print_properties(menu, rows, options.detail, &label),
        }
    }

    fn print_columns(
        &mut self,
        menu: &'static MenuDef,
        columns: &[&'static str],
        rows: &[Row],
        label: &dyn Fn(usize, &Row) -> Option<String>,
    ) {
        let headers: Vec<String> = columns.iter().map(|c| c.to_uppercase()).collect();
        let column_defs: Vec<Column> = headers
            .iter()
            .zip(columns)
            .map(|(h, c)| Column {
                header: h,
                align: if is_numeric(menu, c) {
                    Align::Right
                } else {
                    Align::Left
                },
            })
            .collect();
        // The column layout's legend names flags in upper case (`X - DISABLED`).
        let flag_names: Vec<String> = menu.flags.iter().map(|f| f.name.to_uppercase()).collect();
        let flags: Vec<Flag> = menu
            .flags
            .iter()
            .zip(&flag_names)
            .map(|(f, name)| Flag {
                letter: f.letter,
                name,
                joins: f.joins,
            })
            .collect();
        let table_rows: Vec<crate::table::Row> = rows
            .iter()
            .enumerate()
            .map(|(number, row)| crate::table::Row {
                flags: menu
                    .flags
                    .iter()
                    .filter(|f| row.is(f.property))
                    .map(|f| f.letter)
                    .collect(),
                cells: columns
                    .iter()
                    .map(|c| String::from(row.get(c).unwrap_or("")))
                    .collect(),
                comment: row
                    .get("comment")
                    .filter(|c| !c.is_empty())
                    .map(String::from),
                label: label(number, row),
            })
            .collect();
        let _ = write_table(self.out, &flags, &column_defs, &table_rows);
    }

    fn print_properties(
        &mut self,
        menu: &'static MenuDef,
        rows: &[Row],
        detail: bool,
        label: &dyn Fn(usize, &Row) -> String,
    ) {
        if !menu.flags.is_empty() {
            // RouterOS separates the flags of the item from the dynamic flag with `;`.
            let mut text = String::new();
            for (i, f) in menu.flags.iter().enumerate() {
                if i > 0 {
                    text.push_str(if f.property == "dynamic" { "; " } else { ", " });
                }
                let _ = write!(text, "{} - {}", f.letter, f.name);
            }
            let _ = write!(self.out, "Flags: {text}\r\n");
        }
        let number_width = rows
            .iter()
            .enumerate()
            .map(|(n, r)| label(n, r).chars().count())
            .max()
            .unwrap_or(1)
            + 1;
        let flag_width = menu.flags.len();
        let indent = number_width + 1 + flag_width;
        for (number, row) in rows.iter().enumerate() {
            let mut first = format!(
                "{:>number_width$} {:<flag_width$}",
                label(number, row),
                flag_letters(menu, row)
            );
            let mut words: Vec<String> = Vec::new();
            if let Some(comment) = row.get("comment").filter(|c| !c.is_empty()) {
                first.push_str(&format!(";;; {comment}"));
                let _ = write!(self.out, "{}\r\n", first.trim_end());
                first = " ".repeat(indent);
            }
            for (name, value) in properties(menu, row, detail) {
                if name == "comment" {
                    continue;
                }
                words.push(format!("{name}={}", quote(&value)));
            }
            let mut line = first;
            let mut empty = true;
            for word in words {
                if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
                    let _ = write!(self.out, "{}\r\n", line.trim_end());
                    line = " ".repeat(indent);
                    empty = true;
                }
                if !empty {
                    line.push(' ');
                }
                line.push_str(&word);
                empty = false;
            }
            let _ = write!(self.out, "{}\r\n", line.trim_end());
            if detail {
                let _ = self.out.write_str("\r\n");
            }
        }
    }
}

/// The flag letters of `row`, in legend order.
fn flag_letters(menu: &MenuDef, row: &Row) -> String {
    menu.flags
        .iter()
        .filter(|f| row.is(f.property))
        .map(|f| f.letter)
        .collect()
}

/// Read-only values the running system reports that a plain property-list print shows too, as
/// RouterOS v7 does (`/system script print`: `run-count=2`, and `last-started` once it ran). The
/// scheduler's `RUN-COUNT` is one of its columns.
const PLAIN_STATUS: [(&str, &[&str]); 1] = [("system/script", &["run-count", "last-started"])];

/// The properties a print shows, in menu order: what is set and the menu's [`PLAIN_STATUS`] (and,
/// with `all`, defaults and read-only values too). Flags' properties are shown by their letters
/// instead.
fn properties(menu: &MenuDef, row: &Row, all: bool) -> Vec<(&'static str, String)> {
    let status = PLAIN_STATUS
        .iter()
        .find(|(path, _)| *path == menu.path)
        .map_or(&[][..], |(_, names)| *names);
    menu.props
        .iter()
        .filter(|p| !menu.flags.iter().any(|f| f.property == p.name))
        .filter(|p| {
            all || row.stored.contains(&p.name) || p.name == "action" || status.contains(&p.name)
        })
        .filter_map(|p| Some((p.name, String::from(row.get(p.name)?))))
        .collect()
}

fn is_numeric(menu: &MenuDef, column: &str) -> bool {
    matches!(
        menu.prop(column).map(|p| p.ty),
        Some(crate::model::PropType::Value(
            crate::value::ValueType::Integer { .. }
        ))
    )
}
