//! The serial-console shell: prompt, line editing, command execution and `[y/N]` confirmations.
//!
//! The kernel hands every byte received on the console to [`Shell::feed`] together with the console writer and
//! its [`SystemControl`]. The shell runs the [`LineEditor`]; each complete line goes to the command
//! [`Interpreter`], and a fresh prompt follows. When a command needs confirmation (reboot, shutdown) the shell
//! asks the question and takes the next key press as the answer, without the line editor: `y` or `Y` carries
//! the action out, any other key cancels it silently, as RouterOS does.
//!
//! Guarantees: never panics on any byte sequence; lines are bounded by [`MAX_LINE_LEN`]; output line endings
//! are `"\r\n"`; [`SystemControl::reboot`] and [`SystemControl::shutdown`] are called only after a `y` answer.
//! Console write errors are ignored (output is best effort; input handling does not depend on it).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use crate::command::{Interpreter, Outcome, PendingAction};
use crate::interface::InterfaceInfo;
use crate::key::Key;
use crate::line_editor::{LineEditor, LineEvent};
use crate::resource::ResourceInfo;

/// Longest command line the console accepts, in characters.
pub const MAX_LINE_LEN: usize = 4096;

/// What the shell needs from the rest of the system; implemented by the kernel.
pub trait SystemControl {
    /// Current values for `/system resource print`.
    fn resource(&self) -> ResourceInfo;
    /// Current state and counters of every network interface, in bus order, for `/interface print` (and
    /// `stats`) and `/interface ethernet print`. The default, for systems without network interfaces, is none.
    fn interfaces(&self) -> Vec<InterfaceInfo> {
        Vec::new()
    }
    /// Restarts the appliance. May return (for example if restarting failed); the shell then carries on.
    fn reboot(&mut self);
    /// Powers the appliance off. May return; the shell then carries on.
    fn shutdown(&mut self);
}

/// What the next input byte means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Typing a command line.
    Editing,
    /// Waiting for the single-key answer to this action's question.
    Confirming(PendingAction),
}

/// One console session.
#[derive(Clone, Debug)]
pub struct Shell {
    editor: LineEditor,
    interpreter: Interpreter,
    identity: String,
    user: String,
    mode: Mode,
}

impl Default for Shell {
    fn default() -> Self {
        Self::new()
    }
}

impl Shell {
    /// A session of user `admin` on a router with identity `MikroTik`, at the root menu.
    pub fn new() -> Self {
        Self {
            editor: LineEditor::new(MAX_LINE_LEN),
            interpreter: Interpreter::new(),
            identity: String::from("MikroTik"),
            user: String::from("admin"),
            mode: Mode::Editing,
        }
    }

    /// The prompt, e.g. `[admin@MikroTik] > ` at the root menu.
    pub fn prompt(&self) -> String {
        format!(
            "[{}@{}] {}> ",
            self.user,
            self.identity,
            self.interpreter.menu_path()
        )
    }

    /// Writes the first prompt; call once when the console comes up.
    pub fn start(&mut self, out: &mut dyn Write) {
        self.write_prompt(out);
    }

    /// Processes one byte received on the console, writing echo and command output to `out`.
    pub fn feed(&mut self, byte: u8, out: &mut dyn Write, sys: &mut dyn SystemControl) {
        match self.mode {
            Mode::Editing => match self.editor.feed(byte, out) {
                None => {}
                Some(LineEvent::Cancelled) => self.write_prompt(out),
                Some(LineEvent::Line(line)) => match self.interpreter.execute(&line, out, sys) {
                    Outcome::Done => self.write_prompt(out),
                    Outcome::Confirm(action) => {
                        let _ = out.write_str(action.question());
                        self.mode = Mode::Confirming(action);
                    }
                },
            },
            Mode::Confirming(action) => {
                // `None`: the LF of the CR LF that ended the command, or part of an escape sequence.
                let Some(key) = self.editor.read_key(byte) else {
                    return;
                };
                self.mode = Mode::Editing;
                match key {
                    Key::Char(answer @ (b'y' | b'Y')) => {
                        let _ = write!(
                            out,
                            "{}\r\n{}\r\n",
                            char::from(answer),
                            action.announcement()
                        );
                        action.perform(sys);
                    }
                    Key::Char(other) => {
                        let _ = write!(out, "{}\r\n", char::from(other));
                    }
                    _ => {
                        let _ = out.write_str("\r\n");
                    }
                }
                self.write_prompt(out);
            }
        }
    }

    fn write_prompt(&self, out: &mut dyn Write) {
        let _ = out.write_str(&self.prompt());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for the kernel that records requests.
    struct FakeSystem {
        reboots: u32,
        shutdowns: u32,
        interfaces: Vec<InterfaceInfo>,
    }

    impl FakeSystem {
        fn new() -> Self {
            Self {
                reboots: 0,
                shutdowns: 0,
                interfaces: alloc::vec![
                    InterfaceInfo {
                        name: String::from("ether1"),
                        kind: "ether",
                        running: true,
                        disabled: false,
                        mac: [0x52, 0x54, 0x00, 0x12, 0x34, 0x56],
                        mtu: 1500,
                        l2mtu: 1514,
                        driver: "virtio-net",
                        rx_byte: 1_234_567,
                        tx_byte: 98_765,
                        rx_packet: 1_523,
                        tx_packet: 871,
                        rx_drop: 0,
                        tx_drop: 0,
                        tx_queue_drop: 0,
                        rx_error: 0,
                        tx_error: 0,
                    },
                    InterfaceInfo {
                        name: String::from("ether2"),
                        kind: "ether",
                        running: false,
                        disabled: false,
                        mac: [0x52, 0x54, 0x00, 0x12, 0x34, 0x57],
                        mtu: 1500,
                        l2mtu: 1514,
                        driver: "virtio-net",
                        rx_byte: 0,
                        tx_byte: 0,
                        rx_packet: 0,
                        tx_packet: 0,
                        rx_drop: 0,
                        tx_drop: 0,
                        tx_queue_drop: 0,
                        rx_error: 0,
                        tx_error: 0,
                    },
                ],
            }
        }
    }

    impl SystemControl for FakeSystem {
        fn resource(&self) -> ResourceInfo {
            ResourceInfo {
                uptime_ms: 65_000,
                version: String::from("7.16 (stable)"),
                build_time: String::from("2024-09-20 13:00:27"),
                free_memory: 200 * 1024 * 1024,
                total_memory: 256 * 1024 * 1024,
                cpu: String::from("QEMU"),
                cpu_count: 2,
                cpu_frequency_mhz: 2592,
                cpu_load_percent: 0,
                free_hdd_space: 60 * 1024 * 1024,
                total_hdd_space: 64 * 1024 * 1024,
                architecture_name: String::from("x86_64"),
                board_name: String::from("CHR"),
                platform: String::from("MikroTik"),
            }
        }
        fn interfaces(&self) -> Vec<InterfaceInfo> {
            self.interfaces.clone()
        }
        fn reboot(&mut self) {
            self.reboots += 1;
        }
        fn shutdown(&mut self) {
            self.shutdowns += 1;
        }
    }

    const PROMPT: &str = "[admin@MikroTik] > ";

    const RESOURCE_OUTPUT: &str = concat!(
        "             uptime: 1m5s\r\n",
        "            version: 7.16 (stable)\r\n",
        "         build-time: 2024-09-20 13:00:27\r\n",
        "        free-memory: 200.0MiB\r\n",
        "       total-memory: 256.0MiB\r\n",
        "                cpu: QEMU\r\n",
        "          cpu-count: 2\r\n",
        "      cpu-frequency: 2592MHz\r\n",
        "           cpu-load: 0%\r\n",
        "     free-hdd-space: 60.0MiB\r\n",
        "    total-hdd-space: 64.0MiB\r\n",
        "  architecture-name: x86_64\r\n",
        "         board-name: CHR\r\n",
        "           platform: MikroTik\r\n",
    );

    /// Feeds `input` to `shell`, returning everything written to the console.
    fn session(shell: &mut Shell, sys: &mut FakeSystem, input: &[u8]) -> String {
        let mut out = String::new();
        for &byte in input {
            shell.feed(byte, &mut out, sys);
        }
        out
    }

    #[test]
    fn starts_with_the_routeros_prompt() {
        let mut shell = Shell::new();
        assert_eq!(shell.prompt(), PROMPT);
        let mut out = String::new();
        shell.start(&mut out);
        assert_eq!(out, PROMPT);
    }

    #[test]
    fn resource_print_in_both_path_spellings() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        for command in ["/system resource print", "/system/resource/print"] {
            let out = session(&mut shell, &mut sys, format!("{command}\r\n").as_bytes());
            assert_eq!(out, format!("{command}\r\n{RESOURCE_OUTPUT}{PROMPT}"));
        }
    }

    const INTERFACE_OUTPUT: &str = concat!(
        "Flags: R - RUNNING\r\n",
        "Columns: NAME, TYPE, ACTUAL-MTU, L2MTU, MAC-ADDRESS\r\n",
        "#   NAME    TYPE   ACTUAL-MTU  L2MTU  MAC-ADDRESS      \r\n",
        "0 R ether1  ether        1500   1514  52:54:00:12:34:56\r\n",
        "1   ether2  ether        1500   1514  52:54:00:12:34:57\r\n",
    );

    const STATS_OUTPUT: &str = concat!(
        "Flags: R - RUNNING\r\n",
        "Columns: NAME, RX-BYTE, TX-BYTE, RX-PACKET, TX-PACKET, RX-DROP, TX-DROP, TX-QUEUE-DROP, RX-ERROR, ",
        "TX-ERROR\r\n",
        "#   NAME      RX-BYTE  TX-BYTE  RX-PACKET  TX-PACKET  RX-DROP  TX-DROP  TX-QUEUE-DROP  RX-ERROR  ",
        "TX-ERROR\r\n",
        "0 R ether1  1 234 567   98 765      1 523        871        0        0              0         0  ",
        "       0\r\n",
        "1   ether2          0        0          0          0        0        0              0         0  ",
        "       0\r\n",
    );

    const ETHERNET_OUTPUT: &str = concat!(
        "Flags: R - RUNNING\r\n",
        "Columns: NAME, MTU, MAC-ADDRESS, ARP\r\n",
        "#   NAME     MTU  MAC-ADDRESS        ARP    \r\n",
        "0 R ether1  1500  52:54:00:12:34:56  enabled\r\n",
        "1   ether2  1500  52:54:00:12:34:57  enabled\r\n",
    );

    #[test]
    fn interface_prints_from_the_system() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        for (command, expected) in [
            ("/interface print", INTERFACE_OUTPUT),
            ("/interface/print without-paging", INTERFACE_OUTPUT),
            ("/interface print stats", STATS_OUTPUT),
            ("/interface/print stats without-paging", STATS_OUTPUT),
            ("/interface ethernet print", ETHERNET_OUTPUT),
            ("/interface/ethernet/print", ETHERNET_OUTPUT),
        ] {
            let out = session(&mut shell, &mut sys, format!("{command}\r\n").as_bytes());
            assert_eq!(out, format!("{command}\r\n{expected}{PROMPT}"));
        }
    }

    #[test]
    fn interface_print_follows_the_system_state() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        sys.interfaces[0].running = false;
        sys.interfaces[1].disabled = true;
        let out = session(&mut shell, &mut sys, b"/interface print\r");
        assert_eq!(
            out,
            format!(
                concat!(
                    "/interface print\r\n",
                    "Flags: X - DISABLED\r\n",
                    "Columns: NAME, TYPE, ACTUAL-MTU, L2MTU, MAC-ADDRESS\r\n",
                    "#   NAME    TYPE   ACTUAL-MTU  L2MTU  MAC-ADDRESS      \r\n",
                    "0   ether1  ether        1500   1514  52:54:00:12:34:56\r\n",
                    "1 X ether2  ether        1500   1514  52:54:00:12:34:57\r\n",
                    "{}",
                ),
                PROMPT
            )
        );
        sys.interfaces.clear();
        for command in [
            "/interface print",
            "/interface print stats",
            "/interface ethernet print",
        ] {
            let out = session(&mut shell, &mut sys, format!("{command}\r").as_bytes());
            assert_eq!(out, format!("{command}\r\n{PROMPT}"));
        }
    }

    #[test]
    fn interface_print_rejects_words_it_does_not_take() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        let out = session(&mut shell, &mut sys, b"/interface print detail\r");
        assert_eq!(
            out,
            format!(
                "/interface print detail\r\nexpected end of command (line 1 column 18)\r\n{PROMPT}"
            )
        );
        let out = session(&mut shell, &mut sys, b"/interface ethernet print stats\r");
        assert_eq!(
            out,
            format!(
                "/interface ethernet print stats\r\nexpected end of command (line 1 column 27)\r\n{PROMPT}"
            )
        );
    }

    #[test]
    fn empty_line_and_ctrl_c_just_prompt_again() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        assert_eq!(
            session(&mut shell, &mut sys, b"\r\n"),
            format!("\r\n{PROMPT}")
        );
        assert_eq!(
            session(&mut shell, &mut sys, b"/sys\x03"),
            format!("/sys^C\r\n{PROMPT}")
        );
        assert_eq!(
            session(&mut shell, &mut sys, b"/system\r"),
            format!("/system\r\n{PROMPT}")
        );
    }

    #[test]
    fn bad_command_is_reported_with_its_column() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        let out = session(&mut shell, &mut sys, b"/system foo\r\n");
        assert_eq!(
            out,
            format!("/system foo\r\nbad command name foo (line 1 column 9)\r\n{PROMPT}")
        );
        let out = session(&mut shell, &mut sys, b"/system resource print x\r");
        assert_eq!(
            out,
            format!(
                "/system resource print x\r\nexpected end of command (line 1 column 24)\r\n{PROMPT}"
            )
        );
    }

    #[test]
    fn reboot_confirmed_with_y() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        let out = session(&mut shell, &mut sys, b"/system reboot\r\n");
        assert_eq!(out, "/system reboot\r\nReboot, yes? [y/N]: ");
        assert_eq!(sys.reboots, 0);
        let out = session(&mut shell, &mut sys, b"y");
        assert_eq!(out, format!("y\r\nsystem will reboot shortly\r\n{PROMPT}"));
        assert_eq!((sys.reboots, sys.shutdowns), (1, 0));
    }

    #[test]
    fn shutdown_confirmed_with_capital_y() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        let out = session(&mut shell, &mut sys, b"/system shutdown\rY");
        assert_eq!(
            out,
            format!(
                "/system shutdown\r\nShutdown, yes? [y/N]: Y\r\nsystem will shutdown shortly\r\n{PROMPT}"
            )
        );
        assert_eq!((sys.reboots, sys.shutdowns), (0, 1));
    }

    #[test]
    fn any_other_answer_cancels() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        let out = session(&mut shell, &mut sys, b"/system reboot\rn");
        assert_eq!(
            out,
            format!("/system reboot\r\nReboot, yes? [y/N]: n\r\n{PROMPT}")
        );
        // Enter, Ctrl-C and an arrow key are "no" as well; an arrow key's tail is not typed into the next line.
        for answer in [&b"\r"[..], b"\x03", b"\x1b[A"] {
            let out = session(&mut shell, &mut sys, b"/system/shutdown\r\n");
            assert!(out.ends_with("Shutdown, yes? [y/N]: "));
            let out = session(&mut shell, &mut sys, answer);
            assert_eq!(out, format!("\r\n{PROMPT}"));
        }
        assert_eq!((sys.reboots, sys.shutdowns), (0, 0));
        assert_eq!(shell.editor.line(), "");
    }

    #[test]
    fn history_recalls_the_previous_command() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        session(&mut shell, &mut sys, b"/system resource print\r\n");
        let out = session(&mut shell, &mut sys, b"\x1b[A\r");
        assert_eq!(
            out,
            format!("/system resource print\r\n{RESOURCE_OUTPUT}{PROMPT}")
        );
    }

    #[test]
    fn byte_soup_never_panics_or_reboots_without_a_y() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        let mut out = String::new();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..100_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let byte = (state >> 56) as u8;
            // Never a `y`, so nothing may be rebooted or shut down.
            let byte = if byte == b'y' || byte == b'Y' {
                b'n'
            } else {
                byte
            };
            shell.feed(byte, &mut out, &mut sys);
            assert!(shell.editor.line().len() <= MAX_LINE_LEN);
            out.clear();
        }
        assert_eq!((sys.reboots, sys.shutdowns), (0, 0));
        for byte in 0..=255u8 {
            shell.feed(byte, &mut out, &mut sys);
        }
    }

    #[test]
    fn scripted_reboot_survives_random_prefix() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        let mut out = String::new();
        for byte in 0..=255u8 {
            shell.feed(byte, &mut out, &mut sys);
        }
        // Whatever state the soup left, Ctrl-C gets back to a clean prompt (answering a pending question if any).
        for &byte in b"\x03\x03/system reboot\ry" {
            shell.feed(byte, &mut out, &mut sys);
        }
        assert_eq!(sys.reboots, 1);
    }
}
