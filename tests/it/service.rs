//! `imgreaper run` as a process: crash safety, engine outages, clean shutdown.

use crate::support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use support::engine::OwnEngine;
use support::images::import;
use support::{Sandbox, exists};

fn spawn_run(sandbox: &Sandbox, extra: &[&str]) -> Child {
    let mut args = vec!["run", "--startup-delay", "0s", "--min-age", "0s"];
    args.extend_from_slice(extra);
    sandbox
        .command(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("imgreaper run starts")
}

fn signal(child: &Child, signal: i32) {
    // SAFETY: kill with a child's pid and a valid signal number.
    unsafe { libc::kill(child.id() as i32, signal) };
}

#[test]
fn killed_mid_sweep_and_restarted_removes_every_due_reference_exactly_once() {
    let sandbox = Sandbox::new("sigkill");
    let references: Vec<String> = (0..40).map(|i| sandbox.repo(&format!("r:{i}"))).collect();
    for reference in &references {
        import(reference);
    }
    sandbox.all_due();

    let mut child = spawn_run(&sandbox, &[]);
    // Kill it as soon as the engine shows the sweep under way: the first name has come off.
    let deadline = Instant::now() + Duration::from_secs(120);
    let named = || {
        support::docker(&["images", "--format", "{{.Repository}}:{{.Tag}}"])
            .lines()
            .filter(|line| references.iter().any(|r| r == line))
            .count()
    };
    while named() == references.len() {
        assert!(Instant::now() < deadline, "the sweep never started");
    }
    signal(&child, libc::SIGKILL);
    child.wait().unwrap();
    let left = references.iter().filter(|r| exists(r)).count();
    assert!(
        left > 0,
        "the sweep had finished before the kill; the test proves nothing"
    );
    eprintln!(
        "killed mid-sweep with {left} of {} references left",
        references.len()
    );

    let output = sandbox.imgreaper(&["run", "--once", "--startup-delay", "0s", "--min-age", "0s"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let store = imgreaper::node::store::Store::open(&sandbox.db()).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert!(store.pending_removals().unwrap().is_empty());
    for reference in &references {
        assert!(
            !exists(reference),
            "{reference} is still there after the restart"
        );
    }
    let log = store.audit_log(10_000).unwrap();
    for reference in &references {
        let removals = log
            .iter()
            .filter(|e| {
                &e.entry.reference == reference
                    && (e.entry.action == "remove" || e.entry.action == "untag")
            })
            .count();
        assert_eq!(
            removals, 1,
            "{reference} removed {removals} times (left after the kill: {left})"
        );
    }
}

#[test]
fn sigterm_stops_the_service_cleanly_and_releases_the_lease() {
    let sandbox = Sandbox::new("sigterm");
    let mut child = spawn_run(&sandbox, &[]);
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    // Wait for the first cycle line.
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        match lines.next() {
            Some(Ok(line)) if line.contains("images,") => break,
            Some(Ok(_)) => continue,
            _ => panic!("run ended before its first cycle"),
        }
    }
    signal(&child, libc::SIGTERM);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let store = imgreaper::node::store::Store::open(&sandbox.db()).unwrap();
    assert!(
        store
            .lease(&imgreaper::node::clock::Clock::moment(
                &imgreaper::node::clock::SystemClock
            ))
            .unwrap()
            .is_none()
    );
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn the_service_reports_an_engine_outage_reconnects_and_carries_on() {
    if !OwnEngine::possible() {
        return;
    }
    let sandbox = Sandbox::new("outage");
    let mut engine = OwnEngine::new();
    engine.start();
    let mut child = sandbox
        .command(&[
            "--host",
            &engine.host(),
            "run",
            "--startup-delay",
            "0s",
            "--min-age",
            "0s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let wait_for = |needle: &str, seconds: u64| -> String {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        while let Ok(line) =
            receiver.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            if line.contains(needle) {
                return line;
            }
        }
        panic!("no line with {needle:?} within {seconds}s");
    };
    wait_for("images,", 20);

    engine.stop();
    wait_for("engine unreachable", 20);
    // While the engine is away the service backs off instead of spinning.
    let before = cpu_ticks(child.id());
    std::thread::sleep(Duration::from_secs(3));
    let spent = cpu_ticks(child.id()) - before;
    assert!(
        child.try_wait().unwrap().is_none(),
        "the service exited during the outage"
    );
    assert!(
        spent < 100,
        "spent {spent} CPU ticks in 3 s while the engine was away"
    );

    engine.start();
    // It reconnects by itself and acts on the new engine: import an image that is due at once.
    let reference = format!("{}/back:1", sandbox.prefix);
    sandbox.all_due();
    wait_for("images,", 60);
    let import = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "tar -C /tmp -cf - --files-from /dev/null | docker import - {reference}"
        ))
        .env("DOCKER_HOST", engine.host())
        .output()
        .unwrap();
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let gone = loop {
        let present = std::process::Command::new("docker")
            .args(["image", "inspect", &reference])
            .env("DOCKER_HOST", engine.host())
            .output()
            .unwrap()
            .status
            .success();
        if !present || Instant::now() > deadline {
            break !present;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    signal(&child, libc::SIGTERM);
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(
        gone,
        "the service did not remove a due image after the engine came back"
    );
}
