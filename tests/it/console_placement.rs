//! The console's Rules view says which saved policies are not placed on this node, and why.

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
        node: Default::default(),
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
        updates: Default::default(),
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
fn rules_view_says_which_policies_are_not_placed_and_why() {
    let mut app = console_with(vec![
        stored(
            "berlin",
            r#"{"constraints": ["site == berlin"],
                "image_policy": {"removal": [{"image_name": "myorg/*", "delete_after_minutes": 30}]}}"#,
        ),
        stored(
            "everywhere",
            r#"{"image_policy": {"removal": [{"image_name": "*", "delete_after_minutes": 30}]}}"#,
        ),
    ]);
    assert_eq!(
        app.rules.not_placed("berlin"),
        Some("not placed here: site == berlin is false (site is not set)")
    );
    assert_eq!(app.rules.not_placed("everywhere"), None);
    let screen = screen(&app);
    assert_eq!(screen.matches("not placed here").count(), 2, "{screen}");
    // The rules view lists it as not placed; the side pane (cursor on it) says why.
    assert!(screen.contains("site == berlin is false"), "{screen}");
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('G'),
        KeyModifiers::NONE,
    )));
    let screen = self::screen(&app);
    assert!(!screen.contains("site == berlin is false"), "{screen}");
}
