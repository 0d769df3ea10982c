//! Snapshots of the fleet console's Nodes view (ratatui's TestBackend, fabricated nodes, a
//! fixed clock): nodes that answered, one down, one still waited for, marks, a batch's
//! confirmation and its results; sorting and the group filter.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use imgreaper::core::disk::DiskUse;
use imgreaper::core::model::Mode;
use imgreaper::core::summary::Summary;
use imgreaper::fleet::error::{Failure, NodeError};
use imgreaper::fleet::inventory::Node;
use imgreaper::fleet::rpc::protocol::{EngineHello, Hello, SummaryAnswer};
use imgreaper::node::removal::Target;
use imgreaper::tui::fleet::nodes::{Do, Nodes};
use imgreaper::tui::fleet::view;
use imgreaper::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const NOW: i64 = 1_800_000_000;

fn node(name: &str, groups: &[&str]) -> Node {
    Node {
        name: name.into(),
        address: name.into(),
        port: None,
        user: None,
        become_user: None,
        program: "imgreaper".into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
    }
}

fn answer(
    images: usize,
    due: usize,
    next: Option<i64>,
    reclaimable: u64,
    freed: u64,
) -> (Hello, SummaryAnswer) {
    (
        Hello {
            protocol: 1,
            version: "0.1.0".into(),
            node: "edge".into(),
            engine: EngineHello::Up {
                version: "27.5.1".into(),
            },
            mode: Some(Mode::Auto),
            capabilities: Vec::new(),
        },
        SummaryAnswer {
            summary: Summary {
                images,
                references: images + 2,
                due,
                awaiting_approval: 0,
                scheduled: due + 3,
                next_removal: next,
                reclaimable_bytes: reclaimable,
                mode: Mode::Auto,
                disk: Some(DiskUse {
                    used: 60,
                    total: 100,
                    size: 100,
                }),
                now: NOW,
            },
            freed_24h: freed,
            lease: None,
        },
    )
}

fn fleet(size: (u16, u16)) -> Nodes {
    let mut nodes = Nodes::new(
        vec![
            node("berlin-1", &["berlin", "prod"]),
            node("berlin-2", &["berlin", "prod"]),
            node("munich-1", &["munich", "prod"]),
            node("lab-7", &["lab"]),
        ],
        size,
    );
    nodes.now = NOW;
    nodes.polled(
        0,
        Ok(answer(42, 3, Some(NOW + 600), 1_200_000_000, 300_000_000)),
        NOW,
    );
    nodes.polled(1, Ok(answer(17, 0, Some(NOW + 7_200), 80_000_000, 0)), NOW);
    nodes.polled(
        2,
        Err(NodeError::new(
            Failure::HostKeyChanged,
            "the node's SSH host key is not the one known_hosts holds",
        )),
        NOW,
    );
    nodes
}

fn render(nodes: &Nodes) -> String {
    let mut terminal = Terminal::new(TestBackend::new(nodes.size.0, nodes.size.1)).unwrap();
    terminal
        .draw(|frame| view::draw(nodes, &Theme::dark(), frame))
        .unwrap();
    terminal.backend().to_string()
}

fn key(nodes: &mut Nodes, code: KeyCode) -> Do {
    nodes.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn target(reference: &str) -> Target {
    Target {
        reference: reference.into(),
        image_id: format!("sha256:{}", "a".repeat(64)),
        size: 1_000_000,
        why: None,
    }
}

#[test]
fn nodes_80x24() {
    insta::assert_snapshot!(render(&fleet((80, 24))));
}

#[test]
fn nodes_120x32() {
    insta::assert_snapshot!(render(&fleet((120, 32))));
}

#[test]
fn nodes_sorted_by_due_and_filtered_by_group() {
    let mut nodes = fleet((120, 32));
    for _ in 0..3 {
        key(&mut nodes, KeyCode::Char('s')); // name -> reachable -> images -> due
    }
    let order: Vec<&str> = nodes
        .shown
        .iter()
        .map(|&i| nodes.rows[i].node.name.as_str())
        .collect();
    assert_eq!(order, ["berlin-1", "berlin-2", "lab-7", "munich-1"]);
    key(&mut nodes, KeyCode::Char('f')); // the first group: berlin
    assert_eq!(nodes.group.as_deref(), Some("berlin"));
    assert_eq!(nodes.shown.len(), 2);
    insta::assert_snapshot!(render(&nodes));
}

#[test]
fn a_batch_over_marks_on_two_nodes_asks_then_shows_each_result() {
    let mut nodes = fleet((100, 30));
    assert!(matches!(key(&mut nodes, KeyCode::Char('r')), Do::Redraw));
    assert!(nodes.confirm.is_none(), "nothing marked: no batch");
    nodes.rows[0].marked = vec![target("myorg/app:1"), target("myorg/app:2")];
    nodes.rows[1].marked = vec![target("myorg/app:1")];
    key(&mut nodes, KeyCode::Char('r'));
    insta::assert_snapshot!("batch_confirm", render(&nodes));
    let Do::Batch(_, work) = key(&mut nodes, KeyCode::Char('y')) else {
        panic!("y runs the batch");
    };
    assert_eq!(work.len(), 2);
    nodes.batch_done(
        0,
        true,
        "removed myorg/app:1 (freed 1.00MB); removed myorg/app:2".into(),
    );
    nodes.batch_done(
        1,
        false,
        "myorg/app:1: pinned; `imgreaper unpin myorg/*` first".into(),
    );
    insta::assert_snapshot!("batch_results", render(&nodes));
    assert!(nodes.rows[0].marked.is_empty());
    assert_eq!(
        nodes.rows[1].marked.len(),
        1,
        "a node that refused keeps its marks"
    );
}
