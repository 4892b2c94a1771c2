//! `/interface print stats`: the counters the kernel reports for each network interface, and how v7 shows them
//! (see [`crate::table`] for the layout rules). Everything else `/interface` prints comes from the object
//! model (`crate::model`) like any other menu.
//!
//! ```text
//! [admin@MikroTik] > /interface print stats
//! Flags: R - RUNNING
//! Columns: NAME, RX-BYTE, TX-BYTE, RX-PACKET, TX-PACKET, RX-DROP, TX-DROP, TX-QUEUE-DROP, RX-ERROR, TX-ERROR
//! #   NAME        RX-BYTE      TX-BYTE  RX-PACKET  TX-PACKET  RX-DROP  TX-DROP  TX-QUEUE-DROP  RX-ERROR  TX-ERROR
//! 0 R ether1  205 149 015  147 887 338    158 132    150 015        0        0              2         0         0
//! 1 R ether2   32 400 148  335 690 764         19    216 509        3        0              0         1         0
//! ```
//!
//! Counters are printed the way v7's `print stats` prints them, in whole units with the digits grouped by three
//! and the groups separated by a space (`2 360 330 144`), as in the `/interface print stats` example of
//! MikroTik's "Interface stats and monitor-traffic" manual page; the project reference
//! (`routeros-reference.md`, section 4) lists the counters but not their notation. See [`format_count`].
//! The flags are `X` (disabled) and `R` (running), in that legend order; the legend names only the flags in use.
//!
//! All formatting is total: any field value, including `u64::MAX`, prints without panicking.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::{self, Write};

use crate::table::{Align, Column, Flag, Row, write_table};

/// The counters of one network interface.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InterfaceInfo {
    /// Interface name, e.g. `ether1`.
    pub name: String,
    /// Whether the interface is up and has link (flag `R`).
    pub running: bool,
    /// Whether the interface is administratively disabled (flag `X`).
    pub disabled: bool,
    /// Bytes received.
    pub rx_byte: u64,
    /// Bytes transmitted.
    pub tx_byte: u64,
    /// Packets received.
    pub rx_packet: u64,
    /// Packets transmitted.
    pub tx_packet: u64,
    /// Received packets dropped (e.g. no buffer).
    pub rx_drop: u64,
    /// Packets dropped on transmission by the device.
    pub tx_drop: u64,
    /// Packets dropped by the interface's transmit queue (full queue).
    pub tx_queue_drop: u64,
    /// Receive errors (bad frames).
    pub rx_error: u64,
    /// Transmit errors.
    pub tx_error: u64,
}

/// The flags of interface tables, in legend order.
const FLAGS: [Flag<'static>; 2] = [
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

const fn text(header: &'static str) -> Column<'static> {
    Column {
        header,
        align: Align::Left,
    }
}

const fn number(header: &'static str) -> Column<'static> {
    Column {
        header,
        align: Align::Right,
    }
}

const STATS_COLUMNS: [Column<'static>; 10] = [
    text("NAME"),
    number("RX-BYTE"),
    number("TX-BYTE"),
    number("RX-PACKET"),
    number("TX-PACKET"),
    number("RX-DROP"),
    number("TX-DROP"),
    number("TX-QUEUE-DROP"),
    number("RX-ERROR"),
    number("TX-ERROR"),
];

/// Writes the output of `/interface print stats` for `interfaces`, lines ending in `"\r\n"`.
pub fn write_print_stats(out: &mut dyn Write, interfaces: &[InterfaceInfo]) -> fmt::Result {
    let rows: Vec<Row> = interfaces
        .iter()
        .map(|info| Row {
            comment: None,
            label: None,
            flags: flags(info),
            cells: vec![
                info.name.clone(),
                format_count(info.rx_byte),
                format_count(info.tx_byte),
                format_count(info.rx_packet),
                format_count(info.tx_packet),
                format_count(info.rx_drop),
                format_count(info.tx_drop),
                format_count(info.tx_queue_drop),
                format_count(info.rx_error),
                format_count(info.tx_error),
            ],
        })
        .collect();
    write_table(out, &FLAGS, &STATS_COLUMNS, &rows)
}

/// The flag letters of `info`.
fn flags(info: &InterfaceInfo) -> Vec<char> {
    let mut letters = Vec::new();
    if info.disabled {
        letters.push('X');
    }
    if info.running {
        letters.push('R');
    }
    letters
}

/// A counter the way v7's `print stats` shows it: the decimal digits in groups of three from the right, groups
/// separated by one space (`0`, `999`, `1 000`, `2 360 330 144`).
pub fn format_count(value: u64) -> String {
    let digits = format!("{value}");
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two virtio NICs with the counters of a router that has been forwarding for a while.
    fn two_nics() -> Vec<InterfaceInfo> {
        vec![
            InterfaceInfo {
                name: String::from("ether1"),
                running: true,
                disabled: false,
                rx_byte: 205_149_015,
                tx_byte: 147_887_338,
                rx_packet: 158_132,
                tx_packet: 150_015,
                rx_drop: 0,
                tx_drop: 0,
                tx_queue_drop: 2,
                rx_error: 0,
                tx_error: 0,
            },
            InterfaceInfo {
                name: String::from("ether2"),
                running: true,
                disabled: false,
                rx_byte: 32_400_148,
                tx_byte: 335_690_764,
                rx_packet: 19,
                tx_packet: 216_509,
                rx_drop: 3,
                tx_drop: 0,
                tx_queue_drop: 0,
                rx_error: 1,
                tx_error: 0,
            },
        ]
    }

    fn render(
        write: fn(&mut dyn Write, &[InterfaceInfo]) -> fmt::Result,
        interfaces: &[InterfaceInfo],
    ) -> String {
        let mut out = String::new();
        write(&mut out, interfaces).unwrap();
        out
    }

    #[test]
    fn counts_are_grouped_by_three_with_spaces() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(7), "7");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_000), "1 000");
        assert_eq!(format_count(12_345), "12 345");
        assert_eq!(format_count(1_234_567), "1 234 567");
        assert_eq!(format_count(2_360_330_144), "2 360 330 144");
        assert_eq!(format_count(u64::MAX), "18 446 744 073 709 551 615");
    }

    #[test]
    fn print_stats_two_nics() {
        assert_eq!(
            render(write_print_stats, &two_nics()),
            concat!(
                "Flags: R - RUNNING\r\n",
                "Columns: NAME, RX-BYTE, TX-BYTE, RX-PACKET, TX-PACKET, RX-DROP, TX-DROP, TX-QUEUE-DROP, ",
                "RX-ERROR, TX-ERROR\r\n",
                "#   NAME        RX-BYTE      TX-BYTE  RX-PACKET  TX-PACKET  RX-DROP  TX-DROP  TX-QUEUE-DROP  ",
                "RX-ERROR  TX-ERROR\r\n",
                "0 R ether1  205 149 015  147 887 338    158 132    150 015        0        0              2  ",
                "       0         0\r\n",
                "1 R ether2   32 400 148  335 690 764         19    216 509        3        0              0  ",
                "       1         0\r\n",
            )
        );
    }

    #[test]
    fn no_interfaces_print_nothing() {
        assert_eq!(render(write_print_stats, &[]), "");
    }

    #[test]
    fn not_running_and_disabled_flags() {
        let mut nics = two_nics();
        nics.truncate(1);
        nics[0].running = false;
        // Nothing running and nothing disabled: no legend and no flags column.
        let plain = render(write_print_stats, &nics);
        assert!(plain.starts_with("Columns: NAME, RX-BYTE"), "{plain}");
        assert!(plain.contains("\r\n0 ether1  205 149 015"), "{plain}");
        nics[0].disabled = true;
        let disabled = render(write_print_stats, &nics);
        assert!(
            disabled.starts_with("Flags: X - DISABLED\r\n"),
            "{disabled}"
        );
        assert!(
            disabled.contains("\r\n0 X ether1  205 149 015"),
            "{disabled}"
        );
    }

    #[test]
    fn big_numbers_widen_their_columns() {
        let nics = vec![InterfaceInfo {
            name: String::from("ether1"),
            running: true,
            rx_byte: u64::MAX,
            tx_byte: 1_099_511_627_776,
            rx_packet: 4_294_967_296,
            tx_packet: 1,
            rx_drop: 1_000,
            tx_drop: 65_536,
            tx_queue_drop: 10_000_000,
            rx_error: 123_456_789,
            tx_error: 100_000_000_000,
            ..InterfaceInfo::default()
        }];
        assert_eq!(
            render(write_print_stats, &nics),
            concat!(
                "Flags: R - RUNNING\r\n",
                "Columns: NAME, RX-BYTE, TX-BYTE, RX-PACKET, TX-PACKET, RX-DROP, TX-DROP, TX-QUEUE-DROP, ",
                "RX-ERROR, TX-ERROR\r\n",
                "#   NAME                       RX-BYTE            TX-BYTE      RX-PACKET  TX-PACKET  RX-DROP  ",
                "TX-DROP  TX-QUEUE-DROP     RX-ERROR         TX-ERROR\r\n",
                "0 R ether1  18 446 744 073 709 551 615  1 099 511 627 776  4 294 967 296          1    1 000  ",
                " 65 536     10 000 000  123 456 789  100 000 000 000\r\n",
            )
        );
    }
}
