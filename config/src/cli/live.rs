//! Live console views: a command that keeps the console after it returns and updates its output
//! until the user ends it — `print interval=TIME` (any menu's `print`, `/system resource print`,
//! `/log print`), `/log print follow` / `follow-only` (the `/log` page of the RouterOS manual) and
//! an item menu's `print follow` / `follow-only` (`cli::follow`).
//!
//! How it runs: at the top of an interactive line the command only checks its arguments and asks for
//! a live view (`Request`, kept in the interpreter's `Env`); the interpreter turns that into a
//! [`Live`] holding a copy of the command and the menu it was typed in, stops running the rest of the
//! line, and hands it to the console ([`crate::shell::Shell`]). The console then drives it —
//! [`Live::start`] once, [`Live::tick`] from `Shell::poll` with the time of
//! [`SystemControl::uptime_ms`], [`Live::key`] for every key — and runs the command again through the
//! interpreter in a `Step` that prints once instead of asking for a view again. Ctrl-C or `q` ends the
//! view ([`Live::end`]) and the prompt comes back; other keys are ignored (`/log print follow` writes a
//! separator for Space, as RouterOS does, and so does an item menu's `print follow`). The network
//! tools (`/ping`, `/tool traceroute`, `/interface monitor-traffic`) ask for a view that holds their
//! running state instead of a command to run again (`Request::Tool`, `cli::tools`); it moves on at
//! every `tick`.
//!
//! * `interval=` repaints: each interval the console moves the cursor back up over what it printed
//!   last, clears to the end of the screen and prints the command's output again, with a
//!   `-- [Q quit|C-c quit]` line under it. Only VT100 controls are used — CUU (`ESC [ n A`), ED
//!   (`ESC [ J`), EL (`ESC [ K`) and DECAWM (`ESC [ ? 7 l` / `h`). Moving up by the number of lines
//!   printed works when the screen has scrolled (saving the cursor position would not survive the
//!   scroll, and clearing the whole screen would wipe the command line above); automatic wrapping is
//!   off while the view runs so that each printed line takes exactly one row of the screen, whatever
//!   its width, and the count stays exact (a line wider than the terminal is cut at its right edge).
//!   Output taller than the screen still repaints without piling up: CUU stops at the top row.
//!   The interval is at least [`MIN_INTERVAL_MS`]: a 115200-baud line cannot show more.
//! * `follow` prints the matching log entries and then each new one as it arrives (checked every
//!   [`FOLLOW_CHECK_MS`]), above a `-- Ctrl-C to quit.` line; `follow-only` prints only the new ones.
//!   `where` applies to every entry. An entry is new when its `*ID` comes after the newest one seen
//!   (serial-number order, so the numbering may wrap). An item menu's `follow` works the same way
//!   with its items, checked once a second: what was added, changed or removed since the last
//!   check is printed above the status line (`cli::follow` says how).
//! * A repaint runs the command on a copy of the configuration: whatever `[ ... ]` substitutions in it
//!   do is discarded, and a view never changes the configuration.
//! * In a script, an import, a `[ ... ]` substitution or a step, there is no one to press Ctrl-C
//!   (`Env::may_go_live` is false): `interval=` prints once and `follow` prints the matching entries
//!   once (`follow-only` nothing), so a script goes on instead of waiting forever as RouterOS would.
//!
//! Bounds: a view keeps one command (of at most a console line's length), its menu path and a few
//! numbers; the output of a step is held only while it is written.
//!
//! [`SystemControl::uptime_ms`]: crate::shell::SystemControl::uptime_ms

use alloc::format;
use alloc::string::String;
use core::fmt::Write;

use super::eval::Args;
use super::follow::{FOLLOW_ITEMS_CHECK_MS, Followed};
use super::tools::ToolView;
use super::val::Val;
use super::{CliError, Env, Mode, Session};
use crate::key::Key;
use crate::model::Config;
use crate::script::Command;
use crate::shell::SystemControl;

/// The shortest repaint interval.
pub const MIN_INTERVAL_MS: u64 = 100;
/// How often `follow` looks for new log entries.
pub const FOLLOW_CHECK_MS: u64 = 250;

/// The line under a repainting view.
const REPAINT_STATUS: &str = "-- [Q quit|C-c quit]";
/// The line under a following view, as RouterOS writes it.
const FOLLOW_STATUS: &str = "-- Ctrl-C to quit.";
/// What Space writes into a following view.
const SEPARATOR: &str = "= = = = = = = = = = = = = = = = = = = = = = = = = = =";

/// ECMA-48 / VT100 controls.
const ERASE_LINE: &str = "\r\x1b[K";
const ERASE_BELOW: &str = "\x1b[J";
const WRAP_OFF: &str = "\x1b[?7l";
const WRAP_ON: &str = "\x1b[?7h";

/// What a command asks of the console when it runs at the top of an interactive line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Request {
    /// A network tool with its running state.
    Tool(ToolView),
    /// `print interval=`: run again every `interval_ms`.
    Repaint { interval_ms: u64 },
    /// `/log print follow` (`only`: `follow-only`).
    FollowLog { only: bool },
    /// An item menu's `print follow` (`only`: `follow-only`).
    FollowItems { only: bool },
}

/// How a command runs when the console runs it again for its view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Print once, as without `interval=`.
    Repaint,
    /// `/log print`: print the matching entries after the one with this `*ID` (`None`: all), and
    /// set it to the newest entry of the log.
    Follow { after: Option<u32> },
    /// An item menu's `print follow`: print what changed since the items it remembers, and
    /// remember them as they are now ([`super::follow`]).
    FollowItems(Followed),
}

/// What the view does between runs of its command.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Tool(ToolView),
    /// `rows`: lines the last paint printed.
    Repaint {
        interval_ms: u64,
        rows: usize,
    },
    FollowLog {
        only: bool,
        after: Option<u32>,
    },
    FollowItems(Followed),
}

/// A live view on the console: the command it runs again and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Live {
    command: Command,
    /// The menu the command was typed in (relative paths resolve from it).
    path: String,
    kind: Kind,
    /// When the command runs next, in [`SystemControl::uptime_ms`] milliseconds.
    due_ms: u64,
}

impl Live {
    pub(crate) fn new(request: Request, command: Command, path: String) -> Self {
        let kind = match request {
            Request::Tool(view) => Kind::Tool(view),
            Request::Repaint { interval_ms } => Kind::Repaint {
                interval_ms,
                rows: 0,
            },
            Request::FollowLog { only } => Kind::FollowLog { only, after: None },
            Request::FollowItems { only } => Kind::FollowItems(Followed::new(only)),
        };
        Live {
            command,
            path,
            kind,
            due_ms: 0,
        }
    }

    /// Shows the view for the first time. False when the command failed: its error is printed, the
    /// view is over and the console shows its prompt.
    pub fn start(
        &mut self,
        out: &mut dyn Write,
        config: &Config,
        session: &mut Session,
        system: &mut dyn SystemControl,
    ) -> bool {
        if let Kind::Tool(view) = &mut self.kind {
            return view.start(out, system);
        }
        match &mut self.kind {
            Kind::Tool(_) => {}
            Kind::Repaint { .. } => {
                let _ = out.write_str(WRAP_OFF);
            }
            // `follow-only` starts after the newest entry there is; `follow` from the oldest.
            Kind::FollowLog { only: true, after } => {
                *after = system.log_entries().last().map(|entry| entry.id);
            }
            Kind::FollowLog { .. } | Kind::FollowItems(_) => {}
        }
        self.show(true, out, config, session, system)
    }

    /// Runs the command again when it is due. False when it failed: its error is printed and the
    /// view is over.
    pub fn tick(
        &mut self,
        out: &mut dyn Write,
        config: &Config,
        session: &mut Session,
        system: &mut dyn SystemControl,
    ) -> bool {
        if let Kind::Tool(view) = &mut self.kind {
            return view.tick(out, system);
        }
        if system.uptime_ms() < self.due_ms {
            return true;
        }
        self.show(false, out, config, session, system)
    }

    /// A key pressed while the view runs; true when it ends the view (Ctrl-C, `q`, `Q`).
    pub fn key(&mut self, key: Key, out: &mut dyn Write) -> bool {
        match key {
            Key::Interrupt | Key::Char(b'q' | b'Q') => true,
            Key::Char(b' ')
                if matches!(self.kind, Kind::FollowLog { .. } | Kind::FollowItems(_)) =>
            {
                let _ = write!(out, "{ERASE_LINE}{SEPARATOR}\r\n{FOLLOW_STATUS}");
                false
            }
            _ => false,
        }
    }

    /// Ends the view: takes its status line off the screen (the output stays) and gives the terminal
    /// back its line wrapping; the console's prompt goes where the status line was.
    pub fn end(&self, out: &mut dyn Write) {
        if let Kind::Tool(view) = &self.kind {
            return view.end(out);
        }
        let _ = out.write_str(ERASE_LINE);
        self.restore(out);
    }

    fn restore(&self, out: &mut dyn Write) {
        if matches!(self.kind, Kind::Repaint { .. }) {
            let _ = out.write_str(WRAP_ON);
        }
    }

    /// Runs the command once in this view's step and shows what it printed (`first`: the view is
    /// not on the screen yet). False when the command failed and the view is over.
    fn show(
        &mut self,
        first: bool,
        out: &mut dyn Write,
        config: &Config,
        session: &mut Session,
        system: &mut dyn SystemControl,
    ) -> bool {
        let now = system.uptime_ms();
        let step = match &mut self.kind {
            Kind::Tool(_) => return true,
            Kind::Repaint { .. } => Step::Repaint,
            Kind::FollowLog { after, .. } => Step::Follow { after: *after },
            Kind::FollowItems(followed) => Step::FollowItems(core::mem::take(followed)),
        };
        let mut text = String::new();
        let (result, step) = run_step(
            &self.command,
            &self.path,
            step,
            config,
            session,
            system,
            &mut text,
        );
        match &mut self.kind {
            Kind::Tool(_) => {}
            Kind::Repaint { interval_ms, rows } => {
                self.due_ms = now.saturating_add(*interval_ms);
                // Back to the first row of the last paint, and clear everything from there down.
                // (`ESC [ 0 A` would still move one row: CUU's parameter 0 means 1.)
                let _ = out.write_str("\r");
                if *rows > 0 {
                    let _ = write!(out, "\x1b[{rows}A");
                }
                let _ = out.write_str(ERASE_BELOW);
                *rows = text.matches('\n').count();
            }
            Kind::FollowLog { after, .. } => {
                self.due_ms = now.saturating_add(FOLLOW_CHECK_MS);
                if let Step::Follow { after: newest } = step {
                    *after = newest;
                }
                // Nothing new: the screen stays as it is.
                if text.is_empty() && !first && result.is_ok() {
                    return true;
                }
                let _ = out.write_str(ERASE_LINE);
            }
            Kind::FollowItems(followed) => {
                self.due_ms = now.saturating_add(FOLLOW_ITEMS_CHECK_MS);
                if let Step::FollowItems(seen) = step {
                    *followed = seen;
                }
                // Nothing changed: the screen stays as it is.
                if text.is_empty() && !first && result.is_ok() {
                    return true;
                }
                let _ = out.write_str(ERASE_LINE);
            }
        }
        let _ = out.write_str(&text);
        if result.is_err() {
            self.restore(out);
            return false;
        }
        let _ = out.write_str(match self.kind {
            Kind::Tool(_) => "",
            Kind::Repaint { .. } => REPAINT_STATUS,
            Kind::FollowLog { .. } | Kind::FollowItems(_) => FOLLOW_STATUS,
        });
        true
    }
}

/// Runs `command` once, typed in menu `path`, in `step`, on a copy of `config`, printing to `out`;
/// returns its result and the step as the command left it (a follow step's newest entry).
fn run_step(
    command: &Command,
    path: &str,
    step: Step,
    config: &Config,
    session: &mut Session,
    system: &mut dyn SystemControl,
    out: &mut dyn Write,
) -> (Result<Val, CliError>, Step) {
    let mut scratch = config.clone();
    let saved = core::mem::replace(&mut session.path, String::from(path));
    let mut env = Env {
        live_step: Some(step),
        ..Env::new(&mut scratch, system, out, session, Mode::Interactive)
    };
    let result = env.dispatch(command);
    if let Err(error) = &result {
        let _ = write!(env.out, "{error}\r\n");
    }
    let step = env.live_step.take().unwrap_or(Step::Repaint);
    env.session.path = saved;
    (result, step)
}

/// Takes `interval=TIME` out of `args`: the repaint interval in milliseconds (at least
/// [`MIN_INTERVAL_MS`]), `invalid value for argument interval` when it is no time.
pub(crate) fn take_interval(args: &mut Args) -> Result<Option<u64>, CliError> {
    let Some(value) = args.take("interval") else {
        return Ok(None);
    };
    let duration = crate::value::parse_duration(&value.to_text())
        .ok_or_else(|| CliError::plain("invalid value for argument interval"))?;
    let millis = duration.total_millis();
    Ok(Some(millis.max(MIN_INTERVAL_MS)))
}

impl Env<'_> {
    /// Whether a command may ask for a live view: it runs at the top of an interactive line (the
    /// console's), not in a script, a substitution or a view's own step.
    pub(crate) fn may_go_live(&self) -> bool {
        self.mode == Mode::Interactive && self.depth == 0 && self.live_step.is_none() && !self.api
    }

    /// `file=NAME`: writes `text` (what the command would have printed) to the file area as
    /// `NAME.txt` — RouterOS adds `.txt` — with `\n` line ends, as `export file=` writes `.rsc`.
    pub(crate) fn write_text_file(&mut self, name: &str, text: &str) -> Result<(), CliError> {
        let name = if name.ends_with(".txt") {
            String::from(name)
        } else {
            format!("{name}.txt")
        };
        self.system
            .write_file(&name, &text.replace("\r\n", "\n"))
            .map_err(CliError::plain)
    }
}

#[cfg(test)]
mod tests;
