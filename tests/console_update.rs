//! `App::update` against the bugs an operator met (issue 10): each test replays what they did,
//! with fabricated data and a fixed clock, and checks what they should have seen.

mod console;

use console::*;
use crossterm::event::KeyCode;
use imgreaper::model::Mode;
use imgreaper::tui::app::App;
use imgreaper::tui::msg::{ActionResult, Command, Msg};

/// The cursor and every mark name a row that exists.
fn assert_consistent(app: &App) {
    let snapshot = app.snapshot.as_ref().expect("loaded");
    let list = &app.images;
    assert!(
        list.index.iter().all(|&i| i < snapshot.rows.len()),
        "the index points past the rows"
    );
    assert!(
        list.scroll.cursor < list.index.len().max(1),
        "cursor {} of {} rows",
        list.scroll.cursor,
        list.index.len()
    );
    let names: Vec<String> = snapshot
        .rows
        .iter()
        .map(|r| r.key(&snapshot.inventory))
        .collect();
    for mark in &list.marks {
        assert!(names.contains(mark), "mark {mark} names no row");
    }
}

fn fewer_images(keep: usize) -> Msg {
    let mut images = images();
    images.truncate(keep);
    loaded_with(
        2,
        snapshot_of(images, policies(), overrides(), Mode::Auto),
        audit(),
    )
}

// ------------------------------------------------------------- bug 1: a shorter list

#[test]
fn a_removal_elsewhere_with_the_cursor_at_the_bottom_does_not_crash() {
    let mut app = app(80, 24, false);
    press(&mut app, KeyCode::Char('G'));
    app.update(fewer_images(3));
    assert_consistent(&app);
    render(&app);
}

#[test]
fn the_enforcer_removing_rows_while_nobody_types_does_not_crash() {
    let mut app = app(80, 24, false);
    press(&mut app, KeyCode::Char('G'));
    press(&mut app, KeyCode::Char('d')); // details pane open on the last row
    for keep in (0..8).rev() {
        app.update(loaded_with(
            10 - keep as u64,
            {
                let mut images = images();
                images.truncate(keep);
                snapshot_of(images, policies(), overrides(), Mode::Auto)
            },
            audit(),
        ));
        assert_consistent(&app);
        render(&app);
    }
}

#[test]
fn removing_a_dangling_image_through_the_dialog_does_not_crash() {
    let mut app = app(80, 24, false);
    select(&mut app, "sha256:h8"); // the last row of the engine's list
    press(&mut app, KeyCode::Char('r'));
    press(&mut app, KeyCode::Tab);
    let effects = press(&mut app, KeyCode::Enter);
    let [Command::Remove(targets)] = &effects.commands[..] else {
        panic!("no removal: {:?}", effects.commands)
    };
    assert!(targets[0].reference.starts_with("sha256:h8"));
    app.update(Msg::Done(ActionResult {
        ok: true,
        message: format!("removed {}", targets[0].reference),
        finished: vec![targets[0].reference.clone()],
        ..ActionResult::default()
    }));
    app.update(fewer_images(7)); // h8, the dangling image, is gone
    assert_consistent(&app);
    render(&app);
}

// ------------------------------------------------ found by the model test (console_model.rs)

fn with_policies(seq: u64, policies: Vec<imgreaper::store::StoredPolicy>) -> Msg {
    loaded_with(
        seq,
        snapshot_of(images(), policies, overrides(), Mode::Auto),
        audit(),
    )
}

#[test]
fn a_policy_deleted_elsewhere_while_its_rule_is_edited_closes_the_form() {
    let mut second = policies()[0].clone();
    second.name = "fleet".into();
    let mut two = policies();
    two.push(second);
    let mut app = app(100, 30, false);
    app.update(with_policies(2, two));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('G')); // the last rule of "fleet"
    press(&mut app, KeyCode::Char('e'));
    assert!(app.rules.form.is_some());
    app.update(with_policies(3, policies())); // "fleet" was deleted by another process
    assert!(
        app.rules.form.is_none(),
        "the form still edits a policy that is gone"
    );
    render(&app);
}
