//! Safe mode as a console user meets it: keys typed at a [`Shell`] over a system that records what it
//! runs and what it stores.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::*;
use crate::resource::ResourceInfo;
use crate::shell::Shell;

/// A system that keeps the configuration it runs and the one it stored, as the kernel does.
#[derive(Default)]
struct Recorder {
    running: Config,
    stored: Config,
    safe_mode: bool,
    gone: bool,
    /// `apply` refuses everything.
    refuse: bool,
    /// How often the initial configuration was asked for (a reset).
    resets: core::cell::Cell<u32>,
}

impl SystemControl for Recorder {
    fn resource(&self) -> ResourceInfo {
        ResourceInfo::default()
    }
    fn reboot(&mut self) {}
    fn shutdown(&mut self) {}
    fn apply(&mut self, config: &Config) -> Result<(), String> {
        if self.refuse {
            return Err(String::from("failure: refused"));
        }
        self.running = config.clone();
        if !self.safe_mode {
            self.stored = config.clone();
        }
        Ok(())
    }
    fn initial_configuration(&self, _no_defaults: bool) -> Option<Config> {
        self.resets.set(self.resets.get() + 1);
        Some(Config::new())
    }
    fn safe_mode(&mut self, taken: bool) {
        self.safe_mode = taken;
    }
    fn console_gone(&self) -> bool {
        self.gone
    }
}

struct Console {
    shell: Shell,
    system: Recorder,
    config: Config,
}

impl Console {
    /// Logged in, on a router with one ethernet port.
    fn new() -> Self {
        let mut config = Config::new();
        let ethernet = crate::model::menus::menu("interface/ethernet").unwrap();
        config
            .add_system_item(ethernet, &[("default-name", "ether1"), ("name", "ether1")])
            .unwrap();
        Console {
            shell: Shell::new(),
            system: Recorder::default(),
            config,
        }
    }

    /// Types `keys`; returns what the console printed.
    fn type_keys(&mut self, keys: &str) -> String {
        let mut out = String::new();
        for &byte in keys.as_bytes() {
            self.shell
                .feed(byte, &mut out, &mut self.system, &mut self.config);
        }
        out
    }

    /// The addresses `/ip address print` would list, in the console's model, in the running system
    /// and in the stored configuration.
    fn addresses(&self) -> [Vec<String>; 3] {
        let menu = crate::model::menus::menu("ip/address").unwrap();
        let list = |config: &Config| {
            config
                .items(menu)
                .iter()
                .filter_map(|item| item.get("address").map(String::from))
                .collect::<Vec<_>>()
        };
        [
            list(&self.config),
            list(&self.system.running),
            list(&self.system.stored),
        ]
    }
}

const CTRL_X: &str = "\x18";
const CTRL_D: &str = "\x04";
const ADD: &str = "/ip address add address=10.0.0.1/24 interface=ether1\r";

fn none() -> [Vec<String>; 3] {
    [Vec::new(), Vec::new(), Vec::new()]
}

fn everywhere(address: &str) -> [Vec<String>; 3] {
    let one = alloc::vec![String::from(address)];
    [one.clone(), one.clone(), one]
}

#[test]
fn ctrl_x_takes_safe_mode_and_the_prompt_says_safe_in_every_menu() {
    let mut console = Console::new();
    assert_eq!(
        console.type_keys(CTRL_X),
        "\r\n[Safe Mode taken]\r\n[admin@MikroTik] <SAFE> "
    );
    assert!(console.system.safe_mode);
    assert_eq!(
        console.type_keys("/ip address\r"),
        "/ip address\r\n[admin@MikroTik] /ip/address<SAFE> "
    );
    // The line being typed stays when Ctrl-X is pressed in the middle of it.
    assert_eq!(
        console.type_keys(&format!("pri{CTRL_X}")),
        "pri\r\n[Safe Mode released]\r\n[admin@MikroTik] /ip/address> pri"
    );
    assert!(!console.system.safe_mode);
}

#[test]
fn ctrl_d_undoes_the_changes_in_the_model_the_running_system_and_the_store() {
    let mut console = Console::new();
    console.type_keys(CTRL_X);
    console.type_keys(ADD);
    // Running, not stored: a restart now would come back without it.
    let [model, running, stored] = console.addresses();
    assert_eq!((model.len(), running.len(), stored.len()), (1, 1, 0));
    let out = console.type_keys(CTRL_D);
    assert!(out.starts_with(&format!("\r\n{UNDONE}\r\n")), "{out:?}");
    assert_eq!(console.addresses(), none());
    assert!(!console.shell.safe_mode().is_taken());
    assert!(!console.system.safe_mode);
}

#[test]
fn outside_safe_mode_ctrl_d_undoes_nothing() {
    let mut console = Console::new();
    console.type_keys(ADD);
    assert!(!console.type_keys(CTRL_D).contains("Safe Mode"));
    assert_eq!(console.addresses(), everywhere("10.0.0.1/24"));
}

#[test]
fn ctrl_d_on_a_typed_line_only_erases() {
    let mut console = Console::new();
    console.type_keys(CTRL_X);
    console.type_keys(ADD);
    console.type_keys("ab\x1b[D");
    assert_eq!(console.type_keys(CTRL_D), " \x08");
    assert!(console.shell.safe_mode().is_taken());
    assert_eq!(console.addresses()[0].len(), 1);
}

#[test]
fn ctrl_x_again_keeps_the_changes_and_stores_them() {
    let mut console = Console::new();
    console.type_keys(CTRL_X);
    console.type_keys(ADD);
    assert!(console.type_keys(CTRL_X).contains("[Safe Mode released]"));
    assert_eq!(console.addresses(), everywhere("10.0.0.1/24"));
    // They are ordinary changes now: `/undo` and `/redo` take them back and forth, and Ctrl-D
    // undoes nothing.
    console.type_keys("/undo\r");
    assert_eq!(console.addresses(), none());
    console.type_keys("/redo\r");
    assert_eq!(console.addresses(), everywhere("10.0.0.1/24"));
    assert!(!console.type_keys(CTRL_D).contains("Safe Mode"));
    assert_eq!(console.addresses(), everywhere("10.0.0.1/24"));
}

#[test]
fn only_the_changes_since_safe_mode_was_taken_are_undone() {
    let mut console = Console::new();
    console.type_keys(ADD);
    console.type_keys(CTRL_X);
    console.type_keys("/ip address add address=10.0.1.1/24 interface=ether1\r");
    console.type_keys("/system identity set name=safe\r");
    // `/undo` works inside safe mode.
    let out = console.type_keys("/undo\r");
    assert_eq!(out, "/undo\r\n[admin@MikroTik] <SAFE> ");
    assert_eq!(console.addresses()[0].len(), 2);
    console.type_keys("/system identity set name=again\r");
    console.type_keys(CTRL_D);
    assert_eq!(console.addresses(), everywhere("10.0.0.1/24"));
    let identity = crate::model::menus::menu("system/identity").unwrap();
    assert_eq!(
        console.config.singleton_value(identity, "name"),
        Some("MikroTik")
    );
}

#[test]
fn more_than_100_changes_release_safe_mode_keeping_them() {
    let mut console = Console::new();
    console.type_keys(CTRL_X);
    for n in 1..=MAX_CHANGES {
        let out = console.type_keys(&format!("/ip pool add name=p{n} ranges=10.1.0.{n}\r"));
        assert!(out.ends_with("<SAFE> "), "{out}");
    }
    assert_eq!(
        console
            .shell
            .safe_mode()
            .changes(&console.shell.session().undo),
        100
    );
    let out = console.type_keys("/ip pool add name=last ranges=10.2.0.1\r");
    assert!(
        out.ends_with(
            "\r\n[Safe Mode released: more than 100 changes, they stay]\r\n[admin@MikroTik] > "
        ),
        "{out}"
    );
    assert!(!console.system.safe_mode);
    let pools = crate::model::menus::menu("ip/pool").unwrap();
    assert_eq!(console.config.items(pools).len(), 101);
    assert_eq!(console.system.stored.items(pools).len(), 101);
    // Ctrl-D has nothing to undo now.
    assert!(!console.type_keys(CTRL_D).contains("Safe Mode"));
    assert_eq!(console.config.items(pools).len(), 101);
}

#[test]
fn a_console_gone_in_safe_mode_undoes_its_changes() {
    let mut console = Console::new();
    let mut out = String::new();
    // Outside safe mode a gone console changes nothing.
    console.system.gone = true;
    console.type_keys(ADD);
    console
        .shell
        .poll(&mut out, &mut console.system, &mut console.config);
    assert_eq!(out, "");
    console.system.gone = false;

    console.type_keys(CTRL_X);
    console.type_keys("/ip address add address=10.0.1.1/24 interface=ether1\r");
    console.type_keys("/system reboot\r");
    console
        .shell
        .poll(&mut out, &mut console.system, &mut console.config);
    assert_eq!(out, "", "the user is still there");
    console.system.gone = true;
    console
        .shell
        .poll(&mut out, &mut console.system, &mut console.config);
    assert!(out.starts_with(&format!("\r\n{UNDONE}\r\n")), "{out:?}");
    assert_eq!(console.addresses(), everywhere("10.0.0.1/24"));
    assert!(!console.system.safe_mode);
    // The reboot question was dropped: a `y` now reboots nothing.
    assert!(!console.type_keys("y").contains("reboot"));
}

#[test]
fn a_refused_undo_keeps_safe_mode_and_the_configuration() {
    let mut console = Console::new();
    console.type_keys(CTRL_X);
    console.type_keys(ADD);
    console.system.refuse = true;
    assert_eq!(
        console.type_keys(CTRL_D),
        "\r\nfailure: refused\r\n[admin@MikroTik] <SAFE> "
    );
    assert!(console.system.safe_mode);
    assert_eq!(console.addresses()[0].len(), 1);
    // A gone console tries once, then leaves it to the user.
    console.system.gone = true;
    let mut out = String::new();
    for _ in 0..3 {
        console
            .shell
            .poll(&mut out, &mut console.system, &mut console.config);
    }
    assert_eq!(out.matches("failure: refused").count(), 1, "{out}");
    console.system.refuse = false;
    assert!(
        console
            .type_keys(CTRL_D)
            .contains("its changes were undone")
    );
    assert_eq!(console.addresses(), none());
}

#[test]
fn reset_configuration_releases_safe_mode_first() {
    let mut console = Console::new();
    console.type_keys(CTRL_X);
    console.type_keys(ADD);
    let out = console.type_keys("/system reset-configuration\ry");
    assert!(
        out.ends_with(
            "y\r\nsystem configuration will be reset\r\n[Safe Mode released]\r\n[admin@MikroTik] > "
        ),
        "{out}"
    );
    assert_eq!(console.system.resets.get(), 1);
    assert!(!console.system.safe_mode);
    assert_eq!(console.addresses(), none());
}
