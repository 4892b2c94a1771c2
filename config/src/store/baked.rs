//! The baked-config region: the `.rsc` script the image builder put on the partition as the appliance's
//! initial configuration (what it runs on first boot, when no configuration has been saved yet).
//!
//! Sector 1 is a sealed header (magic `APPLRSC\0`, format version, fields: text length u32, text CRC32
//! u32); the UTF-8 text follows from sector 2, zero-padded to a whole sector, at most
//! [`Layout::baked_capacity`] bytes. Only the image builder writes here, on the host, before the image
//! ever boots, so there is no crash protocol; reading still checks everything.

use alloc::string::String;

use drivers::block::{BlockDevice, SECTOR_SIZE};

use super::error::{Damage, StoreError};
use super::header;
use super::layout::{self, Layout};
use super::slot;

/// The baked header format described above.
pub const BAKED_FORMAT_VERSION: u16 = 1;

const BAKED_MAGIC: [u8; 8] = *b"APPLRSC\0";
/// text length u32, text CRC32 u32.
const FIELDS: usize = 8;

/// Writes the baked-config region of a config partition (used by the image builder on a partition-sized
/// device): the text, its header and the partition label. The slots are left alone. An empty `rsc` is
/// baked as an empty script (start with no configuration), unlike no baked script at all (start with the
/// default configuration).
pub fn write_baked<D: BlockDevice>(device: &mut D, rsc: &str) -> Result<(), StoreError> {
    let layout = Layout::for_sectors(device.sector_count())?;
    let max = layout.baked_capacity();
    let text = rsc.as_bytes();
    let len = u32::try_from(text.len())
        .ok()
        .filter(|_| text.len() <= max)
        .ok_or(StoreError::TooLarge {
            len: text.len(),
            max,
        })?;
    slot::write_payload(device, layout.baked_text_lba(), text)?;
    device.flush()?;
    let mut fields = [0u8; FIELDS];
    header::put(&mut fields, 0, &len.to_le_bytes());
    header::put(&mut fields, 4, &crc32fast::hash(text).to_le_bytes());
    let sealed = header::seal(&BAKED_MAGIC, BAKED_FORMAT_VERSION, &fields);
    device.write(layout.baked_header_lba(), &sealed)?;
    device.write(layout::LABEL_LBA, &layout::label_sector())?;
    device.flush()?;
    Ok(())
}

/// The baked text: `Ok(None)` if the header sector is blank.
pub(super) fn read<D: BlockDevice>(
    device: &mut D,
    layout: &Layout,
) -> Result<Option<String>, StoreError> {
    let mut sector = [0u8; SECTOR_SIZE];
    device.read(layout.baked_header_lba(), &mut sector)?;
    let fields = match header::open::<FIELDS>(&sector, &BAKED_MAGIC, BAKED_FORMAT_VERSION) {
        Ok(Some(fields)) => fields,
        Ok(None) => return Ok(None),
        Err(damage) => return Err(StoreError::BakedDamaged(damage)),
    };
    let len = header::le_u32(&fields, 0);
    let crc = header::le_u32(&fields, 4);
    let max = layout.baked_capacity();
    let len = usize::try_from(len)
        .ok()
        .filter(|&l| l <= max)
        .ok_or(StoreError::BakedDamaged(Damage::LengthOutOfRange {
            len,
            max,
        }))?;
    let text = slot::read_payload(device, layout.baked_text_lba(), len)?
        .map_err(|_| StoreError::BakedDamaged(Damage::NoMemory))?;
    if crc32fast::hash(&text) != crc {
        return Err(StoreError::BakedDamaged(Damage::PayloadChecksum));
    }
    String::from_utf8(text)
        .map(Some)
        .map_err(|_| StoreError::BakedDamaged(Damage::NotUtf8))
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;
    use alloc::vec;

    use drivers::block::RamDisk;

    use super::*;
    use crate::store::ConfigStore;

    const SCRIPT: &str = "/system identity set name=edge\n/ip address add address=192.168.88.1/24 interface=ether2\n";

    #[test]
    fn baked_text_round_trips_and_lands_where_documented() {
        let mut disk = RamDisk::new(64);
        write_baked(&mut disk, SCRIPT).unwrap();
        let bytes = disk.as_bytes();
        assert_eq!(&bytes[..8], b"APPLCFG\0");
        assert_eq!(&bytes[512..520], b"APPLRSC\0");
        assert_eq!(&bytes[520..522], &[1, 0]);
        assert_eq!(
            &bytes[522..526],
            &(SCRIPT.len() as u32).to_le_bytes(),
            "length"
        );
        assert_eq!(&bytes[1024..1024 + SCRIPT.len()], SCRIPT.as_bytes());
        let mut store = ConfigStore::new(disk).unwrap();
        assert_eq!(store.baked(), Ok(Some(SCRIPT.to_string())));
        assert_eq!(store.load(), Ok(None), "baking saves nothing");
    }

    #[test]
    fn blank_region_is_none_and_empty_script_is_some() {
        let mut store = ConfigStore::new(RamDisk::new(64)).unwrap();
        assert_eq!(store.baked(), Ok(None));
        let mut disk = store.into_inner();
        write_baked(&mut disk, "").unwrap();
        let mut store = ConfigStore::new(disk).unwrap();
        assert_eq!(store.baked(), Ok(Some(String::new())));
    }

    #[test]
    fn too_long_a_script_is_refused() {
        // 64 sectors: R = 8, text sectors 2..8 = 3072 bytes.
        let mut disk = RamDisk::new(64);
        let long = "#".repeat(3073);
        assert_eq!(
            write_baked(&mut disk, &long),
            Err(StoreError::TooLarge {
                len: 3073,
                max: 3072
            })
        );
        assert!(disk.as_bytes().iter().all(|&b| b == 0), "nothing written");
        write_baked(&mut disk, &long[1..]).unwrap();
    }

    #[test]
    fn damaged_text_or_header_is_reported() {
        let mut disk = RamDisk::new(64);
        write_baked(&mut disk, SCRIPT).unwrap();
        let good = disk.as_bytes().to_vec();

        let mut text = good.clone();
        text[1024 + 5] ^= 0x20;
        let mut store = ConfigStore::new(RamDisk::from_image(text)).unwrap();
        assert_eq!(
            store.baked(),
            Err(StoreError::BakedDamaged(Damage::PayloadChecksum))
        );

        let mut header = good.clone();
        header[523] ^= 1;
        let mut store = ConfigStore::new(RamDisk::from_image(header)).unwrap();
        assert_eq!(
            store.baked(),
            Err(StoreError::BakedDamaged(Damage::HeaderChecksum))
        );

        let mut not_utf8 = RamDisk::new(64);
        let bytes = vec![b'a', 0xFF, b'b'];
        slot::write_payload(&mut not_utf8, 2, &bytes).unwrap();
        let mut fields = [0u8; FIELDS];
        header::put(&mut fields, 0, &3u32.to_le_bytes());
        header::put(&mut fields, 4, &crc32fast::hash(&bytes).to_le_bytes());
        not_utf8
            .write(1, &header::seal(&BAKED_MAGIC, 1, &fields))
            .unwrap();
        let mut store = ConfigStore::new(not_utf8).unwrap();
        assert_eq!(
            store.baked(),
            Err(StoreError::BakedDamaged(Damage::NotUtf8))
        );
    }
}
