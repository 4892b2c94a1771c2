//! The kernel-side test suite, built with `--features ktest` instead of the appliance's console.
//!
//! After a normal boot the kernel prints `ktest: ready` and reads one line from the serial port naming a
//! suite, so one image serves every test the host runner drives:
//! - `unit`: allocator, frame allocator, clock, timer interrupt, breakpoint handler, PCI, ACPI checks; exits
//!   QEMU with `EXIT_SUCCESS` (status 33) when all pass, `EXIT_FAILURE` (35) otherwise;
//! - `page-fault`, `double-fault`: provoke that exception; the fatal-exception path prints its diagnosis and,
//!   because the fault was expected, exits with success (an unexpected fault exits with failure);
//! - `panic`: panics; the panic handler prints message and location and exits with failure, as every panic
//!   in a test build does.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicU8, Ordering};

use x86_64::structures::paging::{FrameAllocator, FrameDeallocator};

use crate::power::{self, EXIT_FAILURE, EXIT_SUCCESS, FatalCause};
use crate::{clock, interrupts, memory, println, serial};

/// The exception vector the running suite provokes on purpose (0xFF: none).
static EXPECTED_EXCEPTION: AtomicU8 = AtomicU8::new(0xFF);

type TestResult = Result<(), String>;
type KernelTest = (&'static str, fn() -> TestResult);

macro_rules! check {
    ($cond:expr, $($msg:tt)*) => {
        if !$cond {
            return Err(alloc::format!($($msg)*));
        }
    };
}

pub fn main() -> ! {
    println!("ktest: ready");
    let suite = read_line();
    match suite.trim() {
        "unit" => run_unit_tests(),
        "page-fault" => provoke_page_fault(),
        "double-fault" => provoke_double_fault(),
        "panic" => panic!("deliberate panic requested by the test runner"),
        other => {
            println!("ktest: unknown suite {other:?}");
            power::qemu_exit(EXIT_FAILURE)
        }
    }
}

fn read_line() -> String {
    let mut line = String::new();
    loop {
        while let Some(byte) = serial::read_byte() {
            match byte {
                b'\r' | b'\n' if !line.is_empty() => return line,
                b'\r' | b'\n' => {}
                byte if line.len() < 64 => line.push(char::from(byte)),
                _ => {}
            }
        }
        crate::idle(|| false);
    }
}

/// Called by the fatal paths of `interrupts` and the panic handler.
pub fn on_fatal(out: &mut dyn Write, cause: FatalCause) -> ! {
    let expected = EXPECTED_EXCEPTION.load(Ordering::Relaxed);
    if cause == FatalCause::Exception(expected) {
        let _ = writeln!(out, "ktest: expected exception handled");
        power::qemu_exit(EXIT_SUCCESS)
    }
    let _ = writeln!(out, "ktest: fatal error, failing");
    power::qemu_exit(EXIT_FAILURE)
}

fn provoke_page_fault() -> ! {
    EXPECTED_EXCEPTION.store(14, Ordering::Relaxed);
    // The last lower-half top-level slot: the bootloader and the heap fill slots from the bottom up.
    let address = 0x0000_7fff_dead_0000u64 as *const u64;
    // SAFETY: deliberately faulting read; the page-fault handler never returns here.
    let value = unsafe { core::ptr::read_volatile(address) };
    println!("ktest: read {value} from an unmapped page");
    power::qemu_exit(EXIT_FAILURE)
}

fn provoke_double_fault() -> ! {
    EXPECTED_EXCEPTION.store(8, Ordering::Relaxed);
    // SAFETY: deliberately points the stack at unmapped memory and raises a breakpoint: the CPU cannot push
    // the exception frame (page fault), cannot push that one either, and raises a double fault, which runs on
    // its IST stack and never returns here.
    unsafe {
        core::arch::asm!("mov rsp, 0x00007fffdead8000", "int3", options(noreturn));
    }
}

fn run_unit_tests() -> ! {
    let tests: &[KernelTest] = &[
        ("heap_box_and_vec", heap_box_and_vec),
        (
            "heap_many_allocations_are_returned",
            heap_many_allocations_are_returned,
        ),
        (
            "frames_are_distinct_aligned_and_writable",
            frames_are_distinct_aligned_and_writable,
        ),
        ("contiguous_frames", contiguous_frames),
        ("freed_frames_are_reused", freed_frames_are_reused),
        ("clock_is_monotonic", clock_is_monotonic),
        (
            "timer_interrupt_ticks_and_clock_agree",
            timer_interrupt_ticks_and_clock_agree,
        ),
        ("breakpoint_handler_returns", breakpoint_handler_returns),
        ("pci_finds_host_bridge", pci_finds_host_bridge),
        ("acpi_power_control_found", acpi_power_control_found),
    ];
    let mut failed = 0;
    for (name, test) in tests {
        match test() {
            Ok(()) => println!("ktest: {name} ... ok"),
            Err(message) => {
                failed += 1;
                println!("ktest: {name} ... FAILED: {message}");
            }
        }
    }
    if failed == 0 {
        println!("ktest: all {} tests passed", tests.len());
        power::qemu_exit(EXIT_SUCCESS)
    }
    println!("ktest: {failed} of {} tests failed", tests.len());
    power::qemu_exit(EXIT_FAILURE)
}

fn heap_box_and_vec() -> TestResult {
    let boxed = Box::new(41u64);
    check!(*boxed + 1 == 42, "boxed value corrupted");
    let numbers: Vec<u64> = (0..100_000).collect();
    check!(
        numbers.iter().sum::<u64>() == 99_999 * 100_000 / 2,
        "vector sum wrong"
    );
    let text = "router".to_string() + "os";
    check!(text == "routeros", "string concatenation wrong");
    Ok(())
}

fn heap_many_allocations_are_returned() -> TestResult {
    let before = memory::heap_used();
    for round in 0..4u8 {
        let blocks: Vec<Vec<u8>> = (0..2_000usize)
            .map(|i| alloc::vec![round; 1 + i % 512])
            .collect();
        for (i, block) in blocks.iter().enumerate() {
            check!(
                block.len() == 1 + i % 512 && block.iter().all(|&b| b == round),
                "block {i} corrupted"
            );
        }
    }
    let after = memory::heap_used();
    check!(
        after == before,
        "heap use grew from {before} to {after} bytes after freeing everything"
    );
    Ok(())
}

fn with_frames<R>(f: impl FnOnce(&mut crate::frame_allocator::Frames) -> R) -> Result<R, String> {
    let mut guard = memory::FRAMES.lock();
    let frames = guard.as_mut().ok_or("no frame allocator")?;
    Ok(f(frames))
}

fn frame_slice(frame: x86_64::structures::paging::PhysFrame, frames: usize) -> &'static mut [u64] {
    let ptr = memory::phys_to_virt(frame.start_address()).as_mut_ptr::<u64>();
    // SAFETY: the frames were just allocated for this test, so nothing else uses them, and the bootloader
    // maps all physical memory at the offset `phys_to_virt` adds.
    unsafe { core::slice::from_raw_parts_mut(ptr, frames * 512) }
}

fn frames_are_distinct_aligned_and_writable() -> TestResult {
    let allocated = with_frames(|f| {
        (0..64)
            .filter_map(|_| f.allocate_frame())
            .collect::<Vec<_>>()
    })?;
    check!(
        allocated.len() == 64,
        "only {} of 64 frames allocated",
        allocated.len()
    );
    for (i, frame) in allocated.iter().enumerate() {
        check!(
            frame.start_address().as_u64() % 4096 == 0,
            "frame {i} misaligned"
        );
        check!(frame.start_address().as_u64() != 0, "frame 0 handed out");
        check!(
            allocated[..i].iter().all(|other| other != frame),
            "frame {i} handed out twice"
        );
        frame_slice(*frame, 1).fill(0x5A5A_0000 + i as u64);
    }
    for (i, frame) in allocated.iter().enumerate() {
        check!(
            frame_slice(*frame, 1)
                .iter()
                .all(|&w| w == 0x5A5A_0000 + i as u64),
            "frame {i} overwritten"
        );
    }
    with_frames(|f| {
        for frame in allocated {
            // SAFETY: the frames came from this allocator and are no longer used.
            unsafe { f.deallocate_frame(frame) };
        }
    })
}

fn contiguous_frames() -> TestResult {
    let first = with_frames(|f| f.allocate_contiguous(16))?.ok_or("no 16-frame run")?;
    let run = frame_slice(first, 16);
    for (i, word) in run.iter_mut().enumerate() {
        *word = i as u64;
    }
    check!(
        run.iter().enumerate().all(|(i, &w)| w == i as u64),
        "contiguous run corrupted"
    );
    Ok(())
}

fn freed_frames_are_reused() -> TestResult {
    let free_before = with_frames(|f| f.free_bytes())?;
    let frame = with_frames(|f| f.allocate_frame())?.ok_or("no frame")?;
    check!(
        with_frames(|f| f.free_bytes())? == free_before - 4096,
        "free bytes not reduced by one frame"
    );
    // SAFETY: the frame came from this allocator and is not used.
    with_frames(|f| unsafe { f.deallocate_frame(frame) })?;
    let again = with_frames(|f| f.allocate_frame())?.ok_or("no frame")?;
    check!(again == frame, "a freed frame was not reused first");
    // SAFETY: as above.
    with_frames(|f| unsafe { f.deallocate_frame(again) })?;
    check!(
        with_frames(|f| f.free_bytes())? == free_before,
        "free bytes not restored"
    );
    Ok(())
}

fn clock_is_monotonic() -> TestResult {
    let hz = clock::tsc_hz();
    check!(
        (50_000_000..=20_000_000_000).contains(&hz),
        "implausible TSC frequency {hz} Hz"
    );
    let mut last = clock::now();
    for _ in 0..100_000 {
        let now = clock::now();
        check!(now >= last, "clock went backwards: {:?} -> {:?}", last, now);
        last = now;
    }
    Ok(())
}

fn timer_interrupt_ticks_and_clock_agree() -> TestResult {
    let start_ticks = clock::ticks();
    let start = clock::now();
    // Wait for 20 ticks (200 ms at 100 Hz), halting in between; give up after 5 s of clock time.
    while clock::ticks() < start_ticks + 20 {
        check!(
            clock::now().as_millis() - start.as_millis() < 5_000,
            "timer interrupts stopped"
        );
        crate::idle(|| false);
    }
    let elapsed_ms = clock::now().as_millis() - start.as_millis();
    // Loose bounds: a TCG vCPU can be descheduled, but a calibration off by 2x or more would show.
    check!(
        (100..=2_000).contains(&elapsed_ms),
        "20 ticks took {elapsed_ms} ms by the TSC clock"
    );
    Ok(())
}

fn breakpoint_handler_returns() -> TestResult {
    let before = interrupts::BREAKPOINTS.load(Ordering::Relaxed);
    x86_64::instructions::interrupts::int3();
    let after = interrupts::BREAKPOINTS.load(Ordering::Relaxed);
    check!(after == before + 1, "breakpoint count {before} -> {after}");
    Ok(())
}

fn pci_finds_host_bridge() -> TestResult {
    let devices = drivers::pci::enumerate(&mut crate::pci::PortConfigSpace);
    check!(!devices.is_empty(), "no PCI devices");
    let host = devices
        .iter()
        .find(|d| d.class == 0x06 && d.subclass == 0x00);
    check!(
        host.is_some(),
        "no host bridge among {} devices",
        devices.len()
    );
    Ok(())
}

fn acpi_power_control_found() -> TestResult {
    let control = power::acpi_control().ok_or("no ACPI power control")?;
    check!(control.pm1a_cnt.is_some(), "no PM1a control block");
    Ok(())
}
