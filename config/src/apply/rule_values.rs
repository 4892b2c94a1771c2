//! The syntaxes of firewall rule properties the object model stores as text (their grammar is richer than
//! a value type): `limit=50/5s,2:packet`, `dst-limit=10,20,dst-address/1m`, `ttl=greater-than:64`,
//! `icmp-options=8:0`, `nth=3,1`, `per-connection-classifier=both-addresses:2/0`, `new-ttl=decrement:1`,
//! ... (routeros-reference.md §2; RouterOS's documented forms). Each parser is total: it answers `None`
//! for anything it does not accept and never panics; numbers are parsed with overflow checks.

use alloc::vec::Vec;

use netstack::Duration;
use netstack::firewall::facts::tcp_flag;
use netstack::firewall::spec::{
    AddressType, DstLimitMode, DstLimitSpec, LimitMode, ListTimeout, MssChange, PccKind, RateSpec,
    RejectWith, TtlChange, TtlMatch, ValueRange,
};
use netstack::icmp_error::IcmpErrorKind;

use crate::value::{parse_duration, parse_rate};

/// A decimal number of one to twenty digits that fits `T`.
fn number<T: TryFrom<u64>>(text: &str) -> Option<T> {
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    T::try_from(text.parse::<u64>().ok()?).ok()
}

/// `a` or `a-b` (either order), each at most `max`: `packet-size=0-500`, `tcp-mss=1400-1500`.
pub fn value_range(text: &str, max: u32) -> Option<ValueRange> {
    let (a, b) = match text.split_once('-') {
        Some((a, b)) => (number::<u32>(a)?, number::<u32>(b)?),
        None => {
            let a = number::<u32>(text)?;
            (a, a)
        }
    };
    (a <= max && b <= max).then(|| ValueRange::new(a, b))
}

/// `icmp-options=type[:code]`; a code range covering every code (`8:0-255`) matches any code, and a
/// one-code range is that code.
pub fn icmp_options(text: &str) -> Option<(u8, Option<u8>)> {
    let (icmp_type, code) = match text.split_once(':') {
        None => return Some((number(text)?, None)),
        Some(parts) => parts,
    };
    let icmp_type = number(icmp_type)?;
    let code = match code.split_once('-') {
        None => Some(number(code)?),
        Some((first, last)) => match (number::<u8>(first)?, number::<u8>(last)?) {
            (0, 255) => None,
            (a, b) if a == b => Some(a),
            _ => return None,
        },
    };
    Some((icmp_type, code))
}

/// `ttl=equal:N|not-equal:N|greater-than:N|less-than:N`.
pub fn ttl(text: &str) -> Option<TtlMatch> {
    let (how, n) = text.split_once(':')?;
    let n = number(n)?;
    Some(match how {
        "equal" => TtlMatch::Equal(n),
        "not-equal" => TtlMatch::NotEqual(n),
        "greater-than" => TtlMatch::GreaterThan(n),
        "less-than" => TtlMatch::LessThan(n),
        _ => return None,
    })
}

/// `connection-bytes=min-max` (`max` 0: no upper bound, `500000-0`); a bare `min` means the same.
pub fn connection_bytes(text: &str) -> Option<(u64, u64)> {
    match text.split_once('-') {
        Some((min, max)) => Some((number(min)?, number(max)?)),
        None => Some((number(text)?, 0)),
    }
}

/// `connection-limit=count,prefix-length` (`100,32`).
pub fn connection_limit(text: &str) -> Option<(u32, u8)> {
    let (limit, prefix_len) = text.split_once(',')?;
    let prefix_len: u8 = number(prefix_len)?;
    (prefix_len <= 32).then_some((number(limit)?, prefix_len))
}

/// `connection-rate=min-max` in bits per second with `k`/`M`/`G` suffixes (`0-1M`).
pub fn connection_rate(text: &str) -> Option<ValueRange> {
    let rate = |s: &str| parse_rate(s).and_then(|r| u32::try_from(r).ok());
    let (min, max) = match text.split_once('-') {
        Some((min, max)) => (rate(min)?, rate(max)?),
        None => (rate(text)?, u32::MAX),
    };
    Some(ValueRange::new(min, max))
}

/// `ipsec-policy=in|out,ipsec|none` → (inbound, ipsec).
pub fn ipsec_policy(text: &str) -> Option<(bool, bool)> {
    let (direction, policy) = text.split_once(',')?;
    let inbound = match direction {
        "in" => true,
        "out" => false,
        _ => return None,
    };
    let ipsec = match policy {
        "ipsec" => true,
        "none" => false,
        _ => return None,
    };
    Some((inbound, ipsec))
}

/// `count[/time]`: a count (decimal suffixes allowed, for bit rates) per period (default one second).
fn count_per(text: &str) -> Option<(u64, Duration)> {
    let (count, period) = match text.split_once('/') {
        Some((count, period)) => (count, parse_duration(period)?),
        None => (text, Duration::from_secs(1)),
    };
    let count = parse_rate(count)?;
    (count > 0 && period.total_micros() > 0).then_some((count, period))
}

/// `limit=count[/time][,burst[:packet|bit]]` (`50/5s,2:packet`, `1M,1M:bit`).
pub fn limit(text: &str) -> Option<RateSpec> {
    let (rate, rest) = match text.split_once(',') {
        Some((rate, rest)) => (rate, Some(rest)),
        None => (text, None),
    };
    let (count, period) = count_per(rate)?;
    let (burst, mode) = match rest {
        None => (0, LimitMode::Packet),
        Some(rest) => {
            let (burst, mode) = match rest.split_once(':') {
                Some((burst, mode)) => (burst, mode),
                None => (rest, "packet"),
            };
            let mode = match mode {
                "packet" => LimitMode::Packet,
                "bit" => LimitMode::Bit,
                _ => return None,
            };
            (parse_rate(burst)?, mode)
        }
    };
    Some(RateSpec {
        count,
        period,
        burst,
        mode,
    })
}

/// `dst-limit=count[/time],burst,mode[/expire]`; `expire` defaults to RouterOS's 10 minutes.
pub fn dst_limit(text: &str) -> Option<DstLimitSpec> {
    let mut parts = text.splitn(3, ',');
    let (count, period) = count_per(parts.next()?)?;
    let burst = parse_rate(parts.next()?)?;
    let third = parts.next()?;
    let (mode, expire) = match third.split_once('/') {
        Some((mode, expire)) => (mode, parse_duration(expire)?),
        None => (third, Duration::from_secs(600)),
    };
    let mode = match mode {
        "dst-address" => DstLimitMode::DstAddress,
        "dst-address-and-port" => DstLimitMode::DstAddressAndPort,
        "src-and-dst-address" => DstLimitMode::SrcAndDstAddress,
        "src-and-dst-address-and-port" => DstLimitMode::SrcAndDstAddressAndPort,
        "addresses-and-dst-port" => DstLimitMode::AddressesAndDstPort,
        _ => return None,
    };
    Some(DstLimitSpec {
        rate: RateSpec {
            count,
            period,
            burst,
            mode: LimitMode::Packet,
        },
        mode,
        expire,
    })
}

/// `nth=every,nth`.
pub fn nth(text: &str) -> Option<(u32, u32)> {
    let (every, nth) = text.split_once(',')?;
    Some((number(every)?, number(nth)?))
}

/// `per-connection-classifier=kind:every/remainder`.
pub fn per_connection_classifier(text: &str) -> Option<(PccKind, u32, u32)> {
    let (kind, numbers) = text.split_once(':')?;
    let (every, remainder) = numbers.split_once('/')?;
    let kind = match kind {
        "src-address" => PccKind::SrcAddress,
        "dst-address" => PccKind::DstAddress,
        "both-addresses" => PccKind::BothAddresses,
        "src-port" => PccKind::SrcPort,
        "dst-port" => PccKind::DstPort,
        "both-ports" => PccKind::BothPorts,
        "src-address-and-port" => PccKind::SrcAddressAndPort,
        "dst-address-and-port" => PccKind::DstAddressAndPort,
        "both-addresses-and-ports" => PccKind::BothAddressesAndPorts,
        _ => return None,
    };
    Some((kind, number(every)?, number(remainder)?))
}

/// `address-list-timeout=none-dynamic|none-static|TIME`; a zero time is "no timeout" (RouterOS v6
/// wrote `00:00:00` for it).
pub fn address_list_timeout(text: &str) -> Option<ListTimeout> {
    match text {
        "none-dynamic" => Some(ListTimeout::NoneDynamic),
        "none-static" => Some(ListTimeout::NoneStatic),
        _ => {
            let time = parse_duration(text)?;
            Some(if time.total_micros() == 0 {
                ListTimeout::NoneDynamic
            } else {
                ListTimeout::After(time)
            })
        }
    }
}

/// `new-ttl=set:N|increment:N|decrement:N` (a bare number sets).
pub fn new_ttl(text: &str) -> Option<TtlChange> {
    let Some((how, n)) = text.split_once(':') else {
        return Some(TtlChange::Set(number(text)?));
    };
    let n = number(n)?;
    match how {
        "set" => Some(TtlChange::Set(n)),
        "increment" => Some(TtlChange::Increment(n)),
        "decrement" => Some(TtlChange::Decrement(n)),
        _ => None,
    }
}

/// `new-mss=N|clamp-to-pmtu`.
pub fn new_mss(text: &str) -> Option<MssChange> {
    match text {
        "clamp-to-pmtu" => Some(MssChange::ClampToPmtu),
        _ => Some(MssChange::Set(number(text)?)),
    }
}

/// `reject-with=`.
pub fn reject_with(text: &str) -> Option<RejectWith> {
    Some(match text {
        "tcp-reset" => RejectWith::TcpReset,
        "icmp-network-unreachable" => RejectWith::Icmp(IcmpErrorKind::NetUnreachable),
        "icmp-host-unreachable" => RejectWith::Icmp(IcmpErrorKind::HostUnreachable),
        "icmp-port-unreachable" => RejectWith::Icmp(IcmpErrorKind::PortUnreachable),
        "icmp-protocol-unreachable" => RejectWith::Icmp(IcmpErrorKind::ProtocolUnreachable),
        "icmp-net-prohibited" => RejectWith::Icmp(IcmpErrorKind::NetProhibited),
        "icmp-host-prohibited" => RejectWith::Icmp(IcmpErrorKind::HostProhibited),
        "icmp-admin-prohibited" => RejectWith::Icmp(IcmpErrorKind::AdminProhibited),
        _ => return None,
    })
}

/// `src-address-type=` / `dst-address-type=`.
pub fn address_type(text: &str) -> Option<AddressType> {
    Some(match text {
        "unicast" => AddressType::Unicast,
        "local" => AddressType::Local,
        "broadcast" => AddressType::Broadcast,
        "multicast" => AddressType::Multicast,
        _ => return None,
    })
}

/// `tcp-flags=syn,!ack` → (flags that must be set, flags that must be clear); each flag may carry its
/// own `!` (RouterOS negates per flag, so a stored leading `!` belongs to the first flag).
pub fn tcp_flags(text: &str) -> Option<(u8, u8)> {
    let (mut set, mut unset) = (0u8, 0u8);
    let elements: Vec<&str> = text.split(',').collect();
    if elements.len() > 8 {
        return None;
    }
    for element in elements {
        let (negated, name) = match element.strip_prefix('!') {
            Some(name) => (true, name),
            None => (false, element),
        };
        let bit = match name {
            "fin" => tcp_flag::FIN,
            "syn" => tcp_flag::SYN,
            "rst" => tcp_flag::RST,
            "psh" => tcp_flag::PSH,
            "ack" => tcp_flag::ACK,
            "urg" => tcp_flag::URG,
            "ece" => tcp_flag::ECE,
            "cwr" => tcp_flag::CWR,
            _ => return None,
        };
        if negated {
            unset |= bit;
        } else {
            set |= bit;
        }
    }
    (set & unset == 0).then_some((set, unset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(value_range("500", 65535), Some(ValueRange::new(500, 500)));
        assert_eq!(
            value_range("1500-1400", 65535),
            Some(ValueRange::new(1400, 1500))
        );
        assert_eq!(value_range("70000", 65535), None);
        assert_eq!(value_range("1-", 65535), None);
        assert_eq!(value_range("-1", 65535), None);
        assert_eq!(value_range("99999999999999999999999", u32::MAX), None);
    }

    #[test]
    fn icmp_and_ttl() {
        assert_eq!(icmp_options("8"), Some((8, None)));
        assert_eq!(icmp_options("3:4"), Some((3, Some(4))));
        assert_eq!(icmp_options("8:0-255"), Some((8, None)));
        assert_eq!(icmp_options("8:3-3"), Some((8, Some(3))));
        assert_eq!(icmp_options("8:1-2"), None);
        assert_eq!(icmp_options("256"), None);
        assert_eq!(ttl("greater-than:64"), Some(TtlMatch::GreaterThan(64)));
        assert_eq!(ttl("equal:1"), Some(TtlMatch::Equal(1)));
        assert_eq!(ttl("equal:256"), None);
        assert_eq!(ttl("64"), None);
    }

    #[test]
    fn connection_matchers() {
        assert_eq!(connection_bytes("500000-0"), Some((500_000, 0)));
        assert_eq!(connection_bytes("10"), Some((10, 0)));
        assert_eq!(connection_limit("100,32"), Some((100, 32)));
        assert_eq!(connection_limit("100,33"), None);
        assert_eq!(connection_rate("0-1M"), Some(ValueRange::new(0, 1_000_000)));
        assert_eq!(
            connection_rate("10G-20G"),
            None,
            "above u32 bits per second"
        );
        assert_eq!(ipsec_policy("in,none"), Some((true, false)));
        assert_eq!(ipsec_policy("out,ipsec"), Some((false, true)));
        assert_eq!(ipsec_policy("both,none"), None);
    }

    #[test]
    fn limits() {
        assert_eq!(
            limit("50/5s,2:packet"),
            Some(RateSpec {
                count: 50,
                period: Duration::from_secs(5),
                burst: 2,
                mode: LimitMode::Packet
            })
        );
        assert_eq!(
            limit("1M,1M:bit"),
            Some(RateSpec {
                count: 1_000_000,
                period: Duration::from_secs(1),
                burst: 1_000_000,
                mode: LimitMode::Bit
            })
        );
        assert_eq!(limit("10").map(|r| (r.count, r.burst)), Some((10, 0)));
        assert_eq!(limit("0,5"), None);
        assert_eq!(limit("10/0s,5"), None);
        assert_eq!(limit("10,5:bytes"), None);
        let d = dst_limit("10/1m,20,src-and-dst-address/30s").unwrap();
        assert_eq!(d.rate.count, 10);
        assert_eq!(d.rate.period, Duration::from_secs(60));
        assert_eq!(d.rate.burst, 20);
        assert_eq!(d.mode, DstLimitMode::SrcAndDstAddress);
        assert_eq!(d.expire, Duration::from_secs(30));
        let d = dst_limit("5,5,dst-address").unwrap();
        assert_eq!(
            (d.mode, d.expire),
            (DstLimitMode::DstAddress, Duration::from_secs(600))
        );
        assert_eq!(dst_limit("5,5"), None);
        assert_eq!(dst_limit("5,5,src-port"), None);
    }

    #[test]
    fn counters_and_classifiers() {
        assert_eq!(nth("3,1"), Some((3, 1)));
        assert_eq!(nth("3"), None);
        assert_eq!(
            per_connection_classifier("both-addresses:2/0"),
            Some((PccKind::BothAddresses, 2, 0))
        );
        assert_eq!(per_connection_classifier("both:2/0"), None);
    }

    #[test]
    fn action_parameters() {
        assert_eq!(
            address_list_timeout("none-static"),
            Some(ListTimeout::NoneStatic)
        );
        assert_eq!(
            address_list_timeout("00:00:00"),
            Some(ListTimeout::NoneDynamic)
        );
        assert_eq!(
            address_list_timeout("1d"),
            Some(ListTimeout::After(Duration::from_secs(86_400)))
        );
        assert_eq!(address_list_timeout("soon"), None);
        assert_eq!(new_ttl("decrement:1"), Some(TtlChange::Decrement(1)));
        assert_eq!(new_ttl("64"), Some(TtlChange::Set(64)));
        assert_eq!(new_ttl("add:1"), None);
        assert_eq!(new_mss("clamp-to-pmtu"), Some(MssChange::ClampToPmtu));
        assert_eq!(new_mss("1360"), Some(MssChange::Set(1360)));
        assert_eq!(reject_with("tcp-reset"), Some(RejectWith::TcpReset));
        assert_eq!(
            reject_with("icmp-admin-prohibited"),
            Some(RejectWith::Icmp(IcmpErrorKind::AdminProhibited))
        );
    }

    #[test]
    fn tcp_flags_negate_per_flag() {
        assert_eq!(tcp_flags("syn,!ack"), Some((tcp_flag::SYN, tcp_flag::ACK)));
        assert_eq!(tcp_flags("!syn,ack"), Some((tcp_flag::ACK, tcp_flag::SYN)));
        assert_eq!(tcp_flags("syn,!syn"), None);
        assert_eq!(tcp_flags("syn,bogus"), None);
        assert_eq!(tcp_flags(""), None);
    }
}
