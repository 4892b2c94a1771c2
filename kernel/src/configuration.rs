//! The running configuration: chosen at boot (`config::boot`: saved, else baked, else CHR's default),
//! applied to the packet engine, and saved to the config partition after every committed change, as
//! RouterOS does. Without a config partition the appliance still runs; changes then live until reboot
//! and the log says so once.

use alloc::string::String;
use alloc::vec::Vec;

use config::boot::{self, Saved, Source};
use config::model::Config;
use config::store::ConfigStore;
use drivers::block::{BlockDevice, Partition};
use smoltcp::wire::EthernetAddress;

use crate::storage;

type Store = ConfigStore<Partition<alloc::boxed::Box<dyn BlockDevice + Send>>>;

/// The configuration and where it is kept.
pub struct Configuration {
    pub saved: Saved,
    store: Option<Store>,
    macs: Vec<EthernetAddress>,
    /// The baked script, read once at boot (for `/system reset-configuration`).
    baked: Option<String>,
}

impl Configuration {
    /// The startup configuration for NICs with these MACs (in `ether1..N` order).
    pub fn load(macs: Vec<EthernetAddress>) -> Self {
        let mut store = storage::take_config_partition().and_then(|partition| {
            ConfigStore::new(partition)
                .map_err(|e| log::warn!("the config partition cannot hold a store: {e}"))
                .ok()
        });
        let startup = boot::startup(store.as_mut(), &macs);
        for warning in &startup.warnings {
            log::warn!("{warning}");
        }
        match startup.source {
            Source::Saved {
                generation,
                fell_back,
            } => log::info!(
                "saved configuration, generation {generation}{}",
                if fell_back { " (previous copy)" } else { "" }
            ),
            Source::Baked => log::info!("configuration baked into the image"),
            Source::Default => log::info!("default configuration"),
        }
        let baked = store.as_mut().and_then(|s| s.baked().ok().flatten());
        Self {
            saved: startup.saved,
            store,
            macs,
            baked,
        }
    }

    /// Writes the configuration and files to the config partition.
    pub fn save(&mut self) -> Result<(), String> {
        let Some(store) = self.store.as_mut() else {
            return Err(String::from(
                "no config partition; the change is kept until reboot",
            ));
        };
        store
            .save(&self.saved.encode())
            .map(|_| ())
            .map_err(|e| alloc::format!("saving the configuration failed: {e}"))
    }

    /// `/system reset-configuration`: the baked (or default, or with `no_defaults` an empty)
    /// configuration; files are kept.
    pub fn initial(&self, no_defaults: bool) -> Config {
        let (config, _, warnings) = boot::initial(&self.macs, self.baked.as_deref(), no_defaults);
        for warning in warnings {
            log::warn!("{warning}");
        }
        config
    }
}
