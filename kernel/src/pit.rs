//! The 8253/8254 programmable interval timer (PIT), clocked at 1.193182 MHz on every PC.
//!
//! Channel 0 drives the periodic timer interrupt (IRQ 0, rate-generator mode 2); channel 2, whose gate and
//! output are reachable through port 0x61, serves as a reference interval to calibrate the TSC against
//! (mode 0, "interrupt on terminal count", polled, no interrupt). Intel 8254 datasheet, modes 0 and 2.

use x86_64::instructions::port::Port;

/// The PIT's input clock in Hz.
pub const FREQUENCY_HZ: u32 = 1_193_182;

const CHANNEL0: u16 = 0x40;
const CHANNEL2: u16 = 0x42;
const COMMAND: u16 = 0x43;
/// NMI status and control register: bit 0 gates channel 2, bit 1 enables the speaker, bit 5 reads OUT2.
const PORT_B: u16 = 0x61;

/// Starts channel 0 as a rate generator firing IRQ 0 `hz` times a second.
pub fn start_periodic(hz: u32) {
    let divisor = (FREQUENCY_HZ / hz.max(19)).clamp(1, 0xFFFF) as u16;
    // SAFETY: ports 0x40/0x43 belong to the PIT, which only this module programs; the writes select
    // channel 0, lobyte/hibyte access, mode 2, and load the divisor.
    unsafe {
        Port::<u8>::new(COMMAND).write(0b0011_0100);
        Port::<u8>::new(CHANNEL0).write(divisor as u8);
        Port::<u8>::new(CHANNEL0).write((divisor >> 8) as u8);
    }
}

/// Runs channel 2 once for `ticks` PIT clocks (at most 0xFFFF, about 55 ms) and calls `on_start` just after
/// the count starts; returns when OUT2 goes high, i.e. the interval has elapsed.
pub fn one_shot(ticks: u16, on_start: impl FnOnce()) {
    // SAFETY: port 0x61 bits 0/1 gate channel 2 and the speaker; we keep the other bits, turn the speaker off
    // and drop the gate so the count does not start before it is loaded. Ports 0x42/0x43 program channel 2
    // (mode 0, lobyte/hibyte). Reading 0x61 has no side effects.
    unsafe {
        let mut port_b = Port::<u8>::new(PORT_B);
        let saved = port_b.read();
        port_b.write(saved & !0b11);
        Port::<u8>::new(COMMAND).write(0b1011_0000);
        Port::<u8>::new(CHANNEL2).write(ticks as u8);
        Port::<u8>::new(CHANNEL2).write((ticks >> 8) as u8);
        // Raising the gate starts the count.
        port_b.write((saved & !0b10) | 0b01);
        on_start();
        // OUT2 rises at terminal count. Bound the wait so a missing PIT cannot hang the boot forever.
        let mut spins: u64 = 0;
        while port_b.read() & 0x20 == 0 && spins < 500_000_000 {
            spins += 1;
            core::hint::spin_loop();
        }
        port_b.write(saved);
    }
}
