//! Patterns on the real engine (issue 15 item 7): a keep rule or a pin written with Docker Hub's
//! spellings and a wildcard (`library/*`, `index.docker.io/library/…*`) protects the official
//! image it names.

use crate::support;

use support::Sandbox;
use support::images::import;

fn state_of(sandbox: &Sandbox, reference: &str) -> String {
    let text = sandbox.ok(&["images", "--json"]);
    let all: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    all.iter()
        .find(|r| r["reference"] == reference)
        .unwrap_or_else(|| panic!("{reference} not listed"))["state"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn keep_rules_and_pins_on_docker_hub_spellings_with_wildcards_protect_official_images() {
    let sandbox = Sandbox::new("hubkeep");
    // An official-looking name: one path component, so Docker qualifies it with `library/`.
    let (kept, pinned) = (
        format!("{}-zk:1", sandbox.prefix),
        format!("{}-zp:1", sandbox.prefix),
    );
    import(&kept);
    import(&pinned);
    let policy = format!(
        r#"{{"image_policy": {{
            "removal": [{{"image_name": "{p}-*", "delete_after_minutes": 0, "agent_downloaded_only": false}}],
            "keep": [{{"image_name": "library/{p}-zk*"}}]}}}}"#,
        p = sandbox.prefix
    );
    let file = sandbox.write("hub.json", &policy);
    sandbox.ok(&["policy", "apply", file.to_str().unwrap()]);
    assert_eq!(state_of(&sandbox, &kept), "kept");
    assert_ne!(state_of(&sandbox, &pinned), "pinned");
    sandbox.ok(&[
        "pin",
        &format!("index.docker.io/library/{}-zp*", sandbox.prefix),
    ]);
    assert_eq!(state_of(&sandbox, &pinned), "pinned");
    sandbox.ok(&["run", "--once", "--startup-delay", "0s", "--min-age", "0s"]);
    assert!(
        support::exists(&kept),
        "the kept official image was removed"
    );
    assert!(
        support::exists(&pinned),
        "the pinned official image was removed"
    );
}
