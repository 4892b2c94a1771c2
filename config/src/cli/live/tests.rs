//! Live views as a console user sees them: literal keys into the shell, the exact bytes it writes,
//! on a system whose time, log and counters the test moves.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::cli::{self, Mode, Session};
use crate::interface::InterfaceInfo;
use crate::log_memory::{LogEntry, LogMemory};
use crate::model::Config;
use crate::resource::ResourceInfo;
use crate::shell::{Shell, SystemControl};

const PROMPT: &str = "[admin@MikroTik] > ";
const WRAP_OFF: &str = "\x1b[?7l";
const WRAP_ON: &str = "\x1b[?7h";
const REPAINT_STATUS: &str = "-- [Q quit|C-c quit]";
const FOLLOW_STATUS: &str = "-- Ctrl-C to quit.";
/// Back to the start of the status line and clear it.
const ERASE_LINE: &str = "\r\x1b[K";

/// A system with a clock the test moves, a small log, files in memory and one port whose counters
/// grow when the test says.
struct Fake {
    now_ms: u64,
    log: LogMemory<16>,
    files: BTreeMap<String, String>,
    rx_byte: u64,
}

impl SystemControl for Fake {
    fn resource(&self) -> ResourceInfo {
        ResourceInfo {
            uptime_ms: self.now_ms,
            version: String::from("7.16"),
            ..ResourceInfo::default()
        }
    }
    fn uptime_ms(&self) -> u64 {
        self.now_ms
    }
    fn interfaces(&self) -> Vec<InterfaceInfo> {
        alloc::vec![InterfaceInfo {
            name: String::from("ether1"),
            running: true,
            rx_byte: self.rx_byte,
            ..InterfaceInfo::default()
        }]
    }
    fn reboot(&mut self) {}
    fn shutdown(&mut self) {}
    fn log(&mut self, topics: &str, message: &str) {
        self.log.push(self.now_ms / 1000, &topics, &message);
    }
    fn log_entries(&self) -> Vec<LogEntry> {
        self.log.entries()
    }
    fn clock_seconds(&self) -> u64 {
        self.now_ms / 1000
    }
    fn files(&self) -> Vec<(String, usize)> {
        self.files
            .iter()
            .map(|(name, text)| (name.clone(), text.len()))
            .collect()
    }
    fn read_file(&self, name: &str) -> Option<String> {
        self.files.get(name).cloned()
    }
    fn write_file(&mut self, name: &str, contents: &str) -> Result<(), String> {
        self.files.insert(name.to_string(), contents.to_string());
        Ok(())
    }
}

/// A logged-in console on the fake system, ten seconds after boot, with two IP pools.
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
                log: LogMemory::new(),
                files: BTreeMap::new(),
                rx_byte: 1_000,
            },
            config: Config::new(),
        };
        console.system.log("system,info", "router rebooted");
        console.system.log("interface,info", "ether1 link up");
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

    /// Lets `ms` milliseconds pass, polling the console every 10 ms as the kernel's timer tick does;
    /// returns what it wrote.
    fn wait(&mut self, ms: u64) -> String {
        let mut out = String::new();
        for _ in 0..ms / 10 {
            self.system.now_ms += 10;
            self.shell
                .poll(&mut out, &mut self.system, &mut self.config);
        }
        out
    }

    /// What `line` prints as a plain command (no live view).
    fn printed(&mut self, line: &str) -> String {
        let out = self.keys(&format!("{line}\r"));
        let text = out
            .strip_prefix(&format!("{line}\r\n"))
            .and_then(|rest| rest.strip_suffix(PROMPT))
            .unwrap_or_else(|| panic!("{out:?}"));
        String::from(text)
    }
}

const POOLS: &str = concat!(
    "Columns: NAME, RANGES\r\n",
    "# NAME   RANGES                      \r\n",
    "0 lan    192.168.88.10-192.168.88.254\r\n",
    "1 guest  10.5.0.10-10.5.0.99         \r\n",
);

#[test]
fn interval_prints_then_repaints_in_place_every_interval() {
    let mut console = Console::new();
    let pools = console.printed("/ip pool print");
    assert_eq!(pools, POOLS);
    let out = console.keys("/ip pool print interval=1s\r");
    assert_eq!(
        out,
        format!("/ip pool print interval=1s\r\n{WRAP_OFF}\r\x1b[J{pools}{REPAINT_STATUS}")
    );
    // Nothing until the interval is over; then up over the four lines, clear, and print again.
    assert_eq!(console.wait(990), "");
    let repaint = format!("\r\x1b[4A\x1b[J{pools}{REPAINT_STATUS}");
    assert_eq!(console.wait(10), repaint);
    assert_eq!(console.wait(1000), repaint);
    assert_eq!(console.keys("q"), format!("{ERASE_LINE}{WRAP_ON}{PROMPT}"));
    // Over: time passes without output, and the console takes commands again.
    assert_eq!(console.wait(3000), "");
    assert_eq!(console.printed("/ip pool print count-only"), "2\r\n");
}

#[test]
fn a_repaint_shows_what_changed() {
    let mut console = Console::new();
    let out = console.keys("/system resource print interval=2s\r");
    assert!(out.contains("uptime: 10s\r\n"), "{out:?}");
    let rows = out.matches('\n').count() - 1;
    console.system.rx_byte = 5_000;
    let out = console.wait(2000);
    assert!(out.starts_with(&format!("\r\x1b[{rows}A\x1b[J")), "{out:?}");
    assert!(out.contains("uptime: 12s\r\n"), "{out:?}");
    assert!(out.ends_with(REPAINT_STATUS), "{out:?}");
    console.keys("\x03");

    // `/interface print stats` repaints its counters.
    let out = console.keys("/interface print stats interval=1s\r");
    assert!(out.contains(" 5 000 "), "{out:?}");
    console.system.rx_byte = 1_234_567;
    let out = console.wait(1000);
    assert!(out.contains(" 1 234 567 "), "{out:?}");
    assert!(!out.contains(" 5 000 "), "{out:?}");
}

#[test]
fn ctrl_c_and_q_end_the_view_and_other_keys_are_ignored() {
    for end in ["\x03", "q", "Q"] {
        let mut console = Console::new();
        console.keys("/ip pool print interval=1s\r");
        // Letters, Enter, an arrow key, Ctrl-D, Ctrl-X and Tab do nothing while it runs.
        assert_eq!(console.keys("abc\r\x1b[A\x04\x18\t?"), "");
        assert!(console.shell.logged_in());
        assert!(!console.shell.safe_mode().is_taken());
        assert_eq!(
            console.keys(end),
            format!("{ERASE_LINE}{WRAP_ON}{PROMPT}"),
            "{end:?}"
        );
        // The keys typed during the view were not kept for the command line.
        assert_eq!(console.keys(":put x\r"), format!(":put x\r\nx\r\n{PROMPT}"));
    }
}

#[test]
fn the_rest_of_the_line_waits_for_nothing_and_does_not_run() {
    let mut console = Console::new();
    let line = "/ip pool print interval=1s; :put after\r";
    let out = console.keys(line);
    assert!(!out[line.len()..].contains("after"), "{out:?}");
    console.wait(1000);
    let out = console.keys("q");
    assert!(!out.contains("after"), "{out:?}");
}

#[test]
fn fewer_rows_and_short_intervals() {
    let mut console = Console::new();
    // No row at all: the repaint must not move up (`ESC [ 0 A` moves one row).
    console.keys("/ip pool print interval=0 where name=none\r");
    let out = console.wait(100);
    assert!(out.starts_with("\r\x1b[J"), "{out:?}");
    // An interval below 100 ms repaints every 100 ms.
    assert_eq!(console.wait(90), "");
    assert_ne!(console.wait(10), "");
    console.keys("q");
    // `count-only` repaints its one line.
    console.keys("/ip pool print count-only interval=500ms\r");
    assert_eq!(
        console.wait(500),
        format!("\r\x1b[1A\x1b[J2\r\n{REPAINT_STATUS}")
    );
}

#[test]
fn a_failing_print_ends_the_view_with_its_error() {
    let mut console = Console::new();
    let out = console.keys("/ip pool print interval=1s where name=[:error \"no good\"]\r");
    assert_eq!(
        out,
        format!(
            "/ip pool print interval=1s where name=[:error \"no good\"]\r\n\
             {WRAP_OFF}\r\x1b[Jno good\r\n{WRAP_ON}{PROMPT}"
        )
    );
    assert_eq!(console.wait(2000), "");
}

#[test]
fn bad_intervals_and_item_menu_follow_are_refused() {
    let mut console = Console::new();
    assert_eq!(
        console.printed("/ip pool print interval=soon"),
        "invalid value for argument interval\r\n"
    );
    assert_eq!(
        console.printed("/ip dns print follow"),
        "failure: follow is not supported in this menu\r\n"
    );
    assert_eq!(
        console.printed("/log print follow count-only"),
        "failure: follow cannot be used with count-only\r\n"
    );
    assert_eq!(
        console.printed("/log print follow-only file=x"),
        "failure: follow-only cannot be used with file\r\n"
    );
}

#[test]
fn log_follow_prints_the_log_then_new_entries_that_match() {
    let mut console = Console::new();
    let out = console.keys("/log print follow\r");
    assert_eq!(
        out,
        format!(
            "/log print follow\r\n{ERASE_LINE}\
             00:00:10 system,info router rebooted\r\n\
             00:00:10 interface,info ether1 link up\r\n\
             {FOLLOW_STATUS}"
        )
    );
    assert_eq!(console.wait(1000), "");
    console.system.now_ms = 12_000;
    console.system.log("script,info", "hello");
    console.system.log("script,warning", "careful");
    assert_eq!(
        console.wait(250),
        format!(
            "{ERASE_LINE}00:00:12 script,info hello\r\n\
             00:00:12 script,warning careful\r\n{FOLLOW_STATUS}"
        )
    );
    assert_eq!(console.wait(1000), "");
    // Space writes a separator, as RouterOS does.
    assert_eq!(
        console.keys(" "),
        format!(
            "{ERASE_LINE}= = = = = = = = = = = = = = = = = = = = = = = = = = =\r\n{FOLLOW_STATUS}"
        )
    );
    assert_eq!(console.keys("\x03"), format!("{ERASE_LINE}{PROMPT}"));
    console.system.log("script,info", "after");
    assert_eq!(console.wait(1000), "");
}

#[test]
fn log_follow_keeps_to_where_and_follow_only_starts_empty() {
    let mut console = Console::new();
    let out = console.keys("/log print follow-only where topics~\"script\"\r");
    assert_eq!(
        out,
        format!("/log print follow-only where topics~\"script\"\r\n{ERASE_LINE}{FOLLOW_STATUS}")
    );
    console.system.log("system,info", "not this one");
    assert_eq!(console.wait(500), "");
    console.system.log("script,info", "this one");
    assert_eq!(
        console.wait(250),
        format!("{ERASE_LINE}00:00:10 script,info this one\r\n{FOLLOW_STATUS}")
    );
    // Entries pushed out of the log while nobody looked are not printed twice; the newest is new.
    for n in 0..20 {
        console.system.log("script,info", &format!("burst {n}"));
    }
    let out = console.wait(250);
    assert_eq!(out.matches("burst").count(), 16, "{out:?}");
    assert!(out.contains("burst 19\r\n"), "{out:?}");
    assert!(!out.contains("this one"), "{out:?}");
    assert_eq!(console.keys("q"), format!("{ERASE_LINE}{PROMPT}"));
}

#[test]
fn file_writes_the_print_to_name_txt_and_prints_nothing() {
    let mut console = Console::new();
    let pools = console.printed("/ip pool print");
    assert_eq!(
        console.keys("/ip pool print file=pools\r"),
        format!("/ip pool print file=pools\r\n{PROMPT}")
    );
    assert_eq!(
        console.system.files.get("pools.txt"),
        Some(&pools.replace("\r\n", "\n"))
    );
    // `.txt` is not added twice; `/system resource` and `/log` write files too.
    console.printed("/system resource print file=res.txt");
    assert!(console.system.files["res.txt"].contains("uptime: 10s\n"));
    console.printed("/log print file=log where topics~\"interface\"");
    assert_eq!(
        console.system.files["log.txt"],
        "00:00:10 interface,info ether1 link up\n"
    );
    let listing = console.printed("/file print");
    for name in ["pools.txt", "res.txt", "log.txt"] {
        assert!(listing.contains(name), "{listing:?}");
    }
    // `count-only` into a file too; its value is still the command's.
    assert_eq!(
        console.printed(":put [/ip pool print count-only file=count]"),
        "2\r\n"
    );
    assert_eq!(console.system.files["count.txt"], "2\n");
}

#[test]
fn interval_with_file_rewrites_the_file_every_interval() {
    let mut console = Console::new();
    let out = console.keys("/system resource print interval=1s file=res\r");
    assert!(out.ends_with(REPAINT_STATUS), "{out:?}");
    assert!(console.system.files["res.txt"].contains("uptime: 10s\n"));
    console.wait(1000);
    assert!(console.system.files["res.txt"].contains("uptime: 11s\n"));
    console.keys("q");
}

/// Runs `script` as an import or a scheduled script would: nobody to press Ctrl-C.
fn batch(console: &mut Console, script: &str) -> (String, cli::RunResult) {
    let mut out = String::new();
    let result = cli::run(
        script,
        Mode::Batch,
        &mut console.config,
        &mut Session::new(),
        &mut console.system,
        &mut out,
    );
    (out, result)
}

#[test]
fn in_a_script_interval_and_follow_print_once() {
    let mut console = Console::new();
    let pools = console.printed("/ip pool print");
    let (out, result) = batch(
        &mut console,
        "/ip pool print interval=1s\n:put next\n/log print follow where topics~\"interface\"\n/log print follow-only\n:put done",
    );
    assert_eq!(
        out,
        format!("{pools}next\r\n00:00:10 interface,info ether1 link up\r\ndone\r\n")
    );
    assert_eq!(result.error, None);
    assert_eq!(result.live, None);
    // In a substitution on the console, too.
    assert_eq!(
        console.printed(":put [/ip pool print count-only interval=1s]"),
        "2\r\n2\r\n"
    );
    assert_eq!(console.wait(2000), "");
    // An imported file goes on to its end.
    console
        .system
        .write_file("watch.rsc", "/log print follow-only\n:put imported\n")
        .unwrap();
    assert_eq!(
        console.printed("/import watch.rsc"),
        "imported\r\nScript file loaded and executed successfully\r\n"
    );
}
