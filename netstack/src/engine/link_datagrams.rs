//! The link datagram path: UDP on the DHCP ports (67, 68) taken aside for the router's DHCP client and
//! server, and UDP datagrams sent out of one chosen interface without routing.
//!
//! DHCP needs what sockets on the router's own stack (one AnyIP smoltcp interface, [`crate::local`])
//! cannot give: the interface a broadcast came in on and the sender's MAC address (a server keys its
//! leases by them), sending from 0.0.0.0 before the client has an address (RFC 2131 §4.1), and sending a
//! broadcast (or a unicast to a MAC address that has no ARP entry yet, RFC 2131 §4.1) out of one
//! interface.
//!
//! Receiving: after ingress validation (a well-formed header; a source of 0.0.0.0 only towards the
//! limited broadcast), unfragmented UDP to port 68 (the client port, whatever its IP destination: an
//! offer may be unicast to the address being offered, RFC 2131 §4.1) and to port 67 when it is
//! addressed to the router (its address or a broadcast; port 67 through the router, between a relay and
//! a server, is forwarded as usual) is queued with its in-interface and Ethernet source address. It
//! never reaches the prerouting hooks, the local stack or the forward path: RouterOS's DHCP client and
//! server work on raw sockets below the firewall, so `/ip firewall filter` does not see DHCP and cannot
//! lock a client out of its own lease (a drop-all input rule still lets the router get its WAN address).
//! A datagram whose UDP checksum is wrong is dropped (`BadChecksum`); the queue holds at most
//! [`LINK_QUEUE_LEN`] datagrams and one more is dropped and counted (`LinkQueueFull`).
//!
//! Sending: [`Engine::send_link_datagram`] builds the IPv4/UDP packet (TTL 64, DF clear, both checksums)
//! and queues the frame on the interface to the given MAC address: no routing, no output hooks, no ARP.

use alloc::vec::Vec;

use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    EthernetAddress, EthernetFrame, IpProtocol, Ipv4Address, Ipv4Packet, Ipv4Repr, UdpPacket,
    UdpRepr,
};

use super::stats::bump;
use super::{Engine, TxFrame};
use crate::Instant;
use crate::hooks::Hooks;
use crate::interface::InterfaceId;
use crate::offload::FrameOffload;
use crate::packet::{ETHERNET_HEADROOM, Packet};
use crate::verdict::DropReason;

/// DHCP's ports (RFC 2131 §4.1).
pub const DHCP_SERVER_PORT: u16 = 67;
pub const DHCP_CLIENT_PORT: u16 = 68;

/// Datagrams waiting to be taken at once.
pub const LINK_QUEUE_LEN: usize = 64;

/// The TTL of datagrams sent on the link path (RFC 1700's default, what DHCP implementations use).
const TTL: u8 = 64;

/// A UDP datagram taken off the link, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkDatagram {
    /// The interface it came in on.
    pub interface: InterfaceId,
    /// The Ethernet source address of its frame.
    pub src_mac: EthernetAddress,
    /// Whether it came in a link-layer broadcast (or multicast) frame.
    pub link_broadcast: bool,
    pub src_ip: Ipv4Address,
    pub dst_ip: Ipv4Address,
    pub src_port: u16,
    pub dst_port: u16,
    pub payload: Vec<u8>,
}

/// Why [`Engine::send_link_datagram`] sent nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkSendError {
    /// No such interface, or it is disabled or down.
    InterfaceDown,
    /// The datagram does not fit the interface's MTU.
    TooBig,
    /// No packet buffer was free.
    NoBuffer,
}

impl<H: Hooks> Engine<H> {
    /// Takes `packet` aside when it is a DHCP datagram for the router (see the module docs); returns it
    /// when it is not.
    pub(super) fn divert_link_datagram(
        &mut self,
        mut packet: Packet,
        now: Instant,
    ) -> Option<Packet> {
        let Some((dst, dst_port)) = dhcp_destination(&packet) else {
            return Some(packet);
        };
        let for_router = dst_port == DHCP_CLIENT_PORT
            || self.addresses.is_local(dst)
            || dst.is_broadcast()
            || self.addresses.is_directed_broadcast(dst);
        if !for_router {
            return Some(packet);
        }
        self.complete_checksum(&mut packet);
        let Some(datagram) = parse(&packet) else {
            self.drop_packet(packet, DropReason::BadChecksum, now);
            return None;
        };
        if self.link_datagrams.len() >= LINK_QUEUE_LEN {
            self.drop_packet(packet, DropReason::LinkQueueFull, now);
            return None;
        }
        self.link_datagrams.push_back(datagram);
        bump(&mut self.stats.link_datagrams_received);
        self.recycle(packet.into_buffer());
        None
    }

    /// The oldest datagram taken off the link, if any.
    pub fn take_link_datagram(&mut self) -> Option<LinkDatagram> {
        self.link_datagrams.pop_front()
    }

    /// The oldest datagram to UDP port `port` taken off the link, if any: the DHCP server takes port
    /// 67 and the DHCP client port 68 from the one queue without taking each other's.
    pub fn take_link_datagram_to(&mut self, port: u16) -> Option<LinkDatagram> {
        let at = self
            .link_datagrams
            .iter()
            .position(|d| d.dst_port == port)?;
        self.link_datagrams.remove(at)
    }

    /// Sends a UDP datagram out of `interface` to `link_dst` (the broadcast address or a host's MAC),
    /// from `src_ip` (0.0.0.0 allowed) to `dst_ip`, without routing, hooks or ARP. Counted in the
    /// interface's transmit counters like every frame.
    #[allow(clippy::too_many_arguments)]
    pub fn send_link_datagram(
        &mut self,
        interface: InterfaceId,
        link_dst: EthernetAddress,
        src_ip: Ipv4Address,
        dst_ip: Ipv4Address,
        src_port: u16,
        dst_port: u16,
        payload: &[u8],
        now: Instant,
    ) -> Result<(), LinkSendError> {
        let _ = now;
        let Some((src_mac, mtu)) = self
            .interfaces
            .get(interface)
            .filter(|i| i.is_up())
            .map(|i| (i.mac, i.mtu))
        else {
            return Err(LinkSendError::InterfaceDown);
        };
        let udp = UdpRepr { src_port, dst_port };
        let ip = Ipv4Repr {
            src_addr: src_ip,
            dst_addr: dst_ip,
            next_header: IpProtocol::Udp,
            payload_len: udp.header_len() + payload.len(),
            hop_limit: TTL,
        };
        let ip_len = ip.buffer_len() + ip.payload_len;
        if ip_len > usize::from(mtu) {
            return Err(LinkSendError::TooBig);
        }
        let Some(mut buffer) = self.take_buffer() else {
            self.drops.count(DropReason::NoBuffer);
            return Err(LinkSendError::NoBuffer);
        };
        let start = ETHERNET_HEADROOM - 14;
        buffer.clear();
        buffer.resize(ETHERNET_HEADROOM + ip_len, 0);
        let frame_bytes = &mut buffer[start..];
        let mut frame = EthernetFrame::new_unchecked(&mut *frame_bytes);
        frame.set_dst_addr(link_dst);
        frame.set_src_addr(src_mac);
        frame.set_ethertype(smoltcp::wire::EthernetProtocol::Ipv4);
        let checksums = ChecksumCapabilities::default();
        let mut packet = Ipv4Packet::new_unchecked(frame.payload_mut());
        ip.emit(&mut packet, &checksums);
        let mut datagram = UdpPacket::new_unchecked(packet.payload_mut());
        udp.emit(
            &mut datagram,
            &src_ip.into(),
            &dst_ip.into(),
            payload.len(),
            |out| out.copy_from_slice(payload),
            &checksums,
        );
        let len = buffer.len() - start;
        let frame = TxFrame {
            buffer,
            start,
            offload: FrameOffload::NONE,
        };
        self.enqueue_frame(interface, frame, len);
        bump(&mut self.stats.link_datagrams_sent);
        Ok(())
    }
}

/// The IP destination and UDP port of an unfragmented UDP packet to port 67 or 68.
fn dhcp_destination(packet: &Packet) -> Option<(Ipv4Address, u16)> {
    let ip = Ipv4Packet::new_checked(packet.l3()).ok()?;
    if ip.next_header() != IpProtocol::Udp || ip.more_frags() || ip.frag_offset() != 0 {
        return None;
    }
    let l4 = packet.data().get(packet.meta.l4_offset?..)?;
    let dst_port = u16::from_be_bytes([*l4.get(2)?, *l4.get(3)?]);
    matches!(dst_port, DHCP_SERVER_PORT | DHCP_CLIENT_PORT).then(|| (ip.dst_addr(), dst_port))
}

/// The datagram in `packet` (a frame with its Ethernet header still in front); None when the UDP
/// header or checksum is wrong (a zero checksum means none was sent, RFC 768).
fn parse(packet: &Packet) -> Option<LinkDatagram> {
    // Received frames keep their Ethernet header at the start of the buffer.
    let src_mac = EthernetFrame::new_checked(packet.data()).ok()?.src_addr();
    let ip = Ipv4Packet::new_checked(packet.l3()).ok()?;
    let (src_ip, dst_ip) = (ip.src_addr(), ip.dst_addr());
    let udp = UdpPacket::new_checked(ip.payload()).ok()?;
    if udp.checksum() != 0 && !udp.verify_checksum(&src_ip.into(), &dst_ip.into()) {
        return None;
    }
    Some(LinkDatagram {
        interface: packet.meta.in_interface?,
        src_mac,
        link_broadcast: packet.meta.link_broadcast,
        src_ip,
        dst_ip,
        src_port: udp.src_port(),
        dst_port: udp.dst_port(),
        payload: Vec::from(udp.payload()),
    })
}
