//! The Activity view: the audit log, newest first.

use crate::format::{bytes, rfc3339};
use crate::tui::app::App;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Paragraph, Row, Table};

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let list = &app.activity;
    if list.entries.is_empty() {
        frame.render_widget(
            Paragraph::new(" The audit log is empty.").style(theme.hint),
            area,
        );
        return;
    }
    let wide = area.width >= 120;
    let mut titles = vec!["TIME", "ACTION", "REFERENCE", "RESULT"];
    let mut widths = vec![
        Constraint::Length(20),
        Constraint::Length(12),
        Constraint::Fill(2),
        Constraint::Fill(3),
    ];
    if wide {
        titles.insert(1, "ACTOR");
        widths.insert(1, Constraint::Length(22));
        titles.insert(4, "FREED");
        widths.insert(4, Constraint::Length(8));
    }
    let page = usize::from(area.height.saturating_sub(1));
    let window = list.scroll.window(page, list.index.len());
    let rows = list.index[window.clone()]
        .iter()
        .zip(window)
        .map(|(&i, position)| {
            let e = &list.entries[i].entry;
            let mut cells = vec![
                rfc3339(e.time),
                e.action.clone(),
                e.reference.clone(),
                e.result.clone(),
            ];
            if wide {
                cells.insert(1, e.actor.clone());
                cells.insert(
                    4,
                    if e.bytes_freed > 0 {
                        bytes(e.bytes_freed)
                    } else {
                        "-".into()
                    },
                );
            }
            let style = if position == list.scroll.cursor {
                theme.selected
            } else {
                Style::default()
            };
            Row::new(cells).style(style)
        });
    let table = Table::new(rows, widths)
        .header(Row::new(titles).style(theme.column_header))
        .column_spacing(1);
    frame.render_widget(table, area);
}
