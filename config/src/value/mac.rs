//! MAC addresses (`mac-address=0C:00:6E:34:39:00`).
//!
//! Six groups of two hex digits separated all by `:` or all by `-`, either case; RouterOS prints them in upper
//! case with `:`.

use alloc::format;
use alloc::string::String;

use smoltcp::wire::EthernetAddress;

use super::ValueError;

/// `0C:00:6E:34:39:00`, `0c-00-6e-34-39-00`; `None` for anything else.
pub fn parse_mac(s: &str) -> Option<EthernetAddress> {
    let separator = if s.contains(':') { ':' } else { '-' };
    let mut bytes = [0u8; 6];
    let mut groups = s.split(separator);
    for byte in &mut bytes {
        let group = groups.next()?;
        if group.len() != 2 || !group.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        *byte = u8::from_str_radix(group, 16).ok()?;
    }
    if groups.next().is_some() {
        return None;
    }
    Some(EthernetAddress(bytes))
}

/// Upper case, `:` separated.
pub fn format_mac(m: EthernetAddress) -> String {
    let [a, b, c, d, e, f] = m.0;
    format!("{a:02X}:{b:02X}:{c:02X}:{d:02X}:{e:02X}:{f:02X}")
}

pub(super) fn normalize(input: &str) -> Result<String, ValueError> {
    parse_mac(input)
        .map(format_mac)
        .ok_or_else(|| ValueError::new("invalid MAC address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHR: EthernetAddress = EthernetAddress([0x0C, 0x00, 0x6E, 0x34, 0x39, 0x00]);

    #[test]
    fn separators_and_case() {
        assert_eq!(parse_mac("0C:00:6E:34:39:00"), Some(CHR));
        assert_eq!(parse_mac("0c:00:6e:34:39:00"), Some(CHR));
        assert_eq!(parse_mac("0C-00-6E-34-39-00"), Some(CHR));
        assert_eq!(
            parse_mac("ff:FF:ff:FF:ff:FF"),
            Some(EthernetAddress([0xFF; 6]))
        );
        assert_eq!(normalize("0c-00-6e-34-39-00").unwrap(), "0C:00:6E:34:39:00");
        assert_eq!(
            format_mac(EthernetAddress([0, 1, 2, 0xA, 0xB, 0xC])),
            "00:01:02:0A:0B:0C"
        );
    }

    #[test]
    fn malformed() {
        for bad in [
            "",
            "0C:00:6E:34:39",
            "0C:00:6E:34:39:00:11",
            "0C:00-6E:34:39:00",
            "0C00.6E34.3900",
            "0C006E343900",
            "C:00:6E:34:39:00",
            "0C:00:6E:34:39:0G",
            "0C:00:6E:34:39:+0",
            "0C:00:6E:34:39:00:",
            " 0C:00:6E:34:39:00",
            "0C:00:6E:34:39:é",
        ] {
            assert_eq!(parse_mac(bad), None, "{bad:?}");
        }
        assert_eq!(
            normalize("00:11").unwrap_err().message,
            "invalid MAC address"
        );
    }
}
