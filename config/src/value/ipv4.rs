//! IPv4 values: addresses, prefixes, firewall address matches and lists of them.
//!
//! * An address is a dotted quad of four decimal numbers 0–255, each one to three digits (`192.168.88.1`).
//! * A prefix is `address/length` with length 0–32, or `address/netmask` with a contiguous netmask
//!   (`192.168.88.1/255.255.255.0`, which RouterOS accepts for `/ip address`); a bare address is `/32`.
//!   [`super::ValueType::Ipv4Prefix`] (an interface address) keeps host bits, [`super::ValueType::Ipv4Network`]
//!   clears them (`/ip route dst-address`, RouterOS prints `10.0.0.0/8` for `10.1.2.3/8`).
//! * A firewall address (`src-address=`, `/ip pool ranges=`) is a single address, a prefix whose host bits
//!   RouterOS clears (`/32` printed as the bare address) or a range `a-b` whose ends are put in order; a range
//!   of one address prints as that address. It becomes a netstack [`AddrRange`].
//! * Lists are comma separated without spaces (`dns servers=8.8.8.8,8.8.4.4`).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use netstack::firewall::spec::AddrRange;
use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

use super::{ValueError, parse_list};

/// A dotted quad, each part one to three decimal digits and at most 255.
pub fn parse_ipv4(s: &str) -> Option<Ipv4Address> {
    let mut octets = [0u8; 4];
    let mut parts = s.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(Ipv4Address::from(octets))
}

/// `address/length`, `address/netmask` or a bare address (`/32`); host bits are kept.
pub fn parse_ipv4_prefix(s: &str) -> Option<Ipv4Cidr> {
    let (address, length) = match s.split_once('/') {
        Some((address, length)) => (parse_ipv4(address)?, prefix_length(length)?),
        None => (parse_ipv4(s)?, 32),
    };
    Some(Ipv4Cidr::new(address, length))
}

/// A prefix length `0`..`32` (one or two digits) or a contiguous dotted netmask.
fn prefix_length(s: &str) -> Option<u8> {
    if s.contains('.') {
        let mask = parse_ipv4(s)?.to_bits();
        // Contiguous: the ones are all at the top, so the inverted mask is a run of low ones.
        let host = !mask;
        if host & host.wrapping_add(1) != 0 {
            return None;
        }
        return u8::try_from(mask.count_ones()).ok();
    }
    if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let length: u8 = s.parse().ok()?;
    (length <= 32).then_some(length)
}

/// How a firewall address was written; it keeps its form when printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MatchForm {
    Single(Ipv4Address),
    Prefix(Ipv4Cidr),
    Range(Ipv4Address, Ipv4Address),
}

fn parse_match_form(s: &str) -> Option<MatchForm> {
    if let Some((first, last)) = s.split_once('-') {
        Some(MatchForm::Range(parse_ipv4(first)?, parse_ipv4(last)?))
    } else if s.contains('/') {
        Some(MatchForm::Prefix(parse_ipv4_prefix(s)?))
    } else {
        Some(MatchForm::Single(parse_ipv4(s)?))
    }
}

impl MatchForm {
    fn range(self) -> AddrRange {
        match self {
            MatchForm::Single(address) => AddrRange::single(address),
            MatchForm::Prefix(cidr) => AddrRange::prefix(cidr),
            MatchForm::Range(first, last) => AddrRange::range(first, last),
        }
    }

    /// RouterOS's print: host bits cleared, `/32` and one-address ranges bare, range ends in order.
    fn canonical(self) -> String {
        match self {
            MatchForm::Prefix(cidr) if cidr.prefix_len() < 32 => format!("{}", cidr.network()),
            MatchForm::Single(_) | MatchForm::Prefix(_) | MatchForm::Range(..) => {
                let range = self.range();
                if range.start == range.end {
                    format!("{}", range.start)
                } else {
                    format!("{}-{}", range.start, range.end)
                }
            }
        }
    }
}

/// A single address, a prefix (host bits ignored) or a range `a-b` (ends in either order).
pub fn parse_ipv4_match(s: &str) -> Option<AddrRange> {
    parse_match_form(s).map(MatchForm::range)
}

/// A non-empty comma list of [`parse_ipv4_match`] elements.
pub fn parse_ipv4_range_list(s: &str) -> Option<Vec<AddrRange>> {
    if s.is_empty() {
        return None;
    }
    s.split(',').map(parse_ipv4_match).collect()
}

/// A comma list of addresses; the empty string is the empty list.
pub fn parse_ipv4_list(s: &str) -> Option<Vec<Ipv4Address>> {
    parse_list(s).into_iter().map(parse_ipv4).collect()
}

/// Whether `value` (an address, prefix or range) lies wholly inside `prefix` (a prefix, address or range;
/// host bits of a prefix are ignored), as `print where address in 10.0.0.0/8` asks. A prefix value counts as
/// its whole network. `None` when either does not parse.
pub fn ipv4_contains(prefix: &str, value: &str) -> Option<bool> {
    let outer = parse_ipv4_match(prefix)?;
    let inner = parse_ipv4_match(value)?;
    Some(outer.start <= inner.start && inner.end <= outer.end)
}

pub(super) fn normalize_address(input: &str) -> Result<String, ValueError> {
    parse_ipv4(input)
        .map(|address| format!("{address}"))
        .ok_or_else(invalid_address)
}

pub(super) fn normalize_prefix(input: &str) -> Result<String, ValueError> {
    parse_ipv4_prefix(input)
        .map(|cidr| format!("{cidr}"))
        .ok_or_else(|| prefix_error(input))
}

pub(super) fn normalize_network(input: &str) -> Result<String, ValueError> {
    parse_ipv4_prefix(input)
        .map(|cidr| format!("{}", cidr.network()))
        .ok_or_else(|| prefix_error(input))
}

pub(super) fn normalize_match(input: &str) -> Result<String, ValueError> {
    parse_match_form(input)
        .map(MatchForm::canonical)
        .ok_or_else(|| prefix_error(input))
}

pub(super) fn normalize_range_list(input: &str) -> Result<String, ValueError> {
    if input.is_empty() {
        return Err(ValueError::new("value can not be empty"));
    }
    let mut canonical = String::new();
    for element in input.split(',') {
        if !canonical.is_empty() {
            canonical.push(',');
        }
        canonical.push_str(&normalize_match(element)?);
    }
    Ok(canonical)
}

pub(super) fn normalize_list(input: &str) -> Result<String, ValueError> {
    super::normalize_each(input, normalize_address)
}

fn invalid_address() -> ValueError {
    ValueError::new("invalid IP address")
}

/// Says whether the address or the length after `/` is at fault.
fn prefix_error(input: &str) -> ValueError {
    match input.split_once('/') {
        Some((address, _)) if parse_ipv4(address).is_some() => {
            ValueError::new("invalid prefix length")
        }
        _ => invalid_address(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Address {
        Ipv4Address::new(a, b, c, d)
    }

    #[test]
    fn dotted_quads() {
        assert_eq!(parse_ipv4("192.168.88.1"), Some(ip(192, 168, 88, 1)));
        assert_eq!(parse_ipv4("0.0.0.0"), Some(ip(0, 0, 0, 0)));
        assert_eq!(parse_ipv4("255.255.255.255"), Some(ip(255, 255, 255, 255)));
        assert_eq!(parse_ipv4("010.001.000.009"), Some(ip(10, 1, 0, 9)));
        for bad in [
            "",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "1.2.3.256",
            "1..2.3",
            "1.2.3.",
            ".1.2.3",
            "0001.2.3.4",
            "1.2.3.4 ",
            " 1.2.3.4",
            "+1.2.3.4",
            "1.2.3.-4",
            "a.b.c.d",
            "1.2.3.4/24",
            "١.2.3.4",
            "0x1.2.3.4",
        ] {
            assert_eq!(parse_ipv4(bad), None, "{bad:?}");
        }
        assert_eq!(normalize_address("010.0.0.1").unwrap(), "10.0.0.1");
        assert_eq!(
            normalize_address("256.1.1.1").unwrap_err().message,
            "invalid IP address"
        );
    }

    #[test]
    fn prefixes_keep_host_bits() {
        assert_eq!(
            parse_ipv4_prefix("192.168.88.1/24"),
            Some(Ipv4Cidr::new(ip(192, 168, 88, 1), 24))
        );
        assert_eq!(
            parse_ipv4_prefix("192.168.88.1"),
            Some(Ipv4Cidr::new(ip(192, 168, 88, 1), 32))
        );
        assert_eq!(
            parse_ipv4_prefix("10.1.2.3/255.0.0.0"),
            Some(Ipv4Cidr::new(ip(10, 1, 2, 3), 8))
        );
        assert_eq!(
            parse_ipv4_prefix("0.0.0.0/0.0.0.0"),
            Some(Ipv4Cidr::new(ip(0, 0, 0, 0), 0))
        );
        assert_eq!(
            parse_ipv4_prefix("0.0.0.0/0"),
            Some(Ipv4Cidr::new(ip(0, 0, 0, 0), 0))
        );
        assert_eq!(
            normalize_prefix("192.168.88.1/24").unwrap(),
            "192.168.88.1/24"
        );
        assert_eq!(normalize_prefix("192.168.88.1").unwrap(), "192.168.88.1/32");
        assert_eq!(
            normalize_prefix("192.168.88.1/255.255.255.252").unwrap(),
            "192.168.88.1/30"
        );
        assert_eq!(normalize_prefix("1.2.3.4/07").unwrap(), "1.2.3.4/7");
    }

    #[test]
    fn bad_prefixes() {
        for bad in [
            "1.2.3.4/33",
            "1.2.3.4/",
            "1.2.3.4/-1",
            "1.2.3.4/100",
            "1.2.3.4/2 4",
            "1.2.3.4/24/24",
            "1.2.3.4/255.0.255.0",
            "1.2.3.4/0.255.255.255",
            "1.2.3.4/255.255.255",
            "/24",
            "1.2.3/24",
        ] {
            assert_eq!(parse_ipv4_prefix(bad), None, "{bad:?}");
        }
        assert_eq!(
            normalize_prefix("1.2.3.4/33").unwrap_err().message,
            "invalid prefix length"
        );
        assert_eq!(
            normalize_network("256.0.0.0/8").unwrap_err().message,
            "invalid IP address"
        );
    }

    #[test]
    fn networks_clear_host_bits() {
        assert_eq!(normalize_network("10.1.2.3/8").unwrap(), "10.0.0.0/8");
        assert_eq!(normalize_network("1.2.3.4").unwrap(), "1.2.3.4/32");
        assert_eq!(normalize_network("1.2.3.4/0").unwrap(), "0.0.0.0/0");
        assert_eq!(
            normalize_network("192.168.88.77/255.255.255.0").unwrap(),
            "192.168.88.0/24"
        );
    }

    #[test]
    fn firewall_addresses() {
        assert_eq!(
            parse_ipv4_match("1.2.3.4"),
            Some(AddrRange::single(ip(1, 2, 3, 4)))
        );
        assert_eq!(
            parse_ipv4_match("10.1.2.3/8"),
            Some(AddrRange {
                start: ip(10, 0, 0, 0),
                end: ip(10, 255, 255, 255)
            })
        );
        assert_eq!(
            parse_ipv4_match("1.2.3.10-1.2.3.4"),
            Some(AddrRange {
                start: ip(1, 2, 3, 4),
                end: ip(1, 2, 3, 10)
            })
        );
        assert_eq!(normalize_match("1.2.3.4").unwrap(), "1.2.3.4");
        assert_eq!(normalize_match("10.1.2.3/8").unwrap(), "10.0.0.0/8");
        assert_eq!(normalize_match("1.2.3.4/32").unwrap(), "1.2.3.4");
        assert_eq!(normalize_match("0.0.0.0/0").unwrap(), "0.0.0.0/0");
        assert_eq!(
            normalize_match("1.2.3.10-1.2.3.4").unwrap(),
            "1.2.3.4-1.2.3.10"
        );
        assert_eq!(normalize_match("1.2.3.4-1.2.3.4").unwrap(), "1.2.3.4");
        // A range that happens to be a prefix keeps the form it was written in.
        assert_eq!(
            normalize_match("10.0.0.0-10.0.0.255").unwrap(),
            "10.0.0.0-10.0.0.255"
        );
        for bad in [
            "",
            "1.2.3.4-",
            "-1.2.3.4",
            "1.2.3.4-1.2.3.5-1.2.3.6",
            "1.2.3.0/24-1.2.3.9",
            "1.2.3.4/33",
        ] {
            assert_eq!(parse_ipv4_match(bad), None, "{bad:?}");
            assert!(normalize_match(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn range_lists() {
        assert_eq!(
            normalize_range_list("192.168.88.254-192.168.88.10,10.0.0.7/24").unwrap(),
            "192.168.88.10-192.168.88.254,10.0.0.0/24"
        );
        assert_eq!(
            parse_ipv4_range_list("1.1.1.1,2.2.2.0/31"),
            Some(alloc::vec![
                AddrRange::single(ip(1, 1, 1, 1)),
                AddrRange::range(ip(2, 2, 2, 0), ip(2, 2, 2, 1))
            ])
        );
        for bad in [
            "",
            ",",
            "1.1.1.1,",
            ",1.1.1.1",
            "1.1.1.1,,2.2.2.2",
            "1.1.1.1 2.2.2.2",
        ] {
            assert_eq!(parse_ipv4_range_list(bad), None, "{bad:?}");
            assert!(normalize_range_list(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn address_lists() {
        assert_eq!(parse_ipv4_list(""), Some(alloc::vec![]));
        assert_eq!(
            parse_ipv4_list("8.8.8.8,8.8.4.4"),
            Some(alloc::vec![ip(8, 8, 8, 8), ip(8, 8, 4, 4)])
        );
        assert_eq!(normalize_list("").unwrap(), "");
        assert_eq!(
            normalize_list("008.8.8.8,1.1.1.1").unwrap(),
            "8.8.8.8,1.1.1.1"
        );
        for bad in [
            ",",
            "8.8.8.8,",
            "8.8.8.8,,1.1.1.1",
            "8.8.8.8/32",
            "8.8.8.8 1.1.1.1",
        ] {
            assert_eq!(parse_ipv4_list(bad), None, "{bad:?}");
            assert!(normalize_list(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn containment() {
        assert_eq!(ipv4_contains("10.0.0.0/8", "10.1.2.3"), Some(true));
        assert_eq!(ipv4_contains("10.0.0.0/8", "11.0.0.0"), Some(false));
        assert_eq!(ipv4_contains("10.0.0.0/8", "10.20.0.0/16"), Some(true));
        assert_eq!(ipv4_contains("10.0.0.0/16", "10.0.0.0/8"), Some(false));
        assert_eq!(
            ipv4_contains("192.168.88.1/24", "192.168.88.200"),
            Some(true)
        );
        assert_eq!(
            ipv4_contains("192.168.0.0/16", "192.168.88.1/24"),
            Some(true)
        );
        assert_eq!(ipv4_contains("0.0.0.0/0", "255.255.255.255"), Some(true));
        assert_eq!(ipv4_contains("1.2.3.4", "1.2.3.4"), Some(true));
        assert_eq!(
            ipv4_contains("1.2.3.4-1.2.3.9", "1.2.3.5-1.2.3.9"),
            Some(true)
        );
        assert_eq!(
            ipv4_contains("1.2.3.4-1.2.3.9", "1.2.3.5-1.2.3.10"),
            Some(false)
        );
        assert_eq!(ipv4_contains("10.0.0.0/33", "10.0.0.1"), None);
        assert_eq!(ipv4_contains("10.0.0.0/8", "ether1"), None);
    }
}
