//! Frame builders and parsers for the engine scenario tests: real Ethernet/ARP/IPv4/UDP/ICMP bytes made
//! and checked with smoltcp's wire module, so the tests speak the same language as the wire.
#![allow(dead_code)]

use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    ArpOperation, ArpPacket, ArpRepr, EthernetAddress, EthernetFrame, EthernetProtocol,
    EthernetRepr, Icmpv4Packet, Icmpv4Repr, IpProtocol, Ipv4Address, Ipv4Packet, Ipv4Repr,
    UdpPacket, UdpRepr,
};

pub const BROADCAST: EthernetAddress = EthernetAddress([0xFF; 6]);

pub fn mac(last: u8) -> EthernetAddress {
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

/// An IPv4 packet with the given protocol payload (checksums filled), optionally DF, with an identification.
pub fn ipv4(
    src: Ipv4Address,
    dst: Ipv4Address,
    protocol: IpProtocol,
    ttl: u8,
    df: bool,
    payload: &[u8],
) -> Vec<u8> {
    let repr = Ipv4Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: protocol,
        payload_len: payload.len(),
        hop_limit: ttl,
    };
    let mut bytes = vec![0u8; repr.buffer_len() + payload.len()];
    let mut packet = Ipv4Packet::new_unchecked(&mut bytes);
    repr.emit(&mut packet, &ChecksumCapabilities::default());
    packet.set_ident(0x4242);
    packet.set_dont_frag(df);
    packet.fill_checksum();
    packet.payload_mut().copy_from_slice(payload);
    bytes
}

pub fn udp_payload(
    src: Ipv4Address,
    dst: Ipv4Address,
    src_port: u16,
    dst_port: u16,
    data: &[u8],
) -> Vec<u8> {
    let repr = UdpRepr { src_port, dst_port };
    let mut bytes = vec![0u8; repr.header_len() + data.len()];
    let mut packet = UdpPacket::new_unchecked(&mut bytes);
    repr.emit(
        &mut packet,
        &src.into(),
        &dst.into(),
        data.len(),
        |buf| buf.copy_from_slice(data),
        &ChecksumCapabilities::default(),
    );
    bytes
}

/// A UDP datagram in an Ethernet frame.
pub fn udp_frame(
    src_mac: EthernetAddress,
    dst_mac: EthernetAddress,
    src: Ipv4Address,
    dst: Ipv4Address,
    ttl: u8,
    data: &[u8],
) -> Vec<u8> {
    let udp = udp_payload(src, dst, 40000, 5001, data);
    ethernet(
        src_mac,
        dst_mac,
        EthernetProtocol::Ipv4,
        &ipv4(src, dst, IpProtocol::Udp, ttl, false, &udp),
    )
}

/// An IPv4 packet in an Ethernet frame.
pub fn ipv4_frame(src_mac: EthernetAddress, dst_mac: EthernetAddress, ip_packet: &[u8]) -> Vec<u8> {
    ethernet(src_mac, dst_mac, EthernetProtocol::Ipv4, ip_packet)
}

pub fn echo_request(
    src: Ipv4Address,
    dst: Ipv4Address,
    ttl: u8,
    ident: u16,
    seq_no: u16,
) -> Vec<u8> {
    let data = b"appliance-ping";
    let repr = Icmpv4Repr::EchoRequest {
        ident,
        seq_no,
        data,
    };
    let mut icmp = vec![0u8; repr.buffer_len()];
    repr.emit(
        &mut Icmpv4Packet::new_unchecked(&mut icmp),
        &ChecksumCapabilities::default(),
    );
    ipv4(src, dst, IpProtocol::Icmp, ttl, false, &icmp)
}

pub fn arp_frame(
    op: ArpOperation,
    src_mac: EthernetAddress,
    src_ip: Ipv4Address,
    dst_mac: EthernetAddress,
    dst_ip: Ipv4Address,
) -> Vec<u8> {
    let repr = ArpRepr::EthernetIpv4 {
        operation: op,
        source_hardware_addr: src_mac,
        source_protocol_addr: src_ip,
        target_hardware_addr: if op == ArpOperation::Request {
            EthernetAddress([0; 6])
        } else {
            dst_mac
        },
        target_protocol_addr: dst_ip,
    };
    let mut arp = vec![0u8; repr.buffer_len()];
    repr.emit(&mut ArpPacket::new_unchecked(&mut arp));
    let l2_dst = if op == ArpOperation::Request {
        BROADCAST
    } else {
        dst_mac
    };
    ethernet(src_mac, l2_dst, EthernetProtocol::Arp, &arp)
}

/// A parsed frame the engine sent.
#[derive(Debug)]
pub enum Sent {
    Arp {
        l2_dst: EthernetAddress,
        repr: ArpRepr,
    },
    Ipv4 {
        l2_src: EthernetAddress,
        l2_dst: EthernetAddress,
        ip: Vec<u8>,
    },
    Other(Vec<u8>),
}

pub fn parse(frame: &[u8]) -> Sent {
    let eth = EthernetFrame::new_checked(frame).expect("engine sent a runt");
    match eth.ethertype() {
        EthernetProtocol::Arp => {
            let arp = ArpPacket::new_checked(eth.payload()).expect("bad ARP from engine");
            Sent::Arp {
                l2_dst: eth.dst_addr(),
                repr: ArpRepr::parse(&arp).expect("bad ARP repr"),
            }
        }
        EthernetProtocol::Ipv4 => {
            let ip = Ipv4Packet::new_checked(eth.payload()).expect("bad IPv4 from engine");
            assert!(
                ip.verify_checksum(),
                "engine sent a bad IPv4 header checksum"
            );
            let len = usize::from(ip.total_len());
            Sent::Ipv4 {
                l2_src: eth.src_addr(),
                l2_dst: eth.dst_addr(),
                ip: eth.payload()[..len].to_vec(),
            }
        }
        _ => Sent::Other(frame.to_vec()),
    }
}

pub fn ipv4_header(ip: &[u8]) -> Ipv4Repr {
    let packet = Ipv4Packet::new_checked(ip).unwrap();
    Ipv4Repr::parse(&packet, &ChecksumCapabilities::default()).unwrap()
}

/// The ICMP message in an IPv4 packet: (type, code, rest-of-header u32, data).
pub fn icmp_of(ip: &[u8]) -> (u8, u8, u32, Vec<u8>) {
    let packet = Ipv4Packet::new_checked(ip).unwrap();
    assert_eq!(packet.next_header(), IpProtocol::Icmp);
    let icmp = Icmpv4Packet::new_checked(packet.payload()).unwrap();
    assert!(icmp.verify_checksum(), "bad ICMP checksum");
    let bytes = packet.payload();
    (
        bytes[0],
        bytes[1],
        u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
        bytes[8..].to_vec(),
    )
}

pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const RST: u8 = 0x04;
pub const PSH: u8 = 0x08;
pub const ACK: u8 = 0x10;

/// A TCP segment with arbitrary flags (20-byte header, window 64240, checksum filled).
#[allow(clippy::too_many_arguments)] // one argument per header field a test sets
pub fn tcp_payload(
    src: Ipv4Address,
    dst: Ipv4Address,
    sport: u16,
    dport: u16,
    flags: u8,
    seq: u32,
    ack: u32,
    data: &[u8],
) -> Vec<u8> {
    tcp_payload_with_options(src, dst, sport, dport, flags, seq, ack, 64240, &[], data)
}

/// A TCP segment with a given window and options (the bytes after the 20-byte header, a multiple of
/// four, as Linux sends them), checksum filled.
#[allow(clippy::too_many_arguments)] // one argument per header field a test sets
pub fn tcp_payload_with_options(
    src: Ipv4Address,
    dst: Ipv4Address,
    sport: u16,
    dport: u16,
    flags: u8,
    seq: u32,
    ack: u32,
    window: u16,
    options: &[u8],
    data: &[u8],
) -> Vec<u8> {
    let header = 20 + options.len();
    let mut bytes = vec![0u8; header + data.len()];
    bytes[0..2].copy_from_slice(&sport.to_be_bytes());
    bytes[2..4].copy_from_slice(&dport.to_be_bytes());
    bytes[4..8].copy_from_slice(&seq.to_be_bytes());
    bytes[8..12].copy_from_slice(&ack.to_be_bytes());
    bytes[12] = ((header / 4) as u8) << 4;
    bytes[13] = flags;
    bytes[14..16].copy_from_slice(&window.to_be_bytes());
    bytes[20..header].copy_from_slice(options);
    bytes[header..].copy_from_slice(data);
    smoltcp::wire::TcpPacket::new_unchecked(&mut bytes).fill_checksum(&src.into(), &dst.into());
    bytes
}

/// (src port, dst port, flags) of a TCP segment in an IPv4 packet, after checking both checksums.
pub fn tcp_of(ip: &[u8]) -> (u16, u16, u8) {
    let packet = Ipv4Packet::new_checked(ip).unwrap();
    assert_eq!(packet.next_header(), IpProtocol::Tcp);
    let tcp = smoltcp::wire::TcpPacket::new_checked(packet.payload()).unwrap();
    assert!(
        tcp.verify_checksum(&packet.src_addr().into(), &packet.dst_addr().into()),
        "bad TCP checksum"
    );
    let bytes = packet.payload();
    (tcp.src_port(), tcp.dst_port(), bytes[13])
}

/// (src port, dst port) of a UDP datagram, checksum checked.
pub fn udp_of(ip: &[u8]) -> (u16, u16) {
    let packet = Ipv4Packet::new_checked(ip).unwrap();
    assert_eq!(packet.next_header(), IpProtocol::Udp);
    let udp = UdpPacket::new_checked(packet.payload()).unwrap();
    assert!(
        udp.verify_checksum(&packet.src_addr().into(), &packet.dst_addr().into()),
        "bad UDP checksum"
    );
    (udp.src_port(), udp.dst_port())
}
