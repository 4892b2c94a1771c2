//! A model of the 82540EM good enough to run the driver on the host: register file, global reset, EEPROM
//! reads through EERD, receive (a test injects frames, the fake writes them into the driver's buffers by
//! physical address), transmit (a TDT write makes the fake consume descriptors and record the frames),
//! ICR read-to-clear, the missed-packet counter and STATUS.LU.
//!
//! [`FakeE1000`] is a shared handle: one clone goes into the driver as its [`Registers`], the test keeps
//! another to inject frames, inspect what was sent and misbehave on purpose.

use alloc::rc::Rc;
use alloc::vec;
use alloc::vec::Vec;
use core::cell::RefCell;

use super::descriptor::{DESCRIPTOR_BYTES, RXD_STAT_DD, RXD_STAT_EOP, TXD_CMD_EOP, TXD_CMD_RS};
use super::registers::*;
use crate::dma::DmaRegion;
use crate::dma::fake::{VecDma, VecRegion};

/// Interrupt Cause Set (§13.4.19): writing 1s raises those causes (used by tests only).
pub const ICS: u32 = 0x00C8;

/// Bytes of a receive buffer as the fake assumes RCTL.BSIZE programs it (2048).
const RX_BUFFER: usize = 2048;

/// A frame the fake transmitted, with the command bits of its last descriptor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentFrame {
    pub bytes: Vec<u8>,
    pub command: u8,
}

#[derive(Debug)]
struct State {
    regs: Vec<u32>,
    eeprom: [u16; 64],
    /// Loaded into RAL0/RAH0 at reset.
    reset_address: Option<[u8; 6]>,
    /// Whether EERD ever reports DONE.
    eeprom_answers: bool,
    /// CTRL reads that still show RST after a reset (`u32::MAX`: the reset never completes).
    reset_reads: u32,
    reset_reads_left: u32,
    link: bool,
    ims: u32,
    icr: u32,
    missed: u32,
    /// Status bits the next transmitted descriptors get besides DD (e.g. excess collisions).
    tx_extra_status: u8,
    memory: Vec<VecRegion>,
    partial: Vec<u8>,
    sent: Vec<SentFrame>,
    writes: Vec<(u32, u32)>,
    /// Register writes the manual forbids, described.
    violations: Vec<&'static str>,
}

#[derive(Clone, Debug)]
pub struct FakeE1000 {
    state: Rc<RefCell<State>>,
}

impl FakeE1000 {
    /// A powered-on device whose EEPROM holds `mac` (and a valid checksum word), link up.
    pub fn new(mac: [u8; 6]) -> Self {
        let mut eeprom = [0xFFFF; 64];
        for word in 0..3 {
            eeprom[word] = u16::from_le_bytes([mac[word * 2], mac[word * 2 + 1]]);
        }
        let sum = eeprom[..0x3F]
            .iter()
            .fold(0u16, |sum, word| sum.wrapping_add(*word));
        eeprom[0x3F] = 0xBABA_u16.wrapping_sub(sum);
        let fake = Self {
            state: Rc::new(RefCell::new(State {
                regs: vec![0; BAR0_BYTES / 4],
                eeprom,
                reset_address: Some(mac),
                eeprom_answers: true,
                reset_reads: 3,
                reset_reads_left: 0,
                link: true,
                ims: 0,
                icr: 0,
                missed: 0,
                tx_extra_status: 0,
                memory: Vec::new(),
                partial: Vec::new(),
                sent: Vec::new(),
                writes: Vec::new(),
                violations: Vec::new(),
            })),
        };
        fake.state.borrow_mut().load_receive_address();
        fake
    }

    /// EERD never reports DONE (the device still loaded RAL0/RAH0 from the EEPROM at power-on).
    pub fn eeprom_silent(self) -> Self {
        self.state.borrow_mut().eeprom_answers = false;
        self
    }

    /// Makes EERD return `mac` in words 0-2 while reset still loads the original address into RAL0/RAH0.
    pub fn eeprom_mac(self, mac: [u8; 6]) -> Self {
        let mut state = self.state.borrow_mut();
        for word in 0..3 {
            state.eeprom[word] = u16::from_le_bytes([mac[word * 2], mac[word * 2 + 1]]);
        }
        drop(state);
        self
    }

    /// What reset loads into receive-address entry 0 (`None`: nothing, AV clear).
    pub fn reset_address(self, mac: Option<[u8; 6]>) -> Self {
        self.state.borrow_mut().reset_address = mac;
        self
    }

    /// CTRL.RST stays visible for `reads` reads after a reset (`u32::MAX`: forever).
    pub fn reset_reads(self, reads: u32) -> Self {
        self.state.borrow_mut().reset_reads = reads;
        self
    }

    /// Lets the fake reach the driver's DMA memory (every region `dma` has handed out so far).
    pub fn attach(&self, dma: &VecDma) {
        self.state.borrow_mut().memory = dma.regions.clone();
    }

    pub fn set_link(&self, up: bool) {
        let mut state = self.state.borrow_mut();
        if state.link != up {
            state.icr |= INT_LSC;
        }
        state.link = up;
    }

    /// Makes the next transmitted descriptors report `status` bits besides DD.
    pub fn set_tx_extra_status(&self, status: u8) {
        self.state.borrow_mut().tx_extra_status = status;
    }

    /// Writes a register's stored value without any side effect (a device misbehaving).
    pub fn poke(&self, offset: u32, value: u32) {
        if let Some(slot) = self.state.borrow_mut().regs.get_mut(offset as usize / 4) {
            *slot = value;
        }
    }

    /// A register's stored value without side effects (ICR is not cleared).
    pub fn peek(&self, offset: u32) -> u32 {
        let state = self.state.borrow();
        match offset {
            ICR => state.icr,
            IMS => state.ims,
            _ => state.regs.get(offset as usize / 4).copied().unwrap_or(0),
        }
    }

    /// Protocol violations seen so far: a tail outside its ring, a ring reprogrammed while its engine is
    /// enabled.
    pub fn violations(&self) -> Vec<&'static str> {
        self.state.borrow().violations.clone()
    }

    /// Every register write so far, in order.
    pub fn writes(&self) -> Vec<(u32, u32)> {
        self.state.borrow().writes.clone()
    }

    /// How many times `offset` was written.
    pub fn write_count(&self, offset: u32) -> usize {
        self.state
            .borrow()
            .writes
            .iter()
            .filter(|(written, _)| *written == offset)
            .count()
    }

    /// Frames transmitted so far (drained).
    pub fn take_sent(&self) -> Vec<SentFrame> {
        core::mem::take(&mut self.state.borrow_mut().sent)
    }

    /// Receives `frame` from the wire: writes it into the descriptor at RDH (appending a 4-byte FCS unless
    /// RCTL.SECRC), sets DD|EOP, advances RDH and raises RXT0. Returns false if the frame was missed (no
    /// free descriptor: RXO and MPC; receiver disabled: silently).
    pub fn inject(&self, frame: &[u8]) -> bool {
        let mut state = self.state.borrow_mut();
        let rctl = state.reg(RCTL);
        if rctl & RCTL_EN == 0 {
            return false;
        }
        let mut bytes = frame.to_vec();
        if rctl & RCTL_SECRC == 0 {
            bytes.extend_from_slice(&[0xFC; 4]);
        }
        let count = state.reg(RDLEN) as usize / DESCRIPTOR_BYTES;
        let head = state.reg(RDH) as usize;
        let tail = state.reg(RDT) as usize;
        if head >= count || head == tail || bytes.len() > RX_BUFFER {
            state.missed += 1;
            state.icr |= INT_RXO;
            return false;
        }
        let descriptor = state.rx_ring() + (head * DESCRIPTOR_BYTES) as u64;
        let buffer = state.read_u64(descriptor);
        state.write_bytes(buffer, &bytes);
        state.write_u64(
            descriptor + 8,
            bytes.len() as u64 | (u64::from(RXD_STAT_DD | RXD_STAT_EOP) << 32),
        );
        let head = (head + 1) % count;
        state.set_reg(RDH, head as u32);
        state.icr |= INT_RXT0;
        let free = (tail + count - head) % count;
        if free < count / 2 {
            state.icr |= INT_RXDMT0;
        }
        true
    }

    /// Writes receive descriptor `index`'s write-back fields directly (length, status, errors) and
    /// `payload` into its buffer, without moving RDH: whatever a broken device might write.
    pub fn write_rx_descriptor(
        &self,
        index: usize,
        payload: &[u8],
        length: u16,
        status: u8,
        errors: u8,
    ) {
        let mut state = self.state.borrow_mut();
        let descriptor = state.rx_ring() + (index * DESCRIPTOR_BYTES) as u64;
        let buffer = state.read_u64(descriptor);
        state.write_bytes(buffer, payload);
        state.write_u64(
            descriptor + 8,
            u64::from(length) | (u64::from(status) << 32) | (u64::from(errors) << 40),
        );
    }

    /// Runs the transmit engine as after a TDT write (a device catching up with a tail it saw earlier).
    pub fn process_tx(&self) {
        self.state.borrow_mut().transmit();
    }

    /// Sets transmit descriptor `index`'s status byte directly (a device reporting completions it never
    /// made).
    pub fn write_tx_status(&self, index: usize, status: u8) {
        let mut state = self.state.borrow_mut();
        let descriptor = state.tx_ring() + (index * DESCRIPTOR_BYTES) as u64;
        state.write_u32(descriptor + 12, u32::from(status));
    }
}

impl State {
    fn reg(&self, offset: u32) -> u32 {
        self.regs.get(offset as usize / 4).copied().unwrap_or(0)
    }

    fn set_reg(&mut self, offset: u32, value: u32) {
        if let Some(slot) = self.regs.get_mut(offset as usize / 4) {
            *slot = value;
        }
    }

    /// What the device loads from the EEPROM into receive-address entry 0 at reset.
    fn load_receive_address(&mut self) {
        let (low, high) = match self.reset_address {
            Some(mac) => (
                u32::from_le_bytes([mac[0], mac[1], mac[2], mac[3]]),
                u32::from_le_bytes([mac[4], mac[5], 0, 0]) | RAH_AV,
            ),
            None => (0, 0),
        };
        self.set_reg(RAL0, low);
        self.set_reg(RAH0, high);
    }

    fn reset(&mut self) {
        self.regs.iter_mut().for_each(|reg| *reg = 0);
        self.ims = 0;
        self.icr = 0;
        self.missed = 0;
        self.partial.clear();
        self.load_receive_address();
        self.reset_reads_left = self.reset_reads;
    }

    /// Records a write the manual forbids (§14.4, §14.5: rings are set up before the engine is enabled;
    /// a tail indexes a descriptor inside the ring).
    fn check(&mut self, offset: u32, value: u32) {
        let ring = |length: u32| (length as usize / DESCRIPTOR_BYTES) as u32;
        let violation = match offset {
            RDT if value >= ring(self.reg(RDLEN)) => Some("RDT outside the receive ring"),
            TDT if value >= ring(self.reg(TDLEN)) => Some("TDT outside the transmit ring"),
            RDBAL | RDBAH | RDLEN if self.reg(RCTL) & RCTL_EN != 0 => {
                Some("receive ring moved while the receiver is enabled")
            }
            TDBAL | TDBAH | TDLEN if self.reg(TCTL) & TCTL_EN != 0 => {
                Some("transmit ring moved while the transmitter is enabled")
            }
            RDLEN | TDLEN if value == 0 || !value.is_multiple_of(128) => {
                Some("ring length not a non-zero multiple of 128 bytes")
            }
            _ => None,
        };
        self.violations.extend(violation);
    }

    fn rx_ring(&self) -> u64 {
        u64::from(self.reg(RDBAL)) | (u64::from(self.reg(RDBAH)) << 32)
    }

    fn tx_ring(&self) -> u64 {
        u64::from(self.reg(TDBAL)) | (u64::from(self.reg(TDBAH)) << 32)
    }

    /// The region holding physical address `phys`, and the offset in it.
    fn locate(&self, phys: u64) -> Option<(VecRegion, usize)> {
        self.memory.iter().find_map(|region| {
            let offset = phys.checked_sub(region.phys())?;
            (offset < region.len() as u64).then(|| (region.clone(), offset as usize))
        })
    }

    fn read_u64(&self, phys: u64) -> u64 {
        self.locate(phys)
            .map_or(0, |(region, offset)| region.read_u64(offset))
    }

    fn write_u64(&mut self, phys: u64, value: u64) {
        if let Some((mut region, offset)) = self.locate(phys) {
            region.write_u64(offset, value);
        }
    }

    fn write_u32(&mut self, phys: u64, value: u32) {
        if let Some((mut region, offset)) = self.locate(phys) {
            region.write_u32(offset, value);
        }
    }

    fn write_bytes(&mut self, phys: u64, bytes: &[u8]) {
        if let Some((mut region, offset)) = self.locate(phys) {
            region.write_bytes(offset, bytes);
        }
    }

    fn read_bytes(&self, phys: u64, len: usize) -> Vec<u8> {
        let mut bytes = Vec::new();
        if let Some((region, offset)) = self.locate(phys) {
            region.with_bytes(offset, len, &mut |data| bytes.extend_from_slice(data));
        }
        bytes
    }

    /// Consumes transmit descriptors from TDH up to TDT (at most one ring's worth), as the device does
    /// after a tail write: gathers buffers into frames, records each at EOP, writes DD back where RS asks.
    fn transmit(&mut self) {
        if self.reg(TCTL) & TCTL_EN == 0 {
            return;
        }
        let count = self.reg(TDLEN) as usize / DESCRIPTOR_BYTES;
        let mut sent_any = false;
        for _ in 0..count {
            let head = self.reg(TDH) as usize;
            if head >= count || head == self.reg(TDT) as usize {
                break;
            }
            let descriptor = self.tx_ring() + (head * DESCRIPTOR_BYTES) as u64;
            let buffer = self.read_u64(descriptor);
            let fields = self.read_u64(descriptor + 8);
            let length = (fields & 0xFFFF) as usize;
            let command = (fields >> 24) as u8;
            let bytes = self.read_bytes(buffer, length);
            self.partial.extend_from_slice(&bytes);
            if command & TXD_CMD_EOP != 0 {
                let bytes = core::mem::take(&mut self.partial);
                self.sent.push(SentFrame { bytes, command });
            }
            if command & TXD_CMD_RS != 0 {
                let status = u32::from(1 | self.tx_extra_status);
                self.write_u32(descriptor + 12, status);
            }
            self.set_reg(TDH, ((head + 1) % count) as u32);
            sent_any = true;
        }
        if sent_any {
            self.icr |= INT_TXDW | INT_TXQE;
        }
    }
}

impl Registers for FakeE1000 {
    fn read(&mut self, offset: u32) -> u32 {
        let mut state = self.state.borrow_mut();
        match offset {
            CTRL => {
                let ctrl = state.reg(CTRL);
                if state.reset_reads_left > 0 {
                    if state.reset_reads_left != u32::MAX {
                        state.reset_reads_left -= 1;
                    }
                    ctrl | CTRL_RST
                } else {
                    ctrl
                }
            }
            STATUS => {
                let link = state.link && state.reg(CTRL) & CTRL_SLU != 0;
                // Full duplex (bit 0) and 1000 Mb/s (bits 7:6 = 10b) once the link is up.
                if link { STATUS_LU | 1 | (2 << 6) } else { 0 }
            }
            ICR => core::mem::take(&mut state.icr),
            IMS => state.ims,
            MPC => core::mem::take(&mut state.missed),
            _ => state.reg(offset),
        }
    }

    fn write(&mut self, offset: u32, value: u32) {
        let mut state = self.state.borrow_mut();
        state.writes.push((offset, value));
        state.check(offset, value);
        match offset {
            CTRL => {
                if value & CTRL_RST != 0 {
                    state.reset();
                }
                state.set_reg(CTRL, value & !CTRL_RST);
            }
            EERD => {
                let word = ((value >> EERD_ADDR_SHIFT) & 0xFF) as usize;
                let answer = if value & EERD_START != 0 && state.eeprom_answers {
                    let data = state.eeprom.get(word).copied().unwrap_or(0);
                    (value & !EERD_START) | EERD_DONE | (u32::from(data) << EERD_DATA_SHIFT)
                } else {
                    value & !EERD_DONE
                };
                state.set_reg(EERD, answer);
            }
            ICR => state.icr &= !value,
            ICS => state.icr |= value,
            IMS => state.ims |= value,
            IMC => state.ims &= !value,
            TDT => {
                state.set_reg(TDT, value);
                state.transmit();
            }
            _ => state.set_reg(offset, value),
        }
    }
}
