//! The router's calendar: seconds on its clock as dates and times of day, the date and time forms
//! RouterOS reads and writes, and the clock's time zone setting.
//!
//! The clock counts seconds since 1970-01-01 00:00:00 in the proleptic Gregorian calendar (a year is a
//! leap year when divisible by 4, except centuries not divisible by 400: 2000 was one, 2100 is not).
//! [`days_from_civil`] and [`civil_from_days`] convert between a date and its day number in constant
//! time, through the 400-year cycle of 146 097 days the calendar repeats in.
//!
//! Forms (RouterOS v7.10 and later write dates as ISO 8601):
//!
//! | what | written | also read |
//! |---|---|---|
//! | date | `2026-11-22` | `nov/22/2026` (the form before v7.10, month name in any case) |
//! | time of day | `09:15:42` | `9:15`, `09:15` ([`crate::value::parse_time_of_day`]) |
//! | date and time | `2026-11-22 09:15:42` (export headers, `last-started`, `next-run`) | |
//! | offset from UTC | `+02:00`, `-05:30` | |
//!
//! Time zones ([`gmt_offset`]): the clock shows local time, UTC plus the offset of `/system clock
//! manual time-zone` while `/system clock time-zone-name` is `manual` (the default). Other names (the
//! time zone database's `Europe/Riga`) are accepted and kept, so a pasted configuration is never
//! refused for them, but their rules are not known here: the clock then runs at UTC (`+00:00`), and
//! daylight saving time is never in effect (`dst-active: no`).
//!
//! Guarantees: no function panics or overflows on any input; parsers refuse what is not a real date
//! (`2026-02-29`, month 13) or time, and years outside [`MIN_YEAR`]`..=`[`MAX_YEAR`].

use alloc::format;
use alloc::string::String;

use crate::model::Config;
use crate::value::{format_time_of_day, parse_time_of_day};

/// Seconds in a day (the clock knows no leap seconds, as Unix time).
pub const SECONDS_PER_DAY: u64 = 86_400;
/// The first year the clock can show: it counts from 1970-01-01.
pub const MIN_YEAR: i64 = 1970;
/// The last year a date may name.
pub const MAX_YEAR: i64 = 9999;

/// Days in the calendar's 400-year cycle.
const DAYS_PER_ERA: i64 = 146_097;
/// Day number (from 1970-01-01) of 0000-03-01, the start of the era the arithmetic counts from.
const EPOCH_SHIFT: i64 = 719_468;
/// The most an offset from UTC may be: the time zones in use span -12:00 to +14:00.
const MAX_OFFSET_SECONDS: i64 = 14 * 3600;

/// The months as RouterOS writes them in dates (`nov/22/2026`) and log times (`nov/22 09:15:42`).
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// `nov`: the name of `month` (1 to 12); `jan` for a month that does not exist.
pub fn month_name(month: u32) -> &'static str {
    let index = usize::try_from(month).unwrap_or(0).wrapping_sub(1);
    MONTHS.get(index).copied().unwrap_or(MONTHS[0])
}

/// A day of the calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to the month's length.
    pub day: u32,
}

impl Date {
    /// The date, if it is a day of the calendar between [`MIN_YEAR`] and [`MAX_YEAR`].
    pub fn new(year: i64, month: u32, day: u32) -> Option<Date> {
        let valid = (MIN_YEAR..=MAX_YEAR).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// The date of the day `seconds` falls on.
    pub fn of_seconds(seconds: u64) -> Date {
        let days = i64::try_from(seconds / SECONDS_PER_DAY).unwrap_or(i64::MAX);
        let (year, month, day) = civil_from_days(days);
        Date { year, month, day }
    }

    /// Seconds from 1970-01-01 00:00:00 to this date's midnight.
    pub fn seconds(self) -> u64 {
        let days = days_from_civil(self.year, self.month, self.day);
        u64::try_from(days)
            .unwrap_or(0)
            .saturating_mul(SECONDS_PER_DAY)
    }
}

/// Whether `year` has a 29 February.
pub fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` (1 to 12) of `year`; 0 for a month that does not exist.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// The day number of a date: days from 1970-01-01 (negative before it). `month` is 1 to 12 and
/// `day` 1 to 31; the result for other values is unspecified but never a panic.
///
/// The year is taken to start on 1 March, so that the leap day ends it; the days before a month's
/// first (from March) are then `(153 * m + 2) / 5` for m = 0 (March) to 11 (February).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = year.clamp(-1_000_000, 1_000_000);
    let month = i64::from(month.clamp(1, 12));
    let day = i64::from(day.min(31));
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * DAYS_PER_ERA + day_of_era - EPOCH_SHIFT
}

/// The (year, month 1–12, day 1–31) of day number `days` (days from 1970-01-01), the inverse of
/// [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days.clamp(-400_000_000, 400_000_000) + EPOCH_SHIFT;
    let era = days.div_euclid(DAYS_PER_ERA);
    let day_of_era = days.rem_euclid(DAYS_PER_ERA);
    // Every 4th year of the era is a leap year, except the 100th and 200th and 300th.
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

/// `2026-11-22`: the date of `seconds`.
pub fn format_date(seconds: u64) -> String {
    let date = Date::of_seconds(seconds);
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

/// `09:15:42`: the time of day of `seconds`.
pub fn format_time(seconds: u64) -> String {
    format_time_of_day((seconds % SECONDS_PER_DAY) as u32)
}

/// `2026-11-22 09:15:42`.
pub fn format_date_time(seconds: u64) -> String {
    format!("{} {}", format_date(seconds), format_time(seconds))
}

/// A date as RouterOS reads it: `2026-11-22`, or `nov/22/2026` as written before v7.10.
pub fn parse_date(text: &str) -> Option<Date> {
    if let Some((month, rest)) = text.split_once('/') {
        let (day, year) = rest.split_once('/')?;
        let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))?;
        return Date::new(
            number(year, 4, 4)?,
            month as u32 + 1,
            number(day, 1, 2)? as u32,
        );
    }
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Date::new(
        number(year, 4, 4)?,
        number(month, 2, 2)? as u32,
        number(day, 2, 2)? as u32,
    )
}

/// Seconds since midnight of a time of day (`09:15:42`, `9:15`).
pub fn parse_time(text: &str) -> Option<u32> {
    parse_time_of_day(text)
}

/// An offset from UTC, `+02:00` or `-05:30`, in seconds (east of Greenwich positive); at most
/// 14 hours either way.
pub fn parse_gmt_offset(text: &str) -> Option<i64> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, text.get(1..)?),
        b'-' => (-1, text.get(1..)?),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':')?;
    let hours = number(hours, 1, 2)?;
    let minutes = number(minutes, 2, 2)?;
    if minutes >= 60 {
        return None;
    }
    let seconds = hours * 3600 + minutes * 60;
    (seconds <= MAX_OFFSET_SECONDS).then_some(sign * seconds)
}

/// `+02:00`, `-05:30`, `+00:00`.
pub fn format_gmt_offset(seconds: i64) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The offset from UTC of the router's local time, in seconds, as `config` sets it (see the module
/// docs): `/system clock manual time-zone` while the time zone name is `manual`, else UTC.
pub fn gmt_offset(config: &Config) -> i64 {
    let clock = crate::model::menus::menu("system/clock");
    let manual = crate::model::menus::menu("system/clock/manual");
    let name = clock.and_then(|menu| config.singleton_value(menu, "time-zone-name"));
    if name.is_some_and(|name| name != "manual") {
        return 0;
    }
    manual
        .and_then(|menu| config.singleton_value(menu, "time-zone"))
        .and_then(parse_gmt_offset)
        .unwrap_or(0)
}

/// A number of `min..=max` decimal digits.
fn number(digits: &str, min: usize, max: usize) -> Option<i64> {
    if !(min..=max).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        // 2000 is a leap year (divisible by 400): 29 February exists and 1 March follows it.
        assert_eq!(days_from_civil(2000, 1, 1), 10_957);
        assert_eq!(days_from_civil(2000, 2, 29), 11_016);
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        // 2100 is not (a century not divisible by 400): 28 February is followed by 1 March.
        assert_eq!(
            days_from_civil(2100, 3, 1) - days_from_civil(2100, 2, 28),
            1
        );
        assert_eq!(days_from_civil(2100, 1, 1), 47_482);
        // 2024 is; 2026 is not.
        assert_eq!(
            days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28),
            2
        );
        assert_eq!(
            days_from_civil(2026, 3, 1) - days_from_civil(2026, 2, 28),
            1
        );
        // The last second of 32-bit Unix time: 2038-01-19 03:14:07.
        assert_eq!(format_date_time(2_147_483_647), "2038-01-19 03:14:07");
        assert_eq!(format_date_time(0), "1970-01-01 00:00:00");
        // A date the brief's example names: 2026-11-22 09:15:42.
        assert_eq!(format_date_time(1_795_338_942), "2026-11-22 09:15:42");
    }

    #[test]
    fn leap_years() {
        assert!(is_leap(2000) && is_leap(2024) && is_leap(1972));
        assert!(!is_leap(1900) && !is_leap(2100) && !is_leap(2026));
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
        assert_eq!(days_in_month(2026, 13), 0);
    }

    #[test]
    fn every_day_round_trips_and_follows_the_previous() {
        // 1970 to beyond 2400: every day number maps to a valid date and back, one day apart.
        let mut previous = civil_from_days(-1);
        for days in 0..160_000 {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days);
            assert!(day >= 1 && day <= days_in_month(year, month), "{days}");
            let next_day = (previous.0, previous.1, previous.2 + 1);
            let next_month = (previous.0, previous.1 + 1, 1);
            let next_year = (previous.0 + 1, 1, 1);
            assert!(
                [next_day, next_month, next_year].contains(&(year, month, day)),
                "{previous:?} then {:?}",
                (year, month, day)
            );
            previous = (year, month, day);
        }
    }

    #[test]
    fn dates_parse_in_both_forms() {
        let date = Date::new(2026, 11, 22).unwrap();
        assert_eq!(parse_date("2026-11-22"), Some(date));
        assert_eq!(parse_date("nov/22/2026"), Some(date));
        assert_eq!(parse_date("Nov/22/2026"), Some(date));
        assert_eq!(parse_date("jan/01/1970").map(Date::seconds), Some(0));
        assert_eq!(
            parse_date("2000-02-29").map(Date::seconds),
            Some(951_782_400)
        );
        for bad in [
            "2026-02-29",
            "2100-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-11-31",
            "1969-12-31",
            "26-11-22",
            "2026-1-22",
            "2026-11-22-1",
            "xyz/22/2026",
            "nov/22/26",
            "nov/32/2026",
            "",
            "+026-11-22",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn seconds_to_date_and_time() {
        let at = parse_date("2024-02-29").unwrap().seconds() + 23 * 3600 + 59 * 60 + 59;
        assert_eq!(format_date(at), "2024-02-29");
        assert_eq!(format_time(at), "23:59:59");
        assert_eq!(format_date(at + 1), "2024-03-01");
        assert_eq!(format_time(at + 1), "00:00:00");
        // The largest clock value still gives a date, without a panic.
        let _ = format_date_time(u64::MAX);
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_gmt_offset("+02:00"), Some(7200));
        assert_eq!(parse_gmt_offset("-05:30"), Some(-19_800));
        assert_eq!(parse_gmt_offset("+0:00"), Some(0));
        assert_eq!(parse_gmt_offset("+14:00"), Some(50_400));
        for bad in ["02:00", "+15:00", "+02:60", "+2", "", "+", "-05:3"] {
            assert_eq!(parse_gmt_offset(bad), None, "{bad}");
        }
        assert_eq!(format_gmt_offset(0), "+00:00");
        assert_eq!(format_gmt_offset(-19_800), "-05:30");
        assert_eq!(format_gmt_offset(7200), "+02:00");
    }
}
