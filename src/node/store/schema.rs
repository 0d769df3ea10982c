//! Numbered schema migrations; `PRAGMA user_version` records how many have run.

use super::open::APPLICATION_ID;
use anyhow::{Result, bail};
use rusqlite::{Connection, TransactionBehavior};

/// Migration N (1-based) is `MIGRATIONS[N - 1]`. Append only: never edit a shipped one.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "
    CREATE TABLE policies (
        name       TEXT PRIMARY KEY,
        position   INTEGER NOT NULL,
        spelling   TEXT NOT NULL,
        extra      TEXT NOT NULL,          -- other NMP fields, JSON object, kept verbatim
        enabled    INTEGER NOT NULL,
        start      INTEGER,                -- unix seconds, NULL = from when it was saved
        saved_at   INTEGER NOT NULL
    );
    CREATE TABLE rules (
        policy                TEXT NOT NULL REFERENCES policies(name) ON DELETE CASCADE,
        idx                   INTEGER NOT NULL,
        image_name            TEXT NOT NULL,
        delete_after_minutes  INTEGER NOT NULL, -- stored as i64 bits of the u64
        agent_downloaded_only INTEGER NOT NULL,
        PRIMARY KEY (policy, idx)
    );
    CREATE TABLE images (
        id               TEXT PRIMARY KEY,
        first_seen       INTEGER NOT NULL,
        last_used        INTEGER NOT NULL,  -- 0 while in use
        pulled_at        INTEGER,
        agent_downloaded INTEGER NOT NULL
    );
    CREATE TABLE pins (
        reference TEXT PRIMARY KEY,
        pinned_at INTEGER NOT NULL,
        actor     TEXT NOT NULL
    );
    CREATE TABLE postponements (
        reference TEXT PRIMARY KEY,
        until     INTEGER NOT NULL,
        actor     TEXT NOT NULL
    );
    CREATE TABLE approvals (
        reference   TEXT PRIMARY KEY,
        approved_at INTEGER NOT NULL,
        actor       TEXT NOT NULL
    );
    CREATE TABLE lease (
        id        INTEGER PRIMARY KEY CHECK (id = 1),
        holder    TEXT NOT NULL,
        kind      TEXT NOT NULL,
        mode      TEXT NOT NULL,
        host      TEXT NOT NULL,           -- with pid: a dead holder on this host is taken over
        pid       INTEGER NOT NULL,
        heartbeat INTEGER NOT NULL,
        expires   INTEGER NOT NULL
    );
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE audit (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        time        INTEGER NOT NULL,
        actor       TEXT NOT NULL,
        action      TEXT NOT NULL,
        reference   TEXT NOT NULL,
        image_id    TEXT NOT NULL,
        bytes_freed INTEGER NOT NULL,
        result      TEXT NOT NULL
    );
    CREATE INDEX audit_reference ON audit(reference);
    -- A removal is written here before the engine is asked and cleared after the outcome is
    -- in the audit log, so a crash in between is finished on the next start, never repeated.
    CREATE TABLE pending_removals (
        reference TEXT PRIMARY KEY,
        image_id  TEXT NOT NULL,
        bytes     INTEGER NOT NULL,
        actor     TEXT NOT NULL,
        started   INTEGER NOT NULL
    );
    ",
    // 2: decisions bound to an image; the operator's agent-downloaded flag apart from the
    // enforcer's records; times since boot beside wall-clock times; every name an image carried;
    // journal rows that name the process that owns them.
    "
    ALTER TABLE approvals ADD COLUMN image_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE postponements ADD COLUMN image_id TEXT NOT NULL DEFAULT '';
    CREATE TABLE ownership (
        image_id         TEXT PRIMARY KEY,
        agent_downloaded INTEGER NOT NULL,
        actor            TEXT NOT NULL,
        at               INTEGER NOT NULL
    );
    ALTER TABLE images ADD COLUMN boot TEXT;              -- boot ID the *_up columns belong to
    ALTER TABLE images ADD COLUMN first_seen_up INTEGER;  -- seconds since that boot
    ALTER TABLE images ADD COLUMN last_used_up INTEGER;
    ALTER TABLE images ADD COLUMN pulled_up INTEGER;
    CREATE TABLE image_names (
        image_id TEXT NOT NULL,
        name     TEXT NOT NULL,
        seen     INTEGER NOT NULL,   -- when the image last carried it
        PRIMARY KEY (image_id, name)
    );
    ALTER TABLE pending_removals ADD COLUMN owner TEXT NOT NULL DEFAULT '';
    ALTER TABLE pending_removals ADD COLUMN owner_host TEXT NOT NULL DEFAULT '';
    ALTER TABLE pending_removals ADD COLUMN owner_pid INTEGER NOT NULL DEFAULT 0;
    -- what the holder acts with (settings, guard start), for reading processes to show
    ALTER TABLE lease ADD COLUMN view TEXT NOT NULL DEFAULT '';
    ",
    // 3: counters for monitoring that survive restarts and the audit log's pruning, kept by a
    // trigger so every audit insert, from any process, counts in the same transaction.
    "
    CREATE TABLE counters (
        name  TEXT PRIMARY KEY,   -- action:ACTION, or freed_bytes
        value INTEGER NOT NULL
    );
    INSERT INTO counters (name, value)
        SELECT 'action:' || action, count(*) FROM audit GROUP BY action;
    INSERT INTO counters (name, value)
        SELECT 'freed_bytes', coalesce(sum(bytes_freed), 0) FROM audit
        WHERE action IN ('remove', 'untag');
    CREATE TRIGGER count_actions AFTER INSERT ON audit BEGIN
        INSERT INTO counters (name, value) VALUES ('action:' || NEW.action, 1)
            ON CONFLICT(name) DO UPDATE SET value = value + 1;
        INSERT INTO counters (name, value)
            SELECT 'freed_bytes', NEW.bytes_freed WHERE NEW.action IN ('remove', 'untag')
            ON CONFLICT(name) DO UPDATE SET value = value + excluded.value;
    END;
    ",
    // 4: keep rules and disk-pressure marks (§11). Pins hold patterns from now on; the column
    // keeps its name.
    "
    CREATE TABLE keep_rules (
        policy     TEXT NOT NULL REFERENCES policies(name) ON DELETE CASCADE,
        idx        INTEGER NOT NULL,
        image_name TEXT NOT NULL,
        last       INTEGER,                -- NULL keeps every match; i64 bits of the u64
        PRIMARY KEY (policy, idx)
    );
    ALTER TABLE policies ADD COLUMN disk_high_percent INTEGER;
    ALTER TABLE policies ADD COLUMN disk_low_percent INTEGER;
    ",
    // 5: a postponement belongs to one image under one name and stays with that image when the
    // name moves on, so two images may each hold one under the same name.
    "
    CREATE TABLE postponements_by_image (
        reference TEXT NOT NULL,
        image_id  TEXT NOT NULL,
        until     INTEGER NOT NULL,
        actor     TEXT NOT NULL,
        PRIMARY KEY (reference, image_id)
    );
    INSERT INTO postponements_by_image SELECT reference, image_id, until, actor FROM postponements;
    DROP TABLE postponements;
    ALTER TABLE postponements_by_image RENAME TO postponements;
    ",
    // 6: an image being deleted holds a private name while its public names are off (so no
    // new container resolves to it) and the engine's own in-use check runs; a crash in between
    // leaves this row, and the next run puts the names back or records the deletion.
    "
    CREATE TABLE holds (
        image_id   TEXT PRIMARY KEY,
        hold       TEXT NOT NULL,          -- the private name
        names      TEXT NOT NULL,          -- JSON array: the public names to put back
        owner      TEXT NOT NULL,
        owner_host TEXT NOT NULL,
        owner_pid  INTEGER NOT NULL,
        started    INTEGER NOT NULL
    );
    ",
    // 7: each image record keeps its boot's wall-clock offset (wall − time since boot) as last
    // observed, so after a reboot the stamps of that boot are placed with the clock as NTP
    // corrected it, not as it read when they were taken (§16).
    // A postponement also keeps its end on the monotonic clock of the boot it was given in, so a
    // clock corrected after it was given neither shortens nor stretches it.
    "
    ALTER TABLE images ADD COLUMN boot_offset INTEGER;
    ALTER TABLE postponements ADD COLUMN boot TEXT;
    ALTER TABLE postponements ADD COLUMN until_up INTEGER;
    -- The lease expires on the monotonic clock of the boot it was taken in: a wall-clock step
    -- never hands a live holder's lease to another process.
    ALTER TABLE lease ADD COLUMN boot TEXT;
    ALTER TABLE lease ADD COLUMN expires_up INTEGER;
    ",
];

/// Brings the schema up to date. A database already current is only read. Otherwise every
/// pending migration runs in one `BEGIN IMMEDIATE` transaction that reads `user_version` again
/// once it holds the write lock: two processes opening a fresh database at once wait for each
/// other, and the second finds the work done instead of creating the tables twice.
pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
    if check_version(user_version(conn)?)? == MIGRATIONS.len() {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version = check_version(user_version(&tx)?)?;
    if version == MIGRATIONS.len() {
        // Another process did it while this one waited: nothing to write (a needless commit
        // here would break that process's next read-then-write transaction).
        return Ok(());
    }
    for sql in &MIGRATIONS[version..] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()?;
    Ok(())
}

fn user_version(conn: &Connection) -> rusqlite::Result<usize> {
    conn.query_row("PRAGMA user_version", [], |row| row.get::<_, i64>(0))
        .map(|v| v.max(0) as usize)
}

/// The version, if this imgreaper knows it.
fn check_version(version: usize) -> Result<usize> {
    if version > MIGRATIONS.len() {
        bail!(
            "the database was written by a newer imgreaper (schema {version}, this one knows {}); \
             upgrade imgreaper or use another --db",
            MIGRATIONS.len()
        );
    }
    Ok(version)
}
