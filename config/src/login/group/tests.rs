use alloc::string::String;
use alloc::vec::Vec;

use super::super::tests::{FakeSystem, fresh, run};
use super::*;
use crate::cli::complete::complete;

const PRINTED: &str = " 0 name=read\r\n   \
    policy=local,telnet,ssh,reboot,read,test,winbox,password,web,sniff,sensitive,api,romon,rest-api,!ftp,!write,!policy\r\n \
    1 name=write\r\n   \
    policy=local,telnet,ssh,reboot,read,write,test,winbox,password,web,sniff,sensitive,api,romon,rest-api,!ftp,!policy\r\n \
    2 name=full\r\n   \
    policy=local,telnet,ssh,ftp,reboot,read,write,policy,test,winbox,password,web,sniff,sensitive,api,romon,rest-api\r\n";

fn names(config: &Config) -> Vec<(u32, String)> {
    let menu = group_menu().unwrap();
    config
        .items(menu)
        .iter()
        .map(|i| (i.id, String::from(i.get("name").unwrap_or("-"))))
        .collect()
}

/// The export without its dated header.
fn export(config: &mut Config, line: &str) -> String {
    let out = run(config, &mut FakeSystem::default(), line);
    out.split("\r\n")
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| alloc::format!("{l}\r\n"))
        .collect()
}

#[test]
fn the_three_groups_print_with_routeros_7_policies() {
    let mut config = fresh();
    let mut sys = FakeSystem::default();
    assert_eq!(run(&mut config, &mut sys, "/user group print"), PRINTED);
    let detail = run(&mut config, &mut sys, "/user group print detail");
    assert_eq!(detail.matches("skin=default").count(), 3, "{detail}");
    assert_eq!(
        run(&mut config, &mut sys, ":put [/user group get read policy]"),
        alloc::format!("{}\r\n", GROUPS[0].1)
    );
    assert_eq!(
        run(
            &mut config,
            &mut sys,
            ":put [/user group find where policy~\"!policy\"]"
        ),
        "*1;*2\r\n"
    );
}

#[test]
fn the_groups_cannot_be_added_removed_or_given_other_policies() {
    let mut config = fresh();
    let before = config.clone();
    let mut sys = FakeSystem::default();
    for (line, error) in [
        (
            "/user group add name=ops policy=read",
            "bad command name add",
        ),
        ("/user group remove read", "bad command name remove"),
        (
            "/user group set read policy=read,write",
            "failure: policy is read-only",
        ),
        (
            "/user group set full name=root",
            "failure: name is read-only",
        ),
        (
            "/user group set read skin=dark",
            "invalid value for argument skin",
        ),
    ] {
        let printed = run(&mut config, &mut sys, line);
        assert!(printed.starts_with(error), "{line}: {printed}");
    }
    assert_eq!(config, before);
    assert_eq!(sys.applies, 0);
    // A user's group is one of the three.
    let printed = run(&mut config, &mut sys, "/user add name=ops group=ops");
    assert!(
        printed.starts_with("invalid value for argument group"),
        "{printed}"
    );
    for group in ["read", "write", "full"] {
        let line = alloc::format!("/user add name={group}er group={group} password=x");
        assert_eq!(run(&mut config, &mut sys, &line), "", "{line}");
    }
    let users = run(&mut config, &mut sys, "/user print");
    assert!(users.contains("writeer  write"), "{users}");
}

#[test]
fn export_shows_only_what_the_user_changed() {
    let mut config = fresh();
    assert_eq!(export(&mut config, "/user group export"), "");
    assert!(!export(&mut config, "/export").contains("/user group"));
    let mut sys = FakeSystem::default();
    assert_eq!(
        run(&mut config, &mut sys, "/user group set full skin=default"),
        ""
    );
    assert_eq!(
        export(&mut config, "/user group export"),
        "",
        "skin=default is no change"
    );
    let line = "/user group set read comment=\"read only\"";
    assert_eq!(run(&mut config, &mut sys, line), "");
    assert_eq!(sys.applies, 2, "the changes are applied and saved");
    let exported = export(&mut config, "/user group export");
    assert_eq!(
        exported,
        "/user group\r\nset read comment=\"read only\"\r\n"
    );
    assert!(export(&mut config, "/export").contains(&exported));
    let printed = run(&mut config, &mut sys, "/user group print");
    assert!(
        printed.starts_with(" 0 ;;; read only\r\n   name=read\r\n"),
        "{printed}"
    );
    // The export recreates the change on a fresh configuration.
    let mut again = fresh();
    assert_eq!(run(&mut again, &mut sys, &exported), "");
    assert_eq!(
        again.items(group_menu().unwrap())[0],
        config.items(group_menu().unwrap())[0]
    );
    // Verbose export shows skin, but still never the system's name and policy as settable.
    let verbose = export(&mut config, "/user group export verbose");
    assert!(verbose.contains("set write skin=default"), "{verbose}");
    assert!(!verbose.contains("policy="), "{verbose}");
}

#[test]
fn the_group_menu_completes_like_the_others() {
    let config = fresh();
    let tab = |current: &str, text: &str| complete(&config, current, text);
    assert_eq!(tab("", "/user gr").insert, "oup ");
    assert_eq!(tab("", "/user group pr").insert, "int ");
    assert_eq!(tab("", "/user group set read sk").insert, "in=");
    assert_eq!(tab("user/group", "set wr").insert, "ite ");
    let items = tab("", "/user group set ").candidates;
    for group in ["full", "read", "write"] {
        assert!(items.iter().any(|c| c == group), "{items:?}");
    }
    // No `add` or `remove` to offer.
    let commands = tab("", "/user group ").candidates;
    assert!(commands.contains(&String::from("set")), "{commands:?}");
    assert!(!commands.iter().any(|c| c == "add" || c == "remove"));
    // /user group= offers the three groups.
    assert_eq!(
        tab("", "/user add group=").candidates,
        ["full", "read", "write"]
    );
    assert_eq!(tab("", "/user add group=w").insert, "rite ");
}

#[test]
fn every_configuration_gets_the_groups_once() {
    // A fresh install and reset-configuration build on the system items.
    let (initial, _, _) = crate::boot::initial(&[], None, true);
    assert_eq!(
        names(&initial),
        [(1, "read".into()), (2, "write".into()), (3, "full".into())]
    );
    // A configuration saved before the menu existed (users only) gets them at boot.
    let mut saved = Config::new();
    let users = menus::menu("user").unwrap();
    saved
        .add_system_item(users, &[("name", "admin"), ("group", "read")])
        .unwrap();
    crate::apply::ensure_system_items(&mut saved, &[]);
    assert_eq!(names(&saved).len(), 3);
    assert_eq!(saved.items(users).len(), 1, "no second admin");
    // Again: nothing changes.
    let before = saved.clone();
    ensure_groups(&mut saved);
    assert_eq!(saved, before);
    // A stored policy that is not the system's is put back; the user's comment stays.
    let menu = group_menu().unwrap();
    saved.set_system_value(menu, 2, "policy", "read,write,policy");
    saved.set_system_value(menu, 2, "comment", "mine");
    ensure_groups(&mut saved);
    assert_eq!(
        saved.item(menu, 2).unwrap().get("policy"),
        Some(GROUPS[1].1)
    );
    assert_eq!(saved.item(menu, 2).unwrap().get("comment"), Some("mine"));
    // The groups go through the store like the rest of the configuration.
    let bytes = crate::store::encode(1, &saved);
    let loaded: Config = crate::store::decode(1, &bytes).unwrap();
    assert_eq!(loaded, saved);
}

#[test]
fn policies_are_read_from_routeros_lists() {
    let read = Policy::parse(GROUPS[0].1);
    assert_eq!(
        read,
        Policy {
            read: true,
            write: false,
            policy: false,
            reboot: true,
            test: true,
            rest_api: true,
        }
    );
    assert_eq!(
        Policy::parse(GROUPS[1].1),
        Policy {
            write: true,
            ..read
        }
    );
    let full = Policy::parse(GROUPS[2].1);
    assert!(full.read && full.write && full.policy && full.reboot && full.test && full.rest_api);
    // Negated and unknown words grant nothing; odd input is no panic.
    assert_eq!(Policy::parse("!read,!write,!rest-api"), Policy::NONE);
    for odd in ["", ",", ",,read,,", "READ", "read ", "\u{0}", "rest_api"] {
        let parsed = Policy::parse(odd);
        assert!(!parsed.write && !parsed.rest_api, "{odd:?}");
    }
    assert!(Policy::parse(",,read,,").read);
    // The stored policy of a group counts.
    let mut config = fresh();
    let menu = group_menu().unwrap();
    config.set_system_value(menu, 1, "policy", "read");
    assert_eq!(
        Policy::of_group(&config, "read"),
        Policy {
            read: true,
            ..Policy::NONE
        }
    );
    assert_eq!(Policy::of_group(&config, "full"), full);
    assert_eq!(Policy::of_group(&config, "ops"), Policy::NONE);
}
