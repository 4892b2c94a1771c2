//! The REST API's fuzz input (`config/fuzz`, target `rest`; its corpus is replayed by
//! `tests/rest_corpus.rs`): arbitrary bytes as a sequence of authenticated requests against a small
//! router's configuration. Each request must get a status between 200 and 599 and, unless it is a
//! 204, a body that is JSON. Nothing may panic.
//!
//! Input: requests separated by `\0`; in each, the first byte picks the verb, then the path up to
//! the first `\n`, the query (`a=b&c=d`) up to the next, and the rest is the body.

use alloc::string::String;
use alloc::vec::Vec;

use super::verbs::Need;
use super::{RestRequest, serve};
use crate::cli::Session;
use crate::model::{Config, menus};
use crate::resource::ResourceInfo;
use crate::shell::SystemControl;

/// Requests taken from one input.
const MAX_REQUESTS: usize = 16;

/// A system that takes every configuration and answers no tool.
struct Quiet;

impl SystemControl for Quiet {
    fn resource(&self) -> ResourceInfo {
        ResourceInfo::default()
    }
    fn reboot(&mut self) {}
    fn shutdown(&mut self) {}
}

/// A router with two ports, an address and a firewall rule.
fn router() -> Config {
    let mut config = Config::new();
    if let Some(ethernet) = menus::menu("interface/ethernet") {
        for name in ["ether1", "ether2"] {
            let _ = config.add_system_item(ethernet, &[("default-name", name), ("name", name)]);
        }
    }
    crate::apply::ensure_system_items(&mut config, &[]);
    let mut out = String::new();
    crate::cli::run(
        "/ip address add address=192.168.88.1/24 interface=ether2\n\
         /ip firewall filter add chain=input action=accept connection-state=established",
        crate::cli::Mode::Batch,
        &mut config,
        &mut Session::new(),
        &mut Quiet,
        &mut out,
    );
    config
}

/// `a=b&c` → `[(a, b), (c, "")]`, as the HTTP server hands a query over (without its decoding).
pub fn query_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (String::from(n), String::from(v))
        })
        .collect()
}

/// Runs the requests of `data` (module docs).
pub fn run(data: &[u8]) {
    let mut config = router();
    let mut session = Session::new();
    let allows = |_: Need| true;
    for raw in data.split(|b| *b == 0).take(MAX_REQUESTS) {
        let Some((&verb, rest)) = raw.split_first() else {
            continue;
        };
        let method =
            ["GET", "PUT", "PATCH", "DELETE", "POST", "HEAD", "OPTIONS"][usize::from(verb) % 7];
        let mut parts = rest.splitn(3, |b| *b == b'\n');
        let path = String::from_utf8_lossy(parts.next().unwrap_or_default());
        let query_text = String::from_utf8_lossy(parts.next().unwrap_or_default());
        let body = parts.next().unwrap_or_default();
        let query = query_pairs(&query_text);
        let request = RestRequest {
            method,
            path: &path,
            query: &query,
            authorization: None,
            accept: None,
            body,
            source: smoltcp::wire::IpAddress::v4(192, 168, 88, 10),
        };
        let response = serve(&request, &allows, &mut config, &mut Quiet, &mut session);
        assert!((200..600).contains(&response.status), "{}", response.status);
        if response.status != 204 {
            assert!(
                serde_json::from_slice::<serde_json::Value>(&response.body).is_ok(),
                "not JSON: {:?}",
                String::from_utf8_lossy(&response.body)
            );
        }
    }
}
