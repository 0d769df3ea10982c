//! The scripting commands against a real Docker engine: `images --json`, `remove`, overrides,
//! policy files, and the errors an operator sees.

use crate::support;

use support::images::{create_container, import};
use support::{Sandbox, docker, exists};

fn policy(rules: &str) -> String {
    format!(r#"{{ "label": "t", "image_policy": {{ "removal": [ {rules} ] }} }}"#)
}

fn find<'a>(rows: &'a [serde_json::Value], reference: &str) -> &'a serde_json::Value {
    rows.iter()
        .find(|r| r["reference"] == reference)
        .unwrap_or_else(|| panic!("{reference} not in {rows:#?}"))
}

#[test]
fn images_json_reports_size_use_rules_and_deadline() {
    let sandbox = Sandbox::new("images");
    let (a1, a2, b1) = (
        sandbox.repo("a:1"),
        sandbox.repo("a:2"),
        sandbox.repo("b:1"),
    );
    let a1_id = import(&a1);
    import(&a2);
    import(&b1);
    let alias = sandbox.repo("alias:latest");
    docker(&["tag", &a1, &alias]);
    let container = format!("{}-user", sandbox.prefix);
    create_container(&a2, &container);
    let rules = format!(
        r#"{{ "image_name": "{p}/a:*", "delete_after_minutes": 30, "agent_downloaded_only": false }},
           {{ "image_name": "{p}/*", "delete_after_minutes": 90, "agent_downloaded_only": false }},
           {{ "image_name": "{p}/b:1", "delete_after_minutes": 10 }}"#,
        p = sandbox.prefix
    );
    let file = sandbox.write("edge.json", &policy(&rules));
    sandbox.ok(&["policy", "apply", file.to_str().unwrap()]);

    let rows = sandbox.images_json();
    assert_eq!(rows.len(), 4, "{rows:#?}");

    let a1_row = find(&rows, &a1);
    let inspect_size: u64 = docker(&["image", "inspect", "--format", "{{.Size}}", &a1])
        .parse()
        .unwrap();
    assert_eq!(a1_row["size"], inspect_size);
    assert_eq!(a1_row["image_id"], a1_id);
    assert_eq!(a1_row["state"], "scheduled");
    assert_eq!(a1_row["winning_rule"]["delete_after_minutes"], 30);
    assert_eq!(a1_row["matching_rules"].as_array().unwrap().len(), 2);
    assert_eq!(
        a1_row["removes_image"], false,
        "a1 shares its image with the alias tag"
    );
    // Never used: the clock counts from when imgreaper first saw it.
    let first_seen = humantime::parse_rfc3339(a1_row["first_seen"].as_str().unwrap()).unwrap();
    let deadline = humantime::parse_rfc3339(a1_row["deadline"].as_str().unwrap()).unwrap();
    assert_eq!(
        deadline.duration_since(first_seen).unwrap().as_secs(),
        30 * 60
    );

    let alias_row = find(&rows, &alias);
    assert_eq!(alias_row["winning_rule"]["delete_after_minutes"], 90);

    let a2_row = find(&rows, &a2);
    assert_eq!(a2_row["state"], "in_use");
    assert_eq!(a2_row["containers"][0]["name"], container.as_str());
    assert_eq!(a2_row["deadline"], serde_json::Value::Null);

    // b:1 matches the 10-minute agent-downloaded-only rule but was not pulled by us:
    // the 90-minute rule for everything decides.
    let b1_row = find(&rows, &b1);
    assert_eq!(b1_row["winning_rule"]["delete_after_minutes"], 90);
    assert_eq!(b1_row["agent_downloaded"], false);
}

#[test]
fn only_agent_downloaded_rules_leave_an_image_spared() {
    let sandbox = Sandbox::new("spared");
    let reference = sandbox.repo("old:1");
    import(&reference);
    let rules = format!(
        r#"{{ "image_name": "{}/*", "delete_after_minutes": 1 }}"#,
        sandbox.prefix
    );
    let file = sandbox.write("p.json", &policy(&rules));
    sandbox.ok(&["policy", "apply", file.to_str().unwrap()]);
    let rows = sandbox.images_json();
    assert_eq!(find(&rows, &reference)["state"], "spared");
}

#[test]
fn remove_of_an_image_in_use_fails_names_the_container_and_keeps_the_image() {
    let sandbox = Sandbox::new("inuse");
    let reference = sandbox.repo("busy:1");
    import(&reference);
    let container = format!("{}-keeper", sandbox.prefix);
    create_container(&reference, &container);

    let output = sandbox.imgreaper(&["remove", &reference]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&container), "{stderr}");
    assert!(exists(&reference));

    let log: Vec<serde_json::Value> =
        serde_json::from_str(&sandbox.ok(&["log", "--json"])).unwrap();
    assert_eq!(log[0]["action"], "refused");
    assert!(log[0]["result"].as_str().unwrap().contains(&container));
}

#[test]
fn remove_frees_an_unused_image_and_untags_a_shared_one() {
    let sandbox = Sandbox::new("remove");
    let (lone, first, second) = (
        sandbox.repo("lone:1"),
        sandbox.repo("pair:1"),
        sandbox.repo("pair:2"),
    );
    let lone_id = import(&lone);
    import(&first);
    docker(&["tag", &first, &second]);

    let stdout = sandbox.ok(&["remove", &lone, &first]);
    assert!(stdout.contains(&format!("removed {lone}")), "{stdout}");
    assert!(stdout.contains(&format!("untagged {first}")), "{stdout}");
    assert!(!exists(&lone) && !exists(&lone_id));
    assert!(!exists(&first) && exists(&second));

    let log: Vec<serde_json::Value> =
        serde_json::from_str(&sandbox.ok(&["log", "--json"])).unwrap();
    let removed = log
        .iter()
        .find(|e| e["reference"] == lone.as_str())
        .unwrap();
    assert_eq!(removed["action"], "remove");
    assert!(removed["bytes_freed"].as_u64().unwrap() > 1_000_000);
    assert!(!removed["actor"].as_str().unwrap().is_empty());
    let untagged = log
        .iter()
        .find(|e| e["reference"] == first.as_str())
        .unwrap();
    assert_eq!(untagged["action"], "untag");
    assert_eq!(untagged["bytes_freed"], 0);
}

#[test]
fn remove_resolves_every_name_before_touching_any() {
    let sandbox = Sandbox::new("typo");
    let reference = sandbox.repo("keep:1");
    import(&reference);
    let output = sandbox.imgreaper(&["remove", &reference, &sandbox.repo("nope:1")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no local image is named"));
    assert!(
        exists(&reference),
        "a typo in one name must not remove the others"
    );
}

#[test]
fn the_ssh_client_address_is_recorded_as_part_of_the_actor() {
    let sandbox = Sandbox::new("actor");
    let reference = sandbox.repo("who:1");
    import(&reference);
    let output = sandbox
        .command(&["pin", &reference])
        .env("SSH_CLIENT", "192.0.2.7 50022 22")
        .output()
        .unwrap();
    assert!(output.status.success());
    let log: Vec<serde_json::Value> =
        serde_json::from_str(&sandbox.ok(&["log", "--json"])).unwrap();
    assert_eq!(log[0]["action"], "pin");
    assert!(
        log[0]["actor"]
            .as_str()
            .unwrap()
            .ends_with("from 192.0.2.7"),
        "{}",
        log[0]
    );
}

#[test]
fn pin_and_postpone_change_the_state() {
    let sandbox = Sandbox::new("overrides");
    let (pinned, postponed) = (sandbox.repo("pinned:1"), sandbox.repo("later:1"));
    import(&pinned);
    import(&postponed);
    let rules = format!(
        r#"{{ "image_name": "{}/*", "delete_after_minutes": 5, "agent_downloaded_only": false }}"#,
        sandbox.prefix
    );
    let file = sandbox.write("p.json", &policy(&rules));
    sandbox.ok(&["policy", "apply", file.to_str().unwrap()]);
    // The enforcer records the images once (readers never write), so every reader plans from
    // the same first-seen time.
    sandbox.ok(&["run", "--once", "--dry-run"]);
    sandbox.ok(&["pin", &pinned]);
    let planned = find(&sandbox.images_json(), &postponed)["deadline_unix"]
        .as_i64()
        .unwrap();
    sandbox.ok(&["postpone", &postponed, "--for", "3h"]);

    let rows = sandbox.images_json();
    assert_eq!(find(&rows, &pinned)["state"], "pinned");
    assert_eq!(find(&rows, &pinned)["deadline"], serde_json::Value::Null);
    let later = find(&rows, &postponed);
    assert_eq!(later["state"], "postponed");
    // The removal moves three hours later than it would otherwise have been.
    assert_eq!(later["deadline_unix"].as_i64().unwrap(), planned + 3 * 3600);
    assert_eq!(later["deadline"], later["postponed_until"]);

    sandbox.ok(&["unpin", &pinned]);
    assert_eq!(find(&sandbox.images_json(), &pinned)["state"], "scheduled");
}

#[test]
fn an_invalid_policy_exits_2_with_every_error_positioned_and_saves_nothing() {
    let sandbox = Sandbox::new("invalid");
    let file = sandbox.write(
        "bad.json",
        "{ \"image_policy\": { \"removal\": [\n  { \"image_name\": \"image1\", \"delete_after_minutes\": 30 },\n  { \"image_name\": \"x:1\", \"delete_after_minutes\": -5 }\n] } }\n",
    );
    for command in ["check", "apply"] {
        let output = sandbox.imgreaper(&["policy", command, file.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "policy {command}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("image_policy.removal[0].image_name"),
            "{stderr}"
        );
        assert!(
            stderr.contains("image_policy.removal[1].delete_after_minutes"),
            "{stderr}"
        );
        assert!(stderr.contains(":2:"), "line numbers are given: {stderr}");
        assert!(stderr.contains("image1:TAG"), "{stderr}");
    }
    assert_eq!(
        sandbox.ok(&["policy", "list"]).lines().count(),
        1,
        "only the header"
    );
}

#[test]
fn export_round_trips_an_nmp_in_both_spellings() {
    let sandbox = Sandbox::new("export");
    let file = sandbox.write(
        "nmp.json",
        r#"{ "label": "edge", "constraints": ["purpose == edge"], "properties": [{"name": "x", "value": 1}],
             "agentImagePolicy": { "imageRemovalPolicies": [ { "imageId": "myorg/app:*", "deleteAfterMinutes": 45, "agentDownloadedOnly": false } ] } }"#,
    );
    sandbox.ok(&["policy", "apply", file.to_str().unwrap(), "--name", "edge"]);
    let anax: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["policy", "export", "edge", "--format", "anax"]))
            .unwrap();
    assert_eq!(anax["constraints"][0], "purpose == edge");
    assert_eq!(anax["properties"][0]["value"], 1);
    assert_eq!(
        anax["agentImagePolicy"]["imageRemovalPolicies"][0]["deleteAfterMinutes"],
        45
    );
    let seed: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["policy", "export", "edge"])).unwrap();
    assert_eq!(
        seed["image_policy"]["removal"][0]["image_name"],
        "myorg/app:*"
    );
    assert_eq!(seed["label"], "edge");
    assert!(seed.get("agentImagePolicy").is_none());
}

#[test]
fn preview_shows_matches_without_saving() {
    let sandbox = Sandbox::new("preview");
    let reference = sandbox.repo("web:1");
    import(&reference);
    let rules = format!(
        r#"{{ "image_name": "{}/web:*", "delete_after_minutes": 20, "agent_downloaded_only": false }}"#,
        sandbox.prefix
    );
    let file = sandbox.write("try.json", &policy(&rules));
    let out: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["policy", "preview", file.to_str().unwrap(), "--json"]))
            .unwrap();
    let references = out["references"].as_array().unwrap();
    assert!(
        references
            .iter()
            .any(|r| r["reference"] == reference.as_str() && r["state"] == "scheduled")
    );
    assert!(out["summary"]["newly_scheduled"].as_u64().unwrap() >= 1);
    assert_eq!(
        find(&sandbox.images_json(), &reference)["state"],
        "no_rule",
        "preview saved nothing"
    );
}

#[test]
fn a_foreign_or_corrupt_database_is_refused_and_left_untouched() {
    let sandbox = Sandbox::new("corrupt");
    let garbage = b"this is not a database at all, just some bytes\n".repeat(100);
    std::fs::write(sandbox.db(), &garbage).unwrap();
    let output = sandbox.imgreaper(&["policy", "list"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("not an imgreaper database") && stderr.contains("nothing was changed"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(sandbox.db()).unwrap(), garbage);

    std::fs::remove_file(sandbox.db()).unwrap();
    let foreign = rusqlite::Connection::open(sandbox.db()).unwrap();
    foreign
        .execute_batch("CREATE TABLE invoices (id INTEGER); INSERT INTO invoices VALUES (1);")
        .unwrap();
    drop(foreign);
    let before = std::fs::read(sandbox.db()).unwrap();
    let output = sandbox.imgreaper(&["log"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("belongs to another program"));
    assert_eq!(std::fs::read(sandbox.db()).unwrap(), before);

    // A damaged imgreaper database (valid header, garbage pages) is refused too.
    std::fs::remove_file(sandbox.db()).unwrap();
    sandbox.ok(&["settings", "--mode", "auto"]);
    let mut bytes = std::fs::read(sandbox.db()).unwrap();
    let len = bytes.len();
    for b in &mut bytes[100..len] {
        *b = 0xA5;
    }
    std::fs::write(sandbox.db(), &bytes).unwrap();
    let _ = std::fs::remove_file(sandbox.db().with_extension("db-wal"));
    let output = sandbox.imgreaper(&["log"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(std::fs::read(sandbox.db()).unwrap(), bytes);
}

#[test]
fn an_unreachable_engine_names_the_socket_and_the_fix() {
    let sandbox = Sandbox::new("noengine");
    let output = sandbox.imgreaper(&["--host", "unix:///nonexistent/docker.sock", "images"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/nonexistent/docker.sock"), "{stderr}");
    assert!(
        stderr.contains("start the engine") || stderr.contains("--host"),
        "{stderr}"
    );
}

#[test]
fn a_name_removed_by_hand_leaves_no_postponement_for_the_next_image_under_it() {
    let sandbox = Sandbox::new("cleanslate");
    let reference = sandbox.repo("reused:1");
    import(&reference);
    let rules = format!(
        r#"{{ "image_name": "{}/*", "delete_after_minutes": 5, "agent_downloaded_only": false }}"#,
        sandbox.prefix
    );
    let file = sandbox.write("p.json", &policy(&rules));
    sandbox.ok(&["policy", "apply", file.to_str().unwrap()]);
    sandbox.ok(&["postpone", &reference, "--for", "1day"]);
    sandbox.ok(&["remove", &reference]);
    import(&reference);
    let rows = sandbox.images_json();
    assert_eq!(find(&rows, &reference)["state"], "scheduled", "{rows:#?}");
}
