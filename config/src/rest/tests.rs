//! The REST API as a client sees it: requests in, status and JSON out, the configuration after.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use base64::Engine as _;
use serde_json::Value;
use smoltcp::wire::{IpAddress, Ipv4Address};

use super::*;
use crate::cli::{self, Mode, PendingAction};
use crate::model::menus;
use crate::resource::ResourceInfo;

/// A system that accepts every configuration and remembers what was logged.
#[derive(Default)]
struct FakeSystem {
    applied: u32,
    log: Vec<(String, String)>,
    /// Microseconds on the tools' clock; `wait_ms` moves it.
    now_us: u64,
    /// Echo replies due, answered 500 µs after each probe to 192.168.88.10.
    replies: Vec<netstack::engine::ToolReply>,
}

impl SystemControl for FakeSystem {
    fn resource(&self) -> ResourceInfo {
        ResourceInfo {
            uptime_ms: 61_000,
            version: String::from("7.16"),
            board_name: String::from("CHR"),
            ..ResourceInfo::default()
        }
    }
    fn reboot(&mut self) {}
    fn shutdown(&mut self) {}
    fn apply(&mut self, _config: &Config) -> Result<(), String> {
        self.applied += 1;
        Ok(())
    }
    fn log(&mut self, topics: &str, message: &str) {
        self.log.push((topics.to_string(), message.to_string()));
    }
    fn send_echo(&mut self, probe: &netstack::engine::EchoProbe) -> Result<(), String> {
        if probe.dst == Ipv4Address::new(192, 168, 88, 10) {
            self.replies.push(netstack::engine::ToolReply {
                kind: netstack::engine::ToolReplyKind::Echo,
                from: probe.dst,
                ident: probe.ident,
                seq: probe.seq,
                ttl: 64,
                size: probe.size,
                at: netstack::Instant::from_micros((self.now_us + 500) as i64),
            });
        }
        Ok(())
    }
    fn connections(
        &self,
        _menu: &crate::model::MenuDef,
        from: u32,
        max: usize,
    ) -> (Vec<crate::model::Item>, Option<u32>) {
        // Three connections, handed out one page of `max` at a time.
        let items: Vec<crate::model::Item> = (from..3)
            .take(max)
            .map(|id| crate::model::Item {
                id,
                values: [
                    ("protocol", "tcp"),
                    ("src-address", "192.168.88.10:40000"),
                    ("dst-address", "198.51.100.1:80"),
                ]
                .into_iter()
                .map(|(k, v)| (String::from(k), String::from(v)))
                .collect(),
            })
            .collect();
        let next = items.last().map(|i| i.id + 1).filter(|n| *n < 3);
        (items, next)
    }
    fn interfaces(&self) -> Vec<crate::InterfaceInfo> {
        alloc::vec![crate::InterfaceInfo {
            name: String::from("ether1"),
            running: true,
            rx_byte: 1500,
            tx_byte: 3000,
            rx_packet: 10,
            tx_packet: 20,
            ..crate::InterfaceInfo::default()
        }]
    }
    fn log_entries(&self) -> Vec<crate::log_memory::LogEntry> {
        self.log
            .iter()
            .enumerate()
            .map(|(i, (topics, message))| crate::log_memory::LogEntry {
                id: i as u32 + 1,
                seconds: 3600,
                topics: topics.clone(),
                message: message.clone(),
            })
            .collect()
    }
    fn clock_seconds(&self) -> u64 {
        3700
    }
    fn take_tool_replies(&mut self) -> Vec<netstack::engine::ToolReply> {
        core::mem::take(&mut self.replies)
    }
    fn now_us(&self) -> u64 {
        self.now_us
    }
    fn wait_ms(&mut self, ms: u64) {
        self.now_us += ms * 1000;
    }
}

const LAN: IpAddress = IpAddress::Ipv4(Ipv4Address::new(192, 168, 88, 10));
const OTHER: IpAddress = IpAddress::Ipv4(Ipv4Address::new(192, 168, 88, 11));

struct Router {
    config: Config,
    system: FakeSystem,
    rest: Rest,
    now_ms: u64,
}

impl Router {
    /// Two ports, admin with password `secret`, `viewer` (read) and `editor` (write).
    fn new() -> Self {
        let mut config = Config::new();
        let ethernet = menus::menu("interface/ethernet").unwrap();
        for name in ["ether1", "ether2"] {
            config
                .add_system_item(ethernet, &[("default-name", name), ("name", name)])
                .unwrap();
        }
        crate::login::ensure_default_user(&mut config);
        let mut router = Router {
            config,
            system: FakeSystem::default(),
            rest: Rest::new(),
            now_ms: 1_000,
        };
        router.console("/user set admin password=secret");
        router.console("/user add name=viewer group=read password=look");
        router.console("/user add name=editor group=write password=edit");
        router
    }

    fn console(&mut self, line: &str) -> String {
        let mut out = String::new();
        let mut session = cli::Session::new();
        cli::run(
            line,
            Mode::Interactive,
            &mut self.config,
            &mut session,
            &mut self.system,
            &mut out,
        );
        out
    }

    fn request_as(
        &mut self,
        credentials: Option<(&str, &str)>,
        method: &str,
        path_and_query: &str,
        body: &str,
    ) -> (u16, Option<Value>, RestResponse) {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, query),
            None => (path_and_query, ""),
        };
        let query = super::fuzz_input::query_pairs(query);
        let authorization = credentials.map(|(user, password)| {
            let token = base64::engine::general_purpose::STANDARD
                .encode(alloc::format!("{user}:{password}"));
            alloc::format!("Basic {token}")
        });
        let request = RestRequest {
            method,
            path,
            query: &query,
            authorization: authorization.as_deref(),
            accept: None,
            body: body.as_bytes(),
            source: LAN,
        };
        let response = self
            .rest
            .handle(&request, &mut self.config, &mut self.system, self.now_ms);
        let json = serde_json::from_slice(&response.body).ok();
        (response.status, json, response)
    }

    fn request(&mut self, method: &str, path: &str, body: &str) -> (u16, Value) {
        let (status, json, _) = self.request_as(Some(("admin", "secret")), method, path, body);
        (status, json.unwrap_or(Value::Null))
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .map(String::from)
        .unwrap_or_default()
}

#[test]
fn every_request_needs_valid_credentials() {
    let mut r = Router::new();
    let (status, body, response) = r.request_as(None, "GET", "/rest/ip/address", "");
    assert_eq!(status, 401);
    assert_eq!(
        body.unwrap(),
        serde_json::json!({"error":401,"message":"Unauthorized"})
    );
    assert!(
        response
            .headers
            .iter()
            .any(|(n, v)| *n == "WWW-Authenticate" && v == "Basic realm=\"MikroTik\"")
    );
    assert_eq!(
        r.request_as(Some(("admin", "wrong")), "GET", "/rest/ip/address", "")
            .0,
        401
    );
    assert_eq!(
        r.request_as(Some(("nobody", "secret")), "GET", "/rest/ip/address", "")
            .0,
        401
    );
    assert!(
        r.system
            .log
            .iter()
            .any(|(topics, line)| topics == "system,error,critical"
                && line == "login failure for user nobody from 192.168.88.10 via rest")
    );
}

#[test]
fn no_request_works_before_the_admin_password_was_set() {
    let mut r = Router::new();
    r.console("/user set admin password=\"\"");
    assert_eq!(
        r.request_as(Some(("admin", "")), "GET", "/rest/system/identity", "")
            .0,
        401
    );
}

#[test]
fn a_source_that_fails_too_often_is_refused_for_a_while() {
    let mut r = Router::new();
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(
            r.request_as(Some(("admin", "guess")), "GET", "/rest/ip/address", "")
                .0,
        );
    }
    assert!(statuses.starts_with(&[401, 401, 401]));
    assert_eq!(*statuses.last().unwrap(), 429);
    // Even the right password waits, and is told how long.
    let (status, _, response) =
        r.request_as(Some(("admin", "secret")), "GET", "/rest/ip/address", "");
    assert_eq!(status, 429);
    assert!(response.headers.iter().any(|(n, _)| *n == "Retry-After"));
    // Another source is not affected.
    let request = RestRequest {
        method: "GET",
        path: "/rest/system/identity",
        query: &[],
        authorization: Some("Basic YWRtaW46c2VjcmV0"),
        accept: None,
        body: b"",
        source: OTHER,
    };
    let response = r
        .rest
        .handle(&request, &mut r.config, &mut r.system, r.now_ms);
    assert_eq!(response.status, 200);
    // Later the source may try again.
    r.now_ms += 10 * 60 * 1000;
    assert_eq!(r.request("GET", "/rest/system/identity", "").0, 200);
}

#[test]
fn get_lists_items_with_string_values_and_filters() {
    let mut r = Router::new();
    r.console("/ip address add address=192.168.88.1/24 interface=ether2 comment=LAN");
    r.console("/ip address add address=10.0.0.1/24 interface=ether1 disabled=yes");
    let (status, list) = r.request("GET", "/rest/ip/address", "");
    assert_eq!(status, 200);
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(text(&items[0], ".id"), "*1");
    assert_eq!(text(&items[0], "address"), "192.168.88.1/24");
    assert_eq!(text(&items[0], "network"), "192.168.88.0");
    assert_eq!(text(&items[0], "comment"), "LAN");
    assert_eq!(text(&items[0], "disabled"), "false");
    assert_eq!(text(&items[0], "dynamic"), "false");
    assert_eq!(text(&items[1], "disabled"), "true");
    for item in items {
        for (_, value) in item.as_object().unwrap() {
            assert!(value.is_string(), "{value}");
        }
    }
    let (_, filtered) = r.request(
        "GET",
        "/rest/ip/address?interface=ether1&.proplist=address",
        "",
    );
    assert_eq!(
        filtered,
        serde_json::json!([{".id":"*2","address":"10.0.0.1/24"}])
    );
    let (_, none) = r.request("GET", "/rest/ip/address?disabled=yes&interface=ether2", "");
    assert_eq!(none, serde_json::json!([]));
}

#[test]
fn get_one_item_by_id_or_name_and_singletons() {
    let mut r = Router::new();
    let (status, ether2) = r.request("GET", "/rest/interface/ether2", "");
    assert_eq!(status, 200);
    assert_eq!(text(&ether2, "name"), "ether2");
    let id = text(&ether2, ".id");
    let (_, same) = r.request("GET", &alloc::format!("/rest/interface/{id}"), "");
    assert_eq!(same, ether2);
    let (status, body) = r.request("GET", "/rest/interface/ether9", "");
    assert_eq!(
        (status, body),
        (404, serde_json::json!({"error":404,"message":"Not Found"}))
    );
    let (status, identity) = r.request("GET", "/rest/system/identity", "");
    assert_eq!(
        (status, identity),
        (200, serde_json::json!({"name":"MikroTik"}))
    );
    let (_, resource) = r.request("GET", "/rest/system/resource", "");
    assert_eq!(text(&resource, "uptime"), "1m1s");
    assert_eq!(text(&resource, "board-name"), "CHR");
    let (_, dns) = r.request("GET", "/rest/ip/dns", "");
    assert_eq!(text(&dns, "allow-remote-requests"), "false");
}

#[test]
fn put_adds_and_returns_the_created_object() {
    let mut r = Router::new();
    let (status, created) = r.request(
        "PUT",
        "/rest/ip/address",
        r#"{"address":"192.168.88.1/24","interface":"ether2","comment":"via REST"}"#,
    );
    assert_eq!(status, 201);
    assert_eq!(text(&created, ".id"), "*1");
    assert_eq!(text(&created, "network"), "192.168.88.0");
    assert_eq!(text(&created, "comment"), "via REST");
    // The console sees it at once, and it was applied.
    assert!(r.console("/ip address print").contains("192.168.88.1/24"));
    assert!(r.system.applied > 0);
    // Numbers and booleans are taken as RouterOS values.
    let (status, route) = r.request(
        "PUT",
        "/rest/ip/route",
        r#"{"dst-address":"0.0.0.0/0","gateway":"10.0.0.254","distance":3,"disabled":false}"#,
    );
    assert_eq!(status, 201, "{route}");
    assert_eq!(text(&route, "distance"), "3");
    // The same address again: RouterOS's refusal, nothing added.
    let (status, error) = r.request(
        "PUT",
        "/rest/ip/address",
        r#"{"address":"192.168.88.1/24","interface":"ether2"}"#,
    );
    assert_eq!(status, 400);
    assert_eq!(text(&error, "message"), "Bad Request");
    assert!(!text(&error, "detail").is_empty());
    assert_eq!(
        r.request("GET", "/rest/ip/address", "")
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn unknown_parameters_and_bad_bodies_change_nothing() {
    let mut r = Router::new();
    let before = r.config.clone();
    let (status, error) = r.request(
        "PUT",
        "/rest/ip/address",
        r#"{"address":"10.1.1.1/24","interface":"ether1","colour":"red"}"#,
    );
    assert_eq!(status, 400);
    assert_eq!(text(&error, "detail"), "unknown parameter colour");
    for body in ["{", "[]", r#"{"address":null}"#, "\u{0}"] {
        assert_eq!(r.request("PUT", "/rest/ip/address", body).0, 400, "{body}");
    }
    let (status, error) = r.request(
        "PUT",
        "/rest/ip/address",
        r#"{"address":"banana","interface":"ether1"}"#,
    );
    assert_eq!(status, 400);
    assert!(!text(&error, "detail").is_empty());
    assert_eq!(r.config, before);
}

#[test]
fn patch_sets_and_returns_the_whole_object() {
    let mut r = Router::new();
    r.console("/ip address add address=192.168.88.1/24 interface=ether2");
    let (status, updated) = r.request(
        "PATCH",
        "/rest/ip/address/*1",
        r#"{"comment":"LAN gateway"}"#,
    );
    assert_eq!(status, 200);
    assert_eq!(text(&updated, "comment"), "LAN gateway");
    assert_eq!(text(&updated, "address"), "192.168.88.1/24");
    assert!(r.console("/ip address print").contains(";;; LAN gateway"));
    // Singletons and items named by their name.
    let (status, dns) = r.request(
        "PATCH",
        "/rest/ip/dns",
        r#"{"servers":"9.9.9.9","allow-remote-requests":true}"#,
    );
    assert_eq!(status, 200);
    assert_eq!(text(&dns, "servers"), "9.9.9.9");
    assert_eq!(text(&dns, "allow-remote-requests"), "true");
    let (status, renamed) = r.request(
        "PATCH",
        "/rest/interface/ethernet/ether1",
        r#"{"name":"wan"}"#,
    );
    assert_eq!((status, text(&renamed, "name")), (200, String::from("wan")));
    // PUT to an item sets it too (seed 001's script does this), with the matching `.id` in the body.
    let id = text(&renamed, ".id");
    let body = alloc::format!(r#"{{".id":"{id}","comment":"WAN"}}"#);
    let (status, set) = r.request(
        "PUT",
        &alloc::format!("/rest/interface/ethernet/{id}"),
        &body,
    );
    assert_eq!((status, text(&set, "comment")), (200, String::from("WAN")));
    // Ordering is `move`'s, not PATCH's; unknown items are 404.
    let (status, error) = r.request("PATCH", "/rest/ip/address/*1", r#"{"place-before":"*1"}"#);
    assert_eq!(
        (status, text(&error, "detail")),
        (400, String::from("unknown parameter place-before"))
    );
    assert_eq!(
        r.request("PATCH", "/rest/ip/address/*9", r#"{"comment":"x"}"#)
            .0,
        404
    );
}

#[test]
fn delete_removes_then_404() {
    let mut r = Router::new();
    r.console("/ip address add address=192.168.88.1/24 interface=ether2");
    let (status, _, response) = r.request_as(
        Some(("admin", "secret")),
        "DELETE",
        "/rest/ip/address/*1",
        "",
    );
    assert_eq!(status, 204);
    assert!(response.body.is_empty());
    assert_eq!(r.request("DELETE", "/rest/ip/address/*1", "").0, 404);
    assert_eq!(r.console("/ip address print count-only"), "0\r\n");
}

#[test]
fn post_runs_commands() {
    let mut r = Router::new();
    for chain in ["input", "forward", "output"] {
        r.console(&alloc::format!(
            "/ip firewall filter add chain={chain} action=accept"
        ));
    }
    let (status, printed) = r.request(
        "POST",
        "/rest/ip/firewall/filter/print",
        r##"{".proplist":["chain"],".query":["chain=input","chain=output","#|"]}"##,
    );
    assert_eq!(status, 200);
    assert_eq!(
        printed,
        serde_json::json!([{".id":"*1","chain":"input"},{".id":"*3","chain":"output"}])
    );
    let (status, moved) = r.request(
        "POST",
        "/rest/ip/firewall/filter/move",
        r#"{"numbers":"*3","destination":"*1"}"#,
    );
    assert_eq!((status, moved), (200, serde_json::json!([])));
    let (_, order) = r.request("GET", "/rest/ip/firewall/filter?.proplist=chain", "");
    let chains: Vec<String> = order
        .as_array()
        .unwrap()
        .iter()
        .map(|o| text(o, "chain"))
        .collect();
    assert_eq!(chains, ["output", "input", "forward"]);
    let (_, added) = r.request(
        "POST",
        "/rest/ip/firewall/filter/add",
        r#"{"chain":"input","action":"drop"}"#,
    );
    assert_eq!(added, serde_json::json!({"ret":"*4"}));
    let (_, got) = r.request(
        "POST",
        "/rest/ip/firewall/filter/get",
        r#"{".id":"*4","value-name":"action"}"#,
    );
    assert_eq!(got, serde_json::json!({"ret":"drop"}));
    let (status, _) = r.request(
        "POST",
        "/rest/ip/firewall/filter/disable",
        r#"{".id":"*4"}"#,
    );
    assert_eq!(status, 200);
    assert!(
        r.console("/ip firewall filter print")
            .contains(" X  chain=input action=drop")
    );
    // A POST to a menu without a command adds (as seed 001's script expects).
    let (status, nat) = r.request(
        "POST",
        "/rest/ip/firewall/nat",
        r#"{"chain":"srcnat","out-interface":"ether1","action":"masquerade"}"#,
    );
    assert_eq!(
        (status, text(&nat, "action")),
        (201, String::from("masquerade"))
    );
    let (_, export) = r.request("POST", "/rest/ip/firewall/nat/export", "");
    assert!(
        text(&export, "ret").contains("add action=masquerade chain=srcnat out-interface=ether1")
    );
}

#[test]
fn reboot_is_done_after_the_reply() {
    let mut r = Router::new();
    let (status, body, response) =
        r.request_as(Some(("admin", "secret")), "POST", "/rest/system/reboot", "");
    assert_eq!((status, body.unwrap()), (200, serde_json::json!([])));
    assert_eq!(response.after, Some(PendingAction::Reboot));
}

#[test]
fn unknown_paths_and_methods() {
    let mut r = Router::new();
    let (status, error) = r.request("GET", "/rest/ip/adress", "");
    assert_eq!(status, 400);
    assert_eq!(
        text(&error, "detail"),
        "no such command or directory (adress)"
    );
    assert_eq!(r.request("POST", "/rest/ip/address/frobnicate", "").0, 400);
    assert_eq!(r.request("GET", "/rest/ip/address/*1/extra", "").0, 400);
    assert_eq!(
        r.request("PUT", "/rest/interface/ethernet", r#"{"name":"x"}"#)
            .0,
        400
    );
    assert_eq!(r.request("TRACE", "/rest/ip/address", "").0, 405);
    assert_eq!(r.request("GET", "/", "").0, 404);
    assert_eq!(
        r.request("POST", "/rest/system/reset-configuration", "").0,
        400
    );
}

#[test]
fn groups_limit_what_users_may_do() {
    let mut r = Router::new();
    let viewer = Some(("viewer", "look"));
    assert_eq!(r.request_as(viewer, "GET", "/rest/ip/address", "").0, 200);
    assert_eq!(
        r.request_as(viewer, "POST", "/rest/ip/address/print", "").0,
        200
    );
    let (status, error, _) = r.request_as(
        viewer,
        "PUT",
        "/rest/ip/address",
        r#"{"address":"10.0.0.1/24","interface":"ether1"}"#,
    );
    assert_eq!(status, 403);
    assert_eq!(
        error.unwrap(),
        serde_json::json!({"error":403,"message":"Forbidden","detail":"not enough permissions (9)"})
    );
    assert_eq!(
        r.request_as(
            viewer,
            "POST",
            "/rest/ip/address/add",
            r#"{"address":"10.0.0.1/24","interface":"ether1"}"#
        )
        .0,
        403
    );
    assert_eq!(
        r.request_as(viewer, "PATCH", "/rest/system/identity", r#"{"name":"x"}"#)
            .0,
        403
    );
    assert_eq!(r.console("/ip address print count-only"), "0\r\n");
    let editor = Some(("editor", "edit"));
    assert_eq!(
        r.request_as(
            editor,
            "PATCH",
            "/rest/system/identity",
            r#"{"name":"edge"}"#
        )
        .0,
        200
    );
    assert_eq!(
        r.request_as(
            editor,
            "PUT",
            "/rest/user",
            r#"{"name":"eve","group":"full","password":"x"}"#
        )
        .0,
        403
    );
    assert_eq!(
        r.request_as(editor, "DELETE", "/rest/user/viewer", "").0,
        403
    );
    assert_eq!(r.request("DELETE", "/rest/user/viewer", "").0, 204);
}

#[test]
fn ping_returns_one_object_per_reply() {
    let mut r = Router::new();
    let (status, replies) = r.request(
        "POST",
        "/rest/ping",
        r#"{"address":"192.168.88.10","count":"3","interval":"10ms"}"#,
    );
    assert_eq!(status, 200, "{replies}");
    let replies = replies.as_array().unwrap().clone();
    assert_eq!(replies.len(), 3);
    assert_eq!(text(&replies[0], "seq"), "0");
    assert_eq!(text(&replies[0], "host"), "192.168.88.10");
    assert_eq!(text(&replies[0], "time"), "0ms500us");
    assert_eq!(text(&replies[2], "sent"), "3");
    assert_eq!(text(&replies[2], "received"), "3");
    assert_eq!(text(&replies[2], "packet-loss"), "0");
    let (_, lost) = r.request(
        "POST",
        "/rest/ping",
        r#"{"address":"192.168.88.99","count":2}"#,
    );
    let lost = lost.as_array().unwrap().clone();
    assert_eq!(text(&lost[1], "status"), "timeout");
    assert_eq!(text(&lost[1], "packet-loss"), "100");
    // Nobody can stop a REST ping: it needs a count, and must end within RouterOS's 60 s.
    assert_eq!(
        r.request("POST", "/rest/ping", r#"{"address":"192.168.88.10"}"#)
            .0,
        400
    );
    let (status, long) = r.request(
        "POST",
        "/rest/ping",
        r#"{"address":"192.168.88.10","count":"100"}"#,
    );
    assert_eq!(
        (status, text(&long, "detail")),
        (400, String::from("Session closed"))
    );
}

#[test]
fn the_connection_table_is_listed_from_the_running_system() {
    let mut r = Router::new();
    let (status, list) = r.request(
        "GET",
        "/rest/ip/firewall/connection?.proplist=protocol,dst-address",
        "",
    );
    assert_eq!(status, 200);
    assert_eq!(
        list,
        serde_json::json!([
            {".id":"*0","protocol":"tcp","dst-address":"198.51.100.1:80"},
            {".id":"*1","protocol":"tcp","dst-address":"198.51.100.1:80"},
            {".id":"*2","protocol":"tcp","dst-address":"198.51.100.1:80"}
        ])
    );
}

#[test]
fn the_log_is_listed_and_printed() {
    let mut r = Router::new();
    r.request_as(Some(("admin", "nope")), "GET", "/rest/ip/address", "");
    let (status, log) = r.request("GET", "/rest/log", "");
    assert_eq!(status, 200);
    let last = log.as_array().unwrap().last().unwrap().clone();
    assert_eq!(text(&last, "topics"), "system,error,critical");
    assert_eq!(text(&last, "time"), "01:00:00");
    assert!(text(&last, "message").starts_with("login failure for user admin"));
    let (_, printed) = r.request(
        "POST",
        "/rest/log/print",
        r#"{".query":["topics=system,error,critical"]}"#,
    );
    assert_eq!(printed.as_array().unwrap().len(), 1);
    assert_eq!(r.request("PUT", "/rest/log", r#"{"message":"x"}"#).0, 400);
}

#[test]
fn a_client_that_takes_no_json_gets_406() {
    let mut r = Router::new();
    let mut status_for = |accept: &str| {
        let request = RestRequest {
            method: "GET",
            path: "/rest/system/identity",
            query: &[],
            authorization: Some("Basic YWRtaW46c2VjcmV0"),
            accept: Some(accept),
            body: b"",
            source: LAN,
        };
        r.rest
            .handle(&request, &mut r.config, &mut r.system, r.now_ms)
            .status
    };
    for accepted in [
        "*/*",
        "application/json",
        "text/html, application/json;q=0.9",
        "application/*",
        "APPLICATION/JSON",
        "",
    ] {
        assert_eq!(status_for(accepted), 200, "{accepted}");
    }
    for refused in ["text/html", "application/xml", "application/json;q=0"] {
        assert_eq!(status_for(refused), 406, "{refused}");
    }
}

#[test]
fn interfaces_carry_their_traffic_counters() {
    let mut r = Router::new();
    let (_, ether1) = r.request("GET", "/rest/interface/ether1", "");
    assert_eq!(text(&ether1, "rx-byte"), "1500");
    assert_eq!(text(&ether1, "tx-packet"), "20");
    assert_eq!(text(&ether1, "rx-drop"), "0");
    let (_, busy) = r.request("GET", "/rest/interface?tx-byte=3000&.proplist=name", "");
    assert_eq!(
        busy,
        serde_json::json!([{".id": text(&ether1, ".id"), "name": "ether1"}])
    );
}

#[test]
fn monitor_traffic_returns_one_object_per_interface() {
    let mut r = Router::new();
    let (status, sample) = r.request(
        "POST",
        "/rest/interface/monitor-traffic",
        r#"{"interface":"ether1","once":""}"#,
    );
    assert_eq!(status, 200, "{sample}");
    let sample = sample.as_array().unwrap().clone();
    assert_eq!(sample.len(), 1);
    assert_eq!(text(&sample[0], "name"), "ether1");
    // The fake's counters do not move: every rate is a plain zero.
    assert_eq!(text(&sample[0], "rx-bits-per-second"), "0");
    assert_eq!(text(&sample[0], "tx-packets-per-second"), "0");
}
