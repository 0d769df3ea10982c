//! What every front end needs: where the database is, where the engine is, who is acting.

use crate::engine::{Engine, default_host};
use crate::store::{Store, default_path};
use anyhow::Result;
use std::path::PathBuf;

pub struct Context {
    pub db: Option<PathBuf>,
    pub host: String,
}

impl Context {
    /// `db` is `--db`/`IMGREAPER_DB`; `host` is `--host` (else `DOCKER_HOST`, else the default).
    pub fn new(db: Option<PathBuf>, host: Option<&str>) -> Context {
        Context {
            db,
            host: default_host(host),
        }
    }

    /// The database, to change it.
    pub fn store(&self) -> Result<Store> {
        Store::open(&resolve_db_path(self.db.as_ref())?)
    }

    /// The database, only to read it: works on a full disk and for a user who may only read.
    pub fn reader(&self) -> Result<Store> {
        Store::open_for_reading(&resolve_db_path(self.db.as_ref())?)
    }

    pub async fn engine(&self) -> Result<Engine> {
        Engine::connect(&self.host).await
    }
}

/// `--db`/`IMGREAPER_DB` (clap merges both), else the platform default.
pub fn resolve_db_path(flag: Option<&PathBuf>) -> Result<PathBuf> {
    match flag {
        Some(path) => Ok(path.clone()),
        None => default_path(),
    }
}

/// Who is acting, for the audit log: the Unix user (and who sudo'ed), plus the SSH client address.
pub fn actor() -> String {
    let user = unix_user();
    let mut actor = match std::env::var("SUDO_USER") {
        Ok(sudo) if !sudo.is_empty() && sudo != user => format!("{sudo} (as {user})"),
        _ => user,
    };
    let ssh = std::env::var("SSH_CLIENT")
        .or_else(|_| std::env::var("SSH_CONNECTION"))
        .ok()
        .and_then(|v| v.split_whitespace().next().map(str::to_string));
    if let Some(address) = ssh {
        actor.push_str(" from ");
        actor.push_str(&address);
    }
    actor
}

fn unix_user() -> String {
    // SAFETY: getpwuid returns a pointer into static storage or null; we copy before returning.
    unsafe {
        let entry = libc::getpwuid(libc::geteuid());
        if !entry.is_null() && !(*entry).pw_name.is_null() {
            return std::ffi::CStr::from_ptr((*entry).pw_name)
                .to_string_lossy()
                .into_owned();
        }
    }
    std::env::var("USER").unwrap_or_else(|_| format!("uid {}", unsafe { libc::geteuid() }))
}
