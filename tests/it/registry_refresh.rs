//! Refresh of moved tags (DESIGN.md §15) end to end: the registry's tag moves; `check` says so
//! for it and `current` for an unchanged one; `refresh` pulls the moved one only (one pull
//! event); the image the tag left shows its former name and its rules apply; a digest a name
//! was given with is verified.

use crate::support;

use support::images::import;
use support::registry::{Auth, OwnRegistry};
use support::{Sandbox, docker};

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn refresh_pulls_only_a_moved_tag_and_the_former_image_keeps_its_rules() {
    let sandbox = Sandbox::new("refresh");
    let registry = OwnRegistry::start(Auth::None);
    let repository = format!("{}/{}/app", registry.host(), sandbox.prefix);
    let (moved, unchanged) = (format!("{repository}:1"), format!("{repository}:2"));
    let old_digest = registry.push(&format!("{}/app", sandbox.prefix), &["1"]);
    registry.push(&format!("{}/app", sandbox.prefix), &["2"]);
    let old_image = docker(&["image", "inspect", "--format", "{{.Id}}", &moved]);
    sandbox.apply_rule(&format!("{repository}:*"), 60, false);
    // The enforcer records the names each image carries (what `formerly` is made of).
    sandbox.ok(&["run", "--once", "--mode", "dry-run"]);

    // The registry's tag moves: a new image is pushed under it, and the local tag is put back
    // on the old image (the new one leaves this engine).
    let new_image = import(&moved);
    let push = support::docker_output(&["push", &moved]);
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
    docker(&["tag", &old_image, &moved]);
    docker(&["rmi", &new_image]);

    // Nothing contacts a registry unless asked: the enforcer and `images` leave it alone.
    let requests = |registry: &OwnRegistry| registry.log().matches("\"HEAD /v2/").count();
    let before = requests(&registry);
    assert!(
        before >= 2,
        "the pushes' own requests are logged: {}",
        registry.log()
    );
    sandbox.ok(&["run", "--once", "--mode", "dry-run"]);
    sandbox.ok(&["images"]);
    assert_eq!(requests(&registry), before, "{}", registry.log());
    // The service's --check-updates asks, and says what moved.
    let service = sandbox.imgreaper(&[
        "run",
        "--once",
        "--mode",
        "dry-run",
        "--check-updates",
        "1h",
    ]);
    let said = String::from_utf8_lossy(&service.stderr);
    assert!(
        said.contains(&format!("update available for {moved}")),
        "{said}"
    );
    assert!(
        !said.contains(&format!("update available for {unchanged}")),
        "{said}"
    );
    assert!(requests(&registry) >= before + 2, "{}", registry.log());

    let check = sandbox.imgreaper(&["check", "--json", &moved, &unchanged]);
    let checks: Vec<serde_json::Value> = serde_json::from_slice(&check.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&check.stderr)));
    assert_eq!(checks[0]["status"], "update_available", "{checks:#?}");
    assert_eq!(checks[0]["local_digest"], old_digest.as_str());
    assert_eq!(checks[1]["status"], "current", "{checks:#?}");
    assert!(check.status.success());
    let table = sandbox.ok(&["check", &moved, &unchanged]);
    assert!(table.contains("update available"), "{table}");
    // `images` says so from what the check found, without asking the registry.
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&sandbox.ok(&["images", "--json"])).unwrap();
    let update = |rows: &[serde_json::Value], reference: &str| {
        rows.iter()
            .find(|r| r["reference"] == reference)
            .unwrap_or_else(|| panic!("{reference} not in {rows:#?}"))["update_available"]
            .clone()
    };
    assert_eq!(update(&rows, &moved), true);
    assert_eq!(update(&rows, &unchanged), false);
    let table = sandbox.ok(&["images"]);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with(&moved) && l.contains("update available")),
        "{table}"
    );

    let since = now();
    let out = sandbox.ok(&["refresh", &moved, &unchanged]);
    assert!(out.contains("pulled"), "{out}");
    assert!(out.contains("current: nothing to pull"), "{out}");
    let pulls = docker(&[
        "events",
        "--since",
        &since.to_string(),
        "--until",
        &(now() + 1).to_string(),
        "--filter",
        "type=image",
        "--filter",
        "event=pull",
        "--format",
        "{{.Actor.ID}}",
    ]);
    let pulls: Vec<&str> = pulls.lines().collect();
    assert_eq!(pulls, [moved.as_str()], "one pull, of the moved tag only");
    assert_ne!(
        docker(&["image", "inspect", "--format", "{{.Id}}", &moved]),
        old_image
    );

    // The old image is still here, under its digest name, formerly the tag; its rule applies.
    sandbox.ok(&["run", "--once", "--mode", "dry-run"]);
    let digest_name = format!("{repository}@{old_digest}");
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&sandbox.ok(&["images", "--json"])).unwrap();
    let former = rows
        .iter()
        .find(|r| r["reference"] == digest_name.as_str())
        .unwrap_or_else(|| panic!("{digest_name} not in {rows:#?}"));
    assert_eq!(former["image_id"], old_image.as_str());
    assert_eq!(
        update(&rows, &moved),
        false,
        "refreshed: no update any more"
    );
    assert!(
        former["former_names"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == moved.as_str()),
        "{former:#?}"
    );
    assert_eq!(
        former["winning_rule"]["image_name"],
        format!("{repository}:*")
    );
    let table = sandbox.ok(&["images"]);
    assert!(table.contains(&format!("(formerly {moved})")), "{table}");

    // A name given with a digest is verified: the local tag no longer carries the old one.
    let pinned = sandbox.imgreaper(&["check", &format!("{moved}@{old_digest}")]);
    assert_eq!(pinned.status.code(), Some(1));
    let said = String::from_utf8_lossy(&pinned.stdout);
    assert!(said.contains("no longer carries the digest"), "{said}");
    assert!(said.contains("current"), "{said}");

    // The refresh is audited.
    let log = sandbox.ok(&["log"]);
    assert!(log.contains("refresh"), "{log}");
}
