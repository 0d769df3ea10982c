//! What the console shows of retention (DESIGN.md §11), rendered with ratatui's TestBackend from
//! fabricated data: the `kept` state and the keep rule in the details, rows made due by disk
//! pressure with the disk as their reason, former names, and disk use against the marks in the
//! header.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use imgreaper::core::disk::{DiskReading, DiskUse};
use imgreaper::core::model::{Guards, Image, ImageRecord, Inventory, Mode, Overrides};
use imgreaper::core::plan::{RuleBook, SourcedKeep, SourcedRule};
use imgreaper::core::policy::DiskMarks;
use imgreaper::core::policy::Rule;
use imgreaper::core::settings::Settings;
use imgreaper::core::snapshot::Snapshot;
use imgreaper::node::engine::EngineInfo;
use imgreaper::tui::app::App;
use imgreaper::tui::msg::{Loaded, Msg};
use imgreaper::tui::theme::Theme;
use imgreaper::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::HashMap;

const NOW: i64 = 1_700_000_000;
const MB: u64 = 1_000_000;

fn image(id: &str, references: &[&str]) -> Image {
    Image {
        id: format!("sha256:{id:0<64}"),
        references: references.iter().map(|r| r.to_string()).collect(),
        repo_digests: Vec::new(),
        size: 100 * MB,
        created: NOW - 86_400,
        children: Vec::new(),
        containers: Vec::new(),
    }
}

/// base:1 kept; app:1 (least recently used) and app:2 candidates; a dangling image that was
/// app:0; the disk 90% full against marks 85/75.
fn snapshot() -> Snapshot {
    let inventory = Inventory {
        images: vec![
            image("a1", &["app:1"]),
            image("a2", &["app:2"]),
            image("b1", &["base:1"]),
            image("d0", &[]),
        ],
    };
    let records: HashMap<String, ImageRecord> = inventory
        .images
        .iter()
        .enumerate()
        .map(|(i, image)| {
            let last_used = match i {
                0 => NOW - 7200,
                3 => NOW - 3600,
                _ => NOW - 600,
            };
            (
                image.id.clone(),
                ImageRecord {
                    first_seen: NOW - 86_400,
                    last_used,
                    pulled_at: None,
                    agent_downloaded: false,
                },
            )
        })
        .collect();
    let rules = RuleBook::with_retention(
        vec![SourcedRule {
            policy: "edge".into(),
            index: 0,
            rule: Rule {
                image_name: "app:*".into(),
                delete_after_minutes: 100_000,
                agent_downloaded_only: false,
            },
        }],
        vec![SourcedKeep {
            policy: "edge".into(),
            index: 0,
            image_name: "base:*".into(),
            last: None,
        }],
        Some(DiskMarks {
            high_percent: 85,
            low_percent: 75,
        }),
    );
    let mut snapshot = Snapshot {
        inventory,
        records,
        former_names: HashMap::from([(format!("sha256:{:0<64}", "d0"), vec!["app:0".into()])]),
        disk: DiskReading::Known {
            path: "/var/lib/docker".into(),
            usage: DiskUse {
                used: 900 * MB,
                total: 1000 * MB,
                size: 1000 * MB,
            },
        },
        policies: Vec::new(),
        node: Default::default(),
        rules,
        overrides: Overrides::default(),
        settings: Settings {
            mode: Mode::Auto,
            ..Settings::default()
        },
        guards: Guards::none(),
        now: NOW,
        rows: Vec::new(),
    };
    snapshot.replan(NOW);
    snapshot
}

fn app() -> App {
    let mut app = App::new(false, Theme::dark(), (140, 30));
    app.update(Msg::Loaded(Box::new(Loaded {
        seq: 1,
        snapshot: snapshot(),
        engine: EngineInfo {
            version: "27.5.1".into(),
            root_dir: "/var/lib/docker".into(),
            node: "edge-7".into(),
            disk: Some(DiskUse {
                used: 900 * MB,
                total: 1000 * MB,
                size: 1000 * MB,
            }),
            disk_reading: Default::default(),
        },
        lease: None,
        audit: Vec::new(),
    })));
    app
}

fn press(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Opens the details of the reference the filter finds.
fn details(app: &mut App, filter: &str) -> String {
    press(app, KeyCode::Char('/'));
    for c in filter.chars() {
        press(app, KeyCode::Char(c));
    }
    press(app, KeyCode::Enter);
    press(app, KeyCode::Char('d'));
    render(app)
}

fn render(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    terminal.draw(|frame| view::draw(app, frame)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn the_images_view_shows_kept_and_disk_pressure_and_the_header_the_marks() {
    let screen = render(&app());
    assert!(screen.contains("(frees at 85% to 75%)"), "{screen}");
    let line = |name: &str| {
        screen
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no {name} in\n{screen}"))
            .to_string()
    };
    assert!(line("base:1").contains("kept"), "{screen}");
    // 900 MB of 1000: the two least recently used candidates (the old app:0 image and app:1)
    // bring it to 700 MB, at or below 75%.
    assert!(line("app:1").contains("due (disk ≥85%)"), "{screen}");
    assert!(line("app:2").contains("scheduled"), "{screen}");
}

#[test]
fn the_details_say_which_keep_rule_keeps_why_disk_pressure_chose_and_the_former_names() {
    let kept = details(&mut app(), "base:1");
    assert!(
        kept.contains("Kept by edge keep #1 base:*: never removed"),
        "{kept}"
    );
    let due = details(&mut app(), "app:1");
    assert!(
        due.contains("Due now to free disk space: disk 90% ≥ 85%, freeing down to 75%."),
        "{due}"
    );
    let former = details(&mut app(), "sha256:d0");
    assert!(former.contains("Formerly app:0"), "{former}");
}
