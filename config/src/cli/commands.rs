//! The commands: menu commands (`add`, `set`, `remove`, `enable`, `disable`, `comment`, `move`, `get`,
//! `find`, `print`, `export`; `reset-counters` is in `counters`, the connection table's commands in
//! `connections`, `/log print` and `:log` in `log`, `/file` in `files`), system commands (`/import`, `/undo`, `/redo`,
//! `/system reboot` …) and the scripting commands (`:put`, `:local`, `:global`, `:set`, `:if`,
//! `:foreach`, `:do`, `:delay`, `:log`, `:error`) as RouterOS defines them (routeros-reference.md §6).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::eval::Args;
use super::items::equalities;
use super::resolve::resolve;
use super::val::Val;
use super::{CliError, Env, Mode, PendingAction};
use crate::model::schema::{MenuDef, MenuKind};
use crate::model::{Change, menus};
use crate::script::{self, Command, Pos, WordKind};

impl Env<'_> {
    /// Runs one command of a script.
    pub fn dispatch(&mut self, command: &Command) -> Result<Val, CliError> {
        let Some(first) = command.words.first() else {
            return Ok(Val::Nothing);
        };
        if let WordKind::Bare(word) = &first.kind
            && let Some(name) = word.strip_prefix(':')
        {
            return self.scripting(name, first.pos, command);
        }
        let resolved = resolve(&self.session.path, &command.words)?;
        let Some(name) = resolved.command else {
            if command.words.len() == 1 || resolved.args_from == command.words.len() {
                if !menus::is_node(&resolved.path) {
                    return Err(CliError::at("bad command name", first.pos));
                }
                // A path alone enters that menu (for the following lines of a script too).
                self.session.path = resolved.path;
            }
            return Ok(Val::Nothing);
        };
        let words = command.words.get(resolved.args_from..).unwrap_or(&[]);
        // Substitutions in the arguments (`set [find ...]`) run in the command's menu.
        let saved = core::mem::replace(&mut self.session.path, resolved.path.clone());
        let args = self.args(words);
        self.session.path = saved;
        let mut args = args?;
        let path = resolved.path.as_str();
        match (path, name) {
            ("", "import") => return self.import(args),
            ("", "undo") => return self.undo(args, true),
            ("", "redo") => return self.undo(args, false),
            ("", "quit") => return self.confirm(args, PendingAction::Quit),
            ("", "password") => return self.password(args),
            ("system", "reboot") => return self.confirm(args, PendingAction::Reboot),
            ("system", "shutdown") => return self.confirm(args, PendingAction::Shutdown),
            ("system/package", "enable" | "disable") => return self.package_switch(args),
            ("system", "reset-configuration") => {
                let no_defaults = args
                    .take("no-defaults")
                    .is_some_and(|v| v.truthy() || v.to_text() == "yes");
                let keep_users = args
                    .take("keep-users")
                    .is_some_and(|v| v.truthy() || v.to_text() == "yes");
                // There is no backup to skip: the appliance keeps no automatic backup.
                let _ = args.take("skip-backup");
                return self.confirm(
                    args,
                    PendingAction::ResetConfiguration {
                        no_defaults,
                        keep_users,
                    },
                );
            }
            ("system/resource", "print") => return self.resource_print(args),
            ("log", "print") => return self.log_print(args, command.where_.as_ref()),
            ("file", "print") => return self.file_print(args),
            ("file", "remove") => return self.file_remove(args),
            ("system/script", "run") => return self.script_run(args),
            ("", "ping") => return self.ping(args),
            ("tool", "traceroute") => return self.traceroute(args),
            ("interface", "monitor-traffic") => return self.monitor_traffic(args),
            ("ip/dns/cache", "flush") => {
                args.leftover()?;
                self.system.flush_dns_cache();
                return Ok(Val::Nothing);
            }
            _ => {}
        }
        if name == "export" {
            return self.export(path, args, command.where_.as_ref());
        }
        let Some(menu) = menus::menu(path) else {
            return Err(CliError::at("bad command name", first.pos));
        };
        if path == super::connections::PATH {
            return self.connection_command(menu, name, args, command.where_.as_ref(), first.pos);
        }
        if super::clock::handles(path, name) {
            return self.clock_command(menu, name, args);
        }
        if path == "system/scheduler" && matches!(name, "add" | "set") {
            self.schedule_args(menu, name, &mut args)?;
        }
        match name {
            "add" => self.add(menu, args),
            "set" => self.set(menu, args),
            "remove" => self.remove(menu, args),
            "enable" => self.set_disabled(menu, args, false),
            "disable" => self.set_disabled(menu, args, true),
            "comment" => self.comment(menu, args),
            "move" => self.move_items(menu, args),
            "get" => self.get(menu, args),
            "find" => self.find(menu, args, command.where_.as_ref()),
            "print" => self.print(menu, args, command.where_.as_ref()),
            "reset-counters" => self.reset_counters(menu, args, false),
            "reset-counters-all" => self.reset_counters(menu, args, true),
            "renew" | "release" if path == super::dhcp_client::PATH => {
                self.dhcp_client_command(menu, name, args)
            }
            "make-static" if path == super::dhcp_server::PATH => self.make_static(menu, args),
            _ => Err(CliError::at("bad command name", first.pos)),
        }
    }

    /// `/password`: with `old-password=`, `new-password=` and `confirm-new-password=` (absent ones
    /// are empty) changes the logged-in user's password at once; without them, on the console, the
    /// console asks for the three without echoing them (crate::login).
    fn password(&mut self, mut args: Args) -> Result<Val, CliError> {
        let typed = ["old-password", "new-password", "confirm-new-password"]
            .map(|name| args.take(name).map(|v| v.to_text()));
        args.leftover()?;
        if typed.iter().all(Option::is_none) {
            return self.confirm(args, PendingAction::ChangePassword);
        }
        let [old, new, confirm] = typed.map(Option::unwrap_or_default);
        if self.session.user.is_empty() {
            return Err(CliError::plain("failure: not logged in"));
        }
        let entropy = self.system.entropy();
        crate::login::change_password(
            self.config,
            &self.session.user,
            &old,
            &new,
            &confirm,
            entropy,
        )
        .map_err(CliError::plain)?;
        Ok(Val::Nothing)
    }

    fn confirm(&mut self, args: Args, action: PendingAction) -> Result<Val, CliError> {
        args.leftover()?;
        if self.mode == Mode::Interactive && self.depth == 0 {
            self.pending = Some(action);
            Ok(Val::Nothing)
        } else {
            Err(CliError::plain("failure: not allowed in a script"))
        }
    }

    /// The property changes of `name=value` and `!name` arguments.
    fn changes(&self, menu: &'static MenuDef, args: &mut Args) -> Result<Vec<Change>, CliError> {
        let mut changes = Vec::new();
        for (name, value, pos) in core::mem::take(&mut args.named) {
            match menu.resolve_prop(&name) {
                Ok(prop) if prop.empty_unsets && value.to_text().is_empty() => {
                    changes.push(Change::Unset(prop));
                }
                Ok(prop) => {
                    let text = value.to_text();
                    // A script's error points at the argument (the console's names it only).
                    if self.mode != Mode::Interactive
                        && let Err(e) = self.config.normalize(prop, &text)
                    {
                        return Err(CliError::at(format!("{e}"), pos));
                    }
                    // A user's password is stored only as its salted hash (crate::login).
                    let text = if crate::login::is_password(menu, prop) {
                        let salt = crate::login::new_salt(self.system.entropy(), "");
                        crate::login::hash_password(&text, salt)
                    } else {
                        text
                    };
                    changes.push(Change::Set(prop, text));
                }
                Err(_) => return Err(CliError::at("expected end of command", pos)),
            }
        }
        for (name, pos) in core::mem::take(&mut args.unset) {
            match menu.resolve_prop(&name) {
                Ok(prop) => changes.push(Change::Unset(prop)),
                Err(_) => return Err(CliError::at("expected end of command", pos)),
            }
        }
        Ok(changes)
    }

    fn add(&mut self, menu: &'static MenuDef, mut args: Args) -> Result<Val, CliError> {
        let place_before = match args.take("place-before") {
            Some(v) if menu.kind == MenuKind::Ordered => self.item_ids(menu, &v)?.first().copied(),
            Some(_) => return Err(CliError::plain("expected end of command")),
            None => None,
        };
        let copy_from = args.take("copy-from");
        let mut changes = Vec::new();
        if let Some(source) = copy_from {
            let id = self
                .item_ids(menu, &source)?
                .first()
                .copied()
                .ok_or_else(|| CliError::plain("no such item"))?;
            let item = self
                .config
                .item(menu, id)
                .cloned()
                .ok_or_else(|| CliError::plain("no such item"))?;
            for (name, value) in &item.values {
                if let Some(prop) = menu.prop(name).filter(|p| p.is_writable()) {
                    changes.push(Change::Set(prop, self.config.display(prop, value)));
                }
            }
        }
        changes.extend(self.changes(menu, &mut args)?);
        args.leftover()?;
        // An address-list entry with `timeout=` is dynamic: the running system keeps it, and it is
        // neither saved nor exported (routeros-reference.md §3).
        let item = self.config.new_item(menu, &changes)?;
        if crate::apply::is_dynamic(menu, &item) {
            let id = self
                .system
                .add_dynamic(menu, &item)
                .map_err(CliError::plain)?;
            return Ok(id.map_or(Val::Nothing, Val::Id));
        }
        let id = self.config.add(menu, &changes, place_before)?;
        derive_values(self.config, menu, id);
        self.check(menu, id)?;
        Ok(Val::Id(id))
    }

    /// The semantic check of the apply layer (a firewall rule must compile, a route needs a gateway).
    fn check(&self, menu: &'static MenuDef, id: u32) -> Result<(), CliError> {
        if let Some(item) = self.config.item(menu, id).or(self.config.singleton(menu)) {
            crate::apply::check(self.config, menu, item)?;
        }
        Ok(())
    }

    /// The items named by the first unnamed argument (none for singleton menus).
    pub(super) fn targets(
        &mut self,
        menu: &'static MenuDef,
        args: &mut Args,
    ) -> Result<Vec<u32>, CliError> {
        if menu.kind == MenuKind::Singleton {
            return Ok(alloc::vec![0]);
        }
        let reference = match args.take("numbers") {
            Some(v) => v,
            None if !args.unnamed.is_empty() => args.unnamed.remove(0).0,
            None => return Err(CliError::plain("expected item id")),
        };
        self.item_ids(menu, &reference)
    }

    fn set(&mut self, menu: &'static MenuDef, mut args: Args) -> Result<Val, CliError> {
        let ids = self.targets(menu, &mut args)?;
        let changes = self.changes(menu, &mut args)?;
        args.leftover()?;
        for id in ids {
            self.config.set(menu, id, &changes)?;
            derive_values(self.config, menu, id);
            self.check(menu, id)?;
        }
        Ok(Val::Nothing)
    }

    fn remove(&mut self, menu: &'static MenuDef, mut args: Args) -> Result<Val, CliError> {
        let ids = self.targets(menu, &mut args)?;
        args.leftover()?;
        // Configured items first: a failure there leaves the running system's items as they were.
        let (dynamic, configured): (Vec<u32>, Vec<u32>) = ids.into_iter().partition(|id| {
            *id >= crate::apply::FIRST_DYNAMIC_ID && self.config.item(menu, *id).is_none()
        });
        for id in configured {
            self.config.remove(menu, id)?;
        }
        if menu.storage == "user" {
            crate::login::check_users(self.config).map_err(CliError::plain)?;
        }
        for id in dynamic {
            self.system
                .remove_dynamic(self.config, menu, id)
                .map_err(CliError::plain)?;
        }
        Ok(Val::Nothing)
    }

    fn set_disabled(
        &mut self,
        menu: &'static MenuDef,
        mut args: Args,
        disabled: bool,
    ) -> Result<Val, CliError> {
        let prop = menu
            .prop("disabled")
            .ok_or_else(|| CliError::plain("bad command name"))?;
        let ids = self.targets(menu, &mut args)?;
        args.leftover()?;
        let value = String::from(if disabled { "yes" } else { "no" });
        for id in ids {
            self.config
                .set(menu, id, &[Change::Set(prop, value.clone())])?;
        }
        Ok(Val::Nothing)
    }

    fn comment(&mut self, menu: &'static MenuDef, mut args: Args) -> Result<Val, CliError> {
        let prop = menu
            .prop("comment")
            .ok_or_else(|| CliError::plain("bad command name"))?;
        let ids = self.targets(menu, &mut args)?;
        let text = match args.take("comment") {
            Some(v) => v.to_text(),
            None if !args.unnamed.is_empty() => args.unnamed.remove(0).0.to_text(),
            None => String::new(),
        };
        args.leftover()?;
        for id in ids {
            self.config
                .set(menu, id, &[Change::Set(prop, text.clone())])?;
        }
        Ok(Val::Nothing)
    }

    fn move_items(&mut self, menu: &'static MenuDef, mut args: Args) -> Result<Val, CliError> {
        let ids = self.targets(menu, &mut args)?;
        let destination = match args.take("destination") {
            Some(v) => Some(v),
            None if !args.unnamed.is_empty() => Some(args.unnamed.remove(0).0),
            None => None,
        };
        args.leftover()?;
        let destination = match destination {
            Some(v) => self.item_ids(menu, &v)?.first().copied(),
            None => None,
        };
        self.config.move_before(menu, &ids, destination)?;
        Ok(Val::Nothing)
    }

    fn get(&mut self, menu: &'static MenuDef, mut args: Args) -> Result<Val, CliError> {
        let ids = if menu.kind == MenuKind::Singleton {
            Vec::new()
        } else {
            self.targets(menu, &mut args)?
        };
        let name = match args.take("value-name") {
            Some(v) => Some(v.to_text()),
            None if !args.unnamed.is_empty() => Some(args.unnamed.remove(0).0.to_text()),
            None => None,
        };
        args.leftover()?;
        let rows = self.rows(menu);
        let row = match ids.first() {
            Some(id) => rows.iter().find(|r| r.id == *id),
            None => rows.first(),
        };
        let Some(name) = name else {
            return Ok(Val::Nothing);
        };
        let prop = menu
            .resolve_prop(&name)
            .map_err(|_| CliError::plain("no such property"))?;
        if menu.kind != MenuKind::Singleton && row.is_none() {
            return Err(CliError::plain("no such item"));
        }
        let value = match row {
            Some(r) => r.get(prop.name).map(String::from),
            None => prop.default.map(String::from),
        };
        Ok(value.map_or(Val::Nothing, Val::Str))
    }

    fn find(
        &mut self,
        menu: &'static MenuDef,
        mut args: Args,
        condition: Option<&script::Expr>,
    ) -> Result<Val, CliError> {
        let equal = equalities(&args.named);
        args.named.clear();
        // Bare words such as `dynamic` in `find dynamic` are boolean conditions.
        let flags: Vec<String> = args.unnamed.drain(..).map(|(v, _)| v.to_text()).collect();
        args.leftover()?;
        let rows = self.select(menu, condition, &equal)?;
        Ok(Val::Array(
            rows.into_iter()
                .filter(|r| flags.iter().all(|f| r.is(f)))
                .map(|r| Val::Id(r.id))
                .collect(),
        ))
    }

    fn undo(&mut self, args: Args, undo: bool) -> Result<Val, CliError> {
        args.leftover()?;
        self.undoing = true;
        let restored = if undo {
            self.session.undo.undo(self.config)
        } else {
            self.session.undo.redo(self.config)
        };
        if !restored {
            return Err(CliError::plain(if undo {
                "failure: nothing to undo"
            } else {
                "failure: nothing to redo"
            }));
        }
        if let Err(message) = self.system.apply(self.config) {
            // Put it back the way it was.
            if undo {
                self.session.undo.redo(self.config);
            } else {
                self.session.undo.undo(self.config);
            }
            return Err(CliError::plain(message));
        }
        Ok(Val::Nothing)
    }

    fn import(&mut self, mut args: Args) -> Result<Val, CliError> {
        let name = match args.take("file-name") {
            Some(v) => v.to_text(),
            None if !args.unnamed.is_empty() => args.unnamed.remove(0).0.to_text(),
            None => return Err(CliError::plain("missing value(s) of argument(s) file-name")),
        };
        let verbose = args.take("verbose").is_some_and(|v| v.to_text() == "yes");
        let dry_run =
            args.flag("dry-run") || args.take("dry-run").is_some_and(|v| v.to_text() == "yes");
        args.leftover()?;
        let text = self
            .system
            .read_file(&name)
            .or_else(|| self.system.read_file(&format!("{name}.rsc")))
            .ok_or_else(|| CliError::plain("failure: no such file"))?;
        let script = script::parse(&text).map_err(|e| CliError::at("syntax error", e.pos))?;
        // A dry run reports the errors and leaves everything as it was (cli::dry_run).
        let run = |env: &mut Env<'_>| env.import_commands(&script, verbose || dry_run, verbose);
        let errors = if dry_run {
            self.dry_run(run)
        } else {
            run(self)
        }?;
        if errors == 0 {
            let _ = write_line(self.out, "Script file loaded and executed successfully");
        }
        Ok(Val::Nothing)
    }

    /// Runs an imported file's commands from the root menu: the first error stops it, or with
    /// `go_on` (`verbose`, `dry-run`) is printed and the next command runs; `echo` prints each
    /// command first. Returns how many failed.
    fn import_commands(
        &mut self,
        script: &script::Script,
        go_on: bool,
        echo: bool,
    ) -> Result<u32, CliError> {
        let saved_path = core::mem::take(&mut self.session.path);
        let mut errors = 0u32;
        for command in &script.commands {
            if echo {
                let _ = write_line(
                    self.out,
                    &format!("#line {}: {}", command.pos.line, command.text),
                );
            }
            self.depth += 1;
            let result = self.dispatch(command);
            self.depth -= 1;
            if let Err(e) = result {
                errors += 1;
                let located = CliError {
                    message: e.message,
                    pos: Some(e.pos.unwrap_or(command.pos)),
                    keep_changes: true,
                };
                if !go_on {
                    self.session.path = saved_path;
                    return Err(located);
                }
                let _ = write_line(self.out, &format!("{located}"));
            }
        }
        self.session.path = saved_path;
        Ok(errors)
    }

    /// `:put`, `:local`, `:global`, `:set`, `:if`, `:foreach`, `:do`, `:delay`, `:log`, `:error`.
    fn scripting(&mut self, name: &str, pos: Pos, command: &Command) -> Result<Val, CliError> {
        let mut args = self.args(command.words.get(1..).unwrap_or(&[]))?;
        match name {
            "put" => {
                let text = match args.unnamed.first() {
                    Some((v, _)) => v.to_text(),
                    None => String::new(),
                };
                let _ = write_line(self.out, &text);
                Ok(Val::Nothing)
            }
            "local" | "global" | "set" => {
                let (var, value) = match args.unnamed.len() {
                    0 => return Err(CliError::at("missing value(s) of argument(s) name", pos)),
                    _ => {
                        let var = args.unnamed.remove(0).0.to_text();
                        let value = if args.unnamed.is_empty() {
                            Val::Nothing
                        } else {
                            args.unnamed.remove(0).0
                        };
                        (var, value)
                    }
                };
                args.leftover()?;
                match name {
                    "local" => {
                        if let Some(scope) = self.locals.last_mut() {
                            scope.insert(var, value);
                        }
                    }
                    "global" => {
                        self.session.globals.insert(var, value);
                    }
                    _ => {
                        if let Some(scope) =
                            self.locals.iter_mut().rev().find(|s| s.contains_key(&var))
                        {
                            scope.insert(var, value);
                        } else {
                            self.session.globals.insert(var, value);
                        }
                    }
                }
                Ok(Val::Nothing)
            }
            "if" => {
                let condition = match args.unnamed.first() {
                    Some((v, _)) => v.truthy(),
                    None => {
                        return Err(CliError::at(
                            "missing value(s) of argument(s) condition",
                            pos,
                        ));
                    }
                };
                let branch = if condition {
                    args.take("do")
                } else {
                    args.take("else")
                };
                match branch {
                    Some(Val::Code(code)) => self.block(&code),
                    _ => Ok(Val::Nothing),
                }
            }
            "foreach" => {
                let var = match args.unnamed.first() {
                    Some((v, _)) => v.to_text(),
                    None => {
                        return Err(CliError::at("missing value(s) of argument(s) counter", pos));
                    }
                };
                let list = args.take("in").unwrap_or_default();
                let Some(Val::Code(code)) = args.take("do") else {
                    return Err(CliError::at("missing value(s) of argument(s) do", pos));
                };
                let items = match list {
                    Val::Array(items) => items,
                    Val::Nothing => Vec::new(),
                    other => alloc::vec![other],
                };
                for item in items {
                    let mut scope = alloc::collections::BTreeMap::new();
                    scope.insert(var.clone(), item);
                    self.locals.push(scope);
                    let result = self.nested(&code);
                    self.locals.pop();
                    result?;
                }
                Ok(Val::Nothing)
            }
            "do" => {
                let body = match args.unnamed.first() {
                    Some((Val::Code(code), _)) => code.clone(),
                    _ => match args.take("command") {
                        Some(Val::Code(code)) => code,
                        _ => {
                            return Err(CliError::at(
                                "missing value(s) of argument(s) command",
                                pos,
                            ));
                        }
                    },
                };
                let on_error = args.take("on-error");
                match self.block(&body) {
                    Ok(v) => Ok(v),
                    Err(e) => match on_error {
                        Some(Val::Code(handler)) => self.block(&handler),
                        _ => Err(e),
                    },
                }
            }
            // The console cannot block; a script's delay only orders its output, which is immediate here.
            "delay" => Ok(Val::Nothing),
            "log" => self.script_log(args, pos),
            "error" => {
                let message = args
                    .unnamed
                    .first()
                    .map(|(v, _)| v.to_text())
                    .unwrap_or_default();
                Err(CliError::plain(message))
            }
            "len" => Ok(match args.unnamed.first() {
                Some((Val::Array(items), _)) => Val::Num(items.len() as i64),
                Some((v, _)) => Val::Num(v.to_text().chars().count() as i64),
                None => Val::Num(0),
            }),
            "resolve" => self.resolve(args, pos),
            "tostr" => Ok(Val::Str(
                args.unnamed
                    .first()
                    .map(|(v, _)| v.to_text())
                    .unwrap_or_default(),
            )),
            _ => Err(CliError::at(format!("bad command name {name}"), pos)),
        }
    }

    /// `:resolve NAME` (or `domain-name=NAME`): the address, which `[:resolve NAME]` gives a script; an
    /// address is its own answer, as on RouterOS.
    fn resolve(&mut self, mut args: Args, pos: Pos) -> Result<Val, CliError> {
        let name = match args.take("domain-name") {
            Some(v) => v.to_text(),
            None if !args.unnamed.is_empty() => args.unnamed.remove(0).0.to_text(),
            None => {
                return Err(CliError::at(
                    "missing value(s) of argument(s) domain-name",
                    pos,
                ));
            }
        };
        let _ = args.take("server");
        args.leftover()?;
        if crate::value::parse_ipv4(&name).is_some() {
            return Ok(Val::Str(name));
        }
        self.system
            .resolve(&name)
            .map(Val::Str)
            .map_err(CliError::plain)
    }

    /// Runs a `{ ... }` block in a scope of its own.
    fn block(&mut self, code: &script::Script) -> Result<Val, CliError> {
        self.locals.push(alloc::collections::BTreeMap::new());
        let result = self.nested(code);
        self.locals.pop();
        result
    }
}

/// Values RouterOS fills in itself: an address's `network` follows its address (host bits cleared).
fn derive_values(config: &mut crate::model::Config, menu: &MenuDef, id: u32) {
    if menu.path != "ip/address" {
        return;
    }
    let Some(item) = config.item(menu, id) else {
        return;
    };
    let Some(cidr) = item
        .get("address")
        .and_then(crate::value::parse_ipv4_prefix)
    else {
        return;
    };
    let network = cidr.network().address();
    config.set_system_value(menu, id, "network", &format!("{network}"));
}

/// Writes one console line.
pub fn write_line(out: &mut dyn core::fmt::Write, text: &str) -> core::fmt::Result {
    out.write_str(text)?;
    out.write_str("\r\n")
}
