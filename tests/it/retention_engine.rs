//! Retention against real engines (DESIGN.md §11): disk pressure on a private dockerd whose data
//! root is a small tmpfs filled with imported images, keep-last, a moved tag followed through
//! its registry digest, and digest rules on an image pulled from the loopback registry. The
//! enforcer runs in-process with a fake clock.

use crate::support;
use support::bench::{Bench, removed_references};

use imgreaper::core::model::Mode;
use imgreaper::node::clock::{Clock, unix_now};
use imgreaper::node::disk::usage_at;
use imgreaper::node::enforcer::Enforcer;
use support::engine::{OwnEngine, QuietEngine, quiet_engine};
use support::images::{create_container, import, import_into};
use support::{docker, exists};

const MB: usize = 1_000_000;

/// Eight images of about 24 MB on a 256 MB tmpfs, first seen a minute apart (so i0 is the least
/// recently used): i0 pinned, i1 kept, i2 in use, i3..i7 candidates. The marks make exactly
/// i3, i4 and i5 go: high at the current usage, low between 2.5 and 3 images below it.
struct Filled {
    engine: QuietEngine,
    names: Vec<String>,
    low_percent: u64,
}

async fn fill(bench: &Bench, mode: Mode) -> (Filled, Enforcer) {
    let engine = quiet_engine();
    bench.settings(mode);
    let mut enforcer = bench.enforcer_on(&engine.host()).await;
    let mut names = Vec::new();
    for i in 0..8 {
        let name = bench.sandbox.repo(&format!("i{i}:1"));
        import_into(&engine.host(), &name, 24 * MB);
        // Each is first seen (and so counts as last used) a minute after the previous one.
        enforcer.cycle().await.unwrap();
        bench.clock.advance(60);
        names.push(name);
    }
    create_container_on(
        &engine,
        &names[2],
        &format!("{}-user", bench.sandbox.prefix),
    );
    bench
        .store()
        .pin(&names[0], "tester", bench.clock.now())
        .unwrap();
    let root = engine.data_root();
    let usage = usage_at(&root).unwrap();
    let image_size: u64 = engine
        .docker(&["image", "inspect", "--format", "{{.Size}}", &names[7]])
        .parse()
        .unwrap();
    let percent = |bytes: u64| bytes * 100 / usage.total;
    let high = percent(usage.used);
    let low = percent(usage.used - image_size * 5 / 2);
    assert!(
        high >= 60 && low >= 1 && low < high,
        "the tmpfs is not filled as planned: {usage:?}, images of {image_size} bytes"
    );
    bench.policy_json(&format!(
        r#"{{"image_policy": {{
            "removal": [{{"image_name": "{p}/*", "delete_after_minutes": 1000000, "agent_downloaded_only": false}}],
            "keep": [{{"image_name": "{p}/i1:*"}}],
            "disk": {{"high_percent": {high}, "low_percent": {low}}}}}}}"#,
        p = bench.sandbox.prefix
    ));
    (
        Filled {
            engine,
            names,
            low_percent: low,
        },
        enforcer,
    )
}

fn create_container_on(engine: &OwnEngine, image: &str, name: &str) {
    engine.docker(&["create", "--name", name, image, "/bin/busybox", "true"]);
}

#[tokio::test]
async fn disk_pressure_frees_down_to_the_low_mark_least_recently_used_first() {
    let bench = Bench::new("pressure");
    let (filled, mut enforcer) = fill(&bench, Mode::Auto).await;
    let names = &filled.names;
    let report = enforcer.cycle().await.unwrap();
    assert_eq!(
        removed_references(&report),
        [names[3].clone(), names[4].clone(), names[5].clone()],
        "{report:#?}"
    );
    assert!(
        report
            .disk
            .as_deref()
            .is_some_and(|d| d.contains("at or above")),
        "{:?}",
        report.disk
    );
    let usage = usage_at(&filled.engine.data_root()).unwrap();
    assert!(
        usage.used * 100 <= filled.low_percent * usage.total,
        "usage {usage:?} is still above {}%",
        filled.low_percent
    );
    for (i, name) in names.iter().enumerate() {
        let expected = !(3..=5).contains(&i);
        assert_eq!(filled.engine.exists(name), expected, "{name}");
    }
    // Below the high mark now: nothing more goes.
    let report = enforcer.cycle().await.unwrap();
    assert!(removed_references(&report).is_empty(), "{report:#?}");
    let audit = bench.references_with("remove");
    assert_eq!(
        audit,
        [names[3].clone(), names[4].clone(), names[5].clone()]
    );
    // The log says why they went early: disk pressure, with the usage and the marks.
    for entry in bench.store().audit_log(100).unwrap() {
        if entry.entry.action == "remove" {
            let why = entry.entry.why.expect("a removal records why");
            assert_eq!(why.trigger, imgreaper::core::why::Trigger::Disk, "{why:?}");
            let disk = why.disk.expect("the disk reading");
            assert_eq!(u64::from(disk.low_percent), filled.low_percent, "{why:?}");
            assert!(
                why.summary(|t| t.to_string()).starts_with("disk "),
                "{why:?}"
            );
        }
    }
}

#[tokio::test]
async fn disk_pressure_in_dry_run_removes_nothing_and_records_what_would_go() {
    let bench = Bench::new("pressuredry");
    let (filled, mut enforcer) = fill(&bench, Mode::DryRun).await;
    let names = &filled.names;
    let before = usage_at(&filled.engine.data_root()).unwrap();
    enforcer.cycle().await.unwrap();
    enforcer.cycle().await.unwrap();
    for name in names {
        assert!(filled.engine.exists(name), "{name} removed in dry-run");
    }
    assert_eq!(
        usage_at(&filled.engine.data_root()).unwrap().used,
        before.used
    );
    assert_eq!(
        bench.references_with("would-remove"),
        [names[3].clone(), names[4].clone(), names[5].clone()],
        "recorded once each"
    );
}

#[tokio::test]
async fn keep_last_two_of_five_versions_used_one_after_another() {
    let bench = Bench::new("keeplast");
    bench.settings(Mode::Auto);
    let versions: Vec<String> = (1..=5)
        .map(|v| bench.sandbox.repo(&format!("app:{v}")))
        .collect();
    for version in &versions {
        import(version);
    }
    bench.policy_json(&format!(
        r#"{{"image_policy": {{
            "removal": [{{"image_name": "{p}/app:*", "delete_after_minutes": 10, "agent_downloaded_only": false}}],
            "keep": [{{"image_name": "{p}/app:*", "last": 2}}]}}}}"#,
        p = bench.sandbox.prefix
    ));
    let mut enforcer = bench.enforcer().await;
    // Each version runs for a while, then the next replaces it; the newest keeps running.
    let mut last_removal = 0;
    for (v, version) in versions.iter().enumerate() {
        let container = format!("{}-run{v}", bench.sandbox.prefix);
        create_container(version, &container);
        enforcer.cycle().await.unwrap();
        bench.clock.advance(60);
        if v + 1 < versions.len() {
            // The engine dates the container's end (its destroy event, in whole seconds), and
            // that is the version's last use: each in a later second, so the order is clear.
            support::wait_for_wall_clock_after(last_removal);
            docker(&["rm", &container]);
            last_removal = unix_now();
            enforcer.cycle().await.unwrap();
            bench.clock.advance(60);
        }
    }
    bench.clock.advance(3600);
    let report = enforcer.cycle().await.unwrap();
    assert_eq!(
        removed_references(&report),
        versions[..3].to_vec(),
        "{report:#?}"
    );
    let remaining: Vec<&String> = versions.iter().filter(|v| exists(v)).collect();
    assert_eq!(remaining, [&versions[3], &versions[4]]);
    let kept = bench
        .sandbox
        .images_json()
        .into_iter()
        .find(|r| r["reference"] == versions[3].as_str())
        .unwrap();
    assert_eq!(kept["state"], "kept");
    assert_eq!(kept["kept_by"]["last"], 2);
}

/// Pushes a fresh image to the loopback registry under `remote` and pulls it back, so that it
/// carries a registry digest; returns the digest name. (The sandbox removes it afterwards by its
/// label, whatever names it has left.)
fn push_and_pull(local: &str, remote: &str) -> String {
    import(local);
    docker(&["tag", local, remote]);
    docker(&["push", remote]);
    docker(&["rmi", local]);
    docker(&["pull", remote]);
    let digest = docker(&[
        "image",
        "inspect",
        "--format",
        "{{index .RepoDigests 0}}",
        remote,
    ]);
    assert!(digest.contains("@sha256:"), "{digest}");
    digest
}

#[tokio::test]
async fn a_moved_tags_old_image_goes_by_its_former_name_and_the_new_one_stays() {
    let bench = Bench::new("movedtag");
    bench.settings(Mode::Auto);
    let name = bench.sandbox.repo("app:1");
    let old_id = import(&name);
    bench.policy_json(&format!(
        r#"{{"image_policy": {{"removal": [{{"image_name": "{}/app:*", "delete_after_minutes": 30, "agent_downloaded_only": false}}]}}}}"#,
        bench.sandbox.prefix
    ));
    let mut enforcer = bench.enforcer().await;
    // The enforcer sees the image under its name, then the name moves to a new image (a rebuild).
    enforcer.cycle().await.unwrap();
    let new_id = import(&name);
    create_container(&name, &format!("{}-web", bench.sandbox.prefix));
    enforcer.cycle().await.unwrap();
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&bench.sandbox.ok(&["images", "--json"])).unwrap();
    let old = rows
        .iter()
        .find(|r| r["image_id"] == old_id.as_str())
        .expect("the old image is listed");
    assert_eq!(old["dangling"], true);
    assert_eq!(old["former_names"], serde_json::json!([name]));
    assert_eq!(old["state"], "scheduled", "{old:#}");
    assert_eq!(
        old["winning_rule"]["image_name"],
        format!("{}/app:*", bench.sandbox.prefix)
    );
    let table = bench.sandbox.ok(&["images"]);
    assert!(table.contains(&format!("(formerly {name})")), "{table}");

    // Its last use dates from the engine's untag event, a moment after the fake clock started.
    bench.clock.advance(31 * 60);
    let report = enforcer.cycle().await.unwrap();
    assert_eq!(
        removed_references(&report),
        std::slice::from_ref(&old_id),
        "{report:#?}"
    );
    assert!(!exists(&old_id), "the old image is gone");
    assert!(exists(&new_id), "the new, in-use image stays");
}

#[tokio::test]
async fn a_moved_tags_old_image_goes_by_its_digest_name_and_the_new_one_stays() {
    let bench = Bench::new("moved");
    bench.settings(Mode::Auto);
    let remote = format!("127.0.0.1:5000/{}", bench.sandbox.repo("app:1"));
    let old_digest = push_and_pull(&bench.sandbox.repo("v1:1"), &remote);
    let old_id = docker(&["image", "inspect", "--format", "{{.Id}}", &remote]);
    // A new version is pushed under the same tag and pulled: the tag moves.
    push_and_pull(&bench.sandbox.repo("v2:1"), &remote);
    let new_id = docker(&["image", "inspect", "--format", "{{.Id}}", &remote]);
    assert_ne!(old_id, new_id);
    create_container(&remote, &format!("{}-web", bench.sandbox.prefix));
    bench.policy_json(&format!(
        r#"{{"image_policy": {{"removal": [{{"image_name": "127.0.0.1:5000/{}/app:*", "delete_after_minutes": 30, "agent_downloaded_only": false}}]}}}}"#,
        bench.sandbox.prefix
    ));
    let mut enforcer = bench.enforcer().await;
    enforcer.cycle().await.unwrap();
    let rows = bench.sandbox.ok(&["images", "--json"]);
    assert!(
        rows.contains(&old_digest),
        "the old image shows by its digest name: {rows}"
    );
    bench.clock.advance(30 * 60);
    let report = enforcer.cycle().await.unwrap();
    assert_eq!(removed_references(&report), [old_digest], "{report:#?}");
    assert!(!exists(&old_id), "the old image is gone");
    assert!(exists(&new_id), "the new, in-use image stays");
}

#[tokio::test]
async fn a_digest_rule_removes_the_tagged_image_pulled_with_that_digest() {
    let bench = Bench::new("digestrule");
    bench.settings(Mode::Auto);
    let remote = format!("127.0.0.1:5000/{}", bench.sandbox.repo("app:1"));
    let other = format!("127.0.0.1:5000/{}", bench.sandbox.repo("app:2"));
    let digest = push_and_pull(&bench.sandbox.repo("d1:1"), &remote);
    push_and_pull(&bench.sandbox.repo("d2:1"), &other);
    bench.policy_json(&format!(
        r#"{{"image_policy": {{"removal": [{{"image_name": "{digest}", "delete_after_minutes": 5, "agent_downloaded_only": false}}]}}}}"#
    ));
    let all: Vec<serde_json::Value> =
        serde_json::from_str(&bench.sandbox.ok(&["images", "--json"])).unwrap();
    let state = |name: &str| {
        all.iter()
            .find(|r| r["reference"] == name)
            .map(|r| r["state"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(state(&remote).as_deref(), Some("scheduled"));
    assert_eq!(state(&other).as_deref(), Some("no_rule"));
    let mut enforcer = bench.enforcer().await;
    enforcer.cycle().await.unwrap();
    bench.clock.advance(5 * 60);
    let report = enforcer.cycle().await.unwrap();
    assert_eq!(
        removed_references(&report),
        std::slice::from_ref(&remote),
        "{report:#?}"
    );
    assert!(!exists(&remote));
    assert!(exists(&other));
}
