//! Snapshot tests of every console view with ratatui's TestBackend, from fabricated data and a
//! fixed clock (no engine), plus unit tests of `App::update`.

use crate::console;

use console::*;
use crossterm::event::KeyCode;
use imgreaper::tui::app::App;
use imgreaper::tui::app::modal::Modal;
use imgreaper::tui::keys::View;
use imgreaper::tui::msg::{Command, Msg};
use imgreaper::tui::theme::Theme;

// ---------------------------------------------------------------- snapshots

#[test]
fn images_80x24() {
    insta::assert_snapshot!(render(&app(80, 24, false)));
}

#[test]
fn images_160x40() {
    insta::assert_snapshot!(render(&app(160, 40, false)));
}

#[test]
fn images_details_pane() {
    let mut app = app(100, 30, false);
    select(&mut app, "nginx:1.25");
    press(&mut app, KeyCode::Char('d'));
    insta::assert_snapshot!(render(&app));
}

#[test]
fn images_read_only_footer() {
    insta::assert_snapshot!(render(&app(80, 24, true)));
}

#[test]
fn images_during_outage_keeps_data() {
    let mut app = app(80, 24, false);
    app.update(Msg::Outage {
        seq: 2,
        error: "cannot reach the Docker engine at unix:///var/run/docker.sock".into(),
    });
    insta::assert_snapshot!(render(&app));
}

#[test]
fn confirm_remove_dialog() {
    let mut app = app(80, 24, false);
    select(&mut app, "busybox:old");
    press(&mut app, KeyCode::Char('r'));
    insta::assert_snapshot!(render(&app));
}

#[test]
fn confirm_counts_marks_hidden_by_filter() {
    let mut app = app(100, 30, false);
    select(&mut app, "nginx:1.25");
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Esc); // clear the filter
    select(&mut app, "nginx:latest");
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Esc);
    select(&mut app, "busybox");
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char('r'));
    let screen = render(&app);
    assert!(screen.contains("Remove 3 references?"), "{screen}");
    assert!(
        screen.contains("2 of them marked but hidden by the filter"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn confirm_in_use_lists_containers() {
    let mut app = app(80, 24, false);
    select(&mut app, "myorg/app:1.0");
    press(&mut app, KeyCode::Char('r'));
    let screen = render(&app);
    assert!(
        screen.contains("in use by web (running), web-old (exited)"),
        "{screen}"
    );
    assert!(!screen.contains("[ Remove ]"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn help_screen() {
    let mut app = app(80, 24, false);
    press(&mut app, KeyCode::Char('?'));
    insta::assert_snapshot!(render(&app));
}

#[test]
fn help_screen_read_only() {
    let mut app = app(80, 24, true);
    press(&mut app, KeyCode::Char('?'));
    let screen = render(&app);
    for destructive in ["remove now", "approve removal", "postpone", "save policy"] {
        assert!(
            !screen.contains(destructive),
            "{destructive} offered read-only:\n{screen}"
        );
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn rules_view_with_preview() {
    let mut app = app(100, 30, false);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('j')); // first rule: nginx:*
    insta::assert_snapshot!(render(&app));
}

#[test]
fn rules_form_preview_while_typing() {
    let mut app = app(100, 30, false);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('e'));
    for _ in 0.."nginx:*".len() {
        press(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "*:*");
    let screen = render(&app);
    assert!(
        screen.contains("Pattern *:* matches 8 local references"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn rules_form_shows_validation_errors() {
    let mut app = app(100, 30, false);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('n'));
    typed(&mut app, "image1");
    let screen = render(&app);
    assert!(screen.contains("error: image_name:"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn activity_view() {
    let mut app = app(80, 24, false);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    insta::assert_snapshot!(render(&app));
}

#[test]
fn activity_view_wide() {
    let mut app = app(160, 40, false);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    insta::assert_snapshot!(render(&app));
}

#[test]
fn header_counts() {
    let mut app = app(120, 8, false);
    app.update(loaded_with(
        2,
        snapshot_of(
            images(),
            policies(),
            overrides(),
            imgreaper::core::model::Mode::Approve,
        ),
        audit(),
    ));
    insta::assert_snapshot!(render(&app));
}

#[test]
fn mono_theme_renders() {
    let mut app = App::new(false, Theme::mono(), (80, 24));
    app.update(loaded(1));
    let screen = render(&app);
    assert!(screen.contains("nginx:1.25"));
}

// ---------------------------------------------------------------- App::update

#[test]
fn filter_narrows_the_list_and_esc_clears_it() {
    let mut app = app(80, 24, false);
    assert_eq!(app.images.index.len(), 9);
    press(&mut app, KeyCode::Char('/'));
    typed(&mut app, "myorg");
    assert_eq!(shown(&app), ["myorg/app:0.9", "myorg/app:1.0"]);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.images.index.len(), 9);
}

#[test]
fn sort_cycles_columns_and_reverses() {
    let mut app = app(80, 24, false);
    // From the default (by removal), s goes round the columns on screen to SIZE.
    while app.images.sort != imgreaper::tui::app::images::SortColumn::Size {
        press(&mut app, KeyCode::Char('s'));
    }
    let sizes: Vec<u64> = {
        let s = app.snapshot.as_ref().unwrap();
        app.images
            .index
            .iter()
            .map(|&i| s.inventory.images[s.rows[i].image].size)
            .collect()
    };
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "{sizes:?}");
    press(&mut app, KeyCode::Char('S'));
    assert_eq!(shown(&app)[0], "myorg/app:1.0"); // the biggest first
}

#[test]
fn marks_are_counted_across_the_filter() {
    let mut app = app(80, 24, false);
    select(&mut app, "redis");
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Esc);
    select(&mut app, "alpine");
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(app.images.marks.len(), 2);
    assert_eq!(app.images.hidden_marks(app.snapshot.as_ref().unwrap()), 1);
}

#[test]
fn read_only_hides_destructive_actions() {
    let mut app = app(80, 24, true);
    select(&mut app, "busybox:old");
    for key in ['r', 'a', 'p', 'P'] {
        let effects = press(&mut app, KeyCode::Char(key));
        assert!(effects.commands.is_empty());
        assert!(app.modal.is_none(), "{key} opened something read-only");
    }
    let footer = render(&app);
    assert!(!footer.contains("remove now"));
}

#[test]
fn confirm_focuses_cancel_and_confirms_only_on_purpose() {
    let mut app = app(80, 24, false);
    select(&mut app, "busybox:old");
    press(&mut app, KeyCode::Char('r'));
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        effects.commands.is_empty() && app.modal.is_none(),
        "enter on Cancel removed something"
    );
    press(&mut app, KeyCode::Char('r'));
    press(&mut app, KeyCode::Tab);
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(&effects.commands[..], [Command::Remove(t)] if t[0].reference == "busybox:old")
    );
    assert!(app.removing.contains("busybox:old"));
}

#[test]
fn in_use_dialog_offers_no_confirm() {
    let mut app = app(80, 24, false);
    select(&mut app, "myorg/app:1.0");
    press(&mut app, KeyCode::Char('r'));
    press(&mut app, KeyCode::Tab);
    let effects = press(&mut app, KeyCode::Enter);
    assert!(effects.commands.is_empty());
}

#[test]
fn postpone_prompts_with_a_default_and_rejects_bad_input() {
    let mut app = app(80, 24, false);
    select(&mut app, "busybox:old");
    press(&mut app, KeyCode::Char('p'));
    for _ in 0..2 {
        press(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "soon");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(effects.commands.is_empty());
    let Some(Modal::Prompt(prompt)) = &app.modal else {
        panic!("prompt closed")
    };
    assert!(
        prompt
            .error
            .as_deref()
            .unwrap()
            .contains("cannot read \"soon\" as a duration")
    );
    for _ in 0..4 {
        press(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "2h");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(
        &effects.commands[..],
        [Command::Postpone { seconds: 7200, .. }]
    ));
}

#[test]
fn idle_ticks_request_no_redraw() {
    let mut app = app(80, 24, false);
    // Activity view: no countdown on screen, nothing to do.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.view, View::Activity);
    assert!(!app.countdown_visible());
    assert!(!app.update(Msg::Tick(NOW + 1)).redraw);
    // Images view: a countdown in seconds is visible and changes every second.
    press(&mut app, KeyCode::Tab);
    assert!(app.countdown_visible());
    assert!(app.update(Msg::Tick(NOW + 2)).redraw);
    // Only rows without a deadline on screen: no redraw.
    select(&mut app, "alpine");
    assert!(!app.countdown_visible());
    assert!(!app.update(Msg::Tick(NOW + 3)).redraw);
}

#[test]
fn stale_loads_are_dropped() {
    let mut app = app(80, 24, false);
    app.update(loaded(5));
    assert!(!app.update(loaded(3)).redraw);
}

#[test]
fn editing_a_pattern_updates_the_preview_before_saving() {
    let mut app = app(100, 30, false);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('e'));
    let count = |app: &App| {
        app.rules
            .preview
            .as_ref()
            .unwrap()
            .pattern
            .as_ref()
            .unwrap()
            .count
    };
    assert_eq!(count(&app), 2);
    for _ in 0.."nginx:*".len() {
        press(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "*");
    assert_eq!(count(&app), 9);
    press(&mut app, KeyCode::Enter);
    let effects = press(&mut app, KeyCode::Char('w'));
    assert!(
        matches!(&effects.commands[..], [Command::SavePolicy { name, document, .. }]
        if name == "edge-default" && document.rules[0].image_name == "*")
    );
}
