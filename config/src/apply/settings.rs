//! The singleton menus the engine reads: `/ip firewall connection tracking` → [`ConntrackSettings`]
//! (routeros-reference.md §3; timeouts apply from each connection's next packet, entries are kept) and
//! `/ip settings` → the neighbour cache (`arp-timeout`, `max-neighbor-entries`).
//!
//! Left to the engine's defaults, because it has no switch for them yet: `ip-forward`,
//! `send-redirects`, `accept-*`, `rp-filter`, `tcp-syncookies`, `allow-fast-path`, `icmp-rate-limit`
//! (fixed at engine creation) and conntrack `tcp-syncookie`. `max-entries` unset keeps what the
//! kernel sized the table to (RouterOS scales it with RAM).

use netstack::conntrack::{ConntrackSettings, Enabled};
use netstack::neighbor::NeighborConfig;
use netstack::{Duration, Instant};

use super::props::{Props, invalid};
use super::{ApplyError, FirewallEngine};
use crate::model::menus;
use crate::model::{Config, Item, MenuDef, ModelError};
use crate::value;

/// Reads a singleton: its one item, or an empty one (every property at its default).
fn singleton_props<'a>(config: &'a Config, menu: &'a MenuDef, empty: &'a Item) -> Props<'a> {
    Props::new(menu, config.singleton(menu).unwrap_or(empty))
}

fn empty_item() -> Item {
    Item {
        id: 0,
        values: alloc::collections::BTreeMap::new(),
    }
}

fn duration(
    props: &Props<'_>,
    name: &'static str,
    fallback: Duration,
) -> Result<Duration, ModelError> {
    Ok(props
        .parsed(name, value::parse_duration)?
        .unwrap_or(fallback))
}

/// The connection-tracking settings the configuration asks for, starting from `current` (which keeps
/// what the configuration does not say: checksum verification, an unset `max-entries`).
pub(super) fn conntrack_settings(
    config: &Config,
    current: ConntrackSettings,
) -> Result<ConntrackSettings, ApplyError> {
    let Some(menu) = menus::menu("ip/firewall/connection/tracking") else {
        return Ok(current);
    };
    let empty = empty_item();
    let props = singleton_props(config, menu, &empty);
    let read = || -> Result<ConntrackSettings, ModelError> {
        let mut s = current;
        s.enabled = match props.get("enabled").unwrap_or("auto") {
            "auto" => Enabled::Auto,
            "yes" => Enabled::Yes,
            "no" => Enabled::No,
            other => return Err(invalid("enabled", other)),
        };
        s.loose_tcp_tracking = props.flag("loose-tcp-tracking");
        s.tcp_syn_sent_timeout = duration(&props, "tcp-syn-sent-timeout", s.tcp_syn_sent_timeout)?;
        s.tcp_syn_received_timeout = duration(
            &props,
            "tcp-syn-received-timeout",
            s.tcp_syn_received_timeout,
        )?;
        s.tcp_established_timeout =
            duration(&props, "tcp-established-timeout", s.tcp_established_timeout)?;
        s.tcp_fin_wait_timeout = duration(&props, "tcp-fin-wait-timeout", s.tcp_fin_wait_timeout)?;
        s.tcp_close_wait_timeout =
            duration(&props, "tcp-close-wait-timeout", s.tcp_close_wait_timeout)?;
        s.tcp_last_ack_timeout = duration(&props, "tcp-last-ack-timeout", s.tcp_last_ack_timeout)?;
        s.tcp_time_wait_timeout =
            duration(&props, "tcp-time-wait-timeout", s.tcp_time_wait_timeout)?;
        s.tcp_close_timeout = duration(&props, "tcp-close-timeout", s.tcp_close_timeout)?;
        s.tcp_max_retrans_timeout =
            duration(&props, "tcp-max-retrans-timeout", s.tcp_max_retrans_timeout)?;
        s.tcp_unacked_timeout = duration(&props, "tcp-unacked-timeout", s.tcp_unacked_timeout)?;
        s.udp_timeout = duration(&props, "udp-timeout", s.udp_timeout)?;
        s.udp_stream_timeout = duration(&props, "udp-stream-timeout", s.udp_stream_timeout)?;
        s.icmp_timeout = duration(&props, "icmp-timeout", s.icmp_timeout)?;
        s.generic_timeout = duration(&props, "generic-timeout", s.generic_timeout)?;
        if let Some(max) = props.integer::<u32>("max-entries")? {
            s.max_entries = max;
        }
        Ok(s)
    };
    read().map_err(|e| ApplyError::model(menu, None, &e))
}

/// The neighbour-cache settings `/ip settings` asks for, starting from `current`.
pub(super) fn neighbor_config(
    config: &Config,
    current: NeighborConfig,
) -> Result<NeighborConfig, ApplyError> {
    let Some(menu) = menus::menu("ip/settings") else {
        return Ok(current);
    };
    let empty = empty_item();
    let props = singleton_props(config, menu, &empty);
    let read = || -> Result<NeighborConfig, ModelError> {
        let mut c = current;
        c.arp_timeout = duration(&props, "arp-timeout", c.arp_timeout)?;
        if let Some(max) = props.integer::<usize>("max-neighbor-entries")? {
            // 0 would leave no room even for the gateway; RouterOS's minimum is a working table.
            c.max_entries = max.max(1);
        }
        Ok(c)
    };
    read().map_err(|e| ApplyError::model(menu, None, &e))
}

/// Both settings planned together, set only when they change.
pub(super) struct SettingsPlan {
    conntrack: ConntrackSettings,
    neighbor: NeighborConfig,
}

impl SettingsPlan {
    pub fn new(config: &Config, engine: &FirewallEngine) -> Result<Self, ApplyError> {
        Ok(SettingsPlan {
            conntrack: conntrack_settings(config, *engine.hooks().conntrack().settings())?,
            neighbor: neighbor_config(config, *engine.neighbors().config())?,
        })
    }

    pub fn commit(&self, engine: &mut FirewallEngine, now: Instant) {
        if *engine.hooks().conntrack().settings() != self.conntrack {
            engine
                .hooks_mut()
                .conntrack_mut()
                .set_settings(self.conntrack);
        }
        if *engine.neighbors().config() != self.neighbor {
            engine.set_neighbor_config(self.neighbor, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Change;

    #[test]
    fn conntrack_timeouts_follow_the_configuration() {
        let mut config = Config::new();
        let current = ConntrackSettings {
            max_entries: 1234,
            ..ConntrackSettings::default()
        };
        assert_eq!(conntrack_settings(&config, current).unwrap(), current);
        let menu = menus::menu("ip/firewall/connection/tracking").unwrap();
        config
            .set(
                menu,
                0,
                &[
                    Change::Set(menu.prop("udp-timeout").unwrap(), "1m".into()),
                    Change::Set(menu.prop("enabled").unwrap(), "yes".into()),
                    Change::Set(menu.prop("loose-tcp-tracking").unwrap(), "no".into()),
                ],
            )
            .unwrap();
        let settings = conntrack_settings(&config, current).unwrap();
        assert_eq!(settings.udp_timeout, Duration::from_secs(60));
        assert_eq!(settings.enabled, Enabled::Yes);
        assert!(!settings.loose_tcp_tracking);
        assert_eq!(
            settings.max_entries, 1234,
            "unset max-entries keeps the kernel's size"
        );
        assert_eq!(
            settings.tcp_established_timeout,
            Duration::from_secs(86_400)
        );
    }

    #[test]
    fn arp_timeout_reaches_the_neighbour_cache() {
        let mut config = Config::new();
        let menu = menus::menu("ip/settings").unwrap();
        config
            .set(
                menu,
                0,
                &[Change::Set(menu.prop("arp-timeout").unwrap(), "2m".into())],
            )
            .unwrap();
        let c = neighbor_config(&config, NeighborConfig::default()).unwrap();
        assert_eq!(c.arp_timeout, Duration::from_secs(120));
        assert_eq!(c.max_entries, 8192, "RouterOS's default");
    }
}
