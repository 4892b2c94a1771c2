//! `image-builder`: builds the appliance image, and boots it in QEMU with the serial console attached.
//!
//! ```text
//! image-builder build [--ktest | --null-forward] [--config FILE.rsc [--output PATH]]
//! image-builder run [--uefi] [--e1000] [--memory MIB] [--ktest | --null-forward]
//!                   [--config FILE.rsc [--output PATH]] [--forward HOST_PORT:GUEST_PORT]...
//! ```
//!
//! With `--config`, the script is checked first (a syntax error fails with `FILE:LINE:COLUMN: message`
//! before anything is built), then baked into a copy of the image as its initial configuration.

use std::path::PathBuf;
use std::process::ExitCode;

use image_builder::{KernelFlavor, bake_config, build, default_output, read_rsc};
use qemu_runner::{Firmware, NetBackend, NicModel, OvmfVars, QemuConfig, detect_accel};

const USAGE: &str = "usage: image-builder build [--ktest | --null-forward] [--config FILE.rsc [--output PATH]]
       image-builder run [--uefi] [--e1000] [--memory MIB] [--ktest | --null-forward]
                         [--config FILE.rsc [--output PATH]] [--forward HOST_PORT:GUEST_PORT]...

build  compile the kernel and write target/images/appliance.img (a raw disk that boots on BIOS and UEFI)
run    build, then boot it in QEMU with the serial console on this terminal (Ctrl-A x quits QEMU)

--config FILE.rsc  check the RouterOS script and bake it into a copy of the image as its initial
                   configuration (default copy: target/images/appliance-FILE.img)
--output PATH      where that copy goes
--forward H:G      forward TCP port H of this machine's loopback to port G of the router's ether1
                   (`--forward 8080:80`, then `curl -u admin:PASSWORD http://127.0.0.1:8080/rest/...`)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("image-builder: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `8080:80` → (8080, 80): a host loopback port forwarded to a port of the router's `ether1`.
fn parse_forward(value: &str) -> Result<(u16, u16), String> {
    let invalid = || format!("invalid --forward {value:?}: expected HOST_PORT:GUEST_PORT");
    let (host, guest) = value.split_once(':').ok_or_else(invalid)?;
    let host = host.parse().map_err(|_| invalid())?;
    let guest = guest.parse().map_err(|_| invalid())?;
    Ok((host, guest))
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let (command, options) = args.split_first().ok_or(USAGE)?;
    if ["help", "--help", "-h"].contains(&command.as_str())
        || options.iter().any(|o| o == "--help" || o == "-h")
    {
        println!("{USAGE}");
        return Ok(ExitCode::SUCCESS);
    }
    let mut flavor = KernelFlavor::Appliance;
    let mut firmware = Firmware::Bios;
    let mut nic_model = NicModel::VirtioNet;
    let mut memory_mib = 128;
    let mut rsc: Option<PathBuf> = None;
    let mut output: Option<PathBuf> = None;
    let mut forwards: Vec<(u16, u16)> = Vec::new();
    let mut options = options.iter();
    while let Some(option) = options.next() {
        match option.as_str() {
            "--ktest" => flavor = KernelFlavor::Test,
            "--null-forward" => flavor = KernelFlavor::NullForward,
            "--uefi" => firmware = Firmware::Uefi,
            "--e1000" => nic_model = NicModel::E1000,
            "--memory" => {
                let value = options.next().ok_or("--memory needs a size in MiB")?;
                memory_mib = value
                    .parse()
                    .map_err(|_| format!("invalid memory size {value:?}"))?;
            }
            "--config" => rsc = Some(options.next().ok_or("--config needs a .rsc file")?.into()),
            "--output" => output = Some(options.next().ok_or("--output needs a path")?.into()),
            "--forward" => {
                let value = options
                    .next()
                    .ok_or("--forward needs HOST_PORT:GUEST_PORT")?;
                forwards.push(parse_forward(value)?);
            }
            other => return Err(format!("unknown option {other:?}\n{USAGE}")),
        }
    }
    if !["build", "run"].contains(&command.as_str()) {
        return Err(format!("unknown command {command:?}\n{USAGE}"));
    }
    if output.is_some() && rsc.is_none() {
        return Err("--output needs --config".into());
    }
    // The script is checked before the (slow) kernel build, so a typo fails at once.
    let script = rsc.as_deref().map(read_rsc).transpose()?;
    let (mut image, mut layout) = build(flavor)?;
    if let (Some(rsc), Some(script)) = (&rsc, &script) {
        let output = output.unwrap_or_else(|| default_output(&image, rsc));
        layout = bake_config(&image, script, &output)?;
        println!(
            "baked {} ({} bytes) into the config partition",
            rsc.display(),
            script.len()
        );
        image = output;
    }
    println!(
        "image: {} ({} bytes, {:.1} MiB)",
        image.display(),
        layout.image_bytes,
        layout.image_bytes as f64 / 1048576.0
    );
    for (i, partition) in layout.partitions.iter().enumerate() {
        if let Some(p) = partition {
            println!(
                "  partition {}: type {:#04x} at {} bytes, {} bytes",
                i + 1,
                p.kind,
                p.start_bytes(),
                p.size_bytes()
            );
        }
    }
    if command != "run" {
        return Ok(ExitCode::SUCCESS);
    }

    let mut config = QemuConfig::new(&image);
    config.firmware = firmware;
    config.nic_model = nic_model;
    config.memory_mib = memory_mib;
    config.debug_exit = flavor == KernelFlavor::Test;
    if !forwards.is_empty() {
        config.nics[0] = NetBackend::Forwarded(forwards);
    }
    let vars = match firmware {
        Firmware::Uefi => Some(OvmfVars::create().map_err(|e| e.to_string())?),
        Firmware::Bios => None,
    };
    println!(
        "booting with {} ({:?}, {:?}, {} MiB); Ctrl-A x quits QEMU",
        detect_accel().qemu_name(),
        firmware,
        nic_model,
        memory_mib
    );
    let status = config
        .command(vars.as_ref().map(|v| v.path()))
        .status()
        .map_err(|e| format!("cannot run {}: {e}", qemu_runner::QEMU))?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(status.code().unwrap_or(1).clamp(1, 255) as u8)
    })
}
