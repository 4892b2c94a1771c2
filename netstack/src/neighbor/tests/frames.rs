//! Frame builders: exact bytes, and parsed back with smoltcp.

use smoltcp::wire::{
    ArpOperation, ArpPacket, ArpRepr, EthernetFrame, EthernetProtocol, EthernetRepr,
};

use super::*;
use crate::neighbor::frame::{build_gratuitous, build_reply, build_request, build_unicast_request};
use crate::neighbor::{ARP_FRAME_LEN, ArpReply, ArpRequest};

#[rustfmt::skip]
const REQUEST_FRAME: [u8; 42] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // destination: broadcast
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // source: our MAC
    0x08, 0x06,                         // ethertype ARP
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, // Ethernet / IPv4, 6 / 4
    0x00, 0x01,                         // request
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // sender MAC
    192, 168, 88, 1,                    // sender IP
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // target MAC: unknown
    192, 168, 88, 10,                   // target IP
];

#[rustfmt::skip]
const REPLY_FRAME: [u8; 42] = [
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, // destination: the requester
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // source: our MAC
    0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04,
    0x00, 0x02,                         // reply
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // sender MAC: ours
    192, 168, 88, 1,                    // sender IP: ours
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, // target MAC: the requester
    192, 168, 88, 10,                   // target IP: the requester
];

#[rustfmt::skip]
const GRATUITOUS_FRAME: [u8; 42] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04,
    0x00, 0x01,                         // request
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    192, 168, 88, 1,                    // sender IP ...
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    192, 168, 88, 1,                    // ... = target IP
];

/// Parses a built frame back with smoltcp's checked constructors.
fn parse_back(frame: &[u8]) -> (EthernetRepr, ArpRepr) {
    let eth = EthernetFrame::new_checked(frame).expect("ethernet");
    let eth_repr = EthernetRepr::parse(&eth).expect("ethernet repr");
    let arp = ArpPacket::new_checked(eth.payload()).expect("arp");
    (eth_repr, ArpRepr::parse(&arp).expect("arp repr"))
}

#[test]
fn neighbor_request_frame_bytes() {
    let mut out = [0u8; 64];
    assert_eq!(
        build_request(OUR_MAC, OUR_IP, HOST_IP, &mut out),
        Some(ARP_FRAME_LEN)
    );
    assert_eq!(out[..42], REQUEST_FRAME);
    assert!(
        out[42..].iter().all(|&b| b == 0),
        "nothing written past the frame"
    );

    let (eth, arp) = parse_back(&out[..42]);
    assert_eq!(eth.dst_addr, EthernetAddress::BROADCAST);
    assert_eq!(eth.src_addr, OUR_MAC);
    assert_eq!(eth.ethertype, EthernetProtocol::Arp);
    assert_eq!(
        arp,
        ArpRepr::EthernetIpv4 {
            operation: ArpOperation::Request,
            source_hardware_addr: OUR_MAC,
            source_protocol_addr: OUR_IP,
            target_hardware_addr: ZERO_MAC,
            target_protocol_addr: HOST_IP,
        }
    );
}

#[test]
fn neighbor_reply_frame_bytes() {
    let mut out = [0u8; 42];
    assert_eq!(
        build_reply(OUR_MAC, OUR_IP, HOST_MAC, HOST_IP, &mut out),
        Some(42)
    );
    assert_eq!(out, REPLY_FRAME);
    let (eth, arp) = parse_back(&out);
    assert_eq!(eth.dst_addr, HOST_MAC);
    assert_eq!(
        arp,
        ArpRepr::EthernetIpv4 {
            operation: ArpOperation::Reply,
            source_hardware_addr: OUR_MAC,
            source_protocol_addr: OUR_IP,
            target_hardware_addr: HOST_MAC,
            target_protocol_addr: HOST_IP,
        }
    );

    // The same through the value the cache hands out.
    let reply = ArpReply {
        iface: ETHER1,
        sender_ip: OUR_IP,
        target_mac: HOST_MAC,
        target_ip: HOST_IP,
        proxy: false,
    };
    let mut again = [0u8; 42];
    assert_eq!(reply.emit(OUR_MAC, &mut again), Some(42));
    assert_eq!(again, REPLY_FRAME);
}

#[test]
fn neighbor_gratuitous_frame_bytes() {
    let mut out = [0u8; 42];
    assert_eq!(build_gratuitous(OUR_MAC, OUR_IP, &mut out), Some(42));
    assert_eq!(out, GRATUITOUS_FRAME);
    let (eth, arp) = parse_back(&out);
    assert_eq!(eth.dst_addr, EthernetAddress::BROADCAST);
    let ArpRepr::EthernetIpv4 {
        operation,
        source_protocol_addr,
        target_protocol_addr,
        ..
    } = arp
    else {
        panic!("not Ethernet/IPv4");
    };
    assert_eq!(operation, ArpOperation::Request);
    assert_eq!(source_protocol_addr, OUR_IP);
    assert_eq!(target_protocol_addr, OUR_IP);
}

#[test]
fn neighbor_unicast_request_and_request_emit() {
    let mut out = [0u8; 42];
    assert_eq!(
        build_unicast_request(OUR_MAC, OUR_IP, HOST_MAC, HOST_IP, &mut out),
        Some(42)
    );
    let mut expected = REQUEST_FRAME;
    expected[..6].copy_from_slice(&HOST_MAC.0);
    assert_eq!(out, expected);

    let broadcast = ArpRequest {
        iface: ETHER1,
        target_ip: HOST_IP,
        unicast_to: None,
    };
    assert_eq!(broadcast.emit(OUR_MAC, OUR_IP, &mut out), Some(42));
    assert_eq!(out, REQUEST_FRAME);
    let unicast = ArpRequest {
        iface: ETHER1,
        target_ip: HOST_IP,
        unicast_to: Some(HOST_MAC),
    };
    assert_eq!(unicast.emit(OUR_MAC, OUR_IP, &mut out), Some(42));
    assert_eq!(out, expected);
}

#[test]
fn neighbor_builders_refuse_short_buffers() {
    for len in 0..ARP_FRAME_LEN {
        let mut out = alloc::vec![0xeeu8; len];
        assert_eq!(build_request(OUR_MAC, OUR_IP, HOST_IP, &mut out), None);
        assert_eq!(
            build_reply(OUR_MAC, OUR_IP, HOST_MAC, HOST_IP, &mut out),
            None
        );
        assert_eq!(build_gratuitous(OUR_MAC, OUR_IP, &mut out), None);
        assert!(
            out.iter().all(|&b| b == 0xee),
            "nothing written into a short buffer"
        );
    }
}
