//! The `/ipv6` menus: checked, never applied.
//!
//! The engine does not forward IPv6 yet (it counts IPv6 frames and drops them), so [`super::apply`]
//! leaves every `/ipv6` menu out of it: adding, changing or removing IPv6 configuration changes nothing
//! in the engine. What the model's value types cannot say is checked here, on the line that adds or
//! sets an item, as it is for the IPv4 menus, so what is stored is what RouterOS would take:
//!
//! * `/ipv6 address` needs `address=` or `from-pool=` (an address from a pool may give only its host
//!   part, `::1/64`, or none with `eui-64=yes`);
//! * `/ipv6 route` needs a gateway unless `blackhole=yes`;
//! * `/ipv6 pool` hands out prefixes no shorter than its own (`prefix-length` ≥ the prefix's length);
//! * firewall rules: the text syntaxes the IPv4 rules share (`limit=`, `icmp-options=`, `hop-limit=`
//!   as `ttl=`, ...; [`super::rule_values`]), the protocol, and each action's parameters (present,
//!   and not given to an action they do not belong to). What needs a whole table (jump loops) is not
//!   checked: these rules are not compiled. `headers=` is stored as written.

use alloc::string::String;

use netstack::firewall::protocol_number;

use super::props::{Props, failure, invalid, negation};
use super::rule_values as text;
use super::rules::{PORT_PROTOCOL_NAMES, PORT_PROTOCOLS, not_specified};
use crate::model::schema::MenuKind;
use crate::model::{Item, MenuDef, ModelError};
use crate::value;

/// The protocol name ip6tables and older RouterOS use for ICMPv6, besides `icmpv6`.
const ICMPV6_ALIAS: &str = "ipv6-icmp";

/// Whether `menu` is one of the `/ipv6` menus this module checks.
pub(super) fn is_ipv6(menu: &MenuDef) -> bool {
    menu.storage.starts_with("ipv6/")
}

/// See the module documentation.
pub(super) fn check(menu: &MenuDef, item: &Item) -> Result<(), ModelError> {
    let props = Props::new(menu, item);
    match menu.storage {
        "ipv6/address" => {
            if props.get("address").is_none() && props.get("from-pool").is_none() {
                return Err(ModelError::Missing(String::from("address")));
            }
            Ok(())
        }
        "ipv6/route" => {
            if !props.flag("blackhole") && props.get("gateway").is_none() {
                return Err(failure("gateway not specified"));
            }
            Ok(())
        }
        "ipv6/pool" => {
            let prefix = props.parsed("prefix", value::parse_ipv6_prefix)?;
            let length = props.integer::<u8>("prefix-length")?;
            match (prefix, length) {
                (Some(prefix), Some(length)) if length < prefix.len => Err(invalid(
                    "prefix-length",
                    props.get("prefix-length").unwrap_or(""),
                )),
                _ => Ok(()),
            }
        }
        _ if menu.kind == MenuKind::Ordered => rule(&props),
        _ => Ok(()),
    }
}

/// A firewall rule's text values and its action's parameters.
fn rule(props: &Props<'_>) -> Result<(), ModelError> {
    for (name, stored) in &props.item.values {
        let (_, raw) = negation(stored);
        let accepted = match name.as_str() {
            "protocol" => protocol_number(raw).is_some() || raw == ICMPV6_ALIAS,
            "tcp-mss" | "packet-size" => text::value_range(raw, 65535).is_some(),
            "icmp-options" => text::icmp_options(raw).is_some(),
            "hop-limit" => text::ttl(raw).is_some(),
            "connection-bytes" => text::connection_bytes(raw).is_some(),
            "connection-limit" => connection_limit(raw),
            "connection-rate" => text::connection_rate(raw).is_some(),
            "ipsec-policy" => text::ipsec_policy(raw).is_some(),
            "limit" => text::limit(raw).is_some(),
            "dst-limit" => text::dst_limit(raw).is_some(),
            "nth" => text::nth(raw).is_some(),
            "per-connection-classifier" => text::per_connection_classifier(raw).is_some(),
            "address-list-timeout" => text::address_list_timeout(raw).is_some(),
            "new-hop-limit" => text::new_ttl(raw).is_some(),
            "new-mss" => text::new_mss(raw).is_some(),
            _ => true,
        };
        if !accepted {
            let argument = props.menu.prop(name).map_or("value", |p| p.name);
            return Err(invalid(argument, stored));
        }
    }
    action(props)
}

/// `connection-limit=count,prefix-length`, an IPv6 prefix length (0–128).
fn connection_limit(text: &str) -> bool {
    let Some((limit, length)) = text.split_once(',') else {
        return false;
    };
    let number = |s: &str| !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit());
    number(limit)
        && limit.parse::<u32>().is_ok()
        && number(length)
        && length.parse::<u8>().is_ok_and(|l| l <= 128)
}

/// The parameters the action needs, and none that belong to other actions (RouterOS's words, as in
/// `super::rules`).
fn action(props: &Props<'_>) -> Result<(), ModelError> {
    let name = props.get("action").unwrap_or("accept");
    let nat = matches!(name, "src-nat" | "dst-nat" | "netmap");
    let port_nat = nat || matches!(name, "masquerade" | "redirect");
    if props.get("to-address").is_some() && !nat {
        return Err(failure(
            "to-address can be used only with action src-nat, dst-nat or netmap",
        ));
    }
    if props.get("to-ports").is_some() {
        if !port_nat {
            return Err(failure(
                "to-ports can be used only with action src-nat, dst-nat, masquerade, redirect or netmap",
            ));
        }
        let protocol = props
            .item
            .get("protocol")
            .and_then(protocol_number)
            .filter(|p| PORT_PROTOCOLS.contains(p));
        if protocol.is_none() {
            let mut message = String::from("to-ports can be used only with protocol ");
            message.push_str(PORT_PROTOCOL_NAMES);
            return Err(ModelError::Failure(message));
        }
    }
    let needs = |parameter: &'static str| match props.get(parameter) {
        Some(_) => Ok(()),
        None => Err(not_specified(parameter)),
    };
    match name {
        "jump" => needs("jump-target"),
        "add-src-to-address-list" | "add-dst-to-address-list" => needs("address-list"),
        "mark-connection" => needs("new-connection-mark"),
        "mark-packet" => needs("new-packet-mark"),
        "mark-routing" => needs("new-routing-mark"),
        "change-mss" => needs("new-mss"),
        "change-hop-limit" => needs("new-hop-limit"),
        "change-dscp" => needs("new-dscp"),
        "set-priority" => needs("new-priority"),
        "src-nat" | "netmap" => needs("to-address"),
        "dst-nat" if props.get("to-ports").is_none() => needs("to-address"),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_limits_take_ipv6_prefix_lengths() {
        assert!(connection_limit("100,64"));
        assert!(connection_limit("1,128"));
        assert!(connection_limit("0,0"));
        for bad in [
            "100",
            "100,129",
            ",64",
            "100,",
            "x,64",
            "100,64,1",
            "99999999999,64",
        ] {
            assert!(!connection_limit(bad), "{bad}");
        }
    }
}
