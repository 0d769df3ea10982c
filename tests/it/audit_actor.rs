//! Who the audit log says acted: the real user from the uid. `SUDO_USER` counts only for root and
//! only when it names an existing user; the SSH address only when it is an IP address; nothing
//! from the environment can add a line or a terminal escape to the log.

use crate::support;

use std::path::Path;
use std::process::Command;
use support::fs::{as_nobody, is_root, set_mode, shared_tempdir};

const POLICY: &str =
    r#"{"image_policy": {"removal": [{"image_name": "actor/*", "delete_after_minutes": 5}]}}"#;

/// Applies a policy with the given environment and returns the actor the log recorded.
fn recorded_actor(mut command: Command, dir: &Path, env: &[(&str, &str)]) -> String {
    let db = dir.join("imgreaper.db");
    let policy = dir.join("p.json");
    std::fs::write(&policy, POLICY).unwrap();
    set_mode(&policy, 0o644);
    command
        .args(["policy", "apply"])
        .arg(&policy)
        .env("IMGREAPER_DB", &db)
        .env_remove("SUDO_USER")
        .env_remove("SSH_CLIENT")
        .env_remove("SSH_CONNECTION");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let log = Command::new(env!("CARGO_BIN_EXE_imgreaper"))
        .args(["log", "--json", "--limit", "1"])
        .env("IMGREAPER_DB", &db)
        .output()
        .unwrap();
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&log.stdout).unwrap();
    let actor = entries[0]["actor"].as_str().unwrap().to_string();

    // The human log shows one line per entry (after its header, before its total) and no raw
    // control character.
    let human = Command::new(env!("CARGO_BIN_EXE_imgreaper"))
        .arg("log")
        .env("IMGREAPER_DB", &db)
        .output()
        .unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
    actor
}

fn imgreaper() -> Command {
    Command::new(env!("CARGO_BIN_EXE_imgreaper"))
}

fn user_name() -> String {
    let output = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

#[test]
fn the_actor_comes_from_the_uid_not_from_user_or_logname() {
    let dir = tempfile::tempdir().unwrap();
    let actor = recorded_actor(
        imgreaper(),
        dir.path(),
        &[("USER", "mallory"), ("LOGNAME", "mallory")],
    );
    assert_eq!(actor, user_name());
}

#[test]
fn a_forged_sudo_user_adds_no_line_and_names_no_one() {
    if !is_root() {
        eprintln!("skipped: SUDO_USER only counts for root");
        return;
    }
    for forged in [
        "alice\n2026-01-01T00:00:00Z   root   remove   app:1",
        "\u{1b}[2J\u{1b}[Hadmin",
        "no-such-user-here",
        "",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let actor = recorded_actor(imgreaper(), dir.path(), &[("SUDO_USER", forged)]);
        assert_eq!(actor, "root", "SUDO_USER={forged:?}");
    }
    // A real user who ran sudo is named, with the account that acted.
    let dir = tempfile::tempdir().unwrap();
    let actor = recorded_actor(imgreaper(), dir.path(), &[("SUDO_USER", "nobody")]);
    assert_eq!(actor, "nobody (as root)");
}

#[test]
fn sudo_user_does_not_count_for_an_ordinary_user() {
    if !is_root() {
        eprintln!("skipped: switching to another user needs root");
        return;
    }
    let dir = shared_tempdir();
    let status = Command::new("chown")
        .arg("nobody")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let actor = recorded_actor(
        as_nobody(Path::new(env!("CARGO_BIN_EXE_imgreaper"))),
        dir.path(),
        &[("SUDO_USER", "root")],
    );
    assert_eq!(actor, "nobody");
}

#[test]
fn the_ssh_address_counts_only_when_it_is_an_address() {
    let me = user_name();
    for (variable, value, expected) in [
        (
            "SSH_CLIENT",
            "192.0.2.7 50022 22",
            format!("{me} from 192.0.2.7"),
        ),
        (
            "SSH_CONNECTION",
            "2001:db8::1 50022 2001:db8::2 22",
            format!("{me} from 2001:db8::1"),
        ),
        ("SSH_CLIENT", "\u{1b}[31m192.0.2.7 1 22", me.clone()),
        (
            "SSH_CLIENT",
            "192.0.2.7\n2026-01-01 root remove 1 22",
            me.clone(),
        ),
        ("SSH_CLIENT", "evil.example.com 1 22", me.clone()),
        ("SSH_CLIENT", "", me.clone()),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let actor = recorded_actor(imgreaper(), dir.path(), &[(variable, value)]);
        assert_eq!(actor, expected, "{variable}={value:?}");
    }
}
