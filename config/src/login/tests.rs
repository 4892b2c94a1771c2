use super::*;
use crate::cli::{self, Mode, Session};
use crate::resource::ResourceInfo;
use crate::shell::{Shell, TERMINAL_WIDTH_QUERY};

/// A stand-in for the kernel that keeps what was applied (and so saved) last.
#[derive(Default)]
pub(super) struct FakeSystem {
    pub(super) saved: Option<Config>,
    pub(super) applies: u32,
    pub(super) refuse: bool,
    /// What `/system reset-configuration` goes back to (the baked or default configuration).
    pub(super) reset_to: Option<Config>,
}

impl SystemControl for FakeSystem {
    fn resource(&self) -> ResourceInfo {
        ResourceInfo {
            uptime_ms: 0,
            version: String::from("7.16"),
            build_time: String::new(),
            free_memory: 0,
            total_memory: 0,
            cpu: String::new(),
            cpu_count: 1,
            cpu_frequency_mhz: 0,
            cpu_load_percent: 0,
            free_hdd_space: 0,
            total_hdd_space: 0,
            architecture_name: String::new(),
            board_name: String::new(),
            platform: String::new(),
        }
    }
    fn reboot(&mut self) {}
    fn shutdown(&mut self) {}
    fn apply(&mut self, config: &Config) -> Result<(), String> {
        if self.refuse {
            return Err(String::from("failure: storage is gone"));
        }
        self.applies += 1;
        self.saved = Some(config.clone());
        Ok(())
    }
    fn entropy(&self) -> u64 {
        0x1234_5678
    }
    fn initial_configuration(&self, _no_defaults: bool) -> Option<Config> {
        self.reset_to.clone()
    }
}

const LOGIN: &str = "MikroTik Login: ";
const PROMPT: &str = "[admin@MikroTik] > ";

/// A fresh install's configuration: the default user only.
pub(super) fn fresh() -> Config {
    let mut config = Config::new();
    ensure_default_user(&mut config);
    config
}

/// A console at the login prompt, with what `start` printed.
fn console() -> (Shell, String) {
    let mut shell = Shell::at_login();
    let mut out = String::new();
    shell.start(&mut out, &fresh());
    (shell, out)
}

/// Types `input` on `shell`, returning what the console printed.
fn typed(shell: &mut Shell, sys: &mut FakeSystem, config: &mut Config, input: &str) -> String {
    let mut out = String::new();
    for &byte in input.as_bytes() {
        shell.feed(byte, &mut out, sys, config);
    }
    out
}

/// Runs a command line as the console would, on `config`.
pub(super) fn run(config: &mut Config, sys: &mut FakeSystem, line: &str) -> String {
    let mut out = String::new();
    let mut session = Session::new();
    session.user = String::from("admin");
    cli::run(line, Mode::Interactive, config, &mut session, sys, &mut out);
    out
}

fn stored_password(config: &Config, name: &str) -> Option<String> {
    user(config, name).and_then(|i| i.get("password").map(String::from))
}

#[test]
fn a_fresh_configuration_has_admin_without_password() {
    let config = fresh();
    assert!(authenticate(&config, "admin", ""));
    assert!(!authenticate(&config, "admin", "admin"));
    assert!(!authenticate(&config, "root", ""));
    // Only once: a configuration with users is left alone.
    let mut again = config.clone();
    ensure_default_user(&mut again);
    assert_eq!(again, config);
    let mut sys = FakeSystem::default();
    let printed = run(&mut again, &mut sys, "/user print");
    assert!(printed.contains(";;; system default user"), "{printed}");
    assert!(printed.contains("admin  full"), "{printed}");
}

#[test]
fn user_passwords_are_stored_hashed_and_never_shown() {
    let mut config = fresh();
    let mut sys = FakeSystem::default();
    run(
        &mut config,
        &mut sys,
        "/user add name=joe group=read password=\"tiger 7\"",
    );
    run(&mut config, &mut sys, "/user set admin password=lion");
    let joe = stored_password(&config, "joe").unwrap();
    let admin = stored_password(&config, "admin").unwrap();
    assert!(
        joe.starts_with("pbkdf2-sha256$") && !joe.contains("tiger"),
        "{joe}"
    );
    assert!(
        admin.starts_with("pbkdf2-sha256$") && !admin.contains("lion"),
        "{admin}"
    );
    assert!(authenticate(&config, "joe", "tiger 7"));
    assert!(authenticate(&config, "admin", "lion"));
    assert!(!authenticate(&config, "admin", ""));
    // The saved configuration holds the hash, so it survives a restart.
    assert_eq!(sys.saved.as_ref(), Some(&config));
    // print, get, where and export do not show it.
    for command in [
        "/user print detail",
        "/user print terse",
        "/user print as-value",
        ":put [/user get admin]",
        "/user print where password~\"sha\"",
        "/export show-sensitive verbose",
        "/user export show-sensitive",
    ] {
        let printed = run(&mut config, &mut sys, command);
        assert!(
            !printed.contains("sha256") && !printed.contains("lion") && !printed.contains("tiger"),
            "{command}: {printed}"
        );
    }
    // A disabled user cannot log in.
    run(&mut config, &mut sys, "/user disable joe");
    assert!(!authenticate(&config, "joe", "tiger 7"));
    // copy-from keeps the hash as it is.
    run(&mut config, &mut sys, "/user add copy-from=admin name=lion");
    assert!(authenticate(&config, "lion", "lion"));
}

#[test]
fn the_last_full_user_cannot_be_removed() {
    let mut config = fresh();
    let mut sys = FakeSystem::default();
    let printed = run(&mut config, &mut sys, "/user remove admin");
    assert!(
        printed.contains("failure: can not remove the last user with full rights"),
        "{printed}"
    );
    assert!(authenticate(&config, "admin", ""));
    run(
        &mut config,
        &mut sys,
        "/user add name=boss group=full password=b",
    );
    assert_eq!(run(&mut config, &mut sys, "/user remove admin"), "");
    assert!(!authenticate(&config, "admin", ""));
}

#[test]
fn password_command_with_arguments_checks_old_and_confirmation() {
    let mut config = fresh();
    let mut sys = FakeSystem::default();
    let printed = run(
        &mut config,
        &mut sys,
        "/password old-password=wrong new-password=a confirm-new-password=a",
    );
    assert!(
        printed.contains("failure: old password is not valid"),
        "{printed}"
    );
    let printed = run(
        &mut config,
        &mut sys,
        "/password new-password=a confirm-new-password=b",
    );
    assert!(
        printed.contains("failure: new passwords do not match"),
        "{printed}"
    );
    assert!(authenticate(&config, "admin", ""));
    let printed = run(
        &mut config,
        &mut sys,
        "/password new-password=a confirm-new-password=a",
    );
    assert_eq!(printed, "");
    assert!(authenticate(&config, "admin", "a"));
    assert_eq!(sys.saved.as_ref(), Some(&config));
    // A script run without a login has nobody to change.
    let mut out = String::new();
    let result = cli::run(
        "/password new-password=x confirm-new-password=x",
        Mode::Batch,
        &mut config,
        &mut Session::new(),
        &mut sys,
        &mut out,
    );
    assert!(result.error.is_some(), "{out}");
    assert!(authenticate(&config, "admin", "a"));
}

#[test]
fn the_console_starts_at_the_login_prompt() {
    let (shell, out) = console();
    // With the question that asks the terminal how wide it is.
    assert_eq!(out, format!("{LOGIN}{TERMINAL_WIDTH_QUERY}"));
    assert!(!shell.logged_in());
    // The identity names the router at the prompt.
    let mut config = fresh();
    let mut sys = FakeSystem::default();
    run(&mut config, &mut sys, "/system identity set name=edge");
    assert_eq!(login_prompt(&config), "edge Login: ");
}

#[test]
fn a_wrong_name_or_password_is_refused_without_saying_which() {
    let (mut shell, _) = console();
    let mut config = fresh();
    run(
        &mut config,
        &mut FakeSystem::default(),
        "/user set admin password=pw",
    );
    let mut sys = FakeSystem::default();
    let failed = format!("{LOGIN_FAILED}\r\n\r\n{LOGIN}");
    let out = typed(&mut shell, &mut sys, &mut config, "root\r\n");
    assert_eq!(out, "root\r\nPassword: ");
    let out = typed(&mut shell, &mut sys, &mut config, "pw\r\n");
    // Nothing of the password is echoed.
    assert_eq!(out, format!("\r\n{failed}"));
    let out = typed(&mut shell, &mut sys, &mut config, "admin\rpW\r");
    assert_eq!(out, format!("admin\r\nPassword: \r\n{failed}"));
    assert!(!shell.logged_in());
    // Commands typed at the login prompt are user names, not commands.
    let out = typed(&mut shell, &mut sys, &mut config, "/system reboot\r\r");
    assert!(out.ends_with(&failed), "{out:?}");
    assert!(!shell.logged_in());
    let out = typed(&mut shell, &mut sys, &mut config, "admin\rpw\r");
    assert_eq!(out, format!("admin\r\nPassword: \r\n{PROMPT}"));
    assert!(shell.logged_in());
    assert_eq!(sys.applies, 0, "a login changes nothing");
}

#[test]
fn editing_the_name_and_the_hidden_password() {
    let (mut shell, _) = console();
    let mut config = fresh();
    run(
        &mut config,
        &mut FakeSystem::default(),
        "/user set admin password=pw",
    );
    let mut sys = FakeSystem::default();
    // Backspace erases on screen at the name, silently in the password; arrows and Tab do nothing.
    let out = typed(&mut shell, &mut sys, &mut config, "adx\x7fmin\x1b[D\t\r");
    assert_eq!(out, "adx\x08 \x08min\r\nPassword: ");
    let out = typed(&mut shell, &mut sys, &mut config, "pwq\x7f\x1b[A\r");
    assert_eq!(out, format!("\r\n{PROMPT}"));
    // An empty name asks again; Ctrl-C starts over.
    let (mut shell, _) = console();
    let out = typed(&mut shell, &mut sys, &mut config, "\radm\x03admin\rp\x03");
    assert_eq!(
        out,
        format!("\r\n{LOGIN}adm^C\r\n{LOGIN}admin\r\nPassword: ^C\r\n{LOGIN}")
    );
    // Input is bounded.
    let long = "a".repeat(MAX_INPUT * 4);
    let out = typed(&mut shell, &mut sys, &mut config, &long);
    assert_eq!(out.len(), MAX_INPUT);
}

#[test]
fn an_empty_password_must_be_changed_at_login() {
    let (mut shell, _) = console();
    let mut config = fresh();
    let mut sys = FakeSystem::default();
    let out = typed(&mut shell, &mut sys, &mut config, "admin\r\n\r\n");
    assert_eq!(
        out,
        "admin\r\nPassword: \r\n\r\nChange your password\r\n\r\nnew password> "
    );
    assert!(!shell.logged_in());
    // Two different entries, then an empty one: asked again, nothing echoed or stored.
    let out = typed(&mut shell, &mut sys, &mut config, "one\r\ntwo\r\n");
    assert_eq!(
        out,
        "\r\nrepeat new password> \r\nTry again, error: New passwords do not match!\r\n\r\nnew password> "
    );
    let out = typed(&mut shell, &mut sys, &mut config, "\r");
    assert_eq!(
        out,
        "\r\nTry again, error: New password can not be empty!\r\n\r\nnew password> "
    );
    assert_eq!(sys.applies, 0);
    assert!(authenticate(&config, "admin", ""));
    let out = typed(&mut shell, &mut sys, &mut config, "n3w\rn3w\r");
    assert_eq!(
        out,
        format!("\r\nrepeat new password> \r\nPassword changed\r\n{PROMPT}")
    );
    assert!(shell.logged_in());
    assert!(authenticate(&config, "admin", "n3w"));
    assert!(!authenticate(&config, "admin", ""));
    assert_eq!(sys.applies, 1);
    assert_eq!(sys.saved.as_ref(), Some(&config), "the change is saved");
}

#[test]
fn the_forced_change_cannot_be_skipped() {
    let (mut shell, _) = console();
    let mut config = fresh();
    let mut sys = FakeSystem::default();
    typed(&mut shell, &mut sys, &mut config, "admin\r\r");
    // Ctrl-C at either question goes back to the login prompt, not to the command line.
    let out = typed(&mut shell, &mut sys, &mut config, "abc\x03");
    assert_eq!(out, format!("^C\r\n{LOGIN}"));
    typed(&mut shell, &mut sys, &mut config, "admin\r\rabc\r");
    let out = typed(&mut shell, &mut sys, &mut config, "ab\x03");
    assert_eq!(out, format!("^C\r\n{LOGIN}"));
    assert!(!shell.logged_in());
    assert!(authenticate(&config, "admin", ""));
    // A system that cannot store the change keeps the old password and asks again.
    sys.refuse = true;
    let out = typed(&mut shell, &mut sys, &mut config, "admin\r\rpw\rpw\r");
    assert!(
        out.ends_with("failure: storage is gone\r\n\r\nnew password> "),
        "{out:?}"
    );
    assert!(authenticate(&config, "admin", ""));
    assert!(!shell.logged_in());
}

#[test]
fn quit_and_ctrl_d_log_out_and_forget_the_session() {
    let (mut shell, _) = console();
    let mut config = fresh();
    let mut sys = FakeSystem::default();
    typed(&mut shell, &mut sys, &mut config, "admin\r\rpw\rpw\r");
    assert!(shell.logged_in());
    let out = typed(&mut shell, &mut sys, &mut config, "/ip\r/quit\r\n");
    assert_eq!(
        out,
        format!("/ip\r\n[admin@MikroTik] /ip> /quit\r\n\r\n{LOGIN}{TERMINAL_WIDTH_QUERY}")
    );
    assert!(!shell.logged_in());
    // Back in: at the root, with no history to recall (Up does nothing at the command line).
    let out = typed(&mut shell, &mut sys, &mut config, "admin\rpw\r\x1b[A");
    assert_eq!(out, format!("admin\r\nPassword: \r\n{PROMPT}"));
    // Ctrl-D on a line with text erases under the cursor; on an empty line it logs out.
    let out = typed(&mut shell, &mut sys, &mut config, "x\x1b[D\x04\x04");
    assert_eq!(out, format!("x\x08 \x08\r\n{LOGIN}{TERMINAL_WIDTH_QUERY}"));
    assert!(!shell.logged_in());
    // Only the console's user can quit: a script cannot.
    let printed = run(&mut config, &mut sys, ":do { /quit }");
    assert!(printed.contains("not allowed in a script"), "{printed}");
}

#[test]
fn password_command_asks_without_echo() {
    let (mut shell, _) = console();
    let mut config = fresh();
    let mut sys = FakeSystem::default();
    typed(&mut shell, &mut sys, &mut config, "admin\r\rpw\rpw\r");
    let out = typed(
        &mut shell,
        &mut sys,
        &mut config,
        "/password\r\npw\r\nnext\r\nnext\r\n",
    );
    assert_eq!(
        out,
        format!(
            "/password\r\nold-password: \r\nnew-password: \r\nconfirm-new-password: \r\n{PROMPT}"
        )
    );
    assert!(authenticate(&config, "admin", "next"));
    // A wrong old password or a different confirmation changes nothing.
    let out = typed(&mut shell, &mut sys, &mut config, "/password\rpw\rx\rx\r");
    assert!(
        out.ends_with(&format!("failure: old password is not valid\r\n{PROMPT}")),
        "{out:?}"
    );
    let out = typed(&mut shell, &mut sys, &mut config, "/password\rnext\rx\ry\r");
    assert!(
        out.ends_with(&format!("failure: new passwords do not match\r\n{PROMPT}")),
        "{out:?}"
    );
    // Ctrl-C leaves the dialog, still logged in.
    let out = typed(&mut shell, &mut sys, &mut config, "/password\rnext\x03");
    assert_eq!(out, format!("/password\r\nold-password: ^C\r\n{PROMPT}"));
    assert!(shell.logged_in());
    assert!(authenticate(&config, "admin", "next"));
    // The passwords typed went neither into the history nor anywhere on screen.
    let out = typed(&mut shell, &mut sys, &mut config, "\x1b[A\x1b[A\x1b[A");
    assert!(!out.contains("next") && !out.contains("pw"), "{out:?}");
}

#[test]
fn another_user_logs_in_under_their_name() {
    let (mut shell, _) = console();
    let mut config = fresh();
    let mut sys = FakeSystem::default();
    run(
        &mut config,
        &mut sys,
        "/user add name=joe group=read password=j0e",
    );
    let out = typed(&mut shell, &mut sys, &mut config, "joe\rj0e\r");
    assert_eq!(out, "joe\r\nPassword: \r\n[joe@MikroTik] > ");
    let out = typed(
        &mut shell,
        &mut sys,
        &mut config,
        "/password\rj0e\rJ0E\rJ0E\r",
    );
    assert!(out.ends_with("[joe@MikroTik] > "), "{out:?}");
    assert!(authenticate(&config, "joe", "J0E"));
    assert!(authenticate(&config, "admin", ""), "admin is untouched");
}

#[test]
fn byte_soup_at_the_login_prompt_never_logs_in() {
    let (mut shell, _) = console();
    let mut config = fresh();
    run(
        &mut config,
        &mut FakeSystem::default(),
        "/user set admin password=pw",
    );
    let mut sys = FakeSystem::default();
    let mut out = String::new();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..30_000 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        shell.feed((state >> 56) as u8, &mut out, &mut sys, &mut config);
        assert!(!shell.logged_in());
        out.clear();
    }
    assert_eq!(sys.applies, 0);
}

#[test]
fn reset_configuration_keeps_the_users_only_when_asked() {
    for keep in [false, true] {
        let mut config = fresh();
        let mut sys = FakeSystem {
            reset_to: Some(fresh()),
            ..FakeSystem::default()
        };
        run(
            &mut config,
            &mut sys,
            "/user add name=ops group=full password=0ps",
        );
        run(
            &mut config,
            &mut sys,
            "/password old-password=\"\" new-password=s3cret confirm-new-password=s3cret",
        );
        run(&mut config, &mut sys, "/system identity set name=edge");
        run(
            &mut config,
            &mut sys,
            "/user group set read comment=\"auditors\"",
        );
        let (mut shell, _) = console();
        typed(&mut shell, &mut sys, &mut config, "admin\rs3cret\r");
        let line = if keep {
            "/system reset-configuration keep-users=yes\ry"
        } else {
            "/system reset-configuration\ry"
        };
        let out = typed(&mut shell, &mut sys, &mut config, line);
        assert!(
            out.contains("system configuration will be reset"),
            "{out:?}"
        );
        assert_eq!(
            config.singleton_value(
                crate::model::menus::menu("system/identity").unwrap(),
                "name"
            ),
            Some("MikroTik"),
            "the rest of the configuration is reset either way"
        );
        assert_eq!(authenticate(&config, "ops", "0ps"), keep);
        assert_eq!(authenticate(&config, "admin", "s3cret"), keep);
        assert_eq!(authenticate(&config, "admin", ""), !keep);
        let groups = crate::model::menus::menu("user/group").unwrap();
        let read = config
            .items(groups)
            .iter()
            .find(|g| g.get("name") == Some("read"))
            .expect("the read group always exists");
        assert_eq!(read.get("comment") == Some("auditors"), keep);
        assert_eq!(
            sys.saved.as_ref(),
            Some(&config),
            "what is running is what is saved"
        );
    }
}

#[test]
fn the_terminal_answers_how_wide_it_is_and_long_lines_wrap_at_that() {
    let (mut shell, _) = console();
    let mut config = fresh();
    let mut sys = FakeSystem::default();
    // The terminal's answer comes in while the user types the name; it is no key press.
    let out = typed(
        &mut shell,
        &mut sys,
        &mut config,
        "ad\x1b[24;40Rmin\r\rpw\rpw\r",
    );
    assert!(out.starts_with("admin\r\nPassword: "), "{out:?}");
    assert!(shell.logged_in());
    // The 19-column prompt and 21 characters fill the 40-column row: the cursor goes to the next row,
    // and Left comes back up to the end of the row above.
    let out = typed(
        &mut shell,
        &mut sys,
        &mut config,
        "/system identity prin\x1b[D",
    );
    assert_eq!(out, "/system identity prin\r\n\x1b[1A\x1b[39C");
    // An answer while a question waits is not the answer.
    let out = typed(
        &mut shell,
        &mut sys,
        &mut config,
        "\x05\r\x03/system reboot\r\x1b[24;80R",
    );
    assert!(out.ends_with("Reboot, yes? [y/N]: "), "{out:?}");
    let out = typed(&mut shell, &mut sys, &mut config, "n");
    assert_eq!(out, format!("n\r\n{PROMPT}"));
    // An answer while a live view runs is not a key for it either, and the width it tells counts:
    // at 100 columns, 61 characters after the prompt no longer reach the margin.
    typed(
        &mut shell,
        &mut sys,
        &mut config,
        "/system identity print interval=1s\r",
    );
    let out = typed(&mut shell, &mut sys, &mut config, "\x1b[24;100R");
    assert_eq!(out, "", "the view goes on");
    let out = typed(&mut shell, &mut sys, &mut config, "q");
    assert!(out.ends_with(PROMPT), "{out:?}");
    let out = typed(&mut shell, &mut sys, &mut config, &"x".repeat(61));
    assert_eq!(out, "x".repeat(61));
}
