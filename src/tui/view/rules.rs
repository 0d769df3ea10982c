//! The Rules view: saved policies and their rules, the rule form, and the live preview.

use crate::core::format::{bytes, escape_controls, minutes};
use crate::tui::app::App;
use crate::tui::app::form::{Field, FormKind, RuleForm};
use crate::tui::app::rules::{Entry, PolicyDraft, RulesEditor};
use crate::tui::text::{count, fit, width};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};

pub fn draw(app: &App, frame: &mut Frame, list: Rect, side: Option<Rect>) {
    draw_list(app, frame, list);
    if let Some(side) = side {
        draw_side(app, frame, side);
    }
}

/// AFTER ("1d 12h", "last 2", "85% → 75%") and IMAGES ("agent-only") columns.
const AFTER: u16 = 10;
const IMAGES: u16 = 10;

/// What a policy's row says of it: `edge-default (5 rules, 2 keep rules, disk marks)`.
fn policy_text(draft: &PolicyDraft) -> String {
    let document = &draft.document;
    let mut parts = vec![count(document.rules.len(), "rule", "rules")];
    if !document.keep.is_empty() {
        parts.push(count(document.keep.len(), "keep rule", "keep rules"));
    }
    if document.disk.is_some() {
        parts.push("disk marks".to_string());
    }
    format!("{} ({})", escape_controls(&draft.name), parts.join(", "))
}

/// Where a policy stands: saved, edited, changed by another process meanwhile, not placed.
fn policy_status(editor: &RulesEditor, draft: &PolicyDraft) -> &'static str {
    match (&draft.saved, draft.dirty(), draft.changed_elsewhere) {
        (None, _, _) => "not saved yet",
        (Some(_), true, Some(_)) => "edited here, changed elsewhere",
        (Some(_), true, None) => "edited, not saved",
        (Some(_), false, _) if !draft.document.enabled => "disabled",
        (Some(_), false, _) if editor.not_placed(&draft.name).is_some() => "not placed here",
        _ => "saved",
    }
}

/// The first column's text of an entry (without the status of a policy).
fn entry_text(editor: &crate::tui::app::rules::RulesEditor, entry: Entry) -> String {
    match entry {
        Entry::Policy(p) => policy_text(&editor.drafts[p]),
        Entry::Rule(p, r) => format!(
            "  {}. {}",
            r + 1,
            escape_controls(&editor.drafts[p].document.rules[r].image_name)
        ),
        Entry::Keep(p, k) => format!(
            "  keep {}. {}",
            k + 1,
            escape_controls(&editor.drafts[p].document.keep[k].image_name)
        ),
        Entry::Disk(_) => "  disk marks".to_string(),
    }
}

/// How wide the list would like to be: its longest line whole, with the other columns.
pub fn list_width(app: &App) -> u16 {
    let editor = &app.rules;
    let longest = editor
        .entries
        .iter()
        .map(|&entry| {
            let status = match entry {
                Entry::Policy(p) => 2 + width(policy_status(editor, &editor.drafts[p])),
                _ => 0,
            };
            width(&entry_text(editor, entry)) + status
        })
        .max()
        .unwrap_or(0);
    u16::try_from(longest)
        .unwrap_or(u16::MAX)
        .saturating_add(AFTER + IMAGES + 2)
}

fn draw_list(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let editor = &app.rules;
    if editor.entries.is_empty() {
        let text = if app.read_only {
            " No saved policies."
        } else {
            " No saved policies. n adds a rule to a new policy; i imports a policy file."
        };
        frame.render_widget(Paragraph::new(text).style(theme.hint), area);
        return;
    }
    let first = usize::from(area.width.saturating_sub(AFTER + IMAGES + 2));
    let page = usize::from(area.height.saturating_sub(1));
    let window = editor.scroll.window(page, editor.entries.len());
    let rows = editor.entries[window.clone()]
        .iter()
        .zip(window.clone())
        .map(|(&entry, position)| {
            let text = entry_text(editor, entry);
            let row = match entry {
                Entry::Policy(p) => {
                    let status = policy_status(editor, &editor.drafts[p]);
                    // The status keeps its room; the name and counts are cut before it.
                    let room = first.saturating_sub(width(status) + 2);
                    let line = format!("{}  {status}", fit(&text, room));
                    Row::new(vec![fit(&line, first), String::new(), String::new()])
                        .style(theme.title)
                }
                Entry::Rule(p, r) => {
                    let rule = &editor.drafts[p].document.rules[r];
                    Row::new(vec![
                        fit(&text, first),
                        minutes(rule.delete_after_minutes),
                        if rule.agent_downloaded_only {
                            "agent-only"
                        } else {
                            "any"
                        }
                        .to_string(),
                    ])
                }
                Entry::Keep(p, k) => {
                    let keep = &editor.drafts[p].document.keep[k];
                    let last = keep
                        .last
                        .map_or_else(|| "all".to_string(), |n| format!("last {n}"));
                    Row::new(vec![fit(&text, first), last, String::new()])
                }
                Entry::Disk(p) => {
                    let marks = editor.drafts[p]
                        .document
                        .disk
                        .map(|m| format!("{}% → {}%", m.high_percent, m.low_percent))
                        .unwrap_or_default();
                    Row::new(vec![fit(&text, first), marks, String::new()])
                }
            };
            if position == editor.scroll.cursor {
                row.style(theme.selected)
            } else {
                row
            }
        });
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(AFTER),
        Constraint::Length(IMAGES),
    ];
    // Scrolled into a policy, the header names it: every row shown belongs to it.
    let heading = match editor.entries.get(window.start) {
        Some(Entry::Policy(_)) | None => "POLICY / PATTERN".to_string(),
        Some(entry) => format!(
            "POLICY {} (continued)",
            escape_controls(&editor.drafts[entry.policy()].name)
        ),
    };
    let header = Row::new([fit(&heading, first), "AFTER".into(), "IMAGES".into()])
        .style(theme.column_header);
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}

fn draw_side(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let editor = &app.rules;
    let mut lines: Vec<Line> = Vec::new();
    let policy = editor.current_policy();
    if let Some(why) = policy.and_then(|p| editor.not_placed(&editor.drafts[p].name)) {
        lines.push(Line::styled(
            format!(
                "{}: its rules apply nothing on this node",
                escape_controls(why)
            ),
            theme.warning,
        ));
    }
    if let Some(form) = &editor.form {
        form_lines(app, form, &mut lines);
    }
    if let Some(preview) = &editor.preview {
        if let Some(matches) = &preview.pattern {
            lines.push(Line::styled(
                format!(
                    "Pattern {} matches {}",
                    escape_controls(&matches.pattern),
                    count(matches.count, "local reference", "local references")
                ),
                theme.column_header,
            ));
            for name in &matches.sample {
                lines.push(Line::from(format!("  {}", escape_controls(name))));
            }
            if matches.count > matches.sample.len() {
                lines.push(Line::from(format!(
                    "  … and {} more",
                    matches.count - matches.sample.len()
                )));
            }
        }
        // What saving would change means nothing where nothing can be saved.
        if let Some(summary) = preview.summary.as_ref().filter(|_| !app.read_only) {
            lines.push(Line::styled(
                format!("On save of {}:", escape_controls(&preview.policy)),
                theme.column_header,
            ));
            let changes = if summary.newly_scheduled + summary.newly_spared == 0
                && summary.changes.is_empty()
            {
                "nothing changes".to_string()
            } else {
                format!(
                    "{} newly scheduled, {} newly spared",
                    summary.newly_scheduled, summary.newly_spared
                )
            };
            lines.push(Line::from(format!(
                "  {changes}; the node frees {} within 1h, {} within 1d (all policies)",
                bytes(summary.bytes_within_hour),
                bytes(summary.bytes_within_day)
            )));
            if let Some(pressure) = &summary.disk_pressure {
                lines.push(Line::from(format!("  {}", pressure.sentence())));
            }
            for change in summary.changes.iter().take(5) {
                lines.push(Line::from(format!(
                    "  {}: {} → {}",
                    escape_controls(&change.reference),
                    change.before,
                    change.after
                )));
            }
            if summary.changes.len() > 5 {
                lines.push(Line::from(format!(
                    "  … and {} more changes",
                    summary.changes.len() - 5
                )));
            }
        }
    }
    let (errors, warnings) = &editor.problems;
    let (errors, warnings) = if editor.form.is_some() {
        (&[][..], &[][..])
    } else {
        (&errors[..], &warnings[..])
    };
    for error in errors {
        lines.push(Line::styled(
            format!("error: {}", escape_controls(error)),
            theme.status_error,
        ));
    }
    for warning in warnings {
        lines.push(Line::styled(
            format!("warning: {}", escape_controls(warning)),
            theme.warning,
        ));
    }
    let title = if editor.form.is_some() {
        " Rule "
    } else {
        " Preview "
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(title, theme.title));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn form_lines<'a>(app: &App, form: &'a RuleForm, lines: &mut Vec<Line<'a>>) {
    let theme = &app.theme;
    let field = |label: &'a str, value: String, this: Field| {
        let focused = form.field == this;
        let cursor = if focused && this != Field::AgentOnly {
            "▏"
        } else {
            ""
        };
        Line::from(vec![
            Span::styled(
                format!("{label:>22}: "),
                if focused {
                    theme.marked
                } else {
                    Style::default()
                },
            ),
            Span::styled(
                format!("{}{cursor}", escape_controls(&value)),
                if focused {
                    theme.button_focused
                } else {
                    theme.button
                },
            ),
        ])
    };
    match form.kind {
        FormKind::Removal => {
            lines.push(field("image_name", form.pattern.clone(), Field::Pattern));
            lines.push(field(
                "delete_after_minutes",
                form.minutes.clone(),
                Field::Minutes,
            ));
            lines.push(field(
                "agent_downloaded_only",
                if form.agent_only { "[x] yes" } else { "[ ] no" }.to_string(),
                Field::AgentOnly,
            ));
        }
        FormKind::Keep => {
            lines.push(Line::styled(
                "Keep rule: what it matches is never removed",
                theme.column_header,
            ));
            lines.push(field("image_name", form.pattern.clone(), Field::Pattern));
            lines.push(field("last", form.last.clone(), Field::Last));
            lines.push(Line::styled(
                "  last: the N most recently used versions per repository; empty keeps every match",
                theme.hint,
            ));
        }
        FormKind::Disk => {
            lines.push(Line::styled(
                "Disk marks: at the high mark, free down to the low mark",
                theme.column_header,
            ));
            lines.push(field("high_percent", form.high.clone(), Field::High));
            lines.push(field("low_percent", form.low.clone(), Field::Low));
        }
    }
    for error in &form.errors {
        lines.push(Line::styled(
            format!("error: {}", escape_controls(error)),
            theme.status_error,
        ));
    }
    for warning in &form.warnings {
        lines.push(Line::styled(
            format!("warning: {}", escape_controls(warning)),
            theme.warning,
        ));
    }
    if form.errors.is_empty() {
        lines.push(Line::styled(
            "valid — enter accepts it (w saves the policy)",
            theme.status_ok,
        ));
    }
}
