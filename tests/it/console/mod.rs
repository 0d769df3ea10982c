//! Fixtures shared by the console tests: fabricated engines, policies and audit logs with fixed
//! times (no engine), and helpers that press keys and render frames.
#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use imgreaper::core::model::{Container, Guards, Image, ImageRecord, Inventory, Mode, Overrides};
use imgreaper::core::plan::{RuleBook, SourcedRule};
use imgreaper::core::policy::{PolicyDocument, Rule};
use imgreaper::core::saved::StoredPolicy;
use imgreaper::core::settings::Settings;
use imgreaper::core::snapshot::Snapshot;
use imgreaper::node::engine::EngineInfo;
use imgreaper::node::store::{AuditEntry, Lease, NewAudit};
use imgreaper::tui::app::App;
use imgreaper::tui::msg::{Effects, Loaded, Msg};
use imgreaper::tui::theme::Theme;
use imgreaper::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::HashMap;

pub const NOW: i64 = 1_700_000_000;
pub const MB: u64 = 1_000_000;

pub fn image(id: &str, references: &[&str], size: u64, containers: &[(&str, &str)]) -> Image {
    Image {
        id: format!("sha256:{id:0<64}"),
        references: references.iter().map(|r| r.to_string()).collect(),
        repo_digests: Vec::new(),
        size,
        created: NOW - 86_400,
        children: Vec::new(),
        containers: containers
            .iter()
            .map(|(name, state)| Container {
                id: format!("{name}-id"),
                name: name.to_string(),
                state: state.to_string(),
            })
            .collect(),
    }
}

pub fn rule(image_name: &str, minutes: u64, agent_only: bool) -> Rule {
    Rule {
        image_name: image_name.into(),
        delete_after_minutes: minutes,
        agent_downloaded_only: agent_only,
    }
}

pub fn policies() -> Vec<StoredPolicy> {
    vec![StoredPolicy {
        name: "edge-default".into(),
        document: PolicyDocument::rules_only(vec![
            rule("nginx:*", 30, false),
            rule("myorg/app:*", 120, false),
            rule("busybox:*", 10, false),
            rule("tools/*", 5, true),
            rule("myorg/*", 600, false),
        ]),
        saved_at: NOW - 3_600,
    }]
}

/// An engine holding these images: records with fixed times (each image idle from a minute
/// apart), the policies' rules in order, and the overrides given.
pub fn snapshot_of(
    images: Vec<Image>,
    policies: Vec<StoredPolicy>,
    overrides: Overrides,
    mode: Mode,
) -> Snapshot {
    let inventory = Inventory { images };
    let mut records = HashMap::new();
    for (i, img) in inventory.images.iter().enumerate() {
        let idle = if img.in_use() {
            0
        } else {
            NOW - 600 - 60 * i as i64
        };
        records.insert(
            img.id.clone(),
            ImageRecord {
                first_seen: NOW - 86_400,
                last_used: idle,
                pulled_at: None,
                agent_downloaded: false,
            },
        );
    }
    let rules = RuleBook::new(
        policies
            .iter()
            .flat_map(|policy| {
                policy
                    .document
                    .rules
                    .iter()
                    .enumerate()
                    .map(|(index, r)| SourcedRule {
                        policy: policy.name.clone(),
                        index,
                        rule: r.clone(),
                    })
            })
            .collect(),
    );
    let mut snapshot = Snapshot {
        inventory,
        records,
        former_names: HashMap::new(),
        disk: Default::default(),
        policies,
        node: Default::default(),
        rules,
        overrides,
        settings: Settings {
            mode,
            ..Settings::default()
        },
        guards: Guards::none(),
        now: NOW,
        rows: Vec::new(),
    };
    snapshot.replan(NOW);
    snapshot
}

/// The images of the small engine below.
pub fn images() -> Vec<Image> {
    vec![
        image("a1", &["busybox:old"], 2 * MB, &[]),
        image("b2", &["myorg/app:0.9"], 80 * MB, &[]),
        image(
            "c3",
            &["myorg/app:1.0"],
            81 * MB,
            &[("web", "running"), ("web-old", "exited")],
        ),
        image("d4", &["nginx:1.25", "nginx:latest"], 45_300_000, &[]),
        image("e5", &["redis:7"], 30 * MB, &[]),
        image("f6", &["tools/debug:1"], 5 * MB, &[]),
        image("g7", &["alpine:3.19"], 7 * MB, &[]),
        image("h8", &[], 12 * MB, &[]),
    ]
}

pub fn overrides() -> Overrides {
    let mut overrides = Overrides::default();
    overrides.pins.insert("redis:7".into());
    overrides.postpone(
        "myorg/app:0.9",
        &format!("sha256:{:0<64}", "b2"),
        NOW + 86_400,
    );
    overrides
}

/// A small engine: every state the console shows, with fixed times.
pub fn snapshot() -> Snapshot {
    snapshot_of(images(), policies(), overrides(), Mode::Auto)
}

pub fn audit() -> Vec<AuditEntry> {
    let entry = |id: i64, action: &str, reference: &str, bytes: u64, result: &str| AuditEntry {
        id,
        entry: NewAudit {
            time: NOW - 100 * (5 - id),
            actor: if id % 2 == 0 {
                "enforcer".into()
            } else {
                "ops from 10.0.0.5".into()
            },
            action: action.into(),
            reference: reference.into(),
            image_id: String::new(),
            bytes_freed: bytes,
            result: result.into(),
        },
    };
    vec![
        entry(4, "remove", "busybox:older", 2 * MB, "ok: image deleted"),
        entry(
            3,
            "postpone",
            "myorg/app:0.9",
            0,
            "until 2023-11-15T22:13:20Z",
        ),
        entry(2, "refused", "myorg/app:1.0", 0, "in use by web (running)"),
        entry(
            1,
            "policy-apply",
            "policy:edge-default",
            0,
            "5 rule(s) from edge-default.json",
        ),
    ]
}

pub fn engine_info() -> EngineInfo {
    EngineInfo {
        version: "27.5.1".into(),
        root_dir: "/var/lib/docker".into(),
        node: "edge-7".into(),
        disk: Some(imgreaper::core::disk::DiskUse {
            used: 12_300_000_000,
            total: 50_000_000_000,
            size: 50_000_000_000,
        }),
        disk_reading: Default::default(),
    }
}

pub fn service_lease() -> Lease {
    Lease {
        holder: "service pid 42 on edge-7".into(),
        kind: "service".into(),
        mode: Mode::Auto,
        heartbeat: NOW,
        expires: NOW + 30,
        view: None,
    }
}

/// A load of the small engine.
pub fn loaded(seq: u64) -> Msg {
    loaded_with(seq, snapshot(), audit())
}

pub fn loaded_with(seq: u64, snapshot: Snapshot, audit: Vec<AuditEntry>) -> Msg {
    Msg::Loaded(Box::new(Loaded {
        seq,
        snapshot,
        engine: engine_info(),
        lease: Some(service_lease()),
        audit,
    }))
}

pub fn app(width: u16, height: u16, read_only: bool) -> App {
    let mut app = App::new(read_only, Theme::dark(), (width, height));
    app.update(loaded(1));
    app
}

pub fn press(app: &mut App, code: KeyCode) -> Effects {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn ctrl(app: &mut App, c: char) -> Effects {
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

pub fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// Puts the cursor on the reference by filtering for it.
pub fn select(app: &mut App, reference: &str) {
    press(app, KeyCode::Char('/'));
    typed(app, reference);
    press(app, KeyCode::Enter);
}

pub fn render(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    terminal.draw(|frame| view::draw(app, frame)).unwrap();
    terminal.backend().to_string()
}

/// The screen as lines of text.
pub fn screen_lines(app: &App) -> Vec<String> {
    render(app)
        .lines()
        .map(|l| l.trim_matches('"').to_string())
        .collect()
}

/// The text inside the dialog box (between its side borders), line by line.
pub fn dialog_text(app: &App) -> Vec<String> {
    screen_lines(app)
        .into_iter()
        .filter_map(|line| {
            let start = line.find('│')?;
            let end = line.rfind('│')?;
            (end > start).then(|| line[start + '│'.len_utf8()..end].trim().to_string())
        })
        .collect()
}

/// Images with long names of one repository, versions `1.2.0`… (no containers).
pub fn long_named(count: usize) -> Vec<Image> {
    (0..count)
        .map(|i| {
            image(
                &format!("e{i}"),
                &[&format!(
                    "localhost:5000/edge/ml-inference-cpu-optimized-build:1.2.{i}"
                )],
                (10 + i as u64) * MB,
                &[],
            )
        })
        .collect()
}

/// A policy that makes every image due at once.
pub fn everything_due() -> Vec<StoredPolicy> {
    vec![StoredPolicy {
        name: "all".into(),
        document: PolicyDocument::rules_only(vec![rule("*", 1, false)]),
        saved_at: NOW - 3_600,
    }]
}
