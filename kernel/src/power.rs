//! Ending the machine's run: reboot, power-off, and (test builds) exiting QEMU with a verdict.
//!
//! Power-off follows ACPI: write SLP_TYP(S5) | SLP_EN to PM1a/PM1b_CNT (ACPI 6.5 §4.8.3.2.1, §7.4.2), with
//! the values found by `drivers::acpi` at boot. Reboot tries the ACPI reset register (FADT RESET_REG,
//! §4.8.3.6), then the 8042 keyboard controller's reset line, then a deliberate triple fault, which resets
//! every x86 machine. In test builds QEMU's `isa-debug-exit` device (port 0xF4) ends the run: QEMU exits with
//! status `(value << 1) | 1`, so `EXIT_SUCCESS` gives 33 and `EXIT_FAILURE` gives 35.

use core::fmt::Write;

use drivers::acpi::{AddressSpace, PowerControl};
use spin::Once;
use x86_64::instructions::port::Port;

static ACPI: Once<Option<PowerControl>> = Once::new();

/// Value for `isa-debug-exit` meaning "tests passed" (QEMU exit status 33).
#[cfg_attr(not(feature = "ktest"), allow(dead_code))]
pub const EXIT_SUCCESS: u32 = 0x10;
/// Value for `isa-debug-exit` meaning "tests failed" (QEMU exit status 35).
#[cfg_attr(not(feature = "ktest"), allow(dead_code))]
pub const EXIT_FAILURE: u32 = 0x11;

/// Remembers what ACPI discovery found (or that it failed) for later shutdown/reboot requests.
pub fn set_acpi(control: Option<PowerControl>) {
    ACPI.call_once(|| control);
}

/// What ACPI discovery found, if it succeeded.
#[cfg_attr(not(feature = "ktest"), allow(dead_code))]
pub fn acpi_control() -> Option<&'static PowerControl> {
    acpi()
}

fn acpi() -> Option<&'static PowerControl> {
    ACPI.get().and_then(Option::as_ref)
}

/// Powers the machine off through ACPI S5. Returns only if that is impossible here.
pub fn shutdown() {
    x86_64::instructions::interrupts::disable();
    if let Some(control) = acpi() {
        for (port, value) in control.shutdown_writes() {
            // SAFETY: the port is the PM1x_CNT register the firmware's FADT names; writing SLP_EN with the
            // S5 sleep type is the ACPI-defined way to power off.
            unsafe { Port::<u16>::new(port).write(value) };
        }
        // The write takes effect asynchronously on some platforms.
        for _ in 0..1_000_000 {
            core::hint::spin_loop();
        }
    }
    log::error!("shutdown: ACPI power-off is not available on this machine");
}

/// Resets the machine. Never returns.
pub fn reboot() -> ! {
    x86_64::instructions::interrupts::disable();
    if let Some(reset) = acpi().and_then(|c| c.reset.as_ref())
        && reset.space == AddressSpace::SystemIo
        && let Ok(port) = u16::try_from(reset.address)
    {
        // SAFETY: the FADT declares this I/O port as the reset register and RESET_VALUE as what resets.
        unsafe { Port::<u8>::new(port).write(reset.value) };
    }
    // SAFETY: command 0xFE pulses the 8042's CPU reset line (IBM PC/AT technical reference); harmless
    // where no 8042 exists.
    unsafe { Port::<u8>::new(0x64).write(0xFE) };
    for _ in 0..1_000_000 {
        core::hint::spin_loop();
    }
    triple_fault()
}

/// Loads an empty IDT and raises an exception: with no handler the CPU shuts down and the platform resets.
fn triple_fault() -> ! {
    use x86_64::structures::DescriptorTablePointer;
    let empty = DescriptorTablePointer {
        limit: 0,
        base: x86_64::VirtAddr::zero(),
    };
    // SAFETY: deliberately invalid IDT; the following `int3` cannot be delivered and the CPU resets.
    unsafe {
        x86_64::instructions::tables::lidt(&empty);
        core::arch::asm!("int3", options(nomem, nostack));
    }
    halt_forever()
}

/// Stops the CPU for good (interrupts off).
pub fn halt_forever() -> ! {
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}

/// Ends a QEMU run through `isa-debug-exit` (present only when the test runner attached it).
#[cfg_attr(not(feature = "ktest"), allow(dead_code))]
pub fn qemu_exit(value: u32) -> ! {
    // SAFETY: port 0xF4 is the isa-debug-exit device the test runner adds; on a machine without it the
    // write is ignored and we halt below.
    unsafe { Port::<u32>::new(0xF4).write(value) };
    halt_forever()
}

/// Why the kernel cannot go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FatalCause {
    /// A CPU exception, by vector.
    Exception(u8),
    Panic,
}

/// What happens after a fatal exception or a panic has been reported: kernel test builds let the test
/// runner decide; the appliance reboots, as a router must come back on its own.
pub fn fatal_error_exit(out: &mut dyn Write, cause: FatalCause) -> ! {
    #[cfg(feature = "ktest")]
    crate::ktest::on_fatal(out, cause);
    #[cfg(not(feature = "ktest"))]
    {
        let _ = cause;
        let _ = writeln!(out, "rebooting");
        reboot()
    }
}
