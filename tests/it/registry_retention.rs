//! Retention on a registry (DESIGN.md §15) against Debian's `docker-registry` with deletion
//! enabled — plain, with Basic authentication, and with token authentication — through the
//! real binary: `registry plan` changes nothing, `registry reap --yes` leaves exactly what the
//! policy keeps, and every deletion is audited.

use crate::support;

use support::Sandbox;
use support::registry::{Auth, OwnRegistry};

/// Daily, weekly (unpadded week numbers), release and experimental tags, a `latest` sharing
/// its manifest with a daily that would otherwise go, and a tag in no category.
fn scenario(auth: Auth, name: &str) {
    let sandbox = Sandbox::new(name);
    let registry = OwnRegistry::start(auth);
    let repository = format!("{}/lab", sandbox.prefix);
    for day in [
        "d_2024_03_02",
        "d_2024_03_03",
        "d_2024_03_04",
        "d_2024_03_05",
    ] {
        registry.push(&repository, &[day]);
    }
    registry.push(&repository, &["d_2024_03_01", "latest"]);
    for week in ["w_2024_8", "w_2024_9", "w_2024_10"] {
        registry.push(&repository, &[week]);
    }
    for release in ["r1.0.0", "r1.1.0", "r2.0.0"] {
        registry.push(&repository, &[release]);
    }
    registry.push(&repository, &["exp_new"]);
    registry.push(&repository, &["stable"]);
    registry.push_dated(&repository, "exp_old", "2020-01-01T00:00:00Z");

    let policy = sandbox.write(
        "retention.json",
        &format!(
            r#"{{ "label": "lab-retention",
  "registry_policy": {{
    "registry": "{}",
    "repositories": [
      {{ "repository": "{repository}",
        "keep": ["latest"],
        "categories": [
          {{ "name": "daily",   "tags": "d_*", "order": "tag",    "last": 2 }},
          {{ "name": "weekly",  "tags": "w_*", "order": "tag",    "last": 2 }},
          {{ "name": "release", "tags": "r*",  "order": "semver", "last": 2 }},
          {{ "name": "experimental", "tags": "exp_*", "max_age_days": 30 }} ] }} ] }} }}"#,
            registry.host()
        ),
    );
    let policy = policy.to_str().unwrap();
    let config = registry.docker_config();
    let run = |args: &[&str]| {
        sandbox
            .command(args)
            .env("DOCKER_CONFIG", &config)
            .output()
            .expect("imgreaper runs")
    };
    let check = run(&["policy", "check", policy]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    let before = registry.tags(&repository);
    let plan = run(&["registry", "plan", policy, "--json"]);
    assert!(
        plan.status.success(),
        "{}",
        String::from_utf8_lossy(&plan.stderr)
    );
    assert_eq!(registry.tags(&repository), before, "a plan changes nothing");
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let decisions = plan["plan"]["repositories"][0]["tags"].as_array().unwrap();
    let decision = |tag: &str| {
        decisions
            .iter()
            .find(|d| d["tag"] == tag)
            .unwrap_or_else(|| panic!("{tag} in {decisions:#?}"))
    };
    assert_eq!(decision("w_2024_8")["keep"], false);
    assert_eq!(
        decision("w_2024_9")["keep"],
        true,
        "natural order: 9 before 10"
    );
    assert!(
        decision("d_2024_03_01")["reason"]
            .as_str()
            .unwrap()
            .contains("also tagged `latest`"),
        "{:#?}",
        decision("d_2024_03_01")
    );
    assert_eq!(decision("stable")["reason"], "in no category");
    assert!(
        decision("exp_old")["reason"]
            .as_str()
            .unwrap()
            .contains("beyond 30 days")
    );

    // Without a terminal and without --yes, a reap deletes nothing.
    let dry = run(&["registry", "reap", policy]);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(String::from_utf8_lossy(&dry.stdout).contains("pass --yes"));
    assert_eq!(registry.tags(&repository), before);

    let reap = run(&["registry", "reap", policy, "--yes"]);
    assert!(
        reap.status.success(),
        "{}{}",
        String::from_utf8_lossy(&reap.stdout),
        String::from_utf8_lossy(&reap.stderr)
    );
    let left: Vec<String> = registry
        .tags(&repository)
        .into_iter()
        .map(|(tag, _)| tag)
        .collect();
    let mut expected = vec![
        "d_2024_03_01",
        "d_2024_03_04",
        "d_2024_03_05",
        "exp_new",
        "latest",
        "r1.1.0",
        "r2.0.0",
        "stable",
        "w_2024_10",
        "w_2024_9",
    ];
    expected.sort();
    assert_eq!(left, expected);

    // Each deleted manifest is in the audit log, with its tags.
    let log = sandbox.ok(&["log", "--json"]);
    let log: Vec<serde_json::Value> = serde_json::from_str(&log).unwrap();
    let deletions: Vec<&serde_json::Value> = log
        .iter()
        .filter(|e| e["action"] == "registry-delete")
        .collect();
    assert_eq!(deletions.len(), 5, "{deletions:#?}");
    for tag in [
        "d_2024_03_02",
        "d_2024_03_03",
        "w_2024_8",
        "r1.0.0",
        "exp_old",
    ] {
        assert!(
            deletions
                .iter()
                .any(|e| e["result"].as_str().unwrap().contains(tag)
                    && e["result"].as_str().unwrap().starts_with("deleted")),
            "{tag} not audited: {deletions:#?}"
        );
    }
}

#[test]
fn plan_and_reap_on_a_plain_registry() {
    scenario(Auth::None, "regplain");
}

#[test]
fn plan_and_reap_with_basic_authentication() {
    scenario(Auth::Basic, "regbasic");
}

#[test]
fn plan_and_reap_with_a_bearer_token() {
    scenario(Auth::Token, "regtoken");
}
