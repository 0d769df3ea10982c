//! End to end: the real binary in tmux against the real Docker engine (tests/support finds one or
//! starts a private one).
//! Types keys, reads the screen, checks the engine. Skipped (with a message) only without tmux.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::tmux::{Tmux, have_tmux};

const BIN: &str = env!("CARGO_BIN_EXE_imgreaper");

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env("DOCKER_HOST", support::host())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

fn ok(program: &str, args: &[&str]) -> String {
    let output = run(program, args);
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Unique per test process and test, so parallel runs on one engine never collide.
fn unique(label: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("imgreaper-e2e-{label}-{}-{nanos}", std::process::id())
}

/// Images and containers this test made; removed on drop, also when the test fails.
struct EngineLitter {
    images: Vec<String>,
    containers: Vec<String>,
    /// The test's database and policy file.
    dir: tempfile::TempDir,
}

impl Drop for EngineLitter {
    fn drop(&mut self) {
        for container in &self.containers {
            let _ = run("docker", &["rm", "-f", container]);
        }
        for image in &self.images {
            let _ = run("docker", &["rmi", image]);
        }
    }
}

impl EngineLitter {
    fn new() -> EngineLitter {
        EngineLitter {
            images: Vec::new(),
            containers: Vec::new(),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A test image made offline (tests/support/images.rs), removed again on drop.
    fn import(&mut self, reference: &str) {
        self.images.push(reference.to_string());
        support::images::import(reference);
    }

    /// An image without a name: imported under `reference`, which then moves to a newer image.
    fn dangling(&mut self, reference: &str) -> String {
        let old = support::images::import(reference);
        self.images.push(old.clone());
        self.import(reference);
        old
    }

    fn container(&mut self, image: &str, name: &str) {
        self.containers.push(name.to_string());
        support::images::create_container(image, name);
    }
}

fn image_exists(reference: &str) -> bool {
    !ok("docker", &["images", "-q", reference]).trim().is_empty()
}

fn imgreaper(db: &Path, args: &[&str]) -> String {
    let mut all = vec!["--db", db.to_str().unwrap()];
    all.extend(args);
    ok(BIN, &all)
}

/// The screen line that shows a reference.
fn line_of<'a>(screen: &'a str, reference: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(reference))
        .unwrap_or_else(|| panic!("{reference} not on screen:\n{screen}"))
}

fn env_for(db: &Path) -> Vec<(&'static str, String)> {
    let host = support::host().to_string();
    vec![
        ("DOCKER_HOST", host),
        ("IMGREAPER_DB", db.display().to_string()),
        ("TERM", "xterm-256color".into()),
        ("RUST_BACKTRACE", "0".into()),
    ]
}

#[test]
fn console_end_to_end() {
    if !have_tmux() {
        eprintln!(
            "SKIPPED console_end_to_end: tmux is not installed (tests/engine/up installs it)"
        );
        return;
    }
    let prefix = unique("c");
    let (a, b, c) = (
        format!("{prefix}-a:1"),
        format!("{prefix}-b:1"),
        format!("{prefix}-c:1"),
    );
    let container = format!("{prefix}-ctr");
    let mut litter = EngineLitter::new();
    litter.import(&a);
    litter.import(&b);
    litter.import(&c);
    litter.container(&c, &container);

    let db: PathBuf = litter.dir.path().join("imgreaper.db");
    let policy = litter.dir.path().join("e2e.json");
    // 60 minutes: nothing becomes due while the test runs; never a bare `*` on a shared engine.
    std::fs::write(
        &policy,
        format!(
            r#"{{"image_policy": {{"removal": [{{"image_name": "{prefix}-*", "delete_after_minutes": 60, "agent_downloaded_only": false}}]}}}}"#
        ),
    )
    .unwrap();
    imgreaper(
        &db,
        &["policy", "apply", policy.to_str().unwrap(), "--name", "e2e"],
    );
    imgreaper(
        &db,
        &[
            "run",
            "--once",
            "--startup-delay",
            "0s",
            "--min-age",
            "0s",
            "--mode",
            "approve",
        ],
    );

    let tmux = Tmux::start("e2e-t", (120, 32), &env_for(&db));
    tmux.type_text(BIN);
    tmux.send(&["Enter"]);
    // Its rows may be below the first screen: the shared engine holds other tests' images too.
    tmux.wait_until_loaded();

    // Filter to our images only.
    tmux.send(&["/"]);
    tmux.type_text(&prefix);
    tmux.send(&["Enter"]);
    tmux.wait_for_shown(3);
    let first = tmux.wait_until("the filter", |s| s.contains(&a));
    assert!(
        !first.contains(" alpine"),
        "filter let other images through:\n{first}"
    );

    // The countdown ticks by itself.
    let before = line_of(&first, &a).to_string();
    assert!(
        before.contains("in 59m") || before.contains("in 1h"),
        "no countdown: {before}"
    );
    tmux.wait_until("the countdown to change", |s| line_of(s, &a) != before);

    // Postpone b by the default hour: its state becomes "postponed".
    tmux.send(&["Escape"]);
    tmux.send(&["/"]);
    tmux.type_text(&format!("{prefix}-b"));
    tmux.send(&["Enter"]);
    tmux.wait_for_shown(1);
    tmux.send(&["p"]);
    tmux.wait_for("Postpone");
    tmux.send(&["Enter"]);
    tmux.wait_until("b postponed", |s| {
        s.lines().any(|l| l.contains(&b) && l.contains("postponed"))
    });

    // An image in use: the dialog names the container and offers no confirm.
    tmux.send(&["Escape"]);
    tmux.send(&["/"]);
    tmux.type_text(&format!("{prefix}-c"));
    tmux.send(&["Enter"]);
    tmux.wait_for_shown(1);
    tmux.send(&["r"]);
    let refusal = tmux.wait_for("Cannot remove");
    assert!(
        refusal.contains(&format!("in use by {container}")),
        "{refusal}"
    );
    assert!(!refusal.contains("[ Remove ]"), "{refusal}");
    tmux.send(&["Escape"]);
    assert!(image_exists(&c));

    // Remove a through the dialog (Cancel is focused: tab to Remove, then enter).
    tmux.send(&["Escape"]);
    tmux.send(&["/"]);
    tmux.type_text(&format!("{prefix}-a"));
    tmux.send(&["Enter"]);
    tmux.wait_for_shown(1);
    tmux.send(&["r"]);
    let dialog = tmux.wait_for("Remove 1 reference?");
    assert!(dialog.contains(&format!("docker rmi {a}")), "{dialog}");
    tmux.send(&["Tab"]);
    tmux.send(&["Enter"]);
    tmux.wait(&format!("{a} to leave docker images"), || !image_exists(&a));
    tmux.wait_for(&format!("removed {a}"));

    // Rules view: edit the pattern; the preview's match count changes before saving.
    tmux.send(&["Escape"]);
    tmux.send(&["Tab"]);
    tmux.wait_for("POLICY / PATTERN");
    tmux.send(&["j"]);
    tmux.send(&["e"]);
    tmux.wait_for(&format!("Pattern {prefix}-* matches 2 local"));
    tmux.send(&["BSpace"]);
    tmux.type_text("b*");
    tmux.wait_for(&format!("Pattern {prefix}-b* matches 1 local"));
    tmux.send(&["Escape"]);
    let saved = imgreaper(&db, &["policy", "show", "e2e"]);
    assert!(
        saved.contains(&format!("{prefix}-*")),
        "the edit was saved without w: {saved}"
    );

    // q quits and gives the shell its normal screen back.
    tmux.send(&["q"]);
    tmux.wait_until("the shell prompt", |s| s.trim_end().ends_with("E2E$"));
    assert_eq!(tmux.display("#{alternate_on}"), "0");
}

/// Checks that the pane is back on the normal screen with a cooked terminal.
fn assert_restored(tmux: &Tmux) {
    tmux.wait("the normal screen back", || !tmux.console_running());
    tmux.wait("the shell in the foreground", || {
        tmux.display("#{pane_current_command}") == "sh"
    });
    tmux.type_text("clear");
    tmux.send(&["Enter"]);
    tmux.wait_until("a cleared screen", |s| s.trim() == "E2E$");
    tmux.type_text("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo -e -icanon -e -echo");
    tmux.send(&["Enter"]);
    let screen = tmux.wait_until("stty output", |s| s.matches("E2E$").count() >= 2);
    let flags: Vec<&str> = screen
        .lines()
        .map(str::trim)
        .filter(|l| !l.contains("E2E$"))
        .collect();
    assert!(
        flags.contains(&"icanon") && flags.contains(&"echo"),
        "terminal left raw:\n{screen}"
    );
}

#[test]
fn terminal_restored_after_panic() {
    if !have_tmux() {
        eprintln!("SKIPPED terminal_restored_after_panic: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("panic.db");
    let tmux = Tmux::start("e2e-p", (120, 32), &env_for(&db));
    tmux.type_text(&format!("IMGREAPER_TEST_PANIC=1 {BIN}"));
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("panicking after the first frame");
    assert!(screen.contains("IMGREAPER_TEST_PANIC"), "{screen}");
    assert_restored(&tmux);
}

#[test]
fn terminal_restored_after_sigterm() {
    if !have_tmux() {
        eprintln!("SKIPPED terminal_restored_after_sigterm: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("term.db");
    let tmux = Tmux::start("e2e-s", (120, 32), &env_for(&db));
    tmux.type_text(BIN);
    tmux.send(&["Enter"]);
    tmux.wait_for("Images");
    assert_eq!(tmux.display("#{alternate_on}"), "1");
    // The console is the shell's only child: signal exactly that process.
    let shell = tmux.display("#{pane_pid}");
    let child = ok("pgrep", &["-P", &shell]);
    let pid = child.split_whitespace().next().expect("the console runs");
    ok("kill", &["-TERM", pid]);
    assert_restored(&tmux);
}

/// The text inside the dialog box on a captured screen, its lines joined without whitespace (so
/// a wrapped command reads whole).
fn dialog_joined(screen: &str) -> String {
    screen
        .lines()
        .filter_map(|line| {
            let start = line.find('│')?;
            let end = line.rfind('│')?;
            (end > start).then(|| &line[start + '│'.len_utf8()..end])
        })
        .collect::<String>()
        .replace(char::is_whitespace, "")
}

fn assert_dialog_whole(screen: &str, names: &[String]) {
    assert!(
        screen.contains("[ Cancel ]") && screen.contains("[ Remove"),
        "the dialog lost its buttons:\n{screen}"
    );
    let joined = dialog_joined(screen);
    let command = joined
        .split("Sameas:")
        .nth(1)
        .unwrap_or_else(|| panic!("no command in the dialog:\n{screen}"));
    for name in names {
        assert!(
            command.contains(name.as_str()),
            "{name} is missing from the command:\n{screen}"
        );
    }
}

fn filter(tmux: &Tmux, text: &str) {
    tmux.send(&["/"]);
    tmux.type_text(text);
    tmux.send(&["Enter"]);
}

/// Issue 10, bugs 1 and 2, against the real binary and engine: the list gets shorter under the
/// cursor (another shell removes images, then the console's own dialog removes a dangling one)
/// and the dialog keeps its buttons and its whole command at 80×24 and 160×40.
#[test]
fn a_shorter_list_and_long_dialogs_on_the_real_engine() {
    if !have_tmux() {
        eprintln!("SKIPPED: tmux is not installed (tests/engine/up installs it)");
        return;
    }
    let prefix = unique("s");
    let repository = format!("{prefix}/edge/ml-inference-cpu-optimized-build");
    let names: Vec<String> = (0..8).map(|i| format!("{repository}:1.2.{i}")).collect();
    let mut litter = EngineLitter::new();
    for name in &names {
        litter.import(name);
    }
    let dangling = litter.dangling(&format!("{prefix}-dangling:1"));
    let db: PathBuf = litter.dir.path().join("imgreaper.db");
    let policy = litter.dir.path().join("long.json");
    std::fs::write(
        &policy,
        format!(
            r#"{{"image_policy": {{"removal": [{{"image_name": "{prefix}*", "delete_after_minutes": 60, "agent_downloaded_only": false}}]}}}}"#
        ),
    )
    .unwrap();
    imgreaper(&db, &["policy", "apply", policy.to_str().unwrap()]);

    let tmux = Tmux::start("e2e-t", (160, 40), &env_for(&db));
    tmux.type_text(BIN);
    tmux.send(&["Enter"]);
    tmux.wait_until_loaded();
    filter(&tmux, &prefix);
    tmux.wait_for_shown(9);

    // 160×40, every shown row marked: all names in the command, the buttons on screen.
    tmux.send(&["*"]);
    tmux.send(&["r"]);
    let screen = tmux.wait_for("Remove 9 references?");
    let mut all = names.clone();
    all.push(format!("{prefix}-dangling:1"));
    assert_dialog_whole(&screen, &all);
    tmux.send(&["Escape"]); // cancel
    tmux.send(&["Escape"]); // clear the filter
    tmux.send(&["Escape"]); // clear the marks
    tmux.resize(80, 24);

    // 80×24, three marked names, two of them hidden by the filter.
    for name in &names[..3] {
        filter(&tmux, name);
        tmux.wait_for_shown(1);
        tmux.send(&["Space"]);
        tmux.send(&["Escape"]);
    }
    filter(&tmux, &names[2]);
    tmux.send(&["r"]);
    let screen = tmux.wait_for("Remove 3 references?");
    assert!(
        screen.contains("2 of them marked but hidden by the filter"),
        "{screen}"
    );
    assert_dialog_whole(&screen, &names[..3]);
    tmux.send(&["Escape"]);
    tmux.send(&["Escape"]);
    tmux.send(&["Escape"]);

    // Bug 1: the cursor on the last row, another shell removes the last two.
    filter(&tmux, &prefix);
    tmux.wait_for_shown(9);
    tmux.send(&["G"]);
    ok("docker", &["rmi", &names[7], &names[6]]);
    tmux.wait_for_shown(7);
    tmux.send(&["k"]);
    tmux.send(&["j"]);
    assert!(
        tmux.console_running(),
        "the console exited:\n{}",
        tmux.screen()
    );

    // The console's own dialog removes a dangling image under the cursor (the last row).
    tmux.send(&["Escape"]);
    let short = &dangling["sha256:".len().."sha256:".len() + 12];
    filter(&tmux, short);
    tmux.wait_for_shown(1);
    tmux.send(&["G"]);
    tmux.send(&["r"]);
    let screen = tmux.wait_for("Remove 1 reference?");
    assert_dialog_whole(&screen, std::slice::from_ref(&dangling));
    tmux.send(&["y"]);
    tmux.wait("the dangling image to go", || {
        !run("docker", &["image", "inspect", &dangling])
            .status
            .success()
    });
    tmux.wait_for("Nothing matches the filter");
    assert!(
        tmux.console_running(),
        "the console exited:\n{}",
        tmux.screen()
    );
    tmux.send(&["q"]);
    tmux.wait_until("the shell prompt", |s| s.trim_end().ends_with("E2E$"));
}

/// Opens the Rules view and changes the first rule's minutes to `minutes` without saving.
fn edit_first_rule(tmux: &Tmux, minutes: &str) {
    tmux.send(&["2"]);
    tmux.wait_for("POLICY / PATTERN");
    tmux.send(&["j"]);
    tmux.send(&["e"]);
    tmux.wait_for("delete_after_minutes");
    tmux.send(&["Tab"]);
    tmux.send(&["BSpace", "BSpace"]);
    tmux.type_text(minutes);
    tmux.send(&["Enter"]);
    tmux.wait_for("edited, not saved");
}

/// Issue 10, bug 4: q with unsaved rule edits asks (stay, discard, save) on the real binary.
#[test]
fn q_with_unsaved_rule_edits_asks_on_the_real_binary() {
    if !have_tmux() {
        eprintln!("SKIPPED: tmux is not installed (tests/engine/up installs it)");
        return;
    }
    let prefix = unique("q");
    let mut litter = EngineLitter::new();
    litter.import(&format!("{prefix}-a:1"));
    let db: PathBuf = litter.dir.path().join("imgreaper.db");
    let policy = litter.dir.path().join("edits.json");
    std::fs::write(
        &policy,
        format!(
            r#"{{"image_policy": {{"removal": [{{"image_name": "{prefix}-*", "delete_after_minutes": 60, "agent_downloaded_only": false}}]}}}}"#
        ),
    )
    .unwrap();
    imgreaper(&db, &["policy", "apply", policy.to_str().unwrap()]);
    let minutes = |db: &Path| {
        let shown = imgreaper(db, &["policy", "show", "edits"]);
        let value: serde_json::Value = serde_json::from_str(&shown)
            .unwrap_or_else(|e| panic!("policy show is not JSON ({e}): {shown}"));
        value["image_policy"]["removal"][0]["delete_after_minutes"].clone()
    };

    let tmux = Tmux::start("e2e-t", (120, 32), &env_for(&db));
    tmux.type_text(BIN);
    tmux.send(&["Enter"]);
    tmux.wait_until_loaded();
    edit_first_rule(&tmux, "45");

    // q asks; esc stays; q then d discards and quits.
    tmux.send(&["q"]);
    tmux.wait_for("Quit with unsaved edits in 1 policy?");
    tmux.send(&["Escape"]);
    tmux.wait_until("the question to close", |s| {
        !s.contains("Quit with unsaved edits")
    });
    assert!(tmux.console_running());
    tmux.send(&["q"]);
    tmux.wait_for("Quit with unsaved edits");
    tmux.send(&["d"]);
    tmux.wait_until("the shell prompt", |s| s.trim_end().ends_with("E2E$"));
    assert_eq!(minutes(&db), 60, "discarding saved the edit");

    // Again: q then s saves and quits.
    tmux.type_text(BIN);
    tmux.send(&["Enter"]);
    tmux.wait_until_loaded();
    edit_first_rule(&tmux, "45");
    tmux.send(&["q"]);
    tmux.wait_for("Quit with unsaved edits");
    tmux.send(&["s"]);
    tmux.wait_until("the shell prompt", |s| s.trim_end().ends_with("E2E$"));
    assert_eq!(minutes(&db), 45, "save and quit did not save");
}

/// Issue 10, bug 11: a terminal that cannot move the cursor is refused with what to use instead.
#[test]
fn a_dumb_terminal_is_refused_naming_imgreaper_images() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["--db", dir.path().join("dumb.db").to_str().unwrap()])
        .env("TERM", "dumb")
        .env("DOCKER_HOST", support::host())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("TERM=dumb") && stderr.contains("imgreaper images"),
        "{stderr}"
    );
}

/// Forwards a Unix socket to the real engine's, from when it starts: an engine that "comes back".
struct EngineProxy {
    path: PathBuf,
}

impl EngineProxy {
    fn start(path: &Path) -> EngineProxy {
        let listener = std::os::unix::net::UnixListener::bind(path).unwrap();
        let engine = support::host()
            .strip_prefix("unix://")
            .expect("the test engine listens on a Unix socket")
            .to_string();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = std::os::unix::net::UnixStream::connect(&engine) else {
                    continue;
                };
                let (mut c1, mut s1) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (mut c2, mut s2) = (client, server);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c1, &mut s1);
                    let _ = s1.shutdown(std::net::Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut s2, &mut c2);
                    let _ = c2.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        EngineProxy {
            path: path.to_path_buf(),
        }
    }
}

impl Drop for EngineProxy {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Issue 10, bug 12: started with no engine, the console claims no data it does not have, and
/// R reconnects as soon as the engine answers.
#[test]
fn no_engine_at_start_then_r_reconnects() {
    if !have_tmux() {
        eprintln!("SKIPPED: tmux is not installed (tests/engine/up installs it)");
        return;
    }
    let prefix = unique("r");
    let mut litter = EngineLitter::new();
    litter.import(&format!("{prefix}-a:1"));
    let db: PathBuf = litter.dir.path().join("imgreaper.db");
    let socket = litter.dir.path().join("engine.sock");
    let mut env = env_for(&db);
    env[0].1 = format!("unix://{}", socket.display());
    let tmux = Tmux::start("e2e-t", (120, 32), &env);
    tmux.type_text(BIN);
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("Engine unreachable");
    assert!(screen.contains("no data yet"), "{screen}");
    assert!(!screen.contains("last data"), "{screen}");
    assert!(!screen.contains("Reading the engine"), "{screen}");

    let _engine = EngineProxy::start(&socket);
    tmux.send(&["R"]);
    tmux.wait_until("the engine's images", |s| {
        s.contains("REFERENCE") && !s.contains("Engine unreachable")
    });
    filter(&tmux, &prefix);
    tmux.wait_for(&format!("{prefix}-a:1"));
    tmux.send(&["q"]);
}

/// Ctrl-Z gives the shell its terminal back; fg brings the console back, repainted.
#[test]
fn ctrl_z_suspends_and_fg_resumes() {
    if !have_tmux() {
        eprintln!("SKIPPED: tmux is not installed (tests/engine/up installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("suspend.db");
    let tmux = Tmux::start("e2e-z", (120, 32), &env_for(&db));
    tmux.type_text(BIN);
    tmux.send(&["Enter"]);
    tmux.wait_until_loaded();
    tmux.send(&["C-z"]);
    tmux.wait_until("the shell", |s| s.contains("Stopped"));
    assert_eq!(tmux.display("#{alternate_on}"), "0");
    tmux.type_text("fg");
    tmux.send(&["Enter"]);
    tmux.wait_until_loaded();
    assert!(tmux.console_running());
    tmux.send(&["q"]);
    assert_restored(&tmux);
}
