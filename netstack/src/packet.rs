//! The packet buffer every stage works on, and its annotations.
//!
//! A [`Packet`] owns its bytes (a frame as received, or an IP packet the router made) and records where the
//! network header starts. Received frames keep their Ethernet header in front of `l3_offset`; packets the
//! router makes are created with [`ETHERNET_HEADROOM`] free bytes in front, so egress can always write a
//! 14-byte Ethernet header in place without copying. Buffers are recycled through the engine's pool (see
//! `engine`), so the forwarding path does not allocate once warmed up.

use alloc::vec::Vec;

use crate::interface::InterfaceId;
use smoltcp::wire::Ipv4Address;

/// Bytes reserved in front of the IP header of packets the router makes (an Ethernet header).
pub const ETHERNET_HEADROOM: usize = 14;
/// Largest frame a packet buffer holds: a 9000-byte jumbo payload behind an Ethernet header and a VLAN tag.
pub const MAX_FRAME: usize = 9018;

/// A mark set by mangle (`new-packet-mark=` etc.); 0 means `no-mark`. The config layer interns names.
pub type Mark = u32;

/// Annotations that travel with a packet through the stages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// Where the packet came in (None: made by the router itself).
    pub in_interface: Option<InterfaceId>,
    /// Where it goes out, once routed.
    pub out_interface: Option<InterfaceId>,
    /// Offset of the IP header in the buffer.
    pub l3_offset: usize,
    /// Offset of the transport header, when the packet carries one we parse (TCP, UDP, ICMP) and is not a
    /// non-first fragment.
    pub l4_offset: Option<usize>,
    /// 802.1Q VLAN id of a tagged frame.
    pub vlan: Option<u16>,
    /// Received as a link-layer broadcast or multicast (RFC 1812 §5.3.5: never forwarded, never answered
    /// with ICMP errors).
    pub link_broadcast: bool,
    /// Next-hop address chosen by routing (the gateway, or the destination when on-link).
    pub next_hop: Option<Ipv4Address>,
    /// Preferred source address of the chosen route (`pref-src`), for packets the router originates.
    pub pref_src: Option<Ipv4Address>,
    /// What connection tracking said about the packet (None: not tracked, e.g. no firewall configured).
    pub conn: Option<crate::flow::ConnFacts>,
    /// `conn` names an entry created by this packet and not yet confirmed (netfilter confirms at the end
    /// of postrouting or input, so a dropped first packet leaves no entry).
    pub conn_tentative: bool,
    pub packet_mark: Mark,
    pub connection_mark: Mark,
    pub routing_mark: Mark,
    /// `set-priority`: the packet's priority (0-63; queues and WMM use it later).
    pub priority: u8,
    /// For a datagram reassembled from fragments: the largest fragment's size, which forwarding must not
    /// exceed when it refragments (0: not reassembled). Linux `frag_max_size`.
    pub max_fragment_len: u16,
    /// The packet belongs to a FastTracked connection: the engine skips the mangle and filter hook
    /// points for it (routeros-reference.md §1; NAT and tracking still apply).
    pub fasttracked: bool,
    /// Flow hash of the packet's addresses and ports (ECMP path choice).
    pub flow_hash: u32,
    /// Record this packet's path in the trace buffer.
    pub traced: bool,
    /// Checksum and segmentation work a NIC left for later (a partial transport checksum, a TCP
    /// super-frame); see [`crate::offload`].
    pub offload: crate::offload::Offload,
}

/// An owned packet: bytes plus [`Meta`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    data: Vec<u8>,
    pub meta: Meta,
}

impl Packet {
    /// Wraps a received Ethernet frame (`buffer` is reused storage; its contents are replaced).
    pub fn from_frame(buffer: Vec<u8>, frame: &[u8], in_interface: InterfaceId) -> Self {
        Self::from_frame_up_to(buffer, frame, in_interface, MAX_FRAME)
    }

    /// [`Packet::from_frame`] for frames up to `max` bytes (a TCP super-frame from an offloading NIC
    /// may hold a 64 KiB IPv4 packet).
    pub fn from_frame_up_to(
        mut buffer: Vec<u8>,
        frame: &[u8],
        in_interface: InterfaceId,
        max: usize,
    ) -> Self {
        buffer.clear();
        buffer.extend_from_slice(&frame[..frame.len().min(max)]);
        Self {
            data: buffer,
            meta: Meta {
                in_interface: Some(in_interface),
                ..Meta::default()
            },
        }
    }

    /// Wraps an IP packet made by the router (leaves headroom for the Ethernet header).
    pub fn from_ip(mut buffer: Vec<u8>, ip_packet: &[u8]) -> Self {
        buffer.clear();
        buffer.resize(ETHERNET_HEADROOM, 0);
        buffer.extend_from_slice(&ip_packet[..ip_packet.len().min(MAX_FRAME - ETHERNET_HEADROOM)]);
        Self {
            data: buffer,
            meta: Meta {
                l3_offset: ETHERNET_HEADROOM,
                ..Meta::default()
            },
        }
    }

    /// Wraps a buffer that already holds [`ETHERNET_HEADROOM`] bytes followed by an IP packet of any size
    /// (a reassembled datagram may be up to 65535 bytes), without copying.
    pub fn from_ip_with_headroom(buffer: Vec<u8>) -> Self {
        Self {
            data: buffer,
            meta: Meta {
                l3_offset: ETHERNET_HEADROOM,
                ..Meta::default()
            },
        }
    }

    /// An empty packet that owns no storage (stands in for a packet taken out of a `&mut`).
    pub fn placeholder() -> Self {
        Self {
            data: Vec::new(),
            meta: Meta::default(),
        }
    }

    /// All bytes, from the start of the frame (or headroom).
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// The IP packet (from the network header to the end of the buffer).
    pub fn l3(&self) -> &[u8] {
        self.data.get(self.meta.l3_offset..).unwrap_or(&[])
    }

    pub fn l3_mut(&mut self) -> &mut [u8] {
        let offset = self.meta.l3_offset.min(self.data.len());
        &mut self.data[offset..]
    }

    /// Drops bytes past `len` bytes of IP packet (Ethernet padding after the IP total length).
    pub fn truncate_l3(&mut self, len: usize) {
        let end = self.meta.l3_offset.saturating_add(len);
        if end < self.data.len() {
            self.data.truncate(end);
        }
    }

    /// Writes an Ethernet header immediately before the IP header and returns the frame to transmit; None
    /// when there is no room (cannot happen for buffers made by `from_frame`/`from_ip`).
    pub fn frame_with_header(&mut self, header: &[u8; 14]) -> Option<&[u8]> {
        let start = self.meta.l3_offset.checked_sub(14)?;
        self.data
            .get_mut(start..self.meta.l3_offset)?
            .copy_from_slice(header);
        self.data.get(start..)
    }

    /// Gives the storage back (to the engine's pool).
    pub fn into_buffer(self) -> Vec<u8> {
        self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_header_is_written_in_place() {
        let mut packet = Packet::from_ip(Vec::new(), &[0x45, 0, 0, 20]);
        assert_eq!(packet.l3(), &[0x45, 0, 0, 20]);
        let frame = packet.frame_with_header(&[0xAA; 14]).unwrap();
        assert_eq!(frame.len(), 18);
        assert_eq!(&frame[..14], &[0xAA; 14]);
        assert_eq!(&frame[14..], &[0x45, 0, 0, 20]);
    }

    #[test]
    fn truncation_and_bounds() {
        let mut packet = Packet::from_frame(Vec::new(), &[0u8; 60], InterfaceId(0));
        packet.meta.l3_offset = 14;
        packet.truncate_l3(20);
        assert_eq!(packet.l3().len(), 20);
        packet.meta.l3_offset = 100;
        assert!(packet.l3().is_empty());
        assert!(packet.l3_mut().is_empty());
        packet.meta.l3_offset = 4;
        assert!(packet.frame_with_header(&[0; 14]).is_none());
    }
}
