//! Opening the database file safely: never overwrite a file that is not ours.

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, OpenFlags};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Written into the SQLite header (`PRAGMA application_id`) so a foreign database is recognised.
pub(super) const APPLICATION_ID: i32 = 0x696d_6772; // "imgr"

/// Where the database lives when neither `--db` nor `IMGREAPER_DB` says: the platform's data
/// directory for the user (`~/.local/share/imgreaper/imgreaper.db`), or for root the system
/// service's state directory, so that `sudo imgreaper` opens the same database as the service.
pub fn default_path() -> Result<PathBuf> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        return Ok(PathBuf::from("/var/lib/imgreaper/imgreaper.db"));
    }
    let dirs = directories::ProjectDirs::from("", "", "imgreaper").context(
        "cannot find a home directory for the database; pass --db PATH or set IMGREAPER_DB",
    )?;
    Ok(dirs.data_dir().join("imgreaper.db"))
}

pub(super) fn open_checked(path: &Path) -> Result<Connection> {
    refuse_non_sqlite(path)?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| {
            format!(
                "cannot create the directory {} for the database",
                parent.display()
            )
        })?;
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("cannot open the database {}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    refuse_foreign(&conn, path)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .with_context(|| format!("cannot switch {} to WAL mode", path.display()))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

/// A non-empty file that does not start with the SQLite header is left alone.
fn refuse_non_sqlite(path: &Path) -> Result<()> {
    let mut header = [0u8; 16];
    let read = match std::fs::File::open(path) {
        Ok(mut file) => file
            .read(&mut header)
            .with_context(|| format!("cannot read {}", path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read the database {}", path.display()));
        }
    };
    if read > 0 && (read < header.len() || &header != b"SQLite format 3\0") {
        bail!(
            "{} is not an imgreaper database (it is not SQLite at all); nothing was changed. \
             Move it away or pass --db with another path",
            path.display()
        );
    }
    Ok(())
}

/// A SQLite file that holds someone else's tables, or is damaged, is left alone.
fn refuse_foreign(conn: &Connection, path: &Path) -> Result<()> {
    let damaged = |e: rusqlite::Error| {
        anyhow::anyhow!(
            "{} is damaged or not a database ({e}); nothing was changed. \
             Restore it from a backup or move it away and start a new one",
            path.display()
        )
    };
    let app_id: i32 = conn
        .query_row("PRAGMA application_id", [], |row| row.get(0))
        .map_err(damaged)?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
        .map_err(damaged)?;
    if app_id != APPLICATION_ID && (app_id != 0 || tables > 0) {
        bail!(
            "{} is a SQLite database that belongs to another program; nothing was changed. \
             Pass --db with the path of an imgreaper database or a new file",
            path.display()
        );
    }
    if tables > 0 {
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |row| row.get(0))
            .map_err(damaged)?;
        if check != "ok" {
            bail!(
                "{} is damaged ({check}); nothing was changed. Restore it from a backup or move it away",
                path.display()
            );
        }
    }
    Ok(())
}
