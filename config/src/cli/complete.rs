//! Tab completion and `?` help on the console (routeros-reference.md §6: "Tab completes; `?` shows help").
//!
//! Both read the line up to the cursor the way the interpreter will read it: the command the cursor is
//! in (after the last `;` or newline, or inside the innermost open `[ ... ]` or `{ ... }`; a `[ ... ]`
//! runs in the menu of the command around it), that command's path and command words resolved as
//! `resolve` resolves them (`/`, `..`, abbreviations), and the word under the cursor. What can stand
//! there comes from the object model: the child menus and commands of a menu, a command's arguments (a
//! menu's writable properties for `add` and `set`, `print` modifiers, ...), the items a command works
//! on, and the values of a property whose type is a finite set: `yes`/`no`, enumerations, the names of
//! the items a reference points to (`interface=eth` → `ether1`), the chains and protocols RouterOS
//! knows, names already used in the menu (`chain=`, address lists).
//!
//! * [`complete`] gives what Tab inserts: the rest of the only candidate and what follows it (a space
//!   after a menu, command, item or value, `=` after an argument name, `/` after a menu in a `/`-joined
//!   path, nothing after an element of a comma list), or, when several candidates remain, the rest of
//!   their common prefix; and the candidates, for the console to list on a second Tab.
//! * [`help`] gives the lines `?` prints: at a menu its child menus and commands, after a command its
//!   arguments with their value syntax, after `name=` that argument's syntax and choices.
//! * [`in_quotes`] tells whether the cursor is inside a quoted string, where Tab completes nothing and
//!   `?` is a character like any other.
//!
//! Guarantees: pure functions of the configuration, the current menu and the text; total on any text
//! (unbalanced quotes and brackets, any Unicode); at most [`MAX_CANDIDATES`] candidates and
//! [`MAX_NESTING`] levels of brackets are looked at.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::resolve::{commands_at, resolve};
use crate::model::schema::{MenuKind, PropType};
use crate::model::{Config, MenuDef, PropDef, menus};
use crate::script::{Pos, Word, WordKind};
use crate::value::ValueType;

mod candidates;
mod help;
mod place;
mod spec;

use candidates::*;
use help::*;
use place::*;
use spec::*;

/// Most candidates one completion or help listing gathers (a menu may hold up to
/// [`crate::model::config::MAX_ITEMS`] items; nobody reads a listing of more).
pub const MAX_CANDIDATES: usize = 256;

/// Deepest bracket nesting followed to find the cursor's command; deeper text completes nothing.
pub const MAX_NESTING: usize = 32;

/// Width of the console the listings are laid out for.
pub const SCREEN_WIDTH: usize = 80;

/// What Tab does at the cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completion {
    /// Text to insert at the cursor (empty: nothing to add).
    pub insert: String,
    /// Every candidate for the word under the cursor, sorted; more than one means the word stays
    /// ambiguous and a second Tab lists them.
    pub candidates: Vec<String>,
}

/// Tab at the end of `before_cursor` (the line up to the cursor), in menu `current` (`ip/address`).
pub fn complete(config: &Config, current: &str, before_cursor: &str) -> Completion {
    let text = join_continuations(before_cursor);
    let Some(place) = place(current, &text) else {
        return Completion::default();
    };
    let (prefix, candidates) = candidates(config, &place);
    finish(prefix, candidates)
}

/// The lines `?` prints at the end of `before_cursor`, in menu `current`; empty when the line is
/// already wrong there (an unknown menu), inside an expression or inside quotes.
pub fn help(config: &Config, current: &str, before_cursor: &str) -> Vec<String> {
    let text = join_continuations(before_cursor);
    match place(current, &text) {
        None => Vec::new(),
        Some(Place::Scripting { .. }) => scripting_help(),
        Some(Place::Path { path, segment, .. }) => path_help(&path, segment),
        Some(Place::Argument {
            path,
            command,
            before,
            word,
        }) => argument_help(config, &path, command, &before, word),
    }
}

/// Whether the end of `before_cursor` is inside a `"..."` string.
pub fn in_quotes(before_cursor: &str) -> bool {
    let mut quoted = false;
    let mut escaped = false;
    for c in before_cursor.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        }
    }
    quoted
}

/// `words` laid out in columns across `width` characters, row by row (the order reads left to right),
/// each line without trailing spaces.
pub fn columns(words: &[String], width: usize) -> Vec<String> {
    let widest = words.iter().map(|w| w.chars().count()).max().unwrap_or(0);
    let column = widest.saturating_add(2);
    let per_line = (width / column.max(1)).max(1);
    words
        .chunks(per_line)
        .map(|row| {
            let mut line = String::new();
            for word in row {
                line.push_str(word);
                for _ in word.chars().count()..column {
                    line.push(' ');
                }
            }
            String::from(line.trim_end())
        })
        .collect()
}

#[cfg(test)]
mod tests;
