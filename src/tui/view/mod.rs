//! Pure view functions: `draw(&App, &mut Frame)` reads the state and cannot change it.

mod activity;
pub mod ascii;
mod chrome;
pub mod details;
mod dialog;
mod help;
pub mod images;
pub mod layout;
mod messages;
pub mod rules;

use crate::tui::app::App;
use crate::tui::app::modal::Modal;
use crate::tui::keys::View;
use ratatui::Frame;
use ratatui::widgets::Block;

pub fn draw(app: &App, frame: &mut Frame) {
    let areas = layout::areas(app);
    frame.render_widget(Block::new().style(app.theme.base), frame.area());
    chrome::header(app, frame, areas.header);
    chrome::tabs(app, frame, areas.tabs);
    if let Some(banner) = areas.banner {
        chrome::banner(app, frame, banner);
    }
    match app.view {
        View::Images => {
            images::draw(app, frame, areas.list);
            if let Some(side) = areas.side {
                details::draw(app, frame, side);
            }
        }
        View::Rules => rules::draw(app, frame, areas.list, areas.side),
        View::Activity => {
            activity::draw(app, frame, areas.list);
            if let Some(side) = areas.side {
                activity::details(app, frame, side);
            }
        }
    }
    chrome::status(app, frame, areas.status);
    chrome::footer(app, frame, areas.footer);
    match &app.modal {
        Some(Modal::Confirm(confirm)) => dialog::confirm(app, confirm, frame),
        Some(Modal::Prompt(prompt)) => dialog::prompt(app, prompt, frame),
        Some(Modal::Quit(quit)) => dialog::quit(app, quit, frame),
        Some(Modal::Overwrite(overwrite)) => dialog::overwrite(app, overwrite, frame),
        Some(Modal::Ask(ask)) => dialog::ask(app, ask, frame),
        Some(Modal::Mode(choice)) => dialog::mode(app, choice, frame),
        Some(Modal::Help { scroll }) => help::draw(app, *scroll, frame),
        Some(Modal::Messages { scroll }) => messages::draw(app, *scroll, frame),
        None => {}
    }
    if app.ascii {
        ascii::downgrade(frame.buffer_mut());
    }
}
