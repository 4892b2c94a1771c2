//! The layout RouterOS v7 uses when `print` shows a menu's items as a table (`/interface print`,
//! `/ip address print`, ...):
//!
//! ```text
//! Flags: X - DISABLED; R - RUNNING
//! Columns: NAME, MTU, MAC-ADDRESS, ARP
//! #    NAME     MTU  MAC-ADDRESS        ARP
//! 0  R ether1  1500  0C:00:6E:34:39:00  enabled
//! 1 X  ether2  1500  0C:00:6E:34:39:01  enabled
//! ```
//!
//! The rules, as observed in v7 console captures:
//! * the `Flags:` legend names only the flags some listed row has, and is left out when no row has a flag; each
//!   flag in the legend gets its own character position in the flags column, blank where a row does not have
//!   it, except that flags no item has together share one ([`Flag::joins`]: `c - CONNECT, s - STATIC` puts
//!   `c` and `s` in one place, so `/ip route print` shows `DAc` and ` As`); the legend separates positions
//!   with `; ` and the flags sharing one with `, `; there is no flags column at all when the legend is left
//!   out;
//! * the `Columns:` line lists the column headers separated by `, `;
//! * the `#` column holds the item numbers, right-aligned to the widest number;
//! * the number, the flags and the first column are separated by one space, the columns by two;
//! * every column is as wide as its widest cell or header; text is left-aligned, numbers (header included) are
//!   right-aligned; every cell is padded to its column width, so lines may end in spaces, as RouterOS's do.
//!
//! An empty list prints nothing. Lines end in `"\r\n"`.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

/// How a column's cells and header are aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Text: padded on the right.
    Left,
    /// Numbers: padded on the left.
    Right,
}

/// A column of a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column<'a> {
    /// The header, upper case (`MAC-ADDRESS`).
    pub header: &'a str,
    /// Alignment of the header and the cells.
    pub align: Align,
}

/// A flag a row can carry, e.g. `R` for running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag<'a> {
    /// The letter shown in the flags column.
    pub letter: char,
    /// The name shown in the legend, upper case (`RUNNING`).
    pub name: &'a str,
    /// Shares its position in the flags column with the flag before it in the list (no row has both).
    pub joins: bool,
}

/// One item of a table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    /// The letters of the flags this row has.
    pub flags: Vec<char>,
    /// One cell per column, in column order; missing cells are blank.
    pub cells: Vec<String>,
    /// A `;;; comment` line printed above the row.
    pub comment: Option<String>,
    /// Shown in the `#` column instead of the row's number (`print show-ids` shows `*ID`s).
    pub label: Option<String>,
}

/// Two spaces between columns.
const COLUMN_GAP: &str = "  ";

/// Writes `rows` as a v7 table with `columns`; `flags` lists every flag the menu knows, in legend order.
pub fn write_table(
    out: &mut dyn Write,
    flags: &[Flag],
    columns: &[Column],
    rows: &[Row],
) -> fmt::Result {
    let Some(last_number) = rows.len().checked_sub(1) else {
        return Ok(());
    };
    // The flags some row has, each with the group of positions it belongs to (the group of the flag
    // before it in `flags` when it joins that one).
    let mut group = 0usize;
    let mut shown_flags: Vec<(usize, &Flag<'_>)> = Vec::new();
    for (index, flag) in flags.iter().enumerate() {
        if index > 0 && !flag.joins {
            group += 1;
        }
        if rows.iter().any(|row| row.flags.contains(&flag.letter)) {
            shown_flags.push((group, flag));
        }
    }
    // The positions of the flags column: the groups with a shown flag, in order.
    let mut positions: Vec<usize> = shown_flags.iter().map(|&(group, _)| group).collect();
    positions.dedup();
    if !shown_flags.is_empty() {
        out.write_str("Flags: ")?;
        let mut previous: Option<usize> = None;
        for &(group, flag) in &shown_flags {
            let separator = match previous {
                None => "",
                Some(g) if g == group => ", ",
                Some(_) => "; ",
            };
            write!(out, "{separator}{} - {}", flag.letter, flag.name)?;
            previous = Some(group);
        }
        out.write_str("\r\n")?;
    }
    out.write_str("Columns: ")?;
    for (position, column) in columns.iter().enumerate() {
        let separator = if position == 0 { "" } else { ", " };
        write!(out, "{separator}{}", column.header)?;
    }
    out.write_str("\r\n")?;

    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            rows.iter()
                .filter_map(|row| row.cells.get(index))
                .map(|cell| cell.chars().count())
                .fold(column.header.chars().count(), usize::max)
        })
        .collect();
    let number_width = rows
        .iter()
        .filter_map(|row| row.label.as_ref().map(|l| l.chars().count()))
        .fold(decimal_digits(last_number), usize::max);

    let mut line = String::new();
    pad(&mut line, "#", number_width, Align::Right);
    line.push(' ');
    if !positions.is_empty() {
        pad(&mut line, "", positions.len(), Align::Left);
        line.push(' ');
    }
    for (index, (column, &width)) in columns.iter().zip(&widths).enumerate() {
        if index > 0 {
            line.push_str(COLUMN_GAP);
        }
        pad(&mut line, column.header, width, column.align);
    }
    write!(out, "{line}\r\n")?;

    for (number, row) in rows.iter().enumerate() {
        line.clear();
        if let Some(comment) = &row.comment {
            write!(out, ";;; {comment}\r\n")?;
        }
        // Writing into a String cannot fail.
        match &row.label {
            Some(label) => {
                let _ = write!(line, "{label:>number_width$} ");
            }
            None => {
                let _ = write!(line, "{number:>number_width$} ");
            }
        }
        if !positions.is_empty() {
            for &position in &positions {
                let letter = shown_flags
                    .iter()
                    .filter(|&&(group, _)| group == position)
                    .map(|(_, flag)| flag.letter)
                    .find(|letter| row.flags.contains(letter));
                line.push(letter.unwrap_or(' '));
            }
            line.push(' ');
        }
        for (index, (column, &width)) in columns.iter().zip(&widths).enumerate() {
            if index > 0 {
                line.push_str(COLUMN_GAP);
            }
            let cell = row.cells.get(index).map_or("", String::as_str);
            pad(&mut line, cell, width, column.align);
        }
        write!(out, "{line}\r\n")?;
    }
    Ok(())
}

/// Appends `text` to `line`, padded with spaces to `width` characters.
fn pad(line: &mut String, text: &str, width: usize, align: Align) {
    let fill = width.saturating_sub(text.chars().count());
    if align == Align::Right {
        line.extend(core::iter::repeat_n(' ', fill));
    }
    line.push_str(text);
    if align == Align::Left {
        line.extend(core::iter::repeat_n(' ', fill));
    }
}

/// How many decimal digits `value` has (1 for 0).
fn decimal_digits(mut value: usize) -> usize {
    let mut digits = 1;
    while value >= 10 {
        value /= 10;
        digits += 1;
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAGS: [Flag; 2] = [
        Flag {
            letter: 'X',
            name: "DISABLED",
            joins: false,
        },
        Flag {
            letter: 'R',
            name: "RUNNING",
            joins: false,
        },
    ];

    const COLUMNS: [Column; 2] = [
        Column {
            header: "NAME",
            align: Align::Left,
        },
        Column {
            header: "MTU",
            align: Align::Right,
        },
    ];

    fn row(flags: &[char], cells: &[&str]) -> Row {
        Row {
            comment: None,
            label: None,
            flags: flags.to_vec(),
            cells: cells.iter().map(|cell| String::from(*cell)).collect(),
        }
    }

    fn render(rows: &[Row]) -> String {
        let mut out = String::new();
        write_table(&mut out, &FLAGS, &COLUMNS, rows).unwrap();
        out
    }

    #[test]
    fn an_empty_list_prints_nothing() {
        assert_eq!(render(&[]), "");
    }

    #[test]
    fn legend_and_flag_positions_only_for_flags_in_use() {
        assert_eq!(
            render(&[row(&['R'], &["ether1", "1500"]), row(&[], &["e2", "9000"])]),
            concat!(
                "Flags: R - RUNNING\r\n",
                "Columns: NAME, MTU\r\n",
                "#   NAME     MTU\r\n",
                "0 R ether1  1500\r\n",
                "1   e2      9000\r\n",
            )
        );
        assert_eq!(
            render(&[row(&['R'], &["a", "1"]), row(&['X'], &["b", "2"])]),
            concat!(
                "Flags: X - DISABLED; R - RUNNING\r\n",
                "Columns: NAME, MTU\r\n",
                "#    NAME  MTU\r\n",
                "0  R a       1\r\n",
                "1 X  b       2\r\n",
            )
        );
    }

    #[test]
    fn flags_no_row_has_together_share_a_position() {
        let flag = |letter, name, joins| Flag {
            letter,
            name,
            joins,
        };
        // `/ip route print`'s flags.
        let flags = [
            flag('D', "DYNAMIC", false),
            flag('X', "DISABLED", false),
            flag('A', "ACTIVE", true),
            flag('c', "CONNECT", false),
            flag('s', "STATIC", true),
            flag('d', "DHCP", true),
        ];
        let columns = [Column {
            header: "DST-ADDRESS",
            align: Align::Left,
        }];
        let mut out = String::new();
        write_table(
            &mut out,
            &flags,
            &columns,
            &[
                row(&['A', 's'], &["0.0.0.0/0"]),
                row(&['D', 'A', 'c'], &["10.0.0.0/24"]),
                row(&['X', 's'], &["10.9.0.0/16"]),
            ],
        )
        .unwrap();
        assert_eq!(
            out,
            concat!(
                "Flags: D - DYNAMIC; X - DISABLED, A - ACTIVE; c - CONNECT, s - STATIC\r\n",
                "Columns: DST-ADDRESS\r\n",
                "#     DST-ADDRESS\r\n",
                "0  As 0.0.0.0/0  \r\n",
                "1 DAc 10.0.0.0/24\r\n",
                "2  Xs 10.9.0.0/16\r\n",
            )
        );
    }

    #[test]
    fn no_flags_no_flags_column() {
        assert_eq!(
            render(&[row(&[], &["ether1", "1500"])]),
            "Columns: NAME, MTU\r\n# NAME     MTU\r\n0 ether1  1500\r\n"
        );
    }

    #[test]
    fn numbers_right_aligned_to_the_widest_and_missing_cells_blank() {
        let mut rows: Vec<Row> = (0..11).map(|_| row(&[], &["e"])).collect();
        rows[10] = row(&[], &["e", "1"]);
        let out = render(&rows);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines[1], " # NAME  MTU");
        assert_eq!(lines[2], " 0 e        ");
        assert_eq!(lines[12], "10 e       1");
    }
}
