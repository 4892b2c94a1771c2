//! Where the cursor stands: the command the cursor is in, its resolved path and command word, and the
//! word under the cursor, read from the text before the cursor as the interpreter will read it.

use super::*;

/// The word under the cursor and what it can be.
#[derive(Debug)]
pub(super) enum Place<'a> {
    /// A `:command` of the scripting language.
    Scripting { word: &'a str },
    /// A menu or command at `path`: `segment` is the word's text after its last `/`; `slash` when the
    /// word joins menus with `/` (`/ip/fi`), so a completed menu is followed by `/`.
    Path {
        path: String,
        segment: &'a str,
        slash: bool,
    },
    /// An argument of `command` in `path`, after the argument words `before`.
    Argument {
        path: String,
        command: &'static str,
        before: Vec<&'a str>,
        word: &'a str,
    },
}

/// Finds the cursor's command and word; `None` inside quotes or an expression, after a `:command` word,
/// or when the words before the cursor do not resolve.
pub(super) fn place<'a>(current: &str, text: &'a str) -> Option<Place<'a>> {
    let (path, command_text) = innermost_command(current, text)?;
    let words = split_words(command_text);
    let (&word, before) = words.split_last()?;
    if before.is_empty() && word.starts_with(':') {
        return Some(Place::Scripting { word });
    }
    if before.first().is_some_and(|w| w.starts_with(':')) {
        return None;
    }
    let resolved = resolve(&path, &bare_words(before)).ok()?;
    if let Some(command) = resolved.command {
        return Some(Place::Argument {
            path: resolved.path,
            command,
            before: before.get(resolved.args_from..)?.to_vec(),
            word,
        });
    }
    let (head, segment) = match word.rfind('/') {
        Some(at) => (word.get(..=at)?, word.get(at + 1..)?),
        None => ("", word),
    };
    let path = if head.is_empty() {
        resolved.path
    } else {
        let inner = resolve(&resolved.path, &bare_words(&[head])).ok()?;
        if inner.command.is_some() {
            return None;
        }
        inner.path
    };
    if !menus::is_node(&path) {
        return None;
    }
    Some(Place::Path {
        path,
        segment,
        slash: !head.is_empty() && head != "/",
    })
}

/// `text` without its line continuations, as the parser reads it: a `\` right before a line end, the
/// line end and the blanks that start the next line are left out, in words and between them alike.
pub(super) fn join_continuations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'\r') {
            chars.next();
        }
        match chars.peek() {
            Some('\n') => {
                chars.next();
                while chars.next_if(|c| matches!(c, ' ' | '\t')).is_some() {}
            }
            // An escape: the pair stays as it is.
            Some(&next) => {
                out.push(c);
                out.push(next);
                chars.next();
            }
            None => out.push(c),
        }
    }
    out
}

/// Words as the resolver takes them (positions do not matter here).
pub(super) fn bare_words(words: &[&str]) -> Vec<Word> {
    words
        .iter()
        .map(|w| Word {
            kind: WordKind::Bare(String::from(*w)),
            pos: Pos { line: 1, column: 1 },
        })
        .collect()
}

/// The menu and the text (up to the cursor) of the command the cursor is in.
pub(super) fn innermost_command<'a>(current: &str, text: &'a str) -> Option<(String, &'a str)> {
    /// One open bracket (or the whole line): its kind, where its current command starts, and the text of
    /// the command around it up to the bracket (for `[`, whose command runs in that command's menu).
    struct Level {
        open: char,
        start: usize,
        outer: (usize, usize),
    }
    let mut levels = alloc::vec![Level {
        open: ' ',
        start: 0,
        outer: (0, 0),
    }];
    let mut quoted = false;
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if c == '\\' {
            escaped = true;
            continue;
        }
        if quoted {
            quoted = c != '"';
            continue;
        }
        let depth = levels.len();
        let top = levels.last_mut()?;
        match c {
            '"' => quoted = true,
            ';' | '\n' | '\r' if top.open != '(' => top.start = at + c.len_utf8(),
            '[' | '{' | '(' => {
                if depth >= MAX_NESTING {
                    return None;
                }
                let outer = (top.start, at);
                levels.push(Level {
                    open: c,
                    start: at + c.len_utf8(),
                    outer,
                });
            }
            ']' | '}' | ')' if levels.len() > 1 => {
                levels.pop();
            }
            _ => {}
        }
    }
    let top = levels.last()?;
    if quoted || top.open == '(' {
        return None;
    }
    let mut path = String::from(current);
    for level in &levels[1..] {
        if level.open == '[' {
            let words = split_words(text.get(level.outer.0..level.outer.1)?);
            let words = words.get(..words.len().saturating_sub(1)).unwrap_or(&[]);
            if let Ok(resolved) = resolve(&path, &bare_words(words)) {
                path = resolved.path;
            }
        }
    }
    Some((path, text.get(top.start..)?))
}

/// The words of a command's text, split at blanks outside quotes and brackets; the last word is the one
/// under the cursor (empty after a blank).
pub(super) fn split_words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut depth = 0u32;
    let mut quoted = false;
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        let blank = !quoted && depth == 0 && matches!(c, ' ' | '\t' | '\n' | '\r');
        if escaped {
            // An escaped character is part of the word (continuations are gone already).
            escaped = false;
            continue;
        }
        if blank {
            if let Some(s) = start.take() {
                words.push(text.get(s..at).unwrap_or(""));
            }
            continue;
        }
        start.get_or_insert(at);
        match c {
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            '[' | '{' | '(' if !quoted => depth = depth.saturating_add(1),
            ']' | '}' | ')' if !quoted => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    words.push(start.and_then(|s| text.get(s..)).unwrap_or(""));
    words
}
