//! REST errors as RouterOS sends them (routeros-reference.md §7): a status of 400 or more and the body
//! `{"error":<status>,"message":"<HTTP reason>","detail":"<RouterOS text>"}` (no `detail` when there is
//! nothing to add, as for 401 and 404).

use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use netstack::http::reason;

use crate::cli::CliError;

/// Why a request failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestError {
    pub status: u16,
    pub detail: Option<String>,
}

impl RestError {
    pub fn new(status: u16, detail: impl Into<String>) -> Self {
        RestError {
            status,
            detail: Some(detail.into()),
        }
    }

    /// 400 with RouterOS's text.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        RestError::new(400, detail)
    }

    /// 400 `no such command or directory (x)`: a path segment that is neither menu, item nor command.
    pub fn no_such_command(segment: &str) -> Self {
        RestError::bad_request(alloc::format!("no such command or directory ({segment})"))
    }

    /// 400 `unknown parameter x`.
    pub fn unknown_parameter(name: &str) -> Self {
        RestError::bad_request(alloc::format!("unknown parameter {name}"))
    }

    /// 404 without detail: no such item (or nothing under `/rest` at that path).
    pub fn not_found() -> Self {
        RestError {
            status: 404,
            detail: None,
        }
    }

    /// 401 without detail: no or bad credentials.
    pub fn unauthorized() -> Self {
        RestError {
            status: 401,
            detail: None,
        }
    }

    /// 403: the user's group does not allow it (RouterOS's API says `not enough permissions (9)`).
    pub fn forbidden() -> Self {
        RestError::new(403, "not enough permissions (9)")
    }

    /// The JSON body.
    pub fn body(&self) -> Vec<u8> {
        let mut object = Map::new();
        object.insert(String::from("error"), Value::from(self.status));
        object.insert(String::from("message"), Value::from(reason(self.status)));
        if let Some(detail) = &self.detail {
            object.insert(String::from("detail"), Value::from(detail.as_str()));
        }
        serde_json::to_vec(&Value::Object(object)).unwrap_or_default()
    }
}

impl From<CliError> for RestError {
    /// A command the CLI refused: 400 with the text the console prints, without the position (the
    /// request has no lines and columns), `no such item` as 404.
    fn from(error: CliError) -> Self {
        if error.message == "no such item" {
            return RestError::not_found();
        }
        RestError::bad_request(error.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(e: &RestError) -> String {
        String::from_utf8(e.body()).unwrap()
    }

    #[test]
    fn bodies_have_routeros_fields() {
        assert_eq!(
            text(&RestError::no_such_command("x")),
            r#"{"detail":"no such command or directory (x)","error":400,"message":"Bad Request"}"#
        );
        assert_eq!(
            text(&RestError::not_found()),
            r#"{"error":404,"message":"Not Found"}"#
        );
        assert_eq!(
            text(&RestError::unauthorized()),
            r#"{"error":401,"message":"Unauthorized"}"#
        );
    }

    #[test]
    fn cli_errors_keep_their_text_without_position() {
        let e = RestError::from(CliError::at(
            "failure: already have such address",
            crate::script::Pos::new(1, 1),
        ));
        assert_eq!(e.status, 400);
        assert_eq!(
            e.detail.as_deref(),
            Some("failure: already have such address")
        );
        assert_eq!(RestError::from(CliError::plain("no such item")).status, 404);
    }
}
