//! A private, writable copy of OVMF's variable store for one VM run, deleted when dropped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::command::OVMF_VARS;

pub struct OvmfVars {
    path: PathBuf,
}

impl OvmfVars {
    pub fn create() -> std::io::Result<Self> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "appliance-ovmf-vars-{}-{}.fd",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::copy(OVMF_VARS, &path).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot copy {OVMF_VARS} (is the `ovmf` package installed?): {e}"),
            )
        })?;
        Ok(Self { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for OvmfVars {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
