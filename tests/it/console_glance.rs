//! Issue 20, friction in the Images view: help and quit always in the footer, what goes next on
//! top (sorted by removal, the choice remembered, `s` only through columns on screen), the
//! dialog's `c` copies and stays, columns that never run into each other, keys that belong to
//! another view say so, and ^U/^W in every text field.

use crate::console;

use console::*;
use crossterm::event::KeyCode;
use imgreaper::core::model::Mode;
use imgreaper::tui::app::images::SortColumn;
use imgreaper::tui::app::modal::Modal;
use imgreaper::tui::msg::Msg;
use imgreaper::tui::prefs::Prefs;

fn footer(app: &imgreaper::tui::app::App) -> String {
    screen_lines(app).last().cloned().unwrap_or_default()
}

#[test]
fn the_footer_always_offers_help_and_quit() {
    for width in [80, 100, 120, 160] {
        let mut app = app(width, 24, false);
        for view in ['1', '2', '3'] {
            press(&mut app, KeyCode::Char(view));
            let footer = footer(&app);
            assert!(
                footer.contains("? help") && footer.contains("q quit"),
                "{width} columns, view {view}: {footer}"
            );
        }
    }
}

#[test]
fn what_goes_next_is_on_top() {
    for (width, height) in [(80, 24), (120, 40)] {
        let app = app(width, height, false);
        let lines = screen_lines(&app);
        assert!(lines[2].contains("REMOVAL IN ↑"), "{}", lines[2]);
        assert!(
            lines[3].contains("busybox:old"),
            "due now comes first:\n{}",
            render(&app)
        );
        insta::assert_snapshot!(format!("images_by_removal_{width}x{height}"), render(&app));
    }
}

#[test]
fn s_cycles_only_through_the_columns_on_screen() {
    let seen = |width| {
        let mut app = app(width, 24, false);
        let mut seen = Vec::new();
        for _ in 0..12 {
            press(&mut app, KeyCode::Char('s'));
            seen.push(app.images.sort);
        }
        seen
    };
    let narrow = seen(80);
    assert!(!narrow.contains(&SortColumn::LastUsed), "{narrow:?}");
    assert!(narrow.contains(&SortColumn::Reference), "{narrow:?}");
    let wide = seen(160);
    assert!(wide.contains(&SortColumn::LastUsed), "{wide:?}");
}

#[test]
fn the_sort_choice_is_remembered() {
    let mut app = app(120, 30, false);
    let effects = press(&mut app, KeyCode::Char('s'));
    let saved = effects.prefs.expect("the choice is handed out to be saved");
    assert_eq!(saved.sort, app.images.sort);
    let effects = press(&mut app, KeyCode::Char('S'));
    assert_eq!(effects.prefs.map(|p| p.reverse), Some(true));

    // A new console starts with it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("console.toml");
    let prefs = Prefs {
        sort: SortColumn::Size,
        reverse: true,
    };
    imgreaper::tui::prefs::save_to(&file, &prefs).unwrap();
    assert_eq!(
        imgreaper::tui::prefs::load_from(&file).unwrap(),
        Some(prefs)
    );
    let mut fresh =
        imgreaper::tui::app::App::new(false, imgreaper::tui::theme::Theme::dark(), (120, 30));
    fresh.apply_prefs(prefs);
    fresh.update(loaded(1));
    assert!(render(&fresh).contains("SIZE ↓"), "{}", render(&fresh));
    // A damaged file is reported, not taken as a choice.
    std::fs::write(&file, "sort = [").unwrap();
    let error = imgreaper::tui::prefs::load_from(&file).unwrap_err();
    assert!(format!("{error:#}").contains("console.toml"), "{error:#}");
}

#[test]
fn c_in_the_remove_dialog_copies_and_stays() {
    let mut app = app(80, 24, false);
    select(&mut app, "busybox:old");
    press(&mut app, KeyCode::Char('r'));
    let effects = press(&mut app, KeyCode::Char('c'));
    assert_eq!(effects.clipboard.as_deref(), Some("docker rmi busybox:old"));
    assert!(
        matches!(app.modal, Some(Modal::Confirm(_))),
        "{:?}",
        app.modal
    );
    let screen = render(&app);
    assert!(screen.contains("copied"), "{screen}");
    assert!(screen.contains("[ Cancel ]"), "{screen}");
}

#[test]
fn columns_never_run_into_each_other() {
    let mut app = app(160, 40, false);
    app.update(loaded_with(
        2,
        snapshot_of(images(), policies(), overrides(), Mode::Approve),
        audit(),
    ));
    let screen = render(&app);
    let row = screen
        .lines()
        .find(|l| l.contains("busybox:old"))
        .unwrap()
        .to_string();
    assert!(row.contains("awaiting approval  "), "{row}");
    let postponed = screen
        .lines()
        .find(|l| l.contains("myorg/app:0.9"))
        .unwrap()
        .to_string();
    assert!(postponed.contains("myorg/app:* 2h  "), "{postponed}");
    insta::assert_snapshot!("images_approve_160x40", screen);
}

#[test]
fn a_key_of_another_view_says_where_it_works() {
    let mut app = app(80, 24, false);
    press(&mut app, KeyCode::Char('w'));
    let status = screen_lines(&app)[22].clone();
    assert!(
        status.contains("w (save policy) works in the Rules view (2)"),
        "{status}"
    );
}

#[test]
fn ctrl_u_and_ctrl_w_edit_every_text_field() {
    let mut app = app(80, 24, false);
    press(&mut app, KeyCode::Char('/'));
    typed(&mut app, "myorg app");
    ctrl(&mut app, 'w');
    assert_eq!(app.images.filter, "myorg ");
    ctrl(&mut app, 'u');
    assert_eq!(app.images.filter, "");
    press(&mut app, KeyCode::Esc);
    select(&mut app, "nginx:1.25");
    press(&mut app, KeyCode::Char('p'));
    ctrl(&mut app, 'u');
    typed(&mut app, "2h");
    let Some(Modal::Prompt(prompt)) = &app.modal else {
        panic!("no prompt")
    };
    assert_eq!(prompt.input, "2h");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('e'));
    ctrl(&mut app, 'w');
    let form = app.rules.form.as_ref().expect("the form is open");
    assert_eq!(form.pattern, "nginx:");
    ctrl(&mut app, 'u');
    assert_eq!(app.rules.form.as_ref().unwrap().pattern, "");
    let _ = Msg::Quit;
}

#[test]
fn a_nameless_row_shows_and_is_found_by_what_it_was() {
    let mut snapshot = snapshot();
    snapshot.former_names.insert(
        format!("sha256:{:0<64}", "h8"),
        vec!["myorg/ui:nightly".to_string()],
    );
    snapshot.replan(NOW);
    let mut app =
        imgreaper::tui::app::App::new(false, imgreaper::tui::theme::Theme::dark(), (120, 30));
    app.update(loaded_with(1, snapshot, audit()));
    let screen = render(&app);
    assert!(
        screen.contains("<none> h80000000000 formerly myorg/ui:nightly"),
        "{screen}"
    );
    for needle in ["<none>", "nightly"] {
        press(&mut app, KeyCode::Esc);
        select(&mut app, needle);
        let screen = render(&app);
        assert!(
            screen.contains("1 of 9 references") && screen.contains("formerly myorg/ui:nightly"),
            "/{needle}:\n{screen}"
        );
    }
}
