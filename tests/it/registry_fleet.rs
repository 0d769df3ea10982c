//! Registry retention with a fleet (DESIGN.md §15): with `--inventory`, a manifest any node still
//! holds is kept and the plan says where; a node that cannot be asked stops the reap unless
//! `--allow-unreachable`. A real registry, a real sshd, a real engine holding a pulled image.

use crate::support;

use support::fleet::{Lab, said};
use support::registry::{Auth, OwnRegistry};
use support::sshd::Alias;

#[test]
fn a_reap_keeps_what_the_fleet_holds_and_stops_for_a_node_it_cannot_ask() {
    let Some(lab) = Lab::new("reg-fleet") else {
        return;
    };
    let registry = OwnRegistry::start(Auth::None);
    let repository = format!("{}/app", lab.sandbox.prefix);
    let name = format!("{}/{repository}", registry.host());
    for tag in ["v1", "v2", "v3"] {
        registry.push(&repository, &[tag]);
    }
    // The node still holds v1 (pulled: it carries the registry's digest); v2 and v3 are gone
    // from it.
    for tag in ["v2", "v3"] {
        support::docker(&["rmi", &format!("{name}:{tag}")]);
    }
    lab.setup(
        &[("holder", lab.node("holder")), ("dead", Alias::Stopped)],
        "holder\ndead\n[all:vars]\nimgreaper_path={imgreaper}\n",
    );
    let policy = lab.sandbox.write(
        "retention.json",
        &format!(
            r#"{{ "registry_policy": {{ "registry": "{}", "repositories": [
                {{ "repository": "{repository}",
                   "categories": [ {{ "name": "all", "tags": "v*", "order": "tag", "last": 1 }} ] }} ] }} }}"#,
            registry.host()
        ),
    );
    let policy = policy.to_str().unwrap();
    let db = lab.sandbox.db();
    let db = db.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["--db", db, "registry"];
        all.extend_from_slice(args);
        lab.command(&all).output().expect("imgreaper runs")
    };
    let tags = || -> Vec<String> {
        registry
            .tags(&repository)
            .into_iter()
            .map(|(tag, _)| tag)
            .collect()
    };
    let before = tags();
    assert_eq!(before, ["v1", "v2", "v3"]);

    // A node that cannot be asked: nothing is planned, nothing deleted, the node named.
    let stopped = run(&["reap", policy, "--yes"]);
    assert_eq!(stopped.status.code(), Some(1), "{}", said(&stopped));
    let stderr = String::from_utf8_lossy(&stopped.stderr);
    assert!(
        stderr.contains("dead: ") && stderr.contains("--allow-unreachable"),
        "{}",
        said(&stopped)
    );
    assert_eq!(
        tags(),
        before,
        "a reap stopped for a node deleted something"
    );

    // With --allow-unreachable the plan goes on, says what it goes without, and still keeps
    // what the node it could ask holds.
    let plan = run(&["plan", policy, "--json", "--allow-unreachable"]);
    assert!(plan.status.success(), "{}", said(&plan));
    assert!(
        String::from_utf8_lossy(&plan.stderr).contains("planning without 1 of 2 nodes"),
        "{}",
        said(&plan)
    );
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let decisions = plan["plan"]["repositories"][0]["tags"].as_array().unwrap();
    let v1 = decisions.iter().find(|d| d["tag"] == "v1").unwrap();
    assert_eq!(v1["keep"], true, "{decisions:#?}");
    assert!(
        v1["reason"]
            .as_str()
            .unwrap()
            .ends_with("still held on holder"),
        "{decisions:#?}"
    );

    // The nodes that can be asked: v1 stays (held), v2 goes, v3 is the last one.
    let reap = run(&["reap", policy, "--yes", "--limit", "holder"]);
    assert!(reap.status.success(), "{}", said(&reap));
    assert_eq!(tags(), ["v1", "v3"], "{}", said(&reap));
    support::docker(&["rmi", &format!("{name}:v1")]);
}
