//! The QEMU command line for one appliance VM.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::accel::detect_accel;

/// The QEMU binary (Debian package `qemu-system-x86`).
pub const QEMU: &str = "qemu-system-x86_64";
/// OVMF's code and variable-store templates (Debian package `ovmf`).
pub const OVMF_CODE: &str = "/usr/share/OVMF/OVMF_CODE_4M.fd";
pub const OVMF_VARS: &str = "/usr/share/OVMF/OVMF_VARS_4M.fd";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Firmware {
    /// SeaBIOS, QEMU's default.
    Bios,
    /// OVMF (EDK II), needs a writable copy of the variable store.
    Uefi,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NicModel {
    VirtioNet,
    E1000,
}

impl NicModel {
    fn device(self) -> &'static str {
        match self {
            NicModel::VirtioNet => "virtio-net-pci",
            NicModel::E1000 => "e1000",
        }
    }
}

/// What a NIC is plugged into on the host side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetBackend {
    /// QEMU's user-mode network, restricted so that nothing leaves the VM.
    Isolated,
    /// The same restricted network, with TCP ports of the host's loopback forwarded to the VM's
    /// address on it (`(host port, guest port)`: `(8080, 80)` lets `curl http://127.0.0.1:8080/` reach
    /// the router's port 80); QEMU applies forwarding rules despite `restrict=on`.
    Forwarded(Vec<(u16, u16)>),
    /// A tap device that already exists (test harnesses create them in their own namespaces).
    Tap(String),
}

/// The controller the image is attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiskInterface {
    /// The legacy IDE primary master (`-drive if=ide`), what a plain `qemu -drive file=…` attaches.
    Ide,
    /// A virtio-blk PCI device (`-device virtio-blk-pci`), what clouds and Proxmox attach. SeaBIOS and
    /// OVMF both boot from it.
    VirtioBlk,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SerialMode {
    /// Serial console and QEMU monitor multiplexed on the terminal (Ctrl-A x quits, Ctrl-A c monitor).
    Terminal,
    /// Serial console on QEMU's stdin/stdout pipes, the monitor on `monitor_socket` if set: for programs
    /// driving the console.
    Pipes,
}

/// A kernel QEMU loads itself (`-kernel`, `-initrd`, `-append`) instead of booting a disk: for baseline
/// VMs (a stock Linux kernel with an initramfs) on the same virtual hardware as the appliance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectKernel {
    /// A bzImage (for example Debian's `/boot/vmlinuz-*`).
    pub kernel: PathBuf,
    /// The initramfs (a newc cpio archive, optionally compressed).
    pub initrd: PathBuf,
    /// The kernel command line.
    pub append: String,
}

#[derive(Clone, Debug)]
pub struct QemuConfig {
    /// The disk image; unused (no disk is attached) when `direct_kernel` is set.
    pub image: PathBuf,
    /// Boot this kernel directly, with no disk drive; everything else (machine, CPU, memory, NICs,
    /// monitor, serial) stays as for the appliance, so both run on identical virtual hardware.
    pub direct_kernel: Option<DirectKernel>,
    pub firmware: Firmware,
    pub disk: DiskInterface,
    pub nic_model: NicModel,
    /// Per-NIC models in `ether1..` order, for mixed machines; NICs beyond the list use `nic_model`.
    pub nic_models: Vec<NicModel>,
    /// ether1 (WAN) and ether2 (LAN) backends, in that order (PCI order gives the names).
    pub nics: Vec<NetBackend>,
    pub memory_mib: u32,
    pub serial: SerialMode,
    /// Attach `isa-debug-exit` at port 0xF4 (kernel test builds exit QEMU through it).
    pub debug_exit: bool,
    /// Open the disk read-only with writes going to a throw-away overlay (lets tests share one image).
    pub snapshot: bool,
    /// Run QEMU inside this network namespace (`ip netns exec NS qemu-system-x86_64 ...`), so it can open
    /// tap devices that live there. `ip netns exec` execs QEMU in place, so the child's PID is QEMU's.
    pub netns: Option<String>,
    /// Where QEMU serves its monitor in `SerialMode::Pipes` (a Unix socket it creates); none if unset.
    pub monitor_socket: Option<PathBuf>,
    pub extra_args: Vec<String>,
}

impl QemuConfig {
    /// The defaults a user gets: 128 MiB, IDE disk, virtio-net, BIOS, two isolated NICs, console on the
    /// terminal.
    pub fn new(image: impl Into<PathBuf>) -> Self {
        Self {
            image: image.into(),
            direct_kernel: None,
            firmware: Firmware::Bios,
            disk: DiskInterface::Ide,
            nic_model: NicModel::VirtioNet,
            nic_models: Vec::new(),
            nics: vec![NetBackend::Isolated, NetBackend::Isolated],
            memory_mib: 128,
            serial: SerialMode::Terminal,
            debug_exit: false,
            snapshot: false,
            netns: None,
            monitor_socket: None,
            extra_args: Vec::new(),
        }
    }

    /// The defaults of `new`, booting `kernel` directly instead of a disk image.
    pub fn direct(kernel: DirectKernel) -> Self {
        Self {
            direct_kernel: Some(kernel),
            ..Self::new(PathBuf::new())
        }
    }

    /// Builds the command. `ovmf_vars` is the writable variable store for UEFI boots (see `Vm`).
    pub fn command(&self, ovmf_vars: Option<&Path>) -> Command {
        let mut cmd = match &self.netns {
            Some(netns) => {
                let mut cmd = Command::new("ip");
                cmd.args(["netns", "exec", netns, QEMU]);
                cmd
            }
            None => Command::new(QEMU),
        };
        cmd.args([
            "-accel",
            detect_accel().qemu_name(),
            "-machine",
            "pc",
            "-smp",
            "1",
        ]);
        cmd.arg("-m").arg(format!("{}M", self.memory_mib));
        // The BIOS loader stage sets a VESA mode and needs a VGA device, though nothing is ever shown.
        cmd.args(["-nodefaults", "-display", "none", "-vga", "std"]);
        match self.serial {
            SerialMode::Terminal => cmd.args(["-serial", "mon:stdio"]),
            SerialMode::Pipes => {
                cmd.args(["-serial", "stdio", "-monitor"]);
                match &self.monitor_socket {
                    Some(path) => cmd.arg(format!("unix:{},server=on,wait=off", path.display())),
                    None => cmd.arg("none"),
                }
            }
        };
        if self.firmware == Firmware::Uefi {
            cmd.arg("-drive").arg(format!(
                "if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}"
            ));
            if let Some(vars) = ovmf_vars {
                cmd.arg("-drive").arg(format!(
                    "if=pflash,format=raw,unit=1,file={}",
                    vars.display()
                ));
            }
        }
        match &self.direct_kernel {
            // QEMU's linuxboot option ROM loads the kernel and initramfs through fw_cfg; no disk.
            Some(direct) => {
                cmd.arg("-kernel").arg(&direct.kernel);
                cmd.arg("-initrd").arg(&direct.initrd);
                cmd.arg("-append").arg(&direct.append);
            }
            None => {
                let snapshot = if self.snapshot { ",snapshot=on" } else { "" };
                let image = self.image.display();
                match self.disk {
                    DiskInterface::Ide => {
                        cmd.arg("-drive")
                            .arg(format!("if=ide,format=raw,file={image}{snapshot}"));
                    }
                    DiskInterface::VirtioBlk => {
                        cmd.arg("-drive").arg(format!(
                            "if=none,id=disk0,format=raw,file={image}{snapshot}"
                        ));
                        cmd.args(["-device", "virtio-blk-pci,drive=disk0"]);
                    }
                }
            }
        }
        for (index, backend) in self.nics.iter().enumerate() {
            let id = format!("ether{}", index + 1);
            let netdev = match backend {
                NetBackend::Isolated => format!("user,id={id},restrict=on"),
                NetBackend::Forwarded(ports) => {
                    let mut netdev = format!("user,id={id},restrict=on");
                    for (host, guest) in ports {
                        netdev.push_str(&format!(",hostfwd=tcp:127.0.0.1:{host}-:{guest}"));
                    }
                    netdev
                }
                NetBackend::Tap(ifname) => {
                    format!("tap,id={id},ifname={ifname},script=no,downscript=no")
                }
            };
            cmd.arg("-netdev").arg(netdev);
            // Locally administered, stable MACs: 52:54:00 is QEMU's prefix; the last byte is the port number.
            let mac = format!("52:54:00:12:34:{:02x}", index + 1);
            let model = self
                .nic_models
                .get(index)
                .copied()
                .unwrap_or(self.nic_model);
            cmd.arg("-device")
                .arg(format!("{},netdev={id},mac={mac}", model.device()));
        }
        if self.debug_exit {
            cmd.args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
        }
        cmd.args(&self.extra_args);
        cmd
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netns_runs_qemu_through_ip_netns_exec() {
        let mut config = QemuConfig::new("disk.img");
        config.nics = vec![NetBackend::Tap("tw-1-0".into()), NetBackend::Isolated];
        config.netns = Some("sw".into());
        let cmd = config.command(None);
        assert_eq!(cmd.get_program(), "ip");
        let args: Vec<_> = cmd.get_args().map(|a| a.to_string_lossy()).collect();
        assert_eq!(args[..4], ["netns", "exec", "sw", QEMU]);
        assert!(
            args.iter()
                .any(|a| a.starts_with("tap,id=ether1,ifname=tw-1-0,"))
        );

        config.netns = None;
        assert_eq!(config.command(None).get_program(), QEMU);
    }

    fn args(config: &QemuConfig) -> Vec<String> {
        config
            .command(None)
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    /// The value following each occurrence of `flag`.
    fn values<'a>(args: &'a [String], flag: &str) -> Vec<&'a str> {
        args.windows(2)
            .filter(|pair| pair[0] == flag)
            .map(|pair| pair[1].as_str())
            .collect()
    }

    #[test]
    fn disk_is_ide_by_default_and_virtio_blk_on_request() {
        let mut config = QemuConfig::new("disk.img");
        assert_eq!(config.disk, DiskInterface::Ide);
        let ide = args(&config);
        assert_eq!(values(&ide, "-drive"), ["if=ide,format=raw,file=disk.img"]);
        assert!(!values(&ide, "-device").iter().any(|d| d.contains("blk")));

        config.disk = DiskInterface::VirtioBlk;
        config.snapshot = true;
        let virtio = args(&config);
        assert_eq!(
            values(&virtio, "-drive"),
            ["if=none,id=disk0,format=raw,file=disk.img,snapshot=on"]
        );
        assert!(values(&virtio, "-device").contains(&"virtio-blk-pci,drive=disk0"));

        config.disk = DiskInterface::Ide;
        assert_eq!(
            values(&args(&config), "-drive"),
            ["if=ide,format=raw,file=disk.img,snapshot=on"]
        );
    }

    #[test]
    fn direct_kernel_replaces_the_disk_and_keeps_the_hardware() {
        let mut disk = QemuConfig::new("disk.img");
        disk.nic_model = NicModel::E1000;
        disk.nics = vec![
            NetBackend::Tap("tw-1-0".into()),
            NetBackend::Tap("tl-1-0".into()),
        ];
        disk.netns = Some("sw".into());
        disk.memory_mib = 96;
        let mut direct = QemuConfig::direct(DirectKernel {
            kernel: "vmlinuz".into(),
            initrd: "initrd.cpio".into(),
            append: "console=ttyS0 quiet".into(),
        });
        direct.nic_model = disk.nic_model;
        direct.nics = disk.nics.clone();
        direct.netns = disk.netns.clone();
        direct.memory_mib = disk.memory_mib;
        direct.snapshot = true;

        let direct_args = args(&direct);
        assert_eq!(values(&direct_args, "-kernel"), ["vmlinuz"]);
        assert_eq!(values(&direct_args, "-initrd"), ["initrd.cpio"]);
        // The command line is one argument, spaces and all.
        assert_eq!(values(&direct_args, "-append"), ["console=ttyS0 quiet"]);
        assert!(values(&direct_args, "-drive").is_empty(), "{direct_args:?}");
        assert!(
            !values(&direct_args, "-device")
                .iter()
                .any(|d| d.contains("blk"))
        );

        // Everything but the boot medium is the appliance's machine.
        let disk_args = args(&disk);
        for flag in [
            "-machine", "-smp", "-m", "-netdev", "-device", "-serial", "-vga",
        ] {
            assert_eq!(
                values(&direct_args, flag),
                values(&disk_args, flag),
                "{flag}"
            );
        }
        assert!(direct_args.contains(&"-nodefaults".to_string()));
        assert_eq!(
            values(&direct_args, "-device"),
            [
                "e1000,netdev=ether1,mac=52:54:00:12:34:01",
                "e1000,netdev=ether2,mac=52:54:00:12:34:02"
            ]
        );
        assert_eq!(direct.command(None).get_program(), "ip");
    }

    #[test]
    fn forwarded_ports_reach_the_first_nic_from_loopback_only() {
        let mut config = QemuConfig::new("appliance.img");
        config.nics[0] = NetBackend::Forwarded(vec![(8080, 80), (8728, 8728)]);
        let args = args(&config);
        assert_eq!(
            values(&args, "-netdev"),
            [
                "user,id=ether1,restrict=on,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=tcp:127.0.0.1:8728-:8728",
                "user,id=ether2,restrict=on"
            ]
        );
    }
}
