//! Docker engines of the tests' own, so stopping, killing or filling one disturbs no other test.
//!
//! `OwnEngine` is one test's dockerd, which it may stop, kill and start again. `quiet_engine()`
//! lends one dockerd, whose data root is a small tmpfs, to one test at a time, emptied: for tests
//! that need an engine where nothing else happens (disk use that moves only when they act), but
//! never stop it. Both are ended by the process IDs they started, never by a name pattern.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

pub struct OwnEngine {
    pub dir: tempfile::TempDir,
    child: Option<Child>,
}

impl OwnEngine {
    /// Whether this machine can start one (root and dockerd); says why not when it cannot.
    pub fn possible() -> bool {
        let root = super::fs::is_root();
        let dockerd = Command::new("dockerd").arg("--version").output().is_ok();
        if !(root && dockerd) {
            eprintln!(
                "skipped: starting a second dockerd needs root and dockerd (tests/engine/up installs it)"
            );
        }
        root && dockerd
    }

    pub fn new() -> OwnEngine {
        super::host(); // makes sure docker and busybox are installed
        OwnEngine {
            // Short: the socket path must fit in a Unix socket address.
            dir: tempfile::Builder::new()
                .prefix("imgr-own-")
                .tempdir_in("/tmp")
                .unwrap(),
            child: None,
        }
    }

    /// One whose data root is a tmpfs of `size` (e.g. `256m`): a disk that really fills, and
    /// whose use nothing but this engine changes.
    pub fn on_tmpfs(size: &str) -> OwnEngine {
        let engine = OwnEngine::new();
        let root = engine.data_root();
        std::fs::create_dir(&root).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&root)
            .output()
            .expect("mount runs");
        assert!(
            mounted.status.success(),
            "mount -t tmpfs (needs root): {}",
            String::from_utf8_lossy(&mounted.stderr)
        );
        engine
    }

    pub fn host(&self) -> String {
        format!("unix://{}/docker.sock", self.dir.path().display())
    }

    pub fn data_root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    pub fn start(&mut self) {
        self.launch(None, &[]);
    }

    /// Starts it with more arguments (another `--host`, TLS).
    pub fn start_with(&mut self, extra: &[&str]) {
        self.launch(None, extra);
    }

    /// Starts it as systemd's `docker.socket` does: `listener` (bound to this engine's socket
    /// path, held by the caller across restarts) is handed to `dockerd -H fd://`.
    pub fn start_activated(&mut self, listener: &std::os::unix::net::UnixListener) {
        self.launch(Some(listener), &[]);
    }

    fn launch(&mut self, listener: Option<&std::os::unix::net::UnixListener>, extra: &[&str]) {
        use std::os::fd::AsRawFd;
        use std::os::unix::process::CommandExt;
        let dir = self.dir.path();
        let mut command = match listener {
            None => {
                let mut command = Command::new("dockerd");
                command.args(["--host", &self.host()]);
                command
            }
            Some(listener) => {
                // The listening socket becomes fd 3, and LISTEN_PID names dockerd itself.
                let fd = listener.as_raw_fd();
                let mut command = Command::new("sh");
                command
                    .args([
                        "-c",
                        "LISTEN_PID=$$ exec dockerd -H fd:// \"$@\"",
                        "dockerd",
                    ])
                    .env("LISTEN_FDS", "1");
                // SAFETY: dup2 and fcntl are async-signal-safe; fd is open in the parent.
                unsafe {
                    command.pre_exec(move || {
                        if libc::dup2(fd, 3) < 0 {
                            return Err(std::io::Error::last_os_error());
                        }
                        libc::fcntl(3, libc::F_SETFD, 0);
                        Ok(())
                    });
                }
                command
            }
        };
        let child = command
            .args(extra)
            .args([
                "--data-root",
                &self.data_root().to_string_lossy(),
                "--exec-root",
                &dir.join("exec").to_string_lossy(),
                "--pidfile",
                &dir.join("pid").to_string_lossy(),
                "--bridge",
                "none",
                "--iptables=false",
                "--ip-masq=false",
            ])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("dockerd.log")).unwrap())
            .spawn()
            .expect("dockerd starts");
        self.child = Some(child);
        let deadline = Instant::now() + super::PATIENCE;
        while Instant::now() < deadline {
            if self.docker_output(&["version"]).status.success() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log = std::fs::read_to_string(dir.join("dockerd.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        panic!(
            "the test's own dockerd did not come up; the end of its log:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }

    /// Stops it cleanly (SIGTERM) and waits.
    pub fn stop(&mut self) {
        self.end(libc::SIGTERM);
    }

    /// Kills it outright (SIGKILL), as a crash or an OOM kill would.
    pub fn kill(&mut self) {
        self.end(libc::SIGKILL);
    }

    fn end(&mut self, signal: i32) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // What dockerd started (its containerd) outlives a killed dockerd: note those processes
        // now, by PID and start time, to end them after it.
        let started = descendants(child.id());
        // SAFETY: kill with a child's pid and a valid signal number.
        unsafe { libc::kill(child.id() as i32, signal) };
        child.wait().unwrap();
        for process in started {
            process.kill_and_wait();
        }
        // Its pid file would name a pid that another process may now have: dockerd would take
        // that process for containerd and wait for it.
        let _ = std::fs::remove_file(self.dir.path().join("exec/containerd/containerd.pid"));
    }

    pub fn docker_output(&self, args: &[&str]) -> Output {
        super::docker_on(&self.host(), args)
    }

    /// Runs the docker CLI against this engine; panics with its stderr on failure.
    pub fn docker(&self, args: &[&str]) -> String {
        super::docker_ok_on(&self.host(), args)
    }

    /// How many names under `prefix/` the engine holds.
    pub fn named(&self, prefix: &str) -> usize {
        let output = self.docker_output(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|line| line.starts_with(&format!("{prefix}/")))
            .count()
    }

    pub fn exists(&self, reference: &str) -> bool {
        self.docker_output(&["image", "inspect", reference])
            .status
            .success()
    }

    /// Removes every container and image: the next test finds it empty.
    fn empty(&self) {
        let containers = self.docker(&["ps", "-aq"]);
        for id in containers.split_whitespace() {
            self.docker(&["rm", "-f", id]);
        }
        let images = self.docker(&["images", "-aq", "--no-trunc"]);
        let ids: std::collections::BTreeSet<&str> = images.split_whitespace().collect();
        for id in ids {
            self.docker(&["rmi", "-f", id]);
        }
    }
}

impl Default for OwnEngine {
    fn default() -> Self {
        OwnEngine::new()
    }
}

impl Drop for OwnEngine {
    /// Stops dockerd, then unmounts what is left mounted under its directory, deepest first.
    fn drop(&mut self) {
        self.stop();
        let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
        let mut points: Vec<&str> = mounts
            .lines()
            .filter_map(|line| line.split_whitespace().nth(1))
            .filter(|point| Path::new(point).starts_with(self.dir.path()))
            .collect();
        points.sort_by_key(|p| std::cmp::Reverse(p.len()));
        for point in points {
            let _ = Command::new("umount").arg("-l").arg(point).output();
        }
    }
}

/// The quiet engine, lent to one test at a time.
pub struct QuietEngine {
    guard: MutexGuard<'static, Option<OwnEngine>>,
}

impl std::ops::Deref for QuietEngine {
    type Target = OwnEngine;
    fn deref(&self) -> &OwnEngine {
        self.guard.as_ref().expect("started")
    }
}

static QUIET: Mutex<Option<OwnEngine>> = Mutex::new(None);

/// Lends the quiet engine (a 256 MB tmpfs data root) to the calling test, empty; other tests
/// that ask wait until it is given back. Started on first use, stopped when the test process
/// exits.
pub fn quiet_engine() -> QuietEngine {
    let mut guard = QUIET.lock().unwrap_or_else(|e| e.into_inner());
    if guard.is_none() {
        let mut engine = OwnEngine::on_tmpfs("256m");
        engine.start();
        *guard = Some(engine);
        static STOP_AT_EXIT: OnceLock<()> = OnceLock::new();
        STOP_AT_EXIT.get_or_init(|| {
            // SAFETY: registers a plain function to run at exit.
            unsafe { libc::atexit(stop_quiet_engine) };
        });
    }
    guard.as_ref().expect("started").empty();
    QuietEngine { guard }
}

extern "C" fn stop_quiet_engine() {
    let mut guard = QUIET.lock().unwrap_or_else(|e| e.into_inner());
    drop(guard.take());
}

/// A process, known by its PID and its start time (so a reused PID is never mistaken for it).
struct Started {
    pid: i32,
    since: u64,
}

impl Started {
    fn of(pid: i32) -> Option<Started> {
        Some(Started {
            pid,
            since: stat(pid)?.start,
        })
    }

    fn alive(&self) -> bool {
        stat(self.pid).is_some_and(|s| s.start == self.since && s.state != 'Z')
    }

    fn kill_and_wait(&self) {
        let deadline = Instant::now() + super::PATIENCE;
        while self.alive() {
            // SAFETY: kill with a pid whose start time was just checked.
            unsafe { libc::kill(self.pid, libc::SIGKILL) };
            assert!(
                Instant::now() < deadline,
                "process {} does not die",
                self.pid
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

struct Stat {
    parent: i32,
    state: char,
    start: u64,
}

fn stat(pid: i32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    let fields: Vec<&str> = text.rsplit_once(')')?.1.split_whitespace().collect();
    Some(Stat {
        state: fields.first()?.chars().next()?,
        parent: fields.get(1)?.parse().ok()?,
        start: fields.get(19)?.parse().ok()?,
    })
}

/// Every process below `pid` now.
fn descendants(pid: u32) -> Vec<Started> {
    let mut processes: Vec<(i32, i32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        if let Some(child) = entry.file_name().to_str().and_then(|n| n.parse().ok())
            && let Some(s) = stat(child)
        {
            processes.push((child, s.parent));
        }
    }
    let mut found = vec![pid as i32];
    let mut next = 0;
    while next < found.len() {
        let parent = found[next];
        found.extend(processes.iter().filter(|p| p.1 == parent).map(|p| p.0));
        next += 1;
    }
    found.into_iter().skip(1).filter_map(Started::of).collect()
}
