//! Legacy IDE/ATA disk in PIO mode, polled, interrupts masked.
//!
//! This is the disk QEMU attaches for `-drive file=img,format=raw` on the `pc` machine: the PIIX IDE
//! controller's primary channel in compatibility mode, command block at ports 0x1F0–0x1F7 and control block
//! at 0x3F6 (secondary channel 0x170/0x376). The kernel implements [`AtaPorts`] with `in`/`out`
//! instructions; everything else — drive detection, IDENTIFY DEVICE, 28- and 48-bit READ/WRITE SECTORS,
//! FLUSH CACHE — is here and runs unchanged against the protocol-checking fake in `fake_ata`.
//!
//! References are to ATA/ATAPI-6 (T13/1410D revision 3b): §7 register descriptions (§7.14 Status),
//! §8 command descriptions (§8.15 IDENTIFY DEVICE), §9 the host/device protocol state machines (bus idle,
//! non-data, PIO data-in, PIO data-out; §9.2 software reset). Commands are used as follows:
//!
//! | command | code | protocol | used when |
//! |---|---|---|---|
//! | IDENTIFY DEVICE | 0xEC | PIO data-in | probing |
//! | READ SECTORS / READ SECTORS EXT | 0x20 / 0x24 | PIO data-in | reads |
//! | WRITE SECTORS / WRITE SECTORS EXT | 0x30 / 0x34 | PIO data-out | writes |
//! | FLUSH CACHE / FLUSH CACHE EXT | 0xE7 / 0xEA | non-data | `flush` |
//!
//! The 28-bit commands are used whenever the whole request lies below sector 2^28 and fits 256 sectors
//! (fewer register writes); the EXT forms (48-bit Address feature set) otherwise, up to 65536 sectors per
//! command. Larger requests are split.
//!
//! Bounds: the driver has no clock, so every wait is a loop of at most `poll_limit` status reads (each an
//! I/O-port read, roughly a microsecond on real hardware; [`DEFAULT_POLL_LIMIT`] is about a second) and
//! `16 * poll_limit` for FLUSH CACHE, which may write back the whole cache. A wait that runs out is
//! [`BlockError::Timeout`]; the device may still be busy afterwards, and [`AtaDisk::reset`] recovers it.
//! The ~400 ns the device may take before Status is valid after a command or drive select (§7.14, §9) is
//! waited by four Alternate Status reads, the usual practice.

use alloc::string::String;

use super::{BlockDevice, BlockError, Refused, SECTOR_SIZE, check_request};

/// Primary channel command block (data register at +0, Status/Command at +7).
pub const PRIMARY_COMMAND_BASE: u16 = 0x1F0;
/// Primary channel control block: Alternate Status (read) / Device Control (write).
pub const PRIMARY_CONTROL_BASE: u16 = 0x3F6;
/// Secondary channel command block.
pub const SECONDARY_COMMAND_BASE: u16 = 0x170;
/// Secondary channel control block.
pub const SECONDARY_CONTROL_BASE: u16 = 0x376;

/// Status-register reads a wait may take before it is a timeout (about a second of port reads).
pub const DEFAULT_POLL_LIMIT: u32 = 1 << 20;
/// FLUSH CACHE may take much longer than a sector transfer (it writes back the whole cache).
const FLUSH_POLL_FACTOR: u32 = 16;

/// The 8-bit command-block registers, by offset from the command block base. The 16-bit data register at
/// offset 0 is reached through [`AtaPorts::read16`] / [`AtaPorts::write16`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum AtaRegister {
    /// Error when read, Features when written (§7).
    ErrorFeatures = 1,
    SectorCount = 2,
    LbaLow = 3,
    LbaMid = 4,
    LbaHigh = 5,
    /// Device (drive select, LBA mode, LBA bits 27:24 for 28-bit commands).
    Device = 6,
    /// Status when read (acknowledges INTRQ), Command when written (starts the command).
    StatusCommand = 7,
}

impl AtaRegister {
    /// Offset from the command block base port.
    pub const fn offset(self) -> u16 {
        self as u16
    }
}

/// Port access to one ATA channel. Implemented by the kernel (port I/O on the bases above) and by the
/// test fake. Reads have side effects on real hardware (Status acknowledges the interrupt, Data advances
/// the transfer), hence `&mut self` throughout.
pub trait AtaPorts {
    /// Reads an 8-bit command-block register (`command base + reg.offset()`).
    fn read8(&mut self, reg: AtaRegister) -> u8;
    /// Writes an 8-bit command-block register.
    fn write8(&mut self, reg: AtaRegister, value: u8);
    /// Reads one word from the data register (`command base + 0`); the first byte on disk is the low byte.
    fn read16(&mut self) -> u16;
    /// Writes one word to the data register.
    fn write16(&mut self, value: u16);
    /// Reads Alternate Status (`control base + 0`): Status without acknowledging the interrupt.
    fn read_alt_status(&mut self) -> u8;
    /// Writes Device Control (`control base + 0`).
    fn write_device_control(&mut self, value: u8);
}

/// Which of the two devices on the channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtaDrive {
    /// Device 0 ("master"); QEMU's first `-drive` on the channel.
    Master,
    /// Device 1 ("slave").
    Slave,
}

// Status register bits (§7.14).
pub(super) const STATUS_BSY: u8 = 0x80;
pub(super) const STATUS_DRDY: u8 = 0x40;
pub(super) const STATUS_DF: u8 = 0x20;
pub(super) const STATUS_DRQ: u8 = 0x08;
pub(super) const STATUS_ERR: u8 = 0x01;

// Error register bits (§7, Error register).
// UNC and IDNF are only interpreted by Display (names in `mod.rs`); the fake raises them.
#[cfg(test)]
pub(super) const ERROR_UNC: u8 = 0x40;
#[cfg(test)]
pub(super) const ERROR_IDNF: u8 = 0x10;
pub(super) const ERROR_ABRT: u8 = 0x04;

// Device Control bits (§7, Device Control register).
pub(super) const CONTROL_SRST: u8 = 0x04;
pub(super) const CONTROL_NIEN: u8 = 0x02;

// Device register bits (§7, Device register): bits 7 and 5 are obsolete and conventionally set; LBA selects LBA addressing.
const DEVICE_OBSOLETE: u8 = 0xA0;
pub(super) const DEVICE_LBA: u8 = 0x40;
pub(super) const DEVICE_DEV: u8 = 0x10;

// Command codes (§8).
pub(super) const CMD_IDENTIFY_DEVICE: u8 = 0xEC;
pub(super) const CMD_READ_SECTORS: u8 = 0x20;
pub(super) const CMD_READ_SECTORS_EXT: u8 = 0x24;
pub(super) const CMD_WRITE_SECTORS: u8 = 0x30;
pub(super) const CMD_WRITE_SECTORS_EXT: u8 = 0x34;
pub(super) const CMD_FLUSH_CACHE: u8 = 0xE7;
pub(super) const CMD_FLUSH_CACHE_EXT: u8 = 0xEA;

/// Signature a PACKET (ATAPI) device leaves in LBA Mid/High after aborting IDENTIFY DEVICE (§8.15, §9).
const ATAPI_SIGNATURE: (u8, u8) = (0x14, 0xEB);
/// The same for a SATA PACKET device behind a legacy-mode controller.
const SATAPI_SIGNATURE: (u8, u8) = (0x69, 0x96);

/// Highest sector count a 28-bit command can address (LBA bits 27:0), and per-command transfer limits.
const LBA28_LIMIT: u64 = 1 << 28;
const MAX_SECTORS_28: u64 = 256;
const MAX_SECTORS_48: u64 = 65536;

/// What IDENTIFY DEVICE told us (§8.15, words cited per field).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AtaIdentity {
    /// User-addressable sectors: words 100–103 if the 48-bit Address feature set is supported, else 60–61.
    pub sectors: u64,
    /// Word 83 bit 10: the 48-bit Address feature set (the EXT commands).
    pub lba48: bool,
    /// Word 83 bit 12: FLUSH CACHE is supported.
    pub flush_cache: bool,
    /// Word 83 bit 13: FLUSH CACHE EXT is supported.
    pub flush_cache_ext: bool,
    /// Words 27–46, ASCII, trailing spaces removed.
    pub model: String,
    /// Words 10–19.
    pub serial: String,
    /// Words 23–26.
    pub firmware: String,
}

impl AtaIdentity {
    /// Decodes the 256 words of IDENTIFY DEVICE data. Refuses PACKET devices and devices without LBA;
    /// a present integrity word (255, signature 0xA5) must checksum to zero.
    pub fn parse(words: &[u16; 256]) -> Result<Self, BlockError> {
        // Word 255: bits 7:0 = 0xA5 when bits 15:8 hold a checksum making all 512 bytes sum to 0.
        if words[255] & 0xFF == 0xA5 {
            let sum = words.iter().fold(0u8, |acc, w| {
                acc.wrapping_add(*w as u8).wrapping_add((*w >> 8) as u8)
            });
            if sum != 0 {
                return Err(BlockError::Protocol);
            }
        }
        // Word 0 bit 15: 0 for an ATA device. Word 49 bit 9: LBA supported.
        if words[0] & 0x8000 != 0 || words[49] & (1 << 9) == 0 {
            return Err(BlockError::Unsupported);
        }
        // Words 82–84 are valid only when word 83 bits 15:14 are 01b.
        let word83 = if words[83] & 0xC000 == 0x4000 {
            words[83]
        } else {
            0
        };
        let lba48 = word83 & (1 << 10) != 0;
        let lba28_sectors = u64::from(words[60]) | (u64::from(words[61]) << 16);
        let sectors = if lba48 {
            (0..4).fold(0u64, |acc, i| acc | (u64::from(words[100 + i]) << (16 * i)))
        } else {
            lba28_sectors
        };
        if sectors == 0 || (!lba48 && sectors > LBA28_LIMIT) {
            return Err(BlockError::Protocol);
        }
        Ok(Self {
            sectors,
            lba48,
            flush_cache: word83 & (1 << 12) != 0,
            flush_cache_ext: word83 & (1 << 13) != 0,
            model: ata_string(&words[27..47]),
            serial: ata_string(&words[10..20]),
            firmware: ata_string(&words[23..27]),
        })
    }
}

/// IDENTIFY strings hold two characters per word, the first in the high byte (§8.15).
fn ata_string(words: &[u16]) -> String {
    let mut text: String = words
        .iter()
        .flat_map(|w| [(w >> 8) as u8, *w as u8])
        .map(|b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '?'
            }
        })
        .collect();
    let trimmed = text.trim_end().len();
    text.truncate(trimmed);
    text
}

/// One ATA disk on a channel, driven by polled PIO.
pub struct AtaDisk<P: AtaPorts> {
    ports: P,
    drive: AtaDrive,
    identity: AtaIdentity,
    poll_limit: u32,
}

impl<P: AtaPorts> core::fmt::Debug for AtaDisk<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AtaDisk")
            .field("drive", &self.drive)
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl<P: AtaPorts> AtaDisk<P> {
    /// Detects the disk at `drive` and reads its IDENTIFY data, with [`DEFAULT_POLL_LIMIT`].
    pub fn probe(ports: P, drive: AtaDrive) -> Result<Self, Refused<P>> {
        Self::probe_with_poll_limit(ports, drive, DEFAULT_POLL_LIMIT)
    }

    /// As [`probe`](Self::probe), waiting at most `poll_limit` status reads per step (at least 1).
    pub fn probe_with_poll_limit(
        ports: P,
        drive: AtaDrive,
        poll_limit: u32,
    ) -> Result<Self, Refused<P>> {
        let mut disk = Self {
            ports,
            drive,
            identity: AtaIdentity {
                sectors: 0,
                lba48: false,
                flush_cache: false,
                flush_cache_ext: false,
                model: String::new(),
                serial: String::new(),
                firmware: String::new(),
            },
            poll_limit: poll_limit.max(1),
        };
        match disk.identify() {
            Ok(identity) => {
                disk.identity = identity;
                Ok(disk)
            }
            Err(error) => Err(Refused {
                error,
                returned: disk.ports,
            }),
        }
    }

    pub fn identity(&self) -> &AtaIdentity {
        &self.identity
    }

    pub fn drive(&self) -> AtaDrive {
        self.drive
    }

    pub fn ports(&self) -> &P {
        &self.ports
    }

    pub fn ports_mut(&mut self) -> &mut P {
        &mut self.ports
    }

    pub fn into_ports(self) -> P {
        self.ports
    }

    /// Software reset of the channel (§9.2: SRST set for at least 5 µs, cleared, then BSY polled clear),
    /// leaving interrupts masked. Both devices on the channel are reset; use after a [`BlockError::Timeout`].
    pub fn reset(&mut self) -> Result<(), BlockError> {
        self.ports.write_device_control(CONTROL_SRST | CONTROL_NIEN);
        // Each Alternate Status read is an ISA-speed access (~1 µs on hardware): 8 of them cover 5 µs.
        for _ in 0..8 {
            self.ports.read_alt_status();
        }
        self.ports.write_device_control(CONTROL_NIEN);
        self.delay_400ns();
        self.wait_not_busy(self.poll_limit.saturating_mul(FLUSH_POLL_FACTOR))?;
        Ok(())
    }

    /// Floating bus check, drive select and IDENTIFY DEVICE (§8.15, PIO data-in protocol).
    fn identify(&mut self) -> Result<AtaIdentity, BlockError> {
        // No controller decodes the ports: the pulled-up bus reads all ones.
        if self.ports.read_alt_status() == 0xFF {
            return Err(BlockError::NotPresent);
        }
        // nIEN: this driver polls; INTRQ stays deasserted.
        self.ports.write_device_control(CONTROL_NIEN);
        self.wait_bus_idle(false)?;
        self.select(0);
        // An empty drive position reads 0 (QEMU, and controllers with pull-downs), or all ones.
        let status = self.ports.read_alt_status();
        if status == 0 || status == 0xFF {
            return Err(BlockError::NotPresent);
        }
        self.wait_bus_idle(false)?;
        for reg in [
            AtaRegister::ErrorFeatures,
            AtaRegister::SectorCount,
            AtaRegister::LbaLow,
            AtaRegister::LbaMid,
            AtaRegister::LbaHigh,
        ] {
            self.ports.write8(reg, 0);
        }
        self.ports
            .write8(AtaRegister::StatusCommand, CMD_IDENTIFY_DEVICE);
        self.delay_400ns();
        if self.ports.read_alt_status() == 0 {
            return Err(BlockError::NotPresent);
        }
        let status = self.wait_not_busy(self.poll_limit)?;
        if status & STATUS_ERR != 0 {
            // A PACKET device aborts IDENTIFY DEVICE and leaves its signature in LBA Mid/High.
            let signature = (
                self.ports.read8(AtaRegister::LbaMid),
                self.ports.read8(AtaRegister::LbaHigh),
            );
            if signature == ATAPI_SIGNATURE || signature == SATAPI_SIGNATURE {
                return Err(BlockError::Unsupported);
            }
        }
        let mut bytes = [0u8; SECTOR_SIZE];
        self.data_in_block(&mut bytes)?;
        self.finish()?;
        let mut words = [0u16; 256];
        for (word, pair) in words.iter_mut().zip(bytes.as_chunks::<2>().0) {
            *word = u16::from_le_bytes([pair[0], pair[1]]);
        }
        AtaIdentity::parse(&words)
    }

    /// About 400 ns: four Alternate Status reads, results ignored (§7.14; the value read right after a
    /// command or drive select may be stale).
    fn delay_400ns(&mut self) {
        for _ in 0..4 {
            self.ports.read_alt_status();
        }
    }

    /// Selects this drive with LBA addressing; `lba_high_nibble` is LBA bits 27:24 for 28-bit commands.
    fn select(&mut self, lba_high_nibble: u8) {
        let dev = match self.drive {
            AtaDrive::Master => 0,
            AtaDrive::Slave => DEVICE_DEV,
        };
        self.ports.write8(
            AtaRegister::Device,
            DEVICE_OBSOLETE | DEVICE_LBA | dev | (lba_high_nibble & 0x0F),
        );
        self.delay_400ns();
    }

    /// Polls Alternate Status until BSY clears; returns that status.
    fn wait_not_busy(&mut self, limit: u32) -> Result<u8, BlockError> {
        for _ in 0..limit {
            let status = self.ports.read_alt_status();
            if status & STATUS_BSY == 0 {
                return Ok(status);
            }
        }
        Err(BlockError::Timeout)
    }

    /// Bus idle (§9, HI1 Check_Status): BSY and DRQ both clear before the command block may be written;
    /// with `ready`, DRDY set as well (required for every command used here except IDENTIFY DEVICE, which
    /// must also reach PACKET devices so they can be told apart).
    fn wait_bus_idle(&mut self, ready: bool) -> Result<(), BlockError> {
        let mask = STATUS_BSY | STATUS_DRQ | if ready { STATUS_DRDY } else { 0 };
        let want = if ready { STATUS_DRDY } else { 0 };
        for _ in 0..self.poll_limit {
            let status = self.ports.read_alt_status();
            if status & mask == want {
                return Ok(());
            }
        }
        Err(BlockError::Timeout)
    }

    /// Reads Status (acknowledging INTRQ) and turns ERR/DF into an error carrying the Error register.
    fn checked_status(&mut self) -> Result<u8, BlockError> {
        let status = self.ports.read8(AtaRegister::StatusCommand);
        if status & (STATUS_ERR | STATUS_DF) != 0 {
            let error = self.ports.read8(AtaRegister::ErrorFeatures);
            return Err(BlockError::DeviceError { status, error });
        }
        Ok(status)
    }

    /// PIO data-in, one DRQ block (§9, HPIOI1 Check_Status then HPIOI2 Transfer_Data): wait for BSY to
    /// clear, check for errors, require DRQ, read 256 words.
    fn data_in_block(&mut self, block: &mut [u8]) -> Result<(), BlockError> {
        self.wait_not_busy(self.poll_limit)?;
        let status = self.checked_status()?;
        if status & STATUS_DRQ == 0 {
            return Err(BlockError::Protocol);
        }
        for pair in block.as_chunks_mut::<2>().0 {
            pair.copy_from_slice(&self.ports.read16().to_le_bytes());
        }
        // The device sets BSY (next block) or clears DRQ (done) after the last word; give it time before
        // the next status read (§9: Alternate Status is read once and its value ignored).
        self.delay_400ns();
        Ok(())
    }

    /// PIO data-out, one DRQ block (§9, HPIOO1 Check_Status then HPIOO2 Transfer_Data).
    fn data_out_block(&mut self, block: &[u8]) -> Result<(), BlockError> {
        self.wait_not_busy(self.poll_limit)?;
        let status = self.checked_status()?;
        if status & STATUS_DRQ == 0 {
            return Err(BlockError::Protocol);
        }
        for pair in block.as_chunks::<2>().0 {
            self.ports.write16(u16::from_le_bytes([pair[0], pair[1]]));
        }
        self.delay_400ns();
        Ok(())
    }

    /// Final status of a command: BSY clear, no error, and no further data requested.
    fn finish(&mut self) -> Result<(), BlockError> {
        self.wait_not_busy(self.poll_limit)?;
        let status = self.checked_status()?;
        if status & STATUS_DRQ != 0 {
            return Err(BlockError::Protocol);
        }
        Ok(())
    }

    /// Waits for bus idle, selects the drive, waits again and writes the command block for `sectors`
    /// sectors at `lba` (28-bit form unless `ext`; §7 register usage of the 48-bit Address feature set: the "previous"
    /// high-order bytes are written first, each register being a two-deep FIFO).
    fn issue(&mut self, command: u8, lba: u64, sectors: u64, ext: bool) -> Result<(), BlockError> {
        let count = sectors as u16; // 0 stands for 256 (28-bit) or 65536 (48-bit)
        // Bus idle protocol: BSY and DRQ clear before the Device register is written, and again (for the
        // newly selected device, now also ready) before the rest of the command block.
        self.wait_bus_idle(false)?;
        if ext {
            self.select(0);
            self.wait_bus_idle(true)?;
            self.ports.write8(AtaRegister::ErrorFeatures, 0);
            self.ports
                .write8(AtaRegister::SectorCount, (count >> 8) as u8);
            self.ports.write8(AtaRegister::LbaLow, (lba >> 24) as u8);
            self.ports.write8(AtaRegister::LbaMid, (lba >> 32) as u8);
            self.ports.write8(AtaRegister::LbaHigh, (lba >> 40) as u8);
        } else {
            self.select((lba >> 24) as u8);
            self.wait_bus_idle(true)?;
        }
        self.ports.write8(AtaRegister::ErrorFeatures, 0);
        self.ports.write8(AtaRegister::SectorCount, count as u8);
        self.ports.write8(AtaRegister::LbaLow, lba as u8);
        self.ports.write8(AtaRegister::LbaMid, (lba >> 8) as u8);
        self.ports.write8(AtaRegister::LbaHigh, (lba >> 16) as u8);
        self.ports.write8(AtaRegister::StatusCommand, command);
        self.delay_400ns();
        Ok(())
    }

    /// Splits `lba..lba + sectors` into commands: 28-bit while the range allows, else 48-bit.
    fn next_chunk(&self, lba: u64, sectors: u64) -> Result<(u64, bool), BlockError> {
        let n28 = sectors.min(MAX_SECTORS_28);
        if lba + n28 <= LBA28_LIMIT {
            Ok((n28, false))
        } else if self.identity.lba48 {
            Ok((sectors.min(MAX_SECTORS_48), true))
        } else {
            // Unreachable for a consistent IDENTIFY (a 28-bit disk has at most 2^28 sectors).
            Err(BlockError::Unsupported)
        }
    }
}

impl<P: AtaPorts> BlockDevice for AtaDisk<P> {
    fn sector_count(&self) -> u64 {
        self.identity.sectors
    }

    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        let mut remaining = check_request(lba, buf.len(), self.identity.sectors)?;
        let mut lba = lba;
        let mut blocks = buf.as_chunks_mut::<SECTOR_SIZE>().0.iter_mut();
        while remaining > 0 {
            let (sectors, ext) = self.next_chunk(lba, remaining)?;
            let command = if ext {
                CMD_READ_SECTORS_EXT
            } else {
                CMD_READ_SECTORS
            };
            self.issue(command, lba, sectors, ext)?;
            for block in blocks.by_ref().take(sectors as usize) {
                self.data_in_block(block)?;
            }
            self.finish()?;
            lba += sectors;
            remaining -= sectors;
        }
        Ok(())
    }

    fn write(&mut self, lba: u64, buf: &[u8]) -> Result<(), BlockError> {
        let mut remaining = check_request(lba, buf.len(), self.identity.sectors)?;
        let mut lba = lba;
        let mut blocks = buf.as_chunks::<SECTOR_SIZE>().0.iter();
        while remaining > 0 {
            let (sectors, ext) = self.next_chunk(lba, remaining)?;
            let command = if ext {
                CMD_WRITE_SECTORS_EXT
            } else {
                CMD_WRITE_SECTORS
            };
            self.issue(command, lba, sectors, ext)?;
            for block in blocks.by_ref().take(sectors as usize) {
                self.data_out_block(block)?;
            }
            self.finish()?;
            lba += sectors;
            remaining -= sectors;
        }
        Ok(())
    }

    /// FLUSH CACHE EXT on 48-bit devices, else FLUSH CACHE (non-data protocol). A device that advertises
    /// neither and aborts the command has no volatile cache to flush.
    fn flush(&mut self) -> Result<(), BlockError> {
        let ext = self.identity.lba48 && self.identity.flush_cache_ext;
        let command = if ext {
            CMD_FLUSH_CACHE_EXT
        } else {
            CMD_FLUSH_CACHE
        };
        self.issue(command, 0, 0, ext)?;
        self.wait_not_busy(self.poll_limit.saturating_mul(FLUSH_POLL_FACTOR))?;
        match self.checked_status() {
            Err(BlockError::DeviceError { error, .. })
                if error & ERROR_ABRT != 0
                    && !self.identity.flush_cache
                    && !self.identity.flush_cache_ext =>
            {
                Ok(())
            }
            Err(e) => Err(e),
            Ok(status) if status & STATUS_DRQ != 0 => Err(BlockError::Protocol),
            Ok(_) => Ok(()),
        }
    }
}
