//! `/ip dns` and `/ip dns static` → the resolver's [`Settings`], and the running cache as
//! `/ip dns cache` items. The kernel hands the settings to its DNS service on every apply, which takes
//! them at once without restarting (the cache keeps what still fits).
//!
//! A static entry is used when it is enabled and complete: `type=A` with an `address`, `type=CNAME`
//! with a `cname`; the other types RouterOS has (FWD, MX, NS, NXDOMAIN, SRV, TXT) are stored but not
//! answered yet.

use alloc::string::String;
use alloc::vec::Vec;

use netstack::Duration;
use netstack::dns::name::Name;
use netstack::dns::{CacheLine, Settings, StaticData, StaticEntry};

use crate::model::{Config, Item, menus};
use crate::value;

/// What `/ip dns` and its static entries ask of the resolver (RouterOS's defaults where unset).
pub fn dns_settings(config: &Config) -> Settings {
    let mut settings = Settings::default();
    let Some(menu) = menus::menu("ip/dns") else {
        return settings;
    };
    let get = |name: &str| config.singleton_value(menu, name);
    if let Some(servers) = get("servers").and_then(value::parse_ipv4_list) {
        settings.servers = servers;
    }
    settings.allow_remote_requests = get("allow-remote-requests") == Some("yes");
    let number = |name: &str| get(name).and_then(|v| v.parse::<u64>().ok());
    if let Some(kib) = number("cache-size") {
        settings.cache_size_kib = u32::try_from(kib).unwrap_or(u32::MAX);
    }
    if let Some(n) = number("max-concurrent-queries") {
        settings.max_concurrent_queries = n as usize;
    }
    if let Some(n) = number("max-udp-packet-size") {
        settings.max_udp_packet_size = u16::try_from(n).unwrap_or(u16::MAX);
    }
    let time = |name: &str| get(name).and_then(value::parse_duration);
    if let Some(ttl) = time("cache-max-ttl") {
        settings.cache_max_ttl = secs(ttl);
    }
    // A zero timeout would retry without end within one poll; a millisecond is the least taken.
    let at_least_1ms = |d: Duration| d.max(Duration::from_millis(1));
    if let Some(d) = time("query-server-timeout") {
        settings.server_timeout = at_least_1ms(d);
    }
    if let Some(d) = time("query-total-timeout") {
        settings.total_timeout = at_least_1ms(d);
    }
    if let Some(statics) = menus::menu("ip/dns/static") {
        settings.statics = config
            .items(statics)
            .iter()
            .filter_map(static_entry)
            .collect();
    }
    settings
}

fn secs(d: Duration) -> u32 {
    u32::try_from(d.secs()).unwrap_or(u32::MAX)
}

fn static_entry(item: &Item) -> Option<StaticEntry> {
    if item.get("disabled") == Some("yes") {
        return None;
    }
    let name = Name::from_text(item.get("name")?).ok()?;
    let data = match item.get("type").unwrap_or("A") {
        "A" => StaticData::A(value::parse_ipv4(item.get("address")?)?),
        "CNAME" => StaticData::Cname(Name::from_text(item.get("cname")?).ok()?),
        _ => return None,
    };
    let ttl = item
        .get("ttl")
        .and_then(value::parse_duration)
        .map_or(86400, secs);
    Some(StaticEntry { name, data, ttl })
}

/// The cache's lines as `/ip dns cache` items, `*ID`s counting from `first_id`.
pub fn cache_items(lines: &[CacheLine], first_id: u32) -> Vec<Item> {
    lines
        .iter()
        .zip(first_id..)
        .map(|(line, id)| {
            let mut values = alloc::collections::BTreeMap::new();
            values.insert(String::from("name"), line.name.clone());
            values.insert(String::from("type"), line.rtype.clone());
            values.insert(String::from("data"), line.data.clone());
            let ttl = Duration::from_secs(u64::from(line.ttl_secs));
            values.insert(String::from("ttl"), value::format_duration(ttl));
            Item { id, values }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{self, Mode, Session};
    use crate::model::MenuDef;
    use crate::{ResourceInfo, SystemControl};

    /// A system whose resolver knows one name and whose cache holds one line.
    #[derive(Default)]
    struct FakeDns {
        flushed: bool,
    }

    impl SystemControl for FakeDns {
        fn resource(&self) -> ResourceInfo {
            ResourceInfo::default()
        }
        fn reboot(&mut self) {}
        fn shutdown(&mut self) {}
        fn resolve(&mut self, name: &str) -> Result<String, String> {
            match name {
                "wan.test" => Ok(String::from("198.51.100.1")),
                _ => Err(String::from("failure: dns name does not exist")),
            }
        }
        fn flush_dns_cache(&mut self) {
            self.flushed = true;
        }
        fn dynamic_items(&self, _config: &Config, menu: &MenuDef) -> Vec<Item> {
            if menu.path != "ip/dns/cache" || self.flushed {
                return Vec::new();
            }
            let line = CacheLine {
                name: String::from("wan.test"),
                rtype: String::from("A"),
                data: String::from("198.51.100.1"),
                ttl_secs: 3599,
            };
            cache_items(&[line], 1)
        }
    }

    fn run(config: &mut Config, system: &mut FakeDns, source: &str) -> String {
        let mut out = String::new();
        cli::run(
            source,
            Mode::Interactive,
            config,
            &mut Session::new(),
            system,
            &mut out,
        );
        out
    }

    #[test]
    fn defaults_are_routeros_defaults() {
        let s = dns_settings(&Config::new());
        assert_eq!(s, Settings::default());
        assert_eq!((s.cache_size_kib, s.cache_max_ttl), (2048, 604800));
        assert!(!s.allow_remote_requests);
    }

    #[test]
    fn settings_and_statics_from_the_menus() {
        let mut config = Config::new();
        let out = run(
            &mut config,
            &mut FakeDns::default(),
            "/ip dns set servers=198.51.100.1,198.51.100.2 allow-remote-requests=yes cache-size=512 cache-max-ttl=1h query-server-timeout=0s\n\
             /ip dns static add name=router.lan address=192.168.88.1\n\
             /ip dns static add name=nas.lan type=CNAME cname=router.lan ttl=5m\n\
             /ip dns static add name=off.lan address=10.0.0.1 disabled=yes\n",
        );
        assert_eq!(out, "");
        let s = dns_settings(&config);
        assert_eq!(s.servers.len(), 2);
        assert!(s.allow_remote_requests);
        assert_eq!((s.cache_size_kib, s.cache_max_ttl), (512, 3600));
        assert_eq!(s.server_timeout, Duration::from_millis(1));
        assert_eq!(s.statics.len(), 2, "the disabled one is left out");
        assert_eq!(s.statics[0].ttl, 86400);
        let target = Name::from_text("router.lan").unwrap();
        assert_eq!(s.statics[1].data, StaticData::Cname(target));
        assert_eq!(s.statics[1].ttl, 300);
    }

    #[test]
    fn resolve_cache_print_and_flush_on_the_console() {
        let mut config = Config::new();
        let mut system = FakeDns::default();
        let out = run(&mut config, &mut system, ":put [:resolve wan.test]");
        assert_eq!(out, "198.51.100.1\r\n");
        let out = run(&mut config, &mut system, ":put [:resolve 10.1.2.3]");
        assert_eq!(out, "10.1.2.3\r\n");
        let out = run(&mut config, &mut system, ":resolve nope.test");
        assert!(out.contains("failure: dns name does not exist"), "{out}");
        let out = run(&mut config, &mut system, "/ip dns cache print");
        assert!(out.contains("NAME") && out.contains("TTL"), "{out}");
        assert!(
            out.contains("wan.test") && out.contains("198.51.100.1") && out.contains("59m59s"),
            "{out}"
        );
        run(&mut config, &mut system, "/ip dns cache flush");
        assert!(system.flushed);
        let out = run(&mut config, &mut system, "/ip dns cache print");
        assert!(!out.contains("wan.test"), "{out}");
    }
}
