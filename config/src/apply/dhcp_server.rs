//! `/ip pool`, `/ip dhcp-server`, `/ip dhcp-server network` and `/ip dhcp-server lease` → the DHCP
//! servers the system runs ([`netstack::dhcp_server`]), and the running servers' leases as `/ip
//! dhcp-server lease print` shows them.
//!
//! A server runs when it is enabled, its interface exists and that interface has an address (the
//! first enabled one is the server's address and identifier). `address-pool` names a pool, whose
//! ranges it hands out (`next-pool` is not followed), or `static-only`. The network options come from
//! the `/ip dhcp-server network` whose `address` holds the server's address: `gateway` → router,
//! `dns-server`, `domain`, `netmask` (else the prefix of the server's address), `ntp-server`. With no
//! `dns-server`, clients get the router itself when `/ip dns allow-remote-requests=yes` (it answers
//! them), else the `/ip dns servers` (RouterOS passes the router's DNS servers on unless `dns-none`).
//! `authoritative=after-2sec-delay|after-10sec-delay` count as `yes` (the delay is not kept). Static
//! leases need a `mac-address`; one with `server=all` goes to every server whose network holds its
//! address.
//!
//! Dynamic leases get `*ID`s from a hash of their server's name and MAC address (in the dynamic range,
//! [`super::FIRST_DYNAMIC_ID`]), so an ID stays while the lease does.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use netstack::dhcp_server::{
    DhcpServers, Lease, LeaseStatus, Pool, ReplyOptions, ServerConfig, StaticLease,
};
use netstack::interface::InterfaceId;
use netstack::{Duration, Instant};
use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

use super::FirewallEngine;
use super::dynamic::FIRST_DYNAMIC_ID;
use super::interfaces::referenced;
use super::props::{Target, resolve};
use super::status::shown;
use crate::model::{Config, Item, MenuDef, menus};
use crate::value::{
    format_duration, format_mac, parse_duration, parse_integer, parse_ipv4_list, parse_ipv4_prefix,
    parse_ipv4_range_list, parse_mac,
};

/// The menu of leases.
pub const LEASE_MENU: &str = "ip/dhcp-server/lease";

/// `lease-time`'s default in RouterOS v7.
const DEFAULT_LEASE_TIME: &str = "30m";

fn items<'a>(config: &'a Config, path: &str) -> &'a [Item] {
    menus::menu(path).map_or(&[], |m| config.items(m))
}

fn enabled(item: &Item) -> bool {
    item.get("disabled") != Some("yes")
}

/// The servers `config` runs on `engine`'s interfaces (see the module docs).
pub fn servers(config: &Config, engine: &FirewallEngine) -> Vec<(InterfaceId, ServerConfig)> {
    let mut out = Vec::new();
    for item in items(config, "ip/dhcp-server")
        .iter()
        .filter(|i| enabled(i))
    {
        let Some(interface) = item
            .get("interface")
            .and_then(|stored| referenced(config, stored, engine.interfaces()))
        else {
            continue;
        };
        let Some(own) = engine
            .addresses()
            .on_interface(interface)
            .find(|a| !a.disabled)
            .map(|a| a.cidr)
        else {
            continue;
        };
        let name = String::from(item.get("name").unwrap_or_default());
        let pool = match item
            .get("address-pool")
            .map(|p| resolve(config, "ip/pool", p))
        {
            Some(Target::Item(pool)) => Some(pool_of(pool)),
            // `static-only`, or a pool that is gone: static leases only.
            _ => None,
        };
        let network = network_for(config, own.address());
        let lease_time = item
            .get("lease-time")
            .or(Some(DEFAULT_LEASE_TIME))
            .and_then(parse_duration)
            .unwrap_or(Duration::from_secs(1800));
        out.push((
            interface,
            ServerConfig {
                name,
                server_address: own.address(),
                network: Ipv4Cidr::new(own.network().address(), own.prefix_len()),
                pool,
                lease_time,
                authoritative: item.get("authoritative") != Some("no"),
                options: options(config, network, own),
                static_leases: static_leases(config, item.id, own),
            },
        ));
    }
    out
}

fn pool_of(item: &Item) -> Pool {
    let ranges: Vec<(Ipv4Address, Ipv4Address)> = item
        .get("ranges")
        .and_then(parse_ipv4_range_list)
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.start, r.end))
        .collect();
    Pool::new(&ranges)
}

/// The `/ip dhcp-server network` holding `address`, the longest prefix if several do.
fn network_for(config: &Config, address: Ipv4Address) -> Option<&Item> {
    items(config, "ip/dhcp-server/network")
        .iter()
        .filter_map(|n| Some((n, parse_ipv4_prefix(n.get("address")?)?)))
        .filter(|(_, cidr)| cidr.contains_addr(&address))
        .max_by_key(|(_, cidr)| cidr.prefix_len())
        .map(|(n, _)| n)
}

fn list(item: Option<&Item>, name: &str) -> Vec<Ipv4Address> {
    item.and_then(|i| i.get(name))
        .and_then(parse_ipv4_list)
        .unwrap_or_default()
}

fn options(config: &Config, network: Option<&Item>, own: Ipv4Cidr) -> ReplyOptions {
    let mut dns_servers = list(network, "dns-server");
    if dns_servers.is_empty() {
        let dns = menus::menu("ip/dns").and_then(|m| config.singleton(m));
        dns_servers = if dns.and_then(|d| d.get("allow-remote-requests")) == Some("yes") {
            alloc::vec![own.address()]
        } else {
            list(dns, "servers")
        };
    }
    let netmask = network
        .and_then(|n| n.get("netmask"))
        .and_then(parse_integer)
        .and_then(|bits| u8::try_from(bits).ok())
        .filter(|bits| *bits <= 32)
        .unwrap_or(own.prefix_len());
    ReplyOptions {
        subnet_mask: Some(Ipv4Cidr::new(Ipv4Address::UNSPECIFIED, netmask).netmask()),
        routers: list(network, "gateway"),
        dns_servers,
        domain: network
            .and_then(|n| n.get("domain"))
            .filter(|d| !d.is_empty())
            .map(String::from),
        ntp_servers: list(network, "ntp-server"),
        lease_seconds: None,
    }
}

/// Static leases of server `server_id` (and `server=all` ones in its network).
fn static_leases(config: &Config, server_id: u32, own: Ipv4Cidr) -> Vec<StaticLease> {
    let mine = crate::model::format_id(server_id);
    items(config, LEASE_MENU)
        .iter()
        .filter(|l| enabled(l))
        .filter_map(|l| {
            let address = crate::value::parse_ipv4(l.get("address")?)?;
            let mac = parse_mac(l.get("mac-address")?)?;
            let for_us = match l.get("server").unwrap_or("all") {
                "all" => own.contains_addr(&address),
                server => server == mine,
            };
            for_us.then(|| StaticLease {
                mac,
                address,
                lease_time: l.get("lease-time").and_then(parse_duration),
            })
        })
        .collect()
}

/// SplitMix64's finaliser.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The `*ID` of the dynamic lease of `mac` on server `server`.
pub fn lease_id(server: &str, mac: smoltcp::wire::EthernetAddress) -> u32 {
    let mut key = 0u64;
    for byte in server.bytes().chain(mac.0) {
        key = mix(key ^ u64::from(byte));
    }
    FIRST_DYNAMIC_ID | (key as u32 & 0x7FFF_FFFF)
}

/// What `print` shows of a running lease.
fn lease_values(lease: &Lease, now: Instant) -> Vec<(&'static str, String)> {
    let mut values = alloc::vec![("status", String::from(lease.status.as_str()))];
    if let Some(host) = &lease.host_name {
        values.push(("host-name", host.clone()));
    }
    if lease.status != LeaseStatus::Waiting && lease.expires > now {
        values.push((
            "expires-after",
            format_duration(round_to_seconds(lease.expires - now)),
        ));
    }
    if let Some(seen) = lease.last_seen.filter(|s| *s <= now) {
        values.push(("last-seen", format_duration(round_to_seconds(now - seen))));
    }
    values
}

/// Whole seconds, as RouterOS prints lease times.
fn round_to_seconds(d: Duration) -> Duration {
    Duration::from_secs(d.secs())
}

/// `/ip dhcp-server lease print`'s dynamic items: the leases the servers made.
pub fn lease_items(menu: &MenuDef, servers: &DhcpServers, now: Instant) -> Vec<Item> {
    let mut out = Vec::new();
    for server in servers.servers() {
        let name = &server.config().name;
        for lease in server.leases().filter(|l| !l.is_static) {
            let mut values = alloc::collections::BTreeMap::new();
            values.insert(String::from("dynamic"), String::from("yes"));
            let mut pairs = alloc::vec![
                ("address", format!("{}", lease.address)),
                ("mac-address", format_mac(lease.mac)),
                ("server", name.clone()),
            ];
            pairs.extend(lease_values(lease, now));
            for (prop, value) in pairs {
                if shown(menu, prop) {
                    values.insert(String::from(prop), value);
                }
            }
            out.push(Item {
                id: lease_id(name, lease.mac),
                values,
            });
        }
    }
    out
}

/// What a configured (static) lease shows beside its values: its state in the running server.
pub fn lease_status(
    menu: &MenuDef,
    item: &Item,
    servers: &DhcpServers,
    now: Instant,
) -> Vec<(&'static str, String)> {
    let address = item.get("address").and_then(crate::value::parse_ipv4);
    let mac = item.get("mac-address").and_then(parse_mac);
    let running = servers
        .servers()
        .flat_map(|s| s.leases())
        .find(|l| l.is_static && Some(l.address) == address && Some(l.mac) == mac);
    let mut values = match running {
        Some(lease) => lease_values(lease, now),
        None => alloc::vec![("status", String::from("waiting"))],
    };
    values.retain(|(name, _)| shown(menu, name));
    values
}

/// `remove` of dynamic lease `id`: whether there was one.
pub fn remove_lease(servers: &mut DhcpServers, id: u32) -> bool {
    for server in servers.servers_mut() {
        let name = server.config().name.clone();
        let found = server
            .leases()
            .find(|l| !l.is_static && lease_id(&name, l.mac) == id)
            .map(|l| l.mac);
        if let Some(mac) = found {
            return server.remove_dynamic(mac);
        }
    }
    false
}
