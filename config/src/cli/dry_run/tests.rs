//! `/import FILE dry-run` typed on the console, on a system that records every change asked of it:
//! the same file imported for real does each of them, the dry run none.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::model::{Config, Item, MenuDef};
use crate::resource::ResourceInfo;
use crate::scheduler::Runs;
use crate::shell::{Shell, SystemControl};

const PROMPT: &str = "[admin@MikroTik] > ";

/// A system with one connection (`*5`) and one dynamic address-list entry (`*80000000`), which
/// records what is done to it.
struct Recorder {
    clock: u64,
    files: BTreeMap<String, String>,
    log: Vec<String>,
    dynamic_added: Vec<String>,
    dynamic_removed: Vec<u32>,
    connections_removed: Vec<u32>,
    counter_resets: u32,
    applied: u32,
    runs: Runs,
}

const DYNAMIC_ID: u32 = crate::apply::FIRST_DYNAMIC_ID;

impl SystemControl for Recorder {
    fn resource(&self) -> ResourceInfo {
        ResourceInfo::default()
    }
    fn reboot(&mut self) {}
    fn shutdown(&mut self) {}
    fn apply(&mut self, _config: &Config) -> Result<(), String> {
        self.applied += 1;
        Ok(())
    }
    fn status(&self, _config: &Config, menu: &MenuDef, item: &Item) -> Vec<(&'static str, String)> {
        let now = crate::scheduler::Now {
            wall: self.clock,
            uptime: 0,
        };
        self.runs.status(menu, item, now)
    }
    fn dynamic_items(&self, _config: &Config, menu: &MenuDef) -> Vec<Item> {
        if menu.path != "ip/firewall/address-list" {
            return Vec::new();
        }
        let mut item = Item {
            id: DYNAMIC_ID,
            values: BTreeMap::new(),
        };
        item.values.insert("list".into(), "seen".into());
        item.values.insert("address".into(), "9.9.9.9".into());
        alloc::vec![item]
    }
    fn connection(&self, _menu: &MenuDef, id: u32) -> Option<Item> {
        (id == 5).then(|| Item {
            id,
            values: BTreeMap::new(),
        })
    }
    fn remove_connection(&mut self, id: u32) -> bool {
        self.connections_removed.push(id);
        id == 5
    }
    fn add_dynamic(&mut self, _menu: &MenuDef, item: &Item) -> Result<Option<u32>, String> {
        self.dynamic_added
            .push(item.get("address").unwrap_or_default().to_string());
        Ok(Some(DYNAMIC_ID + 1))
    }
    fn remove_dynamic(&mut self, _config: &Config, _menu: &MenuDef, id: u32) -> Result<(), String> {
        self.dynamic_removed.push(id);
        Ok(())
    }
    fn reset_counters(
        &mut self,
        _config: &Config,
        _menu: &MenuDef,
        _ids: Option<&[u32]>,
    ) -> Result<(), String> {
        self.counter_resets += 1;
        Ok(())
    }
    fn log(&mut self, topics: &str, message: &str) {
        self.log.push(format!("{topics} {message}"));
    }
    fn clock_seconds(&self) -> u64 {
        self.clock
    }
    fn set_clock(&mut self, seconds: u64) {
        self.clock = seconds;
    }
    fn runs(&mut self) -> Option<&mut Runs> {
        Some(&mut self.runs)
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
    fn remove_file(&mut self, name: &str) -> Result<(), String> {
        self.files
            .remove(name)
            .map(drop)
            .ok_or_else(|| String::from("no such item"))
    }
}

/// A file doing one of each change a script can ask of the running system, and of the
/// configuration and the session.
const SIDE_EFFECTS: &str = "\
/system clock set time=01:00:00
/ip firewall address-list add list=block address=1.2.3.4 timeout=1h
/ip firewall address-list remove *80000000
/ip firewall connection remove *5
/ip firewall filter reset-counters-all
/export file=saved
/ip pool print file=pools
/file remove old.txt
:log info \"imported\"
/system script run hello
/ip pool add name=new ranges=10.0.0.1-10.0.0.9
:global seen yes
";

/// Noon, some day.
const NOON: u64 = 20_000 * 86_400 + 12 * 3600;

struct Console {
    shell: Shell,
    system: Recorder,
    config: Config,
}

impl Console {
    fn new() -> Self {
        let mut files = BTreeMap::new();
        files.insert("side.rsc".to_string(), SIDE_EFFECTS.to_string());
        files.insert("old.txt".to_string(), "old".to_string());
        let mut console = Console {
            shell: Shell::new(),
            system: Recorder {
                clock: NOON,
                files,
                log: Vec::new(),
                dynamic_added: Vec::new(),
                dynamic_removed: Vec::new(),
                connections_removed: Vec::new(),
                counter_resets: 0,
                applied: 0,
                runs: Runs::new(),
            },
            config: Config::new(),
        };
        console.run("/system script add name=hello source=\":log info hello\"");
        console.system.applied = 0;
        console
    }

    /// What `line` prints.
    fn run(&mut self, line: &str) -> String {
        let mut out = String::new();
        for &byte in format!("{line}\r").as_bytes() {
            self.shell
                .feed(byte, &mut out, &mut self.system, &mut self.config);
        }
        let text = out
            .strip_prefix(&format!("{line}\r\n"))
            .and_then(|rest| rest.strip_suffix(PROMPT))
            .unwrap_or_else(|| panic!("{out:?}"));
        String::from(text)
    }
}

#[test]
fn a_dry_run_import_changes_nothing_and_the_import_does_it_all() {
    let mut console = Console::new();
    let config = console.config.clone();
    let files = console.system.files.clone();
    assert_eq!(
        console.run("/import side.rsc dry-run"),
        "Script file loaded and executed successfully\r\n"
    );
    let system = &console.system;
    assert_eq!(system.clock, NOON);
    assert_eq!(system.dynamic_added, Vec::<String>::new());
    assert_eq!(system.dynamic_removed, Vec::<u32>::new());
    assert_eq!(system.connections_removed, Vec::<u32>::new());
    assert_eq!(system.counter_resets, 0);
    assert_eq!(system.files, files);
    assert_eq!(system.log, Vec::<String>::new());
    assert_eq!(system.applied, 0);
    assert_eq!(console.config, config);
    assert_eq!(
        console.run(":put [/system script get hello run-count]"),
        "0\r\n"
    );
    assert_eq!(console.run(":put $seen"), "\r\n");
    assert_eq!(console.run("/ip pool print count-only"), "0\r\n");

    // The same file for real.
    assert_eq!(
        console.run("/import side.rsc"),
        "Script file loaded and executed successfully\r\n"
    );
    let system = &console.system;
    assert_eq!(system.clock % 86_400, 3600);
    assert_eq!(system.dynamic_added, ["1.2.3.4"]);
    assert_eq!(system.dynamic_removed, [DYNAMIC_ID]);
    assert_eq!(system.connections_removed, [5]);
    assert_eq!(system.counter_resets, 1);
    assert!(system.files.contains_key("saved.rsc"));
    assert!(system.files.contains_key("pools.txt"));
    assert!(!system.files.contains_key("old.txt"));
    assert_eq!(system.log, ["script,info imported", "script,info hello"]);
    assert_eq!(system.applied, 1);
    assert_eq!(
        console.run(":put [/system script get hello run-count]"),
        "1\r\n"
    );
    assert_eq!(console.run(":put $seen"), "yes\r\n");
    assert_eq!(console.run("/ip pool print count-only"), "1\r\n");
}

#[test]
fn a_dry_run_refuses_what_the_system_would_find_missing() {
    let mut console = Console::new();
    for (line, column) in [
        ("/ip firewall connection remove *6", 1),
        ("/ip firewall address-list remove *80000009", 1),
        ("/file remove gone.txt", 1),
    ] {
        console
            .system
            .files
            .insert("bad.rsc".to_string(), format!("{line}\n"));
        assert_eq!(
            console.run("/import bad.rsc dry-run"),
            format!("no such item (line 1 column {column})\r\n"),
            "{line}"
        );
    }
    assert_eq!(console.system.connections_removed, Vec::<u32>::new());
    assert_eq!(console.system.dynamic_removed, Vec::<u32>::new());
}
