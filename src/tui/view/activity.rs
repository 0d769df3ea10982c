//! The Activity view: the audit log, newest first, and the details of the entry under the
//! cursor (`enter`/`d`), why a removal happened among them. Columns are as wide as what they
//! show; a name or a result that does not fit is cut with `…` (a name in its middle, so its
//! tag stays), and read whole in the details.

use crate::core::format::{bytes, escape_controls, rfc3339};
use crate::node::store::AuditEntry;
use crate::tui::app::App;
use crate::tui::text::{clock_time, fit, fit_reference, local_times, width, wrap};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table};

const SPACING: u16 = 2;

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
    let page = usize::from(area.height.saturating_sub(1));
    let window = list.scroll.window(page, list.index.len());
    let shown: Vec<&AuditEntry> = list.index[window.clone()]
        .iter()
        .map(|&i| &list.entries[i])
        .collect();
    let now = |e: &AuditEntry| app.now().unwrap_or(e.entry.time);
    let time = |e: &AuditEntry| clock_time(Some(e.entry.time), now(e));
    let freed = |e: &AuditEntry| {
        if e.entry.bytes_freed > 0 {
            bytes(e.entry.bytes_freed)
        } else {
            "-".to_string()
        }
    };
    // Fixed columns as wide as their widest shown cell (and their title).
    let widest = |title: &str, cell: &dyn Fn(&AuditEntry) -> String, cap: usize| {
        let cells = shown.iter().map(|e| width(&cell(e))).max().unwrap_or(0);
        u16::try_from(cells.max(width(title)).min(cap)).unwrap_or(u16::MAX)
    };
    let mut columns: Vec<(&str, u16)> = vec![
        ("TIME", widest("TIME", &time, 20)),
        (
            "ACTION",
            widest(
                "ACTION",
                &|e| escape_controls(&e.entry.action).into_owned(),
                14,
            ),
        ),
    ];
    if wide {
        columns.push((
            "ACTOR",
            widest(
                "ACTOR",
                &|e| escape_controls(&e.entry.actor).into_owned(),
                24,
            ),
        ));
        columns.push(("FREED", widest("FREED", &freed, 8)));
    }
    let fixed: u16 = columns.iter().map(|(_, w)| w + SPACING).sum();
    // REFERENCE gets what its longest name needs, up to half of the rest; RESULT the remainder.
    let rest = area.width.saturating_sub(fixed + SPACING);
    let longest = shown
        .iter()
        .map(|e| width(&escape_controls(&e.entry.reference)))
        .max()
        .unwrap_or(0);
    let reference = u16::try_from(longest.max(9))
        .unwrap_or(u16::MAX)
        .min(rest / 2)
        .max(rest.min(9));
    let result = rest.saturating_sub(reference);
    let (titles, widths) = {
        let mut titles: Vec<&str> = columns.iter().map(|(t, _)| *t).collect();
        let mut widths: Vec<u16> = columns.iter().map(|(_, w)| *w).collect();
        let at = 2.min(titles.len());
        titles.insert(at, "REFERENCE");
        widths.insert(at, reference);
        titles.push("RESULT");
        widths.push(result);
        (titles, widths)
    };
    let rows = shown.iter().zip(window).map(|(e, position)| {
        let entry = &e.entry;
        let mut cells = vec![
            time(e),
            fit(&escape_controls(&entry.action), usize::from(widths[1])),
        ];
        if wide {
            cells.push(fit(&escape_controls(&entry.actor), usize::from(widths[3])));
            cells.push(freed(e));
        }
        cells.insert(
            2,
            fit_reference(&escape_controls(&entry.reference), usize::from(reference)),
        );
        cells.push(fit(
            &local_times(&escape_controls(&entry.result), now(e)),
            usize::from(result),
        ));
        let style = if position == list.scroll.cursor {
            theme.selected
        } else {
            Style::default()
        };
        Row::new(cells).style(style)
    });
    let constraints: Vec<Constraint> = widths.iter().map(|w| Constraint::Length(*w)).collect();
    let table = Table::new(rows, constraints)
        .header(Row::new(titles).style(theme.column_header))
        .column_spacing(SPACING);
    frame.render_widget(table, area);
}

/// The entry under the cursor, whole: when (and the exact time), who, what, the image, what it
/// freed, the result, and why, for a removal.
pub fn details(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(" Details ", theme.title));
    let Some(e) = app.activity.current() else {
        frame.render_widget(Paragraph::new("Nothing selected.").block(block), area);
        return;
    };
    let entry = &e.entry;
    let now = app.now().unwrap_or(entry.time);
    let columns = usize::from(area.width).max(1);
    let mut lines: Vec<Line> = vec![Line::styled(
        fit(
            &format!(
                "{} {}",
                escape_controls(&entry.action),
                escape_controls(&entry.reference)
            ),
            columns,
        ),
        theme.title,
    )];
    let mut push = |text: String| {
        lines.extend(wrap(&text, columns).into_iter().map(Line::from));
    };
    push(format!(
        "At {} ({}) by {}",
        clock_time(Some(entry.time), now),
        rfc3339(entry.time),
        escape_controls(&entry.actor)
    ));
    if !entry.image_id.is_empty() {
        push(format!("Image: {}", escape_controls(&entry.image_id)));
    }
    if entry.bytes_freed > 0 {
        push(format!("Freed: {}", bytes(entry.bytes_freed)));
    }
    push(format!(
        "Result: {}",
        local_times(&escape_controls(&entry.result), now)
    ));
    if let Some(why) = &entry.why {
        push(format!(
            "Why: {}",
            why.summary(|t| clock_time(Some(t), now))
        ));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
