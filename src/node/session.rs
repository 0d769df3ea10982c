//! What every front end needs: where the database is, where the engine is, who is acting.

use crate::node::engine::{Endpoint, Engine, endpoint};
use crate::node::store::{Store, default_path};
use anyhow::Result;
use std::path::PathBuf;

#[derive(Clone)]
pub struct Context {
    pub db: Option<PathBuf>,
    /// Where the engine is, or why that cannot be told (said when the engine is needed).
    pub endpoint: std::result::Result<Endpoint, String>,
    /// `--data-root`: where disk pressure reads disk use, instead of the engine's data root.
    pub data_root: Option<PathBuf>,
}

impl Context {
    /// `db` is `--db`/`IMGREAPER_DB`; `host` is `--host` (else `DOCKER_HOST`, else the Docker
    /// context, else the default socket).
    pub fn new(db: Option<PathBuf>, host: Option<&str>) -> Context {
        Context {
            db,
            endpoint: endpoint::resolve(host).map_err(|e| format!("{e:#}")),
            data_root: None,
        }
    }

    /// The engine's address, for messages.
    pub fn host(&self) -> &str {
        match &self.endpoint {
            Ok(endpoint) => &endpoint.host,
            Err(_) => "the engine",
        }
    }

    pub fn with_data_root(mut self, data_root: Option<PathBuf>) -> Context {
        self.data_root = data_root;
        self
    }

    /// The database, to change it.
    pub fn store(&self) -> Result<Store> {
        Store::open(&resolve_db_path(self.db.as_ref())?)
    }

    /// The database, only to read it: works on a full disk and for a user who may only read.
    pub fn reader(&self) -> Result<Store> {
        Store::open_for_reading(&resolve_db_path(self.db.as_ref())?)
    }

    /// The database to change it, or on a full disk to read it: for removals, which go ahead
    /// there (that is how space comes back) and say what they could not record.
    pub fn store_even_when_full(&self) -> Result<Store> {
        match self.store() {
            Err(error) if crate::node::store::is_disk_full(&error) => self.reader(),
            other => other,
        }
    }

    /// The engine, not asked anything yet: for a command whose first request follows at once
    /// and names the address in its error as a ping would.
    pub fn engine_unchecked(&self) -> Result<Engine> {
        let endpoint = self.endpoint.as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Engine::open(endpoint)?.with_data_root(self.data_root.clone()))
    }

    pub async fn engine(&self) -> Result<Engine> {
        let endpoint = self.endpoint.as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Engine::connect_to(endpoint)
            .await?
            .with_data_root(self.data_root.clone()))
    }
}

/// `--db`/`IMGREAPER_DB` (clap merges both), else the platform default.
pub fn resolve_db_path(flag: Option<&PathBuf>) -> Result<PathBuf> {
    match flag {
        Some(path) => Ok(path.clone()),
        None => default_path(),
    }
}

/// Who is acting, for the audit log: the real user (from the uid, never from `USER`), the user
/// who ran sudo when running as root, and the SSH client address. The environment is anyone's
/// to set, so `SUDO_USER` counts only for root and only when it names an existing account, the
/// address only when it parses as one, and no control character gets through (a newline would
/// forge a line of `imgreaper log`).
pub fn actor() -> String {
    // SAFETY: getuid and geteuid have no preconditions and cannot fail.
    let (uid, euid) = unsafe { (libc::getuid(), libc::geteuid()) };
    let user = user_name(uid).unwrap_or_else(|| format!("uid {uid}"));
    let sudo = std::env::var("SUDO_USER").ok();
    let ssh = std::env::var("SSH_CLIENT")
        .ok()
        .or_else(|| std::env::var("SSH_CONNECTION").ok());
    describe_actor(
        &user,
        euid == 0,
        sudo.as_deref().filter(|name| user_exists(name)),
        ssh.as_deref(),
    )
}

/// Who runs a fleet command or console, as the nodes' audit logs name them: `alice@laptop`
/// (this machine's user, from the uid, and host name).
pub fn operator() -> String {
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let user = user_name(uid).unwrap_or_else(|| format!("uid {uid}"));
    strip_controls(&format!("{user}@{}", crate::node::host::hostname()))
}

/// The actor text from its parts; `sudo_user` is only passed when it names a real account.
fn describe_actor(user: &str, root: bool, sudo_user: Option<&str>, ssh: Option<&str>) -> String {
    let user = strip_controls(user);
    let mut actor = match sudo_user.map(strip_controls) {
        Some(sudo) if root && !sudo.is_empty() && sudo != user => format!("{sudo} (as {user})"),
        _ => user,
    };
    // `SSH_CLIENT` is "ADDRESS PORT PORT"; only a real address is kept, in its canonical form.
    let address = ssh
        .and_then(|value| value.split(' ').next())
        .and_then(|first| first.parse::<std::net::IpAddr>().ok());
    if let Some(address) = address {
        actor.push_str(&format!(" from {address}"));
    }
    actor
}

fn strip_controls(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// The account name of a uid, from the password database.
fn user_name(uid: libc::uid_t) -> Option<String> {
    let mut buffer = vec![0u8; 4096];
    // SAFETY: getpwuid_r writes only into `entry` and `buffer` (of the given length) and sets
    // `result` to null or to `entry`; the name is copied out before the buffer is dropped.
    unsafe {
        let mut entry: libc::passwd = std::mem::zeroed();
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let status = libc::getpwuid_r(
            uid,
            &mut entry,
            buffer.as_mut_ptr().cast(),
            buffer.len(),
            &mut result,
        );
        if status != 0 || result.is_null() || entry.pw_name.is_null() {
            return None;
        }
        Some(
            std::ffi::CStr::from_ptr(entry.pw_name)
                .to_string_lossy()
                .into_owned(),
        )
    }
}

/// Whether an account by this name exists.
fn user_exists(name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let Ok(c_name) = std::ffi::CString::new(name) else {
        return false;
    };
    let mut buffer = vec![0u8; 4096];
    // SAFETY: as in `user_name`: getpwnam_r writes only into `entry` and `buffer`.
    unsafe {
        let mut entry: libc::passwd = std::mem::zeroed();
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let status = libc::getpwnam_r(
            c_name.as_ptr(),
            &mut entry,
            buffer.as_mut_ptr().cast(),
            buffer.len(),
            &mut result,
        );
        status == 0 && !result.is_null()
    }
}

#[cfg(test)]
mod tests {
    use super::describe_actor;

    #[test]
    fn sudo_counts_only_for_root_and_the_address_only_when_it_parses() {
        assert_eq!(
            describe_actor("root", true, Some("alice"), None),
            "alice (as root)"
        );
        assert_eq!(describe_actor("bob", false, Some("alice"), None), "bob");
        assert_eq!(describe_actor("root", true, Some("root"), None), "root");
        assert_eq!(
            describe_actor("bob", false, None, Some("192.0.2.7 50022 22")),
            "bob from 192.0.2.7"
        );
        assert_eq!(
            describe_actor("bob", false, None, Some("x\u{1b} 1 2")),
            "bob"
        );
        assert_eq!(describe_actor("b\no\u{1b}b", false, None, None), "bob");
    }
}
