//! Podman hosts (DESIGN.md §3, §16), managed as Docker hosts are through Podman's compatible
//! API: its `localhost/` names, its IDs, its events. A real `podman system service`, rootful
//! and rootless.

use crate::support;

use serde_json::Value;
use support::podman::Podman;
use support::{Sandbox, docker_on};

fn rows(sandbox: &Sandbox, host: &str) -> Vec<Value> {
    serde_json::from_str(&sandbox.ok(&["--host", host, "images", "--json"])).unwrap()
}

fn present(host: &str, id: &str) -> bool {
    docker_on(host, &["image", "inspect", id]).status.success()
}

fn removes_what_is_due_by_names_as_written(rootless: bool) {
    let Some(podman) = Podman::start(rootless) else {
        return;
    };
    let host = podman.host();
    let sandbox = Sandbox::new(if rootless { "podless" } else { "podman" });
    // Made here with the Podman CLI: named localhost/PREFIX/app:1.
    let local = podman.import_local(&sandbox.repo("app:1"));
    // Made through the compatible API: named docker.io/library/… as Docker would.
    let compat = support::images::import_on(&host, &sandbox.repo("app:2"));
    sandbox.apply_rule(&format!("{}/app:*", sandbox.prefix), 0, false);
    let listed = rows(&sandbox, &host);
    let local_row = listed
        .iter()
        .find(|r| r["image_id"] == local.as_str())
        .unwrap();
    assert_ne!(
        local_row["state"], "no_rule",
        "a rule without a registry matches Podman's localhost/ name: {local_row:#}"
    );
    let output = sandbox.imgreaper(&[
        "--host",
        &host,
        "run",
        "--once",
        "--startup-delay",
        "0s",
        "--min-age",
        "0s",
    ]);
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    for id in [&local, &compat] {
        assert!(
            !present(&host, id),
            "{id} is still there (left dangling?): {said}"
        );
    }
    let log: Vec<Value> = serde_json::from_str(&sandbox.ok(&["log", "--json"])).unwrap();
    let removes = log.iter().filter(|e| e["action"] == "remove").count();
    assert_eq!(removes, 2, "{log:#?}");
}

#[test]
fn on_a_rootful_podman_rules_match_its_names_and_removing_deletes_the_image() {
    removes_what_is_due_by_names_as_written(false);
}

#[test]
fn on_a_rootless_podman_rules_match_its_names_and_removing_deletes_the_image() {
    removes_what_is_due_by_names_as_written(true);
}

#[test]
fn podmans_events_date_a_short_lived_container_and_credit_a_pull() {
    let Some(podman) = Podman::start(false) else {
        return;
    };
    let host = podman.host();
    let sandbox = Sandbox::new("podman-events");
    let remote = format!("127.0.0.1:5000/{}", sandbox.repo("pulled:1"));
    let source = sandbox.repo("src:1");
    support::images::import(&source);
    support::docker(&["tag", &source, &remote]);
    support::docker(&["push", "-q", &remote]);
    support::docker(&["rmi", &source, &remote]);
    let run = || {
        let output = sandbox.imgreaper(&[
            "--host",
            &host,
            "run",
            "--once",
            "--startup-delay",
            "0s",
            "--min-age",
            "0s",
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run();
    let pulled = docker_on(&host, &["pull", "-q", &remote]);
    assert!(pulled.status.success(), "{pulled:?}");
    run();
    let row = rows(&sandbox, &host)
        .into_iter()
        .find(|r| r["reference"] == remote.as_str())
        .unwrap();
    assert_eq!(row["agent_downloaded"], true, "{row:#}");
    // A container that lived a second is a use: it spends an approval given before it.
    sandbox.ok(&[
        "settings",
        "--mode",
        "approve",
        "--startup-delay",
        "0s",
        "--min-age",
        "0s",
    ]);
    let name = sandbox.repo("app:1");
    let id = support::images::import_on(&host, &name);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 0, false);
    run();
    sandbox.ok(&["--host", &host, "approve", &name]);
    let container = format!("{}-once", sandbox.prefix);
    let created = docker_on(
        &host,
        &[
            "create",
            "--name",
            &container,
            &name,
            "/bin/busybox",
            "true",
        ],
    );
    assert!(created.status.success(), "{created:?}");
    assert!(docker_on(&host, &["rm", &container]).status.success());
    run();
    assert!(
        present(&host, &id),
        "removed on an approval its use had spent"
    );
    let log = sandbox.ok(&["log"]);
    assert!(log.contains("lapse"), "{log}");
}
