//! The fleet console end to end in tmux, against nodes behind a real sshd: the Nodes view shows
//! the nodes that answer while a hung one is still being waited for and a dead one is named;
//! enter opens a node's Images view (the local console's own), a removal there acts on that
//! node; references marked on two nodes go in one batch with a result per node.

use crate::support::fleet::Lab;
use crate::support::images::import;
use crate::support::sshd::Alias;
use crate::support::tmux::{Tmux, have_tmux};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(60);

fn line_of<'s>(screen: &'s str, text: &str) -> &'s str {
    screen.lines().find(|l| l.contains(text)).unwrap_or("")
}

fn gone(reference: &str) -> bool {
    let deadline = Instant::now() + WAIT;
    while crate::support::exists(reference) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    true
}

#[test]
fn open_a_node_remove_on_it_and_batch_across_nodes() {
    if !have_tmux() {
        return;
    }
    let Some(lab) = Lab::new("fleet-console") else {
        return;
    };
    let (one, two, three) = (
        lab.sandbox.repo("one:1"),
        lab.sandbox.repo("two:1"),
        lab.sandbox.repo("three:1"),
    );
    for reference in [&one, &two, &three] {
        import(reference);
    }
    lab.setup(
        &[
            ("node-a", lab.node("node-a")),
            ("node-b", lab.node("node-b")),
            ("dead", Alias::Stopped),
            ("hung", lab.node("hung")),
        ],
        "[lab]\nnode-a\nnode-b\n[faults]\ndead\nhung imgreaper_path={dir}/hung-imgreaper\n\
         [all:vars]\nimgreaper_path={imgreaper}\n",
    );
    lab.script("hung-imgreaper", "exec cat >/dev/null");
    let tmux = Tmux::start(
        "fleet-console",
        (120, 32),
        &[("IMGREAPER_SSH_COMMAND", lab.ssh_command.clone())],
    );
    tmux.type_text(&format!(
        "{} --inventory {}",
        crate::support::binary().display(),
        lab.inventory.display()
    ));
    tmux.send(&["Enter"]);
    // The nodes that answer show while the hung one is still waited for (30 s to its
    // timeout): none holds up another.
    let nodes = tmux.wait_until("node-a and node-b answer", |s| {
        line_of(s, "node-a").contains(" yes ") && line_of(s, "node-b").contains(" yes ")
    });
    assert!(line_of(&nodes, "hung").contains('…'), "{nodes}");
    let nodes = tmux.wait_until("dead is named", |s| {
        line_of(s, "dead").contains(" no ") && line_of(s, "dead").contains("unreachable: ")
    });
    assert!(nodes.contains("4 nodes"), "{nodes}");

    // Sorted by name: dead, hung, node-a, node-b. Open node-a.
    tmux.send(&["j", "j", "Enter"]);
    tmux.wait_for("Fleet node node-a");
    tmux.send(&["/"]);
    tmux.type_text(&one);
    tmux.send(&["Enter"]);
    tmux.wait_for("1 of");
    tmux.send(&["r"]);
    tmux.wait_for("Remove 1 reference?");
    tmux.send(&["Tab", "Enter"]);
    assert!(gone(&one), "{one} is still there:\n{}", tmux.screen());
    tmux.wait_until("the removal's result", |s| {
        s.contains(&format!("removed {one}"))
    });

    // Mark two:1 on node-a, back to the nodes.
    // Apart: ESC and `/` sent together read as Alt-/.
    tmux.send(&["Escape"]);
    tmux.send(&["/"]);
    tmux.type_text(&two);
    tmux.send(&["Enter"]);
    tmux.wait_for("1 of");
    tmux.send(&["Space"]);
    tmux.wait_for("1 marked");
    tmux.send(&["q"]);
    tmux.wait_until("node-a keeps its mark", |s| {
        line_of(s, "node-a").contains("1*")
    });
    // Mark three:1 on node-b, back again.
    tmux.send(&["j", "Enter"]);
    tmux.wait_for("Fleet node node-b");
    tmux.send(&["/"]);
    tmux.type_text(&three);
    tmux.send(&["Enter"]);
    tmux.wait_for("1 of");
    tmux.send(&["Space"]);
    tmux.wait_for("1 marked");
    tmux.send(&["q"]);
    let nodes = tmux.wait_until("two nodes marked", |s| s.contains("2 marked"));
    assert!(line_of(&nodes, "node-b").contains("1*"), "{nodes}");

    // One batch, a result per node.
    tmux.send(&["r"]);
    let confirm = tmux.wait_for("Remove 2 marked on 2 nodes?");
    assert!(confirm.contains(&format!("node-a: {two}")), "{confirm}");
    assert!(confirm.contains(&format!("node-b: {three}")), "{confirm}");
    tmux.send(&["y"]);
    let done = tmux.wait_until("each node's result", |s| {
        s.contains(&format!(" node-a: removed {two}"))
            && s.contains(&format!(" node-b: removed {three}"))
    });
    assert!(done.contains("batch done"), "{done}");
    assert!(gone(&two) && gone(&three));
    tmux.send(&["q"]);
    tmux.wait_until("the console quits", |_| !tmux.console_running());
}

#[test]
fn a_fleet_command_asks_on_a_terminal_before_it_changes_nodes() {
    if !have_tmux() {
        return;
    }
    let Some(lab) = Lab::new("fleet-ask") else {
        return;
    };
    let app = lab.sandbox.repo("asked:1");
    import(&app);
    lab.setup(
        &[
            ("edge-1", lab.node("edge-1")),
            ("edge-2", lab.node("edge-2")),
        ],
        "edge-1\nedge-2\n[all:vars]\nimgreaper_path={imgreaper}\n",
    );
    let tmux = Tmux::start(
        "fleet-ask",
        (120, 32),
        &[("IMGREAPER_SSH_COMMAND", lab.ssh_command.clone())],
    );
    tmux.type_text(&format!(
        "{} fleet pin {app} --inventory {}",
        crate::support::binary().display(),
        lab.inventory.display()
    ));
    tmux.send(&["Enter"]);
    let asked = tmux.wait_for("Pin on 2 nodes? [y/N]");
    assert!(
        asked.contains(&format!("edge-1: would pin {app}")),
        "{asked}"
    );
    tmux.send(&["y", "Enter"]);
    let done = tmux.wait_for("2 nodes: 2 fine");
    assert!(done.contains(&format!("edge-2: pinned {app}")), "{done}");
}
