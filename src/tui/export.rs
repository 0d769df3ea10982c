//! Writing a policy to a file from the console. A file that exists is never replaced unless the
//! operator confirmed it (and a read-only console never asks), so a console run under `sudo`
//! cannot overwrite someone's file by accident.

use crate::core::policy::PolicyDocument;
use anyhow::Context as _;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum ExportError {
    /// The file is there already and was left as it is.
    Exists(PathBuf),
    Failed(anyhow::Error),
}

/// Writes `document` as NMP JSON to `path` (`~/` is the home directory; a relative path is taken
/// from the working directory) and returns the full path written.
pub fn write_policy(
    path: &Path,
    document: &PolicyDocument,
    overwrite: bool,
) -> Result<PathBuf, ExportError> {
    let path = full_path(path).map_err(ExportError::Failed)?;
    let text = serde_json::to_string_pretty(&document.to_json(document.spelling))
        .context("cannot write the policy as JSON")
        .map_err(ExportError::Failed)?;
    let mut options = std::fs::OpenOptions::new();
    if overwrite {
        options.write(true).create(true).truncate(true);
    } else {
        // Atomic: fails if anything is there, even a symbolic link.
        options.write(true).create_new(true);
    }
    let mut file = match options.open(&path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(ExportError::Exists(path));
        }
        Err(error) => {
            return Err(ExportError::Failed(
                anyhow::Error::new(error).context(format!("cannot write {}", path.display())),
            ));
        }
    };
    file.write_all(format!("{text}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
        .map_err(ExportError::Failed)?;
    Ok(path)
}

fn full_path(path: &Path) -> anyhow::Result<PathBuf> {
    let path = match path.strip_prefix("~") {
        Ok(rest) => {
            let home = std::env::var_os("HOME").context("~ in the path, but HOME is not set")?;
            PathBuf::from(home).join(rest)
        }
        Err(_) => path.to_path_buf(),
    };
    std::path::absolute(&path).with_context(|| format!("cannot resolve {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_replaces_a_file_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("edge.json");
        std::fs::write(&path, "precious").unwrap();
        let document = PolicyDocument::rules_only(Vec::new());
        match write_policy(&path, &document, false) {
            Err(ExportError::Exists(at)) => assert_eq!(at, path),
            other => panic!("{other:?}"),
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");
        assert_eq!(write_policy(&path, &document, true).unwrap(), path);
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains("image_policy")
        );
    }

    #[test]
    fn a_symbolic_link_counts_as_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let document = PolicyDocument::rules_only(Vec::new());
        assert!(matches!(
            write_policy(&link, &document, false),
            Err(ExportError::Exists(_))
        ));
        assert!(!target.exists(), "written through the link");
    }
}
