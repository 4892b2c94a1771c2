//! Values chosen from a fixed set of words.
//!
//! * An enumeration takes exactly one of its words (`action=accept`); RouterOS's complaint for anything else is
//!   `input does not match any value`.
//! * A set is a comma list of words from the set (`connection-state=established,related`); the order typed is
//!   kept and repeats are dropped.
//! * A flag set is a set whose elements may be negated with `!` (`tcp-flags=syn,!ack`); a word may not appear
//!   both plain and negated.

use alloc::string::String;
use alloc::vec::Vec;

use super::ValueError;

fn no_match() -> ValueError {
    ValueError::new("input does not match any value")
}

pub(super) fn normalize_enum(words: &[&str], input: &str) -> Result<String, ValueError> {
    if words.contains(&input) {
        Ok(String::from(input))
    } else {
        Err(no_match())
    }
}

pub(super) fn normalize_enum_set(words: &[&str], input: &str) -> Result<String, ValueError> {
    let mut chosen: Vec<&str> = Vec::new();
    for element in input.split(',') {
        if !words.contains(&element) {
            return Err(no_match());
        }
        if !chosen.contains(&element) {
            chosen.push(element);
        }
    }
    Ok(chosen.join(","))
}

pub(super) fn normalize_flag_set(words: &[&str], input: &str) -> Result<String, ValueError> {
    let mut chosen: Vec<&str> = Vec::new();
    for element in input.split(',') {
        let word = element.strip_prefix('!').unwrap_or(element);
        if !words.contains(&word) {
            return Err(no_match());
        }
        let conflicting = chosen
            .iter()
            .any(|&c| c != element && c.strip_prefix('!').unwrap_or(c) == word);
        if conflicting {
            return Err(ValueError::new("conflicting values"));
        }
        if !chosen.contains(&element) {
            chosen.push(element);
        }
    }
    Ok(chosen.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIONS: &[&str] = &["accept", "drop", "reject"];
    const STATES: &[&str] = &["established", "related", "new", "invalid", "untracked"];
    const TCP_FLAGS: &[&str] = &["fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr"];

    #[test]
    fn enumerations() {
        assert_eq!(normalize_enum(ACTIONS, "drop").unwrap(), "drop");
        for bad in ["", "dro", "Drop", "drop,accept", " drop", "!drop"] {
            assert_eq!(
                normalize_enum(ACTIONS, bad).unwrap_err().message,
                "input does not match any value",
                "{bad:?}"
            );
        }
        assert!(normalize_enum(&[], "drop").is_err());
    }

    #[test]
    fn sets_keep_order_and_drop_repeats() {
        assert_eq!(
            normalize_enum_set(STATES, "established,related").unwrap(),
            "established,related"
        );
        assert_eq!(
            normalize_enum_set(STATES, "related,established,related").unwrap(),
            "related,established"
        );
        for bad in [
            "",
            ",",
            "new,",
            "new,,invalid",
            "new,bogus",
            "!new",
            "new related",
        ] {
            assert!(normalize_enum_set(STATES, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn flag_sets_allow_negation() {
        assert_eq!(
            normalize_flag_set(TCP_FLAGS, "syn,!ack").unwrap(),
            "syn,!ack"
        );
        assert_eq!(
            normalize_flag_set(TCP_FLAGS, "!ack,!ack,syn").unwrap(),
            "!ack,syn"
        );
        assert_eq!(
            normalize_flag_set(TCP_FLAGS, "syn,!syn")
                .unwrap_err()
                .message,
            "conflicting values"
        );
        assert_eq!(
            normalize_flag_set(TCP_FLAGS, "!syn,syn")
                .unwrap_err()
                .message,
            "conflicting values"
        );
        for bad in ["", "!", "!!syn", "syn,", "syn,bogus", "SYN"] {
            assert!(normalize_flag_set(TCP_FLAGS, bad).is_err(), "{bad:?}");
        }
    }
}
