//! The config partition on both disk controllers the kernel drives: the legacy IDE primary master (ATA
//! PIO) and virtio-blk. The kernel's `disk` suite reads, writes and range-checks the partition through
//! each (writes go to QEMU's throw-away overlay), and the appliance names the disk it found and reports the
//! partition's size as `total-hdd-space`.

use tests::*;

const PASS: i32 = 33;

/// Runs the kernel's `disk` suite with the image on `disk` and returns the console transcript.
fn disk_suite(firmware: Firmware, disk: DiskInterface) -> String {
    let mut config = config(KernelFlavor::Test, firmware);
    config.disk = disk;
    let mut vm = boot_until(&config, "ktest: ready");
    vm.send("disk\r").unwrap();
    let status = vm.wait_exit(BOOT_TIMEOUT).unwrap_or_else(|e| panic!("{e}"));
    let output = vm.output();
    assert_eq!(
        status.code(),
        Some(PASS),
        "{firmware:?}, {disk:?}: disk suite failed:\n{output}"
    );
    assert!(
        output.contains("ktest: all") && !output.contains("FAILED"),
        "{firmware:?}, {disk:?}:\n{output}"
    );
    println!(
        "disk suite ({firmware:?}, {disk:?}): {} ms from QEMU start to exit",
        vm.elapsed().as_millis()
    );
    output
}

/// What the kernel calls each disk in its log (`disk: config partition on <source>, ...`).
fn source(disk: DiskInterface) -> &'static str {
    match disk {
        DiskInterface::Ide => "on ata primary master",
        DiskInterface::VirtioBlk => "on virtio-blk at ",
    }
}

fn suite_runs_on(firmware: Firmware, disk: DiskInterface) {
    let output = disk_suite(firmware, disk);
    let tested = format!("ktest: disk: config partition {}", source(disk));
    assert!(
        output.contains(&tested),
        "suite did not run on {disk:?}:\n{output}"
    );
}

#[test]
fn disk_suite_passes_on_ide_under_bios() {
    suite_runs_on(Firmware::Bios, DiskInterface::Ide);
}

#[test]
fn disk_suite_passes_on_virtio_blk_under_bios() {
    suite_runs_on(Firmware::Bios, DiskInterface::VirtioBlk);
}

#[test]
fn disk_suite_passes_on_virtio_blk_under_uefi() {
    suite_runs_on(Firmware::Uefi, DiskInterface::VirtioBlk);
}

#[test]
fn appliance_finds_its_config_partition_on_ide_and_virtio_blk() {
    for disk in [DiskInterface::Ide, DiskInterface::VirtioBlk] {
        let mut config = config(KernelFlavor::Appliance, Firmware::Bios);
        config.disk = disk;
        let mut vm = boot_and_login(&config);
        let log = vm.output();
        let found = format!("disk: config partition {}", source(disk));
        assert!(log.contains(&found), "{disk:?}: no {found:?} in:\n{log}");
        assert!(
            log.contains("4096 KiB at sector"),
            "{disk:?}: partition size not logged:\n{log}"
        );
        let listing = run_command(&mut vm, "/system resource print");
        assert_eq!(
            property(&listing, "total-hdd-space"),
            Some("4.0MiB"),
            "{disk:?}:\n{listing}"
        );
    }
}
