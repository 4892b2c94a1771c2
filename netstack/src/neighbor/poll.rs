//! Timers: request retries, resolution failure, expiry of reachable/stale/failed entries.

use alloc::vec::Vec;

use super::cache::NeighborCache;
use super::counters::bump;
use super::entry::State;
use super::frame::ArpRequest;
use super::packets::Unresolved;
use super::time::deadline;
use crate::Instant;

/// What [`NeighborCache::poll`] asks of the engine.
#[derive(Debug, PartialEq, Eq)]
pub struct PollOutput<P> {
    /// Requests to send now (retries of incomplete entries, revalidations of stale ones in use).
    pub requests: Vec<ArpRequest>,
    /// Resolutions that failed: their queued packets are dropped and handed back.
    pub failed: Vec<Unresolved<P>>,
}

impl<P> Default for PollOutput<P> {
    fn default() -> Self {
        Self {
            requests: Vec::new(),
            failed: Vec::new(),
        }
    }
}

impl<P> NeighborCache<P> {
    /// Advances every entry to `now`:
    ///
    /// * `Incomplete`: one request per `retransmit_interval`; after `max_requests` without an answer the
    ///   entry becomes `Failed` and its packets are returned in [`PollOutput::failed`].
    /// * `Probe` (a stale entry in use): the first revalidation is unicast to the known MAC, the rest are
    ///   broadcast (in case the host changed MAC without announcing it); no answer → `Failed`.
    /// * `Reachable` past arp-timeout → `Stale`; `Stale` past `stale_timeout` → removed.
    /// * `Failed` past its hold-down → removed (a later packet starts a fresh resolution).
    ///
    /// Linear in the table size; call it on a timer or at [`poll_at`](Self::poll_at).
    pub fn poll(&mut self, now: Instant) -> PollOutput<P> {
        let mut out = PollOutput::default();
        let config = self.config;
        let max_requests = config.requests();
        let retry_at = deadline(now, config.retransmit_interval);
        let failed_until = deadline(now, config.failed_hold);
        let counters = &mut self.counters;
        let queued = &mut self.queued;

        self.entries
            .retain(|&(iface, ip), entry| match &mut entry.state {
                State::Incomplete {
                    requests,
                    next_request,
                    queue,
                } => {
                    if now < *next_request {
                        return true;
                    }
                    if *requests < max_requests {
                        *requests = requests.saturating_add(1);
                        *next_request = retry_at;
                        bump(&mut counters.requests_sent, 1);
                        out.requests.push(ArpRequest {
                            iface,
                            target_ip: ip,
                            unicast_to: None,
                        });
                        return true;
                    }
                    let packets = Vec::from(core::mem::take(queue));
                    *queued = queued.saturating_sub(packets.len());
                    bump(&mut counters.resolution_failures, 1);
                    bump(&mut counters.unresolved_drops, packets.len());
                    if !packets.is_empty() {
                        out.failed.push(Unresolved { iface, ip, packets });
                    }
                    entry.state = State::Failed {
                        until: failed_until,
                    };
                    true
                }
                State::Probe {
                    mac,
                    requests,
                    next_request,
                } => {
                    if now < *next_request {
                        return true;
                    }
                    if *requests < max_requests {
                        let unicast_to = (*requests == 0).then_some(*mac);
                        *requests = requests.saturating_add(1);
                        *next_request = retry_at;
                        bump(&mut counters.requests_sent, 1);
                        out.requests.push(ArpRequest {
                            iface,
                            target_ip: ip,
                            unicast_to,
                        });
                        return true;
                    }
                    bump(&mut counters.resolution_failures, 1);
                    entry.state = State::Failed {
                        until: failed_until,
                    };
                    true
                }
                State::Reachable { mac, expires } => {
                    if now >= *expires {
                        let remove_at = deadline(*expires, config.stale_timeout);
                        entry.state = State::Stale {
                            mac: *mac,
                            remove_at,
                        };
                        return now < remove_at;
                    }
                    true
                }
                State::Stale { remove_at, .. } => now < *remove_at,
                State::Failed { until } => now < *until,
                State::Static { .. } => true,
            });
        out
    }

    /// The earliest time [`poll`](Self::poll) has something to do, `None` when nothing is pending (empty
    /// or only static entries). Linear in the table size.
    pub fn poll_at(&self) -> Option<Instant> {
        self.entries
            .values()
            .filter_map(|entry| entry.next_event())
            .min()
    }
}
