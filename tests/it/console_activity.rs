//! Issue 20: the Activity view has a cursor with details (why a removal happened, among the
//! rest), dates where the day differs, widths that follow the content, and names and results
//! cut with an ellipsis, never silently.

use crate::console;

use console::*;
use crossterm::event::KeyCode;
use imgreaper::node::store::{AuditEntry, NewAudit};

/// The fixture's log, with an entry from yesterday and long names and results.
fn log() -> Vec<AuditEntry> {
    let mut entries = audit();
    let yesterday = NewAudit::new(
        NOW - 86_400,
        "ops from 10.0.0.5",
        "untag",
        "localhost:5000/edge/ml-inference-cpu-optimized-build:1.2.3",
        "sha256:abc",
    )
    .result("ok: name removed, image kept (other names: localhost:5000/edge/ml-inference-cpu-optimized-build:latest)");
    entries.push(AuditEntry {
        id: 0,
        entry: yesterday,
    });
    entries
}

fn activity(width: u16, height: u16) -> imgreaper::tui::app::App {
    let mut app =
        imgreaper::tui::app::App::new(false, imgreaper::tui::theme::Theme::dark(), (width, height));
    app.update(loaded_with(1, snapshot(), log()));
    press(&mut app, KeyCode::Char('3'));
    app
}

#[test]
fn times_carry_their_day_and_columns_fit_their_content() {
    for (width, height) in [(80, 24), (120, 40)] {
        let app = activity(width, height);
        let lines = screen_lines(&app);
        let header = &lines[2];
        // TIME is as wide as its widest time, `Nov 13 22:13`, not 16 columns.
        assert!(header.starts_with("TIME          ACTION"), "{header}");
        let old = lines
            .iter()
            .find(|l| l.contains("untag"))
            .unwrap_or_else(|| panic!("{}", render(&app)));
        assert!(old.contains("Nov 13 22:13"), "{old}");
        assert!(old.contains("…"), "a cut shows its cut: {old}");
        assert!(old.contains(":1.2.3"), "the tag stays: {old}");
        insta::assert_snapshot!(format!("activity_{width}x{height}"), render(&app));
    }
}

#[test]
fn the_cursor_opens_details_that_say_why() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut app = activity(width, height);
        press(&mut app, KeyCode::Char('d'));
        let screen = render(&app);
        let joined: String = screen_lines(&app).concat();
        assert!(
            joined.contains("Why: edge-default rule 3 (busybox:*, 10m)"),
            "{screen}"
        );
        assert!(joined.contains("2023-11-14T22:11:40Z"), "{screen}");
        insta::assert_snapshot!(format!("activity_details_{width}x{height}"), screen);
        // The cursor moves; the details follow it.
        press(&mut app, KeyCode::Char('G'));
        let joined: String = screen_lines(&app).concat().replace(char::is_whitespace, "");
        assert!(
            joined
                .contains("othernames:localhost:5000/edge/ml-inference-cpu-optimized-build:latest"),
            "the result whole in the details: {}",
            render(&app)
        );
    }
}
