//! The 82540EM register file as the driver uses it: offsets into BAR0 and the bits it reads or sets.
//!
//! Section numbers refer to the "PCI/PCI-X Family of Gigabit Ethernet Controllers Software Developer's
//! Manual" (8254x SDM, rev. 4.0): register offsets in Table 13-2, per-register layouts in §13.4 (general),
//! §13.5 (filters) and §13.7 (statistics). All registers are 32 bits wide and accessed as whole dwords.

/// Raw access to the device's memory-mapped registers (BAR0, 128 KiB on the 82540EM).
///
/// The kernel implements this with volatile 32-bit loads and stores at `BAR0 + offset`; the host tests use
/// `fake::FakeE1000`. `offset` is one of the constants in this module; an implementation may ignore (read
/// 0 for) anything outside the 128 KiB window.
pub trait Registers {
    fn read(&mut self, offset: u32) -> u32;
    fn write(&mut self, offset: u32, value: u32);
}

/// Size of the memory BAR the driver needs mapped: the 82540EM's BAR0 decodes 128 KiB of registers.
pub const BAR0_BYTES: usize = 128 * 1024;

/// Device Control, §13.4.1.
pub const CTRL: u32 = 0x0000;
/// Auto-Speed Detection Enable: speed follows the PHY's auto-negotiation result.
pub const CTRL_ASDE: u32 = 1 << 5;
/// Set Link Up: lets the MAC bring the link up with the internal PHY (copper).
pub const CTRL_SLU: u32 = 1 << 6;
/// Invert Loss-of-Signal; must be 0 for the internal PHY.
pub const CTRL_ILOS: u32 = 1 << 7;
/// Force speed / force duplex: cleared so auto-negotiation decides.
pub const CTRL_FRCSPD: u32 = 1 << 11;
pub const CTRL_FRCDPLX: u32 = 1 << 12;
/// Device Reset: global reset of everything but PCI configuration; self-clearing.
pub const CTRL_RST: u32 = 1 << 26;
/// VLAN Mode Enable: left off, tags stay in the frame for the datapath.
pub const CTRL_VME: u32 = 1 << 30;
/// PHY Reset; must be 0 for normal operation.
pub const CTRL_PHY_RST: u32 = 1 << 31;

/// Device Status, §13.4.2.
pub const STATUS: u32 = 0x0008;
/// Link Up.
pub const STATUS_LU: u32 = 1 << 1;

/// EEPROM Read, §13.4.4 (82540EM layout: START bit 0, DONE bit 4, address 15:8, data 31:16).
pub const EERD: u32 = 0x0014;
pub const EERD_START: u32 = 1 << 0;
pub const EERD_DONE: u32 = 1 << 4;
pub const EERD_ADDR_SHIFT: u32 = 8;
pub const EERD_DATA_SHIFT: u32 = 16;

/// Interrupt Cause Read, §13.4.17: reading returns the pending causes and clears them.
pub const ICR: u32 = 0x00C0;
/// Interrupt Mask Set/Read, §13.4.20: writing 1s enables those causes.
pub const IMS: u32 = 0x00D0;
/// Interrupt Mask Clear, §13.4.21: writing 1s disables those causes.
pub const IMC: u32 = 0x00D8;

// Interrupt cause bits, the same in ICR, ICS, IMS and IMC (§13.4.17).

/// Transmit Descriptor Written Back.
pub const INT_TXDW: u32 = 1 << 0;
/// Transmit Queue Empty.
pub const INT_TXQE: u32 = 1 << 1;
/// Link Status Change.
pub const INT_LSC: u32 = 1 << 2;
/// Receive Descriptor Minimum Threshold reached (the device is running out of free buffers).
pub const INT_RXDMT0: u32 = 1 << 4;
/// Receiver Overrun: a frame was lost (no free descriptor or FIFO full).
pub const INT_RXO: u32 = 1 << 6;
/// Receiver Timer Interrupt: a frame was written back (after the RDTR delay, 0 here).
pub const INT_RXT0: u32 = 1 << 7;

/// Receive Control, §13.4.22.
pub const RCTL: u32 = 0x0100;
/// Receiver Enable.
pub const RCTL_EN: u32 = 1 << 1;
/// Unicast / Multicast Promiscuous Enable.
pub const RCTL_UPE: u32 = 1 << 3;
pub const RCTL_MPE: u32 = 1 << 4;
/// Broadcast Accept Mode.
pub const RCTL_BAM: u32 = 1 << 15;
/// Buffer size 2048 bytes: BSIZE (bits 17:16) = 00b with BSEX (bit 25) = 0; all zero, named for clarity.
pub const RCTL_BSIZE_2048: u32 = 0;
/// Strip Ethernet CRC from incoming frames (the written-back length excludes the FCS).
pub const RCTL_SECRC: u32 = 1 << 26;

/// Transmit Control, §13.4.33.
pub const TCTL: u32 = 0x0400;
/// Transmit Enable.
pub const TCTL_EN: u32 = 1 << 1;
/// Pad Short Packets to 64 bytes (with FCS).
pub const TCTL_PSP: u32 = 1 << 3;
/// Collision Threshold (bits 11:4); the manual recommends 0Fh.
pub const TCTL_CT_SHIFT: u32 = 4;
pub const TCTL_CT_RECOMMENDED: u32 = 0x0F;
/// Collision Distance (bits 21:12); 40h for full duplex (200h would be half duplex).
pub const TCTL_COLD_SHIFT: u32 = 12;
pub const TCTL_COLD_FULL_DUPLEX: u32 = 0x40;

/// Transmit Inter-Packet Gap, §13.4.34 (Table 13-77): IPGT bits 9:0, IPGR1 19:10, IPGR2 29:20.
pub const TIPG: u32 = 0x0410;
/// IEEE 802.3 96-bit-time gap on 10/100/1000BASE-T: IPGT 10, IPGR1 8, IPGR2 6.
pub const TIPG_COPPER: u32 = 10 | (8 << 10) | (6 << 20);

/// Receive descriptor ring: base address low/high, length in bytes (multiple of 128), head, tail
/// (§13.4.27 - §13.4.31).
pub const RDBAL: u32 = 0x2800;
pub const RDBAH: u32 = 0x2804;
pub const RDLEN: u32 = 0x2808;
pub const RDH: u32 = 0x2810;
pub const RDT: u32 = 0x2818;

/// Transmit descriptor ring: base address low/high, length, head, tail (§13.4.38 - §13.4.42).
pub const TDBAL: u32 = 0x3800;
pub const TDBAH: u32 = 0x3804;
pub const TDLEN: u32 = 0x3808;
pub const TDH: u32 = 0x3810;
pub const TDT: u32 = 0x3818;

/// Missed Packets Count, §13.7.4: frames lost for lack of buffers or FIFO space; clears on read.
pub const MPC: u32 = 0x4010;

/// Multicast Table Array, §13.5.1: 128 dwords (4096 hash bits) from this offset.
pub const MTA: u32 = 0x5200;
pub const MTA_ENTRIES: u32 = 128;

/// Receive Address Low/High for entry 0, §13.5.2 / §13.5.3: the station address filter.
pub const RAL0: u32 = 0x5400;
pub const RAH0: u32 = 0x5404;
/// Address Valid: the filter entry is used.
pub const RAH_AV: u32 = 1 << 31;
