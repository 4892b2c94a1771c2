//! The configuration the appliance boots with until the RouterOS CLI and its persistent store exist: a
//! SOHO router in the shape of RouterOS's defconf, with a static WAN address instead of a DHCP client.
//!
//! * `ether1` is the WAN: 198.51.100.2/24, default route via 198.51.100.1, member of interface list WAN;
//! * `ether2` is the LAN: 192.168.88.1/24 (RouterOS's default LAN), member of interface list LAN;
//! * further interfaces exist, unaddressed, in no list (so the defconf filter drops what they send);
//! * the defconf filter (`firewall::defconf::filter`) and `masquerade out-interface-list=WAN`.
//!
//! The addresses come from the documentation ranges (RFC 5737), so they never collide with a real network
//! a test bridges to. Building it is deterministic; the kernel calls [`build`] once per boot.

use alloc::string::String;
use alloc::vec::Vec;

use smoltcp::wire::{EthernetAddress, Ipv4Address, Ipv4Cidr};

use crate::conntrack::ConntrackSettings;
use crate::firewall::spec::Table;
use crate::firewall::{Firewall, defconf};
use crate::route::{Gateway, StaticRoute};
use crate::{Engine, EngineConfig, Instant};

/// ether1's address and prefix.
pub const WAN_ADDRESS: Ipv4Cidr = Ipv4Cidr::new(Ipv4Address::new(198, 51, 100, 2), 24);
/// The default gateway on the WAN side.
pub const WAN_GATEWAY: Ipv4Address = Ipv4Address::new(198, 51, 100, 1);
/// ether2's address and prefix (RouterOS's default LAN).
pub const LAN_ADDRESS: Ipv4Cidr = Ipv4Cidr::new(Ipv4Address::new(192, 168, 88, 1), 24);

/// Why the factory configuration could not be applied (a table full or a rule that does not compile:
/// a bug in this module, reported instead of panicking).
#[derive(Debug, PartialEq, Eq)]
pub struct FactoryError(pub String);

/// The router for NICs with these MAC addresses, in `ether1..N` order, with the engine sized by `config`
/// and connection tracking seeded with `seed`.
pub fn build(
    macs: &[EthernetAddress],
    config: EngineConfig,
    seed: u64,
    now: Instant,
) -> Result<Engine<Firewall>, FactoryError> {
    let error = |what: &str| FactoryError(String::from(what));
    let firewall = Firewall::new(ConntrackSettings::default(), seed);
    let mut engine = Engine::with_hooks(config, firewall, now);
    let mut ids = Vec::new();
    for (index, mac) in macs.iter().enumerate() {
        let name = alloc::format!("ether{}", index + 1);
        ids.push(
            engine
                .add_interface(&name, *mac)
                .ok_or_else(|| error("interface table full"))?,
        );
    }
    let lists = engine.interface_lists_mut();
    let wan_list = lists
        .add("WAN")
        .ok_or_else(|| error("interface lists full"))?;
    let lan_list = lists
        .add("LAN")
        .ok_or_else(|| error("interface lists full"))?;
    if let Some(&wan) = ids.first() {
        engine.interface_lists_mut().add_member(wan_list, wan);
        engine
            .add_address(WAN_ADDRESS, wan)
            .map_err(|_| error("cannot add the WAN address"))?;
        engine
            .routes_mut()
            .add_static(StaticRoute::via(
                Ipv4Cidr::new(Ipv4Address::UNSPECIFIED, 0),
                &[Gateway::Address(WAN_GATEWAY)],
            ))
            .map_err(|_| error("cannot add the default route"))?;
    }
    if let Some(&lan) = ids.get(1) {
        engine.interface_lists_mut().add_member(lan_list, lan);
        engine
            .add_address(LAN_ADDRESS, lan)
            .map_err(|_| error("cannot add the LAN address"))?;
    }
    let (interfaces, lists) = (
        engine.interfaces().clone(),
        engine.interface_lists().clone(),
    );
    let firewall = engine.hooks_mut();
    firewall
        .set_rules(Table::Filter, &defconf::filter(1), &interfaces, &lists)
        .map_err(|e| FactoryError(alloc::format!("defconf filter: {e:?}")))?;
    firewall
        .set_rules(Table::Nat, &defconf::nat(100), &interfaces, &lists)
        .map_err(|e| FactoryError(alloc::format!("defconf nat: {e:?}")))?;
    Ok(engine)
}
