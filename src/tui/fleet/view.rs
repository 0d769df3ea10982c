//! Drawing the Nodes view: `draw(&Nodes, …)` reads the state and cannot change it. Only the
//! visible rows become cells; narrow terminals drop columns (engine, freed, mode) before they
//! cut names.

use super::nodes::{Known, NodeRow, NodeSort, Nodes, reachable};
use crate::core::format::{bytes, escape_controls, relative};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, Wrap};

const KEYS: &[(&str, &str)] = &[
    ("enter", "open"),
    ("s/S", "sort"),
    ("f", "group"),
    ("r", "remove marked"),
    ("a", "approve"),
    ("p", "postpone"),
    ("x", "unmark"),
    ("R", "refresh"),
    ("q", "quit"),
];

pub fn draw(nodes: &Nodes, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    frame.render_widget(Block::new().style(theme.base), area);
    let [header, table, results, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(nodes.results_height()),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(nodes, theme, frame, header);
    draw_table(nodes, theme, frame, table);
    if !nodes.results.is_empty() {
        let mut lines = vec![Line::styled(" Batch results", theme.column_header)];
        lines.extend(nodes.results.iter().map(|(node, ok, text)| {
            let style = if *ok {
                theme.status_ok
            } else {
                theme.status_error
            };
            Line::styled(
                escape_controls(&format!(" {node}: {text}")).into_owned(),
                style,
            )
        }));
        frame.render_widget(Paragraph::new(lines), results);
    }
    if let Some((error, text)) = &nodes.status {
        let style = if *error {
            theme.status_error
        } else {
            theme.status_ok
        };
        frame.render_widget(
            Paragraph::new(escape_controls(text).into_owned()).style(style),
            status,
        );
    }
    let spans: Vec<Span> = KEYS
        .iter()
        .flat_map(|(key, what)| {
            [
                Span::styled(format!(" {key}"), theme.key),
                Span::styled(format!(" {what}"), theme.hint),
            ]
        })
        .collect();
    frame.render_widget(Paragraph::new(Line::from(spans)), footer);
    if let Some(action) = nodes.confirm {
        draw_confirm(nodes, action.verb(), theme, frame, area);
    }
}

fn draw_header(nodes: &Nodes, theme: &Theme, frame: &mut Frame, area: Rect) {
    let answered = nodes
        .rows
        .iter()
        .filter(|r| matches!(r.known, Known::Up(_)))
        .count();
    let marked = nodes.marked_total();
    let mut text = format!(
        " imgreaper fleet · {} nodes, {answered} answered · group: {} · by {}{}",
        nodes.rows.len(),
        nodes.group.as_deref().unwrap_or("all"),
        nodes.sort.title(),
        if nodes.reverse { " (reversed)" } else { "" }
    );
    if marked > 0 {
        text.push_str(&format!(" · {marked} marked"));
    }
    frame.render_widget(Paragraph::new(text).style(theme.header), area);
}

/// A column: its title, width, and whether it may be dropped on a narrow screen (in order).
struct Column {
    title: &'static str,
    width: u16,
    drop_rank: Option<u8>,
}

const COLUMNS: [Column; 11] = [
    Column {
        title: "",
        width: 3,
        drop_rank: None,
    },
    Column {
        title: "NODE",
        width: 14,
        drop_rank: None,
    },
    Column {
        title: "REACHABLE",
        width: 12,
        drop_rank: None,
    },
    Column {
        title: "ENGINE",
        width: 14,
        drop_rank: Some(0),
    },
    Column {
        title: "MODE",
        width: 7,
        drop_rank: Some(2),
    },
    Column {
        title: "IMAGES",
        width: 6,
        drop_rank: None,
    },
    Column {
        title: "DUE",
        width: 4,
        drop_rank: None,
    },
    Column {
        title: "NEXT REMOVAL",
        width: 12,
        drop_rank: None,
    },
    Column {
        title: "RECLAIMABLE",
        width: 11,
        drop_rank: None,
    },
    Column {
        title: "FREED 24H",
        width: 9,
        drop_rank: Some(1),
    },
    Column {
        title: "LAST",
        width: 0,
        drop_rank: None,
    },
];

/// The columns that fit `width`, the last (LAST) taking what is left (at least 12).
fn fitting(width: u16) -> Vec<usize> {
    let mut kept: Vec<usize> = (0..COLUMNS.len()).collect();
    let total =
        |kept: &[usize]| -> u16 { kept.iter().map(|&i| COLUMNS[i].width + 1).sum::<u16>() + 12 };
    for rank in 0..3u8 {
        if total(&kept) <= width {
            break;
        }
        kept.retain(|&i| COLUMNS[i].drop_rank != Some(rank));
    }
    kept
}

fn cells(row: &NodeRow, now: i64) -> [String; 11] {
    let marked = if row.marked.is_empty() {
        String::new()
    } else {
        format!("{}*", row.marked.len())
    };
    let last = match (&row.last_result, &row.last_error, &row.known) {
        (Some((_, text)), _, _) => text.clone(),
        (None, _, Known::Down(error)) => error.to_string(),
        (None, Some(error), _) => format!("earlier: {error}"),
        (None, None, _) => String::new(),
    };
    let dash = || "-".to_string();
    match &row.known {
        Known::Up(seen) => {
            let answer = &seen.answer;
            let s = &answer.summary;
            let engine = seen.engine.clone().unwrap_or_else(|| "down".into());
            // Countdowns count on the node's clock, as of when it answered.
            let skew = s.now - row.polled_at.unwrap_or(now);
            [
                marked,
                row.node.name.clone(),
                reachable(row).to_string(),
                engine,
                s.mode.to_string(),
                s.images.to_string(),
                s.due.to_string(),
                s.next_removal
                    .map_or_else(dash, |at| relative(at, now + skew)),
                bytes(s.reclaimable_bytes),
                bytes(answer.freed_24h),
                last,
            ]
        }
        _ => [
            marked,
            row.node.name.clone(),
            reachable(row).to_string(),
            dash(),
            dash(),
            dash(),
            dash(),
            dash(),
            dash(),
            dash(),
            last,
        ],
    }
}

fn draw_table(nodes: &Nodes, theme: &Theme, frame: &mut Frame, area: Rect) {
    let kept = fitting(area.width);
    let now = nodes.now;
    let page = usize::from(area.height.saturating_sub(1)).max(1);
    let first = nodes.cursor.saturating_sub(page - 1).min(nodes.cursor);
    let header = Row::new(kept.iter().map(|&i| {
        let title = COLUMNS[i].title;
        if title == nodes.sort.title() || (nodes.sort == NodeSort::Name && title == "NODE") {
            format!("{title}{}", if nodes.reverse { "↑" } else { "↓" })
        } else {
            title.to_string()
        }
    }))
    .style(theme.column_header);
    let rows: Vec<Row> = nodes
        .shown
        .iter()
        .enumerate()
        .skip(first)
        .take(page)
        .map(|(position, &index)| {
            let row = &nodes.rows[index];
            let all = cells(row, now);
            let style: Style = if position == nodes.cursor {
                theme.selected
            } else if matches!(row.known, Known::Down(_)) {
                theme.failed
            } else if !row.marked.is_empty() {
                theme.marked
            } else {
                theme.base
            };
            Row::new(kept.iter().map(|&i| escape_controls(&all[i]).into_owned())).style(style)
        })
        .collect();
    let widths: Vec<Constraint> = kept
        .iter()
        .map(|&i| match COLUMNS[i].width {
            0 => Constraint::Min(12),
            w => Constraint::Length(w),
        })
        .collect();
    frame.render_widget(Table::new(rows, widths).header(header), area);
}

fn draw_confirm(nodes: &Nodes, verb: &str, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut lines = vec![Line::from(format!(
        "{verb} {} marked on {} nodes?",
        nodes.marked_total(),
        nodes.rows.iter().filter(|r| !r.marked.is_empty()).count()
    ))];
    for row in nodes.rows.iter().filter(|r| !r.marked.is_empty()) {
        let names: Vec<&str> = row.marked.iter().map(|t| t.reference.as_str()).collect();
        lines.push(Line::from(
            escape_controls(&format!("  {}: {}", row.node.name, names.join(", "))).into_owned(),
        ));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(
        "y: yes, each node checks again   any other key: no",
    ));
    let height = (lines.len() as u16 + 2).min(area.height);
    let width = area.width.saturating_sub(4).min(76);
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .style(theme.dialog)
            .block(
                Block::new()
                    .borders(Borders::ALL)
                    .border_style(theme.dialog_border),
            ),
        popup,
    );
}
