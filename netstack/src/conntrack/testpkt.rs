//! Test packet builders (host tests only): literal IPv4/TCP/UDP/ICMP packets with correct checksums.

use alloc::vec::Vec;
use smoltcp::wire::Ipv4Address;

use crate::checksum::{internet_checksum, ones_complement_add, ones_complement_sum};

use super::parse::pseudo_header_sum;

pub(crate) fn a(s: [u8; 4]) -> Ipv4Address {
    Ipv4Address::new(s[0], s[1], s[2], s[3])
}

pub(crate) fn ipv4(src: Ipv4Address, dst: Ipv4Address, protocol: u8, payload: &[u8]) -> Vec<u8> {
    let total = 20 + payload.len();
    let mut p = alloc::vec![0u8; 20];
    p[0] = 0x45;
    p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    p[4..6].copy_from_slice(&0x1234u16.to_be_bytes());
    p[8] = 64;
    p[9] = protocol;
    p[12..16].copy_from_slice(&src.octets());
    p[16..20].copy_from_slice(&dst.octets());
    let c = internet_checksum(&p);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

fn l4_checksum(src: Ipv4Address, dst: Ipv4Address, protocol: u8, seg: &[u8]) -> u16 {
    !ones_complement_add(
        pseudo_header_sum(src, dst, protocol, seg.len() as u16),
        ones_complement_sum(seg),
    )
}

#[derive(Clone, Copy)]
pub(crate) struct Tcp {
    pub src: Ipv4Address,
    pub sport: u16,
    pub dst: Ipv4Address,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub win: u16,
    pub len: usize,
    pub wscale: Option<u8>,
}

impl Tcp {
    pub(crate) fn build(&self) -> Vec<u8> {
        let mut opts: Vec<u8> = Vec::new();
        if let Some(ws) = self.wscale {
            opts.extend_from_slice(&[1, 3, 3, ws]);
        }
        let hl = 20 + opts.len();
        let mut s = alloc::vec![0u8; hl];
        s[0..2].copy_from_slice(&self.sport.to_be_bytes());
        s[2..4].copy_from_slice(&self.dport.to_be_bytes());
        s[4..8].copy_from_slice(&self.seq.to_be_bytes());
        s[8..12].copy_from_slice(&self.ack.to_be_bytes());
        s[12] = ((hl / 4) as u8) << 4;
        s[13] = self.flags;
        s[14..16].copy_from_slice(&self.win.to_be_bytes());
        s[20..].copy_from_slice(&opts);
        s.extend((0..self.len).map(|i| i as u8));
        let c = l4_checksum(self.src, self.dst, 6, &s);
        s[16..18].copy_from_slice(&c.to_be_bytes());
        ipv4(self.src, self.dst, 6, &s)
    }
}

pub(crate) fn udp(
    src: Ipv4Address,
    sport: u16,
    dst: Ipv4Address,
    dport: u16,
    payload: &[u8],
) -> Vec<u8> {
    let mut s = alloc::vec![0u8; 8];
    s[0..2].copy_from_slice(&sport.to_be_bytes());
    s[2..4].copy_from_slice(&dport.to_be_bytes());
    s[4..6].copy_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    s.extend_from_slice(payload);
    let mut c = l4_checksum(src, dst, 17, &s);
    if c == 0 {
        c = 0xFFFF;
    }
    s[6..8].copy_from_slice(&c.to_be_bytes());
    ipv4(src, dst, 17, &s)
}

pub(crate) fn icmp(
    src: Ipv4Address,
    dst: Ipv4Address,
    ty: u8,
    code: u8,
    rest: [u8; 4],
    body: &[u8],
) -> Vec<u8> {
    let mut s = alloc::vec![ty, code, 0, 0];
    s.extend_from_slice(&rest);
    s.extend_from_slice(body);
    let c = internet_checksum(&s);
    s[2..4].copy_from_slice(&c.to_be_bytes());
    ipv4(src, dst, 1, &s)
}

pub(crate) fn echo(
    src: Ipv4Address,
    dst: Ipv4Address,
    request: bool,
    id: u16,
    seq: u16,
) -> Vec<u8> {
    let mut rest = [0u8; 4];
    rest[..2].copy_from_slice(&id.to_be_bytes());
    rest[2..].copy_from_slice(&seq.to_be_bytes());
    icmp(src, dst, if request { 8 } else { 0 }, 0, rest, b"pingdata")
}

/// An ICMP error of `ty`/`code` from `src` to `dst` quoting the first `quote` bytes of `offending`.
pub(crate) fn icmp_error(
    src: Ipv4Address,
    dst: Ipv4Address,
    ty: u8,
    code: u8,
    offending: &[u8],
    quote: usize,
) -> Vec<u8> {
    icmp(
        src,
        dst,
        ty,
        code,
        [0; 4],
        &offending[..quote.min(offending.len())],
    )
}
