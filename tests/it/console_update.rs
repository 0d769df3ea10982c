//! `App::update` against the bugs an operator met (issue 10): each test replays what they did,
//! with fabricated data and a fixed clock, and checks what they should have seen.

use crate::console;

use console::*;
use crossterm::event::KeyCode;
use imgreaper::core::model::Mode;
use imgreaper::tui::app::App;
use imgreaper::tui::app::modal::Modal;
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

fn with_policies(seq: u64, policies: Vec<imgreaper::core::saved::StoredPolicy>) -> Msg {
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

// ------------------------------------------------------ bug 4: q with unsaved rule edits

/// Edits the first rule's minutes in the Rules view, without saving.
fn edit_a_rule(app: &mut App) {
    press(app, KeyCode::Char('2'));
    press(app, KeyCode::Char('j'));
    press(app, KeyCode::Char('e'));
    press(app, KeyCode::Tab);
    press(app, KeyCode::Backspace);
    press(app, KeyCode::Backspace);
    typed(app, "45");
    press(app, KeyCode::Enter);
    assert!(app.rules.drafts[0].dirty());
}

#[test]
fn q_with_unsaved_rule_edits_asks_and_can_stay() {
    let mut app = app(100, 30, false);
    edit_a_rule(&mut app);
    let effects = press(&mut app, KeyCode::Char('q'));
    assert!(!effects.quit, "q quit and dropped the edit");
    assert!(matches!(app.modal, Some(Modal::Quit(_))));
    let screen = render(&app);
    assert!(
        screen.contains("Quit with unsaved edits in 1 policy?"),
        "{screen}"
    );
    assert!(screen.contains("edge-default"), "{screen}");
    let effects = press(&mut app, KeyCode::Esc);
    assert!(!effects.quit && app.modal.is_none());
    assert!(app.rules.drafts[0].dirty(), "staying kept the edit");
    // Ctrl-C asks too.
    let effects = ctrl(&mut app, 'c');
    assert!(!effects.quit && matches!(app.modal, Some(Modal::Quit(_))));
}

#[test]
fn q_then_d_discards_and_quits() {
    let mut app = app(100, 30, false);
    edit_a_rule(&mut app);
    press(&mut app, KeyCode::Char('q'));
    let effects = press(&mut app, KeyCode::Char('d'));
    assert!(effects.quit && effects.commands.is_empty());
}

#[test]
fn q_then_s_saves_and_quits_once_saved() {
    let mut app = app(100, 30, false);
    edit_a_rule(&mut app);
    press(&mut app, KeyCode::Char('q'));
    let effects = press(&mut app, KeyCode::Char('s'));
    assert!(!effects.quit, "quit before the save was done");
    let [Command::SavePolicy { name, document, .. }] = &effects.commands[..] else {
        panic!("{:?}", effects.commands)
    };
    assert_eq!(name, "edge-default");
    assert_eq!(document.rules[0].delete_after_minutes, 45);
    let effects = app.update(Msg::Done(ActionResult {
        ok: true,
        message: "saved policy edge-default with 5 rules".into(),
        saved: Some("edge-default".into()),
        ..ActionResult::default()
    }));
    assert!(effects.quit);
}

#[test]
fn a_save_that_fails_keeps_the_console_open() {
    let mut app = app(100, 30, false);
    edit_a_rule(&mut app);
    press(&mut app, KeyCode::Char('q'));
    press(&mut app, KeyCode::Char('s'));
    let effects = app.update(Msg::Done(ActionResult {
        ok: false,
        message: "policy edge-default not saved: database is locked".into(),
        ..ActionResult::default()
    }));
    assert!(!effects.quit);
    assert!(app.status.as_ref().unwrap().text.contains("not quitting"));
}

#[test]
fn q_without_edits_quits_at_once() {
    let mut app = app(100, 30, false);
    assert!(press(&mut app, KeyCode::Char('q')).quit);
}

// ------------------------------------------------- bug 5: new activity while scrolled

fn entry(id: i64, reference: &str) -> imgreaper::node::store::AuditEntry {
    imgreaper::node::store::AuditEntry {
        id,
        entry: imgreaper::node::store::NewAudit::new(NOW + id, "enforcer", "remove", reference, ""),
    }
}

fn log(ids: std::ops::RangeInclusive<i64>) -> Vec<imgreaper::node::store::AuditEntry> {
    ids.rev()
        .map(|id| entry(id, &format!("old/app:{id}")))
        .collect()
}

#[test]
fn activity_at_the_top_follows_the_newest_entries() {
    let mut app = app(80, 24, false);
    app.update(loaded_with(2, snapshot(), log(1..=30)));
    press(&mut app, KeyCode::Char('3'));
    app.update(loaded_with(3, snapshot(), log(1..=33)));
    let newest = &app.activity.entries[app.activity.index[app.activity.scroll.cursor]];
    assert_eq!(newest.id, 33, "the top does not show the newest entry");
    assert_eq!(app.activity.unseen(), 0);
}

#[test]
fn activity_scrolled_down_stays_put_and_counts_what_arrived() {
    let mut app = app(80, 24, false);
    app.update(loaded_with(2, snapshot(), log(1..=30)));
    press(&mut app, KeyCode::Char('3'));
    for _ in 0..5 {
        press(&mut app, KeyCode::Char('j'));
    }
    let reading = app.activity.entries[app.activity.index[app.activity.scroll.cursor]].id;
    app.update(loaded_with(3, snapshot(), log(1..=33)));
    let still = app.activity.entries[app.activity.index[app.activity.scroll.cursor]].id;
    assert_eq!(still, reading, "the cursor moved off what was being read");
    assert_eq!(app.activity.unseen(), 3);
    let screen = render(&app);
    assert!(screen.contains("(3 new ↑)"), "{screen}");
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(app.activity.unseen(), 0);
    assert!(!render(&app).contains("new ↑"));
}

// --------------------------------------------------------- bug 6: export never overwrites

fn export_prompt(read_only: bool) -> App {
    let mut app = app(100, 30, read_only);
    app.cwd = Some("/home/ops".into());
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('o'));
    app
}

#[test]
fn export_offers_the_full_path_and_writes_only_a_new_file() {
    let mut app = export_prompt(false);
    let Some(Modal::Prompt(prompt)) = &app.modal else {
        panic!("no prompt")
    };
    assert_eq!(prompt.input, "/home/ops/edge-default.json");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(
        &effects.commands[..],
        [Command::Export { path, overwrite: false, .. }] if path.to_str() == Some("/home/ops/edge-default.json")
    ));
}

#[test]
fn export_onto_an_existing_file_asks_before_overwriting() {
    let mut app = export_prompt(false);
    press(&mut app, KeyCode::Enter);
    app.update(Msg::Done(ActionResult {
        message: "/home/ops/edge-default.json exists; nothing exported".into(),
        exists: Some("/home/ops/edge-default.json".into()),
        ..ActionResult::default()
    }));
    let screen = render(&app);
    assert!(
        screen.contains("/home/ops/edge-default.json exists. Overwrite it"),
        "{screen}"
    );
    // Enter on the focused Cancel keeps the file.
    let effects = press(&mut app, KeyCode::Enter);
    assert!(effects.commands.is_empty());
    // Again, and this time y overwrites.
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Enter);
    app.update(Msg::Done(ActionResult {
        exists: Some("/home/ops/edge-default.json".into()),
        ..ActionResult::default()
    }));
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(matches!(
        &effects.commands[..],
        [Command::Export {
            overwrite: true,
            ..
        }]
    ));
}

#[test]
fn a_read_only_console_never_overwrites_and_asks_for_a_new_path() {
    let mut app = export_prompt(true);
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(
        &effects.commands[..],
        [Command::Export {
            overwrite: false,
            ..
        }]
    ));
    app.update(Msg::Done(ActionResult {
        exists: Some("/home/ops/edge-default.json".into()),
        ..ActionResult::default()
    }));
    let Some(Modal::Prompt(prompt)) = &app.modal else {
        panic!("no prompt for another path: {:?}", app.modal)
    };
    assert!(
        prompt
            .error
            .as_deref()
            .unwrap()
            .contains("a read-only console writes only new files"),
        "{prompt:?}"
    );
    for key in ['y', 'Y'] {
        let effects = press(&mut app, KeyCode::Char(key));
        assert!(effects.commands.is_empty());
    }
}

#[test]
fn the_written_path_is_shown_in_full() {
    let mut app = export_prompt(false);
    press(&mut app, KeyCode::Enter);
    app.update(Msg::Done(ActionResult {
        ok: true,
        message: "exported policy edge-default to /home/ops/edge-default.json".into(),
        ..ActionResult::default()
    }));
    assert!(render(&app).contains("to /home/ops/edge-default.json"));
}

// ------------------------------------------------ bug 8: "failed" after the engine is back

#[test]
fn failed_clears_when_the_engine_comes_back() {
    let mut app = app(80, 24, false);
    select(&mut app, "busybox:old");
    press(&mut app, KeyCode::Char('r'));
    press(&mut app, KeyCode::Char('y'));
    app.update(Msg::Outage {
        seq: 2,
        error: "cannot reach the Docker engine".into(),
    });
    app.update(Msg::Done(ActionResult {
        message: "busybox:old: cannot reach the Docker engine".into(),
        finished: vec!["busybox:old".into()],
        failed: vec![(
            "busybox:old".into(),
            "cannot reach the Docker engine".into(),
        )],
        ..ActionResult::default()
    }));
    assert!(render(&app).contains("failed"));
    app.update(loaded(3)); // the engine answers again
    assert!(app.failed.is_empty());
    assert!(!render(&app).contains("failed"), "{}", render(&app));
}

// --------------------------------------------------------- bug 10: messages cut off

#[test]
fn a_long_error_opens_in_the_message_log_in_full() {
    let mut app = app(80, 24, false);
    let errors: Vec<String> = (1..=6)
        .map(|i| format!("/tmp/ux/bad.json:{i}:1: image_policy.removal[{i}].image_name: error: `x{i}` has no tag or digest"))
        .collect();
    let message = format!(
        "/tmp/ux/bad.json is not a valid policy, nothing imported: {}",
        errors.join("; ")
    );
    app.update(Msg::Done(ActionResult {
        message: message.clone(),
        ..ActionResult::default()
    }));
    assert!(matches!(app.modal, Some(Modal::Messages { .. })));
    let screen = dialog_text(&app).join(" ");
    for error in &errors {
        let tail = error.rsplit(": ").next().unwrap();
        assert!(screen.contains(tail), "{tail} not shown:\n{}", render(&app));
    }
    // Closed, the status line says where the rest is.
    press(&mut app, KeyCode::Esc);
    app.set_status(message, true);
    assert!(render(&app).contains("[m: more]"));
    press(&mut app, KeyCode::Char('m'));
    assert!(matches!(app.modal, Some(Modal::Messages { .. })));
}

#[test]
fn the_outage_banner_says_where_to_read_it_whole() {
    let mut app = app(80, 24, false);
    let error = "cannot reach the Docker engine at unix:///var/run/docker.sock: connection refused; start the engine or set DOCKER_HOST";
    app.update(Msg::Outage {
        seq: 2,
        error: error.into(),
    });
    assert!(render(&app).contains("[m: more]"));
    press(&mut app, KeyCode::Char('m'));
    let shown = dialog_text(&app).join(" ");
    assert!(
        shown.contains("start the engine or set"),
        "{}",
        render(&app)
    );
}

// ------------------------------------------------------- bug 12: start with no engine

#[test]
fn no_engine_at_start_claims_no_last_data_and_r_retries() {
    let mut app = App::new(false, imgreaper::tui::theme::Theme::dark(), (80, 24));
    app.update(Msg::Outage {
        seq: 1,
        error: "cannot reach the Docker engine".into(),
    });
    let screen = render(&app);
    assert!(!screen.contains("last data"), "{screen}");
    assert!(!screen.contains("Reading the engine"), "{screen}");
    assert!(screen.contains("no data yet"), "{screen}");
    let effects = press(&mut app, KeyCode::Char('R'));
    assert!(effects.reload, "R does not reconnect");
}

// ------------------------------------------------------------------ bug 13: read-only

#[test]
fn read_only_offers_no_marks_and_says_why_r_does_nothing() {
    let mut app = app(80, 24, true);
    let screen = render(&app);
    assert!(!screen.contains("space mark"), "{screen}");
    let effects = press(&mut app, KeyCode::Char('r'));
    assert!(effects.commands.is_empty() && app.modal.is_none());
    let status = app.status.as_ref().expect("r says why it does nothing");
    assert!(status.text.contains("read-only"), "{}", status.text);
    assert!(render(&app).contains("--read-only"));
}

#[test]
fn read_only_rules_show_no_save_preview() {
    let mut app = app(100, 30, true);
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('j'));
    let screen = render(&app);
    assert!(!screen.contains("On save of"), "{screen}");
    assert!(screen.contains("Pattern nginx:* matches 2"), "{screen}");
}

// ------------------------------------------------- bug 9: names cut into ambiguity

#[test]
fn two_long_versions_keep_their_tags_at_80_columns() {
    let mut app = App::new(false, imgreaper::tui::theme::Theme::dark(), (80, 24));
    app.update(loaded_with(
        1,
        snapshot_of(
            long_named(2),
            everything_due(),
            imgreaper::core::model::Overrides::default(),
            Mode::Auto,
        ),
        audit(),
    ));
    let lines = screen_lines(&app);
    let rows: Vec<&String> = lines.iter().filter(|l| l.contains("localhost")).collect();
    for tag in ["build:1.2.0", "build:1.2.1"] {
        assert!(rows.iter().any(|r| r.contains(tag)), "{tag}: {rows:#?}");
    }
    assert!(
        rows.iter().all(|r| r.starts_with("  localhost:5000")),
        "{rows:#?}"
    );
}
