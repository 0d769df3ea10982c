//! `imgreaper fleet status` over a real sshd, with nodes that work and nodes with real faults:
//! each fault is named for what it is, and none holds up the others.

use crate::support::fleet::{Lab, said};
use crate::support::sshd::{Alias, SUDO_USER};

/// Every kind of node at once; `{imgreaper}` is the binary under test.
const INVENTORY: &str = "\
[lab]
node-a
node-b

[faults]
dead
rekeyed
wrongkey
silent
missing imgreaper_path=imgreaper-not-installed
old imgreaper_path={dir}/old-imgreaper
oldcli imgreaper_path={dir}/oldcli-imgreaper
hung imgreaper_path={dir}/hung-imgreaper
nodocker
sudoer ansible_user=imgreaper-fleet ansible_become=true
becomer ansible_become=true imgreaper_path='{imgreaper} --db {dir}/becomer.db --host {docker}'

[all:vars]
imgreaper_path={imgreaper}
";

fn lab(test: &str) -> Option<Lab> {
    let lab = Lab::new(test)?;
    let aliases = vec![
        ("node-a", lab.node("node-a")),
        ("node-b", lab.node("node-b")),
        ("dead", Alias::Stopped),
        ("rekeyed", Alias::Rekeyed),
        ("wrongkey", Alias::WrongKey),
        ("silent", Alias::Silent),
        ("missing", lab.node("missing")),
        ("old", lab.node("old")),
        ("oldcli", lab.node("oldcli")),
        ("hung", lab.node("hung")),
        (
            "nodocker",
            lab.node_on("nodocker", "unix:///nonexistent/docker.sock"),
        ),
        ("sudoer", lab.node("sudoer")),
        // sudo resets the environment: its database and engine come with imgreaper_path.
        ("becomer", lab.node("becomer")),
    ];
    lab.setup(&aliases, INVENTORY);
    // An imgreaper from before the protocol's first version, a stand-in speaking protocol 0.
    lab.script(
        "old-imgreaper",
        r#"echo '{"hello":{"protocol":0,"version":"0.0.9","node":"old"}}'; exec cat >/dev/null"#,
    );
    // An imgreaper from before `rpc` existed: clap's answer to an unknown subcommand.
    lab.script(
        "oldcli-imgreaper",
        "echo \"error: unrecognized subcommand 'rpc'\" >&2; exit 2",
    );
    // Accepts the request and never answers.
    lab.script("hung-imgreaper", "exec cat >/dev/null");
    Some(lab)
}

#[test]
fn every_fault_is_named_for_what_it_is_and_none_holds_up_the_others() {
    let Some(lab) = lab("fleet-faults") else {
        return;
    };
    // The nodes' own databases, as their imgreaper would make them.
    for node in ["node-a", "node-b"] {
        assert!(lab.on_node(node, &["images", "--json"]).status.success());
    }
    let output = lab.fleet(&["fleet", "status", "--timeout", "5s"]);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(1), "{}", said(&output));
    let line = |node: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{node}: ")))
            .unwrap_or_else(|| panic!("no error line for {node}:\n{}", said(&output)))
            .to_string()
    };
    let row = |node: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(node))
            .unwrap_or_else(|| panic!("no row for {node}:\n{}", said(&output)))
            .to_string()
    };
    for node in ["node-a", "node-b", "becomer"] {
        assert!(row(node).contains(" ok "), "{node}: {}", said(&output));
    }
    for (node, named) in [
        ("dead", "dead: unreachable: "),
        ("rekeyed", "rekeyed: host key changed: "),
        ("wrongkey", "wrongkey: authentication refused: "),
        ("silent", "silent: unreachable"),
        ("missing", "missing: imgreaper missing: "),
        ("old", "old: imgreaper too old: "),
        ("oldcli", "oldcli: imgreaper too old: "),
        ("hung", "hung: unreachable (no answer): "),
        ("nodocker", "nodocker: engine down: "),
        ("sudoer", "sudoer: needs a sudo password: "),
    ] {
        assert!(line(node).starts_with(named), "{node}: {}", line(node));
    }
    assert!(line("old").contains("protocol 0"), "{}", line("old"));
    assert!(line("sudoer").contains(SUDO_USER) || line("sudoer").contains("sudo -n"));
    assert!(
        text.contains("13 nodes: 3 answered, 10 failed"),
        "{}",
        said(&output)
    );
}

#[test]
fn json_gives_each_node_and_its_error() {
    let Some(lab) = lab("fleet-faults-json") else {
        return;
    };
    let output = lab.fleet(&[
        "fleet",
        "status",
        "--json",
        "--timeout",
        "5s",
        "--limit",
        "lab:dead:nodocker",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", said(&output));
    let nodes: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("JSON");
    let by_name = |name: &str| nodes.iter().find(|n| n["node"] == name).unwrap().clone();
    assert_eq!(nodes.len(), 4);
    for name in ["node-a", "node-b"] {
        let node = by_name(name);
        assert!(node["error"].is_null(), "{node}");
        assert_eq!(node["groups"], serde_json::json!(["lab"]));
        assert!(node["images"].as_u64().is_some(), "{node}");
        assert_eq!(node["mode"], "auto");
    }
    assert_eq!(by_name("dead")["error_kind"], "unreachable");
    assert!(
        by_name("dead")["error"]
            .as_str()
            .unwrap()
            .starts_with("unreachable: ")
    );
    assert_eq!(by_name("nodocker")["error_kind"], "engine_down");
}
