//! Issue 15, item 13, in the console's state: the Rules view shows a policy's keep rules and
//! disk marks and edits them as it edits removal rules, and a save of edits begun on a version
//! that another process has since replaced says so and saves nothing (the action task checks
//! the stored version; see `store_versions` and the end-to-end test).

use crate::console;

use console::*;
use crossterm::event::KeyCode;
use imgreaper::core::model::{Mode, Overrides};
use imgreaper::core::policy::{DiskMarks, KeepRule, PolicyDocument};
use imgreaper::core::saved::StoredPolicy;
use imgreaper::tui::app::App;
use imgreaper::tui::msg::{Command, Msg};

fn retention_policy(version: i64) -> StoredPolicy {
    let mut document =
        PolicyDocument::rules_only(vec![rule("myorg/*", 1440, false), rule("*", 10080, true)]);
    document.keep = vec![
        KeepRule {
            image_name: "myorg/*".into(),
            last: Some(2),
        },
        KeepRule {
            image_name: "myorg/base:*".into(),
            last: None,
        },
    ];
    document.disk = Some(DiskMarks {
        high_percent: 85,
        low_percent: 75,
    });
    StoredPolicy {
        name: "keep-and-free".into(),
        document,
        saved_at: NOW - 3_600,
        version,
    }
}

fn rules_view(width: u16, height: u16) -> App {
    let mut app = App::new(false, imgreaper::tui::theme::Theme::dark(), (width, height));
    app.update(with(1, retention_policy(1)));
    press(&mut app, KeyCode::Char('2'));
    app
}

fn with(seq: u64, policy: StoredPolicy) -> Msg {
    loaded_with(
        seq,
        snapshot_of(images(), vec![policy], Overrides::default(), Mode::Auto),
        audit(),
    )
}

/// Moves the cursor to the first list row whose text contains `text`.
fn cursor_to(app: &mut App, text: &str) {
    press(app, KeyCode::Char('g'));
    for _ in 0..20 {
        let lines = screen_lines(app);
        let cursor = lines.iter().find(|l| l.contains(text));
        if cursor.is_some_and(|_| current_row_text(app).contains(text)) {
            return;
        }
        press(app, KeyCode::Char('j'));
    }
    panic!("no row with {text:?}:\n{}", render(app));
}

/// The text of the list row under the cursor (the row drawn in the selection style).
fn current_row_text(app: &App) -> String {
    let lines = screen_lines(app);
    // The list starts after the header, the tabs and its column header.
    lines[3 + app.rules.scroll.cursor - app.rules.scroll.offset].clone()
}

#[test]
fn keep_rules_and_disk_marks_are_listed() {
    for (width, height) in [(80, 24), (120, 40)] {
        let app = rules_view(width, height);
        let screen = render(&app);
        assert!(
            screen.contains("keep 1. myorg/*") && screen.contains("last 2"),
            "{screen}"
        );
        assert!(screen.contains("keep 2. myorg/base:*"), "{screen}");
        assert!(
            screen.contains("disk marks") && screen.contains("85% → 75%"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("rules_retention_{width}x{height}"), screen);
    }
}

#[test]
fn a_keep_rule_is_edited_and_saved_with_the_rest_of_the_policy() {
    let mut app = rules_view(120, 40);
    cursor_to(&mut app, "keep 1.");
    press(&mut app, KeyCode::Char('e'));
    let screen = render(&app);
    assert!(screen.contains("last"), "{screen}");
    // Tab to `last`, replace 2 with 3.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Backspace);
    typed(&mut app, "3");
    press(&mut app, KeyCode::Enter);
    assert!(render(&app).contains("edited, not saved"));
    let effects = press(&mut app, KeyCode::Char('w'));
    let [
        Command::SavePolicy {
            document, version, ..
        },
    ] = &effects.commands[..]
    else {
        panic!("{:?}", effects.commands)
    };
    assert_eq!(
        *version,
        Some(1),
        "the save names the version its edits began on"
    );
    assert_eq!(document.keep[0].last, Some(3));
    assert_eq!(document.keep.len(), 2);
    assert_eq!(document.rules.len(), 2);
    assert_eq!(document.disk, retention_policy(1).document.disk);
}

#[test]
fn keep_rules_and_disk_marks_are_added_and_checked_as_policy_check_does() {
    let mut app = rules_view(120, 40);
    // N: a new keep rule.
    press(&mut app, KeyCode::Char('N'));
    typed(&mut app, "tools/*");
    press(&mut app, KeyCode::Enter);
    let screen = render(&app);
    assert!(screen.contains("keep 3. tools/*"), "{screen}");
    // D: the disk marks; low above high is refused with policy check's words.
    press(&mut app, KeyCode::Char('D'));
    for _ in 0..2 {
        press(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "70");
    let screen = render(&app);
    assert!(
        screen.contains("error:") && screen.contains("low_percent"),
        "{screen}"
    );
    insta::assert_snapshot!("disk_marks_form_error", screen);
    press(&mut app, KeyCode::Tab);
    for _ in 0..2 {
        press(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "60");
    press(&mut app, KeyCode::Enter);
    assert!(render(&app).contains("70% → 60%"), "{}", render(&app));
    let effects = press(&mut app, KeyCode::Char('w'));
    let [Command::SavePolicy { document, .. }] = &effects.commands[..] else {
        panic!("{:?}", effects.commands)
    };
    assert_eq!(document.keep.len(), 3);
    assert_eq!(
        document.disk,
        Some(DiskMarks {
            high_percent: 70,
            low_percent: 60
        })
    );
}

#[test]
fn a_policy_changed_elsewhere_while_edited_says_so_and_keeps_the_edits() {
    let mut app = rules_view(120, 40);
    cursor_to(&mut app, "1. myorg/*");
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Tab);
    typed(&mut app, "0");
    press(&mut app, KeyCode::Enter);
    // Another process saves the policy again meanwhile.
    app.update(with(2, retention_policy(2)));
    let screen = render(&app);
    assert!(screen.contains("changed elsewhere"), "{screen}");
    let effects = press(&mut app, KeyCode::Char('w'));
    let [Command::SavePolicy { version, .. }] = &effects.commands[..] else {
        panic!("{:?}", effects.commands)
    };
    assert_eq!(
        *version,
        Some(1),
        "the save still names the version its edits began on, so the store refuses it"
    );
}

/// Issue 20: one figure for "frees within the hour". The header and the Rules preview agree,
/// also for an image all of whose names go (nginx:1.25 and nginx:latest), and the preview says
/// its figure is the whole node's, not the policy's.
#[test]
fn the_header_and_the_preview_free_the_same_bytes_within_the_hour() {
    let mut app = app(120, 40, false);
    press(&mut app, KeyCode::Char('2'));
    let screen = render(&app);
    assert!(screen.contains("freeing 47.3MB"), "{screen}");
    let joined = screen_lines(&app).concat().replace(char::is_whitespace, "");
    assert!(
        joined.contains("thenodefrees47.3MBwithin1h"),
        "the preview's figure differs from the header's, or does not say whose it is:\n{screen}"
    );
    assert!(joined.contains("(allpolicies)"), "{screen}");
}

/// Issue 20: scrolled into a long policy at 80×24, the list still says whose rules it shows.
#[test]
fn scrolled_into_a_policy_the_header_names_it() {
    let rules: Vec<_> = (0..30)
        .map(|i| rule(&format!("myorg/service-{i}:*"), 60 + i, false))
        .collect();
    let policy = StoredPolicy {
        name: "fleet-wide".into(),
        document: PolicyDocument::rules_only(rules),
        saved_at: NOW - 3_600,
        version: 1,
    };
    let mut app = App::new(false, imgreaper::tui::theme::Theme::dark(), (80, 24));
    app.update(with(1, policy));
    press(&mut app, KeyCode::Char('2'));
    for _ in 0..20 {
        press(&mut app, KeyCode::Char('j'));
    }
    let lines = screen_lines(&app);
    assert!(
        lines[2].starts_with("POLICY fleet-wide (continued)"),
        "{}",
        render(&app)
    );
    insta::assert_snapshot!("rules_scrolled_80x24", render(&app));
}

/// Issue 20: the console exports a policy in the spelling it was read in, and its dialog
/// offers the other (tab).
#[test]
fn export_offers_the_spelling_the_policy_was_read_in() {
    let mut policy = retention_policy(1);
    policy.document.spelling = imgreaper::core::policy::Spelling::Anax;
    let mut app = App::new(false, imgreaper::tui::theme::Theme::dark(), (120, 40));
    app.update(with(1, policy));
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('o'));
    let screen = render(&app);
    assert!(screen.contains("agentImagePolicy"), "{screen}");
    insta::assert_snapshot!("export_spelling_120x40", screen);
    press(&mut app, KeyCode::Tab);
    assert!(render(&app).contains("image_policy"), "{}", render(&app));
    press(&mut app, KeyCode::Tab);
    let effects = press(&mut app, KeyCode::Enter);
    let [Command::Export { document, .. }] = &effects.commands[..] else {
        panic!("{:?}", effects.commands)
    };
    assert_eq!(document.spelling, imgreaper::core::policy::Spelling::Anax);
}
