//! The message log on a key (`m`): every status message in full, wrapped, newest first.

use crate::core::format::escape_controls;
use crate::tui::app::App;
use crate::tui::text::{clock_time, wrap};
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub fn draw(app: &App, scroll: usize, frame: &mut Frame) {
    let theme = &app.theme;
    let screen = frame.area();
    let area = super::dialog::centered(
        screen,
        screen.width.saturating_sub(2).min(120),
        screen.height.saturating_sub(2).max(screen.height.min(3)),
    );
    let columns = usize::from(area.width.saturating_sub(2)).max(1);
    let mut lines: Vec<Line> = Vec::new();
    if app.messages.entries.is_empty() {
        lines.push(Line::styled("No messages yet.", theme.hint));
    }
    for message in app.messages.entries.iter().skip(scroll) {
        let style = if message.error {
            theme.status_error
        } else {
            theme.status_ok
        };
        let stamp = match (message.at, app.now()) {
            (Some(at), Some(now)) => format!("{} ", clock_time(Some(at), now)),
            _ => String::new(),
        };
        let text = format!(
            "{stamp}{}",
            super::chrome::in_local_time(app, &escape_controls(&message.text))
        );
        // Messages joined with "; " read better one part to a line.
        for part in text.split("; ") {
            for line in wrap(part, columns) {
                lines.push(Line::styled(line, style));
            }
        }
    }
    let title = format!(
        " Messages, newest first ({} of {}; j/k scroll, any other key closes) ",
        (scroll + 1).min(app.messages.entries.len()),
        app.messages.entries.len()
    );
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(
            crate::tui::text::fit(&title, columns),
            theme.title,
        ))
        .style(theme.dialog);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
