//! Conntrack host tests: tuple parsing, the TCP state machine against Linux's table, window tracking,
//! loose pickup, UDP/ICMP, related ICMP errors, expiry per state, bounded sweep, table-full eviction,
//! memory per connection, and robustness on malformed input.

use alloc::vec::Vec;
use smoltcp::time::{Duration, Instant};

use super::parse::{self, L4, tcp_flags::*};
use super::tcp::{FlagClass, TcpState, flag_class};
use super::testpkt::*;
use super::*;
use crate::checksum::tests::Rng;

const C: [u8; 4] = [192, 168, 88, 10];
const S: [u8; 4] = [93, 184, 216, 34];

fn t0() -> Instant {
    Instant::from_secs(1000)
}

/// A TCP flow C:40000 -> S:80 with its sequence state.
struct Flow {
    c: u32,
    s: u32,
    isn_c: u32,
    isn_s: u32,
}

impl Flow {
    fn new() -> Self {
        Flow {
            c: 1000,
            s: 50_000,
            isn_c: 1000,
            isn_s: 50_000,
        }
    }
    fn pkt(&self, dir: Direction, flags: u8, len: usize) -> Vec<u8> {
        let (src, sport, dst, dport, seq, ack) = match dir {
            Direction::Original => (
                a(C),
                40000,
                a(S),
                80,
                if flags & SYN != 0 { self.isn_c } else { self.c },
                self.s,
            ),
            Direction::Reply => (
                a(S),
                80,
                a(C),
                40000,
                if flags & SYN != 0 { self.isn_s } else { self.s },
                self.c,
            ),
        };
        Tcp {
            src,
            sport,
            dst,
            dport,
            seq,
            ack,
            flags,
            win: 64000,
            len,
            wscale: None,
        }
        .build()
    }
    /// Sends and advances the sender's sequence.
    fn send(
        &mut self,
        ct: &mut Conntrack,
        dir: Direction,
        flags: u8,
        len: usize,
        now: Instant,
    ) -> Tracked {
        let p = self.pkt(dir, flags, len);
        let r = ct.process(&p, now);
        let adv = len as u32 + u32::from(flags & SYN != 0) + u32::from(flags & FIN != 0);
        if r.facts.state != ConnState::Invalid {
            match dir {
                Direction::Original => self.c = self.c.wrapping_add(adv),
                Direction::Reply => self.s = self.s.wrapping_add(adv),
            }
        }
        if r.tentative {
            ct.confirm(r.facts.id.unwrap()).unwrap();
        }
        r
    }
}

use Direction::{Original as O, Reply as R};

fn tcp_state(ct: &Conntrack, id: ConnId) -> Option<TcpState> {
    ct.get(id, t0()).and_then(|v| v.tcp_state)
}

/// Drives a fresh connection into `state`; returns the table, flow and id.
fn drive(state: TcpState) -> (Conntrack, Flow, ConnId) {
    let mut ct = Conntrack::new(ConntrackSettings::default(), 7);
    let mut f = Flow::new();
    let now = t0();
    let id = f.send(&mut ct, O, SYN, 0, now).facts.id.unwrap();
    let steps: &[(Direction, u8)] = match state {
        TcpState::SynSent => &[],
        TcpState::SynSent2 => &[(R, SYN)],
        TcpState::SynReceived => &[(R, SYN | ACK)],
        TcpState::Established => &[(R, SYN | ACK), (O, ACK)],
        TcpState::FinWait => &[(R, SYN | ACK), (O, ACK), (O, FIN | ACK)],
        TcpState::CloseWait => &[(R, SYN | ACK), (O, ACK), (O, FIN | ACK), (R, ACK)],
        TcpState::LastAck => &[
            (R, SYN | ACK),
            (O, ACK),
            (O, FIN | ACK),
            (R, ACK),
            (R, FIN | ACK),
        ],
        TcpState::TimeWait => &[
            (R, SYN | ACK),
            (O, ACK),
            (O, FIN | ACK),
            (R, ACK),
            (R, FIN | ACK),
            (O, ACK),
        ],
        TcpState::Close => &[(R, SYN | ACK), (O, ACK), (O, RST | ACK)],
        TcpState::None => unreachable!(),
    };
    for &(d, fl) in steps {
        let r = f.send(&mut ct, d, fl, 0, now);
        assert_ne!(
            r.facts.state,
            ConnState::Invalid,
            "driving to {state:?}: {d:?} {fl:#x}"
        );
    }
    assert_eq!(tcp_state(&ct, id), Some(state));
    (ct, f, id)
}

#[test]
fn tuple_parsing() {
    let p = parse::parse(&udp(a(C), 5353, a(S), 53, b"q"), true).unwrap();
    assert_eq!(
        p.tuple,
        Tuple {
            src: a(C),
            dst: a(S),
            src_port: 5353,
            dst_port: 53,
            protocol: 17
        }
    );
    assert_eq!(p.l4, L4::Udp);
    let p = parse::parse(&Flow::new().pkt(O, SYN, 0), true).unwrap();
    assert_eq!(
        (p.tuple.src_port, p.tuple.dst_port, p.tuple.protocol),
        (40000, 80, 6)
    );
    let p = parse::parse(&echo(a(C), a(S), true, 0x4242, 1), true).unwrap();
    assert_eq!(
        (p.tuple.src_port, p.tuple.dst_port, p.tuple.protocol),
        (0x4242, 0x4242, 1)
    );
    assert_eq!(p.l4, L4::IcmpQuery { request: true });
    let p = parse::parse(&ipv4(a(C), a(S), 47, &[0; 8]), true).unwrap();
    assert_eq!(
        (p.tuple.src_port, p.tuple.dst_port, p.tuple.protocol, p.l4),
        (0, 0, 47, L4::Other)
    );
    // Bad checksum.
    let mut u = udp(a(C), 1, a(S), 2, b"x");
    u[27] ^= 1;
    assert_eq!(parse::parse(&u, true), Err(ParseError::BadChecksum));
    assert!(parse::parse(&u, false).is_ok());
    // Non-first fragment.
    let mut u = udp(a(C), 1, a(S), 2, b"x");
    u[7] = 1;
    assert_eq!(parse::parse(&u, false), Err(ParseError::Fragment));
}

#[test]
fn three_way_handshake_establishes_and_assures() {
    let mut ct = Conntrack::new(ConntrackSettings::default(), 1);
    let mut f = Flow::new();
    let r = f.send(&mut ct, O, SYN, 0, t0());
    assert_eq!(r.facts.state, ConnState::New);
    let id = r.facts.id.unwrap();
    assert_eq!(ct.stats().new, 1);
    let r = f.send(&mut ct, R, SYN | ACK, 0, t0());
    assert_eq!(
        (r.facts.state, r.facts.direction, r.facts.id),
        (ConnState::Established, R, Some(id))
    );
    assert_eq!(tcp_state(&ct, id), Some(TcpState::SynReceived));
    assert!(!ct.get(id, t0()).unwrap().assured);
    let r = f.send(&mut ct, O, ACK, 0, t0());
    assert_eq!(r.facts.state, ConnState::Established);
    let v = ct.get(id, t0()).unwrap();
    assert_eq!(v.tcp_state, Some(TcpState::Established));
    assert!(v.assured && v.seen_reply && v.confirmed);
    assert_eq!(v.flag_letters(), "SAC");
    assert_eq!((v.orig_packets, v.repl_packets), (2, 1));
    assert_eq!((v.orig_bytes, v.repl_bytes), (80, 40));
    assert_eq!(v.timeout, Duration::from_secs(86_400));
    // Data both ways stays established.
    for _ in 0..10 {
        assert_eq!(
            f.send(&mut ct, O, ACK | PSH, 100, t0()).facts.state,
            ConnState::Established
        );
        assert_eq!(
            f.send(&mut ct, R, ACK, 1000, t0()).facts.state,
            ConnState::Established
        );
    }
}

#[test]
fn close_sequence_through_all_states() {
    let (mut ct, mut f, id) = drive(TcpState::Established);
    let now = t0();
    f.send(&mut ct, O, FIN | ACK, 0, now);
    assert_eq!(tcp_state(&ct, id), Some(TcpState::FinWait));
    f.send(&mut ct, R, ACK, 0, now);
    assert_eq!(tcp_state(&ct, id), Some(TcpState::CloseWait));
    f.send(&mut ct, R, FIN | ACK, 0, now);
    assert_eq!(tcp_state(&ct, id), Some(TcpState::LastAck));
    f.send(&mut ct, O, ACK, 0, now);
    assert_eq!(tcp_state(&ct, id), Some(TcpState::TimeWait));
    assert_eq!(TcpState::TimeWait.name(), "time-wait");
    // A new SYN reuses the tuple: the old entry is replaced (RFC 1122 reopen).
    f.isn_c = 900_000;
    let r = f.send(&mut ct, O, SYN, 0, now);
    assert_eq!(r.facts.state, ConnState::New);
    assert_ne!(r.facts.id, Some(id));
    assert!(ct.get(id, now).is_none());
}

/// Linux `tcp_conntracks`, transcribed independently as text (columns sNO sSS sSR sES sFW sCW sLA sTW
/// sCL sS2), rows syn synack fin ack rst none.
const LINUX_TABLE: [&str; 2] = [
    "sSS sSS sIG sIG sIG sIG sIG sSS sSS sS2
     sIV sIV sSR sIV sIV sIV sIV sIV sIV sSR
     sIV sIV sFW sFW sLA sLA sLA sTW sCL sIV
     sES sIV sES sES sCW sCW sTW sTW sCL sIV
     sIV sCL sCL sCL sCL sCL sCL sCL sCL sCL
     sIV sIV sIV sIV sIV sIV sIV sIV sIV sIV",
    "sIV sS2 sIV sIV sIV sIV sIV sSS sIV sS2
     sIV sSR sIG sIG sIG sIG sIG sIG sIG sSR
     sIV sIV sFW sFW sLA sLA sLA sTW sCL sIV
     sIV sIG sSR sES sCW sCW sTW sTW sCL sIG
     sIV sCL sCL sCL sCL sCL sCL sCL sCL sCL
     sIV sIV sIV sIV sIV sIV sIV sIV sIV sIV",
];

fn linux_expect(dir: Direction, class: FlagClass, state: TcpState) -> &'static str {
    let words: Vec<&str> = LINUX_TABLE[dir_index(dir)].split_whitespace().collect();
    words[class as usize * 10 + state as usize]
}

fn state_code(s: TcpState) -> &'static str {
    [
        "sNO", "sSS", "sSR", "sES", "sFW", "sCW", "sLA", "sTW", "sCL", "sS2",
    ][s as usize]
}

/// Linux `tcp_valid_flags`, written out as the list of valid masked values.
fn linux_valid(flags: u8) -> bool {
    let m = flags & !(PSH | ECE | CWR);
    [
        SYN,
        SYN | URG,
        SYN | ACK,
        RST,
        RST | ACK,
        FIN | ACK,
        FIN | ACK | URG,
        ACK,
        ACK | URG,
    ]
    .contains(&m)
}

#[test]
fn every_flag_combination_in_every_state_matches_linux() {
    let states = [
        TcpState::SynSent,
        TcpState::SynReceived,
        TcpState::Established,
        TcpState::FinWait,
        TcpState::CloseWait,
        TcpState::LastAck,
        TcpState::TimeWait,
        TcpState::Close,
        TcpState::SynSent2,
    ];
    let mut checked = 0;
    for state in states {
        for dir in [O, R] {
            for combo in 0u8..64 {
                // bits: FIN SYN RST PSH ACK URG = the low six TCP flag bits.
                let flags = combo;
                let (mut ct, mut f, id) = drive(state);
                if state == TcpState::SynSent && dir == O {
                    // Nothing seen from the server yet: an ACK can only be 0 (Linux's "broken RST|ACK"
                    // rule) for the window check to pass, as with a real client.
                    f.s = 0;
                }
                let before = tcp_state(&ct, id);
                let r = ct.process(&f.pkt(dir, flags, 0), t0());
                let ctx = alloc::format!("state {state:?} dir {dir:?} flags {flags:#04x}");
                if !linux_valid(flags) {
                    assert_eq!(r.facts.state, ConnState::Invalid, "{ctx}: invalid flags");
                    assert_eq!(r.parse_error, Some(ParseError::BadTcpFlags), "{ctx}");
                    assert_eq!(tcp_state(&ct, id), before, "{ctx}");
                    continue;
                }
                checked += 1;
                let expect = linux_expect(dir, flag_class(flags), state);
                match expect {
                    "sIV" => {
                        assert_eq!(r.facts.state, ConnState::Invalid, "{ctx}");
                        assert_eq!(
                            tcp_state(&ct, id),
                            before,
                            "{ctx}: invalid must not change state"
                        );
                    }
                    "sIG" => {
                        assert_ne!(r.facts.state, ConnState::Invalid, "{ctx}");
                        assert_eq!(
                            tcp_state(&ct, id),
                            before,
                            "{ctx}: ignored must not change state"
                        );
                    }
                    code => {
                        assert_ne!(r.facts.state, ConnState::Invalid, "{ctx}");
                        let now_state = tcp_state(&ct, id);
                        let reopened = r.facts.id != Some(id);
                        let killed = now_state.is_none() && flags & RST != 0;
                        if let (true, Some(new_id)) = (reopened, r.facts.id) {
                            // Reopen: the old entry is replaced by a new one in the expected state.
                            let ns = ct.get(new_id, t0()).unwrap().tcp_state.unwrap();
                            assert_eq!(state_code(ns), code, "{ctx} (reopened)");
                        } else if killed {
                            // A RST before any reply deletes the entry (Linux); it would be sCL.
                            assert_eq!(code, "sCL", "{ctx}");
                        } else {
                            assert_eq!(now_state.map(state_code), Some(code), "{ctx}");
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 200);
}

#[test]
fn no_state_new_packets_follow_linux_and_loose_setting() {
    for loose in [true, false] {
        let settings = ConntrackSettings {
            loose_tcp_tracking: loose,
            ..Default::default()
        };
        for flags in 0u8..64 {
            let mut ct = Conntrack::new(settings, 3);
            let r = ct.process(&Flow::new().pkt(O, flags, 0), t0());
            let expect = if !linux_valid(flags) {
                "sIV"
            } else {
                linux_expect(O, flag_class(flags), TcpState::None)
            };
            let ok = match expect {
                "sSS" => true,
                "sES" => loose,
                _ => false,
            };
            assert_eq!(
                r.facts.state != ConnState::Invalid,
                ok,
                "loose {loose} flags {flags:#x}"
            );
            if ok {
                assert_eq!(r.facts.state, ConnState::New);
                assert!(r.tentative);
            }
        }
    }
}

#[test]
fn loose_tracking_picks_up_mid_stream() {
    let mut ct = Conntrack::new(ConntrackSettings::default(), 3);
    let mut f = Flow::new();
    let r = f.send(&mut ct, O, ACK, 500, t0());
    assert_eq!(r.facts.state, ConnState::New);
    let id = r.facts.id.unwrap();
    assert_eq!(tcp_state(&ct, id), Some(TcpState::Established));
    assert_eq!(
        f.send(&mut ct, R, ACK, 100, t0()).facts.state,
        ConnState::Established
    );
    assert_eq!(
        f.send(&mut ct, O, ACK, 100, t0()).facts.state,
        ConnState::Established
    );
    assert!(ct.get(id, t0()).unwrap().assured);
    // Strict: no pickup.
    let mut ct = Conntrack::new(
        ConntrackSettings {
            loose_tcp_tracking: false,
            ..Default::default()
        },
        3,
    );
    let r = ct.process(&Flow::new().pkt(O, ACK, 10), t0());
    assert_eq!(r.facts.state, ConnState::Invalid);
    assert!(ct.is_empty());
}

#[test]
fn window_tracking_rejects_out_of_window_and_keeps_state() {
    let (mut ct, mut f, id) = drive(TcpState::Established);
    let now = t0();
    // Data far beyond the receiver's window.
    let saved = f.c;
    f.c = f.c.wrapping_add(10_000_000);
    let r = ct.process(&f.pkt(O, ACK, 100), now);
    assert_eq!(r.facts.state, ConnState::Invalid);
    // Out-of-window RST: invalid, connection stays established.
    let r = ct.process(&f.pkt(O, RST, 0), now);
    assert_eq!(r.facts.state, ConnState::Invalid);
    assert_eq!(tcp_state(&ct, id), Some(TcpState::Established));
    // ACK for data never sent.
    f.c = saved;
    let s = f.s;
    f.s = s.wrapping_add(5_000_000);
    let r = ct.process(&f.pkt(O, ACK, 0), now);
    assert_eq!(r.facts.state, ConnState::Invalid);
    f.s = s;
    assert_eq!(tcp_state(&ct, id), Some(TcpState::Established));
    // In-window data still fine; then an in-window RST closes.
    assert_eq!(
        f.send(&mut ct, O, ACK, 1000, now).facts.state,
        ConnState::Established
    );
    assert_eq!(
        f.send(&mut ct, R, RST, 0, now).facts.state,
        ConnState::Established
    );
    assert_eq!(tcp_state(&ct, id), Some(TcpState::Close));
    assert_eq!(ct.get(id, now).unwrap().timeout, Duration::from_secs(10));
}

#[test]
fn window_scaling_only_when_both_syns_carry_it() {
    for (c_ws, s_ws, big_ok) in [
        (Some(7), Some(7), true),
        (Some(7), None, false),
        (None, Some(7), false),
    ] {
        let mut ct = Conntrack::new(ConntrackSettings::default(), 9);
        let mut f = Flow::new();
        let syn = Tcp {
            src: a(C),
            sport: 40000,
            dst: a(S),
            dport: 80,
            seq: f.c,
            ack: 0,
            flags: SYN,
            win: 1000,
            len: 0,
            wscale: c_ws,
        };
        let r = ct.process(&syn.build(), t0());
        ct.confirm(r.facts.id.unwrap()).unwrap();
        f.c += 1;
        let synack = Tcp {
            src: a(S),
            sport: 80,
            dst: a(C),
            dport: 40000,
            seq: f.s,
            ack: f.c,
            flags: SYN | ACK,
            win: 1000,
            len: 0,
            wscale: s_ws,
        };
        assert_ne!(
            ct.process(&synack.build(), t0()).facts.state,
            ConnState::Invalid
        );
        f.s += 1;
        // Server's window (1000 << 7 = 128000 when scaled) lets the client send 100 kB ahead.
        let ack = Tcp {
            src: a(C),
            sport: 40000,
            dst: a(S),
            dport: 80,
            seq: f.c,
            ack: f.s,
            flags: ACK,
            win: 1000,
            len: 0,
            wscale: None,
        };
        ct.process(&ack.build(), t0());
        let srv_ack = Tcp {
            src: a(S),
            sport: 80,
            dst: a(C),
            dport: 40000,
            seq: f.s,
            ack: f.c,
            flags: ACK,
            win: 1000,
            len: 0,
            wscale: None,
        };
        ct.process(&srv_ack.build(), t0());
        let far = Tcp {
            src: a(C),
            sport: 40000,
            dst: a(S),
            dport: 80,
            seq: f.c.wrapping_add(100_000),
            ack: f.s,
            flags: ACK,
            win: 1000,
            len: 10,
            wscale: None,
        };
        let r = ct.process(&far.build(), t0());
        assert_eq!(
            r.facts.state != ConnState::Invalid,
            big_ok,
            "{c_ws:?} {s_ws:?}"
        );
    }
}

#[test]
fn udp_unreplied_and_stream_timeouts() {
    let mut ct = Conntrack::new(ConntrackSettings::default(), 5);
    let q = udp(a(C), 5000, a(S), 53, b"query");
    let r = ct.process(&q, t0());
    assert_eq!(r.facts.state, ConnState::New);
    let id = r.facts.id.unwrap();
    ct.confirm(id).unwrap();
    assert_eq!(ct.get(id, t0()).unwrap().timeout, Duration::from_secs(30));
    // Unreplied: gone after 30 s.
    let later = t0() + Duration::from_millis(29_999);
    assert_eq!(ct.process(&q, later).facts.state, ConnState::New);
    assert_eq!(
        ct.process(&q, later + Duration::from_secs(30))
            .facts
            .id
            .map(|i| i == id),
        Some(false)
    );
    // Replied, then more traffic: stream timeout and assured.
    let mut ct = Conntrack::new(ConntrackSettings::default(), 5);
    let r = ct.process(&q, t0());
    let id = r.facts.id.unwrap();
    ct.confirm(id).unwrap();
    let resp = udp(a(S), 53, a(C), 5000, b"answer");
    assert_eq!(ct.process(&resp, t0()).facts.state, ConnState::Established);
    assert_eq!(ct.get(id, t0()).unwrap().timeout, Duration::from_secs(30));
    assert_eq!(ct.process(&q, t0()).facts.state, ConnState::Established);
    let v = ct.get(id, t0()).unwrap();
    assert_eq!(v.timeout, Duration::from_secs(180));
    assert!(v.assured && v.seen_reply);
}

#[test]
fn icmp_echo_and_unsolicited_reply() {
    let mut ct = Conntrack::new(ConntrackSettings::default(), 5);
    let r = ct.process(&echo(a(C), a(S), true, 77, 1), t0());
    assert_eq!(r.facts.state, ConnState::New);
    let id = r.facts.id.unwrap();
    ct.confirm(id).unwrap();
    let r = ct.process(&echo(a(S), a(C), false, 77, 1), t0());
    assert_eq!(
        (r.facts.state, r.facts.id, r.facts.direction),
        (ConnState::Established, Some(id), R)
    );
    assert_eq!(ct.get(id, t0()).unwrap().timeout, Duration::from_secs(10));
    // A reply with no request is invalid; so is a "reply" in the original direction.
    assert_eq!(
        ct.process(&echo(a(S), a(C), false, 78, 1), t0())
            .facts
            .state,
        ConnState::Invalid
    );
    assert_eq!(
        ct.process(&echo(a(C), a(S), false, 77, 2), t0())
            .facts
            .state,
        ConnState::Invalid
    );
}

#[test]
fn icmp_error_related_only_with_matching_inner_and_outer() {
    let (mut ct, f, id) = drive(TcpState::Established);
    let router = a([10, 0, 0, 1]);
    let offending = f.pkt(O, ACK, 10);
    // A router on the path tells the client: related, reply direction.
    let err = icmp_error(router, a(C), 11, 0, &offending, 28);
    let r = ct.process(&err, t0());
    assert_eq!(
        (r.facts.state, r.facts.id, r.facts.direction),
        (ConnState::Related, Some(id), R)
    );
    // The server side gets an error about a reply packet: related, original direction.
    let err = icmp_error(router, a(S), 3, 3, &f.pkt(R, ACK, 0), 28);
    let r = ct.process(&err, t0());
    assert_eq!((r.facts.state, r.facts.direction), (ConnState::Related, O));
    // Outer destination is not the flow's endpoint: invalid.
    let err = icmp_error(router, a([10, 9, 9, 9]), 3, 1, &offending, 28);
    assert_eq!(ct.process(&err, t0()).facts.state, ConnState::Invalid);
    // Quoting an unknown flow: invalid.
    let other = Tcp {
        src: a(C),
        sport: 1,
        dst: a(S),
        dport: 2,
        seq: 0,
        ack: 0,
        flags: SYN,
        win: 1,
        len: 0,
        wscale: None,
    }
    .build();
    assert_eq!(
        ct.process(&icmp_error(router, a(C), 3, 1, &other, 28), t0())
            .facts
            .state,
        ConnState::Invalid
    );
    // Quote too short for the ports: invalid, no panic.
    assert_eq!(
        ct.process(&icmp_error(router, a(C), 3, 1, &offending, 22), t0())
            .facts
            .state,
        ConnState::Invalid
    );
}

#[test]
fn each_tcp_state_expires_at_its_timeout() {
    let s = ConntrackSettings {
        tcp_syn_sent_timeout: Duration::from_secs(11),
        tcp_syn_received_timeout: Duration::from_secs(12),
        tcp_established_timeout: Duration::from_secs(13),
        tcp_fin_wait_timeout: Duration::from_secs(14),
        tcp_close_wait_timeout: Duration::from_secs(15),
        tcp_last_ack_timeout: Duration::from_secs(16),
        tcp_time_wait_timeout: Duration::from_secs(17),
        tcp_close_timeout: Duration::from_secs(18),
        tcp_unacked_timeout: Duration::from_secs(1000),
        tcp_max_retrans_timeout: Duration::from_secs(1000),
        ..Default::default()
    };
    for (state, secs) in [
        (TcpState::SynSent, 11),
        (TcpState::SynReceived, 12),
        (TcpState::Established, 13),
        (TcpState::FinWait, 14),
        (TcpState::CloseWait, 15),
        (TcpState::LastAck, 16),
        (TcpState::TimeWait, 17),
        (TcpState::Close, 18),
    ] {
        // Drive a connection into `state` under these settings.
        let (mut ct2, _f2, id2) = {
            let mut c = Conntrack::new(s, 7);
            let mut f = Flow::new();
            let id = f.send(&mut c, O, SYN, 0, t0()).facts.id.unwrap();
            let steps: &[(Direction, u8)] = match state {
                TcpState::SynSent => &[],
                TcpState::SynReceived => &[(R, SYN | ACK)],
                TcpState::Established => &[(R, SYN | ACK), (O, ACK)],
                TcpState::FinWait => &[(R, SYN | ACK), (O, ACK), (O, FIN | ACK)],
                TcpState::CloseWait => &[(R, SYN | ACK), (O, ACK), (O, FIN | ACK), (R, ACK)],
                TcpState::LastAck => &[
                    (R, SYN | ACK),
                    (O, ACK),
                    (O, FIN | ACK),
                    (R, ACK),
                    (R, FIN | ACK),
                ],
                TcpState::TimeWait => &[
                    (R, SYN | ACK),
                    (O, ACK),
                    (O, FIN | ACK),
                    (R, ACK),
                    (R, FIN | ACK),
                    (O, ACK),
                ],
                TcpState::Close => &[(R, SYN | ACK), (O, ACK), (O, RST | ACK)],
                _ => unreachable!(),
            };
            for &(d, fl) in steps {
                f.send(&mut c, d, fl, 0, t0());
            }
            (c, f, id)
        };
        assert_eq!(
            ct2.get(id2, t0()).unwrap().timeout,
            Duration::from_secs(secs),
            "{state:?}"
        );
        let just_before = t0() + Duration::from_millis(secs * 1000 - 1);
        assert_eq!(ct2.poll(just_before), 0, "{state:?}");
        assert_eq!(ct2.len(), 1);
        assert_eq!(ct2.poll(t0() + Duration::from_secs(secs)), 1, "{state:?}");
        assert!(ct2.get(id2, t0()).is_none());
        assert_eq!(ct2.stats().expired, 1);
    }
}

#[test]
fn poll_is_bounded_per_call() {
    let mut ct = Conntrack::new(ConntrackSettings::default(), 5);
    let n = 3 * SWEEP_BUDGET + 17;
    for i in 0..n {
        let r = ct.process(&udp(a(C), 1000 + i as u16, a(S), 53, b"q"), t0());
        ct.confirm(r.facts.id.unwrap()).unwrap();
    }
    assert_eq!(ct.len(), n);
    let later = t0() + Duration::from_secs(31);
    let mut polls = 0;
    while !ct.is_empty() {
        let k = ct.poll(later);
        assert!(k <= SWEEP_BUDGET);
        polls += 1;
        assert!(polls <= 10);
    }
    assert_eq!(ct.stats().expired as usize, n);
}

#[test]
fn table_full_never_evicts_assured() {
    let settings = ConntrackSettings {
        max_entries: 64,
        ..Default::default()
    };
    let mut ct = Conntrack::new(settings, 11);
    // 32 assured established connections.
    let mut flows = Vec::new();
    for i in 0..32u16 {
        let mut f = Flow::new();
        let port = 30000 + i;
        let mk = |f: &Flow, dir, flags| {
            let mut p = f.pkt(dir, flags, 0);
            // Patch the client port (and fix checksum by rebuilding).
            let _ = &mut p;
            let (src, sport, dst, dport, seq, ack) = match dir {
                O => (
                    a(C),
                    port,
                    a(S),
                    80,
                    if flags & SYN != 0 { f.isn_c } else { f.c },
                    f.s,
                ),
                R => (
                    a(S),
                    80,
                    a(C),
                    port,
                    if flags & SYN != 0 { f.isn_s } else { f.s },
                    f.c,
                ),
            };
            Tcp {
                src,
                sport,
                dst,
                dport,
                seq,
                ack,
                flags,
                win: 64000,
                len: 0,
                wscale: None,
            }
            .build()
        };
        let r = ct.process(&mk(&f, O, SYN), t0());
        let id = r.facts.id.unwrap();
        ct.confirm(id).unwrap();
        f.c += 1;
        ct.process(&mk(&f, R, SYN | ACK), t0());
        f.s += 1;
        ct.process(&mk(&f, O, ACK), t0());
        assert!(ct.get(id, t0()).unwrap().assured);
        flows.push((id, mk(&f, O, ACK)));
    }
    // SYN flood from many sources.
    let mut rng = Rng::new(99);
    let mut refused = 0;
    for i in 0..5000u32 {
        let syn = Tcp {
            src: a([10, 0, (i >> 8) as u8, i as u8]),
            sport: rng.u16() | 1,
            dst: a(S),
            dport: 80,
            seq: rng.u32(),
            ack: 0,
            flags: SYN,
            win: 1000,
            len: 0,
            wscale: None,
        }
        .build();
        let r = ct.process(&syn, t0());
        if r.table_full {
            refused += 1;
        } else {
            ct.confirm(r.facts.id.unwrap()).unwrap();
        }
        assert!(ct.len() <= 64);
    }
    assert!(ct.stats().evicted > 4000, "{:?}", ct.stats());
    for (id, ack) in &flows {
        assert!(ct.get(*id, t0()).is_some());
        assert_eq!(ct.process(ack, t0()).facts.state, ConnState::Established);
    }
    let _ = refused;
    // Fill the rest with assured UDP streams: now nothing is evictable and new flows are refused.
    let mut i = 0u16;
    while ct.len() < 64 || ct.iter(t0()).any(|v| !v.assured) {
        let r = ct.process(&udp(a(C), 2000 + i, a(S), 53, b"q"), t0());
        if let Some(id) = r.facts.id {
            if r.tentative {
                ct.confirm(id).unwrap();
            }
            ct.process(&udp(a(S), 53, a(C), 2000 + i, b"a"), t0());
            ct.process(&udp(a(C), 2000 + i, a(S), 53, b"q"), t0());
        }
        i += 1;
        assert!(i < 10_000);
    }
    let before = ct.stats().table_full;
    let r = ct.process(&udp(a(C), 60000, a(S), 53, b"q"), t0());
    assert!(r.table_full);
    assert_eq!(ct.stats().table_full, before + 1);
}

#[test]
fn tentative_entries_are_not_visible_until_confirmed() {
    let mut ct = Conntrack::new(ConntrackSettings::default(), 5);
    let q = udp(a(C), 5000, a(S), 53, b"q");
    let r = ct.process(&q, t0());
    let id = r.facts.id.unwrap();
    // Dropped by the filter: discard; the next packet is new again.
    ct.discard(id);
    assert!(ct.is_empty());
    let r2 = ct.process(&q, t0());
    assert!(r2.tentative);
    assert_eq!(ct.confirm(id), Err(ConfirmError::NotTentative));
    ct.confirm(r2.facts.id.unwrap()).unwrap();
    assert_eq!(
        ct.confirm(r2.facts.id.unwrap()),
        Err(ConfirmError::NotTentative)
    );
    // Unconfirmed entries are bounded.
    for i in 0..100u16 {
        ct.process(&udp(a(C), 10000 + i, a(S), 53, b"q"), t0());
    }
    assert!(ct.len() <= 1 + MAX_TENTATIVE);
}

#[test]
fn management_api() {
    let (mut ct, _f, id) = drive(TcpState::Established);
    assert!(ct.set_mark(id, 42));
    assert!(ct.set_fasttrack(id));
    let v = ct.get(id, t0()).unwrap();
    assert_eq!((v.mark, v.fasttrack), (42, true));
    assert_eq!(v.flag_letters(), "SACF");
    assert_eq!(ct.iter(t0()).count(), 1);
    let u = ct.untracked();
    assert_eq!((u.state, u.id), (ConnState::Untracked, None));
    assert!(ct.remove(id));
    assert!(!ct.remove(id));
    assert!(ct.get(id, t0()).is_none());
    assert!(!ct.set_mark(id, 1));
}

#[test]
fn paged_listing_visits_every_entry_once() {
    let mut ct = Conntrack::new(ConntrackSettings::default(), 5);
    let mut ids = Vec::new();
    for i in 0..10u16 {
        let r = ct.process(&udp(a(C), 20000 + i, a(S), 53, b"q"), t0());
        let id = r.facts.id.unwrap();
        ct.confirm(id).unwrap();
        ids.push(id);
    }
    // Holes in the table: removed entries are neither listed nor make a page stop early.
    assert!(ct.remove(ids[0]));
    assert!(ct.remove(ids[4]));
    assert!(ct.remove(ids[5]));
    let everything: Vec<ConnId> = ct.iter(t0()).map(|v| v.id).collect();
    assert_eq!(everything.len(), 7);
    for page in 1..=8 {
        let mut listed = Vec::new();
        let mut from = 0;
        loop {
            let views: Vec<(u32, ConnView)> = ct.iter_from(from, t0()).take(page).collect();
            let Some(&(next, _)) = views.last() else {
                break;
            };
            assert!(next > from, "pages move forward");
            listed.extend(views.iter().map(|(_, v)| v.id));
            from = next;
        }
        assert_eq!(listed, everything, "page size {page}");
    }
    assert_eq!(ct.iter_from(u32::MAX, t0()).count(), 0);
    // What a page shows is what `get` shows.
    let (_, first) = ct.iter_from(0, t0()).next().unwrap();
    assert_eq!(Some(first), ct.get(first.id, t0()));
    assert_eq!(first.original.src_port, 20001);
}

#[test]
fn memory_per_connection() {
    let size = core::mem::size_of::<entry::Conn>();
    assert!(size <= 112, "Conn is {size} bytes");
    let mut ct = Conntrack::new(
        ConntrackSettings {
            max_entries: 200_000,
            ..Default::default()
        },
        5,
    );
    for i in 0..100_000u32 {
        let r = ct.process(
            &udp(
                a([10, 1, (i >> 8) as u8, i as u8]),
                1000 + (i >> 16) as u16,
                a(S),
                53,
                b"q",
            ),
            t0(),
        );
        ct.confirm(r.facts.id.unwrap()).unwrap();
    }
    let per = ct.bytes_per_connection();
    std::println!("Conn {size} B, per connection incl. 2 index entries at 100k: {per} B");
    assert!(per <= 140, "{per}");
}

#[test]
fn malformed_and_random_input_never_panics() {
    let mut ct = Conntrack::new(ConntrackSettings::default(), 5);
    let f = Flow::new();
    let samples = [
        f.pkt(O, SYN, 0),
        udp(a(C), 1, a(S), 2, b"abc"),
        echo(a(C), a(S), true, 1, 1),
        icmp_error(a(S), a(C), 3, 3, &f.pkt(O, ACK, 20), 60),
        ipv4(a(C), a(S), 47, &[1, 2, 3]),
    ];
    for s in &samples {
        for len in 0..=s.len() {
            let _ = ct.process(&s[..len], t0());
        }
        for bit in 0..s.len() * 8 {
            let mut m = s.clone();
            m[bit / 8] ^= 1 << (bit % 8);
            let _ = ct.process(&m, t0());
        }
    }
    let mut rng = Rng::new(1234);
    for _ in 0..20_000 {
        let len = rng.below(120);
        let mut b: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        if len > 0 && rng.below(2) == 0 {
            b[0] = 0x45;
            if len > 3 {
                b[2..4].copy_from_slice(&(len as u16).to_be_bytes());
            }
        }
        let r = ct.process(&b, t0());
        if r.tentative && rng.below(2) == 0 {
            let _ = ct.confirm(r.facts.id.unwrap());
        }
        ct.poll(t0());
    }
}

#[test]
fn an_enlarged_table_gets_its_index_up_front_and_a_default_one_grows() {
    let small = Conntrack::new(ConntrackSettings::default(), 1);
    assert_eq!(small.index_capacity(), 0, "a default table starts empty");
    let mut ct = Conntrack::new(ConntrackSettings::default(), 1);
    ct.set_settings(ConntrackSettings {
        max_entries: 1 << 18,
        ..ConntrackSettings::default()
    });
    assert!(
        ct.index_capacity() >= 2 << 18,
        "both tuples of every connection fit without a rehash: {}",
        ct.index_capacity()
    );
    let big = Conntrack::new(
        ConntrackSettings {
            max_entries: 1 << 17,
            ..ConntrackSettings::default()
        },
        1,
    );
    assert!(big.index_capacity() >= 2 << 17);
}
