//! The confirmation dialog always shows its buttons and a complete command, whatever it lists
//! and however small the screen (issue 10, bug 2), and it does what an operator expects: `y`
//! confirms, a batch with names in use offers the others, running containers are stopped first.

use crate::console;

use console::*;
use crossterm::event::KeyCode;
use imgreaper::core::model::{Mode, Overrides};
use imgreaper::tui::app::App;
use imgreaper::tui::app::modal::Modal;
use imgreaper::tui::msg::{Command, Msg};
use imgreaper::tui::theme::Theme;

fn app_with(images: Vec<imgreaper::core::model::Image>, size: (u16, u16)) -> App {
    let mut app = App::new(false, Theme::dark(), size);
    app.update(loaded_with(
        1,
        snapshot_of(images, everything_due(), Overrides::default(), Mode::Auto),
        audit(),
    ));
    app
}

/// Both buttons are on screen, inside the box.
fn assert_buttons(app: &App) {
    let text = dialog_text(app).join("\n");
    assert!(
        text.contains("[ Cancel ]") && text.contains("[ Remove"),
        "the buttons are gone:\n{}",
        render(app)
    );
}

/// The dialog's "Same as" command, its wrapped lines joined, names every target.
fn assert_complete_command(app: &App, names: &[String]) {
    let lines = dialog_text(app);
    let start = lines
        .iter()
        .position(|l| l.starts_with("Same as:"))
        .unwrap_or_else(|| panic!("no command:\n{}", render(app)));
    let command: String = lines[start..]
        .iter()
        .take_while(|l| !l.is_empty() && !l.contains("[ Cancel ]"))
        .map(|l| l.replace(char::is_whitespace, ""))
        .collect();
    for name in names {
        assert!(
            command.contains(name.as_str()),
            "{name} is missing from the command {command:?}:\n{}",
            render(app)
        );
    }
}

fn dangling_id() -> String {
    format!("sha256:{:0<64}", "h8")
}

#[test]
fn a_dangling_images_long_name_keeps_the_buttons_at_80x24() {
    let mut app = app(80, 24, false);
    select(&mut app, "sha256:h8");
    press(&mut app, KeyCode::Char('r'));
    assert_buttons(&app);
    assert_complete_command(&app, &[dangling_id()]);
    insta::assert_snapshot!(render(&app));
}

#[test]
fn three_long_marks_two_hidden_keep_the_buttons_at_80x24() {
    let mut app = app_with(long_named(3), (80, 24));
    for i in 0..3 {
        select(&mut app, &format!("build:1.2.{i}"));
        press(&mut app, KeyCode::Char(' '));
        press(&mut app, KeyCode::Esc);
    }
    select(&mut app, "build:1.2.2"); // the other two are hidden by the filter
    press(&mut app, KeyCode::Char('r'));
    let text = dialog_text(&app).join("\n");
    assert!(
        text.contains("2 of them marked but hidden by the filter"),
        "{text}"
    );
    assert_buttons(&app);
    let names: Vec<String> = (0..3)
        .map(|i| format!("localhost:5000/edge/ml-inference-cpu-optimized-build:1.2.{i}"))
        .collect();
    assert_complete_command(&app, &names);
    insta::assert_snapshot!(render(&app));
}

#[test]
fn eight_marks_at_160x40_list_every_name_in_the_command() {
    let mut app = app_with(long_named(8), (160, 40));
    press(&mut app, KeyCode::Char('*')); // mark all shown
    press(&mut app, KeyCode::Char('r'));
    assert_buttons(&app);
    let names: Vec<String> = (0..8)
        .map(|i| format!("localhost:5000/edge/ml-inference-cpu-optimized-build:1.2.{i}"))
        .collect();
    assert_complete_command(&app, &names);
}

#[test]
fn many_long_marks_at_80x24_scroll_and_keep_the_buttons() {
    let mut app = app_with(long_named(30), (80, 24));
    press(&mut app, KeyCode::Char('*'));
    press(&mut app, KeyCode::Char('r'));
    assert_buttons(&app);
    let text = dialog_text(&app).join("\n");
    assert!(text.contains("more (j/k scroll)"), "{text}");
    assert!(text.contains("c copies it whole"), "{text}");
    insta::assert_snapshot!(render(&app));
    // Scrolling moves the list; the buttons stay.
    for _ in 0..40 {
        press(&mut app, KeyCode::Char('j'));
    }
    assert_buttons(&app);
    assert!(dialog_text(&app).join("\n").contains("more above"));
    // c: the whole command, in the message log and for the clipboard; nothing removed, and
    // the dialog stays.
    let effects = press(&mut app, KeyCode::Char('c'));
    let copied = effects.clipboard.expect("the command is copied");
    assert!(copied.starts_with("docker rmi ") && copied.contains("build:1.2.29"));
    assert!(effects.commands.is_empty());
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    assert!(app.messages.entries[0].text.contains(&copied));
}

#[test]
fn every_size_from_20x5_shows_the_buttons() {
    for (w, h) in [(20, 5), (24, 6), (30, 8), (40, 10), (80, 24), (200, 60)] {
        let mut app = app_with(long_named(12), (w, h));
        press(&mut app, KeyCode::Char('*'));
        press(&mut app, KeyCode::Char('r'));
        let screen = render(&app);
        assert!(
            screen.contains("Cancel") && screen.contains("Remove"),
            "{w}x{h}:\n{screen}"
        );
    }
}

#[test]
fn y_confirms_without_moving_to_the_button() {
    let mut app = app(80, 24, false);
    select(&mut app, "busybox:old");
    press(&mut app, KeyCode::Char('r'));
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(
        matches!(&effects.commands[..], [Command::Remove(t)] if t[0].reference == "busybox:old"),
        "{:?}",
        effects.commands
    );
}

#[test]
fn a_batch_with_a_name_in_use_offers_to_remove_the_others() {
    let mut app = app(100, 30, false);
    for name in ["busybox:old", "myorg/app:1.0", "alpine:3.19"] {
        select(&mut app, name);
        press(&mut app, KeyCode::Char(' '));
        press(&mut app, KeyCode::Esc);
    }
    press(&mut app, KeyCode::Char('r'));
    let text = dialog_text(&app).join("\n");
    assert!(text.contains("[ Remove the other 2 ]"), "{text}");
    assert!(
        text.contains("Skipped: myorg/app:1.0 is in use by web (running), web-old (exited)"),
        "{text}"
    );
    assert!(
        text.contains("docker stop web && docker rm web web-old"),
        "{text}"
    );
    let effects = press(&mut app, KeyCode::Char('y'));
    let [Command::Remove(targets)] = &effects.commands[..] else {
        panic!("{:?}", effects.commands)
    };
    let mut names: Vec<&str> = targets.iter().map(|t| t.reference.as_str()).collect();
    names.sort();
    assert_eq!(names, ["alpine:3.19", "busybox:old"]);
}

#[test]
fn stopped_containers_are_only_removed() {
    let images = vec![image("s1", &["job:1"], MB, &[("nightly", "exited")])];
    let mut app = app_with(images, (80, 24));
    press(&mut app, KeyCode::Char('r'));
    let text = dialog_text(&app).join("\n");
    assert!(text.contains("To free them: docker rm nightly"), "{text}");
    assert!(!text.contains("docker stop"), "{text}");
}

#[test]
fn resizing_with_the_dialog_open_keeps_the_buttons() {
    let mut app = app_with(long_named(8), (160, 40));
    press(&mut app, KeyCode::Char('*'));
    press(&mut app, KeyCode::Char('r'));
    app.update(Msg::Resize(80, 24));
    assert_buttons(&app);
    app.update(Msg::Resize(60, 12));
    assert_buttons(&app);
}
