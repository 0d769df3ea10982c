//! A pass-through proxy in front of the engine's Unix socket, for faults a real engine will not
//! make on demand: one request answered with an error, a name moved while a request is in flight,
//! an answer held back while the client waits (to kill it mid-request).
//!
//! Each connection carries one request (the proxy asks the engine to close after it), so every
//! request is seen and can be acted on by its method and path.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A hook given a request's method and path.
pub type Hook = Box<dyn Fn(&str, &str) + Send + Sync>;

/// What to do with a request.
pub enum Action {
    Forward,
    /// Answer with this status and JSON body; the engine never sees the request.
    Respond(u16, String),
    /// Run this first, given the request's method and path (a `docker tag` moving a name, a
    /// burst of creates), then forward.
    Before(Hook),
    /// Forward the request, but hold the engine's answer until `release` (the request is done
    /// on the engine while the client still waits).
    Hold,
}

/// Which requests a rule acts on, by method and path.
pub type Matches = Box<dyn Fn(&str, &str) -> bool + Send + Sync>;

struct Rule {
    matches: Matches,
    /// How many more requests it applies to.
    times: usize,
    action: Arc<Action>,
}

#[derive(Default)]
struct Shared {
    rules: Vec<Rule>,
    /// `METHOD path` of every request seen, in order.
    seen: Vec<String>,
    /// Requests whose answer is held back, waiting for `release`.
    holding: usize,
    released: bool,
}

pub struct Proxy {
    dir: tempfile::TempDir,
    shared: Arc<(Mutex<Shared>, Condvar)>,
}

impl Proxy {
    /// Listens on a new socket and forwards to the engine at `upstream` (`unix://…`).
    pub fn start(upstream: &str) -> Proxy {
        let upstream = PathBuf::from(upstream.strip_prefix("unix://").expect("a unix:// host"));
        let dir = tempfile::Builder::new()
            .prefix("imgr-proxy-")
            .tempdir_in("/tmp")
            .unwrap();
        let listener = UnixListener::bind(dir.path().join("docker.sock")).unwrap();
        let shared: Arc<(Mutex<Shared>, Condvar)> = Arc::default();
        let accepting = shared.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let (shared, upstream) = (accepting.clone(), upstream.clone());
                std::thread::spawn(move || serve(client, &upstream, &shared));
            }
        });
        Proxy { dir, shared }
    }

    /// The address to give imgreaper.
    pub fn host(&self) -> String {
        format!("unix://{}/docker.sock", self.dir.path().display())
    }

    /// Acts on the next `times` requests whose method is `method` and whose path contains
    /// `path_contains`; other requests are forwarded.
    pub fn on(&self, method: &str, path_contains: &str, times: usize, action: Action) {
        let (method, path_contains) = (method.to_string(), path_contains.to_string());
        self.on_matching(
            Box::new(move |m, path| m == method && path.contains(&path_contains)),
            times,
            action,
        );
    }

    /// Acts on the next `times` requests `matches` accepts.
    pub fn on_matching(&self, matches: Matches, times: usize, action: Action) {
        self.lock().rules.push(Rule {
            matches,
            times,
            action: Arc::new(action),
        });
    }

    /// Every request seen so far, as `METHOD path`.
    pub fn seen(&self) -> Vec<String> {
        self.lock().seen.clone()
    }

    /// Waits until a request's answer is being held (its work done on the engine).
    pub fn wait_holding(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let (lock, changed) = &*self.shared;
        let mut shared = lock.lock().unwrap();
        while shared.holding == 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no request was held within {timeout:?}");
            shared = changed.wait_timeout(shared, left).unwrap().0;
        }
    }

    /// Lets held answers through.
    pub fn release(&self) {
        let (lock, changed) = &*self.shared;
        lock.lock().unwrap().released = true;
        changed.notify_all();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.0.lock().unwrap()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.release();
    }
}

fn serve(client: UnixStream, upstream: &std::path::Path, shared: &Arc<(Mutex<Shared>, Condvar)>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let end = line == "\r\n";
        // One request per connection: the engine closes after answering.
        if !line.to_ascii_lowercase().starts_with("connection:") {
            if end {
                head.extend_from_slice(b"Connection: close\r\n");
            }
            head.extend_from_slice(line.as_bytes());
        }
        if end {
            break;
        }
    }
    let request_line = String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    let mut words = request_line.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let action = {
        let mut guard = shared.0.lock().unwrap();
        guard.seen.push(format!("{method} {path}"));
        let rule = guard
            .rules
            .iter_mut()
            .find(|r| r.times > 0 && (r.matches)(method, path));
        rule.map(|r| {
            r.times -= 1;
            r.action.clone()
        })
    };
    let mut client_out = client;
    match action.as_deref() {
        Some(Action::Respond(status, body)) => {
            let _ = write!(
                client_out,
                "HTTP/1.1 {status} Fault\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            return;
        }
        Some(Action::Before(run)) => run(method, path),
        _ => {}
    }
    let hold = matches!(action.as_deref(), Some(Action::Hold));
    let Ok(mut engine) = UnixStream::connect(upstream) else {
        return;
    };
    if engine.write_all(&head).is_err() {
        return;
    }
    // What the client sends after the head (a body) goes on to the engine.
    let mut engine_in = engine.try_clone().unwrap();
    let buffered = reader.buffer().to_vec();
    std::thread::spawn(move || {
        let _ = engine_in.write_all(&buffered);
        let _ = std::io::copy(&mut reader.into_inner(), &mut engine_in);
    });
    if hold {
        // The whole answer is read (the engine has done the work), then held back.
        let mut answer = Vec::new();
        let _ = engine.read_to_end(&mut answer);
        let (lock, changed) = &**shared;
        let mut guard = lock.lock().unwrap();
        guard.holding += 1;
        changed.notify_all();
        while !guard.released {
            guard = changed.wait(guard).unwrap();
        }
        drop(guard);
        let _ = client_out.write_all(&answer);
        return;
    }
    let _ = std::io::copy(&mut engine, &mut client_out);
}
