//! Opening the database file safely: never overwrite a file that is not ours, never write when
//! only reading, make new files private, and say precisely why a file cannot be used.

use super::error::{StoreError, classify_io, classify_sqlite, directory, not_writable, who_may};
use anyhow::{Context, Result, bail};
use rusqlite::{Connection, ErrorCode, MAIN_DB, OpenFlags};
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Written into the SQLite header (`PRAGMA application_id`) so a foreign database is recognised.
pub(super) const APPLICATION_ID: i32 = 0x696d_6772; // "imgr"

/// How long a writer waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The database holds the audit log (users, SSH addresses): only its owner reads it. SQLite
/// gives the `-wal` and `-shm` files the database file's mode.
const DATABASE_MODE: u32 = 0o600;
/// The directory made for it: the owner and its group may enter, nobody else.
const DIRECTORY_MODE: u32 = 0o750;

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

/// Opens the database to change it, creating it (and its directory) when absent. A file this
/// process cannot write is refused at once, before any work is done.
pub(super) fn open_for_writing(path: &Path) -> Result<Connection> {
    refuse_non_sqlite(path)?;
    create_private(path)?;
    let conn = connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE, path)?;
    // SQLite falls back to read-only by itself when the file cannot be written.
    if conn.is_readonly(MAIN_DB).unwrap_or(false) {
        return Err(StoreError::ReadOnly {
            path: path.to_path_buf(),
            reason: not_writable(path)
                .unwrap_or_else(|| "SQLite could open it only for reading".to_string()),
        }
        .into());
    }
    let facts = read_header(&conn).map_err(|e| sqlite_error(path, e))?;
    refuse_foreign(&facts, path)?;
    if !facts.wal {
        use_wal(&conn, path)?;
    }
    connection_settings(&conn, path)?;
    Ok(conn)
}

/// Opens the database to read it, writing nothing when nothing needs writing: not the journal
/// mode, not the schema. On a full disk, or where this user may not create the `-wal` and
/// `-shm` files, it still reads (see `open_fallback`). A database that does not exist yet is
/// created, as for writing: there is nothing else to read.
pub(super) fn open_for_reading(path: &Path) -> Result<Connection> {
    match std::fs::metadata(path) {
        // Nothing saved yet: an empty state, read from memory; a reader creates nothing.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Connection::open_in_memory().map_err(|e| sqlite_error(path, e));
        }
        Err(e) => return Err(cannot_read(path, &e)),
        Ok(_) => {}
    }
    refuse_non_sqlite(path)?;
    let conn = connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE, path)?;
    let conn = match read_header(&conn) {
        Ok(facts) => {
            refuse_foreign(&facts, path)?;
            conn
        }
        Err(e) if wal_index_unavailable(&e) => {
            drop(conn);
            open_fallback(path)?
        }
        Err(e) => return Err(sqlite_error(path, e)),
    };
    connection_settings(&conn, path)?;
    Ok(conn)
}

/// Reading without a shared-memory WAL index. Nobody else has the database open (or the
/// `-shm` file would exist and be usable), so:
/// - where this user may write the file (a full disk), the index is kept in this process's
///   memory, which SQLite allows under an exclusive lock, held until the command ends;
/// - where it may not, and the `-wal` file holds nothing, the database file alone is the whole
///   database: it is read as an immutable file.
fn open_fallback(path: &Path) -> Result<Connection> {
    let conn = if not_writable(path).is_none() {
        let conn = connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE, path)?;
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(|e| sqlite_error(path, e))?;
        conn
    } else if wal_is_empty(path) {
        connect(
            Path::new(&immutable_uri(path)),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
            path,
        )?
    } else {
        return Err(StoreError::ReadOnly {
            path: path.to_path_buf(),
            reason: format!(
                "{}-wal holds changes not yet merged into the database, and reading them needs \
                 a -shm file this user cannot create; open it once as a user who may write it",
                path.display()
            ),
        }
        .into());
    };
    let facts = read_header(&conn).map_err(|e| sqlite_error(path, e))?;
    refuse_foreign(&facts, path)?;
    Ok(conn)
}

/// Opens a connection; `path` is the database's own path, for messages.
fn connect(target: &Path, flags: OpenFlags, path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(target, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| sqlite_error(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Per-connection settings: they change nothing in the file.
fn connection_settings(conn: &Connection, path: &Path) -> Result<()> {
    conn.pragma_update(None, "synchronous", "NORMAL")
        .and_then(|()| conn.pragma_update(None, "foreign_keys", "ON"))
        .map_err(|e| sqlite_error(path, e))
}

/// A SQLite failure as the typed error it means, with the raw one kept as the cause.
fn sqlite_error(path: &Path, error: rusqlite::Error) -> anyhow::Error {
    match classify_sqlite(path, &error) {
        Some(typed) => anyhow::Error::new(error).context(typed),
        None => {
            anyhow::Error::new(error).context(format!("cannot use the database {}", path.display()))
        }
    }
}

fn cannot_read(path: &Path, error: &std::io::Error) -> anyhow::Error {
    let reason = if error.kind() == std::io::ErrorKind::PermissionDenied {
        format!(
            "this user may not read it: {}; the service's database is root's, use sudo",
            who_may(path)
        )
    } else {
        error.to_string()
    };
    StoreError::CannotOpen {
        path: path.to_path_buf(),
        reason,
    }
    .into()
}

/// Failures that mean "the shared-memory WAL index cannot be made or grown here" (a full disk,
/// a directory this user may not write), as opposed to a damaged or foreign file.
fn wal_index_unavailable(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(
            ErrorCode::SystemIoFailure
                | ErrorCode::ReadOnly
                | ErrorCode::CannotOpen
                | ErrorCode::DiskFull
                | ErrorCode::PermissionDenied
        )
    )
}

fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn wal_is_empty(path: &Path) -> bool {
    std::fs::metadata(companion(path, "-wal")).map_or(true, |m| m.len() == 0)
}

/// `file:PATH?immutable=1`, the path percent-encoded as SQLite's URI parser expects.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for &byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            uri.push(byte as char);
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Makes the database's directory (0750) and an empty database file (0600) when they do not
/// exist, whatever the umask, so the audit log is never readable by everyone.
fn create_private(path: &Path) -> Result<()> {
    let dir = directory(path);
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(DIRECTORY_MODE)
            .create(dir)
            .map_err(|e| io_error(path, e, "cannot create the directory for the database"))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIRECTORY_MODE))
            .map_err(|e| io_error(path, e, "cannot set the mode of the database's directory"))?;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(DATABASE_MODE)
        .open(path)
    {
        Ok(file) => file
            .set_permissions(std::fs::Permissions::from_mode(DATABASE_MODE))
            .map_err(|e| io_error(path, e, "cannot set the mode of the new database")),
        // Another process made it first, or it was there all along: it is opened as it is.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io_error(path, e, "cannot create the database")),
    }
}

fn io_error(path: &Path, error: std::io::Error, what: &str) -> anyhow::Error {
    match classify_io(path, &error) {
        Some(typed) => anyhow::Error::new(error).context(typed),
        None => anyhow::Error::new(error).context(format!("{what} {}", path.display())),
    }
}

/// `PRAGMA journal_mode=WAL` needs a moment alone with the file: a second process opening a
/// fresh database at the same time gets SQLITE_BUSY without waiting, so it retries.
fn use_wal(conn: &Connection, path: &Path) -> Result<()> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        let result: rusqlite::Result<String> =
            conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0));
        match result {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(mode) => bail!(
                "cannot switch {} to WAL mode (it stays in {mode} mode)",
                path.display()
            ),
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                ) && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(sqlite_error(path, e)),
        }
    }
}

/// A non-empty file that does not start with the SQLite header is left alone.
fn refuse_non_sqlite(path: &Path) -> Result<()> {
    let mut header = [0u8; 16];
    let read = match std::fs::File::open(path) {
        Ok(mut file) => file
            .read(&mut header)
            .with_context(|| format!("cannot read {}", path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(cannot_read(path, &e)),
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

/// What the first reads of a file say about it.
struct Header {
    application_id: i32,
    tables: i64,
    /// `PRAGMA quick_check` on a non-empty schema, else "ok".
    check: String,
    wal: bool,
}

/// Reads them in one read transaction: another process creating the schema in between must
/// not make a fresh database look like someone else's (tables, but no application id yet).
fn read_header(conn: &Connection) -> rusqlite::Result<Header> {
    let snapshot = conn.unchecked_transaction()?;
    let header = read_header_in(&snapshot)?;
    snapshot.commit()?;
    Ok(header)
}

fn read_header_in(conn: &Connection) -> rusqlite::Result<Header> {
    let application_id = conn.query_row("PRAGMA application_id", [], |row| row.get(0))?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))?;
    let check = if tables > 0 {
        conn.query_row("PRAGMA quick_check", [], |row| row.get(0))?
    } else {
        "ok".to_string()
    };
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |row| row.get(0))?;
    Ok(Header {
        application_id,
        tables,
        check,
        wal: mode.eq_ignore_ascii_case("wal"),
    })
}

/// A SQLite file that holds someone else's tables, or is damaged, is left alone.
fn refuse_foreign(header: &Header, path: &Path) -> Result<()> {
    if header.application_id != APPLICATION_ID && (header.application_id != 0 || header.tables > 0)
    {
        bail!(
            "{} is a SQLite database that belongs to another program; nothing was changed. \
             Pass --db with the path of an imgreaper database or a new file",
            path.display()
        );
    }
    if header.check != "ok" {
        return Err(StoreError::Damaged {
            path: path.to_path_buf(),
            detail: header.check.clone(),
        }
        .into());
    }
    Ok(())
}
