//! Scenario tests of the apply layer: configurations built through the object model's own `add`/`set`,
//! applied to a fresh engine, and proved with literal packets.

mod console;
mod dhcp_client;
mod dhcp_server;
mod dynamic_entries;
mod errors;
mod frames;
mod gateways;
mod ipv6;
mod properties;
mod reconcile;
mod rules;
mod safe_mode;
mod soho;
mod status;

use alloc::string::String;
use alloc::vec::Vec;

use netstack::conntrack::ConntrackSettings;
use netstack::firewall::Firewall;
use netstack::{Engine, EngineConfig, Instant};
use smoltcp::wire::EthernetAddress;

use super::ensure_system_items;
use crate::model::menus;
use crate::model::{Change, Config, Item, MenuDef};
use frames::{Router, host_mac, ip};

pub const WAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0, 0, 1]);
pub const LAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0, 0, 2]);
/// The seed `netstack::factory::build` is given in these tests, so NAT picks the same ports.
pub const SEED: u64 = 7;

pub fn menu(path: &str) -> &'static MenuDef {
    menus::menu(path).expect("menu exists")
}

/// `name=value` changes for `menu`.
pub fn changes(menu: &'static MenuDef, pairs: &[(&str, &str)]) -> Vec<Change> {
    pairs
        .iter()
        .map(|(name, value)| {
            Change::Set(
                menu.prop(name).expect("property exists"),
                String::from(*value),
            )
        })
        .collect()
}

/// `add` to the menu at `path`; returns the new `*ID`.
pub fn add(config: &mut Config, path: &str, pairs: &[(&str, &str)]) -> u32 {
    let menu = menu(path);
    config
        .add(menu, &changes(menu, pairs), None)
        .expect("the model accepts the item")
}

/// `set` on item `id` of the menu at `path`.
pub fn set(config: &mut Config, path: &str, id: u32, pairs: &[(&str, &str)]) {
    let menu = menu(path);
    config
        .set(menu, id, &changes(menu, pairs))
        .expect("the model accepts the change");
}

/// The item of `path` whose `prop` is `value`.
pub fn find<'a>(config: &'a Config, path: &str, prop: &str, value: &str) -> &'a Item {
    config
        .items(menu(path))
        .iter()
        .find(|i| i.get(prop) == Some(value))
        .expect("item exists")
}

/// The defconf filter as a RouterOS user types it (`/export` of a fresh SOHO router).
pub const DEFCONF_FILTER: &[&[(&str, &str)]] = &[
    &[
        ("chain", "input"),
        ("action", "accept"),
        ("connection-state", "established,related,untracked"),
    ],
    &[
        ("chain", "input"),
        ("action", "drop"),
        ("connection-state", "invalid"),
    ],
    &[
        ("chain", "input"),
        ("action", "accept"),
        ("protocol", "icmp"),
    ],
    &[
        ("chain", "input"),
        ("action", "accept"),
        ("dst-address", "127.0.0.1"),
    ],
    &[
        ("chain", "input"),
        ("action", "drop"),
        ("in-interface-list", "!LAN"),
    ],
    &[
        ("chain", "forward"),
        ("action", "fasttrack-connection"),
        ("connection-state", "established,related"),
    ],
    &[
        ("chain", "forward"),
        ("action", "accept"),
        ("connection-state", "established,related,untracked"),
    ],
    &[
        ("chain", "forward"),
        ("action", "drop"),
        ("connection-state", "invalid"),
    ],
    &[
        ("chain", "forward"),
        ("action", "drop"),
        ("connection-state", "new"),
        ("connection-nat-state", "!dstnat"),
        ("in-interface-list", "WAN"),
    ],
];

/// The configuration `netstack::factory` builds by hand: ether1 WAN 198.51.100.2/24 with the default
/// route via 198.51.100.1, ether2 LAN 192.168.88.1/24, lists WAN and LAN, defconf filter, masquerade.
pub fn soho() -> Config {
    let mut config = Config::new();
    ensure_system_items(&mut config, &[WAN_MAC, LAN_MAC]);
    add(&mut config, "interface/list", &[("name", "WAN")]);
    add(&mut config, "interface/list", &[("name", "LAN")]);
    add(
        &mut config,
        "interface/list/member",
        &[("list", "WAN"), ("interface", "ether1")],
    );
    add(
        &mut config,
        "interface/list/member",
        &[("list", "LAN"), ("interface", "ether2")],
    );
    add(
        &mut config,
        "ip/address",
        &[("address", "198.51.100.2/24"), ("interface", "ether1")],
    );
    add(
        &mut config,
        "ip/address",
        &[("address", "192.168.88.1/24"), ("interface", "ether2")],
    );
    add(&mut config, "ip/route", &[("gateway", "198.51.100.1")]);
    for rule in DEFCONF_FILTER {
        add(&mut config, "ip/firewall/filter", rule);
    }
    add(
        &mut config,
        "ip/firewall/nat",
        &[
            ("chain", "srcnat"),
            ("action", "masquerade"),
            ("out-interface-list", "WAN"),
        ],
    );
    config
}

/// A fresh engine with two NICs named as the kernel names them.
pub fn fresh_engine(now: Instant) -> Engine<Firewall> {
    let mut engine = Engine::with_hooks(
        EngineConfig::default(),
        Firewall::new(ConntrackSettings::default(), SEED),
        now,
    );
    engine.add_interface("ether1", WAN_MAC).expect("ether1");
    engine.add_interface("ether2", LAN_MAC).expect("ether2");
    engine
}

pub const LAN_HOST: u8 = 10;

/// A router running `engine`, with a WAN host at the gateway address and a LAN host .10.
pub fn router(engine: Engine<Firewall>, now: Instant) -> Router {
    let mut router = Router {
        engine,
        now,
        macs: alloc::vec![WAN_MAC, LAN_MAC],
        hosts: alloc::vec![
            (host_mac(1), ip(198, 51, 100, 1)),
            (host_mac(LAN_HOST), ip(192, 168, 88, LAN_HOST)),
        ],
    };
    // Gratuitous ARP of the addresses.
    router.drain(0);
    router.drain(1);
    router
}

/// The SOHO configuration applied to a fresh engine.
pub fn soho_router() -> (Config, Router) {
    let now = Instant::from_secs(1);
    let config = soho();
    let mut engine = fresh_engine(now);
    super::apply(&config, &mut engine, now).expect("the SOHO configuration applies");
    (config, router(engine, now))
}
