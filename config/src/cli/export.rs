//! `export` (routeros-reference.md §6): the configuration as a script that recreates it. One `/menu path`
//! line per section, then `add`/`set` lines with their parameters sorted by name; only values that
//! differ from the defaults (compact, the default), or all of them (`verbose`); `terse` repeats the path
//! on every line and never wraps. Long lines wrap near 80 columns with ` \` and a four-space
//! continuation indent (inside a quoted value too). Built-in interfaces are addressed as
//! `set [ find default-name=ether1 ]`. Dynamic items and users are never exported (users belong to
//! backups, as on RouterOS).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::eval::Args;
use super::val::Val;
use super::{CliError, Env};
use crate::model::menus::MENUS;
use crate::model::schema::{MenuDef, MenuKind};
use crate::model::{Config, Item};
use crate::script::Expr;
use crate::value::quote;

/// Lines longer than this wrap.
const WRAP: usize = 80;

/// Export options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportStyle {
    pub verbose: bool,
    pub terse: bool,
    pub show_sensitive: bool,
}

impl Env<'_> {
    pub fn export(
        &mut self,
        path: &str,
        mut args: Args,
        _condition: Option<&Expr>,
    ) -> Result<Val, CliError> {
        let style = ExportStyle {
            verbose: args.flag("verbose"),
            terse: args.flag("terse"),
            show_sensitive: args.flag("show-sensitive"),
        };
        args.flag("compact");
        args.flag("hide-sensitive");
        let file = args.take("file").map(|v| v.to_text());
        args.leftover()?;
        let header = format!(
            "# {} by RouterOS {}\r\n# software id = \r\n#\r\n",
            self.system.clock_text(),
            self.system.resource().version
        );
        let body = export_text(self.config, path, style);
        match file {
            Some(name) => {
                let name = if name.ends_with(".rsc") {
                    name
                } else {
                    format!("{name}.rsc")
                };
                let text = format!("{header}{body}").replace("\r\n", "\n");
                self.system
                    .write_file(&name, &text)
                    .map_err(CliError::plain)?;
            }
            None => {
                let _ = self.out.write_str(&header);
                let _ = self.out.write_str(&body);
            }
        }
        Ok(Val::Nothing)
    }
}

fn under(path: &str, menu: &MenuDef) -> bool {
    path.is_empty()
        || menu.path == path
        || (menu.path.starts_with(path) && menu.path.as_bytes().get(path.len()) == Some(&b'/'))
}

/// The export of every menu at or below `path` (lines end in `"\r\n"`).
pub fn export_text(config: &Config, path: &str, style: ExportStyle) -> String {
    let mut out = String::new();
    for menu in MENUS.iter().copied() {
        // `/interface` shows the same items as `/interface ethernet`, which exports them.
        if !under(path, menu) || menu.path == "interface" || menu.path == "user" {
            continue;
        }
        let lines = menu_lines(config, menu, style);
        if lines.is_empty() {
            continue;
        }
        if !style.terse {
            out.push_str(&menu.display_path());
            out.push_str("\r\n");
        }
        for line in lines {
            if style.terse {
                out.push_str(&menu.display_path());
                out.push(' ');
                out.push_str(&line);
            } else {
                out.push_str(&wrap(&line));
            }
            out.push_str("\r\n");
        }
    }
    out
}

/// The `add`/`set` lines of one menu, unwrapped.
fn menu_lines(config: &Config, menu: &'static MenuDef, style: ExportStyle) -> Vec<String> {
    let mut lines = Vec::new();
    let items: Vec<Item> = match menu.kind {
        MenuKind::Singleton => config.singleton(menu).cloned().into_iter().collect(),
        _ => config.items(menu).to_vec(),
    };
    if menu.kind == MenuKind::Singleton && items.is_empty() && style.verbose {
        let params = parameters(
            config,
            menu,
            &Item {
                id: 0,
                values: Default::default(),
            },
            style,
        );
        // A menu with nothing to set (`/system routerboard`) has no line.
        if !params.is_empty() {
            lines.push(format!("set {}", params.join(" ")));
        }
        return lines;
    }
    for item in &items {
        let params = parameters(config, menu, item, style);
        match menu.kind {
            MenuKind::List | MenuKind::Ordered => lines.push(format!("add {}", params.join(" "))),
            MenuKind::Singleton => {
                if !params.is_empty() {
                    lines.push(format!("set {}", params.join(" ")));
                }
            }
            MenuKind::Fixed => {
                if params.is_empty() {
                    continue;
                }
                let selector = match (item.get("default-name"), menu.key.and_then(|k| item.get(k)))
                {
                    (Some(default_name), _) => {
                        format!("[ find default-name={} ]", quote(default_name))
                    }
                    (None, Some(name)) => quote(name),
                    (None, None) => crate::model::format_id(item.id),
                };
                lines.push(format!("set {selector} {}", params.join(" ")));
            }
        }
    }
    lines
}

/// `name=value` words of an item, sorted by name.
fn parameters(config: &Config, menu: &MenuDef, item: &Item, style: ExportStyle) -> Vec<String> {
    let mut params: Vec<(&str, String)> = Vec::new();
    for prop in menu.props {
        if !prop.is_writable() || (prop.name == "password" && !style.show_sensitive) {
            continue;
        }
        let value = match item.get(prop.name) {
            // A value set to its default is not a change (RouterOS still shows a rule's action).
            Some(stored)
                if !style.verbose && Some(stored) == prop.default && prop.name != "action" =>
            {
                continue;
            }
            Some(stored) => config.display(prop, stored),
            None if style.verbose => match prop.default {
                Some(default) => String::from(default),
                None => continue,
            },
            None => continue,
        };
        // A built-in item's own name is not a change.
        if menu.kind == MenuKind::Fixed
            && prop.name == "name"
            && item.get("default-name") == Some(value.as_str())
        {
            continue;
        }
        if menu.kind == MenuKind::Fixed
            && !style.verbose
            && prop.name == "port"
            && service_default_port(item).map(|p| alloc::format!("{p}")) == Some(value.clone())
        {
            continue;
        }
        params.push((prop.name, value));
    }
    params.sort_by(|a, b| a.0.cmp(b.0));
    params
        .into_iter()
        .map(|(name, value)| format!("{name}={}", quote(&value)))
        .collect()
}

/// The port `/ip service` item `item` has by default.
fn service_default_port(item: &Item) -> Option<u16> {
    let name = item.get("name")?;
    crate::model::menus::SERVICES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, port)| *port)
}

/// Wraps a line near [`WRAP`] columns: at a space between words where possible (` \` then a
/// four-space indent), inside a quoted value otherwise (RouterOS does the same; the parser joins a
/// quoted string continued with `\` at the end of a line and skips the next line's leading spaces).
pub fn wrap(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= WRAP {
        return String::from(line);
    }
    let mut out = String::new();
    let mut start = 0;
    let mut indent = 0;
    while chars.len() - start + indent > WRAP {
        let limit = start + WRAP - indent - 2;
        // Track quoting from `start` to find a break point outside quotes, or inside if necessary.
        let mut in_quotes = quote_state(&chars, start);
        let mut space_break = None;
        let mut quote_break = None;
        let mut i = start;
        while i < limit && i < chars.len() {
            match chars[i] {
                '\\' if in_quotes => {
                    i += 2;
                    continue;
                }
                '"' => in_quotes = !in_quotes,
                ' ' if !in_quotes && i > start => space_break = Some(i),
                _ => {}
            }
            if in_quotes && i + 1 > start + 4 && chars.get(i + 1) != Some(&' ') {
                quote_break = Some(i + 1);
            }
            i += 1;
        }
        match (space_break, quote_break) {
            (Some(at), _) if at > start + 10 || quote_break.is_none() => {
                out.extend(&chars[start..at]);
                out.push_str(" \\\r\n    ");
                start = at + 1;
            }
            (_, Some(at)) => {
                out.extend(&chars[start..at]);
                out.push_str("\\\r\n    ");
                start = at;
            }
            _ => break,
        }
        indent = 4;
    }
    out.extend(&chars[start..]);
    out
}

/// Whether position `at` of `chars` is inside a quoted string.
fn quote_state(chars: &[char], at: usize) -> bool {
    let mut in_quotes = false;
    let mut i = 0;
    while i < at {
        match chars[i] {
            '\\' if in_quotes => i += 1,
            '"' => in_quotes = !in_quotes,
            _ => {}
        }
        i += 1;
    }
    in_quotes
}
