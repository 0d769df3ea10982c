//! The Activity view: the audit log, newest first.

use crate::core::format::{bytes, escape_controls};
use crate::tui::app::App;
use crate::tui::text::{clock_time, local_times};
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
        Constraint::Length(16),
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
            let now = app.now().unwrap_or(e.time);
            let mut cells = vec![
                clock_time(Some(e.time), now),
                escape_controls(&e.action).into_owned(),
                escape_controls(&e.reference).into_owned(),
                local_times(&escape_controls(&e.result), now).into_owned(),
            ];
            if wide {
                cells.insert(1, escape_controls(&e.actor).into_owned());
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
