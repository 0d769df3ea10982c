//! Who may read the database: it holds the audit log, with users and SSH client addresses.
//! A database imgreaper creates is 0600 (its -wal and -shm too) and a directory it creates for
//! it 0750, whatever the umask; as root the default directory is /var/lib/imgreaper.

use crate::support;

use imgreaper::node::store::{NewAudit, Store};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use support::fs::{is_root, mode_of, with_companions};

/// The real binary with the umask cleared, the worst case for new files.
fn imgreaper_with_open_umask(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_imgreaper"));
    command.args(args);
    // SAFETY: umask is async-signal-safe and only changes the child's file-creation mask.
    unsafe {
        command.pre_exec(|| {
            libc::umask(0);
            Ok(())
        });
    }
    command
}

#[test]
fn a_new_database_is_0600_in_a_0750_directory_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new/state/imgreaper.db");
    let output = imgreaper_with_open_umask(&["settings", "--mode", "auto"])
        .env("IMGREAPER_DB", &db)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(mode_of(&db), 0o600);
    assert_eq!(mode_of(db.parent().unwrap()), 0o750);

    // While a process has it open, its -wal and -shm exist; they are as private. The holder is
    // a process of its own: a umask is process-wide, and the other tests share this one.
    let second = dir.path().join("second.db");
    let mut holder = Command::new(std::env::current_exe().unwrap());
    holder
        .args([
            "--exact",
            "file_modes::hold_a_new_database_open",
            "--ignored",
        ])
        .args(["--nocapture", "--test-threads", "1"])
        .env(HOLD_DB, &second)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    // SAFETY: umask is async-signal-safe and only changes the child's file-creation mask.
    unsafe {
        holder.pre_exec(|| {
            libc::umask(0);
            Ok(())
        });
    }
    let mut holder = holder.spawn().unwrap();
    let mut lines = BufReader::new(holder.stdout.take().unwrap()).lines();
    assert!(
        lines.any(|line| line.is_ok_and(|l| l.contains(HOLDING))),
        "the holder did not open {}",
        second.display()
    );
    let modes: Vec<_> = with_companions(&second)
        .into_iter()
        .map(|file| (mode_of(&file), file))
        .collect();
    drop(holder.stdin.take());
    assert!(holder.wait().unwrap().success());
    assert_eq!(modes.len(), 3, "{modes:?}");
    for (mode, file) in modes {
        assert_eq!(mode, 0o600, "{}", file.display());
    }
}

const HOLD_DB: &str = "IMGREAPER_TEST_HOLD_DB";
const HOLDING: &str = "holding the database open";

/// Run by the test above in a process of its own (with its umask cleared): creates the database
/// named by `HOLD_DB`, writes to it, and keeps it open until its standard input closes.
#[test]
#[ignore = "a helper process of a_new_database_is_0600_in_a_0750_directory_whatever_the_umask"]
fn hold_a_new_database_open() {
    let path = std::env::var_os(HOLD_DB).expect("run by another test");
    let mut store = Store::open(std::path::Path::new(&path)).unwrap();
    store
        .audit(&NewAudit::policy(1, "test", "policy-apply", "p"))
        .unwrap();
    println!("{HOLDING}");
    std::io::stdin().read_to_end(&mut Vec::new()).unwrap();
}

#[test]
fn as_root_the_default_directory_is_0750_and_the_database_0600() {
    if !is_root() {
        eprintln!("skipped: the default directory is root's");
        return;
    }
    // A private mount namespace with an empty /var/lib, so the real one is never touched.
    let script = format!(
        "mount -t tmpfs tmpfs /var/lib && umask 000 && {bin} settings --mode auto >/dev/null && \
         stat -c '%a %n' /var/lib/imgreaper /var/lib/imgreaper/imgreaper.db",
        bin = env!("CARGO_BIN_EXE_imgreaper")
    );
    let output = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .env_remove("IMGREAPER_DB")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "750 /var/lib/imgreaper",
            "600 /var/lib/imgreaper/imgreaper.db"
        ]
    );
}
