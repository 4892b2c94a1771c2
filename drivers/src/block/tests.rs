//! Block-device tests: the ATA driver against the protocol-checking [`FakeAta`], MBR parsing of good,
//! malformed and real-layout tables, the partition view's bounds, and the whole stack (ATA disk → MBR →
//! config partition) as the kernel will assemble it.

use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;

use super::ata::{
    CMD_FLUSH_CACHE, CMD_FLUSH_CACHE_EXT, CMD_IDENTIFY_DEVICE, CMD_READ_SECTORS,
    CMD_READ_SECTORS_EXT, CMD_WRITE_SECTORS, CMD_WRITE_SECTORS_EXT, ERROR_IDNF, ERROR_UNC,
    STATUS_ERR,
};
use super::fake_ata::{FakeAta, Presence};
use super::*;

/// Distinct, position-dependent bytes so a misplaced sector shows up.
fn pattern(sectors: usize, seed: u8) -> Vec<u8> {
    (0..sectors * SECTOR_SIZE)
        .map(|i| (i as u8).wrapping_mul(31) ^ (i / SECTOR_SIZE) as u8 ^ seed)
        .collect()
}

fn disk(fake: FakeAta) -> AtaDisk<FakeAta> {
    AtaDisk::probe(fake, AtaDrive::Master).expect("probe")
}

/// The fake saw no protocol violation and no interrupt (the driver runs with nIEN set).
fn assert_clean(disk: &AtaDisk<FakeAta>) {
    assert_eq!(disk.ports().violations, Vec::<alloc::string::String>::new());
    assert_eq!(disk.ports().interrupts, 0);
}

fn probe_error(fake: FakeAta, drive: AtaDrive, poll_limit: u32) -> BlockError {
    match AtaDisk::probe_with_poll_limit(fake, drive, poll_limit) {
        Ok(_) => panic!("probe succeeded"),
        Err(refused) => refused.error,
    }
}

// ---- IDENTIFY DEVICE -------------------------------------------------------------------------------

#[test]
fn identify_reads_size_and_features_of_a_28_bit_disk() {
    let disk = disk(FakeAta::new(14336, false));
    let id = disk.identity();
    assert_eq!(id.sectors, 14336);
    assert!(!id.lba48);
    assert!(id.flush_cache && !id.flush_cache_ext);
    assert_eq!(id.model, "FAKE ATA DISK");
    assert_eq!(id.serial, "FAKE0001");
    assert_eq!(id.firmware, "1.0");
    assert_eq!(disk.sector_count(), 14336);
    assert_eq!(disk.ports().commands, vec![CMD_IDENTIFY_DEVICE]);
    assert_clean(&disk);
}

#[test]
fn identify_takes_the_48_bit_size_from_words_100_to_103() {
    let sectors = (1u64 << 40) + 12345;
    let disk = disk(FakeAta::new(sectors, true));
    assert!(disk.identity().lba48 && disk.identity().flush_cache_ext);
    assert_eq!(disk.sector_count(), sectors);
    assert_clean(&disk);
}

fn identify_words(sectors28: u32) -> [u16; 256] {
    let mut words = [0u16; 256];
    words[0] = 0x0040;
    words[49] = 1 << 9;
    words[60] = sectors28 as u16;
    words[61] = (sectors28 >> 16) as u16;
    words[83] = 0x4000 | (1 << 12);
    words
}

#[test]
fn identify_data_is_validated() {
    assert_eq!(
        AtaIdentity::parse(&identify_words(1000)).unwrap().sectors,
        1000
    );
    // Integrity word present but the checksum is wrong.
    let mut words = identify_words(1000);
    words[255] = 0x12A5;
    assert_eq!(AtaIdentity::parse(&words), Err(BlockError::Protocol));
    // No LBA support, or an ATAPI device's word 0.
    let mut words = identify_words(1000);
    words[49] = 0;
    assert_eq!(AtaIdentity::parse(&words), Err(BlockError::Unsupported));
    let mut words = identify_words(1000);
    words[0] = 0x85C0;
    assert_eq!(AtaIdentity::parse(&words), Err(BlockError::Unsupported));
    // Zero sectors.
    assert_eq!(
        AtaIdentity::parse(&identify_words(0)),
        Err(BlockError::Protocol)
    );
    // Word 83 without its 01b validity pattern: feature bits (LBA48 here) are ignored.
    let mut words = identify_words(1000);
    words[83] = 0xFFFF;
    words[100] = 7;
    let id = AtaIdentity::parse(&words).unwrap();
    assert!(!id.lba48 && !id.flush_cache);
    assert_eq!(id.sectors, 1000);
}

// ---- detection and failures to probe ----------------------------------------------------------------

#[test]
fn absent_devices_are_not_present() {
    for presence in [Presence::Absent, Presence::FloatingBus] {
        assert_eq!(
            probe_error(FakeAta::with_presence(presence), AtaDrive::Master, 1000),
            BlockError::NotPresent,
            "{presence:?}"
        );
    }
    // A disk at device 0, nothing at device 1.
    assert_eq!(
        probe_error(FakeAta::new(100, false), AtaDrive::Slave, 1000),
        BlockError::NotPresent
    );
}

#[test]
fn packet_devices_are_refused() {
    assert_eq!(
        probe_error(
            FakeAta::with_presence(Presence::Packet),
            AtaDrive::Master,
            1000
        ),
        BlockError::Unsupported
    );
}

#[test]
fn a_device_that_stays_busy_times_out_and_the_ports_are_handed_back() {
    let mut fake = FakeAta::new(100, false);
    fake.stays_busy = true;
    let refused = AtaDisk::probe_with_poll_limit(fake, AtaDrive::Master, 500).unwrap_err();
    assert_eq!(refused.error, BlockError::Timeout);
    let fake = refused.returned;
    assert!(fake.commands.is_empty(), "no command while BSY");
    assert!(fake.status_reads <= 520, "bounded: {}", fake.status_reads);
}

#[test]
fn polling_waits_through_long_busy_periods_but_not_forever() {
    let mut fake = FakeAta::new(100, false);
    fake.busy_polls = 200;
    let mut disk = AtaDisk::probe_with_poll_limit(fake, AtaDrive::Master, 300).unwrap();
    let data = pattern(3, 1);
    disk.write(5, &data).unwrap();
    let mut back = vec![0u8; data.len()];
    disk.read(5, &mut back).unwrap();
    assert_eq!(back, data);
    assert_clean(&disk);

    let mut fake = FakeAta::new(100, false);
    fake.busy_polls = 200;
    assert_eq!(
        probe_error(fake, AtaDrive::Master, 150),
        BlockError::Timeout
    );
}

// ---- reads and writes -----------------------------------------------------------------------------

#[test]
fn single_sector_round_trip() {
    let mut disk = disk(FakeAta::new(1000, false));
    let data = pattern(1, 7);
    disk.write(42, &data).unwrap();
    assert_eq!(disk.ports().sector(42).as_slice(), &data[..]);
    let mut back = [0u8; SECTOR_SIZE];
    disk.read(42, &mut back).unwrap();
    assert_eq!(&back[..], &data[..]);
    disk.read(41, &mut back).unwrap();
    assert_eq!(back, [0u8; SECTOR_SIZE], "neighbour untouched");
    assert_eq!(
        disk.ports().commands,
        vec![
            CMD_IDENTIFY_DEVICE,
            CMD_WRITE_SECTORS,
            CMD_READ_SECTORS,
            CMD_READ_SECTORS
        ]
    );
    assert_clean(&disk);
}

#[test]
fn multi_sector_requests_are_split_at_256_sectors_for_28_bit_commands() {
    let mut disk = disk(FakeAta::new(4096, false));
    let data = pattern(300, 3);
    disk.write(1000, &data).unwrap();
    for i in 0..300 {
        let expected = &data[i * SECTOR_SIZE..(i + 1) * SECTOR_SIZE];
        assert_eq!(disk.ports().sector(1000 + i as u64).as_slice(), expected);
    }
    let mut back = vec![0u8; data.len()];
    disk.read(1000, &mut back).unwrap();
    assert_eq!(back, data);
    assert_eq!(
        disk.ports().commands[1..],
        [
            CMD_WRITE_SECTORS,
            CMD_WRITE_SECTORS,
            CMD_READ_SECTORS,
            CMD_READ_SECTORS
        ]
    );
    assert_clean(&disk);
}

#[test]
fn a_full_256_sector_command_uses_count_zero() {
    let mut disk = disk(FakeAta::new(1024, false));
    let data = pattern(256, 9);
    disk.write(0, &data).unwrap();
    let mut back = vec![0u8; data.len()];
    disk.read(0, &mut back).unwrap();
    assert_eq!(back, data);
    assert_eq!(disk.ports().commands.len(), 3, "one command each way");
    assert_clean(&disk);
}

#[test]
fn lba48_round_trip_far_above_128_gib() {
    let sectors = 1u64 << 40;
    let mut disk = disk(FakeAta::new(sectors, true));
    // Every address byte distinct, so a swapped or stale "previous" register byte lands elsewhere.
    let lba = 0x00AB_CDEF_1234;
    let data = pattern(5, 0x5A);
    disk.write(lba, &data).unwrap();
    for i in 0..5u64 {
        let start = i as usize * SECTOR_SIZE;
        assert_eq!(
            disk.ports().sector(lba + i).as_slice(),
            &data[start..start + SECTOR_SIZE]
        );
    }
    let mut back = vec![0u8; data.len()];
    disk.read(lba, &mut back).unwrap();
    assert_eq!(back, data);
    // The last sector of the disk.
    let last = pattern(1, 1);
    disk.write(sectors - 1, &last).unwrap();
    let mut one = [0u8; SECTOR_SIZE];
    disk.read(sectors - 1, &mut one).unwrap();
    assert_eq!(&one[..], &last[..]);
    assert!(
        disk.ports().commands[1..]
            .iter()
            .all(|c| [CMD_WRITE_SECTORS_EXT, CMD_READ_SECTORS_EXT].contains(c))
    );
    assert_clean(&disk);
}

#[test]
fn requests_crossing_sector_2_28_use_the_ext_commands() {
    let mut disk = disk(FakeAta::new(1 << 29, true));
    let lba = (1 << 28) - 2;
    let data = pattern(4, 2);
    disk.write(lba, &data).unwrap();
    let mut back = vec![0u8; data.len()];
    disk.read(lba, &mut back).unwrap();
    assert_eq!(back, data);
    // Below 2^28 the 28-bit forms are used even on a 48-bit disk.
    disk.read(lba - 10, &mut back[..SECTOR_SIZE]).unwrap();
    assert_eq!(
        disk.ports().commands[1..],
        [
            CMD_WRITE_SECTORS_EXT,
            CMD_READ_SECTORS_EXT,
            CMD_READ_SECTORS
        ]
    );
    assert_clean(&disk);
}

#[test]
fn large_lba48_requests_are_single_commands() {
    let mut disk = disk(FakeAta::new(1 << 30, true));
    let lba = 1 << 29;
    let data = pattern(600, 4);
    disk.write(lba, &data).unwrap();
    let mut back = vec![0u8; data.len()];
    disk.read(lba, &mut back).unwrap();
    assert_eq!(back, data);
    assert_eq!(
        disk.ports().commands[1..],
        [CMD_WRITE_SECTORS_EXT, CMD_READ_SECTORS_EXT]
    );
    assert_clean(&disk);
}

// ---- flush ---------------------------------------------------------------------------------------

#[test]
fn writes_reach_stable_storage_only_after_flush() {
    let mut disk = disk(FakeAta::new(1000, false));
    let data = pattern(2, 8);
    disk.write(10, &data).unwrap();
    assert_eq!(disk.ports().media_sector(10), [0u8; SECTOR_SIZE]);
    assert_eq!(disk.ports().unflushed(), 2);
    disk.flush().unwrap();
    assert_eq!(disk.ports().unflushed(), 0);
    assert_eq!(
        disk.ports().media_sector(11).as_slice(),
        &data[SECTOR_SIZE..]
    );
    assert_eq!(disk.ports().commands.last(), Some(&CMD_FLUSH_CACHE));
    assert_eq!(disk.ports().flushes, 1);

    // A power cut loses what was not flushed, and only that.
    disk.write(10, &pattern(1, 99)).unwrap();
    disk.ports_mut().power_cut();
    let mut back = [0u8; SECTOR_SIZE];
    disk.read(10, &mut back).unwrap();
    assert_eq!(&back[..], &data[..SECTOR_SIZE]);
    assert_clean(&disk);
}

#[test]
fn lba48_disks_flush_with_flush_cache_ext() {
    let mut disk = disk(FakeAta::new(1 << 30, true));
    disk.write(1 << 29, &pattern(1, 0)).unwrap();
    disk.flush().unwrap();
    assert_eq!(disk.ports().commands.last(), Some(&CMD_FLUSH_CACHE_EXT));
    assert_eq!(disk.ports().unflushed(), 0);
    assert_clean(&disk);
}

#[test]
fn a_device_without_flush_support_that_aborts_flush_is_fine() {
    let mut fake = FakeAta::new(1000, false);
    fake.no_flush_support = true;
    let mut disk = disk(fake);
    assert!(!disk.identity().flush_cache);
    assert_eq!(disk.flush(), Ok(()));
    // A device that claims support and aborts is an error.
    let mut disk = disk_with_failing_flush();
    assert!(matches!(
        disk.flush(),
        Err(BlockError::DeviceError { status, .. }) if status & STATUS_ERR != 0
    ));
}

fn disk_with_failing_flush() -> AtaDisk<FakeAta> {
    let mut disk = disk(FakeAta::new(1000, false));
    disk.ports_mut().no_flush_support = true; // identity was read while flush was supported
    disk
}

// ---- device errors and timeouts ---------------------------------------------------------------------

#[test]
fn a_bad_sector_fails_the_read_with_unc_and_the_device_recovers() {
    let mut fake = FakeAta::new(1000, false);
    fake.bad_sectors.insert(102);
    let mut disk = disk(fake);
    let mut buf = vec![0u8; 5 * SECTOR_SIZE];
    let error = disk.read(100, &mut buf).unwrap_err();
    match error {
        BlockError::DeviceError { status, error } => {
            assert_ne!(status & STATUS_ERR, 0);
            assert_eq!(error, ERROR_UNC);
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("UNC"), "{error}");
    // The sectors around it still read.
    disk.read(100, &mut buf[..2 * SECTOR_SIZE]).unwrap();
    disk.read(103, &mut buf[..2 * SECTOR_SIZE]).unwrap();
    assert_clean(&disk);
}

#[test]
fn a_bad_sector_fails_the_write_with_idnf() {
    let mut fake = FakeAta::new(1000, false);
    fake.bad_sectors.insert(7);
    let mut disk = disk(fake);
    let data = pattern(4, 1);
    assert!(matches!(
        disk.write(5, &data),
        Err(BlockError::DeviceError { error, .. }) if error == ERROR_IDNF
    ));
    // Sectors before the bad one were written, none after.
    assert_eq!(
        disk.ports().sector(6).as_slice(),
        &data[SECTOR_SIZE..2 * SECTOR_SIZE]
    );
    assert_eq!(disk.ports().sector(8), [0u8; SECTOR_SIZE]);
    disk.write(8, &data[..SECTOR_SIZE]).unwrap();
    assert_clean(&disk);
}

#[test]
fn a_hung_command_times_out_and_reset_recovers_the_device() {
    let mut disk =
        AtaDisk::probe_with_poll_limit(FakeAta::new(1000, false), AtaDrive::Master, 1000).unwrap();
    disk.ports_mut().hang_on = Some(CMD_READ_SECTORS);
    let mut buf = [0u8; SECTOR_SIZE];
    let before = disk.ports().status_reads;
    assert_eq!(disk.read(3, &mut buf), Err(BlockError::Timeout));
    assert!(disk.ports().status_reads - before <= 1100, "bounded wait");
    // Still hung: the next command cannot even start.
    assert_eq!(disk.write(3, &buf), Err(BlockError::Timeout));
    disk.ports_mut().hang_on = None;
    disk.reset().unwrap();
    disk.write(3, &pattern(1, 3)).unwrap();
    disk.read(3, &mut buf).unwrap();
    assert_eq!(&buf[..], &pattern(1, 3)[..]);
    assert_clean(&disk);
}

#[test]
fn a_hung_flush_times_out() {
    let mut disk =
        AtaDisk::probe_with_poll_limit(FakeAta::new(1000, false), AtaDrive::Master, 100).unwrap();
    disk.ports_mut().hang_on = Some(CMD_FLUSH_CACHE);
    assert_eq!(disk.flush(), Err(BlockError::Timeout));
}

// ---- requests refused before touching the device ------------------------------------------------

#[test]
fn bad_buffer_lengths_are_refused_without_a_command() {
    let mut disk = disk(FakeAta::new(1000, false));
    for len in [0, 1, 511, 513, 1000] {
        let mut buf = vec![0u8; len];
        assert_eq!(
            disk.read(0, &mut buf),
            Err(BlockError::BadBufferLength(len))
        );
        assert_eq!(disk.write(0, &buf), Err(BlockError::BadBufferLength(len)));
    }
    assert_eq!(disk.ports().commands, vec![CMD_IDENTIFY_DEVICE]);
}

#[test]
fn out_of_range_requests_are_refused_without_a_command() {
    let mut disk = disk(FakeAta::new(1000, false));
    let mut buf = vec![0u8; 2 * SECTOR_SIZE];
    for lba in [999, 1000, u64::MAX, u64::MAX - 1] {
        assert!(matches!(
            disk.read(lba, &mut buf),
            Err(BlockError::OutOfRange { capacity: 1000, .. })
        ));
        assert!(matches!(
            disk.write(lba, &buf),
            Err(BlockError::OutOfRange { .. })
        ));
    }
    disk.read(998, &mut buf).unwrap();
    assert_eq!(
        disk.ports().commands,
        vec![CMD_IDENTIFY_DEVICE, CMD_READ_SECTORS]
    );
}

#[test]
fn errors_display_what_happened() {
    let range = BlockError::OutOfRange {
        lba: 10,
        sectors: 2,
        capacity: 11,
    };
    assert_eq!(
        range.to_string(),
        "sectors 10..12 out of range (device has 11)"
    );
    let device = BlockError::DeviceError {
        status: 0x51,
        error: 0x14,
    };
    assert_eq!(
        device.to_string(),
        "device error (status 0x51, error 0x14 IDNF ABRT)"
    );
    assert_eq!(BlockError::Timeout.to_string(), "device timed out");
}

// ---- the fake itself catches host mistakes ------------------------------------------------------

#[test]
fn the_fake_flags_a_data_read_before_drq() {
    let mut fake = FakeAta::new(100, false);
    fake.write_device_control(0x02);
    fake.write8(AtaRegister::Device, 0xE0);
    fake.write8(AtaRegister::SectorCount, 1);
    fake.write8(AtaRegister::StatusCommand, CMD_READ_SECTORS);
    // No 400 ns delay, no BSY poll: the data is not there yet.
    fake.read16();
    assert_eq!(fake.violations.len(), 1, "{:?}", fake.violations);
}

#[test]
fn the_fake_shows_stale_status_right_after_a_command() {
    let mut fake = FakeAta::new(100, false);
    fake.busy_polls = 0;
    fake.write_device_control(0x02);
    fake.write8(AtaRegister::Device, 0xE0);
    fake.write8(AtaRegister::SectorCount, 1);
    fake.write8(AtaRegister::StatusCommand, CMD_READ_SECTORS);
    // A host polling "BSY clear?" at once would see the pre-command idle status: no DRQ.
    assert_eq!(fake.read_alt_status() & 0x88, 0);
    for _ in 0..3 {
        fake.read_alt_status();
    }
    assert_eq!(fake.read_alt_status() & 0x88, 0x08);
    // Writing the command block during a DRQ block is a violation.
    fake.write8(AtaRegister::LbaLow, 1);
    assert_eq!(fake.violations.len(), 1, "{:?}", fake.violations);
}

#[test]
fn the_fake_decodes_48_bit_registers_as_fifos() {
    // Each address register is a two-deep FIFO: the first write becomes the high-order byte.
    let mut fake = FakeAta::new(1 << 48, true);
    fake.busy_polls = 0;
    fake.write_device_control(0x02);
    fake.write8(AtaRegister::Device, 0xE0);
    for reg in [
        AtaRegister::LbaLow,
        AtaRegister::LbaMid,
        AtaRegister::LbaHigh,
    ] {
        fake.write8(reg, 0xFF);
        fake.write8(reg, 0x01);
    }
    fake.write8(AtaRegister::SectorCount, 0);
    fake.write8(AtaRegister::SectorCount, 1);
    fake.write8(AtaRegister::StatusCommand, CMD_WRITE_SECTORS_EXT);
    for _ in 0..5 {
        fake.read_alt_status();
    }
    for _ in 0..256 {
        fake.write16(0xBEEF);
    }
    // The sector is stored once the device has finished with it (after the 400 ns and BSY).
    for _ in 0..5 {
        fake.read_alt_status();
    }
    assert!(fake.violations.is_empty(), "{:?}", fake.violations);
    assert_eq!(fake.sector(0xFFFF_FF01_0101)[0], 0xEF);
}

// ---- MBR ------------------------------------------------------------------------------------------

/// One partition entry as the image builder (and `bootloader`) encode it.
fn entry(bootable: bool, kind: u8, first_lba: u32, sectors: u32, chs: [u8; 3]) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    bytes[0] = if bootable { 0x80 } else { 0 };
    bytes[1..4].copy_from_slice(&chs);
    bytes[4] = kind;
    bytes[5..8].copy_from_slice(&chs);
    bytes[8..12].copy_from_slice(&first_lba.to_le_bytes());
    bytes[12..16].copy_from_slice(&sectors.to_le_bytes());
    bytes
}

fn mbr(entries: &[(usize, [u8; 16])]) -> [u8; SECTOR_SIZE] {
    let mut sector = [0u8; SECTOR_SIZE];
    // Boot code in front of the table, as a real boot sector has.
    for (i, b) in sector[..446].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(7) | 1;
    }
    for (index, bytes) in entries {
        sector[446 + 16 * index..446 + 16 * (index + 1)].copy_from_slice(bytes);
    }
    sector[510] = 0x55;
    sector[511] = 0xAA;
    sector
}

/// The appliance image as image-builder lays it out (numbers read from a built `appliance.img`):
/// `bootloader` writes entry 1 (its BIOS second stage, type 0x20) and entry 2 (the active FAT partition),
/// both with zero CHS fields; `add_config_partition` appends entry 3, type 0xDA, 4 MiB, at the first
/// 1 MiB boundary after the used sectors, with "use LBA" CHS fields 0xFFFFFE.
const IMAGE_SECTORS: u64 = 14336;
const CONFIG_FIRST_LBA: u32 = 6144;
const CONFIG_SECTORS: u32 = 8192;

fn appliance_mbr() -> [u8; SECTOR_SIZE] {
    // The image builder's placement rule, recomputed: 1 MiB alignment after the FAT partition's end.
    let fat_end = 962u64 + 4096;
    let align = (1 << 20) / SECTOR_SIZE as u64;
    assert_eq!(fat_end.div_ceil(align) * align, u64::from(CONFIG_FIRST_LBA));
    assert_eq!(CONFIG_SECTORS as usize * SECTOR_SIZE, 4 << 20);
    mbr(&[
        (0, entry(true, 0x20, 1, 961, [0; 3])),
        (1, entry(true, 0x0C, 962, 4096, [0; 3])),
        (
            2,
            entry(
                false,
                CONFIG_PARTITION_TYPE,
                CONFIG_FIRST_LBA,
                CONFIG_SECTORS,
                [0xFE, 0xFF, 0xFF],
            ),
        ),
    ])
}

#[test]
fn the_appliance_image_mbr_yields_the_config_partition() {
    let table = PartitionTable::parse(&appliance_mbr(), IMAGE_SECTORS).unwrap();
    assert_eq!(table.entries().count(), 3);
    let config = table.find(CONFIG_PARTITION_TYPE).unwrap();
    assert_eq!(
        config,
        MbrEntry {
            index: 2,
            bootable: false,
            kind: 0xDA,
            first_lba: CONFIG_FIRST_LBA,
            sectors: CONFIG_SECTORS,
        }
    );
    assert_eq!(
        config.end_lba(),
        IMAGE_SECTORS,
        "the config partition ends the image"
    );
    assert_eq!(table.find(0x0C).unwrap().first_lba, 962);
    assert!(table.find(0x0C).unwrap().bootable);
}

#[test]
fn malformed_tables_are_errors() {
    let good = entry(false, 0xDA, 2048, 2048, [0; 3]);
    let check = |sector: [u8; SECTOR_SIZE], expected: PartitionError| {
        assert_eq!(PartitionTable::parse(&sector, 8192), Err(expected));
    };

    let mut unsigned = mbr(&[(0, good)]);
    unsigned[511] = 0;
    check(unsigned, PartitionError::NoSignature);
    check(
        mbr(&[(0, good), (1, entry(false, 0x83, 100, 0, [0; 3]))]),
        PartitionError::ZeroLength { index: 1 },
    );
    check(
        mbr(&[(3, entry(false, 0x83, 0, 100, [0; 3]))]),
        PartitionError::OverlapsMbr { index: 3 },
    );
    check(
        mbr(&[(0, entry(false, 0xDA, 8000, 193, [0; 3]))]),
        PartitionError::BeyondDisk {
            index: 0,
            end: 8193,
            disk: 8192,
        },
    );
    // u32::MAX start plus u32::MAX length must not overflow.
    check(
        mbr(&[(0, entry(false, 0xDA, u32::MAX, u32::MAX, [0; 3]))]),
        PartitionError::BeyondDisk {
            index: 0,
            end: 2 * u64::from(u32::MAX),
            disk: 8192,
        },
    );
    check(
        mbr(&[(0, good), (2, entry(false, 0x0C, 4000, 200, [0; 3]))]),
        PartitionError::Overlapping {
            first: 0,
            second: 2,
        },
    );
    let mut bad_status = mbr(&[(0, good)]);
    bad_status[446 + 16] = 0x01;
    check(
        bad_status,
        PartitionError::BadStatus {
            index: 1,
            status: 0x01,
        },
    );
}

#[test]
fn lookups_by_type_fail_cleanly() {
    let table = PartitionTable::parse(&mbr(&[]), 100).unwrap();
    assert_eq!(table.entries().count(), 0);
    assert_eq!(
        table.find(0xDA),
        Err(PartitionError::NotFound { kind: 0xDA })
    );
    let two = mbr(&[
        (0, entry(false, 0xDA, 10, 10, [0; 3])),
        (1, entry(false, 0xDA, 20, 10, [0; 3])),
    ]);
    let table = PartitionTable::parse(&two, 100).unwrap();
    assert_eq!(
        table.find(0xDA),
        Err(PartitionError::Ambiguous { kind: 0xDA })
    );
    assert_eq!(
        PartitionError::BeyondDisk {
            index: 0,
            end: 9,
            disk: 8
        }
        .to_string(),
        "partition 1: ends at sector 9, beyond the disk (8 sectors)"
    );
}

// ---- the partition view ---------------------------------------------------------------------------

fn ram_image() -> RamDisk {
    let mut image = vec![0u8; IMAGE_SECTORS as usize * SECTOR_SIZE];
    image[..SECTOR_SIZE].copy_from_slice(&appliance_mbr());
    RamDisk::from_image(image)
}

#[test]
fn the_partition_view_maps_lbas_and_refuses_everything_outside() {
    let mut ram = ram_image();
    let mut config = Partition::open(&mut ram, CONFIG_PARTITION_TYPE).unwrap();
    assert_eq!(config.sector_count(), u64::from(CONFIG_SECTORS));
    assert_eq!(config.first_lba(), u64::from(CONFIG_FIRST_LBA));

    let first = pattern(1, 1);
    let last = pattern(2, 2);
    config.write(0, &first).unwrap();
    config.write(u64::from(CONFIG_SECTORS) - 2, &last).unwrap();
    let mut buf = vec![0u8; 2 * SECTOR_SIZE];
    for lba in [
        u64::from(CONFIG_SECTORS) - 1,
        u64::from(CONFIG_SECTORS),
        u64::MAX,
    ] {
        assert!(matches!(
            config.write(lba, &buf),
            Err(BlockError::OutOfRange { capacity, .. }) if capacity == u64::from(CONFIG_SECTORS)
        ));
        assert!(matches!(
            config.read(lba, &mut buf),
            Err(BlockError::OutOfRange { .. })
        ));
    }
    assert_eq!(
        config.write(0, &[0u8; 10]),
        Err(BlockError::BadBufferLength(10))
    );
    config.flush().unwrap();

    let bytes = ram.as_bytes();
    let start = CONFIG_FIRST_LBA as usize * SECTOR_SIZE;
    assert_eq!(&bytes[start..start + SECTOR_SIZE], &first[..]);
    assert_eq!(&bytes[bytes.len() - 2 * SECTOR_SIZE..], &last[..]);
    // Nothing before the partition changed: the FAT partition's last sector is still zero.
    assert!(bytes[start - SECTOR_SIZE..start].iter().all(|&b| b == 0));
    assert_eq!(ram.flushes(), 1);
}

#[test]
fn opening_a_partition_hands_the_device_back_on_failure() {
    let ram = RamDisk::new(100);
    let refused = Partition::open(ram, CONFIG_PARTITION_TYPE).unwrap_err();
    assert_eq!(refused.error, PartitionError::NoSignature);
    assert_eq!(refused.returned.sector_count(), 100);

    // An entry that does not fit the device is refused even when built by hand.
    let entry = MbrEntry {
        index: 0,
        bootable: false,
        kind: 0xDA,
        first_lba: 50,
        sectors: 51,
    };
    let refused = Partition::new(RamDisk::new(100), &entry).unwrap_err();
    assert!(matches!(
        refused.error,
        PartitionError::BeyondDisk { end: 101, .. }
    ));
    // A disk too short for sector 0 reports the read error.
    assert!(matches!(
        Partition::open(RamDisk::new(0), 0xDA).unwrap_err().error,
        PartitionError::Read(BlockError::OutOfRange { .. })
    ));
}

// ---- the whole stack ------------------------------------------------------------------------------

#[test]
fn config_partition_on_an_ata_disk_end_to_end() {
    let mut image = vec![0u8; IMAGE_SECTORS as usize * SECTOR_SIZE];
    image[..SECTOR_SIZE].copy_from_slice(&appliance_mbr());
    let ata = disk(FakeAta::with_image(&image, false));
    let mut config = Partition::open(ata, CONFIG_PARTITION_TYPE).unwrap();
    let record = pattern(8, 0xC0);
    config.write(16, &record).unwrap();
    config.flush().unwrap();
    let mut back = vec![0u8; record.len()];
    config.read(16, &mut back).unwrap();
    assert_eq!(back, record);

    let ata = config.into_inner();
    let on_media = ata.ports().media_sector(u64::from(CONFIG_FIRST_LBA) + 16);
    assert_eq!(on_media.as_slice(), &record[..SECTOR_SIZE]);
    assert_eq!(
        ata.ports().media_sector(0),
        appliance_mbr(),
        "MBR untouched"
    );
    assert_clean(&ata);
}

// ---- RAM disk and virtio error mapping ------------------------------------------------------------

#[test]
fn ram_disk_checks_requests_like_the_drivers() {
    let mut ram = RamDisk::from_image(vec![1u8; 700]);
    assert_eq!(ram.sector_count(), 2);
    let mut buf = [0u8; SECTOR_SIZE];
    ram.read(1, &mut buf).unwrap();
    assert_eq!(buf[..188], [1u8; 188]);
    assert_eq!(buf[188..], [0u8; 324]);
    assert!(matches!(
        ram.write(2, &buf),
        Err(BlockError::OutOfRange { .. })
    ));
}

#[test]
fn virtio_errors_map_to_block_errors() {
    use super::virtio_blk::map_error;
    use virtio_drivers::Error;
    assert_eq!(map_error(Error::IoError), BlockError::Io);
    assert_eq!(map_error(Error::Unsupported), BlockError::Unsupported);
    assert_eq!(map_error(Error::NotReady), BlockError::Protocol);
    assert_eq!(map_error(Error::DmaError), BlockError::Protocol);
}
