//! COM1, the appliance's console: a 16550 UART at I/O port 0x3F8 (IRQ 4).
//!
//! Output is polled and serialised by a spin lock taken with interrupts disabled, so interrupt handlers may
//! print too. Input is interrupt driven: the IRQ 4 handler drains the UART's receive FIFO into a bounded
//! queue that the main loop empties; when the queue is full further bytes are dropped and counted, never
//! blocking the handler. `emergency_writer` bypasses the lock for exception and panic reports, which may
//! arrive while the lock is held.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicU64, Ordering};

use spin::Mutex;
use uart_16550::SerialPort;
use x86_64::instructions::interrupts;

/// I/O base of COM1 (IBM PC/AT standard assignment).
const COM1: u16 = 0x3F8;
/// How many received bytes may wait for the main loop; a paste larger than this between two main-loop
/// iterations loses the excess (counted in `INPUT_DROPPED`).
const INPUT_CAPACITY: usize = 4096;

static PORT: Mutex<Option<SerialWriter>> = Mutex::new(None);
static INPUT: Mutex<InputQueue> = Mutex::new(InputQueue::new());
/// Bytes received while the input queue was full.
pub static INPUT_DROPPED: AtomicU64 = AtomicU64::new(0);

/// A writer that turns a lone `\n` into `\r\n` (what a serial terminal needs) and passes `\r\n` through.
pub struct SerialWriter {
    port: SerialPort,
    last: u8,
}

impl SerialWriter {
    fn new() -> Self {
        // SAFETY: COM1 is present on every PC-compatible machine and QEMU model we boot on; only this module
        // creates handles to it, and all writes are byte-sized register accesses that cannot touch memory.
        let port = unsafe { SerialPort::new(COM1) };
        Self { port, last: 0 }
    }
}

impl Write for SerialWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            if byte == b'\n' && self.last != b'\r' {
                self.port.send_raw(b'\r');
            }
            self.port.send_raw(byte);
            self.last = byte;
        }
        Ok(())
    }
}

/// Programs the UART (38400 8N1, FIFOs on, receive interrupt enabled). Call once, before interrupts.
pub fn init() {
    let mut writer = SerialWriter::new();
    writer.port.init();
    *PORT.lock() = Some(writer);
}

/// Writes formatted text to the console; used by `print!`/`println!` and the logger.
pub fn write_fmt(args: fmt::Arguments) {
    interrupts::without_interrupts(|| {
        if let Some(writer) = PORT.lock().as_mut() {
            let _ = writer.write_fmt(args);
        }
    });
}

/// A lock-free writer for reports from exception and panic handlers, which may interrupt a holder of the
/// console lock. Its output can interleave with an interrupted line; that is the price of never deadlocking.
pub fn emergency_writer() -> SerialWriter {
    SerialWriter::new()
}

/// IRQ 4 handler body: move every byte waiting in the UART's FIFO into the input queue.
pub fn on_interrupt() {
    let mut port = SerialWriter::new().port;
    let mut queue = INPUT.lock();
    while let Ok(byte) = port.try_receive() {
        if !queue.push(byte) {
            INPUT_DROPPED.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Takes the next received byte, if any. Called from the main loop.
pub fn read_byte() -> Option<u8> {
    interrupts::without_interrupts(|| {
        let mut queue = INPUT.lock();
        if queue.is_empty() {
            // A byte can sit in the FIFO without an interrupt if it arrived before interrupts were enabled.
            let mut port = SerialWriter::new().port;
            return port.try_receive().ok();
        }
        queue.pop()
    })
}

/// Whether input is waiting (checked with interrupts disabled before the main loop halts).
pub fn has_input() -> bool {
    !INPUT.lock().is_empty()
}

/// A fixed-capacity FIFO of received bytes (no allocation: it fills from an interrupt handler).
struct InputQueue {
    bytes: [u8; INPUT_CAPACITY],
    head: usize,
    len: usize,
}

impl InputQueue {
    const fn new() -> Self {
        Self {
            bytes: [0; INPUT_CAPACITY],
            head: 0,
            len: 0,
        }
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn push(&mut self, byte: u8) -> bool {
        if self.len == INPUT_CAPACITY {
            return false;
        }
        self.bytes[(self.head + self.len) % INPUT_CAPACITY] = byte;
        self.len += 1;
        true
    }

    fn pop(&mut self) -> Option<u8> {
        if self.len == 0 {
            return None;
        }
        let byte = self.bytes[self.head];
        self.head = (self.head + 1) % INPUT_CAPACITY;
        self.len -= 1;
        Some(byte)
    }
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::serial::write_fmt(format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::serial::write_fmt(format_args!("{}\n", format_args!($($arg)*))) };
}
