//! Drives a configured engine with arbitrary bytes: shared by the `cargo fuzz` target
//! (`netstack/fuzz`) and by the test that replays its corpus, so every input the fuzzer found
//! interesting stays a regression test.
//!
//! Input format (every byte string is valid): a sequence of records. A record starts with an opcode
//! byte: `op % 8 == 0` advances the clock by `next byte × 10 ms` and runs the timers; `op % 8 == 4`
//! replaces the firewall's rule sets with one of four configurations chosen by the next byte (the SOHO
//! set, no rules, filter only, NAT only) while connections stay; `op % 8 == 2` receives a frame with
//! offload facts from its NIC (below); otherwise the next two bytes (little endian) give a length, and
//! that many following bytes (or what is left) are received as a frame on interface `op % 3`.
//!
//! An offload record (`op % 8 == 2`) is a flags byte, then what its flags need in this order, then the
//! length and frame bytes as above, received with [`Engine::receive_offloaded`] on interface `op % 3`:
//!
//! * bit 0, a partial checksum ([`FrameOffload::partial_checksum`]): `start` (2 bytes, little endian)
//!   and `offset` (1 byte);
//! * bit 1, the NIC verified the checksum ([`FrameOffload::checksum_valid`]): nothing;
//! * bit 2, a TCP super-frame ([`FrameOffload::tcp_segment_size`]): the segment size (2 bytes, little
//!   endian).
//!
//! Bytes missing at the end of the input read as zero, so every byte string stays a valid input.
//!
//! After each record every interface's queue is drained like a driver would
//! ([`Engine::transmit_offloaded`]), checking that each frame is at least an Ethernet header long, that
//! a port is asked only for the offload work its [`OffloadCaps`] allow, and that a partial checksum
//! the NIC is to complete lies within the frame.
//!
//! Every input runs through two engines in lock step: one with the FastTrack fast path and one with
//! [`FullPathOnly`] (every packet on the full path). After each record their transmitted frames,
//! engine, drop, interface, firewall and conntrack counters and connection tables must be equal: the
//! fast path is an optimisation, never a behaviour.
//!
//! The engine has three interfaces (WAN 10.0.0.1/24, LAN 192.168.88.1/24, a /30 link), a default route, an
//! ECMP route, a blackhole, a static ARP entry and a small MTU on one interface, and the stateful firewall
//! with the SOHO rule set (defconf filter, masquerade to the WAN, a port forward), so inputs reach ARP,
//! local delivery, forwarding, fragmentation, ICMP errors, connection tracking and NAT. The WAN port
//! completes checksums and segments TCP super-frames itself (its NIC's [`OffloadCaps`]); the other two
//! do neither, so offloaded frames reach both the offload kept for a port and the software that
//! completes and segments ([`crate::offload`]).

use smoltcp::wire::{EthernetAddress, Ipv4Address, Ipv4Cidr};

use alloc::vec;
use alloc::vec::Vec;

use crate::conntrack::ConntrackSettings;
use crate::engine::{Engine, EngineConfig, EngineStats};
use crate::firewall::spec::{AddrRange, PortRange, Table};
use crate::firewall::{ActionSpec, Firewall, Match, RuleSpec};
use crate::hooks::{FullPathOnly, Hooks};
use crate::interface::InterfaceId;
use crate::offload::{FrameOffload, OffloadCaps, PartialChecksum};
use crate::route::{Gateway, StaticRoute};
use crate::{Duration, Instant};

/// What the WAN port's NIC finishes on transmit.
const WAN_OFFLOAD: OffloadCaps = OffloadCaps {
    checksum: true,
    tcp4_segmentation: true,
};

/// Runs one fuzz input; panics only if the engine breaks one of its guarantees or the fast path and the
/// full path disagree.
pub fn run(data: &[u8]) {
    drive(data);
}

/// [`run`], giving back the engine with the fast path (its counters equal the other's).
fn drive(data: &[u8]) -> Engine<Firewall> {
    let mut now = Instant::from_secs(1);
    let mut fast = configured_engine::<Firewall>(now);
    let mut full = configured_engine::<FullPathOnly<Firewall>>(now);
    let mut rest = data;
    let mut records = 0;
    while let Some((&op, tail)) = rest.split_first() {
        records += 1;
        if records > 4096 {
            break;
        }
        if op % 8 == 0 {
            let (&step, tail) = tail.split_first().unwrap_or((&1, &[]));
            now += Duration::from_millis(u64::from(step) * 10);
            fast.poll(now);
            full.poll(now);
            rest = tail;
        } else if op % 8 == 4 {
            let (&choice, tail) = tail.split_first().unwrap_or((&0, &[]));
            install_rules(&mut fast, choice);
            install_rules(&mut full, choice);
            rest = tail;
        } else if op % 8 == 2 {
            let (offload, tail) = offload_facts(tail);
            let (frame, tail) = frame_bytes(tail);
            let interface = InterfaceId(u16::from(op % 3));
            fast.receive_offloaded(interface, frame, &offload, now);
            full.receive_offloaded(interface, frame, &offload, now);
            rest = tail;
        } else {
            let (frame, tail) = frame_bytes(tail);
            fast.receive(InterfaceId(u16::from(op % 3)), frame, now);
            full.receive(InterfaceId(u16::from(op % 3)), frame, now);
            rest = tail;
        }
        for interface in 0..3 {
            let (sent_fast, sent_full) = (
                drain(&mut fast, InterfaceId(interface)),
                drain(&mut full, InterfaceId(interface)),
            );
            assert_eq!(sent_fast, sent_full, "frames sent on interface {interface}");
        }
        assert_same(&fast, &full, now);
    }
    fast
}

/// `N` bytes from the front of `bytes`, zeros for those past its end, and the rest.
fn take<const N: usize>(bytes: &[u8]) -> ([u8; N], &[u8]) {
    let mut out = [0; N];
    let n = N.min(bytes.len());
    out[..n].copy_from_slice(&bytes[..n]);
    (out, &bytes[n..])
}

/// A little-endian length and that many bytes (or what is left); with fewer than two bytes left, those.
fn frame_bytes(bytes: &[u8]) -> (&[u8], &[u8]) {
    let (len, tail) = match bytes {
        [a, b, tail @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), tail),
        _ => (bytes.len(), &[][..]),
    };
    tail.split_at(len.min(tail.len()))
}

/// The offload facts of an offload record (see the module docs for the layout).
fn offload_facts(bytes: &[u8]) -> (FrameOffload, &[u8]) {
    let ([flags], mut rest) = take::<1>(bytes);
    let mut offload = FrameOffload::NONE;
    if flags & 1 != 0 {
        let ([s0, s1, offset], tail) = take::<3>(rest);
        offload.partial_checksum = Some(PartialChecksum {
            start: u16::from_le_bytes([s0, s1]),
            offset: u16::from(offset),
        });
        rest = tail;
    }
    offload.checksum_valid = flags & 2 != 0;
    if flags & 4 != 0 {
        let (size, tail) = take::<2>(rest);
        offload.tcp_segment_size = Some(u16::from_le_bytes(size));
        rest = tail;
    }
    (offload, rest)
}

/// The frames queued on `interface` and what their NIC is to finish, taken off like a driver would.
fn drain<H: Hooks>(engine: &mut Engine<H>, interface: InterfaceId) -> Vec<(Vec<u8>, FrameOffload)> {
    let caps = engine
        .interfaces()
        .get(interface)
        .map(|i| i.offload)
        .unwrap_or_default();
    let mut frames = Vec::new();
    engine.transmit_offloaded(interface, |frame, offload| {
        assert!(
            frame.len() >= 14,
            "engine queued a {}-byte frame",
            frame.len()
        );
        if let Some(partial) = offload.partial_checksum {
            assert!(
                caps.checksum,
                "a partial checksum for a port that cannot complete it"
            );
            let end = usize::from(partial.start) + usize::from(partial.offset) + 2;
            assert!(
                end <= frame.len(),
                "a partial checksum at {partial:?} in a {}-byte frame",
                frame.len()
            );
        }
        if offload.tcp_segment_size.is_some() {
            assert!(
                caps.tcp4_segmentation && offload.partial_checksum.is_some(),
                "a super-frame for a port that cannot segment it: {offload:?}"
            );
        }
        assert!(
            !offload.checksum_valid,
            "checksum_valid is for received frames"
        );
        frames.push((frame.to_vec(), *offload));
        true
    });
    frames
}

/// Everything a user can read about the two engines is equal.
fn assert_same(fast: &Engine<Firewall>, full: &Engine<FullPathOnly<Firewall>>, now: Instant) {
    let fast_stats = EngineStats {
        fast_forwarded: 0,
        ..*fast.stats()
    };
    assert_eq!(&fast_stats, full.stats(), "engine stats");
    assert_eq!(fast.drops(), full.drops(), "drop counters");
    for ((_, a), (_, b)) in fast.interfaces().iter().zip(full.interfaces().iter()) {
        assert_eq!(a.counters, b.counters, "counters of {}", a.name);
    }
    let (a, b) = (fast.hooks(), &full.hooks().0);
    assert_eq!(a.stats(), b.stats(), "firewall stats");
    assert_eq!(
        a.conntrack().stats(),
        b.conntrack().stats(),
        "conntrack stats"
    );
    assert_eq!(a.connections(now), b.connections(now), "connections");
}

/// The engine's firewall, whichever way it is wrapped.
trait Harnessed: Hooks {
    fn wrap(firewall: Firewall) -> Self;
    fn firewall_mut(&mut self) -> &mut Firewall;
}

impl Harnessed for Firewall {
    fn wrap(firewall: Firewall) -> Self {
        firewall
    }
    fn firewall_mut(&mut self) -> &mut Firewall {
        self
    }
}

impl Harnessed for FullPathOnly<Firewall> {
    fn wrap(firewall: Firewall) -> Self {
        FullPathOnly(firewall)
    }
    fn firewall_mut(&mut self) -> &mut Firewall {
        &mut self.0
    }
}

fn cidr(a: [u8; 4], len: u8) -> Ipv4Cidr {
    Ipv4Cidr::new(Ipv4Address::from(a), len)
}

/// The rule sets `op % 8 == 4` switches between.
fn install_rules<H: Harnessed>(engine: &mut Engine<H>, choice: u8) {
    let (filter, nat) = match choice % 4 {
        0 => (soho_filter(), soho_nat()),
        1 => (Vec::new(), Vec::new()),
        2 => (soho_filter(), Vec::new()),
        _ => (Vec::new(), soho_nat()),
    };
    let (interfaces, lists) = (
        engine.interfaces().clone(),
        engine.interface_lists().clone(),
    );
    let firewall = engine.hooks_mut().firewall_mut();
    let _ = firewall.set_rules(Table::Filter, &filter, &interfaces, &lists);
    let _ = firewall.set_rules(Table::Nat, &nat, &interfaces, &lists);
}

fn soho_filter() -> Vec<RuleSpec> {
    crate::firewall::defconf::filter(1)
}

fn soho_nat() -> Vec<RuleSpec> {
    let mut rules = crate::firewall::defconf::nat(20);
    rules.push(
        RuleSpec::new(21, "dstnat")
            .with(Match::InInterfaceList("WAN".into()))
            .with(Match::Protocol(6))
            .with(Match::DstPort(vec![PortRange::single(8080)]))
            .action(ActionSpec::DstNat {
                to_addresses: Some(AddrRange::single(Ipv4Address::new(192, 168, 88, 10))),
                to_ports: Some(PortRange::single(80)),
            }),
    );
    rules
}

fn configured_engine<H: Harnessed>(now: Instant) -> Engine<H> {
    let config = EngineConfig {
        max_buffers: 256,
        ..EngineConfig::default()
    };
    let settings = ConntrackSettings {
        max_entries: 512,
        ..ConntrackSettings::default()
    };
    let mut engine = Engine::with_hooks(config, H::wrap(Firewall::new(settings, 7)), now);
    let wan = engine
        .add_interface("ether1", EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 1]))
        .expect("fresh table");
    let lan = engine
        .add_interface("ether2", EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 2]))
        .expect("fresh table");
    let link = engine
        .add_interface("ether3", EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 3]))
        .expect("fresh table");
    let _ = engine.add_address(cidr([10, 0, 0, 1], 24), wan);
    let _ = engine.add_address(cidr([192, 168, 88, 1], 24), lan);
    let _ = engine.add_address(cidr([172, 31, 0, 1], 30), link);
    if let Some(interface) = engine.interface_mut(link) {
        interface.mtu = 576;
    }
    if let Some(interface) = engine.interface_mut(wan) {
        interface.offload = WAN_OFFLOAD;
    }
    let routes = engine.routes_mut();
    let _ = routes.add_static(StaticRoute::via(
        cidr([0, 0, 0, 0], 0),
        &[Gateway::Address(Ipv4Address::new(10, 0, 0, 2))],
    ));
    let _ = routes.add_static(StaticRoute::via(
        cidr([172, 16, 0, 0], 16),
        &[
            Gateway::Address(Ipv4Address::new(10, 0, 0, 2)),
            Gateway::Address(Ipv4Address::new(172, 31, 0, 2)),
        ],
    ));
    let _ = routes.add_static(StaticRoute::blackhole(cidr([203, 0, 113, 0], 24)));
    let _ = engine.add_static_arp(
        link,
        Ipv4Address::new(172, 31, 0, 2),
        EthernetAddress([2, 0, 0, 0, 0, 0x31]),
        now,
    );
    let lists = engine.interface_lists_mut();
    if let (Some(wan_list), Some(lan_list)) = (lists.add("WAN"), lists.add("LAN")) {
        lists.add_member(wan_list, wan);
        lists.add_member(lan_list, lan);
    }
    install_rules(&mut engine, 0);
    let lists = engine.interface_lists_mut();
    if let (Some(wan_list), Some(lan_list)) = (lists.add("WAN"), lists.add("LAN")) {
        lists.add_member(wan_list, wan);
        lists.add_member(lan_list, lan);
    }
    install_rules(&mut engine, 0);
    for interface in [wan, lan, link] {
        engine.transmit(interface, |_| true);
    }
    engine
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use smoltcp::wire::Ipv4Address;

    use crate::conntrack::parse::pseudo_header_sum;
    use crate::conntrack::testpkt::{Tcp, a};

    #[test]
    fn trivial_inputs() {
        super::run(&[]);
        super::run(&[0]);
        super::run(&[1, 0xFF, 0xFF]);
        super::run(&[
            5, 14, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4, 5, 6, 0x08, 0x06,
        ]);
        // Offload records cut short anywhere.
        super::run(&[2]);
        super::run(&[2, 7]);
        super::run(&[2, 7, 34]);
        super::run(&[2, 7, 34, 0, 16, 0xA8]);
        super::run(&[10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 14, 0]);
    }

    const ROUTER_WAN_MAC: [u8; 6] = [0x52, 0x54, 0, 0x12, 0x34, 1];
    const ROUTER_LAN_MAC: [u8; 6] = [0x52, 0x54, 0, 0x12, 0x34, 2];
    const GATEWAY_MAC: [u8; 6] = [2, 0, 0, 0, 0, 0x0A];
    const CLIENT_MAC: [u8; 6] = [2, 0, 0, 0, 0, 0xC1];
    const GATEWAY: [u8; 4] = [10, 0, 0, 2];
    const CLIENT: [u8; 4] = [192, 168, 88, 10];
    const SERVER: [u8; 4] = [93, 184, 216, 34];
    /// The opcodes of records on the WAN (`op % 3 == 0`) and the LAN (`op % 3 == 1`).
    const PLAIN_WAN: u8 = 3;
    const PLAIN_LAN: u8 = 1;
    const OFFLOAD_WAN: u8 = 18;
    const OFFLOAD_LAN: u8 = 10;

    fn ethernet(dst: [u8; 6], src: [u8; 6], ethertype: u16, payload: &[u8]) -> Vec<u8> {
        [&dst[..], &src, &ethertype.to_be_bytes(), payload].concat()
    }

    fn arp_reply(router_mac: [u8; 6], router: [u8; 4], mac: [u8; 6], ip: [u8; 4]) -> Vec<u8> {
        let arp = [
            &[0, 1, 0x08, 0, 6, 4, 0, 2][..],
            &mac,
            &ip,
            &router_mac,
            &router,
        ]
        .concat();
        ethernet(router_mac, mac, 0x0806, &arp)
    }

    fn plain(op: u8, frame: &[u8]) -> Vec<u8> {
        let len = u16::try_from(frame.len()).unwrap().to_le_bytes();
        [&[op][..], &len, frame].concat()
    }

    /// An offload record: a partial TCP checksum at its usual place and, with `mss`, a super-frame.
    fn offloaded(op: u8, frame: &[u8], mss: Option<u16>) -> Vec<u8> {
        let len = u16::try_from(frame.len()).unwrap().to_le_bytes();
        let mut record = alloc::vec![op, 1 | if mss.is_some() { 4 } else { 0 }, 34, 0, 16];
        if let Some(mss) = mss {
            record.extend_from_slice(&mss.to_le_bytes());
        }
        [&record[..], &len, frame].concat()
    }

    /// A TCP segment of `len` payload bytes between the client (masqueraded to 10.0.0.1, which keeps
    /// its port) and the server, in an Ethernet frame to the router.
    fn segment(upload: bool, flags: u8, seq: u32, ack: u32, len: usize) -> Vec<u8> {
        let (src, dst, sport, dport) = match upload {
            true => (a(CLIENT), a(SERVER), 40000, 443),
            false => (a(SERVER), a([10, 0, 0, 1]), 443, 40000),
        };
        let ip = Tcp {
            src,
            sport,
            dst,
            dport,
            seq,
            ack,
            flags,
            win: 65000,
            len,
            wscale: None,
        }
        .build();
        match upload {
            true => ethernet(ROUTER_LAN_MAC, CLIENT_MAC, 0x0800, &ip),
            false => ethernet(ROUTER_WAN_MAC, GATEWAY_MAC, 0x0800, &ip),
        }
    }

    /// The TCP checksum field as an offloading sender leaves it: the pseudo-header sum.
    fn make_partial(frame: &mut [u8]) {
        let ip = &frame[14..];
        let address = |at: usize| Ipv4Address::from(<[u8; 4]>::try_from(&ip[at..at + 4]).unwrap());
        let sum = pseudo_header_sum(address(12), address(16), 6, (ip.len() - 20) as u16);
        frame[14 + 36..14 + 38].copy_from_slice(&sum.to_be_bytes());
    }

    /// A masqueraded connection whose data comes as super-frames and partial checksums both ways: the
    /// harness reaches segmentation offload kept for the WAN port, software segmentation for the LAN
    /// port, and partial checksums kept or completed, and both engines agree throughout.
    fn offload_scenario() -> Vec<u8> {
        const SYN: u8 = 0x02;
        const ACK: u8 = 0x10;
        const PSH: u8 = 0x08;
        let (c, s) = (1000u32, 5000u32);
        let mut upload = segment(true, ACK | PSH, c + 1, s + 1, 20_000);
        make_partial(&mut upload);
        let mut download = segment(false, ACK | PSH, s + 1, c + 20_001, 20_000);
        make_partial(&mut download);
        let mut small = segment(true, ACK | PSH, c + 20_001, s + 20_001, 100);
        make_partial(&mut small);
        [
            plain(PLAIN_LAN, &segment(true, SYN, c, 0, 0)),
            // The router asked for the gateway's MAC and the SYN waited for it.
            plain(
                PLAIN_WAN,
                &arp_reply(ROUTER_WAN_MAC, [10, 0, 0, 1], GATEWAY_MAC, GATEWAY),
            ),
            plain(PLAIN_WAN, &segment(false, SYN | ACK, s, c + 1, 0)),
            plain(
                PLAIN_LAN,
                &arp_reply(ROUTER_LAN_MAC, [192, 168, 88, 1], CLIENT_MAC, CLIENT),
            ),
            plain(PLAIN_LAN, &segment(true, ACK, c + 1, s + 1, 0)),
            offloaded(OFFLOAD_LAN, &upload, Some(1448)),
            offloaded(OFFLOAD_WAN, &download, Some(1448)),
            offloaded(OFFLOAD_LAN, &small, None),
        ]
        .concat()
    }

    #[test]
    fn offload_records_reach_the_offload_paths() {
        let input = offload_scenario();
        let engine = super::drive(&input);
        let stats = engine.stats();
        assert_eq!(stats.super_frames, 2, "{stats:?} {:?}", engine.drops());
        assert_eq!(
            stats.super_frames_segmented, 1,
            "the LAN port cannot segment"
        );
        assert_eq!(stats.segments_made, 14);
        assert_eq!(
            stats.checksums_completed, 0,
            "the WAN port completes its own"
        );
        assert_eq!(engine.drops().nonzero().count(), 0, "{:?}", engine.drops());
        let wan = super::InterfaceId(0);
        // Upload: SYN, ACK, the super-frame and the small segment left on the WAN.
        let wan_tx = engine.interfaces().get(wan).unwrap().counters.tx_packets;
        assert!(wan_tx >= 4, "{wan_tx} frames on the WAN");
    }

    /// The scenario with bytes changed here and there (offload flags, offsets, segment sizes, lengths,
    /// frame bytes): every variant runs with both engines agreeing.
    #[test]
    fn offload_scenario_variants_keep_the_engines_in_step() {
        let input = offload_scenario();
        let mut rng = crate::prng::Prng::new(0x0FF1_0AD5);
        for _ in 0..256 {
            let mut variant = input.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(variant.len() as u32) as usize;
                variant[at] = rng.next_u32() as u8;
            }
            super::run(&variant);
        }
    }
}
