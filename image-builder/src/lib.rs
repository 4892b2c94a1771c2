//! Building the appliance: compile the kernel for `x86_64-unknown-none`, then lay out one raw disk image
//! that boots under both BIOS (SeaBIOS) and UEFI (OVMF).
//!
//! Image layout (MBR partition table, 512-byte sectors; see `layout.rs` and the README):
//!
//! | partition | type | contents |
//! |---|---|---|
//! | — sector 0 | | MBR: `bootloader`'s BIOS boot sector and the partition table |
//! | 1 | 0x20 | `bootloader`'s BIOS second stage |
//! | 2 (active) | 0x0C FAT | `kernel-x86_64`, `boot.json`, BIOS stages 3/4, and `efi/boot/bootx64.efi` |
//! | 3 | 0xDA | the config partition (`CONFIG_PARTITION_BYTES`, 1 MiB aligned; zeroed, or a baked script) |
//!
//! SeaBIOS runs the boot sector; OVMF reads the MBR, mounts the FAT partition and starts the removable-media
//! path `\EFI\BOOT\BOOTX64.EFI` (UEFI 2.10 §3.5.1.1, §13.3.1). Both loaders then read the same kernel file.
//! The image is deterministic: the same kernel gives the same bytes (FAT timestamps and volume id are fixed
//! by the `fatfs` defaults the bootloader uses; the check is a test).
//!
//! `bake.rs` bakes a RouterOS `.rsc` script into a copy of an image as its initial configuration, after
//! checking it with the appliance's own `config` crate.

mod bake;
mod cargo;
mod layout;

use std::path::{Path, PathBuf};

pub use bake::{
    ImagePartition, bake_config, baked_capacity, default_output, read_rsc, validate_rsc,
};
pub use cargo::{KernelFlavor, build_kernel, workspace_root};
pub use layout::{
    CONFIG_PARTITION_BYTES, CONFIG_PARTITION_TYPE, ImageLayout, PartitionEntry, read_partitions,
};

/// Builds the kernel of `flavor` and its disk image; returns the image's path and layout.
pub fn build(flavor: KernelFlavor) -> Result<(PathBuf, ImageLayout), String> {
    let kernel = build_kernel(flavor)?;
    let out = workspace_root()
        .join("target")
        .join("images")
        .join(flavor.image_name());
    let layout = create_image(&kernel, &out)?;
    Ok((out, layout))
}

/// Lays out the bootable image for `kernel` at `out`.
pub fn create_image(kernel: &Path, out: &Path) -> Result<ImageLayout, String> {
    let dir = out.parent().ok_or("image path has no parent directory")?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;

    // The UEFI loader binary is embedded in the `bootloader` crate; its TFTP-folder export is the public
    // way to get it as a file.
    let uefi_dir = dir.join(format!(".{}-uefi", file_name(out)));
    let _ = std::fs::remove_dir_all(&uefi_dir);
    bootloader::UefiBoot::new(kernel)
        .create_pxe_tftp_folder(&uefi_dir)
        .map_err(|e| format!("cannot extract the UEFI loader: {e:#}"))?;

    let mut boot_config = bootloader::BootConfig::default();
    // A headless appliance: no framebuffer text (slow under emulation); the loader reports only problems.
    boot_config.frame_buffer_logging = false;
    boot_config.serial_logging = true;
    boot_config.log_level = bootloader_boot_config::LevelFilter::Warn;
    let mut builder = bootloader::DiskImageBuilder::new(kernel.to_path_buf());
    builder.set_boot_config(&boot_config);
    builder.set_file("efi/boot/bootx64.efi".into(), uefi_dir.join("bootloader"));
    let bios_image = dir.join(format!(".{}-bios", file_name(out)));
    builder
        .create_bios_image(&bios_image)
        .map_err(|e| format!("cannot create the disk image: {e:#}"))?;
    let _ = std::fs::remove_dir_all(&uefi_dir);

    let layout = layout::add_config_partition(&bios_image)?;
    std::fs::rename(&bios_image, out)
        .map_err(|e| format!("cannot move image to {}: {e}", out.display()))?;
    Ok(layout)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "image".into())
}
