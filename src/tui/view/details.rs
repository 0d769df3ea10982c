//! The details pane: what decides the reference's fate first (the winning rule, the keep rule,
//! the pin), then when, every matching rule and why it does or does not win, containers,
//! digests, what removing it would do, and what was last done to it. The lines are wrapped
//! here, so the pane knows how far it scrolls (J/K, the wheel over it).

use crate::core::format::{bytes, escape_controls, minutes};
use crate::core::plan::RefState;
use crate::node::removal::container_names;
use crate::tui::app::App;
use crate::tui::text::{
    clock_time, countdown, fit_reference, local_times, rule_label, width, wrap,
};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let inner = area.height.saturating_sub(1);
    let lines = lines(app, area.width);
    let scroll = app
        .images
        .details_scroll
        .min(max_scroll(lines.len(), inner));
    let below = lines.len().saturating_sub(scroll + usize::from(inner));
    let title = match (scroll, below) {
        (0, 0) => " Details ".to_string(),
        (0, below) => format!(" Details (↓ {below} more: J/K scroll) "),
        (above, 0) => format!(" Details (↑ {above} above: J/K scroll) "),
        (above, below) => format!(" Details (↑ {above} above, ↓ {below} more: J/K) "),
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(title, theme.title));
    let shown: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(shown).block(block), area);
}

/// How far a pane of `height` rows can scroll over `lines` lines.
pub fn max_scroll(lines: usize, height: u16) -> usize {
    lines.saturating_sub(usize::from(height))
}

/// How many display lines the details of the current row take at `columns`.
pub fn line_count(app: &App, columns: u16) -> usize {
    lines(app, columns).len()
}

/// The pane's lines, wrapped to `columns`.
fn lines(app: &App, columns: u16) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let columns = usize::from(columns).max(1);
    let Some(snapshot) = &app.snapshot else {
        return Vec::new();
    };
    let Some(row) = app.images.current(snapshot) else {
        return vec![Line::from("Nothing selected.")];
    };
    let mut out: Vec<Line<'static>> = Vec::new();
    let mut push = |text: String, style: Style| {
        for line in wrap(&text, columns) {
            out.push(Line::styled(line, style));
        }
    };
    let image = &snapshot.inventory.images[row.image];
    let record = snapshot.records.get(&image.id);
    let name = row.key(&snapshot.inventory);
    let (state, state_style) = super::images::state(app, row, image.containers.len());
    let shown_name = escape_controls(&name).into_owned();
    let facts = format!("  {}  {}  ", image.short_id(), bytes(image.size));
    let mut heading = Vec::new();
    if width(&shown_name) + width(&facts) + width(&state) <= columns {
        heading.push(Line::from(vec![
            Span::styled(shown_name, theme.title),
            Span::raw(facts),
            Span::styled(state, state_style),
        ]));
    } else {
        heading.push(Line::styled(
            fit_reference(&shown_name, columns),
            theme.title,
        ));
        heading.push(Line::from(vec![
            Span::raw(facts.trim_start().to_string()),
            Span::styled(state, state_style),
        ]));
    }
    let adopted = snapshot.agent_downloaded(&image.id);
    let winner = row.winner.and_then(|w| snapshot.rules.rules.get(w));
    // What decides first: the operator came to see which rule applies.
    let deciding = match (
        row.state,
        row.kept_by.map(|k| &snapshot.rules.keeps[k]),
        winner,
    ) {
        (_, Some(keep), _) => format!(
            "Kept by {}: never removed, by a deadline or by disk pressure.",
            escape_controls(&keep.label())
        ),
        (RefState::Pinned, _, _) => "Pinned: never removed until unpinned (P).".to_string(),
        (RefState::InUse, _, Some(rule)) => format!(
            "Rule: ▶ {} (applies once no container uses it)",
            rule_label(rule)
        ),
        (_, _, Some(rule)) => format!(
            "Rule: ▶ {} (the most aggressive applicable)",
            rule_label(rule)
        ),
        (RefState::Spared, _, None) => "Spared: every matching rule is agent_downloaded_only and \
                                        this image was not agent-downloaded."
            .to_string(),
        (_, _, None) if row.matching.is_empty() => "No rule matches this name.".to_string(),
        (_, _, None) => "No applicable rule.".to_string(),
    };
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
    let adopt_hint = match (adopted, app.read_only) {
        (_, true) => "",
        (true, false) => " (A disowns it)",
        (false, false) => " (A adopts it)",
    };
    push(deciding, Style::default());
    push(
        format!(
            "{when} · last used {} · agent-downloaded: {}{adopt_hint}",
            clock_time(record.and_then(|r| r.idle_since()), now),
            if adopted { "yes" } else { "no" }
        ),
        Style::default(),
    );
    if let Some(p) = row.pressure {
        push(
            format!(
                "Due now to free disk space: disk {}% ≥ {}%, freeing down to {}%.",
                p.used_percent, p.high_percent, p.low_percent
            ),
            Style::default(),
        );
    }
    if let Some(digest) = app.updates.get(&name) {
        push(
            format!(
                "Update available: the registry's tag now points at {}{}.",
                escape_controls(digest),
                if app.read_only {
                    ""
                } else {
                    " (U pulls it; u checks again)"
                }
            ),
            Style::default(),
        );
    }
    if !row.formerly.is_empty() {
        push(
            format!(
                "Formerly {}: the rules of those names still apply.",
                escape_controls(&row.formerly.join(", "))
            ),
            Style::default(),
        );
    }
    let others: Vec<String> = image
        .references
        .iter()
        .filter(|r| **r != name)
        .map(|r| escape_controls(r).into_owned())
        .collect();
    push(
        if image.in_use() && image.containers.is_empty() {
            format!(
                "It cannot be removed while other local images are built on it ({}).",
                image.children.len()
            )
        } else if image.in_use() {
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
        },
        Style::default(),
    );
    if let Some(reason) = app.failed.get(&name) {
        push(
            format!("Last removal failed: {}", escape_controls(reason)),
            theme.status_error,
        );
    }
    push("Matching rules:".to_string(), theme.column_header);
    if row.matching.is_empty() {
        push(
            "  none: no rule's pattern matches this name".to_string(),
            Style::default(),
        );
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
            match winner {
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
        push(
            format!("{marker}{} — {why}", rule_label(rule)),
            Style::default(),
        );
    }
    push(format!("Image ID: {}", image.id), Style::default());
    for digest in &image.repo_digests {
        push(
            format!("Digest: {}", escape_controls(digest)),
            Style::default(),
        );
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
        push("Recent activity:".to_string(), theme.column_header);
        for e in recent {
            push(
                format!(
                    "  {} {} by {}: {}",
                    clock_time(Some(e.entry.time), now),
                    escape_controls(&e.entry.action),
                    escape_controls(&e.entry.actor),
                    local_times(&escape_controls(&e.entry.result), now)
                ),
                Style::default(),
            );
        }
    }
    heading.extend(out);
    heading
}
