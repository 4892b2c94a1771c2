//! Why a change to the configuration was refused, worded as RouterOS words it.

use alloc::string::String;
use core::fmt;

/// A refused change. [`fmt::Display`] gives RouterOS's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelError {
    /// `invalid value for argument address` (the reason is kept for `verbose` reports).
    InvalidValue {
        argument: &'static str,
        reason: String,
    },
    /// `input does not match any value of interface`: a reference to an item that does not exist.
    NoSuchValue { argument: &'static str },
    /// `missing value(s) of argument(s) chain`.
    Missing(String),
    /// A read-only property was given a value.
    ReadOnly(&'static str),
    /// `no such item`.
    NoSuchItem,
    /// The command does not apply to this menu.
    BadCommand,
    /// `failure: already have such address` and other refusals.
    Failure(String),
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::InvalidValue { argument, .. } => {
                write!(f, "invalid value for argument {argument}")
            }
            ModelError::NoSuchValue { argument } => {
                write!(f, "input does not match any value of {argument}")
            }
            ModelError::Missing(arguments) => {
                write!(f, "missing value(s) of argument(s) {arguments}")
            }
            ModelError::ReadOnly(argument) => write!(f, "failure: {argument} is read-only"),
            ModelError::NoSuchItem => f.write_str("no such item"),
            ModelError::BadCommand => f.write_str("bad command name"),
            ModelError::Failure(message) => write!(f, "failure: {message}"),
        }
    }
}
