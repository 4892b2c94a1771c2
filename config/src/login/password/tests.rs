use super::*;

fn salt(n: u8) -> [u8; SALT_LEN] {
    [n; SALT_LEN]
}

/// `old times` as a version before PBKDF2 stored it (salt 16 × 0x5a, 1000 rounds of SHA-256).
const LEGACY_HASH: &str = "sha256$1000$5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a$\
                           7735d76de05cc3a1b0333a6b4437d7026ebd73bc98202f96ae9d5b7904dd2b64";

#[test]
fn a_hash_verifies_only_its_own_password() {
    let stored = hash_password("s3cret", salt(1));
    assert!(
        stored.starts_with("pbkdf2-sha256$4096$01010101010101010101010101010101$"),
        "{stored}"
    );
    assert_eq!(stored.len(), "pbkdf2-sha256$4096$".len() + 32 + 1 + 64);
    assert!(!stored.contains("s3cret"));
    assert!(verify(Some(&stored), "s3cret"));
    for wrong in ["", "s3cre", "s3cret ", "S3cret", "s3cret\0"] {
        assert!(!verify(Some(&stored), wrong), "{wrong:?}");
    }
    // The same password with another salt is stored differently, and both verify.
    let other = hash_password("s3cret", salt(2));
    assert_ne!(stored, other);
    assert!(verify(Some(&other), "s3cret"));
    // Trailing NULs are lost in HMAC's key padding, so the hash is that of the password without
    // them; a password typed with a NUL matches nothing.
    let with_nul = hash_password("s3cret\0\0", salt(1));
    assert_eq!(with_nul, stored);
    assert!(!verify(Some(&with_nul), "s3cret\0\0"));
    // No password: only the empty one.
    assert!(verify(None, "") && verify(Some(""), ""));
    assert!(!verify(None, "x"));
}

/// The digest is PBKDF2-HMAC-SHA-256 itself: RFC 7914 §11's test vector (P = "passwd", S = "salt",
/// c = 1; the first 32 bytes of its 64-byte output) verifies, stored in our format.
#[test]
fn the_digest_is_rfc_8018_pbkdf2_with_hmac_sha256() {
    let stored = "pbkdf2-sha256$1$73616c74$\
                  55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc";
    assert!(verify(Some(stored), "passwd"));
    assert!(!verify(Some(stored), "passwe"));
    // Upper-case hex is the same bytes.
    assert!(verify(
        Some(&stored.to_uppercase().replace("PBKDF2-SHA", "pbkdf2-sha")),
        "passwd"
    ));
}

#[test]
fn hashes_stored_by_earlier_versions_still_verify() {
    assert!(verify(Some(LEGACY_HASH), "old times"));
    for wrong in ["", "old time", "Old times", "old times "] {
        assert!(!verify(Some(LEGACY_HASH), wrong), "{wrong:?}");
    }
    // The scheme names the algorithm: the same fields under the other scheme do not match.
    let relabelled = LEGACY_HASH.replacen("sha256$", "pbkdf2-sha256$", 1);
    assert!(!verify(Some(&relabelled), "old times"));
}

#[test]
fn what_is_not_a_hash_matches_nothing() {
    let good = hash_password("pw", salt(3));
    let mut broken = alloc::vec![
        String::from("pw"),
        String::from("pbkdf2-sha256$4096$$"),
        String::from("pbkdf2-sha256$0$00$00"),
        String::from("sha256$0$00$00"),
        String::from("pbkdf2-sha256$999999999$00$00"),
        String::from("pbkdf2-sha256$100001$00$00"),
        String::from("sha256$4294967296$00$00"),
        String::from("md5$1000$00$00"),
        String::from("$$$"),
        String::from("pbkdf2-sha256$+4096$00$00"),
        format!("{good}$"),
        good.replace("$4096$", "$4095$"),
        good.replacen('$', "$x", 1),
        good.replacen("pbkdf2-sha256", "PBKDF2-SHA256", 1),
        // A salt longer than any we store, and non-hex digits in the salt.
        good.replacen("$0303", &format!("${}0303", "ab".repeat(64)), 1),
        good.replacen("$0303", "$+303", 1),
        good.replacen("$0303", "$é3", 1),
    ];
    // Every cut of a good hash, including inside a hex pair.
    broken.extend((0..good.len()).map(|end| String::from(&good[..end])));
    for stored in &broken {
        assert!(!verify(Some(stored), "pw"), "{stored:?}");
    }
    assert!(verify(Some(&good), "pw"));
}

#[test]
fn the_rounds_a_stored_hash_asks_for_are_bounded() {
    assert_eq!(parse_rounds("100000"), Some(MAX_ROUNDS));
    assert_eq!(parse_rounds("1"), Some(1));
    for refused in [
        "0",
        "100001",
        "4294967296",
        "",
        "+5",
        "-5",
        " 5",
        "5 ",
        "1e3",
        "0x10",
    ] {
        assert_eq!(parse_rounds(refused), None, "{refused:?}");
    }
    // A hash beyond the bound matches nothing, without being computed.
    let mut key = [0; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(b"pw", &[7; 4], MAX_ROUNDS + 1, &mut key);
    let beyond = format!("pbkdf2-sha256${}$07070707${}", MAX_ROUNDS + 1, hex(&key));
    assert!(!verify(Some(&beyond), "pw"));
}

#[test]
fn salts_differ_between_calls_and_users() {
    let salts: Vec<_> = (0..50)
        .map(|n| new_salt(7, if n % 2 == 0 { "admin" } else { "joe" }))
        .collect();
    for (i, a) in salts.iter().enumerate() {
        assert!(salts[i + 1..].iter().all(|b| a != b));
    }
}
