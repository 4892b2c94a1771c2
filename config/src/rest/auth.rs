//! Who is asking: HTTP Basic authentication (RFC 7617) on every request, against `/user`
//! ([`crate::login::authenticate_remote`]), and what the user's group allows.
//!
//! * No `Authorization`: 401 `{"error":401,"message":"Unauthorized"}` with
//!   `WWW-Authenticate: Basic realm="<identity>"` — clients ask without credentials first, so this is
//!   neither counted nor logged.
//! * A malformed `Authorization`, an unknown user, a wrong or empty password, a disabled user, or a
//!   source outside the user's `address=`: the same 401, and one failure counted for the source. The
//!   log gets `login failure for user NAME from ADDRESS via rest` (`system,error,critical`), as
//!   RouterOS writes.
//! * A source that failed too often ([`crate::login::LoginGuard`]) gets 429 with `Retry-After` until its
//!   block ends, before its credentials are even looked at (no password hashing for it either).
//! * A group without the `rest-api` policy may not use the API at all (403).

use alloc::format;
use alloc::string::String;
use base64::Engine as _;

use super::error::RestError;
use super::verbs::Need;
use super::{RestRequest, RestResponse};
use crate::login::{LoginGuard, Policy, RemoteUser, authenticate_remote};
use crate::model::Config;
use crate::shell::SystemControl;
use smoltcp::wire::IpAddress;

/// Longest credentials decoded (user name and password are bounded by the console's limits too).
const MAX_CREDENTIALS: usize = 1024;

/// `Basic dXNlcjpwYXNz` → (`user`, `pass`).
pub fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") || encoded.len() > MAX_CREDENTIALS {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((String::from(user), String::from(password)))
}

/// Authenticates `request`, or gives the refusal to send.
pub fn login(
    guard: &mut LoginGuard,
    request: &RestRequest<'_>,
    config: &Config,
    system: &mut dyn SystemControl,
    now_ms: u64,
) -> Result<RemoteUser, RestResponse> {
    let source = request.source;
    if !guard.allowed(source, now_ms) {
        let mut refusal = RestResponse::error(&RestError::new(
            429,
            "too many failed logins, try again later",
        ));
        if let Some(seconds) = guard.retry_after(source, now_ms) {
            refusal.headers.push(("Retry-After", format!("{seconds}")));
        }
        return Err(refusal);
    }
    // A client asks without credentials first (browsers, `requests` without `auth=`): told to
    // authenticate, but neither a failure nor a log line.
    let Some(authorization) = request.authorization else {
        return Err(challenge(config));
    };
    let (name, password) = basic_credentials(authorization).unwrap_or_default();
    let IpAddress::Ipv4(source_v4) = source else {
        return Err(unauthorized(guard, config, system, &name, source, now_ms));
    };
    match authenticate_remote(config, &name, &password, source_v4) {
        Ok(user) if user.policy.rest_api => {
            guard.succeeded(source);
            Ok(user)
        }
        Ok(_) => Err(RestResponse::error(&RestError::forbidden())),
        Err(_) => Err(unauthorized(guard, config, system, &name, source, now_ms)),
    }
}

fn unauthorized(
    guard: &mut LoginGuard,
    config: &Config,
    system: &mut dyn SystemControl,
    name: &str,
    source: IpAddress,
    now_ms: u64,
) -> RestResponse {
    guard.failed(source, now_ms);
    system.log(
        "system,error,critical",
        &format!("login failure for user {name} from {source} via rest"),
    );
    challenge(config)
}

/// 401 with `WWW-Authenticate: Basic realm="<identity>"`.
fn challenge(config: &Config) -> RestResponse {
    let mut refusal = RestResponse::error(&RestError::unauthorized());
    let realm = crate::model::menus::menu("system/identity")
        .and_then(|menu| config.singleton_value(menu, "name"))
        .unwrap_or("MikroTik")
        .replace('"', "'");
    refusal
        .headers
        .push(("WWW-Authenticate", format!("Basic realm=\"{realm}\"")));
    refusal
}

/// Whether `policy` allows `need`.
pub fn allows(policy: &Policy, need: Need) -> bool {
    match need {
        Need::Read => policy.read,
        Need::Write => policy.write,
        Need::Test => policy.test,
        Need::Reboot => policy.reboot,
        Need::Policy => policy.policy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_decoded() {
        // "admin:s3cret:with:colons"
        let header = "Basic YWRtaW46czNjcmV0OndpdGg6Y29sb25z";
        assert_eq!(
            basic_credentials(header),
            Some((String::from("admin"), String::from("s3cret:with:colons")))
        );
        assert_eq!(
            basic_credentials("basic YTo="),
            Some((String::from("a"), String::new()))
        );
        for bad in [
            "",
            "Basic",
            "Bearer YTo=",
            "Basic !!!",
            "Basic YWRtaW4=",
            "Basic /w==",
        ] {
            assert_eq!(basic_credentials(bad), None, "{bad}");
        }
        let long = format!("Basic {}", "A".repeat(MAX_CREDENTIALS + 4));
        assert_eq!(basic_credentials(&long), None);
    }
}
