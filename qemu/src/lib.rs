//! Booting the appliance in QEMU.
//!
//! One place knows the QEMU command line (`command`), so the interactive `run` command and the test
//! harness boot the image the same way: `-m 128M`, one vCPU, the image as an IDE (default) or virtio-blk
//! disk, two NICs (`ether1` WAN, `ether2` LAN; virtio-net or e1000), SeaBIOS or OVMF, KVM when it works
//! and TCG otherwise. `QemuConfig::direct` boots a kernel and initramfs with `-kernel`/`-initrd` instead
//! of a disk (the baseline Linux router VM), on the same machine, memory, NICs and console.
//! `Vm` runs QEMU with the serial console on pipes for tests: it records everything the appliance prints,
//! waits for text with a hard timeout, types into the console, and kills QEMU when dropped. Its QEMU
//! monitor is on a private socket (`Vm::monitor`), for tests that pull a cable.

mod accel;
mod command;
mod monitor;
mod ovmf_vars;
mod vm;

pub use accel::{Accel, detect_accel};
pub use command::{
    DirectKernel, DiskInterface, Firmware, NetBackend, NicModel, QEMU, QemuConfig, SerialMode,
};
pub use monitor::Monitor;
pub use ovmf_vars::OvmfVars;
pub use vm::{Vm, VmError};
