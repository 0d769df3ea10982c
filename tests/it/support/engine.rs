//! A dockerd of a test's own, so stopping, killing or filling it disturbs no other test.

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct OwnEngine {
    pub dir: tempfile::TempDir,
    child: Option<Child>,
}

impl OwnEngine {
    /// Whether this machine can start one (root and dockerd); says why not when it cannot.
    pub fn possible() -> bool {
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let dockerd = Command::new("dockerd").arg("--version").output().is_ok();
        if !(root && dockerd) {
            eprintln!(
                "skipped: starting a second dockerd needs root and dockerd (tests/engine/up installs it)"
            );
        }
        root && dockerd
    }

    pub fn new() -> OwnEngine {
        OwnEngine {
            // Short: the socket path must fit in a Unix socket address.
            dir: tempfile::Builder::new()
                .prefix("imgr-own-")
                .tempdir_in("/tmp")
                .unwrap(),
            child: None,
        }
    }

    pub fn host(&self) -> String {
        format!("unix://{}/docker.sock", self.dir.path().display())
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
                &dir.join("root").to_string_lossy(),
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
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self.docker_output(&["version"]).status.success() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
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
        if let Some(mut child) = self.child.take() {
            // SAFETY: kill with a child's pid and a valid signal number.
            unsafe { libc::kill(child.id() as i32, signal) };
            child.wait().unwrap();
            // A killed dockerd may leave its containerd behind: stop it and wait until it is gone,
            // or the next dockerd waits on the old one's socket.
            let pattern = self.dir.path().join("exec").display().to_string();
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                let _ = Command::new("pkill").args(["-9", "-f", &pattern]).status();
                let left = Command::new("pgrep").args(["-f", &pattern]).output();
                if left.is_ok_and(|o| o.stdout.is_empty()) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            // Its pid file would name a pid that another process may now have: dockerd would
            // take that process for containerd and wait for it.
            let _ = std::fs::remove_file(self.dir.path().join("exec/containerd/containerd.pid"));
        }
    }

    pub fn docker_output(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", self.host())
            .output()
            .expect("the docker CLI runs")
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
}

impl Default for OwnEngine {
    fn default() -> Self {
        OwnEngine::new()
    }
}

impl Drop for OwnEngine {
    fn drop(&mut self) {
        self.stop();
    }
}
