//! An idle console writes nothing to the terminal: run the real binary on a pseudo-terminal
//! against the real engine with no countdown on screen, and count the bytes it writes while its
//! enforcer renews the lease twice (read from the database: each renewal is a write the console's
//! loader notices and must find changes nothing on screen).

use crate::support;

use std::process::Command;
use support::Sandbox;
use support::engine::{OwnEngine, quiet_engine};
use support::images::import_on;

#[test]
fn with_nothing_changing_and_no_countdown_the_console_writes_nothing() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: python3 drives the pseudo-terminal and is not installed");
        return;
    }
    if !OwnEngine::possible() {
        return;
    }
    let sandbox = Sandbox::new("idle");
    // An engine nothing else uses while this test runs, whose data root is a tmpfs of its own:
    // on the shared engine other tests' images come and go, and on the host's disk other
    // processes move the disk use the header shows; the console rightly redraws for either.
    let engine = quiet_engine();
    let host = engine.host();
    let reference = sandbox.repo("quiet:1");
    import_on(&host, &reference);
    // No policy: nothing is scheduled, so no countdown is visible. The records exist, as they
    // would on any device where imgreaper has run before.
    let listed = sandbox
        .command(&["images"])
        .env("DOCKER_HOST", &host)
        .output()
        .expect("imgreaper runs");
    assert!(listed.status.success(), "{listed:?}");
    let harness = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bench/pty_harness.py");
    let output = Command::new("python3")
        .args([
            harness,
            "idle-over-heartbeats",
            &sandbox.prefix,
            &sandbox.db().to_string_lossy(),
            "2",
            "--",
            env!("CARGO_BIN_EXE_imgreaper"),
        ])
        .env("DOCKER_HOST", &host)
        .env("IMGREAPER_DB", sandbox.db())
        .env_remove("NO_COLOR")
        .output()
        .expect("python3 runs the harness");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!report.contains("'error'"), "{report}");
    let bytes: u64 = report
        .split("'bytes':")
        .nth(1)
        .and_then(|rest| rest.trim_start().split([',', '}']).next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no byte count in {report}"));
    assert_eq!(
        bytes, 0,
        "the idle console wrote {bytes} bytes over two lease renewals: {report}"
    );
}
