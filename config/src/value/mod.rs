//! RouterOS value types: validation of user input, canonical form, typed parsers and quoting.
//!
//! The object model stores every property value as its *canonical string*, the text RouterOS prints in
//! `print`/`export` and returns from the REST API (`"1500"`, `"1d2h"`, `"10.0.0.0/8"`, `"yes"`). A property
//! declares a [`ValueType`]; [`ValueType::normalize`] checks what the user typed and turns it into that canonical
//! string, and the typed parsers (`parse_*`) let the layers that compile the configuration into engine tables read
//! canonical strings back as typed values (`smoltcp` addresses, `netstack` ranges and durations).
//!
//! Guarantees:
//! * total: no input makes any function here panic (inputs above [`MAX_VALUE_LEN`] bytes are refused before they
//!   are looked at, every number is parsed with checked arithmetic, nothing recurses);
//! * canonical forms are fixed points: `normalize(normalize(x)?) == normalize(x)`;
//! * every `parse_*` accepts the canonical form its type produces and returns the typed value it came from.
//!
//! Error messages are short RouterOS-style reasons (`value out of range (0..65535)`, `invalid time`); the caller
//! wraps them into `invalid value for argument X`.
//!
//! Files: [`number`] (booleans, integers, rates), [`duration`] (RouterOS time), [`interval`] (`min-max` times),
//! [`time_of_day`], [`ipv4`] (addresses, prefixes, firewall address matches, lists), [`ipv6`] (addresses,
//! prefixes, firewall address matches), [`mac`], [`port`], [`choice`] (enumerations and flag sets), [`quote()`]
//! (quoting for `export`/`print`).

use alloc::string::String;
use core::cmp::Ordering;
use core::fmt;

pub mod choice;
pub mod duration;
pub mod interval;
pub mod ipv4;
pub mod ipv6;
pub mod mac;
pub mod number;
pub mod port;
pub mod quote;
pub mod time_of_day;

#[cfg(test)]
mod tests;

pub use duration::{MAX_DURATION, format_duration, parse_duration};
pub use ipv4::{
    ipv4_contains, parse_ipv4, parse_ipv4_list, parse_ipv4_match, parse_ipv4_prefix,
    parse_ipv4_range_list,
};
pub use ipv6::{
    Ipv6Prefix, Ipv6Range, ipv6_contains, parse_ipv6, parse_ipv6_match, parse_ipv6_prefix,
};
pub use mac::{format_mac, parse_mac};
pub use number::{format_rate, parse_bool, parse_integer, parse_rate};
pub use port::parse_port_list;
pub use quote::quote;
pub use time_of_day::{format_time_of_day, parse_time_of_day};

/// Longest input (in bytes) any non-text type looks at; RouterOS refuses longer property values too.
pub const MAX_VALUE_LEN: usize = 4096;

/// Longest [`ValueType::Text`] value, in characters.
pub const MAX_TEXT_CHARS: usize = 4096;

/// Longest [`ValueType::Name`] value, in characters (RouterOS names are at most 255 characters).
pub const MAX_NAME_CHARS: usize = 255;

/// The syntax of a property's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    /// Any string, may be empty; canonical = as given (at most [`MAX_TEXT_CHARS`] characters).
    Text,
    /// Non-empty, at most [`MAX_NAME_CHARS`] characters, no control characters.
    Name,
    /// `yes`|`no`, also `true`|`false` (REST); canonical `yes`|`no`.
    Bool,
    /// Decimal (also `0x` hex input); canonical decimal; outside `min..=max` is an error.
    Integer { min: i64, max: i64 },
    /// RouterOS time (`1d2h3m4s`, `00:05:00`, bare seconds); canonical compact print (`4m59s`).
    Duration,
    /// `hh:mm:ss` (also `h:mm`, `hh:mm`); canonical `03:00:00`.
    TimeOfDay,
    /// Dotted quad; canonical dotted quad.
    Ipv4Address,
    /// `a.b.c.d/n` keeping host bits (an interface address); a bare address is `/32`.
    Ipv4Prefix,
    /// `a.b.c.d/n` with host bits cleared in canonical form; a bare address is `/32`.
    Ipv4Network,
    /// Firewall address: single address, prefix (host bits cleared, `/32` printed bare) or ordered range.
    Ipv4Match,
    /// Comma list of [`ValueType::Ipv4Match`] elements (pool ranges); not empty.
    Ipv4RangeList,
    /// Comma list of addresses (DNS servers); may be empty.
    Ipv4List,
    /// IPv6 address; canonical RFC 5952 text (`2001:db8::1`).
    Ipv6Address,
    /// `address/length` keeping host bits (an interface address); a bare address is `/128`.
    Ipv6Prefix,
    /// `address/length` with host bits cleared in canonical form (`dst-address`); a bare address is `/128`.
    Ipv6Network,
    /// IPv6 firewall address: address or prefix (printed as a prefix, `/128` for one address) or ordered range.
    Ipv6Match,
    /// Comma list of IPv6 addresses (DNS servers); may be empty.
    Ipv6List,
    /// `0C:00:6E:34:39:00` (input also `-` separated or lower case); canonical upper case with `:`.
    MacAddress,
    /// `53`, `8000-8080`, `53,80,8000-8080`; range ends ordered, list order kept.
    PortList,
    /// One of these words.
    Enum(&'static [&'static str]),
    /// Comma list of distinct words from the set (order kept, duplicates removed).
    EnumSet(&'static [&'static str]),
    /// Like [`ValueType::EnumSet`], but each element may be negated with `!` (`tcp-flags=syn,!ack`).
    FlagSet(&'static [&'static str]),
    /// Bits per second with decimal `k`/`M`/`G` suffixes; canonical uses the largest exact suffix (`2500k`).
    Rate,
    /// `min-max` times (`3m20s-10m`), or one time: the lower end within `low`, the upper end within `high`
    /// (whole seconds, inclusive), lower end first.
    Interval { low: (u32, u32), high: (u32, u32) },
    /// The word `word` (`unspecified`, `none`, `infinity`) or a value of `other`: RouterOS's
    /// `mtu=unspecified|1280`, `ra-lifetime=none|30m`.
    Either {
        word: &'static str,
        other: &'static ValueType,
    },
}

/// Why a value was refused: a short human-readable reason such as `value out of range (0..65535)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError {
    pub message: String,
}

impl ValueError {
    /// An error with the given reason.
    pub fn new(message: &str) -> Self {
        ValueError {
            message: String::from(message),
        }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ValueType {
    /// Validates `input` and returns its canonical string.
    pub fn normalize(&self, input: &str) -> Result<String, ValueError> {
        if let ValueType::Text = self {
            // Counting stops one character past the limit, so a huge input costs no more than a short one.
            if input.chars().nth(MAX_TEXT_CHARS).is_some() {
                return Err(ValueError::new("value too long"));
            }
            return Ok(String::from(input));
        }
        if input.len() > MAX_VALUE_LEN {
            return Err(ValueError::new("value too long"));
        }
        match *self {
            ValueType::Text => Ok(String::from(input)),
            ValueType::Name => normalize_name(input),
            ValueType::Bool => number::normalize_bool(input),
            ValueType::Integer { min, max } => number::normalize_integer(input, min, max),
            ValueType::Duration => duration::normalize(input),
            ValueType::TimeOfDay => time_of_day::normalize(input),
            ValueType::Ipv4Address => ipv4::normalize_address(input),
            ValueType::Ipv4Prefix => ipv4::normalize_prefix(input),
            ValueType::Ipv4Network => ipv4::normalize_network(input),
            ValueType::Ipv4Match => ipv4::normalize_match(input),
            ValueType::Ipv4RangeList => ipv4::normalize_range_list(input),
            ValueType::Ipv4List => ipv4::normalize_list(input),
            ValueType::Ipv6Address => ipv6::normalize_address(input),
            ValueType::Ipv6Prefix => ipv6::normalize_prefix(input),
            ValueType::Ipv6Network => ipv6::normalize_network(input),
            ValueType::Ipv6Match => ipv6::normalize_match(input),
            ValueType::Ipv6List => ipv6::normalize_list(input),
            ValueType::MacAddress => mac::normalize(input),
            ValueType::PortList => port::normalize(input),
            ValueType::Enum(words) => choice::normalize_enum(words, input),
            ValueType::EnumSet(words) => choice::normalize_enum_set(words, input),
            ValueType::FlagSet(words) => choice::normalize_flag_set(words, input),
            ValueType::Rate => number::normalize_rate(input),
            ValueType::Interval { low, high } => interval::normalize(input, low, high),
            // `other` is never itself an `Either` in the menus; a nested one recurses only as deep as
            // it is written.
            ValueType::Either { word, other } if input != word => other.normalize(input),
            ValueType::Either { word, .. } => Ok(String::from(word)),
        }
    }

    /// Orders two values of this type the way `print where a<b` compares them: numbers, durations, times of day,
    /// addresses (then prefix length), MAC addresses and rates by value; everything else as canonical strings.
    /// `None` when either does not parse.
    pub fn compare(&self, a: &str, b: &str) -> Option<Ordering> {
        if a.len() > MAX_VALUE_LEN || b.len() > MAX_VALUE_LEN {
            // Text may be longer than other types, but it is always valid up to its own limit.
            if *self != ValueType::Text {
                return None;
            }
        }
        match self {
            ValueType::Integer { .. } => Some(parse_integer(a)?.cmp(&parse_integer(b)?)),
            ValueType::Duration => Some(parse_duration(a)?.cmp(&parse_duration(b)?)),
            ValueType::TimeOfDay => Some(parse_time_of_day(a)?.cmp(&parse_time_of_day(b)?)),
            ValueType::Ipv4Address => Some(parse_ipv4(a)?.cmp(&parse_ipv4(b)?)),
            ValueType::Ipv4Prefix => Some(parse_ipv4_prefix(a)?.cmp(&parse_ipv4_prefix(b)?)),
            ValueType::Ipv4Network => Some(
                parse_ipv4_prefix(a)?
                    .network()
                    .cmp(&parse_ipv4_prefix(b)?.network()),
            ),
            ValueType::Ipv4Match => Some(parse_ipv4_match(a)?.cmp(&parse_ipv4_match(b)?)),
            ValueType::MacAddress => Some(parse_mac(a)?.0.cmp(&parse_mac(b)?.0)),
            ValueType::Rate => Some(parse_rate(a)?.cmp(&parse_rate(b)?)),
            ValueType::Ipv6Address => Some(parse_ipv6(a)?.cmp(&parse_ipv6(b)?)),
            ValueType::Ipv6Prefix => Some(parse_ipv6_prefix(a)?.cmp(&parse_ipv6_prefix(b)?)),
            ValueType::Ipv6Network => Some(
                parse_ipv6_prefix(a)?
                    .network()
                    .cmp(&parse_ipv6_prefix(b)?.network()),
            ),
            ValueType::Ipv6Match => Some(parse_ipv6_match(a)?.cmp(&parse_ipv6_match(b)?)),
            // Two values of `other` compare as such; the word against anything compares as text.
            ValueType::Either { word, other } if a != *word && b != *word => other.compare(a, b),
            _ => {
                let a = self.normalize(a).ok()?;
                let b = self.normalize(b).ok()?;
                Some(a.cmp(&b))
            }
        }
    }
}

/// Splits a comma list (`established,related`) into its elements; the empty string is the empty list.
/// Elements are not trimmed: RouterOS lists have no spaces.
pub fn parse_list(s: &str) -> alloc::vec::Vec<&str> {
    if s.is_empty() {
        alloc::vec::Vec::new()
    } else {
        s.split(',').collect()
    }
}

/// A comma list whose every element `element` normalizes, in canonical form; the empty list stays empty.
fn normalize_each(
    input: &str,
    element: fn(&str) -> Result<String, ValueError>,
) -> Result<String, ValueError> {
    let mut canonical = String::new();
    for (index, item) in parse_list(input).into_iter().enumerate() {
        if index > 0 {
            canonical.push(',');
        }
        canonical.push_str(&element(item)?);
    }
    Ok(canonical)
}

/// A name (`ether1`, a list name, a comment-free identity): not empty, at most 255 characters, none of them
/// control characters (RouterOS refuses those in names).
fn normalize_name(input: &str) -> Result<String, ValueError> {
    if input.is_empty() {
        return Err(ValueError::new("value can not be empty"));
    }
    if input.chars().nth(MAX_NAME_CHARS).is_some() {
        return Err(ValueError::new("value too long"));
    }
    if input.chars().any(char::is_control) {
        return Err(ValueError::new("control characters not allowed"));
    }
    Ok(String::from(input))
}
