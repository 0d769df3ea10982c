//! Which filesystem disk pressure watches: `--data-root`, else the data root `docker info` names,
//! read only when the engine is on this machine.

use super::Engine;
use crate::core::disk::DiskReading;
use std::path::{Path, PathBuf};

impl Engine {
    /// Reads disk use at `path` instead of the engine's own data root (`--data-root`).
    pub fn with_data_root(mut self, path: Option<PathBuf>) -> Engine {
        self.data_root = path;
        self
    }

    /// The data root's filesystem now; never an error: what cannot be read says why.
    pub async fn disk_reading(&self) -> DiskReading {
        if let Some(path) = &self.data_root {
            return DiskReading::of_path(path);
        }
        // Asked once per connection; an error already names the engine's address.
        match self.info().await {
            Ok(info) => info.disk_reading,
            Err(error) => DiskReading::Unknown {
                reason: format!("cannot ask the engine for its data root: {error}"),
            },
        }
    }

    /// The reading for the data root `docker info` named (or the override).
    pub(super) fn disk_of_root(&self, root_dir: &str) -> DiskReading {
        if let Some(path) = &self.data_root {
            return DiskReading::of_path(path);
        }
        if !self.host().starts_with("unix://") {
            // The path names a directory on the engine's machine, not on this one.
            return DiskReading::Unknown {
                reason: format!(
                    "the engine at {} may be on another machine, so its data root {root_dir} is not read here",
                    self.host()
                ),
            };
        }
        if root_dir.is_empty() {
            return DiskReading::Unknown {
                reason: format!("the engine at {} names no data root", self.host()),
            };
        }
        DiskReading::of_path(Path::new(root_dir))
    }
}
