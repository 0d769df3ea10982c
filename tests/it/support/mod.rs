//! Shared by the integration tests: a real Docker engine (started by tests/engine/up when none
//! answers), images made offline with `docker import`, and the real binary.
#![allow(dead_code)]

pub mod bench;
pub mod console;
pub mod engine;
pub mod fleet;
pub mod fs;
pub mod images;
pub mod podman;
pub mod policy;
pub mod proxy;
pub mod registry;
pub mod sshd;
pub mod tmux;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long a test waits for a condition before it fails: generous, so a loaded machine makes
/// a test slower, never red. (Speed is measured by tests/bench, never asserted.)
pub const PATIENCE: Duration = Duration::from_secs(90);

/// Waits until the wall clock has passed `second` (Unix seconds): for what is stamped in whole
/// seconds (engine events, first-seen times), so two stamps come out in order. At most a second.
pub fn wait_for_wall_clock_after(second: i64) {
    while imgreaper::node::clock::unix_now() <= second {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls `done` until it holds; fails the test, naming `what`, after `PATIENCE`.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < PATIENCE, "waited {PATIENCE:?} for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The engine address every test uses. Runs tests/engine/up once, which reuses a reachable
/// engine or (as root) installs and starts a private one.
pub fn host() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engine/up");
        let output = Command::new(&script)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        assert!(
            output.status.success(),
            "no Docker engine for the tests: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8_lossy(&output.stdout);
        text.trim()
            .strip_prefix("export DOCKER_HOST=")
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("tests/engine/up printed {text:?}"))
            .to_string()
    })
}

/// Runs the docker CLI against the test engine; panics with its stderr on failure.
pub fn docker(args: &[&str]) -> String {
    docker_ok_on(host(), args)
}

pub fn docker_output(args: &[&str]) -> Output {
    docker_on(host(), args)
}

/// Runs the docker CLI against the engine at `engine`; panics with its stderr on failure.
pub fn docker_ok_on(engine: &str, args: &[&str]) -> String {
    let output = docker_on(engine, args);
    assert!(
        output.status.success(),
        "docker {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Auto mode with no start-up delay and no minimum age: what is due goes at once.
pub fn auto_without_guards(interval_secs: i64) -> imgreaper::core::settings::Settings {
    imgreaper::core::settings::Settings {
        mode: imgreaper::core::model::Mode::Auto,
        startup_delay_secs: 0,
        min_age_secs: 0,
        interval_secs,
    }
}

/// Runs the docker CLI against the engine at `host`.
pub fn docker_on(host: &str, args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .env("DOCKER_HOST", host)
        .output()
        .expect("the docker CLI runs")
}

/// Whether the engine still has something by this name or ID.
pub fn exists(reference: &str) -> bool {
    docker_output(&["image", "inspect", reference])
        .status
        .success()
}

/// A name prefix unique to one test run, so parallel tests never touch each other's images.
pub fn unique_prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("itest-{test}-{}-{nanos:x}", std::process::id())
}

/// The binary under test: this build's, or the one `IMGREAPER_TEST_BINARY` names (to see a
/// test fail on an earlier build).
pub fn binary() -> std::path::PathBuf {
    std::env::var_os("IMGREAPER_TEST_BINARY")
        .filter(|path| !path.is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_imgreaper").into())
}

/// A temporary directory holding this test's database.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub prefix: String,
}

impl Sandbox {
    pub fn new(test: &str) -> Sandbox {
        host();
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
            prefix: unique_prefix(test),
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("imgreaper.db")
    }

    /// A connection to this test's database.
    pub fn store(&self) -> imgreaper::node::store::Store {
        imgreaper::node::store::Store::open(&self.db()).expect("open store")
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write file");
        path
    }

    /// Applies a policy of one removal rule (saved under the name `policy`).
    pub fn apply_rule(&self, pattern: &str, minutes: u64, agent_downloaded_only: bool) {
        let file = self.write(
            "policy.json",
            &format!(
                r#"{{"image_policy": {{"removal": [{{"image_name": "{pattern}", "delete_after_minutes": {minutes}, "agent_downloaded_only": {agent_downloaded_only}}}]}}}}"#
            ),
        );
        self.ok(&["policy", "apply", file.to_str().unwrap()]);
    }

    /// Makes everything under this test's prefix due at once.
    pub fn all_due(&self) {
        self.apply_rule(&format!("{}/*", self.prefix), 0, false);
    }

    /// `prefix/name` — a repository name owned by this test.
    pub fn repo(&self, name: &str) -> String {
        format!("{}/{name}", self.prefix)
    }

    /// Runs the real binary with this sandbox's database and the test engine.
    pub fn imgreaper(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("imgreaper runs")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(binary());
        command
            .args(args)
            .env("DOCKER_HOST", host())
            .env("IMGREAPER_DB", self.db())
            .env_remove("SSH_CLIENT")
            .env_remove("SSH_CONNECTION")
            // Tables are whole unless a test asks for a width.
            .env_remove("COLUMNS");
        command
    }

    /// Like `imgreaper` but asserts success and returns standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.imgreaper(args);
        assert!(
            output.status.success(),
            "imgreaper {} failed ({:?}): {}",
            args.join(" "),
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `images --json`, only this test's references.
    pub fn images_json(&self) -> Vec<serde_json::Value> {
        let text = self.ok(&["images", "--json"]);
        let all: Vec<serde_json::Value> =
            serde_json::from_str(&text).expect("images --json is JSON");
        all.into_iter()
            .filter(|r| {
                r["reference"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(&self.prefix))
            })
            .collect()
    }
}

impl Drop for Sandbox {
    /// Removes this test's containers and images, even when the test failed.
    fn drop(&mut self) {
        let containers = docker_output(&[
            "ps",
            "-aq",
            "--filter",
            &format!("name={}", self.prefix.replace('/', "-")),
        ]);
        for id in String::from_utf8_lossy(&containers.stdout).split_whitespace() {
            let _ = docker_output(&["rm", "-f", id]);
        }
        let images = docker_output(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
        for reference in String::from_utf8_lossy(&images.stdout)
            .lines()
            .filter(|r| r.starts_with(&self.prefix))
        {
            let _ = docker_output(&["rmi", "-f", reference]);
        }
        // What is left without a name (moved tags, interrupted removals) carries our label.
        let label = format!("label={}={}", images::OWNER_LABEL, self.prefix);
        let leftovers = docker_output(&["images", "-aq", "--no-trunc", "--filter", &label]);
        for id in String::from_utf8_lossy(&leftovers.stdout).split_whitespace() {
            let _ = docker_output(&["rmi", "-f", id]);
        }
    }
}
