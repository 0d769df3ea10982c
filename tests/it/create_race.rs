//! No container is ever left without its image (DESIGN.md §12). The engine checks for
//! containers when it deletes an image, but a `create` that resolved the name just before
//! registers its container just after that check. Here every request imgreaper makes to take a
//! name off or delete an image is met by creates from that image sent an instant before it (a
//! proxy in front of the engine starts them when the request arrives), so each falls into that
//! window; with the names taken off first and a grace for creates in flight before the
//! deletion, none is left without its image (the deletion is refused and the names put back).
//! (`tests/bench/run` measures the same over a thousand creates in free-running churn.)

use crate::support;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::images::import;
use support::proxy::{Action, Proxy};
use support::{Sandbox, docker, exists, host};

const IMAGES: usize = 12;
const CREATES_PER_DELETION: usize = 3;

/// Asks the engine to create a container from `image` named `name`; returns whether it did.
fn create(image: &str, name: &str) -> bool {
    let socket = host().trim_start_matches("unix://");
    let Ok(mut stream) = UnixStream::connect(socket) else {
        return false;
    };
    let body = format!(r#"{{"Image":"{image}","Cmd":["/bin/busybox","true"]}}"#);
    let request = format!(
        "POST /containers/create?name={name} HTTP/1.1\r\nHost: engine\r\nContent-Type: \
         application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut answer = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut answer).is_ok()
        && answer.starts_with("HTTP/1.1 201")
}

#[test]
fn containers_created_as_their_image_is_deleted_keep_their_image() {
    let sandbox = Sandbox::new("create-race");
    let names: Vec<String> = (0..IMAGES)
        .map(|i| sandbox.repo(&format!("r:{i}")))
        .collect();
    let mut by_id = std::collections::HashMap::new();
    for name in &names {
        by_id.insert(import(name), name.clone());
    }
    sandbox.all_due();
    let made: Arc<Mutex<Vec<String>>> = Arc::default();
    let running: Arc<Mutex<Vec<std::thread::JoinHandle<()>>>> = Arc::default();
    let proxy = Proxy::start(host());
    let (recorder, prefix, started) = (made.clone(), sandbox.prefix.clone(), running.clone());
    let names_set: std::collections::HashMap<String, String> =
        names.iter().map(|n| (n.clone(), n.clone())).collect();
    let uniquely = std::sync::atomic::AtomicUsize::new(0);
    proxy.on_matching(
        Box::new(|method, path| method == "DELETE" && path.contains("/images/")),
        usize::MAX,
        Action::Before(Box::new(move |_, path| {
            // `/images/sha256:…` (a deletion by ID) or `/images/NAME` (a name taken off).
            let target = path.split("/images/").nth(1).unwrap_or_default();
            let target = target.split('?').next().unwrap_or_default();
            let target = target.replace("%3A", ":").replace("%2F", "/");
            let Some(name) = by_id
                .get(&target)
                .or_else(|| names_set.get(&target))
                .cloned()
            else {
                return;
            };
            let tag = uniquely.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            for n in 0..CREATES_PER_DELETION {
                let container = format!("{prefix}-{tag}-{n}");
                let (name, recorder) = (name.clone(), recorder.clone());
                started.lock().unwrap().push(std::thread::spawn(move || {
                    if create(&name, &container) {
                        recorder.lock().unwrap().push(container);
                    }
                }));
            }
            // The creates are on their way to the engine; the deletion follows an instant later.
            std::thread::sleep(Duration::from_millis(2));
        })),
    );
    let output = sandbox
        .command(&[
            "--host",
            &proxy.host(),
            "run",
            "--once",
            "--startup-delay",
            "0s",
            "--min-age",
            "0s",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    for creating in std::mem::take(&mut *running.lock().unwrap()) {
        creating.join().unwrap();
    }
    let made = made.lock().unwrap().clone();
    let orphans: Vec<String> = made
        .iter()
        .filter(|container| {
            let image = docker(&["container", "inspect", "--format", "{{.Image}}", container]);
            !exists(&image)
        })
        .cloned()
        .collect();
    eprintln!(
        "{} containers created as their image was deleted, {} left without it ({})",
        made.len(),
        orphans.len(),
        String::from_utf8_lossy(&output.stderr)
            .lines()
            .last()
            .unwrap_or_default()
    );
    assert!(
        !made.is_empty(),
        "no create raced a removal: the test proves nothing"
    );
    assert!(
        orphans.is_empty(),
        "{} of {} containers were left without their image: {orphans:?}",
        orphans.len(),
        made.len()
    );
}
