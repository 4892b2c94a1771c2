//! Safe mode typed at a console on the SOHO router: a rule that cuts the LAN off takes effect in the
//! engine at once, and Ctrl-D takes it out of the engine again, as RouterOS's safe mode saves a user
//! who locked themselves out; released changes stay.

use alloc::string::String;
use alloc::vec::Vec;

use super::console::Console;
use super::frames::{ip, ping};
use super::{LAN_HOST, menu};
use crate::shell::Shell;

/// Types `keys` at `shell` on `console`'s router; returns what it printed.
fn type_keys(shell: &mut Shell, console: &mut Console, keys: &str) -> String {
    let mut out = String::new();
    for &byte in keys.as_bytes() {
        shell.feed(byte, &mut out, &mut console.system, &mut console.config);
    }
    out
}

/// Whether a ping from the LAN host to the WAN host (`ident` tells pings apart) is forwarded.
fn lan_reaches_wan(console: &mut Console, ident: u16) -> bool {
    let lan_host = ip(192, 168, 88, LAN_HOST);
    let wan_host = ip(198, 51, 100, 1);
    let forwarded = console
        .router()
        .send(1, &ping(lan_host, wan_host, ident), 0);
    !forwarded.is_empty()
}

/// The engine's addresses.
fn engine_addresses(console: &Console) -> Vec<String> {
    let engine = &console.system.router.engine;
    engine
        .addresses()
        .iter()
        .map(|a| alloc::format!("{}", a.cidr))
        .collect()
}

#[test]
fn ctrl_d_takes_a_locking_rule_out_of_the_engine() {
    let mut console = Console::new();
    let mut shell = Shell::new();
    let before = console.config.clone();
    assert!(lan_reaches_wan(&mut console, 1));

    let out = type_keys(&mut shell, &mut console, "\x18");
    assert!(out.ends_with("<SAFE> "), "{out:?}");
    // Numbered by a print, the rule goes first, before defconf's accepts.
    type_keys(&mut shell, &mut console, "/ip firewall filter print\r");
    type_keys(
        &mut shell,
        &mut console,
        "/ip firewall filter add chain=forward action=drop place-before=0\r",
    );
    type_keys(
        &mut shell,
        &mut console,
        "/ip address add address=10.9.9.1/24 interface=ether2\r",
    );
    assert!(!lan_reaches_wan(&mut console, 2), "the rule runs at once");
    assert!(engine_addresses(&console).contains(&String::from("10.9.9.1/24")));

    let out = type_keys(&mut shell, &mut console, "\x04");
    assert!(out.contains("its changes were undone"), "{out:?}");
    assert!(lan_reaches_wan(&mut console, 3), "the rule is gone");
    assert!(!engine_addresses(&console).contains(&String::from("10.9.9.1/24")));
    assert_eq!(console.config, before);
}

#[test]
fn released_changes_stay_in_the_engine() {
    let mut console = Console::new();
    let mut shell = Shell::new();
    let addresses = console.config.items(menu("ip/address")).len();
    type_keys(&mut shell, &mut console, "\x18");
    type_keys(
        &mut shell,
        &mut console,
        "/ip address add address=10.9.9.1/24 interface=ether2\r",
    );
    let out = type_keys(&mut shell, &mut console, "\x18");
    assert!(out.contains("[Safe Mode released]"), "{out:?}");
    type_keys(&mut shell, &mut console, "\x04");
    assert!(engine_addresses(&console).contains(&String::from("10.9.9.1/24")));
    assert_eq!(
        console.config.items(menu("ip/address")).len(),
        addresses + 1
    );
}
