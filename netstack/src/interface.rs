//! Interfaces (`/interface`) and interface lists (`/interface list`).
//!
//! An interface is identified inside the engine by an [`InterfaceId`] (its index in the table, stable for
//! the interface's life); names (`ether1`, `ether2`, ...) are for people and the config. Each interface has
//! a MAC address, an MTU (the L3 MTU, 1500 by default as on RouterOS), an administrative state
//! (`disabled`), a link state (`running`), an ARP mode, and rx/tx/drop counters. Interface lists (`WAN`, `LAN`
//! and user lists; `all` and `none` are built in) are sets of interfaces that firewall rules match on.

use alloc::string::String;
use alloc::vec::Vec;

use smoltcp::wire::EthernetAddress;

/// Index of an interface in the [`InterfaceTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InterfaceId(pub u16);

/// `arp=` of an interface (RouterOS `/interface ethernet set arp=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ArpMode {
    /// Resolve neighbours and answer requests for our addresses.
    #[default]
    Enabled,
    /// Neither resolve nor answer; only static entries are used.
    Disabled,
    /// Answer requests for our addresses; never resolve (only static entries are used to send).
    ReplyOnly,
    /// Also answer requests for addresses routed through another interface (RFC 1027).
    ProxyArp,
}

/// Per-interface traffic counters (`/interface print stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InterfaceCounters {
    pub rx_packets: u64,
    pub rx_bytes: u64,
    pub rx_drops: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
    pub tx_drops: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub mac: EthernetAddress,
    /// Largest IP packet the interface sends without fragmenting (L3 MTU).
    pub mtu: u16,
    /// Administratively disabled (`disabled=yes`).
    pub disabled: bool,
    /// Link is up (the R flag).
    pub running: bool,
    pub arp: ArpMode,
    /// What the NIC finishes on transmit (partial checksums, TCP segmentation); the engine does the
    /// rest itself before the frame leaves ([`crate::offload`]).
    pub offload: crate::offload::OffloadCaps,
    pub counters: InterfaceCounters,
}

impl Interface {
    pub fn new(name: &str, mac: EthernetAddress) -> Self {
        Self {
            name: String::from(name),
            mac,
            mtu: 1500,
            disabled: false,
            running: true,
            arp: ArpMode::Enabled,
            offload: crate::offload::OffloadCaps::default(),
            counters: InterfaceCounters::default(),
        }
    }

    /// Passes traffic: enabled and link up.
    pub fn is_up(&self) -> bool {
        !self.disabled && self.running
    }
}

/// All interfaces, indexed by [`InterfaceId`].
#[derive(Clone, Debug, Default)]
pub struct InterfaceTable {
    interfaces: Vec<Interface>,
}

impl InterfaceTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an interface and returns its id. Fails when the name is taken or the table is full.
    pub fn add(&mut self, interface: Interface) -> Option<InterfaceId> {
        if self.by_name(&interface.name).is_some() {
            return None;
        }
        let id = InterfaceId(u16::try_from(self.interfaces.len()).ok()?);
        self.interfaces.push(interface);
        Some(id)
    }

    pub fn get(&self, id: InterfaceId) -> Option<&Interface> {
        self.interfaces.get(usize::from(id.0))
    }

    pub fn get_mut(&mut self, id: InterfaceId) -> Option<&mut Interface> {
        self.interfaces.get_mut(usize::from(id.0))
    }

    pub fn by_name(&self, name: &str) -> Option<InterfaceId> {
        self.interfaces
            .iter()
            .position(|i| i.name == name)
            .map(|i| InterfaceId(i as u16))
    }

    pub fn len(&self) -> usize {
        self.interfaces.len()
    }

    pub fn is_empty(&self) -> bool {
        self.interfaces.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (InterfaceId, &Interface)> {
        self.interfaces
            .iter()
            .enumerate()
            .map(|(i, iface)| (InterfaceId(i as u16), iface))
    }

    /// Whether `id` exists and passes traffic.
    pub fn is_up(&self, id: InterfaceId) -> bool {
        self.get(id).is_some_and(Interface::is_up)
    }
}

/// A named set of interfaces (`/interface list` with its `member`s).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceList {
    pub name: String,
    pub members: Vec<InterfaceId>,
}

/// The interface lists. `all` (every interface) and `none` (no interface) are built in, as on RouterOS.
#[derive(Clone, Debug, Default)]
pub struct InterfaceLists {
    lists: Vec<InterfaceList>,
}

/// Index of a list in [`InterfaceLists`]; the built-ins have their own ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListId {
    All,
    None,
    User(u16),
}

impl InterfaceLists {
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates a list (no-op returning the existing id when it exists).
    pub fn add(&mut self, name: &str) -> Option<ListId> {
        if let Some(id) = self.by_name(name) {
            return Some(id);
        }
        let index = u16::try_from(self.lists.len()).ok()?;
        self.lists.push(InterfaceList {
            name: String::from(name),
            members: Vec::new(),
        });
        Some(ListId::User(index))
    }

    pub fn by_name(&self, name: &str) -> Option<ListId> {
        match name {
            "all" => Some(ListId::All),
            "none" => Some(ListId::None),
            _ => self
                .lists
                .iter()
                .position(|l| l.name == name)
                .map(|i| ListId::User(i as u16)),
        }
    }

    /// Adds `interface` to a user list; false for built-ins and unknown ids.
    pub fn add_member(&mut self, list: ListId, interface: InterfaceId) -> bool {
        let ListId::User(index) = list else {
            return false;
        };
        let Some(list) = self.lists.get_mut(usize::from(index)) else {
            return false;
        };
        if !list.members.contains(&interface) {
            list.members.push(interface);
        }
        true
    }

    pub fn remove_member(&mut self, list: ListId, interface: InterfaceId) {
        if let ListId::User(index) = list
            && let Some(list) = self.lists.get_mut(usize::from(index))
        {
            list.members.retain(|&m| m != interface);
        }
    }

    /// Whether `interface` belongs to `list`.
    pub fn contains(&self, list: ListId, interface: InterfaceId) -> bool {
        match list {
            ListId::All => true,
            ListId::None => false,
            ListId::User(index) => self
                .lists
                .get(usize::from(index))
                .is_some_and(|l| l.members.contains(&interface)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 1]);

    #[test]
    fn names_are_unique_and_ids_stable() {
        let mut table = InterfaceTable::new();
        let e1 = table.add(Interface::new("ether1", MAC)).unwrap();
        let e2 = table.add(Interface::new("ether2", MAC)).unwrap();
        assert_eq!(table.add(Interface::new("ether1", MAC)), None);
        assert_eq!(table.by_name("ether2"), Some(e2));
        assert_eq!(table.get(e1).unwrap().mtu, 1500);
        assert!(table.is_up(e1));
        table.get_mut(e1).unwrap().disabled = true;
        assert!(!table.is_up(e1));
        assert!(!table.is_up(InterfaceId(9)));
    }

    #[test]
    fn lists_and_builtins() {
        let mut lists = InterfaceLists::new();
        let wan = lists.add("WAN").unwrap();
        assert_eq!(lists.add("WAN"), Some(wan));
        assert!(lists.add_member(wan, InterfaceId(0)));
        assert!(lists.contains(wan, InterfaceId(0)));
        assert!(!lists.contains(wan, InterfaceId(1)));
        assert!(lists.contains(ListId::All, InterfaceId(7)));
        assert!(!lists.contains(ListId::None, InterfaceId(0)));
        assert!(!lists.add_member(ListId::All, InterfaceId(0)));
        lists.remove_member(wan, InterfaceId(0));
        assert!(!lists.contains(wan, InterfaceId(0)));
        assert_eq!(lists.by_name("LAN"), None);
    }
}
