//! Checksum and segmentation offload: what a NIC may leave undone in a frame, and the software that
//! does it when the frame goes somewhere that cannot (virtio 1.2 §5.1.6.2-§5.1.6.4; Linux's
//! `CHECKSUM_PARTIAL` and GSO).
//!
//! An offloading NIC (virtio-net with `CSUM`/`GUEST_CSUM`/`*_TSO4`) hands the engine frames whose
//! transport checksum is *partial* — the checksum field holds the ones' complement sum of the
//! pseudo-header only, and whoever sends the frame last computes the rest — and TCP *super-frames*
//! of up to 64 KiB that a device will cut into segments of a given size. Forwarding them whole is
//! what makes TCP fast through a virtual router: one pass through the engine for ~45 segments.
//!
//! At the NIC boundary a [`FrameOffload`] says this with offsets from the frame's first byte. On
//! ingress [`accept`] turns it into the packet's [`Offload`] (kept in `Meta`), normalised so that the
//! rest of the engine needs to know only two facts:
//!
//! * [`TransportChecksum::Partial`]: the TCP or UDP checksum field of this (unfragmented) IPv4 packet
//!   holds its pseudo-header sum. Rewrites of the pseudo-header (NAT of an address) update it as a sum,
//!   not as a checksum, and rewrites inside the transport header need no update at all
//!   ([`crate::nat`]); whatever reads the checksum (conntrack) must not judge it.
//! * `segment_size`: a TCP super-frame; its checksum field does not matter, as egress rewrites it
//!   ([`prepare_tso`]) or segmentation computes every segment's from scratch ([`Segments`]).
//!
//! Anything else the NIC may say (a partial checksum at an unusual place) is completed in software at
//! once; a claim that does not fit the packet is refused. On egress the engine keeps the offload for a
//! port that can do it ([`OffloadCaps`]) and does the work itself otherwise: [`complete`] for a partial
//! checksum, [`Segments`] for a super-frame (RFC 9293 sequence numbers, flags as Linux's
//! `tcp_gso_segment` sets them, a fresh IPv4 identification per segment). A packet that leaves the
//! fast path for anything that needs whole checksums (the router's own stack, fragmentation) is
//! completed or segmented first.
//!
//! Everything here is total: no panics, lengths checked before bytes are touched.

use smoltcp::wire::Ipv4Address;

use crate::checksum::{internet_checksum, ones_complement_add, ones_complement_sum};
use crate::conntrack::parse;
use crate::packet::Packet;

/// IPv4 protocol numbers of the transports whose checksums may be offloaded.
const TCP: u8 = 6;
const UDP: u8 = 17;
/// Where the checksum field sits in a TCP / UDP header.
const TCP_CHECKSUM_AT: usize = 16;
const UDP_CHECKSUM_AT: usize = 6;
/// Largest IPv4 packet, which bounds a super-frame.
pub const MAX_SUPER_PACKET: usize = 65535;

/// A partial checksum as a NIC describes it: sum the bytes from `start` to the end and store the
/// complement at `start + offset` (virtio's `csum_start`/`csum_offset`; offsets from the frame start).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PartialChecksum {
    pub start: u16,
    pub offset: u16,
}

/// Offload facts of a frame at the NIC boundary (what virtio-net's header carries).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameOffload {
    /// The transport checksum is partial (virtio `NEEDS_CSUM`).
    pub partial_checksum: Option<PartialChecksum>,
    /// The device checked the transport checksum (virtio `DATA_VALID`).
    pub checksum_valid: bool,
    /// A TCP-over-IPv4 super-frame, to be cut into segments of this many payload bytes (virtio
    /// `GSO_TCPV4` and `gso_size`).
    pub tcp_segment_size: Option<u16>,
}

impl FrameOffload {
    /// Nothing offloaded: a frame with complete checksums and at most one MTU of payload.
    pub const NONE: Self = Self {
        partial_checksum: None,
        checksum_valid: false,
        tcp_segment_size: None,
    };
}

/// What a port's NIC can finish for the engine on transmit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OffloadCaps {
    /// Completes partial TCP/UDP checksums.
    pub checksum: bool,
    /// Segments TCP-over-IPv4 super-frames (implies `checksum`).
    pub tcp4_segmentation: bool,
}

/// The state of a packet's transport checksum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TransportChecksum {
    /// Whatever the packet carries is the real checksum (right or wrong).
    #[default]
    Complete,
    /// Complete, and a device already verified it.
    Verified,
    /// The TCP/UDP checksum field holds the pseudo-header sum (module docs).
    Partial,
}

/// A packet's offload state, carried in `Meta`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Offload {
    pub checksum: TransportChecksum,
    /// Non-zero: a TCP super-frame to be cut into segments of this many payload bytes.
    pub segment_size: u16,
}

impl Offload {
    pub fn is_partial(&self) -> bool {
        self.checksum == TransportChecksum::Partial
    }

    pub fn is_super_frame(&self) -> bool {
        self.segment_size != 0
    }

    /// Whether something reading the transport checksum may judge it (a verified or partial one is not
    /// to be judged again; a super-frame's never is).
    pub fn checksum_needs_verification(&self) -> bool {
        self.checksum == TransportChecksum::Complete && !self.is_super_frame()
    }
}

/// Why a frame's offload claim was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OffloadError {
    /// The partial checksum lies outside the packet, or a super-frame is not an unfragmented TCP/IPv4
    /// packet with a segment size.
    Malformed,
}

/// The IPv4 facts offload needs: header length, transport protocol, whether it is a fragment.
struct Ipv4Facts {
    ihl: usize,
    protocol: u8,
    fragment: bool,
}

fn ipv4_facts(l3: &[u8]) -> Option<Ipv4Facts> {
    let first = *l3.first()?;
    let ihl = usize::from(first & 0x0F) * 4;
    if first >> 4 != 4 || ihl < 20 || l3.len() < ihl {
        return None;
    }
    let flags_fragment = u16::from_be_bytes([*l3.get(6)?, *l3.get(7)?]);
    Some(Ipv4Facts {
        ihl,
        protocol: *l3.get(9)?,
        // MF or a non-zero offset.
        fragment: flags_fragment & 0x3FFF != 0,
    })
}

/// Where the transport checksum of an unfragmented TCP/UDP packet sits, from the IPv4 header.
fn checksum_at(facts: &Ipv4Facts) -> Option<usize> {
    if facts.fragment {
        return None;
    }
    match facts.protocol {
        TCP => Some(facts.ihl + TCP_CHECKSUM_AT),
        UDP => Some(facts.ihl + UDP_CHECKSUM_AT),
        _ => None,
    }
}

fn get16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([
        *b.get(at)?,
        *b.get(at.checked_add(1)?)?,
    ]))
}

fn put16(b: &mut [u8], at: usize, v: u16) -> Option<()> {
    b.get_mut(at..at.checked_add(2)?)?
        .copy_from_slice(&v.to_be_bytes());
    Some(())
}

/// The pseudo-header sum (RFC 9293 §3.1, RFC 768) of `l3`'s transport segment of `transport_len` bytes.
fn pseudo_header_sum(l3: &[u8], protocol: u8, transport_len: usize) -> Option<u16> {
    let address = |at: usize| -> Option<Ipv4Address> {
        let octets: [u8; 4] = l3.get(at..at + 4)?.try_into().ok()?;
        Some(Ipv4Address::from(octets))
    };
    let length = u16::try_from(transport_len).ok()?;
    Some(parse::pseudo_header_sum(
        address(12)?,
        address(16)?,
        protocol,
        length,
    ))
}

/// Turns what the NIC said about a received frame into the packet's [`Offload`]. `l3` is the IPv4
/// packet (validated by ingress, cut to its total length), `l3_in_frame` where it starts in the frame.
/// A partial checksum anywhere but in a TCP/UDP header is completed here; a super-frame keeps only its
/// segment size (and none when it holds a single segment).
pub fn accept(
    l3: &mut [u8],
    l3_in_frame: usize,
    frame: &FrameOffload,
) -> Result<Offload, OffloadError> {
    let facts = ipv4_facts(l3).ok_or(OffloadError::Malformed)?;
    let mut offload = Offload::default();
    if let Some(partial) = frame.partial_checksum {
        let start = usize::from(partial.start)
            .checked_sub(l3_in_frame)
            .ok_or(OffloadError::Malformed)?;
        let field = start + usize::from(partial.offset);
        if field.checked_add(2).is_none_or(|end| end > l3.len()) {
            return Err(OffloadError::Malformed);
        }
        if start == facts.ihl && checksum_at(&facts) == Some(field) {
            offload.checksum = TransportChecksum::Partial;
        } else {
            // Somewhere the engine does not track (another protocol, an odd offset): finish it now.
            let sum = ones_complement_sum(l3.get(start..).unwrap_or(&[]));
            put16(l3, field, !sum).ok_or(OffloadError::Malformed)?;
        }
    } else if frame.checksum_valid {
        offload.checksum = TransportChecksum::Verified;
    }
    if let Some(size) = frame.tcp_segment_size {
        if facts.protocol != TCP || facts.fragment || size == 0 {
            return Err(OffloadError::Malformed);
        }
        let header = tcp_header_len(l3, facts.ihl).ok_or(OffloadError::Malformed)?;
        let payload = l3.len() - facts.ihl - header;
        if payload > usize::from(size) {
            offload.segment_size = size;
        }
    }
    Ok(offload)
}

/// The TCP header length (data offset) of the segment at `l4`, when the header fits in `l3`.
fn tcp_header_len(l3: &[u8], l4: usize) -> Option<usize> {
    let len = usize::from(*l3.get(l4.checked_add(12)?)? >> 4) * 4;
    (len >= 20 && l4.checked_add(len)? <= l3.len()).then_some(len)
}

/// The length of the largest IPv4 packet `l3` puts on the wire: itself, or one full segment of a
/// super-frame. The MTU check compares this.
pub fn wire_len(l3: &[u8], offload: &Offload) -> usize {
    if !offload.is_super_frame() {
        return l3.len();
    }
    let segment = ipv4_facts(l3)
        .and_then(|f| Some(f.ihl + tcp_header_len(l3, f.ihl)?))
        .map(|headers| headers + usize::from(offload.segment_size));
    segment.map_or(l3.len(), |s| s.min(l3.len()))
}

/// Completes a partial checksum in place (the field holds the pseudo-header sum; adding the segment
/// and complementing gives the checksum). A UDP checksum that comes out as zero is sent as 0xFFFF
/// (RFC 768). Returns false, bytes untouched, when `l3` is not an unfragmented TCP/UDP packet.
pub fn complete(l3: &mut [u8]) -> bool {
    let Some(facts) = ipv4_facts(l3) else {
        return false;
    };
    let Some(field) = checksum_at(&facts) else {
        return false;
    };
    if field + 2 > l3.len() {
        return false;
    }
    let mut checksum = !ones_complement_sum(l3.get(facts.ihl..).unwrap_or(&[]));
    if facts.protocol == UDP && checksum == 0 {
        checksum = 0xFFFF;
    }
    put16(l3, field, checksum).is_some()
}

/// Completes a packet's partial checksum in software and marks it complete in its `Meta`, for code
/// that needs a real checksum (egress to a port that cannot offload, fragmentation, the router's own
/// stack) or is about to patch the transport header as if it were real (`change-mss`). A super-frame
/// is left alone: its checksum is rewritten on egress whatever it holds. Returns whether a checksum
/// was computed.
pub fn complete_packet(packet: &mut Packet) -> bool {
    let offload = packet.meta.offload;
    if !offload.is_partial() || offload.is_super_frame() {
        return false;
    }
    packet.meta.offload.checksum = TransportChecksum::Complete;
    complete(packet.l3_mut())
}

/// Readies a super-frame for a port that segments in hardware: its checksum field gets the
/// pseudo-header sum over the whole super-frame's TCP length, as virtio-net (and Linux) expect with
/// `NEEDS_CSUM` + `GSO_TCPV4`. Returns the frame-boundary description (offsets from the frame start,
/// `l3_in_frame` bytes before the IPv4 header), or None when `l3` is not a TCP/IPv4 packet.
pub fn prepare_tso(l3: &mut [u8], l3_in_frame: usize, segment_size: u16) -> Option<FrameOffload> {
    let facts = ipv4_facts(l3)?;
    if facts.protocol != TCP || facts.fragment {
        return None;
    }
    tcp_header_len(l3, facts.ihl)?;
    let pseudo = pseudo_header_sum(l3, TCP, l3.len() - facts.ihl)?;
    put16(l3, facts.ihl + TCP_CHECKSUM_AT, pseudo)?;
    Some(FrameOffload {
        partial_checksum: Some(partial_at_frame(&facts, l3_in_frame)?),
        checksum_valid: false,
        tcp_segment_size: Some(segment_size),
    })
}

/// The frame-boundary description of a packet with a partial TCP/UDP checksum.
pub fn partial_frame_offload(l3: &[u8], l3_in_frame: usize) -> Option<FrameOffload> {
    let facts = ipv4_facts(l3)?;
    checksum_at(&facts)?;
    Some(FrameOffload {
        partial_checksum: Some(partial_at_frame(&facts, l3_in_frame)?),
        ..FrameOffload::NONE
    })
}

fn partial_at_frame(facts: &Ipv4Facts, l3_in_frame: usize) -> Option<PartialChecksum> {
    let field = checksum_at(facts)?;
    Some(PartialChecksum {
        start: u16::try_from(l3_in_frame + facts.ihl).ok()?,
        offset: u16::try_from(field - facts.ihl).ok()?,
    })
}

/// Software segmentation of a TCP/IPv4 super-frame (what a TSO device does): segment `i` carries
/// payload bytes `[i*size, (i+1)*size)`, sequence number advanced by as much, IPv4 identification
/// advanced by `i`, FIN and PSH only on the last segment and CWR only on the first (Linux
/// `tcp_gso_segment`), and complete IPv4 header and TCP checksums.
pub struct Segments<'a> {
    l3: &'a [u8],
    ihl: usize,
    headers: usize,
    size: usize,
    count: usize,
}

const FIN: u8 = 0x01;
const PSH: u8 = 0x08;
const CWR: u8 = 0x80;

impl<'a> Segments<'a> {
    /// None when `l3` is not an unfragmented TCP/IPv4 packet or `segment_size` is zero.
    pub fn new(l3: &'a [u8], segment_size: u16) -> Option<Self> {
        let facts = ipv4_facts(l3)?;
        if facts.protocol != TCP || facts.fragment || segment_size == 0 {
            return None;
        }
        let headers = facts.ihl + tcp_header_len(l3, facts.ihl)?;
        let size = usize::from(segment_size);
        let payload = l3.len() - headers;
        Some(Self {
            l3,
            ihl: facts.ihl,
            headers,
            size,
            count: payload.div_ceil(size).max(1),
        })
    }

    /// How many segments the super-frame makes.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Appends segment `index` (an IPv4 packet) to `out`; false when there is no such segment.
    pub fn write(&self, index: usize, out: &mut alloc::vec::Vec<u8>) -> bool {
        if index >= self.count {
            return false;
        }
        let payload = self.l3.get(self.headers..).unwrap_or(&[]);
        let from = (index * self.size).min(payload.len());
        let to = (from + self.size).min(payload.len());
        let Some(data) = payload.get(from..to) else {
            return false;
        };
        let base = out.len();
        out.extend_from_slice(self.l3.get(..self.headers).unwrap_or(&[]));
        out.extend_from_slice(data);
        let packet = out.get_mut(base..).unwrap_or(&mut []);
        self.fix_headers(packet, index, from).is_some()
    }

    fn fix_headers(&self, packet: &mut [u8], index: usize, offset: usize) -> Option<()> {
        let (ihl, last) = (self.ihl, index + 1 == self.count);
        let total = u16::try_from(packet.len()).ok()?;
        put16(packet, 2, total)?;
        let id = get16(packet, 4)?.wrapping_add(index as u16);
        put16(packet, 4, id)?;
        put16(packet, 10, 0)?;
        let header_checksum = internet_checksum(packet.get(..ihl)?);
        put16(packet, 10, header_checksum)?;

        let seq_at = ihl + 4;
        let seq = u32::from_be_bytes(packet.get(seq_at..seq_at + 4)?.try_into().ok()?);
        let seq = seq.wrapping_add(offset as u32);
        packet
            .get_mut(seq_at..seq_at + 4)?
            .copy_from_slice(&seq.to_be_bytes());
        let flags = packet.get_mut(ihl + 13)?;
        if !last {
            *flags &= !(FIN | PSH);
        }
        if index != 0 {
            *flags &= !CWR;
        }
        let field = ihl + TCP_CHECKSUM_AT;
        put16(packet, field, 0)?;
        let pseudo = pseudo_header_sum(packet, TCP, packet.len() - ihl)?;
        let sum = ones_complement_add(pseudo, ones_complement_sum(packet.get(ihl..)?));
        put16(packet, field, !sum)
    }
}

#[cfg(test)]
mod tests;
