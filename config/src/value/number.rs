//! Numbers as RouterOS reads and prints them: booleans, integers and bit rates.
//!
//! * Booleans are `yes`/`no` in the console and `true`/`false` in the REST API (routeros-reference §6, §7); both
//!   are accepted, `yes`/`no` is canonical.
//! * Integers are decimal, optionally negative, and may be typed in hex with `0x` (`mtu=0x5dc`); they print in
//!   decimal. A property's range is checked here and reported like RouterOS: `value out of range (68..65535)`.
//! * Rates (queue `max-limit=10M`) are bits per second with decimal suffixes `k` = 1000, `M` = 10^6, `G` = 10^9,
//!   and a fraction is allowed when the result is a whole number (`2.5M`). They print with the largest suffix
//!   that divides the value exactly (`10M`, `2500k`, `1500`).

use alloc::format;
use alloc::string::String;

use super::ValueError;

/// `yes`/`true` and `no`/`false`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "yes" | "true" => Some(true),
        "no" | "false" => Some(false),
        _ => None,
    }
}

pub(super) fn normalize_bool(input: &str) -> Result<String, ValueError> {
    match parse_bool(input) {
        Some(true) => Ok(String::from("yes")),
        Some(false) => Ok(String::from("no")),
        None => Err(ValueError::new("expected yes or no")),
    }
}

/// Why a number did not parse (shared by every type here that reads digits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NumberError {
    /// Not a number at all.
    Syntax,
    /// Well-formed, but too large for its type.
    Overflow,
}

/// A decimal integer with optional `-`, or hex after `0x`/`0X` (`-0x10` = -16).
pub fn parse_integer(s: &str) -> Option<i64> {
    integer(s).ok()
}

fn integer(s: &str) -> Result<i64, NumberError> {
    let (negative, magnitude) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let hex = magnitude
        .strip_prefix("0x")
        .or_else(|| magnitude.strip_prefix("0X"));
    let magnitude = match hex {
        Some(digits) => unsigned(digits, 16)?,
        None => unsigned(magnitude, 10)?,
    };
    if negative {
        // 0 - 2^63 is still representable, so i64::MIN parses.
        0i64.checked_sub_unsigned(magnitude)
            .ok_or(NumberError::Overflow)
    } else {
        i64::try_from(magnitude).map_err(|_| NumberError::Overflow)
    }
}

/// Non-empty digits of `radix`, nothing else.
fn unsigned(digits: &str, radix: u32) -> Result<u64, NumberError> {
    if digits.is_empty() {
        return Err(NumberError::Syntax);
    }
    let mut value: u64 = 0;
    let mut overflow = false;
    for c in digits.chars() {
        let digit = c.to_digit(radix).ok_or(NumberError::Syntax)?;
        // Keep scanning after an overflow so `99999999999999999999x` is still a syntax error.
        match value
            .checked_mul(u64::from(radix))
            .and_then(|v| v.checked_add(u64::from(digit)))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
    }
    if overflow {
        Err(NumberError::Overflow)
    } else {
        Ok(value)
    }
}

pub(super) fn normalize_integer(input: &str, min: i64, max: i64) -> Result<String, ValueError> {
    let out_of_range = || ValueError {
        message: format!("value out of range ({min}..{max})"),
    };
    match integer(input) {
        Ok(value) if min <= value && value <= max => Ok(format!("{value}")),
        Ok(_) | Err(NumberError::Overflow) => Err(out_of_range()),
        Err(NumberError::Syntax) => Err(ValueError::new("invalid number")),
    }
}

/// Decimal rate suffixes, largest first.
const RATE_SUFFIXES: [(u64, char); 3] = [(1_000_000_000, 'G'), (1_000_000, 'M'), (1_000, 'k')];

/// Bits per second: `1500`, `10M`, `2.5M`, `64k` (also `K`); `None` when malformed, not a whole number of bits
/// or above `u64::MAX`.
pub fn parse_rate(s: &str) -> Option<u64> {
    rate(s).ok()
}

fn rate(s: &str) -> Result<u64, NumberError> {
    let suffixed = [
        ('k', 1_000u64),
        ('K', 1_000),
        ('M', 1_000_000),
        ('G', 1_000_000_000),
    ]
    .into_iter()
    .find_map(|(suffix, multiplier)| Some((s.strip_suffix(suffix)?, multiplier)));
    let (number, multiplier) = suffixed.unwrap_or((s, 1));
    let (whole, fraction) = match number.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (number, None),
    };
    let whole = decimal(whole)?;
    let mut value = whole.checked_mul(multiplier).ok_or(NumberError::Overflow)?;
    if let Some(fraction) = fraction {
        // At most nine digits: enough for the smallest step of `G`, and 10^9 * 10^9 fits in u64.
        if fraction.len() > 9 {
            return Err(NumberError::Syntax);
        }
        let digits = decimal(fraction)?;
        let scale = 10u64.pow(u32::try_from(fraction.len()).map_err(|_| NumberError::Syntax)?);
        let scaled = digits
            .checked_mul(multiplier)
            .ok_or(NumberError::Overflow)?;
        if !scaled.is_multiple_of(scale) {
            // `1.5` bits per second or `1.0005k`: not a whole number of bits.
            return Err(NumberError::Syntax);
        }
        value = value
            .checked_add(scaled / scale)
            .ok_or(NumberError::Overflow)?;
    }
    Ok(value)
}

/// Non-empty ASCII decimal digits (leading zeros allowed) as a `u64`.
pub(super) fn decimal(digits: &str) -> Result<u64, NumberError> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::Syntax);
    }
    digits.bytes().try_fold(0u64, |value, b| {
        value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or(NumberError::Overflow)
    })
}

/// A rate as RouterOS prints it: the largest suffix that divides it exactly (`10M`, `2500k`, `1500`, `0`).
pub fn format_rate(bits_per_second: u64) -> String {
    for (size, suffix) in RATE_SUFFIXES {
        if bits_per_second != 0 && bits_per_second.is_multiple_of(size) {
            return format!("{}{suffix}", bits_per_second / size);
        }
    }
    format!("{bits_per_second}")
}

pub(super) fn normalize_rate(input: &str) -> Result<String, ValueError> {
    match rate(input) {
        Ok(value) => Ok(format_rate(value)),
        Err(NumberError::Overflow) => Err(ValueError::new("value out of range")),
        Err(NumberError::Syntax) => Err(ValueError::new("invalid rate")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_accept_console_and_rest_words() {
        assert_eq!(parse_bool("yes"), Some(true));
        assert_eq!(parse_bool("true"), Some(true));
        assert_eq!(parse_bool("no"), Some(false));
        assert_eq!(parse_bool("false"), Some(false));
        assert_eq!(parse_bool("Yes"), None);
        assert_eq!(parse_bool(""), None);
        assert_eq!(parse_bool("1"), None);
        assert_eq!(normalize_bool("true").unwrap(), "yes");
        assert_eq!(normalize_bool("no").unwrap(), "no");
        assert_eq!(
            normalize_bool("maybe").unwrap_err().message,
            "expected yes or no"
        );
    }

    #[test]
    fn integers_in_decimal_and_hex() {
        assert_eq!(parse_integer("0"), Some(0));
        assert_eq!(parse_integer("1500"), Some(1500));
        assert_eq!(parse_integer("-42"), Some(-42));
        assert_eq!(parse_integer("007"), Some(7));
        assert_eq!(parse_integer("0x5dc"), Some(1500));
        assert_eq!(parse_integer("0X5DC"), Some(1500));
        assert_eq!(parse_integer("-0x10"), Some(-16));
        assert_eq!(parse_integer("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_integer("-9223372036854775808"), Some(i64::MIN));
    }

    #[test]
    fn integer_garbage_and_overflow() {
        for bad in [
            "", "-", "+1", "1.5", "1e3", "0x", "0xg", "--1", " 1", "1 ", "١", "12a",
        ] {
            assert_eq!(parse_integer(bad), None, "{bad:?}");
        }
        assert_eq!(parse_integer("9223372036854775808"), None);
        assert_eq!(parse_integer("-9223372036854775809"), None);
        assert_eq!(parse_integer("0x10000000000000000"), None);
        assert_eq!(parse_integer("99999999999999999999999999"), None);
    }

    #[test]
    fn integer_range_and_messages() {
        assert_eq!(normalize_integer("0x5dc", 68, 65535).unwrap(), "1500");
        assert_eq!(normalize_integer("-0", -5, 5).unwrap(), "0");
        assert_eq!(normalize_integer("0068", 68, 65535).unwrap(), "68");
        assert_eq!(
            normalize_integer("67", 68, 65535).unwrap_err().message,
            "value out of range (68..65535)"
        );
        assert_eq!(
            normalize_integer("65536", 68, 65535).unwrap_err().message,
            "value out of range (68..65535)"
        );
        assert_eq!(
            normalize_integer("99999999999999999999", 0, 10)
                .unwrap_err()
                .message,
            "value out of range (0..10)"
        );
        assert_eq!(
            normalize_integer("9999999999999999999x", 0, 10)
                .unwrap_err()
                .message,
            "invalid number"
        );
        assert_eq!(
            normalize_integer("ten", 0, 10).unwrap_err().message,
            "invalid number"
        );
        // An empty range refuses everything rather than misbehaving.
        assert!(normalize_integer("5", 10, 0).is_err());
    }

    #[test]
    fn rates_with_suffixes_and_fractions() {
        assert_eq!(parse_rate("0"), Some(0));
        assert_eq!(parse_rate("1500"), Some(1500));
        assert_eq!(parse_rate("64k"), Some(64_000));
        assert_eq!(parse_rate("64K"), Some(64_000));
        assert_eq!(parse_rate("10M"), Some(10_000_000));
        assert_eq!(parse_rate("2.5M"), Some(2_500_000));
        assert_eq!(parse_rate("1G"), Some(1_000_000_000));
        assert_eq!(parse_rate("1.000000001G"), Some(1_000_000_001));
        assert_eq!(parse_rate("2.0"), Some(2));
        assert_eq!(parse_rate("18446744073709551615"), Some(u64::MAX));
    }

    #[test]
    fn bad_rates() {
        for bad in [
            "",
            "k",
            "M",
            ".5M",
            "5.M",
            "1.5",
            "1.0005k",
            "10m",
            "10T",
            "1,5M",
            "-1",
            "1 M",
            "1.0000000001G",
            "1.2.3M",
            "⅕M",
        ] {
            assert_eq!(parse_rate(bad), None, "{bad:?}");
        }
        assert_eq!(parse_rate("18446744073709551616"), None);
        assert_eq!(parse_rate("18446744073709552G"), None);
        assert_eq!(
            normalize_rate("99999999999G").unwrap_err().message,
            "value out of range"
        );
        assert_eq!(normalize_rate("fast").unwrap_err().message, "invalid rate");
    }

    #[test]
    fn rates_print_with_the_largest_exact_suffix() {
        assert_eq!(format_rate(0), "0");
        assert_eq!(format_rate(1500), "1500");
        assert_eq!(format_rate(2_500_000), "2500k");
        assert_eq!(format_rate(10_000_000), "10M");
        assert_eq!(format_rate(3_000_000_000), "3G");
        assert_eq!(format_rate(1_000_000_001), "1000000001");
        assert_eq!(normalize_rate("10000000").unwrap(), "10M");
        assert_eq!(normalize_rate("2.5M").unwrap(), "2500k");
        assert_eq!(normalize_rate("0.5k").unwrap(), "500");
        assert_eq!(normalize_rate("1000M").unwrap(), "1G");
    }
}
