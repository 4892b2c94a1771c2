//! `/system resource`: what the appliance reports about itself, and how `print` shows it.
//!
//! [`ResourceInfo`] is filled in by the kernel (see [`SystemControl`](crate::SystemControl)); [`write_print`]
//! renders it the way RouterOS does. [`format_uptime`] and [`format_bytes`] are the RouterOS notations for
//! durations and sizes, shared with other menus.
//!
//! All formatting is total: any field value, including `u64::MAX`, prints without panicking.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

use crate::property_list::write_property_list;

/// The values shown by `/system resource print`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceInfo {
    /// Time since boot, in milliseconds.
    pub uptime_ms: u64,
    /// Software version, e.g. `7.16 (stable)`.
    pub version: String,
    /// When the software was built, e.g. `2024-09-20 13:00:27`.
    pub build_time: String,
    /// Unused RAM, in bytes.
    pub free_memory: u64,
    /// All RAM, in bytes.
    pub total_memory: u64,
    /// CPU model name.
    pub cpu: String,
    /// Number of CPUs in use.
    pub cpu_count: u32,
    /// CPU clock.
    pub cpu_frequency_mhz: u32,
    /// CPU busy share over the last measurement interval.
    pub cpu_load_percent: u8,
    /// Unused storage, in bytes.
    pub free_hdd_space: u64,
    /// All storage, in bytes.
    pub total_hdd_space: u64,
    /// CPU architecture, e.g. `x86_64`.
    pub architecture_name: String,
    /// Board model, `CHR` for a cloud hosted router.
    pub board_name: String,
    /// Platform family, e.g. `MikroTik`.
    pub platform: String,
}

/// The properties of `/system resource print`, in its order, values as printed.
pub fn properties(info: &ResourceInfo) -> Vec<(&'static str, String)> {
    alloc::vec![
        ("uptime", format_uptime(info.uptime_ms)),
        ("version", info.version.clone()),
        ("build-time", info.build_time.clone()),
        ("free-memory", format_bytes(info.free_memory)),
        ("total-memory", format_bytes(info.total_memory)),
        ("cpu", info.cpu.clone()),
        ("cpu-count", format!("{}", info.cpu_count)),
        ("cpu-frequency", format!("{}MHz", info.cpu_frequency_mhz)),
        ("cpu-load", format!("{}%", info.cpu_load_percent)),
        ("free-hdd-space", format_bytes(info.free_hdd_space)),
        ("total-hdd-space", format_bytes(info.total_hdd_space)),
        ("architecture-name", info.architecture_name.clone()),
        ("board-name", info.board_name.clone()),
        ("platform", info.platform.clone()),
    ]
}

/// Writes the output of `/system resource print` for `info`, lines ending in `"\r\n"`.
pub fn write_print(out: &mut dyn Write, info: &ResourceInfo) -> fmt::Result {
    let properties = properties(info);
    let pairs: Vec<(&str, &str)> = properties.iter().map(|(n, v)| (*n, v.as_str())).collect();
    write_property_list(out, &pairs)
}

/// Units of a RouterOS duration, largest first, in seconds.
const TIME_UNITS: [(u64, char); 5] = [
    (7 * 24 * 3600, 'w'),
    (24 * 3600, 'd'),
    (3600, 'h'),
    (60, 'm'),
    (1, 's'),
];

/// A duration in RouterOS notation, e.g. `1w2d3h4m5s`. Milliseconds are dropped; units that are zero are left
/// out (`4m5s`, `1h5s`, `2d`), and no time at all is `0s`.
pub fn format_uptime(uptime_ms: u64) -> String {
    let mut remaining = uptime_ms / 1000;
    let mut text = String::new();
    for (unit_seconds, unit) in TIME_UNITS {
        let count = remaining / unit_seconds;
        remaining %= unit_seconds;
        if count > 0 {
            // Writing into a String cannot fail.
            let _ = write!(text, "{count}{unit}");
        }
    }
    if text.is_empty() {
        text.push_str("0s");
    }
    text
}

/// Binary units after bytes, smallest first.
const SIZE_UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/// A size in RouterOS notation: whole bytes below 1 KiB (`512B`), otherwise the largest binary unit that keeps the
/// number below 1024, with one decimal rounded to nearest (`1002.0KiB`, `123.4MiB`, `1.5GiB`).
pub fn format_bytes(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes}B");
    }
    let bytes = u128::from(bytes);
    let mut divisor: u128 = 1;
    let mut shown = String::new();
    for unit in SIZE_UNITS {
        divisor *= 1024;
        let tenths = (bytes * 10 + divisor / 2) / divisor;
        shown = format!("{}.{}{unit}", tenths / 10, tenths % 10);
        if tenths < 10240 {
            break;
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1000;
    const MINUTE: u64 = 60 * SECOND;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    const WEEK: u64 = 7 * DAY;
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    const GIB: u64 = 1024 * MIB;

    #[test]
    fn uptime_notation() {
        assert_eq!(format_uptime(0), "0s");
        assert_eq!(format_uptime(999), "0s");
        assert_eq!(format_uptime(4 * MINUTE + 5 * SECOND + 999), "4m5s");
        assert_eq!(
            format_uptime(WEEK + 2 * DAY + 3 * HOUR + 4 * MINUTE + 5 * SECOND),
            "1w2d3h4m5s"
        );
        assert_eq!(format_uptime(HOUR + 5 * SECOND), "1h5s");
        assert_eq!(format_uptime(2 * DAY), "2d");
        assert_eq!(format_uptime(59 * SECOND), "59s");
        assert_eq!(format_uptime(u64::MAX), "30500568904w6d14h25m51s");
    }

    #[test]
    fn size_notation() {
        assert_eq!(format_bytes(0), "0B");
        assert_eq!(format_bytes(512), "512B");
        assert_eq!(format_bytes(1023), "1023B");
        assert_eq!(format_bytes(KIB), "1.0KiB");
        assert_eq!(format_bytes(1002 * KIB), "1002.0KiB");
        assert_eq!(format_bytes(123 * MIB + 400 * KIB), "123.4MiB");
        assert_eq!(format_bytes(GIB + GIB / 2), "1.5GiB");
        assert_eq!(format_bytes(1024 * MIB), "1.0GiB");
        // Rounding up to 1024 of a unit moves to the next unit instead of printing 1024.0.
        assert_eq!(format_bytes(MIB - 1), "1.0MiB");
        assert_eq!(format_bytes(u64::MAX), "16.0EiB");
    }

    #[test]
    fn print_matches_routeros_layout() {
        let info = ResourceInfo {
            uptime_ms: 3 * HOUR + 25 * MINUTE + 7 * SECOND,
            version: String::from("7.16 (stable)"),
            build_time: String::from("2024-09-20 13:00:27"),
            free_memory: 894 * MIB + 900 * KIB,
            total_memory: 1024 * MIB,
            cpu: String::from("QEMU"),
            cpu_count: 1,
            cpu_frequency_mhz: 2592,
            cpu_load_percent: 3,
            free_hdd_space: 77 * MIB + 512 * KIB,
            total_hdd_space: 89 * MIB + 200 * KIB,
            architecture_name: String::from("x86_64"),
            board_name: String::from("CHR"),
            platform: String::from("MikroTik"),
        };
        let mut out = String::new();
        write_print(&mut out, &info).unwrap();
        let expected = concat!(
            "             uptime: 3h25m7s\r\n",
            "            version: 7.16 (stable)\r\n",
            "         build-time: 2024-09-20 13:00:27\r\n",
            "        free-memory: 894.9MiB\r\n",
            "       total-memory: 1.0GiB\r\n",
            "                cpu: QEMU\r\n",
            "          cpu-count: 1\r\n",
            "      cpu-frequency: 2592MHz\r\n",
            "           cpu-load: 3%\r\n",
            "     free-hdd-space: 77.5MiB\r\n",
            "    total-hdd-space: 89.2MiB\r\n",
            "  architecture-name: x86_64\r\n",
            "         board-name: CHR\r\n",
            "           platform: MikroTik\r\n",
        );
        assert_eq!(out, expected);
    }
}
