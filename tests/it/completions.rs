//! Shell completions and the man page, generated from the clap definitions: every subcommand
//! (enumerated from clap, so new ones are covered by themselves) appears, the scripts parse, the
//! page renders, and dynamic completion offers the engine's references, quietly and only them.

use crate::support;

use clap::CommandFactory;
use imgreaper::cli::Cli;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use support::Sandbox;

/// Every subcommand path, `["policy", "check"]` style, from the clap definitions.
fn subcommand_paths() -> Vec<Vec<String>> {
    fn walk(command: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in command.get_subcommands() {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_string());
            out.push(path.clone());
            walk(sub, &path, out);
        }
    }
    let mut paths = Vec::new();
    walk(&Cli::command(), &[], &mut paths);
    assert!(paths.len() > 10, "clap lists {paths:?}");
    paths
}

fn binary(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imgreaper"))
        .args(args)
        .output()
        .expect("imgreaper runs")
}

fn stdout_of(args: &[&str]) -> String {
    let output = binary(args);
    assert!(
        output.status.success(),
        "imgreaper {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// Runs `program args` with `input` on standard input.
fn piped(program: &str, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn bash_scripts_parse() {
    for args in [
        &["completions", "bash"][..],
        &["completions", "bash", "--dynamic"],
    ] {
        let script = stdout_of(args);
        let check = piped("bash", &["-n"], script.as_bytes());
        assert!(
            check.status.success(),
            "{args:?}: bash -n: {}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
}

#[test]
fn zsh_and_fish_scripts_name_every_subcommand() {
    let zsh = stdout_of(&["completions", "zsh"]);
    let fish = stdout_of(&["completions", "fish"]);
    for path in subcommand_paths() {
        let name = path.last().unwrap();
        assert!(
            zsh.contains(&format!("'{name}:")),
            "zsh script lacks {path:?}"
        );
        assert!(
            fish.contains(&format!("-a \"{name}\"")),
            "fish script lacks {path:?}"
        );
    }
}

#[test]
fn every_shell_gets_a_script() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        for dynamic in [false, true] {
            let mut args = vec!["completions", shell];
            if dynamic {
                args.push("--dynamic");
            }
            let script = stdout_of(&args);
            assert!(script.contains("imgreaper"), "{args:?}:\n{script}");
        }
    }
    let unknown = binary(&["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2));
}

/// Renders roff through `man -l -` (tests/engine/up installs man-db where it is missing).
fn render(roff: &[u8]) -> String {
    support::host();
    let output = piped("man", &["--warnings", "-l", "-"], roff);
    assert!(
        output.status.success(),
        "man -l - failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "man warns: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn manpage_renders_with_every_subcommand_on_the_page() {
    let page = render(stdout_of(&["manpage"]).as_bytes());
    for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SUBCOMMANDS"] {
        assert!(page.contains(section), "no {section}:\n{page}");
    }
    for path in subcommand_paths() {
        let heading = format!("imgreaper {}", path.join(" "));
        assert!(
            page.contains(&heading),
            "no {heading:?} on the page:\n{page}"
        );
    }
    // Options of subcommands are on the page too.
    for option in ["--startup-delay", "--json", "--nmp", "--for"] {
        assert!(page.contains(option), "no {option}");
    }
}

#[test]
fn manpage_dir_writes_one_page_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let output = binary(&["manpage", "--dir", dir.path().to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut expected = vec!["imgreaper.1".to_string()];
    expected.extend(
        subcommand_paths()
            .iter()
            .map(|p| format!("imgreaper-{}.1", p.join("-"))),
    );
    for name in &expected {
        let path = dir.path().join(name);
        let roff = std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let page = render(&roff);
        assert!(page.contains("SYNOPSIS"), "{name}:\n{page}");
    }
    let written = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(written, expected.len(), "pages: {expected:?}");
}

#[test]
fn manpage_dir_that_cannot_be_written_is_an_error() {
    let output = binary(&["manpage", "--dir", "/proc/no-such-dir"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/proc/no-such-dir"), "{stderr}");
}

// ---- dynamic completion of references ---------------------------------------

/// What the dynamic bash completion offers for `words` (the last one being completed).
fn dynamic_candidates(host: &str, words: &[&str]) -> Output {
    let mut args = vec!["--", "imgreaper"];
    args.extend(words);
    Command::new(env!("CARGO_BIN_EXE_imgreaper"))
        .args(&args)
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", words.len().to_string())
        .env("_CLAP_IFS", "\n")
        .env("DOCKER_HOST", host)
        .env_remove("IMGREAPER_DB")
        .output()
        .expect("imgreaper runs")
}

fn lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// The candidates that are not options (clap offers `--db`, `--host` … beside values).
fn values(output: &Output) -> Vec<String> {
    lines(output)
        .into_iter()
        .filter(|l| !l.starts_with('-'))
        .collect()
}

/// The subcommand paths that take a `REF` argument, from the clap definitions.
fn subcommands_taking_references() -> Vec<Vec<String>> {
    let mut command = Cli::command();
    command.build();
    let takes_reference = |c: &clap::Command| {
        c.get_arguments().any(|a| {
            a.get_value_names()
                .is_some_and(|names| names.iter().any(|n| n == "REF"))
        })
    };
    let paths: Vec<Vec<String>> = subcommand_paths()
        .into_iter()
        .filter(|path| {
            let mut c = &command;
            for name in path {
                c = c.find_subcommand(name).unwrap();
            }
            takes_reference(c)
        })
        .collect();
    assert!(paths.len() >= 5, "{paths:?}");
    paths
}

#[test]
fn dynamic_completion_offers_local_references() {
    let sandbox = Sandbox::new("complete");
    let first = sandbox.repo("app:1");
    let second = sandbox.repo("app:2");
    let other = sandbox.repo("tool:1");
    for reference in [&first, &second, &other] {
        support::images::import(reference);
    }
    for path in subcommands_taking_references() {
        let prefix = sandbox.repo("ap");
        let mut words: Vec<&str> = path.iter().map(String::as_str).collect();
        words.push(&prefix);
        let output = dynamic_candidates(support::host(), &words);
        assert!(output.status.success(), "{path:?}");
        let mut offered = lines(&output);
        offered.sort();
        assert_eq!(offered, [first.clone(), second.clone()], "{path:?}");
        assert!(output.stderr.is_empty());
    }
    // A second reference after the first, and --host on the line wins over DOCKER_HOST.
    let output = dynamic_candidates(
        "unix:///nonexistent/docker.sock",
        &[
            "--host",
            support::host(),
            "remove",
            &first,
            &sandbox.repo("t"),
        ],
    );
    assert_eq!(lines(&output), [other]);
}

#[test]
fn dynamic_completion_through_the_bash_script() {
    let sandbox = Sandbox::new("complete-bash");
    let reference = sandbox.repo("svc:1.0");
    support::images::import(&reference);
    let script = stdout_of(&["completions", "bash", "--dynamic"]);
    let driver = format!(
        r#"{script}
COMP_WORDS=(imgreaper remove {prefix}); COMP_CWORD=2; COMP_TYPE=9
_clap_complete_imgreaper imgreaper {prefix} remove
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        prefix = sandbox.repo("sv")
    );
    let output = Command::new("bash")
        .args(["-c", &driver])
        .env("DOCKER_HOST", support::host())
        .output()
        .unwrap();
    let offered = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        offered.trim(),
        reference,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn no_engine_means_no_candidates_and_no_noise() {
    let output = dynamic_candidates("unix:///nonexistent/docker.sock", &["remove", ""]);
    assert!(output.status.success());
    assert!(values(&output).is_empty(), "{:?}", lines(&output));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_hung_engine_gives_up_quietly() {
    // A Unix socket that accepts and never answers.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hung.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let (test_done, finished) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let mut connections = Vec::new();
        for stream in listener.incoming() {
            connections.push(stream);
            // Held, unanswered, until the test is over.
            if finished.try_recv() != Err(std::sync::mpsc::TryRecvError::Empty) {
                return;
            }
        }
    });
    let output = dynamic_candidates(&format!("unix://{}", path.display()), &["remove", ""]);
    assert!(output.status.success());
    assert!(values(&output).is_empty(), "{:?}", lines(&output));
    assert!(output.stderr.is_empty());
    drop(test_done);
}

#[test]
fn subcommands_and_options_still_complete_dynamically() {
    let output = dynamic_candidates("unix:///nonexistent/docker.sock", &["pol"]);
    assert_eq!(lines(&output), ["policy"]);
    let output = dynamic_candidates("unix:///nonexistent/docker.sock", &["policy", "new", "--f"]);
    assert_eq!(lines(&output), ["--format"]);
}
