//! TCP connection tracking as Linux `nf_conntrack_proto_tcp.c`: the state table `tcp_conntracks`
//! (transcribed below), Guido van Rooij's window tracking ("Real Stateful TCP Packet Filtering in IP
//! Filter") with the four per-direction bounds `td_end`, `td_maxend`, `td_maxwin`, `td_scale`
//! (`tcp_in_window`), pickup of mid-stream connections (`nf_conntrack_tcp_loose`), and the timeout
//! choice of `nf_conntrack_tcp_packet` (max-retrans / unacknowledged overrides).
//!
//! Guarantees: a packet judged invalid (state-table `sIV`, out of window) leaves the tracking state
//! untouched — in particular an out-of-window RST does not close an established connection.
//!
//! Intended differences from Linux (simplifications): SACK blocks are not parsed (the ACK number is
//! used as `sack`, which only loosens the upper ACK bound check); the "ignored SYN/ACK resync" of the
//! `sIG` case and SYN-proxy special cases are not implemented (ignored packets are accepted without
//! changing state, as Linux does when not resyncing); RST "challenge ACK" train detection is omitted;
//! retransmission detection compares a 32-bit fingerprint of (seq, ack, end, window).

use smoltcp::time::Duration;

use crate::flow::Direction;

use super::parse::{TcpSeg, tcp_flags::*};
use super::settings::ConntrackSettings;

/// `tcp-state` of a connection (Linux `enum tcp_conntrack`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum TcpState {
    #[default]
    None = 0,
    SynSent = 1,
    SynReceived = 2,
    Established = 3,
    FinWait = 4,
    CloseWait = 5,
    LastAck = 6,
    TimeWait = 7,
    Close = 8,
    /// Simultaneous open (Linux `SYN_SENT2`).
    SynSent2 = 9,
}

impl TcpState {
    /// RouterOS `tcp-state` text.
    pub fn name(self) -> &'static str {
        match self {
            TcpState::None => "none",
            TcpState::SynSent | TcpState::SynSent2 => "syn-sent",
            TcpState::SynReceived => "syn-received",
            TcpState::Established => "established",
            TcpState::FinWait => "fin-wait",
            TcpState::CloseWait => "close-wait",
            TcpState::LastAck => "last-ack",
            TcpState::TimeWait => "time-wait",
            TcpState::Close => "close",
        }
    }

    pub(crate) fn timeout(self, s: &ConntrackSettings) -> Duration {
        match self {
            TcpState::None | TcpState::Close => s.tcp_close_timeout,
            TcpState::SynSent | TcpState::SynSent2 => s.tcp_syn_sent_timeout,
            TcpState::SynReceived => s.tcp_syn_received_timeout,
            TcpState::Established => s.tcp_established_timeout,
            TcpState::FinWait => s.tcp_fin_wait_timeout,
            TcpState::CloseWait => s.tcp_close_wait_timeout,
            TcpState::LastAck => s.tcp_last_ack_timeout,
            TcpState::TimeWait => s.tcp_time_wait_timeout,
        }
    }
}

/// Result of the state table: a state, or ignore (`sIG`), or invalid (`sIV`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    To(TcpState),
    Ignore,
    Invalid,
}

/// Row of the state table a packet selects (Linux `get_conntrack_index`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum FlagClass {
    Syn = 0,
    SynAck = 1,
    Fin = 2,
    Ack = 3,
    Rst = 4,
    None = 5,
}

pub fn flag_class(flags: u8) -> FlagClass {
    if flags & RST != 0 {
        FlagClass::Rst
    } else if flags & SYN != 0 {
        if flags & ACK != 0 {
            FlagClass::SynAck
        } else {
            FlagClass::Syn
        }
    } else if flags & FIN != 0 {
        FlagClass::Fin
    } else if flags & ACK != 0 {
        FlagClass::Ack
    } else {
        FlagClass::None
    }
}

use TcpState::{
    Close as CL, CloseWait as CW, Established as ES, FinWait as FW, LastAck as LA,
    SynReceived as SR, SynSent as SS, SynSent2 as S2, TimeWait as TW,
};
const IV: Transition = Transition::Invalid;
const IG: Transition = Transition::Ignore;
const fn t(s: TcpState) -> Transition {
    Transition::To(s)
}

/// Linux `tcp_conntracks[dir][index][old_state]`; columns sNO sSS sSR sES sFW sCW sLA sTW sCL sS2.
pub const TCP_CONNTRACKS: [[[Transition; 10]; 6]; 2] = [
    [
        /* ORIGINAL */
        /* syn    */
        [t(SS), t(SS), IG, IG, IG, IG, IG, t(SS), t(SS), t(S2)],
        /* synack */ [IV, IV, t(SR), IV, IV, IV, IV, IV, IV, t(SR)],
        /* fin    */ [IV, IV, t(FW), t(FW), t(LA), t(LA), t(LA), t(TW), t(CL), IV],
        /* ack    */
        [
            t(ES),
            IV,
            t(ES),
            t(ES),
            t(CW),
            t(CW),
            t(TW),
            t(TW),
            t(CL),
            IV,
        ],
        /* rst    */
        [
            IV,
            t(CL),
            t(CL),
            t(CL),
            t(CL),
            t(CL),
            t(CL),
            t(CL),
            t(CL),
            t(CL),
        ],
        /* none   */ [IV, IV, IV, IV, IV, IV, IV, IV, IV, IV],
    ],
    [
        /* REPLY */
        /* syn    */ [IV, t(S2), IV, IV, IV, IV, IV, t(SS), IV, t(S2)],
        /* synack */ [IV, t(SR), IG, IG, IG, IG, IG, IG, IG, t(SR)],
        /* fin    */ [IV, IV, t(FW), t(FW), t(LA), t(LA), t(LA), t(TW), t(CL), IV],
        /* ack    */ [IV, IG, t(SR), t(ES), t(CW), t(CW), t(TW), t(TW), t(CL), IG],
        /* rst    */
        [
            IV,
            t(CL),
            t(CL),
            t(CL),
            t(CL),
            t(CL),
            t(CL),
            t(CL),
            t(CL),
            t(CL),
        ],
        /* none   */ [IV, IV, IV, IV, IV, IV, IV, IV, IV, IV],
    ],
];

pub fn transition(dir: Direction, class: FlagClass, old: TcpState) -> Transition {
    let d = match dir {
        Direction::Original => 0,
        Direction::Reply => 1,
    };
    TCP_CONNTRACKS[d][class as usize][old as usize]
}

/// Per-direction flags (Linux `IP_CT_TCP_FLAG_*`).
pub(crate) mod side_flags {
    pub const WINDOW_SCALE: u8 = 0x01;
    pub const SACK_PERM: u8 = 0x02;
    pub const CLOSE_INIT: u8 = 0x04;
    pub const BE_LIBERAL: u8 = 0x08;
    pub const DATA_UNACKNOWLEDGED: u8 = 0x10;
    pub const MAXACK_SET: u8 = 0x20;
}
use side_flags::*;

/// Window tracking bounds of one direction (Linux `struct ip_ct_tcp_state`), as stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TcpBounds {
    /// max of seq + len seen (`td_end`)
    pub end: u32,
    /// max of ack + max(win, 1) seen from the peer (`td_maxend`)
    pub maxend: u32,
    /// max(win) seen (`td_maxwin`)
    pub maxwin: u32,
    /// max of ack seen, for RST validation (`td_maxack`)
    pub maxack: u32,
}

/// One direction's bounds with its scale and flags, as [`in_window`] works on them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TcpSide {
    pub end: u32,
    pub maxend: u32,
    pub maxwin: u32,
    pub maxack: u32,
    /// `td_scale`
    pub scale: u8,
    pub flags: u8,
}

/// TCP tracking state of a connection (Linux `struct ip_ct_tcp`), laid out compactly (44 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TcpTrack {
    pub bounds: [TcpBounds; 2],
    pub scale: [u8; 2],
    pub flags: [u8; 2],
    pub state: TcpState,
    /// Direction (0/1) of the last in-window packet.
    pub last_dir: u8,
    /// Flag class of the last in-window packet; bit 7: its window was zero.
    pub last_class: u8,
    pub retrans: u8,
    /// Fingerprint of the last ACK packet (retransmission detection).
    pub last_fp: u32,
}

const LAST_WIN_ZERO: u8 = 0x80;

impl TcpTrack {
    pub(crate) fn side(&self, d: usize) -> TcpSide {
        let b = self.bounds.get(d).copied().unwrap_or_default();
        TcpSide {
            end: b.end,
            maxend: b.maxend,
            maxwin: b.maxwin,
            maxack: b.maxack,
            scale: self.scale.get(d).copied().unwrap_or(0),
            flags: self.flags.get(d).copied().unwrap_or(0),
        }
    }

    /// Forgets both directions' windows after segments passed untracked (FastTrack), so the next
    /// segment is judged like a mid-stream pickup and re-learns them instead of looking out of window
    /// (Linux `flow_offload_fixup_tcp` clears `td_maxwin` of both directions).
    pub(crate) fn forget_windows(&mut self) {
        for bounds in &mut self.bounds {
            bounds.maxwin = 0;
        }
    }

    pub(crate) fn set_side(&mut self, d: usize, s: TcpSide) {
        if let (Some(b), Some(sc), Some(f)) = (
            self.bounds.get_mut(d),
            self.scale.get_mut(d),
            self.flags.get_mut(d),
        ) {
            *b = TcpBounds {
                end: s.end,
                maxend: s.maxend,
                maxwin: s.maxwin,
                maxack: s.maxack,
            };
            *sc = s.scale;
            *f = s.flags;
        }
    }
}

/// Linux `tcp_max_retrans`.
const MAX_RETRANS: u8 = 3;
/// Linux `MAXACKWINCONST`.
const MAXACKWINCONST: u32 = 66000;

fn before(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}
fn after(a: u32, b: u32) -> bool {
    before(b, a)
}

fn set_options(side: &mut TcpSide, seg: &TcpSeg) {
    if let Some(ws) = seg.wscale {
        side.scale = ws;
        side.flags |= WINDOW_SCALE;
    }
    if seg.sack_perm {
        side.flags |= SACK_PERM;
    }
}

/// What happens to a packet of a tracked TCP connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TcpVerdict {
    /// Valid; the connection's new timeout.
    Accept { timeout: Duration },
    /// Accepted without tracking it (state table `sIG`).
    Ignore,
    /// Invalid; state untouched.
    Invalid,
    /// A SYN reopening a closed connection: drop the entry and track the packet as new.
    Reopen,
    /// A RST answering a connection that never saw a reply: accept and delete the entry (Linux).
    Kill,
}

/// Starts tracking from a connection's first packet (Linux `tcp_new`). `None`: invalid (not a SYN, and
/// either loose tracking is off or the packet cannot start a connection).
pub(crate) fn tcp_new(seg: &TcpSeg, loose: bool) -> Option<TcpTrack> {
    let new = match transition(Direction::Original, flag_class(seg.flags), TcpState::None) {
        Transition::To(s) => s,
        _ => return None,
    };
    let mut tr = TcpTrack::default();
    let mut side = TcpSide {
        end: seg.end(),
        maxwin: u32::from(seg.window).max(1),
        ..TcpSide::default()
    };
    if new == TcpState::SynSent {
        side.maxend = side.end;
        set_options(&mut side, seg);
    } else if loose {
        // Mid-stream pickup: window scale unknown, so both sides are tracked liberally (Linux).
        side.maxend = side.end.wrapping_add(side.maxwin);
        side.flags = SACK_PERM | BE_LIBERAL;
        tr.flags[1] = SACK_PERM | BE_LIBERAL;
    } else {
        return None;
    }
    tr.set_side(0, side);
    tr.state = new;
    Some(tr)
}

/// Linux `tcp_in_window`. Updates the bounds only when the packet is acceptable.
fn in_window(tr: &mut TcpTrack, dir: usize, seg: &TcpSeg) -> bool {
    let state = tr.state;
    let mut s = tr.side(dir);
    let mut r = tr.side(1 - dir);
    let ok = in_window_sides(tr, &mut s, &mut r, dir, state, seg);
    tr.set_side(dir, s);
    tr.set_side(1 - dir, r);
    ok
}

fn in_window_sides(
    tr: &mut TcpTrack,
    sender: &mut TcpSide,
    receiver: &mut TcpSide,
    dir: usize,
    state: TcpState,
    seg: &TcpSeg,
) -> bool {
    let syn = seg.flags & SYN != 0;
    let has_ack = seg.flags & ACK != 0;
    let rst = seg.flags & RST != 0;
    let mut seq = seg.seq;
    let mut ack = seg.ack;
    let mut end = seg.end();
    let mut win = u32::from(seg.window);

    if sender.maxwin == 0 {
        if syn {
            // SYN-ACK in reply to a SYN, or SYN from the reply direction (simultaneous open).
            sender.end = end;
            sender.maxend = end;
            sender.maxwin = win.max(1);
            set_options(sender, seg);
            // RFC 7323 §2.2: scaling only when both SYNs carried the option.
            if !(sender.flags & WINDOW_SCALE != 0 && receiver.flags & WINDOW_SCALE != 0) {
                sender.scale = 0;
                receiver.scale = 0;
            }
            if !has_ack {
                return true;
            }
        } else {
            // Mid-connection: history lost.
            sender.end = end;
            let swin = win.checked_shl(u32::from(sender.scale)).unwrap_or(u32::MAX);
            sender.maxwin = swin.max(1);
            sender.maxend = end.wrapping_add(sender.maxwin);
            if receiver.maxwin == 0 {
                receiver.end = ack;
                receiver.maxend = ack;
            } else if ack == receiver.end.wrapping_add(1) {
                receiver.end = receiver.end.wrapping_add(1);
            }
        }
    } else if ((state == TcpState::SynSent && dir == 0)
        || (state == TcpState::SynReceived && dir == 1))
        && after(end, sender.end)
    {
        // RFC 9293: a reinitialised TCP uses larger sequence numbers; restart this side.
        sender.end = end;
        sender.maxend = end;
        sender.maxwin = win.max(1);
        set_options(sender, seg);
    }

    if !has_ack || (rst && ack == 0) {
        // No ACK (or a broken stack's RST|ACK with ack 0): pretend it acknowledges everything.
        ack = receiver.end;
    }
    if rst && seg.seq == 0 && state == TcpState::SynSent {
        // RST answering a SYN.
        seq = sender.end;
        end = sender.end;
    }

    let maxackwin = sender.maxwin.max(MAXACKWINCONST);
    let in_recv_win = receiver.maxwin == 0
        || after(
            end,
            sender.end.wrapping_sub(receiver.maxwin).wrapping_sub(1),
        );
    let ok = before(seq, sender.maxend.wrapping_add(1))
        && in_recv_win
        && before(ack, receiver.end.wrapping_add(1))
        && after(ack, receiver.end.wrapping_sub(maxackwin).wrapping_sub(1));
    if ok {
        if !syn {
            win = win.checked_shl(u32::from(sender.scale)).unwrap_or(u32::MAX);
        }
        let swin = win;
        if sender.maxwin < swin {
            sender.maxwin = swin;
        }
        if after(end, sender.end) {
            sender.end = end;
            sender.flags |= DATA_UNACKNOWLEDGED;
        }
        if has_ack {
            if sender.flags & MAXACK_SET == 0 {
                sender.maxack = ack;
                sender.flags |= MAXACK_SET;
            } else if after(ack, sender.maxack) {
                sender.maxack = ack;
            }
        }
        if receiver.maxwin != 0 && after(end, sender.maxend) {
            receiver.maxwin = receiver
                .maxwin
                .wrapping_add(end.wrapping_sub(sender.maxend));
        }
        if after(ack.wrapping_add(win), receiver.maxend.wrapping_sub(1)) {
            receiver.maxend = ack.wrapping_add(win);
            if win == 0 {
                receiver.maxend = receiver.maxend.wrapping_add(1);
            }
        }
        if ack == receiver.end {
            receiver.flags &= !DATA_UNACKNOWLEDGED;
        }
        // Retransmission detection (Linux compares last_seq/ack/end/win of ACK packets).
        if flag_class(seg.flags) == FlagClass::Ack {
            let fp = fingerprint(seq, ack, end, seg.window);
            if usize::from(tr.last_dir) == dir && tr.last_fp == fp {
                tr.retrans = tr.retrans.saturating_add(1);
            } else {
                tr.last_fp = fp;
                tr.retrans = 0;
            }
        }
        tr.last_class = if seg.window == 0 {
            tr.last_class | LAST_WIN_ZERO
        } else {
            tr.last_class & !LAST_WIN_ZERO
        };
        true
    } else {
        // Out of window; accepted only for liberal (picked-up) connections.
        sender.flags & BE_LIBERAL != 0
    }
}

fn fingerprint(seq: u32, ack: u32, end: u32, win: u16) -> u32 {
    let x = (u64::from(seq) << 32 | u64::from(ack))
        ^ (u64::from(end) << 16 | u64::from(win)).rotate_left(23);
    let m = x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (m >> 32) as u32 ^ m as u32
}

/// Processes a packet of an existing connection (Linux `nf_conntrack_tcp_packet`).
pub(crate) fn tcp_packet(
    tr: &mut TcpTrack,
    dir: Direction,
    seg: &TcpSeg,
    seen_reply: bool,
    settings: &ConntrackSettings,
) -> TcpVerdict {
    let d = match dir {
        Direction::Original => 0usize,
        Direction::Reply => 1usize,
    };
    let class = flag_class(seg.flags);
    let old = tr.state;
    let new = match transition(dir, class, old) {
        Transition::Invalid => return TcpVerdict::Invalid,
        Transition::Ignore => return TcpVerdict::Ignore,
        Transition::To(s) => s,
    };
    match new {
        TcpState::SynSent if matches!(old, TcpState::TimeWait | TcpState::Close) => {
            // RFC 1122 §4.2.2.13: a SYN may reopen a connection in TIME-WAIT; Linux also reopens closed
            // or aborted (RST) ones.
            let closing = (tr.flags[0] | tr.flags[1]) & CLOSE_INIT != 0;
            let aborted = usize::from(tr.last_dir) == d
                && tr.last_class & !LAST_WIN_ZERO == FlagClass::Rst as u8;
            if closing || aborted {
                return TcpVerdict::Reopen;
            }
            return TcpVerdict::Ignore;
        }
        TcpState::Close if class == FlagClass::Rst => {
            // RFC 5961 §3 as Linux: a RST below the peer's highest ACK is invalid.
            let peer = tr.side(1 - d);
            if peer.flags & MAXACK_SET != 0 && before(seg.seq, peer.maxack) {
                return TcpVerdict::Invalid;
            }
        }
        _ => {}
    }
    if !in_window(tr, d, seg) {
        return TcpVerdict::Invalid;
    }
    tr.last_dir = d as u8;
    tr.last_class = (tr.last_class & LAST_WIN_ZERO) | class as u8;
    tr.state = new;
    if new != old
        && (new == TcpState::FinWait || new == TcpState::Close)
        && let Some(f) = tr.flags.get_mut(d)
    {
        *f |= CLOSE_INIT;
    }
    if class == FlagClass::Rst && !seen_reply {
        // "If only reply is a RST, we can consider ourselves not to have an established connection."
        return TcpVerdict::Kill;
    }
    let state_timeout = new.timeout(settings);
    let timeout = if tr.retrans >= MAX_RETRANS && state_timeout > settings.tcp_max_retrans_timeout {
        settings.tcp_max_retrans_timeout
    } else if class == FlagClass::Rst {
        settings.tcp_close_timeout
    } else if (tr.flags[0] | tr.flags[1]) & DATA_UNACKNOWLEDGED != 0
        && state_timeout > settings.tcp_unacked_timeout
    {
        settings.tcp_unacked_timeout
    } else if tr.last_class & LAST_WIN_ZERO != 0 && state_timeout > settings.tcp_max_retrans_timeout
    {
        settings.tcp_max_retrans_timeout
    } else {
        state_timeout
    };
    TcpVerdict::Accept { timeout }
}

/// Whether this transition makes the connection assured (Linux: a valid ACK in ESTABLISHED after
/// SYN_RECV, or a valid answer for a picked-up connection).
pub(crate) fn becomes_assured(old: TcpState, new: TcpState) -> bool {
    matches!(old, TcpState::SynReceived | TcpState::Established) && new == TcpState::Established
}
