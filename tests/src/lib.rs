//! Shared harness for the system tests in `tests/tests/`: build each image once per test process, boot it
//! in QEMU with the console on pipes, and talk to it like a user at the serial console.
//!
//! `netns` puts real Linux hosts on both sides of a booted appliance (network namespaces, bridges, taps)
//! for the network tests.
//!
//! Timeouts are generous because everything runs under TCG on two shared cores; they bound a hung run,
//! they do not measure speed. Boot times are printed (run with `--nocapture` to see them) not asserted.

pub mod bench;
pub mod netns;
pub mod udhcpc;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use image_builder::ImageLayout;
pub use image_builder::KernelFlavor;
pub use qemu_runner::{DiskInterface, Firmware, NicModel, QemuConfig, Vm, VmError};

/// The appliance's root prompt.
pub const PROMPT: &str = "[admin@MikroTik] > ";
/// What the console shows at boot and after a logout (config::login).
pub const LOGIN_PROMPT: &str = "MikroTik Login: ";
/// What the console answers a wrong user name or password.
pub const LOGIN_FAILED: &str = "Login failed, incorrect username or password";
/// The password the tests give `admin` when the first login asks for one.
pub const TEST_PASSWORD: &str = "test-Passw0rd";
/// Upper bound for a boot to reach the prompt (TCG on a loaded two-core machine).
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(180);
/// Upper bound for a console command to answer.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the image of `flavor` once per test process and returns its path and layout.
pub fn image(flavor: KernelFlavor) -> (PathBuf, ImageLayout) {
    static APPLIANCE: OnceLock<Result<(PathBuf, ImageLayout), String>> = OnceLock::new();
    static TEST: OnceLock<Result<(PathBuf, ImageLayout), String>> = OnceLock::new();
    static NULL_FORWARD: OnceLock<Result<(PathBuf, ImageLayout), String>> = OnceLock::new();
    let cell = match flavor {
        KernelFlavor::Appliance => &APPLIANCE,
        KernelFlavor::Test => &TEST,
        KernelFlavor::NullForward => &NULL_FORWARD,
    };
    match cell.get_or_init(|| image_builder::build(flavor)) {
        Ok(built) => built.clone(),
        Err(message) => panic!("building the {flavor:?} image failed: {message}"),
    }
}

/// The SOHO router the network tests and benchmarks boot (`tests/fixtures/soho.rsc`).
pub const SOHO_RSC: &str = include_str!("../fixtures/soho.rsc");

/// The appliance image with `tests/fixtures/soho.rsc` baked in as its initial configuration, built once
/// per test process.
pub fn soho_image() -> PathBuf {
    static SOHO: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = SOHO.get_or_init(|| {
        let (base, _) = image(KernelFlavor::Appliance);
        // `bake_config` renames a finished copy into place, so a test process baking it never changes
        // an image another one is booting.
        let output = base.with_file_name("appliance-soho.img");
        image_builder::bake_config(&base, SOHO_RSC, &output).map(|_| output)
    });
    match built {
        Ok(path) => path.clone(),
        Err(message) => panic!("baking the SOHO configuration failed: {message}"),
    }
}

/// Like [`config`], but booting the SOHO router of [`soho_image`].
pub fn soho_config(firmware: Firmware) -> QemuConfig {
    let mut config = config(KernelFlavor::Appliance, firmware);
    config.image = soho_image();
    config
}

/// A QEMU configuration for tests: the user defaults, plus the debug-exit device, and a read-only disk
/// (writes go to a throw-away overlay, so concurrent tests can share one image).
pub fn config(flavor: KernelFlavor, firmware: Firmware) -> QemuConfig {
    let mut config = QemuConfig::new(image(flavor).0);
    config.firmware = firmware;
    config.debug_exit = true;
    config.snapshot = true;
    config
}

/// Boots `config` and waits for `text`, panicking with the console transcript on failure.
pub fn boot_until(config: &QemuConfig, text: &str) -> Vm {
    let mut vm = Vm::start(config).unwrap_or_else(|e| panic!("{e}"));
    vm.wait_for(text, BOOT_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    vm
}

/// Boots `config` to the login prompt and logs in as `admin` ([`login`]).
pub fn boot_and_login(config: &QemuConfig) -> Vm {
    let mut vm = boot_until(config, LOGIN_PROMPT);
    login(&mut vm);
    vm
}

/// Logs in as `admin` at the login prompt the console just showed (the caller waited for it), up to
/// the command prompt, panicking with the console transcript on failure. See [`try_login`].
pub fn login(vm: &mut Vm) {
    try_login(vm).unwrap_or_else(|e| panic!("{e}"));
}

/// Logs in as `admin` at the login prompt the console just showed: with the empty password of a
/// fresh install, choosing [`TEST_PASSWORD`] when the console asks for a new one (the first login);
/// when the empty password is refused (an earlier boot of this disk set it), with [`TEST_PASSWORD`].
/// Returns once the command prompt is there.
pub fn try_login(vm: &mut Vm) -> Result<(), String> {
    const NEW_PASSWORD: &str = "new password> ";
    let answer = |vm: &mut Vm, text: &str, then: &str| -> Result<String, String> {
        vm.send(&format!("{text}\r"))
            .map_err(|e| format!("cannot type on the console: {e}"))?;
        vm.wait_for(then, COMMAND_TIMEOUT)
            .map_err(|e| e.to_string())
    };
    answer(vm, "admin", "Password: ")?;
    let start = vm.output().len();
    vm.send("\r")
        .map_err(|e| format!("cannot type on the console: {e}"))?;
    // Which of the three answers the empty password got.
    let deadline = std::time::Instant::now() + COMMAND_TIMEOUT;
    let reply = loop {
        let output = vm.output();
        let after = output.get(start..).unwrap_or(&output);
        let first = [NEW_PASSWORD, PROMPT, LOGIN_FAILED]
            .into_iter()
            .filter_map(|needle| after.find(needle).map(|at| (at, needle)))
            .min();
        if let Some((_, needle)) = first {
            vm.wait_for(needle, COMMAND_TIMEOUT)
                .map_err(|e| e.to_string())?;
            break needle;
        }
        if std::time::Instant::now() >= deadline {
            return Err(format!(
                "no answer to the empty password; console:\n{after}"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    match reply {
        NEW_PASSWORD => {
            answer(vm, TEST_PASSWORD, "repeat new password> ")?;
            answer(vm, TEST_PASSWORD, PROMPT)?;
        }
        LOGIN_FAILED => {
            vm.wait_for(LOGIN_PROMPT, COMMAND_TIMEOUT)
                .map_err(|e| e.to_string())?;
            answer(vm, "admin", "Password: ")?;
            answer(vm, TEST_PASSWORD, PROMPT)?;
        }
        _ => {}
    }
    Ok(())
}

/// `/system reboot`, confirmed; waits for `boot_line` in the new boot's log (what the test wants to
/// see happen, such as `saved configuration, generation`) and the login prompt, and logs in again.
pub fn reboot_and_login(vm: &mut Vm, boot_line: &str) {
    vm.send("/system reboot\r")
        .unwrap_or_else(|e| panic!("cannot type on the console: {e}"));
    vm.wait_for("Reboot, yes? [y/N]:", COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    vm.send("y")
        .unwrap_or_else(|e| panic!("cannot type on the console: {e}"));
    vm.wait_for(boot_line, BOOT_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    vm.wait_for(LOGIN_PROMPT, BOOT_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    login(vm);
}

/// An export without its `# date by RouterOS` header line (it carries the time), to compare exports.
pub fn without_header(export: &str) -> String {
    export
        .lines()
        .filter(|l| !l.contains(" by RouterOS "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Types a command line and returns what the console printed up to the next prompt.
pub fn run_command(vm: &mut Vm, line: &str) -> String {
    vm.send(&format!("{line}\r"))
        .unwrap_or_else(|e| panic!("cannot type on the console: {e}"));
    vm.wait_for(PROMPT, COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The value of `key` in a RouterOS property list (`   key: value` lines).
pub fn property<'a>(listing: &'a str, key: &str) -> Option<&'a str> {
    listing.lines().find_map(|line| {
        let (k, v) = line.split_once(": ")?;
        (k.trim() == key).then(|| v.trim())
    })
}

/// Parses a RouterOS size (`123.4MiB`, `512.0KiB`, `1.0GiB`, `100B`) into bytes.
pub fn parse_size(text: &str) -> Option<f64> {
    let (number, unit) = text.split_at(text.find(|c: char| c.is_ascii_alphabetic())?);
    let scale = match unit {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some(number.parse::<f64>().ok()? * scale)
}

/// Parses a RouterOS duration (`1w2d3h4m5s`, `4m5s`, `0s`) into seconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let value: u64 = number.parse().ok()?;
        number.clear();
        total += value
            * match c {
                'w' => 604_800,
                'd' => 86_400,
                'h' => 3_600,
                'm' => 60,
                's' => 1,
                _ => return None,
            };
    }
    number.is_empty().then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_routeros_values() {
        assert_eq!(parse_size("123.5MiB"), Some(123.5 * 1048576.0));
        assert_eq!(parse_size("512B"), Some(512.0));
        assert_eq!(parse_size("12XB"), None);
        assert_eq!(
            parse_duration("1w2d3h4m5s"),
            Some(604_800 + 2 * 86_400 + 3 * 3_600 + 245)
        );
        assert_eq!(parse_duration("0s"), Some(0));
        assert_eq!(parse_duration("5"), None);
        assert_eq!(
            property("  uptime: 5s\r\n   version: 1", "version"),
            Some("1")
        );
    }
}
