//! Issue 20, blocker 1: a postponement has a clear meaning in its dialog and a way back. `p`
//! says when the removal goes and how much later than planned now; `0` and negative durations
//! are refused with what to do instead; on a postponed row `x` ends the postponement, after a
//! question that says when the removal then goes.

use crate::console;

use console::*;
use crossterm::event::KeyCode;
use imgreaper::tui::app::modal::Modal;
use imgreaper::tui::msg::Command;

fn prompt_error(app: &imgreaper::tui::app::App) -> String {
    match &app.modal {
        Some(Modal::Prompt(prompt)) => prompt.error.clone().unwrap_or_default(),
        other => panic!("no prompt: {other:?}"),
    }
}

#[test]
fn postponing_says_when_the_removal_goes_and_how_much_later() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut app = app(width, height, false);
        select(&mut app, "nginx:1.25");
        press(&mut app, KeyCode::Char('p'));
        press(&mut app, KeyCode::Backspace);
        press(&mut app, KeyCode::Backspace);
        typed(&mut app, "2h");
        let screen = render(&app);
        assert!(
            screen.contains("planned at 22:30") && screen.contains("2h later than now planned"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("postpone_scheduled_{width}x{height}"), screen);
    }
}

#[test]
fn a_postponed_row_offers_to_end_the_postponement() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut app = app(width, height, false);
        select(&mut app, "myorg/app:0.9");
        press(&mut app, KeyCode::Char('p'));
        let screen = render(&app);
        assert!(
            screen.contains("x ends the postponement") && screen.contains("back to Nov 15 00:02"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("postpone_postponed_{width}x{height}"), screen);
        press(&mut app, KeyCode::Char('x'));
        let screen = render(&app);
        assert!(
            screen.contains("End the postponement of myorg/app:0.9?"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("end_postponement_{width}x{height}"), screen);
        // Cancel is focused: enter closes without doing anything.
        let effects = press(&mut app, KeyCode::Enter);
        assert!(effects.commands.is_empty());
        press(&mut app, KeyCode::Char('p'));
        press(&mut app, KeyCode::Char('x'));
        let effects = press(&mut app, KeyCode::Char('y'));
        assert!(
            matches!(
                &effects.commands[..],
                [Command::EndPostponement(targets)] if targets[0].reference == "myorg/app:0.9"
            ),
            "{:?}",
            effects.commands
        );
    }
}

#[test]
fn zero_and_negative_durations_are_refused_with_what_to_do() {
    let mut app = app(80, 24, false);
    select(&mut app, "myorg/app:0.9");
    press(&mut app, KeyCode::Char('p'));
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    typed(&mut app, "0");
    assert!(press(&mut app, KeyCode::Enter).commands.is_empty());
    let error = prompt_error(&app);
    assert!(
        error.contains("moves the removal no later") && error.contains("x ends"),
        "{error}"
    );
    press(&mut app, KeyCode::Backspace);
    typed(&mut app, "-2h");
    assert!(press(&mut app, KeyCode::Enter).commands.is_empty());
    let error = prompt_error(&app);
    assert!(
        error.contains("only moves a removal later") && error.contains("x ends"),
        "{error}"
    );
    // On a row that is not postponed, there is nothing to end: it says how to remove sooner.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    select(&mut app, "nginx:1.25");
    press(&mut app, KeyCode::Char('p'));
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    typed(&mut app, "-2h");
    press(&mut app, KeyCode::Enter);
    let error = prompt_error(&app);
    assert!(
        error.contains("only moves a removal later") && error.contains("r removes it now"),
        "{error}"
    );
    let screen = render(&app);
    assert!(!screen.contains("x ends"), "{screen}");
}
