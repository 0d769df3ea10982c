//! What k9s, lazydocker and htop users expect (issue 10, "Friction to remove"): each item as the
//! operator would meet it, on fabricated data with a fixed clock.

use crate::console;

use console::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use imgreaper::core::model::{Mode, Overrides};
use imgreaper::core::policy::PolicyDocument;
use imgreaper::core::saved::StoredPolicy;
use imgreaper::node::store::{AuditEntry, NewAudit};
use imgreaper::tui::app::App;
use imgreaper::tui::keys::View;
use imgreaper::tui::msg::{ActionResult, Command, Msg};
use imgreaper::tui::theme::Theme;

fn approve_mode(seq: u64) -> Msg {
    loaded_with(
        seq,
        snapshot_of(images(), policies(), overrides(), Mode::Approve),
        audit(),
    )
}

// ------------------------------------------------------------------------- the header

#[test]
fn the_header_says_what_needs_the_operator() {
    let mut app = app(120, 30, false);
    app.update(approve_mode(2));
    let screen = render(&app);
    assert!(
        screen.contains("1 awaiting approval · 2 due within the hour, freeing 45.3MB"),
        "{screen}"
    );
    let mut narrow = app;
    narrow.update(Msg::Resize(80, 24));
    let tabs = screen_lines(&narrow)[1].clone();
    assert!(
        tabs.contains("1 awaiting approval · 2 due in 1h (45.3MB)"),
        "{tabs}"
    );
    press(&mut narrow, KeyCode::Char('/'));
    typed(&mut narrow, "myorg");
    let tabs = screen_lines(&narrow)[1].clone();
    assert!(tabs.trim_end().ends_with("1 to approve"), "{tabs}");
}

// -------------------------------------------------------------------------- the views

#[test]
fn views_by_number_arrows_and_shift_tab() {
    let mut app = app(80, 24, false);
    press(&mut app, KeyCode::Char('3'));
    assert_eq!(app.view, View::Activity);
    press(&mut app, KeyCode::Char('1'));
    assert_eq!(app.view, View::Images);
    press(&mut app, KeyCode::BackTab);
    assert_eq!(app.view, View::Activity);
    press(&mut app, KeyCode::Right);
    assert_eq!(app.view, View::Images);
    press(&mut app, KeyCode::Left);
    assert_eq!(app.view, View::Activity);
    press(&mut app, KeyCode::Char('2'));
    assert_eq!(app.view, View::Rules);
}

#[test]
fn ctrl_z_suspends() {
    let mut app = app(80, 24, false);
    assert!(ctrl(&mut app, 'z').suspend);
}

#[test]
fn the_filter_matches_state_and_rule_text() {
    let mut app = app(80, 24, false);
    app.update(approve_mode(2));
    select(&mut app, "awaiting");
    assert_eq!(shown(&app), ["busybox:old"]);
    press(&mut app, KeyCode::Esc);
    select(&mut app, "spared");
    assert_eq!(shown(&app), ["tools/debug:1"]);
    press(&mut app, KeyCode::Esc);
    select(&mut app, "myorg/app:*");
    assert_eq!(shown(&app), ["myorg/app:0.9", "myorg/app:1.0"]);
}

#[test]
fn a_long_filter_shows_its_end() {
    let mut app = app(80, 24, false);
    press(&mut app, KeyCode::Char('/'));
    typed(
        &mut app,
        "localhost:5000/edge/ml-inference-cpu-optimized-build:1.2.17",
    );
    let tabs = screen_lines(&app)[1].clone();
    assert!(tabs.contains("build:1.2.17▏"), "{tabs}");
}

#[test]
fn ctrl_d_and_ctrl_u_are_in_the_help() {
    let mut app = app(80, 24, false);
    press(&mut app, KeyCode::Char('?'));
    let screen = render(&app);
    assert!(
        screen.contains("PgDn/^D") && screen.contains("PgUp/^U"),
        "{screen}"
    );
    let mut app = app_after_help();
    let before = app.images.scroll.cursor;
    ctrl(&mut app, 'd');
    assert!(app.images.scroll.cursor > before);
}

fn app_after_help() -> App {
    app(80, 24, false)
}

#[test]
fn star_marks_every_shown_row_and_again_none() {
    let mut app = app(80, 24, false);
    select(&mut app, "myorg");
    press(&mut app, KeyCode::Char('*'));
    let mut marks: Vec<&String> = app.images.marks.iter().collect();
    marks.sort();
    assert_eq!(marks, ["myorg/app:0.9", "myorg/app:1.0"]);
    press(&mut app, KeyCode::Char('*'));
    assert!(app.images.marks.is_empty());
}

// ------------------------------------------------------------------------------ words

#[test]
fn rules_are_numbered_from_one_everywhere() {
    let mut app = app(100, 30, false);
    // Details: the winning rule.
    select(&mut app, "nginx:1.25");
    press(&mut app, KeyCode::Char('d'));
    assert!(render(&app).contains("edge-default rule 1: nginx:* after 30m"));
    // The table.
    press(&mut app, KeyCode::Char('2'));
    let screen = render(&app);
    assert!(
        screen.contains("1. nginx:*") && !screen.contains("0. nginx"),
        "{screen}"
    );
    // Warnings: rule 2 is shadowed by rule 1.
    let shadowing = vec![StoredPolicy {
        name: "edge-default".into(),
        document: PolicyDocument::rules_only(vec![
            rule("nginx:*", 30, false),
            rule("nginx:1.25", 60, false),
        ]),
        saved_at: NOW,
        version: 1,
    }];
    app.update(loaded_with(
        2,
        snapshot_of(images(), shadowing, Overrides::default(), Mode::Auto),
        audit(),
    ));
    let screen = render(&app);
    assert!(
        screen.contains("warning: rule 2: shadowed by rule 1 (`nginx:*`, 30m)"),
        "{screen}"
    );
}

#[test]
fn minutes_read_as_durations_and_times_in_one_format() {
    let mut app = app(160, 40, false);
    let screen = render(&app);
    assert!(screen.contains("myorg/app:* 2h"), "{screen}");
    assert!(!screen.contains("120m"), "{screen}");
    press(&mut app, KeyCode::Char('2'));
    let rules = render(&app);
    assert!(rules.contains("10h") && !rules.contains("600m"), "{rules}");
    // Details and activity: local clock times, never RFC 3339.
    press(&mut app, KeyCode::Char('1'));
    select(&mut app, "myorg/app:0.9");
    press(&mut app, KeyCode::Char('d'));
    let details = render(&app);
    assert!(details.contains("postponed until Nov 15"), "{details}");
    press(&mut app, KeyCode::Char('3'));
    let activity = render(&app);
    assert!(!activity.contains("T22:"), "{activity}");
    assert!(activity.contains("until Nov 15"), "{activity}");
}

#[test]
fn counts_are_words() {
    let mut app = app(100, 30, false);
    press(&mut app, KeyCode::Char('2'));
    let screen = render(&app);
    assert!(screen.contains("1 saved policy ·"), "{screen}");
    assert!(
        !screen.contains("(s)") && !screen.contains("1 saved policies"),
        "{screen}"
    );
}

#[test]
fn an_image_in_use_is_said_to_be_unremovable() {
    let mut app = app(100, 30, false);
    select(&mut app, "myorg/app:1.0");
    press(&mut app, KeyCode::Char('d'));
    let screen = render(&app);
    assert!(
        screen.contains("It cannot be removed while a container uses it"),
        "{screen}"
    );
    assert!(!screen.contains("frees 81"), "{screen}");
}

// --------------------------------------------------------------------------- feedback

fn enforcer_removed(id: i64, reference: &str) -> AuditEntry {
    AuditEntry {
        id,
        entry: NewAudit::new(NOW, "service pid 42 on edge-7", "remove", reference, "")
            .freed(2 * MB)
            .result("ok: image deleted"),
    }
}

#[test]
fn a_removal_by_the_enforcer_shows_a_note() {
    let mut app = app(80, 24, false);
    let mut log = audit();
    log.insert(0, enforcer_removed(10, "busybox:old"));
    app.update(loaded_with(2, snapshot(), log));
    let status = app.status.as_ref().expect("a note");
    assert_eq!(
        status.text,
        "the enforcer removed busybox:old (freed 2.00MB)"
    );
}

#[test]
fn an_approvals_next_cycle_note_clears_once_done() {
    let mut app = app(80, 24, false);
    app.update(approve_mode(2));
    select(&mut app, "busybox:old");
    press(&mut app, KeyCode::Char('a'));
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(matches!(&effects.commands[..], [Command::Approve(_)]));
    app.update(Msg::Done(ActionResult {
        ok: true,
        message: "approved 1 reference; the enforcer removes them on its next cycle".into(),
        ..ActionResult::default()
    }));
    assert!(render(&app).contains("next cycle"));
    // The enforcer removed it: the note goes.
    let mut without = images();
    without.remove(0);
    app.update(loaded_with(
        3,
        snapshot_of(without, policies(), overrides(), Mode::Approve),
        audit(),
    ));
    assert!(!render(&app).contains("next cycle"), "{}", render(&app));
}

// ----------------------------------------------------------------------- the columns

#[test]
fn awaiting_approval_fits_and_nothing_reads_due_due() {
    let mut app = app(80, 24, false);
    app.update(approve_mode(2));
    let row = screen_lines(&app)
        .into_iter()
        .skip(3)
        .find(|l| l.contains("busybox:old"))
        .unwrap();
    assert!(
        row.contains("awaiting approval ") && row.trim_end().ends_with("on approval"),
        "{row}"
    );
    let auto = app_after_help();
    let row = screen_lines(&auto)
        .into_iter()
        .skip(3)
        .find(|l| l.contains("busybox:old"))
        .unwrap();
    assert!(row.trim_end().ends_with(" now"), "{row}");
    assert!(!row.trim_end().ends_with("due"), "{row}");
}

// ------------------------------------------------------------ decisions: adopt / disown

#[test]
fn a_adopts_and_disowns() {
    let mut app = app(80, 24, false);
    select(&mut app, "tools/debug:1");
    let effects = press(&mut app, KeyCode::Char('A'));
    assert!(matches!(
        &effects.commands[..],
        [Command::Adopt { adopt: true, targets }] if targets[0].reference == "tools/debug:1"
    ));
    press(&mut app, KeyCode::Char('?'));
    assert!(render(&app).contains("adopt / disown"));
}

#[test]
fn every_theme_draws_the_cursor_row_it_promises() {
    // A snapshot per theme of the cursor row's styles, cell run by cell run.
    let no_colour = Theme::built_in("dark")
        .unwrap()
        .for_depth(imgreaper::tui::palette::ColorDepth::None);
    let themes = Theme::built_in_names()
        .map(|name| (name.to_string(), Theme::built_in(name).unwrap()))
        .chain([("dark_no_color".to_string(), no_colour)]);
    for (name, theme) in themes {
        let mut app = App::new(false, theme, (80, 12));
        app.update(loaded(1));
        select(&mut app, "nginx:1.25");
        insta::assert_snapshot!(format!("cursor_row_{name}"), styled_line(&app, 3));
    }
}

/// A screen line as runs of one style: `[fg bg modifiers] text`.
fn styled_line(app: &App, y: u16) -> String {
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(app.size.0, app.size.1)).unwrap();
    terminal
        .draw(|frame| imgreaper::tui::view::draw(app, frame))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let mut runs: Vec<(String, String)> = Vec::new();
    for x in 0..buffer.area.width {
        let cell = &buffer[(x, y)];
        let style = format!("{:?} on {:?} {:?}", cell.fg, cell.bg, cell.modifier);
        match runs.last_mut() {
            Some((last, text)) if *last == style => text.push_str(cell.symbol()),
            _ => runs.push((style, cell.symbol().to_string())),
        }
    }
    runs.iter()
        .map(|(style, text)| format!("[{style}] {text:?}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn keys_with_ctrl_do_not_type_into_the_filter() {
    let mut app = app(80, 24, false);
    press(&mut app, KeyCode::Char('/'));
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(app.images.filter, "");
}

#[test]
fn a_lapsed_approval_shows_in_the_details() {
    let mut app = app(100, 30, false);
    let mut log = audit();
    log.insert(
        0,
        AuditEntry {
            id: 20,
            entry: NewAudit::new(
                NOW - 30,
                "service pid 42 on edge-7",
                "lapse",
                "nginx:1.25",
                "",
            )
            .result("approval lapsed: nginx:1.25 now names another image"),
        },
    );
    app.update(loaded_with(2, snapshot(), log));
    select(&mut app, "nginx:1.25");
    press(&mut app, KeyCode::Char('d'));
    let screen = render(&app);
    assert!(screen.contains("Recent activity:"), "{screen}");
    assert!(
        screen.contains("lapse by service pid 42 on edge-7: approval lapsed"),
        "{screen}"
    );
}

/// Found by console_import under load: `i` pressed in Rules before the first data arrived did
/// nothing and said nothing (on_rules_action returns no effects without a snapshot).
#[test]
fn a_key_pressed_before_the_first_data_is_acted_on_or_answered() {
    let mut app = App::new(false, Theme::dark(), (120, 30));
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.view, View::Rules);
    press(&mut app, KeyCode::Char('i'));
    assert!(
        app.modal.is_some() || !app.messages.entries.is_empty(),
        "`i` before the first load: no prompt and no message"
    );
}
