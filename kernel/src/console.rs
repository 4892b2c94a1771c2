//! The serial console: feeds received bytes to the RouterOS shell (`config::Shell`) and answers its
//! questions about the system with live facts from the kernel.

use alloc::string::String;
use core::fmt;

use alloc::vec::Vec;

use config::{InterfaceInfo, ResourceInfo, Shell, SystemControl};

use crate::datapath::Datapath;
use crate::{clock, cpu, memory, power, serial, storage};

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
            // The config partition is the appliance's only storage; nothing is stored on it yet.
            free_hdd_space: storage::config_bytes(),
            total_hdd_space: storage::config_bytes(),
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
    pub fn poll(&mut self, datapath: &mut Datapath) {
        while let Some(byte) = serial::read_byte() {
            let mut kernel = KernelView {
                kernel: &mut self.kernel,
                datapath: &mut *datapath,
            };
            self.shell.feed(byte, &mut Output, &mut kernel);
        }
    }
}

/// The kernel's answers plus the live datapath, for one console byte.
struct KernelView<'a> {
    kernel: &'a mut Kernel,
    datapath: &'a mut Datapath,
}

impl SystemControl for KernelView<'_> {
    fn resource(&self) -> ResourceInfo {
        self.kernel.resource()
    }

    fn reboot(&mut self) {
        self.kernel.reboot()
    }

    fn shutdown(&mut self) {
        self.kernel.shutdown()
    }

    fn interfaces(&self) -> Vec<InterfaceInfo> {
        self.datapath
            .stats()
            .into_iter()
            .map(|s| InterfaceInfo {
                name: s.name,
                kind: "ether",
                running: s.running,
                disabled: false,
                mac: s.mac,
                mtu: 1500,
                l2mtu: 1514,
                driver: s.driver,
                rx_byte: s.device.rx_bytes,
                tx_byte: s.device.tx_bytes,
                rx_packet: s.device.rx_packets,
                tx_packet: s.device.tx_packets,
                rx_drop: s.device.rx_dropped + s.engine_rx_drops,
                tx_drop: s.tx_dropped,
                tx_queue_drop: s.tx_queue_drops,
                rx_error: s.device.rx_errors,
                tx_error: s.device.tx_errors,
            })
            .collect()
    }
}
