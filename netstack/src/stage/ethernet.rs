//! Ethernet ingress (IEEE 802.3): frame sanity, destination MAC filter, and demultiplexing by ethertype.
//!
//! Contract: accepts frames whose destination is the interface's MAC, broadcast or multicast (flagging the
//! last two as link broadcasts, RFC 1812 §5.3.5); sets `Meta::l3_offset` past the Ethernet header and, for
//! 802.1Q-tagged frames, past the tag (the tag's VLAN id goes to `Meta::vlan`), so a tagged frame is never
//! parsed as if its tag were the network header. Drops: shorter than 14 bytes (`MalformedFrame`), another
//! host's unicast (`NotOurMac`).

use smoltcp::wire::{EthernetAddress, EthernetFrame, EthernetProtocol};

use crate::packet::Packet;
use crate::verdict::DropReason;

/// 802.1Q tag protocol identifier, and the 802.1ad S-tag (QinQ) one.
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88A8;

/// What the frame carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    Arp,
    Ipv4,
    Ipv6,
    /// A tagged frame: the VLAN id and the inner ethertype.
    Tagged {
        vlan: u16,
        inner: u16,
    },
    Other(u16),
}

/// Classifies a received frame; see the module docs for the contract.
pub fn classify(packet: &mut Packet, own_mac: EthernetAddress) -> Result<Payload, DropReason> {
    let frame =
        EthernetFrame::new_checked(packet.data()).map_err(|_| DropReason::MalformedFrame)?;
    let dst = frame.dst_addr();
    let ethertype = u16::from(frame.ethertype());
    if dst.is_broadcast() || dst.is_multicast() {
        packet.meta.link_broadcast = true;
    } else if dst != own_mac {
        return Err(DropReason::NotOurMac);
    }
    packet.meta.l3_offset = EthernetFrame::<&[u8]>::header_len();
    if ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ {
        let tag = packet
            .data()
            .get(14..18)
            .ok_or(DropReason::MalformedFrame)?;
        let vlan = u16::from_be_bytes([tag[0], tag[1]]) & 0x0FFF;
        let inner = u16::from_be_bytes([tag[2], tag[3]]);
        packet.meta.vlan = Some(vlan);
        packet.meta.l3_offset = 18;
        return Ok(Payload::Tagged { vlan, inner });
    }
    Ok(match EthernetProtocol::from(ethertype) {
        EthernetProtocol::Arp => Payload::Arp,
        EthernetProtocol::Ipv4 => Payload::Ipv4,
        EthernetProtocol::Ipv6 => Payload::Ipv6,
        _ => Payload::Other(ethertype),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interface::InterfaceId;
    use alloc::vec::Vec;

    const OWN: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x01]);

    fn frame(dst: [u8; 6], ethertype: [u8; 2], rest: &[u8]) -> Packet {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&dst);
        bytes.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x09]);
        bytes.extend_from_slice(&ethertype);
        bytes.extend_from_slice(rest);
        Packet::from_frame(Vec::new(), &bytes, InterfaceId(0))
    }

    #[test]
    fn demultiplexes_by_ethertype() {
        let mut ipv4 = frame(OWN.0, [0x08, 0x00], &[0x45]);
        assert_eq!(classify(&mut ipv4, OWN), Ok(Payload::Ipv4));
        assert_eq!(ipv4.meta.l3_offset, 14);
        assert!(!ipv4.meta.link_broadcast);
        let mut arp = frame([0xFF; 6], [0x08, 0x06], &[]);
        assert_eq!(classify(&mut arp, OWN), Ok(Payload::Arp));
        assert!(arp.meta.link_broadcast);
        assert_eq!(
            classify(&mut frame(OWN.0, [0x86, 0xDD], &[]), OWN),
            Ok(Payload::Ipv6)
        );
        assert_eq!(
            classify(&mut frame(OWN.0, [0x88, 0xCC], &[]), OWN),
            Ok(Payload::Other(0x88CC))
        );
        let mut multicast = frame([0x01, 0x00, 0x5E, 0, 0, 1], [0x08, 0x00], &[]);
        assert_eq!(classify(&mut multicast, OWN), Ok(Payload::Ipv4));
        assert!(multicast.meta.link_broadcast);
    }

    #[test]
    fn vlan_tag_is_not_mistaken_for_the_network_header() {
        // Tag: PCP 0, VLAN 100, inner ethertype IPv4.
        let mut tagged = frame(OWN.0, [0x81, 0x00], &[0x00, 0x64, 0x08, 0x00, 0x45]);
        assert_eq!(
            classify(&mut tagged, OWN),
            Ok(Payload::Tagged {
                vlan: 100,
                inner: 0x0800
            })
        );
        assert_eq!(tagged.meta.l3_offset, 18);
        assert_eq!(tagged.meta.vlan, Some(100));
        let mut truncated = frame(OWN.0, [0x81, 0x00], &[0x00]);
        assert_eq!(
            classify(&mut truncated, OWN),
            Err(DropReason::MalformedFrame)
        );
    }

    #[test]
    fn foreign_unicast_and_runts_are_dropped() {
        assert_eq!(
            classify(&mut frame([0x02, 1, 2, 3, 4, 5], [0x08, 0x00], &[]), OWN),
            Err(DropReason::NotOurMac)
        );
        let mut runt = Packet::from_frame(Vec::new(), &[0xFF; 13], InterfaceId(0));
        assert_eq!(classify(&mut runt, OWN), Err(DropReason::MalformedFrame));
    }
}
