//! Tests across all value types through the public API: literal canonical forms per type, `compare`, and
//! property tests that `normalize` is total and idempotent and that typed parsers read canonical output back.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

use netstack::Duration;
use netstack::firewall::spec::{AddrRange, PortRange};
use proptest::prelude::*;
use smoltcp::wire::{EthernetAddress, Ipv4Address, Ipv4Cidr};

use super::*;

const ACTIONS: &[&str] = &["accept", "drop", "reject"];
const STATES: &[&str] = &["established", "related", "new", "invalid", "untracked"];
const TCP_FLAGS: &[&str] = &["fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr"];
const MTU: ValueType = ValueType::Integer {
    min: 68,
    max: 65535,
};

/// `ra-interval=` of `/ipv6 nd`.
const RA_INTERVAL: ValueType = ValueType::Interval {
    low: (3, 1250),
    high: (4, 1800),
};
/// `mtu=` of `/ipv6 nd`.
const MTU_OR_UNSPECIFIED: ValueType = ValueType::Either {
    word: "unspecified",
    other: &MTU,
};

/// One of every type, for the property tests.
const ALL_TYPES: [ValueType; 28] = [
    ValueType::Text,
    ValueType::Name,
    ValueType::Bool,
    MTU,
    ValueType::Integer {
        min: i64::MIN,
        max: i64::MAX,
    },
    ValueType::Integer { min: 10, max: 0 },
    ValueType::Duration,
    ValueType::TimeOfDay,
    ValueType::Ipv4Address,
    ValueType::Ipv4Prefix,
    ValueType::Ipv4Network,
    ValueType::Ipv4Match,
    ValueType::Ipv4RangeList,
    ValueType::Ipv4List,
    ValueType::Ipv6Address,
    ValueType::Ipv6Prefix,
    ValueType::Ipv6Network,
    ValueType::Ipv6Match,
    ValueType::Ipv6List,
    RA_INTERVAL,
    MTU_OR_UNSPECIFIED,
    ValueType::MacAddress,
    ValueType::PortList,
    ValueType::Enum(ACTIONS),
    ValueType::EnumSet(STATES),
    ValueType::FlagSet(TCP_FLAGS),
    ValueType::Rate,
    ValueType::Enum(&[]),
];

fn ok(t: ValueType, input: &str) -> String {
    match t.normalize(input) {
        Ok(canonical) => canonical,
        Err(e) => panic!("{t:?} refused {input:?}: {}", e.message),
    }
}

fn err(t: ValueType, input: &str) -> String {
    match t.normalize(input) {
        Ok(canonical) => panic!("{t:?} accepted {input:?} as {canonical:?}"),
        Err(e) => e.message,
    }
}

#[test]
fn canonical_forms_per_type() {
    let cases: &[(ValueType, &str, &str)] = &[
        (ValueType::Text, "", ""),
        (ValueType::Text, "  LAN gateway ", "  LAN gateway "),
        (ValueType::Text, "ünïcode ✓", "ünïcode ✓"),
        (ValueType::Name, "ether1", "ether1"),
        (ValueType::Name, "my bridge", "my bridge"),
        (ValueType::Bool, "yes", "yes"),
        (ValueType::Bool, "false", "no"),
        (MTU, "1500", "1500"),
        (MTU, "0x5DC", "1500"),
        (ValueType::Duration, "1d2h3m4s", "1d2h3m4s"),
        (ValueType::Duration, "00:05:00", "5m"),
        (ValueType::Duration, "300", "5m"),
        (ValueType::Duration, "1d00:00:00", "1d"),
        (ValueType::Duration, "0ms", "0s"),
        (ValueType::TimeOfDay, "3:00", "03:00:00"),
        (ValueType::Ipv4Address, "192.168.88.1", "192.168.88.1"),
        (ValueType::Ipv4Prefix, "192.168.88.1/24", "192.168.88.1/24"),
        (ValueType::Ipv4Prefix, "10.0.0.1", "10.0.0.1/32"),
        (ValueType::Ipv4Network, "10.1.2.3/8", "10.0.0.0/8"),
        (ValueType::Ipv4Network, "1.2.3.4", "1.2.3.4/32"),
        (ValueType::Ipv4Match, "1.2.3.4/32", "1.2.3.4"),
        (ValueType::Ipv4Match, "10.9.9.9/8", "10.0.0.0/8"),
        (ValueType::Ipv4Match, "1.2.3.10-1.2.3.4", "1.2.3.4-1.2.3.10"),
        (
            ValueType::Ipv4RangeList,
            "192.168.88.10-192.168.88.254,10.0.0.0/24",
            "192.168.88.10-192.168.88.254,10.0.0.0/24",
        ),
        (ValueType::Ipv4List, "8.8.8.8,8.8.4.4", "8.8.8.8,8.8.4.4"),
        (ValueType::Ipv4List, "", ""),
        (
            ValueType::MacAddress,
            "0c-00-6e-34-39-00",
            "0C:00:6E:34:39:00",
        ),
        (ValueType::PortList, "53,80,8080-8000", "53,80,8000-8080"),
        (ValueType::Enum(ACTIONS), "reject", "reject"),
        (
            ValueType::EnumSet(STATES),
            "established,related,established",
            "established,related",
        ),
        (ValueType::FlagSet(TCP_FLAGS), "syn,!ack", "syn,!ack"),
        (ValueType::Rate, "10000000", "10M"),
        (ValueType::Rate, "1500", "1500"),
        (ValueType::Rate, "2.5M", "2500k"),
        (ValueType::Ipv6Address, "2001:0DB8::0001", "2001:db8::1"),
        (ValueType::Ipv6Prefix, "2001:db8::1/64", "2001:db8::1/64"),
        (ValueType::Ipv6Prefix, "::1", "::1/128"),
        (ValueType::Ipv6Network, "2001:db8::1/32", "2001:db8::/32"),
        (ValueType::Ipv6Match, "2001:db8:2::/64", "2001:db8:2::/64"),
        (ValueType::Ipv6Match, "::1", "::1/128"),
        (ValueType::Ipv6Match, "::9-::1", "::1-::9"),
        (ValueType::Ipv6List, "2001:db8::53,::1", "2001:db8::53,::1"),
        (RA_INTERVAL, "200s-600s", "3m20s-10m"),
        (RA_INTERVAL, "10s", "10s"),
        (MTU_OR_UNSPECIFIED, "unspecified", "unspecified"),
        (MTU_OR_UNSPECIFIED, "0x500", "1280"),
    ];
    for &(t, input, canonical) in cases {
        assert_eq!(ok(t, input), canonical, "{t:?} {input:?}");
    }
}

#[test]
fn ipv6_and_either_refusals() {
    assert_eq!(
        err(ValueType::Ipv6Address, "2001:db8::g"),
        "invalid IPv6 address"
    );
    assert_eq!(
        err(ValueType::Ipv6Address, "10.0.0.1"),
        "invalid IPv6 address"
    );
    assert_eq!(
        err(ValueType::Ipv6Prefix, "::/129"),
        "invalid prefix length"
    );
    assert_eq!(
        err(ValueType::Ipv6Network, "1.2.3.4/8"),
        "invalid IPv6 address"
    );
    assert_eq!(err(ValueType::Ipv6Match, "::1-"), "invalid IPv6 address");
    assert_eq!(err(ValueType::Ipv6List, "::1,"), "invalid IPv6 address");
    assert_eq!(err(RA_INTERVAL, "1s-2s"), "value out of range (3s..1250s)");
    assert_eq!(err(RA_INTERVAL, "20s-10s"), "invalid time interval");
    // Not the word and not a value of the other type: the other type's reason.
    assert_eq!(err(MTU_OR_UNSPECIFIED, "unspec"), err(MTU, "unspec"),);
    assert_eq!(
        err(MTU_OR_UNSPECIFIED, "60"),
        "value out of range (68..65535)"
    );
}

#[test]
fn ipv6_and_either_compare_by_value() {
    use Ordering::*;
    assert_eq!(ValueType::Ipv6Address.compare("::9", "::10"), Some(Less));
    assert_eq!(ValueType::Ipv6Address.compare("::A", "::a"), Some(Equal));
    assert_eq!(
        ValueType::Ipv6Prefix.compare("::1/64", "::1/48"),
        Some(Greater)
    );
    assert_eq!(
        ValueType::Ipv6Network.compare("::1/64", "::2/64"),
        Some(Equal)
    );
    assert_eq!(ValueType::Ipv6Match.compare("::/0", "::1"), Some(Less));
    assert_eq!(ValueType::Ipv6Address.compare("::1", "1.2.3.4"), None);
    assert_eq!(MTU_OR_UNSPECIFIED.compare("1280", "9000"), Some(Less));
    assert_eq!(
        MTU_OR_UNSPECIFIED.compare("unspecified", "unspecified"),
        Some(Equal)
    );
}

#[test]
fn refusals_per_type() {
    assert_eq!(err(ValueType::Name, ""), "value can not be empty");
    assert_eq!(
        err(ValueType::Name, "a\tb"),
        "control characters not allowed"
    );
    assert_eq!(err(ValueType::Name, &"n".repeat(256)), "value too long");
    assert_eq!(ok(ValueType::Name, &"n".repeat(255)).len(), 255);
    assert_eq!(err(ValueType::Bool, ""), "expected yes or no");
    assert_eq!(err(MTU, "65536"), "value out of range (68..65535)");
    assert_eq!(
        err(MTU, "99999999999999999999999"),
        "value out of range (68..65535)"
    );
    assert_eq!(err(MTU, ""), "invalid number");
    assert_eq!(err(MTU, "1500 "), "invalid number");
    assert_eq!(err(ValueType::Duration, "forever"), "invalid time");
    assert_eq!(err(ValueType::Duration, "3651d"), "value out of range");
    assert_eq!(err(ValueType::TimeOfDay, "24:00"), "invalid time of day");
    assert_eq!(
        err(ValueType::Ipv4Address, "256.1.1.1"),
        "invalid IP address"
    );
    assert_eq!(
        err(ValueType::Ipv4Address, "1.2.3.4/32"),
        "invalid IP address"
    );
    assert_eq!(
        err(ValueType::Ipv4Prefix, "1.2.3.4/33"),
        "invalid prefix length"
    );
    assert_eq!(
        err(ValueType::Ipv4Network, "1.2.3.4/33"),
        "invalid prefix length"
    );
    assert_eq!(
        err(ValueType::Ipv4Match, "1.2.3.4/33"),
        "invalid prefix length"
    );
    assert_eq!(err(ValueType::Ipv4RangeList, ""), "value can not be empty");
    assert_eq!(err(ValueType::Ipv4List, "8.8.8.8,"), "invalid IP address");
    assert_eq!(
        err(ValueType::MacAddress, "0C:00:6E"),
        "invalid MAC address"
    );
    assert_eq!(err(ValueType::PortList, "65536"), "invalid port");
    assert_eq!(
        err(ValueType::Enum(ACTIONS), "allow"),
        "input does not match any value"
    );
    assert_eq!(
        err(ValueType::EnumSet(STATES), ""),
        "input does not match any value"
    );
    assert_eq!(
        err(ValueType::FlagSet(TCP_FLAGS), "syn,!syn"),
        "conflicting values"
    );
    assert_eq!(err(ValueType::Rate, "10Mbps"), "invalid rate");
    // Names and text may hold any printable character, other types only ASCII syntax.
    for t in ALL_TYPES {
        if t != ValueType::Text && t != ValueType::Name {
            assert!(t.normalize("\u{1F600}").is_err(), "{t:?}");
        }
    }
}

#[test]
fn length_limits() {
    let long_text = "x".repeat(MAX_TEXT_CHARS);
    assert_eq!(ok(ValueType::Text, &long_text), long_text);
    assert_eq!(
        err(ValueType::Text, &"x".repeat(MAX_TEXT_CHARS + 1)),
        "value too long"
    );
    // Characters, not bytes, count for text.
    let wide = "é".repeat(MAX_TEXT_CHARS);
    assert_eq!(ok(ValueType::Text, &wide), wide);
    let huge_list = "8.8.8.8,".repeat(600);
    assert_eq!(err(ValueType::Ipv4List, &huge_list), "value too long");
    assert_eq!(err(MTU, &"0".repeat(MAX_VALUE_LEN + 1)), "value too long");
    assert_eq!(
        ok(MTU, &format!("{}1500", "0".repeat(MAX_VALUE_LEN - 4))),
        "1500"
    );
}

#[test]
fn compare_orders_by_value() {
    use Ordering::{Equal, Greater, Less};
    let cases: &[(ValueType, &str, &str, Ordering)] = &[
        (MTU, "9", "10", Less),
        (MTU, "0x10", "16", Equal),
        (MTU, "-5", "-50", Greater),
        (ValueType::Duration, "59s", "1m", Less),
        (ValueType::Duration, "1d", "24:00:00", Equal),
        (ValueType::Duration, "1w", "6d23h", Greater),
        (ValueType::TimeOfDay, "9:00", "10:00:00", Less),
        (ValueType::Ipv4Address, "9.0.0.1", "10.0.0.1", Less),
        (
            ValueType::Ipv4Address,
            "192.168.1.10",
            "192.168.1.9",
            Greater,
        ),
        (ValueType::Ipv4Prefix, "10.0.0.1/24", "10.0.0.1/8", Greater),
        (ValueType::Ipv4Prefix, "10.0.0.2/8", "10.0.0.1/24", Greater),
        (ValueType::Ipv4Network, "10.0.0.2/8", "10.0.0.1/8", Equal),
        (ValueType::Ipv4Match, "10.0.0.0/8", "9.255.255.255", Greater),
        (
            ValueType::Ipv4Match,
            "10.0.0.0-10.0.0.5",
            "10.0.0.0/24",
            Less,
        ),
        (
            ValueType::MacAddress,
            "0c:00:00:00:00:00",
            "0B:FF:FF:FF:FF:FF",
            Greater,
        ),
        (ValueType::Rate, "999k", "1M", Less),
        (ValueType::Rate, "1000", "1k", Equal),
        (ValueType::Bool, "no", "yes", Less),
        (ValueType::Bool, "true", "yes", Equal),
        (ValueType::Name, "ether10", "ether2", Less),
        (ValueType::Text, "", "a", Less),
        (ValueType::Enum(ACTIONS), "drop", "accept", Greater),
        (ValueType::PortList, "80", "80-80", Equal),
        (ValueType::EnumSet(STATES), "new,new", "new", Equal),
    ];
    for &(t, a, b, expected) in cases {
        assert_eq!(t.compare(a, b), Some(expected), "{t:?} {a:?} {b:?}");
        assert_eq!(
            t.compare(b, a),
            Some(expected.reverse()),
            "{t:?} {b:?} {a:?}"
        );
    }
    assert_eq!(MTU.compare("1", "x"), None);
    assert_eq!(ValueType::Duration.compare("1q", "1s"), None);
    assert_eq!(ValueType::Ipv4Address.compare("1.2.3.4", "256.0.0.0"), None);
    assert_eq!(ValueType::Enum(ACTIONS).compare("drop", "allow"), None);
    assert_eq!(ValueType::Name.compare("", "a"), None);
    let long = "1".repeat(MAX_VALUE_LEN + 1);
    assert_eq!(ValueType::Rate.compare(&long, "1"), None);
    assert_eq!(ValueType::Text.compare(&long, "1"), None);
    // Text is limited in characters, not bytes.
    let wide = "é".repeat(MAX_TEXT_CHARS);
    assert_eq!(ValueType::Text.compare(&wide, "z"), Some(Greater));
}

#[test]
fn lists_split_on_commas() {
    assert_eq!(parse_list(""), Vec::<&str>::new());
    assert_eq!(parse_list("a"), ["a"]);
    assert_eq!(
        parse_list("established,related"),
        ["established", "related"]
    );
    assert_eq!(parse_list("a,,b,"), ["a", "", "b", ""]);
}

#[test]
fn error_displays_its_message() {
    assert_eq!(
        format!("{}", ValueError::new("invalid time")),
        "invalid time"
    );
}

/// `normalize` did not panic; when it accepted `input`, its output is accepted unchanged and compares equal to
/// itself.
fn check_fixed_point(t: ValueType, input: &str) -> Result<(), TestCaseError> {
    if let Ok(canonical) = t.normalize(input) {
        prop_assert_eq!(
            t.normalize(&canonical),
            Ok(canonical.clone()),
            "{:?} {:?}",
            t,
            input
        );
        prop_assert_eq!(t.compare(&canonical, &canonical), Some(Ordering::Equal));
        prop_assert_eq!(t.compare(input, &canonical), Some(Ordering::Equal));
    }
    Ok(())
}

fn address() -> impl Strategy<Value = Ipv4Address> {
    any::<u32>().prop_map(Ipv4Address::from_bits)
}

fn cidr() -> impl Strategy<Value = Ipv4Cidr> {
    (address(), 0u8..=32).prop_map(|(a, len)| Ipv4Cidr::new(a, len))
}

/// IPv6 addresses with runs of zero groups (where `::` compression happens) as often as not.
fn ipv6_address() -> impl Strategy<Value = core::net::Ipv6Addr> {
    (any::<[u16; 8]>(), any::<u8>()).prop_map(|(mut groups, zeros)| {
        for (i, group) in groups.iter_mut().enumerate() {
            if zeros & (1 << i) != 0 {
                *group = 0;
            }
        }
        core::net::Ipv6Addr::from(groups)
    })
}

proptest! {
    #[test]
    fn any_string_is_normalized_without_panic(input in any::<String>()) {
        for t in ALL_TYPES {
            check_fixed_point(t, &input)?;
        }
        let _ = quote(&input);
        let _ = ipv4_contains(&input, &input);
        let _ = ipv6_contains(&input, &input);
    }

    #[test]
    fn value_like_strings_are_normalized_without_panic(
        input in "[0-9a-fA-FkKMGxwdhmsu:./,!* -]{0,32}"
    ) {
        for t in ALL_TYPES {
            check_fixed_point(t, &input)?;
        }
        let _ = ipv4_contains(&input, "10.0.0.0/8");
        let _ = ipv6_contains(&input, "2001:db8::/32");
    }

    #[test]
    fn integers_round_trip(value in any::<i64>()) {
        let t = ValueType::Integer { min: i64::MIN, max: i64::MAX };
        let canonical = t.normalize(&format!("{value}"));
        prop_assert_eq!(canonical.clone(), Ok(format!("{value}")));
        prop_assert_eq!(parse_integer(&canonical.unwrap_or_default()), Some(value));
        if value >= 0 {
            prop_assert_eq!(t.normalize(&format!("{value:#x}")), Ok(format!("{value}")));
        }
    }

    #[test]
    fn integer_order_is_numeric(a in any::<i64>(), b in any::<i64>()) {
        prop_assert_eq!(MTU.compare(&format!("{a}"), &format!("{b}")), Some(a.cmp(&b)));
    }

    #[test]
    fn durations_round_trip(micros in 0..=MAX_DURATION.total_micros()) {
        let d = Duration::from_micros(micros);
        let printed = format_duration(d);
        prop_assert_eq!(ValueType::Duration.normalize(&printed), Ok(printed.clone()));
        prop_assert_eq!(parse_duration(&printed), Some(d));
    }

    #[test]
    fn clock_durations_match_unit_durations(h in 0u64..=87_599, m in 0u64..60, s in 0u64..60) {
        let clock = format!("{h:02}:{m:02}:{s:02}");
        let units = format!("{h}h{m}m{s}s");
        prop_assert_eq!(parse_duration(&clock), parse_duration(&units));
        prop_assert_eq!(parse_duration(&clock), Some(Duration::from_secs(h * 3_600 + m * 60 + s)));
    }

    #[test]
    fn times_of_day_round_trip(seconds in 0u32..86_400) {
        let printed = format_time_of_day(seconds);
        prop_assert_eq!(ValueType::TimeOfDay.normalize(&printed), Ok(printed.clone()));
        prop_assert_eq!(parse_time_of_day(&printed), Some(seconds));
    }

    #[test]
    fn addresses_round_trip(a in address(), b in address()) {
        let printed = format!("{a}");
        prop_assert_eq!(ValueType::Ipv4Address.normalize(&printed), Ok(printed.clone()));
        prop_assert_eq!(parse_ipv4(&printed), Some(a));
        prop_assert_eq!(
            ValueType::Ipv4Address.compare(&printed, &format!("{b}")),
            Some(a.to_bits().cmp(&b.to_bits()))
        );
    }

    #[test]
    fn prefixes_and_networks_round_trip(c in cidr()) {
        let printed = format!("{c}");
        prop_assert_eq!(ValueType::Ipv4Prefix.normalize(&printed), Ok(printed.clone()));
        prop_assert_eq!(parse_ipv4_prefix(&printed), Some(c));
        let network = format!("{}", c.network());
        prop_assert_eq!(ValueType::Ipv4Network.normalize(&printed), Ok(network.clone()));
        prop_assert_eq!(parse_ipv4_prefix(&network), Some(c.network()));
        prop_assert_eq!(ipv4_contains(&printed, &format!("{}", c.address())), Some(true));
        prop_assert_eq!(ipv4_contains(&network, &printed), Some(true));
    }

    #[test]
    fn firewall_matches_round_trip(c in cidr(), a in address(), b in address()) {
        let prefix = ValueType::Ipv4Match.normalize(&format!("{c}"));
        prop_assert!(prefix.is_ok());
        let prefix = prefix.unwrap_or_default();
        prop_assert_eq!(parse_ipv4_match(&prefix), Some(AddrRange::prefix(c)));
        let range = ValueType::Ipv4Match.normalize(&format!("{a}-{b}"));
        prop_assert!(range.is_ok());
        let range = range.unwrap_or_default();
        prop_assert_eq!(parse_ipv4_match(&range), Some(AddrRange::range(a, b)));
        prop_assert_eq!(ValueType::Ipv4Match.normalize(&range), Ok(range.clone()));
        let list = format!("{prefix},{range}");
        prop_assert_eq!(ValueType::Ipv4RangeList.normalize(&list), Ok(list.clone()));
        prop_assert_eq!(
            parse_ipv4_range_list(&list),
            Some(alloc::vec![AddrRange::prefix(c), AddrRange::range(a, b)])
        );
    }

    #[test]
    fn ipv6_values_round_trip(a in ipv6_address(), b in ipv6_address(), len in 0u8..=128) {
        let printed = format!("{a}");
        prop_assert_eq!(ValueType::Ipv6Address.normalize(&printed), Ok(printed.clone()));
        prop_assert_eq!(parse_ipv6(&printed), Some(a));
        // The long form of the same address reads the same.
        let segments = a.segments();
        let long: Vec<String> = segments.iter().map(|s| format!("{s:04X}")).collect();
        prop_assert_eq!(ValueType::Ipv6Address.normalize(&long.join(":")), Ok(printed.clone()));
        prop_assert_eq!(
            ValueType::Ipv6Address.compare(&printed, &format!("{b}")),
            Some(a.cmp(&b))
        );
        let prefix = Ipv6Prefix { address: a, len };
        let printed = format!("{prefix}");
        prop_assert_eq!(ValueType::Ipv6Prefix.normalize(&printed), Ok(printed.clone()));
        prop_assert_eq!(parse_ipv6_prefix(&printed), Some(prefix));
        let network = ValueType::Ipv6Network.normalize(&printed);
        prop_assert_eq!(network.clone(), Ok(format!("{}", prefix.network())));
        let network = network.unwrap_or_default();
        prop_assert_eq!(ipv6_contains(&network, &printed), Some(true));
        prop_assert_eq!(parse_ipv6_match(&network), Some(prefix.range()));
        let range = ValueType::Ipv6Match.normalize(&format!("{a}-{b}"));
        prop_assert!(range.is_ok());
        let range = range.unwrap_or_default();
        prop_assert_eq!(parse_ipv6_match(&range), Some(Ipv6Range::new(a, b)));
        prop_assert_eq!(ValueType::Ipv6Match.normalize(&range), Ok(range.clone()));
    }

    #[test]
    fn address_lists_round_trip(addresses in proptest::collection::vec(address(), 0..8)) {
        let printed: Vec<String> = addresses.iter().map(|a| format!("{a}")).collect();
        let printed = printed.join(",");
        prop_assert_eq!(ValueType::Ipv4List.normalize(&printed), Ok(printed.clone()));
        prop_assert_eq!(parse_ipv4_list(&printed), Some(addresses));
    }

    #[test]
    fn macs_round_trip(bytes in any::<[u8; 6]>()) {
        let mac = EthernetAddress(bytes);
        let printed = format_mac(mac);
        prop_assert_eq!(ValueType::MacAddress.normalize(&printed), Ok(printed.clone()));
        prop_assert_eq!(ValueType::MacAddress.normalize(&printed.to_lowercase().replace(':', "-")), Ok(printed.clone()));
        prop_assert_eq!(parse_mac(&printed), Some(mac));
    }

    #[test]
    fn port_lists_round_trip(ranges in proptest::collection::vec((any::<u16>(), any::<u16>()), 1..8)) {
        let typed: Vec<PortRange> = ranges.iter().map(|&(a, b)| PortRange::new(a, b)).collect();
        let typed_in: Vec<String> = ranges.iter().map(|&(a, b)| format!("{a}-{b}")).collect();
        let canonical = ValueType::PortList.normalize(&typed_in.join(","));
        prop_assert!(canonical.is_ok());
        let canonical = canonical.unwrap_or_default();
        prop_assert_eq!(ValueType::PortList.normalize(&canonical), Ok(canonical.clone()));
        prop_assert_eq!(parse_port_list(&canonical), Some(typed));
    }

    #[test]
    fn rates_round_trip(bits_per_second in any::<u64>(), a in any::<u32>(), b in any::<u32>()) {
        let printed = format_rate(bits_per_second);
        prop_assert_eq!(ValueType::Rate.normalize(&printed), Ok(printed.clone()));
        prop_assert_eq!(parse_rate(&printed), Some(bits_per_second));
        prop_assert_eq!(ValueType::Rate.compare(&format!("{a}k"), &format!("{b}k")), Some(a.cmp(&b)));
    }

    #[test]
    fn enum_sets_round_trip(picks in proptest::collection::vec((0usize..5, any::<bool>()), 1..10)) {
        let words: Vec<&str> = picks.iter().filter_map(|&(i, _)| STATES.get(i).copied()).collect();
        let mut distinct: Vec<&str> = Vec::new();
        for w in &words {
            if !distinct.contains(w) {
                distinct.push(w);
            }
        }
        prop_assert_eq!(ValueType::EnumSet(STATES).normalize(&words.join(",")), Ok(distinct.join(",")));
        // Negate each flag consistently, so the set never conflicts.
        let flags: Vec<String> = words
            .iter()
            .map(|w| if w.len() % 2 == 0 { format!("!{w}") } else { String::from(*w) })
            .collect();
        let flag_set = ValueType::FlagSet(STATES).normalize(&flags.join(","));
        prop_assert!(flag_set.is_ok());
        let flag_set = flag_set.unwrap_or_default();
        prop_assert_eq!(ValueType::FlagSet(STATES).normalize(&flag_set), Ok(flag_set.clone()));
        prop_assert_eq!(parse_list(&flag_set).len(), distinct.len());
    }

    #[test]
    fn quoted_values_are_printable_ascii(input in any::<String>()) {
        let quoted = quote(&input);
        prop_assert!(quoted.bytes().all(|b| (b' '..=b'~').contains(&b)));
        if quoted == input {
            prop_assert!(!input.is_empty());
            prop_assert!(!input.contains([' ', '"', '\\', ';', '$', '?', '=', '#']));
        } else {
            prop_assert!(quoted.starts_with('"') && quoted.ends_with('"') && quoted.len() >= 2);
        }
    }
}
