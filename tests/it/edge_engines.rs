//! Engines as edge hosts run them (DESIGN.md §16): started by socket activation, behind a socket
//! proxy. The start-up delay counts from the engine's own start, so a restart re-arms it for a
//! cron `run --once` too, whatever holds the socket.

use crate::support;

use std::os::unix::net::UnixListener;
use std::time::{Duration, Instant};
use support::Sandbox;
use support::engine::OwnEngine;
use support::images::import_on;
use support::proxy::Proxy;

/// `run --once` against `host` with a 20 s start-up delay; whether `image` is gone after it.
fn removed_by_a_cron_run(sandbox: &Sandbox, host: &str, engine: &OwnEngine, image: &str) -> bool {
    let output = sandbox.imgreaper(&[
        "--host",
        host,
        "run",
        "--once",
        "--startup-delay",
        "20s",
        "--min-age",
        "0s",
    ]);
    assert!(
        output.status.code().is_some(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    !engine.exists(image)
}

/// How long this process (which holds the socket, or proxies it) has been running.
fn age_of_this_process() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 1..];
    let ticks: u64 = after_name
        .split_whitespace()
        .nth(19)
        .unwrap()
        .parse()
        .unwrap();
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    Duration::from_secs_f64(uptime - ticks as f64 / per_second as f64)
}

/// Restarts the engine once whatever holds its socket has been up longer than the delay (so
/// only the engine's own start can hold a cron run back), then: the first cron run removes
/// nothing; one past the delay does.
fn the_delay_counts_from_the_restart(
    sandbox: &Sandbox,
    host: &str,
    engine: &mut OwnEngine,
    restart: impl Fn(&mut OwnEngine),
    image: &str,
) {
    // Real time must pass for this to hold, whatever the clocks say.
    while age_of_this_process() < Duration::from_secs(25) {
        std::thread::sleep(Duration::from_secs(1));
    }
    engine.stop();
    restart(engine);
    let restarted = Instant::now();
    assert!(
        !removed_by_a_cron_run(sandbox, host, engine, image),
        "removed right after the engine restarted: the start-up delay was not re-armed"
    );
    // Once the delay has passed since the restart, a cron run removes it.
    while !removed_by_a_cron_run(sandbox, host, engine, image) {
        assert!(
            restarted.elapsed() < Duration::from_secs(120),
            "never removed once the delay had passed"
        );
        std::thread::sleep(Duration::from_secs(2));
    }
    assert!(restarted.elapsed() >= Duration::from_secs(19));
}

#[test]
fn an_engine_restarted_behind_socket_activation_re_arms_the_start_up_delay() {
    if !OwnEngine::possible() {
        return;
    }
    let mut engine = OwnEngine::new();
    // The socket is held by this process across restarts, as systemd holds docker.socket.
    let listener = UnixListener::bind(engine.dir.path().join("docker.sock")).unwrap();
    engine.start_activated(&listener);
    let host = engine.host();
    let sandbox = Sandbox::new("activated");
    let name = sandbox.repo("app:1");
    import_on(&host, &name);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 0, false);
    the_delay_counts_from_the_restart(
        &sandbox,
        &host,
        &mut engine,
        |engine| engine.start_activated(&listener),
        &name,
    );
}

#[test]
fn an_engine_restarted_behind_a_socket_proxy_re_arms_the_start_up_delay() {
    if !OwnEngine::possible() {
        return;
    }
    let mut engine = OwnEngine::new();
    engine.start();
    let proxy = Proxy::start(&engine.host());
    let sandbox = Sandbox::new("proxied");
    let name = sandbox.repo("app:1");
    import_on(&engine.host(), &name);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 0, false);
    the_delay_counts_from_the_restart(
        &sandbox,
        &proxy.host(),
        &mut engine,
        OwnEngine::start,
        &name,
    );
}
