//! The operator's view choices (the Images sort), remembered in their config directory
//! (`console.toml`), never in the database: a read-only console keeps them too (DESIGN.md §8).

use crate::tui::app::images::SortColumn;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefs {
    pub sort: SortColumn,
    pub reverse: bool,
}

/// `~/.config/imgreaper/console.toml` (`$XDG_CONFIG_HOME` first).
pub fn path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "imgreaper")
        .map(|dirs| dirs.config_dir().join("console.toml"))
}

/// The choices saved in `file`; none when it does not exist.
pub fn load_from(file: &Path) -> Result<Option<Prefs>> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(error).with_context(|| format!("cannot read {}", file.display()));
        }
    };
    toml::from_str(&text)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("{}: {}", file.display(), e.message()))
}

/// Writes the choices to `file` (its directory made when missing), replacing it whole.
pub fn save_to(file: &Path, prefs: &Prefs) -> Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let text = toml::to_string(prefs)?;
    let temporary = file.with_extension("toml.tmp");
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, file))
        .with_context(|| format!("cannot write {}", file.display()))
}
