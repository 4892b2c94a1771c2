//! Port lists of firewall rules (`dst-port=53,80,8000-8080`).
//!
//! A comma list (no spaces) of ports 0–65535 and ranges `a-b`; RouterOS keeps the order of the list, puts the
//! ends of a range in order and prints a range of one port as that port. Each element becomes a netstack
//! [`PortRange`].

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use netstack::firewall::spec::PortRange;

use super::ValueError;

/// A non-empty comma list of ports and port ranges.
pub fn parse_port_list(s: &str) -> Option<Vec<PortRange>> {
    if s.is_empty() {
        return None;
    }
    s.split(',').map(parse_port_range).collect()
}

fn parse_port_range(s: &str) -> Option<PortRange> {
    match s.split_once('-') {
        Some((first, last)) => Some(PortRange::new(parse_port(first)?, parse_port(last)?)),
        None => Some(PortRange::single(parse_port(s)?)),
    }
}

/// One to five decimal digits, at most 65535.
fn parse_port(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn format_port_range(range: PortRange) -> String {
    if range.start == range.end {
        format!("{}", range.start)
    } else {
        format!("{}-{}", range.start, range.end)
    }
}

pub(super) fn normalize(input: &str) -> Result<String, ValueError> {
    let ranges = parse_port_list(input).ok_or_else(|| ValueError::new("invalid port"))?;
    let printed: Vec<String> = ranges.into_iter().map(format_port_range).collect();
    Ok(printed.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_ranges() {
        assert_eq!(
            parse_port_list("53"),
            Some(alloc::vec![PortRange::single(53)])
        );
        assert_eq!(
            parse_port_list("53,80,8000-8080"),
            Some(alloc::vec![
                PortRange::single(53),
                PortRange::single(80),
                PortRange::new(8000, 8080)
            ])
        );
        assert_eq!(
            parse_port_list("0-65535"),
            Some(alloc::vec![PortRange::new(0, 65535)])
        );
        assert_eq!(normalize("8080-8000,53").unwrap(), "8000-8080,53");
        assert_eq!(normalize("80-80").unwrap(), "80");
        assert_eq!(normalize("00053").unwrap(), "53");
        assert_eq!(normalize("443,80").unwrap(), "443,80");
    }

    #[test]
    fn malformed_lists() {
        for bad in [
            "", ",", "53,", ",53", "53,,80", "65536", "100000", "-1", "1-", "-", "1-2-3", "http",
            "53 80", "0x50", "+80", "８０",
        ] {
            assert_eq!(parse_port_list(bad), None, "{bad:?}");
        }
        assert_eq!(normalize("65536").unwrap_err().message, "invalid port");
    }
}
