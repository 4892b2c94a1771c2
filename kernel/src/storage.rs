//! The disk that holds the config partition: found at boot, kept for the config store.
//!
//! Looks at virtio-blk devices first (what clouds and Proxmox attach), then the legacy IDE primary master
//! (what a plain `qemu -drive file=…` attaches), and takes the first disk whose MBR has a partition of
//! type 0xDA (see the image builder for the layout). Every access is confined to that partition by
//! `drivers::block::Partition`; errors are logged, never fatal.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;

use drivers::block::{
    AtaDisk, AtaDrive, BlockDevice, CONFIG_PARTITION_TYPE, Partition, VirtioBlock,
};
use drivers::pci::PciDevice;
use spin::Mutex;
use virtio_drivers::transport::pci::PciTransport;

use crate::ata::PortAta;
use crate::dma::KernelHal;
use crate::pci::{self, VIRTIO_VENDOR};

/// virtio's block device IDs: transitional and modern (virtio 1.2 §4.1.2.1).
const VIRTIO_BLK_IDS: [u16; 2] = [0x1001, 0x1042];

/// The config partition and where it lives.
pub struct ConfigDisk {
    pub partition: Partition<Box<dyn BlockDevice + Send>>,
    /// `virtio-blk pci 00:04.0` or `ata primary master`, for the log.
    pub source: String,
}

/// The config partition found at boot, if any.
pub static CONFIG_DISK: Mutex<Option<ConfigDisk>> = Mutex::new(None);

/// Finds the config partition and stores it in [`CONFIG_DISK`].
pub fn init(devices: &[PciDevice]) {
    let found = devices
        .iter()
        .filter(|d| d.vendor_id == VIRTIO_VENDOR && VIRTIO_BLK_IDS.contains(&d.device_id))
        .find_map(|device| {
            let disk = match open_virtio(device) {
                Ok(disk) => disk,
                Err(error) => {
                    log::warn!("pci {}: virtio-blk: {error}", device.address);
                    return None;
                }
            };
            config_partition(disk, format!("virtio-blk at {}", device.address))
        })
        .or_else(
            || match AtaDisk::probe(PortAta::primary(), AtaDrive::Master) {
                Ok(disk) => config_partition(Box::new(disk), String::from("ata primary master")),
                Err(refused) => {
                    log::info!("ata primary master: {}", refused.error);
                    None
                }
            },
        );
    match &found {
        Some(disk) => log::info!(
            "disk: config partition on {}, {} KiB at sector {}",
            disk.source,
            disk.partition.sector_count() / 2,
            disk.partition.first_lba()
        ),
        None => {
            log::warn!("disk: no config partition found; configuration changes cannot be saved")
        }
    }
    *CONFIG_DISK.lock() = found;
}

fn open_virtio(device: &PciDevice) -> Result<Box<dyn BlockDevice + Send>, String> {
    let transport = pci::virtio_transport(device)?;
    let disk =
        VirtioBlock::<KernelHal, PciTransport>::new(transport).map_err(|e| format!("{e}"))?;
    Ok(Box::new(disk))
}

fn config_partition(disk: Box<dyn BlockDevice + Send>, source: String) -> Option<ConfigDisk> {
    match Partition::open(disk, CONFIG_PARTITION_TYPE) {
        Ok(partition) => Some(ConfigDisk { partition, source }),
        Err(refused) => {
            log::info!("{source}: {}", refused.error);
            None
        }
    }
}

/// Size in bytes of the config partition the configuration store took (see [`take_config_partition`]).
static STORE_BYTES: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// Hands the config partition found at boot to the configuration store (once).
pub fn take_config_partition() -> Option<Partition<Box<dyn BlockDevice + Send>>> {
    let disk = CONFIG_DISK.lock().take()?;
    STORE_BYTES.store(
        disk.partition.sector_count() * 512,
        core::sync::atomic::Ordering::Relaxed,
    );
    Some(disk.partition)
}

/// Size of the config partition in bytes (0 without one), for `/system resource print`.
pub fn config_bytes() -> u64 {
    CONFIG_DISK.lock().as_ref().map_or_else(
        || STORE_BYTES.load(core::sync::atomic::Ordering::Relaxed),
        |disk| disk.partition.sector_count() * 512,
    )
}
