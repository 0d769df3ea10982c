//! The help screen, generated from the same key table as the footer.

use crate::tui::app::App;
use crate::tui::keys::{BINDINGS, View, offered};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub fn draw(app: &App, frame: &mut Frame) {
    let theme = &app.theme;
    let mut lines = Vec::new();
    let mut sections: Vec<(&str, Vec<&'static crate::tui::keys::Binding>)> = Vec::new();
    for binding in BINDINGS.iter().filter(|b| offered(b, app.read_only)) {
        let section = if binding.views.len() == View::ALL.len() {
            "Everywhere"
        } else if binding.views.len() > 1 {
            "Lists"
        } else {
            binding.views[0].title()
        };
        match sections.iter_mut().find(|(name, _)| *name == section) {
            Some((_, list)) => list.push(binding),
            None => sections.push((section, vec![binding])),
        }
    }
    for (section, bindings) in sections {
        lines.push(Line::styled(section, theme.column_header));
        for binding in bindings {
            lines.push(Line::from(vec![
                Span::styled(format!(" {:>9} ", binding.label), theme.key),
                Span::raw(format!(" {}", binding.description)),
            ]));
        }
    }
    if app.read_only {
        lines.push(Line::styled(
            "Read-only: changes are disabled.",
            theme.warning,
        ));
    }
    let screen = frame.area();
    // Two columns when one does not fit the height (80×24 over SSH).
    let room = usize::from(screen.height.saturating_sub(2)).max(1);
    let columns = if lines.len() > room { 2 } else { 1 };
    let per_column = lines.len().div_ceil(columns);
    let height = (per_column as u16 + 2).min(screen.height);
    let width = screen.width.saturating_sub(2).min(40 * columns as u16 + 2);
    let area = super::dialog::centered(screen, width, height);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(" Keys (any key closes) ", theme.title))
        .style(theme.dialog);
    frame.render_widget(Clear, area);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let parts =
        Layout::horizontal(vec![Constraint::Ratio(1, columns as u32); columns]).split(inner);
    for (part, chunk) in parts.iter().zip(lines.chunks(per_column)) {
        frame.render_widget(Paragraph::new(chunk.to_vec()), *part);
    }
}
