//! The command interpreter of the foundation milestone: resolves a console line to a command and runs it.
//!
//! It understands a small fixed menu tree:
//!
//! ```text
//! /system resource print [without-paging]
//! /system reboot
//! /system shutdown
//! /interface print [stats] [without-paging]
//! /interface ethernet print [without-paging]
//! ```
//!
//! Path words may be separated by spaces or by `/` (`/system/resource/print`); a leading `/` starts from the
//! root, and since this milestone always sits at the root, a path without it means the same. A trailing
//! `# comment` is ignored (see [`crate::words`] for quoting).
//!
//! Errors are printed the way RouterOS prints them, pointing at the 1-based column of the offending word:
//! * a word that is neither a menu nor a command of the current menu: `bad command name foo (line 1 column 9)`;
//! * a word after a complete command that the command does not take (including print modifiers not implemented
//!   yet, such as `detail`): `expected end of command (line 1 column N)`;
//! * a double quote never closed: `syntax error (line 1 column N)`.
//!
//! Known limits, by design for this milestone: a menu typed without a command (`/system`) is accepted and does
//! nothing, where RouterOS would move into that menu (the prompt would change); `..`, abbreviations and tab
//! completion are not understood yet. [`Interpreter`] is the seam where the full RouterOS language will plug in.
//!
//! Guarantees: total on every input line; output lines end in `"\r\n"`; reboot and shutdown are never performed
//! here, only requested as a [`PendingAction`] that the shell confirms with the user first.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

use crate::interface;
use crate::resource;
use crate::shell::SystemControl;
use crate::words::{Word, split_words};

/// A command the interpreter can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// `/system resource print`.
    ResourcePrint,
    /// `/system reboot`.
    Reboot,
    /// `/system shutdown`.
    Shutdown,
    /// `/interface print`.
    InterfacePrint,
    /// `/interface print stats`.
    InterfacePrintStats,
    /// `/interface ethernet print`.
    EthernetPrint,
}

/// A command word of a menu, with the argument words it accepts.
struct CommandSpec {
    name: &'static str,
    command: Command,
    /// Words allowed after the command that change nothing.
    flags: &'static [&'static str],
    /// Words allowed after the command that run another command instead (`print stats`).
    variants: &'static [(&'static str, Command)],
}

/// A node of the menu tree.
struct Menu {
    name: &'static str,
    submenus: &'static [Menu],
    commands: &'static [CommandSpec],
}

impl Menu {
    fn submenu(&self, name: &str) -> Option<&'static Menu> {
        self.submenus.iter().find(|menu| menu.name == name)
    }

    fn command(&self, name: &str) -> Option<&'static CommandSpec> {
        self.commands.iter().find(|spec| spec.name == name)
    }
}

const RESOURCE: Menu = Menu {
    name: "resource",
    submenus: &[],
    // There is no pager on the serial console, so `without-paging` (common in scripts) changes nothing.
    commands: &[CommandSpec {
        name: "print",
        command: Command::ResourcePrint,
        flags: &["without-paging"],
        variants: &[],
    }],
};

const SYSTEM: Menu = Menu {
    name: "system",
    submenus: &[RESOURCE],
    commands: &[
        CommandSpec {
            name: "reboot",
            command: Command::Reboot,
            flags: &[],
            variants: &[],
        },
        CommandSpec {
            name: "shutdown",
            command: Command::Shutdown,
            flags: &[],
            variants: &[],
        },
    ],
};

const ETHERNET: Menu = Menu {
    name: "ethernet",
    submenus: &[],
    commands: &[CommandSpec {
        name: "print",
        command: Command::EthernetPrint,
        flags: &["without-paging"],
        variants: &[],
    }],
};

const INTERFACE: Menu = Menu {
    name: "interface",
    submenus: &[ETHERNET],
    commands: &[CommandSpec {
        name: "print",
        command: Command::InterfacePrint,
        flags: &["without-paging"],
        variants: &[("stats", Command::InterfacePrintStats)],
    }],
};

const ROOT: Menu = Menu {
    name: "",
    submenus: &[SYSTEM, INTERFACE],
    commands: &[],
};

/// Why a line could not be run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandError {
    /// A word that names no menu or command where it stands.
    BadCommandName { name: String, column: usize },
    /// A word after a complete command that the command does not take.
    ExpectedEndOfCommand { column: usize },
    /// Malformed text, such as an unclosed quote.
    SyntaxError { column: usize },
}

impl fmt::Display for CommandError {
    /// The RouterOS message; the console accepts one line at a time, so the line number is always 1.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let column = match self {
            Self::BadCommandName { name, column } => {
                write!(f, "bad command name {name}")?;
                column
            }
            Self::ExpectedEndOfCommand { column } => {
                f.write_str("expected end of command")?;
                column
            }
            Self::SyntaxError { column } => {
                f.write_str("syntax error")?;
                column
            }
        };
        write!(f, " (line 1 column {column})")
    }
}

/// Resolves `line` to the command it names; `Ok(None)` when there is nothing to run (an empty line, a comment,
/// or a menu path alone).
pub fn parse(line: &str) -> Result<Option<Command>, CommandError> {
    let words = split_words(line).map_err(|open| CommandError::SyntaxError {
        column: open.column,
    })?;
    let mut menu = &ROOT;
    let mut remaining = words.iter();
    while let Some(word) = remaining.next() {
        if !word.quoted && word.text.starts_with('/') {
            menu = &ROOT;
        }
        let mut segments = path_segments(word).into_iter();
        while let Some((name, column)) = segments.next() {
            if let Some(submenu) = menu.submenu(name) {
                menu = submenu;
            } else if let Some(spec) = menu.command(name) {
                if let Some((_, column)) = segments.next() {
                    return Err(CommandError::ExpectedEndOfCommand { column });
                }
                return check_arguments(spec, remaining).map(Some);
            } else {
                return Err(CommandError::BadCommandName {
                    name: String::from(name),
                    column,
                });
            }
        }
    }
    Ok(None)
}

/// The non-empty `/`-separated parts of a path word with their columns; a quoted word is one part.
fn path_segments(word: &Word) -> Vec<(&str, usize)> {
    if word.quoted {
        return alloc::vec![(word.text.as_str(), word.column)];
    }
    let mut segments = Vec::new();
    let mut column = word.column;
    for part in word.text.split('/') {
        if !part.is_empty() {
            segments.push((part, column));
        }
        column = column
            .saturating_add(part.chars().count())
            .saturating_add(1);
    }
    segments
}

/// Accepts the words after a command only if the command takes them, and returns the command they select.
fn check_arguments<'a>(
    spec: &CommandSpec,
    arguments: impl Iterator<Item = &'a Word>,
) -> Result<Command, CommandError> {
    let mut command = spec.command;
    for word in arguments {
        let text = word.text.as_str();
        if word.quoted {
            return Err(CommandError::ExpectedEndOfCommand {
                column: word.column,
            });
        }
        if let Some(&(_, variant)) = spec.variants.iter().find(|(name, _)| *name == text) {
            command = variant;
        } else if !spec.flags.contains(&text) {
            return Err(CommandError::ExpectedEndOfCommand {
                column: word.column,
            });
        }
    }
    Ok(command)
}

/// A command that must be confirmed by the user before it happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingAction {
    /// Restart the appliance.
    Reboot,
    /// Power the appliance off.
    Shutdown,
}

impl PendingAction {
    /// The question asked on the console, answered by a single key (no line ending).
    pub fn question(self) -> &'static str {
        match self {
            Self::Reboot => "Reboot, yes? [y/N]: ",
            Self::Shutdown => "Shutdown, yes? [y/N]: ",
        }
    }

    /// What is printed once the user said yes, before the action is carried out.
    pub fn announcement(self) -> &'static str {
        match self {
            Self::Reboot => "system will reboot shortly",
            Self::Shutdown => "system will shutdown shortly",
        }
    }

    /// Carries the action out.
    pub fn perform(self, sys: &mut dyn SystemControl) {
        match self {
            Self::Reboot => sys.reboot(),
            Self::Shutdown => sys.shutdown(),
        }
    }
}

/// What the shell must do after a line was executed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The line is finished; show the prompt again.
    Done,
    /// Ask the user to confirm this action before showing the prompt.
    Confirm(PendingAction),
}

/// Executes console lines. Holds the interpreter's state between lines (today only the implicit root menu).
#[derive(Clone, Debug, Default)]
pub struct Interpreter {}

impl Interpreter {
    /// An interpreter at the root menu.
    pub fn new() -> Self {
        Self {}
    }

    /// The current menu as shown in the prompt: empty at the root (the only menu this milestone stays in).
    pub fn menu_path(&self) -> &str {
        ""
    }

    /// Runs one line, writing its output (or error) to `out`. Write errors are ignored: the console is best
    /// effort, and the command's effect must not depend on whether its output got through.
    pub fn execute(
        &mut self,
        line: &str,
        out: &mut dyn Write,
        sys: &mut dyn SystemControl,
    ) -> Outcome {
        match parse(line) {
            Err(error) => {
                let _ = write!(out, "{error}\r\n");
                Outcome::Done
            }
            Ok(None) => Outcome::Done,
            Ok(Some(Command::ResourcePrint)) => {
                let _ = resource::write_print(out, &sys.resource());
                Outcome::Done
            }
            Ok(Some(Command::InterfacePrint)) => {
                let _ = interface::write_print(out, &sys.interfaces());
                Outcome::Done
            }
            Ok(Some(Command::InterfacePrintStats)) => {
                let _ = interface::write_print_stats(out, &sys.interfaces());
                Outcome::Done
            }
            Ok(Some(Command::EthernetPrint)) => {
                let _ = interface::write_ethernet_print(out, &sys.interfaces());
                Outcome::Done
            }
            Ok(Some(Command::Reboot)) => Outcome::Confirm(PendingAction::Reboot),
            Ok(Some(Command::Shutdown)) => Outcome::Confirm(PendingAction::Shutdown),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::ResourceInfo;
    use alloc::string::ToString;

    fn bad(name: &str, column: usize) -> Result<Option<Command>, CommandError> {
        Err(CommandError::BadCommandName {
            name: String::from(name),
            column,
        })
    }

    #[test]
    fn paths_in_every_spelling() {
        for line in [
            "/system resource print",
            "/system/resource/print",
            "system resource print",
            "system/resource print",
            "  /system   resource/print  ",
            "/system resource print # show it",
            "/system resource print without-paging",
            "system /system resource print",
        ] {
            assert_eq!(parse(line), Ok(Some(Command::ResourcePrint)), "{line:?}");
        }
        assert_eq!(parse("/system reboot"), Ok(Some(Command::Reboot)));
        assert_eq!(parse("/system/shutdown"), Ok(Some(Command::Shutdown)));
    }

    #[test]
    fn interface_commands() {
        for line in [
            "/interface print",
            "/interface/print",
            "interface print without-paging",
        ] {
            assert_eq!(parse(line), Ok(Some(Command::InterfacePrint)), "{line:?}");
        }
        for line in [
            "/interface print stats",
            "/interface/print stats",
            "/interface print stats without-paging",
            "/interface print without-paging stats",
        ] {
            assert_eq!(
                parse(line),
                Ok(Some(Command::InterfacePrintStats)),
                "{line:?}"
            );
        }
        for line in [
            "/interface ethernet print",
            "/interface/ethernet/print",
            "/interface ethernet print without-paging",
        ] {
            assert_eq!(parse(line), Ok(Some(Command::EthernetPrint)), "{line:?}");
        }
        assert_eq!(parse("/interface/ethernet"), Ok(None));
    }

    #[test]
    fn interface_words_not_taken() {
        assert_eq!(
            parse("/interface print detail"),
            Err(CommandError::ExpectedEndOfCommand { column: 18 })
        );
        assert_eq!(
            parse("/interface print stats foo"),
            Err(CommandError::ExpectedEndOfCommand { column: 24 })
        );
        assert_eq!(
            parse("/interface print \"stats\""),
            Err(CommandError::ExpectedEndOfCommand { column: 18 })
        );
        // `stats` belongs to `/interface print` only.
        assert_eq!(
            parse("/interface ethernet print stats"),
            Err(CommandError::ExpectedEndOfCommand { column: 27 })
        );
        assert_eq!(
            parse("/system resource print stats"),
            Err(CommandError::ExpectedEndOfCommand { column: 24 })
        );
        assert_eq!(parse("/interface foo"), bad("foo", 12));
        assert_eq!(parse("/interface/ethernet/prin"), bad("prin", 21));
        assert_eq!(parse("/ethernet print"), bad("ethernet", 2));
    }

    #[test]
    fn nothing_to_run() {
        for line in [
            "",
            "   ",
            "# comment",
            "/",
            "/system",
            "/system/resource",
            "system resource #x",
        ] {
            assert_eq!(parse(line), Ok(None), "{line:?}");
        }
    }

    #[test]
    fn unknown_words_are_reported_at_their_column() {
        assert_eq!(parse("foo"), bad("foo", 1));
        assert_eq!(parse("/system foo"), bad("foo", 9));
        assert_eq!(parse("/system/foo/print"), bad("foo", 9));
        assert_eq!(parse("  /system resource prin"), bad("prin", 20));
        assert_eq!(parse("/System"), bad("System", 2));
        assert_eq!(parse("/system \"resource x\""), bad("resource x", 9));
        assert_eq!(parse("print"), bad("print", 1));
    }

    #[test]
    fn extra_words_after_a_command() {
        assert_eq!(
            parse("/system resource print foo"),
            Err(CommandError::ExpectedEndOfCommand { column: 24 })
        );
        assert_eq!(
            parse("/system/resource/print/foo"),
            Err(CommandError::ExpectedEndOfCommand { column: 24 })
        );
        assert_eq!(
            parse("/system reboot now"),
            Err(CommandError::ExpectedEndOfCommand { column: 16 })
        );
        assert_eq!(
            parse("/system shutdown without-paging"),
            Err(CommandError::ExpectedEndOfCommand { column: 18 })
        );
    }

    #[test]
    fn an_unclosed_quote_is_a_syntax_error() {
        assert_eq!(
            parse("/system \"resource"),
            Err(CommandError::SyntaxError { column: 9 })
        );
    }

    #[test]
    fn messages_read_like_routeros() {
        let error = CommandError::BadCommandName {
            name: String::from("foo"),
            column: 9,
        };
        assert_eq!(error.to_string(), "bad command name foo (line 1 column 9)");
        assert_eq!(
            CommandError::ExpectedEndOfCommand { column: 24 }.to_string(),
            "expected end of command (line 1 column 24)"
        );
        assert_eq!(
            CommandError::SyntaxError { column: 3 }.to_string(),
            "syntax error (line 1 column 3)"
        );
    }

    /// Records what the interpreter asked of the system.
    #[derive(Default)]
    struct Recorder {
        reboots: u32,
        shutdowns: u32,
    }

    impl SystemControl for Recorder {
        fn resource(&self) -> ResourceInfo {
            ResourceInfo {
                board_name: String::from("CHR"),
                ..ResourceInfo::default()
            }
        }
        fn reboot(&mut self) {
            self.reboots += 1;
        }
        fn shutdown(&mut self) {
            self.shutdowns += 1;
        }
    }

    #[test]
    fn execute_prints_errors_and_defers_dangerous_actions() {
        let mut interpreter = Interpreter::new();
        let mut sys = Recorder::default();
        let mut out = String::new();
        assert_eq!(
            interpreter.execute("/bogus", &mut out, &mut sys),
            Outcome::Done
        );
        assert_eq!(out, "bad command name bogus (line 1 column 2)\r\n");

        out.clear();
        assert_eq!(
            interpreter.execute("/system reboot", &mut out, &mut sys),
            Outcome::Confirm(PendingAction::Reboot)
        );
        assert_eq!(
            interpreter.execute("/system shutdown", &mut out, &mut sys),
            Outcome::Confirm(PendingAction::Shutdown)
        );
        assert_eq!((out.as_str(), sys.reboots, sys.shutdowns), ("", 0, 0));

        assert_eq!(
            interpreter.execute("/system resource print", &mut out, &mut sys),
            Outcome::Done
        );
        assert!(out.contains("         board-name: CHR\r\n"));

        // A system that does not report interfaces (the trait's default) has an empty table.
        for line in [
            "/interface print",
            "/interface print stats",
            "/interface ethernet print",
        ] {
            out.clear();
            assert_eq!(interpreter.execute(line, &mut out, &mut sys), Outcome::Done);
            assert_eq!(out, "", "{line:?}");
        }
    }
}
