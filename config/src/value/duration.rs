//! RouterOS time values (`timeout=1d`, `lease-time=00:10:00`, `interval=500ms`).
//!
//! Input forms RouterOS accepts (routeros-reference §6, "Time"):
//! * units `w`, `d`, `h`, `m`, `s`, `ms` combined, each at most once and largest first: `1w2d`, `1d2h3m4s`,
//!   `500ms`, `1h30m`; zero parts are allowed (`1d0h`). `us` (microseconds) is accepted after `ms` as well,
//!   because RouterOS v7 prints sub-millisecond times that way (`1ms223us`) and a duration must print losslessly;
//! * the clock form `hh:mm:ss` (`00:05:00` = 5 minutes), hours unbounded, minutes and seconds below 60, with an
//!   optional fraction of a second of up to six digits (`00:00:00.5`);
//! * weeks/days in front of a clock without a space (`1d00:00:00`, `1w2d12:00:00`); then hours are below 24;
//! * a bare number, meaning seconds (`30`).
//!
//! Anything longer than ten years (of 365 days) is refused.
//!
//! Canonical form is RouterOS's compact print: units largest first, zero parts left out (`1d`, `4m59s`,
//! `2d20h12m20s`, `1w2d`, `500ms`, `1s500ms`); no time at all is `0s`.

use alloc::string::String;
use core::fmt::Write;

use netstack::Duration;

use super::ValueError;
use super::number::{NumberError, decimal};

const MICROS_PER_SECOND: u64 = 1_000_000;

/// Ten years of 365 days, the longest time a property may hold.
pub const MAX_DURATION: Duration = Duration::from_secs(10 * 365 * 86_400);

/// The units in the order they must appear, with their length in microseconds.
const UNITS: [(&str, u64); 7] = [
    ("w", 7 * 86_400 * MICROS_PER_SECOND),
    ("d", 86_400 * MICROS_PER_SECOND),
    ("h", 3_600 * MICROS_PER_SECOND),
    ("m", 60 * MICROS_PER_SECOND),
    ("s", MICROS_PER_SECOND),
    ("ms", 1_000),
    ("us", 1),
];

/// Position of `d` in [`UNITS`]: only `w` and `d` may stand in front of a clock.
const LAST_UNIT_BEFORE_CLOCK: usize = 1;

/// A RouterOS time in any accepted form; `None` when malformed or above [`MAX_DURATION`].
pub fn parse_duration(s: &str) -> Option<Duration> {
    micros(s).ok().map(Duration::from_micros)
}

/// A duration as RouterOS prints it: `1w2d`, `4m59s`, `1s500ms`, `0s`.
pub fn format_duration(d: Duration) -> String {
    let mut remaining = d.total_micros();
    let mut text = String::new();
    for (unit, length) in UNITS {
        let count = remaining / length;
        remaining %= length;
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

pub(super) fn normalize(input: &str) -> Result<String, ValueError> {
    match micros(input) {
        Ok(micros) => Ok(format_duration(Duration::from_micros(micros))),
        Err(NumberError::Overflow) => Err(ValueError::new("value out of range")),
        Err(NumberError::Syntax) => Err(ValueError::new("invalid time")),
    }
}

fn micros(s: &str) -> Result<u64, NumberError> {
    if s.is_empty() {
        return Err(NumberError::Syntax);
    }
    let total = if s.bytes().all(|b| b.is_ascii_digit()) {
        decimal(s)?
            .checked_mul(MICROS_PER_SECOND)
            .ok_or(NumberError::Overflow)?
    } else if let Some((before_colon, _)) = s.split_once(':') {
        // `1w2d12:00:00`: the units end at the last letter before the first colon.
        let clock_start = before_colon
            .rfind(|c: char| c.is_ascii_alphabetic())
            .map_or(0, |at| at + 1);
        let (units, clock_text) = s.split_at_checked(clock_start).ok_or(NumberError::Syntax)?;
        let days = sum_units(units, LAST_UNIT_BEFORE_CLOCK)?;
        let hour_limit = if units.is_empty() { None } else { Some(24) };
        days.checked_add(clock(clock_text, hour_limit)?)
            .ok_or(NumberError::Overflow)?
    } else {
        sum_units(s, UNITS.len() - 1)?
    };
    if total > MAX_DURATION.total_micros() {
        return Err(NumberError::Overflow);
    }
    Ok(total)
}

/// `<digits><unit>...` with units strictly descending and none after `UNITS[last_unit]`.
fn sum_units(s: &str, last_unit: usize) -> Result<u64, NumberError> {
    let mut rest = s;
    let mut total: u64 = 0;
    let mut next_allowed = 0;
    while !rest.is_empty() {
        let digits_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (digits, after_digits) = rest
            .split_at_checked(digits_end)
            .ok_or(NumberError::Syntax)?;
        let unit_end = after_digits
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after_digits.len());
        let (unit, after_unit) = after_digits
            .split_at_checked(unit_end)
            .ok_or(NumberError::Syntax)?;
        // A number without a unit (`1m30`) or an unknown unit (`5y`) is a syntax error.
        let rank = UNITS
            .iter()
            .position(|&(name, _)| name == unit)
            .ok_or(NumberError::Syntax)?;
        if rank < next_allowed || rank > last_unit {
            return Err(NumberError::Syntax);
        }
        let length = UNITS.get(rank).map_or(1, |&(_, length)| length);
        let part = decimal(digits)?
            .checked_mul(length)
            .ok_or(NumberError::Overflow)?;
        total = total.checked_add(part).ok_or(NumberError::Overflow)?;
        next_allowed = rank + 1;
        rest = after_unit;
    }
    Ok(total)
}

/// `h+:mm:ss[.f]` in microseconds; with `hour_limit`, hours must stay below it.
fn clock(s: &str, hour_limit: Option<u64>) -> Result<u64, NumberError> {
    let mut parts = s.split(':');
    let (Some(hours), Some(minutes), Some(seconds), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(NumberError::Syntax);
    };
    let (seconds, fraction) = match seconds.split_once('.') {
        Some((seconds, fraction)) => (seconds, Some(fraction)),
        None => (seconds, None),
    };
    let hours = decimal(hours)?;
    if hour_limit.is_some_and(|limit| hours >= limit) {
        return Err(NumberError::Syntax);
    }
    let minutes = sixty(minutes)?;
    let seconds = sixty(seconds)?;
    let fraction_micros = match fraction {
        None => 0,
        Some(digits) if (1..=6).contains(&digits.len()) => {
            let scale = 10u64.pow(6 - u32::try_from(digits.len()).unwrap_or(6));
            decimal(digits)?.saturating_mul(scale)
        }
        Some(_) => return Err(NumberError::Syntax),
    };
    let whole_seconds = hours
        .checked_mul(3_600)
        .and_then(|s| s.checked_add(minutes * 60 + seconds))
        .ok_or(NumberError::Overflow)?;
    whole_seconds
        .checked_mul(MICROS_PER_SECOND)
        .and_then(|m| m.checked_add(fraction_micros))
        .ok_or(NumberError::Overflow)
}

/// Exactly two digits below 60 (minutes and seconds of a clock).
fn sixty(digits: &str) -> Result<u64, NumberError> {
    if digits.len() != 2 {
        return Err(NumberError::Syntax);
    }
    match decimal(digits)? {
        value @ 0..=59 => Ok(value),
        _ => Err(NumberError::Syntax),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn unit_forms() {
        assert_eq!(parse_duration("1w2d"), Some(secs(9 * 86_400)));
        assert_eq!(
            parse_duration("1d2h3m4s"),
            Some(secs(86_400 + 2 * 3_600 + 3 * 60 + 4))
        );
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("1h30m"), Some(secs(5_400)));
        assert_eq!(
            parse_duration("1s500ms"),
            Some(Duration::from_millis(1_500))
        );
        assert_eq!(
            parse_duration("1ms223us"),
            Some(Duration::from_micros(1_223))
        );
        assert_eq!(parse_duration("1d0h"), Some(secs(86_400)));
        assert_eq!(parse_duration("90m"), Some(secs(5_400)));
        assert_eq!(parse_duration("0s"), Some(secs(0)));
    }

    #[test]
    fn clock_and_bare_forms() {
        assert_eq!(parse_duration("00:05:00"), Some(secs(300)));
        assert_eq!(parse_duration("1:00:00"), Some(secs(3_600)));
        assert_eq!(parse_duration("36:00:00"), Some(secs(36 * 3_600)));
        assert_eq!(parse_duration("1d00:00:00"), Some(secs(86_400)));
        assert_eq!(
            parse_duration("1w2d12:30:15"),
            Some(secs(9 * 86_400 + 12 * 3_600 + 30 * 60 + 15))
        );
        assert_eq!(
            parse_duration("00:00:01.5"),
            Some(Duration::from_millis(1_500))
        );
        assert_eq!(
            parse_duration("00:00:00.000001"),
            Some(Duration::from_micros(1))
        );
        assert_eq!(parse_duration("30"), Some(secs(30)));
        assert_eq!(parse_duration("0"), Some(secs(0)));
        assert_eq!(parse_duration("000000000000000000000030"), Some(secs(30)));
    }

    #[test]
    fn malformed_times() {
        for bad in [
            "",
            "s",
            "1x",
            "1y",
            "1m30",
            "1s1m",
            "1h1h",
            "1msms",
            "1S",
            "1 d",
            " 1d",
            "1d ",
            "-1s",
            "1.5s",
            "1d 00:00:00",
            "1h00:00:00",
            "1d24:00:00",
            "00:60:00",
            "00:00:60",
            "00:5:00",
            "00:05",
            "05:00:00:00",
            ":00:00",
            "00:00:00.",
            "00:00:00.1234567",
            "00:00:00.5x",
            "1d:00:00",
            "1d2x00:00:00",
            "٣s",
            "1ß",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ten_years_is_the_limit() {
        assert_eq!(parse_duration("3650d"), Some(MAX_DURATION));
        assert_eq!(parse_duration("3650d1us"), None);
        assert_eq!(parse_duration("521w3d"), Some(MAX_DURATION));
        assert_eq!(parse_duration("315360001"), None);
        assert_eq!(parse_duration("99999999999999999999999w"), None);
        assert_eq!(parse_duration("87601:00:00"), None);
        assert_eq!(
            normalize("3651d").unwrap_err().message,
            "value out of range"
        );
        assert_eq!(normalize("1q").unwrap_err().message, "invalid time");
    }

    #[test]
    fn compact_print() {
        assert_eq!(format_duration(secs(0)), "0s");
        assert_eq!(format_duration(secs(86_400)), "1d");
        assert_eq!(format_duration(secs(299)), "4m59s");
        assert_eq!(
            format_duration(secs(2 * 86_400 + 20 * 3_600 + 12 * 60 + 20)),
            "2d20h12m20s"
        );
        assert_eq!(format_duration(secs(7 * 86_400)), "1w");
        assert_eq!(format_duration(secs(9 * 86_400)), "1w2d");
        assert_eq!(format_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(format_duration(Duration::from_millis(1_500)), "1s500ms");
        assert_eq!(format_duration(Duration::from_micros(1_223)), "1ms223us");
        assert_eq!(format_duration(secs(3_601)), "1h1s");
    }

    #[test]
    fn normalize_prints_compactly() {
        assert_eq!(normalize("00:05:00").unwrap(), "5m");
        assert_eq!(normalize("1d00:00:00").unwrap(), "1d");
        assert_eq!(normalize("90m").unwrap(), "1h30m");
        assert_eq!(normalize("86400").unwrap(), "1d");
        assert_eq!(normalize("0").unwrap(), "0s");
        assert_eq!(normalize("1000ms").unwrap(), "1s");
        assert_eq!(normalize("00:00:00.25").unwrap(), "250ms");
    }
}
