//! `/user group`: the groups a user belongs to, and what each allows.
//!
//! RouterOS always has the groups `read`, `write` and `full`, which cannot be removed; this appliance
//! has exactly those three (the menu is `Fixed`: `add` and `remove` do not exist there, and `/user
//! group=` accepts only their names, stored as the name, as it always was). [`ensure_groups`] adds the
//! ones a configuration lacks — a fresh install, `reset-configuration`, or a configuration saved before
//! the menu existed — and puts back their RouterOS 7 policies if a stored one differs, as the system
//! owns them. A group's `skin` and `comment` are the user's, and only those show in `export`.
//!
//! The policies (RouterOS 7, `/user group print`), of which [`Policy`] keeps the ones the services here
//! ask about:
//! * `read`: every login, `reboot`, `read`, `test`, `sniff`, `sensitive`, `rest-api`; not `ftp`,
//!   `write`, `policy`.
//! * `write`: as `read`, and `write`; not `ftp`, `policy`.
//! * `full`: everything, `ftp`, `write` and `policy` (managing users) included.

use crate::model::{Config, menus};

/// The built-in groups and their policies, in the order RouterOS lists them.
pub const GROUPS: [(&str, &str); 3] = [
    (
        "read",
        "local,telnet,ssh,reboot,read,test,winbox,password,web,sniff,sensitive,api,romon,rest-api,\
         !ftp,!write,!policy",
    ),
    (
        "write",
        "local,telnet,ssh,reboot,read,write,test,winbox,password,web,sniff,sensitive,api,romon,\
         rest-api,!ftp,!policy",
    ),
    (
        "full",
        "local,telnet,ssh,ftp,reboot,read,write,policy,test,winbox,password,web,sniff,sensitive,api,\
         romon,rest-api",
    ),
];

/// What a user's group allows: the RouterOS policies that matter to the services here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// May see the configuration (`print`, `get`, `export`).
    pub read: bool,
    /// May change the configuration, except users.
    pub write: bool,
    /// May manage `/user` and `/user group` (with `write`).
    pub policy: bool,
    /// May reboot or shut down the router.
    pub reboot: bool,
    /// May run `ping` and `traceroute`.
    pub test: bool,
    /// May use the REST API.
    pub rest_api: bool,
}

impl Policy {
    /// Allows nothing: a group this appliance does not know.
    pub const NONE: Policy = Policy {
        read: false,
        write: false,
        policy: false,
        reboot: false,
        test: false,
        rest_api: false,
    };

    /// The policies granted by a RouterOS policy list (`local,read,!write`): the words without `!`;
    /// unknown words grant nothing.
    pub fn parse(list: &str) -> Policy {
        let mut policy = Policy::NONE;
        for word in list.split(',') {
            match word {
                "read" => policy.read = true,
                "write" => policy.write = true,
                "policy" => policy.policy = true,
                "reboot" => policy.reboot = true,
                "test" => policy.test = true,
                "rest-api" => policy.rest_api = true,
                _ => {}
            }
        }
        policy
    }

    /// What group `name` allows in `config` (its stored `policy`, or the built-in one while the group is
    /// missing from the configuration); [`Policy::NONE`] for a group that does not exist.
    pub fn of_group(config: &Config, name: &str) -> Policy {
        let stored = group_menu().and_then(|menu| {
            config
                .items(menu)
                .iter()
                .find(|item| item.get("name") == Some(name))
                .and_then(|item| item.get("policy"))
        });
        let built_in = GROUPS
            .iter()
            .find(|(group, _)| *group == name)
            .map(|(_, policy)| *policy);
        stored.or(built_in).map_or(Policy::NONE, Policy::parse)
    }
}

fn group_menu() -> Option<&'static crate::model::MenuDef> {
    menus::menu("user/group")
}

/// Adds the built-in groups `config` lacks and restores their policies (see the module docs).
pub fn ensure_groups(config: &mut Config) {
    let Some(menu) = group_menu() else {
        return;
    };
    for (name, policy) in GROUPS {
        let existing = config
            .items(menu)
            .iter()
            .find(|item| item.get("name") == Some(name))
            .map(|item| (item.id, item.get("policy") == Some(policy)));
        match existing {
            Some((_, true)) => {}
            Some((id, false)) => config.set_system_value(menu, id, "policy", policy),
            None => {
                let _ = config.add_system_item(menu, &[("name", name), ("policy", policy)]);
            }
        }
    }
}

#[cfg(test)]
mod tests;
