//! Block-device tests: MBR parsing of good, malformed and real-layout tables, and the partition view's
//! bounds.

use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;

use super::*;

/// Distinct, position-dependent bytes so a misplaced sector shows up.
fn pattern(sectors: usize, seed: u8) -> Vec<u8> {
    (0..sectors * SECTOR_SIZE)
        .map(|i| (i as u8).wrapping_mul(31) ^ (i / SECTOR_SIZE) as u8 ^ seed)
        .collect()
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

// ---- RAM disk ------------------------------------------------------------

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
