//! The disk image: one raw image with a BIOS boot path, a UEFI boot path and a config partition; the same
//! kernel always gives the same bytes.

use tests::*;

#[test]
fn image_has_boot_and_config_partitions() {
    let (path, layout) = image(KernelFlavor::Appliance);
    println!(
        "image size: {} bytes ({:.1} MiB)",
        layout.image_bytes,
        layout.image_bytes as f64 / 1048576.0
    );
    let on_disk = image_builder::read_partitions(&path).unwrap();
    assert_eq!(on_disk.image_bytes, layout.image_bytes);
    let boot = on_disk.partitions[1].expect("FAT boot partition");
    assert_eq!(boot.kind, 0x0C);
    assert!(boot.bootable);
    let config = on_disk.config_partition().expect("config partition");
    assert_eq!(config.size_bytes(), image_builder::CONFIG_PARTITION_BYTES);
    assert_eq!(
        config.start_bytes() % (1 << 20),
        0,
        "config partition not 1 MiB aligned"
    );
    assert!(
        config.start_bytes() >= boot.start_bytes() + boot.size_bytes(),
        "config overlaps the boot partition"
    );
    assert_eq!(
        config.start_bytes() + config.size_bytes(),
        on_disk.image_bytes
    );
}

#[test]
fn image_is_deterministic() {
    let (path, _) = image(KernelFlavor::Appliance);
    let kernel = image_builder::build_kernel(KernelFlavor::Appliance).unwrap();
    let again = path.with_file_name("appliance-determinism-check.img");
    image_builder::create_image(&kernel, &again).unwrap();
    let (a, b) = (
        std::fs::read(&path).unwrap(),
        std::fs::read(&again).unwrap(),
    );
    std::fs::remove_file(&again).unwrap();
    assert!(a == b, "two builds of the same kernel differ");
}
