//! The request-target (RFC 9112 §3.2): split into path and query, both percent-decoded (RFC 3986
//! §2.1).
//!
//! Accepted forms: origin-form (`/path?query`), absolute-form (`http://host/path?query`, which a
//! server must accept, §3.2.2) and asterisk-form (`*`, only for `OPTIONS`, §3.2.4). Authority-form
//! (`CONNECT host:port`) is refused: the server is no proxy. A `%` not followed by two hex digits,
//! a decoded path or query that is not UTF-8, and a fragment (`#`, never part of a request-target)
//! make the target invalid. `+` is not a space here (that is HTML form encoding, not URI syntax).

use alloc::string::String;
use alloc::vec::Vec;

use super::request::Method;

/// Why a target was refused (the text of the 400 answer).
pub(crate) type TargetError = &'static str;

/// A decoded request-target.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub path: String,
    pub query: Vec<(String, String)>,
}

/// Splits and decodes `target`, the second word of the request line.
pub(crate) fn parse(target: &str, method: &Method) -> Result<Target, TargetError> {
    if target == "*" {
        return if *method == Method::Options {
            Ok(Target {
                path: String::from("*"),
                query: Vec::new(),
            })
        } else {
            Err("asterisk-form target is only for OPTIONS")
        };
    }
    if target.contains('#') {
        return Err("fragment in request target");
    }
    let rest = if target.starts_with('/') {
        target
    } else {
        strip_origin(target).ok_or("invalid request target")?
    };
    let (raw_path, raw_query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    let path = if raw_path.is_empty() {
        String::from("/")
    } else {
        decode(raw_path).ok_or("invalid escape or encoding in path")?
    };
    let mut query = Vec::new();
    for pair in raw_query.unwrap_or("").split('&') {
        if pair.is_empty() {
            continue;
        }
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(name).ok_or("invalid escape or encoding in query")?;
        let value = decode(value).ok_or("invalid escape or encoding in query")?;
        query.push((name, value));
    }
    Ok(Target { path, query })
}

/// The part of an absolute-form target after `scheme://authority` (RFC 9112 §3.2.2), or None when
/// `target` is not one.
fn strip_origin(target: &str) -> Option<&str> {
    let (scheme, rest) = target.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    if authority_end == 0 {
        return None;
    }
    Some(&rest[authority_end..])
}

/// Percent-decodes `text`; None for a bad escape or a result that is not UTF-8.
pub(crate) fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let high = hex_value(*bytes.get(i + 1)?)?;
            let low = hex_value(*bytes.get(i + 2)?)?;
            out.push(high << 4 | low);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn origin_form_is_split_and_decoded() {
        let target = parse(
            "/rest/ip/address/%2A1?.proplist=address,disabled&interface=ether%31&flag&a+b=c%2Bd",
            &Method::Get,
        )
        .unwrap();
        assert_eq!(target.path, "/rest/ip/address/*1");
        assert_eq!(
            target.query,
            pairs(&[
                (".proplist", "address,disabled"),
                ("interface", "ether1"),
                ("flag", ""),
                ("a+b", "c+d"),
            ])
        );
    }

    #[test]
    fn empty_pairs_and_values_keep_their_order() {
        let target = parse("/x?&b=&=v&&a=1=2", &Method::Get).unwrap();
        assert_eq!(target.query, pairs(&[("b", ""), ("", "v"), ("a", "1=2")]));
        assert_eq!(parse("/x?", &Method::Get).unwrap().query, vec![]);
    }

    #[test]
    fn utf8_escapes_decode_to_text() {
        let target = parse("/rest/system/identity?name=R%C3%B6uter", &Method::Get).unwrap();
        assert_eq!(target.query, pairs(&[("name", "Röuter")]));
    }

    #[test]
    fn bad_escapes_and_non_utf8_are_refused() {
        for bad in [
            "/a%",
            "/a%4",
            "/a%zz",
            "/a%4g",
            "/%C3",
            "/%FF",
            "/x?a=%",
            "/x?%E2%82=1",
        ] {
            assert!(parse(bad, &Method::Get).is_err(), "{bad}");
        }
    }

    #[test]
    fn absolute_form_keeps_path_and_query() {
        let target = parse(
            "http://192.168.88.1:80/rest/ip/route?dst-address=0.0.0.0/0",
            &Method::Get,
        );
        let target = target.unwrap();
        assert_eq!(target.path, "/rest/ip/route");
        assert_eq!(target.query, pairs(&[("dst-address", "0.0.0.0/0")]));
        assert_eq!(parse("HTTP://router", &Method::Get).unwrap().path, "/");
        assert_eq!(parse("http://router?a=1", &Method::Get).unwrap().path, "/");
    }

    #[test]
    fn other_forms_are_refused() {
        for bad in [
            "router:80",
            "ftp://router/",
            "http:///x",
            "x",
            "",
            "/a#frag",
        ] {
            assert!(parse(bad, &Method::Get).is_err(), "{bad:?}");
        }
        assert!(parse("*", &Method::Get).is_err());
        assert_eq!(parse("*", &Method::Options).unwrap().path, "*");
    }
}
