//! Placement end to end on the real engine: two node policies, several NMPs. Only the policies
//! placed on the node schedule anything; `policy list`, `policy preview`, `images` and `node`
//! say why the others are not placed.

use crate::support;

use support::Sandbox;
use support::images::import;

fn nmp(sandbox: &Sandbox, name: &str, placement: &str, repository: &str) {
    let text = format!(
        r#"{{ "label": "{name}", {placement}
            "image_policy": {{"removal": [{{"image_name": "{}/{repository}:*", "delete_after_minutes": 0, "agent_downloaded_only": false}}]}} }}"#,
        sandbox.prefix
    );
    let file = sandbox.write(&format!("{name}.json"), &text);
    sandbox.ok(&["policy", "apply", file.to_str().unwrap()]);
}

fn states(sandbox: &Sandbox, node: &str) -> Vec<(String, String)> {
    let text = sandbox.ok(&["--node-policy", node, "images", "--json"]);
    let all: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut states: Vec<(String, String)> = all
        .iter()
        .filter_map(|r| {
            let reference = r["reference"].as_str()?;
            let short = reference.strip_prefix(&format!("{}/", sandbox.prefix))?;
            Some((short.to_string(), r["state"].as_str()?.to_string()))
        })
        .collect();
    states.sort();
    states
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn only_placed_policies_schedule_and_every_listing_says_why() {
    let sandbox = Sandbox::new("placed");
    for repository in ["b", "m", "w", "e"] {
        import(&sandbox.repo(&format!("{repository}:1")));
    }
    let berlin = sandbox.write(
        "berlin.json",
        r#"{"properties": [{"name": "site", "value": "berlin"}]}"#,
    );
    let munich = sandbox.write(
        "munich.json",
        r#"{"properties": [{"name": "site", "value": "munich"}],
            "management": {"constraints": ["team == ops"]}}"#,
    );
    let (berlin, munich) = (berlin.to_str().unwrap(), munich.to_str().unwrap());
    nmp(
        &sandbox,
        "for-berlin",
        r#""constraints": ["site == berlin"],"#,
        "b",
    );
    nmp(
        &sandbox,
        "for-munich",
        r#""constraints": ["site == munich"], "properties": [{"name": "team", "value": "ops"}],"#,
        "m",
    );
    nmp(
        &sandbox,
        "wrong-team",
        r#""constraints": ["site == munich"], "properties": [{"name": "team", "value": "dev"}],"#,
        "w",
    );
    nmp(&sandbox, "everywhere", "", "e");

    // Scheduled with a deadline of 0 minutes: due at once, or held by the guards; either way a
    // rule applies. `no_rule`: nothing placed here matches it.
    let applied = |state: &str| {
        if state == "no_rule" {
            "no_rule"
        } else {
            "ruled"
        }
    };
    let seen = |node: &str| -> Vec<(String, String)> {
        states(&sandbox, node)
            .into_iter()
            .map(|(r, s)| (r, applied(&s).to_string()))
            .collect()
    };
    assert_eq!(
        seen(berlin),
        pairs(&[
            ("b:1", "ruled"),
            ("e:1", "ruled"),
            ("m:1", "no_rule"),
            ("w:1", "no_rule")
        ])
    );
    assert_eq!(
        seen(munich),
        // Munich's node constraint `team == ops` leaves out every policy without that property,
        // `everywhere` included: placement holds both ways.
        pairs(&[
            ("b:1", "no_rule"),
            ("e:1", "no_rule"),
            ("m:1", "ruled"),
            ("w:1", "no_rule")
        ])
    );

    let listed = sandbox.ok(&["--node-policy", munich, "policy", "list"]);
    assert!(
        listed.contains("for-berlin: not placed here: site == berlin is false (site is munich)"),
        "{listed}"
    );
    assert!(
        listed.contains("wrong-team: not placed here: this node's constraint team == ops is false for the policy's properties (team is dev)"),
        "{listed}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["--node-policy", munich, "policy", "list", "--json"]))
            .unwrap();
    let placed: Vec<(String, bool)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["placed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        placed,
        [
            ("for-berlin".to_string(), false),
            ("for-munich".to_string(), true),
            ("wrong-team".to_string(), false),
            ("everywhere".to_string(), false)
        ]
    );

    let file = sandbox.dir.path().join("for-berlin.json");
    let preview = sandbox.ok(&[
        "--node-policy",
        munich,
        "policy",
        "preview",
        file.to_str().unwrap(),
    ]);
    assert!(
        preview.contains("not placed here: site == berlin is false (site is munich)"),
        "{preview}"
    );
    let preview = sandbox.ok(&[
        "--node-policy",
        berlin,
        "policy",
        "preview",
        file.to_str().unwrap(),
    ]);
    assert!(preview.contains("placed on this node"), "{preview}");

    let images = sandbox.imgreaper(&["--node-policy", munich, "images"]);
    let stderr = String::from_utf8_lossy(&images.stderr);
    assert!(
        stderr.contains("policy for-berlin: not placed here: site == berlin is false (site is munich); its rules do not apply"),
        "{stderr}"
    );

    // The enforcer removes only what placed policies make due.
    sandbox.ok(&[
        "--node-policy",
        munich,
        "run",
        "--once",
        "--startup-delay",
        "0s",
        "--min-age",
        "0s",
    ]);
    assert_eq!(
        states(&sandbox, munich),
        pairs(&[("b:1", "no_rule"), ("e:1", "no_rule"), ("w:1", "no_rule")])
    );
}

#[test]
fn node_shows_built_ins_and_checks_a_file_with_positions() {
    let sandbox = Sandbox::new("nodecmd");
    let good = sandbox.write(
        "node.json",
        r#"{"properties": [{"name": "site", "value": "berlin"}], "pattern": "myorg/edge"}"#,
    );
    let shown = sandbox.ok(&["--node-policy", good.to_str().unwrap(), "node"]);
    for needle in [
        "openhorizon.arch",
        "openhorizon.cpu",
        "openhorizon.memory",
        "built-in",
        "site",
        "berlin",
        "myorg/edge",
    ] {
        assert!(shown.contains(needle), "{needle}: {shown}");
    }
    let bad = sandbox.write(
        "bad.json",
        "{\n  \"propertes\": [],\n  \"constraints\": [\"site == \"]\n}",
    );
    let output = sandbox.imgreaper(&["node", "--check", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(":2:3: propertes: error: unknown key `propertes` in a node policy; did you mean `properties`?"), "{stderr}");
    assert!(
        stderr.contains(":3:28: constraints[0]: error: constraint does not parse at column 9"),
        "{stderr}"
    );
    // A named node policy that is invalid stops commands that place policies, and says how to see why.
    let output = sandbox.imgreaper(&["--node-policy", bad.to_str().unwrap(), "policy", "list"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("imgreaper node --check"));
}
