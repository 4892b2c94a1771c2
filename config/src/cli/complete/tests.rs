use super::*;
use crate::model::Change;
use proptest::prelude::*;

/// Two ethernet ports as the system creates them, an address list and a rule in a chain of its own.
fn config() -> Config {
    let mut config = Config::new();
    let ethernet = menus::menu("interface/ethernet").unwrap();
    for name in ["ether1", "ether2"] {
        config
            .add_system_item(ethernet, &[("name", name), ("default-name", name)])
            .unwrap();
    }
    let add = |config: &mut Config, path: &str, values: &[(&str, &str)]| {
        let menu = menus::menu(path).unwrap();
        let changes: Vec<Change> = values
            .iter()
            .map(|(p, v)| Change::Set(menu.prop(p).unwrap(), String::from(*v)))
            .collect();
        config.add(menu, &changes, None).unwrap();
    };
    add(
        &mut config,
        "ip/firewall/address-list",
        &[("list", "blocked"), ("address", "10.9.9.9")],
    );
    add(
        &mut config,
        "ip/firewall/filter",
        &[("chain", "from-lan"), ("action", "accept")],
    );
    config
}

/// What Tab inserts after `text` typed at `current`, and the candidates.
fn tab(current: &str, text: &str) -> (String, Vec<String>) {
    let c = complete(&config(), current, text);
    (c.insert, c.candidates)
}

fn inserts(current: &str, text: &str) -> String {
    tab(current, text).0
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| String::from(*w)).collect()
}

#[test]
fn menu_and_command_words_complete_with_a_space() {
    assert_eq!(inserts("", "/ip fi"), "rewall ");
    assert_eq!(inserts("", "/ip firewall f"), "ilter ");
    assert_eq!(inserts("", "/ip address pr"), "int ");
    assert_eq!(inserts("", "/sys"), "tem ");
    // Complete already: only the separator.
    assert_eq!(inserts("", "/ip address"), " ");
    // Relative to the current menu, and through `..`.
    assert_eq!(inserts("ip", "addr"), "ess ");
    assert_eq!(inserts("ip/firewall", ".. addr"), "ess ");
    // Abbreviated words before the cursor resolve as the interpreter resolves them.
    assert_eq!(inserts("", "/ip fire fil ad"), "d ");
}

#[test]
fn slash_joined_paths_complete_menus_with_a_slash() {
    assert_eq!(inserts("", "/ip/fi"), "rewall/");
    assert_eq!(inserts("", "/ip/firewall/fil"), "ter/");
    assert_eq!(inserts("", "/ip/address/pr"), "int ");
    // A lone leading `/` is the root, not a joined path.
    assert_eq!(inserts("ip", "/i"), "");
    // `/ip` is a whole word, and the start of `/ipv6` too: both are offered.
    assert_eq!(tab("ip", "/ip"), (String::new(), strings(&["ip", "ipv6"])));
    assert_eq!(inserts("ip", "/ipv"), "6 ");
}

#[test]
fn an_ambiguous_word_completes_the_common_prefix_and_lists_the_candidates() {
    assert_eq!(
        tab("", "/ip d"),
        (
            String::new(),
            strings(&["dhcp-client", "dhcp-server", "dns"])
        )
    );
    assert_eq!(
        tab("", "/ip dh"),
        (
            String::from("cp-"),
            strings(&["dhcp-client", "dhcp-server"])
        )
    );
    // An empty word lists everything there: child menus and commands together.
    let (insert, all) = tab("", "/ip firewall ");
    assert_eq!(insert, "");
    for word in ["address-list", "filter", "nat", "export", "connection"] {
        assert!(all.iter().any(|c| c == word), "{word} in {all:?}");
    }
}

#[test]
fn nothing_to_complete_after_an_unknown_word() {
    assert_eq!(tab("", "/nonsense pr"), (String::new(), Vec::new()));
    assert_eq!(tab("", "/ip zz"), (String::new(), Vec::new()));
    assert_eq!(tab("", "/ip address add zz"), (String::new(), Vec::new()));
    assert_eq!(tab("", "/ip address add zz="), (String::new(), Vec::new()));
}

#[test]
fn property_names_complete_with_an_equals_sign() {
    assert_eq!(inserts("", "/ip address add inter"), "face=");
    assert_eq!(inserts("ip/address", "add addr"), "ess=");
    assert_eq!(inserts("", "/ip firewall filter add place"), "-before=");
    assert_eq!(
        tab("", "/ip address add d"),
        (String::from("isabled="), strings(&["disabled"]))
    );
    // Read-only properties are not arguments of `add` or `set`.
    assert_eq!(inserts("", "/interface ethernet set ether1 mac"), "");
    // `!name` unsets a property of `set`.
    assert_eq!(inserts("", "/ip address set 0 !comm"), "ent ");
    // A singleton takes no item: `set` goes straight to its properties.
    assert_eq!(inserts("", "/ip dns set allow"), "-remote-requests=");
    // What was given already is not offered again.
    assert_eq!(inserts("", "/ip address add comment=x co"), "py-from=");
    assert_eq!(inserts("", "/ip address print detail de"), "");
}

#[test]
fn values_complete_from_the_type_and_the_configuration() {
    assert_eq!(
        tab("", "/ip address add interface=eth"),
        (String::from("er"), strings(&["ether1", "ether2"]))
    );
    assert_eq!(inserts("", "/ip address add interface=ether2"), " ");
    // Abbreviated property names find their values too.
    assert_eq!(inserts("", "/ip address add int=ether1"), " ");
    assert_eq!(inserts("", "/ip firewall filter add action=dr"), "op ");
    assert_eq!(inserts("", "/ip address add disabled=y"), "es ");
    assert_eq!(
        tab("", "/ip address add disabled="),
        (String::new(), strings(&["no", "yes"]))
    );
    // Negated references.
    assert_eq!(
        inserts("", "/ip firewall filter add in-interface=!ether1"),
        " "
    );
    // Interface lists: the built-in ones.
    assert_eq!(
        inserts("", "/ip firewall filter add in-interface-list=no"),
        "ne "
    );
    // An element of a comma list completes without a space, so the list can go on.
    assert_eq!(
        inserts(
            "",
            "/ip firewall filter add connection-state=established,rel"
        ),
        "ated"
    );
    assert_eq!(
        inserts("", "/ip firewall filter add tcp-flags=syn,!ac"),
        "k"
    );
    // Built-in chains and the chains rules already use; protocols; address lists in use.
    assert_eq!(
        tab("", "/ip firewall filter add chain=f"),
        (String::new(), strings(&["forward", "from-lan"]))
    );
    assert_eq!(inserts("", "/ip firewall nat add chain=src"), "nat ");
    assert_eq!(inserts("", "/ip firewall filter add protocol=ic"), "mp");
    assert_eq!(
        inserts("", "/ip firewall filter add src-address-list=bl"),
        "ocked "
    );
    // Open syntaxes have nothing to offer.
    assert_eq!(
        tab("", "/ip address add address=1"),
        (String::new(), Vec::new())
    );
}

#[test]
fn items_complete_by_name_where_a_command_takes_them() {
    assert_eq!(
        tab("", "/interface set eth"),
        (String::from("er"), strings(&["ether1", "ether2"]))
    );
    assert_eq!(inserts("", "/interface disable ether1"), " ");
    // Once the item is there, the rest are properties.
    assert_eq!(
        tab("", "/interface set ether1 eth"),
        (String::new(), Vec::new())
    );
    // `get ITEM` is followed by a property name.
    assert_eq!(inserts("", "/interface get ether1 mt"), "u ");
    assert_eq!(inserts("", "/system identity get na"), "me ");
    assert_eq!(inserts("", "/interface get ether1 value-name=mt"), "u ");
}

#[test]
fn print_and_export_modifiers() {
    assert_eq!(inserts("", "/ip address print det"), "ail ");
    assert_eq!(inserts("", "/ip address print count"), "-only ");
    assert_eq!(inserts("", "/export verb"), "ose ");
    assert_eq!(inserts("", "/ip address export fi"), "le=");
    assert_eq!(inserts("", "/system resource print with"), "out-paging ");
}

#[test]
fn where_expressions_complete_properties_and_their_values() {
    assert_eq!(inserts("", "/ip address print where interf"), "ace");
    assert_eq!(
        inserts("", "/ip address print where interface=ether1 and dis"),
        "abled"
    );
    assert_eq!(
        tab("", "/ip address print where interface=eth").1,
        strings(&["ether1", "ether2"])
    );
    assert_eq!(inserts("", "/interface print where name!=ether"), "");
    assert_eq!(
        tab("", "/interface print where name!=ether").1,
        strings(&["ether1", "ether2"])
    );
}

#[test]
fn substitutions_and_blocks_complete_their_own_commands() {
    // `[ ... ]` runs in the menu of the command around it.
    assert_eq!(
        tab("", "/ip address set [find interface=eth").1,
        strings(&["ether1", "ether2"])
    );
    assert_eq!(inserts("", "/interface set [ fi"), "nd ");
    // After a closed substitution, the command around it goes on.
    assert_eq!(inserts("", "/ip address set [find] comm"), "ent=");
    assert_eq!(inserts("", ":if (true) do={/ip addr"), "ess ");
    assert_eq!(inserts("", "/ip address print; /ip rou"), "te ");
    assert_eq!(inserts("", "/ip address print\n/sys"), "tem ");
    // A line continued with `\` is one command.
    assert_eq!(inserts("", "/ip address add \\\ninter"), "face=");
    assert_eq!(inserts("", "/interface set \\\neth"), "er");
    assert_eq!(inserts("", "/interface set et\\\n    her1 mt"), "u=");
    assert_eq!(inserts("", "/interface set et\\\n    her2"), " ");
    // Scripting commands.
    assert_eq!(inserts("", ":fore"), "ach ");
    assert_eq!(tab("", ":put ab"), (String::new(), Vec::new()));
}

#[test]
fn quotes_and_expressions_complete_nothing() {
    assert!(in_quotes("add comment=\"abc"));
    assert!(!in_quotes("add comment=\"abc\" "));
    assert!(in_quotes("add comment=\"a\\\"b"));
    assert!(!in_quotes("add comment=\"a\\\\\""));
    assert_eq!(
        tab("", "/ip address add comment=\"inter"),
        (String::new(), Vec::new())
    );
    assert_eq!(tab("", ":if (tr"), (String::new(), Vec::new()));
    assert_eq!(tab("", "$ab"), (String::new(), Vec::new()));
}

#[test]
fn columns_fill_the_screen_row_by_row() {
    let words = strings(&["dhcp-client", "dhcp-server", "dns"]);
    assert_eq!(columns(&words, 80), ["dhcp-client  dhcp-server  dns"]);
    assert_eq!(columns(&words, 28), ["dhcp-client  dhcp-server", "dns"]);
    // A word wider than the screen still gets a line of its own.
    assert_eq!(columns(&words, 3), ["dhcp-client", "dhcp-server", "dns"]);
    assert!(columns(&[], 80).is_empty());
}

fn help_text(current: &str, text: &str) -> String {
    help(&config(), current, text).join("\n")
}

#[test]
fn help_at_a_menu_lists_its_menus_and_commands() {
    let root = help_text("", "");
    assert!(
        root.starts_with("Change to a menu or run a command\n\n"),
        "{root}"
    );
    assert!(
        root.contains("\nip/ -- IP settings and services\n"),
        "{root}"
    );
    assert!(
        root.contains("\nexport -- Print or save an export script"),
        "{root}"
    );
    assert!(!root.contains(".. --"), "{root}");
    let ip = help_text("", "/ip ");
    assert!(
        ip.starts_with("IP settings and services\n\n.. -- go up to root\n"),
        "{ip}"
    );
    assert!(ip.contains("\naddress/ -- IP address management\n"), "{ip}");
    assert_eq!(help_text("ip", ""), ip);
    let filter = help_text("", "/ip/firewall/filter/");
    assert!(filter.contains(".. -- go up to ip/firewall"), "{filter}");
    assert!(
        filter.contains("\nmove -- Move items before another item"),
        "{filter}"
    );
    // A word that names one menu or command: its help; an ambiguous one: the matching entries.
    assert_eq!(help_text("", "/ip address"), help_text("", "/ip address "));
    assert_eq!(help_text("", "/ip ad"), help_text("", "/ip address "));
    let d = help_text("", "/ip d");
    assert_eq!(
        d,
        "IP settings and services\n\ndhcp-client/ -- DHCP clients\n\
         dhcp-server/ -- DHCP servers\ndns/ -- DNS client and cache"
    );
    assert!(help_text("", "/ip zz").contains("address/ --"));
    assert!(help_text("", ":").contains(":foreach -- "));
}

#[test]
fn help_after_a_command_lists_its_arguments() {
    let add = help_text("", "/ip address add ");
    assert_eq!(
        add,
        "Create a new item\n\n\
         address -- A.B.C.D/M (address and prefix length)\n\
         comment -- text (in quotes when it holds blanks)\n\
         copy-from -- item whose values the new one starts from\n\
         disabled -- yes | no\n\
         interface -- name of an item of /interface\n\
         network -- A.B.C.D"
    );
    let set = help_text("", "/interface set ");
    assert!(set.contains("\nnumbers -- items: "), "{set}");
    assert!(set.contains("\nmtu -- integer 68..9000"), "{set}");
    let filter = help_text("", "/ip firewall filter add ");
    assert!(
        filter.contains("\nin-interface -- [!]name of an item of /interface\n"),
        "{filter}"
    );
    assert!(
        filter.contains("\naction -- accept | add-dst-to-address-list"),
        "{filter}"
    );
    let print = help_text("", "/ip address print ");
    assert!(
        print.contains("\ndetail -- print every property of every item"),
        "{print}"
    );
    // A partial argument name shows the arguments it starts.
    assert_eq!(
        help_text("", "/ip address add co"),
        "Create a new item\n\n\
         comment -- text (in quotes when it holds blanks)\n\
         copy-from -- item whose values the new one starts from"
    );
}

#[test]
fn help_after_name_equals_shows_the_value_syntax_and_choices() {
    assert_eq!(
        help_text("", "/ip address add interface="),
        "interface ::= name of an item of /interface\n  ether1  ether2"
    );
    assert_eq!(
        help_text("", "/ip address add disabled="),
        "disabled ::= yes | no"
    );
    assert_eq!(
        help_text("", "/ip address add address=10.0"),
        "address ::= A.B.C.D/M (address and prefix length)"
    );
    let action = help_text("", "/ip firewall nat add action=");
    assert!(
        action.starts_with("action ::= one of\n  accept "),
        "{action}"
    );
    assert!(action.contains(" masquerade "), "{action}");
    // The argument name alone, without `=`, shows the same.
    assert_eq!(
        help_text("", "/ip address add disabled"),
        "disabled ::= yes | no"
    );
    assert_eq!(
        help_text("", "/ip address print where interface="),
        "interface ::= name of an item of /interface\n  ether1  ether2"
    );
    assert_eq!(help_text("", "/ip address add zz="), "");
}

#[test]
fn help_where_completion_cannot_go() {
    assert_eq!(help_text("", "/nonsense "), "");
    assert_eq!(help_text("", ":if ("), "");
}

#[test]
fn protocol_names_are_the_ones_rules_accept() {
    for name in PROTOCOLS {
        assert!(
            netstack::firewall::protocol_number(name).is_some(),
            "{name}"
        );
    }
}

#[test]
fn every_menu_and_command_has_a_description() {
    let mut paths = alloc::vec![String::new()];
    let mut at = 0;
    while let Some(path) = paths.get(at).cloned() {
        assert!(!lookup(MENU_HELP, &path).is_empty(), "menu {path:?}");
        for command in commands_at(&path) {
            assert!(
                !lookup(COMMAND_HELP, command).is_empty(),
                "{path} {command}"
            );
        }
        for child in menus::children(&path) {
            paths.push(join(&path, child));
        }
        at += 1;
    }
}

/// Text that looks like console input: CLI words, quotes, brackets, escapes, separators.
fn console_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("/ip"),
        Just("/ip/firewall/"),
        Just(" address"),
        Just(" add"),
        Just(" set"),
        Just(" print"),
        Just(" where"),
        Just(" interface="),
        Just("chain="),
        Just("ether"),
        Just("!"),
        Just(","),
        Just("="),
        Just(" "),
        Just("\""),
        Just("\\"),
        Just("["),
        Just("]"),
        Just("{"),
        Just("}"),
        Just("("),
        Just(")"),
        Just(";"),
        Just("\n"),
        Just(".."),
        Just(":"),
        Just("$"),
        Just("?"),
        Just("é"),
    ];
    prop_oneof![
        proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat()),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn any_text_at_any_cursor_is_answered_without_panicking(
        text in console_text(),
        cursor in 0usize..200,
        current in prop_oneof![Just(""), Just("ip"), Just("ip/firewall/filter"), Just("nonsense")],
    ) {
        let config = config();
        let mut cut = cursor.min(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let before = &text[..cut];
        let completion = complete(&config, current, before);
        prop_assert!(completion.candidates.len() <= MAX_CANDIDATES);
        // Tab on an ambiguous word goes as far as the candidates agree: a second Tab adds nothing and
        // offers the same candidates.
        if completion.candidates.len() > 1 {
            let again = complete(&config, current, &format!("{before}{}", completion.insert));
            prop_assert_eq!(again.insert, "");
            prop_assert_eq!(again.candidates, completion.candidates);
        }
        let _ = help(&config, current, before);
        let _ = in_quotes(before);
    }
}
