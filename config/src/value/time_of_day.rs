//! A time of day (`/system scheduler start-time=03:00:00`, `/system clock time=`).
//!
//! Input is `hh:mm:ss`, or `hh:mm` / `h:mm` with seconds zero; hours are 0–23, minutes and seconds 0–59 and
//! written with two digits. RouterOS prints it as `hh:mm:ss` (`03:00:00`).

use alloc::format;
use alloc::string::String;

use super::ValueError;
use super::number::decimal;

const SECONDS_PER_DAY: u32 = 86_400;

/// Seconds since midnight of `h:mm`, `hh:mm` or `hh:mm:ss`; `None` when malformed or not a time on a clock.
pub fn parse_time_of_day(s: &str) -> Option<u32> {
    let mut parts = s.split(':');
    let hours = parts.next()?;
    let minutes = parts.next()?;
    let seconds = parts.next();
    if parts.next().is_some() || !(1..=2).contains(&hours.len()) {
        return None;
    }
    let hours = field(hours, 23)?;
    let minutes = two_digits(minutes, 59)?;
    let seconds = match seconds {
        Some(seconds) => two_digits(seconds, 59)?,
        None => 0,
    };
    Some(hours * 3_600 + minutes * 60 + seconds)
}

/// `hh:mm:ss` of a number of seconds since midnight (whole days are dropped).
pub fn format_time_of_day(seconds: u32) -> String {
    let seconds = seconds % SECONDS_PER_DAY;
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3_600,
        seconds / 60 % 60,
        seconds % 60
    )
}

pub(super) fn normalize(input: &str) -> Result<String, ValueError> {
    parse_time_of_day(input)
        .map(format_time_of_day)
        .ok_or_else(|| ValueError::new("invalid time of day"))
}

fn two_digits(digits: &str, max: u32) -> Option<u32> {
    if digits.len() != 2 {
        return None;
    }
    field(digits, max)
}

fn field(digits: &str, max: u32) -> Option<u32> {
    let value = u32::try_from(decimal(digits).ok()?).ok()?;
    (value <= max).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        assert_eq!(parse_time_of_day("03:00:00"), Some(3 * 3_600));
        assert_eq!(parse_time_of_day("3:00"), Some(3 * 3_600));
        assert_eq!(parse_time_of_day("03:30"), Some(3 * 3_600 + 30 * 60));
        assert_eq!(parse_time_of_day("3:00:07"), Some(3 * 3_600 + 7));
        assert_eq!(parse_time_of_day("00:00:00"), Some(0));
        assert_eq!(parse_time_of_day("23:59:59"), Some(86_399));
    }

    #[test]
    fn refused_forms() {
        for bad in [
            "",
            "3",
            "24:00:00",
            "12:60",
            "12:00:60",
            "12:5",
            "123:00",
            ":00",
            "12:",
            "12:00:",
            "12:00:00:00",
            "12:00:5",
            "-1:00",
            "1h",
            "12:0a",
            "١٢:00",
            "12:00:00.5",
        ] {
            assert_eq!(parse_time_of_day(bad), None, "{bad:?}");
        }
        assert_eq!(
            normalize("25:00").unwrap_err().message,
            "invalid time of day"
        );
    }

    #[test]
    fn printed_with_seconds() {
        assert_eq!(format_time_of_day(3 * 3_600), "03:00:00");
        assert_eq!(format_time_of_day(86_399), "23:59:59");
        assert_eq!(format_time_of_day(86_400 + 61), "00:01:01");
        assert_eq!(format_time_of_day(u32::MAX), "06:28:15");
        assert_eq!(normalize("3:00").unwrap(), "03:00:00");
        assert_eq!(normalize("7:05:09").unwrap(), "07:05:09");
    }
}
