//! The legacy IDE channel's I/O ports, as the drivers crate's `AtaPorts` (what QEMU attaches a plain
//! `-drive file=…` to: the primary channel of the PIIX IDE controller at 0x1F0–0x1F7 and 0x3F6).

use drivers::block::{AtaPorts, AtaRegister, PRIMARY_COMMAND_BASE, PRIMARY_CONTROL_BASE};
use x86_64::instructions::port::Port;

/// One ATA channel's command block and control ports.
pub struct PortAta {
    command: u16,
    control: u16,
}

impl PortAta {
    pub fn primary() -> Self {
        Self {
            command: PRIMARY_COMMAND_BASE,
            control: PRIMARY_CONTROL_BASE,
        }
    }
}

impl AtaPorts for PortAta {
    fn read8(&mut self, reg: AtaRegister) -> u8 {
        // SAFETY: reading a register of the legacy IDE channel; the ATA driver owns the channel.
        unsafe { Port::<u8>::new(self.command + reg.offset()).read() }
    }

    fn write8(&mut self, reg: AtaRegister, value: u8) {
        // SAFETY: writing a register of the legacy IDE channel, sequenced by the ATA driver.
        unsafe { Port::<u8>::new(self.command + reg.offset()).write(value) }
    }

    fn read16(&mut self) -> u16 {
        // SAFETY: the data register, read during a PIO data phase the driver started.
        unsafe { Port::<u16>::new(self.command).read() }
    }

    fn write16(&mut self, value: u16) {
        // SAFETY: the data register, written during a PIO data phase the driver started.
        unsafe { Port::<u16>::new(self.command).write(value) }
    }

    fn read_alt_status(&mut self) -> u8 {
        // SAFETY: Alternate Status has no side effects.
        unsafe { Port::<u8>::new(self.control).read() }
    }

    fn write_device_control(&mut self, value: u8) {
        // SAFETY: Device Control (nIEN, SRST), set by the driver.
        unsafe { Port::<u8>::new(self.control).write(value) }
    }
}
