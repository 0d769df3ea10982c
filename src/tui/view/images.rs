//! The Images table: one row per reference, built only for the rows on screen.
//!
//! Columns are laid out by hand: REFERENCE first gets the room its longest name needs, then
//! RULE and LAST USED appear; at narrow widths columns are dropped rather than REFERENCE shrunk
//! to a few letters, and a name is cut in the middle of its repository, never in its tag.

use crate::core::format::{bytes, escape_controls};
use crate::core::plan::{RefPlan, RefState};
use crate::core::snapshot::Snapshot;
use crate::tui::app::App;
use crate::tui::app::images::{SortColumn, row_name};
use crate::tui::text::{clock_time, countdown, fit, fit_reference, width};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

/// "awaiting approval", the longest state word.
const STATE: u16 = 17;
/// "on approval", "in 23h 59m", and the title with its sort arrow, "REMOVAL IN ↑".
const REMOVAL: u16 = 12;
/// Between columns: two, so a full cell never reads as one with its neighbour.
const SPACING: u16 = 2;
const SIZE: u16 = 8;
/// "Nov 21 16:03"; a date in another year is longer.
const LAST_USED: u16 = 12;
const RULE_MIN: u16 = 12;
const RULE_MAX: u16 = 40;
/// REFERENCE never shrinks below this (or its longest name, when that is shorter) to make room.
const REFERENCE_MIN: u16 = 24;

/// Which columns are shown and how wide, in display order.
pub fn columns(area_width: u16, reference_ideal: u16, rule_ideal: u16) -> Vec<(SortColumn, u16)> {
    let spare = |used: u16| area_width.saturating_sub(used);
    // Each column costs its width and the spacing before it.
    let reference_min = reference_ideal.min(REFERENCE_MIN);
    let mut used = reference_min;
    let mut shown = Vec::new();
    for (column, width) in [
        (SortColumn::State, STATE),
        (SortColumn::Removal, REMOVAL),
        (SortColumn::Size, SIZE),
    ] {
        if spare(used) > width + SPACING - 1 {
            used += width + SPACING;
            shown.push((column, width));
        }
    }
    // REFERENCE grows to its longest name before RULE and LAST USED get any room.
    let reference_growth = spare(used).min(reference_ideal - reference_min);
    used += reference_growth;
    let rule_ideal = rule_ideal.clamp(RULE_MIN, RULE_MAX);
    if spare(used) > RULE_MIN + SPACING - 1 {
        used += RULE_MIN + SPACING;
        shown.push((SortColumn::Rule, RULE_MIN));
    }
    if spare(used) > LAST_USED + SPACING - 1 {
        used += LAST_USED + SPACING;
        shown.push((SortColumn::LastUsed, LAST_USED));
    }
    // Left over: RULE up to its longest text, then everything else to REFERENCE.
    if let Some((_, rule)) = shown.iter_mut().find(|(c, _)| *c == SortColumn::Rule) {
        let growth = spare(used).min(rule_ideal - RULE_MIN);
        *rule += growth;
        used += growth;
    }
    let reference = reference_min + reference_growth + spare(used);
    let order = |c: &SortColumn| match c {
        SortColumn::Reference => 0,
        SortColumn::Size => 1,
        SortColumn::State => 2,
        SortColumn::LastUsed => 3,
        SortColumn::Rule => 4,
        SortColumn::Removal => 5,
    };
    shown.push((SortColumn::Reference, reference));
    shown.sort_by_key(|(c, _)| order(c));
    shown
}

/// The REFERENCE cell's text: the name, or for an image without one `<none>`, its short ID and
/// the names it had that rules still reach (`<none> 0123456789ab formerly myorg/ui:nightly`).
pub fn reference_text(snapshot: &Snapshot, row: &RefPlan) -> String {
    match &row.reference {
        Some(name) => escape_controls(name).into_owned(),
        None => {
            let image = &snapshot.inventory.images[row.image];
            if row.formerly.is_empty() {
                format!("<none> {}", image.short_id())
            } else {
                format!(
                    "<none> {} formerly {}",
                    image.short_id(),
                    escape_controls(&row.formerly.join(", "))
                )
            }
        }
    }
}

/// The RULE cell: the winning rule's pattern and how long after last use it removes.
fn rule_text(snapshot: &Snapshot, row: &RefPlan) -> String {
    row.winner
        .and_then(|i| snapshot.rules.rules.get(i))
        .map_or_else(
            || "-".to_string(),
            |rule| {
                format!(
                    "{} {}",
                    escape_controls(&rule.rule.image_name),
                    crate::core::format::minutes(rule.rule.delete_after_minutes)
                )
            },
        )
}

/// The columns of the list at `area_width` for this snapshot's names and rules.
fn layout(snapshot: &Snapshot, area_width: u16) -> Vec<(SortColumn, u16)> {
    // Widths come from every row, not only those the filter shows: columns stay put as one types.
    let widest =
        |text: &dyn Fn(&RefPlan) -> usize| snapshot.rows.iter().map(text).max().unwrap_or(0);
    let reference_ideal = 2 + widest(&|row| width(&reference_text(snapshot, row)));
    let rule_ideal = widest(&|row| width(&rule_text(snapshot, row)));
    columns(
        area_width,
        u16::try_from(reference_ideal).unwrap_or(u16::MAX),
        u16::try_from(rule_ideal).unwrap_or(u16::MAX),
    )
}

/// The columns on screen now, in order (the ones `s` sorts by).
pub fn shown_columns(app: &App) -> Vec<SortColumn> {
    let Some(snapshot) = &app.snapshot else {
        return SortColumn::ALL.to_vec();
    };
    let area = crate::tui::view::layout::areas(app).list;
    layout(snapshot, area.width)
        .into_iter()
        .map(|(column, _)| column)
        .collect()
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let Some(snapshot) = &app.snapshot else {
        let text = if app.outage.is_some() {
            " No data yet: the engine does not answer (see above). R retries now."
        } else {
            " Reading the engine…"
        };
        frame.render_widget(Paragraph::new(text).style(theme.hint), area);
        return;
    };
    if snapshot.rows.is_empty() {
        frame.render_widget(
            Paragraph::new(" No images on this engine.").style(theme.hint),
            area,
        );
        return;
    }
    let list = &app.images;
    let columns = layout(snapshot, area.width);
    let header = Row::new(columns.iter().map(|(column, width)| {
        let arrow = match (list.sort == *column, list.reverse) {
            (true, false) => " ↑",
            (true, true) => " ↓",
            _ => "",
        };
        Cell::from(fit(
            &format!("{}{arrow}", column.title()),
            usize::from(*width),
        ))
    }))
    .style(theme.column_header);
    let page = usize::from(area.height.saturating_sub(1));
    let window = list.scroll.window(page, list.index.len());
    let stale = app.outage.is_some();
    let rows = list.index[window.clone()]
        .iter()
        .zip(window)
        .filter_map(|(&i, position)| Some((snapshot.rows.get(i)?, position)))
        .map(|(row, position)| {
            let name = row_name(snapshot, row);
            let marked = list.marks.contains(name);
            let cursor = position == list.scroll.cursor;
            let cells = columns.iter().map(|(column, width)| {
                let (text, style) = cell(app, snapshot, row, *column, *width, marked);
                // On the cursor row and on stale rows every cell takes the row's colours, so a
                // state word can never vanish into the selection; its attributes stay.
                let style = if cursor || stale {
                    Style::default().add_modifier(style.add_modifier)
                } else {
                    style
                };
                Cell::from(Line::from(text)).style(style)
            });
            let mut style = Style::default();
            if stale {
                style = style.patch(theme.stale);
            }
            if cursor {
                style = style.patch(theme.selected);
            }
            Row::new(cells).style(style)
        });
    let widths: Vec<Constraint> = columns
        .iter()
        .map(|(_, w)| Constraint::Length(*w))
        .collect();
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .column_spacing(SPACING),
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
            escape_controls(&list.filter)
        );
        frame.render_widget(Paragraph::new(text).style(theme.hint), empty);
    }
}

fn cell(
    app: &App,
    snapshot: &Snapshot,
    row: &RefPlan,
    column: SortColumn,
    width: u16,
    marked: bool,
) -> (String, Style) {
    let theme = &app.theme;
    let image = &snapshot.inventory.images[row.image];
    let width = usize::from(width);
    match column {
        SortColumn::Reference => {
            let name = match &row.reference {
                Some(name) => {
                    // A tag whose registry digest moved (the last check) says so after its name.
                    let note = match app.updates.contains_key(name) {
                        false => "",
                        true if width >= 40 => " · update available",
                        true => " · update",
                    };
                    let room = width.saturating_sub(2 + note.chars().count());
                    format!("{}{note}", fit_reference(&escape_controls(name), room))
                }
                None => fit(&reference_text(snapshot, row), width.saturating_sub(2)),
            };
            let text = format!("{}{name}", if marked { "● " } else { "  " });
            let style = if marked {
                theme.marked
            } else {
                Style::default()
            };
            (text, style)
        }
        SortColumn::Size => (bytes(image.size), Style::default()),
        SortColumn::State => {
            let (text, style) = state(app, row, image.containers.len());
            (fit(&text, width), style)
        }
        SortColumn::LastUsed => {
            let idle = snapshot.records.get(&image.id).and_then(|r| r.idle_since());
            (
                fit(&clock_time(idle, snapshot.now), width),
                Style::default(),
            )
        }
        SortColumn::Rule => (fit(&rule_text(snapshot, row), width), Style::default()),
        SortColumn::Removal => (fit(&countdown(row, snapshot.now), width), Style::default()),
    }
}

/// The state cell, including the console's own states (removing, failed).
pub fn state(app: &App, row: &RefPlan, containers: usize) -> (String, Style) {
    let theme: &Theme = &app.theme;
    let key = app
        .snapshot
        .as_ref()
        .map(|snapshot| row_name(snapshot, row))
        .unwrap_or_default();
    if app.removing.contains(key) {
        return ("removing…".into(), theme.removing);
    }
    if app.failed.contains_key(key) {
        return ("failed".into(), theme.failed);
    }
    match row.state {
        RefState::InUse => (format!("in use ({containers})"), theme.in_use),
        RefState::Pinned => ("pinned".into(), theme.pinned),
        RefState::Kept => ("kept".into(), theme.pinned),
        RefState::NoRule => ("no rule".into(), theme.no_rule),
        RefState::Spared => ("spared".into(), theme.spared),
        RefState::Scheduled => ("scheduled".into(), theme.scheduled),
        RefState::Postponed { .. } => ("postponed".into(), theme.postponed),
        // With disk pressure as the reason when it made the row due, short enough for the
        // column (the details pane gives the usage).
        RefState::Due => match row.pressure {
            Some(p) => (format!("due (disk ≥{}%)", p.high_percent), theme.due),
            None => ("due".into(), theme.due),
        },
        RefState::AwaitingApproval => ("awaiting approval".into(), theme.due),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widths(area: u16, reference: u16, rule: u16) -> Vec<(SortColumn, u16)> {
        let shown = columns(area, reference, rule);
        let total: u16 = shown.iter().map(|(_, w)| w + SPACING).sum::<u16>() - SPACING;
        assert!(
            total <= area.max(reference.min(REFERENCE_MIN)),
            "{shown:?} in {area}"
        );
        shown
    }

    #[test]
    fn reference_gets_its_room_before_rule_and_last_used() {
        // 80 columns: the names need 56, so all spare room goes to REFERENCE.
        let at_80 = widths(80, 56, 20);
        let reference = at_80
            .iter()
            .find(|(c, _)| *c == SortColumn::Reference)
            .unwrap()
            .1;
        assert_eq!(
            reference,
            80 - (SIZE + SPACING) - (STATE + SPACING) - (REMOVAL + SPACING),
            "{at_80:?}"
        );
        assert!(
            at_80
                .iter()
                .all(|(c, _)| *c != SortColumn::LastUsed && *c != SortColumn::Rule),
            "{at_80:?}"
        );
        let at_160 = widths(160, 56, 20);
        assert!(at_160.iter().any(|(c, _)| *c == SortColumn::LastUsed));
        assert!(
            at_160
                .iter()
                .any(|(c, w)| *c == SortColumn::Rule && *w == 20)
        );
    }

    #[test]
    fn narrow_widths_drop_columns_rather_than_the_reference() {
        for area in 20..60 {
            let shown = widths(area, 50, 20);
            let reference = shown
                .iter()
                .find(|(c, _)| *c == SortColumn::Reference)
                .unwrap()
                .1;
            assert!(reference >= REFERENCE_MIN, "{area}: {shown:?}");
        }
        let at_44 = widths(44, 50, 20);
        assert!(
            at_44
                .iter()
                .any(|(c, w)| *c == SortColumn::State && *w == STATE)
        );
    }
}
