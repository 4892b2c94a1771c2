//! Address-list entries with `timeout=` on the SOHO router: dynamic entries of the engine, shown by the
//! console's `print` with the `D` flag and the time left, never in the configuration or the export,
//! gone after their timeout or a `remove`.

use alloc::string::String;

use netstack::Duration;
use netstack::firewall::spec::AddrRange;

use super::console::Console;
use super::*;
use crate::apply::{FIRST_DYNAMIC_ID, add_dynamic, is_dynamic, remove_dynamic};

const LIST: &str = "ip/firewall/address-list";

/// `add` of an address-list entry as the console makes it: the model checks the values, the engine
/// takes the entry. Returns its `*ID`.
fn add_timed(console: &mut Console, pairs: &[(&str, &str)]) -> Result<u32, String> {
    let menu = menu(LIST);
    let item = console
        .config
        .new_item(menu, &changes(menu, pairs))
        .map_err(|e| e.to_string())?;
    assert!(is_dynamic(menu, &item));
    let now = console.system.router.now;
    add_dynamic(&mut console.system.router.engine, menu, &item, now).map_err(|e| e.to_string())
}

/// Whether the engine's list `list` holds `address`.
fn in_engine(console: &Console, list: &str, address: [u8; 4]) -> bool {
    let [a, b, c, d] = address;
    let lists = &console.system.router.engine.hooks().state().address_lists;
    lists.find(list).is_some_and(|id| {
        lists
            .entries(id)
            .any(|e| e.address == AddrRange::single(smoltcp::wire::Ipv4Address::new(a, b, c, d)))
    })
}

#[test]
fn timed_entries_are_dynamic_and_expire() {
    let mut console = Console::new();
    let before = console.config.clone();
    assert_eq!(
        console.run("/ip firewall address-list add list=allowed address=10.0.0.1"),
        ""
    );
    let id = add_timed(
        &mut console,
        &[("list", "x"), ("address", "1.2.3.4"), ("timeout", "1h")],
    )
    .unwrap();
    assert!(id >= FIRST_DYNAMIC_ID);
    add_timed(
        &mut console,
        &[("list", "x"), ("address", "10.9.0.0/16"), ("timeout", "5m")],
    )
    .unwrap();
    // Only the static entry is configuration.
    assert_eq!(console.config.items(menu(LIST)).len(), 1);
    assert_eq!(
        console.config.items(menu(LIST)).len(),
        before.items(menu(LIST)).len() + 1
    );

    assert_eq!(
        console.run("/ip firewall address-list print"),
        "Flags: D - DYNAMIC\r\n\
         Columns: LIST, ADDRESS, TIMEOUT\r\n\
         #   LIST     ADDRESS      TIMEOUT\r\n\
         0   allowed  10.0.0.1            \r\n\
         1 D x        1.2.3.4      1h     \r\n\
         2 D x        10.9.0.0/16  5m     \r\n"
    );
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
    // Not exported, not saved.
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
    assert!(in_engine(&console, "x", [1, 2, 3, 4]));

    // The same entry again is refused, and a disabled dynamic entry is no such thing.
    assert_eq!(
        add_timed(
            &mut console,
            &[("list", "x"), ("address", "1.2.3.4"), ("timeout", "1d")]
        ),
        Err(String::from("failure: already have such entry"))
    );
    assert!(
        add_timed(
            &mut console,
            &[
                ("list", "x"),
                ("address", "1.2.3.5"),
                ("timeout", "1d"),
                ("disabled", "yes")
            ]
        )
        .is_err()
    );

    // After its timeout an entry is gone: from print at once, from the engine when it next runs.
    console.router().now += Duration::from_secs(4 * 60);
    assert_eq!(
        console.run("/ip firewall address-list print count-only where list=x"),
        "1\r\n"
    );
    assert_eq!(
        add_timed(
            &mut console,
            &[("list", "x"), ("address", "10.9.0.0/16"), ("timeout", "1m")]
        )
        .map(|_| ()),
        Ok(()),
        "an expired entry does not block a new one"
    );

    // `remove` by the printed *ID takes the entry out of the engine.
    let shown = console.run(":put [/ip firewall address-list find address=1.2.3.4]");
    assert_eq!(shown, alloc::format!("*{id:X}\r\n"));
    let now = console.system.router.now;
    let config = console.config.clone();
    remove_dynamic(
        &config,
        &mut console.system.router.engine,
        menu(LIST),
        id,
        now,
    )
    .unwrap();
    assert!(!in_engine(&console, "x", [1, 2, 3, 4]));
    assert_eq!(
        remove_dynamic(
            &config,
            &mut console.system.router.engine,
            menu(LIST),
            id,
            now
        )
        .map_err(|e| e.to_string()),
        Err(String::from("no such item"))
    );
    // Connected routes are the system's: not removable.
    let route = console.run(":put [/ip route find dynamic]");
    let route_id = crate::model::parse_id(route.trim().split(';').next().unwrap()).unwrap();
    assert!(
        remove_dynamic(
            &config,
            &mut console.system.router.engine,
            menu("ip/route"),
            route_id,
            now
        )
        .is_err()
    );
}
