//! The appliance kernel: a single-address-space unikernel for x86_64, booted by `bootloader` 0.11 from a
//! BIOS or UEFI disk image.
//!
//! Boot order: serial console, clock calibration, the real-time clock, logger, GDT/TSS and IDT (so every
//! later fault is diagnosed), memory (frames, heap), ACPI, PCI enumeration, timer and serial interrupts,
//! banner; then the main loop, which serves the console and halts the CPU whenever there is nothing to do.
//!
//! After PCI enumeration the NICs are started (`nic`) and the packet engine is built with the factory
//! configuration (`datapath`); the main loop then alternates between the console and datapath rounds.
//!
//! `unsafe` is confined to the hardware modules: `serial`, `pit`, `clock` (rdtsc), `rtc`, `gdt`,
//! `interrupts`, `memory`, `frame_allocator`, `dma`, `mmio`, `ata`, `pci`, `acpi`, `power` and the kernel
//! test suite.

#![no_std]
#![no_main]
#![feature(abi_x86_interrupt)]

extern crate alloc;

mod acpi;
mod ata;
mod clock;
#[cfg_attr(any(feature = "ktest", feature = "null-forward"), allow(dead_code))]
mod configuration;
#[cfg_attr(any(feature = "ktest", feature = "null-forward"), allow(dead_code))]
mod console;
#[cfg_attr(any(feature = "ktest", feature = "null-forward"), allow(dead_code))]
mod cpu;
#[cfg_attr(any(feature = "ktest", feature = "null-forward"), allow(dead_code))]
mod datapath;
#[cfg_attr(any(feature = "ktest", feature = "null-forward"), allow(dead_code))]
mod dhcp_client;
#[cfg_attr(any(feature = "ktest", feature = "null-forward"), allow(dead_code))]
mod dhcp_server;
mod dma;
#[cfg_attr(any(feature = "ktest", feature = "null-forward"), allow(dead_code))]
mod dns;
mod frame_allocator;
mod gdt;
mod interrupts;
#[cfg(feature = "ktest")]
mod ktest;
mod logger;
mod memory;
mod mmio;
#[cfg_attr(feature = "ktest", allow(dead_code))]
mod nic;
#[cfg(feature = "null-forward")]
mod null_forward;
mod pci;
mod pit;
mod power;
#[cfg_attr(any(feature = "ktest", feature = "null-forward"), allow(dead_code))]
mod rest;
mod rtc;
mod serial;
mod storage;

use core::fmt::Write;
use core::panic::PanicInfo;

use bootloader_api::config::{BootloaderConfig, Mapping};
use bootloader_api::{BootInfo, entry_point};

/// Ask the bootloader for a window onto all physical memory (see `memory`) and a 1 MiB kernel stack (driver
/// setup builds virtqueue state of several KiB per queue on the stack before boxing it).
pub static BOOTLOADER_CONFIG: BootloaderConfig = {
    let mut config = BootloaderConfig::new_default();
    config.mappings.physical_memory = Some(Mapping::Dynamic);
    config.kernel_stack_size = 1024 * 1024;
    config
};

entry_point!(kernel_main, config = &BOOTLOADER_CONFIG);

fn kernel_main(boot_info: &'static mut BootInfo) -> ! {
    clock::mark_entry();
    let boot_info: &'static BootInfo = boot_info;
    serial::init();
    // Calibrate first: log timestamps come from the clock.
    let tsc_hz = clock::calibrate();
    // The router's clock starts from the real-time clock before the first log line is stamped.
    let rtc = rtc::read_utc_seconds();
    if let Ok(seconds) = rtc {
        clock::start_wall(seconds);
    }
    logger::init();
    gdt::init();
    interrupts::init();

    let memory = match memory::init(
        boot_info.physical_memory_offset.into_option(),
        &boot_info.memory_regions,
    ) {
        Ok(info) => info,
        Err(error) => panic!("memory setup failed: {error:?}"),
    };
    log::info!("clock: TSC at {} MHz", tsc_hz / 1_000_000);
    match rtc {
        Ok(seconds) => log::info!(
            "clock: real-time clock reads {} UTC",
            config::clock::format_date_time(seconds)
        ),
        Err(error) => log::warn!(
            "clock: real-time clock unreadable ({error}); the clock starts at 1970-01-01 00:00:00"
        ),
    }
    log::info!(
        "memory: {} MiB usable, heap {} MiB at {:#x}",
        memory.usable_bytes >> 20,
        memory.heap_bytes >> 20,
        memory.heap_start
    );

    match boot_info.rsdp_addr.into_option() {
        Some(rsdp) => match drivers::acpi::discover(&acpi::MappedPhysicalMemory, rsdp) {
            Ok(control) => {
                log::info!(
                    "acpi: PM1a_CNT {}, PM1b_CNT {}, S5 sleep type {}/{}, reset register {}, SCI irq {}",
                    PortName(control.pm1a_cnt),
                    PortName(control.pm1b_cnt),
                    control.slp_typ_a,
                    control.slp_typ_b,
                    if control.reset.is_some() {
                        "present"
                    } else {
                        "none"
                    },
                    control.sci_irq
                );
                power::set_acpi(Some(control));
            }
            Err(error) => {
                log::warn!("acpi: {error}; shutdown unavailable");
                power::set_acpi(None);
            }
        },
        None => {
            log::warn!("acpi: firmware reported no RSDP; shutdown unavailable");
            power::set_acpi(None);
        }
    }

    let devices = drivers::pci::enumerate(&mut pci::PortConfigSpace);
    for device in &devices {
        log::info!("pci: {device}");
    }
    storage::init(&devices);
    #[cfg(not(feature = "ktest"))]
    let nics = nic::probe(&devices);

    clock::start_timer();
    interrupts::enable_irqs();

    let boot_ms = clock::now().as_millis();
    println!();
    println!(
        "  Appliance {} (RouterOS-compatible CHR) for x86_64",
        console::VERSION
    );
    println!(
        "  memory: {} MiB, cpu: {} at {} MHz, booted in {} ms",
        memory::total_bytes() >> 20,
        cpu::brand(),
        tsc_hz / 1_000_000,
        boot_ms
    );
    println!();

    #[cfg(feature = "ktest")]
    ktest::main();

    #[cfg(all(feature = "null-forward", not(feature = "ktest")))]
    null_forward::run(nics);

    #[cfg(not(any(feature = "ktest", feature = "null-forward")))]
    {
        let macs = nics
            .iter()
            .map(|nic| smoltcp::wire::EthernetAddress(nic.device.mac()))
            .collect();
        let configuration = configuration::Configuration::load(macs);
        let mut datapath = datapath::Datapath::new(nics, &configuration.saved.config);
        dhcp_server::restore(&mut datapath, &configuration);
        main_loop(datapath, configuration)
    }
}

/// Serves the console and the datapath; halts until the next interrupt whenever neither has work.
#[cfg(not(any(feature = "ktest", feature = "null-forward")))]
fn main_loop(
    mut datapath: datapath::Datapath,
    mut configuration: configuration::Configuration,
) -> ! {
    let mut console = console::Console::new(&configuration);
    console.start();
    loop {
        cpu::update_load();
        console.poll(&mut datapath, &mut configuration);
        dhcp_server::persist(&mut datapath, &mut configuration);
        if !datapath.run() {
            idle(|| datapath.has_work());
        }
    }
}

/// Halts until an interrupt, unless console input arrived or `busy` says there is work, and books the
/// time as idle.
pub fn idle(mut busy: impl FnMut() -> bool) {
    use x86_64::instructions::interrupts as irq;
    irq::disable();
    if serial::has_input() || busy() {
        irq::enable();
        return;
    }
    let start = clock::rdtsc();
    // `sti; hlt` is atomic with respect to interrupts: one arriving between the check above and the halt
    // still wakes us (Intel SDM Vol. 2, STI: interrupts are recognised after the next instruction).
    irq::enable_and_hlt();
    cpu::add_idle(clock::rdtsc().saturating_sub(start));
}

/// An optional I/O port for the boot log: `0x604` or `none`.
struct PortName(Option<u16>);

impl core::fmt::Display for PortName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some(port) => write!(f, "{port:#x}"),
            None => f.write_str("none"),
        }
    }
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    x86_64::instructions::interrupts::disable();
    let mut out = serial::emergency_writer();
    let _ = writeln!(out, "\nKERNEL PANIC: {}", info.message());
    if let Some(location) = info.location() {
        let _ = writeln!(
            out,
            "  at {}:{}:{}",
            location.file(),
            location.line(),
            location.column()
        );
    }
    power::fatal_error_exit(&mut out, power::FatalCause::Panic)
}
