//! The details pane: every matching rule (marking the winner and why), containers, digests,
//! and what removing the reference would do.

use crate::format::{bytes, rfc3339};
use crate::plan::RefState;
use crate::tui::app::App;
use crate::tui::text::{clock_time, countdown};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(" Details ", theme.title));
    let Some(snapshot) = &app.snapshot else {
        return;
    };
    let Some(row) = app.images.current(snapshot) else {
        frame.render_widget(Paragraph::new("Nothing selected.").block(block), area);
        return;
    };
    let image = &snapshot.inventory.images[row.image];
    let record = snapshot.records.get(&image.id);
    let name = row.key(&snapshot.inventory);
    let (state, state_style) = super::images::state(app, row, image.containers.len());
    let mut lines = vec![Line::from(vec![
        Span::styled(name.clone(), theme.title),
        Span::raw(format!("  {}  {}  ", image.short_id(), bytes(image.size))),
        Span::styled(state, state_style),
    ])];
    let when = match (row.state, row.deadline) {
        (RefState::Postponed { until }, Some(_)) => {
            format!(
                "postponed until {} (removal {})",
                rfc3339(until),
                countdown(row, snapshot.now)
            )
        }
        (_, Some(deadline)) => format!(
            "removal {} (at {})",
            countdown(row, snapshot.now),
            rfc3339(deadline)
        ),
        (_, None) => "no removal planned".to_string(),
    };
    lines.push(Line::from(format!(
        "{when} · last used at {} · agent-downloaded: {}",
        clock_time(record.and_then(|r| r.idle_since()), snapshot.now),
        if snapshot.agent_downloaded(&image.id) {
            "yes"
        } else {
            "no"
        }
    )));
    let others: Vec<&str> = image
        .references
        .iter()
        .map(String::as_str)
        .filter(|r| *r != name)
        .collect();
    lines.push(Line::from(if others.is_empty() {
        format!(
            "Removing it deletes the image and frees {}.",
            bytes(image.size)
        )
    } else {
        format!(
            "Removing it only untags: the image keeps {}.",
            others.join(", ")
        )
    }));
    if let Some(reason) = app.failed.get(&name) {
        lines.push(Line::styled(
            format!("Last removal failed: {reason}"),
            theme.status_error,
        ));
    }
    lines.push(Line::styled("Matching rules:", theme.column_header));
    if row.matching.is_empty() {
        lines.push(Line::from("  none: no rule's pattern matches this name"));
    }
    let agent_downloaded = snapshot.agent_downloaded(&image.id);
    for &i in &row.matching {
        let rule = &snapshot.rules.rules[i];
        let why = if Some(i) == row.winner {
            "wins: the most aggressive applicable rule".to_string()
        } else if rule.rule.agent_downloaded_only && !agent_downloaded {
            "not applicable: agent_downloaded_only and this image was not agent-downloaded"
                .to_string()
        } else {
            match row.winner.map(|w| &snapshot.rules.rules[w]) {
                Some(w) if w.rule.delete_after_minutes == rule.rule.delete_after_minutes => {
                    "ties with the winner, which comes first".to_string()
                }
                Some(w) => format!(
                    "less aggressive ({}m > {}m)",
                    rule.rule.delete_after_minutes, w.rule.delete_after_minutes
                ),
                None => "not deciding".to_string(),
            }
        };
        let marker = if Some(i) == row.winner { "▶ " } else { "  " };
        lines.push(Line::from(format!("{marker}{} — {why}", rule.label())));
    }
    if !image.containers.is_empty() {
        let containers: Vec<String> = image
            .containers
            .iter()
            .map(|c| format!("{} ({})", c.name, c.state))
            .collect();
        lines.push(Line::from(format!("Containers: {}", containers.join(", "))));
    }
    lines.push(Line::from(format!("Image ID: {}", image.id)));
    for digest in &image.repo_digests {
        lines.push(Line::from(format!("Digest: {digest}")));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
