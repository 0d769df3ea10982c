//! The JSON outputs the README calls stable are held by the schemas in `assets/schema/`: real
//! outputs of the real binary against the real engine, with references in every state, validate;
//! and the schemas are strict, so a field the output gains fails until the schema names it.

use crate::support;

use imgreaper::core::plan::RefState;
use serde_json::{Value, json};
use support::{Sandbox, docker, images};

fn schema(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/schema")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).expect("a schema is JSON");
    if let Err(error) = jsonschema::meta::validate(&schema) {
        panic!("{name} is not a valid JSON Schema: {error}");
    }
    schema
}

/// Every validation error, with where it is in the instance.
fn errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("the schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn assert_valid(name: &str, instance: &Value) {
    let problems = errors(&schema(name), instance);
    assert!(
        problems.is_empty(),
        "{name} rejects the real output:\n{}\n{instance:#}",
        problems.join("\n")
    );
}

fn assert_invalid(name: &str, instance: &Value, why: &str) {
    assert!(
        !errors(&schema(name), instance).is_empty(),
        "{name} accepts {why}"
    );
}

/// Every state there is; the match fails to compile when a state is added, so the schemas'
/// enums are reviewed with it.
fn every_state_name() -> Vec<&'static str> {
    let all = [
        RefState::InUse,
        RefState::Pinned,
        RefState::Kept,
        RefState::NoRule,
        RefState::Spared,
        RefState::Scheduled,
        RefState::Postponed { until: 0 },
        RefState::Due,
        RefState::AwaitingApproval,
    ];
    for state in all {
        match state {
            RefState::InUse
            | RefState::Pinned
            | RefState::Kept
            | RefState::NoRule
            | RefState::Spared
            | RefState::Scheduled
            | RefState::Postponed { .. }
            | RefState::Due
            | RefState::AwaitingApproval => {}
        }
    }
    all.iter().map(|s| s.name()).collect()
}

#[test]
fn state_enums_name_every_state() {
    let names: Vec<Value> = every_state_name().into_iter().map(Value::from).collect();
    let images = schema("images.schema.json");
    assert_eq!(images["$defs"]["state"]["enum"], Value::from(names.clone()));
    let preview = schema("policy-preview.schema.json");
    assert_eq!(preview["$defs"]["state"]["enum"], Value::from(names));
}

/// An image made by this test with no name left; removed by ID on drop.
struct Dangling(String);

impl Drop for Dangling {
    fn drop(&mut self) {
        let _ = support::docker_output(&["rmi", &self.0]);
    }
}

/// A sandbox whose references are in every state, its policy file, and the dangling image.
fn every_state(sandbox: &Sandbox) -> (std::path::PathBuf, Dangling) {
    let prefix = &sandbox.prefix;
    for name in [
        "app:used",
        "app:pinned",
        "app:later",
        "app:sched",
        "spare:1",
        "due:1",
        "due:2",
        "norule:1",
        "gone:1",
        "keep:1",
    ] {
        images::import(&sandbox.repo(name));
    }
    // The name moves to a second image: the first is left with none.
    let dangling = Dangling(images::import(&sandbox.repo("dang:1")));
    images::import(&sandbox.repo("dang:1"));
    images::create_container(
        &sandbox.repo("app:used"),
        &format!("{}-used", prefix.replace('/', "-")),
    );
    let policy = sandbox.write(
        "states.json",
        &json!({
            "label": "states",
            "image_policy": {"removal": [
                {"image_name": format!("{prefix}/app:*"), "delete_after_minutes": 60, "agent_downloaded_only": false},
                {"image_name": format!("{prefix}/spare:*"), "delete_after_minutes": 60},
                {"image_name": format!("{prefix}/due:*"), "delete_after_minutes": 0, "agent_downloaded_only": false},
                {"image_name": format!("{prefix}/gone:*"), "delete_after_minutes": 90, "agent_downloaded_only": false}
            ],
            "keep": [{"image_name": format!("{prefix}/keep:*")}]}
        })
        .to_string(),
    );
    sandbox.ok(&["policy", "apply", policy.to_str().unwrap()]);
    // Approve mode and no guards: the due references wait for an operator instead of going.
    sandbox.ok(&[
        "settings",
        "--mode",
        "approve",
        "--startup-delay",
        "0s",
        "--min-age",
        "0s",
    ]);
    sandbox.ok(&["run", "--once"]);
    sandbox.ok(&["pin", &sandbox.repo("app:pinned")]);
    sandbox.ok(&["postpone", &sandbox.repo("app:later"), "--for", "3h"]);
    sandbox.ok(&["approve", &sandbox.repo("due:2")]);
    sandbox.ok(&["remove", &sandbox.repo("gone:1")]);
    sandbox.ok(&["adopt", &sandbox.repo("norule:1")]);
    sandbox.ok(&["disown", &sandbox.repo("norule:1")]);
    (policy, dangling)
}

#[test]
fn real_outputs_validate_against_the_schemas() {
    let sandbox = Sandbox::new("schema");
    let (_, dangling) = every_state(&sandbox);

    let images: Value = serde_json::from_str(&sandbox.ok(&["images", "--json"])).unwrap();
    assert_valid("images.schema.json", &images);
    // The output really held every state, and the dangling image.
    let ours = |r: &&Value| {
        r["reference"]
            .as_str()
            .is_some_and(|s| s.starts_with(&sandbox.prefix))
            || r["image_id"] == dangling.0.as_str()
    };
    let states: std::collections::BTreeSet<&str> = images
        .as_array()
        .unwrap()
        .iter()
        .filter(ours)
        .map(|r| r["state"].as_str().unwrap())
        .collect();
    for state in every_state_name() {
        assert!(states.contains(state), "no {state} reference: {states:?}");
    }
    assert!(
        images
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["dangling"] == true && r["image_id"] == dangling.0.as_str()),
        "the dangling image is missing"
    );

    let prefix = &sandbox.prefix;
    let next = sandbox.write(
        "next.json",
        &json!({"image_policy": {"removal": [
            {"image_name": format!("{prefix}/norule:*"), "delete_after_minutes": 30, "agent_downloaded_only": false},
            {"image_name": format!("{prefix}/app:*"), "delete_after_minutes": 20, "agent_downloaded_only": false}
        ]}})
        .to_string(),
    );
    let preview: Value =
        serde_json::from_str(&sandbox.ok(&["policy", "preview", next.to_str().unwrap(), "--json"]))
            .unwrap();
    assert_valid("policy-preview.schema.json", &preview);
    assert!(!preview["references"].as_array().unwrap().is_empty());
    assert!(!preview["summary"]["changes"].as_array().unwrap().is_empty());

    let log: Value = serde_json::from_str(&sandbox.ok(&["log", "--json"])).unwrap();
    assert_valid("log.schema.json", &log);
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "policy-apply",
        "settings",
        "pin",
        "postpone",
        "approve",
        "remove",
        "adopt",
        "disown",
    ] {
        assert!(actions.contains(&action), "no {action} in {actions:?}");
    }
    docker(&["image", "inspect", &dangling.0]);
}

#[test]
fn the_schemas_are_strict() {
    let sandbox = Sandbox::new("schema-strict");
    let (policy, _dangling) = every_state(&sandbox);
    let images: Value = serde_json::from_str(&sandbox.ok(&["images", "--json"])).unwrap();
    let first = images[0].clone();

    let mut added = first.clone();
    added["archived_by"] = json!("archive[0]");
    assert_invalid("images.schema.json", &json!([added]), "an unknown field");
    let mut missing = first.clone();
    missing.as_object_mut().unwrap().remove("removes_image");
    assert_invalid("images.schema.json", &json!([missing]), "a missing field");
    let mut unknown_state = first.clone();
    unknown_state["state"] = json!("archived");
    assert_invalid(
        "images.schema.json",
        &json!([unknown_state]),
        "an unknown state",
    );
    let mut wrong_type = first;
    wrong_type["size"] = json!("12MB");
    assert_invalid("images.schema.json", &json!([wrong_type]), "a size as text");

    let preview: Value = serde_json::from_str(&sandbox.ok(&[
        "policy",
        "preview",
        policy.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    let mut added = preview.clone();
    added["summary"]["disk_percent"] = json!(91);
    assert_invalid(
        "policy-preview.schema.json",
        &added,
        "an unknown summary field",
    );

    let log: Value = serde_json::from_str(&sandbox.ok(&["log", "--json"])).unwrap();
    let mut unknown = log[0].clone();
    unknown["action"] = json!("archive");
    assert_invalid("log.schema.json", &json!([unknown]), "an unknown action");
}
