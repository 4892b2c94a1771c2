//! Building ARP frames (Ethernet header + RFC 826 Ethernet/IPv4 ARP packet), and the requests/replies the
//! cache asks the engine to send.
//!
//! Every builder writes exactly [`ARP_FRAME_LEN`] (42) bytes and returns that length, or `None` (writing
//! nothing) when `out` is shorter. No padding: the driver pads to the 60-byte Ethernet minimum.

use smoltcp::wire::{
    ArpOperation, ArpPacket, ArpRepr, EthernetAddress, EthernetFrame, EthernetProtocol,
    EthernetRepr, Ipv4Address,
};

use crate::interface::InterfaceId;

/// Length of an Ethernet frame carrying an Ethernet/IPv4 ARP packet: 14 + 28.
pub const ARP_FRAME_LEN: usize = 42;

/// Ethernet header length.
const ETHERNET_HEADER_LEN: usize = 14;

/// Writes `eth_dst` ← `sha`, ethertype ARP, and the ARP packet.
fn build(eth_dst: EthernetAddress, arp: ArpRepr, out: &mut [u8]) -> Option<usize> {
    let ArpRepr::EthernetIpv4 {
        source_hardware_addr,
        ..
    } = arp
    else {
        return None;
    };
    let buf = out.get_mut(..ARP_FRAME_LEN)?;
    let mut frame = EthernetFrame::new_checked(buf).ok()?;
    EthernetRepr {
        src_addr: source_hardware_addr,
        dst_addr: eth_dst,
        ethertype: EthernetProtocol::Arp,
    }
    .emit(&mut frame);
    let payload = frame.payload_mut();
    let mut packet =
        ArpPacket::new_unchecked(payload.get_mut(..ARP_FRAME_LEN - ETHERNET_HEADER_LEN)?);
    arp.emit(&mut packet);
    Some(ARP_FRAME_LEN)
}

/// A who-has request for `target_ip`, sent from `src_mac`/`src_ip` to `eth_dst`.
fn request(
    src_mac: EthernetAddress,
    src_ip: Ipv4Address,
    eth_dst: EthernetAddress,
    target_ip: Ipv4Address,
    out: &mut [u8],
) -> Option<usize> {
    let arp = ArpRepr::EthernetIpv4 {
        operation: ArpOperation::Request,
        source_hardware_addr: src_mac,
        source_protocol_addr: src_ip,
        // RFC 826 leaves it unspecified in a request; zero is customary (and RFC 5227 §2.3's SHOULD).
        target_hardware_addr: EthernetAddress([0; 6]),
        target_protocol_addr: target_ip,
    };
    build(eth_dst, arp, out)
}

/// Broadcast ARP request "who has `target_ip`? tell `src_ip`" (RFC 826).
pub fn build_request(
    src_mac: EthernetAddress,
    src_ip: Ipv4Address,
    target_ip: Ipv4Address,
    out: &mut [u8],
) -> Option<usize> {
    request(src_mac, src_ip, EthernetAddress::BROADCAST, target_ip, out)
}

/// Unicast ARP request to the MAC we already have, used to revalidate a stale entry (RFC 1122 §2.3.2.1
/// "unicast poll").
pub fn build_unicast_request(
    src_mac: EthernetAddress,
    src_ip: Ipv4Address,
    dst_mac: EthernetAddress,
    target_ip: Ipv4Address,
    out: &mut [u8],
) -> Option<usize> {
    request(src_mac, src_ip, dst_mac, target_ip, out)
}

/// ARP reply "`src_ip` is at `src_mac`", unicast to the requester `dst_mac`/`dst_ip` (RFC 826).
pub fn build_reply(
    src_mac: EthernetAddress,
    src_ip: Ipv4Address,
    dst_mac: EthernetAddress,
    dst_ip: Ipv4Address,
    out: &mut [u8],
) -> Option<usize> {
    let arp = ArpRepr::EthernetIpv4 {
        operation: ArpOperation::Reply,
        source_hardware_addr: src_mac,
        source_protocol_addr: src_ip,
        target_hardware_addr: dst_mac,
        target_protocol_addr: dst_ip,
    };
    build(dst_mac, arp, out)
}

/// Gratuitous ARP announcement for `ip` (sent when an address is added or an interface comes up):
/// a broadcast request with sender IP = target IP = `ip` and a zero target MAC (RFC 5227 §2.3
/// "ARP Announcement"; RFC 5944 §4.6 — every host that has `ip` cached updates it to `mac`).
pub fn build_gratuitous(mac: EthernetAddress, ip: Ipv4Address, out: &mut [u8]) -> Option<usize> {
    request(mac, ip, EthernetAddress::BROADCAST, ip, out)
}

/// A request the cache wants sent on `iface`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArpRequest {
    pub iface: InterfaceId,
    /// The address being resolved.
    pub target_ip: Ipv4Address,
    /// `Some(mac)` for a unicast revalidation of a stale entry, `None` for a broadcast.
    pub unicast_to: Option<EthernetAddress>,
}

impl ArpRequest {
    /// Builds the frame. `our_ip` should be the interface's address in `target_ip`'s subnet (the engine
    /// chooses; the sender address is what the target will learn).
    pub fn emit(
        &self,
        our_mac: EthernetAddress,
        our_ip: Ipv4Address,
        out: &mut [u8],
    ) -> Option<usize> {
        let eth_dst = self.unicast_to.unwrap_or(EthernetAddress::BROADCAST);
        request(our_mac, our_ip, eth_dst, self.target_ip, out)
    }
}

/// A reply the cache wants sent on `iface`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArpReply {
    pub iface: InterfaceId,
    /// The address being answered for (ours, or a proxied one).
    pub sender_ip: Ipv4Address,
    /// The requester.
    pub target_mac: EthernetAddress,
    /// The requester's address (0.0.0.0 for an RFC 5227 probe).
    pub target_ip: Ipv4Address,
    /// Answered on behalf of another host (RFC 1027).
    pub proxy: bool,
}

impl ArpReply {
    /// Builds the frame with the interface's MAC.
    pub fn emit(&self, our_mac: EthernetAddress, out: &mut [u8]) -> Option<usize> {
        build_reply(
            our_mac,
            self.sender_ip,
            self.target_mac,
            self.target_ip,
            out,
        )
    }
}
