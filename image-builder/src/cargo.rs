//! Compiling the kernel: `cargo build -p kernel --target x86_64-unknown-none --release`.
//!
//! The kernel is not a default workspace member (it cannot build for the host), so the image builder
//! compiles it explicitly, into its own target directory (`target/kernel`): a nested cargo must not wait
//! for the build lock of a `cargo test` or `cargo run` that started it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Which kernel to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelFlavor {
    /// The appliance.
    Appliance,
    /// The kernel test suite (`--features ktest`).
    Test,
    /// The null forwarder (`--features null-forward`): frames cross between NIC pairs with only MACs
    /// rewritten, the ceiling for datapath benchmarks.
    NullForward,
}

impl KernelFlavor {
    pub fn image_name(self) -> &'static str {
        match self {
            KernelFlavor::Appliance => "appliance.img",
            KernelFlavor::Test => "appliance-ktest.img",
            KernelFlavor::NullForward => "appliance-null-forward.img",
        }
    }
}

/// The workspace root (this crate's parent directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Builds the kernel ELF and returns its path.
///
/// Every flavour is built to the same path and copied out afterwards, so a build and its copy must not
/// interleave with another flavour's build: tests build flavours from parallel threads, and cargo's own
/// lock only covers the build, so without this one a thread could copy the other flavour's kernel.
pub fn build_kernel(flavor: KernelFlavor) -> Result<PathBuf, String> {
    static BUILD: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let root = workspace_root();
    let target_dir = root.join("target").join("kernel");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(&root).args([
        "build",
        "-p",
        "kernel",
        "--target",
        "x86_64-unknown-none",
        "--release",
    ]);
    command.arg("--target-dir").arg(&target_dir);
    match flavor {
        KernelFlavor::Appliance => {}
        KernelFlavor::Test => {
            command.args(["--features", "ktest"]);
        }
        KernelFlavor::NullForward => {
            command.args(["--features", "null-forward"]);
        }
    }
    // The kernel must not inherit flags meant for host builds (e.g. from `cargo test` or coverage tools).
    command
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET");
    if let Some(build_time) = build_time(&root) {
        command.env("APPLIANCE_BUILD_TIME", build_time);
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building the kernel failed ({status})"));
    }
    // Every flavour's kernel has the same file name; copy each out so the images can coexist.
    let built = target_dir
        .join("x86_64-unknown-none")
        .join("release")
        .join("kernel");
    let named = target_dir.join(match flavor {
        KernelFlavor::Appliance => "appliance",
        KernelFlavor::Test => "appliance-ktest",
        KernelFlavor::NullForward => "appliance-null-forward",
    });
    std::fs::copy(&built, &named).map_err(|e| format!("cannot copy {}: {e}", built.display()))?;
    Ok(named)
}

/// The build time shown by `/system resource print`: the commit time of HEAD in UTC, so that building the
/// same commit twice gives the same image. None outside a git checkout.
fn build_time(root: &Path) -> Option<String> {
    let output = Command::new("git")
        .current_dir(root)
        .args([
            "log",
            "-1",
            "--format=%cd",
            "--date=format-local:%Y-%m-%d %H:%M:%S",
        ])
        .env("TZ", "UTC")
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (output.status.success() && !text.is_empty()).then(|| text.to_string())
}
