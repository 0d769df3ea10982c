//! The details pane: every matching rule (marking the winner and why), containers, digests,
//! what removing the reference would do, and what was last done to it.

use crate::core::format::{bytes, escape_controls, minutes};
use crate::core::plan::RefState;
use crate::node::removal::container_names;
use crate::tui::app::App;
use crate::tui::text::{clock_time, countdown, local_times, rule_label};
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
        Span::styled(escape_controls(&name).into_owned(), theme.title),
        Span::raw(format!("  {}  {}  ", image.short_id(), bytes(image.size))),
        Span::styled(state, state_style),
    ])];
    let now = snapshot.now;
    let when = match (row.state, row.deadline) {
        (RefState::InUse, _) => "no removal while in use".to_string(),
        (RefState::Postponed { until }, Some(_)) => format!(
            "postponed until {} (removal {}; p postpones more or ends it)",
            clock_time(Some(until), now),
            countdown(row, now)
        ),
        (RefState::AwaitingApproval, deadline) => format!(
            "due since {}, awaiting approval (a approves it)",
            clock_time(deadline, now)
        ),
        (RefState::Due, deadline) => format!(
            "due since {}: the enforcer removes it now",
            clock_time(deadline, now)
        ),
        (_, Some(deadline)) => format!(
            "removal {}, at {}",
            countdown(row, now),
            clock_time(Some(deadline), now)
        ),
        (_, None) => "no removal planned".to_string(),
    };
    let adopted = snapshot.agent_downloaded(&image.id);
    let adopt_hint = match (adopted, app.read_only) {
        (_, true) => "",
        (true, false) => " (A disowns it)",
        (false, false) => " (A adopts it)",
    };
    lines.push(Line::from(format!(
        "{when} · last used {} · agent-downloaded: {}{adopt_hint}",
        clock_time(record.and_then(|r| r.idle_since()), now),
        if adopted { "yes" } else { "no" }
    )));
    // Why it stays or goes beyond its rules (§11): a keep rule, disk pressure, former names.
    if let Some(keep) = row.kept_by.map(|k| &snapshot.rules.keeps[k]) {
        lines.push(Line::from(format!(
            "Kept by {}: never removed, by a deadline or by disk pressure.",
            escape_controls(&keep.label())
        )));
    }
    if let Some(p) = row.pressure {
        lines.push(Line::from(format!(
            "Due now to free disk space: disk {}% ≥ {}%, freeing down to {}%.",
            p.used_percent, p.high_percent, p.low_percent
        )));
    }
    if !row.formerly.is_empty() {
        lines.push(Line::from(format!(
            "Formerly {}: the rules of those names still apply.",
            escape_controls(&row.formerly.join(", "))
        )));
    }
    let others: Vec<String> = image
        .references
        .iter()
        .filter(|r| **r != name)
        .map(|r| escape_controls(r).into_owned())
        .collect();
    lines.push(Line::from(if image.in_use() {
        format!(
            "It cannot be removed while a container uses it: {}.",
            escape_controls(&container_names(&image.containers))
        )
    } else if others.is_empty() {
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
            format!("Last removal failed: {}", escape_controls(reason)),
            theme.status_error,
        ));
    }
    lines.push(Line::styled("Matching rules:", theme.column_header));
    if row.matching.is_empty() {
        lines.push(Line::from("  none: no rule's pattern matches this name"));
    }
    for &i in &row.matching {
        let Some(rule) = snapshot.rules.rules.get(i) else {
            continue;
        };
        let why = if Some(i) == row.winner {
            "wins: the most aggressive applicable rule".to_string()
        } else if rule.rule.agent_downloaded_only && !adopted {
            "not applicable: agent_downloaded_only and this image was not agent-downloaded"
                .to_string()
        } else {
            match row.winner.and_then(|w| snapshot.rules.rules.get(w)) {
                Some(w) if w.rule.delete_after_minutes == rule.rule.delete_after_minutes => {
                    "ties with the winner, which comes first".to_string()
                }
                Some(w) => format!(
                    "less aggressive ({} > {})",
                    minutes(rule.rule.delete_after_minutes),
                    minutes(w.rule.delete_after_minutes)
                ),
                None => "not deciding".to_string(),
            }
        };
        let marker = if Some(i) == row.winner { "▶ " } else { "  " };
        lines.push(Line::from(format!("{marker}{} — {why}", rule_label(rule))));
    }
    lines.push(Line::from(format!("Image ID: {}", image.id)));
    for digest in &image.repo_digests {
        lines.push(Line::from(format!("Digest: {}", escape_controls(digest))));
    }
    // What was last done to this name (approvals and postponements, and their lapse).
    let recent: Vec<_> = app
        .activity
        .entries
        .iter()
        .filter(|e| e.entry.reference == name)
        .take(3)
        .collect();
    if !recent.is_empty() {
        lines.push(Line::styled("Recent activity:", theme.column_header));
        for e in recent {
            lines.push(Line::from(format!(
                "  {} {} by {}: {}",
                clock_time(Some(e.entry.time), now),
                escape_controls(&e.entry.action),
                escape_controls(&e.entry.actor),
                local_times(&escape_controls(&e.entry.result), now)
            )));
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
