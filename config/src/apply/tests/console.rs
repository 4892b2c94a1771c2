//! `/ip firewall connection` and `reset-counters` typed at the interpreter of a SOHO router whose
//! engine forwarded real packets: what the console prints is what the engine holds, and what the
//! console removes or resets is gone from the engine.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use netstack::flow::ConnId;

use super::frames::{ACK, Router, SYN, ip, ping, tcp};
use super::*;
use crate::cli::{self, Mode, Session};
use crate::interface::InterfaceInfo;
use crate::resource::ResourceInfo;
use crate::shell::SystemControl;

/// The kernel's `SystemControl`, over a test router.
pub(super) struct EngineSystem {
    pub router: Router,
}

impl SystemControl for EngineSystem {
    fn resource(&self) -> ResourceInfo {
        ResourceInfo::default()
    }
    fn reboot(&mut self) {}
    fn shutdown(&mut self) {}
    fn apply(&mut self, config: &Config) -> Result<(), String> {
        crate::apply::apply(config, &mut self.router.engine, self.router.now)
            .map_err(|e| format!("{e}"))
    }
    fn status(&self, config: &Config, menu: &MenuDef, item: &Item) -> Vec<(&'static str, String)> {
        crate::apply::status(config, &self.router.engine, menu, item)
    }
    fn dynamic_items(&self, config: &Config, menu: &MenuDef) -> Vec<Item> {
        crate::apply::dynamic_items(config, &self.router.engine, menu, self.router.now)
    }
    fn add_dynamic(&mut self, menu: &MenuDef, item: &Item) -> Result<Option<u32>, String> {
        crate::apply::add_dynamic(&mut self.router.engine, menu, item, self.router.now)
            .map(Some)
            .map_err(|e| format!("{e}"))
    }
    fn remove_dynamic(&mut self, config: &Config, menu: &MenuDef, id: u32) -> Result<(), String> {
        crate::apply::remove_dynamic(config, &mut self.router.engine, menu, id, self.router.now)
            .map_err(|e| format!("{e}"))
    }
    /// The engine's own interface counters (a kernel adds the NIC's).
    fn interfaces(&self) -> Vec<InterfaceInfo> {
        self.router
            .engine
            .interfaces()
            .iter()
            .map(|(_, i)| InterfaceInfo {
                name: i.name.clone(),
                running: i.running,
                disabled: i.disabled,
                rx_byte: i.counters.rx_bytes,
                tx_byte: i.counters.tx_bytes,
                rx_packet: i.counters.rx_packets,
                tx_packet: i.counters.tx_packets,
                rx_drop: i.counters.rx_drops,
                tx_drop: 0,
                tx_queue_drop: i.counters.tx_drops,
                rx_error: 0,
                tx_error: 0,
            })
            .collect()
    }
    fn connections(&self, menu: &MenuDef, from: u32, max: usize) -> (Vec<Item>, Option<u32>) {
        crate::apply::connection_page(&self.router.engine, menu, from, max, self.router.now)
    }
    fn connection(&self, menu: &MenuDef, id: u32) -> Option<Item> {
        crate::apply::connection(&self.router.engine, menu, id, self.router.now)
    }
    fn connection_count(&self) -> usize {
        self.router.engine.hooks().conntrack().len()
    }
    fn remove_connection(&mut self, id: u32) -> bool {
        crate::apply::remove_connection(&mut self.router.engine, id)
    }
    fn reset_counters(
        &mut self,
        config: &Config,
        menu: &MenuDef,
        ids: Option<&[u32]>,
    ) -> Result<(), String> {
        crate::apply::reset_counters(config, &mut self.router.engine, menu, ids)
            .map(|_| ())
            .map_err(|e| format!("{e}"))
    }
}

/// A console on the SOHO router.
pub(super) struct Console {
    pub config: Config,
    pub session: Session,
    pub system: EngineSystem,
}

impl Console {
    pub fn new() -> Self {
        let (config, router) = soho_router();
        Console {
            config,
            session: Session::new(),
            system: EngineSystem { router },
        }
    }

    /// Runs a console line; returns what it printed.
    pub fn run(&mut self, line: &str) -> String {
        let mut out = String::new();
        cli::run(
            line,
            Mode::Interactive,
            &mut self.config,
            &mut self.session,
            &mut self.system,
            &mut out,
        );
        out
    }

    pub fn router(&mut self) -> &mut Router {
        &mut self.system.router
    }
}

const LAN_HOST_IP: [u8; 4] = [192, 168, 88, LAN_HOST];

/// The LAN host opens TCP to the WAN host's port 80 (handshake complete, masqueraded) and pings it
/// (answered); then it sends a SYN to port 443 that nobody answers.
fn traffic(console: &mut Console) {
    let [a, b, c, d] = LAN_HOST_IP;
    let lan_host = ip(a, b, c, d);
    let wan_host = ip(198, 51, 100, 1);
    let router_wan = ip(198, 51, 100, 2);
    let router = console.router();
    assert_eq!(
        router
            .send(1, &tcp(lan_host, wan_host, (40000, 80), SYN, 1, 0), 0)
            .len(),
        1
    );
    let synack = tcp(wan_host, router_wan, (80, 40000), SYN | ACK, 500, 2);
    assert_eq!(router.send(0, &synack, 1).len(), 1);
    let ack = tcp(lan_host, wan_host, (40000, 80), ACK, 2, 501);
    assert_eq!(router.send(1, &ack, 0).len(), 1);
    assert_eq!(router.send(1, &ping(lan_host, wan_host, 7), 0).len(), 1);
    let pong = {
        // The WAN host's echo reply to the masqueraded ping.
        let repr = smoltcp::wire::Icmpv4Repr::EchoReply {
            ident: 7,
            seq_no: 1,
            data: b"apply",
        };
        let mut icmp = alloc::vec![0u8; repr.buffer_len()];
        repr.emit(
            &mut smoltcp::wire::Icmpv4Packet::new_unchecked(&mut icmp),
            &smoltcp::phy::ChecksumCapabilities::default(),
        );
        super::frames::ipv4(wan_host, router_wan, smoltcp::wire::IpProtocol::Icmp, &icmp)
    };
    assert_eq!(router.send(0, &pong, 1).len(), 1);
    assert_eq!(
        router
            .send(1, &tcp(lan_host, wan_host, (40001, 443), SYN, 9, 0), 0)
            .len(),
        1
    );
}

/// The `*ID`s of the engine's connections, in table order.
fn engine_connections(console: &Console) -> Vec<u32> {
    let router = &console.system.router;
    router
        .engine
        .hooks()
        .conntrack()
        .iter(router.now)
        .map(|view| view.id.0)
        .collect()
}

#[test]
fn print_lists_the_engines_connections() {
    let mut console = Console::new();
    assert_eq!(console.run("/ip firewall connection print"), "");
    assert_eq!(
        console.run("/ip firewall connection print count-only"),
        "0\r\n"
    );
    traffic(&mut console);
    // Established and FastTracked (the defconf filter), a ping answered, a SYN unanswered; all
    // masqueraded to the WAN address.
    assert_eq!(
        console.run("/ip firewall connection print"),
        "Flags: S - SEEN-REPLY; A - ASSURED; C - CONFIRMED; F - FASTTRACK; s - SRCNAT\r\n\
         Columns: PROTOCOL, SRC-ADDRESS, DST-ADDRESS, TCP-STATE, TIMEOUT\r\n\
         #       PROTOCOL  SRC-ADDRESS          DST-ADDRESS       TCP-STATE    TIMEOUT\r\n\
         0 SACFs tcp       192.168.88.10:40000  198.51.100.1:80   established  1d     \r\n\
         1 S C s icmp      192.168.88.10        198.51.100.1                   10s    \r\n\
         2   C s tcp       192.168.88.10:40001  198.51.100.1:443  syn-sent     5s     \r\n"
    );
    assert_eq!(
        console.run("/ip firewall connection print detail where protocol=icmp"),
        "Flags: S - seen-reply, A - assured, C - confirmed, F - fasttrack, s - srcnat, d - dstnat\r\n\
         \x200 SCs   protocol=icmp src-address=192.168.88.10 dst-address=198.51.100.1\r\n\
         \x20        reply-src-address=198.51.100.1 reply-dst-address=198.51.100.2 icmp-id=7\r\n\
         \x20        timeout=10s orig-packets=1 orig-bytes=33 repl-packets=1 repl-bytes=33\r\n\
         \r\n"
    );
    assert_eq!(
        console.run("/ip firewall connection print terse where dst-address~\":443\\$\""),
        " 0 Cs protocol=tcp src-address=192.168.88.10:40001 dst-address=198.51.100.1:443 \
         reply-src-address=198.51.100.1:443 reply-dst-address=198.51.100.2:40001 tcp-state=syn-sent \
         timeout=5s orig-packets=1 orig-bytes=40 repl-packets=0 repl-bytes=0\r\n"
    );
    assert_eq!(
        console.run("/ip firewall connection print count-only"),
        "3\r\n"
    );
    assert_eq!(
        console.run("/ip firewall connection print count-only where protocol=tcp and assured"),
        "1\r\n"
    );
    // Numbers of the last print, `*ID`s and `[find]` name connections.
    console.run("/ip firewall connection print");
    assert_eq!(
        console.run(":put [/ip firewall connection get 0 reply-dst-address]"),
        "198.51.100.2:40000\r\n"
    );
    let ids = engine_connections(&console);
    assert_eq!(
        console.run(&format!(
            ":put [/ip firewall connection get *{:X} tcp-state]",
            ids[2]
        )),
        "syn-sent\r\n"
    );
    assert_eq!(
        console.run(":put [:len [/ip firewall connection find where srcnat and !assured]]"),
        "2\r\n"
    );
    assert_eq!(
        console.run(":put [/ip firewall connection find protocol=icmp]"),
        format!("*{:X}\r\n", ids[1])
    );
    // Nothing of it is configuration.
    assert_eq!(
        console.run("/ip firewall connection add"),
        "bad command name add (line 1 column 25)\r\n"
    );
    let export = console.run("/export");
    assert!(!export.contains("/ip firewall connection\r\n"), "{export}");
    assert!(!export.contains("40000"), "{export}");
}

#[test]
fn remove_takes_connections_out_of_the_engine() {
    let mut console = Console::new();
    traffic(&mut console);
    let ids = engine_connections(&console);
    console.run("/ip firewall connection print");
    assert_eq!(console.run("/ip firewall connection remove 2"), "");
    assert_eq!(engine_connections(&console), ids[..2]);
    let router = &console.system.router;
    assert!(
        router
            .engine
            .hooks()
            .conntrack()
            .get(ConnId(ids[2]), router.now)
            .is_none()
    );
    // The number still names the removed connection, which is gone.
    assert_eq!(
        console.run("/ip firewall connection remove 2"),
        "no such item\r\n"
    );
    assert_eq!(
        console.run("/ip firewall connection remove *FFFFF"),
        "no such item\r\n"
    );
    assert_eq!(
        console.run("/ip firewall connection remove 7"),
        "no such item\r\n"
    );
    // The unanswered SYN again: a new connection, with a new `*ID`.
    let [a, b, c, d] = LAN_HOST_IP;
    let syn = tcp(ip(a, b, c, d), ip(198, 51, 100, 1), (40001, 443), SYN, 9, 0);
    assert_eq!(console.router().send(1, &syn, 0).len(), 1);
    let again = engine_connections(&console);
    assert_eq!(again.len(), 3);
    assert!(!again.contains(&ids[2]));
    assert_eq!(console.run("/ip firewall connection remove [find]"), "");
    assert!(engine_connections(&console).is_empty());
    assert_eq!(
        console.run("/ip firewall connection print count-only"),
        "0\r\n"
    );
    // Removing changed no configuration: nothing to undo.
    assert_eq!(console.run("/undo"), "failure: nothing to undo\r\n");
}

/// A rule's counters as `print stats` shows them in its row: (bytes, packets).
fn stats_row(out: &str, number: usize) -> (String, String) {
    let line = out
        .lines()
        .find(|l| l.split_whitespace().next() == Some(&format!("{number}")))
        .unwrap_or_else(|| panic!("row {number} in {out}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let n = words.len();
    (String::from(words[n - 2]), String::from(words[n - 1]))
}

#[test]
fn reset_counters_zeroes_rules_in_the_engine() {
    let mut console = Console::new();
    traffic(&mut console);
    let before = console.run("/ip firewall filter print stats");
    assert_eq!(
        before,
        "Flags: D - DYNAMIC\r\n\
         Columns: CHAIN, ACTION, BYTES, PACKETS\r\n\
         #   CHAIN    ACTION                BYTES  PACKETS\r\n\
         0   input    accept                    0        0\r\n\
         1   input    drop                      0        0\r\n\
         2   input    accept                    0        0\r\n\
         3   input    accept                    0        0\r\n\
         4   input    drop                      0        0\r\n\
         5   forward  fasttrack-connection     73        2\r\n\
         6   forward  accept                   73        2\r\n\
         7   forward  drop                      0        0\r\n\
         8   forward  drop                      0        0\r\n\
         ;;; special dummy rule to show fasttrack counters\r\n\
         9 D forward  passthrough              40        1\r\n"
    );
    // One rule: only its counters go, in the engine too.
    assert_eq!(console.run("/ip firewall filter reset-counters 5"), "");
    let out = console.run("/ip firewall filter print stats");
    assert_eq!(stats_row(&out, 5), (String::from("0"), String::from("0")));
    assert_eq!(stats_row(&out, 6), (String::from("73"), String::from("2")));
    let rule5 = console.config.items(menu("ip/firewall/filter"))[5].id;
    let counters = console
        .system
        .router
        .engine
        .hooks()
        .rules(netstack::firewall::spec::Table::Filter)
        .rule_counters(netstack::firewall::spec::RuleId(rule5));
    assert_eq!(counters.map(|c| (c.bytes, c.packets)), Some((0, 0)));
    // They count again from zero.
    let [a, b, c, d] = LAN_HOST_IP;
    let lan_host = ip(a, b, c, d);
    let syn = tcp(lan_host, ip(198, 51, 100, 1), (40002, 80), SYN, 1, 0);
    assert_eq!(console.router().send(1, &syn, 0).len(), 1);
    let synack = tcp(
        ip(198, 51, 100, 1),
        ip(198, 51, 100, 2),
        (80, 40002),
        SYN | ACK,
        500,
        2,
    );
    assert_eq!(console.router().send(0, &synack, 1).len(), 1);
    let out = console.run("/ip firewall filter print stats");
    assert_eq!(stats_row(&out, 5), (String::from("40"), String::from("1")));
    assert_eq!(stats_row(&out, 6), (String::from("113"), String::from("3")));
    // The dummy rule by number, then everything; the dummy rule stays, at zero.
    assert_eq!(console.run("/ip firewall filter reset-counters 9"), "");
    assert_eq!(
        stats_row(&console.run("/ip firewall filter print stats"), 9),
        (String::from("0"), String::from("0"))
    );
    assert_eq!(console.run("/ip firewall filter reset-counters-all"), "");
    let out = console.run("/ip firewall filter print stats");
    for number in 0..=9 {
        assert_eq!(
            stats_row(&out, number),
            (String::from("0"), String::from("0")),
            "{out}"
        );
    }
    // The other tables, abbreviated, by `[find]`.
    assert_ne!(
        stats_row(&console.run("/ip firewall nat print stats"), 0),
        (String::from("0"), String::from("0"))
    );
    assert_eq!(console.run("/ip fi nat reset-counters [find]"), "");
    assert_eq!(
        stats_row(&console.run("/ip firewall nat print stats"), 0),
        (String::from("0"), String::from("0"))
    );
    // Errors, RouterOS style (`reset-c` could be either command); and no configuration changed
    // along the way.
    assert_eq!(
        console.run("/ip firewall filter reset-c 1"),
        "bad command name reset-c (line 1 column 21)\r\n"
    );
    assert_eq!(
        console.run("/ip firewall filter reset-counters"),
        "expected item id\r\n"
    );
    assert_eq!(
        console.run("/ip firewall filter reset-counters 42"),
        "no such item\r\n"
    );
    assert_eq!(
        console.run("/ip firewall filter reset-counters *7777"),
        "no such item\r\n"
    );
    assert_eq!(
        console.run("/ip firewall filter reset-counters-all 1"),
        "expected end of command (line 1 column 40)\r\n"
    );
    assert_eq!(console.run("/undo"), "failure: nothing to undo\r\n");
}

#[test]
fn interface_reset_counters_zeroes_one_interface() {
    let mut console = Console::new();
    traffic(&mut console);
    let before = console.system.interfaces();
    assert!(before.iter().all(|i| i.rx_packet > 0 && i.tx_packet > 0));
    assert_eq!(console.run("/interface reset-counters ether1"), "");
    let out = console.run("/interface print stats");
    assert!(
        out.contains("\r\n0 R ether1        0        0          0          0"),
        "{out}"
    );
    let after = console.system.interfaces();
    assert_eq!(after[1], before[1], "ether2 keeps its counters");
    // Renamed, by number of the last print, through /interface ethernet.
    console.run("/interface set ether2 name=lan");
    console.run("/interface ethernet print");
    assert_eq!(console.run("/interface ethernet reset-counters 1"), "");
    assert_eq!(console.system.interfaces()[1].rx_byte, 0);
    assert_eq!(
        console.run("/interface reset-counters ether9"),
        "no such item\r\n"
    );
    assert_eq!(
        console.run("/ip service reset-counters www"),
        "bad command name reset-counters (line 1 column 13)\r\n"
    );
    assert_eq!(
        console.run("/interface reset-counters-all"),
        "bad command name reset-counters-all (line 1 column 12)\r\n"
    );
}
