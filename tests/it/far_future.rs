//! Times far in the future never crash anything (DESIGN.md §12): durations past 100 years are
//! refused with a clear error, and a deadline past year 9999 (a rule stored by an older build)
//! is shown, not fatal, in every output.

use crate::support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use imgreaper::core::model::{Guards, Image, ImageRecord, Inventory, Mode, Overrides};
use imgreaper::core::plan::{RuleBook, SourcedRule};
use imgreaper::core::policy::Rule;
use imgreaper::core::settings::Settings;
use imgreaper::core::snapshot::Snapshot;
use imgreaper::node::engine::EngineInfo;
use imgreaper::node::store::Store;
use imgreaper::tui::app::App;
use imgreaper::tui::msg::{Loaded, Msg};
use imgreaper::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::HashMap;
use support::Sandbox;
use support::images::import;

/// About 9,500 years: the value the tester stored.
const HUGE_MINUTES: u64 = 5_000_000_000;

#[test]
fn a_rule_longer_than_a_century_is_refused_with_its_path() {
    let sandbox = Sandbox::new("century");
    let file = sandbox.write(
        "far.json",
        &format!(
            r#"{{"image_policy": {{"removal": [{{"image_name": "a:*", "delete_after_minutes": {HUGE_MINUTES}}}]}}}}"#
        ),
    );
    for command in ["check", "apply"] {
        let output = sandbox.imgreaper(&["policy", command, file.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("image_policy.removal[0].delete_after_minutes"),
            "{stderr}"
        );
        assert!(stderr.contains("100 years"), "{stderr}");
    }
}

#[test]
fn a_postponement_longer_than_a_century_is_refused_and_nothing_is_stored() {
    let sandbox = Sandbox::new("postpone-far");
    let name = sandbox.repo("app:1");
    import(&name);
    let output = sandbox.imgreaper(&["postpone", &name, "--for", "20000y"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("100 years"), "{stderr}");
    let store = Store::open(&sandbox.db()).unwrap();
    assert!(store.overrides().unwrap().postponements.is_empty());
    assert!(store.audit_log(10).unwrap().is_empty());
}

#[test]
fn a_deadline_past_year_9999_from_an_older_database_is_shown_everywhere() {
    let sandbox = Sandbox::new("year-10000");
    let name = sandbox.repo("app:1");
    import(&name);
    let file = sandbox.write(
        "p.json",
        &format!(
            r#"{{"image_policy": {{"removal": [{{"image_name": "{}/*", "delete_after_minutes": 60, "agent_downloaded_only": false}}]}}}}"#,
            sandbox.prefix
        ),
    );
    sandbox.ok(&["policy", "apply", file.to_str().unwrap()]);
    // An older build accepted any u64: put such a rule in the database as it would have.
    let conn = rusqlite::Connection::open(sandbox.db()).unwrap();
    conn.execute(
        "UPDATE rules SET delete_after_minutes = ?1",
        [HUGE_MINUTES as i64],
    )
    .unwrap();
    drop(conn);
    let rows = sandbox.images_json();
    let deadline = rows[0]["deadline"].as_str().unwrap().to_string();
    assert!(deadline.starts_with('+'), "{deadline}");
    sandbox.ok(&["images"]);
    sandbox.ok(&["policy", "preview", "--json", file.to_str().unwrap()]);
}

#[test]
fn the_console_details_pane_shows_a_deadline_past_year_9999() {
    let image = Image {
        id: format!("sha256:{:0<64}", "f"),
        references: vec!["far:1".into()],
        repo_digests: vec![],
        size: 1,
        created: 0,
        children: Vec::new(),
        containers: vec![],
    };
    let now = 1_800_000_000;
    let mut snapshot = Snapshot {
        records: HashMap::from([(
            image.id.clone(),
            ImageRecord {
                first_seen: now,
                last_used: now,
                pulled_at: None,
                agent_downloaded: false,
            },
        )]),
        inventory: Inventory {
            podman: false,
            images: vec![image],
        },
        former_names: HashMap::new(),
        disk: Default::default(),
        policies: vec![],
        node: Default::default(),
        rules: RuleBook::new(vec![SourcedRule {
            policy: "old".into(),
            index: 0,
            rule: Rule {
                image_name: "*".into(),
                delete_after_minutes: HUGE_MINUTES,
                agent_downloaded_only: false,
            },
        }]),
        overrides: Overrides::default(),
        settings: Settings {
            mode: Mode::Auto,
            ..Settings::default()
        },
        guards: Guards::none(),
        now,
        rows: vec![],
    };
    snapshot.replan(now);
    let mut app = App::new(false, Theme::dark(), (80, 24));
    app.update(Msg::Loaded(Box::new(Loaded {
        seq: 1,
        snapshot,
        engine: EngineInfo::default(),
        lease: None,
        audit: vec![],
        updates: Default::default(),
    })));
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('d'),
        KeyModifiers::NONE,
    )));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|frame| imgreaper::tui::view::draw(&app, frame))
        .unwrap();
    let screen = terminal.backend().to_string();
    assert!(screen.contains("far:1"), "{screen}");
}
