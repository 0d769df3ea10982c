//! Decisions follow the image (DESIGN.md §4, §11, §12), where two real things meet: a tag that
//! moves under an operator's hold, a pull and a local import under one name, a keep rule on a
//! moving name, an approval followed by renewed use, an image other local images are built on,
//! a crash between the engine's work and its record, one image the engine cannot inspect.
//! Every test runs the real binary against the real engine; pulls come from the loopback
//! registry, faults from a proxy in front of the engine's socket.

use crate::support;

use serde_json::Value;
use std::process::Stdio;
use std::time::Duration;
use support::images::{OWNER_LABEL, import};
use support::proxy::{Action, Proxy};
use support::{Sandbox, docker, docker_output, exists, host};

/// One cron run with no guard in the way.
fn run_once(sandbox: &Sandbox) -> std::process::Output {
    sandbox.imgreaper(&["run", "--once", "--startup-delay", "0s", "--min-age", "0s"])
}

fn run_once_ok(sandbox: &Sandbox) {
    let output = run_once(sandbox);
    assert!(
        output.status.success(),
        "run --once failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every row of `images --json`.
fn all_rows(sandbox: &Sandbox) -> Vec<Value> {
    serde_json::from_str(&sandbox.ok(&["images", "--json"])).expect("images --json is JSON")
}

/// The rows of one image, by its ID.
fn rows_of(sandbox: &Sandbox, image_id: &str) -> Vec<Value> {
    all_rows(sandbox)
        .into_iter()
        .filter(|r| r["image_id"] == image_id)
        .collect()
}

fn row_named(sandbox: &Sandbox, reference: &str) -> Value {
    let rows = all_rows(sandbox);
    rows.iter()
        .find(|r| r["reference"] == reference)
        .cloned()
        .unwrap_or_else(|| panic!("{reference} not in images --json: {rows:#?}"))
}

/// Audit actions for an image, oldest first.
fn actions_of(sandbox: &Sandbox, image_id: &str) -> Vec<(String, u64)> {
    let log: Vec<Value> =
        serde_json::from_str(&sandbox.ok(&["log", "--json", "--limit", "10000"])).unwrap();
    let mut actions: Vec<(String, u64)> = log
        .iter()
        .filter(|e| e["image_id"] == image_id)
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["bytes_freed"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    actions.reverse();
    actions
}

/// Every image made for this test, named or not.
fn images_of(sandbox: &Sandbox) -> Vec<String> {
    let label = format!("label={OWNER_LABEL}={}", sandbox.prefix);
    let output = docker(&["images", "-aq", "--no-trunc", "--filter", &label]);
    output.split_whitespace().map(str::to_string).collect()
}

fn image_id(reference: &str) -> String {
    docker(&["image", "inspect", "--format", "{{.Id}}", reference])
}

/// A policy from its `image_policy` JSON.
fn apply(sandbox: &Sandbox, image_policy: &str) {
    let file = sandbox.write(
        "policy.json",
        &format!(r#"{{"image_policy": {image_policy}}}"#),
    );
    sandbox.ok(&[
        "policy",
        "apply",
        file.to_str().unwrap(),
        "--name",
        "policy",
    ]);
}

/// Pushes a new image to the loopback registry as `name` and removes it locally.
fn publish(sandbox: &Sandbox, name: &str) -> String {
    let source = sandbox.repo(&format!("src-{}", name.rsplit('/').next().unwrap()));
    import(&source);
    docker(&["tag", &source, name]);
    docker(&["push", "-q", name]);
    docker(&["rmi", name, &source]);
    name.to_string()
}

fn registry_name(sandbox: &Sandbox, name: &str) -> String {
    format!("127.0.0.1:5000/{}", sandbox.repo(name))
}

// ---- 1: a postponement stays with the image it was given for ------------------------------

#[test]
fn a_postponement_stays_with_the_image_when_its_tag_moves() {
    let sandbox = Sandbox::new("zo");
    let name = sandbox.repo("zo:1");
    let held = import(&name);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 0, false);
    sandbox.ok(&["postpone", &name, "--for", "1day"]);
    run_once_ok(&sandbox);
    assert!(exists(&held), "removed while postponed");

    // A new image comes to carry the name.
    let new = import(&name);
    run_once_ok(&sandbox);
    assert!(
        exists(&held),
        "the held image went once its tag moved: {:?}",
        actions_of(&sandbox, &held)
    );
    let rows = rows_of(&sandbox, &held);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["state"], "postponed", "{rows:#?}");
    assert_eq!(rows[0]["former_names"][0], name.as_str(), "{rows:#?}");
    // Only the new image is not covered.
    assert!(
        !exists(&new),
        "the new image under the name is not postponed"
    );
    assert!(
        !actions_of(&sandbox, &held)
            .iter()
            .any(|(a, _)| a == "lapse")
    );
}

// ---- 2, 3: keep rules keep what the name carries now --------------------------------------

#[test]
fn a_keep_rule_keeps_what_its_name_carries_now_not_every_image_it_carried() {
    let sandbox = Sandbox::new("zpk");
    let name = sandbox.repo("zpk:1");
    apply(
        &sandbox,
        &format!(
            r#"{{"removal": [{{"image_name": "{p}/*", "delete_after_minutes": 0, "agent_downloaded_only": false}}],
                 "keep": [{{"image_name": "{name}"}}]}}"#,
            p = sandbox.prefix
        ),
    );
    import(&name);
    run_once_ok(&sandbox);
    for _ in 0..5 {
        import(&name);
        run_once_ok(&sandbox);
    }
    let current = image_id(&name);
    assert_eq!(
        images_of(&sandbox),
        std::slice::from_ref(&current),
        "images the name moved away from are still kept: {:#?}",
        all_rows(&sandbox)
            .iter()
            .filter(|r| r["image_id"] != current.as_str() && r["former_names"][0] == name.as_str())
            .map(|r| r["state"].clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(row_named(&sandbox, &name)["state"], "kept");
}

#[test]
fn keep_last_gives_its_places_to_tagged_versions_only() {
    let sandbox = Sandbox::new("klast");
    let app = |tag: &str| sandbox.repo(&format!("app:{tag}"));
    apply(
        &sandbox,
        &format!(
            r#"{{"removal": [{{"image_name": "{p}/*", "delete_after_minutes": 600, "agent_downloaded_only": false}}],
                 "keep": [{{"image_name": "{p}/app:*", "last": 2}}]}}"#,
            p = sandbox.prefix
        ),
    );
    import(&app("1"));
    let first_latest = import(&app("latest"));
    run_once_ok(&sandbox);
    let second_latest = import(&app("latest"));
    run_once_ok(&sandbox);
    import(&app("latest"));
    run_once_ok(&sandbox);

    for former in [&first_latest, &second_latest] {
        let rows = rows_of(&sandbox, former);
        assert_eq!(
            rows[0]["state"], "scheduled",
            "an untagged former latest took a keep place: {rows:#?}"
        );
    }
    assert_eq!(row_named(&sandbox, &app("latest"))["state"], "kept");
    assert_eq!(
        row_named(&sandbox, &app("1"))["state"],
        "kept",
        "the rollback version lost its place"
    );
}

// ---- 4: a pull is credited to the image that was pulled ------------------------------------

#[test]
fn a_pull_is_credited_to_the_pulled_image_not_to_a_local_import_under_the_same_name() {
    let sandbox = Sandbox::new("pullimp");
    let name = publish(&sandbox, &registry_name(&sandbox, "app:2"));
    apply(
        &sandbox,
        &format!(
            r#"{{"removal": [{{"image_name": "127.0.0.1:5000/{p}/*", "delete_after_minutes": 0, "agent_downloaded_only": true}}]}}"#,
            p = sandbox.prefix
        ),
    );
    // A first run: the enforcer has seen the engine before the pull.
    run_once_ok(&sandbox);
    docker(&["pull", "-q", &name]);
    let pulled = image_id(&name);
    // A local build under the same name before the next run.
    let local = import(&name);
    run_once_ok(&sandbox);

    assert!(
        exists(&local),
        "the local image was taken for the pulled one and removed"
    );
    assert_eq!(row_named(&sandbox, &name)["agent_downloaded"], false);
    assert_eq!(row_named(&sandbox, &name)["state"], "spared");
    assert!(
        !exists(&pulled),
        "the pulled image was spared: {:#?}",
        rows_of(&sandbox, &pulled)
    );
}

#[test]
fn pulls_of_every_tag_and_by_digest_are_pulls_too() {
    let sandbox = Sandbox::new("pullall");
    let one = publish(&sandbox, &registry_name(&sandbox, "multi:1"));
    let two = publish(&sandbox, &registry_name(&sandbox, "multi:2"));
    let pinned = publish(&sandbox, &registry_name(&sandbox, "bydigest:1"));
    // Present before imgreaper watches: not agent-downloaded.
    docker(&["pull", "-q", &pinned]);
    run_once_ok(&sandbox);
    assert_eq!(row_named(&sandbox, &pinned)["agent_downloaded"], false);

    let repository = registry_name(&sandbox, "multi");
    docker(&["pull", "-q", "--all-tags", &repository]);
    let digest_name = docker(&[
        "image",
        "inspect",
        "--format",
        "{{index .RepoDigests 0}}",
        &pinned,
    ]);
    docker(&["pull", "-q", &digest_name]);
    run_once_ok(&sandbox);

    for name in [&one, &two, &pinned] {
        assert_eq!(
            row_named(&sandbox, name)["agent_downloaded"],
            true,
            "{name} was pulled while imgreaper watched"
        );
    }
}

// ---- 5: an approval answers one due removal --------------------------------------------------

#[test]
fn an_approval_lapses_when_the_image_is_used_again() {
    let sandbox = Sandbox::new("zap");
    sandbox.ok(&[
        "settings",
        "--mode",
        "approve",
        "--startup-delay",
        "0s",
        "--min-age",
        "0s",
    ]);
    let name = sandbox.repo("zap:1");
    let id = import(&name);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 0, false);
    run_once_ok(&sandbox);
    assert_eq!(row_named(&sandbox, &name)["state"], "awaiting_approval");
    sandbox.ok(&["approve", &name]);

    // The image is used again, then left idle.
    let container = format!("{}-use", sandbox.prefix.replace('/', "-"));
    support::images::create_container(&name, &container);
    docker(&["rm", &container]);
    let output = run_once(&sandbox);
    assert!(
        exists(&id),
        "removed on an approval given before the image was used again: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        actions_of(&sandbox, &id).iter().any(|(a, _)| a == "lapse"),
        "the lapse is recorded: {:?}",
        actions_of(&sandbox, &id)
    );
    assert_eq!(
        row_named(&sandbox, &name)["state"],
        "awaiting_approval",
        "{:?}",
        actions_of(&sandbox, &id)
    );
}

// ---- 6: a pin by image ID pins that image ---------------------------------------------------

#[test]
fn a_pin_by_image_id_pins_that_image_when_its_tag_moves() {
    let sandbox = Sandbox::new("pinid");
    let name = sandbox.repo("app:1");
    let pinned = import(&name);
    let short = &pinned["sha256:".len().."sha256:".len() + 12];
    sandbox.ok(&["pin", short]);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 0, false);
    run_once_ok(&sandbox);
    let new = import(&name);
    run_once_ok(&sandbox);
    assert!(exists(&pinned), "the image pinned by its ID was removed");
    assert!(
        !exists(&new),
        "the pin went to the name: the new image under it is kept"
    );
    assert_eq!(rows_of(&sandbox, &pinned)[0]["state"], "pinned");
}

// ---- 9: an image other local images are built on is in use by them ---------------------------

#[test]
fn an_image_a_local_build_is_based_on_is_in_use_by_its_child_and_never_tried() {
    let sandbox = Sandbox::new("parent");
    let base = sandbox.repo("base:1");
    let base_id = import(&base);
    let child = sandbox.repo("child:1");
    let mut build = std::process::Command::new("docker")
        .args(["build", "-q", "--network", "none", "-t", &child, "-"])
        .env("DOCKER_HOST", host())
        .env("DOCKER_BUILDKIT", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    write!(
        build.stdin.take().unwrap(),
        "FROM {base}\nLABEL {OWNER_LABEL}={}\n",
        sandbox.prefix
    )
    .unwrap();
    let output = build.wait_with_output().unwrap();
    assert!(output.status.success(), "docker build: {output:?}");
    apply(
        &sandbox,
        &format!(
            r#"{{"removal": [{{"image_name": "{base}", "delete_after_minutes": 0, "agent_downloaded_only": false}}]}}"#
        ),
    );
    for _ in 0..2 {
        let output = run_once(&sandbox);
        assert!(
            output.status.success(),
            "run --once failed over an image the engine cannot delete: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(exists(&base_id));
    let row = row_named(&sandbox, &base);
    assert_eq!(row["state"], "in_use", "{row:#}");
    assert!(row["deadline"].is_null(), "{row:#}");
    assert_eq!(
        actions_of(&sandbox, &base_id),
        [],
        "tried and audited every cycle"
    );
    docker(&["rmi", &child]);
}

// ---- 12: a crash between the engine's work and its record -----------------------------------

/// A request that changes an image: giving a name, taking one off, deleting.
fn changes_an_image(method: &str, path: &str) -> bool {
    (method == "POST" && path.contains("/tag?"))
        || (method == "DELETE" && path.contains("/images/"))
}

/// Runs `run --once` through a proxy that holds the answer to the `step`-th request changing an
/// image (the engine has done it; the enforcer waits), and kills the enforcer there.
fn killed_at_step(sandbox: &Sandbox, step: usize) {
    let proxy = Proxy::start(host());
    proxy.on_matching(Box::new(changes_an_image), step - 1, Action::Forward);
    proxy.on_matching(Box::new(changes_an_image), 1, Action::Hold);
    let mut child = sandbox
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
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    proxy.wait_holding(Duration::from_secs(120));
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_kill_at_any_step_of_a_removal_is_finished_by_the_next_run_and_recorded_once() {
    // An image with two names is held (1), loses one name (2) and the other (3), and is
    // deleted by ID (4): killed at each step in turn.
    for step in 1..=4 {
        let sandbox = Sandbox::new(&format!("kill9-{step}"));
        let first = sandbox.repo("app:1");
        let id = import(&first);
        let second = sandbox.repo("app:also");
        docker(&["tag", &first, &second]);
        sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 0, false);
        killed_at_step(&sandbox, step);

        run_once_ok(&sandbox);
        assert!(!exists(&id), "step {step}: the due image is still there");
        let actions = actions_of(&sandbox, &id);
        let removes: Vec<_> = actions.iter().filter(|(a, _)| a == "remove").collect();
        let freed: u64 = actions.iter().map(|(_, b)| b).sum();
        assert_eq!(removes.len(), 1, "step {step}: {actions:?}");
        assert!(
            actions.iter().any(|(a, _)| a == "untag"),
            "step {step}: {actions:?}"
        );
        assert_eq!(
            freed, removes[0].1,
            "step {step}: bytes counted once: {actions:?}"
        );
        let holds = docker(&["images", "-q", "imgreaper.invalid/removing"]);
        assert!(
            !holds.contains(&id["sha256:".len().."sha256:".len() + 12]),
            "step {step}: left with its hold name"
        );
    }
}

// ---- 15: one image the engine cannot inspect -------------------------------------------------

#[test]
fn one_image_whose_inspection_fails_does_not_stop_enforcement_of_the_others() {
    let sandbox = Sandbox::new("bad-inspect");
    let broken = import(&sandbox.repo("broken:1"));
    let fine = import(&sandbox.repo("fine:1"));
    sandbox.apply_rule(&format!("{}/broken:*", sandbox.prefix), 0, false);
    // The broken image's removal is interrupted after its journal entry is written: the
    // enforcer is killed while the engine answers its re-read of the image.
    let proxy = Proxy::start(host());
    let hex = &broken["sha256:".len()..];
    proxy.on("GET", hex, 1, Action::Hold);
    let mut child = sandbox
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
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    proxy.wait_holding(Duration::from_secs(120));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(exists(&broken));

    // From now on the engine fails every inspection of that one image.
    proxy.on(
        "GET",
        hex,
        usize::MAX,
        Action::Respond(
            500,
            r#"{"message":"layer store: input/output error"}"#.into(),
        ),
    );
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 0, false);
    let output = sandbox.imgreaper(&[
        "--host",
        &proxy.host(),
        "run",
        "--once",
        "--startup-delay",
        "0s",
        "--min-age",
        "0s",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !exists(&fine),
        "one image the engine cannot inspect stopped the whole cycle: {stderr}"
    );
    assert!(stderr.contains("input/output error"), "said: {stderr}");
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        docker_output(&["image", "inspect", &broken])
            .status
            .success()
    );
}

// ---- 14: a kept name is refused as a pinned one is -----------------------------------------

#[test]
fn remove_refuses_a_kept_name_naming_the_keep_rule_unless_told_to_ignore_it() {
    let sandbox = Sandbox::new("rmkept");
    let name = sandbox.repo("app:1");
    let id = import(&name);
    apply(
        &sandbox,
        &format!(
            r#"{{"removal": [], "keep": [{{"image_name": "{}/app:*"}}]}}"#,
            sandbox.prefix
        ),
    );
    let output = sandbox.imgreaper(&["remove", &name]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(exists(&id), "a kept name was removed without a word");
    assert!(stderr.contains("keep #1"), "names the keep rule: {stderr}");
    assert!(
        stderr.contains("--ignore-keep"),
        "says how to override: {stderr}"
    );

    sandbox.ok(&["remove", "--ignore-keep", &name]);
    assert!(!exists(&id));
    let log = sandbox.ok(&["log"]);
    assert!(log.contains("keep rule ignored"), "{log}");
}

// ---- 11: a name moved while it is being taken off ---------------------------------------------

#[test]
fn a_misfire_is_never_followed_by_another_on_the_same_image() {
    let sandbox = Sandbox::new("misfire");
    let names: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|n| sandbox.repo(&format!("app:{n}")))
        .collect();
    let old = import(&names[0]);
    docker(&["tag", &names[0], &names[1]]);
    docker(&["tag", &names[0], &names[2]]);
    sandbox.apply_rule(&format!("{}/app:*", sandbox.prefix), 0, false);
    // Two new images, to be given the names `a` and `b` (as their only name, as a pull gives
    // it) while their removal is in flight.
    let staged: Vec<String> = ["new-a", "new-b"]
        .iter()
        .map(|n| sandbox.repo(&format!("{n}:1")))
        .collect();
    let newcomers: Vec<String> = staged.iter().map(|n| import(n)).collect();
    let proxy = Proxy::start(host());
    for ((name, newcomer), staged) in names.iter().zip(&newcomers).zip(&staged) {
        let (name, newcomer, staged) = (name.clone(), newcomer.clone(), staged.clone());
        let encoded = name.replace('/', "%2F").replace(':', "%3A");
        let moving = name.clone();
        proxy.on_matching(
            Box::new(move |method, path| {
                method == "DELETE" && (path.contains(&encoded) || path.contains(&moving))
            }),
            1,
            Action::Before(Box::new(move |_, _| {
                docker(&["tag", &newcomer, &name]);
                docker(&["rmi", &staged]);
            })),
        );
    }
    let output = sandbox.imgreaper(&[
        "--host",
        &proxy.host(),
        "run",
        "--once",
        "--startup-delay",
        "0s",
        "--min-age",
        "0s",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lost: Vec<&String> = newcomers.iter().filter(|id| !exists(id)).collect();
    assert_eq!(
        lost.len(),
        1,
        "one misfire, then no more requests for that image: {stderr}\n{:?}",
        proxy.seen()
    );
    assert!(
        exists(&old),
        "the old image stays until the next sweep decides again"
    );
    let misfires = actions_of(&sandbox, &old)
        .iter()
        .filter(|(action, _)| action == "failed")
        .count();
    assert_eq!(misfires, 1, "{:?}", actions_of(&sandbox, &old));
    assert_eq!(
        output.status.code(),
        Some(1),
        "a misfire makes the run fail: {stderr}"
    );
}
