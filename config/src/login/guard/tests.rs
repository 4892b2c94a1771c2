use super::*;

fn v4(last: u8) -> IpAddress {
    IpAddress::v4(192, 168, 88, last)
}

/// An address of the `n`th client of a big network.
fn client(n: usize) -> IpAddress {
    let [_, _, a, b] = u32::try_from(n).unwrap().to_be_bytes();
    IpAddress::v4(10, 1, a, b)
}

/// Fails `count` logins from `source`, one a second from `start_ms`; returns the time of the last.
fn fail(guard: &mut LoginGuard, source: IpAddress, start_ms: u64, count: u32) -> u64 {
    let mut now = start_ms;
    for n in 0..count {
        now = start_ms + u64::from(n) * 1000;
        assert!(guard.allowed(source, now), "failure {n} at {now}");
        guard.failed(source, now);
    }
    now
}

#[test]
fn five_failures_within_a_minute_block_for_a_minute() {
    let mut guard = LoginGuard::new();
    let last = fail(&mut guard, v4(2), 1_000, MAX_FAILURES - 1);
    assert!(guard.allowed(v4(2), last + 1), "four failures do not block");
    assert_eq!(guard.retry_after(v4(2), last + 1), None);
    guard.failed(v4(2), last + 1000);
    let blocked_at = last + 1000;
    assert!(!guard.allowed(v4(2), blocked_at));
    assert_eq!(guard.retry_after(v4(2), blocked_at), Some(60));
    assert_eq!(
        guard.retry_after(v4(2), blocked_at + 1),
        Some(60),
        "rounded up"
    );
    assert_eq!(guard.retry_after(v4(2), blocked_at + 59_001), Some(1));
    assert!(!guard.allowed(v4(2), blocked_at + BLOCK_MS - 1));
    // Other addresses are not affected.
    assert!(guard.allowed(v4(3), blocked_at));
    assert_eq!(guard.retry_after(v4(3), blocked_at), None);
    // After the block the address starts afresh: one failure does not block it again.
    assert!(guard.allowed(v4(2), blocked_at + BLOCK_MS));
    assert_eq!(guard.retry_after(v4(2), blocked_at + BLOCK_MS), None);
    guard.failed(v4(2), blocked_at + BLOCK_MS);
    assert!(guard.allowed(v4(2), blocked_at + BLOCK_MS + 1));
}

#[test]
fn failures_reported_while_blocked_do_not_extend_the_block() {
    let mut guard = LoginGuard::new();
    let blocked_at = fail(&mut guard, v4(2), 0, MAX_FAILURES);
    for t in (blocked_at..blocked_at + BLOCK_MS).step_by(5_000) {
        guard.failed(v4(2), t);
    }
    assert!(!guard.allowed(v4(2), blocked_at + BLOCK_MS - 1));
    assert!(guard.allowed(v4(2), blocked_at + BLOCK_MS));
}

#[test]
fn failures_spread_over_more_than_the_window_do_not_block() {
    let mut guard = LoginGuard::new();
    // One failure every 15 s: never five within 60 s of the window's start.
    for n in 0..20u64 {
        let now = n * 15_000;
        assert!(guard.allowed(v4(2), now), "at {now}");
        guard.failed(v4(2), now);
    }
    // Once the failures stop, the address is forgotten when it next asks.
    assert!(guard.allowed(v4(2), 20 * 15_000 + WINDOW_MS));
    assert!(guard.is_empty());
}

#[test]
fn a_success_forgets_the_failures_but_does_not_lift_a_block() {
    let mut guard = LoginGuard::new();
    let last = fail(&mut guard, v4(2), 0, MAX_FAILURES - 1);
    guard.succeeded(v4(2));
    assert!(guard.is_empty());
    // Four more failures are not enough: the count started again.
    let last = fail(&mut guard, v4(2), last + 1000, MAX_FAILURES - 1);
    assert!(guard.allowed(v4(2), last + 1));
    guard.failed(v4(2), last + 1000);
    guard.succeeded(v4(2));
    assert!(!guard.allowed(v4(2), last + 1001));
    // Success for an address never seen is nothing.
    guard.succeeded(v4(9));
    assert_eq!(guard.len(), 1);
}

#[test]
fn the_table_is_bounded_and_keeps_the_blocked_addresses() {
    let mut guard = LoginGuard::new();
    // Two blocked addresses, then a flood of failures from many others.
    let blocked_at = fail(&mut guard, v4(2), 0, MAX_FAILURES);
    fail(&mut guard, v4(3), 0, MAX_FAILURES);
    for n in 0..MAX_SOURCES * 4 {
        let now = blocked_at + 1 + n as u64;
        guard.failed(client(n), now);
        assert!(guard.len() <= MAX_SOURCES);
    }
    assert_eq!(guard.len(), MAX_SOURCES);
    assert!(!guard.allowed(v4(2), blocked_at + 2_000));
    assert!(!guard.allowed(v4(3), blocked_at + 2_000));
    // The oldest of the flood went first: the last ones are still counted.
    let newest = client(MAX_SOURCES * 4 - 1);
    assert!(guard.sources.iter().any(|s| s.address == newest));
    assert!(!guard.sources.iter().any(|s| s.address == client(0)));
}

#[test]
fn when_every_address_is_blocked_the_block_that_ends_first_goes() {
    let mut guard = LoginGuard::new();
    for n in 0..MAX_SOURCES {
        let start = n as u64 * 10;
        for t in 0..u64::from(MAX_FAILURES) {
            guard.failed(client(n), start + t);
        }
    }
    assert_eq!(guard.len(), MAX_SOURCES);
    assert!((0..MAX_SOURCES).all(|n| guard.retry_after(client(n), 3_000).is_some()));
    guard.failed(v4(2), 3_000);
    assert_eq!(guard.len(), MAX_SOURCES);
    assert_eq!(
        guard.retry_after(client(0), 3_000),
        None,
        "blocked first, forgotten first"
    );
    assert!(guard.retry_after(client(1), 3_000).is_some());
}

#[test]
fn a_clock_that_goes_back_never_makes_a_block_longer_than_a_block() {
    let mut guard = LoginGuard::new();
    let blocked_at = fail(&mut guard, v4(2), 10_000_000, MAX_FAILURES);
    // The clock jumps back by an hour: still blocked, for at most a block from the new time.
    let back = blocked_at - 3_600_000;
    assert_eq!(guard.retry_after(v4(2), back), Some(BLOCK_MS / 1000));
    assert!(!guard.allowed(v4(2), back));
    assert!(!guard.allowed(v4(2), back + BLOCK_MS - 1));
    assert!(guard.allowed(v4(2), back + BLOCK_MS));
    // Failures before a window's start begin a new window rather than adding to the old one.
    let mut guard = LoginGuard::new();
    fail(&mut guard, v4(3), 100_000, MAX_FAILURES - 1);
    guard.failed(v4(3), 50_000);
    assert!(guard.allowed(v4(3), 50_001));
}

#[test]
fn extreme_times_do_not_panic() {
    let mut guard = LoginGuard::new();
    for now in [
        0,
        1,
        u64::MAX - BLOCK_MS,
        u64::MAX - 1,
        u64::MAX,
        0,
        u64::MAX,
    ] {
        guard.allowed(v4(2), now);
        guard.failed(v4(2), now);
        guard.retry_after(v4(2), now);
        guard.succeeded(v4(4));
    }
    let mut guard = LoginGuard::new();
    let blocked_at = fail(&mut guard, v4(2), u64::MAX - 10_000, MAX_FAILURES);
    assert!(!guard.allowed(v4(2), blocked_at));
    assert!(guard.retry_after(v4(2), u64::MAX).is_some());
    assert!(!guard.allowed(v4(2), u64::MAX));
}
