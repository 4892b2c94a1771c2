//! Receiving ARP: validation, learning (RFC 826 merge), conflict detection (RFC 5227), and answering
//! requests for our addresses or, with proxy ARP, for addresses we route elsewhere (RFC 1027).

use alloc::vec::Vec;

use smoltcp::wire::{ArpOperation, ArpPacket, ArpRepr, EthernetAddress, Ipv4Address};

use super::cache::{NeighborCache, is_neighbor_mac, learns};
use super::counters::bump;
use super::entry::{Entry, State, is_neighbor_address};
use super::frame::ArpReply;
use super::packets::Released;
use super::time::deadline;
use crate::Instant;
use crate::interface::{ArpMode, InterfaceId};

/// What happened to a received ARP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArpStatus {
    /// Valid; learned from and/or answered as the rules allow.
    Accepted,
    /// `arp=disabled` on the interface: neither answered nor learned from.
    Ignored,
    /// Truncated, not Ethernet/IPv4, unknown operation, or an impossible sender.
    Malformed,
    /// The sender claims `address`, which is ours (RFC 5227 §2.4); `mac` is who claims it. Nothing is
    /// learned or answered; the engine may log it and defend the address with a gratuitous ARP.
    Conflict {
        address: Ipv4Address,
        mac: EthernetAddress,
    },
}

/// Result of [`NeighborCache::process`].
#[derive(Debug, PartialEq, Eq)]
pub struct ArpOutcome<P> {
    pub status: ArpStatus,
    /// A reply to send on the interface the request came in on.
    pub reply: Option<ArpReply>,
    /// Packets that were waiting for the sender, now resolved.
    pub released: Option<Released<P>>,
}

impl<P> ArpOutcome<P> {
    fn status(status: ArpStatus) -> Self {
        Self {
            status,
            reply: None,
            released: None,
        }
    }
}

impl<P> NeighborCache<P> {
    /// Processes the ARP payload `arp` (the Ethernet payload, any trailing padding allowed) received on
    /// `iface`, whose addresses are `ours` and ARP mode is `mode`. `proxy_check(target)` says whether we
    /// route `target` through *another* interface (only asked with `arp=proxy-arp`).
    ///
    /// * Learning (RFC 826 "merge"): an existing entry for the sender is updated (and its queued packets
    ///   released) by any valid ARP packet, requests, replies and gratuitous announcements alike (RFC 5944
    ///   §4.6, RFC 5227 §2.3); a new entry is created only when the packet is a request for one of our
    ///   addresses (the requester is about to talk to us). Replies to our own requests find their
    ///   incomplete entry. Static entries are never changed. Nothing is learned with `reply-only`.
    /// * Answering: a request for one of `ours` is answered (also an RFC 5227 probe, sender 0.0.0.0: that
    ///   defends our address); with `proxy-arp` a request for another unicast address is answered when
    ///   `proxy_check` says so, except for probes and gratuitous requests.
    /// * Sender 0.0.0.0 (probe) is never learned; a sender claiming one of `ours` is a conflict.
    ///
    /// The engine should drop frames it sent itself (Ethernet source = our MAC) before calling this: a
    /// looped-back announcement of ours would otherwise count as a conflict.
    pub fn process(
        &mut self,
        iface: InterfaceId,
        arp: &[u8],
        ours: &[Ipv4Address],
        mode: ArpMode,
        proxy_check: impl Fn(Ipv4Address) -> bool,
        now: Instant,
    ) -> ArpOutcome<P> {
        if mode == ArpMode::Disabled {
            bump(&mut self.counters.ignored, 1);
            return ArpOutcome::status(ArpStatus::Ignored);
        }
        let Some((operation, sha, spa, tpa)) = parse(arp) else {
            bump(&mut self.counters.malformed, 1);
            return ArpOutcome::status(ArpStatus::Malformed);
        };
        if ours.contains(&spa) {
            bump(&mut self.counters.conflicts, 1);
            return ArpOutcome::status(ArpStatus::Conflict {
                address: spa,
                mac: sha,
            });
        }

        let mut outcome = ArpOutcome::status(ArpStatus::Accepted);
        let is_request = operation == ArpOperation::Request;
        let for_us = ours.contains(&tpa);
        let is_probe = spa.is_unspecified();

        if learns(mode) && is_neighbor_address(spa) {
            outcome.released = self.merge(iface, spa, sha, is_request && for_us, now);
        }

        if is_request {
            let proxy = !for_us
                && mode == ArpMode::ProxyArp
                && !is_probe
                && spa != tpa
                && is_neighbor_address(tpa)
                && proxy_check(tpa);
            if for_us || proxy {
                bump(&mut self.counters.replies_sent, 1);
                if proxy {
                    bump(&mut self.counters.proxy_replies_sent, 1);
                }
                outcome.reply = Some(ArpReply {
                    iface,
                    sender_ip: tpa,
                    target_mac: sha,
                    target_ip: spa,
                    proxy,
                });
            }
        }
        outcome
    }

    /// RFC 826 merge of `spa` → `sha`: update an existing entry; create one only if `create`.
    fn merge(
        &mut self,
        iface: InterfaceId,
        spa: Ipv4Address,
        sha: EthernetAddress,
        create: bool,
        now: Instant,
    ) -> Option<Released<P>> {
        let key = (iface, spa);
        if let Some(entry) = self.entries.get_mut(&key) {
            let (queue, newly_complete) = entry.confirm(sha, now, &self.config)?;
            if newly_complete {
                bump(&mut self.counters.entries_learned, 1);
            }
            if queue.is_empty() {
                return None;
            }
            self.queued = self.queued.saturating_sub(queue.len());
            return Some(Released {
                iface,
                ip: spa,
                mac: sha,
                packets: Vec::from(queue),
            });
        }
        if create && self.make_room(now) {
            let state = State::Reachable {
                mac: sha,
                expires: deadline(now, self.config.arp_timeout),
            };
            self.entries.insert(key, Entry::new(state, now));
            bump(&mut self.counters.entries_learned, 1);
        }
        None
    }
}

/// Checked parse of an Ethernet/IPv4 ARP request or reply with a plausible sender: a unicast, non-zero
/// MAC and an address that is not broadcast/multicast (0.0.0.0 is allowed: RFC 5227 probe).
fn parse(arp: &[u8]) -> Option<(ArpOperation, EthernetAddress, Ipv4Address, Ipv4Address)> {
    let packet = ArpPacket::new_checked(arp).ok()?;
    let ArpRepr::EthernetIpv4 {
        operation,
        source_hardware_addr,
        source_protocol_addr,
        target_protocol_addr,
        ..
    } = ArpRepr::parse(&packet).ok()?
    else {
        return None;
    };
    let operation_known = matches!(operation, ArpOperation::Request | ArpOperation::Reply);
    let sender_ok = is_neighbor_mac(source_hardware_addr)
        && !source_protocol_addr.is_broadcast()
        && !source_protocol_addr.is_multicast();
    (operation_known && sender_ok).then_some((
        operation,
        source_hardware_addr,
        source_protocol_addr,
        target_protocol_addr,
    ))
}
