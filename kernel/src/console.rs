//! The serial console: feeds received bytes to the RouterOS shell (`config::Shell`) and answers its
//! questions about the system with live facts from the kernel.

use alloc::string::String;
use core::fmt;

use config::{ResourceInfo, Shell, SystemControl};

use crate::{clock, cpu, memory, power, serial};

/// The appliance's version as `/system resource print` shows it.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (development)");

/// The kernel's answers to the shell.
pub struct Kernel {
    cpu_name: String,
}

impl Kernel {
    pub fn new() -> Self {
        Self {
            cpu_name: cpu::brand(),
        }
    }
}

impl SystemControl for Kernel {
    fn resource(&self) -> ResourceInfo {
        ResourceInfo {
            uptime_ms: clock::now().as_millis(),
            version: String::from(VERSION),
            build_time: String::from(option_env!("APPLIANCE_BUILD_TIME").unwrap_or("unknown")),
            free_memory: memory::free_bytes(),
            total_memory: memory::total_bytes(),
            cpu: self.cpu_name.clone(),
            cpu_count: 1,
            cpu_frequency_mhz: u32::try_from(clock::tsc_hz() / 1_000_000).unwrap_or(u32::MAX),
            cpu_load_percent: cpu::load_percent(),
            // No block driver yet (the drivers milestone adds it); report no disk rather than invent one.
            free_hdd_space: 0,
            total_hdd_space: 0,
            architecture_name: String::from("x86_64"),
            board_name: String::from("CHR"),
            platform: String::from("MikroTik"),
        }
    }

    fn reboot(&mut self) {
        power::reboot()
    }

    fn shutdown(&mut self) {
        power::shutdown();
        crate::println!("failure: shutdown is not supported on this machine");
    }
}

/// Console output for the shell.
struct Output;

impl fmt::Write for Output {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        serial::write_fmt(format_args!("{s}"));
        Ok(())
    }
}

/// The console session: one shell on COM1.
pub struct Console {
    shell: Shell,
    kernel: Kernel,
}

impl Console {
    pub fn new() -> Self {
        Self {
            shell: Shell::new(),
            kernel: Kernel::new(),
        }
    }

    /// Prints the first prompt.
    pub fn start(&mut self) {
        self.shell.start(&mut Output);
    }

    /// Handles every byte received so far.
    pub fn poll(&mut self) {
        while let Some(byte) = serial::read_byte() {
            self.shell.feed(byte, &mut Output, &mut self.kernel);
        }
    }
}
