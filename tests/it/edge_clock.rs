//! Clocks as edge hosts have them (DESIGN.md §12, §16): a wall clock that boots a year behind or
//! ahead and is stepped by NTP later, and reboots in between. Wall-clock steps are real
//! (libfaketime on the real binary, with the monotonic clocks left alone, as NTP leaves them);
//! a reboot is a new boot ID bound over /proc/sys/kernel/random/boot_id in a private mount
//! namespace, with the time since boot still the kernel's.

use crate::support;

use serde_json::Value;
use std::process::{Command, Output};
use support::images::import;
use support::{Sandbox, docker};

/// The real binary, its wall clock `offset` from the real one (`-365d`, `+365d`, or none), in a
/// boot whose ID is `boot` (none: this boot's).
fn imgreaper_at(
    sandbox: &Sandbox,
    offset: Option<&str>,
    boot: Option<&str>,
    args: &[&str],
) -> Output {
    let binary = support::binary();
    let mut script = String::new();
    if let Some(boot) = boot {
        // A private mount namespace: only this process sees the other boot ID.
        let file = sandbox.write(&format!("boot-{boot}"), &format!("{boot}\n"));
        script.push_str(&format!(
            "mount --bind {} /proc/sys/kernel/random/boot_id && ",
            file.display()
        ));
    }
    if let Some(offset) = offset {
        script.push_str(&format!("faketime -f '{offset}' "));
    }
    script.push_str(&format!("{} \"$@\"", binary.display()));
    let mut command = if boot.is_some() {
        let mut command = Command::new("unshare");
        command.args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            &script,
            "imgreaper",
        ]);
        command
    } else {
        let mut command = Command::new("sh");
        command.args(["-c", &script, "imgreaper"]);
        command
    };
    command
        .args(args)
        .env("DOCKER_HOST", support::host())
        .env("IMGREAPER_DB", sandbox.db())
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .env_remove("SSH_CLIENT")
        .output()
        .expect("imgreaper runs")
}

const RUN_ONCE: [&str; 6] = ["run", "--once", "--startup-delay", "0s", "--min-age", "0s"];

fn succeeded(output: &Output) -> bool {
    output.status.success()
}

fn row_of(sandbox: &Sandbox, reference: &str) -> Value {
    let rows: Vec<Value> = serde_json::from_str(&sandbox.ok(&["images", "--json"])).unwrap();
    rows.into_iter()
        .find(|r| r["reference"] == reference)
        .unwrap_or_else(|| panic!("{reference} is not listed"))
}

// ---- 2: a clock that was ahead does not stop enforcement -------------------------------------

#[test]
fn a_run_with_the_clock_a_year_ahead_does_not_stop_later_runs_nor_lose_a_pull() {
    let sandbox = Sandbox::new("clock-ahead");
    let local = sandbox.repo("src:1");
    import(&local);
    let remote = format!("127.0.0.1:5000/{}", sandbox.repo("pulled:1"));
    docker(&["tag", &local, &remote]);
    docker(&["push", "-q", &remote]);
    docker(&["rmi", &remote, &local]);

    let ahead = imgreaper_at(&sandbox, Some("+365d"), None, &RUN_ONCE);
    assert!(succeeded(&ahead), "{ahead:?}");
    // NTP corrects the clock; meanwhile something is pulled.
    docker(&["pull", "-q", &remote]);
    let corrected = imgreaper_at(&sandbox, None, None, &RUN_ONCE);
    assert!(
        succeeded(&corrected),
        "the run after the correction failed: {}",
        String::from_utf8_lossy(&corrected.stderr)
    );
    let again = imgreaper_at(&sandbox, None, None, &RUN_ONCE);
    assert!(
        succeeded(&again),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(
        row_of(&sandbox, &remote)["agent_downloaded"],
        true,
        "the pull made after the bad run was not credited"
    );
    docker(&["rmi", &remote]);
}

// ---- 1: no real-time clock ------------------------------------------------------------------

#[test]
fn a_boot_whose_clock_was_a_year_behind_makes_nothing_overdue_after_the_next_reboot() {
    if !support::fs::is_root() {
        eprintln!("skipped: a private mount namespace needs root");
        return;
    }
    let sandbox = Sandbox::new("rtc");
    let name = sandbox.repo("app:1");
    let id = import(&name);
    // A week's rule: nothing first seen minutes ago may go.
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 7 * 24 * 60, false);
    let boot = "0c3e2a57-1d2b-4c7a-9f3e-6b1a2c3d4e5f";
    // The box boots with its clock a year behind and sees the image; NTP then corrects it.
    let behind = imgreaper_at(&sandbox, Some("-365d"), None, &RUN_ONCE);
    assert!(succeeded(&behind), "{behind:?}");
    let corrected = imgreaper_at(&sandbox, None, None, &RUN_ONCE);
    assert!(succeeded(&corrected), "{corrected:?}");
    // A reboot, with the clock right.
    let rebooted = imgreaper_at(&sandbox, None, Some(boot), &RUN_ONCE);
    assert!(
        succeeded(&rebooted),
        "{}",
        String::from_utf8_lossy(&rebooted.stderr)
    );
    assert!(
        support::exists(&id),
        "an image first seen minutes ago was removed under a week's rule after the reboot"
    );
    let listed = imgreaper_at(&sandbox, None, Some(boot), &["images", "--json"]);
    let rows: Vec<Value> = serde_json::from_slice(&listed.stdout).unwrap();
    let row = rows
        .iter()
        .find(|r| r["reference"] == name.as_str())
        .unwrap();
    assert_eq!(row["state"], "scheduled", "{row:#}");
}

// ---- 5: the lease is on the monotonic clock --------------------------------------------------

/// Starts `imgreaper run` and waits until it has finished a cycle holding the lease.
fn service(
    sandbox: &Sandbox,
    args: &[&str],
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut child = sandbox
        .command(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (send, lines) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if send.send(line).is_err() {
                return;
            }
        }
    });
    (child, lines)
}

fn wait_for_line(lines: &std::sync::mpsc::Receiver<String>, text: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if line.contains(text) => return line,
            Ok(_) => {}
            Err(error) => panic!("never said {text:?}: {error}"),
        }
    }
}

#[test]
fn a_wall_clock_step_never_hands_a_live_holders_lease_to_another_process() {
    let sandbox = Sandbox::new("lease-step");
    let (mut holder, lines) = service(&sandbox, &["run"]);
    wait_for_line(&lines, "references");
    // Another process whose wall clock reads an hour later (the lease lasts 30 s).
    let ahead = imgreaper_at(&sandbox, Some("+1h"), None, &["run", "--once"]);
    let said = String::from_utf8_lossy(&ahead.stderr);
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(holder.id() as i32, libc::SIGTERM) };
    holder.wait().unwrap();
    assert!(
        said.contains("standing by"),
        "it took the lease of a live holder: {said}"
    );
}

// ---- 4: a frozen holder does not block the one that took its lease ------------------------

#[test]
fn a_frozen_enforcer_leaves_no_work_orphaned_for_the_one_that_took_its_lease() {
    use support::proxy::{Action, Proxy};
    let sandbox = Sandbox::new("frozen");
    let names: Vec<String> = (0..3).map(|i| sandbox.repo(&format!("app:{i}"))).collect();
    let ids: Vec<String> = names.iter().map(|n| import(n)).collect();
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 0, false);
    // The service's first request to take a name off is held: it is mid-sweep, its removals
    // journalled, when it is frozen (SIGSTOP, or a console suspended with ^Z).
    let proxy = Proxy::start(support::host());
    proxy.on("DELETE", "/images/", 1, Action::Hold);
    let (mut frozen, _lines) = service(
        &sandbox,
        &[
            "--host",
            &proxy.host(),
            "run",
            "--startup-delay",
            "0s",
            "--min-age",
            "0s",
        ],
    );
    proxy.wait_holding(std::time::Duration::from_secs(120));
    // SAFETY: signals to our own child.
    unsafe { libc::kill(frozen.id() as i32, libc::SIGSTOP) };
    // Its lease expires (30 s on the monotonic clock); a cron run takes it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let taker = imgreaper_at(&sandbox, None, None, &RUN_ONCE);
        let said = String::from_utf8_lossy(&taker.stderr).into_owned();
        if !said.contains("standing by") {
            assert!(succeeded(&taker), "{said}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the lease never expired: {said}"
        );
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
    for (name, id) in names.iter().zip(&ids) {
        assert!(
            !support::exists(id),
            "{name} waits for a frozen process that no longer holds the lease"
        );
    }
    let store = imgreaper::node::store::Store::open(&sandbox.db()).unwrap();
    assert_eq!(
        store.pending_removals().unwrap(),
        [],
        "the frozen process's journal is left for it, though it lost the lease"
    );
    assert_eq!(store.holds().unwrap(), []);
    drop(store);
    // The frozen one wakes up: it sees it lost the lease, and records nothing twice.
    unsafe { libc::kill(frozen.id() as i32, libc::SIGCONT) };
    proxy.release();
    unsafe { libc::kill(frozen.id() as i32, libc::SIGTERM) };
    frozen.wait().unwrap();
    let log: Vec<Value> =
        serde_json::from_str(&sandbox.ok(&["log", "--json", "--limit", "1000"])).unwrap();
    for id in &ids {
        let removals = log
            .iter()
            .filter(|e| e["image_id"] == id.as_str() && e["action"] == "remove")
            .count();
        assert_eq!(removals, 1, "{id}: {log:#?}");
    }
}
