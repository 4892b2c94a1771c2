//! IPv6 values: addresses, prefixes, networks and firewall address matches (`/ipv6` menus).
//!
//! * An address is RFC 4291 §2.2 text: eight groups of one to four hex digits, one `::` for a run of
//!   zero groups, an embedded dotted quad at the end (`::ffff:192.0.2.1`). It is printed in RFC 5952
//!   form — lower case, leading zeros dropped, the longest run of two or more zero groups (the first of
//!   equal runs) as `::`, IPv4-mapped addresses with their dotted quad — which is what RouterOS prints.
//!   The type is `core::net::Ipv6Addr`, the very type smoltcp's `wire::Ipv6Address` names; smoltcp's
//!   `proto-ipv6` feature is not needed for it, and enabling it would turn IPv6 on in the engine's
//!   smoltcp interface too (cargo unifies features), which must not change while these values are
//!   only stored.
//! * A prefix is `address/length` with length 0–128 (no netmask form: IPv6 has none); a bare address
//!   is `/128`. [`super::ValueType::Ipv6Prefix`] (an interface address, `2001:db8::1/64`) keeps host
//!   bits; [`super::ValueType::Ipv6Network`] (`dst-address`, `prefix`) clears them, as RouterOS prints
//!   `2001:db8::/32` for `2001:db8::1/32`.
//! * A firewall address (`src-address=`, address-list entries) is an address, a prefix (host bits
//!   cleared) or a range `a-b` (ends put in order). RouterOS prints a single IPv6 address with its
//!   `/128` (`address=::1/128` in the v7 default address list), so an address, a `/128` and a
//!   one-address range all print as `address/128`.
//! * Lists are comma separated without spaces (`/ipv6 nd dns=2001:db8::53,2001:db8::54`).

use alloc::format;
use alloc::string::String;
use core::fmt;
use core::net::Ipv6Addr;

use super::ValueError;

/// Longest IPv6 address text (`ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`).
const MAX_ADDRESS_LEN: usize = 45;

/// An address with a prefix length (0–128); the address may have host bits set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ipv6Prefix {
    pub address: Ipv6Addr,
    pub len: u8,
}

impl Ipv6Prefix {
    /// The mask of the prefix length as a 128-bit number.
    fn mask(self) -> u128 {
        match self.len {
            0 => 0,
            len => u128::MAX << (128 - u32::from(len.min(128))),
        }
    }

    /// The same prefix with the host bits cleared (`2001:db8::/32` of `2001:db8::1/32`).
    pub fn network(self) -> Ipv6Prefix {
        Ipv6Prefix {
            address: Ipv6Addr::from_bits(self.address.to_bits() & self.mask()),
            len: self.len,
        }
    }

    /// The first and last address of the prefix.
    pub fn range(self) -> Ipv6Range {
        let first = self.address.to_bits() & self.mask();
        Ipv6Range {
            start: Ipv6Addr::from_bits(first),
            end: Ipv6Addr::from_bits(first | !self.mask()),
        }
    }
}

impl fmt::Display for Ipv6Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.len)
    }
}

/// An inclusive range of addresses, `start <= end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ipv6Range {
    pub start: Ipv6Addr,
    pub end: Ipv6Addr,
}

impl Ipv6Range {
    /// The range between two addresses, in either order.
    pub fn new(a: Ipv6Addr, b: Ipv6Addr) -> Self {
        Ipv6Range {
            start: a.min(b),
            end: a.max(b),
        }
    }

    /// Whether `other` lies wholly inside this range.
    pub fn contains(&self, other: &Ipv6Range) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// An IPv6 address in RFC 4291 text form; no zone (`%eth0`), no brackets, no blanks.
pub fn parse_ipv6(s: &str) -> Option<Ipv6Addr> {
    // core's parser is total and bounded; the length check only spares it hopeless inputs.
    if s.is_empty() || s.len() > MAX_ADDRESS_LEN {
        return None;
    }
    s.parse().ok()
}

/// `address/length` (length 0–128, one to three digits) or a bare address (`/128`); host bits are
/// kept.
pub fn parse_ipv6_prefix(s: &str) -> Option<Ipv6Prefix> {
    let (address, len) = match s.split_once('/') {
        Some((address, len)) => (parse_ipv6(address)?, prefix_length(len)?),
        None => (parse_ipv6(s)?, 128),
    };
    Some(Ipv6Prefix { address, len })
}

fn prefix_length(s: &str) -> Option<u8> {
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let len: u8 = s.parse().ok()?;
    (len <= 128).then_some(len)
}

/// A single address, a prefix (host bits ignored) or a range `a-b` (ends in either order).
pub fn parse_ipv6_match(s: &str) -> Option<Ipv6Range> {
    if let Some((first, last)) = s.split_once('-') {
        Some(Ipv6Range::new(parse_ipv6(first)?, parse_ipv6(last)?))
    } else {
        Some(parse_ipv6_prefix(s)?.range())
    }
}

/// Whether `value` (an address, prefix or range) lies wholly inside `outer` (the same forms; a prefix
/// counts as its whole network), as `print where address in 2001:db8::/32` asks. `None` when either
/// does not parse as IPv6.
pub fn ipv6_contains(outer: &str, value: &str) -> Option<bool> {
    Some(parse_ipv6_match(outer)?.contains(&parse_ipv6_match(value)?))
}

/// A range as RouterOS prints it: a prefix when it is exactly one (`2001:db8::/32`,
/// `2001:db8::1/128`), else `first-last`.
fn format_range(range: Ipv6Range) -> String {
    let (start, end) = (range.start.to_bits(), range.end.to_bits());
    let size_minus_one = end - start;
    // A prefix: the size is a power of two and the start is aligned to it.
    if size_minus_one & size_minus_one.wrapping_add(1) == 0 && start & size_minus_one == 0 {
        let host_bits = 128 - size_minus_one.leading_zeros();
        let len = u8::try_from(128 - host_bits).unwrap_or(0);
        return format!("{}/{len}", range.start);
    }
    format!("{}-{}", range.start, range.end)
}

pub(super) fn normalize_address(input: &str) -> Result<String, ValueError> {
    parse_ipv6(input)
        .map(|address| format!("{address}"))
        .ok_or_else(invalid_address)
}

pub(super) fn normalize_prefix(input: &str) -> Result<String, ValueError> {
    parse_ipv6_prefix(input)
        .map(|prefix| format!("{prefix}"))
        .ok_or_else(|| prefix_error(input))
}

pub(super) fn normalize_network(input: &str) -> Result<String, ValueError> {
    parse_ipv6_prefix(input)
        .map(|prefix| format!("{}", prefix.network()))
        .ok_or_else(|| prefix_error(input))
}

/// A prefix prints as its network; a range keeps the form it was written in (ends in order) unless it
/// is a single address.
pub(super) fn normalize_match(input: &str) -> Result<String, ValueError> {
    let range = parse_ipv6_match(input).ok_or_else(|| prefix_error(input))?;
    if input.contains('-') && range.start != range.end {
        return Ok(format!("{}-{}", range.start, range.end));
    }
    Ok(format_range(range))
}

pub(super) fn normalize_list(input: &str) -> Result<String, ValueError> {
    super::normalize_each(input, normalize_address)
}

fn invalid_address() -> ValueError {
    ValueError::new("invalid IPv6 address")
}

/// Says whether the address or the length after `/` is at fault.
fn prefix_error(input: &str) -> ValueError {
    match input.split_once('/') {
        Some((address, _)) if parse_ipv6(address).is_some() => {
            ValueError::new("invalid prefix length")
        }
        _ => invalid_address(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_print_in_rfc_5952_form() {
        for (input, canonical) in [
            ("2001:db8::1", "2001:db8::1"),
            ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            ("::", "::"),
            ("::1", "::1"),
            ("fe80::1", "fe80::1"),
            // RFC 5952 §4.2.2: one zero group is not shortened; §4.2.3: the longest run, the first
            // of equal runs.
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            // §5: IPv4-mapped addresses keep their dotted quad.
            ("::ffff:c000:201", "::ffff:192.0.2.1"),
            ("::FFFF:192.0.2.1", "::ffff:192.0.2.1"),
        ] {
            assert_eq!(normalize_address(input).unwrap(), canonical, "{input}");
        }
        for bad in [
            "",
            ":",
            ":::",
            "1::2::3",
            "2001:db8::g",
            "12345::",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7",
            "fe80::1%ether1",
            "[::1]",
            " ::1",
            "::1 ",
            "2001:db8::1/64",
            "192.0.2.1",
            "::ffff:256.0.0.1",
        ] {
            assert_eq!(parse_ipv6(bad), None, "{bad:?}");
            assert_eq!(
                normalize_address(bad).unwrap_err().message,
                "invalid IPv6 address"
            );
        }
        assert_eq!(parse_ipv6(&"1".repeat(1000)), None);
    }

    #[test]
    fn prefixes_keep_host_bits_and_networks_clear_them() {
        assert_eq!(
            parse_ipv6_prefix("2001:db8::1/64"),
            Some(Ipv6Prefix {
                address: a("2001:db8::1"),
                len: 64
            })
        );
        assert_eq!(
            normalize_prefix("2001:DB8::1/64").unwrap(),
            "2001:db8::1/64"
        );
        assert_eq!(normalize_prefix("::1").unwrap(), "::1/128");
        assert_eq!(normalize_prefix("::/0").unwrap(), "::/0");
        assert_eq!(normalize_prefix("::1/064").unwrap(), "::1/64");
        assert_eq!(
            normalize_network("2001:db8::1/32").unwrap(),
            "2001:db8::/32"
        );
        assert_eq!(
            normalize_network("2001:db8:1:2::/48").unwrap(),
            "2001:db8:1::/48"
        );
        assert_eq!(normalize_network("2001:db8::1").unwrap(), "2001:db8::1/128");
        assert_eq!(normalize_network("ffff::1/0").unwrap(), "::/0");
        assert_eq!(
            normalize_network("2001:db8::ffff/127").unwrap(),
            "2001:db8::fffe/127"
        );
        for bad in [
            "::/129", "::/", "::/-1", "::/1000", "::/ 64", "::/64/64", "/64",
        ] {
            assert_eq!(parse_ipv6_prefix(bad), None, "{bad:?}");
        }
        assert_eq!(
            normalize_prefix("::/129").unwrap_err().message,
            "invalid prefix length"
        );
        assert_eq!(
            normalize_network("2001:db8::x/64").unwrap_err().message,
            "invalid IPv6 address"
        );
        // A netmask is IPv4's.
        assert!(normalize_prefix("::1/ffff:ffff::").is_err());
    }

    #[test]
    fn firewall_addresses() {
        assert_eq!(
            normalize_match("2001:db8:2::/64").unwrap(),
            "2001:db8:2::/64"
        );
        assert_eq!(
            normalize_match("2001:db8:2::7/64").unwrap(),
            "2001:db8:2::/64"
        );
        assert_eq!(normalize_match("::1").unwrap(), "::1/128");
        assert_eq!(normalize_match("::1/128").unwrap(), "::1/128");
        assert_eq!(normalize_match("::/0").unwrap(), "::/0");
        assert_eq!(
            normalize_match("2001:db8::9-2001:db8::1").unwrap(),
            "2001:db8::1-2001:db8::9"
        );
        assert_eq!(normalize_match("::5-::5").unwrap(), "::5/128");
        // A range that happens to be a prefix keeps the form it was written in.
        assert_eq!(normalize_match("::-::ff").unwrap(), "::-::ff");
        assert_eq!(
            parse_ipv6_match("2001:db8::/127"),
            Some(Ipv6Range::new(a("2001:db8::"), a("2001:db8::1")))
        );
        assert_eq!(
            parse_ipv6_match("::/0"),
            Some(Ipv6Range::new(a("::"), Ipv6Addr::from_bits(u128::MAX)))
        );
        for bad in [
            "",
            "::1-",
            "-::1",
            "::1-::2-::3",
            "::/64-::5",
            "::/129",
            "1.2.3.4",
        ] {
            assert_eq!(parse_ipv6_match(bad), None, "{bad:?}");
            assert!(normalize_match(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ranges_print_as_prefixes_when_they_are_one() {
        let r = |x: &str, y: &str| format_range(Ipv6Range::new(a(x), a(y)));
        assert_eq!(r("::", "::ff"), "::/120");
        assert_eq!(r("::4", "::7"), "::4/126");
        assert_eq!(r("::1", "::7"), "::1-::7");
        assert_eq!(r("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "::/0");
        assert_eq!(r("::1", "::1"), "::1/128");
    }

    #[test]
    fn address_lists() {
        assert_eq!(normalize_list("").unwrap(), "");
        assert_eq!(
            normalize_list("2001:DB8::53,::1").unwrap(),
            "2001:db8::53,::1"
        );
        for bad in [",", "::1,", "::1,,::2", "::1/128", "::1 ::2"] {
            assert!(normalize_list(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn containment() {
        assert_eq!(ipv6_contains("2001:db8::/32", "2001:db8:1::1"), Some(true));
        assert_eq!(ipv6_contains("2001:db8::/32", "2001:db9::"), Some(false));
        assert_eq!(
            ipv6_contains("2001:db8::/32", "2001:db8:5::/48"),
            Some(true)
        );
        assert_eq!(ipv6_contains("2001:db8::/48", "2001:db8::/32"), Some(false));
        assert_eq!(ipv6_contains("::/0", "ffff::1"), Some(true));
        assert_eq!(ipv6_contains("::1-::9", "::2-::9"), Some(true));
        assert_eq!(ipv6_contains("10.0.0.0/8", "10.0.0.1"), None);
    }
}
