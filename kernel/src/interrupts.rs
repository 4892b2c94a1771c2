//! The interrupt descriptor table: CPU exceptions and the legacy PIC's hardware interrupts.
//!
//! Every exception vector (0–31) has a handler. A breakpoint (`int3`) and an NMI are reported and execution
//! continues; every other exception is fatal: the handler prints a diagnosis (name, vector, error code,
//! faulting address for page faults, the interrupted RIP/RSP/RFLAGS) on the console, bypassing the console
//! lock, and reboots the machine — or, in a kernel test build, hands the verdict to the test runner. The
//! double fault runs on its own IST stack (see `gdt`). The two 8259 PICs are remapped to vectors 32–47
//! (IRQ 0 timer, IRQ 4 COM1); spurious IRQ 7/15 are recognised through the in-service register and not
//! acknowledged (8259A datasheet, "spurious interrupts").

use core::fmt::Write;
use core::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};

use pic8259::ChainedPics;
use spin::{Lazy, Mutex};
use x86_64::registers::control::Cr2;
use x86_64::set_general_handler;
use x86_64::structures::idt::{InterruptDescriptorTable, InterruptStackFrame};

use crate::{clock, gdt, serial};

/// First vector of the primary PIC; IRQ n arrives as vector `PIC_OFFSET + n`.
pub const PIC_OFFSET: u8 = 32;
const IRQ_TIMER: u8 = 0;
const IRQ_COM1: u8 = 4;

// SAFETY (for `new`): vectors 32–47 are unused by exceptions, so remapping the PICs there is sound.
static PICS: Mutex<ChainedPics> =
    Mutex::new(unsafe { ChainedPics::new(PIC_OFFSET, PIC_OFFSET + 8) });

/// Breakpoint exceptions seen (they are reported and execution continues).
pub static BREAKPOINTS: AtomicU64 = AtomicU64::new(0);
/// Spurious PIC interrupts seen.
pub static SPURIOUS_IRQS: AtomicU64 = AtomicU64::new(0);
/// Device IRQ lines (bit per line) that fired and are masked until the main loop has serviced them.
static PENDING_DEVICE_IRQS: AtomicU16 = AtomicU16::new(0);
/// Device IRQ lines a driver asked for (unmasked while not pending).
static DEVICE_IRQS: AtomicU16 = AtomicU16::new(0);
/// Whether `enable_irqs` initialised the PICs (masks written before that would be overwritten).
static PICS_READY: AtomicBool = AtomicBool::new(false);

static IDT: Lazy<InterruptDescriptorTable> = Lazy::new(|| {
    let mut idt = InterruptDescriptorTable::new();
    set_general_handler!(&mut idt, on_exception, 0..32);
    set_general_handler!(&mut idt, on_irq, 32..48);
    // SAFETY: DOUBLE_FAULT_IST indexes the IST entry `gdt::init` filled with a valid, unused stack.
    unsafe {
        idt.double_fault
            .set_handler_fn(on_double_fault)
            .set_stack_index(gdt::DOUBLE_FAULT_IST);
    }
    idt
});

/// Loads the IDT. Exceptions are handled from here on; hardware interrupts stay off until `enable_irqs`.
pub fn init() {
    IDT.load();
}

/// Remaps and unmasks the PICs (timer and COM1 only) and enables interrupts.
pub fn enable_irqs() {
    let mut pics = PICS.lock();
    // SAFETY: the PICs exist on every PC platform we boot on; remapping them to 32–47 keeps their
    // vectors clear of CPU exceptions, and the IDT has handlers for all of them.
    unsafe {
        pics.initialize();
        // Device lines registered before this point (NICs are probed first) are enabled too.
        let lines =
            DEVICE_IRQS.load(Ordering::Acquire) | (1 << IRQ_TIMER) | (1 << IRQ_COM1) | (1 << 2); // 2: cascade
        pics.write_masks(!(lines as u8), !((lines >> 8) as u8));
    }
    PICS_READY.store(true, Ordering::Release);
    drop(pics);
    x86_64::instructions::interrupts::enable();
}

fn on_irq(_frame: InterruptStackFrame, vector: u8, _error_code: Option<u64>) {
    let irq = vector - PIC_OFFSET;
    match irq {
        IRQ_TIMER => clock::on_tick(),
        IRQ_COM1 => serial::on_interrupt(),
        7 | 15 if is_spurious(irq) => {
            SPURIOUS_IRQS.fetch_add(1, Ordering::Relaxed);
            // A spurious IRQ 15 still needs an EOI to the primary (the cascade line was real).
            if irq == 15 {
                // SAFETY: acknowledging the cascade IRQ on the primary PIC only.
                unsafe { PICS.lock().notify_end_of_interrupt(PIC_OFFSET + 2) };
            }
            return;
        }
        line if DEVICE_IRQS.load(Ordering::Relaxed) & (1 << line) != 0 => {
            // PCI INTx is level-triggered: the line stays asserted until the main loop has the device
            // acknowledge it, so mask it here (NAPI-style) and let the main loop unmask it when done.
            set_masked(line, true);
            PENDING_DEVICE_IRQS.fetch_or(1 << line, Ordering::AcqRel);
        }
        _ => {}
    }
    // SAFETY: `vector` is the PIC interrupt being handled right now.
    unsafe { PICS.lock().notify_end_of_interrupt(vector) };
}

/// Reads the in-service register of the PIC that raised IRQ 7 or 15 (OCW3 = 0x0B selects the ISR).
fn is_spurious(irq: u8) -> bool {
    use x86_64::instructions::port::Port;
    let command: u16 = if irq == 7 { 0x20 } else { 0xA0 };
    // SAFETY: OCW3 read-ISR on the PIC's command port, then reading it back; no other state changes.
    let isr = unsafe {
        Port::<u8>::new(command).write(0x0B);
        Port::<u8>::new(command).read()
    };
    isr & 0x80 == 0
}

/// Exception names by vector (Intel SDM Vol. 3, Table 6-1; AMD APM Vol. 2 for 28–30).
fn exception_name(vector: u8) -> &'static str {
    match vector {
        0 => "divide error",
        1 => "debug",
        2 => "non-maskable interrupt",
        3 => "breakpoint",
        4 => "overflow",
        5 => "bound range exceeded",
        6 => "invalid opcode",
        7 => "device not available",
        8 => "double fault",
        9 => "coprocessor segment overrun",
        10 => "invalid TSS",
        11 => "segment not present",
        12 => "stack-segment fault",
        13 => "general protection fault",
        14 => "page fault",
        16 => "x87 floating-point exception",
        17 => "alignment check",
        18 => "machine check",
        19 => "SIMD floating-point exception",
        20 => "virtualization exception",
        21 => "control protection exception",
        28 => "hypervisor injection exception",
        29 => "VMM communication exception",
        30 => "security exception",
        _ => "reserved exception",
    }
}

fn on_exception(frame: InterruptStackFrame, vector: u8, error_code: Option<u64>) {
    match vector {
        3 => {
            BREAKPOINTS.fetch_add(1, Ordering::Relaxed);
            let mut out = serial::emergency_writer();
            let _ = writeln!(
                out,
                "breakpoint at {:#x}",
                frame.instruction_pointer.as_u64()
            );
        }
        2 => {
            let mut out = serial::emergency_writer();
            let _ = writeln!(
                out,
                "non-maskable interrupt at {:#x}",
                frame.instruction_pointer.as_u64()
            );
        }
        _ => fatal(&frame, vector, error_code),
    }
}

extern "x86-interrupt" fn on_double_fault(frame: InterruptStackFrame, error_code: u64) -> ! {
    fatal(&frame, 8, Some(error_code))
}

/// Prints the diagnosis of a fatal exception and never returns.
fn fatal(frame: &InterruptStackFrame, vector: u8, error_code: Option<u64>) -> ! {
    let mut out = serial::emergency_writer();
    let _ = writeln!(
        out,
        "\nEXCEPTION: {} (vector {})",
        exception_name(vector),
        vector
    );
    if let Some(code) = error_code {
        let _ = writeln!(out, "  error code: {code:#x}");
    }
    if vector == 14 {
        let cause = error_code.unwrap_or(0);
        let _ = writeln!(
            out,
            "  accessed address: {:#x} ({} {} in {} mode{})",
            Cr2::read_raw(),
            if cause & 1 != 0 {
                "protection violation on"
            } else {
                "non-present page on"
            },
            if cause & 0x10 != 0 {
                "instruction fetch"
            } else if cause & 2 != 0 {
                "write"
            } else {
                "read"
            },
            if cause & 4 != 0 { "user" } else { "kernel" },
            if cause & 8 != 0 {
                ", reserved bit set"
            } else {
                ""
            },
        );
    }
    let _ = writeln!(
        out,
        "  rip: {:#x}  cs: {:#x}  rflags: {:#x}  rsp: {:#x}  ss: {:#x}",
        frame.instruction_pointer.as_u64(),
        frame.code_segment.0,
        frame.cpu_flags.bits(),
        frame.stack_pointer.as_u64(),
        frame.stack_segment.0,
    );
    crate::power::fatal_error_exit(&mut out, crate::power::FatalCause::Exception(vector))
}

/// Masks or unmasks one PIC line. Callers hold interrupts off (the IRQ handler also takes `PICS`).
fn set_masked(line: u8, masked: bool) {
    let mut pics = PICS.lock();
    // SAFETY: reading and writing the PICs' interrupt mask registers (OCW1) only changes which lines are
    // delivered; both PICs were initialised in `enable_irqs`.
    unsafe {
        let [mut primary, mut secondary] = pics.read_masks();
        let (mask, bit) = if line < 8 {
            (&mut primary, line)
        } else {
            (&mut secondary, line - 8)
        };
        if masked {
            *mask |= 1 << bit;
        } else {
            *mask &= !(1 << bit);
        }
        if line >= 8 && !masked {
            primary &= !(1 << 2); // the cascade carries the secondary PIC's lines
        }
        pics.write_masks(primary, secondary);
    }
}

/// Lets a device interrupt on `line` (the PCI interrupt-line register). Returns false for lines the
/// kernel owns (timer, cascade, COM1) or that do not exist.
pub fn enable_device_irq(line: u8) -> bool {
    if line >= 16 || matches!(line, IRQ_TIMER | 2 | IRQ_COM1) {
        return false;
    }
    DEVICE_IRQS.fetch_or(1 << line, Ordering::AcqRel);
    if PICS_READY.load(Ordering::Acquire) {
        x86_64::instructions::interrupts::without_interrupts(|| set_masked(line, false));
    }
    true
}

/// Device lines that fired since the last call (they stay masked until [`unmask_device_irqs`]).
pub fn take_pending_device_irqs() -> u16 {
    PENDING_DEVICE_IRQS.swap(0, Ordering::AcqRel)
}

/// Whether a device line fired and was not yet taken (checked before halting).
pub fn device_irq_pending() -> bool {
    PENDING_DEVICE_IRQS.load(Ordering::Acquire) != 0
}

/// Unmasks `lines` after their devices were acknowledged; a device still asserting its line interrupts again.
pub fn unmask_device_irqs(lines: u16) {
    x86_64::instructions::interrupts::without_interrupts(|| {
        for line in 0..16u8 {
            if lines & (1 << line) != 0 {
                set_masked(line, false);
            }
        }
    });
}
