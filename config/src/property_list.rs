//! The layout RouterOS uses when `print` shows the properties of a single item (for example
//! `/system resource print`): one `name: value` per line, names right-aligned so the colons line up, and the
//! longest name indented by two spaces.
//!
//! ```text
//!              uptime: 4m5s
//!   architecture-name: x86_64
//! ```
//!
//! Lines end in `"\r\n"` because the output goes to a terminal.

use core::fmt::{self, Write};

/// Spaces in front of the longest property name.
const INDENT: usize = 2;

/// Writes `properties` as aligned `name: value` lines, in the given order.
pub fn write_property_list(out: &mut dyn Write, properties: &[(&str, &str)]) -> fmt::Result {
    let widest = properties
        .iter()
        .map(|(name, _)| name.chars().count())
        .max()
        .unwrap_or(0);
    let width = widest.saturating_add(INDENT);
    for (name, value) in properties {
        write!(out, "{name:>width$}: {value}\r\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    #[test]
    fn aligns_colons_on_the_longest_name() {
        let mut out = String::new();
        write_property_list(
            &mut out,
            &[("cpu", "QEMU"), ("board-name", "CHR"), ("uptime", "0s")],
        )
        .unwrap();
        assert_eq!(
            out,
            "         cpu: QEMU\r\n  board-name: CHR\r\n      uptime: 0s\r\n"
        );
    }

    #[test]
    fn an_empty_list_prints_nothing() {
        let mut out = String::new();
        write_property_list(&mut out, &[]).unwrap();
        assert_eq!(out, "");
    }
}
