//! Two commands started at once on a database that does not exist yet both succeed: one makes
//! the schema, the other waits for it and finds it made. Real processes, many pairs.

use std::process::{Child, Command, Stdio};

const POLICY: &str =
    r#"{"image_policy": {"removal": [{"image_name": "fresh/*", "delete_after_minutes": 5}]}}"#;

fn spawn(db: &std::path::Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_imgreaper"))
        .args(args)
        .env("IMGREAPER_DB", db)
        .env("DOCKER_HOST", "unix:///nonexistent.sock")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("imgreaper starts")
}

#[test]
fn two_commands_on_a_fresh_database_at_once_never_fail() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.json");
    std::fs::write(&policy, POLICY).unwrap();
    let policy = policy.to_str().unwrap();
    let pairs: [(&[&str], &[&str]); 4] = [
        (&["policy", "apply", policy], &["policy", "apply", policy]),
        (&["policy", "apply", policy], &["log"]),
        (&["settings", "--mode", "auto"], &["log", "--json"]),
        (&["log"], &["policy", "apply", policy, "--name", "other"]),
    ];
    let mut failures = Vec::new();
    for round in 0..60 {
        let (first, second) = pairs[round % pairs.len()];
        // A new directory too: making it is part of the race.
        let db = dir.path().join(format!("round{round}/imgreaper.db"));
        let children = [spawn(&db, first), spawn(&db, second)];
        for (child, args) in children.into_iter().zip([first, second]) {
            let output = child.wait_with_output().unwrap();
            if !output.status.success() {
                failures.push(format!(
                    "round {round}, `imgreaper {}`: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
