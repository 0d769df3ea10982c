//! `imgreaper rpc` speaks the protocol `assets/schema/rpc.schema.json` documents: a real session
//! with every method, through pipes to the real binary on the real engine, validates line by
//! line, each answer against its method's schema; the schema is strict; and a snapshot that
//! travels plans to exactly what the node's own `images --json` says.

use crate::support::{Sandbox, images};
use imgreaper::fleet::rpc::protocol::SnapshotAnswer;
use jsonschema::{Registry, Validator};
use serde_json::{Value, json};
use std::io::Write;
use std::process::Stdio;

const BASE: &str = "https://imgreaper.invalid/schema/";

fn registry() -> Registry<'static> {
    let mut registry = Registry::new();
    for name in [
        "rpc.schema.json",
        "images.schema.json",
        "log.schema.json",
        "policy-preview.schema.json",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/schema")
            .join(name);
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        if let Err(error) = jsonschema::meta::validate(&schema) {
            panic!("{name} is not a valid JSON Schema: {error}");
        }
        registry = registry.add(format!("{BASE}{name}"), schema).unwrap();
    }
    registry.prepare().unwrap()
}

fn validator(registry: &Registry<'static>, pointer: &str) -> Validator {
    jsonschema::options()
        .with_registry(registry)
        .build(&json!({ "$ref": format!("{BASE}rpc.schema.json{pointer}") }))
        .expect("the schema compiles")
}

fn problems(validator: &Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Runs one session: the client's lines in, the node's lines out.
fn session(sandbox: &Sandbox, lines: &[Value]) -> Vec<Value> {
    let mut child = sandbox
        .command(&["rpc"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("imgreaper rpc runs");
    let mut input = child.stdin.take().unwrap();
    for line in lines {
        writeln!(input, "{line}").unwrap();
    }
    drop(input);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "rpc failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn a_session_with_every_method_speaks_the_documented_protocol() {
    let sandbox = Sandbox::new("rpc-schema");
    let app = sandbox.repo("app:1");
    images::import(&app);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 600, false);
    let policy = format!(
        r#"{{"image_policy": {{"removal": [{{"image_name": "{}/*", "delete_after_minutes": 5, "agent_downloaded_only": false}}]}}}}"#,
        sandbox.prefix
    );
    let how = |extra: Value| {
        let mut params = json!({ "dry_run": true, "absent_ok": true });
        params
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        params
    };
    let requests: Vec<(&str, Value)> = vec![
        ("summary", Value::Null),
        ("snapshot", Value::Null),
        ("images", Value::Null),
        ("digests", Value::Null),
        ("preview", json!({ "name": "fast", "document": policy })),
        ("remove", how(json!({ "references": [app, "nowhere:1"] }))),
        (
            "postpone",
            how(json!({ "references": [app], "seconds": 3600 })),
        ),
        ("pin", json!({ "reference": app })),
        ("unpin", json!({ "reference": app, "dry_run": true })),
        ("approve", how(json!({ "all": true }))),
        ("adopt", how(json!({ "references": [app] }))),
        ("disown", how(json!({ "references": [app] }))),
        ("log", json!({ "limit": 5 })),
        ("settings", json!({})),
        ("node", Value::Null),
        (
            "apply",
            json!({ "name": "fast", "document": policy, "from": "a test" }),
        ),
        ("watch", Value::Null),
    ];
    let mut lines = vec![json!({ "hello": { "protocol": 1, "operator": "tester@console" } })];
    for (id, (method, params)) in requests.iter().enumerate() {
        lines.push(json!({ "id": id + 1, "method": method, "params": params }));
    }
    // Errors: a refusal (an invalid policy), a method the node does not know, a bad line.
    let refused = requests.len() + 1;
    lines.push(json!({ "id": refused, "method": "preview", "params": { "name": "bad", "document": "{\"image_policy\": {\"removal\": [{\"image_name\": \"image1\"}]}}" } }));
    lines.push(json!({ "id": refused + 1, "method": "launch", "params": {} }));
    let answers = session(&sandbox, &lines);

    let registry = registry();
    let any_line = validator(&registry, "");
    // Every line but the request for a method that does not exist.
    for line in lines
        .iter()
        .filter(|l| l["method"] != "launch")
        .chain(&answers)
    {
        let found = problems(&any_line, line);
        assert!(found.is_empty(), "{line}\n{}", found.join("\n"));
    }
    assert!(
        answers[0]["hello"]["capabilities"]
            .as_array()
            .unwrap()
            .len()
            >= requests.len()
    );
    assert_eq!(answers[0]["hello"]["protocol"], 1);
    for (id, (method, _)) in requests.iter().enumerate() {
        let answer = answers
            .iter()
            .find(|a| a["id"] == id + 1)
            .unwrap_or_else(|| panic!("no answer to {method}"));
        assert!(answer["error"].is_null(), "{method}: {answer}");
        let schema = match *method {
            "remove" | "postpone" | "pin" | "unpin" | "approve" | "adopt" | "disown" | "apply" => {
                "lines"
            }
            other => other,
        };
        let found = problems(
            &validator(&registry, &format!("#/$defs/answers/{schema}")),
            &answer["result"],
        );
        assert!(
            found.is_empty(),
            "{method}: {}\n{:#}",
            found.join("\n"),
            answer["result"]
        );
    }
    let error_of = |id: usize| answers.iter().find(|a| a["id"] == id).unwrap()["error"].clone();
    assert_eq!(error_of(refused)["kind"], "refused");
    assert!(
        error_of(refused)["message"]
            .as_str()
            .unwrap()
            .contains("has no tag or digest")
    );
    assert_eq!(error_of(refused + 1)["kind"], "unknown_method");
    // The one action that was not a dry run went through, audited with the operator.
    let log = sandbox.ok(&["log", "--json"]);
    let entries: Vec<Value> = serde_json::from_str(&log).unwrap();
    let pin = entries
        .iter()
        .find(|e| e["action"] == "pin")
        .expect("the pin is audited");
    assert!(
        pin["actor"]
            .as_str()
            .unwrap()
            .ends_with("(fleet operator tester@console)"),
        "{pin}"
    );
}

#[test]
fn the_schema_is_strict() {
    let registry = registry();
    let any_line = validator(&registry, "");
    let hello = json!({ "hello": { "protocol": 1, "version": "0.1.0", "node": "n", "engine": { "up": { "version": "27" } }, "mode": "auto", "capabilities": ["summary"] } });
    assert!(problems(&any_line, &hello).is_empty());
    let mut extra = hello.clone();
    extra["hello"]["uptime"] = json!(5);
    assert!(
        !problems(&any_line, &extra).is_empty(),
        "a field the hello gained"
    );
    let both = json!({ "id": 1, "result": {}, "error": { "kind": "failed", "message": "x" } });
    assert!(
        !problems(&any_line, &both).is_empty(),
        "a result and an error"
    );
    let unknown = json!({ "id": 1, "method": "launch" });
    assert!(
        !problems(&any_line, &unknown).is_empty(),
        "a method not documented"
    );
}

#[test]
fn a_snapshot_that_travels_plans_to_what_the_node_itself_says() {
    let sandbox = Sandbox::new("rpc-wire");
    let kept = sandbox.repo("kept:1");
    let going = sandbox.repo("going:1");
    images::import(&kept);
    images::import(&going);
    let file = sandbox.write(
        "nmp.json",
        &format!(
            r#"{{"label": "mixed", "properties": [{{"name": "team", "value": "ops"}}],
                "image_policy": {{
                  "removal": [{{"image_name": "{p}/*", "delete_after_minutes": 600, "agent_downloaded_only": false}}],
                  "keep": [{{"image_name": "{p}/kept:*"}}]}}}}"#,
            p = sandbox.prefix
        ),
    );
    sandbox.ok(&["policy", "apply", file.to_str().unwrap()]);
    sandbox.ok(&["pin", &format!("{}/pinned*", sandbox.prefix)]);
    sandbox.ok(&["postpone", &going, "--for", "2h"]);
    // Recorded by an enforcer: a reader dates an image it has no record of by its own clock, so
    // two reads a second apart would differ.
    sandbox.ok(&["run", "--once"]);
    let answers = session(
        &sandbox,
        &[
            json!({ "hello": { "protocol": 1, "operator": "t" } }),
            json!({ "id": 1, "method": "snapshot" }),
        ],
    );
    let answer: SnapshotAnswer = serde_json::from_value(answers[1]["result"].clone()).unwrap();
    let snapshot = answer
        .snapshot
        .into_snapshot()
        .expect("the snapshot reads back");
    let travelled = serde_json::to_value(imgreaper::core::report::reports(&snapshot)).unwrap();
    let mut own: Value = serde_json::from_str(&sandbox.ok(&["images", "--json"])).unwrap();
    // What a registry check found is the node's own record, not part of the snapshot.
    for row in own.as_array_mut().unwrap() {
        let row = row.as_object_mut().unwrap();
        row.remove("update_available");
        row.remove("registry_digest");
    }
    let mine = |all: &Value| -> Vec<Value> {
        all.as_array()
            .unwrap()
            .iter()
            .filter(|r| {
                r["reference"]
                    .as_str()
                    .unwrap()
                    .starts_with(&sandbox.prefix)
            })
            .cloned()
            .collect()
    };
    assert_eq!(mine(&travelled), mine(&own));
    assert_eq!(mine(&own).len(), 2);
}
