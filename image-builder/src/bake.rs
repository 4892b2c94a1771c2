//! Baking a configuration into an image: a RouterOS `.rsc` script, checked on the host with the same
//! `config` crate the appliance runs, written into the baked-config region of a copy of the image's config
//! partition (see `config::store` for the partition format). The appliance runs it on first boot, when no
//! configuration has been saved yet — like the default configuration RouterOS ships, but chosen at build
//! time.
//!
//! Errors name the file and, where there is one, the position as `FILE:LINE:COLUMN: message` (line and
//! column 1-based, columns counting characters, as the console reports them), and fail the build.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use config::store::{ConfigStore, Layout, StoreError, write_baked};
use drivers::block::{BlockDevice, BlockError, SECTOR_SIZE, check_request};

use crate::layout::{CONFIG_PARTITION_BYTES, ImageLayout, PartitionEntry, read_partitions};

/// The longest script the image's config partition holds.
pub fn baked_capacity() -> usize {
    Layout::for_sectors(CONFIG_PARTITION_BYTES / SECTOR_SIZE as u64)
        .map_or(0, |layout| layout.baked_capacity())
}

/// Checks a `.rsc` file's contents: UTF-8, fits the config partition, and parses as a RouterOS script.
/// (Checking it against the object model — menus, properties, values — comes at this same call site.)
pub fn validate_rsc(path: &Path, text: &[u8]) -> Result<(), String> {
    let name = path.display();
    let text = std::str::from_utf8(text).map_err(|error| {
        let (line, column) = end_position(text.get(..error.valid_up_to()).unwrap_or_default());
        format!("{name}:{line}:{column}: not UTF-8 text")
    })?;
    let max = baked_capacity();
    if text.len() > max {
        return Err(format!(
            "{name}: script too large ({} bytes, the config partition holds {max})",
            text.len()
        ));
    }
    config::script::parse(text).map_err(|error| {
        format!(
            "{name}:{}:{}: {}",
            error.pos.line,
            error.pos.column,
            error.kind.message()
        )
    })?;
    // Every line must run on a fresh configuration, as it will at first boot.
    config::boot::validate(text).map_err(|error| format!("{name}:{error}"))
}

/// A `.rsc` script given as text (no file) is named this way in errors.
pub const TEXT_NAME: &str = "configuration";

/// Checks a script given as text, as [`validate_rsc`] checks a file.
pub fn validate_text(text: &str) -> Result<(), String> {
    validate_rsc(Path::new(TEXT_NAME), text.as_bytes())
}

/// Reads and validates a `.rsc` file ([`validate_rsc`]); returns its text.
pub fn read_rsc(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    validate_rsc(path, &bytes)?;
    String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8 text", path.display()))
}

/// Where `build --config FILE.rsc` writes its image by default: beside `image`, named after both
/// (`target/images/appliance.img` + `soho.rsc` → `target/images/appliance-soho.img`).
pub fn default_output(image: &Path, rsc: &Path) -> PathBuf {
    let stem = |path: &Path| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    image.with_file_name(format!("{}-{}.img", stem(image), stem(rsc)))
}

/// Copies `image` to `output` with `rsc_text` baked into its config partition; returns the output's
/// layout. The copy is made under a temporary name and renamed into place, so `output` is either the
/// finished image or untouched (and may be `image` itself).
pub fn bake_config(image: &Path, rsc_text: &str, output: &Path) -> Result<ImageLayout, String> {
    validate_text(rsc_text)?;
    let layout = read_partitions(image)?;
    let partition = layout
        .config_partition()
        .ok_or_else(|| format!("{}: no config partition (type 0xDA)", image.display()))?;
    let dir = output
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let name = output
        .file_name()
        .ok_or_else(|| format!("{}: not a file name", output.display()))?;
    let partial = dir.join(format!(
        ".{}.{}.baking",
        name.to_string_lossy(),
        std::process::id()
    ));
    let baked = std::fs::copy(image, &partial)
        .map_err(|e| {
            format!(
                "cannot copy {} to {}: {e}",
                image.display(),
                partial.display()
            )
        })
        .and_then(|_| bake_into(&partial, &partition, rsc_text))
        .and_then(|()| {
            std::fs::rename(&partial, output)
                .map_err(|e| format!("cannot move the image to {}: {e}", output.display()))
        });
    if let Err(message) = baked {
        let _ = std::fs::remove_file(&partial);
        return Err(message);
    }
    read_partitions(output)
}

/// Writes the baked region of `partition` in the image file at `path` and reads it back.
fn bake_into(path: &Path, partition: &PartitionEntry, rsc_text: &str) -> Result<(), String> {
    let mut device = ImagePartition::open(path, partition)?;
    let failed = |device: &mut ImagePartition, error: StoreError| match device.last_error.take() {
        Some(io) => format!("{}: config partition: {error} ({io})", path.display()),
        None => format!("{}: config partition: {error}", path.display()),
    };
    if let Err(error) = write_baked(&mut device, rsc_text) {
        return Err(failed(&mut device, error));
    }
    let mut store = ConfigStore::new(device).map_err(|e| format!("{}: {e}", path.display()))?;
    match store.baked() {
        Ok(Some(text)) if text == rsc_text => Ok(()),
        Ok(_) => Err(format!(
            "{}: the baked configuration does not read back",
            path.display()
        )),
        Err(error) => Err(failed(&mut store.into_inner(), error)),
    }
}

/// One partition of an image file as a [`BlockDevice`]: the view the appliance's config store has of it.
pub struct ImagePartition {
    file: File,
    /// Byte offset of the partition in the file.
    start: u64,
    sectors: u64,
    /// The I/O error behind the last [`BlockError::Io`], for the message.
    last_error: Option<io::Error>,
}

impl ImagePartition {
    /// Opens `partition` of the image at `path` for reading and writing; it must lie inside the file.
    pub fn open(path: &Path, partition: &PartitionEntry) -> Result<Self, String> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let len = file
            .metadata()
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        let end = partition.start_bytes() + partition.size_bytes();
        if end > len {
            return Err(format!(
                "{}: the config partition ends at byte {end}, past the end of the image ({len} bytes)",
                path.display()
            ));
        }
        Ok(Self {
            file,
            start: partition.start_bytes(),
            sectors: u64::from(partition.sectors),
            last_error: None,
        })
    }

    /// Seeks to `lba` after checking the request of `len` bytes.
    fn seek(&mut self, lba: u64, len: usize) -> Result<(), BlockError> {
        check_request(lba, len, self.sectors)?;
        let at = self.start + lba * SECTOR_SIZE as u64;
        self.file
            .seek(SeekFrom::Start(at))
            .map(|_| ())
            .map_err(|e| self.io(e))
    }

    fn io(&mut self, error: io::Error) -> BlockError {
        self.last_error = Some(error);
        BlockError::Io
    }
}

impl BlockDevice for ImagePartition {
    fn sector_count(&self) -> u64 {
        self.sectors
    }

    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        self.seek(lba, buf.len())?;
        self.file.read_exact(buf).map_err(|e| self.io(e))
    }

    fn write(&mut self, lba: u64, buf: &[u8]) -> Result<(), BlockError> {
        self.seek(lba, buf.len())?;
        self.file.write_all(buf).map_err(|e| self.io(e))
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        self.file.sync_data().map_err(|e| self.io(e))
    }
}

/// Line and column just after `text` (1-based; columns count characters).
fn end_position(text: &[u8]) -> (usize, usize) {
    let line_start = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = 1 + text.iter().filter(|&&b| b == b'\n').count();
    let last_line = text.get(line_start..).unwrap_or_default();
    let column = 1 + String::from_utf8_lossy(last_line).chars().count();
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{CONFIG_PARTITION_TYPE, add_config_partition};

    const SCRIPT: &str = "/system identity set name=edge\n/ip address\nadd address=192.168.88.1/24 interface=ether2\n";

    /// A scratch directory for one test.
    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("bake-test-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A small image like the real one: an MBR with a boot partition, and the appended config partition.
    fn fake_image(dir: &Path) -> PathBuf {
        let image = dir.join("appliance.img");
        let mut disk = vec![0u8; 512 * 100];
        disk[510] = 0x55;
        disk[511] = 0xAA;
        // Entry 2: active FAT partition at sector 10, 90 sectors.
        disk[446 + 16] = 0x80;
        disk[446 + 16 + 4] = 0x0C;
        disk[446 + 16 + 8..446 + 16 + 12].copy_from_slice(&10u32.to_le_bytes());
        disk[446 + 16 + 12..446 + 16 + 16].copy_from_slice(&90u32.to_le_bytes());
        disk[10 * 512..11 * 512].fill(0xF6);
        std::fs::write(&image, &disk).unwrap();
        add_config_partition(&image).unwrap();
        image
    }

    fn open_store(image: &Path) -> ConfigStore<ImagePartition> {
        let layout = read_partitions(image).unwrap();
        let partition = layout.config_partition().unwrap();
        ConfigStore::new(ImagePartition::open(image, &partition).unwrap()).unwrap()
    }

    #[test]
    fn baked_config_reads_back_from_the_copy_and_the_original_is_untouched() {
        let dir = scratch("bake");
        let image = fake_image(&dir);
        let before = std::fs::read(&image).unwrap();
        let output = dir.join("out/appliance-edge.img");

        let layout = bake_config(&image, SCRIPT, &output).unwrap();
        assert_eq!(
            layout.partitions,
            read_partitions(&image).unwrap().partitions
        );
        assert_eq!(layout.image_bytes, before.len() as u64);
        let config = layout.config_partition().unwrap();
        assert_eq!(config.kind, CONFIG_PARTITION_TYPE);

        let mut store = open_store(&output);
        assert_eq!(store.baked(), Ok(Some(SCRIPT.to_string())));
        assert_eq!(store.load(), Ok(None), "nothing saved yet");
        assert_eq!(
            std::fs::read(&image).unwrap(),
            before,
            "the original image is unchanged"
        );
        let after = std::fs::read(&output).unwrap();
        assert_eq!(
            after[..config.start_bytes() as usize],
            before[..config.start_bytes() as usize],
            "only the config partition differs"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            leftovers,
            ["appliance-edge.img"],
            "no temporary file is left"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn baking_again_in_place_replaces_the_script() {
        let dir = scratch("rebake");
        let image = fake_image(&dir);
        bake_config(&image, SCRIPT, &image).unwrap();
        bake_config(&image, "/system identity set name=core\n", &image).unwrap();
        assert_eq!(
            open_store(&image).baked(),
            Ok(Some("/system identity set name=core\n".to_string()))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_image_without_a_config_partition_is_refused() {
        let dir = scratch("no-partition");
        let image = dir.join("plain.img");
        let mut disk = vec![0u8; 512 * 4];
        disk[510] = 0x55;
        disk[511] = 0xAA;
        std::fs::write(&image, &disk).unwrap();
        let output = dir.join("out.img");
        let error = bake_config(&image, SCRIPT, &output).unwrap_err();
        assert_eq!(
            error,
            format!("{}: no config partition (type 0xDA)", image.display())
        );
        assert!(!output.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn too_large_a_script_fails_and_leaves_no_output() {
        let dir = scratch("too-large");
        let image = fake_image(&dir);
        let output = dir.join("big.img");
        let text = "#".repeat(baked_capacity() + 1);
        let error = bake_config(&image, &text, &output).unwrap_err();
        assert!(
            error
                == "configuration: script too large (523265 bytes, the config partition holds 523264)",
            "{error}"
        );
        assert!(!output.exists());
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file is left"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_partition_past_the_end_of_the_file_is_refused() {
        let dir = scratch("truncated");
        let image = fake_image(&dir);
        let file = OpenOptions::new().write(true).open(&image).unwrap();
        file.set_len(2 << 20).unwrap();
        drop(file);
        let error = bake_config(&image, SCRIPT, &dir.join("out.img")).unwrap_err();
        assert!(error.contains("past the end of the image"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn valid_scripts_pass() {
        let path = Path::new("soho.rsc");
        assert_eq!(validate_rsc(path, SCRIPT.as_bytes()), Ok(()));
        assert_eq!(validate_rsc(path, b""), Ok(()));
        assert_eq!(
            validate_rsc(
                path,
                "# comment\n/system identity set name=\"r\u{f6}uter\"\n".as_bytes()
            ),
            Ok(())
        );
    }

    #[test]
    fn syntax_errors_name_file_line_and_column() {
        let path = Path::new("conf/edge.rsc");
        assert_eq!(
            validate_rsc(path, b"/ip address\nadd comment=\"open\n"),
            Err("conf/edge.rsc:2:13: unterminated string".to_string())
        );
        assert_eq!(
            validate_rsc(path, b"/ip firewall filter\nadd chain=input ]\n"),
            Err("conf/edge.rsc:2:17: unbalanced brackets".to_string())
        );
    }

    #[test]
    fn non_utf8_is_reported_where_it_starts() {
        assert_eq!(
            validate_rsc(
                Path::new("a.rsc"),
                b"/system identity\nset name=\xC3\xA4\xFF\n"
            ),
            Err("a.rsc:2:11: not UTF-8 text".to_string())
        );
        assert_eq!(end_position(b""), (1, 1));
        assert_eq!(end_position(b"ab\n"), (2, 1));
    }

    #[test]
    fn oversize_scripts_are_refused_before_parsing() {
        let text = vec![b'#'; baked_capacity() + 1];
        assert_eq!(
            validate_rsc(Path::new("big.rsc"), &text),
            Err(format!(
                "big.rsc: script too large ({} bytes, the config partition holds {})",
                baked_capacity() + 1,
                baked_capacity()
            ))
        );
        assert_eq!(baked_capacity(), 1022 * 512);
    }

    #[test]
    fn default_output_is_named_after_image_and_script() {
        assert_eq!(
            default_output(
                Path::new("target/images/appliance.img"),
                Path::new("configs/soho.rsc")
            ),
            PathBuf::from("target/images/appliance-soho.img")
        );
        assert_eq!(
            default_output(
                Path::new("target/images/appliance-ktest.img"),
                Path::new("x.rsc")
            ),
            PathBuf::from("target/images/appliance-ktest-x.img")
        );
    }
}
