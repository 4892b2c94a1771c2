//! Literal frames for the scenario tests, made and read with smoltcp's wire module, and a router
//! harness that answers the engine's ARP questions the way hosts on each segment would.

use alloc::vec;
use alloc::vec::Vec;

use netstack::firewall::Firewall;
use netstack::interface::InterfaceId;
use netstack::{Engine, Instant};
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    ArpOperation, ArpPacket, ArpRepr, EthernetAddress, EthernetFrame, EthernetProtocol,
    EthernetRepr, Icmpv4Packet, Icmpv4Repr, IpProtocol, Ipv4Address, Ipv4Packet, Ipv4Repr,
    TcpPacket,
};

pub const SYN: u8 = 0x02;
pub const ACK: u8 = 0x10;

/// A host's MAC: `02:00:00:00:00:<last>`.
pub fn host_mac(last: u8) -> EthernetAddress {
    EthernetAddress([0x02, 0, 0, 0, 0, last])
}

pub fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Address {
    Ipv4Address::new(a, b, c, d)
}

fn ethernet(
    src: EthernetAddress,
    dst: EthernetAddress,
    ethertype: EthernetProtocol,
    payload: &[u8],
) -> Vec<u8> {
    let repr = EthernetRepr {
        src_addr: src,
        dst_addr: dst,
        ethertype,
    };
    let mut bytes = vec![0u8; repr.buffer_len() + payload.len()];
    let mut frame = EthernetFrame::new_unchecked(&mut bytes);
    repr.emit(&mut frame);
    frame.payload_mut().copy_from_slice(payload);
    bytes
}

/// An IPv4 packet (TTL 64) around `payload`, header checksum filled.
pub fn ipv4(src: Ipv4Address, dst: Ipv4Address, protocol: IpProtocol, payload: &[u8]) -> Vec<u8> {
    let repr = Ipv4Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: protocol,
        payload_len: payload.len(),
        hop_limit: 64,
    };
    let mut bytes = vec![0u8; repr.buffer_len() + payload.len()];
    let mut packet = Ipv4Packet::new_unchecked(&mut bytes);
    repr.emit(&mut packet, &ChecksumCapabilities::default());
    packet.payload_mut().copy_from_slice(payload);
    bytes
}

/// A TCP segment without options or data in an IPv4 packet, checksums filled.
pub fn tcp(
    src: Ipv4Address,
    dst: Ipv4Address,
    ports: (u16, u16),
    flags: u8,
    seq: u32,
    ack: u32,
) -> Vec<u8> {
    let mut segment = vec![0u8; 20];
    segment[0..2].copy_from_slice(&ports.0.to_be_bytes());
    segment[2..4].copy_from_slice(&ports.1.to_be_bytes());
    segment[4..8].copy_from_slice(&seq.to_be_bytes());
    segment[8..12].copy_from_slice(&ack.to_be_bytes());
    segment[12] = 5 << 4;
    segment[13] = flags;
    segment[14..16].copy_from_slice(&64240u16.to_be_bytes());
    TcpPacket::new_unchecked(&mut segment).fill_checksum(&src.into(), &dst.into());
    ipv4(src, dst, IpProtocol::Tcp, &segment)
}

/// An ICMP echo request in an IPv4 packet.
pub fn ping(src: Ipv4Address, dst: Ipv4Address, ident: u16) -> Vec<u8> {
    let repr = Icmpv4Repr::EchoRequest {
        ident,
        seq_no: 1,
        data: b"apply",
    };
    let mut icmp = vec![0u8; repr.buffer_len()];
    repr.emit(
        &mut Icmpv4Packet::new_unchecked(&mut icmp),
        &ChecksumCapabilities::default(),
    );
    ipv4(src, dst, IpProtocol::Icmp, &icmp)
}

/// Source, destination and protocol of an IPv4 packet.
pub fn header(packet: &[u8]) -> (Ipv4Address, Ipv4Address, IpProtocol) {
    let ip = Ipv4Packet::new_checked(packet).expect("IPv4 packet");
    (ip.src_addr(), ip.dst_addr(), ip.next_header())
}

/// (src port, dst port, flags) of a TCP packet.
pub fn tcp_ports(packet: &[u8]) -> (u16, u16, u8) {
    let ip = Ipv4Packet::new_checked(packet).expect("IPv4 packet");
    let segment = TcpPacket::new_checked(ip.payload()).expect("TCP segment");
    let flags = ip.payload().get(13).copied().unwrap_or(0);
    (segment.src_port(), segment.dst_port(), flags)
}

/// The ICMP type of an ICMP packet.
pub fn icmp_type(packet: &[u8]) -> u8 {
    let ip = Ipv4Packet::new_checked(packet).expect("IPv4 packet");
    ip.payload().first().copied().unwrap_or(0xFF)
}

/// A router under test: the engine, a clock, and the hosts on each segment (interface → (MAC, IP)),
/// which answer the router's ARP requests.
pub struct Router {
    pub engine: Engine<Firewall>,
    pub now: Instant,
    pub macs: Vec<EthernetAddress>,
    pub hosts: Vec<(EthernetAddress, Ipv4Address)>,
}

impl Router {
    /// Frames the engine queued on `interface`: IPv4 packets returned, ARP requests answered for the
    /// segment's host (then what that released is returned too).
    pub fn drain(&mut self, interface: u16) -> Vec<Vec<u8>> {
        let mut packets = Vec::new();
        for _ in 0..3 {
            let mut frames = Vec::new();
            self.engine.transmit(InterfaceId(interface), |frame| {
                frames.push(frame.to_vec());
                true
            });
            let mut answered = false;
            for frame in frames {
                let Ok(eth) = EthernetFrame::new_checked(&frame[..]) else {
                    continue;
                };
                match eth.ethertype() {
                    EthernetProtocol::Ipv4 => {
                        let ip = Ipv4Packet::new_checked(eth.payload()).expect("IPv4 from engine");
                        let len = usize::from(ip.total_len());
                        packets.push(eth.payload()[..len].to_vec());
                    }
                    EthernetProtocol::Arp => {
                        let arp = ArpPacket::new_checked(eth.payload()).expect("ARP from engine");
                        if let Ok(ArpRepr::EthernetIpv4 {
                            operation: ArpOperation::Request,
                            source_hardware_addr,
                            source_protocol_addr,
                            target_protocol_addr,
                            ..
                        }) = ArpRepr::parse(&arp)
                        {
                            let (host_mac, host_ip) = self.hosts[usize::from(interface)];
                            if target_protocol_addr == host_ip {
                                let reply = ArpRepr::EthernetIpv4 {
                                    operation: ArpOperation::Reply,
                                    source_hardware_addr: host_mac,
                                    source_protocol_addr: host_ip,
                                    target_hardware_addr: source_hardware_addr,
                                    target_protocol_addr: source_protocol_addr,
                                };
                                let mut bytes = vec![0u8; reply.buffer_len()];
                                reply.emit(&mut ArpPacket::new_unchecked(&mut bytes));
                                let frame = ethernet(
                                    host_mac,
                                    source_hardware_addr,
                                    EthernetProtocol::Arp,
                                    &bytes,
                                );
                                self.engine
                                    .receive(InterfaceId(interface), &frame, self.now);
                                answered = true;
                            }
                        }
                    }
                    _ => {}
                }
            }
            if !answered {
                break;
            }
        }
        packets
    }

    /// Delivers `packet` from the host of segment `from` and returns what left on segment `to`.
    pub fn send(&mut self, from: u16, packet: &[u8], to: u16) -> Vec<Vec<u8>> {
        let (host_mac, _) = self.hosts[usize::from(from)];
        let frame = ethernet(
            host_mac,
            self.macs[usize::from(from)],
            EthernetProtocol::Ipv4,
            packet,
        );
        self.engine.receive(InterfaceId(from), &frame, self.now);
        self.drain(to)
    }
}
