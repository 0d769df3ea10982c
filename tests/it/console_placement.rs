//! The console's Rules view warns, once per policy, that an NMP's placement fields are kept for
//! publishing but not evaluated on this node (the same warning as `policy check`).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use imgreaper::core::model::{Guards, Inventory, Overrides};
use imgreaper::core::plan::RuleBook;
use imgreaper::core::policy::parse;
use imgreaper::core::saved::StoredPolicy;
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

fn stored(name: &str, text: &str) -> StoredPolicy {
    StoredPolicy {
        name: name.into(),
        document: parse(text).expect("valid policy").document,
        saved_at: NOW,
        version: 1,
    }
}

fn console_with(policies: Vec<StoredPolicy>) -> App {
    let mut snapshot = Snapshot {
        inventory: Inventory::default(),
        records: HashMap::new(),
        former_names: HashMap::new(),
        disk: Default::default(),
        policies,
        rules: RuleBook::empty(),
        overrides: Overrides::default(),
        settings: Settings::default(),
        guards: Guards::none(),
        now: NOW,
        rows: Vec::new(),
    };
    snapshot.replan(NOW);
    let mut app = App::new(false, Theme::dark(), (100, 30));
    app.update(Msg::Loaded(Box::new(Loaded {
        seq: 1,
        snapshot,
        engine: EngineInfo::default(),
        lease: None,
        audit: Vec::new(),
    })));
    app.update(Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
    app
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    terminal.draw(|frame| view::draw(app, frame)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn rules_view_warns_once_about_constraints_and_patterns() {
    let app = console_with(vec![stored(
        "sensors",
        r#"{"constraints": ["purpose == sensors"], "patterns": ["e2edev@somecomp.com/sns"],
            "image_policy": {"removal": [{"image_name": "myorg/*", "delete_after_minutes": 30}]}}"#,
    )]);
    let warnings = &app.rules.problems.1;
    let placement: Vec<&String> = warnings
        .iter()
        .filter(|w| w.contains("not evaluated on this node"))
        .collect();
    assert_eq!(placement.len(), 1, "{warnings:?}");
    assert!(
        placement[0].starts_with("constraints: "),
        "{}",
        placement[0]
    );
    let screen = screen(&app);
    assert_eq!(
        screen.matches("warning: constraints:").count(),
        1,
        "{screen}"
    );
}

#[test]
fn rules_view_says_nothing_of_placement_for_a_bare_policy() {
    let app = console_with(vec![stored(
        "plain",
        r#"{"image_policy": {"removal": [{"image_name": "myorg/*", "delete_after_minutes": 30}]}}"#,
    )]);
    assert!(app.rules.problems.1.is_empty(), "{:?}", app.rules.problems);
}
