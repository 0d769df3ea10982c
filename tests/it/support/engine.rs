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
        let dir = self.dir.path();
        let child = Command::new("dockerd")
            .args([
                "--host",
                &self.host(),
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
