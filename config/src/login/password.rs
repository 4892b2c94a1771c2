//! How passwords are kept: salted, stretched hashes, never the password itself.
//!
//! **Format.** [`hash_password`] stores `pbkdf2-sha256$ROUNDS$SALT$DIGEST`: PBKDF2 with HMAC-SHA-256
//! (RFC 8018 §5.2, through RustCrypto's `pbkdf2` crate) over the password and a 16-byte salt, [`ROUNDS`]
//! iterations, a 32-byte derived key; salt and key in lower-case hex. [`verify`] also accepts the
//! `sha256$ROUNDS$SALT$DIGEST` hashes earlier versions stored (SHA-256 over salt and password, iterated),
//! so a configuration saved by them keeps its passwords; setting a password again stores the new format.
//! The password is HMAC's key, so two properties of HMAC (RFC 2104 §2) carry over: trailing NUL bytes
//! do not change a key (a password set with them is stored as the one without; [`verify`] refuses a
//! password that contains a NUL), and a password longer than 64 bytes is the same key as its SHA-256
//! digest (which only someone who knows that digest could use).
//!
//! **Cost.** [`ROUNDS`] is chosen so that one check is cheap enough to make on every REST request (HTTP
//! Basic authentication sends the password each time) also under QEMU's TCG, while every guess at a
//! stolen hash still costs thousands of HMACs. Measured on the development host (an x86-64 Xeon core,
//! the portable `force-soft` SHA-256 the kernel uses): 4096 rounds take 1.6 ms in a release build
//! (38 ms unoptimised, as the tests run), 1000 rounds of the old scheme 0.4 ms. On the appliance under
//! QEMU's TCG on that host, the console's answer to a password took 7.8 ms where its answer to a user
//! name, which checks nothing, took 1.2 ms: a check costs about 6.5 ms there.
//!
//! **Salts.** [`new_salt`] hashes a counter of salts made since boot, the system's entropy
//! ([`crate::SystemControl::entropy`], the CPU's time-stamp counter on the appliance) and, where the
//! caller knows it, the user's name; so equal passwords get different hashes on one router and across
//! routers.
//!
//! Guarantees: a stored value that is not such a hash matches no password (it does not panic); the work
//! of one check is bounded by [`MAX_ROUNDS`] whatever the stored value asks for; digests are compared in
//! full, so the time taken does not tell how much of one matched.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

/// PBKDF2 iterations of a new password hash (see the module docs for what they cost).
pub const ROUNDS: u32 = 4096;
/// Most rounds a stored hash may ask for, in either format (a bound on the work of one login).
pub const MAX_ROUNDS: u32 = 100_000;
/// Bytes of salt in a new hash.
pub const SALT_LEN: usize = 16;
/// The scheme of new hashes.
const SCHEME: &str = "pbkdf2-sha256";
/// The scheme earlier versions stored: iterated SHA-256.
const LEGACY_SCHEME: &str = "sha256";
/// Bytes of a digest, in both formats.
const DIGEST_LEN: usize = 32;
/// Most bytes of salt a stored hash may have.
const MAX_SALT_LEN: usize = 64;

/// Counts the salts made since boot, so two in a row differ even without entropy.
static SALTS_MADE: AtomicU64 = AtomicU64::new(0);

/// A fresh salt for `user`'s password (see the module docs).
pub fn new_salt(entropy: u64, user: &str) -> [u8; SALT_LEN] {
    let count = SALTS_MADE.fetch_add(1, Ordering::Relaxed);
    let mut hasher = Sha256::new();
    hasher.update(b"routeros user salt");
    hasher.update(count.to_le_bytes());
    hasher.update(entropy.to_le_bytes());
    hasher.update(user.as_bytes());
    let digest = hasher.finalize();
    let mut salt = [0; SALT_LEN];
    salt.copy_from_slice(&digest[..SALT_LEN]);
    salt
}

/// PBKDF2-HMAC-SHA-256 of `password` and `salt` (RFC 8018 §5.2), a 32-byte key.
fn pbkdf2(salt: &[u8], password: &str, rounds: u32) -> [u8; DIGEST_LEN] {
    let mut key = [0; DIGEST_LEN];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt, rounds, &mut key);
    key
}

/// The earlier versions' digest: SHA-256 of salt and password, then `rounds - 1` times SHA-256 of the
/// previous digest, salt and password.
fn legacy_digest(salt: &[u8], password: &str, rounds: u32) -> [u8; DIGEST_LEN] {
    let mut state: [u8; DIGEST_LEN] = Sha256::new()
        .chain_update(salt)
        .chain_update(password.as_bytes())
        .finalize()
        .into();
    for _ in 1..rounds {
        state = Sha256::new()
            .chain_update(state)
            .chain_update(salt)
            .chain_update(password.as_bytes())
            .finalize()
            .into();
    }
    state
}

/// The stored form of `password`: `pbkdf2-sha256$ROUNDS$SALT$DIGEST`, salt and digest in hex.
pub fn hash_password(password: &str, salt: [u8; SALT_LEN]) -> String {
    let digest = pbkdf2(&salt, password, ROUNDS);
    format!("{SCHEME}${ROUNDS}${}${}", hex(&salt), hex(&digest))
}

/// As much work as checking a password against a new hash, for a check that has no hash to compare
/// with (an unknown user), so the time taken does not tell the difference.
pub fn spend_a_check(password: &str) {
    core::hint::black_box(pbkdf2(&[0; SALT_LEN], password, ROUNDS));
}

/// Whether `password` is the one stored as `stored` (`None` or empty: no password, which only the
/// empty password matches). A password with a NUL character matches nothing: HMAC pads its key with
/// zero bytes (RFC 2104 §2), so to PBKDF2 `pw` and `pw\0` are the same password.
pub fn verify(stored: Option<&str>, password: &str) -> bool {
    let Some(stored) = stored.filter(|s| !s.is_empty()) else {
        return password.is_empty();
    };
    if password.contains('\0') {
        return false;
    }
    let mut parts = stored.split('$');
    let (Some(scheme), Some(rounds), Some(salt), Some(expected), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let (Some(rounds), Some(salt), Some(expected)) = (
        parse_rounds(rounds),
        unhex(salt).filter(|s| s.len() <= MAX_SALT_LEN),
        unhex(expected).filter(|e| e.len() == DIGEST_LEN),
    ) else {
        return false;
    };
    let actual = match scheme {
        SCHEME => pbkdf2(&salt, password, rounds),
        LEGACY_SCHEME => legacy_digest(&salt, password, rounds),
        _ => return false,
    };
    // Every byte is compared, so the time taken does not tell how much of the digest matched.
    actual
        .iter()
        .zip(&expected)
        .fold(0u8, |differ, (a, b)| differ | (a ^ b))
        == 0
}

/// A stored round count: decimal, `1..=MAX_ROUNDS`.
fn parse_rounds(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u32>()
        .ok()
        .filter(|rounds| (1..=MAX_ROUNDS).contains(rounds))
}

fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// Lower- or upper-case hex, an even number of digits.
fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.len() > 2 * MAX_SALT_LEN {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| {
            let pair = text.get(at..at + 2)?;
            pair.bytes()
                .all(|b| b.is_ascii_hexdigit())
                .then(|| u8::from_str_radix(pair, 16).ok())?
        })
        .collect()
}

#[cfg(test)]
mod tests;
