//! The database on a full filesystem, or one this user may not write (file, directory or mount):
//! every command that only reads works, and one that must write says what is wrong and where,
//! never that the file is damaged. Real faults: a small tmpfs filled with a file, a read-only
//! remount, and the unprivileged user `nobody` (root ignores file modes).

use crate::support;

use std::path::Path;
use std::process::{Command, Output};
use support::Sandbox;
use support::fs::{Tmpfs, as_nobody, is_root, set_mode, shared_tempdir};

const POLICY: &str = r#"{"label": "edge", "image_policy": {"removal": [
    {"image_name": "itest-store-faults/*", "delete_after_minutes": 60}]}}"#;

/// Every command that only reads, as it would be typed.
fn reading_commands(policy: &Path) -> Vec<Vec<String>> {
    let policy = policy.to_str().unwrap().to_string();
    [
        vec!["images"],
        vec!["images", "--json"],
        vec!["policy", "list"],
        vec!["policy", "show", "edge"],
        vec!["policy", "export", "edge", "--format", "anax"],
        vec!["log"],
        vec!["log", "--json"],
        vec!["policy", "preview", &policy],
        vec!["policy", "preview", &policy, "--json"],
        vec!["settings"],
    ]
    .into_iter()
    .map(|args| args.into_iter().map(String::from).collect())
    .collect()
}

/// Commands that must write the database.
fn writing_commands(policy: &Path) -> Vec<Vec<String>> {
    let policy = policy.to_str().unwrap().to_string();
    [
        vec!["policy", "apply", &policy, "--name", "other"],
        vec!["policy", "delete", "edge"],
    ]
    .into_iter()
    .map(|args| args.into_iter().map(String::from).collect())
    .collect()
}

fn run(mut command: Command, db: &Path, args: &[String]) -> Output {
    command
        .args(args)
        .env("DOCKER_HOST", support::host())
        .env("IMGREAPER_DB", db)
        .env_remove("SSH_CLIENT")
        .env_remove("SSH_CONNECTION");
    command.output().expect("imgreaper runs")
}

fn as_root() -> Command {
    Command::new(env!("CARGO_BIN_EXE_imgreaper"))
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A database with one policy and a few audit entries.
fn seed(sandbox: &Sandbox, db: &Path) {
    let policy = sandbox.write("edge.json", POLICY);
    for _ in 0..3 {
        let output = run(
            as_root(),
            db,
            &[
                "policy".into(),
                "apply".into(),
                policy.display().to_string(),
            ],
        );
        assert!(output.status.success(), "{}", text(&output));
    }
}

fn assert_reads_work(sandbox: &Sandbox, db: &Path, command: impl Fn() -> Command) {
    let policy = sandbox.dir.path().join("edge.json");
    for args in reading_commands(&policy) {
        let output = run(command(), db, &args);
        assert!(
            output.status.success(),
            "`imgreaper {}` must work: {}",
            args.join(" "),
            text(&output)
        );
        assert!(!output.stdout.is_empty(), "{}", args.join(" "));
    }
    let list = run(command(), db, &["policy".into(), "list".into()]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("edge"));
    let log = run(command(), db, &["log".into(), "--json".into()]);
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&log.stdout).unwrap();
    assert_eq!(entries.len(), 3, "{}", text(&log));
}

fn assert_writes_fail_with(
    sandbox: &Sandbox,
    db: &Path,
    command: impl Fn() -> Command,
    expected: &str,
) {
    let policy = sandbox.dir.path().join("edge.json");
    for args in writing_commands(&policy) {
        let output = run(command(), db, &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{}", text(&output));
        assert!(stderr.contains(expected), "{}", text(&output));
        for wrong in ["damaged", "backup", "not a database"] {
            assert!(!stderr.contains(wrong), "{}", text(&output));
        }
    }
}

/// Every read works and every write fails saying `expected`; the failed writes changed
/// nothing, so the reads still work after them.
fn assert_only_reads(sandbox: &Sandbox, db: &Path, command: impl Fn() -> Command, expected: &str) {
    assert_reads_work(sandbox, db, &command);
    assert_writes_fail_with(sandbox, db, &command, expected);
    assert_reads_work(sandbox, db, &command);
}

#[test]
fn on_a_full_or_read_only_filesystem_reading_works_and_writing_says_which() {
    if !is_root() {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    }
    // (name, tmpfs size, the database under it, the fault, what a write says before the path)
    type Case = (&'static str, u64, &'static str, fn(&Tmpfs), &'static str);
    let cases: [Case; 2] = [
        (
            "fulldisk",
            2 << 20,
            "state/imgreaper.db",
            Tmpfs::fill,
            "disk full at",
        ),
        (
            "romount",
            8 << 20,
            "imgreaper.db",
            Tmpfs::remount_read_only,
            "read-only:",
        ),
    ];
    for (name, size, path, fault, says) in cases {
        let sandbox = Sandbox::new(name);
        let tmpfs = Tmpfs::mount(size);
        let db = tmpfs.path().join(path);
        seed(&sandbox, &db);
        fault(&tmpfs);
        assert_only_reads(&sandbox, &db, as_root, &format!("{says} {}", db.display()));
    }
}

/// A user who may read the database but not write it or its directory (no `-wal`/`-shm` can be
/// made there), as with a service's database opened by an operator in the docker group.
#[test]
fn a_user_who_may_only_read_reads_and_is_told_read_only() {
    if !is_root() {
        eprintln!("skipped: switching to another user needs root");
        return;
    }
    let sandbox = Sandbox::new("rouser");
    let dir = shared_tempdir();
    let db = dir.path().join("imgreaper.db");
    seed(&sandbox, &db);
    set_mode(&db, 0o644);
    set_mode(sandbox.dir.path(), 0o755);
    set_mode(&sandbox.dir.path().join("edge.json"), 0o644);
    let nobody = || as_nobody(Path::new(env!("CARGO_BIN_EXE_imgreaper")));

    assert_only_reads(
        &sandbox,
        &db,
        nobody,
        &format!("read-only: {}", db.display()),
    );

    // The same while the database is open in another process (its -wal and -shm exist, owned
    // by root): the reader shares them read-only.
    let holder = rusqlite::Connection::open(&db).unwrap();
    let _: i64 = holder
        .query_row("SELECT count(*) FROM policies", [], |row| row.get(0))
        .unwrap();
    assert_only_reads(
        &sandbox,
        &db,
        nobody,
        &format!("read-only: {}", db.display()),
    );
    drop(holder);

    // A read-only file in a directory the user owns: the same.
    let own = shared_tempdir();
    let own_db = own.path().join("imgreaper.db");
    std::fs::copy(&db, &own_db).unwrap();
    set_mode(&own_db, 0o444);
    let status = Command::new("chown")
        .args(["-R", "nobody"])
        .arg(own.path())
        .status()
        .unwrap();
    assert!(status.success());
    assert_only_reads(
        &sandbox,
        &own_db,
        nobody,
        &format!("read-only: {}", own_db.display()),
    );
}
