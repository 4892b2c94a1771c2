//! Property tests over random configurations (built from pools of good and bad values the model
//! accepts): nothing panics; a refused apply leaves every engine table as it was; an accepted one is a
//! fixed point (applying again changes nothing); `check`, `status` and `dynamic_items` answer for every
//! item.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use netstack::firewall::spec::Table;
use netstack::interface::InterfaceId;
use proptest::prelude::*;

use super::*;
use crate::apply::{apply, check, dynamic_items, status};
use crate::model::menus::MENUS;

/// Candidate values per property.
type Pool = &'static [(&'static str, &'static [&'static str])];

/// Each menu the generator adds to, with its pool.
const POOLS: &[(&str, Pool)] = &[
    (
        "ip/firewall/filter",
        &[
            ("chain", &["input", "forward", "output", "a", "b"]),
            (
                "action",
                &[
                    "accept",
                    "drop",
                    "jump",
                    "return",
                    "reject",
                    "tarpit",
                    "add-src-to-address-list",
                    "fasttrack-connection",
                    "log",
                ],
            ),
            ("jump-target", &["a", "b", "input"]),
            ("protocol", &["tcp", "udp", "icmp", "47", "bogus"]),
            ("dst-port", &["22", "80-90"]),
            ("in-interface", &["ether1", "!ether2"]),
            ("out-interface", &["ether1"]),
            ("in-interface-list", &["WAN", "!LAN", "all", "X"]),
            ("connection-state", &["new", "established,related"]),
            ("address-list", &["x"]),
            ("src-address-list", &["x", "y"]),
            ("limit", &["10,5", "fast"]),
            ("tcp-flags", &["syn,!ack"]),
            ("disabled", &["yes", "no"]),
        ],
    ),
    (
        "ip/firewall/nat",
        &[
            ("chain", &["srcnat", "dstnat", "c"]),
            (
                "action",
                &[
                    "masquerade",
                    "dst-nat",
                    "src-nat",
                    "redirect",
                    "netmap",
                    "accept",
                    "jump",
                ],
            ),
            ("jump-target", &["c", "srcnat"]),
            ("protocol", &["tcp", "icmp"]),
            ("to-addresses", &["192.168.88.10", "10.0.0.0/24"]),
            ("to-ports", &["80", "1000-2000", "1,2"]),
            ("out-interface-list", &["WAN"]),
        ],
    ),
    (
        "ip/firewall/mangle",
        &[
            ("chain", &["prerouting", "forward"]),
            (
                "action",
                &["mark-connection", "change-mss", "change-ttl", "accept"],
            ),
            ("new-connection-mark", &["m"]),
            ("new-mss", &["clamp-to-pmtu", "1360"]),
            ("new-ttl", &["set:64", "x"]),
            ("protocol", &["tcp"]),
        ],
    ),
    (
        "ip/address",
        &[
            (
                "address",
                &[
                    "10.1.1.1/24",
                    "10.1.1.0/24",
                    "192.168.88.1/24",
                    "1.2.3.4/32",
                ],
            ),
            ("interface", &["ether1", "ether2"]),
            ("disabled", &["yes", "no"]),
        ],
    ),
    (
        "ip/route",
        &[
            ("dst-address", &["0.0.0.0/0", "10.0.0.0/8"]),
            (
                "gateway",
                &[
                    "198.51.100.1",
                    "ether2",
                    "1.2.3.4%ether1",
                    "bogus",
                    "ether1,10.1.1.9",
                ],
            ),
            ("distance", &["1", "5"]),
            ("blackhole", &["yes"]),
            ("disabled", &["yes", "no"]),
        ],
    ),
    (
        "ip/arp",
        &[
            ("address", &["192.168.88.20", "0.0.0.0"]),
            ("mac-address", &["02:00:00:00:00:01", "FF:FF:FF:FF:FF:FF"]),
            ("interface", &["ether2"]),
            ("disabled", &["yes", "no"]),
        ],
    ),
    (
        "ip/firewall/address-list",
        &[
            ("list", &["x", "y"]),
            ("address", &["10.0.0.1", "10.0.0.0/8", "1.1.1.1-1.1.1.9"]),
            ("disabled", &["yes", "no"]),
        ],
    ),
    (
        "interface/list",
        &[
            ("name", &["X", "Y"]),
            ("include", &["WAN", "X", "all"]),
            ("exclude", &["LAN"]),
        ],
    ),
    (
        "interface/list/member",
        &[
            ("list", &["WAN", "LAN", "X"]),
            ("interface", &["ether1", "ether2"]),
        ],
    ),
    // The `/ipv6` menus are stored only: apply must neither fail on them nor change the engine.
    (
        "ipv6/address",
        &[
            ("address", &["2001:db8::1/64", "fe80::1/64", "::1"]),
            ("from-pool", &["pd"]),
            ("interface", &["ether1", "ether2"]),
            ("eui-64", &["yes", "no"]),
        ],
    ),
    (
        "ipv6/route",
        &[
            ("dst-address", &["::/0", "2001:db8::/32"]),
            ("gateway", &["fe80::1%ether1", "ether2", "2001:db8::1"]),
            ("blackhole", &["yes"]),
        ],
    ),
    (
        "ipv6/firewall/filter",
        &[
            ("chain", &["input", "forward", "a"]),
            ("action", &["accept", "drop", "jump", "reject"]),
            ("jump-target", &["a", "input"]),
            ("protocol", &["icmpv6", "tcp", "bogus"]),
            ("src-address", &["2001:db8::/32", "!fe80::/10"]),
            ("in-interface", &["ether1", "!ether2"]),
            ("limit", &["10,5", "fast"]),
        ],
    ),
];

/// Settable properties of the (fixed) interface items.
const INTERFACE_POOL: Pool = &[
    ("name", &["wan", "lan", "ether1", "ether2"]),
    ("mtu", &["1400", "9000"]),
    ("disabled", &["yes", "no"]),
    (
        "arp",
        &["reply-only", "proxy-arp", "local-proxy-arp", "enabled"],
    ),
];

/// One generated change: which pool, which properties (index into the pool, index into its values),
/// or a removal / interface change.
#[derive(Clone, Debug)]
enum Op {
    Add(usize, Vec<(usize, usize)>),
    Remove(usize, usize),
    Interface(usize, Vec<(usize, usize)>),
}

fn op() -> impl Strategy<Value = Op> {
    let pairs = || proptest::collection::vec((0usize..16, 0usize..16), 1..6);
    prop_oneof![
        4 => (0..POOLS.len(), pairs()).prop_map(|(m, p)| Op::Add(m, p)),
        1 => (0..POOLS.len(), 0usize..8).prop_map(|(m, i)| Op::Remove(m, i)),
        1 => (0usize..2, pairs()).prop_map(|(i, p)| Op::Interface(i, p)),
    ]
}

fn pick(pool: Pool, (p, v): (usize, usize)) -> (&'static str, &'static str) {
    let (name, values) = pool[p % pool.len()];
    (name, values[v % values.len()])
}

fn run(config: &mut Config, op: &Op) {
    match op {
        Op::Add(m, pairs) => {
            let (path, pool) = POOLS[*m];
            let menu = menu(path);
            let changes: Vec<_> = pairs
                .iter()
                .map(|pair| pick(pool, *pair))
                .collect::<alloc::collections::BTreeMap<_, _>>()
                .into_iter()
                .map(|(name, value)| Change::Set(menu.prop(name).unwrap(), String::from(value)))
                .collect();
            let _ = config.add(menu, &changes, None);
        }
        Op::Remove(m, index) => {
            let menu = menu(POOLS[*m].0);
            if let Some(id) = config.items(menu).get(*index).map(|i| i.id) {
                let _ = config.remove(menu, id);
            }
        }
        Op::Interface(index, pairs) => {
            let menu = menu("interface");
            if let Some(id) = config.items(menu).get(*index).map(|i| i.id) {
                for pair in pairs {
                    let (name, value) = pick(INTERFACE_POOL, *pair);
                    let change = Change::Set(menu.prop(name).unwrap(), String::from(value));
                    let _ = config.set(menu, id, &[change]);
                }
            }
        }
    }
}

/// Everything `apply` may change, as text.
pub(super) fn snapshot(router: &super::frames::Router) -> String {
    let engine = &router.engine;
    let interfaces: Vec<_> = engine
        .interfaces()
        .iter()
        .map(|(_, i)| (i.name.clone(), i.mtu, i.arp, i.disabled))
        .collect();
    let addresses: Vec<_> = engine.addresses().iter().collect();
    let routes: Vec<_> = engine
        .routes()
        .iter()
        .map(|r| {
            (
                r.id,
                r.dst,
                r.gateways.to_vec(),
                r.distance,
                r.pref_src,
                r.flags,
            )
        })
        .collect();
    let neighbours: Vec<_> = engine.neighbors().entries(router.now).collect();
    let lists = &engine.hooks().state().address_lists;
    let mut entries: Vec<_> = lists
        .lists()
        .flat_map(|(id, name)| lists.entries(id).map(move |e| (name, e.address, e.dynamic)))
        .collect();
    entries.sort_by_key(|e| format!("{e:?}"));
    let membership: Vec<_> = ["WAN", "LAN", "X", "Y", "static", "dynamic"]
        .iter()
        .map(|name| {
            let id = engine.interface_lists().by_name(name);
            (
                name,
                id.map(|id| {
                    (0..3)
                        .filter(|i| engine.interface_lists().contains(id, InterfaceId(*i)))
                        .collect::<Vec<u16>>()
                }),
            )
        })
        .collect();
    let rules: Vec<_> = [Table::Raw, Table::Mangle, Table::Nat, Table::Filter]
        .iter()
        .map(|t| {
            let set = engine.hooks().rules(*t);
            (set.len(), set.counters().collect::<Vec<_>>())
        })
        .collect();
    format!(
        "{interfaces:?}\n{addresses:?}\n{routes:?}\n{neighbours:?}\n{entries:?}\n{membership:?}\n{rules:?}\n{:?}\n{:?}",
        engine.hooks().conntrack().settings(),
        engine.neighbors().config(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn apply_is_atomic_and_a_fixed_point(ops in proptest::collection::vec(op(), 1..14)) {
        let (mut config, mut router) = soho_router();
        for op in &ops {
            run(&mut config, op);
        }
        for menu in MENUS {
            for item in config.items(menu) {
                let _ = check(&config, menu, item);
            }
        }
        let before = snapshot(&router);
        match apply(&config, &mut router.engine, router.now) {
            Err(error) => {
                prop_assert_eq!(snapshot(&router), before, "refused ({}) but changed", error);
                prop_assert!(!error.message.is_empty());
            }
            Ok(()) => {
                let applied = snapshot(&router);
                prop_assert!(apply(&config, &mut router.engine, router.now).is_ok());
                prop_assert_eq!(snapshot(&router), applied, "a second apply changed something");
            }
        }
        for menu in MENUS {
            for item in config.items(menu) {
                let _ = status(&config, &router.engine, menu, item);
            }
            for item in dynamic_items(&config, &router.engine, menu, router.now) {
                prop_assert!(item.id >= crate::apply::FIRST_DYNAMIC_ID);
            }
        }
    }
}
