//! [`PacketFacts`]: everything the firewall's matchers look at, extracted once per packet per hook.
//!
//! [`PacketFacts::parse`] reads the IPv4 header (RFC 791), the first transport header (TCP RFC 9293,
//! UDP RFC 768, ICMP RFC 792) and the packet's [`Meta`] (interfaces, marks) plus what connection tracking
//! said ([`ConnFacts`]). Matchers then work on plain integers: no byte parsing and no string work per rule.
//!
//! # Guarantees
//!
//! - Never panics: every read is bounds-checked. `None` only when the bytes are not an IPv4 header at all
//!   (shorter than 20 bytes, version ≠ 4, IHL < 5, header longer than the buffer, total length < IHL).
//! - A truncated transport header is tolerated: the packet is still matched on its IP fields, with
//!   ports / flags / ICMP type absent, so `dst-port=80` does not match it (netfilter's `tcp`/`udp`
//!   matches behave the same: a header that cannot be read does not match).
//! - Ports, TCP flags, MSS and ICMP type/code are only read from the first fragment (offset 0); a
//!   non-first fragment has none (as netfilter, which never matches ports on such fragments).
//! - `fragment` is true for non-first fragments only, as RouterOS documents ("first (starting) fragment
//!   does not count"), like iptables `-f`.
//! - Without connection-tracking facts (`conn == None`) the connection state is reported as
//!   [`ConnState::Invalid`], as netfilter's `xt_conntrack` does for a packet without a conntrack entry.
//! - Bytes past the IP total length (link padding) are never part of the payload.

use smoltcp::wire::{EthernetAddress, Ipv4Address};

use crate::flow::{ConnFacts, ConnState, Direction};
use crate::interface::InterfaceId;
use crate::packet::{Mark, Meta};

/// IP protocol numbers the facts parser understands (IANA).
pub const PROTO_ICMP: u8 = 1;
pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;

/// TCP flag bits as they sit in byte 13 of the TCP header (RFC 9293 §3.1, RFC 3168 for ECE/CWR).
pub mod tcp_flag {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;
}

/// What matchers see of one packet at one hook. `Copy` and allocation-free; the rule engine keeps a
/// private copy it updates when a rule changes the packet (marks, TTL, DSCP, MSS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketFacts {
    pub src: Ipv4Address,
    pub dst: Ipv4Address,
    /// IP protocol number.
    pub protocol: u8,
    /// TCP/UDP ports (None for other protocols, non-first fragments and truncated headers).
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
    /// TCP flags byte (None unless a complete TCP header of a first fragment was read).
    pub tcp_flags: Option<u8>,
    /// Value of the TCP MSS option (kind 2), when present.
    pub tcp_mss: Option<u16>,
    /// ICMP type and code (first fragment only).
    pub icmp: Option<(u8, u8)>,
    pub ttl: u8,
    /// DSCP (upper 6 bits of the TOS byte).
    pub dscp: u8,
    /// IP total length (RouterOS `packet-size`).
    pub size: u16,
    /// Non-first fragment (fragment offset ≠ 0).
    pub fragment: bool,
    /// More-fragments or offset ≠ 0: part of a fragmented datagram.
    pub fragmented: bool,
    /// Don't-fragment flag.
    pub dont_fragment: bool,
    /// IP header length in bytes (20..=60).
    pub header_len: u8,
    /// Offset of the transport header from the start of the IP header, when one was read.
    pub l4_offset: Option<u16>,
    /// The transport payload (or, without a parsed transport header, everything after the IP header),
    /// as offsets from the start of the IP header: `payload_start..payload_end`.
    pub payload_start: u16,
    pub payload_end: u16,
    pub src_mac: Option<EthernetAddress>,
    pub in_interface: Option<InterfaceId>,
    pub out_interface: Option<InterfaceId>,
    pub packet_mark: Mark,
    pub connection_mark: Mark,
    pub routing_mark: Mark,
    /// Connection-tracking facts, if conntrack has seen the packet.
    pub conn: Option<ConnFacts>,
}

impl PacketFacts {
    /// Extracts the facts from an IPv4 packet (`l3` starts at the IP header), its [`Meta`], what
    /// conntrack said, and the frame's source MAC. See the module docs for the guarantees.
    pub fn parse(
        l3: &[u8],
        meta: &Meta,
        conn: Option<ConnFacts>,
        src_mac: Option<EthernetAddress>,
    ) -> Option<PacketFacts> {
        let header = l3.get(..20)?;
        let ver_ihl = header[0];
        let header_len = usize::from(ver_ihl & 0x0F) * 4;
        if ver_ihl >> 4 != 4 || header_len < 20 || l3.len() < header_len {
            return None;
        }
        let total_len = u16::from_be_bytes([header[2], header[3]]);
        if usize::from(total_len) < header_len {
            return None;
        }
        let end = usize::from(total_len).min(l3.len());
        let flags_frag = u16::from_be_bytes([header[6], header[7]]);
        let offset = flags_frag & 0x1FFF;
        let more_fragments = flags_frag & 0x2000 != 0;
        let protocol = header[9];
        let src = Ipv4Address::new(header[12], header[13], header[14], header[15]);
        let dst = Ipv4Address::new(header[16], header[17], header[18], header[19]);

        let mut facts = PacketFacts {
            src,
            dst,
            protocol,
            src_port: None,
            dst_port: None,
            tcp_flags: None,
            tcp_mss: None,
            icmp: None,
            ttl: header[8],
            dscp: header[1] >> 2,
            size: total_len,
            fragment: offset != 0,
            fragmented: offset != 0 || more_fragments,
            dont_fragment: flags_frag & 0x4000 != 0,
            header_len: header_len as u8,
            l4_offset: None,
            payload_start: header_len as u16,
            payload_end: end as u16,
            src_mac,
            in_interface: meta.in_interface,
            out_interface: meta.out_interface,
            packet_mark: meta.packet_mark,
            connection_mark: conn.map_or(meta.connection_mark, |c| c.mark),
            routing_mark: meta.routing_mark,
            conn,
        };
        if offset == 0 {
            let l4 = l3.get(header_len..end).unwrap_or(&[]);
            facts.parse_transport(l4, header_len);
        }
        Some(facts)
    }

    fn parse_transport(&mut self, l4: &[u8], l4_offset: usize) {
        match self.protocol {
            PROTO_TCP => {
                let Some(h) = l4.get(..20) else { return };
                let data_offset = usize::from(h[12] >> 4) * 4;
                if data_offset < 20 || data_offset > l4.len() {
                    return;
                }
                self.src_port = Some(u16::from_be_bytes([h[0], h[1]]));
                self.dst_port = Some(u16::from_be_bytes([h[2], h[3]]));
                self.tcp_flags = Some(h[13]);
                self.tcp_mss =
                    tcp_mss_option(l4.get(20..data_offset).unwrap_or(&[])).map(|(_, v)| v);
                self.set_l4(l4_offset, data_offset);
            }
            PROTO_UDP => {
                let Some(h) = l4.get(..8) else { return };
                self.src_port = Some(u16::from_be_bytes([h[0], h[1]]));
                self.dst_port = Some(u16::from_be_bytes([h[2], h[3]]));
                self.set_l4(l4_offset, 8);
            }
            PROTO_ICMP => {
                let Some(h) = l4.get(..8) else { return };
                self.icmp = Some((h[0], h[1]));
                self.set_l4(l4_offset, 8);
            }
            _ => {}
        }
    }

    fn set_l4(&mut self, l4_offset: usize, header_len: usize) {
        self.l4_offset = Some(l4_offset as u16);
        self.payload_start = (l4_offset + header_len).min(usize::from(self.payload_end)) as u16;
    }

    /// The connection state matchers see (`invalid` without conntrack facts, as netfilter).
    pub fn conn_state(&self) -> ConnState {
        self.conn.map_or(ConnState::Invalid, |c| c.state)
    }

    /// The packet's tuple in its connection's original direction (replies swapped back), so that
    /// per-connection hashes (`per-connection-classifier`) give both directions the same value.
    pub fn original_direction(&self) -> (Ipv4Address, u16, Ipv4Address, u16) {
        let (sp, dp) = (self.src_port.unwrap_or(0), self.dst_port.unwrap_or(0));
        match self.conn.map(|c| c.direction) {
            Some(Direction::Reply) => (self.dst, dp, self.src, sp),
            _ => (self.src, sp, self.dst, dp),
        }
    }
}

/// Finds the MSS option (kind 2, length 4) in TCP options; returns its offset within `options` and value.
/// Stops at end-of-options (0) and at any malformed length, like Linux's `tcp_parse_options`.
pub(crate) fn tcp_mss_option(options: &[u8]) -> Option<(usize, u16)> {
    let mut i = 0;
    while let Some(&kind) = options.get(i) {
        match kind {
            0 => return None,
            1 => i += 1,
            _ => {
                let len = usize::from(*options.get(i + 1)?);
                if len < 2 {
                    return None;
                }
                if kind == 2 && len == 4 {
                    let v = options.get(i + 2..i + 4)?;
                    return Some((i, u16::from_be_bytes([v[0], v[1]])));
                }
                i += len;
            }
        }
    }
    None
}
