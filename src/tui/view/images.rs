//! The Images table: one row per reference, built only for the rows on screen.

use crate::format::bytes;
use crate::plan::{RefPlan, RefState};
use crate::snapshot::Snapshot;
use crate::tui::app::App;
use crate::tui::app::images::{SortColumn, row_name};
use crate::tui::text::{clock_time, countdown, fit};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

/// Which columns fit: narrow terminals drop the rule and last-used columns.
fn columns(width: u16) -> Vec<(SortColumn, Constraint)> {
    let mut columns = vec![
        (SortColumn::Reference, Constraint::Fill(1)),
        (SortColumn::Size, Constraint::Length(8)),
        (SortColumn::State, Constraint::Length(17)),
    ];
    if width >= 120 {
        columns.push((SortColumn::LastUsed, Constraint::Length(11)));
    }
    if width >= 90 {
        columns.push((
            SortColumn::Rule,
            Constraint::Length(if width >= 140 { 30 } else { 20 }),
        ));
    }
    columns.push((SortColumn::Removal, Constraint::Length(11)));
    columns
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let Some(snapshot) = &app.snapshot else {
        frame.render_widget(
            Paragraph::new(" Reading the engine…").style(theme.hint),
            area,
        );
        return;
    };
    if snapshot.rows.is_empty() {
        frame.render_widget(
            Paragraph::new(" No images on this engine.").style(theme.hint),
            area,
        );
        return;
    }
    let columns = columns(area.width);
    let list = &app.images;
    let header = Row::new(columns.iter().map(|(column, _)| {
        let arrow = match (list.sort == *column, list.reverse) {
            (true, false) => " ↑",
            (true, true) => " ↓",
            _ => "",
        };
        Cell::from(format!("{}{arrow}", column.title()))
    }))
    .style(theme.column_header);
    let page = usize::from(area.height.saturating_sub(1));
    let window = list.scroll.window(page, list.index.len());
    let stale = app.outage.is_some();
    let rows = list.index[window.clone()]
        .iter()
        .zip(window)
        .map(|(&i, position)| {
            let row = &snapshot.rows[i];
            let name = row_name(snapshot, row);
            let marked = list.marks.contains(name);
            let cells = columns
                .iter()
                .map(|(column, _)| cell(app, snapshot, row, *column, marked));
            let mut style = Style::default();
            if stale {
                style = style.patch(theme.stale);
            }
            if position == list.scroll.cursor {
                style = style.patch(theme.selected);
            }
            Row::new(cells).style(style)
        });
    let widths: Vec<Constraint> = columns.iter().map(|(_, c)| *c).collect();
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
    if list.index.is_empty() {
        let empty = Rect {
            y: area.y + 1,
            height: 1,
            ..area
        };
        let text = format!(
            " Nothing matches the filter /{} (esc clears it)",
            list.filter
        );
        frame.render_widget(Paragraph::new(text).style(theme.hint), empty);
    }
}

fn cell<'a>(
    app: &App,
    snapshot: &'a Snapshot,
    row: &'a RefPlan,
    column: SortColumn,
    marked: bool,
) -> Cell<'a> {
    let theme = &app.theme;
    let image = &snapshot.inventory.images[row.image];
    match column {
        SortColumn::Reference => {
            let name = match &row.reference {
                Some(name) => name.clone(),
                None => format!("<none> {}", image.short_id()),
            };
            let text = format!("{}{name}", if marked { "● " } else { "  " });
            Cell::from(text).style(if marked {
                theme.marked
            } else {
                Style::default()
            })
        }
        SortColumn::Size => Cell::from(bytes(image.size)),
        SortColumn::State => {
            let (text, style) = state(app, row, image.containers.len());
            Cell::from(Line::from(text)).style(style)
        }
        SortColumn::LastUsed => {
            let idle = snapshot.records.get(&image.id).and_then(|r| r.idle_since());
            Cell::from(clock_time(idle, snapshot.now))
        }
        SortColumn::Rule => Cell::from(row.winner.map_or_else(
            || "-".to_string(),
            |i| {
                let rule = &snapshot.rules.rules[i].rule;
                fit(
                    &format!("{} {}m", rule.image_name, rule.delete_after_minutes),
                    30,
                )
            },
        )),
        SortColumn::Removal => Cell::from(countdown(row, snapshot.now)),
    }
}

/// The state cell, including the console's own states (removing, failed).
pub fn state(app: &App, row: &RefPlan, containers: usize) -> (String, Style) {
    let theme: &Theme = &app.theme;
    let key = row_name(app.snapshot.as_ref().expect("drawn with data"), row);
    if app.removing.contains(key) {
        return ("removing…".into(), theme.removing);
    }
    if app.failed.contains_key(key) {
        return ("failed".into(), theme.failed);
    }
    match row.state {
        RefState::InUse => (format!("in use ({containers})"), theme.in_use),
        RefState::Pinned => ("pinned".into(), theme.pinned),
        RefState::NoRule => ("no rule".into(), theme.no_rule),
        RefState::Spared => ("spared".into(), theme.spared),
        RefState::Scheduled => ("scheduled".into(), theme.scheduled),
        RefState::Postponed { .. } => ("postponed".into(), theme.postponed),
        RefState::Due => ("due".into(), theme.due),
        RefState::AwaitingApproval => ("awaiting approval".into(), theme.due),
    }
}
