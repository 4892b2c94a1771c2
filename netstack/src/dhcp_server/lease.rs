//! A DHCP server's leases: who holds which address, in what state, until when.
//!
//! One lease per client MAC address and at most one per address, kept in two indexes that always agree
//! (every change goes through [`LeaseTable::insert`] and [`LeaseTable::remove`]). The table does not
//! bound itself; the server decides whether a new lease may be made ([`super::server`]).

use alloc::collections::BTreeMap;
use alloc::string::String;

use smoltcp::wire::{EthernetAddress, Ipv4Address};

use crate::{Duration, Instant};

/// A lease's state as `/ip dhcp-server lease print` shows it (RouterOS v7 `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaseStatus {
    /// A static lease its client does not use now.
    Waiting,
    /// Offered to the client, held for it until `expires` (RFC 2131 §4.3.1).
    Offered,
    /// Acknowledged: the client holds the address until `expires`.
    Bound,
}

impl LeaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LeaseStatus::Waiting => "waiting",
            LeaseStatus::Offered => "offered",
            LeaseStatus::Bound => "bound",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    pub mac: EthernetAddress,
    pub address: Ipv4Address,
    /// The client's host name (option 12), if it sent one.
    pub host_name: Option<String>,
    pub status: LeaseStatus,
    /// When an offer lapses or a binding expires; meaningless while `Waiting`.
    pub expires: Instant,
    /// When the client last sent the server a message about this lease.
    pub last_seen: Option<Instant>,
    /// A configured (`/ip dhcp-server lease add`) lease: it stays, `Waiting`, when not in use.
    pub is_static: bool,
    /// The static lease's own `lease-time`, which wins over the server's.
    pub lease_time: Option<Duration>,
}

/// Leases by MAC address and by address.
#[derive(Clone, Debug, Default)]
pub struct LeaseTable {
    by_mac: BTreeMap<[u8; 6], Lease>,
    by_address: BTreeMap<u32, [u8; 6]>,
}

impl LeaseTable {
    pub fn len(&self) -> usize {
        self.by_mac.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_mac.is_empty()
    }

    /// How many leases are not static.
    pub fn dynamic_len(&self) -> usize {
        self.by_mac.values().filter(|l| !l.is_static).count()
    }

    pub fn get(&self, mac: EthernetAddress) -> Option<&Lease> {
        self.by_mac.get(&mac.0)
    }

    /// The lease of `mac`, to change its state, times or host name (not its address or MAC: use
    /// [`LeaseTable::insert`]).
    pub fn get_mut(&mut self, mac: EthernetAddress) -> Option<&mut Lease> {
        self.by_mac.get_mut(&mac.0)
    }

    /// The lease on `address`, whoever holds it.
    pub fn holder(&self, address: Ipv4Address) -> Option<&Lease> {
        self.by_address
            .get(&address.to_bits())
            .and_then(|mac| self.by_mac.get(mac))
    }

    /// Puts `lease` in, replacing the lease of its MAC and the lease on its address (returned, those
    /// that were not the same lease).
    pub fn insert(&mut self, lease: Lease) -> [Option<Lease>; 2] {
        let old_mac = self.remove(lease.mac);
        let old_address = self
            .by_address
            .get(&lease.address.to_bits())
            .copied()
            .and_then(|mac| self.remove(EthernetAddress(mac)));
        self.by_address.insert(lease.address.to_bits(), lease.mac.0);
        self.by_mac.insert(lease.mac.0, lease);
        [old_mac, old_address]
    }

    pub fn remove(&mut self, mac: EthernetAddress) -> Option<Lease> {
        let lease = self.by_mac.remove(&mac.0)?;
        self.by_address.remove(&lease.address.to_bits());
        Some(lease)
    }

    /// Leases in address order.
    pub fn iter(&self) -> impl Iterator<Item = &Lease> + '_ {
        self.by_address
            .values()
            .filter_map(|mac| self.by_mac.get(mac))
    }

    /// Keeps the leases `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&Lease) -> bool) {
        let gone: alloc::vec::Vec<EthernetAddress> = self
            .by_mac
            .values()
            .filter(|l| !keep(l))
            .map(|l| l.mac)
            .collect();
        for mac in gone {
            self.remove(mac);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(mac: u8, d: u8) -> Lease {
        Lease {
            mac: EthernetAddress([2, 0, 0, 0, 0, mac]),
            address: Ipv4Address::new(10, 0, 0, d),
            host_name: None,
            status: LeaseStatus::Bound,
            expires: Instant::ZERO,
            last_seen: None,
            is_static: false,
            lease_time: None,
        }
    }

    #[test]
    fn both_indexes_follow_every_change() {
        let mut table = LeaseTable::default();
        table.insert(lease(1, 10));
        table.insert(lease(2, 11));
        // MAC 1 moves to .11: its old lease and MAC 2's lease on .11 both go.
        let [old_mac, old_address] = table.insert(lease(1, 11));
        assert_eq!(old_mac.map(|l| l.address.octets()[3]), Some(10));
        assert_eq!(old_address.map(|l| l.mac.0[5]), Some(2));
        assert_eq!(table.len(), 1);
        assert!(table.holder(Ipv4Address::new(10, 0, 0, 10)).is_none());
        assert_eq!(
            table
                .holder(Ipv4Address::new(10, 0, 0, 11))
                .map(|l| l.mac.0[5]),
            Some(1)
        );
        table.retain(|l| l.mac.0[5] != 1);
        assert!(table.is_empty() && table.holder(Ipv4Address::new(10, 0, 0, 11)).is_none());
    }
}
