//! Real filesystem faults for the store tests: a small tmpfs that can be filled or remounted
//! read-only, and running the binary as an unprivileged user (root ignores file modes).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A tmpfs of a given size mounted on a fresh directory, unmounted when dropped.
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts it; needs root (callers skip when `is_root()` is false).
    pub fn mount(bytes: u64) -> Tmpfs {
        let dir = tempfile::tempdir().expect("temp dir");
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={bytes},mode=0755"),
                "tmpfs",
            ])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(status.success(), "cannot mount a tmpfs on {:?}", dir.path());
        Tmpfs { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the filesystem has no space left.
    pub fn fill(&self) {
        let mut file = std::fs::File::create(self.path().join("filler")).expect("filler");
        let block = vec![0u8; 4096];
        while file.write_all(&block).is_ok() {}
        // Whatever is buffered is lost too: the point is that nothing fits.
        let _ = file.flush();
        let mut small = std::fs::OpenOptions::new()
            .append(true)
            .open(self.path().join("filler"))
            .expect("filler");
        while small.write_all(&[0]).is_ok() {}
    }

    /// Gives the space back: removes what `fill` wrote.
    pub fn make_room(&self) {
        std::fs::remove_file(self.path().join("filler")).expect("the filler is there");
    }

    /// Remounts it read-only (even root cannot write then).
    pub fn remount_read_only(&self) {
        let status = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(self.path())
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "cannot remount {:?} read-only",
            self.path()
        );
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.path()).status();
    }
}

/// A command that runs `program` as the unprivileged user `nobody`, keeping the `docker` group
/// (if there is one) so the engine still answers: a user who may use the engine but not write the
/// database.
pub fn as_nobody(program: &Path) -> Command {
    let mut command = Command::new("setpriv");
    command.args(["--reuid=nobody", "--regid=nogroup"]);
    match docker_gid() {
        Some(gid) => command.arg(format!("--groups={gid}")),
        None => command.arg("--clear-groups"),
    };
    command.arg("--").arg(program);
    command
}

fn docker_gid() -> Option<String> {
    let output = Command::new("getent")
        .args(["group", "docker"])
        .output()
        .ok()?;
    let line = String::from_utf8(output.stdout).ok()?;
    line.split(':').nth(2).map(|gid| gid.trim().to_string())
}

/// A temporary directory that other users may enter (tempfile makes 0700 ones).
pub fn shared_tempdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    set_mode(dir.path(), 0o755);
    dir
}

pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {mode:o} {}: {e}", path.display()));
}

pub fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

/// The database file and its WAL companions, when they exist.
pub fn with_companions(db: &Path) -> Vec<PathBuf> {
    let mut files = vec![db.to_path_buf()];
    for suffix in ["-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let path = PathBuf::from(name);
        if path.exists() {
            files.push(path);
        }
    }
    files
}
