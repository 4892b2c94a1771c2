//! `/ip service` for the services the appliance runs (routeros-reference.md §5): today `www`, the HTTP
//! server of the REST API. Its `port`, `disabled` and `address` (the sources allowed to connect) become
//! the server's settings; the other services (telnet, ssh, winbox, ...) are listed but not run.
//!
//! `address=` takes addresses, prefixes and ranges (`192.168.88.0/24,10.0.0.5-10.0.0.9`); the server
//! wants prefixes, so a range is covered by the fewest prefixes that make it exactly (at most 62 for
//! any range), and the whole list by at most [`MAX_ALLOWED_PREFIXES`] — past that the service allows
//! nobody rather than more than was asked.

use alloc::vec::Vec;

use netstack::firewall::address_list::cidr_blocks;
use netstack::firewall::spec::AddrRange;
use netstack::http::ServerSettings;
use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

use crate::model::{Config, menus};
use crate::value::parse_ipv4_range_list;

/// The `www` service's default port.
pub const WWW_PORT: u16 = 80;
/// Most prefixes the allowed sources become.
pub const MAX_ALLOWED_PREFIXES: usize = 256;

/// The settings of the `www` service in `config`.
pub fn www_settings(config: &Config) -> ServerSettings {
    let item = menus::menu("ip/service").and_then(|menu| {
        config
            .items(menu)
            .iter()
            .find(|i| i.get("name") == Some("www"))
    });
    let Some(item) = item else {
        return ServerSettings {
            enabled: true,
            port: WWW_PORT,
            allowed: Vec::new(),
        };
    };
    let port = item
        .get("port")
        .and_then(|p| p.parse().ok())
        .unwrap_or(WWW_PORT);
    let mut enabled = item.get("disabled") != Some("yes");
    let mut allowed = Vec::new();
    if let Some(list) = item.get("address").filter(|a| !a.is_empty()) {
        match parse_ipv4_range_list(list) {
            Some(ranges) => {
                for range in ranges {
                    cover(range, &mut allowed);
                }
            }
            None => enabled = false,
        }
        if allowed.is_empty() || allowed.len() > MAX_ALLOWED_PREFIXES {
            enabled = false;
            allowed.clear();
        }
    }
    ServerSettings {
        enabled,
        port,
        allowed,
    }
}

/// Appends the fewest prefixes that cover exactly `range` (the firewall's
/// [`cidr_blocks`]), one more than [`MAX_ALLOWED_PREFIXES`] at most so that the caller sees the list
/// is too long.
fn cover(range: AddrRange, out: &mut Vec<Ipv4Cidr>) {
    let room = (MAX_ALLOWED_PREFIXES + 1).saturating_sub(out.len());
    out.extend(
        cidr_blocks(range)
            .take(room)
            .map(|(len, network)| Ipv4Cidr::new(Ipv4Address::from_bits(network), len)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{self, Mode, Session};

    fn prefixes(first: [u8; 4], last: [u8; 4]) -> Vec<alloc::string::String> {
        let mut out = Vec::new();
        let range = AddrRange {
            start: Ipv4Address::from(first),
            end: Ipv4Address::from(last),
        };
        cover(range, &mut out);
        out.iter().map(|c| alloc::format!("{c}")).collect()
    }

    #[test]
    fn ranges_become_the_fewest_exact_prefixes() {
        assert_eq!(prefixes([10, 0, 0, 5], [10, 0, 0, 5]), ["10.0.0.5/32"]);
        assert_eq!(
            prefixes([10, 0, 0, 5], [10, 0, 0, 9]),
            ["10.0.0.5/32", "10.0.0.6/31", "10.0.0.8/31"]
        );
        assert_eq!(prefixes([0, 0, 0, 0], [255, 255, 255, 255]), ["0.0.0.0/0"]);
        assert_eq!(
            prefixes([192, 168, 88, 0], [192, 168, 88, 255]),
            ["192.168.88.0/24"]
        );
        assert_eq!(
            prefixes([10, 0, 0, 9], [10, 0, 0, 5]),
            Vec::<alloc::string::String>::new()
        );
        assert_eq!(prefixes([0, 0, 0, 1], [255, 255, 255, 254]).len(), 62);
    }

    /// A system that takes every configuration.
    struct Accepting;

    impl crate::SystemControl for Accepting {
        fn resource(&self) -> crate::ResourceInfo {
            crate::ResourceInfo::default()
        }
        fn reboot(&mut self) {}
        fn shutdown(&mut self) {}
    }

    fn configured(lines: &str) -> ServerSettings {
        let mut config = Config::new();
        crate::apply::ensure_system_items(&mut config, &[]);
        let mut system = Accepting;
        let mut out = alloc::string::String::new();
        cli::run(
            lines,
            Mode::Batch,
            &mut config,
            &mut Session::new(),
            &mut system,
            &mut out,
        );
        assert_eq!(out, "");
        www_settings(&config)
    }

    #[test]
    fn www_follows_ip_service() {
        let default = configured("");
        assert_eq!((default.enabled, default.port), (true, 80));
        assert!(default.allowed.is_empty());
        let set =
            configured("/ip service set www port=8080 address=192.168.88.0/24,10.0.0.5-10.0.0.6");
        assert_eq!(set.port, 8080);
        let allowed: Vec<_> = set.allowed.iter().map(|c| alloc::format!("{c}")).collect();
        assert_eq!(allowed, ["192.168.88.0/24", "10.0.0.5/32", "10.0.0.6/32"]);
        assert!(!configured("/ip service disable www").enabled);
        // `address=""` allows everyone again, as in RouterOS.
        let reset =
            configured("/ip service set www address=10.0.0.0/8\n/ip service set www address=\"\"");
        assert!(reset.enabled && reset.allowed.is_empty());
    }
}
