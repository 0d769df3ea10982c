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

// ---- 7: Docker contexts, TLS, and engines over SSH ------------------------------------------

/// The real binary with only the Docker CLI's configuration in `config` to find the engine by.
fn imgreaper_with_config(
    sandbox: &Sandbox,
    config: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    std::process::Command::new(support::binary())
        .args(args)
        .env_remove("DOCKER_HOST")
        .env("DOCKER_CONFIG", config)
        .env("IMGREAPER_DB", sandbox.db())
        .output()
        .unwrap()
}

#[test]
fn the_engine_is_found_through_the_docker_context_in_use() {
    let sandbox = Sandbox::new("context");
    let name = sandbox.repo("app:1");
    support::images::import(&name);
    let config = tempfile::tempdir().unwrap();
    let docker_cli = |args: &[&str]| {
        let output = std::process::Command::new("docker")
            .args(args)
            .env_remove("DOCKER_HOST")
            .env("DOCKER_CONFIG", config.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "docker {args:?}: {output:?}");
    };
    let engine = format!("host={}", support::host());
    docker_cli(&["context", "create", "edge2", "--docker", &engine]);
    // Named in the environment.
    let output = std::process::Command::new(support::binary())
        .args(["images", "--json"])
        .env_remove("DOCKER_HOST")
        .env("DOCKER_CONFIG", config.path())
        .env("DOCKER_CONTEXT", "edge2")
        .env("IMGREAPER_DB", sandbox.db())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains(&name));
    // Chosen with `docker context use`.
    docker_cli(&["context", "use", "edge2"]);
    let output = imgreaper_with_config(&sandbox, config.path(), &["images", "--json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains(&name));
    // A context that is not there is said so.
    let output = std::process::Command::new(support::binary())
        .args(["images"])
        .env_remove("DOCKER_HOST")
        .env("DOCKER_CONFIG", config.path())
        .env("DOCKER_CONTEXT", "nowhere")
        .env("IMGREAPER_DB", sandbox.db())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("nowhere") && said.contains("docker context ls"),
        "{said}"
    );
}

#[test]
fn an_engine_over_tls_is_reached_with_the_clis_certificates() {
    if !OwnEngine::possible() {
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    let dir = certs.path();
    let sh = |script: &str| {
        let output = std::process::Command::new("sh")
            .args(["-c", script])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(output.status.success(), "{script}: {output:?}");
    };
    // A CA, the engine's certificate for 127.0.0.1, and a client's, as `docker` keeps them.
    sh(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout ca-key.pem -out ca.pem 2>/dev/null",
    );
    sh(
        "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server-key.pem -out server.csr 2>/dev/null \
        && printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext \
        && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile server.ext -out server-cert.pem 2>/dev/null",
    );
    sh(
        "openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout key.pem -out client.csr 2>/dev/null \
        && printf 'extendedKeyUsage=clientAuth\\n' > client.ext \
        && openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile client.ext -out cert.pem 2>/dev/null",
    );
    let port = {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        socket.local_addr().unwrap().port()
    };
    let tcp = format!("tcp://127.0.0.1:{port}");
    let path = |file: &str| dir.join(file).to_string_lossy().into_owned();
    let mut engine = OwnEngine::new();
    engine.start_with(&[
        "--host",
        &tcp,
        "--tlsverify",
        "--tlscacert",
        &path("ca.pem"),
        "--tlscert",
        &path("server-cert.pem"),
        "--tlskey",
        &path("server-key.pem"),
    ]);
    let sandbox = Sandbox::new("tls");
    let name = sandbox.repo("app:1");
    import_on(&engine.host(), &name);
    let output = sandbox
        .command(&["--host", &tcp, "images", "--json"])
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains(&name));
}

#[test]
fn an_engine_over_ssh_is_refused_saying_where_imgreaper_runs() {
    let sandbox = Sandbox::new("ssh-host");
    let output = sandbox.imgreaper(&["--host", "ssh://edge@10.0.0.7", "images"]);
    let said = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0));
    assert!(
        said.contains("runs on the node") && said.contains("imgreaper fleet"),
        "{said}"
    );
}
