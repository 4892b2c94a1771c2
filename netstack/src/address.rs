//! The router's own IPv4 addresses (`/ip address`).
//!
//! Each entry is an address with a prefix length on an interface (`address=192.168.88.1/24
//! interface=ether2`); its network (`192.168.88.0`) is derived. Several addresses per interface are
//! allowed; the same address/prefix twice on one interface is refused ("already have such address"), as is
//! a prefix longer than 32 or an address that cannot be a host address. The table answers the questions
//! the packet path asks on every packet — is this destination one of ours, is it a directed broadcast of a
//! connected subnet — from hash sets rebuilt on each change, so the cost does not grow with the number of
//! addresses. The engine turns additions and removals into connected routes and gratuitous ARP.

use alloc::vec::Vec;
use core::fmt;

use hashbrown::HashSet;
use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

use crate::interface::InterfaceId;

/// Stable identity of an address entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AddressId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressEntry {
    pub id: AddressId,
    /// The address with its prefix length (`192.168.88.1/24`).
    pub cidr: Ipv4Cidr,
    pub interface: InterfaceId,
    pub disabled: bool,
    /// Added by the router itself (a DHCP client's lease), not by the configuration: `print` shows
    /// it with the `D` flag and applying a configuration leaves it alone.
    pub dynamic: bool,
}

impl AddressEntry {
    pub fn address(&self) -> Ipv4Address {
        self.cidr.address()
    }

    /// The connected network (`192.168.88.0/24`).
    pub fn network(&self) -> Ipv4Cidr {
        self.cidr.network()
    }

    /// The directed broadcast address of the subnet, if it has one (not for /31 and /32, RFC 3021).
    pub fn broadcast(&self) -> Option<Ipv4Address> {
        (self.cidr.prefix_len() < 31)
            .then(|| self.cidr.broadcast())
            .flatten()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressError {
    /// The same address and prefix is already on that interface.
    AlreadyHave,
    /// Not usable as an interface address (0.0.0.0, multicast, limited broadcast, class E, loopback, or
    /// the network/broadcast address of its own subnet).
    InvalidAddress,
    /// The table holds its maximum.
    TableFull,
}

impl fmt::Display for AddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddressError::AlreadyHave => "already have such address",
            AddressError::InvalidAddress => "invalid value for argument address",
            AddressError::TableFull => "address table is full",
        })
    }
}

/// Upper bound on configured addresses.
pub const MAX_ADDRESSES: usize = 4096;

#[derive(Clone, Debug, Default)]
pub struct AddressTable {
    entries: Vec<AddressEntry>,
    next_id: u32,
    /// Addresses of enabled entries.
    local: HashSet<Ipv4Address>,
    /// Directed broadcasts of enabled entries' subnets.
    broadcasts: HashSet<Ipv4Address>,
}

/// Whether `addr` can be a host address on an interface.
fn is_assignable(cidr: Ipv4Cidr) -> bool {
    let addr = cidr.address();
    let [first, ..] = addr.octets();
    if addr.is_unspecified()
        || addr.is_multicast()
        || addr.is_broadcast()
        || first == 127
        || first >= 240
    {
        return false;
    }
    if cidr.prefix_len() < 31 {
        return addr != cidr.network().address() && Some(addr) != cidr.broadcast();
    }
    cidr.prefix_len() <= 32
}

impl AddressTable {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(
        &mut self,
        cidr: Ipv4Cidr,
        interface: InterfaceId,
    ) -> Result<AddressEntry, AddressError> {
        if !is_assignable(cidr) {
            return Err(AddressError::InvalidAddress);
        }
        if self
            .entries
            .iter()
            .any(|e| e.cidr == cidr && e.interface == interface)
        {
            return Err(AddressError::AlreadyHave);
        }
        if self.entries.len() >= MAX_ADDRESSES {
            return Err(AddressError::TableFull);
        }
        let entry = AddressEntry {
            id: AddressId(self.next_id),
            cidr,
            interface,
            disabled: false,
            dynamic: false,
        };
        self.next_id = self.next_id.wrapping_add(1);
        self.entries.push(entry);
        self.rebuild();
        Ok(entry)
    }

    /// [`AddressTable::add`] for an address the router adds itself (see [`AddressEntry::dynamic`]).
    pub fn add_dynamic(
        &mut self,
        cidr: Ipv4Cidr,
        interface: InterfaceId,
    ) -> Result<AddressEntry, AddressError> {
        let mut entry = self.add(cidr, interface)?;
        entry.dynamic = true;
        if let Some(stored) = self.entries.iter_mut().find(|e| e.id == entry.id) {
            stored.dynamic = true;
        }
        Ok(entry)
    }

    pub fn remove(&mut self, id: AddressId) -> Option<AddressEntry> {
        let index = self.entries.iter().position(|e| e.id == id)?;
        let entry = self.entries.remove(index);
        self.rebuild();
        Some(entry)
    }

    pub fn set_disabled(&mut self, id: AddressId, disabled: bool) -> Option<AddressEntry> {
        let entry = self.entries.iter_mut().find(|e| e.id == id)?;
        entry.disabled = disabled;
        let entry = *entry;
        self.rebuild();
        Some(entry)
    }

    fn rebuild(&mut self) {
        self.local.clear();
        self.broadcasts.clear();
        for entry in self.entries.iter().filter(|e| !e.disabled) {
            self.local.insert(entry.address());
            if let Some(broadcast) = entry.broadcast() {
                self.broadcasts.insert(broadcast);
            }
        }
    }

    pub fn get(&self, id: AddressId) -> Option<&AddressEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &AddressEntry> {
        self.entries.iter()
    }

    /// Whether `addr` is one of the router's (enabled) addresses.
    pub fn is_local(&self, addr: Ipv4Address) -> bool {
        self.local.contains(&addr)
    }

    /// Whether `addr` is the directed broadcast of a connected subnet.
    pub fn is_directed_broadcast(&self, addr: Ipv4Address) -> bool {
        self.broadcasts.contains(&addr)
    }

    /// Enabled addresses on `interface`, in the order they were added.
    pub fn on_interface(&self, interface: InterfaceId) -> impl Iterator<Item = &AddressEntry> {
        self.entries
            .iter()
            .filter(move |e| e.interface == interface && !e.disabled)
    }

    /// The source address for packets the router sends out of `interface` towards `dst`: an address whose
    /// subnet contains `dst`, else the first address of the interface (RFC 1812 §4.3.2.4 for ICMP errors).
    pub fn source_for(&self, interface: InterfaceId, dst: Ipv4Address) -> Option<Ipv4Address> {
        let mut first = None;
        for entry in self.on_interface(interface) {
            if entry.network().contains_addr(&dst) {
                return Some(entry.address());
            }
            first.get_or_insert(entry.address());
        }
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(a: [u8; 4], len: u8) -> Ipv4Cidr {
        Ipv4Cidr::new(Ipv4Address::from(a), len)
    }

    #[test]
    fn add_remove_and_lookup() {
        let mut table = AddressTable::new();
        let lan = table
            .add(cidr([192, 168, 88, 1], 24), InterfaceId(1))
            .unwrap();
        assert_eq!(lan.network(), cidr([192, 168, 88, 0], 24));
        assert!(table.is_local(Ipv4Address::new(192, 168, 88, 1)));
        assert!(table.is_directed_broadcast(Ipv4Address::new(192, 168, 88, 255)));
        assert_eq!(
            table.add(cidr([192, 168, 88, 1], 24), InterfaceId(1)),
            Err(AddressError::AlreadyHave)
        );
        let second = table.add(cidr([10, 0, 0, 1], 30), InterfaceId(1)).unwrap();
        assert_eq!(table.on_interface(InterfaceId(1)).count(), 2);
        assert_eq!(
            table.source_for(InterfaceId(1), Ipv4Address::new(10, 0, 0, 2)),
            Some(Ipv4Address::new(10, 0, 0, 1))
        );
        assert_eq!(
            table.source_for(InterfaceId(1), Ipv4Address::new(8, 8, 8, 8)),
            Some(Ipv4Address::new(192, 168, 88, 1))
        );
        table.set_disabled(lan.id, true).unwrap();
        assert!(!table.is_local(Ipv4Address::new(192, 168, 88, 1)));
        table.remove(second.id).unwrap();
        assert!(!table.is_local(Ipv4Address::new(10, 0, 0, 1)));
        assert_eq!(
            table.source_for(InterfaceId(1), Ipv4Address::new(8, 8, 8, 8)),
            None
        );
    }

    #[test]
    fn unusable_addresses_are_refused() {
        let mut table = AddressTable::new();
        for (a, len) in [
            ([0, 0, 0, 0], 8),
            ([224, 0, 0, 1], 24),
            ([127, 0, 0, 1], 8),
            ([192, 168, 1, 0], 24),
            ([192, 168, 1, 255], 24),
            ([255, 255, 255, 255], 32),
            ([240, 0, 0, 1], 8),
        ] {
            assert_eq!(
                table.add(cidr(a, len), InterfaceId(0)),
                Err(AddressError::InvalidAddress),
                "{a:?}/{len}"
            );
        }
        // /31 point-to-point links use both addresses (RFC 3021) and have no broadcast.
        let p2p = table.add(cidr([10, 1, 1, 0], 31), InterfaceId(0)).unwrap();
        assert_eq!(p2p.broadcast(), None);
        table.add(cidr([10, 9, 9, 9], 32), InterfaceId(0)).unwrap();
    }
}
