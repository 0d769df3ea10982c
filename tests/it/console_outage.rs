//! Issue 20: during an engine outage the figures on screen say they are stale, and `r` says
//! nothing can be removed until the engine is back instead of offering what can only fail.

use crate::console;

use console::*;
use crossterm::event::KeyCode;
use imgreaper::tui::msg::Msg;

fn away(width: u16, height: u16) -> imgreaper::tui::app::App {
    let mut app = app(width, height, false);
    app.update(Msg::Outage {
        seq: 2,
        error: "cannot reach the Docker engine at unix:///var/run/docker.sock".into(),
    });
    // Time goes on while the engine is away.
    app.update(Msg::Tick(NOW + 600));
    app
}

#[test]
fn stale_figures_say_so() {
    for (width, height) in [(80, 24), (120, 40)] {
        let app = away(width, height);
        let lines = screen_lines(&app);
        assert!(lines[0].contains("stale"), "{}", lines[0]);
        assert!(lines[1].contains("as of 22:13"), "{}", lines[1]);
        insta::assert_snapshot!(format!("outage_{width}x{height}"), render(&app));
    }
}

#[test]
fn remove_during_an_outage_says_it_must_wait() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut app = away(width, height);
        select(&mut app, "busybox:old");
        press(&mut app, KeyCode::Char('r'));
        let screen = render(&app);
        let text = dialog_text(&app).join(" ");
        assert!(
            text.contains("nothing can be removed until the engine is back"),
            "{screen}"
        );
        assert!(!screen.contains("[ Remove"), "{screen}");
        insta::assert_snapshot!(format!("outage_remove_{width}x{height}"), screen);
        assert!(press(&mut app, KeyCode::Char('y')).commands.is_empty());
    }
}
