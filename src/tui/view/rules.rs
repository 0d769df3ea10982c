//! The Rules view: saved policies and their rules, the rule form, and the live preview.

use crate::core::format::{bytes, escape_controls, minutes};
use crate::tui::app::App;
use crate::tui::app::form::{Field, RuleForm};
use crate::tui::app::rules::Entry;
use crate::tui::text::count;
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
    let page = usize::from(area.height.saturating_sub(1));
    let window = editor.scroll.window(page, editor.entries.len());
    let rows = editor.entries[window.clone()]
        .iter()
        .zip(window)
        .map(|(entry, position)| {
            let row = match *entry {
                Entry::Policy(p) => {
                    let draft = &editor.drafts[p];
                    let status = match (&draft.saved, draft.dirty()) {
                        (None, _) => "not saved yet",
                        (Some(_), true) => "edited, not saved",
                        (Some(_), false) if !draft.base.enabled => "disabled",
                        (Some(_), false) if editor.not_placed(&draft.name).is_some() => {
                            "not placed here"
                        }
                        _ => "saved",
                    };
                    Row::new(vec![
                        format!(
                            "{} ({})",
                            escape_controls(&draft.name),
                            count(draft.rules.len(), "rule", "rules")
                        ),
                        String::new(),
                        String::new(),
                        status.to_string(),
                    ])
                    .style(theme.title)
                }
                Entry::Rule(p, r) => {
                    let rule = &editor.drafts[p].rules[r];
                    Row::new(vec![
                        format!("  {}. {}", r + 1, escape_controls(&rule.image_name)),
                        minutes(rule.delete_after_minutes),
                        if rule.agent_downloaded_only {
                            "agent-only"
                        } else {
                            "any"
                        }
                        .to_string(),
                        String::new(),
                    ])
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
        Constraint::Length(9),
        Constraint::Length(10),
        Constraint::Length(17),
    ];
    let header =
        Row::new(["POLICY / PATTERN", "AFTER", "IMAGES", "STATUS"]).style(theme.column_header);
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}

fn draw_side(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let editor = &app.rules;
    let mut lines: Vec<Line> = Vec::new();
    let policy = editor.current().map(|entry| match entry {
        Entry::Policy(p) | Entry::Rule(p, _) => p,
    });
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
            lines.push(Line::from(format!(
                "  {} newly scheduled, {} newly spared; frees {} within 1h, {} within 1d",
                summary.newly_scheduled,
                summary.newly_spared,
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
            "valid — enter accepts the rule (w saves the policy)",
            theme.status_ok,
        ));
    }
}
