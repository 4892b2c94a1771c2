//! `/file print` and `/file remove`: the file area the system keeps ([`SystemControl::files`]) —
//! exports (`export file=`), `print file=` output and uploaded scripts.
//!
//! `print` shows a v7 table of `NAME`, `TYPE` and `SIZE`, as the RouterOS manual's Files page does:
//!
//! * `TYPE` comes from the name, as RouterOS names it: `script` for `.rsc`, `backup` for `.backup`,
//!   `package` for `.npk`, `.EXT file` for any other extension (`.txt file`, `.json file`) and
//!   `file` for a name without one. The file area is flat, so there are no `directory` rows.
//! * `SIZE` is the byte count below 1 KiB (`0`, `230`); from there one decimal in KiB, MiB or GiB,
//!   moving to the next unit once the number reaches 10240 — which fits the manual's v7 examples
//!   (`1924.1KiB`, `11.1MiB`).
//! * RouterOS v7 also shows `LAST-MODIFIED` (v6: `CREATION-TIME`); the file area records no times,
//!   so the column is left out rather than showing a made-up one.
//!
//! `remove NAME` takes a file's full name; `no such item` when there is none.
//!
//! [`SystemControl::files`]: crate::shell::SystemControl::files

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::eval::Args;
use super::val::Val;
use super::{CliError, Env};
use crate::table::{Align, Column, Row, write_table};

/// The columns of `/file print`.
const COLUMNS: [Column<'static>; 3] = [
    Column {
        header: "NAME",
        align: Align::Left,
    },
    Column {
        header: "TYPE",
        align: Align::Left,
    },
    Column {
        header: "SIZE",
        align: Align::Right,
    },
];

impl Env<'_> {
    /// `/file print [without-paging]`.
    pub(super) fn file_print(&mut self, mut args: Args) -> Result<Val, CliError> {
        args.flag("without-paging");
        args.leftover()?;
        let files = self.system.files();
        if files.is_empty() {
            return Ok(Val::Nothing);
        }
        let rows: Vec<Row> = files
            .iter()
            .map(|(name, size)| Row {
                cells: alloc::vec![name.clone(), file_type(name), format_size(*size)],
                ..Row::default()
            })
            .collect();
        let _ = write_table(self.out, &[], &COLUMNS, &rows);
        Ok(Val::Nothing)
    }

    /// `/file remove NAME`.
    pub(super) fn file_remove(&mut self, mut args: Args) -> Result<Val, CliError> {
        let name = match args.take("numbers") {
            Some(v) => v.to_text(),
            None if !args.unnamed.is_empty() => args.unnamed.remove(0).0.to_text(),
            None => return Err(CliError::plain("expected item id")),
        };
        args.leftover()?;
        self.system.remove_file(&name).map_err(CliError::plain)?;
        Ok(Val::Nothing)
    }
}

/// The `TYPE` RouterOS shows for a file of this name.
fn file_type(name: &str) -> String {
    let extension = name
        .rsplit_once('.')
        .filter(|(stem, extension)| !stem.is_empty() && !extension.is_empty())
        .map(|(_, extension)| extension);
    match extension {
        Some("rsc") => String::from("script"),
        Some("backup") => String::from("backup"),
        Some("npk") => String::from("package"),
        Some(other) => format!(".{other} file"),
        None => String::from("file"),
    }
}

/// Binary units after bytes, smallest first.
const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];

/// A file's size as `/file print` shows it (see the module docs).
fn format_size(bytes: usize) -> String {
    if bytes < 1024 {
        return format!("{bytes}");
    }
    let bytes = bytes as u128;
    let mut divisor: u128 = 1;
    let mut shown = String::new();
    for unit in UNITS {
        divisor *= 1024;
        let tenths = (bytes * 10 + divisor / 2) / divisor;
        shown = format!("{}.{}{unit}", tenths / 10, tenths % 10);
        if tenths < 102_400 {
            break;
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use alloc::collections::BTreeMap;
    use alloc::string::ToString;

    use super::*;
    use crate::cli::{self, Mode, Session};
    use crate::model::Config;
    use crate::resource::ResourceInfo;
    use crate::shell::SystemControl;

    /// A file area in memory.
    #[derive(Default)]
    struct Files(BTreeMap<String, String>);

    impl SystemControl for Files {
        fn resource(&self) -> ResourceInfo {
            ResourceInfo::default()
        }
        fn reboot(&mut self) {}
        fn shutdown(&mut self) {}
        fn files(&self) -> Vec<(String, usize)> {
            self.0.iter().map(|(n, t)| (n.clone(), t.len())).collect()
        }
        fn remove_file(&mut self, name: &str) -> Result<(), String> {
            self.0
                .remove(name)
                .map(drop)
                .ok_or_else(|| String::from("no such item"))
        }
    }

    fn run(system: &mut Files, line: &str) -> String {
        let mut out = String::new();
        cli::run(
            line,
            Mode::Interactive,
            &mut Config::new(),
            &mut Session::new(),
            system,
            &mut out,
        );
        out
    }

    #[test]
    fn print_shows_types_and_sizes_and_remove_takes_a_name() {
        let mut system = Files::default();
        assert_eq!(run(&mut system, "/file print"), "");
        system.0.insert("export.rsc".to_string(), "x".repeat(2_500));
        system.0.insert("pools.txt".to_string(), "x".repeat(230));
        assert_eq!(
            run(&mut system, "/file print"),
            "Columns: NAME, TYPE, SIZE\r\n\
             # NAME        TYPE         SIZE\r\n\
             0 export.rsc  script     2.4KiB\r\n\
             1 pools.txt   .txt file     230\r\n"
        );
        assert_eq!(run(&mut system, "/file remove export.rsc"), "");
        assert_eq!(
            run(&mut system, "/file remove export.rsc"),
            "no such item\r\n"
        );
        assert_eq!(system.0.len(), 1);
    }

    #[test]
    fn types_as_routeros_names_them() {
        for (name, expected) in [
            ("backup-2026-11-22.rsc", "script"),
            ("auto-before-reset.backup", "backup"),
            ("routeros-7.16-x86_64.npk", "package"),
            ("pools.txt", ".txt file"),
            ("skin.json", ".json file"),
            ("notes", "file"),
            (".hidden", "file"),
            ("trailing.", "file"),
        ] {
            assert_eq!(file_type(name), expected, "{name}");
        }
    }

    #[test]
    fn sizes_in_bytes_then_binary_units() {
        assert_eq!(format_size(0), "0");
        assert_eq!(format_size(1023), "1023");
        assert_eq!(format_size(1024), "1.0KiB");
        assert_eq!(format_size(1_970_278), "1924.1KiB");
        assert_eq!(format_size(10_239 * 1024), "10239.0KiB");
        assert_eq!(format_size(10 * 1024 * 1024), "10.0MiB");
        assert_eq!(format_size(11_639_194), "11.1MiB");
        assert_eq!(format_size(3 << 30), "3072.0MiB");
    }
}
