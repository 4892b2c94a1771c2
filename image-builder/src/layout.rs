//! The MBR partition table of the image and the config partition appended to it.
//!
//! MBR layout: the partition table starts at byte 446 of sector 0, four 16-byte entries
//! (status, CHS first, type, CHS last, LBA start u32 LE, sector count u32 LE), then the 0x55AA signature.
//! `bootloader` fills entries 1 and 2; entry 3 becomes the config partition, 1 MiB aligned after the FAT
//! boot partition. CHS fields are left as "use LBA" (0xFFFFFE), as every partition tool does for large disks.

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Size of the config partition (two slots for the config store plus room to grow).
pub const CONFIG_PARTITION_BYTES: u64 = 4 << 20;
/// Partition type 0xDA: "non-FS data", so no OS tries to mount it.
pub const CONFIG_PARTITION_TYPE: u8 = 0xDA;

const SECTOR: u64 = 512;
const TABLE_OFFSET: usize = 446;
const ALIGN: u64 = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartitionEntry {
    pub bootable: bool,
    pub kind: u8,
    pub first_lba: u32,
    pub sectors: u32,
}

impl PartitionEntry {
    fn decode(bytes: &[u8]) -> Option<Self> {
        let kind = bytes[4];
        if kind == 0 {
            return None;
        }
        let u32_at =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        Some(Self {
            bootable: bytes[0] == 0x80,
            kind,
            first_lba: u32_at(8),
            sectors: u32_at(12),
        })
    }

    fn encode(&self) -> [u8; 16] {
        let mut bytes = [0u8; 16];
        bytes[0] = if self.bootable { 0x80 } else { 0 };
        bytes[1..4].copy_from_slice(&[0xFE, 0xFF, 0xFF]);
        bytes[4] = self.kind;
        bytes[5..8].copy_from_slice(&[0xFE, 0xFF, 0xFF]);
        bytes[8..12].copy_from_slice(&self.first_lba.to_le_bytes());
        bytes[12..16].copy_from_slice(&self.sectors.to_le_bytes());
        bytes
    }

    pub fn start_bytes(&self) -> u64 {
        u64::from(self.first_lba) * SECTOR
    }

    pub fn size_bytes(&self) -> u64 {
        u64::from(self.sectors) * SECTOR
    }
}

/// The partitions of a finished image, for the build report and tests.
#[derive(Clone, Debug)]
pub struct ImageLayout {
    pub image_bytes: u64,
    pub partitions: [Option<PartitionEntry>; 4],
}

impl ImageLayout {
    pub fn config_partition(&self) -> Option<PartitionEntry> {
        self.partitions
            .iter()
            .flatten()
            .copied()
            .find(|p| p.kind == CONFIG_PARTITION_TYPE)
    }
}

/// Reads the four primary partition entries of an MBR disk image.
pub fn read_partitions(image: &Path) -> Result<ImageLayout, String> {
    let mut file =
        std::fs::File::open(image).map_err(|e| format!("cannot open {}: {e}", image.display()))?;
    let mut mbr = [0u8; 512];
    file.read_exact(&mut mbr)
        .map_err(|e| format!("cannot read the MBR: {e}"))?;
    if mbr[510..512] != [0x55, 0xAA] {
        return Err("no MBR signature".into());
    }
    let image_bytes = file.metadata().map_err(|e| e.to_string())?.len();
    let mut partitions = [None; 4];
    for (i, slot) in partitions.iter_mut().enumerate() {
        let start = TABLE_OFFSET + 16 * i;
        *slot = PartitionEntry::decode(&mbr[start..start + 16]);
    }
    Ok(ImageLayout {
        image_bytes,
        partitions,
    })
}

/// Appends the zeroed config partition and records it in MBR entry 3.
pub fn add_config_partition(image: &Path) -> Result<ImageLayout, String> {
    let layout = read_partitions(image)?;
    if layout.partitions[2].is_some() {
        return Err("MBR entry 3 is already in use".into());
    }
    let used_end = layout
        .partitions
        .iter()
        .flatten()
        .map(|p| p.start_bytes() + p.size_bytes())
        .max()
        .unwrap_or(SECTOR);
    let start = used_end.max(layout.image_bytes).div_ceil(ALIGN) * ALIGN;
    let entry = PartitionEntry {
        bootable: false,
        kind: CONFIG_PARTITION_TYPE,
        first_lba: u32::try_from(start / SECTOR).map_err(|_| "image too large for MBR")?,
        sectors: (CONFIG_PARTITION_BYTES / SECTOR) as u32,
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(image)
        .map_err(|e| e.to_string())?;
    file.set_len(start + CONFIG_PARTITION_BYTES)
        .map_err(|e| format!("cannot extend the image: {e}"))?;
    file.seek(SeekFrom::Start((TABLE_OFFSET + 32) as u64))
        .map_err(|e| e.to_string())?;
    file.write_all(&entry.encode())
        .map_err(|e| format!("cannot write the partition table: {e}"))?;
    file.sync_all().map_err(|e| e.to_string())?;
    drop(file);
    read_partitions(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip() {
        let entry = PartitionEntry {
            bootable: true,
            kind: 0x0C,
            first_lba: 2048,
            sectors: 8192,
        };
        assert_eq!(PartitionEntry::decode(&entry.encode()), Some(entry));
        assert_eq!(PartitionEntry::decode(&[0u8; 16]), None);
    }

    #[test]
    fn config_partition_is_appended_aligned_and_recorded() {
        let dir = std::env::temp_dir().join(format!("layout-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let image = dir.join("disk.img");
        let mut mbr = vec![0u8; 512 * 100];
        mbr[510] = 0x55;
        mbr[511] = 0xAA;
        let boot = PartitionEntry {
            bootable: true,
            kind: 0x0C,
            first_lba: 10,
            sectors: 90,
        };
        mbr[TABLE_OFFSET + 16..TABLE_OFFSET + 32].copy_from_slice(&boot.encode());
        std::fs::write(&image, &mbr).unwrap();

        let layout = add_config_partition(&image).unwrap();
        let config = layout.config_partition().unwrap();
        assert_eq!(config.start_bytes(), ALIGN);
        assert_eq!(config.size_bytes(), CONFIG_PARTITION_BYTES);
        assert_eq!(layout.image_bytes, ALIGN + CONFIG_PARTITION_BYTES);
        assert_eq!(layout.partitions[1], Some(boot));
        assert!(
            add_config_partition(&image).is_err(),
            "entry 3 must not be overwritten"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
