//! Which configuration the appliance starts with, and what is saved.
//!
//! At boot the newest valid saved configuration on the config partition wins; if the newest copy is
//! damaged the older one is used and the log says so; with none, the configuration baked into the image
//! at build time (an `.rsc` script run on a fresh configuration); without one, CHR's default (a DHCP
//! client on `ether1`, no firewall). `/system reset-configuration` goes back to the baked or default
//! configuration, or an empty one with `no-defaults=yes`. The system-owned items (one `/interface` per
//! NIC, `/ip service`) are always made to match the hardware.
//!
//! What is saved is a [`Saved`]: the configuration, the file area (`export file=`) and the DHCP
//! servers' dynamic leases, postcard-encoded with a format version ([`crate::store::encode`]). Version
//! 1 (before leases were kept) still loads, without leases.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use drivers::block::BlockDevice;
use serde::{Deserialize, Serialize};
use smoltcp::wire::EthernetAddress;

use crate::cli::{self, Mode, Session};
use crate::model::Config;
use crate::resource::ResourceInfo;
use crate::shell::SystemControl;
use crate::store::ConfigStore;

/// CHR's configuration on a fresh install.
pub const DEFAULT_SCRIPT: &str = "/ip dhcp-client add interface=ether1\n";

/// Version of the [`Saved`] encoding: 2 added `dhcp_leases`.
pub const SAVED_VERSION: u16 = 2;

/// The [`Saved`] encoding before `dhcp_leases`, still read.
const SAVED_VERSION_1: u16 = 1;

/// Most bytes the file area holds, all files together.
pub const MAX_FILE_BYTES: usize = 512 * 1024;
/// Most files in the file area.
pub const MAX_FILES: usize = 64;

/// Everything the config partition keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub config: Config,
    /// The file area: name → text (`export file=`, `/import file-name=`).
    pub files: BTreeMap<String, String>,
    /// The DHCP servers' dynamic leases, which RouterOS keeps across a reboot although they are no
    /// configuration (at most [`MAX_SAVED_LEASES`]).
    pub dhcp_leases: Vec<SavedLease>,
}

/// Most DHCP leases saved.
pub const MAX_SAVED_LEASES: usize = 4096;

/// A bound dynamic lease of DHCP server `server`, until `expires` on the router's clock (seconds since
/// 1970, as [`SystemControl::clock_seconds`]: the monotonic clock starts again at each boot).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedLease {
    pub server: String,
    pub mac: [u8; 6],
    pub address: [u8; 4],
    pub host_name: Option<String>,
    pub expires: u64,
}

/// [`Saved`] as version 1 wrote it.
#[derive(Deserialize)]
struct SavedV1 {
    config: Config,
    files: BTreeMap<String, String>,
}

/// A saved state of either version.
fn decode_saved(payload: &[u8]) -> Result<Saved, crate::store::StoreError> {
    crate::store::decode::<Saved>(SAVED_VERSION, payload).or_else(
        |error| match crate::store::decode::<SavedV1>(SAVED_VERSION_1, payload) {
            Ok(old) => Ok(Saved {
                config: old.config,
                files: old.files,
                dhcp_leases: Vec::new(),
            }),
            Err(_) => Err(error),
        },
    )
}

impl Saved {
    pub fn encode(&self) -> Vec<u8> {
        crate::store::encode(SAVED_VERSION, self)
    }

    /// Adds or replaces a file, within the file area's bounds.
    pub fn write_file(&mut self, name: &str, text: &str) -> Result<(), String> {
        if name.is_empty() || name.len() > 128 || name.chars().any(|c| c.is_control()) {
            return Err(String::from("failure: bad file name"));
        }
        let others: usize = self
            .files
            .iter()
            .filter(|(n, _)| n.as_str() != name)
            .map(|(n, t)| n.len() + t.len())
            .sum();
        if others + name.len() + text.len() > MAX_FILE_BYTES
            || (!self.files.contains_key(name) && self.files.len() >= MAX_FILES)
        {
            return Err(String::from("failure: not enough space"));
        }
        self.files.insert(String::from(name), String::from(text));
        Ok(())
    }
}

/// Where the startup configuration came from, for the boot log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Saved generation `generation`; `fell_back`: the newer copy was damaged.
    Saved { generation: u64, fell_back: bool },
    /// The configuration baked into the image.
    Baked,
    /// CHR's default configuration.
    Default,
}

/// The startup state and what to log about it.
#[derive(Clone, Debug)]
pub struct Startup {
    pub saved: Saved,
    pub source: Source,
    /// Warnings for the log (a damaged store, a baked script that failed part-way).
    pub warnings: Vec<String>,
}

/// A system that takes every configuration: scripts that build the startup configuration run before the
/// engine exists, which is then built from their result in one go.
struct Offline;

impl SystemControl for Offline {
    fn resource(&self) -> ResourceInfo {
        ResourceInfo::default()
    }
    fn reboot(&mut self) {}
    fn shutdown(&mut self) {}
}

/// The configuration for NICs `macs` built by running `script` (batch mode) on a fresh configuration.
/// Returns the error message (with line and column) of the first failing line, if any; lines before it
/// stay applied.
pub fn from_script(macs: &[EthernetAddress], script: &str) -> (Config, Option<String>) {
    let (config, error) = run_on_fresh(macs, script);
    (config, error.map(|e| format!("{e}")))
}

/// Runs `script` in batch mode on a fresh configuration for NICs `macs`.
fn run_on_fresh(macs: &[EthernetAddress], script: &str) -> (Config, Option<cli::CliError>) {
    let mut config = Config::new();
    crate::apply::ensure_system_items(&mut config, macs);
    let mut output = String::new();
    let result = cli::run(
        script,
        Mode::Batch,
        &mut config,
        &mut Session::new(),
        &mut Offline,
        &mut output,
    );
    (config, result.error)
}

/// How many ethernet interfaces a baked script is checked against at build time (the NIC count of the
/// machine it will boot on is not known then).
pub const VALIDATION_PORTS: u8 = 8;

/// Checks a script for baking into an image: it must parse and every line must run on a fresh
/// configuration with `ether1..ether8`. The error reads `LINE:COLUMN: message`.
pub fn validate(script: &str) -> Result<(), String> {
    let macs: Vec<EthernetAddress> = (0..VALIDATION_PORTS)
        .map(|i| EthernetAddress([0x02, 0, 0, 0, 0, i]))
        .collect();
    match run_on_fresh(&macs, script).1 {
        None => Ok(()),
        Some(error) => {
            let (line, column) = error.pos.map_or((1, 1), |p| (p.line, p.column));
            Err(format!("{line}:{column}: {}", error.message))
        }
    }
}

/// The baked configuration if there is one, else the default (`no_defaults`: neither, an empty
/// configuration with only the system's items).
pub fn initial(
    macs: &[EthernetAddress],
    baked: Option<&str>,
    no_defaults: bool,
) -> (Config, Source, Vec<String>) {
    let (script, source) = match (no_defaults, baked) {
        (true, _) => ("", Source::Default),
        (false, Some(text)) => (text, Source::Baked),
        (false, None) => (DEFAULT_SCRIPT, Source::Default),
    };
    let (config, error) = from_script(macs, script);
    let warnings = error
        .map(|e| alloc::vec![format!("baked configuration: {e}")])
        .unwrap_or_default();
    (config, source, warnings)
}

/// The startup configuration from the config partition (or without one, `store` = `None`).
pub fn startup<D: BlockDevice>(
    store: Option<&mut ConfigStore<D>>,
    macs: &[EthernetAddress],
) -> Startup {
    let mut warnings = Vec::new();
    let mut baked = None;
    if let Some(store) = store {
        match store.load() {
            Ok(Some(loaded)) => match decode_saved(&loaded.payload) {
                Ok(mut saved) => {
                    if loaded.fell_back {
                        warnings.push(String::from(
                            "config: the newest saved configuration is damaged; using the previous one",
                        ));
                    }
                    crate::apply::ensure_system_items(&mut saved.config, macs);
                    return Startup {
                        saved,
                        source: Source::Saved {
                            generation: loaded.generation,
                            fell_back: loaded.fell_back,
                        },
                        warnings,
                    };
                }
                Err(e) => warnings.push(format!(
                    "config: saved configuration unreadable ({e}); using the default"
                )),
            },
            Ok(None) => {}
            Err(e) => warnings.push(format!("config: store unreadable ({e}); using the default")),
        }
        match store.baked() {
            Ok(text) => baked = text,
            Err(e) => warnings.push(format!("config: baked configuration unreadable ({e})")),
        }
    }
    let (config, source, more) = initial(macs, baked.as_deref(), false);
    warnings.extend(more);
    Startup {
        saved: Saved {
            config,
            files: BTreeMap::new(),
            dhcp_leases: Vec::new(),
        },
        source,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::menus;
    use drivers::block::RamDisk;

    const MACS: [EthernetAddress; 2] = [
        EthernetAddress([0x0c, 0, 0x6e, 0x34, 0x39, 0]),
        EthernetAddress([0x0c, 0, 0x6e, 0x34, 0x39, 1]),
    ];

    fn disk() -> ConfigStore<RamDisk> {
        ConfigStore::new(RamDisk::new(8192)).unwrap()
    }

    #[test]
    fn a_fresh_disk_starts_with_chr_defaults() {
        let mut store = disk();
        let startup = startup(Some(&mut store), &MACS);
        assert_eq!(startup.source, Source::Default);
        let client = menus::menu("ip/dhcp-client").unwrap();
        assert_eq!(startup.saved.config.items(client).len(), 1);
        assert_eq!(
            startup
                .saved
                .config
                .items(menus::menu("interface").unwrap())
                .len(),
            2
        );
        assert!(startup.warnings.is_empty(), "{:?}", startup.warnings);
    }

    #[test]
    fn a_baked_script_wins_over_the_default_and_a_saved_config_over_both() {
        let mut device = RamDisk::new(8192);
        crate::store::write_baked(&mut device, "/system identity set name=baked\n").unwrap();
        let mut store = ConfigStore::new(device).unwrap();
        let identity = menus::menu("system/identity").unwrap();
        let startup1 = startup(Some(&mut store), &MACS);
        assert_eq!(startup1.source, Source::Baked);
        assert_eq!(
            startup1.saved.config.singleton_value(identity, "name"),
            Some("baked")
        );
        assert!(
            startup1
                .saved
                .config
                .items(menus::menu("ip/dhcp-client").unwrap())
                .is_empty()
        );

        let mut saved = startup1.saved.clone();
        cli_run(&mut saved.config, "/system identity set name=saved");
        saved.write_file("a.rsc", "# nothing\n").unwrap();
        store.save(&saved.encode()).unwrap();
        let startup2 = startup(Some(&mut store), &MACS);
        assert!(matches!(startup2.source, Source::Saved { .. }));
        assert_eq!(startup2.saved, saved);
    }

    #[test]
    fn dhcp_leases_are_kept_and_a_store_from_before_them_still_loads() {
        let mut store = disk();
        let mut saved = startup(Some(&mut store), &MACS).saved;
        cli_run(&mut saved.config, "/system identity set name=old");
        saved.write_file("a.rsc", "# nothing\n").unwrap();
        // Version 1: the configuration and the files only.
        #[derive(Serialize)]
        struct V1<'a> {
            config: &'a Config,
            files: &'a BTreeMap<String, String>,
        }
        let v1 = V1 {
            config: &saved.config,
            files: &saved.files,
        };
        store.save(&crate::store::encode(1, &v1)).unwrap();
        let loaded = startup(Some(&mut store), &MACS);
        assert!(
            matches!(loaded.source, Source::Saved { .. }),
            "{:?}",
            loaded.warnings
        );
        assert_eq!(loaded.saved, saved);
        assert!(loaded.saved.dhcp_leases.is_empty());

        saved.dhcp_leases.push(SavedLease {
            server: String::from("dhcp_server_lan"),
            mac: [2, 0, 0, 0, 0, 1],
            address: [192, 168, 88, 254],
            host_name: Some(String::from("laptop")),
            expires: 1_800_000_000,
        });
        store.save(&saved.encode()).unwrap();
        assert_eq!(startup(Some(&mut store), &MACS).saved, saved);
    }

    #[test]
    fn a_broken_baked_script_keeps_the_lines_before_the_error_and_says_so() {
        let (config, source, warnings) = initial(
            &MACS,
            Some(
                "/system identity set name=first\n/ip address add address=nonsense interface=ether1\n",
            ),
            false,
        );
        assert_eq!(source, Source::Baked);
        assert_eq!(
            config.singleton_value(menus::menu("system/identity").unwrap(), "name"),
            Some("first")
        );
        assert_eq!(
            warnings,
            ["baked configuration: invalid value for argument address (line 2 column 17)"]
        );
    }

    #[test]
    fn validation_names_the_line_and_column() {
        assert_eq!(
            validate("/ip address add address=1.1.1.1/24 interface=ether8\n"),
            Ok(())
        );
        assert_eq!(
            validate("/ip address\nadd address=1.1.1.1/24 interface=ether9\n"),
            Err(String::from(
                "2:24: input does not match any value of interface"
            ))
        );
        assert_eq!(
            validate("/ip address add address=\"1.1.1.1/24 interface=ether1\n"),
            Err(String::from("1:25: syntax error"))
        );
    }

    #[test]
    fn no_defaults_means_only_the_system_items() {
        let (config, _, _) = initial(&MACS, Some("/system identity set name=x"), true);
        let mut empty = Config::new();
        crate::apply::ensure_system_items(&mut empty, &MACS);
        assert_eq!(config, empty);
    }

    #[test]
    fn the_file_area_is_bounded() {
        let mut saved = Saved::default();
        assert!(
            saved
                .write_file("big.rsc", &"x".repeat(MAX_FILE_BYTES))
                .is_err()
        );
        for i in 0..MAX_FILES {
            saved.write_file(&format!("f{i}"), "x").unwrap();
        }
        assert!(saved.write_file("one-more", "x").is_err());
        assert!(saved.write_file("f0", "replaced").is_ok());
        assert!(saved.write_file("", "x").is_err());
    }

    fn cli_run(config: &mut Config, line: &str) {
        let mut out = String::new();
        cli::run(
            line,
            Mode::Interactive,
            config,
            &mut Session::new(),
            &mut Offline,
            &mut out,
        );
        assert_eq!(out, "");
    }
}
