//! The help screen, generated from the same key table as the footer. As many columns as fit; the
//! rest scrolls.

use crate::tui::app::App;
use crate::tui::keys::{BINDINGS, Binding, View, offered};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Columns of one help column: the key label and its description (two fit in 80 columns).
const COLUMN: u16 = 39;

pub fn draw(app: &App, scroll: usize, frame: &mut Frame) {
    let theme = &app.theme;
    let mut lines = Vec::new();
    let mut sections: Vec<(&str, Vec<&'static Binding>)> = Vec::new();
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
    lines.push(Line::styled("/ matches name, state, rule", theme.hint));
    lines.push(Line::styled("Dialog: y confirms, c copies", theme.hint));
    if app.read_only {
        lines.push(Line::styled(
            "Read-only: changes are disabled.",
            theme.warning,
        ));
    }
    let screen = frame.area();
    let room = usize::from(screen.height.saturating_sub(2)).max(1);
    let fit = usize::from((screen.width.saturating_sub(2) / COLUMN).max(1));
    let columns = lines.len().div_ceil(room).clamp(1, fit);
    let per_column = lines.len().div_ceil(columns);
    let rows = per_column.min(room);
    // Scrolling moves every column by the same rows; the last page still fills the box.
    let scroll = scroll.min(per_column.saturating_sub(rows));
    let height = (rows as u16 + 2).min(screen.height);
    let width = screen.width.min(COLUMN * columns as u16 + 2);
    let area = super::dialog::centered(screen, width, height);
    let more = if per_column > rows {
        " Keys (j/k scroll, any other key closes) "
    } else {
        " Keys (any key closes) "
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(more, theme.title))
        .style(theme.dialog);
    frame.render_widget(Clear, area);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let parts =
        Layout::horizontal(vec![Constraint::Ratio(1, columns as u32); columns]).split(inner);
    for (part, chunk) in parts.iter().zip(lines.chunks(per_column)) {
        let shown: Vec<Line> = chunk.iter().skip(scroll).take(rows).cloned().collect();
        frame.render_widget(Paragraph::new(shown), *part);
    }
}
