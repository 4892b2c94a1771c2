//! The appliance boots from the one image under BIOS and UEFI, reaches the login prompt and, logged in,
//! the console prompt, answers `/system resource print`, reboots and powers off on command, and idles
//! instead of spinning.

use std::time::{Duration, Instant};

use tests::*;

fn boot(firmware: Firmware) -> Vm {
    boot_and_login(&config(KernelFlavor::Appliance, firmware))
}

/// Boots with `firmware`, checks the banner and reports the boot time (QEMU start to prompt).
fn boots_to_prompt(firmware: Firmware) {
    let vm = boot(firmware);
    let output = vm.output();
    assert!(output.contains("booted in"), "no boot banner:\n{output}");
    let accel = qemu_runner::detect_accel();
    println!(
        "boot time (QEMU start -> prompt, {firmware:?}, {accel:?}): {} ms",
        vm.elapsed().as_millis()
    );
}

#[test]
fn bios_boot_reaches_prompt() {
    boots_to_prompt(Firmware::Bios);
}

#[test]
fn uefi_boot_reaches_prompt() {
    boots_to_prompt(Firmware::Uefi);
}

#[test]
fn system_resource_print_reports_plausible_values() {
    let mut vm = boot(Firmware::Bios);
    std::thread::sleep(Duration::from_secs(2));
    let listing = run_command(&mut vm, "/system resource print");
    let get = |key| property(&listing, key).unwrap_or_else(|| panic!("no {key} in:\n{listing}"));

    let uptime = parse_duration(get("uptime")).expect("uptime format");
    assert!(
        uptime >= 1 && uptime <= vm.elapsed().as_secs() + 1,
        "uptime {uptime}s after {:?}",
        vm.elapsed()
    );
    let total = parse_size(get("total-memory")).expect("total-memory format");
    let free = parse_size(get("free-memory")).expect("free-memory format");
    // QEMU runs with -m 128M; firmware and the kernel image take some of it.
    assert!(
        (96.0 * 1048576.0..=128.0 * 1048576.0).contains(&total),
        "total-memory {total}"
    );
    assert!(free > 0.0 && free < total, "free-memory {free} of {total}");
    assert!(
        get("version").starts_with(env!("CARGO_PKG_VERSION")),
        "version {}",
        get("version")
    );
    assert_eq!(get("cpu-count"), "1");
    assert_eq!(get("architecture-name"), "x86_64");
    assert_eq!(get("board-name"), "CHR");
    assert!(!get("cpu").is_empty());
    let mhz: u32 = get("cpu-frequency")
        .trim_end_matches("MHz")
        .parse()
        .expect("cpu-frequency format");
    assert!((50..=20_000).contains(&mhz), "cpu-frequency {mhz}MHz");
    let load: u32 = get("cpu-load")
        .trim_end_matches('%')
        .parse()
        .expect("cpu-load format");
    assert!(load <= 100);

    // Both path spellings reach the same command.
    let again = run_command(&mut vm, "/system/resource/print");
    assert_eq!(property(&again, "total-memory"), Some(get("total-memory")));
}

#[test]
fn console_echoes_input_and_rejects_unknown_commands() {
    let mut vm = boot(Firmware::Bios);
    let answer = run_command(&mut vm, "/foo bar");
    assert!(answer.contains("/foo bar"), "input not echoed: {answer:?}");
    assert!(
        answer.contains("bad command name foo (line 1 column 2)"),
        "unexpected answer: {answer:?}"
    );
}

#[test]
fn console_survives_garbage_input() {
    let mut vm = boot(Firmware::Bios);
    // Every byte value, then 16 KiB from a fixed-seed LCG: control characters, escape sequences, non-ASCII,
    // overlong lines. Nothing may crash the appliance or confirm a reboot/shutdown (no command asks).
    let mut garbage: Vec<u8> = (0..=255u8).collect();
    let mut state: u32 = 0x2545_f491;
    garbage.extend((0..16_384).map(|_| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (state >> 24) as u8
    }));
    vm.send_bytes(&garbage).unwrap();
    // Ctrl-C abandons whatever partial line, escape sequence or login dialog is left; Ctrl-D then logs
    // out if the garbage's own Ctrl-Ds did not (at the login prompt it does nothing). Every login the
    // garbage attempts costs a password hash, so on a loaded host working through it takes a while:
    // the console must fall quiet first.
    // After the flood the first Ctrl-C and marker are sometimes not answered at all within the
    // timeout (about a third of runs here, with the code of before the REST work too; where they wait,
    // in QEMU's serial backend or in the kernel, is not known yet), while the next ones are: so the
    // marker is sent again, after another Ctrl-C and Ctrl-D, until one is echoed at the login prompt.
    // A console that died answers none.
    let deadline = Instant::now() + BOOT_TIMEOUT;
    for attempt in 1.. {
        vm.send_bytes(b"\x03").unwrap();
        wait_quiet(&vm, Duration::from_secs(2), BOOT_TIMEOUT);
        vm.send_bytes(b"\x04").unwrap();
        wait_quiet(&vm, Duration::from_secs(1), COMMAND_TIMEOUT);
        // A user name the garbage cannot have typed marks where the login below starts.
        let marker = format!("after-the-garbage-{attempt}");
        vm.send(&format!("{marker}\r")).unwrap();
        match vm.wait_for(&format!("{marker}\r\nPassword: "), COMMAND_TIMEOUT) {
            Ok(_) => break,
            Err(e) if Instant::now() >= deadline => panic!("{e}"),
            Err(_) => {
                eprintln!("console_survives_garbage_input: marker {attempt} not echoed, again")
            }
        }
    }
    vm.send("\r").unwrap();
    vm.wait_for(
        &format!("{LOGIN_FAILED}\r\n\r\n{LOGIN_PROMPT}"),
        COMMAND_TIMEOUT,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Then a real login and a real command must work.
    login(&mut vm);
    let listing = run_command(&mut vm, "/system resource print");
    assert!(listing.contains("architecture-name: x86_64"), "{listing}");
}

#[test]
fn system_reboot_restarts_the_machine() {
    let mut vm = boot(Firmware::Bios);
    vm.send("/system reboot\r").unwrap();
    vm.wait_for("Reboot, yes? [y/N]:", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    vm.send("y").unwrap();
    vm.wait_for("system will reboot shortly", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    vm.wait_for("booted in", BOOT_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    vm.wait_for(LOGIN_PROMPT, BOOT_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    login(&mut vm);
}

#[test]
fn system_shutdown_powers_off() {
    for firmware in [Firmware::Bios, Firmware::Uefi] {
        let mut vm = boot(firmware);
        vm.send("/system shutdown\r").unwrap();
        vm.wait_for("Shutdown, yes? [y/N]:", COMMAND_TIMEOUT)
            .unwrap_or_else(|e| panic!("{e}"));
        vm.send("y").unwrap();
        let status = vm
            .wait_exit(COMMAND_TIMEOUT)
            .unwrap_or_else(|e| panic!("{firmware:?}: {e}"));
        // QEMU exits with 0 when the guest powers off through ACPI.
        assert!(
            status.success(),
            "{firmware:?}: QEMU exited with {status}:\n{}",
            vm.output()
        );
    }
}

#[test]
fn declining_the_confirmation_keeps_running() {
    let mut vm = boot(Firmware::Bios);
    vm.send("/system shutdown\r").unwrap();
    vm.wait_for("Shutdown, yes? [y/N]:", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    vm.send("n").unwrap();
    vm.wait_for(PROMPT, COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    let listing = run_command(&mut vm, "/system resource print");
    assert!(
        property(&listing, "uptime").is_some(),
        "appliance stopped answering:\n{listing}"
    );
}

#[test]
fn pci_devices_are_enumerated_and_logged() {
    for (model, id) in [
        (NicModel::VirtioNet, "1af4:1000"),
        (NicModel::E1000, "8086:100e"),
    ] {
        let mut config = config(KernelFlavor::Appliance, Firmware::Bios);
        config.nic_model = model;
        let vm = boot_until(&config, LOGIN_PROMPT);
        let output = vm.output();
        let nics = output
            .lines()
            .filter(|l| l.contains("pci: ") && l.contains(id))
            .count();
        assert_eq!(
            nics, 2,
            "{model:?}: expected two {id} NICs in the boot log:\n{output}"
        );
        assert!(
            output.contains("pci: 00:00.0 8086:1237"),
            "no i440FX host bridge in the boot log:\n{output}"
        );
        assert!(
            output.lines().any(|l| l.contains(id) && l.contains("BAR")),
            "NIC BARs not logged:\n{output}"
        );
    }
}

/// QEMU's CPU time over a few idle seconds, as a share of wall time: a guest that halts when idle costs a
/// small fraction of a core even under TCG; a spinning one costs a whole core.
#[test]
fn idle_appliance_halts_instead_of_spinning() {
    let vm = boot(Firmware::Bios);
    let pid = vm.pid();
    let cpu_seconds = || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("QEMU's /proc stat");
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .expect("stat format")
            .1
            .split_whitespace()
            .collect();
        // utime and stime are fields 14 and 15 of /proc/PID/stat (here 12 and 13 after the command name).
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        ticks as f64 / 100.0
    };
    std::thread::sleep(Duration::from_secs(2));
    let (cpu_before, wall_before) = (cpu_seconds(), Instant::now());
    std::thread::sleep(Duration::from_secs(5));
    let share = (cpu_seconds() - cpu_before) / wall_before.elapsed().as_secs_f64();
    println!("idle QEMU CPU share: {:.0}%", share * 100.0);
    assert!(
        share < 0.5,
        "QEMU used {:.0}% of a core while the appliance was idle",
        share * 100.0
    );
}

/// Waits until the console has printed nothing for `quiet`, or panics with the transcript after
/// `timeout`.
fn wait_quiet(vm: &Vm, quiet: Duration, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    let mut seen = vm.output().len();
    let mut since = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let now = vm.output().len();
        if now != seen {
            seen = now;
            since = Instant::now();
        } else if since.elapsed() >= quiet {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the console never fell quiet:\n{}",
            vm.output()
        );
    }
}
