use alloc::vec::Vec;

use super::*;
use crate::checksum::tests::Rng;
use crate::conntrack::parse::verify_checksum;
use crate::conntrack::testpkt::{Tcp, a, icmp, udp};

/// Where the IPv4 header starts in the frames of these tests.
const L3: usize = 14;

fn tcp(len: usize, flags: u8, seq: u32) -> Vec<u8> {
    Tcp {
        src: a([192, 168, 88, 10]),
        sport: 40000,
        dst: a([10, 0, 0, 2]),
        dport: 5201,
        seq,
        ack: 77,
        flags,
        win: 501,
        len,
        wscale: None,
    }
    .build()
}

/// What a sender with checksum offload puts in the field: the pseudo-header sum only.
fn make_partial(l3: &mut [u8]) {
    let at = if l3[9] == 6 { 20 + 16 } else { 20 + 6 };
    let sum = pseudo_header_sum(l3, l3[9], l3.len() - 20).unwrap();
    l3[at..at + 2].copy_from_slice(&sum.to_be_bytes());
}

fn partial(start: usize, offset: u16) -> FrameOffload {
    FrameOffload {
        partial_checksum: Some(PartialChecksum {
            start: start as u16,
            offset,
        }),
        ..FrameOffload::NONE
    }
}

#[test]
fn a_partial_tcp_or_udp_checksum_is_kept_and_completes_to_the_real_one() {
    let udp_packet = udp(a([192, 168, 88, 10]), 1000, a([10, 0, 0, 2]), 53, b"query!");
    for (whole, offset) in [(tcp(100, 0x18, 1), 16), (udp_packet, 6)] {
        let mut packet = whole.clone();
        make_partial(&mut packet);
        assert_ne!(packet, whole);
        let offload = accept(&mut packet, L3, &partial(L3 + 20, offset)).unwrap();
        assert_eq!(offload.checksum, TransportChecksum::Partial);
        assert!(!offload.checksum_needs_verification());
        assert!(complete(&mut packet));
        assert_eq!(packet, whole);
    }
}

#[test]
fn a_partial_checksum_elsewhere_is_completed_at_once() {
    // An ICMP echo whose checksum (at +2, no pseudo-header) a sender left to the device.
    let whole = icmp(
        a([192, 168, 88, 10]),
        a([10, 0, 0, 2]),
        8,
        0,
        [0, 1, 0, 2],
        b"ping",
    );
    let mut packet = whole.clone();
    packet[22..24].copy_from_slice(&[0, 0]);
    let offload = accept(&mut packet, L3, &partial(L3 + 20, 2)).unwrap();
    assert_eq!(offload, Offload::default());
    assert_eq!(packet, whole);
}

#[test]
fn partial_checksums_outside_the_packet_are_refused() {
    let mut packet = tcp(10, 0x18, 1);
    let len = packet.len();
    for bad in [
        partial(L3 + len - 1, 0),
        partial(L3 + 20, 0xFFFF),
        partial(L3 - 1, 16),
    ] {
        let before = packet.clone();
        assert_eq!(
            accept(&mut packet, L3, &bad),
            Err(OffloadError::Malformed),
            "{bad:?}"
        );
        assert_eq!(packet, before);
    }
}

#[test]
fn device_verified_checksums_are_not_judged_again() {
    let mut packet = tcp(10, 0x18, 1);
    let frame = FrameOffload {
        checksum_valid: true,
        ..FrameOffload::NONE
    };
    let offload = accept(&mut packet, L3, &frame).unwrap();
    assert_eq!(offload.checksum, TransportChecksum::Verified);
    assert!(!offload.checksum_needs_verification());
    let plain = accept(&mut packet, L3, &FrameOffload::NONE).unwrap();
    assert!(plain.checksum_needs_verification());
}

fn super_frame(size: u16) -> FrameOffload {
    FrameOffload {
        tcp_segment_size: Some(size),
        ..partial(L3 + 20, 16)
    }
}

#[test]
fn super_frames_keep_their_segment_size_unless_one_segment_holds_them() {
    let mut big = tcp(3000, 0x18, 1);
    make_partial(&mut big);
    let offload = accept(&mut big, L3, &super_frame(1448)).unwrap();
    assert_eq!(offload.segment_size, 1448);
    assert_eq!(wire_len(&big, &offload), 20 + 20 + 1448);
    assert!(!offload.checksum_needs_verification());

    let mut small = tcp(1448, 0x18, 1);
    make_partial(&mut small);
    let offload = accept(&mut small, L3, &super_frame(1448)).unwrap();
    assert_eq!(offload.segment_size, 0);
    assert_eq!(wire_len(&small, &offload), small.len());
}

#[test]
fn super_frames_must_be_unfragmented_tcp() {
    let mut datagram = udp(a([192, 168, 88, 10]), 1, a([10, 0, 0, 2]), 2, &[7; 3000]);
    assert_eq!(
        accept(&mut datagram, L3, &super_frame(1448)),
        Err(OffloadError::Malformed)
    );
    let mut fragment = tcp(3000, 0x18, 1);
    fragment[6] = 0x20; // MF
    assert_eq!(
        accept(
            &mut fragment,
            L3,
            &FrameOffload {
                tcp_segment_size: Some(1448),
                ..FrameOffload::NONE
            }
        ),
        Err(OffloadError::Malformed)
    );
    let mut zero = tcp(3000, 0x18, 1);
    assert_eq!(
        accept(
            &mut zero,
            L3,
            &FrameOffload {
                tcp_segment_size: Some(0),
                ..FrameOffload::NONE
            }
        ),
        Err(OffloadError::Malformed)
    );
}

#[test]
fn software_segmentation_makes_the_segments_a_device_would() {
    const FIN_PSH_CWR_ACK: u8 = 0x01 | 0x08 | 0x80 | 0x10;
    let original = tcp(10_000, FIN_PSH_CWR_ACK, u32::MAX - 3000);
    let mut packet = original.clone();
    make_partial(&mut packet);
    let segments = Segments::new(&packet, 1448).unwrap();
    assert_eq!(segments.count(), 7);
    let mut payload = Vec::new();
    for i in 0..segments.count() {
        let mut out = alloc::vec![0xEE; 3]; // appended after what is there
        assert!(segments.write(i, &mut out));
        let seg = &out[3..];
        let expected_len = if i < 6 { 1448 } else { 10_000 - 6 * 1448 };
        assert_eq!(seg.len(), 40 + expected_len);
        assert_eq!(u16::from_be_bytes([seg[2], seg[3]]) as usize, seg.len());
        assert_eq!(u16::from_be_bytes([seg[4], seg[5]]), 0x1234 + i as u16);
        assert!(crate::checksum::verify(&seg[..20]), "segment {i} header");
        assert_eq!(verify_checksum(seg), Ok(()), "segment {i} TCP checksum");
        let seq = u32::from_be_bytes(seg[24..28].try_into().unwrap());
        assert_eq!(seq, (u32::MAX - 3000).wrapping_add((i * 1448) as u32));
        let flags = seg[33];
        assert_eq!(flags & 0x10, 0x10, "ACK everywhere");
        assert_eq!(flags & 0x80 != 0, i == 0, "CWR on the first only");
        assert_eq!(flags & 0x09 != 0, i == 6, "FIN/PSH on the last only");
        payload.extend_from_slice(&seg[40..]);
    }
    assert_eq!(payload, original[40..]);
    let mut out = Vec::new();
    assert!(!segments.write(7, &mut out));
    assert!(out.is_empty());
}

#[test]
fn segmentation_refuses_what_is_not_tcp() {
    let datagram = udp(a([1, 1, 1, 1]), 1, a([2, 2, 2, 2]), 2, &[0; 3000]);
    assert!(Segments::new(&datagram, 1000).is_none());
    assert!(Segments::new(&tcp(3000, 0x10, 0), 0).is_none());
    assert!(Segments::new(&[0x45, 0, 0], 1000).is_none());
}

#[test]
fn a_super_frame_readied_for_tso_carries_the_whole_pseudo_header_sum() {
    let original = tcp(5000, 0x18, 9);
    let mut packet = original.clone();
    packet[36..38].copy_from_slice(&[0xAB, 0xCD]); // whatever the field held
    let frame = prepare_tso(&mut packet, L3, 1448).unwrap();
    assert_eq!(
        frame,
        FrameOffload {
            partial_checksum: Some(PartialChecksum {
                start: 34,
                offset: 16
            }),
            checksum_valid: false,
            tcp_segment_size: Some(1448),
        }
    );
    // What the device does with it gives the super-frame's real checksum.
    assert!(complete(&mut packet));
    assert_eq!(packet, original);
}

#[test]
fn the_frame_description_of_a_partial_checksum_counts_from_the_frame() {
    let packet = udp(a([1, 1, 1, 1]), 1, a([2, 2, 2, 2]), 2, b"x");
    assert_eq!(partial_frame_offload(&packet, 14), Some(partial(34, 6)));
    let mut fragment = packet.clone();
    fragment[6] = 0x20;
    assert_eq!(partial_frame_offload(&fragment, 14), None);
}

#[test]
fn arbitrary_bytes_and_claims_never_panic() {
    let mut rng = Rng::new(0x0ff1);
    for _ in 0..20_000 {
        let len = rng.below(200);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        if len > 0 && rng.below(2) == 0 {
            bytes[0] = 0x45;
        }
        if len > 9 && rng.below(2) == 0 {
            bytes[9] = 6;
        }
        let claim = FrameOffload {
            partial_checksum: (rng.below(2) == 0).then(|| PartialChecksum {
                start: rng.below(300) as u16,
                offset: rng.below(300) as u16,
            }),
            checksum_valid: rng.below(2) == 0,
            tcp_segment_size: (rng.below(2) == 0).then(|| rng.below(100) as u16),
        };
        let offload = accept(&mut bytes, L3, &claim).unwrap_or_default();
        let _ = wire_len(&bytes, &offload);
        let _ = complete(&mut bytes);
        let _ = partial_frame_offload(&bytes, L3);
        if let Some(segments) = Segments::new(&bytes, 1 + rng.below(50) as u16) {
            let mut out = Vec::new();
            for i in 0..segments.count().min(20) {
                out.clear();
                segments.write(i, &mut out);
            }
        }
        let _ = prepare_tso(&mut bytes, L3, 100);
    }
}
