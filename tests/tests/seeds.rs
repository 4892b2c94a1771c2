//! The seed documents' RouterOS blocks pasted on the booted appliance's serial console, as a RouterOS user
//! follows each document: one document at a time on an emptied configuration (`/system reset-configuration
//! no-defaults=yes`), every line of its blocks typed as it stands — comments, blank lines, `\` continuations
//! and `{ }` blocks included. Each line must print exactly what a RouterOS router prints for it: nothing,
//! or, for the lines the documents get wrong, RouterOS's error (a `/ip network` menu that does not exist, an
//! argument RouterOS does not have, v7's missing `ipv6` package, a shell `$(...)`). What the documents
//! configure then reads back through `print`, a backup script in the documents' style writes its export
//! to the file area, and the last document's configuration is the same after a reboot.
//!
//! The blocks are the copies kept in the CLI fuzz corpus (`config/fuzz/corpus/script/seed*.rsc`), which a
//! `config` test keeps equal to the documents.

use tests::*;

/// One block of a seed document.
struct Block {
    name: &'static str,
    text: &'static str,
}

macro_rules! block {
    ($name:literal) => {
        Block {
            name: $name,
            text: include_str!(concat!("../../config/fuzz/corpus/script/", $name)),
        }
    };
}

/// A seed document as a user applies it.
struct Document {
    name: &'static str,
    /// Typed first: what the document assumes about the router (seed 000 calls its WAN `ether1-gateway`).
    preamble: &'static [&'static str],
    blocks: &'static [Block],
    /// The lines that print something: (block, line number from 1, what it prints).
    printed: &'static [(&'static str, usize, &'static str)],
    /// Commands run afterwards and text their output must contain.
    checks: &'static [(&'static str, &'static [&'static str])],
}

const DOCUMENTS: &[Document] = &[
    Document {
        name: "000 (firewall, NAT, mangle, backup script and scheduler)",
        preamble: &["/interface ethernet set ether1 name=ether1-gateway"],
        blocks: &[
            block!("seed000-firewall-rules.rsc"),
            block!("seed000-backup-script-block.rsc"),
        ],
        printed: &[(
            // `... policy=...,password management`: a second value where none is taken.
            "seed000-backup-script-block.rsc",
            16,
            "expected end of command (line 1 column 181)",
        )],
        checks: &[
            ("/ip firewall filter print count-only", &["7"]),
            (
                "/ip firewall filter print where disabled",
                &["X  ;;; Allow Winbox access from WAN", "dst-port=8291"],
            ),
            (
                "/ip firewall nat print",
                &["action=masquerade out-interface=ether1-gateway"],
            ),
            (
                "/ip firewall mangle print",
                &["new-packet-mark=low-priority passthrough=yes"],
            ),
            (
                "/system script print",
                &["name=daily_config_backup", "/export file="],
            ),
        ],
    },
    Document {
        name: "001 (SOHO routing, DHCP, DNS, scheduler)",
        preamble: &[],
        blocks: &[
            block!("seed001-routing.rsc"),
            block!("seed001-scheduler.rsc"),
            block!("seed001-shell-substitution-error.rsc"),
        ],
        printed: &[
            // A DHCP client assigns the WAN address; 0.0.0.0/0 is no interface address.
            (
                "seed001-routing.rsc",
                9,
                "invalid value for argument address",
            ),
            // The LAN address typed while the menu is still /ip dhcp-client.
            (
                "seed001-routing.rsc",
                14,
                "expected end of command (line 1 column 50)",
            ),
            // `$(...)` is shell syntax, not RouterOS's.
            (
                "seed001-shell-substitution-error.rsc",
                2,
                "syntax error (line 1 column 28)",
            ),
        ],
        checks: &[
            ("/ip dhcp-client print", &["ether1-wan"]),
            (
                "/ip route print",
                &["Default Route to Internet via WAN", "ether1-wan"],
            ),
            (
                "/ip dns print",
                &["servers: 8.8.8.8,8.8.4.4", "allow-remote-requests: yes"],
            ),
            (
                "/ip dhcp-server print",
                &["dhcp_server_lan", "ether2-lan", "dhcp_pool_lan"],
            ),
            (
                "/system scheduler print detail",
                &["name=DailyConfigBackup", "interval=1d", "next-run="],
            ),
        ],
    },
    Document {
        name: "002 (IPv4 and IPv6 SOHO, management filter, backup script)",
        preamble: &[],
        blocks: &[
            block!("seed002-ipv4.rsc"),
            block!("seed002-ipv6.rsc"),
            block!("seed002-management-filter.rsc"),
            block!("seed002-wrapped-source-string.rsc"),
        ],
        printed: &[
            (
                "seed002-ipv4.rsc",
                24,
                "bad command name network (line 1 column 5)",
            ),
            // RouterOS v7 has IPv6 in its one `routeros` package.
            ("seed002-ipv6.rsc", 4, "no such item"),
            // The IPv4 part renamed the ports already.
            ("seed002-ipv6.rsc", 7, "no such item"),
            ("seed002-ipv6.rsc", 22, "no such item"),
        ],
        checks: &[
            ("/ipv6 firewall filter print count-only", &["3"]),
            (
                "/ipv6 address print",
                &["LAN IPv6 Address from Delegated Prefix (EUI-64)"],
            ),
            ("/ipv6 nd print", &["ra-interval=10s"]),
            ("/system package print", &["routeros"]),
            (
                "/ip firewall filter print",
                &[
                    "chain=input action=drop protocol=tcp dst-port=8291,22,80,443",
                    "in-interface=wan",
                ],
            ),
            ("/ip address print", &["192.168.88.1/24", "lan"]),
        ],
    },
    Document {
        name: "003 (connection tracking, backup expressions, scheduler, SYN cookies)",
        preamble: &[],
        blocks: &[
            block!("seed003-connection-tracking.rsc"),
            block!("seed003-local-expressions.rsc"),
            block!("seed003-scheduler.rsc"),
            block!("seed003-syncookie.rsc"),
        ],
        printed: &[
            // RouterOS calls it loose-tcp-tracking.
            (
                "seed003-connection-tracking.rsc",
                27,
                "expected end of command (line 1 column 5)",
            ),
            // `:system date` is no RouterOS command.
            (
                "seed003-local-expressions.rsc",
                3,
                "bad command name system (line 1 column 39)",
            ),
            // Nor is `/file directory`.
            (
                "seed003-local-expressions.rsc",
                7,
                "bad command name directory (line 1 column 7)",
            ),
        ],
        checks: &[(
            "/ip firewall connection tracking print",
            &[
                "max-entries: 8192",
                "tcp-syncookie: yes",
                "udp-stream-timeout: 3m",
            ],
        )],
    },
];

#[test]
fn the_seed_documents_pasted_on_the_console_give_routeros_answers_and_survive_a_reboot() {
    let config = config(KernelFlavor::Appliance, Firmware::Bios);
    let mut vm = boot_and_login(&config);
    for document in DOCUMENTS {
        reset(&mut vm);
        for line in document.preamble {
            assert_eq!(paste(&mut vm, line), "", "{}: {line}", document.name);
        }
        for block in document.blocks {
            for (index, line) in block.text.lines().enumerate() {
                let printed = paste(&mut vm, line);
                let expected = document
                    .printed
                    .iter()
                    .find(|(name, number, _)| *name == block.name && *number == index + 1)
                    .map_or(String::new(), |(_, _, text)| format!("{text}\r\n"));
                assert_eq!(
                    printed,
                    expected,
                    "{} {} line {}: {line}",
                    document.name,
                    block.name,
                    index + 1
                );
            }
        }
        assert_eq!(paste(&mut vm, "/"), "");
        for (command, needles) in document.checks {
            let output = paste(&mut vm, command);
            for needle in *needles {
                assert!(
                    output.contains(needle),
                    "{}: {command} lacks {needle:?}:\n{output}",
                    document.name
                );
            }
        }
    }

    // The documents' backup scripts name their export after today's date; one written the way they mean
    // it runs and leaves its file.
    let script = r#"/system script add name=backup source="/export file=(\"backup-\" . [/system clock get date])""#;
    assert_eq!(paste(&mut vm, script), "");
    assert_eq!(paste(&mut vm, "/system script run backup"), "");
    let date = paste(&mut vm, ":put [/system clock get date]");
    let files = paste(&mut vm, "/file print");
    assert!(
        files.contains(&format!("backup-{}.rsc", date.trim())),
        "{date:?}\n{files}"
    );

    let export = paste(&mut vm, "/export");
    reboot_and_login(&mut vm, "saved configuration, generation");
    assert_eq!(
        without_header(&paste(&mut vm, "/export")),
        without_header(&export)
    );
}

/// Empties the configuration, as before following a document on a new router.
fn reset(vm: &mut Vm) {
    vm.send("/system reset-configuration no-defaults=yes\r")
        .unwrap();
    vm.wait_for("Dangerous! Reset anyway? [y/N]: ", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    vm.send("y").unwrap();
    vm.wait_for(PROMPT, COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Types `line` and Enter, and returns what the console printed between the echo and the next prompt —
/// the command prompt of whatever menu, or the `\ ` of a continued line.
fn paste(vm: &mut Vm, line: &str) -> String {
    vm.send(&format!("{line}\r"))
        .unwrap_or_else(|e| panic!("cannot type on the console: {e}"));
    let seen = vm
        .wait_until(
            &format!("the prompt after {line:?}"),
            COMMAND_TIMEOUT,
            |text| {
                let echo_end = text.find("\r\n")? + 2;
                let after = &text[echo_end..];
                let last_line = &after[after.rfind("\r\n").map_or(0, |at| at + 2)..];
                let prompt = (last_line.starts_with("[admin@") && last_line.ends_with("> "))
                    || last_line == "\\ ";
                prompt.then_some(text.len())
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let echo_end = seen.find("\r\n").map_or(0, |at| at + 2);
    let last_line = seen.rfind("\r\n").map_or(0, |at| at + 2).max(echo_end);
    seen[echo_end..last_line].to_string()
}
