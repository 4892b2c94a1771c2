//! Tests of the neighbour cache. ARP payloads are written out byte by byte (not with smoltcp) so that the
//! parser is tested against the RFC 826 layout, not against itself.

mod frames;
mod receive;
mod resolution;
mod robustness;
mod table;

use smoltcp::wire::{EthernetAddress, Ipv4Address};

use super::{ArpOutcome, NeighborCache, NeighborConfig};
use crate::Instant;
use crate::interface::{ArpMode, InterfaceId};

const ETHER1: InterfaceId = InterfaceId(0);
const ETHER2: InterfaceId = InterfaceId(1);

const OUR_MAC: EthernetAddress = EthernetAddress([0x02, 0x00, 0x00, 0x00, 0x00, 0x01]);
const OUR_IP: Ipv4Address = Ipv4Address::new(192, 168, 88, 1);
const HOST_MAC: EthernetAddress = EthernetAddress([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
const HOST_IP: Ipv4Address = Ipv4Address::new(192, 168, 88, 10);
const OTHER_MAC: EthernetAddress = EthernetAddress([0x00, 0x66, 0x77, 0x88, 0x99, 0xaa]);
const OTHER_IP: Ipv4Address = Ipv4Address::new(192, 168, 88, 20);
const ZERO_MAC: EthernetAddress = EthernetAddress([0; 6]);
const UNSPECIFIED: Ipv4Address = Ipv4Address::new(0, 0, 0, 0);

const OURS: &[Ipv4Address] = &[OUR_IP];

const REQUEST: u16 = 1;
const REPLY: u16 = 2;

/// `ms` milliseconds after boot.
fn at(ms: i64) -> Instant {
    Instant::from_millis(ms)
}

fn cache() -> NeighborCache<u32> {
    NeighborCache::new(NeighborConfig::default())
}

/// An Ethernet/IPv4 ARP payload, laid out by hand (RFC 826).
fn arp(
    op: u16,
    sha: EthernetAddress,
    spa: Ipv4Address,
    tha: EthernetAddress,
    tpa: Ipv4Address,
) -> [u8; 28] {
    let mut b = [0u8; 28];
    b[0..2].copy_from_slice(&[0x00, 0x01]); // hardware: Ethernet
    b[2..4].copy_from_slice(&[0x08, 0x00]); // protocol: IPv4
    b[4] = 6;
    b[5] = 4;
    b[6..8].copy_from_slice(&op.to_be_bytes());
    b[8..14].copy_from_slice(&sha.0);
    b[14..18].copy_from_slice(&spa.octets());
    b[18..24].copy_from_slice(&tha.0);
    b[24..28].copy_from_slice(&tpa.octets());
    b
}

fn no_proxy(_: Ipv4Address) -> bool {
    false
}

/// Receives `payload` on ether1 (our address 192.168.88.1) in `mode`, no proxying.
fn receive(
    cache: &mut NeighborCache<u32>,
    payload: &[u8],
    mode: ArpMode,
    now: Instant,
) -> ArpOutcome<u32> {
    cache.process(ETHER1, payload, OURS, mode, no_proxy, now)
}

/// HOST answers our request for HOST_IP.
fn host_reply() -> [u8; 28] {
    arp(REPLY, HOST_MAC, HOST_IP, OUR_MAC, OUR_IP)
}
