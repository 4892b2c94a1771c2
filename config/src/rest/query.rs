//! Which items and properties a print returns (routeros-reference.md §7).
//!
//! * `GET /rest/ip/address?interface=ether1&dynamic=true`: every `name=value` must hold;
//! * `.proplist=address,disabled` keeps only those properties (and `.id`, which is always kept);
//! * `POST /rest/ip/address/print` with `{".proplist":[...], ".query":[...]}`: `.query` is the binary
//!   API's query, a little stack program whose words push a truth value — `name=value` (equal),
//!   `name` (has the property), `-name` (has it not), `name<value` / `name>value` (numbers compared
//!   as numbers, other text as text) — or combine the top ones: `#|` (or), `#&` (and), `#!` (not).
//!   An item is returned when every value left on the stack is true.
//!
//! Values compare as the REST API writes them, so `disabled=false` and `disabled=no` both work.
//! Programs are bounded ([`MAX_WORDS`]); a malformed one is a 400, never a panic.

use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

use serde_json::{Map, Value};

use super::error::RestError;

/// Most words a `.query` may have.
pub const MAX_WORDS: usize = 64;

/// One word of a query program.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Word {
    Equal(String, String),
    Less(String, String),
    Greater(String, String),
    Has(String),
    Lacks(String),
    Or,
    And,
    Not,
}

/// A selection: the query and the property list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    words: Vec<Word>,
    proplist: Option<Vec<String>>,
}

impl Selection {
    /// From a URL query (`?name=value&.proplist=a,b`).
    pub fn from_url(pairs: &[(String, String)]) -> Result<Self, RestError> {
        let mut selection = Selection::default();
        for (name, value) in pairs {
            if name == ".proplist" {
                selection.set_proplist(value);
            } else {
                selection.push(Word::Equal(name.clone(), value.clone()))?;
            }
        }
        Ok(selection)
    }

    /// From a print command's body: `.proplist` (a list or a comma-separated string) and `.query` (a
    /// list of words); other keys are refused as unknown parameters.
    pub fn from_body(body: &Map<String, Value>) -> Result<Self, RestError> {
        let mut selection = Selection::default();
        for (name, value) in body {
            match (name.as_str(), value) {
                (".proplist", Value::String(list)) => selection.set_proplist(list),
                (".proplist", Value::Array(items)) => {
                    let names: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                    let names = names.ok_or_else(|| RestError::bad_request("invalid .proplist"))?;
                    selection.set_proplist(&names.join(","));
                }
                (".query", Value::Array(words)) => {
                    for word in words {
                        let word = word
                            .as_str()
                            .ok_or_else(|| RestError::bad_request("invalid .query"))?;
                        selection.push(parse_word(word)?)?;
                    }
                }
                (".query", Value::String(word)) => selection.push(parse_word(word)?)?,
                _ => return Err(RestError::unknown_parameter(name)),
            }
        }
        // Reject a program that does not run, before any item is looked at.
        selection.evaluate(&Map::new())?;
        Ok(selection)
    }

    fn set_proplist(&mut self, list: &str) {
        let names = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        self.proplist = Some(names);
    }

    fn push(&mut self, word: Word) -> Result<(), RestError> {
        if self.words.len() >= MAX_WORDS {
            return Err(RestError::bad_request("query too long"));
        }
        self.words.push(word);
        Ok(())
    }

    /// Whether `object` is selected.
    pub fn matches(&self, object: &Map<String, Value>) -> bool {
        self.evaluate(object).unwrap_or(false)
    }

    fn evaluate(&self, object: &Map<String, Value>) -> Result<bool, RestError> {
        let mut stack: Vec<bool> = Vec::new();
        let underflow = || RestError::bad_request("invalid query: stack underflow");
        for word in &self.words {
            let value = match word {
                Word::Equal(name, want) => lookup(object, name).is_some_and(|v| same(v, want)),
                Word::Less(name, than) => {
                    lookup(object, name).is_some_and(|v| compare(v, than) == Ordering::Less)
                }
                Word::Greater(name, than) => {
                    lookup(object, name).is_some_and(|v| compare(v, than) == Ordering::Greater)
                }
                Word::Has(name) => lookup(object, name).is_some(),
                Word::Lacks(name) => lookup(object, name).is_none(),
                Word::Not => !stack.pop().ok_or_else(underflow)?,
                Word::Or | Word::And => {
                    let b = stack.pop().ok_or_else(underflow)?;
                    let a = stack.pop().ok_or_else(underflow)?;
                    if *word == Word::Or { a || b } else { a && b }
                }
            };
            stack.push(value);
        }
        Ok(stack.into_iter().all(|v| v))
    }

    /// The selected ones of `objects`, each with only the properties of `.proplist`, in order.
    pub fn select(&self, objects: Vec<Map<String, Value>>) -> Vec<Value> {
        objects
            .into_iter()
            .filter(|object| self.matches(object))
            .map(|object| Value::Object(self.project(object)))
            .collect()
    }

    /// `object` with only the properties of `.proplist` (and `.id`).
    pub fn project(&self, object: Map<String, Value>) -> Map<String, Value> {
        match &self.proplist {
            None => object,
            Some(names) => object
                .into_iter()
                .filter(|(name, _)| name == ".id" || names.iter().any(|n| n == name))
                .collect(),
        }
    }
}

fn parse_word(word: &str) -> Result<Word, RestError> {
    let word = word.strip_prefix('?').unwrap_or(word);
    let named = |name: &str| {
        if name.is_empty() {
            Err(RestError::bad_request("invalid query word"))
        } else {
            Ok(String::from(name))
        }
    };
    Ok(match word {
        "#|" => Word::Or,
        "#&" => Word::And,
        "#!" => Word::Not,
        _ if word.starts_with('#') => return Err(RestError::bad_request("invalid query word")),
        _ => {
            if let Some((name, value)) = word.split_once('=') {
                Word::Equal(named(name)?, String::from(value))
            } else if let Some((name, value)) = word.split_once('<') {
                Word::Less(named(name)?, String::from(value))
            } else if let Some((name, value)) = word.split_once('>') {
                Word::Greater(named(name)?, String::from(value))
            } else if let Some(name) = word.strip_prefix('-') {
                Word::Lacks(named(name)?)
            } else {
                Word::Has(named(word)?)
            }
        }
    })
}

fn lookup<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    object.get(name).and_then(Value::as_str)
}

/// Equal as the API compares: the text, with `yes`/`no` standing for `true`/`false`.
fn same(have: &str, want: &str) -> bool {
    fn canonical(v: &str) -> &str {
        match v {
            "yes" => "true",
            "no" => "false",
            other => other,
        }
    }
    canonical(have) == canonical(want)
}

fn compare(have: &str, than: &str) -> Ordering {
    match (have.parse::<i64>(), than.parse::<i64>()) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        _ => have.cmp(than),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(pairs: &[(&str, &str)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (String::from(*k), Value::from(*v)))
            .collect()
    }

    fn body(json: &str) -> Map<String, Value> {
        match serde_json::from_str(json).unwrap() {
            Value::Object(o) => o,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn url_filters_and_proplist() {
        let pairs = [
            (String::from("interface"), String::from("ether1")),
            (String::from("disabled"), String::from("no")),
            (String::from(".proplist"), String::from("address")),
        ];
        let s = Selection::from_url(&pairs).unwrap();
        let a = item(&[
            (".id", "*1"),
            ("interface", "ether1"),
            ("disabled", "false"),
            ("address", "10.0.0.1/24"),
        ]);
        assert!(s.matches(&a));
        assert!(!s.matches(&item(&[("interface", "ether2"), ("disabled", "false")])));
        assert_eq!(
            s.project(a),
            item(&[(".id", "*1"), ("address", "10.0.0.1/24")])
        );
    }

    #[test]
    fn query_programs_combine_with_the_stack() {
        let s = Selection::from_body(&body(
            r##"{".query":["chain=input","chain=forward","#|","-comment"]}"##,
        ))
        .unwrap();
        assert!(s.matches(&item(&[("chain", "forward")])));
        assert!(!s.matches(&item(&[("chain", "forward"), ("comment", "x")])));
        assert!(!s.matches(&item(&[("chain", "output")])));
        let s =
            Selection::from_body(&body(r##"{".query":["mtu>1400","mtu<1501","#!"]}"##)).unwrap();
        assert!(s.matches(&item(&[("mtu", "9000")])));
        assert!(!s.matches(&item(&[("mtu", "1500")])));
    }

    #[test]
    fn malformed_programs_are_400() {
        for json in [
            r##"{".query":["#|"]}"##,
            r##"{".query":["#x"]}"##,
            r#"{".query":["=x"]}"#,
            r#"{".query":[1]}"#,
            r#"{"bogus":"1"}"#,
        ] {
            assert_eq!(
                Selection::from_body(&body(json)).unwrap_err().status,
                400,
                "{json}"
            );
        }
        let long: Vec<String> = (0..=MAX_WORDS).map(|_| String::from("\"a\"")).collect();
        let json = alloc::format!(r#"{{".query":[{}]}}"#, long.join(","));
        assert!(Selection::from_body(&body(&json)).is_err());
    }
}
