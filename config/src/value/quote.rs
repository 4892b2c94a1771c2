//! Quoting values for `export` and `print`, so the console reads back exactly the value that was printed.
//!
//! A plain word is printed as is: IDs (`*1F`), lists of plain words (`established,related`), negations
//! (`!ack`), addresses and times all are. A value needs double quotes when it is empty or contains whitespace,
//! `"`, `\`, `;`, `$`, `?`, `=`, `[`, `]`, `{`, `}`, `(`, `)` or `#` (RouterOS only treats `#` as a comment at the
//! start of a word; quoting it everywhere is simpler and reads back the same), or any non-printable or non-ASCII
//! character. Inside quotes RouterOS escapes (routeros-reference §6, "Values"): `\"`, `\\`, `\$` (else variable
//! substitution), `\?` (else help), `\n`, `\r`, `\t`, and every other control byte or byte of a non-ASCII UTF-8
//! sequence as `\XX` in upper-case hex, which is how RouterOS exports them.

use alloc::string::String;

/// Characters that mean something to the console parser outside quotes.
const SPECIAL: &[u8] = b"\"\\;$?=[]{}()#";

const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";

/// `value` unchanged when it is a plain word, otherwise in double quotes with RouterOS escapes.
pub fn quote(value: &str) -> String {
    if !needs_quotes(value) {
        return String::from(value);
    }
    let mut quoted = String::with_capacity(value.len().saturating_add(2));
    quoted.push('"');
    for byte in value.bytes() {
        match byte {
            b'"' => quoted.push_str("\\\""),
            b'\\' => quoted.push_str("\\\\"),
            b'$' => quoted.push_str("\\$"),
            b'?' => quoted.push_str("\\?"),
            b'\n' => quoted.push_str("\\n"),
            b'\r' => quoted.push_str("\\r"),
            b'\t' => quoted.push_str("\\t"),
            b' '..=b'~' => quoted.push(char::from(byte)),
            _ => {
                quoted.push('\\');
                quoted.push(hex_digit(byte >> 4));
                quoted.push(hex_digit(byte & 0x0F));
            }
        }
    }
    quoted.push('"');
    quoted
}

/// Whether `value` must be quoted to read back as itself.
fn needs_quotes(value: &str) -> bool {
    value.is_empty()
        || value
            .bytes()
            .any(|b| !(b'!'..=b'~').contains(&b) || SPECIAL.contains(&b))
}

fn hex_digit(nibble: u8) -> char {
    HEX_DIGITS
        .get(usize::from(nibble & 0x0F))
        .map_or('0', |&digit| char::from(digit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_bare() {
        for plain in [
            "ether1",
            "*1F",
            "established,related",
            "syn,!ack",
            "192.168.88.1/24",
            "1.2.3.4-1.2.3.10",
            "0C:00:6E:34:39:00",
            "1d2h3m4s",
            "a-b_c.d/e:f@g%h^i&j*k+l|m~n<o>p'q`r!",
        ] {
            assert_eq!(quote(plain), plain);
        }
    }

    #[test]
    fn values_that_need_quotes() {
        assert_eq!(quote(""), r#""""#);
        assert_eq!(quote("LAN gateway"), r#""LAN gateway""#);
        assert_eq!(quote("a;b"), r#""a;b""#);
        assert_eq!(quote("a=b"), r#""a=b""#);
        assert_eq!(quote("[find]"), r#""[find]""#);
        assert_eq!(quote("{x}"), r#""{x}""#);
        assert_eq!(quote("(x)"), r#""(x)""#);
        assert_eq!(quote("#1"), r##""#1""##);
        assert_eq!(quote("a#1"), r##""a#1""##);
    }

    #[test]
    fn escapes_inside_quotes() {
        assert_eq!(quote(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(quote(r"C:\dir"), r#""C:\\dir""#);
        assert_eq!(quote("$name"), r#""\$name""#);
        assert_eq!(quote("what?"), r#""what\?""#);
        assert_eq!(quote("a\nb\rc\td"), r#""a\nb\rc\td""#);
        assert_eq!(quote("\u{0}\u{1}\u{1f}\u{7f}"), r#""\00\01\1F\7F""#);
        assert_eq!(quote("é"), r#""\C3\A9""#);
        assert_eq!(quote("a€ b"), r#""a\E2\82\AC b""#);
    }
}
