//! What the stateful parts of the engine agree on about a flow: its tuple, and what connection tracking
//! says about a packet. Connection tracking (`conntrack`) produces these; the firewall rules (`firewall`)
//! and NAT (`nat`) consume them.

use smoltcp::wire::Ipv4Address;

/// A connection's identity in one direction (netfilter's `nf_conntrack_tuple`): addresses, protocol, and
/// the protocol's demultiplexing fields — ports for TCP/UDP; for ICMP query messages (echo, timestamp)
/// the identifier, in `src_port` and `dst_port` alike, so inversion keeps it; zero for other protocols.
/// NAT rewrites the *source* half (`src`, `src_port`) or the *destination* half (`dst`, `dst_port`); the
/// protocol never changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tuple {
    pub src: Ipv4Address,
    pub dst: Ipv4Address,
    pub src_port: u16,
    pub dst_port: u16,
    /// IP protocol number.
    pub protocol: u8,
}

impl Tuple {
    /// The same flow seen from the other side.
    pub fn inverted(&self) -> Tuple {
        Tuple {
            src: self.dst,
            dst: self.src,
            src_port: self.dst_port,
            dst_port: self.src_port,
            protocol: self.protocol,
        }
    }
}

/// `connection-state` of a packet (RouterOS / netfilter ctinfo).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConnState {
    /// First packet of a connection not yet in the table.
    New,
    /// Part of a connection that has seen traffic in both directions (or any later packet of it).
    Established,
    /// Belongs to a connection's related traffic (an ICMP error about it).
    Related,
    /// Does not fit any connection or breaks the protocol's rules (bad TCP flags, out of window).
    Invalid,
    /// Exempted by a raw `notrack` rule.
    Untracked,
}

/// Index of a connection in the conntrack table (stable while the connection lives).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u32);

/// Which direction of its connection a packet travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Original,
    Reply,
}

/// What conntrack tells the rest of the engine about one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnFacts {
    pub id: Option<ConnId>,
    pub state: ConnState,
    pub direction: Direction,
    /// The connection has a source-NAT / destination-NAT mapping (`connection-nat-state`).
    pub srcnat: bool,
    pub dstnat: bool,
    /// `connection-mark` (0 = no-mark).
    pub mark: u32,
    /// Marked by `fasttrack-connection`.
    pub fasttrack: bool,
    /// Bytes the connection carried so far, both directions (`connection-bytes`).
    pub bytes: u64,
}
