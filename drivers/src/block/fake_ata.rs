//! Test double for [`AtaPorts`]: one ATA disk at device 0 of a channel, following the ATA/ATAPI-6 device
//! side of the bus idle, non-data, PIO data-in and PIO data-out protocols closely enough to catch driver
//! bugs, and recording every rule the host breaks in `violations` instead of panicking.
//!
//! What it models:
//! * Status timing: after a command, a drive select that changes device, the end of a DRQ block or a
//!   reset, the next four status reads (either register) return the *stale* value from before, as a real
//!   device may for 400 ns; then BSY for `busy_polls` reads; only then the new state. A driver that skips
//!   the delay sees DRQ still set (or not yet set) and trips a violation or a protocol error.
//! * Register rules: the command block written while BSY or DRQ, data-register access outside a DRQ
//!   block of the right direction, CHS addressing — all violations.
//! * 48-bit registers as two-deep FIFOs (a write pushes the current byte into "previous"), so a driver
//!   that writes the high-order bytes in the wrong order addresses the wrong sector.
//! * A volatile write cache: writes land in `cache` and reach `media` only on FLUSH CACHE (EXT);
//!   [`FakeAta::power_cut`] drops the cache.
//! * Faults: `bad_sectors` (reads end with ERR+UNC, writes with ERR+IDNF at that sector), `hang_on`
//!   (BSY forever once that command is issued, until a software reset), `stays_busy` (BSY forever, even
//!   through reset), absent device (status reads 0), floating bus (everything reads 0xFF), and a PACKET
//!   device that aborts IDENTIFY DEVICE with the ATAPI signature.
//!
//! The store is sparse (a map of written sectors, zeros elsewhere) so 48-bit addresses far beyond 128 GiB
//! can be tested without the memory.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::SECTOR_SIZE;
use super::ata::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    Disk,
    /// Nothing at device 0: status reads 0 (what QEMU returns for an empty channel).
    Absent,
    /// No controller decodes the ports: every read returns all ones.
    FloatingBus,
    /// An ATAPI device: aborts IDENTIFY DEVICE and shows signature 0x14/0xEB.
    Packet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pending {
    Identify,
    ReadSector,
    RequestWrite,
    CommitSector,
    Flush,
    Abort(u8),
    ResetDone,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    None,
    In,
    Out,
}

/// Number of status reads a 400 ns delay takes (the driver's convention, and the fake's stale window).
const SETTLE_READS: u8 = 4;

pub struct FakeAta {
    presence: Presence,
    sectors: u64,
    lba48: bool,
    /// Sectors whose reads fail with UNC and writes with IDNF.
    pub bad_sectors: BTreeSet<u64>,
    /// BSY reads before each state change (exercises the polling loops).
    pub busy_polls: u32,
    /// Once this command is issued the device stays BSY until a software reset.
    pub hang_on: Option<u8>,
    /// BSY forever, reset or not.
    pub stays_busy: bool,
    /// The flush command aborts (a device without a volatile cache and no FLUSH CACHE support).
    pub no_flush_support: bool,
    hung: bool,
    media: BTreeMap<u64, [u8; SECTOR_SIZE]>,
    cache: BTreeMap<u64, [u8; SECTOR_SIZE]>,
    // Task file: index 0 is the current byte, 1 the previous one (48-bit FIFO).
    features: [u8; 2],
    count: [u8; 2],
    lba_low: [u8; 2],
    lba_mid: [u8; 2],
    lba_high: [u8; 2],
    device: u8,
    control: u8,
    status: u8,
    error: u8,
    settle: u8,
    stale: u8,
    busy_left: u32,
    pending: Option<Pending>,
    next_lba: u64,
    remaining: u64,
    direction: Direction,
    block: [u8; SECTOR_SIZE],
    pos: usize,
    /// Every command code written to a present device, in order.
    pub commands: Vec<u8>,
    /// Host protocol violations, in order; a correct driver leaves this empty.
    pub violations: Vec<String>,
    /// INTRQ assertions while nIEN was clear (a polled driver masks them all).
    pub interrupts: u32,
    pub flushes: u32,
    pub status_reads: u64,
}

impl FakeAta {
    /// A blank disk of `sectors` sectors; `lba48` advertises the 48-bit Address feature set.
    pub fn new(sectors: u64, lba48: bool) -> Self {
        Self {
            presence: Presence::Disk,
            sectors,
            lba48,
            bad_sectors: BTreeSet::new(),
            busy_polls: 3,
            hang_on: None,
            stays_busy: false,
            no_flush_support: false,
            hung: false,
            media: BTreeMap::new(),
            cache: BTreeMap::new(),
            features: [0; 2],
            count: [0; 2],
            lba_low: [0; 2],
            lba_mid: [0; 2],
            lba_high: [0; 2],
            device: 0xA0,
            // Interrupts enabled until the driver masks them, as after BIOS.
            control: 0,
            status: STATUS_DRDY,
            error: 0x01,
            settle: 0,
            stale: 0,
            busy_left: 0,
            pending: None,
            next_lba: 0,
            remaining: 0,
            direction: Direction::None,
            block: [0; SECTOR_SIZE],
            pos: 0,
            commands: Vec::new(),
            violations: Vec::new(),
            interrupts: 0,
            flushes: 0,
            status_reads: 0,
        }
    }

    /// A disk holding `image` (padded to whole sectors), already on stable storage.
    pub fn with_image(image: &[u8], lba48: bool) -> Self {
        let mut fake = Self::new(image.len().div_ceil(SECTOR_SIZE) as u64, lba48);
        for (lba, chunk) in image.chunks(SECTOR_SIZE).enumerate() {
            if chunk.iter().any(|&b| b != 0) {
                let mut sector = [0u8; SECTOR_SIZE];
                sector[..chunk.len()].copy_from_slice(chunk);
                fake.media.insert(lba as u64, sector);
            }
        }
        fake
    }

    pub fn with_presence(presence: Presence) -> Self {
        Self {
            presence,
            ..Self::new(2048, false)
        }
    }

    /// The sector as a read would return it (cache first).
    pub fn sector(&self, lba: u64) -> [u8; SECTOR_SIZE] {
        self.cache
            .get(&lba)
            .or_else(|| self.media.get(&lba))
            .copied()
            .unwrap_or([0; SECTOR_SIZE])
    }

    /// The sector as stable storage holds it.
    pub fn media_sector(&self, lba: u64) -> [u8; SECTOR_SIZE] {
        self.media.get(&lba).copied().unwrap_or([0; SECTOR_SIZE])
    }

    /// Sectors written but not yet flushed.
    pub fn unflushed(&self) -> usize {
        self.cache.len()
    }

    /// Loses the write cache, as a power cut would.
    pub fn power_cut(&mut self) {
        self.cache.clear();
    }

    fn selected_present(&self) -> bool {
        self.presence != Presence::Absent && self.device & DEVICE_DEV == 0
    }

    fn violation(&mut self, what: String) {
        self.violations.push(what);
    }

    fn raise_interrupt(&mut self) {
        if self.control & CONTROL_NIEN == 0 {
            self.interrupts += 1;
        }
    }

    /// The status the host sees now; advances the device's clock by one read.
    fn observe_status(&mut self) -> u8 {
        self.status_reads += 1;
        if self.presence == Presence::FloatingBus {
            return 0xFF;
        }
        if !self.selected_present() {
            return 0;
        }
        if self.settle > 0 {
            self.settle -= 1;
            return self.stale;
        }
        if self.stays_busy || self.hung {
            return STATUS_BSY;
        }
        if let Some(pending) = self.pending {
            if self.busy_left > 0 {
                self.busy_left -= 1;
                return STATUS_BSY;
            }
            self.pending = None;
            self.run(pending);
        }
        self.status
    }

    /// Starts a state change: stale status for the 400 ns window, then BSY, then `pending` runs.
    fn begin(&mut self, pending: Pending, stale: u8) {
        self.stale = stale;
        self.settle = SETTLE_READS;
        self.status = STATUS_BSY;
        self.busy_left = self.busy_polls;
        self.pending = Some(pending);
    }

    fn run(&mut self, pending: Pending) {
        match pending {
            Pending::Identify => {
                self.block = self.identify_data();
                self.start_block(Direction::In);
                self.raise_interrupt();
            }
            Pending::ReadSector => {
                if self.bad_sectors.contains(&self.next_lba) {
                    self.fail(ERROR_UNC);
                } else {
                    self.block = self.sector(self.next_lba);
                    self.start_block(Direction::In);
                    self.raise_interrupt();
                }
            }
            Pending::RequestWrite => {
                self.block = [0; SECTOR_SIZE];
                self.start_block(Direction::Out);
            }
            Pending::CommitSector => {
                if self.bad_sectors.contains(&self.next_lba) {
                    self.fail(ERROR_IDNF);
                    return;
                }
                self.cache.insert(self.next_lba, self.block);
                self.next_lba += 1;
                self.remaining -= 1;
                if self.remaining > 0 {
                    self.block = [0; SECTOR_SIZE];
                    self.start_block(Direction::Out);
                } else {
                    self.status = STATUS_DRDY;
                    self.direction = Direction::None;
                }
                self.raise_interrupt();
            }
            Pending::Flush => {
                let cache = core::mem::take(&mut self.cache);
                self.media.extend(cache);
                self.flushes += 1;
                self.status = STATUS_DRDY;
                self.raise_interrupt();
            }
            Pending::Abort(error) => self.fail(error),
            Pending::ResetDone => {
                // Diagnostic code 01h (device 0 passed) and the ATA signature (count 1, LBA 1/0/0).
                self.status = STATUS_DRDY;
                self.error = 0x01;
                self.count = [1, 0];
                self.lba_low = [1, 0];
                self.lba_mid = [0, 0];
                self.lba_high = [0, 0];
            }
        }
    }

    fn start_block(&mut self, direction: Direction) {
        self.direction = direction;
        self.pos = 0;
        self.status = STATUS_DRDY | STATUS_DRQ;
    }

    fn fail(&mut self, error: u8) {
        self.status = STATUS_DRDY | STATUS_ERR;
        self.error = error;
        self.direction = Direction::None;
        self.raise_interrupt();
    }

    /// The end of a DRQ block: the device drops DRQ (stale for 400 ns) and moves on.
    fn block_done(&mut self) {
        let stale = self.status;
        match (self.direction, self.commands.last().copied()) {
            (Direction::Out, _) => self.begin(Pending::CommitSector, stale),
            (_, Some(CMD_IDENTIFY_DEVICE)) => {
                self.direction = Direction::None;
                self.settle = SETTLE_READS;
                self.stale = stale;
                self.status = STATUS_DRDY;
            }
            _ => {
                self.next_lba += 1;
                self.remaining -= 1;
                if self.remaining > 0 {
                    self.begin(Pending::ReadSector, stale);
                } else {
                    self.direction = Direction::None;
                    self.settle = SETTLE_READS;
                    self.stale = stale;
                    self.status = STATUS_DRDY;
                }
            }
        }
    }

    fn command(&mut self, command: u8) {
        if self.presence == Presence::FloatingBus || !self.selected_present() {
            return;
        }
        if self.status & (STATUS_BSY | STATUS_DRQ) != 0 {
            self.violation(format!(
                "command {command:#04x} written with status {:#04x}",
                self.status
            ));
        }
        self.commands.push(command);
        let stale = self.status;
        self.error = 0;
        self.direction = Direction::None;
        if self.hang_on == Some(command) {
            self.hung = true;
        }
        let next = match command {
            CMD_IDENTIFY_DEVICE if self.presence == Presence::Packet => {
                self.lba_mid = [0x14, 0];
                self.lba_high = [0xEB, 0];
                Pending::Abort(ERROR_ABRT)
            }
            CMD_IDENTIFY_DEVICE => Pending::Identify,
            CMD_READ_SECTORS | CMD_WRITE_SECTORS | CMD_READ_SECTORS_EXT | CMD_WRITE_SECTORS_EXT => {
                self.setup_transfer(command)
            }
            CMD_FLUSH_CACHE | CMD_FLUSH_CACHE_EXT
                if self.no_flush_support || (command == CMD_FLUSH_CACHE_EXT && !self.lba48) =>
            {
                Pending::Abort(ERROR_ABRT)
            }
            CMD_FLUSH_CACHE | CMD_FLUSH_CACHE_EXT => Pending::Flush,
            _ => Pending::Abort(ERROR_ABRT),
        };
        self.begin(next, stale);
    }

    /// Decodes the address and count of a READ/WRITE SECTORS (EXT) from the task file.
    fn setup_transfer(&mut self, command: u8) -> Pending {
        let ext = command == CMD_READ_SECTORS_EXT || command == CMD_WRITE_SECTORS_EXT;
        let (lba, count) = if ext {
            if !self.lba48 {
                return Pending::Abort(ERROR_ABRT);
            }
            let lba = [
                self.lba_low[0],
                self.lba_mid[0],
                self.lba_high[0],
                self.lba_low[1],
                self.lba_mid[1],
                self.lba_high[1],
            ]
            .iter()
            .enumerate()
            .fold(0u64, |acc, (i, b)| acc | (u64::from(*b) << (8 * i)));
            let count = u64::from(self.count[0]) | (u64::from(self.count[1]) << 8);
            (lba, if count == 0 { 65536 } else { count })
        } else {
            if self.device & DEVICE_LBA == 0 {
                self.violation(format!(
                    "command {command:#04x} with CHS addressing (device {:#04x})",
                    self.device
                ));
                return Pending::Abort(ERROR_ABRT);
            }
            let lba = u64::from(self.lba_low[0])
                | (u64::from(self.lba_mid[0]) << 8)
                | (u64::from(self.lba_high[0]) << 16)
                | (u64::from(self.device & 0x0F) << 24);
            let count = u64::from(self.count[0]);
            (lba, if count == 0 { 256 } else { count })
        };
        if lba + count > self.sectors {
            return Pending::Abort(ERROR_IDNF);
        }
        self.next_lba = lba;
        self.remaining = count;
        if command == CMD_READ_SECTORS || command == CMD_READ_SECTORS_EXT {
            Pending::ReadSector
        } else {
            Pending::RequestWrite
        }
    }

    fn identify_data(&self) -> [u8; SECTOR_SIZE] {
        let mut words = [0u16; 256];
        words[0] = 0x0040; // fixed device, ATA
        put_string(&mut words[10..20], "FAKE0001");
        put_string(&mut words[23..27], "1.0");
        put_string(&mut words[27..47], "FAKE ATA DISK");
        words[49] = 1 << 9; // LBA
        let lba28 = self.sectors.min((1 << 28) - 1);
        words[60] = lba28 as u16;
        words[61] = (lba28 >> 16) as u16;
        words[80] = 1 << 6; // ATA/ATAPI-6
        let flush = if self.no_flush_support { 0 } else { 1 << 12 };
        let ext = if self.lba48 && !self.no_flush_support {
            (1 << 13) | (1 << 10)
        } else if self.lba48 {
            1 << 10
        } else {
            0
        };
        words[83] = 0x4000 | flush | ext;
        words[86] = words[83] & 0x3FFF;
        if self.lba48 {
            for i in 0..4 {
                words[100 + i] = (self.sectors >> (16 * i)) as u16;
            }
        }
        words[255] = 0x00A5;
        let sum = words.iter().fold(0u8, |acc, w| {
            acc.wrapping_add(*w as u8).wrapping_add((*w >> 8) as u8)
        });
        words[255] |= u16::from(sum.wrapping_neg()) << 8;
        let mut bytes = [0u8; SECTOR_SIZE];
        for (pair, word) in bytes.as_chunks_mut::<2>().0.iter_mut().zip(words) {
            pair.copy_from_slice(&word.to_le_bytes());
        }
        bytes
    }
}

fn put_string(words: &mut [u16], text: &str) {
    let mut bytes = vec![b' '; words.len() * 2];
    bytes[..text.len()].copy_from_slice(text.as_bytes());
    for (word, pair) in words.iter_mut().zip(bytes.as_chunks::<2>().0) {
        *word = (u16::from(pair[0]) << 8) | u16::from(pair[1]);
    }
}

impl AtaPorts for FakeAta {
    fn read8(&mut self, reg: AtaRegister) -> u8 {
        if self.presence == Presence::FloatingBus {
            return 0xFF;
        }
        if !self.selected_present() {
            return 0;
        }
        match reg {
            AtaRegister::StatusCommand => {
                // Reading Status acknowledges INTRQ; nothing else to model for a polled host.
                self.observe_status()
            }
            AtaRegister::ErrorFeatures => self.error,
            AtaRegister::SectorCount => self.count[0],
            AtaRegister::LbaLow => self.lba_low[0],
            AtaRegister::LbaMid => self.lba_mid[0],
            AtaRegister::LbaHigh => self.lba_high[0],
            AtaRegister::Device => self.device,
        }
    }

    fn write8(&mut self, reg: AtaRegister, value: u8) {
        if self.presence == Presence::FloatingBus {
            return;
        }
        if reg == AtaRegister::StatusCommand {
            self.command(value);
            return;
        }
        if self.selected_present() && self.status & (STATUS_BSY | STATUS_DRQ) != 0 {
            self.violation(format!("{reg:?} written with status {:#04x}", self.status));
        }
        let push = |fifo: &mut [u8; 2]| {
            fifo[1] = fifo[0];
            fifo[0] = value;
        };
        match reg {
            AtaRegister::ErrorFeatures => push(&mut self.features),
            AtaRegister::SectorCount => push(&mut self.count),
            AtaRegister::LbaLow => push(&mut self.lba_low),
            AtaRegister::LbaMid => push(&mut self.lba_mid),
            AtaRegister::LbaHigh => push(&mut self.lba_high),
            AtaRegister::Device => {
                let was_present = self.selected_present();
                let before = if was_present { self.status } else { 0 };
                let changed = (self.device ^ value) & DEVICE_DEV != 0;
                self.device = value;
                if changed && self.selected_present() {
                    // The newly selected device's status is not valid for 400 ns.
                    self.stale = before;
                    self.settle = SETTLE_READS;
                }
            }
            AtaRegister::StatusCommand => unreachable!(),
        }
    }

    fn read16(&mut self) -> u16 {
        if self.presence == Presence::FloatingBus {
            return 0xFFFF;
        }
        if !self.selected_present()
            || self.direction != Direction::In
            || self.status & (STATUS_BSY | STATUS_DRQ) != STATUS_DRQ
        {
            let status = self.status;
            self.violation(format!("data read with status {status:#04x}"));
            return 0xFFFF;
        }
        let word = u16::from_le_bytes([self.block[self.pos], self.block[self.pos + 1]]);
        self.pos += 2;
        if self.pos == SECTOR_SIZE {
            self.block_done();
        }
        word
    }

    fn write16(&mut self, value: u16) {
        if self.presence == Presence::FloatingBus {
            return;
        }
        if !self.selected_present()
            || self.direction != Direction::Out
            || self.status & (STATUS_BSY | STATUS_DRQ) != STATUS_DRQ
        {
            let status = self.status;
            self.violation(format!("data write with status {status:#04x}"));
            return;
        }
        self.block[self.pos..self.pos + 2].copy_from_slice(&value.to_le_bytes());
        self.pos += 2;
        if self.pos == SECTOR_SIZE {
            self.block_done();
        }
    }

    fn read_alt_status(&mut self) -> u8 {
        self.observe_status()
    }

    fn write_device_control(&mut self, value: u8) {
        if self.presence == Presence::FloatingBus {
            return;
        }
        let was_reset = self.control & CONTROL_SRST != 0;
        self.control = value;
        if value & CONTROL_SRST != 0 {
            // Reset asserted: abandon whatever was going on.
            self.hung = false;
            self.pending = None;
            self.direction = Direction::None;
            self.settle = 0;
            self.status = STATUS_BSY;
        } else if was_reset {
            self.begin(Pending::ResetDone, STATUS_BSY);
        }
    }
}
