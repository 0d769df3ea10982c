//! Issue 20, blocker 2: at 80×24 the operator sees which rule applies. The details pane shows
//! the deciding rule near its top, and it scrolls (J/K, the mouse wheel over it) while j/k keep
//! moving the list.

use crate::console;

use console::*;
use crossterm::event::{KeyCode, KeyModifiers, MouseEvent, MouseEventKind};
use imgreaper::core::model::{Mode, Overrides};
use imgreaper::core::policy::PolicyDocument;
use imgreaper::core::saved::StoredPolicy;
use imgreaper::tui::app::App;
use imgreaper::tui::msg::Msg;

/// Long names (the list drops its RULE column at 80 columns) and several matching rules.
fn long_names(width: u16, height: u16) -> App {
    let policies = vec![StoredPolicy {
        name: "edge-default".into(),
        document: PolicyDocument::rules_only(vec![
            rule("localhost:5000/edge/*", 600, false),
            rule("*", 1440, false),
            rule("localhost:5000/*", 120, true),
            rule("localhost:5000/edge/ml-*", 300, false),
            rule(
                "localhost:5000/edge/ml-inference-cpu-optimized-build:*",
                45,
                false,
            ),
        ]),
        saved_at: NOW - 3_600,
        version: 1,
    }];
    let mut app = App::new(false, imgreaper::tui::theme::Theme::dark(), (width, height));
    app.update(loaded_with(
        1,
        snapshot_of(long_named(6), policies, Overrides::default(), Mode::Auto),
        audit(),
    ));
    app
}

const WINNER: &str = "rule 5: localhost:5000/edge/ml-inference-cpu-optimized-build:* after 45m";

#[test]
fn the_deciding_rule_is_in_sight_at_80x24_and_the_pane_scrolls() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut app = long_names(width, height);
        press(&mut app, KeyCode::Char('j'));
        press(&mut app, KeyCode::Char('d'));
        let screen = render(&app);
        let joined: String = screen_lines(&app).concat().replace(char::is_whitespace, "");
        assert!(
            joined.contains(&WINNER.replace(char::is_whitespace, "")),
            "{width}x{height}: the winning rule is not in sight:\n{screen}"
        );
        insta::assert_snapshot!(format!("details_{width}x{height}"), screen);
    }
    let mut app = long_names(80, 24);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('d'));
    let cursor = app.images.scroll.cursor;
    let before = render(&app);
    // Past the end it stops at the last line.
    for _ in 0..20 {
        press(&mut app, KeyCode::Char('J'));
    }
    let after = render(&app);
    assert_ne!(before, after, "J did not scroll the details");
    assert_eq!(app.images.scroll.cursor, cursor, "J moved the list");
    assert!(after.contains("Image ID"), "{after}");
    insta::assert_snapshot!("details_80x24_scrolled", after);
    assert!(after.contains("above: J/K scroll"), "{after}");
    for _ in 0..20 {
        press(&mut app, KeyCode::Char('K'));
    }
    assert_eq!(render(&app), before, "K did not scroll back");
    // The mouse wheel over the pane scrolls it too; over the list it moves the list.
    let wheel = |row| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollDown,
            column: 10,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    app.update(wheel(20));
    assert_eq!(app.images.scroll.cursor, cursor);
    assert_ne!(
        render(&app),
        before,
        "the wheel over the details did not scroll them"
    );
    // Another row starts at the top of its details.
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(render(&app), before);
}
