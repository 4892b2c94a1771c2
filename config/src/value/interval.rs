//! Time intervals `min-max` (`/ipv6 nd ra-interval=3m20s-10m`): two RouterOS times (see
//! [`super::duration`]) joined by `-`, the first no longer than the second, each within its own bounds
//! (RFC 4861 §6.2.1: MinRtrAdvInterval 3 s .. 1250 s, MaxRtrAdvInterval 4 s .. 1800 s). RouterOS's
//! syntax makes the upper end optional, so a single time is accepted too, within the bounds of the
//! lower end; it is kept as written, one time.
//!
//! Canonical form: each time in compact print, `3m20s-10m` for `200s-600s`.

use alloc::format;
use alloc::string::String;

use netstack::Duration;

use super::ValueError;
use super::duration::{format_duration, parse_duration};

/// An interval's lower end and its upper end, if one was given.
pub fn parse_interval(s: &str) -> Option<(Duration, Option<Duration>)> {
    match s.split_once('-') {
        Some((low, high)) => {
            let (low, high) = (parse_duration(low)?, parse_duration(high)?);
            (low <= high).then_some((low, Some(high)))
        }
        None => Some((parse_duration(s)?, None)),
    }
}

/// Checks `input` against the bounds (whole seconds, inclusive) of each end and returns its canonical
/// form.
pub(super) fn normalize(
    input: &str,
    low: (u32, u32),
    high: (u32, u32),
) -> Result<String, ValueError> {
    let within = |d: Duration, (min, max): (u32, u32)| {
        Duration::from_secs(u64::from(min)) <= d && d <= Duration::from_secs(u64::from(max))
    };
    let out_of_range =
        |(min, max): (u32, u32)| ValueError::new(&format!("value out of range ({min}s..{max}s)"));
    let Some((first, second)) = parse_interval(input) else {
        return Err(ValueError::new("invalid time interval"));
    };
    if !within(first, low) {
        return Err(out_of_range(low));
    }
    match second {
        None => Ok(format_duration(first)),
        Some(second) if within(second, high) => Ok(format!(
            "{}-{}",
            format_duration(first),
            format_duration(second)
        )),
        Some(_) => Err(out_of_range(high)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RA: ((u32, u32), (u32, u32)) = ((3, 1250), (4, 1800));

    fn ra(input: &str) -> Result<String, String> {
        normalize(input, RA.0, RA.1).map_err(|e| e.message)
    }

    #[test]
    fn router_advertisement_intervals() {
        assert_eq!(ra("200s-600s").as_deref(), Ok("3m20s-10m"));
        assert_eq!(ra("3m20s-10m").as_deref(), Ok("3m20s-10m"));
        assert_eq!(ra("30-100").as_deref(), Ok("30s-1m40s"));
        assert_eq!(ra("10s").as_deref(), Ok("10s"));
        assert_eq!(ra("3s-4s").as_deref(), Ok("3s-4s"));
        assert_eq!(ra("20m50s-30m").as_deref(), Ok("20m50s-30m"));
        assert_eq!(ra("10s-10s").as_deref(), Ok("10s-10s"));
        assert_eq!(ra("2s-10s").unwrap_err(), "value out of range (3s..1250s)");
        assert_eq!(ra("10s-31m").unwrap_err(), "value out of range (4s..1800s)");
        assert_eq!(ra("1h").unwrap_err(), "value out of range (3s..1250s)");
        for bad in [
            "",
            "-",
            "10s-",
            "-10s",
            "10s-5s",
            "10s-20s-30s",
            "ten",
            "10s 20s",
        ] {
            assert_eq!(ra(bad).unwrap_err(), "invalid time interval", "{bad:?}");
        }
        assert_eq!(
            parse_interval("3m20s-10m"),
            Some((Duration::from_secs(200), Some(Duration::from_secs(600))))
        );
    }
}
