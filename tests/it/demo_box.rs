//! The demo box: `assets/demo/up` fills a private engine (started by tests/engine/up in a
//! directory of this test's own, so the shared test engine is untouched) with an edge box, and
//! `--console` opens the console on it. The console shows scheduled, in-use, spared and dangling
//! rows with live countdowns and says it is a demo engine. Loading it again is harmless.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;
use support::tmux::{Tmux, have_tmux};

const BIN: &str = env!("CARGO_BIN_EXE_imgreaper");

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The private engine's directory; the engine in it is stopped on drop.
struct DemoEngine {
    dir: tempfile::TempDir,
}

impl DemoEngine {
    fn new() -> DemoEngine {
        // Short: the engine's sockets live under it.
        let dir = tempfile::Builder::new()
            .prefix("igdemo")
            .tempdir_in("/tmp")
            .unwrap();
        DemoEngine { dir }
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "IMGREAPER_TEST_ENGINE_DIR",
                self.dir.path().display().to_string(),
            ),
            ("IMGREAPER_BIN", BIN.to_string()),
        ]
    }

    fn up(&self, args: &[&str]) -> Output {
        let mut command = Command::new(repo().join("assets/demo/up"));
        command
            .args(args)
            .env_remove("DOCKER_HOST")
            .env_remove("IMGREAPER_DB");
        for (key, value) in self.env() {
            command.env(key, value);
        }
        command.output().expect("assets/demo/up runs")
    }

    fn host(&self) -> String {
        format!("unix://{}/docker.sock", self.dir.path().display())
    }

    fn docker(&self, args: &[&str]) -> String {
        let output = Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", self.host())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// (images, dangling images, running containers, stopped containers) on the demo engine.
    fn census(&self) -> (usize, usize, usize, usize) {
        let count = |args: &[&str]| self.docker(args).lines().count();
        (
            count(&["images", "-q", "--no-trunc"]),
            count(&["images", "-q", "--filter", "dangling=true"]),
            count(&["ps", "-q"]),
            count(&["ps", "-q", "--filter", "status=exited"]),
        )
    }
}

impl Drop for DemoEngine {
    /// Containers first, so the engine stops at once and leaves no mounts behind.
    fn drop(&mut self) {
        let containers = Command::new("docker")
            .args(["ps", "-aq"])
            .env("DOCKER_HOST", self.host())
            .output();
        if let Ok(containers) = containers {
            let ids = String::from_utf8_lossy(&containers.stdout).into_owned();
            for id in ids.split_whitespace() {
                let _ = Command::new("docker")
                    .args(["rm", "-f", id])
                    .env("DOCKER_HOST", self.host())
                    .output();
            }
        }
        let _ = Command::new(repo().join("tests/engine/down"))
            .env("IMGREAPER_TEST_ENGINE_DIR", self.dir.path())
            .output();
    }
}

fn exported(stdout: &str, key: &str) -> String {
    stdout
        .split_whitespace()
        .find_map(|word| word.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key} in {stdout:?}"))
        .to_string()
}

#[test]
fn demo_box_loads_and_the_console_shows_it() {
    if !have_tmux() || !support::engine::OwnEngine::possible() {
        eprintln!("SKIPPED demo_box_loads_and_the_console_shows_it: needs tmux, root and dockerd");
        return;
    }
    support::host(); // installs what the engine needs, and the loopback registry
    let engine = DemoEngine::new();

    let started = Instant::now();
    let first = engine.up(&[]);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "assets/demo/up failed:\n{stderr}");
    eprintln!(
        "assets/demo/up with a fresh engine took {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert_eq!(exported(&stdout, "DOCKER_HOST"), engine.host(), "{stdout}");
    let db = PathBuf::from(exported(&stdout, "IMGREAPER_DB"));
    assert!(db.starts_with(engine.dir.path()), "{}", db.display());

    let census = engine.census();
    let (images, dangling, running, stopped) = census;
    assert!(images >= 12, "{census:?}");
    assert_eq!((dangling, running, stopped), (2, 1, 1), "{census:?}");
    let pulled = Command::new(BIN)
        .args(["--db", db.to_str().unwrap(), "images", "--json"])
        .env("DOCKER_HOST", engine.host())
        .output()
        .unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&pulled.stdout).unwrap();
    assert!(
        rows.iter()
            .any(|r| r["agent_downloaded"] == true && r["state"] == "scheduled"),
        "no agent-downloaded image scheduled"
    );
    // The two nightly builds the tag moved away from show the name they had (issue 20: the
    // first load showed them as bare `<none>` rows).
    let nameless: Vec<&serde_json::Value> = rows.iter().filter(|r| r["dangling"] == true).collect();
    assert_eq!(nameless.len(), 2, "{nameless:#?}");
    for row in &nameless {
        assert!(
            row["former_names"]
                .as_array()
                .is_some_and(|names| names.iter().any(|n| n == "myorg/ui:nightly")),
            "a nightly build without its former name: {row:#}"
        );
    }
    let policies = Command::new(BIN)
        .args(["--db", db.to_str().unwrap(), "policy", "list"])
        .output()
        .unwrap();
    let policies = String::from_utf8_lossy(&policies.stdout);
    for name in ["edge-default", "anax-nmp", "rollouts"] {
        assert!(policies.contains(name), "{name} not applied:\n{policies}");
    }

    // The README's way: load again and open the console, in a terminal.
    let mut env = engine.env();
    env.push(("TERM", "xterm-256color".into()));
    let tmux = Tmux::start("demo", (160, 50), &env);
    tmux.type_text(&format!(
        "{} --console",
        repo().join("assets/demo/up").display()
    ));
    tmux.send(&["Enter"]);
    // The enforcer the loading ran has let go: the console enforces.
    let screen = tmux.wait_until("the demo in the console", |s| {
        s.contains("myorg/gateway") && s.contains("<none>") && s.contains("this console")
    });
    let line_with = |word: &str| {
        screen
            .lines()
            .find(|l| l.contains(word))
            .unwrap_or_else(|| panic!("no {word} row:\n{screen}"))
    };
    assert!(line_with("Demo engine").contains("--host"), "{screen}");
    assert!(screen.contains("DOCKER_HOST"), "{screen}");
    line_with("in use");
    line_with("spared");
    assert!(
        line_with("<none>").contains("formerly myorg/ui:nightly"),
        "{screen}"
    );
    let scheduled = line_with("scheduled");
    assert!(
        scheduled.contains(" in ") && scheduled.contains('m'),
        "no countdown: {scheduled}"
    );
    assert_eq!(engine.census(), census, "loading again changed the fixture");
    tmux.send(&["q"]);
    tmux.wait_until("the shell prompt", |s| s.trim_end().ends_with("E2E$"));
}
