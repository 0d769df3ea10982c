//! The one confirmation dialog every destructive action goes through, and the one-line prompt.

use crate::format::bytes;
use crate::removal::container_names;
use crate::tui::app::App;
use crate::tui::app::modal::{Confirm, Prompt};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// How many targets the dialog lists before summarising the rest.
const LISTED: usize = 6;

/// A centred rectangle of at most `width` × `height`, within the screen.
pub fn centered(screen: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(screen.height))])
        .flex(Flex::Center)
        .areas(screen);
    let [area] = Layout::horizontal([Constraint::Length(width.min(screen.width))])
        .flex(Flex::Center)
        .areas(row);
    area
}

pub fn confirm(app: &App, confirm: &Confirm, frame: &mut Frame) {
    let theme = &app.theme;
    let mut lines: Vec<Line> = Vec::new();
    let title;
    if confirm.can_confirm() {
        let count = confirm.targets.len();
        title = format!(
            " {} {count} reference{}? ",
            confirm.action.verb(),
            if count == 1 { "" } else { "s" }
        );
        for target in confirm.targets.iter().take(LISTED) {
            let effect = match target.frees {
                Some(size) => format!("frees {}", bytes(size)),
                None => "untags only (the image keeps other names)".to_string(),
            };
            lines.push(Line::from(format!(
                "  {}  — {effect}",
                target.target.reference
            )));
        }
        if count > LISTED {
            lines.push(Line::from(format!("  … and {} more", count - LISTED)));
        }
        if confirm.hidden_by_filter > 0 {
            lines.push(Line::styled(
                format!(
                    "  {} of them marked but hidden by the filter",
                    confirm.hidden_by_filter
                ),
                theme.warning,
            ));
        }
        lines.push(Line::from(""));
        lines.push(Line::from(format!(
            "Frees {} in total.",
            bytes(confirm.bytes())
        )));
        lines.push(Line::from(format!("Same as: {}", confirm.docker_command())));
        if confirm.action == crate::tui::app::modal::Destructive::Approve {
            lines.push(Line::from("The enforcer removes them on its next cycle."));
        }
    } else {
        title = " Cannot remove ".to_string();
        for blocked in &confirm.blocked {
            if blocked.containers.is_empty() {
                lines.push(Line::from(format!(
                    "  {}: {}",
                    blocked.reference, blocked.reason
                )));
            } else {
                lines.push(Line::from(format!(
                    "  {} is in use by {}",
                    blocked.reference,
                    container_names(&blocked.containers)
                )));
            }
        }
        let containers: Vec<&str> = confirm
            .blocked
            .iter()
            .flat_map(|b| b.containers.iter().map(|c| c.name.as_str()))
            .collect();
        lines.push(Line::from(""));
        if !containers.is_empty() {
            lines.push(Line::from(format!(
                "Remove those containers first (docker rm {}).",
                containers.join(" ")
            )));
        }
        lines.push(Line::from("Nothing was removed."));
    }
    lines.push(Line::from(""));
    let button = |label: String, focused: bool| {
        Span::styled(
            format!("[ {label} ]"),
            if focused {
                theme.button_focused
            } else {
                theme.button
            },
        )
    };
    let buttons = if confirm.can_confirm() {
        Line::from(vec![
            button("Cancel".into(), !confirm.confirm_focused),
            Span::raw("   "),
            button(confirm.action.button().into(), confirm.confirm_focused),
        ])
    } else {
        Line::from(button("Close".into(), true))
    };
    lines.push(buttons.centered());
    let screen = frame.area();
    let width = screen.width.saturating_sub(4).min(90);
    let height = (lines.len() as u16 + 2).min(screen.height);
    let area = centered(screen, width, height);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.dialog_border)
        .title(Span::styled(title, theme.dialog_border))
        .style(theme.dialog);
    boxed(frame, area, lines, block);
}

pub fn prompt(app: &App, prompt: &Prompt, frame: &mut Frame) {
    let theme = &app.theme;
    let mut lines = vec![
        Line::from(prompt.kind.question()),
        Line::from(Span::styled(
            format!("{}▏", prompt.input),
            theme.button_focused,
        )),
    ];
    if let Some(error) = &prompt.error {
        lines.push(Line::styled(error.clone(), theme.status_error));
    }
    let screen = frame.area();
    let area = centered(
        screen,
        screen.width.saturating_sub(4).min(80),
        lines.len() as u16 + 4,
    );
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .style(theme.dialog);
    boxed(frame, area, lines, block);
}

/// Clears `area` and draws `lines` wrapped inside `block`: every dialog and prompt.
fn boxed(frame: &mut Frame, area: Rect, lines: Vec<Line>, block: Block) {
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
