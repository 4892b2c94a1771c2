//! The router's own ICMP tools: the echo requests `/ping` and `/tool traceroute` send, and the answers
//! that belong to them.
//!
//! Sending: [`Engine::send_echo`] builds an ICMP echo request (RFC 792) of a given total IP size and
//! TTL and hands it to the path every packet the router makes takes — routing, the output hooks (so the
//! firewall's output chain sees it, as on RouterOS), postrouting, ARP. Its source is the given
//! `src-address` (which must be one of the router's), else the route's `pref-src`, else the outgoing
//! interface's address towards the destination (RFC 1122 §3.3.4.3 for a multihomed host).
//!
//! Receiving: after the input hooks (the firewall's input chain decides, as for every packet to the
//! router), an ICMP message is taken aside instead of going to the router's stack when it is
//! * an echo reply whose identifier is one a tool sent with, or
//! * a time exceeded or destination unreachable message (RFC 792) quoting an echo request the router
//!   sent with such an identifier (the quoted IP header and the first 8 bytes of the ICMP message
//!   carry the identifier and sequence number).
//!
//! Everything else — echo replies with other identifiers, errors about other packets — goes on to the
//! router's stack as before. The tools' answers wait in a queue of at most [`TOOL_REPLY_QUEUE_LEN`]
//! ([`Engine::take_tool_reply`]); one more is dropped and counted
//! ([`Engine::tool_replies_dropped`]). At most [`MAX_TOOL_IDENTS`] identifiers are watched at once;
//! a new one replaces the oldest.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{Icmpv4Packet, Icmpv4Repr, IpProtocol, Ipv4Address, Ipv4Packet, Ipv4Repr};

use super::Engine;
use crate::Instant;
use crate::hooks::Hooks;
use crate::packet::Packet;
use crate::route::Forwarding;
use crate::verdict::DropReason;

/// Replies waiting to be taken at once.
pub const TOOL_REPLY_QUEUE_LEN: usize = 64;
/// Echo identifiers watched at once (one per running tool).
pub const MAX_TOOL_IDENTS: usize = 8;
/// The smallest echo request: an IPv4 header and an ICMP echo header.
pub const MIN_ECHO_SIZE: u16 = 28;
/// The largest echo request the tools send: one Ethernet MTU's worth. Larger ones would be fragmented
/// and their replies would need reassembly on the way in, which the router's stack does not promise.
pub const MAX_ECHO_SIZE: u16 = 1500;

/// ICMP types (RFC 792).
const ECHO_REPLY: u8 = 0;
const DESTINATION_UNREACHABLE: u8 = 3;
const ECHO_REQUEST: u8 = 8;
const TIME_EXCEEDED: u8 = 11;

/// One echo request to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EchoProbe {
    pub dst: Ipv4Address,
    /// `src-address=`; None: chosen by routing.
    pub src: Option<Ipv4Address>,
    /// The whole IP packet's size in bytes (RouterOS's `size`), [`MIN_ECHO_SIZE`]..=[`MAX_ECHO_SIZE`].
    pub size: u16,
    pub ttl: u8,
    pub ident: u16,
    pub seq: u16,
}

/// Why [`Engine::send_echo`] sent nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeError {
    /// No route to the destination (or a blackhole, unreachable or prohibit route).
    NoRoute,
    /// No address to send from: `src-address` is not the router's, or the way out has none.
    NoSourceAddress,
    /// `size` outside [`MIN_ECHO_SIZE`]..=[`MAX_ECHO_SIZE`], or a TTL of 0.
    Invalid,
    /// No packet buffer was free.
    NoBuffer,
}

/// The STATUS a tool shows for a probe that could not be sent.
impl core::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ProbeError::NoRoute => "no route to host",
            ProbeError::NoSourceAddress => "no address to send from",
            ProbeError::Invalid => "invalid packet",
            ProbeError::NoBuffer => "no buffer space available",
        })
    }
}

/// What answered a probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToolReplyKind {
    /// The destination answered (echo reply).
    Echo,
    /// A router on the way dropped the probe when its TTL ran out (type 11).
    TimeExceeded,
    /// Destination unreachable (type 3) with its code (0 net, 1 host, 3 port, 4 fragmentation
    /// needed, 13 administratively prohibited, ...).
    Unreachable(u8),
}

/// An answer to one of the tools' probes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ToolReply {
    pub kind: ToolReplyKind,
    /// Who answered: the destination, or the router that reported the error.
    pub from: Ipv4Address,
    pub ident: u16,
    pub seq: u16,
    /// The TTL the answer arrived with.
    pub ttl: u8,
    /// The answer's whole IP size in bytes.
    pub size: u16,
    /// When the engine took it.
    pub at: Instant,
}

/// The tools' state in the engine.
#[derive(Default)]
pub(super) struct Tools {
    idents: VecDeque<u16>,
    replies: VecDeque<ToolReply>,
    dropped: u64,
    /// The IP identification of the next probe.
    ip_ident: u16,
}

impl<H: Hooks> Engine<H> {
    /// Sends one echo request for a tool (see the module docs) and watches its identifier.
    pub fn send_echo(&mut self, probe: &EchoProbe, now: Instant) -> Result<(), ProbeError> {
        if !(MIN_ECHO_SIZE..=MAX_ECHO_SIZE).contains(&probe.size) || probe.ttl == 0 {
            return Err(ProbeError::Invalid);
        }
        let to_us = self.addresses.is_local(probe.dst);
        let src = match probe.src {
            Some(src) if self.addresses.is_local(src) => src,
            Some(_) => return Err(ProbeError::NoSourceAddress),
            None if to_us => probe.dst,
            None => match self.routes.lookup(probe.dst, 0) {
                Some(Forwarding::Unicast {
                    interface,
                    pref_src,
                    ..
                }) => self
                    .source_address(interface, probe.dst, pref_src)
                    .ok_or(ProbeError::NoSourceAddress)?,
                _ => return Err(ProbeError::NoRoute),
            },
        };
        if !to_us
            && !matches!(
                self.routes.lookup(probe.dst, 0),
                Some(Forwarding::Unicast { .. })
            )
        {
            return Err(ProbeError::NoRoute);
        }
        let bytes = self.echo_request(probe, src);
        let Some(buffer) = self.take_buffer() else {
            self.drops.count(DropReason::NoBuffer);
            return Err(ProbeError::NoBuffer);
        };
        self.watch_ident(probe.ident);
        let packet = Packet::from_ip(buffer, &bytes);
        self.originate(packet, now);
        if to_us {
            // The router's stack answers its own address; let it run now so the reply is not late.
            self.run_local_stack(now);
        }
        Ok(())
    }

    /// The oldest answer to a tool's probe, if any.
    pub fn take_tool_reply(&mut self) -> Option<ToolReply> {
        self.tools.replies.pop_front()
    }

    /// Answers dropped because the queue was full.
    pub fn tool_replies_dropped(&self) -> u64 {
        self.tools.dropped
    }

    /// Stops watching `ident` (a tool ended): its late answers go to the router's stack.
    pub fn forget_tool_ident(&mut self, ident: u16) {
        self.tools.idents.retain(|&i| i != ident);
        self.tools.replies.retain(|r| r.ident != ident);
    }

    fn watch_ident(&mut self, ident: u16) {
        if self.tools.idents.contains(&ident) {
            return;
        }
        if self.tools.idents.len() >= MAX_TOOL_IDENTS {
            self.tools.idents.pop_front();
        }
        self.tools.idents.push_back(ident);
    }

    fn echo_request(&mut self, probe: &EchoProbe, src: Ipv4Address) -> Vec<u8> {
        // A recognisable pattern, as ping(8) fills its data.
        let data: Vec<u8> = (0..usize::from(probe.size - MIN_ECHO_SIZE))
            .map(|i| i as u8)
            .collect();
        let icmp = Icmpv4Repr::EchoRequest {
            ident: probe.ident,
            seq_no: probe.seq,
            data: &data,
        };
        let ip = Ipv4Repr {
            src_addr: src,
            dst_addr: probe.dst,
            next_header: IpProtocol::Icmp,
            payload_len: icmp.buffer_len(),
            hop_limit: probe.ttl,
        };
        let mut bytes = alloc::vec![0u8; ip.buffer_len() + icmp.buffer_len()];
        let checksums = ChecksumCapabilities::default();
        let mut packet = Ipv4Packet::new_unchecked(&mut bytes[..]);
        ip.emit(&mut packet, &checksums);
        packet.set_ident(self.tools.ip_ident);
        packet.fill_checksum();
        self.tools.ip_ident = self.tools.ip_ident.wrapping_add(1);
        icmp.emit(
            &mut Icmpv4Packet::new_unchecked(packet.payload_mut()),
            &checksums,
        );
        bytes
    }

    /// Takes `ip` (a packet to the router, past the input hooks) for a tool when it answers one of
    /// their probes; true when it was taken (the caller recycles the buffer).
    pub(super) fn take_for_tools(&mut self, ip: &[u8], now: Instant) -> bool {
        if self.tools.idents.is_empty() {
            return false;
        }
        let Some(reply) = self.tool_reply(ip, now) else {
            return false;
        };
        if self.tools.replies.len() >= TOOL_REPLY_QUEUE_LEN {
            self.tools.dropped = self.tools.dropped.saturating_add(1);
        } else {
            self.tools.replies.push_back(reply);
        }
        true
    }

    fn tool_reply(&self, ip: &[u8], now: Instant) -> Option<ToolReply> {
        let packet = Ipv4Packet::new_checked(ip).ok()?;
        if packet.next_header() != IpProtocol::Icmp
            || packet.more_frags()
            || packet.frag_offset() != 0
        {
            return None;
        }
        let icmp = Icmpv4Packet::new_checked(packet.payload()).ok()?;
        if !icmp.verify_checksum() {
            return None;
        }
        let (kind, ident, seq) = match icmp.msg_type().into() {
            ECHO_REPLY => (ToolReplyKind::Echo, icmp.echo_ident(), icmp.echo_seq_no()),
            kind @ (TIME_EXCEEDED | DESTINATION_UNREACHABLE) => {
                let (ident, seq) = self.quoted_probe(icmp.data())?;
                let kind = match kind {
                    TIME_EXCEEDED => ToolReplyKind::TimeExceeded,
                    _ => ToolReplyKind::Unreachable(icmp.msg_code()),
                };
                (kind, ident, seq)
            }
            _ => return None,
        };
        if !self.tools.idents.contains(&ident) {
            return None;
        }
        Some(ToolReply {
            kind,
            from: packet.src_addr(),
            ident,
            seq,
            ttl: packet.hop_limit(),
            size: packet.total_len(),
            at: now,
        })
    }

    /// The identifier and sequence number of the echo request an ICMP error quotes, when the router
    /// sent it.
    fn quoted_probe(&self, quoted: &[u8]) -> Option<(u16, u16)> {
        let ip = Ipv4Packet::new_unchecked(quoted);
        let header_len = usize::from(*quoted.first()? & 0x0f) * 4;
        let icmp = quoted.get(header_len..header_len.checked_add(8)?)?;
        if header_len < 20
            || ip.next_header() != IpProtocol::Icmp
            || !self.addresses.is_local(ip.src_addr())
            || icmp.first() != Some(&ECHO_REQUEST)
        {
            return None;
        }
        let ident = u16::from_be_bytes([*icmp.get(4)?, *icmp.get(5)?]);
        let seq = u16::from_be_bytes([*icmp.get(6)?, *icmp.get(7)?]);
        Some((ident, seq))
    }
}
