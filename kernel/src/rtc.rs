//! The CMOS real-time clock, read once at boot: the date and time the router's clock starts from
//! (`clock::start_wall`). The read procedure and the register formats are `drivers::rtc`'s (MC146818
//! datasheet); this module only reaches the registers through the CMOS index and data ports.
//!
//! Ports: 0x70 selects a register (bits 0–6; bit 7 masks NMI and is left clear, as the
//! firmware leaves it), 0x71 then reads it. Only this module uses them.

use drivers::rtc::{self, Cmos, RtcError};
use x86_64::instructions::port::Port;

/// CMOS register index port.
const INDEX: u16 = 0x70;
/// CMOS data port.
const DATA: u16 = 0x71;

/// The CMOS registers through ports 0x70/0x71.
struct CmosPorts;

impl Cmos for CmosPorts {
    fn read(&mut self, index: u8) -> u8 {
        // SAFETY: ports 0x70/0x71 are the PC's CMOS index and data registers, present on every PC
        // (an absent device reads 0xFF, which the decoder refuses). Writing an index (bit 7 clear:
        // NMI stays enabled) then reading the data port has no effect beyond selecting and
        // reading that register, and nothing else in the kernel uses these ports, so the pair
        // cannot be interleaved with another index write.
        unsafe {
            Port::<u8>::new(INDEX).write(index & 0x7F);
            Port::<u8>::new(DATA).read()
        }
    }
}

/// Seconds since 1970-01-01 00:00:00 UTC on the real-time clock (QEMU's keeps UTC unless told
/// otherwise).
pub fn read_utc_seconds() -> Result<u64, RtcError> {
    let time =
        x86_64::instructions::interrupts::without_interrupts(|| rtc::read_time(&mut CmosPorts))?;
    let raw = [
        time.second,
        time.minute,
        time.hour,
        time.day,
        time.month,
        (time.year % 100) as u8,
        (time.year / 100) as u8,
        0,
    ];
    // The day must exist in its month (31 November is refused here).
    let date = config::clock::Date::new(
        i64::from(time.year),
        u32::from(time.month),
        u32::from(time.day),
    )
    .ok_or(RtcError::Invalid(raw))?;
    let seconds_of_day =
        u64::from(time.hour) * 3600 + u64::from(time.minute) * 60 + u64::from(time.second);
    Ok(date.seconds() + seconds_of_day)
}
