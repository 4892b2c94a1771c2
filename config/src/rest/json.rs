//! Items and arguments in JSON as RouterOS's REST API writes and reads them (routeros-reference.md §7).
//!
//! Out: every value is a JSON string — numbers (`"1500"`), durations (`"1d2h"`), lists
//! (`"ether1,ether2"`) — and booleans and flags are `"true"`/`"false"`; an item carries its `.id`
//! (`"*1F"`) unless it is a singleton's. In: a JSON object whose values may be strings, numbers or
//! booleans (`{"distance":1,"disabled":false}`); arrays are joined with `,` as RouterOS lists are
//! written. Key order in output is sorted (`.id` first), which JSON readers do not care about.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{Map, Value};

use super::error::RestError;
use crate::cli::Row;
use crate::model::format_id;
use crate::model::schema::{MenuDef, MenuKind, PropType};
use crate::value::ValueType;

/// Most bytes of a request body parsed (the HTTP server bounds it first).
pub const MAX_BODY: usize = 64 * 1024;

/// `row` of `menu` as a JSON object.
pub fn object(menu: &MenuDef, row: &Row) -> Map<String, Value> {
    let mut object = Map::new();
    if menu.kind != MenuKind::Singleton {
        object.insert(String::from(".id"), Value::from(format_id(row.id)));
    }
    for (name, value) in &row.values {
        let boolean = menu
            .prop(name)
            .is_some_and(|p| p.ty == PropType::Value(ValueType::Bool));
        let text = if boolean {
            boolean_text(value)
        } else {
            value.as_str()
        };
        object.insert(String::from(*name), Value::from(text));
    }
    let flags = menu.flags.iter().map(|f| f.property);
    let dynamic = matches!(menu.kind, MenuKind::List | MenuKind::Ordered).then_some("dynamic");
    for flag in flags.chain(dynamic) {
        if !object.contains_key(flag) {
            let set = if row.is(flag) { "true" } else { "false" };
            object.insert(String::from(flag), Value::from(set));
        }
    }
    object
}

/// `yes`/`no` as `true`/`false`; anything else as it is.
fn boolean_text(value: &str) -> &str {
    match value {
        "yes" | "true" => "true",
        "no" | "false" => "false",
        other => other,
    }
}

/// The request body as a JSON object; an empty body is an empty object.
pub fn parse_body(body: &[u8]) -> Result<Map<String, Value>, RestError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    if body.len() > MAX_BODY {
        return Err(RestError::new(413, "request body too large"));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| RestError::bad_request(alloc::format!("JSON parsing error: {e}")))?;
    match value {
        Value::Object(object) => Ok(object),
        _ => Err(RestError::bad_request("JSON object expected")),
    }
}

/// The request body as `name → value` text pairs, sorted by name. An empty body is no arguments.
pub fn arguments(body: &[u8]) -> Result<Vec<(String, String)>, RestError> {
    parse_body(body)?
        .into_iter()
        .map(|(name, value)| {
            let text = text(&value).ok_or_else(|| {
                RestError::bad_request(alloc::format!("invalid value for {name}"))
            })?;
            Ok((name, text))
        })
        .collect()
}

/// A JSON value as the text a property receives.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(String::from(if *b { "true" } else { "false" })),
        Value::Array(items) => {
            let parts: Option<Vec<String>> = items.iter().map(text).collect();
            Some(parts?.join(","))
        }
        Value::Null | Value::Object(_) => None,
    }
}

/// `value` serialised, or `[]` should that ever fail.
pub fn to_vec(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_else(|_| b"[]".to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_take_strings_numbers_booleans_and_lists() {
        let args = arguments(
            br#"{"address":"10.0.0.1/24","distance":1,"disabled":false,"ports":["80","443"]}"#,
        )
        .unwrap();
        assert_eq!(
            args,
            [
                ("address", "10.0.0.1/24"),
                ("disabled", "false"),
                ("distance", "1"),
                ("ports", "80,443")
            ]
            .map(|(n, v)| (String::from(n), String::from(v)))
        );
        assert_eq!(arguments(b"  ").unwrap(), []);
    }

    #[test]
    fn bodies_that_are_not_objects_are_refused() {
        for body in [
            &b"[1]"[..],
            b"{",
            b"\"x\"",
            br#"{"a":null}"#,
            br#"{"a":{"b":1}}"#,
        ] {
            assert_eq!(arguments(body).unwrap_err().status, 400, "{body:?}");
        }
        let big = alloc::vec![b' '; MAX_BODY + 1];
        assert!(arguments(&big).is_ok());
        let mut big = alloc::vec![b'1'; MAX_BODY + 1];
        big[0] = b'[';
        assert_eq!(arguments(&big).unwrap_err().status, 413);
    }
}
