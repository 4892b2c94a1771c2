//! `/interface` and `/interface ethernet`: what the kernel reports about each network interface, and how `print`
//! shows it.
//!
//! [`InterfaceInfo`] is filled in by the kernel (see [`SystemControl::interfaces`](crate::SystemControl)), one per
//! interface in bus order (`ether1`, `ether2`, ...). The renderers produce RouterOS v7's tables (see
//! [`crate::table`] for the layout rules):
//!
//! ```text
//! [admin@MikroTik] > /interface print
//! Flags: R - RUNNING
//! Columns: NAME, TYPE, ACTUAL-MTU, L2MTU, MAC-ADDRESS
//! #   NAME    TYPE   ACTUAL-MTU  L2MTU  MAC-ADDRESS
//! 0 R ether1  ether        1500   1514  0C:00:6E:34:39:00
//! 1 R ether2  ether        1500   1514  0C:00:6E:34:39:01
//!
//! [admin@MikroTik] > /interface print stats
//! Flags: R - RUNNING
//! Columns: NAME, RX-BYTE, TX-BYTE, RX-PACKET, TX-PACKET, RX-DROP, TX-DROP, TX-QUEUE-DROP, RX-ERROR, TX-ERROR
//! #   NAME        RX-BYTE      TX-BYTE  RX-PACKET  TX-PACKET  RX-DROP  TX-DROP  TX-QUEUE-DROP  RX-ERROR  TX-ERROR
//! 0 R ether1  205 149 015  147 887 338    158 132    150 015        0        0              2         0         0
//! 1 R ether2   32 400 148  335 690 764         19    216 509        3        0              0         1         0
//!
//! [admin@MikroTik] > /interface ethernet print
//! Flags: R - RUNNING
//! Columns: NAME, MTU, MAC-ADDRESS, ARP
//! #   NAME     MTU  MAC-ADDRESS        ARP
//! 0 R ether1  1500  0C:00:6E:34:39:00  enabled
//! 1 R ether2  1500  0C:00:6E:34:39:01  enabled
//! ```
//!
//! (The headers `MAC-ADDRESS` and `ARP` are really padded with spaces to their column's width, as RouterOS pads
//! them; the trailing spaces are left out above.)
//!
//! Choices and their grounds:
//! * Counters are printed the way v7's `print stats` prints them, in whole units with the digits grouped by
//!   three and the groups separated by a space (`2 360 330 144`), as in the `/interface print stats` example of
//!   MikroTik's "Interface stats and monitor-traffic" manual page; the project reference
//!   (`routeros-reference.md`, section 4) lists the counters but not their notation. See [`format_count`].
//! * `L2MTU` is blank for an interface whose `l2mtu` is 0 (unknown), as v7 leaves it blank on CHR's NICs.
//! * `/interface ethernet print` has exactly the columns v7 shows on CHR (NAME, MTU, MAC-ADDRESS, ARP); RouterOS
//!   shows no driver there, so [`InterfaceInfo::driver`] is not printed. `ARP` is always `enabled`, the only mode
//!   the appliance has until the `arp` property exists.
//! * The flags are `X` (disabled) and `R` (running), in that legend order, each in its own position, as v7's
//!   tables show them; the legend names only the flags in use.
//!
//! All formatting is total: any field value, including `u64::MAX`, prints without panicking.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::{self, Write};

use crate::table::{Align, Column, Flag, Row, write_table};

/// One network interface as `/interface` shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InterfaceInfo {
    /// Interface name, e.g. `ether1`.
    pub name: String,
    /// RouterOS interface type, e.g. `ether` for an Ethernet NIC.
    pub kind: &'static str,
    /// Whether the interface is up and has link (flag `R`).
    pub running: bool,
    /// Whether the interface is administratively disabled (flag `X`).
    pub disabled: bool,
    /// Hardware address.
    pub mac: [u8; 6],
    /// Layer-3 MTU in bytes (`mtu`, shown as `ACTUAL-MTU` and as the ethernet `MTU`).
    pub mtu: u16,
    /// Layer-2 MTU in bytes; 0 when unknown, shown blank.
    pub l2mtu: u16,
    /// Name of the driver behind the interface, e.g. `virtio-net`; not shown by any `print` (RouterOS shows none).
    pub driver: &'static str,
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
const FLAGS: [Flag; 2] = [
    Flag {
        letter: 'X',
        name: "DISABLED",
    },
    Flag {
        letter: 'R',
        name: "RUNNING",
    },
];

const fn text(header: &'static str) -> Column {
    Column {
        header,
        align: Align::Left,
    }
}

const fn number(header: &'static str) -> Column {
    Column {
        header,
        align: Align::Right,
    }
}

const PRINT_COLUMNS: [Column; 5] = [
    text("NAME"),
    text("TYPE"),
    number("ACTUAL-MTU"),
    number("L2MTU"),
    text("MAC-ADDRESS"),
];

const STATS_COLUMNS: [Column; 10] = [
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

const ETHERNET_COLUMNS: [Column; 4] = [
    text("NAME"),
    number("MTU"),
    text("MAC-ADDRESS"),
    text("ARP"),
];

/// The `type` of Ethernet interfaces, the ones `/interface ethernet` lists.
pub const ETHERNET_KIND: &str = "ether";

/// Writes the output of `/interface print` for `interfaces`, lines ending in `"\r\n"`.
pub fn write_print(out: &mut dyn Write, interfaces: &[InterfaceInfo]) -> fmt::Result {
    let rows: Vec<Row> = interfaces
        .iter()
        .map(|info| Row {
            comment: None,
            label: None,
            flags: flags(info),
            cells: vec![
                info.name.clone(),
                String::from(info.kind),
                format!("{}", info.mtu),
                if info.l2mtu == 0 {
                    String::new()
                } else {
                    format!("{}", info.l2mtu)
                },
                format_mac(info.mac),
            ],
        })
        .collect();
    write_table(out, &FLAGS, &PRINT_COLUMNS, &rows)
}

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

/// Writes the output of `/interface ethernet print`: the interfaces of type [`ETHERNET_KIND`], numbered from 0
/// among themselves, lines ending in `"\r\n"`.
pub fn write_ethernet_print(out: &mut dyn Write, interfaces: &[InterfaceInfo]) -> fmt::Result {
    let rows: Vec<Row> = interfaces
        .iter()
        .filter(|info| info.kind == ETHERNET_KIND)
        .map(|info| Row {
            comment: None,
            label: None,
            flags: flags(info),
            cells: vec![
                info.name.clone(),
                format!("{}", info.mtu),
                format_mac(info.mac),
                String::from("enabled"),
            ],
        })
        .collect();
    write_table(out, &FLAGS, &ETHERNET_COLUMNS, &rows)
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

/// A MAC address the way RouterOS prints it: upper-case hex pairs separated by colons, `0C:00:6E:34:39:00`.
pub fn format_mac(mac: [u8; 6]) -> String {
    let [a, b, c, d, e, f] = mac;
    format!("{a:02X}:{b:02X}:{c:02X}:{d:02X}:{e:02X}:{f:02X}")
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
                kind: "ether",
                running: true,
                disabled: false,
                mac: [0x0C, 0x00, 0x6E, 0x34, 0x39, 0x00],
                mtu: 1500,
                l2mtu: 1514,
                driver: "virtio-net",
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
                kind: "ether",
                running: true,
                disabled: false,
                mac: [0x0C, 0x00, 0x6E, 0x34, 0x39, 0x01],
                mtu: 1500,
                l2mtu: 1514,
                driver: "virtio-net",
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
    fn macs_are_upper_case_hex() {
        assert_eq!(
            format_mac([0x0c, 0x00, 0x6e, 0x34, 0x39, 0xab]),
            "0C:00:6E:34:39:AB"
        );
        assert_eq!(format_mac([0; 6]), "00:00:00:00:00:00");
        assert_eq!(format_mac([0xff; 6]), "FF:FF:FF:FF:FF:FF");
    }

    #[test]
    fn print_two_running_nics() {
        assert_eq!(
            render(write_print, &two_nics()),
            concat!(
                "Flags: R - RUNNING\r\n",
                "Columns: NAME, TYPE, ACTUAL-MTU, L2MTU, MAC-ADDRESS\r\n",
                "#   NAME    TYPE   ACTUAL-MTU  L2MTU  MAC-ADDRESS      \r\n",
                "0 R ether1  ether        1500   1514  0C:00:6E:34:39:00\r\n",
                "1 R ether2  ether        1500   1514  0C:00:6E:34:39:01\r\n",
            )
        );
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
    fn ethernet_print_two_nics() {
        assert_eq!(
            render(write_ethernet_print, &two_nics()),
            concat!(
                "Flags: R - RUNNING\r\n",
                "Columns: NAME, MTU, MAC-ADDRESS, ARP\r\n",
                "#   NAME     MTU  MAC-ADDRESS        ARP    \r\n",
                "0 R ether1  1500  0C:00:6E:34:39:00  enabled\r\n",
                "1 R ether2  1500  0C:00:6E:34:39:01  enabled\r\n",
            )
        );
    }

    #[test]
    fn no_interfaces_print_nothing() {
        assert_eq!(render(write_print, &[]), "");
        assert_eq!(render(write_print_stats, &[]), "");
        assert_eq!(render(write_ethernet_print, &[]), "");
    }

    #[test]
    fn not_running_and_disabled_flags() {
        let mut nics = two_nics();
        nics[0].running = false;
        nics[1].running = false;
        // Nothing running and nothing disabled: no legend and no flags column.
        assert_eq!(
            render(write_print, &nics),
            concat!(
                "Columns: NAME, TYPE, ACTUAL-MTU, L2MTU, MAC-ADDRESS\r\n",
                "# NAME    TYPE   ACTUAL-MTU  L2MTU  MAC-ADDRESS      \r\n",
                "0 ether1  ether        1500   1514  0C:00:6E:34:39:00\r\n",
                "1 ether2  ether        1500   1514  0C:00:6E:34:39:01\r\n",
            )
        );
        nics[0].running = true;
        nics[1].disabled = true;
        assert_eq!(
            render(write_print, &nics),
            concat!(
                "Flags: X - DISABLED; R - RUNNING\r\n",
                "Columns: NAME, TYPE, ACTUAL-MTU, L2MTU, MAC-ADDRESS\r\n",
                "#    NAME    TYPE   ACTUAL-MTU  L2MTU  MAC-ADDRESS      \r\n",
                "0  R ether1  ether        1500   1514  0C:00:6E:34:39:00\r\n",
                "1 X  ether2  ether        1500   1514  0C:00:6E:34:39:01\r\n",
            )
        );
        assert_eq!(
            render(write_ethernet_print, &nics),
            concat!(
                "Flags: X - DISABLED; R - RUNNING\r\n",
                "Columns: NAME, MTU, MAC-ADDRESS, ARP\r\n",
                "#    NAME     MTU  MAC-ADDRESS        ARP    \r\n",
                "0  R ether1  1500  0C:00:6E:34:39:00  enabled\r\n",
                "1 X  ether2  1500  0C:00:6E:34:39:01  enabled\r\n",
            )
        );
    }

    #[test]
    fn big_numbers_widen_their_columns() {
        let nics = vec![InterfaceInfo {
            name: String::from("ether1"),
            kind: "ether",
            running: true,
            mtu: u16::MAX,
            l2mtu: 0,
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
        // An unknown L2MTU is blank; the header still takes its room.
        assert_eq!(
            render(write_print, &nics),
            concat!(
                "Flags: R - RUNNING\r\n",
                "Columns: NAME, TYPE, ACTUAL-MTU, L2MTU, MAC-ADDRESS\r\n",
                "#   NAME    TYPE   ACTUAL-MTU  L2MTU  MAC-ADDRESS      \r\n",
                "0 R ether1  ether       65535         00:00:00:00:00:00\r\n",
            )
        );
    }

    #[test]
    fn ethernet_print_lists_only_ethernet_interfaces() {
        let mut nics = two_nics();
        nics.insert(
            0,
            InterfaceInfo {
                name: String::from("lo"),
                kind: "loopback",
                running: true,
                mtu: 65535,
                ..InterfaceInfo::default()
            },
        );
        let out = render(write_ethernet_print, &nics);
        assert!(out.contains("\r\n0 R ether1  1500"), "{out}");
        assert!(out.contains("\r\n1 R ether2  1500"), "{out}");
        assert!(!out.contains(" lo "), "{out}");
        // `/interface print` lists every interface; the type column widens for `loopback`.
        let out = render(write_print, &nics);
        assert!(
            out.contains("\r\n0 R lo      loopback       65535         00:00:00:00:00:00\r\n"),
            "{out}"
        );
    }
}
