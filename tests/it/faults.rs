//! Real faults around the engine: a socket that accepts and never answers, addresses where no
//! engine listens, a proxy that refuses the event stream, and a burst of events.

use crate::support;

use imgreaper::node::engine::Engine;
use imgreaper::node::store::Store;
use imgreaper::node::watcher::{Wake, Watcher};
use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixListener;
use std::process::{Child, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::proxy::{Action, Proxy};
use support::{PATIENCE, Sandbox, docker_output, host};

/// Waits for a child with a watchdog, so a hang fails the test instead of stalling the suite.
fn wait_or_kill(mut child: Child, watchdog: Duration) -> Output {
    let deadline = Instant::now() + watchdog;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    panic!(
        "still running after {watchdog:?}; stderr so far: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A Unix socket that accepts every connection and never answers: a hung engine. The receiver
/// hears of each connection it accepts.
fn silent_socket(dir: &std::path::Path) -> (String, mpsc::Receiver<()>) {
    let path = dir.join("silent.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let (accepted, connections) = mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream); // keep it open, say nothing
            let _ = accepted.send(());
        }
    });
    (format!("unix://{}", path.display()), connections)
}

#[test]
fn a_silent_engine_is_reported_with_its_address_instead_of_hanging() {
    let sandbox = Sandbox::new("silent");
    let (silent, _connections) = silent_socket(sandbox.dir.path());
    let child = sandbox
        .command(&["--host", &silent, "images"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = wait_or_kill(child, PATIENCE);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&silent), "names the address: {stderr}");
    assert!(stderr.contains("did not answer"), "{stderr}");
}

#[test]
fn sigterm_stops_the_service_at_once_even_while_the_engine_hangs() {
    let sandbox = Sandbox::new("silent-term");
    let (silent, connections) = silent_socket(sandbox.dir.path());
    let child = sandbox
        .command(&["--host", &silent, "run"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // It is stuck in its first request to the engine once the engine has its connection.
    connections
        .recv_timeout(PATIENCE)
        .expect("the service never connected to the engine");
    // SAFETY: kill with a child's pid and a valid signal number.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let output = wait_or_kill(child, PATIENCE);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    // At once: it did not wait for its request to time out first.
    assert!(
        stderr.contains("stopped before the engine answered") && !stderr.contains("did not answer"),
        "{stderr}"
    );
}

#[test]
fn where_nothing_listens_the_hint_says_so() {
    let sandbox = Sandbox::new("hints");
    let file = sandbox.write("not-a-socket", "");
    let directory = sandbox.dir.path().join("a-directory");
    std::fs::create_dir(&directory).unwrap();
    let cases = [
        (
            "tcp://127.0.0.1:1".to_string(),
            "nothing answers at tcp://127.0.0.1:1",
        ),
        (
            format!("unix://{}", file.display()),
            "is a regular file, not a socket",
        ),
        (
            format!("unix://{}", directory.display()),
            "is a directory, not a socket",
        ),
        (
            format!("unix://{}/absent.sock", sandbox.dir.path().display()),
            "does not exist",
        ),
    ];
    for (address, hint) in cases {
        let output = sandbox.imgreaper(&["--host", &address, "images"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{address}: {stderr}");
        assert!(stderr.contains(hint), "{address}: {stderr}");
        assert!(
            !stderr.contains("client error (Connect)") || stderr.contains(hint),
            "{stderr}"
        );
    }
}

/// The service's standard error, line by line, as it comes.
fn stderr_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    receiver
}

/// The delay a "retrying in Ns" line announces.
fn announced_retry(line: &str) -> Option<u64> {
    let rest = line.split("retrying in ").nth(1)?;
    rest.split('s').next()?.parse().ok()
}

#[test]
fn a_refused_event_stream_is_retried_with_backoff_not_in_a_tight_loop() {
    let sandbox = Sandbox::new("no-events");
    // A proxy in front of the test engine that refuses the event stream, as one allowing only a
    // few endpoints would.
    let proxy = Proxy::start(host());
    proxy.on(
        "GET",
        "/events",
        usize::MAX,
        Action::Respond(403, r#"{"message": "forbidden"}"#.to_string()),
    );
    let mut child = sandbox
        .command(&[
            "--host",
            &proxy.host(),
            "run",
            "--startup-delay",
            "0s",
            "--interval",
            "1h",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut child);
    // Each failed attempt says how long it waits before the next: wait for three of them.
    let mut log = Vec::new();
    let mut delays = Vec::new();
    while delays.len() < 3 {
        let line = lines
            .recv_timeout(PATIENCE)
            .unwrap_or_else(|_| panic!("no third retry announced; the log: {log:#?}"));
        delays.extend(announced_retry(&line));
        log.push(line);
    }
    // One image list per attempt.
    let inventories = proxy
        .seen()
        .iter()
        .filter(|request| request.starts_with("GET") && request.contains("/images/json"))
        .count();
    // SAFETY: kill with a child's pid and a valid signal number.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    wait_or_kill(child, PATIENCE);
    assert_eq!(delays, [1, 2, 4], "the delays grow: {log:#?}");
    // One look at the engine per attempt (the first, and one after each announced wait), not
    // one per round trip; the attempt after the third wait may have begun.
    assert!(
        inventories <= delays.len() + 2,
        "{inventories} inventories for {} announced retries: {log:#?}",
        delays.len()
    );
}

#[tokio::test]
async fn a_burst_of_events_wakes_the_watcher_a_few_times_not_once_per_event() {
    let sandbox = Sandbox::new("burst");
    let image = sandbox.repo("burst:1");
    support::images::import(&image);
    let engine = Engine::connect(host()).await.unwrap();
    let mut store = Store::open(&sandbox.db()).unwrap();
    let mut watcher = Watcher::new(engine, &store, Duration::from_secs(30));
    // The watcher subscribes when first asked: tag an image until the subscription hears it.
    let marker = sandbox.repo("burst:marker");
    let first = tokio::select! {
        wake = watcher.next(&mut store) => wake,
        _ = async {
            loop {
                docker_output(&["tag", &image, &marker]);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        } => unreachable!(),
    };
    assert_eq!(first, Wake::Engine);
    // Eighty events (forty containers created and removed) while nobody reads the stream, as
    // while the enforcer is busy with a cycle: they wait in the stream.
    let prefix = sandbox.prefix.replace('/', "-");
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let (image, prefix) = (image.clone(), prefix.clone());
            std::thread::spawn(move || {
                for i in 0..5 {
                    let name = format!("{prefix}-b{w}-{i}");
                    docker_output(&["create", "--name", &name, &image, "/bin/busybox", "true"]);
                    docker_output(&["rm", &name]);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let before = watcher.events_read();
    let mut wakes = 0;
    while watcher.events_read() - before < 80 {
        match watcher.next(&mut store).await {
            Wake::Engine => wakes += 1,
            other => panic!("{other:?} after {wakes} wake-ups"),
        }
    }
    let read = watcher.events_read() - before;
    // Drained in bursts: a wake-up per event would be a cycle per event.
    assert!(
        wakes * 4 <= read,
        "{wakes} wake-ups for {read} events (the burst was 80)"
    );
}
