//! The engine's view of which addresses are in use on a served link, for [`super::AddressCheck`]: the
//! router's own addresses, and hosts in the ARP table (RouterOS's conflict avoidance: a lease is not
//! offered for an address another MAC address is seen using).

use smoltcp::wire::{EthernetAddress, Ipv4Address};

use super::server::AddressCheck;
use crate::Instant;
use crate::engine::Engine;
use crate::hooks::Hooks;
use crate::interface::InterfaceId;

/// Addresses in use on `interface` as `engine` knows them at `now`.
pub struct EngineCheck<'a, H: Hooks> {
    pub engine: &'a Engine<H>,
    pub interface: InterfaceId,
    pub now: Instant,
}

impl<H: Hooks> AddressCheck for EngineCheck<'_, H> {
    fn in_use(&self, address: Ipv4Address, mac: EthernetAddress) -> bool {
        if self.engine.addresses().is_local(address) {
            return true;
        }
        self.engine
            .neighbors()
            .entry(self.interface, address, self.now)
            .and_then(|view| view.mac_address)
            .is_some_and(|seen| seen != mac)
    }
}
