use super::super::tests::{FakeSystem, fresh, run};
use super::*;
use crate::login::{group, set_password};
use crate::model::menus;

const LAN: Ipv4Address = Ipv4Address::new(192, 168, 88, 10);
const WAN: Ipv4Address = Ipv4Address::new(203, 0, 113, 7);

/// `admin` with password `adm1n`, `reader` (group read), `writer` (group write, only from the LAN),
/// `old` whose password an earlier version stored, and `off`, disabled.
fn users() -> Config {
    let mut config = fresh();
    let mut sys = FakeSystem::default();
    for line in [
        "/user set admin password=adm1n",
        "/user add name=reader group=read password=r3ad",
        "/user add name=writer group=write password=wr1te address=192.168.88.0/24",
        "/user add name=off group=full password=0ff disabled=yes",
        "/user add name=old group=full",
    ] {
        assert_eq!(run(&mut config, &mut sys, line), "", "{line}");
    }
    // `old times`, stored as versions before PBKDF2 did (1000 rounds of salted SHA-256).
    let menu = menus::menu("user").unwrap();
    let id = user(&config, "old").unwrap().id;
    config.set_system_value(
        menu,
        id,
        "password",
        "sha256$1000$5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a$\
         7735d76de05cc3a1b0333a6b4437d7026ebd73bc98202f96ae9d5b7904dd2b64",
    );
    config
}

fn login(config: &Config, name: &str, password: &str) -> Result<RemoteUser, RemoteLoginError> {
    authenticate_remote(config, name, password, LAN)
}

#[test]
fn a_user_with_the_right_password_gets_in_with_its_group() {
    let config = users();
    let admin = login(&config, "admin", "adm1n").unwrap();
    assert_eq!(admin.name, "admin");
    assert_eq!(admin.group, "full");
    assert_eq!(
        admin.policy,
        Policy {
            read: true,
            write: true,
            policy: true,
            reboot: true,
            test: true,
            rest_api: true,
        }
    );
    let reader = login(&config, "reader", "r3ad").unwrap();
    assert_eq!(reader.group, "read");
    assert!(reader.policy.read && reader.policy.rest_api && reader.policy.test);
    assert!(!reader.policy.write && !reader.policy.policy);
    let writer = login(&config, "writer", "wr1te").unwrap();
    assert!(writer.policy.read && writer.policy.write && writer.policy.reboot);
    assert!(!writer.policy.policy);
}

#[test]
fn unknown_users_and_wrong_passwords_look_the_same() {
    let config = users();
    let refused = Err(RemoteLoginError::BadCredentials);
    assert_eq!(login(&config, "admin", "adm1N"), refused);
    assert_eq!(login(&config, "admin", "adm1n "), refused);
    assert_eq!(login(&config, "root", "adm1n"), refused);
    assert_eq!(login(&config, "Admin", "adm1n"), refused);
    assert_eq!(login(&config, "", "adm1n"), refused);
    // A user's password is no other user's.
    assert_eq!(login(&config, "reader", "adm1n"), refused);
}

#[test]
fn nothing_gets_in_before_the_admin_password_was_set() {
    let mut config = fresh();
    let refused = Err(RemoteLoginError::BadCredentials);
    // A fresh install's admin has no password: neither the empty one nor any other works remotely,
    // though the console lets it in to choose one.
    assert!(crate::login::authenticate(&config, "admin", ""));
    for password in ["", "admin", " "] {
        assert_eq!(login(&config, "admin", password), refused, "{password:?}");
    }
    set_password(&mut config, "admin", "chosen", 1).unwrap();
    assert!(login(&config, "admin", "chosen").is_ok());
    assert_eq!(login(&config, "admin", ""), refused);
}

#[test]
fn a_disabled_user_is_refused_even_with_its_password() {
    let mut config = users();
    assert_eq!(
        login(&config, "off", "0ff"),
        Err(RemoteLoginError::BadCredentials)
    );
    run(&mut config, &mut FakeSystem::default(), "/user enable off");
    assert!(login(&config, "off", "0ff").is_ok());
    run(
        &mut config,
        &mut FakeSystem::default(),
        "/user disable reader",
    );
    assert_eq!(
        login(&config, "reader", "r3ad"),
        Err(RemoteLoginError::BadCredentials)
    );
}

#[test]
fn the_source_must_be_inside_the_users_address_list() {
    let mut config = users();
    let from = |config: &Config, last: [u8; 4]| {
        authenticate_remote(config, "writer", "wr1te", Ipv4Address::from(last)).is_ok()
    };
    assert!(from(&config, [192, 168, 88, 10]));
    assert!(from(&config, [192, 168, 88, 255]));
    assert!(!from(&config, [192, 168, 89, 10]));
    assert_eq!(
        authenticate_remote(&config, "writer", "wr1te", WAN),
        Err(RemoteLoginError::BadCredentials)
    );
    // Users without address= come from anywhere.
    assert!(authenticate_remote(&config, "admin", "adm1n", WAN).is_ok());
    // A list of ranges and single addresses.
    run(
        &mut config,
        &mut FakeSystem::default(),
        "/user set writer address=10.0.0.5-10.0.0.9,203.0.113.7",
    );
    assert!(from(&config, [10, 0, 0, 5]) && from(&config, [10, 0, 0, 9]));
    assert!(!from(&config, [10, 0, 0, 10]) && !from(&config, [192, 168, 88, 10]));
    assert!(authenticate_remote(&config, "writer", "wr1te", WAN).is_ok());
    // A stored list that does not parse lets nobody in.
    let menu = menus::menu("user").unwrap();
    let id = user(&config, "writer").unwrap().id;
    config.set_system_value(menu, id, "address", "10.0.0.0/33");
    assert!(!from(&config, [10, 0, 0, 5]));
}

#[test]
fn passwords_stored_by_earlier_versions_still_log_in() {
    let config = users();
    let old = login(&config, "old", "old times").unwrap();
    assert_eq!(old.group, "full");
    assert_eq!(
        login(&config, "old", "old time"),
        Err(RemoteLoginError::BadCredentials)
    );
}

#[test]
fn the_policy_follows_the_stored_group() {
    let mut config = users();
    // A user stored without a group is in `full`, the property's default.
    let menu = menus::menu("user").unwrap();
    let id = user(&config, "reader").unwrap().id;
    let mut item = config.item(menu, id).unwrap().clone();
    item.values.remove("group");
    config.remove(menu, id).unwrap();
    let values: Vec<(&str, &str)> = item
        .values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    config.add_system_item(menu, &values).unwrap();
    let reader = login(&config, "reader", "r3ad").unwrap();
    assert_eq!(reader.group, "full");
    assert!(reader.policy.policy);
    // A configuration without the group menu's items (saved before it existed) still knows the
    // built-in policies.
    let groups = menus::menu("user/group").unwrap();
    config.copy_table(&Config::new(), groups);
    assert!(config.items(groups).is_empty());
    assert_eq!(
        login(&config, "writer", "wr1te").unwrap().policy,
        Policy::parse(group::GROUPS[1].1)
    );
    assert_eq!(Policy::of_group(&config, "nobody"), Policy::NONE);
}

#[test]
fn odd_names_and_passwords_are_refused_without_panic() {
    let config = users();
    let long = "x".repeat(100_000);
    let wide = "é".repeat(MAX_INPUT + 1);
    for (name, password) in [
        (long.as_str(), "adm1n"),
        ("admin", long.as_str()),
        ("admin", wide.as_str()),
        ("admin\0", "adm1n"),
        ("admin", "adm1n\0"),
        ("\u{202e}admin", "adm1n"),
        ("*1", "adm1n"),
        ("[find]", "adm1n"),
    ] {
        assert_eq!(
            login(&config, name, password),
            Err(RemoteLoginError::BadCredentials),
            "{name:.20?} {password:.20?}"
        );
    }
    // The longest password the console accepts works remotely too.
    let mut config = config;
    let longest = "p".repeat(MAX_INPUT);
    set_password(&mut config, "reader", &longest, 2).unwrap();
    assert!(login(&config, "reader", &longest).is_ok());
}
