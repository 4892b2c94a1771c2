//! Choosing the accelerator: KVM when it really works, TCG (software emulation) otherwise.
//!
//! `/dev/kvm` existing is not enough: on some hosts QEMU under KVM dies at once ("failed to set MSR"), and
//! on nested hosts that lack baseline CPU features ("host doesn't support requested feature") SeaBIOS
//! boots slowly and OVMF stops with "KVM internal error". So the probe creates a paused machine with
//! `-accel kvm` and asks it to quit; only a clean exit with nothing on stderr counts.
//! `APPLIANCE_ACCEL=kvm|tcg` overrides the probe.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accel {
    Kvm,
    Tcg,
}

impl Accel {
    pub fn qemu_name(self) -> &'static str {
        match self {
            Accel::Kvm => "kvm",
            Accel::Tcg => "tcg",
        }
    }
}

/// The accelerator to use on this machine (probed once per process).
pub fn detect_accel() -> Accel {
    static ACCEL: OnceLock<Accel> = OnceLock::new();
    *ACCEL.get_or_init(|| match std::env::var("APPLIANCE_ACCEL").as_deref() {
        Ok("kvm") => Accel::Kvm,
        Ok("tcg") => Accel::Tcg,
        _ if kvm_works() => Accel::Kvm,
        _ => Accel::Tcg,
    })
}

fn kvm_works() -> bool {
    if std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_err()
    {
        return false;
    }
    let child = Command::new(crate::command::QEMU)
        .args([
            "-accel",
            "kvm",
            "-machine",
            "pc",
            "-m",
            "32",
            "-nodefaults",
            "-display",
            "none",
            "-S",
        ])
        .args(["-monitor", "stdio"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else { return false };
    if let Some(stdin) = child.stdin.as_mut() {
        let _ = stdin.write_all(b"quit\n");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut complaints = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    let _ = stderr.read_to_string(&mut complaints);
                }
                return status.success() && complaints.trim().is_empty();
            }
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}
