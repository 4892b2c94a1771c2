//! Address-list entries with `timeout=` typed at the console of the SOHO router: dynamic entries of the
//! engine, shown by `print` with the `D` flag and the time left, never in the configuration or the
//! export, gone after their timeout or a `remove`.

use alloc::string::String;

use netstack::Duration;

use super::console::Console;
use super::*;
use crate::apply::{FIRST_DYNAMIC_ID, add_dynamic, remove_dynamic};

const LIST: &str = "ip/firewall/address-list";

/// Whether the engine's list `list` holds the entry `address` (an address, prefix or range).
fn in_engine(console: &Console, list: &str, address: &str) -> bool {
    let range = crate::value::parse_ipv4_match(address).expect("an address");
    let lists = &console.system.router.engine.hooks().state().address_lists;
    lists
        .find(list)
        .is_some_and(|id| lists.entries(id).any(|e| e.address == range))
}

#[test]
fn timed_entries_are_dynamic_and_expire() {
    let mut console = Console::new();
    assert_eq!(
        console.run("/ip firewall address-list add list=allowed address=10.0.0.1"),
        ""
    );
    let configured = console.config.clone();
    let id = console.run(":put [/ip firewall address-list add list=x address=1.2.3.4 timeout=1h]");
    assert_eq!(
        console.run("/ip firewall address-list add list=x address=10.9.0.0/16 timeout=5m"),
        ""
    );
    // Nothing of it is configuration (so nothing is saved, and there is nothing to undo).
    assert_eq!(console.config, configured);
    assert!(in_engine(&console, "x", "1.2.3.4"));

    assert_eq!(
        console.run("/ip firewall address-list print"),
        "Flags: D - DYNAMIC\r\n\
         Columns: LIST, ADDRESS, TIMEOUT\r\n\
         #   LIST     ADDRESS      TIMEOUT\r\n\
         0   allowed  10.0.0.1            \r\n\
         1 D x        1.2.3.4      1h     \r\n\
         2 D x        10.9.0.0/16  5m     \r\n"
    );
    let ids = console.run(":put [/ip firewall address-list find dynamic]");
    assert!(ids.starts_with(id.trim_end()), "{ids} {id}");
    // The time left runs down with the engine's clock.
    console.router().now += Duration::from_secs(61);
    assert_eq!(
        console.run("/ip firewall address-list print terse where dynamic"),
        " 0 D list=x address=1.2.3.4 timeout=58m59s\r\n 1 D list=x address=10.9.0.0/16 timeout=3m59s\r\n"
    );
    assert_eq!(
        console.run(":put [/ip firewall address-list get [find address=1.2.3.4] timeout]"),
        "58m59s\r\n"
    );
    // Not exported.
    let export = console.run("/ip firewall address-list export");
    assert!(
        export.contains("add address=10.0.0.1 list=allowed"),
        "{export}"
    );
    assert!(
        !export.contains("1.2.3.4") && !export.contains("10.9.0.0"),
        "{export}"
    );
    // A configuration change leaves the dynamic entries in the engine.
    assert_eq!(
        console.run("/ip firewall address-list add list=allowed address=10.0.0.2"),
        ""
    );
    assert!(in_engine(&console, "x", "1.2.3.4"));

    // The same entry again is refused, and a dynamic entry is never disabled.
    assert_eq!(
        console.run("/ip firewall address-list add list=x address=1.2.3.4 timeout=1d"),
        "failure: already have such entry\r\n"
    );
    assert_eq!(
        console.run("/ip firewall address-list add list=x address=1.2.3.5 timeout=1d disabled=yes"),
        "failure: can not disable dynamic entry\r\n"
    );
    // An import's dry run adds nothing.
    assert_eq!(
        crate::cli::run(
            "/ip firewall address-list add list=y address=1.2.3.6 timeout=1d",
            crate::cli::Mode::DryRun,
            &mut console.config,
            &mut crate::cli::Session::new(),
            &mut console.system,
            &mut String::new(),
        )
        .error,
        None
    );
    assert!(!in_engine(&console, "y", "1.2.3.6"));

    // After its timeout an entry is gone: from print at once, from the engine when it next runs.
    console.router().now += Duration::from_secs(4 * 60);
    assert_eq!(
        console.run("/ip firewall address-list print count-only where list=x"),
        "1\r\n"
    );
    assert_eq!(
        console.run("/ip firewall address-list add list=x address=10.9.0.0/16 timeout=1m"),
        "",
        "an expired entry does not block a new one"
    );

    // `remove` takes an entry out of the engine, by print number as by *ID.
    // Numbers: 0 and 1 the configured entries, 2 x 1.2.3.4, 3 x 10.9.0.0/16.
    console.run("/ip firewall address-list print");
    assert_eq!(console.run("/ip firewall address-list remove 3"), "");
    assert!(in_engine(&console, "x", "1.2.3.4"));
    assert!(!in_engine(&console, "x", "10.9.0.0/16"));
    assert_eq!(
        console.run(&alloc::format!(
            "/ip firewall address-list remove {}",
            id.trim_end()
        )),
        ""
    );
    assert!(!in_engine(&console, "x", "1.2.3.4"));
    assert_eq!(
        console.run("/ip firewall address-list print count-only where dynamic"),
        "0\r\n"
    );
    assert_eq!(console.config.items(menu(LIST)).len(), 2);
}

#[test]
fn only_address_list_entries_are_removed_from_the_engine() {
    let mut console = Console::new();
    let menu = menu(LIST);
    let item = console
        .config
        .new_item(
            menu,
            &changes(
                menu,
                &[("list", "x"), ("address", "1.2.3.4"), ("timeout", "1h")],
            ),
        )
        .unwrap();
    let now = console.system.router.now;
    let id = add_dynamic(&mut console.system.router.engine, menu, &item, now).unwrap();
    assert!(id >= FIRST_DYNAMIC_ID);
    let config = console.config.clone();
    let engine = &mut console.system.router.engine;
    assert_eq!(remove_dynamic(&config, engine, menu, id, now), Ok(()));
    assert!(remove_dynamic(&config, engine, menu, id, now).is_err());
    // Connected routes are the system's: `remove` refuses them and they stay.
    assert_eq!(
        console.run("/ip route remove [find dynamic]"),
        "no such item\r\n"
    );
    assert_eq!(
        console.run("/ip route print count-only where dynamic"),
        "2\r\n"
    );
}
