//! Retention through the real binary against the test engine (DESIGN.md §11, §12): pins as
//! patterns, digest names for `pin` and `remove`, each spelling of Docker Hub names, keep rules and
//! disk marks through `policy apply` / `export` in both spellings, and what `images`, `images
//! --json` and `policy preview` say about keeping and disk pressure.

use crate::support;

use support::images::import;
use support::{Sandbox, docker, exists};

fn find<'a>(rows: &'a [serde_json::Value], reference: &str) -> &'a serde_json::Value {
    rows.iter()
        .find(|r| r["reference"] == reference)
        .unwrap_or_else(|| panic!("{reference} not in {rows:#?}"))
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn pin_and_unpin_take_patterns_that_follow_names() {
    let sandbox = Sandbox::new("pinpattern");
    let (a1, a2, b1) = (
        sandbox.repo("a:1"),
        sandbox.repo("a:2"),
        sandbox.repo("b:1"),
    );
    for reference in [&a1, &a2, &b1] {
        import(reference);
    }
    let pattern = sandbox.repo("a:*");
    let out = sandbox.ok(&["pin", &pattern]);
    assert!(out.contains("2 local references match it now"), "{out}");
    let rows = sandbox.images_json();
    assert_eq!(find(&rows, &a1)["state"], "pinned");
    assert_eq!(find(&rows, &a2)["state"], "pinned");
    assert_ne!(find(&rows, &b1)["state"], "pinned");

    // A pinned reference is refused by `remove`, naming the pin to undo.
    let refused = sandbox.imgreaper(&["remove", &a1]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains(&format!("imgreaper unpin {pattern}")),
        "{}",
        stderr(&refused)
    );
    assert!(exists(&a1));

    // Unpinning one name covered by the pattern says what still pins it.
    let out = sandbox.ok(&["unpin", &a1]);
    assert!(out.contains("was not pinned"), "{out}");
    assert!(out.contains(&format!("still pinned by {pattern}")), "{out}");

    // A pin follows the name: a new image under a pinned name is pinned too.
    let future = sandbox.repo("c:1");
    let out = sandbox.ok(&["pin", &future]);
    assert!(out.contains("no local reference matches it now"), "{out}");
    import(&future);
    assert_eq!(find(&sandbox.images_json(), &future)["state"], "pinned");

    let out = sandbox.ok(&["unpin", &pattern]);
    assert!(out.contains(&format!("unpinned {pattern}")), "{out}");
    assert_ne!(find(&sandbox.images_json(), &a1)["state"], "pinned");

    // A pattern that is not a valid image pattern is a usage error.
    let bad = sandbox.imgreaper(&["pin", "Bad/*"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("lowercase"), "{}", stderr(&bad));
    let log = sandbox.ok(&["log", "--json"]);
    assert!(
        log.contains(&format!("\"reference\": \"{pattern}\"")),
        "{log}"
    );
}

#[test]
fn each_spelling_of_docker_hub_names_matches_a_local_official_name() {
    let sandbox = Sandbox::new("hubnames");
    // An official-image style name (one path component), unique to this test.
    let local = format!("{}:1.25", sandbox.prefix);
    import(&local);
    for spelling in [
        format!("docker.io/{}:*", sandbox.prefix),
        format!("index.docker.io/library/{}:*", sandbox.prefix),
        format!("library/{}:*", sandbox.prefix),
        format!("docker.io/library/{}:1.25", sandbox.prefix),
    ] {
        let file = sandbox.write(
            "hub.json",
            &format!(
                r#"{{"image_policy": {{"removal": [{{"image_name": "{spelling}", "delete_after_minutes": 5, "agent_downloaded_only": false}}]}}}}"#
            ),
        );
        let out = sandbox.ok(&["policy", "preview", file.to_str().unwrap(), "--json"]);
        let preview: serde_json::Value = serde_json::from_str(&out).unwrap();
        let references: Vec<&str> = preview["references"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["reference"].as_str())
            .collect();
        assert_eq!(references, [local.as_str()], "{spelling}: {out}");
    }
}

#[test]
fn pin_and_remove_take_digest_names() {
    let sandbox = Sandbox::new("digestnames");
    let local = sandbox.repo("src:1");
    let id = import(&local);
    let remote = format!("127.0.0.1:5000/{}", sandbox.repo("app:1"));
    docker(&["tag", &local, &remote]);
    docker(&["push", &remote]);
    docker(&["rmi", &local]);
    let digest = docker(&[
        "image",
        "inspect",
        "--format",
        "{{index .RepoDigests 0}}",
        &remote,
    ]);
    let (_, hash) = digest.split_once('@').unwrap();

    // A digest name is pinned as such: it follows the content, whatever the tags do.
    let out = sandbox.ok(&["pin", &digest]);
    assert!(out.contains(&format!("pinned {digest}")), "{out}");
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&sandbox.ok(&["images", "--json"])).unwrap();
    assert_eq!(find(&rows, &remote)["state"], "pinned");
    sandbox.ok(&["unpin", &digest]);

    // `repo:tag@sha256:…` names the tag too; removing it removes the image.
    let out = sandbox.ok(&["remove", &format!("{remote}@{hash}")]);
    assert!(out.contains(&format!("removed {remote}")), "{out}");
    assert!(!exists(&id));
}

#[test]
fn keep_rules_and_disk_marks_round_trip_through_apply_and_export_in_both_spellings() {
    let sandbox = Sandbox::new("keepexport");
    let seed = r#"{"label": "edge", "image_policy": {
        "removal": [{"image_name": "myorg/*", "delete_after_minutes": 1440, "agent_downloaded_only": false}],
        "keep": [{"image_name": "myorg/*", "last": 2}, {"image_name": "myorg/base:*"}],
        "disk": {"high_percent": 85, "low_percent": 75}}}"#;
    let file = sandbox.write("edge.json", seed);
    sandbox.ok(&["policy", "apply", file.to_str().unwrap()]);
    let anax: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["policy", "export", "edge", "--format", "anax"]))
            .unwrap();
    assert_eq!(
        anax["agentImagePolicy"]["imageKeepPolicies"],
        serde_json::json!([{"imageId": "myorg/*", "last": 2}, {"imageId": "myorg/base:*"}])
    );
    assert_eq!(
        anax["agentImagePolicy"]["diskPressure"],
        serde_json::json!({"highPercent": 85, "lowPercent": 75})
    );
    assert_eq!(anax["label"], "edge");
    // The exported agent spelling applies again and exports back to the same seed document.
    let again = sandbox.write("again.json", &anax.to_string());
    sandbox.ok(&[
        "policy",
        "apply",
        again.to_str().unwrap(),
        "--name",
        "again",
    ]);
    let back: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["policy", "export", "again", "--format", "seed"]))
            .unwrap();
    let original: serde_json::Value = serde_json::from_str(seed).unwrap();
    assert_eq!(back, original);
}

#[test]
fn images_and_preview_say_kept_and_why_and_that_disk_use_cannot_be_read() {
    let sandbox = Sandbox::new("keptshow");
    let (base, app) = (sandbox.repo("base:1"), sandbox.repo("app:1"));
    import(&base);
    import(&app);
    let file = sandbox.write(
        "edge.json",
        &format!(
            r#"{{"image_policy": {{
                "removal": [{{"image_name": "{p}/*", "delete_after_minutes": 60, "agent_downloaded_only": false}}],
                "keep": [{{"image_name": "{p}/base:*"}}],
                "disk": {{"high_percent": 85, "low_percent": 75}}}}}}"#,
            p = sandbox.prefix
        ),
    );
    let preview = sandbox.ok(&["policy", "preview", file.to_str().unwrap()]);
    let line = preview.lines().find(|l| l.starts_with(&base)).unwrap();
    assert!(line.contains("kept"), "{preview}");
    assert!(line.contains("edge keep #1"), "{preview}");
    sandbox.ok(&["policy", "apply", file.to_str().unwrap()]);

    let rows = sandbox.images_json();
    let kept = find(&rows, &base);
    assert_eq!(kept["state"], "kept");
    assert_eq!(kept["kept_by"]["policy"], "edge");
    assert_eq!(kept["kept_by"]["image_name"], sandbox.repo("base:*"));
    assert_eq!(find(&rows, &app)["state"], "scheduled");

    // A data root that cannot be read: said, and disk pressure is off.
    let output = sandbox.imgreaper(&["images", "--data-root", "/nonexistent/imgreaper-root"]);
    assert!(output.status.success());
    assert!(
        stderr(&output).contains("cannot be read")
            && stderr(&output).contains("disk pressure (85%/75%) is off"),
        "{}",
        stderr(&output)
    );
    let table = stdout(&output);
    let line = table.lines().find(|l| l.starts_with(&base)).unwrap();
    assert!(
        line.contains("kept") && line.contains("edge keep #1"),
        "{table}"
    );

    let rejected = sandbox.write(
        "bad.json",
        r#"{"image_policy": {"disk": {"high_percent": 80, "low_percent": 80}}}"#,
    );
    let output = sandbox.imgreaper(&["policy", "check", rejected.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "low == high is invalid");
    assert!(
        stderr(&output).contains("image_policy.disk.low_percent"),
        "{}",
        stderr(&output)
    );
}
