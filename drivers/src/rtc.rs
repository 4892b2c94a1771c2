//! The PC's real-time clock: a Motorola MC146818 (or compatible) behind the CMOS index/data ports,
//! read through the [`Cmos`] trait (the kernel's ports; a fake in the tests).
//!
//! What the datasheet says, and how it is used here:
//!
//! * Registers 0x00 seconds, 0x02 minutes, 0x04 hours, 0x07 day of month, 0x08 month, 0x09 year
//!   (two digits). The century is not an MC146818 register; PCs keep it in CMOS byte 0x32 (the
//!   ACPI FADT names the byte; 0x32 is what PC firmware and QEMU use).
//! * Register A bit 7, UIP (update in progress): while it is set the clock is updating its registers
//!   and a read may mix the old and the new second. Once UIP reads 0 the update cycle is at least
//!   244 µs away, long enough to read every register, so [`read_time`] waits for UIP to clear, reads
//!   them all, and does both again until two reads agree (a read that straddled an update differs
//!   from the next one).
//! * Register B bit 2, DM (data mode): 1 binary, 0 BCD (two decimal digits per byte, the reset
//!   state). Bit 1, 24/12: 1 for 24-hour hours, 0 for 12-hour hours 1–12 with bit 7 set for PM.
//!
//! The time is whatever the clock keeps; QEMU starts it at the host's UTC (`-rtc base=utc`, the
//! default). Guarantees: no input makes it panic or wait forever (every wait is bounded); a value
//! that is not a time — a BCD digit above 9, month 13, hour 25, a clock that never stops updating —
//! is an [`RtcError`], never a wrong date passed on as right.

use core::fmt;

/// Byte-wide access to CMOS registers by index.
pub trait Cmos {
    /// The value of register `index` (0x00–0x7F).
    fn read(&mut self, index: u8) -> u8;
}

const SECONDS: u8 = 0x00;
const MINUTES: u8 = 0x02;
const HOURS: u8 = 0x04;
const DAY_OF_MONTH: u8 = 0x07;
const MONTH: u8 = 0x08;
const YEAR: u8 = 0x09;
const STATUS_A: u8 = 0x0A;
const STATUS_B: u8 = 0x0B;
/// The century byte PCs keep next to the clock.
const CENTURY: u8 = 0x32;

/// Register A: an update of the time registers is in progress or about to start.
const UIP: u8 = 0x80;
/// Register B: binary (not BCD) data mode.
const DM_BINARY: u8 = 0x04;
/// Register B: 24-hour mode.
const HOURS_24: u8 = 0x02;
/// 12-hour mode: the hour's PM bit.
const PM: u8 = 0x80;

/// Most times UIP is read while waiting for an update to end (an update takes under 2 ms; a port
/// read takes at least a microsecond).
const UIP_POLLS: u32 = 100_000;
/// Most pairs of reads taken before giving up on two that agree.
const READ_ATTEMPTS: u32 = 5;

/// A date and time of day the clock holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtcTime {
    pub year: u16,
    /// 1–12.
    pub month: u8,
    /// 1–31 (the month's length is not checked here).
    pub day: u8,
    /// 0–23.
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

/// Why no time was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RtcError {
    /// UIP never cleared: no clock, or one that does not run.
    NeverSettles,
    /// No two reads in a row agreed.
    NeverStable,
    /// The registers hold something that is not a date and time (the raw bytes: seconds, minutes,
    /// hours, day, month, year, century, register B).
    Invalid([u8; 8]),
}

impl fmt::Display for RtcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RtcError::NeverSettles => f.write_str("the update-in-progress flag never cleared"),
            RtcError::NeverStable => f.write_str("no two reads agreed"),
            RtcError::Invalid(raw) => write!(f, "registers hold no valid time: {raw:02x?}"),
        }
    }
}

/// The raw time registers, read in one go.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Snapshot([u8; 8]);

fn snapshot(cmos: &mut impl Cmos) -> Result<Snapshot, RtcError> {
    let mut polls = 0;
    while cmos.read(STATUS_A) & UIP != 0 {
        polls += 1;
        if polls >= UIP_POLLS {
            return Err(RtcError::NeverSettles);
        }
        core::hint::spin_loop();
    }
    Ok(Snapshot([
        cmos.read(SECONDS),
        cmos.read(MINUTES),
        cmos.read(HOURS),
        cmos.read(DAY_OF_MONTH),
        cmos.read(MONTH),
        cmos.read(YEAR),
        cmos.read(CENTURY),
        cmos.read(STATUS_B),
    ]))
}

/// Reads the clock (see the module docs).
pub fn read_time(cmos: &mut impl Cmos) -> Result<RtcTime, RtcError> {
    let mut previous = snapshot(cmos)?;
    for _ in 0..READ_ATTEMPTS {
        let next = snapshot(cmos)?;
        if next == previous {
            return decode(next.0);
        }
        previous = next;
    }
    Err(RtcError::NeverStable)
}

/// The time in the registers `raw` (as [`RtcError::Invalid`] lists them).
fn decode(raw: [u8; 8]) -> Result<RtcTime, RtcError> {
    let [second, minute, hour, day, month, year, century, status_b] = raw;
    let invalid = RtcError::Invalid(raw);
    let binary = status_b & DM_BINARY != 0;
    let number = |byte: u8| {
        if binary { Some(byte) } else { bcd(byte) }
    };
    let second = number(second).filter(|s| *s <= 59).ok_or(invalid)?;
    let minute = number(minute).filter(|m| *m <= 59).ok_or(invalid)?;
    let hour = if status_b & HOURS_24 != 0 {
        number(hour).filter(|h| *h <= 23).ok_or(invalid)?
    } else {
        // 12 AM is midnight (0), 12 PM noon (12).
        let twelve = number(hour & !PM)
            .filter(|h| (1..=12).contains(h))
            .ok_or(invalid)?;
        (twelve % 12) + if hour & PM != 0 { 12 } else { 0 }
    };
    let day = number(day)
        .filter(|d| (1..=31).contains(d))
        .ok_or(invalid)?;
    let month = number(month)
        .filter(|m| (1..=12).contains(m))
        .ok_or(invalid)?;
    let year = number(year).filter(|y| *y <= 99).ok_or(invalid)?;
    // The century byte when it holds one this clock can mean; otherwise 20xx (the appliance was
    // made in this century).
    let century = match number(century) {
        Some(c @ 19..=29) => u16::from(c),
        _ => 20,
    };
    Ok(RtcTime {
        year: century * 100 + u16::from(year),
        month,
        day,
        hour,
        minute,
        second,
    })
}

/// The value of a BCD byte; `None` when a digit is above 9.
fn bcd(byte: u8) -> Option<u8> {
    let (tens, ones) = (byte >> 4, byte & 0x0F);
    (tens <= 9 && ones <= 9).then_some(tens * 10 + ones)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// CMOS registers that change over a sequence of reads: `reads_until_change` reads after the
    /// start, `later` takes the place of `registers`; UIP reads set for the first `busy` reads of
    /// register A.
    struct FakeCmos {
        registers: [u8; 0x80],
        later: Option<[u8; 0x80]>,
        reads_until_change: u32,
        busy: u32,
        reads: u32,
    }

    impl FakeCmos {
        fn new(values: &[(u8, u8)]) -> Self {
            let mut registers = [0u8; 0x80];
            for (index, value) in values {
                registers[usize::from(*index)] = *value;
            }
            FakeCmos {
                registers,
                later: None,
                reads_until_change: u32::MAX,
                busy: 0,
                reads: 0,
            }
        }
    }

    impl Cmos for FakeCmos {
        fn read(&mut self, index: u8) -> u8 {
            self.reads += 1;
            if self.reads == self.reads_until_change
                && let Some(later) = self.later.take()
            {
                self.registers = later;
            }
            if index == STATUS_A && self.busy > 0 {
                self.busy -= 1;
                return UIP;
            }
            self.registers[usize::from(index & 0x7F)]
        }
    }

    /// 2026-11-22 09:15:42 in BCD, 24-hour mode (QEMU's default).
    fn bcd_clock() -> Vec<(u8, u8)> {
        alloc::vec![
            (SECONDS, 0x42),
            (MINUTES, 0x15),
            (HOURS, 0x09),
            (DAY_OF_MONTH, 0x22),
            (MONTH, 0x11),
            (YEAR, 0x26),
            (CENTURY, 0x20),
            (STATUS_B, HOURS_24),
        ]
    }

    const EXPECTED: RtcTime = RtcTime {
        year: 2026,
        month: 11,
        day: 22,
        hour: 9,
        minute: 15,
        second: 42,
    };

    #[test]
    fn bcd_24_hour() {
        assert_eq!(read_time(&mut FakeCmos::new(&bcd_clock())), Ok(EXPECTED));
    }

    #[test]
    fn binary_mode() {
        let mut cmos = FakeCmos::new(&[
            (SECONDS, 42),
            (MINUTES, 15),
            (HOURS, 21),
            (DAY_OF_MONTH, 22),
            (MONTH, 11),
            (YEAR, 26),
            (CENTURY, 20),
            (STATUS_B, DM_BINARY | HOURS_24),
        ]);
        let time = read_time(&mut cmos).unwrap();
        assert_eq!((time.year, time.hour), (2026, 21));
    }

    #[test]
    fn twelve_hour_mode() {
        for (register, hour) in [
            (0x12, 0),       // 12 AM
            (0x01, 1),       // 1 AM
            (0x11, 11),      // 11 AM
            (PM | 0x12, 12), // 12 PM
            (PM | 0x01, 13), // 1 PM
            (PM | 0x11, 23), // 11 PM
        ] {
            let mut values = bcd_clock();
            values.retain(|(i, _)| *i != HOURS && *i != STATUS_B);
            values.push((HOURS, register));
            values.push((STATUS_B, 0));
            let time = read_time(&mut FakeCmos::new(&values)).unwrap();
            assert_eq!(time.hour, hour, "{register:#x}");
        }
        // Binary 12-hour: 9 PM.
        let mut values = bcd_clock();
        values.retain(|(i, _)| *i != HOURS && *i != STATUS_B);
        values.push((HOURS, PM | 9));
        values.push((STATUS_B, DM_BINARY));
        values.retain(|(i, _)| ![SECONDS, MINUTES, DAY_OF_MONTH, MONTH, YEAR].contains(i));
        values.extend([
            (SECONDS, 1),
            (MINUTES, 2),
            (DAY_OF_MONTH, 3),
            (MONTH, 4),
            (YEAR, 5),
        ]);
        let time = read_time(&mut FakeCmos::new(&values)).unwrap();
        assert_eq!((time.hour, time.year, time.day), (21, 2005, 3));
    }

    #[test]
    fn a_missing_century_byte_means_this_century() {
        let mut values = bcd_clock();
        values.retain(|(i, _)| *i != CENTURY);
        values.push((CENTURY, 0xFF));
        assert_eq!(read_time(&mut FakeCmos::new(&values)).unwrap().year, 2026);
    }

    #[test]
    fn garbage_is_an_error() {
        for (index, value) in [
            (SECONDS, 0x60),
            (SECONDS, 0x1A),
            (MINUTES, 0xFF),
            (HOURS, 0x24),
            (DAY_OF_MONTH, 0x00),
            (DAY_OF_MONTH, 0x32),
            (MONTH, 0x13),
            (MONTH, 0x00),
            (YEAR, 0xA0),
        ] {
            let mut values = bcd_clock();
            values.retain(|(i, _)| *i != index);
            values.push((index, value));
            assert!(
                matches!(
                    read_time(&mut FakeCmos::new(&values)),
                    Err(RtcError::Invalid(_))
                ),
                "{index:#x}={value:#x}"
            );
        }
        // All ones (no device answering the ports).
        let all_ones: Vec<(u8, u8)> = (0..0x80u8)
            .filter(|i| *i != STATUS_A)
            .map(|i| (i, 0xFF))
            .collect();
        assert!(read_time(&mut FakeCmos::new(&all_ones)).is_err());
    }

    #[test]
    fn waits_for_an_update_to_end() {
        let mut cmos = FakeCmos::new(&bcd_clock());
        cmos.busy = 50;
        assert_eq!(read_time(&mut cmos), Ok(EXPECTED));
        let mut stuck = FakeCmos::new(&bcd_clock());
        stuck.busy = u32::MAX;
        assert_eq!(read_time(&mut stuck), Err(RtcError::NeverSettles));
    }

    #[test]
    fn a_read_across_a_tick_is_read_again() {
        // The second ticks over in the middle of the first read (after 3 register reads).
        let mut cmos = FakeCmos::new(&bcd_clock());
        let mut later = cmos.registers;
        later[usize::from(SECONDS)] = 0x43;
        cmos.later = Some(later);
        cmos.reads_until_change = 3;
        assert_eq!(
            read_time(&mut cmos),
            Ok(RtcTime {
                second: 43,
                ..EXPECTED
            })
        );
    }
}
