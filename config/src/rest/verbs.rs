//! The verbs (routeros-reference.md §7), each mapped onto the console's commands through
//! [`crate::cli::call`], so every menu works the same over REST as on the console:
//!
//! | request | command | reply |
//! |---|---|---|
//! | `GET /rest/<menu>` | `print` | array of objects (filters and `.proplist` from the query) |
//! | `GET /rest/<menu>/<id or name>` | `print` of one | the object, or 404 |
//! | `GET /rest/<singleton>` | `print` | one object (`/rest/ip/dns`, `/rest/system/resource`) |
//! | `PUT /rest/<menu>` | `add` | 201 and the created object |
//! | `PUT /rest/<menu>/<id>` | `set` | the whole object (HTTP's PUT-to-a-resource; RouterOS's manual is silent) |
//! | `PATCH /rest/<menu>/<id>`, `PATCH /rest/<singleton>` | `set` | the whole object |
//! | `DELETE /rest/<menu>/<id>` | `remove` | 204, empty; again: 404 |
//! | `POST /rest/<menu>/<command>` | the command | `print`: array; a value: `{"ret":"..."}`; none: `[]` |
//! | `POST /rest/<menu>` with an object | `add` | as PUT (the seed scripts post to a menu to add) |
//!
//! In a body `.id` names the item (`numbers` of the command); properties are checked against the menu
//! before anything runs, so an unknown one is `unknown parameter x` and changes nothing; PATCH does not
//! take `place-before` (ordering is `POST .../move`). Each request that changes the configuration is
//! applied and saved as one console command would be, and the console sees it at once: it is the same
//! configuration.

use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use super::error::RestError;
use super::json;
use super::query::Selection;
use super::target::Target;
use crate::cli::call::{self, Call};
use crate::cli::{PendingAction, Row, Session, Val};
use crate::model::schema::{MenuDef, MenuKind};
use crate::model::{Config, menus, parse_id};
use crate::shell::SystemControl;

/// The log, read from the system.
const LOG: &str = "log";
/// The running connection table, read from the system rather than the configuration.
const CONNECTIONS: &str = "ip/firewall/connection";
/// Most connections one GET lists (the table may hold a million; each is about 500 bytes of JSON).
pub const MAX_CONNECTIONS_LISTED: usize = 4096;

/// What a request needs of the user's group (RouterOS policies).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Read,
    Write,
    /// Ping and traceroute.
    Test,
    Reboot,
    /// Changing `/user`.
    Policy,
}

/// What a verb gives back.
#[derive(Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    /// `None`: no body (204).
    pub body: Option<Value>,
    /// What to do once the reply is sent (`/system reboot`).
    pub after: Option<PendingAction>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Self {
        Reply {
            status,
            body: Some(body),
            after: None,
        }
    }
}

/// Everything a verb works on.
pub struct Context<'a> {
    pub config: &'a mut Config,
    pub system: &'a mut dyn SystemControl,
    pub session: &'a mut Session,
    /// Whether the user's group allows what is asked.
    pub allows: &'a dyn Fn(Need) -> bool,
}

impl Context<'_> {
    fn require(&self, need: Need) -> Result<(), RestError> {
        if (self.allows)(need) {
            Ok(())
        } else {
            Err(RestError::forbidden())
        }
    }

    /// Changing `menu` needs `write`, and `policy` for the users.
    fn require_change(&self, menu: &MenuDef) -> Result<(), RestError> {
        self.require(Need::Write)?;
        if menu.path.starts_with("user") {
            self.require(Need::Policy)?;
        }
        Ok(())
    }

    fn rows(&mut self, menu: &'static MenuDef) -> Vec<Row> {
        if menu.path == LOG {
            return call::log_rows(&*self.system);
        }
        if menu.path == CONNECTIONS {
            return call::connection_rows(menu, self.config, self.system, MAX_CONNECTIONS_LISTED);
        }
        let mut rows = call::rows(menu, self.config, self.system);
        if matches!(menu.path, "interface" | "interface/ethernet") {
            add_counters(&mut rows, &*self.system);
        }
        rows
    }

    /// What a print of `target`'s path lists, and whether that is one object (`/system resource`,
    /// a singleton) rather than a menu's items.
    fn objects(&mut self, target: &Target) -> Result<(bool, Vec<Map<String, Value>>), RestError> {
        if target.path == "system/resource" {
            return Ok((true, alloc::vec![resource(&*self.system)]));
        }
        let menu = menu_of(target)?;
        if menu.kind == MenuKind::Singleton {
            let row = call::singleton_row(menu, self.config, self.system);
            return Ok((true, alloc::vec![json::object(menu, &row)]));
        }
        let rows = self.rows(menu);
        Ok((
            false,
            rows.iter().map(|row| json::object(menu, row)).collect(),
        ))
    }

    fn run(&mut self, call: &Call) -> Result<call::CallResult, RestError> {
        call::call(call, self.config, self.session, self.system).map_err(RestError::from)
    }
}

/// The traffic counters of each interface (what `/interface print stats` shows), as RouterOS's REST
/// API includes them in `/rest/interface`: monitoring scripts read `rx-byte` and `tx-byte` there.
fn add_counters(rows: &mut [Row], system: &dyn SystemControl) {
    let interfaces = system.interfaces();
    for row in rows {
        let Some(info) = interfaces
            .iter()
            .find(|i| row.get("name") == Some(i.name.as_str()))
        else {
            continue;
        };
        for (name, value) in [
            ("rx-byte", info.rx_byte),
            ("tx-byte", info.tx_byte),
            ("rx-packet", info.rx_packet),
            ("tx-packet", info.tx_packet),
            ("rx-drop", info.rx_drop),
            ("tx-drop", info.tx_drop),
            ("tx-queue-drop", info.tx_queue_drop),
            ("rx-error", info.rx_error),
            ("tx-error", info.tx_error),
        ] {
            row.values.insert(name, alloc::format!("{value}"));
        }
    }
}

/// The menu at `target.path` (`/log`'s too), or the 400 RouterOS gives for a directory or an unknown
/// command.
fn menu_of(target: &Target) -> Result<&'static MenuDef, RestError> {
    if target.path == LOG {
        return Ok(call::log_menu());
    }
    menus::menu(&target.path).ok_or_else(|| {
        let last = target.path.rsplit('/').next().unwrap_or("");
        RestError::no_such_command(target.rest.as_deref().unwrap_or(last))
    })
}

/// The row `reference` (`*1F`, or the item's name) names.
fn find(menu: &MenuDef, rows: Vec<Row>, reference: &str) -> Option<Row> {
    if let Some(id) = parse_id(reference) {
        return rows.into_iter().find(|r| r.id == id);
    }
    let key = menu.key?;
    rows.into_iter().find(|r| r.get(key) == Some(reference))
}

/// `GET`.
pub fn get(
    ctx: &mut Context<'_>,
    target: &Target,
    query: &[(String, String)],
) -> Result<Reply, RestError> {
    ctx.require(Need::Read)?;
    let selection = Selection::from_url(query)?;
    let Some(reference) = &target.rest else {
        let (single, objects) = ctx.objects(target)?;
        let body = if single {
            let object = objects.into_iter().next().unwrap_or_default();
            Value::Object(selection.project(object))
        } else {
            Value::Array(selection.select(objects))
        };
        return Ok(Reply::json(200, body));
    };
    let menu = menu_of(target)?;
    if menu.kind == MenuKind::Singleton {
        return Err(RestError::no_such_command(reference));
    }
    let row = find(menu, ctx.rows(menu), reference).ok_or_else(RestError::not_found)?;
    let object = selection.project(json::object(menu, &row));
    Ok(Reply::json(200, Value::Object(object)))
}

/// `/system resource` as one object.
fn resource(system: &dyn SystemControl) -> Map<String, Value> {
    crate::resource::properties(&system.resource())
        .into_iter()
        .map(|(name, value)| (String::from(name), Value::from(value)))
        .collect()
}

/// The body's properties for `add`/`set` of `menu`, checked: `.id` is taken out (it must name
/// `item` when given), anything the menu does not have is `unknown parameter`.
fn properties(
    menu: &MenuDef,
    body: &[u8],
    item: Option<&Row>,
    extra: &[&str],
) -> Result<Vec<(String, String)>, RestError> {
    let mut out = Vec::new();
    for (name, value) in json::arguments(body)? {
        if name == ".id" {
            match item {
                Some(row) if parse_id(&value) == Some(row.id) => continue,
                Some(_) => return Err(RestError::bad_request("item id does not match the path")),
                None => return Err(RestError::unknown_parameter(&name)),
            }
        }
        let known = menu.prop(&name).is_some()
            || menu.props.iter().any(|p| p.alias == Some(name.as_str()))
            || extra.contains(&name.as_str());
        if !known {
            return Err(RestError::unknown_parameter(&name));
        }
        out.push((name, value));
    }
    Ok(out)
}

/// `add` of `body` to `menu`: 201 and the new item.
fn add(ctx: &mut Context<'_>, menu: &'static MenuDef, body: &[u8]) -> Result<Reply, RestError> {
    if !call::commands(menu.path).contains(&"add") {
        return Err(RestError::no_such_command("add"));
    }
    ctx.require_change(menu)?;
    let extra: &[&str] = if menu.kind == MenuKind::Ordered {
        &["place-before", "copy-from"]
    } else {
        &["copy-from"]
    };
    let named = properties(menu, body, None, extra)?;
    let result = ctx.run(&Call {
        path: String::from(menu.path),
        command: String::from("add"),
        unnamed: Vec::new(),
        named,
    })?;
    let Val::Id(id) = result.value else {
        return Ok(Reply::json(201, Value::Object(Map::new())));
    };
    let row = ctx
        .rows(menu)
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(RestError::not_found)?;
    Ok(Reply::json(201, Value::Object(json::object(menu, &row))))
}

/// `set` of `body` on the item `reference` (or the singleton): the whole object after it.
fn set(
    ctx: &mut Context<'_>,
    menu: &'static MenuDef,
    reference: Option<&str>,
    body: &[u8],
) -> Result<Reply, RestError> {
    ctx.require_change(menu)?;
    let row = match reference {
        Some(reference) => {
            Some(find(menu, ctx.rows(menu), reference).ok_or_else(RestError::not_found)?)
        }
        None => None,
    };
    let named = properties(menu, body, row.as_ref(), &[])?;
    let unnamed = row
        .as_ref()
        .map(|r| alloc::vec![crate::model::format_id(r.id)])
        .unwrap_or_default();
    ctx.run(&Call {
        path: String::from(menu.path),
        command: String::from("set"),
        unnamed,
        named,
    })?;
    let after = match row {
        Some(row) => ctx
            .rows(menu)
            .into_iter()
            .find(|r| r.id == row.id)
            .ok_or_else(RestError::not_found)?,
        None => call::singleton_row(menu, ctx.config, ctx.system),
    };
    Ok(Reply::json(200, Value::Object(json::object(menu, &after))))
}

/// `PUT`: add to a menu, or set an item (or a singleton).
pub fn put(ctx: &mut Context<'_>, target: &Target, body: &[u8]) -> Result<Reply, RestError> {
    let menu = menu_of(target)?;
    match (menu.kind, target.rest.as_deref()) {
        (MenuKind::Singleton, None) => set(ctx, menu, None, body),
        (MenuKind::Singleton, Some(rest)) => Err(RestError::no_such_command(rest)),
        (_, None) => add(ctx, menu, body),
        (_, Some(reference)) => set(ctx, menu, Some(reference), body),
    }
}

/// `PATCH`: set an item or a singleton.
pub fn patch(ctx: &mut Context<'_>, target: &Target, body: &[u8]) -> Result<Reply, RestError> {
    let menu = menu_of(target)?;
    match (menu.kind, target.rest.as_deref()) {
        (MenuKind::Singleton, None) => set(ctx, menu, None, body),
        (MenuKind::Singleton, Some(rest)) => Err(RestError::no_such_command(rest)),
        (_, None) => Err(RestError::bad_request("expected item id")),
        (_, Some(reference)) => set(ctx, menu, Some(reference), body),
    }
}

/// `DELETE`: remove an item; 204 without body.
pub fn delete(ctx: &mut Context<'_>, target: &Target) -> Result<Reply, RestError> {
    let menu = menu_of(target)?;
    let Some(reference) = target.rest.as_deref() else {
        return Err(RestError::bad_request("expected item id"));
    };
    if !call::commands(menu.path).contains(&"remove") {
        return Err(RestError::no_such_command("remove"));
    }
    ctx.require_change(menu)?;
    let row = find(menu, ctx.rows(menu), reference).ok_or_else(RestError::not_found)?;
    ctx.run(&Call {
        path: String::from(menu.path),
        command: String::from("remove"),
        unnamed: alloc::vec![crate::model::format_id(row.id)],
        named: Vec::new(),
    })?;
    Ok(Reply {
        status: 204,
        body: None,
        after: None,
    })
}

/// What running `command` needs: reading commands need `read`, the tools `test`, rebooting
/// `reboot`, everything else `write` (and `policy` under `/user`).
fn need_of(path: &str, command: &str) -> Vec<Need> {
    match command {
        "print" | "get" | "find" | "export" | "monitor-traffic" => alloc::vec![Need::Read],
        "ping" | "traceroute" => alloc::vec![Need::Test],
        "reboot" | "shutdown" => alloc::vec![Need::Reboot],
        _ if path.starts_with("user") => alloc::vec![Need::Write, Need::Policy],
        _ => alloc::vec![Need::Write],
    }
}

/// `POST`: a command, or `add` when the path is a menu and no command is named.
pub fn post(ctx: &mut Context<'_>, target: &Target, body: &[u8]) -> Result<Reply, RestError> {
    let Some(command) = target.rest.as_deref() else {
        let menu = menu_of(target)?;
        return add(ctx, menu, body);
    };
    let commands = call::commands(&target.path);
    if !commands.contains(&command) {
        return Err(RestError::no_such_command(command));
    }
    for need in need_of(&target.path, command) {
        ctx.require(need)?;
    }
    if command == "print" {
        return print(ctx, target, body);
    }
    let mut named = json::arguments(body)?;
    for (name, _) in &mut named {
        if name == ".id" {
            *name = String::from("numbers");
        }
    }
    // The API's flags are names without a value (`"once":""`, the binary API's `=once=`); the
    // console's are bare words. An empty value that is no property of the menu is such a flag.
    let menu = menus::menu(&target.path);
    let (flags, named): (Vec<_>, Vec<_>) = named
        .into_iter()
        .partition(|(name, value)| value.is_empty() && menu.is_none_or(|m| m.prop(name).is_none()));
    let unnamed = flags.into_iter().map(|(name, _)| name).collect();
    // The console's own dialogs and whole-configuration commands.
    if matches!(
        (target.path.as_str(), command),
        ("", "import" | "password" | "quit" | "undo" | "redo") | ("system", "reset-configuration")
    ) {
        return Err(RestError::bad_request(
            "failure: not available over the REST API",
        ));
    }
    let result = ctx.run(&Call {
        path: target.path.clone(),
        command: String::from(command),
        unnamed,
        named,
    })?;
    if let Some(PendingAction::ResetConfiguration { .. }) = result.pending {
        return Err(RestError::bad_request(
            "failure: not available over the REST API",
        ));
    }
    let body = match result.value {
        // A tool's rows (`/ping`): an array of objects.
        _ if !result.records.is_empty() => Value::Array(
            result
                .records
                .into_iter()
                .map(|record| {
                    let object = record
                        .into_iter()
                        .map(|(name, value)| (String::from(name), Value::from(value)))
                        .collect();
                    Value::Object(object)
                })
                .collect(),
        ),
        Val::Nothing if !result.printed.is_empty() => ret(&result.printed.replace("\r\n", "\n")),
        Val::Nothing => Value::Array(Vec::new()),
        value => ret(&value.to_text()),
    };
    Ok(Reply {
        status: 200,
        body: Some(body),
        after: result.pending,
    })
}

/// `{"ret":"..."}`, how RouterOS returns a command's value.
fn ret(text: &str) -> Value {
    let mut object = Map::new();
    object.insert(String::from("ret"), Value::from(text));
    Value::Object(object)
}

/// `POST .../print` with `.proplist` and `.query`.
fn print(ctx: &mut Context<'_>, target: &Target, body: &[u8]) -> Result<Reply, RestError> {
    let selection = Selection::from_body(&json::parse_body(body)?)?;
    let (_, objects) = ctx.objects(target)?;
    Ok(Reply::json(200, Value::Array(selection.select(objects))))
}
