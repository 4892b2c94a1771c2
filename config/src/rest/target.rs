//! Where a REST path leads (routeros-reference.md §7): `/rest/<menu path>[/<item or command>]`.
//!
//! The menu path is the longest run of leading segments that names a node of the menu tree
//! (`ip/firewall/filter`; the root for `/rest/ping`), matched exactly — no abbreviations, unlike the
//! console. At most one segment may follow: an item (`*1F`, or a name such as `ether1`) or a command
//! (`print`, `move`, `ping`); which one the verb decides ([`super::verbs`]). Anything else is
//! `no such command or directory (<segment>)`, as RouterOS answers.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::error::RestError;
use crate::model::menus;

/// The prefix every REST path starts with.
pub const PREFIX: &str = "/rest";

/// A parsed REST path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The menu path (`ip/address`); empty for the root.
    pub path: String,
    /// The segment after it, if any: an item reference or a command.
    pub rest: Option<String>,
}

/// Parses the (percent-decoded) request path.
pub fn parse(path: &str) -> Result<Target, RestError> {
    let Some(tail) = path.strip_prefix(PREFIX) else {
        return Err(RestError::not_found());
    };
    if !tail.is_empty() && !tail.starts_with('/') {
        return Err(RestError::not_found());
    }
    let segments: Vec<&str> = tail.split('/').filter(|s| !s.is_empty()).collect();
    let mut path = String::new();
    let mut used = 0;
    for segment in &segments {
        let next = if path.is_empty() {
            String::from(*segment)
        } else {
            format!("{path}/{segment}")
        };
        if !menus::is_node(&next) {
            break;
        }
        path = next;
        used += 1;
    }
    let mut left = segments[used..].iter();
    let rest = left.next().map(|s| String::from(*s));
    if let Some(extra) = left.next() {
        let unknown = rest.as_deref().unwrap_or(extra);
        return Err(RestError::no_such_command(unknown));
    }
    Ok(Target { path, rest })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(path: &str, rest: Option<&str>) -> Target {
        Target {
            path: String::from(path),
            rest: rest.map(String::from),
        }
    }

    #[test]
    fn menu_paths_items_and_commands() {
        assert_eq!(parse("/rest/ip/address"), Ok(target("ip/address", None)));
        assert_eq!(parse("/rest/ip/address/"), Ok(target("ip/address", None)));
        assert_eq!(
            parse("/rest/ip/address/*1A"),
            Ok(target("ip/address", Some("*1A")))
        );
        assert_eq!(
            parse("/rest/interface/ether1"),
            Ok(target("interface", Some("ether1")))
        );
        assert_eq!(
            parse("/rest/ip/firewall/filter/move"),
            Ok(target("ip/firewall/filter", Some("move")))
        );
        assert_eq!(parse("/rest/ping"), Ok(target("", Some("ping"))));
        assert_eq!(parse("/rest"), Ok(target("", None)));
    }

    #[test]
    fn unknown_paths_name_the_segment_routeros_names() {
        let e = parse("/rest/ip/adress/print").unwrap_err();
        assert_eq!(e.status, 400);
        assert_eq!(
            e.detail.as_deref(),
            Some("no such command or directory (adress)")
        );
        // Abbreviations are the console's; REST paths are exact.
        assert!(parse("/rest/ip/addr/x").is_err());
        assert_eq!(parse("/restx").unwrap_err().status, 404);
        assert_eq!(parse("/index.html").unwrap_err().status, 404);
    }
}
