//! Hostile input: the corpus in tests/hostile/ (control characters in patterns, keys, `start`
//! values and kept fields; invalid UTF-8; deep and odd shapes; numeric edge cases), plus inputs
//! made here (huge, endless, a FIFO, a missing file, file and policy names with escapes, too
//! many rules). Each must give a clean result or a clean error: the right exit code, no panic,
//! no raw control character on standard output or error, and no change to the database.
//!
//! Corpus file names say what is expected: `ok-*` exit 0, `bad-*` exit 2.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() > 30, "the corpus is in {}", dir.display());
    files
}

/// A database with one policy and one audit entry, and the real binary pointed at it. The
/// engine address leads nowhere: nothing here may need it before checking its input.
struct SeededDb {
    dir: tempfile::TempDir,
}

impl SeededDb {
    fn new() -> SeededDb {
        let seeded = SeededDb {
            dir: tempfile::tempdir().unwrap(),
        };
        let seed = seeded.dir.path().join("seed.json");
        std::fs::write(
            &seed,
            r#"{"image_policy": {"removal": [{"image_name": "seed/*", "delete_after_minutes": 9}]}}"#,
        )
        .unwrap();
        let output = seeded.run(&["policy".as_ref(), "apply".as_ref(), seed.as_os_str()]);
        assert!(output.status.success(), "{}", describe(&output));
        seeded
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("imgreaper.db")
    }

    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_imgreaper"));
        command
            .env("IMGREAPER_DB", self.db())
            .env("DOCKER_HOST", "unix:///nonexistent/imgreaper-hostile.sock")
            .env_remove("SUDO_USER")
            .env_remove("SSH_CLIENT")
            .env_remove("SSH_CONNECTION");
        command
    }

    fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Output {
        self.command().args(args).output().expect("imgreaper runs")
    }

    /// Every byte of the database; no -wal may hold anything either.
    fn state(&self) -> Vec<u8> {
        let wal = self.dir.path().join("imgreaper.db-wal");
        assert!(
            std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
            "a -wal file holds changes after the command ended"
        );
        std::fs::read(self.db()).unwrap()
    }
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {:?}\nstderr: {:?}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// What is wrong with a command's output, if anything: a panic, or a raw control character
/// (C0 but newline, DEL, C1) that a terminal would act on.
fn unclean(output: &Output) -> Option<String> {
    if output.status.code() == Some(101) || output.status.code().is_none() {
        return Some(format!("crashed: {}", describe(output)));
    }
    for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        if text.contains("panicked") {
            return Some(format!("panicked: {}", describe(output)));
        }
        if let Some(c) = text.chars().find(|&c| c.is_control() && c != '\n') {
            return Some(format!("raw {c:?} on {stream}: {}", describe(output)));
        }
    }
    None
}

fn expected_codes(file: &Path) -> &'static [i32] {
    let name = file.file_name().unwrap().to_str().unwrap();
    if name.starts_with("ok-") {
        &[0]
    } else if name.starts_with("bad-") {
        &[2]
    } else {
        panic!("{name}: corpus names start with ok- or bad-")
    }
}

/// Runs `args` and records what is wrong: an unexpected exit code or unclean output.
fn check(failures: &mut Vec<String>, what: &str, output: &Output, codes: &[i32]) -> Option<i32> {
    if let Some(problem) = unclean(output) {
        failures.push(format!("{what}: {problem}"));
    }
    let code = output.status.code();
    if !code.is_some_and(|c| codes.contains(&c)) {
        failures.push(format!(
            "{what}: expected exit {codes:?}: {}",
            describe(output)
        ));
    }
    code
}

#[test]
fn every_corpus_file_gives_a_clean_result_or_a_clean_error_and_an_error_changes_nothing() {
    let seeded = SeededDb::new();
    let mut failures = Vec::new();
    for file in corpus() {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let codes = expected_codes(&file);

        let check_output = seeded.run(&["policy".as_ref(), "check".as_ref(), file.as_os_str()]);
        let code = check(
            &mut failures,
            &format!("check {name}"),
            &check_output,
            codes,
        );
        if code == Some(2) {
            let stderr = String::from_utf8_lossy(&check_output.stderr);
            if !stderr.contains(&name) || !stderr.contains("error") {
                failures.push(format!(
                    "check {name}: the error names neither file nor problem: {stderr}"
                ));
            }
        }

        let before = seeded.state();
        let apply = seeded.run(&[
            "policy".as_ref(),
            "apply".as_ref(),
            file.as_os_str(),
            "--name".as_ref(),
            "hostile".as_ref(),
        ]);
        let applied = check(&mut failures, &format!("apply {name}"), &apply, codes);
        if applied != Some(0) && seeded.state() != before {
            failures.push(format!("apply {name}: failed but changed the database"));
        }
        let preview = seeded.run(&["policy".as_ref(), "preview".as_ref(), file.as_os_str()]);
        // Valid input reaches the (absent) engine and fails there, cleanly.
        check(&mut failures, &format!("preview {name}"), &preview, &[1, 2]);
        if applied == Some(0) {
            for args in [
                &["policy", "list"][..],
                &["policy", "show", "hostile"],
                &["policy", "export", "hostile", "--format", "anax"],
                &["log"],
                &["log", "--json"],
            ] {
                let output = seeded.run(args);
                check(
                    &mut failures,
                    &format!("{} after {name}", args.join(" ")),
                    &output,
                    &[0],
                );
            }
            let show = seeded.run(&["policy", "show", "hostile"]);
            if serde_json::from_slice::<serde_json::Value>(&show.stdout).is_err() {
                failures.push(format!(
                    "policy show after {name} is not JSON: {}",
                    describe(&show)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn invalid_utf8_is_an_invalid_policy_with_its_position() {
    let seeded = SeededDb::new();
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/hostile/bad-invalid-utf8-in-pattern.json");
    let output = seeded.run(&["policy".as_ref(), "check".as_ref(), file.as_os_str()]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The 0xFF byte is on line 2, after the 21 characters `  {"image_name": "app`, at byte
    // offset 52.
    assert!(stderr.contains(":2:22:"), "line:column: {stderr}");
    assert!(stderr.contains("byte 52"), "byte offset: {stderr}");
    assert!(stderr.contains("UTF-8"), "{stderr}");
}

#[test]
fn a_missing_file_or_a_directory_is_invalid_input() {
    let seeded = SeededDb::new();
    let missing = seeded.dir.path().join("no-such-policy.json");
    for (file, says) in [
        (missing.as_path(), "does not exist"),
        (seeded.dir.path(), "is a directory"),
    ] {
        for command in ["check", "apply", "preview"] {
            let before = seeded.state();
            let output = seeded.run(&["policy".as_ref(), command.as_ref(), file.as_os_str()]);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{command}: {}",
                describe(&output)
            );
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.contains(says), "{command}: {stderr}");
            assert!(stderr.contains(&file.display().to_string()), "{stderr}");
            assert_eq!(seeded.state(), before);
        }
    }
}

fn assert_stops_at_the_cap(output: &Output) {
    assert_eq!(output.status.code(), Some(2), "{}", describe(output));
    assert!(unclean(output).is_none(), "{}", describe(output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("larger than 4 MiB"), "{stderr}");
}

#[test]
fn huge_and_endless_inputs_stop_at_the_size_cap() {
    let seeded = SeededDb::new();
    // 50 MB: a valid start, then spaces (JSON allows them) to the end.
    let huge = seeded.dir.path().join("huge.json");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&huge).unwrap();
        file.write_all(br#"{"image_policy": {"removal": []}"#)
            .unwrap();
        let spaces = vec![b' '; 1 << 20];
        for _ in 0..50 {
            file.write_all(&spaces).unwrap();
        }
        file.write_all(b"}").unwrap();
    }
    let before = seeded.state();
    for command in ["check", "apply"] {
        assert_stops_at_the_cap(&seeded.run(&[
            "policy".as_ref(),
            command.as_ref(),
            huge.as_os_str(),
        ]));
    }
    assert_eq!(seeded.state(), before);

    assert_stops_at_the_cap(&seeded.run(&["policy", "check", "/dev/zero"]));

    // A FIFO fed without end.
    let fifo = seeded.dir.path().join("endless.json");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: c_path is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let mut pipe = std::fs::OpenOptions::new()
            .write(true)
            .open(writer_path)
            .unwrap();
        let block = vec![b' '; 65536];
        // Ends when the reader closes its end (EPIPE).
        while pipe.write_all(&block).is_ok() {}
    });
    let child = seeded
        .command()
        .args(["policy", "check"])
        .arg(&fifo)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert_stops_at_the_cap(&child.wait_with_output().unwrap());
    writer.join().unwrap();
}

#[test]
fn names_with_control_characters_never_reach_the_terminal() {
    let seeded = SeededDb::new();
    let valid = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile/ok-minutes-zero.json");
    let hostile = seeded.dir.path().join("edge\u{1b}[2J\u{7}\r\n.json");
    std::fs::copy(&valid, &hostile).unwrap();

    let output = seeded.run(&["policy".as_ref(), "check".as_ref(), hostile.as_os_str()]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(unclean(&output).is_none(), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("\\u{1b}[2J"));

    let before = seeded.state();
    // The file's stem would be the policy's name: a name with control characters is refused.
    let output = seeded.run(&["policy".as_ref(), "apply".as_ref(), hostile.as_os_str()]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(unclean(&output).is_none(), "{}", describe(&output));
    for name in ["x\u{1b}]0;owned\u{7}", "a\nb", "\u{9b}31m"] {
        let output = seeded.run(&[
            "policy".as_ref(),
            "apply".as_ref(),
            valid.as_os_str(),
            "--name".as_ref(),
            name.as_ref(),
        ]);
        assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
        assert!(unclean(&output).is_none(), "{}", describe(&output));
        for command in ["show", "export", "delete"] {
            let output = seeded.run(&["policy", command, name]);
            assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
            assert!(unclean(&output).is_none(), "{}", describe(&output));
        }
    }
    assert_eq!(seeded.state(), before);
}

/// A database written before names were checked (or by hand) may already hold control
/// characters in policy names, patterns, actors and references: every table escapes them.
#[test]
fn stored_control_characters_are_escaped_in_every_table() {
    let sandbox = support::Sandbox::new("escapes");
    let reference = sandbox.repo("shown:1");
    support::images::import(&reference);
    let file = sandbox.write(
        "p.json",
        &format!(
            r#"{{"image_policy": {{"removal": [{{"image_name": "{}/*", "delete_after_minutes": 5, "agent_downloaded_only": false}}]}}}}"#,
            sandbox.prefix
        ),
    );
    sandbox.ok(&["policy", "apply", file.to_str().unwrap(), "--name", "plain"]);
    let evil = "evil\u{1b}[2J\u{7}\r\nimgreaper: forged\u{9b}";
    let conn = rusqlite::Connection::open(sandbox.db()).unwrap();
    conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
    conn.execute(
        "UPDATE rules SET policy = ?1 WHERE policy = 'plain'",
        [evil],
    )
    .unwrap();
    conn.execute("UPDATE policies SET name = ?1 WHERE name = 'plain'", [evil])
        .unwrap();
    conn.execute(
        "INSERT INTO audit (time, actor, action, reference, image_id, bytes_freed, result)
         VALUES (1, ?1, 'pin', ?1, '', 0, ?1)",
        [evil],
    )
    .unwrap();
    drop(conn);

    for args in [
        &["images"][..],
        &["policy", "list"],
        &["log"],
        &["policy", "preview", file.to_str().unwrap()],
    ] {
        let output = sandbox.imgreaper(args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            describe(&output)
        );
        assert!(
            unclean(&output).is_none(),
            "{args:?}: {}",
            describe(&output)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        if args[0] != "policy" || args[1] == "list" {
            assert!(
                stdout.contains("evil\\u{1b}[2J\\u{7}\\r\\n"),
                "{args:?}: {stdout}"
            );
        }
    }
    let log = sandbox.ok(&["log"]);
    assert_eq!(
        log.lines().count(),
        4,
        "a header, one line per entry and the total: {log}"
    );
    for args in [&["images", "--json"][..], &["log", "--json"]] {
        let output = sandbox.ok(args);
        serde_json::from_str::<serde_json::Value>(&output).expect("JSON stays JSON");
    }
}

fn many_rules(count: usize, prefix: &str) -> String {
    let rules: Vec<String> = (0..count)
        .map(|i| {
            format!(
                r#"{{"image_name": "{prefix}/app{i}:*", "delete_after_minutes": {}}}"#,
                i % 97
            )
        })
        .collect();
    format!(
        r#"{{"image_policy": {{"removal": [{}]}}}}"#,
        rules.join(",\n")
    )
}

#[test]
fn more_than_ten_thousand_rules_are_refused_naming_the_limit() {
    let seeded = SeededDb::new();
    let write = |name: &str, text: String| {
        let path = seeded.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let over = write("over.json", many_rules(10_001, "over"));
    let before = seeded.state();
    for command in ["check", "apply"] {
        let output = seeded.run(&["policy".as_ref(), command.as_ref(), over.as_os_str()]);
        assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("10001 rules"), "{stderr}");
        assert!(stderr.contains("at most 10,000 rules"), "{stderr}");
        assert!(stderr.contains("image_policy.removal"), "{stderr}");
    }
    assert_eq!(seeded.state(), before);

    // Across saved policies: the seed policy holds 1 rule.
    let at_limit = write("full.json", many_rules(9_999, "full"));
    let output = seeded.run(&["policy".as_ref(), "apply".as_ref(), at_limit.as_os_str()]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let one_more = write("more.json", many_rules(1, "more"));
    let before = seeded.state();
    let output = seeded.run(&["policy".as_ref(), "apply".as_ref(), one_more.as_os_str()]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("10001 rules") && stderr.contains("limit is 10,000"),
        "{stderr}"
    );
    assert_eq!(seeded.state(), before);
    // Replacing a policy counts its new rules, not old and new.
    let output = seeded.run(&["policy".as_ref(), "apply".as_ref(), at_limit.as_os_str()]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
}
