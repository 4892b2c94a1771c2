//! Finding the `\_S5` (soft-off) sleep-type values in DSDT AML without an AML interpreter.
//!
//! `\_S5` is a package whose first two integers are the SLP_TYPa and SLP_TYPb values to program into PM1a_CNT and
//! PM1b_CNT for soft-off (ACPI 6.x §7.4.2, "\_Sx (System States)"). Firmware nearly always defines it as a static
//! named package at the top of the DSDT, so — like many small kernels — this module uses a shortcut instead of
//! evaluating the namespace: scan the AML bytes for the name segment `_S5_` preceded by NameOp (0x08, optionally
//! with a RootChar `\` in between) and followed by PackageOp (0x12), then decode that one package
//! (§20.2.5.4 DefPackage := PackageOp PkgLength NumElements PackageElementList).
//!
//! Limits of the shortcut (documented, deliberate): `_S5` defined as a Method, built from named constants, placed
//! only in an SSDT, or under a conditional (`If`) is not understood — those give [`AcpiError::NoS5`] or
//! [`AcpiError::BadS5`], and the caller can fall back to other power-off means. A stray byte sequence that
//! happens to look like `08 "_S5_" 12` inside unrelated data would be misread; the package decoding is strict
//! enough (exact PkgLength bounds, integer encodings only, values ≤ 7) that this yields an error rather than
//! nonsense in practice.
//!
//! Guarantees: one linear pass over the slice, all indexing checked; a garbled package is an error, never a panic.

use super::AcpiError;
use super::bytes::{u8_at, u16_at, u32_at, u64_at};

// AML opcodes (§20.2).
const NAME_OP: u8 = 0x08; // §20.2.5.1 DefName := NameOp NameString DataRefObject
const ROOT_CHAR: u8 = b'\\'; // §20.2.2 RootChar
const PACKAGE_OP: u8 = 0x12; // §20.2.5.4 DefPackage
const ZERO_OP: u8 = 0x00; // §20.2.3 ConstObj
const ONE_OP: u8 = 0x01;
const ONES_OP: u8 = 0xff;
const BYTE_PREFIX: u8 = 0x0a; // §20.2.3 ComputationalData
const WORD_PREFIX: u8 = 0x0b;
const DWORD_PREFIX: u8 = 0x0c;
const QWORD_PREFIX: u8 = 0x0e;

const S5_NAME: &[u8; 4] = b"_S5_";
/// SLP_TYPx is a 3-bit field (PM1 control register bits 12:10).
const MAX_SLP_TYP: u64 = 7;

/// The S5 sleep-type values for PM1a and PM1b.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SleepTypes {
    pub a: u16,
    pub b: u16,
}

/// Finds `Name(\_S5_, Package(){ SLP_TYPa, SLP_TYPb, ... })` in `aml` (the DSDT body after its header).
pub fn find_s5(aml: &[u8]) -> Result<SleepTypes, AcpiError> {
    for (at, window) in aml.windows(S5_NAME.len()).enumerate() {
        if window != S5_NAME || !preceded_by_name_op(aml, at) {
            continue;
        }
        let Some(package) = at.checked_add(S5_NAME.len()) else {
            continue;
        };
        if u8_at(aml, package) != Some(PACKAGE_OP) {
            continue;
        }
        return parse_package(aml, package + 1);
    }
    Err(AcpiError::NoS5)
}

/// Whether the name segment at `at` is the NameString of a DefName: `NameOp _S5_` or `NameOp \ _S5_`.
fn preceded_by_name_op(aml: &[u8], at: usize) -> bool {
    let before = |n: usize| at.checked_sub(n).and_then(|i| u8_at(aml, i));
    match before(1) {
        Some(NAME_OP) => true,
        Some(ROOT_CHAR) => before(2) == Some(NAME_OP),
        _ => false,
    }
}

/// Decodes the package whose PkgLength starts at `start`.
fn parse_package(aml: &[u8], start: usize) -> Result<SleepTypes, AcpiError> {
    let bad = |offset: usize, reason: &'static str| AcpiError::BadS5 { offset, reason };

    let (length, length_bytes) =
        parse_pkg_length(aml, start).map_err(|reason| bad(start, reason))?;
    // PkgLength counts itself and everything up to the end of the package (§20.2.4).
    let end = start
        .checked_add(length)
        .filter(|&end| end <= aml.len())
        .ok_or(bad(start, "package extends past the end of the DSDT"))?;
    let num_at = start + length_bytes;
    if num_at >= end {
        return Err(bad(start, "package too short for NumElements"));
    }
    let body = aml.get(..end).unwrap_or(&[]);
    let num_elements = u8_at(body, num_at).unwrap_or(0);

    let first_at = num_at + 1;
    let (first, used) = parse_integer(body, first_at)
        .ok_or(bad(first_at, "element 0 is not an integer constant"))?;
    let (a, b) = if num_elements >= 2 {
        let second_at = first_at + used;
        let (second, _) = parse_integer(body, second_at)
            .ok_or(bad(second_at, "element 1 is not an integer constant"))?;
        (first, second)
    } else if num_elements == 1 {
        // A one-integer package carries SLP_TYPa in bits 7:0 and SLP_TYPb in bits 15:8 (the legacy form ACPICA
        // also accepts).
        (first & 0xff, (first >> 8) & 0xff)
    } else {
        return Err(bad(num_at, "package has no elements"));
    };
    if a > MAX_SLP_TYP || b > MAX_SLP_TYP {
        return Err(bad(first_at, "SLP_TYP value does not fit in 3 bits"));
    }
    Ok(SleepTypes {
        a: a as u16,
        b: b as u16,
    })
}

/// Decodes a PkgLength (§20.2.4): bits 7:6 of the lead byte give the number of following bytes (0-3). With none,
/// bits 5:0 are the length; otherwise bits 3:0 are the low nibble (bits 5:4 must be zero) and each following byte
/// supplies the next 8 bits. Returns `(length, bytes used by the encoding)`.
fn parse_pkg_length(aml: &[u8], start: usize) -> Result<(usize, usize), &'static str> {
    let lead = u8_at(aml, start).ok_or("PkgLength past the end of the DSDT")?;
    let follow = usize::from(lead >> 6);
    if follow == 0 {
        return Ok((usize::from(lead & 0x3f), 1));
    }
    if lead & 0x30 != 0 {
        return Err("PkgLength reserved bits set");
    }
    let mut length = usize::from(lead & 0x0f);
    for i in 0..follow {
        let byte = start
            .checked_add(1 + i)
            .and_then(|at| u8_at(aml, at))
            .ok_or("PkgLength past the end of the DSDT")?;
        length |= usize::from(byte) << (4 + 8 * i);
    }
    Ok((length, 1 + follow))
}

/// Decodes an integer constant (§20.2.3) at `at` inside `body`: `(value, bytes used)`.
fn parse_integer(body: &[u8], at: usize) -> Option<(u64, usize)> {
    let data = at.checked_add(1)?;
    match u8_at(body, at)? {
        ZERO_OP => Some((0, 1)),
        ONE_OP => Some((1, 1)),
        ONES_OP => Some((u64::MAX, 1)),
        BYTE_PREFIX => u8_at(body, data).map(|v| (u64::from(v), 2)),
        WORD_PREFIX => u16_at(body, data).map(|v| (u64::from(v), 3)),
        DWORD_PREFIX => u32_at(body, data).map(|v| (u64::from(v), 5)),
        QWORD_PREFIX => u64_at(body, data).map(|v| (v, 9)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn s5(a: u16, b: u16) -> Result<SleepTypes, AcpiError> {
        Ok(SleepTypes { a, b })
    }

    #[test]
    fn qemu_style_zero_ops() {
        assert_eq!(
            find_s5(&[
                0x08, b'_', b'S', b'5', b'_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00
            ]),
            s5(0, 0)
        );
    }

    #[test]
    fn root_prefixed_name_and_prefixed_integers() {
        let aml = [
            0x10, 0x08, 0x5c, 0x08, b'\\', b'_', b'S', b'5', b'_', 0x12, 0x08, 0x04, 0x0a, 0x05,
            0x0a, 0x07, 0x00, 0x00,
        ];
        assert_eq!(find_s5(&aml), s5(5, 7));
        let words = [
            0x08, b'_', b'S', b'5', b'_', 0x12, 0x0a, 0x02, 0x0b, 0x06, 0x00, 0x0c, 0x01, 0x00,
            0x00, 0x00,
        ];
        assert_eq!(find_s5(&words), s5(6, 1));
        let qword = [
            0x08, b'_', b'S', b'5', b'_', 0x12, 0x0c, 0x02, 0x0e, 3, 0, 0, 0, 0, 0, 0, 0, 0x01,
        ];
        assert_eq!(find_s5(&qword), s5(3, 1));
    }

    #[test]
    fn references_that_are_not_definitions_are_skipped() {
        // Return(\_S5_) inside a method, then a string "_S5_", then the real definition.
        let mut aml = alloc::vec![
            0xa4, b'\\', b'_', b'S', b'5', b'_', 0x0d, b'_', b'S', b'5', b'_', 0x00
        ];
        // NameOp _S5_ followed by something that is not a package: not the definition we understand.
        aml.extend_from_slice(&[0x08, b'_', b'S', b'5', b'_', 0x0a, 0x01]);
        aml.extend_from_slice(&[
            0x08, b'_', b'S', b'5', b'_', 0x12, 0x05, 0x02, 0x01, 0x0a, 0x02,
        ]);
        assert_eq!(find_s5(&aml), s5(1, 2));
    }

    #[test]
    fn multi_byte_pkg_length() {
        // Two-byte PkgLength, non-minimal encoding: length 9.
        let aml = [
            0x08, b'_', b'S', b'5', b'_', 0x12, 0x49, 0x00, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00,
            0x00,
        ];
        assert_eq!(find_s5(&aml), s5(5, 5));
        // 100 ZeroOp elements: length 2 + 1 + 100 = 103 = 0x67 → lead 0x47, next 0x06.
        let mut aml = alloc::vec![0x08, b'_', b'S', b'5', b'_', 0x12, 0x47, 0x06, 100];
        aml.extend(core::iter::repeat_n(0x00, 100));
        assert_eq!(find_s5(&aml), s5(0, 0));
        // Four-byte PkgLength claiming ~256 MiB.
        let aml = [
            0x08, b'_', b'S', b'5', b'_', 0x12, 0xcf, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00,
        ];
        assert!(matches!(find_s5(&aml), Err(AcpiError::BadS5 { .. })));
    }

    #[test]
    fn single_integer_legacy_form() {
        let aml = [
            0x08, b'_', b'S', b'5', b'_', 0x12, 0x05, 0x01, 0x0b, 0x07, 0x03,
        ];
        assert_eq!(find_s5(&aml), s5(7, 3));
    }

    #[test]
    fn malformed_packages_are_errors() {
        let cases: &[&[u8]] = &[
            &[0x08, b'_', b'S', b'5', b'_', 0x12], // PkgLength missing
            &[0x08, b'_', b'S', b'5', b'_', 0x12, 0x7f, 0x00, 0x00], // reserved bits
            &[0x08, b'_', b'S', b'5', b'_', 0x12, 0x3f, 0x02, 0x00, 0x00], // past the end
            &[0x08, b'_', b'S', b'5', b'_', 0x12, 0x01, 0x02, 0x00, 0x00], // no room for NumElements
            &[0x08, b'_', b'S', b'5', b'_', 0x12, 0x02, 0x00],             // zero elements
            &[0x08, b'_', b'S', b'5', b'_', 0x12, 0x04, 0x02, 0x00, 0x0a], // element 1 cut by PkgLength
            &[0x08, b'_', b'S', b'5', b'_', 0x12, 0x04, 0x02, 0x5c, 0x00], // element 0 is a name
            &[0x08, b'_', b'S', b'5', b'_', 0x12, 0x04, 0x02, 0xff, 0x00], // OnesOp: does not fit 3 bits
            &[
                0x08, b'_', b'S', b'5', b'_', 0x12, 0x05, 0x02, 0x0a, 0x08, 0x00,
            ], // 8 does not fit 3 bits
            &[0x08, b'_', b'S', b'5', b'_', 0x12, 0xc0],                   // 3 length bytes missing
        ];
        for case in cases {
            assert!(
                matches!(find_s5(case), Err(AcpiError::BadS5 { .. })),
                "{case:02x?} → {:?}",
                find_s5(case)
            );
        }
    }

    #[test]
    fn absent_is_no_s5() {
        assert_eq!(find_s5(&[]), Err(AcpiError::NoS5));
        assert_eq!(find_s5(b"_S5_"), Err(AcpiError::NoS5));
        assert_eq!(
            find_s5(&[0x08, b'_', b'S', b'4', b'_', 0x12, 0x04, 0x02, 0x00, 0x00]),
            Err(AcpiError::NoS5)
        );
    }

    #[test]
    fn every_prefix_and_byte_flip_is_safe() {
        let good: Vec<u8> = alloc::vec![
            0x10, 0x0e, 0x5c, 0x00, 0x08, b'\\', b'_', b'S', b'5', b'_', 0x12, 0x0a, 0x04, 0x0a,
            0x05, 0x0a, 0x05, 0x0b, 0x00, 0x00, 0x00, 0x00
        ];
        assert_eq!(find_s5(&good), s5(5, 5));
        for len in 0..=good.len() {
            let _ = find_s5(&good[..len]);
        }
        for i in 0..good.len() {
            for x in [0x01u8, 0x40, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[i] ^= x;
                let _ = find_s5(&bad);
            }
        }
    }
}
