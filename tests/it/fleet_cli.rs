//! `imgreaper fleet …` against nodes behind a real sshd: a policy previewed and published to
//! the fleet lands where it is placed; the manual actions say first what they will do, ask (or
//! need --yes), then act on the nodes that have the name, audited as the SSH user and the
//! operator; sessions to a node reuse one connection, each alias with its own environment.

use crate::support::engine::OwnEngine;
use crate::support::fleet::{Lab, said};
use crate::support::images::{import, import_on};
use crate::support::sshd::Alias;
use serde_json::Value;

fn node_policy(lab: &Lab, site: &str) -> (&'static str, String) {
    let path = lab.sandbox.write(
        &format!("{site}.node.json"),
        &format!(r#"{{"properties": [{{"name": "site", "value": "{site}"}}]}}"#),
    );
    ("IMGREAPER_NODE_POLICY", path.display().to_string())
}

fn with_env(alias: Alias, extra: (&'static str, String)) -> Alias {
    match alias {
        Alias::Node {
            docker_host,
            db,
            mut env,
        } => {
            env.push(extra);
            Alias::Node {
                docker_host,
                db,
                env,
            }
        }
        other => other,
    }
}

fn json(output: &std::process::Output) -> Vec<Value> {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", said(output)))
}

fn entry<'a>(entries: &'a [Value], node: &str) -> &'a Value {
    entries
        .iter()
        .find(|e| e["node"] == node)
        .unwrap_or_else(|| panic!("no entry for {node}: {entries:?}"))
}

#[test]
fn a_policy_previewed_and_published_to_the_fleet_applies_only_where_it_is_placed() {
    let Some(lab) = Lab::new("fleet-policy") else {
        return;
    };
    if !OwnEngine::possible() {
        return;
    }
    // Two nodes in Berlin share the test engine; the one in Munich has an engine of its own.
    let mut munich_engine = OwnEngine::new();
    munich_engine.start();
    let app = lab.sandbox.repo("app:1");
    import(&app);
    import_on(&munich_engine.host(), &app);
    let berlin = node_policy(&lab, "berlin");
    let munich = node_policy(&lab, "munich");
    lab.setup(
        &[
            ("berlin-1", with_env(lab.node("berlin-1"), berlin.clone())),
            ("berlin-2", with_env(lab.node("berlin-2"), berlin)),
            (
                "munich-1",
                with_env(lab.node_on("munich-1", &munich_engine.host()), munich),
            ),
        ],
        "[berlin]\nberlin-1\nberlin-2\n[munich]\nmunich-1\n[all:vars]\nimgreaper_path={imgreaper}\n",
    );
    let policy = lab.sandbox.write(
        "for-berlin.json",
        &format!(
            r#"{{"label": "for-berlin", "constraints": ["site == berlin"],
                "image_policy": {{"removal": [
                  {{"image_name": "{}/*", "delete_after_minutes": 30, "agent_downloaded_only": false}}]}}}}"#,
            lab.sandbox.prefix
        ),
    );
    let file = policy.to_str().unwrap();

    let preview = lab.fleet(&["fleet", "preview", file]);
    assert!(preview.status.success(), "{}", said(&preview));
    let text = String::from_utf8_lossy(&preview.stdout);
    assert!(
        text.contains(
            "berlin-1: placed; 1 newly scheduled, 0 newly spared; within 1 h: 1 reference"
        ),
        "{text}"
    );
    assert!(
        text.contains("munich-1: not placed here: site == berlin is false (site is munich)"),
        "{text}"
    );
    assert!(
        text.contains(
            "in total: policy for-berlin placed on 2 of 3 nodes that answered; 2 newly scheduled"
        ),
        "{text}"
    );
    let entries = json(&lab.fleet(&["fleet", "preview", file, "--json"]));
    assert_eq!(entry(&entries, "berlin-2")["placed"], true);
    assert_eq!(entry(&entries, "berlin-2")["newly_scheduled"], 1);
    assert_eq!(entry(&entries, "munich-1")["placed"], false);
    assert_eq!(entry(&entries, "munich-1")["newly_scheduled"], 0);
    assert!(entries.iter().all(|e| e["error"].is_null()));

    // No terminal to ask on and no --yes: nothing is saved anywhere.
    let refused = lab.fleet(&["fleet", "apply", file]);
    assert_eq!(refused.status.code(), Some(2), "{}", said(&refused));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("pass --yes"));
    for node in ["berlin-1", "berlin-2", "munich-1"] {
        let listed = lab.on_node(node, &["policy", "list"]);
        assert!(!String::from_utf8_lossy(&listed.stdout).contains("for-berlin"));
    }

    let applied = lab.fleet(&["fleet", "apply", file, "--yes"]);
    assert!(applied.status.success(), "{}", said(&applied));
    let text = String::from_utf8_lossy(&applied.stdout);
    assert!(text.contains("3 nodes: 3 saved it"), "{text}");
    // Saved everywhere; applies where placed, and says why not elsewhere.
    let munich_list = lab.on_node("munich-1", &["policy", "list"]);
    assert!(
        String::from_utf8_lossy(&munich_list.stdout).contains("not placed here: site == berlin"),
        "{}",
        said(&munich_list)
    );
    let images = json(&lab.fleet(&["fleet", "images", "--json"]));
    let state = |node: &str| {
        entry(&images, node)["images"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["reference"] == app)
            .map(|r| r["state"].clone())
    };
    assert_eq!(state("berlin-1"), Some("scheduled".into()));
    assert_eq!(state("munich-1"), Some("no_rule".into()));
    // Audited on the node as the SSH user, with the operator the client named.
    let log = lab.on_node("berlin-2", &["log", "--json"]);
    let entries: Vec<Value> = serde_json::from_slice(&log.stdout).unwrap();
    let apply = entries
        .iter()
        .find(|e| e["action"] == "policy-apply")
        .expect("policy-apply audited");
    let actor = apply["actor"].as_str().unwrap();
    assert!(
        actor.starts_with("root from 127.0.0.1 (fleet operator "),
        "{actor}"
    );
}

#[test]
fn actions_say_what_they_will_do_then_act_where_the_name_is() {
    let Some(lab) = Lab::new("fleet-actions") else {
        return;
    };
    let gone = lab.sandbox.repo("gone:1");
    let kept = lab.sandbox.repo("kept:1");
    import(&gone);
    import(&kept);
    lab.setup(
        &[
            ("edge-1", lab.node("edge-1")),
            ("edge-2", lab.node("edge-2")),
        ],
        "edge-1\nedge-2\n[all:vars]\nimgreaper_path={imgreaper}\n",
    );
    // A name no node has: nothing to do anywhere, and that is not a failure.
    let nothing = lab.fleet(&["fleet", "remove", &lab.sandbox.repo("nowhere:1"), "--yes"]);
    assert!(nothing.status.success(), "{}", said(&nothing));
    let text = String::from_utf8_lossy(&nothing.stdout);
    assert!(
        text.contains("edge-1: ") && text.contains(": not here"),
        "{text}"
    );
    assert!(text.contains("nothing to do on any node"), "{text}");

    // Pinned on edge-2 only: remove there is refused, named, and exits 1.
    let pin = lab.fleet(&["fleet", "pin", &kept, "--limit", "edge-2", "--yes"]);
    assert!(pin.status.success(), "{}", said(&pin));
    assert!(String::from_utf8_lossy(&pin.stdout).contains(&format!("edge-2: pinned {kept}")));
    let refused = lab.fleet(&["fleet", "remove", &kept, "--limit", "edge-2", "--yes"]);
    assert_eq!(refused.status.code(), Some(1), "{}", said(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stdout).contains("pinned; `imgreaper unpin"),
        "{}",
        said(&refused)
    );
    assert!(crate::support::exists(&kept));

    // Without --yes and without a terminal: it says what it would do, and does nothing.
    let asked = lab.fleet(&["fleet", "remove", &gone, "--limit", "edge-1"]);
    assert_eq!(asked.status.code(), Some(2), "{}", said(&asked));
    assert!(
        String::from_utf8_lossy(&asked.stdout).contains(&format!("edge-1: would remove {gone}")),
        "{}",
        said(&asked)
    );
    assert!(crate::support::exists(&gone));

    let removed = lab.fleet(&[
        "fleet", "remove", &gone, "--limit", "edge-1", "--yes", "--json",
    ]);
    assert!(removed.status.success(), "{}", said(&removed));
    let entries = json(&removed);
    let lines = &entry(&entries, "edge-1")["lines"];
    assert_eq!(lines[0]["kind"], "done", "{lines}");
    assert!(
        lines[0]["text"]
            .as_str()
            .unwrap()
            .starts_with(&format!("removed {gone}"))
    );
    assert!(!crate::support::exists(&gone));
    let log = lab.on_node("edge-1", &["log", "--json"]);
    let audit: Vec<Value> = serde_json::from_slice(&log.stdout).unwrap();
    let removal = audit
        .iter()
        .find(|e| e["action"] == "remove" && e["reference"] == gone)
        .expect("the removal is audited on the node");
    assert!(
        removal["actor"]
            .as_str()
            .unwrap()
            .contains("(fleet operator "),
        "{removal}"
    );

    // The fleet's log shows each node's entries.
    let fleet_log = lab.fleet(&["fleet", "log", "--json"]);
    let entries = json(&fleet_log);
    assert!(
        entry(&entries, "edge-2")["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "pin")
    );
}

#[test]
fn sessions_to_a_node_reuse_its_connection_and_each_alias_keeps_its_environment() {
    let Some(lab) = Lab::new("fleet-mux") else {
        return;
    };
    lab.setup(
        &[("mux-1", lab.node("mux-1")), ("mux-2", lab.node("mux-2"))],
        "mux-1\nmux-2\n[all:vars]\nimgreaper_path={imgreaper}\n",
    );
    let runtime = lab.sandbox.dir.path().join("runtime");
    std::fs::create_dir(&runtime).unwrap();
    let status = |args: &[&str]| {
        let mut command = lab.command(args);
        command.env("XDG_RUNTIME_DIR", &runtime);
        command.output().unwrap()
    };
    // A setting only mux-1's database holds: approve mode.
    assert!(
        lab.on_node("mux-1", &["settings", "--mode", "approve"])
            .status
            .success()
    );
    for round in 0..2 {
        let entries = json(&status(&["fleet", "status", "--json"]));
        assert_eq!(entry(&entries, "mux-1")["mode"], "approve", "round {round}");
        assert_eq!(entry(&entries, "mux-2")["mode"], "auto", "round {round}");
    }
    // One master connection per alias, alive for the next command.
    let sockets: Vec<_> = std::fs::read_dir(runtime.join("imgreaper-ssh"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(sockets.len(), 2, "{sockets:?}");
    for socket in sockets {
        let check = std::process::Command::new("ssh")
            .args(["-F", "/dev/null", "-O", "check", "-S"])
            .arg(socket.path())
            .arg("any")
            .output()
            .unwrap();
        assert!(check.status.success(), "{}", said(&check));
    }
}

#[test]
fn registry_retention_learns_what_each_node_holds_and_which_nodes_could_not_be_asked() {
    use imgreaper::fleet::error::Failure;
    use imgreaper::fleet::inventory::{Inventory, select};
    use imgreaper::fleet::run::Fleet;
    use imgreaper::fleet::transport::Transport;
    let Some(lab) = Lab::new("fleet-digests") else {
        return;
    };
    // A pushed image carries its registry digest.
    let local = lab.sandbox.repo("held:1");
    import(&local);
    let pushed = format!("127.0.0.1:5000/{local}");
    crate::support::docker(&["tag", &local, &pushed]);
    crate::support::docker(&["push", &pushed]);
    lab.setup(
        &[("holder", lab.node("holder")), ("dead", Alias::Stopped)],
        "holder\ndead\n[all:vars]\nimgreaper_path={imgreaper}\n",
    );
    let inventory = Inventory::load(lab.inventory.to_str().unwrap()).unwrap();
    let (nodes, _) = select(&inventory, None).unwrap();
    let fleet = Fleet {
        nodes,
        transport: Transport::new(
            Some(lab.ssh_command.clone()),
            std::time::Duration::from_secs(20),
        )
        .unwrap(),
        operator: "tester@ci".into(),
        forks: 4,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let held = runtime.block_on(fleet.held_images());
    let holder = held.iter().find(|o| o.node.name == "holder").unwrap();
    let images = holder.result.as_ref().expect("holder answers");
    let digest_prefix = format!("{pushed}@sha256:").replace(":1@", "@");
    assert!(
        images
            .iter()
            .any(|i| i.repo_digests.iter().any(|d| d.starts_with(&digest_prefix))),
        "no digest of {pushed} among {images:?}"
    );
    let dead = held.iter().find(|o| o.node.name == "dead").unwrap();
    assert_eq!(dead.result.as_ref().unwrap_err().kind, Failure::Unreachable);
    crate::support::docker_output(&["rmi", &pushed]);
}
