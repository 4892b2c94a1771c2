//! Logins over the network: who a request with a user name and password (HTTP Basic authentication,
//! RFC 7617) comes from, and what that user's group allows.
//!
//! [`authenticate_remote`] lets a request in when the user exists, is enabled, has a password set, the
//! password matches, and the request's source address is inside the user's `address=` list when it has
//! one (RouterOS: "host or network address from which the user is allowed to log in"). The password must
//! not be empty: a fresh install's `admin` has none, and until it was set on the console (the first
//! login asks for one) nothing is reachable over the network with a default credential. Every refusal is
//! the same [`RemoteLoginError::BadCredentials`], and an unknown user costs the same hashing as a known
//! one, so neither the answer nor its time tells which names exist (a user whose hash an earlier version
//! stored is checked with that scheme until the password is set again, which takes a different time).
//!
//! Authorization is the caller's: the [`RemoteUser`] carries its group's [`Policy`], and a service
//! checks the policy it needs (`rest_api` to use the REST API, `write` to change anything, `policy` for
//! `/user`). Repeated failures from one address are the [`super::LoginGuard`]'s business.

use alloc::string::String;

use smoltcp::wire::Ipv4Address;

use super::group::Policy;
use super::password::{spend_a_check, verify};
use super::{MAX_INPUT, user};
use crate::model::Config;
use crate::value::parse_ipv4_range_list;

/// A user let in by [`authenticate_remote`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteUser {
    pub name: String,
    /// The group's name (`full`, `write`, `read`).
    pub group: String,
    /// What the group allows.
    pub policy: Policy,
}

/// Why a network login was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemoteLoginError {
    /// Unknown user, wrong or empty password, disabled user, or a source outside its `address=` list:
    /// one answer for all, so a client learns nothing about which.
    BadCredentials,
}

/// Checks a network login by `name` with `password` from `source` (see the module docs).
pub fn authenticate_remote(
    config: &Config,
    name: &str,
    password: &str,
    source: Ipv4Address,
) -> Result<RemoteUser, RemoteLoginError> {
    let item = user(config, name);
    let stored = item
        .and_then(|item| item.get("password"))
        .filter(|stored| !stored.is_empty());
    // The console takes at most MAX_INPUT characters, so a longer password was never anyone's; one
    // with a NUL matches nothing (`verify`). Both cost a check all the same.
    let plausible =
        !password.is_empty() && !password.contains('\0') && password.chars().count() <= MAX_INPUT;
    let password_matches = match stored {
        Some(stored) if plausible => verify(Some(stored), password),
        _ => {
            let bounded = password
                .char_indices()
                .nth(MAX_INPUT)
                .map_or(password, |(end, _)| &password[..end]);
            spend_a_check(bounded);
            false
        }
    };
    let Some(item) = item.filter(|_| password_matches) else {
        return Err(RemoteLoginError::BadCredentials);
    };
    if item.get("disabled") == Some("yes") || !address_allowed(item.get("address"), source) {
        return Err(RemoteLoginError::BadCredentials);
    }
    let group = item.get("group").unwrap_or("full");
    Ok(RemoteUser {
        name: String::from(name),
        group: String::from(group),
        policy: Policy::of_group(config, group),
    })
}

/// Whether `source` may log in as a user whose `address=` is `allowed` (absent: from anywhere). A
/// stored list that does not parse allows nobody.
fn address_allowed(allowed: Option<&str>, source: Ipv4Address) -> bool {
    match allowed {
        None => true,
        Some(list) => parse_ipv4_range_list(list)
            .is_some_and(|ranges| ranges.iter().any(|range| range.contains(source))),
    }
}

#[cfg(test)]
mod tests;
