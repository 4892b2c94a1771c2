//! Turning on the Command-register bits a driver needs before it touches its device (PCI 3.0 §6.2.2).
//!
//! Guarantees: only the requested bits change (read, OR/AND-NOT, write back), and Status is never disturbed
//! (see [`write_command`]).

use super::PciAddress;
use super::config::{COMMAND, ConfigSpace, write_command};

/// Command bit 0: respond to I/O-space accesses.
pub const COMMAND_IO_SPACE: u16 = 1 << 0;
/// Command bit 1: respond to memory-space accesses.
pub const COMMAND_MEMORY_SPACE: u16 = 1 << 1;
/// Command bit 2: allow the device to master the bus (DMA, MSI).
pub const COMMAND_BUS_MASTER: u16 = 1 << 2;
/// Command bit 10: disable legacy INTx# assertion (used when switching to MSI/MSI-X).
pub const COMMAND_INTX_DISABLE: u16 = 1 << 10;

/// Sets `set` and clears `clear` in the Command register, returning the value written.
pub fn update_command(cs: &mut impl ConfigSpace, addr: PciAddress, set: u16, clear: u16) -> u16 {
    let old = cs.read16(addr, COMMAND);
    let new = (old & !clear) | set;
    if new != old {
        write_command(cs, addr, new);
    }
    new
}

/// Lets the function master the bus, which it needs for DMA (descriptor rings, virtqueues).
pub fn enable_bus_master(cs: &mut impl ConfigSpace, addr: PciAddress) {
    update_command(cs, addr, COMMAND_BUS_MASTER, 0);
}

/// Makes the function decode its memory BARs.
pub fn enable_memory_space(cs: &mut impl ConfigSpace, addr: PciAddress) {
    update_command(cs, addr, COMMAND_MEMORY_SPACE, 0);
}

/// Makes the function decode its I/O BARs.
pub fn enable_io_space(cs: &mut impl ConfigSpace, addr: PciAddress) {
    update_command(cs, addr, COMMAND_IO_SPACE, 0);
}
