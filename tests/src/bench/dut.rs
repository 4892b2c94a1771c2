//! Devices under test and how each one is put between the two hosts.
//!
//! Every device gets a fresh copy of the same topology (`netns::Network`: a LAN host, a WAN host, and a
//! switch namespace with a bridge and a tap per side) and, if it is a VM, the same QEMU options: machine
//! `pc`, one vCPU, the same memory, the same NIC model and MACs, the accelerator QEMU picks (TCG here).
//! A device is ready when the LAN host reaches the WAN host through it; boot time is measured from
//! QEMU's start to the device's ready line on its serial console.
//!
//! * the appliance: the SOHO configuration of the network tests baked into its image
//!   (`tests/fixtures/soho.rsc`: static WAN address, LAN 192.168.88.1/24, defconf's stateful filter,
//!   masquerade);
//! * the Linux router VM ([`super::linux_vm`]): a Debian kernel with the equivalent nftables rules, and
//!   the same with a flowtable for established connections (FastTrack's counterpart);
//! * the null forwarder: the appliance's drivers with no lookups, frames from one NIC out of the other.
//!   It does no IP, so the WAN host also takes the LAN gateway address and answers for it;
//! * the host kernel routing in the switch namespace: no VM at all, the native reference.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use qemu_runner::{NicModel, QemuConfig, Vm};

use super::linux_vm::{self, LinuxRouterVm};
use super::scenario::{self, Scenario};
use crate::netns::{LAN_ROUTER, Network, WAN_HOST, WAN_ROUTER};
use crate::{KernelFlavor, LOGIN_PROMPT};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Appliance,
    LinuxVm,
    /// The Linux VM with established connections offloaded to a flowtable (FastTrack's counterpart).
    LinuxVmFlowtable,
    NullForwarder,
    HostKernel,
}

impl Device {
    pub const ALL: [Device; 5] = [
        Device::Appliance,
        Device::LinuxVm,
        Device::LinuxVmFlowtable,
        Device::NullForwarder,
        Device::HostKernel,
    ];

    /// What a full run measures; the flowtable variant is asked for by name (`--devices`), which keeps
    /// the full run within its time budget.
    pub const DEFAULT: [Device; 4] = [
        Device::Appliance,
        Device::LinuxVm,
        Device::NullForwarder,
        Device::HostKernel,
    ];

    /// The name the report uses (`super::report` knows the first three).
    pub fn name(self) -> &'static str {
        match self {
            Device::Appliance => super::report::APPLIANCE,
            Device::LinuxVm => super::report::LINUX_VM,
            Device::LinuxVmFlowtable => "linux-vm-flowtable",
            Device::NullForwarder => super::report::NULL_FORWARDER,
            Device::HostKernel => "host-kernel",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    pub fn is_vm(self) -> bool {
        self != Device::HostKernel
    }

    /// What the device prints on its console when it is up (the appliance then wants a login).
    fn ready_line(self) -> &'static str {
        match self {
            Device::Appliance => LOGIN_PROMPT,
            Device::LinuxVm | Device::LinuxVmFlowtable => linux_vm::LINUX_READY,
            Device::NullForwarder => "null forwarder ready",
            Device::HostKernel => "",
        }
    }
}

/// What the devices boot from, built once per run.
pub struct Assets {
    /// The appliance image with each scenario's configuration baked in.
    pub appliance: Vec<(Scenario, PathBuf)>,
    pub null_forwarder: PathBuf,
    pub linux_vm: Option<LinuxRouterVm>,
}

impl Assets {
    /// Builds the images the chosen devices need in the chosen scenarios.
    pub fn build(devices: &[Device], scenarios: &[Scenario]) -> Result<Self, String> {
        // The SOHO router of the network tests (and its variants), baked into copies of the image.
        let base = image_builder::build(KernelFlavor::Appliance)?.0;
        let mut appliance = Vec::new();
        if devices.contains(&Device::Appliance) {
            // The SOHO image always: image size and the RAM bisection use it.
            let others = scenarios.iter().copied().filter(|&s| s != Scenario::Soho);
            for scenario in std::iter::once(Scenario::Soho).chain(others) {
                let script = scenario::appliance_script(scenario, crate::SOHO_RSC)?;
                let image = base.with_file_name(format!("appliance-bench-{}.img", scenario.name()));
                image_builder::bake_config(&base, &script, &image)?;
                appliance.push((scenario, image));
            }
        }
        let null_forwarder = if devices.contains(&Device::NullForwarder) {
            image_builder::build(KernelFlavor::NullForward)?.0
        } else {
            PathBuf::new()
        };
        let linux_vm =
            if devices.contains(&Device::LinuxVm) || devices.contains(&Device::LinuxVmFlowtable) {
                Some(linux_vm::build_linux_router_vm()?)
            } else {
                None
            };
        Ok(Self {
            appliance,
            null_forwarder,
            linux_vm,
        })
    }

    /// Bytes a device boots from: the disk image, or the Linux kernel plus initramfs.
    pub fn image_bytes(&self, device: Device) -> Option<u64> {
        let file_size = |path: &PathBuf| std::fs::metadata(path).ok().map(|m| m.len());
        match device {
            Device::Appliance => file_size(self.appliance_image(Scenario::Soho).ok()?),
            Device::NullForwarder => file_size(&self.null_forwarder),
            Device::LinuxVm | Device::LinuxVmFlowtable => {
                self.linux_vm.as_ref().map(linux_vm::image_bytes)
            }
            Device::HostKernel => None,
        }
    }

    fn appliance_image(&self, scenario: Scenario) -> Result<&PathBuf, String> {
        self.appliance
            .iter()
            .find(|(s, _)| *s == scenario)
            .map(|(_, image)| image)
            .ok_or_else(|| format!("no appliance image for the {} scenario", scenario.name()))
    }

    fn qemu_config(
        &self,
        device: Device,
        scenario: Scenario,
        memory_mib: u32,
    ) -> Result<QemuConfig, String> {
        let mut config = match device {
            Device::Appliance => QemuConfig::new(self.appliance_image(scenario)?),
            Device::NullForwarder => QemuConfig::new(&self.null_forwarder),
            Device::LinuxVm | Device::LinuxVmFlowtable => {
                let vm = self
                    .linux_vm
                    .as_ref()
                    .ok_or("the Linux router VM was not built")?;
                let rules = scenario.linux_rules(device == Device::LinuxVmFlowtable);
                // With -no-reboot: a kernel panic (no memory) ends QEMU instead of looping.
                linux_vm::linux_vm_config(vm, rules, memory_mib)
            }
            Device::HostKernel => return Err("the host kernel is not a VM".into()),
        };
        config.memory_mib = memory_mib;
        // The disk images are shared between runs; writes go to a throw-away overlay.
        config.snapshot = true;
        // A kernel panic exits QEMU through isa-debug-exit instead of hanging until the timeout.
        config.debug_exit = true;
        Ok(config)
    }
}

/// A device routing between the two hosts of its own network. Fields drop in order: QEMU first.
pub struct Running {
    pub device: Device,
    pub scenario: Scenario,
    pub vm: Option<Vm>,
    pub network: Network,
    /// QEMU start to the ready line (VMs only).
    pub boot: Option<Duration>,
}

/// How close (MiB) [`min_memory`] gets to the least RAM that works.
pub const MIN_RAM_RESOLUTION: u32 = 2;

/// Longest wait for a ready line, and for the first packet through afterwards.
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(120);
const FIRST_PACKET_TIMEOUT: Duration = Duration::from_secs(30);
const SHORT: Duration = Duration::from_secs(20);

/// Builds a network, puts `device` in it configured for `scenario` with `nic` NICs and `memory_mib` of
/// RAM, and waits until the LAN host reaches the WAN host through it.
pub fn start(
    device: Device,
    scenario: Scenario,
    nic: NicModel,
    memory_mib: u32,
    assets: &Assets,
    boot_timeout: Duration,
) -> Result<Running, String> {
    let network = Network::create()?;
    let (vm, boot) = if device.is_vm() {
        let mut config = network.qemu_config(assets.qemu_config(device, scenario, memory_mib)?);
        config.nic_model = nic;
        let mut vm = Vm::start(&config).map_err(|e| e.to_string())?;
        wait_ready(&mut vm, device, boot_timeout)
            .map_err(|e| format!("{} with {memory_mib} MiB: {e}", device.name()))?;
        let boot = vm.elapsed();
        (Some(vm), Some(boot))
    } else {
        let rules: Option<Vec<String>> = scenario.host_kernel_rules().map(|extra| {
            (1..=extra)
                .map(|i| format!("ip saddr {} drop", scenario::extra_rule_address(i)))
                .collect()
        });
        network.route_with_host_kernel_rules(rules.as_deref())?;
        (None, None)
    };
    let running = Running {
        device,
        scenario,
        vm,
        network,
        boot,
    };
    if device == Device::NullForwarder {
        // The forwarder does no IP: the WAN host answers for the LAN gateway address, so the LAN host's
        // default route and the WAN host's replies both cross the forwarder unchanged.
        let wan = running.network.wan();
        let address = format!("{LAN_ROUTER}/24");
        let output = wan.run(&["ip", "addr", "add", &address, "dev", "eth0"], SHORT);
        if !output.success() {
            return Err(format!("null forwarder setup on the WAN host: {output}"));
        }
    }
    if scenario.needs_return_route() {
        // No masquerade: replies go to the LAN host's own address, through the device's WAN address.
        let wan = running.network.wan();
        let [a, b, c, _] = LAN_ROUTER.octets();
        let prefix = format!("{a}.{b}.{c}.0/24");
        let router = WAN_ROUTER.to_string();
        let output = wan.run(&["ip", "route", "add", &prefix, "via", &router], SHORT);
        if !output.success() {
            return Err(format!("return route on the WAN host: {output}"));
        }
    }
    running.wait_forwarding(FIRST_PACKET_TIMEOUT)?;
    Ok(running)
}

/// What a boot that cannot succeed prints and then hangs on: the bootloader's panic (it halts without
/// exiting QEMU, e.g. when RAM is too small for its page tables), a Linux panic.
const BOOT_FAILURES: [&str; 2] = ["panicked at", "Kernel panic"];

/// Waits for `device`'s ready line; gives up early when the console shows a failed boot.
fn wait_ready(vm: &mut Vm, device: Device, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        let slice = deadline
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(500));
        match vm.wait_for(device.ready_line(), slice) {
            Ok(_) if device == Device::Appliance => return crate::try_login(vm),
            Ok(_) => return Ok(()),
            Err(qemu_runner::VmError::Timeout { output, .. }) => {
                if let Some(failure) = BOOT_FAILURES.iter().find(|f| output.contains(*f)) {
                    let line = output
                        .lines()
                        .find(|l| l.contains(failure))
                        .unwrap_or(failure);
                    return Err(format!("boot failed: {}", line.trim()));
                }
                if Instant::now() >= deadline {
                    return Err(format!(
                        "no {:?} within {timeout:?}; console:\n{output}",
                        device.ready_line()
                    ));
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

impl Running {
    /// Waits until the LAN host's ping reaches the WAN host through the device (ARP resolved on both
    /// sides, links up, NIC receive enabled). Pings again after a failure — a failed ARP makes ping give
    /// up after 3 s, and QEMU's e1000 holds frames back for a second after its receiver is set up.
    pub fn wait_forwarding(&self, timeout: Duration) -> Result<(), String> {
        let started = Instant::now();
        let target = WAN_HOST.to_string();
        loop {
            let output = self
                .network
                .lan()
                .run(&["ping", "-c", "1", "-W", "1", &target], SHORT);
            if output.success() {
                return Ok(());
            }
            if started.elapsed() >= timeout {
                return Err(format!(
                    "{}: the LAN host does not reach {target} after {:.0?}: {output}{}",
                    self.device.name(),
                    started.elapsed(),
                    self.console_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The end of the device's console, for error messages.
    pub fn console_tail(&self) -> String {
        match &self.vm {
            Some(vm) => {
                let output = vm.output();
                let tail: String = {
                    let chars: Vec<char> = output.chars().collect();
                    chars[chars.len().saturating_sub(2000)..].iter().collect()
                };
                format!("\n--- console (end) ---\n{tail}\n--- end ---")
            }
            None => String::new(),
        }
    }
}

/// The smallest RAM (MiB, to [`MIN_RAM_RESOLUTION`]) in `low..=high` with which `device` boots and
/// forwards, found by bisection (one boot per step); `None` if it does not work even with `high`. `low`
/// is assumed to fail; `high` is tried first unless `high_works` says it is known to work.
pub fn min_memory(
    device: Device,
    nic: NicModel,
    assets: &Assets,
    (low, high): (u32, u32),
    high_works: bool,
    boot_timeout: Duration,
    log: &mut dyn FnMut(String),
) -> Option<u32> {
    let resolution = MIN_RAM_RESOLUTION;
    let mut works = |memory: u32| {
        let result = start(device, Scenario::Soho, nic, memory, assets, boot_timeout);
        log(format!(
            "{} {nic:?} -m {memory}M: {}",
            device.name(),
            match &result {
                Ok(_) => "boots and forwards".to_string(),
                Err(e) => format!("fails ({})", e.lines().next().unwrap_or("")),
            }
        ));
        result.is_ok()
    };
    if !high_works && !works(high) {
        return None;
    }
    let (mut failing, mut working) = (low, high);
    while working - failing > resolution.max(1) {
        let middle = failing + (working - failing) / 2;
        if works(middle) {
            working = middle;
        } else {
            failing = middle;
        }
    }
    Some(working)
}
