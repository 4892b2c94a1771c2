//! The REST API (`/rest`, routeros-reference.md §7): HTTP requests, already read and framed by the
//! router's HTTP server (`netstack::http`), turned into commands on the same configuration the console
//! edits.
//!
//! A request is answered in three steps:
//! 1. [`auth`]: HTTP Basic credentials of an enabled `/user` with a password (none works before the
//!    admin password was set on the console), from a source its `address=` allows; failures are
//!    counted per source and a source that fails too often is refused for a while (429);
//! 2. [`target`]: the path names a menu and maybe an item or command (`no such command or directory`);
//! 3. [`verbs`]: GET/PUT/PATCH/DELETE/POST run as `print`/`add`/`set`/`remove`/commands through
//!    [`crate::cli::call`], after the user's group was asked whether it allows them (403).
//!
//! A client whose `Accept` takes no JSON gets 406. Replies are JSON (every value a string, [`json`]); errors are `{"error":N,"message":...,"detail":...}`
//! ([`error`]). Nothing here panics on any request; bodies are bounded by the HTTP server and again by
//! [`json::MAX_BODY`].

pub mod auth;
pub mod error;
pub mod fuzz_input;
pub mod json;
pub mod query;
pub mod target;
pub mod verbs;

#[cfg(test)]
mod tests;

use alloc::string::String;
use alloc::vec::Vec;

use smoltcp::wire::IpAddress;

use crate::cli::{PendingAction, Session};
use crate::model::Config;
use crate::shell::SystemControl;
use error::RestError;
use verbs::{Context, Need, Reply};

/// A request as the HTTP server hands it over.
#[derive(Clone, Copy, Debug)]
pub struct RestRequest<'a> {
    /// `GET`, `PUT`, … as sent.
    pub method: &'a str,
    /// The percent-decoded path (`/rest/ip/address/*1`).
    pub path: &'a str,
    /// The query's decoded `name=value` pairs.
    pub query: &'a [(String, String)],
    /// The `Authorization` header, if any.
    pub authorization: Option<&'a str>,
    /// The `Accept` header, if any: a client that takes no JSON gets 406.
    pub accept: Option<&'a str>,
    pub body: &'a [u8],
    /// Who sent it.
    pub source: IpAddress,
}

/// The answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestResponse {
    pub status: u16,
    /// Headers besides the server's own (`Content-Type`, `WWW-Authenticate`, `Retry-After`).
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    /// What the system must do once the response is sent (`/system reboot`).
    pub after: Option<PendingAction>,
}

impl RestResponse {
    fn error(error: &RestError) -> Self {
        RestResponse {
            status: error.status,
            headers: alloc::vec![("Content-Type", String::from("application/json"))],
            body: error.body(),
            after: None,
        }
    }

    fn reply(reply: Reply) -> Self {
        match reply.body {
            Some(body) => RestResponse {
                status: reply.status,
                headers: alloc::vec![("Content-Type", String::from("application/json"))],
                body: json::to_vec(&body),
                after: reply.after,
            },
            None => RestResponse {
                status: reply.status,
                headers: Vec::new(),
                body: Vec::new(),
                after: reply.after,
            },
        }
    }
}

/// The REST API's state between requests: the failed-login record.
pub struct Rest {
    guard: crate::login::LoginGuard,
}

impl Default for Rest {
    fn default() -> Self {
        Rest::new()
    }
}

impl Rest {
    pub fn new() -> Self {
        Rest {
            guard: crate::login::LoginGuard::new(),
        }
    }

    /// Answers `request` (module docs); `now_ms` is the router's monotonic clock.
    pub fn handle(
        &mut self,
        request: &RestRequest<'_>,
        config: &mut Config,
        system: &mut dyn SystemControl,
        now_ms: u64,
    ) -> RestResponse {
        let user = match auth::login(&mut self.guard, request, config, system, now_ms) {
            Ok(user) => user,
            Err(refusal) => return refusal,
        };
        let allows = |need: Need| auth::allows(&user.policy, need);
        // REST is stateless: each request runs in a session of its own (no undo history kept, no
        // print numbers remembered), as the user who sent it.
        let mut session = Session::new();
        session.user = user.name.clone();
        serve(request, &allows, config, system, &mut session)
    }
}

/// Answers an authenticated request whose user's group allows what `allows` says.
pub fn serve(
    request: &RestRequest<'_>,
    allows: &dyn Fn(Need) -> bool,
    config: &mut Config,
    system: &mut dyn SystemControl,
    session: &mut Session,
) -> RestResponse {
    // An empty field is read as none: it says nothing about what the client takes.
    let accept = request.accept.filter(|a| !a.trim().is_empty());
    if !accept.is_none_or(accepts_json) {
        return RestResponse::error(&RestError::new(406, "only application/json is served"));
    }
    let target = match target::parse(request.path) {
        Ok(target) => target,
        Err(e) => return RestResponse::error(&e),
    };
    let mut ctx = Context {
        config,
        system,
        session,
        allows,
    };
    let outcome = match request.method {
        "GET" | "HEAD" => verbs::get(&mut ctx, &target, request.query),
        "PUT" => verbs::put(&mut ctx, &target, request.body),
        "PATCH" => verbs::patch(&mut ctx, &target, request.body),
        "DELETE" => verbs::delete(&mut ctx, &target),
        "POST" => verbs::post(&mut ctx, &target, request.body),
        _ => Err(RestError::new(405, "method not allowed")),
    };
    match outcome {
        Ok(reply) => RestResponse::reply(reply),
        Err(e) => RestResponse::error(&e),
    }
}

/// Whether an `Accept` header (RFC 9110 §12.5.1) allows `application/json`: one of its media ranges
/// is `application/json`, `application/*` or `*/*` without `q=0`.
fn accepts_json(accept: &str) -> bool {
    accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("");
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0))
        });
        !refused
            && ["application/json", "application/*", "*/*"]
                .iter()
                .any(|m| media.eq_ignore_ascii_case(m))
    })
}
