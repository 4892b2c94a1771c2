//! The serial-console shell: prompt, line editing, command execution and `[y/N]` confirmations.
//!
//! The kernel hands every byte received on the console to [`Shell::feed`] together with the console writer and
//! its [`SystemControl`]. The shell runs the [`LineEditor`]; each complete line goes to the command
//! interpreter ([`cli::run`]), and a fresh prompt follows. When a command needs confirmation (reboot, shutdown) the shell
//! asks the question and takes the next key press as the answer, without the line editor: `y` or `Y` carries
//! the action out, any other key cancels it silently, as RouterOS does.
//!
//! Tab and `?` work from the object model ([`cli::complete`]) on the text before the cursor, wherever the
//! cursor is in the line: Tab inserts the completion at the cursor, the text after it staying as it was
//! (a second Tab in a row lists the candidates under the line when it stays ambiguous); `?` prints help
//! for the cursor's position, except inside a quoted string where it is typed like any character. Both
//! then redraw the prompt and the line as they were, the cursor back in its place.
//!
//! Safe mode ([`crate::safe_mode`]): Ctrl-X takes or releases it and the prompt ends in `<SAFE>` while it
//! is taken; Ctrl-D on an empty line undoes its changes; so does [`Shell::poll`] when the system says the
//! console is gone; a line that takes it past its size releases it; `/system reset-configuration`
//! releases it before resetting.
//!
//! Login ([`crate::login`]): a console made with [`Shell::at_login`] (the appliance's) starts at the
//! `MikroTik Login: ` prompt and runs the login dialog — and the password change it forces after a login
//! with an empty password — before the first command prompt. `/quit` (which releases safe mode, keeping
//! its changes) and Ctrl-D on an empty line end the session: the history, the current menu and the
//! session's numbering are forgotten and the login prompt comes back. `/password` without arguments
//! runs the `/password` dialog. While a dialog runs it gets every key instead of the line editor
//! (whose key decoder it shares, so the LF of a CR LF is not taken as a second Enter).
//!
//! Live views ([`cli::live`]): a command that leaves one (`print interval=`, `/log print follow`)
//! keeps the console after it returns; [`Shell::poll`] updates it and every key goes to it instead of
//! the line editor — Ctrl-C or `q` ends it and the prompt comes back, other keys are ignored.
//!
//! The login prompt asks the terminal how wide it is ([`TERMINAL_WIDTH_QUERY`]); its answer, whenever it
//! comes, is taken by the line editor (never as a key press), which from then on wraps long lines at that
//! width, and Tab's candidate columns fit it.
//!
//! Guarantees: never panics on any byte sequence; lines are bounded by [`MAX_LINE_LEN`]; output line endings
//! are `"\r\n"`; [`SystemControl::reboot`] and [`SystemControl::shutdown`] are called only after a `y` answer.
//! Console write errors are ignored (output is best effort; input handling does not depend on it).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use crate::cli::complete::{self, SCREEN_WIDTH};
use crate::cli::{self, Live, PendingAction, Session};
use crate::interface::InterfaceInfo;
use crate::key::Key;
use crate::line_editor::{LineEditor, LineEvent};
use crate::login::{Dialog, Outcome};
use crate::model::{Config, Item, MenuDef};
use crate::resource::ResourceInfo;
use crate::safe_mode::SafeMode;

/// Asks the terminal how wide its screen is: save the cursor (DECSC), move right as far as the screen goes
/// (CUF 999 stops at the right margin), report the cursor's position (DSR 6, answered with CPR
/// `ESC [ row ; column R`), restore the cursor (DECRC). The column of the answer is the width the line
/// editor wraps long lines at; a terminal that does not answer leaves it unknown (see
/// [`crate::line_editor`]). Sent with the login prompt, so every session learns the terminal it runs on.
pub const TERMINAL_WIDTH_QUERY: &str = "\x1b7\x1b[999C\x1b[6n\x1b8";

/// What the console shows before a continued line.
const CONTINUATION_PROMPT: &str = "\\ ";

/// Longest command line the console accepts, in characters.
pub const MAX_LINE_LEN: usize = 4096;

/// What the shell and the interpreter need from the rest of the system; implemented by the kernel (and by
/// fakes in tests). Everything but `resource`, `reboot` and `shutdown` has a default for systems without
/// that part.
pub trait SystemControl {
    /// Current values for `/system resource print`.
    fn resource(&self) -> ResourceInfo;
    /// Current state and counters of every network interface, in bus order, for `/interface print stats`.
    fn interfaces(&self) -> Vec<InterfaceInfo> {
        Vec::new()
    }
    /// Restarts the appliance. May return (for example if restarting failed); the shell then carries on.
    fn reboot(&mut self);
    /// Powers the appliance off. May return; the shell then carries on.
    fn shutdown(&mut self);
    /// Makes the running system match `config` and stores it; on `Err` (RouterOS-worded message)
    /// nothing changed and the interpreter restores the previous configuration.
    fn apply(&mut self, _config: &Config) -> Result<(), String> {
        Ok(())
    }
    /// `/system reset-configuration`: the baked or default configuration for this system's hardware
    /// (`no_defaults`: an empty one), which the console then applies (with `/user` kept for
    /// `keep-users=yes`) and takes as its own. `None`: the system has none to go back to.
    fn initial_configuration(&self, _no_defaults: bool) -> Option<Config> {
        None
    }
    /// Read-only values the running system reports for a configured item (`running`, counters).
    fn status(
        &self,
        _config: &Config,
        _menu: &MenuDef,
        _item: &Item,
    ) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// Items the system made (connected routes, dynamic ARP entries), shown with the D flag.
    fn dynamic_items(&self, _config: &Config, _menu: &MenuDef) -> Vec<Item> {
        Vec::new()
    }
    /// `/ip firewall connection`: up to `max` entries of the running connection table from table
    /// position `from` on (start at 0), as items of `menu`, and the position the next page starts at
    /// (`None`: no more). A system without connection tracking has none.
    fn connections(&self, _menu: &MenuDef, _from: u32, _max: usize) -> (Vec<Item>, Option<u32>) {
        (Vec::new(), None)
    }
    /// The connection with this `*ID`, as an item of `menu`.
    fn connection(&self, _menu: &MenuDef, _id: u32) -> Option<Item> {
        None
    }
    /// How many entries the connection table holds (without listing them).
    fn connection_count(&self) -> usize {
        0
    }
    /// `/ip firewall connection remove`: whether a connection with this `*ID` existed.
    fn remove_connection(&mut self, _id: u32) -> bool {
        false
    }
    /// `add` of an item RouterOS keeps in the running system rather than the configuration — an
    /// address-list entry with `timeout=` ([`crate::apply::is_dynamic`]); `item` holds the values the
    /// model checked. Returns the `*ID` `print` shows it under; `Err` with RouterOS's words (`failure:
    /// already have such entry`). A system without a running engine (the build-time check of a baked
    /// script, the boot script before the engine exists) keeps none: `Ok(None)`.
    fn add_dynamic(&mut self, _menu: &MenuDef, _item: &Item) -> Result<Option<u32>, String> {
        Ok(None)
    }
    /// `remove` of the dynamic item `id` of `menu` (an address-list entry): gone from the running
    /// system. `Err` (`no such item`) when there is none or it is the system's own (a connected route).
    fn remove_dynamic(
        &mut self,
        _config: &Config,
        _menu: &MenuDef,
        _id: u32,
    ) -> Result<(), String> {
        Err(String::from("no such item"))
    }
    /// `reset-counters` (`ids`: those items of `menu`; `None`: all, `reset-counters-all`) of firewall
    /// rules and interfaces; `Err` with RouterOS's words (`no such item`). A system that keeps no
    /// counters has nothing to reset.
    fn reset_counters(
        &mut self,
        _config: &Config,
        _menu: &MenuDef,
        _ids: Option<&[u32]>,
    ) -> Result<(), String> {
        Ok(())
    }
    /// `/ip dhcp-client renew|release` (`command`) of the clients with these `*ID`s; `Err` with
    /// RouterOS's words. A system without running DHCP clients has nothing to do.
    fn dhcp_client_command(&mut self, _ids: &[u32], _command: &str) -> Result<(), String> {
        Ok(())
    }
    /// `:log`: adds `message` with `topics` (`script,info`) to the log `/log print` shows, stamped
    /// with [`SystemControl::clock_seconds`]. A system that keeps no log forgets it.
    fn log(&mut self, _topics: &str, _message: &str) {}
    /// `/log print`: the log kept in memory, oldest first.
    fn log_entries(&self) -> Vec<crate::log_memory::LogEntry> {
        Vec::new()
    }
    /// Milliseconds since boot on a clock that never goes back, for live views that print again on an
    /// interval ([`cli::live`]); by default the uptime `/system resource` reports.
    fn uptime_ms(&self) -> u64 {
        self.resource().uptime_ms
    }
    /// Now on the router's clock, in seconds since 1970-01-01 00:00:00 — local time, as `/system
    /// clock` shows it (the appliance: the real-time clock's UTC plus [`crate::clock::gmt_offset`]);
    /// `/log print` shows today's entries by time only.
    fn clock_seconds(&self) -> u64 {
        0
    }
    /// The date and time for export headers (`2026-11-22 10:00:00`).
    fn clock_text(&self) -> String {
        crate::clock::format_date_time(self.clock_seconds())
    }
    /// `/system clock set time=|date=`: the router's clock reads `seconds` (local time, as
    /// [`SystemControl::clock_seconds`]) from now on. A system without a clock of its own ignores it.
    fn set_clock(&mut self, _seconds: u64) {}
    /// The run counters of scripts and scheduler items and what the scheduler remembers
    /// ([`crate::scheduler::Runs`]); `None`: the system keeps none (scripts run uncounted, nothing is
    /// scheduled).
    fn runs(&mut self) -> Option<&mut crate::scheduler::Runs> {
        None
    }
    /// A number that differs from call to call and from machine to machine (the appliance reads the
    /// CPU's time-stamp counter), mixed into password salts ([`crate::login::new_salt`]). Without
    /// one, salts still differ through a counter.
    fn entropy(&self) -> u64 {
        0
    }
    /// The file area: (name, size) of every file.
    fn files(&self) -> Vec<(String, usize)> {
        Vec::new()
    }
    fn read_file(&self, _name: &str) -> Option<String> {
        None
    }
    fn write_file(&mut self, _name: &str, _contents: &str) -> Result<(), String> {
        Err(String::from("failure: no file storage"))
    }
    fn remove_file(&mut self, _name: &str) -> Result<(), String> {
        Err(String::from("no such item"))
    }
    /// `/ping`, `/tool traceroute`: sends one ICMP echo request (netstack's tools); the error is the
    /// STATUS the tool shows for it.
    fn send_echo(&mut self, _probe: &netstack::engine::EchoProbe) -> Result<(), String> {
        Err(String::from("no route to host"))
    }
    /// The answers to the tools' probes that arrived since the last call, oldest first.
    fn take_tool_replies(&mut self) -> Vec<netstack::engine::ToolReply> {
        Vec::new()
    }
    /// Microseconds since boot on the clock the tools' answers are stamped with.
    fn now_us(&self) -> u64 {
        self.uptime_ms().saturating_mul(1000)
    }
    /// Lets about `ms` milliseconds pass while a script waits for a tool (`/ping count=3` in a
    /// script), the network running meanwhile. Without it a script's tool ends at once.
    fn wait_ms(&mut self, _ms: u64) {}
    /// `:resolve NAME`: the IPv4 address the router's resolver finds for `name` (statics, cache,
    /// upstream servers), waiting for the answer; `Err` with RouterOS's words (`failure: dns name
    /// does not exist`, `failure: dns server failure`). A system without a resolver has none.
    fn resolve(&mut self, _name: &str) -> Result<String, String> {
        Err(String::from("failure: dns server failure"))
    }
    /// `/ip dns cache flush`: the resolver forgets what it cached.
    fn flush_dns_cache(&mut self) {}
    /// Safe mode was taken (`true`) or ended (`false`) on the console. While it is taken,
    /// [`SystemControl::apply`] changes the running system without storing the configuration: the one
    /// stored stays the one from before safe mode, so a restart comes back without safe mode's
    /// changes. When it ends the console applies the configuration that stays, which stores it.
    fn safe_mode(&mut self, _taken: bool) {}
    /// Whether the console's user is gone without leaving — the line hung up, or nothing was typed for
    /// as long as the system waits; asked by [`Shell::poll`] while safe mode is taken, which then
    /// undoes its changes.
    fn console_gone(&self) -> bool {
        false
    }
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
    session: Session,
    user: String,
    mode: Mode,
    /// Lines of a command continued with `\` or an open bracket, waiting for the rest.
    pending_lines: String,
    /// The previous key was a Tab that left the word ambiguous: another Tab lists the candidates.
    listing_armed: bool,
    safe_mode: SafeMode,
    /// The login or `/password` dialog, while it has the keyboard.
    dialog: Option<Dialog>,
    /// The live view a command left, while it has the keyboard.
    live: Option<Live>,
}

impl Default for Shell {
    fn default() -> Self {
        Self::new()
    }
}

impl Shell {
    /// A session of user `admin` at the root menu, already logged in.
    pub fn new() -> Self {
        let mut session = Session::new();
        session.user = String::from("admin");
        Self {
            editor: LineEditor::new(MAX_LINE_LEN),
            session,
            user: String::from("admin"),
            mode: Mode::Editing,
            pending_lines: String::new(),
            listing_armed: false,
            safe_mode: SafeMode::default(),
            dialog: None,
            live: None,
        }
    }

    /// A console at the login prompt: nobody is logged in until the login dialog lets them.
    pub fn at_login() -> Self {
        let mut shell = Self::new();
        shell.end_session();
        shell
    }

    /// Whether somebody is logged in (no login dialog is running).
    pub fn logged_in(&self) -> bool {
        !self.dialog.as_ref().is_some_and(Dialog::is_login)
    }

    /// The prompt, e.g. `[admin@MikroTik] > ` at the root menu and `[admin@MikroTik] /ip/address> `
    /// inside a menu; the identity comes from `/system identity`. In safe mode `<SAFE>` takes the place
    /// of `>`: `[admin@MikroTik] <SAFE> `, `[admin@MikroTik] /ip/address<SAFE> `.
    pub fn prompt(&self, config: &Config) -> String {
        let identity = crate::model::menus::menu("system/identity")
            .and_then(|menu| config.singleton_value(menu, "name"))
            .unwrap_or("MikroTik");
        let path = self.session.prompt_path();
        let end = if self.safe_mode.is_taken() {
            "<SAFE>"
        } else {
            ">"
        };
        format!("[{}@{identity}] {path}{end} ", self.user)
    }

    /// The session's safe mode.
    pub fn safe_mode(&self) -> &SafeMode {
        &self.safe_mode
    }

    /// Called by the system between input bytes: while safe mode is taken and
    /// [`SystemControl::console_gone`] says the user is gone, undoes safe mode's changes and ends the
    /// session, as RouterOS does when a session in safe mode is cut off (if the system refuses to go
    /// back, the session stays, in safe mode, with the refusal shown).
    /// A live view is updated here when it is due.
    pub fn poll(&mut self, out: &mut dyn Write, sys: &mut dyn SystemControl, config: &mut Config) {
        if let Some(live) = self.live.as_mut()
            && !live.tick(out, config, &mut self.session, sys)
        {
            self.live = None;
            self.write_prompt(out, config);
        }
        if !self.safe_mode.is_taken() || !sys.console_gone() {
            return;
        }
        let Some(line) = self.safe_mode.hang_up(config, &mut self.session.undo, sys) else {
            return;
        };
        if let Some(live) = self.live.take() {
            live.end(out);
        }
        // A question waiting for its answer is dropped.
        self.mode = Mode::Editing;
        if self.safe_mode.is_taken() {
            self.show_and_redraw(out, config, &[line]);
        } else {
            let _ = write!(out, "\r\n{line}");
            self.log_out(out, config);
        }
    }

    /// The session (current menu, numbering, undo log).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Writes the first prompt (the login prompt at login); call once when the console comes up.
    pub fn start(&mut self, out: &mut dyn Write, config: &Config) {
        match &self.dialog {
            Some(dialog) => {
                let _ = out.write_str(&dialog.prompt(config));
                if dialog.is_login() {
                    let _ = out.write_str(TERMINAL_WIDTH_QUERY);
                }
            }
            None => self.write_prompt(out, config),
        }
    }

    /// Forgets the session (menu, numbering, history, continued lines) and starts the login dialog.
    fn end_session(&mut self) {
        self.session = Session::new();
        self.user.clear();
        self.mode = Mode::Editing;
        self.pending_lines.clear();
        self.editor.forget_history();
        self.safe_mode = SafeMode::default();
        self.live = None;
        self.dialog = Some(Dialog::login());
    }

    /// Logs out: the session ends and the login prompt comes back.
    fn log_out(&mut self, out: &mut dyn Write, config: &Config) {
        self.end_session();
        let _ = out.write_str("\r\n");
        self.start(out, config);
    }

    /// One byte for the running dialog: a key for it once the shared decoder has one.
    fn feed_dialog(
        &mut self,
        byte: u8,
        out: &mut dyn Write,
        sys: &mut dyn SystemControl,
        config: &mut Config,
    ) {
        let Some(key) = self.editor.read_key(byte) else {
            return;
        };
        if self.took_cursor_report(key) {
            return;
        }
        let Some(dialog) = self.dialog.as_mut() else {
            return;
        };
        match dialog.key(key, out, config, sys) {
            Outcome::Waiting => {}
            Outcome::LoggedIn(user) => {
                self.dialog = None;
                self.session.user = user.clone();
                self.user = user;
                self.write_prompt(out, config);
            }
            Outcome::Finished => {
                self.dialog = None;
                self.write_prompt(out, config);
            }
        }
    }

    /// Processes one byte received on the console, writing echo and command output to `out`.
    pub fn feed(
        &mut self,
        byte: u8,
        out: &mut dyn Write,
        sys: &mut dyn SystemControl,
        config: &mut Config,
    ) {
        let listing_armed = core::mem::take(&mut self.listing_armed);
        if self.dialog.is_some() {
            self.feed_dialog(byte, out, sys, config);
            return;
        }
        if self.live.is_some() {
            let Some(key) = self.editor.read_key(byte) else {
                return;
            };
            if !self.took_cursor_report(key)
                && let Some(live) = self.live.as_mut()
                && live.key(key, out)
            {
                live.end(out);
                self.live = None;
                self.write_prompt(out, config);
            }
            return;
        }
        match self.mode {
            Mode::Editing => match self.editor.feed(byte, out) {
                None => {}
                Some(LineEvent::Complete) => self.complete(out, config, listing_armed),
                Some(LineEvent::Help) => self.help(out, config),
                Some(LineEvent::Cancelled) => {
                    self.pending_lines.clear();
                    self.write_prompt(out, config)
                }
                Some(LineEvent::SafeMode) => {
                    let line = self.safe_mode.toggle(config, &self.session.undo, sys);
                    self.show_and_redraw(out, config, &[line]);
                }
                // RouterOS: Ctrl-D on an empty line logs out, undoing safe mode's changes.
                Some(LineEvent::EndOfInput) if self.pending_lines.is_empty() => {
                    if let Some(line) = self.safe_mode.undo(config, &mut self.session.undo, sys) {
                        let _ = write!(out, "\r\n{line}");
                    }
                    if self.safe_mode.is_taken() {
                        // The system refused to go back: the session stays, still in safe mode.
                        let _ = out.write_str("\r\n");
                        self.write_prompt(out, config);
                    } else {
                        self.log_out(out, config);
                    }
                }
                Some(LineEvent::EndOfInput) => {}
                Some(LineEvent::Line(line)) => {
                    if !self.pending_lines.is_empty() {
                        self.pending_lines.push('\n');
                    }
                    self.pending_lines.push_str(&line);
                    if crate::script::is_incomplete(&self.pending_lines)
                        && self.pending_lines.len() < MAX_LINE_LEN * 4
                    {
                        self.write_continuation(out);
                        return;
                    }
                    let source = core::mem::take(&mut self.pending_lines);
                    let result = cli::run(
                        &source,
                        cli::Mode::Interactive,
                        config,
                        &mut self.session,
                        sys,
                        out,
                    );
                    if let Some(line) = self.safe_mode.check_size(config, &self.session.undo, sys) {
                        let _ = write!(out, "{line}\r\n");
                    }
                    match result.pending {
                        None => {
                            self.live = result.live;
                            let started = self.live.as_mut().is_some_and(|live| {
                                live.start(out, config, &mut self.session, sys)
                            });
                            if !started {
                                self.live = None;
                                self.write_prompt(out, config);
                            }
                        }
                        Some(PendingAction::Quit) => {
                            if let Some(line) = self.safe_mode.release(config, sys) {
                                let _ = write!(out, "{line}\r\n");
                            }
                            self.log_out(out, config);
                        }
                        Some(PendingAction::ChangePassword) => {
                            let dialog = Dialog::change_password(&self.session.user);
                            let _ = out.write_str(&dialog.prompt(config));
                            self.dialog = Some(dialog);
                        }
                        Some(action) => {
                            let _ = out.write_str(action.question());
                            self.mode = Mode::Confirming(action);
                        }
                    }
                }
            },
            Mode::Confirming(action) => {
                // `None`: the LF of the CR LF that ended the command, or part of an escape sequence.
                let Some(key) = self.editor.read_key(byte) else {
                    return;
                };
                if self.took_cursor_report(key) {
                    return;
                }
                self.mode = Mode::Editing;
                match key {
                    Key::Char(answer @ (b'y' | b'Y')) => {
                        let _ = write!(
                            out,
                            "{}\r\n{}\r\n",
                            char::from(answer),
                            action.announcement()
                        );
                        if let PendingAction::ResetConfiguration { .. } = action
                            && let Some(line) = self.safe_mode.release(config, sys)
                        {
                            let _ = write!(out, "{line}\r\n");
                        }
                        perform(action, sys, config, &mut self.session);
                    }
                    Key::Char(other) => {
                        let _ = write!(out, "{}\r\n", char::from(other));
                    }
                    _ => {
                        let _ = out.write_str("\r\n");
                    }
                }
                self.write_prompt(out, config);
            }
        }
    }

    /// A terminal's answer to [`TERMINAL_WIDTH_QUERY`] is no key press: the line editor takes the width
    /// from it. Returns whether `key` was one.
    fn took_cursor_report(&mut self, key: Key) -> bool {
        if let Key::CursorReport { column, .. } = key {
            self.editor.cursor_report(column);
            return true;
        }
        false
    }

    /// Writes the command prompt; the line editor's line starts after it.
    fn write_prompt(&mut self, out: &mut dyn Write, config: &Config) {
        let prompt = self.prompt(config);
        let _ = out.write_str(&prompt);
        self.editor.start_line(prompt.chars().count(), out);
    }

    /// Writes the prompt of a continued line (after a line ending in `\` or inside `{ }`).
    fn write_continuation(&mut self, out: &mut dyn Write) {
        let _ = out.write_str(CONTINUATION_PROMPT);
        self.editor.start_line(CONTINUATION_PROMPT.len(), out);
    }

    /// The command typed so far, up to the cursor: continued lines and the line being edited up to its
    /// cursor.
    fn before_cursor(&self) -> String {
        if self.pending_lines.is_empty() {
            String::from(self.editor.before_cursor())
        } else {
            format!("{}\n{}", self.pending_lines, self.editor.before_cursor())
        }
    }

    /// Tab: inserts what completes the word; a second Tab on a word that stays ambiguous lists the
    /// candidates in columns and redraws the line.
    fn complete(&mut self, out: &mut dyn Write, config: &Config, listing_armed: bool) {
        let text = self.before_cursor();
        let completion = complete::complete(config, &self.session.path, &text);
        self.editor.insert_str(&completion.insert, out);
        if completion.candidates.len() > 1 {
            if listing_armed {
                let width = self.editor.width().unwrap_or(SCREEN_WIDTH);
                let lines = complete::columns(&completion.candidates, width);
                self.show_and_redraw(out, config, &lines);
            } else {
                self.listing_armed = true;
            }
        }
    }

    /// `?`: help for the cursor's position, then the line again; inside a quoted string, a `?`.
    fn help(&mut self, out: &mut dyn Write, config: &Config) {
        let text = self.before_cursor();
        if complete::in_quotes(&text) {
            self.editor.insert_str("?", out);
            return;
        }
        let lines = complete::help(config, &self.session.path, &text);
        self.show_and_redraw(out, config, &lines);
    }

    /// Prints `lines` under the line being edited, then the prompt and the line, the cursor where it was.
    fn show_and_redraw(&mut self, out: &mut dyn Write, config: &Config, lines: &[String]) {
        self.editor.park(out);
        let _ = out.write_str("\r\n");
        for line in lines {
            let _ = write!(out, "{line}\r\n");
        }
        if self.pending_lines.is_empty() {
            self.write_prompt(out, config);
        } else {
            self.write_continuation(out);
        }
        self.editor.redraw(out);
    }
}

/// Carries out a confirmed action.
fn perform(
    action: PendingAction,
    sys: &mut dyn SystemControl,
    config: &mut Config,
    session: &mut Session,
) {
    match action {
        PendingAction::Reboot => sys.reboot(),
        PendingAction::Shutdown => sys.shutdown(),
        PendingAction::ResetConfiguration {
            no_defaults,
            keep_users,
        } => {
            let Some(mut fresh) = sys.initial_configuration(no_defaults) else {
                return;
            };
            // The users with their groups' comments and skins (the groups themselves always exist).
            if keep_users {
                for path in ["user", "user/group"] {
                    if let Some(menu) = crate::model::menus::menu(path) {
                        fresh.copy_table(config, menu);
                    }
                }
            }
            match sys.apply(&fresh) {
                Ok(()) => {
                    *config = fresh;
                    let user = core::mem::take(&mut session.user);
                    *session = Session::new();
                    session.user = user;
                }
                Err(message) => sys.log("system,error", &format!("reset-configuration: {message}")),
            }
        }
        // The shell handles these itself; they never wait for a confirmation.
        PendingAction::Quit | PendingAction::ChangePassword => {}
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
                        running: true,
                        disabled: false,
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
                        running: false,
                        disabled: false,
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
        let mut config = Config::new();
        for &byte in input {
            shell.feed(byte, &mut out, sys, &mut config);
        }
        out
    }

    #[test]
    fn starts_with_the_routeros_prompt() {
        let mut shell = Shell::new();
        assert_eq!(shell.prompt(&Config::new()), PROMPT);
        let mut out = String::new();
        shell.start(&mut out, &Config::new());
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
            "/system\r\n[admin@MikroTik] /system> "
        );
        assert_eq!(
            session(&mut shell, &mut sys, b"/\r"),
            format!("/\r\n{PROMPT}")
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
    fn tab_completes_the_word_from_the_object_model() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        let out = session(&mut shell, &mut sys, b"/ip addr\tpr\t");
        assert_eq!(out, "/ip address print ");
        assert_eq!(shell.editor.line(), "/ip address print ");
        // Nothing to complete: nothing happens.
        let out = session(&mut shell, &mut sys, b"zz\t\t");
        assert_eq!(out, "zz");
    }

    #[test]
    fn a_second_tab_lists_the_candidates_and_redraws_the_line() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        // The first Tab completes the common prefix; another key in between disarms the listing.
        let out = session(&mut shell, &mut sys, b"/ip d\th\t");
        assert_eq!(out, "/ip dhcp-");
        let out = session(&mut shell, &mut sys, b"\t");
        assert_eq!(
            out,
            format!("\r\ndhcp-client  dhcp-server\r\n{PROMPT}/ip dhcp-")
        );
        assert_eq!(shell.editor.line(), "/ip dhcp-");
        let out = session(&mut shell, &mut sys, b"s\t\r");
        assert_eq!(out, "server \r\n[admin@MikroTik] /ip/dhcp-server> ");
    }

    #[test]
    fn question_mark_prints_help_and_leaves_the_line_as_it_was() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        let out = session(&mut shell, &mut sys, b"/ip pool ?");
        assert!(
            out.starts_with("/ip pool \r\nIP address pools\r\n\r\n.. -- go up to ip\r\n"),
            "{out}"
        );
        assert!(out.contains("\r\nadd -- Create a new item\r\n"), "{out}");
        assert!(out.ends_with(&format!("\r\n{PROMPT}/ip pool ")), "{out}");
        assert_eq!(shell.editor.line(), "/ip pool ");
        let out = session(&mut shell, &mut sys, b"add ranges=?");
        assert_eq!(
            out,
            format!(
                "add ranges=\r\nranges ::= A.B.C.D-A.B.C.D[,...]\r\n{PROMPT}/ip pool add ranges="
            )
        );
        // Inside quotes `?` is a character.
        let out = session(&mut shell, &mut sys, b"\x03:put \"why?\"\r");
        assert_eq!(
            out,
            format!("^C\r\n{PROMPT}:put \"why?\"\r\nwhy?\r\n{PROMPT}")
        );
    }

    #[test]
    fn tab_and_help_with_the_cursor_inside_the_line() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        let left = |times: usize| b"\x1b[D".repeat(times);
        // `/ip addr print`, the cursor moved back after `addr`: Tab completes `addr`, `print` stays.
        let out = session(
            &mut shell,
            &mut sys,
            &[&b"/ip addr print"[..], &left(6), b"\t"].concat(),
        );
        assert!(out.ends_with("ess  print\x1b[6D"), "{out:?}");
        assert_eq!(shell.editor.line(), "/ip address  print");
        assert_eq!(shell.editor.before_cursor(), "/ip address ");
        // `?` with the cursor after `ranges=` helps with that argument, not with the end of the line,
        // then redraws the whole line with the cursor back after `ranges=`.
        let mut shell = Shell::new();
        let typed = [&b"/ip pool add ranges= name=x"[..], &left(7), b"?"].concat();
        let mut out = String::new();
        let mut config = Config::new();
        for &byte in &typed {
            shell.feed(byte, &mut out, &mut sys, &mut config);
        }
        assert_eq!(
            out,
            format!(
                "/ip pool add ranges= name=x{}\r\nranges ::= A.B.C.D-A.B.C.D[,...]\r\n{PROMPT}/ip pool add ranges= name=x\x1b[7D",
                "\x08".repeat(7)
            )
        );
        // Typing goes on at the cursor, and Enter runs the whole line.
        for &byte in b"10.0.0.1-10.0.0.9\r/ip pool print\r" {
            shell.feed(byte, &mut out, &mut sys, &mut config);
        }
        assert!(out.contains(" x     10.0.0.1-10.0.0.9"), "{out:?}");
    }

    #[test]
    fn help_on_a_continued_line_knows_the_lines_before() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        let out = session(&mut shell, &mut sys, b"/ip pool add \\\rna?");
        assert_eq!(out, "/ip pool add \\\r\n\\ na\r\nname ::= name\r\n\\ na");
        let out = session(&mut shell, &mut sys, b"\t");
        assert_eq!(out, "me=");
    }

    #[test]
    fn byte_soup_never_panics_or_reboots_without_a_y() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        let mut out = String::new();
        let mut config = Config::new();
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
            shell.feed(byte, &mut out, &mut sys, &mut config);
            assert!(shell.editor.line().len() <= MAX_LINE_LEN);
            out.clear();
        }
        assert_eq!((sys.reboots, sys.shutdowns), (0, 0));
        for byte in 0..=255u8 {
            shell.feed(byte, &mut out, &mut sys, &mut config);
        }
    }

    #[test]
    fn scripted_reboot_survives_random_prefix() {
        let mut shell = Shell::new();
        let mut sys = FakeSystem::new();
        let mut out = String::new();
        let mut config = Config::new();
        crate::login::ensure_default_user(&mut config);
        for byte in 0..=255u8 {
            shell.feed(byte, &mut out, &mut sys, &mut config);
        }
        // Whatever state the soup left, Ctrl-C gets back to a clean prompt (answering a pending question if any),
        // or to the login prompt when a Ctrl-D on an empty line logged out.
        for &byte in b"\x03\x03" {
            shell.feed(byte, &mut out, &mut sys, &mut config);
        }
        if !shell.logged_in() {
            for &byte in b"admin\r\rpw\rpw\r" {
                shell.feed(byte, &mut out, &mut sys, &mut config);
            }
        }
        for &byte in b"/system reboot\ry" {
            shell.feed(byte, &mut out, &mut sys, &mut config);
        }
        assert_eq!(sys.reboots, 1);
    }
}
