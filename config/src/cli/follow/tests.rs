//! `print follow` in item menus as a console user sees it: literal keys into the shell, the exact
//! bytes it writes, while another session adds, changes and removes items between checks.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::cli::{self, Mode, Session};
use crate::model::{Config, Item, MenuDef};
use crate::resource::ResourceInfo;
use crate::shell::{Shell, SystemControl};

const PROMPT: &str = "[admin@MikroTik] > ";
const FOLLOW_STATUS: &str = "-- Ctrl-C to quit.";
/// Back to the start of the status line and clear it.
const ERASE_LINE: &str = "\r\x1b[K";

/// A system whose clock the test moves, counting `bytes` on every firewall rule.
struct Fake {
    now_ms: u64,
    bytes: u64,
}

impl SystemControl for Fake {
    fn resource(&self) -> ResourceInfo {
        ResourceInfo {
            uptime_ms: self.now_ms,
            ..ResourceInfo::default()
        }
    }
    fn uptime_ms(&self) -> u64 {
        self.now_ms
    }
    fn reboot(&mut self) {}
    fn shutdown(&mut self) {}
    fn status(
        &self,
        _config: &Config,
        menu: &MenuDef,
        _item: &Item,
    ) -> Vec<(&'static str, String)> {
        if menu.path != "ip/firewall/filter" {
            return Vec::new();
        }
        alloc::vec![
            ("bytes", format!("{}", self.bytes)),
            ("packets", String::from("1"))
        ]
    }
}

struct Console {
    shell: Shell,
    system: Fake,
    config: Config,
}

impl Console {
    fn new() -> Self {
        let mut console = Console {
            shell: Shell::new(),
            system: Fake {
                now_ms: 10_000,
                bytes: 0,
            },
            config: Config::new(),
        };
        console.keys("/ip pool add name=lan ranges=192.168.88.10-192.168.88.254\r");
        console.keys("/ip pool add name=guest ranges=10.5.0.10-10.5.0.99\r");
        console
    }

    /// Types `keys`; returns what the console wrote.
    fn keys(&mut self, keys: &str) -> String {
        let mut out = String::new();
        for &byte in keys.as_bytes() {
            self.shell
                .feed(byte, &mut out, &mut self.system, &mut self.config);
        }
        out
    }

    /// Lets `ms` milliseconds pass, polling every 10 ms; returns what the console wrote.
    fn wait(&mut self, ms: u64) -> String {
        let mut out = String::new();
        for _ in 0..ms / 10 {
            self.system.now_ms += 10;
            self.shell
                .poll(&mut out, &mut self.system, &mut self.config);
        }
        out
    }

    /// Runs `line` in another session (as a second console or a scheduled script would).
    fn elsewhere(&mut self, line: &str) {
        let mut out = String::new();
        let result = cli::run(
            line,
            Mode::Interactive,
            &mut self.config,
            &mut Session::new(),
            &mut self.system,
            &mut out,
        );
        assert_eq!(result.error, None, "{line}: {out}");
    }
}

const POOLS: &str = concat!(
    "Columns: NAME, RANGES\r\n",
    "# NAME   RANGES                      \r\n",
    "0 lan    192.168.88.10-192.168.88.254\r\n",
    "1 guest  10.5.0.10-10.5.0.99         \r\n",
);

#[test]
fn follow_prints_the_items_then_what_is_added_changed_and_removed() {
    let mut console = Console::new();
    let out = console.keys("/ip pool print follow\r");
    assert_eq!(
        out,
        format!("/ip pool print follow\r\n{ERASE_LINE}{POOLS}{FOLLOW_STATUS}")
    );
    // Nothing changes: nothing is printed.
    assert_eq!(console.wait(3000), "");
    console.elsewhere("/ip pool add name=dmz ranges=172.16.0.10-172.16.0.20");
    console.elsewhere("/ip pool set guest ranges=10.5.0.10-10.5.0.199");
    // Checked about once a second.
    assert_eq!(
        console.wait(1000),
        format!(
            "{ERASE_LINE}1 guest  10.5.0.10-10.5.0.199   \r\n\
             2 dmz    172.16.0.10-172.16.0.20\r\n{FOLLOW_STATUS}"
        )
    );
    assert_eq!(console.wait(2000), "");
    // A removed item: its last row again, `-` for its number.
    console.elsewhere("/ip pool remove lan");
    assert_eq!(
        console.wait(1000),
        format!("{ERASE_LINE}- lan   192.168.88.10-192.168.88.254\r\n{FOLLOW_STATUS}")
    );
    assert_eq!(console.keys("\x03"), format!("{ERASE_LINE}{PROMPT}"));
    // Over: later changes print nothing.
    console.elsewhere("/ip pool add name=late ranges=10.9.0.1-10.9.0.9");
    assert_eq!(console.wait(3000), "");
    // Numbers are the ones the view showed: 1 is still guest, 2 dmz, and 0 (lan) names nothing.
    assert_eq!(
        console.keys("/ip pool remove 0\r"),
        format!("/ip pool remove 0\r\nno such item\r\n{PROMPT}")
    );
    console.keys("/ip pool remove 1\r");
    assert_eq!(
        console.keys(":put [/ip pool get 2 name]\r"),
        format!(":put [/ip pool get 2 name]\r\ndmz\r\n{PROMPT}")
    );
}

#[test]
fn follow_only_keeps_to_where_in_the_rule_layout() {
    let mut console = Console::new();
    console.keys("/ip firewall filter add chain=input action=accept protocol=icmp\r");
    console.keys("/ip firewall filter add chain=forward action=drop\r");
    let line = "/ip firewall filter print follow-only where chain=input";
    assert_eq!(
        console.keys(&format!("{line}\r")),
        format!("{line}\r\n{ERASE_LINE}{FOLLOW_STATUS}")
    );
    // Not matching `where`: nothing.
    console.elsewhere("/ip firewall filter add chain=forward action=accept");
    assert_eq!(console.wait(2000), "");
    console.elsewhere("/ip firewall filter add chain=input action=drop comment=\"last\"");
    console.elsewhere("/ip firewall filter disable [find protocol=icmp]");
    assert_eq!(
        console.wait(1000),
        format!(
            "{ERASE_LINE}{}{}{}{FOLLOW_STATUS}",
            " 0 X  chain=input action=accept protocol=icmp\r\n",
            " 1    ;;; last\r\n",
            "      chain=input action=drop\r\n",
        )
    );
    // An item that no longer matches goes away like a removed one.
    console.elsewhere("/ip firewall filter set [find comment=last] chain=forward");
    assert_eq!(
        console.wait(1000),
        format!("{ERASE_LINE} -    ;;; last\r\n      chain=input action=drop\r\n{FOLLOW_STATUS}")
    );
    assert_eq!(console.keys("q"), format!("{ERASE_LINE}{PROMPT}"));
}

#[test]
fn values_the_system_reports_are_followed_too() {
    let mut console = Console::new();
    console.keys("/ip firewall filter add chain=input action=accept\r");
    let out = console.keys("/ip firewall filter print stats show-ids follow\r");
    assert!(
        out.contains("*1 input  accept      0        1\r\n"),
        "{out:?}"
    );
    console.system.bytes = 1_234_567;
    assert_eq!(
        console.wait(1000),
        format!("{ERASE_LINE}*1 input  accept  1 234 567        1\r\n{FOLLOW_STATUS}")
    );
    // Space writes a separator, as in /log print follow.
    assert_eq!(
        console.keys(" "),
        format!(
            "{ERASE_LINE}= = = = = = = = = = = = = = = = = = = = = = = = = = =\r\n{FOLLOW_STATUS}"
        )
    );
    console.elsewhere("/ip firewall filter remove [find]");
    assert_eq!(
        console.wait(1000),
        format!("{ERASE_LINE}-*1 input  accept  1 234 567        1\r\n{FOLLOW_STATUS}")
    );
}

#[test]
fn in_a_script_follow_prints_once_and_follow_only_nothing() {
    let mut console = Console::new();
    let mut out = String::new();
    let result = cli::run(
        "/ip pool print follow\n:put next\n/ip pool print follow-only where name=lan\n:put done",
        Mode::Batch,
        &mut console.config,
        &mut Session::new(),
        &mut console.system,
        &mut out,
    );
    assert_eq!(out, format!("{POOLS}next\r\ndone\r\n"));
    assert_eq!(result.live, None);
    assert_eq!(console.wait(2000), "");
    // Refused where it makes no sense, worded as /log's.
    for (line, error) in [
        (
            "/ip pool print follow count-only",
            "failure: follow cannot be used with count-only",
        ),
        (
            "/ip pool print follow-only interval=1s",
            "failure: follow-only cannot be used with interval",
        ),
        (
            "/ip dns print follow",
            "failure: follow is not supported in this menu",
        ),
        (
            "/ip firewall connection print follow",
            "failure: follow is not supported in this menu",
        ),
    ] {
        assert_eq!(
            console.keys(&format!("{line}\r")),
            format!("{line}\r\n{error}\r\n{PROMPT}")
        );
    }
}
