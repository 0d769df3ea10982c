//! Hosts as they are (DESIGN.md §16): disk use as `df` counts it, output into a closed pipe, a
//! metrics directory someone else can write to, readers on a database that does not exist yet,
//! and the limits of what the command line takes.

use crate::support;

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use support::fs::is_root;
use support::images::import;
use support::{Sandbox, host};

/// A policy with disk-pressure marks (far above any real use), so `images` says where the disk
/// stands.
fn with_disk_marks(sandbox: &Sandbox) {
    let file = sandbox.write(
        "marks.json",
        r#"{"image_policy": {"removal": [], "disk": {"high_percent": 98, "low_percent": 97}}}"#,
    );
    sandbox.ok(&["policy", "apply", file.to_str().unwrap()]);
}

/// `df`'s Use% for a path.
fn df_percent(path: &std::path::Path) -> u8 {
    let output = Command::new("df")
        .arg("--output=pcent")
        .arg(path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .nth(1)
        .unwrap()
        .trim()
        .trim_end_matches('%')
        .parse()
        .unwrap()
}

/// An ext4 filesystem half of which is reserved for root, loop-mounted; unmounted on drop.
struct Reserved {
    mount: tempfile::TempDir,
    _image: tempfile::TempDir,
}

impl Reserved {
    fn mount() -> Reserved {
        let image = tempfile::tempdir().unwrap();
        let file = image.path().join("fs.img");
        let mount = tempfile::tempdir().unwrap();
        let run = |program: &str, args: &[&str]| {
            let status = Command::new(program).args(args).status().unwrap();
            assert!(status.success(), "{program} {args:?}");
        };
        run("truncate", &["-s", "64M", file.to_str().unwrap()]);
        run(
            "mkfs.ext4",
            &["-q", "-F", "-m", "50", file.to_str().unwrap()],
        );
        run(
            "mount",
            &[
                "-o",
                "loop",
                file.to_str().unwrap(),
                mount.path().to_str().unwrap(),
            ],
        );
        Reserved {
            mount,
            _image: image,
        }
    }
}

impl Drop for Reserved {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.mount.path()).status();
    }
}

// ---- 8: disk use as `df` counts it ----------------------------------------------------------

#[test]
fn disk_use_is_what_df_says_reserved_blocks_are_not_used() {
    if !is_root() {
        eprintln!("skipped: mounting a filesystem needs root");
        return;
    }
    let sandbox = Sandbox::new("df");
    with_disk_marks(&sandbox);
    let reserved = Reserved::mount();
    let output = sandbox.imgreaper(&[
        "--data-root",
        reserved.mount.path().to_str().unwrap(),
        "images",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let df = df_percent(reserved.mount.path());
    assert!(
        stderr.contains(&format!("disk {df}% of")),
        "df says {df}%: {stderr}"
    );
}

#[test]
fn a_filesystem_with_no_size_cannot_be_read_and_frees_nothing() {
    let sandbox = Sandbox::new("df-proc");
    with_disk_marks(&sandbox);
    let output = sandbox.imgreaper(&["--data-root", "/proc", "images"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("cannot be read"), "{stderr}");
    assert!(!stderr.contains("freeing space"), "{stderr}");
}

// ---- 9: a closed pipe ends a command quietly -------------------------------------------------

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let sandbox = Sandbox::new("pipe");
    for n in 0..3 {
        import(&sandbox.repo(&format!("many:{n}")));
    }
    let commands: [&[&str]; 8] = [
        &["images"],
        &["images", "--json"],
        &["log"],
        &["log", "--json"],
        &["settings"],
        &["policy", "list"],
        &["policy", "new"],
        &["manpage"],
    ];
    for args in commands {
        // The reader goes away at once: every write meets a closed pipe.
        let mut child = sandbox
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        let quiet = status.code() == Some(0) || status.signal() == Some(libc::SIGPIPE);
        assert!(
            quiet && !stderr.contains("panicked"),
            "imgreaper {}: {status:?}: {stderr}",
            args.join(" ")
        );
    }
}

// ---- 10: the metrics file's temporary file ---------------------------------------------------

#[test]
fn the_metrics_file_is_written_through_no_link_and_readable_whatever_the_umask() {
    let sandbox = Sandbox::new("metrics-tmp");
    let dir = sandbox.dir.path().join("textfile");
    std::fs::create_dir(&dir).unwrap();
    let target = sandbox.dir.path().join("victim");
    std::fs::write(&target, "keep me").unwrap();
    // Someone who can write the collector's directory leaves links at the old fixed name.
    std::os::unix::fs::symlink(&target, dir.join(".imgreaper.prom.tmp")).unwrap();
    let metrics = dir.join("imgreaper.prom");
    let mut command =
        sandbox.command(&["run", "--once", "--metrics-file", metrics.to_str().unwrap()]);
    // SAFETY: umask is async-signal-safe and only changes the child's file-creation mask.
    unsafe {
        command.pre_exec(|| {
            libc::umask(0o077);
            Ok(())
        });
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    assert_eq!(support::fs::mode_of(&metrics), 0o644);
    let text = std::fs::read_to_string(&metrics).unwrap();
    assert!(
        text.contains("imgreaper_references{state=\"kept\"}"),
        "the states sum to the references only with every one: {text}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "imgreaper.prom" && name != ".imgreaper.prom.tmp")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

// ---- 11: readers create nothing -------------------------------------------------------------

#[test]
fn a_reader_on_a_database_that_does_not_exist_reads_an_empty_state_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("missing/dir/x.db");
    for args in [
        &["images"][..],
        &["images", "--json"],
        &["log"],
        &["policy", "list"],
        &["settings"],
    ] {
        let output = Command::new(support::binary())
            .arg("--db")
            .arg(&db)
            .args(args)
            .env("DOCKER_HOST", host())
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {output:?}");
    }
    assert!(
        !dir.path().join("missing").exists(),
        "a reader created {}",
        db.display()
    );
}

// ---- 13: limits said as they are -------------------------------------------------------------

#[test]
fn a_hundred_years_is_accepted_as_written_and_never_exceeded_by_repeated_postponing() {
    let sandbox = Sandbox::new("century");
    let name = sandbox.repo("app:1");
    import(&name);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 60, false);
    sandbox.ok(&["postpone", &name, "--for", "100y"]);
    // Again and again: the deadline stays within a century from now, in RFC 3339.
    for _ in 0..3 {
        sandbox.ok(&["postpone", &name, "--for", "100y"]);
    }
    let rows = sandbox.images_json();
    let deadline = rows[0]["deadline"].as_str().unwrap().to_string();
    assert!(
        humantime::parse_rfc3339(&deadline).is_ok(),
        "not RFC 3339: {deadline}"
    );
    let year: i64 = deadline[..4].parse().unwrap();
    assert!(year <= 2026 + 101, "{deadline}");
}

#[test]
fn an_interval_of_zero_is_refused_not_changed_silently() {
    let sandbox = Sandbox::new("interval0");
    let output = sandbox.imgreaper(&["settings", "--interval", "0s"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("at least 1s"), "{stderr}");
}

#[test]
fn limits_in_a_policy_are_named_as_they_are() {
    let sandbox = Sandbox::new("limits");
    let check = |policy: &str| {
        let file = sandbox.write("p.json", policy);
        let output = sandbox.imgreaper(&["policy", "check", file.to_str().unwrap()]);
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let huge = check(
        r#"{"image_policy": {"removal": [{"image_name": "a:*", "delete_after_minutes": 18446744073709551616}]}}"#,
    );
    assert!(
        huge.contains("52560000") && huge.contains("100 years"),
        "{huge}"
    );
    let keep = |last: &str| {
        check(&format!(
            r#"{{"image_policy": {{"removal": [], "keep": [{{"image_name": "a:*", "last": {last}}}]}}}}"#
        ))
    };
    let (negative, zero) = (keep("-1"), keep("0"));
    for said in [&negative, &zero] {
        assert!(said.contains("at least 1"), "one limit, said once: {said}");
    }
}

#[test]
fn run_once_stopped_before_the_engine_answered_fails() {
    let sandbox = Sandbox::new("stopped-early");
    // An engine that accepts and never answers.
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("silent.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let mut child = sandbox
        .command(&[
            "--host",
            &format!("unix://{}", socket.display()),
            "run",
            "--once",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once it has connected, it waits for the engine's answer.
    let (_connection, _) = listener.accept().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let mut said = String::new();
    stderr.read_to_string(&mut said).unwrap();
    let status = child.wait().unwrap();
    assert_ne!(status.code(), Some(0), "it checked nothing: {said}");
}

#[test]
fn the_service_says_when_the_stored_mode_changes() {
    let sandbox = Sandbox::new("mode-change");
    let name = sandbox.repo("app:1");
    import(&name);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 600, false);
    let mut child = sandbox
        .command(&["run"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let reader = {
        let lines = lines.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                lines.lock().unwrap().push(line);
            }
        })
    };
    let wait_for = |text: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !lines.lock().unwrap().iter().any(|l| l.contains(text)) {
            assert!(
                std::time::Instant::now() < deadline,
                "never said {text:?}: {:?}",
                lines.lock().unwrap()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    wait_for("references");
    sandbox.ok(&["settings", "--mode", "approve"]);
    wait_for("approve mode");
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    child.wait().unwrap();
    reader.join().unwrap();
}
