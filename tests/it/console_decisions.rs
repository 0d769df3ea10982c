//! Issue 20: decisions that change what gets removed are never silent. Unpinning asks first and
//! says when the removal then goes (at once, for a rollback version long past its deadline), and
//! the enforcer's mode is changed from the console (M) after a question naming the new mode and
//! what it does.

use crate::console;

use console::*;
use crossterm::event::KeyCode;
use imgreaper::core::model::{Mode, Overrides};
use imgreaper::tui::app::modal::Modal;
use imgreaper::tui::msg::Command;

/// busybox:old (due) pinned for a rollback, besides redis:7 (no rule).
fn with_rollback_pin() -> imgreaper::tui::app::App {
    let mut overrides = overrides();
    overrides.pins.insert("busybox:old".into());
    let mut app =
        imgreaper::tui::app::App::new(false, imgreaper::tui::theme::Theme::dark(), (80, 24));
    app.update(loaded_with(
        1,
        snapshot_of(images(), policies(), overrides, Mode::Auto),
        audit(),
    ));
    app
}

#[test]
fn unpinning_asks_and_says_when_the_removal_then_goes() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut app = with_rollback_pin();
        app.update(imgreaper::tui::msg::Msg::Resize(width, height));
        select(&mut app, "busybox:old");
        let effects = press(&mut app, KeyCode::Char('P'));
        assert!(effects.commands.is_empty(), "unpinned without asking");
        let screen = render(&app);
        assert!(screen.contains("Unpin busybox:old?"), "{screen}");
        assert!(screen.contains("removes it at once"), "{screen}");
        insta::assert_snapshot!(format!("unpin_rollback_{width}x{height}"), screen);
        let effects = press(&mut app, KeyCode::Char('y'));
        assert!(
            matches!(&effects.commands[..], [Command::Pin { pin: false, targets }] if targets[0].reference == "busybox:old"),
            "{:?}",
            effects.commands
        );
    }
    // One with no rule: nothing planned once unpinned.
    let mut app = with_rollback_pin();
    select(&mut app, "redis:7");
    press(&mut app, KeyCode::Char('P'));
    assert!(render(&app).contains("no rule applies"), "{}", render(&app));
    // Pinning needs no question.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    select(&mut app, "nginx:1.25");
    let effects = press(&mut app, KeyCode::Char('P'));
    assert!(matches!(
        &effects.commands[..],
        [Command::Pin { pin: true, .. }]
    ));
}

#[test]
fn a_pin_by_pattern_is_not_undone_by_name() {
    let mut overrides = Overrides::default();
    overrides.pins.insert("nginx:*".into());
    let mut app =
        imgreaper::tui::app::App::new(false, imgreaper::tui::theme::Theme::dark(), (100, 24));
    app.update(loaded_with(
        1,
        snapshot_of(images(), policies(), overrides, Mode::Auto),
        audit(),
    ));
    select(&mut app, "nginx:1.25");
    let effects = press(&mut app, KeyCode::Char('P'));
    assert!(effects.commands.is_empty());
    let screen = render(&app);
    assert!(
        screen.contains("pinned by the pattern nginx:*") && screen.contains("imgreaper unpin"),
        "{screen}"
    );
}

#[test]
fn the_mode_changes_from_the_console_after_a_question() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut app = app(width, height, false);
        press(&mut app, KeyCode::Char('M'));
        let screen = render(&app);
        assert!(screen.contains("Enforcer mode"), "{screen}");
        assert!(
            screen.contains("approve") && screen.contains("wait"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("mode_choice_{width}x{height}"), screen);
        // Cancel first: esc changes nothing.
        assert!(press(&mut app, KeyCode::Esc).commands.is_empty());
        press(&mut app, KeyCode::Char('M'));
        press(&mut app, KeyCode::Char('j'));
        let Some(Modal::Mode(choice)) = &app.modal else {
            panic!("{:?}", app.modal)
        };
        let chosen = choice.choice;
        let effects = press(&mut app, KeyCode::Enter);
        assert!(
            matches!(&effects.commands[..], [Command::SetMode(mode)] if *mode == chosen),
            "{:?}",
            effects.commands
        );
    }
    // Read-only: the key is off and says so.
    let mut app = app(80, 24, true);
    press(&mut app, KeyCode::Char('M'));
    assert!(app.modal.is_none());
    assert!(render(&app).contains("read-only"), "{}", render(&app));
}
