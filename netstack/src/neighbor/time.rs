//! Saturating time arithmetic for deadlines (smoltcp's `Instant + Duration` operators can overflow).

use crate::{Duration, Instant};

/// `now + after`, saturating at the end of time.
pub(super) fn deadline(now: Instant, after: Duration) -> Instant {
    let micros = i64::try_from(after.total_micros()).unwrap_or(i64::MAX);
    Instant::from_micros(now.total_micros().saturating_add(micros))
}

/// Time left from `now` until `deadline`, zero when it has passed.
pub(super) fn remaining(now: Instant, deadline: Instant) -> Duration {
    let micros = deadline.total_micros().saturating_sub(now.total_micros());
    Duration::from_micros(u64::try_from(micros).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbor_time_saturates() {
        let end = deadline(Instant::from_micros(i64::MAX - 1), Duration::from_secs(10));
        assert_eq!(end.total_micros(), i64::MAX);
        let end = deadline(Instant::from_secs(1), Duration::from_micros(u64::MAX));
        assert_eq!(end.total_micros(), i64::MAX);
        assert_eq!(
            remaining(Instant::from_secs(5), Instant::from_secs(3)),
            Duration::ZERO
        );
        assert_eq!(
            remaining(Instant::from_secs(3), Instant::from_secs(5)),
            Duration::from_secs(2)
        );
        assert_eq!(
            remaining(
                Instant::from_micros(i64::MIN),
                Instant::from_micros(i64::MAX)
            )
            .total_micros(),
            i64::MAX as u64
        );
    }
}
