//! Failed network logins, counted per source address, so that guessing passwords over the network is
//! slow: a [`LoginGuard`] blocks an address after [`MAX_FAILURES`] failed logins within
//! [`WINDOW_MS`], for [`BLOCK_MS`]; a service asks [`LoginGuard::allowed`] before it checks a password
//! and answers a blocked client without checking (HTTP 429 with `Retry-After`, RFC 6585 §4, from
//! [`LoginGuard::retry_after`]). A successful login forgets the address's failures.
//!
//! RouterOS itself only logs failed logins; the limit is ours, as the REST issue asks for one. The rules:
//! * Failures count within a window that starts at the first one; a failure after the window ended
//!   starts a new window. The [`MAX_FAILURES`]th failure within one blocks the address for
//!   [`BLOCK_MS`] from then. When the block ends the address starts afresh.
//! * A blocked address stays blocked whatever it does; failures reported while blocked do not extend
//!   the block (a service that asked [`LoginGuard::allowed`] reports none).
//! * The table holds at most [`MAX_SOURCES`] addresses. A new address takes the place of the
//!   unblocked one whose last failure is oldest, or, when every address is blocked, of the one whose
//!   block ends first; so a flood of new addresses cannot free a blocked one while others are left.
//! * Time is the caller's monotonic milliseconds, passed in; no call panics on any value. A clock that
//!   went backwards (before a window or block began) restarts that window, and a block then lasts at
//!   most [`BLOCK_MS`] from the new time, never longer.
//!
//! An address is counted as itself: an IPv6 client with a whole prefix to choose from is not grouped
//! by prefix (the services here listen on IPv4).

use alloc::vec::Vec;

use smoltcp::wire::IpAddress;

/// Failed logins within [`WINDOW_MS`] that block an address.
pub const MAX_FAILURES: u32 = 5;
/// How long failures count toward a block.
pub const WINDOW_MS: u64 = 60_000;
/// How long a block lasts.
pub const BLOCK_MS: u64 = 60_000;
/// Most addresses the guard remembers.
pub const MAX_SOURCES: usize = 256;

/// What the guard knows of one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Source {
    address: IpAddress,
    /// Failures in the current window.
    failures: u32,
    /// When the current window began (its first failure).
    window_start_ms: u64,
    /// When the last failure was reported (to choose whom to forget).
    last_failure_ms: u64,
    /// When the block began, while blocked.
    blocked_since_ms: Option<u64>,
}

impl Source {
    /// Whether the block (if any) still holds at `now_ms`; a block that ended is cleared. A clock
    /// that went back before the block began restarts the block at `now_ms`.
    fn blocked(&mut self, now_ms: u64) -> bool {
        let Some(since) = self.blocked_since_ms else {
            return false;
        };
        if now_ms < since {
            self.blocked_since_ms = Some(now_ms);
            return true;
        }
        if now_ms - since < BLOCK_MS {
            return true;
        }
        self.blocked_since_ms = None;
        self.failures = 0;
        false
    }

    /// Whether the failures' window is over at `now_ms` (or the clock went back before it began).
    fn window_over(&self, now_ms: u64) -> bool {
        now_ms < self.window_start_ms || now_ms - self.window_start_ms >= WINDOW_MS
    }

    /// Milliseconds left of the block at `now_ms`.
    fn remaining_ms(&self, now_ms: u64) -> Option<u64> {
        let since = self.blocked_since_ms?;
        let passed = now_ms.saturating_sub(since);
        (passed < BLOCK_MS).then(|| BLOCK_MS - passed)
    }
}

/// The failed-login table (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct LoginGuard {
    sources: Vec<Source>,
}

impl LoginGuard {
    pub fn new() -> Self {
        LoginGuard::default()
    }

    /// Whether `source` may try to log in at `now_ms` (false while it is blocked).
    pub fn allowed(&mut self, source: IpAddress, now_ms: u64) -> bool {
        let Some(at) = self.find(source) else {
            return true;
        };
        let entry = &mut self.sources[at];
        let blocked = entry.blocked(now_ms);
        // Nothing left to remember: no failures, or only ones whose window is over.
        if !blocked && (entry.failures == 0 || entry.window_over(now_ms)) {
            self.sources.swap_remove(at);
        }
        !blocked
    }

    /// Whole seconds, rounded up, until `source` may try again, while it is blocked at `now_ms` (for
    /// HTTP's `Retry-After`).
    pub fn retry_after(&self, source: IpAddress, now_ms: u64) -> Option<u64> {
        let entry = &self.sources[self.find(source)?];
        let since = entry.blocked_since_ms?;
        // A clock that went back: the block restarts now (as `allowed` records it).
        let remaining = if now_ms < since {
            BLOCK_MS
        } else {
            entry.remaining_ms(now_ms)?
        };
        Some(remaining.div_ceil(1000))
    }

    /// A failed login from `source` at `now_ms`.
    pub fn failed(&mut self, source: IpAddress, now_ms: u64) {
        let at = match self.find(source) {
            Some(at) => at,
            None => self.insert(source, now_ms),
        };
        let entry = &mut self.sources[at];
        if entry.blocked(now_ms) {
            return;
        }
        entry.last_failure_ms = now_ms;
        if entry.failures == 0 || entry.window_over(now_ms) {
            entry.failures = 0;
            entry.window_start_ms = now_ms;
        }
        entry.failures = entry.failures.saturating_add(1);
        if entry.failures >= MAX_FAILURES {
            entry.blocked_since_ms = Some(now_ms);
        }
    }

    /// A successful login from `source`: its failures are forgotten (a block is not lifted; a blocked
    /// source is not let try).
    pub fn succeeded(&mut self, source: IpAddress) {
        if let Some(at) = self.find(source)
            && self.sources[at].blocked_since_ms.is_none()
        {
            self.sources.swap_remove(at);
        }
    }

    /// How many addresses the guard remembers.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// Whether the guard remembers no address.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    fn find(&self, source: IpAddress) -> Option<usize> {
        self.sources.iter().position(|s| s.address == source)
    }

    /// Adds `source` with no failures, forgetting another address when the table is full; returns its
    /// index.
    fn insert(&mut self, source: IpAddress, now_ms: u64) -> usize {
        let entry = Source {
            address: source,
            failures: 0,
            window_start_ms: now_ms,
            last_failure_ms: now_ms,
            blocked_since_ms: None,
        };
        if self.sources.len() < MAX_SOURCES {
            self.sources.push(entry);
            return self.sources.len() - 1;
        }
        // Unblocked addresses go first, oldest last failure first; then the block that ends first.
        for source in &mut self.sources {
            source.blocked(now_ms);
        }
        let victim = self
            .sources
            .iter()
            .enumerate()
            .min_by_key(|(_, s)| match s.blocked_since_ms {
                None => (false, s.last_failure_ms),
                Some(since) => (true, since),
            })
            .map_or(0, |(at, _)| at);
        self.sources[victim] = entry;
        victim
    }
}

#[cfg(test)]
mod tests;
