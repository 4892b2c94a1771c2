//! The RouterOS CLI on the booted appliance's serial console, as a user types it: a seed configuration
//! pasted line by line, `print` and `export` of what was configured, the configuration surviving a reboot
//! (saved on the config partition), the CHR default on a fresh disk, a baked `.rsc`, and a broken `.rsc`
//! refused by the image builder with its line and column; line editing, Tab completion, `?` help and
//! safe mode (Ctrl-X, Ctrl-D undoing, a safe-mode change not surviving a reboot) on the way; the log,
//! followed live until Ctrl-C, and a `print interval=` repainting until `q`; the router's clock (the
//! host's date, through the real-time clock) and a scheduler item logging. Every test
//! logs in first ([`tests::login`]); one checks the login itself: a refused password, the new password
//! the first login asks for, `/quit`, Ctrl-D, `/password`, and the password surviving a reboot.

use tests::*;

/// Types `line` and returns the console output up to the next prompt (whatever menu it shows).
fn type_line(vm: &mut Vm, line: &str) -> String {
    vm.send(&format!("{line}\r"))
        .unwrap_or_else(|e| panic!("cannot type on the console: {e}"));
    vm.wait_for("> ", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The commands of seed 001 (a SOHO router: renamed ports, LAN address, default route, masquerade,
/// DNS, a DHCP pool, server and network), with the seed's comments and explanations left out.
const SEED_001: &[&str] = &[
    "/interface ethernet",
    "set [ find name=ether1 ] name=ether1-wan comment=\"WAN Interface - Connects to Internet\"",
    "set [ find name=ether2 ] name=ether2-lan comment=\"LAN Interface - Connects to Local Network\"",
    "/ip address",
    "add interface=ether2-lan address=192.168.88.1/24 network=192.168.88.0 comment=\"LAN IP - Gateway for local network\" disabled=no",
    "/ip route",
    "add gateway=ether1-wan distance=1 comment=\"Default Route to Internet via WAN\"",
    "/ip firewall nat",
    "add chain=srcnat out-interface=ether1-wan action=masquerade comment=\"NAT for LAN to Internet\"",
    "/ip dns",
    "set servers=8.8.8.8,8.8.4.4 allow-remote-requests=yes",
    "/ip pool",
    "add name=dhcp_pool_lan ranges=192.168.88.10-192.168.88.254 comment=\"DHCP Pool for LAN\"",
    "/ip dhcp-server",
    "add name=dhcp_server_lan interface=ether2-lan address-pool=dhcp_pool_lan lease-time=10m disabled=no",
    "/ip dhcp-server network",
    "add address=192.168.88.0/24 gateway=192.168.88.1 dns-server=192.168.88.1 comment=\"DHCP Network for LAN\"",
    "/",
];

#[test]
fn a_seed_configuration_typed_on_the_console_survives_a_reboot() {
    let mut config = config(KernelFlavor::Appliance, Firmware::Bios);
    // The overlay keeps the guest's writes for the life of this QEMU process, across the guest's reboot.
    config.snapshot = true;
    let mut vm = boot_and_login(&config);

    // A fresh disk starts with CHR's default: a DHCP client on ether1.
    let clients = run_command(&mut vm, "/ip dhcp-client print");
    assert!(clients.contains("ether1"), "{clients}");

    for line in SEED_001 {
        let output = type_line(&mut vm, line);
        let echo_end = output.find("\r\n").map_or(0, |at| at + 2);
        let printed = &output[echo_end..output.rfind('[').unwrap_or(output.len())];
        assert_eq!(printed, "", "{line:?} printed:\n{output}");
    }
    // Tab completes from the object model: a menu word, then the interface the seed renamed.
    vm.send("/ip addr\t").unwrap();
    vm.wait_for("/ip address ", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    vm.send("print where interface=ether2\t").unwrap();
    vm.wait_for("interface=ether2-lan ", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    let printed = type_line(&mut vm, "");
    assert!(printed.contains("192.168.88.1/24"), "{printed}");
    // `?` lists a menu's commands and gives the line back as it was typed.
    vm.send("/ip pool ?").unwrap();
    let help = vm
        .wait_for(&format!("{PROMPT}/ip pool "), COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(help.contains("\r\nadd -- Create a new item\r\n"), "{help}");
    vm.send("\x03").unwrap();
    vm.wait_for(PROMPT, COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    // Line editing: `/system print`, five times Left to before `print`, `identity ` typed there, Ctrl-E,
    // Enter: the edited command runs.
    let edited = run_command(
        &mut vm,
        &format!("/system print{}identity \x05", "\x1b[D".repeat(5)),
    );
    assert!(edited.contains("name: MikroTik"), "{edited:?}");

    let addresses = run_command(&mut vm, "/ip address print");
    assert!(
        addresses.contains(";;; LAN IP - Gateway for local network"),
        "{addresses}"
    );
    assert!(
        addresses.contains("192.168.88.1/24  192.168.88.0  ether2-lan"),
        "{addresses}"
    );
    // The counters are listed under the configured names.
    let stats = run_command(&mut vm, "/interface print stats");
    assert!(
        stats.contains(" ether1-wan ") && stats.contains(" ether2-lan "),
        "{stats}"
    );
    // The DHCP client followed the renamed interface.
    let clients = run_command(&mut vm, "/ip dhcp-client print");
    assert!(clients.contains("ether1-wan"), "{clients}");
    let nat = run_command(&mut vm, "/ip firewall nat print");
    assert!(
        nat.contains("chain=srcnat action=masquerade out-interface=ether1-wan"),
        "{nat}"
    );
    let errors = run_command(
        &mut vm,
        "/ip address add address=192.168.88.1/24 interface=ether2-lan",
    );
    assert!(
        errors.contains("failure: already have such address"),
        "{errors}"
    );
    let errors = run_command(
        &mut vm,
        "/ip address add address=10.0.0.1/24 interface=ether9",
    );
    assert!(
        errors.contains("input does not match any value of interface"),
        "{errors}"
    );
    let export = run_command(&mut vm, "/export");
    assert!(
        export.contains(
            "/ip pool\r\nadd comment=\"DHCP Pool for LAN\" name=dhcp_pool_lan \\\r\n    ranges=192.168.88.10-192.168.88.254\r\n"
        ),
        "{export}"
    );

    // Safe mode: Ctrl-X, an address added under the `<SAFE>` prompt, Ctrl-D undoes it.
    vm.send("\x18").unwrap();
    vm.wait_for(
        "[Safe Mode taken]\r\n[admin@MikroTik] <SAFE> ",
        COMMAND_TIMEOUT,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    vm.send("/ip address add address=10.99.0.1/24 interface=ether2-lan\r")
        .unwrap();
    vm.wait_for("<SAFE> ", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    vm.send("/ip address\r").unwrap();
    vm.wait_for("[admin@MikroTik] /ip/address<SAFE> ", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    vm.send("print\r").unwrap();
    let safe = vm
        .wait_for("/ip/address<SAFE> ", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(safe.contains("10.99.0.1/24"), "{safe}");
    vm.send("\x04").unwrap();
    vm.wait_for(
        "[Safe Mode released: its changes were undone]",
        COMMAND_TIMEOUT,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Ctrl-D also ended the session, as RouterOS logs out.
    vm.wait_for(LOGIN_PROMPT, COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    login(&mut vm);
    let undone = run_command(&mut vm, "/ip address print");
    assert!(!undone.contains("10.99.0.1"), "{undone}");
    assert!(undone.contains("192.168.88.1/24"), "{undone}");
    // A change in safe mode is not stored: the reboot below comes back without it.
    vm.send("\x18").unwrap();
    vm.wait_for("<SAFE> ", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    vm.send("/system identity set name=unsaved\r").unwrap();
    vm.wait_for("[admin@unsaved] <SAFE> ", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));

    reboot_and_login(&mut vm, "saved configuration, generation");
    let after = run_command(&mut vm, "/ip address print");
    assert!(
        after.contains("192.168.88.1/24  192.168.88.0  ether2-lan"),
        "{after}"
    );
    assert_eq!(
        without_header(&run_command(&mut vm, "/export")),
        without_header(&export)
    );
}

#[test]
fn a_baked_configuration_is_the_initial_one() {
    let mut vm = boot_and_login(&soho_config(Firmware::Bios));
    let lists = run_command(&mut vm, "/interface list member print");
    assert!(lists.contains("WAN   ether1"), "{lists}");
    let filter = run_command(&mut vm, "/ip firewall filter print count-only");
    assert!(filter.contains("\r\n9\r\n"), "{filter}");
    // `reset-configuration` goes back to the baked configuration.
    type_line(&mut vm, "/system identity set name=changed");
    assert!(type_line(&mut vm, "/system identity print").contains("changed"));
    vm.send("/system reset-configuration\r").unwrap();
    vm.wait_for("[y/N]:", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    vm.send("y").unwrap();
    vm.wait_for(PROMPT, COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    let identity = run_command(&mut vm, "/system identity print");
    assert!(identity.contains("name: MikroTik"), "{identity}");
    let filter = run_command(&mut vm, "/ip firewall filter print count-only");
    assert!(filter.contains("\r\n9\r\n"), "{filter}");
}

#[test]
fn a_broken_rsc_fails_the_build_with_its_line_and_column() {
    let (base, _) = image(KernelFlavor::Appliance);
    let output = base.with_file_name(format!("broken-{}.img", std::process::id()));
    let error = image_builder::bake_config(
        &base,
        "/ip address\nadd address=192.168.88.1/24 interface=ether2\nadd address=nonsense interface=ether2\n",
        &output,
    )
    .expect_err("a broken configuration must not be baked");
    let _ = std::fs::remove_file(&output);
    assert!(error.contains(":3:5:"), "{error}");
    assert!(
        error.contains("invalid value for argument address"),
        "{error}"
    );
}

/// Whether `line` is a `/log print` line of today (`hh:mm:ss topics message`) with these topics and a
/// message starting with `message`.
fn is_log_line(line: &str, topics: &str, message: &str) -> bool {
    let mut words = line.splitn(3, ' ');
    let time = words.next().unwrap_or("");
    let today = time.len() == 8
        && time.char_indices().all(|(at, c)| {
            if at % 3 == 2 {
                c == ':'
            } else {
                c.is_ascii_digit()
            }
        });
    today && words.next() == Some(topics) && words.next().is_some_and(|m| m.starts_with(message))
}

#[test]
fn the_log_shows_boot_lines_and_script_messages() {
    let mut vm = boot_and_login(&config(KernelFlavor::Appliance, Firmware::Bios));
    // `:log` prints nothing: RouterOS echoes only critical lines on the console.
    let logged = run_command(&mut vm, ":log info \"hello from the console\"");
    let printed = logged.split_once("\r\n").map_or("", |(_, rest)| rest);
    assert_eq!(printed, PROMPT, "{logged}");

    // The kernel's boot lines, under the system topic, then the console's line under script.
    let log = run_command(&mut vm, "/log print");
    assert!(
        log.lines()
            .any(|l| is_log_line(l, "system,info", "clock: TSC at ")),
        "{log}"
    );
    let last = log.lines().rev().nth(1).unwrap_or("");
    assert!(
        is_log_line(last, "script,info", "hello from the console"),
        "{log}"
    );

    let scripts = run_command(&mut vm, "/log print where topics~\"script\"");
    let lines: Vec<&str> = scripts
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with('['))
        .collect();
    assert_eq!(lines.len(), 1, "{scripts}");
    assert!(
        is_log_line(lines[0], "script,info", "hello from the console"),
        "{scripts}"
    );
    let count = run_command(&mut vm, "/log print count-only where message~\"TSC\"");
    assert!(count.contains("\r\n1\r\n"), "{count}");

    // Live views: `follow` prints the matching log under its status line until Ctrl-C, and
    // `interval=` prints again in place (up over what it printed) each interval until `q`.
    vm.send(":log info watching; /log print follow where message~\"watch\"\r")
        .unwrap();
    let followed = vm
        .wait_for("-- Ctrl-C to quit.", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(followed.contains(" script,info watching\r\n"), "{followed}");
    vm.send("\x03").unwrap();
    vm.wait_for(PROMPT, COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    vm.send("/system resource print interval=1s\r").unwrap();
    let first = vm
        .wait_for("-- [Q quit|C-c quit]", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(first.contains("uptime: "), "{first}");
    let again = vm
        .wait_for("-- [Q quit|C-c quit]", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(again.starts_with("\r\x1b["), "{again:?}");
    assert!(again.contains("uptime: "), "{again:?}");
    vm.send("q").unwrap();
    vm.wait_for(PROMPT, COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    let after = run_command(&mut vm, ":put done");
    assert!(after.contains("\r\ndone\r\n"), "{after}");

    let board = run_command(&mut vm, "/system routerboard print");
    assert!(board.contains("routerboard: no"), "{board}");

    // The router's clock comes from the real-time clock, which QEMU starts at the host's UTC: the
    // date is the host's (either side of a midnight passing meanwhile).
    let host_before = host_utc_date();
    let clock = run_command(&mut vm, "/system clock print");
    let host_after = host_utc_date();
    let date = property(&clock, "date").unwrap_or("");
    assert!(
        date == host_before || date == host_after,
        "host {host_before}/{host_after}:\n{clock}"
    );
    assert_eq!(property(&clock, "gmt-offset"), Some("+00:00"), "{clock}");
    let export = run_command(&mut vm, "/system identity export");
    assert!(export.contains(&format!("# {date} ")), "{export}");

    // A scheduler item every 5 s logs from the scheduler, without the console doing anything.
    run_command(
        &mut vm,
        "/system scheduler add name=tick interval=5s on-event=\":log info tick\"",
    );
    // Five seconds of the router's clock; under a loaded TCG host that can take longer than five of
    // ours, so the log is read until the line is there (or 60 s went by).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
        let ticks = run_command(&mut vm, "/log print where message=tick");
        if ticks.lines().any(|l| is_log_line(l, "script,info", "tick")) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{ticks}");
    }
    let scheduler = run_command(&mut vm, "/system scheduler print detail");
    assert!(scheduler.contains("next-run="), "{scheduler}");
    assert!(!scheduler.contains("run-count=0"), "{scheduler}");
}

/// Today's date in UTC on the host, `2026-11-22`.
fn host_utc_date() -> String {
    let output = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run date: {e}"));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Types `text` and Enter, then waits for `then`.
fn answer(vm: &mut Vm, text: &str, then: &str) -> String {
    vm.send(&format!("{text}\r"))
        .unwrap_or_else(|e| panic!("cannot type on the console: {e}"));
    vm.wait_for(then, COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_console_asks_for_a_login_and_a_new_password_that_survives_a_reboot() {
    let mut vm = boot_until(
        &config(KernelFlavor::Appliance, Firmware::Bios),
        LOGIN_PROMPT,
    );
    // A wrong password, then admin's empty one: the first login must choose a new password.
    answer(&mut vm, "admin", "Password: ");
    answer(&mut vm, "wrong", LOGIN_FAILED);
    vm.wait_for(LOGIN_PROMPT, COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    answer(&mut vm, "admin", "Password: ");
    answer(&mut vm, "", "Change your password\r\n\r\nnew password> ");
    answer(&mut vm, "first-Secret", "repeat new password> ");
    answer(
        &mut vm,
        "other-Secret",
        "Try again, error: New passwords do not match!\r\n\r\nnew password> ",
    );
    answer(&mut vm, "first-Secret", "repeat new password> ");
    answer(
        &mut vm,
        "first-Secret",
        &format!("Password changed\r\n{PROMPT}"),
    );
    // The password is kept hashed: not in print, not in export.
    let users = run_command(&mut vm, "/user print detail");
    assert!(
        users.contains("name=\"admin\"") || users.contains("name=admin"),
        "{users}"
    );
    assert!(!users.contains("password"), "{users}");
    let export = run_command(&mut vm, "/export show-sensitive");
    assert!(
        !export.contains("/user") && !export.contains("Secret"),
        "{export}"
    );
    // /quit goes back to the login prompt; the new password logs in, the empty one no longer.
    answer(&mut vm, "/quit", LOGIN_PROMPT);
    answer(&mut vm, "admin", "Password: ");
    answer(&mut vm, "", LOGIN_FAILED);
    vm.wait_for(LOGIN_PROMPT, COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    answer(&mut vm, "admin", "Password: ");
    answer(&mut vm, "first-Secret", PROMPT);
    // /password asks for the old and the new one.
    answer(&mut vm, "/password", "old-password: ");
    answer(&mut vm, "first-Secret", "new-password: ");
    answer(&mut vm, "second-Secret", "confirm-new-password: ");
    answer(&mut vm, "second-Secret", PROMPT);
    // Ctrl-D on an empty line logs out too.
    vm.send("\x04").unwrap();
    vm.wait_for(LOGIN_PROMPT, COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    answer(&mut vm, "admin", "Password: ");
    answer(&mut vm, "second-Secret", PROMPT);

    // The password was saved with the configuration: after a reboot it is still the one.
    answer(&mut vm, "/system reboot", "Reboot, yes? [y/N]:");
    vm.send("y").unwrap();
    vm.wait_for("booted in", BOOT_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    vm.wait_for(LOGIN_PROMPT, BOOT_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    answer(&mut vm, "admin", "Password: ");
    answer(&mut vm, "first-Secret", LOGIN_FAILED);
    vm.wait_for(LOGIN_PROMPT, COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    answer(&mut vm, "admin", "Password: ");
    answer(&mut vm, "second-Secret", PROMPT);
    // No password was ever echoed.
    let transcript = vm.output();
    assert!(!transcript.contains("Secret"), "{transcript}");
}
