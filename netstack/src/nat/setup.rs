//! Choosing a connection's NAT mapping (Linux `nf_nat_setup_info` / `get_unique_tuple`).
//!
//! Source NAT rewrites the destination half of the reply tuple (where replies must be sent), destination
//! NAT its source half. The choice:
//! - address: from the range by a hash of the original source (so a client keeps one address, as Linux
//!   `find_best_ips_proto`); masquerade/redirect use the one address the caller passes;
//! - port (TCP/UDP) or identifier (ICMP echo): the original one if the resulting reply tuple is free and
//!   within `to-ports`, else a bounded search from a random offset: within `to-ports`, or for TCP/UDP
//!   without `to-ports` within the original port's class as Linux (1-511, 600-1023, 1024-65535);
//! - UDP source NAT first tries the internal endpoint's existing endpoint-independent mapping (RFC 4787
//!   REQ-1).
//!
//! Each function refuses a connection that already has that kind of mapping (NAT applies once, on the
//! first packet); a connection may have one of each (hairpin).

use smoltcp::wire::Ipv4Address;

use crate::conntrack::{Conntrack, Prng, proto, status};
use crate::flow::{ConnId, Tuple};

/// The ranges NAT rules name (`to-addresses=`, `to-ports=`), shared with the rule engine.
pub use crate::firewall::spec::{AddrRange, PortRange};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatError {
    /// No live connection with that id.
    NoSuchConnection,
    /// The connection already has a mapping of this kind.
    AlreadyMapped,
    /// An empty range (first > last).
    EmptyRange,
    /// Every candidate reply tuple within the search bound is in use.
    NoFreeTuple,
}

/// Which half of the reply tuple a mapping rewrites.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Half {
    /// Source NAT: the reply's destination.
    Src,
    /// Destination NAT: the reply's source.
    Dst,
}

fn has_ports(protocol: u8) -> bool {
    matches!(protocol, proto::TCP | proto::UDP | proto::ICMP)
}

/// Reply tuple with the translated half set to `addr:port`.
fn candidate(reply: &Tuple, half: Half, addr: Ipv4Address, port: u16) -> Tuple {
    let mut t = *reply;
    match half {
        Half::Src => {
            t.dst = addr;
            t.dst_port = port;
        }
        Half::Dst => {
            t.src = addr;
            t.src_port = port;
        }
    }
    if t.protocol == proto::ICMP {
        // The identifier is one field: both "ports" of an ICMP tuple carry it.
        t.src_port = port;
        t.dst_port = port;
    }
    t
}

fn free(ct: &Conntrack, current: &Tuple, orig: &Tuple, t: &Tuple) -> bool {
    if t == current {
        // Our own (possibly already indexed) reply tuple.
        return true;
    }
    t != orig && !ct.tuple_in_use(t)
}

/// Linux `nf_nat_l4proto_unique_tuple`: tries `attempts` ports from a random offset, then halves the
/// attempts with a new offset while at least 16 remain (at most 240 tries in total).
fn search(
    ct: &Conntrack,
    current: &Tuple,
    orig: &Tuple,
    half: Half,
    addr: Ipv4Address,
    range: PortRange,
    rng: &mut Prng,
) -> Option<Tuple> {
    let size = u32::from(range.end) - u32::from(range.start) + 1;
    let mut attempts = size.min(128);
    loop {
        let off = rng.below(size);
        for i in 0..attempts {
            let port = u32::from(range.start) + (off + i) % size;
            let t = candidate(current, half, addr, port as u16);
            if free(ct, current, orig, &t) {
                return Some(t);
            }
        }
        if attempts >= size || attempts < 16 {
            return None;
        }
        attempts /= 2;
    }
}

fn pick_address(range: AddrRange, key: Ipv4Address) -> Result<Ipv4Address, NatError> {
    let (a, b) = (range.start.to_bits(), range.end.to_bits());
    if a > b {
        return Err(NatError::EmptyRange);
    }
    let size = u64::from(b - a) + 1;
    let h = u64::from(key.to_bits()).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    Ok(Ipv4Address::from_bits(a + (h % size) as u32))
}

/// The common part: choose `addr` + a port for `half`, re-index, set status bits.
fn map(
    ct: &mut Conntrack,
    id: ConnId,
    half: Half,
    addr: Ipv4Address,
    to_ports: Option<PortRange>,
    extra_status: u16,
    rng: &mut Prng,
) -> Result<Tuple, NatError> {
    let c = ct.conn(id).ok_or(NatError::NoSuchConnection)?;
    let bit = match half {
        Half::Src => status::SRCNAT,
        Half::Dst => status::DSTNAT,
    };
    if c.has(bit) {
        return Err(NatError::AlreadyMapped);
    }
    if let Some(r) = to_ports
        && r.start > r.end
    {
        return Err(NatError::EmptyRange);
    }
    let [orig, current] = c.tuples;
    let protocol = orig.protocol;
    // The port this half currently has: for src-nat the original source port, for dst-nat the original
    // destination port (as seen in the reply tuple).
    let orig_port = match half {
        Half::Src => current.dst_port,
        Half::Dst => current.src_port,
    };
    let mut use_eim = false;
    let chosen = if !has_ports(protocol) {
        let t = candidate(&current, half, addr, orig_port);
        if !free(ct, &current, &orig, &t) {
            return Err(NatError::NoFreeTuple);
        }
        t
    } else {
        let ports_ok = |p: u16| to_ports.is_none_or(|r| r.contains(p));
        // 1. The endpoint-independent mapping of this internal endpoint (UDP source NAT).
        let mut found = None;
        if half == Half::Src && protocol == proto::UDP {
            use_eim = true;
            if let Some(m) = ct.eim.get(&(protocol, orig.src, orig.src_port))
                && m.external == addr
                && ports_ok(m.port)
            {
                let t = candidate(&current, half, addr, m.port);
                if free(ct, &current, &orig, &t) {
                    found = Some(t);
                } else {
                    use_eim = false;
                }
            }
        }
        // 2. The original port.
        let keep_dst_port = half == Half::Dst && to_ports.is_none();
        if found.is_none() && ports_ok(orig_port) {
            let t = candidate(&current, half, addr, orig_port);
            if free(ct, &current, &orig, &t) {
                found = Some(t);
            }
        }
        // 3. Bounded search.
        match found {
            Some(t) => t,
            None if keep_dst_port && protocol != proto::ICMP => return Err(NatError::NoFreeTuple),
            None => {
                let range = to_ports.unwrap_or(match (protocol, orig_port) {
                    (proto::ICMP, _) => PortRange {
                        start: 0,
                        end: u16::MAX,
                    },
                    (_, 0..=511) => PortRange { start: 1, end: 511 },
                    (_, 512..=1023) => PortRange {
                        start: 600,
                        end: 1023,
                    },
                    _ => PortRange {
                        start: 1024,
                        end: u16::MAX,
                    },
                });
                search(ct, &current, &orig, half, addr, range, rng).ok_or(NatError::NoFreeTuple)?
            }
        }
    };
    if !ct.set_reply(id, chosen) {
        // The index could not make room for the new reply tuple: no mapping rather than a crash.
        return Err(NatError::NoFreeTuple);
    }
    let mut bits = bit | extra_status;
    if use_eim {
        let port = chosen.dst_port;
        let key = (protocol, orig.src, orig.src_port);
        let matches = ct
            .eim
            .get(&key)
            .is_none_or(|m| m.external == addr && m.port == port);
        if matches && ct.eim.acquire(key, addr, port) {
            bits |= status::EIM;
        }
    }
    if let Some(c) = ct.conn_mut(id) {
        c.status |= bits;
    }
    Ok(chosen)
}

/// `action=src-nat to-addresses=… [to-ports=…]`. Returns the new reply tuple.
pub fn apply_src_nat(
    ct: &mut Conntrack,
    id: ConnId,
    to_addresses: AddrRange,
    to_ports: Option<PortRange>,
    rng: &mut Prng,
) -> Result<Tuple, NatError> {
    let src = ct.conn(id).ok_or(NatError::NoSuchConnection)?.tuples[0].src;
    let addr = pick_address(to_addresses, src)?;
    map(ct, id, Half::Src, addr, to_ports, 0, rng)
}

/// `action=masquerade [to-ports=…]`: source NAT to `out_address`, the out-interface's address (chosen
/// by the caller). Marked so [`flush_masquerade`] finds it.
pub fn masquerade(
    ct: &mut Conntrack,
    id: ConnId,
    out_address: Ipv4Address,
    to_ports: Option<PortRange>,
    rng: &mut Prng,
) -> Result<Tuple, NatError> {
    map(
        ct,
        id,
        Half::Src,
        out_address,
        to_ports,
        status::MASQUERADE,
        rng,
    )
}

/// `action=dst-nat to-addresses=… [to-ports=…]` (port forwarding).
pub fn apply_dst_nat(
    ct: &mut Conntrack,
    id: ConnId,
    to_addresses: AddrRange,
    to_ports: Option<PortRange>,
    rng: &mut Prng,
) -> Result<Tuple, NatError> {
    let src = ct.conn(id).ok_or(NatError::NoSuchConnection)?.tuples[0].src;
    let addr = pick_address(to_addresses, src)?;
    map(ct, id, Half::Dst, addr, to_ports, 0, rng)
}

/// `action=redirect [to-ports=…]`: destination NAT to the router's own address (the address of the
/// in-interface, chosen by the caller).
pub fn redirect(
    ct: &mut Conntrack,
    id: ConnId,
    router_address: Ipv4Address,
    to_ports: Option<PortRange>,
    rng: &mut Prng,
) -> Result<Tuple, NatError> {
    map(ct, id, Half::Dst, router_address, to_ports, 0, rng)
}

fn netmap_addr(prefix: Ipv4Address, prefix_len: u8, host: Ipv4Address) -> Ipv4Address {
    let mask = u32::MAX
        .checked_shl(32 - u32::from(prefix_len.min(32)))
        .unwrap_or(0);
    Ipv4Address::from_bits((prefix.to_bits() & mask) | (host.to_bits() & !mask))
}

/// `action=netmap` in srcnat: 1:1 map of the source into `prefix/prefix_len`, host bits kept.
pub fn netmap_src(
    ct: &mut Conntrack,
    id: ConnId,
    prefix: Ipv4Address,
    prefix_len: u8,
    rng: &mut Prng,
) -> Result<Tuple, NatError> {
    let src = ct.conn(id).ok_or(NatError::NoSuchConnection)?.tuples[0].src;
    map(
        ct,
        id,
        Half::Src,
        netmap_addr(prefix, prefix_len, src),
        None,
        0,
        rng,
    )
}

/// `action=netmap` in dstnat: 1:1 map of the destination into `prefix/prefix_len`, host bits kept.
pub fn netmap_dst(
    ct: &mut Conntrack,
    id: ConnId,
    prefix: Ipv4Address,
    prefix_len: u8,
    rng: &mut Prng,
) -> Result<Tuple, NatError> {
    let dst = ct.conn(id).ok_or(NatError::NoSuchConnection)?.tuples[0].dst;
    map(
        ct,
        id,
        Half::Dst,
        netmap_addr(prefix, prefix_len, dst),
        None,
        0,
        rng,
    )
}

/// The out-interface's address changed or went away: removes the masqueraded connections that use
/// `address` (Linux `masq_device_event`/`inet_cmp`). Walks the table once. Returns how many.
pub fn flush_masquerade(ct: &mut Conntrack, address: Ipv4Address) -> usize {
    ct.remove_where(|c| c.has(status::MASQUERADE) && c.tuples[1].dst == address)
}
